"""The :class:`Molecule` record and the helpers that build one (private).

Re-exported by :mod:`jaxnm_course.molecules`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .. import _validate
from ..elements import masses_of
from ..potentials import AngleTerm, PairTerm, angle_energy, bond_energy, sum_energies


class Molecule(NamedTuple):
    """A test system: atoms, equilibrium geometry and energy function.

    A NamedTuple, so ``mol._replace(masses=...)`` makes an isotopically substituted copy.
    It holds a Python function and strings, so it is not meant to pass through ``jit``;
    pass ``mol.energy`` and ``mol.R`` instead.

    Attributes:
        name: a short label, e.g. ``"H2O (SPC/Fw)"``.
        symbols: element symbols or isotope labels, length N (``"X"`` for model particles).
        masses: m_i, shape (N,), amu, float64.
        R: equilibrium coordinates, shape (N, 3), Å, float64: a minimum of ``energy``.
        energy: E(R) -> scalar, kcal/mol, for R of shape (N, 3) in Å; already wrapped in
            ``jax.jit`` (one compiled call per Hessian instead of hundreds of small
            dispatches), and differentiable with ``jax.grad``/``jax.hessian``.
        bonds: bonded pairs (i, j), integer shape (B, 2) (empty for clusters).
        angles: bend triples (i, j, k) with the vertex in the middle, integer shape
            (T, 3) (possibly empty).
        linear: whether the equilibrium geometry is linear (5 rigid-body modes, not 6).
        reference: where the parameters and geometry come from.
        parameters: the force-field parameters used (names with units in the
            constructor's docstring), including any derived from experiment.
    """

    name: str
    symbols: tuple[str, ...]
    masses: jnp.ndarray
    R: jnp.ndarray
    energy: Callable[[ArrayLike], jnp.ndarray]
    bonds: np.ndarray
    angles: np.ndarray
    linear: bool
    reference: str
    parameters: Mapping[str, float]

    @property
    def n_atoms(self) -> int:
        """Number of atoms N."""
        return int(self.R.shape[0])


# --- helpers --------------------------------------------------------------------------------


# The messages below name no function: the public builder calling them is decorated with
# ``_validate.public``, which puts its own name in front (the name the user called).


def _positive(x: Any, name: str) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a number, got {x!r}.") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"`{name}` must be finite and > 0, got {x!r}.")
    return value


def _nonnegative(x: Any, name: str) -> float:
    try:
        value = float(x)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a number, got {x!r}.") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"`{name}` must be finite and >= 0, got {x!r}.")
    return value


def _count(n: Any, name: str, minimum: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < minimum:
        raise ValueError(f"`{name}` must be an integer >= {minimum}, got {n!r}.")
    return int(n)


def _index_array(rows: list[tuple[int, ...]], width: int) -> np.ndarray:
    arr = np.array(rows, dtype=np.int64).reshape(-1, width)
    arr.flags.writeable = False
    return arr


def _valence_molecule(
    *,
    name: str,
    symbols: tuple[str, ...],
    R: np.ndarray,
    bonds: list[tuple[int, int]],
    bond_term: PairTerm,
    angles: list[tuple[int, int, int]],
    angle_term: AngleTerm | None,
    linear: bool,
    reference: str,
    parameters: dict[str, float],
    masses: ArrayLike | None = None,
) -> Molecule:
    """Assemble a Molecule with bond (and optional angle) terms."""
    bond_idx = _index_array(bonds, 2)
    angle_idx = _index_array(angles, 3)
    fns = [bond_energy(bond_term, bond_idx)]
    if angle_term is not None and angle_idx.shape[0]:
        fns.append(angle_energy(angle_term, angle_idx))
    energy = jax.jit(fns[0] if len(fns) == 1 else sum_energies(*fns))
    m = masses_of(symbols) if masses is None else masses
    R = _validate.as_positions(R)
    return Molecule(
        name=name,
        symbols=tuple(symbols),
        masses=_validate.as_masses(m, R.shape[0]),
        R=R,
        energy=energy,
        bonds=bond_idx,
        angles=angle_idx,
        linear=linear,
        reference=reference,
        parameters=dict(parameters),
    )
