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

from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from . import _validate, solvers
from .geometry import LINEAR_TOL, rigid_body_modes
from .units import eigenvalue_to_wavenumber

__all__ = ["Modes", "mass_weight", "n_imaginary", "normal_modes"]


class Modes(NamedTuple):
    """Result of a normal mode analysis (a pytree: it passes through ``jit``/``vmap``).

    Modes are sorted by ascending eigenvalue, so by ascending (signed) frequency.

    Attributes:
        eigenvalues: λ_k, shape (M,), kcal/mol/Å²/amu (with unit masses, as in elastic
            network models, numerically kcal/mol/Å²).
        frequencies: ν̃_k = sign(λ_k) sqrt(|λ_k|) / (2π c), shape (M,), cm⁻¹; imaginary
            frequencies (λ < 0) are reported as negative numbers, never dropped.
        vectors: Cartesian displacement vectors x_k = M^{-1/2} l_k / |M^{-1/2} l_k|,
            shape (3N, M), atom-major rows, each column of unit norm (dimensionless).
        mw_vectors: mass-weighted eigenvectors l_k, shape (3N, M), orthonormal.
        masses: m_i, shape (N,), amu.
        n_rigid: number of rigid-body modes removed (0 without projection; 3 for an atom,
            5 for a linear structure, 6 otherwise). M = 3N - n_rigid, or n_modes if given.
        rigid_residual: max_k |H_mw d_k| over the removed rigid-body motions d_k,
            kcal/mol/Å²/amu: ~0 at a minimum; large when H is not the Hessian of a
            translation- and rotation-invariant energy at a stationary point (a warning sign,
            not an error). 0 without projection.
    """

    eigenvalues: jnp.ndarray
    frequencies: jnp.ndarray
    vectors: jnp.ndarray
    mw_vectors: jnp.ndarray
    masses: jnp.ndarray
    n_rigid: int
    rigid_residual: jnp.ndarray


def mass_weight(H: ArrayLike, masses: ArrayLike) -> jnp.ndarray:
    """Mass-weight a Hessian: H_mw = M^{-1/2} H M^{-1/2}.

    Args:
        H: Hessian, shape (3N, 3N), kcal/mol/Å².
        masses: m_i, shape (N,), amu (each repeated for x, y, z).

    Returns:
        H_mw, shape (3N, 3N), kcal/mol/Å²/amu.
    """
    H = _validate.as_hessian(H, "mass_weight")
    m = _validate.as_masses(masses, H.shape[0] // 3, "mass_weight")
    inv_sqrt = 1.0 / jnp.sqrt(jnp.repeat(m, 3))
    return H * inv_sqrt[:, None] * inv_sqrt[None, :]


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
    H = _validate.as_hessian(H, "normal_modes")
    n = H.shape[0] // 3
    m = _validate.as_masses(masses, n, "normal_modes")
    method = _choose_solver(solver, n_modes, H.shape[0])
    H_mw = mass_weight(H, m)
    if project:
        if R is None:
            raise ValueError(
                "normal_modes: `R` (coordinates, shape (N, 3), Å) is needed to remove the "
                "rigid-body modes with project=True; pass R, or project=False to keep all "
                "3N modes."
            )
        R = _validate.as_positions(R, "normal_modes")
        if R.shape[0] != n:
            raise ValueError(
                f"normal_modes: `R` has {R.shape[0]} atoms but `H` has shape {tuple(H.shape)} "
                f"({n} atoms); they must describe the same structure."
            )
        D = rigid_body_modes(R, m, linear_tol)
        n_rigid = int(D.shape[1])
        _check_n_modes(n_modes, H.shape[0] - n_rigid)
        residual = jnp.max(jnp.linalg.norm(H_mw @ D, axis=0))
        if method == "dense":
            # P H_mw P + s D Dᵀ: the rigid-body motions move to s, above the spectrum, so
            # the lowest 3N - n_rigid eigenpairs are exactly the internal ones.
            A = solvers.deflated_matrix(H_mw, D, solvers.shift_above_spectrum(H_mw))
            eigenvalues, mw_vectors = jnp.linalg.eigh(0.5 * (A + A.T))
            internal = H.shape[0] - n_rigid
            eigenvalues, mw_vectors = eigenvalues[:internal], mw_vectors[:, :internal]
    else:
        n_rigid = 0
        D = None
        _check_n_modes(n_modes, H.shape[0])
        residual = jnp.zeros((), dtype=H.dtype)
        if method == "dense":
            eigenvalues, mw_vectors = jnp.linalg.eigh(H_mw)
    if method == "dense":
        eigenvalues, mw_vectors = eigenvalues[:n_modes], mw_vectors[:, :n_modes]
    else:
        pairs = solvers.lowest_eigenpairs(
            np.asarray(H_mw),
            n_modes,
            constraints=None if D is None else np.asarray(D),
            method=method,
        )
        eigenvalues = jnp.asarray(pairs.eigenvalues)
        mw_vectors = jnp.asarray(pairs.vectors)
    cartesian = mw_vectors / jnp.sqrt(jnp.repeat(m, 3))[:, None]
    cartesian = cartesian / jnp.linalg.norm(cartesian, axis=0, keepdims=True)
    return Modes(
        eigenvalues=eigenvalues,
        frequencies=eigenvalue_to_wavenumber(eigenvalues),
        vectors=cartesian,
        mw_vectors=mw_vectors,
        masses=m,
        n_rigid=n_rigid,
        rigid_residual=residual,
    )


def _choose_solver(solver: str, n_modes: int | None, n_dof: int) -> str:
    """The method :func:`normal_modes` runs: "dense" or one of the iterative solvers."""
    if solver not in solvers.METHODS:
        raise ValueError(
            f"normal_modes: `solver` must be one of {solvers.METHODS}, got {solver!r}."
        )
    if solver == "auto":
        if n_modes is None or n_dof <= solvers.DENSE_MAX_DOF:
            return "dense"
        return solvers.choose_method(n_dof, "dense")
    if solver != "dense" and n_modes is None:
        raise ValueError(
            f"normal_modes: solver {solver!r} finds the lowest modes only; pass `n_modes` "
            "(e.g. n_modes=20), or solver='dense' for all of them."
        )
    return solver


def _check_n_modes(n_modes: int | None, available: int) -> None:
    if n_modes is None:
        return
    if isinstance(n_modes, bool) or not isinstance(n_modes, int | np.integer):
        raise ValueError(f"normal_modes: `n_modes` must be an integer or None, got {n_modes!r}.")
    if not 1 <= n_modes <= available:
        raise ValueError(
            f"normal_modes: `n_modes` must be between 1 and {available} (the number of "
            f"modes left after removing the rigid-body ones), got {n_modes}."
        )


def n_imaginary(modes: Modes, tol: float = 1.0) -> int:
    """Number of imaginary modes (frequency below -tol cm⁻¹).

    Args:
        modes: a :class:`Modes` result.
        tol: wavenumbers in (-tol, 0) are treated as numerical noise, cm⁻¹.

    Returns:
        The count; 0 at a true minimum, 1 at a transition state.
    """
    return int(np.sum(np.asarray(modes.frequencies) < -tol))
