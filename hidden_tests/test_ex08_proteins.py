"""Hidden tests of exercise set 08 (instructor material)."""

import numpy as np
import pytest
from hypothesis import given
from jaxnm_exercises import checks
from jaxnm_exercises import strategies as S

from jaxnm_course import load_structure
from jaxnm_course.grading.target import load

ex = load("ex08_proteins")

PRODY_GNM_1UBI = [1.36924, 2.66635, 2.86726, 4.00452, 4.41485, 4.96356, 5.90261]


@pytest.mark.points(2)
def test_gnm_ubiquitin_eigenvalues_match_prody():
    R = np.asarray(load_structure("1UBI").R)
    G = checks.as_array(ex.kirchhoff(R, 10.0, 1.0), "kirchhoff(1UBI, 10, 1)", (76, 76))
    lam = checks.as_array(
        checks.field(ex.gnm_modes(G), "eigenvalues", "gnm_modes"), "eigenvalues", (75,)
    )
    # ProDy's values are printed to 5 decimals (±5e-6); float64 adds ≲ 1e-12. Measured:
    # ≤ 4.7e-6 off. atol 6e-6 is the printed precision with a small margin
    checks.close(lam[:7], PRODY_GNM_1UBI, "ProDy's GNM eigenvalues of 1UBI", atol=6e-6)


@pytest.mark.points(1)
def test_ubiquitin_b_factors_correlate_with_experiment():
    s = load_structure("1UBI")
    G = np.asarray(ex.kirchhoff(np.asarray(s.R), 10.0, 1.0))
    B = checks.as_array(ex.b_factors(G, 0.596), "b_factors(1UBI)", (76,))
    r = np.corrcoef(B, s.bfactors)[0, 1]
    assert r > 0.6, f"correlation with the crystallographic B-factors {r:.3f}, expected > 0.6"


# ---- ANM
PRODY_ANM_1UBI = [0.033933, 0.15243, 0.35979, 0.71644]


@pytest.mark.points(2)
def test_anm_ubiquitin_eigenvalues_match_prody():
    R = np.asarray(load_structure("1UBI").R)
    H = checks.as_array(ex.anm_hessian(R, 15.0, 1.0), "anm_hessian(1UBI, 15, 1)", (228, 228))
    lam = np.linalg.eigvalsh(H)
    # ProDy's values to 5 significant digits (≤ 1.5e-5 relative) and computed its own way:
    # measured ≤ 1.9e-5 relative off; rtol 2e-4 (margin 10); another cutoff or γ, or the
    # GNM's Γ for the ANM's H, are ≳ 1e-2 off
    checks.close(lam[6:10], PRODY_ANM_1UBI, "ProDy's ANM eigenvalues of 1UBI", rtol=2e-4)


@pytest.mark.points(1)
@given(dR=S.positions().map(lambda x: x - 2.0))
def test_overlaps_with_a_complete_basis_sum_to_one(dR):
    Q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(15, 15)))
    o = checks.as_array(ex.overlaps(Q, dR), "overlaps(complete basis, d)", (15,))
    # Q is orthonormal to ~1e-15 (QR), Σ (q_k · d)² / |d|² = 1 to ≲ 15 ε · 2 ≈ 4e-15: rtol
    # 1e-10 (margin 1e4)
    checks.close(np.sum(o**2), 1.0, "Σ_k overlap_k² over a complete orthonormal basis", rtol=1e-10)
    # the sum alone is met by the constant 1/sqrt(15): each overlap must be |q_k · d| / |d|
    d = dR.reshape(-1)
    expected = np.abs(Q.T @ d) / np.linalg.norm(d)
    # q · d to ≤ 15 ε |d| (|q| = 1): ≲ 3.3e-15 between two codes near q ⟂ d: atol 1e-14
    # (margin 3); rtol 1e-10 elsewhere
    checks.close(o, expected, "|q_k · d| / |d|", rtol=1e-10, atol=1e-14)
