# Exercise set ex02: replace each `raise NotImplementedError` (test: pytest exercises -m ex02).
r"""Exercise set 02: JAX essentials for scientists.

JAX transforms *pure* functions: functions whose result depends only on their arguments
(no global state, no in-place updates, no printing side effects). ``jax.grad`` turns a
scalar function into its gradient, ``jax.vmap`` maps a function over a batch axis without a
Python loop, and ``jax.jit`` compiles a function for the shapes it is called with.

Normal mode analysis needs float64: JAX computes in float32 unless its 64-bit mode is on
(``jax.config.update("jax_enable_x64", True)``, before creating any array; the exercise
tests switch it on for you). float32 keeps about 7 significant digits: coordinates of
100 Å are rounded by ~4e-6 Å, and a small stretch of a bond far from the origin is lost
entirely.

Implement the functions below (replace each ``raise NotImplementedError``). Return JAX
arrays (``jnp``) in float64; never cast to float32. Run ``pytest exercises -m ex02``.

Units: distances in Å, energies in kcal/mol, spring constants in kcal/mol/Å².
Reference: R. Frostig, M. J. Johnson, C. Leary, "Compiling machine learning programs via
high-level tracing", SysML 2018; the JAX documentation, "JAX - The Sharp Bits".
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = [
    "batch_energies",
    "curvature",
    "float32_rounding_error",
    "spring_energy",
    "spring_forces",
    "stretch_energy",
]


def spring_energy(r, k, r0):
    r"""Total energy of independent harmonic springs.

    .. math:: E = \sum_b \frac{k_b}{2} (r_b - r_{0,b})^2

    Args:
        r: spring lengths, shape (B,), Å.
        k: spring constants, a scalar or shape (B,), kcal/mol/Å².
        r0: rest lengths, a scalar or shape (B,), Å.

    Returns:
        E, a float64 scalar (shape ()), kcal/mol.
    """
    # HINT: The energy of independent springs is a sum over springs of one formula applied
    # elementwise to whole arrays: no Python loop.
    # HINT: Chapter 2, "`grad`: exact derivatives of code" writes energies this way; jnp.sum of an
    # array expression (k and r0 broadcast against r).
    # HINT: jnp.sum(0.5 * k * ...) with r as a float64 array.
    raise NotImplementedError("ex02: spring_energy not implemented yet")


def spring_forces(r, k, r0):
    r"""Forces on the spring lengths, F = -dE/dr, by automatic differentiation.

    .. math:: F_b = -\frac{\partial E}{\partial r_b} = -k_b (r_b - r_{0,b})

    Args:
        r: spring lengths, shape (B,), Å.
        k: spring constants, a scalar or shape (B,), kcal/mol/Å².
        r0: rest lengths, a scalar or shape (B,), Å.

    Returns:
        F, shape (B,), float64, kcal/mol/Å.
    """
    # HINT: A force is minus the derivative of the energy; let JAX differentiate the function you
    # already wrote.
    # HINT: Chapter 2, "`grad`: exact derivatives of code": jax.grad(f) differentiates f with
    # respect to its first argument.
    # HINT: return -jax.grad(spring_energy)(...)
    raise NotImplementedError("ex02: spring_forces not implemented yet")


def batch_energies(r_batch, k, r0):
    """Spring energies of many configurations at once.

    Args:
        r_batch: spring lengths of S configurations, shape (S, B), Å.
        k: spring constants, a scalar or shape (B,) (the same for every configuration).
        r0: rest lengths, a scalar or shape (B,), Å.

    Returns:
        Energies, shape (S,), float64, kcal/mol: entry s is ``spring_energy(r_batch[s],
        k, r0)``.
    """
    # HINT: Write the energy of one configuration (you have it) and let JAX map it over the batch
    # instead of a Python loop.
    # HINT: Chapter 2 (vmap): jax.vmap maps over an axis of chosen arguments; in_axes=None keeps an
    # argument fixed for every row.
    # HINT: jax.vmap(spring_energy, in_axes=(0, None, None))
    raise NotImplementedError("ex02: batch_energies not implemented yet")


def curvature(f, x):
    r"""Second derivative f''(x) of a scalar function of one variable.

    The curvature of a potential at its minimum is the force constant of the bond:
    for a Morse potential :math:`D (1 - e^{-a (x - r_0)})^2` it is :math:`2 D a^2` at r0.

    Args:
        f: a scalar function of a scalar (differentiable with JAX), e.g. a bond potential.
        x: the point, Å: a float or an int (``2`` is the point 2.0).

    Returns:
        f''(x), a float64 scalar (shape ()).
    """
    # HINT: The second derivative is the derivative of the derivative.
    # HINT: Chapter 2, "`grad`: exact derivatives of code": jax.grad can be applied to a function
    # that jax.grad returned; jax.grad refuses an int point (convert x to float64 first).
    # HINT: jax.grad(jax.grad(f))(...)
    raise NotImplementedError("ex02: curvature not implemented yet")


def stretch_energy(R, k, r0):
    r"""Energy k/2 (|r_1 - r_0| - r0)² of one bond between atoms 0 and 1 of R.

    The atoms may sit far from the origin (a large protein assembly spans hundreds of Å),
    and the stretch may be tiny: in float32 the coordinates are rounded to ~1e-3 Å at
    10⁴ Å and the stretch is lost. Compute in float64.

    Args:
        R: coordinates of two atoms, shape (2, 3), Å, float64.
        k: spring constant, kcal/mol/Å².
        r0: rest length, Å.

    Returns:
        E, a float64 scalar, kcal/mol, accurate to ~1e-10 relative.
    """
    # HINT: Only the bond length matters: the distance between the two atoms, then the harmonic
    # formula; the danger is precision, not the formula.
    # HINT: Chapter 1, "JAX computes in float32 unless told otherwise": keep every array float64
    # (jnp.asarray(R, dtype=jnp.float64)); jnp.linalg.norm gives the length.
    # HINT: d = jnp.linalg.norm(R[1] - R[0]) in float64, then the energy.
    raise NotImplementedError("ex02: stretch_energy not implemented yet")


def float32_rounding_error(R):
    """How far float32 moves coordinates: max |float32(R) - R| over all entries.

    Args:
        R: coordinates, shape (N, 3), Å, float64.

    Returns:
        The largest rounding error, a float64 scalar, Å (≈ |R|max · 2⁻²⁴).
    """
    # HINT: Round the coordinates to float32 and compare with the originals, in float64.
    # HINT: Chapter 1, "JAX computes in float32 unless told otherwise"; .astype(jnp.float32)
    # rounds, .astype(jnp.float64) converts back exactly.
    # HINT: R.astype(jnp.float32).astype(jnp.float64) - R, then the largest absolute value.
    raise NotImplementedError("ex02: float32_rounding_error not implemented yet")
