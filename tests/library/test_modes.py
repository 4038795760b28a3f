"""Normal modes: projection, rigid-body counts, ordering, units, saddles."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given

import jaxnm_course as nm
from jaxnm_course import geometry, units
from tests import strategies as S


@given(S.positions(), S.spring_constants(), S.masses())
def test_modes_are_eigenpairs_of_the_mass_weighted_hessian(R, k, m):
    energy, _ = S.spring_network(R, k)
    H = nm.hessian(energy, R)
    modes = nm.normal_modes(H, m, R)
    H_mw = np.asarray(nm.mass_weight(H, m))
    L = np.asarray(modes.mw_vectors)
    scale = np.abs(H_mw).max()
    np.testing.assert_allclose(H_mw @ L, L * np.asarray(modes.eigenvalues), atol=1e-10 * scale)
    np.testing.assert_allclose(L.T @ L, np.eye(L.shape[1]), atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(modes.vectors, axis=0), 1.0, rtol=1e-13)
    # Cartesian vectors are M^{-1/2} l, up to normalisation
    x = L / np.sqrt(np.repeat(m, 3))[:, None]
    np.testing.assert_allclose(
        modes.vectors, x / np.linalg.norm(x, axis=0), rtol=1e-12, atol=1e-14
    )
    assert np.all(np.diff(np.asarray(modes.eigenvalues)) >= 0)  # ascending
    assert modes.n_rigid == 6
    assert modes.vectors.shape == (3 * len(R), 3 * len(R) - 6)


@given(S.positions(), S.spring_constants(), S.masses())
def test_internal_modes_are_orthogonal_to_rigid_motions(R, k, m):
    energy, _ = S.spring_network(R, k)
    modes = nm.normal_modes(nm.hessian(energy, R), m, R)
    D = np.asarray(geometry.rigid_body_modes(R, m))
    np.testing.assert_allclose(D.T @ D, np.eye(6), atol=1e-12)
    np.testing.assert_allclose(D.T @ np.asarray(modes.mw_vectors), 0.0, atol=1e-12)
    assert float(modes.rigid_residual) < 1e-10 * np.abs(np.asarray(modes.eigenvalues)).max()


@given(S.positions(), S.spring_constants(), S.masses())
def test_projected_spectrum_equals_unprojected_minus_zeros(R, k, m):
    """At a minimum, projection only removes the 6 (numerically) zero eigenvalues."""
    energy, _ = S.spring_network(R, k)
    H = nm.hessian(energy, R)
    full = np.asarray(nm.normal_modes(H, m, project=False).eigenvalues)
    proj = np.asarray(nm.normal_modes(H, m, R).eigenvalues)
    scale = np.abs(full).max()
    assert np.sum(np.abs(full) < 1e-9 * scale) == 6
    np.testing.assert_allclose(np.sort(full)[6:], proj, atol=1e-9 * scale)
    assert proj.min() > 1e-9 * scale  # a rigid all-pairs network: all internal modes stiff


def test_rigid_body_counts_atom_linear_nonlinear():
    one = nm.normal_modes(np.zeros((3, 3)), [12.0], [[0.0, 0.0, 0.0]])
    assert one.n_rigid == 3
    assert one.eigenvalues.shape == (0,)

    R = np.array([[0.0, 0, -1.16], [0, 0, 0], [0, 0, 1.16]])
    m = np.array([16.0, 12.0, 16.0])
    assert geometry.n_rigid_body_modes(R, m) == 5
    assert geometry.is_linear(R, m)
    bent = R.copy()
    bent[1, 0] = 0.05
    assert geometry.n_rigid_body_modes(bent, m) == 6


def test_linear_tolerance_is_honoured():
    R = np.array([[0.0, 0, -1.16], [1e-4, 0, 0], [0, 0, 1.16]])  # 0.01° from straight
    m = np.array([16.0, 12.0, 16.0])
    assert geometry.n_rigid_body_modes(R, m) == 5
    assert geometry.n_rigid_body_modes(R, m, linear_tol=1e-12) == 6


def test_diatomic_frequency_and_units():
    """ω = sqrt(k/μ), converted to cm⁻¹ by the unit module, checked by hand here."""
    k, r0 = 516.0, 1.2746
    m = np.array([1.008, 35.45])

    def energy(R):
        return 0.5 * k * (nm.safe_norm(R[1] - R[0]) - r0) ** 2

    R = np.array([[0.0, 0, 0], [0.3, 0.4, r0 * np.sqrt(1 - 0.25)]])
    R[1] = R[1] / np.linalg.norm(R[1]) * r0
    modes = nm.normal_modes(nm.hessian(energy, R), m, R)
    mu = m[0] * m[1] / m.sum()
    assert modes.n_rigid == 5
    np.testing.assert_allclose(modes.eigenvalues, [k / mu], rtol=1e-12)
    # hand conversion: ω in rad/s from SI, then ν̃ = ω / (2π c) in cm⁻¹
    omega = np.sqrt(k * 4184 / 6.02214076e23 / (1e-20 * mu * 1.66053906660e-27))
    np.testing.assert_allclose(
        modes.frequencies, [omega / (2 * np.pi * 2.99792458e10)], rtol=1e-12
    )


def test_saddle_gives_negative_frequency_not_dropped():
    """A double well along the bond: at r = 0.5 (barrier top) the stretch is imaginary."""

    def energy(R):
        r = nm.safe_norm(R[1] - R[0])
        return 10.0 * ((r - 0.5) ** 2 - 0.25) ** 2

    R = np.array([[0.0, 0, 0], [0.5, 0, 0]])
    modes = nm.normal_modes(nm.hessian(energy, R), [1.0, 1.0], R)
    assert modes.eigenvalues.shape == (1,)
    # with s = r - 0.5: d²/ds² 10 (s² - 1/4)² = 10 (12 s² - 1) = -10 at s = 0; μ = 1/2
    lam = -10.0 / 0.5
    assert float(modes.eigenvalues[0]) == pytest.approx(lam, rel=1e-12, abs=0)
    assert float(modes.frequencies[0]) < 0
    assert nm.n_imaginary(modes) == 1
    np.testing.assert_allclose(
        modes.frequencies, -units.eigenvalue_to_wavenumber(jnp.abs(modes.eigenvalues)), rtol=1e-14
    )


@given(S.positions(), S.spring_constants(), S.masses())
def test_frequencies_scale_with_inverse_sqrt_mass(R, k, m):
    energy, _ = S.spring_network(R, k)
    H = nm.hessian(energy, R)
    f1 = np.asarray(nm.normal_modes(H, m, R).frequencies)
    f4 = np.asarray(nm.normal_modes(H, 4.0 * m, R).frequencies)
    np.testing.assert_allclose(f4, f1 / 2.0, rtol=1e-10)


def test_modes_is_a_pytree():
    import jax

    R = np.array([[0.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0]])
    energy, _ = S.spring_network(R, np.ones(3))
    modes = nm.normal_modes(nm.hessian(energy, R), np.ones(3), R)
    leaves = jax.tree_util.tree_leaves(modes)
    assert len(leaves) == len(nm.Modes._fields)


@pytest.fixture(scope="module")
def adk(adk_closed):
    s = adk_closed
    H = nm.enm.anm_hessian(s.R)
    m = nm.residue_masses(s.resnames)
    return s.R, H, m, nm.normal_modes(H, m, s.R)


@pytest.mark.parametrize("solver", ["lanczos", "lobpcg", "eigsh"])
def test_iterative_solvers_give_the_dense_lowest_modes(adk, solver):
    R, H, m, ref = adk
    got = nm.normal_modes(H, m, R, n_modes=10, solver=solver)
    assert got.n_rigid == 6
    assert got.eigenvalues.shape == (10,)
    assert got.vectors.shape == (642, 10)
    np.testing.assert_allclose(got.eigenvalues, ref.eigenvalues[:10], rtol=1e-8)
    # the same 10-dimensional subspace of orthonormal mass-weighted vectors
    sigma = np.linalg.svd(
        np.asarray(got.mw_vectors).T @ np.asarray(ref.mw_vectors)[:, :10], compute_uv=False
    )
    assert sigma.min() > 1 - 1e-8
    # the 10 lowest are non-degenerate here, so each Cartesian mode matches up to sign
    w = np.asarray(ref.eigenvalues)[:11]
    assert np.min(np.diff(w) / w[1:]) > 1e-3
    cos = np.abs(np.sum(np.asarray(got.vectors) * np.asarray(ref.vectors)[:, :10], axis=0))
    np.testing.assert_allclose(cos, 1.0, atol=1e-8)


def test_auto_solver_goes_iterative_above_the_threshold_only(adk, monkeypatch):
    # normal_modes, anm and gnm share one solve (solvers.solve); record what it ran.
    R, H, m, ref = adk
    calls = []
    real = nm.solvers.solve

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result.method)
        return result

    monkeypatch.setattr(nm.solvers, "solve", spy)
    few = nm.normal_modes(H, m, R, n_modes=5)  # 642 rows <= DENSE_MAX_DOF: dense, truncated
    assert calls == ["dense"]
    np.testing.assert_allclose(few.eigenvalues, ref.eigenvalues[:5], rtol=1e-12)
    monkeypatch.setattr(nm.solvers, "DENSE_MAX_DOF", 100)
    got = nm.normal_modes(H, m, R, n_modes=5)
    assert calls == ["dense", "lanczos"]
    np.testing.assert_allclose(got.eigenvalues, ref.eigenvalues[:5], rtol=1e-8)
    nm.normal_modes(H, m, R)  # all modes asked for: always dense
    assert calls == ["dense", "lanczos", "dense"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"solver": "arnoldi", "n_modes": 5}, "solver"),
        ({"solver": "lanczos"}, "n_modes"),
        ({"n_modes": 0}, "between 1 and 636"),
        ({"n_modes": 637}, "between 1 and 636"),
    ],
)
def test_bad_solver_arguments(adk, kwargs, match):
    R, H, m, _ = adk
    with pytest.raises(ValueError, match=match):
        nm.normal_modes(H, m, R, **kwargs)


def test_n_modes_of_the_wrong_type_is_a_type_error(adk):
    R, H, m, _ = adk
    with pytest.raises(TypeError, match=r"normal_modes: `n_modes` must be a positive integer"):
        nm.normal_modes(H, m, R, n_modes=2.5)
