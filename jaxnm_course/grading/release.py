"""The student release: the course without solutions, hidden tests or mutants.

``jaxnm-grade release OUT`` copies the course's tracked files (``git ls-files`` when the
course is a git checkout, else every file) except instructor material (the solutions,
hidden tests and mutants folders its ``course.toml`` declares, and the grader's own tests),
then scans the copy for solution text: every distinctive line of every
``# BEGIN SOLUTION`` / ``# END SOLUTION`` hole (a line that is not also in the generated
stub) and the name of every hidden test; and for mentions of files it does not ship
(:func:`dangling`). A hit aborts the release (the folder is removed) and names the file
and the line.

Instructor-only text of shipped Markdown files is cut out (:func:`strip_instructor`):
blocks between ``<!-- instructor -->`` and ``<!-- /instructor -->`` lines, and single lines
ending with ``<!-- instructor -->``. The instructor guide (docs/instructor.md) and the
tests and benchmarks that read instructor material (or their result files) stay behind;
the student site (``make demo`` in the release) is built without the instructor tag.

Every shipped file is scanned. The *code* of the library (``jaxnm_course/``) and of the
course's support package (its trusted reference material, imported by the visible tests)
is public by design (exercises ask students to re-derive what it does, so some reference
lines legitimately appear in it); their comments and strings (docstrings) are scanned like
any other text, so a docstring that quotes a solution line is caught.
"""

from __future__ import annotations

import ast
import io
import os
import re
import shutil
import subprocess
import tokenize
from pathlib import Path, PurePosixPath

from . import course as _course

__all__ = [
    "END_MARK",
    "EXCLUDED",
    "MARK",
    "ReleaseLeak",
    "build_release",
    "dangling",
    "hygiene",
    "release_files",
    "scan",
    "solution_lines",
    "strip_instructor",
]

#: Paths (relative, POSIX) never shipped to students, besides the instructor folders the
#: course declares; a prefix excludes a whole folder.
EXCLUDED = (
    "tests/grading/",
    ".git/",
    ".venv/",
    ".ci/",
    "docs/_build/",
    "build/",
    "dist/",
    "out/",
    "docs/instructor.md",
)
#: Marks instructor-only text in Markdown (see :func:`strip_instructor`).
MARK, END_MARK = "<!-- instructor -->", "<!-- /instructor -->"
# Folders whose files are dropped when they read instructor material (their tests would
# fail, their results could not be reproduced, in the release).
_NEEDS_CHECK = ("tests/", "benchmarks/")
_JUNK = ("__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", ".egg-info")
# Tests of the package that need instructor material (they would fail in the release).
_INSTRUCTOR_WORDS = ("solutions", "hidden_tests", "mutants")


class ReleaseLeak(RuntimeError):
    """Solution text or a hidden test was found in the release."""


def _tracked(course: Path) -> list[str]:
    try:
        r = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=course,
            capture_output=True,
            check=True,
            timeout=60,
        )
        names = [n for n in r.stdout.decode("utf-8", "replace").split("\0") if n]
        if names:
            return names
    except (OSError, subprocess.SubprocessError):
        pass
    return [str(p.relative_to(course).as_posix()) for p in course.rglob("*") if p.is_file()]


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _instructor_folders(decl: _course.Course) -> tuple[str, ...]:
    """The declared instructor folders inside the course, as ``"rel/"`` prefixes."""
    rels = (_relative(p, decl.root) for p in (decl.solutions, decl.hidden_tests, decl.mutants))
    return tuple(f"{r}/" for r in rels if r and r != ".")


def release_files(course: Path) -> list[str]:
    """The course files that go into the student release (relative POSIX paths).

    Args:
        course: the course folder (holding ``exercises/course.toml``).

    Returns:
        Sorted paths.
    """
    excluded = EXCLUDED + _instructor_folders(_course.load(course))
    out = []
    for rel in _tracked(course):
        if rel.startswith(excluded) or any(j in rel for j in _JUNK):
            continue
        p = course / rel
        if not p.is_file() or p.is_symlink():
            continue
        if rel.startswith(_NEEDS_CHECK) and p.suffix in (".py", ".txt", ".json"):
            text = p.read_text("utf-8", "replace")
            if any(w in text for w in _INSTRUCTOR_WORDS):
                continue
        out.append(rel)
    return sorted(out)


def solution_lines(solutions: Path, exercises: Path) -> dict[str, list[str]]:
    """Distinctive lines of each solution hole (20+ characters, nowhere in the stub's text).

    Args:
        solutions: the ``solutions/`` folder.
        exercises: the ``exercises/`` folder (the stubs).

    Returns:
        ``{"exNN_x.py": [lines]}``.
    """
    found: dict[str, list[str]] = {}
    for sol in sorted(solutions.glob("*.py")):
        stub = exercises / sol.name
        # The stub is public by construction (hints and docstrings may quote code).
        stub_text = stub.read_text("utf-8") if stub.is_file() else ""
        inside, lines = False, []
        for ln in sol.read_text("utf-8").splitlines():
            s = ln.strip()
            if s.startswith("# BEGIN SOLUTION"):
                inside = True
            elif s.startswith("# END SOLUTION"):
                inside = False
            elif inside and len(s) >= 20 and not s.startswith("#") and s not in stub_text:
                lines.append(s)
        found[sol.name] = lines
    return found


def _hidden_names(hidden: Path) -> list[str]:
    names = []
    for p in sorted(hidden.glob("test_*.py")):
        tree = ast.parse(p.read_text("utf-8"))
        names += [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    return [n for n in names if n.startswith("test_")]


def _prose(text: str) -> str:
    """The comments and string literals of Python source (all of it when it does not parse)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return text
    kinds = (tokenize.COMMENT, tokenize.STRING)
    return "\n".join(t.string for t in tokens if t.type in kinds)


# a path in backticks (Markdown, reST, docstrings) or a Markdown link target
_MENTION = re.compile(r"``?([\w./-]+)``?|\]\(([\w./-]+)\)")
_TEXT = (".md", ".py", ".toml", ".txt", ".rst", ".cfg", ".ipynb")


def _inside(target: Path, release: Path) -> bool:
    """A relative link that stays in the release and names a file or page there."""
    target = Path(os.path.normpath(target))
    if _relative(target, release) is None:
        return False
    return any(c.exists() for c in (target, target.with_name(target.name + ".md")))


def dangling(release: Path, course: Path) -> list[str]:
    """Mentions, in the release's text files, of course files the release does not ship.

    A path in backticks or a Markdown link that names a file or folder of the course that
    was left out (the grader's tests, CI scripts, tests that need instructor material), or a
    path outside the checkout (``../...``). The declared instructor folders (solutions,
    hidden tests, mutants) may be named: the instructor guide explains that they stay
    behind.

    Args:
        release: the release folder.
        course: the course folder.

    Returns:
        Readable descriptions (empty when the release names only what it ships).
    """
    shipped = {p.relative_to(release).as_posix() for p in release.rglob("*") if p.is_file()}
    shipped_dirs = {str(PurePosixPath(f).parent) for f in shipped}
    instructor = _instructor_folders(_course.load(course))
    missing = {
        rel
        for rel in _tracked(course)
        if rel not in shipped and not rel.startswith(instructor) and "/" in rel
    }
    missing_dirs = {str(d) for rel in missing for d in PurePosixPath(rel).parents} - {"."}
    missing_dirs -= shipped_dirs
    found = []
    for p in sorted(release.rglob("*")):
        if not p.is_file() or not (p.suffix in _TEXT or p.name == "Makefile"):
            continue
        try:
            text = p.read_text("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        rel = p.relative_to(release).as_posix()
        for number, line in enumerate(text.splitlines(), start=1):
            for match in _MENTION.finditer(line):
                name = (match.group(1) or match.group(2)).rstrip("/.")
                if name.startswith("../") and _inside(p.parent / name, release):
                    continue  # a relative link between shipped files (docs/glossary)
                if name.startswith("../") or name in missing or name in missing_dirs:
                    found.append(f"{rel}:{number}: names {name}, which the release does not ship")
    return found


def scan(release: Path, course: Path) -> list[str]:
    """Places in ``release`` that hold solution text or hidden test names.

    Args:
        release: the release folder.
        course: the course folder (holding ``exercises/course.toml``).

    Returns:
        Readable descriptions of the leaks (empty when clean).
    """
    decl = _course.load(course)
    needles: list[tuple[str, str]] = []
    if decl.solutions.is_dir():
        for name, lines in solution_lines(decl.solutions, decl.exercises).items():
            needles += [(ln, f"solution line of {name}") for ln in lines]
    if decl.hidden_tests.is_dir():
        needles += [(n, "hidden test name") for n in _hidden_names(decl.hidden_tests)]
    public = ["jaxnm_course/"]
    support = _relative(decl.support, decl.root) if decl.support is not None else None
    if support and support != ".":
        public.append(f"{support}/")
    leaks = []
    for p in sorted(release.rglob("*")):
        rel = p.relative_to(release).as_posix()
        if not p.is_file():
            continue
        try:
            text = p.read_text("utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if rel.startswith(tuple(public)) and rel.endswith(".py"):
            text = _prose(text)  # public code; its docstrings and comments are scanned
        for needle, what in needles:
            if needle in text:
                leaks.append(f"{rel}: {what}: {needle[:80]}")
    for bad in _instructor_folders(decl):
        if (release / bad).exists():
            leaks.append(f"{bad} is in the release")
    return leaks + dangling(release, course)


def strip_instructor(text: str) -> str:
    """Markdown without its instructor-only blocks and lines (see the module docstring).

    Raises:
        ValueError: a block that is opened and never closed.
    """
    out, inside = [], False
    for line in text.splitlines(keepends=True):
        s = line.strip()
        if s == MARK:
            inside = True
        elif s == END_MARK:
            if not inside:
                raise ValueError(f"strip_instructor: {END_MARK} without {MARK}")
            inside = False
        elif not inside and not s.endswith(MARK):
            out.append(line)
    if inside:
        raise ValueError(f"strip_instructor: {MARK} never closed by {END_MARK}")
    return "".join(out)


def hygiene(release: Path, course: Path) -> list[str]:
    """What a student release must not hold besides solution text (:func:`scan`).

    No instructor marker left, no mention of the declared instructor folders in the
    release's README, no instructor guide.
    """
    problems = []
    instructor = [f.rstrip("/") for f in _instructor_folders(_course.load(course))]
    for p in sorted(release.rglob("*.md")):
        text = p.read_text("utf-8", "replace")
        rel = p.relative_to(release).as_posix()
        if MARK in text or END_MARK in text:
            problems.append(f"{rel}: an instructor marker is left")
        if rel == "README.md":
            problems += [f"README.md names {f}/" for f in instructor if f"{f}/" in text]
    if (release / "docs" / "instructor.md").exists():
        problems.append("docs/instructor.md is in the release")
    return problems


def build_release(course: str | Path, out: str | Path) -> list[str]:
    """Copy the student release of ``course`` into ``out`` and check it for leaks.

    Args:
        course: the course folder.
        out: the release folder (must not exist yet).

    Returns:
        The released files (relative paths).

    Raises:
        FileExistsError: ``out`` exists.
        ReleaseLeak: solution text or hidden tests found (``out`` is removed).
    """
    course, out = Path(course).resolve(), Path(out).resolve()
    if out.exists():
        raise FileExistsError(f"build_release: {out} already exists; choose a new folder")
    files = release_files(course)
    try:
        for rel in files:
            dst = out / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(course / rel, dst)
            if rel.endswith(".md"):
                dst.write_text(strip_instructor(dst.read_text("utf-8")), "utf-8")
    except ValueError as err:
        shutil.rmtree(out, ignore_errors=True)
        raise ReleaseLeak(f"{rel}: {err}") from None
    leaks = scan(out, course) + hygiene(out, course)
    if leaks:
        shutil.rmtree(out, ignore_errors=True)
        raise ReleaseLeak("the release would leak instructor material:\n" + "\n".join(leaks))
    return files
