"""The seccomp layer of the kernel sandbox (:mod:`jaxnm_course.grading.seccomp`).

A probe runs inside a real sandbox (``bwrap``, as the workers run) twice: with the filter,
where every refused system call must fail with EPERM (``clone3``: ENOSYS) while threads,
``fork`` and a JAX ``jit`` still work; and without it, where ``ptrace``, ``unshare``,
``keyctl``, ``pidfd_open``, ``clone3``, ``personality`` and the x32 ABI answer otherwise,
so that each check would fail if the layer were missing. Both as root and as the
unprivileged user of the other sandbox tests. ``JAXNM_REQUIRE_SANDBOX=1`` (CI) turns a
missing bubblewrap or libseccomp into a failure instead of a skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from jaxnm_course.grading import remote, sandbox, seccomp

from . import _hostile_sandbox as hs
from ._shared_batch import unavailable

#: Runs inside the sandbox: each system call's errno name ("ok" when it succeeded). x86-64
#: numbers; arguments chosen so that the call is harmless when it succeeds.
PROBE = textwrap.dedent(
    """
    import ctypes, errno, json, os, sys, threading
    libc = ctypes.CDLL(None, use_errno=True)

    def call(nr, *args):
        ctypes.set_errno(0)
        r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        e = ctypes.get_errno()
        if r == 0 and nr == 56:  # a clone that made a child: the child leaves at once
            os._exit(0)
        return errno.errorcode.get(e, str(e)) if r == -1 else "ok"

    def in_child(nr, *args):  # ptrace(TRACEME) would leave this process traced
        rd, wr = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.write(wr, call(nr, *args).encode())
            os._exit(0)
        os.close(wr)
        out = os.read(rd, 100).decode()
        os.waitpid(pid, 0)
        return out

    cur = libc.personality(ctypes.c_ulong(0xFFFFFFFF))
    res = {
        "ptrace": in_child(101, 0, 0, 0, 0),                # PTRACE_TRACEME
        "unshare": call(272, 0x10000000),                   # CLONE_NEWUSER
        "clone_newuser": call(56, 0x10000000 | 17, 0, 0, 0, 0),
        "setns": call(308, -1, 0),
        "mount": call(165, 0, 0, 0, 0, 0),
        "keyctl": call(250, 0, -3, 0),                      # GET_KEYRING_ID, session
        "bpf": call(321, 0, 0, 0),
        "pidfd_open": call(434, 1, 0),
        "io_uring_setup": call(425, 1, 0),
        "clone3": call(435, 0, 0),
        "personality": call(135, cur | 0x0040000),          # ADDR_NO_RANDOMIZE
        "personality_query": call(135, 0xFFFFFFFF),
        "x32_getpid": call(0x40000000 | 39),
    }
    box = []
    t = threading.Thread(target=lambda: box.append(sum(range(10))))
    t.start(); t.join()
    res["thread"] = box == [45]
    pid = os.fork()
    if pid == 0:
        os._exit(7)
    res["fork"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7
    if sys.argv[1] == "jax":
        import jax, jax.numpy as jnp
        res["jax"] = float(jax.jit(lambda x: (x * 2).sum())(jnp.arange(4.0)))
    with open("/proc/self/status") as f:
        res["status"] = [l.split()[1] for l in f if l.startswith("Seccomp:")][0]
    print(json.dumps(res))
    """
)

#: Runs on the trusted side (as root or as the test user): the probe in a sandbox with and
#: without the filter; prints {"on": ..., "off": ...}.
RUNNER = textwrap.dedent(
    """
    import json, os, subprocess, sys
    from jaxnm_course.grading import sandbox, seccomp
    probe = sys.argv[1]
    out = {}
    for mode in ("on", "off"):
        fd = seccomp.program_fd() if mode == "on" else None
        if mode == "on" and fd is None:
            sys.exit("no filter: " + seccomp.status())
        argv = [sys.executable, "-I", "-c", probe, "jax" if mode == "on" else "nojax"]
        cmd = sandbox.confined_command(argv, [], sandbox.readonly_paths(), seccomp_fd=fd)
        try:
            r = subprocess.run(cmd, pass_fds=() if fd is None else (fd,), capture_output=True,
                               text=True, timeout=300, env=sandbox.worker_env("/tmp"))
        finally:
            if fd is not None:
                os.close(fd)
        if r.returncode != 0:
            sys.exit(f"{mode}: status {r.returncode}: {r.stderr[-2000:]}")
        out[mode] = json.loads(r.stdout.splitlines()[-1])
    print(json.dumps(out))
    """
)

REFUSED = [
    "ptrace",
    "unshare",
    "clone_newuser",
    "setns",
    "mount",
    "keyctl",
    "bpf",
    "pidfd_open",
    "io_uring_setup",
    "personality",
    "x32_getpid",
]


def _need_filter() -> None:
    if not sandbox.confinement().available:
        unavailable(f"no kernel sandbox here: {sandbox.confinement().detail}")
    if seccomp.program().detail != "on":
        unavailable(f"no seccomp filter here: {seccomp.status()}")


@pytest.fixture(scope="module", params=["root", "unprivileged"])
def probed(request):
    """The probe's answers with and without the filter, as root or as the test user."""
    _need_filter()
    if request.param == "root":
        if os.geteuid() != 0:
            pytest.skip("the tests do not run as root")
        uid = gid = 0
    else:
        user = hs.unprivileged_user()
        if user is None:
            unavailable("no unprivileged user could be created (useradd)")
        uid, gid = user
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(hs.REPO),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": "/tmp",
    }
    argv = [sys.executable, "-c", RUNNER, PROBE]
    with tempfile.TemporaryDirectory(prefix="jaxnm-seccomp-") as hold:
        if uid:
            argv = hs.as_user(argv, uid, gid, Path(hold))
        r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout.splitlines()[-1])


def test_the_policy_lists_the_attack_surface_and_compiles():
    wanted = {
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_open", "pidfd_getfd",
        "pidfd_send_signal", "setns", "unshare", "mount", "umount2", "pivot_root", "chroot",
        "move_mount", "open_tree", "fsopen", "fsmount", "fspick", "mount_setattr", "keyctl",
        "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup",
        "io_uring_enter", "io_uring_register", "kexec_load", "kexec_file_load", "init_module",
        "finit_module", "delete_module", "acct", "swapon", "swapoff", "reboot", "syslog",
    }  # fmt: skip
    assert wanted <= set(seccomp.DENIED)
    assert not {"clone", "clone3", "fork", "vfork"} & set(seccomp.DENIED)  # threads need them
    assert seccomp.ENOSYS_CALLS == ("clone3",)
    _need_filter()
    bpf = seccomp.program().bpf
    assert len(bpf) >= 8 * len(wanted)
    assert len(bpf) % 8 == 0
    assert len(bpf) // 8 <= 4096  # the kernel's BPF_MAXINSNS
    assert seccomp.status() == "seccomp: on"
    c = sandbox.confinement()
    assert c.seccomp == "seccomp: on"
    assert c.describe().endswith("; seccomp: on")


def test_switched_off_or_missing_libseccomp_leaves_the_namespaces(monkeypatch):
    monkeypatch.setenv(seccomp.ENV_OFF, "1")
    assert seccomp.program_fd() is None
    assert seccomp.status().startswith("seccomp: unavailable (switched off")
    monkeypatch.delenv(seccomp.ENV_OFF)
    monkeypatch.setitem(sys.modules, "pyseccomp", None)  # import fails
    seccomp._compiled.cache_clear()
    try:
        assert seccomp.status().startswith("seccomp: unavailable (ModuleNotFoundError")
        assert seccomp.program_fd() is None
        c = sandbox.confinement()
        if c.available:  # grading still works, and says why the layer is missing
            assert c.describe().endswith(seccomp.status())
    finally:
        monkeypatch.undo()
        seccomp._compiled.cache_clear()


def test_the_command_line_carries_the_filter():
    _need_filter()
    fd = seccomp.program_fd()
    try:
        assert os.read(fd, 1 << 20) == seccomp.program().bpf  # a fresh fd, at offset 0
        cmd = sandbox.confined_command(["python"], [], sandbox.readonly_paths(), seccomp_fd=fd)
        assert cmd[cmd.index("--seccomp") + 1] == str(fd)
        assert cmd.index("--seccomp") < cmd.index("--")
    finally:
        os.close(fd)


@pytest.mark.parametrize("name", REFUSED)
def test_a_refused_call_gets_eperm(probed, name):
    assert probed["on"][name] == "EPERM", probed["on"]


def test_clone3_gets_enosys_so_glibc_falls_back(probed):
    assert probed["on"]["clone3"] == "ENOSYS"


def test_threads_fork_and_jax_still_work(probed):
    on = probed["on"]
    assert on["thread"]
    assert on["fork"]
    assert on["personality_query"] == "ok"
    assert on["jax"] == 12.0  # 2 * (0 + 1 + 2 + 3)
    assert on["status"] == "2"  # /proc/self/status: SECCOMP_MODE_FILTER


def test_without_the_filter_the_same_calls_get_through(probed):
    """Each check bites: without layer 2 the namespaces alone answer differently."""
    off = probed["off"]
    assert off["status"] == "0"
    assert off["ptrace"] == "ok"
    assert off["unshare"] != "EPERM"  # ENOSPC: bwrap's --disable-userns
    assert off["clone_newuser"] != "EPERM"
    assert off["keyctl"] != "EPERM"
    assert off["pidfd_open"] == "ok"
    assert off["clone3"] != "ENOSYS"
    assert off["personality"] == "ok"
    assert off["x32_getpid"] != "EPERM"
    assert off["thread"]
    assert off["fork"]


def test_every_confined_worker_runs_under_the_filter(tmp_path, monkeypatch):
    """The grader's own start path (launch.start) loads the filter into each worker."""
    _need_filter()
    monkeypatch.setenv("JAXNM_GRADE_AUDIT_HOOK", "0")  # the kernel layers alone (ctypes)
    (tmp_path / "probe.py").write_text(
        "import ctypes\n"
        "def mode():\n"
        "    with open('/proc/self/status') as f:\n"
        "        return [l.split()[1] for l in f if l.startswith('Seccomp:')][0]\n"
        "def ptrace():\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        "    return libc.ptrace(16, 1, 0, 0), ctypes.get_errno()\n"  # PTRACE_ATTACH to pid 1
    )
    w = remote.Worker(tmp_path, call_timeout=60, submission_timeout=600, namespaces="auto")
    try:
        assert w.call("probe", "mode", (), {}) == "2"
        assert w.call("probe", "ptrace", (), {}) == (-1, 1)  # EPERM
    finally:
        w.close()
