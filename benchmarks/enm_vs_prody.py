"""ProDy and jaxnm_course side by side: ANM and GNM, 20 modes, on 1AKE, 7CTH and 4V8R.

One command (from the project root):

    .venv/bin/python benchmarks/enm_vs_prody.py            # full run (~15-30 min on 2 cores)
    .venv/bin/python benchmarks/enm_vs_prody.py --quick    # 1AKE + a short series, < 1 min
    .venv/bin/python benchmarks/enm_vs_prody.py --quick --structures 1AKE,7cth

Two jaxnm_course rows per case: the pieces timed apart (contacts + blocks + CSR assembly,
then ``solvers.lowest_eigenpairs``) and the one-call public path ``enm.anm``/``enm.gnm``
(everything, checks included).

Every case runs in a fresh subprocess (so peak memory, ru_maxrss, is that case's alone,
imports included: JAX costs ~300 MB, ProDy ~100 MB). Printed per row: Hessian (Kirchhoff)
build time, solve time, total, peak memory, the relative eigenvalue agreement with the
best ProDy option, and the ratio ProDy-best / jaxnm_course of the totals. Then a scaling
series on synthetic compact Cα clouds (time and memory against N, log-log plot, fitted
exponent) and the per-contact autodiff vs analytic block build times.

BLAS runs single-threaded (OPENBLAS_NUM_THREADS=1, set below before NumPy loads), as in
the tests: on a busy 2-core machine threaded BLAS is up to 100x slower. JAX uses whatever
backend is present (set JAX_PLATFORMS=cpu to force the CPU).
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
ROOT = HERE.parent
DATA = Path(os.environ.get("JAXNM_DATA_DIR", ROOT.parent / "shared" / "data" / "structures"))
CUTOFF = {"anm": 15.0, "gnm": 10.0}
N_MODES = 20


# ----------------------------------------------------------------------------------------
# Workers (run in a subprocess; print one JSON line)
# ----------------------------------------------------------------------------------------


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cloud(n: int, seed: int = 0, spacing: float = 5.0):
    """Compact protein-like Cα cloud (``jaxnm_course.structures.globular_cloud``)."""
    from jaxnm_course.structures import globular_cloud

    return globular_cloud(n, seed=seed, spacing=spacing)


def _coords(source: str):
    import numpy as np

    if source.startswith("cloud:"):
        return cloud(int(source.split(":")[1]))
    os.environ.setdefault("JAXNM_DATA_DIR", str(DATA))
    import jaxnm_course as nm

    return np.asarray(nm.load_structure(source).R)


def worker_jaxnm(model: str, source: str) -> dict:
    import jax

    jax.config.update("jax_enable_x64", True)
    import numpy as np
    import scipy.sparse.linalg  # imported before timing, as ProDy's imports are
    import scipy.spatial  # noqa: F401

    import jaxnm_course as nm
    from jaxnm_course import enm, solvers, sparse

    R = _coords(source)
    n = len(R)
    t0 = time.perf_counter()
    pairs = enm.contact_pairs(R, CUTOFF[model])
    if model == "anm":
        blocks = np.asarray(enm.anm_super_elements(R, pairs))
        H = sparse.assemble_sparse(n, pairs, blocks)
        D = np.asarray(nm.rigid_body_modes(R, np.ones(n)))
        d = 3
    else:
        H = sparse.kirchhoff_sparse(n, pairs)
        D = np.full((n, 1), 1 / np.sqrt(n))
        d = 1
    t1 = time.perf_counter()
    res = solvers.lowest_eigenpairs(H, N_MODES, constraints=D, block_size=d)
    t2 = time.perf_counter()
    return {
        "build": t1 - t0,
        "solve": t2 - t1,
        "total": t2 - t0,
        "mb": _peak_mb(),
        "method": res.method,
        "eig": res.eigenvalues.tolist(),
        "n": n,
        "backend": jax.default_backend(),
    }


def worker_e2e(model: str, source: str) -> dict:
    """The public one-call path, ``enm.anm(R, 15, n_modes=20)`` / ``enm.gnm(R, 10, ...)``.

    Everything the user's call does (checks, contacts, blocks, assembly, connectivity,
    rigid-body basis, the shared solve, Modes); "build" is 0 (not separable here).
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    import scipy.sparse.linalg  # imported before timing, as ProDy's imports are
    import scipy.spatial  # noqa: F401

    from jaxnm_course import enm

    R = _coords(source)
    t0 = time.perf_counter()
    modes = getattr(enm, model)(R, CUTOFF[model], n_modes=N_MODES)
    t1 = time.perf_counter()
    return {
        "build": 0.0,
        "solve": t1 - t0,
        "total": t1 - t0,
        "mb": _peak_mb(),
        "method": f"{model}()",
        "eig": [float(x) for x in modes.eigenvalues],
        "n": len(R),
        "backend": jax.default_backend(),
    }


def worker_prody(model: str, source: str, sparse_: bool) -> dict:
    import prody

    prody.confProDy(verbosity="none")
    R = _coords(source)
    t0 = time.perf_counter()
    if model == "anm":
        m = prody.ANM()
        m.buildHessian(R, CUTOFF[model], 1.0, sparse=sparse_)
    else:
        m = prody.GNM()
        m.buildKirchhoff(R, CUTOFF[model], 1.0, sparse=sparse_)
    t1 = time.perf_counter()
    m.calcModes(N_MODES)
    t2 = time.perf_counter()
    return {
        "build": t1 - t0,
        "solve": t2 - t1,
        "total": t2 - t0,
        "mb": _peak_mb(),
        "method": "sparse eigsh" if sparse_ else "dense eigh",
        "eig": m.getEigvals().tolist(),
        "n": len(R),
    }


def worker_blocks(source: str, repeats: int = 3) -> dict:
    """Best-of-`repeats` block build times (after one compiling call), analytic vs autodiff."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import numpy as np

    from jaxnm_course import enm, sparse

    R = _coords(source)
    pairs = enm.contact_pairs(R, CUTOFF["anm"])
    out = {"n": len(R), "pairs": len(pairs)}
    for name, fn in (
        ("analytic", enm.anm_super_elements),
        ("autodiff", enm.anm_blocks_autodiff),
    ):
        fn(R, pairs).block_until_ready()
        best = np.inf
        for _ in range(repeats):
            t = time.perf_counter()
            blocks = fn(R, pairs).block_until_ready()
            sparse.assemble_sparse(len(R), pairs, blocks)
            best = min(best, time.perf_counter() - t)
        out[name] = best
    return out


# ----------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------


def run_case(*args: str, timeout: float = 1800) -> dict | None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", *args]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        print(f"  {' '.join(args)}: timed out after {timeout:.0f} s", flush=True)
        return None
    if out.returncode != 0:
        print(f"  {' '.join(args)}: failed\n{out.stderr[-2000:]}", flush=True)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(structures: list[tuple[str, bool]]) -> list[dict]:
    rows = []
    head = (
        f"{'structure':<10}{'N':>7} {'model':<5}{'code':<24}{'build s':>9}{'solve s':>9}"
        f"{'total s':>9}{'peak MB':>9}{'max rel dλ':>12}{'ProDy/ours':>11}"
    )
    print(head)
    print("-" * len(head), flush=True)
    for source, dense_prody in structures:
        for model in ("anm", "gnm"):
            prody_rows = []
            options = [True] + ([False] if dense_prody else [])
            for sparse_ in options:
                r = run_case("prody", model, source, "sparse" if sparse_ else "dense")
                if r:
                    r["code"] = f"ProDy {r['method']}"
                    prody_rows.append(r)
            ours = run_case("jaxnm", model, source)
            if ours:
                ours["code"] = f"jaxnm_course {ours['method']}"
            e2e = run_case("e2e", model, source)
            if e2e:
                e2e["code"] = f"jaxnm_course {e2e['method']}"
            best = min(prody_rows, key=lambda r: r["total"]) if prody_rows else None
            for r in [*prody_rows, ours, e2e]:
                if r is None:
                    continue
                agree = ""
                ratio = ""
                if best is not None and ours is not None:
                    import numpy as np

                    a, b = np.asarray(r["eig"]), np.asarray(best["eig"])
                    agree = f"{np.max(np.abs(a / b - 1)):.1e}"
                    if r is ours or r is e2e:
                        ratio = f"{best['total'] / r['total']:.1f}x"
                print(
                    f"{source:<10}{r['n']:>7} {model.upper():<5}{r['code']:<24}"
                    f"{r['build']:>9.2f}{r['solve']:>9.2f}{r['total']:>9.2f}{r['mb']:>9.0f}"
                    f"{agree:>12}{ratio:>11}",
                    flush=True,
                )
                rows.append({"structure": source, "model": model, **r})
    return rows


def scaling(sizes: list[int], plot: Path | None) -> list[dict]:
    import numpy as np

    print("\nScaling series: ANM, 20 modes, synthetic compact Cα clouds (fresh process each)")
    cols = ("build s", "solve s", "total s", "peak MB")
    print(f"{'N':>7}{'3N':>8}{'method':>9}" + "".join(f"{c:>9}" for c in cols))
    rows = []
    for n in sizes:
        r = run_case("jaxnm", "anm", f"cloud:{n}")
        if r is None:
            continue
        rows.append(r)
        print(
            f"{n:>7}{3 * n:>8}{r['method']:>9}{r['build']:>9.2f}{r['solve']:>9.2f}"
            f"{r['total']:>9.2f}{r['mb']:>9.0f}",
            flush=True,
        )
    big = [r for r in rows if r["n"] >= 1000]
    if len(big) >= 2:
        N = np.array([r["n"] for r in big], float)
        for key in ("build", "total"):
            slope = np.polyfit(np.log(N), np.log([r[key] for r in big]), 1)[0]
            print(f"fitted exponent of {key} time vs N (N >= 1000): {slope:.2f}")
        mem = np.array([r["mb"] for r in big])
        slope = np.polyfit(np.log(N), np.log(mem - min(mem.min() * 0.9, 300)), 1)[0]
        print(f"fitted exponent of peak memory above the ~300 MB import floor: {slope:.2f}")
    if plot is not None and rows:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        N = [r["n"] for r in rows]
        fig, ax = plt.subplots(1, 2, figsize=(9, 3.6))
        for key in ("build", "solve", "total"):
            ax[0].loglog(N, [r[key] for r in rows], "o-", label=key)
        ax[0].set(xlabel="N (residues)", ylabel="time (s)", title="ANM, 20 modes")
        ax[0].legend()
        ax[1].loglog(N, [r["mb"] for r in rows], "s-", color="C3")
        ax[1].set(xlabel="N (residues)", ylabel="peak RSS (MB)", title="memory")
        fig.tight_layout()
        fig.savefig(plot, dpi=120)
        print(f"plot saved to {plot}")
    return rows


def blocks_ratio(sizes: list[int]) -> None:
    print("\nPer-contact autodiff vs analytic 3x3 blocks (+ sparse assembly), best of 3")
    print(f"{'N':>7}{'contacts':>10}{'analytic s':>12}{'autodiff s':>12}{'ratio':>8}")
    for n in sizes:
        r = run_case("blocks", f"cloud:{n}")
        if r:
            print(
                f"{n:>7}{r['pairs']:>10}{r['analytic']:>12.3f}{r['autodiff']:>12.3f}"
                f"{r['autodiff'] / r['analytic']:>8.2f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1AKE and small sizes, < 1 min")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also save all rows as JSON")
    parser.add_argument(
        "--structures",
        help="comma-separated structures to compare (e.g. 1AKE,7cth); with --quick, instead "
        "of 1AKE; ProDy's dense solver is skipped for all but 1AKE",
    )
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "jaxnm":
            result = worker_jaxnm(*rest)
        elif kind == "e2e":
            result = worker_e2e(*rest)
        elif kind == "prody":
            result = worker_prody(rest[0], rest[1], rest[2] == "sparse")
        else:
            result = worker_blocks(*rest)
        print(json.dumps(result))
        return
    import platform

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.split(
                "\n"
            )
            if line.startswith("Model name")
        ),
        platform.processor(),
    )
    print(
        f"machine: {cpu}, {os.cpu_count()} cores; OPENBLAS_NUM_THREADS="
        f"{os.environ['OPENBLAS_NUM_THREADS']}; JAX_PLATFORMS={os.environ.get('JAX_PLATFORMS')}"
    )
    if args.structures:
        names = args.structures.split(",")
        rows = compare([(name, name.upper() == "1AKE") for name in names])
        if args.quick:
            rows += scaling([100, 300, 1000], None)
            blocks_ratio([300, 1000])
    elif args.quick:
        rows = compare([("1AKE", True)])
        rows += scaling([100, 300, 1000], None)
        blocks_ratio([300, 1000])
    else:
        rows = compare([("1AKE", True), ("7cth", True), ("4v8r", False)])
        rows += scaling([100, 300, 1000, 3000, 10000, 20000], HERE / "scaling.png")
        blocks_ratio([300, 1000, 3000, 10000, 20000])
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
