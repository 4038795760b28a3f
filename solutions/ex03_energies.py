r"""Exercise set 03: energy functions.

A force field is a sum of simple terms of internal coordinates: bond lengths, bond angles
and non-bonded pair distances. Write them as pure JAX functions of the coordinates ``R``
(shape (N, 3), Å), with index lists (NumPy integer arrays) choosing the atoms, and JAX will
differentiate them for you.

One trap: the gradient of ``jnp.linalg.norm(d)`` is ``d / |d|``, which is 0/0 = NaN when
two atoms coincide (``d = 0``), and a single NaN poisons a whole Hessian. Write a *safe*
norm with the "double where" trick::

    s = jnp.sum(d * d, axis=-1)
    ok = s > 0
    r = jnp.where(ok, jnp.sqrt(jnp.where(ok, s, 1.0)), 0.0)

Units: Å, radians, kcal/mol, kcal/mol/Å² (bonds), kcal/mol/rad² (angles).
Run ``pytest exercises -m ex03``.
Reference: A. R. Leach, *Molecular Modelling*, 2nd ed. (2001), ch. 4; J. S. Schoenholz,
E. D. Cubuk, "JAX, M.D.", NeurIPS 2020 (safe distances).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "angle_energy",
    "bond_angles",
    "bond_energy",
    "bond_energy_gradient",
    "lj_energy",
    "pair_distances",
]


def pair_distances(R, pairs):
    r"""Distances between the atoms of each pair, with a finite gradient at r = 0.

    .. math:: r_p = |r_{j_p} - r_{i_p}|

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: atom indices (i, j), integer shape (P, 2).

    Returns:
        r, shape (P,), float64, Å; ``jax.grad`` of anything built on it must be finite
        (not NaN) when two atoms of a pair coincide.
    """
    # HINT: Gather the two atoms of every pair at once with index arrays, subtract, and take a norm
    # whose derivative stays finite when the two atoms coincide.
    # HINT: Chapter 3, "Safe norms: finite derivatives where atoms coincide": R[idx] with an
    # integer array idx gathers rows; the double jnp.where trick of the module docstring.
    # HINT: d = R[pairs[:, 1]] - R[pairs[:, 0]]; s = jnp.sum(d * d, axis=-1); then the safe square
    # root.
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    pairs = np.asarray(pairs)
    d = R[pairs[:, 1]] - R[pairs[:, 0]]
    s = jnp.sum(d * d, axis=-1)
    ok = s > 0
    return jnp.where(ok, jnp.sqrt(jnp.where(ok, s, 1.0)), 0.0)
    # END SOLUTION


def bond_energy(R, bonds, k, r0):
    r"""Harmonic bond energy.

    .. math:: E = \sum_b \frac{k_b}{2} (r_b - r_{0,b})^2

    Args:
        R: coordinates, shape (N, 3), Å.
        bonds: bonded pairs (i, j), integer shape (B, 2).
        k: force constants, scalar or shape (B,), kcal/mol/Å².
        r0: rest lengths, scalar or shape (B,), Å.

    Returns:
        E, float64 scalar, kcal/mol.
    """
    # HINT: A bond energy is a spring energy of the bond lengths: reuse pair_distances.
    # HINT: Chapter 3, "Lifting and summing: water by hand": a term evaluated on all bonds at once,
    # then summed.
    # HINT: jnp.sum(0.5 * k * (... - r0) ** 2) with the lengths from pair_distances.
    # BEGIN SOLUTION
    r = pair_distances(R, bonds)
    return jnp.sum(0.5 * k * (r - r0) ** 2)
    # END SOLUTION


def bond_energy_gradient(R, bonds, k, r0):
    """Gradient of :func:`bond_energy` with respect to the coordinates.

    Args:
        R: coordinates, shape (N, 3), Å.
        bonds: bonded pairs (i, j), integer shape (B, 2).
        k: force constants, scalar or shape (B,), kcal/mol/Å².
        r0: rest lengths, scalar or shape (B,), Å.

    Returns:
        dE/dR, shape (N, 3), float64, kcal/mol/Å: finite even when bonded atoms coincide.
    """
    # HINT: Differentiate the energy you wrote with respect to the coordinates.
    # HINT: Chapter 2, "`grad`: exact derivatives of code": jax.grad differentiates with respect to
    # the first argument; R must be a float64 JAX array.
    # HINT: jax.grad(bond_energy)(R, ...)
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    return jax.grad(bond_energy)(R, bonds, k, r0)
    # END SOLUTION


def bond_angles(R, triples):
    r"""Bond angles θ_ijk at the middle atom j of each triple (i, j, k).

    .. math:: \theta = \operatorname{atan2}(|u \times v|, u \cdot v), \quad
              u = r_i - r_j, \; v = r_k - r_j

    (``arccos`` of the normalised dot product also works away from 0 and π.)

    Args:
        R: coordinates, shape (N, 3), Å.
        triples: atom indices (i, j, k), integer shape (T, 3), vertex in the middle.

    Returns:
        θ, shape (T,), float64, radians in [0, π].
    """
    # HINT: The angle at the middle atom is between the two bond vectors that start there; atan2 of
    # |u × v| and u · v is accurate at 0° and 180° (arccos is not).
    # HINT: Chapter 3, "A linear angle needs the right variable"; gather with index arrays as in
    # pair_distances; jnp.cross, jnp.arctan2.
    # HINT: u = R[t[:, 0]] - R[t[:, 1]] (the vertex is the middle atom); v likewise with t[:, 2].
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    t = np.asarray(triples)
    u = R[t[:, 0]] - R[t[:, 1]]
    v = R[t[:, 2]] - R[t[:, 1]]
    return jnp.arctan2(jnp.linalg.norm(jnp.cross(u, v), axis=-1), jnp.sum(u * v, axis=-1))
    # END SOLUTION


def angle_energy(R, triples, k, theta0):
    r"""Harmonic angle energy.

    .. math:: E = \sum_t \frac{k_t}{2} (\theta_t - \theta_{0,t})^2

    Args:
        R: coordinates, shape (N, 3), Å.
        triples: atom indices (i, j, k), integer shape (T, 3), vertex in the middle.
        k: force constants, scalar or shape (T,), kcal/mol/rad².
        theta0: rest angles, scalar or shape (T,), radians.

    Returns:
        E, float64 scalar, kcal/mol.
    """
    # HINT: A harmonic term in the angle, summed over all angles: reuse bond_angles.
    # HINT: Chapter 3, "Lifting and summing: water by hand".
    # HINT: jnp.sum(0.5 * k * (... - theta0) ** 2) with the angles from bond_angles.
    # BEGIN SOLUTION
    return jnp.sum(0.5 * k * (bond_angles(R, triples) - theta0) ** 2)
    # END SOLUTION


def lj_energy(R, epsilon, sigma):
    r"""Lennard-Jones energy of all pairs i < j (each pair once).

    .. math:: E = \sum_{i<j} 4\varepsilon\left[\left(\frac{\sigma}{r_{ij}}\right)^{12}
              - \left(\frac{\sigma}{r_{ij}}\right)^{6}\right]

    Args:
        R: coordinates, shape (N, 3), Å (no two atoms at the same place).
        epsilon: well depth ε, kcal/mol.
        sigma: σ, Å (the minimum of a pair is at 2^{1/6} σ, energy -ε).

    Returns:
        E, float64 scalar, kcal/mol.
    """
    # HINT: Every pair of atoms interacts once: build the list of pairs i < j, their distances, and
    # sum the pair formula.
    # HINT: Chapter 3, "A term is a closure"; np.triu_indices(N, 1) lists each pair i < j once
    # (NumPy: it fixes the shape outside JAX); reuse pair_distances.
    # HINT: i, j = np.triu_indices(R.shape[0], 1); then s6 = (sigma / r) ** 6.
    # BEGIN SOLUTION
    R = jnp.asarray(R, dtype=jnp.float64)
    i, j = np.triu_indices(R.shape[0], 1)
    r = pair_distances(R, np.stack([i, j], axis=1))
    s6 = (sigma / r) ** 6
    return jnp.sum(4.0 * epsilon * (s6 * s6 - s6))
    # END SOLUTION
