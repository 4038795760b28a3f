"""Sparse assembly and matrix-free products against independent dense references.

References: a plain Python double loop over atoms (ProDy's algorithm, in
tests/references.py), the dense JAX scatter of enm.assemble_hessian, the whole-system
jax.hessian of the ANM energy, a graph Laplacian from the full distance matrix, and ProDy itself.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import LinearOperator

import jaxnm_course as nm
from jaxnm_course import enm, sparse
from jaxnm_course._validate import find_overlaps
from jaxnm_course.structures import globular_cloud as cloud
from tests.references import numpy_anm_hessian as loop_hessian


@pytest.fixture(scope="module")
def ake(adk_closed):
    return np.asarray(adk_closed.R)


def test_sparse_assembly_equals_loop_and_dense_scatter(ake):
    R = ake[:80]
    pairs = enm.contact_pairs(R, 13.0)
    blocks = enm.anm_super_elements(R, pairs)
    H = sparse.assemble_sparse(len(R), pairs, blocks)
    assert isinstance(H, sp.csr_array)
    assert H.shape == (240, 240)
    assert H.nnz == 9 * (2 * len(pairs) + len(R))
    dense = H.toarray()
    np.testing.assert_allclose(dense, loop_hessian(R, 13.0), rtol=0, atol=1e-14)
    # Off-diagonal blocks are copied, so they match the dense scatter bit for bit.
    ref = np.asarray(enm.assemble_hessian(len(R), pairs, blocks))
    off = np.kron(1 - np.eye(len(R)), np.ones((3, 3))).astype(bool)
    np.testing.assert_array_equal(dense[off], ref[off])
    np.testing.assert_allclose(dense, ref, rtol=0, atol=1e-14)
    np.testing.assert_allclose(dense, dense.T, rtol=0, atol=1e-15)


def test_pair_order_and_asymmetric_blocks_are_transposed():
    rng = np.random.default_rng(3)
    K = rng.standard_normal((2, 3, 3))
    H1 = sparse.assemble_sparse(3, np.array([[0, 2], [1, 2]]), K).toarray()
    H2 = sparse.assemble_sparse(3, np.array([[2, 0], [1, 2]]), np.stack([K[0].T, K[1]])).toarray()
    np.testing.assert_array_equal(H1, H2)
    np.testing.assert_array_equal(H1[0:3, 6:9], K[0])
    np.testing.assert_array_equal(H1[6:9, 0:3], K[0].T)
    np.testing.assert_allclose(H1[6:9, 6:9], -(K[0].T + K[1].T), atol=1e-15)
    np.testing.assert_allclose(H1.reshape(3, 3, 3, 3).sum(axis=2), 0, atol=1e-14)


def test_autodiff_blocks_scatter_to_the_same_sparse_hessian(ake):
    H_an = sparse.anm_hessian_sparse(ake, 15.0)
    H_ad = sparse.anm_hessian_sparse(ake, 15.0, method="autodiff")
    np.testing.assert_allclose(H_ad.toarray(), H_an.toarray(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(H_an.toarray(), loop_hessian(ake, 15.0), rtol=0, atol=1e-13)


@pytest.mark.oracle
def test_sparse_hessian_and_kirchhoff_match_prody(ake, prody):
    a = prody.ANM()
    a.buildHessian(ake, 15.0, 1.0, sparse=True)
    H = sparse.anm_hessian_sparse(ake, 15.0)
    assert abs(H - a.getHessian()).max() < 1e-12
    g = prody.GNM()
    g.buildKirchhoff(ake, 10.0, 1.0)
    K = sparse.kirchhoff_sparse(len(ake), enm.contact_pairs(ake, 10.0))
    np.testing.assert_allclose(K.toarray(), g.getKirchhoff(), rtol=0, atol=1e-12)


def test_kirchhoff_is_the_graph_laplacian():
    R = cloud(60, seed=1)
    dist = np.linalg.norm(R[:, None] - R[None], axis=-1)
    adjacency = ((dist <= 7.0) & ~np.eye(60, dtype=bool)).astype(float)
    laplacian = np.diag(adjacency.sum(1)) - adjacency
    pairs = enm.contact_pairs(R, 7.0)
    np.testing.assert_array_equal(sparse.kirchhoff_sparse(60, pairs).toarray(), laplacian)
    w = np.linspace(0.5, 2.0, len(pairs))
    K = sparse.kirchhoff_sparse(60, pairs, w).toarray()
    np.testing.assert_allclose(K @ np.ones(60), 0, atol=1e-12)
    i, j = pairs[7]
    assert K[i, j] == K[j, i] == -w[7]


def test_mass_weighting_sparse(ake, adk_closed):
    H = sparse.anm_hessian_sparse(ake, 15.0)
    m = nm.residue_masses(adk_closed.resnames)
    ref = np.asarray(nm.mass_weight(H.toarray(), m))
    np.testing.assert_allclose(sparse.mass_weight_sparse(H, m).toarray(), ref, rtol=1e-14)


def test_hvp_operator_equals_dense_hessian_products(ake):
    R = ake[:120]
    energy = enm.anm_energy(R, 15.0)
    op = sparse.hvp_operator(energy, R)
    assert isinstance(op, LinearOperator)
    assert op.shape == (360, 360)
    H = loop_hessian(R, 15.0)  # the energy's Hessian at its reference structure
    rng = np.random.default_rng(0)
    v = rng.standard_normal(360)
    np.testing.assert_allclose(op @ v, H @ v, rtol=0, atol=1e-11)
    for k in (1, 3, 8, 11):  # several column buckets of the vmapped product
        X = rng.standard_normal((360, k))
        np.testing.assert_allclose(op @ X, H @ X, rtol=0, atol=1e-11)


def test_hvp_operator_for_a_non_enm_energy():
    mol = nm.molecules.methane()
    H = np.asarray(nm.hessian(mol.energy, mol.R))
    op = sparse.hvp_operator(mol.energy, mol.R)
    X = np.random.default_rng(1).standard_normal((H.shape[0], 4))
    np.testing.assert_allclose(op.matmat(X), H @ X, rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize(
    ("pairs", "blocks", "error", "match"),
    [
        (np.array([[0, 1]]), np.zeros((2, 3, 3)), ValueError, r"`blocks` must have shape"),
        (np.array([[0, 1.0]]), np.zeros((1, 3, 3)), TypeError, r"integer atom indices"),
        (np.array([[0, 5]]), np.zeros((1, 3, 3)), ValueError, r"outside 0..3"),
        (np.array([[2, 2]]), np.zeros((1, 3, 3)), ValueError, r"couples atom 2 to itself"),
        (np.array([[0, 1], [1, 0]]), np.zeros((2, 3, 3)), ValueError, r"twice"),
        (np.array([0, 1]), np.zeros((1, 3, 3)), ValueError, r"shape \(P, 2\)"),
        (np.array([[0, 1]]), np.full((1, 3, 3), np.nan), ValueError, r"non-finite"),
        (np.array([[0, 1]]), np.zeros((1, 3, 3), np.float32), nm.PrecisionError, r"float32"),
    ],
)
def test_assemble_sparse_bad_input(pairs, blocks, error, match):
    with pytest.raises(error, match=r"assemble_sparse: .*" + match):
        sparse.assemble_sparse(4, pairs, blocks)


def test_other_bad_input():
    with pytest.raises(ValueError, match=r"assemble_sparse: `n_atoms` must be a positive"):
        sparse.assemble_sparse(0, np.zeros((0, 2), int), np.zeros((0, 3, 3)))
    with pytest.raises(ValueError, match=r"kirchhoff_sparse: `gamma` must be a scalar or"):
        sparse.kirchhoff_sparse(3, np.array([[0, 1]]), np.ones(2))
    with pytest.raises(ValueError, match=r"mass_weight_sparse: `H` must be a square"):
        sparse.mass_weight_sparse(np.eye(3), np.ones(1))
    with pytest.raises(ValueError, match=r"anm_hessian_sparse: `method`"):
        sparse.anm_hessian_sparse(cloud(10), 8.0, method="numeric")
    R = cloud(10)
    R[7] = R[2] + 1e-3
    with pytest.raises(ValueError, match=r"anm_hessian_sparse: atoms 2 and 7 of `R` overlap"):
        sparse.anm_hessian_sparse(R, 8.0)


def test_kd_tree_overlap_search_reports_the_first_pair():
    R = cloud(3000, seed=2) * 3
    assert find_overlaps(R) is None
    R[2900] = R[40] + [0, 0, 5e-3]
    R[17] = R[1500] + [0, 4e-3, 0]
    i, j, d = find_overlaps(R)
    assert (i, j) == (17, 1500)
    assert d == pytest.approx(4e-3, rel=1e-9)
