"""Iterative lowest-eigenpair methods behind :mod:`jaxnm_course.solvers` (private module).

ARPACK shift-invert (with a Sherman-Morrison-Woodbury correction for the deflation),
ARPACK Lanczos on the deflated operator, and LOBPCG with a block-Jacobi preconditioner;
each result is refined by one Rayleigh-Ritz step and carries its residuals. Inputs are
checked by the public functions of :mod:`jaxnm_course.solvers`; nothing here checks.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as sla

__all__ = [
    "block_jacobi",
    "deflated_operator",
    "iterative",
    "rayleigh_ritz",
    "residuals",
    "upper_bound",
]


def _matmul(kind: str, A: Any, X: np.ndarray) -> np.ndarray:
    return A @ X if kind != "operator" else A.matmat(X)


def upper_bound(kind: str, A: Any) -> float:
    """A number above the largest |eigenvalue| of A (Gershgorin, or a Lanczos estimate)."""
    if kind == "sparse":
        return float(abs(A).sum(axis=1).max())
    if kind == "dense":
        return float(np.abs(A).sum(axis=1).max())
    top = sla.eigsh(A, k=1, which="LM", tol=1e-3, return_eigenvectors=False)
    return 1.5 * float(abs(top[0]))


def deflated_operator(kind: str, A: Any, D: np.ndarray, shift: float) -> sla.LinearOperator:
    """The operator x -> P A P x + shift D Dᵀ x."""
    n = A.shape[0]

    def matmat(X: np.ndarray) -> np.ndarray:
        X = X.reshape(n, -1)
        C = D.T @ X
        Y = _matmul(kind, A, X - D @ C)
        return Y - D @ (D.T @ Y) + shift * (D @ C)

    return sla.LinearOperator(
        (n, n), matvec=matmat, rmatvec=matmat, matmat=matmat, dtype=np.float64
    )


def residuals(kind: str, A: Any, D: np.ndarray, w: np.ndarray, V: np.ndarray) -> np.ndarray:
    AV = deflated_operator(kind, A, D, 0.0).matmat(V)
    return np.linalg.norm(AV - V * w, axis=0)


def rayleigh_ritz(
    kind: str, A: Any, D: np.ndarray, w: np.ndarray, V: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort, project out D, orthonormalise, Rayleigh-Ritz: (eigenvalues, vectors, residuals)."""
    order = np.argsort(w)
    w, V = np.asarray(w)[order], np.asarray(V)[:, order]
    if D.shape[1]:
        V = V - D @ (D.T @ V)  # remove the rounding-level leakage into D
    V, _ = np.linalg.qr(V)
    # Rayleigh-Ritz on the final basis: orthonormal, and the best eigenvalues it holds.
    AV = deflated_operator(kind, A, D, 0.0).matmat(V)
    w, U = np.linalg.eigh(0.5 * (V.T @ AV + AV.T @ V))
    V = V @ U
    return w, V, residuals(kind, A, D, w, V)


def _woodbury_solver(A: sp.csr_array, D: np.ndarray, sigma: float) -> sla.LinearOperator:
    """Apply P (P A P - σI)^{-1} P by one sparse LU of A - σI and a rank-2c correction.

    P A P - σI = (A - σI) + U S Uᵀ with U = [D, W], W = A D, G = Dᵀ A D and
    S = [[G, -I], [-I, 0]] (expand (1 - DDᵀ) A (1 - DDᵀ)); S⁻¹ = [[0, -I], [-I, -G]].
    Woodbury: (M + U S Uᵀ)⁻¹ = M⁻¹ - M⁻¹ U (S⁻¹ + Uᵀ M⁻¹ U)⁻¹ Uᵀ M⁻¹. The capacitance
    matrix stays well conditioned when W ≈ 0 (an exact null space), since its off-diagonal
    blocks are -I. Reference: G. H. Golub, C. F. Van Loan, *Matrix Computations*, 4th ed.
    (2013), sec. 2.1.4.
    """
    n = A.shape[0]
    M = (A - sigma * sp.eye_array(n, format="csr")).tocsc()
    lu = sla.splu(M, permc_spec="MMD_AT_PLUS_A")
    c = D.shape[1]
    if c:
        W = A @ D
        G = D.T @ W
        U = np.hstack([D, W])
        Z = lu.solve(U)
        eye = np.eye(c)
        S_inv = np.block([[np.zeros((c, c)), -eye], [-eye, -G]])
        cap = la.lu_factor(S_inv + U.T @ Z)

    def solve(X: np.ndarray) -> np.ndarray:
        X = X.reshape(n, -1)
        if c:
            X = X - D @ (D.T @ X)
        Y = lu.solve(X)
        if c:
            Y = Y - Z @ la.lu_solve(cap, U.T @ Y)
            Y = Y - D @ (D.T @ Y)
        return Y

    return sla.LinearOperator((n, n), matvec=solve, matmat=solve, dtype=np.float64)


def block_jacobi(A: Any, d: int) -> sla.LinearOperator:
    """Inverse d×d diagonal blocks of an explicit matrix (dense or sparse), no checks."""
    n = A.shape[0]
    m = n // d
    blocks = np.empty((m, d, d))
    for a in range(d):
        for b in range(d):
            diag = A.diagonal(b - a)
            blocks[:, a, b] = diag[np.arange(m) * d + min(a, b)]
    trace = np.abs(np.trace(blocks, axis1=1, axis2=2))
    reg = 1e-8 * np.where(trace > 0, trace, 1.0)
    inv = np.linalg.inv(blocks + reg[:, None, None] * np.eye(d))

    def apply(X: np.ndarray) -> np.ndarray:
        shape = X.shape
        Y = np.einsum("iab,ibk->iak", inv, X.reshape(m, d, -1))
        return Y.reshape(shape)

    return sla.LinearOperator((n, n), matvec=apply, matmat=apply, dtype=np.float64)


def iterative(
    kind: str,
    A: Any,
    D: np.ndarray,
    k: int,
    method: str,
    *,
    tol: float | None,
    sigma: float | None,
    block_size: int,
    maxiter: int | None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k lowest eigenpairs of P A P by "eigsh", "lanczos" or "lobpcg" (no checks).

    Returns:
        (eigenvalues (k,), orthonormal vectors (n, k), residuals (k,)), refined by
        Rayleigh-Ritz.

    Raises:
        ValueError: no convergence.
    """
    n = A.shape[0]
    rng = np.random.default_rng(seed)
    v0 = rng.standard_normal(n)
    if D.shape[1]:
        v0 -= D @ (D.T @ v0)
    scale = upper_bound(kind, A)
    try:
        if method == "eigsh":
            As = sp.csr_array(A)
            if sigma is None:
                sigma = -1e-3 * max(float(np.abs(As.diagonal()).mean()), 1e-300)
            op = _woodbury_solver(As, D, float(sigma))
            ncv = min(n - D.shape[1], max(2 * k + 1, 20))
            nu, V = sla.eigsh(
                op,
                k=k,
                which="LA",
                tol=1e-10 if tol is None else tol,
                v0=v0,
                ncv=ncv,
                maxiter=maxiter,
            )
            w = sigma + 1.0 / nu
        elif method == "lanczos":
            shift = 1.0 + 2.0 * scale
            op = deflated_operator(kind, A, D, shift)
            ncv = min(n, max(3 * k, 60))
            w, V = sla.eigsh(
                op,
                k=k,
                which="SA",
                tol=1e-8 if tol is None else tol,
                v0=v0,
                ncv=ncv,
                maxiter=maxiter,
            )
        else:
            pre = None if kind == "operator" else block_jacobi(A, block_size)
            m = min(n - D.shape[1], k + 10) if n - D.shape[1] > 5 * (k + 10) else k
            X = rng.standard_normal((n, m))
            with warnings.catch_warnings():
                # LOBPCG warns when some of its extra (unwanted) vectors are unconverged;
                # the residuals of the k wanted pairs are checked below instead.
                warnings.simplefilter("ignore", UserWarning)
                w, V = sla.lobpcg(
                    A if kind != "dense" else sla.aslinearoperator(A),
                    X,
                    M=pre,
                    Y=D if D.shape[1] else None,
                    tol=(1e-8 if tol is None else tol) * scale,
                    maxiter=500 if maxiter is None else maxiter,
                    largest=False,
                )
            order = np.argsort(w)[:k]
            w, V = w[order], V[:, order]
    except sla.ArpackNoConvergence as exc:
        raise ValueError(
            f"ARPACK ({method}) did not converge ({exc}); raise `maxiter` or "
            "`tol`, or try another method."
        ) from exc
    w, V, res = rayleigh_ritz(kind, A, D, w, V)
    if (res > 1e-4 * max(scale, 1e-300)).any():
        raise ValueError(
            f"{method} did not converge (largest residual {res.max():.3g}, |A| ~ "
            f"{scale:.3g}); raise `maxiter`, or use another method."
        )
    return w, V, res
