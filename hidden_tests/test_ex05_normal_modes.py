"""Hidden tests of exercise set 05 (instructor material)."""

import numpy as np
import pytest
from hypothesis import given
from jaxnm_exercises import catalog, checks
from jaxnm_exercises import strategies as S

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex05_normal_modes")
N = S.N_ATOMS


def wavenumbers(H, m):
    out = ex.normal_modes(H, m)
    return checks.as_array(
        checks.field(out, "frequencies", "normal_modes"), "frequencies", (3 * N,)
    )


@pytest.mark.points(2)
@given(
    R=S.positions(), k=S.spring_constants(), m=S.masses(), Q=S.rotations(), perm=S.permutations()
)
def test_frequencies_invariant_under_rotation_and_relabelling(R, k, m, Q, perm):
    H = np.asarray(nm.hessian(S.spring_network(R, k), R))
    nu = wavenumbers(H, m)
    B = np.kron(np.eye(N), Q)
    idx = (3 * perm[:, None] + np.arange(3)).reshape(-1)
    nu2 = wavenumbers((B @ H @ B.T)[np.ix_(idx, idx)], m[perm])
    vib = np.abs(nu) > 1.0
    checks.close(nu2[vib], nu[vib], "frequencies of the rotated, relabelled molecule", rtol=1e-8)
    # invariance alone is met by a constant: the values must also be the reference's
    ref = np.asarray(nm.normal_modes(H, m, project=False).frequencies)
    checks.close(nu[vib], ref[vib], "wavenumbers vs the reference", rtol=1e-9)


# ---- rigid-body modes
@pytest.mark.points(2)
def test_diatomic_has_one_vibration_at_sqrt_k_over_mu():
    mol = catalog.molecule("diatomic", symbols=("2H", "35Cl"))
    H = catalog.reference_hessian("diatomic", symbols=("2H", "35Cl"))
    R, m = np.asarray(mol.R), np.asarray(mol.masses)
    nu = checks.as_array(ex.vibrational_wavenumbers(H, m, R), "vibrational_wavenumbers(DCl)", (1,))
    mu = m[0] * m[1] / (m[0] + m[1])
    expected = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE * np.sqrt(mol.parameters["k"] / mu)
    checks.close(nu, [expected], "DCl: sqrt(k / μ) / (2π c)", rtol=1e-9)
