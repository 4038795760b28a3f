"""Batch grading: many submissions, each graded by the trusted harness against its own worker.

For each submission (a folder, or a ``.zip`` of one) the trusted side

1. stages a copy (zip members checked: no absolute or ``..`` paths, no links, caps on the
   number of files and on the uncompressed size, refused before anything is written);
2. runs ``pytest`` on the visible tests (``exercises/test_exNN_*.py``) and the hidden tests
   (``hidden_tests/test_exNN_*.py``) with the grading plugin, the ``grading`` Hypothesis profile
   and ``--results-json``, and ``JAXNM_GRADE_REMOTE`` set: every call of the student's code goes
   to an isolated worker (:mod:`jaxnm_course.grading.remote`);
3. after pytest has exited, kills every worker process group it started and waits until they
   are gone; only then reads the results and writes ``OUT/<student>/results.json``
   (Gradescope format) and ``OUT/<student>/feedback.txt``. ``OUT/grades.csv`` is written once
   all submissions are done. Every submission gets a row.
"""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from jaxnm_course.grading import remote, sandbox

__all__ = [
    "GradeRow",
    "Options",
    "course_root",
    "default_forbid",
    "extract_zip",
    "grade_all",
    "grade_entries",
    "grade_one",
    "gradescope_results",
    "stage",
    "write_outputs",
]

#: Caps on one submission (after extraction).
MAX_FILES = remote.MAX_SUBMISSION_FILES
MAX_BYTES = remote.MAX_SUBMISSION_BYTES
_TEST_FILE = re.compile(r"^test_(ex\d\d)_\w+\.py$")


class SubmissionRejected(ValueError):
    """A submission that cannot be graded at all (bad zip, too large, not a folder)."""


@dataclass
class Options:
    """Settings of a grading run.

    Attributes:
        course: the course folder (holding ``exercises/`` and ``hidden_tests/``).
        workers: submissions graded in parallel.
        call_timeout: wall-clock limit of one call of student code (s).
        submission_timeout: wall-clock budget of one submission's calls (s); the pytest process
            is killed after ``1.5 * submission_timeout + 120`` s.
        memory_mb: address-space limit of a worker (MiB).
        exercises: only these sets (``["ex01", ...]``); all when empty.
        hidden: include ``hidden_tests/``.
        hidden_visibility: Gradescope visibility of hidden tests.
        namespaces: ``"auto"`` or ``"off"`` (see :mod:`jaxnm_course.grading.sandbox`).
        forbid: modules a submission may not import; ``None``: :func:`default_forbid`.
        progress: called with (done, total, student) after each submission.
        insecure: grade even without the kernel sandbox (every output then says so).
        ro_paths: extra host paths confined workers may read (e.g. a course support package).
    """

    course: Path = field(default_factory=lambda: course_root())
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    call_timeout: float = 60.0
    submission_timeout: float = 900.0
    memory_mb: int = sandbox.DEFAULT_MEMORY_MB
    exercises: list[str] = field(default_factory=list)
    hidden: bool = True
    hidden_visibility: str = "after_published"
    namespaces: str = "auto"
    forbid: list[str] | None = None
    progress: Callable[[int, int, str], None] | None = None
    insecure: bool = False
    ro_paths: list[str] = field(default_factory=list)


@dataclass
class GradeRow:
    """One student's line of the gradebook."""

    student: str
    total: float = 0
    max: float = 0
    per_exercise: dict[str, float] = field(default_factory=dict)
    status: str = "ok"
    reason: str = ""
    tests: list[dict] = field(default_factory=list)
    totals: dict[str, dict] = field(default_factory=dict)
    execution_time: float = 0.0


def default_forbid(course: Path) -> list[str]:
    """Library modules a submission may not import, decided from the reference solutions.

    If no solution imports ``jaxnm_course``, students need none of it, and the whole library
    (which holds reference implementations of several exercises) is blocked in the worker.
    If a solution imports any part of it, nothing is blocked: importing any submodule runs
    the package's ``__init__``, which exposes the rest. (A blocker is a deterrent, not a
    wall: the library is public and could be copied into a submission; see
    ``docs/instructor.md``.) Without ``solutions/`` (a Gradescope bundle), ``grading.json``
    holds the decision made when the bundle was built.

    Args:
        course: the course folder.

    Returns:
        ``["jaxnm_course"]`` or ``[]``.
    """
    cfg = course / "grading.json"
    if not (course / "solutions").is_dir() and cfg.is_file():
        return list(json.loads(cfg.read_text()).get("forbid", []))
    for p in sorted((course / "solutions").glob("*.py")):
        tree = ast.parse(p.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "jaxnm_course" or n.startswith("jaxnm_course.") for n in names):
                return []
    return ["jaxnm_course"]


def course_root() -> Path:
    """The course folder: the source checkout holding this package, else the cwd.

    Returns:
        A folder with ``exercises/`` (and, for instructors, ``hidden_tests/``).
    """
    import jaxnm_course

    root = Path(jaxnm_course.__file__).resolve().parents[1]
    if (root / "exercises").is_dir():
        return root
    return Path.cwd().resolve()


# -- staging ------------------------------------------------------------------------------
def _safe_member(name: str) -> PurePosixPath:
    if "\\" in name or "\x00" in name:
        raise SubmissionRejected(f"zip member {name!r} has a backslash or NUL in its name")
    p = PurePosixPath(name)
    if p.is_absolute() or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise SubmissionRejected(f"zip member {name!r} is an absolute path")
    if any(part == ".." for part in p.parts):
        raise SubmissionRejected(f"zip member {name!r} escapes the folder ('..')")
    return p


def extract_zip(
    path: str | os.PathLike, dest: str | os.PathLike, max_files: int = MAX_FILES, max_bytes=None
) -> None:
    """Extract a submission zip safely (everything is checked before anything is written).

    Refused: absolute paths, ``..``, backslashes, symbolic links and other special members,
    more than ``max_files`` files, more than ``max_bytes`` uncompressed bytes (declared or
    actual: a lying header is caught while reading).

    Args:
        path: the zip file.
        dest: an existing empty folder.
        max_files: most members.
        max_bytes: most uncompressed bytes in all (default :data:`MAX_BYTES`).

    Raises:
        SubmissionRejected: with the reason.
    """
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    dest = Path(dest)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as err:
        raise SubmissionRejected(f"not a readable zip file: {err}") from None
    with zf:
        infos = zf.infolist()
        files = [i for i in infos if not i.is_dir()]
        if len(files) > max_files:
            raise SubmissionRejected(f"zip holds {len(files)} files (limit {max_files})")
        declared = sum(i.file_size for i in files)
        if declared > max_bytes:
            raise SubmissionRejected(
                f"zip would expand to {declared} bytes (limit {max_bytes}): refused as a zip bomb"
            )
        for info in infos:
            _safe_member(info.filename)
            ftype = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip has no Unix modes
            if ftype and ftype not in (stat.S_IFREG, stat.S_IFDIR):
                raise SubmissionRejected(
                    f"zip member {info.filename!r} is a link or special file: refused"
                )
        try:
            _extract_members(zf, files, dest, max_bytes)
        except SubmissionRejected:
            raise
        except Exception as err:  # corrupt data, CRC mismatch, a lying header...
            raise SubmissionRejected(f"corrupt zip: {type(err).__name__}: {err}") from None


def _extract_members(zf: zipfile.ZipFile, files: list, dest: Path, max_bytes: int) -> None:
    total = 0
    for info in files:
        rel = _safe_member(info.filename)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue  # __MACOSX, .DS_Store, caches
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            while True:
                chunk = src.read(1 << 16)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise SubmissionRejected(
                        f"zip expands past {max_bytes} bytes: refused as a zip bomb"
                    )
                out.write(chunk)


def _descend(folder: Path) -> Path:
    """A zip or folder holding one sub-folder and no exercise files: use the sub-folder."""
    for _ in range(3):
        entries = [p for p in folder.iterdir() if not p.name.startswith((".", "__"))]
        if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
            folder = entries[0]
        else:
            break
    return folder


def stage(entry: Path, dest: Path) -> Path:
    """Copy (folder) or extract (zip) one submission into ``dest``; return its module folder.

    Raises:
        SubmissionRejected: when it cannot be staged.
    """
    dest.mkdir(parents=True)
    if entry.is_symlink():
        raise SubmissionRejected("the submission is a symbolic link")
    if entry.is_dir():
        try:
            remote.copy_submission(entry, dest)
        except ValueError as err:
            raise SubmissionRejected(str(err)) from None
    elif entry.suffix.lower() == ".zip":
        extract_zip(entry, dest)
    else:
        raise SubmissionRejected(f"{entry.name} is neither a folder nor a .zip")
    return _descend(dest)


def _student_name(entry: Path, taken: set[str]) -> str:
    name = entry.name[:-4] if entry.name.lower().endswith(".zip") else entry.name
    name = re.sub(r"[^A-Za-z0-9._@+-]", "_", name).strip(".") or "student"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


# -- one submission -------------------------------------------------------------------------
def test_files(opts: Options) -> list[Path]:
    """The visible and hidden test files of the selected exercise sets."""
    files = []
    folders = [opts.course / "exercises"] + ([opts.course / "hidden_tests"] if opts.hidden else [])
    for folder in folders:
        if not folder.is_dir():
            continue
        for p in sorted(folder.glob("test_ex*.py")):
            m = _TEST_FILE.match(p.name)
            if m and (not opts.exercises or m.group(1) in opts.exercises):
                files.append(p)
    return files


def _kill_recorded(pidfile: Path) -> None:
    """Kill every worker process group recorded in ``pidfile`` and wait until it is gone."""
    if not pidfile.is_file():
        return
    pids = [int(x) for x in pidfile.read_text().split() if x.isdigit()]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except (ProcessLookupError, PermissionError):
                break
            time.sleep(0.05)


def _validate_results(data: Any) -> tuple[list[dict], dict[str, dict]]:
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise ValueError("results JSON without a tests list")
    tests = []
    for t in data["tests"]:
        if not isinstance(t, dict):
            raise ValueError("malformed test record")
        tests.append(
            {
                "nodeid": str(t.get("nodeid", "")),
                "exercise": str(t.get("exercise", "")),
                "title": str(t.get("title", "")),
                "name": str(t.get("name", "")),
                "points": float(t.get("points", 0)),
                "max_points": float(t.get("max_points", 0)),
                "outcome": str(t.get("outcome", "error")),
                "visibility": "hidden" if t.get("visibility") == "hidden" else "visible",
                "message": str(t.get("message", ""))[:2000],
            }
        )
    for t in tests:
        # The plugin names worker time-outs and crashes (``grading_outcome``); anything but
        # a pass earns nothing, whatever the points field says.
        if t["outcome"] != "passed":
            t["points"] = 0.0
    totals: dict[str, dict] = {}
    for t in tests:
        e = totals.setdefault(
            t["exercise"], {"points": 0.0, "max_points": 0.0, "title": t["title"]}
        )
        e["points"] += t["points"]
        e["max_points"] += t["max_points"]
    return tests, totals


def grade_one(submission: Path, student: str, opts: Options, work: Path) -> GradeRow:
    """Grade one staged submission folder (the trusted side; see the module docstring).

    Args:
        submission: the staged folder holding ``exNN_*.py``.
        student: the student's name (for the row).
        opts: the run's options.
        work: a private folder of the trusted side for this submission.

    Returns:
        The row (tests and totals filled in; status and reason set).
    """
    row = GradeRow(student)
    t0 = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    results = work / "results.json"
    pidfile = work / "workers.pid"
    wtmp = Path(tempfile.mkdtemp(prefix="jaxnm-workers-"))
    cfg = {
        "submission": str(submission),
        "call_timeout": opts.call_timeout,
        "submission_timeout": opts.submission_timeout,
        "memory_mb": opts.memory_mb,
        "hide": [str(work.parent.parent), *opts_hide(opts)],
        "forbid": opts.forbid if opts.forbid is not None else default_forbid(opts.course),
        "pidfile": str(pidfile),
        "namespaces": opts.namespaces,
        "tmp_root": str(wtmp),
        "insecure": opts.insecure,
        "ro_paths": list(opts.ro_paths),
    }
    env = dict(os.environ)
    env.update(
        {
            remote.ENV: json.dumps(cfg),
            "JAXNM_HYPOTHESIS_PROFILE": "grading",
            # The trusted side's compiled programs, shared by this batch's pytest processes
            # only (in the private batch folder, hidden from workers): compiled once per
            # batch instead of once per submission.
            "JAXNM_JAX_CACHE": str(work.parent.parent / "jax-cache"),
            "JAX_PLATFORMS": env.get("JAX_PLATFORMS", "cpu"),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    files = test_files(opts)
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        *map(str, files),
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(opts.course),
        "--target",
        str(submission),
        "--results-json",
        str(results),
        "--color=no",
    ]
    hard = 1.5 * opts.submission_timeout + 120
    log = work / "pytest.log"
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                cmd,
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                proc.wait(timeout=hard)
                timed_out = False
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                timed_out = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        _kill_recorded(pidfile)  # every worker is gone before any result is read
        shutil.rmtree(wtmp, ignore_errors=True)
        row.execution_time = time.monotonic() - t0
        if timed_out:
            row.status = "error"
            row.reason = f"grading exceeded the hard time limit ({hard:.0f} s)"
            return row
        try:
            row.tests, row.totals = _validate_results(json.loads(results.read_text("utf-8")))
        except (OSError, ValueError) as err:
            tail = log.read_text("utf-8", "replace")[-1500:] if log.is_file() else ""
            row.status = "error"
            row.reason = f"the test session did not produce results ({err}); pytest said: {tail}"
            return row
    finally:
        shutil.rmtree(wtmp, ignore_errors=True)
    _summarise(row)
    return row


def opts_hide(opts: Options) -> list[str]:
    """Extra folders to hide from workers (set by :func:`grade_all`)."""
    return list(getattr(opts, "_hide", []))


def _summarise(row: GradeRow) -> None:
    row.total = sum(t["points"] for t in row.tests)
    row.max = sum(t["max_points"] for t in row.tests)
    row.per_exercise = {ex: t["points"] for ex, t in sorted(row.totals.items())}
    if not row.tests:
        row.status, row.reason = "error", "no tests ran"
        return
    if all(t["outcome"] == "not_attempted" for t in row.tests):
        row.status, row.reason = "not_attempted", "no exercise attempted (all stubs)"
        return
    if row.total == 0:
        bad = next((t for t in row.tests if t["outcome"] != "not_attempted"), row.tests[0])
        first = bad["message"].splitlines()[0] if bad["message"] else bad["outcome"]
        row.reason = f"no test passed; first problem ({bad['name']}): {first}"[:300]


# -- outputs ----------------------------------------------------------------------------------
def gradescope_results(row: GradeRow, hidden_visibility: str = "after_published") -> dict:
    """The Gradescope ``results.json`` of one row.

    Args:
        row: the graded row.
        hidden_visibility: visibility of hidden tests (``"hidden"``, ``"after_due_date"``,
            ``"after_published"``).

    Returns:
        A dict in Gradescope's autograder results format.
    """
    tests = []
    for t in row.tests:
        status = "passed" if t["outcome"] == "passed" else "failed"
        out = t["outcome"].replace("_", " ")
        if t["message"]:
            out += ": " + t["message"]
        tests.append(
            {
                "name": f"{t['exercise']} {t['title']}: {t['name']}",
                "score": t["points"],
                "max_score": t["max_points"],
                "status": status,
                "output": out,
                "visibility": hidden_visibility if t["visibility"] == "hidden" else "visible",
            }
        )
    summary = f"{row.total:g}/{row.max:g} points; status {row.status}"
    if row.reason:
        summary += f": {row.reason}"
    return {
        "score": row.total,
        "max_score": row.max,
        "execution_time": round(row.execution_time, 1),
        "output": summary,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def feedback_text(row: GradeRow) -> str:
    """A readable per-student report (visible and hidden tests, points, messages)."""
    lines = [f"Student: {row.student}", f"Total: {row.total:g}/{row.max:g} ({row.status})"]
    if row.reason:
        lines.append(f"Note: {row.reason}")
    for ex, t in sorted(row.totals.items()):
        lines.append("")
        lines.append(f"{ex} {t['title']}: {t['points']:g}/{t['max_points']:g}")
        for r in (r for r in row.tests if r["exercise"] == ex):
            mark = {"passed": "ok", "not_attempted": "--"}.get(r["outcome"], "XX")
            tag = " [hidden]" if r["visibility"] == "hidden" else ""
            lines.append(
                f"  [{mark}] {r['name']}{tag}: {r['points']:g}/{r['max_points']:g} {r['outcome']}"
            )
            if r["outcome"] != "passed" and r["message"]:
                msg = r["message"] if r["visibility"] == "visible" else r["message"][:300]
                lines.extend("        " + m for m in msg.splitlines()[:12])
    return "\n".join(lines) + "\n"


def write_outputs(rows: list[GradeRow], out: Path, opts: Options) -> None:
    """Write ``grades.csv`` and each student's ``results.json`` and ``feedback.txt``."""
    out.mkdir(parents=True, exist_ok=True)
    exercises = sorted({ex for r in rows for ex in r.totals} | set(opts.exercises))
    maxima: dict[str, float] = {}
    for r in rows:
        for ex, t in r.totals.items():
            maxima[ex] = max(maxima.get(ex, 0.0), t["max_points"])
    full = sum(maxima.values())
    for r in rows:
        d = out / r.student
        d.mkdir(parents=True, exist_ok=True)
        if not r.max:
            r.max = full
        (d / "results.json").write_text(
            json.dumps(gradescope_results(r, opts.hidden_visibility), indent=1) + "\n", "utf-8"
        )
        (d / "feedback.txt").write_text(feedback_text(r), "utf-8")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student", "total", "max", *exercises, "status", "reason"])
    for r in sorted(rows, key=lambda r: r.student):
        w.writerow(
            [r.student, f"{r.total:g}", f"{r.max:g}"]
            + [f"{r.per_exercise.get(ex, 0):g}" for ex in exercises]
            + [r.status, r.reason.replace("\n", " ")[:300]]
        )
    (out / "grades.csv").write_text(buf.getvalue(), "utf-8")


# -- many submissions --------------------------------------------------------------------------
def grade_all(submissions: Path, out: Path, opts: Options) -> list[GradeRow]:
    """Grade every entry of ``submissions`` (folders and ``.zip`` files) into ``out``.

    Args:
        submissions: the folder with one entry per student.
        out: the output folder (created).
        opts: the run's options.

    Returns:
        One row per entry, in name order.
    """
    submissions = Path(submissions).resolve()
    entries = sorted(
        p
        for p in submissions.iterdir()
        if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() == ".zip")
    )
    taken: set[str] = set()
    jobs = [(_student_name(e, taken), e) for e in entries]
    return grade_entries(jobs, out, opts, hide=[submissions])


def grade_entries(
    jobs: list[tuple[str, Path]], out: Path, opts: Options, hide: list[Path] | None = None
) -> list[GradeRow]:
    """Grade the given (student, folder or zip) pairs into ``out`` (see :func:`grade_all`).

    Args:
        jobs: the students' names (unique, safe as folder names) and entries.
        out: the output folder (created).
        opts: the run's options.
        hide: more folders the workers must not see.

    Returns:
        One row per job, in the order given.
    """
    confined = sandbox.require_confinement(opts.insecure, opts.namespaces != "off", "grade")
    out = Path(out).resolve()
    batch = Path(tempfile.mkdtemp(prefix="jaxnm-grade-"))
    os.chmod(batch, 0o700)
    extra = [str(Path(h).resolve()) for h in (hide or [])]
    opts._hide = [*extra, str(out), str(batch)]  # type: ignore[attr-defined]
    rows: dict[str, GradeRow] = {}
    done = 0

    def run(job: tuple[str, Path]) -> GradeRow:
        student, entry = job
        try:
            folder = stage(entry, batch / "staged" / student)
        except SubmissionRejected as err:
            return GradeRow(student, status="rejected", reason=str(err))
        except Exception as err:
            return GradeRow(student, status="rejected", reason=f"cannot read: {err}")
        try:
            return grade_one(folder, student, opts, batch / "run" / student)
        except Exception as err:  # the grader's own failure: still a row
            return GradeRow(student, status="error", reason=f"{type(err).__name__}: {err}")

    out.mkdir(parents=True, exist_ok=True)
    try:
        with ThreadPoolExecutor(max_workers=max(1, int(opts.workers))) as pool:
            futures = [pool.submit(run, job) for job in jobs]
            for fut in as_completed(futures):
                row = fut.result()
                rows[row.student] = row
                done += 1
                if opts.progress:
                    opts.progress(done, len(jobs), row.student)
    finally:
        shutil.rmtree(batch, ignore_errors=True)
    result = [rows[s] for s, _ in jobs]
    if not confined:  # results.json output, feedback and grades.csv all say so
        for r in result:
            r.reason = (
                f"{sandbox.INSECURE_NOTE}; {r.reason}" if r.reason else sandbox.INSECURE_NOTE
            )
    write_outputs(result, out, opts)
    return result
