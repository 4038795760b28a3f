r"""Spectral functions of elastic networks with exact derivatives.

The rigid-body projector, pseudo-inverses and fluctuations (derivatives of an inverse),
and sums of the lowest eigenvalues and the projector onto the lowest modes, whose custom
JVP rules use only cross-gap denominators (Kato 1966, ch. II), so that degenerate
eigenvalues inside a group do no harm.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .. import _validate
from .._validate import public
from ..geometry import n_rigid_body_modes
from ..network import anm_hessian, as_count, kirchhoff
from ..precision import require_x64
from ..solvers import shift_above_spectrum
from ._springs import checked_springs

#: Relative eigenvalue gap (of the largest |eigenvalue|) below which a group of k lowest
#: modes counts as splitting a degenerate multiplet.
GAP_TOL = 1e-9


def rigid_projector(R: ArrayLike) -> jnp.ndarray:
    r"""Orthogonal projector onto the rigid-body motions of R (unit masses), smooth in R.

    With x_i = r_i - centroid, the translations T (3N, 3) and the rotations
    A_b = (e_b × x_i)_i (3N, 3) span the six zero modes of an ANM Hessian. T is
    orthogonal to A, and AᵀA is the (unit-mass) inertia tensor I, so

    .. math:: P_0 = \frac{1}{N} T T^T + A I^{-1} A^T

    needs no eigendecomposition (unlike the principal-axes basis of
    :func:`jaxnm_course.geometry.rigid_body_modes`) and is differentiable in R.

    Args:
        R: coordinates, shape (N, 3), Å; not linear (I invertible).

    Returns:
        P0, shape (3N, 3N), symmetric, idempotent, trace 6.

    Raises:
        ValueError: (concrete R only) fewer than 3 atoms or a linear structure.
    """
    R = _validate.as_positions(R, "rigid_projector", check_overlap=False)
    n = R.shape[0]
    # NumPy, on concrete R only: geometry's test of linearity (fewer than 6 rigid modes)
    if _validate.is_concrete(R) and (n < 3 or n_rigid_body_modes(R, np.ones(n)) < 6):
        raise ValueError(
            "rigid_projector: `R` is linear or has fewer than 3 atoms, so it has fewer than "
            "3 independent rotations; this projector is for 3-D networks."
        )
    x = R - jnp.mean(R, axis=0)
    T = jnp.tile(jnp.eye(3, dtype=R.dtype), (n, 1))
    A = jnp.stack([jnp.cross(jnp.broadcast_to(e, x.shape), x).reshape(-1) for e in jnp.eye(3)])
    A = A.T  # (3N, 3)
    inertia = A.T @ A
    return T @ T.T / n + A @ jnp.linalg.solve(inertia, A.T)


def _check_rigid_network(X: jnp.ndarray, what: str, function: str) -> None:
    if _validate.is_concrete(X) and not np.all(np.isfinite(np.asarray(X))):
        raise ValueError(
            f"{function}: the {what} has more zero modes than the rigid-body ones (the "
            "network is floppy: a residue or a group with too few springs), so its "
            "pseudo-inverse is undefined; use a larger cutoff or max_distance."
        )


def pseudo_inverse(H: ArrayLike, P0: ArrayLike) -> jnp.ndarray:
    r"""Moore-Penrose pseudo-inverse of a PSD matrix whose null space is range(P0).

    .. math:: H^+ = (H + c P_0)^{-1} - P_0 / c

    holds for every c > 0 when H P0 = 0 and H is positive definite on the complement
    (H + cP0 has the eigenvectors of H, with the zero eigenvalues replaced by c). c is
    the mean non-zero eigenvalue, tr H / (n - tr P0) (held constant for differentiation:
    the result does not depend on it). One Cholesky factorisation, no eigenvalue
    thresholds; derivatives (in H and P0) are those of an inverse, well defined with
    degenerate eigenvalues.

    Args:
        H: symmetric positive semi-definite matrix, shape (n, n).
        P0: orthogonal projector onto its null space, shape (n, n).

    Returns:
        H⁺, shape (n, n), in inverse units of H.

    Raises:
        ValueError: (concrete input) H + cP0 is not positive definite: H has zero modes
            outside range(P0).
    """
    X = _pinv(jnp.asarray(H), jnp.asarray(P0))
    _check_rigid_network(X, "matrix", "pseudo_inverse")
    return X


def _pinv(H: jnp.ndarray, P0: jnp.ndarray) -> jnp.ndarray:
    m = H.shape[0]
    c = jax.lax.stop_gradient(jnp.trace(H) / (m - jnp.trace(P0)))
    A = H + c * P0
    A = 0.5 * (A + A.T)
    factor = jax.scipy.linalg.cho_factor(A, lower=True)
    X = jax.scipy.linalg.cho_solve(factor, jnp.eye(m, dtype=A.dtype)) - P0 / c
    return 0.5 * (X + X.T)


@public
def anm_fluctuations(
    R: ArrayLike, pairs: ArrayLike, k: ArrayLike, kT: ArrayLike = 1.0
) -> jnp.ndarray:
    r"""ANM mean-square fluctuations from the pseudo-inverse of the Hessian.

    .. math:: \langle \Delta r_i^2 \rangle = k_B T \operatorname{tr}\,[H^+]_{ii}

    (the 3×3 diagonal block of atom i; equipartition over the 3N - 6 internal modes).
    Differentiable in R and k, also where eigenvalues are degenerate.

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: index pairs, shape (P, 2) (NumPy).
        k: spring constants, shape (P,), kcal/mol/Å².
        kT: thermal energy, kcal/mol (1: results in units of kT/k).

    Returns:
        <Δr_i²>, shape (N,), Å².

    Raises:
        TypeError: non-integer ``pairs``.
        ValueError: bad ``R`` or ``pairs`` (:func:`jaxnm_course.network.check_pairs`);
            ``k`` not of shape (P,); (concrete input) the network is floppy (more than 6
            zero modes).
    """
    require_x64("anm_fluctuations")
    R = _validate.as_positions(R, "anm_fluctuations")
    p, k = checked_springs(pairs, k, R.shape[0])
    return anm_msf(R, p, k, kT)


def anm_msf(R: jnp.ndarray, pairs: np.ndarray, k: jnp.ndarray, kT: ArrayLike) -> jnp.ndarray:
    """:func:`anm_fluctuations` of checked inputs (the kernel; pairs fixed, no re-check)."""
    Hp = _pinv(anm_hessian(R, pairs, k), rigid_projector(R))
    _check_rigid_network(Hp, "ANM Hessian", "anm_fluctuations")
    return kT * jnp.sum(jnp.diagonal(Hp).reshape(-1, 3), axis=1)


@public
def gnm_fluctuations(
    n_atoms: int, pairs: ArrayLike, k: ArrayLike, kT: ArrayLike = 1.0
) -> jnp.ndarray:
    r"""GNM mean-square fluctuations from the pseudo-inverse of the Kirchhoff matrix.

    .. math:: \langle \Delta R_i^2 \rangle = 3 k_B T\, [\Gamma^+]_{ii}

    with the uniform vector as the (single) zero mode of a connected network (Bahar,
    Atilgan, Erman 1997).

    Args:
        n_atoms: N.
        pairs: index pairs, shape (P, 2) (NumPy).
        k: spring constants, shape (P,), kcal/mol/Å².
        kT: thermal energy, kcal/mol.

    Returns:
        <ΔR_i²>, shape (N,), Å².

    Raises:
        TypeError: ``n_atoms`` not an integer; non-integer ``pairs``.
        ValueError: bad ``pairs``; ``k`` not of shape (P,); (concrete input) the network
            is disconnected.
    """
    require_x64("gnm_fluctuations")
    n = as_count(n_atoms, "n_atoms")
    p, k = checked_springs(pairs, k, n)
    P0 = jnp.full((n, n), 1.0 / n, dtype=k.dtype)
    Gp = _pinv(kirchhoff(n, p, k), P0)
    _check_rigid_network(Gp, "Kirchhoff matrix", "gnm_fluctuations")
    return 3.0 * kT * jnp.diagonal(Gp)


def _deflate(H: jnp.ndarray, P0: jnp.ndarray) -> jnp.ndarray:
    # c above every eigenvalue (twice the Gershgorin bound, as in the solvers): the zero
    # modes move to the top of the spectrum, the internal eigenpairs are unchanged. H + cP0
    # rather than solvers.deflated_matrix's P H P + cP0, on purpose: H P0 = 0 here, so
    # projecting would only add derivative terms in P0 that cancel in exact arithmetic
    # alone, and cost two more n³ products per call.
    c = jax.lax.stop_gradient(shift_above_spectrum(H))
    A = H + c * P0
    return 0.5 * (A + A.T)


@jax.custom_jvp
def _differentiable_once(x: jnp.ndarray) -> jnp.ndarray:
    return x


@_differentiable_once.defjvp
def _differentiable_once_jvp(primals: tuple, tangents: tuple) -> tuple:
    raise NotImplementedError(
        "lowest_modes_projector is differentiable once (second derivatives of a spectral "
        "projector need the eigenvector derivatives inside degenerate groups, which do not "
        "exist); lowest_eigenvalues_sum is differentiable twice."
    )


@partial(jax.custom_jvp, nondiff_argnums=(1,))
def _low_projector(A: jnp.ndarray, k: int) -> jnp.ndarray:
    _, V = jnp.linalg.eigh(A)
    return V[:, :k] @ V[:, :k].T


@_low_projector.defjvp
def _low_projector_jvp(k: int, primals: tuple, tangents: tuple) -> tuple:
    (A,), (dA,) = primals, tangents
    w, V = jnp.linalg.eigh(A)
    w, V = _differentiable_once(w), _differentiable_once(V)
    Vk, Vo = V[:, :k], V[:, k:]
    dA = 0.5 * (dA + dA.T)
    # dP = Σ_{i<k<=j} v_j (v_jᵀ dA v_i) v_iᵀ / (λ_i - λ_j) + transpose: only cross-gap
    # denominators, so degeneracies inside either group do no harm (Kato 1966).
    M = (Vo.T @ dA @ Vk) / (w[None, :k] - w[k:, None])
    dP = Vo @ M @ Vk.T
    return Vk @ Vk.T, dP + dP.T


@partial(jax.custom_jvp, nondiff_argnums=(1,))
def _low_sum(A: jnp.ndarray, k: int) -> jnp.ndarray:
    return jnp.sum(jnp.linalg.eigvalsh(A)[:k])


@_low_sum.defjvp
def _low_sum_jvp(k: int, primals: tuple, tangents: tuple) -> tuple:
    (A,), (dA,) = primals, tangents
    P = _low_projector(A, k)
    # d Σλ = tr(P dA); P (not its eigenvectors) is differentiated for second derivatives.
    # Where the group splits a degenerate multiplet the derivative does not exist: NaN
    # (rather than a basis-dependent number).
    w = jnp.linalg.eigvalsh(jax.lax.stop_gradient(A))
    ok = w[k] - w[k - 1] > GAP_TOL * jnp.max(jnp.abs(w))
    tangent = jnp.sum(P * 0.5 * (dA + dA.T))
    return jnp.sum(P * A), tangent * jnp.where(ok, 1.0, jnp.nan)


def _check_gap(A: jnp.ndarray, k: int, function: str) -> None:
    if not _validate.is_concrete(A):
        return
    w = np.linalg.eigvalsh(np.asarray(A))
    if not w[k] - w[k - 1] > GAP_TOL * np.abs(w).max():
        raise ValueError(
            f"{function}: `k`={k} splits a degenerate group of eigenvalues (λ_k = {w[k - 1]:.6g}, "
            f"λ_k+1 = {w[k]:.6g}), where neither the sum nor the projector is differentiable; "
            "choose k at a gap (include the whole multiplet)."
        )


def _check_k(k: int, n_internal: int, function: str) -> int:
    if int(k) != k or not 1 <= k < n_internal:
        raise ValueError(
            f"{function}: `k` must be an integer in 1..{n_internal - 1} (the number of "
            f"lowest internal modes, leaving at least one above the gap), got {k}."
        )
    return int(k)


def lowest_eigenvalues_sum(H: ArrayLike, P0: ArrayLike, k: int) -> jnp.ndarray:
    r"""Sum of the k lowest eigenvalues of H on the complement of range(P0) (twice differentiable).

    .. math:: S_k = \sum_{i=1}^{k} \lambda_i, \qquad
        \mathrm{d}S_k = \operatorname{tr}(P_k\, \mathrm{d}H)

    with P_k the projector onto the k lowest internal modes. S_k is differentiable
    (twice, here) wherever λ_k < λ_{k+1}, even when eigenvalues inside the group are
    degenerate, where individual eigenvalues and eigenvectors are not. The zero modes
    are removed by moving them above the spectrum (H + cP0, c > λ_max), which leaves the
    internal eigenpairs unchanged. With k = 1 it is the slowest internal eigenvalue.

    Args:
        H: symmetric matrix, shape (n, n) (an ANM Hessian, a Kirchhoff matrix).
        P0: projector onto its zero modes, shape (n, n) (:func:`rigid_projector`).
        k: number of lowest internal eigenvalues, static; choose it at a gap.

    Returns:
        S_k, shape (), units of H. Its derivative is NaN where k splits a degenerate
        multiplet (no derivative exists there).

    Raises:
        ValueError: (concrete input) k out of range or splitting a degenerate multiplet.
    """
    H, P0 = jnp.asarray(H), jnp.asarray(P0)
    n0 = round(float(np.trace(np.asarray(P0)))) if _validate.is_concrete(P0) else 0
    k = _check_k(k, H.shape[0] - n0, "lowest_eigenvalues_sum")
    A = _deflate(H, P0)
    _check_gap(A, k, "lowest_eigenvalues_sum")
    return _low_sum(A, k)


def lowest_modes_projector(H: ArrayLike, P0: ArrayLike, k: int) -> jnp.ndarray:
    r"""Orthogonal projector onto the k lowest internal modes of H (differentiable once).

    .. math:: P_k = \sum_{i=1}^{k} v_i v_i^T, \qquad \mathrm{d}P_k =
        \sum_{i \le k < j} \frac{v_j^T \mathrm{d}H\, v_i}{\lambda_i - \lambda_j}
        (v_j v_i^T + v_i v_j^T)

    Independent of the sign and of rotations of the basis inside degenerate
    eigenspaces; differentiable where λ_k < λ_{k+1} (Kato 1966, ch. II). Only first
    derivatives are implemented: a second derivative raises NotImplementedError.

    Args:
        H: symmetric matrix, shape (n, n).
        P0: projector onto its zero modes, shape (n, n).
        k: number of lowest internal modes, static; choose it at a gap.

    Returns:
        P_k, shape (n, n); its derivative is inf/NaN where k splits a multiplet.

    Raises:
        ValueError: (concrete input) k out of range or splitting a degenerate multiplet.
    """
    H, P0 = jnp.asarray(H), jnp.asarray(P0)
    n0 = round(float(np.trace(np.asarray(P0)))) if _validate.is_concrete(P0) else 0
    k = _check_k(k, H.shape[0] - n0, "lowest_modes_projector")
    A = _deflate(H, P0)
    _check_gap(A, k, "lowest_modes_projector")
    return _low_projector(A, k)


def subspace_overlap(d: ArrayLike, P: ArrayLike) -> jnp.ndarray:
    r"""Fraction of a deformation inside a subspace, given by its projector.

    .. math:: O = \frac{d^T P\, d}{d^T d}

    the squared cumulative overlap of d with the modes spanning range(P) (Zheng & Doniach
    2003, the "cumulative overlap" squared), invariant to the signs and to any rotation of
    the mode basis. For a conformational change, d is the flattened difference of
    superposed structures.

    Args:
        d: deformation, shape (3N,) or (N, 3), Å.
        P: orthogonal projector, shape (3N, 3N).

    Returns:
        O in [0, 1], shape ().
    """
    d = jnp.asarray(d).reshape(-1)
    return d @ jnp.asarray(P) @ d / (d @ d)
