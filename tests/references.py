"""Reference implementations shared by several test files (plain NumPy, no JAX, no library).

Each one is written independently of :mod:`jaxnm_course`, the textbook way, so that a test
comparing the library with it checks the library against a second derivation.
"""

from __future__ import annotations

import numpy as np

from tests.strategies import pairs


def numpy_anm_hessian(R: np.ndarray, cutoff: float, gamma: float = 1.0) -> np.ndarray:
    """Plain loop over all pairs (no KD-tree, no JAX): the textbook ANM Hessian."""
    n = len(R)
    H = np.zeros((3 * n, 3 * n))
    for i in range(n):
        for j in range(i + 1, n):
            d = R[j] - R[i]
            r2 = d @ d
            if r2 > cutoff**2:
                continue
            b = -gamma * np.outer(d, d) / r2
            H[3 * i : 3 * i + 3, 3 * j : 3 * j + 3] = b
            H[3 * j : 3 * j + 3, 3 * i : 3 * i + 3] = b
            H[3 * i : 3 * i + 3, 3 * i : 3 * i + 3] -= b
            H[3 * j : 3 * j + 3, 3 * j : 3 * j + 3] -= b
    return H


def analytic_spring_hessian(R: np.ndarray, k: np.ndarray, r0: np.ndarray) -> np.ndarray:
    """Hand-derived Hessian of Σ k/2 (r - r0)² (independent of autodiff).

    For one spring between i and j with unit vector e and length r, the off-diagonal block
    is -k [e e^T + (1 - r0/r)(1 - e e^T)]; diagonal blocks are minus the row sums.
    """
    n = len(R)
    H = np.zeros((3 * n, 3 * n))
    for (i, j), kk, rr0 in zip(pairs(n), k, r0, strict=True):
        d = R[j] - R[i]
        r = np.linalg.norm(d)
        e = d / r
        ee = np.outer(e, e)
        block = -kk * (ee + (1 - rr0 / r) * (np.eye(3) - ee))
        H[3 * i : 3 * i + 3, 3 * j : 3 * j + 3] = block
        H[3 * j : 3 * j + 3, 3 * i : 3 * i + 3] = block
        H[3 * i : 3 * i + 3, 3 * i : 3 * i + 3] -= block
        H[3 * j : 3 * j + 3, 3 * j : 3 * j + 3] -= block
    return H


def tetrahedron(a: float = 3.8) -> np.ndarray:
    """Regular tetrahedron of edge a (Å): alternate corners of a cube of side a/√2."""
    c = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float)
    return c * a / (2 * np.sqrt(2)) + np.array([0.3, -0.2, 0.1])
