"""Chapter 1 executes whatever the reader's environment says (issue 15, item 6).

Scientists often export ``JAX_ENABLE_X64=1``; chapter 1 shows JAX's float32 default, so it
must switch x64 off for that demonstration itself rather than rely on the environment. This
test runs the chapter as the Sphinx build does (MyST-NB's reader, an nbclient kernel,
``raises-exception`` cells allowed to fail) with ``JAX_ENABLE_X64=1`` and threaded BLAS
variables set, and fails on any other error. About 20 s (one kernel, JAX import, small cells).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "docs" / "chapters" / "01_installing.md"

pytestmark = [pytest.mark.slow, pytest.mark.site]


def execute_chapter(path: Path, env: dict[str, str], timeout: int = 120):
    """Execute a MyST Markdown chapter in a fresh kernel; return the executed notebook."""
    nbclient = pytest.importorskip("nbclient")
    read = pytest.importorskip("myst_nb.core.read")
    nb = read.read_myst_markdown_notebook(path.read_text(encoding="utf-8"))
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # the kernel inherits the environment of this process
    try:
        client = nbclient.NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb


def test_chapter_1_runs_with_x64_enabled_in_the_environment() -> None:
    env = dict(os.environ)
    env.update(
        JAX_ENABLE_X64="1",  # the setting that used to break the float32-default cell
        JAX_PLATFORMS="cpu",
        OPENBLAS_NUM_THREADS="2",
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p),
    )
    nb = execute_chapter(CHAPTER, env)  # nbclient raises CellExecutionError on a failing cell
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "chapter 1 has no code cells"
    assert all(c.get("execution_count") for c in code), "a cell did not run"
    for cell in code:
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        tags = cell.get("metadata", {}).get("tags", [])
        assert not errors or "raises-exception" in tags, (cell.source, errors)
    printed = "".join(
        o.get("text", "") for c in code for o in c.get("outputs", []) if o.get("name") == "stdout"
    )
    assert "float32" in printed, "the float32 default was not shown"
