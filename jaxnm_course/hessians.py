r"""Hessians of energy functions: autodiff, finite differences, Hessian-vector products.

An *energy function* maps coordinates ``R`` of shape (N, 3) in Å (plus optional extra
arguments) to a scalar energy in kcal/mol. Its Hessian, the matrix of second derivatives,

.. math:: H_{3i+a,\,3j+b} = \frac{\partial^2 E}{\partial R_{ia}\, \partial R_{jb}},

is returned with shape (3N, 3N) in atom-major order (x1, y1, z1, x2, ...) and units
kcal/mol/Å².
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from . import _validate
from ._validate import public

__all__ = [
    "EnergyFn",
    "finite_difference_hessian",
    "hessian",
    "hessian_vector_product",
    "hvp_fn",
]

#: E(R, *args) -> scalar energy (kcal/mol) for coordinates R of shape (N, 3) in Å.
EnergyFn = Callable[..., Any]


def _check_scalar(energy: Any) -> None:
    shape = jnp.shape(energy)
    if shape != ():
        raise ValueError(
            f"`energy_fn` must return a scalar energy, but it returned an array "
            f"of shape {shape}; sum the per-term energies (e.g. `jnp.sum(...)`)."
        )


@public
def hessian(energy_fn: EnergyFn, R: ArrayLike, *args: Any) -> jnp.ndarray:
    r"""Hessian of a scalar energy by automatic differentiation.

    Uses ``jax.hessian`` (forward-over-reverse: ``jacfwd(jacrev(E))``), which returns shape
    (N, 3, N, 3); reshaping it row-major gives the atom-major (3N, 3N) matrix, which is
    then symmetrised, (H + Hᵀ)/2, to remove the ~1e-16 rounding asymmetry of the two
    differentiation passes (so ``eigh`` sees an exactly symmetric matrix). The cost is
    3N gradient evaluations and O(N²) memory: fine for molecules and a few hundred atoms;
    for elastic network models of proteins, build the Hessian per contact (see
    :mod:`jaxnm_course.enm`), or use :func:`hessian_vector_product` without forming H.

    .. math:: H = \nabla\nabla^T E(R)

    Args:
        energy_fn: E(R, *args) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å; float64 (JAX x64 mode on).
        *args: extra arguments passed to ``energy_fn`` (parameters); not differentiated.

    Returns:
        H, shape (3N, 3N), kcal/mol/Å², float64.

    Raises:
        PrecisionError: x64 is off, or R is float32.
        ValueError: R is not (N, 3), not finite, has overlapping atoms, or E is not scalar.
    """
    R = _validate.as_positions(R)
    _check_scalar(jax.eval_shape(energy_fn, R, *args))
    n = R.shape[0]
    H = jax.hessian(energy_fn)(R, *args).reshape(3 * n, 3 * n)
    return 0.5 * (H + H.T)


@public
def finite_difference_hessian(
    energy_fn: EnergyFn, R: ArrayLike, *args: Any, step: float = 1e-3
) -> jnp.ndarray:
    r"""Hessian from central finite differences of the energy alone (no autodiff).

    An independent check of :func:`hessian`: it uses only energy evaluations, so it shares
    no code path with JAX's differentiation rules. Each element uses the four-point stencil

    .. math:: H_{pq} \approx \frac{E(x + h e_p + h e_q) - E(x + h e_p - h e_q)
              - E(x - h e_p + h e_q) + E(x - h e_p - h e_q)}{4 h^2},

    which on the diagonal reduces to [E(x + 2h e_p) - 2E(x) + E(x - 2h e_p)] / (4h²).
    Truncation error is O(h² ∂⁴E) and rounding error O(ε E / h²). The default h = 1e-3 Å
    gives ~1e-6 relative agreement for molecular force fields in float64 (bond lengths
    ~1 Å); choose h ~ 1e-4 of the shortest length scale for steeper potentials (for
    Lennard-Jones in reduced units, σ = 1, h = 1e-3 gives only ~5e-5, h = 1e-4 ~1e-8). The
    (3N)² · 2 energies of the upper triangle are evaluated in vectorised batches.

    Args:
        energy_fn: E(R, *args) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å; float64.
        *args: extra arguments passed to ``energy_fn``.
        step: h, the displacement in Å.

    Returns:
        H, shape (3N, 3N), kcal/mol/Å², symmetrised.

    Reference: M. Abramowitz, I. A. Stegun, *Handbook of Mathematical Functions* (1964),
    eq. 25.3.26.
    """
    R = _validate.as_positions(R)
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"`step` must be > 0 (Å), got {step}.")
    _check_scalar(jax.eval_shape(energy_fn, R, *args))
    n3 = R.size
    x0 = R.reshape(-1)
    eye = jnp.eye(n3, dtype=x0.dtype) * step
    signs = jnp.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=x0.dtype)
    weights = jnp.array([1.0, -1.0, -1.0, 1.0], dtype=x0.dtype)

    def energy_at(p: jnp.ndarray, q: jnp.ndarray) -> jnp.ndarray:
        shifted = x0 + signs[:, :1] * eye[p] + signs[:, 1:] * eye[q]
        e = jax.vmap(lambda x: energy_fn(x.reshape(R.shape), *args))(shifted)
        return jnp.dot(weights, e) / (4.0 * step * step)

    p, q = np.triu_indices(n3)
    upper = jax.jit(lambda pq: jax.lax.map(lambda t: energy_at(*t), pq, batch_size=512))(
        (jnp.asarray(p), jnp.asarray(q))
    )
    H = jnp.zeros((n3, n3), dtype=x0.dtype).at[p, q].set(upper)
    return H + jnp.triu(H, 1).T


@public
def hessian_vector_product(
    energy_fn: EnergyFn, R: ArrayLike, V: ArrayLike, *args: Any
) -> jnp.ndarray:
    r"""Hessian-vector product H·v without forming H (forward-over-reverse autodiff).

    .. math:: H v = \frac{d}{dt} \nabla E(R + t v) \Big|_{t=0}

    computed as ``jax.jvp(jax.grad(E), (R,), (v,))``: the cost of about two gradient
    evaluations and O(N) memory, whatever N. This is what iterative eigensolvers (Lanczos,
    LOBPCG) need for large systems.

    Args:
        energy_fn: E(R, *args) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å; float64.
        V: displacement, shape (N, 3) or (3N,), Å.
        *args: extra arguments passed to ``energy_fn``.

    Returns:
        H v, same shape as ``V``, kcal/mol/Å².
    """
    R = _validate.as_positions(R)
    V = _validate.as_float64(V, "V")
    if V.size != R.size or V.shape not in {R.shape, (R.size,)}:
        raise ValueError(
            f"`V` must have shape {R.shape} or ({R.size},) like `R`, got {tuple(V.shape)}."
        )
    tangent = V.reshape(R.shape)
    _, hv = jax.jvp(lambda X: jax.grad(energy_fn)(X, *args), (R,), (tangent,))
    return hv.reshape(V.shape)


@public
def hvp_fn(energy_fn: EnergyFn, R: ArrayLike, *args: Any) -> Callable[[jnp.ndarray], jnp.ndarray]:
    """A jitted function v -> H v at fixed R, for repeated products (iterative solvers).

    Compiled once on the first call; every later product reuses the compiled code
    (:func:`hessian_vector_product` is the one-off, uncompiled version).

    Args:
        energy_fn: E(R, *args) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å; float64.
        *args: extra arguments passed to ``energy_fn``.

    Returns:
        A function taking v of shape (3N,) (Å) and returning H v of shape (3N,)
        (kcal/mol/Å²). Suitable for ``scipy.sparse.linalg.LinearOperator``.
    """
    R = _validate.as_positions(R)
    shape = R.shape

    def grad_flat(x: jnp.ndarray) -> jnp.ndarray:
        return jax.grad(energy_fn)(x.reshape(shape), *args).reshape(-1)

    x0 = R.reshape(-1)

    @jax.jit
    def product(v: jnp.ndarray) -> jnp.ndarray:
        return jax.jvp(grad_flat, (x0,), (jnp.asarray(v, dtype=x0.dtype),))[1]

    return product
