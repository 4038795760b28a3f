"""Trusted reference computations shared by an exercise set's visible and hidden tests.

Built only from the public library; they run in the trusted test process, never in a
worker, so autodiff and ``jit`` are free to use here.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from jaxnm_course import analysis
from jaxnm_course import differentiable as df
from jaxnm_course.geometry import pair_distances

from . import strategies as S

__all__ = ["ex10_correlation_and_gradient", "ex10_springs"]


def ex10_springs(R, cutoff, width, theta, pairs):
    """Springs k_ij = exp(θ_i + θ_j) s(r_ij; r_c, w) of exercise set ex10, shape (P,)."""
    d = pair_distances(jnp.asarray(R), pairs)
    return jnp.exp(theta[pairs[:, 0]] + theta[pairs[:, 1]]) * df.smooth_switch(d, cutoff, width)


@functools.cache
def ex10_correlation_and_gradient(n):
    """(r, (∂r/∂r_c, ∂r/∂θ)) of the library's smooth GNM over all pairs, compiled per size n."""
    pairs = S.all_pairs(n)

    def corr(R, B, cutoff, width, theta):
        k = ex10_springs(R, cutoff, width, theta, pairs)
        B_pred = analysis.BFACTOR_PER_MSF * df.gnm_fluctuations(n, pairs, k)
        return analysis.pearson_r(B_pred, B)

    return jax.jit(jax.value_and_grad(corr, argnums=(2, 4)))
