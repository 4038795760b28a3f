"""The pytest plugin of the exercises: targets, points, the points table, a JSON record.

Loaded by ``exercises/conftest.py`` (``pytest_plugins = ["jaxnm_course.grading.plugin"]``).

* ``--target exercises|solutions|PATH``: the folder whose ``exNN_*.py`` modules are tested
  (default ``exercises``); tests reach it only through
  :func:`jaxnm_course.grading.target.load`.
* ``--course PATH``: the course declaration (``course.toml``, see
  :mod:`jaxnm_course.grading.course`): a course folder, its ``exercises/`` folder or the file.
  Default: the first ``course.toml`` found from the test paths upward (in the folder or in
  its ``exercises/``), else this checkout's ``exercises/``. The declaration lists the sets;
  its support folder goes on ``sys.path`` and its catalog's ``Ref`` is used by the codec.
* ``@pytest.mark.points(n)``: what a test is worth (default: the declaration's
  ``[points] default``). A test file ``test_<module>.py`` of a declared set (in the visible
  or the hidden tests) gets the set's marker, e.g. ``ex04`` (so ``pytest exercises -m ex04``
  runs one set), and the set's title; other test files are not graded.
* At the end: a points table, one line per set (``ex04 Hessians by autodiff: 14/20 visible
  points``), the total and the number of sets not attempted. A test whose exercise function
  still raises ``NotImplementedError`` is "not attempted": one line, no traceback. A failing
  test shows a short report (:mod:`jaxnm_course.grading.explain`): the message (what was
  expected and what came back), the smallest counterexample Hypothesis found, a hint and
  the chapter section for a common JAX mistake, the line of the student's module ("in your
  code", absent when none raised) and the test's own line ("in the test"). An error that
  does not depend on the input (the module does not import, ``jit`` on a function with a
  function argument) is shown once per set, without a counterexample; the set's other tests
  say "same error as above". ``--tb=long`` adds the student's frames with the lines around
  them; ``--full-trace`` gives pytest's whole report (without ``--showlocals``, which the
  plugin turns off). The table ends with a warning per set whose module imports a package
  that the grader refuses (``--forbid auto``: the course library, the support package).
* ``--results-json PATH``: writes ``{"tests": [...], "totals": {...}}`` (the format of
  GRADING_CONTRACT.md) at the end of the session.
* JAX's persistent compilation cache is on, so a second run does not compile again (the
  whole course: 54 s cold, 22 s warm on 2 cores). ``JAXNM_JAX_CACHE`` chooses the folder
  (default ``~/.cache/jaxnm_course/jax``, under ``JAXNM_CACHE_DIR`` when that is set) or
  turns it off (``off``); a cache folder set through JAX's own ``JAX_COMPILATION_CACHE_DIR``
  is left as it is. Entries are keyed by the compiled program, so an edited function
  compiles afresh. The batch grader gives each batch's trusted test processes a private
  cache that workers cannot see; student code in the workers is never cached. An entry that
  cannot be read (another process is still writing it) is compiled afresh, silently
  (:data:`CACHE_WARNINGS`).
* Hypothesis profiles: ``student`` (example database on, no deadline) and ``grading``
  (derandomized, no database, no deadline), chosen by the environment variable
  ``JAXNM_HYPOTHESIS_PROFILE`` (default ``student``); ``grading-fast`` is ``grading``
  without shrinking (for checking that mutants lose points; ``--hypothesis-profile``).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
from pathlib import Path
from typing import Any

import jax
import pytest
from hypothesis import HealthCheck, Phase, settings

from ..structures import cache_dir
from . import codec, explain
from . import course as _course
from .results import TestResult, session_json, set_summaries
from .target import NotAttempted, TargetImportError, get_target, set_forbidden, set_target

__all__ = ["PROFILES", "pytest_addoption", "pytest_configure"]

#: Names of the Hypothesis profiles the plugin registers.
PROFILES = ("student", "grading", "thorough")

_COMMON = {
    "deadline": None,  # the first call of a JAX function compiles: no deadline
    "max_examples": 15,
    # no "explain" phase: slow, and its line-coverage notes confuse more than they help
    "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.differing_executors],
}
settings.register_profile("student", **_COMMON)
settings.register_profile("grading", derandomize=True, database=None, **_COMMON)
# For the package's own checks that wrong answers lose points: like "grading", without the
# search for the smallest counterexample (select it with --hypothesis-profile grading-fast).
settings.register_profile(
    "grading-fast",
    parent=settings.get_profile("grading"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
# For checking that the tests are fair (no flakes): hundreds of random examples per property.
settings.register_profile("thorough", parent=settings.get_profile("student"), max_examples=300)
_profile = os.environ.get("JAXNM_HYPOTHESIS_PROFILE", "student")
if _profile not in PROFILES:
    raise ValueError(
        f"JAXNM_HYPOTHESIS_PROFILE={_profile!r}: choose one of {PROFILES} (or leave it unset)."
    )
settings.load_profile(_profile)

# JAX's note on its filtered tracebacks (and the dashed line before it): noise for students
_JAX_BOILERPLATE = re.compile(r"^-+$|For simplicity, JAX has removed its internal frames")
_INFO = pytest.StashKey[dict]()
_RESULTS = pytest.StashKey[dict]()
_COURSE = pytest.StashKey[_course.Course]()
_SEEN = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--course``, ``--target`` and ``--results-json``."""
    group = parser.getgroup("jaxnm-course exercises")
    group.addoption(
        "--course",
        default=None,
        metavar="PATH",
        help="the course (folder, its exercises/ folder or course.toml); default: found "
        "from the test paths, else this checkout's exercises/",
    )
    group.addoption(
        "--target",
        default="exercises",
        help="folder with the exNN_*.py modules to test: exercises (default), solutions, PATH",
    )
    group.addoption(
        "--results-json",
        default=None,
        metavar="PATH",
        help="write the per-test points and totals as JSON to PATH at the end",
    )


#: JAX's warnings when a persistent-cache entry cannot be read or written. JAX then compiles
#: as if the entry were not there (by design: jax-ml/jax#12582), so the result is unchanged;
#: but a project that turns warnings into errors (``filterwarnings = error``) would fail the
#: test, and it happens: two processes sharing a cache (a batch's trusted sessions, or two
#: student runs) can read an entry that the other is still writing ("incomplete or truncated
#: stream"). Appended to ``filterwarnings``, so they come after (and win over) "error".
CACHE_WARNINGS = (
    "ignore:Error reading persistent compilation cache entry:UserWarning",
    "ignore:Error writing persistent compilation cache entry:UserWarning",
)


def _compilation_cache() -> Path | None:
    """Switch on JAX's persistent compilation cache (see the module docstring)."""
    choice = os.environ.get("JAXNM_JAX_CACHE", "").strip()
    off = choice.lower() in ("off", "0", "no", "false", "none")
    if off or jax.config.jax_compilation_cache_dir:
        return None
    folder = Path(choice).expanduser() if choice else cache_dir() / "jax"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a read-only home: run without the cache
    jax.config.update("jax_compilation_cache_dir", str(folder))
    # Cache every program: the tests compile many small ones, each well under a second.
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return folder


def _resolve_target(config: pytest.Config) -> Path:
    raw = Path(config.getoption("target"))
    candidates = [raw] if raw.is_absolute() else [Path.cwd() / raw, config.rootpath / raw]
    for path in candidates:
        if path.is_dir():
            return path.resolve()
    raise pytest.UsageError(f"--target {raw}: no such folder (tried {candidates[0]}).")


def _find_course(config: pytest.Config) -> _course.Course:
    """The course of ``--course``, else of the test paths, else the default one."""
    raw = config.getoption("course", None)
    try:
        if raw:
            path = Path(raw)
            if not path.is_absolute() and not path.exists():
                path = config.rootpath / path
            return _course.load(path)
        here = config.invocation_params.dir
        for arg in config.args or ["."]:
            start = (here / arg.split("::")[0]).resolve()
            for folder in [start, *start.parents]:
                for candidate in (folder, folder / "exercises"):
                    if (candidate / _course.FILENAME).is_file():
                        return _course.load(candidate)
        return _course.load()
    except (OSError, ValueError, TypeError) as err:
        raise pytest.UsageError(f"--course: {err}") from None


def pytest_configure(config: pytest.Config) -> None:
    """Read the course declaration, register its markers and choose the target folder."""
    course = _find_course(config)
    config.stash[_COURSE] = course
    _course.set_current(course)
    _course.use_support(course)
    if course.catalog:
        try:
            codec.set_ref_class(importlib.import_module(course.catalog).Ref)
        except (ImportError, AttributeError) as err:
            raise pytest.UsageError(
                f"{course.declaration}: [support] catalog {course.catalog!r} cannot be used "
                f"({type(err).__name__}: {err}); it must be a module defining Ref"
            ) from None
    config.addinivalue_line("markers", "points(n): the number of points a test is worth")
    for s in course.sets:
        config.addinivalue_line(
            "markers", f"{s.id}: exercise set {s.id}, {s.title} (pytest -m {s.id})"
        )
    set_target(_resolve_target(config))
    # The grader's import policy (--forbid auto), applied to local runs too (target.py)
    set_forbidden(_course.default_forbid(course.root))
    config.stash[_RESULTS] = {}
    config.stash[_SEEN] = {}
    # Exercise reports are short (pytest's own report only with --full-trace), and the
    # locals of pytest's and Hypothesis' frames are noise for students: no --showlocals
    # (the package's own tests keep it from pyproject.toml's addopts).
    config.option.showlocals = False
    if _compilation_cache() is not None or jax.config.jax_compilation_cache_dir:
        for line in CACHE_WARNINGS:
            config.addinivalue_line("filterwarnings", line)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tag each exercise test with its set marker, points, title and visibility."""
    course = config.stash[_COURSE]
    hidden = course.hidden_tests.resolve()
    for item in items:
        found = course.set_of_file(item.path.name)
        if found is None or not item.path.name.startswith("test_"):
            continue
        item.add_marker(getattr(pytest.mark, found.id))
        marker = item.get_closest_marker("points")
        points = marker.args[0] if marker is not None and marker.args else course.default_points
        item.stash[_INFO] = {
            "exercise": found.id,
            "title": found.title,
            "max_points": points,
            "visibility": "hidden" if item.path.is_relative_to(hidden) else "visible",
        }


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def _not_attempted(exc: BaseException) -> str | None:
    for leaf in _leaves(exc):
        seen = leaf
        while seen is not None:
            if isinstance(seen, NotAttempted | NotImplementedError):
                return str(seen) or "not implemented yet"
            seen = seen.__cause__ or seen.__context__
    return None


def _worker_outcome(exc: BaseException) -> str | None:
    """``"timeout"`` or ``"error"`` when the grader's worker failed, else None.

    Worker failures (``remote.WorkerFailure``: a time limit, a crash, a failed import) are
    BaseExceptions made on the trusted side, each with a class attribute ``grading_outcome``;
    a timeout anywhere wins over other failures. Exceptions raised by student code (plain
    ``Exception`` subclasses) are ordinary failed tests and are not looked at here.
    """
    found = None
    for leaf in _leaves(exc):
        seen = leaf
        while seen is not None:
            outcome = getattr(type(seen), "grading_outcome", None)
            if not isinstance(seen, Exception) and outcome in ("timeout", "error"):
                if outcome == "timeout":
                    return "timeout"
                found = "error"
            seen = seen.__cause__ or seen.__context__
    return found


def _is_input_independent(exc: BaseException) -> bool:
    return any(
        isinstance(leaf, TargetImportError) or explain.input_independent(leaf)
        for leaf in _leaves(exc)
    )


def _where(f: Any) -> str:
    path = Path(f.filename)
    with contextlib.suppress(OSError, ValueError):
        path = path.resolve().relative_to(Path.cwd())
    return f"{path}:{f.lineno}"


def _readable(item: pytest.Item, exc: BaseException) -> str:
    """A short failure report: message, Hypothesis counterexample, where it happened.

    "in your code" is the deepest line of the student's module (absent when the failure is
    not in it), "in the test" the test function's line; a known JAX mistake adds a hint and
    the chapter section. An error that does not depend on the input (the module does not
    import, ``jit`` on a function with a function argument) has no counterexample. With
    ``--tb=long`` the student's frames follow, with their surrounding lines.
    """
    leaves = _leaves(exc)
    independent = _is_input_independent(exc)
    long = item.config.getoption("tbstyle", "auto") == "long"
    test_name = getattr(item, "originalname", None) or item.name
    lines: list[str] = []
    for leaf in leaves[:3]:
        message = explain.clean(str(leaf).strip()) or "(no message)"
        lines.append(f"{type(leaf).__name__}: {message}")
        notes = [
            note.rstrip()
            for note in getattr(leaf, "__notes__", ())
            if note.strip() and not _JAX_BOILERPLATE.search(note)
        ]
        lines.extend(explain.strip_counterexample(notes) if independent else notes)
        lines.extend(explain.hints(leaf))
        where = explain.locate(leaf, get_target(), item.path, test_name)
        if where.yours is not None:
            f = where.yours
            lines.append(f"in your code: {_where(f)} ({f.name}): {f.line}")
        if where.test is not None:
            f = where.test
            lines.append(f"in the test: {Path(f.filename).name}:{f.lineno}: {f.line}")
        if long:
            lines.extend(explain.context(leaf, get_target()))
    if len(leaves) > 3:
        lines.append(f"... and {len(leaves) - 3} more errors")
    if not long and any(line.startswith("in your code:") for line in lines):
        lines.append("(your code's lines in context: add --tb=long; everything: --full-trace)")
    elif not long:
        lines.append("(the full traceback: add --full-trace)")
    return "\n".join(lines)


def _once_per_set(item: pytest.Item, exc: BaseException, text: str) -> str:
    """The report of an input-independent error: in full the first time in its set only."""
    if not _is_input_independent(exc):
        return text
    info = item.stash[_INFO]
    seen = item.config.stash[_SEEN]
    key = (info["exercise"], text.split("\n", 1)[0])
    first = seen.setdefault(key, item.name)
    if first == item.name:
        return text
    return f"{text.split(chr(10), 1)[0]}\nsame error as above (see {first})"


def _record(item: pytest.Item, outcome: str, message: str) -> None:
    info = item.stash.get(_INFO, None)
    if info is None:
        return
    results = item.config.stash[_RESULTS]
    old = results.get(item.nodeid)
    if old is not None and old.outcome != "passed":
        return  # keep the first problem (setup before call before teardown)
    results[item.nodeid] = TestResult(
        nodeid=item.nodeid,
        exercise=info["exercise"],
        title=info["title"],
        name=item.name,
        points=info["max_points"] if outcome == "passed" else 0,
        max_points=info["max_points"],
        outcome=outcome,
        visibility=info["visibility"],
        message=message[:1000],
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Classify each phase: passed, failed, not attempted or error; shorten the report."""
    rep = yield
    if item.stash.get(_INFO, None) is None:
        return rep
    if call.excinfo is not None and rep.failed:
        exc = call.excinfo.value
        reason = _not_attempted(exc)
        if reason is not None:
            rep.longrepr = f"not attempted: {reason}"
            rep.jaxnm_not_attempted = True
            _record(item, "not_attempted", reason)
            return rep
        text = _readable(item, exc)
        if not item.config.getoption("fulltrace"):
            rep.longrepr = _once_per_set(item, exc, text)
        error = call.when != "call" or any(
            isinstance(leaf, TargetImportError) for leaf in _leaves(exc)
        )
        outcome = _worker_outcome(exc) or ("error" if error else "failed")
        _record(item, outcome, text)
    elif rep.skipped:
        _record(item, "error", f"skipped: {rep.longrepr}")
    elif call.when == "call" and rep.passed:
        _record(item, "passed", "")
    return rep


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """Show not-attempted tests as ``n`` / ``NOT ATTEMPTED`` instead of failures."""
    if getattr(report, "jaxnm_not_attempted", False):
        return "not attempted", "n", ("NOT ATTEMPTED", {"yellow": True})
    return None


def _totals(results: dict[str, TestResult]) -> dict[str, dict]:
    return set_summaries(results.values())


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Print the points table."""
    results = config.stash.get(_RESULTS, {})
    if not results:
        return
    totals = _totals(results)
    order = {s.id: n for n, s in enumerate(config.stash[_COURSE].sets)}
    totals = dict(sorted(totals.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    tr = terminalreporter
    tr.section(f"exercise points (target: {get_target()})", sep="=", bold=True)
    width = max(len(f"{ex} {t['title']}") for ex, t in totals.items())
    visible = [0, 0]
    hidden = [0, 0]
    not_attempted = 0
    for ex, t in totals.items():
        label = f"{ex} {t['title']}:".ljust(width + 1)
        line = f"{label} {t['visible_points']}/{t['visible_max_points']} visible points"
        if t["hidden_max_points"]:
            line += f", {t['hidden_points']}/{t['hidden_max_points']} hidden points"
        if t["not_attempted"] == t["tests"]:
            not_attempted += 1
            line += "  (not attempted)"
        elif t["not_attempted_functions"]:
            line += f"  (not attempted: {', '.join(t['not_attempted_functions'])})"
        color = {"green": True} if t["points"] == t["max_points"] else {"yellow": True}
        tr.write_line(line, **color)
        visible[0] += t["visible_points"]
        visible[1] += t["visible_max_points"]
        hidden[0] += t["hidden_points"]
        hidden[1] += t["hidden_max_points"]
    total = f"total: {visible[0]}/{visible[1]} visible points"
    if hidden[1]:
        total += f", {hidden[0]}/{hidden[1]} hidden points"
    total += f", {_plural(not_attempted, 'set')} not attempted"
    tr.write_line(total, bold=True)
    _import_policy(tr, config, totals)


def _import_policy(tr: Any, config: pytest.Config, totals: dict[str, dict]) -> None:
    """Say, per set, when the module imports a package the grader refuses (--forbid auto)."""
    course = config.stash[_COURSE]
    for ex in totals:
        try:
            module = get_target() / course.get(ex).filename
        except KeyError:
            continue
        for name in explain.course_imports(course, module):
            tr.write_line(
                f"warning: {ex}: {module.name} imports {name}; submissions may not import "
                f"it (the tests that reach the import fail, here as when graded): write the "
                f"code yourself (see exercises/README.md)",
                red=True,
            )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Write ``--results-json`` (from this trusted process only)."""
    path = session.config.getoption("results_json", None)
    if not path:
        return
    payload = session_json(session.config.stash.get(_RESULTS, {}).values())
    Path(path).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
