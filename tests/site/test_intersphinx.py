"""Offline intersphinx: the committed inventories load, cover every external name the docs
cite, and the built site links to the JAX, NumPy, SciPy and Python documentation.

See ``docs/_intersphinx/README.md`` for where each inventory comes from.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import posixpath
import re
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
INV = DOCS / "_intersphinx"
HTML = DOCS / "_build" / "html"

#: Roles that MyST (``{func}`x```) and reST docstrings (``:func:`x```) use for Python objects.
ROLE = re.compile(
    r"(?:\{(?:py:)?(?:func|class|mod|meth|attr|data|obj|exc)\}|:(?:py:)?"
    r"(?:func|class|mod|meth|attr|data|obj|exc):)`([^`]+)`"
)


def _mapping() -> dict[str, tuple[str, str]]:
    """``intersphinx_mapping`` from docs/conf.py, read without executing conf.py."""
    tree = ast.parse((DOCS / "conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "intersphinx_mapping" for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError("docs/conf.py defines no intersphinx_mapping")


def _load(path: Path, base: str) -> dict[str, dict[str, str]]:
    """{role: {name: uri}} of one inventory (Sphinx's own reader)."""
    from sphinx.util.inventory import InventoryFile

    with path.open("rb") as f:
        inv = InventoryFile.load(f, base, posixpath.join)
    data = getattr(inv, "data", inv)
    return {
        role: {name: getattr(item, "uri", None) or item[2] for name, item in items.items()}
        for role, items in data.items()
    }


@pytest.fixture(scope="module")
def inventories() -> dict[str, dict[str, dict[str, str]]]:
    return {key: _load(DOCS / path, base) for key, (base, path) in _mapping().items()}


def _target(text: str) -> str:
    m = re.search(r"<([^>]+)>\s*$", text)  # {func}`title <target>`
    return (m.group(1) if m else text).lstrip("~!.").removesuffix("()")


#: Top-level packages that have an inventory in docs/_intersphinx (plus the standard library).
MAPPED = {"jax", "numpy", "scipy", *sys.stdlib_module_names}


def _cited() -> dict[str, list[str]]:
    """Objects of mapped projects cited with a role in the chapters, pages and docstrings.

    Names of other packages (matplotlib, gemmi) stay plain text: no inventory for them can be
    had offline.
    """
    sources = [*DOCS.glob("*.md"), *(DOCS / "chapters").glob("*.md")]
    sources += (ROOT / "jaxnm_course").rglob("*.py")
    cited: dict[str, list[str]] = {}
    for src in sources:
        for m in ROLE.finditer(src.read_text()):
            name = _target(m.group(1))
            if name.split(".")[0] in MAPPED:
                cited.setdefault(name, []).append(str(src.relative_to(ROOT)))
    return cited


def test_mapping_names_only_committed_files() -> None:
    for key, (base, path) in _mapping().items():
        assert base.startswith("https://"), (key, base)
        assert isinstance(path, str), (key, path)
        assert not path.startswith(("http:", "https:")), (
            f"{key}: intersphinx must read a committed file, not {path!r} (no network at build)"
        )
        assert (DOCS / path).is_file(), f"{key}: {path} is missing (docs/_intersphinx/README.md)"


def test_inventories_load_and_hold_key_objects(inventories) -> None:
    expect = {
        "python": ("py:function", "functools.partial", "library/functools.html"),
        "scipy": ("py:function", "scipy.sparse.linalg.eigsh", "scipy.sparse.linalg.eigsh.html"),
        "jax": ("py:function", "jax.grad", "_autosummary/jax.grad.html#jax.grad"),
        "numpy": ("py:function", "numpy.linalg.eigh", "generated/numpy.linalg.eigh.html"),
    }
    for key, (role, name, uri_part) in expect.items():
        uri = inventories[key][role][name]
        assert uri.startswith(_mapping()[key][0]), (key, uri)
        assert uri_part in uri, (key, uri)
    assert len(inventories["python"]["py:function"]) > 1000  # the real, complete inventory
    assert len(inventories["scipy"]["py:function"]) > 1000


def test_generated_inventories_match_their_script_and_the_installed_packages(inventories):
    spec = importlib.util.spec_from_file_location("make_inv", INV / "make_inventories.py")
    make_inv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_inv)
    for key, names, uri in [
        ("jax", make_inv.JAX_NAMES, make_inv.jax_uri),
        ("numpy", make_inv.NUMPY_NAMES, make_inv.numpy_uri),
    ]:
        base = _mapping()[key][0]
        committed = {
            (name, role, u)
            for role, items in inventories[key].items()
            for name, u in items.items()
        }
        expected = {(name, role, base + uri(name, role)) for name, role in names}
        assert committed == expected, (
            f"{key}.inv differs from make_inventories.py: run the script and commit"
        )
        for name, _ in names:
            make_inv.resolve(name)  # the installed package has every object the docs link to


def test_inventory_format_is_sphinx_v2() -> None:
    for path in INV.glob("*.inv"):
        head = path.read_bytes().split(b"\n", 4)
        assert head[0] == b"# Sphinx inventory version 2", path
        zlib.decompress(head[4])  # the body is zlib data


def test_every_external_name_the_docs_cite_is_in_an_inventory(inventories) -> None:
    known = {name for inv in inventories.values() for items in inv.values() for name in items}
    cited = _cited()
    assert any(n.startswith("jax.") for n in cited), "the chapters cite no JAX object by role"
    missing = {name: where for name, where in cited.items() if name not in known}
    assert not missing, (
        "cited with a role but in no inventory (add it to docs/_intersphinx/make_inventories.py "
        f"and run it): {missing}"
    )


def test_role_scanner_sees_targets() -> None:
    """The scanner itself: titles, tildes and reST roles are reduced to the target name."""
    text = "{func}`jnp.linalg.norm <jax.numpy.linalg.norm>` :func:`~jax.grad` {mod}`jax.random`"
    names = [_target(m.group(1)) for m in ROLE.finditer(text)]
    assert names == ["jax.numpy.linalg.norm", "jax.grad", "jax.random"]


def test_built_site_links_to_the_external_docs() -> None:
    page = HTML / "chapters" / "02_jax_for_scientists.html"
    if not page.exists():
        if os.environ.get("JAXNM_REQUIRE_SITE") == "1":
            pytest.fail("docs/_build/html is not built (run `make demo` first)")
        pytest.skip("docs/_build/html is not built (make demo)")
    html = page.read_text()
    assert 'href="https://docs.jax.dev/en/latest/_autosummary/jax.grad.html#jax.grad"' in html
    large = (HTML / "chapters" / "09_large_systems.html").read_text()
    assert "https://docs.scipy.org/doc/scipy-1.10.1/reference/generated/" in large
