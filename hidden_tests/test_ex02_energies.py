"""Hidden tests of exercise set 02 (instructor material)."""

import numpy as np
import pytest
from hypothesis import given
from jaxnm_exercises import catalog, checks
from jaxnm_exercises import strategies as S

from jaxnm_course.grading.target import load

ex = load("ex02_energies")


@pytest.mark.points(2)
@given(R=S.positions(), Q=S.rotations(), t=S.translations(), perm=S.permutations())
def test_lj_energy_invariant_under_rigid_motion_and_relabelling(R, Q, t, perm):
    E = checks.as_float(ex.lj_energy(R, 0.7, 1.2), "lj_energy")
    moved = checks.as_float(ex.lj_energy((R @ Q.T + t)[perm], 0.7, 1.2), "lj_energy(moved)")
    checks.close(moved, E, "LJ energy of the moved, relabelled cluster", rtol=1e-10, atol=1e-12)


@pytest.mark.points(1)
def test_water_energy_terms_vanish_at_rest():
    mol = catalog.molecule("water")
    R = np.asarray(mol.R)
    p = mol.parameters
    Eb = checks.as_float(ex.bond_energy(R, mol.bonds, p["k_bond"], p["r0"]), "bond_energy")
    Ea = checks.as_float(ex.angle_energy(R, mol.angles, p["k_angle"], p["theta0"]), "angle_energy")
    checks.close([Eb, Ea], [0.0, 0.0], "bond and angle energies at the SPC/Fw minimum", atol=1e-18)
