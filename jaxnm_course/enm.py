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
* :func:`assemble_hessian` scatters blocks into a dense matrix (the sparse twin lives in
  ``jaxnm_course.sparse``); :func:`anm_hessian` and :func:`gnm_kirchhoff` do all three steps;
* :func:`anm` and :func:`gnm` return the lowest modes as a :class:`~jaxnm_course.Modes`,
  with the rigid-body zero modes removed exactly (not by an eigenvalue threshold).

Spring constants ``gamma``: a number (kcal/mol/Å²), an array with one value per pair, or a
function γ(r) of the reference distance in Å (JAX-traceable, vectorised), such as
:func:`parameter_free_gamma` (pfANM) or :func:`hinsen_gamma` (Hinsen's Cα force field).
With unit masses (the default) the eigenvalues are in kcal/mol/Å², i.e. in units of γ;
with residue masses (``masses=residue_masses(structure.resnames)``) they are squared
angular frequencies in kcal/mol/Å²/amu and ``frequencies`` are meaningful wavenumbers.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from . import _validate, solvers
from .geometry import LINEAR_TOL, rigid_body_modes, safe_norm
from .modes import Modes
from .precision import PrecisionError
from .units import KJ_PER_KCAL, eigenvalue_to_wavenumber

__all__ = [
    "HINSEN_BREAK",
    "SOLVERS",
    "DisconnectedNetworkError",
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

Gamma = float | ArrayLike | Callable[[jnp.ndarray], jnp.ndarray]

#: Distance (Å) at which Hinsen's Cα force constant switches from the linear (bonded
#: neighbours) to the r⁻⁶ (non-bonded) branch.
HINSEN_BREAK = 4.0

#: Eigensolvers known to :func:`anm` and :func:`gnm` (``"auto"`` picks one of them by size,
#: see :func:`jaxnm_course.solvers.choose_method`).
SOLVERS = ("auto", "dense", "eigsh", "lanczos", "lobpcg")


class DisconnectedNetworkError(ValueError):
    """The elastic network falls apart into pieces that move independently.

    Each extra piece adds its own rigid-body zero modes (6 for ANM, 1 for GNM), which are
    not vibrations of the protein; usually the cutoff is too small for the structure (or
    it has chain breaks far apart, or stray atoms).
    """


# --------------------------------------------------------------------------------------
# Input checks (NumPy, outside jit)
# --------------------------------------------------------------------------------------


def _positions(R: Any, function: str) -> jnp.ndarray:
    """Shape, dtype, finiteness and overlaps (KD-tree, O(N log N)) by ``_validate``."""
    return _validate.as_positions(R, function)


def _numpy_positions(R: Any, function: str) -> np.ndarray:
    """Coordinates for NumPy-only functions: (N, 3), real, finite (no x64 needed)."""
    try:
        R = np.asarray(R)
    except Exception as exc:
        raise TypeError(f"{function}: `R` could not be read as a numeric array ({exc}).") from exc
    if R.dtype.kind not in "biuf":
        raise TypeError(f"{function}: `R` has dtype {R.dtype}; pass real coordinates in Å.")
    if R.ndim != 2 or R.shape[-1] != 3 or R.shape[0] == 0:
        raise ValueError(
            f"{function}: `R` must have shape (N, 3) with N >= 1 atoms, got shape {R.shape}."
        )
    _validate._check_finite(R, "R", function)
    return R.astype(np.float64)


def _check_cutoff(cutoff: Any, function: str) -> float | None:
    if cutoff is None:
        return None
    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float | np.integer | np.floating):
        raise TypeError(
            f"{function}: `cutoff` must be a distance in Å (a number) or None for all pairs, "
            f"got {cutoff!r}."
        )
    cutoff = float(cutoff)
    if not np.isfinite(cutoff) or cutoff <= 0:
        raise ValueError(
            f"{function}: `cutoff` must be a positive, finite distance in Å (ANM typically "
            f"13-15 Å, GNM 7-10 Å), or None for all pairs; got {cutoff}."
        )
    return cutoff


def _check_pairs(pairs: Any, n_atoms: int, function: str) -> np.ndarray:
    p = np.asarray(pairs)
    if p.dtype.kind not in "iu" and not (p.size == 0 and p.dtype.kind == "f"):
        raise TypeError(
            f"{function}: `pairs` must be integer atom indices, shape (P, 2), got dtype {p.dtype}."
        )
    if p.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"{function}: `pairs` must have shape (P, 2), got shape {p.shape}.")
    p = p.astype(np.int64)
    if p.min() < 0 or p.max() >= n_atoms:
        raise ValueError(
            f"{function}: `pairs` holds indices outside 0..{n_atoms - 1} (min {p.min()}, "
            f"max {p.max()}); they must index the N = {n_atoms} atoms of R."
        )
    if (p[:, 0] == p[:, 1]).any():
        k = int(np.argmax(p[:, 0] == p[:, 1]))
        raise ValueError(
            f"{function}: pair {k} joins atom {p[k, 0]} to itself; a spring needs two atoms."
        )
    return p


def _check_n_modes(n_modes: Any, n_internal: int, function: str) -> int:
    if n_modes is None:
        return n_internal
    if isinstance(n_modes, bool) or not isinstance(n_modes, int | np.integer):
        raise TypeError(
            f"{function}: `n_modes` must be a positive integer or None (all modes), got "
            f"{n_modes!r}."
        )
    if not 1 <= int(n_modes) <= n_internal:
        raise ValueError(
            f"{function}: `n_modes` = {n_modes} is out of range: this network has "
            f"{n_internal} internal (non-rigid-body) modes, so ask for 1 to {n_internal}, "
            "or pass n_modes=None for all of them."
        )
    return int(n_modes)


def _gamma_values(
    gamma: Gamma, r: jnp.ndarray, function: str, n_valid: int | None = None
) -> jnp.ndarray:
    """Spring constants γ_ij, shape (P,), from a number, a (P,) array or a function γ(r).

    Only the first ``n_valid`` entries are real springs; the rest (padding) are set to 0.
    """
    n_pairs = r.shape[0]
    n_valid = n_pairs if n_valid is None else n_valid
    if callable(gamma):
        g = jnp.asarray(gamma(r))
        what = "the spring-constant function `gamma`"
    else:
        g = _validate.as_float64(gamma, "gamma", function)
        what = "`gamma`"
        if g.ndim == 0 and _validate.is_concrete(g):
            value = float(g)
            if not np.isfinite(value) or value <= 0:
                raise ValueError(
                    f"{function}: `gamma` must be a positive, finite spring constant "
                    f"(kcal/mol/Å²), got {value}."
                )
    if g.ndim == 0:
        g = jnp.broadcast_to(g, (n_pairs,))
    if g.shape != (n_pairs,):
        raise ValueError(
            f"{function}: {what} must give one spring constant per pair, shape ({n_pairs},), "
            f"or a scalar; got shape {tuple(g.shape)}."
        )
    if callable(gamma):
        if jnp.issubdtype(g.dtype, jnp.floating) and jnp.finfo(g.dtype).bits < 64:
            raise PrecisionError(
                f"{function}: the spring-constant function `gamma` returned {g.dtype}; it "
                "must compute in float64 (use jnp functions of its argument, no float32 "
                "constants)."
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
                f"{function}: {what} gave {values[k]} for the pair at distance "
                f"{float(r[k]):.4g} Å; spring constants must be finite and >= 0 "
                "(kcal/mol/Å²). A negative constant makes the network unstable (negative "
                "eigenvalues); check the formula's range of validity."
            )
    return g


# --------------------------------------------------------------------------------------
# Spring-constant schemes γ(r)
# --------------------------------------------------------------------------------------


def parameter_free_gamma(r: ArrayLike, power: float = 2) -> jnp.ndarray:
    r"""Spring constants of the parameter-free ANM (pfANM): γ(r) = r^(-power).

    .. math:: \gamma_{ij} = \frac{1}{r_{ij}^{2}} \quad (\text{kcal/mol/Å}^2
              \text{ with } r \text{ in Å; the overall scale is arbitrary})

    Use it with ``cutoff=None`` (every pair interacts; no cutoff to choose), e.g.
    ``anm(R, cutoff=None, gamma=parameter_free_gamma)``; other powers via
    ``functools.partial(parameter_free_gamma, power=6)``.

    Args:
        r: reference distances, any shape, Å.
        power: the exponent (2 in the paper).

    Returns:
        γ, same shape as r, kcal/mol/Å².

    Reference: L. Yang, G. Song, R. L. Jernigan, "Protein elastic network models and the
    ranges of cooperativity", Proc. Natl. Acad. Sci. USA 106, 12347 (2009).
    """
    return jnp.asarray(r) ** (-power)


def hinsen_gamma(r: ArrayLike) -> jnp.ndarray:
    r"""Hinsen's Cα force field: spring constant as a function of the Cα-Cα distance.

    In the paper's units (r in nm, k in kJ/mol/nm²):

    .. math:: k(r) = \begin{cases} 8.6\times10^5\, r - 2.39\times10^5 & r < 0.4\ \text{nm}\\
              128\, r^{-6} & r \ge 0.4\ \text{nm} \end{cases}

    Converted to the library's units (r in Å, γ in kcal/mol/Å²; 1 nm = 10 Å, 1 kcal =
    4.184 kJ): γ(r) = (860 r - 2390) / 4.184 below 4 Å and 1.28e6 r⁻⁶ / 4.184 from 4 Å on.
    The first branch fits bonded neighbours (Cα-Cα ≈ 3.8 Å), the second everything else;
    the function jumps at 4 Å (from 250.96 to 74.69 kcal/mol/Å²) as in the original, and
    the first branch turns negative below 2.78 Å (no real Cα pair is that close; the
    public functions refuse negative spring constants). Use it without a cutoff (Hinsen
    used ≥ 25 Å), e.g. ``anm(R, cutoff=None, gamma=hinsen_gamma)``.

    Args:
        r: reference distances, any shape, Å.

    Returns:
        γ, same shape as r, kcal/mol/Å².

    Reference: K. Hinsen, A.-J. Petrescu, S. Dellerue, M.-C. Bellissent-Funel, G. R. Kneller,
    "Harmonic and anharmonic dynamics of proteins: a comparison of molecular dynamics and
    normal mode analysis", Chem. Phys. 261, 25 (2000).
    """
    r = jnp.asarray(r)
    r_nm = r / 10.0
    near = 8.6e5 * r_nm - 2.39e5  # kJ/mol/nm²
    # The double where keeps r⁻⁶ (and its derivatives) finite where the branch is unused.
    far = 128.0 * jnp.where(r_nm >= 0.4, r_nm, 1.0) ** (-6)
    k_kj_nm2 = jnp.where(r < HINSEN_BREAK, near, far)
    return k_kj_nm2 / 100.0 / KJ_PER_KCAL  # kJ/mol/nm² -> kJ/mol/Å² -> kcal/mol/Å²


# --------------------------------------------------------------------------------------
# Contacts and connectivity (NumPy/SciPy: they fix shapes)
# --------------------------------------------------------------------------------------


def contact_pairs(R: ArrayLike, cutoff: float | None) -> np.ndarray:
    """Pairs of atoms within ``cutoff`` of each other: the springs of an elastic network.

    Built with a KD-tree (``scipy.spatial.cKDTree.query_pairs``), so memory grows with the
    number of contacts, not N². A pair at exactly the cutoff distance counts (as in ProDy).
    Runs in NumPy, outside ``jit``: the number of pairs fixes array shapes.

    Args:
        R: coordinates, shape (N, 3), Å.
        cutoff: distance in Å, or None for all N(N-1)/2 pairs.

    Returns:
        Integer array (int64) of shape (P, 2) with i < j in every row, rows sorted
        lexicographically.

    Raises:
        ValueError: R not of shape (N, 3) or not finite; cutoff <= 0 or not finite.
    """
    R = _numpy_positions(R, "contact_pairs")
    cutoff = _check_cutoff(cutoff, "contact_pairs")
    n = R.shape[0]
    if cutoff is None:
        return np.stack(np.triu_indices(n, 1), axis=1).astype(np.int64)
    from scipy.spatial import cKDTree

    pairs = cKDTree(R).query_pairs(cutoff, output_type="ndarray").astype(np.int64)
    if len(pairs) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(pairs, axis=1)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def connected_components(n_atoms: int, pairs: ArrayLike) -> tuple[int, np.ndarray]:
    """Connected components of the contact graph (SciPy's ``csgraph``).

    Args:
        n_atoms: N, the number of nodes.
        pairs: edges, integer array of shape (P, 2).

    Returns:
        (number of components, label of each atom as an int array of shape (N,)); labels
        are numbered in order of each component's first atom.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as _components

    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(p)), (p[:, 0], p[:, 1])), shape=(n_atoms, n_atoms))
    n_comp, labels = _components(graph, directed=False)
    # Relabel in order of first appearance, so the labelling is deterministic.
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))
    return int(n_comp), order[labels].astype(np.int64)


def _connectivity(
    R: np.ndarray,
    pairs: np.ndarray,
    g: jnp.ndarray,
    cutoff: float | None,
    allow_disconnected: bool,
    model: str,
    function: str,
) -> tuple[int, np.ndarray]:
    """Components of the network of springs with γ > 0; raise if several (unless allowed)."""
    live = pairs[np.asarray(g) > 0] if len(pairs) else pairs
    n_comp, labels = connected_components(R.shape[0], live)
    if n_comp > 1 and not allow_disconnected:
        sizes = np.bincount(labels)
        smallest = int(np.argmin(sizes))
        from scipy.spatial import cKDTree

        inside = labels == smallest
        gap, _ = cKDTree(R[~inside]).query(R[inside])
        shown = ", ".join(str(s) for s in sorted(sizes.tolist(), reverse=True)[:8])
        more = ", ..." if n_comp > 8 else ""
        per = (
            "6 zero modes per piece, 5 for a collinear one, 3 for a lone atom"
            if model == "ANM"
            else "1 zero mode per piece"
        )
        at = f"at cutoff {cutoff} Å" if cutoff is not None else "with cutoff=None"
        raise DisconnectedNetworkError(
            f"{function}: the {model} network {at} has {n_comp} disconnected components "
            f"(sizes {shown}{more}); each moves rigidly on its own ({per}), which are not "
            f"vibrations of the protein. The smallest component ({sizes[smallest]} "
            f"atom(s)) is {float(gap.min()):.3g} Å from the rest: use a cutoff larger than "
            "that (or check for chain breaks and stray atoms), or pass "
            "allow_disconnected=True to remove the rigid-body motions of every component "
            "(they are then counted in Modes.n_rigid)."
        )
    return n_comp, labels


# --------------------------------------------------------------------------------------
# Hessian blocks: analytic and autodiff
# --------------------------------------------------------------------------------------


def _bucket(n_pairs: int) -> int:
    """Padded number of pairs: 4 sizes per octave (< 25 % waste), so jit compiles few shapes."""
    if n_pairs <= 16:
        return 16
    step = 1 << max((n_pairs - 1).bit_length() - 3, 0)
    return -(-n_pairs // step) * step


@jax.jit
def _pair_distances(R: jnp.ndarray, i: jnp.ndarray, j: jnp.ndarray) -> jnp.ndarray:
    return safe_norm(R[j] - R[i])


def _padded_network(
    R: jnp.ndarray, pairs: np.ndarray, gamma: Gamma, function: str
) -> tuple[np.ndarray, jnp.ndarray]:
    """Pairs padded to :func:`_bucket` length with springs (0, 1) of zero stiffness, and γ.

    Contact lists differ in length from one structure to the next; padding them lets the
    jitted kernels below compile once per bucket instead of once per contact count. The
    padding springs have γ = 0, so their blocks are exactly zero.
    """
    n_real = len(pairs)
    if R.shape[0] < 2:
        return pairs, jnp.zeros((0,), dtype=R.dtype)
    pad = np.tile(np.array([[0, 1]], dtype=np.int64), (_bucket(n_real) - n_real, 1))
    padded = np.concatenate([pairs, pad])
    r = _pair_distances(R, jnp.asarray(padded[:, 0]), jnp.asarray(padded[:, 1]))
    return padded, _gamma_values(gamma, r, function, n_valid=n_real)


@jax.jit
def _super_elements(R: jnp.ndarray, i: jnp.ndarray, j: jnp.ndarray, g: jnp.ndarray) -> jnp.ndarray:
    d = R[j] - R[i]
    r2 = jnp.sum(d * d, axis=-1)
    return -(g / r2)[:, None, None] * d[:, :, None] * d[:, None, :]


def _anm_pair_energy(x6: jnp.ndarray, r0: jnp.ndarray, gamma: jnp.ndarray) -> jnp.ndarray:
    """ANM energy of one spring, 1/2 γ (|r_j - r_i| - r0)², of x6 = (r_i, r_j), kcal/mol."""
    return 0.5 * gamma * (safe_norm(x6[3:] - x6[:3]) - r0) ** 2


@jax.jit
def _autodiff_blocks(
    R: jnp.ndarray, i: jnp.ndarray, j: jnp.ndarray, g: jnp.ndarray
) -> jnp.ndarray:
    Ri, Rj = R[i], R[j]
    r0 = safe_norm(Rj - Ri)
    x6 = jnp.concatenate([Ri, Rj], axis=1)
    hess = jax.vmap(jax.hessian(_anm_pair_energy))(x6, r0, g)  # (P, 6, 6)
    return hess[:, :3, 3:]


def _blocks(
    kernel: Callable[..., jnp.ndarray], R: Any, pairs: Any, gamma: Gamma, function: str
) -> jnp.ndarray:
    R = _positions(R, function)
    p = _check_pairs(pairs, R.shape[0], function)
    i, j = jnp.asarray(p[:, 0]), jnp.asarray(p[:, 1])
    g = _gamma_values(gamma, _pair_distances(R, i, j), function)
    if len(p) == 0:
        return jnp.zeros((0, 3, 3), dtype=R.dtype)
    return kernel(R, i, j, g)


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
    return _blocks(_super_elements, R, pairs, gamma, "anm_super_elements")


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
    return _blocks(_autodiff_blocks, R, pairs, gamma, "anm_blocks_autodiff")


def assemble_hessian(n_atoms: int, pairs: ArrayLike, blocks: ArrayLike) -> jnp.ndarray:
    r"""Dense Hessian from off-diagonal blocks; diagonal blocks make every row sum to zero.

    .. math:: H_{ij} = B_p,\quad H_{ji} = B_p^T \ \text{for pair } p = (i, j); \qquad
              H_{ii} = -\sum_{j \ne i} H_{ij}

    Works for any block size d: 3 x 3 ANM super-elements give the (3N, 3N) Hessian, and
    1 x 1 blocks (-γ_ij) give the (N, N) GNM Kirchhoff matrix. Repeated pairs add up.

    Args:
        n_atoms: N.
        pairs: springs (i, j), integer array of shape (P, 2).
        blocks: off-diagonal blocks H_ij, shape (P, d, d), kcal/mol/Å².

    Returns:
        H, shape (d N, d N), atom-major rows (x1, y1, z1, x2, ... for d = 3).
    """
    if isinstance(n_atoms, bool) or not isinstance(n_atoms, int | np.integer) or n_atoms < 1:
        raise ValueError(
            f"assemble_hessian: `n_atoms` must be a positive integer, got {n_atoms!r}."
        )
    n = int(n_atoms)
    p = _check_pairs(pairs, n, "assemble_hessian")
    B = _validate.as_float64(blocks, "blocks", "assemble_hessian")
    if B.ndim != 3 or B.shape[1] != B.shape[2] or B.shape[0] != len(p):
        raise ValueError(
            f"assemble_hessian: `blocks` must have shape ({len(p)}, d, d), one square block "
            f"per pair, got shape {tuple(B.shape)}."
        )
    _validate._check_finite(B, "blocks", "assemble_hessian")
    return _assemble(n, jnp.asarray(p[:, 0]), jnp.asarray(p[:, 1]), B)


@functools.partial(jax.jit, static_argnums=0)
def _assemble(n: int, i: jnp.ndarray, j: jnp.ndarray, B: jnp.ndarray) -> jnp.ndarray:
    dim = B.shape[1]
    Bt = jnp.swapaxes(B, 1, 2)
    H = jnp.zeros((n, dim, n, dim), dtype=B.dtype)
    H = H.at[i, :, j, :].add(B).at[j, :, i, :].add(Bt)
    H = H.at[i, :, i, :].add(-B).at[j, :, j, :].add(-Bt)
    return H.reshape(n * dim, n * dim)


def anm_hessian(
    R: ArrayLike,
    cutoff: float | None = 15.0,
    gamma: Gamma = 1.0,
    *,
    method: str = "analytic",
) -> jnp.ndarray:
    """The ANM Hessian of a structure (dense).

    Contacts by :func:`contact_pairs`, blocks by :func:`anm_super_elements`
    (``method="analytic"``) or :func:`anm_blocks_autodiff` (``method="autodiff"``), put
    together by :func:`assemble_hessian`. Both methods agree to ~1e-15 relative.

    Args:
        R: reference coordinates, shape (N, 3), Å.
        cutoff: contact cutoff in Å (ProDy's default 15 Å), or None for all pairs.
        gamma: a number, or a function γ(r) of the reference distance (kcal/mol/Å²).
        method: "analytic" or "autodiff".

    Returns:
        H, shape (3N, 3N), kcal/mol/Å², symmetric, rows summing to zero.
    """
    R = _positions(R, "anm_hessian")
    cutoff = _check_cutoff(cutoff, "anm_hessian")
    if method not in ("analytic", "autodiff"):
        raise ValueError(
            f"anm_hessian: `method` must be 'analytic' or 'autodiff', got {method!r}."
        )
    _reject_pair_arrays(gamma, "anm_hessian")
    padded, g = _padded_network(R, contact_pairs(R, cutoff), gamma, "anm_hessian")
    kernel = _super_elements if method == "analytic" else _autodiff_blocks
    blocks = kernel(R, jnp.asarray(padded[:, 0]), jnp.asarray(padded[:, 1]), g)
    return assemble_hessian(R.shape[0], padded, blocks)


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
    R0 = _positions(R0, "anm_energy")
    cutoff = _check_cutoff(cutoff, "anm_energy")
    _reject_pair_arrays(gamma, "anm_energy")
    pairs = contact_pairs(R0, cutoff)
    i, j = jnp.asarray(pairs[:, 0]), jnp.asarray(pairs[:, 1])
    r0 = safe_norm(R0[j] - R0[i])
    g = _gamma_values(gamma, r0, "anm_energy")

    def energy(R: ArrayLike) -> jnp.ndarray:
        R = jnp.asarray(R)
        return 0.5 * jnp.sum(g * (safe_norm(R[j] - R[i]) - r0) ** 2)

    return energy


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
    R = _positions(R, "gnm_kirchhoff")
    cutoff = _check_cutoff(cutoff, "gnm_kirchhoff")
    _reject_pair_arrays(gamma, "gnm_kirchhoff")
    padded, g = _padded_network(R, contact_pairs(R, cutoff), gamma, "gnm_kirchhoff")
    return assemble_hessian(R.shape[0], padded, -g[:, None, None])


def _reject_pair_arrays(gamma: Any, function: str) -> None:
    """Whole-structure functions pick the pairs themselves: γ must be a number or γ(r)."""
    if not callable(gamma) and np.ndim(gamma) != 0:
        raise ValueError(
            f"{function}: `gamma` must be a number or a function γ(r) here (the pairs are "
            "chosen inside from the cutoff, so per-pair arrays cannot be matched to them); "
            "for per-pair constants build the blocks with anm_super_elements(R, pairs, "
            "gamma) and assemble_hessian."
        )


# --------------------------------------------------------------------------------------
# Eigensolvers: one dispatch point
# --------------------------------------------------------------------------------------


def _dense_lowest(
    n_atoms: int,
    pairs: np.ndarray,
    blocks: jnp.ndarray,
    inv_sqrt_m: jnp.ndarray,
    D: jnp.ndarray,
    n_modes: int,
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    """Lowest internal modes by dense ``eigh`` of the projected, shifted matrix.

    With P = 1 - D Dᵀ (D: orthonormal rigid-body motions, mass-weighted), the matrix
    P H_mw P + s D Dᵀ has the internal spectrum of H_mw on the complement of D and the
    value s on D. Choosing s above the Gershgorin bound of H_mw puts the rigid-body
    motions at the top, so the lowest 3N - n_rigid eigenpairs are exactly the internal
    ones: no threshold on "small" eigenvalues, and floppy (zero but non-rigid) modes stay
    in the spectrum. Costs O(n² n_rigid) on top of ``eigh``, unlike building an explicit
    complement basis (a full QR and two dense (3N)³ products).
    """
    H = assemble_hessian(n_atoms, pairs, blocks)
    return _dense_projected_eigh(H, inv_sqrt_m, D, n_modes)


@functools.partial(jax.jit, static_argnums=3)
def _dense_projected_eigh(
    H: jnp.ndarray, inv_sqrt_m: jnp.ndarray, D: jnp.ndarray, n_modes: int
) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
    H_mw = H * inv_sqrt_m[:, None] * inv_sqrt_m[None, :]
    residual = jnp.max(jnp.linalg.norm(H_mw @ D, axis=0), initial=0.0)
    A = solvers.deflated_matrix(H_mw, D, solvers.shift_above_spectrum(H_mw))
    eigenvalues, vectors = jnp.linalg.eigh(0.5 * (A + A.T))
    return eigenvalues[:n_modes], vectors[:, :n_modes], residual


def _sparse_lowest(method: str) -> Callable[..., tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]]:
    """A solver that keeps H sparse: CSR assembly, then an iterative method of ``solvers``.

    The padding springs of :func:`_padded_network` (pair (0, 1) repeated, blocks exactly
    zero) are dropped first; no (dN, dN) dense matrix is formed at any point.
    """

    def solve(
        n_atoms: int,
        pairs: np.ndarray,
        blocks: jnp.ndarray,
        inv_sqrt_m: jnp.ndarray,
        D: jnp.ndarray,
        n_modes: int,
    ) -> tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]:
        from . import sparse

        B = np.asarray(blocks)
        pad = (pairs[:, 0] == 0) & (pairs[:, 1] == 1) & ~B.any(axis=(1, 2))
        H = sparse._assemble(n_atoms, pairs[~pad], B[~pad])
        s = _sp_diags(np.asarray(inv_sqrt_m))
        H_mw = (s @ H @ s).tocsr()
        Dn = np.asarray(D)
        residual = float(np.linalg.norm(H_mw @ Dn, axis=0).max(initial=0.0))
        result = solvers.lowest_eigenpairs(
            H_mw, n_modes, constraints=Dn, method=method, block_size=B.shape[1]
        )
        return (
            jnp.asarray(result.eigenvalues),
            jnp.asarray(result.vectors),
            jnp.asarray(residual, dtype=jnp.float64),
        )

    return solve


def _sp_diags(values: np.ndarray) -> Any:
    """Sparse diagonal matrix (SciPy imported lazily)."""
    import scipy.sparse as sp

    return sp.diags_array(values)


# Solver signature: solver(n_atoms, pairs, blocks, inv_sqrt_m, D, n_modes) -> (eigenvalues
# (M,), mass-weighted vectors (dN, M), rigid residual max_k |H_mw d_k|), with blocks
# (P, d, d) (d = 3 ANM, 1 GNM; padding pairs carry exactly-zero blocks) and D the
# orthonormal zero modes to remove. Solvers get the blocks, never a dense matrix, so the
# iterative ones (jaxnm_course.solvers) stay sparse.
_SOLVER_FUNCTIONS: dict[str, Callable[..., tuple[jnp.ndarray, jnp.ndarray, jnp.ndarray]]] = {
    "dense": _dense_lowest,
    "eigsh": _sparse_lowest("eigsh"),
    "lanczos": _sparse_lowest("lanczos"),
    "lobpcg": _sparse_lowest("lobpcg"),
}


def _resolve_solver(solver: str, n_dof: int, function: str) -> Callable[..., Any]:
    if solver == "auto":
        from .solvers import choose_method

        solver = choose_method(n_dof, "sparse")
    if solver not in _SOLVER_FUNCTIONS:
        raise ValueError(
            f"{function}: `solver` must be one of {sorted({'auto', *_SOLVER_FUNCTIONS})}, "
            f"got {solver!r}."
        )
    return _SOLVER_FUNCTIONS[solver]


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


@jax.jit
def _cartesian(
    eigenvalues: jnp.ndarray, mw_vectors: jnp.ndarray, inv_sqrt_m: jnp.ndarray
) -> tuple[jnp.ndarray, jnp.ndarray]:
    """Wavenumbers, and Cartesian displacements M^-1/2 l normalised to unit length."""
    cartesian = mw_vectors * inv_sqrt_m[:, None]
    cartesian = cartesian / jnp.linalg.norm(cartesian, axis=0, keepdims=True)
    return eigenvalue_to_wavenumber(eigenvalues), cartesian


def _as_modes(
    eigenvalues: jnp.ndarray,
    mw_vectors: jnp.ndarray,
    inv_sqrt_m: jnp.ndarray,
    masses: jnp.ndarray,
    n_rigid: int,
    residual: jnp.ndarray,
) -> Modes:
    frequencies, cartesian = _cartesian(eigenvalues, mw_vectors, inv_sqrt_m)
    return Modes(
        eigenvalues=eigenvalues,
        frequencies=frequencies,
        vectors=cartesian,
        mw_vectors=mw_vectors,
        masses=masses,
        n_rigid=n_rigid,
        rigid_residual=residual,
    )


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------


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
    function = "anm"
    R = _positions(R, function)
    cutoff = _check_cutoff(cutoff, function)
    _reject_pair_arrays(gamma, function)
    if method not in ("analytic", "autodiff"):
        raise ValueError(f"{function}: `method` must be 'analytic' or 'autodiff', got {method!r}.")
    n = R.shape[0]
    m = jnp.ones(n, dtype=R.dtype) if masses is None else _validate.as_masses(masses, n, function)
    solve = _resolve_solver(solver, 3 * n, function)
    pairs = contact_pairs(R, cutoff)
    padded, g = _padded_network(R, pairs, gamma, function)
    n_comp, labels = _connectivity(
        np.asarray(R), pairs, g[: len(pairs)], cutoff, allow_disconnected, "ANM", function
    )
    D = _component_rigid_modes(R, m, labels, n_comp, linear_tol)
    n_rigid = int(D.shape[1])
    count = _check_n_modes(n_modes, 3 * n - n_rigid, function)
    kernel = _super_elements if method == "analytic" else _autodiff_blocks
    blocks = kernel(R, jnp.asarray(padded[:, 0]), jnp.asarray(padded[:, 1]), g)
    inv_sqrt_m = jnp.asarray(np.repeat(1.0 / np.sqrt(np.asarray(m)), 3))
    eigenvalues, mw_vectors, residual = solve(n, padded, blocks, inv_sqrt_m, D, count)
    return _as_modes(eigenvalues, mw_vectors, inv_sqrt_m, m, n_rigid, residual)


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
        ``masses`` all ones, ``n_rigid`` = 1 (number of pieces when disconnected), and
        ``frequencies`` the formal conversion of the eigenvalues as if in kcal/mol/Å²/amu
        (the GNM has no absolute time scale).

    Raises:
        PrecisionError: x64 is off, or R is float32.
        DisconnectedNetworkError: the contact graph has several components.
        ValueError: bad shapes, NaN, overlapping atoms, cutoff <= 0, negative spring
            constants, n_modes out of range, unknown solver.

    Reference: Bahar, Atilgan, Erman, Fold. Des. 2, 173 (1997).
    """
    function = "gnm"
    R = _positions(R, function)
    cutoff = _check_cutoff(cutoff, function)
    _reject_pair_arrays(gamma, function)
    n = R.shape[0]
    solve = _resolve_solver(solver, n, function)
    pairs = contact_pairs(R, cutoff)
    padded, g = _padded_network(R, pairs, gamma, function)
    n_comp, labels = _connectivity(
        np.asarray(R), pairs, g[: len(pairs)], cutoff, allow_disconnected, "GNM", function
    )
    indicator = (labels[:, None] == np.arange(n_comp)[None, :]).astype(np.float64)
    D = jnp.asarray(indicator / np.sqrt(indicator.sum(axis=0)))
    count = _check_n_modes(n_modes, n - n_comp, function)
    ones = jnp.ones(n, dtype=R.dtype)
    eigenvalues, vectors, residual = solve(n, padded, -g[:, None, None], ones, D, count)
    return _as_modes(eigenvalues, vectors, ones, ones, n_comp, residual)
