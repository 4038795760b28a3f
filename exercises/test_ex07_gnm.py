"""Visible tests of exercise set 07: the Gaussian network model (Kirchhoff, fluctuations)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jaxnm_exercises import checks
from jaxnm_exercises import strategies as S

from jaxnm_course import enm, load_structure
from jaxnm_course.grading.target import load

ex = load("ex07_gnm")

UBI = np.asarray(load_structure("1UBI").R)  # ubiquitin Cα, 76 residues (bundled)
N = len(UBI)
cutoffs = st.floats(7.0, 12.0)
gammas = st.floats(0.5, 2.0)
temperatures = st.floats(0.1, 1.0)  # kT, kcal/mol


def hand_kirchhoff(R, cutoff, gamma):
    """Γ by explicit loops (independent of any vectorised code)."""
    n = len(R)
    G = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j and np.linalg.norm(R[i] - R[j]) <= cutoff:
                G[i, j] = -gamma
        G[i, i] = -G[i].sum()
    return G


def kirchhoff(R, cutoff, gamma):
    return checks.as_array(
        ex.kirchhoff(R, cutoff, gamma), "kirchhoff(R, cutoff, gamma)", (len(R), len(R))
    )


@pytest.mark.points(3)
@given(cutoff=cutoffs, gamma=gammas)
def test_kirchhoff_of_ubiquitin(cutoff, gamma):
    G = kirchhoff(UBI, cutoff, gamma)
    checks.close(G, hand_kirchhoff(UBI, cutoff, gamma), "Kirchhoff matrix", rtol=1e-12)


@pytest.mark.points(2)
@given(R=S.positions(), cutoff=st.floats(2.5, 6.0), Q=S.rotations(), t=S.translations())
def test_kirchhoff_is_symmetric_with_zero_row_sums_and_invariant(R, cutoff, Q, t):
    G = kirchhoff(R, cutoff, 1.0)
    checks.close(G, G.T, "Γ vs Γᵀ", atol=0.0)
    checks.close(G.sum(1), np.zeros(len(R)), "row sums of Γ", atol=1e-12)
    checks.close(kirchhoff(R @ Q.T + t, cutoff, 1.0), G, "Γ of the moved structure", atol=0.0)
    # Γ = 0 has every property above: the values must also be the contacts'
    checks.close(G, hand_kirchhoff(R, cutoff, 1.0), "Kirchhoff matrix", rtol=1e-12)


@pytest.mark.points(1)
@given(R=S.positions(), gamma=gammas)
def test_complete_graph(R, gamma):
    n = len(R)
    G = kirchhoff(R, 1e3, gamma)
    checks.close(G, gamma * (n * np.eye(n) - np.ones((n, n))), "Γ = γ (N 1 - J)", rtol=1e-12)
    modes = ex.gnm_modes(G)
    lam = checks.as_array(
        checks.field(modes, "eigenvalues", "gnm_modes"), "gnm_modes.eigenvalues", (n - 1,)
    )
    checks.close(
        lam, np.full(n - 1, n * gamma), "non-zero eigenvalues N γ of a complete graph", rtol=1e-10
    )


@pytest.mark.points(2)
@given(cutoff=cutoffs)
def test_gnm_modes_of_ubiquitin(cutoff):
    G = hand_kirchhoff(UBI, cutoff, 1.0)
    modes = ex.gnm_modes(G)
    lam = checks.as_array(
        checks.field(modes, "eigenvalues", "gnm_modes"), "gnm_modes.eigenvalues", (N - 1,)
    )
    U = checks.as_array(
        checks.field(modes, "vectors", "gnm_modes"), "gnm_modes.vectors", (N, N - 1)
    )
    checks.close(lam, np.linalg.eigvalsh(G)[1:], "the N - 1 non-zero eigenvalues", rtol=1e-9)
    checks.close(U.T @ U, np.eye(N - 1), "orthonormal vectors", atol=1e-9)
    checks.close(G @ U, U * lam[None, :], "Γ u = λ u", atol=1e-8)


@pytest.mark.points(3)
@given(cutoff=cutoffs, gamma=gammas, kT=temperatures)
def test_mean_square_fluctuations(cutoff, gamma, kT):
    G = hand_kirchhoff(UBI, cutoff, gamma)
    msf = checks.as_array(ex.mean_square_fluctuations(G, kT), "mean_square_fluctuations", (N,))
    checks.close(msf, 3 * kT * np.diag(np.linalg.pinv(G)), "<ΔR²> = 3 kT Γ⁺_ii", rtol=1e-8)


@pytest.mark.points(2)
@given(cutoff=cutoffs, kT=temperatures)
def test_b_factors(cutoff, kT):
    G = hand_kirchhoff(UBI, cutoff, 1.0)
    B = checks.as_array(ex.b_factors(G, kT), "b_factors(Gamma, kT)", (N,))
    checks.close(B, 8 * np.pi**2 * kT * np.diag(np.linalg.pinv(G)), "B = 8π²/3 <ΔR²>", rtol=1e-8)


@pytest.mark.points(2)
@given(cutoff=cutoffs)
def test_cross_correlations(cutoff):
    G = hand_kirchhoff(UBI, cutoff, 1.0)
    C = checks.as_array(ex.cross_correlations(G), "cross_correlations(Gamma)", (N, N))
    p = np.linalg.pinv(G)
    d = np.sqrt(np.diag(p))
    checks.close(C, p / np.outer(d, d), "C_ij = Γ⁺_ij / sqrt(Γ⁺_ii Γ⁺_jj)", atol=1e-9)


@pytest.mark.points(1)
@settings(max_examples=5)
@given(cutoff=cutoffs, gamma=gammas)
def test_kirchhoff_matches_the_enm_library(cutoff, gamma):
    G = kirchhoff(UBI, cutoff, gamma)
    checks.close(
        G, np.asarray(enm.gnm_kirchhoff(UBI, cutoff, gamma)), "Γ vs jaxnm_course.enm", atol=1e-12
    )
