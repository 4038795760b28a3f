"""Iterative lowest-mode solvers against dense references; dispatch in anm/gnm; memory.

The reference is numpy.linalg.eigh of the matrix compressed to the complement of the
zero modes (B^T A B with B from a QR of D), which shares no code with the solvers (they
use a shift of D to the top of the spectrum, shift-invert with a Woodbury correction,
Lanczos or LOBPCG). Degenerate eigenvalues are compared as subspaces.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import jaxnm_course as nm
from jaxnm_course import enm, network, solvers, sparse
from jaxnm_course.structures import globular_cloud as cloud

ITERATIVE = ("eigsh", "lanczos", "lobpcg")


def compressed_reference(A: np.ndarray, D: np.ndarray, k: int):
    Q, _ = np.linalg.qr(D, mode="complete")
    complement = Q[:, D.shape[1] :]
    w, U = np.linalg.eigh(complement.T @ A @ complement)
    return w[:k], complement @ U[:, :k]


def assert_same_subspace(V: np.ndarray, W: np.ndarray, tol: float = 1e-7) -> None:
    """All principal angles between span(V) and span(W) are ~0."""
    s = np.linalg.svd(V.T @ W, compute_uv=False)
    assert s.min() > 1 - tol, s.min()


def gap_k(w: np.ndarray, k_max: int) -> int:
    """Largest k <= k_max with a clear gap after eigenvalue k (no split degenerate cluster)."""
    for k in range(k_max, 0, -1):
        if w[k] - w[k - 1] > 1e-6 * abs(w[k]):
            return k
    raise AssertionError("no gap")


@pytest.fixture(scope="module")
def ake_system(adk_closed):
    R = np.asarray(adk_closed.R)
    H = sparse.anm_hessian_sparse(R, 15.0)
    D = np.asarray(nm.rigid_body_modes(R, np.ones(len(R))))
    return R, H, D


@pytest.mark.parametrize("method", ["dense", *ITERATIVE])
def test_1ake_anm_matches_dense_reference(ake_system, method):
    _, H, D = ake_system
    w_ref, V_ref = compressed_reference(H.toarray(), D, 21)
    k = gap_k(w_ref, 20)
    res = solvers.lowest_eigenpairs(H, k, constraints=D, method=method)
    assert res.method == method
    np.testing.assert_allclose(res.eigenvalues, w_ref[:k], rtol=1e-8)
    assert_same_subspace(res.vectors, V_ref[:, :k])
    np.testing.assert_allclose(res.vectors.T @ res.vectors, np.eye(k), atol=1e-10)
    assert np.abs(D.T @ res.vectors).max() < 1e-10
    assert res.residuals.max() < 1e-5


@pytest.fixture(scope="module")
def cubic_lattice():
    """A perfect 5x5x5 cubic lattice: octahedral symmetry, degenerate ANM eigenvalues."""
    g = np.stack(np.meshgrid(*[np.arange(5.0)] * 3, indexing="ij"), -1).reshape(-1, 3) * 3.8
    H = sparse.anm_hessian_sparse(g, 8.0)
    D = np.asarray(nm.rigid_body_modes(g, np.ones(len(g))))
    w, V = compressed_reference(H.toarray(), D, 40)
    return H, D, w, V


@pytest.mark.parametrize("method", ["dense", *ITERATIVE])
def test_degenerate_eigenvalues_give_the_same_subspace(cubic_lattice, method):
    H, D, w_ref, V_ref = cubic_lattice
    k = gap_k(w_ref, 20)
    # The lattice really is degenerate: some eigenvalue below k repeats.
    assert (np.diff(w_ref[:k]) < 1e-9 * w_ref[k]).any()
    res = solvers.lowest_eigenpairs(H, k, constraints=D, method=method)
    np.testing.assert_allclose(res.eigenvalues, w_ref[:k], rtol=1e-8)
    assert_same_subspace(res.vectors, V_ref[:, :k])


@pytest.mark.parametrize("method", ["dense", *ITERATIVE])
def test_gnm_ring_has_analytic_doubly_degenerate_spectrum(method):
    """Nearest-neighbour ring of N nodes: λ_j = 2(1 - cos(2πj/N)), each twice (j < N/2)."""
    n = 400
    pairs = np.stack([np.arange(n), (np.arange(n) + 1) % n], axis=1)
    K = sparse.kirchhoff_sparse(n, pairs)
    D = np.full((n, 1), 1 / np.sqrt(n))
    res = solvers.lowest_eigenpairs(K, 10, constraints=D, method=method, block_size=1)
    j = np.repeat(np.arange(1, 6), 2)
    np.testing.assert_allclose(res.eigenvalues, 2 * (1 - np.cos(2 * np.pi * j / n)), rtol=1e-8)
    # The pair for j = 1 spans {cos(2πi/N), sin(2πi/N)}.
    t = 2 * np.pi * np.arange(n) / n
    basis = np.stack([np.cos(t), np.sin(t)], 1) / np.sqrt(n / 2)
    assert_same_subspace(res.vectors[:, :2], basis)


def test_matrix_free_operator(ake_system):
    R = ake_system[0][:100]
    H = sparse.anm_hessian_sparse(R, 15.0)
    D = np.asarray(nm.rigid_body_modes(R, np.ones(len(R))))
    op = sparse.hvp_operator(enm.anm_energy(R, 15.0), R)
    w_ref, _ = compressed_reference(H.toarray(), D, 10)
    for method in ("lanczos", "lobpcg", "auto"):
        res = solvers.lowest_eigenpairs(op, 8, constraints=D, method=method, tol=1e-9)
        np.testing.assert_allclose(res.eigenvalues, w_ref[:8], rtol=1e-8)
    with pytest.raises(ValueError, match=r"lowest_eigenpairs: method 'eigsh'.*explicit matrix"):
        solvers.lowest_eigenpairs(op, 8, constraints=D, method="eigsh")


def test_non_stationary_hessian_is_compressed_like_the_dense_path():
    """A D != 0 (a Hessian away from the minimum): eigsh's Woodbury correction is exact."""
    R = cloud(90, seed=4)
    energy = enm.anm_energy(R, 9.0)
    R1 = R + np.random.default_rng(5).normal(0, 0.3, R.shape)
    H1 = np.array(nm.hessian(energy, R1))  # tension terms: rotations no longer free
    D = np.asarray(nm.rigid_body_modes(R1, np.ones(len(R1))))
    assert np.abs(H1 @ D).max() > 1e-3
    shift = 1.0 - min(0.0, np.linalg.eigvalsh(H1).min())
    A = H1 + shift * np.eye(len(H1))  # keep it positive definite for shift-invert
    w_ref, V_ref = compressed_reference(A, D, 12)
    k = gap_k(w_ref, 10)
    for method in ("eigsh", "lanczos", "dense"):
        res = solvers.lowest_eigenpairs(sp.csr_array(A), k, constraints=D, method=method)
        np.testing.assert_allclose(res.eigenvalues, w_ref[:k], rtol=1e-8)
        assert_same_subspace(res.vectors, V_ref[:, :k])


@pytest.fixture(scope="module")
def ake_masses(adk_closed):
    s = adk_closed
    return np.asarray(s.R), nm.residue_masses(s.resnames)


@pytest.mark.parametrize("solver", ITERATIVE)
def test_anm_and_gnm_dispatch_agree_with_dense(ake_masses, solver):
    R, m = ake_masses
    ref = enm.anm(R, masses=m, solver="dense")
    got = enm.anm(R, masses=m, solver=solver)
    np.testing.assert_allclose(got.eigenvalues, ref.eigenvalues, rtol=1e-8)
    assert_same_subspace(np.asarray(got.mw_vectors), np.asarray(ref.mw_vectors))
    assert got.n_rigid == ref.n_rigid == 6
    assert float(got.rigid_residual) == pytest.approx(float(ref.rigid_residual), abs=1e-12)
    g_ref = enm.gnm(R, solver="dense")
    g = enm.gnm(R, solver=solver)
    np.testing.assert_allclose(g.eigenvalues, g_ref.eigenvalues, rtol=1e-8)
    assert_same_subspace(np.asarray(g.vectors), np.asarray(g_ref.vectors))


def test_auto_goes_sparse_above_the_threshold_without_a_dense_matrix(monkeypatch):
    R = cloud(700, seed=6)  # 2,100 rows > DENSE_MAX_DOF
    assert 3 * len(R) > solvers.DENSE_MAX_DOF
    ref = enm.anm(R, 15.0, n_modes=10, solver="dense")

    def forbidden(*args, **kwargs):
        raise AssertionError("a dense Hessian was formed")

    # The one dense assembly (network) and the one dense eigen-solve (solvers).
    monkeypatch.setattr(network._springs, "assemble_dense", forbidden)
    monkeypatch.setattr(solvers, "_dense", forbidden)
    got = enm.anm(R, 15.0, n_modes=10)
    np.testing.assert_allclose(got.eigenvalues, ref.eigenvalues, rtol=1e-8)
    auto = enm.anm(R, 15.0, n_modes=10, method="autodiff")
    np.testing.assert_allclose(auto.eigenvalues, ref.eigenvalues, rtol=1e-8)
    assert solvers.choose_method(2100) == "lanczos"
    assert solvers.choose_method(10**5) == "lanczos"
    assert solvers.choose_method(5000, "operator") == "lanczos"
    assert solvers.choose_method(900) == "dense"


def test_bad_input(ake_system, ubiquitin):
    _, H, D = ake_system
    f = "lowest_eigenpairs: "
    with pytest.raises(ValueError, match=f + r"`method` must be one of"):
        solvers.lowest_eigenpairs(H, 5, constraints=D, method="qr")
    with pytest.raises(ValueError, match=f + r"`k` must be an integer from 1 to n - c = 636"):
        solvers.lowest_eigenpairs(H, 637, constraints=D)
    with pytest.raises(ValueError, match=f + r"`k`"):
        solvers.lowest_eigenpairs(H, 0, constraints=D)
    with pytest.raises(ValueError, match=f + r"the columns of `constraints` must be orthonormal"):
        solvers.lowest_eigenpairs(H, 5, constraints=2 * D)
    with pytest.raises(ValueError, match=f + r"`constraints` must have shape \(642, c\)"):
        solvers.lowest_eigenpairs(H, 5, constraints=D[:100])
    bad = H.toarray()
    bad[0, 5] += 1.0
    with pytest.raises(ValueError, match=f + r"`A` is not symmetric"):
        solvers.lowest_eigenpairs(bad, 5, constraints=D)
    bad = H.copy()
    bad.data[3] = np.nan
    with pytest.raises(ValueError, match=f + r"`A` contains NaN"):
        solvers.lowest_eigenpairs(bad, 5, constraints=D)
    with pytest.raises(nm.PrecisionError, match=f + r"`A` is float32"):
        solvers.lowest_eigenpairs(H.toarray().astype(np.float32), 5)
    with pytest.raises(ValueError, match=f + r"`A` must be a square matrix"):
        solvers.lowest_eigenpairs(np.ones((4, 3)), 1)
    with pytest.raises(TypeError, match=f + r"`A` must be a real matrix"):
        solvers.lowest_eigenpairs("matrix", 1)
    with pytest.raises(ValueError, match=r"anm: `solver` must be one of"):
        enm.anm(np.asarray(ubiquitin.R), solver="arpack")
    with pytest.raises(ValueError, match=r"anm: `method` must be 'analytic' or 'autodiff'"):
        enm.anm(np.asarray(ubiquitin.R), method="fd")


def _data_file() -> Path | None:
    folder = os.environ.get("JAXNM_DATA_DIR")
    if folder and (Path(folder) / "4v8r.pdb").is_file():
        return Path(folder)
    return None


@pytest.mark.slow
def test_4v8r_anm_20_modes_within_2_gb():
    """The 16,716-residue 4V8R assembly (50,148 rows): sparse path, peak RSS of a fresh process."""
    folder = _data_file()
    if folder is None:
        if os.environ.get("JAXNM_REQUIRE_DATA") == "1":
            pytest.fail("JAXNM_REQUIRE_DATA=1 but JAXNM_DATA_DIR does not hold 4v8r.pdb")
        pytest.skip("4v8r.pdb not found: set JAXNM_DATA_DIR to shared/data/structures")
    script = textwrap.dedent(
        """
        import jax
        jax.config.update("jax_enable_x64", True)
        import numpy as np
        import jaxnm_course as nm
        s = nm.load_structure("4v8r")
        modes = nm.enm.anm(s.R, 15.0, n_modes=20)
        w = np.asarray(modes.eigenvalues)
        V = np.asarray(modes.vectors)
        # VmHWM: this process's own peak RSS. (ru_maxrss is kept across execve on Linux, so
        # in a child of a big pytest process it reports the parent's size at the fork.)
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        assert s.n_residues == 16716 and w.shape == (20,) and modes.n_rigid == 6
        assert V.shape == (50148, 20)
        # Independent check: residuals with the Hessian-vector products of the ANM energy
        # (autodiff of E, not the analytic blocks the solver used), one column at a time.
        hv = nm.sparse.hvp_operator(nm.enm.anm_energy(s.R, 15.0), s.R)
        residual = max(np.linalg.norm(hv.matvec(V[:, k]) - w[k] * V[:, k]) for k in range(20))
        D = np.asarray(nm.rigid_body_modes(s.R, np.ones(16716)))
        print(float(w[0]), float(w[-1]), float(residual), float(np.abs(D.T @ V).max()), peak)
        """
    )
    env = dict(os.environ, JAXNM_DATA_DIR=str(folder), JAXNM_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    w0, w19, residual, leak, peak_kib = (float(x) for x in out.stdout.split())
    limit = 2 * 1024 * 1024  # KiB
    assert peak_kib < limit, f"anm peak RSS {peak_kib / 1024:.0f} MiB > 2 GiB"
    assert 0 < w0 < w19
    assert residual < 1e-6 * w0  # eigenpairs of the energy's Hessian to ~1e-6 of λ_1
    assert leak < 1e-8  # orthogonal to the rigid-body motions
