"""Trusted side of remote grading: module proxies whose calls run in an isolated worker.

When the batch grader sets ``JAXNM_GRADE_REMOTE`` (:data:`~jaxnm_course.grading.config.ENV`)
to the path of a :class:`~jaxnm_course.grading.config.GradingConfig` file,
``jaxnm_course.grading.target.load(name)`` returns :func:`load` ``(name)``: a proxy whose
attributes are callables that send the call to a worker process
(:mod:`jaxnm_course.grading.worker`, driven by :class:`~jaxnm_course.grading.supervisor.Worker`)
holding the student's code. The tests and the reference run here, in the trusted pytest
process; only plain data crosses (see :mod:`jaxnm_course.grading.protocol`). The submission's
staged folder reaches this process only through that file, never as a pytest argument.

One worker serves all calls of a submission (JAX is imported and compiled once; the worker
is started when the first proxy is made, so its start overlaps test collection).

Exceptions raised by student code arrive as :class:`RemoteError` (an ``Exception``) or, for
the common built-in types, a subclass that also derives from that type (``ValueError``,
``TypeError``, ``AttributeError``, ``MemoryError``, ...), so ``pytest.raises(ValueError)``
works; ``KeyboardInterrupt``/``SystemExit`` raised by student code are plain
:class:`RemoteError` here. ``NotImplementedError`` arrives as
:class:`~jaxnm_course.grading.errors.NotAttempted` (as in student mode), and failures of the
worker itself (:class:`WorkerFailure`: timeout, crash, failed import, protocol violation) are
``BaseException`` subclasses (see :mod:`jaxnm_course.grading.errors`).
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path
from typing import Any

from jaxnm_course.grading.config import ENV, GradingConfig
from jaxnm_course.grading.errors import (
    CallTimeout,
    ProtocolViolation,
    RemoteError,
    SubmissionImportError,
    SubmissionMissing,
    WorkerCrashed,
    WorkerFailure,
)
from jaxnm_course.grading.staging import MAX_BYTES, MAX_FILES, copy_submission
from jaxnm_course.grading.supervisor import Worker

__all__ = [
    "ENV",
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

#: Largest submission copied into a worker (bytes, all files together) and file count.
MAX_SUBMISSION_BYTES = MAX_BYTES
MAX_SUBMISSION_FILES = MAX_FILES


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


def _config() -> GradingConfig:
    raw = os.environ.get(ENV, "")
    if not raw:
        raise RuntimeError(f"{ENV} is not set: remote grading is not configured")
    try:
        cfg = GradingConfig.from_json(Path(raw).read_text("utf-8"))
    except (OSError, ValueError, TypeError) as err:
        raise RuntimeError(f"{ENV}: cannot read the configuration {raw!r}: {err}") from None
    if cfg.submission is None or not cfg.submission.is_dir():
        raise RuntimeError(f"{ENV}: submission folder {cfg.submission} does not exist")
    return cfg


def _worker() -> Worker:
    raw = os.environ.get(ENV, "")
    if raw not in _WORKERS:
        cfg = _config()
        _WORKERS[raw] = Worker(
            cfg.submission,
            call_timeout=cfg.call_timeout,
            submission_timeout=cfg.submission_timeout,
            memory_mb=cfg.memory_mb,
            hide=list(cfg.hide),
            forbid=list(cfg.forbid or ()),
            pidfile=cfg.pidfile,
            namespaces=cfg.namespaces,
            tmp_root=cfg.tmp_root,
            insecure=cfg.insecure,
            ro_paths=list(cfg.ro_paths),
            tmpfs_mb=cfg.tmpfs_mb,
        )
    return _WORKERS[raw]


def load(name: str) -> RemoteModule:
    """Proxy for the student module ``name`` of the submission named by the configuration.

    The worker is started at once but waited for only at the first call; all modules of
    the submission share one worker.

    Args:
        name: module name such as ``"ex04_hessians"``.

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
