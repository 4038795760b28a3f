"""Visible tests of exercise set 04: Hessians by autodiff, finite differences, HVPs."""

import jax
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import catalog, checks
from jaxnm_exercises import strategies as S

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex04_hessians")

N = S.N_ATOMS
P = N * (N - 1) // 2
# rest lengths unrelated to R: the structure is not a minimum, so the Hessian has the
# tension term too (a stricter test than at a minimum)
rest = st.lists(st.floats(1.0, 3.0), min_size=P, max_size=P).map(np.array)
RESHAPE_HINT = "reshape (N, 3, N, 3) to (3N, 3N)"
# displacement vectors, shape (3N,), entries in [-2.4, 2.4] Å (drawn as such, so that a
# failure prints the v the student's code was given)
displacements = S.positions().map(lambda x: x.reshape(-1) - 2.0)

# Error bound of an autodiff Hessian (used by the tolerances below): each entry is a sum of
# ≤ 4 pair contributions k (d dᵀ/r² + (1 - r0/r)(1 - d dᵀ/r²)), each a few roundings of
# numbers ≤ 50·3/0.7 ≈ 200, so any right implementation (jacfwd/jacrev, per-pair, HVPs)
# is within ~10 ε · 4 · 200 ≈ 1e-12 of another, i.e. ≲ 1e-14 of max|H| (≥ a few
# kcal/mol/Å²). Tolerances 1e-10 (1e-9) × max|H| keep a margin ≥ 1e4 and still see every
# slip that matters (a transposed reshape, a missing ½, zeros, an unsymmetrised FD).


def reference(energy, R):
    return np.asarray(nm.hessian(energy, R))


def pin(H, energy, R, what="hessian"):
    """A property alone is met by H = 0: the values must also be the reference's."""
    # autodiff vs autodiff: ≲ 1e-14 max|H| apart (bound above); atol 1e-9 max|H|
    ref = reference(energy, R)
    checks.close(H, ref, f"{what} vs jaxnm_course.hessian", atol=1e-9 * np.abs(ref).max())


def reference_fd(energy, R, h):
    """The documented central difference of the trusted gradient, unsymmetrised: (3N, 3N)."""
    x0 = R.reshape(-1)
    grad = jax.vmap(lambda x: jax.grad(energy)(x.reshape(R.shape)).reshape(-1))
    steps = h * np.eye(x0.size)
    return np.asarray((grad(x0 + steps) - grad(x0 - steps)) / (2.0 * h))


def gradient_size(R, k, r0, h):
    """Σ over springs of k (|r - r0| + 2h): bounds every term of g at R ± h e_p."""
    pairs = S.all_pairs(N)
    r = np.linalg.norm(R[pairs[:, 1]] - R[pairs[:, 0]], axis=-1)
    return float(np.sum(k * (np.abs(r - r0) + 2.0 * h)))


def student_hessian(fn, energy, R, *args):
    what = f"{fn}(energy, R{', ...' if args else ''})"
    return checks.as_array(
        getattr(ex, fn)(energy, R, *args), what, (3 * N, 3 * N), hint=RESHAPE_HINT
    )


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), r0=rest)
def test_hessian_is_symmetric(R, k, r0):
    energy = S.spring_network(R, k, r0)
    H = student_hessian("hessian", energy, R)
    # jacfwd(jacrev) is symmetric only up to rounding: ≲ 1e-12 absolute (bound above, k ≤ 50
    # so |H| ≲ 1e3): atol 1e-10 (margin 100); a transposed reshape is off by O(|H|)
    checks.close(H, H.T, "H vs H.T (a Hessian is symmetric)", rtol=1e-10, atol=1e-10)
    pin(H, energy, R)


@pytest.mark.points(3)
@given(R=S.positions(), k=S.spring_constants(), r0=rest)
def test_hessian_matches_the_reference_to_1e_10(R, k, r0):
    energy = S.spring_network(R, k, r0)
    H = student_hessian("hessian", energy, R)
    ref = reference(energy, R)
    # ≲ 1e-14 max|H| apart (bound above): atol 1e-10 max|H| for entries ≈ 0, rtol 1e-10
    checks.close(
        H, ref, "hessian vs jaxnm_course.hessian", rtol=1e-10, atol=1e-10 * np.abs(ref).max()
    )


@pytest.mark.points(1)
def test_hessian_of_water():
    energy = catalog.energy("water")
    R = np.asarray(catalog.molecule("water").R)
    H = checks.as_array(ex.hessian(energy, R), "hessian(water)", (9, 9), hint=RESHAPE_HINT)
    ref = catalog.reference_hessian("water")
    # autodiff vs autodiff of the same energy: ≲ 10 ε relative to max|H| (bound above)
    checks.close(H, ref, "water Hessian", rtol=1e-10, atol=1e-10 * np.abs(ref).max())


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), r0=rest, Q=S.rotations(), t=S.translations())
def test_hessian_rotates_as_Q_H_Qt(R, k, r0, Q, t):
    energy = S.spring_network(R, k, r0)
    H = student_hessian("hessian", energy, R)
    H_moved = student_hessian("hessian", energy, R @ Q.T + t)
    B = np.kron(np.eye(N), Q)  # rotates every atom's (x, y, z) block
    # R Qᵀ + t rounds coordinates to ε·25 Å, which moves H by ≲ |∂H/∂R| · 3e-15 ≈ 1e-14
    # relative (∂H/∂R ~ |H| / r, r ≥ 0.7 Å); Q is orthogonal to ~1e-15 and B H Bᵀ adds
    # ~30 ε: ≲ 1e-13 max|H| in all, atol 1e-9 max|H| (margin 1e4)
    checks.close(
        H_moved, B @ H @ B.T, "H of the rotated structure vs Q H Qᵀ", atol=1e-9 * np.abs(H).max()
    )
    pin(H, energy, R)


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), r0=rest, perm=S.permutations())
def test_hessian_permutes_with_the_atoms(R, k, r0, perm):
    pairs = S.all_pairs(N)
    inverse = np.argsort(perm)
    energy = catalog.energy("spring_network", pairs=pairs, k=k, r0=r0)
    relabelled = catalog.energy("spring_network", pairs=inverse[pairs], k=k, r0=r0)
    H = student_hessian("hessian", energy, R)
    H_perm = student_hessian("hessian", relabelled, R[perm])
    idx = (3 * perm[:, None] + np.arange(3)).reshape(-1)
    # the same pair terms summed in another order: ≲ 10 ε max|H| apart, atol 1e-10 max|H|
    checks.close(
        H_perm, H[np.ix_(idx, idx)], "H of relabelled atoms", atol=1e-10 * np.abs(H).max()
    )
    pin(H, energy, R)


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), r0=rest)
def test_hessian_fwd_rev_matches_the_reference(R, k, r0):
    energy = S.spring_network(R, k, r0)
    H = student_hessian("hessian_fwd_rev", energy, R)
    ref = reference(energy, R)
    # forward-over-reverse vs the reference: ≲ 1e-14 max|H| apart (bound above)
    checks.close(H, ref, "jacfwd(jacrev) Hessian", rtol=1e-10, atol=1e-10 * np.abs(ref).max())


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), r0=rest)
def test_finite_differences_agree_to_1e_6(R, k, r0):
    energy = S.spring_network(R, k, r0)
    H = student_hessian("finite_difference_hessian", energy, R, 1e-4)
    ref = reference(energy, R)
    # truncation h²/6 |∇³g| with ∇³g ~ |H| / r (r ≥ 0.7 Å): ≲ h² / r² ≈ 2e-8 max|H|;
    # rounding ε |g| / h with |g| ≲ 30 max|H| Å: ≲ 3e-11 max|H|. Measured worst over 150
    # draws: 2e-9 max|H|; atol 1e-6 max|H| (margin ≥ 50); a missing ½ or a fixed step is off
    # by O(max|H|), a one-sided difference by ~h |∇³g| / 2 ≈ 1e-4 max|H|
    checks.close(H, ref, "finite-difference Hessian (h = 1e-4 Å)", atol=1e-6 * np.abs(ref).max())
    # symmetrised: ½ (C + Cᵀ) is symmetric to the last bit (a + b = b + a in floating point);
    # the central differences C alone differ from Cᵀ by ~h² |∇³g| + ε |g| / h ≈ 1e-7 here
    checks.close(H, H.T, "finite-difference Hessian vs its transpose (symmetrised)", atol=0.0)
    # The step is the argument h: the result is the central difference *at that step*.
    # The h²/6 |∇³g| truncation error (~1e-4 kcal/mol/Å² at h = 1e-2 for these networks)
    # tells the steps apart; two implementations of the same formula differ only by the
    # rounding of g, |δg| ≤ 1e-13 Σ k |r - r0| (≈ 450 ε per term), amplified by 1/h.
    for h in (1e-2, 1e-3):
        size = gradient_size(R, k, r0, h)
        H_h = student_hessian("finite_difference_hessian", energy, R, h)
        C = reference_fd(energy, R, h)
        checks.close(
            H_h, 0.5 * (C + C.T), f"finite-difference Hessian at h = {h} Å", atol=1e-13 * size / h
        )


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), r0=rest, v=displacements)
def test_hessian_vector_product_is_exact(R, k, r0, v):
    energy = S.spring_network(R, k, r0)
    Hv = checks.as_array(
        ex.hessian_vector_product(energy, R, v), "hessian_vector_product", (3 * N,)
    )
    expected = reference(energy, R) @ v
    # jvp of grad vs H @ v: ≲ 15 ε max|H| max|v| apart; max|Hv| ≥ ~1e-2 max|H| max|v| for
    # these v (never a pure translation: distinct grid sites), so atol 1e-10 max|Hv| has
    # margin ≳ 50; a finite-difference HVP is off by ~h ≈ 1e-5 relative
    checks.close(Hv, expected, "H v vs the reference H @ v", atol=1e-10 * np.abs(expected).max())


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants(), r0=rest)
def test_hessian_from_hvps_matches_the_reference(R, k, r0):
    energy = S.spring_network(R, k, r0)
    H = student_hessian("hessian_from_hvps", energy, R)
    ref = reference(energy, R)
    # 3N HVPs, one per column: ≲ 1e-14 max|H| from the reference (bound above)
    checks.close(H, ref, "Hessian from HVPs", rtol=1e-10, atol=1e-10 * np.abs(ref).max())
