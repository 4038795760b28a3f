r"""Exercise set 10: gradients through ``eigh``.

``jnp.linalg.eigh`` has a derivative rule, so JAX differentiates any number computed from
eigenvalues and eigenvectors. For a symmetric H with a *simple* eigenvalue λ_i and unit
eigenvector v_i, first-order perturbation theory (Hellmann–Feynman) gives

.. math:: d\lambda_i = v_i^T\, dH\, v_i, \qquad
          \frac{\partial \lambda_i}{\partial H} = v_i v_i^T .

``jnp.linalg.eigh(H)`` returns the eigenvalues ascending and the eigenvectors as the
*columns* of its second output: v_i is ``V[:, i]``, not ``V[i]``.

Two things break the naive route. (1) A *degenerate* eigenvalue (multiplicity d) has no
unique eigenvectors: ``eigh`` returns an arbitrary orthonormal basis V_c of the eigenspace,
v_iᵀ dH v_i depends on that choice, and the derivatives of the d eigenvalues are instead
the eigenvalues of the d × d matrix V_cᵀ dH V_c (degenerate perturbation theory). Gradients
of eigen*vectors* there contain 1/(λ_i - λ_j) and come out as inf or NaN. (2) *Zero modes*:
a Gaussian network's Kirchhoff matrix Γ has the uniform vector u = 1/√n as its zero mode,
and its fluctuations need the pseudo-inverse Γ⁺. Computing Γ⁺ from ``eigh`` with a
threshold on small eigenvalues is a discontinuous function; the identity

.. math:: \Gamma^+ = (\Gamma + u u^T)^{-1} - u u^T

(the zero mode is known exactly) is smooth, and its gradient is exact.

Run ``pytest exercises -m ex10``.
Reference: R. P. Feynman, Phys. Rev. 56, 340 (1939); M. Seeger et al., "Auto-differentiating
linear algebra", arXiv:1710.08717 (2017); I. Bahar, A. R. Atilgan, B. Erman, Fold. Des. 2,
173 (1997).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

__all__ = [
    "degenerate_eigenvalue_derivatives",
    "eigenvalue_derivative",
    "eigenvalue_gradient",
    "fluctuation_and_gradient",
]


def eigenvalue_derivative(H, dH, i):
    """The derivative of the i-th eigenvalue of H along dH: v_iᵀ dH v_i.

    Args:
        H: a symmetric matrix, shape (n, n), whose i-th eigenvalue (ascending) is simple.
        dH: a symmetric perturbation, shape (n, n).
        i: the eigenvalue's index, 0 <= i < n (ascending order, as ``eigh`` returns).

    Returns:
        dλ_i = d/dt λ_i(H + t dH) at t = 0, a float64 scalar.
    """
    # HINT: First-order perturbation theory: the eigenvector does not need to change to first
    # order; only the expectation value of dH in the eigenvector matters.
    # HINT: Chapter 10, "The sensitivity of a mode to each spring"; jnp.linalg.eigh(H) returns
    # (eigenvalues, V) with the eigenvectors as the columns of V.
    # HINT: v = V[:, i] (a column of V); the derivative is a quadratic form in v.
    # BEGIN SOLUTION
    H = jnp.asarray(H, dtype=jnp.float64)
    dH = jnp.asarray(dH, dtype=jnp.float64)
    _, V = jnp.linalg.eigh(H)
    v = V[:, i]
    return v @ dH @ v
    # END SOLUTION


def eigenvalue_gradient(H, i):
    """∂λ_i/∂H by automatic differentiation of ``jnp.linalg.eigvalsh``.

    Args:
        H: a symmetric matrix, shape (n, n), whose i-th eigenvalue is simple.
        i: the eigenvalue's index (ascending).

    Returns:
        The gradient, shape (n, n), float64 (it equals v_i v_iᵀ).
    """
    # HINT: Write λ_i as a function of the matrix and let JAX differentiate it.
    # HINT: Chapter 10, "The sensitivity of a mode to each spring": jax.grad of a function H ->
    # jnp.linalg.eigvalsh(H)[i].
    # HINT: jax.grad(lambda A: ...)(H), where the lambda returns one eigenvalue of A.
    # BEGIN SOLUTION
    H = jnp.asarray(H, dtype=jnp.float64)
    return jax.grad(lambda A: jnp.linalg.eigvalsh(A)[i])(H)
    # END SOLUTION


def degenerate_eigenvalue_derivatives(H, dH, first, count):
    """Derivatives along dH of a cluster of ``count`` equal eigenvalues of H.

    The eigenvalues first, ..., first + count - 1 (ascending) of H are equal (to rounding)
    and separated from the others. Along H + t dH they split; their derivatives at t = 0,
    in ascending order, are the eigenvalues of V_cᵀ dH V_c, V_c = the cluster's columns of
    ``eigh``'s eigenvectors (any orthonormal basis of the eigenspace gives the same answer).

    Args:
        H: a symmetric matrix, shape (n, n).
        dH: a symmetric perturbation, shape (n, n).
        first: index of the cluster's first eigenvalue (ascending order).
        count: its multiplicity d >= 1.

    Returns:
        The d derivatives, ascending, shape (d,), float64.
    """
    # HINT: Inside a degenerate eigenspace the "right" eigenvectors are those that diagonalise the
    # perturbation: solve a small eigenvalue problem in that space.
    # HINT: Chapter 10; take Vc = V[:, first:first + count] from jnp.linalg.eigh(H) and project dH
    # onto it (Vc.T @ dH @ Vc, shape (d, d)).
    # HINT: the answer is jnp.linalg.eigvalsh of a d × d matrix (not its diagonal).
    # BEGIN SOLUTION
    H = jnp.asarray(H, dtype=jnp.float64)
    dH = jnp.asarray(dH, dtype=jnp.float64)
    _, V = jnp.linalg.eigh(H)
    Vc = V[:, first : first + count]
    return jnp.linalg.eigvalsh(Vc.T @ dH @ Vc)
    # END SOLUTION


def fluctuation_and_gradient(n, pairs, k, j):
    r"""A B-factor-like fluctuation of a Gaussian network and its gradient in the springs.

    The Kirchhoff matrix of springs k_p between the pairs (a_p, b_p) is
    Γ = Σ_p k_p (e_a - e_b)(e_a - e_b)ᵀ; the fluctuation of node j (in units of k_B T) is
    f_j = [Γ⁺]_jj, with Γ⁺ = (Γ + u uᵀ)⁻¹ - u uᵀ, u = (1, …, 1)/√n (the network must be
    connected).

    Args:
        n: number of nodes.
        pairs: the springs, shape (P, 2), integer node indices.
        k: spring constants, shape (P,), > 0.
        j: the node, 0 <= j < n.

    Returns:
        (f_j, ∂f_j/∂k): a float64 scalar and an array of shape (P,), float64.
    """
    # HINT: Write f_j as a JAX function of k alone (build Γ, invert with the known zero mode added,
    # read the diagonal entry) and ask JAX for its value and gradient together.
    # HINT: Chapter 10, "Which springs would improve the B-factors?": jax.value_and_grad; Γ from k
    # with .at[].add on index arrays (chapter 3), then jnp.linalg.inv(Γ + uuᵀ).
    # HINT: G = jnp.zeros((n, n)).at[a, a].add(k).at[b, b].add(k).at[a, b].add(-k) .at[b,
    # a].add(-k) with a, b = pairs[:, 0], pairs[:, 1]; J = jnp.full((n, n), 1 / n).
    # BEGIN SOLUTION
    pairs = jnp.asarray(pairs)
    a, b = pairs[:, 0], pairs[:, 1]
    J = jnp.full((n, n), 1.0 / n)

    def f(k):
        G = jnp.zeros((n, n)).at[a, a].add(k).at[b, b].add(k)
        G = G.at[a, b].add(-k).at[b, a].add(-k)
        G_plus = jnp.linalg.inv(G + J) - J
        return G_plus[j, j]

    return jax.value_and_grad(f)(jnp.asarray(k, dtype=jnp.float64))
    # END SOLUTION
