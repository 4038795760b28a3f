"""Hidden tests of exercise set 03 (instructor material)."""

import numpy as np
import pytest
from hypothesis import given
from jaxnm_exercises import catalog, checks
from jaxnm_exercises import strategies as S

from jaxnm_course import potentials
from jaxnm_course.grading.target import load

ex = load("ex03_energies")


def lj_size(R, eps, sigma):
    """Σ_pairs 4ε (s² + s), s = (σ/r)⁶: repulsion + |attraction| (as in the visible tests)."""
    pairs = np.array(np.triu_indices(len(R), 1)).T
    r = np.linalg.norm(R[pairs[:, 1]] - R[pairs[:, 0]], axis=-1)
    s = (sigma / r) ** 6
    return float(np.sum(4.0 * eps * (s * s + s)))


@pytest.mark.points(2)
@given(R=S.positions(), Q=S.rotations(), t=S.translations(), perm=S.permutations())
def test_lj_energy_invariant_under_rigid_motion_and_relabelling(R, Q, t, perm):
    E = checks.as_float(ex.lj_energy(R, 0.7, 1.2), "lj_energy")
    moved = checks.as_float(ex.lj_energy((R @ Q.T + t)[perm], 0.7, 1.2), "lj_energy(moved)")
    # moving the atoms rounds coordinates to ε·25 Å, distances (≥ 0.7 Å) to ≲ 2e-14
    # relative, terms to 12× that ≈ 3e-13 relative of Σ|terms|; rtol 1e-10 for the usual
    # case, atol 1e-11 · Σ|terms| (margin ~30) where attraction and repulsion cancel
    size = lj_size(R, 0.7, 1.2)
    checks.close(
        moved, E, "LJ energy of the moved, relabelled cluster", rtol=1e-10, atol=1e-11 * size
    )
    # invariance alone is met by a constant: the energy must also be the library's
    expected = float(potentials.pair_energy(potentials.lennard_jones(0.7, 1.2), len(R))(R))
    # as in the visible test_lj_energy_matches_the_library: ≲ 7e-15 Σ|terms| apart
    checks.close(
        E, expected, "LJ energy vs jaxnm_course.potentials", rtol=1e-10, atol=1e-13 * size
    )


@pytest.mark.points(1)
def test_water_energy_terms_vanish_at_rest():
    mol = catalog.molecule("water")
    R = np.asarray(mol.R)
    p = mol.parameters
    Eb = checks.as_float(ex.bond_energy(R, mol.bonds, p["k_bond"], p["r0"]), "bond_energy")
    Ea = checks.as_float(ex.angle_energy(R, mol.angles, p["k_angle"], p["theta0"]), "angle_energy")
    # the SPC/Fw geometry is built from r0 and θ0: r - r0 and θ - θ0 are rounding, ≲ 1e-15,
    # so the energies are ≲ ½ k (1e-15)² ≈ 1e-27 (k ≤ 1e3): atol 1e-18 (margin 1e9); any
    # slip (θ0 in degrees, the wrong vertex, r0 of another bond) gives ≳ 1e-2 kcal/mol
    checks.close([Eb, Ea], [0.0, 0.0], "bond and angle energies at the SPC/Fw minimum", atol=1e-18)
    # zero at rest is met by E = 0 everywhere: away from rest the values must be the library's
    moved = R + np.array([[0.0, 0.0, 0.0], [0.05, -0.02, 0.01], [-0.03, 0.04, 0.0]])
    Eb = checks.as_float(ex.bond_energy(moved, mol.bonds, p["k_bond"], p["r0"]), "bond_energy")
    Ea = checks.as_float(
        ex.angle_energy(moved, mol.angles, p["k_angle"], p["theta0"]), "angle_energy"
    )
    bond = potentials.bond_energy(potentials.harmonic(p["k_bond"], p["r0"]), mol.bonds)
    angle = potentials.angle_energy(
        potentials.harmonic_angle(p["k_angle"], p["theta0"]), mol.angles
    )
    expected = [float(bond(moved)), float(angle(moved))]
    # a 0.05 Å distortion: r - r0 and θ - θ0 ≳ 1e-2, known to ~1e-15 → ≲ 1e-13 relative;
    # rtol 1e-10 (margin 1e3)
    checks.close([Eb, Ea], expected, "bond and angle energies of a distorted water", rtol=1e-10)
