"""Starting and stopping one worker process (the part of :mod:`~.supervisor` that touches the OS).

:func:`start` puts the submission's files (and the course's support package, staged read-only
by :func:`jaxnm_course.grading.course.stage_support`) where the worker will find them and
starts ``python -I`` on the trusted side's own copy of :mod:`jaxnm_course.grading.worker`
(:data:`BOOT`), either inside the kernel sandbox (:func:`~.sandbox.confined_command`: the
files are copied in by bubblewrap from descriptors opened here, the support package into a
read-only tmpfs; the filter of :mod:`~.seccomp` is loaded when libseccomp is there) or, for
``--insecure`` runs and tests of the other layers, unconfined in a
private folder of the trusted side. :func:`stop` kills it and everything it started.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from jaxnm_course.grading import codec, course, sandbox, seccomp

__all__ = ["BOOT", "PKG_PARENT", "Started", "exit_status", "read_child_pid", "start", "stop"]

#: The folder holding the trusted side's own ``jaxnm_course`` (the one that is running).
PKG_PARENT = str(Path(__file__).resolve().parents[2])
#: The worker's start: that copy of the package first on ``sys.path`` (a confined worker sees
#: only that folder of it), taken off again once the worker module is loaded.
BOOT = (
    "import sys; sys.path.insert(0, {0!r}); import jaxnm_course.grading.worker as w; "
    "sys.path.remove({0!r}); w.main()"
)


class Started(NamedTuple):
    """A started worker.

    Attributes:
        proc: the process started here (``bwrap`` when confined).
        fds: ``(request pipe write end, response pipe read end)``; the first non-blocking.
        sandbox_pid: host pid of the sandbox's pid 1 (None when unconfined).
        out_path: the file holding the worker's captured output.
    """

    proc: subprocess.Popen
    fds: tuple[int, int]
    sandbox_pid: int | None
    out_path: str


def _open_all(files: list[tuple[str, Path]]) -> list[tuple[str, int]]:
    # O_NOFOLLOW: a link swapped in after staging is not followed.
    return [(rel, os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)) for rel, p in files]


def _support_files(staged: dict | None) -> list[tuple[str, Path]]:
    if staged is None:
        return []
    root = Path(staged["path"])
    return sorted(
        (p.relative_to(root).as_posix(), p)
        for p in root.rglob("*")
        if p.is_file() and not p.is_symlink()
    )


def start(
    files: list[tuple[str, Path]],
    tmp: str,
    cfg: dict,
    confined: bool,
    ro_paths: list[str],
    tmpfs_mb: int,
) -> Started:
    """Start one worker.

    Args:
        files: the submission's files (:func:`~.sandbox.submission_files`).
        tmp: the trusted side's private folder for this worker (its output, the staged
            support package and, when unconfined, the copy of the submission).
        cfg: the worker's configuration without ``fd_in``, ``fd_out``, ``workdir`` and
            ``catalog`` (filled in here).
        confined: start it in the kernel sandbox.
        ro_paths: host paths bound read-only in the sandbox (:func:`~.sandbox.readonly_paths`).
        tmpfs_mb: size of the sandbox's private tmpfs (MiB).

    Returns:
        The started worker (not yet announced: the caller waits for its ``ready``).
    """
    staged = course.stage_support(os.path.join(tmp, "support"))
    fds: list[tuple[str, int]] = []
    ro_fds: list[tuple[str, int]] = []
    if confined:
        work = sandbox.WORKDIR
        fds = _open_all(files)
        ro_fds = _open_all(_support_files(staged))
        if staged is not None:
            staged = dict(staged, path=sandbox.SUPPORT_DIR)
    else:
        work = os.path.join(tmp, "submission")
        os.mkdir(work)
        for rel, path in files:
            (Path(work) / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, Path(work) / rel)
    out_path = os.path.join(tmp, "output.txt")
    out = open(out_path, "wb")  # noqa: SIM115 (kept open as the worker's stdout)
    req_r, req_w = os.pipe()
    resp_r, resp_w = os.pipe()
    full = dict(cfg, fd_in=req_r, fd_out=resp_w, workdir=work, catalog=staged)
    full["deny"] = [*cfg.get("deny", []), out_path]
    full.setdefault("max_bytes", codec.MAX_MESSAGE_BYTES)
    argv = [sys.executable, "-I", "-c", BOOT.format(PKG_PARENT), json.dumps(full)]
    info_r = info_w = -1
    passed = [req_r, resp_w, *(fd for _, fd in fds), *(fd for _, fd in ro_fds)]
    if confined:
        info_r, info_w = os.pipe()
        passed.append(info_w)
        filter_fd = seccomp.program_fd()  # None when libseccomp is missing (outputs say so)
        if filter_fd is not None:
            passed.append(filter_fd)
        argv = sandbox.confined_command(
            argv, fds, ro_paths, tmpfs_mb, info_fd=info_w, ro_files=ro_fds, seccomp_fd=filter_fd
        )
    try:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp if confined else work,
            env=sandbox.worker_env(work),
            pass_fds=tuple(passed),
            start_new_session=True,
            close_fds=True,
        )
    except BaseException:
        if info_r >= 0:
            os.close(info_r)
        os.close(req_w)
        os.close(resp_r)
        raise
    finally:
        for fd in passed:
            os.close(fd)
        out.close()
    fl = fcntl.fcntl(req_w, fcntl.F_GETFL)
    fcntl.fcntl(req_w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
    inner = read_child_pid(info_r) if confined else None
    return Started(proc, (req_w, resp_r), inner, out_path)


def read_child_pid(fd: int, timeout: float = 30.0) -> int | None:
    """Read bwrap's ``--info-fd`` JSON (then close ``fd``); the sandbox's pid 1 on the host."""
    data = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
            if not r:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
            with contextlib.suppress(ValueError):
                pid = json.loads(data.decode()).get("child-pid")
                return int(pid) if pid else None
    finally:
        os.close(fd)
    return None


def stop(proc: subprocess.Popen, inner: int | None, grace: float = 0.0) -> int | None:
    """Kill a worker's process groups (the sandbox's too) and reap it; return its status.

    Args:
        proc: the process :func:`start` started.
        inner: the sandbox's pid 1 (:attr:`Started.sandbox_pid`), or None.
        grace: seconds to wait first for a worker that is exiting by itself (its exit
            status then passes through the sandbox instead of being SIGKILL).
    """
    if grace > 0:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    for pid in (inner, proc.pid):
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    try:
        status = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        return None
    # The sandbox's pid 1 exits only once every process of its PID namespace is gone (the
    # kernel kills them all when it dies): wait until it has been reaped.
    deadline = time.monotonic() + 10
    while inner and time.monotonic() < deadline:
        try:
            os.kill(inner, 0)
        except (ProcessLookupError, PermissionError):
            break
        time.sleep(0.02)
    return status


def exit_status(status: int | None, confined: bool) -> int | None:
    """The worker's own exit status: bwrap reports a worker killed by signal N as 128 + N."""
    if confined and status is not None and 128 < status < 128 + 65:
        return 128 - status
    return status
