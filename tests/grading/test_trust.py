"""The trusted side never touches student files; outputs cannot leak, be lost or be forged.

Issue 13, root causes 1, 5, 6 and 7, each checked by a hostile submission graded in ONE
batch (``jaxnm-grade grade`` on a copy of the mini course, ``tests/grading/mini_course``;
the submissions are written by ``trust_submissions.py``) with honest controls, once as root
and once as an unprivileged user. The batch is shared with ``test_sandbox_escapes.py`` (the
session fixture ``grader_batch``, ``_shared_batch.py``), whose submissions are graded with
these; the workers run without the audit hook, so nothing here rests on it.

1. ``conftest_forge``: the untouched stub plus ``conftest.py`` files that, imported by the
   trusted pytest, would swap the worker proxy for the course's solutions (full marks), and
   files that must not be staged (a link to a solution, an oversized file, a helper);
5. ``hidden_leak``: visible tests not attempted, the hidden test failing: its name and
   message must not reach anything a student sees (``escapes`` does the same for terminal
   escape codes in a visible message);
6. odd names (``grades.csv``, formulas, two 251-character names that clean up alike, two
   entries named ``twin``): every row is written, to its own folder, with a neutral name;
7. ``--forbid auto`` is decided once, in the main thread, before the grading threads start.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from jaxnm_course.grading import outputs, results
from jaxnm_course.grading.config import GradingConfig
from tests.grading import trust_submissions as toy

pytestmark = pytest.mark.slow


@pytest.fixture
def run(grader_batch):
    return grader_batch


def _record(run, student: str) -> dict:
    (rec,) = [rec for rec in run["records"] if rec["student"] == student]
    return rec


def _student_files(run, student: str) -> tuple[dict, str]:
    folder = run["out"] / "students" / _record(run, student)["folder"]
    res = json.loads((folder / "results.json").read_text())
    return res, (folder / "feedback.txt").read_text()


def _row(run, student: str) -> dict:
    (row,) = [dict(zip(run["header"], r, strict=True)) for r in run["table"] if r[0] == student]
    return row


def test_honest_controls_get_exactly_their_marks(run):
    assert run["rc"] == 0, run["log"]
    full = _row(run, "honest_full")
    marks = str(toy.FULL_MARKS)
    assert (full["total"], full["max"], full["status"]) == (marks, marks, "ok")
    stub = _row(run, "honest_stub")
    assert (stub["total"], stub["max"], stub["status"]) == ("0", marks, "not_attempted")


def test_a_conftest_in_the_submission_never_runs_in_the_trusted_process(run):
    """Root cause 1: today it is imported by pytest and the stub scores full marks."""
    assert not run["marker"].exists(), run["marker"].read_text()
    row = _row(run, "conftest_forge")
    assert (row["total"], row["status"]) == ("0", "not_attempted"), row
    _, feedback = _student_files(run, "conftest_forge")
    for ignored in (
        "conftest.py",
        "tests/ (a folder)",
        "testing/ (a folder)",
        "helpers.py",
        "ex03_link.py (a link)",
        "ex03_big.py (not a regular file",
    ):
        assert ignored in feedback, feedback


def test_hidden_failures_reach_no_student_visible_output(run):
    """Root cause 5: today the hidden test's name and message reach the top-level output."""
    res, feedback = _student_files(run, "hidden_leak")
    row = _row(run, "hidden_leak")
    assert row["total"] == "0"
    for text in (res["output"], feedback, json.dumps(res), row["reason"]):
        assert toy.SECRET_NAME not in text
        assert toy.SECRET_TEXT not in text
    (hidden,) = [t for t in res["tests"] if t["visibility"] != "visible"]
    assert hidden["output"] == "failed: a hidden test in set ex01 failed"
    assert "a hidden test in set ex01 failed" in res["output"]
    # The instructor keeps the details.
    record = json.dumps(_record(run, "hidden_leak"))
    assert toy.SECRET_NAME in record
    assert toy.SECRET_TEXT in record


def test_escape_codes_are_stripped_from_what_students_see(run):
    res, feedback = _student_files(run, "escapes")
    assert _row(run, "escapes")["total"] == "3"
    assert "boom" in feedback
    texts = [feedback, res["output"], *(t["output"] for t in res["tests"])]
    for text in texts:
        assert not any(c in text for c in "\x1b\x07\x08\x00\r"), repr(text)


def test_every_entry_gets_a_row_and_its_own_folder(run):
    """Root cause 6: today a folder named grades.csv or two long look-alikes lose the batch."""
    assert len(run["table"]) == len(run["entries"]) == len(run["records"])
    assert sorted(rec["student"] for rec in run["records"]) == run["entries"]
    folders = [rec["folder"] for rec in run["records"]]
    assert len(set(map(str.lower, folders))) == len(folders)
    for folder in folders:
        assert len(folder) <= outputs.MAX_NAME
        assert (run["out"] / "students" / folder / "results.json").is_file()
        assert (run["out"] / "students" / folder / "feedback.txt").is_file()
    assert [r[0] for r in run["table"]].count("twin") == 2
    assert not list(run["out"].rglob("*.tmp")), "a temporary file was left behind"


def test_names_are_kept_but_cannot_be_formulas(run):
    names = [r[0] for r in run["table"]]
    for name in toy.ODD_NAMES:
        shown = "'" + name if name[0] in "=+-@" else name
        assert shown in names, (name, names)
    assert not any(n[:1] in ("=", "+", "-", "@", "\t", "\r") for n in names)
    for cell in (c for r in run["table"] for c in r):
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell


def test_the_forbid_list_is_decided_once_before_the_threads(run):
    """Root cause 7: today every grading thread parses the solutions at the same time."""
    assert run["main_thread"], "the grader's wrapper recorded nothing"
    assert run["forbid_calls"] == [run["main_thread"]]


# -- outputs, without a batch -------------------------------------------------------------------
def _rows():
    rec = {
        "nodeid": "h",
        "exercise": "ex01",
        "title": "T",
        "name": "test_secret",
        "points": 0,
        "max_points": 1,
        "outcome": "failed",
        "visibility": "hidden",
        "message": "expected 42",
    }
    return [
        results.summarise(results.StudentRow(n, tests=(results.TestResult.from_record(rec),)))
        for n in ("ann", "bob", "cy")
    ]


def test_one_rows_failure_never_loses_the_others(tmp_path):
    rows = _rows()
    (tmp_path / "students").mkdir()
    (tmp_path / "students" / "bob").write_text("in the way")  # bob's folder cannot be made
    outputs.write_outputs(rows, tmp_path, GradingConfig(course=tmp_path))
    with open(tmp_path / "grades.csv", newline="") as f:
        table = {r["student"]: r for r in csv.DictReader(f)}
    assert sorted(table) == ["ann", "bob", "cy"]
    assert table["bob"]["status"] == "error"
    assert "could not be written" in table["bob"]["reason"]
    for name in ("ann", "cy"):
        assert (tmp_path / "students" / name / "results.json").is_file()


def test_outputs_are_written_atomically(tmp_path, monkeypatch):
    replaced = []
    real = os.replace

    def spy(src, dst):
        replaced.append(Path(dst).name)
        return real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    outputs.write_outputs(_rows(), tmp_path, GradingConfig(course=tmp_path))
    assert replaced.count("grades.csv") == 1
    assert replaced.count("results.json") == 3
    assert replaced.count("feedback.txt") == 3


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+A2", "'+A2"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "' =1"),
        ("\x1b[31m=1", "'=1"),
        ("alice", "alice"),
    ],
)
def test_cells_are_formula_neutral(text, cell):
    assert results.neutral_cell(text) == cell
