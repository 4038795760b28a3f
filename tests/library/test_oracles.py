"""Cross-checks against independent codes: ASE and PySCF (frequencies, thermochemistry).

The same Hessian (built here with :func:`jaxnm_course.hessian`) is handed to each oracle,
converted with the oracle's *own* unit constants, and its frequencies and vibrational
thermochemistry are compared with ours.

Test systems are minima (or a saddle) by construction: atoms at random positions joined
by harmonic springs whose rest lengths are the current distances, so the gradient is zero
and the Hessian is the sum of k u uᵀ blocks over the springs.

Agreement and where the differences come from
--------------------------------------------
* Frequencies agree to ~4e-11 (ASE) and ~2e-10 (PySCF) relative. Both oracles use
  CODATA 2014 constants and we use the exact 2019 SI values with CODATA 2018 m_u; the
  frequency depends on them only through N_A·m_u, the same to ~1e-10 in both.
* Thermochemistry: ZPE agrees to ~6e-10 and U to ~3e-7, but S and C_V differ by up to a
  few 1e-6 at low temperature. The cause is k_B: CODATA 2014 has 1.38064852e-23 J/K, the
  exact 2019 value is 1.380649e-23 J/K (3.5e-7 higher). This changes R by ε_R ≈ -3.3e-7
  and x = hcν̃/kT by ε_x ≈ +3.3e-7, so to first order
  ΔS = ε_R S - ε_x C_V, which the tests check to 1e-9 relative. Given the same reduced
  frequencies x (test ``*_same_reduced_frequencies``), the formulas agree to ~1e-13,
  except where the oracles lose digits in ln(1 - e^{-x}) (see ``NAIVE_LOG_ABS``).
"""

from __future__ import annotations

import functools
import importlib
import types
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnm_course as nm
from jaxnm_course import units
from jaxnm_course.geometry import pair_distances
from jaxnm_course.thermo import harmonic_thermo

pytestmark = pytest.mark.oracle

#: Rigid-body "zeros" of the unprojected ASE analysis of an autodiff Hessian: ~3e-5 cm⁻¹.
RIGID_TOL_CM = 1e-2
#: Relative agreement of frequencies (observed: 4e-11 ASE, 2e-10 PySCF; see module doc).
FREQ_RTOL = 1e-8
#: Both oracles evaluate ln(1 - e^{-x}) as written, so its relative error is ~1e-16 eˣ
#: (1e-8 at x ≈ 18, 100 % at x ≈ 37) while its absolute error stays ~1e-16 per mode: at
#: 10 K PySCF's S is 2 % off the exact value, at S/R ~ 1e-17. Entropies in units of R are
#: therefore compared with this absolute tolerance as well as relatively.
NAIVE_LOG_ABS = 1e-14


@pytest.fixture(scope="module")
def ase():
    module = pytest.importorskip("ase", reason="ASE is not installed: pip install ase")
    importlib.import_module("ase.units")
    return module


@pytest.fixture(scope="module")
def pyscf():
    return pytest.importorskip("pyscf", reason="PySCF is not installed: pip install pyscf")


# --- test systems ----------------------------------------------------------------------


class System(NamedTuple):
    R: np.ndarray  # (N, 3), Å
    masses: np.ndarray  # (N,), amu
    H: np.ndarray  # (3N, 3N), kcal/mol/Å²
    modes: nm.Modes  # projected normal modes


def _distances(R, pairs):
    return np.linalg.norm(R[pairs[:, 1]] - R[pairs[:, 0]], axis=-1)


def _random_positions(rng, n, min_distance=1.0, box=1.6):
    """Random positions (Å) and masses (amu): no close pairs, far from planar or linear."""
    while True:
        R = rng.uniform(-box, box, (n, 3))
        m = rng.uniform(1.0, 40.0, n)
        x = R - m @ R / m.sum()
        inertia = np.sum(m * np.sum(x * x, -1)) * np.eye(3) - np.einsum("i,ia,ib->ab", m, x, x)
        moments = np.linalg.eigvalsh(inertia)
        d = _distances(R, np.array(np.triu_indices(n, 1)).T)
        if d.min() > min_distance and moments[0] > 0.1 * moments[-1]:
            return R, m


def _finish(R, masses, energy):
    R = jnp.asarray(R)
    H = nm.hessian(jax.jit(energy), R)
    modes = nm.normal_modes(H, jnp.asarray(masses), R)
    # A stationary point of an invariant energy: rotations and translations are exact zeros.
    assert float(modes.rigid_residual) < 1e-8
    return System(np.asarray(R), np.asarray(masses), np.asarray(H), modes)


@functools.cache
def spring_network(n: int, seed: int = 0) -> System:
    """N atoms, springs between all pairs at rest: a rigid network at its minimum."""
    rng = np.random.default_rng([seed, n])
    R, masses = _random_positions(rng, n)
    pairs = np.array(np.triu_indices(n, 1)).T
    k = jnp.asarray(rng.uniform(100.0, 600.0, len(pairs)))  # kcal/mol/Å²
    d0 = _distances(R, pairs)

    def energy(X):
        return 0.5 * jnp.sum(k * (pair_distances(X, pairs) - d0) ** 2)

    return _finish(R, masses, energy)


@functools.cache
def linear_chain(n: int = 4, seed: int = 0) -> System:
    """Collinear atoms on a random axis: bonds plus bends k_b (1 + cos θ), minimal at θ = π."""
    rng = np.random.default_rng([seed, n, 1])
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    offsets = np.cumsum(np.r_[0.0, rng.uniform(1.0, 1.6, n - 1)])
    R = offsets[:, None] * axis + rng.normal(size=3)
    masses = rng.uniform(1.0, 40.0, n)
    bonds = np.array([[i, i + 1] for i in range(n - 1)])
    bends = np.array([[i, i + 1, i + 2] for i in range(n - 2)])
    k = jnp.asarray(rng.uniform(100.0, 600.0, len(bonds)))
    k_bend = jnp.asarray(rng.uniform(20.0, 60.0, len(bends)))  # kcal/mol
    d0 = _distances(R, bonds)

    def energy(X):
        u = X[bends[:, 0]] - X[bends[:, 1]]
        v = X[bends[:, 2]] - X[bends[:, 1]]
        cos = jnp.sum(u * v, -1) / (jnp.linalg.norm(u, axis=-1) * jnp.linalg.norm(v, axis=-1))
        stretch = 0.5 * jnp.sum(k * (pair_distances(X, bonds) - d0) ** 2)
        return stretch + jnp.sum(k_bend * (1.0 + cos))

    return _finish(R, masses, energy)


@functools.cache
def saddle(n: int = 5, seed: int = 0) -> System:
    """A spring network whose first pair sits on top of a double-well barrier.

    The pair (0, 1) has V(d) = b [(d - d₀)² - δ²]², a maximum at d = d₀ with curvature
    -4 b δ², which outweighs the other springs: one imaginary mode.
    """
    rng = np.random.default_rng([seed, n, 2])
    R, masses = _random_positions(rng, n)
    pairs = np.array(np.triu_indices(n, 1)).T
    k = jnp.asarray(rng.uniform(100.0, 600.0, len(pairs) - 1))
    d0 = _distances(R, pairs)
    b, delta = 200.0, 1.0  # kcal/mol/Å⁴, Å: curvature -800 kcal/mol/Å²

    def energy(X):
        d = pair_distances(X, pairs)
        return 0.5 * jnp.sum(k * (d[1:] - d0[1:]) ** 2) + b * ((d[0] - d0[0]) ** 2 - delta**2) ** 2

    return _finish(R, masses, energy)


CASES = {
    **{f"network-{n}": functools.partial(spring_network, n) for n in range(3, 9)},
    "linear-4": linear_chain,
    "saddle-5": saddle,
}


def _signed(frequencies):
    """Complex frequencies (imaginary part for imaginary modes) as signed real numbers."""
    f = np.asarray(frequencies)
    return np.where(np.abs(f.imag) > np.abs(f.real), -np.abs(f.imag), f.real)


# --- frequencies --------------------------------------------------------------------------


def ase_frequencies(ase, system):
    from ase.vibrations import VibrationsData

    atoms = ase.Atoms(["H"] * len(system.masses), positions=system.R)
    atoms.set_masses(system.masses)
    hessian_ev = system.H * ase.units.kcal / ase.units.mol  # eV/Å²
    return VibrationsData.from_2d(atoms, hessian_ev).get_frequencies()  # cm⁻¹, complex


def pyscf_harmonic_analysis(pyscf, system):
    from pyscf import gto
    from pyscf.data import nist
    from pyscf.hessian import thermo

    n = len(system.masses)
    mol = gto.Mole()
    mol.atom = [("He", tuple(r)) for r in system.R]
    mol.unit = "Angstrom"
    mol.basis = "sto-3g"
    mol.verbose = 0
    mol.nucprop = {i + 1: {"mass": float(m)} for i, m in enumerate(system.masses)}
    mol.build()
    np.testing.assert_array_equal(mol.atom_mass_list(isotope_avg=True), system.masses)
    # kcal/mol/Å² -> Hartree/Bohr², layout (N, N, 3, 3)
    to_au = 4184.0 / (nist.HARTREE2J * nist.AVOGADRO) * nist.BOHR**2
    hess = system.H.reshape(n, 3, n, 3).transpose(0, 2, 1, 3) * to_au
    return mol, thermo.harmonic_analysis(mol, hess)


@pytest.mark.parametrize("case", CASES)
def test_frequencies_match_ase(ase, case):
    system = CASES[case]()
    ours = np.asarray(system.modes.frequencies)
    theirs = _signed(ase_frequencies(ase, system))
    assert theirs.shape == (3 * len(system.masses),)
    # ASE does not remove rigid-body motion: its n_rigid smallest |ν̃| are numerical zeros.
    order = np.argsort(np.abs(theirs))
    rigid, internal = (
        theirs[order[: system.modes.n_rigid]],
        np.sort(theirs[order[system.modes.n_rigid :]]),
    )
    assert np.abs(rigid).max() < RIGID_TOL_CM
    assert np.abs(internal).min() > 10.0  # well separated from the zeros
    np.testing.assert_allclose(internal, ours, rtol=FREQ_RTOL)


@pytest.mark.parametrize("case", CASES)
def test_frequencies_match_pyscf(pyscf, case):
    system = CASES[case]()
    _, results = pyscf_harmonic_analysis(pyscf, system)
    theirs = _signed(results["freq_wavenumber"])  # PySCF projects rigid-body motion too
    np.testing.assert_allclose(
        np.sort(theirs), np.asarray(system.modes.frequencies), rtol=FREQ_RTOL
    )


def test_linear_case_has_five_rigid_modes(ase, pyscf):
    system = linear_chain()
    assert system.modes.n_rigid == 5
    assert system.modes.frequencies.shape == (3 * 4 - 5,)
    assert np.min(system.modes.frequencies) > 10.0  # the bends are not zero
    _, results = pyscf_harmonic_analysis(pyscf, system)
    assert len(results["freq_wavenumber"]) == 3 * 4 - 5
    assert np.sum(np.abs(ase_frequencies(ase, system)) < RIGID_TOL_CM) == 5


def test_saddle_imaginary_frequency(ase, pyscf):
    system = saddle()
    ours = np.asarray(system.modes.frequencies)
    assert nm.n_imaginary(system.modes) == 1
    assert ours[0] < -100.0  # reported as a negative number
    f_ase = ase_frequencies(ase, system)
    imag = f_ase[np.abs(f_ase.imag) > RIGID_TOL_CM]
    assert imag.shape == (1,)
    assert imag[0].real == 0.0  # ASE: a purely imaginary complex number
    assert imag[0].imag == pytest.approx(-ours[0], rel=FREQ_RTOL)
    _, results = pyscf_harmonic_analysis(pyscf, system)
    assert results["freq_error"] == 1  # PySCF's count of imaginary modes
    f_pyscf = results["freq_wavenumber"]
    assert f_pyscf[0].real == 0.0
    assert f_pyscf[0].imag == pytest.approx(-ours[0], rel=FREQ_RTOL)


# --- thermochemistry ------------------------------------------------------------------------

THERMO_CASES = ["network-4", "network-8", "saddle-5"]


def _first_order_constants_shift(ours, eps_r, eps_x):
    """ΔS = ε_R S - ε_x C_V: the entropy change when R → R(1 + ε_R) and x → x(1 + ε_x).

    From S = R Σ s(x_k) with x s'(x) = -C_V,k / R (first order in ε).
    """
    return eps_r * ours.entropy - eps_x * ours.heat_capacity


@pytest.mark.parametrize("case", THERMO_CASES)
@pytest.mark.parametrize("T", [10.0, 50.0, 298.15, 1000.0, 5000.0])
def test_ase_thermo_same_reduced_frequencies(ase, case, T):
    """ASE's formulas and ours agree exactly when given the same x = hcν̃/kT."""
    from ase.thermochemistry import HarmonicThermo

    ours = harmonic_thermo(CASES[case]().modes, T)
    nu = np.asarray(CASES[case]().modes.frequencies)
    x = units.HC_KCAL_MOL_CM * nu[nu > 0] / (units.GAS_CONSTANT_KCAL * T)
    kt_ase = ase.units.kB * T  # eV
    ht = HarmonicThermo(x * kt_ase)
    rt = units.GAS_CONSTANT_KCAL * T
    assert ht.get_ZPE_correction() / kt_ase == pytest.approx(
        float(ours.zpe) / rt, rel=1e-13, abs=0
    )
    u = ht.get_internal_energy(T, verbose=False)
    assert u / kt_ase == pytest.approx(float(ours.internal_energy) / rt, rel=1e-13, abs=0)
    s = ht.get_entropy(T, verbose=False)
    assert s / ase.units.kB == pytest.approx(
        float(ours.entropy) / units.GAS_CONSTANT_KCAL, rel=1e-12, abs=NAIVE_LOG_ABS
    )
    f = ht.get_helmholtz_energy(T, verbose=False)
    assert f / kt_ase == pytest.approx(
        float(ours.helmholtz_energy) / rt, rel=1e-12, abs=1e-12 * u / kt_ase
    )


@pytest.mark.parametrize("case", THERMO_CASES)
@pytest.mark.parametrize("T", [50.0, 298.15, 1000.0])
def test_ase_thermo_in_kcal_per_mol(ase, case, T):
    """ν̃ → eV and eV → kcal/mol with ASE's constants; differences are CODATA ones only."""
    from ase.thermochemistry import HarmonicThermo

    u_ = ase.units
    system = CASES[case]()
    ours = harmonic_thermo(system.modes, T)
    nu = np.asarray(system.modes.frequencies)
    energies = np.where(nu > 0, nu, 1j * np.abs(nu)) * u_.invcm  # eV, imaginary as ASE has it
    if ours.n_imaginary:
        with pytest.warns(UserWarning, match="1 imag modes removed"):
            ht = HarmonicThermo(energies, ignore_imag_modes=True)
        assert ht.n_imag == ours.n_imaginary == 1
    else:
        ht = HarmonicThermo(energies)
    to_kcal = u_.mol / u_.kcal  # eV -> kcal/mol
    zpe = ht.get_ZPE_correction() * to_kcal
    u = ht.get_internal_energy(T, verbose=False) * to_kcal
    s = ht.get_entropy(T, verbose=False) * to_kcal
    f = ht.get_helmholtz_energy(T, verbose=False) * to_kcal
    assert zpe == pytest.approx(float(ours.zpe), rel=1e-6, abs=0)
    assert u == pytest.approx(float(ours.internal_energy), rel=1e-6, abs=0)
    assert f == pytest.approx(float(ours.helmholtz_energy), abs=1e-6 * (u + T * s))
    # Entropy: the whole difference is the CODATA 2014 Boltzmann constant (module docstring).
    eps_r = u_._k * u_._Nav / (units.BOLTZMANN * units.AVOGADRO) - 1.0
    eps_x = (u_._hplanck / u_._k) / (units.PLANCK / units.BOLTZMANN) - 1.0
    shift = _first_order_constants_shift(ours, eps_r, eps_x)
    assert s - float(ours.entropy) == pytest.approx(float(shift), abs=1e-9 * s)
    assert s == pytest.approx(float(ours.entropy), rel=5e-6, abs=0)


def pyscf_thermo(pyscf, mol, freq_au, T):
    from pyscf.data import nist
    from pyscf.hessian import thermo

    model = types.SimpleNamespace(mol=mol, e_tot=0.0)  # what thermo() reads of a SCF object
    res = thermo.thermo(model, freq_au, temperature=T)
    to_kcal = nist.HARTREE2J * nist.AVOGADRO / 4184.0  # Hartree -> kcal/mol
    return {key: res[key][0] * to_kcal for key in ("ZPE", "E_vib", "S_vib", "Cv_vib", "G_vib")}


@pytest.mark.parametrize("case", THERMO_CASES)
@pytest.mark.parametrize("T", [10.0, 50.0, 298.15, 1000.0, 5000.0])
def test_pyscf_thermo_same_reduced_frequencies(pyscf, case, T):
    from pyscf.data import nist

    system = CASES[case]()
    mol, _ = pyscf_harmonic_analysis(pyscf, system)
    ours = harmonic_thermo(system.modes, T)
    nu = np.asarray(system.modes.frequencies)
    x = units.HC_KCAL_MOL_CM * nu[nu > 0] / (units.GAS_CONSTANT_KCAL * T)
    au2hz = (nist.HARTREE2J / (nist.ATOMIC_MASS * nist.BOHR_SI**2)) ** 0.5 / (2 * np.pi)
    freq_au = x * T * nist.BOLTZMANN / (nist.PLANCK * au2hz)  # gives PySCF the same x
    res = pyscf_thermo(pyscf, mol, freq_au, T)
    r_pyscf = nist.BOLTZMANN * nist.AVOGADRO / 4184.0  # kcal/mol/K
    r, rt, rt_p = units.GAS_CONSTANT_KCAL, units.GAS_CONSTANT_KCAL * T, r_pyscf * T
    assert res["ZPE"] / rt_p == pytest.approx(float(ours.zpe) / rt, rel=1e-12, abs=0)
    assert res["E_vib"] / rt_p == pytest.approx(float(ours.internal_energy) / rt, rel=1e-12, abs=0)
    assert res["S_vib"] / r_pyscf == pytest.approx(
        float(ours.entropy) / r, rel=1e-12, abs=NAIVE_LOG_ABS
    )
    assert res["Cv_vib"] / r_pyscf == pytest.approx(
        float(ours.heat_capacity) / r, rel=1e-12, abs=0
    )
    assert res["G_vib"] / rt_p == pytest.approx(
        float(ours.helmholtz_energy) / rt, rel=1e-12, abs=1e-12 * res["E_vib"] / rt_p
    )


@pytest.mark.parametrize("case", THERMO_CASES)
@pytest.mark.parametrize("T", [50.0, 298.15, 1000.0])
def test_pyscf_thermo_from_its_own_frequencies(pyscf, case, T):
    """End to end: our Hessian → PySCF's harmonic analysis and thermo vs ours."""
    from pyscf.data import nist

    system = CASES[case]()
    mol, results = pyscf_harmonic_analysis(pyscf, system)
    ours = harmonic_thermo(system.modes, T)
    res = pyscf_thermo(pyscf, mol, results["freq_au"], T)  # imaginary modes: PySCF skips them
    assert res["ZPE"] == pytest.approx(float(ours.zpe), rel=1e-6, abs=0)
    assert res["E_vib"] == pytest.approx(float(ours.internal_energy), rel=1e-6, abs=0)
    scale = res["E_vib"] + T * res["S_vib"]
    assert res["G_vib"] == pytest.approx(float(ours.helmholtz_energy), abs=1e-6 * scale)
    eps_r = nist.BOLTZMANN * nist.AVOGADRO / (units.BOLTZMANN * units.AVOGADRO) - 1.0
    # x also carries PySCF's frequencies, 1.7e-10 off ours (N_A m_u, see module docstring)
    nu = np.asarray(system.modes.frequencies)
    eps_nu = np.median(_signed(results["freq_wavenumber"])[nu > 0] / nu[nu > 0]) - 1.0
    h_over_k = (nist.PLANCK / nist.BOLTZMANN) / (units.PLANCK / units.BOLTZMANN)
    eps_x = h_over_k * (1.0 + eps_nu) - 1.0
    shift = _first_order_constants_shift(ours, eps_r, eps_x)
    assert res["S_vib"] - float(ours.entropy) == pytest.approx(
        float(shift), abs=1e-9 * res["S_vib"]
    )
    assert res["S_vib"] == pytest.approx(float(ours.entropy), rel=5e-6, abs=0)
    assert res["Cv_vib"] == pytest.approx(float(ours.heat_capacity), rel=5e-6, abs=0)
