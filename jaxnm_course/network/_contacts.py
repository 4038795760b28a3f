"""Contacts: who is joined to whom (NumPy/SciPy, outside ``jit``: they fix shapes).

* :func:`contact_pairs`: pairs within a cutoff (``<=``, as ProDy), by KD-tree;
* :func:`pairs_within`: pairs closer than a distance (``<``), e.g. a smooth cutoff plus a
  margin (:func:`cutoff_margin`), by KD-tree;
* :func:`all_pairs`: every pair i < j, minus exclusions (bonded pairs of a molecule);
* :func:`bucket_size` and :func:`pad_pairs`: pad a pair list to one of a few lengths so
  jitted kernels compile once per bucket, not once per contact count;
* :func:`connected_components`: the pieces of the contact graph.

Every list returned is a validated pair list (:mod:`._pairs`): int64, shape (P, 2),
i < j in each row, rows sorted lexicographically, read-only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components as _csgraph_components
from scipy.spatial import cKDTree

from .._validate import as_cutoff, as_numpy_positions, public
from ._pairs import check_index_list, check_indices_in_range, check_pairs

__all__ = [
    "DisconnectedNetworkError",
    "all_pairs",
    "as_count",
    "bucket_size",
    "connected_components",
    "connectivity",
    "contact_pairs",
    "cutoff_margin",
    "find_contacts",
    "pad_pairs",
    "pairs_within",
]


def _frozen(pairs: np.ndarray) -> np.ndarray:
    pairs = np.ascontiguousarray(pairs, dtype=np.int64).reshape(-1, 2)
    pairs.flags.writeable = False
    return pairs


def _sorted(pairs: np.ndarray) -> np.ndarray:
    pairs = np.sort(pairs.reshape(-1, 2), axis=1)
    return _frozen(pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))])


def _kd_pairs(R: np.ndarray, radius: float) -> np.ndarray:
    """Pairs with |r_j - r_i| <= radius (KD-tree: memory O(pairs), not N²), sorted."""
    return _sorted(cKDTree(R).query_pairs(radius, output_type="ndarray").astype(np.int64))


@public
def contact_pairs(R: Any, cutoff: float | None) -> np.ndarray:
    """Pairs of atoms within ``cutoff`` of each other: the springs of an elastic network.

    Built with a KD-tree (``scipy.spatial.cKDTree.query_pairs``), so memory grows with the
    number of contacts, not N². A pair at exactly the cutoff distance counts (as in ProDy).
    Runs in NumPy, outside ``jit``: the number of pairs fixes array shapes.

    Args:
        R: coordinates, shape (N, 3), Å.
        cutoff: distance in Å, or None for all N(N-1)/2 pairs.

    Returns:
        Integer array (int64) of shape (P, 2) with i < j in every row, rows sorted
        lexicographically (read-only).

    Raises:
        TypeError: R not numeric; cutoff not a number.
        ValueError: R not of shape (N, 3) or not finite; cutoff <= 0 or not finite.
    """
    return find_contacts(as_numpy_positions(R), as_cutoff(cutoff))


def find_contacts(R: np.ndarray, cutoff: float | None) -> np.ndarray:
    """:func:`contact_pairs` of checked inputs (R float64 (N, 3), cutoff > 0 or None)."""
    if cutoff is None:
        return _frozen(np.stack(np.triu_indices(R.shape[0], 1), axis=1))
    return _kd_pairs(R, cutoff)


@public
def pairs_within(R: Any, max_distance: float | None) -> np.ndarray:
    """Pairs of atoms strictly closer than ``max_distance`` (KD-tree; None or inf: all).

    The pair list of a network whose springs fade out smoothly (a logistic switch): use
    ``max_distance = cutoff_margin(cutoff, width)`` so that the dropped springs are
    negligible, and more if the cutoff itself will be fitted.

    Args:
        R: coordinates, shape (N, 3), Å.
        max_distance: Å, > 0; None or inf for all pairs.

    Returns:
        int64 array of shape (P, 2), i < j, sorted, read-only.
    """
    R = as_numpy_positions(R)
    if max_distance is None or (np.isscalar(max_distance) and np.isinf(max_distance)):
        return _frozen(np.stack(np.triu_indices(R.shape[0], 1), axis=1))
    limit = as_cutoff(max_distance, "max_distance")
    pairs = _kd_pairs(R, limit)
    d2 = ((R[pairs[:, 1]] - R[pairs[:, 0]]) ** 2).sum(-1)
    return _frozen(pairs[d2 < limit * limit])


def cutoff_margin(cutoff: float, width: float, n_widths: float = 10.0) -> float:
    """Distance beyond which a logistic switch 1/(1 + e^((r - r_c)/w)) is negligible, Å.

    r_c + n_widths w: the switch is below e^-n_widths there (4.5e-5 for 10 widths).

    Args:
        cutoff: r_c, Å.
        width: w, Å.
        n_widths: how many widths past the cutoff.

    Returns:
        The distance, Å.
    """
    return float(cutoff) + float(n_widths) * float(width)


@public
def all_pairs(n_atoms: int, exclude: Any = None) -> np.ndarray:
    """All index pairs (i, j) with i < j among n atoms, minus excluded ones (NumPy).

    Built outside ``jit`` (its length fixes array shapes). The list has
    P = n (n - 1) / 2 - (number of distinct excluded pairs) rows, in row-major order.

    Args:
        n_atoms: N >= 1.
        exclude: pairs to leave out, integer shape (E, 2), in either order (``(j, i)``
            excludes ``(i, j)``), e.g. the bonds of a molecule; None for none. Repeats are
            harmless here (excluding twice is excluding).

    Returns:
        Integer array of shape (P, 2), i < j in each row (read-only).

    Raises:
        TypeError: n_atoms not an integer; exclude not integer.
        ValueError: n_atoms < 1; bad exclusion list or indices >= N.

    Reference: M. P. Allen, D. J. Tildesley, *Computer Simulation of Liquids*, 2nd ed.
    (2017), §5.1 (pair loops and exclusions).
    """
    n = as_count(n_atoms, "n_atoms")
    pairs = np.stack(np.triu_indices(n, k=1), axis=1).astype(np.int64)
    if exclude is not None:
        ex = check_index_list(exclude, 2, "exclude")
        check_indices_in_range(ex, n, "exclude")
        ex = np.sort(ex, axis=1)
        drop = np.zeros((n, n), dtype=bool)
        drop[ex[:, 0], ex[:, 1]] = True
        pairs = pairs[~drop[pairs[:, 0], pairs[:, 1]]]
    return _frozen(pairs)


def as_count(n: Any, name: str) -> int:
    """A positive integer (a number of atoms): TypeError if not an integer, else >= 1."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"`{name}` must be an integer (a number of atoms), got {n!r}.")
    if n < 1:
        raise ValueError(f"`{name}` must be a positive integer (>= 1), got {n}.")
    return int(n)


def bucket_size(n_pairs: int) -> int:
    """Padded length of a pair list: 16, then 4 sizes per octave (< 25 % waste).

    Jitted kernels compile once per array shape; contact counts differ from one
    structure to the next, so padding to these few sizes bounds the compilations.
    """
    if n_pairs <= 16:
        return 16
    step = 1 << max((n_pairs - 1).bit_length() - 3, 0)
    return -(-n_pairs // step) * step


def pad_pairs(pairs: np.ndarray) -> np.ndarray:
    """Pad a validated pair list (N >= 2 atoms) to :func:`bucket_size` with pair (0, 1).

    The padding rows must get zero stiffness (``k[n_real:] = 0``), so their blocks are
    exactly zero and add nothing; drop them (``[:len(pairs)]``) before a sparse assembly.

    Returns:
        int64 array of shape (bucket_size(P), 2); the first P rows are ``pairs``.
    """
    n_pad = bucket_size(len(pairs)) - len(pairs)
    return np.concatenate([pairs, np.tile(np.array([[0, 1]], dtype=np.int64), (n_pad, 1))])


@public
def connected_components(n_atoms: int, pairs: Any) -> tuple[int, np.ndarray]:
    """Connected components of the contact graph (SciPy's ``csgraph``).

    Args:
        n_atoms: N, the number of nodes.
        pairs: edges, integer array of shape (P, 2) (a pair list).

    Returns:
        (number of components, label of each atom as an int array of shape (N,)); labels
        are numbered in order of each component's first atom.
    """
    n = as_count(n_atoms, "n_atoms")
    return components(n, check_pairs(pairs, n))


def components(n_atoms: int, pairs: np.ndarray) -> tuple[int, np.ndarray]:
    """:func:`connected_components` of a validated pair list (no checks)."""
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = sp.coo_matrix((np.ones(len(p)), (p[:, 0], p[:, 1])), shape=(n_atoms, n_atoms))
    n_comp, labels = _csgraph_components(graph, directed=False)
    # Relabel in order of first appearance, so the labelling is deterministic.
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    return int(n_comp), order[labels].astype(np.int64)


class DisconnectedNetworkError(ValueError):
    """The elastic network falls apart into pieces that move independently.

    Each extra piece adds its own rigid-body zero modes (6 for ANM, 1 for GNM), which are
    not vibrations of the protein; usually the cutoff is too small for the structure (or
    it has chain breaks far apart, or stray atoms).
    """


def connectivity(
    R: np.ndarray,
    pairs: np.ndarray,
    g: Any,
    cutoff: float | None,
    allow_disconnected: bool,
    model: str,
) -> tuple[int, np.ndarray]:
    """Components of the network of springs with γ > 0; raise if several (unless allowed).

    Args:
        R: coordinates (N, 3), Å (to say how far the smallest piece is from the rest).
        pairs: the real springs (P, 2).
        g: their constants, shape (P,).
        cutoff: the cutoff used (for the message), Å or None.
        allow_disconnected: return the pieces instead of raising.
        model: "ANM" or "GNM" (for the message).

    Returns:
        (number of components, label of each atom (N,)).

    Raises:
        DisconnectedNetworkError: several components and not ``allow_disconnected``.
    """
    live = pairs[np.asarray(g) > 0] if len(pairs) else pairs
    n_comp, labels = components(R.shape[0], live)
    if n_comp > 1 and not allow_disconnected:
        sizes = np.bincount(labels)
        smallest = int(np.argmin(sizes))
        inside = labels == smallest
        gap, _ = cKDTree(R[~inside]).query(R[inside])
        shown = ", ".join(str(s) for s in sorted(sizes.tolist(), reverse=True)[:8])
        more = ", ..." if n_comp > 8 else ""
        per = (
            "6 zero modes per piece, 5 for a collinear one, 3 for a lone atom"
            if model == "ANM"
            else "1 zero mode per piece"
        )
        at = f"at cutoff {cutoff} Å" if cutoff is not None else "with cutoff=None"
        raise DisconnectedNetworkError(
            f"the {model} network {at} has {n_comp} disconnected components "
            f"(sizes {shown}{more}); each moves rigidly on its own ({per}), which are not "
            f"vibrations of the protein. The smallest component ({sizes[smallest]} "
            f"atom(s)) is {float(gap.min()):.3g} Å from the rest: use a cutoff larger than "
            "that (or check for chain breaks and stray atoms), or pass "
            "allow_disconnected=True to remove the rigid-body motions of every component "
            "(they are then counted in Modes.n_rigid)."
        )
    return n_comp, labels
