"""B-factor models: classic elastic networks and a learned one, trained across proteins.

:func:`predict_bfactors` (re-exported as ``jaxnm_course.predict_bfactors``) gives per-Cα
B-factors from the GNM (7.3 Å), the parameter-free GNM (springs 1/r²), the ANM (15 Å)
or the learned network. The learned network is a GNM over all residue pairs whose spring
constants are a smooth function (:func:`log_springs`) of the distance, the sequence
separation, the coordination numbers (10 and 16 Å), a half-sphere exposure, the distance
to a chain end and the residue types, with each residue also tied to its place by a
learned tether (:func:`log_tethers`: an "anchored" GNM); 44 parameters
(:class:`LearnedParams`) shared by all proteins, trained end to end, by gradients
through the inverse of each protein's network matrix, on 1 - Pearson r averaged over
proteins (:func:`train`).

Layout (private modules): ``_features`` (what a Cα network knows, padded into buckets),
``_learned`` (the spring function, batched fluctuations, the loss), ``_training``
(data set, split, Adam loop), ``_classic`` (GNM, pfGNM, ANM, FRI in NumPy), ``_shipped``
(the parameter file), ``_predict`` (the public entry point).
"""

from ._classic import (
    ANM_CUTOFF,
    FRI_ETA,
    FRI_NU,
    GNM_CUTOFF,
    anm_msf,
    fri_flexibility,
    gnm_msf,
    pfgnm_msf,
)
from ._features import (
    BUCKET,
    Batch,
    ResidueFeatures,
    bucket_for,
    pad_batch,
    residue_features,
)
from ._learned import (
    RBF_CENTRES,
    RBF_WIDTH,
    TETHER_START,
    LearnedParams,
    batch_fluctuations,
    batch_loss,
    bucket_pairs,
    init_params,
    log_springs,
    log_tethers,
    masked_pearson,
)
from ._predict import MIN_RESIDUES, MODELS, learned_msf, predict_bfactors
from ._shipped import (
    PARAMS_FILE,
    content_hash,
    ids_hash,
    load_learned,
    params_from_dict,
    params_to_dict,
    write_learned,
)
from ._training import (
    Protein,
    TrainResult,
    batches,
    evaluate,
    load_protein,
    load_proteins,
    split,
    train,
)

__all__ = [
    "ANM_CUTOFF",
    "BUCKET",
    "FRI_ETA",
    "FRI_NU",
    "GNM_CUTOFF",
    "MIN_RESIDUES",
    "MODELS",
    "PARAMS_FILE",
    "RBF_CENTRES",
    "RBF_WIDTH",
    "TETHER_START",
    "Batch",
    "LearnedParams",
    "Protein",
    "ResidueFeatures",
    "TrainResult",
    "anm_msf",
    "batch_fluctuations",
    "batch_loss",
    "batches",
    "bucket_for",
    "bucket_pairs",
    "content_hash",
    "evaluate",
    "fri_flexibility",
    "gnm_msf",
    "ids_hash",
    "init_params",
    "learned_msf",
    "load_learned",
    "load_protein",
    "load_proteins",
    "log_springs",
    "log_tethers",
    "masked_pearson",
    "pad_batch",
    "params_from_dict",
    "params_to_dict",
    "pfgnm_msf",
    "predict_bfactors",
    "residue_features",
    "split",
    "train",
    "write_learned",
]
