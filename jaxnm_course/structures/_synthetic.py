"""A synthetic protein-like Cα cloud of any size, for benchmarks and solver tests (private).

Re-exported by :mod:`jaxnm_course.structures`.
"""

from __future__ import annotations

import numpy as np


def globular_cloud(n: int, *, seed: int = 0, spacing: float = 5.0) -> np.ndarray:
    """A synthetic, compact, protein-like cloud of N Cα-like points (for scaling studies).

    The points of a cubic grid of step ``spacing`` nearest to its centre (a ball), each
    moved by a uniform jitter in [-0.6, 0.6] Å per coordinate. One point per spacing³:
    with 5 Å that is one residue per 125 Å³, about the Cα density of a folded protein, so
    an ENM of this cloud has as many contacts per residue (at 8-15 Å) as a real one. Used
    where a system of any size is needed (benchmarks, solver tests); for science, load a
    real structure with :func:`load_structure`.

    Args:
        n: number of points N (>= 1).
        seed: seed of the jitter (NumPy ``default_rng``): same seed, same cloud.
        spacing: grid step, Å (> 1.2, so that jittered points never overlap).

    Returns:
        Float64 NumPy array R of shape (N, 3), Å, centred near the origin.

    Raises:
        ValueError: ``n`` < 1 or ``spacing`` <= 1.2.
    """
    if isinstance(n, bool) or int(n) != n or n < 1:
        raise ValueError(f"globular_cloud: `n` must be a positive integer, got {n!r}.")
    if not (np.isfinite(spacing) and spacing > 1.2):
        raise ValueError(
            f"globular_cloud: `spacing` must be > 1.2 Å (the jitter is ±0.6 Å), got {spacing}."
        )
    n = int(n)
    rng = np.random.default_rng(seed)
    side = int(np.ceil((2 * n) ** (1 / 3))) + 2
    grid = np.stack(np.meshgrid(*[np.arange(side)] * 3, indexing="ij"), -1).reshape(-1, 3)
    points = (grid - (side - 1) / 2) * float(spacing)
    points = points[np.argsort((points**2).sum(1), kind="stable")[:n]]
    return points + rng.uniform(-0.6, 0.6, points.shape)
