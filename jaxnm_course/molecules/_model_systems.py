r"""Model systems: the harmonic chain and the Lennard-Jones clusters (private).

Re-exported by :mod:`jaxnm_course.molecules`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from types import MappingProxyType

import jax
import jax.numpy as jnp
import numpy as np

from .. import _validate
from .._validate import public
from ..potentials import harmonic, lennard_jones, linear_angle, pair_energy
from ..precision import require_x64
from ._molecule import Molecule, _count, _index_array, _nonnegative, _positive, _valence_molecule

# Public, documented in jaxnm_course.molecules (LJ_MINIMUM_ENERGIES).
LJ_MINIMUM_ENERGIES: Mapping[int, float] = MappingProxyType(
    {2: -1.0, 3: -3.0, 4: -6.0, 7: -16.505384, 13: -44.326801}
)


# --- model systems --------------------------------------------------------------------------


@public
def harmonic_chain(
    n: int = 10,
    *,
    k: float = 1.0,
    a: float = 1.0,
    mass: float = 1.0,
    k_bend: float = 0.0,
) -> Molecule:
    r"""A linear chain of n equal particles with nearest-neighbour springs (free ends).

    .. math:: E = \sum_{i=0}^{n-2} \frac{k}{2} (|r_{i+1} - r_i| - a)^2
              + \sum_{i=1}^{n-2} k_{bend} (1 + \cos\theta_i)

    Along the chain (x) the Hessian block is k times the path-graph Laplacian, so the
    longitudinal modes are

    .. math:: \omega_j^2 = \frac{2k}{m}\left(1 - \cos\frac{\pi j}{n}\right),
              \quad j = 0, \dots, n-1,

    with j = 0 the translation. Without bends (``k_bend=0``) the transverse directions
    have no stiffness at all at the straight geometry (2n zero eigenvalues, a classic
    lesson); ``k_bend > 0`` adds :func:`jaxnm_course.potentials.linear_angle` bends at
    the interior atoms so that only the 5 rigid-body modes of a line are zero.

    Args:
        n: number of particles, >= 2.
        k: spring constant, kcal/mol/Å².
        a: rest length and spacing, Å.
        mass: particle mass, amu.
        k_bend: bending constant of each interior angle, kcal/mol (0: no bends).

    Returns:
        :class:`Molecule` of ``"X"`` particles on the x axis at x = a i; linear.

    Reference: N. W. Ashcroft, N. D. Mermin, *Solid State Physics* (1976), ch. 22 (the
    monatomic chain); the free-end spectrum is that of the path graph, e.g. F. R. K.
    Chung, *Spectral Graph Theory* (1997).
    """
    n = _count(n, "n", 2)
    k = _positive(k, "k")
    a = _positive(a, "a")
    mass = _positive(mass, "mass")
    k_bend = _nonnegative(k_bend, "k_bend")
    R = np.zeros((n, 3))
    R[:, 0] = a * np.arange(n)
    angles = [(i - 1, i, i + 1) for i in range(1, n - 1)] if k_bend > 0 else []
    return _valence_molecule(
        name=f"harmonic chain (n={n})",
        symbols=("X",) * n,
        R=R,
        bonds=[(i, i + 1) for i in range(n - 1)],
        bond_term=harmonic(k, a),
        angles=angles,
        angle_term=linear_angle(k_bend) if angles else None,
        linear=True,
        reference="Model system (monatomic chain with free ends).",
        parameters={"k": k, "a": a, "mass": mass, "k_bend": k_bend},
        masses=np.full(n, mass),
    )


def _reduced_lj_energy(R: jnp.ndarray) -> jnp.ndarray:
    """LJ energy in reduced units (ε = σ = 1) of all pairs of R (N static)."""
    return pair_energy(lennard_jones(1.0, 1.0), int(R.shape[0]))(R)


def _lj_start(n: int) -> np.ndarray:
    """Symmetric starting geometry (reduced units) near the LJ_n global minimum."""
    r_m = 2.0 ** (1.0 / 6.0)
    if n == 2:
        return np.array([[-0.5, 0.0, 0.0], [0.5, 0.0, 0.0]]) * r_m
    if n == 3:
        ang = 2.0 * np.pi * np.arange(3) / 3.0
        return r_m / math.sqrt(3.0) * np.stack([np.cos(ang), np.sin(ang), 0.0 * ang], axis=1)
    if n == 4:
        corners = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=np.float64)
        return corners * r_m / (2.0 * math.sqrt(2.0))
    if n == 7:
        rho = r_m / (2.0 * math.sin(math.pi / 5.0))  # ring of 5 at neighbour distance r_m
        h = math.sqrt(r_m * r_m - rho * rho)  # apices at distance r_m from the ring
        ang = 2.0 * np.pi * np.arange(5) / 5.0
        ring = np.stack([rho * np.cos(ang), rho * np.sin(ang), 0.0 * ang], axis=1)
        return np.vstack([ring, [[0.0, 0.0, h], [0.0, 0.0, -h]]])
    # n == 13: centre + the 12 vertices (0, ±1, ±φ) and cyclic permutations.
    phi = (1.0 + math.sqrt(5.0)) / 2.0
    vertices = []
    for s1 in (1.0, -1.0):
        for s2 in (1.0, -1.0):
            vertices += [[0.0, s1, s2 * phi], [s1, s2 * phi, 0.0], [s2 * phi, 0.0, s1]]
    vertices = np.array(vertices) / math.sqrt(1.0 + phi * phi)  # unit circumradius
    return np.vstack([np.zeros((1, 3)), 0.96 * r_m * vertices])


@functools.cache
def _lj_minimum_reduced(n: int) -> np.ndarray:
    """LJ_n minimum in reduced units, by Newton's method from a symmetric start.

    The start has the full point-group symmetry of the minimum, and so has the gradient;
    the Newton step H⁺ g (pseudo-inverse, which ignores the six zero modes) keeps it, so
    the iteration only adjusts the few symmetric size parameters and converges
    quadratically.
    """
    grad = jax.jit(jax.grad(_reduced_lj_energy))

    @jax.jit
    def newton_step(R: jnp.ndarray) -> jnp.ndarray:
        g = jax.grad(_reduced_lj_energy)(R).reshape(-1)
        H = jax.hessian(_reduced_lj_energy)(R).reshape(g.size, g.size)
        step = jnp.linalg.lstsq(H, -g, rcond=1e-10)[0]
        return R + step.reshape(R.shape)

    R = jnp.asarray(_lj_start(n), dtype=jnp.float64)
    for _ in range(50):
        if float(jnp.max(jnp.abs(grad(R)))) < 1e-13:
            break
        R = newton_step(R)
    gmax = float(jnp.max(jnp.abs(grad(R))))
    if gmax > 1e-10:  # pragma: no cover (would be a bug, not a user error)
        raise RuntimeError(f"lj_cluster: Newton relaxation of LJ{n} stalled at max|g| = {gmax}.")
    out = np.asarray(R - jnp.mean(R, axis=0))
    out.flags.writeable = False
    return out


@public
def lj_cluster(
    n: int = 13,
    *,
    epsilon: float = 1.0,
    sigma: float = 1.0,
    mass: float = 1.0,
) -> Molecule:
    r"""The global-minimum Lennard-Jones cluster LJ_n for n in {2, 3, 4, 7, 13}.

    .. math:: E = \sum_{i<j} 4\varepsilon\left[\left(\frac{\sigma}{r_{ij}}\right)^{12}
              - \left(\frac{\sigma}{r_{ij}}\right)^{6}\right]

    Structures: dimer at r = 2^{1/6} σ (n = 2, linear), equilateral triangle (3), regular
    tetrahedron (4) — every pair at 2^{1/6} σ, E = -1, -3, -6 ε exactly — pentagonal
    bipyramid (7, E = -16.505384 ε) and Mackay icosahedron (13, a centre and 12 vertices,
    E = -44.326801 ε). The last two are relaxed in pure JAX by Newton's method (the
    autodiff Hessian, pseudo-inverted) from a symmetric start until max |∇E| < 1e-10 ε/σ
    (computed once per n in reduced units and cached; the geometry scales with σ). The
    centroid is at the origin. The 33 vibrations of LJ13 fall into the Ih irreducible
    representations A_g + G_g + 2 H_g + 2 T_1u + T_2u + G_u + H_u (degeneracies 1, 3, 4, 5).

    Args:
        n: number of atoms, one of 2, 3, 4, 7, 13.
        epsilon: well depth ε, kcal/mol.
        sigma: σ, Å.
        mass: particle mass, amu.

    Returns:
        :class:`Molecule` of ``"X"`` particles; ``parameters`` holds ε, σ, mass and the
        reference energy ``E_min`` (kcal/mol, :data:`LJ_MINIMUM_ENERGIES` times ε).

    Raises:
        ValueError: unsupported n, or non-positive parameters.

    Reference: D. J. Wales, J. P. K. Doye, "Global optimization by basin-hopping and the
    lowest energy structures of Lennard-Jones clusters containing up to 110 atoms",
    J. Phys. Chem. A 101, 5111 (1997); the Cambridge Cluster Database.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n not in LJ_MINIMUM_ENERGIES:
        raise ValueError(
            f"n = {n!r} is not supported; choose one of "
            f"{sorted(LJ_MINIMUM_ENERGIES)} (global minima with known structure)."
        )
    n = int(n)
    # Before the (cached) relaxation, which would otherwise run in float32 with a warning.
    require_x64("lj_cluster")
    epsilon = _positive(epsilon, "epsilon")
    sigma = _positive(sigma, "sigma")
    mass = _positive(mass, "mass")
    R = _validate.as_positions(sigma * _lj_minimum_reduced(n))
    return Molecule(
        name=f"LJ{n}",
        symbols=("X",) * n,
        masses=_validate.as_masses(np.full(n, mass), n),
        R=R,
        energy=jax.jit(pair_energy(lennard_jones(epsilon, sigma), n)),
        bonds=_index_array([], 2),
        angles=_index_array([], 3),
        linear=n == 2,
        reference=(
            "Lennard-Jones global minima: D. J. Wales, J. P. K. Doye, J. Phys. Chem. A 101, "
            "5111 (1997); Cambridge Cluster Database."
        ),
        parameters={
            "epsilon": epsilon,
            "sigma": sigma,
            "mass": mass,
            "E_min": LJ_MINIMUM_ENERGIES[n] * epsilon,
        },
    )
