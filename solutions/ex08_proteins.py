r"""Exercise set 08: elastic network models of proteins (GNM and ANM).

**The Gaussian network model (GNM).** Each residue is a node at its Cα position; residues
closer than a cutoff r_c (≈ 7-10 Å) are joined by identical springs γ. The isotropic
fluctuations are governed by the Kirchhoff (connectivity) matrix

.. math:: \Gamma_{ij} = \begin{cases} -\gamma & i \ne j,\ r_{ij} \le r_c \\
          0 & i \ne j,\ r_{ij} > r_c \\ -\sum_{k \ne i} \Gamma_{ik} & i = j \end{cases}

which has one zero eigenvalue (uniform translation) for a connected network. With its
pseudo-inverse Γ⁺ (the inverse over the non-zero modes only), the mean-square fluctuation
of residue i and the crystallographic B-factor are

.. math:: \langle \Delta R_i^2 \rangle = 3 k_B T\, [\Gamma^+]_{ii}, \qquad
          B_i = \frac{8\pi^2}{3} \langle \Delta R_i^2 \rangle,

and the normalised cross-correlation is C_ij = Γ⁺_ij / sqrt(Γ⁺_ii Γ⁺_jj).

Units: Å, γ in kcal/mol/Å², kT in kcal/mol, fluctuations in Å², B in Å².
Reference: I. Bahar, A. R. Atilgan, B. Erman, "Direct evaluation of thermal fluctuations
in proteins using a single-parameter harmonic potential", Fold. Des. 2, 173 (1997);
T. Haliloglu, I. Bahar, B. Erman, Phys. Rev. Lett. 79, 3090 (1997).

**The anisotropic network model (ANM).** Residues within a cutoff r_c of each other *in the
reference structure* R0 are joined by springs γ whose rest lengths are their reference
distances:

.. math:: E(R) = \sum_{(i,j):\ |r^0_{ij}| \le r_c} \frac{\gamma}{2}
          \left(|r_{ij}| - |r^0_{ij}|\right)^2, \qquad r_{ij} = r_j - r_i .

The contact list is fixed by R0 (not by the current R). At R = R0 the Hessian is built
from 3x3 *super-elements*: for each contact

.. math:: H_{ij} = -\frac{\gamma}{|r^0_{ij}|^2}\, r^0_{ij} (r^0_{ij})^T \quad (i \ne j),
          \qquad H_{ii} = -\sum_{j \ne i} H_{ij},

which is also what autodiff gives for the energy above, one contact (a 6x6 block) at a
time. The slowest modes of the ANM often describe a protein's functional motion: the
overlap |v_k · d| / (|v_k| |d|) of mode k with the displacement d between two
conformations (e.g. adenylate kinase, 4AKE -> 1AKE) measures how well it does.

Index lists (contacts) fix array shapes: build them with NumPy outside ``jit``.
Units: Å, γ in kcal/mol/Å². Run ``pytest exercises -m ex08``.
Reference: A. R. Atilgan et al., "Anisotropy of fluctuation dynamics of proteins with an
elastic network model", Biophys. J. 80, 505 (2001); F. Tama, Y.-H. Sanejouand,
"Conformational change of proteins arising from normal mode calculations", Protein Eng.
14, 1 (2001).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "GNMModes",
    "anm_energy",
    "anm_hessian",
    "anm_hessian_autodiff",
    "b_factors",
    "contacts",
    "cross_correlations",
    "gnm_modes",
    "kirchhoff",
    "mean_square_fluctuations",
    "overlaps",
    "super_element",
]


class GNMModes(NamedTuple):
    """The non-zero GNM modes, ascending.

    Attributes:
        eigenvalues: shape (N - 1,), kcal/mol/Å² (units of γ).
        vectors: shape (N, N - 1), orthonormal columns.
    """

    eigenvalues: jnp.ndarray
    vectors: jnp.ndarray


def kirchhoff(R, cutoff, gamma):
    """The Kirchhoff matrix Γ of the contact network (pairs with r_ij <= cutoff).

    Args:
        R: Cα coordinates, shape (N, 3), Å.
        cutoff: r_c, Å.
        gamma: spring constant γ, kcal/mol/Å².

    Returns:
        Γ, shape (N, N), float64, kcal/mol/Å²: symmetric, rows sum to zero.
    """
    # HINT: Off the diagonal, -γ for every pair closer than the cutoff; on the diagonal, minus the
    # sum of the row (the number of contacts times γ).
    # HINT: Chapter 8, "GNM: the Kirchhoff matrix, by hand"; all distances at once by broadcasting
    # R[:, None, :] - R[None, :, :]; exclude i == j with jnp.eye(n, dtype=bool).
    # HINT: contact = (d <= cutoff) & ~jnp.eye(n, dtype=bool); off = -gamma * contact; then the
    # diagonal.
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    d = jnp.sqrt(jnp.sum((R[:, None, :] - R[None, :, :]) ** 2, axis=-1))
    n = R.shape[0]
    contact = (d <= cutoff) & ~jnp.eye(n, dtype=bool)
    off = -gamma * contact.astype(jnp.float64)
    return off - jnp.diag(jnp.sum(off, axis=1))
    # END SOLUTION


def gnm_modes(Gamma):
    """The N - 1 non-zero modes of Γ (the zero translation mode dropped).

    Args:
        Gamma: Kirchhoff matrix, shape (N, N), of a connected network.

    Returns:
        :class:`GNMModes` with eigenvalues (N - 1,) ascending and vectors (N, N - 1).
    """
    # HINT: Diagonalise Γ; the first eigenvalue (the uniform translation) is zero: drop it.
    # HINT: Chapter 8, "GNM: the Kirchhoff matrix, by hand"; jnp.linalg.eigh (ascending,
    # eigenvectors as columns).
    # HINT: lam, U = jnp.linalg.eigh(...); then slice off the first eigenpair.
    # BEGIN SOLUTION
    lam, U = jnp.linalg.eigh(jnp.asarray(Gamma, dtype=jnp.float64))
    return GNMModes(eigenvalues=lam[1:], vectors=U[:, 1:])
    # END SOLUTION


def mean_square_fluctuations(Gamma, kT):
    """<ΔR_i²> = 3 kT [Γ⁺]_ii, with Γ⁺ the pseudo-inverse over the non-zero modes.

    Args:
        Gamma: Kirchhoff matrix, shape (N, N), kcal/mol/Å², connected network.
        kT: thermal energy, kcal/mol.

    Returns:
        <ΔR_i²>, shape (N,), float64, Å².
    """
    # HINT: The fluctuations are 3 kT times the diagonal of the pseudo-inverse, a sum over the
    # non-zero modes.
    # HINT: Chapter 8, "Ubiquitin B-factors vs experiment"; [Γ⁺]_ii = Σ_k u_ik² / λ_k with the
    # modes of gnm_modes (broadcast, then jnp.sum over k).
    # HINT: jnp.sum(modes.vectors**2 / modes.eigenvalues[None, :], axis=1)
    # BEGIN SOLUTION
    modes = gnm_modes(Gamma)
    pinv_diag = jnp.sum(modes.vectors**2 / modes.eigenvalues[None, :], axis=1)
    return 3.0 * kT * pinv_diag
    # END SOLUTION


def b_factors(Gamma, kT):
    """Isotropic B-factors B_i = 8π²/3 <ΔR_i²>.

    Args:
        Gamma: Kirchhoff matrix, shape (N, N), kcal/mol/Å².
        kT: thermal energy, kcal/mol.

    Returns:
        B, shape (N,), float64, Å².
    """
    # HINT: B-factors are the mean-square fluctuations times a constant.
    # HINT: Chapter 8, "Ubiquitin B-factors vs experiment": B = 8π²/3 ⟨ΔR²⟩.
    # HINT: 8.0 * jnp.pi**2 / 3.0 * ...
    # BEGIN SOLUTION
    return 8.0 * jnp.pi**2 / 3.0 * mean_square_fluctuations(Gamma, kT)
    # END SOLUTION


def cross_correlations(Gamma):
    """Normalised cross-correlations C_ij = Γ⁺_ij / sqrt(Γ⁺_ii Γ⁺_jj).

    Args:
        Gamma: Kirchhoff matrix, shape (N, N), connected network.

    Returns:
        C, shape (N, N), float64, in [-1, 1] with ones on the diagonal.
    """
    # HINT: Build the whole pseudo-inverse from the non-zero modes, then normalise by the square
    # roots of its diagonal.
    # HINT: Chapter 8, "The cross-correlation map"; Γ⁺ = U diag(1/λ) Uᵀ with the modes of
    # gnm_modes; broadcasting d[:, None] * d[None, :].
    # HINT: pinv = (modes.vectors / modes.eigenvalues[None, :]) @ modes.vectors.T
    # BEGIN SOLUTION
    modes = gnm_modes(Gamma)
    pinv = (modes.vectors / modes.eigenvalues[None, :]) @ modes.vectors.T
    d = jnp.sqrt(jnp.diag(pinv))
    return pinv / (d[:, None] * d[None, :])
    # END SOLUTION


def contacts(R0, cutoff):
    """The contact list: pairs (i, j), i < j, with |r0_j - r0_i| <= cutoff.

    Args:
        R0: reference coordinates, shape (N, 3), Å.
        cutoff: r_c, Å.

    Returns:
        Integer array of shape (P, 2) (NumPy), rows in row-major order of (i, j).
    """
    # HINT: List every pair i < j once and keep those within the cutoff in the reference structure;
    # this is NumPy work (it fixes shapes).
    # HINT: Chapter 8, "ANM: anisotropic modes"; np.triu_indices(len(R0), 1) and a boolean mask.
    # HINT: i, j = np.triu_indices(len(R0), 1); then keep the pairs whose distance
    # np.linalg.norm(..., axis=-1) is at most the cutoff.
    # BEGIN SOLUTION
    R0 = np.asarray(R0, dtype=np.float64)
    i, j = np.triu_indices(len(R0), 1)
    keep = np.linalg.norm(R0[j] - R0[i], axis=-1) <= cutoff
    return np.stack([i[keep], j[keep]], axis=1)
    # END SOLUTION


def super_element(ri, rj, gamma):
    r"""The off-diagonal 3x3 block H_ij = -γ d dᵀ / |d|² with d = r_j - r_i.

    Args:
        ri: position of residue i, shape (3,), Å.
        rj: position of residue j, shape (3,), Å.
        gamma: spring constant, kcal/mol/Å².

    Returns:
        H_ij, shape (3, 3), float64, kcal/mol/Å².
    """
    # HINT: The off-diagonal block of one contact is -γ times the projector onto the contact's
    # direction.
    # HINT: Chapter 8, "ANM: anisotropic modes"; jnp.outer(d, d) / jnp.dot(d, d) with d = rj - ri.
    # HINT: -gamma * jnp.outer(d, d) / ...
    # BEGIN SOLUTION
    d = jnp.asarray(rj, dtype=jnp.float64) - jnp.asarray(ri, dtype=jnp.float64)
    return -gamma * jnp.outer(d, d) / jnp.dot(d, d)
    # END SOLUTION


def anm_hessian(R0, cutoff, gamma):
    """The ANM Hessian at the reference structure, assembled from super-elements.

    Args:
        R0: coordinates, shape (N, 3), Å.
        cutoff: r_c, Å.
        gamma: spring constant, kcal/mol/Å².

    Returns:
        H, shape (3N, 3N), float64, kcal/mol/Å², atom-major; each row of 3x3 blocks sums
        to zero.
    """
    # HINT: Every contact (i, j) adds its super-element to blocks (i, j) and (j, i) and subtracts
    # it from the diagonal blocks (i, i) and (j, j).
    # HINT: Chapter 8, "ANM: anisotropic modes"; jax.vmap(super_element) over the contacts; scatter
    # into H of shape (n, 3, n, 3) with H.at[i, :, j, :].add(blocks) (Chapter 3's index arrays);
    # reshape at the end.
    # HINT: H = jnp.zeros((n, 3, n, 3)); H = H.at[i, :, j, :].add(blocks); ... then H.reshape(3 *
    # n, 3 * n)
    # BEGIN SOLUTION
    R0 = jnp.asarray(R0, dtype=jnp.float64)
    n = R0.shape[0]
    pairs = contacts(np.asarray(R0), cutoff)
    blocks = jax.vmap(super_element, in_axes=(0, 0, None))(R0[pairs[:, 0]], R0[pairs[:, 1]], gamma)
    H = jnp.zeros((n, 3, n, 3))
    i, j = pairs[:, 0], pairs[:, 1]
    H = H.at[i, :, j, :].add(blocks)
    H = H.at[j, :, i, :].add(jnp.swapaxes(blocks, 1, 2))
    H = H.at[i, :, i, :].add(-blocks)
    H = H.at[j, :, j, :].add(-blocks)
    return H.reshape(3 * n, 3 * n)
    # END SOLUTION


def anm_energy(R, R0, cutoff, gamma):
    """The ANM energy of a deformed structure R (contacts and rest lengths from R0).

    Args:
        R: current coordinates, shape (N, 3), Å.
        R0: reference coordinates, shape (N, 3), Å.
        cutoff: r_c, Å (applied to the *reference* distances).
        gamma: spring constant, kcal/mol/Å².

    Returns:
        E, float64 scalar, kcal/mol (0 at R = R0).
    """
    # HINT: Springs on the reference contacts, rest lengths the reference distances: only the
    # current distances depend on R.
    # HINT: Chapter 8, "ANM: anisotropic modes"; contacts(R0, cutoff) gives the pairs; gather with
    # index arrays.
    # HINT: d0 from R0 (NumPy), d from R (jnp), then jnp.sum(0.5 * gamma * (d - d0) ** 2).
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    R0 = np.asarray(R0, dtype=np.float64)
    pairs = contacts(R0, cutoff)
    d0 = np.linalg.norm(R0[pairs[:, 1]] - R0[pairs[:, 0]], axis=-1)
    d = jnp.linalg.norm(R[pairs[:, 1]] - R[pairs[:, 0]], axis=-1)
    return jnp.sum(0.5 * gamma * (d - d0) ** 2)
    # END SOLUTION


def anm_hessian_autodiff(R0, cutoff, gamma):
    """The ANM Hessian at R0 from autodiff, one contact at a time (6x6 blocks).

    For each contact, ``jax.hessian`` of the pair energy γ/2 (|r_j - r_i| - r0)² with
    respect to the six coordinates (r_i, r_j) gives a 6x6 block; add it into H at the rows
    and columns of atoms i and j. This scales to thousands of residues, unlike
    ``jax.hessian`` of the whole energy.

    Args:
        R0: coordinates, shape (N, 3), Å.
        cutoff: r_c, Å.
        gamma: spring constant, kcal/mol/Å².

    Returns:
        H, shape (3N, 3N), float64, kcal/mol/Å²; equal to :func:`anm_hessian`.
    """
    # HINT: Differentiate the energy of one contact (two atoms, a 6 × 6 Hessian) for all contacts
    # at once, then scatter the blocks into the big matrix.
    # HINT: Chapter 8, "ANM: anisotropic modes" and Chapter 4; jax.vmap(jax.hessian(pair_energy))
    # over the contacts gives shape (P, 2, 3, 2, 3); H.at[...].add scatters.
    # HINT: def pair_energy(x, length): a harmonic spring, gamma / 2 times the squared
    # stretch of |x[1] - x[0]| beyond length.
    # BEGIN SOLUTION
    R0 = jnp.asarray(R0, dtype=jnp.float64)
    n = R0.shape[0]
    pairs = contacts(np.asarray(R0), cutoff)
    X = jnp.stack([R0[pairs[:, 0]], R0[pairs[:, 1]]], axis=1)  # (P, 2, 3)
    r0 = jnp.linalg.norm(X[:, 1] - X[:, 0], axis=-1)

    def pair_energy(x, length):
        return 0.5 * gamma * (jnp.linalg.norm(x[1] - x[0]) - length) ** 2

    blocks = jax.vmap(jax.hessian(pair_energy))(X, r0)  # (P, 2, 3, 2, 3)
    H = jnp.zeros((n, 3, n, 3))
    for a in range(2):
        for b in range(2):
            H = H.at[pairs[:, a], :, pairs[:, b], :].add(blocks[:, a, :, b, :])
    return H.reshape(3 * n, 3 * n)
    # END SOLUTION


def overlaps(vectors, dR):
    """Overlap of each mode with a displacement: |v_k · d| / (|v_k| |d|).

    Args:
        vectors: modes as columns, shape (3N, M), atom-major.
        dR: displacement between two conformations, shape (N, 3), Å.

    Returns:
        Overlaps, shape (M,), float64, in [0, 1].
    """
    # HINT: The overlap is |cos| of the angle between each mode and the displacement.
    # HINT: Chapter 8, "Adenylate kinase: do the slow modes predict the conformational change?";
    # V.T @ d for all modes at once; jnp.linalg.norm(V, axis=0).
    # HINT: jnp.abs(V.T @ d) / (...)
    # BEGIN SOLUTION
    V = jnp.asarray(vectors, dtype=jnp.float64)
    d = jnp.asarray(dR, dtype=jnp.float64).reshape(-1)
    return jnp.abs(V.T @ d) / (jnp.linalg.norm(V, axis=0) * jnp.linalg.norm(d))
    # END SOLUTION
