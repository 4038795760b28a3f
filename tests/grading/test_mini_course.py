"""The grader is course-agnostic: a second, tiny course is graded by the same commands.

The mini course (``tests/grading/mini_course``: two sets, visible tests, one hidden test,
solutions, generated stubs, a catalog with trusted functions) declares itself in
``exercises/course.toml``; nothing of it is known to ``jaxnm_course.grading``.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jaxnm_course.grading import course, stubs

HERE = Path(__file__).resolve().parent
MINI = HERE / "mini_course"
ROOT = HERE.parents[1]
HARNESS = ROOT / "jaxnm_course" / "grading"
ONE_SET = '[[set]]\nid = "a"\nmodule = "m"\ntitle = "A"\n'


def _env() -> dict[str, str]:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env.setdefault("JAX_PLATFORMS", "cpu")
    for key in ("JAXNM_GRADE_REMOTE", "JAXNM_HYPOTHESIS_PROFILE"):
        env.pop(key, None)
    return env


def _run(*args: str, cwd: Path = ROOT, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# -- the declaration -------------------------------------------------------------------------
def test_the_mini_course_declares_its_sets_points_and_catalog():
    mini = course.load(MINI)
    assert mini.name == "mini-course"
    assert mini.ids == ("ex01", "ex02")
    assert [s.title for s in mini.sets] == ["Arithmetic", "Vectors"]
    assert mini.get("ex02").module == "ex02_vectors"
    assert mini.set_of_file("test_ex01_arith.py").id == "ex01"
    assert mini.set_of_file("test_other.py") is None
    assert mini.default_points == 1
    assert mini.catalog == "mini_support.catalog"
    assert mini.support == MINI / "exercises" / "support"
    assert mini.solutions == MINI / "solutions"
    assert mini.hidden_tests == MINI / "hidden_tests"
    # The declaration is found from the course folder, its exercises/ folder or the file.
    assert course.load(MINI / "exercises") == mini
    assert course.load(MINI / "exercises" / "course.toml") == mini


def test_this_course_is_declared_beside_its_exercises():
    main = course.load()
    assert main.declaration == ROOT / "exercises" / "course.toml"
    assert main.ids == tuple(f"ex{n:02d}" for n in range(1, 12))  # one set per chapter
    for s in main.sets:
        assert (main.solutions / s.filename).is_file(), s
        assert (main.exercises / s.filename).is_file(), s
        assert (main.exercises / s.test_filename).is_file(), s
        assert (main.hidden_tests / s.test_filename).is_file(), s
        assert (ROOT / "docs" / f"{s.chapter}.md").is_file(), s
    assert (main.support / "jaxnm_exercises" / "catalog.py").is_file()


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("", ValueError, "at least one"),
        ('[[set]]\nid = "ex01"\nmodule = "ex01_a"\n', ValueError, "needs id, module and title"),
        ('[[set]]\nid = "ex 1"\nmodule = "ex01_a"\ntitle = "A"\n', ValueError, "identifier"),
        ('[[set]]\nid = "ex01"\nmodule = "ex01-a"\ntitle = "A"\n', ValueError, "module name"),
        (
            '[[set]]\nid = "a"\nmodule = "m"\ntitle = "A"\n[[set]]\nid = "a"\nmodule = "n"\n'
            'title = "B"\n',
            ValueError,
            "repeated",
        ),
        ('[[set]]\nid = "a"\nmodule = "m"\ntitle = 3\n', TypeError, "must be a string"),
        ('[[set]]\nid = "a"\nmodule = "m"\ntitle = "A"\nsize = 2\n', ValueError, "unknown fields"),
        ('[sets]\nid = "a"\n', ValueError, "unknown sections"),
        ('[points]\ndefault = "1"\n' + ONE_SET, TypeError, "number"),
        ("[points]\ndefault = -1\n" + ONE_SET, ValueError, ">= 0"),
        ('[support]\ncatalog = "c"\n' + ONE_SET, ValueError, "needs a"),
        ("[[set]\n", ValueError, "not valid TOML"),
    ],
)
def test_a_malformed_declaration_is_refused_with_its_reason(tmp_path, text, error, match):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "course.toml").write_text(text)
    with pytest.raises(error, match=match):
        course.load(tmp_path)


def test_a_missing_declaration_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"course\.toml"):
        course.load(tmp_path)


def test_the_harness_holds_no_exercise_set_title_or_reference():
    """No code of jaxnm_course.grading names a set's module, title or support package."""
    declared = course.load()
    needles = [s.module for s in declared.sets] + [s.title for s in declared.sets]
    needles += [declared.support_package, "catalog.py", "references.py"]
    for path in sorted(HARNESS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docstrings:
                    continue
                hits = [n for n in needles if n in node.value]
                assert not hits, f"{path.name}:{node.lineno}: {hits}"
    assert not (HARNESS / "catalog.py").exists()
    assert not (HARNESS / "strategies.py").exists()


def test_a_staged_catalog_is_a_read_only_copy_of_the_support_package(tmp_path):
    mini = course.load(MINI)
    cfg = course.stage_support(tmp_path / "support", mini)
    assert cfg == {"path": str(tmp_path / "support"), "module": "mini_support.catalog"}
    copied = tmp_path / "support" / "mini_support" / "catalog.py"
    assert copied.read_text() == (MINI / "exercises/support/mini_support/catalog.py").read_text()
    assert not os.stat(copied).st_mode & 0o222
    assert course.stage_support(tmp_path / "none", mini._replace(catalog="")) is None


# -- stubs, plugin, release: no grading code changes ----------------------------------------
def test_the_stub_generator_checks_the_mini_course(tmp_path):
    mini = course.load(MINI)
    assert stubs.generate(mini.solutions, mini.exercises, check=True, course=mini) == []
    proc = _run("-m", "jaxnm_course.grading.stubs", "--course", str(MINI), "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # ... and it bites: a stale stub in a copy of the course.
    copy = tmp_path / "mini"
    shutil.copytree(MINI, copy)
    stub = copy / "exercises" / "ex02_vectors.py"
    stub.write_text(stub.read_text() + "\n# edited by hand\n")
    proc = _run("-m", "jaxnm_course.grading.stubs", "--course", str(copy), "--check")
    assert proc.returncode == 1
    assert "ex02_vectors.py" in proc.stdout


def _session(tmp_path: Path, target: str, *paths: str) -> tuple[str, dict]:
    out = tmp_path / f"{target}.json"
    args = ["-m", "pytest", *paths, "-p", "no:cacheprovider", "-q", "--target", target]
    proc = _run(*args, "--results-json", str(out), cwd=MINI)
    assert out.is_file(), proc.stdout + proc.stderr
    return proc.stdout, json.loads(out.read_text())


def test_the_plugin_tables_the_mini_course_from_its_declaration(tmp_path):
    text, results = _session(tmp_path, "solutions", "exercises", "hidden_tests")
    assert "ex01 Arithmetic: 6/6 visible points, 2/2 hidden points" in text, text
    assert "ex02 Vectors:    4/4 visible points" in text, text
    assert "total: 10/10 visible points, 2/2 hidden points, 0 sets not attempted" in text
    assert results["totals"]["ex01"] == {"points": 8, "max_points": 8, "title": "Arithmetic"}
    hidden = [t for t in results["tests"] if t["visibility"] == "hidden"]
    assert [t["name"] for t in hidden] == ["test_hiddenname_add_negative_numbers"]
    # test_add_floats has no points marker: the declared default (1).
    assert {t["name"]: t["max_points"] for t in results["tests"]}["test_add_floats"] == 1

    text, results = _session(tmp_path, "exercises", "exercises")
    assert "total: 0/10 visible points, 2 sets not attempted" in text, text
    assert {t["outcome"] for t in results["tests"]} == {"not_attempted"}


def test_a_set_marker_of_the_mini_course_selects_its_set(tmp_path):
    text, results = _session(tmp_path, "solutions", "exercises", "-m", "ex02")
    assert sorted(results["totals"]) == ["ex02"]
    assert "total: 4/4 visible points" in text


def test_the_mini_release_ships_no_solutions_or_hidden_tests(tmp_path):
    out = tmp_path / "release"
    proc = _run("-m", "jaxnm_course.grading.cli", "release", str(out), "--course", str(MINI))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "exercises/course.toml" in names
    assert "exercises/support/mini_support/catalog.py" in names
    assert "exercises/ex01_arith.py" in names
    assert not any(n.startswith(("solutions/", "hidden_tests/")) for n in names), names


# -- jaxnm-grade check and grade -------------------------------------------------------------
@pytest.mark.slow
def test_jaxnm_grade_check_gives_the_mini_solutions_full_marks(tmp_path):
    out = tmp_path / "out"
    proc = _run(
        "-m", "jaxnm_course.grading.cli", "check", "--course", str(MINI), "--workers", "1",
        "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "solutions: 12/12 ok" in proc.stdout
    assert "check: full marks" in proc.stdout


def _class(folder: Path) -> Path:
    """Three submissions: alice (the solutions), bob (partly right), carol (nothing)."""
    alice, bob, carol = folder / "alice", folder / "bob", folder / "carol"
    shutil.copytree(MINI / "solutions", alice)
    bob.mkdir()
    ex01 = (MINI / "solutions" / "ex01_arith.py").read_text()
    (bob / "ex01_arith.py").write_text(ex01.replace("return f(f(x))", "return f(x)"))
    ex02 = (MINI / "solutions" / "ex02_vectors.py").read_text()
    start = ex02.index("    # BEGIN SOLUTION\n    return sum(a * b")
    (bob / "ex02_vectors.py").write_text(
        ex02[:start] + '    raise NotImplementedError("ex02: dot not implemented yet")\n'
    )
    carol.mkdir()
    return folder


@pytest.mark.slow
def test_jaxnm_grade_grades_a_mini_class_per_set(tmp_path):
    submissions = _class(tmp_path / "submissions")
    out = tmp_path / "out"
    proc = _run(
        "-m", "jaxnm_course.grading.cli", "grade", str(submissions), "--out", str(out),
        "--course", str(MINI), "--workers", "2",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    points = {s: (float(rows[s]["ex01"]), float(rows[s]["ex02"])) for s in rows}
    # ex01: add 2 + 1 visible and 2 hidden, apply_twice 3; ex02: norm 2, dot 2.
    assert points == {"alice": (8, 4), "bob": (5, 2), "carol": (0, 0)}, rows


def test_jaxnm_grade_refuses_an_unknown_course_or_set(tmp_path, capsys):
    from jaxnm_course.grading import cli

    assert cli.main(["check", "--course", str(tmp_path)]) == 2
    assert "no course declaration" in capsys.readouterr().err
    assert cli.main(["check", "--course", str(MINI), "--only", "ex01,ex03"]) == 2
    assert "--only ex03: not a set of mini-course (sets: ex01, ex02)" in capsys.readouterr().err
