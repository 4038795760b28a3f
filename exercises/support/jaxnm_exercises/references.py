"""Trusted reference computations shared by an exercise set's visible and hidden tests.

Built only from the public library; they run in the trusted test process, never in a
worker, so autodiff and ``jit`` are free to use here.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from jaxnm_course import analysis
from jaxnm_course import differentiable as df
from jaxnm_course.geometry import pair_distances

from . import strategies as S

__all__ = ["ex11_correlation_and_gradient", "ex11_spring_model_loss", "ex11_springs"]


def ex11_springs(R, cutoff, width, theta, pairs):
    """Springs k_ij = exp(θ_i + θ_j) s(r_ij; r_c, w) of exercise set ex11, shape (P,)."""
    d = pair_distances(jnp.asarray(R), pairs)
    return jnp.exp(theta[pairs[:, 0]] + theta[pairs[:, 1]]) * df.smooth_switch(d, cutoff, width)


@functools.cache
def ex11_correlation_and_gradient(n):
    """(r, (∂r/∂r_c, ∂r/∂θ)) of the library's smooth GNM over all pairs, compiled per size n."""
    pairs = S.all_pairs(n)

    def corr(R, B, cutoff, width, theta):
        k = ex11_springs(R, cutoff, width, theta, pairs)
        B_pred = analysis.BFACTOR_PER_MSF * df.gnm_fluctuations(n, pairs, k)
        return analysis.pearson_r(B_pred, B)

    return jax.jit(jax.value_and_grad(corr, argnums=(2, 4)))


def _spring_model_log_b(params, R):
    """Return log B_i of the power-law spring model of ``fit_spring_model`` (library GNM), (N,)."""
    n = R.shape[0]
    pairs = S.all_pairs(n)
    d = pair_distances(R, pairs)
    k = jnp.exp(params[0]) * (d / 3.8) ** (-params[1])
    return jnp.log(analysis.BFACTOR_PER_MSF * df.gnm_fluctuations(n, pairs, k))


@functools.cache
def _spring_model_value_and_grad(shapes):
    def loss(params, structures, log_bs):
        terms = [
            jnp.mean((_spring_model_log_b(params, R) - lb) ** 2)
            for R, lb in zip(structures, log_bs, strict=True)
        ]
        return sum(terms) / len(terms)

    return jax.jit(jax.value_and_grad(loss))


def ex11_spring_model_loss(params, structures, bfactors):
    """(loss, ∂loss/∂params) of exercise set ex11's spring model, from the library's GNM.

    Args:
        params: (θ0, θ1), shape (2,).
        structures: Cα coordinates, a list of (N_s, 3) arrays, Å.
        bfactors: the matching B-factors, a list of (N_s,) arrays, Å².

    Returns:
        (loss, gradient), NumPy float64.
    """
    structures = tuple(jnp.asarray(R, dtype=jnp.float64) for R in structures)
    log_bs = tuple(jnp.log(jnp.asarray(B, dtype=jnp.float64)) for B in bfactors)
    fn = _spring_model_value_and_grad(tuple(R.shape for R in structures))
    value, grad = fn(jnp.asarray(params, dtype=jnp.float64), structures, log_bs)
    return float(value), np.asarray(grad)
