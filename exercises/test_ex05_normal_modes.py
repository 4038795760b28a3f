"""Visible tests of exercise set 05: normal modes (all 3N), rigid-body modes, projection."""

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from jaxnm_exercises import catalog, checks
from jaxnm_exercises import strategies as S

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex05_normal_modes")

N = S.N_ATOMS
ZERO = 1.0  # cm⁻¹: |ν̃| below this is a numerical zero
# a fixed saddle point (every example set sees one): a compressed square-pyramid network
SADDLE_R = np.array([[0, 0, 0], [2, 0, 0], [0, 2, 0], [2, 2, 0], [1, 1, 1.5]], dtype=float)
SADDLE_F = np.linspace(0.7, 1.3, 10)


# rest lengths r0 = f × the current distances: f = 1 is a minimum; other f give tension
# or compression, hence a stationary point of nothing (negative eigenvalues: imaginary modes)
rest_factors = st.one_of(
    st.just(np.ones(N * (N - 1) // 2)),
    st.lists(st.floats(0.6, 1.4), min_size=N * (N - 1) // 2, max_size=N * (N - 1) // 2).map(
        np.array
    ),
)


def network_hessian(R, k, f=None):
    pairs = S.all_pairs(len(R))
    r0 = np.linalg.norm(R[pairs[:, 1]] - R[pairs[:, 0]], axis=-1) * (1.0 if f is None else f)
    return np.asarray(nm.hessian(S.spring_network(R, k, r0), R))


def modes(H, m, n):
    out = ex.normal_modes(H, m)
    what = "normal_modes(H, masses)"
    lam = checks.as_array(checks.field(out, "eigenvalues", what), f"{what}.eigenvalues", (3 * n,))
    nu = checks.as_array(checks.field(out, "frequencies", what), f"{what}.frequencies", (3 * n,))
    x = checks.as_array(checks.field(out, "vectors", what), f"{what}.vectors", (3 * n, 3 * n))
    return lam, nu, x


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), m=S.masses())
def test_mass_weighted_hessian(R, k, m):
    H = network_hessian(R, k)
    got = checks.as_array(ex.mass_weighted_hessian(H, m), "mass_weighted_hessian", (3 * N, 3 * N))
    m3 = np.repeat(m, 3)
    checks.close(got, H / np.sqrt(np.outer(m3, m3)), "H_pq / sqrt(m_p m_q)", rtol=1e-12)


@pytest.mark.points(2)
@given(
    lam=st.lists(st.floats(-1e4, 1e4, allow_subnormal=False), min_size=8, max_size=8).map(np.array)
)
def test_wavenumbers_keep_the_sign_of_imaginary_modes(lam):
    nu = checks.as_array(ex.eigenvalues_to_wavenumbers(lam), "eigenvalues_to_wavenumbers", (8,))
    c = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE
    checks.close(nu, c * np.sign(lam) * np.sqrt(np.abs(lam)), "wavenumbers (cm⁻¹)", rtol=1e-12)


@pytest.mark.points(1)
def test_diatomic_wavenumber_of_hcl():
    mol = catalog.molecule("diatomic", symbols=("1H", "35Cl"))
    m1, m2 = (float(x) for x in mol.masses)
    nu = checks.as_float(
        ex.diatomic_wavenumber(mol.parameters["k"], m1, m2), "diatomic_wavenumber"
    )
    checks.close(nu, 2990.95, "H35Cl harmonic wavenumber (Huber & Herzberg)", rtol=1e-6)


@pytest.mark.points(3)
@given(R=S.positions(), k=S.spring_constants(), m=S.masses(), f=rest_factors)
@example(R=SADDLE_R, k=np.full(10, 5.0), m=np.arange(1.0, 6.0), f=SADDLE_F).via("a saddle")
def test_normal_modes_match_the_reference(R, k, m, f):
    H = network_hessian(R, k, f)
    lam, nu, _ = modes(H, m, N)
    ref = nm.normal_modes(H, m, project=False)
    scale = float(np.abs(ref.eigenvalues).max())
    checks.close(lam, ref.eigenvalues, "eigenvalues (ascending)", atol=1e-10 * scale)
    vib = np.abs(np.asarray(ref.frequencies)) > ZERO
    checks.close(nu[vib], np.asarray(ref.frequencies)[vib], "vibrational wavenumbers", rtol=1e-9)


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), m=S.masses(), f=rest_factors)
def test_vectors_solve_H_x_equals_lambda_M_x(R, k, m, f):
    H = network_hessian(R, k, f)
    lam, _, x = modes(H, m, N)
    checks.close(
        np.linalg.norm(x, axis=0), np.ones(3 * N), "norm of each Cartesian vector", rtol=1e-10
    )
    M = np.repeat(m, 3)[:, None]
    scale = np.abs(H).max()
    checks.close(H @ x, M * x * lam[None, :], "H x_k vs λ_k M x_k", atol=1e-9 * scale)


@pytest.mark.points(2)
@given(
    R=S.positions(), k=S.spring_constants(), m=S.masses(), c=st.floats(0.1, 10.0), f=rest_factors
)
def test_frequencies_scale_as_one_over_sqrt_mass(R, k, m, c, f):
    H = network_hessian(R, k, f)
    _, nu, _ = modes(H, m, N)
    _, nu_heavy, _ = modes(H, c * m, N)
    vib = np.abs(nu) > ZERO * max(1.0, np.sqrt(c))
    checks.close(nu_heavy[vib], nu[vib] / np.sqrt(c), "ν̃(c m) vs ν̃(m) / sqrt(c)", rtol=1e-9)
    # the scaling alone is met by ν̃ = 0: the values must be the reference's
    ref = np.asarray(nm.normal_modes(H, m, project=False).frequencies)
    checks.close(nu[vib], ref[vib], "vibrational wavenumbers vs the reference", rtol=1e-9)


@pytest.mark.points(2)
def test_water_has_exactly_six_zero_modes():
    mol = catalog.molecule("water")
    H = catalog.reference_hessian("water")
    _, nu, _ = modes(H, np.asarray(mol.masses), 3)
    n_zero = int(np.sum(np.abs(nu) < ZERO))
    assert n_zero == 6, f"water: {n_zero} modes with |ν̃| < 1 cm⁻¹, expected 6 (3 + 3 rotations)"
    m3 = np.repeat(np.asarray(mol.masses), 3)
    lam = np.linalg.eigvalsh(H / np.sqrt(np.outer(m3, m3)))[-3:]  # NumPy's LAPACK
    ref = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE * np.sqrt(lam)
    checks.close(np.sort(nu)[6:], ref, "water's three vibrations", rtol=1e-8)


@pytest.mark.points(2)
def test_co2_has_exactly_five_zero_modes():
    mol = catalog.molecule("carbon_dioxide")
    H = catalog.reference_hessian("carbon_dioxide")
    _, nu, _ = modes(H, np.asarray(mol.masses), 3)
    n_zero = int(np.sum(np.abs(nu) < ZERO))
    assert n_zero == 5, f"CO2 (linear): {n_zero} modes with |ν̃| < 1 cm⁻¹, expected 5"
    # analytic: symmetric stretch sqrt(k / m_O), antisymmetric sqrt(k / m_O (1 + 2 m_O / m_C))
    k = mol.parameters["k_stretch"]
    mO, mC = float(mol.masses[0]), float(mol.masses[1])
    c = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE
    stretches = [c * np.sqrt(k / mO), c * np.sqrt(k / mO * (1 + 2 * mO / mC))]
    checks.close(np.sort(nu)[-2:], stretches, "CO2 stretches vs the analytic formulas", rtol=1e-8)


# ---- rigid-body modes: basis, projection, vibrational wavenumbers
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
