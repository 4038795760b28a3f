"""Visible tests of exercise set 09: Hessian-vector products, Lanczos, matrix-free modes."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from jaxnm_exercises import checks
from jaxnm_exercises import strategies as S

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex09_large_systems")

N = S.N_ATOMS
P = N * (N - 1) // 2
M = 3  # columns of the blocks
STEPS = 6  # Lanczos steps: fewer than the distinct eigenvalues of the networks below
N_BIG = 8  # atoms of the eigensolver tests: 24 dof, 6 rigid-body, 18 internal
# rest lengths unrelated to R: the structure is not a minimum (a stricter test)
rest = st.lists(st.floats(1.0, 3.0), min_size=P, max_size=P).map(np.array)
vectors = st.lists(st.floats(-1.0, 1.0), min_size=3 * N, max_size=3 * N).map(np.array)
blocks = st.lists(vectors, min_size=M, max_size=M).map(lambda cols: np.stack(cols, axis=1))


def dense(energy, R):
    return np.asarray(nm.hessian(energy, R))


@pytest.mark.points(3)
@given(R=S.positions(), k=S.spring_constants(), r0=rest, V=blocks)
def test_hvp_block_equals_the_dense_product(R, k, r0, V):
    energy = S.spring_network(R, k, r0)
    HV = checks.as_array(ex.hvp_block(energy, R, V), "hvp_block(energy, R, V)", (3 * N, M))
    H = dense(energy, R)
    # Both are exact derivatives evaluated in float64: they differ by rounding, about
    # 3N ε max|H| max|V| ≈ 15 · 2.2e-16 · |H|; 1e-10 |H| leaves a margin of 10⁴, while a
    # finite-difference product (error ≥ 1e-8 relative at its best step) fails.
    checks.close(HV, H @ V, "hvp_block vs H @ V", atol=1e-10 * np.abs(H).max())


def lanczos_checked(energy, R, v0, m):
    out = ex.lanczos(energy, R, v0, m)
    what = f"lanczos(energy, R, v0, {m})"
    Q = checks.as_array(checks.field(out, "Q", what), f"{what}.Q", (3 * len(R), m))
    alpha = checks.as_array(checks.field(out, "alpha", what), f"{what}.alpha", (m,))
    beta = checks.as_array(checks.field(out, "beta", what), f"{what}.beta", (m - 1,))
    return Q, alpha, beta


@pytest.mark.points(4)
@given(R=S.positions(), k=S.spring_constants(), r0=rest, v0=vectors)
def test_lanczos_builds_an_orthonormal_krylov_basis(R, k, r0, v0):
    assume(np.linalg.norm(v0) > 0.1)
    energy = S.spring_network(R, k, r0)
    H = dense(energy, R)
    lam = np.linalg.eigvalsh(H)
    scale = np.abs(lam).max()
    # more distinct eigenvalues than steps: the Krylov space cannot close (beta > 0)
    assume(np.sum(np.diff(lam) > 1e-6 * scale) >= STEPS)
    Q, alpha, beta = lanczos_checked(energy, R, v0, STEPS)
    # q_1 = v0/|v0|: one division, a few ε
    checks.close(Q[:, 0], v0 / np.linalg.norm(v0), "Q[:, 0] vs v0 / |v0|", atol=1e-13)
    # full re-orthogonalisation keeps Qᵀ Q = 1 to O(m ε) ≈ 1e-15 (Parlett, ch. 13);
    # without it the loss of orthogonality grows like ε |H| / β; 1e-12 is a margin of 10³.
    checks.close(Q.T @ Q, np.eye(STEPS), "Q.T @ Q (orthonormal columns)", atol=1e-12)
    if not np.all(beta > 0):
        raise AssertionError(f"lanczos: beta must be > 0 (|w|), got {beta}")
    T = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    # The three-term relation H q_j = β_{j-1} q_{j-1} + α_j q_j + β_j q_{j+1}: each column
    # is one product (rounding ≈ 3N ε |H|) plus the re-orthogonalisation (≈ m ε |H|);
    # 1e-10 |H| leaves ≥ 10³. With Q[:, 0] and orthonormality it pins the Lanczos basis.
    checks.close(H @ Q[:, :-1], Q @ T[:, :-1], "H Q vs Q T (Lanczos relation)", atol=1e-10 * scale)


@pytest.mark.points(3)
@given(R=S.positions(n=N_BIG), k=S.spring_constants(n=N_BIG))
def test_lowest_internal_eigenvalues_match_dense_eigh(R, k):
    energy = S.spring_network(R, k)  # rest lengths = distances: R is a minimum
    H = dense(energy, R)
    lam = np.linalg.eigvalsh(H)
    shift = 2.0 * lam[-1]
    D = np.asarray(nm.rigid_body_modes(R, np.ones(N_BIG)))
    got = checks.as_array(
        ex.lowest_internal_eigenvalues(energy, R, D, 4, shift),
        "lowest_internal_eigenvalues(energy, R, D, 4, shift)",
        (4,),
    )
    # ARPACK/LOBPCG stop at a residual |A x - θ x| of a few ε |A| (|A| ≤ shift), and for a
    # symmetric A each θ is within that residual of an eigenvalue; the products add
    # ≈ 3N ε |H|. 1e-10 shift (the documented accuracy) leaves ≥ 10³.
    checks.close(got, lam[6:10], "lowest internal eigenvalues vs dense eigh", atol=1e-10 * shift)
