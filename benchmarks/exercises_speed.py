"""Time `pytest exercises` against the solutions and against the stubs (not run in CI).

    OPENBLAS_NUM_THREADS=1 JAX_PLATFORMS=cpu python benchmarks/exercises_speed.py

Prints the wall time of each session, the points it scored and the figure the issue asks
for (solutions under 2 minutes on 2 cores).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 120.0


def run(target: str) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", JAX_PLATFORMS="cpu")
        env.setdefault("JAXNM_HYPOTHESIS_PROFILE", "grading")
        start = time.perf_counter()
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
        elapsed = time.perf_counter() - start
        if not out.is_file():
            print(proc.stdout[-3000:], proc.stderr[-3000:])
            raise SystemExit(f"pytest --target {target} wrote no results (exit {proc.returncode})")
        return elapsed, json.loads(out.read_text())


def main() -> None:
    print(
        f"cores: {os.cpu_count()}, OPENBLAS_NUM_THREADS=1, profile "
        f"{os.environ.get('JAXNM_HYPOTHESIS_PROFILE', 'grading')}"
    )
    for target in ("solutions", "exercises"):
        elapsed, results = run(target)
        points = sum(t["points"] for t in results["totals"].values())
        total = sum(t["max_points"] for t in results["totals"].values())
        print(
            f"pytest exercises --target {target:9s}: {elapsed:6.1f} s, "
            f"{points}/{total} points, {len(results['tests'])} tests"
        )
        if target == "solutions":
            print(f"  ratio to the {BUDGET_S:.0f} s budget: {elapsed / BUDGET_S:.2f}")


if __name__ == "__main__":
    main()
