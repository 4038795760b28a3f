"""What a Cα network knows about each residue and pair, padded into fixed-size buckets.

Everything here is NumPy, outside ``jit``: it fixes array shapes. A protein of N residues
goes into the smallest bucket size Nb >= N, a multiple of ``BUCKET`` (64); padding residues have
mask 0, and the learned model (:mod:`._learned`) gives every spring that touches them a
zero constant, so each bucket compiles once whatever the protein.

Per-residue features (all computed from the coordinates and the residue order alone, so
that they do not change when residues are renumbered or the structure is moved):

* ``segment``: index of the chain segment. Consecutive residues belong to one segment
  when their Cα atoms are closer than :data:`BOND_MAX` (a Cα-Cα bond is 3.8 Å); a gap
  in the chain (missing residues) starts a new segment, so sequence separations and
  termini are counted along the chain as it is in the file.
* ``position``: index along the chain (0..N-1, file order); with ``segment`` it gives the
  sequence separation |i - j| of two residues of one segment.
* ``terminus``: e^(-d/2), d the number of residues to the nearest segment end (1 at an
  end, 0.37 two residues in).
* ``density``: standardised smooth coordination number,
  (Σ_j s(r_ij) - :data:`DENSITY_MEAN`) / :data:`DENSITY_SCALE`, with s the logistic switch
  1/(1 + e^((r - 10 Å)/1 Å)): buried residues are positive, exposed ones negative.
* ``restype``: index in :data:`jaxnm_course.differentiable.AMINO_ACIDS` (20: other).
* ``density_wide``: the same smooth count within :data:`WIDE_RADIUS` (16 Å), standardised
  by :data:`WIDE_MEAN` and :data:`WIDE_SCALE`: how deep in the protein the residue sits,
  beyond its first shell.
* ``exposure``: a smooth, signed half-sphere count (after half-sphere exposure, HSE-α):
  with u_i the unit bisector of Cα(i-1) - Cα(i) and Cα(i+1) - Cα(i) (the side of the
  backbone bend, opposite to the side chain), Σ_j s(r_ij) u_i·(R_j - R_i)/r_ij within
  :data:`DENSITY_RADIUS`, standardised by :data:`EXPOSURE_MEAN` and
  :data:`EXPOSURE_SCALE` (the raw count is 0 at segment ends: no bend).
  Positive: more neighbours on the backbone side than on the side-chain side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from ..differentiable import AMINO_ACIDS

__all__ = [
    "BOND_MAX",
    "BUCKET",
    "DENSITY_MEAN",
    "DENSITY_RADIUS",
    "DENSITY_SCALE",
    "EXPOSURE_MEAN",
    "EXPOSURE_SCALE",
    "WIDE_MEAN",
    "WIDE_RADIUS",
    "WIDE_SCALE",
    "Batch",
    "ResidueFeatures",
    "bucket_for",
    "pad_batch",
    "residue_features",
]

#: Padded sizes are multiples of this many residues (64, 128, 192, ...): each size
#: compiles once.
BUCKET = 64
#: Consecutive Cα closer than this (Å) are bonded (same chain segment).
BOND_MAX = 4.3
#: Radius (Å) and width (1 Å) of the smooth coordination count.
DENSITY_RADIUS = 10.0
#: Typical coordination count within 10 Å and its spread (standardisation constants,
#: fixed from the shared B-factor set; they only set the scale of the density weights).
DENSITY_MEAN = 18.0
DENSITY_SCALE = 5.5
#: Radius (Å) of the wide coordination count, and its standardisation constants (mean and
#: spread over a quarter of the training proteins, rounded; like the density's, they only
#: set the scale of the weights).
WIDE_RADIUS = 16.0
WIDE_MEAN = 54.0
WIDE_SCALE = 18.0
#: Typical signed half-sphere count and its spread (standardisation constants, from the
#: same proteins).
EXPOSURE_MEAN = 2.0
EXPOSURE_SCALE = 3.5


class ResidueFeatures(NamedTuple):
    """Per-residue features of one protein (NumPy arrays of length N).

    Attributes:
        segment: chain-segment index, int64.
        position: index along the chain, int64.
        terminus: e^(-d/2), d residues to the nearest segment end, float64.
        density: standardised coordination number, float64.
        restype: residue type index (0..20), int64.
        density_wide: standardised coordination number within 16 Å, float64.
        exposure: standardised signed half-sphere count, float64.
    """

    segment: np.ndarray
    position: np.ndarray
    terminus: np.ndarray
    density: np.ndarray
    restype: np.ndarray
    density_wide: np.ndarray
    exposure: np.ndarray


def residue_features(R: np.ndarray, resnames: Sequence[str] | None = None) -> ResidueFeatures:
    """Per-residue features of a Cα model (see the module documentation).

    Args:
        R: Cα coordinates, float64 of shape (N, 3), Å (checked by the caller).
        resnames: residue names of length N, or None (all "other").

    Returns:
        :class:`ResidueFeatures`.
    """
    n = R.shape[0]
    bond = np.linalg.norm(R[1:] - R[:-1], axis=1) if n > 1 else np.zeros(0)
    segment = np.concatenate([[0], np.cumsum(bond > BOND_MAX)]).astype(np.int64)
    position = np.arange(n, dtype=np.int64)
    starts = np.array([np.argmax(segment == s) for s in segment])
    ends = np.array([n - 1 - np.argmax(segment[::-1] == s) for s in segment])
    d_end = np.minimum(position - starts, ends - position)
    terminus = np.exp(-d_end / 2.0)
    diff = R[None, :, :] - R[:, None, :]  # R_j - R_i
    dist = np.linalg.norm(diff, axis=-1)
    switch = 0.5 * (1.0 - np.tanh((dist - DENSITY_RADIUS) / 2.0))  # logistic, width 1 Å
    np.fill_diagonal(switch, 0.0)
    density = (switch.sum(axis=1) - DENSITY_MEAN) / DENSITY_SCALE
    wide = 0.5 * (1.0 - np.tanh((dist - WIDE_RADIUS) / 2.0))
    np.fill_diagonal(wide, 0.0)
    density_wide = (wide.sum(axis=1) - WIDE_MEAN) / WIDE_SCALE
    bend = np.zeros((n, 3))
    inner = np.zeros(n, dtype=bool)
    if n > 2:
        inner[1:-1] = (segment[:-2] == segment[1:-1]) & (segment[2:] == segment[1:-1])
        bend[1:-1] = (R[:-2] - R[1:-1]) + (R[2:] - R[1:-1])
    norm = np.linalg.norm(bend, axis=1)
    u = np.where((inner & (norm > 1e-6))[:, None], bend / np.maximum(norm, 1e-6)[:, None], 0.0)
    cos = np.einsum("ik,ijk->ij", u, diff) / np.where(dist > 0, dist, 1.0)
    exposure = ((switch * cos).sum(axis=1) - EXPOSURE_MEAN) / EXPOSURE_SCALE
    lookup = {name: i for i, name in enumerate(AMINO_ACIDS)}
    if resnames is None:
        restype = np.full(n, len(AMINO_ACIDS), dtype=np.int64)
    else:
        restype = np.array([lookup.get(str(r).upper(), len(AMINO_ACIDS)) for r in resnames])
    return ResidueFeatures(
        segment,
        position,
        terminus,
        density,
        restype.astype(np.int64),
        density_wide,
        exposure,
    )


def bucket_for(n: int) -> int:
    """Smallest multiple of ``BUCKET`` (64 residues) that is >= n."""
    return BUCKET * max(1, -(-int(n) // BUCKET))


class Batch(NamedTuple):
    """Proteins padded to one bucket size Nb (NumPy arrays with a leading batch axis S).

    Attributes:
        R: coordinates, (S, Nb, 3), Å (padding: far away, on a line, never used).
        mask: 1 for real residues, 0 for padding, (S, Nb).
        segment: chain-segment index, (S, Nb) (padding: -1 - index, unique).
        terminus: (S, Nb).
        density: (S, Nb).
        restype: (S, Nb), int.
        density_wide: (S, Nb).
        exposure: (S, Nb).
        bfactors: experimental B-factors, (S, Nb), Å² (0 where unknown or padding).
        n: number of real residues, (S,).
    """

    R: np.ndarray
    mask: np.ndarray
    segment: np.ndarray
    terminus: np.ndarray
    density: np.ndarray
    restype: np.ndarray
    density_wide: np.ndarray
    exposure: np.ndarray
    bfactors: np.ndarray
    n: np.ndarray


def pad_batch(
    structures: Sequence[tuple[np.ndarray, ResidueFeatures, np.ndarray | None]], size: int
) -> Batch:
    """Stack proteins (R, features, B or None) padded to ``size`` residues.

    Padding residues sit far from the protein and from each other (so distances stay
    finite and non-zero), with their own segments; the model masks their springs.
    """
    s = len(structures)
    R = np.zeros((s, size, 3))
    pad_line = 1000.0 + 10.0 * np.arange(size)
    R[:, :, 0] = pad_line
    mask = np.zeros((s, size))
    segment = np.broadcast_to(-1 - np.arange(size), (s, size)).copy()
    terminus = np.zeros((s, size))
    density = np.zeros((s, size))
    restype = np.full((s, size), len(AMINO_ACIDS), dtype=np.int64)
    density_wide = np.zeros((s, size))
    exposure = np.zeros((s, size))
    bfac = np.zeros((s, size))
    n = np.zeros(s, dtype=np.int64)
    for a, (Ra, f, B) in enumerate(structures):
        m = Ra.shape[0]
        n[a] = m
        R[a, :m] = Ra
        mask[a, :m] = 1.0
        segment[a, :m] = f.segment
        terminus[a, :m] = f.terminus
        density[a, :m] = f.density
        restype[a, :m] = f.restype
        density_wide[a, :m] = f.density_wide
        exposure[a, :m] = f.exposure
        if B is not None:
            bfac[a, :m] = B
    return Batch(R, mask, segment, terminus, density, restype, density_wide, exposure, bfac, n)
