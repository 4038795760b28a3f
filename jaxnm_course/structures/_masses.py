"""Average residue masses, for mass-weighted Cα normal modes (private).

Re-exported by :mod:`jaxnm_course.structures`.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

import numpy as np

from ..elements import ATOMIC_WEIGHTS

# Public, documented in jaxnm_course.structures (RESIDUE_FORMULAS).
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

# Public, documented in jaxnm_course.structures (RESIDUE_MASSES).
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
