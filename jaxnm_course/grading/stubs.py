"""Generate the exercise stubs in ``exercises/`` from the reference answers in ``solutions/``.

The sets come from the course declaration (``exercises/course.toml``, see
:mod:`jaxnm_course.grading.course`): for each set, ``solutions/<module>.py`` gives
``exercises/<module>.py``. Each solution module marks its holes::

    def hessian(energy, R):
        \"\"\"Docstring (kept).\"\"\"
        # HINT: jax.hessian returns shape (N, 3, N, 3).
        # BEGIN SOLUTION
        ...the answer...
        # END SOLUTION

and the stub keeps everything except the lines between the markers (markers included),
which become ``raise NotImplementedError("<set id>: hessian not implemented yet")`` at the
marker's indentation. ``# HINT:`` comments stay. Usage::

    python -m jaxnm_course.grading.stubs                  # write this checkout's stubs
    python -m jaxnm_course.grading.stubs --check          # exit 1 if a stub is out of date
    python -m jaxnm_course.grading.stubs --course PATH    # another course
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

from . import course as _course

__all__ = ["HEADER", "api", "generate", "generate_stub", "main"]

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"

#: First line of every generated stub (written for the student who opens it: it names no
#: instructor file; ``{label}`` is the set id, ``{name}`` the module's file name).
HEADER = (
    "# Exercise set {label}: replace each `raise NotImplementedError` "
    "(test: pytest exercises -m {label})."
)

_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)")
_LABEL = re.compile(r"^([A-Za-z][A-Za-z0-9]*)_\w+\.py$")


def generate_stub(source: str, filename: str, label: str | None = None) -> str:
    """The stub text of one solution module.

    Args:
        source: the solution's source code.
        filename: its file name (named in the stub's header).
        label: the set id the messages start with; default the file name up to its first
            underscore (``ex07`` for ``ex07_demo.py``).

    Returns:
        The stub's source code.

    Raises:
        ValueError: unbalanced or nested markers, a marker outside a function, or no label.
    """
    if label is None:
        match = _LABEL.match(filename)
        if match is None:
            raise ValueError(f"generate_stub: no set label in {filename!r}; pass label=")
        label = match.group(1)
    out = [HEADER.format(name=filename, label=label)]
    inside = False
    function = None
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if not inside:
            found = _DEF.match(line)
            if found:
                function = found.group(2)
        if stripped == BEGIN:
            if inside:
                raise ValueError(f"{filename}:{number}: nested {BEGIN}")
            if function is None:
                raise ValueError(f"{filename}:{number}: {BEGIN} outside a function")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            message = f"{label}: {function} not implemented yet"
            out.append(f'{indent}raise NotImplementedError("{message}")')
        elif stripped == END:
            if not inside:
                raise ValueError(f"{filename}:{number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{filename}: {BEGIN} without {END}")
    return "\n".join(out) + "\n"


def api(source: str) -> dict[str, tuple[str, str | None]]:
    """Public surface of a module: each function's signature and docstring, and the module's.

    Args:
        source: Python source code.

    Returns:
        ``{qualified name: (ast dump of the arguments and return annotation, docstring)}``
        for every function and class, plus ``"<module>"`` for the module docstring.
    """
    tree = ast.parse(source)
    out: dict[str, tuple[str, str | None]] = {"<module>": ("", ast.get_docstring(tree))}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                returns = ast.dump(child.returns) if child.returns else ""
                sig = f"{ast.dump(child.args)} -> {returns}"
                out[prefix + child.name] = (sig, ast.get_docstring(child))
            elif isinstance(child, ast.ClassDef):
                body = ast.dump(ast.Module(body=list(child.body), type_ignores=[]))
                out[prefix + child.name] = (body, ast.get_docstring(child))

    visit(tree, "")
    return out


def generate(
    solutions: Path,
    exercises: Path,
    *,
    check: bool = False,
    course: _course.Course | None = None,
) -> list[Path]:
    """Write (or, with ``check``, compare) the stub of every declared set.

    Args:
        solutions: folder of the solution modules.
        exercises: folder of the stubs.
        check: do not write; report the stubs that would change.
        course: the course whose sets are generated; default the one declared in
            ``exercises/course.toml``.

    Returns:
        The stub paths that changed (or would change).

    Raises:
        FileNotFoundError: no declaration, or a declared set without its solution module.
    """
    course = course if course is not None else _course.load(exercises)
    changed = []
    for entry in course.sets:
        src = solutions / entry.filename
        if not src.is_file():
            raise FileNotFoundError(f"set {entry.id}: no solution module {src}")
        stub = generate_stub(src.read_text(encoding="utf-8"), src.name, entry.id)
        dest = exercises / src.name
        current = dest.read_text(encoding="utf-8") if dest.is_file() else None
        if current != stub:
            changed.append(dest)
            if not check:
                dest.write_text(stub, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m jaxnm_course.grading.stubs [--course PATH] [--check]``.

    Args:
        argv: arguments (default: ``sys.argv[1:]``).

    Returns:
        Exit status: 0, or 1 when ``--check`` finds a stub out of date.
    """
    parser = argparse.ArgumentParser(prog="python -m jaxnm_course.grading.stubs")
    parser.add_argument(
        "--course",
        type=Path,
        default=None,
        help="the course (folder, its exercises/ folder or course.toml; default: this one)",
    )
    parser.add_argument("--solutions", type=Path, default=None, help="default: the course's")
    parser.add_argument("--exercises", type=Path, default=None, help="default: the course's")
    parser.add_argument("--check", action="store_true", help="exit 1 if a stub is out of date")
    args = parser.parse_args(argv)
    course = _course.load(args.course if args.course is not None else args.exercises)
    changed = generate(
        args.solutions or course.solutions,
        args.exercises or course.exercises,
        check=args.check,
        course=course,
    )
    for path in changed:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    if args.check and changed:
        again = f" --course {args.course}" if args.course is not None else ""
        print(f"regenerate with: python -m jaxnm_course.grading.stubs{again}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
