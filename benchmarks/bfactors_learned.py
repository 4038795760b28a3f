"""Pearson r of predicted vs experimental Cα B-factors: classic models and the learned one.

For the validation split (20% of the shared set by a hash of the PDB id; never used for
training) and for the whole set, prints the mean and median r of GNM (7.3 Å), the
parameter-free GNM (1/r² springs), ANM (15 Å), a Lorentz-kernel FRI (η = 3 Å, ν = 3), a
non-ENM baseline (a linear model on contact counts, fitted on the training split) and the
learned elastic network (the shipped parameters). Writes per-protein values to
``benchmarks/results_bfactors_learned.json`` (read by chapter 11) and the table to
``benchmarks/results_bfactors_learned.txt``::

    OPENBLAS_NUM_THREADS=1 JAX_PLATFORMS=cpu python benchmarks/bfactors_learned.py \\
        --data ../shared/data/bfactors/structures
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

from jaxnm_course import bfactor_models as bm  # noqa: E402
from jaxnm_course.network import DisconnectedNetworkError  # noqa: E402

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = os.environ.get(
    "JAXNM_BFACTOR_DIR", str(HERE.parents[1] / "shared" / "data" / "bfactors" / "structures")
)
MODELS = ("gnm", "pfgnm", "anm", "fri", "contacts", "learned")
LABELS = {
    "gnm": "GNM 7.3 Å",
    "pfgnm": "pfGNM (1/r²)",
    "anm": "ANM 15 Å",
    "fri": "Lorentz FRI",
    "contacts": "linear model on contact counts (no ENM)",
    "learned": "learned ENM",
}


def contact_features(R: np.ndarray) -> np.ndarray:
    """Per-residue [1, n(8 Å), n(12 Å), n(16 Å), Σ 1/r²], (N, 5)."""
    d = np.linalg.norm(R[:, None] - R[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    cols = [np.ones(len(R))] + [(d < c).sum(1) for c in (8.0, 12.0, 16.0)] + [(d**-2).sum(1)]
    return np.stack(cols, axis=1).astype(float)


def fit_contacts(proteins) -> np.ndarray:
    """Least-squares weights on z-scored B-factors of the training proteins."""
    X = np.concatenate([contact_features(p.R) for p in proteins])
    y = np.concatenate([(p.bfactors - p.bfactors.mean()) / p.bfactors.std() for p in proteins])
    return np.linalg.lstsq(X, y, rcond=None)[0]


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.corrcoef(x, y)[0, 1])


def classic_r(p, model: str, w: np.ndarray) -> float:
    try:
        if model == "gnm":
            x = bm.gnm_msf(p.R)
        elif model == "pfgnm":
            x = bm.pfgnm_msf(p.R)
        elif model == "anm":
            x = bm.anm_msf(p.R)
        elif model == "fri":
            x = bm.fri_flexibility(p.R)
        else:
            x = contact_features(p.R) @ w
    except (DisconnectedNetworkError, ValueError):
        return float("nan")  # counted and reported as failures
    return pearson(x, p.bfactors)


def summary(values: dict[str, float], ids) -> tuple[float, float, int, int]:
    v = np.array([values[i] for i in ids])
    ok = np.isfinite(v)
    return float(v[ok].mean()), float(np.median(v[ok])), int(ok.sum()), int((~ok).sum())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=DEFAULT_DATA)
    ap.add_argument("--validation-only", action="store_true")
    ap.add_argument("--out", default=str(HERE / "results_bfactors_learned"))
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset")
    ap.add_argument("--reuse", help="a previous results .json: take the models not run from it")
    args = ap.parse_args()
    run = args.models.split(",")
    reused = json.loads(Path(args.reuse).read_text()) if args.reuse else {}
    previous = reused.get("r", {})
    proteins = bm.load_proteins(args.data)
    split = {p.name: bm.split(p.name) for p in proteins}
    valid = [p.name for p in proteins if split[p.name] == "validation"]
    use = [p for p in proteins if not args.validation_only or split[p.name] == "validation"]
    w = fit_contacts([p for p in proteins if split[p.name] == "train"])
    results: dict[str, dict[str, float]] = {}
    seconds = {m: t for m, t in reused.get("seconds", {}).items() if m not in run}
    for model in MODELS:
        if model not in run:
            results[model] = previous.get(model, {p.name: float("nan") for p in use})
            continue
        t0 = time.perf_counter()
        if model == "learned":
            results[model] = bm.evaluate(bm.load_learned()[0], use)
        else:
            results[model] = {p.name: classic_r(p, model, w) for p in use}
        seconds[model] = time.perf_counter() - t0
        print(f"{model}: {seconds[model]:.0f} s", flush=True)
    lines = [
        f"Pearson r, predicted vs experimental Cα B-factors ({len(valid)} validation "
        f"proteins, {len(use)} in all; the learned model trained on the other "
        f"{len(use) - len(valid)})",
        "",
        "| model | validation mean | validation median | all mean | all median |",
        "|---|---|---|---|---|",
    ]
    for model in MODELS:
        vm, vmed, _, _ = summary(results[model], valid)
        am, amed, _, afail = summary(results[model], [p.name for p in use])
        fail = f" ({afail} failed)" if afail else ""
        lines.append(f"| {LABELS[model]}{fail} | {vm:.3f} | {vmed:.3f} | {am:.3f} | {amed:.3f} |")
    table = "\n".join(lines)
    print(table)
    Path(args.out + ".txt").write_text(table + "\n")
    Path(args.out + ".json").write_text(
        json.dumps(
            {
                "split": {p.name: split[p.name] for p in use},
                "n_residues": {p.name: len(p.R) for p in use},
                "r": results,
                "seconds": seconds,
                "contact_weights": w.tolist(),
            },
            indent=0,
            sort_keys=True,
        )
    )


if __name__ == "__main__":
    main()
