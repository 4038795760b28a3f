"""The float64 ("x64") policy of jaxnm_course.

Normal mode analysis needs float64. Eigenvalues of a Hessian span many orders of
magnitude (six rigid-body zeros next to stiff bond stretches), and float32 keeps about
seven significant digits. For a three-atom spring model of water
(``tests/library/test_precision.py``) the rigid-body "zeros" come out at ~0.1-0.3 cm⁻¹
in float32 against < 1e-4 cm⁻¹ in
float64; rounding protein coordinates (tens of Å) to float32 moves atoms by ~1e-6 Å, which
for a molecule at a minimum means a non-zero gradient and small spurious imaginary
frequencies; and checks against analytic formulas to 1e-10 are out of reach.

JAX computes in float32 unless its 64-bit mode is on, and it silently turns float64 NumPy
input into float32 when the mode is off. The policy here is therefore:

* Importing :mod:`jaxnm_course` does **not** change JAX's global configuration (a library
  should not flip global switches behind its user's back).
* Every public function that needs float64 calls :func:`require_x64` and raises
  :class:`PrecisionError` (a :class:`TypeError`) with instructions when the mode is off.
* Floating-point input in float16/bfloat16/float32 is rejected (again
  :class:`PrecisionError`) instead of being silently computed at low precision; integer
  input and Python floats are converted to float64 exactly.

Turn the mode on **before creating any JAX array** (arrays created earlier stay
float32) with one of::

    import jax
    jax.config.update("jax_enable_x64", True)   # in a script or notebook

    JAX_ENABLE_X64=1 python my_script.py          # from the shell

    with jax.enable_x64(True):                    # for one block (JAX >= 0.7)
        ...

The old recipe ``from jax.config import config; config.update(...)`` no longer works:
``jax.config`` is no longer an importable module (``ModuleNotFoundError``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["ENABLE_X64_HINT", "PrecisionError", "require_x64", "x64_enabled"]

#: How to turn on float64 in JAX, quoted in every precision error.
ENABLE_X64_HINT = (
    'enable it before creating any JAX array: `jax.config.update("jax_enable_x64", True)` '
    "in Python, or `JAX_ENABLE_X64=1` in the environment (the old "
    "`from jax.config import config` was removed from JAX and fails with "
    "ModuleNotFoundError)"
)


class PrecisionError(TypeError):
    """Raised when a computation would silently run in less than float64 precision."""


def x64_enabled() -> bool:
    """Whether JAX currently computes in 64 bits (honours ``jax.enable_x64`` blocks).

    Returns:
        True when ``jnp.float64`` really is float64 in the current context.
    """
    return jax.dtypes.canonicalize_dtype(jnp.float64) == np.dtype(np.float64)


def require_x64(function: str) -> None:
    """Raise :class:`PrecisionError` unless JAX's 64-bit mode is on.

    Args:
        function: name of the public function asking, quoted in the message.

    Raises:
        PrecisionError: JAX's x64 mode is off.
    """
    if not x64_enabled():
        raise PrecisionError(
            f"{function} needs float64, but JAX's 64-bit mode is off, so every array would "
            f"be float32 (about 7 digits: not enough for normal modes); {ENABLE_X64_HINT}."
        )
