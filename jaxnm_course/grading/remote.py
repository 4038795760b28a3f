"""Trusted side of remote grading: module proxies whose calls run in an isolated worker.

When the grader sets ``JAXNM_GRADE_REMOTE``, ``jaxnm_course.grading.target.load(name)``
returns :func:`load` ``(name)``: a proxy whose attributes are callables that send the call to
a worker process (:mod:`jaxnm_course.grading.worker`) holding the student's code. The tests
and the reference run here, in the trusted pytest process; only plain data crosses (see
:mod:`jaxnm_course.grading.codec`).

``JAXNM_GRADE_REMOTE`` is either a path to the submission folder, or a JSON object with the
keys ``submission`` (folder, required), ``call_timeout`` (s, default 60), ``submission_timeout``
(s, total for the submission, default 900), ``memory_mb`` (default 4096), ``hide`` (extra
folders the worker must not see), ``forbid`` (extra modules a submission may not import),
``pidfile`` (where the process-group id of each worker started is appended) and
``namespaces`` (``"auto"`` (default) or ``"off"``), ``tmp_root`` (where worker folders
are made), ``insecure`` (run unconfined when the kernel sandbox is unavailable instead of
refusing), ``ro_paths`` (extra read-only paths for the confined worker) and ``tmpfs_mb``
(size of its private tmpfs).

One worker serves all calls of a submission (JAX is imported and compiled once; the worker
is started when the first proxy is made, so its start overlaps test collection). A call that
does not answer within ``call_timeout`` kills the worker's whole process group; the call raises
:class:`CallTimeout` and the next call starts a fresh worker. A worker that dies raises
:class:`WorkerCrashed` for that call. A module whose import failed (syntax error,
``sys.exit``, a crash or a timeout during import) fails every later call at once with
:class:`SubmissionImportError`; a missing file raises :class:`SubmissionMissing`.

Exceptions raised by student code arrive as :class:`RemoteError` (an ``Exception``) or, for
the common built-in types, a subclass that also derives from that type (``ValueError``,
``TypeError``, ``AttributeError``, ``MemoryError``, ...), so ``pytest.raises(ValueError)``
works; ``KeyboardInterrupt``/``SystemExit`` raised by student code are plain
:class:`RemoteError` here. ``NotImplementedError`` arrives as
:class:`~jaxnm_course.grading.target.NotAttempted` (as in student mode), and failures of the
worker itself (:class:`WorkerFailure`: timeout, crash, failed import, protocol violation) are
``BaseException`` subclasses so that Hypothesis stops at once instead of shrinking through
more time limits. Every class carries ``grading_outcome`` (``"error"``, ``"timeout"`` or
``"not_attempted"``); the plugin names the class at the start of the test's message, which
the batch grader maps to the outcome ``timeout``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from jaxnm_course.grading import codec, sandbox
from jaxnm_course.grading.target import NotAttempted

__all__ = [
    "CallTimeout",
    "ProtocolViolation",
    "RemoteError",
    "RemoteModule",
    "SubmissionImportError",
    "SubmissionMissing",
    "Worker",
    "WorkerCrashed",
    "WorkerFailure",
    "close_all",
    "copy_submission",
    "load",
]

ENV = "JAXNM_GRADE_REMOTE"
#: Largest submission copied into a worker (bytes, all files together) and file count.
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024
MAX_SUBMISSION_FILES = 200
_TAIL = 1500
# The worker's start: the trusted side's own copy of the package first (the confined worker
# sees only that folder of it), taken off sys.path again once the worker module is loaded.
_PKG_PARENT = str(Path(__file__).resolve().parents[2])
_BOOT = (
    "import sys; sys.path.insert(0, {0!r}); import jaxnm_course.grading.worker as w; "
    "sys.path.remove({0!r}); w.main()"
)


class RemoteError(Exception):
    """An exception raised by student code in the worker (mapped to a local class)."""

    grading_outcome = "error"

    def __init__(self, message: str, remote_type: str = "", remote_traceback: str = "") -> None:
        super().__init__(message)
        self.remote_type = remote_type
        self.remote_traceback = remote_traceback


class WorkerFailure(BaseException):
    """The worker could not answer (base class of timeouts, crashes, import failures).

    A ``BaseException`` on purpose (like :class:`~jaxnm_course.grading.target.NotAttempted`):
    Hypothesis stops at once instead of searching for a smaller example (which would cost a
    time limit per example), and no ``pytest.raises(Exception)`` in a test can take it for
    an expected error.
    """

    grading_outcome = "error"

    def __init__(self, message: str, remote_type: str = "", remote_traceback: str = "") -> None:
        super().__init__(message)
        self.remote_type = remote_type
        self.remote_traceback = remote_traceback


class CallTimeout(WorkerFailure):
    """The call did not answer within the per-call (or per-submission) time limit."""

    grading_outcome = "timeout"


class WorkerCrashed(WorkerFailure):
    """The worker process died during the call (``os._exit``, a signal, a resource limit)."""


class ProtocolViolation(WorkerFailure):
    """The worker sent something other than a well-formed answer to the current call."""


class SubmissionImportError(WorkerFailure):
    """The submission module could not be imported; every call of it fails."""


class SubmissionMissing(NotAttempted):
    """The submission has no file for this exercise set (not attempted)."""

    grading_outcome = "not_attempted"

    def __init__(self, message: str, remote_type: str = "", remote_traceback: str = "") -> None:
        super().__init__(message)
        self.remote_type = remote_type
        self.remote_traceback = remote_traceback


_BUILTIN = {
    cls.__name__: cls
    for cls in (
        ValueError,
        TypeError,
        AttributeError,
        KeyError,
        IndexError,
        LookupError,
        ZeroDivisionError,
        ArithmeticError,
        FloatingPointError,
        OverflowError,
        RuntimeError,
        AssertionError,
        MemoryError,
        RecursionError,
        PermissionError,
        OSError,
        ImportError,
        ModuleNotFoundError,
        NameError,
    )
}
_MAPPED: dict[str, type] = {}


def _remote_exception(err: Any) -> BaseException:
    """Turn a decoded error record into a local exception (of a fixed, local class)."""
    if not isinstance(err, dict):
        return ProtocolViolation("malformed error from the worker")
    typ = str(err.get("type", "Exception"))[:100]
    msg = str(err.get("message", ""))[:2000]
    tb = str(err.get("traceback", ""))[:4000]
    if typ == "NotImplementedError":
        return NotAttempted(msg or "not implemented yet")
    if typ in _BUILTIN:
        return _mapped(typ, _BUILTIN[typ], "error")(msg, typ, tb)
    return RemoteError(f"{typ}: {msg}" if msg else typ, typ, tb)


def _mapped(name: str, base: type, outcome: str) -> type:
    if name not in _MAPPED:
        _MAPPED[name] = type(
            f"Remote{name}",
            (RemoteError, base),
            {"grading_outcome": outcome, "__module__": __name__},
        )
    return _MAPPED[name]


def copy_submission(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Copy a submission folder's regular files (no links, size-capped) into ``dst``.

    Args:
        src: the submission folder.
        dst: an existing empty folder.

    Raises:
        ValueError: too many files or too many bytes.
    """
    src, dst = Path(src), Path(dst)
    total = count = 0
    for root, dirs, files in os.walk(src, followlinks=False):
        rel = Path(root).relative_to(src)
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".") and d != "__pycache__" and not (Path(root) / d).is_symlink()
        ]
        for f in files:
            p = Path(root) / f
            if p.is_symlink() or not p.is_file():
                continue
            count += 1
            total += p.stat().st_size
            if count > MAX_SUBMISSION_FILES or total > MAX_SUBMISSION_BYTES:
                raise ValueError(
                    f"submission too large (more than {MAX_SUBMISSION_FILES} files or "
                    f"{MAX_SUBMISSION_BYTES} bytes)"
                )
            (dst / rel).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dst / rel / f)


def _read_child_pid(fd: int, timeout: float = 30.0) -> int | None:
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


def _read_exact(fd: int, n: int, deadline: float) -> bytes:
    chunks, got = [], 0
    while got < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        r, _, _ = select.select([fd], [], [], left)
        if not r:
            raise TimeoutError
        b = os.read(fd, min(n - got, 1 << 20))
        if not b:
            raise EOFError
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        _, w, _ = select.select([], [fd], [], left)
        if not w:
            raise TimeoutError
        try:
            n = os.write(fd, view[: 1 << 16])
        except BlockingIOError:
            continue
        except BrokenPipeError:
            raise EOFError from None
        view = view[n:]


class Worker:
    """One isolated worker process serving one submission (restarted after a failure).

    Args:
        submission: the submission folder (copied into the worker's own temporary folder).
        call_timeout: wall-clock limit of one call (s).
        submission_timeout: wall-clock budget of all calls and starts together (s).
        memory_mb: address-space limit of the worker (MiB).
        hide: extra folders the worker may not read (beside :func:`sandbox.secret_paths`).
        forbid: extra module names a submission may not import.
        pidfile: file where each started worker's process-group id is appended.
        namespaces: ``"auto"`` (the kernel sandbox, :mod:`~jaxnm_course.grading.sandbox`)
            or ``"off"`` (unconfined: for tests of the other layers only).
        start_timeout: limit for the worker to import JAX and announce itself (s).
        max_restarts: after this many restarts every call fails at once.
        tmp_root: folder under which the workers' temporary folders are made (denied to
            every worker except for its own folder); default the system's temporary folder.
        insecure: run unconfined when the kernel sandbox is unavailable (otherwise
            :class:`~jaxnm_course.grading.sandbox.SandboxUnavailable` is raised).
        ro_paths: extra host paths the confined worker may read (e.g. a course support
            package), beside :func:`~jaxnm_course.grading.sandbox.readonly_paths`.
        tmpfs_mb: size of the confined worker's private tmpfs, its whole disk (MiB).
    """

    def __init__(
        self,
        submission: str | os.PathLike,
        call_timeout: float = 60.0,
        submission_timeout: float = 900.0,
        memory_mb: int = sandbox.DEFAULT_MEMORY_MB,
        hide: list[str] | tuple[str, ...] = (),
        forbid: list[str] | tuple[str, ...] = (),
        pidfile: str | None = None,
        namespaces: str = "auto",
        start_timeout: float = 120.0,
        max_restarts: int = 12,
        tmp_root: str | None = None,
        insecure: bool = False,
        ro_paths: list[str] | tuple[str, ...] = (),
        tmpfs_mb: int = sandbox.DEFAULT_TMPFS_MB,
    ) -> None:
        self.submission = Path(submission).resolve()
        self.call_timeout = float(call_timeout)
        self.submission_timeout = float(submission_timeout)
        self.memory_mb = int(memory_mb)
        self.forbid = list(forbid)
        self.pidfile = pidfile
        if namespaces == "off":
            self.use_ns = False
        else:
            self.use_ns = sandbox.require_confinement(bool(insecure), caller="remote.Worker")
        self.ro_paths = sandbox.readonly_paths(ro_paths) if self.use_ns else []
        self.tmpfs_mb = int(tmpfs_mb)
        # Test switch (trusted side only; the worker's environment is rebuilt from scratch):
        # JAXNM_GRADE_AUDIT_HOOK=0 leaves the audit hook out of CONFINED workers, to show
        # that the kernel layer alone stops the hostile submissions.
        self.audit_hook = not (self.use_ns and os.environ.get("JAXNM_GRADE_AUDIT_HOOK") == "0")
        self.start_timeout = float(start_timeout)
        self.max_restarts = int(max_restarts)
        self.hide = sandbox.secret_paths([self.submission, *hide])
        self.tmp_root = tmp_root or tempfile.gettempdir()
        self.used = 0.0
        self.starts = 0
        self.proc: subprocess.Popen | None = None
        self._tmp: str | None = None
        self._imported: set[str] = set()
        self._failed: dict[str, BaseException] = {}
        self._next_id = 0
        self._fds: tuple[int, int] | None = None
        self._start_error: BaseException | None = None
        self._pending_ready = False
        self._ready_deadline = 0.0
        self._sandbox_pid: int | None = None

    # -- process management -------------------------------------------------------------
    def prestart(self) -> None:
        """Start the worker now without waiting for it (its JAX import overlaps collection)."""
        if self.proc is None and self.starts == 0 and self._start_error is None:
            with contextlib.suppress(WorkerFailure, OSError):
                self._launch()

    def _spawn(self) -> None:
        self._launch()
        self._await_ready()

    def _launch(self) -> None:
        if self.starts > self.max_restarts:
            raise WorkerCrashed(f"the worker was restarted {self.max_restarts} times; giving up")
        self.starts += 1
        self._cleanup_tmp()
        # The trusted side's own folder for this worker: its captured output (and, when
        # unconfined, the copy of the submission). A confined worker never sees it.
        self._tmp = tempfile.mkdtemp(prefix="jaxnm-worker-", dir=self.tmp_root)
        os.chmod(self._tmp, 0o700)
        try:
            files = sandbox.submission_files(
                self.submission, MAX_SUBMISSION_FILES, MAX_SUBMISSION_BYTES
            )
        except ValueError as err:
            self._start_error = SubmissionImportError(str(err))
            raise self._start_error from None
        file_fds: list[tuple[str, int]] = []
        if self.use_ns:
            work = sandbox.WORKDIR
            # Copied into the worker's private tmpfs by bwrap, from descriptors opened here
            # (O_NOFOLLOW: a link swapped in after staging is not followed).
            for rel, path in files:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
                file_fds.append((rel, fd))
        else:
            work = os.path.join(self._tmp, "submission")
            os.mkdir(work)
            for rel, path in files:
                (Path(work) / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, Path(work) / rel)
        out_path = os.path.join(self._tmp, "output.txt")
        out = open(out_path, "wb")  # noqa: SIM115 (kept open as the worker's stdout)
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        cfg = {
            "fd_in": req_r,
            "fd_out": resp_w,
            "workdir": work,
            # Other workers' folders (all under tmp_root) are off limits too.
            "deny": [*self.hide, self.tmp_root, out_path],
            "forbid": self.forbid,
            "max_bytes": codec.MAX_MESSAGE_BYTES,
            "memory_mb": self.memory_mb,
            "cpu_seconds": int(max(self.submission_timeout, self.call_timeout) * 2 + 60),
            "audit_hook": self.audit_hook,
        }
        argv = [sys.executable, "-I", "-c", _BOOT.format(_PKG_PARENT), json.dumps(cfg)]
        info_r = info_w = -1
        if self.use_ns:
            info_r, info_w = os.pipe()
            file_fds.append(("", info_w))  # passed to the child, closed below
            argv = sandbox.confined_command(
                argv, file_fds[:-1], self.ro_paths, self.tmpfs_mb, info_fd=info_w
            )
        try:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self._tmp if self.use_ns else work,
                env=sandbox.worker_env(work),
                pass_fds=(req_r, resp_w, *(fd for _, fd in file_fds)),
                start_new_session=True,
                close_fds=True,
            )
        finally:
            for fd in (req_r, resp_w, *(fd for _, fd in file_fds)):
                os.close(fd)
            out.close()
        fl = fcntl.fcntl(req_w, fcntl.F_GETFL)
        fcntl.fcntl(req_w, fcntl.F_SETFL, fl | os.O_NONBLOCK)
        self._fds = (req_w, resp_r)
        self._out_path = out_path
        self._sandbox_pid = _read_child_pid(info_r) if self.use_ns else None
        self._imported = set()
        if self.pidfile:
            with open(self.pidfile, "a") as f:
                f.write(f"{self.proc.pid}\n")
                if self._sandbox_pid:  # its own session and group: killpg works on it
                    f.write(f"{self._sandbox_pid}\n")
        self._ready_deadline = time.monotonic() + self.start_timeout
        self._pending_ready = True

    def _await_ready(self) -> None:
        deadline = self._ready_deadline
        self._pending_ready = False
        try:
            msg = self._receive(deadline)
        except TimeoutError:
            self.kill()
            raise WorkerCrashed(
                f"the worker did not start within {self.start_timeout:.0f} s"
            ) from None
        except (EOFError, codec.CodecError):
            raise self._crashed("while starting") from None
        if not (isinstance(msg, dict) and msg.get("op") == "ready"):
            self.kill()
            raise WorkerCrashed("the worker did not announce itself")

    def _output_tail(self) -> str:
        try:
            with open(self._out_path, "rb") as f:
                size = f.seek(0, 2)
                f.seek(max(0, size - _TAIL))
                tail = f.read().decode("utf-8", "replace")
            return ("..." if size > _TAIL else "") + tail
        except OSError:
            return ""

    def _crashed(self, when: str) -> WorkerCrashed:
        status = self.kill(grace=1.0 if self.use_ns else 0.0)
        if self.use_ns and status is not None and 128 < status < 128 + 65:
            status = 128 - status  # bwrap reports a worker killed by signal N as 128 + N
        tail = self._output_tail().strip()
        how = (
            f"was killed by signal {signal.Signals(-status).name}"
            if status is not None and status < 0 and -status in signal.Signals._value2member_map_
            else f"exited with status {status}"
        )
        if status == -signal.SIGXFSZ:
            how += " (its output exceeded the size limit)"
        if status in (-signal.SIGXCPU, -signal.SIGKILL) and self.used > self.submission_timeout:
            how += " (CPU time limit)"
        msg = f"the submission's worker {how} {when}"
        if tail:
            msg += f"; last output:\n{tail[-_TAIL:]}"
        return WorkerCrashed(msg)

    def kill(self, grace: float = 0.0) -> int | None:
        """Kill the worker's whole process group and reap it; return its exit status.

        Args:
            grace: seconds to wait first for a worker that is exiting by itself (its exit
                status then passes through the sandbox instead of being SIGKILL).
        """
        if self._fds is not None:
            for fd in self._fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._fds = None
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        inner, self._sandbox_pid = self._sandbox_pid, None
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
        # The sandbox's pid 1 exits only once every process of its PID namespace is gone
        # (the kernel kills them all when it dies): wait until it has been reaped.
        deadline = time.monotonic() + 10
        while inner and time.monotonic() < deadline:
            try:
                os.kill(inner, 0)
            except (ProcessLookupError, PermissionError):
                break
            time.sleep(0.02)
        return status

    def _cleanup_tmp(self) -> None:
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def close(self) -> None:
        """Stop the worker (process group killed) and remove its temporary folder."""
        self.kill()
        self._cleanup_tmp()

    # -- protocol ----------------------------------------------------------------------------
    def _receive(self, deadline: float) -> Any:
        assert self._fds is not None
        (n,) = struct.unpack(">Q", _read_exact(self._fds[1], 8, deadline))
        if n > codec.MAX_MESSAGE_BYTES:
            raise codec.CodecError(f"message of {n} bytes is too large")
        return codec.decode(_read_exact(self._fds[1], n, deadline))

    def _request(self, req: dict, when: str) -> Any:
        """Send one request and wait for its answer within the time limits."""
        if self.used >= self.submission_timeout:
            raise CallTimeout(
                f"the submission's time limit ({self.submission_timeout:.0f} s) is used up"
            )
        t0 = time.monotonic()
        try:
            if self.proc is None:
                self._spawn()
            elif self._pending_ready:
                self._await_ready()
            t1 = time.monotonic()
            # Starting a worker (importing JAX) is the grader's cost, not the submission's;
            # crash loops are bounded by max_restarts instead.
            t0 = t1
            limit = min(self.call_timeout, self.submission_timeout - self.used)
            deadline = t1 + max(limit, 0.0)
            self._next_id += 1
            req = dict(req, id=self._next_id)
            data = codec.encode(req)
            assert self._fds is not None
            try:
                _write_all(self._fds[0], struct.pack(">Q", len(data)) + data, deadline)
                reply = self._receive(deadline)
            except TimeoutError:
                self.kill()
                raise CallTimeout(
                    f"no answer within {limit:.3g} s {when}; the worker was stopped"
                ) from None
            except EOFError:
                raise self._crashed(when) from None
            except codec.CodecError as err:
                self.kill()
                raise ProtocolViolation(
                    f"the worker sent an invalid message {when}: {err}"
                ) from None
            if not isinstance(reply, dict) or reply.get("id") != self._next_id:
                self.kill()
                raise ProtocolViolation(f"the worker answered out of turn {when}")
            if "error" in reply:
                raise _remote_exception(reply["error"]) from None
            if set(reply) != {"id", "ok"}:
                self.kill()
                raise ProtocolViolation(f"the worker sent a malformed answer {when}")
            return reply["ok"]
        finally:
            self.used += time.monotonic() - t0

    def _ensure_imported(self, module: str) -> None:
        if module in self._failed:
            raise self._failed[module]
        if self._start_error is not None:
            raise self._start_error
        if self.proc is not None and module in self._imported:
            return
        try:
            self._request({"op": "import", "module": module}, f"while importing {module}")
        except (RemoteError, WorkerFailure) as err:
            if isinstance(err, CallTimeout) and self.used >= self.submission_timeout:
                raise
            typ = getattr(err, "remote_type", "")
            if typ == "ModuleNotFoundError" and f"'{module}'" in str(err):
                exc: BaseException = SubmissionMissing(
                    f"{module}.py is not in the submission (not attempted)", typ
                )
            else:
                detail = f"{typ}: {err}" if typ and not str(err).startswith(typ) else str(err)
                exc = SubmissionImportError(
                    f"importing {module}.py failed: {detail}", typ, err.remote_traceback
                )
            self._failed[module] = exc
            raise exc from None
        self._imported.add(module)

    def call(self, module: str, function: str, args: tuple, kwargs: dict) -> Any:
        """Call ``module.function(*args, **kwargs)`` in the worker and return its answer.

        Raises:
            RemoteError: the student's code raised (a subclass also derives from the
                matching built-in exception).
            NotAttempted: the student's code raised NotImplementedError, or the file is
                missing.
            WorkerFailure: timeout, crash, failed import, protocol violation.
        """
        self._ensure_imported(module)
        return self._request(
            {
                "op": "call",
                "module": module,
                "function": function,
                "args": list(args),
                "kwargs": dict(kwargs),
            },
            f"in {module}.{function}",
        )


class RemoteFunction:
    """A callable standing for one student function in the worker."""

    def __init__(self, worker: Worker, module: str, name: str) -> None:
        self._worker, self._module = worker, module
        self.__name__ = self.__qualname__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._worker.call(self._module, self.__name__, args, kwargs)

    def __repr__(self) -> str:
        return f"<remote function {self._module}.{self.__name__}>"


class RemoteModule:
    """Proxy for one student module: ``proxy.f(x)`` runs ``f(x)`` in the worker."""

    def __init__(self, worker: Worker, name: str) -> None:
        self._worker, self._name = worker, name

    def __getattr__(self, attr: str) -> RemoteFunction:
        if attr.startswith("_"):
            raise AttributeError(attr)
        return RemoteFunction(self._worker, self._name, attr)

    def __repr__(self) -> str:
        return f"<remote module {self._name} of {self._worker.submission}>"


_WORKERS: dict[str, Worker] = {}


def _config() -> dict:
    raw = os.environ.get(ENV, "")
    if not raw:
        raise RuntimeError(f"{ENV} is not set: remote grading is not configured")
    cfg = json.loads(raw) if raw.lstrip().startswith("{") else {"submission": raw}
    if "submission" not in cfg or not Path(cfg["submission"]).is_dir():
        raise RuntimeError(f"{ENV}: submission folder {cfg.get('submission')!r} does not exist")
    return cfg


def _worker() -> Worker:
    raw = os.environ.get(ENV, "")
    if raw not in _WORKERS:
        cfg = _config()
        _WORKERS[raw] = Worker(
            cfg["submission"],
            call_timeout=cfg.get("call_timeout", 60.0),
            submission_timeout=cfg.get("submission_timeout", 900.0),
            memory_mb=cfg.get("memory_mb", sandbox.DEFAULT_MEMORY_MB),
            hide=cfg.get("hide", []),
            forbid=cfg.get("forbid", []),
            pidfile=cfg.get("pidfile"),
            namespaces=cfg.get("namespaces", "auto"),
            tmp_root=cfg.get("tmp_root"),
            insecure=bool(cfg.get("insecure", False)),
            ro_paths=cfg.get("ro_paths", []),
            tmpfs_mb=cfg.get("tmpfs_mb", sandbox.DEFAULT_TMPFS_MB),
        )
    return _WORKERS[raw]


def load(name: str) -> RemoteModule:
    """Proxy for the student module ``name`` of the submission named by ``JAXNM_GRADE_REMOTE``.

    The worker is started at once but waited for only at the first call; all modules of
    the submission share one worker.

    Args:
        name: module name such as ``"ex03_hessians"``.

    Returns:
        The proxy.
    """
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"load: invalid module name {name!r}")
    worker = _worker()
    worker.prestart()
    return RemoteModule(worker, name)


def close_all() -> None:
    """Stop every worker of this process (also run at exit)."""
    for w in list(_WORKERS.values()):
        w.close()
    _WORKERS.clear()


atexit.register(close_all)
