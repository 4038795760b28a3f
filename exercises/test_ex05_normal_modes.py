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


def wavenumber_tolerance(nu, scale, rtol):
    """A conditioning-aware bound on |ν̃ - ν̃_ref| for wavenumbers from a symmetric eigensolver.

    Eigenvalues are backward stable: |δλ| ≲ c n ε ‖H_mw‖ ≈ 2e-15 ‖H_mw‖ (n = 15); 1e-13 ‖H_mw‖
    covers two implementations (mass weighting, projection and solver may differ) with
    margin ~25. ν̃ = c sign(λ) sqrt|λ| turns that into c² δλ / (2 |ν̃|), and never more than
    2 c sqrt(δλ) (sqrt is 1/2-Hölder; the factor 2 covers a sign flip at λ ≈ 0). A fixed rtol
    alone fails a right answer for a mode of a few cm⁻¹ in a stiff network (δν̃ / ν̃ = δλ / 2λ).

    Args:
        nu: the reference wavenumbers, cm⁻¹.
        scale: ‖H_mw‖ (the largest |eigenvalue|), kcal/mol/Å²/amu.
        rtol: the relative part (for slips that scale with ν̃).

    Returns:
        Elementwise tolerances, cm⁻¹.
    """
    c = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE
    d_lam = 1e-13 * scale
    nu = np.abs(np.asarray(nu))
    hoelder = 2.0 * c * np.sqrt(d_lam)
    lipschitz = np.divide(c * c * d_lam, 2.0 * nu, out=np.full_like(nu, np.inf), where=nu > 0)
    return rtol * nu + np.minimum(lipschitz, hoelder)


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
    # elementwise: sqrt(m_p m_q) vs sqrt(m_p) sqrt(m_q) and one division, ≲ 4 ε relative per
    # entry (zeros stay exactly 0): rtol 1e-12 (margin 2000); 1/m for 1/sqrt(m) is O(1) off
    checks.close(got, H / np.sqrt(np.outer(m3, m3)), "H_pq / sqrt(m_p m_q)", rtol=1e-12)


@pytest.mark.points(2)
@given(
    lam=st.lists(st.floats(-1e4, 1e4, allow_subnormal=False), min_size=8, max_size=8).map(np.array)
)
def test_wavenumbers_keep_the_sign_of_imaginary_modes(lam):
    nu = checks.as_array(ex.eigenvalues_to_wavenumbers(lam), "eigenvalues_to_wavenumbers", (8,))
    c = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE
    # abs, sqrt, a product: ≲ 2 ε relative per entry (0 → 0 exactly): rtol 1e-12 (margin 4e3)
    checks.close(nu, c * np.sign(lam) * np.sqrt(np.abs(lam)), "wavenumbers (cm⁻¹)", rtol=1e-12)


@pytest.mark.points(1)
def test_diatomic_wavenumber_of_hcl():
    mol = catalog.molecule("diatomic", symbols=("1H", "35Cl"))
    m1, m2 = (float(x) for x in mol.masses)
    nu = checks.as_float(
        ex.diatomic_wavenumber(mol.parameters["k"], m1, m2), "diatomic_wavenumber"
    )
    # the catalog derives k from ωe = 2990.95 cm⁻¹ with these masses and the same constant,
    # so a right answer is 2990.95 up to ~10 roundings (μ, k/μ, sqrt, ×c here and there):
    # ≲ 2e-15 relative (measured: 0). rtol 1e-12 (margin 500); it was 1e-6, which let a
    # float32 detour through (μ or k/μ in float32, cast back: ~1e-7 relative)
    checks.close(nu, 2990.95, "H35Cl harmonic wavenumber (Huber & Herzberg)", rtol=1e-12)


@pytest.mark.points(3)
@given(R=S.positions(), k=S.spring_constants(), m=S.masses(), f=rest_factors)
@example(R=SADDLE_R, k=np.full(10, 5.0), m=np.arange(1.0, 6.0), f=SADDLE_F).via("a saddle")
def test_normal_modes_match_the_reference(R, k, m, f):
    H = network_hessian(R, k, f)
    lam, nu, _ = modes(H, m, N)
    ref = nm.normal_modes(H, m, project=False)
    scale = float(np.abs(ref.eigenvalues).max())
    # eigensolver backward error ≲ c n ε ‖H_mw‖ ≈ 2e-15 scale per eigenvalue: atol 1e-10 scale
    # (margin 5e4; negative eigenvalues clipped or sorted by |λ| are O(scale) off)
    checks.close(lam, ref.eigenvalues, "eigenvalues (ascending)", atol=1e-10 * scale)
    vib = np.abs(np.asarray(ref.frequencies)) > ZERO
    # rtol 1e-9 (was alone: δν̃/ν̃ = δλ/2λ ≈ 1e-8 for a 1 cm⁻¹ mode when scale ≈ 200) plus
    # the conditioning of the square root (see wavenumber_tolerance)
    expected = np.asarray(ref.frequencies)[vib]
    tol = wavenumber_tolerance(expected, scale, 1e-9)
    checks.close(nu[vib], expected, "vibrational wavenumbers", rtol=0.0, atol=tol)


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), m=S.masses(), f=rest_factors)
def test_vectors_solve_H_x_equals_lambda_M_x(R, k, m, f):
    H = network_hessian(R, k, f)
    lam, _, x = modes(H, m, N)
    # a norm of 15 entries and a division: ≲ 10 ε relative; rtol 1e-10 (margin 1e5); the
    # mass-weighted vectors (not back-transformed) have norm sqrt(m) ≠ 1
    checks.close(
        np.linalg.norm(x, axis=0), np.ones(3 * N), "norm of each Cartesian vector", rtol=1e-10
    )
    M = np.repeat(m, 3)[:, None]
    scale = np.abs(H).max()
    # residual of eigh ‖H_mw q - λ q‖ ≲ c n ε ‖H_mw‖ ≤ 2e-15 · 15 scale / m_min; back to
    # x = M^-½ q / ‖M^-½ q‖ multiplies it by ≤ sqrt(m_max / m_min) · sqrt(m_max) ≤ 50 (1-50
    # amu): ≲ 2e-12 scale; atol 1e-9 scale (margin 500); unweighted eigenvectors are O(1) off
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
    # ν̃(c m) and ν̃(m)/sqrt(c) each carry the eigensolver error of wavenumber_tolerance
    # (‖H_mw‖ and ‖H_mw‖ / c): their sum is wavenumber_tolerance(ν̃/sqrt(c), 2 scale / c)
    scale = float(np.abs(np.linalg.eigvalsh(H / np.sqrt(np.outer(*[np.repeat(m, 3)] * 2)))).max())
    tol = wavenumber_tolerance(nu[vib] / np.sqrt(c), 2.0 * scale / c, 1e-9)
    checks.close(
        nu_heavy[vib], nu[vib] / np.sqrt(c), "ν̃(c m) vs ν̃(m) / sqrt(c)", rtol=0.0, atol=tol
    )
    # the scaling alone is met by ν̃ = 0: the values must be the reference's
    ref = np.asarray(nm.normal_modes(H, m, project=False).frequencies)
    tol = wavenumber_tolerance(ref[vib], scale, 1e-9)  # as in test_normal_modes_match_...
    checks.close(nu[vib], ref[vib], "vibrational wavenumbers vs the reference", rtol=0.0, atol=tol)


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
    # two symmetric eigensolvers at an exact minimum: ≲ 1e-15 relative for these ≥ 1371 cm⁻¹
    # modes (measured 3e-16); rtol 1e-8 kept (margin 1e7: masses not square-rooted or a
    # float32 eigh are ≳ 1e-7 off and the latter is caught at 1e-10 above)
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
    # the stretches of a linear CO2 at rest are exactly these: ≲ 1e-15 relative (measured
    # 4e-16); rtol 1e-8 kept as for water (the slips are ≳ 1e-7 off)
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
    # Σ m r / Σ m: ≲ (N + 2) ε relative of Σ m |r| / Σ m ≤ 5 Å, so ≲ 4e-15 Å: atol 1e-12
    # (margin 250) where the centre is near 0, rtol 1e-12 elsewhere
    checks.close(c, (m[:, None] * R).sum(0) / m.sum(), "centre of mass", rtol=1e-12, atol=1e-12)
    c_moved = checks.as_array(ex.center_of_mass(R + t, m), "center_of_mass(R + t)", (3,))
    # R + t rounds to ε·15 Å, the centre of that adds ≲ 7 ε·15: ≲ 2e-14 Å; atol 1e-10
    checks.close(c_moved, c + t, "centre of mass of the translated structure", atol=1e-10)


@pytest.mark.points(2)
@given(R=S.positions(), m=S.masses(), Q=S.rotations(), t=S.translations())
def test_inertia_tensor_and_its_rotation(R, m, Q, t):
    inertia = checks.as_array(ex.inertia_tensor(R, m), "inertia_tensor(R, masses)", (3, 3))
    x = R - (m[:, None] * R).sum(0) / m.sum()
    expected = np.einsum("i,ab->ab", m * (x * x).sum(1), np.eye(3)) - np.einsum(
        "i,ia,ib->ab", m, x, x
    )
    # entries Σ m x x with Σ m |x|² ≤ 5·50·25 ≈ 6e3 amu Å²; off-diagonal sums can cancel, so
    # the rounding left is ≲ 10 ε · 6e3 ≈ 7e-12: atol 1e-10 (margin 15), rtol 1e-10 elsewhere
    checks.close(inertia, expected, "inertia tensor", rtol=1e-10, atol=1e-10)
    I_moved = checks.as_array(
        ex.inertia_tensor(R @ Q.T + t, m), "inertia_tensor(R Qᵀ + t)", (3, 3)
    )
    # coordinates rounded to ε·25 Å by the move (t drops out with the centre): I moves by
    # ≲ 2 · 25 ε / 1 Å relative ≈ 6e-15, Q I Qᵀ adds ~10 ε: atol 1e-9 max|I| (margin 1e5)
    checks.close(
        I_moved, Q @ inertia @ Q.T, "I rotates as Q I Qᵀ", atol=1e-9 * np.abs(inertia).max()
    )


@pytest.mark.points(3)
@given(R=S.positions(), m=S.masses())
def test_exactly_six_orthonormal_rigid_body_modes(R, m):
    D = basis(R, m, 6)
    # QR / SVD / eigh orthonormalise to ≲ n ε ≈ 2e-15; classical Gram-Schmidt to ≲ κ² ε with
    # κ ≲ 100 here (non-coplanar: s₃ ≥ 0.1 s₁, masses 1-50): ≲ 1e-12; atol 1e-10 (margin 100)
    checks.close(D.T @ D, np.eye(6), "DᵀD (orthonormal columns)", atol=1e-10)
    ref = np.asarray(nm.rigid_body_modes(R, m))
    # D Dᵀ does not depend on the basis chosen: two right ones differ by ≲ κ² ε ≈ 1e-12;
    # atol 1e-9 (margin 1e3); unweighted translations are O(1) off
    checks.close(D @ D.T, ref @ ref.T, "projector D Dᵀ vs the reference's", atol=1e-9)


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), m=S.masses())
def test_rigid_body_modes_have_zero_curvature_at_a_minimum(R, k, m):
    D = basis(R, m, 6)
    m3 = np.repeat(m, 3)
    H_mw = network_hessian(R, k) / np.sqrt(np.outer(m3, m3))
    # 0 in exact arithmetic at a minimum; rounding ≲ 15 ε ‖H_mw‖ ≤ 15 · 15 ε max|H_mw| ≈
    # 2.5e-14 max|H_mw| (plus the ~ε k tension of r0 recomputed): atol 1e-9 max|H_mw|
    checks.close(
        H_mw @ D, np.zeros_like(D), "H_mw D (no restoring force)", atol=1e-9 * np.abs(H_mw).max()
    )
    # D = 0 has zero curvature too: D must span the reference's rigid-body space (as above)
    ref = np.asarray(nm.rigid_body_modes(R, m))
    checks.close(D @ D.T, ref @ ref.T, "projector D Dᵀ vs the reference's", atol=1e-9)


@pytest.mark.points(2)
def test_linear_molecules_have_five():
    for name, params in [("carbon_dioxide", {}), ("harmonic_chain", {"n": 4, "k_bend": 1.0})]:
        mol = catalog.molecule(name, **params)
        R, m = np.asarray(mol.R), np.asarray(mol.masses)
        D = basis(R, m, 5)
        # as for six modes: ≲ 1e-12 (exactly linear: the axial rotation is exactly 0)
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
    # P H P computed as products: ≲ 2 · 15 ε ‖H_mw‖ ≤ 30 ε · 15 max|H_mw| with
    # max|H_mw| ≲ 200 (k ≤ 50, m ≥ 1): ≲ 1e-11 worst case, atol 1e-10 (margin 10); a one-sided
    # projection P H leaves (P H P)ᵀ ≠ P H P and H D ≠ 0 by O(1)
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
    # a projected spectrum from two eigensolvers: wavenumber_tolerance (at most
    # 2c sqrt(1e-13 ‖H_mw‖) ≈ 1e-3 cm⁻¹ for a mode at ≈ 0) on top of the old rtol 1e-8 and
    # atol 1e-6 (which alone fails a right answer for a mode below ~0.01 cm⁻¹ under tension)
    m3 = np.repeat(m, 3)
    scale = float(np.abs(np.linalg.eigvalsh(H / np.sqrt(np.outer(m3, m3)))).max())
    tol = 1e-6 + wavenumber_tolerance(ref, scale, 1e-8)
    checks.close(nu, ref, "3N - 6 wavenumbers", rtol=0.0, atol=tol)


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
        # ≲ 1e-15 relative (measured 9e-16, projected vs not: these are exact minima); rtol
        # 1e-7 kept (the slips, e.g. no projection of a linear molecule, are O(1) off)
        checks.close(nu, ref, f"{name} vibrations", rtol=1e-7)
