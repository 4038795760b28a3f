"""Spring laws, smooth switches, and the network entry points of the differentiable models.

The pair list (:class:`Network`) is built once in NumPy outside ``jit`` (by
:func:`jaxnm_course.network.pairs_within`); the spring constants
(:func:`spring_constants`) are a pure JAX function of the coordinates and parameters. The
ANM Hessian (:func:`spring_hessian`) and the GNM Kirchhoff matrix (:func:`spring_kirchhoff`)
are the library's one builder of each (:func:`jaxnm_course.network.anm_hessian`,
:func:`jaxnm_course.network.kirchhoff`) behind a checked public boundary: the pair list is
validated by :func:`jaxnm_course.network.check_pairs` (integer, in range, no self or
repeated pair), then the unchecked, pure-JAX kernel runs.
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
from .._validate import public
from ..geometry import pair_distances
from ..network import anm_hessian, as_count, check_pairs, kirchhoff, pairs_within
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
        restypes: index of each residue in ``differentiable.AMINO_ACIDS`` (20 = other),
            int64 array of shape (N,).
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
        theta_res: θ_a, log spring scale per residue type (``differentiable.AMINO_ACIDS`` + other),
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
            With a smooth cutoff r_c of width w, use at least
            :func:`jaxnm_course.network.cutoff_margin` (r_c, w) = r_c + 10 w (the switch
            is below e^-10 ≈ 5e-5 beyond it), and more if r_c will be fitted.
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
    pairs = pairs_within(R, float(max_distance))
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


def checked_springs(
    pairs: ArrayLike, k: ArrayLike, n_atoms: int
) -> tuple[np.ndarray, jnp.ndarray]:
    """Check a pair list and its spring constants once (inside a :func:`public` function).

    Args:
        pairs: index pairs, integer, shape (P, 2) (NumPy, fixed outside jit).
        k: spring constants, shape (P,), kcal/mol/Å² (may be traced).
        n_atoms: N, the range of the indices.

    Returns:
        (pairs, k): the read-only int64 pair list and k as float64.

    Raises:
        TypeError: non-integer or traced ``pairs``; non-numeric ``k``.
        ValueError: bad pairs (:func:`jaxnm_course.network.check_pairs`); k not of shape (P,).
    """
    p = check_pairs(pairs, n_atoms)
    k = _validate.as_float64(k, "k")
    if k.shape != (len(p),):
        raise ValueError(
            f"`k` must hold one spring constant per pair, shape ({len(p)},), got shape "
            f"{tuple(k.shape)}."
        )
    return p, k


@public
def spring_hessian(R: ArrayLike, pairs: ArrayLike, k: ArrayLike) -> jnp.ndarray:
    r"""ANM Hessian of a network with one spring constant per pair (pure JAX, dense).

    Off-diagonal 3×3 super-element of a pair (i, j) with d = r_j - r_i:

    .. math:: H_{ij} = -k_{ij} \frac{d\, d^T}{d^T d}, \qquad H_{ii} = -\sum_{j \ne i} H_{ij}

    (Atilgan et al. 2001). Differentiable in R and k; the structure is its own reference,
    so the six rigid-body motions of R are exact zero modes for every R. The checked entry
    point of :func:`jaxnm_course.network.anm_hessian` (the library's one ANM builder).

    Args:
        R: coordinates, shape (N, 3), Å.
        pairs: index pairs, int, shape (P, 2) (NumPy: fixed outside jit), each unordered
            pair once (:func:`jaxnm_course.network.check_pairs`).
        k: spring constants, shape (P,), kcal/mol/Å².

    Returns:
        H, shape (3N, 3N), kcal/mol/Å².

    Raises:
        TypeError: non-integer ``pairs``; non-numeric ``R`` or ``k``.
        ValueError: bad ``R`` (shape, non-finite, overlapping atoms) or ``pairs``; ``k``
            not of shape (P,).
    """
    R = _validate.as_positions(R)
    p, k = checked_springs(pairs, k, R.shape[0])
    return anm_hessian(R, p, k)


@public
def spring_kirchhoff(n_atoms: int, pairs: ArrayLike, k: ArrayLike) -> jnp.ndarray:
    r"""GNM Kirchhoff (weighted graph Laplacian) matrix with one spring per pair.

    .. math:: \Gamma_{ij} = -k_{ij}\ (i \ne j), \qquad \Gamma_{ii} = \sum_{j \ne i} k_{ij}

    (Bahar, Atilgan, Erman 1997, with γ folded into k). Differentiable in k. The checked
    entry point of :func:`jaxnm_course.network.kirchhoff` (the library's one builder).

    Args:
        n_atoms: N.
        pairs: index pairs, int, shape (P, 2), each unordered pair once.
        k: spring constants, shape (P,), kcal/mol/Å².

    Returns:
        Γ, shape (N, N), kcal/mol/Å².

    Raises:
        TypeError: ``n_atoms`` not an integer; non-integer ``pairs``; non-numeric ``k``.
        ValueError: ``n_atoms`` < 1; bad ``pairs``; ``k`` not of shape (P,).
    """
    n = as_count(n_atoms, "n_atoms")
    p, k = checked_springs(pairs, k, n)
    return kirchhoff(n, p, k)
