r"""Springs -> blocks -> matrices: the one ANM Hessian and one Kirchhoff builder.

Off-diagonal ANM block ("super-element") of a spring p = (i, j) of constant k_p at the
reference structure, d = r_j - r_i:

.. math:: H_{ij} = -k_p \frac{d\, d^T}{d^T d}

computed two independent ways: analytically (:func:`anm_blocks`) and by ``jax.hessian``
of that one spring's energy k_p/2 (|r_j - r_i| - r0)², vmapped over the springs
(:func:`anm_blocks_autodiff`); the tests compare them. The GNM's 1×1 blocks are -k_p
(:func:`kirchhoff_blocks`). :func:`anm_hessian` and :func:`kirchhoff` assemble them
(:mod:`._assembly`), dense or CSR.

Everything here is pure JAX apart from the (fixed) pair list, which is a NumPy array
closed over outside ``jit``: differentiable with respect to R and to the per-pair
constants k. No input checks (the public functions check once, at their boundary).
:func:`spring_constants` turns the user's ``gamma`` (a number, one value per pair, or a
function γ(r)) into k and checks it, as part of that boundary.

References: A. R. Atilgan et al., Biophys. J. 80, 505 (2001) (ANM); I. Bahar,
A. R. Atilgan, B. Erman, Fold. Des. 2, 173 (1997) (GNM).
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse as sp
from jax.typing import ArrayLike

from .. import _validate
from ..geometry import safe_norm
from ..precision import PrecisionError
from ._assembly import assemble_csr, assemble_dense

__all__ = [
    "Gamma",
    "anm_blocks",
    "anm_blocks_autodiff",
    "anm_hessian",
    "kirchhoff",
    "kirchhoff_blocks",
    "pair_distances",
    "spring_constants",
]

#: Spring constants: a number (kcal/mol/Å²), an array (one per pair), or a function γ(r).
Gamma = float | ArrayLike | Callable[[jnp.ndarray], jnp.ndarray]


@jax.jit
def _distances(R: jnp.ndarray, i: jnp.ndarray, j: jnp.ndarray) -> jnp.ndarray:
    return safe_norm(R[j] - R[i])


def pair_distances(R: ArrayLike, pairs: np.ndarray) -> jnp.ndarray:
    """|r_j - r_i| for each pair, shape (P,), Å (safe norm: finite gradient at 0)."""
    return _distances(jnp.asarray(R), jnp.asarray(pairs[:, 0]), jnp.asarray(pairs[:, 1]))


def spring_constants(gamma: Gamma, r: jnp.ndarray, n_valid: int | None = None) -> jnp.ndarray:
    """Spring constants k, shape (P,), from a number, a (P,) array or a function γ(r).

    Only the first ``n_valid`` entries are real springs; the rest (padding) are set to 0.
    Values are checked when concrete: finite and >= 0 (and a scalar > 0).

    Args:
        gamma: a number, an array of shape (P,), or a function of the distances.
        r: reference distances, shape (P,), Å.
        n_valid: number of real (unpadded) pairs; None for all.

    Returns:
        k, float64, shape (P,), kcal/mol/Å².

    Raises:
        PrecisionError: γ(r) computed in float32.
        ValueError: wrong shape, non-finite or negative constants.
    """
    n_pairs = r.shape[0]
    n_valid = n_pairs if n_valid is None else n_valid
    if callable(gamma):
        g = jnp.asarray(gamma(r))
        what = "the spring-constant function `gamma`"
    else:
        g = _validate.as_float64(gamma, "gamma")
        what = "`gamma`"
        if g.ndim == 0 and _validate.is_concrete(g):
            value = float(g)
            if not np.isfinite(value) or value <= 0:
                raise ValueError(
                    f"`gamma` must be a positive, finite spring constant (kcal/mol/Å²), got "
                    f"{value}."
                )
    if g.ndim == 0:
        g = jnp.broadcast_to(g, (n_pairs,))
    if g.shape != (n_pairs,):
        raise ValueError(
            f"{what} must give one spring constant per pair, shape ({n_pairs},), or a "
            f"scalar; got shape {tuple(g.shape)}."
        )
    if callable(gamma):
        if jnp.issubdtype(g.dtype, jnp.floating) and jnp.finfo(g.dtype).bits < 64:
            raise PrecisionError(
                f"the spring-constant function `gamma` returned {g.dtype}; it must compute "
                "in float64 (use jnp functions of its argument, no float32 constants)."
            )
        g = g.astype(jnp.float64)
    if n_valid < n_pairs:
        g = jnp.where(jnp.arange(n_pairs) < n_valid, g, 0.0)
    if _validate.is_concrete(g) and n_valid:
        values = np.asarray(g)[:n_valid]
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            k = int(np.argmax(bad))
            raise ValueError(
                f"{what} gave {values[k]} for the pair at distance {float(r[k]):.4g} Å; "
                "spring constants must be finite and >= 0 (kcal/mol/Å²). A negative "
                "constant makes the network unstable (negative eigenvalues); check the "
                "formula's range of validity."
            )
    return g


@jax.jit
def _super_elements(R: jnp.ndarray, i: jnp.ndarray, j: jnp.ndarray, k: jnp.ndarray) -> jnp.ndarray:
    d = R[j] - R[i]
    r2 = jnp.sum(d * d, axis=-1)
    return -(k / r2)[:, None, None] * d[:, :, None] * d[:, None, :]


def _spring_energy(x6: jnp.ndarray, r0: jnp.ndarray, k: jnp.ndarray) -> jnp.ndarray:
    """Energy of one spring, 1/2 k (|r_j - r_i| - r0)², of x6 = (r_i, r_j), kcal/mol."""
    return 0.5 * k * (safe_norm(x6[3:] - x6[:3]) - r0) ** 2


@jax.jit
def _autodiff_blocks(
    R: jnp.ndarray, i: jnp.ndarray, j: jnp.ndarray, k: jnp.ndarray
) -> jnp.ndarray:
    Ri, Rj = R[i], R[j]
    r0 = safe_norm(Rj - Ri)
    x6 = jnp.concatenate([Ri, Rj], axis=1)
    hess = jax.vmap(jax.hessian(_spring_energy))(x6, r0, k)  # (P, 6, 6)
    return hess[:, :3, 3:]


def anm_blocks(R: ArrayLike, pairs: np.ndarray, k: ArrayLike) -> jnp.ndarray:
    """Analytic ANM super-elements -k d dᵀ/|d|², shape (P, 3, 3), kcal/mol/Å² (no checks)."""
    return _super_elements(jnp.asarray(R), pairs[:, 0], pairs[:, 1], jnp.asarray(k))


def anm_blocks_autodiff(R: ArrayLike, pairs: np.ndarray, k: ArrayLike) -> jnp.ndarray:
    """The same blocks by per-spring ``jax.hessian`` (vmapped), shape (P, 3, 3) (no checks)."""
    return _autodiff_blocks(jnp.asarray(R), pairs[:, 0], pairs[:, 1], jnp.asarray(k))


def kirchhoff_blocks(k: ArrayLike) -> jnp.ndarray:
    """GNM 1×1 blocks -k_p, shape (P, 1, 1) (NumPy in, NumPy out: no JAX for CSR)."""
    k = k if isinstance(k, np.ndarray | jnp.ndarray) else jnp.asarray(k)
    return -k[:, None, None]


#: Block kernels by name (the ``method`` argument of the public ANM functions).
BLOCKS: dict[str, Callable[[ArrayLike, np.ndarray, ArrayLike], jnp.ndarray]] = {
    "analytic": anm_blocks,
    "autodiff": anm_blocks_autodiff,
}


def _assemble(
    n_atoms: int, pairs: np.ndarray, blocks: jnp.ndarray, sparse: bool, n_valid: int | None
) -> jnp.ndarray | sp.csr_array:
    if sparse:
        n_valid = len(pairs) if n_valid is None else n_valid
        return assemble_csr(n_atoms, pairs[:n_valid], np.asarray(blocks)[:n_valid])
    return assemble_dense(n_atoms, pairs[:, 0], pairs[:, 1], blocks)


def anm_hessian(
    R: ArrayLike,
    pairs: np.ndarray,
    k: ArrayLike,
    *,
    method: str = "analytic",
    sparse: bool = False,
    n_valid: int | None = None,
) -> jnp.ndarray | sp.csr_array:
    """ANM Hessian of springs ``pairs`` with constants ``k`` at the structure R (no checks).

    Args:
        R: reference coordinates, shape (N, 3), Å (JAX or NumPy; may be traced).
        pairs: pair list (P, 2), NumPy (fixed outside jit).
        k: spring constants, shape (P,), kcal/mol/Å² (may be traced).
        method: "analytic" (:func:`anm_blocks`) or "autodiff" (:func:`anm_blocks_autodiff`).
        sparse: return a ``scipy.sparse.csr_array`` instead of a dense JAX array (not
            traceable).
        n_valid: only the first n_valid pairs are real (the rest is zero-stiffness
            padding, dropped from the sparse matrix); None for all.

    Returns:
        H, shape (3N, 3N), kcal/mol/Å²: symmetric, block rows summing to zero.
    """
    blocks = BLOCKS[method](R, pairs, k)
    return _assemble(int(np.shape(R)[0]), pairs, blocks, sparse, n_valid)


def kirchhoff(
    n_atoms: int,
    pairs: np.ndarray,
    k: ArrayLike,
    *,
    sparse: bool = False,
    n_valid: int | None = None,
) -> jnp.ndarray | sp.csr_array:
    """GNM Kirchhoff matrix Γ_ij = -k_ij, Γ_ii = Σ_j k_ij of the springs (no checks).

    Args:
        n_atoms: N.
        pairs: pair list (P, 2), NumPy.
        k: spring constants, shape (P,), kcal/mol/Å² (may be traced).
        sparse: return CSR instead of a dense JAX array.
        n_valid: as in :func:`anm_hessian`.

    Returns:
        Γ, shape (N, N), in the units of k.
    """
    return _assemble(int(n_atoms), pairs, kirchhoff_blocks(k), sparse, n_valid)
