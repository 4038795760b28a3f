"""Visible tests of exercise set 06: the harmonic chain and its dispersion relation."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import catalog, checks

from jaxnm_course.grading.target import load

ex = load("ex06_chain")

NS = st.sampled_from([6, 10])  # bucketed sizes: two compilations at most
springs = st.floats(0.5, 50.0)
masses = st.floats(1.0, 50.0)
spacings = st.floats(1.0, 4.0)


@pytest.mark.points(2)
@given(n=NS, k=springs)
def test_chain_hessian_is_k_times_the_path_laplacian(n, k):
    K = checks.as_array(ex.chain_hessian(n, k), "chain_hessian(n, k)", (n, n))
    A = np.diag(np.ones(n - 1), 1)
    A = A + A.T
    # entries are k, 2k, -k or 0: one exact multiplication by a small integer (or an exact
    # sum of ±k), so a right answer is exact, zeros included (rtol · 0 = 0); rtol 1e-12
    checks.close(K, k * (np.diag(A.sum(1)) - A), "chain Hessian", rtol=1e-12)


@pytest.mark.points(2)
def test_chain_hessian_matches_autodiff_of_the_chain_energy():
    n, k = 6, 3.5
    H = catalog.reference_hessian("harmonic_chain", n=n, k=k, a=1.5)
    K = checks.as_array(ex.chain_hessian(n, k), "chain_hessian(6, 3.5)", (n, n))
    # the 3D chain is at rest (r = a exactly: 1.5 is exact in binary), so its x-x block is
    # k (2, -1, ...) up to a few roundings of k: ≲ 10 ε · 7 ≈ 1e-14; atol 1e-10 (margin 1e4)
    checks.close(K, H[0::3, 0::3], "the x-x block of the 3D chain's Hessian", atol=1e-10)


@pytest.mark.points(3)
@given(n=NS, k=springs, m=masses)
def test_free_chain_eigenvalues_are_analytic(n, k, m):
    lam = checks.as_array(ex.chain_eigenvalues(n, k, m), "chain_eigenvalues(n, k, m)", (n,))
    j = np.arange(n)
    expected = 2 * k / m * (1 - np.cos(np.pi * j / n))
    # a symmetric eigensolver is backward stable: |δλ| ≲ c n ε ‖K/m‖ ≈ 10·10·1.1e-16 · 4k/m
    # ≈ 1e-14 max λ (the analytic formula is closer still); atol 1e-10 max λ (margin 1e4)
    # also covers λ_0 = 0; a wrong end condition moves λ by O(k/m)
    checks.close(lam, expected, "ω_j² = 2k/m (1 - cos(π j / N))", atol=1e-10 * expected.max())


@pytest.mark.points(3)
@given(n=NS, k=springs, m=masses, a=spacings)
def test_ring_eigenvalues_follow_the_dispersion_relation(n, k, m, a):
    lam = checks.as_array(ex.ring_eigenvalues(n, k, m), "ring_eigenvalues(n, k, m)", (n,))
    q = 2 * np.pi * np.arange(n) / (n * a)
    expected = np.sort((2 * np.sqrt(k / m) * np.sin(q * a / 2)) ** 2)
    # eigensolver backward error as above: ≲ 1e-14 max λ; atol 1e-10 max λ (margin 1e4)
    checks.close(lam, expected, "ring eigenvalues vs ω(q_j)²", atol=1e-10 * expected.max())


@pytest.mark.points(2)
@given(k=springs, m=masses, a=spacings)
def test_dispersion_relation(k, m, a):
    q = np.linspace(-np.pi / a, np.pi / a, 9)
    w = checks.as_array(ex.dispersion(q, k, m, a), "dispersion(q, k, m, a)", (9,))
    # q a / 2 rounds to ≤ ε π/2; |sin| of it (≥ sin(π/8) away from q = 0, where linspace
    # gives exactly 0) is then ≲ 3 ε relative, sqrt(k/m) ≲ 2 ε more: ≲ 1e-15 relative,
    # rtol 1e-12 (margin 1e3); atol 1e-14 only for ω(0) = 0, which every formula gets exactly
    checks.close(w, 2 * np.sqrt(k / m) * np.abs(np.sin(q * a / 2)), "ω(q)", rtol=1e-12, atol=1e-14)
    # sin(π/2 (1 + δ)) with δ ~ ε is 1 - O(ε²): ≲ 2 ε relative, rtol 1e-12 as above
    checks.close(w[[0, -1]], [2 * np.sqrt(k / m)] * 2, "ω at the zone boundary ±π/a", rtol=1e-12)
    # q is any wave vector, not only the first Brillouin zone: ω(q + 2πn/a) = ω(q)
    far = q + np.array([1, -1, 2, -2, 3, -3, 1, 2, -1]) * 2 * np.pi / a
    w_far = checks.as_array(ex.dispersion(far, k, m, a), "dispersion(q beyond ±π/a)", (9,))
    # |q a / 2| ≤ 4π: the rounding of the argument, ≈ 4π ε, is the only difference allowed
    scale = 2 * np.sqrt(k / m)
    checks.close(
        w_far, scale * np.abs(np.sin(far * a / 2)), "ω beyond the first zone", atol=1e-13 * scale
    )


@pytest.mark.points(3)
@given(k=springs, m=masses, a=spacings)
def test_group_velocity(k, m, a):
    q = np.linspace(0.05, 0.95, 7) * np.pi / a
    v = checks.as_array(ex.group_velocity(q, k, m, a), "group_velocity(q, k, m, a)", (7,))
    # q a / 2 ∈ [0.025π, 0.475π]: cos there is ≥ 0.078 and its relative error is
    # ≲ ε |x tan x| ≈ 2e-15; autodiff of ω adds a few ε: rtol 1e-10 (margin 1e4); the slips
    # (sin(qa) for sin(qa/2), a dropped a) are off by O(1)
    checks.close(
        v, a * np.sqrt(k / m) * np.cos(q * a / 2), "dω/dq = a sqrt(k/m) cos(qa/2)", rtol=1e-10
    )
    # the long-wavelength limit is the speed of sound a sqrt(k/m): the exact v at q = 1e-6
    # is below it by (q a / 2)² / 2 ≤ 2e-12 relative (a ≤ 4); rtol 1e-9 (margin 500)
    v0 = checks.as_array(ex.group_velocity(np.array([1e-6] * 7), k, m, a), "group_velocity", (7,))
    checks.close(v0, [a * np.sqrt(k / m)] * 7, "speed of sound", rtol=1e-9)


@pytest.mark.points(1)
def test_integer_arguments():
    """Integers where numbers are documented: n, k, m and integer wave vectors."""
    K = checks.as_array(ex.chain_hessian(4, 3), "chain_hessian(4, 3)", (4, 4))
    # small integers: exact (rtol 1e-12, zeros exactly 0)
    checks.close(K[0], [3.0, -3.0, 0.0, 0.0], "first row of chain_hessian(4, 3)", rtol=1e-12)
    lam = checks.as_array(ex.chain_eigenvalues(6, 3, 2), "chain_eigenvalues(6, 3, 2)", (6,))
    expected = 2 * 3 / 2 * (1 - np.cos(np.pi * np.arange(6) / 6))
    # eigensolver backward error ≲ c n ε ‖K/m‖ ≈ 10·6·1.1e-16·6 ≈ 4e-14: atol 1e-12 (margin 25)
    checks.close(lam, expected, "chain eigenvalues with k = 3, m = 2", atol=1e-12)
    q = np.array([1, 2])  # 1/Å, integers, inside (0, π/a) for a = 1.5
    v = checks.as_array(ex.group_velocity(q, 3, 2, 1.5), "group_velocity([1, 2], 3, 2, 1.5)", (2,))
    # cos(0.75), cos(1.5) ≥ 0.07 to ≲ ε |x tan x| ≈ 2.4e-15 relative, a few ε of arithmetic:
    # ≲ 5e-15, rtol 1e-12 (margin 200)
    checks.close(v, 1.5 * np.sqrt(1.5) * np.cos(q * 0.75), "dω/dq at integer q", rtol=1e-12)
