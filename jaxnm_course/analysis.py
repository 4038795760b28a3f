r"""Analysis of normal modes: fluctuations, B-factors, correlations, overlaps, superposition.

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
"""

from __future__ import annotations

import itertools
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from . import _validate
from .modes import Modes
from .units import kT as thermal_energy

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

#: An eigenvalue below this fraction of the largest one counts as a zero (rigid-body) mode.
ZERO_EIGENVALUE_RTOL = 1e-8

#: 8π²/3: B-factor per mean-square fluctuation, B_i = (8π²/3) <ΔR_i²> (Å² per Å²).
BFACTOR_PER_MSF = 8.0 * math.pi**2 / 3.0


# --- reading modes -----------------------------------------------------------------------


class _ModeArrays(NamedTuple):
    eigenvalues: jnp.ndarray  # (M,)
    basis: jnp.ndarray  # (dim * N, M): thermal displacement basis, M^{-1/2} l_k
    dim: int
    n_atoms: int


def _check_dim(dim: Any, rows: int, function: str) -> int:
    if dim is None:
        raise ValueError(
            f"{function}: with plain arrays `(eigenvalues, vectors)` pass `dim`: 3 for "
            "Cartesian (ANM) vectors of shape (3N, M), 1 for GNM vectors of shape (N, M)."
        )
    if dim not in (1, 3):
        raise ValueError(f"{function}: `dim` must be 1 (GNM) or 3 (ANM/Cartesian), got {dim!r}.")
    if rows % dim:
        raise ValueError(
            f"{function}: `vectors` has {rows} rows, not a multiple of dim={dim}; "
            "Cartesian modes have 3N rows (x1, y1, z1, x2, ...)."
        )
    return int(dim)


def _mode_arrays(
    modes: Any, function: str, *, dim: int | None = None, n_modes: int | None = None
) -> _ModeArrays:
    """Eigenvalues and thermal displacement basis of a Modes or (eigenvalues, vectors)."""
    if isinstance(modes, Modes):
        lam = _validate.as_float64(modes.eigenvalues, "modes.eigenvalues", function)
        L = _validate.as_float64(modes.mw_vectors, "modes.mw_vectors", function)
        m = _validate.as_float64(modes.masses, "modes.masses", function)
        n = int(m.shape[0])
        if L.ndim != 2 or n == 0 or L.shape[0] % n or L.shape[0] // n not in (1, 3):
            raise ValueError(
                f"{function}: `modes.mw_vectors` has shape {tuple(L.shape)} but `modes.masses` "
                f"has {n} entries; expected (3N, M) (ANM) or (N, M) (GNM)."
            )
        inferred = L.shape[0] // n
        if dim is not None and dim != inferred:
            raise ValueError(
                f"{function}: dim={dim} disagrees with the modes, which have dim={inferred} "
                f"({L.shape[0]} rows for {n} atoms); leave `dim` out for a Modes."
            )
        dim = inferred
        basis = L / jnp.sqrt(jnp.repeat(m, dim))[:, None]
    elif isinstance(modes, tuple | list) and len(modes) == 2:
        lam = _validate.as_float64(modes[0], "eigenvalues", function)
        basis = _validate.as_float64(modes[1], "vectors", function)
        if basis.ndim == 1:
            basis = basis[:, None]
        if basis.ndim != 2:
            raise ValueError(
                f"{function}: `vectors` must have shape (dim*N, M), got {tuple(basis.shape)}."
            )
        dim = _check_dim(dim, basis.shape[0], function)
    else:
        raise TypeError(
            f"{function}: `modes` must be a Modes or a pair (eigenvalues, vectors), got "
            f"{type(modes).__name__}."
        )
    lam = jnp.atleast_1d(lam)
    if lam.ndim != 1 or lam.shape[0] != basis.shape[1]:
        raise ValueError(
            f"{function}: {lam.shape[0] if lam.ndim == 1 else tuple(lam.shape)} eigenvalues "
            f"for {basis.shape[1]} vectors; give one eigenvalue per column of `vectors`."
        )
    _validate._check_finite(lam, "eigenvalues", function)
    _validate._check_finite(basis, "vectors", function)
    if n_modes is not None:
        if isinstance(n_modes, bool) or not isinstance(n_modes, int | np.integer):
            raise TypeError(f"{function}: `n_modes` must be an integer, got {n_modes!r}.")
        if not 1 <= n_modes <= lam.shape[0]:
            raise ValueError(
                f"{function}: `n_modes` must be between 1 and the {lam.shape[0]} modes "
                f"available, got {n_modes}."
            )
        lam, basis = lam[:n_modes], basis[:, :n_modes]
    if _validate.is_concrete(lam):
        values = np.asarray(lam)
        scale = max(float(np.abs(values).max()), 1e-300)
        bad = np.flatnonzero(values <= ZERO_EIGENVALUE_RTOL * scale)
        if bad.size:
            raise ValueError(
                f"{function}: eigenvalue {int(bad[0])} is {values[bad[0]]:.3g}, zero or "
                f"negative ({bad.size} such); thermal fluctuations need a restoring force in "
                "every mode. Leave the rigid-body modes out (normal_modes(..., project=True), "
                "or slice them off) and check that the structure is a minimum."
            )
    return _ModeArrays(lam, basis, dim, basis.shape[0] // dim)


def _scale(kT: Any, gamma: Any, function: str) -> jnp.ndarray:
    for name, value in (("kT", kT), ("gamma", gamma)):
        if _validate.is_concrete(value) and not float(value) > 0:
            raise ValueError(f"{function}: `{name}` must be positive, got {value!r}.")
    return jnp.asarray(kT, dtype=jnp.float64) / jnp.asarray(gamma, dtype=jnp.float64)


# --- fluctuations and B-factors ----------------------------------------------------------


def square_fluctuations(
    modes: Any,
    *,
    kT: float = 1.0,
    gamma: float = 1.0,
    n_modes: int | None = None,
    dim: int | None = None,
) -> jnp.ndarray:
    r"""Mean-square fluctuations of each atom (residue) from normal modes.

    .. math::
        \text{ANM:}\ \langle \Delta R_i^2 \rangle = \frac{k_B T}{\gamma}
            \sum_k \frac{|u_{ik}|^2}{\lambda_k}, \qquad
        \text{GNM:}\ \langle \Delta R_i^2 \rangle = \frac{3 k_B T}{\gamma}
            \sum_k \frac{u_{ik}^2}{\lambda_k}

    where |u_ik|² sums the x, y, z components of atom i in mode k (ANM) and the factor 3
    of the GNM counts the three isotropic directions. Summed over all internal modes this
    is the diagonal of kT (γΓ)⁺ (GNM, times 3) or the trace of the 3×3 diagonal blocks of
    kT H⁺ (ANM).

    Args:
        modes: a :class:`~jaxnm_course.Modes` or ``(eigenvalues, vectors)``; see the module
            documentation.
        kT: thermal energy k_B T, kcal/mol (e.g. ``jaxnm_course.units.kT(300.0)``).
        gamma: spring constant γ the eigenvalues are in units of, kcal/mol/Å² (1 for a
            Hessian already in kcal/mol/Å²).
        n_modes: use only the ``n_modes`` slowest modes (default: all given).
        dim: 3 (ANM) or 1 (GNM); required for plain arrays, inferred for a Modes.

    Returns:
        ⟨ΔR_i²⟩, shape (N,), Å² (with kT in kcal/mol and γ in kcal/mol/Å²).

    Reference: I. Bahar, A. R. Atilgan, B. Erman, Folding Des. 2, 173 (1997), eq. 7;
    A. R. Atilgan et al., Biophys. J. 80, 505 (2001).
    """
    fn = "square_fluctuations"
    arr = _mode_arrays(modes, fn, dim=dim, n_modes=n_modes)
    per_row = (arr.basis**2) @ (1.0 / arr.eigenvalues)
    per_atom = per_row.reshape(arr.n_atoms, arr.dim).sum(axis=1)
    factor = 3.0 if arr.dim == 1 else 1.0
    return factor * _scale(kT, gamma, fn) * per_atom


def bfactors(square_fluctuations: ArrayLike) -> jnp.ndarray:
    r"""Isotropic Debye-Waller (B) factors from mean-square fluctuations.

    .. math:: B_i = \frac{8 \pi^2}{3} \langle \Delta R_i^2 \rangle

    Args:
        square_fluctuations: ⟨ΔR_i²⟩, shape (N,), Å² (see :func:`square_fluctuations`).

    Returns:
        B_i, shape (N,), Å².

    Reference: B. T. M. Willis and A. W. Pryor, *Thermal Vibrations in Crystallography*
    (1975); Bahar et al., Folding Des. 2, 173 (1997), eq. 8.
    """
    msf = _validate.as_float64(square_fluctuations, "square_fluctuations", "bfactors")
    _validate._check_finite(msf, "square_fluctuations", "bfactors")
    return BFACTOR_PER_MSF * msf


def pearson_r(x: ArrayLike, y: ArrayLike) -> jnp.ndarray:
    r"""Pearson correlation coefficient of two profiles.

    .. math:: r = \frac{\sum_i (x_i - \bar x)(y_i - \bar y)}
              {\sqrt{\sum_i (x_i - \bar x)^2 \sum_i (y_i - \bar y)^2}}

    Args:
        x: shape (N,), N >= 2, not constant.
        y: shape (N,), same N.

    Returns:
        r, a scalar in [-1, 1].
    """
    fn = "pearson_r"
    x = _validate.as_float64(x, "x", fn)
    y = _validate.as_float64(y, "y", fn)
    if x.ndim != 1 or x.shape != y.shape or x.shape[0] < 2:
        raise ValueError(
            f"{fn}: `x` and `y` must be 1-D of the same length >= 2, got shapes "
            f"{tuple(x.shape)} and {tuple(y.shape)}."
        )
    _validate._check_finite(x, "x", fn)
    _validate._check_finite(y, "y", fn)
    dx, dy = x - x.mean(), y - y.mean()
    if _validate.is_concrete(dx):
        for name, d in (("x", dx), ("y", dy)):
            if float(jnp.abs(d).max()) == 0.0:
                raise ValueError(f"{fn}: `{name}` is constant; the correlation is undefined.")
    return jnp.sum(dx * dy) / jnp.sqrt(jnp.sum(dx * dx) * jnp.sum(dy * dy))


class BFactorFit(NamedTuple):
    """Computed B-factors fitted to experimental ones (see :func:`fit_bfactors`).

    Attributes:
        r: Pearson correlation coefficient between computed and experimental B.
        scale: fitted s in B_exp ≈ s B_calc (+ intercept); B_calc at kT = 1 kcal/mol and
            γ = 1 kcal/mol/Å², so s = kT/γ numerically.
        intercept: fitted offset, Å² (0 unless ``intercept=True``).
        gamma: the spring constant γ = k_B T / s implied by the fit, kcal/mol/Å².
        bfactors: the fitted B-factors s B_calc + intercept, shape (N,), Å².
        rmsd: root-mean-square residual of the fit, Å².
    """

    r: jnp.ndarray
    scale: jnp.ndarray
    intercept: jnp.ndarray
    gamma: jnp.ndarray
    bfactors: jnp.ndarray
    rmsd: jnp.ndarray


def fit_bfactors(
    square_fluctuations: ArrayLike,
    experimental: ArrayLike,
    temperature: float = 300.0,
    *,
    intercept: bool = False,
) -> BFactorFit:
    r"""Fit computed B-factors to experimental ones and estimate the spring constant γ.

    Computed fluctuations at kT/γ = 1 give B_calc = (8π²/3)⟨ΔR²⟩; since B ∝ kT/γ, the
    least-squares scale s of

    .. math:: B^{\rm exp}_i \approx s\, B^{\rm calc}_i \ (+\, b), \qquad
              s = \frac{\sum_i B^{\rm exp}_i B^{\rm calc}_i}{\sum_i (B^{\rm calc}_i)^2}
              \ \text{(no intercept)}

    estimates γ = k_B T / s at the temperature of the experiment. With ``intercept=True``
    an offset b (static disorder, crystal contacts) is fitted too (ordinary least squares).

    Args:
        square_fluctuations: ⟨ΔR_i²⟩ computed with kT = 1 and gamma = 1 (the defaults of
            :func:`square_fluctuations`), shape (N,), Å² per (kcal/mol / kcal/mol/Å²).
        experimental: experimental B-factors, shape (N,), Å².
        temperature: temperature of the experiment, K.
        intercept: also fit an offset b.

    Returns:
        :class:`BFactorFit`.

    Reference: Bahar et al., Folding Des. 2, 173 (1997); E. Eyal, L.-W. Yang, I. Bahar,
    Bioinformatics 22, 2619 (2006) (γ from B-factors).
    """
    fn = "fit_bfactors"
    calc = bfactors(square_fluctuations)
    exp = _validate.as_float64(experimental, "experimental", fn)
    if exp.shape != calc.shape:
        raise ValueError(
            f"{fn}: `experimental` has shape {tuple(exp.shape)} but the fluctuations have "
            f"{tuple(calc.shape)}; match the residues first (see common_residues)."
        )
    if not float(temperature) > 0:
        raise ValueError(f"{fn}: `temperature` must be positive (K), got {temperature!r}.")
    r = pearson_r(calc, exp)
    if intercept:
        dc = calc - calc.mean()
        s = jnp.sum(dc * (exp - exp.mean())) / jnp.sum(dc * dc)
        b = exp.mean() - s * calc.mean()
    else:
        s = jnp.sum(exp * calc) / jnp.sum(calc * calc)
        b = jnp.zeros((), dtype=calc.dtype)
    fitted = s * calc + b
    return BFactorFit(
        r=r,
        scale=s,
        intercept=b,
        gamma=thermal_energy(float(temperature)) / s,
        bfactors=fitted,
        rmsd=jnp.sqrt(jnp.mean((fitted - exp) ** 2)),
    )


# --- covariance and correlation ------------------------------------------------------------


def covariance(
    modes: Any,
    *,
    kT: float = 1.0,
    gamma: float = 1.0,
    n_modes: int | None = None,
    dim: int | None = None,
) -> jnp.ndarray:
    r"""Thermal covariance matrix: the pseudo-inverse restricted to the internal modes.

    .. math::
        \text{ANM:}\ \langle \Delta x \Delta x^T \rangle = \frac{k_B T}{\gamma}
            \sum_k \frac{u_k u_k^T}{\lambda_k} = k_B T\, H^{+}, \qquad
        \text{GNM:}\ \langle \Delta R_i \cdot \Delta R_j \rangle = \frac{3 k_B T}{\gamma}
            \sum_k \frac{u_{ik} u_{jk}}{\lambda_k} = 3 k_B T\, (\gamma \Gamma)^{+}_{ij}

    (ProDy's ``calcCovariance`` of a GNM omits the factor 3.)

    Args:
        modes: a Modes or ``(eigenvalues, vectors)``.
        kT: k_B T, kcal/mol.
        gamma: γ, kcal/mol/Å².
        n_modes: use only the slowest ``n_modes`` modes.
        dim: 3 (ANM) or 1 (GNM); required for plain arrays.

    Returns:
        Shape (3N, 3N) for ANM, atom-major, or (N, N) for GNM; Å².

    Reference: Bahar, Atilgan, Erman, Folding Des. 2, 173 (1997); Atilgan et al.,
    Biophys. J. 80, 505 (2001).
    """
    fn = "covariance"
    arr = _mode_arrays(modes, fn, dim=dim, n_modes=n_modes)
    factor = 3.0 if arr.dim == 1 else 1.0
    weighted = arr.basis / arr.eigenvalues
    return factor * _scale(kT, gamma, fn) * weighted @ arr.basis.T


def residue_covariance(
    modes: Any,
    *,
    kT: float = 1.0,
    gamma: float = 1.0,
    n_modes: int | None = None,
    dim: int | None = None,
) -> jnp.ndarray:
    r"""Covariance of atom displacements, ⟨ΔR_i·ΔR_j⟩, shape (N, N).

    For ANM the trace of the 3×3 block (i, j) of :func:`covariance`,
    ⟨ΔR_i·ΔR_j⟩ = (kT/γ) Σ_k (u_ik·u_jk)/λ_k; for GNM the covariance itself. The diagonal
    is :func:`square_fluctuations`.

    Args:
        modes: a Modes or ``(eigenvalues, vectors)``.
        kT: k_B T, kcal/mol.
        gamma: γ, kcal/mol/Å².
        n_modes: use only the slowest ``n_modes`` modes.
        dim: 3 (ANM) or 1 (GNM); required for plain arrays.

    Returns:
        ⟨ΔR_i·ΔR_j⟩, shape (N, N), Å².

    Reference: Atilgan et al., Biophys. J. 80, 505 (2001).
    """
    fn = "residue_covariance"
    arr = _mode_arrays(modes, fn, dim=dim, n_modes=n_modes)
    U = arr.basis.reshape(arr.n_atoms, arr.dim, -1)
    factor = 3.0 if arr.dim == 1 else 1.0
    return factor * _scale(kT, gamma, fn) * jnp.einsum("iak,jak,k->ij", U, U, 1 / arr.eigenvalues)


def cross_correlation(
    modes: Any, *, n_modes: int | None = None, dim: int | None = None
) -> jnp.ndarray:
    r"""Normalised cross-correlation of atom displacements.

    .. math:: C_{ij} = \frac{\langle \Delta R_i \cdot \Delta R_j \rangle}
              {\sqrt{\langle \Delta R_i^2 \rangle \langle \Delta R_j^2 \rangle}}

    +1: atoms move in the same direction, -1: in opposite directions, 0: uncorrelated
    (or perpendicular). Independent of kT and γ.

    Args:
        modes: a Modes or ``(eigenvalues, vectors)``.
        n_modes: use only the slowest ``n_modes`` modes.
        dim: 3 (ANM) or 1 (GNM); required for plain arrays.

    Returns:
        C, shape (N, N), symmetric, ones on the diagonal, entries in [-1, 1].

    Reference: T. Ichiye and M. Karplus, Proteins 11, 205 (1991); Bahar et al. (1997).
    """
    C = residue_covariance(modes, n_modes=n_modes, dim=dim)
    d = jnp.sqrt(jnp.diag(C))
    return C / d[:, None] / d[None, :]


# --- comparing modes and vectors -------------------------------------------------------------


def _columns(x: Any, name: str, function: str) -> jnp.ndarray:
    if isinstance(x, Modes):
        x = x.vectors
    x = _validate.as_float64(x, name, function)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(
            f"{function}: `{name}` must be a vector (D,) or vectors as columns (D, M), got "
            f"shape {tuple(x.shape)}."
        )
    _validate._check_finite(x, name, function)
    norms = jnp.linalg.norm(x, axis=0)
    if _validate.is_concrete(norms) and float(norms.min()) == 0.0:
        raise ValueError(
            f"{function}: column {int(jnp.argmin(norms))} of `{name}` is zero; an overlap "
            "with a zero vector is undefined."
        )
    return x / norms


def _pair(a: Any, b: Any, function: str) -> tuple[jnp.ndarray, jnp.ndarray]:
    A = _columns(a, "a", function)
    B = _columns(b, "b", function)
    if A.shape[0] != B.shape[0]:
        hint = (
            " (an (N, 3) array? flatten it with `.reshape(-1)`)"
            if 3 * min(A.shape[0], B.shape[0]) == max(A.shape[0], B.shape[0])
            else ""
        )
        raise ValueError(
            f"{function}: `a` has vectors of length {A.shape[0]} but `b` of length "
            f"{B.shape[0]}; they must live in the same space{hint}."
        )
    return A, B


def overlap(a: Any, b: Any) -> jnp.ndarray:
    r"""Overlap (cosine) between vectors: O_kl = a_k·b_l / (|a_k| |b_l|).

    Args:
        a: a vector (D,), vectors as columns (D, M), or a Modes (its ``vectors``).
        b: a vector (D,), vectors as columns (D, K), or a Modes.

    Returns:
        Signed overlaps, shape (M, K) (a scalar's worth of shape (1, 1) for two vectors);
        ``abs`` of it is the usual |overlap| in [0, 1].

    Reference: F. Tama and Y.-H. Sanejouand, Protein Eng. 14, 1 (2001), eq. 5;
    G. G. Krebs et al., Proteins 48, 682 (2002).
    """
    A, B = _pair(a, b, "overlap")
    return A.T @ B


def cumulative_overlap(modes: Any, vector: ArrayLike) -> jnp.ndarray:
    r"""Cumulative overlap of the first k modes with a vector, k = 1 … M.

    .. math:: CO(k) = \Big( \sum_{j=1}^{k} O_j^2 \Big)^{1/2},
              \qquad O_j = \frac{u_j \cdot d}{|u_j|\,|d|}

    For orthonormal modes CO(M) = 1 exactly when ``vector`` lies in their span.

    Args:
        modes: vectors as columns (D, M) or a Modes.
        vector: the vector d, shape (D,) (e.g. :attr:`Deformation.vector`).

    Returns:
        CO, shape (M,), non-decreasing, in [0, 1] for orthonormal modes.

    Reference: Tama and Sanejouand, Protein Eng. 14, 1 (2001); Krebs et al. (2002).
    """
    O = overlap(modes, vector)  # noqa: E741
    if O.shape[1] != 1:
        raise ValueError(
            f"cumulative_overlap: `vector` must be one vector of shape (D,), got {O.shape[1]}."
        )
    return jnp.sqrt(jnp.cumsum(O[:, 0] ** 2))


def rmsip(a: Any, b: Any) -> jnp.ndarray:
    r"""Root mean square inner product of two subspaces.

    .. math:: \mathrm{RMSIP} = \Big( \frac{1}{M} \sum_{i=1}^{M} \sum_{j=1}^{K}
              (a_i \cdot b_j)^2 \Big)^{1/2}

    with normalised columns; 1 for identical subspaces (M = K), 0 for orthogonal ones.
    The columns of each set should be orthonormal (as normal modes are).

    Args:
        a: vectors as columns (D, M) or a Modes.
        b: vectors as columns (D, K) or a Modes.

    Returns:
        RMSIP, a scalar.

    Reference: A. Amadei, M. A. Ceruso, A. Di Nola, Proteins 36, 419 (1999).
    """
    A, B = _pair(a, b, "rmsip")
    return jnp.sqrt(jnp.sum((A.T @ B) ** 2) / A.shape[1])


def collectivity(
    modes: Any, *, masses: ArrayLike | None = None, dim: int | None = None
) -> jnp.ndarray:
    r"""Degree of collectivity κ of each mode (Brüschweiler).

    .. math:: \kappa = \frac{1}{N} \exp\Big( -\sum_{i=1}^{N} u_i^2 \ln u_i^2 \Big),
              \qquad u_i^2 = \alpha \frac{|v_i|^2}{m_i}, \quad \sum_i u_i^2 = 1

    (0 ln 0 = 0). κ = 1 when all N atoms move by the same amount, 1/N when one atom moves.

    Args:
        modes: a vector (dim·N,), vectors as columns (dim·N, M), or a Modes (its Cartesian
            ``vectors`` and ``masses``; pass ``masses=None`` to weight atoms equally).
        masses: m_i, shape (N,), amu, or None for equal masses.
        dim: 3 (Cartesian) or 1 (GNM); required for arrays, inferred for a Modes.

    Returns:
        κ, shape (M,), in [1/N, 1].

    Reference: R. Brüschweiler, J. Chem. Phys. 102, 3396 (1995), eq. 5.
    """
    fn = "collectivity"
    if isinstance(modes, Modes):
        inferred = modes.vectors.shape[0] // modes.masses.shape[0]
        if dim is not None and dim != inferred:
            raise ValueError(f"{fn}: dim={dim} disagrees with the modes (dim={inferred}).")
        dim = inferred
        V = _columns(modes.vectors, "modes", fn)
    else:
        V = _columns(modes, "modes", fn)
        dim = _check_dim(dim, V.shape[0], fn)
    n = V.shape[0] // dim
    u2 = (V**2).reshape(n, dim, -1).sum(axis=1)
    if masses is not None:
        m = _validate.as_masses(masses, n, fn)
        u2 = u2 / m[:, None]
    u2 = u2 / u2.sum(axis=0, keepdims=True)
    positive = u2 > 0
    entropy = -jnp.sum(jnp.where(positive, u2 * jnp.log(jnp.where(positive, u2, 1.0)), 0.0), 0)
    return jnp.exp(entropy) / n


# --- superposition and deformation -----------------------------------------------------------


class Superposition(NamedTuple):
    """Result of :func:`superpose`.

    Attributes:
        R: the superposed mobile coordinates, mobile @ rotation.T + translation, (N, 3), Å.
        rotation: proper rotation matrix (det = +1), shape (3, 3).
        translation: shape (3,), Å.
        rmsd: (weighted) root-mean-square deviation after superposition, Å.
    """

    R: jnp.ndarray
    rotation: jnp.ndarray
    translation: jnp.ndarray
    rmsd: jnp.ndarray


def _weights(weights: Any, n: int, function: str) -> jnp.ndarray:
    if weights is None:
        return jnp.ones(n, dtype=jnp.float64)
    w = _validate.as_float64(weights, "weights", function)
    if w.shape != (n,):
        raise ValueError(f"{function}: `weights` must have shape ({n},), got {tuple(w.shape)}.")
    _validate._check_finite(w, "weights", function)
    if _validate.is_concrete(w) and (float(w.min()) < 0 or float(w.sum()) <= 0):
        raise ValueError(f"{function}: `weights` must be >= 0 with a positive sum.")
    return w


def _two_structures(
    mobile: Any, target: Any, weights: Any, function: str, names: tuple[str, str]
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    X = _validate.as_positions(mobile, function, names[0], check_overlap=False)
    Y = _validate.as_positions(target, function, names[1], check_overlap=False)
    if X.shape != Y.shape:
        raise ValueError(
            f"{function}: `{names[0]}` has shape {tuple(X.shape)} and `{names[1]}` "
            f"{tuple(Y.shape)}; they need the same atoms in the same order (match residues "
            "first, see common_residues)."
        )
    return X, Y, _weights(weights, X.shape[0], function)


def rmsd(R1: ArrayLike, R2: ArrayLike, weights: ArrayLike | None = None) -> jnp.ndarray:
    r"""Root-mean-square deviation without superposition.

    .. math:: \mathrm{RMSD} = \Big( \sum_i w_i |R1_i - R2_i|^2 / \sum_i w_i \Big)^{1/2}

    Args:
        R1: shape (N, 3), Å.
        R2: shape (N, 3), Å.
        weights: w_i >= 0, shape (N,), or None for equal weights.

    Returns:
        RMSD, a scalar, Å.
    """
    X, Y, w = _two_structures(R1, R2, weights, "rmsd", ("R1", "R2"))
    return jnp.sqrt(jnp.sum(w * jnp.sum((X - Y) ** 2, axis=1)) / jnp.sum(w))


def superpose(
    mobile: ArrayLike, target: ArrayLike, weights: ArrayLike | None = None
) -> Superposition:
    r"""Least-squares superposition of ``mobile`` onto ``target`` (Kabsch algorithm).

    Minimises Σ_i w_i |Q x_i + t - y_i|² over proper rotations Q (det Q = +1) and
    translations t. With centred coordinates and the 3×3 correlation matrix
    A = Σ_i w_i x_i y_iᵀ = U S Vᵀ (SVD), the optimum is

    .. math:: Q = V\, \mathrm{diag}(1, 1, d)\, U^T, \quad d = \mathrm{sign}\det(V U^T),
              \qquad t = \bar y - Q \bar x

    (the d = -1 correction turns what would be a reflection into the best rotation).

    Args:
        mobile: coordinates to move, shape (N, 3), Å.
        target: reference coordinates, shape (N, 3), Å, same atoms in the same order.
        weights: w_i >= 0, shape (N,) (e.g. masses), or None for equal weights.

    Returns:
        :class:`Superposition` (superposed coordinates, rotation, translation, RMSD).

    Reference: W. Kabsch, Acta Cryst. A32, 922 (1976); A34, 827 (1978) (reflections).
    """
    X, Y, w = _two_structures(mobile, target, weights, "superpose", ("mobile", "target"))
    w_sum = jnp.sum(w)
    cx = jnp.sum(w[:, None] * X, axis=0) / w_sum
    cy = jnp.sum(w[:, None] * Y, axis=0) / w_sum
    A = (w[:, None] * (X - cx)).T @ (Y - cy)
    U, _, Vt = jnp.linalg.svd(A)
    d = jnp.where(jnp.linalg.det(Vt.T @ U.T) < 0, -1.0, 1.0)
    Q = Vt.T @ jnp.diag(jnp.array([1.0, 1.0, 1.0]).at[2].set(d)) @ U.T
    t = cy - Q @ cx
    moved = X @ Q.T + t
    err = jnp.sqrt(jnp.sum(w * jnp.sum((moved - Y) ** 2, axis=1)) / w_sum)
    return Superposition(R=moved, rotation=Q, translation=t, rmsd=err)


class Deformation(NamedTuple):
    """Result of :func:`deformation`.

    Attributes:
        vector: d = R_other superposed − R_ref, flattened atom-major, shape (3N,), Å.
        R: ``R_other`` superposed onto ``R_ref``, shape (N, 3), Å.
        rmsd: RMSD after superposition, Å (= |d| / √N for equal weights).
    """

    vector: jnp.ndarray
    R: jnp.ndarray
    rmsd: jnp.ndarray


def deformation(
    R_ref: ArrayLike, R_other: ArrayLike, weights: ArrayLike | None = None
) -> Deformation:
    r"""Deformation vector from a reference conformation to another, after superposition.

    ``R_other`` is superposed onto ``R_ref`` (:func:`superpose`) so that no rigid-body
    motion is left in d = R_other' − R_ref; d can then be compared with the modes of
    ``R_ref`` (:func:`overlap`, :func:`cumulative_overlap`).

    Args:
        R_ref: reference coordinates (the structure whose modes are used), (N, 3), Å.
        R_other: the other conformation, same atoms in the same order, (N, 3), Å.
        weights: superposition weights, shape (N,), or None.

    Returns:
        :class:`Deformation`.

    Reference: F. Tama and Y.-H. Sanejouand, Protein Eng. 14, 1 (2001).
    """
    fit = superpose(R_other, R_ref, weights)
    R_ref = jnp.asarray(R_ref, dtype=jnp.float64)
    return Deformation(vector=(fit.R - R_ref).reshape(-1), R=fit.R, rmsd=fit.rmsd)


def common_residues(a: Any, b: Any, *, match_chains: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the residues two structures have in common, matched by number.

    Residues are matched on (chain, residue number, insertion code), or on (number,
    insertion code) with ``match_chains=False`` (e.g. chain A of one entry against chain B
    of another), keeping the order of ``a``. Residue names must agree where numbers do.

    Args:
        a: a :class:`~jaxnm_course.Structure`.
        b: a :class:`~jaxnm_course.Structure`.
        match_chains: require equal chain ids.

    Returns:
        (idx_a, idx_b): int arrays of equal length K with a.R[idx_a] and b.R[idx_b] the same
        residues in the same order.

    Raises:
        ValueError: no residue in common, a key repeated within one structure, or residue
            names that differ (a mutation or a numbering shift).
    """
    fn = "common_residues"

    def keys(s: Any, name: str) -> dict[tuple, int]:
        out: dict[tuple, int] = {}
        for i, (c, n, ic) in enumerate(zip(s.chains, s.resnums, s.icodes, strict=True)):
            k = (c, int(n), ic) if match_chains else (int(n), ic)
            if k in out:
                raise ValueError(
                    f"{fn}: residue {k} appears twice in `{name}`; with several chains pass "
                    "match_chains=True, or select one chain when loading."
                )
            out[k] = i
        return out

    ka, kb = keys(a, "a"), keys(b, "b")
    pairs = [(i, kb[k]) for k, i in ka.items() if k in kb]
    if not pairs:
        raise ValueError(
            f"{fn}: the structures have no residue in common (matched on "
            f"{'chain, ' if match_chains else ''}number and insertion code)."
        )
    idx_a = np.array([p[0] for p in pairs], dtype=np.int64)
    idx_b = np.array([p[1] for p in pairs], dtype=np.int64)
    bad = [(int(a.resnums[i]), a.resnames[i], b.resnames[j]) for i, j in pairs]
    bad = [x for x in bad if x[1] != x[2]]
    if bad:
        raise ValueError(
            f"{fn}: {len(bad)} residue(s) with the same number have different names "
            f"(first: residue {bad[0][0]}, {bad[0][1]} vs {bad[0][2]}); the numbering "
            "differs or the sequences do: align the sequences instead."
        )
    return idx_a, idx_b


# --- hinges ------------------------------------------------------------------------------


def hinge_residues(
    modes: Any, n_modes: int = 1, *, chains: Any = None, dim: int | None = None
) -> list[np.ndarray]:
    """Hinge residues: where the shape of a slow GNM mode changes sign.

    Residues on either side of a crossover of the mode shape u_k move in opposite
    directions (anti-correlated domains); the crossover is the hinge. For every pair of
    consecutive residues (i, i+1) with sign(u_ik) ≠ sign(u_i+1,k) the one with the smaller
    |u| (the one closer to the node; i on a tie) is reported. Consecutive residues of
    different chains are never a hinge. Shape-determining (NumPy, outside jit).

    Args:
        modes: GNM modes, a Modes or ``(eigenvalues, vectors)`` with vectors (N, M).
        n_modes: how many of the slowest modes to analyse.
        chains: chain id of each residue (e.g. ``Structure.chains``), or None for one chain.
        dim: must be 1 (GNM) for plain arrays.

    Returns:
        One sorted int array of residue indices per mode (length ``n_modes``).

    Reference: I. Bahar, A. R. Atilgan, M. C. Demirel, B. Erman, Phys. Rev. Lett. 80, 2733
    (1998); C. Chennubhotla, I. Bahar, Mol. Syst. Biol. 2, 36 (2006).
    """
    fn = "hinge_residues"
    if isinstance(modes, tuple | list) and dim is None:
        dim = 1
    arr = _mode_arrays(modes, fn, dim=dim, n_modes=n_modes)
    if arr.dim != 1:
        raise ValueError(
            f"{fn}: hinges are defined on one-dimensional (GNM) mode shapes; these modes have "
            "dim=3. Use the GNM of the structure (jaxnm_course.enm.gnm)."
        )
    V = np.asarray(arr.basis)
    same_chain = np.ones(V.shape[0] - 1, dtype=bool)
    if chains is not None:
        chains = list(chains)
        if len(chains) != V.shape[0]:
            raise ValueError(
                f"{fn}: `chains` has {len(chains)} entries for {V.shape[0]} residues."
            )
        same_chain = np.array([a == b for a, b in itertools.pairwise(chains)], dtype=bool)
    out = []
    for v in V.T:
        s = np.sign(v)
        cross = np.flatnonzero((s[:-1] != s[1:]) & same_chain)
        pick = np.where(np.abs(v[cross + 1]) < np.abs(v[cross]), cross + 1, cross)
        out.append(np.unique(pick))
    return out


# --- conformations along modes ---------------------------------------------------------------


class Conformers(NamedTuple):
    """Result of :func:`sample_conformers`.

    Attributes:
        R: conformations, shape (n_confs, N, 3), Å.
        coefficients: the standard normal numbers z_ck, shape (n_confs, M).
        rmsd: RMSD of each conformation from the reference, shape (n_confs,), Å.
        scale: the common factor s of the displacements (see :func:`sample_conformers`).
    """

    R: jnp.ndarray
    coefficients: jnp.ndarray
    rmsd: jnp.ndarray
    scale: jnp.ndarray


def _cartesian(modes: Any, R: Any, function: str, n_modes: int | None) -> tuple:
    R = _validate.as_positions(R, function, check_overlap=False)
    dim = None if isinstance(modes, Modes) else 3
    arr = _mode_arrays(modes, function, dim=dim, n_modes=n_modes)
    if arr.dim != 3 or arr.n_atoms != R.shape[0]:
        raise ValueError(
            f"{function}: the modes must be Cartesian (3N, M) for the {R.shape[0]} atoms of "
            f"`R`; got {arr.basis.shape[0]} rows with dim={arr.dim}."
        )
    return R, arr


def sample_conformers(
    key: jax.Array,
    R: ArrayLike,
    modes: Any,
    n_confs: int = 100,
    rmsd: float = 1.0,
    *,
    n_modes: int | None = None,
) -> Conformers:
    r"""Random conformations along normal modes, with Boltzmann-like amplitudes.

    .. math:: R_c = R + s \sum_k z_{ck}\, \lambda_k^{-1/2}\, u_k,
              \qquad z_{ck} \sim \mathcal N(0, 1),
              \qquad s = \mathrm{RMSD}\, \sqrt{N \big/ \textstyle\sum_k |u_k|^2/\lambda_k}

    Each mode is excited in proportion to its thermal amplitude (kT/λ_k)^{1/2}; s fixes
    the root-mean-square over the ensemble of the RMSD from R to ``rmsd`` (individual
    conformations scatter around it). Same idea as ProDy's ``sampleModes``, which instead
    scales by the sample mean of the RMSD.

    Args:
        key: a JAX PRNG key (``jax.random.key(0)``).
        R: reference coordinates, shape (N, 3), Å.
        modes: Cartesian modes (3N, M): a Modes or ``(eigenvalues, vectors)``.
        n_confs: number of conformations.
        rmsd: target RMS of the RMSD, Å.
        n_modes: use only the slowest ``n_modes`` modes.

    Returns:
        :class:`Conformers`.

    Reference: ProDy ``sampleModes`` (A. Bakan, L. M. Meireles, I. Bahar, Bioinformatics
    27, 1575 (2011)); T. R. Lezon, I. Bahar, PLoS Comput. Biol. 6, e1000816 (2010).
    """
    fn = "sample_conformers"
    R, arr = _cartesian(modes, R, fn, n_modes)
    if not float(rmsd) > 0 or int(n_confs) < 1:
        raise ValueError(f"{fn}: need rmsd > 0 and n_confs >= 1, got {rmsd!r}, {n_confs!r}.")
    n = R.shape[0]
    z = jax.random.normal(key, (int(n_confs), arr.eigenvalues.shape[0]), dtype=jnp.float64)
    expected = jnp.sum(jnp.sum(arr.basis**2, axis=0) / arr.eigenvalues)
    s = rmsd * jnp.sqrt(n / expected)
    disp = (z / jnp.sqrt(arr.eigenvalues)) @ arr.basis.T * s
    disp = disp.reshape(int(n_confs), n, 3)
    return Conformers(
        R=R[None] + disp,
        coefficients=z,
        rmsd=jnp.sqrt(jnp.mean(jnp.sum(disp**2, axis=2), axis=1)),
        scale=s,
    )


class Traversal(NamedTuple):
    """Result of :func:`traverse_mode`.

    Attributes:
        R: frames, shape (2 n_steps + 1, N, 3), Å, from -rmsd through R to +rmsd.
        amplitudes: signed RMSD of each frame from R, shape (2 n_steps + 1,), Å.
    """

    R: jnp.ndarray
    amplitudes: jnp.ndarray


def traverse_mode(
    R: ArrayLike, vector: ArrayLike, n_steps: int = 10, rmsd: float = 1.5
) -> Traversal:
    r"""Frames along one mode, for animation: R_j = R + a_j √N v/|v|.

    The amplitudes a_j = rmsd · j / n_steps, j = -n_steps … n_steps, are the RMSD of each
    frame from R (signed), so the ends lie ``rmsd`` Å away on either side.

    Args:
        R: reference coordinates, shape (N, 3), Å.
        vector: the mode (or any displacement), shape (3N,) or (N, 3).
        n_steps: number of frames on each side of R.
        rmsd: RMSD of the end frames from R, Å.

    Returns:
        :class:`Traversal` with 2 n_steps + 1 frames.

    Reference: ProDy ``traverseMode`` (Bakan et al., Bioinformatics 27, 1575 (2011)).
    """
    fn = "traverse_mode"
    R = _validate.as_positions(R, fn, check_overlap=False)
    v = _validate.as_float64(vector, "vector", fn)
    if v.size != R.size:
        raise ValueError(
            f"{fn}: `vector` has {v.size} entries for {R.shape[0]} atoms; pass shape (3N,) "
            "(a column of Modes.vectors) or (N, 3)."
        )
    _validate._check_finite(v, "vector", fn)
    v = v.reshape(R.shape)
    norm = jnp.linalg.norm(v)
    if _validate.is_concrete(norm) and float(norm) == 0.0:
        raise ValueError(f"{fn}: `vector` is zero.")
    if int(n_steps) < 1 or not float(rmsd) > 0:
        raise ValueError(f"{fn}: need n_steps >= 1 and rmsd > 0, got {n_steps!r}, {rmsd!r}.")
    a = jnp.linspace(-rmsd, rmsd, 2 * int(n_steps) + 1)
    step = v / norm * jnp.sqrt(R.shape[0])
    return Traversal(R=R[None] + a[:, None, None] * step[None], amplitudes=a)
