"""Confinement of the untrusted worker: resource limits, namespaces, an audit hook.

Layers, strongest first (each one is checked by the hostile-submission tests):

1. **Linux namespaces** (when the grader runs as root and ``unshare`` works, e.g. in a
   container or CI): the worker starts under ``unshare --net --pid --mount --fork
   --kill-child``, so it has no network, sees only its own processes (every process it starts
   dies with it, detached or not, and it cannot signal other workers or the grader), an empty
   unreadable tmpfs covers the instructor's secret folders (``solutions/``, ``hidden_tests/``,
   ``tests/``, ``.git``, the submissions and output folders), and every mount except the
   worker's own folder is remounted read-only. It then drops every capability
   (``setpriv --bounding-set=-all --nnp``) before Python starts, so it can neither undo the
   mounts nor write any file of the grader's. (It keeps uid 0 without capabilities: the
   ``nobody`` user could not read a Python installed under ``/root``.)
2. **Resource limits** (``setrlimit`` before ``exec``): address space (JAX needs ~1.6 GiB of
   address space to import on CPU; default 4 GiB), file size (caps printed output), core
   dumps off, CPU time, number of processes (not enforced for uid 0: there the audit hook
   and the PID namespace bound process creation).
3. **A Python audit hook** installed in the worker after its trusted imports and before the
   submission is imported (portable; the only file-system and process guard when not root):
   it refuses process creation (``os.fork``, ``subprocess``, ``os.system``, ``exec``,
   ``posix_spawn``), signals to other processes, sockets, ``ctypes``, garbage-collector
   introspection, writes outside the worker's own folder, and any access to the secret
   folders. Hooks cannot be removed from Python code, but code that reaches C-level
   functions the hook does not see (the hook blocks the known routes) is only stopped by
   layer 1; run the grader as root in a container for the full guarantee.

Nothing here decides a grade: the worker can at most answer calls wrongly.
"""

from __future__ import annotations

import contextlib
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "DEFAULT_MEMORY_MB",
    "NOBODY",
    "apply_limits",
    "namespace_command",
    "namespaces_available",
    "secret_paths",
    "worker_env",
]

#: Default address-space limit of a worker (MiB). Importing JAX on CPU peaks at ~1.6 GiB.
DEFAULT_MEMORY_MB = 4096
#: Largest file (and captured output) a worker may write (bytes).
MAX_FILE_BYTES = 64 * 1024 * 1024
#: uid/gid the worker drops to under namespaces.
NOBODY = 65534

_NS_OK: bool | None = None


def namespaces_available() -> bool:
    """Whether the worker can be started in fresh net/pid/mount namespaces (root + unshare).

    Returns:
        True when running as root and a trial ``unshare`` succeeds. The answer is cached;
        ``JAXNM_GRADE_NO_NAMESPACES=1`` forces False (to test the portable layers alone).
    """
    global _NS_OK
    if os.environ.get("JAXNM_GRADE_NO_NAMESPACES") == "1":
        return False
    if _NS_OK is None:
        exe = shutil.which("unshare")
        _NS_OK = False
        if exe and hasattr(os, "geteuid") and os.geteuid() == 0:
            try:
                r = subprocess.run(
                    [exe, "--net", "--pid", "--mount", "--fork", "--kill-child", "true"],
                    capture_output=True,
                    timeout=20,
                )
                _NS_OK = r.returncode == 0
            except (OSError, subprocess.SubprocessError):
                _NS_OK = False
    return _NS_OK


# Runs as root inside the fresh namespaces, before the worker: hide the secret folders under
# empty tmpfs, keep only the worker's folder writable, then drop every capability for good.
_CONFINE_SH = r"""
set -u
wd=$1; hide=$2; shift 2
for d in $hide; do mount -t tmpfs -o ro,size=4k,mode=000 none "$d" || exit 97; done
mount --bind "$wd" "$wd" || exit 98
awk '{print $2}' /proc/self/mounts | sort -u | while read -r mp; do
  [ "$mp" = "$wd" ] || mount -o bind,remount,ro "$mp" 2>/dev/null
done
cd "$wd" || exit 99
exec setpriv --nnp --inh-caps=-all --bounding-set=-all "$@"
"""


def namespace_command(workdir: str, hide: Iterable[str], argv: list[str]) -> list[str]:
    """Wrap ``argv`` so it runs confined in its own namespaces (see the module docstring).

    Args:
        workdir: the only folder left writable (the worker's copy of the submission).
        hide: folders covered by an empty, unreadable tmpfs.
        argv: the worker command.

    Returns:
        The full command line.
    """
    hide = [h for h in hide if " " not in h and "\n" not in h]
    # setpriv --pdeathsig: unshare (and so the whole namespace) dies with the grader.
    setpriv = shutil.which("setpriv")
    prefix = [setpriv, "--pdeathsig", "KILL"] if setpriv else []
    return [
        *prefix,
        shutil.which("unshare") or "unshare",
        "--net",
        "--pid",
        "--mount",
        "--propagation",
        "private",
        "--fork",
        "--kill-child",
        "--",
        "/bin/sh",
        "-c",
        _CONFINE_SH,
        "sh",
        workdir,
        " ".join(hide),
        *argv,
    ]


def secret_paths(extra: Iterable[str | os.PathLike] = ()) -> list[str]:
    """Folders a worker must never read: the instructor material of this repository.

    The repository root is found from the installed package; the list holds every top-level
    folder of it except the one holding the library and the virtual environment, plus the
    git directory (which holds the history of ``solutions/``) and ``extra`` (the submissions
    and output folders of the run).

    Args:
        extra: more folders to hide.

    Returns:
        Absolute, resolved paths that exist.
    """
    import jaxnm_course

    pkg = Path(jaxnm_course.__file__).resolve().parent
    root = pkg.parent
    keep = {pkg}
    prefix = Path(sys.prefix).resolve()
    out: list[Path] = []
    if (root / "pyproject.toml").is_file():  # a source checkout (editable install)
        for p in root.iterdir():
            rp = p.resolve()
            if not p.is_dir() or rp in keep or rp == prefix or prefix.is_relative_to(rp):
                continue
            out.append(rp)
        git = root / ".git"
        if git.is_file():  # a worktree: hide the common git directory too
            text = git.read_text(errors="replace").strip()
            if text.startswith("gitdir:"):
                gd = Path(text.split(":", 1)[1].strip())
                gd = (root / gd).resolve() if not gd.is_absolute() else gd.resolve()
                common = gd.parent.parent if gd.parent.name == "worktrees" else gd
                out.append(common)
    for e in extra:
        out.append(Path(e).resolve())
    seen: list[str] = []
    for p in out:
        s = str(p)
        if p.exists() and s not in seen:
            seen.append(s)
    return seen


def worker_env(tmp: str) -> dict[str, str]:
    """A sanitised environment for the worker (no proxies, no credentials, one thread each).

    Args:
        tmp: the worker's temporary folder (HOME and TMPDIR point there).

    Returns:
        The environment mapping.
    """
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": tmp,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "JAX_PLATFORMS": "cpu",
        "JAX_ENABLE_X64": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        # Belt and braces against network use by libraries that honour proxies.
        "no_proxy": "*",
        "NO_PROXY": "*",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
    }
    return env


def apply_limits(memory_mb: int, cpu_seconds: int, nproc: int = 1024) -> None:
    """Apply the worker's resource limits to the calling process (the worker, at start-up).

    Done by the worker itself before any student code runs, not in a ``preexec_fn``: forking
    a multithreaded process (the trusted pytest has JAX's threads) with a ``preexec_fn`` runs
    JAX's at-fork warning, which pytest turns into a failure. The audit hook then refuses
    ``resource.setrlimit``, so the limits stay.

    Args:
        memory_mb: address-space limit (MiB).
        cpu_seconds: CPU-time limit of the worker (s); SIGXCPU then SIGKILL after it.
        nproc: limit on processes/threads of the worker's user (not enforced for uid 0).
    """
    mem = int(memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (int(cpu_seconds), int(cpu_seconds) + 5))
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    # Die with the process that started us (PR_SET_PDEATHSIG = 1).
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
