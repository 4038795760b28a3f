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


# -- issue 18: a release for students, not instructors -----------------------------------------
def test_instructor_blocks_and_lines_are_cut_from_markdown():
    text = (
        "# Course\nkeep\n<!-- instructor -->\n## Instructors\nsecret\n<!-- /instructor -->\n"
        "| `solutions/` | answers | <!-- instructor -->\nend\n"
    )
    assert release.strip_instructor(text) == "# Course\nkeep\nend\n"
    with pytest.raises(ValueError, match="never closed"):
        release.strip_instructor("<!-- instructor -->\nx\n")


def test_a_marker_left_in_a_release_stops_it(tmp_path):
    course = _mini(tmp_path)
    (course / "README.md").write_text("Mini.\n<!-- instructor -->\nsecret\n", "utf-8")
    with pytest.raises(release.ReleaseLeak, match="never closed"):
        release.build_release(course, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    (course / "README.md").write_text("Mini.\nSee `solutions/` for the answers.\n", "utf-8")
    with pytest.raises(release.ReleaseLeak, match=r"README\.md names solutions/"):
        release.build_release(course, tmp_path / "out")


def test_this_release_has_no_instructor_section_page_or_benchmark(tmp_path):
    root = MINI.parents[2]
    out = tmp_path / "out"
    files = release.build_release(root, out)
    readme = (out / "README.md").read_text("utf-8")
    assert "## Instructors" in (root / "README.md").read_text("utf-8")  # control
    assert "## Instructors" not in readme
    assert "jaxnm-grade" not in readme
    assert "hidden_tests/" not in readme
    assert ".[student]" in readme
    assert "docs/instructor.md" not in files
    assert "docs/index.md" in files
    benchmarks = [f for f in files if f.startswith("benchmarks/")]
    assert "benchmarks/README.md" in benchmarks
    for name in benchmarks:  # nothing there reads solutions or hidden tests
        text = (out / name).read_text("utf-8", "replace") if not name.endswith(".png") else ""
        assert "solutions" not in text, name
        assert "hidden_tests" not in text, name
    assert release.hygiene(out, root) == []
    # `make demo` in the release builds the student site only, with the student extras.
    if shutil.which("make"):
        import subprocess

        dry = subprocess.run(
            ["make", "-n", "-o", ".venv/bin/.installed", "demo"],
            cwd=out, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert "sphinx-build" in dry
        assert "-t instructor" not in dry
        extras = subprocess.run(
            ["make", "-n", "-W", "pyproject.toml", ".venv/bin/.installed"],
            cwd=out, capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        assert '".[student,docs]"' in extras, extras


def test_the_student_site_leaves_the_instructor_guide_out():
    """docs/conf.py: without the instructor tag, the guide is excluded and unlinked."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "_conf_probe", MINI.parents[2] / "docs" / "conf.py"
    )
    source = spec.loader.get_source("_conf_probe")
    assert 'exclude_patterns.append("instructor.md")' in source
    namespace = {"__file__": str(MINI.parents[2] / "docs" / "conf.py"), "tags": set()}
    exec(compile(source, "conf.py", "exec"), namespace)
    index = ["```{toctree}\nglossary\ninstructor\nstatus\n```\n"]
    namespace["_student_source"](None, "index", index)
    assert index == ["```{toctree}\nglossary\nstatus\n```\n"]
    arch = ["see the {doc}`instructor guide <instructor>` here"]
    namespace["_student_source"](None, "architecture", arch)
    assert arch == ["see the instructor guide here"]
    assert "instructor.md" in namespace["exclude_patterns"]
