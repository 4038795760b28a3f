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


def lj_size(R, eps, sigma):
    """Σ over pairs of 4ε (s² + s), s = (σ/r)⁶: repulsion + |attraction| (≥ Σ|terms|).

    Each term 4ε s (s - 1) is computed to ≲ 30 ε_mach relative to 4ε (s² + s) (r to ~3 ε,
    raised to the 12th power: ~36 ε), so two right implementations differ by
    ≲ 7e-15 · lj_size even where attraction and repulsion cancel (E ≈ 0).
    """
    r = numpy_distances(R, S.all_pairs(len(R)))
    s = (sigma / r) ** 6
    return float(np.sum(4.0 * eps * (s * s + s)))


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
    # difference, 3 squares, 2 sums, a square root: ≤ 4 ε relative per implementation (r is
    # at least ~0.7 Å, never 0 here), 2e-15 apart: rtol 1e-12 (margin ~500)
    checks.close(r, numpy_distances(R, PAIRS), "pair distances", rtol=1e-12)


@pytest.mark.points(2)
@given(R=S.positions(), Q=S.rotations(), t=S.translations())
def test_pair_distances_invariant_under_rigid_motion(R, Q, t):
    r = checks.as_array(ex.pair_distances(R, PAIRS), "pair_distances(R, pairs)", (len(PAIRS),))
    moved = checks.as_array(
        ex.pair_distances(R @ Q.T + t, PAIRS), "pair_distances(R Qᵀ + t)", (len(PAIRS),)
    )
    # R Qᵀ + t: coordinates up to |R| + |t| ≈ 25 Å rounded to ε·25 ≈ 3e-15 Å, and Q is
    # orthogonal to ~1e-15: the moved distances (≥ 0.7 Å) shift by ≲ 2e-14 relative;
    # rtol 1e-10 (margin ~5000; the values themselves are pinned at 1e-12 below)
    checks.close(moved, r, "distances after a rotation and translation", rtol=1e-10)
    # invariance alone is met by a constant: the distances must also be the right ones
    checks.close(r, numpy_distances(R, PAIRS), "pair distances", rtol=1e-12)


@pytest.mark.points(2)
@given(R=S.positions(), k=per_bond, r0=rest)
def test_bond_energy_matches_the_library(R, k, r0):
    E = checks.as_float(ex.bond_energy(R, BONDS, k, r0), "bond_energy(R, bonds, k, r0)")
    expected = float(potentials.bond_energy(potentials.harmonic(k, r0), BONDS)(R))
    # 5 non-negative terms ½ k (r - r0)²: r to ≤ 4 ε relative (2e-15 between two
    # implementations), so each term to ≤ 2·2e-15·r / |r - r0| relative. That is ≤ 1e-12 as
    # long as some bond is 0.5 % away from its rest length (r ≤ 7.5 Å, r0 ∈ [0.8, 2] drawn
    # independently of R: all five within 0.5 % is a ~1e-10 event); rtol 1e-12
    checks.close(E, expected, "bond energy vs jaxnm_course.potentials", rtol=1e-12)


@pytest.mark.points(2)
@given(R=S.positions(), k=per_bond, r0=rest, perm=S.permutations())
def test_bond_energy_invariant_under_relabelling_atoms(R, k, r0, perm):
    inverse = np.argsort(perm)  # atom a of R is atom inverse[a] of R[perm]
    E = checks.as_float(ex.bond_energy(R, BONDS, k, r0), "bond_energy(R, bonds, k, r0)")
    E_perm = checks.as_float(
        ex.bond_energy(R[perm], inverse[BONDS], k, r0), "bond_energy(R[perm], relabelled bonds)"
    )
    # the same distances of the same bonds (relabelling moves no coordinate): identical
    # terms, so ≤ 5 ε apart (summation order only); rtol 1e-12 as in the test above
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
    # Bound: each of an atom's ≤ 2 bond terms k (r - r0) e is ≤ 1000·6 = 6e3 and computed
    # to ≲ 4 ε relative, so entries are off by ≲ 2·6e3·1e-15 ≈ 1e-11: atol 1e-9 (margin 100);
    # a NaN (plain norm at r = 0) is refused before, a dropped bond is off by ~k r0 ≥ 8
    checks.close(g, analytic_gradient(R, k, r0), "gradient vs the hand-derived one", atol=1e-9)


@pytest.mark.points(2)
@given(R=S.positions(), k=per_bond, r0=rest)
def test_gradient_matches_the_analytic_forces(R, k, r0):
    g = checks.as_array(ex.bond_energy_gradient(R, BONDS, k, r0), "bond_energy_gradient", (N, 3))
    # as above: ≲ 1e-11 absolute where the two bond terms of an atom cancel (atol 1e-10,
    # margin ~10), ≲ 1e-15 relative elsewhere (rtol 1e-10)
    checks.close(g, analytic_gradient(R, k, r0), "dE/dR vs k (r - r0) e", rtol=1e-10, atol=1e-10)


@pytest.mark.points(2)
@given(R=S.positions())
def test_bond_angles(R):
    theta = checks.as_array(ex.bond_angles(R, TRIPLES), "bond_angles(R, triples)", (4,))
    u = R[TRIPLES[:, 0]] - R[TRIPLES[:, 1]]
    v = R[TRIPLES[:, 2]] - R[TRIPLES[:, 1]]
    cos = (u * v).sum(-1) / np.linalg.norm(u, axis=-1) / np.linalg.norm(v, axis=-1)
    # conditioning-aware: cos is computed to δ ≲ 6 ε ≈ 7e-16; arccos turns that into
    # δ / sin θ away from 0 and π but into √(2δ) ≈ 3.7e-8 at a collinear triple (reachable:
    # grid points with zero jitter). atan2 and arccos of a right answer differ by at most
    # that: atol 1e-7 (margin 2.7); the wrong vertex or degrees are off by ≳ 0.1
    checks.close(theta, np.arccos(np.clip(cos, -1, 1)), "angles (vertex in the middle)", atol=1e-7)


@pytest.mark.points(1)
def test_water_angle():
    mol = molecules.water()
    theta = checks.as_array(ex.bond_angles(np.asarray(mol.R), mol.angles), "bond_angles", (1,))
    # the geometry is built from the angle (coordinates to ε): at 113°, far from 0 and π, the
    # angle is well conditioned, ≲ 1e-15 relative; rtol 1e-10 (no plausible slip is nearby)
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
    # θ by atan2 (library and solution) is good to ~1e-15; the energy Σ ½ k (θ - θ0)² then
    # to ≲ 2e-15 / |θ - θ0| relative; rtol 1e-9 leaves margin ≥ 1e3 for |θ - θ0| ≥ 1e-3.
    # (An arccos angle is off by up to 3.7e-8 at θ = π, i.e. 1e-7 relative: the brief asks
    # for the angle accurate at 0 and π, see test_bond_angles.)
    checks.close(E, expected, "angle energy vs jaxnm_course.potentials", rtol=1e-9)


@pytest.mark.points(2)
@given(R=S.positions(), eps=st.floats(0.1, 2.0), sigma=st.floats(0.8, 1.5))
def test_lj_energy_matches_the_library(R, eps, sigma):
    E = checks.as_float(ex.lj_energy(R, eps, sigma), "lj_energy(R, epsilon, sigma)")
    term = potentials.lennard_jones(eps, sigma)
    expected = float(potentials.pair_energy(term, N)(R))
    # rtol 1e-10 (≈ 1e5 ε) for the usual case; where attraction and repulsion cancel
    # (E ≈ 0 at some σ for every R), the rounding of the terms, ≲ 7e-15 · Σ|terms|, is what
    # is left: atol 1e-13 · Σ|terms| (margin 15). It was a fixed 1e-12: when E ≈ 0 the
    # repulsion balances an attraction of ≤ 10 ε, so Σ 4ε (s² + s) ≲ 200 kcal/mol and the
    # worst-case rounding 7e-15 · 200 ≈ 1.4e-12 is above it
    atol = 1e-13 * lj_size(R, eps, sigma)
    checks.close(E, expected, "LJ energy vs jaxnm_course.potentials", rtol=1e-10, atol=atol)


@pytest.mark.points(2)
def test_lj_known_minima():
    r_m = 2.0 ** (1 / 6)
    dimer = np.array([[0.0, 0.0, 0.0], [r_m, 0.0, 0.0]])
    # r_m = 2^(1/6) rounded: V is flat at r_m (V' = 0), so the rounding moves V by
    # ~V''(r_m)·(ε r_m)² ≈ 1e-30; the arithmetic of s (s - 1) adds ≲ 40 ε ≈ 1e-14: rtol 1e-12
    checks.close(
        checks.as_float(ex.lj_energy(dimer, 1.0, 1.0), "lj_energy"), -1.0, "LJ2", rtol=1e-12
    )
    # LJ4: a regular tetrahedron of edge r_m, six pairs at the minimum: -6 ε
    tetra = r_m / np.sqrt(8) * np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1.0]])
    E = checks.as_float(ex.lj_energy(2.0 * tetra, 0.5, 2.0), "lj_energy(LJ4)")
    # every pair at the minimum as for LJ2 (flat: coordinate rounding enters squared), six
    # terms of ≲ 40 ε each: ≲ 1e-14 relative; rtol 1e-12 (margin ~100)
    checks.close(E, -6 * 0.5, "LJ4 tetrahedron energy (ε = 0.5, σ = 2)", rtol=1e-12)
