# Exercise set ex05: replace each `raise NotImplementedError` (test: pytest exercises -m ex05).
r"""Exercise set 05: rigid-body modes (translations, rotations) and how to remove them.

An energy that does not change when the whole molecule is translated or rotated has a
Hessian with zero eigenvalues along those motions: 3 translations and 3 rotations (a linear
molecule has only 2 rotations: turning about its own axis moves no atom; a single atom
has none). In mass-weighted coordinates these motions are

.. math:: t_a: \; \sqrt{m_i}\, e_a, \qquad \rho_a: \; \sqrt{m_i}\, (e_a \times x_i),
          \quad x_i = r_i - R_{cm},

and after orthonormalising them (an SVD or QR; drop directions that vanish) they form the
columns of D, shape (3N, 6) or (3N, 5). The projector P = 1 - D Dᵀ removes them from the
mass-weighted Hessian; the vibrations are the eigenvalues of H_mw in the complement of D.

Shapes depend on the geometry (6 or 5 columns): decide them with concrete values, outside
``jit``. Units: Å, amu, kcal/mol/Å², wavenumbers in cm⁻¹. Run ``pytest exercises -m ex05``.
Reference: E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955), ch. 2
(Eckart conditions); J. W. Ochterski, "Vibrational Analysis in Gaussian" (1999).
"""

from __future__ import annotations

import math

import jax.numpy as jnp

__all__ = [
    "WAVENUMBER_PER_SQRT_EIGENVALUE",
    "center_of_mass",
    "inertia_tensor",
    "project_out",
    "rigid_body_basis",
    "vibrational_wavenumbers",
]

#: cm⁻¹ per sqrt(kcal/mol/Å²/amu) (as in set 04).
WAVENUMBER_PER_SQRT_EIGENVALUE = math.sqrt(
    4184.0 / 6.02214076e23 / (1e-20 * 1.66053906660e-27)
) / (2.0 * math.pi * 299_792_458.0 * 100.0)

#: Singular values below this fraction of the largest count as zero (a linear molecule).
RANK_TOL = 1e-6


def center_of_mass(R, masses):
    r"""Centre of mass R_cm = Σ m_i r_i / Σ m_i.

    Args:
        R: coordinates, shape (N, 3), Å.
        masses: shape (N,), amu.

    Returns:
        R_cm, shape (3,), float64, Å.
    """
    raise NotImplementedError("ex05: center_of_mass not implemented yet")


def inertia_tensor(R, masses):
    r"""Inertia tensor about the centre of mass.

    .. math:: I = \sum_i m_i \left(|x_i|^2 \mathbb{1} - x_i x_i^T\right), \quad
              x_i = r_i - R_{cm}

    Args:
        R: coordinates, shape (N, 3), Å.
        masses: shape (N,), amu.

    Returns:
        I, shape (3, 3), float64, amu Å².
    """
    raise NotImplementedError("ex05: inertia_tensor not implemented yet")


def rigid_body_basis(R, masses):
    """Orthonormal mass-weighted rigid-body motions D (translations and rotations).

    Args:
        R: coordinates, shape (N, 3), Å (N >= 2).
        masses: shape (N,), amu.

    Returns:
        D, shape (3N, n) with n = 6, or 5 for a linear structure; orthonormal columns
        spanning the mass-weighted translations and rotations (any orthonormal basis of
        that space is accepted), float64.
    """
    # HINT: build the 6 vectors as columns of a (3N, 6) matrix, then
    # U, s, _ = jnp.linalg.svd(A, full_matrices=False) and keep the columns of U with
    # s > RANK_TOL * s[0].
    raise NotImplementedError("ex05: rigid_body_basis not implemented yet")


def project_out(H_mw, D):
    """Remove the motions D from a mass-weighted Hessian: P H_mw P with P = 1 - D Dᵀ.

    Args:
        H_mw: mass-weighted Hessian, shape (3N, 3N), kcal/mol/Å²/amu.
        D: orthonormal columns, shape (3N, n).

    Returns:
        P H_mw P, shape (3N, 3N), float64, symmetric, with (P H_mw P) D = 0.
    """
    raise NotImplementedError("ex05: project_out not implemented yet")


def vibrational_wavenumbers(H, masses, R):
    """The 3N - 6 (linear: 3N - 5) vibrational wavenumbers, rigid-body motion removed.

    Mass-weight H, build D = rigid_body_basis(R, masses) and an orthonormal basis B of its
    complement, diagonalise Bᵀ H_mw B (negative eigenvalues give negative wavenumbers).

    Args:
        H: Cartesian Hessian, shape (3N, 3N), kcal/mol/Å².
        masses: shape (N,), amu.
        R: coordinates, shape (N, 3), Å.

    Returns:
        ν̃, shape (3N - n,), float64, cm⁻¹, ascending.
    """
    # HINT: Q, _ = jnp.linalg.qr(D, mode="complete"); B = Q[:, n:] spans the complement.
    raise NotImplementedError("ex05: vibrational_wavenumbers not implemented yet")
