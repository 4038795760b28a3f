r"""Vibrational thermochemistry of independent harmonic oscillators.

Each vibration of wavenumber ν̃ > 0 is a quantum harmonic oscillator with levels
ε_n = (n + ½) h c ν̃. With the reduced frequency

.. math:: x = \frac{h c \tilde\nu}{k_B T}

its partition function (energies measured from the bottom of the well) is
q = e^{-x/2} / (1 - e^{-x}), and per mole of oscillators:

.. math::

    E_{ZPE} &= \tfrac12 N_A h c \tilde\nu \\
    U &= E_{ZPE} + N_A h c \tilde\nu \, \frac{1}{e^{x} - 1} \\
    S &= R \left[ \frac{x}{e^{x} - 1} - \ln\left(1 - e^{-x}\right) \right] \\
    C_V &= R \, \frac{x^2 e^{x}}{(e^{x} - 1)^2} \\
    F &= E_{ZPE} + R T \ln\left(1 - e^{-x}\right) = U - T S

The modes of a molecule are independent in the harmonic approximation, so each quantity
is a sum over modes. These are the *vibrational* parts only; translations and rotations
(ideal gas, rigid rotor) are not included. For vibrations, H = U and G = F (no p V term).

Which modes are used
--------------------
* ν̃ ≥ ``min_frequency``: a vibration, summed.
* ν̃ ≤ -``min_frequency``: an imaginary frequency (reported as a negative number by
  :func:`jaxnm_course.normal_modes`). An imaginary mode is not an oscillator (the energy
  goes *down* along it: a transition state or a structure that is not a minimum), so it
  has no harmonic partition function. It is excluded from the sums, **counted** in
  ``n_imaginary`` and **listed** in ``imaginary_frequencies``: check them.
* |ν̃| < ``min_frequency`` (or ν̃ = 0): numerical zeros, typically the rigid-body modes of
  an analysis without projection (``normal_modes(..., project=False)``). Their entropy
  would diverge like -R ln x, so they are excluded and counted in ``n_skipped``.

References: D. A. McQuarrie, *Statistical Mechanics* (Harper & Row 1976; University
Science Books 2000), ch. 8; J. W. Ochterski, "Thermochemistry in Gaussian" (Gaussian,
Inc., 2000), the section "Contributions from vibrational motion".
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from . import _validate
from .modes import Modes
from .units import GAS_CONSTANT_KCAL, HC_KCAL_MOL_CM, kT

__all__ = [
    "DEFAULT_MIN_FREQUENCY",
    "Thermo",
    "classical_limit",
    "harmonic_thermo",
]

#: Modes with |ν̃| below this (cm⁻¹) are numerical zeros and skipped. Rigid-body modes of
#: an unprojected float64 autodiff Hessian at a minimum come out below ~1e-3 cm⁻¹; the
#: same threshold (1 cm⁻¹) separates noise from imaginary modes in
#: :func:`jaxnm_course.n_imaginary`.
DEFAULT_MIN_FREQUENCY = 1.0

#: Reduced frequencies x = hcν̃/kT are capped here: e^{-x} is exactly 0 in float64 well
#: before (x ≈ 745), so the cap changes no value and no derivative, but it keeps x² and
#: x·e^{-x} away from inf·0 = NaN at absurdly small temperatures.
_X_MAX = 1e4

_LN2 = float(np.log(2.0))


class Thermo(NamedTuple):
    """Vibrational thermochemistry of a set of harmonic oscillators (a pytree).

    Energy fields have the shape of ``temperature`` (a scalar for a scalar temperature).

    Attributes:
        temperature: T, K.
        zpe: zero-point energy Σ ½ h c ν̃ N_A, kcal/mol (independent of T).
        internal_energy: vibrational internal energy U_vib, zero-point energy included,
            kcal/mol (equal to the vibrational enthalpy).
        entropy: S_vib, kcal/mol/K.
        heat_capacity: C_V,vib, kcal/mol/K (equal to C_p,vib).
        helmholtz_energy: F_vib = U_vib - T S_vib, kcal/mol (equal to G_vib).
        n_vibrations: number of modes summed.
        n_imaginary: number of imaginary modes (ν̃ ≤ -min_frequency), excluded from sums.
        n_skipped: number of near-zero modes (|ν̃| < min_frequency), excluded from sums.
        imaginary_frequencies: the excluded imaginary modes, cm⁻¹ (negative numbers), in
            input order, shape (n_imaginary,). ``None`` when the frequencies are traced
            (inside ``jit``/``grad``/``vmap`` over them), where the counts are traced
            integer arrays rather than Python ints.
    """

    temperature: Any
    zpe: Any
    internal_energy: Any
    entropy: Any
    heat_capacity: Any
    helmholtz_energy: Any
    n_vibrations: Any
    n_imaginary: Any
    n_skipped: Any
    imaginary_frequencies: Any


def _frequencies(frequencies_or_modes: Any, function: str) -> jnp.ndarray:
    """Validated 1-D float64 wavenumbers from a :class:`Modes` or an array."""
    if isinstance(frequencies_or_modes, Modes):
        modes = frequencies_or_modes
        gnm = _validate.is_concrete(modes.dim) and modes.dim != 3
        if modes.frequencies is None or gnm:
            raise ValueError(
                f"{function}: GNM modes have no frequencies: thermochemistry needs Cartesian "
                "modes from normal_modes or anm (modes.dim == 3, with mass-weighted "
                "eigenvalues in kcal/mol/Å²/amu)."
            )
        frequencies_or_modes = modes.frequencies
    nu = _validate.as_float64(frequencies_or_modes, "frequencies", function)
    if nu.ndim == 0:
        nu = nu.reshape(1)
    if nu.ndim != 1:
        raise ValueError(
            f"{function}: `frequencies` must be a 1-D array of wavenumbers (cm⁻¹), shape "
            f"(M,), got shape {tuple(nu.shape)}; for several structures use jax.vmap."
        )
    _validate._check_finite(nu, "frequencies", function)
    return nu


def _temperature(temperature: Any, function: str) -> jnp.ndarray:
    T = _validate.as_float64(temperature, "temperature", function)
    _validate._check_finite(T, "temperature", function)
    if _validate.is_concrete(T) and (np.asarray(T) <= 0).any():
        bad = np.asarray(T)[np.asarray(T) <= 0].reshape(-1)[0]
        raise ValueError(
            f"{function}: `temperature` must be > 0 K, got {float(bad)}; the vibrational "
            "entropy and heat capacity at T = 0 are 0 and the energy is the ZPE."
        )
    return T


def _min_frequency(min_frequency: float, function: str) -> float:
    value = float(min_frequency)
    if not (np.isfinite(value) and value >= 0):
        raise ValueError(
            f"{function}: `min_frequency` must be a finite number >= 0 (cm⁻¹), got "
            f"{min_frequency}."
        )
    return value


def _classify(nu: jnp.ndarray, min_frequency: float) -> tuple[jnp.ndarray, dict[str, Any]]:
    """Mask of the modes used, and the counts/imaginary list described in :class:`Thermo`."""
    used = (nu >= min_frequency) & (nu > 0)
    imaginary = (nu <= -min_frequency) & (nu < 0)
    if _validate.is_concrete(nu):
        values = np.asarray(nu)
        imag_np = np.asarray(imaginary)
        n_used = int(np.sum(np.asarray(used)))
        n_imag = int(np.sum(imag_np))
        info = {
            "n_vibrations": n_used,
            "n_imaginary": n_imag,
            "n_skipped": int(values.size - n_used - n_imag),
            "imaginary_frequencies": jnp.asarray(values[imag_np]),
        }
    else:
        n_used = jnp.sum(used)
        n_imag = jnp.sum(imaginary)
        info = {
            "n_vibrations": n_used,
            "n_imaginary": n_imag,
            "n_skipped": nu.size - n_used - n_imag,
            "imaginary_frequencies": None,
        }
    return used, info


def harmonic_thermo(
    frequencies_or_modes: Modes | ArrayLike,
    temperature: ArrayLike = 298.15,
    *,
    min_frequency: float = DEFAULT_MIN_FREQUENCY,
) -> Thermo:
    r"""Vibrational ZPE, U, S, C_V and F of independent quantum harmonic oscillators.

    With x_k = h c ν̃_k / (k_B T), summed over the modes used (see the module docstring):

    .. math::

        E_{ZPE} = \sum_k \tfrac12 h c \tilde\nu_k, \qquad
        U = E_{ZPE} + \sum_k \frac{h c \tilde\nu_k}{e^{x_k} - 1}, \qquad
        S = R \sum_k \left[\frac{x_k}{e^{x_k} - 1} - \ln(1 - e^{-x_k})\right],

        C_V = R \sum_k \frac{x_k^2 e^{x_k}}{(e^{x_k} - 1)^2}, \qquad
        F = \sum_k \left[\tfrac12 h c \tilde\nu_k + k_B T \ln(1 - e^{-x_k})\right]
          = U - T S

    (per mole: h c → h c N_A, k_B → R). The expressions are evaluated in forms that stay
    accurate from x ≪ 1 (high T, soft modes) to x ≫ 1 (low T, stiff modes): the Bose
    occupation 1/(eˣ - 1) as e^{-x} / (-expm1(-x)) and ln(1 - e^{-x}) with the
    log1p/expm1 switch at x = ln 2 (M. Mächler, "Accurately computing log(1 - exp(-|a|))",
    2012). All of it is ``jax.numpy``, so results can be differentiated with respect to
    the frequencies and the temperature (C_V = dU/dT = T dS/dT, S = -dF/dT) and used
    inside ``jit``/``vmap`` (value checks are then skipped).

    Limits: as T → 0, U → E_ZPE and S, C_V → 0 (exponentially, like x² e^{-x}); as
    T → ∞ each mode tends to the classical oscillator (:func:`classical_limit`): C_V → R,
    U → R T, F → R T ln x, with relative corrections of order x².

    Args:
        frequencies_or_modes: a :class:`~jaxnm_course.Modes` (its ``frequencies`` are
            used) or wavenumbers ν̃ of shape (M,), cm⁻¹; imaginary modes as negative
            numbers, the convention of :func:`jaxnm_course.normal_modes`.
        temperature: T in K, > 0; a scalar or an array of any shape (every output then
            has that shape).
        min_frequency: modes with |ν̃| below this (cm⁻¹) are skipped as numerical zeros
            (leftover rigid-body modes); ≥ 0. Modes at or below -min_frequency are
            imaginary.

    Returns:
        :class:`Thermo` with energies in kcal/mol and S, C_V in kcal/mol/K, and the counts
        of used, imaginary and skipped modes.

    Raises:
        PrecisionError: JAX's x64 mode is off, or an input is float32.
        ValueError: non-finite frequencies or temperature, temperature ≤ 0, frequencies
            not 1-D, min_frequency < 0, or GNM modes (``modes.dim == 1``: no frequencies).

    Reference: D. A. McQuarrie, *Statistical Mechanics* (1976/2000), ch. 8; J. W.
    Ochterski, "Thermochemistry in Gaussian" (2000), eqs. for S_v, E_v and C_v.
    """
    function = "harmonic_thermo"
    nu = _frequencies(frequencies_or_modes, function)
    T = _temperature(temperature, function)
    used, info = _classify(nu, _min_frequency(min_frequency, function))

    energy = HC_KCAL_MOL_CM * nu  # h c ν̃ N_A, kcal/mol, shape (M,)
    # Excluded modes get a harmless stand-in (x = 1) so that neither their values nor their
    # derivatives can be NaN; their terms are then replaced by exact zeros.
    safe_energy = jnp.where(used, energy, 1.0)
    rt = kT(T)[..., None]  # R T, kcal/mol
    x = jnp.where(used, jnp.minimum(safe_energy / rt, _X_MAX), 1.0)

    e_minus_x = jnp.exp(-x)
    one_minus = -jnp.expm1(-x)  # 1 - e^{-x}, accurate for small x
    occupation = e_minus_x / one_minus  # 1 / (e^x - 1)
    # ln(1 - e^{-x}): log1p above ln 2, log(-expm1) below; each branch only ever sees
    # arguments where it is finite, so the unused one cannot leak NaN into gradients.
    high = x > _LN2
    log_one_minus = jnp.where(
        high,
        jnp.log1p(-jnp.exp(-jnp.where(high, x, 1.0))),
        jnp.log(-jnp.expm1(-jnp.where(high, 0.5, x))),
    )
    cv_term = (x * jnp.exp(-0.5 * x) / one_minus) ** 2  # x² eˣ / (eˣ - 1)²

    def total(per_mode: jnp.ndarray) -> jnp.ndarray:
        return jnp.sum(jnp.where(used, per_mode, 0.0), axis=-1)

    zpe = jnp.sum(jnp.where(used, 0.5 * safe_energy, 0.0))
    thermal = total(safe_energy * occupation)
    entropy_over_r = total(x * occupation - log_one_minus)
    return Thermo(
        temperature=T,
        zpe=zpe * jnp.ones_like(T),
        internal_energy=zpe + thermal,
        entropy=GAS_CONSTANT_KCAL * entropy_over_r,
        heat_capacity=GAS_CONSTANT_KCAL * total(cv_term),
        helmholtz_energy=zpe + kT(T) * total(log_one_minus),
        **info,
    )


def classical_limit(
    frequencies_or_modes: Modes | ArrayLike,
    temperature: ArrayLike = 298.15,
    *,
    min_frequency: float = DEFAULT_MIN_FREQUENCY,
) -> Thermo:
    r"""Classical (high-temperature) harmonic oscillators: the k_B T ≫ h c ν̃ limit.

    The classical partition function of one oscillator is q = k_B T / (h c ν̃) = 1/x, so
    per mode (per mole)

    .. math:: U = R T, \quad S = R (1 - \ln x), \quad C_V = R, \quad F = R T \ln x,

    with no zero-point energy (equipartition). :func:`harmonic_thermo` tends to these as
    x → 0: U_q - U_cl = R T x²/12 + O(x⁴), F_q - F_cl = R T x²/24 + O(x⁴),
    S_q - S_cl = R x²/24 + O(x⁴) and C_q - C_cl = -R x²/12 + O(x⁴). Mode selection is
    the same as in :func:`harmonic_thermo`.

    Args:
        frequencies_or_modes: a :class:`~jaxnm_course.Modes` or wavenumbers of shape
            (M,), cm⁻¹.
        temperature: T in K, > 0, any shape.
        min_frequency: threshold for near-zero modes, cm⁻¹ (see :func:`harmonic_thermo`).

    Returns:
        :class:`Thermo` with ``zpe`` = 0; energies in kcal/mol, S and C_V in kcal/mol/K.

    Raises:
        PrecisionError: JAX's x64 mode is off, or an input is float32.
        ValueError: as for :func:`harmonic_thermo`.

    Reference: D. A. McQuarrie, *Statistical Mechanics* (1976/2000), ch. 8 (the
    high-temperature limit of the vibrational partition function).
    """
    function = "classical_limit"
    nu = _frequencies(frequencies_or_modes, function)
    T = _temperature(temperature, function)
    used, info = _classify(nu, _min_frequency(min_frequency, function))
    rt = kT(T)
    x = jnp.where(used, HC_KCAL_MOL_CM * jnp.where(used, nu, 1.0) / rt[..., None], 1.0)
    n_used = jnp.sum(used)
    log_x = jnp.sum(jnp.where(used, jnp.log(x), 0.0), axis=-1)
    return Thermo(
        temperature=T,
        zpe=jnp.zeros_like(T),
        internal_energy=n_used * rt,
        entropy=GAS_CONSTANT_KCAL * (n_used - log_x),
        heat_capacity=GAS_CONSTANT_KCAL * n_used * jnp.ones_like(T),
        helmholtz_energy=rt * log_x,
        **info,
    )
