# Exercise set ex04: replace each `raise NotImplementedError` (test: pytest exercises -m ex04).
r"""Exercise set 04: Hessians by automatic differentiation.

The Hessian of an energy E(R) at coordinates R (shape (N, 3), Å) is the matrix of second
derivatives

.. math:: H_{3i+a,\,3j+b} = \frac{\partial^2 E}{\partial R_{ia}\,\partial R_{jb}},

of shape (3N, 3N) in *atom-major* order: rows and columns x1, y1, z1, x2, y2, z2, ...
``jax.hessian(E)(R)`` returns shape (N, 3, N, 3); a plain row-major ``reshape`` gives the
atom-major matrix (a transpose before the reshape would give x1, x2, ..., y1, ... instead).

``energy`` below is a trusted energy function handed to you by the tests: call it as
``energy(R)`` and differentiate it with JAX like any function you wrote.

Units: Å, kcal/mol, Hessians in kcal/mol/Å². Run ``pytest exercises -m ex04``.
Reference: J. Nocedal, S. J. Wright, *Numerical Optimization*, 2nd ed. (2006), ch. 8
(finite differences, Hessian-vector products); B. A. Pearlmutter, "Fast exact
multiplication by the Hessian", Neural Computation 6, 147 (1994).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = [
    "finite_difference_hessian",
    "hessian",
    "hessian_from_hvps",
    "hessian_fwd_rev",
    "hessian_vector_product",
]


def hessian(energy, R):
    """Hessian of ``energy`` at R with ``jax.hessian``, reshaped to (3N, 3N).

    Args:
        energy: E(R) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å.

    Returns:
        H, shape (3N, 3N), float64, kcal/mol/Å², atom-major.
    """
    # HINT: The Hessian is the matrix of second derivatives: JAX computes it for you; the work is
    # in the shape.
    # HINT: Chapter 4, "A spring, by hand": jax.hessian(energy)(R) returns shape (N, 3, N, 3); a
    # row-major reshape gives the atom-major (3N, 3N) matrix.
    # HINT: jax.hessian(energy)(R).reshape(...)
    raise NotImplementedError("ex04: hessian not implemented yet")


def hessian_fwd_rev(energy, R):
    """Hessian as the forward-mode Jacobian of the reverse-mode gradient of a flat function.

    Write E as a function of the flat vector x = R.reshape(-1) (shape (3N,)) and apply
    ``jax.jacfwd(jax.jacrev(...))``: the composition jax.hessian uses.

    Args:
        energy: E(R) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å.

    Returns:
        H, shape (3N, 3N), float64, kcal/mol/Å², atom-major.
    """
    # HINT: Make the energy a function of one flat vector; then the Hessian is the Jacobian of the
    # gradient.
    # HINT: Chapter 4, "A spring, by hand": jax.jacrev (reverse mode) gives the gradient,
    # jax.jacfwd (forward mode) its Jacobian.
    # HINT: def flat(x): return energy(x.reshape(R.shape)); then jax.jacfwd(jax.jacrev(flat)) at
    # R.reshape(-1).
    raise NotImplementedError("ex04: hessian_fwd_rev not implemented yet")


def finite_difference_hessian(energy, R, h):
    r"""Hessian by central differences of the (autodiff) gradient, symmetrised.

    .. math:: H_{:,p} \approx \frac{g(x + h e_p) - g(x - h e_p)}{2h}, \qquad
              H \leftarrow \tfrac12 (H + H^T)

    with g = ∇E and x = R.reshape(-1). The error is O(h²) (truncation) plus
    O(ε |g| / h) (rounding).

    Args:
        energy: E(R) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å.
        h: the step, Å (e.g. 1e-4).

    Returns:
        H, shape (3N, 3N), float64, kcal/mol/Å².
    """
    # HINT: Column p of the Hessian is how the gradient changes when coordinate p moves: a central
    # difference of the (autodiff) gradient, then symmetrise.
    # HINT: Chapter 4, "A real molecule: autodiff vs finite differences"; jax.grad for the gradient
    # of the flat coordinates; jax.vmap over the rows of h * jnp.eye(3N) (or a Python loop over p).
    # HINT: g = lambda x: jax.grad(energy)(x.reshape(R.shape)).reshape(-1); column p is (g(x0 + h
    # e_p) - g(x0 - h e_p)) / (2h).
    raise NotImplementedError("ex04: finite_difference_hessian not implemented yet")


def hessian_vector_product(energy, R, v):
    r"""The product H v without forming H: a forward derivative of the gradient.

    .. math:: H v = \frac{d}{dt} \nabla E(R + t v) \Big|_{t=0}

    Args:
        energy: E(R) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å.
        v: a displacement, shape (3N,), Å.

    Returns:
        H v, shape (3N,), float64, kcal/mol/Å (exact to rounding, not a finite difference).
    """
    # HINT: H v is the directional derivative of the gradient along v: a forward-mode derivative of
    # a reverse-mode one, without forming H.
    # HINT: Chapter 4, "Hessian-vector products without the Hessian": jax.jvp(f, primals, tangents)
    # returns (f(x), df·v); here f = jax.grad(energy); reshape v to (N, 3).
    # HINT: _, hv = jax.jvp(jax.grad(energy), (R,), (...,)); return hv.reshape(-1)
    raise NotImplementedError("ex04: hessian_vector_product not implemented yet")


def hessian_from_hvps(energy, R):
    """The full Hessian from 3N Hessian-vector products with the unit vectors, using vmap.

    Args:
        energy: E(R) -> scalar, kcal/mol.
        R: coordinates, shape (N, 3), Å.

    Returns:
        H, shape (3N, 3N), float64, kcal/mol/Å².
    """
    # HINT: H e_p is column p of H: apply hessian_vector_product to every unit vector.
    # HINT: Chapter 4, "Hessian-vector products without the Hessian"; jax.vmap over the rows of
    # jnp.eye(3N).
    # HINT: rows = jax.vmap(lambda e: hessian_vector_product(energy, R, e))(...)
    raise NotImplementedError("ex04: hessian_from_hvps not implemented yet")
