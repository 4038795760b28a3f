"""Hypothesis properties over random rigid motions and random spring networks."""

from __future__ import annotations

import numpy as np
from hypothesis import given

import jaxnm_course as nm
from tests import strategies as S


@given(S.positions(), S.spring_constants(), S.positions(), S.rotations(), S.translations())
def test_energy_invariant_under_rigid_motion(R0, k, R, Q, t):
    energy, _ = S.spring_network(R0, k)
    moved = R @ Q.T + t
    e1, e2 = float(energy(R)), float(energy(moved))
    assert abs(e1 - e2) <= 1e-10 * max(abs(e1), 1.0)


@given(S.positions(), S.spring_constants(), S.positions(), S.rotations(), S.translations())
def test_hessian_is_symmetric_and_rotates_as_QHQT(R0, k, R, Q, t):
    energy, _ = S.spring_network(R0, k)
    import jax

    raw = np.asarray(jax.hessian(energy)(R)).reshape(3 * len(R), 3 * len(R))
    np.testing.assert_allclose(raw, raw.T, atol=1e-13 * np.abs(raw).max())  # the math
    H = np.asarray(nm.hessian(energy, R))
    np.testing.assert_array_equal(H, H.T)  # and hessian() removes the rounding asymmetry
    H_moved = np.asarray(nm.hessian(energy, R @ Q.T + t))
    B = S.block_rotate(Q, len(R))
    np.testing.assert_allclose(H_moved, B @ H @ B.T, atol=1e-10 * np.abs(H).max())


@given(S.positions(), S.spring_constants(), S.masses())
def test_hessian_permutes_with_the_atoms(R, k, m):
    rng = np.random.default_rng(int(k.sum() * 1e6) % 2**32)
    perm = rng.permutation(len(R))
    energy, _ = S.spring_network(R, k)
    H = np.asarray(nm.hessian(energy, R))
    # the same network with atoms relabelled: energy of X is energy of X[inverse]
    inverse = np.argsort(perm)
    H_perm = np.asarray(nm.hessian(lambda X: energy(X[inverse]), R[perm]))
    idx = (3 * perm[:, None] + np.arange(3)).reshape(-1)
    np.testing.assert_allclose(H_perm, H[np.ix_(idx, idx)], atol=1e-12 * np.abs(H).max())
    # and so do the frequencies: identical spectra
    f = np.asarray(nm.normal_modes(H, m, R).frequencies)
    f_perm = np.asarray(nm.normal_modes(H_perm, m[perm], R[perm]).frequencies)
    np.testing.assert_allclose(f_perm, f, rtol=1e-9)


@given(S.positions(), S.spring_constants(), S.masses(), S.rotations(), S.translations())
def test_frequencies_invariant_under_rigid_motion(R, k, m, Q, t):
    energy, _ = S.spring_network(R, k)
    f = np.asarray(nm.normal_modes(nm.hessian(energy, R), m, R).frequencies)
    moved = R @ Q.T + t
    f_moved = np.asarray(nm.normal_modes(nm.hessian(energy, moved), m, moved).frequencies)
    np.testing.assert_allclose(f_moved, f, rtol=1e-9)


@given(S.positions(), S.spring_constants(), S.masses())
def test_exactly_six_zero_modes_at_a_minimum(R, k, m):
    energy, _ = S.spring_network(R, k)
    H = nm.hessian(energy, R)
    ev = np.asarray(nm.normal_modes(H, m, project=False).eigenvalues)
    assert np.sum(np.abs(ev) < 1e-9 * np.abs(ev).max()) == 6
    assert nm.normal_modes(H, m, R).n_rigid == 6
