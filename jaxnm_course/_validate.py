"""Input checks shared by the public functions (private module).

Every check names the argument, says what was wrong and what to do; TypeError for a
wrong type, ValueError for a wrong value. Checks of *values* (finite, overlapping atoms,
symmetry) need concrete arrays; inside ``jax.jit`` the inputs are tracers and only shapes
and dtypes can be checked, so value checks are skipped there (validate before you jit, or
call the public function outside).

Naming the public function in messages: decorate it with :func:`public`. The checks
below then take no function name (``function=None``); the outermost decorated function
on the call stack (the one the user called) prefixes every TypeError/ValueError raised
inside it with ``"<name>: "``. A public function calling another (``anm`` calling
``anm_hessian``) thus reports under the name the user typed, and no helper has to thread
a name through. Checks still called with an explicit ``function`` (modules not yet
decorated) keep their own prefix, which is left alone.
"""

from __future__ import annotations

import contextvars
import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from .precision import ENABLE_X64_HINT, PrecisionError, require_x64

#: Two atoms closer than this (Å) are reported as overlapping: no physical structure has
#: them, and energies with 1/r terms or unit vectors are undefined there.
OVERLAP_DISTANCE = 1e-2

_F = TypeVar("_F", bound=Callable[..., Any])
_OUTERMOST: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "jaxnm_public_function", default=None
)
_PREFIXED = re.compile(r"^[A-Za-z_][\w.]*: ")


def public(fn: _F | None = None, *, name: str | None = None) -> Any:
    """Mark a public boundary: errors raised inside it name it (if it is the outermost).

    A TypeError or ValueError (subclasses included, e.g. ``PrecisionError``) whose
    message does not already start with ``"name: "`` gets ``"<name>: "`` put in front, in
    place (same exception object, type and traceback). Use as ``@public`` (the name is
    the function's) or ``public(f, name="bond_energy")`` for a closure.
    """
    if fn is None:
        return functools.partial(public, name=name)
    label = name or fn.__name__

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _OUTERMOST.get() is not None:
            return fn(*args, **kwargs)
        token = _OUTERMOST.set(label)
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError) as exc:
            if len(exc.args) == 1 and isinstance(exc.args[0], str):
                message = exc.args[0]
                if not (message.startswith(label) or _PREFIXED.match(message)):
                    exc.args = (f"{label}: {message}",)
            raise
        finally:
            _OUTERMOST.reset(token)

    return wrapper


def _at(function: str | None) -> str:
    """Message prefix: ``"function: "``, or nothing (a :func:`public` boundary adds it)."""
    return f"{function}: " if function else ""


def is_concrete(x: Any) -> bool:
    """Whether ``x`` holds values (not a tracer inside jit/grad/vmap)."""
    return not isinstance(x, jax.core.Tracer)


def as_float64(x: Any, name: str, function: str | None = None) -> jnp.ndarray:
    """Convert to a float64 JAX array, refusing low-precision floats and non-numbers."""
    require_x64(function or _OUTERMOST.get() or "this function")
    dtype = getattr(x, "dtype", None)
    if dtype is None:
        try:
            x = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(
                f"{_at(function)}`{name}` could not be read as a numeric array ({exc})."
            ) from exc
        dtype = x.dtype
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        raise TypeError(f"{_at(function)}`{name}` is complex ({dtype}); pass real numbers.")
    if dtype.kind not in "biuf":
        raise TypeError(
            f"{_at(function)}`{name}` has dtype {dtype}; pass an array of real numbers."
        )
    if dtype.kind == "f" and dtype.itemsize < 8:
        raise PrecisionError(
            f"{_at(function)}`{name}` is {dtype}, which keeps about 7 significant digits: not "
            "enough for normal modes (rounding moves atoms by ~1e-6 Å and gives spurious "
            "imaginary frequencies). Pass float64, e.g. `jnp.asarray(R, dtype=jnp.float64)`; "
            "an array created before JAX's 64-bit mode was on stays float32, so "
            f"{ENABLE_X64_HINT}."
        )
    return jnp.asarray(x, dtype=jnp.float64)


def _check_finite(x: jnp.ndarray, name: str, function: str | None = None) -> None:
    if not is_concrete(x):
        return
    values = np.asarray(x)
    bad = ~np.isfinite(values)
    if bad.any():
        where = np.argwhere(bad)[0]
        kind = "NaN" if np.isnan(values[tuple(where)]) else "inf"
        raise ValueError(
            f"{_at(function)}`{name}` contains {int(bad.sum())} non-finite value(s) "
            f"(first: {kind} at index {tuple(int(i) for i in where)}); "
            "check how the array was made (a failed read, a division by zero)."
        )


def _check_n3(R: Any, name: str, function: str | None = None) -> None:
    """ValueError unless R has shape (N, 3) with N >= 1 (with a hint for a flat vector)."""
    if R.ndim != 2 or R.shape[-1] != 3 or R.shape[0] == 0:
        hint = (
            f" (did you pass a flat vector of length 3N? use `{name}.reshape(-1, 3)`)"
            if R.ndim == 1 and R.size % 3 == 0 and R.size > 0
            else ""
        )
        raise ValueError(
            f"{_at(function)}`{name}` must have shape (N, 3) with N >= 1 atoms, got shape "
            f"{tuple(R.shape)}{hint}."
        )


def find_overlaps(R: np.ndarray, tol: float = OVERLAP_DISTANCE) -> tuple[int, int, float] | None:
    """First pair (i < j, lexicographic) of atoms closer than ``tol`` (Å), or None.

    With SciPy, a KD-tree finds the close pairs in O(N log N) time (milliseconds for the
    16,716 Cα of the 4V8R assembly, where the blocked all-pairs search below takes ~25 s);
    without it, a blocked all-pairs search with memory O(N * block).
    """
    R = np.asarray(R, dtype=np.float64)
    n = R.shape[0]
    try:
        from scipy.spatial import cKDTree
    except ImportError:  # pragma: no cover - SciPy is a dependency; kept as a fallback
        cKDTree = None
    if cKDTree is not None:
        close = cKDTree(R).query_pairs(tol, output_type="ndarray").reshape(-1, 2)
        close = np.sort(close, axis=1)
        d2 = ((R[close[:, 1]] - R[close[:, 0]]) ** 2).sum(-1)
        close = close[d2 < tol * tol]  # query_pairs includes distance == tol
        if close.shape[0] == 0:
            return None
        i, j = close[np.lexsort((close[:, 1], close[:, 0]))[0]]
        return int(i), int(j), float(np.sqrt(((R[j] - R[i]) ** 2).sum()))
    block = max(1, min(n, 2_000_000 // max(n, 1)))
    for start in range(0, n, block):
        chunk = R[start : start + block]
        d2 = ((chunk[:, None, :] - R[None, :, :]) ** 2).sum(-1)
        rows = np.arange(chunk.shape[0])[:, None] + start
        d2[np.arange(n)[None, :] <= rows] = np.inf  # only pairs j > i
        if (d2 < tol * tol).any():
            i, j = np.argwhere(d2 < tol * tol)[0]
            return int(i + start), int(j), float(np.sqrt(d2[i, j]))
    return None


def as_positions(
    R: Any, function: str | None = None, name: str = "R", *, check_overlap: bool = True
) -> jnp.ndarray:
    """Validate coordinates: float64 array of shape (N, 3), finite, no overlapping atoms.

    Args:
        R: coordinates in Å.
        function: public function name for messages.
        name: argument name for messages.
        check_overlap: also reject pairs of atoms closer than :data:`OVERLAP_DISTANCE`.

    Returns:
        R as a float64 JAX array of shape (N, 3).
    """
    R = as_float64(R, name, function)
    _check_n3(R, name, function)
    _check_finite(R, name, function)
    if check_overlap and is_concrete(R):
        hit = find_overlaps(np.asarray(R))
        if hit is not None:
            i, j, d = hit
            raise ValueError(
                f"{_at(function)}atoms {i} and {j} of `{name}` overlap (distance {d:.3g} Å < "
                f"{OVERLAP_DISTANCE} Å); remove duplicate atoms (alternate locations, "
                "repeated models) before the analysis."
            )
    return R


def as_masses(
    masses: Any, n_atoms: int, function: str | None = None, name: str = "masses"
) -> jnp.ndarray:
    """Validate masses: float64 array of shape (N,), finite and > 0 (amu)."""
    m = as_float64(masses, name, function)
    if m.ndim != 1 or m.shape[0] != n_atoms:
        raise ValueError(
            f"{_at(function)}`{name}` must have shape ({n_atoms},), one mass per atom "
            f"(amu), got shape {tuple(m.shape)}."
        )
    _check_finite(m, name, function)
    if is_concrete(m) and (np.asarray(m) <= 0).any():
        bad = int(np.argmax(np.asarray(m) <= 0))
        raise ValueError(
            f"{_at(function)}`{name}` must be positive (amu); atom {bad} has mass {float(m[bad])}."
        )
    return m


def as_hessian(
    H: Any, function: str | None = None, name: str = "H", *, sym_tol: float = 1e-8
) -> jnp.ndarray:
    """Validate a Hessian: float64 (3N, 3N), finite, symmetric to ``sym_tol`` (relative)."""
    H = as_float64(H, name, function)
    if H.ndim == 4 and H.shape[1] == 3 and H.shape[3] == 3 and H.shape[0] == H.shape[2]:
        raise ValueError(
            f"{_at(function)}`{name}` has shape {tuple(H.shape)} (N, 3, N, 3); reshape it to "
            f"(3N, 3N) with `{name}.reshape(3 * N, 3 * N)` (atom-major order x1, y1, z1, x2...)."
        )
    if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] % 3 != 0 or H.shape[0] == 0:
        raise ValueError(
            f"{_at(function)}`{name}` must be a square (3N, 3N) matrix, got shape "
            f"{tuple(H.shape)}."
        )
    _check_finite(H, name, function)
    if is_concrete(H):
        h = np.asarray(H)
        scale = max(float(np.abs(h).max()), 1e-300)
        asym = float(np.abs(h - h.T).max())
        if asym > sym_tol * scale:
            raise ValueError(
                f"{_at(function)}`{name}` is not symmetric (max |H - H^T| = {asym:.3g}, "
                f"{asym / scale:.3g} of max |H|); a Hessian must be symmetric. Check the "
                "reshape order (N, 3, N, 3) -> (3N, 3N), or symmetrise: (H + H.T) / 2."
            )
    return H


def as_numpy_positions(R: Any, name: str = "R") -> np.ndarray:
    """Coordinates for NumPy-only code (contact search): (N, 3), real, finite; no x64 needed.

    Returns:
        R as a float64 NumPy array of shape (N, 3).
    """
    try:
        R = np.asarray(R)
    except Exception as exc:
        raise TypeError(f"`{name}` could not be read as a numeric array ({exc}).") from exc
    if R.dtype.kind not in "biuf":
        raise TypeError(f"`{name}` has dtype {R.dtype}; pass real coordinates in Å.")
    _check_n3(R, name)
    _check_finite(R, name)
    return R.astype(np.float64)


def as_cutoff(cutoff: Any, name: str = "cutoff") -> float | None:
    """A contact cutoff: a positive finite distance in Å (float), or None for all pairs."""
    if cutoff is None:
        return None
    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float | np.integer | np.floating):
        raise TypeError(
            f"`{name}` must be a distance in Å (a number) or None for all pairs, got {cutoff!r}."
        )
    value = float(cutoff)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(
            f"`{name}` must be a positive, finite distance in Å (ANM typically 13-15 Å, GNM "
            f"7-10 Å), or None for all pairs; got {value}."
        )
    return value


def as_n_modes(n_modes: Any, available: int) -> int:
    """Number of modes to return: an integer in 1..available, or None for all of them.

    Raises:
        TypeError: not an integer (or None).
        ValueError: out of range.
    """
    if n_modes is None:
        return available
    if isinstance(n_modes, bool) or not isinstance(n_modes, int | np.integer):
        raise TypeError(
            f"`n_modes` must be a positive integer or None (all modes), got {n_modes!r}."
        )
    if not 1 <= int(n_modes) <= available:
        raise ValueError(
            f"`n_modes` = {n_modes} is out of range: there are {available} internal modes "
            f"(those left after removing the rigid-body ones), so ask for between 1 and "
            f"{available}, or pass n_modes=None for all of them."
        )
    return int(n_modes)
