"""Protein structures: Cα coordinates from PDB and mmCIF files, and residue masses.

:func:`load_structure` reads a structure with `gemmi <https://gemmi.readthedocs.io>`_
(a maintained reader of both formats: hybrid-36 atom serials, two-character chain ids,
gzipped files) and keeps one Cα atom per amino-acid residue of the polymer chains, the
usual coarse-grained model of elastic network normal mode analysis.

Which atoms are kept
--------------------
An atom is a protein Cα when all of these hold:

* its residue belongs to a polymer (gemmi's entity assignment, which follows the
  entity records of mmCIF files and the TER records and residue kinds of PDB files), so a
  free amino acid bound as a ligand is left out;
* the residue name is an amino acid in gemmi's table of residues
  (``gemmi.find_tabulated_residue(name).is_amino_acid()``): the 20 standard ones and
  modified ones such as MSE, SEP or HYP; names gemmi does not know are left out;
* the atom is named ``CA`` *and* is a carbon, so a calcium ion (residue ``CA``, element
  Ca) or a ligand atom that happens to be named ``CA`` never counts.

Alternate locations: ``altloc="first"`` keeps, for each residue, the first Cα in file
order (and the first of residues that share one number, the "microheterogeneity" case);
``altloc="B"`` prefers the Cα labelled B and falls back to the first one where a residue
has no B. Models: the first (``model=0``) by default; an index picks another (0-based:
the first ``MODEL`` record is 0 whatever its number); ``"all"`` reads every model.

Where a structure comes from
----------------------------
``source`` is a path (``.pdb``, ``.ent``, ``.cif``, ``.mmcif``, each optionally ``.gz``)
or an id, case-insensitive, looked up in this order:

1. the files bundled with the package: ``"1UBI"`` (ubiquitin), ``"1AKE"`` (adenylate
   kinase, closed) and ``"4AKE_A_aligned"`` (chain A of adenylate kinase, open, 4AKE,
   superposed on 1AKE); see ``jaxnm_course/data/NOTICE.md``;
2. the folder named by the environment variable ``JAXNM_DATA_DIR`` (or its
   ``structures/`` sub-folder): files ``<id>.cif``, ``<id>.pdb``, ``<id>.ent``,
   ``<id>.mmcif``, ``pdb<id>.ent``, each optionally gzipped;
3. the download cache, ``JAXNM_CACHE_DIR`` or ``~/.cache/jaxnm_course``;
4. the RCSB PDB (``https://files.rcsb.org/download/<ID>.cif``), saved in the cache. Turn
   downloads off with ``download=False`` or the environment variable ``JAXNM_OFFLINE=1``.

Coordinates are returned as NumPy float64 arrays in Å, not JAX arrays: a structure is
data, and NumPy float64 needs no JAX 64-bit mode. Convert with ``jnp.asarray(s.R)`` after
``jax.config.update("jax_enable_x64", True)`` (see :mod:`jaxnm_course.precision`).
"""

from __future__ import annotations

import os
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NamedTuple

import numpy as np

from .elements import ATOMIC_WEIGHTS

__all__ = [
    "BUNDLED",
    "RCSB_URL",
    "RESIDUE_FORMULAS",
    "RESIDUE_MASSES",
    "Structure",
    "cache_dir",
    "globular_cloud",
    "load_structure",
    "residue_masses",
]

#: Download address of an mmCIF entry; ``{id}`` is the upper-case PDB id.
RCSB_URL = "https://files.rcsb.org/download/{id}.cif"

_DATA = Path(__file__).with_name("data")

#: Ids of the bundled structures (lower case) and their files in ``jaxnm_course/data``.
BUNDLED: MappingProxyType[str, str] = MappingProxyType(
    {
        "1ubi": "1ubi.pdb",
        "1ake": "1ake.pdb",
        "4ake_a_aligned": "4ake_A_aligned_to_1ake.pdb",
        "4ake_a_aligned_to_1ake": "4ake_A_aligned_to_1ake.pdb",
    }
)

_SUFFIXES = (".cif", ".mmcif", ".pdb", ".ent")
_PDB_ID = re.compile(r"^(?:[0-9][a-z0-9]{3}|pdb_[0-9a-z]{8})$")
_TRUE = {"1", "true", "yes", "on"}


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


def cache_dir() -> Path:
    """Folder where downloaded entries are kept: ``JAXNM_CACHE_DIR`` or ~/.cache/jaxnm_course."""
    env = os.environ.get("JAXNM_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "jaxnm_course"


# --- finding the file --------------------------------------------------------------------


def _looks_like_path(text: str) -> bool:
    lower = text.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    return "/" in text or os.sep in text or lower.endswith(_SUFFIXES)


def _stem(path: Path) -> str:
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def _data_dirs() -> list[Path]:
    env = os.environ.get("JAXNM_DATA_DIR")
    if not env:
        return []
    root = Path(env).expanduser()
    return [d for d in (root, root / "structures") if d.is_dir()]


def _find_in(folder: Path, key: str) -> Path | None:
    wanted = []
    for stem in (key, f"pdb{key}"):
        for suffix in _SUFFIXES:
            wanted += [stem + suffix, stem + suffix + ".gz"]
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for name in wanted:
        if name in files:
            return files[name]
    return None


def _fetch(url: str, timeout: float = 60.0) -> bytes:
    """Download ``url`` and return its bytes (the one place that touches the network)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _not_found(source: str, key: str, reason: str) -> FileNotFoundError:
    env = os.environ.get("JAXNM_DATA_DIR")
    where = f"JAXNM_DATA_DIR={env}" if env else "JAXNM_DATA_DIR (not set)"
    bundled = "1UBI, 1AKE, 4AKE_A_aligned"
    return FileNotFoundError(
        f"load_structure: {source!r} is not an existing file, and no structure with id "
        f"{key!r} was found among the bundled ones ({bundled}), in {where} or in the "
        f"download cache {cache_dir()}; {reason}. What to do: pass the path of a PDB or "
        "mmCIF file, or put <id>.cif / <id>.pdb (optionally .gz) in a folder and set "
        "JAXNM_DATA_DIR to it, or allow the download (download=True, JAXNM_OFFLINE unset) "
        "on a machine with internet access."
    )


def _download(key: str, source: str) -> Path:
    folder = cache_dir()
    url = RCSB_URL.format(id=key.upper())
    try:
        data = _fetch(url)
    except urllib.error.HTTPError as exc:
        raise _not_found(
            source, key, f"the download of {url} failed (HTTP {exc.code}: {exc.reason})"
        ) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise _not_found(source, key, f"the download of {url} failed ({exc})") from exc
    if not data.strip():
        raise _not_found(source, key, f"the download of {url} returned an empty file")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{key}.cif"
    # Write to a temporary name and rename: a crash never leaves half a file in the cache.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _resolve(source: str | os.PathLike, download: bool | None) -> tuple[Path, str]:
    """Path of the file to read and the name to report."""
    if isinstance(source, os.PathLike):
        path = Path(source).expanduser()
        if not path.is_file():
            raise FileNotFoundError(
                f"load_structure: no file at {str(path)!r}; check the path "
                "(relative paths start from the current directory, "
                f"{Path.cwd()})."
            )
        return path, _stem(path)
    if not isinstance(source, str) or not source.strip():
        raise TypeError(
            f"load_structure: `source` must be a path or an id such as '1UBI', got {source!r}."
        )
    path = Path(source).expanduser()
    if path.is_file():
        return path, _stem(path)
    if _looks_like_path(source):
        raise FileNotFoundError(
            f"load_structure: no file at {source!r}; check the path (relative paths start "
            f"from the current directory, {Path.cwd()})."
        )
    key = source.strip().lower()
    if key in BUNDLED:
        return _DATA / BUNDLED[key], source.strip().upper()
    for folder in _data_dirs():
        found = _find_in(folder, key)
        if found is not None:
            return found, source.strip().upper()
    cached = cache_dir() / f"{key}.cif"
    if cached.is_file():
        return cached, source.strip().upper()
    if download is None:
        offline = os.environ.get("JAXNM_OFFLINE", "")
        download = offline.strip().lower() not in _TRUE
        why = f"JAXNM_OFFLINE={offline}"
    else:
        why = "download=False"
    if not _PDB_ID.match(key):
        raise _not_found(
            source,
            key,
            "it is not a PDB id either (4 characters such as '1ubi', or 'pdb_0000xxxx'), "
            "so it cannot be downloaded",
        )
    if not download:
        raise _not_found(source, key, f"downloading is disabled ({why})")
    return _download(key, source), source.strip().upper()


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


# --- residue masses ----------------------------------------------------------------------

#: Elemental composition of each residue *in a chain* (the free amino acid minus one
#: water), as {element: count}. Side chains are neutral, as in the usual tables of
#: average residue masses (the PDB Chemical Component Dictionary instead writes ARG, LYS
#: and HIS protonated, one hydrogen, 1.008 amu, heavier). Variants: MSE selenomethionine,
#: SEC selenocysteine, PYL pyrrolysine, HYP hydroxyproline, SEP/TPO/PTR
#: phosphoserine/-threonine/-tyrosine (phosphate as -OPO3H2, as in the dictionary), and
#: force-field protonation states: HID/HIE/HSD/HSE
#: neutral and HIP/HSP protonated histidine, CYX disulfide-bonded cysteine, ASH/GLH
#: protonated aspartate/glutamate, LYN neutral lysine.
RESIDUE_FORMULAS: MappingProxyType[str, MappingProxyType[str, int]] = MappingProxyType(
    {
        name: MappingProxyType(
            {el: n for el, n in zip(("C", "H", "N", "O", "S", "Se", "P"), f, strict=True) if n}
        )
        for name, f in {
            "ALA": (3, 5, 1, 1, 0, 0, 0),
            "ARG": (6, 12, 4, 1, 0, 0, 0),
            "ASN": (4, 6, 2, 2, 0, 0, 0),
            "ASP": (4, 5, 1, 3, 0, 0, 0),
            "CYS": (3, 5, 1, 1, 1, 0, 0),
            "GLN": (5, 8, 2, 2, 0, 0, 0),
            "GLU": (5, 7, 1, 3, 0, 0, 0),
            "GLY": (2, 3, 1, 1, 0, 0, 0),
            "HIS": (6, 7, 3, 1, 0, 0, 0),
            "ILE": (6, 11, 1, 1, 0, 0, 0),
            "LEU": (6, 11, 1, 1, 0, 0, 0),
            "LYS": (6, 12, 2, 1, 0, 0, 0),
            "MET": (5, 9, 1, 1, 1, 0, 0),
            "PHE": (9, 9, 1, 1, 0, 0, 0),
            "PRO": (5, 7, 1, 1, 0, 0, 0),
            "SER": (3, 5, 1, 2, 0, 0, 0),
            "THR": (4, 7, 1, 2, 0, 0, 0),
            "TRP": (11, 10, 2, 1, 0, 0, 0),
            "TYR": (9, 9, 1, 2, 0, 0, 0),
            "VAL": (5, 9, 1, 1, 0, 0, 0),
            "MSE": (5, 9, 1, 1, 0, 1, 0),
            "SEC": (3, 5, 1, 1, 0, 1, 0),
            "PYL": (12, 19, 3, 2, 0, 0, 0),
            "HYP": (5, 7, 1, 2, 0, 0, 0),
            "SEP": (3, 6, 1, 5, 0, 0, 1),
            "TPO": (4, 8, 1, 5, 0, 0, 1),
            "PTR": (9, 10, 1, 5, 0, 0, 1),
            "HID": (6, 7, 3, 1, 0, 0, 0),
            "HIE": (6, 7, 3, 1, 0, 0, 0),
            "HSD": (6, 7, 3, 1, 0, 0, 0),
            "HSE": (6, 7, 3, 1, 0, 0, 0),
            "HIP": (6, 8, 3, 1, 0, 0, 0),
            "HSP": (6, 8, 3, 1, 0, 0, 0),
            "CYX": (3, 4, 1, 1, 1, 0, 0),
            "ASH": (4, 6, 1, 3, 0, 0, 0),
            "GLH": (5, 8, 1, 3, 0, 0, 0),
            "LYN": (6, 12, 2, 1, 0, 0, 0),
        }.items()
    }
)

#: Average residue masses in amu: :data:`RESIDUE_FORMULAS` weighted by the standard
#: atomic weights of :data:`jaxnm_course.elements.ATOMIC_WEIGHTS` (CIAAW 2021). E.g.
#: GLY 57.052, ALA 71.079, TRP 186.214.
RESIDUE_MASSES: MappingProxyType[str, float] = MappingProxyType(
    {
        name: round(sum(n * ATOMIC_WEIGHTS[el] for el, n in formula.items()), 6)
        for name, formula in RESIDUE_FORMULAS.items()
    }
)


def residue_masses(resnames: Iterable[str], *, default: float | None = None) -> np.ndarray:
    """Average mass of each residue, for mass-weighted Cα normal modes.

    Args:
        resnames: residue names, e.g. :attr:`Structure.resnames` (case-insensitive).
        default: mass (amu) to use for names not in :data:`RESIDUE_MASSES`; None (the
            default) raises an error for them instead. A common choice is the mean
            residue mass of proteins, about 110 amu.

    Returns:
        Float64 NumPy array of shape (N,), masses in amu.

    Raises:
        ValueError: an unknown residue name while ``default`` is None, a non-positive
            ``default``, or no names.
    """
    if isinstance(resnames, str):
        raise ValueError(
            "residue_masses: `resnames` must be a sequence of residue names such as "
            f"('GLY', 'ALA'), got the single string {resnames!r}."
        )
    names = [str(n).strip().upper() for n in resnames]
    if not names:
        raise ValueError("residue_masses: `resnames` is empty; pass at least one name.")
    if default is not None and not (np.isfinite(default) and default > 0):
        raise ValueError(
            f"residue_masses: `default` must be a positive mass (amu), got {default}."
        )
    unknown = sorted({n for n in names if n not in RESIDUE_MASSES})
    if unknown and default is None:
        raise ValueError(
            f"residue_masses: no mass for residue name(s) {unknown}; known are the 20 "
            "standard amino acids and the variants in RESIDUE_MASSES. Pass "
            "`default=110.0` (the mean residue mass, amu) to use one mass for the others, "
            "or build the masses array yourself."
        )
    return np.array([RESIDUE_MASSES.get(n, default) for n in names], dtype=np.float64)


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
