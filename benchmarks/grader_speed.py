"""Batch grading speed: ``jaxnm-grade grade`` on N copies of the solutions (not run in CI).

    OPENBLAS_NUM_THREADS=1 JAX_PLATFORMS=cpu python benchmarks/grader_speed.py [N] [WORKERS]

    ... python benchmarks/grader_speed.py --sandbox-cost [N] [WORKERS]   (same variables)

(BASELINE_RUNS=1 to time the baseline once.) The baseline runs without JAX's persistent
compilation cache (``JAXNM_JAX_CACHE=off``: every submission compiles everything, as an
in-process grader would) and once more with a warm cache, as a student's second run; the
batch grader caches only its trusted side's programs, per batch.

Compares, on the same machine and exercise sets:

* the isolated batch grader: N submissions, WORKERS in parallel (default N=40, WORKERS=2);
* the baseline the issue names: ``pytest exercises --target solutions`` (in-process, no
  isolation) run once per submission, one after the other, measured on 2 runs and scaled
  to N (and divided by WORKERS for a fair "same cores" figure).

Prints wall times and the ratios. Every graded copy must get full marks.

``--sandbox-cost`` answers a narrower question: what the kernel sandbox (bubblewrap: user,
PID, mount and network namespaces, private /proc and tmpfs) costs per submission. It grades
the same N copies (default 2) with the sandbox and with ``--no-namespaces --insecure`` (the
same workers, limits and audit hook, no namespaces), in the order sandbox, unconfined,
unconfined, sandbox, so that a machine that speeds up or slows down during the run biases
neither side, and prints each batch's wall time, the mean per mode and the difference as a
percentage of a submission's grading time.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def baseline_once(cache: str = "off") -> float:
    env = dict(os.environ, JAXNM_HYPOTHESIS_PROFILE="grading", JAX_PLATFORMS="cpu")
    env["JAXNM_JAX_CACHE"] = cache  # "off": every run compiles, as before the cache existed
    env.pop("JAXNM_GRADE_REMOTE", None)
    t0 = time.perf_counter()
    files = sorted(map(str, (ROOT / "exercises").glob("test_ex*.py")))
    files += sorted(map(str, (ROOT / "hidden_tests").glob("test_ex*.py")))
    cmd = [sys.executable, "-m", "pytest", *files, "--target", "solutions", "-q"]
    r = subprocess.run(
        [*cmd, "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"baseline failed:\n{r.stdout[-2000:]}")
    return dt


def grade_batch(subs: Path, out: Path, workers: int, *extra: str) -> tuple[float, int, int]:
    """Grade a folder of submissions; (wall seconds, rows with full marks, rows)."""
    t0 = time.perf_counter()
    cmd = [sys.executable, "-m", "jaxnm_course.grading.cli", "grade", str(subs)]
    subprocess.run([*cmd, "--out", str(out), "--workers", str(workers), *extra], check=True)
    total = time.perf_counter() - t0
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    short = [r for r in rows if not (r["total"] == r["max"] and float(r["max"]) > 0)]
    for r in short:  # say why, before the caller deletes the folder
        print(f"  not full: {r}", flush=True)
        for fb in (out / "instructor").glob(f"{r['student']}*.feedback.txt"):
            print(fb.read_text(encoding="utf-8"), flush=True)
    return total, len(rows) - len(short), len(rows)


def sandbox_cost(n: int, workers: int) -> None:
    print(f"sandbox cost: {n} submissions per batch, {workers} workers, {os.cpu_count()} cores")
    modes = {"sandbox": (), "unconfined": ("--no-namespaces", "--insecure")}
    times: dict[str, list[float]] = {m: [] for m in modes}
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        for i in range(n):
            shutil.copytree(ROOT / "solutions", subs / f"student{i:03d}")
        for k, mode in enumerate(("sandbox", "unconfined", "unconfined", "sandbox")):
            total, full, rows = grade_batch(subs, Path(tmp) / f"out{k}", workers, *modes[mode])
            if full != rows or rows != n:
                raise SystemExit(f"{mode} batch: {full}/{rows} full marks, expected {n}/{n}")
            times[mode].append(total)
            print(f"batch {k + 1} ({mode}): {total:.1f} s, {full}/{rows} full marks", flush=True)
    mean = {m: sum(v) / len(v) for m, v in times.items()}
    per = {m: mean[m] * workers / n for m in mean}  # one submission's share of the wall time
    cost = mean["sandbox"] - mean["unconfined"]
    print(f"mean wall: sandbox {mean['sandbox']:.1f} s, unconfined {mean['unconfined']:.1f} s")
    print(
        f"per submission (x {workers} workers / {n}): sandbox {per['sandbox']:.1f} s, "
        f"unconfined {per['unconfined']:.1f} s"
    )
    print(
        f"sandbox cost: {cost * workers / n:+.2f} s per submission, "
        f"{100 * cost / mean['unconfined']:+.1f} % of its grading time (bound: 10 %)"
    )
    spread = max(abs(a - b) for a, b in [times["sandbox"], times["unconfined"]])
    print(
        f"repeat spread within a mode: up to {spread:.1f} s "
        f"({100 * spread / mean['unconfined']:.1f} %): differences below it are noise"
    )


def main() -> None:
    if "--sandbox-cost" in sys.argv:
        args = [a for a in sys.argv[1:] if a != "--sandbox-cost"]
        sandbox_cost(int(args[0]) if args else 2, int(args[1]) if len(args) > 1 else 2)
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    print(f"{n} submissions, {workers} workers, {os.cpu_count()} cores")
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    base = [baseline_once() for _ in range(int(os.environ.get("BASELINE_RUNS", "2")))]
    per = min(base)
    print(f"baseline: pytest --target solutions, one submission: {per:.1f} s (runs {base})")
    with tempfile.TemporaryDirectory() as cache:
        baseline_once(cache)  # fills the cache
        warm = baseline_once(cache)
    print(f"baseline with a warm JAX compilation cache (a student's second run): {warm:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        for i in range(n):
            shutil.copytree(ROOT / "solutions", subs / f"student{i:03d}")
        total, full, rows = grade_batch(subs, Path(tmp) / "out", workers)
    print(f"isolated batch: {total:.1f} s for {n} ({total / n:.1f} s per submission)")
    print(f"full marks: {full}/{rows}")
    print(f"ratio to {n} sequential baseline runs: {total / (n * per):.2f}")
    spread = total / (n * per / workers)
    print(f"ratio to {n} baseline runs spread over {workers} cores: {spread:.2f}")
    print(
        f"ratio to {n} warm-cache baseline runs spread over {workers} cores: "
        f"{total / (n * warm / workers):.2f}"
    )


if __name__ == "__main__":
    main()
