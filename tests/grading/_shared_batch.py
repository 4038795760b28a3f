"""One confined batch for the trust tests and the sandbox escapes, as root and unprivileged.

``test_trust.py`` (issue 13, root causes 1, 5, 6, 7: a forging ``conftest.py``, hidden
failures, odd names, the forbid list) and ``test_sandbox_escapes.py`` (root causes 2, 3, 4:
attacks on the kernel layer) grade copies of the same mini course. Each batch starts a
trusted pytest and a confined worker per submission, which is most of their cost, so both
sets of submissions are graded together: ONE ``jaxnm-grade grade`` run per user (root, then
an unprivileged user), shared by both modules through the session fixture ``grader_batch``
(``tests/grading/conftest.py``). Every test still asserts on its own rows and files.

The grader runs in a subprocess (so that it can run as another user) through a small
trusted wrapper, :data:`WRAPPER`, which records the threads that decide the ``--forbid
auto`` list. The audit hook is off in the workers (``JAXNM_GRADE_AUDIT_HOOK=0``): what
stops the attacks is the kernel layer alone, and none of the trust checks relies on the hook.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
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
from . import trust_submissions as toy

REQUIRED = os.environ.get("JAXNM_REQUIRE_SANDBOX") == "1"
#: Workers of the batch: several attacks wait up to 25 s for a neighbour to copy from,
#: which the other submissions' work overlaps.
LIMITS = ["--workers", "4", "--call-timeout", "20", "--submission-timeout", "60"]

#: ``jaxnm-grade`` with ``batch.default_forbid`` counted: which threads decided the forbid
#: list (root cause 7: it must be the main thread, once, before the grading threads).
WRAPPER = """
import json, sys, threading
from jaxnm_course.grading import batch, cli

probe, argv, calls, real = sys.argv[1], sys.argv[2:], [], batch.default_forbid

def counted(course):
    calls.append(threading.current_thread().name)
    return real(course)

batch.default_forbid = counted
try:
    rc = cli.main(argv)
finally:
    with open(probe, "w") as f:
        json.dump({"calls": calls, "main": threading.main_thread().name}, f)
sys.exit(rc)
"""


def unavailable(reason: str):
    """Fail (CI requires the sandbox) or skip."""
    if REQUIRED:
        pytest.fail(f"JAXNM_REQUIRE_SANDBOX=1 but {reason}")
    pytest.skip(reason)


def snapshot(out: Path) -> dict[str, str]:
    """Hash of every file under ``out``."""
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def processes_naming(needle: str) -> list[int]:
    """Processes (not this one) whose command line or environment holds ``needle``."""
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


class Listener:
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


def _user(mode: str) -> tuple[int, int]:
    if mode == "root":
        if os.geteuid() != 0:
            pytest.skip("the tests do not run as root")
        return 0, 0
    user = hs.unprivileged_user()
    if user is None:
        unavailable("no unprivileged user could be created (useradd)")
    return user


def run(mode: str):
    """Build every submission, grade them in one batch as ``mode``'s user; yield the results.

    A generator for the session fixture: everything (files, survivors) is cleaned up after.
    """
    if not sandbox.confinement().available:
        unavailable(f"no kernel sandbox here: {sandbox.confinement().detail}")
    uid, gid = _user(mode)
    base = Path(tempfile.mkdtemp(prefix="jaxnm-sbx-"))
    token = uuid.uuid4().hex
    scratch, subs, out, hold = (base / n for n in ("scratch", "subs", "out", "hold"))
    probe, marker = base / "forbid-calls.json", base / "conftest-ran.txt"
    for d in (scratch, hold):
        d.mkdir()
    listener = Listener()
    try:
        course = hs.make_course(base / "course")
        hs.build(subs, token, course, scratch, out, listener.port)
        toy.build(subs, course, marker)
        entries = sorted(p.name.removesuffix(".zip") for p in subs.iterdir())
        if uid:
            for p in [base, *base.rglob("*")]:
                if not p.is_relative_to(hold):
                    os.chown(p, uid, gid, follow_symlinks=False)
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
        if uid:
            cmd = [sys.executable, "-m", "jaxnm_course.grading.sandbox"]
            r = subprocess.run(
                hs.as_user(cmd, uid, gid, hold / "p"),
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            if r.returncode != 0:
                unavailable(f"the sandbox does not work for uid {uid}: {r.stdout}{r.stderr}")
        argv = [sys.executable, "-c", WRAPPER, str(probe), "grade", str(subs)]
        argv += ["--out", str(out), "--course", str(course), *LIMITS]
        t0 = time.monotonic()
        r = subprocess.run(
            hs.as_user(argv, uid, gid, hold / "g") if uid else argv,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        elapsed = time.monotonic() - t0
        before = snapshot(out) if out.is_dir() else {}
        time.sleep(4)  # a survivor writes every 0.5 s
        after = snapshot(out) if out.is_dir() else {}
        header, table = [], []
        if (out / "grades.csv").is_file():
            with open(out / "grades.csv", newline="", encoding="utf-8") as f:
                header, *table = list(csv.reader(f))
        forbid = json.loads(probe.read_text()) if probe.is_file() else {}
        yield {
            "mode": mode,
            "rc": r.returncode,
            "log": (r.stdout + r.stderr)[-3000:],
            "elapsed": elapsed,
            "out": out,
            "marker": marker,
            "entries": entries,
            "header": header,
            "table": table,
            "rows": {t[0]: dict(zip(header, t, strict=False)) for t in table if t},
            "records": [json.loads(p.read_text()) for p in (out / "instructor").glob("*.json")],
            "feedback": {
                p.parent.name: p.read_text("utf-8", "replace")
                for p in out.glob("students/*/feedback.txt")
            },
            "forbid_calls": forbid.get("calls"),
            "main_thread": forbid.get("main"),
            "before": before,
            "after": after,
            "markers": sorted(p.name for p in scratch.glob("survivor-*")),
            "survivors": processes_naming(str(scratch)),
            "connections": listener.connections,
        }
    finally:
        listener.close()
        for pid in processes_naming(str(scratch)):
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        shutil.rmtree(base, ignore_errors=True)
