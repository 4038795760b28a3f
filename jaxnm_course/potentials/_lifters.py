"""Lifters: a term plus an index list -> an energy function E(R) of all coordinates.

See :mod:`jaxnm_course.potentials`. Index lists are checked when the energy is built
(:mod:`jaxnm_course.network`: one validator for pairs, bonds and angles) and their range
when it is first called (the number of atoms is known only then).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .._validate import public
from ..geometry import bond_vectors, pair_distances
from ..network import all_pairs, check_index_list, check_indices_in_range, check_pairs
from ._angle_terms import AngleTerm
from ._common import apply_term, check_term, coordinates
from ._pair_terms import PairTerm

__all__ = ["angle_energy", "bond_energy", "pair_energy", "sum_energies"]


@public
def bond_energy(term: PairTerm, bonds: ArrayLike) -> Callable[[ArrayLike], jnp.ndarray]:
    r"""Lift a pair term to the energy of a list of bonds.

    .. math:: E(R) = \sum_{b=1}^{B} V_b(|r_{j_b} - r_{i_b}|)

    Distances use a safe norm, so the gradient and Hessian are finite even when two
    bonded atoms coincide.

    Args:
        term: a pair term such as :func:`harmonic` or :func:`morse`; its parameters are
            scalars or shape (B,).
        bonds: integer atom indices (i, j), shape (B, 2), 0-based, i != j.

    Returns:
        E(R): coordinates R, shape (N, 3), Å -> scalar energy, kcal/mol. Raises ValueError
        on its first call if an index is >= N.

    Raises:
        TypeError: ``bonds`` not integer.
        ValueError: wrong shape, negative index, a bond from an atom to itself, a bond
            listed twice.

    Reference: A. R. Leach, *Molecular Modelling: Principles and Applications*, 2nd ed.
    (2001), ch. 4 (bond stretching terms of force fields).
    """
    check_term(term)
    idx = check_pairs(bonds, name="bonds")

    def energy(R: ArrayLike) -> jnp.ndarray:
        R = coordinates(R)
        check_indices_in_range(idx, R.shape[0], "bonds")
        r = pair_distances(R, idx)
        return jnp.sum(apply_term(term, (r,), idx.shape[0], "bonds"))

    return public(energy, name="bond_energy")


@public
def angle_energy(term: AngleTerm, angles: ArrayLike) -> Callable[[ArrayLike], jnp.ndarray]:
    r"""Lift an angle term to the energy of a list of angles i-j-k (vertex j).

    .. math:: E(R) = \sum_{t=1}^{T} V_t(u_t, v_t), \qquad
              u_t = r_{i_t} - r_{j_t}, \quad v_t = r_{k_t} - r_{j_t}

    The term receives the arm vectors, so it can use θ (:func:`harmonic_angle`) or cos θ
    (:func:`linear_angle`), whichever is smooth at its equilibrium.

    Args:
        term: an angle term such as :func:`harmonic_angle` or :func:`linear_angle`; its
            parameters are scalars or shape (T,).
        angles: integer atom indices (i, j, k), shape (T, 3), 0-based, the angle at the
            middle atom j, three distinct atoms per row.

    Returns:
        E(R): coordinates R, shape (N, 3), Å -> scalar energy, kcal/mol.

    Raises:
        TypeError: ``angles`` not integer.
        ValueError: wrong shape, negative or repeated indices within a row.

    Reference: A. R. Leach, *Molecular Modelling: Principles and Applications*, 2nd ed.
    (2001), ch. 4 (angle bending terms).
    """
    check_term(term)
    idx = check_index_list(angles, 3, "angles")
    arm_u = idx[:, [1, 0]]  # u = r_i - r_j
    arm_v = idx[:, [1, 2]]  # v = r_k - r_j

    def energy(R: ArrayLike) -> jnp.ndarray:
        R = coordinates(R)
        check_indices_in_range(idx, R.shape[0], "angles")
        u = bond_vectors(R, arm_u)
        v = bond_vectors(R, arm_v)
        return jnp.sum(apply_term(term, (u, v), idx.shape[0], "angles"))

    return public(energy, name="angle_energy")


@public
def pair_energy(
    term: PairTerm, pairs: int | ArrayLike, *, exclude: ArrayLike | None = None
) -> Callable[[ArrayLike], jnp.ndarray]:
    r"""Lift a pair term to a sum over pairs of atoms (non-bonded interactions).

    .. math:: E(R) = \sum_{i < j,\ (i,j) \notin \text{exclude}} V(|r_j - r_i|)

    The pair list is built once, in NumPy, outside ``jit`` (:func:`all_pairs`): O(N²)
    pairs, fine for clusters and small molecules (no cutoff, no neighbour list).

    Args:
        term: a pair term such as :func:`lennard_jones`; its parameters are scalars or
            shape (P,) matching the final pair list.
        pairs: either the number of atoms N (all pairs i < j; the energy then checks that
            R has N atoms) or an explicit integer list of shape (P, 2).
        exclude: pairs to leave out, integer shape (E, 2), either order (e.g. bonded
            1-2 and 1-3 pairs); None for none.

    Returns:
        E(R): coordinates R, shape (N, 3), Å -> scalar energy, kcal/mol.

    Raises:
        ValueError: bad pair or exclusion list.

    Reference: M. P. Allen, D. J. Tildesley, *Computer Simulation of Liquids*, 2nd ed.
    (2017), §1.4 (pair potentials).
    """
    check_term(term)
    n_expected: int | None = None
    if isinstance(pairs, int | np.integer) and not isinstance(pairs, bool):
        n_expected = int(pairs)
        idx = all_pairs(n_expected, exclude)
    else:
        idx = check_pairs(pairs)
        if exclude is not None and idx.shape[0]:
            ex = np.sort(check_index_list(exclude, 2, "exclude"), axis=1)
            keys = np.sort(idx, axis=1)
            n = int(max(idx.max(), ex.max() if ex.size else 0)) + 1
            drop = np.isin(keys[:, 0] * n + keys[:, 1], ex[:, 0] * n + ex[:, 1])
            idx = idx[~drop]
            idx.flags.writeable = False

    def energy(R: ArrayLike) -> jnp.ndarray:
        R = coordinates(R)
        if n_expected is not None and R.shape[0] != n_expected:
            raise ValueError(f"built for {n_expected} atoms, but R has {R.shape[0]} atoms.")
        check_indices_in_range(idx, R.shape[0], "pairs")
        r = pair_distances(R, idx)
        return jnp.sum(apply_term(term, (r,), idx.shape[0], "pairs"))

    return public(energy, name="pair_energy")


@public
def sum_energies(*energy_fns: Callable[..., Any]) -> Callable[..., jnp.ndarray]:
    r"""Sum of energy functions, called with the same arguments.

    .. math:: E(R, \ldots) = \sum_f E_f(R, \ldots)

    Args:
        *energy_fns: one or more functions E_f(R, *args, **kwargs) -> scalar, kcal/mol.

    Returns:
        E(R, *args, **kwargs) -> scalar energy, kcal/mol.

    Raises:
        ValueError: no function given. TypeError: an argument is not callable.

    Reference: A. R. Leach, *Molecular Modelling: Principles and Applications*, 2nd ed.
    (2001), ch. 4 (a force field as a sum of terms).
    """
    if not energy_fns:
        raise ValueError("pass at least one energy function.")
    for n, f in enumerate(energy_fns):
        if not callable(f):
            raise TypeError(
                f"argument {n} is a {type(f).__name__}, not an energy function; "
                "pass functions such as `bond_energy(harmonic(k, r0), bonds)`."
            )
    fns = tuple(energy_fns)

    def energy(R: ArrayLike, *args: Any, **kwargs: Any) -> jnp.ndarray:
        total = fns[0](R, *args, **kwargs)
        for f in fns[1:]:
            total = total + f(R, *args, **kwargs)
        return total

    return energy
