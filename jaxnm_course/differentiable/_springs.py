"""Spring laws, smooth switches, and the network builders of the differentiable models.

The pair list (:class:`Network`) is built once in NumPy outside ``jit``; the spring
constants (:func:`spring_constants`), the ANM Hessian (:func:`spring_hessian`) and the GNM
Kirchhoff matrix (:func:`spring_kirchhoff`) are pure JAX functions of the coordinates and
parameters. Every builder of an elastic network used by :mod:`jaxnm_course.differentiable`
lives here, so that switching them to a shared network layer is one change.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from .. import _validate
from ..geometry import pair_distances
from ..precision import require_x64

#: The 20 standard amino acids; any other residue name gets index 20 ("other").
AMINO_ACIDS: tuple[str, ...] = (
    "ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE",
    "LEU", "LYS", "MET", "PHE", "PRO", "SER", "THR", "TRP", "TYR", "VAL",
)  # fmt: skip

#: Reference distance of the distance exponent, Å: the Cα-Cα distance of bonded residues,
#: so that ``gamma`` is the spring constant of a pair at 3.8 Å whatever ``p`` is.
R_REF = 3.8


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
