"""Batch grading: many submissions, each graded by the trusted harness against its own worker.

For each submission (a folder, or a ``.zip`` of one) the trusted side

1. stages it (:mod:`~jaxnm_course.grading.staging`): only regular files named ``exNN_*.py``
   are copied into a private folder; everything else is listed as ignored;
2. writes the submission's :class:`~jaxnm_course.grading.config.GradingConfig` (the staged
   folder, limits, what to hide from the worker) to a private file and runs ``pytest`` on the
   course's visible tests (``exercises/test_exNN_*.py``) and hidden tests
   (``hidden_tests/test_exNN_*.py``) only: the plugin loaded explicitly (``-p``), rootdir,
   inifile and confcutdir set to the course (no conftest but the course's is ever loaded),
   the ``grading`` Hypothesis profile and ``--results-json``. No student path is on pytest's
   command line: the configuration file, named by ``JAXNM_GRADE_REMOTE``, tells the trusted
   process where the staged folder is, and every call of the student's code goes to an
   isolated worker (:mod:`jaxnm_course.grading.remote`);
3. after pytest has exited, kills every worker process group it started and waits until they
   are gone; only then reads the results (:mod:`~jaxnm_course.grading.results`).

When every submission is done, :func:`~jaxnm_course.grading.outputs.write_outputs` writes
``OUT/grades.csv`` and ``OUT/students/<folder>/`` (``results.json``, ``feedback.txt``).
Every submission gets a row. Work shared by all submissions (the ``--forbid auto`` decision,
which parses the solutions) is done once, before the grading threads start.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from jaxnm_course.grading import course as _course
from jaxnm_course.grading import outputs, results, sandbox
from jaxnm_course.grading.config import ENV, GradingConfig
from jaxnm_course.grading.errors import SubmissionRejected
from jaxnm_course.grading.outputs import write_outputs
from jaxnm_course.grading.results import StudentRow, gradescope_results
from jaxnm_course.grading.staging import MAX_BYTES, MAX_FILES, extract_zip, stage

__all__ = [
    "MAX_BYTES",
    "MAX_FILES",
    "GradeRow",
    "GradingConfig",
    "StudentRow",
    "SubmissionRejected",
    "course_root",
    "default_forbid",
    "extract_zip",
    "grade_all",
    "grade_entries",
    "grade_one",
    "gradescope_results",
    "resolve",
    "stage",
    "write_outputs",
]

#: Earlier names of :class:`GradingConfig` and :class:`StudentRow`.
Options = GradingConfig
GradeRow = StudentRow
#: Progress callback: (done, total, student).
Progress = Callable[[int, int, str], None]


def default_forbid(course: Path) -> list[str]:
    """Modules a submission may not import, decided from the reference solutions.

    If no solution imports ``jaxnm_course``, students need none of it, and the whole library
    (which holds reference implementations of several exercises) is blocked in the worker.
    If a solution imports any part of it, the library is not blocked: importing any
    submodule runs the package's ``__init__``, which exposes the rest. The course's support
    package (declared in its ``course.toml``: trusted references of the tests) is always
    blocked. (A blocker is a deterrent, not a wall: the library is public and could be
    copied into a submission; see ``docs/instructor.md``.) Without ``solutions/`` (a
    Gradescope bundle), ``grading.json`` holds the decision made when the bundle was built.

    Args:
        course: the course folder.

    Returns:
        ``["jaxnm_course"]`` or ``[]``, followed by the support package if there is one.
    """
    cfg = course / "grading.json"
    if not (course / "solutions").is_dir() and cfg.is_file():
        return list(json.loads(cfg.read_text()).get("forbid", []))
    try:
        support = [_course.load(course).support_package]
    except FileNotFoundError:
        support = []
    support = [p for p in support if p]
    for p in sorted((course / "solutions").glob("*.py")):
        tree = ast.parse(p.read_text("utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "jaxnm_course" or n.startswith("jaxnm_course.") for n in names):
                return support
    return ["jaxnm_course", *support]


def course_root() -> Path:
    """The default course folder: this source checkout when it holds a course, else the cwd.

    Returns:
        A folder holding ``exercises/course.toml`` (see :mod:`jaxnm_course.grading.course`).
    """
    return _course.default_location()


def test_files(opts: GradingConfig) -> list[Path]:
    """The visible and hidden test files (``test_<module>.py``) of the selected sets.

    The sets and folders are those of the course's declaration (``exercises/course.toml``);
    ``opts.exercises`` selects set ids (ValueError for one the course does not declare).
    """
    decl = _course.load(opts.course)
    unknown = sorted(set(opts.exercises) - set(decl.ids))
    if unknown:
        raise ValueError(
            f"unknown exercise sets {', '.join(unknown)}; {decl.name} has {', '.join(decl.ids)}"
        )
    files = []
    folders = [decl.exercises] + ([decl.hidden_tests] if opts.hidden else [])
    for folder in folders:
        for s in decl.sets:
            p = folder / s.test_filename
            if p.is_file() and (not opts.exercises or s.id in opts.exercises):
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


def resolve(config: GradingConfig) -> GradingConfig:
    """The configuration with its course folder and forbid list decided (once per batch).

    ``forbid=None`` means :func:`default_forbid`, which parses the solutions: done here,
    in one thread, before any grading thread starts (``ast`` is not safe to run in many
    threads at once on every CPython version).
    """
    course = Path(config.course or course_root()).resolve()
    forbid = config.forbid if config.forbid is not None else tuple(default_forbid(course))
    return config.replace(course=course, forbid=forbid)


def _pytest_command(config: GradingConfig, work: Path, results_path: Path) -> list[str]:
    """The trusted pytest command: course paths only, the course's configuration only."""
    course = config.course
    assert course is not None
    inifile = course / "pyproject.toml"
    if not inifile.is_file():
        inifile = work / "pytest.ini"
        inifile.write_text("[pytest]\n", "utf-8")
    return [
        sys.executable,
        "-m",
        "pytest",
        *map(str, test_files(config)),
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "jaxnm_course.grading.plugin",
        "--rootdir",
        str(course),
        "-c",
        str(inifile),
        "--confcutdir",
        str(course),
        "--course",
        str(course),
        "--results-json",
        str(results_path),
        "--color=no",
    ]


def grade_one(submission: Path, student: str, config: GradingConfig, work: Path) -> StudentRow:
    """Grade one staged submission folder (the trusted side; see the module docstring).

    Args:
        submission: the staged folder holding ``exNN_*.py``.
        student: the student's name (for the row).
        config: the run's configuration (as returned by :func:`resolve`).
        work: a private folder of the trusted side for this submission.

    Returns:
        The row (tests filled in; status and reason set).
    """
    config = resolve(config)
    row = StudentRow(student)
    t0 = time.monotonic()
    work.mkdir(parents=True, exist_ok=True)
    results_path = work / "results.json"
    pidfile = work / "workers.pid"
    wtmp = Path(tempfile.mkdtemp(prefix="jaxnm-workers-"))
    mine = config.replace(
        submission=submission,
        hide=(str(work.parent.parent), *config.hide),
        pidfile=str(pidfile),
        tmp_root=str(wtmp),
    )
    cfg_path = work / "grading.json"
    cfg_path.write_text(mine.to_json(), "utf-8")
    env = dict(os.environ)
    env.update(
        {
            ENV: str(cfg_path),
            "JAXNM_HYPOTHESIS_PROFILE": mine.profile,
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
    cmd = _pytest_command(mine, work, results_path)
    hard = 1.5 * config.submission_timeout + 120
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
            row.tests = results.read_session_json(json.loads(results_path.read_text("utf-8")))
        except (OSError, ValueError, TypeError) as err:
            tail = log.read_text("utf-8", "replace")[-1500:] if log.is_file() else ""
            row.status = "error"
            # pytest's log can name hidden tests: it goes to the instructor's record only.
            row.reason = "the test session did not produce results (see the instructor record)"
            row.detail = f"{type(err).__name__}: {err}; pytest said: {tail}"
            return row
    finally:
        shutil.rmtree(wtmp, ignore_errors=True)
    return results.summarise(row)


# -- many submissions --------------------------------------------------------------------------
def _submission_name(entry: Path) -> str:
    """The student's name: the entry's name as given, without a ``.zip`` suffix."""
    return entry.name[:-4] if entry.name.lower().endswith(".zip") else entry.name


def grade_all(
    submissions: Path, out: Path, config: GradingConfig, progress: Progress | None = None
) -> list[StudentRow]:
    """Grade every entry of ``submissions`` (folders and ``.zip`` files) into ``out``.

    Args:
        submissions: the folder with one entry per student.
        out: the output folder (created).
        config: the run's configuration.
        progress: called with (done, total, student) after each submission.

    Returns:
        One row per entry, in name order.
    """
    submissions = Path(submissions).resolve()
    entries = sorted(
        p
        for p in submissions.iterdir()
        if not p.name.startswith(".") and (p.is_dir() or p.suffix.lower() == ".zip")
    )
    jobs = [(_submission_name(e), e) for e in entries]
    return grade_entries(jobs, out, config, hide=[submissions], progress=progress)


def _grade_job(
    student: str, folder: str, entry: Path, config: GradingConfig, batch: Path
) -> StudentRow:
    try:
        staged = stage(entry, batch / "staged" / folder)
    except SubmissionRejected as err:
        return StudentRow(student, folder, status="rejected", reason=str(err))
    except Exception as err:
        return StudentRow(student, folder, status="rejected", reason=f"cannot read: {err}")
    try:
        row = grade_one(staged.folder, student, config, batch / "run" / folder)
    except Exception as err:  # the grader's own failure: still a row
        row = StudentRow(student, status="error", reason=f"{type(err).__name__}: {err}")
    row.folder, row.ignored = folder, staged.ignored
    return row


def grade_entries(
    jobs: list[tuple[str, Path]],
    out: Path,
    config: GradingConfig,
    hide: list[Path] | None = None,
    progress: Progress | None = None,
) -> list[StudentRow]:
    """Grade the given (student, folder or zip) pairs into ``out`` (see :func:`grade_all`).

    Args:
        jobs: the students' names (any text; folders are made safe and unique) and entries.
        out: the output folder (created).
        config: the run's configuration.
        hide: more folders the workers must not see.
        progress: called with (done, total, student) after each submission.

    Returns:
        One row per job, in the order given.
    """
    out = Path(out).resolve()
    config = resolve(config)  # before any thread starts: no shared work across threads
    confined = sandbox.require_confinement(config.insecure, config.namespaces != "off", "grade")
    folders = outputs.folder_names(student for student, _ in jobs)
    batch = Path(tempfile.mkdtemp(prefix="jaxnm-grade-"))
    os.chmod(batch, 0o700)
    extra = [str(Path(h).resolve()) for h in (hide or [])]
    config = config.replace(hide=(*config.hide, *extra, str(out), str(batch)))
    rows: dict[int, StudentRow] = {}
    out.mkdir(parents=True, exist_ok=True)
    try:
        with ThreadPoolExecutor(max_workers=max(1, int(config.workers))) as pool:
            futures = {
                pool.submit(_grade_job, student, folder, entry, config, batch): i
                for i, ((student, entry), folder) in enumerate(zip(jobs, folders, strict=True))
            }
            for fut in as_completed(futures):
                i = futures[fut]
                rows[i] = fut.result()
                if progress:
                    progress(len(rows), len(jobs), rows[i].student)
    finally:
        shutil.rmtree(batch, ignore_errors=True)
    result = [rows[i] for i in range(len(jobs))]
    if not confined:  # results.json, feedback, grades.csv and the record all say so
        for r in result:
            r.insecure = True
    write_outputs(result, out, config)
    return result
