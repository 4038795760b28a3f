"""Sphinx configuration of the jaxnm-course site.

Build (what ``make demo`` runs)::

    sphinx-build -W --keep-going -b html docs docs/_build/html            # student site
    sphinx-build -W --keep-going -t instructor -b html docs docs/_build/html-instructor

Chapters are MyST Markdown notebooks executed at build time through a cache in
``docs/_build/.jupyter_cache``: a rebuild with nothing changed re-runs nothing. A failing
cell (or a failing ``assert`` that checks a number) fails the build, unless the cell is
tagged ``raises-exception``. Nothing here touches the network: MathJax is served from the
``django-static-mathjax`` wheel (MathJax 3, copied into the build), and intersphinx reads
the inventories committed in ``docs/_intersphinx`` (how each was made: its README.md).
"""

from __future__ import annotations

import importlib.util
import os
import pkgutil
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))

from exercise_sets import escape_docstring_lines  # noqa: E402

import jaxnm_course  # noqa: E402

INSTRUCTOR = "instructor" in tags  # noqa: F821  (`tags` is injected by Sphinx)

project = "jaxnm-course"
author = "jaxnm-course contributors"
copyright = "jaxnm-course contributors, MIT licence"
release = jaxnm_course.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
    "sphinx_design",
    "exercise_sets",  # docs/_ext: brief, stubs, hints; solutions on the instructor build
    "chapter_notebooks",  # docs/_ext: chapters as .ipynb, launch links, 3Dmol.js where used
]

exclude_patterns = [
    "_build",
    "_intersphinx",
    "jupyter_execute",
    "**.ipynb_checkpoints",
    "README.md",
    "chapters/_generated",  # files the chapters write for download (PDB, NMD)
]
templates_path: list[str] = []

# --- MyST and MyST-NB ------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3
nb_execution_mode = os.environ.get("JAXNM_NB_EXECUTION_MODE", "cache")
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 180  # seconds per cell; every chapter is sized for seconds
nb_execution_excludepatterns: list[str] = []
nb_merge_streams = True
nb_kernel_rgx_aliases = {".*": "python3"}

# --- intersphinx: links into the JAX, NumPy, SciPy and Python docs, without the network -----
# Each mapping names a committed inventory file, so Sphinx never downloads one. python.inv
# and scipy.inv are the real inventories from Debian's documentation packages (SciPy's is
# for 1.10.1, so its links point at that version's pages); jax.inv and numpy.inv list the
# objects the course cites, checked against the installed packages by make_inventories.py.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3/", "_intersphinx/python.inv"),
    "scipy": ("https://docs.scipy.org/doc/scipy-1.10.1/", "_intersphinx/scipy.inv"),
    "jax": ("https://docs.jax.dev/en/latest/", "_intersphinx/jax.inv"),
    "numpy": ("https://numpy.org/doc/stable/", "_intersphinx/numpy.inv"),
}
intersphinx_timeout = 1  # a local file never waits; a URL slipped in here fails fast

# --- autodoc ---------------------------------------------------------------------------------
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # NamedTuple "Attributes:" as fields, not duplicate objects
add_module_names = False


def _write_api_pages() -> list[str]:
    """One page per public module of jaxnm_course (modules added later appear by themselves)."""
    out = HERE / "api" / "generated"
    out.mkdir(parents=True, exist_ok=True)
    names = sorted(
        m.name for m in pkgutil.iter_modules(jaxnm_course.__path__) if not m.name.startswith("_")
    )
    for stale in out.glob("*.md"):
        if stale.stem not in names:
            stale.unlink()
    for name in names:
        page = out / f"{name}.md"
        text = (
            f"# `jaxnm_course.{name}`\n\n"
            f"```{{eval-rst}}\n.. automodule:: jaxnm_course.{name}\n```\n"
        )
        if not page.exists() or page.read_text() != text:  # keep mtimes: rebuilds stay fast
            page.write_text(text)
    return names


API_MODULES = _write_api_pages()

# --- MathJax, served locally so the site reads offline ---------------------------------------
_mathjax_src = Path(importlib.util.find_spec("mathjax").origin).parent / "static" / "mathjax"
_mathjax_dst = HERE / "_build" / ".static" / "mathjax"
_mathjax_dst.mkdir(parents=True, exist_ok=True)
if not (_mathjax_dst / "tex-svg.js").exists():
    shutil.copy2(_mathjax_src / "es5" / "tex-svg.js", _mathjax_dst / "tex-svg.js")
mathjax_path = "mathjax/tex-svg.js"
# Font cache "global" keeps the SVG small; the menu is off so nothing is loaded lazily.
mathjax3_config = {
    "svg": {"fontCache": "global"},
    "options": {"enableMenu": False},
}

# --- HTML ------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "NMA with JAX" + (" (instructor)" if INSTRUCTOR else "")
html_static_path = ["_static", str(_mathjax_dst.parent)]
html_css_files = ["custom.css"]
html_favicon = "_static/favicon.svg"  # else browsers ask for /favicon.ico and log a 404
# The theme logs a console error when no colour mode is set (fresh browser profile).
html_context = {"default_mode": "auto"}
html_last_updated_fmt = None
html_copy_source = True  # the .md sources name exercise files, never solution text
html_show_sourcelink = True
# --- Get and run the code: repository link, notebook downloads, launch buttons ------------------
# The repository the site links to (header button, exercise files, Binder and Colab); a fork
# sets JAXNM_REPOSITORY_URL (a GitHub URL) when it builds its own site.
REPOSITORY_URL = os.environ.get(
    "JAXNM_REPOSITORY_URL", "https://github.com/jaxnm-course/jaxnm-course"
).rstrip("/")
REPOSITORY_BRANCH = os.environ.get("JAXNM_REPOSITORY_BRANCH", "main")
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,  # .md source and .ipynb (docs/_ext/chapter_notebooks.py)
    "repository_url": REPOSITORY_URL,
    "repository_branch": REPOSITORY_BRANCH,
    "path_to_docs": "docs",
    "use_repository_button": True,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
    # Binder builds binder/ (requirements, postBuild writes the .ipynb next to each chapter);
    # Colab opens the notebooks published on the `notebooks` branch (pages workflow). Both
    # URLs are set per page by chapter_notebooks.py.
    "launch_buttons": {
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    },
}
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

# Matplotlib figures as PNG only (one figure per cell output, checked by tests/site/test_site.py).
nb_render_image_options = {"align": "center"}
nb_mime_priority_overrides = [("html", "image/svg+xml", None)]

myst_substitutions = {
    "version": release,
    "repository_link": f"[{REPOSITORY_URL}]({REPOSITORY_URL})",
}


# --- docstrings: plain-text maths in reST ------------------------------------------------------
# The library's docstrings are written to read well in a terminal (``help()``), so they use
# |x| for norms and *args in prose; reST would take those for substitutions and emphasis.
# Escape them outside literals, roles and math/literal blocks, without touching the source.


def _escape_docstring(app, what, name, obj, options, lines):
    lines[:] = escape_docstring_lines(lines)


def setup(app):
    app.connect("autodoc-process-docstring", _escape_docstring)
