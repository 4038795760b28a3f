"""Visible tests of exercise set 08: GNM (Kirchhoff, fluctuations, B-factors) and ANM."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
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
    # off-diagonal entries are -γ or 0 exactly; a diagonal is a sum of ≤ 39 copies of γ,
    # ≤ 39 ε relative whatever the order: rtol 1e-12 (margin 200). (A PDB distance equal
    # to a drawn cutoff to the last bit, where two right codes could disagree, has odds
    # ~1e-5 per draw: Cα coordinates have 3 decimals, squared distances a 1e-6 grid.)
    checks.close(G, hand_kirchhoff(UBI, cutoff, gamma), "Kirchhoff matrix", rtol=1e-12)


@pytest.mark.points(2)
@given(R=S.positions(), cutoff=st.floats(2.5, 6.0), Q=S.rotations(), t=S.translations())
def test_kirchhoff_is_symmetric_with_zero_row_sums_and_invariant(R, cutoff, Q, t):
    # A contact is a yes/no decision: a pair within rounding of the cutoff is either, and
    # moving the structure (coordinates rounded to ε·25 Å) can flip it. Hypothesis does draw
    # such pairs: grid points with zero jitter have exact distances 4 and 6 Å, and 4.0 and
    # 6.0 are favourite cutoffs (a right kirchhoff failed 134 of 400 such moves). Those
    # draws test nothing but rounding: they are skipped (|r - cutoff| ≤ 1e-9 Å, far above
    # the ~1e-14 Å by which a move shifts a distance).
    d = np.linalg.norm(R[:, None] - R[None], axis=-1)
    assume(np.all(np.abs(d - cutoff) > 1e-9))
    G = kirchhoff(R, cutoff, 1.0)
    # |R_i - R_j| and |R_j - R_i| are the same number, so Γ is exactly symmetric (atol 0)
    checks.close(G, G.T, "Γ vs Γᵀ", atol=0.0)
    # γ = 1: integer entries, exact sums: row sums are exactly 0 (atol 1e-12 is for order)
    checks.close(G.sum(1), np.zeros(len(R)), "row sums of Γ", atol=1e-12)
    # no distance within 1e-9 of the cutoff: the same contacts, the same exact entries
    checks.close(kirchhoff(R @ Q.T + t, cutoff, 1.0), G, "Γ of the moved structure", atol=0.0)
    # Γ = 0 has every property above: the values must also be the contacts'
    checks.close(G, hand_kirchhoff(R, cutoff, 1.0), "Kirchhoff matrix", rtol=1e-12)


@pytest.mark.points(1)
@given(R=S.positions(), gamma=gammas)
def test_complete_graph(R, gamma):
    n = len(R)
    G = kirchhoff(R, 1e3, gamma)
    # -γ off the diagonal exactly, 4 γ summed on it (≤ 4 ε): rtol 1e-12
    checks.close(G, gamma * (n * np.eye(n) - np.ones((n, n))), "Γ = γ (N 1 - J)", rtol=1e-12)
    modes = ex.gnm_modes(G)
    lam = checks.as_array(
        checks.field(modes, "eigenvalues", "gnm_modes"), "gnm_modes.eigenvalues", (n - 1,)
    )
    # eigensolver backward error ≲ c n ε ‖Γ‖ = 10·5·ε·5γ ≈ 3e-14 γ, ≲ 1e-14 relative to N γ:
    # rtol 1e-10 (margin 1e4); keeping the zero mode or dropping the wrong one is O(1) off
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
    # two eigensolvers: |δλ| ≲ c n ε ‖Γ‖ ≈ 10·76·ε·41 ≈ 3.5e-12, and λ₁ ≥ 0.33 (1UBI,
    # cutoff ≥ 7 Å): ≲ 1e-11 relative, rtol 1e-9 (margin 100)
    checks.close(lam, np.linalg.eigvalsh(G)[1:], "the N - 1 non-zero eigenvalues", rtol=1e-9)
    # eigh's vectors are orthonormal to ≲ n ε ≈ 1e-14 (degenerate or not): atol 1e-9
    checks.close(U.T @ U, np.eye(N - 1), "orthonormal vectors", atol=1e-9)
    # residual ‖Γ u - λ u‖ ≲ c n ε ‖Γ‖ ≈ 3.5e-12: atol 1e-8 (margin 3e3)
    checks.close(G @ U, U * lam[None, :], "Γ u = λ u", atol=1e-8)


@pytest.mark.points(3)
@given(cutoff=cutoffs, gamma=gammas, kT=temperatures)
def test_mean_square_fluctuations(cutoff, gamma, kT):
    G = hand_kirchhoff(UBI, cutoff, gamma)
    msf = checks.as_array(ex.mean_square_fluctuations(G, kT), "mean_square_fluctuations", (N,))
    # Γ⁺ by eigh or SVD: ≲ c n ε λ_max / λ₁ ≈ 10·76·ε·41 / 0.33 ≈ 1e-11 relative on the
    # (positive) diagonal: rtol 1e-8 (margin 1e3); a dropped 3 or a kept zero mode is O(1)
    checks.close(msf, 3 * kT * np.diag(np.linalg.pinv(G)), "<ΔR²> = 3 kT Γ⁺_ii", rtol=1e-8)


@pytest.mark.points(2)
@given(cutoff=cutoffs, kT=temperatures)
def test_b_factors(cutoff, kT):
    G = hand_kirchhoff(UBI, cutoff, 1.0)
    B = checks.as_array(ex.b_factors(G, kT), "b_factors(Gamma, kT)", (N,))
    # as for the fluctuations: ≲ 1e-11 relative (rtol 1e-8); 8π² for 8π²/3 is 3× off
    checks.close(B, 8 * np.pi**2 * kT * np.diag(np.linalg.pinv(G)), "B = 8π²/3 <ΔR²>", rtol=1e-8)


@pytest.mark.points(2)
@given(cutoff=cutoffs)
def test_cross_correlations(cutoff):
    G = hand_kirchhoff(UBI, cutoff, 1.0)
    C = checks.as_array(ex.cross_correlations(G), "cross_correlations(Gamma)", (N, N))
    p = np.linalg.pinv(G)
    d = np.sqrt(np.diag(p))
    # |C_ij| ≤ 1; Γ⁺ entries carry ≲ 1e-11 of the diagonal (above): atol 1e-9 (margin 100)
    checks.close(C, p / np.outer(d, d), "C_ij = Γ⁺_ij / sqrt(Γ⁺_ii Γ⁺_jj)", atol=1e-9)


@pytest.mark.points(1)
@settings(max_examples=5)
@given(cutoff=cutoffs, gamma=gammas)
def test_kirchhoff_matches_the_enm_library(cutoff, gamma):
    G = kirchhoff(UBI, cutoff, gamma)
    # entries -γ, 0 or a sum of ≤ 39 γ ≤ 78: ≲ 39 ε · 78 ≈ 3e-13 apart (worst case of
    # repeated addition vs a product): atol 1e-12 (margin 3)
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
    # entries γ d_a d_b / |d|²: ≲ 6 ε relative each (d_a = 0 gives exactly 0, hence the tiny
    # atol): rtol 1e-12 (margin 1e3); a sign or a missing 1/|d|² is O(1) off
    checks.close(
        block, -gamma * np.outer(d, d) / d.dot(d), "-γ d dᵀ / |d|²", rtol=1e-12, atol=1e-14
    )


@pytest.mark.points(3)
@given(R=S.positions(), gamma=gammas)
def test_anm_hessian_matches_autodiff_of_the_energy(R, gamma):
    cutoff = cutoff_for(R)
    H = hessian("anm_hessian", R, cutoff, gamma)
    # cutoff_for puts the cutoff ≥ 5e-4 Å from every distance: the contacts are not in
    # doubt. Entries are sums of ≤ 4 super-elements of norm ≤ γ ≤ 2, each ≲ 6 ε: ≲ 1e-14
    # apart; atol 1e-10 (margin 1e4)
    checks.close(H, reference_hessian(R, cutoff, gamma), "ANM Hessian", atol=1e-10)


@pytest.mark.points(2)
@given(R=S.positions(), Q=S.rotations(), t=S.translations())
def test_anm_hessian_symmetric_zero_sums_six_zero_modes_and_equivariant(R, Q, t):
    cutoff = 1e3  # every pair: a rigid network
    H = hessian("anm_hessian", R, cutoff, 1.0)
    # blocks d dᵀ / |d|² are symmetric to ≲ 2 ε; diagonal blocks sum 4 of them (≤ 4 each):
    # ≲ 10 ε · 4 ≈ 5e-15 apart, and block row sums ≲ 5e-15 from 0: atol 1e-12 (margin 200)
    checks.close(H, H.T, "H vs Hᵀ", atol=1e-12)
    checks.close(
        H.reshape(N_ANM, 3, N_ANM, 3).sum(2), np.zeros((N_ANM, 3, 3)), "block row sums", atol=1e-12
    )
    # the six zero modes are ≲ c n ε ‖H‖ ≈ 1e-14; the softest deformation of a complete,
    # non-coplanar 5-atom network is ≳ 1e-3 (out-of-plane stiffness ~ (s₃ / s₁)² ≥ 0.01):
    # 1e-8 separates them with ≥ 5 decades on both sides
    lam = np.linalg.eigvalsh(H)
    assert np.sum(np.abs(lam) < 1e-8) == 6, f"expected 6 zero eigenvalues, got {lam[:8]}"
    B = np.kron(np.eye(N_ANM), Q)
    moved = hessian("anm_hessian", R @ Q.T + t, cutoff, 1.0)
    # coordinates rounded to ε·25 Å move d dᵀ / |d|² (|d| ≥ 0.7 Å) by ≲ 1e-14 per contact,
    # B H Bᵀ adds ~30 ε · 8: ≲ 1e-13; atol 1e-10 (margin 1e3; also for the values below)
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
    # Σ over 6 contacts of γ/2 (r - r0)²: each r to ≲ 4 ε · 8 Å ≈ 3e-15 Å, so a term is off
    # by ≲ γ |r - r0| · 3e-15 ≤ 2 · 2 · 3e-15 and the sum by ≲ 1e-13 where it is small (a
    # nearly rigid dR): atol 1e-12 (margin 10), rtol 1e-10 elsewhere; the contacts of R for
    # those of R0 are off by whole terms
    checks.close(E, expected, "ANM energy (contacts of R0)", rtol=1e-10, atol=1e-12)


@pytest.mark.points(3)
@given(R=S.positions(), gamma=gammas)
def test_anm_hessian_autodiff_per_contact(R, gamma):
    cutoff = cutoff_for(R)
    H = hessian("anm_hessian_autodiff", R, cutoff, gamma)
    # autodiff per contact vs autodiff of the sum: ≲ 1e-14 apart (as in the test above)
    checks.close(
        H, reference_hessian(R, cutoff, gamma), "per-contact autodiff Hessian", atol=1e-10
    )


@pytest.mark.points(2)
@given(V=S.positions(n=2 * N_ANM).map(lambda x: x.reshape(3 * N_ANM, 2) - 2.0), dR=shifts)
def test_overlaps(V, dR):
    o = checks.as_array(ex.overlaps(V, dR), "overlaps(vectors, dR)", (2,))
    d = dR.reshape(-1)
    expected = np.abs(V.T @ d) / np.linalg.norm(V, axis=0) / np.linalg.norm(d)
    # v · d of 15 products is off by ≤ 15 ε Σ|v_i d_i| ≤ 1.7e-15 |v| |d| (Cauchy-Schwarz): a
    # relative 1e-10 for o ≳ 1e-5, but near v ⟂ d only the absolute 2 × 1.7e-15 is left
    # (the rtol alone could fail a right answer there): atol 1e-14 (margin 3, as in the
    # hidden test); a missing normalisation is O(|v| |d|) off
    checks.close(o, expected, "|v · d| / (|v| |d|)", rtol=1e-10, atol=1e-14)


@pytest.mark.points(2)
@settings(max_examples=3)
@given(gamma=gammas)
def test_anm_hessian_of_ubiquitin_matches_the_enm_library(gamma):
    cutoff = 15.0  # ProDy's default; one contact list, so JAX compiles once
    H = checks.as_array(
        ex.anm_hessian(UBI, cutoff, gamma), "anm_hessian(1UBI)", (3 * len(UBI),) * 2
    )
    ref = np.asarray(enm.anm_hessian(UBI, cutoff, gamma))
    # off-diagonal blocks are one super-element (≲ 6 ε · γ); a diagonal block sums ≲ 40 of
    # them (≤ 2 each): ≲ 40 ε · 80 ≈ 3.5e-13 worst case: atol 1e-12 (margin 3)
    checks.close(H, ref, "ANM Hessian of 1UBI vs jaxnm_course.enm.anm_hessian", atol=1e-12)
    pairs = enm.contact_pairs(UBI, cutoff)[:3]
    for (i, j), block in zip(
        pairs, np.asarray(enm.anm_super_elements(UBI, pairs, gamma)), strict=True
    ):
        got = checks.as_array(ex.super_element(UBI[i], UBI[j], gamma), "super_element", (3, 3))
        # entries ≤ γ ≤ 2, ≲ 6 ε relative: ≲ 1.3e-15 apart, atol 1e-14 (margin 7)
        checks.close(got, block, f"super-element ({i}, {j}) vs enm.anm_super_elements", atol=1e-14)
