"""Visible tests of exercise set 11: a differentiable GNM fitted to B-factors.

Every gradient is checked two independent ways: against central finite differences of a
value function (yours, called like any other function, and the library's), and against
autodiff of the course library (:mod:`jaxnm_course.differentiable`, which shares no code
with your answer). Exercise functions return numbers and arrays only, so the tests never
differentiate through your code themselves.
"""

import functools

import jax
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from jaxnm_exercises import checks, references
from jaxnm_exercises import strategies as S

from jaxnm_course import differentiable as df
from jaxnm_course import load_structure
from jaxnm_course.grading.target import load

ex = load("ex11_differentiable_enm")

N = S.N_ATOMS
cutoffs = st.floats(3.5, 6.5)  # Å; S.positions() has distances of about 1-8 Å
widths = st.floats(0.5, 2.0)  # Å
# narrow switches too: |r - r_c| / w up to ~160 (e^160 ≈ 3e69: no overflow in a correct
# logistic, but a hand-written e^z / (1 + e^z) or a clipped argument shows)
all_widths = st.one_of(widths, st.floats(0.05, 0.2))
log_scales = st.lists(st.floats(-0.5, 0.5), min_size=N, max_size=N).map(np.array)
bfactors = (
    st.lists(st.floats(5.0, 60.0), min_size=N, max_size=N)
    .map(np.array)
    .filter(lambda b: np.std(b) > 1.0)
)
#: A regular tetrahedron around a central residue (Å): Γ has a triply degenerate eigenvalue.
TETRAHEDRON = (
    3.0 * np.array([[0, 0, 0], [1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1.0]]) / np.sqrt(3)
)
H_FD = 1e-5  # step of the central differences (Å for the cutoff, 1 for θ)

# Error bounds of the tolerances below (float64, ε = 1.1e-16):
# * the switch s = 1 / (1 + e^z), z = (r - r_c) / w: z is two roundings (≲ 2ε |z|), and a
#   logistic turns δz into δs / s ≤ |1 - s| δz: ≲ 2ε |z| ≤ 2ε · 160 ≈ 4e-14 relative even
#   for the narrow widths (|z| ≤ 160);
# * springs k_ij = e^(θ_i + θ_j) s_ij ≤ e · 1: each ≲ 5ε relative + the switch's error;
#   Γ's off-diagonal entries are -k_ij and its diagonal a sum of 4 of them (one sign: no
#   cancellation), so Γ is good to ≲ 5e-14 relative entrywise;
# * Γ⁺ of these 5-node networks: κ = λ_max / λ₁ ≤ 128 (measured over 300 draws), so any
#   float64 pseudo-inverse (eigh, SVD, inverse of Γ + 11ᵀ/n) is good to ≲ c n κ ε ≈ 1e-12
#   of max|Γ⁺|;
# * r (Pearson) of the predicted B-factors: δr ≲ (δmsf / mean) / (std / mean) ≤ 1e-12 /
#   0.02 (well_posed), typically far less: measured |r - r_numpy| ≤ 2e-14 over 300 draws.


# --- the trusted reference: the course library, autodiff and jit in this process --------


springs = references.ex11_springs
reference = references.ex11_correlation_and_gradient


@functools.cache
def _msf(n):
    pairs = S.all_pairs(n)
    return jax.jit(lambda R, c, w, t: df.gnm_fluctuations(n, pairs, springs(R, c, w, t, pairs)))


def well_posed(R, cutoff, width, theta):
    """The predicted B-factors vary (std/mean > 2 %): r is ill-conditioned when they do not."""
    msf = np.asarray(_msf(len(R))(R, float(cutoff), float(width), np.asarray(theta, float)))
    return np.std(msf) > 0.02 * np.mean(msf)


def reference_r(R, B, cutoff, width, theta):
    r, _ = reference(len(R))(R, B, float(cutoff), float(width), np.asarray(theta, float))
    return float(r)


def reference_gradient(R, B, cutoff, width, theta):
    r, (dc, dt) = reference(len(R))(R, B, float(cutoff), float(width), np.asarray(theta, float))
    return float(r), float(dc), np.asarray(dt)


def reference_kirchhoff(R, cutoff, width, theta):
    pairs = S.all_pairs(len(R))
    return np.asarray(df.spring_kirchhoff(len(R), pairs, springs(R, cutoff, width, theta, pairs)))


def reference_fit(R, B, cutoff, width, steps, learning_rate):
    theta = np.zeros(len(R))
    for _ in range(steps):
        theta = theta + learning_rate * reference_gradient(R, B, cutoff, width, theta)[2]
    return theta


# --- calling the exercise functions (their results are untrusted data) ------------------


def kirchhoff(R, cutoff, width, theta):
    return checks.as_array(
        ex.smooth_kirchhoff(R, cutoff, width, theta),
        "smooth_kirchhoff(R, cutoff, width, log_scales)",
        (len(R), len(R)),
    )


def pinv(G):
    return checks.as_array(ex.gnm_pseudo_inverse(G), "gnm_pseudo_inverse(Gamma)", G.shape)


def corr(R, B, cutoff, width, theta):
    return checks.as_float(
        ex.bfactor_correlation(R, B, cutoff, width, theta),
        "bfactor_correlation(R, B_exp, cutoff, width, log_scales)",
    )


def gradient(R, B, cutoff, width, theta):
    what = "correlation_gradient(R, B_exp, cutoff, width, log_scales)"
    g = ex.correlation_gradient(R, B, cutoff, width, theta)
    r = checks.as_float(checks.field(g, "r", what), f"{what}.r")
    dc = checks.as_float(checks.field(g, "d_cutoff", what), f"{what}.d_cutoff")
    dt = checks.as_array(checks.field(g, "d_log_scales", what), f"{what}.d_log_scales", (len(R),))
    return r, dc, dt


def fit(R, B, cutoff, width, steps, learning_rate):
    what = f"fit_log_scales(R, B_exp, cutoff, width, steps={steps}, learning_rate)"
    res = ex.fit_log_scales(R, B, cutoff, width, steps, learning_rate)
    theta = checks.as_array(checks.field(res, "log_scales", what), f"{what}.log_scales", (len(R),))
    before = checks.as_float(checks.field(res, "r_before", what), f"{what}.r_before")
    after = checks.as_float(checks.field(res, "r_after", what), f"{what}.r_after")
    return theta, before, after


# --- the smooth switch and the Kirchhoff matrix -----------------------------------------


@pytest.mark.points(2)
@given(R=S.positions(), cutoff=cutoffs, width=all_widths)
def test_smooth_switch(R, cutoff, width):
    d = np.linalg.norm(R[:, None] - R[None], axis=-1)  # shape (N, N), zeros on the diagonal
    s = checks.as_array(
        ex.smooth_switch(d, cutoff, width), "smooth_switch(r, cutoff, width)", d.shape
    )
    # ≲ 4e-14 relative (bound above): rtol 1e-12 (margin 25); a clipped z or e^z / (1 + e^z)
    # overflows or loses every digit of the far tail
    checks.close(s, df.smooth_switch(d, cutoff, width), "s(r) vs the library", rtol=1e-12)
    x = np.array([-1e3, -3.0, -0.7, 0.0, 0.7, 3.0, 1e3]) * width
    got = checks.as_array(ex.smooth_switch(cutoff + x, cutoff, width), "smooth_switch", (7,))
    # z = (r_c - r_c) / w = 0 exactly, 1 / (1 + 1) = 0.5 exactly: rtol 1e-14 (any form)
    checks.close(got[3], 0.5, "s(r_c)", rtol=1e-14)
    # r_c ± x rounds (≤ ε · 7e3 Å at x = 1e3 w, a relative ε of x), then each s to ≲ 4e-14:
    # the sum is 1 to ≲ 1e-13, rtol 1e-12 (margin 10); a complement 1 - s is O(1) off
    checks.close(got + got[::-1], np.ones(7), "s(r_c + x) + s(r_c - x)", rtol=1e-12)
    # z = ∓1e3: s = 1 - e^-1000 and e^-1000, both 1 and 0 to far below ε (atol 1e-15)
    checks.close(got[[0, -1]], [1.0, 0.0], "s far inside / far outside the cutoff", atol=1e-15)
    # (r_c + 0.7 w) - r_c is 0.7 w up to ε r_c ≤ 7e-16 Å, i.e. z up to 7e-16 / 0.05 ≈ 1.4e-14,
    # and s moves by ≤ 0.25 · 1.4e-14 / 0.33 ≈ 1e-14 relative: rtol 1e-12 (margin 100)
    checks.close(got[4], 1 / (1 + np.exp(0.7)), "s(r_c + 0.7 w) = 1/(1 + e^0.7)", rtol=1e-12)


@pytest.mark.points(3)
@given(R=S.positions(), cutoff=cutoffs, width=all_widths, theta=log_scales)
def test_smooth_kirchhoff_matches_the_library(R, cutoff, width, theta):
    G = kirchhoff(R, cutoff, width, theta)
    checks.close(
        G,
        reference_kirchhoff(R, cutoff, width, theta),
        "Γ vs jaxnm_course.differentiable.spring_kirchhoff",
        # ≲ 5e-14 relative entrywise (bound above): rtol 1e-12 (margin 20); atol 1e-14 only
        # for far pairs (s ≲ 1e-14: absolute error ≲ 1e-27 there)
        rtol=1e-12,
        atol=1e-14,
    )


@pytest.mark.points(2)
@given(
    R=S.positions(),
    cutoff=cutoffs,
    theta=log_scales,
    Q=S.rotations(),
    t=S.translations(),
    p=S.permutations(),
)
def test_smooth_kirchhoff_properties_and_hard_cutoff_limit(R, cutoff, theta, Q, t, p):
    G = kirchhoff(R, cutoff, 1.0, theta)
    # d_ij and d_ji are the same number; e^(θi + θj) or e^θi e^θj commute: symmetric to
    # ≲ 2ε · e ≈ 6e-16 (e.g. sqrt(k_i k_j)): atol 1e-13 (margin 100)
    checks.close(G, G.T, "Γ vs Γᵀ", atol=1e-13)
    # a diagonal is minus the sum of its row's 4 springs (≤ e each): ≲ 4ε · 4e ≈ 5e-15 from
    # a zero row sum, atol 1e-12 (margin 200)
    checks.close(G.sum(1), np.zeros(N), "row sums of Γ", atol=1e-12)
    # moved: coordinates rounded to ε · 25 Å shift d by ≲ 1e-14 Å, s by ≤ 0.25 · 1e-14 / w
    # (w = 1), springs by ≲ 7e-15, a diagonal by ≲ 3e-14: atol 1e-12 (margin 30); relabelled:
    # the same numbers summed in another order, ≲ 5e-15
    checks.close(
        kirchhoff(R @ Q.T + t, cutoff, 1.0, theta), G, "Γ of the moved structure", atol=1e-12
    )
    checks.close(
        kirchhoff(R[p], cutoff, 1.0, theta[p]),
        G[np.ix_(p, p)],
        "Γ of relabelled residues",
        atol=1e-12,
    )
    # Γ = 0 has every property above: the values must also be the library's
    ref = reference_kirchhoff(R, cutoff, 1.0, theta)
    checks.close(G, ref, "Γ vs jaxnm_course.differentiable", rtol=1e-12, atol=1e-14)
    # A very narrow switch is the hard cutoff of ex08 (unless a distance is within 0.2 Å of it).
    d = np.linalg.norm(R[:, None] - R[None], axis=-1)
    if np.min(np.abs(d - cutoff)) > 0.2:
        hard = -(d <= cutoff).astype(float) * (1 - np.eye(N))
        hard -= np.diag(hard.sum(1))
        narrow = kirchhoff(R, cutoff, 0.005, np.zeros(N))
        # |r - r_c| ≥ 0.2 Å, w = 0.005: |z| ≥ 40, so each s is within e^-40 ≈ 4e-18 of 0 or 1,
        # a diagonal within 2e-17: atol 1e-12 (a too-wide switch is ≳ 1e-3 off)
        checks.close(narrow, hard, "Γ with w → 0 vs the hard-cutoff Kirchhoff matrix", atol=1e-12)


# --- the pseudo-inverse -----------------------------------------------------------------


@pytest.mark.points(3)
@given(R=S.positions(), cutoff=cutoffs, width=widths, theta=log_scales)
def test_pseudo_inverse_properties_and_numpy_pinv(R, cutoff, width, theta):
    G = reference_kirchhoff(R, cutoff, width, theta)
    X = pinv(G)
    scale = np.abs(X).max()
    # Σ u uᵀ / λ and friends are symmetric to ≲ n ε scale ≈ 6e-16 scale (an LU inverse to
    # ≲ κ n ε ≈ 7e-14): atol 1e-12 scale (margin 15); the other identities hold to
    # ≲ c n κ ε ≈ 1e-12 scale (bound above): atol 1e-10 scale (margin 100); a kept zero
    # mode (1/λ₀ ~ 1e15) or a missing projection (Γ⁺ 1 ≠ 0) is O(scale) off
    checks.close(X, X.T, "Γ⁺ vs (Γ⁺)ᵀ", atol=1e-12 * scale)
    checks.close(
        X @ np.ones(N), np.zeros(N), "Γ⁺ 1 (the zero mode is projected out)", atol=1e-10 * scale
    )
    checks.close(G @ X @ G, G, "Γ Γ⁺ Γ", atol=1e-10 * np.abs(G).max())
    checks.close(X @ G @ X, X, "Γ⁺ Γ Γ⁺", atol=1e-10 * scale)
    expected = np.linalg.pinv(G, rcond=1e-12, hermitian=True)
    # two pseudo-inverses, each ≲ 1e-12 scale from the exact one: atol 1e-9 scale (margin 500)
    checks.close(X, expected, "Γ⁺ vs numpy.linalg.pinv", atol=1e-9 * scale)


@pytest.mark.points(1)
@given(a=st.floats(0.1, 10.0))
def test_pseudo_inverse_of_a_complete_graph(a):
    # Γ = a (n I - 11ᵀ): one eigenvalue 0 and n - 1 equal eigenvalues a n (degenerate).
    n = N
    G = a * (n * np.eye(n) - np.ones((n, n)))
    expected = (np.eye(n) - np.ones((n, n)) / n) / (a * n)
    # κ = 1 on the non-zero eigenspace (one eigenvalue a n, degenerate: any orthonormal basis
    # of it gives the same projector), so Γ⁺ is good to ≲ c n ε ≈ 1e-14 relative of its
    # entries ≥ 1 / (a n²) ≈ 4e-3 / a: rtol 1e-12 (margin 100); atol 1e-15 only for rounding
    # near entries that are exactly representable
    checks.close(pinv(G), expected, "Γ⁺ = (I - 11ᵀ/n) / (a n)", rtol=1e-12, atol=1e-15)


# --- the correlation and its gradient ---------------------------------------------------


@pytest.mark.points(3)
@settings(max_examples=10)
@given(
    R=S.positions(),
    B=bfactors,
    cutoff=cutoffs,
    width=widths,
    theta=log_scales,
    Q=S.rotations(),
    t=S.translations(),
)
def test_bfactor_correlation_matches_the_library_and_its_invariances(
    R, B, cutoff, width, theta, Q, t
):
    assume(well_posed(R, cutoff, width, theta))
    r = corr(R, B, cutoff, width, theta)
    # δr ≲ 1e-12 in the worst case, 2e-14 measured (bound above): atol 1e-12 (margin 50 over
    # the measured worst), rtol 1e-10 for |r| ≳ 0.01; the moved structure and θ + 0.3 (Γ
    # × e^0.6) change msf by ≲ 1e-13 relative, hence atol 1e-10 there; B → 3B + 7 leaves
    # r exactly invariant up to the rounding of B (≲ 1e-15): atol 1e-12
    checks.close(
        r, reference_r(R, B, cutoff, width, theta), "r vs the library", rtol=1e-10, atol=1e-12
    )
    checks.close(
        corr(R @ Q.T + t, B, cutoff, width, theta), r, "r of the moved structure", atol=1e-10
    )
    checks.close(
        corr(R, 3.0 * B + 7.0, cutoff, width, theta), r, "r with B_exp → 3 B_exp + 7", atol=1e-12
    )
    checks.close(
        corr(R, B, cutoff, width, theta + 0.3),
        r,
        "r with every θ_i + 0.3 (all springs × e^0.6)",
        atol=1e-10,
    )


@pytest.mark.points(3)
@settings(max_examples=8)
@given(R=S.positions(), B=bfactors, cutoff=cutoffs, width=widths, theta=log_scales, v=log_scales)
def test_correlation_gradient_agrees_with_finite_differences(R, B, cutoff, width, theta, v):
    assume(well_posed(R, cutoff, width, theta))
    r, dc, dt = gradient(R, B, cutoff, width, theta)
    checks.close(
        r,
        corr(R, B, cutoff, width, theta),
        "correlation_gradient.r vs bfactor_correlation",
        atol=1e-12,  # your r by two routes (with and without grad): the same ops, ≲ 1e-14
    )
    # Central differences with h = 1e-5: truncation h²/6 |r‴| ≲ 2e-11 |r‴| (derivatives of
    # s in r_c scale as w⁻³ ≤ 8: ≲ 1e-10), rounding δr / h ≲ 2e-14 / 1e-5 = 2e-9 (measured
    # δr): ≲ 3e-9 in all; atol 1e-7 (margin 30), rtol 1e-5 for large gradients; a gradient
    # with respect to the width or of the wrong sign is O(|∂r|) off
    fd = (corr(R, B, cutoff + H_FD, width, theta) - corr(R, B, cutoff - H_FD, width, theta)) / (
        2 * H_FD
    )
    checks.close(
        dc, fd, "∂r/∂r_c vs a central difference of your bfactor_correlation", rtol=1e-5, atol=1e-7
    )
    fd_ref = (
        reference_r(R, B, cutoff + H_FD, width, theta)
        - reference_r(R, B, cutoff - H_FD, width, theta)
    ) / (2 * H_FD)
    # the same bound with the library's r (its rounding, ≲ 2e-14, is the measured δr)
    checks.close(
        dc, fd_ref, "∂r/∂r_c vs a central difference of the library's r", rtol=1e-5, atol=1e-7
    )
    fd = (
        corr(R, B, cutoff, width, theta + H_FD * v) - corr(R, B, cutoff, width, theta - H_FD * v)
    ) / (2 * H_FD)
    checks.close(dt @ v, fd, "(∂r/∂θ) · v vs a central difference along v", rtol=1e-5, atol=1e-7)


@pytest.mark.points(2)
@settings(max_examples=10)
@given(
    R=S.positions(),
    B=bfactors,
    cutoff=cutoffs,
    width=widths,
    theta=log_scales,
    Q=S.rotations(),
    t=S.translations(),
)
def test_correlation_gradient_matches_library_autodiff_and_is_invariant(
    R, B, cutoff, width, theta, Q, t
):
    assume(well_posed(R, cutoff, width, theta))
    r, dc, dt = gradient(R, B, cutoff, width, theta)
    r_ref, dc_ref, dt_ref = reference_gradient(R, B, cutoff, width, theta)
    # r as in the test above; the gradients carry the conditioning of r once more (≲ 1e-12 ·
    # |∂r| / 0.02 ≈ 5e-11 |∂r| worst case): rtol 1e-8, atol 1e-10 (margin ≥ 100 at |∂r| ≲ 1)
    checks.close(r, r_ref, "r vs the library", rtol=1e-10, atol=1e-12)
    checks.close(dc, dc_ref, "∂r/∂r_c vs the library's autodiff", rtol=1e-8, atol=1e-10)
    checks.close(dt, dt_ref, "∂r/∂θ vs the library's autodiff", rtol=1e-8, atol=1e-10)
    # r does not change when every θ_i moves by the same amount, so Σ_i ∂r/∂θ_i = 0.
    # (Exact in exact arithmetic; 5 entries with ≲ 5e-11 |∂r| each: atol 1e-10 max |∂r|.)
    checks.close(dt.sum(), 0.0, "Σ_i ∂r/∂θ_i", atol=1e-10 * max(1.0, np.abs(dt).max()))
    _, dc_moved, dt_moved = gradient(R @ Q.T + t, B, cutoff, width, theta)
    checks.close(dc_moved, dc, "∂r/∂r_c of the moved structure", rtol=1e-8, atol=1e-10)
    checks.close(dt_moved, dt, "∂r/∂θ of the moved structure", rtol=1e-8, atol=1e-10)


@pytest.mark.points(2)
@settings(max_examples=5)
@given(
    B=bfactors,
    cutoff=cutoffs,
    width=widths,
    Q=S.rotations(),
)
def test_correlation_gradient_with_degenerate_eigenvalues(B, cutoff, width, Q):
    # Γ of a regular tetrahedron with a centre has a triply degenerate eigenvalue: an
    # eigenvector-based pseudo-inverse has no usable derivative there (NaN), the identity does.
    R = TETRAHEDRON @ Q.T
    assume(well_posed(R, cutoff, width, np.zeros(N)))
    r, dc, dt = gradient(R, B, cutoff, width, np.zeros(N))
    r_ref, dc_ref, dt_ref = reference_gradient(R, B, cutoff, width, np.zeros(N))
    checks.close(r, r_ref, "r of the tetrahedron vs the library", rtol=1e-10, atol=1e-12)
    checks.close(dt, dt_ref, "∂r/∂θ of the tetrahedron vs the library", rtol=1e-8, atol=1e-10)
    checks.close(dc, dc_ref, "∂r/∂r_c of the tetrahedron vs the library", atol=1e-10)
    # Two kinds of site (centre, vertex): r depends only on which is larger, so neither the
    # cutoff nor the centre's scale changes it.
    # 0 in exact arithmetic; rounding ≲ 1e-12 (κ ε / 0.02 for this symmetric network,
    # whose triple eigenvalue does not matter to Γ⁺, a sum over the whole eigenspace):
    # atol 1e-10 (margin 100), as for the comparisons with the library above
    checks.close(dc, 0.0, "∂r/∂r_c of the tetrahedron (by symmetry)", atol=1e-10)
    checks.close(dt[0], 0.0, "∂r/∂θ_centre of the tetrahedron (by symmetry)", atol=1e-10)


# --- the fit ----------------------------------------------------------------------------


@pytest.mark.points(3)
@settings(max_examples=4)
@given(R=S.positions(), B=bfactors, cutoff=cutoffs, width=widths)
def test_fit_log_scales_follows_gradient_ascent(R, B, cutoff, width):
    assume(well_posed(R, cutoff, width, np.zeros(N)))
    steps, lr = 4, 0.3
    theta, before, after = fit(R, B, cutoff, width, steps, lr)
    zero = np.zeros(N)
    checks.close(
        before,
        reference_r(R, B, cutoff, width, zero),
        "r_before (θ = 0) vs the library",
        rtol=1e-10,
        atol=1e-12,
    )
    expected = reference_fit(R, B, cutoff, width, steps, lr)
    # 4 steps of η = 0.3 with gradients good to ≲ 5e-11: θ to ≲ 4 · 0.3 · 5e-11 · (1 + η L)⁴
    # ≈ 1e-10 (L = |∂²r/∂θ²| ≲ 3): rtol 1e-7, atol 1e-9 (margin 10); descent instead of
    # ascent or one step too many is ~η |∂r| ≳ 1e-3 off. r before/after as above (1e-12)
    checks.close(
        theta, expected, f"θ after {steps} steps θ ← θ + η ∂r/∂θ (η = {lr})", rtol=1e-7, atol=1e-9
    )
    checks.close(
        after,
        reference_r(R, B, cutoff, width, theta),
        "r_after: r at your fitted θ",
        rtol=1e-10,
        atol=1e-12,
    )
    theta0, before0, after0 = fit(R, B, cutoff, width, 0, lr)
    # 0 steps: θ stays exactly 0 (atol 0) and r is the same computation twice (≲ 2 ulp)
    checks.close(theta0, zero, "θ after 0 steps", atol=0.0)
    checks.close(after0, before0, "r_after after 0 steps", atol=1e-14)


@pytest.mark.points(1)
@settings(max_examples=3)
@given(R=S.positions(), B=bfactors, Q=S.rotations(), t=S.translations())
def test_fit_is_invariant_under_rigid_motion(R, B, Q, t):
    assume(well_posed(R, 6.0, 1.0, np.zeros(N)))
    theta, before, after = fit(R, B, 6.0, 1.0, 3, 0.3)
    moved, before_m, after_m = fit(R @ Q.T + t, B, 6.0, 1.0, 3, 0.3)
    # moving changes msf by ≲ 1e-13 relative, r and its gradient by ≲ 1e-11 (conditioning
    # 1 / 0.02 and more for the gradient), 3 steps of η = 0.3 keep θ within ≲ 1e-10: rtol
    # 1e-7, atol 1e-9 (margin 10) as in the test above
    checks.close(moved, theta, "fitted θ of the moved structure", rtol=1e-7, atol=1e-9)
    checks.close(
        [before_m, after_m], [before, after], "r before/after of the moved structure", atol=1e-9
    )


# ---- fitting a two-parameter spring model


@functools.cache
def ubiquitin():
    s = load_structure("1UBI")  # 76 Cα with crystallographic B-factors (bundled)
    return np.asarray(s.R), np.asarray(s.bfactors)


def spring_fit(structures, bfactors, params, steps, lr):
    out = ex.fit_spring_model(structures, bfactors, params, steps, lr)
    what = f"fit_spring_model(..., params={list(params)}, steps={steps}, learning_rate={lr})"
    fitted = checks.as_array(checks.field(out, "params", what), f"{what}.params", (2,))
    before = checks.as_float(checks.field(out, "loss_before", what), f"{what}.loss_before")
    after = checks.as_float(checks.field(out, "loss_after", what), f"{what}.loss_after")
    grad = checks.as_array(checks.field(out, "gradient", what), f"{what}.gradient", (2,))
    return fitted, before, after, grad


# The loss needs Γ⁺ of a 76-node power-law network (condition number ≲ 10³), accurate to
# ≈ κ N ε ≈ 2e-11 relative in any float64 implementation (inverse, solve or eigh);
# 1e-8 relative leaves a margin of 500, also after three descent steps (each step moves θ
# by η g, and an error δ in θ changes the next gradient by ≲ |∂²loss| δ ≈ 10 δ).
LOSS_RTOL = 1e-8


@pytest.mark.points(3)
def test_fit_spring_model_descends_the_reference_loss():
    R, B = ubiquitin()
    p0, lr, steps = np.array([0.0, 2.0]), 0.2, 3
    fitted, before, after, grad = spring_fit([R], [B], p0, steps, lr)
    ref_before, ref_grad = references.ex11_spring_model_loss(p0, [R], [B])
    checks.close(before, ref_before, "loss at the initial θ (library GNM)", rtol=LOSS_RTOL)
    checks.close(grad, ref_grad, "∂loss/∂θ at the initial θ", rtol=LOSS_RTOL, atol=1e-10)
    p = p0
    for _ in range(steps):  # plain gradient descent on the reference loss
        p = p - lr * references.ex11_spring_model_loss(p, [R], [B])[1]
    checks.close(fitted, p, "θ after 3 steps of θ ← θ - η ∂loss/∂θ", rtol=LOSS_RTOL, atol=1e-10)
    ref_after, _ = references.ex11_spring_model_loss(fitted, [R], [B])
    checks.close(after, ref_after, "loss at the fitted θ", rtol=LOSS_RTOL)
    if not after < before:
        raise AssertionError(f"fit_spring_model: the loss rose from {before:.6g} to {after:.6g}")


@pytest.mark.points(1)
def test_fit_spring_model_with_zero_steps():
    R, B = ubiquitin()
    p0 = np.array([-0.5, 1.5])
    fitted, before, after, _ = spring_fit([R], [B], p0, 0, 0.1)
    checks.close(fitted, p0, "θ after 0 steps", rtol=0.0)
    checks.close(after, before, "loss after 0 steps", rtol=LOSS_RTOL)
