"""Hidden tests of exercise set 11 (instructor material).

A real protein (ubiquitin 1UBI, 76 Cα, bundled with its crystallographic B-factors): the
pseudo-inverse against NumPy's SVD, the gradient against the library and finite
differences, and a fit that must improve the correlation with experiment; a structure whose
eigenvalues are nearly (not exactly) degenerate.
"""

import numpy as np
import pytest
from jaxnm_exercises import checks, references
from jaxnm_exercises import strategies as S

from jaxnm_course import differentiable as df
from jaxnm_course import load_structure
from jaxnm_course.grading.target import load

ex = load("ex11_differentiable_enm")

_UBI = load_structure("1UBI")
UBI = np.asarray(_UBI.R)
UBI_B = np.asarray(_UBI.bfactors)
CUTOFF, WIDTH = 7.3, 1.0  # Å: a GNM-like cutoff
THETA = 0.2 * np.random.default_rng(0).normal(size=len(UBI))


springs = references.ex11_springs
reference = references.ex11_correlation_and_gradient


def reference_gradient(R, B, cutoff, width, theta):
    r, (dc, dt) = reference(len(R))(R, B, float(cutoff), float(width), np.asarray(theta, float))
    return float(r), float(dc), np.asarray(dt)


def gradient(R, B, cutoff, width, theta):
    what = "correlation_gradient(R, B_exp, cutoff, width, log_scales)"
    g = ex.correlation_gradient(R, B, cutoff, width, theta)
    r = checks.as_float(checks.field(g, "r", what), f"{what}.r")
    dc = checks.as_float(checks.field(g, "d_cutoff", what), f"{what}.d_cutoff")
    dt = checks.as_array(checks.field(g, "d_log_scales", what), f"{what}.d_log_scales", (len(R),))
    return r, dc, dt


def corr(R, B, cutoff, width, theta):
    return checks.as_float(
        ex.bfactor_correlation(R, B, cutoff, width, theta), "bfactor_correlation(...)"
    )


@pytest.mark.points(1)
def test_pseudo_inverse_of_ubiquitin_matches_numpy_pinv():
    pairs = S.all_pairs(len(UBI))
    G = np.asarray(df.spring_kirchhoff(len(UBI), pairs, springs(UBI, CUTOFF, WIDTH, THETA, pairs)))
    X = checks.as_array(ex.gnm_pseudo_inverse(G), "gnm_pseudo_inverse(Γ of 1UBI)", G.shape)
    expected = np.linalg.pinv(G, rcond=1e-12, hermitian=True)
    # κ = λ_max / λ₁ ≈ 28 for this Γ: any float64 pseudo-inverse is within ≲ c n κ ε ≈
    # 2e-12 of max|Γ⁺| (an inverse of Γ + 11ᵀ/n measured 6e-15): atol 1e-9 max (margin 500)
    checks.close(
        X, expected, "Γ⁺ of 1UBI vs numpy.linalg.pinv", atol=1e-9 * np.abs(expected).max()
    )


@pytest.mark.points(2)
def test_ubiquitin_gradient_matches_library_and_finite_differences():
    r, dc, dt = gradient(UBI, UBI_B, CUTOFF, WIDTH, THETA)
    r_ref, dc_ref, dt_ref = reference_gradient(UBI, UBI_B, CUTOFF, WIDTH, THETA)
    # Γ⁺ to ≲ 2e-12 relative (above), r ≈ 0.71 with std/mean of the msf ≫ 2 %: δr ≲ 1e-11
    # worst case (measured 1e-16): rtol 1e-10; the gradients carry that conditioning once
    # more (≲ 1e-10 relative): rtol 1e-8, atol 1e-11 for entries ≈ 0
    checks.close(r, r_ref, "r of 1UBI vs the library", rtol=1e-10)
    checks.close(dc, dc_ref, "∂r/∂r_c of 1UBI vs the library", rtol=1e-8, atol=1e-11)
    checks.close(dt, dt_ref, "∂r/∂θ of 1UBI vs the library", rtol=1e-8, atol=1e-11)
    h, v = 1e-5, np.random.default_rng(1).normal(size=len(UBI))
    fd = (
        corr(UBI, UBI_B, CUTOFF, WIDTH, THETA + h * v)
        - corr(UBI, UBI_B, CUTOFF, WIDTH, THETA - h * v)
    ) / (2 * h)
    # h = 1e-5: truncation h²/6 |∂³r| ≈ 2e-11 |∂³r| along v; rounding δr / h with the δr
    # of two evaluations of your r (the same code: ≲ 1e-15) ≲ 1e-10. Both far below
    # rtol 1e-5 |∂r · v| + atol 1e-8 (a fixed input: this test cannot flake)
    checks.close(dt @ v, fd, "(∂r/∂θ) · v of 1UBI vs a central difference", rtol=1e-5, atol=1e-8)


@pytest.mark.points(2)
def test_fit_improves_the_correlation_of_ubiquitin():
    steps, lr = 8, 2.0
    what = "fit_log_scales(1UBI)"
    res = ex.fit_log_scales(UBI, UBI_B, CUTOFF, WIDTH, steps, lr)
    theta = checks.as_array(checks.field(res, "log_scales", what), what, (len(UBI),))
    before = checks.as_float(checks.field(res, "r_before", what), f"{what}.r_before")
    after = checks.as_float(checks.field(res, "r_after", what), f"{what}.r_after")
    expected = np.zeros(len(UBI))
    for _ in range(steps):
        expected = expected + lr * reference_gradient(UBI, UBI_B, CUTOFF, WIDTH, expected)[2]
    # 8 steps of η = 2 with gradients good to ≲ 1e-10 relative, amplified by ≲ (1 + η L)⁸
    # (L = |∂²r/∂θ²| ≲ 1 here): ≲ 1e-7 relative worst case; rtol 1e-6 (margin 10), atol
    # 1e-9 for θ_i ≈ 0; one step too few or descent is ~η |∂r| ≳ 1e-3 off
    checks.close(
        theta, expected, "fitted θ of 1UBI vs gradient ascent on the library", rtol=1e-6, atol=1e-9
    )
    r0 = reference_gradient(UBI, UBI_B, CUTOFF, WIDTH, np.zeros(len(UBI)))[0]
    r1 = reference_gradient(UBI, UBI_B, CUTOFF, WIDTH, expected)[0]
    # r at θ that agree to ≲ 1e-7 relative (above): |∂r| · 1e-7 · |θ| ≲ 1e-8 relative to r
    checks.close([before, after], [r0, r1], "r before/after the fit of 1UBI", rtol=1e-8)
    assert after > before + 0.1, (
        f"the fit should raise r of 1UBI by > 0.1: {before:.4f} -> {after:.4f}"
    )


@pytest.mark.points(1)
def test_gradient_with_nearly_degenerate_eigenvalues():
    # A regular tetrahedron with a centre (a triply degenerate eigenvalue), its symmetry
    # broken by 1e-7 Å: eigenvalues split by ~1e-7, no trouble for the identity.
    R = (
        3.0
        * np.array([[0, 0, 0], [1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1.0]])
        / np.sqrt(3)
    )
    R[1, 0] += 1e-7
    B = np.array([12.0, 30.0, 18.0, 25.0, 40.0])
    theta = np.zeros(len(R))
    r, dc, dt = gradient(R, B, 6.0, 1.0, theta)
    r_ref, dc_ref, dt_ref = reference_gradient(R, B, 6.0, 1.0, theta)
    # Γ⁺ is a sum over whole eigenspaces: a split of ~1e-7 does not condition it (κ of Γ is
    # that of the tetrahedron, ≲ 10), so r is good to ≲ 1e-13 (rtol 1e-10). Eigenvector-based
    # gradients of the split cluster cancel 1 / (λ_i - λ_j) ~ 1e7 terms: ε · 1e7 ≈ 1e-9
    # relative is what a right eigh route can lose: rtol 1e-6, atol 1e-9 (margin 1e3)
    checks.close(r, r_ref, "r vs the library", rtol=1e-10)
    checks.close(dt, dt_ref, "∂r/∂θ vs the library", rtol=1e-6, atol=1e-9)
    checks.close(dc, dc_ref, "∂r/∂r_c vs the library", rtol=1e-6, atol=1e-9)


@pytest.mark.points(2)
def test_fit_spring_model_on_two_proteins_against_finite_differences():
    u, a = load_structure("1UBI"), load_structure("1AKE")
    structures = [np.asarray(u.R), np.asarray(a.R)[:60]]  # ubiquitin, 60 Cα of adenylate kinase
    bfactors = [np.asarray(u.bfactors), np.asarray(a.bfactors)[:60]]
    p0 = np.array([0.0, 2.0])
    out = ex.fit_spring_model(structures, bfactors, p0, 3, 0.2)
    what = "fit_spring_model(two proteins)"
    grad = checks.as_array(checks.field(out, "gradient", what), f"{what}.gradient", (2,))
    before = checks.as_float(checks.field(out, "loss_before", what), f"{what}.loss_before")
    after = checks.as_float(checks.field(out, "loss_after", what), f"{what}.loss_after")
    assert after < before, f"{what}: the loss rose from {before:.6g} to {after:.6g}"
    h = 1e-4
    fd = []
    for e in np.eye(2):
        lp = references.ex11_spring_model_loss(p0 + h * e, structures, bfactors)[0]
        lm = references.ex11_spring_model_loss(p0 - h * e, structures, bfactors)[0]
        fd.append((lp - lm) / (2 * h))
    # central differences: truncation h²/6 |loss'''| with |loss'''| ≲ 2 (2 log 10)³ ≈ 50
    # (log B is linear in θ0 and varies with θ1 through log(r/3.8) ≤ log 10): ≲ 1e-7;
    # rounding: the reference loss is accurate to ≈ 2e-11 relative (see the visible
    # tests), over h: ≈ 2e-7 |loss| ≲ 4e-7. atol 1e-6 covers both.
    checks.close(grad, fd, "∂loss/∂θ vs central finite differences", atol=1e-6)
