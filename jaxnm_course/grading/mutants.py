"""Mutants: deliberate wrong answers built from the solutions by small, checked edits.

A mutant is a folder ``<mutants>/<set id>_<name>/`` (the mutants folder that the course
declares, ``tests/course/mutants`` here) holding ``mutant.toml``::

    description = "masses not square-rooted in the mass weighting"
    file = "ex05_normal_modes.py"

    [[edit]]
    old = '''inv_sqrt = 1.0 / jnp.sqrt(jnp.repeat(m, 3))'''
    new = '''inv_sqrt = 1.0 / jnp.repeat(m, 3)'''

Each ``old`` must occur exactly once in the solution file, so a mutant cannot silently stop
applying when the solutions change. :func:`build` writes a target folder: a copy of the
solutions with the edits of one or more mutants (each on a different file) applied.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import NamedTuple

from . import course as _course

__all__ = ["Mutant", "apply", "build", "discover", "read"]


class Mutant(NamedTuple):
    """One deliberate wrong answer.

    Attributes:
        name: the folder name, ``<set id>_<name>``.
        exercise: the id of the set whose solution file it edits.
        file: the solution file it edits.
        description: what is wrong, in words.
        edits: (old, new) text replacements.
    """

    name: str
    exercise: str
    file: str
    description: str
    edits: tuple[tuple[str, str], ...]


def read(folder: Path, course: _course.Course | None = None) -> Mutant:
    """Read ``folder/mutant.toml``.

    Args:
        folder: the mutant's folder.
        course: the course; its declaration gives the set of the edited file. Without it
            the set is the folder name up to its first underscore.

    Returns:
        The :class:`Mutant`.

    Raises:
        ValueError: the file is not a module of a declared set.
    """
    data = tomllib.loads((folder / "mutant.toml").read_text(encoding="utf-8"))
    edits = tuple((e["old"], e["new"]) for e in data["edit"])
    exercise = folder.name.split("_")[0]
    if course is not None:
        found = course.set_of_file(data["file"])
        if found is None:
            raise ValueError(f"mutant {folder.name}: {data['file']!r} is no set's module")
        exercise = found.id
    return Mutant(folder.name, exercise, data["file"], data["description"], edits)


def discover(root: Path, course: _course.Course | None = None) -> list[Mutant]:
    """All mutants under ``root`` (folders holding a ``mutant.toml``), sorted by name.

    Args:
        root: e.g. ``tests/course/mutants``.
        course: see :func:`read`.

    Returns:
        The mutants.
    """
    return [read(p.parent, course) for p in sorted(root.glob("*/mutant.toml"))]


def apply(source: str, mutant: Mutant) -> str:
    """The mutated text of the solution file.

    Args:
        source: the solution's source code.
        mutant: the mutant.

    Returns:
        The edited source.

    Raises:
        ValueError: an ``old`` text does not occur exactly once, or an edit changes nothing.
    """
    for old, new in mutant.edits:
        count = source.count(old)
        if count != 1:
            raise ValueError(
                f"mutant {mutant.name}: the text to replace occurs {count} times in "
                f"{mutant.file} (must be exactly once): {old!r}"
            )
        if old == new:
            raise ValueError(f"mutant {mutant.name}: an edit changes nothing")
        source = source.replace(old, new)
    return source


def build(mutants: list[Mutant], solutions: Path, out: Path) -> Path:
    """Write a target folder: the solutions with the given mutants applied.

    Args:
        mutants: mutants editing distinct files.
        solutions: the solutions folder.
        out: the folder to create (must not exist).

    Returns:
        ``out``.
    """
    files = [m.file for m in mutants]
    if len(set(files)) != len(files):
        raise ValueError(f"build: two mutants edit the same file: {sorted(files)}")
    out.mkdir(parents=True)
    for src in solutions.glob("*.py"):
        shutil.copy(src, out / src.name)
    for m in mutants:
        path = out / m.file
        path.write_text(apply(path.read_text(encoding="utf-8"), m), encoding="utf-8")
    return out
