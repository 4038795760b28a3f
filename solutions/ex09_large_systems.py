r"""Exercise set 09: large systems: Hessian-vector products and matrix-free eigensolvers.

The Hessian of a 10,000-residue protein has (3·10⁴)² ≈ 10⁹ entries: 7 GB in float64, and a
dense ``eigh`` of it takes hours. Iterative eigensolvers (Lanczos, LOBPCG) never need H
itself, only the product v ↦ H v, which JAX gives *exactly* (no finite difference) as a
forward derivative of the gradient:

.. math:: H v = \frac{d}{dt} \nabla E(R + t v) \Big|_{t=0}
          = \texttt{jax.jvp(jax.grad(E), (R,), (v,))[1]},

at the cost of about two gradients, with the memory of the energy function alone.

Lanczos builds, from a start vector v0 and m products with H, an orthonormal basis
Q = [q_1 … q_m] of the Krylov space span{v0, H v0, …, H^{m-1} v0} in which H is tridiagonal:

.. math:: H q_j = \beta_{j-1} q_{j-1} + \alpha_j q_j + \beta_j q_{j+1}, \qquad
          \alpha_j = q_j^T H q_j, \quad \beta_j = \lVert w_j \rVert > 0,

and the eigenvalues of the m × m tridiagonal T (the *Ritz values*) approximate the extreme
eigenvalues of H. In floating point the q_j lose orthogonality; re-orthogonalising each new
vector against all previous ones (twice is enough) fixes it.

Vectors are flat, shape (3N,), atom-major like the Hessian (``v.reshape(R.shape)`` gives
the (N, 3) layout the energy takes). ``energy`` is a trusted energy function handed to you
by the tests. Units: Å, kcal/mol, eigenvalues in kcal/mol/Å². Run
``pytest exercises -m ex09``.
Reference: B. A. Pearlmutter, Neural Comput. 6, 147 (1994); B. N. Parlett, *The Symmetric
Eigenvalue Problem* (1998), ch. 13; A. V. Knyazev, SIAM J. Sci. Comput. 23, 517 (2001).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

__all__ = ["Lanczos", "hvp_block", "lanczos", "lowest_internal_eigenvalues"]


class Lanczos(NamedTuple):
    """The result of m Lanczos steps.

    Attributes:
        Q: orthonormal Lanczos vectors, shape (3N, m), Q[:, 0] = v0 / |v0|.
        alpha: diagonal of T, shape (m,), kcal/mol/Å².
        beta: off-diagonal of T, shape (m - 1,), all > 0, kcal/mol/Å².
    """

    Q: jnp.ndarray
    alpha: jnp.ndarray
    beta: jnp.ndarray


def hvp_block(energy, R, V):
    """H V for a block of vectors, without forming H.

    Args:
        energy: E(R) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å.
        V: vectors as columns, shape (3N, m), Å.

    Returns:
        H V, shape (3N, m), float64, kcal/mol/Å: exact to rounding (autodiff, no step).
    """
    # HINT: One column at a time, H v is the derivative of the gradient along v: a
    # forward-mode derivative of a reverse-mode one. Then map that over the columns.
    # HINT: Chapter 9, "Matrix-free: modes from Hessian-vector products", and chapter 4's
    # Hessian-vector products: jax.jvp(jax.grad(energy), (R,), (dR,)) with dR of shape
    # (N, 3); jax.vmap(..., in_axes=1, out_axes=1) maps over columns.
    # HINT: def hv(v): return jax.jvp(jax.grad(energy), (R,), (v.reshape(R.shape),))[1]
    # ... then .reshape(-1) and vmap hv over the columns of V.
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    V = jnp.asarray(V, dtype=jnp.float64)

    def hv(v):
        return jax.jvp(jax.grad(energy), (R,), (v.reshape(R.shape),))[1].reshape(-1)

    return jax.vmap(hv, in_axes=1, out_axes=1)(V)
    # END SOLUTION


def lanczos(energy, R, v0, m):
    """Run m steps of Lanczos with full re-orthogonalisation on the operator v ↦ H v.

    Args:
        energy: E(R) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å.
        v0: start vector, shape (3N,) (any non-zero length).
        m: number of steps, 1 <= m <= 3N (the tests keep m below the number of distinct
            eigenvalues, so the Krylov space never closes: every beta > 0).

    Returns:
        :class:`Lanczos` (Q, alpha, beta) with H Q[:, :m-1] = Q T[:, :m-1] to rounding.
    """
    # HINT: Normalise v0; then repeat m times: w = H q_j, alpha_j = q_j · w, remove from w
    # its components along all q's found so far (do it twice), beta_j = |w|,
    # q_{j+1} = w / beta_j.
    # HINT: Chapter 9, "Matrix-free: modes from Hessian-vector products"; hvp_block above
    # with one column gives H q. A Python loop over j is fine (m is small); collect the
    # q's as columns of a NumPy or JAX array.
    # HINT: the re-orthogonalisation step is w = w - Qj @ (Qj.T @ w) with Qj = Q[:, :j+1].
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    q = np.asarray(v0, dtype=np.float64)
    q = q / np.linalg.norm(q)
    Q = np.zeros((q.size, m))
    alpha, beta = np.zeros(m), np.zeros(max(m - 1, 0))
    for j in range(m):
        Q[:, j] = q
        w = np.asarray(hvp_block(energy, R, q[:, None]))[:, 0]
        alpha[j] = q @ w
        for _ in range(2):
            w = w - Q[:, : j + 1] @ (Q[:, : j + 1].T @ w)
        if j < m - 1:
            beta[j] = np.linalg.norm(w)
            q = w / beta[j]
    return Lanczos(jnp.asarray(Q), jnp.asarray(alpha), jnp.asarray(beta))
    # END SOLUTION


def lowest_internal_eigenvalues(energy, R, D, k, shift):
    r"""The k lowest eigenvalues of H in the complement of the rigid-body motions D.

    At a minimum H D = 0: the six (rigid-body) zero eigenvalues are degenerate, and a
    Krylov method started from one vector finds only one copy of a degenerate eigenvalue.
    Move them out of the way: the operator

    .. math:: A v = P H P v + s\, D D^T v, \qquad P = 1 - D D^T,

    has the internal eigenvalues of H and, instead of the zeros, s (above the spectrum).
    Its k lowest eigenvalues are the answer. Never form H (nor A): build A as a
    ``scipy.sparse.linalg.LinearOperator`` whose matvec uses the Hessian-vector product,
    and use a matrix-free eigensolver (``scipy.sparse.linalg.eigsh`` (Lanczos) or
    ``scipy.sparse.linalg.lobpcg``).

    Args:
        energy: E(R) -> scalar, kcal/mol, with R a minimum (H D = 0).
        R: coordinates, shape (N, 3), Å.
        D: orthonormal rigid-body motions, shape (3N, 6).
        k: how many eigenvalues, 1 <= k <= 3N - 12.
        shift: s, a number larger than every eigenvalue of H, kcal/mol/Å².

    Returns:
        The k lowest internal eigenvalues, ascending, shape (k,), float64, kcal/mol/Å²,
        accurate to 1e-10 × shift.
    """
    # HINT: A matrix-free eigensolver only needs a function v -> A v; SciPy accepts one
    # wrapped as a LinearOperator and returns the eigenvalues you ask for.
    # HINT: Chapter 9, "Matrix-free: modes from Hessian-vector products";
    # scipy.sparse.linalg.LinearOperator((n, n), matvec=..., dtype=np.float64) and
    # scipy.sparse.linalg.eigsh(op, k=k, which="SA") (NumPy in, NumPy out: np.asarray
    # the JAX result in matvec).
    # HINT: in matvec(v): p = v - D @ (D.T @ v) (that is P v), hp = H p from hvp_block,
    # then return P hp + shift * D (D^T v), as a NumPy array.
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    D = np.asarray(D, dtype=np.float64)
    n = D.shape[0]

    def matvec(v):
        v = np.asarray(v, dtype=np.float64).reshape(-1)
        p = v - D @ (D.T @ v)
        hp = np.asarray(hvp_block(energy, R, p[:, None]))[:, 0]
        return hp - D @ (D.T @ hp) + shift * (D @ (D.T @ v))

    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    lam = eigsh(op, k=k, which="SA", v0=np.ones(n), return_eigenvectors=False)
    return jnp.sort(jnp.asarray(lam, dtype=jnp.float64))
    # END SOLUTION
