r"""Exercise set 07: vibrational thermochemistry from harmonic frequencies.

Each vibration of wavenumber ν̃ is a quantum harmonic oscillator. With the reduced
frequency x = h c ν̃ / (k_B T), per mole:

.. math::

    E_{ZPE} = \sum_k \tfrac12 N_A h c \tilde\nu_k, \qquad
    U = E_{ZPE} + \sum_k \frac{N_A h c \tilde\nu_k}{e^{x_k} - 1},

    S = R \sum_k \left[\frac{x_k}{e^{x_k} - 1} - \ln(1 - e^{-x_k})\right], \qquad
    C_V = R \sum_k \frac{x_k^2 e^{x_k}}{(e^{x_k} - 1)^2}, \qquad F = U - T S .

Only real vibrations count: skip wavenumbers below ``MIN_WAVENUMBER`` (1 cm⁻¹), i.e.
numerical zeros (rigid-body modes) and imaginary modes (reported as negative numbers),
which have no harmonic partition function. Use ``jnp.where`` to mask them, so that the
functions stay differentiable and never produce NaN.

Units: cm⁻¹, K, kcal/mol, kcal/mol/K. The constants are below.
Run ``pytest exercises -m ex07``.
Reference: D. A. McQuarrie, *Statistical Mechanics* (1976), ch. 8; J. W. Ochterski,
"Thermochemistry in Gaussian" (2000).
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = [
    "GAS_CONSTANT",
    "HC_PER_WAVENUMBER",
    "MIN_WAVENUMBER",
    "heat_capacity",
    "helmholtz_energy",
    "internal_energy",
    "vibrational_entropy",
    "zero_point_energy",
]

#: N_A h c in kcal/mol per cm⁻¹ (SI exact constants; 1 kcal = 4184 J).
HC_PER_WAVENUMBER = 6.62607015e-34 * 299_792_458.0 * 100.0 * 6.02214076e23 / 4184.0
#: The gas constant R = N_A k_B in kcal/mol/K.
GAS_CONSTANT = 1.380649e-23 * 6.02214076e23 / 4184.0
#: Wavenumbers below this (cm⁻¹) are not vibrations: skip them.
MIN_WAVENUMBER = 1.0


def zero_point_energy(wavenumbers):
    """E_ZPE = Σ ½ N_A h c ν̃ over the real vibrations (ν̃ >= MIN_WAVENUMBER).

    Args:
        wavenumbers: ν̃, shape (M,), cm⁻¹ (negative = imaginary).

    Returns:
        E_ZPE, float64 scalar, kcal/mol.
    """
    # HINT: Each real mode contributes half a quantum, h c ν̃ / 2 (per mole); modes below
    # MIN_WAVENUMBER (and imaginary ones) contribute nothing.
    # HINT: Chapter 7, "Check 1: the closed forms, written out with NumPy"; HC_PER_WAVENUMBER;
    # jnp.where to drop the unused modes without changing shapes.
    # HINT: used = nu >= MIN_WAVENUMBER; jnp.sum(jnp.where(used, 0.5 * HC_PER_WAVENUMBER * nu,
    # ...))
    # BEGIN SOLUTION
    nu = jnp.asarray(wavenumbers, dtype=jnp.float64)
    used = nu >= MIN_WAVENUMBER
    return jnp.sum(jnp.where(used, 0.5 * HC_PER_WAVENUMBER * nu, 0.0))
    # END SOLUTION


def _reduced(wavenumbers, T):
    """(mask of real vibrations, x = h c ν̃ / k_B T with a harmless 1.0 elsewhere)."""
    nu = jnp.asarray(wavenumbers, dtype=jnp.float64)
    used = nu >= MIN_WAVENUMBER
    x = jnp.where(used, HC_PER_WAVENUMBER * nu / (GAS_CONSTANT * T), 1.0)
    return used, x


def internal_energy(wavenumbers, T):
    """Vibrational internal energy U (zero-point energy included).

    Args:
        wavenumbers: ν̃, shape (M,), cm⁻¹.
        T: temperature, K, > 0.

    Returns:
        U, float64 scalar, kcal/mol.
    """
    # HINT: Zero-point energy plus, for each mode, R T x / (e^x - 1) with x = h c ν̃ / (k_B T).
    # HINT: Chapter 7, "Check 1: the closed forms, written out with NumPy"; _reduced gives (used,
    # x); 1 / (e^x - 1) is jnp.exp(-x) / -jnp.expm1(-x) (accurate for large and small x).
    # HINT: thermal = GAS_CONSTANT * T * x * (the stable 1 / (e^x - 1)); sum it where used and add
    # zero_point_energy(wavenumbers).
    # BEGIN SOLUTION
    used, x = _reduced(wavenumbers, T)
    thermal = GAS_CONSTANT * T * x * jnp.exp(-x) / -jnp.expm1(-x)
    return zero_point_energy(wavenumbers) + jnp.sum(jnp.where(used, thermal, 0.0))
    # END SOLUTION


def vibrational_entropy(wavenumbers, T):
    """Vibrational entropy S.

    Args:
        wavenumbers: ν̃, shape (M,), cm⁻¹.
        T: temperature, K, > 0.

    Returns:
        S, float64 scalar, kcal/mol/K.
    """
    # HINT: Per mode: S/R = x / (e^x - 1) - ln(1 - e^-x).
    # HINT: Chapter 7, "Check 1: the closed forms, written out with NumPy"; write 1 - e^-x as
    # -jnp.expm1(-x); _reduced gives (used, x).
    # HINT: per_mode = x * jnp.exp(-x) / -jnp.expm1(-x) - jnp.log(...)
    # BEGIN SOLUTION
    used, x = _reduced(wavenumbers, T)
    per_mode = x * jnp.exp(-x) / -jnp.expm1(-x) - jnp.log(-jnp.expm1(-x))
    return GAS_CONSTANT * jnp.sum(jnp.where(used, per_mode, 0.0))
    # END SOLUTION


def heat_capacity(wavenumbers, T):
    """Vibrational heat capacity C_V.

    Args:
        wavenumbers: ν̃, shape (M,), cm⁻¹.
        T: temperature, K, > 0.

    Returns:
        C_V, float64 scalar, kcal/mol/K (→ R per mode at high T).
    """
    # HINT: Per mode: C_V/R = x² e^x / (e^x - 1)², i.e. (x e^(-x/2) / (1 - e^-x))².
    # HINT: Chapter 7, "Heat capacity and entropy from 10 K to 3000 K"; the second form never
    # overflows; -jnp.expm1(-x) for 1 - e^-x.
    # HINT: per_mode = (x * jnp.exp(-0.5 * x) / ...) ** 2; sum it where used, times GAS_CONSTANT.
    # BEGIN SOLUTION
    used, x = _reduced(wavenumbers, T)
    per_mode = (x * jnp.exp(-0.5 * x) / -jnp.expm1(-x)) ** 2
    return GAS_CONSTANT * jnp.sum(jnp.where(used, per_mode, 0.0))
    # END SOLUTION


def helmholtz_energy(wavenumbers, T):
    """Vibrational Helmholtz energy F = E_ZPE + R T Σ ln(1 - e^{-x}) (= U - T S).

    Args:
        wavenumbers: ν̃, shape (M,), cm⁻¹.
        T: temperature, K, > 0.

    Returns:
        F, float64 scalar, kcal/mol.
    """
    # HINT: Zero-point energy plus R T Σ ln(1 - e^-x) over the used modes.
    # HINT: Chapter 7, "Check 1: the closed forms, written out with NumPy"; jnp.log(-jnp.expm1(-x))
    # is ln(1 - e^-x) without cancellation.
    # HINT: zero_point_energy(wavenumbers) + GAS_CONSTANT * T * jnp.sum(jnp.where(used, ..., 0.0))
    # BEGIN SOLUTION
    used, x = _reduced(wavenumbers, T)
    log_term = jnp.sum(jnp.where(used, jnp.log(-jnp.expm1(-x)), 0.0))
    return zero_point_energy(wavenumbers) + GAS_CONSTANT * T * log_term
    # END SOLUTION
