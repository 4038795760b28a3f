"""Visible tests of exercise set 03: energy functions (distances, bonds, angles, LJ)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import checks
from jaxnm_exercises import strategies as S

from jaxnm_course import molecules, potentials
from jaxnm_course.grading.target import load

ex = load("ex03_energies")

N = S.N_ATOMS
PAIRS = S.all_pairs(N)  # 10 pairs
BONDS = np.array([[0, 1], [1, 2], [2, 3], [3, 4], [0, 4]])
TRIPLES = np.array([[0, 1, 2], [1, 2, 3], [2, 3, 4], [4, 0, 1]])
per_bond = st.lists(st.floats(10.0, 1000.0), min_size=5, max_size=5).map(np.array)
rest = st.lists(st.floats(0.8, 2.0), min_size=5, max_size=5).map(np.array)


def numpy_distances(R, pairs):
    return np.sqrt(((R[pairs[:, 1]] - R[pairs[:, 0]]) ** 2).sum(-1))


def analytic_gradient(R, k, r0):
    """dE/dR of Σ k/2 (r - r0)² by hand: k (r - r0) e on atom j, minus that on atom i."""
    g = np.zeros((N, 3))
    for (i, j), kb, rb in zip(BONDS, k, r0, strict=True):
        d = R[j] - R[i]
        r = np.linalg.norm(d)
        if r > 0:
            g[j] += kb * (r - rb) * d / r
            g[i] -= kb * (r - rb) * d / r
    return g


@pytest.mark.points(2)
@given(R=S.positions())
def test_pair_distances(R):
    r = checks.as_array(ex.pair_distances(R, PAIRS), "pair_distances(R, pairs)", (len(PAIRS),))
    checks.close(r, numpy_distances(R, PAIRS), "pair distances", rtol=1e-12)


@pytest.mark.points(2)
@given(R=S.positions(), Q=S.rotations(), t=S.translations())
def test_pair_distances_invariant_under_rigid_motion(R, Q, t):
    r = checks.as_array(ex.pair_distances(R, PAIRS), "pair_distances(R, pairs)", (len(PAIRS),))
    moved = checks.as_array(
        ex.pair_distances(R @ Q.T + t, PAIRS), "pair_distances(R Qᵀ + t)", (len(PAIRS),)
    )
    checks.close(moved, r, "distances after a rotation and translation", rtol=1e-10)
    # invariance alone is met by a constant: the distances must also be the right ones
    checks.close(r, numpy_distances(R, PAIRS), "pair distances", rtol=1e-12)


@pytest.mark.points(2)
@given(R=S.positions(), k=per_bond, r0=rest)
def test_bond_energy_matches_the_library(R, k, r0):
    E = checks.as_float(ex.bond_energy(R, BONDS, k, r0), "bond_energy(R, bonds, k, r0)")
    expected = float(potentials.bond_energy(potentials.harmonic(k, r0), BONDS)(R))
    checks.close(E, expected, "bond energy vs jaxnm_course.potentials", rtol=1e-12)


@pytest.mark.points(2)
@given(R=S.positions(), k=per_bond, r0=rest, perm=S.permutations())
def test_bond_energy_invariant_under_relabelling_atoms(R, k, r0, perm):
    inverse = np.argsort(perm)  # atom a of R is atom inverse[a] of R[perm]
    E = checks.as_float(ex.bond_energy(R, BONDS, k, r0), "bond_energy(R, bonds, k, r0)")
    E_perm = checks.as_float(
        ex.bond_energy(R[perm], inverse[BONDS], k, r0), "bond_energy(R[perm], relabelled bonds)"
    )
    checks.close(E_perm, E, "energy of the relabelled molecule", rtol=1e-12)
    # invariance alone is met by a constant: the energy must also be the library's
    expected = float(potentials.bond_energy(potentials.harmonic(k, r0), BONDS)(R))
    checks.close(E, expected, "bond energy vs jaxnm_course.potentials", rtol=1e-12)


def _coincide(R):
    R = R.copy()
    R[1] = R[0]  # atoms 0 and 1 (bond 0) on top of each other
    return R


# drawn as such, so that a failure prints the structure the student's code was given
coincident = S.positions().map(_coincide)


@pytest.mark.points(3)
@given(R=coincident, k=per_bond, r0=rest)
def test_gradient_is_finite_when_bonded_atoms_coincide(R, k, r0):
    g = checks.as_array(
        ex.bond_energy_gradient(R, BONDS, k, r0),
        "bond_energy_gradient with two coincident bonded atoms",
        (N, 3),
        hint="one row per atom",
    )
    # the coincident bond contributes k (r - r0) dr/dR = 0 (the gradient of a safe norm at 0)
    checks.close(g, analytic_gradient(R, k, r0), "gradient vs the hand-derived one", atol=1e-9)


@pytest.mark.points(2)
@given(R=S.positions(), k=per_bond, r0=rest)
def test_gradient_matches_the_analytic_forces(R, k, r0):
    g = checks.as_array(ex.bond_energy_gradient(R, BONDS, k, r0), "bond_energy_gradient", (N, 3))
    checks.close(g, analytic_gradient(R, k, r0), "dE/dR vs k (r - r0) e", rtol=1e-10, atol=1e-10)


@pytest.mark.points(2)
@given(R=S.positions())
def test_bond_angles(R):
    theta = checks.as_array(ex.bond_angles(R, TRIPLES), "bond_angles(R, triples)", (4,))
    u = R[TRIPLES[:, 0]] - R[TRIPLES[:, 1]]
    v = R[TRIPLES[:, 2]] - R[TRIPLES[:, 1]]
    cos = (u * v).sum(-1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    checks.close(theta, np.arccos(np.clip(cos, -1, 1)), "angles (vertex in the middle)", atol=1e-7)


@pytest.mark.points(1)
def test_water_angle():
    mol = molecules.water()
    theta = checks.as_array(ex.bond_angles(np.asarray(mol.R), mol.angles), "bond_angles", (1,))
    checks.close(theta, [np.deg2rad(113.24)], "H-O-H angle of SPC/Fw water", rtol=1e-10)


@pytest.mark.points(2)
@given(
    R=S.positions(),
    k=st.lists(st.floats(10.0, 100.0), min_size=4, max_size=4).map(np.array),
    theta0=st.lists(st.floats(1.5, 2.5), min_size=4, max_size=4).map(np.array),
)
def test_angle_energy_matches_the_library(R, k, theta0):
    E = checks.as_float(ex.angle_energy(R, TRIPLES, k, theta0), "angle_energy")
    term = potentials.harmonic_angle(k, theta0)
    expected = float(potentials.angle_energy(term, TRIPLES)(R))
    checks.close(E, expected, "angle energy vs jaxnm_course.potentials", rtol=1e-9)


@pytest.mark.points(2)
@given(R=S.positions(), eps=st.floats(0.1, 2.0), sigma=st.floats(0.8, 1.5))
def test_lj_energy_matches_the_library(R, eps, sigma):
    E = checks.as_float(ex.lj_energy(R, eps, sigma), "lj_energy(R, epsilon, sigma)")
    term = potentials.lennard_jones(eps, sigma)
    expected = float(potentials.pair_energy(term, N)(R))
    checks.close(E, expected, "LJ energy vs jaxnm_course.potentials", rtol=1e-10, atol=1e-12)


@pytest.mark.points(2)
def test_lj_known_minima():
    r_m = 2.0 ** (1 / 6)
    dimer = np.array([[0.0, 0.0, 0.0], [r_m, 0.0, 0.0]])
    checks.close(
        checks.as_float(ex.lj_energy(dimer, 1.0, 1.0), "lj_energy"), -1.0, "LJ2", rtol=1e-12
    )
    # LJ4: a regular tetrahedron of edge r_m, six pairs at the minimum: -6 ε
    tetra = r_m / np.sqrt(8) * np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1.0]])
    E = checks.as_float(ex.lj_energy(2.0 * tetra, 0.5, 2.0), "lj_energy(LJ4)")
    checks.close(E, -6 * 0.5, "LJ4 tetrahedron energy (ε = 0.5, σ = 2)", rtol=1e-12)
