"""Visible tests of exercise set 05: rigid-body modes, projection, linear molecules."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import catalog, checks
from jaxnm_exercises import strategies as S

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex05_rigid_body")

N = S.N_ATOMS


def basis(R, m, n_expected):
    D = ex.rigid_body_basis(R, m)
    what = "rigid_body_basis(R, masses)"
    D = checks.as_array(D, what, hint=f"expected {n_expected} columns")
    if D.shape != (3 * len(R), n_expected):
        kind = "linear" if n_expected == 5 else "non-linear"
        raise AssertionError(
            f"{what} returned shape {D.shape}; a {kind} structure of {len(R)} atoms has "
            f"{n_expected} rigid-body modes: expected {(3 * len(R), n_expected)}"
        )
    return D


def network_hessian(R, k):
    return np.asarray(nm.hessian(S.spring_network(R, k), R))


@pytest.mark.points(1)
@given(R=S.positions(), m=S.masses(), t=S.translations())
def test_center_of_mass(R, m, t):
    c = checks.as_array(ex.center_of_mass(R, m), "center_of_mass(R, masses)", (3,))
    checks.close(c, (m[:, None] * R).sum(0) / m.sum(), "centre of mass", rtol=1e-12, atol=1e-12)
    c_moved = checks.as_array(ex.center_of_mass(R + t, m), "center_of_mass(R + t)", (3,))
    checks.close(c_moved, c + t, "centre of mass of the translated structure", atol=1e-10)


@pytest.mark.points(2)
@given(R=S.positions(), m=S.masses(), Q=S.rotations(), t=S.translations())
def test_inertia_tensor_and_its_rotation(R, m, Q, t):
    inertia = checks.as_array(ex.inertia_tensor(R, m), "inertia_tensor(R, masses)", (3, 3))
    x = R - (m[:, None] * R).sum(0) / m.sum()
    expected = np.einsum("i,ab->ab", m * (x * x).sum(1), np.eye(3)) - np.einsum(
        "i,ia,ib->ab", m, x, x
    )
    checks.close(inertia, expected, "inertia tensor", rtol=1e-10, atol=1e-10)
    I_moved = checks.as_array(
        ex.inertia_tensor(R @ Q.T + t, m), "inertia_tensor(R Qᵀ + t)", (3, 3)
    )
    checks.close(
        I_moved, Q @ inertia @ Q.T, "I rotates as Q I Qᵀ", atol=1e-9 * np.abs(inertia).max()
    )


@pytest.mark.points(3)
@given(R=S.positions(), m=S.masses())
def test_exactly_six_orthonormal_rigid_body_modes(R, m):
    D = basis(R, m, 6)
    checks.close(D.T @ D, np.eye(6), "DᵀD (orthonormal columns)", atol=1e-10)
    ref = np.asarray(nm.rigid_body_modes(R, m))
    checks.close(D @ D.T, ref @ ref.T, "projector D Dᵀ vs the reference's", atol=1e-9)


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), m=S.masses())
def test_rigid_body_modes_have_zero_curvature_at_a_minimum(R, k, m):
    D = basis(R, m, 6)
    m3 = np.repeat(m, 3)
    H_mw = network_hessian(R, k) / np.sqrt(np.outer(m3, m3))
    checks.close(
        H_mw @ D, np.zeros_like(D), "H_mw D (no restoring force)", atol=1e-9 * np.abs(H_mw).max()
    )
    # D = 0 has zero curvature too: D must span the reference's rigid-body space
    ref = np.asarray(nm.rigid_body_modes(R, m))
    checks.close(D @ D.T, ref @ ref.T, "projector D Dᵀ vs the reference's", atol=1e-9)


@pytest.mark.points(2)
def test_linear_molecules_have_five():
    for name, params in [("carbon_dioxide", {}), ("harmonic_chain", {"n": 4, "k_bend": 1.0})]:
        mol = catalog.molecule(name, **params)
        R, m = np.asarray(mol.R), np.asarray(mol.masses)
        D = basis(R, m, 5)
        checks.close(D.T @ D, np.eye(5), f"DᵀD of {mol.name}", atol=1e-10)
        ref = np.asarray(nm.rigid_body_modes(R, m))
        checks.close(D @ D.T, ref @ ref.T, f"rigid-body projector of {mol.name}", atol=1e-9)


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), m=S.masses())
def test_projection_removes_the_rigid_body_modes(R, k, m):
    ref = np.asarray(nm.rigid_body_modes(R, m))
    m3 = np.repeat(m, 3)
    H_mw = network_hessian(R, k) / np.sqrt(np.outer(m3, m3))
    H_mw[0, 0] += 1.0  # break translation invariance: projection must still remove D
    H_mw[3, 3] += 0.5
    out = ex.project_out(H_mw, ref)
    Pr = checks.as_array(out, "project_out(H_mw, D)", (3 * N, 3 * N))
    checks.close(Pr, Pr.T, "P H P is symmetric", atol=1e-10)
    checks.close(Pr @ ref, np.zeros_like(ref), "(P H P) D", atol=1e-10)
    P = np.eye(3 * N) - ref @ ref.T
    checks.close(Pr, P @ H_mw @ P, "P H P", atol=1e-10 * np.abs(H_mw).max())


# rest lengths r0 = f × the current distances, f ≠ 1: springs under tension or compression,
# whose vibrational spectrum has negative eigenvalues (imaginary modes, kept with their sign)
tension = st.lists(st.floats(0.6, 1.4), min_size=10, max_size=10).map(np.array)


@pytest.mark.points(3)
@given(R=S.positions(), k=S.spring_constants(), m=S.masses(), f=st.none() | tension)
def test_vibrational_wavenumbers_match_the_reference(R, k, m, f):
    if f is None:
        H = network_hessian(R, k)
    else:
        pairs = S.all_pairs(N)
        r0 = f * np.linalg.norm(R[pairs[:, 1]] - R[pairs[:, 0]], axis=-1)
        H = np.asarray(nm.hessian(S.spring_network(R, k, r0), R))
    nu = checks.as_array(
        ex.vibrational_wavenumbers(H, m, R), "vibrational_wavenumbers", (3 * N - 6,)
    )
    ref = np.asarray(nm.normal_modes(H, m, R).frequencies)
    checks.close(nu, ref, "3N - 6 wavenumbers", rtol=1e-8, atol=1e-6)


@pytest.mark.points(2)
def test_co2_and_water_vibrations():
    for name, count in [("carbon_dioxide", 4), ("water", 3)]:
        mol = catalog.molecule(name)
        H = catalog.reference_hessian(name)
        R, m = np.asarray(mol.R), np.asarray(mol.masses)
        nu = checks.as_array(
            ex.vibrational_wavenumbers(H, m, R), f"vibrational_wavenumbers({name})", (count,)
        )
        m3 = np.repeat(m, 3)
        lam = np.linalg.eigvalsh(H / np.sqrt(np.outer(m3, m3)))[-count:]
        ref = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE * np.sqrt(lam)
        checks.close(nu, ref, f"{name} vibrations", rtol=1e-7)
