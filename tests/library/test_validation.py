"""Bad input gets a clear error naming the argument, never NaN or a silent wrong result."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxnm_course as nm

R3 = np.array([[0.0, 0, 0], [1.0, 0, 0], [0, 1.1, 0]])
H9 = np.eye(9)
M3 = np.ones(3)


def energy(R):
    return jnp.sum(R**2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: nm.hessian(energy, np.zeros((3, 2))), r"`R` must have shape \(N, 3\)"),
        (lambda: nm.hessian(energy, np.zeros(9)), r"flat vector.*reshape\(-1, 3\)"),
        (lambda: nm.hessian(energy, np.zeros((0, 3))), r"N >= 1"),
        (lambda: nm.normal_modes(np.eye(8), np.ones(3), R3), r"`H` must be a square \(3N, 3N\)"),
        (lambda: nm.normal_modes(np.ones((9, 6)), M3, R3), r"`H` must be a square"),
        (
            lambda: nm.normal_modes(np.eye(9).reshape(3, 3, 3, 3), M3, R3),
            r"\(N, 3, N, 3\).*reshape",
        ),
        (lambda: nm.normal_modes(H9, np.ones(4), R3), r"`masses` must have shape \(3,\)"),
        (lambda: nm.normal_modes(H9, np.ones((3, 1)), R3), r"`masses` must have shape"),
        (lambda: nm.normal_modes(H9, M3, R3[:2]), r"`R` has 2 atoms but `H`"),
        (lambda: nm.normal_modes(H9, M3), r"`R`.*project=False"),
    ],
)
def test_wrong_shapes(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_coordinates(bad):
    R = R3.copy()
    R[1, 2] = bad
    with pytest.raises(ValueError, match=r"`R` contains 1 non-finite.*index \(1, 2\)"):
        nm.hessian(energy, R)
    with pytest.raises(ValueError, match=r"`R` contains"):
        nm.normal_modes(H9, M3, R)


def test_non_finite_hessian_and_masses():
    H = H9.copy()
    H[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"`H` contains 1 non-finite value\(s\) \(first: NaN"):
        nm.normal_modes(H, M3, R3)
    with pytest.raises(ValueError, match=r"`masses` contains"):
        nm.normal_modes(H9, [1.0, np.inf, 1.0], R3)


@pytest.mark.parametrize("mass", [0.0, -1.0])
def test_non_positive_masses(mass):
    with pytest.raises(ValueError, match=r"`masses` must be positive.*atom 1"):
        nm.normal_modes(H9, [1.0, mass, 1.0], R3)


def test_overlapping_atoms():
    R = R3.copy()
    R[2] = R[0] + 1e-4
    with pytest.raises(ValueError, match=r"atoms 0 and 2 of `R` overlap"):
        nm.hessian(energy, R)
    with pytest.raises(ValueError, match=r"overlap"):
        nm.normal_modes(H9, M3, R)


def test_overlap_search_is_blocked_and_exact_for_many_atoms():
    from jaxnm_course._validate import find_overlaps

    rng = np.random.default_rng(1)
    R = rng.uniform(0, 200, size=(3000, 3))
    assert find_overlaps(R, tol=1e-6) is None
    R[2917] = R[15] + [0, 0, 5e-3]
    assert find_overlaps(R)[:2] == (15, 2917)


def test_asymmetric_hessian():
    H = H9.copy()
    H[0, 4] = 0.5
    with pytest.raises(ValueError, match=r"`H` is not symmetric.*reshape order"):
        nm.normal_modes(H, M3, R3)


def test_complex_and_non_numeric_input():
    with pytest.raises(TypeError, match=r"`H` is complex"):
        nm.normal_modes(H9.astype(complex), M3, R3)
    with pytest.raises(TypeError, match=r"`R` has dtype"):
        nm.hessian(energy, np.array([["a", "b", "c"]]))
    with pytest.raises(TypeError, match=r"`R` could not be read"):
        nm.hessian(energy, [[0.0, 1.0, 2.0], [1.0]])


def test_value_checks_are_skipped_under_jit_but_shapes_are_not():
    """Inside jit only shapes/dtypes can be checked; the function still runs."""

    @jax.jit
    def f(R):
        return nm.hessian(energy, R)

    np.testing.assert_allclose(f(R3), 2 * np.eye(9))
    with pytest.raises(ValueError, match=r"shape \(N, 3\)"):
        f(np.zeros((3, 2)))
