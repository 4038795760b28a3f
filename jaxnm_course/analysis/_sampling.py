r"""Conformations and the modes: deformation vectors, matched residues, sampling (private).

Re-exported by :mod:`jaxnm_course.analysis`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .. import _validate
from ..geometry import superpose
from ._modes import _cartesian

# --- deformation between two conformations -------------------------------------------------


class Deformation(NamedTuple):
    """Result of :func:`deformation`.

    Attributes:
        vector: d = R_other superposed − R_ref, flattened atom-major, shape (3N,), Å.
        R: ``R_other`` superposed onto ``R_ref``, shape (N, 3), Å.
        rmsd: RMSD after superposition, Å (= |d| / √N for equal weights).
    """

    vector: jnp.ndarray
    R: jnp.ndarray
    rmsd: jnp.ndarray


def deformation(
    R_ref: ArrayLike, R_other: ArrayLike, weights: ArrayLike | None = None
) -> Deformation:
    r"""Deformation vector from a reference conformation to another, after superposition.

    ``R_other`` is superposed onto ``R_ref`` (:func:`superpose`) so that no rigid-body
    motion is left in d = R_other' − R_ref; d can then be compared with the modes of
    ``R_ref`` (:func:`overlap`, :func:`cumulative_overlap`).

    Args:
        R_ref: reference coordinates (the structure whose modes are used), (N, 3), Å.
        R_other: the other conformation, same atoms in the same order, (N, 3), Å.
        weights: superposition weights, shape (N,), or None.

    Returns:
        :class:`Deformation`.

    Reference: F. Tama and Y.-H. Sanejouand, Protein Eng. 14, 1 (2001).
    """
    fit = superpose(R_other, R_ref, weights)
    R_ref = jnp.asarray(R_ref, dtype=jnp.float64)
    return Deformation(vector=(fit.R - R_ref).reshape(-1), R=fit.R, rmsd=fit.rmsd)


def common_residues(a: Any, b: Any, *, match_chains: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the residues two structures have in common, matched by number.

    Residues are matched on (chain, residue number, insertion code), or on (number,
    insertion code) with ``match_chains=False`` (e.g. chain A of one entry against chain B
    of another), keeping the order of ``a``. Residue names must agree where numbers do.

    Args:
        a: a :class:`~jaxnm_course.Structure`.
        b: a :class:`~jaxnm_course.Structure`.
        match_chains: require equal chain ids.

    Returns:
        (idx_a, idx_b): int arrays of equal length K with a.R[idx_a] and b.R[idx_b] the same
        residues in the same order.

    Raises:
        ValueError: no residue in common, a key repeated within one structure, or residue
            names that differ (a mutation or a numbering shift).
    """
    fn = "common_residues"

    def keys(s: Any, name: str) -> dict[tuple, int]:
        out: dict[tuple, int] = {}
        for i, (c, n, ic) in enumerate(zip(s.chains, s.resnums, s.icodes, strict=True)):
            k = (c, int(n), ic) if match_chains else (int(n), ic)
            if k in out:
                raise ValueError(
                    f"{fn}: residue {k} appears twice in `{name}`; with several chains pass "
                    "match_chains=True, or select one chain when loading."
                )
            out[k] = i
        return out

    ka, kb = keys(a, "a"), keys(b, "b")
    pairs = [(i, kb[k]) for k, i in ka.items() if k in kb]
    if not pairs:
        raise ValueError(
            f"{fn}: the structures have no residue in common (matched on "
            f"{'chain, ' if match_chains else ''}number and insertion code)."
        )
    idx_a = np.array([p[0] for p in pairs], dtype=np.int64)
    idx_b = np.array([p[1] for p in pairs], dtype=np.int64)
    bad = [(int(a.resnums[i]), a.resnames[i], b.resnames[j]) for i, j in pairs]
    bad = [x for x in bad if x[1] != x[2]]
    if bad:
        raise ValueError(
            f"{fn}: {len(bad)} residue(s) with the same number have different names "
            f"(first: residue {bad[0][0]}, {bad[0][1]} vs {bad[0][2]}); the numbering "
            "differs or the sequences do: align the sequences instead."
        )
    return idx_a, idx_b


# --- conformations along modes ---------------------------------------------------------------


class Conformers(NamedTuple):
    """Result of :func:`sample_conformers`.

    Attributes:
        R: conformations, shape (n_confs, N, 3), Å.
        coefficients: the standard normal numbers z_ck, shape (n_confs, M).
        rmsd: RMSD of each conformation from the reference, shape (n_confs,), Å.
        scale: the common factor s of the displacements (see :func:`sample_conformers`).
    """

    R: jnp.ndarray
    coefficients: jnp.ndarray
    rmsd: jnp.ndarray
    scale: jnp.ndarray


def sample_conformers(
    key: jax.Array,
    R: ArrayLike,
    modes: Any,
    n_confs: int = 100,
    rmsd: float = 1.0,
    *,
    n_modes: int | None = None,
) -> Conformers:
    r"""Random conformations along normal modes, with Boltzmann-like amplitudes.

    .. math:: R_c = R + s \sum_k z_{ck}\, \lambda_k^{-1/2}\, u_k,
              \qquad z_{ck} \sim \mathcal N(0, 1),
              \qquad s = \mathrm{RMSD}\, \sqrt{N \big/ \textstyle\sum_k |u_k|^2/\lambda_k}

    Each mode is excited in proportion to its thermal amplitude (kT/λ_k)^{1/2}; s fixes
    the root-mean-square over the ensemble of the RMSD from R to ``rmsd`` (individual
    conformations scatter around it). Same idea as ProDy's ``sampleModes``, which instead
    scales by the sample mean of the RMSD.

    Args:
        key: a JAX PRNG key (``jax.random.key(0)``).
        R: reference coordinates, shape (N, 3), Å.
        modes: Cartesian modes (3N, M): a Modes or ``(eigenvalues, vectors)``.
        n_confs: number of conformations.
        rmsd: target RMS of the RMSD, Å.
        n_modes: use only the slowest ``n_modes`` modes.

    Returns:
        :class:`Conformers`.

    Reference: ProDy ``sampleModes`` (A. Bakan, L. M. Meireles, I. Bahar, Bioinformatics
    27, 1575 (2011)); T. R. Lezon, I. Bahar, PLoS Comput. Biol. 6, e1000816 (2010).
    """
    fn = "sample_conformers"
    R, arr = _cartesian(modes, R, fn, n_modes)
    if not float(rmsd) > 0 or int(n_confs) < 1:
        raise ValueError(f"{fn}: need rmsd > 0 and n_confs >= 1, got {rmsd!r}, {n_confs!r}.")
    n = R.shape[0]
    z = jax.random.normal(key, (int(n_confs), arr.eigenvalues.shape[0]), dtype=jnp.float64)
    expected = jnp.sum(jnp.sum(arr.basis**2, axis=0) / arr.eigenvalues)
    s = rmsd * jnp.sqrt(n / expected)
    disp = (z / jnp.sqrt(arr.eigenvalues)) @ arr.basis.T * s
    disp = disp.reshape(int(n_confs), n, 3)
    return Conformers(
        R=R[None] + disp,
        coefficients=z,
        rmsd=jnp.sqrt(jnp.mean(jnp.sum(disp**2, axis=2), axis=1)),
        scale=s,
    )


class Traversal(NamedTuple):
    """Result of :func:`traverse_mode`.

    Attributes:
        R: frames, shape (2 n_steps + 1, N, 3), Å, from -rmsd through R to +rmsd.
        amplitudes: signed RMSD of each frame from R, shape (2 n_steps + 1,), Å.
    """

    R: jnp.ndarray
    amplitudes: jnp.ndarray


def traverse_mode(
    R: ArrayLike, vector: ArrayLike, n_steps: int = 10, rmsd: float = 1.5
) -> Traversal:
    r"""Frames along one mode, for animation: R_j = R + a_j √N v/|v|.

    The amplitudes a_j = rmsd · j / n_steps, j = -n_steps … n_steps, are the RMSD of each
    frame from R (signed), so the ends lie ``rmsd`` Å away on either side.

    Args:
        R: reference coordinates, shape (N, 3), Å.
        vector: the mode (or any displacement), shape (3N,) or (N, 3).
        n_steps: number of frames on each side of R.
        rmsd: RMSD of the end frames from R, Å.

    Returns:
        :class:`Traversal` with 2 n_steps + 1 frames.

    Reference: ProDy ``traverseMode`` (Bakan et al., Bioinformatics 27, 1575 (2011)).
    """
    fn = "traverse_mode"
    R = _validate.as_positions(R, fn, check_overlap=False)
    v = _validate.as_float64(vector, "vector", fn)
    if v.size != R.size:
        raise ValueError(
            f"{fn}: `vector` has {v.size} entries for {R.shape[0]} atoms; pass shape (3N,) "
            "(a column of Modes.vectors) or (N, 3)."
        )
    _validate._check_finite(v, "vector", fn)
    v = v.reshape(R.shape)
    norm = jnp.linalg.norm(v)
    if _validate.is_concrete(norm) and float(norm) == 0.0:
        raise ValueError(f"{fn}: `vector` is zero.")
    if int(n_steps) < 1 or not float(rmsd) > 0:
        raise ValueError(f"{fn}: need n_steps >= 1 and rmsd > 0, got {n_steps!r}, {rmsd!r}.")
    a = jnp.linspace(-rmsd, rmsd, 2 * int(n_steps) + 1)
    step = v / norm * jnp.sqrt(R.shape[0])
    return Traversal(R=R[None] + a[:, None, None] * step[None], amplitudes=a)
