"""Test molecules: exact minima, closed-form frequencies, invariances; atomic masses."""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnm_course import elements, geometry, units
from jaxnm_course import molecules as M
from jaxnm_course.hessians import finite_difference_hessian, hessian
from jaxnm_course.modes import Modes, normal_modes


def reduced_mass(m1, m2):
    return m1 * m2 / (m1 + m2)


def jit_hessian(energy, R):
    return jax.jit(lambda R: hessian(energy, R))(R)


def clusters(values, rtol):
    """Sizes of groups of (sorted) values closer than rtol relative to the largest value."""
    values = np.sort(np.asarray(values))
    gaps = np.diff(values) > rtol * np.abs(values).max()
    edges = np.flatnonzero(np.concatenate([[True], gaps, [True]]))
    return sorted(np.diff(edges).tolist())


# --- every molecule: a true minimum with a consistent Hessian ------------------------------
#
# JAX compiles each new energy/shape once (~1 s on 2 cores), so each system is built and
# its Hessian and normal modes computed once per session and shared by the tests below.
# `hessian` is called under `jit` (one compilation instead of many eager dispatches; its
# value checks are then skipped, which is fine for these valid geometries).

MOLECULES = {
    "HCl": M.diatomic,
    "water": M.water,
    "CO2": M.carbon_dioxide,
    "NH3": M.ammonia,
    "CH4": M.methane,
    "chain": lambda: M.harmonic_chain(4, k=3.0, a=1.3, mass=2.0, k_bend=0.7),
    "LJ13": M.lj_cluster,
}


class Analysis(NamedTuple):
    mol: M.Molecule
    H: np.ndarray
    modes: Modes


@functools.cache
def analysis(name):
    mol = MOLECULES[name]()
    H = np.asarray(jit_hessian(mol.energy, mol.R))
    return Analysis(mol, H, normal_modes(H, mol.masses, mol.R))


@pytest.fixture(params=list(MOLECULES), ids=list(MOLECULES))
def molecule(request):
    return analysis(request.param)


def test_geometry_is_a_stationary_point(molecule):
    mol, _, _ = molecule
    g = np.asarray(jax.grad(mol.energy)(mol.R))
    assert np.abs(g).max() < 1e-9


def test_autodiff_hessian_matches_finite_differences(molecule):
    mol, H, _ = molecule
    H_fd = np.asarray(finite_difference_hessian(mol.energy, mol.R, step=1e-4))
    np.testing.assert_allclose(H, H_fd, rtol=0, atol=1e-5 * np.abs(H).max())


def test_rigid_body_zero_modes_and_positive_vibrations(molecule):
    mol, H, modes = molecule
    n_rigid = 5 if mol.linear else 6
    assert mol.linear == geometry.is_linear(mol.R, mol.masses)
    free = normal_modes(H, mol.masses, project=False).eigenvalues
    n_zero = int(np.sum(np.abs(np.asarray(free)) < 1e-8 * float(jnp.max(jnp.abs(free)))))
    assert n_zero == n_rigid
    assert modes.n_rigid == n_rigid
    assert modes.eigenvalues.shape == (3 * mol.n_atoms - n_rigid,)
    assert float(modes.eigenvalues.min()) > 1e-6 * float(modes.eigenvalues.max())
    assert float(modes.rigid_residual) < 1e-8 * float(modes.eigenvalues.max())


def test_energy_is_invariant_under_rotation_and_translation(molecule):
    mol, _, _ = molecule
    rng = np.random.default_rng(7)
    Q, r = np.linalg.qr(rng.normal(size=(3, 3)))
    Q = Q * np.sign(np.diag(r))
    if np.linalg.det(Q) < 0:
        Q[:, 0] = -Q[:, 0]
    moved = mol.R @ jnp.asarray(Q.T) + jnp.asarray(rng.normal(size=3) * 5.0)
    e0, e1 = float(mol.energy(mol.R)), float(mol.energy(moved))
    assert e1 == pytest.approx(e0, abs=1e-10 * max(1.0, abs(e0)))
    # displaced off the minimum as well (a non-trivial energy must also be invariant)
    shaken = mol.R + jnp.asarray(rng.normal(size=mol.R.shape) * 0.02)
    e2 = float(mol.energy(shaken))
    e3 = float(mol.energy(shaken @ jnp.asarray(Q.T) + 1.5))
    assert e2 > e0
    assert e3 == pytest.approx(e2, rel=1e-10)


def test_molecule_fields(molecule):
    mol, _, _ = molecule
    n = mol.n_atoms
    assert mol.R.shape == (n, 3)
    assert mol.R.dtype == jnp.float64
    assert mol.masses.shape == (n,)
    assert mol.masses.dtype == jnp.float64
    assert len(mol.symbols) == n
    assert mol.bonds.ndim == 2
    assert mol.bonds.shape[1] == 2
    assert mol.angles.ndim == 2
    assert mol.angles.shape[1] == 3
    assert mol.reference
    assert isinstance(mol.parameters, dict)
    if mol.bonds.size:  # valence force fields: every term exactly at its minimum
        assert float(mol.energy(mol.R)) < 1e-20


# --- diatomics -----------------------------------------------------------------------------------


@pytest.mark.parametrize("symbols", [("H", "Cl"), ("1H", "35Cl"), ("Cl", "2H")])
def test_harmonic_diatomic_frequency_is_sqrt_k_over_mu(symbols):
    hcl = analysis("HCl")
    mol = M.diatomic(symbols)
    # Same force field for every isotopologue (k is mass-independent): reuse the Hessian.
    assert mol.parameters == hcl.mol.parameters
    assert float(mol.energy(mol.R * 1.1)) == pytest.approx(float(hcl.mol.energy(mol.R * 1.1)))
    k = mol.parameters["k"]
    mu = reduced_mass(*(elements.mass_of(s) for s in symbols))
    np.testing.assert_allclose(mol.masses, [elements.mass_of(s) for s in symbols], rtol=0)
    modes = normal_modes(hcl.H, mol.masses, mol.R)
    assert modes.n_rigid == 5
    assert float(modes.eigenvalues[0]) == pytest.approx(k / mu, rel=1e-10)
    nu = units.WAVENUMBER_PER_SQRT_EIGENVALUE * math.sqrt(k / mu)
    assert float(modes.frequencies[0]) == pytest.approx(nu, rel=1e-10)


def test_hcl_reproduces_omega_e_by_construction_and_predicts_dcl():
    """k is derived from ωe(H³⁵Cl); DCl follows from the same k (Born-Oppenheimer)."""
    hcl = analysis("HCl")

    def nu(symbols):
        masses = elements.masses_of(symbols)
        return float(normal_modes(hcl.H, masses, hcl.mol.R).frequencies[0])

    assert nu(("1H", "35Cl")) == pytest.approx(2990.95, rel=1e-10)
    assert nu(("2H", "35Cl")) == pytest.approx(2145.16, abs=0.5)  # measured ωe(D³⁵Cl)
    assert nu(("H", "Cl")) == pytest.approx(2990.95, abs=2.0)  # standard atomic weights


def test_morse_diatomic_frequency_is_sqrt_2_D_a2_over_mu():
    D, a = 140.0, 2.2
    mol = M.diatomic(("H", "F"), r0=0.917, morse=True, D=D, a=a)
    mu = reduced_mass(elements.mass_of("H"), elements.mass_of("F"))
    modes = normal_modes(hessian(mol.energy, mol.R), mol.masses, mol.R)
    assert float(modes.eigenvalues[0]) == pytest.approx(2 * D * a * a / mu, rel=1e-10)
    expected = float(units.eigenvalue_to_wavenumber(2 * D * a * a / mu))
    assert float(modes.frequencies[0]) == pytest.approx(expected, rel=1e-10)
    assert mol.parameters["k"] == pytest.approx(2 * D * a * a, rel=1e-14)
    r = jnp.array([[0.0, 0, 0], [5.0, 0, 0]])
    assert float(mol.energy(r)) == pytest.approx(D * (1 - math.exp(-a * (5.0 - 0.917))) ** 2)


def test_morse_default_keeps_the_harmonic_curvature():
    harm, mors = analysis("HCl").mol, M.diatomic(morse=True)
    assert mors.parameters["k"] == harm.parameters["k"]
    D, a = mors.parameters["D"], mors.parameters["a"]
    assert D == 106.5
    assert 2 * D * a * a == pytest.approx(harm.parameters["k"], rel=1e-14)
    g = jax.grad(lambda x: mors.energy(jnp.array([[0.0, 0, 0], [x, 0, 0]])))
    assert float(jax.grad(g)(mors.parameters["r0"])) == pytest.approx(harm.parameters["k"])
    r = jnp.array([[0.0, 0, 0], [3.0, 0, 0]])
    assert float(mors.energy(r)) < float(harm.energy(r))  # anharmonic softening


# --- CO2 -----------------------------------------------------------------------------------------


def co2_expected(mol):
    m_o, m_c = float(mol.masses[0]), float(mol.masses[1])
    k, kb, r0 = (mol.parameters[p] for p in ("k_stretch", "k_bend", "r0"))
    beta = 2 * m_o / m_c
    bend = 2 * kb * (1 + beta) / (m_o * r0**2)
    return np.sort([bend, bend, k / m_o, k / m_o * (1 + beta)])


def test_co2_frequencies_match_the_closed_forms():
    mol, _, modes = analysis("CO2")
    assert modes.n_rigid == 5
    np.testing.assert_allclose(modes.eigenvalues, co2_expected(mol), rtol=1e-10)
    np.testing.assert_allclose(
        modes.frequencies, units.eigenvalue_to_wavenumber(co2_expected(mol)), rtol=1e-10
    )
    # which eigenvalue is which: the bend moves atoms off the axis, the stretches along it
    v = np.asarray(modes.vectors).reshape(mol.n_atoms, 3, -1)
    assert np.abs(v[:, 0, :2]).max() < 1e-10  # two bends: no x motion
    assert np.abs(v[:, 1:, 2:]).max() < 1e-10  # two stretches: x motion only


def test_co2_isotopic_masses_hit_the_target_fundamentals_by_construction():
    mol, H, _ = analysis("CO2")
    iso = mol._replace(masses=elements.masses_of(["16O", "12C", "16O"]))
    modes = normal_modes(H, iso.masses, iso.R)
    np.testing.assert_allclose(modes.eigenvalues, co2_expected(iso), rtol=1e-10)
    nu = np.asarray(modes.frequencies)
    assert nu[0] == pytest.approx(667.38, rel=1e-10)
    assert nu[3] == pytest.approx(2349.14, rel=1e-10)
    assert nu[2] == pytest.approx(1226.9, abs=1.0)  # symmetric stretch: a prediction


def test_co2_with_explicit_force_constants():
    mol = M.carbon_dioxide(k_stretch=1500.0, k_bend=80.0, r0=1.16)
    assert mol.parameters == {"r0": 1.16, "k_stretch": 1500.0, "k_bend": 80.0}
    np.testing.assert_allclose(geometry.pair_distances(mol.R, mol.bonds), 1.16, rtol=1e-15)


# --- harmonic chain ------------------------------------------------------------------------------


@functools.cache
def chain_hessian(n, k, mass, k_bend):
    if (n, k, mass, k_bend) == (4, 3.0, 2.0, 0.7):  # the one analysed above
        return analysis("chain")[:2]
    mol = M.harmonic_chain(n, k=k, a=1.3, mass=mass, k_bend=k_bend)
    return mol, np.asarray(jit_hessian(mol.energy, mol.R))


@pytest.mark.parametrize(("n", "k", "mass", "k_bend"), [(5, 1.0, 1.0, 0.0), (4, 3.0, 2.0, 0.7)])
def test_chain_longitudinal_modes_are_2k_over_m_times_1_minus_cos(n, k, mass, k_bend):
    _, H = chain_hessian(n, k, mass, k_bend)
    lam = np.linalg.eigvalsh(H[0::3, 0::3] / mass)
    j = np.arange(n)
    expected = np.sort(2 * k / mass * (1 - np.cos(np.pi * j / n)))
    assert abs(lam[0]) < 1e-12
    np.testing.assert_allclose(lam[1:], expected[1:], rtol=1e-10)
    # the longitudinal and transverse motions decouple for a straight chain
    assert np.abs(H[0::3, 1::3]).max() < 1e-12


def test_chain_without_bends_has_no_transverse_stiffness():
    mol, H = chain_hessian(5, 1.0, 1.0, 0.0)
    np.testing.assert_allclose(H[1::3, 1::3], 0.0, atol=1e-12)
    np.testing.assert_allclose(H[2::3, 2::3], 0.0, atol=1e-12)
    assert mol.angles.shape == (0, 3)
    np.testing.assert_allclose(mol.R[:, 0], 1.3 * np.arange(5), rtol=1e-15)


# --- Lennard-Jones clusters ----------------------------------------------------------------------


def test_lj13_icosahedron():
    mol, H, modes = analysis("LJ13")
    assert float(mol.energy(mol.R)) == pytest.approx(-44.326801, abs=1e-6)
    assert float(jnp.linalg.norm(jax.grad(mol.energy)(mol.R))) < 1e-8
    free = np.asarray(normal_modes(H, mol.masses, project=False).eigenvalues)
    assert int(np.sum(np.abs(free) < 1e-8 * np.abs(free).max())) == 6
    lam = np.asarray(modes.eigenvalues)
    assert lam.shape == (33,)
    assert lam.min() > 0
    # Ih: A_g + G_g + 2 H_g + 2 T_1u + T_2u + G_u + H_u
    assert clusters(lam, 1e-8) == [1, 3, 3, 3, 4, 4, 5, 5, 5]
    # every outer atom at the same distance from the centre atom
    d = np.linalg.norm(np.asarray(mol.R[1:] - mol.R[0]), axis=1)
    np.testing.assert_allclose(d, d[0], rtol=1e-12)


@pytest.mark.parametrize("n", sorted(M.LJ_MINIMUM_ENERGIES))
def test_lj_cluster_energies_and_scaling(n):
    eps, sigma = 0.238, 3.4
    mol = M.lj_cluster(n, epsilon=eps, sigma=sigma)
    e, g = jax.value_and_grad(mol.energy)(mol.R)
    assert float(e) == pytest.approx(M.LJ_MINIMUM_ENERGIES[n] * eps, abs=1e-6)
    assert mol.parameters["E_min"] == M.LJ_MINIMUM_ENERGIES[n] * eps
    assert float(jnp.abs(g).max()) < 1e-9
    assert mol.linear == (n == 2)
    np.testing.assert_allclose(jnp.mean(mol.R, axis=0), 0.0, atol=1e-12)


def test_lj7_pentagonal_bipyramid_is_a_minimum():
    mol = M.lj_cluster(7)
    modes = normal_modes(jit_hessian(mol.energy, mol.R), mol.masses, mol.R)
    assert modes.n_rigid == 6
    assert float(modes.eigenvalues.min()) > 0.1  # ε/σ²/amu: clearly stiff, no soft mode
    assert clusters(modes.eigenvalues, 1e-8) == [1, 1, 1, 2, 2, 2, 2, 2, 2]  # D5h


def test_lj_dimer_frequency():
    """A dimer's one vibration: ω² = V''(r_m)/μ with V'' = 72 ε / (2^(1/3) σ²), μ = m/2."""
    eps, sigma, mass = 0.238, 3.4, 39.95
    mol = M.lj_cluster(2, epsilon=eps, sigma=sigma, mass=mass)
    lam = normal_modes(hessian(mol.energy, mol.R), mol.masses, mol.R).eigenvalues
    expected = 72 * eps / (2 ** (1 / 3) * sigma**2) / (mass / 2)
    assert float(lam[0]) == pytest.approx(expected, rel=1e-10)


# --- symmetry and isotopes -----------------------------------------------------------------------


def test_methane_and_ammonia_degeneracies():
    assert clusters(analysis("CH4").modes.eigenvalues, 1e-9) == [1, 2, 3, 3]  # A1 + E + 2 T2
    assert clusters(analysis("NH3").modes.eigenvalues, 1e-9) == [1, 1, 2, 2]  # 2 A1 + 2 E
    nh3 = analysis("NH3").mol
    angles = geometry.angles(nh3.R, nh3.angles)
    np.testing.assert_allclose(angles, math.radians(106.7), rtol=1e-13)
    np.testing.assert_allclose(geometry.pair_distances(nh3.R, nh3.bonds), 1.012, rtol=1e-13)


def test_methane_angles_are_exactly_tetrahedral():
    mol = analysis("CH4").mol
    np.testing.assert_allclose(geometry.angles(mol.R, mol.angles), math.acos(-1 / 3), rtol=1e-14)
    # θ0 must be the tetrahedral angle itself: 109.5° would still leave R stationary (the
    # symmetric sum of the six angles is redundant), so only the energy/parameter show it.
    assert mol.parameters["theta0"] == math.acos(-1 / 3)
    np.testing.assert_allclose(geometry.pair_distances(mol.R, mol.bonds), 1.087, rtol=1e-14)
    assert mol.angles.shape == (6, 3)
    assert mol.bonds.shape == (4, 2)


def test_water_geometry_and_parameters():
    mol = analysis("water").mol
    np.testing.assert_allclose(geometry.pair_distances(mol.R, mol.bonds), 1.012, rtol=1e-14)
    theta = float(geometry.angles(mol.R, mol.angles)[0])
    assert theta == pytest.approx(math.radians(113.24), rel=1e-14)
    assert mol.parameters["k_bond"] == 1059.162
    assert mol.parameters["k_angle"] == 75.90
    # E = k/2 (x - x0)² convention: stretching one bond by 1 % costs 1059.162/2 (0.01012)²
    R = mol.R.at[1].multiply(1.01)  # O at the origin: bond 0-1 becomes 1.012 * 1.01
    assert float(mol.energy(R)) == pytest.approx(0.5 * 1059.162 * (0.01012) ** 2, rel=1e-10)


@pytest.mark.parametrize(
    ("name", "iso"),
    [("water", ["O", "2H", "1H"]), ("CH4", ["C", "2H", "2H", "1H", "1H"])],
    ids=["HOD", "CH2D2"],
)
def test_teller_redlich_product_rule(name, iso):
    """Π λ'/λ = Π_a (m_a/m'_a)³ (M'/M)³ det I'/det I: an exact isotope-substitution check."""
    mol, H, modes = analysis(name)
    m1, m2 = np.asarray(mol.masses), np.asarray(elements.masses_of(iso))
    lam1 = np.asarray(modes.eigenvalues)
    lam2 = np.asarray(normal_modes(H, m2, mol.R).eigenvalues)
    det1 = np.linalg.det(np.asarray(geometry.inertia_tensor(mol.R, m1)))
    det2 = np.linalg.det(np.asarray(geometry.inertia_tensor(mol.R, m2)))
    rhs = np.prod((m1 / m2) ** 3) * (m2.sum() / m1.sum()) ** 3 * det2 / det1
    assert np.exp(np.sum(np.log(lam2 / lam1))) == pytest.approx(rhs, rel=1e-10)
    assert np.all(lam2 < lam1 * (1 + 1e-12))  # heavier isotopes never raise a frequency


# --- constructor validation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: M.diatomic(("H", "F")), ValueError, "r0"),
        (lambda: M.diatomic(("H", "F"), r0=0.92), ValueError, "force constant"),
        (lambda: M.diatomic(("H", "F"), r0=0.92, morse=True, a=2.0), ValueError, "depth"),
        (lambda: M.diatomic(D=100.0), ValueError, "morse=True"),
        (lambda: M.diatomic(morse=True, k=500.0, a=2.0), ValueError, "not both"),
        (lambda: M.diatomic("HCl"), ValueError, "two atoms"),
        (lambda: M.diatomic(("H", "Xx"), r0=1.0, k=1.0), ValueError, "unknown"),
        (lambda: M.diatomic(r0=-1.0), ValueError, "> 0"),
        (lambda: M.water(k_bond="stiff"), TypeError, "number"),
        (lambda: M.ammonia(theta0_deg=120.0), ValueError, "pyramid"),
        (lambda: M.harmonic_chain(1), ValueError, ">= 2"),
        (lambda: M.harmonic_chain(4, k_bend=-1.0), ValueError, ">= 0"),
        (lambda: M.lj_cluster(5), ValueError, "not supported"),
        (lambda: M.lj_cluster(13, sigma=0.0), ValueError, "sigma"),
    ],
)
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


# --- elements ------------------------------------------------------------------------------------


def test_standard_atomic_weights():
    assert elements.mass_of("H") == 1.008
    assert elements.mass_of("C") == 12.011
    assert elements.mass_of("O") == 15.999
    assert elements.mass_of("Cl") == 35.45
    assert elements.mass_of("Ar") == 39.95
    for symbol in ("H", "C", "N", "O", "F", "P", "S", "Cl", "Ar"):
        assert symbol in elements.ATOMIC_WEIGHTS


def test_isotope_masses_are_consistent():
    assert elements.mass_of("12C") == 12.0
    assert elements.mass_of("1H") == 1.00782503223
    assert elements.mass_of("35Cl") == 34.968852682
    assert elements.mass_of("D") == elements.mass_of("2H")
    for label, mass in elements.ISOTOPE_MASSES.items():
        element = elements.element_of(label)
        assert element in elements.ATOMIC_WEIGHTS
        if label != "D":
            assert round(mass) == int(label[: -len(element)])  # mass number
        assert abs(mass - elements.ATOMIC_WEIGHTS[element]) < 1.1


def test_masses_of_returns_float64_and_mixes_labels():
    m = elements.masses_of(["O", "2H", "1H"])
    assert m.dtype == jnp.float64
    assert m.shape == (3,)
    np.testing.assert_array_equal(m, [15.999, 2.01410177812, 1.00782503223])


def test_unknown_symbols_are_explained():
    with pytest.raises(ValueError, match=r"unknown element or isotope 'CL'.*case-sensitive"):
        elements.mass_of("CL")
    with pytest.raises(ValueError, match="atom 1"):
        elements.masses_of(["O", "Q", "H"])
    with pytest.raises(TypeError, match="sequence"):
        elements.masses_of("HCl")
    with pytest.raises(ValueError, match="empty"):
        elements.masses_of([])
    with pytest.raises(ValueError, match="unknown"):
        elements.element_of("13C")
