"""Visible tests of exercise set 01: float32 vs float64, spacing, cancellation."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from jaxnm_exercises import checks

from jaxnm_course.grading.target import load

ex = load("ex01_precision")

EPS32 = float(np.finfo(np.float32).eps)  # 2⁻²³
EPS64 = float(np.finfo(np.float64).eps)  # 2⁻⁵²
dtypes = st.sampled_from(["float32", "float64"])
floats = st.floats(-1e6, 1e6, allow_nan=False)


@pytest.mark.points(2)
@given(x=st.lists(floats, min_size=4, max_size=4).map(np.array))
@example(x=np.array([1.0 + 2.0**-40, 0.1, 1e5 + 1e-6, -3.0]))  # float32 rounds all but -3
def test_to_float64_keeps_every_bit(x):
    y = checks.as_array(ex.to_float64(x), "to_float64(x)", (4,))
    # exact: float64 in, float64 out; any detour through float32 changes the first three
    checks.close(y, x, "to_float64(x) vs x", rtol=0.0, atol=0.0)


@pytest.mark.points(1)
def test_to_float64_of_python_numbers_and_float32_arrays():
    y = checks.as_array(ex.to_float64([1, 2, 3]), "to_float64([1, 2, 3])", (3,))
    # small integers are exact in float64: a right conversion is exact (rtol 0)
    checks.close(y, [1.0, 2.0, 3.0], "to_float64 of ints", rtol=0.0)
    x32 = np.array([0.1, 1e-3], dtype=np.float32)
    y = checks.as_array(ex.to_float64(x32), "to_float64(float32 array)", (2,))
    # a float32 value is exactly representable in float64: no change allowed
    checks.close(y, x32.astype(np.float64), "to_float64 of float32 values", rtol=0.0)


@pytest.mark.points(3)
@given(x=st.floats(1e-3, 1e6), dtype=dtypes)
@example(x=1.0, dtype="float32")  # 2⁻²³
@example(x=3.0, dtype="float32")  # 2⁻²², not 3 · 2⁻²³: the gap is a power of two
@example(x=1e5, dtype="float64")
def test_spacing_is_the_gap_to_the_next_number(x, dtype):
    gap = checks.as_float(ex.spacing(x, dtype), f"spacing({x!r}, {dtype!r})")
    expected = float(np.spacing(np.asarray(x, dtype=dtype)))
    # exact: the gap is a power of two, representable in float64
    checks.close(gap, expected, f"spacing in {dtype}", rtol=0.0)


@pytest.mark.points(1)
def test_spacing_of_an_array():
    x = np.array([0.5, 1.0, 1000.0])
    gap = checks.as_array(ex.spacing(x, "float64"), "spacing(x, 'float64')", (3,))
    # the spacing of a float64 is a power of 2, computed exactly by any right route (rtol 0)
    checks.close(gap, np.spacing(x), "spacing of an array", rtol=0.0)


@pytest.mark.points(2)
@given(x=st.floats(0.0, 1.2), h=st.floats(1e-3, 1e-2))
def test_second_difference_in_float64_is_accurate(x, h):
    d2 = checks.as_float(
        ex.second_difference_cos(x, h, "float64"), f"second_difference_cos({x}, {h}, 'float64')"
    )
    # Taylor: truncation h²/12 max|cos''''| ≤ h²/12. Rounding: each of the three cos values
    # (|cos| ≤ 1) is off by ≤ 1 ulp ≤ ε and x ± h by ≤ ε|x ± h|/2 ≤ 1.1 ε (|cos'| ≤ 1), so
    # the numerator is off by ≤ 4 ε + 2.2 ε plus the rounding of its two additions
    # (≤ 2 ε): 8 ε / h² covers it.
    tol = h * h / 12 + 8 * EPS64 / (h * h)
    checks.close(d2, -np.cos(x), "second difference of cos vs -cos x", atol=tol, rtol=0.0)


@pytest.mark.points(2)
@given(x=st.floats(0.1, 1.0))
def test_second_difference_in_float32_shows_cancellation(x):
    h = 1e-4
    d2 = checks.as_float(
        ex.second_difference_cos(x, h, "float32"), f"second_difference_cos({x}, 1e-4, 'float32')"
    )
    err = abs(d2 + np.cos(x))
    # Computed in float32, cos(x ± h) and cos(x) lie in [0.5, 1), where float32 numbers are
    # multiples of 2⁻²⁴; so is the numerator (Sterbenz: the subtractions are exact), hence
    # d2 = k 2⁻²⁴ / h² ≈ 5.96 k for an integer k, and |d2 + cos x| ≥ cos 1 ≈ 0.54.
    # A result closer than 0.1 to -cos x was not computed in float32.
    if err < 0.1:
        raise AssertionError(
            f"second_difference_cos({x}, 1e-4, 'float32') = {d2:.6g} is within {err:.1e} of "
            "the exact -cos x: it was not computed in float32 (convert x and h with "
            "jnp.asarray(..., dtype=jnp.dtype(dtype)) before any arithmetic)"
        )
    # ... but it must still be the float32 difference quotient: its rounding error is at
    # most ≈ 8 ulps of 2⁻²⁴ in the numerator (see the float64 test), 8 · 2⁻²⁴ / h² ≈ 48;
    # 16 · 2⁻²⁴ / h² ≈ 95 leaves room for a different order of the additions.
    checks.close(d2, -np.cos(x), "float32 second difference", atol=16 * 2.0**-24 / h**2)


@pytest.mark.points(3)
@given(theta=st.lists(st.floats(1e-6, 1.0), min_size=8, max_size=8).map(np.array))
@example(theta=np.geomspace(1e-6, 1.0, 8))
def test_one_minus_cos_is_accurate_in_float32(theta):
    t32 = theta.astype(np.float32)
    y = checks.as_array(ex.one_minus_cos(t32), "one_minus_cos(float32 θ)", (8,), float64=False)
    if y.dtype != np.float32:
        raise AssertionError(
            f"one_minus_cos(float32 θ) returned dtype {y.dtype}; expected float32 (the dtype "
            "of θ: the point is an accurate formula, not more bits)"
        )
    exact = 2 * np.sin(t32.astype(np.float64) / 2) ** 2  # float64: error ~1e-16, negligible
    # 2 sin²(θ/2) in float32: θ/2 is exact, sin is off by ≤ 1-2 ulps (2 ε), squaring
    # doubles that (4 ε), the two products add ε: ≤ 5 ε relative; 16 ε allows any
    # cancellation-free formula. 1 - cos θ is off by ≈ ε / (θ²/2) ≥ 2e-3 relative here.
    checks.close(y, exact, "one_minus_cos in float32", rtol=16 * EPS32)


@pytest.mark.points(1)
@given(theta=st.lists(st.floats(1e-12, 1.0), min_size=8, max_size=8).map(np.array))
def test_one_minus_cos_is_accurate_in_float64(theta):
    y = checks.as_array(ex.one_minus_cos(theta), "one_minus_cos(float64 θ)", (8,))
    exact = 2 * np.sin(theta / 2) ** 2
    # student ≤ 16 ε relative (as in float32), the NumPy reference ≤ 5 ε: 32 ε in all
    checks.close(y, exact, "one_minus_cos in float64", rtol=32 * EPS64)
