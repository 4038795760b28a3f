"""Without the kernel sandbox the grader refuses to run, unless told --insecure (and says so);
what the sandbox shows a worker.

``JAXNM_GRADE_NO_NAMESPACES=1`` makes the sandbox look unavailable. The batch holds one
corrupt zip, which is rejected without starting any worker, so these tests are fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jaxnm_course.grading import cli, remote, sandbox


@pytest.fixture
def subs(tmp_path):
    d = tmp_path / "subs"
    d.mkdir()
    (d / "alice.zip").write_bytes(b"not a zip")
    return d


@pytest.fixture
def no_sandbox(monkeypatch):
    monkeypatch.setenv(sandbox.ENV_OFF, "1")


def test_grade_refuses_without_the_sandbox(subs, tmp_path, no_sandbox, capsys):
    out = tmp_path / "out"
    assert cli.main(["grade", str(subs), "--out", str(out)]) == 2
    assert "--insecure" in capsys.readouterr().err
    assert not (out / "grades.csv").exists()


def test_switching_the_sandbox_off_needs_insecure_too(subs, tmp_path):
    assert cli.main(["grade", str(subs), "--out", str(tmp_path / "o"), "--no-namespaces"]) == 2


def test_an_insecure_run_says_so_in_every_output(subs, tmp_path, no_sandbox):
    out = tmp_path / "out"
    assert cli.main(["grade", str(subs), "--out", str(out), "--insecure"]) == 0
    csv_text = (out / "grades.csv").read_text()
    assert "INSECURE RUN" in csv_text
    (student,) = (out / "students").iterdir()
    assert "INSECURE RUN" in json.loads((student / "results.json").read_text())["output"]
    assert "INSECURE RUN" in (student / "feedback.txt").read_text()
    (record,) = (out / "instructor").glob("*.json")
    assert json.loads(record.read_text())["insecure"] is True


def test_a_worker_refuses_to_start_unconfined_unless_insecure(tmp_path, no_sandbox):
    with pytest.raises(sandbox.SandboxUnavailable, match="--insecure"):
        remote.Worker(tmp_path)
    w = remote.Worker(tmp_path, insecure=True)  # not started: nothing to clean up
    assert not w.use_ns


def test_the_sandbox_shows_the_package_but_not_the_course():
    if not sandbox.confinement().available:
        pytest.skip(sandbox.confinement().detail)
    repo = Path(__file__).resolve().parents[2]
    ro = sandbox.readonly_paths()
    assert str(repo / "jaxnm_course") in ro
    assert str(repo) not in ro
    cmd = sandbox.confined_command(["python"], [("ex01_a.py", 7)], ro)
    binds = [cmd[i + 1] for i, a in enumerate(cmd) if a in ("--bind", "--ro-bind")]
    assert not any(b == str(repo) or b.startswith(str(repo / "solutions")) for b in binds)
    assert "--bind" not in cmd  # nothing of the host is writable
    assert cmd[cmd.index("--file") + 1 : cmd.index("--file") + 3] == [
        "7",
        "/tmp/submission/ex01_a.py",
    ]


def test_the_support_package_is_readable_but_read_only_in_the_sandbox(tmp_path):
    """The course's support files reach the worker like the submission, but read-only."""
    if not sandbox.confinement().available:
        pytest.skip(sandbox.confinement().detail)
    (tmp_path / "catalog.py").write_text("REF = 42\n")
    (tmp_path / "ex01_a.py").write_text("X = 1\n")
    probe = (
        "import os, sys\n"
        "print('read', open('/tmp/support/pkg/catalog.py').read().strip())\n"
        "for what, path in (('write', '/tmp/support/pkg/catalog.py'),\n"
        "                   ('add', '/tmp/support/pkg/evil.py'),\n"
        "                   ('own', '/tmp/submission/scratch.txt')):\n"
        "    try:\n"
        "        open(path, 'a').write('x')\n"
        "        print(what, 'ok')\n"
        "    except OSError as e:\n"
        "        print(what, e.strerror)\n"
        "try:\n"
        "    os.chmod('/tmp/support/pkg/catalog.py', 0o666)\n"
        "    print('chmod ok')\n"
        "except OSError as e:\n"
        "    print('chmod', e.strerror)\n"
    )
    sub = os.open(tmp_path / "ex01_a.py", os.O_RDONLY)
    sup = os.open(tmp_path / "catalog.py", os.O_RDONLY)
    try:
        argv = sandbox.confined_command(
            [sys.executable, "-I", "-c", probe],
            [("ex01_a.py", sub)],
            sandbox.readonly_paths(),
            ro_files=[("pkg/catalog.py", sup)],
        )
        r = subprocess.run(argv, pass_fds=(sub, sup), capture_output=True, text=True, timeout=120)
    finally:
        os.close(sub)
        os.close(sup)
    lines = r.stdout.splitlines()
    # Writing the 0444 file fails on its mode first, before the read-only mount is consulted.
    assert lines[:1] == ["read REF = 42"], r.stdout + r.stderr
    assert lines[1] in ("write Permission denied", "write Read-only file system"), lines
    assert lines[2:] == ["add Read-only file system", "own ok", "chmod Read-only file system"]
