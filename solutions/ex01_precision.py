r"""Exercise set 01: floating-point precision, float32 and float64.

JAX computes in float32 unless its 64-bit mode is on: ``jax.config.update(
"jax_enable_x64", True)`` before creating any array (the exercise tests switch it on for
you). float32 keeps 24 significant bits (about 7 digits; machine epsilon 2⁻²³ ≈ 1.2e-7),
float64 keeps 53 (about 16 digits; ε = 2⁻⁵² ≈ 2.2e-16). The gap between neighbouring numbers
grows with their size: near x it is about ε |x| (exactly a power of two).

Normal mode analysis subtracts nearly equal numbers: a finite-difference second derivative
divides a tiny difference of energies by h², and 1 - cos θ of a small angle is a tiny
difference of numbers close to 1. The rounding error of each term (≈ ε) does not shrink
with the difference, so the relative error of the result explodes: *catastrophic
cancellation*. The cures are more bits (float64) and formulas that do not subtract.

Every function below says which dtype to compute in. ``dtype`` arguments are the strings
``"float32"`` or ``"float64"`` (``jnp.dtype(dtype)`` turns them into a dtype).
Run ``pytest exercises -m ex01``.
Reference: D. Goldberg, "What every computer scientist should know about floating-point
arithmetic", ACM Comput. Surv. 23, 5 (1991); N. J. Higham, *Accuracy and Stability of
Numerical Algorithms*, 2nd ed. (2002), ch. 1-2.
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = [
    "one_minus_cos",
    "second_difference_cos",
    "spacing",
    "to_float64",
]


def to_float64(x):
    """Convert x to a float64 JAX array, every value exact.

    Args:
        x: numbers: a Python float, int or list, or a NumPy array of any float or int dtype.

    Returns:
        A JAX array of dtype float64, the same shape as x, holding exactly the values of x
        (a NumPy float64 input comes back bit for bit: no detour through float32).
    """
    # HINT: The dtype of an array is chosen when it is made; ask for float64 explicitly instead of
    # letting JAX pick its default.
    # HINT: Chapter 1, "The modern way": jnp.asarray takes a dtype= argument.
    # HINT: return jnp.asarray(x, dtype=...)
    # BEGIN SOLUTION
    return jnp.asarray(x, dtype=jnp.float64)
    # END SOLUTION


def spacing(x, dtype):
    """The gap between |x| and the next larger number representable in ``dtype``.

    This is the "unit in the last place" of |x|: the resolution of ``dtype`` near x.

    Args:
        x: a positive number or an array of them (any shape).
        dtype: ``"float32"`` or ``"float64"``.

    Returns:
        The gaps, same shape as x, returned as float64 (a float32 gap is exactly
        representable in float64).
    """
    # HINT: Round x to the dtype first, then find its upper neighbour in that dtype: the difference
    # of the two is the gap.
    # HINT: Chapter 1, "JAX computes in float32 unless told otherwise" (about 7 digits);
    # jnp.nextafter(a, b) gives the next representable number after a towards b, in a's dtype;
    # jnp.asarray(x, dtype=jnp.dtype(dtype)) does the rounding.
    # HINT: a = jnp.abs(jnp.asarray(x, dtype=jnp.dtype(dtype))); the gap is jnp.nextafter(a, ...) -
    # a.
    # BEGIN SOLUTION
    a = jnp.abs(jnp.asarray(x, dtype=jnp.dtype(dtype)))
    return (jnp.nextafter(a, jnp.asarray(jnp.inf, a.dtype)) - a).astype(jnp.float64)
    # END SOLUTION


def second_difference_cos(x, h, dtype):
    r"""The central second difference of cos at x, computed entirely in ``dtype``.

    .. math:: f''(x) \approx \frac{\cos(x+h) - 2\cos x + \cos(x-h)}{h^2}

    Truncation error ≈ h² |f''''| / 12; rounding error ≈ 4 ε / h², where ε is the machine
    epsilon of ``dtype``. In float32 with h = 1e-4 the rounding term (≈ 50) swamps the
    answer (≈ -cos x).

    Args:
        x: the point, a float (radians).
        h: the step, a float.
        dtype: ``"float32"`` or ``"float64"``: x, h and every operation in this precision.

    Returns:
        The difference quotient as a float64 scalar (shape ()): the ``dtype`` result,
        converted at the very end.
    """
    # HINT: Convert x and h to the requested dtype before any arithmetic; JAX keeps the dtype of
    # its inputs through cos, + and /.
    # HINT: Chapter 1, "A float32 pitfall you can see": the same formula with NumPy; here use
    # jnp.asarray(v, dtype=jnp.dtype(dtype)) and jnp.cos.
    # HINT: x, h = (jnp.asarray(v, dtype=jnp.dtype(dtype)) for v in (x, h)); compute the quotient,
    # then .astype(jnp.float64).
    # BEGIN SOLUTION
    x, h = (jnp.asarray(v, dtype=jnp.dtype(dtype)) for v in (x, h))
    d2 = (jnp.cos(x + h) - 2 * jnp.cos(x) + jnp.cos(x - h)) / (h * h)
    return d2.astype(jnp.float64)
    # END SOLUTION


def one_minus_cos(theta):
    r"""1 - cos θ, accurate to a few ε relative even for tiny θ, in the dtype of θ.

    ``1 - jnp.cos(theta)`` loses everything for small θ: cos θ ≈ 1 - θ²/2 rounds to 1 in
    float32 once θ < 3e-4. Use an identity that does not subtract.

    Args:
        theta: angles, radians, any shape, float32 or float64 (|θ| < π).

    Returns:
        1 - cos θ, same shape and same dtype as theta, relative error a few ε of that dtype.
    """
    # HINT: A half-angle identity turns 1 - cos θ into a product, which has no cancellation.
    # HINT: Chapter 1, "A float32 pitfall you can see" shows the same cancellation; the identity 1
    # - cos θ = 2 sin²(θ/2) and jnp.sin; keep the dtype of theta (no float64 constant: a Python
    # number like 2 does not change the dtype).
    # HINT: s = jnp.sin(theta / 2); then 2 times the square of s.
    # BEGIN SOLUTION
    theta = jnp.asarray(theta)
    s = jnp.sin(theta / 2)
    return 2 * s * s
    # END SOLUTION
