"""The course declaration: ``course.toml`` beside the exercises.

It is the harness's only source of a course's exercise sets, titles, points policy and
trusted material.

A course is a folder holding ``exercises/course.toml``::

    [course]
    name = "jaxnm-course"
    solutions = "solutions"        # paths relative to the course folder
    hidden_tests = "hidden_tests"
    mutants = "tests/course/mutants"

    [points]
    default = 1                    # points of a test without @pytest.mark.points(n)

    [support]
    path = "exercises/support"     # folder holding the course's trusted Python package
    catalog = "jaxnm_exercises.catalog"   # the module defining ``Ref`` (optional)

    [[set]]
    id = "ex02"                    # the pytest marker and the gradebook column
    module = "ex02_jax_basics"     # <module>.py (stub, solution); tests test_<module>.py
    title = "JAX essentials"
    chapter = "chapters/02_jax_for_scientists"

Everything except ``[[set]]`` is optional (defaults as above, no support package). The
trusted side puts ``support.path`` on ``sys.path``; the grader's worker receives a read-only
copy of the catalog's package (:func:`stage_support`) and imports only the catalog module,
before any student code runs.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import Any, NamedTuple

__all__ = [
    "FILENAME",
    "Course",
    "ExerciseSet",
    "current",
    "default_forbid",
    "default_location",
    "find",
    "load",
    "set_current",
    "stage_support",
    "use_support",
]

#: Name of the declaration file (in the course's ``exercises/`` folder).
FILENAME = "course.toml"

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_MODULE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,99}$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class ExerciseSet(NamedTuple):
    """One exercise set of a course.

    Attributes:
        id: the set's label (pytest marker, gradebook column), e.g. ``"ex03"``.
        module: the module students edit, e.g. ``"ex04_hessians"`` (``<module>.py`` in
            ``exercises/`` and ``solutions/``; tests ``test_<module>.py``).
        title: the set's title in the points table and the gradebook.
        chapter: the docs page presenting the set (``""`` when none).
    """

    id: str
    module: str
    title: str
    chapter: str = ""

    @property
    def filename(self) -> str:
        """``<module>.py``."""
        return f"{self.module}.py"

    @property
    def test_filename(self) -> str:
        """``test_<module>.py`` (the same name in the visible and the hidden tests)."""
        return f"test_{self.module}.py"


class Course(NamedTuple):
    """A course as declared by its ``course.toml`` (see the module docstring).

    Attributes:
        name: the course's name.
        declaration: the ``course.toml`` file.
        root: the course folder (paths of the declaration are relative to it).
        exercises: the folder of the stubs and visible tests (holding ``course.toml``).
        solutions: the reference answers.
        hidden_tests: the instructor-only tests.
        mutants: the deliberate wrong answers.
        support: the folder put on ``sys.path`` for the course's trusted package, or None.
        catalog: the module defining the course's ``Ref`` class (``""`` when none).
        default_points: points of a test without a ``points`` marker.
        sets: the exercise sets, in the order of the points table.
    """

    name: str
    declaration: Path
    root: Path
    exercises: Path
    solutions: Path
    hidden_tests: Path
    mutants: Path
    support: Path | None
    catalog: str
    default_points: float
    sets: tuple[ExerciseSet, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        """The set ids, in order."""
        return tuple(s.id for s in self.sets)

    @property
    def support_package(self) -> str:
        """The top-level package of the catalog (``""`` when none)."""
        return self.catalog.split(".")[0] if self.catalog else ""

    def get(self, set_id: str) -> ExerciseSet:
        """The set with this id (KeyError naming the known ids otherwise)."""
        for s in self.sets:
            if s.id == set_id:
                return s
        raise KeyError(f"{self.name}: no exercise set {set_id!r}; sets: {', '.join(self.ids)}")

    def set_of_file(self, filename: str) -> ExerciseSet | None:
        """The set a file belongs to: ``<module>.py`` or ``test_<module>.py``, else None."""
        for s in self.sets:
            if filename in (s.filename, s.test_filename):
                return s
        return None


def default_location() -> Path:
    """Where the course is when none is named.

    The source checkout holding this package when it has ``exercises/course.toml``, else
    the current folder.

    Returns:
        A folder.
    """
    root = Path(__file__).resolve().parents[2]  # jaxnm_course/grading/course.py
    if (root / "exercises" / FILENAME).is_file():
        return root
    return Path.cwd().resolve()


def find(path: str | os.PathLike[str] | None = None) -> Path:
    """The ``course.toml`` named by ``path``.

    ``path`` is the file itself, a folder holding it, or a course folder holding
    ``exercises/course.toml``.

    Args:
        path: the course, its ``exercises/`` folder or its declaration; default
            :func:`default_location`.

    Returns:
        The resolved path of the declaration.

    Raises:
        FileNotFoundError: no declaration there.
    """
    p = Path(path) if path is not None else default_location()
    for candidate in (p, p / FILENAME, p / "exercises" / FILENAME):
        if candidate.is_file():
            return candidate.resolve()
    raise FileNotFoundError(
        f"no course declaration at {p}: expected {p / FILENAME} or "
        f"{p / 'exercises' / FILENAME} (see jaxnm_course.grading.course)"
    )


def _text(table: dict, key: str, default: str, where: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise TypeError(f"{where}: `{key}` must be a string, got {type(value).__name__}")
    return value


def load(path: str | os.PathLike[str] | None = None) -> Course:
    """Read and check a course declaration.

    Args:
        path: see :func:`find`.

    Returns:
        The :class:`Course`.

    Raises:
        FileNotFoundError: no declaration.
        TypeError: a field of the wrong type.
        ValueError: a malformed or duplicated set, an unknown section, a bad points value.
    """
    toml = find(path)
    where = str(toml)
    try:
        data = tomllib.loads(toml.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{where}: not valid TOML: {err}") from None
    unknown = set(data) - {"course", "points", "support", "set"}
    if unknown:
        raise ValueError(f"{where}: unknown sections {sorted(unknown)}")
    exercises = toml.parent
    root = exercises.parent
    head = data.get("course", {})
    points = data.get("points", {})
    support = data.get("support", {})
    default_points = points.get("default", 1)
    if isinstance(default_points, bool) or not isinstance(default_points, int | float):
        raise TypeError(f"{where}: [points] default must be a number")
    if default_points < 0:
        raise ValueError(f"{where}: [points] default must be >= 0, got {default_points}")
    catalog = _text(support, "catalog", "", f"{where} [support]")
    if catalog and not _DOTTED.match(catalog):
        raise ValueError(f"{where}: [support] catalog {catalog!r} is not a module name")
    support_path = _text(support, "path", "", f"{where} [support]")
    if catalog and not support_path:
        raise ValueError(f"{where}: [support] catalog needs a [support] path")
    raw_sets = data.get("set", [])
    if not isinstance(raw_sets, list) or not raw_sets:
        raise ValueError(f"{where}: declare at least one [[set]] (id, module, title)")
    sets: list[ExerciseSet] = []
    for n, s in enumerate(raw_sets, start=1):
        here = f"{where}: set {n}"
        if not isinstance(s, dict) or not {"id", "module", "title"} <= set(s):
            raise ValueError(f"{here}: needs id, module and title")
        extra = set(s) - {"id", "module", "title", "chapter"}
        if extra:
            raise ValueError(f"{here}: unknown fields {sorted(extra)}")
        entry = ExerciseSet(
            _text(s, "id", "", here),
            _text(s, "module", "", here),
            _text(s, "title", "", here),
            _text(s, "chapter", "", here),
        )
        if not _ID.match(entry.id):
            raise ValueError(f"{here}: id {entry.id!r} must be a short identifier (e.g. ex01)")
        if not _MODULE.match(entry.module):
            raise ValueError(f"{here}: module {entry.module!r} must be a Python module name")
        if any(entry.id == o.id or entry.module == o.module for o in sets):
            raise ValueError(f"{here}: id {entry.id!r} or module {entry.module!r} repeated")
        sets.append(entry)
    return Course(
        name=_text(head, "name", root.name, f"{where} [course]"),
        declaration=toml,
        root=root,
        exercises=exercises,
        solutions=root / _text(head, "solutions", "solutions", where),
        hidden_tests=root / _text(head, "hidden_tests", "hidden_tests", where),
        mutants=root / _text(head, "mutants", "tests/course/mutants", where),
        support=(root / support_path).resolve() if support_path else None,
        catalog=catalog,
        default_points=default_points,
        sets=tuple(sets),
    )


def default_forbid(course: Path) -> list[str]:
    """Modules a submission may not import, decided from the reference solutions.

    If no solution imports ``jaxnm_course``, students need none of it, and the whole library
    (which holds reference implementations of several exercises) is blocked in the worker.
    If a solution imports any part of it, the library is not blocked: importing any
    submodule runs the package's ``__init__``, which exposes the rest. The course's support
    package (declared in its ``course.toml``: trusted references of the tests) is always
    blocked. (A blocker is a deterrent, not a wall: the library is public and could be
    copied into a submission; see the instructor guide.) Without ``solutions/`` (a
    Gradescope bundle), ``grading.json`` holds the decision made when the bundle was built.

    Args:
        course: the course folder.

    Returns:
        ``["jaxnm_course"]`` or ``[]``, followed by the support package if there is one.
    """
    cfg = course / "grading.json"
    if not (course / "solutions").is_dir() and cfg.is_file():
        return list(json.loads(cfg.read_text()).get("forbid", []))
    try:
        support = [load(course).support_package]
    except FileNotFoundError:
        support = []
    support = [p for p in support if p]
    for p in sorted((course / "solutions").glob("*.py")):
        tree = ast.parse(p.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "jaxnm_course" or n.startswith("jaxnm_course.") for n in names):
                return support
    return ["jaxnm_course", *support]


_state: dict[str, Any] = {"course": None}


def set_current(course: Course | None) -> None:
    """Make ``course`` the course of this process (the plugin does, at configure time).

    Args:
        course: the course, or None to forget it.
    """
    _state["course"] = course


def current() -> Course | None:
    """The course of this process (None before :func:`set_current`)."""
    return _state["course"]


def use_support(course: Course) -> None:
    """Put the course's support folder first on ``sys.path`` (trusted processes only).

    Args:
        course: the course.
    """
    if course.support is not None and str(course.support) not in sys.path:
        sys.path.insert(0, str(course.support))


def stage_support(dest: str | os.PathLike[str], course: Course | None = None) -> dict | None:
    """Copy the catalog's package read-only into ``dest`` for a worker to import.

    The worker sees neither the course folder nor the trusted side's ``sys.path``: it gets
    this copy (``dest/<package>/``, files read-only) and the module to import.

    Args:
        dest: a folder to create (e.g. inside the worker's private folder, outside the
            folder of the submission).
        course: the course; default :func:`current`.

    Returns:
        ``{"path": dest, "module": catalog}`` for the worker's configuration, or None when
        the course has no catalog (Refs are then refused by the codec).
    """
    course = course if course is not None else current()
    if course is None or not course.catalog or course.support is None:
        return None
    package = course.support / course.support_package
    dest = Path(dest)
    target = dest / course.support_package
    if package.is_dir():
        shutil.copytree(package, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    else:  # a single-module catalog
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy(course.support / f"{course.support_package}.py", dest)
    for folder, _dirs, files in os.walk(dest):
        for f in files:  # folders stay writable by the owner, so that cleanup can remove them
            os.chmod(os.path.join(folder, f), 0o444)
    return {"path": str(dest), "module": course.catalog}
