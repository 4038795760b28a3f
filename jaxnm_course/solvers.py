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
                        networks (4.8 GB and 95 s at n = 50,148 for the 4V8R assembly's ANM), so
                        ``"auto"`` never picks it. Assumes P A P >= σ (true for ENMs, which
                        are positive semi-definite).
``"lanczos"``           ARPACK Lanczos for the smallest algebraic eigenvalues (``which="SA"``)
                        of P A P + s D Dᵀ, products only: O(nnz) memory, no factorisation;
                        needs more iterations (~1,300 products for 4V8R).
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

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from . import _iterative
from ._validate import is_concrete, public
from .precision import PrecisionError, require_x64

__all__ = [
    "DENSE_MAX_DOF",
    "METHODS",
    "Eigenpairs",
    "block_jacobi_preconditioner",
    "choose_method",
    "deflated_matrix",
    "lowest_eigenpairs",
    "shift_above_spectrum",
    "solve",
]

#: ``method="auto"`` diagonalises densely up to this many rows (3N for ANM, N for GNM),
#: and uses Lanczos above. Measured on 2 shared cores: dense ``eigh`` of 1,500 rows
#: ~0.5 s; Lanczos 0.6 s at 3,000 rows, 3 s at 6,471 (7CTH) and 9,000. Shift-invert
#: ("eigsh") is not chosen automatically: its sparse LU fills in badly for compact 3D
#: networks (51 s at 9,000 rows of a compact cloud against 3.6 s for Lanczos; 4.8 GB and
#: 95 s at 50,148 rows for the 4V8R assembly), though it wins narrowly on elongated
#: structures (7CTH: 2.6 s vs 3.0 s).
DENSE_MAX_DOF = 1500


#: Methods understood by :func:`lowest_eigenpairs` and :func:`solve`.
METHODS = ("auto", "dense", "eigsh", "lanczos", "lobpcg")


class Eigenpairs(NamedTuple):
    """Lowest eigenpairs of P A P on the complement of the constraints.

    Attributes:
        eigenvalues: λ_1 <= ... <= λ_k, shape (k,), units of A.
        vectors: orthonormal eigenvectors, shape (n, k), orthogonal to the constraints.
        method: the method that ran ("dense", "eigsh", "lanczos", "lobpcg").
        residuals: |P A P v_j - λ_j v_j| for each pair, shape (k,), units of A.
        constraint_residual: max_c |A d_c| over the constraint columns d_c, units of A:
            ~0 when they are exact zero modes of A (0 without constraints).
    """

    eigenvalues: np.ndarray
    vectors: np.ndarray
    method: str
    residuals: np.ndarray
    constraint_residual: Any = 0.0


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


def _kind(A: Any) -> tuple[str, Any]:
    if sp.issparse(A):
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"`A` must be square, got shape {A.shape}.")
        return "sparse", sp.csr_array(A, dtype=np.float64)
    if isinstance(A, sla.LinearOperator):
        if A.shape[0] != A.shape[1]:
            raise ValueError(f"`A` must be square, got shape {A.shape}.")
        return "operator", A
    try:
        arr = np.asarray(A)
    except Exception as exc:
        raise TypeError(
            f"`A` must be a dense array, a scipy.sparse matrix or a "
            f"scipy.sparse.linalg.LinearOperator, got {type(A).__name__} ({exc})."
        ) from exc
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"`A` must be a real matrix (a dense array, scipy.sparse matrix or "
            f"LinearOperator), got {type(A).__name__} with dtype {arr.dtype}."
        )
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"`A` must be a square matrix, got shape {arr.shape}.")
    if arr.dtype.kind == "f" and arr.dtype.itemsize < 8:
        raise PrecisionError(
            f"`A` is {arr.dtype}; eigenpairs need float64 (about 7 digits are "
            "not enough for the soft modes). Pass A.astype(np.float64)."
        )
    return "dense", arr.astype(np.float64, copy=False)


def _check_values(kind: str, A: Any) -> None:
    """Finite and symmetric (explicit matrices only)."""
    if kind == "operator":
        return
    values = A.data if kind == "sparse" else A
    if not np.isfinite(values).all():
        raise ValueError(
            "`A` contains NaN or inf; check how it was built (overlapping "
            "atoms, a division by zero)."
        )
    scale = float(np.abs(values).max()) if values.size else 0.0
    asym = abs(A - A.T).max() if kind == "sparse" else np.abs(A - A.T).max()
    if float(asym) > 1e-8 * max(scale, 1e-300):
        raise ValueError(
            f"`A` is not symmetric (max |A - A^T| = {float(asym):.3g}, max |A| "
            f"= {scale:.3g}); these solvers need a symmetric matrix. Symmetrise it, "
            "(A + A.T) / 2, or check how it was assembled."
        )


def _constraints(D: Any, n: int, k: int) -> np.ndarray:
    if D is None:
        Dn = np.zeros((n, 0))
    else:
        Dn = np.asarray(D, dtype=np.float64)
        if Dn.ndim == 1:
            Dn = Dn[:, None]
        if Dn.ndim != 2 or Dn.shape[0] != n:
            raise ValueError(
                f"`constraints` must have shape ({n}, c), one column per known "
                f"zero mode (e.g. rigid_body_modes(R, masses)), got shape {np.shape(D)}."
            )
        if not np.isfinite(Dn).all():
            raise ValueError("`constraints` contains NaN or inf.")
        gram = Dn.T @ Dn
        if np.abs(gram - np.eye(Dn.shape[1])).max() > 1e-8:
            raise ValueError(
                f"the columns of `constraints` must be orthonormal "
                f"(max |DᵀD - I| = {np.abs(gram - np.eye(Dn.shape[1])).max():.3g}); "
                "orthonormalise them, e.g. with np.linalg.qr(D)[0]."
            )
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= n - Dn.shape[1]:
        raise ValueError(
            f"`k` must be an integer from 1 to n - c = {n - Dn.shape[1]} (n = {n} "
            f"rows, c = {Dn.shape[1]} constraints), got {k!r}."
        )
    return Dn


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


def kind_of(A: Any) -> str:
    """How :func:`solve` treats A: "sparse", "operator" or "dense" (no checks)."""
    if sp.issparse(A):
        return "sparse"
    if isinstance(A, sla.LinearOperator):
        return "operator"
    return "dense"


def _dense(kind: str, A: Any, D: Any, k: int) -> tuple[Any, Any, Any]:
    """The k lowest eigenpairs of P A P + s D Dᵀ (s above the spectrum) by LAPACK ``eigh``.

    Concrete matrices go to SciPy (MRRR, only the k lowest pairs); a traced JAX matrix
    (inside ``jit``) to ``jnp.linalg.eigh`` of the same deflated matrix.
    """
    if kind == "sparse":
        A = A.toarray()
    elif kind == "operator":
        A = A.matmat(np.eye(A.shape[0]))
        A = 0.5 * (A + A.T)
    if not (is_concrete(A) and is_concrete(D)):
        PAP = deflated_matrix(A, D, shift_above_spectrum(A))
        w, V = jnp.linalg.eigh(0.5 * (PAP + PAP.T))
        w, V = w[:k], V[:, :k]
        residual = jnp.linalg.norm(deflated_matrix(A, D, 0.0) @ V - V * w, axis=0)
        return w, V, residual
    A, D = np.asarray(A, dtype=np.float64), np.asarray(D, dtype=np.float64)
    PAP = deflated_matrix(A, D, 1.0 + 2.0 * _iterative.upper_bound("dense", A))
    w, V = la.eigh(0.5 * (PAP + PAP.T), subset_by_index=[0, k - 1], driver="evr")
    return w, V, _iterative.residuals("dense", A, D, w, V)


def _constraint_residual(kind: str, A: Any, D: Any) -> Any:
    if D.shape[1] == 0:
        return 0.0
    AD = A.matmat(np.asarray(D)) if kind == "operator" else A @ D
    if is_concrete(AD):
        return float(np.linalg.norm(np.asarray(AD), axis=0).max())
    return jnp.max(jnp.linalg.norm(AD, axis=0))


def solve(
    A: Any,
    k: int,
    *,
    constraints: Any = None,
    method: str = "auto",
    block_size: int = 3,
    tol: float | None = None,
    sigma: float | None = None,
    maxiter: int | None = None,
    seed: int = 0,
) -> Eigenpairs:
    r"""The one eigen-solve behind every mode in the library; **no input checks**.

    :func:`lowest_eigenpairs`, :func:`jaxnm_course.normal_modes`,
    :func:`jaxnm_course.enm.anm` and :func:`jaxnm_course.enm.gnm` check their inputs at
    their boundary, then call this. It picks the method (``"auto"``:
    :func:`choose_method`; dense whenever few eigenpairs are left besides the k wanted),
    removes the constraints D exactly (P = 1 - D Dᵀ, :func:`deflated_matrix` for dense
    matrices, the same deflation as an operator for the iterative methods), and returns
    orthonormal vectors with their residuals.

    Args:
        A: symmetric float64 matrix (n, n), already checked: a NumPy or JAX array (may be
            traced, dense method only), a ``scipy.sparse`` matrix or a ``LinearOperator``.
        k: number of eigenpairs, 1 <= k <= n - c.
        constraints: D, orthonormal columns (n, c), or None.
        method: one of :data:`METHODS` ("eigsh" needs an explicit matrix).
        block_size: d of the block-Jacobi preconditioner ("lobpcg").
        tol: see :func:`lowest_eigenpairs`.
        sigma: see :func:`lowest_eigenpairs`.
        maxiter: see :func:`lowest_eigenpairs`.
        seed: see :func:`lowest_eigenpairs`.

    Returns:
        :class:`Eigenpairs`, ascending (NumPy arrays, JAX arrays if A was traced).

    Raises:
        ValueError: "eigsh" on a LinearOperator; no convergence.
    """
    kind = kind_of(A)
    n = A.shape[0]
    D = np.zeros((n, 0)) if constraints is None else constraints
    c = D.shape[1]
    if method == "auto":
        method = choose_method(n, kind)
    if method == "eigsh" and kind == "operator":
        raise ValueError(
            "method 'eigsh' (shift-invert) factorises A, so it needs an explicit matrix; use "
            "'lanczos' or 'lobpcg' for a LinearOperator."
        )
    if k == 0:  # nothing left besides the constraints (a lone atom)
        w, V, res, method = np.zeros(0), np.zeros((n, 0)), np.zeros(0), "dense"
    elif method == "dense" or n - c <= max(2 * k + 2, 20):
        w, V, res = _dense(kind, A, D, int(k))
        method = "dense"
    else:
        w, V, res = _iterative.iterative(
            kind,
            np.asarray(A, dtype=np.float64) if kind == "dense" else A,
            np.asarray(D, dtype=np.float64),
            int(k),
            method,
            tol=tol,
            sigma=sigma,
            block_size=block_size,
            maxiter=maxiter,
            seed=seed,
        )
    return Eigenpairs(w, V, method, res, _constraint_residual(kind, A, D))


@public
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
    kind, A = _kind(A)
    if kind == "operator":
        raise TypeError(
            "`A` must be an explicit matrix (dense or sparse): the diagonal blocks of a "
            "matrix-free operator are not available."
        )
    if isinstance(block_size, bool) or not isinstance(block_size, int | np.integer):
        raise TypeError(f"`block_size` must be an integer, got {block_size!r}.")
    if block_size < 1 or A.shape[0] % block_size:
        raise ValueError(
            f"`block_size` must divide the size of A ({A.shape[0]}), got {block_size}."
        )
    return _iterative.block_jacobi(A, int(block_size))


@public
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
    require_x64("lowest_eigenpairs")
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}, got {method!r}.")
    kind, A = _kind(A)
    D = _constraints(constraints, A.shape[0], k)
    _check_values(kind, A)
    return solve(
        A,
        int(k),
        constraints=D,
        method=method,
        block_size=block_size,
        tol=tol,
        sigma=sigma,
        maxiter=maxiter,
        seed=seed,
    )
