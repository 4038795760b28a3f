"""Reading the protein Cα atoms of PDB and mmCIF files with gemmi (private).

Re-exported by :mod:`jaxnm_course.structures`; which atoms are kept is described there.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

from ._lookup import _resolve


class Structure(NamedTuple):
    """Cα model of a protein: one entry per residue, in file order.

    Attributes:
        R: Cα coordinates, NumPy float64 of shape (N, 3), in Å (of the chosen model; the
            first one with ``model="all"``).
        resnames: residue names (3-letter codes such as ``"ALA"``), tuple of length N.
        resnums: residue sequence numbers as written in the file (author numbering),
            int64 array of shape (N,).
        icodes: insertion codes, ``""`` where there is none, tuple of length N.
        chains: chain id of each residue (author chain id), tuple of length N.
        bfactors: isotropic B-factors of the Cα atoms, float64 array of shape (N,), in Å².
        name: the id asked for (e.g. ``"1UBI"``), or the file name without its suffixes.
        source: path of the file that was read.
        models: with ``model="all"``, the Cα coordinates of every model, float64 array of
            shape (n_models, N, 3) in Å (``models[0]`` equals ``R``); None otherwise.
    """

    R: np.ndarray
    resnames: tuple[str, ...]
    resnums: np.ndarray
    icodes: tuple[str, ...]
    chains: tuple[str, ...]
    bfactors: np.ndarray
    name: str
    source: str
    models: np.ndarray | None = None

    @property
    def n_residues(self) -> int:
        """Number of residues (Cα atoms), N."""
        return int(self.R.shape[0])


# --- reading ---------------------------------------------------------------------------


def _read(path: Path):
    import gemmi

    if path.stat().st_size == 0:
        raise ValueError(
            f"load_structure: {str(path)!r} is empty (0 bytes); download or copy it again."
        )
    try:
        st = gemmi.read_structure(str(path), format=gemmi.CoorFormat.Detect)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ValueError(
            f"load_structure: {str(path)!r} could not be read as a PDB or mmCIF file "
            f"({exc}); check that the file is complete (not truncated by a failed "
            "download) and in one of these formats."
        ) from exc
    if len(st) == 0 or all(len(list(model.all())) == 0 for model in st):
        raise ValueError(
            f"load_structure: {str(path)!r} holds no atoms: it is empty or not a PDB/mmCIF "
            "file (a PDB file needs ATOM/HETATM records, an mmCIF file an _atom_site loop)."
        )
    st.setup_entities()
    return st


def _pick_ca(residue, altloc: str):
    """First Cα (a carbon named CA) of a residue, preferring the requested altloc."""
    found = [a for a in residue if a.name == "CA" and a.element.name == "C"]
    if not found:
        return None
    if altloc != "first":
        for atom in found:
            if atom.altloc == altloc:
                return atom
    return found[0]


def _model_cas(model, chain_filter: set[str] | None, altloc: str) -> list[tuple]:
    import gemmi

    polymer = gemmi.EntityType.Polymer
    rows: list[tuple] = []
    seen: dict[tuple, int] = {}
    for chain in model:
        if chain_filter is not None and chain.name not in chain_filter:
            continue
        for residue in chain:
            if residue.entity_type != polymer:
                continue
            info = gemmi.find_tabulated_residue(residue.name)
            if info is None or not info.is_amino_acid():
                continue
            atom = _pick_ca(residue, altloc)
            if atom is None:
                continue
            icode = residue.seqid.icode.strip()
            key = (chain.name, residue.seqid.num, icode)
            # gemmi stores B as float32: go through its shortest decimal form so that
            # 9.58 in the file reads as 9.58, not 9.579999923706055.
            bfactor = float(str(np.float32(atom.b_iso)))
            row = (key, residue.name, atom.pos.tolist(), bfactor, atom.altloc)
            if key in seen:
                # Same residue number twice: alternative residues (microheterogeneity).
                # Keep the first, unless it is not the altloc asked for and this one is.
                i = seen[key]
                if altloc != "first" and rows[i][4] != altloc and atom.altloc == altloc:
                    rows[i] = row
                continue
            seen[key] = len(rows)
            rows.append(row)
    return rows


def load_structure(
    source: str | os.PathLike,
    *,
    chains: str | Iterable[str] | None = None,
    model: int | Literal["all"] = 0,
    altloc: str = "first",
    download: bool | None = None,
) -> Structure:
    """Read the protein Cα atoms of a PDB or mmCIF structure.

    See the module documentation for which atoms count as protein Cα and where ids are
    looked up.

    Args:
        source: path of a ``.pdb``/``.ent``/``.cif``/``.mmcif`` file (optionally ``.gz``),
            or an id (case-insensitive): a bundled one (``"1UBI"``, ``"1AKE"``,
            ``"4AKE_A_aligned"``), one found in ``JAXNM_DATA_DIR`` or the cache, or a PDB
            id to download.
        chains: keep only these chains (author chain ids, case-sensitive; one id as a
            string, or several in a list). None keeps every chain.
        model: index of the model to read (0-based, in file order), or ``"all"`` to read
            every model into :attr:`Structure.models`.
        altloc: ``"first"`` keeps the first alternate location of each Cα in file order;
            a one-character label (e.g. ``"B"``) prefers that one.
        download: allow downloading from the RCSB. None (default) allows it unless the
            environment variable ``JAXNM_OFFLINE`` is ``1``/``true``/``yes``.

    Returns:
        A :class:`Structure` with N residues; coordinates in Å, B-factors in Å².

    Raises:
        FileNotFoundError: no such file, or an id found nowhere and not downloadable.
        ValueError: an unreadable or empty file, no protein Cα (in the selected chains),
            a model index out of range, models with different residues (``"all"``), or
            a bad ``chains``/``altloc``/``model`` argument.
    """
    if altloc != "first" and not (isinstance(altloc, str) and len(altloc) == 1):
        raise ValueError(
            f"load_structure: `altloc` must be 'first' or one character such as 'A', got "
            f"{altloc!r}."
        )
    if isinstance(model, bool) or not (model == "all" or isinstance(model, int | np.integer)):
        raise ValueError(
            f"load_structure: `model` must be a model index (0 for the first) or 'all', got "
            f"{model!r}."
        )
    chain_filter: set[str] | None
    if chains is None:
        chain_filter = None
    else:
        chain_filter = {chains} if isinstance(chains, str) else set(chains)
        if not chain_filter or not all(isinstance(c, str) for c in chain_filter):
            raise ValueError(
                "load_structure: `chains` must be a chain id such as 'A' or a non-empty "
                f"list of chain ids, got {chains!r}."
            )

    path, name = _resolve(source, download)
    st = _read(path)
    n_models = len(st)
    if model == "all":
        indices = list(range(n_models))
    else:
        if not 0 <= int(model) < n_models:
            raise ValueError(
                f"load_structure: model index {model} is out of range: {str(path)!r} has "
                f"{n_models} model(s), numbered 0 to {n_models - 1} here (0-based, in file "
                "order); pass model='all' to read them all."
            )
        indices = [int(model)]

    per_model = [_model_cas(st[i], chain_filter, altloc) for i in indices]
    rows = per_model[0]
    if chain_filter is not None:
        present = {r[0][0] for r in rows}
        missing = sorted(chain_filter - present)
        if missing:
            available = sorted({r[0][0] for r in _model_cas(st[indices[0]], None, altloc)})
            raise ValueError(
                f"load_structure: chain(s) {missing} of {str(path)!r} hold no protein Cα; "
                f"chains with protein are {available} (chain ids are case-sensitive)."
            )
    if not rows:
        raise ValueError(
            f"load_structure: {str(path)!r} has no protein Cα atom (no carbon named CA in "
            "an amino-acid residue of a polymer chain); it may hold only water, ions, "
            "ligands or nucleic acids. Normal modes of this module need a protein."
        )
    keys = [r[0] for r in rows]
    for i, other in zip(indices[1:], per_model[1:], strict=True):
        if [r[0] for r in other] != keys:
            raise ValueError(
                f"load_structure: model {i} of {str(path)!r} has different residues than "
                f"model {indices[0]} ({len(other)} vs {len(rows)} Cα); model='all' needs "
                "the same residues in every model, read the models one at a time instead."
            )
    R = np.array([r[2] for r in rows], dtype=np.float64)
    models = (
        np.array([[r[2] for r in m] for m in per_model], dtype=np.float64)
        if model == "all"
        else None
    )
    return Structure(
        R=R,
        resnames=tuple(r[1] for r in rows),
        resnums=np.array([k[1] for k in keys], dtype=np.int64),
        icodes=tuple(k[2] for k in keys),
        chains=tuple(k[0] for k in keys),
        bfactors=np.array([r[3] for r in rows], dtype=np.float64),
        name=name,
        source=str(path),
        models=models,
    )
