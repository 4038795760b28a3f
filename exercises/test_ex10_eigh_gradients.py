"""Visible tests of exercise set 10: eigenvalue derivatives, degeneracy, zero modes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import checks

from jaxnm_course.grading.target import load

ex = load("ex10_eigh_gradients")

n = 6  # matrix size: fixed, so that JAX compiles once
EPS = float(np.finfo(np.float64).eps)
# eigenvalue gaps in [0.1, 2]: every eigenvalue simple, |λ| ≤ 12, gap ≥ 0.1
gaps = st.lists(st.floats(0.1, 2.0), min_size=n, max_size=n).map(np.array)
square = st.lists(st.floats(-1.0, 1.0), min_size=n * n, max_size=n * n).map(
    lambda v: np.reshape(v, (n, n))
)


def orthogonal(A):
    """An orthogonal matrix from a square one (QR; the identity if A is singular)."""
    Q, Rr = np.linalg.qr(A + 3.0 * np.eye(len(A)))  # + 3 I: well conditioned
    return Q * np.sign(np.diag(Rr))


def symmetric(A):
    return 0.5 * (A + A.T)


# Tolerance of everything below. eigh's eigenvectors of a simple eigenvalue (or a cluster)
# are off by an angle θ ≤ c n ε |H| / gap (Davis–Kahan; c ≈ 10 for LAPACK), here
# ≤ 10 · 6 · 2.2e-16 · 12 / 0.1 ≈ 1.6e-12; a derivative vᵀ dH v then moves by ≤ 2 θ |dH|
# and v vᵀ by ≤ 2 θ. 1e-10 |dH| (or 1e-10) leaves a margin of 30.
TOL = 1e-10


@pytest.mark.points(3)
@given(g=gaps, A=square, B=square, i=st.integers(0, n - 1))
def test_eigenvalue_derivative_is_v_dH_v(g, A, B, i):
    Q = orthogonal(A)
    H = Q @ np.diag(np.cumsum(g)) @ Q.T
    dH = symmetric(B)
    d = checks.as_float(ex.eigenvalue_derivative(H, dH, i), f"eigenvalue_derivative(H, dH, {i})")
    expected = Q[:, i] @ dH @ Q[:, i]
    checks.close(d, expected, "dλ_i vs v_iᵀ dH v_i", atol=TOL * np.abs(dH).sum())


@pytest.mark.points(3)
@given(g=gaps, A=square, i=st.integers(0, n - 1))
def test_eigenvalue_gradient_is_the_projector(g, A, i):
    Q = orthogonal(A)
    H = Q @ np.diag(np.cumsum(g)) @ Q.T
    G = checks.as_array(ex.eigenvalue_gradient(H, i), f"eigenvalue_gradient(H, {i})", (n, n))
    checks.close(G, np.outer(Q[:, i], Q[:, i]), "∂λ_i/∂H vs v_i v_iᵀ", atol=TOL)


def _with_a_triple(drawn):
    """A spectrum (ascending) whose eigenvalues first, first + 1, first + 2 are equal."""
    g, first = drawn
    lam = np.cumsum(g)
    lam[first : first + 3] = lam[first]  # still ascending; gaps ≥ 0.1 to the others
    return lam, first


spectra_with_a_triple = st.tuples(gaps, st.integers(0, n - 3)).map(_with_a_triple)


@pytest.mark.points(3)
@given(spectrum=spectra_with_a_triple, A=square, B=square)
def test_degenerate_cluster_splits_by_the_projected_eigenvalues(spectrum, A, B):
    lam, first = spectrum
    count = 3
    Q = orthogonal(A)
    H = Q @ np.diag(lam) @ Q.T
    dH = symmetric(B)
    d = checks.as_array(
        ex.degenerate_eigenvalue_derivatives(H, dH, first, count),
        f"degenerate_eigenvalue_derivatives(H, dH, {first}, 3)",
        (count,),
    )
    Qc = Q[:, first : first + count]
    expected = np.linalg.eigvalsh(Qc.T @ dH @ Qc)  # basis-independent: any basis of the space
    # the cluster's eigenspace from eigh is off by θ (see TOL), its projected 3 × 3 matrix
    # by ≤ 2 θ |dH|
    checks.close(d, expected, "split of a triple eigenvalue", atol=TOL * np.abs(dH).sum())


nodes = 6
all_pairs = np.array(np.triu_indices(nodes, 1)).T  # a complete graph: connected
springs = st.lists(st.floats(0.5, 5.0), min_size=len(all_pairs), max_size=len(all_pairs)).map(
    np.array
)


def kirchhoff(k, pairs, size):
    G = np.zeros((size, size))
    for (a, b), kp in zip(pairs, k, strict=True):
        G[a, a] += kp
        G[b, b] += kp
        G[a, b] -= kp
        G[b, a] -= kp
    return G


@pytest.mark.points(4)
@given(k=springs, j=st.integers(0, nodes - 1))
def test_fluctuation_and_gradient(k, j):
    out = ex.fluctuation_and_gradient(nodes, all_pairs, k, j)
    what = f"fluctuation_and_gradient({nodes}, pairs, k, {j})"
    if not isinstance(out, tuple | list) or len(out) != 2:
        raise AssertionError(f"{what} returned {type(out).__name__}; expected (f_j, gradient)")
    f = checks.as_float(out[0], f"{what}[0]")
    grad = checks.as_array(out[1], f"{what}[1]", (len(all_pairs),))
    Gp = np.linalg.pinv(kirchhoff(k, all_pairs, nodes))
    # dΓ⁺ = -Γ⁺ dΓ Γ⁺ (the zero mode does not move), dΓ = (e_a - e_b)(e_a - e_b)ᵀ dk_p:
    expected = -((Gp[j, all_pairs[:, 0]] - Gp[j, all_pairs[:, 1]]) ** 2)
    # The complete graph with k in [0.5, 5] has non-zero eigenvalues in [3, 30]: condition
    # number ≤ 10, so the inverse (and pinv) are accurate to ≈ 10 n ε relative; 1e-10
    # relative leaves a margin of 10⁴.
    checks.close(f, Gp[j, j], "f_j vs numpy.linalg.pinv", rtol=1e-10)
    checks.close(grad, expected, "∂f_j/∂k vs -(Γ⁺_ja - Γ⁺_jb)²", atol=1e-10 * Gp[j, j] ** 2)
