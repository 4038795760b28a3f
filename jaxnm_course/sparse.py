r"""Sparse Hessians and matrix-free Hessian-vector products for large systems.

An elastic network model of a protein couples each residue to the few dozen residues within
its cutoff, so of the (3N)² entries of its Hessian only about 3N·30 are non-zero: 99.9 % of
the dense (50,148 × 50,148) matrix of a 16,716-residue assembly (4V8R) (20 GB in float64) would be
zeros. This module builds the Hessian directly in compressed sparse row (CSR) form from the
3×3 off-diagonal *super-elements* of the contacting pairs, with no loop over pairs in
Python, and wraps any energy function's Hessian-vector product as a SciPy
``LinearOperator`` for solvers that never need the matrix at all
(:mod:`jaxnm_course.solvers`).

For a pair energy that depends only on the differences r_j - r_i (translation invariance),
the diagonal blocks follow from the off-diagonal ones,

.. math:: H_{ii} = -\sum_{j \ne i} H_{ij},

which is how ANM (Atilgan et al., *Biophys. J.* 80, 505 (2001)) and GNM (Bahar, Atilgan,
Erman, *Fold. Des.* 2, 173 (1997)) Hessians are assembled. Contact lists and index work are
NumPy (they fix shapes); the blocks themselves come from JAX (analytic or per-contact
autodiff). The assembly is the one of :mod:`jaxnm_course.network`
(:func:`~jaxnm_course.network.assemble_csr`), shared with :func:`jaxnm_course.enm.anm`.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp
from jax.typing import ArrayLike
from scipy.sparse.linalg import LinearOperator

from . import _validate, enm, network
from ._validate import public
from .hessians import EnergyFn, hvp_fn
from .modes import mass_weighted

__all__ = [
    "anm_hessian_sparse",
    "assemble_sparse",
    "hvp_operator",
    "kirchhoff_sparse",
    "mass_weight_sparse",
]


@public
def assemble_sparse(n_atoms: int, pairs: ArrayLike, blocks: ArrayLike) -> sp.csr_array:
    r"""Sparse (CSR) Hessian from the 3×3 off-diagonal blocks of the contacting pairs.

    For each contact p = (i, j) with block K_p = H_ij (so H_ji = K_pᵀ), the matrix is

    .. math:: H_{ij} = K_p,\quad H_{ji} = K_p^T,\quad
              H_{ii} = -\sum_{p \ni i} H_{i,\,\mathrm{partner}(p)},

    the diagonal blocks being minus the sums of the off-diagonal ones in their block row
    (exact for any energy of the differences r_j - r_i). Assembled with vectorised NumPy
    (bincount, lexsort and SciPy's block-sparse-row conversion): no Python loop over pairs,
    O(P + N) time and memory. For ANM, K_p = -γ d dᵀ / |d|² with d = r_j - r_i (Atilgan et
    al., *Biophys. J.* 80, 505 (2001)).

    Args:
        n_atoms: N, the number of atoms (residues); the matrix is (3N, 3N).
        pairs: contacts (i, j), integer array of shape (P, 2), each unordered pair once,
            i != j (either order; a row (j, i) means its block is H_ji).
        blocks: K_p = H_ij, shape (P, 3, 3), kcal/mol/Å² (units of γ for ENMs). Blocks of
            any size d, shape (P, d, d), give a (dN, dN) matrix (d = 1: a Kirchhoff matrix
            from -γ_ij).

    Returns:
        H as a ``scipy.sparse.csr_array`` of shape (3N, 3N), float64, atom-major
        (x1, y1, z1, x2, ...), with 9 (2P + N) stored entries (some may be 0).

    Raises:
        PrecisionError: x64 is off or ``blocks`` is float32.
        ValueError, TypeError: bad shapes, indices out of range, repeated or self pairs,
            non-finite blocks.
    """
    n = network.as_count(n_atoms, "n_atoms")
    idx = network.check_pairs(pairs, n)
    K = _validate.as_float64(blocks, "blocks")
    if K.ndim != 3 or K.shape[0] != idx.shape[0] or K.shape[1] != K.shape[2]:
        raise ValueError(
            f"`blocks` must have shape (P, 3, 3) = ({idx.shape[0]}, 3, 3), one 3×3 block per "
            f"row of `pairs` (or (P, d, d) for d×d blocks), got {tuple(K.shape)}."
        )
    _validate._check_finite(K, "blocks")
    return network.assemble_csr(n, idx, np.asarray(K))


@public
def kirchhoff_sparse(n_atoms: int, pairs: ArrayLike, gamma: ArrayLike = 1.0) -> sp.csr_array:
    r"""Sparse (CSR) Kirchhoff (graph Laplacian) matrix of the Gaussian network model.

    .. math:: \Gamma_{ij} = -\gamma_{ij}\ (i \ne j \text{ in contact}),\qquad
              \Gamma_{ii} = \sum_{j \ne i} \gamma_{ij}

    Reference: I. Bahar, A. R. Atilgan, B. Erman, *Fold. Des.* 2, 173 (1997).

    Args:
        n_atoms: N, the number of residues; the matrix is (N, N).
        pairs: contacts (i, j), integer array of shape (P, 2), each unordered pair once.
        gamma: spring constant γ, a scalar or one per contact (shape (P,)), kcal/mol/Å².

    Returns:
        Γ as a ``scipy.sparse.csr_array`` of shape (N, N), float64.

    Raises:
        PrecisionError: x64 is off or ``gamma`` is float32.
        ValueError, TypeError: bad shapes, indices out of range, repeated or self pairs,
            non-finite ``gamma``.
    """
    n = network.as_count(n_atoms, "n_atoms")
    idx = network.check_pairs(pairs, n)
    g = _validate.as_float64(gamma, "gamma")
    if g.ndim not in (0, 1) or (g.ndim == 1 and g.shape[0] != idx.shape[0]):
        raise ValueError(
            f"`gamma` must be a scalar or have shape ({idx.shape[0]},), one spring constant "
            f"per contact, got shape {tuple(g.shape)}."
        )
    _validate._check_finite(g, "gamma")
    k = np.broadcast_to(np.asarray(g), (idx.shape[0],))
    return network.kirchhoff(n, idx, k, sparse=True)


@public
def mass_weight_sparse(H: sp.sparray | sp.spmatrix, masses: ArrayLike) -> sp.csr_array:
    """Mass-weight a sparse Hessian: H_mw = M^{-1/2} H M^{-1/2} (sparsity unchanged).

    Args:
        H: sparse Hessian, shape (3N, 3N), kcal/mol/Å².
        masses: m_i, shape (N,), amu, positive.

    Returns:
        H_mw as a ``scipy.sparse.csr_array``, shape (3N, 3N), kcal/mol/Å²/amu.
    """
    if not sp.issparse(H) or H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] % 3:
        raise ValueError(
            f"`H` must be a square scipy.sparse matrix of shape (3N, 3N), got "
            f"{type(H).__name__} of shape {getattr(H, 'shape', None)}."
        )
    return mass_weighted(H, _validate.as_masses(masses, H.shape[0] // 3))


@public
def hvp_operator(energy_fn: EnergyFn, R: ArrayLike, *args: Any) -> LinearOperator:
    r"""The Hessian of any energy at R as a matrix-free SciPy ``LinearOperator``.

    Each product is a forward-over-reverse derivative (:func:`jaxnm_course.hvp_fn`),

    .. math:: H v = \frac{d}{dt} \nabla E(R + t v) \Big|_{t=0},

    jit-compiled once, costing about two gradient evaluations and O(N) memory: the Hessian
    is never formed. Blocks of vectors (``A @ X`` with X of shape (3N, k), as LOBPCG asks)
    are computed together with ``jax.vmap``, compiled once per bucket of column counts
    (1, 2, 4, 8, ...). Runs on whatever JAX backend is active (a GPU if present); the
    vectors travel to and from NumPy at each product. Reference: B. A. Pearlmutter,
    *Neural Comput.* 6, 147 (1994).

    Args:
        energy_fn: E(R, *args) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å; float64.
        *args: extra arguments passed to ``energy_fn``.

    Returns:
        A symmetric ``LinearOperator`` of shape (3N, 3N), dtype float64 (kcal/mol/Å²).
    """
    R = _validate.as_positions(R)
    product = hvp_fn(energy_fn, R, *args)
    n3 = R.size
    block = jax.jit(jax.vmap(product, in_axes=1, out_axes=1))

    def matvec(v: np.ndarray) -> np.ndarray:
        return np.asarray(product(jnp.asarray(np.ravel(v), dtype=jnp.float64)))

    def matmat(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        k = X.shape[1]
        if k == 0:
            return np.zeros((n3, 0))
        width = 1 << (k - 1).bit_length()  # bucket: one compilation per power of two
        padded = np.zeros((n3, width))
        padded[:, :k] = X
        return np.asarray(block(jnp.asarray(padded)))[:, :k]

    return LinearOperator((n3, n3), matvec=matvec, rmatvec=matvec, matmat=matmat, dtype=np.float64)


@public
def anm_hessian_sparse(
    R: ArrayLike,
    cutoff: float | None = 15.0,
    gamma: Any = 1.0,
    *,
    method: str = "analytic",
) -> sp.csr_array:
    """The ANM Hessian of a structure as a sparse (CSR) matrix, never dense.

    The sparse form of :func:`jaxnm_course.enm.anm_hessian` (``sparse=True``, the same
    code): contacts from a KD-tree, the 3×3 blocks analytic or by per-contact autodiff
    (``jax.hessian`` of each spring's energy, vmapped), scattered by
    :func:`jaxnm_course.network.assemble_csr`. Time and memory O(N + P).

    Args:
        R: reference coordinates, shape (N, 3), Å.
        cutoff: contact cutoff in Å, or None for all pairs.
        gamma: a number or a function γ(r) (kcal/mol/Å²).
        method: "analytic" or "autodiff".

    Returns:
        H, ``scipy.sparse.csr_array`` of shape (3N, 3N), kcal/mol/Å².
    """
    return enm.anm_hessian(R, cutoff, gamma, method=method, sparse=True)
