r"""Small test systems with known normal modes: molecules, a chain and Lennard-Jones clusters.

Each constructor returns a :class:`Molecule` whose geometry ``R`` sits exactly (to
rounding, gradient < 1e-9 kcal/mol/Å) at the minimum of its own energy function, so the
Hessian there has 6 (5 for a linear system) zero eigenvalues and positive vibrational
ones::

    mol = water()
    H = hessian(mol.energy, mol.R)
    modes = normal_modes(H, mol.masses, mol.R)

The force fields are deliberately simple (harmonic or Morse bonds, harmonic or linear
bends, Lennard-Jones pairs) so that many frequencies have closed forms to test against.
Where a force constant was *derived* from an experimental frequency, the docstring says
so: that frequency is then reproduced by construction and is no test of the model.

Masses are the standard atomic weights of :mod:`jaxnm_course.elements` unless stated.
Force constants are mass-independent (Born-Oppenheimer), so those derived from the
spectrum of one isotopologue (H³⁵Cl, ¹²C¹⁶O₂) use that isotopologue's masses; with the
standard weights the frequencies then differ by a few parts in 10⁴. For isotope effects,
replace the masses: ``mol._replace(masses=masses_of(["O", "2H", "2H"]))``.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import _model_systems
from ._model_systems import harmonic_chain, lj_cluster
from ._molecule import Molecule
from ._small import ammonia, carbon_dioxide, diatomic, methane, water

# Defined in _model_systems; bound here with its documentation comment (``#:``), which is
# where autodoc reads it.

#: Global-minimum energies of LJ_n clusters in units of ε (n = 2, 3, 4 exact; 7 and 13
#: from the Cambridge Cluster Database, D. J. Wales, J. P. K. Doye, J. Phys. Chem. A 101,
#: 5111 (1997)).
LJ_MINIMUM_ENERGIES: Mapping[int, float] = _model_systems.LJ_MINIMUM_ENERGIES

__all__ = [
    "LJ_MINIMUM_ENERGIES",
    "Molecule",
    "ammonia",
    "carbon_dioxide",
    "diatomic",
    "harmonic_chain",
    "lj_cluster",
    "methane",
    "water",
]
