"""Fit elastic-network spring parameters to experimental B-factors; test on held-out proteins.

Run: ``python examples/fit_bfactors.py [--model gnm|anm] [--steps 150]`` (with
``JAXNM_DATA_DIR=/path/to/shared/data/structures`` the 10 chains of 7CTH are added to the
held-out set). Prints a table of Pearson r (predicted vs experimental Cα B-factors) before
and after the fit, for the training structures and for structures the fit never saw.

Protocol (fixed before looking at any held-out number):

* model: springs k_ij = γ (r_ij/3.8 Å)^-p s(r_ij; r_c, w) e^{κ_s} (see
  ``jaxnm_course.differentiable.spring_constants``); start from the textbook network
  (GNM r_c = 7.3 Å, ANM r_c = 15 Å, p = 0, κ = 0, logistic width w = 0.5 Å);
* trained: p, r_c and κ_1, κ_2 (extra log spring scale of i,i+1 and i,i+2 neighbours);
  loss: mean over training structures of 1 - r; Adam, learning rate 0.05;
* split A: train on 1UBI; test on 1AKE (and 7CTH). Split B: train on 1UBI + 1AKE; test on
  7CTH. 4AKE (bundled) has its B-factors zeroed and cannot be used.

Every chain of 7CTH is modelled on its own (contacts to other chains ignored), which is
a known handicap of single-chain ENMs; the whole-complex GNM is printed as well.
"""

from __future__ import annotations

import argparse
import os
import time

import jax

jax.config.update("jax_enable_x64", True)  # before any array is created

import numpy as np  # noqa: E402

import jaxnm_course as nm  # noqa: E402
from jaxnm_course import differentiable as df  # noqa: E402


def data_for(structure, chain=None, max_distance=None):
    keep = np.ones(structure.n_residues, bool)
    if chain is not None:
        keep = np.array([c == chain for c in structure.chains])
    R = structure.R[keep]
    resnames = [r for r, k in zip(structure.resnames, keep, strict=True) if k]
    chains = [c for c, k in zip(structure.chains, keep, strict=True) if k]
    net = df.build_network(R, max_distance, resnames=resnames, chains=chains)
    name = structure.name + (f"_{chain}" if chain else "")
    return df.BFactorData(R, net, structure.bfactors[keep], name)


def pearson(params, d, model):
    B = df.predicted_bfactors(params, d.R, d.network, model)
    return float(nm.analysis.pearson_r(B, d.bfactors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("gnm", "anm"), default="gnm")
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    model = args.model
    t0 = time.perf_counter()
    ubi, ake = nm.load_structure("1UBI"), nm.load_structure("1AKE")
    train_a = [data_for(ubi)]
    train_b = [data_for(ubi), data_for(ake)]
    held_out = {"A": [data_for(ake)], "B": []}
    cth = None
    if os.environ.get("JAXNM_DATA_DIR") and os.path.exists(
        os.path.join(os.environ["JAXNM_DATA_DIR"], "7cth.cif")
    ):
        cth = nm.load_structure("7cth", download=False)
        for chain in sorted(set(cth.chains)):
            d = data_for(cth, chain)
            held_out["A"].append(d)
            held_out["B"].append(d)
    cutoff0 = 7.3 if model == "gnm" else 15.0
    p0 = df.default_params(cutoff=cutoff0, width=0.5)

    print(f"model {model.upper()}, {args.steps} Adam steps, trained: p, cutoff, log_k_seq")
    print(f"{'split':5} {'structure':10} {'N':>5} {'set':8} {'r before':>9} {'r after':>9}")
    for split, train in (("A", train_a), ("B", train_b)):
        fit = df.fit_spring_params(train, p0, model=model, steps=args.steps)
        q = fit.params
        for d, rb, ra in zip(train, fit.r_before, fit.r_after, strict=True):
            print(f"{split:5} {d.name:10} {d.network.n_atoms:5d} {'train':8} {rb:9.3f} {ra:9.3f}")
        held = [(d, pearson(p0, d, model), pearson(q, d, model)) for d in held_out[split]]
        for d, rb, ra in held:
            print(
                f"{split:5} {d.name:10} {d.network.n_atoms:5d} {'held-out':8} {rb:9.3f} {ra:9.3f}"
            )
        if held:
            before = np.mean([h[1] for h in held])
            after = np.mean([h[2] for h in held])
            print(f"{split:5} {'mean':10} {'':5} {'held-out':8} {before:9.3f} {after:9.3f}")
        print(
            f"      fitted: p = {float(q.p):.3f}, cutoff = {float(q.cutoff):.2f} Å, "
            f"exp(κ) = {np.round(np.exp(np.asarray(q.log_k_seq)), 3)}, "
            f"loss {fit.losses[0]:.4f} -> {fit.losses[-1]:.4f}"
        )
    if cth is not None and model == "gnm":
        # the whole complex as one network: inter-chain contacts included
        whole = data_for(cth, None, max_distance=30.0)
        for label, params in (("textbook", p0), ("fit B", q)):
            B = np.asarray(df.predicted_bfactors(params, whole.R, whole.network, model))
            r_all = float(nm.analysis.pearson_r(B, whole.bfactors))
            print(f"7CTH whole complex ({whole.network.n_atoms} res.), {label}: r = {r_all:.3f}")
    print(f"total time {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
