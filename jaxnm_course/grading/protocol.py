"""The wire protocol between the trusted side and a worker: framing + plain-data codec.

Each message is an 8-byte big-endian length followed by a :mod:`~jaxnm_course.grading.codec`
message (JSON text of plain data). Both sides use these functions: the trusted side
(:mod:`~jaxnm_course.grading.supervisor`) with a deadline on every read and write (non-blocking
select loops), the worker (:mod:`~jaxnm_course.grading.worker`) without one (it blocks).
Messages longer than ``max_bytes`` are refused before they are read.

Requests (trusted side -> worker): ``{"id", "op": "import", "module"}``,
``{"id", "op": "call", "module", "function", "args", "kwargs"}``, ``{"op": "exit"}``.
Replies: ``{"op": "ready", "pid"}`` once at start, then ``{"id", "ok": value}`` or
``{"id", "error": {"type", "message", "traceback"}}`` for each request, in order.
"""

from __future__ import annotations

import os
import select
import struct
import time
from typing import Any

from jaxnm_course.grading import codec

__all__ = ["HEADER", "read_exact", "read_frame", "receive", "send", "write_all", "write_frame"]

#: The frame header: the length of the message that follows (8 bytes, big-endian).
HEADER = struct.Struct(">Q")


def _wait(fd: int, deadline: float | None, write: bool) -> None:
    if deadline is None:
        return
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    ready = select.select([], [fd], [], left)[1] if write else select.select([fd], [], [], left)[0]
    if not ready:
        raise TimeoutError


def read_exact(fd: int, n: int, deadline: float | None = None) -> bytes:
    """Read exactly ``n`` bytes from ``fd``.

    Args:
        fd: a pipe's read end.
        n: bytes to read.
        deadline: ``time.monotonic()`` value after which to give up; None blocks.

    Raises:
        TimeoutError: the deadline passed.
        EOFError: the other end closed the pipe first.
    """
    chunks, got = [], 0
    while got < n:
        _wait(fd, deadline, write=False)
        b = os.read(fd, min(n - got, 1 << 20))
        if not b:
            raise EOFError
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def write_all(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Write all of ``data`` to ``fd`` (non-blocking ``fd`` with a deadline, or blocking).

    Raises:
        TimeoutError: the deadline passed.
        EOFError: the other end closed the pipe.
    """
    view = memoryview(data)
    while view:
        _wait(fd, deadline, write=True)
        try:
            n = os.write(fd, view[: 1 << 16])
        except BlockingIOError:
            continue
        except BrokenPipeError:
            raise EOFError from None
        view = view[n:]


def write_frame(fd: int, data: bytes, deadline: float | None = None) -> None:
    """Send one encoded message (header + bytes)."""
    write_all(fd, HEADER.pack(len(data)) + data, deadline)


def read_frame(fd: int, max_bytes: int, deadline: float | None = None) -> bytes:
    """Receive one message's bytes.

    Raises:
        codec.CodecError: the announced length exceeds ``max_bytes`` (nothing more is read).
        TimeoutError, EOFError: as :func:`read_exact`.
    """
    (n,) = HEADER.unpack(read_exact(fd, HEADER.size, deadline))
    if n > max_bytes:
        raise codec.CodecError(f"message of {n} bytes is too large")
    return read_exact(fd, n, deadline)


def send(fd: int, obj: Any, max_bytes: int = codec.MAX_MESSAGE_BYTES, deadline=None) -> None:
    """Encode ``obj`` (plain data only) and send it as one frame."""
    write_frame(fd, codec.encode(obj, max_bytes), deadline)


def receive(fd: int, max_bytes: int = codec.MAX_MESSAGE_BYTES, deadline=None) -> Any:
    """Receive one frame and decode it (plain data only; see :mod:`codec`)."""
    return codec.decode(read_frame(fd, max_bytes, deadline), max_bytes)
