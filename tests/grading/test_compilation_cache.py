"""A damaged entry of JAX's persistent compilation cache never costs a student a point.

Found by grading copies of the solutions in a loaded batch: two trusted test sessions share
the batch's cache, one read an entry the other was still writing, JAX warned ("Error reading
persistent compilation cache entry ... incomplete or truncated stream") and compiled afresh,
and the project's ``filterwarnings = error`` turned the warning into a failed test: an honest
submission lost 2 of 267 points in about one batch of four. Here every entry is truncated
on purpose, which is what the race leaves behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _session(cache: Path, out: Path) -> tuple[int, dict, str]:
    env = dict(os.environ, JAXNM_JAX_CACHE=str(cache), JAXNM_HYPOTHESIS_PROFILE="grading")
    env.setdefault("JAX_PLATFORMS", "cpu")
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    cmd = [sys.executable, "-m", "pytest", "exercises", "-m", "ex02", "--target", "solutions"]
    cmd += ["-p", "no:cacheprovider", "-q", "--results-json", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return proc.returncode, json.loads(out.read_text()), proc.stdout + proc.stderr


def test_truncated_cache_entries_are_compiled_afresh_without_losing_points(tmp_path):
    cache = tmp_path / "jax"
    code, first, text = _session(cache, tmp_path / "first.json")
    assert code == 0, text[-3000:]
    entries = sorted(p for p in cache.iterdir() if p.name.endswith("-cache"))
    assert len(entries) >= 10, entries  # the session filled the cache
    for p in entries:  # what a reader sees while another process is still writing
        data = p.read_bytes()
        p.write_bytes(data[: len(data) // 2])
    code, second, text = _session(cache, tmp_path / "second.json")
    assert code == 0, text[-3000:]
    assert second["totals"] == first["totals"]
    assert all(t["outcome"] == "passed" for t in second["tests"]), second["tests"]
