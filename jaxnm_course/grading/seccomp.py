"""The seccomp layer of the kernel sandbox: system calls no exercise needs answer EPERM.

Layer 2 of :mod:`jaxnm_course.grading.sandbox`, under its namespaces: bubblewrap loads
this classic-BPF program (``bwrap --seccomp FD``, after setting ``no_new_privs``) into the
worker just before it starts, so it binds every process of the sandbox and cannot be
removed. It narrows the kernel's attack surface; it is not what keeps the course's files
away (the mount namespace does that).

Policy (default: allow; built with libseccomp through ``pyseccomp``):

* :data:`DENIED` fail with ``EPERM`` (never a kill: a student who calls one gets a clear
  ``PermissionError``): debugging and reading other processes (``ptrace``,
  ``process_vm_*``, ``kcmp``, ``pidfd_*``), namespaces and mounts (``setns``, ``unshare``,
  ``mount`` and the new mount API, ``pivot_root``, ``chroot``), the kernel keyring, BPF,
  ``perf_event_open``, ``userfaultfd``, ``io_uring``, and administration (modules, kexec,
  ``acct``, swap, ``reboot``, ``syslog``).
* ``clone`` fails with ``EPERM`` when its flags ask for a new namespace (``CLONE_NEW*``);
  threads and ``fork`` work as usual.
* ``clone3`` fails with ``ENOSYS``: its flags sit in a struct that seccomp cannot read,
  and glibc then falls back to ``clone`` (the usual trick of container runtimes).
* ``personality`` fails with ``EPERM`` when it would set ``ADDR_NO_RANDOMIZE``,
  ``MMAP_PAGE_ZERO``, ``ADDR_COMPAT_LAYOUT`` or ``READ_IMPLIES_EXEC`` (the query
  ``0xffffffff`` stays allowed).
* Only the native ABI (x86-64) is covered; a system call of another ABI (i386 through
  ``int 0x80``, x32 numbers) fails with ``EPERM`` as a whole.

Needs the shared library ``libseccomp.so.2`` (Debian/Ubuntu: ``libseccomp2``, which ``apt``
itself depends on) and the ``pyseccomp`` package. Without them grading still works, with
the namespaces only, and :func:`status` says why.
"""

from __future__ import annotations

import errno
import functools
import os
import tempfile
from typing import NamedTuple

__all__ = [
    "CLONE_NEW_FLAGS",
    "DENIED",
    "ENOSYS_CALLS",
    "ENV_OFF",
    "PERSONALITY_FLAGS",
    "Program",
    "compile_program",
    "program",
    "program_fd",
    "status",
]

#: System calls that fail with EPERM in every worker.
DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_open",
    "pidfd_getfd",
    "pidfd_send_signal",
    "setns",
    "unshare",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsmount",
    "fspick",
    "mount_setattr",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
)
#: System calls that fail with ENOSYS (callers fall back to an older call seccomp can read).
ENOSYS_CALLS = ("clone3",)
#: ``clone`` flags that make a namespace (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
#: NEWPID, NEWNET); CLONE_NEWTIME (0x80) is left out: for ``clone`` that bit is the exit signal.
CLONE_NEW_FLAGS = (
    0x00020000,
    0x02000000,
    0x04000000,
    0x08000000,
    0x10000000,
    0x20000000,
    0x40000000,
)
#: ``personality`` flags refused: ADDR_NO_RANDOMIZE, MMAP_PAGE_ZERO, ADDR_COMPAT_LAYOUT,
#: READ_IMPLIES_EXEC.
PERSONALITY_FLAGS = (0x0040000, 0x0100000, 0x0200000, 0x0400000)
#: Set to "1" to run the workers without the filter (tests and timings of this layer).
ENV_OFF = "JAXNM_GRADE_NO_SECCOMP"


class Program(NamedTuple):
    """The compiled filter, or why there is none.

    Attributes:
        bpf: the classic-BPF program as bwrap reads it (empty when unavailable).
        detail: ``"on"``, or ``"unavailable (reason)"``.
    """

    bpf: bytes
    detail: str


def compile_program() -> bytes:
    """Build the filter of the module docstring and export it as BPF.

    Returns:
        The program (``struct sock_filter`` array, native byte order).

    Raises:
        ImportError, OSError, RuntimeError: pyseccomp or libseccomp is missing or fails.
    """
    import pyseccomp as sc  # optional: libseccomp may be missing (then grading goes on)

    eperm = sc.ERRNO(errno.EPERM)
    f = sc.SyscallFilter(sc.ALLOW)
    f.set_attr(sc.Attr.ACT_BADARCH, eperm)  # other ABIs (i386, x32 numbers): EPERM
    for name in DENIED:
        f.add_rule(eperm, name)
    for name in ENOSYS_CALLS:
        f.add_rule(sc.ERRNO(errno.ENOSYS), name)
    for flag in CLONE_NEW_FLAGS:  # rules on one call are or-ed: any of the flags
        f.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    # "A refused flag is set and the value is not the query 0xffffffff": libseccomp takes one
    # comparison per argument and rule, so "not 0xffffffff" becomes "some bit b is clear".
    for flag in PERSONALITY_FLAGS:
        for bit in range(32):
            if 1 << bit != flag:
                f.add_rule(eperm, "personality", sc.Arg(0, sc.MASKED_EQ, flag | 1 << bit, flag))
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        return out.read()


@functools.lru_cache(maxsize=1)
def _compiled() -> Program:
    try:
        bpf = compile_program()
    except Exception as err:  # any failure leaves the namespaces alone
        return Program(b"", f"unavailable ({type(err).__name__}: {err})")
    if not bpf:
        return Program(b"", "unavailable (libseccomp exported an empty program)")
    return Program(bpf, "on")


def program() -> Program:
    """The filter for the workers (compiled once); ``JAXNM_GRADE_NO_SECCOMP=1`` switches it off."""
    if os.environ.get(ENV_OFF) == "1":
        return Program(b"", f"unavailable (switched off by {ENV_OFF}=1)")
    return _compiled()


def status() -> str:
    """``"seccomp: on"`` or ``"seccomp: unavailable (reason)"``: said by the grader's outputs."""
    return f"seccomp: {program().detail}"


def program_fd() -> int | None:
    """A new descriptor holding the program at offset 0, for one ``bwrap --seccomp FD``.

    bwrap reads it to the end, so every start needs its own. The caller passes it to the
    child (``pass_fds``) and closes it after the start.

    Returns:
        The descriptor, or None when the filter is unavailable (see :func:`status`).
    """
    bpf = program().bpf
    if not bpf:
        return None
    fd = os.memfd_create("jaxnm-seccomp")
    try:
        os.write(fd, bpf)
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd
