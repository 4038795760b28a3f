"""Chapters as notebooks: generated from the MyST sources, valid, runnable; launch files.

Every chapter converts (MyST-NB's reader, docs/_ext/chapter_notebooks.py) into a valid
``.ipynb`` with the setup cell first and every code cell of the source; one small chapter
is executed with nbclient (the others run at every site build in their .md form, with the
same code and the same assertions). The Binder files and the launch URLs are checked as
files and strings: they cannot be exercised offline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("myst_nb")

import chapter_notebooks as cn  # noqa: E402

CHAPTERS = sorted((ROOT / "docs" / "chapters").glob("*.md"))


@pytest.mark.parametrize("md", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_converts_to_a_valid_notebook(md: Path) -> None:
    nb = cn.chapter_notebook(md, "https://github.com/example/course")
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    n_source = len(re.findall(r"^```\{code-cell\}", md.read_text(encoding="utf-8"), re.M))
    assert len(code) == n_source + 1, "every code cell of the chapter, plus the setup cell"
    assert cn.SETUP_TAG in code[0].metadata["tags"]
    assert 'REPOSITORY = "https://github.com/example/course"' in code[0].source
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.get("outputs") for c in code)  # a clean notebook, not the executed copy


@pytest.mark.slow
def test_a_chapter_notebook_executes(monkeypatch: pytest.MonkeyPatch) -> None:
    nbclient = pytest.importorskip("nbclient")
    md = ROOT / "docs" / "chapters" / "01_installing.md"
    nb = cn.chapter_notebook(md)
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    monkeypatch.setenv("PYTHONPATH", path)  # the kernel imports this checkout's library
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(md.parent)}},
        allow_error_names=[],
    )
    # Cells tagged raises-exception demonstrate an error: nbclient honours the tag.
    client.execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error" and not _expected(nb, o)]
    assert "jaxnm_course" in "".join(o.get("text", "") for o in nb.cells[1].outputs)


def _expected(nb, output) -> bool:
    for cell in nb.cells:
        if cell.cell_type == "code" and output in cell.outputs:
            return "raises-exception" in cell.metadata.get("tags", [])
    return False


def test_script_writes_every_chapter(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "_ext" / "chapter_notebooks.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.stem for p in tmp_path.glob("*.ipynb")) == [p.stem for p in CHAPTERS]


def test_binder_files() -> None:
    binder = ROOT / "binder"
    runtime = (binder / "runtime.txt").read_text().strip()
    major, minor = map(int, runtime.removeprefix("python-").split(".")[:2])
    assert (major, minor) >= (3, 11)
    req = (binder / "requirements.txt").read_text()
    assert "-c ../constraints.txt" in req
    assert "myst-nb" in req
    post = binder / "postBuild"
    assert os.access(post, os.X_OK)
    text = post.read_text()
    assert 'pip install --no-cache-dir -c constraints.txt -e ".[plot]"' in text
    assert "docs/_ext/chapter_notebooks.py docs/chapters" in text


def test_launch_urls() -> None:
    urls = cn.launch_urls("https://github.com/org/repo/", "main", "chapters/05_molecules")
    assert urls["Binder"] == (
        "https://mybinder.org/v2/gh/org/repo/main?urlpath=lab/tree/docs/chapters/"
        "05_molecules.ipynb"
    )
    assert urls["Colab"] == (
        "https://colab.research.google.com/github/org/repo/blob/notebooks/docs/chapters/"
        "05_molecules.ipynb"
    )
    # The branch the Colab link names is the one the pages workflow publishes.
    workflow = (ROOT / ".github" / "workflows" / "pages.yml").read_text()
    assert f"git init -q -b {cn.NOTEBOOK_BRANCH}" in workflow
    assert "cp docs/_build/html/_sources/chapters/*.ipynb" in workflow
