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
from jaxnm_course.grading import late, outputs, results, sandbox
from jaxnm_course.grading.config import ENV, GradingConfig
from jaxnm_course.grading.course import default_forbid
from jaxnm_course.grading.discover import canvas_groups
from jaxnm_course.grading.errors import SubmissionRejected
from jaxnm_course.grading.outputs import write_outputs
from jaxnm_course.grading.results import StudentRow, gradescope_results
from jaxnm_course.grading.staging import MAX_BYTES, MAX_FILES, Staged, extract_zip, stage

__all__ = [
    "MAX_BYTES",
    "MAX_FILES",
    "GradeRow",
    "GradingConfig",
    "StudentRow",
    "SubmissionRejected",
    "default_forbid",
    "extract_zip",
    "grade_all",
    "grade_entries",
    "grade_one",
    "gradescope_results",
    "resolve",
    "stage",
    "submission_jobs",
    "write_outputs",
]

#: Earlier names of :class:`GradingConfig` and :class:`StudentRow`.
Options = GradingConfig
GradeRow = StudentRow
#: Progress callback: (done, total, student).
Progress = Callable[[int, int, str], None]


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
    course = Path(config.course or _course.default_location()).resolve()
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
#: Files of an LMS export that belong to no student (not given a row).
METADATA = ("submission_metadata.yml", "submission_metadata.json")
#: A submission: a folder, a ``.zip``, a loose file (invalid) or a Canvas student's files.
Entry = Path | tuple[Path, ...]


def _submission_name(entry: Path) -> str:
    """The student's name: the entry's name as given, without a ``.zip`` suffix."""
    return entry.name[:-4] if entry.name.lower().endswith(".zip") else entry.name


def submission_jobs(submissions: Path) -> list[tuple[str, Entry]]:
    """One (student, entry) per entry of the submissions folder, in name order.

    Folders and ``.zip`` files are submissions; Canvas's renamed loose files
    (``name_123_456_ex01_x.py``) are grouped into one submission per student; any other
    loose file is an entry too (graded as ``invalid_submission``, with the reason).
    Dot files and an LMS's metadata files (:data:`METADATA`) are not submissions.
    """
    entries = sorted(p for p in Path(submissions).iterdir() if not p.name.startswith("."))
    loose = [p for p in entries if not p.is_dir() and p.suffix.lower() != ".zip"]
    groups = canvas_groups(p.name for p in loose if p.name not in METADATA)
    in_group = {n for names in groups.values() for n in names}
    jobs: list[tuple[str, Entry]] = []
    for e in entries:
        if e.name in in_group or e.name in METADATA:
            continue
        jobs.append((_submission_name(e), e))
    for student, names in groups.items():
        jobs.append((student, tuple(Path(submissions) / n for n in names)))
    return sorted(jobs, key=lambda j: j[0])


def grade_all(
    submissions: Path,
    out: Path,
    config: GradingConfig,
    progress: Progress | None = None,
    students: tuple[str, ...] = (),
) -> list[StudentRow]:
    """Grade every entry of ``submissions`` into ``out`` (see :func:`submission_jobs`).

    Args:
        submissions: the folder with one entry per student.
        out: the output folder (created).
        config: the run's configuration.
        progress: called with (done, total, student) after each submission.
        students: regrade only these submissions (their names as in the folder) into an
            existing ``out``; every other row is read back from its record unchanged.

    Returns:
        One row per entry, in name order.

    Raises:
        ValueError: a name of ``students`` that is not in the folder, or a row with no
            earlier record in ``out``.
    """
    submissions = Path(submissions).resolve()
    jobs = submission_jobs(submissions)
    times = {}
    if config.submission_times is not None:
        times = late.read_times(config.submission_times)
    return grade_entries(
        jobs, out, config, hide=[submissions], progress=progress, only=students, times=times
    )


def _missing(staged: Staged, expected: list[str]) -> str:
    found = ", ".join(staged.ignored[:12]) if staged.ignored else "nothing"
    return f"none of the course's files ({', '.join(expected)}) was found; found: {found}"


def _grade_job(
    student: str, folder: str, entry: Entry, config: GradingConfig, batch: Path, expected
) -> StudentRow:
    if isinstance(entry, Path) and entry.is_file() and entry.suffix.lower() != ".zip":
        reason = (
            f"a loose file ({entry.name[:80]}), not a folder or a .zip: put each student's "
            "files in a folder of their own"
        )
        return StudentRow(student, folder, status="invalid_submission", reason=reason)
    try:
        staged = stage(
            list(entry) if isinstance(entry, tuple) else entry, batch / "staged" / folder, expected
        )
    except SubmissionRejected as err:
        return StudentRow(student, folder, status="rejected", reason=str(err))
    except Exception as err:
        return StudentRow(student, folder, status="rejected", reason=f"cannot read: {err}")
    if not any(staged.folder.iterdir()):
        row = StudentRow(student, folder, status="missing_files")
        row.reason = _missing(staged, list(expected))
    else:
        try:
            row = grade_one(staged.folder, student, config, batch / "run" / folder)
        except Exception as err:  # the grader's own failure: still a row
            row = StudentRow(student, status="error", reason=f"{type(err).__name__}: {err}")
    row.folder, row.ignored, row.notes = folder, staged.ignored, staged.notes
    return row


def _earlier(out: Path, folder: str) -> StudentRow:
    record = out / "instructor" / f"{folder}.json"
    try:
        return results.row_from_record(json.loads(record.read_text("utf-8")))
    except (OSError, ValueError) as err:
        raise ValueError(
            f"regrade: no earlier result for {folder} in {out} ({err}); grade the whole "
            "folder first"
        ) from None


def grade_entries(
    jobs: list[tuple[str, Entry]],
    out: Path,
    config: GradingConfig,
    hide: list[Path] | None = None,
    progress: Progress | None = None,
    only: tuple[str, ...] = (),
    times: dict[str, str] | None = None,
    due: str = "",
) -> list[StudentRow]:
    """Grade the given (student, entry) pairs into ``out`` (see :func:`grade_all`).

    Args:
        jobs: the students' names (any text; folders are made safe and unique) and entries.
        out: the output folder (created).
        config: the run's configuration.
        hide: more folders the workers must not see.
        progress: called with (done, total, student) after each submission.
        only: grade only these students; the other rows come from ``out``'s records.
        times: submission times by student (ISO 8601), for the late policy.
        due: the due date when ``config.due`` is empty (Gradescope's metadata).

    Returns:
        One row per job, in the order given.
    """
    out = Path(out).resolve()
    config = resolve(config)  # before any thread starts: no shared work across threads
    confined = sandbox.require_confinement(config.insecure, config.namespaces != "off", "grade")
    folders = outputs.folder_names(student for student, _ in jobs)
    unknown = sorted(set(only) - {student for student, _ in jobs})
    if unknown:
        raise ValueError(f"regrade: {', '.join(unknown)} not among the submissions")
    rows: dict[int, StudentRow] = {}
    todo = []
    for i, ((student, entry), folder) in enumerate(zip(jobs, folders, strict=True)):
        if only and student not in only:
            rows[i] = _earlier(out, folder)
        else:
            todo.append((i, student, folder, entry))
    expected = [s.filename for s in _course.load(config.course).sets]
    batch = Path(tempfile.mkdtemp(prefix="jaxnm-grade-"))
    os.chmod(batch, 0o700)
    extra = [str(Path(h).resolve()) for h in (hide or [])]
    config = config.replace(hide=(*config.hide, *extra, str(out), str(batch)))
    out.mkdir(parents=True, exist_ok=True)
    try:
        with ThreadPoolExecutor(max_workers=max(1, int(config.workers))) as pool:
            futures = {
                pool.submit(_grade_job, student, folder, entry, config, batch, expected): i
                for i, student, folder, entry in todo
            }
            for done, fut in enumerate(as_completed(futures), start=1):
                i = futures[fut]
                rows[i] = fut.result()
                if progress:
                    progress(done, len(todo), rows[i].student)
    finally:
        shutil.rmtree(batch, ignore_errors=True)
    graded = {i for i, *_ in todo}
    how = sandbox.confinement().describe() if confined else "none (--insecure)"
    for i in graded:
        r = rows[i]
        if not confined:  # results.json, feedback, grades.csv and the record all say so
            r.insecure = True
        r.sandbox = how
        r.submitted = (times or {}).get(r.student, r.submitted)
        late.apply(r, config, due)
    result = [rows[i] for i in range(len(jobs))]
    write_outputs(result, out, config, write={rows[i].folder for i in graded})
    return result
