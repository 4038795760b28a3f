r"""Lowest non-rigid eigenpairs of large symmetric matrices (dense, sparse or matrix-free).

Elastic network models and molecular Hessians have known zero modes: the rigid-body
motions D (3 translations and 3 rotations, orthonormal, from
:func:`jaxnm_course.geometry.rigid_body_modes`) for a Hessian, the uniform vector 1/√N for
a GNM Kirchhoff matrix. Every method here removes them *by construction*, never by
discarding "small" eigenvalues: with P = 1 - D Dᵀ it solves

.. math:: P A P\, v_k = \lambda_k v_k, \qquad v_k \perp D,

for the k lowest λ, which are the eigenvalues of A compressed to the complement of D (the
same definition as :func:`jaxnm_course.normal_modes`). Soft but genuine modes (λ ≈ 0 that
are not rigid-body motions) therefore stay in the spectrum.

Methods (``method=``), and the automatic choice by the number of rows n:

======================  =====================================================================
``"dense"``             LAPACK ``eigh`` (MRRR, only the k lowest) of P A P + s D Dᵀ with s above
                        the spectrum (Gershgorin bound), so D moves to the top. O(n³) time,
                        O(n²) memory. ``"auto"`` for n <= :data:`DENSE_MAX_DOF`.
``"eigsh"``             ARPACK Lanczos in shift-invert mode around σ < 0 (Ericsson and Ruhe,
                        *Math. Comp.* 35, 1251 (1980)): a sparse LU (SuperLU) of A - σI, with
                        the rank-≤12 change from P A P applied exactly by the
                        Sherman-Morrison-Woodbury formula and D projected out. Converges in a
                        few dozen solves; the LU's fill-in grows quickly with n for 3D
                        networks (4.8 GB and 95 s at n = 50,148 for a ribosome's ANM), so
                        ``"auto"`` never picks it. Assumes P A P >= σ (true for ENMs, which
                        are positive semi-definite).
``"lanczos"``           ARPACK Lanczos for the smallest algebraic eigenvalues (``which="SA"``)
                        of P A P + s D Dᵀ, products only: O(nnz) memory, no factorisation;
                        needs more iterations (~1,300 products for a ribosome).
                        ``"auto"`` above DENSE_MAX_DOF.
``"lobpcg"``            SciPy's LOBPCG (Knyazev, *SIAM J. Sci. Comput.* 23, 517 (2001)) with D
                        as hard constraints and a block-Jacobi preconditioner (inverse d×d
                        diagonal blocks, d = ``block_size``), with k + 10 vectors.
======================  =====================================================================

Eigenvalues from every method agree with the dense path to solver tolerance (tested at
1e-8 relative); for a degenerate eigenvalue the vectors are *a* basis of its eigenspace,
so compare subspaces, not vectors. SciPy's solvers run on the CPU; see
``benchmarks/README.md`` for timings.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from .precision import require_x64

__all__ = [
    "DENSE_MAX_DOF",
    "METHODS",
    "Eigenpairs",
    "block_jacobi_preconditioner",
    "choose_method",
    "deflated_matrix",
    "lowest_eigenpairs",
    "shift_above_spectrum",
]

#: ``method="auto"`` diagonalises densely up to this many rows (3N for ANM, N for GNM),
#: and uses Lanczos above. Measured on 2 shared cores: dense ``eigh`` of 1,500 rows
#: ~0.5 s; Lanczos 0.6 s at 3,000 rows, 3 s at 6,471 (7CTH) and 9,000. Shift-invert
#: ("eigsh") is not chosen automatically: its sparse LU fills in badly for compact 3D
#: networks (51 s at 9,000 rows of a compact cloud against 3.6 s for Lanczos; 4.8 GB and
#: 95 s at 50,148 rows for the 4V8R ribosome), though it wins narrowly on elongated
#: structures (7CTH: 2.6 s vs 3.0 s).
DENSE_MAX_DOF = 1500


#: Methods understood by :func:`lowest_eigenpairs`.
METHODS = ("auto", "dense", "eigsh", "lanczos", "lobpcg")


class Eigenpairs(NamedTuple):
    """Lowest eigenpairs of P A P on the complement of the constraints.

    Attributes:
        eigenvalues: λ_1 <= ... <= λ_k, shape (k,), units of A.
        vectors: orthonormal eigenvectors, shape (n, k), orthogonal to the constraints.
        method: the method that ran ("dense", "eigsh", "lanczos", "lobpcg").
        residuals: |P A P v_j - λ_j v_j| for each pair, shape (k,), units of A.
    """

    eigenvalues: np.ndarray
    vectors: np.ndarray
    method: str
    residuals: np.ndarray


def choose_method(n_dof: int, kind: str = "sparse") -> str:
    """The method ``"auto"`` picks for a matrix of ``n_dof`` rows.

    Args:
        n_dof: number of rows n.
        kind: "dense", "sparse" (an explicit matrix) or "operator" (matrix-free); the
            choice is the same for all three today (a matrix-free operator is
            materialised column by column only for the small dense case).

    Returns:
        "dense" up to :data:`DENSE_MAX_DOF` rows, "lanczos" above.
    """
    del kind
    return "dense" if n_dof <= DENSE_MAX_DOF else "lanczos"


def _kind(A: Any, function: str) -> tuple[str, Any]:
    if sp.issparse(A):
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"{function}: `A` must be square, got shape {A.shape}.")
        return "sparse", sp.csr_array(A, dtype=np.float64)
    if isinstance(A, sla.LinearOperator):
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"{function}: `A` must be square, got shape {A.shape}.")
        return "operator", A
    try:
        arr = np.asarray(A)
    except Exception as exc:
        raise TypeError(
            f"{function}: `A` must be a dense array, a scipy.sparse matrix or a "
            f"scipy.sparse.linalg.LinearOperator, got {type(A).__name__} ({exc})."
        ) from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{function}: `A` must be a real matrix (a dense array, scipy.sparse matrix or "
            f"LinearOperator), got {type(A).__name__} with dtype {arr.dtype}."
        )
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{function}: `A` must be a square matrix, got shape {arr.shape}.")
    if arr.dtype.kind == "f" and arr.dtype.itemsize < 8:
        from .precision import PrecisionError

        raise PrecisionError(
            f"{function}: `A` is {arr.dtype}; eigenpairs need float64 (about 7 digits are "
            "not enough for the soft modes). Pass A.astype(np.float64)."
        )
    return "dense", arr.astype(np.float64, copy=False)


def _check_values(kind: str, A: Any, function: str) -> None:
    """Finite and symmetric (explicit matrices only)."""
    if kind == "operator":
        return
    values = A.data if kind == "sparse" else A
    if not np.isfinite(values).all():
        raise ValueError(
            f"{function}: `A` contains NaN or inf; check how it was built (overlapping "
            "atoms, a division by zero)."
        )
    scale = float(np.abs(values).max()) if values.size else 0.0
    asym = abs(A - A.T).max() if kind == "sparse" else np.abs(A - A.T).max()
    if float(asym) > 1e-8 * max(scale, 1e-300):
        raise ValueError(
            f"{function}: `A` is not symmetric (max |A - A^T| = {float(asym):.3g}, max |A| "
            f"= {scale:.3g}); these solvers need a symmetric matrix. Symmetrise it, "
            "(A + A.T) / 2, or check how it was assembled."
        )


def _constraints(D: Any, n: int, k: int, function: str) -> np.ndarray:
    if D is None:
        Dn = np.zeros((n, 0))
    else:
        Dn = np.asarray(D, dtype=np.float64)
        if Dn.ndim == 1:
            Dn = Dn[:, None]
        if Dn.ndim != 2 or Dn.shape[0] != n:
            raise ValueError(
                f"{function}: `constraints` must have shape ({n}, c), one column per known "
                f"zero mode (e.g. rigid_body_modes(R, masses)), got shape {np.shape(D)}."
            )
        if not np.isfinite(Dn).all():
            raise ValueError(f"{function}: `constraints` contains NaN or inf.")
        gram = Dn.T @ Dn
        if np.abs(gram - np.eye(Dn.shape[1])).max() > 1e-8:
            raise ValueError(
                f"{function}: the columns of `constraints` must be orthonormal "
                f"(max |DᵀD - I| = {np.abs(gram - np.eye(Dn.shape[1])).max():.3g}); "
                "orthonormalise them, e.g. with np.linalg.qr(D)[0]."
            )
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n - Dn.shape[1]:
        raise ValueError(
            f"{function}: `k` must be an integer from 1 to n - c = {n - Dn.shape[1]} (n = {n} "
            f"rows, c = {Dn.shape[1]} constraints), got {k!r}."
        )
    return Dn


def _matmul(kind: str, A: Any, X: np.ndarray) -> np.ndarray:
    return A @ X if kind != "operator" else A.matmat(X)


def _upper_bound(kind: str, A: Any) -> float:
    """A number above the largest |eigenvalue| of A (Gershgorin, or a Lanczos estimate)."""
    if kind == "sparse":
        return float(abs(A).sum(axis=1).max())
    if kind == "dense":
        return float(np.abs(A).sum(axis=1).max())
    top = sla.eigsh(A, k=1, which="LM", tol=1e-3, return_eigenvectors=False)
    return 1.5 * float(abs(top[0]))


def deflated_matrix(A: Any, D: Any, shift: Any) -> Any:
    r"""The dense matrix P A P + s D Dᵀ, with P = 1 - D Dᵀ: the rigid-body motions moved to s.

    .. math::

        P A P + s D D^\top = A - D (A D)^\top - (A D) D^\top + D (D^\top A D) D^\top
            + s D D^\top \qquad (A = A^\top)

    On the complement of span(D) it acts as A does (restricted and projected); on span(D)
    it is s. With s above every eigenvalue of A (e.g. twice a Gershgorin bound), the
    lowest n - c eigenpairs are exactly the internal ones: no threshold on "small"
    eigenvalues, and soft or imaginary internal modes stay. Costs O(n² c) on top of the
    eigensolver, unlike an explicit complement basis (a complete QR and two (n × n)
    products). Works on NumPy arrays and inside ``jax.jit`` alike (only ``@``, ``.T``, ``+``).

    Args:
        A: symmetric matrix, shape (n, n) (e.g. a mass-weighted Hessian, kcal/mol/Å²/amu).
        D: orthonormal columns to deflate, shape (n, c) (the rigid-body motions).
        shift: s, a scalar in A's units.

    Returns:
        Shape (n, n), the same kind of array as A.

    Reference: Y. Saad, *Numerical Methods for Large Eigenvalue Problems*, 2nd ed. (2011),
    sec. 4.2 (deflation).
    """
    AD = A @ D
    return A - D @ AD.T - AD @ D.T + D @ (D.T @ AD) @ D.T + shift * (D @ D.T)


def shift_above_spectrum(A: Any) -> Any:
    r"""Twice the Gershgorin bound, s = 2 max_i Σ_j |A_ij|: above every eigenvalue of A.

    On the scale of A, so rounding in :func:`deflated_matrix` stays relative to |A| even
    when the springs are weak (pfANM with r^-6); 1 for the zero matrix. JAX, jit-safe.

    Args:
        A: symmetric matrix, shape (n, n).

    Returns:
        Scalar in A's units.
    """
    bound = jnp.max(jnp.sum(jnp.abs(A), axis=1), initial=0.0)
    return jnp.where(bound > 0, 2.0 * bound, 1.0)


def _deflated(kind: str, A: Any, D: np.ndarray, shift: float) -> sla.LinearOperator:
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


def _residuals(kind: str, A: Any, D: np.ndarray, w: np.ndarray, V: np.ndarray) -> np.ndarray:
    AV = _deflated(kind, A, D, 0.0).matmat(V)
    return np.linalg.norm(AV - V * w, axis=0)


def _finish(
    kind: str, A: Any, D: np.ndarray, w: np.ndarray, V: np.ndarray, method: str
) -> Eigenpairs:
    order = np.argsort(w)
    w, V = np.asarray(w)[order], np.asarray(V)[:, order]
    if D.shape[1]:
        V = V - D @ (D.T @ V)  # remove the rounding-level leakage into D
    V, _ = np.linalg.qr(V)
    # Rayleigh-Ritz on the final basis: orthonormal, and the best eigenvalues it holds.
    AV = _deflated(kind, A, D, 0.0).matmat(V)
    w, U = np.linalg.eigh(0.5 * (V.T @ AV + AV.T @ V))
    V = V @ U
    return Eigenpairs(w, V, method, _residuals(kind, A, D, w, V))


def _dense(kind: str, A: Any, D: np.ndarray, k: int) -> Eigenpairs:
    if kind == "sparse":
        A = A.toarray()
    elif kind == "operator":
        A = A.matmat(np.eye(A.shape[0]))
        A = 0.5 * (A + A.T)
    shift = 1.0 + 2.0 * _upper_bound("dense", A)
    PAP = deflated_matrix(A, D, shift)
    w, V = la.eigh(0.5 * (PAP + PAP.T), subset_by_index=[0, k - 1], driver="evr")
    return Eigenpairs(w, V, "dense", _residuals("dense", A, D, w, V))


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


def block_jacobi_preconditioner(A: Any, block_size: int = 3) -> sla.LinearOperator:
    """Inverse of the d×d diagonal blocks of A, as a LinearOperator (for LOBPCG).

    Each diagonal block (one atom's x, y, z for d = 3) is inverted exactly; a singular
    block (an atom with collinear springs) is regularised by 1e-8 of its trace.

    Args:
        A: symmetric matrix (dense or scipy.sparse), shape (n, n), n a multiple of d.
        block_size: d.

    Returns:
        A LinearOperator (n, n) applying the block-diagonal inverse.
    """
    function = "block_jacobi_preconditioner"
    kind, A = _kind(A, function)
    if kind == "operator":
        raise TypeError(
            f"{function}: `A` must be an explicit matrix (dense or sparse): the diagonal "
            "blocks of a matrix-free operator are not available."
        )
    d = int(block_size)
    n = A.shape[0]
    if d < 1 or n % d:
        raise ValueError(
            f"{function}: `block_size` must divide the size of A ({n}), got {block_size}."
        )
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


def lowest_eigenpairs(
    A: Any,
    k: int,
    *,
    constraints: Any = None,
    method: str = "auto",
    tol: float | None = None,
    sigma: float | None = None,
    block_size: int = 3,
    maxiter: int | None = None,
    seed: int = 0,
) -> Eigenpairs:
    r"""The k lowest eigenpairs of a symmetric matrix with its known zero modes removed.

    Solves P A P v = λ v on the complement of the constraints (P = 1 - D Dᵀ) by the
    method described in the module documentation; the result is refined by one
    Rayleigh-Ritz step on the returned vectors and carries its residuals.

    Args:
        A: symmetric matrix, shape (n, n): a dense array, a ``scipy.sparse`` matrix or a
            ``scipy.sparse.linalg.LinearOperator`` (e.g. :func:`jaxnm_course.sparse.hvp_operator`).
        k: number of eigenpairs, 1 <= k <= n - c.
        constraints: D, orthonormal columns spanning the known zero modes, shape (n, c):
            ``rigid_body_modes(R, masses)`` for a (mass-weighted) Hessian, ``ones / √N``
            for a Kirchhoff matrix; None for none.
        method: "auto" (:func:`choose_method`), "dense", "eigsh", "lanczos" or "lobpcg".
        tol: relative residual tolerance of the iterative methods (|A v - λ v| <~ tol·|A|
            for LOBPCG, tol·|λ| for ARPACK); default 1e-10 (eigsh), 1e-8 (lanczos,
            lobpcg). Eigenvalue errors are about the square of the residual over the gap.
        sigma: shift of "eigsh" (< the lowest wanted eigenvalue); default -1e-3 times the
            mean |diagonal| of A.
        block_size: d of the block-Jacobi preconditioner of "lobpcg" (3 for a Hessian,
            1 for a Kirchhoff matrix).
        maxiter: iteration limit of the iterative methods (default: ARPACK's, 500 for
            LOBPCG).
        seed: seed of the random starting block of "lobpcg" and starting vector of ARPACK.

    Returns:
        :class:`Eigenpairs` (ascending eigenvalues).

    Raises:
        ValueError: non-square, non-symmetric or non-finite A; constraints of the wrong
            shape or not orthonormal; k out of range; unknown method; "eigsh" on a
            matrix-free operator; no convergence.
        TypeError: A is not a matrix or operator.
    """
    function = "lowest_eigenpairs"
    require_x64(function)
    if method not in METHODS:
        raise ValueError(f"{function}: `method` must be one of {METHODS}, got {method!r}.")
    kind, A = _kind(A, function)
    n = A.shape[0]
    D = _constraints(constraints, n, k, function)
    _check_values(kind, A, function)
    if method == "auto":
        method = choose_method(n, kind)
    if method == "dense" or n - D.shape[1] <= max(2 * k + 2, 20):
        return _dense(kind, A, D, int(k))
    rng = np.random.default_rng(seed)
    v0 = rng.standard_normal(n)
    if D.shape[1]:
        v0 -= D @ (D.T @ v0)
    scale = _upper_bound(kind, A)
    try:
        if method == "eigsh":
            if kind == "operator":
                raise ValueError(
                    f"{function}: method 'eigsh' (shift-invert) factorises A, so it needs an "
                    "explicit matrix; use 'lanczos' or 'lobpcg' for a LinearOperator."
                )
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
            op = _deflated(kind, A, D, shift)
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
            pre = None if kind == "operator" else block_jacobi_preconditioner(A, block_size)
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
            f"{function}: ARPACK ({method}) did not converge ({exc}); raise `maxiter` or "
            "`tol`, or try another method."
        ) from exc
    result = _finish(kind, A, D, w, V, method)
    if (result.residuals > 1e-4 * max(scale, 1e-300)).any():
        raise ValueError(
            f"{function}: {method} did not converge (largest residual "
            f"{result.residuals.max():.3g}, |A| ~ {scale:.3g}); raise `maxiter`, or use "
            "another method."
        )
    return result
