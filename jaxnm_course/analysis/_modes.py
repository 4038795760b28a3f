"""Reading modes for the analyses: eigenvalues, thermal basis and the dimension (private).

Every place where an analysis decides whether modes are Cartesian (ANM, dim = 3) or
one-dimensional (GNM, dim = 1) lives in this module, so that the rule can change in one
place. A :class:`~jaxnm_course.Modes` says it (``Modes.dim``, read by :func:`_modes_dim`;
a ``dim`` keyword that disagrees is a ValueError); only plain arrays need a rule:

* :func:`_mode_arrays`: the ``dim`` keyword (checked by :func:`_check_dim`);
* :func:`_one_dimensional`: plain arrays default to dim = 1 (used by ``hinge_residues``);
* :func:`_cartesian`: plain arrays default to dim = 3 (used by ``sample_conformers``).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from .. import _validate
from ..modes import Modes

#: An eigenvalue below this fraction of the largest one counts as a zero (rigid-body) mode.
ZERO_EIGENVALUE_RTOL = 1e-8


class _ModeArrays(NamedTuple):
    eigenvalues: jnp.ndarray  # (M,)
    basis: jnp.ndarray  # (dim * N, M): thermal displacement basis, M^{-1/2} l_k
    dim: int
    n_atoms: int


def _check_dim(dim: Any, rows: int, function: str) -> int:
    if dim is None:
        raise ValueError(
            f"{function}: with plain arrays `(eigenvalues, vectors)` pass `dim`: 3 for "
            "Cartesian (ANM) vectors of shape (3N, M), 1 for GNM vectors of shape (N, M)."
        )
    if dim not in (1, 3):
        raise ValueError(f"{function}: `dim` must be 1 (GNM) or 3 (ANM/Cartesian), got {dim!r}.")
    if rows % dim:
        raise ValueError(
            f"{function}: `vectors` has {rows} rows, not a multiple of dim={dim}; "
            "Cartesian modes have 3N rows (x1, y1, z1, x2, ...)."
        )
    return int(dim)


def _mode_arrays(
    modes: Any, function: str, *, dim: int | None = None, n_modes: int | None = None
) -> _ModeArrays:
    """Eigenvalues and thermal displacement basis of a Modes or (eigenvalues, vectors)."""
    if isinstance(modes, Modes):
        dim = _modes_dim(modes, dim, function)
        lam = _validate.as_float64(modes.eigenvalues, "modes.eigenvalues", function)
        L = _validate.as_float64(modes.mw_vectors, "modes.mw_vectors", function)
        m = _validate.as_float64(modes.masses, "modes.masses", function)
        basis = L / jnp.sqrt(jnp.repeat(m, dim))[:, None]
    elif isinstance(modes, tuple | list) and len(modes) == 2:
        lam = _validate.as_float64(modes[0], "eigenvalues", function)
        basis = _validate.as_float64(modes[1], "vectors", function)
        if basis.ndim == 1:
            basis = basis[:, None]
        if basis.ndim != 2:
            raise ValueError(
                f"{function}: `vectors` must have shape (dim*N, M), got {tuple(basis.shape)}."
            )
        dim = _check_dim(dim, basis.shape[0], function)
    else:
        raise TypeError(
            f"{function}: `modes` must be a Modes or a pair (eigenvalues, vectors), got "
            f"{type(modes).__name__}."
        )
    lam = jnp.atleast_1d(lam)
    if lam.ndim != 1 or lam.shape[0] != basis.shape[1]:
        raise ValueError(
            f"{function}: {lam.shape[0] if lam.ndim == 1 else tuple(lam.shape)} eigenvalues "
            f"for {basis.shape[1]} vectors; give one eigenvalue per column of `vectors`."
        )
    _validate._check_finite(lam, "eigenvalues", function)
    _validate._check_finite(basis, "vectors", function)
    if n_modes is not None:
        if isinstance(n_modes, bool) or not isinstance(n_modes, int | np.integer):
            raise TypeError(f"{function}: `n_modes` must be an integer, got {n_modes!r}.")
        if not 1 <= n_modes <= lam.shape[0]:
            raise ValueError(
                f"{function}: `n_modes` must be between 1 and the {lam.shape[0]} modes "
                f"available, got {n_modes}."
            )
        lam, basis = lam[:n_modes], basis[:, :n_modes]
    if _validate.is_concrete(lam):
        values = np.asarray(lam)
        scale = max(float(np.abs(values).max()), 1e-300)
        bad = np.flatnonzero(values <= ZERO_EIGENVALUE_RTOL * scale)
        if bad.size:
            raise ValueError(
                f"{function}: eigenvalue {int(bad[0])} is {values[bad[0]]:.3g}, zero or "
                f"negative ({bad.size} such); thermal fluctuations need a restoring force in "
                "every mode. Leave the rigid-body modes out (normal_modes(..., project=True), "
                "or slice them off) and check that the structure is a minimum."
            )
    return _ModeArrays(lam, basis, dim, basis.shape[0] // dim)


def _modes_dim(modes: Modes, dim: Any, function: str) -> int:
    """``modes.dim`` of a Modes (1 or 3, matching its shapes); a ``dim`` keyword must agree."""
    own = modes.dim
    n = int(np.shape(modes.masses)[0]) if np.ndim(modes.masses) == 1 else 0
    if not _validate.is_concrete(own):  # a Modes passed into jit: its dim is traced
        own = np.shape(modes.mw_vectors)[0] // max(n, 1)
    elif hasattr(own, "dtype") and np.ndim(own) == 0 and np.dtype(own.dtype).kind in "iu":
        own = int(own)  # a Modes returned by jit: dim came back as a 0-d array
    if isinstance(own, bool) or own not in (1, 3):
        raise ValueError(
            f"{function}: `modes.dim` must be 3 (Cartesian: normal_modes, anm) or 1 (GNM), "
            f"got {own!r}."
        )
    if dim is not None and dim != own:
        raise ValueError(
            f"{function}: dim={dim!r} disagrees with the modes, which have modes.dim={own} "
            f"({'GNM' if own == 1 else 'Cartesian'} modes); leave `dim` out for a Modes (it "
            "is only needed for plain (eigenvalues, vectors) arrays)."
        )
    for name in ("vectors", "mw_vectors"):
        shape = np.shape(getattr(modes, name))
        if len(shape) != 2 or n == 0 or shape[0] != own * n:
            raise ValueError(
                f"{function}: `modes.{name}` has shape {shape} but a Modes with dim={own} "
                f"and {n} masses needs ({own * n}, M); build GNM modes with `dim=1` and "
                "Cartesian ones with `dim=3` (as jaxnm_course.enm.gnm and anm do)."
            )
    return int(own)


def _one_dimensional(
    modes: Any, function: str, *, dim: int | None, n_modes: int | None
) -> _ModeArrays:
    """GNM (dim = 1) modes: plain arrays default to dim = 1, Cartesian modes are refused."""
    if dim is None and not isinstance(modes, Modes):  # (a Modes is a tuple too)
        dim = 1
    arr = _mode_arrays(modes, function, dim=dim, n_modes=n_modes)
    if arr.dim != 1:
        raise ValueError(
            f"{function}: hinges are defined on one-dimensional (GNM) mode shapes; these "
            "modes have dim=3 (Cartesian). Use the GNM of the structure (jaxnm_course.enm.gnm)."
        )
    return arr


def _cartesian(modes: Any, R: Any, function: str, n_modes: int | None) -> tuple:
    """Cartesian (dim = 3) modes of the atoms of R: plain arrays are taken as dim = 3."""
    R = _validate.as_positions(R, function, check_overlap=False)
    dim = None if isinstance(modes, Modes) else 3
    arr = _mode_arrays(modes, function, dim=dim, n_modes=n_modes)
    if arr.dim != 3:
        raise ValueError(
            f"{function}: needs Cartesian modes (modes.dim == 3, from normal_modes or anm); "
            "these are GNM modes (modes.dim == 1), which have one scalar per residue and no "
            "direction to displace the atoms along."
        )
    if arr.n_atoms != R.shape[0]:
        raise ValueError(
            f"{function}: the modes must be Cartesian (3N, M) for the {R.shape[0]} atoms of "
            f"`R`; got {arr.basis.shape[0]} rows ({arr.n_atoms} atoms)."
        )
    return R, arr
