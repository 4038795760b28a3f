"""Hostile submissions graded in ONE batch with honest ones (issue 5).

The honest submissions must get exactly their marks; each hostile one no more than its
honest work earns (0 for those built on the untouched stub; the partial ones no more than
``partial_honest``); the batch must finish with a row for every submission; nothing a
submission does may change a result file or survive the batch.

Exercise set 01 only, with short time limits, so the batch stays within a few minutes on
2 cores. When the grader can use Linux namespaces (root), a second, small batch checks the
portable layer (audit hook, rlimits) alone, with namespaces switched off.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from jaxnm_course.grading import cli, sandbox

sys.path.insert(0, str(Path(__file__).parent))
from hostile import builders

pytestmark = pytest.mark.slow

LIMITS = ["--call-timeout", "10", "--submission-timeout", "20", "--only", "ex02", "--workers", "2"]


def _snapshot(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def _worker_processes(tmp: Path) -> list[int]:
    """Processes still running with the environment of a worker of this batch."""
    needle = f"HOME={tmp}".encode()
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            env = (d / "environ").read_bytes()
        except OSError:
            continue
        if needle in env:
            found.append(int(d.name))
    return found


def _run_batch(tmp: Path, names: list[str] | None = None, extra: tuple[str, ...] = ()):
    token = f"jaxnm-hostile-{uuid.uuid4().hex}"
    subs, out = tmp / "submissions", tmp / "out"
    bounds = builders.build_all(subs, out, token)
    if names is not None:
        for entry in subs.iterdir():
            if entry.name.removesuffix(".zip") not in names:
                if entry.is_dir():
                    for f in entry.iterdir():
                        f.unlink()
                    entry.rmdir()
                else:
                    entry.unlink()
        bounds = {k: v for k, v in bounds.items() if k in names}
    # Worker folders go under this batch's own temporary folder, to find survivors.
    scratch = tmp / "scratch"
    scratch.mkdir()
    saved, tempfile.tempdir = tempfile.tempdir, str(scratch)
    try:
        t0 = time.monotonic()
        rc = cli.main(["grade", str(subs), "--out", str(out), *LIMITS, *extra])
        elapsed = time.monotonic() - t0
    finally:
        tempfile.tempdir = saved
    before = _snapshot(out)
    time.sleep(5)  # a detached child sleeping 3 s would strike now
    after = _snapshot(out)
    with open(out / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    return {
        "rc": rc,
        "elapsed": elapsed,
        "rows": rows,
        "bounds": bounds,
        "out": out,
        "token": token,
        "before": before,
        "after": after,
        "survivors": _worker_processes(scratch),
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return _run_batch(tmp_path_factory.mktemp("hostile"))


def test_batch_finishes_with_a_row_for_every_submission(batch):
    assert batch["rc"] == 0
    assert set(batch["rows"]) == set(batch["bounds"])
    print(f"hostile batch of {len(batch['rows'])} submissions: {batch['elapsed']:.0f} s")


def test_honest_submissions_get_exactly_their_marks(batch):
    rows = batch["rows"]
    full = float(rows["honest_full"]["max"])
    assert full > 0
    for name in ("honest_full", "honest_zip", "honest_noisy"):
        assert float(rows[name]["total"]) == full, rows[name]
        assert rows[name]["status"] == "ok", rows[name]
    stub = rows["honest_stub"]
    assert float(stub["total"]) == 0
    assert float(stub["max"]) == full
    assert stub["status"] == "not_attempted"
    assert 0 < float(rows["partial_honest"]["total"]) < full


@pytest.mark.parametrize(
    "name",
    [
        "os_exit_at_import",
        "sys_exit_at_import",
        "base_exceptions",
        "keyboard_interrupt_at_import",
        "infinite_loop",
        "ignores_signals",
        "memory_bomb",
        "fork_bomb",
        "write_results",
        "atexit_hook",
        "detached_child",
        "print_500mb",
        "monkeypatch",
        "frames_and_gc",
        "import_solutions",
        "syntax_error",
        "missing_functions",
        "wrong_types",
        "nan_answers",
        "zip_bomb",
        "zip_slip",
        "partial_exit",
        "partial_loop",
    ],
)
def test_hostile_submission_earns_no_more_than_its_honest_work(batch, name):
    rows = batch["rows"]
    row = rows[name]
    bound = batch["bounds"][name]
    limit = float(rows["partial_honest"]["total"]) if bound == "partial" else float(bound)
    assert float(row["total"]) <= limit, row
    if float(row["total"]) == 0:
        assert row["reason"], f"{name} scored zero without a reason: {row}"
    # Its per-student files exist and were written by the grader (not forged).
    res = json.loads((batch["out"] / "students" / name / "results.json").read_text())
    assert res["score"] == float(row["total"])
    assert builders.FORGED not in (batch["out"] / "students" / name / "results.json").read_text()


def test_rejected_zips_are_refused_with_a_reason(batch):
    rows = batch["rows"]
    assert rows["zip_bomb"]["status"] == "rejected"
    assert "zip bomb" in rows["zip_bomb"]["reason"]
    assert rows["zip_slip"]["status"] == "rejected"
    assert ".." in rows["zip_slip"]["reason"]
    assert not Path(f"/tmp/{batch['token']}-zipslip.py").exists()


def test_timeouts_and_import_failures_are_named(batch):
    res = json.loads((batch["out"] / "students" / "infinite_loop" / "results.json").read_text())
    # The outcome comes from the plugin (the exception's grading_outcome), not from its text.
    assert any(t["output"].startswith("timeout: CallTimeout") for t in res["tests"]), res
    fb = (batch["out"] / "students" / "syntax_error" / "feedback.txt").read_text()
    assert "SyntaxError" in fb
    assert "import" in batch["rows"]["os_exit_at_import"]["reason"]


def test_nothing_outside_the_worker_was_written_and_nothing_survived(batch):
    assert not Path(f"/tmp/{batch['token']}").exists(), "a submission wrote outside its folder"
    assert batch["before"] == batch["after"], "result files changed after the batch"
    for p in batch["out"].rglob("*"):
        if p.is_file():
            assert builders.FORGED not in p.read_text(errors="replace"), p
    assert batch["survivors"] == [], f"worker processes survived: {batch['survivors']}"


@pytest.mark.skipif(
    not sandbox.namespaces_available(), reason="the main batch already ran without namespaces"
)
def test_portable_layer_alone_stops_the_escapes(tmp_path):
    """Namespaces off: the audit hook and rlimits alone must stop the same attacks."""
    names = [
        "honest_full",
        "detached_child",
        "write_results",
        "import_solutions",
    ]
    b = _run_batch(tmp_path, names, ("--no-namespaces", "--insecure"))
    rows = b["rows"]
    assert set(rows) == set(names)
    assert float(rows["honest_full"]["total"]) == float(rows["honest_full"]["max"]) > 0
    for name in names[1:]:
        assert float(rows[name]["total"]) == 0, rows[name]
    assert not Path(f"/tmp/{b['token']}").exists()
    assert b["before"] == b["after"]
    assert b["survivors"] == []


def test_workers_really_were_confined_when_namespaces_are_available():
    """Say which layers ran (a skipped layer must be visible in the report, not silent)."""
    if not sandbox.namespaces_available():
        pytest.skip(f"no kernel sandbox: {sandbox.confinement().detail}")
    assert sandbox.confinement().tool
