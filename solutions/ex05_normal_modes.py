r"""Exercise set 05: normal modes of molecules, and their rigid-body motions.

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
rigid-body translations and rotations with (numerically) zero frequency; the second part
of the set removes them.

**Rigid-body modes.** An energy that does not change when the whole molecule is translated
or rotated has a Hessian with zero eigenvalues along those motions: 3 translations and 3
rotations (a linear molecule has only 2 rotations: turning about its own axis moves no
atom; a single atom has none). In mass-weighted coordinates these motions are

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
from typing import NamedTuple

import jax.numpy as jnp

__all__ = [
    "RANK_TOL",
    "WAVENUMBER_PER_SQRT_EIGENVALUE",
    "Modes",
    "center_of_mass",
    "diatomic_wavenumber",
    "eigenvalues_to_wavenumbers",
    "inertia_tensor",
    "mass_weighted_hessian",
    "normal_modes",
    "project_out",
    "rigid_body_basis",
    "vibrational_wavenumbers",
]

#: cm⁻¹ per sqrt(kcal/mol/Å²/amu): sqrt(4184 J / N_A / (1e-20 m² · 1 amu)) / (2π c · 100).
WAVENUMBER_PER_SQRT_EIGENVALUE = math.sqrt(
    4184.0 / 6.02214076e23 / (1e-20 * 1.66053906660e-27)
) / (2.0 * math.pi * 299_792_458.0 * 100.0)


#: Singular values below this fraction of the largest count as zero (a linear molecule).
RANK_TOL = 1e-6


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
    # HINT: Divide entry (p, q) by sqrt(m_p m_q), where m_p is the mass of the atom that coordinate
    # p belongs to.
    # HINT: Chapter 5 (the equation of motion M ẍ = -H x); jnp.repeat(masses, 3) gives the diagonal
    # of M; broadcasting with [:, None] and [None, :] scales rows and columns.
    # HINT: inv_sqrt = 1 / jnp.sqrt(jnp.repeat(masses, 3)); then H * inv_sqrt[:, None] * ...
    # BEGIN SOLUTION
    H = jnp.asarray(H, dtype=jnp.float64)
    inv_sqrt = 1.0 / jnp.sqrt(jnp.repeat(jnp.asarray(masses, dtype=jnp.float64), 3))
    return H * inv_sqrt[:, None] * inv_sqrt[None, :]
    # END SOLUTION


def eigenvalues_to_wavenumbers(eigenvalues):
    """Wavenumbers ν̃ = sign(λ) sqrt(|λ|) · WAVENUMBER_PER_SQRT_EIGENVALUE.

    Args:
        eigenvalues: λ, any shape, kcal/mol/Å²/amu.

    Returns:
        ν̃, same shape, float64, cm⁻¹ (negative for negative λ: imaginary frequencies).
    """
    # HINT: The wavenumber is proportional to the square root of the eigenvalue; a negative
    # eigenvalue keeps its sign on the result.
    # HINT: Chapter 5, "An independent route to the frequencies"; jnp.sign and
    # jnp.sqrt(jnp.abs(...)); the constant WAVENUMBER_PER_SQRT_EIGENVALUE.
    # HINT: WAVENUMBER_PER_SQRT_EIGENVALUE * jnp.sign(lam) * ...
    # BEGIN SOLUTION
    lam = jnp.asarray(eigenvalues, dtype=jnp.float64)
    return WAVENUMBER_PER_SQRT_EIGENVALUE * jnp.sign(lam) * jnp.sqrt(jnp.abs(lam))
    # END SOLUTION


def normal_modes(H, masses):
    """All 3N normal modes of a Cartesian Hessian (no rigid-body projection).

    Args:
        H: Hessian, shape (3N, 3N), kcal/mol/Å², symmetric, atom-major.
        masses: shape (N,), amu.

    Returns:
        :class:`Modes` (eigenvalues, frequencies, Cartesian unit vectors), ascending.
    """
    # HINT: Diagonalise the mass-weighted Hessian; turn its eigenvectors back into Cartesian
    # displacements and normalise them.
    # HINT: Chapter 5, "What the modes look like": jnp.linalg.eigh returns ascending eigenvalues
    # and orthonormal eigenvectors as columns; x = M^(-1/2) l.
    # HINT: lam, L = jnp.linalg.eigh(mass_weighted_hessian(H, masses)); divide the rows of L by
    # sqrt(m), then normalise each column.
    # BEGIN SOLUTION
    lam, L = jnp.linalg.eigh(mass_weighted_hessian(H, masses))
    x = L / jnp.sqrt(jnp.repeat(jnp.asarray(masses, dtype=jnp.float64), 3))[:, None]
    x = x / jnp.linalg.norm(x, axis=0, keepdims=True)
    return Modes(eigenvalues=lam, frequencies=eigenvalues_to_wavenumbers(lam), vectors=x)
    # END SOLUTION


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
    # HINT: Two atoms on a spring vibrate like one reduced mass on that spring.
    # HINT: Chapter 5, "An independent route to the frequencies": λ = k / μ; reuse
    # eigenvalues_to_wavenumbers.
    # HINT: mu = m1 * m2 / (m1 + m2)
    # BEGIN SOLUTION
    mu = m1 * m2 / (m1 + m2)
    return eigenvalues_to_wavenumbers(jnp.asarray(k / mu, dtype=jnp.float64))
    # END SOLUTION


def center_of_mass(R, masses):
    r"""Centre of mass R_cm = Σ m_i r_i / Σ m_i.

    Args:
        R: coordinates, shape (N, 3), Å.
        masses: shape (N,), amu.

    Returns:
        R_cm, shape (3,), float64, Å.
    """
    # HINT: A mass-weighted average of the positions.
    # HINT: Chapter 5, "The rigid-body modes"; broadcasting masses[:, None] * R and jnp.sum over
    # the atoms.
    # HINT: jnp.sum(m[:, None] * R, axis=0) / ...
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    m = jnp.asarray(masses, dtype=jnp.float64)
    return jnp.sum(m[:, None] * R, axis=0) / jnp.sum(m)
    # END SOLUTION


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
    # HINT: Sum over atoms of m_i (|x_i|² 1 - x_i x_iᵀ), with x_i measured from the centre of mass.
    # HINT: Chapter 5, "The rigid-body modes"; jnp.einsum("i,ia,ib->ab", m, x, x) is Σ_i m_i x_i
    # x_iᵀ.
    # HINT: x = R - center_of_mass(R, m); then jnp.sum(m * r2) * jnp.eye(3) - ...
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    m = jnp.asarray(masses, dtype=jnp.float64)
    x = R - center_of_mass(R, m)
    r2 = jnp.sum(x * x, axis=1)
    return jnp.sum(m * r2) * jnp.eye(3) - jnp.einsum("i,ia,ib->ab", m, x, x)
    # END SOLUTION


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
    # HINT: Write down the three mass-weighted translations and three rotations as vectors, then
    # orthonormalise them and keep only the directions that do not vanish (a linear molecule loses
    # one rotation).
    # HINT: Chapter 5, "The rigid-body modes" and "Linear molecules"; jnp.cross for e_a × x_i;
    # jnp.linalg.svd(A, full_matrices=False) orthonormalises the columns of A; decide the rank with
    # concrete values (outside jit).
    # HINT: U, s, _ = jnp.linalg.svd(A, full_matrices=False); keep the columns of U with s >
    # RANK_TOL * s[0].
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    m = jnp.asarray(masses, dtype=jnp.float64)
    sqrt_m = jnp.sqrt(m)[:, None]
    x = R - center_of_mass(R, m)
    columns = []
    for a in range(3):
        e = jnp.zeros(3).at[a].set(1.0)
        columns.append((sqrt_m * jnp.broadcast_to(e, x.shape)).reshape(-1))
    for a in range(3):
        e = jnp.zeros(3).at[a].set(1.0)
        columns.append((sqrt_m * jnp.cross(jnp.broadcast_to(e, x.shape), x)).reshape(-1))
    A = jnp.stack(columns, axis=1)
    U, s, _ = jnp.linalg.svd(A, full_matrices=False)
    rank = int(jnp.sum(s > RANK_TOL * s[0]))
    return U[:, :rank]
    # END SOLUTION


def project_out(H_mw, D):
    """Remove the motions D from a mass-weighted Hessian: P H_mw P with P = 1 - D Dᵀ.

    Args:
        H_mw: mass-weighted Hessian, shape (3N, 3N), kcal/mol/Å²/amu.
        D: orthonormal columns, shape (3N, n).

    Returns:
        P H_mw P, shape (3N, 3N), float64, symmetric, with (P H_mw P) D = 0.
    """
    # HINT: A projector P = 1 - D Dᵀ removes the directions D; apply it on both sides so the result
    # stays symmetric.
    # HINT: Chapter 5, "The rigid-body modes"; jnp.eye and matrix products with @.
    # HINT: P = jnp.eye(H_mw.shape[0]) - D @ D.T; then P @ H_mw @ ...
    # BEGIN SOLUTION
    H_mw = jnp.asarray(H_mw, dtype=jnp.float64)
    D = jnp.asarray(D, dtype=jnp.float64)
    P = jnp.eye(H_mw.shape[0]) - D @ D.T
    return P @ H_mw @ P
    # END SOLUTION


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
    # HINT: Restrict the mass-weighted Hessian to the space orthogonal to the rigid-body motions
    # and diagonalise it there.
    # HINT: Chapter 5, "The rigid-body modes"; jnp.linalg.qr(D, mode="complete") gives an
    # orthonormal basis whose last columns span the complement of D; jnp.linalg.eigvalsh.
    # HINT: Q, _ = jnp.linalg.qr(D, mode="complete"); B = Q[:, n:]; the eigenvalues of B.T @ H_mw @
    # B.
    # BEGIN SOLUTION
    H = jnp.asarray(H, dtype=jnp.float64)
    m3 = jnp.repeat(jnp.asarray(masses, dtype=jnp.float64), 3)
    H_mw = H / jnp.sqrt(m3[:, None] * m3[None, :])
    D = rigid_body_basis(R, masses)
    Q, _ = jnp.linalg.qr(D, mode="complete")
    B = Q[:, D.shape[1] :]
    lam = jnp.linalg.eigvalsh(B.T @ H_mw @ B)
    return WAVENUMBER_PER_SQRT_EIGENVALUE * jnp.sign(lam) * jnp.sqrt(jnp.abs(lam))
    # END SOLUTION
