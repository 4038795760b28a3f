"""Visible tests of exercise set 07: vibrational thermochemistry from frequencies."""

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import catalog, checks

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex07_thermo")

M = 8
# real vibrations plus, sometimes, an imaginary mode and leftover rigid-body zeros
spectra = st.tuples(
    st.lists(st.floats(20.0, 4000.0), min_size=M - 2, max_size=M - 2),
    st.sampled_from([[0.0, 0.3], [-150.0, 1e-3], [-0.5, 500.0]]),
).map(lambda t: np.array(t[0] + t[1]))
temperatures = st.floats(50.0, 2000.0)


def reference(nu, T):
    return nm.thermo.harmonic_thermo(nu, T, min_frequency=1.0)


# d³U/dT³ of the reference (jitted once: the tolerance of the central-difference test)
U_third = jax.jit(jax.grad(jax.grad(jax.grad(lambda T, nu: reference(nu, T).internal_energy))))


@pytest.mark.points(2)
@given(nu=spectra)
def test_zero_point_energy(nu):
    zpe = checks.as_float(ex.zero_point_energy(nu), "zero_point_energy(wavenumbers)")
    checks.close(zpe, float(reference(nu, 300.0).zpe), "ZPE (real vibrations only)", rtol=1e-12)


@pytest.mark.points(2)
@given(nu=spectra, T=temperatures)
def test_internal_energy(nu, T):
    U = checks.as_float(ex.internal_energy(nu, T), "internal_energy(wavenumbers, T)")
    checks.close(U, float(reference(nu, T).internal_energy), "U_vib", rtol=1e-10)


@pytest.mark.points(2)
@given(nu=spectra, T=temperatures)
def test_vibrational_entropy(nu, T):
    S = checks.as_float(ex.vibrational_entropy(nu, T), "vibrational_entropy(wavenumbers, T)")
    checks.close(S, float(reference(nu, T).entropy), "S_vib", rtol=1e-9, atol=1e-14)


@pytest.mark.points(2)
@given(nu=spectra, T=temperatures)
def test_heat_capacity(nu, T):
    C = checks.as_float(ex.heat_capacity(nu, T), "heat_capacity(wavenumbers, T)")
    checks.close(C, float(reference(nu, T).heat_capacity), "C_V,vib", rtol=1e-9, atol=1e-14)


@pytest.mark.points(2)
@given(nu=spectra, T=temperatures)
def test_helmholtz_energy_is_U_minus_TS(nu, T):
    F = checks.as_float(ex.helmholtz_energy(nu, T), "helmholtz_energy(wavenumbers, T)")
    checks.close(F, float(reference(nu, T).helmholtz_energy), "F_vib", rtol=1e-9, atol=1e-12)
    U = checks.as_float(ex.internal_energy(nu, T), "internal_energy")
    S = checks.as_float(ex.vibrational_entropy(nu, T), "vibrational_entropy")
    checks.close(F, U - T * S, "F = U - T S", rtol=1e-9, atol=1e-12)


@pytest.mark.points(1)
@given(nu=spectra, T=st.floats(100.0, 1000.0))
def test_heat_capacity_is_dU_dT(nu, T):
    h = 1e-3 * T
    up = checks.as_float(ex.internal_energy(nu, T + h), "internal_energy")
    down = checks.as_float(ex.internal_energy(nu, T - h), "internal_energy")
    C = checks.as_float(ex.heat_capacity(nu, T), "heat_capacity")

    # truncation h²/6 |U'''| plus rounding δ/h (see checks.central_difference_tolerance)
    tol = checks.central_difference_tolerance(
        lambda t: U_third(t, nu), T, h, max(abs(up), abs(down))
    )
    checks.close(C, (up - down) / (2 * h), "C_V vs dU/dT (central difference)", atol=tol)


@pytest.mark.points(1)
def test_classical_limit_and_water():
    nu = np.array([10.0, 20.0, 30.0])
    C = checks.as_float(ex.heat_capacity(nu, 1e5), "heat_capacity(soft modes, 1e5 K)")
    checks.close(C, 3 * nm.units.GAS_CONSTANT_KCAL, "C_V → R per mode (equipartition)", rtol=1e-6)
    mol = catalog.molecule("water")
    freqs = np.asarray(
        nm.normal_modes(catalog.reference_hessian("water"), mol.masses, mol.R).frequencies
    )
    S = checks.as_float(ex.vibrational_entropy(freqs, 298.15), "vibrational_entropy(water)")
    checks.close(
        S, float(nm.thermo.harmonic_thermo(freqs, 298.15).entropy), "water S_vib", rtol=1e-9
    )
