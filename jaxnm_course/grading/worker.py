"""The untrusted worker: imports one student's submission and answers calls with plain data.

Started by :mod:`jaxnm_course.grading.remote` as ``python -I -m jaxnm_course.grading.worker
CONFIG`` (CONFIG is JSON), in a fresh temporary folder that holds only a copy of the
submission, with a sanitised environment and resource limits (see
:mod:`jaxnm_course.grading.sandbox`). It talks to the trusted side over two dedicated pipe
file descriptors; the student's ``print`` output goes to stdout/stderr, which are a capped file,
so it cannot corrupt the protocol (:mod:`jaxnm_course.grading.protocol`: an 8-byte length and
a :mod:`jaxnm_course.grading.codec` message).

Order of start-up (what is trusted happens before any student code runs):

1. import NumPy, JAX (x64 on), the library and the course's catalog of trusted callables
   (``catalog`` in CONFIG: a folder and a module name);
2. clean ``sys.path`` (no instructor folder on it; the submission folder first);
3. install an import blocker for instructor modules (``solutions``, ``hidden_tests``,
   ``tests``, ``exercises``, plus the configured ``forbid`` list) and drop the cached modules
   that give process creation;
4. install the audit hook (:func:`install_audit_hook`);
5. announce ``ready``; then import the submission modules on demand and answer calls.

Nothing the worker says is trusted: the trusted side only decodes plain data from it.
"""

from __future__ import annotations

import importlib
import json
import os
import pathlib
import re
import sys
import traceback

__all__ = ["install_audit_hook", "main"]

_MODULE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_FUNC_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
#: Top-level modules a submission may never import (instructor material).
BLOCKED_MODULES = ("solutions", "hidden_tests", "tests", "exercises", "conftest")
# Modules whose import (when not already loaded) would give process creation, raw memory or
# foreign-function access outside the audit hook's view.
_BLOCKED_LOW_LEVEL = ("_posixsubprocess", "ctypes", "_ctypes", "cffi", "_cffi_backend")
_DENY_EVENTS = frozenset(
    [
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.fork",
        "os.forkpty",
        "subprocess.Popen",
        "os.link",
        "os.symlink",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "sys.remote_exec",
        "os.setuid",
        "os.setgid",
        "os.chroot",
        "resource.setrlimit",
        "resource.prlimit",
    ]
)
_PATH_EVENTS_WRITE = frozenset(
    [
        "os.chdir",  # relative paths must keep meaning the submission folder
        "os.remove",
        "os.rmdir",
        "os.mkdir",
        "os.rename",
        "os.chmod",
        "os.chown",
        "os.truncate",
        "os.utime",
        "shutil.rmtree",
        "shutil.copyfile",
        "shutil.copytree",
        "shutil.move",
        "os.chflags",
        "os.lchflags",
        "os.setxattr",
        "os.removexattr",
    ]
)
_PATH_EVENTS_READ = frozenset(["os.listdir", "os.scandir", "glob.glob", "os.walk"])
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def install_audit_hook(workdir: str, deny: list[str]) -> None:
    """Install the worker's audit hook (irremovable from Python code): a SECOND layer only.

    The hook refuses (``PermissionError``): process creation, signals to other processes,
    sockets, ``ctypes``, garbage-collector walks, replacing or deleting a function's code or
    defaults, hard and symbolic links, writes or file-system changes outside ``workdir``,
    any access to a path under ``deny``, and importing the low-level modules that bypass it.

    Its state and the built-ins it uses are bound as default arguments of the hook and its
    helpers (immutable values; changing ``__defaults__`` or ``__code__`` raises an audit
    event the hook refuses), not closure cells: the frames in the traceback of its own
    ``PermissionError`` give no handle to change it. It is still not a boundary: many
    system calls (``pidfd_send_signal``, ``setpriority``, ...) raise no audit event, and the
    pure-Python library functions it calls (``os.path.realpath``) can be monkeypatched. The
    boundary is the kernel sandbox (:mod:`jaxnm_course.grading.sandbox`).

    Args:
        workdir: the only folder that may be written (plus ``/dev/null``).
        deny: folders that may not be read, listed or written.
    """
    workdir_t = os.path.realpath(workdir)
    deny_t = tuple(os.path.realpath(d) for d in deny)
    plain_paths = (pathlib.PosixPath, pathlib.PurePosixPath)
    fspath_of = pathlib.PurePath.__fspath__
    blocked_modules = frozenset(BLOCKED_MODULES) | frozenset(_BLOCKED_LOW_LEVEL)
    me = os.getpid()

    def under(p, root, _sep=os.sep, _str=str):
        return p == root or p.startswith(root.rstrip(_sep) + _sep)

    def resolve(
        path,
        _plain=plain_paths,
        _fspath_of=fspath_of,
        _realpath=os.path.realpath,
        _decode=os.fsdecode,
        _type=type,
        _int=int,
        _str=str,
        _bytes=bytes,
    ):
        # Only exact built-in types are converted: a student's PathLike (or str subclass)
        # would run its own code inside the hook.
        if path is None or _type(path) is _int:
            return None
        if _type(path) in _plain:
            path = _fspath_of(path)
        if _type(path) not in (_str, _bytes):
            return "<not a plain path>"
        try:
            return _realpath(_decode(path))  # relative to the real current folder
        except (TypeError, ValueError):
            return "<invalid>"

    def shown(path, _type=type, _repr=repr, _str=str, _bytes=bytes):
        return _repr(path)[:200] if _type(path) in (_str, _bytes) else "a non-str path"

    def check(
        path,
        write,
        event,
        _resolve=resolve,
        _under=under,
        _shown=shown,
        _workdir=workdir_t,
        _deny=deny_t,
        _isdir=os.path.isdir,
        _error=PermissionError,
    ):
        p = _resolve(path)
        if p is None or _under(p, _workdir) or p == "/dev/null":
            return
        if p.startswith("<"):
            raise _error(f"grader: {event} of {_shown(path)}: use a str path")
        for d in _deny:
            if _under(p, d):
                raise _error(f"grader: {event} of {_shown(path)} is not allowed")
        if write:
            raise _error(f"grader: writing {_shown(path)} outside the submission folder")
        if event == "open" and _isdir(p):
            # A directory descriptor would let os.open(..., dir_fd=fd) bypass the checks.
            raise _error(f"grader: opening the folder {_shown(path)} is not allowed")

    def hook(
        event,
        args,
        _check=check,
        _deny_events=_DENY_EVENTS,
        _write_events=_PATH_EVENTS_WRITE,
        _read_events=_PATH_EVENTS_READ,
        _blocked=blocked_modules,
        _write_flags=_WRITE_FLAGS,
        _me=me,
        _protected=(),
        _error=PermissionError,
        _type=type,
        _isinstance=isinstance,
        _str=str,
        _int=int,
        _any=any,
        _tuple=tuple,
    ):
        if event in _deny_events or event.startswith(("ctypes.", "socket.", "_posixsub")):
            raise _error(f"grader: {event} is not allowed in submissions")
        if event == "open":
            path, mode, flags = ((*_tuple(args), None, None, None))[:3]
            write = (_isinstance(mode, _str) and _any(c in mode for c in "wax+")) or (
                _type(flags) is _int and bool(flags & _write_flags)
            )
            if _type(path) is not _int:
                _check(path, write, event)
        elif event in ("os.kill", "os.killpg", "signal.pthread_kill"):
            if event != "os.kill" or args[0] not in (_me, 0):
                raise _error(f"grader: {event} is not allowed in submissions")
        elif event == "import":
            top = _str(args[0]).split(".")[0]
            if top in _blocked:
                raise _error(f"grader: importing {args[0]} is not allowed")
        elif event in ("object.__setattr__", "object.__delattr__"):
            if args and _any(args[0] is f for f in _protected):
                raise _error("grader: the grader's audit hook cannot be changed")
        elif event in _write_events:
            for a in args[:2]:
                if a is not None and _type(a) is not _int:
                    _check(a, True, event)
        elif event in _read_events and args and args[0] is not None and _type(args[0]) is not _int:
            _check(args[0], False, event)

    # The hook refuses changes to its own and its helpers' code and defaults from now on.
    protected = (hook, check, under, resolve, shown, os.path.realpath, os.fsdecode, os.path.isdir)
    defaults = list(hook.__defaults__)
    defaults[hook.__code__.co_varnames.index("_protected") - 2] = protected
    hook.__defaults__ = tuple(defaults)
    sys.addaudithook(hook)


class _Blocker:
    """Meta-path finder refusing instructor modules and the configured forbidden ones."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names

    def find_spec(self, fullname, path=None, target=None):
        for n in self._names:
            if fullname == n or fullname.startswith(n + "."):
                raise ImportError(
                    f"{fullname} cannot be imported by a submission while grading",
                    name=fullname,
                )
        return None


def _format_error(exc: BaseException, workdir: str) -> dict:
    try:
        msg = str(exc)
    except BaseException:  # a hostile __str__
        msg = "<unprintable>"
    try:
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if os.path.realpath(f.filename).startswith(workdir)
        ]
        tb = "".join(traceback.format_list(frames[-8:]))
    except BaseException:
        tb = ""
    name = type(exc).__name__ if isinstance(type(exc).__name__, str) else "Exception"
    return {"type": name[:100], "message": msg[:2000], "traceback": tb[-4000:]}


def main(argv: list[str] | None = None) -> None:
    """Run the worker loop (see the module docstring)."""
    cfg = json.loads((argv or sys.argv)[1])
    fd_in, fd_out = int(cfg["fd_in"]), int(cfg["fd_out"])
    workdir = os.path.realpath(cfg["workdir"])
    deny = list(cfg.get("deny", []))
    forbid = tuple(cfg.get("forbid", []))
    max_bytes = int(cfg.get("max_bytes", 256 << 20))
    from jaxnm_course.grading import sandbox

    sandbox.apply_limits(int(cfg.get("memory_mb", 4096)), int(cfg.get("cpu_seconds", 1860)))

    # 1. Trusted imports.
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import numpy as np  # noqa: F401

    import jaxnm_course  # noqa: F401
    from jaxnm_course.grading import codec, protocol

    # The course's catalog (a read-only copy staged by the trusted side, outside the
    # submission folder): its Ref class rebuilds the Refs this worker receives.
    catalog = cfg.get("catalog")
    if isinstance(catalog, dict):
        sys.path.insert(0, str(catalog["path"]))
        try:
            codec.set_ref_class(importlib.import_module(str(catalog["module"])).Ref)
        except Exception:
            pass  # without the catalog, Refs are refused: the calls that use one fail
        finally:
            sys.path.remove(str(catalog["path"]))
    # Warm up the pieces of JAX every exercise uses, so compile-once costs are paid here.
    jnp.linalg.eigh(jnp.eye(3))[0].block_until_ready()

    # 2. sys.path: nothing of the instructor's, the submission first.
    def _denied(p: str) -> bool:
        rp = os.path.realpath(p or ".")
        return any(rp == d or rp.startswith(d.rstrip("/") + "/") for d in deny)

    sys.path[:] = [workdir] + [p for p in sys.path if p and not _denied(p) and p != workdir]
    os.chdir(workdir)
    sys.dont_write_bytecode = True

    # 3. Import blocker; drop cached low-level modules. The catalog's Ref class is pinned in
    # the codec (step 1), so Refs keep working when the library or the course's support
    # package is forbidden.
    sys.meta_path.insert(0, _Blocker(tuple(BLOCKED_MODULES) + forbid))
    for name in list(sys.modules):
        if name in forbid or any(name.startswith(f + ".") for f in forbid):
            del sys.modules[name]
    sys.modules.pop("_posixsubprocess", None)
    sp = sys.modules.get("subprocess")
    if sp is not None and hasattr(sp, "_posixsubprocess"):
        sp._posixsubprocess = None

    # 4. Audit hook (a second layer; absent only when the trusted side asked for a confined
    # worker without it, to test the kernel layer alone).
    if cfg.get("audit_hook", True):
        install_audit_hook(workdir, deny)

    # 5. Serve.
    modules: dict[str, object] = {}
    failed: dict[str, dict] = {}
    protocol.send(fd_out, {"op": "ready", "pid": os.getpid()}, max_bytes)
    while True:
        try:
            req = protocol.receive(fd_in, max_bytes)
        except (EOFError, OSError, codec.CodecError):
            return
        rid = req.get("id") if isinstance(req, dict) else None
        try:
            op = req["op"]
            if op == "exit":
                return
            mod_name = req["module"]
            if not isinstance(mod_name, str) or not _MODULE_RE.match(mod_name):
                raise ValueError(f"invalid module name {mod_name!r}")
            if mod_name in failed:
                reply = {"id": rid, "error": failed[mod_name]}
            else:
                if mod_name not in modules:
                    try:
                        modules[mod_name] = importlib.import_module(mod_name)
                    except BaseException as exc:
                        err = _format_error(exc, workdir)
                        err["import_failed"] = True
                        failed[mod_name] = err
                        protocol.send(fd_out, {"id": rid, "error": err}, max_bytes)
                        continue
                if op == "import":
                    reply = {"id": rid, "ok": None}
                else:
                    fname = req["function"]
                    if not isinstance(fname, str) or not _FUNC_RE.match(fname):
                        raise ValueError(f"invalid function name {fname!r}")
                    fn = getattr(modules[mod_name], fname)
                    result = fn(*req.get("args", ()), **req.get("kwargs", {}))
                    reply = {"id": rid, "ok": result}
            try:
                data = codec.encode(reply, max_bytes)
            except BaseException as exc:
                data = codec.encode(
                    {
                        "id": rid,
                        "error": {
                            "type": "UngradableResult",
                            "message": f"the function returned a value that cannot be graded: "
                            f"{str(exc)[:500]}",
                            "traceback": "",
                        },
                    },
                    max_bytes,
                )
        except BaseException as exc:
            data = codec.encode({"id": rid, "error": _format_error(exc, workdir)}, max_bytes)
        protocol.write_frame(fd_out, data)


if __name__ == "__main__":
    main()
