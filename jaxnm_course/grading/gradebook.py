"""The gradebook: ``grades.csv``, its legend, the LMS import file and the per-set summary.

Everything here renders :class:`~jaxnm_course.grading.results.StudentRow` objects; where the
files go is :mod:`~jaxnm_course.grading.outputs`' business. Every cell is formula-neutral
(:func:`~jaxnm_course.grading.results.neutral_cell`).
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Iterable
from pathlib import Path

from jaxnm_course.grading.results import StudentRow, neutral_cell, note

__all__ = [
    "CANVAS_COLUMNS",
    "STATUSES",
    "canvas_csv",
    "gradebook_csv",
    "read_roster",
    "set_maxima",
    "statuses_text",
    "summary_plot",
    "summary_text",
]

#: A row's statuses and what each means (written beside the gradebook as ``statuses.txt``).
STATUSES = {
    "ok": "graded; the points are what the tests gave (a zero still has its reason)",
    "not_attempted": "the course's files were found, but every function still raises "
    "NotImplementedError (the stubs as released)",
    "missing_files": "none of the course's exercise files was found in the submission; the "
    "reason lists what was there (check the file names the course expects)",
    "invalid_submission": "an entry of the submissions folder that is neither a folder nor a "
    ".zip (e.g. a loose file); nothing was graded",
    "rejected": "refused before grading (a zip bomb, a link, too large, unreadable); the reason "
    "says why",
    "error": "the grader could not finish (hard time limit, the test session crashed, files "
    "could not be written); see OUT/instructor/<folder>.json and regrade with --students",
}


def set_maxima(rows: Iterable[StudentRow]) -> dict[str, float]:
    """Each set's maximum, from the rows that were graded (sets in order)."""
    maxima: dict[str, float] = {}
    for r in rows:
        for ex, t in r.totals.items():
            maxima[ex] = max(maxima.get(ex, 0.0), t.max_points)
    return dict(sorted(maxima.items()))


def _percent(total: float, maximum: float) -> str:
    return f"{100 * total / maximum:.1f}" if maximum else ""


def gradebook_csv(
    rows: Iterable[StudentRow], exercises: Iterable[str], maxima: dict[str, float] | None = None
) -> str:
    """``grades.csv``: one row per student; every cell formula-neutral.

    Columns: ``student, total, max, percent, visible, visible_max, hidden, hidden_max``,
    one per set (points), one per set's maximum (``max_exNN``), then ``submitted,
    late_days, late_penalty, status, reason`` (``total`` is after the late penalty; every
    zero has a reason).
    """
    exercises = list(exercises)
    maxima = maxima or {}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        ["student", "total", "max", "percent", "visible", "visible_max", "hidden", "hidden_max"]
        + exercises
        + [f"max_{ex}" for ex in exercises]
        + ["submitted", "late_days", "late_penalty", "status", "reason"]
    )
    for r in rows:
        per = r.per_exercise
        vis, hid = r.subtotal("visible"), r.subtotal("hidden")
        w.writerow(
            [neutral_cell(r.student), f"{r.total:g}", f"{r.max:g}", _percent(r.total, r.max)]
            + [f"{vis[0]:g}", f"{vis[1]:g}", f"{hid[0]:g}", f"{hid[1]:g}"]
            + [f"{per.get(ex, 0):g}" for ex in exercises]
            + [f"{maxima.get(ex, 0):g}" for ex in exercises]
            + [neutral_cell(r.submitted), str(r.late_days), f"{r.penalty:g}"]
            + [neutral_cell(r.status), neutral_cell(note(r))[:300]]
        )
    return buf.getvalue()


def statuses_text() -> str:
    """The legend of the gradebook's statuses and columns (``OUT/instructor/statuses.txt``)."""
    lines = ["Statuses of grades.csv", ""]
    lines += [f"{k:<19} {v}" for k, v in STATUSES.items()]
    lines += [
        "",
        "Columns: total is after any late penalty (late_penalty points taken off for late_days",
        "days late after the grace period); percent = 100 * total / max; visible and hidden",
        "are the subtotals of the visible and hidden tests; exNN is a set's points and max_exNN",
        "its maximum.",
    ]
    return "\n".join(lines) + "\n"


#: The identity columns of Canvas's gradebook import format, in Canvas's order.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
_ROSTER_ALIASES = {
    "submission": "submission",
    "folder": "submission",
    "student": "Student",
    "name": "Student",
    "id": "ID",
    "canvas id": "ID",
    "sis user id": "SIS User ID",
    "sis_user_id": "SIS User ID",
    "sis login id": "SIS Login ID",
    "sis_login_id": "SIS Login ID",
    "email": "SIS Login ID",
    "login": "SIS Login ID",
    "section": "Section",
}


def read_roster(path: str | Path) -> dict[str, dict[str, str]]:
    """A roster CSV: ``submission`` (the entry's name in the submissions folder) -> identity.

    The header names a ``submission`` (or ``folder``) column and any of Canvas's identity
    columns (:data:`CANVAS_COLUMNS`; ``name``, ``id``, ``email``, ``sis_user_id``,
    ``sis_login_id``, ``section`` are accepted too, in any case).

    Args:
        path: the roster file.

    Returns:
        ``{submission: {"Student": ..., "ID": ..., ...}}``.

    Raises:
        ValueError: no ``submission`` column, or a submission listed twice.
    """
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        columns = {c: _ROSTER_ALIASES.get(c.strip().lower()) for c in reader.fieldnames or []}
        if "submission" not in columns.values():
            raise ValueError(
                f"read_roster: {path} needs a 'submission' column (the name of each student's "
                f"entry in the submissions folder); it has {list(columns)}"
            )
        roster: dict[str, dict[str, str]] = {}
        for line in reader:
            ident = {columns[k]: (v or "").strip() for k, v in line.items() if columns.get(k)}
            key = ident.pop("submission")
            if key in roster:
                raise ValueError(f"read_roster: submission {key!r} is listed twice in {path}")
            roster[key] = ident
    return roster


def canvas_csv(
    rows: Iterable[StudentRow], roster: dict[str, dict[str, str]], assignment: str
) -> tuple[str, list[str]]:
    """A Canvas gradebook import file: identity columns, then one assignment column.

    The second line is Canvas's ``Points Possible`` row. A student on the roster without a
    submission gets 0 (Canvas needs no blank cells); a submission missing from the roster is
    left out and named in the returned list.

    Args:
        rows: the graded rows.
        roster: :func:`read_roster`'s mapping.
        assignment: the assignment column's header (as named in Canvas).

    Returns:
        (the CSV text, the submissions not on the roster).
    """
    rows = list(rows)
    maximum = max((r.max for r in rows), default=0.0)
    by_name = {r.student: r for r in rows}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([*CANVAS_COLUMNS, neutral_cell(assignment)])
    w.writerow(["Points Possible", "", "", "", "", f"{maximum:g}"])
    for submission, ident in sorted(roster.items(), key=lambda kv: kv[1].get("Student", kv[0])):
        row = by_name.get(submission)
        cells = [neutral_cell(ident.get(c, "")) for c in CANVAS_COLUMNS]
        w.writerow([*cells, f"{row.total:g}" if row else "0"])
    return buf.getvalue(), sorted(set(by_name) - set(roster))


def _histogram(values: list[float], maximum: float, bins: int = 10) -> list[str]:
    counts = [0] * bins
    for v in values:
        i = min(bins - 1, int(bins * v / maximum)) if maximum else 0
        counts[i] += 1
    width = maximum / bins if maximum else 0
    return [
        f"    {i * width:6.1f}-{(i + 1) * width:6.1f} | {'#' * c} {c}"
        for i, c in enumerate(counts)
    ]


def _graded(rows: Iterable[StudentRow]) -> list[StudentRow]:
    return [r for r in rows if r.tests]


def summary_text(rows: Iterable[StudentRow]) -> str:
    """Per set and for the total: graded count, mean, median, maximum and a text histogram."""
    rows = list(rows)
    graded = _graded(rows)
    maxima = set_maxima(rows)
    lines = [f"{len(rows)} submissions, {len(graded)} graded"]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    lines.append("statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for how in sorted({r.sandbox for r in rows if r.sandbox}):
        lines.append(f"sandbox: {how}")
    columns = [(ex, [r.per_exercise.get(ex, 0.0) for r in graded], m) for ex, m in maxima.items()]
    columns.append(("total", [r.total for r in graded], sum(maxima.values())))
    for name, values, maximum in columns:
        lines.append("")
        if not values:
            lines.append(f"{name}: nothing graded")
            continue
        lines.append(
            f"{name}: mean {statistics.fmean(values):.2f}, median "
            f"{statistics.median(values):g}, max {maximum:g} (n = {len(values)})"
        )
        lines.extend(_histogram(values, maximum))
    return "\n".join(lines) + "\n"


def summary_plot(rows: Iterable[StudentRow], path: Path) -> bool:
    """A PNG of the per-set and total score distributions, when matplotlib is installed.

    Returns:
        Whether the plot was written (False without matplotlib or without graded rows).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    rows = list(rows)
    graded = _graded(rows)
    maxima = set_maxima(rows)
    if not graded:
        return False
    names = [*maxima, "total"]
    data = [[r.per_exercise.get(ex, 0.0) for r in graded] for ex in maxima]
    data.append([r.total for r in graded])
    tops = [*maxima.values(), sum(maxima.values())]
    fig, axes = plt.subplots(1, len(names), figsize=(2.2 * len(names), 2.6), squeeze=False)
    for ax, name, values, top in zip(axes[0], names, data, tops, strict=True):
        ax.hist(values, bins=10, range=(0, top or 1), color="tab:blue")
        ax.set_title(name)
        ax.set_xlabel("points")
    axes[0][0].set_ylabel("submissions")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
