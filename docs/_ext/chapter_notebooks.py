"""Chapters as Jupyter notebooks, launch links, and the 3D viewer's script where it is used.

* :func:`chapter_notebook` turns a chapter (a MyST Markdown notebook) into an ``.ipynb``
  with MyST-NB's own reader, and puts a setup cell first: on Colab it clones the course
  and installs it; on Binder and in a clone it only checks the import. The Sphinx hook
  writes it as ``_sources/chapters/<name>.ipynb``, which is what the theme's download
  button (".ipynb") serves, in place of the executed copy the theme would put there.
* Launch links: sphinx-book-theme builds Binder and Colab URLs for the ``.md`` source; a
  notebook interface needs the ``.ipynb``: Binder's ``binder/postBuild`` writes them next
  to the sources (``python docs/_ext/chapter_notebooks.py``), and Colab opens them from
  the ``notebooks`` branch that ``.github/workflows/pages.yml`` publishes.
* Pages whose body holds a 3D viewer (``jaxnm_course.viewer``) get the pinned, local
  3Dmol.js (``_static/3dmol/``); other pages do not load it.

Run as a script (``python docs/_ext/chapter_notebooks.py [OUTDIR]``) it writes every
chapter's notebook (default: next to the ``.md`` sources).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "docs" / "chapters"
DEFAULT_REPOSITORY = "https://github.com/jaxnm-course/jaxnm-course"
NOTEBOOK_BRANCH = "notebooks"  # published by .github/workflows/pages.yml, for Colab
SETUP_TAG = "jaxnm-setup"

SETUP = """# Setup: run this cell first. On Google Colab it fetches the course and installs it
# (a minute); on Binder, or in a clone of the repository with the course installed
# (pip install -e ".[plot]"), it only checks that the library imports.
import os
import subprocess
import sys

REPOSITORY = "{repository}"
HOME = "/content/jaxnm-course"
if "google.colab" in sys.modules:
    if not os.path.isdir(HOME):
        subprocess.run(["git", "clone", "--depth", "1", REPOSITORY, HOME], check=True)
        pip = [sys.executable, "-m", "pip", "install", "-q"]
        subprocess.run([*pip, "-e", HOME + "[plot]"], check=True)
    sys.path.insert(0, HOME)
    os.chdir(HOME + "/docs/chapters")  # chapters read files relative to here

import jaxnm_course  # fails? install the course: see "Get the code" on the course's home page

print("jaxnm_course", jaxnm_course.__version__)"""


def chapter_notebook(md_path: Path, repository: str = DEFAULT_REPOSITORY) -> nbformat.NotebookNode:
    """The chapter ``md_path`` as a notebook (no outputs), with the setup cell first."""
    from myst_nb.core.read import read_myst_markdown_notebook

    nb = read_myst_markdown_notebook(Path(md_path).read_text(encoding="utf-8"), path=md_path)
    setup = nbformat.v4.new_code_cell(
        SETUP.format(repository=repository), metadata={"tags": [SETUP_TAG]}
    )
    first_md = 1 if nb.cells and nb.cells[0].cell_type == "markdown" else 0
    nb.cells.insert(first_md, setup)
    nb.metadata.pop("jupytext", None)  # a plain notebook now, not paired with the .md
    nb.metadata.setdefault("language_info", {"name": "python"})
    nbformat.validate(nb)
    return nb


def write_notebooks(out: Path, repository: str = DEFAULT_REPOSITORY) -> list[Path]:
    """Write every chapter's notebook into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for md in sorted(CHAPTERS.glob("*.md")):
        path = out / f"{md.stem}.ipynb"
        nbformat.write(chapter_notebook(md, repository), path)
        paths.append(path)
    return paths


def launch_urls(repository: str, branch: str, pagename: str) -> dict[str, str]:
    """Binder and Colab URLs that open the notebook of chapter ``pagename``."""
    org_repo = repository.rstrip("/").split("github.com/")[-1]
    return {
        "Binder": f"https://mybinder.org/v2/gh/{org_repo}/{branch}"
        f"?urlpath=lab/tree/docs/{pagename}.ipynb",
        "Colab": f"https://colab.research.google.com/github/{org_repo}/blob/"
        f"{NOTEBOOK_BRANCH}/docs/{pagename}.ipynb",
    }


def _walk(buttons):
    for button in buttons:
        yield button
        yield from _walk(button.get("buttons", []))


def _page_context(app, pagename, templatename, context, doctree):
    if "jaxnm-3dmol" in context.get("body", ""):
        app.add_js_file("3dmol/3Dmol-min.js")
    if not pagename.startswith("chapters/"):  # the home page runs a cell too: no launch
        buttons = context.get("header_buttons", [])
        buttons[:] = [b for b in buttons if b.get("label") != "launch-buttons"]
        return
    options = app.config.html_theme_options
    repository = options.get("repository_url", DEFAULT_REPOSITORY)
    md = CHAPTERS / f"{pagename.split('/', 1)[1]}.md"
    target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(chapter_notebook(md, repository), target)
    context["ipynb_source"] = f"{pagename}.ipynb"
    urls = launch_urls(repository, options.get("repository_branch", "main"), pagename)
    for button in _walk(context.get("header_buttons", [])):
        if button.get("text") in urls:
            button["url"] = urls[button["text"]]


def setup(app):
    # After the theme's own handlers (priority 501), which build the header buttons.
    app.connect("html-page-context", _page_context, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else CHAPTERS
    for p in write_notebooks(target):
        print(p)
