r"""Differentiable elastic network models: gradients of NMA outputs, fitting, sensitivity.

Classic ENM codes (ProDy, bio3d, the web servers) compute modes; they cannot tell you how
a fluctuation profile or the slowest eigenvalue changes when a spring, the cutoff, a
distance exponent or an atom moves. Here every step from coordinates and parameters to
the outputs is a JAX function, so ``jax.grad`` gives those derivatives exactly.

Three things must be smooth for that to work, and each is handled explicitly:

* **The cutoff.** A hard cutoff makes the spring constant a step function of distance
  (zero derivative almost everywhere, undefined at the cutoff). :func:`smooth_switch`
  replaces it by a logistic switch of width ``w``,
  :math:`s(r) = 1 / (1 + e^{(r - r_c)/w})`, differentiable in r, r_c and w. The pair
  list (:class:`Network`) is built once in NumPy outside ``jit`` (it fixes array
  shapes) with a margin beyond the cutoff; springs outside it are dropped.
* **The rigid-body zero modes.** The ANM Hessian of any structure has exactly six zero
  eigenvalues (the three translations and three rotations of that structure), so it has
  no inverse; "invert the non-zero part" by selecting eigenvalues above a threshold is not
  differentiable. :func:`rigid_projector` builds the orthogonal projector P0 onto the
  rigid-body motions as a smooth function of R, and :func:`pseudo_inverse` uses the exact
  identity :math:`H^+ = (H + c P_0)^{-1} - P_0 / c` (any c > 0), a Cholesky solve.
* **Degenerate eigenvalues.** Individual eigenvectors are not differentiable where two
  eigenvalues cross (the derivative has :math:`1/(\lambda_i - \lambda_j)` factors;
  ``jax.grad`` through ``eigh`` returns NaN there). Sums of eigenvalues over a group that
  ends at a gap, and the projector onto the corresponding subspace, *are* differentiable:
  :func:`lowest_eigenvalues_sum` and :func:`lowest_modes_projector` implement their
  derivatives with only cross-gap denominators (custom JVP rules: the sum twice, the
  projector once),
  and :func:`subspace_overlap` measures a deformation against a subspace without any sign
  or rotation ambiguity of the basis.

Conventions: unit masses (ENM eigenvalues in units of the spring constants, kcal/mol/Å²),
coordinates R of shape (N, 3) in Å, Hessians (3N, 3N) atom-major, per-pair spring
constants ``k`` of shape (P,) in kcal/mol/Å², and mean-square fluctuations in Å² when kT
is given in kcal/mol (kT = 1 gives them in units of kT/γ).

Layout (private modules, every public name re-exported here): ``_springs`` (pair list,
spring laws, the Hessian and Kirchhoff builders), ``_spectral`` (rigid projector,
pseudo-inverse, fluctuations, spectral sums and projectors with their custom JVPs),
``_bfactors`` (predicted and ensemble B-factors), ``_fitting`` (the loss and the fit, with
Adam from optax), ``_sensitivity`` (per-contact derivatives). The contact-map figure is
:func:`jaxnm_course.plotting.plot_sensitivity_map`.

References: A. R. Atilgan et al., Biophys. J. 80, 505 (2001) (ANM); I. Bahar, A. R.
Atilgan, B. Erman, Fold. Des. 2, 173 (1997) (GNM); L. Yang, G. Song, R. L. Jernigan,
PNAS 106, 12347 (2009) (pfANM, distance exponents); T. Kato, *Perturbation Theory for
Linear Operators* (1966), ch. II (derivatives of spectral projectors).
"""

from ._bfactors import ensemble_bfactors, perturbed_ensemble, predicted_bfactors
from ._fitting import BFactorData, FitResult, adam, bfactor_loss, fit_spring_params
from ._sensitivity import (
    fluctuation_sensitivity,
    plot_sensitivity_map,
    slowest_mode_sensitivity,
    top_contacts,
)
from ._spectral import (
    GAP_TOL,
    anm_fluctuations,
    gnm_fluctuations,
    lowest_eigenvalues_sum,
    lowest_modes_projector,
    pseudo_inverse,
    rigid_projector,
    subspace_overlap,
)
from ._springs import (
    AMINO_ACIDS,
    R_REF,
    Network,
    SpringParams,
    build_network,
    default_params,
    smooth_switch,
    spring_constants,
    spring_hessian,
    spring_kirchhoff,
)

__all__ = [
    "AMINO_ACIDS",
    "GAP_TOL",
    "R_REF",
    "BFactorData",
    "FitResult",
    "Network",
    "SpringParams",
    "adam",
    "anm_fluctuations",
    "bfactor_loss",
    "build_network",
    "default_params",
    "ensemble_bfactors",
    "fit_spring_params",
    "fluctuation_sensitivity",
    "gnm_fluctuations",
    "lowest_eigenvalues_sum",
    "lowest_modes_projector",
    "perturbed_ensemble",
    "plot_sensitivity_map",
    "predicted_bfactors",
    "pseudo_inverse",
    "rigid_projector",
    "slowest_mode_sensitivity",
    "smooth_switch",
    "spring_constants",
    "spring_hessian",
    "spring_kirchhoff",
    "subspace_overlap",
    "top_contacts",
]
