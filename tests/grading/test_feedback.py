"""Failure reports that teach (issue 14): the right lines, one report per set, known mistakes.

Each run copies the course's ``exercises/`` folder (visible tests, support, declaration) to a
temporary folder, writes the exercise modules from the solutions with a realistic mistake, and
runs ``pytest exercises -m exNN`` there as a student does: the target is the default
``exercises`` folder, the same folder as the tests (where the old report called the test file
"your code").
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jaxnm_course.grading import explain

ROOT = Path(__file__).resolve().parents[2]
EXERCISES = ROOT / "exercises"
SOLUTIONS = ROOT / "solutions"


def _course_with(tmp: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """A student checkout: the exercises folder with solutions edited by (old, new) pairs."""
    dest = tmp / "exercises"
    shutil.copytree(
        EXERCISES, dest, ignore=shutil.ignore_patterns(".hypothesis", "__pycache__", "ex*_*.py")
    )
    for solution in SOLUTIONS.glob("ex*_*.py"):
        text = solution.read_text("utf-8")
        for old, new in edits.get(solution.stem, []):
            assert old in text, (solution.name, old)
            text = text.replace(old, new, 1)
        (dest / solution.name).write_text(text, "utf-8")
    return tmp


def _pytest(course: Path, *args: str) -> str:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    env.setdefault("JAX_PLATFORMS", "cpu")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env["JAXNM_HYPOTHESIS_PROFILE"] = "grading"  # derandomized: the same examples each run
    env.pop("JAXNM_GRADE_REMOTE", None)
    cmd = [sys.executable, "-m", "pytest", "exercises", "-p", "no:cacheprovider", "-q", *args]
    done = subprocess.run(
        cmd, cwd=course, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    return done.stdout + done.stderr


def _report(output: str, test: str) -> str:
    """The failure report of one test (between its ``___ name ___`` header and the next)."""
    match = re.search(rf"_+ {test} _+\n(.*?)(?=\n_{{3,}} |\n={{3,}} )", output, re.DOTALL)
    assert match, f"no report of {test} in:\n{output}"
    return match.group(1)


EX02_MISTAKES = {
    "ex02_jax_basics": [
        # a wrong value (the factor 1/2 forgotten): the failure is in the test's check
        ("return jnp.sum(0.5 * k * (r - r0) ** 2)", "return jnp.sum(k * (r - r0) ** 2)"),
        # NumPy on a tracer, raised in the student's code
        (
            "return -jax.grad(spring_energy)(r, k, r0)",
            "return -jax.grad(lambda x: jnp.sum(0.5 * k * (np.asarray(x) - r0) ** 2))(r)",
        ),
        ("import jax\n", "import jax\nimport numpy as np\n"),
        # float() of a tracer
        ("return jax.grad(jax.grad(f))(x)", "return jax.grad(jax.grad(lambda y: f(float(y))))(x)"),
        # in-place assignment on a JAX array
        (
            "return jax.vmap(spring_energy, in_axes=(0, None, None))(r_batch, k, r0)",
            "r_batch[0] = r_batch[0]\n"
            "    return jax.vmap(spring_energy, in_axes=(0, None, None))(r_batch, k, r0)",
        ),
        # a float32 cast
        ("return 0.5 * k * (d - r0) ** 2", "return (0.5 * k * (d - r0) ** 2).astype(jnp.float32)"),
    ]
}


@pytest.fixture(scope="module")
def ex02(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    course = _course_with(tmp_path_factory.mktemp("ex02"), EX02_MISTAKES)
    return course, _pytest(course, "-m", "ex02")


@pytest.mark.slow
def test_a_wrong_value_names_the_test_line_and_not_your_code(ex02):
    report = _report(ex02[1], "test_spring_energy_matches_the_formula")
    assert "in your code" not in report  # the value is wrong; no line of the module raised
    assert re.search(r"in the test: test_ex02_jax_basics\.py:\d+: checks\.close\(E,", report)


@pytest.mark.slow
def test_an_error_in_your_code_names_your_line_and_the_test_line(ex02):
    report = _report(ex02[1], "test_spring_forces_are_minus_the_gradient")
    assert re.search(
        r"in your code: exercises/ex02_jax_basics\.py:\d+ \(<lambda>\): return -jax\.grad", report
    )
    assert re.search(r"in the test: test_ex02_jax_basics\.py:\d+: F = checks\.as_array", report)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("test", "words", "section"),
    [
        ("test_spring_forces_are_minus_the_gradient", "jax.numpy", "02_jax_for_scientists.md#"),
        ("test_curvature_of_a_morse_potential", "float()", "02_jax_for_scientists.md#Tracing"),
        ("test_batch_energies_equal_one_by_one", "x.at[i].set(y)", "02_jax_for_scientists.md#Arr"),
        ("test_stretch_energy_keeps_float64_precision", "cast", "01_installing.md#JAX computes"),
    ],
)
def test_common_jax_mistakes_are_explained_with_the_chapter_section(ex02, test, words, section):
    report = _report(ex02[1], test)
    assert "hint: " in report
    assert words in report
    assert f"see: docs/chapters/{section}" in report


IMPORTS = {
    # the solution otherwise: every test would pass if the import were let through
    "ex02_jax_basics": [("import jax\n", "import jax\n\nimport jaxnm_course  # noqa: F401\n")],
    "ex03_energies": [
        (
            "    # BEGIN SOLUTION\n    R = jnp.asarray(R, dtype=jnp.float64)\n"
            "    pairs = np.asarray(pairs)",
            "    # BEGIN SOLUTION\n    from jaxnm_course import geometry  # noqa: F401\n\n"
            "    R = jnp.asarray(R, dtype=jnp.float64)\n    pairs = np.asarray(pairs)",
        )
    ],
}


@pytest.mark.slow
def test_importing_the_course_library_fails_locally_as_when_graded(tmp_path):
    """One import policy: the grader's worker refuses the library; so does a local run."""
    out = _pytest(_course_with(tmp_path, IMPORTS), "-m", "ex02 or ex03", "-rA")
    assert re.search(r"warning: ex02: ex02_jax_basics\.py imports jaxnm_course; submissions ", out)
    assert re.search(r"warning: ex03: ex03_energies\.py imports jaxnm_course; submissions ", out)
    refused = "jaxnm_course cannot be imported by a submission: graded runs refuse it"
    assert refused in out
    # at the top of the module: no test of ex02 passes; inside one function: only the tests
    # that call it fail (pair_distances), the rest of ex03 passes
    assert not re.search(r"^PASSED exercises/test_ex02", out, re.MULTILINE), out[-3000:]
    assert re.search(r"^PASSED exercises/test_ex03\S*::test_", out, re.MULTILINE)
    assert re.search(r"^FAILED exercises/test_ex03\S*::test_pair_distances", out, re.MULTILINE)


@pytest.mark.slow
def test_tb_long_shows_your_frames_in_context_and_no_locals(ex02):
    course = ex02[0]
    k = ("-k", "spring_forces_are")
    long = _pytest(course, "-m", "ex02", "--tb=long", *k)
    report = _report(long, "test_spring_forces_are_minus_the_gradient")
    assert re.search(r"ex02_jax_basics\.py:\d+ in spring_forces:\n", report)
    assert re.search(r"^>\s+\d+\s+return -jax\.grad", report, re.MULTILINE)
    assert "spring_energy.__doc__" not in report
    assert "site-packages" not in report
    full = _pytest(course, "-m", "ex02", "--full-trace", "--showlocals", *k)
    # pytest's locals table (names padded to 10 columns: "item       = ...") is off for
    # exercise runs; a frame's arguments ("self = ...") are part of --full-trace
    assert not re.search(r"^\w{1,8} {2,}= ", full, re.MULTILINE)


@pytest.mark.slow
def test_a_syntax_error_is_reported_once_per_set_without_a_counterexample(tmp_path):
    course = _course_with(
        tmp_path,
        {"ex02_jax_basics": [("return jnp.sum(0.5 * k * (r - r0) ** 2)", "return jnp.sum((")]},
    )
    out = _pytest(course, "-m", "ex02")
    failures = out.split("= FAILURES =", 1)[1].split("exercise points", 1)[0]
    assert failures.count("SyntaxError") == failures.count("TargetImportError") >= 8
    assert "Failing test case" not in failures
    assert "Falsifying example" not in failures
    assert failures.count("same error as above (see test_spring_energy_matches_the_formula)") == 8
    assert failures.count("in the test:") == 1


@pytest.mark.slow
def test_jit_on_a_function_argument_is_translated_and_reported_once(tmp_path):
    course = _course_with(
        tmp_path,
        {
            "ex04_hessians": [
                ("def hessian(energy, R):", "@jax.jit\ndef hessian(energy, R):"),
                # a wrong value returned through the test file's helper student_hessian
                ("return jax.jacfwd(jax.jacrev(flat))", "return 2 * jax.jacfwd(jax.jacrev(flat))"),
            ]
        },
    )
    out = _pytest(course, "-m", "ex04", "-k", "hessian_is_symmetric or of_water or fwd_rev")
    first = _report(out, "test_hessian_is_symmetric")
    assert "catalog.Ref" not in out
    assert "hint: jax.jit was applied to a function that takes a function" in first
    assert "see: docs/chapters/02_jax_for_scientists.md#" in first
    assert "Failing test case" not in first
    assert "same error as above (see test_hessian_is_symmetric)" in _report(
        out, "test_hessian_of_water"
    )
    # the helper student_hessian is the test's, not "your code"; the test's own line is shown
    helper = _report(out, "test_hessian_fwd_rev_matches_the_reference")
    assert "in your code" not in helper
    assert re.search(r"in the test: test_ex04_hessians\.py:\d+: checks\.close\(", helper)


# -- fast checks -----------------------------------------------------------------------------
def test_every_mistake_points_to_an_existing_chapter_heading():
    for mistake in explain.MISTAKES:
        path, heading = mistake.section.split("#", 1)
        headings = re.findall(r"^#+ (.+)$", (ROOT / path).read_text("utf-8"), re.MULTILINE)
        assert heading in headings, mistake.section


def test_indices_print_as_plain_integers():
    from jaxnm_exercises import checks

    with pytest.raises(AssertionError, match=r"at index \(1,\)\)$"):
        checks.as_array(np.array([1.0, np.nan]), "f(x)")
    assert explain.clean("at index (np.int64(0), np.int64(2))") == "at index (0, 2)"


def test_a_tuple_returned_for_an_array_says_so_and_names_jvp():
    from jaxnm_exercises import checks

    pair = (np.zeros((5, 3)), np.ones((5, 3)))  # what jax.jvp returns
    with pytest.raises(AssertionError) as err:
        checks.as_array(pair, "hessian_vector_product", (15,), hint="reshape")
    assert "returned a Python tuple (of 2 items)" in str(err.value)
    assert "shape (2, 5, 3)" not in str(err.value)
    assert any("jax.jvp" in line for line in explain.hints(err.value))


def test_a_tuple_used_as_an_array_in_your_code_names_jvp():
    pair = (np.zeros(3), np.ones(3))  # what jax.jvp returns; the student's code does pair.T
    with pytest.raises(AttributeError) as err:
        _ = pair.T
    assert any("jax.jvp" in line for line in explain.hints(err.value))
