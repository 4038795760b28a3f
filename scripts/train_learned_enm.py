"""Train the learned elastic network of jaxnm_course.predict_bfactors(model="learned").

Reproduces ``jaxnm_course/data/learned_enm.json`` from the shared B-factor set with a
fixed seed::

    export OPENBLAS_NUM_THREADS=1 JAX_PLATFORMS=cpu
    python scripts/train_learned_enm.py --data ../shared/data/bfactors/structures

Split: 80/20 by the SHA-256 of the PDB id (jaxnm_course.bfactor_models.split). Training
uses proteins of up to 320 residues (five bucket sizes, five compilations). The script
prints the training time, the mean/median Pearson r on the training and validation
proteins, and writes the parameters, the training ids and their hash, the default
absolute scales and those scores to the JSON file (with a content hash).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

import jaxnm_course  # noqa: E402
from jaxnm_course import bfactor_models as bm  # noqa: E402
from jaxnm_course.analysis import BFACTOR_PER_MSF  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = os.environ.get(
    "JAXNM_BFACTOR_DIR", str(ROOT.parent / "shared" / "data" / "bfactors" / "structures")
)
MAX_TRAIN_RESIDUES = 320


def median_scale(proteins, msf_fn) -> float:
    """Median over proteins of the least-squares scale s in B_exp ≈ s B_pred."""
    scales = []
    for p in proteins:
        try:
            B = BFACTOR_PER_MSF * msf_fn(p)
        except ValueError:  # a GNM/ANM network that falls apart: no scale from it
            continue
        scales.append(float(p.bfactors @ B / (B @ B)))
    return float(np.median(scales))


def main() -> None:
    """Train, evaluate and write the parameter file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder of Cα PDB files")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--per-epoch", type=int, default=None, help="proteins per epoch (all)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--learning-rate", type=float, default=0.05)
    ap.add_argument("--l2", type=float, default=1e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-scale", type=int, default=100, help="proteins for default scales")
    ap.add_argument("--out", default=str(ROOT / "jaxnm_course" / "data" / bm.PARAMS_FILE))
    args = ap.parse_args()

    t0 = time.perf_counter()
    proteins = bm.load_proteins(args.data)
    train = [p for p in proteins if bm.split(p.name) == "train"]
    valid = [p for p in proteins if bm.split(p.name) == "validation"]
    fit_set = [p for p in train if len(p.R) <= MAX_TRAIN_RESIDUES]
    print(
        f"{len(proteins)} proteins ({time.perf_counter() - t0:.0f} s to read): "
        f"{len(train)} training ({len(fit_set)} of <= {MAX_TRAIN_RESIDUES} residues used), "
        f"{len(valid)} validation"
    )

    result = bm.train(
        fit_set,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        l2=args.l2,
        per_epoch=args.per_epoch,
        seed=args.seed,
    )
    print(f"training: {result.seconds:.0f} s on {os.cpu_count()} cores; losses {result.losses}")

    r_train = bm.evaluate(result.params, train)
    r_valid = bm.evaluate(result.params, valid)
    r_start = bm.evaluate(bm.init_params(), valid)
    for name, r in (
        ("train", r_train),
        ("validation", r_valid),
        ("validation, pfGNM start", r_start),
    ):
        v = np.array(list(r.values()))
        print(f"{name:24s} mean r {v.mean():.4f}  median {np.median(v):.4f}  (n={len(v)})")

    rng = np.random.default_rng(args.seed)
    sample = [train[k] for k in rng.permutation(len(train))[: args.n_scale]]
    scales = {
        "gnm": median_scale(sample, lambda p: bm.gnm_msf(p.R)),
        "pfgnm": median_scale(sample, lambda p: bm.pfgnm_msf(p.R)),
        "anm": median_scale(sample, lambda p: bm.anm_msf(p.R)),
        "learned": median_scale(sample, lambda p: bm.learned_msf(p.R, p.resnames, result.params)),
    }
    print("default scales:", {k: round(v, 3) for k, v in scales.items()})

    bundled = [bm.load_protein(i) for i in ("1UBI", "1AKE")]
    r_bundled = bm.evaluate(result.params, bundled)
    print("bundled structures:", {k: round(v, 4) for k, v in r_bundled.items()})

    v_r = np.array(list(r_valid.values()))
    ids = sorted(p.name for p in train)
    record = {
        "model": "learned anchored GNM over all pairs; see jaxnm_course.bfactor_models",
        "params": bm.params_to_dict(result.params),
        "default_scale": scales,
        "training_ids": ids,
        "training_ids_sha256": bm.ids_hash(ids),
        "validation_ids_sha256": bm.ids_hash(p.name for p in valid),
        "n_train": len(train),
        "n_validation": len(valid),
        "validation_mean_r": float(v_r.mean()),
        "validation_median_r": float(np.median(v_r)),
        "validation_r": {k: round(v, 10) for k, v in sorted(r_valid.items())},
        "bundled_r": {k: round(v, 10) for k, v in sorted(r_bundled.items())},
        "training_seconds": round(result.seconds, 1),
        "losses": [round(float(x), 6) for x in result.losses],
        "settings": {
            "epochs": args.epochs,
            "per_epoch": args.per_epoch,
            "batch_size": args.batch_size,
            "learning_rate": args.learning_rate,
            "l2": args.l2,
            "seed": args.seed,
            "max_train_residues": MAX_TRAIN_RESIDUES,
        },
        "versions": {
            "jaxnm_course": jaxnm_course.__version__,
            "jax": jax.__version__,
            "python": platform.python_version(),
        },
    }
    bm.write_learned(args.out, record)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
