"""Geometry: safe distances, angles, centre of mass, inertia, rigid-body modes, superposition.

Coordinates ``R`` have shape (N, 3) in Å and masses shape (N,) in amu throughout.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from . import _validate

__all__ = [
    "LINEAR_TOL",
    "Superposition",
    "angles",
    "bend_angle",
    "bend_cosine",
    "bond_vectors",
    "center_of_mass",
    "inertia_tensor",
    "is_linear",
    "n_rigid_body_modes",
    "pair_distances",
    "rigid_body_modes",
    "rmsd",
    "safe_norm",
    "superpose",
]

#: A structure is linear when its smallest principal moment of inertia is below
#: ``LINEAR_TOL`` times its largest: straight to ~0.1° for CO2, and tolerant of
#: coordinates rounded to 1e-3 Å as in PDB files.
LINEAR_TOL = 1e-6


def safe_norm(x: ArrayLike, axis: int = -1, keepdims: bool = False) -> jnp.ndarray:
    r"""Euclidean norm with finite derivatives of every order at x = 0.

    ``jnp.linalg.norm`` has gradient ``x / |x|``, which is 0/0 = NaN at the origin, and the
    NaN poisons a whole Hessian even when the term is multiplied by zero. The "double
    where" trick evaluates the square root only where it is safe, so the gradient at 0 is
    0 (the subgradient of smallest norm) and never NaN.

    .. math:: |x| = \sqrt{\textstyle\sum_a x_a^2}

    Args:
        x: vectors, any shape; the norm is taken over ``axis``.
        axis: axis to reduce.
        keepdims: keep the reduced axis with length 1.

    Returns:
        Norms, shape of ``x`` without ``axis``, same units as ``x``.

    Reference: the pattern used by jax-md (``jax_md.space.distance``) and JAX's FAQ
    ("Gradients contain NaN where using where").
    """
    x = jnp.asarray(x)
    s = jnp.sum(x * x, axis=axis, keepdims=keepdims)
    positive = s > 0
    return jnp.where(positive, jnp.sqrt(jnp.where(positive, s, 1.0)), 0.0)


def bond_vectors(R: ArrayLike, pairs: ArrayLike) -> jnp.ndarray:
    """Vectors r_j - r_i for index pairs (i, j).

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: integer indices, shape (P, 2).

    Returns:
        Shape (P, 3), Å.
    """
    R = jnp.asarray(R)
    idx = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return R[idx[:, 1]] - R[idx[:, 0]]


def pair_distances(R: ArrayLike, pairs: ArrayLike) -> jnp.ndarray:
    """Distances |r_j - r_i| for index pairs (i, j), with safe gradients at r = 0.

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: integer indices, shape (P, 2).

    Returns:
        Shape (P,), Å.
    """
    return safe_norm(bond_vectors(R, pairs))


def bend_angle(u: ArrayLike, v: ArrayLike) -> jnp.ndarray:
    r"""Angle θ between arm vectors u and v, accurate over 0..π.

    .. math:: \theta = \operatorname{atan2}(|u \times v|,\; u \cdot v)

    ``arccos`` of the cosine would lose half the digits near 0 and π. The derivative
    of θ is singular at θ = 0 and π; there the safe norm returns a zero gradient
    instead of NaN, which is finite but wrong for a bend energy (use
    :func:`jaxnm_course.potentials.linear_angle`). A zero-length arm gives θ = π/2
    with zero gradient.

    Args:
        u: first arm, r_i - r_j, shape (..., 3), Å.
        v: second arm, r_k - r_j, shape (..., 3), Å.

    Returns:
        θ, shape (...), radians.

    Reference: E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955),
    ch. 4 (the valence angle as an internal coordinate).
    """
    u = jnp.asarray(u)
    v = jnp.asarray(v)
    c = jnp.sum(u * v, axis=-1)
    s = safe_norm(jnp.cross(u, v))
    ok = (s > 0) | (c != 0)
    theta = jnp.arctan2(jnp.where(ok, s, 0.0), jnp.where(ok, c, 1.0))
    return jnp.where(ok, theta, 0.5 * jnp.pi)


def bend_cosine(u: ArrayLike, v: ArrayLike) -> jnp.ndarray:
    r"""Cosine of the angle between arm vectors u and v, never through θ.

    .. math:: \cos\theta = \frac{u \cdot v}{|u|\,|v|}

    Smooth at θ = 0 and π, unlike θ itself. Not clipped to [-1, 1] (clipping would zero
    the gradient exactly at a linear geometry); rounding can leave it 1 ulp outside. A
    zero-length arm gives 0 with zero gradient (no NaN).

    Args:
        u: first arm, r_i - r_j, shape (..., 3), Å.
        v: second arm, r_k - r_j, shape (..., 3), Å.

    Returns:
        cos θ, shape (...), dimensionless.

    Reference: E. B. Wilson, J. C. Decius, P. C. Cross, *Molecular Vibrations* (1955),
    ch. 4.
    """
    u = jnp.asarray(u)
    v = jnp.asarray(v)
    d = safe_norm(u) * safe_norm(v)
    ok = d > 0
    return jnp.where(ok, jnp.sum(u * v, axis=-1) / jnp.where(ok, d, 1.0), 0.0)


def angles(R: ArrayLike, triples: ArrayLike) -> jnp.ndarray:
    """Bond angles θ_ijk at the middle atom j of each triple (i, j, k).

    :func:`bend_angle` of the arms u = r_i - r_j and v = r_k - r_j. The derivative of θ
    is singular at exactly 0 and π (a linear arrangement): use
    :func:`jaxnm_course.potentials.linear_angle`, built on :func:`bend_cosine`, for
    linear bends.

    Args:
        R: coordinates, shape (N, 3), Å.
        triples: integer indices, shape (T, 3); the angle is at the middle atom.

    Returns:
        θ, shape (T,), radians.
    """
    R = jnp.asarray(R)
    idx = np.asarray(triples, dtype=np.int64).reshape(-1, 3)
    return bend_angle(R[idx[:, 0]] - R[idx[:, 1]], R[idx[:, 2]] - R[idx[:, 1]])


def center_of_mass(R: ArrayLike, masses: ArrayLike) -> jnp.ndarray:
    """Centre of mass, R_cm = Σ m_i r_i / Σ m_i.

    Args:
        R: coordinates, shape (N, 3), Å.
        masses: shape (N,), amu.

    Returns:
        Shape (3,), Å.
    """
    R = jnp.asarray(R)
    m = jnp.asarray(masses)
    return jnp.sum(m[:, None] * R, axis=0) / jnp.sum(m)


def inertia_tensor(R: ArrayLike, masses: ArrayLike) -> jnp.ndarray:
    r"""Inertia tensor about the centre of mass.

    .. math:: I = \sum_i m_i \left(|x_i|^2 \mathbb{1} - x_i x_i^T\right),
       \quad x_i = r_i - R_{cm}

    Args:
        R: coordinates, shape (N, 3), Å.
        masses: shape (N,), amu.

    Returns:
        Shape (3, 3), amu Å².
    """
    R = jnp.asarray(R)
    m = jnp.asarray(masses)
    x = R - center_of_mass(R, m)
    r2 = jnp.sum(x * x, axis=-1)
    return jnp.sum(m * r2) * jnp.eye(3) - jnp.einsum("i,ia,ib->ab", m, x, x)


def _principal_moments(R: Any, masses: Any) -> tuple[np.ndarray, np.ndarray]:
    # NumPy (the result fixes shapes, so values are concrete anyway): the same formula as
    # inertia_tensor without eager JAX ops, each of which compiles on first use.
    R = np.asarray(R, dtype=np.float64)
    m = np.asarray(masses, dtype=np.float64)
    x = R - (m[:, None] * R).sum(axis=0) / m.sum()
    inertia = (m * (x * x).sum(axis=-1)).sum() * np.eye(3) - np.einsum("i,ia,ib->ab", m, x, x)
    moments, axes = np.linalg.eigh(inertia)
    return moments, axes


def n_rigid_body_modes(R: ArrayLike, masses: ArrayLike, linear_tol: float = LINEAR_TOL) -> int:
    """Number of rigid-body (zero-frequency) modes: 3 for an atom, 5 if linear, else 6.

    Decided from the principal moments of inertia I_1 <= I_2 <= I_3: a moment below
    ``linear_tol * I_3`` does not count as a rotation. Needs concrete values (NumPy, outside
    ``jit``) because it fixes array shapes.

    Args:
        R: coordinates, shape (N, 3), Å.
        masses: shape (N,), amu.
        linear_tol: relative threshold on the moments of inertia.

    Returns:
        3 + the number of non-vanishing principal moments (0, 2 or 3).
    """
    moments, _ = _principal_moments(R, masses)
    if moments[-1] <= 0:
        return 3
    return 3 + int(np.sum(moments > linear_tol * moments[-1]))


def is_linear(R: ArrayLike, masses: ArrayLike, linear_tol: float = LINEAR_TOL) -> bool:
    """Whether a structure of two or more atoms is linear (see :func:`n_rigid_body_modes`).

    Args:
        R: coordinates, shape (N, 3), Å.
        masses: shape (N,), amu.
        linear_tol: relative threshold on the moments of inertia.

    Returns:
        True for 5 rigid-body modes.
    """
    return n_rigid_body_modes(R, masses, linear_tol) == 5


def rigid_body_modes(
    R: ArrayLike, masses: ArrayLike, linear_tol: float = LINEAR_TOL
) -> jnp.ndarray:
    """Orthonormal rigid-body motions (translations, rotations) in mass-weighted coordinates.

    Translations: d_i = sqrt(m_i) e_a / sqrt(M). Rotations about the principal axes p_k of
    inertia (those with a non-vanishing moment I_k): d_i = sqrt(m_i) (p_k × x_i) / sqrt(I_k)
    with x_i = r_i - R_cm. In the principal frame these vectors are exactly orthonormal
    (their Gram matrix is the inertia tensor divided by its diagonal), so no numerical
    orthogonalisation is needed. These are the Eckart conditions in the form used by
    J. W. Ochterski, "Vibrational Analysis in Gaussian" (1999), and E. B. Wilson, J. C.
    Decius, P. C. Cross, *Molecular Vibrations* (1955), ch. 2.

    Args:
        R: coordinates, shape (N, 3), Å.
        masses: shape (N,), amu, positive.
        linear_tol: relative threshold deciding linearity (see :func:`n_rigid_body_modes`).

    Returns:
        D, shape (3N, n_rb) with n_rb in {3, 5, 6}, atom-major rows (x1, y1, z1, x2, ...),
        columns orthonormal (dimensionless).
    """
    R = _validate.as_positions(R, "rigid_body_modes", check_overlap=False)
    m = _validate.as_masses(masses, R.shape[0], "rigid_body_modes")
    # Built in NumPy (concrete values are needed anyway to decide linearity): eager JAX ops
    # would each compile on first use, seconds on a busy machine for a 6-column basis.
    R, m = np.asarray(R), np.asarray(m)
    sqrt_m = np.sqrt(m)
    n = R.shape[0]
    translations = [
        np.tile(np.eye(3)[a], (n, 1)) * sqrt_m[:, None] / np.sqrt(np.sum(m)) for a in range(3)
    ]
    moments, axes = _principal_moments(R, m)
    x = R - (m[:, None] * R).sum(axis=0) / m.sum()
    rotations = []
    if moments[-1] > 0:
        for k in range(3):
            if moments[k] > linear_tol * moments[-1]:
                v = np.cross(np.broadcast_to(axes[:, k], x.shape), x) * sqrt_m[:, None]
                rotations.append(v / np.sqrt(moments[k]))
    return jnp.asarray(np.stack([v.reshape(-1) for v in translations + rotations], axis=1))


# --- superposition (structural alignment) -----------------------------------------------------


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
