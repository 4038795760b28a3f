r"""Elastic network models of proteins: the anisotropic (ANM) and Gaussian (GNM) network models.

An elastic network model replaces a protein by its Cα atoms (one node per residue) joined
by Hookean springs between every pair closer than a cutoff, each spring at rest in the
given structure R0. The ANM potential is

.. math:: E(R) = \sum_{(i,j),\ r^0_{ij} \le r_c} \frac{\gamma_{ij}}{2}
          \left(|r_j - r_i| - r^0_{ij}\right)^2,

whose Hessian at R0 has the off-diagonal 3x3 "super-elements"

.. math:: H_{ij} = -\gamma_{ij} \frac{d_{ij} d_{ij}^T}{|d_{ij}|^2},
          \qquad d_{ij} = r^0_j - r^0_i,

and diagonal blocks H_ii = -Σ_j H_ij (every row of H sums to zero: a translation costs no
energy). Reference: A. R. Atilgan, S. R. Durell, R. L. Jernigan, M. C. Demirel, O. Keskin,
I. Bahar, "Anisotropy of fluctuation dynamics of proteins with an elastic network model",
Biophys. J. 80, 505 (2001).

The GNM keeps only the topology: its N x N Kirchhoff (graph Laplacian) matrix has
Γ_ij = -γ_ij for contacts and Γ_ii = Σ_j γ_ij. Reference: I. Bahar, A. R. Atilgan, B. Erman,
"Direct evaluation of thermal fluctuations in proteins using a single-parameter harmonic
potential", Fold. Des. 2, 173 (1997).

How the pieces fit (blocks are the common currency):

* :func:`contact_pairs` (NumPy/SciPy, outside jit: it fixes the shapes) lists the springs
  as index pairs (P, 2) with a KD-tree, in O(N) memory;
* :func:`anm_super_elements` (analytic, vectorised) or :func:`anm_blocks_autodiff`
  (``jax.hessian`` of one spring, vmapped over the springs) give the (P, 3, 3) blocks;
* :func:`assemble_hessian` scatters blocks into a dense matrix (the sparse twin is
  :func:`jaxnm_course.sparse.assemble_sparse`); :func:`anm_hessian` and
  :func:`gnm_kirchhoff` do all three steps;
* :func:`anm` and :func:`gnm` run the same steps (the builders of
  :mod:`jaxnm_course.network`, dense or sparse by size) and hand the matrix to the one
  solve (:func:`jaxnm_course.modes.solve_modes`), which returns the lowest modes as a
  :class:`~jaxnm_course.Modes` with the rigid-body zero modes removed exactly (not by an
  eigenvalue threshold).

Spring constants ``gamma``: a number (kcal/mol/Å²), an array with one value per pair, or a
function γ(r) of the reference distance in Å (JAX-traceable, vectorised), such as
:func:`parameter_free_gamma` (pfANM) or :func:`hinsen_gamma` (Hinsen's Cα force field).
With unit masses (the default) the eigenvalues are in kcal/mol/Å², i.e. in units of γ;
with residue masses (``masses=residue_masses(structure.resnames)``) they are squared
angular frequencies in kcal/mol/Å²/amu and ``frequencies`` are meaningful wavenumbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from . import _validate, network, solvers
from ._validate import public
from .geometry import LINEAR_TOL, rigid_body_modes, safe_norm
from .modes import Modes, solve_modes
from .network import (
    HINSEN_BREAK,
    DisconnectedNetworkError,
    Gamma,
    connected_components,
    contact_pairs,
    hinsen_gamma,
    parameter_free_gamma,
)

__all__ = [
    "HINSEN_BREAK",
    "SOLVERS",
    "DisconnectedNetworkError",
    "Gamma",
    "anm",
    "anm_blocks_autodiff",
    "anm_energy",
    "anm_hessian",
    "anm_super_elements",
    "assemble_hessian",
    "connected_components",
    "contact_pairs",
    "gnm",
    "gnm_kirchhoff",
    "hinsen_gamma",
    "parameter_free_gamma",
]

#: Eigensolvers known to :func:`anm` and :func:`gnm` (``"auto"`` picks one of them by size,
#: see :func:`jaxnm_course.solvers.choose_method`).
SOLVERS = solvers.METHODS


# --------------------------------------------------------------------------------------
# The network of a structure: checked once, then built by jaxnm_course.network
# --------------------------------------------------------------------------------------


class _Springs(NamedTuple):
    """A checked network: coordinates, real pairs, padded pairs and their constants."""

    R: jnp.ndarray  # (N, 3), float64, validated
    pairs: np.ndarray  # (P, 2), the real springs
    padded: np.ndarray  # (bucket_size(P), 2): pairs, then (0, 1) with k = 0
    k: jnp.ndarray  # (bucket_size(P),) spring constants, 0 on the padding


def _check_method(method: Any) -> str:
    if method not in network.BLOCKS:
        raise ValueError(f"`method` must be 'analytic' or 'autodiff', got {method!r}.")
    return method


def _check_solver(solver: Any) -> str:
    if solver not in SOLVERS:
        raise ValueError(f"`solver` must be one of {sorted(SOLVERS)}, got {solver!r}.")
    return solver


def _reject_pair_arrays(gamma: Any) -> None:
    """Whole-structure functions pick the pairs themselves: γ must be a number or γ(r)."""
    if not callable(gamma) and np.ndim(gamma) != 0:
        raise ValueError(
            "`gamma` must be a number or a function γ(r) here (the pairs are chosen inside "
            "from the cutoff, so per-pair arrays cannot be matched to them); for per-pair "
            "constants build the blocks with anm_super_elements(R, pairs, gamma) and "
            "assemble_hessian."
        )


def _springs(R: Any, cutoff: Any, gamma: Gamma) -> _Springs:
    """Check R, cutoff and γ once; contacts (KD-tree), padded to a bucket, and constants.

    Contact lists differ in length from one structure to the next; padding them lets the
    jitted kernels compile once per bucket instead of once per contact count. The
    padding springs have γ = 0, so their blocks are exactly zero.
    """
    R = _validate.as_positions(R)
    cutoff = _validate.as_cutoff(cutoff)
    _reject_pair_arrays(gamma)
    pairs = network.find_contacts(np.asarray(R), cutoff)
    if R.shape[0] < 2:
        return _Springs(R, pairs, pairs, jnp.zeros((0,), dtype=R.dtype))
    padded = network.pad_pairs(pairs)
    k = network.spring_constants(gamma, network.pair_distances(R, padded), len(pairs))
    return _Springs(R, pairs, padded, k)


def _anm_hessian(net: _Springs, method: str, sparse: bool) -> Any:
    """The ANM Hessian of a checked network (dense JAX or CSR): :func:`network.anm_hessian`."""
    return network.anm_hessian(
        net.R, net.padded, net.k, method=method, sparse=sparse, n_valid=len(net.pairs)
    )


def _kirchhoff(net: _Springs, sparse: bool) -> Any:
    """The Kirchhoff matrix of a checked network: :func:`network.kirchhoff`."""
    return network.kirchhoff(
        net.R.shape[0], net.padded, net.k, sparse=sparse, n_valid=len(net.pairs)
    )


# --------------------------------------------------------------------------------------
# Blocks and matrices (public: checked here, built by jaxnm_course.network)
# --------------------------------------------------------------------------------------


def _blocks(kernel: Callable[..., jnp.ndarray], R: Any, pairs: Any, gamma: Gamma) -> jnp.ndarray:
    R = _validate.as_positions(R)
    p = network.check_pairs(pairs, R.shape[0])
    k = network.spring_constants(gamma, network.pair_distances(R, p))
    if len(p) == 0:
        return jnp.zeros((0, 3, 3), dtype=R.dtype)
    return kernel(R, p, k)


@public
def anm_super_elements(R: ArrayLike, pairs: ArrayLike, gamma: Gamma = 1.0) -> jnp.ndarray:
    r"""Off-diagonal ANM Hessian blocks, analytic and vectorised over the springs.

    .. math:: H_{ij} = -\gamma_{ij}\, \frac{d\, d^T}{|d|^2}, \qquad d = r_j - r_i

    Args:
        R: reference coordinates, shape (N, 3), Å.
        pairs: springs (i, j), integer array of shape (P, 2) (e.g. :func:`contact_pairs`).
        gamma: spring constant(s): a number, an array of shape (P,), or a function γ(r) of
            the reference distance (Å -> kcal/mol/Å²).

    Returns:
        H_ij, shape (P, 3, 3), kcal/mol/Å² (symmetric blocks; H_ji = H_ij).

    Reference: Atilgan et al., Biophys. J. 80, 505 (2001), eq. 2.
    """
    return _blocks(network.anm_blocks, R, pairs, gamma)


@public
def anm_blocks_autodiff(R: ArrayLike, pairs: ArrayLike, gamma: Gamma = 1.0) -> jnp.ndarray:
    r"""Off-diagonal ANM Hessian blocks by automatic differentiation, one spring at a time.

    For each spring, ``jax.hessian`` of the 6-coordinate energy
    E(r_i, r_j) = γ/2 (|r_j - r_i| - r0)² at the reference (r0 = |r⁰_j - r⁰_i|) gives a
    6 x 6 matrix whose upper-right 3 x 3 block is H_ij; ``jax.vmap`` runs it over all P
    springs at once. Cost and memory are O(P), unlike the whole-system Hessian of
    :func:`anm_energy` (O(N²) memory, out of memory near N = 1000): this is the scalable
    autodiff path, and it agrees with :func:`anm_super_elements` to rounding.

    Args:
        R: reference coordinates, shape (N, 3), Å.
        pairs: springs (i, j), integer array of shape (P, 2).
        gamma: a number, an array of shape (P,), or a function γ(r) (evaluated at the
            reference distances and held fixed).

    Returns:
        H_ij, shape (P, 3, 3), kcal/mol/Å².
    """
    return _blocks(network.anm_blocks_autodiff, R, pairs, gamma)


@public
def assemble_hessian(n_atoms: int, pairs: ArrayLike, blocks: ArrayLike) -> jnp.ndarray:
    r"""Dense Hessian from off-diagonal blocks; diagonal blocks make every row sum to zero.

    .. math:: H_{ij} = B_p,\quad H_{ji} = B_p^T \ \text{for pair } p = (i, j); \qquad
              H_{ii} = -\sum_{j \ne i} H_{ij}

    Works for any block size d: 3 x 3 ANM super-elements give the (3N, 3N) Hessian, and
    1 x 1 blocks (-γ_ij) give the (N, N) GNM Kirchhoff matrix. Each pair may appear once
    (a repeated pair is refused: its spring would count twice).

    Args:
        n_atoms: N.
        pairs: springs (i, j), integer array of shape (P, 2).
        blocks: off-diagonal blocks H_ij, shape (P, d, d), kcal/mol/Å².

    Returns:
        H, shape (d N, d N), atom-major rows (x1, y1, z1, x2, ... for d = 3).
    """
    n = network.as_count(n_atoms, "n_atoms")
    p = network.check_pairs(pairs, n)
    B = _validate.as_float64(blocks, "blocks")
    if B.ndim != 3 or B.shape[1] != B.shape[2] or B.shape[0] != len(p):
        raise ValueError(
            f"`blocks` must have shape ({len(p)}, d, d), one square block per pair, got "
            f"shape {tuple(B.shape)}."
        )
    _validate._check_finite(B, "blocks")
    return network.assemble_dense(n, p[:, 0], p[:, 1], B)


@public
def anm_hessian(
    R: ArrayLike,
    cutoff: float | None = 15.0,
    gamma: Gamma = 1.0,
    *,
    method: str = "analytic",
    sparse: bool = False,
) -> Any:
    """The ANM Hessian of a structure (dense).

    Contacts by :func:`contact_pairs`, blocks by :func:`anm_super_elements`
    (``method="analytic"``) or :func:`anm_blocks_autodiff` (``method="autodiff"``), put
    together by :func:`assemble_hessian`. Both methods agree to ~1e-15 relative.

    Args:
        R: reference coordinates, shape (N, 3), Å.
        cutoff: contact cutoff in Å (ProDy's default 15 Å), or None for all pairs.
        gamma: a number, or a function γ(r) of the reference distance (kcal/mol/Å²).
        method: "analytic" or "autodiff".
        sparse: return a ``scipy.sparse.csr_array`` (never dense; what :func:`anm` uses
            above :data:`jaxnm_course.solvers.DENSE_MAX_DOF` rows) instead of a JAX array.

    Returns:
        H, shape (3N, 3N), kcal/mol/Å², symmetric, rows summing to zero.
    """
    net = _springs(R, cutoff, gamma)
    return _anm_hessian(net, _check_method(method), bool(sparse))


@public
def anm_energy(
    R0: ArrayLike, cutoff: float | None = 15.0, gamma: Gamma = 1.0
) -> Callable[[ArrayLike], jnp.ndarray]:
    r"""The ANM potential energy as a function, with the springs of R0 held fixed.

    .. math:: E(R) = \sum_{(i,j)} \frac{\gamma_{ij}}{2}\left(|r_j - r_i| - r^0_{ij}\right)^2

    The contact list and rest lengths r⁰_ij come from R0 and do not change when R moves
    (springs neither break nor form). ``jax.hessian(energy)(R0)`` reshaped to (3N, 3N)
    equals :func:`anm_hessian` (R0, cutoff, gamma): the naive route, fine for a lesson but
    O(N²) memory (≈ 1 GB at N = 300). At any other structure R the Hessian differs by the
    tension term γ (1 - r⁰/r)(1 - e eᵀ) of each stretched spring (e = d/|d|): it has only
    3 zero modes (rotations cost energy against stretched springs) and can have negative
    eigenvalues. The ANM Hessian is defined at the reference structure only.

    Args:
        R0: reference coordinates, shape (N, 3), Å.
        cutoff: contact cutoff in Å, or None for all pairs.
        gamma: a number, or a function γ(r) evaluated at the reference distances.

    Returns:
        ``energy(R)``: R of shape (N, 3) in Å -> scalar in kcal/mol; jit-, grad- and
        hessian-able.
    """
    R0 = _validate.as_positions(R0)
    cutoff = _validate.as_cutoff(cutoff)
    _reject_pair_arrays(gamma)
    pairs = network.find_contacts(np.asarray(R0), cutoff)
    i, j = jnp.asarray(pairs[:, 0]), jnp.asarray(pairs[:, 1])
    r0 = safe_norm(R0[j] - R0[i])
    g = network.spring_constants(gamma, r0)

    def energy(R: ArrayLike) -> jnp.ndarray:
        R = jnp.asarray(R)
        return 0.5 * jnp.sum(g * (safe_norm(R[j] - R[i]) - r0) ** 2)

    return energy


@public
def gnm_kirchhoff(R: ArrayLike, cutoff: float | None = 10.0, gamma: Gamma = 1.0) -> jnp.ndarray:
    r"""The GNM Kirchhoff (connectivity, graph Laplacian) matrix.

    .. math:: \Gamma_{ij} = -\gamma_{ij}\ (r_{ij} \le r_c,\ i \ne j), \qquad
              \Gamma_{ii} = \sum_{j \ne i} \gamma_{ij}

    Args:
        R: coordinates, shape (N, 3), Å.
        cutoff: contact cutoff in Å (ProDy's default 10 Å), or None for all pairs.
        gamma: a number, or a function γ(r) of the distance (kcal/mol/Å²).

    Returns:
        Γ, shape (N, N), in units of γ, symmetric, rows summing to zero.

    Reference: Bahar, Atilgan, Erman, Fold. Des. 2, 173 (1997).
    """
    return _kirchhoff(_springs(R, cutoff, gamma), sparse=False)


# --------------------------------------------------------------------------------------
# Models: check once, build, hand the matrix to the one solve
# --------------------------------------------------------------------------------------


def _component_rigid_modes(
    R: jnp.ndarray, masses: jnp.ndarray, labels: np.ndarray, n_comp: int, linear_tol: float
) -> jnp.ndarray:
    """Orthonormal rigid-body motions of each component, stacked: (3N, Σ n_rigid_c)."""
    if n_comp == 1:
        return rigid_body_modes(R, masses, linear_tol)
    n = R.shape[0]
    columns = []
    for c in range(n_comp):
        idx = np.flatnonzero(labels == c)
        Dc = rigid_body_modes(R[idx], masses[idx], linear_tol)
        rows = (3 * idx[:, None] + np.arange(3)).reshape(-1)
        columns.append(jnp.zeros((3 * n, Dc.shape[1]), dtype=Dc.dtype).at[rows].set(Dc))
    return jnp.concatenate(columns, axis=1)


@public
def anm(
    R: ArrayLike,
    cutoff: float | None = 15.0,
    gamma: Gamma = 1.0,
    n_modes: int | None = 20,
    *,
    masses: ArrayLike | None = None,
    solver: str = "auto",
    allow_disconnected: bool = False,
    linear_tol: float = LINEAR_TOL,
    method: str = "analytic",
) -> Modes:
    r"""Anisotropic network model: the lowest normal modes of a protein's elastic network.

    Builds the ANM Hessian (see :func:`anm_hessian`), mass-weights it (unit masses by
    default, the plain ENM convention), removes the rigid-body motions exactly (6, or 5
    for a collinear structure, from :func:`jaxnm_course.geometry.rigid_body_modes`) and
    returns the lowest internal modes, solving

    .. math:: P H_{mw} P\, l_k = \lambda_k l_k, \qquad P = 1 - D D^T .

    A network that is connected but not rigid (an atom with fewer than three springs, a
    straight chain) has extra zero-frequency internal modes; they are kept in the
    spectrum as λ ≈ 0, not hidden.

    Args:
        R: reference coordinates (e.g. ``load_structure("1UBI").R``), shape (N, 3), Å.
        cutoff: contact cutoff in Å (ProDy's default 15 Å), or None for all pairs.
        gamma: a number (kcal/mol/Å²), or a function γ(r) of the reference distance such
            as :func:`parameter_free_gamma` or :func:`hinsen_gamma`.
        n_modes: number of lowest internal modes to return (ProDy's default 20), or None
            for all 3N - n_rigid.
        masses: residue masses, shape (N,), amu (e.g.
            ``residue_masses(structure.resnames)``); None for unit masses, when the
            eigenvalues are in units of γ.
        solver: eigensolver: "dense" (``jnp.linalg.eigh`` of the whole matrix: O((3N)³)
            time, O((3N)²) memory), or, keeping H sparse (CSR, never dense), "eigsh"
            (ARPACK shift-invert), "lanczos" (ARPACK, products only) or "lobpcg" (see
            :mod:`jaxnm_course.solvers`). "auto" picks by size
            (:func:`jaxnm_course.solvers.choose_method`): dense up to 3N = 1,500,
            Lanczos above.
        allow_disconnected: if True, a network in several pieces is accepted and the
            rigid-body motions of *each* piece are removed and counted in ``n_rigid``
            (6 per piece, 5 for a collinear one, 3 for a lone atom). If False (default) it
            raises :class:`DisconnectedNetworkError`.
        linear_tol: relative threshold on the principal moments of inertia below which a
            structure (or piece) counts as collinear.
        method: the 3×3 blocks: "analytic" (:func:`anm_super_elements`) or "autodiff"
            (:func:`anm_blocks_autodiff`, per-spring ``jax.hessian``); both scale as O(P).

    Returns:
        :class:`~jaxnm_course.Modes` with ascending eigenvalues (kcal/mol/Å², or
        kcal/mol/Å²/amu with masses), ``vectors`` of shape (3N, M) and ``n_rigid``.

    Raises:
        PrecisionError: x64 is off, or R is float32.
        DisconnectedNetworkError: the contact graph has several components.
        ValueError: bad shapes, NaN, overlapping atoms, cutoff <= 0, negative spring
            constants, n_modes out of range, unknown solver.

    Reference: Atilgan et al., Biophys. J. 80, 505 (2001).
    """
    _check_method(method)
    _check_solver(solver)
    net = _springs(R, cutoff, gamma)
    n = net.R.shape[0]
    m = None if masses is None else _validate.as_masses(masses, n)
    n_comp, labels = network.connectivity(
        np.asarray(net.R), net.pairs, net.k[: len(net.pairs)], cutoff, allow_disconnected, "ANM"
    )
    unit = jnp.ones(n, dtype=net.R.dtype)
    D = _component_rigid_modes(net.R, unit if m is None else m, labels, n_comp, linear_tol)
    count = _validate.as_n_modes(n_modes, 3 * n - int(D.shape[1]))
    method_run = solvers.choose_method(3 * n) if solver == "auto" else solver
    H = _anm_hessian(net, method, sparse=method_run != "dense")
    return solve_modes(H, m, D, count, method=method_run, dim=3)


@public
def gnm(
    R: ArrayLike,
    cutoff: float | None = 10.0,
    gamma: Gamma = 1.0,
    n_modes: int | None = 20,
    *,
    solver: str = "auto",
    allow_disconnected: bool = False,
) -> Modes:
    r"""Gaussian network model: the lowest modes of the Kirchhoff matrix.

    Diagonalises Γ (see :func:`gnm_kirchhoff`) with its one zero mode (the uniform
    vector 1/√N, the GNM's only "rigid-body" motion) removed exactly:

    .. math:: \Gamma\, u_k = \lambda_k u_k, \qquad u_k \perp (1, \dots, 1).

    The GNM is isotropic: every mode moves all three coordinates of a residue alike, so
    vectors have one entry per residue.

    Args:
        R: coordinates, shape (N, 3), Å.
        cutoff: contact cutoff in Å (ProDy's default 10 Å), or None for all pairs.
        gamma: a number (kcal/mol/Å²), or a function γ(r) of the distance.
        n_modes: number of lowest nonzero modes (ProDy's default 20), or None for N - 1.
        solver: "auto" (by size, as for :func:`anm` with N rows), "dense", "eigsh",
            "lanczos" or "lobpcg" (the last three keep Γ sparse).
        allow_disconnected: if True, accept a network in several pieces and remove one
            zero mode per piece (counted in ``n_rigid``); otherwise raise
            :class:`DisconnectedNetworkError`.

    Returns:
        :class:`~jaxnm_course.Modes` with ascending ``eigenvalues`` (units of γ),
        ``vectors`` and ``mw_vectors`` of shape (N, M) (identical: unit masses),
        ``masses`` all ones, ``n_rigid`` = 1 (number of pieces when disconnected),
        ``dim`` = 1, and ``frequencies`` None (the GNM has no time scale).

    Raises:
        PrecisionError: x64 is off, or R is float32.
        DisconnectedNetworkError: the contact graph has several components.
        ValueError: bad shapes, NaN, overlapping atoms, cutoff <= 0, negative spring
            constants, n_modes out of range, unknown solver.

    Reference: Bahar, Atilgan, Erman, Fold. Des. 2, 173 (1997).
    """
    _check_solver(solver)
    net = _springs(R, cutoff, gamma)
    n = net.R.shape[0]
    n_comp, labels = network.connectivity(
        np.asarray(net.R), net.pairs, net.k[: len(net.pairs)], cutoff, allow_disconnected, "GNM"
    )
    indicator = (labels[:, None] == np.arange(n_comp)[None, :]).astype(np.float64)
    D = jnp.asarray(indicator / np.sqrt(indicator.sum(axis=0)))
    count = _validate.as_n_modes(n_modes, n - n_comp)
    method_run = solvers.choose_method(n) if solver == "auto" else solver
    K = _kirchhoff(net, sparse=method_run != "dense")
    return solve_modes(K, None, D, count, method=method_run, dim=1)
