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

from types import MappingProxyType

from . import _lookup, _masses
from ._lookup import cache_dir
from ._masses import residue_masses
from ._reader import Structure, load_structure
from ._synthetic import globular_cloud

# The constants are defined in the private modules; they are bound here with their
# documentation comments (``#:``), which is where autodoc reads them.

#: Download address of an mmCIF entry; ``{id}`` is the upper-case PDB id.
RCSB_URL = _lookup.RCSB_URL

#: Ids of the bundled structures (lower case) and their files in ``jaxnm_course/data``.
BUNDLED: MappingProxyType[str, str] = _lookup.BUNDLED

#: Elemental composition of each residue *in a chain* (the free amino acid minus one
#: water), as {element: count}. Side chains are neutral, as in the usual tables of
#: average residue masses (the PDB Chemical Component Dictionary instead writes ARG, LYS
#: and HIS protonated, one hydrogen, 1.008 amu, heavier). Variants: MSE selenomethionine,
#: SEC selenocysteine, PYL pyrrolysine, HYP hydroxyproline, SEP/TPO/PTR
#: phosphoserine/-threonine/-tyrosine (phosphate as -OPO3H2, as in the dictionary), and
#: force-field protonation states: HID/HIE/HSD/HSE
#: neutral and HIP/HSP protonated histidine, CYX disulfide-bonded cysteine, ASH/GLH
#: protonated aspartate/glutamate, LYN neutral lysine.
RESIDUE_FORMULAS: MappingProxyType[str, MappingProxyType[str, int]] = _masses.RESIDUE_FORMULAS

#: Average residue masses in amu, from :data:`RESIDUE_FORMULAS` weighted by the standard
#: atomic weights of :data:`jaxnm_course.elements.ATOMIC_WEIGHTS` (CIAAW 2021). E.g.
#: GLY 57.052, ALA 71.079, TRP 186.214.
RESIDUE_MASSES: MappingProxyType[str, float] = _masses.RESIDUE_MASSES

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
