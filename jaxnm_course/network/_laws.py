"""Spring-constant schemes γ(r) of elastic network models (pure JAX, vectorised).

Pass them as ``gamma`` to :func:`jaxnm_course.enm.anm` and friends; they are evaluated at
the reference distances (Å) and give kcal/mol/Å².
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.typing import ArrayLike

from ..units import KJ_PER_KCAL

__all__ = ["HINSEN_BREAK", "hinsen_gamma", "parameter_free_gamma"]

#: Distance (Å) at which Hinsen's Cα force constant switches from the linear (bonded
#: neighbours) to the r⁻⁶ (non-bonded) branch.
HINSEN_BREAK = 4.0


def parameter_free_gamma(r: ArrayLike, power: float = 2) -> jnp.ndarray:
    r"""Spring constants of the parameter-free ANM (pfANM): γ(r) = r^(-power).

    .. math:: \gamma_{ij} = \frac{1}{r_{ij}^{2}} \quad (\text{kcal/mol/Å}^2
              \text{ with } r \text{ in Å; the overall scale is arbitrary})

    Use it with ``cutoff=None`` (every pair interacts; no cutoff to choose), e.g.
    ``anm(R, cutoff=None, gamma=parameter_free_gamma)``; other powers via
    ``functools.partial(parameter_free_gamma, power=6)``.

    Args:
        r: reference distances, any shape, Å.
        power: the exponent (2 in the paper).

    Returns:
        γ, same shape as r, kcal/mol/Å².

    Reference: L. Yang, G. Song, R. L. Jernigan, "Protein elastic network models and the
    ranges of cooperativity", Proc. Natl. Acad. Sci. USA 106, 12347 (2009).
    """
    return jnp.asarray(r) ** (-power)


def hinsen_gamma(r: ArrayLike) -> jnp.ndarray:
    r"""Hinsen's Cα force field: spring constant as a function of the Cα-Cα distance.

    In the paper's units (r in nm, k in kJ/mol/nm²):

    .. math:: k(r) = \begin{cases} 8.6\times10^5\, r - 2.39\times10^5 & r < 0.4\ \text{nm}\\
              128\, r^{-6} & r \ge 0.4\ \text{nm} \end{cases}

    Converted to the library's units (r in Å, γ in kcal/mol/Å²; 1 nm = 10 Å, 1 kcal =
    4.184 kJ): γ(r) = (860 r - 2390) / 4.184 below 4 Å and 1.28e6 r⁻⁶ / 4.184 from 4 Å on.
    The first branch fits bonded neighbours (Cα-Cα ≈ 3.8 Å), the second everything else;
    the function jumps at 4 Å (from 250.96 to 74.69 kcal/mol/Å²) as in the original, and
    the first branch turns negative below 2.78 Å (no real Cα pair is that close; the
    public functions refuse negative spring constants). Use it without a cutoff (Hinsen
    used ≥ 25 Å), e.g. ``anm(R, cutoff=None, gamma=hinsen_gamma)``.

    Args:
        r: reference distances, any shape, Å.

    Returns:
        γ, same shape as r, kcal/mol/Å².

    Reference: K. Hinsen, A.-J. Petrescu, S. Dellerue, M.-C. Bellissent-Funel, G. R. Kneller,
    "Harmonic and anharmonic dynamics of proteins: a comparison of molecular dynamics and
    normal mode analysis", Chem. Phys. 261, 25 (2000).
    """
    r = jnp.asarray(r)
    r_nm = r / 10.0
    near = 8.6e5 * r_nm - 2.39e5  # kJ/mol/nm²
    # The double where keeps r⁻⁶ (and its derivatives) finite where the branch is unused.
    far = 128.0 * jnp.where(r_nm >= 0.4, r_nm, 1.0) ** (-6)
    k_kj_nm2 = jnp.where(r < HINSEN_BREAK, near, far)
    return k_kj_nm2 / 100.0 / KJ_PER_KCAL  # kJ/mol/nm² -> kJ/mol/Å² -> kcal/mol/Å²
