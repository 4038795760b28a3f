"""Analysis of modes: hand-checked and analytic cases, independent linear algebra, SciPy.

Every expected number here comes from a path that does not share code with
``jaxnm_course.analysis``: closed forms written in the test, ``np.linalg.pinv`` of the
Hessian, ``np.polyfit``/``np.corrcoef``, SciPy's ``Rotation.align_vectors``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings

import jaxnm_course as nm
from jaxnm_course import analysis as an
from tests import strategies as S
from tests.references import analytic_spring_hessian


def path_kirchhoff(n: int) -> np.ndarray:
    """Kirchhoff (graph Laplacian) matrix of a linear chain of n nodes, written by hand."""
    K = 2.0 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    K[0, 0] = K[-1, -1] = 1.0
    return K


def path_mode(n: int, k: int) -> tuple[float, np.ndarray]:
    """Analytic eigenpair k >= 1 of the path Laplacian: 2(1 - cos(πk/n)), cos(πk(i+½)/n)."""
    u = np.cos(np.pi * k * (np.arange(n) + 0.5) / n)
    return 2.0 * (1.0 - np.cos(np.pi * k / n)), u / np.linalg.norm(u)


def network(R, k, m):
    """Hessian and (mass-weighted) modes of an all-pairs spring network at its minimum."""
    _, r0 = S.spring_network(R, k)
    H = analytic_spring_hessian(R, k, r0)  # NumPy: no compilation per example
    return H, nm.normal_modes(H, m, R)


def pinv(H: np.ndarray) -> np.ndarray:
    """Pseudo-inverse dropping the (near-)zero eigenvalues, by NumPy's SVD."""
    return np.linalg.pinv(H, rcond=1e-9, hermitian=True)


def block_trace(C: np.ndarray) -> np.ndarray:
    n = C.shape[0] // 3
    return np.einsum("iaja->ij", C.reshape(n, 3, n, 3))


def orthonormal(d: int, m: int, seed: int = 0) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(d, m)))
    return q


# --- fluctuations ---------------------------------------------------------------------------


def test_square_fluctuations_of_a_three_node_chain_by_hand():
    # Path graph 0-1-2: internal modes (1, 0, -1)/√2 with λ = 1 and (1, -2, 1)/√6 with λ = 3.
    # <ΔR_i²> = 3 kT/γ Σ u_i²/λ = 3 kT/γ (1/2 + 1/18, 0 + 4/18, 1/2 + 1/18).
    lam = np.array([1.0, 3.0])
    U = np.array([[1, 0, -1], [1, -2, 1]], dtype=float).T / np.sqrt([2.0, 6.0])
    kT, gamma = 0.6, 2.0
    expected = 3 * kT / gamma * np.array([10 / 18, 4 / 18, 10 / 18])
    got = an.square_fluctuations((lam, U), kT=kT, gamma=gamma, dim=1)
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    # only the slowest mode: 3 kT/γ (1/2, 0, 1/2)
    got1 = an.square_fluctuations((lam, U), kT=kT, gamma=gamma, dim=1, n_modes=1)
    np.testing.assert_allclose(got1, 3 * kT / gamma * np.array([0.5, 0.0, 0.5]), atol=1e-16)
    # B-factors: 8π²/3 <ΔR²>
    np.testing.assert_allclose(an.bfactors(got), 8 * np.pi**2 / 3 * expected, rtol=1e-14)


def test_square_fluctuations_of_one_atom_in_two_cartesian_modes_by_hand():
    # One atom, modes along x (λ = 2) and (y + z)/√2 (λ = 4): <ΔR²> = kT (1/2 + 1/4).
    U = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0] / np.sqrt(2.0)]).T
    got = an.square_fluctuations((np.array([2.0, 4.0]), U), kT=2.0, dim=3)
    np.testing.assert_allclose(got, [2.0 * 0.75], rtol=1e-15)


@settings(max_examples=10)
@given(S.positions(), S.spring_constants(), S.masses())
def test_fluctuations_and_covariance_are_the_pseudo_inverse_of_the_hessian(R, k, m):
    # <Δx Δxᵀ> = kT M^-½ (M^-½ H M^-½)⁺ M^-½ (Eckart frame); kT H⁺ for unit masses.
    H, modes = network(R, k, m)
    kT = 0.596
    w = 1 / np.sqrt(np.repeat(m, 3))
    C = kT * w[:, None] * pinv(w[:, None] * H * w[None, :]) * w[None, :]
    np.testing.assert_allclose(an.covariance(modes, kT=kT), C, atol=1e-10 * np.abs(C).max())
    msf = an.square_fluctuations(modes, kT=kT)
    np.testing.assert_allclose(msf, np.diag(block_trace(C)), rtol=1e-9)
    np.testing.assert_allclose(an.residue_covariance(modes, kT=kT), block_trace(C), atol=1e-10)
    # a generalised inverse of H whatever the masses: H C H = kT H
    np.testing.assert_allclose(H @ C @ H, kT * H, atol=1e-9 * np.abs(H).max())
    _, unit = network(R, k, np.ones(len(R)))
    C1 = kT * pinv(H)
    np.testing.assert_allclose(an.covariance(unit, kT=kT), C1, atol=1e-10 * np.abs(C1).max())


def test_fluctuations_scale_as_kT_over_gamma_and_n_modes_takes_the_slowest():
    R = np.random.default_rng(1).normal(scale=3.0, size=(5, 3))
    H, modes = network(R, np.linspace(1, 2, 10), np.ones(5))
    lam, V = np.linalg.eigh(H)  # independent eigendecomposition of H (unit masses)
    lam, V = lam[6:], V[:, 6:]
    for n_modes in (1, 4, len(lam)):
        expected = (V[:, :n_modes] ** 2 / lam[:n_modes]).sum(1).reshape(5, 3).sum(1)
        got = an.square_fluctuations(modes, kT=1.5, gamma=3.0, n_modes=n_modes)
        np.testing.assert_allclose(got, 0.5 * expected, rtol=1e-9)


def test_cross_correlation_is_normalised_symmetric_and_matches_the_hessian():
    R = np.random.default_rng(2).normal(scale=3.0, size=(5, 3))
    m = np.linspace(10, 30, 5)
    H, modes = network(R, np.linspace(1, 3, 10), m)
    C = an.cross_correlation(modes)
    np.testing.assert_allclose(np.diag(C), 1.0, rtol=1e-12)
    np.testing.assert_allclose(C, C.T, atol=1e-14)
    assert np.all(np.abs(C) <= 1 + 1e-12)
    w = 1 / np.sqrt(np.repeat(m, 3))
    D = block_trace(w[:, None] * pinv(w[:, None] * H * w[None, :]) * w[None, :])
    np.testing.assert_allclose(C, D / np.sqrt(np.outer(np.diag(D), np.diag(D))), atol=1e-9)


# --- B-factor fit ---------------------------------------------------------------------------


def test_fit_bfactors_recovers_scale_gamma_and_intercept():
    msf = np.array([0.2, 0.5, 0.3, 0.9, 0.4])
    calc = 8 * np.pi**2 / 3 * msf
    fit = an.fit_bfactors(msf, 2.5 * calc, temperature=300.0)
    assert float(fit.scale) == pytest.approx(2.5, rel=1e-14)
    assert float(fit.r) == pytest.approx(1.0, rel=1e-14)
    # kT at 300 K = 0.5961 kcal/mol (R = 1.98720e-3 kcal/mol/K): γ = kT / s
    assert float(fit.gamma) == pytest.approx(1.987204259e-3 * 300.0 / 2.5, rel=1e-9)
    assert float(fit.rmsd) == pytest.approx(0.0, abs=1e-12)
    fit = an.fit_bfactors(msf, 2.0 * calc + 5.0, intercept=True)
    assert (float(fit.scale), float(fit.intercept)) == pytest.approx((2.0, 5.0), rel=1e-12)
    # noisy data: least squares and Pearson r against NumPy's own
    exp = np.array([10.0, 30.0, 18.0, 50.0, 30.0])
    slope, icpt = np.polyfit(calc, exp, 1)
    fit = an.fit_bfactors(msf, exp, intercept=True)
    assert (float(fit.scale), float(fit.intercept)) == pytest.approx((slope, icpt), rel=1e-10)
    assert float(fit.r) == pytest.approx(np.corrcoef(calc, exp)[0, 1], rel=1e-12)
    no_icpt = np.linalg.lstsq(calc[:, None], exp, rcond=None)[0][0]
    assert float(an.fit_bfactors(msf, exp).scale) == pytest.approx(no_icpt, rel=1e-12)


# --- overlaps, RMSIP, collectivity ------------------------------------------------------------


def test_overlap_of_an_orthonormal_set_with_one_of_its_members():
    Q = orthonormal(12, 5)
    for j in range(5):
        expected = np.zeros((5, 1))
        expected[j] = 1.0
        np.testing.assert_allclose(an.overlap(Q, 3.0 * Q[:, j]), expected, atol=1e-14)
    np.testing.assert_allclose(an.overlap(Q, Q), np.eye(5), atol=1e-14)
    # cosine of the angle between two vectors, sign kept
    assert float(an.overlap(np.array([1.0, 0, 0]), np.array([-1.0, 1, 0]))[0, 0]) == (
        pytest.approx(-1 / np.sqrt(2), rel=1e-15)
    )


def test_cumulative_overlap_reaches_one_in_the_span_and_is_hand_checked():
    Q = orthonormal(12, 6)
    c = np.array([3.0, 0.0, 4.0, 0.0, 0.0, 12.0])  # |c| = 13
    co = an.cumulative_overlap(Q, Q @ c)
    np.testing.assert_allclose(co, np.sqrt(np.cumsum(c**2)) / 13.0, rtol=1e-13)
    assert float(co[-1]) == pytest.approx(1.0, rel=1e-14)
    assert np.all(np.diff(np.asarray(co)) >= 0)


def test_rmsip_of_a_subspace_with_itself_a_rotated_copy_and_an_orthogonal_one():
    Q = orthonormal(15, 8)
    A, B = Q[:, :4], Q[:, 4:]
    assert float(an.rmsip(A, A)) == pytest.approx(1.0, rel=1e-14)
    rot = orthonormal(4, 4, seed=3)  # another basis of the same subspace
    assert float(an.rmsip(A, A @ rot)) == pytest.approx(1.0, rel=1e-14)
    assert float(an.rmsip(A, B)) == pytest.approx(0.0, abs=1e-14)
    # half of A: RMSIP² = (1/4) Σ = 2/4
    assert float(an.rmsip(A, A[:, :2])) == pytest.approx(np.sqrt(0.5), rel=1e-14)


def test_collectivity_limits():
    n = 10
    uniform = np.tile([1.0, 2.0, -2.0], n)  # every atom moves by the same amount
    assert float(an.collectivity(uniform, dim=3)[0]) == pytest.approx(1.0, rel=1e-14)
    one = np.zeros(3 * n)
    one[7] = 1.0  # only atom 2 moves
    assert float(an.collectivity(one, dim=3)[0]) == pytest.approx(1 / n, rel=1e-14)
    # two atoms equally: exp(ln 2)/N
    two = np.zeros(n)
    two[[1, 5]] = 1.0
    assert float(an.collectivity(two, dim=1)[0]) == pytest.approx(2 / n, rel=1e-14)
    # masses: |v_i|² ∝ m_i makes u_i² uniform, so κ = 1
    m = np.linspace(50.0, 150.0, n)
    v = np.sqrt(m)[:, None] * np.array([[0.0, 0.6, 0.8]])
    assert float(an.collectivity(v.reshape(-1), masses=m, dim=3)[0]) == pytest.approx(1.0)


def test_collectivity_of_a_modes_uses_its_masses():
    R = np.random.default_rng(4).normal(scale=3.0, size=(5, 3))
    m = np.linspace(1.0, 40.0, 5)
    _, modes = network(R, np.ones(10), m)
    V = np.asarray(modes.vectors)
    u2 = (V**2).reshape(5, 3, -1).sum(1) / m[:, None]
    u2 /= u2.sum(0)
    expected = np.exp(-(u2 * np.log(u2)).sum(0)) / 5
    np.testing.assert_allclose(an.collectivity(modes, masses=m), expected, rtol=1e-12)


# --- superposition ---------------------------------------------------------------------------


@given(S.positions(), S.rotations(), S.translations())
def test_superpose_recovers_a_known_rotation_and_translation(R, Q, t):
    target = R @ Q.T + t
    fit = an.superpose(R, target)
    np.testing.assert_allclose(fit.rotation, Q, atol=1e-10)
    np.testing.assert_allclose(fit.translation, t, atol=1e-9)
    np.testing.assert_allclose(fit.R, target, atol=1e-9)
    assert float(fit.rmsd) < 1e-9
    assert float(np.linalg.det(fit.rotation)) == pytest.approx(1.0, abs=1e-12)


@given(S.positions(), S.rotations(), S.masses())
def test_superpose_never_reflects_and_matches_scipy(R, Q, w):
    from scipy.spatial.transform import Rotation

    mirror = (R * np.array([1.0, 1.0, -1.0])) @ Q.T  # a mirror image: no rotation fits
    fit = an.superpose(R, mirror, w)
    assert float(np.linalg.det(fit.rotation)) == pytest.approx(1.0, abs=1e-12)
    # SciPy's independent Kabsch (weighted, centred): rotation taking R onto the mirror
    cR = (w[:, None] * R).sum(0) / w.sum()
    cM = (w[:, None] * mirror).sum(0) / w.sum()
    rot, _ = Rotation.align_vectors(mirror - cM, R - cR, weights=w)
    expected = (R - cR) @ rot.as_matrix().T + cM
    np.testing.assert_allclose(fit.R, expected, atol=1e-8)
    direct = np.sqrt((w * ((expected - mirror) ** 2).sum(1)).sum() / w.sum())
    assert float(fit.rmsd) == pytest.approx(direct, rel=1e-8, abs=1e-10)


def test_rmsd_and_deformation_vector():
    rng = np.random.default_rng(5)
    R = rng.normal(scale=5.0, size=(8, 3))
    d = rng.normal(scale=0.3, size=(8, 3))
    d -= d.mean(0)  # no net translation
    Q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    Q *= np.sign(np.linalg.det(Q))
    other = (R + d) @ Q.T + np.array([1.0, -2.0, 3.0])  # deformed, rotated, moved
    dfm = an.deformation(R, other)
    # undo the motion by superposition: the deformation left is d minus its rigid part,
    # so its RMSD is at most that of d and matches rmsd() of the superposed coordinates
    assert float(dfm.rmsd) == pytest.approx(float(an.rmsd(dfm.R, R)), rel=1e-12)
    assert float(dfm.rmsd) <= np.sqrt((d**2).sum(1).mean()) + 1e-12
    np.testing.assert_allclose(dfm.vector, (np.asarray(dfm.R) - R).reshape(-1), atol=1e-12)
    # a pure rigid motion leaves no deformation
    assert float(np.abs(an.deformation(R, R @ Q.T + 4.0).vector).max()) < 1e-10


def test_common_residues_matches_numbers_and_rejects_renamed_ones():
    a = nm.Structure(
        R=np.zeros((3, 3)), resnames=("ALA", "GLY", "SER"), resnums=np.array([1, 2, 3]),
        icodes=("", "", ""), chains=("A", "A", "A"), bfactors=np.zeros(3), name="a", source="",
    )  # fmt: skip
    b = a._replace(
        resnames=("GLY", "SER", "LYS"), resnums=np.array([2, 3, 4]), chains=("A", "A", "A")
    )
    ia, ib = an.common_residues(a, b)
    np.testing.assert_array_equal(ia, [1, 2])
    np.testing.assert_array_equal(ib, [0, 1])
    with pytest.raises(ValueError, match="no residue in common"):
        an.common_residues(a, b._replace(chains=("B", "B", "B")))
    ia, _ = an.common_residues(a, b._replace(chains=("B", "B", "B")), match_chains=False)
    np.testing.assert_array_equal(ia, [1, 2])
    with pytest.raises(ValueError, match="different names"):
        an.common_residues(a, b._replace(resnames=("GLY", "THR", "LYS")))


# --- hinges ---------------------------------------------------------------------------------


def test_hinges_of_a_linear_chain_gnm_are_the_analytic_nodes():
    n = 11
    lam, U = np.linalg.eigh(path_kirchhoff(n))
    lam, U = lam[1:], U[:, 1:]  # drop the uniform zero mode
    for k in (1, 2, 3):
        lam_k, u = path_mode(n, k)
        assert lam[k - 1] == pytest.approx(lam_k, rel=1e-12)
        assert abs(float(u @ U[:, k - 1])) == pytest.approx(1.0, rel=1e-12)
    hinges = an.hinge_residues((lam, U), n_modes=3)
    for k, got in zip((1, 2, 3), hinges, strict=True):
        # analytic nodes of cos(πk(x+½)/n): x = n(j+½)/k - ½; hinge = the nearer residue
        # on the side of the smaller |u| (for n = 11 no node is halfway between residues)
        _, u = path_mode(n, k)
        nodes = n * (np.arange(k) + 0.5) / k - 0.5
        expected = []
        for x in nodes:
            lo, hi = int(np.floor(x)), int(np.ceil(x))
            expected.append(lo if abs(u[lo]) <= abs(u[hi]) else hi)
        np.testing.assert_array_equal(got, sorted(set(expected)))
    assert list(hinges[0]) == [5]  # the middle residue of 11
    # n = 10: the node of the slowest mode lies halfway between residues 4 and 5; a chain
    # break there is not a hinge
    lam, U = np.linalg.eigh(path_kirchhoff(10))
    assert set(an.hinge_residues((lam[1:], U[:, 1:]))[0]) <= {4, 5}
    chains = ["A"] * 5 + ["B"] * 5
    assert an.hinge_residues((lam[1:], U[:, 1:]), chains=chains)[0].size == 0


# --- conformations -----------------------------------------------------------------------------


def test_sample_conformers_amplitudes_and_rms_rmsd():
    R = np.random.default_rng(6).normal(scale=4.0, size=(5, 3))
    _, modes = network(R, np.linspace(1, 2, 10), np.ones(5))
    out = an.sample_conformers(jax.random.key(0), R, modes, n_confs=2000, rmsd=0.8)
    assert out.R.shape == (2000, 5, 3)
    # projection on each (orthonormal) mode recovers s z_k / √λ_k
    disp = (np.asarray(out.R) - R).reshape(2000, -1)
    proj = disp @ np.asarray(modes.vectors)
    expected = float(out.scale) * np.asarray(out.coefficients) / np.sqrt(modes.eigenvalues)
    np.testing.assert_allclose(proj, expected, atol=1e-12)
    # RMSD of each frame computed directly; their RMS is the target within sampling error
    direct = np.sqrt((disp**2).sum(1) / 5)
    np.testing.assert_allclose(out.rmsd, direct, rtol=1e-12)
    assert np.sqrt(np.mean(direct**2)) == pytest.approx(0.8, rel=0.05)
    # same key, same conformers; n_modes restricts the span
    again = an.sample_conformers(jax.random.key(0), R, modes, n_confs=2000, rmsd=0.8)
    np.testing.assert_array_equal(out.R, again.R)
    few = an.sample_conformers(jax.random.key(1), R, modes, n_confs=10, n_modes=2)
    d = (np.asarray(few.R) - R).reshape(10, -1)
    assert np.abs(d @ np.asarray(modes.vectors)[:, 2:]).max() < 1e-12


def test_traverse_mode_frames_have_the_requested_rmsd():
    R = np.random.default_rng(7).normal(scale=4.0, size=(5, 3))
    v = np.random.default_rng(8).normal(size=15)
    out = an.traverse_mode(R, v, n_steps=4, rmsd=2.0)
    assert out.R.shape == (9, 5, 3)
    np.testing.assert_allclose(out.R[4], R, atol=0)
    frames = np.asarray(out.R)
    rms = np.sqrt(((frames - R) ** 2).sum(2).mean(1))
    np.testing.assert_allclose(rms, np.abs(np.linspace(-2.0, 2.0, 9)), atol=1e-12)
    # every displacement is parallel to v, positive side along +v
    disp = (frames - R).reshape(9, -1)
    np.testing.assert_allclose(disp @ v / np.linalg.norm(v), np.linspace(-2, 2, 9) * np.sqrt(5))


# --- bad input -------------------------------------------------------------------------------


def test_bad_input_is_refused_with_a_clear_message():
    lam, U = np.array([0.0, 1.0]), orthonormal(6, 2)
    with pytest.raises(ValueError, match=r"square_fluctuations: eigenvalue 0 is 0.*rigid-body"):
        an.square_fluctuations((lam, U), dim=3)
    with pytest.raises(ValueError, match="pass `dim`"):
        an.square_fluctuations((np.ones(2), U))
    with pytest.raises(ValueError, match="one eigenvalue per column"):
        an.covariance((np.ones(3), U), dim=3)
    with pytest.raises(ValueError, match="n_modes"):
        an.square_fluctuations((np.ones(2), U), dim=3, n_modes=3)
    with pytest.raises(nm.PrecisionError, match="float32"):
        an.square_fluctuations((np.ones(2, np.float32), U), dim=3)
    with pytest.raises(ValueError, match=r"non-finite.*NaN"):
        an.overlap(U, np.full(6, np.nan))
    with pytest.raises(ValueError, match=r"reshape\(-1\)"):
        an.overlap(orthonormal(12, 2), np.ones((4, 3)))
    with pytest.raises(ValueError, match="zero"):
        an.overlap(U, np.zeros(6))
    with pytest.raises(ValueError, match="same atoms"):
        an.superpose(np.ones((4, 3)), np.ones((5, 3)))
    with pytest.raises(ValueError, match="GNM"):
        an.hinge_residues((np.ones(2), U), dim=3)
    with pytest.raises(ValueError, match="constant"):
        an.pearson_r(np.ones(4), np.arange(4.0))
    with pytest.raises(TypeError, match="Modes or a pair"):
        an.square_fluctuations(U)
    with pytest.raises(nm.PrecisionError), jax.enable_x64(False):
        an.overlap(jnp.ones(3), jnp.ones(3))
