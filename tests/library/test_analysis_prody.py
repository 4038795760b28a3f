"""ProDy as an oracle for the analysis functions: the same modes in, the same numbers out.

ProDy 2.6.1 builds ANM (cutoff 15 Å) and GNM (cutoff 10 Å) models of ubiquitin's Cα atoms
(coordinates read by our :func:`load_structure`); its eigenvalues and vectors are handed
to :mod:`jaxnm_course.analysis`, and every result is compared with ProDy's own function.
ProDy's GNM covariance and square fluctuations omit the factor 3 of ⟨ΔR²⟩ (they are the
diagonal of Γ⁻¹), so ours are divided by 3 before the comparison.
"""

from __future__ import annotations

import numpy as np
import pytest

from jaxnm_course import analysis as an

pytestmark = pytest.mark.oracle

RTOL = 1e-8


@pytest.fixture(scope="module")
def ubi(prody, ubiquitin):
    s = ubiquitin
    anm = prody.ANM("1ubi")
    anm.buildHessian(s.R, cutoff=15.0, gamma=1.0)
    anm.calcModes(n_modes=30)
    anm12 = prody.ANM("1ubi-12")
    anm12.buildHessian(s.R, cutoff=12.0, gamma=1.0)
    anm12.calcModes(n_modes=10)
    gnm = prody.GNM("1ubi")
    gnm.buildKirchhoff(s.R, cutoff=10.0, gamma=1.0)
    gnm.calcModes(n_modes=None)
    return s, anm, anm12, gnm


def arrays(model):
    return (np.array(model.getEigvals()), np.array(model.getArray()))


def close(a, b, rtol=RTOL):
    a, b = np.asarray(a), np.asarray(b)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


def test_square_fluctuations_match_prody(prody, ubi):
    _, anm, _, gnm = ubi
    close(an.square_fluctuations(arrays(anm), dim=3), prody.calcSqFlucts(anm))
    close(an.square_fluctuations(arrays(gnm), dim=1) / 3, prody.calcSqFlucts(gnm))
    close(an.square_fluctuations(arrays(anm), dim=3, n_modes=5), prody.calcSqFlucts(anm[:5]))


def test_bfactors_scaled_like_prody_calc_temp_factors(prody, ubi):
    s, _, _, gnm = ubi
    atoms = prody.AtomGroup("ca")
    atoms.setCoords(s.R)
    atoms.setBetas(s.bfactors)
    B = np.asarray(an.bfactors(an.square_fluctuations(arrays(gnm), dim=1)))
    # ProDy scales the fluctuations so that the B-factors have the experimental sum
    close(B * s.bfactors.sum() / B.sum(), prody.calcTempFactors(gnm, atoms))


def test_covariance_and_cross_correlation_match_prody(prody, ubi):
    _, anm, _, gnm = ubi
    close(an.covariance(arrays(anm), dim=3), prody.calcCovariance(anm))
    close(an.covariance(arrays(gnm), dim=1) / 3, prody.calcCovariance(gnm))
    close(an.cross_correlation(arrays(anm), dim=3), prody.calcCrossCorr(anm))
    close(an.cross_correlation(arrays(gnm), dim=1), prody.calcCrossCorr(gnm))


def test_overlaps_and_rmsip_match_prody(prody, ubi):
    s, anm, anm12, _ = ubi
    V15, V12 = arrays(anm)[1][:, :10], arrays(anm12)[1]
    close(an.overlap(V15, V12), prody.calcOverlap(anm[:10], anm12))
    d = np.random.default_rng(0).normal(size=3 * s.n_residues)
    close(an.cumulative_overlap(arrays(anm)[1], d), prody.calcCumulOverlap(prody.Vector(d), anm))
    close(an.rmsip(V15, V12), prody.calcSubspaceOverlap(anm[:10], anm12))
    assert 0.5 < float(an.rmsip(V15, V12)) < 1.0  # similar but not identical subspaces


def test_collectivity_matches_prody(prody, ubi):
    _, anm, _, gnm = ubi
    close(an.collectivity(arrays(anm)[1], dim=3), prody.calcCollectivity(anm))
    close(an.collectivity(arrays(gnm)[1][:, :10], dim=1), prody.calcCollectivity(gnm[:10]))
