"""Hidden tests of exercise set 07 (instructor material).

Reference numbers: the first non-zero GNM eigenvalues of ubiquitin 1UBI (Cα, cutoff 10 Å,
γ = 1) computed by ProDy 2.6.1 (shared/data/reference/gnm1ubi_evalues.dat), an independent
code; and the experimental B-factors of 1UBI from the bundled PDB file.
"""

import numpy as np
import pytest
from jaxnm_exercises import checks

from jaxnm_course import load_structure
from jaxnm_course.grading.target import load

ex = load("ex07_gnm")

PRODY_GNM_1UBI = [1.36924, 2.66635, 2.86726, 4.00452, 4.41485, 4.96356, 5.90261]


@pytest.mark.points(2)
def test_ubiquitin_eigenvalues_match_prody():
    R = np.asarray(load_structure("1UBI").R)
    G = checks.as_array(ex.kirchhoff(R, 10.0, 1.0), "kirchhoff(1UBI, 10, 1)", (76, 76))
    lam = checks.as_array(
        checks.field(ex.gnm_modes(G), "eigenvalues", "gnm_modes"), "eigenvalues", (75,)
    )
    checks.close(lam[:7], PRODY_GNM_1UBI, "ProDy's GNM eigenvalues of 1UBI", atol=6e-6)


@pytest.mark.points(1)
def test_ubiquitin_b_factors_correlate_with_experiment():
    s = load_structure("1UBI")
    G = np.asarray(ex.kirchhoff(np.asarray(s.R), 10.0, 1.0))
    B = checks.as_array(ex.b_factors(G, 0.596), "b_factors(1UBI)", (76,))
    r = np.corrcoef(B, s.bfactors)[0, 1]
    assert r > 0.6, f"correlation with the crystallographic B-factors {r:.3f}, expected > 0.6"
