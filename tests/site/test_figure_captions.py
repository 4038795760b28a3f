"""Every figure a chapter draws is numbered, captioned and described (no Sphinx build needed).

A code cell that shows a matplotlib figure must carry MyST-NB ``figure`` metadata (a caption
and a name, which make it a numbered, referenceable figure) and ``image.alt`` (the text a
screen reader reads). Reads the chapters' MyST source; the site build then renders it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "docs/chapters").glob("[0-9][0-9]_*.md"))
CELL = re.compile(
    r"^```\{code-cell\}[^\n]*\n(?:---\n(?P<meta>.*?)\n---\n)?(?P<body>.*?)^```$", re.M | re.S
)
# Calls that put a figure in the output: an explicit show, or a library plotting helper whose
# returned Figure is displayed (the chapters end those cells with ``plt.show()`` as well).
SHOWS = re.compile(r"\bplt\.show\(\)")


def _figure_cells(path: Path):
    text = path.read_text(encoding="utf-8")
    for m in CELL.finditer(text):
        if SHOWS.search(m["body"]):
            line = text[: m.start()].count("\n") + 1
            yield line, yaml.safe_load(m["meta"]) if m["meta"] else {}


def test_the_pattern_finds_figures_in_every_chapter_that_draws():
    found = {p.name for p in CHAPTERS if list(_figure_cells(p))}
    assert len(found) >= 10, found  # a broken pattern finding nothing would pass every check


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_has_a_caption_a_name_and_alt_text(path):
    missing, names = [], []
    for line, meta in _figure_cells(path):
        nb = (meta or {}).get("mystnb", {})
        figure, image = nb.get("figure", {}), nb.get("image", {})
        lacks = [
            k
            for k, v in (
                ("caption", figure.get("caption")),
                ("name", figure.get("name")),
                ("alt", image.get("alt")),
            )
            if not (v and str(v).strip())
        ]
        if lacks:
            missing.append(f"{path.name}:{line} lacks {', '.join(lacks)}")
        names.append(figure.get("name"))
    assert not missing, "figure cells without mystnb metadata:\n" + "\n".join(missing)
    named = [n for n in names if n]
    assert len(named) == len(set(named)), f"duplicate figure names in {path.name}: {named}"
