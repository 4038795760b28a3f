"""Energy terms and lifters: hand-computed values, safe derivatives, linear-bend pitfalls."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnm_course import geometry
from jaxnm_course import potentials as P
from jaxnm_course.hessians import finite_difference_hessian, hessian
from jaxnm_course.precision import PrecisionError


def jit_hessian(energy, R):
    """The library's Hessian, compiled once (its value checks are skipped under jit)."""
    return jax.jit(lambda R: hessian(energy, R))(R)


def d1(f, x):
    return float(jax.grad(f)(jnp.float64(x)))


def d2(f, x):
    return float(jax.grad(jax.grad(f))(jnp.float64(x)))


# --- pair terms: values and derivatives against hand-computed numbers ---------------------


def test_harmonic_value_and_derivatives():
    V = P.harmonic(k=2.5, r0=1.2)
    assert float(V(1.5)) == pytest.approx(0.5 * 2.5 * 0.3**2, rel=1e-14)
    assert float(V(1.2)) == 0.0
    assert d1(V, 1.5) == pytest.approx(2.5 * 0.3, rel=1e-14)
    assert d1(V, 1.0) == pytest.approx(-2.5 * 0.2, rel=1e-14)
    assert d2(V, 0.7) == pytest.approx(2.5, rel=1e-14)


def test_morse_value_and_derivatives():
    D, a, r0 = 3.0, 2.0, 1.0
    V = P.morse(D, a, r0)
    e = math.exp(-1.0)  # at r = 1.5, a (r - r0) = 1
    assert float(V(1.5)) == pytest.approx(D * (1.0 - e) ** 2, rel=1e-14)
    assert d1(V, 1.5) == pytest.approx(2.0 * D * a * e * (1.0 - e), rel=1e-13)
    assert float(V(r0)) == 0.0
    assert d1(V, r0) == 0.0
    assert d2(V, r0) == pytest.approx(2.0 * D * a * a, rel=1e-14)
    assert float(V(60.0)) == pytest.approx(D, rel=1e-14)  # dissociation limit


def test_morse_is_accurate_close_to_r0():
    """1 - exp(-x) via expm1: no cancellation for tiny displacements."""
    V = P.morse(D=100.0, a=2.0, r0=1.0)
    x = 1e-9
    assert float(V(1.0 + x)) == pytest.approx(100.0 * (2.0 * x) ** 2, rel=1e-6)


def test_lennard_jones_value_and_derivatives():
    eps, sigma = 0.5, 2.0
    V = P.lennard_jones(eps, sigma)
    r_m = 2.0 ** (1.0 / 6.0) * sigma
    assert float(V(sigma)) == pytest.approx(0.0, abs=1e-15)
    assert float(V(r_m)) == pytest.approx(-eps, rel=1e-14)
    assert d1(V, r_m) == pytest.approx(0.0, abs=1e-14)
    assert d2(V, r_m) == pytest.approx(72.0 * eps / (2.0 ** (1.0 / 3.0) * sigma**2), rel=1e-13)
    r = 3.0
    s = sigma / r
    assert float(V(r)) == pytest.approx(4 * eps * (s**12 - s**6), rel=1e-14)
    assert d1(V, r) == pytest.approx(4 * eps * (-12 * s**12 + 6 * s**6) / r, rel=1e-13)


def test_lennard_jones_at_zero_distance_is_plus_infinity_not_nan():
    V = P.lennard_jones(1.0, 1.0)
    assert float(V(0.0)) == math.inf
    E = P.pair_energy(V, 2)
    assert float(E(jnp.zeros((2, 3)))) == math.inf


def test_per_bond_parameters_broadcast_with_the_bond_list():
    R = jnp.array([[0.0, 0, 0], [1.5, 0, 0], [1.5, 2.0, 0]])
    k = jnp.array([1.0, 4.0])
    r0 = jnp.array([1.0, 1.0])
    E = P.bond_energy(P.harmonic(k, r0), [(0, 1), (1, 2)])
    assert float(E(R)) == pytest.approx(0.5 * 1.0 * 0.5**2 + 0.5 * 4.0 * 1.0**2, rel=1e-14)
    np.testing.assert_allclose(P.harmonic(k, r0)(jnp.array([2.0, 2.0])), [0.5, 2.0])


def test_bond_energy_gradient_is_the_hand_derived_force():
    """dE/dr_j = k (r - r0) (r_j - r_i)/r for one bond, opposite on atom i."""
    R = jnp.array([[0.1, -0.2, 0.3], [1.0, 0.9, -0.4]])
    k, r0 = 7.0, 1.1
    g = jax.jit(jax.grad(P.bond_energy(P.harmonic(k, r0), [(0, 1)])))(R)
    d = np.asarray(R[1] - R[0])
    r = np.linalg.norm(d)
    expected = k * (r - r0) * d / r
    np.testing.assert_allclose(g[1], expected, rtol=1e-13)
    np.testing.assert_allclose(g[0], -expected, rtol=1e-13)


# --- angle terms ------------------------------------------------------------------------------


def test_bend_angle_and_cosine_agree_with_geometry_angles():
    rng = np.random.default_rng(3)
    R = rng.normal(size=(6, 3))
    triples = np.array([(0, 1, 2), (3, 4, 5), (5, 0, 3), (2, 3, 1)])
    u = R[triples[:, 0]] - R[triples[:, 1]]
    v = R[triples[:, 2]] - R[triples[:, 1]]
    theta = geometry.angles(R, triples)
    np.testing.assert_allclose(P.bend_angle(u, v), theta, rtol=1e-13)
    np.testing.assert_allclose(P.bend_cosine(u, v), np.cos(theta), atol=1e-14)


def test_harmonic_angle_value_and_gradient():
    """θ = π/2 between u = x̂ and v = 2ŷ; opening θ moves the tip of v along -x̂."""
    k, theta0 = 2.0, math.pi / 3
    R = jnp.array([[1.0, 0, 0], [0.0, 0, 0], [0.0, 2.0, 0]])
    E = P.angle_energy(P.harmonic_angle(k, theta0), [(0, 1, 2)])
    assert float(E(R)) == pytest.approx(0.5 * k * (math.pi / 6) ** 2, rel=1e-14)
    g = jax.jit(jax.grad(E))(R)
    dE_dtheta = k * (math.pi / 2 - theta0)
    np.testing.assert_allclose(g[2], [-dE_dtheta / 2.0, 0, 0], atol=1e-14)  # |v| = 2
    np.testing.assert_allclose(g[0], [0, -dE_dtheta / 1.0, 0], atol=1e-14)  # |u| = 1
    np.testing.assert_allclose(g.sum(0), 0.0, atol=1e-14)  # no net force


def test_linear_angle_value_and_gradient():
    k = 3.0
    c, s = math.cos(2 * math.pi / 3), math.sin(2 * math.pi / 3)
    V = P.linear_angle(k)
    assert float(V(jnp.array([1.0, 0, 0]), 1.7 * jnp.array([c, s, 0]))) == pytest.approx(
        k * (1 + c), rel=1e-14
    )
    assert float(V(jnp.array([1.0, 0, 0]), jnp.array([-2.0, 0, 0]))) == pytest.approx(0.0)
    # d/dv [k u·v / (|u||v|)] = k (u/(|u||v|) - (u·v) v/(|u||v|³)); u ⟂ v here.
    g = jax.grad(V, argnums=1)(jnp.array([1.0, 0, 0]), jnp.array([0.0, 2.0, 0]))
    np.testing.assert_allclose(g, [k / 2.0, 0, 0], atol=1e-14)


def test_cosine_harmonic_angle_curvature_is_k_sin2_theta0():
    k, theta0 = 5.0, math.radians(109.5)
    V = P.cosine_harmonic_angle(k, theta0)

    def of_theta(t):
        return V(jnp.array([1.0, 0.0, 0.0]), jnp.stack([jnp.cos(t), jnp.sin(t), 0.0 * t]))

    assert float(of_theta(theta0)) == pytest.approx(0.0, abs=1e-15)
    assert d2(of_theta, theta0) == pytest.approx(k * math.sin(theta0) ** 2, rel=1e-12)
    assert float(of_theta(math.pi / 2)) == pytest.approx(0.5 * k * math.cos(theta0) ** 2)


def test_harmonic_angle_curvature_in_theta_is_k():
    k, theta0 = 5.0, math.radians(104.5)
    V = P.harmonic_angle(k, theta0)

    def of_theta(t):
        return V(jnp.array([1.0, 0.0, 0.0]), 1.3 * jnp.stack([jnp.cos(t), jnp.sin(t), 0.0 * t]))

    assert d2(of_theta, theta0) == pytest.approx(k, rel=1e-12)
    assert d2(of_theta, 2.0) == pytest.approx(k, rel=1e-12)


# --- linear bends: the pitfall and its cure -------------------------------------------------

R_LINEAR = jnp.array([[-1.2, 0.0, 0.0], [0.0, 0.0, 0.0], [1.1, 0.0, 0.0]])  # r1 ≠ r2


def test_linear_angle_hessian_at_a_linear_triatomic_has_the_bending_curvature():
    k, r1, r2 = 2.0, 1.2, 1.1
    E = P.angle_energy(P.linear_angle(k), [(0, 1, 2)])
    H = np.asarray(hessian(E, R_LINEAR))
    assert np.isfinite(H).all()
    # Bend deviation δ = y_0/r1 + y_2/r2 - y_1 (1/r1 + 1/r2) (signs aside): E ≈ k δ²/2.
    b = np.array([1 / r1, -(1 / r1 + 1 / r2), 1 / r2])
    for axis in (1, 2):  # y and z blocks, degenerate
        np.testing.assert_allclose(H[axis::3, axis::3], k * np.outer(b, b), rtol=1e-12)
    np.testing.assert_allclose(H[0::3, 0::3], 0.0, atol=1e-12)  # stretching along x: no bend


def test_linear_angle_matches_finite_differences_of_the_harmonic_bend_in_theta():
    """k (1 + cos θ) and k/2 (θ - π)² have the same Hessian at θ = π (differ at O(δ⁴))."""
    k = 2.0

    def naive(R):
        return jnp.sum(0.5 * k * (geometry.angles(R, [(0, 1, 2)]) - jnp.pi) ** 2)

    H_fd = finite_difference_hessian(naive, R_LINEAR)
    H = jit_hessian(P.angle_energy(P.linear_angle(k), [(0, 1, 2)]), R_LINEAR)
    np.testing.assert_allclose(H, H_fd, atol=1e-5 * float(jnp.abs(H).max()))


def test_naive_theta_harmonic_bend_via_arccos_gives_nan_hessian_at_linear():
    """The pitfall: arccos'(-1) = -inf times a zero derivative of cos θ is NaN."""
    k = 2.0

    def naive_arccos(R):
        u, v = R[0] - R[1], R[2] - R[1]
        cos_t = jnp.dot(u, v) / (jnp.linalg.norm(u) * jnp.linalg.norm(v))
        return 0.5 * k * (jnp.arccos(cos_t) - jnp.pi) ** 2

    assert float(naive_arccos(R_LINEAR)) == 0.0  # the energy itself is fine
    assert np.isnan(np.asarray(jax.jit(jax.grad(naive_arccos))(R_LINEAR))).any()
    assert np.isnan(np.asarray(jax.jit(jax.hessian(naive_arccos))(R_LINEAR))).any()


def test_naive_theta_harmonic_bend_via_atan2_gives_silently_zero_curvature():
    """The quieter pitfall: with a safe norm the Hessian is finite but has no bend at all."""

    def naive_atan2(R):
        return jnp.sum(0.5 * 2.0 * (geometry.angles(R, [(0, 1, 2)]) - jnp.pi) ** 2)

    H = np.asarray(jit_hessian(naive_atan2, R_LINEAR))
    assert np.isfinite(H).all()
    np.testing.assert_allclose(H, 0.0, atol=1e-12)


def test_cosine_harmonic_angle_gives_no_bending_stiffness_at_linear():
    E = P.angle_energy(P.cosine_harmonic_angle(50.0, math.pi), [(0, 1, 2)])
    np.testing.assert_allclose(jit_hessian(E, R_LINEAR), 0.0, atol=1e-12)


def test_harmonic_angle_refuses_a_linear_equilibrium_and_degrees():
    with pytest.raises(ValueError, match="linear_angle"):
        P.harmonic_angle(1.0, math.pi)
    with pytest.raises(ValueError, match="degrees"):
        P.harmonic_angle(1.0, 104.5)
    with pytest.raises(ValueError, match="degrees"):
        P.cosine_harmonic_angle(1.0, 180.0)


# --- safe derivatives at coincident atoms ----------------------------------------------------


@pytest.mark.parametrize(
    "term", [P.harmonic(3.0, 1.0), P.morse(2.0, 1.5, 1.0)], ids=["harmonic", "morse"]
)
def test_bond_energy_has_finite_gradient_and_hessian_at_zero_distance(term):
    E = P.bond_energy(term, [(0, 1)])
    R = jnp.array([[0.3, -0.1, 0.2], [0.3, -0.1, 0.2]])  # coincident atoms
    assert np.isfinite(float(E(R)))
    assert np.isfinite(np.asarray(jax.jit(jax.grad(E))(R))).all()
    assert np.isfinite(np.asarray(jax.jit(jax.hessian(E))(R))).all()


@pytest.mark.parametrize(
    "term",
    [P.harmonic_angle(3.0, 1.9), P.linear_angle(3.0), P.cosine_harmonic_angle(3.0, 1.9)],
    ids=["harmonic_angle", "linear_angle", "cosine_harmonic_angle"],
)
def test_angle_energy_has_finite_gradient_and_hessian_with_a_zero_length_arm(term):
    E = P.angle_energy(term, [(0, 1, 2)])
    R = jnp.array([[0.0, 0, 0], [0.0, 0, 0], [1.0, 0.5, 0]])  # atoms 0 and 1 coincide
    assert np.isfinite(float(E(R)))
    assert np.isfinite(np.asarray(jax.jit(jax.grad(E))(R))).all()
    assert np.isfinite(np.asarray(jax.jit(jax.hessian(E))(R))).all()


# --- lifters ------------------------------------------------------------------------------------


def test_all_pairs_and_exclusions():
    np.testing.assert_array_equal(P.all_pairs(4), [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]])
    kept = P.all_pairs(4, exclude=[(1, 0), (2, 3)])  # either order
    np.testing.assert_array_equal(kept, [[0, 2], [0, 3], [1, 2], [1, 3]])
    assert P.all_pairs(1).shape == (0, 2)
    assert not P.all_pairs(3).flags.writeable


def test_pair_energy_sums_over_pairs_with_exclusions():
    rng = np.random.default_rng(1)
    R = rng.normal(size=(5, 3)) * 2.0
    V = P.lennard_jones(0.3, 1.1)
    dist = np.linalg.norm(R[:, None] - R[None], axis=-1)
    i, j = np.triu_indices(5, 1)
    full = float(np.sum(np.asarray(V(dist[i, j]))))
    assert float(P.pair_energy(V, 5)(R)) == pytest.approx(full, rel=1e-12)
    without = full - float(V(dist[0, 1])) - float(V(dist[2, 4]))
    assert float(P.pair_energy(V, 5, exclude=[(1, 0), (2, 4)])(R)) == pytest.approx(
        without, rel=1e-12
    )
    explicit = P.pair_energy(V, np.stack([i, j], 1), exclude=[(4, 2), (0, 1)])
    assert float(explicit(R)) == pytest.approx(without, rel=1e-12)


def test_sum_energies_adds_terms_and_passes_arguments():
    R = jnp.array([[0.0, 0, 0], [1.3, 0, 0], [1.3, 1.0, 0]])
    Eb = P.bond_energy(P.harmonic(10.0, 1.0), [(0, 1), (1, 2)])
    Ea = P.angle_energy(P.harmonic_angle(5.0, 2.0), [(0, 1, 2)])
    E = P.sum_energies(Eb, Ea)
    assert float(E(R)) == pytest.approx(float(Eb(R)) + float(Ea(R)), rel=1e-14)
    assert float(jax.jit(E)(R)) == pytest.approx(float(E(R)), rel=1e-14)
    scaled = P.sum_energies(lambda R, s: s * Eb(R), lambda R, s: s * Ea(R))
    assert float(scaled(R, 2.0)) == pytest.approx(2.0 * float(E(R)), rel=1e-14)


def test_empty_lists_give_zero_energy():
    R = jnp.ones((2, 3))
    assert float(P.bond_energy(P.harmonic(1.0, 1.0), np.zeros((0, 2), int))(R)) == 0.0
    assert float(P.angle_energy(P.linear_angle(1.0), [])(R)) == 0.0


# --- input validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bonds", "error", "match"),
    [
        ([(0.0, 1.0)], TypeError, "integer"),
        ([(True, False)], TypeError, "integer"),
        ((0, 1), ValueError, "wrap it in a list"),
        ([(0, 1, 2)], ValueError, r"shape \(P, 2\)"),
        ([(0, -1)], ValueError, "negative"),
        ([(1, 1)], ValueError, "same atom"),
        ([(0, 1), (1, 0)], ValueError, "twice"),
        ([(0, 1), (1,)], ValueError, "rectangular"),
    ],
)
def test_bond_list_validation(bonds, error, match):
    # One pair-list rule (jaxnm_course.network.check_pairs): TypeError for a non-integer
    # dtype, ValueError for a bad value (shape, index, self pair, repeated pair).
    with pytest.raises(error, match="bond_energy: .*" + match):
        P.bond_energy(P.harmonic(1.0, 1.0), bonds)


def test_angle_list_validation():
    term = P.linear_angle(1.0)
    with pytest.raises(ValueError, match=r"shape \(K, 3\)"):
        P.angle_energy(term, [(0, 1)])
    with pytest.raises(ValueError, match="same atom"):
        P.angle_energy(term, [(0, 1, 0)])


def test_index_out_of_range_is_reported_when_called():
    E = P.bond_energy(P.harmonic(1.0, 1.0), [(0, 1), (1, 3)])
    with pytest.raises(ValueError, match="refers to atom 3"):
        E(jnp.ones((3, 3)))
    with pytest.raises(ValueError, match="refers to atom 2"):
        P.angle_energy(P.linear_angle(1.0), [(0, 1, 2)])(jnp.ones((2, 3)))


def test_pair_energy_checks_the_number_of_atoms():
    with pytest.raises(ValueError, match="built for 3 atoms"):
        P.pair_energy(P.lennard_jones(1.0, 1.0), 3)(jnp.ones((4, 3)))
    with pytest.raises(ValueError, match=">= 1"):
        P.all_pairs(0)
    with pytest.raises(TypeError, match="integer"):
        P.all_pairs(True)


def test_traced_index_lists_are_refused():
    def build(bonds):
        return P.bond_energy(P.harmonic(1.0, 1.0), bonds)(jnp.ones((2, 3)))

    with pytest.raises(TypeError, match="traced"):
        jax.jit(build)(jnp.array([[0, 1]]))


def test_parameter_shape_mismatch_is_explained():
    E = P.bond_energy(P.harmonic(jnp.ones(3), 1.0), [(0, 1), (1, 2)])
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        E(jnp.arange(9.0).reshape(3, 3))


def test_coordinates_must_have_shape_n_by_3():
    E = P.bond_energy(P.harmonic(1.0, 1.0), [(0, 1)])
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        E(jnp.ones(6))


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: P.morse(-1.0, 1.0, 1.0), "`D` must be > 0"),
        (lambda: P.morse(1.0, 0.0, 1.0), "`a` must be > 0"),
        (lambda: P.harmonic(1.0, -0.5), "`r0` must be >= 0"),
        (lambda: P.harmonic(np.nan, 1.0), "finite"),
        (lambda: P.lennard_jones(1.0, 0.0), "`sigma` must be > 0"),
        (lambda: P.lennard_jones(-1.0, 1.0), "`epsilon` must be >= 0"),
    ],
)
def test_parameter_validation(factory, match):
    with pytest.raises(ValueError, match=match):
        factory()


def test_float32_parameters_are_refused():
    with pytest.raises(PrecisionError):
        P.harmonic(np.float32(1.0), 1.0)


def test_non_callable_terms_and_energies_are_refused():
    with pytest.raises(TypeError, match="factory"):
        P.bond_energy(1.0, [(0, 1)])
    with pytest.raises(TypeError, match="not an energy function"):
        P.sum_energies(P.bond_energy(P.harmonic(1.0, 1.0), [(0, 1)]), 3.0)
    with pytest.raises(ValueError, match="at least one"):
        P.sum_energies()
