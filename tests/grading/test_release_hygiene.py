"""A student release that is self-consistent (issue 14): stub headers written for students,
no solution text anywhere (library and support docstrings included), no mention of files it
does not ship."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jaxnm_course.grading import release, stubs

MINI = Path(__file__).resolve().parent / "mini_course"
SOLUTION_LINE = "return sum(x * x for x in v) ** 0.5"  # a line of a hole of mini ex02


def _mini(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(MINI, course, ignore=shutil.ignore_patterns("__pycache__", ".hypothesis"))
    return course


def test_stub_headers_name_no_instructor_file_and_say_how_to_test():
    source = (MINI / "solutions" / "ex01_arith.py").read_text("utf-8")
    first = stubs.generate_stub(source, "ex01_arith.py").splitlines()[0]
    assert "solutions" not in first
    assert "jaxnm_course.grading" not in first
    assert "pytest exercises -m ex01" in first
    assert "NotImplementedError" in first


def test_a_support_docstring_quoting_a_solution_line_stops_the_release(tmp_path):
    course = _mini(tmp_path)
    init = course / "exercises" / "support" / "mini_support" / "__init__.py"
    init.write_text(f'"""Helpers. The norm is `{SOLUTION_LINE}`."""\n', "utf-8")
    with pytest.raises(release.ReleaseLeak, match=r"solution line of ex02_vectors\.py"):
        release.build_release(course, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_public_support_code_may_hold_a_reference_line(tmp_path):
    course = _mini(tmp_path)
    init = course / "exercises" / "support" / "mini_support" / "__init__.py"
    init.write_text(f'"""Helpers."""\n\n\ndef norm(v):\n    {SOLUTION_LINE}\n', "utf-8")
    assert "exercises/support/mini_support/__init__.py" in release.build_release(
        course, tmp_path / "out"
    )


def test_a_mention_of_a_file_the_release_lacks_stops_it(tmp_path):
    course = _mini(tmp_path)
    (course / "tests" / "grading").mkdir(parents=True)
    (course / "tests" / "grading" / "test_grader_outputs.py").write_text(
        "# grader's own test\n", "utf-8"
    )
    readme = course / "README.md"
    good = "See [the exercises](exercises/course.toml).\n"
    readme.write_text(good, "utf-8")
    assert "README.md" in release.build_release(course, tmp_path / "ok")
    readme.write_text(
        good + "Run `tests/grading/test_grader_outputs.py`; notes in `../shared/DESIGN.md`.\n",
        "utf-8",
    )
    with pytest.raises(release.ReleaseLeak) as err:
        release.build_release(course, tmp_path / "out")
    assert "README.md:2: names tests/grading/test_grader_outputs.py" in str(err.value)
    assert "README.md:2: names ../shared/DESIGN.md" in str(err.value)


def test_this_course_releases_cleanly(tmp_path):
    root = MINI.parents[2]
    files = release.build_release(root, tmp_path / "out")
    assert "exercises/README.md" in files
    for name in files:
        if name.startswith("exercises/ex") and name.endswith(".py"):
            first = (tmp_path / "out" / name).read_text("utf-8").splitlines()[0]
            assert "solutions/" not in first, name
