"""Hidden tests of exercise set 09 (instructor material)."""

import numpy as np
import pytest
from jaxnm_exercises import catalog, checks

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex09_large_systems")


@pytest.mark.points(1)
def test_hvp_block_of_the_identity_is_the_water_hessian():
    R = np.asarray(catalog.molecule("water").R)
    HV = checks.as_array(
        ex.hvp_block(catalog.energy("water"), R, np.eye(9)), "hvp_block(water, R, I)", (9, 9)
    )
    ref = catalog.reference_hessian("water")
    # exact derivatives both: rounding only (see the visible tests)
    checks.close(HV, ref, "H I vs the water Hessian", atol=1e-10 * np.abs(ref).max())


@pytest.mark.points(2)
def test_lanczos_on_water_finds_its_invariant_krylov_space():
    R = np.asarray(catalog.molecule("water").R)
    H = catalog.reference_hessian("water")
    lam = np.linalg.eigvalsh(H)
    v0 = np.arange(1.0, 10.0)
    out = ex.lanczos(catalog.energy("water"), R, v0, 4)
    alpha = checks.as_array(checks.field(out, "alpha", "lanczos"), "lanczos(water).alpha", (4,))
    beta = checks.as_array(checks.field(out, "beta", "lanczos"), "lanczos(water).beta", (3,))
    ritz = np.linalg.eigvalsh(np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1))
    # H has 4 distinct eigenvalues (0 six times, three vibrations): the Krylov space of
    # dimension 4 is invariant, so the 4 Ritz values are exactly 0 and the vibrations, up
    # to rounding (≈ 9 ε |H| per step, 1e-9 |H| leaves ≥ 10⁵)
    expected = np.concatenate([[0.0], lam[6:]])
    checks.close(ritz, expected, "Ritz values of 4 steps on water", atol=1e-9 * lam[-1])


@pytest.mark.points(2)
def test_lowest_internal_eigenvalues_of_an_anm_chain():
    rng = np.random.default_rng(7)
    steps = rng.normal(size=(14, 3))
    R = np.cumsum(3.8 * steps / np.linalg.norm(steps, axis=1, keepdims=True), axis=0)
    energy = catalog.energy("anm", R0=R, cutoff=12.0, gamma=1.0)
    H = np.asarray(nm.hessian(energy, R))
    lam = np.linalg.eigvalsh(H)
    assert lam[6] > 1e-6 * lam[-1]  # the instructor's input: rigid, no floppy modes
    D = np.asarray(nm.rigid_body_modes(R, np.ones(len(R))))
    shift = 2.0 * lam[-1]
    got = checks.as_array(
        ex.lowest_internal_eigenvalues(energy, R, D, 5, shift), "lowest (ANM chain)", (5,)
    )
    # see the visible tests: the documented accuracy 1e-10 shift
    checks.close(got, lam[6:11], "ANM chain: lowest internal eigenvalues", atol=1e-10 * shift)
