"""A simple late policy: a due date, a grace period and a penalty per day late.

The policy lives in :class:`~jaxnm_course.grading.config.GradingConfig` (``due``,
``late_grace_minutes``, ``late_penalty_per_day``); submission times come from a CSV
(``jaxnm-grade grade --submission-times times.csv``: columns ``submission`` and
``submitted_at``, ISO 8601) or, on Gradescope, from ``submission_metadata.json``
(``created_at``; its ``assignment.due_date`` is the due date when the bundle sets none).

A submission ``d`` whole days late (after the grace period, every started day counts) loses
``min(1, d * late_penalty_per_day)`` of its points; the gradebook shows the time, the days
and the points taken off.

Example:
    >>> days_late("2026-03-02T09:00:00+00:00", "2026-03-01T23:59:00+00:00", grace_minutes=15)
    1
"""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime
from pathlib import Path

from jaxnm_course.grading.config import GradingConfig
from jaxnm_course.grading.results import StudentRow

__all__ = ["apply", "days_late", "gradescope_metadata", "parse_time", "read_times"]

_DAY = 86400.0


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (``Z`` accepted; a time without a zone is taken as UTC).

    Raises:
        ValueError: not a time.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"parse_time: expected an ISO 8601 time, got {text!r}")
    t = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def days_late(submitted: str, due: str, grace_minutes: float = 0.0) -> int:
    """Whole days (every started day) after ``due`` plus the grace period; 0 when on time."""
    delay = (parse_time(submitted) - parse_time(due)).total_seconds() - 60.0 * grace_minutes
    return max(0, math.ceil(delay / _DAY)) if delay > 0 else 0


def apply(row: StudentRow, config: GradingConfig, due: str = "") -> StudentRow:
    """Set the row's lateness and take off the penalty (in place; returned).

    Args:
        row: a graded row with ``submitted`` set (nothing is done without it).
        config: the run's policy.
        due: the due date when ``config.due`` is empty (Gradescope's metadata).
    """
    due = config.due or due
    if not row.submitted or not due:
        return row
    row.late_days = days_late(row.submitted, due, config.late_grace_minutes)
    fraction = min(1.0, row.late_days * config.late_penalty_per_day)
    if fraction > 0 and row.total > 0:
        row.penalty = round(row.total * fraction, 6)
        row.total = round(row.total - row.penalty, 6)
    return row


def read_times(path: str | Path) -> dict[str, str]:
    """``{submission: submitted_at}`` from a CSV with ``submission`` and ``submitted_at`` columns.

    Raises:
        ValueError: a column is missing or a time does not parse.
    """
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not {"submission", "submitted_at"} <= set(reader.fieldnames or []):
            raise ValueError(
                f"read_times: {path} needs the columns submission and submitted_at (ISO 8601)"
            )
        out = {}
        for line in reader:
            parse_time(line["submitted_at"])  # fail early, naming the bad value
            out[line["submission"].strip()] = line["submitted_at"].strip()
    return out


def gradescope_metadata(path: str | Path) -> tuple[str, str]:
    """(submitted, due) from Gradescope's ``submission_metadata.json`` (``""`` when absent)."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    assignment = data.get("assignment") if isinstance(data.get("assignment"), dict) else {}
    submitted, due = data.get("created_at") or "", assignment.get("due_date") or ""
    try:
        return (
            parse_time(submitted).isoformat() if submitted else "",
            parse_time(due).isoformat() if due else "",
        )
    except (TypeError, ValueError):
        return "", ""
