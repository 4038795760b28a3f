"""The trusted side's handle on one isolated worker process (start, call, time limits, kill).

A :class:`Worker` serves all calls of one submission: it starts the worker
(:mod:`jaxnm_course.grading.worker`, in the kernel sandbox of
:mod:`~jaxnm_course.grading.sandbox`; :mod:`~jaxnm_course.grading.launch` starts and stops the
process), talks to it over two pipes with :mod:`~jaxnm_course.grading.protocol`, and turns
every failure into an exception of :mod:`~jaxnm_course.grading.errors`: a call that does not
answer within ``call_timeout`` kills the worker's whole process group and raises
:class:`~jaxnm_course.grading.errors.CallTimeout` (the next call starts a fresh worker); a
worker that dies raises :class:`~jaxnm_course.grading.errors.WorkerCrashed`; a module whose
import failed fails every later call at once with
:class:`~jaxnm_course.grading.errors.SubmissionImportError`; a missing file raises
:class:`~jaxnm_course.grading.errors.SubmissionMissing`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from jaxnm_course.grading import codec, launch, protocol, sandbox
from jaxnm_course.grading.errors import (
    CallTimeout,
    ProtocolViolation,
    RemoteError,
    SubmissionImportError,
    SubmissionMissing,
    WorkerCrashed,
    WorkerFailure,
    remote_exception,
)
from jaxnm_course.grading.staging import MAX_BYTES, MAX_FILES

__all__ = ["Worker"]

_TAIL = 1500


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
        ro_paths: extra host paths the confined worker may read, beside
            :func:`~jaxnm_course.grading.sandbox.readonly_paths`.
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
        # The trusted side's own folder for this worker: its captured output, the staged
        # support package (and, when unconfined, the copy of the submission). A confined
        # worker never sees it.
        self._tmp = tempfile.mkdtemp(prefix="jaxnm-worker-", dir=self.tmp_root)
        os.chmod(self._tmp, 0o700)
        try:
            files = sandbox.submission_files(self.submission, MAX_FILES, MAX_BYTES)
        except ValueError as err:
            self._start_error = SubmissionImportError(str(err))
            raise self._start_error from None
        cfg = {
            # Other workers' folders (all under tmp_root) are off limits too.
            "deny": [*self.hide, self.tmp_root],
            "forbid": self.forbid,
            "max_bytes": codec.MAX_MESSAGE_BYTES,
            "memory_mb": self.memory_mb,
            "cpu_seconds": int(max(self.submission_timeout, self.call_timeout) * 2 + 60),
            "audit_hook": self.audit_hook,
        }
        started = launch.start(files, self._tmp, cfg, self.use_ns, self.ro_paths, self.tmpfs_mb)
        self.proc, self._fds = started.proc, started.fds
        self._out_path = started.out_path
        self._sandbox_pid = started.sandbox_pid
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
        status = launch.exit_status(self.kill(grace=1.0 if self.use_ns else 0.0), self.use_ns)
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
        return launch.stop(proc, inner, grace)

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
        return protocol.receive(self._fds[1], codec.MAX_MESSAGE_BYTES, deadline)

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
                protocol.write_frame(self._fds[0], data, deadline)
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
                raise remote_exception(reply["error"]) from None
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
