"""Autodiff Hessian vs a hand-derived Hessian vs finite differences; HVPs."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given

import jaxnm_course as nm
from tests import strategies as S
from tests.references import analytic_spring_hessian


@given(S.positions(), S.spring_constants(), S.positions())
def test_autodiff_matches_hand_derived_hessian_away_from_minimum(R0, k, R):
    """At a stretched/compressed geometry the tension term (1 - r0/r) must appear."""
    pl = S.pairs(len(R))
    r0 = np.linalg.norm(R0[pl[:, 1]] - R0[pl[:, 0]], axis=-1)
    H = nm.hessian(S.spring_network_energy, R, jnp.asarray(k), jnp.asarray(r0), pl)
    expected = analytic_spring_hessian(R, k, r0)
    np.testing.assert_allclose(H, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


@given(S.positions(), S.spring_constants(), S.positions())
def test_autodiff_matches_finite_differences(R0, k, R):
    pl = S.pairs(len(R))
    r0 = np.linalg.norm(R0[pl[:, 1]] - R0[pl[:, 0]], axis=-1)
    args = (jnp.asarray(k), jnp.asarray(r0), pl)
    H = nm.hessian(S.spring_network_energy, R, *args)
    H_fd = nm.finite_difference_hessian(S.spring_network_energy, R, *args)
    np.testing.assert_allclose(H_fd, H, atol=1e-6 * np.abs(H).max())


def test_finite_differences_are_exact_for_a_quadratic():
    """Four-point stencils are exact (to rounding) for quadratic energies: checks indexing."""
    rng = np.random.default_rng(0)
    A = rng.normal(size=(9, 9))
    A = A + A.T

    def energy(R):
        x = R.reshape(-1)
        return 0.5 * x @ jnp.asarray(A) @ x + jnp.sum(x**3) * 0.0

    H = nm.finite_difference_hessian(energy, rng.normal(size=(3, 3)) * 3)
    np.testing.assert_allclose(H, A, atol=1e-8)


def test_hessian_layout_is_atom_major():
    """E = x_0 * y_1 couples row 0 (x of atom 0) with column 4 (y of atom 1)."""

    def energy(R):
        return R[0, 0] * R[1, 1]

    H = np.asarray(nm.hessian(energy, np.array([[0.0, 0, 0], [1.0, 1, 1]])))
    expected = np.zeros((6, 6))
    expected[0, 4] = expected[4, 0] = 1.0
    np.testing.assert_array_equal(H, expected)


@given(S.positions(), S.spring_constants(), S.positions(), S.positions())
def test_hessian_vector_product_matches_dense(R0, k, R, V):
    pl = S.pairs(len(R))
    r0 = np.linalg.norm(R0[pl[:, 1]] - R0[pl[:, 0]], axis=-1)
    args = (jnp.asarray(k), jnp.asarray(r0), pl)
    H = nm.hessian(S.spring_network_energy, R, *args)
    hv = nm.hessian_vector_product(S.spring_network_energy, R, V, *args)
    assert hv.shape == V.shape
    np.testing.assert_allclose(hv.reshape(-1), H @ V.reshape(-1), atol=1e-10 * np.abs(H).max())
    flat = nm.hessian_vector_product(S.spring_network_energy, R, V.reshape(-1), *args)
    assert flat.shape == (V.size,)
    product = nm.hvp_fn(S.spring_network_energy, R, *args)
    np.testing.assert_allclose(product(V.reshape(-1)), flat, rtol=1e-13, atol=1e-12)


def test_hessian_is_float64_and_shaped():
    R = np.array([[0.0, 0, 0], [1.1, 0, 0], [0, 1.2, 0]])
    H = nm.hessian(lambda X: jnp.sum(X**4), R)
    assert H.shape == (9, 9)
    assert H.dtype == jnp.float64


def test_non_scalar_energy_is_rejected():
    with pytest.raises(ValueError, match=r"energy_fn.*scalar"):
        nm.hessian(lambda X: X**2, np.eye(3))
    with pytest.raises(ValueError, match=r"energy_fn.*scalar"):
        nm.finite_difference_hessian(lambda X: X**2, np.eye(3))


def test_bad_step_and_bad_vector_are_rejected():
    with pytest.raises(ValueError, match="step"):
        nm.finite_difference_hessian(lambda X: jnp.sum(X**2), np.eye(3), step=0.0)
    with pytest.raises(ValueError, match="`V`"):
        nm.hessian_vector_product(lambda X: jnp.sum(X**2), np.eye(3), np.ones(4))


def test_safe_norm_has_finite_derivatives_at_zero():
    import jax

    g = jax.grad(lambda x: nm.safe_norm(x))(jnp.zeros(3))
    h = jax.hessian(lambda x: nm.safe_norm(x))(jnp.zeros(3))
    assert np.all(np.isfinite(g))
    assert np.all(np.isfinite(h))
    naive = jax.grad(lambda x: jnp.linalg.norm(x))(jnp.zeros(3))
    assert np.isnan(np.asarray(naive)).any()  # why safe_norm exists
    np.testing.assert_allclose(nm.safe_norm(jnp.array([3.0, 4.0])), 5.0, rtol=1e-15)
