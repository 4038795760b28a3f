r"""Fluctuations, B-factors, covariance and cross-correlation from normal modes (private).

Re-exported by :mod:`jaxnm_course.analysis`; see there for how modes are passed and for
the units.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import jax.numpy as jnp
from jax.typing import ArrayLike

from .. import _validate
from ..units import kT as thermal_energy
from ._modes import _mode_arrays

#: 8π²/3: B-factor per mean-square fluctuation, B_i = (8π²/3) <ΔR_i²> (Å² per Å²).
BFACTOR_PER_MSF = 8.0 * math.pi**2 / 3.0


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
        dim: 3 (ANM) or 1 (GNM); required for plain arrays. A Modes says its own
            (``modes.dim``); a different ``dim`` is a ValueError.

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
        dim: 3 (ANM) or 1 (GNM); required for plain arrays (a Modes: ``modes.dim``).

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
        dim: 3 (ANM) or 1 (GNM); required for plain arrays (a Modes: ``modes.dim``).

    Returns:
        ⟨ΔR_i·ΔR_j⟩, shape (N, N), Å².

    Reference: Atilgan et al., Biophys. J. 80, 505 (2001).
    """
    return _residue_covariance(modes, "residue_covariance", kT, gamma, n_modes, dim)


def _residue_covariance(
    modes: Any, fn: str, kT: float, gamma: float, n_modes: int | None, dim: int | None
) -> jnp.ndarray:
    """:func:`residue_covariance`, with errors named after the public function ``fn``."""
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
        dim: 3 (ANM) or 1 (GNM); required for plain arrays (a Modes: ``modes.dim``).

    Returns:
        C, shape (N, N), symmetric, ones on the diagonal, entries in [-1, 1].

    Reference: T. Ichiye and M. Karplus, Proteins 11, 205 (1991); Bahar et al. (1997).
    """
    C = _residue_covariance(modes, "cross_correlation", 1.0, 1.0, n_modes, dim)
    d = jnp.sqrt(jnp.diag(C))
    return C / d[:, None] / d[None, :]
