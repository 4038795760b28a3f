"""Pair terms: functions of one distance r (Å, any shape) -> energy (kcal/mol, same shape).

See :mod:`jaxnm_course.potentials` for how terms are lifted to whole-system energies.
"""

from __future__ import annotations

from collections.abc import Callable

import jax.numpy as jnp
from jax.typing import ArrayLike

from .._validate import public
from ._common import param

__all__ = ["PairTerm", "harmonic", "lennard_jones", "morse"]

#: A pair term: distances r (Å, any shape) -> energies (kcal/mol, same shape).
PairTerm = Callable[[jnp.ndarray], jnp.ndarray]


@public
def harmonic(k: ArrayLike, r0: ArrayLike) -> PairTerm:
    r"""Harmonic bond stretch.

    .. math:: V(r) = \frac{k}{2} (r - r_0)^2, \qquad V'(r) = k (r - r_0), \quad V'' = k

    The factor 1/2 makes k the curvature V''(r0), the force constant of spectroscopy.
    Beware: CHARMM, AMBER and LAMMPS write K (r - r0)² without the 1/2, so their K is k/2.

    Args:
        k: force constant, kcal/mol/Å², scalar or shape (B,) (one per bond). A negative k
            is allowed (an inverted oscillator, to make saddle points on purpose).
        r0: equilibrium distance, Å, >= 0, scalar or shape (B,).

    Returns:
        V(r): distances r (Å, any shape broadcastable with the parameters) -> energies in
        kcal/mol.

    Reference: E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955),
    ch. 2.
    """
    k = param(k, "k")
    r0 = param(r0, "r0", nonnegative=True)

    def term(r: ArrayLike) -> jnp.ndarray:
        return 0.5 * k * (jnp.asarray(r) - r0) ** 2

    return term


@public
def morse(D: ArrayLike, a: ArrayLike, r0: ArrayLike) -> PairTerm:
    r"""Morse bond stretch: anharmonic, dissociates to D at large r.

    .. math:: V(r) = D \left(1 - e^{-a (r - r_0)}\right)^2, \qquad
              V''(r_0) = 2 D a^2

    so a diatomic of reduced mass μ vibrates at ω² = 2 D a² / μ in the harmonic
    approximation. ``1 - exp(-x)`` is computed as ``-expm1(-x)``, accurate near r0.

    Args:
        D: well depth, kcal/mol, > 0, scalar or shape (B,).
        a: range parameter, 1/Å, > 0, scalar or shape (B,).
        r0: equilibrium distance, Å, >= 0, scalar or shape (B,).

    Returns:
        V(r): distances r (Å) -> energies in kcal/mol (0 at r0, D as r -> inf).

    Reference: P. M. Morse, "Diatomic molecules according to the wave mechanics. II.
    Vibrational levels", Phys. Rev. 34, 57 (1929).
    """
    D = param(D, "D", positive=True)
    a = param(a, "a", positive=True)
    r0 = param(r0, "r0", nonnegative=True)

    def term(r: ArrayLike) -> jnp.ndarray:
        x = -jnp.expm1(-a * (jnp.asarray(r) - r0))
        return D * x * x

    return term


@public
def lennard_jones(epsilon: ArrayLike, sigma: ArrayLike) -> PairTerm:
    r"""Lennard-Jones 12-6 pair potential.

    .. math:: V(r) = 4\varepsilon\left[\left(\frac{\sigma}{r}\right)^{12}
              - \left(\frac{\sigma}{r}\right)^{6}\right]

    Minimum V = -ε at r_m = 2^{1/6} σ with curvature V''(r_m) = 72 ε / (2^{1/3} σ²).
    Evaluated as 4ε s (s - 1) with s = (σ/r)⁶, so V(0) = +inf rather than inf - inf = NaN;
    the gradient at r = 0 is not finite (the energy is not).

    Args:
        epsilon: well depth ε, kcal/mol, >= 0, scalar or shape (P,).
        sigma: distance σ where V = 0, Å, > 0, scalar or shape (P,).

    Returns:
        V(r): distances r (Å) -> energies in kcal/mol.

    Reference: J. E. Lennard-Jones, "On the determination of molecular fields. II. From
    the equation of state of a gas", Proc. R. Soc. Lond. A 106, 463 (1924).
    """
    epsilon = param(epsilon, "epsilon", nonnegative=True)
    sigma = param(sigma, "sigma", positive=True)

    def term(r: ArrayLike) -> jnp.ndarray:
        s2 = (sigma / jnp.asarray(r)) ** 2
        s6 = s2 * s2 * s2
        return 4.0 * epsilon * s6 * (s6 - 1.0)

    return term
