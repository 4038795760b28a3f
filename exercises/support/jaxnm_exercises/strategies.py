"""Hypothesis strategies of the exercise tests (fixed shapes, so JAX compiles once).

Structures are jittered grid points (no two atoms closer than ~0.8 Å, never coplanar), with
random masses, rigid motions and spring networks whose rest lengths are the current
distances (so the structure is a minimum: 6 zero modes).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .catalog import Ref, energy

__all__ = [
    "N_ATOMS",
    "all_pairs",
    "masses",
    "permutations",
    "positions",
    "rotations",
    "spring_constants",
    "spring_network",
    "translations",
]

#: Fixed number of atoms of the property tests.
N_ATOMS = 5

_GRID = np.stack(np.meshgrid(*[np.arange(3.0)] * 3, indexing="ij"), -1).reshape(-1, 3) * 2.0


@st.composite
def positions(draw: st.DrawFn, n: int = N_ATOMS) -> np.ndarray:
    """Points (n of them) non-overlapping, non-coplanar points (Å), shape (n, 3), float64."""
    sites = draw(st.permutations(range(len(_GRID))))[:n]
    jitter = draw(st.lists(st.floats(-0.4, 0.4, allow_nan=False), min_size=3 * n, max_size=3 * n))
    R = _GRID[list(sites)] + np.reshape(jitter, (n, 3))
    _, s, vt = np.linalg.svd(R - R.mean(0))
    if n >= 4 and s[2] < 0.1 * s[0]:
        R[0] += 0.5 * vt[2]
    return R


@st.composite
def rotations(draw: st.DrawFn) -> np.ndarray:
    """A proper rotation matrix, shape (3, 3), from a random quaternion."""
    q = np.array(draw(st.lists(st.floats(-1, 1), min_size=4, max_size=4)))
    if np.linalg.norm(q) < 1e-3:
        q = np.array([1.0, 0.0, 0.0, 0.0])
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def translations() -> st.SearchStrategy[np.ndarray]:
    """A translation vector, shape (3,), Å."""
    return st.lists(st.floats(-10, 10), min_size=3, max_size=3).map(np.array)


def masses(n: int = N_ATOMS) -> st.SearchStrategy[np.ndarray]:
    """Masses in [1, 50] amu, shape (n,)."""
    return st.lists(st.floats(1.0, 50.0), min_size=n, max_size=n).map(np.array)


def spring_constants(n: int = N_ATOMS) -> st.SearchStrategy[np.ndarray]:
    """One spring constant in [0.5, 50] kcal/mol/Å² per pair of n atoms."""
    m = n * (n - 1) // 2
    return st.lists(st.floats(0.5, 50.0), min_size=m, max_size=m).map(np.array)


def permutations(n: int = N_ATOMS) -> st.SearchStrategy[np.ndarray]:
    """A permutation of range(n) as an integer array."""
    return st.permutations(list(range(n))).map(np.array)


def all_pairs(n: int) -> np.ndarray:
    """All pairs i < j, shape (n (n - 1) / 2, 2)."""
    return np.array(np.triu_indices(n, 1)).T


def spring_network(R: np.ndarray, k: np.ndarray, r0: np.ndarray | None = None) -> Ref:
    """The all-pairs spring network energy Σ k/2 (r - r0)² as a :class:`Ref`.

    Args:
        R: coordinates, shape (n, 3), Å.
        k: spring constants, one per pair.
        r0: rest lengths, one per pair; default: the distances of R (R is then a minimum).

    Returns:
        ``catalog.energy("spring_network", ...)``.
    """
    pairs = all_pairs(len(R))
    if r0 is None:
        r0 = np.linalg.norm(R[pairs[:, 1]] - R[pairs[:, 0]], axis=-1)
    return energy("spring_network", pairs=pairs, k=np.asarray(k, float), r0=np.asarray(r0, float))
