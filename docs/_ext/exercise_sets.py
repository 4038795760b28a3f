"""Sphinx directive ``exercise-set``: a chapter's exercises, pulled from the source files.

Usage in a MyST chapter::

    ```{exercise-set} ex03_energies
    ```

renders, from ``exercises/ex03_energies.py`` (the stub students edit): the brief (the module
docstring), then for each name in the stub's ``__all__`` the stub itself (signature,
docstring, hint comments, ``raise NotImplementedError``) through ``literalinclude
:pyobject:`` (never pasted), and its hints (``# HINT:`` comments) as a ladder of nested,
collapsed dropdowns: the first names the idea, the second (opened from inside the first)
where to look, the last part of the code; a reader opens one level at a time.

Solutions come from ``solutions/ex03_energies.py`` and are emitted **only** when Sphinx runs
with the ``instructor`` tag (``sphinx-build -t instructor``), inside a dropdown. In the
student build the solution file is never read, so no solution text can reach the pages, the
search index, ``_sources`` or the downloads; the site tests check that.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[2]
_PROTECTED = re.compile(r"(``.*?``|:[\w:+-]+:`[^`]*`|`[^`]*`_?)")
_STARS = re.compile(r"(?<![\\*\w])\*{1,2}(?=(args|kwargs|energy_fns)\b)")


def escape_plain(text: str) -> str:
    """Escape |x| and *args of plain-text docstrings for reST, outside literals and roles."""
    parts = _PROTECTED.split(text)
    for i in range(0, len(parts), 2):  # even entries are outside the protected tokens
        parts[i] = _STARS.sub(lambda m: "\\" + "\\".join(m.group(0)), parts[i].replace("|", r"\|"))
    return "".join(parts)


def escape_docstring_lines(lines: list[str]) -> list[str]:
    """Apply :func:`escape_plain` to docstring lines, skipping directives and literal blocks."""
    out, block_indent = [], None
    for line in lines:
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if stripped and indent <= block_indent:
                block_indent = None
            else:
                out.append(line)
                continue
        if stripped.startswith(".. ") or line.rstrip().endswith("::"):
            block_indent = indent
            if stripped.startswith(".. "):
                out.append(line)
                continue
        out.append(line if stripped.startswith(("+-", "+=")) else escape_plain(line))
    return out


def _stub_names(tree: ast.Module) -> list[str]:
    """The functions (and classes) to write: those of ``__all__`` defined in the module."""
    defined = [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            public = {ast.literal_eval(e) for e in node.value.elts}
            return [name for name in defined if name in public]
    return [name for name in defined if not name.startswith("_")]


def _hints(source: str, tree: ast.Module, name: str) -> list[str]:
    """The hint ladder of one function: one string per level.

    A level starts at a ``# HINT:`` comment; the comment lines right below it (until the next
    ``# HINT:`` or the first line of code) continue it.
    """
    lines = source.splitlines()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            levels: list[str] = []
            inside = False
            for ln in lines[node.lineno - 1 : node.end_lineno]:
                s = ln.strip()
                if s.startswith("# HINT:"):
                    levels.append(s[len("# HINT:") :].strip())
                    inside = True
                elif inside and s.startswith("#"):
                    levels[-1] += " " + s[1:].strip()
                else:
                    inside = False
            return levels
    return []


#: Titles of the hint levels (a ladder: the idea, then where to look, then part of a line).
HINT_TITLES = ("Hint 1: the idea", "Hint 2: where to look", "Hint 3: part of the code")


def escape_hint(text: str) -> str:
    """A hint comment as reST text: every character that reST could read as markup escaped.

    Hints are plain text and partial lines of Python (``x**2``, ``a_b``, backticks), so
    ``* _ ` |`` and backslashes are all taken literally.
    """
    return re.sub(r"([\\*_`|])", r"\\\1", text)


def hint_ladder(hints: list[str]) -> list[str]:
    """reST for a hint ladder: nested, collapsed dropdowns, so each level opens on its own.

    Args:
        hints: the levels, from :func:`_hints`.

    Returns:
        reST lines (empty for no hints).
    """
    rst: list[str] = []
    for level, text in enumerate(hints):
        pad = "   " * level
        title = HINT_TITLES[level] if level < len(HINT_TITLES) else f"Hint {level + 1}"
        rst += [
            f"{pad}.. dropdown:: {title}",
            f"{pad}   :icon: light-bulb",
            f"{pad}   :color: info",
            "",
            f"{pad}   {escape_hint(text)}",
            "",
        ]
    return rst


def _is_myst(directive: SphinxDirective) -> bool:
    return not directive.env.doc2path(directive.env.docname).name.endswith(".rst")


class ExerciseSet(SphinxDirective):
    """``exercise-set <module>``: brief, stubs, hints, and solutions (instructor build only)."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        module = self.arguments[0]
        stub = ROOT / "exercises" / f"{module}.py"
        if not stub.exists():
            raise self.error(f"exercise-set: no stub file exercises/{module}.py")
        self.env.note_dependency(str(stub))
        source = stub.read_text(encoding="utf-8")
        tree = ast.parse(source)
        doc = (ast.get_docstring(tree) or "").splitlines()
        title, brief = (doc[0].rstrip("."), doc[1:]) if doc else (module, [])
        number = module[2:4]
        instructor = self.env.app.tags.has("instructor")

        rst = [f".. rubric:: {escape_plain(title)}", ""]
        rst += escape_docstring_lines(brief)
        rst += [
            "",
            f"Work in ``exercises/{module}.py``; your points: ``pytest exercises -m ex{number}``.",
            "",
        ]
        repository = self.env.config.html_theme_options.get("repository_url")
        if repository:  # where the file is, and how to get the exercises (home page)
            branch = self.env.config.html_theme_options.get("repository_branch", "main")
            rst += [
                f"The file: `exercises/{module}.py <{repository}/blob/{branch}/exercises/"
                f"{module}.py>`__ in the repository; how to get the exercises and run "
                "them: :ref:`start-students`.",
                "",
            ]
        for i, name in enumerate(_stub_names(tree), start=1):
            rst += [
                f".. rubric:: {number}.{i} ``{name}``",
                "",
                f".. literalinclude:: /../exercises/{module}.py",
                "   :language: python",
                f"   :pyobject: {name}",
                "",
            ]
            rst += hint_ladder(_hints(source, tree, name))
            if instructor:
                solution = ROOT / "solutions" / f"{module}.py"
                self.env.note_dependency(str(solution))
                rst += [
                    f".. dropdown:: Solution to {number}.{i}",
                    "   :color: success",
                    "   :icon: check-circle",
                    "",
                    f"   .. literalinclude:: /../solutions/{module}.py",
                    "      :language: python",
                    f"      :pyobject: {name}",
                    "",
                ]
        container = nodes.container(classes=["exercise-set"])
        # Chapters are MyST Markdown, whose nested parser reads Markdown: hand it the
        # generated reST through an eval-rst fence.
        text = ["`````{eval-rst}", *rst, "`````"] if self.env.docname and _is_myst(self) else rst
        self.state.nested_parse(StringList(text, source=str(stub)), self.content_offset, container)
        return [container]


def setup(app):
    app.add_directive("exercise-set", ExerciseSet)
    # Bump env_version when the generated markup changes: it forces a re-read of the chapters.
    return {"env_version": 4, "parallel_read_safe": True, "parallel_write_safe": True}
