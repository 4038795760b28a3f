"""The moving parts of the site, in headless Chromium and offline: animations play, the
3D viewer draws from the site's own copy of 3Dmol.js, downloads resolve, launch buttons.

Uses the student build (``docs/_build/html``) and the browser harness of test_site.py.
An animation "moves" when two screenshots of it, taken 0.7 s (or, retried, up to 3 s)
apart, differ.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from tests.site import test_site as harness
from tests.site.test_site import CHAPTERS, Browser, _check_page

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "docs" / "_ext"))
import chapter_notebooks as cn  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.site]

# The harness's fixtures, by name: the built site, its local server, one headless Chromium.
site = harness.site
served = harness.served
browser = harness.browser

# Pages with moving pictures: (page, matplotlib players at least, animated 3D views at least)
MOVING = [
    ("index.html", 0, 1),
    ("chapters/05_molecules.html", 5, 0),
    ("chapters/06_harmonic_chain.html", 2, 0),
    ("chapters/08_proteins.html", 0, 5),
]


def _shot(browser: Browser, selector_js: str) -> bytes:
    """Screenshot of one element (scrolled into view), as PNG bytes."""
    rect = browser.evaluate(
        f"(() => {{ const e = {selector_js}; e.scrollIntoView({{block: 'center'}});"
        " const r = e.getBoundingClientRect();"
        " return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]; })()"
    )
    x, y, w, h = rect
    assert min(w, h) > 20, f"element too small to see: {rect}"
    clip = {"x": x, "y": y, "width": w, "height": h, "scale": 1}
    data = browser.call("Page.captureScreenshot", session=True, format="png", clip=clip)["data"]
    return base64.b64decode(data)


def _moves(browser: Browser, selector_js: str) -> bool:
    """Two screenshots of the element differ, 0.7 s apart (retried with longer gaps: on a
    busy machine a frame can take longer; a still picture fails every try)."""
    for gap in (0.7, 1.5, 3.0):
        first = _shot(browser, selector_js)
        time.sleep(gap)
        if _shot(browser, selector_js) != first:
            return True
    return False


@pytest.mark.parametrize(("page", "n_players", "n_views"), MOVING)
def test_animations_move(
    browser: Browser, served: str, page: str, n_players: int, n_views: int
) -> None:
    result = _check_page(browser, served, page)  # no console errors, no other host
    players = browser.evaluate("document.querySelectorAll('img.jaxnm-animation').length")
    views = browser.evaluate(
        "Array.from(document.querySelectorAll('.jaxnm-3dmol')).map(e => +e.dataset.frames)"
    )
    assert players >= n_players, (page, players)
    assert sum(f > 1 for f in views) >= n_views, (page, views)
    if views:  # the viewer's script comes from this site, pinned
        assert any(
            urlparse(u).path.endswith("_static/3dmol/3Dmol-min.js") for u in result["requests"]
        )
        deadline = time.monotonic() + 20  # software WebGL on a busy machine can be slow
        while True:
            ready = browser.evaluate(
                "Array.from(document.querySelectorAll('.jaxnm-3dmol')).map(e => e.dataset.ready)"
            )
            if ready == ["1"] * len(views) or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        assert ready == ["1"] * len(views), f"{page}: viewers not drawn: {ready}"
    for i in range(players):
        sel = f"document.querySelectorAll('img.jaxnm-animation')[{i}]"
        assert _moves(browser, sel), f"{page}: animation {i} does not move"
    for i, frames in enumerate(views):
        sel = f"document.querySelectorAll('.jaxnm-3dmol')[{i}]"
        first = _shot(browser, sel)
        # A drawn view is not blank: the PNG of a uniform white box is tiny.
        assert len(first) > 3000, f"{page}: 3D view {i} looks empty ({len(first)} bytes)"
        if frames > 1:
            assert _moves(browser, sel), f"{page}: 3D view {i} does not move"
    errors = browser.open(urljoin(served, page))["errors"]  # again, after playing
    assert not errors, errors


def test_protein_mode_downloads_resolve(site: Path) -> None:
    page = site / "chapters" / "08_proteins.html"
    hrefs = re.findall(
        r'<a class="reference download internal"[^>]*href="([^"]+)"', page.read_text()
    )
    files = [(page.parent / h).resolve() for h in hrefs]
    names = sorted(f.name for f in files)
    assert names == sorted(f"adk_anm_mode{k}.{ext}" for k in (1, 2, 3) for ext in ("nmd", "pdb"))
    for f in files:
        assert f.is_file(), f"download link to a missing file: {f}"
        text = f.read_text()
        if f.suffix == ".pdb":
            assert text.count("\nMODEL") + text.startswith("MODEL") == 21
        else:
            assert text.count("\nmode 1 ") == 1
            assert len(re.search(r"^coordinates (.*)$", text, re.M).group(1).split()) % 3 == 0


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_notebook_download_and_launch_buttons(site: Path, chapter: str) -> None:
    page = (site / "chapters" / f"{chapter}.html").read_text()
    nb_path = site / "_sources" / "chapters" / f"{chapter}.ipynb"
    assert f"_sources/chapters/{chapter}.ipynb" in page, "no .ipynb download button"
    nb = json.loads(nb_path.read_text())
    assert cn.SETUP_TAG in nb["cells"][1]["metadata"]["tags"]
    urls = cn.launch_urls(_repository(page), "main", f"chapters/{chapter}")
    for name, url in urls.items():
        assert url.replace("&", "&amp;") in page, f"{chapter}: no {name} launch button ({url})"
    assert 'class="btn btn-sm btn-source-repository-button' in page or "repository" in page


def _repository(page: str) -> str:
    m = re.search(r'href="(https://github\.com/[^/"]+/[^/"?#]+)"', page)
    assert m, "no repository link in the header"
    return m.group(1)


def test_exercise_sets_link_their_file(site: Path) -> None:
    page = (site / "chapters" / "08_proteins.html").read_text()
    repo = _repository(page)
    assert f"{repo}/blob/main/exercises/ex08_proteins.py" in page
    assert "index.html#start-students" in page


def test_no_page_names_another_host_for_scripts_styles_or_images(site: Path) -> None:
    for f in site.rglob("*.html"):
        text = f.read_text(encoding="utf-8")
        for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
            for url in re.findall(rf"<{tag}[^>]+{attr}=\"([^\"]+)\"", text):
                if (
                    tag == "link"
                    and "stylesheet" not in text[text.find(url) - 200 : text.find(url)]
                ):
                    continue
                assert not urlparse(url).netloc, f"{f.relative_to(site)} loads {url}"
