"""Hidden tests of exercise set 05 (instructor material)."""

import numpy as np
import pytest
from hypothesis import given
from jaxnm_exercises import catalog, checks
from jaxnm_exercises import strategies as S

import jaxnm_course as nm
from jaxnm_course.grading.target import load

ex = load("ex05_normal_modes")
N = S.N_ATOMS


def wavenumber_tolerance(nu, scale, rtol):
    """|ν̃ - ν̃_ref| bound: rtol |ν̃| + min(c² δλ / 2|ν̃|, 2c sqrt(δλ)), δλ = 1e-13 ‖H_mw‖.

    The same derivation as in the visible tests (eigensolver backward error through the
    square root's conditioning).
    """
    c = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE
    d_lam = 1e-13 * scale
    nu = np.abs(np.asarray(nu))
    lipschitz = np.divide(c * c * d_lam, 2.0 * nu, out=np.full_like(nu, np.inf), where=nu > 0)
    return rtol * nu + np.minimum(lipschitz, 2.0 * c * np.sqrt(d_lam))


def wavenumbers(H, m):
    out = ex.normal_modes(H, m)
    return checks.as_array(
        checks.field(out, "frequencies", "normal_modes"), "frequencies", (3 * N,)
    )


@pytest.mark.points(2)
@given(
    R=S.positions(), k=S.spring_constants(), m=S.masses(), Q=S.rotations(), perm=S.permutations()
)
def test_frequencies_invariant_under_rotation_and_relabelling(R, k, m, Q, perm):
    H = np.asarray(nm.hessian(S.spring_network(R, k), R))
    nu = wavenumbers(H, m)
    B = np.kron(np.eye(N), Q)
    idx = (3 * perm[:, None] + np.arange(3)).reshape(-1)
    nu2 = wavenumbers((B @ H @ B.T)[np.ix_(idx, idx)], m[perm])
    vib = np.abs(nu) > 1.0
    # B H Bᵀ permuted is H up to ~30 ε ‖H‖ (Q orthogonal to ~1e-15), then two eigensolvers:
    # wavenumber_tolerance with 2 ‖H_mw‖ on top of rtol 1e-8 (a fixed rtol alone fails a
    # right answer for a mode of a few cm⁻¹: δν̃ / ν̃ = δλ / 2λ)
    m3 = np.repeat(m, 3)
    scale = float(np.abs(np.linalg.eigvalsh(H / np.sqrt(np.outer(m3, m3)))).max())
    tol = wavenumber_tolerance(nu[vib], 2.0 * scale, 1e-8)
    checks.close(
        nu2[vib], nu[vib], "frequencies of the rotated, relabelled molecule", rtol=0.0, atol=tol
    )
    # invariance alone is met by a constant: the values must also be the reference's
    ref = np.asarray(nm.normal_modes(H, m, project=False).frequencies)
    tol = wavenumber_tolerance(ref[vib], scale, 1e-9)
    checks.close(nu[vib], ref[vib], "wavenumbers vs the reference", rtol=0.0, atol=tol)


# ---- rigid-body modes
@pytest.mark.points(2)
def test_diatomic_has_one_vibration_at_sqrt_k_over_mu():
    mol = catalog.molecule("diatomic", symbols=("2H", "35Cl"))
    H = catalog.reference_hessian("diatomic", symbols=("2H", "35Cl"))
    R, m = np.asarray(mol.R), np.asarray(mol.masses)
    nu = checks.as_array(ex.vibrational_wavenumbers(H, m, R), "vibrational_wavenumbers(DCl)", (1,))
    mu = m[0] * m[1] / (m[0] + m[1])
    expected = nm.units.WAVENUMBER_PER_SQRT_EIGENVALUE * np.sqrt(mol.parameters["k"] / mu)
    # one vibration of a diatomic at rest, projected: ≲ 1e-15 relative (a few roundings and a
    # 6 × 6 eigensolver); rtol 1e-9 (margin 1e5; the 1H mass for 2H is 30 % off)
    checks.close(nu, [expected], "DCl: sqrt(k / μ) / (2π c)", rtol=1e-9)
