"""Where the exercise tests find the code under test: ``load(name)``.

Tests never ``import ex04_hessians``; they call ``ex = load("ex04_hessians")`` and then
``ex.hessian(...)``. In student mode (the default) ``load`` returns a lazy view of the module
``<target>/<name>.py``, where the target folder is chosen by ``pytest exercises --target
exercises|solutions|PATH`` (default ``exercises``). The module is imported on first use, so
a missing file or a syntax error fails the tests that use it, not the collection of the
whole session. In remote mode (environment variable ``JAXNM_GRADE_REMOTE`` set by the batch
grader to its configuration file) the call is delegated to :mod:`jaxnm_course.grading.remote`,
which runs the code in an isolated worker process.

The import policy is the grader's, in both modes: a target module may not import the packages
of :func:`set_forbidden` (the plugin passes the ``--forbid auto`` decision: the course library,
the tests' support package). The grader's worker refuses them; in student mode the module runs
with an ``__import__`` that refuses them, so that the tests that need them fail locally as
they will when graded (an import at the top of the module fails the whole set; one inside a
function, the calls that reach it).

A function of the target that raises ``NotImplementedError`` (an untouched stub) is reported
as :class:`NotAttempted`, a ``BaseException`` so that Hypothesis stops at the first example
instead of searching for a "smallest" failing one.
"""

from __future__ import annotations

import builtins
import functools
import importlib.util
import inspect
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from jaxnm_course.grading import remote
from jaxnm_course.grading.config import ENV
from jaxnm_course.grading.errors import NotAttempted, TargetImportError

__all__ = [
    "NotAttempted",
    "TargetImportError",
    "get_target",
    "load",
    "set_forbidden",
    "set_target",
]

_state: dict[str, Any] = {"folder": None, "forbidden": ()}


def set_forbidden(names: tuple[str, ...] | list[str]) -> None:
    """Packages a target module may not import in student mode (the plugin calls it).

    Args:
        names: top-level package names (their submodules are refused too).
    """
    _state["forbidden"] = tuple(names)
    _cache.clear()


def _guarded_builtins(forbidden: tuple[str, ...]) -> dict[str, Any]:
    """A copy of the builtins whose ``__import__`` refuses ``forbidden`` (see the docstring)."""
    real = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and any(name == f or name.startswith(f + ".") for f in forbidden):
            raise ImportError(
                f"{name} cannot be imported by a submission: graded runs refuse it, and so "
                f"does this local run; write the code yourself (see exercises/README.md, "
                f"'What your code may import')",
                name=name,
            )
        return real(name, globals, locals, fromlist, level)

    namespace = dict(builtins.__dict__)
    namespace["__import__"] = guarded
    return namespace


def set_target(folder: str | os.PathLike[str]) -> None:
    """Choose the folder holding the ``exNN_*.py`` modules under test (the plugin calls it).

    Args:
        folder: path of the target folder.
    """
    _state["folder"] = Path(folder).resolve()
    _cache.clear()


def get_target() -> Path:
    """The folder under test (``./exercises`` unless :func:`set_target` chose another).

    Returns:
        The absolute path.
    """
    folder = _state["folder"]
    if folder is None:
        folder = Path(os.environ.get("JAXNM_TARGET", "exercises")).resolve()
    return folder


_cache: dict[str, ModuleType] = {}


def _import(name: str) -> ModuleType:
    if name in _cache:
        return _cache[name]
    path = get_target() / f"{name}.py"
    if not path.is_file():
        raise TargetImportError(f"{name}: no file {path} (is --target the right folder?)")
    module_name = f"_jaxnm_target_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise TargetImportError(f"{name}: cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    if _state["forbidden"]:
        # `import` statements look up __import__ in the module's own builtins, at the top of
        # the module and inside its functions alike
        module.__dict__["__builtins__"] = _guarded_builtins(_state["forbidden"])
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except NotImplementedError as exc:
        raise NotAttempted(str(exc)) from None
    except Exception as exc:
        del sys.modules[module_name]
        raise TargetImportError(
            f"{name}: importing {path.name} failed with {type(exc).__name__}: {exc}"
        ) from exc
    _cache[name] = module
    return module


def _guard(fn: Any) -> Any:
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except NotImplementedError as exc:
            raise NotAttempted(str(exc) or f"{fn.__name__} not implemented yet") from None

    return call


class _LazyModule:
    """Attribute access imports the target module; its functions are wrapped by _guard."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        module = _import(self._name)
        try:
            value = getattr(module, attr)
        except AttributeError:
            raise AttributeError(
                f"{self._name}: the target module has no `{attr}` (was it renamed or deleted?)"
            ) from None
        return _guard(value) if inspect.isfunction(value) else value

    def __repr__(self) -> str:
        return f"<exercise module {self._name} from {get_target()}>"


def load(name: str) -> Any:
    """The exercise module ``name`` (e.g. ``"ex04_hessians"``) of the current target.

    Args:
        name: module name without ``.py``.

    Returns:
        An object whose attributes are the module's functions (imported lazily in this
        process, or proxies to the isolated worker when ``JAXNM_GRADE_REMOTE`` is set).
    """
    if os.environ.get(ENV):
        return remote.load(name)
    return _LazyModule(name)
