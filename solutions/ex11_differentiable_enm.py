r"""Exercise set 11: a differentiable Gaussian network model, fitted to B-factors.

A GNM with a hard cutoff is a step function of the cutoff and of the coordinates: its
derivatives are zero or undefined. Replace the cutoff by a logistic switch of width w,

.. math:: s(r; r_c, w) = \frac{1}{1 + e^{(r - r_c)/w}},

and give each residue a stiffness scale e^{θ_i}. Every pair i < j (all of them) is a spring

.. math:: k_{ij} = e^{\theta_i + \theta_j}\, s(r_{ij}; r_c, w), \qquad
          \Gamma_{ij} = -k_{ij}\ (i \ne j), \qquad \Gamma_{ii} = \sum_{j \ne i} k_{ij} .

Γ has one zero eigenvalue (the uniform vector 1). Its pseudo-inverse needs no eigenvalue
threshold, which would not be differentiable: with the projector P0 = 11ᵀ/N onto the zero
mode, for any c > 0 (take c = tr Γ / (N - 1), the mean non-zero eigenvalue)

.. math:: \Gamma^+ = (\Gamma + c P_0)^{-1} - P_0 / c ,

a plain matrix inverse, smooth in Γ even where eigenvalues are degenerate. The predicted
B-factors (γ = 1, kT = 1) and their Pearson correlation with experiment are

.. math:: B_i = 8\pi^2 [\Gamma^+]_{ii}, \qquad
          r = \frac{\sum_i (B_i - \bar B)(B^{exp}_i - \bar B^{exp})}
          {\sqrt{\sum_i (B_i - \bar B)^2 \sum_i (B^{exp}_i - \bar B^{exp})^2}} .

r is a smooth function of r_c, w and θ, so ``jax.grad`` gives ∂r/∂r_c and ∂r/∂θ, and
gradient *ascent* on θ fits the stiffness profile to the experimental B-factors. Your
functions return numbers and arrays (never functions): compute the gradient with
``jax.grad`` (or ``jax.value_and_grad``) inside your function and return it.

Units: Å (R, r_c, w), θ dimensionless, B in Å² (in units of kT/γ), r dimensionless.
Run ``pytest exercises -m ex11``.
Reference: I. Bahar, A. R. Atilgan, B. Erman, "Direct evaluation of thermal fluctuations
in proteins using a single-parameter harmonic potential", Fold. Des. 2, 173 (1997);
A. Ben-Israel, T. N. E. Greville, *Generalized Inverses* (2003), ch. 1; the course
chapter "Differentiable elastic networks".
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

__all__ = [
    "CorrelationGradient",
    "FitResult",
    "SpringFit",
    "bfactor_correlation",
    "correlation_gradient",
    "fit_log_scales",
    "fit_spring_model",
    "gnm_pseudo_inverse",
    "smooth_kirchhoff",
    "smooth_switch",
]


class CorrelationGradient(NamedTuple):
    """The correlation r and its derivatives.

    Attributes:
        r: Pearson r, float64 scalar.
        d_cutoff: ∂r/∂r_c, float64 scalar, 1/Å.
        d_log_scales: ∂r/∂θ, shape (N,), float64.
    """

    r: jnp.ndarray
    d_cutoff: jnp.ndarray
    d_log_scales: jnp.ndarray


class FitResult(NamedTuple):
    """Result of :func:`fit_log_scales`.

    Attributes:
        log_scales: the fitted θ, shape (N,), float64.
        r_before: r at θ = 0, float64 scalar.
        r_after: r at the fitted θ, float64 scalar.
    """

    log_scales: jnp.ndarray
    r_before: jnp.ndarray
    r_after: jnp.ndarray


class SpringFit(NamedTuple):
    """Result of :func:`fit_spring_model`.

    Attributes:
        params: the fitted (θ0, θ1), shape (2,), float64.
        loss_before: the loss at the initial parameters, float64 scalar.
        loss_after: the loss at the fitted parameters, float64 scalar.
        gradient: ∂loss/∂(θ0, θ1) at the initial parameters, shape (2,), float64.
    """

    params: jnp.ndarray
    loss_before: jnp.ndarray
    loss_after: jnp.ndarray
    gradient: jnp.ndarray


def smooth_switch(r, cutoff, width):
    """The logistic switch s(r) = 1 / (1 + exp((r - r_c) / w)).

    Args:
        r: distances, any shape, Å.
        cutoff: r_c, Å.
        width: w, Å, > 0.

    Returns:
        s, shape of r, float64, in [0, 1]: 1/2 at r = r_c, → 1 inside, → 0 outside.
    """
    # HINT: A logistic function of (r_c - r) / w: 1 inside, 0 outside, smooth in between.
    # HINT: Chapter 11, "A smooth cutoff"; jax.nn.sigmoid(x) = 1 / (1 + exp(-x)) never overflows.
    # HINT: jax.nn.sigmoid((cutoff - r) / ...)
    # BEGIN SOLUTION
    r = jnp.asarray(r, dtype=jnp.float64)
    return jax.nn.sigmoid((cutoff - r) / width)
    # END SOLUTION


def smooth_kirchhoff(R, cutoff, width, log_scales):
    """The Kirchhoff matrix Γ of the smooth network (all pairs, springs k_ij above).

    Args:
        R: Cα coordinates, shape (N, 3), Å.
        cutoff: r_c, Å.
        width: w, Å.
        log_scales: θ, shape (N,) (zeros: every residue equally stiff).

    Returns:
        Γ, shape (N, N), float64: symmetric, rows sum to zero.
    """
    # HINT: Springs between all pairs, weighted by the switch and by exp(θ_i + θ_j); the diagonal
    # is minus the row sum.
    # HINT: Chapter 11, "A smooth cutoff"; broadcasting for all distances and for θ[:, None] +
    # θ[None, :]; s(0) is not 0: leave out i == j (jnp.eye) before summing the rows.
    # HINT: k = jnp.where(jnp.eye(n, dtype=bool), 0.0, k); then jnp.diag(jnp.sum(k, axis=1)) - k
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    theta = jnp.asarray(log_scales, dtype=jnp.float64)
    d = jnp.sqrt(jnp.sum((R[:, None, :] - R[None, :, :]) ** 2, axis=-1))
    n = R.shape[0]
    k = jnp.exp(theta[:, None] + theta[None, :]) * smooth_switch(d, cutoff, width)
    k = jnp.where(jnp.eye(n, dtype=bool), 0.0, k)
    return jnp.diag(jnp.sum(k, axis=1)) - k
    # END SOLUTION


def gnm_pseudo_inverse(Gamma):
    """Γ⁺ = (Γ + c P0)⁻¹ - P0 / c with P0 = 11ᵀ/N and c = tr Γ / (N - 1).

    Args:
        Gamma: Kirchhoff matrix, shape (N, N), of a connected network (one zero mode).

    Returns:
        Γ⁺, shape (N, N), float64: symmetric, Γ Γ⁺ Γ = Γ, Γ⁺ 1 = 0.
    """
    # HINT: The zero mode of Γ is known exactly (the uniform vector): fill it in, invert, and take
    # it out again; no eigendecomposition, so the gradient is smooth.
    # HINT: Chapter 11, "Zero modes without thresholds"; jnp.linalg.inv (or solve) of Γ + c P0 with
    # P0 = 11ᵀ/N.
    # HINT: X = jnp.linalg.inv(G + c * P0) - P0 / c; symmetrise.
    # BEGIN SOLUTION
    G = jnp.asarray(Gamma, dtype=jnp.float64)
    n = G.shape[0]
    P0 = jnp.full((n, n), 1.0 / n)
    c = jnp.trace(G) / (n - 1)
    X = jnp.linalg.inv(G + c * P0) - P0 / c
    return 0.5 * (X + X.T)
    # END SOLUTION


def bfactor_correlation(R, B_exp, cutoff, width, log_scales):
    """Pearson r of the predicted B-factors B_i = 8π² Γ⁺_ii with the experimental ones.

    Args:
        R: Cα coordinates, shape (N, 3), Å.
        B_exp: experimental B-factors, shape (N,), Å² (not all equal).
        cutoff: r_c, Å.
        width: w, Å.
        log_scales: θ, shape (N,).

    Returns:
        r, float64 scalar in [-1, 1].
    """
    # HINT: Predicted B-factors from the diagonal of Γ⁺, then the Pearson correlation with the
    # experimental ones.
    # HINT: Chapter 11, "Gradients of B-factors"; B = 8π² jnp.diag(gnm_pseudo_inverse(...)); r = Σ
    # a b / sqrt(Σ a² Σ b²) with a, b the deviations from the means.
    # HINT: a = B - jnp.mean(B); b = B_exp - jnp.mean(B_exp); then the formula.
    # BEGIN SOLUTION
    G = smooth_kirchhoff(R, cutoff, width, log_scales)
    B = 8.0 * jnp.pi**2 * jnp.diag(gnm_pseudo_inverse(G))
    a = B - jnp.mean(B)
    b = jnp.asarray(B_exp, dtype=jnp.float64)
    b = b - jnp.mean(b)
    return jnp.sum(a * b) / jnp.sqrt(jnp.sum(a * a) * jnp.sum(b * b))
    # END SOLUTION


def correlation_gradient(R, B_exp, cutoff, width, log_scales):
    """The correlation r and its derivatives in the cutoff and the log-scales, by autodiff.

    Args:
        R: Cα coordinates, shape (N, 3), Å.
        B_exp: experimental B-factors, shape (N,), Å².
        cutoff: r_c, Å.
        width: w, Å.
        log_scales: θ, shape (N,).

    Returns:
        :class:`CorrelationGradient` (r, ∂r/∂r_c, ∂r/∂θ), float64.
    """
    # HINT: Let JAX give the value and the gradient with respect to two of the arguments in one
    # call.
    # HINT: Chapter 11, "Gradients of B-factors"; jax.value_and_grad(f, argnums=(2, 4)); the cutoff
    # must be a float64 array, not an int.
    # HINT: r, (d_cutoff, d_theta) = jax.value_and_grad(bfactor_correlation, argnums=(2, 4))(...)
    # BEGIN SOLUTION
    value_and_grad = jax.value_and_grad(bfactor_correlation, argnums=(2, 4))
    r, (d_cutoff, d_theta) = value_and_grad(
        R,
        B_exp,
        jnp.asarray(cutoff, dtype=jnp.float64),
        width,
        jnp.asarray(log_scales, dtype=jnp.float64),
    )
    return CorrelationGradient(r=r, d_cutoff=d_cutoff, d_log_scales=d_theta)
    # END SOLUTION


def fit_log_scales(R, B_exp, cutoff, width, steps, learning_rate):
    """Gradient ascent on r over θ: start at θ = 0, then ``steps`` times θ ← θ + η ∂r/∂θ.

    N parameters fitted to N B-factors: r rises on the structure fitted, which says little
    about other proteins (test a fit on structures it has not seen).

    Args:
        R: Cα coordinates, shape (N, 3), Å.
        B_exp: experimental B-factors, shape (N,), Å².
        cutoff: r_c, Å (fixed).
        width: w, Å (fixed).
        steps: number of steps, an int >= 0.
        learning_rate: η > 0.

    Returns:
        :class:`FitResult` (θ after the last step, r at θ = 0, r at the fitted θ).
    """
    # HINT: Gradient ascent: start at θ = 0 and repeat θ ← θ + η ∂r/∂θ; report r before and after.
    # HINT: Chapter 11, "The motivating failure: fitting one protein"; one correlation_gradient per
    # step; steps may be 0.
    # HINT: theta = theta + learning_rate * g.d_log_scales inside a Python loop.
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    theta = jnp.zeros(R.shape[0], dtype=jnp.float64)
    r_before = bfactor_correlation(R, B_exp, cutoff, width, theta)
    for _ in range(int(steps)):
        g = correlation_gradient(R, B_exp, cutoff, width, theta)
        theta = theta + learning_rate * g.d_log_scales
    r_after = bfactor_correlation(R, B_exp, cutoff, width, theta)
    return FitResult(log_scales=theta, r_before=r_before, r_after=r_after)
    # END SOLUTION


def fit_spring_model(structures, bfactors, params, steps, learning_rate):
    r"""Fit a two-parameter spring model to the B-factors of a few proteins by gradient descent.

    Every pair of residues (i ≠ j) of a protein is joined by a spring

    .. math:: k_{ij} = e^{\theta_0} \left(\frac{r_{ij}}{3.8\,\text{Å}}\right)^{-\theta_1}

    (a stiffness scale and a power-law decay, as in the parameter-free GNM); the predicted
    B-factors are B_i = 8π² Γ⁺_ii (``gnm_pseudo_inverse`` of the Kirchhoff matrix of these
    springs, kT = 1). The loss is the mean over proteins of the mean squared error of the
    logarithms, mean_i (log B_i - log B^exp_i)². Gradient descent: ``steps`` times
    θ ← θ - η ∂loss/∂θ, starting from ``params``.

    Args:
        structures: a list of Cα coordinate arrays, shapes (N_s, 3), Å (N_s may differ).
        bfactors: the matching experimental B-factors, shapes (N_s,), Å², all > 0.
        params: the initial (θ0, θ1), shape (2,).
        steps: number of steps, an int >= 0.
        learning_rate: η > 0.

    Returns:
        :class:`SpringFit` (fitted θ, loss before, loss after, gradient at the initial θ).
    """
    # HINT: Write the loss as one JAX function of the two parameters (a Python loop over
    # the proteins is fine), then let JAX give its gradient; the descent is a plain loop.
    # HINT: Chapter 11's "The training loop"; jax.value_and_grad
    # of the loss; reuse gnm_pseudo_inverse above; the diagonal r_ii = 0 must not reach
    # the power (mask it with jnp.where before, not after: a 0⁻θ gradient is NaN).
    # HINT: d = jnp.where(eye, 1.0, distances); k = jnp.exp(p[0]) * (d / 3.8) ** (-p[1]);
    # k = jnp.where(eye, 0.0, k); Γ = jnp.diag(k.sum(1)) - k.
    # BEGIN SOLUTION
    data = [
        (jnp.asarray(R, dtype=jnp.float64), jnp.log(jnp.asarray(B, dtype=jnp.float64)))
        for R, B in zip(structures, bfactors, strict=True)
    ]

    def loss(p):
        total = 0.0
        for R, log_b in data:
            eye = jnp.eye(R.shape[0], dtype=bool)
            d = jnp.sqrt(jnp.sum((R[:, None, :] - R[None, :, :]) ** 2, axis=-1) + eye)
            k = jnp.where(eye, 0.0, jnp.exp(p[0]) * (d / 3.8) ** (-p[1]))
            G = jnp.diag(jnp.sum(k, axis=1)) - k
            B = 8.0 * jnp.pi**2 * jnp.diag(gnm_pseudo_inverse(G))
            total = total + jnp.mean((jnp.log(B) - log_b) ** 2)
        return total / len(data)

    value_and_grad = jax.jit(jax.value_and_grad(loss))  # compiled once per call
    p = jnp.asarray(params, dtype=jnp.float64)
    loss_before, gradient = value_and_grad(p)
    g = gradient
    for _ in range(int(steps)):
        p = p - learning_rate * g
        _, g = value_and_grad(p)
    loss_after = loss(p)
    return SpringFit(params=p, loss_before=loss_before, loss_after=loss_after, gradient=gradient)
    # END SOLUTION
