"""``jaxnm-grade new-set``: the files of a new exercise set, ready to be filled in.

For a set ``ID`` with module ``MODULE`` it writes, in a course folder:

* ``solutions/MODULE.py``: one function with a docstring, a ``# HINT:`` and a
  ``# BEGIN SOLUTION`` / ``# END SOLUTION`` hole (the only place the answer is written);
* ``exercises/MODULE.py``: the stub generated from it (:mod:`~jaxnm_course.grading.stubs`);
* ``exercises/test_MODULE.py`` and ``hidden_tests/test_MODULE.py``: a visible and a hidden
  test that call the code under test through :func:`~jaxnm_course.grading.target.load`;
* ``<mutants>/ID_double_twice/mutant.toml``: a wrong answer the tests must catch;
* the set's ``[[set]]`` entry at the end of ``exercises/course.toml``;
* with ``chapter``, the ``exercise-set`` directive at the end of ``docs/<chapter>.md``.

Nothing is overwritten: an existing file, id or module stops the command before anything is
written. Then replace the example function with the real exercise, regenerate the stub
(``python -m jaxnm_course.grading.stubs``) and run ``jaxnm-grade check`` (see the
instructor guide, "Adding or changing a set").
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from jaxnm_course.grading import course as _course
from jaxnm_course.grading import stubs

__all__ = ["new_set"]

_SOLUTION = '''"""{id}: {title}."""


def double(x):
    """Twice ``x``: the example function of a new set (replace it with the exercise).

    Args:
        x: a number.

    Returns:
        ``2 * x``.
    """
    # HINT: multiply by two.
    # BEGIN SOLUTION
    return x + x
    # END SOLUTION
'''

_VISIBLE = '''"""Visible tests of set {id} ({title})."""

import pytest

from jaxnm_course.grading.target import load

ex = load("{module}")


@pytest.mark.points(1)
def test_double_of_an_integer():
    assert ex.double(3) == 6


@pytest.mark.points(1)
def test_double_of_a_float():
    assert ex.double(0.25) == pytest.approx(0.5)
'''

_HIDDEN = '''"""Hidden tests of set {id} ({title}): run only at grading time."""

import pytest

from jaxnm_course.grading.target import load

ex = load("{module}")


@pytest.mark.points(1)
def test_double_of_a_negative_number():
    assert ex.double(-4) == -8
'''

_MUTANT = """description = "adds instead of doubling: the example's wrong answer"
file = "{module}.py"

[[edit]]
old = '''return x + x'''
new = '''return x + 2'''
"""

_ENTRY = """
[[set]]
id = "{id}"
module = "{module}"
title = "{title}"
"""

_DIRECTIVE = """
## Exercises

```{{exercise-set}} {module}
```
"""


def new_set(
    course: str | os.PathLike[str], set_id: str, module: str, title: str, chapter: str = ""
) -> list[Path]:
    """Scaffold a new exercise set in ``course`` (see the module docstring).

    Args:
        course: the course (its folder, its ``exercises/`` folder or its ``course.toml``).
        set_id: the set's id, e.g. ``"ex12"``.
        module: its module, e.g. ``"ex12_normal_coordinates"``.
        title: its title in the points table and the gradebook.
        chapter: the docs page presenting it (``"chapters/12_x"``, without ``.md``).

    Returns:
        The files written or extended.

    Raises:
        ValueError: the id or module is taken or malformed, or a file exists already.
        FileNotFoundError: no course, or no ``docs/<chapter>.md``.
    """
    decl = _course.load(course)
    if set_id in decl.ids or any(s.module == module for s in decl.sets):
        raise ValueError(f"new_set: {decl.name} already has a set {set_id!r} or module {module!r}")
    fields = {"id": set_id, "module": module, "title": title.replace('"', "'")}
    entry = _ENTRY.format(**fields)
    if chapter:
        entry += f'chapter = "{chapter}"\n'
    text = decl.declaration.read_text("utf-8").rstrip("\n") + "\n" + entry
    with tempfile.TemporaryDirectory() as tmp:  # check the new entry before writing anything
        probe = Path(tmp) / "exercises" / _course.FILENAME
        probe.parent.mkdir()
        probe.write_text(text, "utf-8")
        _course.load(probe)
    page = decl.root / "docs" / f"{chapter}.md"
    if chapter and not page.is_file():
        raise FileNotFoundError(f"new_set: no chapter page {page}")
    mutant = decl.mutants / f"{set_id}_double_twice" / "mutant.toml"
    solution = _SOLUTION.format(**fields)
    files = {
        decl.solutions / f"{module}.py": solution,
        decl.exercises / f"{module}.py": stubs.generate_stub(solution, f"{module}.py", set_id),
        decl.exercises / f"test_{module}.py": _VISIBLE.format(**fields),
        decl.hidden_tests / f"test_{module}.py": _HIDDEN.format(**fields),
        mutant: _MUTANT.format(**fields),
    }
    taken = [str(p) for p in [*files, mutant.parent] if p.exists()]
    if taken:
        raise ValueError(f"new_set: would overwrite {', '.join(taken)}")
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, "utf-8")
    decl.declaration.write_text(text, "utf-8")
    written = [*files, decl.declaration]
    if chapter:
        page.write_text(page.read_text("utf-8").rstrip("\n") + "\n" + _DIRECTIVE.format(**fields))
        written.append(page)
    return written
