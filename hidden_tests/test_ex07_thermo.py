"""Hidden tests of exercise set 07 (instructor material)."""

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import checks

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex07_thermo")


def _F(T, nu):
    return nm.thermo.harmonic_thermo(nu, T, min_frequency=1.0).helmholtz_energy


F_third = jax.jit(jax.grad(jax.grad(jax.grad(_F))))  # for the central-difference tolerance


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

    # truncation h²/6 |F'''| plus rounding δ/h (see checks.central_difference_tolerance)
    tol = checks.central_difference_tolerance(
        lambda t: F_third(t, nu), T, h, max(abs(up), abs(down))
    )
    checks.close(S, -(up - down) / (2 * h), "S vs -dF/dT", atol=tol)
    # the identity alone is met by F = S = 0: S must also be the reference's
    expected = float(nm.thermo.harmonic_thermo(nu, T, min_frequency=1.0).entropy)
    # as in the visible test_vibrational_entropy: ≲ 1e-14 relative (rtol 1e-9, margin 1e5)
    checks.close(S, expected, "S_vib", rtol=1e-9, atol=1e-14)
