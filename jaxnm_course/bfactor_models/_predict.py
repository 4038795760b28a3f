"""``predict_bfactors``: per-Cα B-factors of a protein from a classic or the learned model."""

from __future__ import annotations

import os
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .._validate import as_numpy_positions, public
from ..analysis import BFACTOR_PER_MSF
from ..precision import require_x64
from ..structures import Structure, load_structure
from ._classic import anm_msf, gnm_msf, pfgnm_msf
from ._features import bucket_for, pad_batch, residue_features
from ._learned import LearnedParams, batch_fluctuations, bucket_pairs
from ._shipped import load_learned

__all__ = ["MIN_RESIDUES", "MODELS", "learned_msf", "predict_bfactors"]

#: The models of :func:`predict_bfactors`.
MODELS: tuple[str, ...] = ("gnm", "pfgnm", "anm", "learned")
#: Fewer residues than this: no meaningful elastic network (and no correlation to fit).
MIN_RESIDUES = 5


@jax.jit
def _learned_jit(params: LearnedParams, batch, pairs) -> jnp.ndarray:
    return batch_fluctuations(params, batch, pairs)


def learned_msf(
    R: np.ndarray, resnames: Any = None, params: LearnedParams | None = None
) -> np.ndarray:
    """Fluctuations ⟨ΔR_i²⟩ of the learned network, (N,), kT/γ units (no checks).

    Args:
        R: Cα coordinates, (N, 3), Å.
        resnames: residue names (length N) or None.
        params: :class:`LearnedParams`; None for the shipped ones.
    """
    params = load_learned()[0] if params is None else params
    R = np.asarray(R, dtype=np.float64)
    size = bucket_for(R.shape[0])
    batch = pad_batch([(R, residue_features(R, resnames), None)], size)
    msf = _learned_jit(params, batch, bucket_pairs(size))
    return np.asarray(msf)[0, : R.shape[0]]


def _as_structure(structure: Any) -> Structure:
    if isinstance(structure, Structure):
        return structure
    if isinstance(structure, str | os.PathLike):
        return load_structure(structure)
    raise TypeError(
        "predict_bfactors: `structure` must be a path, a PDB id or a Structure from "
        f"jaxnm_course.load_structure, got {type(structure).__name__}."
    )


def _has_bfactors(b: np.ndarray) -> bool:
    return b.size > 1 and bool(np.all(np.isfinite(b))) and float(np.std(b)) > 0


@public
def predict_bfactors(
    structure: Any,
    model: str = "learned",
    *,
    scale: float | str = "auto",
    params: LearnedParams | None = None,
) -> jnp.ndarray:
    r"""Predicted Cα B-factors of a protein, Å², from an elastic network model.

    .. math:: B_i = s \cdot \frac{8\pi^2}{3} \langle \Delta R_i^2 \rangle

    with ⟨ΔR_i²⟩ in kT/γ units (γ = 1) from the pseudo-inverse of the model's Kirchhoff
    matrix (GNM-type models) or Hessian (ANM), and s the absolute scale.

    Models (standard parameters):

    * ``"gnm"``: Gaussian network, uniform springs within 7.3 Å;
    * ``"pfgnm"``: parameter-free GNM, every pair a spring 1/r² (r in Å);
    * ``"anm"``: anisotropic network, uniform springs within 15 Å;
    * ``"learned"``: a GNM over all pairs whose springs are a learned function of the
      distance, sequence separation, coordination, half-sphere exposure, chain termini
      and residue types, each residue also held by a learned tether
      (:mod:`jaxnm_course.bfactor_models`), trained on 865 X-ray structures (30-450
      residues); the parameters ship in ``jaxnm_course/data/learned_enm.json``.

    Scale: with ``scale="auto"`` (default), if the structure carries experimental
    B-factors (finite, not all equal) s is fitted to them by least squares through the
    origin (s = Σ B_exp B / Σ B², so the correlation is unchanged and the level matches
    the crystal); otherwise s is the model's default, the median of that fit over the
    training proteins (stored with the learned parameters), i.e. a typical crystal at
    its typical temperature, to a factor of ~2. Pass ``scale="default"`` to use the
    default even when B-factors are present, or a number for s itself.

    Args:
        structure: a path to a PDB/mmCIF file, a PDB id (looked up as by
            :func:`jaxnm_course.load_structure`) or a :class:`~jaxnm_course.Structure`.
        model: "gnm", "pfgnm", "anm" or "learned".
        scale: "auto", "default" or a positive number (see above).
        params: parameters of the learned model (default: the shipped ones).

    Returns:
        B, shape (N,), Å², one per Cα in the order of the structure.

    Raises:
        TypeError: ``structure`` or ``model`` of the wrong type.
        ValueError: unknown model or scale; fewer than 5 residues; a floppy network.
        DisconnectedNetworkError: the GNM (7.3 Å) or ANM (15 Å) contact network falls
            apart (use "pfgnm" or "learned", which join every pair).
        FileNotFoundError: a path or id that cannot be found.
    """
    require_x64("predict_bfactors")
    if not isinstance(model, str):
        raise TypeError(f"`model` must be a string, one of {MODELS}, got {type(model).__name__}.")
    if model not in MODELS:
        raise ValueError(f"unknown `model` {model!r}; choose one of {MODELS}.")
    if isinstance(scale, str):
        if scale not in ("auto", "default"):
            raise ValueError(f"`scale` must be 'auto', 'default' or a number, got {scale!r}.")
    elif not (np.isscalar(scale) and np.isfinite(float(scale)) and float(scale) > 0):
        raise ValueError(f"`scale` must be 'auto', 'default' or a number > 0, got {scale!r}.")
    s = _as_structure(structure)
    R = as_numpy_positions(s.R)
    n = R.shape[0]
    if n < MIN_RESIDUES:
        raise ValueError(
            f"the structure has {n} Cα atom(s); an elastic network needs at least "
            f"{MIN_RESIDUES} residues to say anything about their B-factors."
        )
    fn = "predict_bfactors"
    if model == "gnm":
        msf = gnm_msf(R, function=fn)
    elif model == "pfgnm":
        msf = pfgnm_msf(R, function=fn)
    elif model == "anm":
        msf = anm_msf(R, function=fn)
    else:
        msf = learned_msf(R, s.resnames, params)
    B = BFACTOR_PER_MSF * msf
    exp = np.asarray(s.bfactors, dtype=np.float64)
    if not isinstance(scale, str):
        factor = float(scale)
    elif scale == "auto" and _has_bfactors(exp):
        factor = float(exp @ B / (B @ B))
    else:
        factor = float(load_learned()[1]["default_scale"][model])
    return jnp.asarray(factor * B)
