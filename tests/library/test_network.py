"""The network layer: contacts, buckets, one assembly (dense and CSR), differentiable builders."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxnm_course import network
from tests.references import numpy_anm_hessian, tetrahedron


def cloud(n: int, seed: int = 0) -> np.ndarray:
    """n atoms on a jittered 3.8 Å grid (no overlaps: >= 2.2 Å apart)."""
    rng = np.random.default_rng(seed)
    grid = np.stack(np.meshgrid(*[np.arange(4.0)] * 3, indexing="ij"), -1).reshape(-1, 3)
    return grid[rng.permutation(len(grid))[:n]] * 3.8 + rng.uniform(-0.8, 0.8, (n, 3))


def test_contacts_and_pairs_within_agree_with_brute_force():
    R = cloud(40)
    d = np.linalg.norm(R[:, None] - R[None], axis=-1)
    iu = np.triu_indices(40, 1)
    for cut in (4.0, 7.5):
        np.testing.assert_array_equal(
            network.contact_pairs(R, cut), np.stack(np.nonzero(np.triu(d <= cut, 1)), 1)
        )
        np.testing.assert_array_equal(
            network.pairs_within(R, cut), np.stack(np.nonzero(np.triu(d < cut, 1)), 1)
        )
    assert len(network.pairs_within(R, None)) == len(iu[0])
    assert network.cutoff_margin(10.0, 0.5) == 15.0


def test_buckets_and_padding():
    # 4 sizes per octave: 16..32 in steps of 4 (17 -> 20), 64..128 in steps of 16 (100 -> 112).
    assert [network.bucket_size(n) for n in (0, 16, 17, 100, 1024)] == [16, 16, 20, 112, 1024]
    for n in range(1, 3000, 37):  # < 25 % waste above 16
        assert n <= network.bucket_size(n) <= max(16, 1.25 * n)
    pairs = network.contact_pairs(cloud(20), 6.0)
    padded = network.pad_pairs(pairs)
    assert len(padded) == network.bucket_size(len(pairs))
    np.testing.assert_array_equal(padded[: len(pairs)], pairs)
    assert (padded[len(pairs) :] == [0, 1]).all()


def test_dense_and_csr_assembly_agree_with_the_textbook_loop():
    R = cloud(30, seed=1)
    pairs = network.contact_pairs(R, 7.0)
    k = np.full(len(pairs), 1.7)
    ref = numpy_anm_hessian(R, 7.0, 1.7)
    for method in ("analytic", "autodiff"):
        dense = np.asarray(network.anm_hessian(R, pairs, k, method=method))
        csr = network.anm_hessian(R, pairs, k, method=method, sparse=True).toarray()
        # Each entry is a sum of <= 30 terms of size <= 1.7: rounding <= 1e-13.
        np.testing.assert_allclose(dense, ref, rtol=0, atol=1e-13)
        np.testing.assert_allclose(csr, ref, rtol=0, atol=1e-13)
    K = np.asarray(network.kirchhoff(30, pairs, k))
    Ks = network.kirchhoff(30, pairs, k, sparse=True).toarray()
    H = ref.reshape(30, 3, 30, 3)
    np.testing.assert_allclose(K, np.einsum("iaja->ij", H), atol=1e-13)  # trace of blocks
    np.testing.assert_allclose(Ks, K, atol=0)


def test_builders_are_differentiable_in_coordinates_and_spring_constants():
    # E(R, k) = sum of the lowest nonzero... keep it simple and smooth: f = v^T H(R, k) v.
    R = jnp.asarray(tetrahedron())
    pairs = network.contact_pairs(np.asarray(R), None)
    k = jnp.linspace(1.0, 2.0, len(pairs))
    v = jnp.asarray(np.random.default_rng(0).standard_normal(12))

    @jax.jit
    def f(R, k):
        return v @ network.anm_hessian(R, pairs, k) @ v + jnp.sum(network.kirchhoff(4, pairs, k))

    gR, gk = jax.grad(f, argnums=(0, 1))(R, k)
    # Central differences: truncation O(h^2 f''') ~ 1e-10 at h = 1e-5, rounding ~ eps/h.
    h = 1e-5
    for idx in [(0, 0), (2, 1), (3, 2)]:
        e = jnp.zeros_like(R).at[idx].set(h)
        fd = (f(R + e, k) - f(R - e, k)) / (2 * h)
        assert float(gR[idx]) == pytest.approx(float(fd), rel=1e-7, abs=1e-8)
    e = jnp.zeros_like(k).at[3].set(h)
    assert float(gk[3]) == pytest.approx(float((f(R, k + e) - f(R, k - e)) / (2 * h)), rel=1e-7)
