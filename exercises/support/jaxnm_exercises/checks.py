"""Readable checks of values returned by exercise functions (untrusted data).

Every check says what was expected and what came back, so that a failing test (and the
smallest counterexample Hypothesis prints with it) tells the student what to fix.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["as_array", "as_float", "central_difference_tolerance", "close", "field"]


def as_array(
    value: Any,
    what: str,
    shape: tuple[int, ...] | None = None,
    *,
    float64: bool = True,
    finite: bool = True,
    hint: str = "",
) -> np.ndarray:
    """Check a returned array: numeric, the expected shape, float64, finite.

    Args:
        value: what the exercise function returned.
        what: a description for messages, e.g. ``"hessian(energy, R)"``.
        shape: the expected shape, or None for any.
        float64: require dtype float64 (JAX's x64 mode; float32 is not enough for NMA).
        finite: require no NaN or inf.
        hint: added to the shape message.

    Returns:
        The value as a NumPy array.
    """
    if value is None:
        raise AssertionError(f"{what} returned None; expected an array (missing `return`?)")
    if isinstance(value, list | tuple):
        # NumPy would turn a list of numbers into an array, but the documented result is an
        # array: a list (e.g. from a Python loop) or a tuple (e.g. jax.jvp's (primal,
        # tangent) pair) is not one, and code that uses the result (.shape, @) would break
        kind = "tuple" if isinstance(value, tuple) else "list"
        raise AssertionError(
            f"{what} returned a Python {kind} (of {len(value)} items); expected an array "
            f"(build one with jnp.asarray / jnp.stack, or compute it with array operations)"
        )
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise AssertionError(f"{what} returned {type(value).__name__}, not an array") from exc
    if arr.dtype.kind not in "biuf":
        raise AssertionError(f"{what} returned dtype {arr.dtype}; expected real numbers")
    if shape is not None and arr.shape != tuple(shape):
        raise AssertionError(
            f"{what} returned shape {arr.shape}; expected {tuple(shape)}"
            + (f" ({hint})" if hint else "")
        )
    if float64 and arr.dtype != np.float64:
        raise AssertionError(
            f"{what} returned dtype {arr.dtype}; expected float64 (keep everything in "
            "float64: jnp.asarray(x, dtype=jnp.float64), and no float32 casts)"
        )
    if finite and not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0]) if arr.ndim else ()
        raise AssertionError(f"{what} returned a non-finite value ({arr[bad]} at index {bad})")
    return arr


def as_float(value: Any, what: str, *, float64: bool = True) -> float:
    """Check a returned scalar (a Python number or a 0-d array) and return it as float.

    Args:
        value: what the exercise function returned.
        what: a description for messages.
        float64: require float64 when the value is an array.

    Returns:
        The value.
    """
    if isinstance(value, bool):
        raise AssertionError(f"{what} returned a bool; expected a number")
    if isinstance(value, int | float):
        if not np.isfinite(value):
            raise AssertionError(f"{what} returned {value}; expected a finite number")
        return float(value)
    return float(as_array(value, what, (), float64=float64))


def field(value: Any, name: str, what: str) -> Any:
    """A named field of a returned NamedTuple (or dict), with a clear error when absent.

    Args:
        value: what the exercise function returned.
        name: the field.
        what: a description for messages.

    Returns:
        The field's value.
    """
    if isinstance(value, dict):
        if name in value:
            return value[name]
    elif hasattr(value, name):
        return getattr(value, name)
    raise AssertionError(f"{what} returned {type(value).__name__} without a field `{name}`")


def close(
    got: Any,
    expected: Any,
    what: str,
    *,
    rtol: float = 1e-10,
    atol: float = 0.0,
) -> None:
    """Assert ``|got - expected| <= atol + rtol |expected|`` elementwise, with a clear message.

    Args:
        got: the (already checked) returned values.
        expected: the reference values.
        what: a description for messages.
        rtol: relative tolerance.
        atol: absolute tolerance.
    """
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape:
        raise AssertionError(f"{what}: shape {got.shape}, expected {expected.shape}")
    err = np.abs(got - expected)
    bound = atol + rtol * np.abs(expected)
    if np.all(err <= bound):
        return
    worst = np.unravel_index(np.argmax(err - bound), err.shape) if err.ndim else ()
    raise AssertionError(
        f"{what}: expected {float(expected[worst]):.12g}, got {float(got[worst]):.12g}"
        + (f" at index {tuple(int(i) for i in worst)}" if worst else "")
        + f" (|difference| {err[worst]:.3g} > tolerance {bound[worst]:.3g}; "
        f"{int(np.sum(err > bound))} of {err.size} entries off)"
    )


def central_difference_tolerance(third: Any, T: float, h: float, size: float) -> float:
    """A bound on |(f(T + h) - f(T - h)) / 2h - f'(T)| for a smooth f computed in float64.

    Taylor: the central difference is f'(T) + h²/6 f'''(ξ) for some ξ in [T - h, T + h]
    (truncation); each of the two values of f carries a rounding error δ, which the
    division by 2h turns into at most 2δ / 2h = δ / h (rounding). f''' comes from the
    trusted reference (by autodiff) at T - h, T and T + h; with h = 1e-3 T, x = hcν̃/kT moves
    by 0.1 % over the interval, so the factor 2 covers |f'''(ξ)| with room to spare.
    δ = 1e-12 |f| (≈ 4500 ε) covers any accurate float64 implementation: a sum of 8 terms,
    1 / (e^x - 1) with expm1 or without (≲ ε / x ≈ 3e-13 relative at x ≥ 7e-4).
    A fixed rtol (1e-5 before) failed the reference at x ≈ 11 (ν̃ ≈ 760 cm⁻¹ at 100 K),
    where the relative truncation error is ≈ x² (h / T)² / 6 ≈ 2e-5.

    Args:
        third: f'''(T) of the trusted reference (e.g. a jitted triple ``jax.grad``).
        T: the point (K in the thermochemistry tests).
        h: the step.
        size: |f| at the two points the student's values came from (for the rounding term).

    Returns:
        The tolerance (absolute) for comparing a derivative with the central difference.
    """
    bound = max(abs(float(third(t))) for t in (T - h, T, T + h))
    return 2.0 * h**2 / 6.0 * bound + 1e-12 * size / h
