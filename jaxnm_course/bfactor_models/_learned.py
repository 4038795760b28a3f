r"""The learned elastic network: spring constants from a small smooth function of features.

A Gaussian network (Kirchhoff matrix, isotropic fluctuations) over *all* residue pairs,
whose spring constants are

.. math::

    \ln k_{ij} = -p \ln\frac{r_{ij}}{3.8\,\text{Å}}
        + \sum_b w_b\, e^{-(r_{ij} - c_b)^2 / 2\sigma^2}
        + \kappa_{s(ij)}
        + \alpha (z_i + z_j) + \beta z_i z_j
        + \tau (t_i + t_j) + \theta_{a(i)} + \theta_{a(j)}
        + \gamma_w (w_i + w_j) + \gamma_h (h_i + h_j)

with r the Cα-Cα distance, s the sequence separation (1, 2, 3 within a chain segment;
κ_0 = 0 otherwise), z the standardised coordination number, t the terminus indicator,
a the residue type, w the wide (16 Å) coordination number and h the signed half-sphere
exposure (:mod:`._features`). Each residue is also tied to its place by a spring to the
ground (an "anchored" GNM: a crude restraint by the crystal and the environment), of
constant

.. math:: \ln g_i = \phi_0 + \phi_z z_i + \phi_w w_i + \phi_h h_i + \phi_t t_i,

so that the network matrix is Γ + diag(g), positive definite. With p = 2, φ_0 =
:data:`TETHER_START` (a tether ~10⁻⁵ of a 3.8 Å spring) and every other parameter 0
this is the parameter-free GNM (springs 1/r²) up to a uniform offset of the
fluctuations, where training starts. The 44 parameters (:class:`LearnedParams`) are
shared by all proteins.

Fluctuations: :math:`\langle\Delta R_i^2\rangle = 3 [(\Gamma + \mathrm{diag}\,g)^{-1}]_{ii}`
(kT/γ units), with Γ built by :func:`jaxnm_course.network.kirchhoff` (the library's one
Kirchhoff builder), by one linear solve (:func:`pinv_diagonal`, whose projector P0 then
only covers the padding residues, which have neither springs nor tethers), no
eigenvalues. All springs are positive, so the network is always connected.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..differentiable import AMINO_ACIDS, R_REF
from ..network import kirchhoff
from ._features import Batch

__all__ = [
    "RBF_CENTRES",
    "RBF_WIDTH",
    "TETHER_START",
    "LearnedParams",
    "batch_fluctuations",
    "batch_loss",
    "bucket_pairs",
    "init_params",
    "log_springs",
    "log_tethers",
    "masked_pearson",
    "pinv_diagonal",
]

#: Centres c_b (Å) and width σ (Å) of the Gaussian corrections to the distance law.
RBF_CENTRES: tuple[float, ...] = (4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0)
RBF_WIDTH = 1.25
#: Sequence separations with their own spring scale κ_1..κ_N_SEQ.
N_SEQ = 3
#: ln of the uniform tether where training starts (φ_0 of :class:`LearnedParams`): weak
#: against every protein's softest mode, so the start is the pfGNM up to a uniform offset.
TETHER_START = -10.0


class LearnedParams(NamedTuple):
    """Parameters of the learned spring function (a pytree of float64 arrays).

    Attributes:
        p: distance exponent, shape ().
        w_dist: weights of the Gaussian distance corrections, shape (9,).
        kappa: log scale of sequence neighbours |i - j| = 1, 2, 3, shape (3,).
        density: (α, β), coordination terms, shape (2,).
        terminus: τ, terminus term, shape ().
        theta: log scale per residue type (``differentiable.AMINO_ACIDS`` + other), shape (21,).
        context: (γ_w, γ_h), wide-coordination and half-sphere terms of the springs,
            shape (2,).
        tether: (φ_0, φ_z, φ_w, φ_h, φ_t), log tether of each residue, shape (5,).
    """

    p: jnp.ndarray
    w_dist: jnp.ndarray
    kappa: jnp.ndarray
    density: jnp.ndarray
    terminus: jnp.ndarray
    theta: jnp.ndarray
    context: jnp.ndarray
    tether: jnp.ndarray


def init_params() -> LearnedParams:
    """The starting point: the pfGNM (p = 2, φ_0 = TETHER_START, everything else 0)."""
    z = functools.partial(jnp.zeros, dtype=jnp.float64)
    return LearnedParams(
        p=jnp.asarray(2.0, dtype=jnp.float64),
        w_dist=z(len(RBF_CENTRES)),
        kappa=z(N_SEQ),
        density=z(2),
        terminus=z(()),
        theta=z(len(AMINO_ACIDS) + 1),
        context=z(2),
        tether=jnp.asarray([TETHER_START, 0.0, 0.0, 0.0, 0.0], dtype=jnp.float64),
    )


def log_springs(
    params: LearnedParams,
    r: jnp.ndarray,
    sep: jnp.ndarray,
    z_i: jnp.ndarray,
    z_j: jnp.ndarray,
    t_i: jnp.ndarray,
    t_j: jnp.ndarray,
    a_i: jnp.ndarray,
    a_j: jnp.ndarray,
    w_i: jnp.ndarray | float = 0.0,
    w_j: jnp.ndarray | float = 0.0,
    h_i: jnp.ndarray | float = 0.0,
    h_j: jnp.ndarray | float = 0.0,
) -> jnp.ndarray:
    """Log spring constants ln k of pairs from their features (arrays of one shape).

    Args:
        params: :class:`LearnedParams`.
        r: distances, Å.
        sep: sequence-separation class (0: not within 3 residues along one segment).
        z_i: standardised coordination number of the first residue.
        z_j: the same, second residue.
        t_i: terminus indicator of the first residue.
        t_j: the same, second residue.
        a_i: residue type index (int) of the first residue.
        a_j: the same, second residue.
        w_i: standardised wide (16 Å) coordination number of the first residue (default 0).
        w_j: the same, second residue.
        h_i: standardised half-sphere exposure of the first residue (default 0).
        h_j: the same, second residue.

    Returns:
        ln k, same shape (k in units of the spring at 3.8 Å of the pfGNM).
    """
    centres = jnp.asarray(RBF_CENTRES, dtype=r.dtype)
    rbf = jnp.exp(-((r[..., None] - centres) ** 2) / (2 * RBF_WIDTH**2))
    kappa = jnp.concatenate([jnp.zeros(1, dtype=r.dtype), params.kappa])
    alpha, beta = params.density[0], params.density[1]
    return (
        -params.p * jnp.log(r / R_REF)
        + rbf @ params.w_dist
        + kappa[sep]
        + alpha * (z_i + z_j)
        + beta * z_i * z_j
        + params.terminus * (t_i + t_j)
        + params.theta[a_i]
        + params.theta[a_j]
        + params.context[0] * (w_i + w_j)
        + params.context[1] * (h_i + h_j)
    )


def log_tethers(
    params: LearnedParams,
    z: jnp.ndarray,
    w: jnp.ndarray,
    h: jnp.ndarray,
    t: jnp.ndarray,
) -> jnp.ndarray:
    """Log tether constants ln g of residues from their features (arrays of one shape).

    Args:
        params: :class:`LearnedParams`.
        z: standardised coordination number (10 Å).
        w: standardised wide coordination number (16 Å).
        h: standardised half-sphere exposure.
        t: terminus indicator.

    Returns:
        ln g, same shape (units of the pfGNM spring at 3.8 Å).
    """
    phi = params.tether
    return phi[0] + phi[1] * z + phi[2] * w + phi[3] * h + phi[4] * t


@functools.cache
def _bucket_pairs(size: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(size, 1)
    pairs = np.stack([i, j], axis=1).astype(np.int64)
    pairs.flags.writeable = False
    sep = (j - i).astype(np.int64)
    return pairs, np.where(sep <= N_SEQ, sep, 0)


def _fluctuations_one(
    params: LearnedParams, pairs: np.ndarray, sep0: np.ndarray, x
) -> jnp.ndarray:
    R, mask, segment, terminus, density, restype, wide, exposure = x
    size = R.shape[0]
    i, j = pairs[:, 0], pairs[:, 1]
    r = jnp.sqrt(jnp.sum((R[j] - R[i]) ** 2, axis=-1))
    sep = jnp.where(segment[i] == segment[j], sep0, 0)
    logk = log_springs(
        params,
        r,
        sep,
        density[i],
        density[j],
        terminus[i],
        terminus[j],
        restype[i],
        restype[j],
        wide[i],
        wide[j],
        exposure[i],
        exposure[j],
    )
    k = jnp.exp(logk) * mask[i] * mask[j]
    tether = jnp.exp(log_tethers(params, density, wide, exposure, terminus)) * mask
    G = kirchhoff(size, pairs, k) + jnp.diag(tether)
    P0 = jnp.diag(1.0 - mask)  # the padding residues: neither springs nor tethers
    return 3.0 * pinv_diagonal(G, P0, jnp.sum(mask)) * mask


def pinv_diagonal(G: jnp.ndarray, P0: jnp.ndarray, rank: jnp.ndarray) -> jnp.ndarray:
    r"""Diagonal of the pseudo-inverse of a PSD matrix with null space range(P0).

    The identity of :func:`jaxnm_course.differentiable.pseudo_inverse`,
    :math:`G^+ = (G + c P_0)^{-1} - P_0/c` with c = tr G / rank (held constant), but
    solved by LU (``jnp.linalg.solve``) rather than Cholesky: on jax 0.10 (CPU) the
    reverse-mode derivative of a vmapped ``cho_solve`` hangs from its second call
    (observed at 192 × 192, batch 8), and training calls it thousands of times.

    Args:
        G: (n, n) symmetric PSD.
        P0: (n, n) orthogonal projector onto its null space.
        rank: n - tr P0, the number of non-zero eigenvalues.

    Returns:
        diag(G⁺), shape (n,).
    """
    c = jax.lax.stop_gradient(jnp.trace(G) / rank)
    X = jnp.linalg.solve(G + c * P0, jnp.eye(G.shape[0], dtype=G.dtype))
    return jnp.diagonal(X) - jnp.diagonal(P0) / c


def bucket_pairs(size: int) -> tuple[np.ndarray, np.ndarray]:
    """All pairs i < j of a bucket, (P, 2), and their sequence class j - i (0 if > 3).

    Pass them as arguments of a jitted function (:func:`batch_fluctuations`'s
    ``pairs``): closed over as constants, XLA spends minutes constant-folding the
    scatter of 50,000 pairs.
    """
    return _bucket_pairs(int(size))


def batch_fluctuations(
    params: LearnedParams,
    batch: Batch,
    pairs: tuple[jnp.ndarray, jnp.ndarray] | None = None,
) -> jnp.ndarray:
    """Mean-square fluctuations of a padded batch, (S, Nb), kT/γ units (0 on padding).

    Pure JAX in ``params`` and the coordinates.

    Args:
        params: :class:`LearnedParams`.
        batch: :class:`~._features.Batch` of bucket size Nb.
        pairs: :func:`bucket_pairs` (Nb), possibly traced; None computes them.
    """
    size = batch.R.shape[1]
    pair_list, sep0 = _bucket_pairs(size) if pairs is None else pairs
    f = functools.partial(_fluctuations_one, params, pair_list, sep0)
    x = (
        batch.R,
        batch.mask,
        batch.segment,
        batch.terminus,
        batch.density,
        batch.restype,
        batch.density_wide,
        batch.exposure,
    )
    return jax.vmap(f)(x)


def masked_pearson(x: jnp.ndarray, y: jnp.ndarray, mask: jnp.ndarray) -> jnp.ndarray:
    """Pearson r of x and y over the entries where mask is 1, along the last axis."""
    n = jnp.sum(mask, axis=-1, keepdims=True)
    dx = (x - jnp.sum(x * mask, -1, keepdims=True) / n) * mask
    dy = (y - jnp.sum(y * mask, -1, keepdims=True) / n) * mask
    return jnp.sum(dx * dy, -1) / jnp.sqrt(jnp.sum(dx * dx, -1) * jnp.sum(dy * dy, -1))


def batch_loss(
    params: LearnedParams,
    batch: Batch,
    weights: jnp.ndarray,
    l2: float = 0.0,
    pairs: tuple[jnp.ndarray, jnp.ndarray] | None = None,
) -> jnp.ndarray:
    r"""Weighted mean of 1 - r over the batch, plus an L2 penalty.

    .. math:: L = \frac{\sum_s w_s (1 - r_s)}{\sum_s w_s}
        + \ell_2 (|w_{dist}|^2 + |\theta|^2)

    Scale-free: the overall spring constant and kT drop out of r.

    Args:
        params: :class:`LearnedParams`.
        batch: :class:`Batch` with experimental B-factors.
        weights: per-protein weights, shape (S,) (0 for filler entries).
        l2: penalty weight.
        pairs: :func:`bucket_pairs`, as in :func:`batch_fluctuations`.

    Returns:
        L, shape ().
    """
    msf = batch_fluctuations(params, batch, pairs)
    r = masked_pearson(msf, batch.bfactors, batch.mask)
    loss = jnp.sum(weights * (1.0 - r)) / jnp.sum(weights)
    return loss + l2 * (jnp.sum(params.w_dist**2) + jnp.sum(params.theta**2))
