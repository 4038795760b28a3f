"""A two-function toy course (one set, a visible and a hidden test) and its submissions.

Small on purpose: the batch in ``test_trust.py`` grades a dozen submissions of it within a
couple of minutes on 2 cores, through the same ``jaxnm-grade grade`` command as the course.
"""

from __future__ import annotations

import os
import textwrap
import zipfile
from pathlib import Path

#: Text that only the hidden test knows (its name, its inputs and expected value).
SECRET_NAME = "test_hiddenname_square_of_seven"
SECRET_TEXT = "HIDDEN-EXPECTED-49"

PLUGIN = 'pytest_plugins = ["jaxnm_course.grading.plugin"]\n'
VISIBLE = textwrap.dedent(
    """
    import pytest

    from jaxnm_course.grading.target import load

    TITLE = "Toy set"
    ex = load("ex01_toy")


    @pytest.mark.points(2)
    def test_double_is_twice_the_input():
        assert ex.double(3) == 6, "double(3) should be 6"
    """
)
HIDDEN = textwrap.dedent(
    f"""
    import pytest

    from jaxnm_course.grading.target import load

    TITLE = "Toy set"
    ex = load("ex01_toy")


    @pytest.mark.points(3)
    def {SECRET_NAME}():
        got = ex.square(7)
        assert got == 49, f"{SECRET_TEXT}: square(7) should be 49, got {{got}}"
    """
)
SOLUTION = "def double(x):\n    return 2 * x\n\n\ndef square(x):\n    return x * x\n"
STUB = (
    "def double(x):\n"
    '    raise NotImplementedError("ex01: double not implemented yet")\n\n\n'
    "def square(x):\n"
    '    raise NotImplementedError("ex01: square not implemented yet")\n'
)


def make_course(root: Path) -> Path:
    """Write the toy course (exercises, hidden tests, solutions) under ``root``."""
    for folder, test in (("exercises", VISIBLE), ("hidden_tests", HIDDEN)):
        (root / folder).mkdir(parents=True)
        (root / folder / "__init__.py").write_text("")
        (root / folder / "conftest.py").write_text(PLUGIN)
        (root / folder / "test_ex01_toy.py").write_text(test)
    (root / "exercises" / "ex01_toy.py").write_text(STUB)
    (root / "solutions").mkdir()
    (root / "solutions" / "ex01_toy.py").write_text(SOLUTION)
    return root


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


#: Names that today crash the output step or become spreadsheet formulas.
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
    _write(subs / "honest_full", {"ex01_toy.py": SOLUTION})
    _write(subs / "honest_stub", {"ex01_toy.py": STUB})
    conftest = forging_conftest(course, marker)
    _write(
        subs / "conftest_forge",
        {
            "ex01_toy.py": STUB,
            "conftest.py": conftest,
            "tests/conftest.py": conftest,
            "testing/conftest.py": conftest,
            "helpers.py": "X = 1\n",
            "ex03_big.py": "#" * (2 * 1024 * 1024 + 10) + "\n",
        },
    )
    os.symlink(course / "solutions" / "ex01_toy.py", subs / "conftest_forge" / "ex02_link.py")
    # Visible tests not attempted, the hidden test fails: the first problem is hidden.
    _write(
        subs / "hidden_leak",
        {"ex01_toy.py": STUB.split("\n\n\n")[0] + "\n\n\ndef square(x):\n    return 50\n"},
    )
    escapes = (
        "def double(x):\n"
        "    raise ValueError('\\x1b[2J\\x1b]0;pwned\\x07\\x1b[31mboom\\r\\x08\\x00')\n\n\n"
        "def square(x):\n    return x * x\n"
    )
    _write(subs / "escapes", {"ex01_toy.py": escapes})
    for name in ODD_NAMES:
        _write(subs / name, {"ex01_toy.py": STUB})
    # Two entries with the same name once ".zip" is dropped.
    _write(subs / "twin", {"ex01_toy.py": STUB})
    with zipfile.ZipFile(subs / "twin.zip", "w") as z:
        z.writestr("ex01_toy.py", STUB)
