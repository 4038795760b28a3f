"""jaxnm_course: Normal Mode Analysis with JAX, the reference library of the course.

Units: Å, amu, kcal/mol, cm⁻¹, K (see :mod:`jaxnm_course.units`). Float64 is required
and never switched on behind your back (see :mod:`jaxnm_course.precision`)::

    import jax
    jax.config.update("jax_enable_x64", True)
    import jaxnm_course as nm

    mol = nm.molecules.water()
    H = nm.hessian(mol.energy, mol.R)
    modes = nm.normal_modes(H, mol.masses, mol.R)
    modes.frequencies  # cm⁻¹, ascending
"""

from . import (
    analysis,
    animation,
    bfactor_models,
    differentiable,
    elements,
    enm,
    export,
    geometry,
    hessians,
    modes,
    molecules,
    network,
    plotting,
    potentials,
    precision,
    solvers,
    sparse,
    structures,
    thermo,
    units,
    viewer,
)
from .bfactor_models import predict_bfactors
from .enm import anm, anm_hessian, gnm, gnm_kirchhoff
from .geometry import rigid_body_modes, safe_norm
from .hessians import finite_difference_hessian, hessian, hessian_vector_product, hvp_fn
from .modes import Modes, mass_weight, n_imaginary, normal_modes
from .network import DisconnectedNetworkError
from .precision import PrecisionError, require_x64, x64_enabled
from .structures import Structure, load_structure, residue_masses
from .thermo import Thermo, classical_limit, harmonic_thermo

__version__ = "0.1.0"

__all__ = [
    "DisconnectedNetworkError",
    "Modes",
    "PrecisionError",
    "Structure",
    "Thermo",
    "__version__",
    "analysis",
    "animation",
    "anm",
    "anm_hessian",
    "bfactor_models",
    "classical_limit",
    "differentiable",
    "elements",
    "enm",
    "export",
    "finite_difference_hessian",
    "geometry",
    "gnm",
    "gnm_kirchhoff",
    "harmonic_thermo",
    "hessian",
    "hessian_vector_product",
    "hessians",
    "hvp_fn",
    "load_structure",
    "mass_weight",
    "modes",
    "molecules",
    "n_imaginary",
    "network",
    "normal_modes",
    "plotting",
    "potentials",
    "precision",
    "predict_bfactors",
    "require_x64",
    "residue_masses",
    "rigid_body_modes",
    "safe_norm",
    "solvers",
    "sparse",
    "structures",
    "thermo",
    "units",
    "viewer",
    "x64_enabled",
]
