"""Atomic masses: standard atomic weights of the elements and masses of single isotopes.

Two kinds of mass are useful in normal mode analysis:

* **Standard atomic weights** (:data:`ATOMIC_WEIGHTS`): the abundance-weighted mean over
  an element's terrestrial isotopes, what a periodic table lists and what molecular
  mechanics force fields use. Element symbols such as ``"H"`` or ``"Cl"`` refer to them.
* **Isotope masses** (:data:`ISOTOPE_MASSES`): the mass of one nuclide (with its
  electrons). Spectroscopic constants (ωe of H³⁵Cl, the fundamentals of ¹²C¹⁶O₂) belong to
  one isotopologue, so comparisons with spectroscopy at better than ~0.1 % should use
  them. Labels with a mass number in front, such as ``"1H"``, ``"2H"`` (alias ``"D"``) or
  ``"35Cl"``, refer to them.

Both are relative atomic masses, numerically equal to masses in amu (daltons), the mass
unit of :mod:`jaxnm_course.units`.

Sources:

* Atomic weights: IUPAC Commission on Isotopic Abundances and Atomic Weights (CIAAW),
  "Standard atomic weights of the elements 2021", T. Prohaska et al., Pure Appl. Chem.
  94, 573-600 (2022), https://www.ciaaw.org. Elements whose standard atomic weight is an
  interval because terrestrial samples differ (H, Li, B, C, N, O, Mg, Si, S, Cl, Ar, Br)
  take the CIAAW *conventional* value (e.g. H 1.008, Cl 35.45, Ar 39.95); the others take
  the standard value with its uncertainty dropped.
* Isotope masses: Atomic Mass Evaluation values as tabulated by NIST (J. S. Coursey et
  al., "Atomic Weights and Isotopic Compositions", NIST Standard Reference Database 144);
  the newer AME2020 (M. Wang et al., Chin. Phys. C 45, 030003 (2021)) changes them at
  most in the tenth decimal place, far below anything a vibrational frequency resolves.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

import jax.numpy as jnp
import numpy as np

from . import _validate

__all__ = [
    "ATOMIC_WEIGHTS",
    "ISOTOPE_MASSES",
    "element_of",
    "mass_of",
    "masses_of",
]

#: Standard (or, for interval elements, conventional) atomic weights, CIAAW 2021, in amu.
ATOMIC_WEIGHTS: MappingProxyType[str, float] = MappingProxyType(
    {
        "H": 1.008,
        "He": 4.002602,
        "Li": 6.94,
        "Be": 9.0121831,
        "B": 10.81,
        "C": 12.011,
        "N": 14.007,
        "O": 15.999,
        "F": 18.998403162,
        "Ne": 20.1797,
        "Na": 22.98976928,
        "Mg": 24.305,
        "Al": 26.9815384,
        "Si": 28.085,
        "P": 30.973761998,
        "S": 32.06,
        "Cl": 35.45,
        "Ar": 39.95,
        "K": 39.0983,
        "Ca": 40.078,
        "Fe": 55.845,
        "Cu": 63.546,
        "Zn": 65.38,
        "Se": 78.971,
        "Br": 79.904,
        "I": 126.90447,
    }
)

#: Masses of single nuclides (atom, electrons included), in amu. "D" is an alias of "2H".
ISOTOPE_MASSES: MappingProxyType[str, float] = MappingProxyType(
    {
        "1H": 1.00782503223,
        "2H": 2.01410177812,
        "D": 2.01410177812,
        "12C": 12.0,
        "14N": 14.00307400443,
        "16O": 15.99491461957,
        "19F": 18.99840316273,
        "31P": 30.97376199842,
        "32S": 31.9720711744,
        "35Cl": 34.968852682,
        "40Ar": 39.9623831237,
    }
)


def _unknown(label: str, function: str) -> ValueError:
    return ValueError(
        f"{function}: unknown element or isotope {label!r}. Known elements: "
        f"{', '.join(ATOMIC_WEIGHTS)}; known isotopes: {', '.join(ISOTOPE_MASSES)}. "
        "Symbols are case-sensitive ('Cl', not 'CL'); for anything else pass the masses "
        "(amu) yourself."
    )


def element_of(label: str) -> str:
    """The element symbol of an element or isotope label ("35Cl" -> "Cl", "D" -> "H").

    Args:
        label: an element symbol (key of :data:`ATOMIC_WEIGHTS`) or an isotope label (key
            of :data:`ISOTOPE_MASSES`).

    Returns:
        The element symbol.

    Raises:
        ValueError: the label is not known.
    """
    if not isinstance(label, str):
        raise TypeError(f"element_of: expected a string label, got {type(label).__name__}.")
    if label in ATOMIC_WEIGHTS:
        return label
    if label == "D":
        return "H"
    if label in ISOTOPE_MASSES:
        return label.lstrip("0123456789")
    raise _unknown(label, "element_of")


def mass_of(symbol: str) -> float:
    """Mass of one atom in amu: a standard atomic weight or an isotope mass.

    ``m = A_r`` (relative atomic mass, dimensionless) times 1 u. An element symbol (``"C"``)
    gives the CIAAW 2021 standard (or conventional) atomic weight; a label with a mass
    number in front (``"12C"``, ``"35Cl"``) gives the isotope mass from the Atomic Mass
    Evaluation. See the module docstring for both references.

    Args:
        symbol: element symbol or isotope label, case-sensitive (``"Cl"``, ``"35Cl"``,
            ``"D"``).

    Returns:
        The mass in amu, as a Python float.

    Raises:
        ValueError: the symbol is not known.
    """
    if not isinstance(symbol, str):
        raise TypeError(f"mass_of: expected a string symbol, got {type(symbol).__name__}.")
    if symbol in ATOMIC_WEIGHTS:
        return ATOMIC_WEIGHTS[symbol]
    if symbol in ISOTOPE_MASSES:
        return ISOTOPE_MASSES[symbol]
    raise _unknown(symbol, "mass_of")


def masses_of(symbols: Iterable[str]) -> jnp.ndarray:
    """Masses of a list of atoms, ready for :func:`jaxnm_course.normal_modes`.

    Element symbols and isotope labels may be mixed (``["O", "2H", "1H"]`` for HOD with
    natural-abundance oxygen). See :func:`mass_of` for the values and references.

    Args:
        symbols: N element symbols or isotope labels (a string like ``"HCl"`` is refused:
            pass ``("H", "Cl")``).

    Returns:
        m, shape (N,), amu, float64.

    Raises:
        ValueError: a symbol is not known, or the list is empty.
        PrecisionError: JAX's 64-bit mode is off.
    """
    if isinstance(symbols, str):
        raise TypeError(
            f"masses_of: pass a sequence of symbols such as ('H', 'Cl'), not the string "
            f"{symbols!r}."
        )
    labels = list(symbols)
    if not labels:
        raise ValueError("masses_of: `symbols` is empty; pass one symbol per atom.")
    values = []
    for i, label in enumerate(labels):
        try:
            values.append(mass_of(label))
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"masses_of: atom {i}: {exc}") from None
    return _validate.as_float64(np.array(values, dtype=np.float64), "symbols", "masses_of")
