"""Hidden tests of exercise set 01 (instructor material)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import checks

from jaxnm_course.grading.target import load

ex = load("ex01_precision")

EPS32 = float(np.finfo(np.float32).eps)


@pytest.mark.points(1)
def test_to_float64_of_a_scalar_and_a_matrix():
    y = checks.as_array(ex.to_float64(3), "to_float64(3)", ())
    # converting to float64 is exact for an int and for float64 values: rtol 0 below
    checks.close(y, 3.0, "to_float64(3)", rtol=0.0)
    x = np.arange(6.0).reshape(2, 3) / 7.0
    y = checks.as_array(ex.to_float64(x), "to_float64((2, 3) array)", (2, 3))
    checks.close(y, x, "to_float64 of a matrix", rtol=0.0)


@pytest.mark.points(2)
@given(k=st.integers(-20, 60), dtype=st.sampled_from(["float32", "float64"]))
def test_spacing_at_powers_of_two(k, dtype):
    x = 2.0**k
    gap = checks.as_float(ex.spacing(x, dtype), f"spacing(2**{k}, {dtype!r})")
    # exact: at x = 2^k the gap upwards is 2^k ε of the dtype
    checks.close(gap, x * float(np.finfo(dtype).eps), f"spacing(2**{k})", rtol=0.0)


@pytest.mark.points(1)
def test_second_difference_float32_with_a_large_step():
    x, h = 0.5, 1e-2
    d2 = checks.as_float(ex.second_difference_cos(x, h, "float32"), "second_difference_cos")
    # truncation ≤ h²/12 ≈ 8e-6; float32 rounding ≤ 16 · 2⁻²⁴ / h² ≈ 1e-2 (see the visible
    # tests); at this step float32 is usable: two to three digits
    checks.close(
        d2, -np.cos(x), "float32 difference at h = 1e-2", atol=h**2 / 12 + 16 * 2.0**-24 / h**2
    )


@pytest.mark.points(2)
def test_one_minus_cos_of_a_tiny_float32_angle_is_not_zero():
    t = np.array([[1e-4, 3e-5, 1e-7]], dtype=np.float32)
    y = checks.as_array(
        ex.one_minus_cos(t), "one_minus_cos(tiny float32 angles)", (1, 3), float64=False
    )
    exact = 2 * np.sin(t.astype(np.float64) / 2) ** 2
    # see the visible tests: 16 ε of float32 relative
    checks.close(y, exact, "1 - cos θ for θ ≤ 1e-4 (float32 1 - cos gives 0)", rtol=16 * EPS32)
