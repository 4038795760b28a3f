"""Hidden tests of exercise set 04 (instructor material)."""

import numpy as np
import pytest
from hypothesis import given
from jaxnm_exercises import catalog, checks
from jaxnm_exercises import strategies as S

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex04_hessians")
N = S.N_ATOMS


@pytest.mark.points(2)
def test_lj4_hessian():
    mol = catalog.molecule("lj_cluster", n=4)
    H = checks.as_array(
        ex.hessian(catalog.energy("lj_cluster", n=4), np.asarray(mol.R)), "hessian(LJ4)", (12, 12)
    )
    ref = catalog.reference_hessian("lj_cluster", n=4)
    # autodiff of 6 LJ pairs at the minimum: each entry ≲ 40 ε of its largest pair term,
    # ≲ 1e-14 max|H| apart; rtol 1e-10 and atol 1e-10 max|H| (margin 1e4)
    checks.close(H, ref, "LJ4 Hessian", rtol=1e-10, atol=1e-10 * np.abs(ref).max())


@pytest.mark.points(2)
@given(R=S.positions(), k=S.spring_constants())
def test_translations_are_in_the_null_space(R, k):
    H = checks.as_array(ex.hessian(S.spring_network(R, k), R), "hessian", (3 * N, 3 * N))
    T = np.kron(np.ones((N, 1)), np.eye(3))  # the three rigid translations
    # H t sums the blocks of a row, 0 in exact arithmetic; rounding ≲ 3N ε max|H| ≈ 3e-15
    # max|H|: atol 1e-10 max|H| (margin 3e4); a wrong tension term leaves O(k) here
    checks.close(
        H @ T,
        np.zeros_like(T),
        "H t (no force on a rigid translation)",
        atol=1e-10 * np.abs(H).max(),
    )
    # H = 0 has every translation in its null space: the values must be the reference's
    ref = np.asarray(nm.hessian(S.spring_network(R, k), R))
    # autodiff vs autodiff: ≲ 1e-14 max|H| apart (see the visible tests), atol 1e-9 max|H|
    checks.close(H, ref, "hessian vs jaxnm_course.hessian", atol=1e-9 * np.abs(ref).max())
