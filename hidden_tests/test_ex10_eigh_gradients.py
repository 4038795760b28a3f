"""Hidden tests of exercise set 10 (instructor material)."""

import numpy as np
import pytest
from jaxnm_exercises import checks

from jaxnm_course.grading.target import load

ex = load("ex10_eigh_gradients")


@pytest.mark.points(1)
def test_eigenvalue_derivative_by_finite_differences():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(5, 5))
    H = A + A.T + np.diag(np.arange(5.0) * 3)
    B = rng.normal(size=(5, 5))
    dH = B + B.T
    h = 1e-5
    for i in (0, 4):
        d = checks.as_float(
            ex.eigenvalue_derivative(H, dH, i), f"eigenvalue_derivative(H, dH, {i})"
        )
        lp, lm = np.linalg.eigvalsh(H + h * dH)[i], np.linalg.eigvalsh(H - h * dH)[i]
        # central difference: truncation h² |λ'''| / 6 (λ''' ≲ |dH|³/gap² ≈ 1e3 here:
        # ≲ 2e-8) plus rounding ε |H| / h ≈ 4e-10; 1e-6 covers both
        checks.close(d, (lp - lm) / (2 * h), f"dλ_{i} vs finite differences", atol=1e-6)


@pytest.mark.points(2)
def test_fluctuation_of_a_chain_end():
    n = 8
    pairs = np.array([(i, i + 1) for i in range(n - 1)])
    k = np.linspace(1.0, 2.0, n - 1)
    out = ex.fluctuation_and_gradient(n, pairs, k, 0)
    f = checks.as_float(out[0], "fluctuation_and_gradient(chain)[0]")
    grad = checks.as_array(out[1], "fluctuation_and_gradient(chain)[1]", (n - 1,))
    # A free chain: x_i - x_0 = Σ_{p<i} δ_p with independent stretches δ_p of variance
    # 1/k_p, so x_0 - mean(x) = -Σ_p c_p δ_p with c_p = (n - 1 - p)/n (the fraction of
    # nodes beyond spring p) and [Γ⁺]_00 = Σ_p c_p² / k_p; its derivative in k_p is
    # -(c_p / k_p)².
    c = (n - 1 - np.arange(n - 1)) / n
    checks.close(f, np.sum(c**2 / k), "end fluctuation of a chain", rtol=1e-10)
    checks.close(grad, -((c / k) ** 2), "its gradient", rtol=1e-9)
