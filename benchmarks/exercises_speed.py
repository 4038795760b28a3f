"""Time `pytest exercises` against the solutions and against the stubs (not run in CI).

    OPENBLAS_NUM_THREADS=1 JAX_PLATFORMS=cpu python benchmarks/exercises_speed.py

Prints the wall time and the CPU time (user + system, of pytest and its children) of each
session, the points it scored and the ratio to the budget of the issue (solutions under
2 minutes on 2 cores). On a busy shared machine the wall time overstates the cost; the CPU
time does not (the sessions are essentially single-threaded with OPENBLAS_NUM_THREADS=1).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 120.0


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(target: str) -> tuple[float, float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", JAX_PLATFORMS="cpu")
        env.setdefault("JAXNM_HYPOTHESIS_PROFILE", "grading")
        start, cpu = time.perf_counter(), child_cpu()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "exercises",
                "-q",
                "-p",
                "no:cacheprovider",
                "--target",
                target,
                "--results-json",
                str(out),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed, cpu = time.perf_counter() - start, child_cpu() - cpu
        if not out.is_file():
            print(proc.stdout[-3000:], proc.stderr[-3000:])
            raise SystemExit(f"pytest --target {target} wrote no results (exit {proc.returncode})")
        return elapsed, cpu, json.loads(out.read_text())


def main() -> None:
    print(
        f"cores: {os.cpu_count()}, OPENBLAS_NUM_THREADS=1, profile "
        f"{os.environ.get('JAXNM_HYPOTHESIS_PROFILE', 'grading')}"
    )
    for target in ("solutions", "exercises"):
        elapsed, cpu, results = run(target)
        points = sum(t["points"] for t in results["totals"].values())
        total = sum(t["max_points"] for t in results["totals"].values())
        print(
            f"pytest exercises --target {target:9s}: {elapsed:6.1f} s, "
            f"{points}/{total} points, {len(results['tests'])} tests"
        )
        if target == "solutions":
            print(
                f"  ratio to the {BUDGET_S:.0f} s budget: wall {elapsed / BUDGET_S:.2f}, "
                f"CPU {cpu / BUDGET_S:.2f} (load average {os.getloadavg()[0]:.1f})"
            )


if __name__ == "__main__":
    main()
