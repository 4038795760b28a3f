# Exercise set ex07: replace each `raise NotImplementedError` (test: pytest exercises -m ex07).
r"""Exercise set 07: the Gaussian network model (GNM) of a protein.

Each residue is a node at its Cα position; residues closer than a cutoff r_c (≈ 7-10 Å)
are joined by identical springs γ. The isotropic fluctuations are governed by the
Kirchhoff (connectivity) matrix

.. math:: \Gamma_{ij} = \begin{cases} -\gamma & i \ne j,\ r_{ij} \le r_c \\
          0 & i \ne j,\ r_{ij} > r_c \\ -\sum_{k \ne i} \Gamma_{ik} & i = j \end{cases}

which has one zero eigenvalue (uniform translation) for a connected network. With its
pseudo-inverse Γ⁺ (the inverse over the non-zero modes only), the mean-square fluctuation
of residue i and the crystallographic B-factor are

.. math:: \langle \Delta R_i^2 \rangle = 3 k_B T\, [\Gamma^+]_{ii}, \qquad
          B_i = \frac{8\pi^2}{3} \langle \Delta R_i^2 \rangle,

and the normalised cross-correlation is C_ij = Γ⁺_ij / sqrt(Γ⁺_ii Γ⁺_jj).

Units: Å, γ in kcal/mol/Å², kT in kcal/mol, fluctuations in Å², B in Å².
Run ``pytest exercises -m ex07``.
Reference: I. Bahar, A. R. Atilgan, B. Erman, "Direct evaluation of thermal fluctuations
in proteins using a single-parameter harmonic potential", Fold. Des. 2, 173 (1997);
T. Haliloglu, I. Bahar, B. Erman, Phys. Rev. Lett. 79, 3090 (1997).
"""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp

__all__ = [
    "GNMModes",
    "b_factors",
    "cross_correlations",
    "gnm_modes",
    "kirchhoff",
    "mean_square_fluctuations",
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
    # HINT: compute all distances with broadcasting; exclude i == j from the contacts.
    raise NotImplementedError("ex07: kirchhoff not implemented yet")


def gnm_modes(Gamma):
    """The N - 1 non-zero modes of Γ (the zero translation mode dropped).

    Args:
        Gamma: Kirchhoff matrix, shape (N, N), of a connected network.

    Returns:
        :class:`GNMModes` with eigenvalues (N - 1,) ascending and vectors (N, N - 1).
    """
    raise NotImplementedError("ex07: gnm_modes not implemented yet")


def mean_square_fluctuations(Gamma, kT):
    """<ΔR_i²> = 3 kT [Γ⁺]_ii, with Γ⁺ the pseudo-inverse over the non-zero modes.

    Args:
        Gamma: Kirchhoff matrix, shape (N, N), kcal/mol/Å², connected network.
        kT: thermal energy, kcal/mol.

    Returns:
        <ΔR_i²>, shape (N,), float64, Å².
    """
    # HINT: Γ⁺ = Σ_k u_k u_kᵀ / λ_k over the non-zero modes (gnm_modes).
    raise NotImplementedError("ex07: mean_square_fluctuations not implemented yet")


def b_factors(Gamma, kT):
    """Isotropic B-factors B_i = 8π²/3 <ΔR_i²>.

    Args:
        Gamma: Kirchhoff matrix, shape (N, N), kcal/mol/Å².
        kT: thermal energy, kcal/mol.

    Returns:
        B, shape (N,), float64, Å².
    """
    raise NotImplementedError("ex07: b_factors not implemented yet")


def cross_correlations(Gamma):
    """Normalised cross-correlations C_ij = Γ⁺_ij / sqrt(Γ⁺_ii Γ⁺_jj).

    Args:
        Gamma: Kirchhoff matrix, shape (N, N), connected network.

    Returns:
        C, shape (N, N), float64, in [-1, 1] with ones on the diagonal.
    """
    raise NotImplementedError("ex07: cross_correlations not implemented yet")
