"""Normal modes: mass-weighting, rigid-body projection, diagonalisation, frequencies.

The equations of motion of small displacements x (3N,) about a minimum are
M ẍ = -H x, with M = diag(m_1, m_1, m_1, m_2, ...). In mass-weighted coordinates
q = M^{1/2} x they become q̈ = -H_mw q with

.. math:: H_{mw} = M^{-1/2} H M^{-1/2},

a symmetric matrix whose eigenvalues λ_k = ω_k² are the squared angular frequencies and
whose orthonormal eigenvectors l_k are the normal modes. The Cartesian displacement of
mode k is x_k ∝ M^{-1/2} l_k. Reference: E. B. Wilson, J. C. Decius, P. C. Cross,
*Molecular Vibrations* (1955), ch. 2; J. W. Ochterski, "Vibrational Analysis in Gaussian"
(1999).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from jax.typing import ArrayLike

from . import _validate, solvers
from .geometry import LINEAR_TOL, rigid_body_modes
from .units import eigenvalue_to_wavenumber

__all__ = [
    "Modes",
    "mass_weight",
    "mass_weighted",
    "n_imaginary",
    "normal_modes",
    "solve_modes",
]


class Modes(NamedTuple):
    """Result of a normal mode analysis (a pytree: it passes through ``jit``/``vmap``).

    Modes are sorted by ascending eigenvalue, so by ascending (signed) frequency.

    Attributes:
        eigenvalues: λ_k, shape (M,), kcal/mol/Å²/amu (with unit masses, as in elastic
            network models, numerically kcal/mol/Å²).
        frequencies: ν̃_k = sign(λ_k) sqrt(|λ_k|) / (2π c), shape (M,), cm⁻¹; imaginary
            frequencies (λ < 0) are reported as negative numbers, never dropped. None for
            a GNM (``dim == 1``), which has no time scale: its eigenvalues are stiffnesses.
        vectors: Cartesian displacement vectors x_k = M^{-1/2} l_k / |M^{-1/2} l_k|,
            shape (dim·N, M), atom-major rows, each column of unit norm (dimensionless).
        mw_vectors: mass-weighted eigenvectors l_k, shape (dim·N, M), orthonormal.
        masses: m_i, shape (N,), amu.
        n_rigid: number of rigid-body modes removed (0 without projection; 3 for an atom,
            5 for a linear structure, 6 otherwise). M = 3N - n_rigid, or n_modes if given.
        rigid_residual: max_k |H_mw d_k| over the removed rigid-body motions d_k,
            kcal/mol/Å²/amu: ~0 at a minimum; large when H is not the Hessian of a
            translation- and rotation-invariant energy at a stationary point (a warning sign,
            not an error). 0 without projection.
        dim: coordinates per atom the modes move: 3 (Cartesian: normal modes, ANM) or 1
            (one scalar per residue: GNM). Analyses read it instead of guessing from
            shapes.
    """

    eigenvalues: jnp.ndarray
    frequencies: jnp.ndarray
    vectors: jnp.ndarray
    mw_vectors: jnp.ndarray
    masses: jnp.ndarray
    n_rigid: int
    rigid_residual: jnp.ndarray
    dim: int = 3


@_validate.public
def mass_weight(H: ArrayLike, masses: ArrayLike) -> jnp.ndarray:
    """Mass-weight a Hessian: H_mw = M^{-1/2} H M^{-1/2}.

    Args:
        H: Hessian, shape (3N, 3N), kcal/mol/Å².
        masses: m_i, shape (N,), amu (each repeated for x, y, z).

    Returns:
        H_mw, shape (3N, 3N), kcal/mol/Å²/amu.
    """
    H = _validate.as_hessian(H)
    m = _validate.as_masses(masses, H.shape[0] // 3)
    return _mass_weighted(H, m)


@jax.jit
def _mass_weighted(H: jnp.ndarray, m: jnp.ndarray) -> jnp.ndarray:
    inv_sqrt = 1.0 / jnp.sqrt(jnp.repeat(m, H.shape[0] // m.shape[0]))
    return H * inv_sqrt[:, None] * inv_sqrt[None, :]


def mass_weighted(A: Any, masses: ArrayLike) -> Any:
    """M^{-1/2} A M^{-1/2} of a checked matrix: dense (JAX), ``scipy.sparse`` or operator.

    Each mass is repeated dim = n / N times (3 for a Hessian, 1 for a Kirchhoff matrix).
    No checks: the one mass-weighting behind :func:`mass_weight`,
    :func:`jaxnm_course.sparse.mass_weight_sparse` and :func:`solve_modes`.

    Args:
        A: symmetric matrix, shape (dim·N, dim·N).
        masses: m_i, shape (N,), amu.

    Returns:
        The weighted matrix, the same kind as A (CSR for sparse input).
    """
    if not (sp.issparse(A) or isinstance(A, sla.LinearOperator)):
        return _mass_weighted(jnp.asarray(A), jnp.asarray(masses))
    m = np.asarray(masses, dtype=np.float64)
    s = 1.0 / np.sqrt(np.repeat(m, A.shape[0] // m.shape[0]))
    if sp.issparse(A):
        S = sp.diags_array(s)
        return sp.csr_array(S @ A @ S)

    def matmat(X: np.ndarray) -> np.ndarray:
        X = np.asarray(X).reshape(A.shape[0], -1)
        return s[:, None] * A.matmat(s[:, None] * X)

    return sla.LinearOperator(A.shape, matvec=matmat, rmatvec=matmat, matmat=matmat, dtype=float)


@jax.jit
def _cartesian(mw_vectors: jnp.ndarray, inv_sqrt_m: jnp.ndarray) -> jnp.ndarray:
    """Cartesian displacements M^-1/2 l, each column normalised to unit length."""
    cartesian = mw_vectors * inv_sqrt_m[:, None]
    return cartesian / jnp.linalg.norm(cartesian, axis=0, keepdims=True)


def solve_modes(
    A: Any,
    masses: ArrayLike | None,
    D: Any,
    k: int,
    *,
    method: str = "auto",
    dim: int = 3,
) -> Modes:
    """Checked matrix -> :class:`Modes`: the shared end of every mode pipeline (no checks).

    :func:`normal_modes`, :func:`jaxnm_course.enm.anm` and :func:`jaxnm_course.enm.gnm`
    check their inputs at their boundary and call this with their matrix: mass-weighting
    (:func:`mass_weighted`), one solve (:func:`jaxnm_course.solvers.solve`: method
    choice, exact deflation of D, orthonormal vectors), then the Cartesian vectors
    normalised to unit length and (for dim = 3) the frequencies.

    Args:
        A: symmetric matrix (dim·N, dim·N), not mass-weighted: dense (NumPy/JAX), CSR
            or a ``LinearOperator``.
        masses: m_i, shape (N,), amu; None for unit masses (no weighting: an ENM).
        D: orthonormal zero modes to remove, shape (dim·N, c) (c may be 0).
        k: number of modes, 1 <= k <= dim·N - c (0 allowed when nothing is left).
        method: one of :data:`jaxnm_course.solvers.METHODS`.
        dim: 3 (Cartesian modes, with frequencies) or 1 (GNM: no frequencies).

    Returns:
        :class:`Modes` with ``n_rigid = c``.
    """
    n_rigid = int(D.shape[1])
    n = A.shape[0] // dim
    if masses is None:
        masses = jnp.ones(n, dtype=jnp.float64)
    else:
        A = mass_weighted(A, masses)
    masses = jnp.asarray(masses)
    inv_sqrt_m = jnp.asarray(np.repeat(1.0 / np.sqrt(np.asarray(masses)), dim))
    result = solvers.solve(A, k, constraints=D, method=method, block_size=dim)
    w, L = jnp.asarray(result.eigenvalues), jnp.asarray(result.vectors)
    return Modes(
        eigenvalues=w,
        frequencies=eigenvalue_to_wavenumber(w) if dim == 3 else None,
        vectors=_cartesian(L, inv_sqrt_m),
        mw_vectors=L,
        masses=masses,
        n_rigid=n_rigid,
        rigid_residual=jnp.asarray(result.constraint_residual, dtype=jnp.float64),
        dim=dim,
    )


@_validate.public
def normal_modes(
    H: ArrayLike,
    masses: ArrayLike,
    R: ArrayLike | None = None,
    *,
    project: bool = True,
    linear_tol: float = LINEAR_TOL,
    n_modes: int | None = None,
    solver: str = "auto",
) -> Modes:
    r"""Normal modes and harmonic frequencies from a Cartesian Hessian.

    Steps: mass-weight H (see :func:`mass_weight`); with ``project=True``, build the
    orthonormal rigid-body motions D (3 translations and 3 rotations, 2 for a linear
    structure, none for an atom; :func:`jaxnm_course.geometry.rigid_body_modes`), project
    them out with P = 1 - D Dᵀ and move them above the spectrum
    (:func:`jaxnm_course.solvers.deflated_matrix`, s above every eigenvalue of H_mw):

    .. math:: P H_{mw} P + s\, D D^T = L \Lambda L^T,

    of which the lowest 3N - n_rigid eigenpairs are the internal modes l (orthogonal to
    every rigid-body motion), the same as diagonalising H_mw in an orthonormal basis of the
    complement of D. Without projection, diagonalise H_mw itself (3N modes, rigid-body
    ones included, numerically near zero but not exactly). Removing the rigid-body motions
    by construction, rather than by guessing which small eigenvalues are "zero", keeps soft
    but real vibrations (and imaginary ones) in the spectrum.

    Args:
        H: Cartesian Hessian, shape (3N, 3N), kcal/mol/Å², symmetric, atom-major.
        masses: m_i, shape (N,), amu, positive (use ones for the plain ENM convention).
        R: coordinates, shape (N, 3), Å: required with ``project=True`` (the rigid-body
            motions depend on the geometry).
        project: remove rigid-body motion (True) or keep all 3N modes (False).
        linear_tol: relative threshold on the principal moments of inertia below which
            the structure counts as linear.
        n_modes: keep only the n_modes lowest modes (None: all 3N - n_rigid).
        solver: "auto", "dense", "eigsh", "lanczos" or "lobpcg" (see
            :mod:`jaxnm_course.solvers`). "auto" diagonalises densely when all modes are
            asked for or 3N <= :data:`jaxnm_course.solvers.DENSE_MAX_DOF`, and otherwise
            finds the n_modes lowest iteratively (ARPACK Lanczos on H_mw with the
            rigid-body motions deflated: the same eigenpairs, to solver tolerance, without
            diagonalising the whole matrix). The iterative solvers need ``n_modes``.

    Returns:
        :class:`Modes`, in ascending order of eigenvalue.

    Raises:
        PrecisionError: x64 is off, or an input is float32.
        ValueError: shapes disagree; non-finite input; H not symmetric; masses not
            positive; overlapping atoms; ``project=True`` without R; an unknown solver;
            ``n_modes`` out of range, or missing for an iterative solver.
    """
    H = _validate.as_hessian(H)  # the one symmetry scan
    n = H.shape[0] // 3
    m = _validate.as_masses(masses, n)
    if solver not in solvers.METHODS:
        raise ValueError(f"`solver` must be one of {solvers.METHODS}, got {solver!r}.")
    if solver not in ("auto", "dense") and n_modes is None:
        raise ValueError(
            f"solver {solver!r} finds the lowest modes only; pass `n_modes` (e.g. "
            "n_modes=20), or solver='dense' for all of them."
        )
    if project:
        if R is None:
            raise ValueError(
                "`R` (coordinates, shape (N, 3), Å) is needed to remove the rigid-body "
                "modes with project=True; pass R, or project=False to keep all 3N modes."
            )
        R = _validate.as_positions(R)
        if R.shape[0] != n:
            raise ValueError(
                f"`R` has {R.shape[0]} atoms but `H` has shape {tuple(H.shape)} ({n} "
                "atoms); they must describe the same structure."
            )
        D = rigid_body_modes(R, m, linear_tol)
    else:
        D = jnp.zeros((3 * n, 0), dtype=H.dtype)
    k = _validate.as_n_modes(n_modes, H.shape[0] - int(D.shape[1]))
    return solve_modes(H, m, D, k, method=solver, dim=3)


def n_imaginary(modes: Modes, tol: float = 1.0) -> int:
    """Number of imaginary modes (frequency below -tol cm⁻¹).

    Args:
        modes: a :class:`Modes` result.
        tol: wavenumbers in (-tol, 0) are treated as numerical noise, cm⁻¹.

    Returns:
        The count; 0 at a true minimum, 1 at a transition state.

    Raises:
        ValueError: GNM modes (no frequencies); count ``modes.eigenvalues < 0`` there.
    """
    if modes.frequencies is None:
        raise ValueError(
            "n_imaginary: these modes have no frequencies (a GNM, dim = 1); count negative "
            "eigenvalues instead, e.g. (modes.eigenvalues < 0).sum()."
        )
    return int(np.sum(np.asarray(modes.frequencies) < -tol))
