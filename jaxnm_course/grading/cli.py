"""The instructor's command line, ``jaxnm-grade`` (see the instructor guide, docs/instructor.md).

::

    jaxnm-grade check                       # grade solutions/: exit 1 unless full marks
    jaxnm-grade release OUT                 # the student release (no solutions, no hidden tests)
    jaxnm-grade grade SUBMISSIONS --out OUT # batch grading into OUT/grades.csv and per student
    jaxnm-grade grade SUBMISSIONS --out OUT --students bob   # regrade bob only
    jaxnm-grade gradescope OUT.zip          # a Gradescope autograder bundle
    jaxnm-grade gradescope --test SUBMISSION   # run the bundle as Gradescope would
    jaxnm-grade new-set ex12 my_topic "Title"   # scaffold a new exercise set

Every command takes ``--course PATH`` (a course folder, its ``exercises/`` folder or its
``course.toml``; default: this checkout's course), whose declaration lists the sets.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from jaxnm_course.grading import batch, gradescope, release, sandbox, scaffold
from jaxnm_course.grading import course as _course

__all__ = ["main"]


def _progress_bar(stream):
    if not stream.isatty():
        return None

    def show(done: int, total: int, student: str) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "." * (width - filled)
        stream.write(f"\r[{bar}] {done}/{total} {student[:30]:<30}")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def _add_limits(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="submissions graded in parallel (default: the core count)",
    )
    p.add_argument(
        "--call-timeout",
        type=float,
        default=60.0,
        help="wall-clock limit of one call of student code, s (default 60)",
    )
    p.add_argument(
        "--submission-timeout",
        type=float,
        default=900.0,
        help="time budget of one submission's calls, s (default 900)",
    )
    p.add_argument(
        "--memory",
        type=int,
        default=sandbox.DEFAULT_MEMORY_MB,
        help=f"address-space limit of a worker, MiB (default {sandbox.DEFAULT_MEMORY_MB}; "
        "importing JAX needs ~1700)",
    )
    p.add_argument(
        "--only",
        default="",
        help="comma-separated exercise sets to grade (e.g. ex01,ex02; default: all)",
    )
    _add_course(p)
    p.add_argument(
        "--forbid",
        default="auto",
        help="modules submissions may not import: auto (the library, unless a solution "
        "imports it), none, or a comma-separated list",
    )
    p.add_argument(
        "--no-namespaces",
        action="store_true",
        help="do not use the kernel sandbox (then --insecure is required too)",
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="grade even where the kernel sandbox (bubblewrap, user namespaces) cannot be set "
        "up; every output then says the run was insecure",
    )


def _add_course(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--course",
        type=Path,
        default=None,
        help="the course: its folder, its exercises/ folder or its course.toml "
        "(default: this checkout's course)",
    )


class _UsageError(Exception):
    """A wrong command line: main prints it and returns 2."""


def _course_of(args: argparse.Namespace) -> _course.Course:
    """The declared course of ``--course`` (or the default)."""
    try:
        return _course.load(args.course if args.course is not None else _course.default_location())
    except (OSError, ValueError, TypeError) as err:
        raise _UsageError(str(err)) from None


def _late_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--due", default="", help="due date, ISO 8601 (e.g. 2026-03-01T23:59+01:00)")
    p.add_argument(
        "--grace-minutes", type=float, default=0.0, help="minutes after --due not counted late"
    )
    p.add_argument(
        "--penalty-per-day",
        type=float,
        default=0.0,
        help="fraction of the points taken off per started day late (e.g. 0.1)",
    )


def _grade_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--students",
        default="",
        help="regrade only these submissions (comma-separated names as in SUBMISSIONS) into "
        "an existing --out; the other rows are kept as they are",
    )
    p.add_argument("--roster", type=Path, default=None, help="roster CSV: grades_canvas.csv")
    p.add_argument(
        "--assignment", default="Exercises", help="assignment column of grades_canvas.csv"
    )
    _late_options(p)
    p.add_argument(
        "--submission-times",
        type=Path,
        default=None,
        help="CSV with columns submission,submitted_at (ISO 8601) for the late policy",
    )


def _options(args: argparse.Namespace) -> batch.GradingConfig:
    decl = _course_of(args)
    only = [e.strip() for e in args.only.split(",") if e.strip()]
    unknown = [e for e in only if e not in decl.ids]
    if unknown:
        raise _UsageError(
            f"--only {','.join(unknown)}: not a set of {decl.name} (sets: {', '.join(decl.ids)})"
        )
    return batch.GradingConfig(
        course=decl.root,
        workers=args.workers,
        call_timeout=args.call_timeout,
        submission_timeout=args.submission_timeout,
        memory_mb=args.memory,
        exercises=tuple(only),
        namespaces="off" if args.no_namespaces else "auto",
        forbid=None
        if args.forbid == "auto"
        else ()
        if args.forbid == "none"
        else tuple(m.strip() for m in args.forbid.split(",")),
        insecure=args.insecure,
        **_late(args),
    )


def _late(args: argparse.Namespace) -> dict:
    """The late policy and roster of ``grade`` (nothing for other commands)."""
    if args.command != "grade":
        return {}
    return {
        "due": args.due,
        "late_grace_minutes": args.grace_minutes,
        "late_penalty_per_day": args.penalty_per_day,
        "submission_times": args.submission_times,
        "roster": args.roster,
        "assignment": args.assignment,
    }


def _print_rows(rows: list[batch.StudentRow]) -> None:
    for r in rows:
        line = f"{r.student}: {r.total:g}/{r.max:g} {r.status}"
        if r.reason:
            line += f" ({r.reason[:120]})"
        print(line)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``jaxnm-grade``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="jaxnm-grade", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("grade", help="grade a folder of submissions")
    p.add_argument("submissions", type=Path, help="folder: one sub-folder or .zip per student")
    p.add_argument("--out", type=Path, required=True, help="output folder")
    _add_limits(p)
    _grade_options(p)

    p = sub.add_parser("check", help="grade solutions/ and fail unless it gets full marks")
    p.add_argument("--out", type=Path, default=None, help="keep the outputs here")
    p.add_argument(
        "--thorough",
        action="store_true",
        help="hundreds of random examples per property (Hypothesis profile 'thorough') instead "
        "of the derandomized grading examples: finds tests that fail a right answer; slow "
        "(give it --submission-timeout 3600)",
    )
    _add_limits(p)

    p = sub.add_parser("release", help="build the student release")
    p.add_argument("out", type=Path, help="output folder (must not exist)")
    _add_course(p)

    p = sub.add_parser("gradescope", help="build a Gradescope autograder bundle (or try one)")
    p.add_argument("out", type=Path, nargs="?", default=None, help="the .zip to write")
    _add_course(p)
    p.add_argument(
        "--test",
        type=Path,
        default=None,
        metavar="SUBMISSION",
        help="run the bundle on SUBMISSION (a folder, .zip or file) in a throwaway "
        "/autograder-shaped folder, as Gradescope would, and print the results",
    )
    p.add_argument(
        "--setup",
        choices=["dry-run", "full", "skip"],
        default="dry-run",
        help="with --test: dry-run (setup.sh picks its Python; this env grades), full "
        "(setup.sh installs everything: network, root) or skip",
    )
    p.add_argument(
        "--submission-timeout",
        type=float,
        default=gradescope.BUNDLE_SUBMISSION_TIMEOUT,
        help="budget of one submission's calls, s (default "
        f"{gradescope.BUNDLE_SUBMISSION_TIMEOUT:g}: fits Gradescope's 10-minute default)",
    )
    _late_options(p)
    p.add_argument(
        "--hidden-visibility",
        default="after_published",
        choices=["hidden", "after_due_date", "after_published", "visible"],
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="let the bundle grade where Gradescope's container cannot set up the kernel "
        "sandbox (every result then says so); without it such a run refuses to grade",
    )

    p = sub.add_parser("new-set", help="scaffold a new exercise set in the course")
    p.add_argument("id", help="the set's id, e.g. ex12")
    p.add_argument("module", help="its module, e.g. ex12_normal_coordinates")
    p.add_argument("title", help="its title in the points table and the gradebook")
    p.add_argument(
        "--chapter", default="", help="the docs page presenting it (chapters/12_x, no .md)"
    )
    _add_course(p)

    args = parser.parse_args(argv)
    try:
        return _run(args)
    except _UsageError as err:
        print(f"jaxnm-grade {args.command}: {err}", file=sys.stderr)
        return 2
    except sandbox.SandboxUnavailable as err:
        print(f"jaxnm-grade {err}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "grade":
        if not args.submissions.is_dir():
            print(f"jaxnm-grade: {args.submissions} is not a folder", file=sys.stderr)
            return 2
        students = tuple(n.strip() for n in args.students.split(",") if n.strip())
        try:
            rows = batch.grade_all(
                args.submissions,
                args.out,
                _options(args),
                progress=_progress_bar(sys.stderr),
                students=students,
            )
        except ValueError as err:
            raise _UsageError(str(err)) from None
        what = f"regraded {', '.join(students)}" if students else f"graded {len(rows)} submissions"
        print(f"{what} into {args.out / 'grades.csv'}")
        for r in rows:
            if r.status in ("invalid_submission", "missing_files", "rejected", "error"):
                print(f"  {r.student}: {r.status}: {r.reason[:150]}")
        return 0
    if args.command == "check":
        opts = _options(args)
        if args.thorough:
            opts = opts.replace(profile="thorough")
        solutions = _course_of(args).solutions
        if not solutions.is_dir():
            print(f"jaxnm-grade check: no {solutions}", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory() as tmp:
            out = args.out or Path(tmp) / "out"
            rows = batch.grade_entries([("solutions", solutions)], out, opts)
            _print_rows(rows)
            ok = rows[0].max > 0 and rows[0].total == rows[0].max and rows[0].status == "ok"
            if not ok:
                print(
                    (out / "students" / rows[0].folder / "feedback.txt").read_text(),
                    file=sys.stderr,
                )
        print("check: full marks" if ok else "check: FAILED (solutions do not get full marks)")
        return 0 if ok else 1
    if args.command == "release":
        files = release.build_release(_course_of(args).root, args.out)
        print(f"release: {len(files)} files in {args.out}")
        return 0
    if args.command == "gradescope":
        return _gradescope(args)
    if args.command == "new-set":
        try:
            written = scaffold.new_set(
                _course_of(args).root, args.id, args.module, args.title, args.chapter
            )
        except (ValueError, FileNotFoundError) as err:
            raise _UsageError(str(err)) from None
        print(f"new set {args.id}:")
        for path in written:
            print(f"  {path}")
        print("next: write the exercise in the solution, regenerate the stub, jaxnm-grade check")
        return 0
    return 2  # pragma: no cover


def _gradescope(args: argparse.Namespace) -> int:
    if args.out is None and args.test is None:
        raise _UsageError("name the bundle to write (OUT.zip), or --test SUBMISSION")
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "autograder.zip"
        gradescope.build_bundle(
            _course_of(args).root,
            out,
            hidden_visibility=args.hidden_visibility,
            submission_timeout=args.submission_timeout,
            insecure=args.insecure,
            due=args.due,
            late_grace_minutes=args.grace_minutes,
            late_penalty_per_day=args.penalty_per_day,
        )
        print(f"gradescope bundle: {out}")
        if args.test is None:
            return 0
        if not args.test.exists():
            raise _UsageError(f"--test {args.test}: no such submission")
        try:
            data, log = gradescope.try_bundle(out, args.test, setup=args.setup)
        except RuntimeError as err:
            print(str(err), file=sys.stderr)
            return 1
        print(log)
        print(gradescope.format_results(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
