r"""Analysis of normal modes: fluctuations, B-factors, correlations, overlaps, sampling.

Most functions take the modes either as a :class:`~jaxnm_course.Modes` (from
:func:`~jaxnm_course.normal_modes` or the elastic network models of
:mod:`jaxnm_course.enm`) or as a pair ``(eigenvalues, vectors)`` of plain arrays:

* ``eigenvalues``: λ_k, shape (M,), ascending, all > 0 (the rigid-body zero modes must be
  left out: they carry no restoring force and would give infinite fluctuations);
* ``vectors``: orthonormal columns, shape (dim·N, M): dim = 3 for Cartesian (ANM) modes in
  atom-major order x₁, y₁, z₁, x₂, …, dim = 1 for the one-dimensional modes of a Gaussian
  network model (GNM).

With a ``Modes``, ``dim`` is read off the shapes (rows of ``vectors`` per entry of
``masses``) and masses are honoured: the thermal displacement basis is
u_k = M^{-1/2} l_k (``mw_vectors`` divided by √m), so the covariance is
kT M^{-1/2} H_mw^+ M^{-1/2}, the fluctuations in the Eckart frame (centre of mass fixed,
mass-weighted rotations removed). With unit masses this is kT H^+; other masses change it
only by rigid-body motions (both are generalised inverses of H). With a pair of arrays,
unit masses are assumed and ``dim`` must be given.

Units: eigenvalues are in units of ``gamma`` for elastic network models (the Hessian or
Kirchhoff matrix at γ = 1), so the physical force constants are γ λ_k. Fluctuations are
kT/γ times mode sums; with kT in kcal/mol and γ in kcal/mol/Å² they are in Å². Modes of a
Hessian already in kcal/mol/Å² take ``gamma=1``.

The thermal covariance of a harmonic system with Hessian H (classical statistics, unit
masses) is

.. math:: \langle \Delta x \Delta x^T \rangle = k_B T\, H^{+}
          = \frac{k_B T}{\gamma} \sum_k \frac{u_k u_k^T}{\lambda_k},

the pseudo-inverse restricted to the internal modes. References: I. Bahar, A. R. Atilgan,
B. Erman, Folding Des. 2, 173 (1997) (GNM); A. R. Atilgan et al., Biophys. J. 80, 505
(2001) (ANM); Q. Cui and I. Bahar (eds.), *Normal Mode Analysis* (2006), ch. 1.

Structural alignment (:func:`superpose`, :func:`rmsd`, :class:`Superposition`) lives in
:mod:`jaxnm_course.geometry` and is re-exported here.
"""

from ..geometry import Superposition, rmsd, superpose
from ._comparisons import collectivity, cumulative_overlap, hinge_residues, overlap, rmsip
from ._fluctuations import (
    BFACTOR_PER_MSF as BFACTOR_PER_MSF,
)
from ._fluctuations import (
    BFactorFit,
    bfactors,
    covariance,
    cross_correlation,
    fit_bfactors,
    pearson_r,
    residue_covariance,
    square_fluctuations,
)
from ._modes import ZERO_EIGENVALUE_RTOL as ZERO_EIGENVALUE_RTOL
from ._sampling import (
    Conformers,
    Deformation,
    Traversal,
    common_residues,
    deformation,
    sample_conformers,
    traverse_mode,
)

__all__ = [
    "BFactorFit",
    "Conformers",
    "Deformation",
    "Superposition",
    "Traversal",
    "bfactors",
    "collectivity",
    "common_residues",
    "covariance",
    "cross_correlation",
    "cumulative_overlap",
    "deformation",
    "fit_bfactors",
    "hinge_residues",
    "overlap",
    "pearson_r",
    "residue_covariance",
    "rmsd",
    "rmsip",
    "sample_conformers",
    "square_fluctuations",
    "superpose",
    "traverse_mode",
]
