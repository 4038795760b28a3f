"""Mutants: deliberate wrong answers built from the solutions by small, checked edits.

A mutant is a folder ``tests/course/mutants/exNN_<name>/`` holding ``mutant.toml``::

    description = "masses not square-rooted in the mass weighting"
    file = "ex04_normal_modes.py"

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

__all__ = ["Mutant", "apply", "build", "discover", "read"]


class Mutant(NamedTuple):
    """One deliberate wrong answer.

    Attributes:
        name: the folder name, ``exNN_<name>``.
        exercise: the set it belongs to, ``exNN``.
        file: the solution file it edits.
        description: what is wrong, in words.
        edits: (old, new) text replacements.
    """

    name: str
    exercise: str
    file: str
    description: str
    edits: tuple[tuple[str, str], ...]


def read(folder: Path) -> Mutant:
    """Read ``folder/mutant.toml``.

    Args:
        folder: the mutant's folder.

    Returns:
        The :class:`Mutant`.
    """
    data = tomllib.loads((folder / "mutant.toml").read_text(encoding="utf-8"))
    edits = tuple((e["old"], e["new"]) for e in data["edit"])
    return Mutant(folder.name, folder.name[:4], data["file"], data["description"], edits)


def discover(root: Path) -> list[Mutant]:
    """All mutants under ``root`` (folders holding a ``mutant.toml``), sorted by name.

    Args:
        root: e.g. ``tests/course/mutants``.

    Returns:
        The mutants.
    """
    return [read(p.parent) for p in sorted(root.glob("*/mutant.toml"))]


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
    for src in solutions.glob("ex*.py"):
        shutil.copy(src, out / src.name)
    for m in mutants:
        path = out / m.file
        path.write_text(apply(path.read_text(encoding="utf-8"), m), encoding="utf-8")
    return out
