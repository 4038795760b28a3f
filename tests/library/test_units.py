"""Unit conversions, checked against numbers computed here from SciPy's CODATA constants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import constants as sc

from jaxnm_course import units


def test_wavenumber_factor_from_scipy_constants():
    # ω² [s⁻²] of λ = 1 kcal/mol/Å²/amu; ν̃ = ω / (2π c) [cm⁻¹]
    omega = np.sqrt(sc.calorie * 1e3 / sc.N_A / (sc.angstrom**2 * sc.atomic_mass))
    expected = omega / (2 * np.pi * sc.c * 100)
    # SciPy may carry a newer CODATA atomic mass constant: agree to 1e-8
    assert units.WAVENUMBER_PER_SQRT_EIGENVALUE == pytest.approx(expected, rel=1e-8, abs=0)
    assert units.WAVENUMBER_PER_SQRT_EIGENVALUE == pytest.approx(108.5913, rel=1e-6, abs=0)


def test_derived_constants_from_scipy():
    assert units.GAS_CONSTANT_KCAL == pytest.approx(sc.R / (sc.calorie * 1e3), rel=1e-12, abs=0)
    assert units.HC_KCAL_MOL_CM == pytest.approx(
        sc.h * sc.c * 100 * sc.N_A / (sc.calorie * 1e3), rel=1e-12, abs=0
    )
    assert units.EV_PER_KCAL_MOL == pytest.approx(
        sc.calorie * 1e3 / sc.N_A / sc.eV, rel=1e-12, abs=0
    )
    # the AKMA time unit used by CHARMM: 48.88821 fs
    assert units.TIME_UNIT_FS == pytest.approx(48.88821, rel=1e-6, abs=0)
    assert float(units.kT(300.0)) == pytest.approx(0.5961612, rel=1e-6, abs=0)


# XLA on CPU flushes subnormal floats (|x| < 2.2e-308) to zero, so they are excluded:
# no eigenvalue of a physical Hessian is that small and still meaningful.
@given(st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False))
def test_wavenumber_round_trip_and_sign(lam):
    nu = units.eigenvalue_to_wavenumber(lam)
    assert np.sign(nu) == np.sign(lam)
    assert float(units.wavenumber_to_eigenvalue(nu)) == pytest.approx(lam, rel=1e-12, abs=1e-300)


def test_frequency_units_agree():
    lam = 467.9
    nu_cm = float(units.eigenvalue_to_wavenumber(lam))
    thz = float(units.eigenvalue_to_thz(lam))
    omega = float(units.eigenvalue_to_angular_frequency(lam))
    assert thz * 1e12 == pytest.approx(nu_cm * sc.c * 100, rel=1e-12, abs=0)
    assert omega == pytest.approx(2 * np.pi * thz * 1e12, rel=1e-12, abs=0)
    assert float(units.wavenumber_to_kcal_per_mol(nu_cm)) == pytest.approx(
        sc.h * thz * 1e12 * sc.N_A / 4184, rel=1e-12, abs=0
    )
