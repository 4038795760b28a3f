"""Visible tests of exercise set 08: GNM (Kirchhoff, fluctuations, B-factors) and ANM."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jaxnm_exercises import catalog, checks
from jaxnm_exercises import strategies as S

import jaxnm_course as nm
from jaxnm_course import enm, load_structure
from jaxnm_course.grading.target import load

ex = load("ex08_proteins")

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


# ---- the anisotropic network model (ANM)
N_ANM = S.N_ATOMS  # atoms of the ANM property tests (N above is ubiquitin's)
shifts = (
    st.lists(st.floats(-0.6, 0.6), min_size=3 * N_ANM, max_size=3 * N_ANM)
    .map(lambda v: np.reshape(v, (N_ANM, 3)))
    .filter(lambda d: np.linalg.norm(d) > 0.1)
)
P = 6  # contacts per example: fixed, so that JAX compiles once


def cutoff_for(R0, p=P):
    """A cutoff between the p-th and (p+1)-th shortest distance: p contacts (unless tied)."""
    d = np.sort(np.linalg.norm(R0[:, None] - R0[None], axis=-1)[np.triu_indices(len(R0), 1)])
    while p < len(d) - 1 and d[p] - d[p - 1] < 1e-3:
        p += 1
    return float(0.5 * (d[p - 1] + d[p]))


def reference_hessian(R0, cutoff, gamma):
    """Autodiff of the whole ANM energy at R0 (the library; shares no code with the blocks)."""
    energy = catalog.energy("anm", R0=R0, cutoff=cutoff, gamma=gamma)
    return np.asarray(nm.hessian(energy, R0))


def hessian(fn, R0, cutoff, gamma):
    H = getattr(ex, fn)(R0, cutoff, gamma)
    return checks.as_array(
        H, f"{fn}(R0, cutoff, gamma)", (3 * N_ANM, 3 * N_ANM), hint="(3N, 3N), atom-major"
    )


@pytest.mark.points(1)
@given(R=S.positions())
def test_contacts(R):
    cutoff = cutoff_for(R)
    got = checks.as_array(ex.contacts(R, cutoff), "contacts(R0, cutoff)", float64=False)
    expected = [
        (i, j)
        for i in range(N_ANM)
        for j in range(i + 1, N_ANM)
        if np.linalg.norm(R[j] - R[i]) <= cutoff
    ]
    assert sorted(map(tuple, got.reshape(-1, 2).tolist())) == expected, (
        f"contacts: expected {expected}, got {got.tolist()}"
    )


@pytest.mark.points(1)
@given(R=S.positions(), gamma=gammas)
def test_super_element(R, gamma):
    block = checks.as_array(
        ex.super_element(R[0], R[1], gamma), "super_element(ri, rj, gamma)", (3, 3)
    )
    d = R[1] - R[0]
    checks.close(
        block, -gamma * np.outer(d, d) / d.dot(d), "-γ d dᵀ / |d|²", rtol=1e-12, atol=1e-14
    )


@pytest.mark.points(3)
@given(R=S.positions(), gamma=gammas)
def test_anm_hessian_matches_autodiff_of_the_energy(R, gamma):
    cutoff = cutoff_for(R)
    H = hessian("anm_hessian", R, cutoff, gamma)
    checks.close(H, reference_hessian(R, cutoff, gamma), "ANM Hessian", atol=1e-10)


@pytest.mark.points(2)
@given(R=S.positions(), Q=S.rotations(), t=S.translations())
def test_anm_hessian_symmetric_zero_sums_six_zero_modes_and_equivariant(R, Q, t):
    cutoff = 1e3  # every pair: a rigid network
    H = hessian("anm_hessian", R, cutoff, 1.0)
    checks.close(H, H.T, "H vs Hᵀ", atol=1e-12)
    checks.close(
        H.reshape(N_ANM, 3, N_ANM, 3).sum(2), np.zeros((N_ANM, 3, 3)), "block row sums", atol=1e-12
    )
    lam = np.linalg.eigvalsh(H)
    assert np.sum(np.abs(lam) < 1e-8) == 6, f"expected 6 zero eigenvalues, got {lam[:8]}"
    B = np.kron(np.eye(N_ANM), Q)
    moved = hessian("anm_hessian", R @ Q.T + t, cutoff, 1.0)
    checks.close(moved, B @ H @ B.T, "H of the rotated structure vs Q H Qᵀ", atol=1e-10)
    # the values too (a property test alone rewards a wrong matrix with the right symmetries)
    checks.close(H, reference_hessian(R, cutoff, 1.0), "ANM Hessian", atol=1e-10)


@pytest.mark.points(3)
@given(R0=S.positions(), dR=shifts, gamma=gammas)
def test_anm_energy_of_a_deformed_structure(R0, dR, gamma):
    cutoff = cutoff_for(R0)
    R = R0 + dR
    E = checks.as_float(ex.anm_energy(R, R0, cutoff, gamma), "anm_energy(R, R0, cutoff, gamma)")
    expected = float(catalog.energy("anm", R0=R0, cutoff=cutoff, gamma=gamma)(R))
    checks.close(E, expected, "ANM energy (contacts of R0)", rtol=1e-10, atol=1e-12)


@pytest.mark.points(3)
@given(R=S.positions(), gamma=gammas)
def test_anm_hessian_autodiff_per_contact(R, gamma):
    cutoff = cutoff_for(R)
    H = hessian("anm_hessian_autodiff", R, cutoff, gamma)
    checks.close(
        H, reference_hessian(R, cutoff, gamma), "per-contact autodiff Hessian", atol=1e-10
    )


@pytest.mark.points(2)
@given(V=S.positions(n=2 * N_ANM).map(lambda x: x.reshape(3 * N_ANM, 2) - 2.0), dR=shifts)
def test_overlaps(V, dR):
    o = checks.as_array(ex.overlaps(V, dR), "overlaps(vectors, dR)", (2,))
    d = dR.reshape(-1)
    expected = np.abs(V.T @ d) / np.linalg.norm(V, axis=0) / np.linalg.norm(d)
    checks.close(o, expected, "|v · d| / (|v| |d|)", rtol=1e-10)


@pytest.mark.points(2)
@settings(max_examples=3)
@given(gamma=gammas)
def test_anm_hessian_of_ubiquitin_matches_the_enm_library(gamma):
    cutoff = 15.0  # ProDy's default; one contact list, so JAX compiles once
    H = checks.as_array(
        ex.anm_hessian(UBI, cutoff, gamma), "anm_hessian(1UBI)", (3 * len(UBI),) * 2
    )
    ref = np.asarray(enm.anm_hessian(UBI, cutoff, gamma))
    checks.close(H, ref, "ANM Hessian of 1UBI vs jaxnm_course.enm.anm_hessian", atol=1e-12)
    pairs = enm.contact_pairs(UBI, cutoff)[:3]
    for (i, j), block in zip(
        pairs, np.asarray(enm.anm_super_elements(UBI, pairs, gamma)), strict=True
    ):
        got = checks.as_array(ex.super_element(UBI[i], UBI[j], gamma), "super_element", (3, 3))
        checks.close(got, block, f"super-element ({i}, {j}) vs enm.anm_super_elements", atol=1e-14)
