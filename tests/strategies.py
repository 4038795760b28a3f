"""Hypothesis strategies of the tests, and small test systems (fixed shapes: JAX compiles once).

Reference implementations that tests compare with live in ``tests/references.py``.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from jaxnm_exercises.strategies import rotations  # noqa: F401  (one definition, re-exported)

from jaxnm_course.geometry import safe_norm

N_ATOMS = 5  # fixed size for property tests: every example reuses the compiled code

_GRID = np.stack(np.meshgrid(*[np.arange(3.0)] * 3, indexing="ij"), -1).reshape(-1, 3) * 2.0


@st.composite
def positions(draw, n: int = N_ATOMS) -> np.ndarray:
    """n non-overlapping, non-coplanar points: distinct jittered grid sites (gaps > 0.7 Å)."""
    sites = draw(st.permutations(range(len(_GRID))))[:n]
    jitter = draw(st.lists(st.floats(-0.4, 0.4, allow_nan=False), min_size=3 * n, max_size=3 * n))
    R = _GRID[list(sites)] + np.reshape(jitter, (n, 3))
    # Coplanar draws (grid sites in one plane, no jitter) are floppy out of plane: lift
    # one atom off the plane so every generated structure is a 3D, rigid network.
    _, s, vt = np.linalg.svd(R - R.mean(0))
    if s[2] < 0.1 * s[0]:
        R[0] += 0.5 * vt[2]
    return R


def translations() -> st.SearchStrategy:
    return st.lists(st.floats(-10, 10), min_size=3, max_size=3).map(np.array)


def masses(n: int = N_ATOMS) -> st.SearchStrategy:
    return st.lists(st.floats(1.0, 50.0), min_size=n, max_size=n).map(np.array)


def spring_constants(n: int = N_ATOMS) -> st.SearchStrategy:
    m = n * (n - 1) // 2
    return st.lists(st.floats(0.5, 50.0), min_size=m, max_size=m).map(np.array)


def pairs(n: int = N_ATOMS) -> np.ndarray:
    return np.array(np.triu_indices(n, 1)).T


def spring_network_energy(R, k, r0, pair_list):
    """Σ_pairs k/2 (|r_j - r_i| - r0)², kcal/mol. A minimum when r0 = current lengths."""
    d = safe_norm(R[pair_list[:, 1]] - R[pair_list[:, 0]])
    return 0.5 * jnp.sum(k * (d - r0) ** 2)


def spring_network(R: np.ndarray, k: np.ndarray):
    """(energy_fn(R), r0) of an all-pairs network whose rest lengths are R's distances."""
    pl = pairs(len(R))
    r0 = np.linalg.norm(R[pl[:, 1]] - R[pl[:, 0]], axis=-1)
    return (lambda X: spring_network_energy(X, jnp.asarray(k), jnp.asarray(r0), pl)), r0


def block_rotate(Q: np.ndarray, n: int) -> np.ndarray:
    """The (3N, 3N) block-diagonal matrix diag(Q, ..., Q)."""
    return np.kron(np.eye(n), Q)


# --- compact random clouds of 12 atoms (ENM property tests) --------------------------------

N_CLOUD = 12
_SITES = np.stack(np.meshgrid(*[np.arange(3.0)] * 3, indexing="ij"), -1).reshape(-1, 3) * 3.8


@st.composite
def clouds(draw) -> np.ndarray:
    """12 distinct sites of a 3.8 Å cubic grid, each jittered by up to 0.8 Å per axis.

    Any two atoms are at least 3.8 - 2 * 0.8 = 2.2 Å apart (no overlaps), the cloud spans
    at most 7.6 + 1.6 Å per axis, and it is never collinear or coplanar in practice.
    """
    sites = draw(st.permutations(range(len(_SITES))))[:N_CLOUD]
    jitter = draw(
        st.lists(
            st.floats(-0.8, 0.8, allow_nan=False),
            min_size=3 * N_CLOUD,
            max_size=3 * N_CLOUD,
        )
    )
    return _SITES[list(sites)] + np.reshape(jitter, (N_CLOUD, 3))


# --- thermochemistry: six vibrational wavenumbers (cm⁻¹) and temperatures (K) -------------

frequencies = hnp.arrays(
    np.float64, 6, elements=st.floats(5.0, 4000.0, allow_nan=False, allow_infinity=False)
)
temperatures = st.floats(1.0, 5000.0, allow_nan=False, allow_infinity=False)
