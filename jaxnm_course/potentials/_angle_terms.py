"""Angle terms: functions of the two arm vectors of an angle -> energy (kcal/mol).

For the angle i-j-k at atom j the arms are u = r_i - r_j and v = r_k - r_j (Å, shape
(..., 3)); each term computes the variable it is smooth in (θ for a bent angle, cos θ for
a linear one). See :mod:`jaxnm_course.potentials` for the pitfalls at θ0 = π.
"""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .. import _validate
from .._validate import public
from ..geometry import bend_angle, bend_cosine
from ._common import param

__all__ = ["AngleTerm", "cosine_harmonic_angle", "harmonic_angle", "linear_angle"]

#: An angle term: arm vectors u, v (Å, shape (..., 3)) -> energies (kcal/mol, shape (...)).
AngleTerm = Callable[[jnp.ndarray, jnp.ndarray], jnp.ndarray]

#: Tolerance (rad) within which :func:`harmonic_angle` treats θ0 as linear and refuses it.
_LINEAR_THETA_TOL = 1e-6


@public
def harmonic_angle(k: ArrayLike, theta0: ArrayLike) -> AngleTerm:
    r"""Harmonic bend in the angle θ, for a *bent* equilibrium (0 < θ0 < π).

    .. math:: V(\theta) = \frac{k}{2} (\theta - \theta_0)^2, \qquad
              \theta = \operatorname{atan2}(|u \times v|, u \cdot v)

    Refuses θ0 = π: at a linear geometry θ(R) has a cone-like singular derivative and the
    Hessian through θ is NaN (arccos) or has zero bending curvature (atan2); use
    :func:`linear_angle` there (module docstring).

    Args:
        k: force constant, kcal/mol/rad², scalar or shape (T,).
        theta0: equilibrium angle, **radians**, in [0, π), scalar or shape (T,) (convert
            degrees with ``jnp.deg2rad``).

    Returns:
        V(u, v): arm vectors (Å, shape (..., 3)) -> energies in kcal/mol, shape (...).

    Raises:
        ValueError: θ0 outside [0, π] (degrees passed?), or θ0 = π (linear).

    Reference: E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955),
    ch. 4; the bend term of the CHARMM and AMBER force fields (there written without 1/2).
    """
    k = param(k, "k")
    theta0 = param(theta0, "theta0", nonnegative=True)
    if _validate.is_concrete(theta0):
        t = np.asarray(theta0)
        if np.any(t > np.pi + _LINEAR_THETA_TOL):
            raise ValueError(
                f"`theta0` must be in radians within [0, π], got {t}; did you "
                "pass degrees? Use `jnp.deg2rad(...)`."
            )
        if np.any(np.abs(t - np.pi) < _LINEAR_THETA_TOL):
            raise ValueError(
                "`theta0` = π (a linear angle). The derivative of θ is "
                "singular at a linear geometry, so k/2 (θ - π)² gives a NaN or a zero "
                "bending curvature under autodiff; use `linear_angle(k)`, k (1 + cos θ), which "
                "has the same curvature and is smooth."
            )

    def term(u: ArrayLike, v: ArrayLike) -> jnp.ndarray:
        return 0.5 * k * (bend_angle(u, v) - theta0) ** 2

    return term


@public
def linear_angle(k: ArrayLike) -> AngleTerm:
    r"""Bend for a *linear* equilibrium (θ0 = π), smooth at θ = π.

    .. math:: V = k (1 + \cos\theta) = \frac{k}{2} (\theta - \pi)^2
              - \frac{k}{24} (\theta - \pi)^4 + \dots, \qquad
              \cos\theta = \frac{u \cdot v}{|u|\,|v|}

    cos θ is computed directly (:func:`bend_cosine`), never via θ, so the energy is an
    analytic function of the coordinates at the linear geometry where θ(R) is not
    differentiable. To second order it equals the harmonic bend with the same k, so the
    Hessian (and the bending frequencies) at the linear minimum are those of k/2 (θ - π)².
    For O-C-O with arms r0 and masses m_O, m_C the doubly degenerate bend has
    ω² = 2 k (1 + 2 m_O / m_C) / (m_O r0²).

    Args:
        k: bending constant, kcal/mol (the curvature in θ at π, kcal/mol/rad²), scalar
            or shape (T,).

    Returns:
        V(u, v): arm vectors (Å, shape (..., 3)) -> energies in kcal/mol, shape (...);
        0 at θ = π, 2k at θ = 0.

    Reference: the "cosine" angle style of LAMMPS (angle_style cosine) and DL_POLY;
    E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955), ch. 4 (the
    linear bend coordinate).
    """
    k = param(k, "k")

    def term(u: ArrayLike, v: ArrayLike) -> jnp.ndarray:
        return k * (1.0 + bend_cosine(u, v))

    return term


@public
def cosine_harmonic_angle(k: ArrayLike, theta0: ArrayLike) -> AngleTerm:
    r"""Cosine-harmonic bend (GROMOS96), harmonic in cos θ rather than θ.

    .. math:: V = \frac{k}{2} (\cos\theta - \cos\theta_0)^2, \qquad
              \frac{d^2 V}{d\theta^2}\Big|_{\theta_0} = k \sin^2\theta_0

    Smooth everywhere, but its curvature in θ is k sin²θ0, not k: converting a harmonic
    k_θ needs k = k_θ / sin²θ0, which diverges at θ0 = π. With θ0 = π it gives **no**
    bending stiffness (zero Hessian in the bend), a pitfall for linear molecules; use
    :func:`linear_angle` there.

    Args:
        k: force constant, kcal/mol, scalar or shape (T,).
        theta0: equilibrium angle, radians in [0, π], scalar or shape (T,).

    Returns:
        V(u, v): arm vectors (Å, shape (..., 3)) -> energies in kcal/mol, shape (...).

    Reference: W. R. P. Scott et al., "The GROMOS biomolecular simulation program
    package", J. Phys. Chem. A 103, 3596 (1999); GROMACS manual, "Cosine based angle
    potential" (angle type 2).
    """
    k = param(k, "k")
    theta0 = param(theta0, "theta0", nonnegative=True)
    if _validate.is_concrete(theta0) and np.any(np.asarray(theta0) > np.pi + _LINEAR_THETA_TOL):
        raise ValueError(
            f"`theta0` must be in radians within [0, π], got "
            f"{np.asarray(theta0)}; did you pass degrees? Use `jnp.deg2rad(...)`."
        )
    cos0 = jnp.cos(theta0)

    def term(u: ArrayLike, v: ArrayLike) -> jnp.ndarray:
        return 0.5 * k * (bend_cosine(u, v) - cos0) ** 2

    return term
