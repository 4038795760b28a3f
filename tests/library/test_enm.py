"""Elastic network models: analytic spectra, invariants, autodiff vs analytic, bad input.

Every expected number here comes from a hand derivation (in the comments), an independent
code path (the whole-system ``jax.hessian`` of the ANM energy, a plain-NumPy Hessian loop,
and a dense diagonalisation in an orthonormal complement of the rigid-body motions built
inside the test), or a symmetry argument; none is copied from the code under test.
``normal_modes`` and ``anm`` are *not* independent of each other: both end in the same
solve (``jaxnm_course.modes.solve_modes``), so comparing them only checks that ``anm``
builds the same Hessian. ProDy comparisons are in ``test_enm_prody.py``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import jaxnm_course as nm
from jaxnm_course import enm
from jaxnm_course.precision import PrecisionError
from tests.references import analytic_spring_hessian, numpy_anm_hessian, tetrahedron
from tests.strategies import N_CLOUD, clouds, rotations

GAMMA = 1.7  # a spring constant that is not 1, so a missing factor of gamma shows


# --- small systems -------------------------------------------------------------------------


def triangle(a: float = 3.8) -> np.ndarray:
    """Equilateral triangle of side a (Å), in the xy plane, off the origin."""
    return np.array([[0.0, 0.0, 0.0], [a, 0.0, 0.0], [a / 2, a * np.sqrt(3) / 2, 0.0]]) + 1.0


def chain(n: int, spacing: float = 3.8) -> np.ndarray:
    """n atoms on a straight line along a tilted axis."""
    axis = np.array([1.0, 2.0, 2.0]) / 3.0
    return np.arange(n)[:, None] * spacing * axis + np.array([1.0, -2.0, 0.5])


def _rel_zero_count(eigenvalues: np.ndarray, rtol: float = 1e-9) -> int:
    w = np.asarray(eigenvalues)
    return int(np.sum(np.abs(w) < rtol * np.abs(w).max()))


# --- analytic spectra ----------------------------------------------------------------------
#
# For an ANM with springs p = (i, j) of constant gamma, H = gamma * B B^T, where column b_p
# of B (3N x P) holds -e_p on atom i and +e_p on atom j (e_p the unit bond vector). The
# nonzero eigenvalues of B B^T are those of the P x P Gram matrix G = B^T B:
#   G_pp = |b_p|^2 = 2;  G_pq = e_p . e_q (up to orientation signs) for bonds sharing one
#   atom, and 0 for bonds sharing none. Whatever the orientation of p and q, the product is
#   the cosine of the angle between the two bonds *at the shared atom* (e.g. for (i,j) and
#   (i,k): (-e_ij).(-e_ik) = e_ij.e_ik). In an equilateral triangle and a regular
#   tetrahedron that angle is 60 degrees, so G = 2 I + (1/2) A_L with A_L the adjacency
#   matrix of the line graph of K_N.
# * Triangle: the line graph of K_3 is K_3, eigenvalues 2, -1, -1, so G has 3, 3/2, 3/2:
#   ANM eigenvalues {3/2, 3/2, 3} gamma (unit masses), whatever the side length.
#   (Check: the breathing mode moves each atom radially by u; each side stretches by
#   2 u cos 30 = sqrt(3) u, so E = 3 * gamma/2 * 3 u^2 and lambda = 2E / (3 u^2) = 3 gamma.)
# * Tetrahedron: the line graph of K_4 is the octahedron graph, eigenvalues 4, 0 (x3),
#   -2 (x2), so G has 4, 2 (x3), 1 (x2): ANM eigenvalues {1, 1, 2, 2, 2, 4} gamma.
#   (Check: trace H = 2 gamma P = 12 gamma = 1 + 1 + 2 + 2 + 2 + 4.)


def test_equilateral_triangle_spectrum():
    modes = nm.anm(triangle(), cutoff=None, gamma=GAMMA, n_modes=None)
    assert modes.n_rigid == 6
    np.testing.assert_allclose(modes.eigenvalues, GAMMA * np.array([1.5, 1.5, 3.0]), rtol=1e-12)


def test_regular_tetrahedron_spectrum():
    modes = nm.anm(tetrahedron(), cutoff=10.0, gamma=GAMMA, n_modes=None)
    assert modes.n_rigid == 6
    expected = GAMMA * np.array([1.0, 1.0, 2.0, 2.0, 2.0, 4.0])
    np.testing.assert_allclose(modes.eigenvalues, expected, rtol=1e-12)


def test_gnm_complete_graph():
    # Kirchhoff of K_N: gamma (N I - 1 1^T): eigenvalue N gamma on every vector orthogonal
    # to 1 (multiplicity N - 1) and 0 on 1 (removed as the GNM's one zero mode).
    R = tetrahedron() @ np.diag([1.0, 1.3, 0.8])
    R = np.concatenate([R, R + np.array([5.0, 1.0, -2.0])])  # 8 atoms, all within 20 Å
    modes = nm.gnm(R, cutoff=20.0, gamma=GAMMA, n_modes=None)
    assert modes.n_rigid == 1
    # One scalar per residue and no time scale: dim 1, no frequencies.
    assert modes.dim == 1
    assert modes.frequencies is None
    assert modes.vectors.shape == (8, 7)
    np.testing.assert_allclose(modes.eigenvalues, 8 * GAMMA * np.ones(7), rtol=1e-12)
    # The degenerate eigenvectors span exactly the complement of the uniform vector.
    V = np.asarray(modes.vectors)
    np.testing.assert_allclose(V @ V.T, np.eye(8) - np.ones((8, 8)) / 8, atol=1e-12)


@pytest.mark.parametrize("n", [7, 12])
def test_straight_chain_nearest_neighbour(n):
    # A free chain of N unit masses joined by N - 1 springs: the path-graph Laplacian,
    # eigenvalues 2 gamma (1 - cos(pi k / N)), k = 1..N-1 (e.g. Strang, SIAM Rev. 41, 135).
    R = chain(n)
    expected = 2 * GAMMA * (1 - np.cos(np.pi * np.arange(1, n) / n))
    g = nm.gnm(R, cutoff=4.0, gamma=GAMMA, n_modes=None)
    assert g.n_rigid == 1
    np.testing.assert_allclose(g.eigenvalues, expected, rtol=1e-11)
    # ANM: collinear, so 5 rigid-body modes. Springs along the line only resist
    # longitudinal motion: the N - 1 longitudinal modes reproduce the GNM spectrum, and the
    # 2N - 4 internal transverse motions (bending) cost nothing: they stay in the spectrum
    # as zeros (a floppy but connected network), they are not hidden.
    a = nm.anm(R, cutoff=4.0, gamma=GAMMA, n_modes=None)
    assert a.n_rigid == 5
    w = np.asarray(a.eigenvalues)
    assert w.shape == (3 * n - 5,)
    np.testing.assert_allclose(w[: 2 * n - 4], 0.0, atol=1e-12)
    np.testing.assert_allclose(w[2 * n - 4 :], expected, rtol=1e-11)
    # The nonzero modes are longitudinal: displacements parallel to the chain axis.
    axis = np.array([1.0, 2.0, 2.0]) / 3.0
    V = np.asarray(a.vectors)[:, 2 * n - 4 :].reshape(n, 3, -1)
    along = np.einsum("iak,a->ik", V, axis)
    np.testing.assert_allclose(np.sum(along**2, axis=0), 1.0, rtol=1e-10)


def test_diatomic_and_single_atom():
    # Two masses joined by one spring: lambda = gamma / mu = gamma (1/m1 + 1/m2).
    R = np.array([[0.0, 0.0, 0.0], [2.0, 3.0, 1.0]])
    a = nm.anm(R, cutoff=None, gamma=GAMMA, n_modes=None, masses=np.array([12.0, 30.0]))
    assert a.n_rigid == 5
    np.testing.assert_allclose(a.eigenvalues, [GAMMA * (1 / 12 + 1 / 30)], rtol=1e-13)
    # The centre of mass stays put: x1 = -m2 u e, x2 = m1 u e along the bond e.
    e = R[1] / np.linalg.norm(R[1])
    x = np.r_[-30.0 * e, 12.0 * e]
    np.testing.assert_allclose(
        np.abs(np.asarray(a.vectors)[:, 0]), np.abs(x) / np.linalg.norm(x), rtol=1e-12
    )
    # GNM of two nodes: Kirchhoff [[g, -g], [-g, g]], eigenvalue 2 gamma.
    np.testing.assert_allclose(nm.gnm(R, gamma=GAMMA, n_modes=None).eigenvalues, [2 * GAMMA])
    # A single atom: 3 translations, no internal mode.
    one = nm.anm(np.zeros((1, 3)), n_modes=None)
    assert one.n_rigid == 3
    assert one.eigenvalues.shape == (0,)


def test_collinear_structure_has_five_rigid_modes():
    a = nm.anm(chain(6), cutoff=None, gamma=1.0, n_modes=None)
    assert a.n_rigid == 5
    assert a.eigenvalues.shape == (13,)


# --- Hessians: analytic, autodiff, whole-system, plain loop --------------------------------


@pytest.fixture(scope="module")
def ubi(ubiquitin) -> np.ndarray:
    return ubiquitin.R


def test_anm_hessian_equals_textbook_loop(ubi):
    H = np.asarray(nm.anm_hessian(ubi, cutoff=13.0, gamma=GAMMA))
    np.testing.assert_allclose(H, numpy_anm_hessian(ubi, 13.0, GAMMA), rtol=0, atol=1e-12)


def test_anm_hessian_methods_agree(ubi):
    Ha = nm.anm_hessian(ubi, method="analytic")
    Hd = nm.anm_hessian(ubi, method="autodiff")
    np.testing.assert_allclose(Hd, Ha, rtol=0, atol=1e-12 * float(jnp.abs(Ha).max()))


def test_whole_system_hessian_of_anm_energy_is_anm_hessian(ubi):
    # The naive route: jax.hessian of the whole energy (O(N^2) memory) at the reference.
    R = ubi[:30]
    energy = enm.anm_energy(R, cutoff=12.0, gamma=GAMMA)
    H = jax.jit(jax.hessian(energy))(jnp.asarray(R)).reshape(90, 90)
    np.testing.assert_allclose(H, nm.anm_hessian(R, cutoff=12.0, gamma=GAMMA), atol=1e-12)
    assert float(energy(jnp.asarray(R))) == 0.0


def test_anm_energy_away_from_reference_has_tension_term():
    # At a stretched structure the energy's Hessian gains gamma (1 - r0/r)(1 - e e^T) per
    # spring: rotations stop being zero modes (only the 3 translations remain) and the
    # compressed springs give negative eigenvalues. The ANM Hessian of R0 does not change.
    R0 = tetrahedron()
    energy = enm.anm_energy(R0, cutoff=None, gamma=GAMMA)
    rng = np.random.default_rng(1)
    R = R0 + 0.3 * rng.standard_normal(R0.shape)
    H = np.asarray(jax.jit(jax.hessian(energy))(jnp.asarray(R)).reshape(12, 12))
    # Independent hand-derived Hessian of the same springs (tests/references.py).
    r0 = np.linalg.norm(R0[:, None] - R0[None], axis=-1)[np.triu_indices(4, 1)]
    np.testing.assert_allclose(H, analytic_spring_hessian(R, GAMMA * np.ones(6), r0), atol=1e-11)
    w = np.linalg.eigvalsh(H)
    assert _rel_zero_count(w) == 3
    assert not np.allclose(H, np.asarray(nm.anm_hessian(R, cutoff=None, gamma=GAMMA)))


def test_blocks_are_the_common_currency(ubi):
    pairs = enm.contact_pairs(ubi, 15.0)
    B = enm.anm_super_elements(ubi, pairs, GAMMA)
    assert B.shape == (len(pairs), 3, 3)
    np.testing.assert_allclose(
        enm.assemble_hessian(len(ubi), pairs, B), nm.anm_hessian(ubi, 15.0, GAMMA), atol=1e-13
    )
    # 1x1 blocks -gamma give the Kirchhoff matrix.
    G = enm.assemble_hessian(len(ubi), pairs, -GAMMA * np.ones((len(pairs), 1, 1)))
    np.testing.assert_allclose(G, nm.gnm_kirchhoff(ubi, 15.0, GAMMA), atol=1e-13)
    # Kirchhoff = trace of each 3x3 super-element (d d^T / r^2 has trace 1).
    K = np.asarray(nm.gnm_kirchhoff(ubi, 15.0, GAMMA))
    H = np.asarray(nm.anm_hessian(ubi, 15.0, GAMMA)).reshape(len(ubi), 3, len(ubi), 3)
    np.testing.assert_allclose(np.einsum("iaja->ij", H), K, atol=1e-12)


# --- contacts and connectivity -------------------------------------------------------------


def test_contact_pairs_matches_brute_force(ubi):
    d = np.linalg.norm(ubi[:, None] - ubi[None], axis=-1)
    for cutoff in (4.0, 7.3, 15.0):
        i, j = np.nonzero(np.triu(d <= cutoff, 1))
        expected = np.stack([i, j], axis=1)  # np.nonzero is row-major: lexicographic
        pairs = enm.contact_pairs(ubi, cutoff)
        assert pairs.dtype == np.int64
        np.testing.assert_array_equal(pairs, expected)
    all_pairs = enm.contact_pairs(ubi, None)
    assert all_pairs.shape == (76 * 75 // 2, 2)
    assert (all_pairs[:, 0] < all_pairs[:, 1]).all()


def test_disconnected_network_is_refused_with_advice():
    A, B = tetrahedron(), tetrahedron() + np.array([30.0, 0.0, 0.0])
    R = np.concatenate([A, B])
    gap = np.linalg.norm(A[:, None] - B[None], axis=-1).min()  # nearest atoms of the pieces
    with pytest.raises(enm.DisconnectedNetworkError, match=r"2 disconnected components") as e:
        nm.anm(R, cutoff=10.0)
    assert isinstance(e.value, ValueError)
    assert "sizes 4, 4" in str(e.value)
    assert f"{gap:.3g} Å from the rest" in str(e.value)
    assert "use a cutoff larger" in str(e.value)
    assert "allow_disconnected" in str(e.value)
    with pytest.raises(enm.DisconnectedNetworkError, match=r"gnm: .*2 disconnected"):
        nm.gnm(R, cutoff=10.0)


def test_disconnected_network_when_allowed_counts_every_piece():
    # Two rigid tetrahedra far apart: each has its own 6 rigid-body motions, so 12 are
    # removed and counted, and the remaining spectrum is two copies of {1,1,2,2,2,4} gamma.
    R = np.concatenate([tetrahedron(), tetrahedron() + np.array([30.0, 0.0, 0.0])])
    a = nm.anm(R, cutoff=10.0, gamma=GAMMA, n_modes=None, allow_disconnected=True)
    assert a.n_rigid == 12
    single = GAMMA * np.array([1.0, 1.0, 2.0, 2.0, 2.0, 4.0])
    np.testing.assert_allclose(a.eigenvalues, np.sort(np.r_[single, single]), rtol=1e-12)
    # A lone atom adds only its 3 translations.
    R3 = np.concatenate([R, [[0.0, 50.0, 0.0]]])
    a3 = nm.anm(R3, cutoff=10.0, n_modes=None, allow_disconnected=True)
    assert a3.n_rigid == 15
    assert a3.eigenvalues.shape == (3 * 9 - 15,)
    g = nm.gnm(R3, cutoff=10.0, gamma=GAMMA, n_modes=None, allow_disconnected=True)
    assert g.n_rigid == 3
    # Each tetrahedron is a K_4: eigenvalue 4 gamma, 3 times each.
    np.testing.assert_allclose(g.eigenvalues, 4 * GAMMA * np.ones(6), rtol=1e-12)


def test_springs_with_zero_stiffness_do_not_connect():
    # gamma(r) = 0 beyond 6 Å makes two tetrahedra 9 Å apart two pieces even with a 20 Å
    # contact cutoff: connectivity follows the springs that exist, not the pair list.
    R = np.concatenate([tetrahedron(), tetrahedron() + np.array([9.0, 0.0, 0.0])])

    def short_range(r):
        return jnp.where(r < 6.0, 1.0, 0.0)

    with pytest.raises(enm.DisconnectedNetworkError):
        nm.anm(R, cutoff=20.0, gamma=short_range)


# --- spring-constant schemes ---------------------------------------------------------------


def test_parameter_free_gamma():
    r = jnp.array([1.0, 2.0, 4.0, 10.0])
    np.testing.assert_allclose(enm.parameter_free_gamma(r), [1.0, 0.25, 0.0625, 0.01])
    np.testing.assert_allclose(enm.parameter_free_gamma(r, power=6), r**-6.0)
    # pfANM super-element: -d d^T / r^4.
    R = tetrahedron()
    pairs = enm.contact_pairs(R, None)
    B = np.asarray(enm.anm_super_elements(R, pairs, enm.parameter_free_gamma))
    d = R[pairs[:, 1]] - R[pairs[:, 0]]
    expected = -np.einsum("pa,pb->pab", d, d) / np.sum(d * d, axis=1)[:, None, None] ** 2
    np.testing.assert_allclose(B, expected, rtol=1e-13)


def test_hinsen_gamma_units_and_break_point():
    # Hinsen et al. 2000, in their units (r in nm, k in kJ/mol/nm^2):
    #   k = 8.6e5 r - 2.39e5 (r < 0.4 nm),  k = 128 r^-6 (r >= 0.4 nm).
    # Conversion done by hand here: 1 kJ/mol/nm^2 = (1/4.184) kcal/mol / (100 Å^2).
    to_kcal_A2 = 1.0 / 4.184 / 100.0
    # 3.8 Å (a bonded Cα pair): 8.6e5 * 0.38 - 2.39e5 = 87,800 kJ/mol/nm^2.
    assert float(enm.hinsen_gamma(3.8)) == pytest.approx(87_800 * to_kcal_A2, rel=1e-13)
    # Just below the break: 8.6e5 * 0.4 - 2.39e5 = 105,000 kJ/mol/nm^2 = 250.956... kcal.
    below = float(enm.hinsen_gamma(np.nextafter(4.0, 0.0)))
    assert below == pytest.approx(105_000 * to_kcal_A2, rel=1e-12)
    assert below == pytest.approx(250.9560229445507, rel=1e-12)
    # At the break the r^-6 branch applies: 128 / 0.4^6 = 31,250 kJ/mol/nm^2 = 74.689...
    at = float(enm.hinsen_gamma(4.0))
    assert at == pytest.approx(31_250 * to_kcal_A2, rel=1e-13)
    assert at == pytest.approx(74.68929254302103, rel=1e-12)
    # 10 Å = 1 nm: 128 kJ/mol/nm^2.
    assert float(enm.hinsen_gamma(10.0)) == pytest.approx(128 * to_kcal_A2, rel=1e-13)
    # Vectorised, and finite derivatives on both branches.
    r = jnp.array([3.0, 3.8, 4.0, 6.0, 25.0])
    k = enm.hinsen_gamma(r)
    assert k.shape == (5,)
    dk = jax.vmap(jax.grad(enm.hinsen_gamma))(r)
    np.testing.assert_allclose(dk[:2], 8.6e5 / 10 * to_kcal_A2, rtol=1e-13)  # per Å
    np.testing.assert_allclose(dk[2:], -6 * 128 * (r[2:] / 10) ** -7 / 10 * to_kcal_A2, rtol=1e-12)


def test_distance_dependent_gamma_in_hessian(ubi):
    # gamma(r) enters each super-element at that pair's distance: compare with the loop.
    R = ubi[:25]
    H = np.asarray(nm.anm_hessian(R, cutoff=None, gamma=enm.hinsen_gamma))
    n = len(R)
    ref = np.zeros((3 * n, 3 * n))
    for i in range(n):
        for j in range(i + 1, n):
            d = R[j] - R[i]
            r = np.linalg.norm(d)
            k = (8.6e5 * r / 10 - 2.39e5 if r < 4.0 else 128 * (r / 10) ** -6) / 418.4
            b = -k * np.outer(d, d) / r**2
            for a_, b_, s in ((i, j, 1), (j, i, 1), (i, i, -1), (j, j, -1)):
                ref[3 * a_ : 3 * a_ + 3, 3 * b_ : 3 * b_ + 3] += s * b
    np.testing.assert_allclose(H, ref, rtol=0, atol=1e-10 * np.abs(ref).max())


def test_negative_spring_constants_are_refused():
    R = np.array([[0.0, 0, 0], [2.5, 0, 0], [0, 3.0, 0], [0, 0, 3.2]])  # 2.5 Å < 2.78 Å
    with pytest.raises(ValueError, match=r"anm: .*gave -.*must be finite and >= 0"):
        nm.anm(R, cutoff=None, gamma=enm.hinsen_gamma, n_modes=None)


# --- normal modes: masses, solver, Modes fields --------------------------------------------


def test_anm_matches_normal_modes_with_residue_masses(ubiquitin):
    # Same Hessian, same solve (modes.solve_modes): a consistency check of anm's pipeline
    # (contacts, blocks, assembly, masses), not an independent solver; see the next test.
    s = ubiquitin
    m = nm.residue_masses(s.resnames)
    a = nm.anm(s.R, cutoff=15.0, gamma=GAMMA, n_modes=None, masses=m)
    ref = nm.normal_modes(nm.anm_hessian(s.R, 15.0, GAMMA), m, s.R)
    assert a.n_rigid == ref.n_rigid == 6
    np.testing.assert_allclose(a.eigenvalues, ref.eigenvalues, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.frequencies, ref.frequencies, rtol=1e-10, atol=1e-9)
    # Same modes up to sign (the spectrum of ubiquitin is nondegenerate).
    overlap = np.abs(np.sum(np.asarray(a.vectors) * np.asarray(ref.vectors), axis=0))
    np.testing.assert_allclose(overlap, 1.0, atol=1e-8)
    assert float(a.rigid_residual) < 1e-10


def complement_modes(H: np.ndarray, R: np.ndarray, m: np.ndarray) -> tuple[np.ndarray, ...]:
    """Internal modes by a route that shares nothing with the library's solver.

    Rigid-body motions written out here (mass-weighted translations sqrt(m_i) e_a and
    rotations sqrt(m_i) e_a x (r_i - r_com)), an orthonormal basis C of their complement
    from one QR of [T | random] (its first 6 columns span T, the rest is orthogonal to
    them), and NumPy's eigh of Cᵀ H_mw C: the eigenvalues are those of H_mw on the
    internal space, the modes C U (no deflation, no shift, no subset selection).
    """
    n = len(R)
    x = R - (m[:, None] * R).sum(0) / m.sum()
    sq = np.sqrt(m)[:, None]
    T = [(sq * np.eye(3)[a]).reshape(-1) for a in range(3)]
    T += [(sq * np.cross(np.eye(3)[a], x)).reshape(-1) for a in range(3)]
    T = np.stack(T, axis=1)
    rng = np.random.default_rng(7)
    Q, _ = np.linalg.qr(np.hstack([T, rng.standard_normal((3 * n, 3 * n - 6))]))
    C = Q[:, 6:]
    assert np.abs(C.T @ T).max() < 1e-10 * np.abs(T).max()
    s = np.repeat(1 / np.sqrt(m), 3)
    w, U = np.linalg.eigh(C.T @ (H * s[:, None] * s[None, :]) @ C)
    return w, C @ U


@pytest.mark.parametrize("masses", ["unit", "residue"])
def test_anm_against_an_independent_complement_basis(masses, ubiquitin):
    # Hessian from the plain loop (numpy_anm_hessian), not the library's assembly.
    s = ubiquitin
    m = np.ones(len(s.R)) if masses == "unit" else np.asarray(nm.residue_masses(s.resnames))
    w, L = complement_modes(numpy_anm_hessian(s.R, 15.0, GAMMA), s.R, m)
    a = nm.anm(s.R, cutoff=15.0, gamma=GAMMA, n_modes=None, masses=None if masses == "unit" else m)
    assert a.n_rigid == 6
    assert a.dim == 3
    # eigh is backward stable: |dλ| <~ n eps |H_mw| ~ 228 * 2e-16 * 60 ~ 3e-12 here.
    np.testing.assert_allclose(a.eigenvalues, w, rtol=1e-10, atol=1e-11)
    # Subspaces of the 20 lowest (each nondegenerate in ubiquitin: gaps > 1e-3 relative):
    # mode by mode, |<l_ours, l_ref>| = 1 up to (error / gap) ~ 1e-9.
    assert np.min(np.diff(w[:21]) / w[1:21]) > 1e-3
    cos = np.abs(np.sum(np.asarray(a.mw_vectors)[:, :20] * L[:, :20], axis=0))
    np.testing.assert_allclose(cos, 1.0, atol=1e-8)


def test_tetrahedron_against_an_independent_complement_basis():
    # Degenerate spectrum {1, 1, 2, 2, 2, 4} gamma: compare eigenspace projectors.
    R = tetrahedron()
    w, L = complement_modes(numpy_anm_hessian(R, 10.0, GAMMA), R, np.ones(4))
    np.testing.assert_allclose(w, GAMMA * np.array([1, 1, 2, 2, 2, 4.0]), rtol=1e-12)
    a = nm.anm(R, cutoff=10.0, gamma=GAMMA, n_modes=None)
    np.testing.assert_allclose(a.eigenvalues, w, rtol=1e-12)
    V = np.asarray(a.mw_vectors)
    for group in (slice(0, 2), slice(2, 5), slice(5, 6)):
        np.testing.assert_allclose(
            V[:, group] @ V[:, group].T, L[:, group] @ L[:, group].T, atol=1e-12
        )


def test_anm_modes_are_eigenvectors_orthogonal_to_rigid_motion(ubi):
    a = nm.anm(ubi, gamma=GAMMA)
    H = np.asarray(nm.anm_hessian(ubi, gamma=GAMMA))
    V, w = np.asarray(a.vectors), np.asarray(a.eigenvalues)
    assert V.shape == (3 * 76, 20)
    assert np.all(np.diff(w) >= 0)
    assert w[0] > 1e-3
    np.testing.assert_allclose(H @ V, V * w, atol=1e-10)
    np.testing.assert_allclose(V.T @ V, np.eye(20), atol=1e-12)
    D = np.asarray(nm.rigid_body_modes(ubi, np.ones(76)))
    np.testing.assert_allclose(D.T @ V, 0.0, atol=1e-12)
    # The first 20 of all modes, and all 3N - 6 of them.
    full = nm.anm(ubi, gamma=GAMMA, n_modes=None)
    assert full.eigenvalues.shape == (3 * 76 - 6,)
    np.testing.assert_allclose(full.eigenvalues[:20], w, rtol=1e-12)


def test_gnm_modes_are_kirchhoff_eigenvectors(ubi):
    g = nm.gnm(ubi, gamma=GAMMA)
    K = np.asarray(nm.gnm_kirchhoff(ubi, gamma=GAMMA))
    V, w = np.asarray(g.vectors), np.asarray(g.eigenvalues)
    assert V.shape == (76, 20)
    assert g.n_rigid == 1
    np.testing.assert_allclose(K @ V, V * w, atol=1e-10)
    np.testing.assert_allclose(V.sum(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(w, np.linalg.eigvalsh(K)[1:21], rtol=1e-10)


# --- Hypothesis properties (fixed N = 12) --------------------------------------------------


@given(R=clouds())
def test_hessians_symmetric_zero_row_sums(R):
    for cutoff in (7.5, None):
        H = np.asarray(nm.anm_hessian(R, cutoff=cutoff, gamma=GAMMA))
        np.testing.assert_allclose(H, H.T, atol=1e-13)
        np.testing.assert_allclose(H.reshape(36, 12, 3).sum(axis=1), 0.0, atol=1e-12)
        K = np.asarray(nm.gnm_kirchhoff(R, cutoff=cutoff, gamma=GAMMA))
        np.testing.assert_allclose(K, K.T, atol=1e-13)
        np.testing.assert_allclose(K.sum(axis=1), 0.0, atol=1e-12)


@given(R=clouds())
def test_connected_networks_have_exactly_the_rigid_zero_modes(R):
    # ANM: a complete graph in generic 3D position is rigid, so the full Hessian has
    # exactly 6 zero eigenvalues. GNM: a connected graph's Laplacian has exactly one.
    w = np.linalg.eigvalsh(np.asarray(nm.anm_hessian(R, cutoff=None, gamma=GAMMA)))
    assert _rel_zero_count(w) == 6
    assert w[6] > 1e-6 * w[-1]
    pairs = enm.contact_pairs(R, 10.0)
    assume(enm.connected_components(N_CLOUD, pairs)[0] == 1)
    k = np.linalg.eigvalsh(np.asarray(nm.gnm_kirchhoff(R, cutoff=10.0, gamma=GAMMA)))
    assert _rel_zero_count(k) == 1
    assert nm.anm(R, cutoff=None, n_modes=None).n_rigid == 6


@given(R=clouds(), Q=rotations(), shift=st.floats(-20, 20), perm=st.permutations(range(N_CLOUD)))
def test_eigenvalues_invariant_under_rotation_and_permutation(R, Q, shift, perm):
    base_a = nm.anm(R, cutoff=9.0, gamma=GAMMA, n_modes=None, allow_disconnected=True)
    base_g = nm.gnm(R, cutoff=9.0, gamma=GAMMA, n_modes=None, allow_disconnected=True)
    moved = R @ Q.T + shift
    permuted = R[list(perm)]
    for X in (moved, permuted):
        a = nm.anm(X, cutoff=9.0, gamma=GAMMA, n_modes=None, allow_disconnected=True)
        g = nm.gnm(X, cutoff=9.0, gamma=GAMMA, n_modes=None, allow_disconnected=True)
        assert a.n_rigid == base_a.n_rigid
        assert g.n_rigid == base_g.n_rigid
        np.testing.assert_allclose(a.eigenvalues, base_a.eigenvalues, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(g.eigenvalues, base_g.eigenvalues, rtol=1e-9, atol=1e-11)


@given(R=clouds())
def test_autodiff_blocks_equal_analytic_blocks(R):
    pairs = enm.contact_pairs(R, None)
    # Hinsen's constants are negative below 2.78 Å: stretch the cloud (>= 2.86 Å apart).
    for X, gamma in ((R, GAMMA), (R, enm.parameter_free_gamma), (1.3 * R, enm.hinsen_gamma)):
        analytic = np.asarray(enm.anm_super_elements(X, pairs, gamma))
        autodiff = np.asarray(enm.anm_blocks_autodiff(X, pairs, gamma))
        np.testing.assert_allclose(autodiff, analytic, rtol=0, atol=1e-13 * np.abs(analytic).max())


@given(R=clouds(), mass=st.floats(1.0, 200.0), masses=st.lists(st.floats(50.0, 200.0),
       min_size=N_CLOUD, max_size=N_CLOUD))  # fmt: skip
def test_mass_weighted_frequencies_scale(R, mass, masses):
    unit = nm.anm(R, cutoff=None, gamma=GAMMA, n_modes=None)
    heavy = nm.anm(R, cutoff=None, gamma=GAMMA, n_modes=None, masses=mass * np.ones(N_CLOUD))
    # Uniform masses m: H_mw = H / m, so lambda -> lambda / m and frequency -> / sqrt(m).
    np.testing.assert_allclose(heavy.eigenvalues, unit.eigenvalues / mass, rtol=1e-10)
    np.testing.assert_allclose(heavy.frequencies, unit.frequencies / np.sqrt(mass), rtol=1e-10)
    # Cartesian vectors are unchanged by a uniform mass.
    overlap = np.abs(np.sum(np.asarray(heavy.vectors) * np.asarray(unit.vectors), axis=0))
    np.testing.assert_allclose(overlap[np.r_[True, np.diff(unit.eigenvalues) > 1e-6]], 1.0,
                               atol=1e-6)  # fmt: skip
    # Unequal masses: eigenvalues of M^-1/2 H M^-1/2, computed here without the library's
    # projection (the six zeros are dropped by sorting: the network is rigid).
    m = np.asarray(masses)
    H = np.asarray(nm.anm_hessian(R, cutoff=None, gamma=GAMMA))
    s = np.repeat(1 / np.sqrt(m), 3)
    w = np.linalg.eigvalsh(H * s[:, None] * s[None, :])[6:]
    got = nm.anm(R, cutoff=None, gamma=GAMMA, n_modes=None, masses=m)
    np.testing.assert_allclose(got.eigenvalues, w, rtol=1e-9)


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("function", [nm.anm, nm.gnm, nm.anm_hessian, nm.gnm_kirchhoff])
def test_bad_coordinates(function):
    R = tetrahedron()
    with pytest.raises(ValueError, match=r"shape \(N, 3\).*reshape"):
        function(R.reshape(-1))
    bad = R.copy()
    bad[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"`R` contains 1 non-finite value"):
        function(bad)
    twin = np.concatenate([R, R[:1] + 1e-4])
    with pytest.raises(ValueError, match=r"atoms 0 and 4 of `R` overlap"):
        function(twin)
    with pytest.raises(PrecisionError, match=r"float32"):
        function(R.astype(np.float32))
    with jax.enable_x64(False), pytest.raises(PrecisionError, match=r"64-bit mode is off"):
        function(R)


@pytest.mark.parametrize("function", [nm.anm, nm.gnm, nm.anm_hessian, nm.gnm_kirchhoff])
@pytest.mark.parametrize("cutoff", [0.0, -5.0, float("nan"), float("inf")])
def test_bad_cutoff(function, cutoff):
    with pytest.raises(ValueError, match=r"`cutoff` must be a positive, finite distance"):
        function(tetrahedron(), cutoff)


def test_bad_arguments():
    R = tetrahedron()
    with pytest.raises(TypeError, match=r"contact_pairs: `cutoff` must be a distance"):
        enm.contact_pairs(R, "15")
    with pytest.raises(ValueError, match=r"`n_modes` = 7 is out of range: .* 6 internal"):
        nm.anm(R, n_modes=7)
    with pytest.raises(ValueError, match=r"`n_modes` = 0 is out of range"):
        nm.gnm(R, n_modes=0)
    with pytest.raises(ValueError, match=r"out of range: there are 6 internal"):
        nm.anm(R)  # the default n_modes=20 is more than a tetrahedron has
    with pytest.raises(TypeError, match=r"`n_modes` must be a positive integer or None"):
        nm.anm(R, n_modes=2.5)
    with pytest.raises(ValueError, match=r"`solver` must be one of"):
        nm.anm(R, n_modes=None, solver="magic")
    with pytest.raises(ValueError, match=r"`method` must be 'analytic' or 'autodiff'"):
        nm.anm_hessian(R, method="numeric")
    with pytest.raises(ValueError, match=r"`gamma` must be a positive, finite spring constant"):
        nm.anm(R, gamma=-1.0, n_modes=None)
    with pytest.raises(ValueError, match=r"`gamma` must be a number or a function"):
        nm.gnm(R, gamma=np.ones(6), n_modes=None)
    with pytest.raises(ValueError, match=r"`masses` must have shape \(4,\)"):
        nm.anm(R, n_modes=None, masses=np.ones(3))
    with pytest.raises(ValueError, match=r"`masses` must be positive"):
        nm.anm(R, n_modes=None, masses=np.array([1.0, 0.0, 1.0, 1.0]))
    with pytest.raises(PrecisionError, match=r"returned float32"):
        nm.anm(R, n_modes=None, gamma=lambda r: jnp.ones(r.shape, dtype=jnp.float32))
    with pytest.raises(ValueError, match=r"one spring constant per pair"):
        nm.anm(R, n_modes=None, gamma=lambda r: jnp.ones(3))
    pairs = enm.contact_pairs(R, None)
    with pytest.raises(ValueError, match=r"`blocks` must have shape \(6, d, d\)"):
        enm.assemble_hessian(4, pairs, np.ones((5, 3, 3)))
    with pytest.raises(ValueError, match=r"indices outside 0..3"):
        enm.anm_super_elements(R, pairs + 1)
    with pytest.raises(ValueError, match=r"couples atom 2 to itself"):
        enm.anm_super_elements(R, np.array([[0, 1], [2, 2]]))
    with pytest.raises(TypeError, match=r"`pairs` must be integer atom indices"):
        enm.anm_super_elements(R, pairs.astype(float))


def test_partial_gamma_and_jit_friendly_energy():
    # Schemes compose with functools.partial; the energy closure runs under jit.
    R = tetrahedron()
    gamma6 = functools.partial(enm.parameter_free_gamma, power=6)
    a = nm.anm(R, cutoff=None, gamma=gamma6, n_modes=None)
    # All edges equal (a = 3.8 Å): gamma = a^-6 times the unit-gamma spectrum.
    np.testing.assert_allclose(a.eigenvalues, 3.8**-6 * np.array([1, 1, 2, 2, 2, 4]), rtol=1e-12)
    e = jax.jit(enm.anm_energy(R, cutoff=None))
    assert float(e(jnp.asarray(R) * 1.01)) > 0.0
