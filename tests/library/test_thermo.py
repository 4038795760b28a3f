"""Tests of jaxnm_course.thermo: analytic values, limits, identities, properties, input."""

from __future__ import annotations

import decimal
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import jaxnm_course as nm
from jaxnm_course.geometry import pair_distances
from jaxnm_course.thermo import DEFAULT_MIN_FREQUENCY, Thermo, classical_limit, harmonic_thermo
from jaxnm_course.units import GAS_CONSTANT_KCAL, HC_KCAL_MOL_CM
from tests.strategies import frequencies, temperatures

R_GAS = GAS_CONSTANT_KCAL  # kcal/mol/K
FIELDS = ("zpe", "internal_energy", "entropy", "heat_capacity", "helmholtz_energy")


def reduced(nu, T):
    """x = h c ν̃ / k_B T, computed the obvious way (float)."""
    return HC_KCAL_MOL_CM * np.asarray(nu, dtype=np.float64) / (R_GAS * T)


# --- exact values ------------------------------------------------------------------------


def test_zpe_of_one_mode_is_half_hc_nu_na():
    # h c N_A from the exact SI constants (J m / mol); 1 cm⁻¹ = 100 m⁻¹; 1 kcal = 4184 J.
    hc_na = 6.62607015e-34 * 299_792_458.0 * 6.02214076e23
    nu = 1234.5
    t = harmonic_thermo(jnp.array([nu]), 300.0)
    assert float(t.zpe) == pytest.approx(0.5 * hc_na * 100.0 * nu / 4184.0, rel=1e-14, abs=0)
    # Tabulated conversion: 1 kcal/mol ≙ 349.755 cm⁻¹, so a 699.51 cm⁻¹ mode has ZPE 1 kcal/mol.
    zpe = float(harmonic_thermo(jnp.array([2 * 349.755]), 300.0).zpe)
    assert zpe == pytest.approx(1.0, rel=1e-6, abs=0)
    assert (t.n_vibrations, t.n_imaginary, t.n_skipped) == (1, 0, 0)


def test_zpe_is_independent_of_temperature():
    nu = jnp.array([150.0, 900.0, 3100.0])
    zpes = [float(harmonic_thermo(nu, T).zpe) for T in (1.0, 298.15, 1e4)]
    assert zpes == pytest.approx([HC_KCAL_MOL_CM * 4150.0 / 2] * 3, rel=1e-15, abs=0)


def test_one_mode_matches_a_high_precision_reference_from_low_to_high_x():
    """Each formula against decimal arithmetic, x from 1e-9 to 700.

    400 digits, so that 1 - e^{-x} keeps its digits up to x = 700 (e^{-700} ~ 1e-304).
    """
    nu = 1000.0
    e = HC_KCAL_MOL_CM * nu
    for x_target in (1e-9, 1e-4, 0.3, math.log(2.0), 0.7, 5.0, 40.0, 300.0, 700.0):
        T = HC_KCAL_MOL_CM * nu / (R_GAS * x_target)
        with decimal.localcontext(prec=400):
            x = decimal.Decimal(float(reduced(nu, T)))  # the same float x the code uses
            one, half = decimal.Decimal(1), decimal.Decimal("0.5")
            bose = one / (x.exp() - one)
            log_term = (one - (-x).exp()).ln()
            s_ref = float(x * bose - log_term)
            cv_ref = float(x * x * x.exp() / (x.exp() - one) ** 2)
            u_ref = float(half + bose)  # U / (h c ν̃ N_A)
            f_ref = float(half + log_term / x)  # F / (h c ν̃ N_A)
        t = harmonic_thermo(jnp.array([nu]), T)
        assert float(t.entropy) / R_GAS == pytest.approx(s_ref, rel=1e-12, abs=0)
        assert float(t.heat_capacity) / R_GAS == pytest.approx(cv_ref, rel=1e-12, abs=0)
        assert float(t.internal_energy) / e == pytest.approx(u_ref, rel=1e-12, abs=0)
        assert float(t.helmholtz_energy) / e == pytest.approx(f_ref, rel=1e-12, abs=0)


# --- limits --------------------------------------------------------------------------


@pytest.mark.parametrize("T", [1e-300, 1e-3, 1.0])
def test_low_temperature_limit(T):
    nu = jnp.array([100.0, 500.0, 3000.0])
    t = harmonic_thermo(nu, T)
    assert float(t.entropy) == pytest.approx(0.0, abs=1e-40)
    assert float(t.heat_capacity) == pytest.approx(0.0, abs=1e-40)
    assert float(t.internal_energy) == float(t.zpe)
    assert float(t.helmholtz_energy) == float(t.zpe)
    assert all(np.isfinite(np.asarray(getattr(t, f))) for f in FIELDS)


def test_high_temperature_limit_is_classical():
    nu = jnp.array([20.0, 100.0, 400.0])
    T = 1e7  # x ≈ 3e-6 .. 6e-5
    t, cl = harmonic_thermo(nu, T), classical_limit(nu, T)
    x = reduced(nu, T)
    rt = R_GAS * T
    # C_V → R per mode, R = 8.314462618... J/mol/K (exact since the 2019 SI)
    assert float(t.heat_capacity) == pytest.approx(3 * 8.314462618 / 4184, rel=1e-9, abs=0)
    assert float(cl.heat_capacity) == 3 * R_GAS
    # F → k T Σ ln(h c ν̃ / k T), U → 3 R T, S → R Σ (1 - ln x)
    assert float(t.helmholtz_energy) == pytest.approx(rt * np.sum(np.log(x)), rel=1e-9, abs=0)
    assert float(cl.helmholtz_energy) == pytest.approx(rt * np.sum(np.log(x)), rel=1e-14, abs=0)
    assert float(t.internal_energy) == pytest.approx(3 * rt, rel=1e-9, abs=0)
    assert float(t.entropy) == pytest.approx(R_GAS * np.sum(1 - np.log(x)), rel=1e-9, abs=0)
    assert float(cl.zpe) == 0.0


def test_classical_limit_leading_corrections():
    """The x² corrections quoted in the docstring of classical_limit."""
    nu = jnp.array([200.0, 300.0])
    T = 3000.0  # x ≈ 0.1, 0.14
    t, cl = harmonic_thermo(nu, T), classical_limit(nu, T)
    s2 = float(np.sum(reduced(nu, T) ** 2))
    rt = R_GAS * T
    # Next terms are O(x⁴) ~ 1e-4 of the leading ones.
    assert float(t.internal_energy - cl.internal_energy) == pytest.approx(
        rt * s2 / 12, rel=2e-3, abs=0
    )
    assert float(t.helmholtz_energy - cl.helmholtz_energy) == pytest.approx(
        rt * s2 / 24, rel=2e-3, abs=0
    )
    assert float(t.entropy - cl.entropy) == pytest.approx(R_GAS * s2 / 24, rel=2e-3, abs=0)
    assert float(t.heat_capacity - cl.heat_capacity) == pytest.approx(
        -R_GAS * s2 / 12, rel=2e-3, abs=0
    )


# --- thermodynamic identities (autodiff) ---------------------------------------------

NU = jnp.array([35.0, 210.0, 870.0, 1650.0, 3400.0])


@pytest.mark.parametrize("T", [5.0, 77.0, 298.15, 2500.0, 1e5])
def test_identities(T):
    def field(name):
        return lambda temp: getattr(harmonic_thermo(NU, temp), name)

    t = harmonic_thermo(NU, T)
    cv, s = float(t.heat_capacity), float(t.entropy)
    assert float(t.helmholtz_energy) == pytest.approx(
        float(t.internal_energy) - T * s, rel=1e-13, abs=0
    )
    assert float(jax.grad(field("internal_energy"))(T)) == pytest.approx(cv, rel=1e-10, abs=0)
    assert T * float(jax.grad(field("entropy"))(T)) == pytest.approx(cv, rel=1e-10, abs=0)
    assert -float(jax.grad(field("helmholtz_energy"))(T)) == pytest.approx(s, rel=1e-10, abs=0)


def test_gradient_with_respect_to_frequencies():
    nu = jnp.array([-400.0, 0.5, 300.0, 1200.0])  # imaginary, skipped, two used
    g = jax.grad(lambda f: harmonic_thermo(f, 300.0).zpe)(nu)
    np.testing.assert_allclose(np.asarray(g), [0, 0, HC_KCAL_MOL_CM / 2, HC_KCAL_MOL_CM / 2])
    g = jax.grad(lambda f: harmonic_thermo(f, 300.0).entropy)(nu)
    assert np.all(np.isfinite(np.asarray(g)))
    assert np.all(np.asarray(g)[2:] < 0)  # stiffer modes have less entropy
    # dF/dν̃ = h c N_A (1/2 + 1/(eˣ - 1)) = U_k / ν̃ for each used mode
    g = jax.grad(lambda f: harmonic_thermo(f, 300.0).helmholtz_energy)(nu)
    u_modes = [float(harmonic_thermo(nu[k : k + 1], 300.0).internal_energy) for k in (2, 3)]
    np.testing.assert_allclose(np.asarray(g)[2:], np.array(u_modes) / np.asarray(nu)[2:])


def test_jit_and_traced_counts():
    nu = jnp.array([-300.0, 0.1, 500.0, 1500.0])
    traced = jax.jit(lambda f: harmonic_thermo(f, 300.0))(nu)
    eager = harmonic_thermo(nu, 300.0)
    for f in FIELDS:
        np.testing.assert_allclose(getattr(traced, f), getattr(eager, f), rtol=1e-14)
    assert (int(traced.n_vibrations), int(traced.n_imaginary), int(traced.n_skipped)) == (2, 1, 1)
    assert traced.imaginary_frequencies is None
    np.testing.assert_array_equal(eager.imaginary_frequencies, [-300.0])


# --- properties (Hypothesis) ----------------------------------------------------------


@given(frequencies, frequencies, temperatures)
def test_additive_over_modes(f1, f2, T):
    both = harmonic_thermo(np.concatenate([f1, f2]), T)
    a, b = harmonic_thermo(f1, T), harmonic_thermo(f2, T)
    for f in FIELDS:
        np.testing.assert_allclose(getattr(both, f), getattr(a, f) + getattr(b, f), rtol=1e-12)
    assert both.n_vibrations == 12


@given(frequencies, temperatures, temperatures)
def test_monotonic_in_temperature(nu, T1, T2):
    lo, hi = harmonic_thermo(nu, min(T1, T2)), harmonic_thermo(nu, max(T1, T2))
    assert float(hi.entropy) >= float(lo.entropy)
    assert float(hi.internal_energy) >= float(lo.internal_energy)
    assert float(hi.helmholtz_energy) <= float(lo.helmholtz_energy)  # dF/dT = -S ≤ 0
    assert float(lo.heat_capacity) >= 0.0
    assert float(lo.heat_capacity) <= 6 * R_GAS * (1 + 1e-12)  # at most R per mode
    assert float(lo.internal_energy) >= float(lo.zpe)


@given(frequencies, temperatures, st.permutations(range(6)))
def test_permutation_invariant(nu, T, perm):
    a, b = harmonic_thermo(nu, T), harmonic_thermo(nu[list(perm)], T)
    for f in FIELDS:
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-13)


# --- mode selection ------------------------------------------------------------------


def test_imaginary_and_near_zero_modes_are_excluded_and_counted():
    nu = jnp.array([-500.0, 800.0, -0.3, 0.2, 0.0, 1500.0, -42.0])
    t = harmonic_thermo(nu, 300.0)
    ref = harmonic_thermo(jnp.array([800.0, 1500.0]), 300.0)
    assert (t.n_vibrations, t.n_imaginary, t.n_skipped) == (2, 2, 3)
    np.testing.assert_array_equal(t.imaginary_frequencies, [-500.0, -42.0])
    for f in FIELDS:
        assert float(getattr(t, f)) == float(getattr(ref, f))
    # a smaller threshold turns the 0.2 cm⁻¹ mode into a vibration and -0.3 into imaginary
    t = harmonic_thermo(nu, 300.0, min_frequency=0.1)
    assert (t.n_vibrations, t.n_imaginary, t.n_skipped) == (3, 3, 1)
    # classical_limit selects the same modes
    cl = classical_limit(nu, 300.0)
    assert (cl.n_vibrations, cl.n_imaginary, cl.n_skipped) == (2, 2, 3)
    assert DEFAULT_MIN_FREQUENCY == 1.0


def _spring_molecule():
    """Five atoms joined by springs at their rest lengths: R is a minimum."""
    rng = np.random.default_rng(7)
    R = jnp.asarray(
        [[0.0, 0.0, 0.0], [1.5, 0.0, 0.0], [0.0, 1.4, 0.1], [0.2, 0.3, 1.3], [1.2, 1.1, 0.9]]
    )
    masses = jnp.asarray(rng.uniform(1.0, 40.0, 5))
    pairs = np.array(np.triu_indices(5, 1)).T
    k = jnp.asarray(rng.uniform(100.0, 600.0, len(pairs)))
    d0 = pair_distances(R, pairs)

    def energy(X):
        return 0.5 * jnp.sum(k * (pair_distances(X, pairs) - d0) ** 2)

    return nm.hessian(jax.jit(energy), R), masses, R


def test_modes_input_and_unprojected_rigid_modes():
    H, masses, R = _spring_molecule()
    projected = nm.normal_modes(H, masses, R)
    full = nm.normal_modes(H, masses, project=False)
    assert np.max(np.abs(np.asarray(full.frequencies)[:6])) < DEFAULT_MIN_FREQUENCY
    a = harmonic_thermo(projected, 298.15)
    b = harmonic_thermo(full, 298.15)
    c = harmonic_thermo(projected.frequencies, 298.15)
    assert (a.n_vibrations, a.n_skipped) == (9, 0)
    assert (b.n_vibrations, b.n_skipped, b.n_imaginary) == (9, 6, 0)
    for f in FIELDS:
        np.testing.assert_allclose(getattr(b, f), getattr(a, f), rtol=1e-9)
        assert float(getattr(c, f)) == float(getattr(a, f))


def test_temperature_array_broadcasts():
    temps = jnp.array([[50.0, 300.0], [1000.0, 4000.0]])
    t = harmonic_thermo(NU, temps)
    assert isinstance(t, Thermo)
    for f in FIELDS:
        assert getattr(t, f).shape == (2, 2)
        ref = [float(getattr(harmonic_thermo(NU, T), f)) for T in np.asarray(temps).ravel()]
        np.testing.assert_allclose(np.asarray(getattr(t, f)).ravel(), ref, rtol=1e-14)
    # a scalar frequency is one mode
    assert harmonic_thermo(1000.0, 300.0).n_vibrations == 1
    assert harmonic_thermo(jnp.zeros(0), 300.0).n_vibrations == 0


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("function", [harmonic_thermo, classical_limit])
def test_bad_input(function):
    with pytest.raises(ValueError, match="NaN"):
        function(jnp.array([100.0, jnp.nan]), 300.0)
    with pytest.raises(ValueError, match="inf"):
        function(jnp.array([100.0, jnp.inf]), 300.0)
    for T in (0.0, -10.0, jnp.array([300.0, 0.0])):
        with pytest.raises(ValueError, match="> 0 K"):
            function(NU, T)
    with pytest.raises(ValueError, match="NaN"):
        function(NU, float("nan"))
    with pytest.raises(ValueError, match="1-D"):
        function(jnp.ones((2, 3)) * 100.0, 300.0)
    with pytest.raises(ValueError, match="min_frequency"):
        function(NU, 300.0, min_frequency=-1.0)
    with pytest.raises(TypeError, match="complex"):
        function(np.array([100.0 + 1.0j]), 300.0)
    with pytest.raises(nm.PrecisionError, match="float32"):
        function(np.array([100.0], dtype=np.float32), 300.0)
    with pytest.raises(nm.PrecisionError, match="float32"):
        function(NU, np.float32(300.0))


def test_x64_off_is_refused():
    with jax.enable_x64(False), pytest.raises(nm.PrecisionError, match="64-bit mode is off"):
        harmonic_thermo([1000.0], 300.0)
