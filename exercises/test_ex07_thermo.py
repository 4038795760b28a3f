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


# Error bounds of the thermochemistry (used below): every quantity is a sum over ≤ 8 real
# modes (|ν̃| ≥ 1 cm⁻¹) of non-negative terms in x = hcν̃ / kT ∈ [0.014, 115]. Computed with
# or without expm1/log1p, a term is good to ≲ ε / x ≈ 8e-15 relative (e^x - 1 at x = 0.014)
# or, at large x, to ≲ R ε ≈ 2e-19 kcal/mol/K absolute (log(1 - e^-x) rounding to 0); the
# sums then to ≲ 1e-14 relative. rtol 1e-10 / 1e-9 keep margins of 1e4 / 1e5 and are
# still 1e4 below the slips that matter (a missing ½, the imaginary or the 0.3 cm⁻¹ mode
# counted: ≥ 1e-3 relative; a wrong log sign: O(1)). The atol parts are for sums that are
# tiny (S, C_V → 0 when every x ≫ 1) and are far above the absolute rounding above.


def reference(nu, T):
    return nm.thermo.harmonic_thermo(nu, T, min_frequency=1.0)


# d³U/dT³ of the reference (jitted once: the tolerance of the central-difference test)
U_third = jax.jit(jax.grad(jax.grad(jax.grad(lambda T, nu: reference(nu, T).internal_energy))))


@pytest.mark.points(2)
@given(nu=spectra)
def test_zero_point_energy(nu):
    zpe = checks.as_float(ex.zero_point_energy(nu), "zero_point_energy(wavenumbers)")
    # Σ ½ hcν̃ over ≤ 8 positive terms: ≤ (8 + 2) ε ≈ 1e-15 relative; rtol 1e-12 (margin
    # 1e3); counting the 0.3 cm⁻¹ or an imaginary mode moves the ZPE by ≥ 1e-3 relative
    checks.close(zpe, float(reference(nu, 300.0).zpe), "ZPE (real vibrations only)", rtol=1e-12)


@pytest.mark.points(2)
@given(nu=spectra, T=temperatures)
def test_internal_energy(nu, T):
    U = checks.as_float(ex.internal_energy(nu, T), "internal_energy(wavenumbers, T)")
    # ≲ 1e-14 relative (bound above): rtol 1e-10 (margin 1e4)
    checks.close(U, float(reference(nu, T).internal_energy), "U_vib", rtol=1e-10)


@pytest.mark.points(2)
@given(nu=spectra, T=temperatures)
def test_vibrational_entropy(nu, T):
    S = checks.as_float(ex.vibrational_entropy(nu, T), "vibrational_entropy(wavenumbers, T)")
    # ≲ 1e-14 relative, ≲ 2e-18 absolute for tiny S (bound above): rtol 1e-9, atol 1e-14
    checks.close(S, float(reference(nu, T).entropy), "S_vib", rtol=1e-9, atol=1e-14)


@pytest.mark.points(2)
@given(nu=spectra, T=temperatures)
def test_heat_capacity(nu, T):
    C = checks.as_float(ex.heat_capacity(nu, T), "heat_capacity(wavenumbers, T)")
    # as for S: ≲ 1e-14 relative, far below atol 1e-14 absolute where every x ≫ 1
    checks.close(C, float(reference(nu, T).heat_capacity), "C_V,vib", rtol=1e-9, atol=1e-14)


@pytest.mark.points(2)
@given(nu=spectra, T=temperatures)
def test_helmholtz_energy_is_U_minus_TS(nu, T):
    F = checks.as_float(ex.helmholtz_energy(nu, T), "helmholtz_energy(wavenumbers, T)")
    # F = ZPE + RT Σ log(1 - e^-x) changes sign (ZPE ≤ 46, |RT Σ log| ≤ 100 kcal/mol), so
    # only the absolute rounding is left near F = 0: ≲ ε · 150 + 8 · RT · ε / x ≈ 2e-13
    # (naive log(1 - e^-x) at x = 0.014, RT ≤ 4; measured ≤ 7e-14 between a naive NumPy
    # version and the reference over 3000 draws): atol 1e-12 (margin ≥ 5), rtol 1e-9 elsewhere
    checks.close(F, float(reference(nu, T).helmholtz_energy), "F_vib", rtol=1e-9, atol=1e-12)
    U = checks.as_float(ex.internal_energy(nu, T), "internal_energy")
    S = checks.as_float(ex.vibrational_entropy(nu, T), "vibrational_entropy")
    # U and T S (≤ 46 + 2000·0.07 ≈ 190 kcal/mol) each good to ≲ 1e-15 relative: their
    # difference to ≲ 2e-13 absolute where it cancels, as above (atol 1e-12, margin 5)
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
    # the exact C_V is below 3R by Σ x²/12 / 3 ≤ (4.3e-4)² / 12 ≈ 1.6e-8 relative (x ≤ 4.3e-4
    # at 30 cm⁻¹, 1e5 K), and a naive e^x - 1 costs ≲ 2 ε / x ≈ 2e-12: rtol 1e-6 (margin 60
    # over the physics); the value itself is pinned at 1e-9 by test_heat_capacity
    checks.close(C, 3 * nm.units.GAS_CONSTANT_KCAL, "C_V → R per mode (equipartition)", rtol=1e-6)
    mol = catalog.molecule("water")
    freqs = np.asarray(
        nm.normal_modes(catalog.reference_hessian("water"), mol.masses, mol.R).frequencies
    )
    S = checks.as_float(ex.vibrational_entropy(freqs, 298.15), "vibrational_entropy(water)")
    # three modes with x ≈ 7.7-18 at 298 K: ≲ 1e-14 relative (bound above), rtol 1e-9
    checks.close(
        S, float(nm.thermo.harmonic_thermo(freqs, 298.15).entropy), "water S_vib", rtol=1e-9
    )
