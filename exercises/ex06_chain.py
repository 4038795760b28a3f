# Exercise set ex06: replace each `raise NotImplementedError` (test: pytest exercises -m ex06).
r"""Exercise set 06: a harmonic chain and its dispersion relation.

N equal masses m joined by springs k along a line (spacing a). Along the chain the Hessian
is k times a graph Laplacian: for free ends (the path graph)

.. math:: K = k \begin{pmatrix} 1 & -1 & & \\ -1 & 2 & -1 & \\ & \ddots & \ddots & \ddots \\
          & & -1 & 1 \end{pmatrix}, \qquad
          \omega_j^2 = \frac{2k}{m}\left(1 - \cos\frac{\pi j}{N}\right), \; j = 0..N-1,

with j = 0 the translation. Closed into a ring (periodic boundary conditions) the modes are
plane waves e^{i q a n} with q = 2π j / (N a), and the frequencies follow the dispersion
relation of the monatomic chain,

.. math:: \omega(q) = 2 \sqrt{k/m}\, \left|\sin(q a / 2)\right|,

whose slope dω/dq (the group velocity) is the speed of sound a sqrt(k/m) at q → 0 and zero
at the zone boundary q = π/a.

Units: k in kcal/mol/Å², m in amu, a in Å, q in 1/Å; ω² in kcal/mol/Å²/amu (ω in the
course's time unit). Run ``pytest exercises -m ex06``.
Reference: N. W. Ashcroft, N. D. Mermin, *Solid State Physics* (1976), ch. 22; C. Kittel,
*Introduction to Solid State Physics*, 8th ed. (2005), ch. 4.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = [
    "chain_eigenvalues",
    "chain_hessian",
    "dispersion",
    "group_velocity",
    "ring_eigenvalues",
]


def chain_hessian(n, k):
    """The (n, n) Hessian of a free-ended chain along its axis (k times the path Laplacian).

    Args:
        n: number of masses, >= 2.
        k: spring constant, kcal/mol/Å².

    Returns:
        K, shape (n, n), float64, kcal/mol/Å²: rows sum to zero.
    """
    # HINT: Each mass is pulled by its neighbours: the matrix is tridiagonal; an end mass has one
    # spring, an interior mass two.
    # HINT: Chapter 6, "Autodiff Hessian vs the dispersion relation"; jnp.diag(v, 1) puts v on the
    # first superdiagonal; .at[0].set(...) changes one entry.
    # HINT: diag = jnp.full(n, 2.0 * k).at[0].set(k).at[-1].set(k); off-diagonals -k.
    raise NotImplementedError("ex06: chain_hessian not implemented yet")


def chain_eigenvalues(n, k, m):
    """Squared angular frequencies ω_j² of the free chain, ascending.

    Args:
        n: number of masses, >= 2.
        k: spring constant, kcal/mol/Å².
        m: mass of each particle, amu.

    Returns:
        ω², shape (n,), float64, kcal/mol/Å²/amu, ascending (the first is ~0).
    """
    # HINT: Equal masses: the eigenvalues of H / m are the squared angular frequencies.
    # HINT: Chapter 6, "Autodiff Hessian vs the dispersion relation"; jnp.linalg.eigvalsh
    # (ascending).
    # HINT: jnp.linalg.eigvalsh(chain_hessian(n, k) / ...)
    raise NotImplementedError("ex06: chain_eigenvalues not implemented yet")


def ring_eigenvalues(n, k, m):
    """Squared angular frequencies of n masses on a ring (periodic chain), ascending.

    Build the circulant Hessian (each mass has two springs; mass 0 is joined to mass n-1)
    and diagonalise it.

    Args:
        n: number of masses, >= 3.
        k: spring constant, kcal/mol/Å².
        m: mass, amu.

    Returns:
        ω², shape (n,), float64, kcal/mol/Å²/amu, ascending.
    """
    # HINT: In a ring the last mass is joined to the first: every mass has two springs, and the
    # coupling wraps around.
    # HINT: Chapter 6, "Mode shapes are standing waves"; jnp.roll(jnp.eye(n), 1, axis=1) is the
    # shift to the next neighbour.
    # HINT: shift = jnp.roll(jnp.eye(n), 1, axis=1); K = k * (2 * jnp.eye(n) - shift - ...)
    raise NotImplementedError("ex06: ring_eigenvalues not implemented yet")


def dispersion(q, k, m, a):
    r"""ω(q) = 2 sqrt(k/m) |sin(q a / 2)| of the monatomic chain.

    Args:
        q: wavevectors, any shape, 1/Å.
        k: spring constant, kcal/mol/Å².
        m: mass, amu.
        a: spacing, Å.

    Returns:
        ω, same shape as q, float64, sqrt(kcal/mol/Å²/amu).
    """
    # HINT: Insert a plane wave into the equation of motion of the infinite chain: ω(q) = 2
    # sqrt(k/m) |sin(q a / 2)|.
    # HINT: Chapter 6, "Autodiff Hessian vs the dispersion relation"; jnp.abs and jnp.sin,
    # elementwise over q.
    # HINT: 2.0 * jnp.sqrt(k / m) * jnp.abs(...)
    raise NotImplementedError("ex06: dispersion not implemented yet")


def group_velocity(q, k, m, a):
    """Group velocity dω/dq of :func:`dispersion`, by autodiff, for many q at once.

    Args:
        q: wavevectors, shape (Q,), 1/Å, in (0, π/a).
        k: spring constant, kcal/mol/Å².
        m: mass, amu.
        a: spacing, Å.

    Returns:
        dω/dq, shape (Q,), float64, Å · sqrt(kcal/mol/Å²/amu).
    """
    # HINT: The group velocity is dω/dq at every q: differentiate the dispersion of one q, then map
    # over the array of q.
    # HINT: Chapter 2 (grad and vmap): jax.grad of dispersion, then jax.vmap with in_axes=(0, None,
    # None, None); q must be a float array.
    # HINT: jax.vmap(jax.grad(dispersion), in_axes=(0, None, None, None))(...)
    raise NotImplementedError("ex06: group_velocity not implemented yet")
