"""Where a batch's results go on disk, written so that none can be lost or forged.

::

    OUT/grades.csv                      one row per submission (the original names,
                                        formula-neutralised; see gradebook.gradebook_csv)
    OUT/grades_canvas.csv               with a roster: Canvas's gradebook import file
    OUT/students/<folder>/results.json  Gradescope's format (what the student may see)
    OUT/students/<folder>/feedback.txt  a report safe to send the student at any time
                                        (hidden tests only counted)
    OUT/instructor/<folder>.json        the full record, hidden tests included
    OUT/instructor/<folder>.feedback.txt  the instructor's report (every test, messages)
    OUT/instructor/statuses.txt         the legend of the gradebook's statuses and columns
    OUT/instructor/summary.txt          per set: mean, median, a text histogram
    OUT/instructor/summary.png          the same as plots (when matplotlib is installed)

``<folder>`` is a safe, unique name made from the submission's name by
:func:`folder_names` (no reserved name, at most :data:`MAX_NAME` characters, unique even
where names differ only in case or in characters that are cleaned away). Every file is
written atomically (a temporary file in the same folder, then ``os.replace``), by the trusted
side, after every worker of the batch is gone. A row whose files cannot be written is marked
``error`` in the gradebook; the other rows and the gradebook are still written.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from jaxnm_course.grading import gradebook, results
from jaxnm_course.grading.config import GradingConfig
from jaxnm_course.grading.results import StudentRow

__all__ = ["MAX_NAME", "RESERVED", "atomic_write", "folder_names", "write_outputs"]

#: Longest folder name made for a student.
MAX_NAME = 80
#: Names never used as a student's folder (compared case-insensitively).
RESERVED = frozenset(
    ["grades.csv", "students", "instructor", "con", "prn", "aux", "nul"]
    + [f"com{i}" for i in range(10)]
    + [f"lpt{i}" for i in range(10)]
)


def folder_names(names: Iterable[str]) -> list[str]:
    """Safe, unique folder names for the given submission names (same order).

    Each keeps ``[A-Za-z0-9._-]`` of its name (other characters become ``_``; no leading
    dot or dash). A name that had to be changed, shortened or is reserved also gets 8 hex
    digits of a hash of the original, and a name already taken (case-insensitively) a
    counter, so two submissions never share a folder.

    Args:
        names: the submissions' names (any string).

    Returns:
        One folder name per name, each at most :data:`MAX_NAME` characters.
    """
    taken: set[str] = set()
    out = []
    for name in names:
        clean = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".-") or "student"
        if clean != name or len(clean) > MAX_NAME or clean.lower() in RESERVED:
            digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
            clean = f"{clean[: MAX_NAME - 9]}_{digest}"
        base, n = clean, 2
        while clean.lower() in taken:
            suffix = f"_{n}"
            clean, n = base[: MAX_NAME - len(suffix)] + suffix, n + 1
        taken.add(clean.lower())
        out.append(clean)
    return out


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:40]}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_student(row: StudentRow, out: Path, config: GradingConfig) -> None:
    folder = out / "students" / row.folder
    folder.mkdir(parents=True, exist_ok=True)
    data = results.gradescope_results(row, config.hidden_visibility)
    atomic_write(folder / "results.json", json.dumps(data, indent=1) + "\n")
    atomic_write(folder / "feedback.txt", results.feedback_text(row))
    record = json.dumps(results.instructor_record(row), indent=1) + "\n"
    atomic_write(out / "instructor" / f"{row.folder}.json", record)
    atomic_write(
        out / "instructor" / f"{row.folder}.feedback.txt", results.instructor_feedback(row)
    )


def _zero_reason(row: StudentRow) -> None:
    """Every zero says why."""
    if row.total or row.reason or not row.max:
        return
    if row.penalty:
        row.reason = f"late by {row.late_days} day(s): the late penalty took every point"
    elif row.tests:
        row.reason = "no test passed"


def write_outputs(
    rows: list[StudentRow],
    out: Path,
    config: GradingConfig,
    write: set[str] | None = None,
) -> None:
    """Write every student's files, then the gradebook files (see the module docstring).

    Args:
        rows: the graded rows (each with its ``folder``; missing ones are assigned here).
        out: the output folder (created).
        config: the run's configuration (sets to list, hidden tests' visibility, roster).
        write: the folders whose student files are (re)written (None: all); the others
            only take part in the gradebook (a regrade leaves their files untouched).
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / "students").mkdir(exist_ok=True)
    (out / "instructor").mkdir(exist_ok=True)
    if any(not r.folder for r in rows):
        for r, name in zip(rows, folder_names(r.student for r in rows), strict=True):
            r.folder = r.folder or name
    maxima = gradebook.set_maxima(rows)
    exercises = sorted(set(maxima) | set(config.exercises))
    full = sum(maxima.values())
    for r in rows:
        if not r.max:
            r.max = full
        _zero_reason(r)
        if write is not None and r.folder not in write:
            continue
        try:
            _write_student(r, out, config)
        except Exception as err:  # one row's failure never loses the others
            r.status = "error"
            r.reason = f"its output files could not be written ({type(err).__name__}: {err})"
    ordered = sorted(rows, key=lambda r: (r.student, r.folder))
    atomic_write(out / "grades.csv", gradebook.gradebook_csv(ordered, exercises, maxima))
    atomic_write(out / "instructor" / "statuses.txt", gradebook.statuses_text())
    atomic_write(out / "instructor" / "summary.txt", gradebook.summary_text(ordered))
    with contextlib.suppress(Exception):  # a plot is a convenience, never a lost gradebook
        gradebook.summary_plot(ordered, out / "instructor" / "summary.png")
    if config.roster is not None:
        text, unlisted = gradebook.canvas_csv(
            ordered, gradebook.read_roster(config.roster), config.assignment
        )
        atomic_write(out / "grades_canvas.csv", text)
        if unlisted:
            print(
                f"roster: not on {config.roster.name}, left out of grades_canvas.csv: "
                + ", ".join(unlisted),
                file=sys.stderr,
            )
