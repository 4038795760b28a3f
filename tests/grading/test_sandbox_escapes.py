"""Hostile submissions against the kernel sandbox, as root and as an unprivileged user.

One batch per user (set ex01 of a copy of the mini course, short limits): two honest controls (the
solutions, first and last) and one submission per attack of issue 13 (see
``_hostile_sandbox.py``). The audit hook is switched off in these workers
(``JAXNM_GRADE_AUDIT_HOOK=0``, a trusted-side switch), so everything that stops the attacks
here is the kernel layer. Against the grader of before (commit 5a86568, whose audit hook the
attacks switch off themselves), as an unprivileged user: b, c, d and g earned full marks,
i reached the host's network, f's survivor forged ``grades.csv`` after the batch; as root:
b earned full marks and g listed ``/home`` and the batch folder.

CI sets ``JAXNM_REQUIRE_SANDBOX=1``: a missing sandbox or missing user namespaces then fail
these tests instead of skipping them.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

from jaxnm_course.grading import sandbox

from . import _hostile_sandbox as hs

pytestmark = pytest.mark.slow
REQUIRED = os.environ.get("JAXNM_REQUIRE_SANDBOX") == "1"
HOSTILE = sorted(hs.ATTACKS)
HONEST = ["a_honest", "z_honest"]


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"JAXNM_REQUIRE_SANDBOX=1 but {reason}")
    pytest.skip(reason)


def _snapshot(out: Path) -> dict[str, str]:
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def _processes_naming(needle: str) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == os.getpid():
            continue
        for what in ("cmdline", "environ"):
            try:
                if needle.encode() in (d / what).read_bytes():
                    found.append(int(d.name))
                    break
            except OSError:
                pass
    return found


class _Listener:
    """A TCP listener on the host's loopback that counts connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop = True
        self.thread.join(5)
        self.sock.close()


@pytest.fixture(scope="module", params=["root", "unprivileged"])
def batch(request):
    if not sandbox.confinement().available:
        _unavailable(f"no kernel sandbox here: {sandbox.confinement().detail}")
    if request.param == "root":
        if os.geteuid() != 0:
            pytest.skip("the tests do not run as root")
        uid, gid = 0, 0
    else:
        user = hs.unprivileged_user()
        if user is None:
            _unavailable("no unprivileged user could be created (useradd)")
        uid, gid = user
    base = Path(tempfile.mkdtemp(prefix="jaxnm-sbx-"))
    token = uuid.uuid4().hex
    scratch, subs, out, hold = (base / n for n in ("scratch", "subs", "out", "hold"))
    for d in (scratch, hold):
        d.mkdir()
    listener = _Listener()
    try:
        course = hs.make_course(base / "course")
        hs.build(subs, token, course, scratch, out, listener.port)
        if uid:
            for p in [base, *base.rglob("*")]:
                if not p.is_relative_to(hold):
                    os.chown(p, uid, gid)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(scratch),
            "TMPDIR": str(scratch),
            "PYTHONPATH": str(hs.REPO),
            "PYTHONDONTWRITEBYTECODE": "1",
            "JAX_PLATFORMS": "cpu",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false",
            "JAXNM_GRADE_AUDIT_HOOK": "0",  # the kernel layer alone
        }
        probe = (
            hs.as_user(
                [sys.executable, "-m", "jaxnm_course.grading.sandbox"], uid, gid, hold / "p"
            )
            if uid
            else None
        )
        if probe:
            r = subprocess.run(probe, env=env, capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                _unavailable(f"the sandbox does not work for uid {uid}: {r.stdout}{r.stderr}")
        argv = [sys.executable, "-m", "jaxnm_course.grading.cli", "grade", str(subs)]
        argv += ["--out", str(out), "--course", str(course), "--only", "ex01", "--workers", "4"]
        argv += ["--call-timeout", "20", "--submission-timeout", "60"]
        t0 = time.monotonic()
        r = subprocess.run(
            hs.as_user(argv, uid, gid, hold / "g") if uid else argv,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        elapsed = time.monotonic() - t0
        before = _snapshot(out) if out.is_dir() else {}
        time.sleep(4)  # a survivor writes every 0.5 s
        after = _snapshot(out) if out.is_dir() else {}
        rows = {}
        if (out / "grades.csv").is_file():
            with open(out / "grades.csv", newline="") as f:
                rows = {row["student"]: row for row in csv.DictReader(f)}
        feedback = {
            p.parent.name: p.read_text("utf-8", "replace")
            for p in out.glob("students/*/feedback.txt")
        }
        yield {
            "mode": request.param,
            "rc": r.returncode,
            "log": (r.stdout + r.stderr)[-3000:],
            "elapsed": elapsed,
            "rows": rows,
            "feedback": feedback,
            "before": before,
            "after": after,
            "markers": sorted(p.name for p in scratch.glob("survivor-*")),
            "survivors": _processes_naming(str(scratch)),
            "connections": listener.connections,
        }
    finally:
        listener.close()
        for pid in _processes_naming(str(scratch)):
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        shutil.rmtree(base, ignore_errors=True)


def test_the_batch_finishes_with_a_row_for_everyone(batch):
    assert batch["rc"] == 0, batch["log"]
    assert set(batch["rows"]) == set(HONEST + HOSTILE), batch["log"]
    print(f"{batch['mode']}: {len(batch['rows'])} submissions in {batch['elapsed']:.0f} s")


def test_the_honest_controls_get_full_marks(batch):
    for name in HONEST:
        row = batch["rows"].get(name)
        assert row is not None, batch["log"]
        assert float(row["max"]) > 0, row
        assert float(row["total"]) == float(row["max"]), row
        assert row["status"] == "ok", row


@pytest.mark.parametrize("name", HOSTILE)
def test_no_attack_earns_marks_or_sees_anything(batch, name):
    row = batch["rows"].get(name)
    assert row is not None, batch["log"]
    assert float(row["total"]) == 0, (row, batch["feedback"].get(name, "")[:3000])
    leaks = re.findall(r"LEAK (.*)", batch["feedback"].get(name, ""))
    if name == "h_disk_fill":
        # The disk fills up at the worker's own tmpfs, far below the 2 GiB it tried.
        m = re.search(r"DISK wrote (\d+) bytes then OSError: No space left on device", leaks[0])
        assert m, leaks
        assert int(m.group(1)) <= sandbox.DEFAULT_TMPFS_MB << 20
    else:
        assert not leaks, leaks


def test_nothing_survives_the_batch_or_writes_afterwards(batch):
    assert batch["before"] == batch["after"]
    assert batch["markers"] == []
    assert batch["survivors"] == []


def test_no_submission_reached_the_host_network(batch):
    assert batch["connections"] == 0
