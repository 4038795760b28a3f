"""The same library code on a GPU and on the CPU, side by side (JAX backends only).

One command, on a machine with a CUDA build of JAX (``JAX_PLATFORMS`` unset)::

    python benchmarks/gpu_check.py [--structure 4v8r]

Each backend runs in its own fresh subprocess (``JAX_PLATFORMS=cuda`` and ``=cpu``) and
prints one JSON line; the parent prints a table with the ratio CPU / GPU for each step.
What is timed (best of 3 after one compiling call, ``block_until_ready``):

* the ANM blocks of a structure, analytic (``enm.anm_super_elements``) and by per-contact
  autodiff (``enm.anm_blocks_autodiff``);
* 20 matrix-free Hessian-vector products of the whole-structure ANM energy
  (``hessians.hvp_fn``: jvp of grad, the Hessian never formed);
* dense ``jnp.linalg.eigh`` of the ANM Hessian of compact synthetic clouds;
* end to end ``enm.anm(R, n_modes=20)`` and ``enm.gnm`` (contacts and the eigensolver are
  SciPy on the CPU whatever the backend: see benchmarks/README.md).

Every GPU result is also checked against the CPU one (eigenvalues, relative), so a wrong
number on the device cannot pass as a fast one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _best(fn, repeat: int = 3) -> float:
    import jax

    jax.block_until_ready(fn())  # compile
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        times.append(time.perf_counter() - t0)
    return min(times)


def worker(structure: str, dense_sizes: list[int]) -> dict:
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np
    from enm_vs_prody import cloud

    import jaxnm_course as nm
    from jaxnm_course import enm, hessians

    out: dict = {"backend": jax.default_backend(), "device": str(jax.devices()[0])}
    R = np.asarray(nm.load_structure(structure).R)
    out["n"] = int(R.shape[0])
    pairs = enm.contact_pairs(R, 15.0)
    out["contacts"] = int(pairs.shape[0])
    Rj = jnp.asarray(R)
    out["blocks_analytic_s"] = _best(lambda: enm.anm_super_elements(Rj, pairs, 1.0))
    out["blocks_autodiff_s"] = _best(lambda: enm.anm_blocks_autodiff(Rj, pairs, 1.0))
    b1 = np.asarray(enm.anm_super_elements(Rj, pairs, 1.0))
    b2 = np.asarray(enm.anm_blocks_autodiff(Rj, pairs, 1.0))
    out["blocks_max_abs_diff"] = float(np.max(np.abs(b1 - b2)))

    energy = enm.anm_energy(Rj, 15.0, 1.0)
    product = jax.jit(hessians.hvp_fn(energy, Rj))
    v = jnp.asarray(np.random.default_rng(0).standard_normal(R.size))

    def twenty():
        w = v
        for _ in range(20):
            w = product(w)
            w = w / jnp.linalg.norm(w)
        return w

    out["hvp_20_s"] = _best(twenty)

    out["dense"] = {}
    for n in dense_sizes:
        H = enm.anm_hessian(cloud(n), 15.0, 1.0)
        w = jnp.linalg.eigvalsh(H)
        out["dense"][str(n)] = {
            "eigh_s": _best(lambda H=H: jnp.linalg.eigh(H), repeat=1),
            "lowest_nonzero": np.asarray(w[6:26]).tolist(),
        }

    for name, fn in (("anm", enm.anm), ("gnm", enm.gnm)):
        fn(R, n_modes=20)  # compile
        t0 = time.perf_counter()
        modes = fn(R, n_modes=20)
        jax.block_until_ready(modes.eigenvalues)
        out[f"{name}_total_s"] = time.perf_counter() - t0
        out[f"{name}_eigenvalues"] = np.asarray(modes.eigenvalues).tolist()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--structure", default="4v8r")
    parser.add_argument("--dense", default="1000,2000,4000", help="synthetic N for dense eigh")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.dense.split(",") if s]
    if args.worker:
        print(json.dumps(worker(args.structure, sizes)))
        return 0

    results = {}
    for platform in ("cuda", "cpu"):
        env = dict(os.environ, JAX_PLATFORMS=platform)
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                "--structure",
                args.structure,
                "--dense",
                args.dense,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            print(f"{platform}: failed\n{proc.stderr[-3000:]}")
            return 1
        results[platform] = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{platform}: {results[platform]['device']}")
    g, c = results["cuda"], results["cpu"]
    print(f"\n{args.structure}: N = {g['n']}, {g['contacts']} contacts (cutoff 15 Å)")
    print(f"{'step':<34}{'GPU s':>10}{'CPU s':>10}{'CPU/GPU':>9}")
    rows = [
        (k, g[k], c[k])
        for k in (
            "blocks_analytic_s",
            "blocks_autodiff_s",
            "hvp_20_s",
            "anm_total_s",
            "gnm_total_s",
        )
    ]
    rows += [
        (
            f"dense eigh, N = {n} (3N = {3 * int(n)})",
            g["dense"][n]["eigh_s"],
            c["dense"][n]["eigh_s"],
        )
        for n in g["dense"]
    ]
    for name, tg, tc in rows:
        print(f"{name:<34}{tg:>10.4f}{tc:>10.4f}{tc / tg:>9.1f}")
    worst = 0.0
    for key in ("anm_eigenvalues", "gnm_eigenvalues"):
        a, b = g[key], c[key]
        worst = max(worst, max(abs(x / y - 1) for x, y in zip(a, b, strict=True)))
    for n in g["dense"]:
        a, b = g["dense"][n]["lowest_nonzero"], c["dense"][n]["lowest_nonzero"]
        worst = max(worst, max(abs(x / y - 1) for x, y in zip(a, b, strict=True)))
    print(f"\nmax relative eigenvalue difference GPU vs CPU: {worst:.1e}")
    print(
        f"autodiff vs analytic blocks, max |diff|: GPU {g['blocks_max_abs_diff']:.1e}, "
        f"CPU {c['blocks_max_abs_diff']:.1e}"
    )
    return 0 if worst < 1e-8 else 1


if __name__ == "__main__":
    sys.exit(main())
