"""B-factors of the spring models: one structure, or an ensemble in one vmapped call."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .. import _validate
from ..analysis import BFACTOR_PER_MSF
from ._spectral import anm_fluctuations, gnm_fluctuations
from ._springs import Network, SpringParams, spring_constants


def _predicted_bfactors(
    params: SpringParams, R: jnp.ndarray, network: Network, model: str, kT: Any
) -> jnp.ndarray:
    k = spring_constants(params, R, network)
    if model == "anm":
        msf = anm_fluctuations(R, network.pairs, k, kT)
    else:
        msf = gnm_fluctuations(network.n_atoms, network.pairs, k, kT)
    return BFACTOR_PER_MSF * msf


def _check_model(model: str, function: str) -> None:
    if model not in ("anm", "gnm"):
        raise ValueError(f"{function}: `model` must be 'anm' or 'gnm', got {model!r}.")


def predicted_bfactors(
    params: SpringParams,
    R: ArrayLike,
    network: Network,
    model: str = "gnm",
    kT: ArrayLike = 1.0,
) -> jnp.ndarray:
    r"""Isotropic B-factors of the spring model, B_i = 8π²/3 <Δr_i²>.

    Args:
        params: :class:`SpringParams`.
        R: coordinates, shape (N, 3), Å.
        network: :class:`Network` of R.
        model: "gnm" (Kirchhoff matrix) or "anm" (Hessian).
        kT: thermal energy, kcal/mol (1: B in units of kT/γ times Å²).

    Returns:
        B, shape (N,), Å².
    """
    fn = "predicted_bfactors"
    _check_model(model, fn)
    R = _validate.as_positions(R, fn)
    if R.shape[0] != network.n_atoms:
        raise ValueError(
            f"{fn}: `R` has {R.shape[0]} atoms but `network` was built for "
            f"{network.n_atoms}; build the network from the same structure."
        )
    return _predicted_bfactors(params, R, network, model, kT)


def perturbed_ensemble(R: ArrayLike, n_models: int, rms: float = 0.5, seed: int = 0) -> np.ndarray:
    """A synthetic NMR-like ensemble: independent Gaussian displacements of every atom.

    Args:
        R: coordinates, shape (N, 3), Å.
        n_models: number of models.
        rms: root-mean-square displacement per atom, Å.
        seed: NumPy random seed.

    Returns:
        Models, NumPy float64 of shape (n_models, N, 3), Å.
    """
    R = np.asarray(_validate.as_positions(R, "perturbed_ensemble"))
    rng = np.random.default_rng(seed)
    return R[None] + rng.normal(scale=rms / np.sqrt(3.0), size=(int(n_models), *R.shape))


def ensemble_bfactors(
    params: SpringParams,
    Rs: ArrayLike,
    network: Network,
    model: str = "anm",
    kT: ArrayLike = 1.0,
) -> jnp.ndarray:
    """B-factor profile of every structure of an ensemble in one compiled, vmapped call.

    The pair list is the network's (fixed); springs follow each model's distances through
    the smooth cutoff.

    Args:
        params: :class:`SpringParams`.
        Rs: models, shape (M, N, 3), Å.
        network: :class:`Network` (e.g. of the first or the mean model).
        model: "anm" or "gnm".
        kT: thermal energy, kcal/mol.

    Returns:
        B, shape (M, N), Å².
    """
    fn = "ensemble_bfactors"
    _check_model(model, fn)
    Rs = _validate.as_float64(Rs, "Rs", fn)
    if Rs.ndim != 3 or Rs.shape[1:] != (network.n_atoms, 3):
        raise ValueError(
            f"{fn}: `Rs` must have shape (M, {network.n_atoms}, 3) for this network, got "
            f"{tuple(Rs.shape)}."
        )
    for m in range(Rs.shape[0]):
        _validate.as_positions(Rs[m], fn, f"Rs[{m}]")
    f = jax.jit(jax.vmap(lambda R: _predicted_bfactors(params, R, network, model, kT)))
    return f(Rs)
