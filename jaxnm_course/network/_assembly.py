r"""Block assembly: per-pair blocks -> the whole matrix, dense (JAX) or sparse (CSR).

For an energy of the differences r_j - r_i (translation invariance), a pair p = (i, j)
with off-diagonal block B_p = H_ij (d×d: 3×3 ANM super-elements, 1×1 -γ for a Kirchhoff
matrix) contributes

.. math:: H_{ij} \mathrel{+}= B_p,\quad H_{ji} \mathrel{+}= B_p^T,\quad
          H_{ii} \mathrel{-}= B_p,\quad H_{jj} \mathrel{-}= B_p^T,

so every block row sums to zero (Atilgan et al., *Biophys. J.* 80, 505 (2001); Bahar,
Atilgan, Erman, *Fold. Des.* 2, 173 (1997)). Both assemblies take validated pairs (or
padded ones: zero blocks add nothing) and do no checks.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp

__all__ = ["assemble_csr", "assemble_dense"]


@functools.partial(jax.jit, static_argnums=0)
def assemble_dense(
    n_atoms: int, i: jnp.ndarray, j: jnp.ndarray, blocks: jnp.ndarray
) -> jnp.ndarray:
    """Dense (dN, dN) matrix from blocks (P, d, d) at pairs (i, j) (JAX, ``.at[].add``).

    Pure JAX: jit-compiled (once per shape), differentiable with respect to the blocks
    (hence to the coordinates and spring constants they come from).

    Args:
        n_atoms: N (static).
        i: first atom of each pair, shape (P,).
        j: second atom of each pair, shape (P,).
        blocks: H_ij, shape (P, d, d).

    Returns:
        H, shape (dN, dN), atom-major rows (x1, y1, z1, x2, ... for d = 3).
    """
    d = blocks.shape[1]
    Bt = jnp.swapaxes(blocks, 1, 2)
    H = jnp.zeros((n_atoms, d, n_atoms, d), dtype=blocks.dtype)
    H = H.at[i, :, j, :].add(blocks).at[j, :, i, :].add(Bt)
    H = H.at[i, :, i, :].add(-blocks).at[j, :, j, :].add(-Bt)
    return H.reshape(n_atoms * d, n_atoms * d)


def _index_dtype(n: int, nnz: int) -> type:
    return np.int32 if max(n, nnz) < np.iinfo(np.int32).max else np.int64


def _block_csr(n: int, rows: np.ndarray, cols: np.ndarray, data: np.ndarray) -> sp.csr_array:
    """CSR matrix (dn, dn) from d×d blocks at distinct (row, col) block positions."""
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


def assemble_csr(n_atoms: int, pairs: np.ndarray, blocks: np.ndarray) -> sp.csr_array:
    """Sparse (CSR) (dN, dN) matrix from blocks (P, d, d) at distinct pairs (NumPy/SciPy).

    Vectorised (bincount, lexsort, SciPy's block-sparse-row conversion): no Python loop
    over pairs, O(P + N) time and memory, d² (2P + N) stored entries. Pairs must be
    distinct (a validated list; drop padding first).

    Args:
        n_atoms: N.
        pairs: (P, 2) int array, each unordered pair once.
        blocks: H_ij, shape (P, d, d), float64.

    Returns:
        ``scipy.sparse.csr_array`` of shape (dN, dN), float64.
    """
    K = np.asarray(blocks, dtype=np.float64)
    n, d = int(n_atoms), K.shape[1]
    KT = K.transpose(0, 2, 1)
    i, j = pairs[:, 0], pairs[:, 1]
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
