"""Checks shared by the potential terms and lifters (private module)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

from .. import _validate

__all__ = ["apply_term", "check_term", "coordinates", "param"]


def param(
    x: Any,
    name: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
) -> jnp.ndarray:
    """A float64 parameter, finite, optionally > 0 or >= 0 (value checks when concrete)."""
    x = _validate.as_float64(x, name)
    if _validate.is_concrete(x):
        values = np.asarray(x)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"`{name}` must be finite, got {values}.")
        if positive and not np.all(values > 0):
            raise ValueError(f"`{name}` must be > 0, got {values}.")
        if nonnegative and not np.all(values >= 0):
            raise ValueError(f"`{name}` must be >= 0, got {values}.")
    return x


def check_term(term: Any) -> None:
    """TypeError unless ``term`` is callable (a built term, not its factory)."""
    if not callable(term):
        raise TypeError(
            f"`term` must be a function such as `harmonic(k, r0)`, got "
            f"{type(term).__name__}; call the factory to build the term first."
        )


def coordinates(R: Any) -> jnp.ndarray:
    """Float64 coordinates of shape (N, 3); shape checks only, so it works under jit."""
    R = _validate.as_float64(R, "R")
    if R.ndim != 2 or R.shape[-1] != 3:
        raise ValueError(
            f"`R` must have shape (N, 3) (Å), got shape {tuple(R.shape)}; "
            "reshape a flat vector with `R.reshape(-1, 3)`."
        )
    return R


def apply_term(term: Callable[..., Any], args: tuple[Any, ...], n: int, name: str) -> jnp.ndarray:
    """Call a term on n items and check it returns one energy per item."""
    try:
        out = jnp.asarray(term(*args))
    except TypeError as exc:
        if "broadcast" not in str(exc):
            raise
        raise ValueError(
            f"the term's parameters do not broadcast against the {n} entries of "
            f"`{name}`: per-entry parameters must have shape ({n},) ({exc})."
        ) from exc
    if out.shape != (n,):
        raise ValueError(
            f"the term returned shape {out.shape} for the {n} entries of "
            f"`{name}`; a term must return one energy per entry, shape ({n},)."
        )
    return out
