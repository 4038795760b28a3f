"""The pair list: one type, one validator (private module).

A pair list is a NumPy integer array of shape (P, 2), dtype int64, read-only: row p = (i, j)
is a spring (or bond, or contact) between atoms i and j. It lives in NumPy, outside
``jit``, because its length fixes array shapes. Every public function that takes pairs
checks them here, once, with the same rules:

* dtype: integer (bool is not an integer here) -> otherwise **TypeError**; an empty list
  of any real dtype (``[]`` is float64 in NumPy) is accepted as (0, 2);
* shape (P, 2), indices in 0..N-1 (N when known), i != j in each row, and each unordered
  pair at most once ((i, j) and (j, i) are the same spring) -> otherwise **ValueError**.

Repeated pairs are refused, not summed: a spring listed twice is almost always a bug
(double-counted stiffness), and refusing it makes every path (dense, sparse, energies)
agree. Internal padding (:func:`jaxnm_course.network.pad_pairs`) repeats a pair with zero
stiffness on purpose; it never goes through this check.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import is_concrete

__all__ = ["Pairs", "check_index_list", "check_indices_in_range", "check_pairs"]

#: A validated pair list: read-only ``np.ndarray`` of int64, shape (P, 2).
Pairs = np.ndarray


def check_index_list(idx: Any, width: int = 2, name: str = "pairs") -> np.ndarray:
    """Validate a list of atom-index tuples (pairs, angles): integer (K, width), distinct.

    Checks everything that does not need the number of atoms: concrete (not traced),
    integer dtype, rectangular shape (K, width), no negative index, distinct atoms within
    a row. Messages carry no function name (the public boundary adds it).

    Args:
        idx: array-like of shape (K, width).
        width: number of atoms per row (2 for pairs and bonds, 3 for angles).
        name: the argument's name, for messages.

    Returns:
        Read-only int64 array of shape (K, width).

    Raises:
        TypeError: a traced JAX value, or a non-integer dtype.
        ValueError: ragged, wrong shape, negative index, the same atom twice in a row.
    """
    if not is_concrete(idx):
        raise TypeError(
            f"`{name}` is a traced JAX value; index lists fix array shapes, so build them "
            "with NumPy outside `jit`/`grad` and close over them."
        )
    try:
        arr = np.asarray(idx)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"`{name}` must be a rectangular integer array of shape (K, {width}) ({exc})."
        ) from exc
    if arr.size == 0 and arr.dtype.kind in "biuf":
        out = np.zeros((0, width), dtype=np.int64)
        out.flags.writeable = False
        return out
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"`{name}` must be integer atom indices, got dtype {arr.dtype}; convert with "
            f"`np.asarray({name}, dtype=int)` if the values are whole numbers (e.g. the "
            "(P, 2) int64 array of jaxnm_course.network.contact_pairs)."
        )
    if arr.ndim != 2 or arr.shape[1] != width:
        hint = (
            f" (one entry? wrap it in a list: [{tuple(int(i) for i in arr)}])"
            if arr.ndim == 1 and arr.shape[0] == width
            else ""
        )
        raise ValueError(
            f"`{name}` must have shape ({'P' if width == 2 else 'K'}, {width}), one row of "
            f"{width} atom indices per entry, got shape {arr.shape}{hint}."
        )
    if (arr < 0).any():
        row = int(np.argwhere(arr < 0)[0, 0])
        raise ValueError(
            f"`{name}` row {row} {arr[row].tolist()} has a negative index; atom indices "
            "are 0-based and must be >= 0 (negative ones would silently wrap around)."
        )
    for a in range(width):
        for b in range(a + 1, width):
            same = arr[:, a] == arr[:, b]
            if same.any():
                row = int(np.argmax(same))
                raise ValueError(
                    f"`{name}` row {row} {arr[row].tolist()} names the same atom twice (it "
                    f"couples atom {arr[row, a]} to itself); each entry needs distinct atoms."
                )
    out = arr.astype(np.int64)
    out.flags.writeable = False
    return out


def check_indices_in_range(idx: np.ndarray, n_atoms: int, name: str = "pairs") -> None:
    """Raise ValueError if an index of a validated list is >= n_atoms."""
    if idx.size and int(idx.max()) >= n_atoms:
        row = int(np.argwhere(idx >= n_atoms)[0, 0])
        raise ValueError(
            f"`{name}` row {row} {idx[row].tolist()} refers to atom {int(idx[row].max())}: "
            f"indices outside 0..{n_atoms - 1}; they must index the N = {n_atoms} atoms "
            "of R."
        )


def check_pairs(pairs: Any, n_atoms: int | None = None, name: str = "pairs") -> np.ndarray:
    """Validate a pair list: integer (P, 2), i != j, in range, each unordered pair once.

    Args:
        pairs: array-like of shape (P, 2), either order within a row.
        n_atoms: N, to check the range of the indices; None to skip that check.
        name: the argument's name, for messages.

    Returns:
        The pairs as a read-only int64 array of shape (P, 2), rows as given.

    Raises:
        TypeError: non-integer dtype, or a traced value.
        ValueError: wrong shape, negative or out-of-range index, a self pair, a repeated
            pair.
    """
    p = check_index_list(pairs, 2, name)
    if n_atoms is not None:
        check_indices_in_range(p, n_atoms, name)
    if len(p) > 1:
        key = np.sort(p, axis=1)
        key = key[:, 0] * (int(key.max()) + 1) + key[:, 1]
        order = np.argsort(key, kind="stable")
        same = key[order][1:] == key[order][:-1]
        if same.any():
            later, earlier = order[1:][same], order[:-1][same]
            at = int(np.argmin(later))
            r2, r1 = int(later[at]), int(earlier[at])
            raise ValueError(
                f"`{name}` row {r2} {p[r2].tolist()} repeats row {r1} {p[r1].tolist()} (the "
                "same pair, as (i, j) or (j, i)); each unordered pair must appear once, or "
                "its spring would be counted twice."
            )
    return p
