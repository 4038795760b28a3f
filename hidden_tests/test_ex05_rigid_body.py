"""Hidden tests of exercise set 05 (instructor material)."""

import numpy as np
import pytest
from jaxnm_exercises import catalog, checks

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex05_rigid_body")


@pytest.mark.points(2)
def test_diatomic_has_one_vibration_at_sqrt_k_over_mu():
    mol = catalog.molecule("diatomic", symbols=("2H", "35Cl"))
    H = catalog.reference_hessian("diatomic", symbols=("2H", "35Cl"))
    R, m = np.asarray(mol.R), np.asarray(mol.masses)
    nu = checks.as_array(ex.vibrational_wavenumbers(H, m, R), "vibrational_wavenumbers(DCl)", (1,))
    mu = m[0] * m[1] / (m[0] + m[1])
    expected = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE * np.sqrt(mol.parameters["k"] / mu)
    checks.close(nu, [expected], "DCl: sqrt(k / μ) / (2π c)", rtol=1e-9)
