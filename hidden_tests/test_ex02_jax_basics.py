"""Hidden tests of exercise set 02 (instructor material: not in the student release)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jaxnm_exercises import checks

from jaxnm_course.grading.target import load

ex = load("ex02_jax_basics")

B = 6
lengths = st.lists(st.floats(0.5, 3.0), min_size=B, max_size=B).map(np.array)


@pytest.mark.points(2)
@given(r=lengths, r0=lengths, perm=st.permutations(list(range(B))).map(np.array))
def test_spring_energy_is_invariant_under_relabelling(r, r0, perm):
    k = np.linspace(1.0, 6.0, B)
    E = checks.as_float(ex.spring_energy(r, k, r0), "spring_energy")
    E_perm = checks.as_float(ex.spring_energy(r[perm], k[perm], r0[perm]), "spring_energy")
    # the same 6 non-negative terms summed in another order: ≤ 2 (B - 1) ε ≈ 1.3e-15 relative
    # apart; the formula itself to (B + 4) ε ≈ 2e-15 relative: rtol 1e-12 (margin ~500)
    checks.close(E_perm, E, "energy of relabelled springs", rtol=1e-12)
    # Invariance alone is met by a constant: the energy must also be the sum over springs.
    checks.close(E, 0.5 * np.sum(k * (r - r0) ** 2), "sum of ½ k (r - r0)²", rtol=1e-12)


@pytest.mark.points(2)
@given(r=lengths, r0=lengths)
def test_forces_are_consistent_with_energy_differences(r, r0):
    k = 3.0
    F = checks.as_array(ex.spring_forces(r, k, r0), "spring_forces", (B,))
    h = 1e-5
    # E is quadratic in r_b: the central difference has no truncation error (E‴ = 0). Its
    # rounding: E(r ± e) = Σ of 6 terms ≤ ½·3·2.5² each, so E ≤ 57 and each carries
    # ≤ 5 ε E ≈ 3e-14; the difference over 2h is off by ≤ 6e-14 / 2e-5 = 3e-9, under
    # atol 1e-8 (margin 3, worst case; rtol 1e-6 adds |F| 1e-6 where F is not ≈ 0)
    for b in range(B):
        e = np.zeros(B)
        e[b] = h
        dE = checks.as_float(ex.spring_energy(r + e, k, r0), "spring_energy") - checks.as_float(
            ex.spring_energy(r - e, k, r0), "spring_energy"
        )
        checks.close(F[b], -dE / (2 * h), f"force {b} vs -dE/dr", rtol=1e-6, atol=1e-8)
    # Consistency alone is met by zero energies and forces: the forces must be Hooke's law.
    # as in the visible force test: ≤ 3 ε relative per entry (rtol 1e-12, atol for F ≈ 0)
    checks.close(F, -k * (r - r0), "-k (r - r0)", rtol=1e-12, atol=1e-12)
