r"""Comparing modes and vectors: overlaps, RMSIP, collectivity, hinges (private).

Re-exported by :mod:`jaxnm_course.analysis`.
"""

from __future__ import annotations

import itertools
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .. import _validate
from ..modes import Modes
from ._modes import _check_dim, _modes_dim, _one_dimensional


def _columns(x: Any, name: str, function: str) -> jnp.ndarray:
    if isinstance(x, Modes):
        x = x.vectors
    x = _validate.as_float64(x, name, function)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"{function}: `{name}` must be a vector (D,) or vectors as columns (D, M), got "
            f"shape {tuple(x.shape)}."
        )
    _validate._check_finite(x, name, function)
    norms = jnp.linalg.norm(x, axis=0)
    if _validate.is_concrete(norms) and float(norms.min()) == 0.0:
        raise ValueError(
            f"{function}: column {int(jnp.argmin(norms))} of `{name}` is zero; an overlap "
            "with a zero vector is undefined."
        )
    return x / norms


def _pair(a: Any, b: Any, function: str) -> tuple[jnp.ndarray, jnp.ndarray]:
    if isinstance(a, Modes) and isinstance(b, Modes):
        da, db = _modes_dim(a, None, function), _modes_dim(b, None, function)
        if da != db:
            raise ValueError(
                f"{function}: `a` has modes.dim={da} and `b` modes.dim={db}; GNM modes (one "
                "number per residue) and Cartesian modes (3 per atom) live in different "
                "spaces. Compare GNM with GNM, or ANM with ANM."
            )
    A = _columns(a, "a", function)
    B = _columns(b, "b", function)
    if A.shape[0] != B.shape[0]:
        hint = (
            " (an (N, 3) array? flatten it with `.reshape(-1)`)"
            if 3 * min(A.shape[0], B.shape[0]) == max(A.shape[0], B.shape[0])
            else ""
        )
        raise ValueError(
            f"{function}: `a` has vectors of length {A.shape[0]} but `b` of length "
            f"{B.shape[0]}; they must live in the same space{hint}."
        )
    return A, B


def overlap(a: Any, b: Any) -> jnp.ndarray:
    r"""Overlap (cosine) between vectors: O_kl = a_k·b_l / (|a_k| |b_l|).

    Args:
        a: a vector (D,), vectors as columns (D, M), or a Modes (its ``vectors``).
        b: a vector (D,), vectors as columns (D, K), or a Modes.

    Returns:
        Signed overlaps, shape (M, K) (a scalar's worth of shape (1, 1) for two vectors);
        ``abs`` of it is the usual |overlap| in [0, 1].

    Reference: F. Tama and Y.-H. Sanejouand, Protein Eng. 14, 1 (2001), eq. 5;
    G. G. Krebs et al., Proteins 48, 682 (2002).
    """
    A, B = _pair(a, b, "overlap")
    return A.T @ B


def cumulative_overlap(modes: Any, vector: ArrayLike) -> jnp.ndarray:
    r"""Cumulative overlap of the first k modes with a vector, k = 1 … M.

    .. math:: CO(k) = \Big( \sum_{j=1}^{k} O_j^2 \Big)^{1/2},
              \qquad O_j = \frac{u_j \cdot d}{|u_j|\,|d|}

    For orthonormal modes CO(M) = 1 exactly when ``vector`` lies in their span.

    Args:
        modes: vectors as columns (D, M) or a Modes.
        vector: the vector d, shape (D,) (e.g. :attr:`Deformation.vector`).

    Returns:
        CO, shape (M,), non-decreasing, in [0, 1] for orthonormal modes.

    Reference: Tama and Sanejouand, Protein Eng. 14, 1 (2001); Krebs et al. (2002).
    """
    O = overlap(modes, vector)  # noqa: E741
    if O.shape[1] != 1:
        raise ValueError(
            f"cumulative_overlap: `vector` must be one vector of shape (D,), got {O.shape[1]}."
        )
    return jnp.sqrt(jnp.cumsum(O[:, 0] ** 2))


def rmsip(a: Any, b: Any) -> jnp.ndarray:
    r"""Root mean square inner product of two subspaces.

    .. math:: \mathrm{RMSIP} = \Big( \frac{1}{M} \sum_{i=1}^{M} \sum_{j=1}^{K}
              (a_i \cdot b_j)^2 \Big)^{1/2}

    with normalised columns; 1 for identical subspaces (M = K), 0 for orthogonal ones.
    The columns of each set should be orthonormal (as normal modes are).

    Args:
        a: vectors as columns (D, M) or a Modes.
        b: vectors as columns (D, K) or a Modes.

    Returns:
        RMSIP, a scalar.

    Reference: A. Amadei, M. A. Ceruso, A. Di Nola, Proteins 36, 419 (1999).
    """
    A, B = _pair(a, b, "rmsip")
    return jnp.sqrt(jnp.sum((A.T @ B) ** 2) / A.shape[1])


def collectivity(
    modes: Any, *, masses: ArrayLike | None = None, dim: int | None = None
) -> jnp.ndarray:
    r"""Degree of collectivity κ of each mode (Brüschweiler).

    .. math:: \kappa = \frac{1}{N} \exp\Big( -\sum_{i=1}^{N} u_i^2 \ln u_i^2 \Big),
              \qquad u_i^2 = \alpha \frac{|v_i|^2}{m_i}, \quad \sum_i u_i^2 = 1

    (0 ln 0 = 0). κ = 1 when all N atoms move by the same amount, 1/N when one atom moves.

    Args:
        modes: a vector (dim·N,), vectors as columns (dim·N, M), or a Modes (its Cartesian
            ``vectors`` and ``masses``; pass ``masses=None`` to weight atoms equally).
        masses: m_i, shape (N,), amu, or None for equal masses.
        dim: 3 (Cartesian) or 1 (GNM); required for arrays; a Modes gives its own
            (``modes.dim``) and a different ``dim`` is a ValueError.

    Returns:
        κ, shape (M,), in [1/N, 1].

    Reference: R. Brüschweiler, J. Chem. Phys. 102, 3396 (1995), eq. 5.
    """
    fn = "collectivity"
    if isinstance(modes, Modes):
        dim = _modes_dim(modes, dim, fn)
        V = _columns(modes.vectors, "modes", fn)
    else:
        V = _columns(modes, "modes", fn)
        dim = _check_dim(dim, V.shape[0], fn)
    n = V.shape[0] // dim
    u2 = (V**2).reshape(n, dim, -1).sum(axis=1)
    if masses is not None:
        m = _validate.as_masses(masses, n, fn)
        u2 = u2 / m[:, None]
    u2 = u2 / u2.sum(axis=0, keepdims=True)
    positive = u2 > 0
    entropy = -jnp.sum(jnp.where(positive, u2 * jnp.log(jnp.where(positive, u2, 1.0)), 0.0), 0)
    return jnp.exp(entropy) / n


# --- hinges ------------------------------------------------------------------------------


def hinge_residues(
    modes: Any, n_modes: int = 1, *, chains: Any = None, dim: int | None = None
) -> list[np.ndarray]:
    """Hinge residues: where the shape of a slow GNM mode changes sign.

    Residues on either side of a crossover of the mode shape u_k move in opposite
    directions (anti-correlated domains); the crossover is the hinge. For every pair of
    consecutive residues (i, i+1) with sign(u_ik) ≠ sign(u_i+1,k) the one with the smaller
    |u| (the one closer to the node; i on a tie) is reported. Consecutive residues of
    different chains are never a hinge. Shape-determining (NumPy, outside jit).

    Args:
        modes: GNM modes, a Modes or ``(eigenvalues, vectors)`` with vectors (N, M).
        n_modes: how many of the slowest modes to analyse.
        chains: chain id of each residue (e.g. ``Structure.chains``), or None for one chain.
        dim: 1 (GNM) for plain arrays (the default); a Modes must have ``modes.dim == 1``.

    Returns:
        One sorted int array of residue indices per mode (length ``n_modes``).

    Reference: I. Bahar, A. R. Atilgan, M. C. Demirel, B. Erman, Phys. Rev. Lett. 80, 2733
    (1998); C. Chennubhotla, I. Bahar, Mol. Syst. Biol. 2, 36 (2006).
    """
    fn = "hinge_residues"
    arr = _one_dimensional(modes, fn, dim=dim, n_modes=n_modes)
    V = np.asarray(arr.basis)
    same_chain = np.ones(V.shape[0] - 1, dtype=bool)
    if chains is not None:
        chains = list(chains)
        if len(chains) != V.shape[0]:
            raise ValueError(
                f"{fn}: `chains` has {len(chains)} entries for {V.shape[0]} residues."
            )
        same_chain = np.array([a == b for a, b in itertools.pairwise(chains)], dtype=bool)
    out = []
    for v in V.T:
        s = np.sign(v)
        cross = np.flatnonzero((s[:-1] != s[1:]) & same_chain)
        pick = np.where(np.abs(v[cross + 1]) < np.abs(v[cross]), cross + 1, cross)
        out.append(np.unique(pick))
    return out
