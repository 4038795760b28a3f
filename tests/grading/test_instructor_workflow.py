"""The instructor's workflow (issue 18), on the mini course: finding files, the gradebook,
two feedback files, late work, regrades, Gradescope's setup.sh and ``gradescope --test``."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from jaxnm_course.grading import (
    batch,
    cli,
    discover,
    gradebook,
    gradescope,
    late,
    mutants,
    results,
    stubs,
)
from jaxnm_course.grading import course as course_mod

HERE = Path(__file__).resolve().parent
MINI = HERE / "mini_course"
EXPECTED = ["ex01_arith.py", "ex02_vectors.py"]
LIMITS = ["--course", str(MINI), "--workers", "2", "--call-timeout", "30"]


def _files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


# -- one way to find a submission's files ---------------------------------------------------
def test_near_misses_are_graded_under_the_expected_name_with_a_note(tmp_path):
    root = _files(
        tmp_path,
        {
            "ex01_arith (1).py": "",
            "part2/Ex02_Vectors.py": "",
            "notes.txt": "",
            "conftest.py": "",
            "junk/conftest.py": "",
        },
    )
    found = discover.discover(root, EXPECTED)
    assert found.files == {
        "ex01_arith.py": "ex01_arith (1).py",
        "ex02_vectors.py": "part2/Ex02_Vectors.py",
    }
    assert found.notes == (
        "ex01_arith (1).py was graded as ex01_arith.py (the expected name is ex01_arith.py)",
        "part2/Ex02_Vectors.py was graded as ex02_vectors.py (the expected name is "
        "ex02_vectors.py)",
    )
    assert found.ignored == (
        "conftest.py (not a file of this course)",
        "notes.txt",
        "junk/ (a folder)",
    )


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("ex01_arith.py", "ex01_arith.py"),
        ("ex01_arith-1.py", "ex01_arith.py"),  # Canvas's resubmission suffix
        ("EX01_ARITH.py", "ex01_arith.py"),
        ("ex01_arithmetic.py", "ex01_arith.py"),  # a close name of the same set
        ("ex02_vector.py", "ex02_vectors.py"),
        ("doej_123_456_ex02_vectors.py", "ex02_vectors.py"),  # Canvas bulk download
        ("doej_late_123_456_ex01_arith-2.py", "ex01_arith.py"),
        ("ex03_vectors.py", None),  # a close name of another set is reported, not taken
        ("arith.py", None),
        ("ex01_arith.txt", None),
    ],
)
def test_which_names_count_as_which_file(tmp_path, name, target):
    _files(tmp_path, {name: ""})
    found = discover.discover(tmp_path, EXPECTED)
    assert found.files == ({target: name} if target else {})


def test_an_exact_name_wins_over_a_near_miss_and_files_split_across_folders_are_found(tmp_path):
    root = _files(
        tmp_path, {"a/ex01_arith (1).py": "", "b/c/ex01_arith.py": "", "d/ex02_vectors.py": ""}
    )
    found = discover.discover(root, EXPECTED)
    assert found.files == {
        "ex01_arith.py": "b/c/ex01_arith.py",
        "ex02_vectors.py": "d/ex02_vectors.py",
    }
    assert found.ignored == ("a/ (a folder)",)


def test_a_suggestion_names_the_close_file_of_the_course(tmp_path):
    _files(tmp_path, {"ex03_vectors.py": ""})
    (ignored,) = discover.discover(tmp_path, EXPECTED).ignored
    assert ignored == "ex03_vectors.py (not a file of this course (did you mean ex02_vectors.py?))"


def test_every_entry_of_the_submissions_folder_is_a_job(tmp_path):
    _files(
        tmp_path,
        {
            "alice/ex01_arith.py": "",
            "doej_11_22_ex01_arith.py": "",
            "doej_late_11_22_ex02_vectors-1.py": "",
            "stray.txt": "",
            "submission_metadata.yml": "",
            ".DS_Store": "",
        },
    )
    with zipfile.ZipFile(tmp_path / "bob.zip", "w") as z:
        z.writestr("ex01_arith.py", "")
    jobs = dict(batch.submission_jobs(tmp_path))
    assert sorted(jobs) == ["alice", "bob", "doej", "stray.txt"]
    assert [p.name for p in jobs["doej"]] == [
        "doej_11_22_ex01_arith.py",
        "doej_late_11_22_ex02_vectors-1.py",
    ]


# -- the gradebook, the legend, the LMS file -------------------------------------------------
def _row(student: str, passed: bool, hidden_passed: bool) -> results.StudentRow:
    def rec(name, vis, ok, pts):
        outcome = "passed" if ok else "failed"
        got = pts if ok else 0.0
        return results.TestResult(
            "n", "ex01", "T", name, got, pts, outcome, vis, "" if ok else "x"
        )

    tests = (
        rec("test_v", "visible", passed, 2.0),
        rec("test_secret", "hidden", hidden_passed, 1.0),
    )
    return results.summarise(results.StudentRow(student, tests=tests))


def test_roster_gives_a_canvas_import_file(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "submission,name,id,email,section\nalice,Alice A,101,alice@x.edu,S1\n"
        "zed,Zed Z,103,zed@x.edu,S1\n"
    )
    rows = [_row("alice", True, True), _row("bob", True, False)]
    text, unlisted = gradebook.canvas_csv(rows, gradebook.read_roster(roster), "NMA exercises")
    table = list(csv.reader(text.splitlines()))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "NMA exercises"]
    assert table[1] == ["Points Possible", "", "", "", "", "3"]
    assert table[2] == ["Alice A", "101", "", "alice@x.edu", "S1", "3"]
    assert table[3] == ["Zed Z", "103", "", "zed@x.edu", "S1", "0"]  # no submission: 0
    assert unlisted == ["bob"]
    (tmp_path / "bad.csv").write_text("name,id\nA,1\n")
    with pytest.raises(ValueError, match="submission"):
        gradebook.read_roster(tmp_path / "bad.csv")


def test_summary_and_legend_cover_every_status(tmp_path):
    rows = [_row("a", True, True), _row("b", False, False), _row("c", True, False)]
    text = gradebook.summary_text(rows)
    assert "ex01: mean 1.67, median 2, max 3 (n = 3)" in text
    assert "total: mean 1.67" in text
    legend = gradebook.statuses_text()
    for status in ("ok", "not_attempted", "missing_files", "invalid_submission", "rejected"):
        assert f"\n{status} " in legend


def test_student_feedback_counts_hidden_failures_and_drops_pytest_advice():
    row = _row("b", False, False)
    row.tests = (
        row.tests[0]._replace(
            message="AssertionError: 1 != 2\n(the full traceback: add --full-trace)"
        ),
        row.tests[1]._replace(message="SECRET-INPUT"),
    )
    safe = results.feedback_text(row)
    assert "1 hidden test in set ex01 did not pass" in safe
    assert "test_secret" not in safe
    assert "SECRET-INPUT" not in safe
    assert "AssertionError: 1 != 2" in safe
    assert "--full-trace" not in safe
    full = results.instructor_feedback(row)
    assert "test_secret [hidden]" in full
    assert "SECRET-INPUT" in full


# -- late work ---------------------------------------------------------------------------------
def test_late_policy_from_times_and_gradescope_metadata(tmp_path):
    assert late.days_late("2026-03-01T23:59:00Z", "2026-03-01T23:59:00Z") == 0
    assert late.days_late("2026-03-02T00:10:00Z", "2026-03-01T23:59:00Z", 15) == 0  # grace
    assert late.days_late("2026-03-02T00:20:00Z", "2026-03-01T23:59:00Z", 15) == 1
    assert late.days_late("2026-03-03T00:20:00+01:00", "2026-03-01T23:59:00Z") == 1
    cfg = batch.GradingConfig(due="2026-03-01T23:59:00Z", late_penalty_per_day=0.25)
    row = _row("a", True, True)
    row.submitted = "2026-03-03T12:00:00Z"
    late.apply(row, cfg)
    assert (row.late_days, row.penalty, row.total) == (2, 1.5, 1.5)
    meta = tmp_path / "submission_metadata.json"
    meta.write_text(json.dumps({
        "created_at": "2026-03-02T10:00:00.000000-08:00",
        "assignment": {"due_date": "2026-03-01T23:59:00.000000-08:00"},
    }))  # fmt: skip
    submitted, due = late.gradescope_metadata(meta)
    assert late.days_late(submitted, due) == 1
    with pytest.raises(ValueError, match="fraction"):
        batch.GradingConfig(late_penalty_per_day=10)


# -- a class graded end to end, then one student regraded ---------------------------------------
@pytest.mark.slow
def test_a_class_with_odd_layouts_gets_a_row_each_and_an_uploadable_gradebook(tmp_path):
    sol = {n: (MINI / "solutions" / n).read_text() for n in EXPECTED}
    subs = tmp_path / "subs"
    _files(subs, {"alice/deep/ex01_arith.py": sol["ex01_arith.py"], "alice/deep/notes.txt": ""})
    _files(subs, {"alice/other/ex02_vectors.py": sol["ex02_vectors.py"]})
    _files(subs, {"bob/ex01_arith (1).py": sol["ex01_arith.py"], "bob/Ex02_Vectors.py": "x = 1\n"})
    _files(subs, {"carol.txt": "my answers are in the mail"})
    _files(subs, {"dave_11_22_ex02_vectors.py": sol["ex02_vectors.py"]})
    _files(subs, {"erin/notes.txt": "", "erin/ex1.py": ""})
    (tmp_path / "roster.csv").write_text("submission,name,id\nalice,Alice,1\nbob,Bob,2\n")
    (tmp_path / "times.csv").write_text(
        "submission,submitted_at\nalice,2026-03-01T20:00:00Z\nbob,2026-03-03T01:00:00Z\n"
    )
    out = tmp_path / "out"
    policy = ["--due", "2026-03-01T23:59:00Z", "--grace-minutes", "10", "--penalty-per-day", "0.1",
              "--submission-times", str(tmp_path / "times.csv")]  # fmt: skip
    rc = cli.main(["grade", str(subs), "--out", str(out), *LIMITS, *policy,
                   "--roster", str(tmp_path / "roster.csv"), "--assignment", "Mini"])  # fmt: skip
    assert rc == 0
    with open(out / "grades.csv", newline="") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == ["alice", "bob", "carol.txt", "dave", "erin"]
    assert (rows["alice"]["total"], rows["alice"]["max"], rows["alice"]["percent"]) == (
        "12",
        "12",
        "100.0",
    )
    assert (rows["alice"]["visible"], rows["alice"]["hidden"], rows["alice"]["max_ex01"]) == (
        "10",
        "2",
        "8",
    )
    # bob: ex01 right (8), ex02 wrong; 2 days late at 10 % a day.
    assert (rows["bob"]["late_days"], rows["bob"]["late_penalty"], rows["bob"]["total"]) == (
        "2",
        "1.6",
        "6.4",
    )
    assert rows["dave"]["ex02"] == "4"
    assert rows["carol.txt"]["status"] == "invalid_submission"
    assert "loose file" in rows["carol.txt"]["reason"]
    assert rows["erin"]["status"] == "missing_files"
    assert "ex1.py (not a file of this course" in rows["erin"]["reason"]
    for r in rows.values():
        assert r["total"] != "0" or r["reason"], r  # every zero says why
    fb = (out / "students" / "bob" / "feedback.txt").read_text()
    assert "ex01_arith (1).py was graded as ex01_arith.py" in fb
    assert "Late: 2 day(s)" in fb
    canvas = (out / "grades_canvas.csv").read_text().splitlines()
    assert canvas[0].endswith(",Mini")
    assert canvas[2] == "Alice,1,,,,12"
    assert (out / "instructor" / "statuses.txt").is_file()
    assert "total: mean" in (out / "instructor" / "summary.txt").read_text()

    # Regrade bob alone: his row changes, alice's files are not touched.
    alice_files = {p: p.stat().st_mtime_ns for p in (out / "students" / "alice").iterdir()}
    (subs / "bob" / "Ex02_Vectors.py").write_text(sol["ex02_vectors.py"])
    assert (
        cli.main(["grade", str(subs), "--out", str(out), *LIMITS, *policy, "--students", "bob"])
        == 0
    )
    with open(out / "grades.csv", newline="") as f:
        again = {r["student"]: r for r in csv.DictReader(f)}
    assert again["bob"]["total"] == "9.6"  # 12 minus 20 %
    assert again["alice"] == rows["alice"]
    assert {p: p.stat().st_mtime_ns for p in (out / "students" / "alice").iterdir()} == alice_files
    assert cli.main(["grade", str(subs), "--out", str(out), *LIMITS, "--students", "nobody"]) == 2


# -- Gradescope: setup.sh finds Python 3.11+, and the bundle is tried locally -------------------
def _setup_env(tmp_path: Path, apt_makes_python: bool) -> tuple[dict, Path]:
    """An old python3 first on PATH, and an apt-get stub that logs (and maybe 'installs')."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    (bin_ / "python3").write_text(
        '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Python 3.10.12"; exit 0; fi\nexit 1\n'
    )
    log = tmp_path / "apt.log"
    py311 = bin_ / "python3.11"
    new = f'printf "#!/bin/sh\\nexec {sys.executable} \\"\\$@\\"\\n" > {py311}; chmod +x {py311}'
    (bin_ / "apt-stub").write_text(
        f'#!/bin/sh\necho "$@" >> {log}\n'
        + (
            f'case "$*" in *python3.11*) {new};; esac\nexit 0\n'
            if apt_makes_python
            else "exit 100\n"
        )
    )
    for p in bin_.iterdir():
        p.chmod(0o755)
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    env = {
        "PATH": f"{bin_}:/usr/bin:/bin",
        "AUTOGRADER_ROOT": str(root),
        "JAXNM_APT": str(bin_ / "apt-stub"),
        "JAXNM_PYTHONS": "python3",  # only the image's python3 (the stub) before installing
        "JAXNM_SETUP_DRY_RUN": "1",
    }
    return env, log


def _setup(env: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "setup.sh"
    script.write_text(gradescope.SETUP_SH)
    return subprocess.run(
        ["bash", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_setup_sh_installs_python_311_when_the_image_has_an_older_one(tmp_path):
    env, log = _setup_env(tmp_path, apt_makes_python=True)
    proc = _setup(env, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "this image has: Python 3.10.12; installing python3.11" in proc.stderr
    assert "using python3.11" in proc.stdout
    assert "install -y python3.11 python3.11-venv" in log.read_text()


def test_setup_sh_names_the_base_image_when_it_cannot_install_python(tmp_path):
    env, _ = _setup_env(tmp_path, apt_makes_python=False)
    proc = _setup(env, tmp_path)
    assert proc.returncode == 1
    assert "Ubuntu 24.04" in proc.stderr


def test_setup_sh_keeps_a_suitable_python(tmp_path):
    env, log = _setup_env(tmp_path, apt_makes_python=True)
    env["JAXNM_PYTHONS"] = sys.executable
    proc = _setup(env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "installing" not in proc.stderr
    assert not log.exists()


def test_the_bundle_budget_fits_gradescopes_default_limit_and_carries_the_late_policy(tmp_path):
    gradescope.build_bundle(MINI, tmp_path / "b.zip", late_penalty_per_day=0.2)
    with zipfile.ZipFile(tmp_path / "b.zip") as z:
        cfg = json.loads(z.read("grading.json"))
    assert 1.5 * cfg["submission_timeout"] + 120 < gradescope.GRADESCOPE_TIMEOUT
    assert (cfg["late_penalty_per_day"], cfg["due"]) == (0.2, "")


@pytest.mark.slow
def test_gradescope_test_runs_the_bundle_as_gradescope_would(tmp_path, capsys):
    """``jaxnm-grade gradescope --test``: setup.sh (dry run) then run_autograder (~30 s)."""
    upload = tmp_path / "upload.zip"
    with zipfile.ZipFile(upload, "w") as z:  # one zip, the files one folder down, renamed
        z.writestr("hw/ex01_arith (1).py", (MINI / "solutions" / "ex01_arith.py").read_text())
        z.writestr("hw/ex02_vectors.py", (MINI / "solutions" / "ex02_vectors.py").read_text())
        z.writestr("hw/notes.txt", "")
    rc = cli.main(["gradescope", "--test", str(upload), "--course", str(MINI)])
    text = capsys.readouterr().out
    assert rc == 0, text
    assert "setup.sh: using python3" in text
    assert "score 12/12" in text
    assert "hw/ex01_arith (1).py was graded as ex01_arith.py" in text


# -- authoring: jaxnm-grade new-set -------------------------------------------------------------
def _plugin_session(course: Path, target: str, out: Path) -> dict:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    for key in ("JAXNM_GRADE_REMOTE", "JAXNM_HYPOTHESIS_PROFILE"):
        env.pop(key, None)
    args = ["-m", "pytest", "exercises", "hidden_tests", "-m", "ex03", "-p", "no:cacheprovider"]
    proc = subprocess.run(
        [sys.executable, *args, "-q", "--target", target, "--results-json", str(out)],
        cwd=course, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.is_file(), proc.stdout + proc.stderr
    return json.loads(out.read_text())["totals"]["ex03"]


@pytest.mark.slow
def test_new_set_scaffolds_a_set_that_checks_and_catches_its_mutant(tmp_path, capsys):
    course = tmp_path / "course"
    shutil.copytree(MINI, course, ignore=shutil.ignore_patterns("__pycache__"))
    (course / "docs" / "chapters").mkdir(parents=True)
    (course / "docs" / "chapters" / "03_scaling.md").write_text("# Scaling\n")
    args = ["new-set", "ex03", "ex03_scaling", "Scaling", "--chapter", "chapters/03_scaling"]
    assert cli.main([*args, "--course", str(course)]) == 0
    decl = course_mod.load(course)
    assert decl.ids == ("ex01", "ex02", "ex03")
    assert decl.get("ex03").chapter == "chapters/03_scaling"
    assert "```{exercise-set} ex03_scaling" in (course / "docs/chapters/03_scaling.md").read_text()
    # The stub is what the generator writes (a hole per function); the solution gets full
    # marks (2 visible + 1 hidden); the mutant loses points.
    assert stubs.generate(decl.solutions, decl.exercises, check=True, course=decl) == []
    assert "NotImplementedError" in (course / "exercises" / "ex03_scaling.py").read_text()
    assert _plugin_session(course, "solutions", tmp_path / "s.json")["points"] == 3
    (mutant,) = mutants.discover(decl.mutants, decl)
    target = mutants.build([mutant], decl.solutions, tmp_path / "mutant")
    assert _plugin_session(course, str(target), tmp_path / "m.json")["points"] < 3
    # Nothing is overwritten: the same set again is refused.
    capsys.readouterr()
    assert cli.main([*args, "--course", str(course)]) == 2
    assert "already has a set 'ex03'" in capsys.readouterr().err


def test_the_summary_plot_is_a_png_when_matplotlib_is_installed(tmp_path):
    pytest.importorskip("matplotlib")
    rows = [_row("a", True, True), _row("b", False, False)]
    assert gradebook.summary_plot(rows, tmp_path / "summary.png")
    assert (tmp_path / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not gradebook.summary_plot([results.StudentRow("x")], tmp_path / "none.png")
