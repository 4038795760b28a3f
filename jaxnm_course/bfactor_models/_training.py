"""Training the learned network: data set, split, buckets, the Adam loop (optax).

The shared B-factor set (one Cα-only PDB file per protein, kept beside the repository, not shipped)
is read with :func:`jaxnm_course.load_structure`; :func:`split` assigns each PDB id to
training or validation by a hash of the id (stable across machines and file orders);
:func:`train` fits :class:`~._learned.LearnedParams` by gradients through the
pseudo-inverse of every protein's Kirchhoff matrix, a few proteins at a time, padded to a
few bucket sizes so that each size compiles once.
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from ..structures import load_structure
from ._features import ResidueFeatures, bucket_for, pad_batch, residue_features
from ._learned import (
    LearnedParams,
    batch_fluctuations,
    batch_loss,
    bucket_pairs,
    init_params,
    masked_pearson,
)

__all__ = [
    "Protein",
    "TrainResult",
    "batches",
    "evaluate",
    "load_protein",
    "load_proteins",
    "split",
    "train",
]


class Protein(NamedTuple):
    """One protein of a B-factor data set.

    Attributes:
        name: PDB id (lower case, the file name).
        R: Cα coordinates, (N, 3), Å.
        features: :class:`~._features.ResidueFeatures`.
        bfactors: experimental Cα B-factors, (N,), Å².
        resnames: residue names, length N.
    """

    name: str
    R: np.ndarray
    features: ResidueFeatures
    bfactors: np.ndarray
    resnames: tuple[str, ...]


def load_protein(source) -> Protein:
    """Read one structure (path or id) into a :class:`Protein`."""
    s = load_structure(source)
    return Protein(
        s.name.lower(),
        np.asarray(s.R, dtype=np.float64),
        residue_features(np.asarray(s.R), s.resnames),
        np.asarray(s.bfactors, dtype=np.float64),
        s.resnames,
    )


def load_proteins(folder: str | Path, ids: Sequence[str] | None = None) -> list[Protein]:
    """Every ``*.pdb`` of a folder (or the given ids), sorted by id.

    Proteins whose B-factors are constant (no correlation defined) are left out.
    """
    folder = Path(folder)
    files = sorted(folder.glob("*.pdb")) if ids is None else [folder / f"{i}.pdb" for i in ids]
    out = []
    for f in files:
        p = load_protein(f)
        if np.std(p.bfactors) > 0:
            out.append(p)
    return out


def split(name: str, validation_fraction: float = 0.2) -> str:
    """'train' or 'validation', from the SHA-256 of the lower-case PDB id."""
    h = int.from_bytes(hashlib.sha256(name.lower().encode()).digest()[:8], "big")
    return "validation" if (h / 2**64) < validation_fraction else "train"


def batches(proteins: Sequence[Protein], batch_size: int, rng: np.random.Generator | None = None):
    """Yield (batch, weights, proteins) grouped by bucket, ``batch_size`` proteins each.

    The last batch of a bucket is filled up with copies of its first protein at weight
    0, so every batch of a bucket has the same shape (one compilation per bucket). With
    ``rng`` the proteins are shuffled within buckets and the batches across buckets.
    """
    by_bucket: dict[int, list[Protein]] = {}
    for p in proteins:
        by_bucket.setdefault(bucket_for(len(p.R)), []).append(p)
    plan = []
    for size, group in sorted(by_bucket.items()):
        order = rng.permutation(len(group)) if rng is not None else np.arange(len(group))
        group = [group[k] for k in order]
        for start in range(0, len(group), batch_size):
            chunk = group[start : start + batch_size]
            plan.append((size, chunk))
    if rng is not None:
        plan = [plan[k] for k in rng.permutation(len(plan))]
    for size, chunk in plan:
        fill = [chunk[0]] * (batch_size - len(chunk))
        batch = pad_batch([(p.R, p.features, p.bfactors) for p in chunk + fill], size)
        weights = np.array([1.0] * len(chunk) + [0.0] * len(fill))
        yield batch, weights, chunk


@jax.jit
def _batch_r(params: LearnedParams, batch, pairs) -> jnp.ndarray:
    msf = batch_fluctuations(params, batch, pairs)
    return masked_pearson(msf, batch.bfactors, batch.mask)


def evaluate(
    params: LearnedParams, proteins: Sequence[Protein], batch_size: int = 8
) -> dict[str, float]:
    """Pearson r of the learned model for each protein, {name: r}."""
    out: dict[str, float] = {}
    for batch, _, chunk in batches(proteins, batch_size):
        r = np.asarray(_batch_r(params, batch, bucket_pairs(batch.R.shape[1])))
        for p, value in zip(chunk, r[: len(chunk)], strict=True):
            out[p.name] = float(value)
    return out


class TrainResult(NamedTuple):
    """Result of :func:`train`.

    Attributes:
        params: the trained :class:`~._learned.LearnedParams`.
        losses: mean training loss (1 - r) of each epoch, as seen during the epoch.
        seconds: wall time of the training loop, s (compilation included).
    """

    params: LearnedParams
    losses: list[float]
    seconds: float


def _bar(done: int, total: int, text: str, width: int = 30) -> None:
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {text}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def train(
    proteins: Sequence[Protein],
    *,
    epochs: int = 10,
    batch_size: int = 8,
    learning_rate: float = 0.02,
    l2: float = 1e-4,
    per_epoch: int | None = None,
    seed: int = 0,
    params: LearnedParams | None = None,
    progress: bool = True,
    callback: Callable[[int, LearnedParams, float], None] | None = None,
) -> TrainResult:
    """Fit the learned spring function by Adam on 1 - Pearson r, end to end.

    Args:
        proteins: training proteins (30-320 residues).
        epochs: passes over (a subsample of) the proteins.
        batch_size: proteins per gradient step (padded to one bucket size).
        learning_rate: Adam step size (cosine decay to 10% over the run).
        l2: L2 penalty on the distance corrections and residue-type terms.
        per_epoch: use a random subsample of this many proteins per epoch (None: all).
        seed: NumPy seed of the shuffling and subsampling.
        params: starting point (default: :func:`init_params`, the pfGNM).
        progress: print a progress bar on stderr.
        callback: called as callback(epoch, params, mean_loss) after each epoch.

    Returns:
        :class:`TrainResult`.

    Raises:
        ValueError: no proteins, or a protein without usable B-factors.
    """
    for p in proteins:
        b = np.asarray(p.bfactors)
        if b.shape != (len(p.R),) or not np.all(np.isfinite(b)) or np.std(b) == 0:
            raise ValueError(
                f"train: protein {p.name!r} has no usable experimental B-factors (missing, "
                "non-finite or all equal); the loss 1 - r needs varying values. Leave it "
                "out of the training set."
            )
    if not proteins:
        raise ValueError("train: `proteins` is empty.")
    rng = np.random.default_rng(seed)
    params = init_params() if params is None else params
    n_use = len(proteins) if per_epoch is None else min(per_epoch, len(proteins))
    steps_per_epoch = sum(
        -(-c // batch_size)
        for c in np.unique([bucket_for(len(p.R)) for p in proteins], return_counts=True)[1]
    )
    total = epochs * max(1, int(steps_per_epoch * n_use / max(len(proteins), 1)) + 5)
    schedule = optax.cosine_decay_schedule(learning_rate, total, alpha=0.1)
    opt = optax.adam(schedule)
    state = opt.init(params)

    @jax.jit
    def step(params, state, batch, weights, pairs):
        loss, grads = jax.value_and_grad(batch_loss)(params, batch, weights, l2, pairs)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    losses = []
    t0 = time.perf_counter()
    for epoch in range(epochs):
        chosen = [proteins[k] for k in rng.permutation(len(proteins))[:n_use]]
        plan = list(batches(chosen, batch_size, rng))
        total_w, acc = 0.0, 0.0
        for b, (batch, weights, _) in enumerate(plan):
            params, state, loss = step(
                params, state, batch, weights, bucket_pairs(batch.R.shape[1])
            )
            acc += float(loss) * weights.sum()
            total_w += weights.sum()
            if progress:
                _bar(b + 1, len(plan), f"epoch {epoch + 1}/{epochs} loss {acc / total_w:.4f}")
        losses.append(acc / total_w)
        if callback is not None:
            callback(epoch, params, losses[-1])
    return TrainResult(params, losses, time.perf_counter() - t0)
