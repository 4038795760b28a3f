"""Hidden tests of exercise set 09 (instructor material)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import checks

from jaxnm_course.grading.target import load

ex = load("ex09_thermo")


@pytest.mark.points(2)
@given(
    nu=st.lists(st.floats(20.0, 3000.0), min_size=6, max_size=6).map(np.array),
    T=st.floats(100.0, 1000.0),
)
def test_entropy_is_minus_dF_dT(nu, T):
    h = 1e-3 * T
    up = checks.as_float(ex.helmholtz_energy(nu, T + h), "helmholtz_energy")
    down = checks.as_float(ex.helmholtz_energy(nu, T - h), "helmholtz_energy")
    S = checks.as_float(ex.vibrational_entropy(nu, T), "vibrational_entropy")
    checks.close(S, -(up - down) / (2 * h), "S vs -dF/dT", rtol=1e-5, atol=1e-12)
