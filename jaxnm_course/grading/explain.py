"""Failure reports in course language: the student's line, the test's line, known JAX mistakes.

Used by :mod:`jaxnm_course.grading.plugin` to write the short report of a failing exercise test:

* :func:`locate`: "in your code" is the deepest frame in the student's module (the target
  folder's ``<module>.py`` of a declared set; none when the failure is not in it), "in the
  test" the test function's own line (not a helper of the test file, not the support package).
* :func:`input_independent`: errors that do not depend on the drawn input (the module does not
  import, ``jit`` applied to a function with a function argument): the plugin reports them
  once per set, without Hypothesis' counterexample.
* :data:`MISTAKES` and :func:`hints`: common JAX mistakes translated into course language,
  each pointing to the chapter section that explains it.
* :func:`clean`: NumPy scalar reprs (``np.int64(0)``) and internal types out of messages.
* :func:`context`: the student's frames with a few lines around each (``--tb=long``).
* :func:`course_imports`: the forbidden course packages an exercise module imports (what the
  grader's ``--forbid auto`` refuses), for a warning in a local run.
"""

from __future__ import annotations

import ast
import linecache
import re
import traceback
from pathlib import Path
from typing import NamedTuple

from . import course as _course

__all__ = [
    "MISTAKES",
    "Mistake",
    "clean",
    "context",
    "course_imports",
    "hints",
    "input_independent",
    "locate",
    "strip_counterexample",
]


class Mistake(NamedTuple):
    """A common mistake: how to recognise it, what to say, where the chapter explains it.

    Attributes:
        pattern: a regular expression searched in ``"<ExceptionType>: <message>"``.
        advice: what went wrong and how to fix it, in the course's words.
        section: the chapter section, ``"docs/chapters/<file>.md#<heading>"`` (exact heading).
    """

    pattern: str
    advice: str
    section: str


_CH1 = "docs/chapters/01_installing.md"
_CH2 = "docs/chapters/02_jax_for_scientists.md"
_CH4 = "docs/chapters/04_hessians.md"

#: Common JAX mistakes, in course language (the first matching entries are shown).
MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        r"^TracerArrayConversionError",
        "a NumPy function (np.…) was given a traced JAX array: inside jax.grad, jax.jit or "
        "jax.vmap your arrays are tracers, which NumPy cannot read. Use jax.numpy (jnp.…) in "
        "exercise code.",
        f"{_CH2}#`jit`: compile once, run fast",
    ),
    Mistake(
        r"^(ConcretizationTypeError|TracerBoolConversionError|TracerIntegerConversionError)",
        "float(), int(), bool(), `if`, `while` or a range() of a traced value: under "
        "jax.grad, jax.jit or jax.vmap a value is abstract (it has a shape and a dtype, not a "
        "number yet). Keep it a JAX array (jnp.where instead of `if`, x.astype instead of "
        "float(x)) and convert only the final result.",
        f"{_CH2}#Tracing, static arguments and recompilation",
    ),
    Mistake(
        r"^TypeError: (Error interpreting argument to .* as an abstract array"
        r"|Cannot interpret value of type .* as an abstract array)",
        "jax.jit was applied to a function that takes a function (the `energy` the test "
        "passes in) as an argument: jit traces array arguments only. Do not decorate the "
        "exercise function with @jax.jit; jit a function of the arrays instead, e.g. "
        "jax.jit(jax.hessian(energy)), or fix the function with a closure.",
        f"{_CH2}#Tracing, static arguments and recompilation",
    ),
    Mistake(
        r"returned a Python tuple|'tuple' object has no attribute",
        "a tuple is not an array: jax.jvp and jax.value_and_grad return a pair (value, "
        "derivative); keep the part you need, e.g. `_, hv = jax.jvp(...)`.",
        f"{_CH4}#Hessian-vector products without the Hessian",
    ),
    Mistake(
        r"returned dtype float32",
        "a float32 result: the tests switch JAX's 64-bit mode on, so float32 comes from a "
        "cast in your code (dtype=jnp.float32, .astype(jnp.float32), np.float32). Remove it.",
        f"{_CH1}#JAX computes in float32 unless told otherwise",
    ),
    Mistake(
        r"JAX arrays are immutable",
        "JAX arrays cannot be changed in place (x[i] = y): write x = x.at[i].set(y) (or "
        ".add, .multiply), which returns a new array.",
        f"{_CH2}#Arrays: NumPy's API, but immutable",
    ),
)

# what a function argument looks like to jit: the course's Ref, a Python function, a partial
_FUNCTION_ARG = re.compile(
    r"as an abstract array\. The problematic value is of type <class '([\w.]+)'>"
    r"|Cannot interpret value of type <class '([\w.]+)'> as an abstract array"
)
_NUMPY_SCALAR = re.compile(r"\bnp\.(?:u?int|float|bool_?)\d*\(([^()]*)\)")


def _headline(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def clean(text: str) -> str:
    """Course-facing text: ``np.int64(0)`` → ``0``; an internal argument type → a function.

    Args:
        text: a message (of an exception raised by student code or a check).

    Returns:
        The message with NumPy scalar reprs as plain numbers and the catalog's ``Ref``
        (the trusted functions the tests pass in) named as what it is to the student.
    """
    text = _NUMPY_SCALAR.sub(r"\1", text)
    return re.sub(r"<class '[\w.]*catalog\.Ref'>", "<a function (energy)>", text)


def hints(exc: BaseException) -> list[str]:
    """Course-language advice for a known JAX mistake, with the chapter section.

    Args:
        exc: one leaf exception of a failing test.

    Returns:
        Lines ``"hint: ..."`` and ``"see: <chapter>#<section>"`` (empty when none applies).
    """
    line = _headline(exc)
    for mistake in MISTAKES:
        if re.search(mistake.pattern, line, re.DOTALL):
            return [f"hint: {mistake.advice}", f"see: {mistake.section}"]
    return []


def input_independent(exc: BaseException) -> bool:
    """Whether an error does not depend on the test's input (reported once per set).

    The module does not import (:class:`~jaxnm_course.grading.target.TargetImportError`,
    checked by the plugin) or ``jax.jit`` was applied to a function with a function
    argument: every call fails the same way, whatever Hypothesis draws.

    Args:
        exc: one leaf exception.

    Returns:
        True for the kinds above.
    """
    return isinstance(exc, TypeError) and _FUNCTION_ARG.search(str(exc)) is not None


def strip_counterexample(notes: list[str]) -> list[str]:
    """Drop Hypothesis' example notes (meaningless when the error ignores the input).

    Args:
        notes: the exception's ``__notes__``.

    Returns:
        The notes without ``Falsifying example`` / ``Failing test case`` blocks.
    """
    return [n for n in notes if not re.match(r"\s*(Falsifying|Failing test case|Trying)", n)]


def _student_modules(target: Path) -> set[Path]:
    found = _course.current()
    names = [s.filename for s in found.sets] if found is not None else []
    return {(target / n).resolve() for n in names}


def _resolved(filename: str) -> Path | None:
    try:
        return Path(filename).resolve()
    except (OSError, ValueError):
        return None


class Location(NamedTuple):
    """Where a failure happened.

    Attributes:
        yours: the deepest frame in the student's module, or None.
        test: the test function's own frame (else the deepest frame in the test file), or None.
    """

    yours: traceback.FrameSummary | None
    test: traceback.FrameSummary | None


def locate(exc: BaseException, target: Path, test_file: Path, test_name: str) -> Location:
    """The student's frame and the test's frame of an exception's traceback.

    Args:
        exc: the exception.
        target: the folder under test.
        test_file: the test's file.
        test_name: the test function's name (without parametrisation).

    Returns:
        The two frames (each None when absent).
    """
    frames = traceback.extract_tb(exc.__traceback__)
    modules = _student_modules(target)
    yours = [f for f in frames if _resolved(f.filename) in modules]
    test_file = test_file.resolve()
    in_test = [f for f in frames if _resolved(f.filename) == test_file]
    own = [f for f in in_test if f.name == test_name]
    test = (own or in_test or [None])[-1]
    return Location(yours[-1] if yours else None, test)


def context(exc: BaseException, target: Path, lines: int = 2) -> list[str]:
    """The student's frames, each with ``lines`` lines of source either side (``--tb=long``).

    Args:
        exc: the exception.
        target: the folder under test.
        lines: lines of context before and after the failing line.

    Returns:
        Text lines (empty when the traceback has no frame in the student's modules).
    """
    modules = _student_modules(target)
    out: list[str] = []
    for f in traceback.extract_tb(exc.__traceback__):
        if _resolved(f.filename) not in modules or f.lineno is None:
            continue
        out.append(f"{Path(f.filename).name}:{f.lineno} in {f.name}:")
        for n in range(max(1, f.lineno - lines), f.lineno + lines + 1):
            text = linecache.getline(f.filename, n).rstrip()
            if not text and n > f.lineno:
                break
            out.append(f"{'>' if n == f.lineno else ' '} {n:4d}  {text}")
    return out


def _imports(path: Path) -> set[str]:
    try:
        tree = ast.parse(path.read_text("utf-8"))
    except (OSError, SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def course_imports(course: _course.Course, module: Path) -> list[str]:
    """The packages ``module`` imports that the grader refuses (``--forbid auto``).

    The same decision as :func:`jaxnm_course.grading.course.default_forbid`: the course
    library when no reference solution imports it, and the course's support package.

    Args:
        course: the course.
        module: an exercise module of the target folder.

    Returns:
        The forbidden top-level packages it imports, sorted (empty when none or no file).
    """
    if not module.is_file():
        return []
    forbidden = _course.default_forbid(course.root)
    found = {
        name
        for imported in _imports(module)
        for name in forbidden
        if imported == name or imported.startswith(name + ".")
    }
    return sorted(found)
