r"""Differentiable elastic network models: gradients of NMA outputs, fitting, sensitivity.

Classic ENM codes (ProDy, bio3d, the web servers) compute modes; they cannot tell you how
a fluctuation profile or the slowest eigenvalue changes when a spring, the cutoff, a
distance exponent or an atom moves. Here every step from coordinates and parameters to
the outputs is a JAX function, so ``jax.grad`` gives those derivatives exactly.

Three things must be smooth for that to work, and each is handled explicitly:

* **The cutoff.** A hard cutoff makes the spring constant a step function of distance
  (zero derivative almost everywhere, undefined at the cutoff). :func:`smooth_switch`
  replaces it by a logistic switch of width ``w``,
  :math:`s(r) = 1 / (1 + e^{(r - r_c)/w})`, differentiable in r, r_c and w. The pair
  list (:class:`Network`) is built once in NumPy outside ``jit`` (it fixes array
  shapes) with a margin beyond the cutoff; springs outside it are dropped.
* **The rigid-body zero modes.** The ANM Hessian of any structure has exactly six zero
  eigenvalues (the three translations and three rotations of that structure), so it has
  no inverse; "invert the non-zero part" by selecting eigenvalues above a threshold is not
  differentiable. :func:`rigid_projector` builds the orthogonal projector P0 onto the
  rigid-body motions as a smooth function of R, and :func:`pseudo_inverse` uses the exact
  identity :math:`H^+ = (H + c P_0)^{-1} - P_0 / c` (any c > 0), a Cholesky solve.
* **Degenerate eigenvalues.** Individual eigenvectors are not differentiable where two
  eigenvalues cross (the derivative has :math:`1/(\lambda_i - \lambda_j)` factors;
  ``jax.grad`` through ``eigh`` returns NaN there). Sums of eigenvalues over a group that
  ends at a gap, and the projector onto the corresponding subspace, *are* differentiable:
  :func:`lowest_eigenvalues_sum` and :func:`lowest_modes_projector` implement their
  derivatives with only cross-gap denominators (custom JVP rules: the sum twice, the
  projector once),
  and :func:`subspace_overlap` measures a deformation against a subspace without any sign
  or rotation ambiguity of the basis.

Conventions: unit masses (ENM eigenvalues in units of the spring constants, kcal/mol/Å²),
coordinates R of shape (N, 3) in Å, Hessians (3N, 3N) atom-major, per-pair spring
constants ``k`` of shape (P,) in kcal/mol/Å², and mean-square fluctuations in Å² when kT
is given in kcal/mol (kT = 1 gives them in units of kT/γ).

References: A. R. Atilgan et al., Biophys. J. 80, 505 (2001) (ANM); I. Bahar, A. R.
Atilgan, B. Erman, Fold. Des. 2, 173 (1997) (GNM); L. Yang, G. Song, R. L. Jernigan,
PNAS 106, 12347 (2009) (pfANM, distance exponents); T. Kato, *Perturbation Theory for
Linear Operators* (1966), ch. II (derivatives of spectral projectors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from . import _validate
from .analysis import BFACTOR_PER_MSF, pearson_r
from .geometry import LINEAR_TOL, pair_distances
from .precision import require_x64

__all__ = [
    "AMINO_ACIDS",
    "GAP_TOL",
    "R_REF",
    "BFactorData",
    "FitResult",
    "Network",
    "SpringParams",
    "adam",
    "anm_fluctuations",
    "bfactor_loss",
    "build_network",
    "default_params",
    "ensemble_bfactors",
    "fit_spring_params",
    "fluctuation_sensitivity",
    "gnm_fluctuations",
    "lowest_eigenvalues_sum",
    "lowest_modes_projector",
    "perturbed_ensemble",
    "plot_sensitivity_map",
    "predicted_bfactors",
    "pseudo_inverse",
    "rigid_projector",
    "slowest_mode_sensitivity",
    "smooth_switch",
    "spring_constants",
    "spring_hessian",
    "spring_kirchhoff",
    "subspace_overlap",
    "top_contacts",
]

#: The 20 standard amino acids; any other residue name gets index 20 ("other").
AMINO_ACIDS: tuple[str, ...] = (
    "ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE",
    "LEU", "LYS", "MET", "PHE", "PRO", "SER", "THR", "TRP", "TYR", "VAL",
)  # fmt: skip

#: Reference distance of the distance exponent, Å: the Cα-Cα distance of bonded residues,
#: so that ``gamma`` is the spring constant of a pair at 3.8 Å whatever ``p`` is.
R_REF = 3.8

#: Relative eigenvalue gap (of the largest |eigenvalue|) below which a group of k lowest
#: modes counts as splitting a degenerate multiplet.
GAP_TOL = 1e-9


# --- networks and springs ----------------------------------------------------------------


class Network(NamedTuple):
    """Fixed pair list of an elastic network (NumPy data: it fixes array shapes).

    Build it with :func:`build_network` outside ``jit`` and *close over it* in the
    functions you compile (do not pass it as an argument of a jitted function: its integer
    arrays would become tracers).

    Attributes:
        pairs: residue index pairs (i, j), i < j, int64 array of shape (P, 2).
        n_atoms: N, the number of residues (nodes).
        seq_class: s in 1..n_seq where j - i = s within one chain (sequence neighbours),
            0 otherwise; int64 array of shape (P,).
        restypes: index of each residue in :data:`AMINO_ACIDS` (20 = other), int64 array of
            shape (N,).
        n_seq: the largest sequence separation with its own spring scale.
        max_distance: pairs up to this distance (Å) at build time are in the list; inf
            for all pairs.
    """

    pairs: np.ndarray
    n_atoms: int
    seq_class: np.ndarray
    restypes: np.ndarray
    n_seq: int
    max_distance: float


class SpringParams(NamedTuple):
    r"""Parameters of the spring model of :func:`spring_constants` (a pytree).

    .. math:: k_{ij} = \gamma \left(\frac{r_{ij}}{R_{ref}}\right)^{-p} s(r_{ij}; r_c, w)\,
        e^{\kappa_{s(ij)}}\, e^{\theta_{a(i)} + \theta_{a(j)}}

    Attributes:
        log_gamma: ln γ, γ in kcal/mol/Å², shape ().
        p: distance exponent, shape () (0: plain ANM/GNM; 2: pfANM-like).
        cutoff: r_c, Å, shape ().
        width: w, the width of the logistic switch, Å, shape () (> 0).
        log_k_seq: κ_s, extra log spring scale for sequence neighbours j - i = s,
            shape (n_seq,).
        theta_res: θ_a, log spring scale per residue type (:data:`AMINO_ACIDS` + other),
            shape (21,).
    """

    log_gamma: jnp.ndarray
    p: jnp.ndarray
    cutoff: jnp.ndarray
    width: jnp.ndarray
    log_k_seq: jnp.ndarray
    theta_res: jnp.ndarray


def default_params(
    *,
    gamma: float = 1.0,
    p: float = 0.0,
    cutoff: float = 15.0,
    width: float = 0.5,
    n_seq: int = 2,
) -> SpringParams:
    """Parameters of a plain network: uniform springs γ within a smooth cutoff.

    Args:
        gamma: γ, kcal/mol/Å², > 0.
        p: distance exponent.
        cutoff: r_c, Å, > 0.
        width: logistic width w, Å, > 0 (small w approaches a hard cutoff).
        n_seq: number of sequence-neighbour classes (κ_1..κ_n_seq, all 0 here).

    Returns:
        :class:`SpringParams` of float64 arrays.
    """
    require_x64("default_params")
    for name, value in (("gamma", gamma), ("cutoff", cutoff), ("width", width)):
        if not np.isfinite(value) or value <= 0:
            raise ValueError(f"default_params: `{name}` must be finite and > 0, got {value}.")
    if int(n_seq) != n_seq or n_seq < 0:
        raise ValueError(f"default_params: `n_seq` must be an integer >= 0, got {n_seq}.")
    f = partial(jnp.asarray, dtype=jnp.float64)
    return SpringParams(
        log_gamma=f(np.log(gamma)),
        p=f(p),
        cutoff=f(cutoff),
        width=f(width),
        log_k_seq=jnp.zeros(int(n_seq), dtype=jnp.float64),
        theta_res=jnp.zeros(len(AMINO_ACIDS) + 1, dtype=jnp.float64),
    )


def _all_pairs_within(R: np.ndarray, max_distance: float) -> np.ndarray:
    n = R.shape[0]
    i, j = np.triu_indices(n, k=1)
    if np.isinf(max_distance):
        return np.stack([i, j], axis=1).astype(np.int64)
    out = []
    block = max(1, 2_000_000 // max(n, 1))
    for start in range(0, n, block):
        rows = np.arange(start, min(n, start + block))
        d2 = ((R[rows, None, :] - R[None, :, :]) ** 2).sum(-1)
        ii, jj = np.nonzero((d2 < max_distance**2) & (np.arange(n)[None, :] > rows[:, None]))
        out.append(np.stack([rows[ii], jj], axis=1))
    return np.concatenate(out).astype(np.int64).reshape(-1, 2)


def build_network(
    R: ArrayLike,
    max_distance: float | None = None,
    *,
    resnames: Sequence[str] | None = None,
    chains: Sequence[str] | None = None,
    n_seq: int = 2,
) -> Network:
    """Pair list of an elastic network, in NumPy (outside ``jit``).

    Args:
        R: reference coordinates, shape (N, 3), Å.
        max_distance: keep pairs closer than this, Å; None keeps all N(N-1)/2 pairs.
            With a smooth cutoff r_c of width w, use at least r_c + 10 w (the switch is
            below e^-10 ≈ 5e-5 beyond it), and more if r_c will be fitted.
        resnames: residue names, length N (for per-residue-type springs); None: all
            "other".
        chains: chain id of each residue, length N; sequence neighbours are only counted
            within a chain. None: one chain.
        n_seq: pairs with j - i = 1..n_seq in one chain get their own class.

    Returns:
        :class:`Network`.

    Raises:
        ValueError: bad shapes, non-finite or overlapping coordinates, lengths of
            ``resnames``/``chains`` not N, ``max_distance`` not > 0.
    """
    fn = "build_network"
    R = np.asarray(_validate.as_positions(R, fn))
    n = R.shape[0]
    if n < 3:
        raise ValueError(f"{fn}: `R` has {n} atoms; an elastic network needs at least 3.")
    if max_distance is None:
        max_distance = float("inf")
    if not (max_distance > 0):
        raise ValueError(f"{fn}: `max_distance` must be > 0 Å (or None), got {max_distance}.")
    if int(n_seq) != n_seq or n_seq < 0:
        raise ValueError(f"{fn}: `n_seq` must be an integer >= 0, got {n_seq}.")
    for name, seq in (("resnames", resnames), ("chains", chains)):
        if seq is not None and len(seq) != n:
            raise ValueError(
                f"{fn}: `{name}` has length {len(seq)} but `R` has {n} residues; pass one "
                "entry per residue (e.g. Structure.resnames, Structure.chains)."
            )
    pairs = _all_pairs_within(R, float(max_distance))
    chain_ids = np.zeros(n, dtype=np.int64)
    if chains is not None:
        _, chain_ids = np.unique(np.asarray(chains, dtype=object).astype(str), return_inverse=True)
    # sequence neighbours are always springs, whatever max_distance is
    extra = [
        np.stack([np.arange(n - s), np.arange(s, n)], axis=1) for s in range(1, int(n_seq) + 1)
    ]
    if extra:
        pairs = np.unique(np.concatenate([pairs, *extra]), axis=0)
    sep = pairs[:, 1] - pairs[:, 0]
    same = chain_ids[pairs[:, 0]] == chain_ids[pairs[:, 1]]
    seq_class = np.where(same & (sep <= n_seq), sep, 0).astype(np.int64)
    keep = (seq_class > 0) | (
        ((R[pairs[:, 1]] - R[pairs[:, 0]]) ** 2).sum(-1) < float(max_distance) ** 2
    )
    pairs, seq_class = pairs[keep], seq_class[keep]
    lookup = {name: i for i, name in enumerate(AMINO_ACIDS)}
    restypes = np.array(
        [lookup.get(str(r).upper(), len(AMINO_ACIDS)) for r in resnames]
        if resnames is not None
        else np.full(n, len(AMINO_ACIDS)),
        dtype=np.int64,
    )
    return Network(
        pairs=pairs,
        n_atoms=int(n),
        seq_class=seq_class,
        restypes=restypes,
        n_seq=int(n_seq),
        max_distance=float(max_distance),
    )


def smooth_switch(r: ArrayLike, cutoff: ArrayLike, width: ArrayLike) -> jnp.ndarray:
    r"""Logistic switch: 1 well inside the cutoff, 0 well outside, smooth in between.

    .. math:: s(r; r_c, w) = \frac{1}{1 + e^{(r - r_c)/w}}

    s(r_c) = 1/2; s falls from 0.88 to 0.12 over r_c ± 2w. As w → 0 it tends to the hard
    cutoff θ(r_c - r) of ANM/GNM, but unlike it has derivatives in r, r_c and w.

    Args:
        r: distances, any shape, Å.
        cutoff: r_c, Å.
        width: w, Å, > 0.

    Returns:
        s, shape of r, dimensionless in (0, 1).
    """
    return jax.nn.sigmoid((jnp.asarray(cutoff) - jnp.asarray(r)) / jnp.asarray(width))


def spring_constants(params: SpringParams, R: ArrayLike, network: Network) -> jnp.ndarray:
    r"""Per-pair spring constants of the model in :class:`SpringParams`.

    .. math:: k_{ij} = \gamma (r_{ij}/R_{ref})^{-p}\, s(r_{ij}; r_c, w)\,
        e^{\kappa_{s(ij)}}\, e^{\theta_{a(i)} + \theta_{a(j)}}

    with :math:`r_{ij}` the distances in ``R`` (the structure is its own reference, as in
    ANM). Pure JAX: differentiable in ``params`` and ``R``.

    Args:
        params: :class:`SpringParams`.
        R: coordinates, shape (N, 3), Å.
        network: :class:`Network` (fixed pair list).

    Returns:
        k, shape (P,), kcal/mol/Å².
    """
    if params.log_k_seq.shape != (network.n_seq,):
        raise ValueError(
            f"spring_constants: `params.log_k_seq` has shape {params.log_k_seq.shape} but the "
            f"network has n_seq={network.n_seq} sequence classes; build both with the same "
            "n_seq."
        )
    r = pair_distances(R, network.pairs)
    log_k = params.log_gamma - params.p * jnp.log(r / R_REF)
    if network.n_seq:
        kappa = jnp.concatenate([jnp.zeros(1, dtype=r.dtype), params.log_k_seq])
        log_k = log_k + kappa[network.seq_class]
    theta = params.theta_res[network.restypes]
    log_k = log_k + theta[network.pairs[:, 0]] + theta[network.pairs[:, 1]]
    return jnp.exp(log_k) * smooth_switch(r, params.cutoff, params.width)


def spring_hessian(R: ArrayLike, pairs: ArrayLike, k: ArrayLike) -> jnp.ndarray:
    r"""ANM Hessian of a network with one spring constant per pair (pure JAX, dense).

    Off-diagonal 3×3 super-element of a pair (i, j) with d = r_j - r_i:

    .. math:: H_{ij} = -k_{ij} \frac{d\, d^T}{d^T d}, \qquad H_{ii} = -\sum_{j \ne i} H_{ij}

    (Atilgan et al. 2001). Differentiable in R and k; the structure is its own reference,
    so the six rigid-body motions of R are exact zero modes for every R.

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: index pairs, int, shape (P, 2) (NumPy: fixed outside jit).
        k: spring constants, shape (P,), kcal/mol/Å².

    Returns:
        H, shape (3N, 3N), kcal/mol/Å².
    """
    R = jnp.asarray(R)
    idx = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    i, j = idx[:, 0], idx[:, 1]
    d = R[j] - R[i]
    blocks = -jnp.asarray(k)[:, None, None] * d[:, :, None] * d[:, None, :]
    blocks = blocks / jnp.sum(d * d, axis=-1)[:, None, None]
    n = R.shape[0]
    H = jnp.zeros((n, 3, n, 3), dtype=blocks.dtype)
    H = H.at[i, :, j, :].add(blocks).at[j, :, i, :].add(blocks)
    H = H.at[i, :, i, :].add(-blocks).at[j, :, j, :].add(-blocks)
    return H.reshape(3 * n, 3 * n)


def spring_kirchhoff(n_atoms: int, pairs: ArrayLike, k: ArrayLike) -> jnp.ndarray:
    r"""GNM Kirchhoff (weighted graph Laplacian) matrix with one spring per pair.

    .. math:: \Gamma_{ij} = -k_{ij}\ (i \ne j), \qquad \Gamma_{ii} = \sum_{j \ne i} k_{ij}

    (Bahar, Atilgan, Erman 1997, with γ folded into k). Differentiable in k.

    Args:
        n_atoms: N.
        pairs: index pairs, int, shape (P, 2).
        k: spring constants, shape (P,), kcal/mol/Å².

    Returns:
        Γ, shape (N, N), kcal/mol/Å².
    """
    idx = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    i, j = idx[:, 0], idx[:, 1]
    k = jnp.asarray(k)
    G = jnp.zeros((n_atoms, n_atoms), dtype=k.dtype)
    return G.at[i, j].add(-k).at[j, i].add(-k).at[i, i].add(k).at[j, j].add(k)


# --- zero modes, pseudo-inverse, fluctuations --------------------------------------------


def _is_degenerate(R: np.ndarray) -> bool:
    # NumPy only (callable while jit traces): linear, or a single point
    x = R - R.mean(axis=0)
    moments = np.linalg.eigvalsh((x * x).sum() * np.eye(3) - x.T @ x)
    return bool(moments[-1] <= 0 or moments[0] <= LINEAR_TOL * moments[-1])


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
    if _validate.is_concrete(R) and (n < 3 or _is_degenerate(np.asarray(R))):
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
        ValueError: (concrete input) the network is floppy (more than 6 zero modes).
    """
    require_x64("anm_fluctuations")
    R = _validate.as_positions(R, "anm_fluctuations")
    Hp = _pinv(spring_hessian(R, pairs, k), rigid_projector(R))
    _check_rigid_network(Hp, "ANM Hessian", "anm_fluctuations")
    return kT * jnp.sum(jnp.diagonal(Hp).reshape(-1, 3), axis=1)


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
        ValueError: (concrete input) the network is disconnected.
    """
    require_x64("gnm_fluctuations")
    k = _validate.as_float64(k, "k", "gnm_fluctuations")
    P0 = jnp.full((n_atoms, n_atoms), 1.0 / n_atoms, dtype=k.dtype)
    Gp = _pinv(spring_kirchhoff(n_atoms, pairs, k), P0)
    _check_rigid_network(Gp, "Kirchhoff matrix", "gnm_fluctuations")
    return 3.0 * kT * jnp.diagonal(Gp)


def _predicted_bfactors(
    params: SpringParams, R: jnp.ndarray, network: Network, model: str, kT: Any
) -> jnp.ndarray:
    k = spring_constants(params, R, network)
    if model == "anm":
        msf = anm_fluctuations(R, network.pairs, k, kT)
    else:
        msf = gnm_fluctuations(network.n_atoms, network.pairs, k, kT)
    return BFACTOR_PER_MSF * msf


def _check_model(model: str, function: str) -> None:
    if model not in ("anm", "gnm"):
        raise ValueError(f"{function}: `model` must be 'anm' or 'gnm', got {model!r}.")


def predicted_bfactors(
    params: SpringParams,
    R: ArrayLike,
    network: Network,
    model: str = "gnm",
    kT: ArrayLike = 1.0,
) -> jnp.ndarray:
    r"""Isotropic B-factors of the spring model, B_i = 8π²/3 <Δr_i²>.

    Args:
        params: :class:`SpringParams`.
        R: coordinates, shape (N, 3), Å.
        network: :class:`Network` of R.
        model: "gnm" (Kirchhoff matrix) or "anm" (Hessian).
        kT: thermal energy, kcal/mol (1: B in units of kT/γ times Å²).

    Returns:
        B, shape (N,), Å².
    """
    fn = "predicted_bfactors"
    _check_model(model, fn)
    R = _validate.as_positions(R, fn)
    if R.shape[0] != network.n_atoms:
        raise ValueError(
            f"{fn}: `R` has {R.shape[0]} atoms but `network` was built for "
            f"{network.n_atoms}; build the network from the same structure."
        )
    return _predicted_bfactors(params, R, network, model, kT)


# --- differentiable spectral quantities --------------------------------------------------


def _deflate(H: jnp.ndarray, P0: jnp.ndarray) -> jnp.ndarray:
    # c above every eigenvalue (Gershgorin bound): the zero modes move to the top of the
    # spectrum, the internal eigenpairs are unchanged.
    c = jax.lax.stop_gradient(2.0 * jnp.max(jnp.sum(jnp.abs(H), axis=1)))
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


# --- fitting to B-factors ------------------------------------------------------------------


class BFactorData(NamedTuple):
    """One training or test structure: coordinates, network and experimental B-factors.

    Attributes:
        R: Cα coordinates, shape (N, 3), Å.
        network: :class:`Network` of R.
        bfactors: experimental B-factors, shape (N,), Å².
        name: a label for tables.
    """

    R: np.ndarray
    network: Network
    bfactors: np.ndarray
    name: str = ""


def _check_data(data: Iterable[BFactorData], function: str) -> list[BFactorData]:
    out = []
    for s in data:
        R = np.asarray(_validate.as_positions(s.R, function, f"{s.name or 'data'}.R"))
        B = np.asarray(s.bfactors, dtype=np.float64)
        if B.shape != (R.shape[0],) or R.shape[0] != s.network.n_atoms:
            raise ValueError(
                f"{function}: structure {s.name!r} has R of shape {R.shape}, bfactors of shape "
                f"{B.shape} and a network of {s.network.n_atoms} atoms; they must agree."
            )
        if not np.all(np.isfinite(B)) or np.std(B) == 0:
            raise ValueError(
                f"{function}: the B-factors of {s.name!r} are not finite or all equal "
                f"(all {B.flat[0]}?); a correlation needs varying experimental values "
                "(some files, e.g. the bundled 4AKE_A_aligned, have them zeroed)."
            )
        out.append(BFactorData(R, s.network, B, s.name))
    if not out:
        raise ValueError(f"{function}: `data` is empty; pass at least one BFactorData.")
    return out


def bfactor_loss(
    params: SpringParams,
    data: Sequence[BFactorData],
    model: str = "gnm",
    l2: float = 0.0,
) -> jnp.ndarray:
    r"""Mean of 1 - r over structures, r the Pearson correlation with experiment.

    .. math:: L = \frac{1}{S}\sum_s \bigl(1 - r(B^{pred}_s, B^{exp}_s)\bigr)
        + \ell_2 \bigl(|\kappa|^2 + |\theta|^2\bigr)

    Scale-free (γ and kT drop out), so it fits the *shape* of the profile; the absolute
    scale follows in closed form (γ = Σ B_pred² / Σ B_pred B_exp at γ = 1).

    Args:
        params: :class:`SpringParams`.
        data: structures (:class:`BFactorData`), coordinates and networks fixed.
        model: "gnm" or "anm".
        l2: weight of the L2 penalty on the sequence and residue-type log scales.

    Returns:
        L, shape ().
    """
    _check_model(model, "bfactor_loss")
    total = 0.0
    for s in data:
        B = _predicted_bfactors(params, jnp.asarray(s.R), s.network, model, 1.0)
        total = total + 1.0 - pearson_r(B, jnp.asarray(s.bfactors))
    penalty = jnp.sum(params.log_k_seq**2) + jnp.sum(params.theta_res**2)
    return total / len(data) + l2 * penalty


def adam(
    loss_fn: Callable[[Any], jnp.ndarray],
    x0: Any,
    steps: int,
    learning_rate: float = 0.05,
    *,
    mask: Any = None,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[Any, np.ndarray]:
    r"""Minimise a scalar function of a pytree with Adam (a dozen lines, no dependency).

    .. math:: m \leftarrow \beta_1 m + (1-\beta_1) g,\ v \leftarrow \beta_2 v + (1-\beta_2)
        g^2,\ x \leftarrow x - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)

    with bias-corrected :math:`\hat m, \hat v` (Kingma & Ba, ICLR 2015). Each step is one
    compiled ``value_and_grad``.

    Args:
        loss_fn: x -> scalar.
        x0: initial parameters (a pytree of float arrays).
        steps: number of steps.
        learning_rate: η.
        mask: pytree like x0 of 0/1 (1 = trained); None trains everything.
        b1: β₁.
        b2: β₂.
        eps: ε.

    Returns:
        (x, losses): the final parameters and the loss before each step and at the end,
        shape (steps + 1,).
    """
    value_and_grad = jax.jit(jax.value_and_grad(loss_fn))
    if mask is None:
        mask = jax.tree.map(jnp.ones_like, x0)

    @jax.jit
    def update(x: Any, m: Any, v: Any, g: Any, t: jnp.ndarray) -> tuple:
        g = jax.tree.map(lambda a, b: a * b, g, mask)
        m = jax.tree.map(lambda a, b: b1 * a + (1 - b1) * b, m, g)
        v = jax.tree.map(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
        mhat = jax.tree.map(lambda a: a / (1 - b1**t), m)
        vhat = jax.tree.map(lambda a: a / (1 - b2**t), v)
        x = jax.tree.map(
            lambda a, b, c: a - learning_rate * b / (jnp.sqrt(c) + eps), x, mhat, vhat
        )
        return x, m, v

    x = x0
    m = jax.tree.map(jnp.zeros_like, x0)
    v = jax.tree.map(jnp.zeros_like, x0)
    losses = []
    for t in range(1, int(steps) + 1):
        value, g = value_and_grad(x)
        losses.append(float(value))
        x, m, v = update(x, m, v, g, jnp.asarray(t, dtype=jnp.float64))
    losses.append(float(value_and_grad(x)[0]))
    return x, np.asarray(losses)


class FitResult(NamedTuple):
    """Result of :func:`fit_spring_params`.

    Attributes:
        params: fitted :class:`SpringParams`.
        losses: loss before each step and at the end, shape (steps + 1,).
        r_before: Pearson r per training structure with the initial parameters, (S,).
        r_after: Pearson r per training structure with the fitted parameters, (S,).
    """

    params: SpringParams
    losses: np.ndarray
    r_before: np.ndarray
    r_after: np.ndarray


def fit_spring_params(
    data: Sequence[BFactorData],
    params0: SpringParams,
    *,
    model: str = "gnm",
    trainable: Sequence[str] = ("p", "cutoff", "log_k_seq"),
    steps: int = 100,
    learning_rate: float = 0.05,
    l2: float = 0.0,
) -> FitResult:
    """Fit spring-model parameters to experimental B-factors by gradient descent (Adam).

    Minimises :func:`bfactor_loss` over the fields of :class:`SpringParams` named in
    ``trainable``; the others stay at ``params0``. Evaluate the result on structures
    that were not in ``data`` (:func:`predicted_bfactors` and
    :func:`jaxnm_course.analysis.pearson_r`).

    Args:
        data: training structures (:class:`BFactorData`).
        params0: starting parameters.
        model: "gnm" or "anm".
        trainable: names of the fields of SpringParams to fit.
        steps: Adam steps.
        learning_rate: Adam step size (parameters are O(1): Å, exponents, logs).
        l2: L2 penalty on κ and θ (see :func:`bfactor_loss`).

    Returns:
        :class:`FitResult`.
    """
    fn = "fit_spring_params"
    require_x64(fn)
    _check_model(model, fn)
    unknown = set(trainable) - set(SpringParams._fields)
    if unknown:
        raise ValueError(
            f"{fn}: `trainable` names {sorted(unknown)} are not fields of SpringParams "
            f"{SpringParams._fields}."
        )
    data = _check_data(data, fn)
    mask = SpringParams(
        *(
            jnp.full_like(v, 1.0 if f in trainable else 0.0)
            for f, v in zip(SpringParams._fields, params0, strict=True)
        )
    )

    def loss(params: SpringParams) -> jnp.ndarray:
        return bfactor_loss(params, data, model, l2)

    r_of = jax.jit(
        lambda p: jnp.stack(
            [
                pearson_r(
                    _predicted_bfactors(p, jnp.asarray(s.R), s.network, model, 1.0), s.bfactors
                )
                for s in data
            ]
        )
    )
    params, losses = adam(loss, params0, steps, learning_rate, mask=mask)
    return FitResult(params, losses, np.asarray(r_of(params0)), np.asarray(r_of(params)))


# --- sensitivity -------------------------------------------------------------------------


def slowest_mode_sensitivity(R: ArrayLike, pairs: ArrayLike, k: ArrayLike) -> jnp.ndarray:
    r"""Derivative of the slowest internal ANM eigenvalue with respect to every spring.

    One reverse pass gives all P derivatives. For a non-degenerate slowest mode v,

    .. math:: \frac{\partial \lambda_1}{\partial k_{ij}} =
        \bigl(\hat d_{ij} \cdot (v_j - v_i)\bigr)^2 \ge 0,

    the squared stretch of spring ij in that mode: the contacts that stiffen the softest
    motion most.

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: index pairs, shape (P, 2) (NumPy).
        k: spring constants, shape (P,), kcal/mol/Å².

    Returns:
        ∂λ₁/∂k, shape (P,), dimensionless (eigenvalue per spring constant).
    """
    require_x64("slowest_mode_sensitivity")
    R = _validate.as_positions(R, "slowest_mode_sensitivity")
    k = _validate.as_float64(k, "k", "slowest_mode_sensitivity")
    P0 = rigid_projector(R)
    return jax.grad(lambda kk: lowest_eigenvalues_sum(spring_hessian(R, pairs, kk), P0, 1))(k)


def fluctuation_sensitivity(
    R: ArrayLike,
    pairs: ArrayLike,
    k: ArrayLike,
    weights: ArrayLike | None = None,
    kT: ArrayLike = 1.0,
) -> jnp.ndarray:
    r"""Derivative of a weighted fluctuation profile with respect to every spring.

    For F = Σ_i w_i <Δr_i²> and b_ij the unit stretch vector of spring ij (d̂ on atom j,
    -d̂ on atom i), H⁺ changes by -H⁺ b bᵀ H⁺ per unit k_ij, so

    .. math:: \frac{\partial F}{\partial k_{ij}} = -k_B T\, b_{ij}^T H^+ W H^+ b_{ij} \le 0

    (W = diag(w) on each atom's 3 coordinates): stiffening a spring never increases a
    positively weighted fluctuation. Computed by one reverse pass.

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: index pairs, shape (P, 2) (NumPy).
        k: spring constants, shape (P,), kcal/mol/Å².
        weights: w, shape (N,); None: all ones (the total fluctuation).
        kT: thermal energy, kcal/mol.

    Returns:
        ∂F/∂k, shape (P,), Å² per kcal/mol/Å².
    """
    require_x64("fluctuation_sensitivity")
    R = _validate.as_positions(R, "fluctuation_sensitivity")
    k = _validate.as_float64(k, "k", "fluctuation_sensitivity")
    w = jnp.ones(R.shape[0]) if weights is None else jnp.asarray(weights, dtype=jnp.float64)
    return jax.grad(lambda kk: jnp.sum(w * anm_fluctuations(R, pairs, kk, kT)))(k)


def top_contacts(
    pairs: ArrayLike, sensitivity: ArrayLike, n: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """The n contacts with the largest |sensitivity|.

    Args:
        pairs: index pairs, shape (P, 2).
        sensitivity: one value per pair, shape (P,).
        n: how many.

    Returns:
        (pairs, values): shapes (n, 2) and (n,), by decreasing |value|.
    """
    s = np.asarray(sensitivity)
    order = np.argsort(-np.abs(s), kind="stable")[: int(n)]
    return np.asarray(pairs).reshape(-1, 2)[order], s[order]


def plot_sensitivity_map(
    n_atoms: int,
    pairs: ArrayLike,
    sensitivity: ArrayLike,
    ax: Any = None,
    *,
    title: str = "",
    cmap: str = "magma_r",
) -> Any:
    """Contact map coloured by a per-contact sensitivity (needs matplotlib).

    Args:
        n_atoms: N.
        pairs: index pairs, shape (P, 2).
        sensitivity: one value per pair, shape (P,); |value| is shown.
        ax: a matplotlib Axes; None makes a new figure.
        title: axes title.
        cmap: colour map name.

    Returns:
        The Axes.
    """
    import matplotlib.pyplot as plt  # lazily: plotting is optional

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4.2))
    idx = np.asarray(pairs).reshape(-1, 2)
    M = np.full((n_atoms, n_atoms), np.nan)
    M[idx[:, 0], idx[:, 1]] = M[idx[:, 1], idx[:, 0]] = np.abs(np.asarray(sensitivity))
    image = ax.imshow(M, origin="lower", cmap=cmap, interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label="|sensitivity|")
    ax.set_xlabel("residue index j")
    ax.set_ylabel("residue index i")
    if title:
        ax.set_title(title)
    return ax


# --- ensembles ---------------------------------------------------------------------------


def perturbed_ensemble(R: ArrayLike, n_models: int, rms: float = 0.5, seed: int = 0) -> np.ndarray:
    """A synthetic NMR-like ensemble: independent Gaussian displacements of every atom.

    Args:
        R: coordinates, shape (N, 3), Å.
        n_models: number of models.
        rms: root-mean-square displacement per atom, Å.
        seed: NumPy random seed.

    Returns:
        Models, NumPy float64 of shape (n_models, N, 3), Å.
    """
    R = np.asarray(_validate.as_positions(R, "perturbed_ensemble"))
    rng = np.random.default_rng(seed)
    return R[None] + rng.normal(scale=rms / np.sqrt(3.0), size=(int(n_models), *R.shape))


def ensemble_bfactors(
    params: SpringParams,
    Rs: ArrayLike,
    network: Network,
    model: str = "anm",
    kT: ArrayLike = 1.0,
) -> jnp.ndarray:
    """B-factor profile of every structure of an ensemble in one compiled, vmapped call.

    The pair list is the network's (fixed); springs follow each model's distances through
    the smooth cutoff.

    Args:
        params: :class:`SpringParams`.
        Rs: models, shape (M, N, 3), Å.
        network: :class:`Network` (e.g. of the first or the mean model).
        model: "anm" or "gnm".
        kT: thermal energy, kcal/mol.

    Returns:
        B, shape (M, N), Å².
    """
    fn = "ensemble_bfactors"
    _check_model(model, fn)
    Rs = _validate.as_float64(Rs, "Rs", fn)
    if Rs.ndim != 3 or Rs.shape[1:] != (network.n_atoms, 3):
        raise ValueError(
            f"{fn}: `Rs` must have shape (M, {network.n_atoms}, 3) for this network, got "
            f"{tuple(Rs.shape)}."
        )
    for m in range(Rs.shape[0]):
        _validate.as_positions(Rs[m], fn, f"Rs[{m}]")
    f = jax.jit(jax.vmap(lambda R: _predicted_bfactors(params, R, network, model, kT)))
    return f(Rs)
