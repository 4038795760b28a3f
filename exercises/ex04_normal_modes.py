# Exercise set ex04: replace each `raise NotImplementedError` (test: pytest exercises -m ex04).
r"""Exercise set 04: normal modes of molecules.

Small vibrations x (3N,) about a minimum obey M ẍ = -H x with the diagonal mass matrix
M = diag(m1, m1, m1, m2, ...). In mass-weighted coordinates q = M^{1/2} x this becomes
q̈ = -H_mw q with

.. math:: H_{mw} = M^{-1/2} H M^{-1/2}, \qquad (H_{mw})_{pq} = \frac{H_{pq}}{\sqrt{m_p m_q}},

a symmetric matrix: its eigenvalues λ are squared angular frequencies ω², its orthonormal
eigenvectors l the modes, and the Cartesian displacement of a mode is x ∝ M^{-1/2} l.
Frequencies are reported as wavenumbers ν̃ = ω / (2π c) in cm⁻¹; a negative eigenvalue (a
saddle point) is reported as a *negative* wavenumber -sqrt(|λ|)/(2πc), never dropped.

In the units of the course (Å, amu, kcal/mol) an eigenvalue λ in kcal/mol/Å²/amu gives
ν̃ = WAVENUMBER_PER_SQRT_EIGENVALUE · sqrt(λ), with the constant below (≈ 108.59).

Here all 3N modes are kept; at a minimum six of them (five for a linear molecule) are
rigid-body translations and rotations with (numerically) zero frequency; set 05 removes
them. Run ``pytest exercises -m ex04``.
Reference: E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955), ch. 2;
J. W. Ochterski, "Vibrational Analysis in Gaussian" (1999).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax.numpy as jnp

__all__ = [
    "WAVENUMBER_PER_SQRT_EIGENVALUE",
    "Modes",
    "diatomic_wavenumber",
    "eigenvalues_to_wavenumbers",
    "mass_weighted_hessian",
    "normal_modes",
]

#: cm⁻¹ per sqrt(kcal/mol/Å²/amu): sqrt(4184 J / N_A / (1e-20 m² · 1 amu)) / (2π c · 100).
WAVENUMBER_PER_SQRT_EIGENVALUE = math.sqrt(
    4184.0 / 6.02214076e23 / (1e-20 * 1.66053906660e-27)
) / (2.0 * math.pi * 299_792_458.0 * 100.0)


class Modes(NamedTuple):
    """All 3N normal modes, in ascending order of eigenvalue.

    Attributes:
        eigenvalues: λ, shape (3N,), kcal/mol/Å²/amu.
        frequencies: ν̃, shape (3N,), cm⁻¹, negative for λ < 0.
        vectors: Cartesian displacements x_k = M^{-1/2} l_k / |M^{-1/2} l_k|, shape (3N, 3N),
            one unit-norm column per mode.
    """

    eigenvalues: jnp.ndarray
    frequencies: jnp.ndarray
    vectors: jnp.ndarray


def mass_weighted_hessian(H, masses):
    """H_mw = M^{-1/2} H M^{-1/2}.

    Args:
        H: Hessian, shape (3N, 3N), kcal/mol/Å², atom-major.
        masses: shape (N,), amu (each atom's mass applies to its x, y and z rows).

    Returns:
        H_mw, shape (3N, 3N), float64, kcal/mol/Å²/amu.
    """
    # HINT: jnp.repeat(masses, 3) gives the diagonal of M.
    raise NotImplementedError("ex04: mass_weighted_hessian not implemented yet")


def eigenvalues_to_wavenumbers(eigenvalues):
    """Wavenumbers ν̃ = sign(λ) sqrt(|λ|) · WAVENUMBER_PER_SQRT_EIGENVALUE.

    Args:
        eigenvalues: λ, any shape, kcal/mol/Å²/amu.

    Returns:
        ν̃, same shape, float64, cm⁻¹ (negative for negative λ: imaginary frequencies).
    """
    raise NotImplementedError("ex04: eigenvalues_to_wavenumbers not implemented yet")


def normal_modes(H, masses):
    """All 3N normal modes of a Cartesian Hessian (no rigid-body projection).

    Args:
        H: Hessian, shape (3N, 3N), kcal/mol/Å², symmetric, atom-major.
        masses: shape (N,), amu.

    Returns:
        :class:`Modes` (eigenvalues, frequencies, Cartesian unit vectors), ascending.
    """
    # HINT: jnp.linalg.eigh returns ascending eigenvalues and orthonormal columns.
    raise NotImplementedError("ex04: normal_modes not implemented yet")


def diatomic_wavenumber(k, m1, m2):
    r"""Harmonic wavenumber of a diatomic molecule.

    .. math:: \tilde\nu = \frac{1}{2\pi c}\sqrt{\frac{k}{\mu}}, \qquad
              \mu = \frac{m_1 m_2}{m_1 + m_2}

    Args:
        k: bond force constant, kcal/mol/Å².
        m1: mass of atom 1, amu.
        m2: mass of atom 2, amu.

    Returns:
        ν̃, float64 scalar, cm⁻¹.
    """
    raise NotImplementedError("ex04: diatomic_wavenumber not implemented yet")
