"""Hints are a ladder, rendered one collapsed level at a time (no Sphinx build needed).

``docs/_ext/exercise_sets.py`` turns the ``# HINT:`` comments of each exercise function into
nested dropdowns (the idea, where to look, part of the code). These checks run its parsing
helpers on every stub and parse the generated reST with docutils (a stand-in ``dropdown``
directive, since sphinx-design needs a Sphinx app): no markup warning, one nesting level per
hint, the hint text intact.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from typing import ClassVar

import pytest
from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives

ROOT = Path(__file__).resolve().parents[2]
STUBS = sorted((ROOT / "exercises").glob("ex[0-9][0-9]_*.py"))


def _extension():
    spec = importlib.util.spec_from_file_location(
        "exercise_sets", ROOT / "docs/_ext/exercise_sets.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


X = _extension()


class _Dropdown(Directive):
    """sphinx-design's ``dropdown`` as a plain container (title kept as an attribute)."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec: ClassVar = {"icon": directives.unchanged, "color": directives.unchanged}

    def run(self):
        node = nodes.container(title=self.arguments[0])
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


directives.register_directive("dropdown", _Dropdown)


def _functions(stub: Path):
    source = stub.read_text(encoding="utf-8")
    tree = ast.parse(source)
    defs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    return [(name, X._hints(source, tree, name)) for name in X._stub_names(tree) if name in defs]


@pytest.mark.parametrize("stub", STUBS, ids=[p.stem for p in STUBS])
def test_every_function_has_a_ladder_that_renders_one_level_at_a_time(stub):
    functions = _functions(stub)
    assert functions, stub
    for name, hints in functions:
        assert len(hints) >= 2, f"{stub.name}:{name}: a ladder needs at least two hints"
        assert "Chapter" in hints[1] or "chapter" in hints[1], f"{name}: hint 2 names no chapter"
        doc = publish_doctree(
            "\n".join(X.hint_ladder(hints)),
            settings_overrides={"report_level": 1, "halt_level": 5, "warning_stream": False},
        )
        problems = [m.astext() for m in doc.findall(nodes.system_message)]
        assert not problems, f"{stub.name}:{name}: {problems}"
        depth, node = 0, doc
        while inner := [c for c in node.children if isinstance(c, nodes.container)]:
            assert len(inner) == 1, f"{name}: one level may hold only the next one"
            node, depth = inner[0], depth + 1
        assert depth == len(hints), f"{name}: {depth} nested levels for {len(hints)} hints"
        text = " ".join(doc.astext().split())
        for hint in hints:
            assert " ".join(hint.split()) in text, f"{name}: hint text lost: {hint!r}"


def test_continuation_lines_join_their_level_and_code_ends_the_ladder():
    source = (
        "def f(x):\n"
        '    """Doc."""\n'
        "    # HINT: the idea,\n"
        "    # continued.\n"
        "    # HINT: Chapter 2: x**2 and a_b `c`\n"
        "    y = 1  # not a hint\n"
        "    # a later comment\n"
        "    return y\n"
    )
    tree = ast.parse(source)
    assert X._hints(source, tree, "f") == ["the idea, continued.", "Chapter 2: x**2 and a_b `c`"]
    assert X.escape_hint("x**2 a_b `c` |d|") == r"x\*\*2 a\_b \`c\` \|d\|"
