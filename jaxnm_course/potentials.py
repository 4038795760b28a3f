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
the energy is built (dtype, shape, negative or repeated indices) and when it is first
called (indices within the N atoms of R).

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

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from . import _validate
from .geometry import bend_angle, bend_cosine, bond_vectors, pair_distances

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

#: A pair term: distances r (Å, any shape) -> energies (kcal/mol, same shape).
PairTerm = Callable[[jnp.ndarray], jnp.ndarray]

#: An angle term: arm vectors u, v (Å, shape (..., 3)) -> energies (kcal/mol, shape (...)).
AngleTerm = Callable[[jnp.ndarray, jnp.ndarray], jnp.ndarray]

#: Tolerance (rad) within which :func:`harmonic_angle` treats θ0 as linear and refuses it.
_LINEAR_THETA_TOL = 1e-6


# --- parameter and index checks -----------------------------------------------------------


def _param(
    x: Any,
    name: str,
    function: str,
    *,
    positive: bool = False,
    nonnegative: bool = False,
) -> jnp.ndarray:
    """A float64 parameter, finite, optionally > 0 or >= 0 (value checks when concrete)."""
    x = _validate.as_float64(x, name, function)
    if _validate.is_concrete(x):
        values = np.asarray(x)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{function}: `{name}` must be finite, got {values}.")
        if positive and not np.all(values > 0):
            raise ValueError(f"{function}: `{name}` must be > 0, got {values}.")
        if nonnegative and not np.all(values >= 0):
            raise ValueError(f"{function}: `{name}` must be >= 0, got {values}.")
    return x


def _check_term(term: Any, function: str) -> None:
    if not callable(term):
        raise TypeError(
            f"{function}: `term` must be a function such as `harmonic(k, r0)`, got "
            f"{type(term).__name__}; call the factory to build the term first."
        )


def _index_list(idx: Any, width: int, name: str, function: str) -> np.ndarray:
    """Validate an index list: concrete integers, shape (K, width), no negative/repeated."""
    if not _validate.is_concrete(idx):
        raise ValueError(
            f"{function}: `{name}` is a traced JAX value; index lists fix array shapes, so "
            "build them with NumPy outside `jit`/`grad` and close over them."
        )
    try:
        arr = np.asarray(idx)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(
            f"{function}: `{name}` must be a rectangular integer array of shape (K, {width}) "
            f"({exc})."
        ) from exc
    if arr.size == 0:
        return np.zeros((0, width), dtype=np.int64)
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"{function}: `{name}` must hold integer atom indices, got dtype {arr.dtype}; "
            f"convert with `np.asarray({name}, dtype=int)` if the values are whole numbers."
        )
    if arr.ndim != 2 or arr.shape[1] != width:
        hint = (
            f" (one entry? wrap it in a list: [{tuple(int(i) for i in arr)}])"
            if arr.ndim == 1 and arr.shape[0] == width
            else ""
        )
        raise ValueError(
            f"{function}: `{name}` must have shape (K, {width}), one row of {width} atom "
            f"indices per term, got shape {arr.shape}{hint}."
        )
    if (arr < 0).any():
        row = int(np.argwhere(arr < 0)[0, 0])
        raise ValueError(
            f"{function}: `{name}` row {row} {arr[row].tolist()} has a negative index; atom "
            "indices are 0-based and must be >= 0 (negative ones would silently wrap around)."
        )
    for a in range(width):
        for b in range(a + 1, width):
            same = arr[:, a] == arr[:, b]
            if same.any():
                row = int(np.argmax(same))
                raise ValueError(
                    f"{function}: `{name}` row {row} {arr[row].tolist()} names the same atom "
                    "twice; each term needs distinct atoms."
                )
    out = arr.astype(np.int64)
    out.flags.writeable = False
    return out


def _check_range(idx: np.ndarray, n_atoms: int, name: str, function: str) -> None:
    if idx.size and int(idx.max()) >= n_atoms:
        row = int(np.argwhere(idx >= n_atoms)[0, 0])
        raise ValueError(
            f"{function}: `{name}` row {row} {idx[row].tolist()} refers to atom "
            f"{int(idx[row].max())}, but R has only {n_atoms} atoms (indices 0..{n_atoms - 1})."
        )


def _coordinates(R: Any, function: str) -> jnp.ndarray:
    """Float64 coordinates of shape (N, 3); shape checks only, so it works under jit."""
    R = _validate.as_float64(R, "R", function)
    if R.ndim != 2 or R.shape[-1] != 3:
        raise ValueError(
            f"{function}: `R` must have shape (N, 3) (Å), got shape {tuple(R.shape)}; "
            "reshape a flat vector with `R.reshape(-1, 3)`."
        )
    return R


def _apply(term: Callable[..., Any], args: tuple[Any, ...], n: int, name: str, function: str):
    """Call a term on K = n items and check it returns one energy per item."""
    try:
        out = jnp.asarray(term(*args))
    except TypeError as exc:
        if "broadcast" not in str(exc):
            raise
        raise ValueError(
            f"{function}: the term's parameters do not broadcast against the {n} entries of "
            f"`{name}`: per-entry parameters must have shape ({n},) ({exc})."
        ) from exc
    if out.shape != (n,):
        raise ValueError(
            f"{function}: the term returned shape {out.shape} for the {n} entries of "
            f"`{name}`; a term must return one energy per entry, shape ({n},)."
        )
    return out


# --- pair terms -----------------------------------------------------------------------------


def harmonic(k: ArrayLike, r0: ArrayLike) -> PairTerm:
    r"""Harmonic bond stretch.

    .. math:: V(r) = \frac{k}{2} (r - r_0)^2, \qquad V'(r) = k (r - r_0), \quad V'' = k

    The factor 1/2 makes k the curvature V''(r0), the force constant of spectroscopy.
    Beware: CHARMM, AMBER and LAMMPS write K (r - r0)² without the 1/2, so their K is k/2.

    Args:
        k: force constant, kcal/mol/Å², scalar or shape (B,) (one per bond). A negative k
            is allowed (an inverted oscillator, to make saddle points on purpose).
        r0: equilibrium distance, Å, >= 0, scalar or shape (B,).

    Returns:
        V(r): distances r (Å, any shape broadcastable with the parameters) -> energies in
        kcal/mol.

    Reference: E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955),
    ch. 2.
    """
    k = _param(k, "k", "harmonic")
    r0 = _param(r0, "r0", "harmonic", nonnegative=True)

    def term(r: ArrayLike) -> jnp.ndarray:
        return 0.5 * k * (jnp.asarray(r) - r0) ** 2

    return term


def morse(D: ArrayLike, a: ArrayLike, r0: ArrayLike) -> PairTerm:
    r"""Morse bond stretch: anharmonic, dissociates to D at large r.

    .. math:: V(r) = D \left(1 - e^{-a (r - r_0)}\right)^2, \qquad
              V''(r_0) = 2 D a^2

    so a diatomic of reduced mass μ vibrates at ω² = 2 D a² / μ in the harmonic
    approximation. ``1 - exp(-x)`` is computed as ``-expm1(-x)``, accurate near r0.

    Args:
        D: well depth, kcal/mol, > 0, scalar or shape (B,).
        a: range parameter, 1/Å, > 0, scalar or shape (B,).
        r0: equilibrium distance, Å, >= 0, scalar or shape (B,).

    Returns:
        V(r): distances r (Å) -> energies in kcal/mol (0 at r0, D as r -> inf).

    Reference: P. M. Morse, "Diatomic molecules according to the wave mechanics. II.
    Vibrational levels", Phys. Rev. 34, 57 (1929).
    """
    D = _param(D, "D", "morse", positive=True)
    a = _param(a, "a", "morse", positive=True)
    r0 = _param(r0, "r0", "morse", nonnegative=True)

    def term(r: ArrayLike) -> jnp.ndarray:
        x = -jnp.expm1(-a * (jnp.asarray(r) - r0))
        return D * x * x

    return term


def lennard_jones(epsilon: ArrayLike, sigma: ArrayLike) -> PairTerm:
    r"""Lennard-Jones 12-6 pair potential.

    .. math:: V(r) = 4\varepsilon\left[\left(\frac{\sigma}{r}\right)^{12}
              - \left(\frac{\sigma}{r}\right)^{6}\right]

    Minimum V = -ε at r_m = 2^{1/6} σ with curvature V''(r_m) = 72 ε / (2^{1/3} σ²).
    Evaluated as 4ε s (s - 1) with s = (σ/r)⁶, so V(0) = +inf rather than inf - inf = NaN;
    the gradient at r = 0 is not finite (the energy is not).

    Args:
        epsilon: well depth ε, kcal/mol, >= 0, scalar or shape (P,).
        sigma: distance σ where V = 0, Å, > 0, scalar or shape (P,).

    Returns:
        V(r): distances r (Å) -> energies in kcal/mol.

    Reference: J. E. Lennard-Jones, "On the determination of molecular fields. II. From
    the equation of state of a gas", Proc. R. Soc. Lond. A 106, 463 (1924).
    """
    epsilon = _param(epsilon, "epsilon", "lennard_jones", nonnegative=True)
    sigma = _param(sigma, "sigma", "lennard_jones", positive=True)

    def term(r: ArrayLike) -> jnp.ndarray:
        s2 = (sigma / jnp.asarray(r)) ** 2
        s6 = s2 * s2 * s2
        return 4.0 * epsilon * s6 * (s6 - 1.0)

    return term


# --- angle variables ----------------------------------------------------------------------


# --- angle terms ----------------------------------------------------------------------------


def harmonic_angle(k: ArrayLike, theta0: ArrayLike) -> AngleTerm:
    r"""Harmonic bend in the angle θ, for a *bent* equilibrium (0 < θ0 < π).

    .. math:: V(\theta) = \frac{k}{2} (\theta - \theta_0)^2, \qquad
              \theta = \operatorname{atan2}(|u \times v|, u \cdot v)

    Refuses θ0 = π: at a linear geometry θ(R) has a cone-like singular derivative and the
    Hessian through θ is NaN (arccos) or has zero bending curvature (atan2); use
    :func:`linear_angle` there (module docstring).

    Args:
        k: force constant, kcal/mol/rad², scalar or shape (T,).
        theta0: equilibrium angle, **radians**, in [0, π), scalar or shape (T,) (convert
            degrees with ``jnp.deg2rad``).

    Returns:
        V(u, v): arm vectors (Å, shape (..., 3)) -> energies in kcal/mol, shape (...).

    Raises:
        ValueError: θ0 outside [0, π] (degrees passed?), or θ0 = π (linear).

    Reference: E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955),
    ch. 4; the bend term of the CHARMM and AMBER force fields (there written without 1/2).
    """
    k = _param(k, "k", "harmonic_angle")
    theta0 = _param(theta0, "theta0", "harmonic_angle", nonnegative=True)
    if _validate.is_concrete(theta0):
        t = np.asarray(theta0)
        if np.any(t > np.pi + _LINEAR_THETA_TOL):
            raise ValueError(
                f"harmonic_angle: `theta0` must be in radians within [0, π], got {t}; did you "
                "pass degrees? Use `jnp.deg2rad(...)`."
            )
        if np.any(np.abs(t - np.pi) < _LINEAR_THETA_TOL):
            raise ValueError(
                "harmonic_angle: `theta0` = π (a linear angle). The derivative of θ is "
                "singular at a linear geometry, so k/2 (θ - π)² gives a NaN or a zero "
                "bending curvature under autodiff; use `linear_angle(k)`, k (1 + cos θ), which "
                "has the same curvature and is smooth."
            )

    def term(u: ArrayLike, v: ArrayLike) -> jnp.ndarray:
        return 0.5 * k * (bend_angle(u, v) - theta0) ** 2

    return term


def linear_angle(k: ArrayLike) -> AngleTerm:
    r"""Bend for a *linear* equilibrium (θ0 = π), smooth at θ = π.

    .. math:: V = k (1 + \cos\theta) = \frac{k}{2} (\theta - \pi)^2
              - \frac{k}{24} (\theta - \pi)^4 + \dots, \qquad
              \cos\theta = \frac{u \cdot v}{|u|\,|v|}

    cos θ is computed directly (:func:`bend_cosine`), never via θ, so the energy is an
    analytic function of the coordinates at the linear geometry where θ(R) is not
    differentiable. To second order it equals the harmonic bend with the same k, so the
    Hessian (and the bending frequencies) at the linear minimum are those of k/2 (θ - π)².
    For O-C-O with arms r0 and masses m_O, m_C the doubly degenerate bend has
    ω² = 2 k (1 + 2 m_O / m_C) / (m_O r0²).

    Args:
        k: bending constant, kcal/mol (the curvature in θ at π, kcal/mol/rad²), scalar
            or shape (T,).

    Returns:
        V(u, v): arm vectors (Å, shape (..., 3)) -> energies in kcal/mol, shape (...);
        0 at θ = π, 2k at θ = 0.

    Reference: the "cosine" angle style of LAMMPS (angle_style cosine) and DL_POLY;
    E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955), ch. 4 (the
    linear bend coordinate).
    """
    k = _param(k, "k", "linear_angle")

    def term(u: ArrayLike, v: ArrayLike) -> jnp.ndarray:
        return k * (1.0 + bend_cosine(u, v))

    return term


def cosine_harmonic_angle(k: ArrayLike, theta0: ArrayLike) -> AngleTerm:
    r"""Cosine-harmonic bend (GROMOS96), harmonic in cos θ rather than θ.

    .. math:: V = \frac{k}{2} (\cos\theta - \cos\theta_0)^2, \qquad
              \frac{d^2 V}{d\theta^2}\Big|_{\theta_0} = k \sin^2\theta_0

    Smooth everywhere, but its curvature in θ is k sin²θ0, not k: converting a harmonic
    k_θ needs k = k_θ / sin²θ0, which diverges at θ0 = π. With θ0 = π it gives **no**
    bending stiffness (zero Hessian in the bend), a pitfall for linear molecules; use
    :func:`linear_angle` there.

    Args:
        k: force constant, kcal/mol, scalar or shape (T,).
        theta0: equilibrium angle, radians in [0, π], scalar or shape (T,).

    Returns:
        V(u, v): arm vectors (Å, shape (..., 3)) -> energies in kcal/mol, shape (...).

    Reference: W. R. P. Scott et al., "The GROMOS biomolecular simulation program
    package", J. Phys. Chem. A 103, 3596 (1999); GROMACS manual, "Cosine based angle
    potential" (angle type 2).
    """
    k = _param(k, "k", "cosine_harmonic_angle")
    theta0 = _param(theta0, "theta0", "cosine_harmonic_angle", nonnegative=True)
    if _validate.is_concrete(theta0) and np.any(np.asarray(theta0) > np.pi + _LINEAR_THETA_TOL):
        raise ValueError(
            f"cosine_harmonic_angle: `theta0` must be in radians within [0, π], got "
            f"{np.asarray(theta0)}; did you pass degrees? Use `jnp.deg2rad(...)`."
        )
    cos0 = jnp.cos(theta0)

    def term(u: ArrayLike, v: ArrayLike) -> jnp.ndarray:
        return 0.5 * k * (bend_cosine(u, v) - cos0) ** 2

    return term


# --- lifters --------------------------------------------------------------------------------


def all_pairs(n_atoms: int, exclude: ArrayLike | None = None) -> np.ndarray:
    """All index pairs (i, j) with i < j among n atoms, minus excluded ones (NumPy).

    Built outside ``jit`` (its length fixes array shapes). The list has
    P = n (n - 1) / 2 - (number of distinct excluded pairs) rows, in row-major order.

    Args:
        n_atoms: N >= 1.
        exclude: pairs to leave out, integer shape (E, 2), in either order (``(j, i)``
            excludes ``(i, j)``), e.g. the bonds of a molecule; None for none.

    Returns:
        Integer array of shape (P, 2), i < j in each row (read-only).

    Raises:
        ValueError: n_atoms < 1 or not an integer; bad exclusion list or indices >= N.

    Reference: M. P. Allen, D. J. Tildesley, *Computer Simulation of Liquids*, 2nd ed.
    (2017), §5.1 (pair loops and exclusions).
    """
    if isinstance(n_atoms, bool) or not isinstance(n_atoms, int | np.integer):
        raise ValueError(f"all_pairs: `n_atoms` must be an integer, got {n_atoms!r}.")
    n = int(n_atoms)
    if n < 1:
        raise ValueError(f"all_pairs: `n_atoms` must be >= 1, got {n}.")
    i, j = np.triu_indices(n, k=1)
    pairs = np.stack([i, j], axis=1).astype(np.int64)
    if exclude is not None:
        ex = _index_list(exclude, 2, "exclude", "all_pairs")
        _check_range(ex, n, "exclude", "all_pairs")
        ex = np.sort(ex, axis=1)
        drop = np.zeros((n, n), dtype=bool)
        drop[ex[:, 0], ex[:, 1]] = True
        pairs = pairs[~drop[pairs[:, 0], pairs[:, 1]]]
    pairs.flags.writeable = False
    return pairs


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
        ValueError: ``bonds`` not integer, wrong shape, negative or repeated indices.

    Reference: A. R. Leach, *Molecular Modelling: Principles and Applications*, 2nd ed.
    (2001), ch. 4 (bond stretching terms of force fields).
    """
    _check_term(term, "bond_energy")
    idx = _index_list(bonds, 2, "bonds", "bond_energy")

    def energy(R: ArrayLike) -> jnp.ndarray:
        R = _coordinates(R, "bond_energy")
        _check_range(idx, R.shape[0], "bonds", "bond_energy")
        r = pair_distances(R, idx)
        return jnp.sum(_apply(term, (r,), idx.shape[0], "bonds", "bond_energy"))

    return energy


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
        ValueError: ``angles`` not integer, wrong shape, negative or repeated indices.

    Reference: A. R. Leach, *Molecular Modelling: Principles and Applications*, 2nd ed.
    (2001), ch. 4 (angle bending terms).
    """
    _check_term(term, "angle_energy")
    idx = _index_list(angles, 3, "angles", "angle_energy")
    arm_u = idx[:, [1, 0]]  # u = r_i - r_j
    arm_v = idx[:, [1, 2]]  # v = r_k - r_j

    def energy(R: ArrayLike) -> jnp.ndarray:
        R = _coordinates(R, "angle_energy")
        _check_range(idx, R.shape[0], "angles", "angle_energy")
        u = bond_vectors(R, arm_u)
        v = bond_vectors(R, arm_v)
        return jnp.sum(_apply(term, (u, v), idx.shape[0], "angles", "angle_energy"))

    return energy


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
    _check_term(term, "pair_energy")
    n_expected: int | None = None
    if isinstance(pairs, int | np.integer) and not isinstance(pairs, bool):
        n_expected = int(pairs)
        idx = all_pairs(n_expected, exclude)
    else:
        idx = _index_list(pairs, 2, "pairs", "pair_energy")
        if exclude is not None and idx.shape[0]:
            ex = np.sort(_index_list(exclude, 2, "exclude", "pair_energy"), axis=1)
            keys = np.sort(idx, axis=1)
            n = int(max(idx.max(), ex.max() if ex.size else 0)) + 1
            drop = np.isin(keys[:, 0] * n + keys[:, 1], ex[:, 0] * n + ex[:, 1])
            idx = idx[~drop]
            idx.flags.writeable = False

    def energy(R: ArrayLike) -> jnp.ndarray:
        R = _coordinates(R, "pair_energy")
        if n_expected is not None and R.shape[0] != n_expected:
            raise ValueError(
                f"pair_energy: built for {n_expected} atoms, but R has {R.shape[0]} atoms."
            )
        _check_range(idx, R.shape[0], "pairs", "pair_energy")
        r = pair_distances(R, idx)
        return jnp.sum(_apply(term, (r,), idx.shape[0], "pairs", "pair_energy"))

    return energy


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
        raise ValueError("sum_energies: pass at least one energy function.")
    for n, f in enumerate(energy_fns):
        if not callable(f):
            raise TypeError(
                f"sum_energies: argument {n} is a {type(f).__name__}, not an energy function; "
                "pass functions such as `bond_energy(harmonic(k, r0), bonds)`."
            )
    fns = tuple(energy_fns)

    def energy(R: ArrayLike, *args: Any, **kwargs: Any) -> jnp.ndarray:
        total = fns[0](R, *args, **kwargs)
        for f in fns[1:]:
            total = total + f(R, *args, **kwargs)
        return total

    return energy
