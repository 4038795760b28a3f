"""Export of structures and modes: multi-model PDB trajectories, NMD files (VMD), XYZ.

Plain-Python writers (no JAX, no x64 needed), one Cα per residue as in
:class:`~jaxnm_course.Structure`:

* :func:`write_pdb_trajectory`: a multi-model PDB file (``MODEL``/``ENDMDL``), e.g. the
  frames of :func:`jaxnm_course.analysis.traverse_mode`, for PyMOL, VMD, ChimeraX, gemmi,
  ProDy; fixed-column records as in the wwPDB format 3.3 specification
  (https://www.wwpdb.org/documentation/file-format).
* :func:`write_nmd`: the NMD format of VMD's Normal Mode Wizard (NMWiz), read by
  ``prody.parseNMD``: key-value lines ``coordinates``, ``resnames``, ``resids``, ...
  and one ``mode <index> <scale> <vector>`` line per mode (A. Bakan, L. M. Meireles,
  I. Bahar, Bioinformatics 27, 1575 (2011); http://prody.csb.pitt.edu/manual/reference/
  dynamics/nmdfile.html).
* :func:`write_xyz`: multi-frame XYZ (atom count, comment, ``symbol x y z`` lines).

Coordinates are in Å.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from .modes import Modes
from .structures import Structure

__all__ = ["write_nmd", "write_pdb_trajectory", "write_xyz"]


def _frames(frames: Any, function: str, name: str = "frames") -> np.ndarray:
    try:
        X = np.asarray(frames, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{function}: `{name}` is not a numeric array ({exc}).") from exc
    if X.ndim == 2:
        X = X[None]
    if X.ndim != 3 or X.shape[-1] != 3 or X.shape[1] == 0 or X.shape[0] == 0:
        raise ValueError(
            f"{function}: `{name}` must have shape (N, 3) or (n_frames, N, 3) in Å, got "
            f"{tuple(np.shape(frames))}."
        )
    if not np.isfinite(X).all():
        raise ValueError(f"{function}: `{name}` contains NaN or inf; nothing was written.")
    return X


def _residue_fields(structure: Structure | None, n: int, function: str) -> tuple:
    if structure is None:
        return ("ALA",) * n, tuple(range(1, n + 1)), ("",) * n, ("A",) * n
    if not isinstance(structure, Structure):
        raise TypeError(
            f"{function}: `structure` must be a Structure (from load_structure) or None, "
            f"got {type(structure).__name__}."
        )
    if structure.n_residues != n:
        raise ValueError(
            f"{function}: `structure` has {structure.n_residues} residues but the "
            f"coordinates have {n} atoms."
        )
    return (
        structure.resnames,
        tuple(int(r) for r in structure.resnums),
        structure.icodes,
        structure.chains,
    )


def write_pdb_trajectory(
    path: str | os.PathLike,
    frames: Any,
    structure: Structure | None = None,
    *,
    bfactors: Any = None,
    remark: str | None = None,
) -> Path:
    """Write Cα frames as a multi-model PDB file (one ``MODEL`` per frame).

    Args:
        path: output file.
        frames: coordinates, shape (n_frames, N, 3) or (N, 3), Å.
        structure: residue names, numbers, insertion codes and chains of the N residues
            (e.g. from :func:`~jaxnm_course.load_structure`); None writes ALA 1..N, chain A.
        bfactors: values for the B-factor column, shape (N,) (e.g. fluctuations, to colour
            by), or None for the structure's B-factors (0 without a structure).
        remark: optional text for a ``REMARK`` line.

    Returns:
        The path written.

    Raises:
        ValueError: bad shapes, non-finite coordinates, or values that do not fit the PDB
            columns (coordinates outside -999.999..9999.999 Å, residue numbers outside
            -999..9999, chain ids longer than one character, more than 99,999 atoms).
    """
    fn = "write_pdb_trajectory"
    X = _frames(frames, fn)
    n = X.shape[1]
    resnames, resnums, icodes, chains = _residue_fields(structure, n, fn)
    if bfactors is None:
        B = structure.bfactors if structure is not None else np.zeros(n)
    else:
        B = np.asarray(bfactors, dtype=np.float64)
    if B.shape != (n,) or not np.isfinite(B).all():
        raise ValueError(f"{fn}: `bfactors` must be {n} finite values, got shape {B.shape}.")
    if X.min() < -999.999 or X.max() > 9999.999:
        raise ValueError(
            f"{fn}: coordinates outside -999.999..9999.999 Å do not fit the PDB format's "
            "8-character columns; write mmCIF with gemmi instead, or centre the structure."
        )
    if np.abs(B).max(initial=0) >= 1000:
        raise ValueError(f"{fn}: `bfactors` must be within ±999.99 to fit the PDB column.")
    if n > 99_999:
        raise ValueError(f"{fn}: {n} atoms exceed the 99,999 atom serials of the PDB format.")
    bad = [c for c in set(chains) if len(c) != 1]
    if bad:
        raise ValueError(
            f"{fn}: chain ids must be one character in the PDB format, got {sorted(bad)}."
        )
    if any(not -999 <= r <= 9999 for r in resnums):
        raise ValueError(f"{fn}: residue numbers must lie in -999..9999 for the PDB format.")

    lines = []
    if remark:
        lines += [f"REMARK   1 {line}"[:80] for line in remark.splitlines()]
    for f, R in enumerate(X, start=1):
        lines.append(f"MODEL     {f:4d}")
        serial = 0
        for i in range(n):
            serial += 1
            x, y, z = R[i]
            lines.append(
                f"ATOM  {serial:5d}  CA  {resnames[i]:>3s} {chains[i]:1s}{resnums[i]:4d}"
                f"{icodes[i] or ' ':1s}   {x:8.3f}{y:8.3f}{z:8.3f}{1.0:6.2f}{B[i]:6.2f}"
                f"           C"
            )
            if i == n - 1 or chains[i + 1] != chains[i]:
                serial += 1
                lines.append(
                    f"TER   {serial:5d}      {resnames[i]:>3s} {chains[i]:1s}{resnums[i]:4d}"
                    f"{icodes[i] or ' ':1s}"
                )
        lines.append("ENDMDL")
    lines.append("END")
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path


def _nmd_name(name: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9_]", "_", name)[:30]
    return clean or "modes"


def write_nmd(
    path: str | os.PathLike,
    R: Any,
    modes: Any,
    structure: Structure | None = None,
    *,
    n_modes: int | None = None,
    name: str | None = None,
) -> Path:
    """Write modes in the NMD format of VMD's Normal Mode Wizard (NMWiz).

    Each mode line is ``mode <k> <scale> <u_k>`` with k counted from 1, u_k the unit
    Cartesian vector (3N numbers, x1 y1 z1 x2 ...) and scale = λ_k^{-1/2}, the relative
    thermal amplitude (ProDy writes the same; ``prody.parseNMD`` turns it back into
    λ_k = scale⁻²).

    Args:
        path: output file (``.nmd`` by convention).
        R: coordinates, shape (N, 3), Å (or a Structure, whose R is used).
        modes: Cartesian modes: a :class:`~jaxnm_course.Modes` (its ``vectors`` and
            ``eigenvalues``) or ``(eigenvalues, vectors)`` with vectors (3N, M).
        structure: residue names, numbers, chains and B-factors; defaults to ``R`` when it
            is a Structure, else ALA 1..N in chain A.
        n_modes: write only the slowest ``n_modes`` modes.
        name: title shown in NMWiz (letters, digits and ``_``; others become ``_``).

    Returns:
        The path written.

    Raises:
        TypeError: ``modes`` neither a Modes nor a pair of arrays.
        ValueError: the modes are not Cartesian (GNM modes, ``modes.dim == 1``; or not 3N
            rows for the N atoms of R), an eigenvalue is zero or negative, or the inputs
            are not finite.
    """
    fn = "write_nmd"
    if isinstance(R, Structure):
        structure = R if structure is None else structure
        R = R.R
    X = _frames(R, fn, "R")
    if X.shape[0] != 1:
        raise ValueError(f"{fn}: `R` must be one structure of shape (N, 3), got {X.shape}.")
    X = X[0]
    n = X.shape[0]
    if isinstance(modes, Modes):
        if modes.dim != 3:
            raise ValueError(
                f"{fn}: NMD files hold Cartesian modes (3N numbers per mode); these are GNM "
                f"modes (modes.dim == {modes.dim}), one number per residue. Pass Cartesian "
                "modes from normal_modes or anm (modes.dim == 3)."
            )
        lam, V = np.asarray(modes.eigenvalues), np.asarray(modes.vectors)
    elif isinstance(modes, tuple | list) and len(modes) == 2:
        lam, V = np.asarray(modes[0], dtype=np.float64), np.asarray(modes[1], dtype=np.float64)
        if V.ndim == 1:
            V = V[:, None]
    else:
        raise TypeError(f"{fn}: `modes` must be a Modes or a pair (eigenvalues, vectors).")
    lam = np.atleast_1d(lam).astype(np.float64)
    if V.ndim != 2 or V.shape[0] != 3 * n or lam.shape != (V.shape[1],):
        raise ValueError(
            f"{fn}: need Cartesian vectors of shape (3N, M) = ({3 * n}, M) and M eigenvalues "
            f"for the {n} atoms of R; got vectors {V.shape}, eigenvalues {lam.shape}."
        )
    if not (np.isfinite(lam).all() and np.isfinite(V).all()):
        raise ValueError(f"{fn}: the modes contain NaN or inf.")
    if (lam <= 0).any():
        raise ValueError(
            f"{fn}: eigenvalue {int(np.argmax(lam <= 0))} is not positive; leave the "
            "rigid-body (zero) modes out: their amplitude λ^-1/2 is undefined."
        )
    if n_modes is not None:
        lam, V = lam[:n_modes], V[:, :n_modes]
    resnames, resnums, _, chains = _residue_fields(structure, n, fn)
    if any(" " in c or not c for c in chains):
        chains = tuple(c.strip() or "_" for c in chains)
    title = _nmd_name(name or (structure.name if structure is not None else "") or "modes")
    path = Path(path)
    lines = [
        # The file name only, never the writer's folders (files are published on the site);
        # `vmd -e name.nmd` run in the file's folder finds it.
        f"nmwiz_load {path.name}",
        f"name {title}",
        "atomnames " + " ".join(["CA"] * n),
        "resnames " + " ".join(resnames),
        "resids " + " ".join(str(r) for r in resnums),
        "chainids " + " ".join(chains),
    ]
    if structure is not None:
        lines.append("bfactors " + " ".join(f"{b:.2f}" for b in structure.bfactors))
    lines.append("coordinates " + " ".join(f"{c:.4f}" for c in X.reshape(-1)))
    norms = np.linalg.norm(V, axis=0)
    for k in range(V.shape[1]):
        u = V[:, k] / norms[k]
        scale = lam[k] ** -0.5
        lines.append(f"mode {k + 1} {scale:.8g} " + " ".join(f"{c:.6f}" for c in u))
    path.write_text("\n".join(lines) + "\n")
    return path


def write_xyz(
    path: str | os.PathLike,
    frames: Any,
    *,
    symbols: Any = None,
    comments: Any = None,
) -> Path:
    """Write one or more frames in the XYZ format.

    Args:
        path: output file.
        frames: coordinates, shape (n_frames, N, 3) or (N, 3), Å.
        symbols: element symbol of each atom (N strings), or None for "C" (Cα atoms).
        comments: one comment line per frame (no newlines), or None for "frame <k>".

    Returns:
        The path written.
    """
    fn = "write_xyz"
    X = _frames(frames, fn)
    n_frames, n = X.shape[:2]
    syms = ["C"] * n if symbols is None else [str(s) for s in symbols]
    if len(syms) != n or any(not s or " " in s for s in syms):
        raise ValueError(f"{fn}: `symbols` must be {n} non-empty symbols without spaces.")
    notes = [f"frame {k}" for k in range(n_frames)] if comments is None else list(comments)
    if len(notes) != n_frames or any("\n" in str(c) for c in notes):
        raise ValueError(f"{fn}: `comments` must be {n_frames} single-line strings.")
    lines = []
    for R, note in zip(X, notes, strict=True):
        lines += [str(n), str(note)]
        lines += [
            f"{s:<2s} {x:16.10f} {y:16.10f} {z:16.10f}"
            for s, (x, y, z) in zip(syms, R, strict=True)
        ]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n")
    return path
