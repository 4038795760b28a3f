r"""Sparse Hessians and matrix-free Hessian-vector products for large systems.

An elastic network model of a protein couples each residue to the few dozen residues within
its cutoff, so of the (3N)² entries of its Hessian only about 3N·30 are non-zero: 99.9 % of
the dense (50,148 × 50,148) matrix of a 16,716-residue ribosome (20 GB in float64) would be
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
autodiff, :mod:`jaxnm_course.enm`).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp
from jax.typing import ArrayLike
from scipy.sparse.linalg import LinearOperator

from . import _validate
from .hessians import EnergyFn, hvp_fn

__all__ = [
    "anm_hessian_sparse",
    "assemble_sparse",
    "hvp_operator",
    "kirchhoff_sparse",
    "mass_weight_sparse",
]


def _as_pairs(pairs: Any, n_atoms: int, function: str) -> np.ndarray:
    """Validate a contact list: integer (P, 2), indices in [0, n_atoms), i != j, no repeats."""
    arr = np.asarray(pairs)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{function}: `pairs` must hold integer atom indices, got dtype {arr.dtype}; "
            "pass e.g. the (P, 2) int64 array of jaxnm_course.enm.contact_pairs."
        )
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"{function}: `pairs` must have shape (P, 2) (one row (i, j) per contact), got "
            f"shape {arr.shape}."
        )
    arr = arr.astype(np.int64, copy=False)
    if arr.min() < 0 or arr.max() >= n_atoms:
        raise ValueError(
            f"{function}: `pairs` holds atom indices from {arr.min()} to {arr.max()}, outside "
            f"0..{n_atoms - 1} for n_atoms = {n_atoms}."
        )
    if (arr[:, 0] == arr[:, 1]).any():
        k = int(np.argmax(arr[:, 0] == arr[:, 1]))
        raise ValueError(
            f"{function}: `pairs` row {k} couples atom {arr[k, 0]} to itself; a contact joins "
            "two different atoms (the diagonal blocks are computed from the others)."
        )
    key = np.sort(arr, axis=1)
    key = key[:, 0] * n_atoms + key[:, 1]
    if np.unique(key).size != key.size:
        raise ValueError(
            f"{function}: `pairs` lists some contact twice (as (i, j) or (j, i)); each "
            "unordered pair must appear once, or its spring would be counted twice."
        )
    return arr


def _as_n_atoms(n_atoms: Any, function: str) -> int:
    if isinstance(n_atoms, bool) or not isinstance(n_atoms, int | np.integer) or n_atoms < 1:
        raise ValueError(f"{function}: `n_atoms` must be a positive integer, got {n_atoms!r}.")
    return int(n_atoms)


def _index_dtype(n: int, nnz: int) -> type:
    return np.int32 if max(n, nnz) < np.iinfo(np.int32).max else np.int64


def _block_csr(n: int, rows: np.ndarray, cols: np.ndarray, data: np.ndarray) -> sp.csr_array:
    """CSR matrix (3n, 3n) from b×b blocks at distinct (row, col) block positions."""
    b = data.shape[1]
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    idx = _index_dtype(b * n, b * b * data.shape[0])
    bsr = sp.bsr_array(
        (data[order], cols[order].astype(idx), indptr.astype(idx)),
        shape=(b * n, b * n),
        blocksize=(b, b),
    )
    return bsr.tocsr()


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
    function = "assemble_sparse"
    n = _as_n_atoms(n_atoms, function)
    idx = _as_pairs(pairs, n, function)
    K = _validate.as_float64(blocks, "blocks", function)
    if K.ndim != 3 or K.shape[0] != idx.shape[0] or K.shape[1] != K.shape[2]:
        raise ValueError(
            f"{function}: `blocks` must have shape (P, 3, 3) = ({idx.shape[0]}, 3, 3), one "
            f"3×3 block per row of `pairs` (or (P, d, d) for d×d blocks), got "
            f"{tuple(K.shape)}."
        )
    _validate._check_finite(K, "blocks", function)
    return _assemble(n, idx, np.asarray(K))


def _assemble(n: int, idx: np.ndarray, K: np.ndarray) -> sp.csr_array:
    """Unchecked assembly of validated pairs (P, 2) and d×d blocks (P, d, d)."""
    d = K.shape[1]
    KT = K.transpose(0, 2, 1)
    i, j = idx[:, 0], idx[:, 1]
    flat, flat_t = K.reshape(-1, d * d), KT.reshape(-1, d * d)
    diag = np.empty((n, d * d))
    for c in range(d * d):
        diag[:, c] = -(
            np.bincount(i, flat[:, c], minlength=n) + np.bincount(j, flat_t[:, c], minlength=n)
        )
    atoms = np.arange(n, dtype=np.int64)
    rows = np.concatenate([i, j, atoms])
    cols = np.concatenate([j, i, atoms])
    data = np.concatenate([K, KT, diag.reshape(n, d, d)])
    return _block_csr(n, rows, cols, data)


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
    function = "kirchhoff_sparse"
    n = _as_n_atoms(n_atoms, function)
    idx = _as_pairs(pairs, n, function)
    g = _validate.as_float64(gamma, "gamma", function)
    if g.ndim not in (0, 1) or (g.ndim == 1 and g.shape[0] != idx.shape[0]):
        raise ValueError(
            f"{function}: `gamma` must be a scalar or have shape ({idx.shape[0]},), one spring "
            f"constant per contact, got shape {tuple(g.shape)}."
        )
    _validate._check_finite(g, "gamma", function)
    w = np.broadcast_to(np.asarray(g), (idx.shape[0],))
    return _block_csr(
        n,
        np.concatenate([idx[:, 0], idx[:, 1], np.arange(n)]),
        np.concatenate([idx[:, 1], idx[:, 0], np.arange(n)]),
        np.concatenate(
            [
                -w,
                -w,
                np.bincount(idx[:, 0], w, minlength=n) + np.bincount(idx[:, 1], w, minlength=n),
            ]
        ).reshape(-1, 1, 1),
    )


def mass_weight_sparse(H: sp.sparray | sp.spmatrix, masses: ArrayLike) -> sp.csr_array:
    """Mass-weight a sparse Hessian: H_mw = M^{-1/2} H M^{-1/2} (sparsity unchanged).

    Args:
        H: sparse Hessian, shape (3N, 3N), kcal/mol/Å².
        masses: m_i, shape (N,), amu, positive.

    Returns:
        H_mw as a ``scipy.sparse.csr_array``, shape (3N, 3N), kcal/mol/Å²/amu.
    """
    function = "mass_weight_sparse"
    if not sp.issparse(H) or H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] % 3:
        raise ValueError(
            f"{function}: `H` must be a square scipy.sparse matrix of shape (3N, 3N), got "
            f"{type(H).__name__} of shape {getattr(H, 'shape', None)}."
        )
    m = np.asarray(_validate.as_masses(masses, H.shape[0] // 3, function))
    s = sp.diags_array(1.0 / np.sqrt(np.repeat(m, 3)))
    return sp.csr_array(s @ H @ s)


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
    R = _validate.as_positions(R, "hvp_operator")
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


def anm_hessian_sparse(
    R: ArrayLike,
    cutoff: float | None = 15.0,
    gamma: Any = 1.0,
    *,
    method: str = "analytic",
) -> sp.csr_array:
    """The ANM Hessian of a structure as a sparse (CSR) matrix, never dense.

    The sparse counterpart of :func:`jaxnm_course.enm.anm_hessian`: contacts from a
    KD-tree (:func:`jaxnm_course.enm.contact_pairs`), the 3×3 blocks analytic
    (:func:`jaxnm_course.enm.anm_super_elements`) or by per-contact autodiff
    (:func:`jaxnm_course.enm.anm_blocks_autodiff`, ``jax.hessian`` of each spring's
    energy, vmapped), scattered by :func:`assemble_sparse`. Time and memory O(N + P).

    Args:
        R: reference coordinates, shape (N, 3), Å.
        cutoff: contact cutoff in Å, or None for all pairs.
        gamma: a number or a function γ(r) (kcal/mol/Å²).
        method: "analytic" or "autodiff".

    Returns:
        H, ``scipy.sparse.csr_array`` of shape (3N, 3N), kcal/mol/Å².
    """
    from . import enm

    R = _validate.as_positions(R, "anm_hessian_sparse")
    if method not in ("analytic", "autodiff"):
        raise ValueError(
            f"anm_hessian_sparse: `method` must be 'analytic' or 'autodiff', got {method!r}."
        )
    pairs = enm.contact_pairs(np.asarray(R), cutoff)
    kernel = enm.anm_super_elements if method == "analytic" else enm.anm_blocks_autodiff
    blocks = kernel(R, pairs, gamma)
    return _assemble(int(np.shape(R)[0]), pairs, np.asarray(blocks))
