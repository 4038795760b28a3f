"""Property tests call the student's code with the input Hypothesis drew (issue 14).

A test that edits its drawn input before the call (``R[1] = R[0]``, ``v = v.reshape(-1)``)
prints a counterexample that is not the input that failed; such inputs are drawn as such
(a mapped strategy) instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "exercises").glob("test_ex*.py")) + sorted(
    (ROOT / "hidden_tests").glob("test_ex*.py")
)


def _edits_of_drawn_inputs(path: Path) -> list[str]:
    found = []
    for fn in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(fn, ast.FunctionDef):
            continue
        if not any("given" in ast.unparse(d) for d in fn.decorator_list):
            continue
        drawn = {a.arg for a in fn.args.args}
        for node in ast.walk(fn):
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            else:
                continue
            for target in targets:
                names = ast.walk(target) if isinstance(target, ast.Tuple) else [target]
                for name in names:
                    while isinstance(name, ast.Subscript | ast.Attribute):
                        name = name.value
                    if isinstance(name, ast.Name) and name.id in drawn:
                        found.append(f"{path.name}:{node.lineno} {fn.name}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_property_test_edits_its_drawn_input(path):
    assert _edits_of_drawn_inputs(path) == []


def test_the_check_sees_an_edit(tmp_path):
    bad = tmp_path / "test_ex99_bad.py"
    bad.write_text("@given(R=x)\ndef test_a(R):\n    R = R.copy()\n    R[1] = R[0]\n", "utf-8")
    assert len(_edits_of_drawn_inputs(bad)) == 2
