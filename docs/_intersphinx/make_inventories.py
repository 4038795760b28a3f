"""Write ``jax.inv`` and ``numpy.inv``: small Sphinx inventories for the names the course links to.

JAX and NumPy publish their ``objects.inv`` only on their web sites, which the build cannot
reach, and no package registry ships them (Debian ships SciPy's and Python's: see
``fetch_debian.sh``). So this script writes an inventory for exactly the objects the course
cites, and refuses a name that the installed package does not have:

    .venv/bin/python docs/_intersphinx/make_inventories.py

Every target follows the page layout of the published documentation (checked by hand against
the live sites when this list was written; see README.md): JAX documents each public object on
``_autosummary/<name>.html`` and each module on ``<module>.html``; NumPy puts routines and
classes on ``reference/generated/<name>.html``. The anchor is the full name, as Sphinx's
autodoc writes it. Add a name here when a chapter or docstring cites a new one;
``tests/site/test_intersphinx.py`` fails when the docs cite a JAX/NumPy/SciPy object that no
inventory holds.

Format: Sphinx inventory version 2 (a four-line header, then zlib-compressed lines
``name domain:role priority uri dispname``; ``$`` in the uri stands for the name, ``-`` as
dispname for "same as name").
"""

from __future__ import annotations

import importlib
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (name, role); role is py:function, py:class, py:data or py:module.
JAX_NAMES = [
    ("jax", "py:module"),
    ("jax.numpy", "py:module"),
    ("jax.random", "py:module"),
    ("jax.lax", "py:module"),
    ("jax.grad", "py:function"),
    ("jax.value_and_grad", "py:function"),
    ("jax.hessian", "py:function"),
    ("jax.jacfwd", "py:function"),
    ("jax.jacrev", "py:function"),
    ("jax.jvp", "py:function"),
    ("jax.vjp", "py:function"),
    ("jax.linearize", "py:function"),
    ("jax.jit", "py:function"),
    ("jax.vmap", "py:function"),
    ("jax.custom_jvp", "py:class"),
    ("jax.pure_callback", "py:function"),
    ("jax.ops.segment_sum", "py:function"),
    ("jax.Array", "py:class"),
    ("jax.typing.ArrayLike", "py:data"),
    ("jax.typing.ArrayLike", "py:class"),  # how autodoc cites it in a signature
    ("jax.random.key", "py:function"),
    ("jax.random.split", "py:function"),
    ("jax.random.normal", "py:function"),
    ("jax.numpy.where", "py:function"),
    ("jax.numpy.asarray", "py:function"),
    ("jax.numpy.linalg.eigh", "py:function"),
    ("jax.numpy.linalg.norm", "py:function"),
    ("jax.scipy.linalg.eigh", "py:function"),
    ("jax.lax.stop_gradient", "py:function"),
    ("jax.lax.fori_loop", "py:function"),
    ("jax.test_util.check_grads", "py:function"),
]

NUMPY_NAMES = [
    ("numpy.ndarray", "py:class"),
    ("numpy.number", "py:class"),
    ("numpy.bool", "py:class"),
    ("numpy.asarray", "py:function"),
    ("numpy.allclose", "py:function"),
    ("numpy.linalg.eigh", "py:function"),
    ("numpy.linalg.pinv", "py:function"),
    ("numpy.linalg.norm", "py:function"),
    ("numpy.testing.assert_allclose", "py:function"),
]


def resolve(name: str) -> object:
    """Import ``name`` (a module, or an attribute path inside one); raise if it does not exist."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)  # AttributeError: the installed package lacks it
        return obj
    raise ImportError(f"{name}: no importable module on its path")


def jax_uri(name: str, role: str) -> str:
    if role == "py:module":
        return f"{name}.html#module-{name}"
    return f"_autosummary/{name}.html#{name}"


def numpy_uri(name: str, role: str) -> str:
    return f"reference/generated/{name}.html#{name}"


def inventory_bytes(project: str, version: str, entries: list[tuple[str, str, str]]) -> bytes:
    """Sphinx inventory v2 for ``entries`` = [(name, role, uri)]."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in sorted(entries))
    return header + zlib.compress(body.encode())


def write(project: str, module: str, names, uri, out: Path) -> None:
    version = importlib.import_module(module).__version__
    entries = []
    for name, role in names:
        resolve(name)
        entries.append((name, role, uri(name, role)))
    out.write_bytes(inventory_bytes(project, version, entries))
    print(f"{out.name}: {project} {version}, {len(entries)} objects")


def main() -> None:
    write("JAX", "jax", JAX_NAMES, jax_uri, HERE / "jax.inv")
    write("NumPy", "numpy", NUMPY_NAMES, numpy_uri, HERE / "numpy.inv")


if __name__ == "__main__":
    main()
