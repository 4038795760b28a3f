"""The results model: per-test records, per-set totals, a student's row, and their writers.

One shape from the trusted pytest process to every output:

* the plugin records each test as a :class:`TestResult` and writes them with
  :func:`write_session_json` (``--results-json``);
* the batch reads that file back with :func:`read_session_json` (every field checked; a
  test that did not pass earns nothing, whatever the file says) into a :class:`StudentRow`;
* :func:`gradescope_results`, :func:`feedback_text`, :func:`instructor_feedback` and
  :mod:`~jaxnm_course.grading.gradebook` render rows
  (see :mod:`jaxnm_course.grading.outputs` for where they go on disk).

Hidden means hidden: every output a student may see (``results.json``, ``feedback.txt``,
the gradebook's reason) shows a hidden test only as "hidden test N" of its set, and its
failure only as "a hidden test in set exNN failed". The full record goes to the
instructor's file (:func:`instructor_record`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from jaxnm_course.grading.sandbox import INSECURE_NOTE

__all__ = [
    "OUTCOMES",
    "SetTotal",
    "StudentRow",
    "TestResult",
    "clean_text",
    "feedback_text",
    "gradescope_results",
    "instructor_feedback",
    "instructor_record",
    "neutral_cell",
    "note",
    "read_session_json",
    "row_from_record",
    "session_json",
    "set_summaries",
    "set_totals",
    "summarise",
]

#: Outcomes of one test (anything but ``passed`` earns nothing).
OUTCOMES = ("passed", "failed", "error", "timeout", "not_attempted")
_MESSAGE_CHARS = 2000

# ANSI/VT escape sequences (CSI, OSC, other ESC sequences), then any other control character
# but newline and tab: student text must not drive the reader's terminal.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (newline, tab kept)."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates become "?"
    return _CONTROL.sub("", _ESCAPES.sub("", text))


def neutral_cell(text: str) -> str:
    """A spreadsheet cell that cannot be a formula (a leading ``= + - @``, tab or CR is quoted).

    Control characters are dropped first, so a cell cannot hide its first character behind
    one.
    """
    text = clean_text(str(text))
    if text[:1] in ("\t", "\r") or text.lstrip()[:1] in ("=", "+", "-", "@"):
        text = "'" + text
    return text.replace("\n", " ").replace("\t", " ")


class TestResult(NamedTuple):
    """One test of one submission, as recorded by the trusted pytest process.

    Attributes:
        nodeid: pytest's id of the test.
        exercise: the set (``"ex03"``).
        title: the set's title.
        name: the test's name.
        points: points earned (0 unless ``outcome`` is ``"passed"``).
        max_points: what the test is worth.
        outcome: one of :data:`OUTCOMES`.
        visibility: ``"visible"`` or ``"hidden"``.
        message: the failure report (empty when passed).
    """

    __test__ = False  # not a pytest test class

    nodeid: str
    exercise: str
    title: str
    name: str
    points: float
    max_points: float
    outcome: str
    visibility: str
    message: str

    @classmethod
    def from_record(cls, rec: Any) -> TestResult:
        """Check and normalise one record of a results file (untrusted shape, trusted origin).

        Raises:
            ValueError: not a dict, or a field that cannot be read.
        """
        if not isinstance(rec, dict):
            raise ValueError("malformed test record")
        outcome = str(rec.get("outcome", "error"))
        if outcome not in OUTCOMES:
            outcome = "error"
        max_points = float(rec.get("max_points", 0))
        return cls(
            nodeid=str(rec.get("nodeid", "")),
            exercise=str(rec.get("exercise", "")),
            title=str(rec.get("title", "")),
            name=str(rec.get("name", "")),
            # The plugin names worker time-outs and crashes; anything but a pass earns
            # nothing, whatever the points field says.
            points=float(rec.get("points", 0)) if outcome == "passed" else 0.0,
            max_points=max_points,
            outcome=outcome,
            visibility="hidden" if rec.get("visibility") == "hidden" else "visible",
            message=str(rec.get("message", ""))[:_MESSAGE_CHARS],
        )

    @property
    def hidden(self) -> bool:
        """Whether the test is hidden from students."""
        return self.visibility == "hidden"

    def shown_message(self) -> str:
        """The message a student may see: a hidden test's says only which set failed."""
        if self.outcome == "passed":
            return ""
        if self.hidden:
            if self.outcome == "not_attempted":
                return f"a hidden test in set {self.exercise} was not attempted"
            return f"a hidden test in set {self.exercise} failed"
        return clean_text(self.message)


class SetTotal(NamedTuple):
    """Points of one exercise set."""

    exercise: str
    title: str
    points: float
    max_points: float


def set_totals(tests: Iterable[TestResult]) -> dict[str, SetTotal]:
    """Points per set, in set order."""
    out: dict[str, SetTotal] = {}
    for t in tests:
        old = out.get(t.exercise, SetTotal(t.exercise, t.title, 0.0, 0.0))
        out[t.exercise] = old._replace(
            points=old.points + t.points, max_points=old.max_points + t.max_points
        )
    return dict(sorted(out.items()))


def set_summaries(tests: Iterable[TestResult]) -> dict[str, dict]:
    """Per-set points split by visibility, and what was not attempted (the points table)."""
    totals: dict[str, dict] = {}
    for r in tests:
        t = totals.setdefault(
            r.exercise,
            {
                "points": 0,
                "max_points": 0,
                "title": r.title,
                "visible_points": 0,
                "visible_max_points": 0,
                "hidden_points": 0,
                "hidden_max_points": 0,
                "tests": 0,
                "not_attempted": 0,
                "not_attempted_functions": [],
            },
        )
        t["points"] += r.points
        t["max_points"] += r.max_points
        t[f"{r.visibility}_points"] += r.points
        t[f"{r.visibility}_max_points"] += r.max_points
        t["tests"] += 1
        if r.outcome == "not_attempted":
            t["not_attempted"] += 1
            match = re.search(r"(\w+) not implemented", r.message)
            name = match.group(1) if match else r.name
            if name not in t["not_attempted_functions"]:
                t["not_attempted_functions"].append(name)
    return dict(sorted(totals.items()))


def session_json(tests: Iterable[TestResult]) -> dict:
    """The ``--results-json`` payload: ``{"tests": [...], "totals": {...}}``."""
    tests = list(tests)
    totals = {
        ex: {"points": t.points, "max_points": t.max_points, "title": t.title}
        for ex, t in set_totals(tests).items()
    }
    return {"tests": [t._asdict() for t in tests], "totals": totals}


def read_session_json(data: Any) -> tuple[TestResult, ...]:
    """The tests of a decoded ``--results-json`` payload, each checked.

    Raises:
        ValueError: no list of tests, or a malformed record.
    """
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise ValueError("results JSON without a tests list")
    return tuple(TestResult.from_record(t) for t in data["tests"])


@dataclass
class StudentRow:
    """One student's line of the gradebook and everything their outputs show.

    Attributes:
        student: the submission's name as given (kept verbatim; neutralised when written).
        folder: the safe, unique folder name under ``OUT/students/``.
        total: points earned.
        max: points possible (the course maximum for a row without tests).
        status: one of :data:`~jaxnm_course.grading.gradebook.STATUSES`.
        reason: why, when not plainly ok (never a hidden test's details).
        tests: the test results.
        execution_time: seconds spent grading.
        ignored: submitted files that were not graded (not ``exNN_*.py`` regular files).
        detail: what only the instructor may see (e.g. the tail of the test session's log,
            which can name hidden tests).
        insecure: graded without the kernel sandbox (``--insecure``): every output says
            :data:`~jaxnm_course.grading.sandbox.INSECURE_NOTE`.
        sandbox: how the worker was confined (instructor outputs), e.g. ``"bubblewrap: ...
            namespaces; seccomp: on"``.
        notes: near misses accepted (a file graded under the name the course expects).
        submitted: when it was submitted (ISO 8601; ``""`` when not known).
        late_days: whole days late after the grace period (0: on time).
        penalty: points taken off for lateness (``total`` is after the penalty).
    """

    student: str
    folder: str = ""
    total: float = 0.0
    max: float = 0.0
    status: str = "ok"
    reason: str = ""
    tests: tuple[TestResult, ...] = ()
    execution_time: float = 0.0
    ignored: tuple[str, ...] = field(default_factory=tuple)
    detail: str = ""
    insecure: bool = False
    sandbox: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    submitted: str = ""
    late_days: int = 0
    penalty: float = 0.0

    @property
    def totals(self) -> dict[str, SetTotal]:
        """Points per set."""
        return set_totals(self.tests)

    @property
    def per_exercise(self) -> dict[str, float]:
        """Points earned per set."""
        return {ex: t.points for ex, t in self.totals.items()}

    def subtotal(self, visibility: str) -> tuple[float, float]:
        """(points, maximum) of the ``"visible"`` or ``"hidden"`` tests."""
        tests = [t for t in self.tests if t.visibility == visibility]
        return sum(t.points for t in tests), sum(t.max_points for t in tests)


def summarise(row: StudentRow) -> StudentRow:
    """Fill in total, max, status and reason from the row's tests (in place; returned)."""
    row.total = sum(t.points for t in row.tests)
    row.max = sum(t.max_points for t in row.tests)
    if not row.tests:
        row.status, row.reason = "error", "no tests ran"
        return row
    if all(t.outcome == "not_attempted" for t in row.tests):
        row.status, row.reason = "not_attempted", "no exercise attempted (all stubs)"
        return row
    if row.total == 0:
        problems = [t for t in row.tests if t.outcome != "not_attempted"] or list(row.tests)
        # A visible problem is named; a hidden one only by its set.
        bad = next((t for t in problems if not t.hidden), problems[0])
        shown = bad.shown_message()
        first = shown.splitlines()[0] if shown else bad.outcome
        label = "" if bad.hidden else f" ({bad.name})"
        row.reason = f"no test passed; first problem{label}: {first}"[:300]
    return row


def _labels(tests: Iterable[TestResult]) -> list[str]:
    """Student-facing test names: hidden tests become "hidden test N" within their set."""
    counts: dict[str, int] = {}
    out = []
    for t in tests:
        if t.hidden:
            counts[t.exercise] = counts.get(t.exercise, 0) + 1
            out.append(f"hidden test {counts[t.exercise]}")
        else:
            out.append(clean_text(t.name))
    return out


def note(row: StudentRow) -> str:
    """The row's reason, after the insecure-run warning when it has one."""
    parts = [INSECURE_NOTE] if row.insecure else []
    if row.reason:
        parts.append(row.reason)
    return "; ".join(parts)


def gradescope_results(row: StudentRow, hidden_visibility: str = "after_published") -> dict:
    """The Gradescope ``results.json`` of one row.

    Args:
        row: the graded row.
        hidden_visibility: visibility of hidden tests (``"hidden"``, ``"after_due_date"``,
            ``"after_published"``).

    Returns:
        A dict in Gradescope's autograder results format.
    """
    tests = []
    for t, label in zip(row.tests, _labels(row.tests), strict=True):
        out = t.outcome.replace("_", " ")
        shown = t.shown_message()
        if shown:
            out += ": " + shown
        tests.append(
            {
                "name": f"{t.exercise} {clean_text(t.title)}: {label}",
                "score": t.points,
                "max_score": t.max_points,
                "status": "passed" if t.outcome == "passed" else "failed",
                "output": out,
                "visibility": hidden_visibility if t.hidden else "visible",
            }
        )
    summary = f"{row.total:g}/{row.max:g} points; status {row.status}"
    if note(row):
        summary += f": {clean_text(note(row))}"
    if row.penalty:
        summary += f"\nLate by {row.late_days} day(s): {row.penalty:g} points taken off"
    if row.notes:
        summary += f"\nGraded under the expected name: {'; '.join(row.notes)}"
    if row.ignored:
        summary += f"\nNot graded (only the course's exercise files are): {', '.join(row.ignored)}"
    return {
        "score": row.total,
        "max_score": row.max,
        "execution_time": round(row.execution_time, 1),
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _header(row: StudentRow) -> list[str]:
    lines = [
        f"Student: {clean_text(row.student)}",
        f"Total: {row.total:g}/{row.max:g} ({row.status})",
    ]
    if row.penalty:
        lines.append(
            f"Late: {row.late_days} day(s) after the due date: {row.penalty:g} points taken off "
            f"(before the penalty: {row.total + row.penalty:g})"
        )
    if note(row):
        lines.append(f"Note: {clean_text(note(row))}")
    if row.notes:
        lines.append("Graded under the expected name (please use it next time):")
        lines.extend(f"  {clean_text(n)}" for n in row.notes)
    if row.ignored:
        lines.append("Not graded (only the course's exercise files are):")
        lines.extend(f"  {clean_text(name)}" for name in row.ignored)
    return lines


def feedback_text(row: StudentRow) -> str:
    """The report safe to send a student at any time.

    Visible tests in full (points, outcome, message); hidden tests only as a count per set
    ("2 hidden tests in set ex03 did not pass"): no name, input or message of theirs.
    """
    lines = _header(row)
    for ex, t in row.totals.items():
        tests = [r for r in row.tests if r.exercise == ex]
        visible = [r for r in tests if not r.hidden]
        hidden = [r for r in tests if r.hidden]
        vis_points = sum(r.points for r in visible)
        vis_max = sum(r.max_points for r in visible)
        lines.append("")
        lines.append(f"{ex} {clean_text(t.title)}: {vis_points:g}/{vis_max:g} visible points")
        for r in visible:
            mark = {"passed": "ok", "not_attempted": "--"}.get(r.outcome, "XX")
            lines.append(
                f"  [{mark}] {clean_text(r.name)}: {r.points:g}/{r.max_points:g} {r.outcome}"
            )
            shown = r.shown_message()
            if shown:
                lines.extend("        " + m for m in _for_students(shown).splitlines()[:12])
        failed = sum(r.outcome != "passed" for r in hidden)
        if hidden:
            word = "test" if failed == 1 else "tests"
            lines.append(
                f"  {failed} hidden {word} in set {ex} did not pass"
                if failed
                else f"  all {len(hidden)} hidden tests in set {ex} passed"
            )
    return "\n".join(lines) + "\n"


# Advice meant for someone running pytest themselves: meaningless in a grade report.
_RUN_ADVICE = re.compile(r"^\(.*(--full-trace|--tb=long).*\)$")


def _for_students(message: str) -> str:
    """A visible test's message without advice about pytest options."""
    return "\n".join(m for m in message.splitlines() if not _RUN_ADVICE.match(m.strip()))


def instructor_feedback(row: StudentRow) -> str:
    """The instructor's report of one row: every test, hidden ones by name, with messages."""
    lines = _header(row)
    if row.reason and row.reason not in note(row):
        lines.append(f"Reason: {clean_text(row.reason)}")
    if row.detail:
        lines.append(f"Detail: {clean_text(row.detail)}")
    if row.sandbox:
        lines.append(f"Sandbox: {row.sandbox}")
    for ex, t in row.totals.items():
        lines.append("")
        lines.append(f"{ex} {clean_text(t.title)}: {t.points:g}/{t.max_points:g}")
        for r in (r for r in row.tests if r.exercise == ex):
            mark = {"passed": "ok", "not_attempted": "--"}.get(r.outcome, "XX")
            tag = " [hidden]" if r.hidden else ""
            lines.append(
                f"  [{mark}] {clean_text(r.name)}{tag}: {r.points:g}/{r.max_points:g} {r.outcome}"
            )
            if r.outcome != "passed" and r.message:
                lines.extend("        " + m for m in clean_text(r.message).splitlines())
    return "\n".join(lines) + "\n"


def instructor_record(row: StudentRow) -> dict:
    """Everything about a row, hidden tests' names and messages included (instructor only)."""
    return {
        "student": row.student,
        "folder": row.folder,
        "total": row.total,
        "max": row.max,
        "status": row.status,
        "reason": row.reason,
        "execution_time": round(row.execution_time, 1),
        "ignored": list(row.ignored),
        "detail": row.detail,
        "insecure": row.insecure,
        "sandbox": row.sandbox,
        "notes": list(row.notes),
        "submitted": row.submitted,
        "late_days": row.late_days,
        "penalty": row.penalty,
        "tests": [t._asdict() for t in row.tests],
    }


def row_from_record(data: Any) -> StudentRow:
    """The row of an :func:`instructor_record` read back (a regrade keeps the other rows).

    Raises:
        ValueError: not a record.
    """
    if not isinstance(data, dict) or not isinstance(data.get("student"), str):
        raise ValueError("not an instructor record")
    return StudentRow(
        student=data["student"],
        folder=str(data.get("folder", "")),
        total=float(data.get("total", 0)),
        max=float(data.get("max", 0)),
        status=str(data.get("status", "error")),
        reason=str(data.get("reason", "")),
        tests=tuple(TestResult.from_record(t) for t in data.get("tests", [])),
        execution_time=float(data.get("execution_time", 0)),
        ignored=tuple(map(str, data.get("ignored", []))),
        detail=str(data.get("detail", "")),
        insecure=bool(data.get("insecure", False)),
        sandbox=str(data.get("sandbox", "")),
        notes=tuple(map(str, data.get("notes", []))),
        submitted=str(data.get("submitted", "")),
        late_days=int(data.get("late_days", 0)),
        penalty=float(data.get("penalty", 0)),
    )
