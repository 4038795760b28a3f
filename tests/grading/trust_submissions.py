"""The submissions of the trust batch (``test_trust.py``), written against the mini course.

The course is the one toy course of the grader's tests, ``tests/grading/mini_course`` (two
sets; the hidden test of ``ex01`` carries :data:`SECRET_NAME` and :data:`SECRET_TEXT`, which
only the instructor may ever see). :func:`make_course` copies it, so that the batch grades a
course folder outside this checkout, through the same ``jaxnm-grade grade`` command as the
real course.
"""

from __future__ import annotations

import os
import shutil
import textwrap
import zipfile
from pathlib import Path

MINI = Path(__file__).resolve().parent / "mini_course"
#: Text that only the hidden test knows (its name and its message).
SECRET_NAME = "test_hiddenname_add_negative_numbers"
SECRET_TEXT = "HIDDEN-EXPECTED-MINUS-5"
#: The mini course's modules, and its points (visible and hidden, all sets).
MODULES = ("ex01_arith", "ex02_vectors")
FULL_MARKS = 12


def make_course(root: Path) -> Path:
    """Copy the mini course (exercises, hidden tests, solutions, support) to ``root``."""
    shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def _texts(course: Path, folder: str) -> dict[str, str]:
    return {f"{m}.py": (course / folder / f"{m}.py").read_text() for m in MODULES}


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def forging_conftest(course: Path, marker: Path) -> str:
    """A conftest.py that, imported by the trusted pytest, grades the course's solutions."""
    return textwrap.dedent(
        f"""
        import importlib.util
        open({str(marker)!r}, "a").write(__file__ + "\\n")
        from jaxnm_course.grading import remote

        def _stolen(name):
            spec = importlib.util.spec_from_file_location(
                "stolen_" + name, {str(course / "solutions")!r} + "/" + name + ".py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module

        remote.load = _stolen
        """
    )


#: Names that once crashed the output step or became spreadsheet formulas.
ODD_NAMES = [
    "grades.csv",
    "+A2",
    '=HYPERLINK("evil.example","x")',
    "@SUM(1+1)",
    "-2+3",
    "a" * 250 + "é",
    "a" * 250 + "ü",
]


def build(subs: Path, course: Path, marker: Path) -> None:
    """Write every submission of the trust batch into ``subs``."""
    solution, stub = _texts(course, "solutions"), _texts(course, "exercises")
    _write(subs / "honest_full", solution)
    _write(subs / "honest_stub", stub)
    conftest = forging_conftest(course, marker)
    _write(
        subs / "conftest_forge",
        {
            **stub,
            "conftest.py": conftest,
            "tests/conftest.py": conftest,
            "testing/conftest.py": conftest,
            "helpers.py": "X = 1\n",
            "ex03_big.py": "#" * (2 * 1024 * 1024 + 10) + "\n",
        },
    )
    os.symlink(course / "solutions" / "ex01_arith.py", subs / "conftest_forge" / "ex03_link.py")
    # Visible tests not attempted (add raises NotImplementedError for a >= 0, apply_twice is
    # the stub), the hidden test fails: the first problem is hidden.
    _write(
        subs / "hidden_leak",
        {
            "ex01_arith.py": stub["ex01_arith.py"].replace(
                '    raise NotImplementedError("ex01: add not implemented yet")',
                "    if a >= 0:\n"
                '        raise NotImplementedError("ex01: add not implemented yet")\n'
                "    return abs(a + b)",
            )
        },
    )
    # add raises with terminal escapes in its message; apply_twice is right (3 points).
    _write(
        subs / "escapes",
        {
            "ex01_arith.py": (
                "def add(a, b):\n"
                "    raise ValueError("
                "'\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mboom\\r\\x08\\x00')\n\n\n"
                "def apply_twice(f, x):\n    return f(f(x))\n"
            )
        },
    )
    for name in ODD_NAMES:
        _write(subs / name, stub)
    # Two entries with the same name once ".zip" is dropped.
    _write(subs / "twin", stub)
    with zipfile.ZipFile(subs / "twin.zip", "w") as z:
        for name, text in stub.items():
            z.writestr(name, text)
