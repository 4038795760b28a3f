"""Trusted callables passed to exercise functions by name: :class:`Ref`.

Exercise functions take and return data only. Where an exercise needs a function as an
argument (``hessian(energy, R)``), the test passes a :class:`Ref`: a *name* of a trusted
callable of this module with its parameters, e.g. ``energy("water")`` or
``energy("spring_network", pairs=..., k=..., r0=...)``. A Ref is callable (and
differentiable with ``jax.grad``/``jax.hessian``) like the function it names, so a student
uses it as an ordinary energy function. The batch grader sends it to its worker process as
``(kind, name, params)`` and the worker rebuilds it with :func:`make_ref`; no code crosses.

Kinds and names:

* ``energy``: E(R) -> scalar (kcal/mol) for R of shape (N, 3) in Å.

  - molecules of :mod:`jaxnm_course.molecules` by constructor name (``"water"``,
    ``"carbon_dioxide"``, ``"ammonia"``, ``"methane"``, ``"diatomic"``, ``"harmonic_chain"``,
    ``"lj_cluster"``), params = the constructor's keyword arguments;
  - ``"spring_network"``: Σ_p k_p/2 (|r_j - r_i| - r0_p)² over ``pairs`` (P, 2) with
    ``k`` (P,) and ``r0`` (P,);
  - ``"anm"``: the anisotropic network energy Σ γ/2 (|r_ij| - |r0_ij|)² over the pairs of
    the reference structure ``R0`` (N, 3) closer than ``cutoff`` (Å), spring ``gamma``.

* ``function``: f(x) -> scalar for a scalar x.

  - ``"morse_1d"``: D (1 - exp(-a (x - r0)))², params ``D``, ``a``, ``r0``;
  - ``"polynomial"``: Σ_n c_n x^n, params ``coefficients`` (lowest order first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxnm_course import molecules as _molecules
from jaxnm_course.geometry import safe_norm

__all__ = [
    "KINDS",
    "Ref",
    "energy",
    "function",
    "make_ref",
    "molecule",
    "reference_hessian",
    "resolve",
]

_MOLECULES = (
    "water",
    "carbon_dioxide",
    "ammonia",
    "methane",
    "diatomic",
    "harmonic_chain",
    "lj_cluster",
)

#: Known names per kind.
KINDS: dict[str, tuple[str, ...]] = {
    "energy": (*_MOLECULES, "spring_network", "anm"),
    "function": ("morse_1d", "polynomial"),
}


def _freeze(value: Any) -> Any:
    """A hashable, comparable stand-in for a parameter value (arrays by dtype/shape/bytes)."""
    if isinstance(value, np.ndarray | jax.Array):
        a = np.asarray(value)
        return ("array", a.dtype.str, a.shape, a.tobytes())
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _short(value: Any) -> str:
    if isinstance(value, np.ndarray | jax.Array):
        a = np.asarray(value)
        if a.size <= 6:
            return np.array2string(a, precision=4, separator=", ")
        return f"<{a.dtype} array {a.shape}>"
    return repr(value)


class Ref:
    """A trusted callable named by ``kind``, ``name`` and ``params`` (see the module docs).

    Attributes:
        kind: ``"energy"`` or ``"function"``.
        name: the callable's name within its kind.
        params: its parameters: str keys, values numbers, strings, tuples or arrays.
    """

    def __init__(self, kind: str, name: str, params: dict[str, Any] | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"Ref: unknown kind {kind!r}; known: {sorted(KINDS)}.")
        if name not in KINDS[kind]:
            raise ValueError(f"Ref: unknown {kind} {name!r}; known: {list(KINDS[kind])}.")
        params = dict(params or {})
        for key in params:
            if not isinstance(key, str):
                raise TypeError(f"Ref: parameter names must be strings, got {key!r}.")
        self.kind = kind
        self.name = name
        self.params = params
        self._key = (kind, name, _freeze(params))

    def __call__(self, *args: Any) -> Any:
        """Call the named trusted function."""
        return resolve(self)(*args)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        inner = ", ".join([repr(self.name)] + [f"{k}={_short(v)}" for k, v in self.params.items()])
        return f"catalog.{self.kind}({inner})"


def make_ref(kind: str, name: str, params: dict[str, Any] | None = None) -> Ref:
    """Rebuild a :class:`Ref` from its parts (what the grader's codec sends).

    Args:
        kind: ``"energy"`` or ``"function"``.
        name: a name listed in :data:`KINDS`.
        params: the parameters.

    Returns:
        The Ref; raises ValueError for unknown kinds or names.
    """
    return Ref(kind, name, params)


def energy(name: str, **params: Any) -> Ref:
    """A Ref to a trusted energy function E(R) (kcal/mol, R of shape (N, 3) in Å).

    Args:
        name: a molecule constructor of :mod:`jaxnm_course.molecules`, ``"spring_network"``
            or ``"anm"`` (see the module docstring).
        **params: its parameters.

    Returns:
        The Ref.
    """
    return Ref("energy", name, params)


def function(name: str, **params: Any) -> Ref:
    """A Ref to a trusted scalar function f(x) of a scalar x.

    Args:
        name: ``"morse_1d"`` or ``"polynomial"``.
        **params: its parameters.

    Returns:
        The Ref.
    """
    return Ref("function", name, params)


def molecule(name: str, **params: Any) -> _molecules.Molecule:
    """The trusted :class:`~jaxnm_course.molecules.Molecule` (geometry, masses) of a name.

    Args:
        name: a molecule constructor name.
        **params: its keyword arguments.

    Returns:
        The molecule (cached: the same object for the same parameters).
    """
    if name not in _MOLECULES:
        raise ValueError(f"molecule: unknown molecule {name!r}; known: {list(_MOLECULES)}.")
    return _molecule(name, _freeze(params), params)


_molecule_cache: dict[Any, _molecules.Molecule] = {}


def _molecule(name: str, key: Any, params: dict[str, Any]) -> _molecules.Molecule:
    if (name, key) not in _molecule_cache:
        _molecule_cache[(name, key)] = getattr(_molecules, name)(**params)
    return _molecule_cache[(name, key)]


_hessian_cache: dict[Any, np.ndarray] = {}


def reference_hessian(name: str, **params: Any) -> np.ndarray:
    """The library's Hessian of a molecule at its equilibrium geometry (cached, NumPy).

    Computed once per process with :func:`jaxnm_course.hessian` (compiling a molecule's
    Hessian takes seconds; every test of a session shares it).

    Args:
        name: a molecule constructor name.
        **params: its keyword arguments.

    Returns:
        H, shape (3N, 3N), kcal/mol/Å², read-only.
    """
    from jaxnm_course.hessians import hessian

    key = (name, _freeze(params))
    if key not in _hessian_cache:
        mol = molecule(name, **params)
        H = np.array(hessian(mol.energy, mol.R))
        H.flags.writeable = False
        _hessian_cache[key] = H
    return _hessian_cache[key]


# --- the trusted implementations (jitted once per shape; parameters are arguments) ----------


@jax.jit
def _spring_energy(R: jax.Array, pairs: jax.Array, k: jax.Array, r0: jax.Array) -> jax.Array:
    d = safe_norm(R[pairs[:, 1]] - R[pairs[:, 0]])
    return 0.5 * jnp.sum(k * (d - r0) ** 2)


def _anm_pairs(R0: np.ndarray, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(len(R0), 1)
    d = np.linalg.norm(R0[j] - R0[i], axis=-1)
    keep = d <= cutoff
    return np.stack([i[keep], j[keep]], axis=1), d[keep]


@jax.jit
def _morse_1d(x: jax.Array, D: jax.Array, a: jax.Array, r0: jax.Array) -> jax.Array:
    y = -jnp.expm1(-a * (x - r0))
    return D * y * y


@jax.jit
def _polynomial(x: jax.Array, c: jax.Array) -> jax.Array:
    return jnp.polyval(c[::-1], x)


def _f64(x: Any) -> np.ndarray:
    # NumPy, not jnp: a Ref may first be resolved inside a trace (jit, eval_shape), and a
    # cached jnp constant made there would be a leaked tracer.
    return np.asarray(x, dtype=np.float64)


_resolved: dict[Any, Callable[..., Any]] = {}


def resolve(ref: Ref) -> Callable[..., Any]:
    """The trusted Python callable a :class:`Ref` names (cached per Ref).

    Args:
        ref: the reference.

    Returns:
        The callable.
    """
    if ref._key not in _resolved:
        with jax.ensure_compile_time_eval():  # concrete values even when called under a trace
            _resolved[ref._key] = _build(ref)
    return _resolved[ref._key]


def _build(ref: Ref) -> Callable[..., Any]:
    p = ref.params
    fn: Callable[..., Any]
    if ref.kind == "energy" and ref.name in _MOLECULES:
        fn = molecule(ref.name, **p).energy
    elif ref.name == "spring_network":
        pairs = np.asarray(p["pairs"], dtype=np.int64).reshape(-1, 2)
        k, r0 = _f64(p["k"]), _f64(p["r0"])

        def fn(R: Any) -> Any:
            return _spring_energy(R, pairs, k, r0)

    elif ref.name == "anm":
        pl, d0 = _anm_pairs(np.asarray(p["R0"], dtype=np.float64), float(p["cutoff"]))
        pairs = pl
        r0 = _f64(d0)
        k = _f64(float(p.get("gamma", 1.0)) * np.ones(len(d0)))

        def fn(R: Any) -> Any:
            return _spring_energy(R, pairs, k, r0)

    elif ref.name == "morse_1d":
        D, a, r0 = _f64(p["D"]), _f64(p["a"]), _f64(p["r0"])

        def fn(x: Any) -> Any:
            return _morse_1d(x, D, a, r0)

    elif ref.name == "polynomial":
        c = _f64(p["coefficients"])

        def fn(x: Any) -> Any:
            return _polynomial(x, c)

    else:  # pragma: no cover (names are checked when the Ref is made)
        raise ValueError(f"resolve: no implementation for {ref!r}")
    return fn
