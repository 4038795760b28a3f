"""Staging of submissions, the student release, the Gradescope bundle and results format."""

from __future__ import annotations

import csv
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jaxnm_course.grading import batch, cli, release, results
from jaxnm_course.grading.config import GradingConfig

ROOT = Path(__file__).resolve().parents[2]


# -- zips -----------------------------------------------------------------------------------
def _zip(path: Path, members: dict[str, bytes], link: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, "/etc/passwd")
    return path


def test_a_plain_zip_is_extracted(tmp_path):
    z = _zip(tmp_path / "s.zip", {"bob/ex01_x.py": b"x = 1\n", "bob/helpers/h.py": b""})
    (tmp_path / "d").mkdir()
    batch.extract_zip(z, tmp_path / "d")
    assert (tmp_path / "d" / "bob" / "ex01_x.py").read_text() == "x = 1\n"
    staged = batch.stage(z, tmp_path / "staged")
    assert [p.name for p in staged.folder.iterdir()] == ["ex01_x.py"]
    # The whole tree is searched; a folder holding no graded file is listed once.
    assert staged.ignored == ("bob/helpers/ (a folder)",)


@pytest.mark.parametrize(
    ("members", "link", "match"),
    [
        ({"../evil.py": b""}, None, r"escapes"),
        ({"a/../../evil.py": b""}, None, r"escapes"),
        ({"/etc/evil.py": b""}, None, r"absolute"),
        ({"C:/evil.py": b""}, None, r"absolute"),
        ({"a\\..\\evil.py": b""}, None, r"backslash"),
        ({"ok.py": b""}, "link.py", r"link"),
        ({"bomb.bin": b"\0" * (batch.MAX_BYTES + 1)}, None, r"zip bomb"),
        ({f"f{i}.py": b"" for i in range(batch.MAX_FILES + 1)}, None, r"files"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "drive", "backslash", "symlink", "bomb", "many"],
)
def test_hostile_zips_are_refused_before_anything_is_written(tmp_path, members, link, match):
    z = _zip(tmp_path / "s.zip", members, link)
    (tmp_path / "d").mkdir()
    with pytest.raises(batch.SubmissionRejected, match=match):
        batch.extract_zip(z, tmp_path / "d")
    assert not (tmp_path / "evil.py").exists()


def test_a_zip_that_lies_about_its_size_is_stopped_while_reading(tmp_path):
    z = _zip(tmp_path / "s.zip", {"big.bin": b"\0" * 5000})
    # Forge the declared size in both headers (the bytes still inflate to 5000).
    data = bytearray(z.read_bytes())
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = data.find(sig)
        data[i + off : i + off + 4] = (10).to_bytes(4, "little")
    z.write_bytes(bytes(data))
    (tmp_path / "d").mkdir()
    with pytest.raises(batch.SubmissionRejected):
        batch.extract_zip(z, tmp_path / "d", max_bytes=1000)


def test_folder_submissions_skip_links(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "ex01_x.py").write_text("x = 1\n")
    (src / "stolen.py").symlink_to(ROOT / "solutions" / "ex02_jax_basics.py")
    staged = batch.stage(src, tmp_path / "staged")
    assert sorted(p.name for p in staged.folder.iterdir()) == ["ex01_x.py"]
    assert staged.ignored == ("stolen.py (a link)",)


# -- results format -------------------------------------------------------------------------
def _row():
    tests = [
        {
            "nodeid": "a",
            "exercise": "ex01",
            "title": "T",
            "name": "test_a",
            "points": 2.0,
            "max_points": 2.0,
            "outcome": "passed",
            "visibility": "visible",
            "message": "",
        },
        {
            "nodeid": "b",
            "exercise": "ex01",
            "title": "T",
            "name": "test_b",
            "points": 0.0,
            "max_points": 3.0,
            "outcome": "timeout",
            "visibility": "hidden",
            "message": "CallTimeout: no answer within 6 s",
        },
    ]
    row = results.StudentRow("alice", tests=tuple(map(results.TestResult.from_record, tests)))
    return results.summarise(row)


def test_gradescope_results_format_and_visibility():
    res = results.gradescope_results(_row(), hidden_visibility="after_published")
    assert res["score"] == 2.0
    assert res["max_score"] == 5.0
    assert "execution_time" in res
    assert [t["visibility"] for t in res["tests"]] == ["visible", "after_published"]
    assert [t["status"] for t in res["tests"]] == ["passed", "failed"]
    for t in res["tests"]:
        assert set(t) >= {"name", "score", "max_score", "status", "output", "visibility"}
    assert "timeout" in res["tests"][1]["output"]


def test_gradebook_has_a_row_per_student_and_exercise_columns(tmp_path):
    rows = [_row(), results.StudentRow("bob", status="rejected", reason="zip bomb")]
    batch.write_outputs(rows, tmp_path, GradingConfig(course=ROOT))
    with open(tmp_path / "grades.csv", newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["student"] for r in table] == ["alice", "bob"]
    assert list(table[0]) == [
        "student", "total", "max", "percent", "visible", "visible_max", "hidden", "hidden_max",
        "ex01", "max_ex01", "submitted", "late_days", "late_penalty", "status", "reason",
    ]  # fmt: skip
    assert table[1]["reason"] == "zip bomb"
    assert table[1]["max"] == "5"  # the course maximum, also for a rejected submission
    assert (table[0]["percent"], table[0]["visible"], table[0]["hidden_max"]) == ("40.0", "2", "3")
    assert table[0]["max_ex01"] == "5"
    fb = (tmp_path / "students" / "alice" / "feedback.txt").read_text()
    assert "1 hidden test in set ex01 did not pass" in fb
    assert "test_b" not in fb
    assert "2/5" in fb
    full = (tmp_path / "instructor" / "alice.feedback.txt").read_text()
    assert "test_b [hidden]: 0/3 timeout" in full
    assert "CallTimeout: no answer within 6 s" in full


# -- release and Gradescope bundle ---------------------------------------------------------
def test_release_has_no_instructor_material(tmp_path):
    out = tmp_path / "release"
    assert cli.main(["release", str(out)]) == 0
    names = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "exercises/ex02_jax_basics.py" in names
    assert "exercises/test_ex02_jax_basics.py" in names
    assert "jaxnm_course/grading/plugin.py" in names
    assert "README.md" in names
    assert not any(
        n.startswith(("solutions/", "hidden_tests/", "tests/course/mutants/")) for n in names
    )
    assert release.scan(out, ROOT) == []
    # The release's own `make lint` names only folders the release has.
    if shutil.which("make"):
        dry = subprocess.run(
            ["make", "-n", "-o", ".venv/bin/.installed", "lint"],
            cwd=out,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        ruff = [line.split()[2:] for line in dry.splitlines() if " check " in line]
        assert ruff, dry
        assert "exercises" in ruff[0], dry
        assert all((out / path).exists() for path in ruff[0]), dry
        assert "solutions" not in ruff[0], dry
        assert "hidden_tests" not in ruff[0], dry
    # The scan has something to look for: solution lines that are not in the stubs.
    lines = release.solution_lines(ROOT / "solutions", ROOT / "exercises")
    assert all(lines.values()), lines


def test_release_scan_bites_on_a_leaked_solution_line(tmp_path):
    course = tmp_path / "course"
    for d in ("solutions", "exercises", "docs", "hidden_tests"):
        (course / d).mkdir(parents=True)
    sol = (ROOT / "solutions" / "ex02_jax_basics.py").read_text()
    (course / "solutions" / "ex02_jax_basics.py").write_text(sol)
    (course / "exercises" / "ex02_jax_basics.py").write_text(
        (ROOT / "exercises" / "ex02_jax_basics.py").read_text()
    )
    (course / "exercises" / "course.toml").write_text(
        '[[set]]\nid = "ex02"\nmodule = "ex02_jax_basics"\ntitle = "JAX essentials"\n'
    )
    (course / "hidden_tests" / "test_ex01_x.py").write_text("def test_secret_check():\n    pass\n")
    leaked = release.solution_lines(course / "solutions", course / "exercises")
    line = leaked["ex02_jax_basics.py"][0]
    (course / "docs" / "chapter.md").write_text(f"```python\n{line}\n```\n")
    (course / "docs" / "other.md").write_text("see test_secret_check\n")
    with pytest.raises(release.ReleaseLeak) as info:
        release.build_release(course, tmp_path / "out")
    assert "docs/chapter.md" in str(info.value)
    assert "docs/other.md" in str(info.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_gradescope_bundle_grades_a_submission(tmp_path):
    bundle = tmp_path / "autograder.zip"
    assert cli.main(["gradescope", str(bundle)]) == 0
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        mode = z.getinfo("run_autograder").external_attr >> 16
    assert {"setup.sh", "run_autograder", "grading.json"} <= names
    assert "hidden_tests/test_ex02_jax_basics.py" in names
    assert "exercises/test_ex02_jax_basics.py" in names
    assert not any(n.startswith("solutions/") for n in names)
    assert mode & 0o111
    # Unpack as Gradescope would and run run_autograder on an uploaded solution.
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as z:
        z.extractall(root / "source")
    cfg = json.loads((root / "source" / "grading.json").read_text())
    cfg["call_timeout"], cfg["submission_timeout"] = 30, 120
    (root / "source" / "grading.json").write_text(json.dumps(cfg))
    for p in (root / "source" / "exercises").glob("test_ex*.py"):
        if not p.name.startswith("test_ex02"):
            p.unlink()  # keep the run short: set 02 only
    for p in (root / "source" / "hidden_tests").glob("test_ex*.py"):
        if not p.name.startswith("test_ex02"):
            p.unlink()
    (root / "submission" / "upload").mkdir(parents=True)
    (root / "submission" / "upload" / "ex02_jax_basics.py").write_text(
        (ROOT / "solutions" / "ex02_jax_basics.py").read_text()
    )
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=sys.executable)
    r = subprocess.run(
        ["bash", str(root / "source" / "run_autograder")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    res = json.loads((root / "results" / "results.json").read_text())
    assert res["score"] == res["max_score"] > 0
    vis = {t["visibility"] for t in res["tests"]}
    assert vis == {"visible", "after_published"}


@pytest.mark.slow
def test_check_fails_when_a_solution_is_wrong(tmp_path):
    """`jaxnm-grade check` on a course whose ex02 solution is a known mutant: exit 1."""
    import shutil
    import tomllib

    course = tmp_path / "course"
    for d in ("exercises", "hidden_tests", "solutions"):
        (course / d).mkdir(parents=True)
        for name in ("__init__.py", "conftest.py", "test_ex02_jax_basics.py"):
            if (ROOT / d / name).is_file():
                shutil.copy(ROOT / d / name, course / d / name)
    shutil.copy(ROOT / "pyproject.toml", course / "pyproject.toml")
    shutil.copy(ROOT / "exercises" / "ex02_jax_basics.py", course / "exercises")
    # The declaration and support package; the declared sets without test files are skipped.
    shutil.copy(ROOT / "exercises" / "course.toml", course / "exercises")
    shutil.copytree(ROOT / "exercises" / "support", course / "exercises" / "support")
    mutant = tomllib.loads((ROOT / "tests/course/mutants/ex02_force_sign/mutant.toml").read_text())
    source = (ROOT / "solutions" / mutant["file"]).read_text()
    for edit in mutant["edit"]:
        assert edit["old"] in source
        source = source.replace(edit["old"], edit["new"])
    (course / "solutions" / mutant["file"]).write_text(source)
    out = tmp_path / "out"
    rc = cli.main(["check", "--course", str(course), "--out", str(out), "--call-timeout", "30"])
    assert rc == 1
    with open(out / "grades.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert 0 < float(row["total"]) < float(row["max"])


def test_progress_bar_only_on_a_terminal():
    import io

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert cli._progress_bar(io.StringIO()) is None
    tty = Tty()
    show = cli._progress_bar(tty)
    show(1, 4, "alice")
    show(4, 4, "bob")
    assert "[#######" in tty.getvalue()
    assert "4/4 bob" in tty.getvalue()
    assert tty.getvalue().endswith("\n")
