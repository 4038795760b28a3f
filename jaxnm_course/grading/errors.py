"""The grader's exceptions, in one place.

Imported by the target loader, the remote proxies, staging and the batch; this module
imports nothing of the grader (no import cycle can go through it).

Two families:

* what a test sees when it calls student code: :class:`NotAttempted` (a stub still raises
  ``NotImplementedError``), :class:`TargetImportError` (student mode: the module cannot be
  imported), :class:`RemoteError` (student code raised, in the worker) and the
  :class:`WorkerFailure` family (the worker could not answer: time limit, crash, failed
  import, protocol violation);
* what the batch sees: :class:`SubmissionRejected` (a submission that cannot be graded at all).

``NotAttempted`` and ``WorkerFailure`` are ``BaseException`` subclasses on purpose: Hypothesis
stops at the first example instead of shrinking through more time limits, and no
``pytest.raises(Exception)`` in a test can take them for an expected error. Every class that
the plugin classifies carries ``grading_outcome`` (``"error"``, ``"timeout"`` or
``"not_attempted"``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CallTimeout",
    "NotAttempted",
    "ProtocolViolation",
    "RemoteError",
    "SubmissionImportError",
    "SubmissionMissing",
    "SubmissionRejected",
    "TargetImportError",
    "WorkerCrashed",
    "WorkerFailure",
    "remote_exception",
]


class NotAttempted(BaseException):
    """An exercise function raised NotImplementedError: the stub has not been filled in."""


class TargetImportError(ImportError):
    """The target module could not be imported (missing file, syntax error, crash)."""


class SubmissionRejected(ValueError):
    """A submission that cannot be graded at all (bad zip, too large, not a folder)."""


class RemoteError(Exception):
    """An exception raised by student code in the worker (mapped to a local class)."""

    grading_outcome = "error"

    def __init__(self, message: str, remote_type: str = "", remote_traceback: str = "") -> None:
        super().__init__(message)
        self.remote_type = remote_type
        self.remote_traceback = remote_traceback


class WorkerFailure(BaseException):
    """The worker could not answer (base class of timeouts, crashes, import failures).

    A ``BaseException`` on purpose (like :class:`NotAttempted`): Hypothesis stops at once
    instead of searching for a smaller example (which would cost a time limit per example),
    and no ``pytest.raises(Exception)`` in a test can take it for an expected error.
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


def remote_exception(err: Any) -> BaseException:
    """Turn a decoded error record of the worker into a local exception of a fixed class.

    ``NotImplementedError`` becomes :class:`NotAttempted`; the common built-in types become
    a subclass of both :class:`RemoteError` and that type (so ``pytest.raises(ValueError)``
    works); anything else is a plain :class:`RemoteError`. No class is looked up by a name
    the worker chose.

    Args:
        err: the ``error`` field of a worker's reply (a dict of ``type``, ``message``,
            ``traceback``; anything else is a protocol violation).

    Returns:
        The exception to raise.
    """
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
            # Kept as the module the classes were always reported under.
            {"grading_outcome": outcome, "__module__": "jaxnm_course.grading.remote"},
        )
    return _MAPPED[name]
