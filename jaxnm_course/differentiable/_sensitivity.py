"""Per-contact sensitivities: derivatives of spectra and fluctuations by every spring."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .. import _validate, plotting
from .._validate import public
from ..network import anm_hessian
from ..precision import require_x64
from ._spectral import anm_msf, lowest_eigenvalues_sum, rigid_projector
from ._springs import checked_springs


@public
def slowest_mode_sensitivity(R: ArrayLike, pairs: ArrayLike, k: ArrayLike) -> jnp.ndarray:
    r"""Derivative of the slowest internal ANM eigenvalue with respect to every spring.

    One reverse pass gives all P derivatives. For a non-degenerate slowest mode v,

    .. math:: \frac{\partial \lambda_1}{\partial k_{ij}} =
        \bigl(\hat d_{ij} \cdot (v_j - v_i)\bigr)^2 \ge 0,

    the squared stretch of spring ij in that mode: the contacts that stiffen the softest
    motion most.

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: index pairs, shape (P, 2) (NumPy).
        k: spring constants, shape (P,), kcal/mol/Å².

    Returns:
        ∂λ₁/∂k, shape (P,), dimensionless (eigenvalue per spring constant).
    """
    require_x64("slowest_mode_sensitivity")
    R = _validate.as_positions(R, "slowest_mode_sensitivity")
    p, k = checked_springs(pairs, k, R.shape[0])
    P0 = rigid_projector(R)
    return jax.grad(lambda kk: lowest_eigenvalues_sum(anm_hessian(R, p, kk), P0, 1))(k)


@public
def fluctuation_sensitivity(
    R: ArrayLike,
    pairs: ArrayLike,
    k: ArrayLike,
    weights: ArrayLike | None = None,
    kT: ArrayLike = 1.0,
) -> jnp.ndarray:
    r"""Derivative of a weighted fluctuation profile with respect to every spring.

    For F = Σ_i w_i <Δr_i²> and b_ij the unit stretch vector of spring ij (d̂ on atom j,
    -d̂ on atom i), H⁺ changes by -H⁺ b bᵀ H⁺ per unit k_ij, so

    .. math:: \frac{\partial F}{\partial k_{ij}} = -k_B T\, b_{ij}^T H^+ W H^+ b_{ij} \le 0

    (W = diag(w) on each atom's 3 coordinates): stiffening a spring never increases a
    positively weighted fluctuation. Computed by one reverse pass.

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: index pairs, shape (P, 2) (NumPy).
        k: spring constants, shape (P,), kcal/mol/Å².
        weights: w, shape (N,); None: all ones (the total fluctuation).
        kT: thermal energy, kcal/mol.

    Returns:
        ∂F/∂k, shape (P,), Å² per kcal/mol/Å².
    """
    require_x64("fluctuation_sensitivity")
    R = _validate.as_positions(R, "fluctuation_sensitivity")
    p, k = checked_springs(pairs, k, R.shape[0])
    w = jnp.ones(R.shape[0]) if weights is None else jnp.asarray(weights, dtype=jnp.float64)
    return jax.grad(lambda kk: jnp.sum(w * anm_msf(R, p, kk, kT)))(k)


def top_contacts(
    pairs: ArrayLike, sensitivity: ArrayLike, n: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """The n contacts with the largest |sensitivity|.

    Args:
        pairs: index pairs, shape (P, 2).
        sensitivity: one value per pair, shape (P,).
        n: how many.

    Returns:
        (pairs, values): shapes (n, 2) and (n,), by decreasing |value|.
    """
    s = np.asarray(sensitivity)
    order = np.argsort(-np.abs(s), kind="stable")[: int(n)]
    return np.asarray(pairs).reshape(-1, 2)[order], s[order]


def plot_sensitivity_map(
    n_atoms: int,
    pairs: ArrayLike,
    sensitivity: ArrayLike,
    ax: Any = None,
    *,
    title: str = "",
    cmap: str = "magma_r",
    log: bool = False,
) -> Any:
    """Contact map coloured by a per-contact sensitivity (needs matplotlib).

    Kept for existing code: it draws with :func:`jaxnm_course.plotting.plot_sensitivity_map`
    (which returns the Figure, like every function there) and returns the Axes.

    Args:
        n_atoms: N.
        pairs: index pairs, shape (P, 2).
        sensitivity: one value per pair, shape (P,); |value| is shown.
        ax: a matplotlib Axes; None makes a new figure.
        title: axes title.
        cmap: colour map name.
        log: colour on a logarithmic scale (see the plotting function).

    Returns:
        The Axes.
    """
    fig = plotting.plot_sensitivity_map(
        n_atoms, pairs, sensitivity, title=title, cmap=cmap, ax=ax, log=log
    )
    return fig.axes[0] if ax is None else ax
