"""Visible tests of exercise set 02: JAX essentials (pure functions, grad, vmap, x64)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import catalog, checks

from jaxnm_course.grading.target import load

ex = load("ex02_jax_basics")

B = 6  # fixed number of springs: JAX compiles once
lengths = st.lists(st.floats(0.5, 3.0), min_size=B, max_size=B).map(np.array)
constants = st.lists(st.floats(1.0, 1000.0), min_size=B, max_size=B).map(np.array)


@pytest.mark.points(3)
@given(r=lengths, k=constants, r0=lengths)
def test_spring_energy_matches_the_formula(r, k, r0):
    E = checks.as_float(ex.spring_energy(r, k, r0), "spring_energy(r, k, r0)")
    # a sum of B = 6 non-negative terms, each ½ k (r - r0)² to ~4 ε relative (r - r0 is one
    # rounding of the exact difference): any summation order is within (B + 4) ε ≈ 2e-15
    # relative; rtol 1e-12 (margin ~500) still sees a missing ½ or a wrong sign at once
    checks.close(E, np.sum(0.5 * k * (r - r0) ** 2), "spring_energy", rtol=1e-12)


@pytest.mark.points(1)
def test_spring_energy_accepts_scalar_parameters():
    r = np.array([1.0, 1.5, 2.0])
    E = ex.spring_energy(r, 2.0, 1.5)
    # ½·2·(0.25 + 0 + 0.25) is exact in binary: the default rtol 1e-10 is rounding-proof
    checks.close(checks.as_float(E, "spring_energy(r, 2.0, 1.5)"), 0.5, "spring_energy")


@pytest.mark.points(3)
@given(r=lengths, k=constants, r0=lengths)
def test_spring_forces_are_minus_the_gradient(r, k, r0):
    F = checks.as_array(ex.spring_forces(r, k, r0), "spring_forces(r, k, r0)", (B,))
    # elementwise -k (r - r0) (by hand or by grad: ½ k · 2 (r - r0)) is 2-3 roundings: ≤ 3 ε
    # relative per entry, so rtol 1e-12 (margin ~3000); atol 1e-12 only for entries ≈ 0
    checks.close(F, -k * (r - r0), "spring_forces vs -k (r - r0)", rtol=1e-12, atol=1e-12)


@pytest.mark.points(1)
def test_spring_forces_vanish_at_rest():
    r0 = np.array([1.0, 1.2, 1.4])
    F = checks.as_array(ex.spring_forces(r0, 5.0, r0), "spring_forces(r0, 5, r0)", (3,))
    # r0 - r0 = 0 exactly in floating point: a right answer is exactly 0 (atol 0)
    checks.close(F, np.zeros(3), "forces at the rest lengths", atol=0.0)
    # zero forces everywhere would pass the line above: stretched by 0.1 Å, F = -5 · 0.1
    F = checks.as_array(
        ex.spring_forces(r0 + 0.1, 5.0, r0), "spring_forces(r0 + 0.1, 5, r0)", (3,)
    )
    # (r0 + 0.1) - r0 differs from 0.1 by ≤ ε |r0 + 0.1| ≈ 3e-16, 2e-15 relative: rtol 1e-12
    checks.close(F, np.full(3, -0.5), "forces of springs stretched by 0.1 Å", rtol=1e-12)


@pytest.mark.points(3)
@given(batch=st.lists(lengths, min_size=4, max_size=4).map(np.array), k=constants, r0=lengths)
def test_batch_energies_equal_one_by_one(batch, k, r0):
    E = checks.as_array(ex.batch_energies(batch, k, r0), "batch_energies(r_batch, k, r0)", (4,))
    expected = [np.sum(0.5 * k * (row - r0) ** 2) for row in batch]
    # per row as in test_spring_energy_matches_the_formula: ≤ (B + 4) ε ≈ 2e-15 relative
    checks.close(E, expected, "batch_energies", rtol=1e-12)


@pytest.mark.points(3)
@given(
    D=st.floats(10.0, 200.0), a=st.floats(0.5, 3.0), r0=st.floats(0.8, 2.0), dx=st.floats(-0.3, 1)
)
def test_curvature_of_a_morse_potential(D, a, r0, dx):
    f = catalog.function("morse_1d", D=D, a=a, r0=r0)
    c = checks.as_float(ex.curvature(f, r0 + dx), "curvature(morse, x)")
    y = np.exp(-a * dx)  # analytic: V'' = 2 D a² (2 y² - y)
    # the student's y is exp(-a ((r0 + dx) - r0)): the rounding of r0 + dx (≤ ε·3 Å) moves it
    # by ≤ 3a ε ≈ 1e-15 relative; with a few ε more for the arithmetic, the error is ≲ 1e-14
    # relative to 2 D a² (2 y² + y) ≤ 2·200·9·15 ≈ 5e4. Hence rtol 1e-10 (margin ~1e4); near
    # the inflection point y = ½ (V'' = 0, reached for dx = ln 2 / a) only the absolute part
    # is left: 2 D a² · |4y - 1| · 1e-15 ≲ 4e-12, so atol 1e-10 (margin ~25)
    checks.close(c, 2 * D * a * a * (2 * y * y - y), "Morse curvature", rtol=1e-10, atol=1e-10)


@pytest.mark.points(1)
def test_curvature_of_a_polynomial():
    f = catalog.function("polynomial", coefficients=np.array([1.0, -2.0, 3.0, 0.5]))
    c = checks.as_float(ex.curvature(f, 2.0), "curvature(1 - 2x + 3x² + x³/2, 2.0)")
    # 2·3 + 6·0.5·2 = 12 is exact in binary (small integers and halves): rtol 1e-12 is ample
    checks.close(c, 6.0 + 3.0 * 2.0, "polynomial curvature", rtol=1e-12)
    # an integer point is a point too (jax.grad itself refuses integer inputs)
    c = checks.as_float(ex.curvature(f, 2), "curvature(1 - 2x + 3x² + x³/2, 2) (an int x)")
    checks.close(c, 6.0 + 3.0 * 2.0, "polynomial curvature at the integer x = 2", rtol=1e-12)


# bond directions: the three axes, and any direction (a bond is not always along x)
directions = st.one_of(
    st.sampled_from([(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, -1.0)]),
    st.tuples(*[st.floats(-1.0, 1.0)] * 3).filter(lambda u: np.linalg.norm(u) > 0.1),
).map(lambda u: np.asarray(u) / np.linalg.norm(u))


@pytest.mark.points(3)
@given(
    far=st.floats(1e3, 1e4),
    stretch=st.floats(1e-6, 1e-4),
    k=st.floats(100.0, 1000.0),
    r0=st.floats(0.9, 1.6),
    u=directions,
)
def test_stretch_energy_keeps_float64_precision(far, stretch, k, r0, u):
    R = np.array([[far, -far, far], [far, -far, far] + (r0 + stretch) * u])
    # R[1] - R[0] is exact (Sterbenz: nearby floats), so d is exact up to one rounding of
    # the norm (≈ 2e-16 Å, a relative 2e-10 of the smallest stretch d - r0 = 1e-6 Å)
    d = np.linalg.norm(R[1] - R[0])
    E = checks.as_float(ex.stretch_energy(R, k, r0), "stretch_energy(R, k, r0)")
    # float32 rounds 1e4 Å to ~1e-3 Å: no float32 computation gets within 1e-10 of this.
    # Bound: the student's d and NumPy's norm each carry ≲ 3 ε relative (≲ 5e-16 Å at
    # d ≤ 1.7 Å), so d - r0 ≥ 1e-6 Å is known to ≲ 1e-15 / 1e-6 = 1e-9 relative and its square
    # to 2e-9: rtol 1e-8 (margin 5); a float32 detour is off by ~(1e-3 / 1e-4)² relative
    checks.close(E, 0.5 * k * (d - r0) ** 2, "stretch energy (float64)", rtol=1e-8)


@pytest.mark.points(1)
@given(scale=st.floats(1.0, 1e4))
def test_float32_rounding_error(scale):
    R = scale * np.array([[np.pi, np.e, 1 / 3], [np.sqrt(2), -0.1, 7.0 / 9.0]])
    err = checks.as_float(ex.float32_rounding_error(R), "float32_rounding_error(R)")
    expected = np.max(np.abs(R.astype(np.float32).astype(np.float64) - R))
    # the cast is exact and x32 - x is exact (Sterbenz: the two are within a factor 2), so a
    # right answer is the same number; rtol 1e-12 only allows for a different, exact route
    checks.close(err, expected, "rounding error", rtol=1e-12)
    # a mathematical bound (round to nearest: |x32 - x| ≤ ½ ulp ≤ |x| 2⁻²⁴), not a tolerance
    assert err <= np.abs(R).max() * 2.0**-24, "float32 rounding is at most half an ulp"
