"""Physical constants and unit conversions: the one place the unit system is defined.

The unit system of jaxnm_course
-------------------------------
=================  ==========================  ===========================================
quantity           unit                        note
=================  ==========================  ===========================================
length             Å (ångström, 1e-10 m)       coordinates ``R``, distances, cutoffs
mass               amu (dalton, u)             atomic or residue masses
energy             kcal/mol (thermochemical)   1 kcal = 4184 J exactly
force constant     kcal/mol/Å²                 entries of the Hessian ``H``, ``k``, ``gamma``
mw eigenvalue      kcal/mol/Å²/amu             eigenvalues of the mass-weighted Hessian
wavenumber         cm⁻¹                        ``frequencies`` of :class:`~jaxnm_course.Modes`
temperature        K
=================  ==========================  ===========================================

Why these: Å and amu are what structures (PDB/mmCIF) and periodic tables give, and
kcal/mol is the energy unit of the classical force fields (CHARMM, AMBER) and of ProDy's
elastic network models, so numbers can be compared with the literature without
conversion. The eigenvalue ``λ`` of a mass-weighted Hessian in kcal/mol/Å²/amu is an
angular frequency squared, ``ω² = λ``, in the derived time unit
``Å·sqrt(amu·mol/kcal) ≈ 48.89 fs``; :func:`eigenvalue_to_wavenumber` turns it into
cm⁻¹ via ``ν̃ = ω / (2π c)``.

Constants are the exact SI defining constants (2019 redefinition) and the CODATA 2018
value of the atomic mass constant. Reference: E. Tiesinga et al., "CODATA recommended
values of the fundamental physical constants: 2018", Rev. Mod. Phys. 93, 025010 (2021).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
from jax.typing import ArrayLike

__all__ = [
    "AMU",
    "ANGSTROM",
    "AVOGADRO",
    "BOLTZMANN",
    "EV_PER_KCAL_MOL",
    "GAS_CONSTANT_KCAL",
    "HC_KCAL_MOL_CM",
    "KCAL",
    "KJ_PER_KCAL",
    "PLANCK",
    "SPEED_OF_LIGHT",
    "TIME_UNIT_FS",
    "WAVENUMBER_PER_SQRT_EIGENVALUE",
    "eigenvalue_to_angular_frequency",
    "eigenvalue_to_thz",
    "eigenvalue_to_wavenumber",
    "kT",
    "wavenumber_to_eigenvalue",
    "wavenumber_to_kcal_per_mol",
]

# --- SI defining constants (exact since 2019) -------------------------------------------
PLANCK = 6.62607015e-34  #: h in J s (exact)
SPEED_OF_LIGHT = 299_792_458.0  #: c in m/s (exact)
BOLTZMANN = 1.380649e-23  #: k_B in J/K (exact)
AVOGADRO = 6.02214076e23  #: N_A in 1/mol (exact)
ELEMENTARY_CHARGE = 1.602176634e-19  #: e in C (exact)

# --- CODATA 2018 measured constant ------------------------------------------------------
AMU = 1.66053906660e-27  #: atomic mass constant m_u in kg (CODATA 2018)

# --- Unit definitions --------------------------------------------------------------------
ANGSTROM = 1e-10  #: 1 Å in m
KCAL = 4184.0  #: 1 thermochemical kcal in J (exact)
KJ_PER_KCAL = KCAL / 1000.0  #: 4.184 kJ per kcal
EV_PER_KCAL_MOL = KCAL / AVOGADRO / ELEMENTARY_CHARGE  #: 1 kcal/mol in eV (≈ 0.0433641)

#: Gas constant R = k_B N_A in kcal/mol/K (≈ 1.98720e-3).
GAS_CONSTANT_KCAL = BOLTZMANN * AVOGADRO / KCAL

#: The energy of one mole of photons of 1 cm⁻¹, h c N_A, in kcal/mol per cm⁻¹ (≈ 2.85914e-3).
HC_KCAL_MOL_CM = PLANCK * SPEED_OF_LIGHT * 100.0 * AVOGADRO / KCAL

#: Angular frequency in rad/s of a mass-weighted eigenvalue λ = 1 kcal/mol/Å²/amu.
_OMEGA_PER_SQRT_EIGENVALUE = math.sqrt(KCAL / AVOGADRO / (ANGSTROM**2 * AMU))

#: The internal time unit Å·sqrt(amu·mol/kcal) in femtoseconds (≈ 48.888 fs).
TIME_UNIT_FS = 1e15 / _OMEGA_PER_SQRT_EIGENVALUE

#: Wavenumber of a unit eigenvalue, in cm⁻¹ per sqrt(kcal/mol/Å²/amu), so that
#: ν̃ = WAVENUMBER_PER_SQRT_EIGENVALUE * sqrt(λ) (≈ 108.59).
WAVENUMBER_PER_SQRT_EIGENVALUE = _OMEGA_PER_SQRT_EIGENVALUE / (
    2.0 * math.pi * SPEED_OF_LIGHT * 100.0
)


def _signed_sqrt(x: ArrayLike) -> jnp.ndarray:
    x = jnp.asarray(x)
    return jnp.sign(x) * jnp.sqrt(jnp.abs(x))


def eigenvalue_to_wavenumber(eigenvalues: ArrayLike) -> jnp.ndarray:
    r"""Convert mass-weighted Hessian eigenvalues to wavenumbers.

    .. math:: \tilde\nu = \frac{\operatorname{sign}(\lambda)\sqrt{|\lambda|}}{2\pi c}

    A negative eigenvalue (a saddle point, or a structure that is not a minimum) gives a
    negative wavenumber: the usual way codes report an imaginary frequency ``i|ν̃|``.

    Args:
        eigenvalues: λ, any shape, in kcal/mol/Å²/amu.

    Returns:
        ν̃, same shape, in cm⁻¹ (negative for imaginary modes).
    """
    return WAVENUMBER_PER_SQRT_EIGENVALUE * _signed_sqrt(eigenvalues)


def wavenumber_to_eigenvalue(wavenumbers: ArrayLike) -> jnp.ndarray:
    """Inverse of :func:`eigenvalue_to_wavenumber` (negative ν̃ gives negative λ).

    Args:
        wavenumbers: ν̃, any shape, in cm⁻¹.

    Returns:
        λ, same shape, in kcal/mol/Å²/amu.
    """
    nu = jnp.asarray(wavenumbers) / WAVENUMBER_PER_SQRT_EIGENVALUE
    return jnp.sign(nu) * nu**2


def eigenvalue_to_angular_frequency(eigenvalues: ArrayLike) -> jnp.ndarray:
    """Angular frequency ω = sign(λ) sqrt(|λ|) in rad/s.

    Args:
        eigenvalues: λ, any shape, in kcal/mol/Å²/amu.

    Returns:
        ω, same shape, in rad/s (negative for imaginary modes).
    """
    return _OMEGA_PER_SQRT_EIGENVALUE * _signed_sqrt(eigenvalues)


def eigenvalue_to_thz(eigenvalues: ArrayLike) -> jnp.ndarray:
    """Ordinary frequency ν = ω / 2π in THz.

    Args:
        eigenvalues: λ, any shape, in kcal/mol/Å²/amu.

    Returns:
        ν, same shape, in THz (negative for imaginary modes).
    """
    return eigenvalue_to_angular_frequency(eigenvalues) / (2.0 * math.pi * 1e12)


def wavenumber_to_kcal_per_mol(wavenumbers: ArrayLike) -> jnp.ndarray:
    """Quantum energy of a mole of vibrational quanta, E = h c ν̃ N_A.

    Args:
        wavenumbers: ν̃, any shape, in cm⁻¹.

    Returns:
        E, same shape, in kcal/mol.
    """
    return HC_KCAL_MOL_CM * jnp.asarray(wavenumbers)


def kT(temperature: ArrayLike = 300.0) -> jnp.ndarray:
    """Thermal energy k_B T per mole.

    Args:
        temperature: T in K (scalar or array).

    Returns:
        k_B T N_A in kcal/mol (≈ 0.596 at 300 K).
    """
    return GAS_CONSTANT_KCAL * jnp.asarray(temperature)
