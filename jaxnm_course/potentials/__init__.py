"""Potential energy terms as composable closures, and lifters to whole-system energies.

The design follows jax-md: a *term* is a small pure function of one internal coordinate,
built by a factory that closes over its parameters, and a *lifter* turns a term plus an
index list into an energy function E(R) of all coordinates, which
:func:`jaxnm_course.hessian` can differentiate::

    E = sum_energies(
        bond_energy(harmonic(k=1059.162, r0=1.012), bonds=[(0, 1), (0, 2)]),
        angle_energy(harmonic_angle(k=75.90, theta0=jnp.deg2rad(113.24)), angles=[(1, 0, 2)]),
    )
    H = hessian(E, R)

Two kinds of term:

* **Pair terms** (:func:`harmonic`, :func:`morse`, :func:`lennard_jones`) map distances r
  (Å, any shape) to energies (kcal/mol, same shape). Lift them with :func:`bond_energy`
  (a list of bonded pairs) or :func:`pair_energy` (all pairs i < j, or a given list).
* **Angle terms** (:func:`harmonic_angle`, :func:`linear_angle`,
  :func:`cosine_harmonic_angle`) map the two *arm vectors* of an angle, u = r_i - r_j and
  v = r_k - r_j for the angle i-j-k at atom j (Å, shape (..., 3)), to energies (kcal/mol,
  shape (...)). Lift them with :func:`angle_energy`. They receive the vectors rather than
  θ so that each term computes the variable it is smooth in: θ for a bent angle, cos θ
  for a linear one (see below).

Parameters may be Python floats or arrays; an array of shape (B,) gives each of B bonds
(or angles) its own value, broadcast against the list. Index lists are NumPy integer
arrays (they fix array shapes, so they are static under ``jit``) and are validated when
the energy is built (by :func:`jaxnm_course.network.check_pairs`, the one pair-list
validator: a non-integer dtype is a TypeError; a wrong shape, a negative index, an atom
paired with itself or a pair listed twice is a ValueError) and when it is first called
(indices within the N atoms of R).

Modules: ``_pair_terms`` (pair terms), ``_angle_terms`` (angle terms), ``_lifters``
(lifters), ``_common`` (shared checks); :func:`all_pairs` comes from
:mod:`jaxnm_course.network`.

Safe at coincident atoms: distances use :func:`jaxnm_course.geometry.safe_norm`, so
bonded and angle energies have finite gradients and Hessians even when two atoms sit on
top of each other (r = 0), instead of the NaN that ``jnp.linalg.norm`` gives there. The
Lennard-Jones energy itself is +inf at r = 0, as physics demands.

Pitfalls at a linear angle (θ0 = π, as in CO2 or a straight chain)
------------------------------------------------------------------
The angle θ(R) is not differentiable at θ = π: a small sideways displacement δ of the
middle atom changes θ by |δ| (a cone, like |x| at 0), whichever way it moves. So
E = k/2 (θ - π)² cannot be differentiated through θ there, although E itself is smooth:

* via ``arccos`` of the cosine, autodiff multiplies arccos'(-1) = -inf by a zero
  derivative of cos θ: the gradient and the Hessian are NaN;
* via ``atan2(|u × v|, u · v)`` with a safe norm (:func:`~jaxnm_course.geometry.bend_angle`,
  :func:`jaxnm_course.geometry.angles`), the result is finite but the bending curvature
  is silently **zero**: the bending modes come out at 0 cm⁻¹.

:func:`linear_angle` instead uses E = k (1 + cos θ) with cos θ = u·v / (|u||v|) computed
directly: it is smooth everywhere, equals k/2 (θ - π)² to second order, so it has the
same Hessian at the linear minimum. For that reason :func:`harmonic_angle` refuses
θ0 = π. Beware also the "cosine-harmonic" form k/2 (cos θ - cos θ0)² (GROMOS96,
GROMACS angle type 2, :func:`cosine_harmonic_angle`): its curvature in θ is
k sin²θ0, which vanishes at θ0 = π, so it gives no bending stiffness at all to a linear
molecule.

References: J. S. Schoenholz, E. D. Cubuk, "JAX, M.D.: A framework for differentiable
physics", NeurIPS 2020 (the closure design); E. B. Wilson, J. C. Decius, P. C. Cross,
*Molecular Vibrations* (1955), ch. 4 (internal coordinates, linear bends).
"""

from ..geometry import bend_angle, bend_cosine
from ..network import all_pairs
from ._angle_terms import AngleTerm, cosine_harmonic_angle, harmonic_angle, linear_angle
from ._lifters import angle_energy, bond_energy, pair_energy, sum_energies
from ._pair_terms import PairTerm, harmonic, lennard_jones, morse

__all__ = [
    "AngleTerm",
    "PairTerm",
    "all_pairs",
    "angle_energy",
    "bend_angle",
    "bend_cosine",
    "bond_energy",
    "cosine_harmonic_angle",
    "harmonic",
    "harmonic_angle",
    "lennard_jones",
    "linear_angle",
    "morse",
    "pair_energy",
    "sum_energies",
]
