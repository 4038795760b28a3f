"""Hidden tests of exercise set 06 (instructor material)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import checks

from jaxnm_course.grading.target import load

ex = load("ex06_chain")


@pytest.mark.points(2)
@given(k=st.floats(0.5, 50.0), m=st.floats(1.0, 50.0))
def test_ring_modes_come_in_degenerate_pairs_below_4k_over_m(k, m):
    lam = checks.as_array(ex.ring_eigenvalues(10, k, m), "ring_eigenvalues(10, k, m)", (10,))
    # eigensolver backward error ≲ c n ε ‖K/m‖ ≈ 10·10·1.1e-16·4k/m ≈ 5e-14 k/m per eigenvalue
    # (1e-13 k/m for a difference of two): atol 1e-10 k/m (margin 1e3)
    checks.close(
        lam[[0, -1]], [0.0, 4 * k / m], "ω² at q = 0 and at the zone boundary", atol=1e-10 * k / m
    )
    checks.close(lam[1:-1:2], lam[2:-1:2], "±q degeneracy", atol=1e-10 * k / m)
