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
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE / "_ext"))

from exercise_sets import escape_docstring_lines  # noqa: E402

import jaxnm_course  # noqa: E402

# --- the environment the chapters run in -----------------------------------------------------
# The site must build the same whatever the reader's shell says (issue 15): notebook kernels
# inherit this process's environment, so pin what changes JAX's results or speed. Chapters
# switch x64 on themselves (chapter 1 shows the float32 default, so the default must be off);
# CPU only, single-threaded BLAS/Eigen (on a busy small machine threads are 10-100x slower).
for _name in ("JAX_ENABLE_X64", "JAX_DEFAULT_DTYPE_BITS"):
    os.environ.pop(_name, None)
os.environ.update(
    JAX_PLATFORMS="cpu",
    OPENBLAS_NUM_THREADS="1",
    OMP_NUM_THREADS="1",
    MKL_NUM_THREADS="1",
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false",
    # Figures as SVG (sharp at any zoom): the kernels read docs/_ipython/profile_default.
    IPYTHONDIR=str(HERE / "_ipython"),
    # The kernels import this checkout's jaxnm_course, whatever else is installed.
    PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
)

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
    "_ipython",
    "README.md",
    "chapters/_generated",  # files the chapters write for download (PDB, NMD)
]
# The student site has no instructor guide (the student release does not ship it).
if not INSTRUCTOR:
    exclude_patterns.append("instructor.md")
templates_path: list[str] = []

# Every cross-reference must resolve: a dead link fails the build (-n -W). Ignored, each with
# its reason: nothing else.
nitpicky = True
nitpick_ignore = [
    # Annotations of third-party types with no page in the committed inventories.
    ("py:class", "scipy.sparse._base.sparray"),  # SciPy's private module paths, as
    ("py:class", "scipy.sparse._matrix.spmatrix"),  # typing prints them; not in its inventory
    ("py:class", "scipy.sparse._csr.csr_array"),
    ("py:class", "matplotlib.figure.Figure"),  # no matplotlib inventory is committed
    ("py:class", "matplotlib.animation.Animation"),
    ("py:class", "matplotlib.animation.FuncAnimation"),
    # jax.Array's runtime class path, as typing prints it inside Callable[[Array], Array].
    ("py:class", "jax.jaxlib._jax.Array"),
    # Sphinx renders ``ArrayLike | None`` under autodoc_type_aliases as a forward reference
    # it cannot resolve; the plain ArrayLike links fine.
    ("py:class", "TypeAliasForwardRef"),
    ("py:class", "'jax.typing.ArrayLike'"),
    # The package itself has no API page (each public module has one); the grading harness
    # is documented in the instructor guide, its submodules have no API pages.
    ("py:mod", "jaxnm_course"),
    ("py:class", "GradingConfig"),
]
nitpick_ignore_regex = [("py:mod", r"jaxnm_course\.grading\..*")]
numfig = True  # "Figure 3" in captions and {numref} links

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
# Only parameters a docstring documents get a type line: a NamedTuple's fields are listed
# once, under "Attributes" (napoleon_use_ivar), not again as constructor parameters.
autodoc_typehints_description_target = "documented"
autodoc_typehints_format = "short"
# ArrayLike is a long Union; show its name (linked to JAX's page) instead of the expansion.
autodoc_type_aliases = {"ArrayLike": "jax.typing.ArrayLike"}
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # NamedTuple "Attributes:" as fields, not duplicate objects
# Field types are in the docstrings (shape, unit); the annotation (jax.Array's private class
# path) added nothing but a dead link.
napoleon_attr_annotations = False
add_module_names = False


def _chapters_using(names: list[str]) -> dict[str, list[str]]:
    """Module name -> the chapters whose code uses it (``nm.hessian`` counts for hessians)."""
    used: dict[str, list[str]] = {name: [] for name in names}
    pattern = re.compile(r"\b(?:nm|jaxnm_course)\.(\w+)|from jaxnm_course import ([\w, ]+)")
    for chapter in sorted((HERE / "chapters").glob("*.md")):
        found = set()
        for match in pattern.finditer(chapter.read_text(encoding="utf-8")):
            for attr in filter(None, re.split(r"[,\s]+", match.group(1) or match.group(2))):
                obj = getattr(jaxnm_course, attr, None)
                module = attr if attr in used else getattr(obj, "__module__", "") or ""
                module = module.removeprefix("jaxnm_course.").split(".")[0]
                if module in used:
                    found.add(module)
        for module in found:
            used[module].append(chapter.stem)
    return used


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
    used = _chapters_using(names)
    for name in names:
        page = out / f"{name}.md"
        links = ", ".join(f"{{doc}}`../../chapters/{c}`" for c in used[name])
        text = (
            f"# `jaxnm_course.{name}`\n\n"
            + (f"Used in the chapters: {links}.\n\n" if links else "")
            + f"```{{eval-rst}}\n.. automodule:: jaxnm_course.{name}\n```\n"
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

# Matplotlib figures as SVG only (docs/_ipython sets the inline backend's format): sharp at
# any zoom, one image per figure. Figures carry a caption, a name and alt text in their cell
# metadata (``mystnb: figure: ...; image: alt``), numbered by numfig.
nb_render_image_options = {"align": "center"}

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


# --- the student build: no instructor guide ----------------------------------------------------
_GUIDE_REF = re.compile(r"\{doc\}`(?:([^`<]*?)\s*<instructor>|instructor)`")


def _student_source(app, docname, source):
    """Without the instructor tag: the guide leaves the toctree, links to it become text."""
    if INSTRUCTOR:
        return
    text = _GUIDE_REF.sub(lambda m: m.group(1) or "instructor", source[0])
    source[0] = re.sub(r"(?m)^instructor\n", "", text) if docname == "index" else text


def _skip_namedtuple_fields(app, what, name, obj, skip, options):
    """A NamedTuple's fields are listed in its "Attributes" section; skip their alias stubs."""
    if isinstance(obj, property) and (obj.__doc__ or "").startswith("Alias for field number"):
        return True
    doc = getattr(obj, "__doc__", None) or ""
    if type(obj).__name__ == "_tuplegetter" and doc.startswith("Alias for field number"):
        return True
    return None


def _resolve_reexport(app, env, node, contnode):
    """Resolve ``jaxnm_course.hessian`` (a re-export) to where autodoc documents it.

    The chapters cite the short public names (``jaxnm_course.normal_modes``); autodoc
    documents each object once, in its module's page (``jaxnm_course.modes.normal_modes``).
    """
    target = node.get("reftarget", "")
    if node.get("refdomain") != "py":
        return None
    if not target.startswith("jaxnm_course."):
        return _resolve_short_name(app, env, node, contnode)
    obj = jaxnm_course
    try:
        for part in target.split(".")[1:]:
            obj = getattr(obj, part)
    except AttributeError:
        return None
    domain = env.get_domain("py")
    for module in API_MODULES:
        alias = f"jaxnm_course.{module}.{target.split('.')[-1]}"
        mod = getattr(jaxnm_course, module, None)
        if alias in domain.objects and getattr(mod, target.split(".")[-1], None) is obj:
            node["reftarget"] = alias
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], alias, node, contnode
            )
    return None


def _resolve_short_name(app, env, node, contnode):
    """Resolve a docstring's short name (``Structure.models``) to the one object it names.

    A name that ends exactly one documented ``jaxnm_course`` object resolves to it; a
    NamedTuple field (``Deformation.vector``, listed in its class's Attributes) resolves to
    the class. Anything ambiguous stays a warning.
    """
    target = node.get("reftarget", "")
    if not target or target.startswith("."):
        return None
    domain = env.get_domain("py")
    for name in (target, target.rpartition(".")[0]):
        if not name:
            continue
        hits = [
            full
            for full in domain.objects
            if full.startswith("jaxnm_course.") and full.endswith("." + name)
        ]
        public = [full for full in hits if "._" not in full]  # a class documented twice
        hits = public or hits
        if len(hits) == 1:
            reftype = node["reftype"] if name == target else "class"
            return domain.resolve_xref(
                env, node["refdoc"], app.builder, reftype, hits[0], node, contnode
            )
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _escape_docstring)
    app.connect("source-read", _student_source)
    app.connect("autodoc-skip-member", _skip_namedtuple_fields)
    app.connect("missing-reference", _resolve_reexport)
