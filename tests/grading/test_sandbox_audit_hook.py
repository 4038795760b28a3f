"""The audit hook (a second layer): its state is out of reach of its own traceback.

The old hook kept its state in closure cells; the frames in the traceback of its own
``PermissionError`` gave the function, whose cells and code could then be replaced, which
switched the hook off. Run in a fresh interpreter (a hook cannot be removed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from . import _hostile_sandbox as hs

ATTACK = (
    hs.PRELUDE.format(token="t", course="/c", scratch="/s", out="/o", port=9)
    + r"""
try:
    _os.system("true")
    print("RESULT", HOOK, "system-ran")
except PermissionError:
    print("RESULT", HOOK, "system-refused")
"""
)


def _run(tmp_path: Path, attack: str) -> str:
    code = (
        f"import sys; sys.path.insert(0, {str(hs.REPO)!r})\n"
        "from jaxnm_course.grading.worker import install_audit_hook\n"
        f"install_audit_hook({str(tmp_path)!r}, [])\n"
    ) + attack
    r = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60
    )
    line = [x for x in r.stdout.splitlines() if x.startswith("RESULT")]
    assert line, r.stdout + r.stderr
    return line[0]


def test_the_traceback_of_the_hook_gives_no_way_to_switch_it_off(tmp_path):
    line = _run(tmp_path, ATTACK)
    assert line.endswith("system-refused"), line
    assert "hook disabled" not in line


def test_the_hook_and_its_helpers_cannot_be_rewritten(tmp_path):
    attack = r"""
import os, sys
try:
    os.system("true")
except PermissionError as e:
    tb = e.__traceback__
    while tb.tb_frame.f_code.co_name != "hook":
        tb = tb.tb_next
    loc = tb.tb_frame.f_locals
    refused = []
    for fn in (loc["_protected"][0], loc["_check"], os.path.realpath):
        for attr, value in (("__code__", (lambda *a, **k: None).__code__),
                            ("__defaults__", None)):
            try:
                setattr(fn, attr, value)
            except (PermissionError, ValueError, TypeError):
                refused.append(attr)
    print("RESULT", len(refused))
"""
    assert _run(tmp_path, attack) == "RESULT 6"
