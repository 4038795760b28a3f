"""The course site, checked like a reader would: built, served, opened in headless Chromium.

Uses the student build in ``docs/_build/html`` (``make demo`` makes it; the module fixture
builds it when it is missing, which takes minutes the first time). The browser checks
need Debian's ``chromium``: when it is missing the test tries ``apt-get install chromium``
(as root) and otherwise skips with the reason, unless ``JAXNM_REQUIRE_SITE=1`` (CI), which
turns every skip here into a failure.

The browser is driven through the DevTools protocol over a websocket (``websocket-client``):
console errors, uncaught exceptions and failed loads are collected for each page; images
must have decoded; every ``.math`` element must have been typeset by MathJax without
errors; every request must go to the local server (the site reads offline); and both the
sidebar and the chain of "next" links must reach every chapter. Screenshots of the index
and one chapter are kept in ``docs/_build/screenshots/`` (CI artefacts).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"
SHOTS = DOCS / "_build" / "screenshots"
REQUIRE = os.environ.get("JAXNM_REQUIRE_SITE") == "1"

pytestmark = [pytest.mark.slow, pytest.mark.site]

CHAPTERS = sorted(p.stem for p in (DOCS / "chapters").glob("*.md"))


def _skip_or_fail(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"{reason} (JAXNM_REQUIRE_SITE=1: the site checks must run)")
    pytest.skip(reason)


def _sphinx_build(out: Path, *extra: str) -> None:
    sphinx = Path(sys.executable).with_name("sphinx-build")
    if not sphinx.exists():
        _skip_or_fail("sphinx-build is not installed (pip install -e '.[docs]')")
    cmd = [str(sphinx), "-W", "--keep-going", "-q", "-b", "html", *extra]
    cmd += ["-d", str(out.parent / f"doctrees-{out.name}"), str(DOCS), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    assert proc.returncode == 0, (
        f"site build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    )


@pytest.fixture(scope="module")
def site() -> Path:
    if not (HTML / "index.html").exists():
        _sphinx_build(HTML)
    return HTML


# --- static checks of the built files ------------------------------------------------------


def test_every_chapter_built_and_executed(site: Path) -> None:
    assert len(CHAPTERS) >= 7
    for name in CHAPTERS:
        page = site / "chapters" / f"{name}.html"
        assert page.exists(), f"chapter {name} was not built"
        text = page.read_text(encoding="utf-8")
        assert "cell_output" in text, f"chapter {name} shows no executed output"
        # docutils errors render as 'problematic'/'system-message' nodes, not as warnings.
        assert "system-message" not in text, name
        assert 'class="problematic"' not in text, name


def test_status_page_lists_every_chapter(site: Path) -> None:
    text = (site / "status.html").read_text(encoding="utf-8")
    for name in CHAPTERS:
        assert f"chapters/{name}" in text, f"{name} missing from the execution table"
    assert "jaxlib" in text
    assert "myst-nb" in text


def test_api_has_one_page_per_module(site: Path) -> None:
    import pkgutil

    import jaxnm_course

    for m in pkgutil.iter_modules(jaxnm_course.__path__):
        if not m.name.startswith("_"):
            page = site / "api" / "generated" / f"{m.name}.html"
            assert page.exists(), f"no API page for jaxnm_course.{m.name}"
            assert f"jaxnm_course.{m.name}" in page.read_text(encoding="utf-8")


def test_mathjax_is_local(site: Path) -> None:
    for page in [site / "index.html", *(site / "chapters").glob("*.html")]:
        text = page.read_text(encoding="utf-8")
        for src in re.findall(r'<script[^>]+src="([^"]+)"', text):
            assert not urlparse(src).netloc, f"{page.name} loads a remote script {src}"
    assert (site / "_static" / "mathjax" / "tex-svg.js").stat().st_size > 1_000_000


# --- student and instructor builds ---------------------------------------------------------

INSTRUCTOR_HTML = DOCS / "_build" / "html-instructor"
TEXT_SUFFIXES = {".html", ".js", ".txt", ".md", ".ipynb", ".json", ".py", ".inv"}


def _visible_text() -> str:
    """Everything a student may see anyway: stubs, chapters, library, tests, examples."""
    files = [*(ROOT / "exercises").rglob("*.py"), *DOCS.rglob("*.md"), *DOCS.rglob("*.py")]
    files += [*(ROOT / "jaxnm_course").rglob("*.py"), *(ROOT / "examples").rglob("*.py")]
    return "\n".join(f.read_text(encoding="utf-8") for f in files if "_build" not in f.parts)


def _solution_lines() -> set[str]:
    """Lines of the solution bodies (between the markers) that appear nowhere student-visible."""
    visible = _visible_text()
    found = set()
    for sol in sorted((ROOT / "solutions").glob("ex*.py")):
        text = sol.read_text(encoding="utf-8")
        for body in re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", text, re.S):
            for line in body.splitlines():
                s = line.strip()
                if len(s) >= 16 and not s.startswith("#") and s not in visible:
                    found.add(s)
    return found


def _solution_words() -> set[str]:
    """Identifiers (4+ characters) that occur in solution bodies and nowhere student-visible."""
    pattern = r"[A-Za-z_][A-Za-z_0-9]{3,}"
    visible = set(re.findall(pattern, _visible_text().lower()))
    words: set[str] = set()
    for sol in sorted((ROOT / "solutions").glob("ex*.py")):
        text = sol.read_text(encoding="utf-8")
        for body in re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", text, re.S):
            words |= set(re.findall(pattern, body.lower()))
    return words - visible


def _site_text(site: Path) -> dict[str, str]:
    """Every text file of a built site, tags stripped and entities decoded (code blocks are
    split into highlighted spans in HTML, so raw grep would miss them)."""
    import html as htmllib

    out = {}
    for f in site.rglob("*"):
        if f.is_file() and f.suffix in TEXT_SUFFIXES:
            raw = f.read_text(encoding="utf-8", errors="replace")
            out[str(f.relative_to(site))] = htmllib.unescape(re.sub(r"<[^>]+>", "", raw))
    return out


def test_student_site_has_no_solution_text(site: Path) -> None:
    lines = _solution_lines()
    if not lines:
        pytest.skip("no solutions/ex*.py with solution markers yet")
    if not (INSTRUCTOR_HTML / "index.html").exists():
        _sphinx_build(INSTRUCTOR_HTML, "-t", "instructor")
    # Control: the instructor site shows every solution line (so the search below can see
    # them at all after stripping the highlighting markup).
    instructor = "\n".join(_site_text(INSTRUCTOR_HTML).values())
    missing = sorted(s for s in lines if s not in instructor)
    assert not missing, f"instructor site lacks solution lines: {missing[:5]}"
    leaks = [(name, s) for name, text in _site_text(site).items() for s in lines if s in text]
    assert not leaks, f"solution text in the student site: {leaks[:5]}"
    # The search index stores words, not lines: identifiers used only in solution bodies
    # must not be search terms of the student site (the instructor site, control, has them).
    words = _solution_words()
    index = (site / "searchindex.js").read_text(encoding="utf-8").lower()
    control = (INSTRUCTOR_HTML / "searchindex.js").read_text(encoding="utf-8").lower()
    assert not [w for w in words if f'"{w}"' in index], "solution words in the search index"
    assert all(f'"{w}"' in control for w in words), "control: instructor index lacks them"
    # The exercise stubs themselves must be there (the brief, signatures and hints).
    student = (site / "chapters" / "03_energy_functions.html").read_text(encoding="utf-8")
    assert "exercise-set" in student
    assert "NotImplementedError" in htmllib_unescape(student)


def htmllib_unescape(text: str) -> str:
    import html as htmllib

    return htmllib.unescape(re.sub(r"<[^>]+>", "", text))


# --- the browser ---------------------------------------------------------------------------


def _find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    return None


@functools.cache
def _chromium() -> str | None:
    path = _find_chromium()
    if path is None and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run(
                "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "
                "chromium",
                shell=True,
                capture_output=True,
                timeout=900,
                check=False,
            )
        path = _find_chromium()
    return path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class Browser:
    """A tiny DevTools-protocol client: one headless Chromium, one page (tab)."""

    def __init__(self, exe: str) -> None:
        import websocket

        self.profile = tempfile.mkdtemp(prefix="jaxnm-chromium-")
        self.proc = subprocess.Popen(
            [
                exe,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-extensions",
                "--disable-background-networking",
                "--disable-component-update",
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile}",
                "--window-size=1280,900",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        url = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if m := re.search(r"DevTools listening on (ws://\S+)", line):
                url = m.group(1)
                break
            if not line and self.proc.poll() is not None:
                break
        if url is None:
            self.close()
            raise RuntimeError("chromium did not start its DevTools endpoint")
        threading.Thread(target=self._drain, daemon=True).start()
        self.ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
        self.ids = itertools.count(1)
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=True)

    def _drain(self) -> None:
        with contextlib.suppress(Exception):
            for _ in self.proc.stderr:
                pass

    def call(self, method: str, session: bool = False, **params: object) -> dict:
        msg_id = next(self.ids)
        msg: dict = {"id": msg_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(e.get("method") == method for e in self.events):
                return
            self.ws.settimeout(max(0.1, deadline - time.monotonic()))
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(method)

    def evaluate(self, expression: str) -> object:
        result = self.call(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            awaitPromise=True,
            returnByValue=True,
            timeout=60000,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression[:60]}...: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> dict:
        """Load a page; return its problems and what was requested."""
        self.events.clear()
        self.call("Page.navigate", session=True, url=url)
        self.wait_for("Page.loadEventFired")
        # MathJax typesets asynchronously after load; wait for it when the page uses it.
        self.evaluate(
            "window.MathJax && MathJax.startup && MathJax.startup.promise "
            "? MathJax.startup.promise.then(() => true) : true"
        )
        time.sleep(0.3)  # late console messages
        with contextlib.suppress(Exception):
            self.ws.settimeout(0.2)
            while True:
                self.events.append(json.loads(self.ws.recv()))
        self.ws.settimeout(60)
        errors, requests = [], []
        for e in self.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(f"exception: {p['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(f"console.{p['type']}: {p.get('args')}")
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif method == "Network.loadingFailed" and not p.get("canceled"):
                errors.append(f"load failed: {p.get('errorText')}")
            elif method == "Network.responseReceived" and p["response"]["status"] >= 400:
                errors.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
            elif method == "Network.requestWillBeSent":
                requests.append(p["request"]["url"])
        return {"errors": errors, "requests": requests}

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        with contextlib.suppress(Exception):
            self.proc.stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def served(site: Path):
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    try:
        import websocket  # noqa: F401
    except ImportError:
        _skip_or_fail("websocket-client is not installed (pip install -e '.[docs]')")
    exe = _chromium()
    if exe is None:
        _skip_or_fail(
            "headless Chromium is not available: install Debian's package "
            "(`apt-get install chromium`, as root) to run the browser checks"
        )
    b = Browser(exe)
    yield b
    b.close()


def _check_page(browser: Browser, base: str, path: str) -> dict:
    result = browser.open(urljoin(base, path))
    assert not result["errors"], f"{path}: {result['errors']}"
    remote = [u for u in result["requests"] if not u.startswith((base, "data:", "blob:"))]
    assert not remote, f"{path} requested remote resources: {remote}"
    return result


_NEXT = re.compile(r'<a class="right-next"\s+href="([^"]+)"')


def test_index_and_navigation(browser: Browser, served: str, site: Path) -> None:
    _check_page(browser, served, "index.html")
    browser.screenshot(SHOTS / "index.png")
    links = browser.evaluate(
        "Array.from(document.querySelectorAll('nav.bd-docs-nav a.reference.internal'))"
        ".map(a => a.href)"
    )
    reached = {urlparse(u).path.lstrip("/") for u in links}
    for name in CHAPTERS:
        assert f"chapters/{name}.html" in reached, f"the sidebar does not reach {name}"
    # Follow the "next" links from the index: the reading order must visit every chapter.
    # The theme writes them into the HTML, so the built files are read (opening every page of
    # the site in the browser took 90 s; each chapter is opened in test_chapter_in_browser).
    seen, page = [], "index.html"
    for _ in range(100):
        m = _NEXT.search((site / page).read_text(encoding="utf-8"))
        if not m:
            break
        page = urlparse(urljoin(f"http://site/{page}", m.group(1))).path.lstrip("/")
        assert (site / page).is_file(), f"'next' link to a missing page: {page}"
        seen.append(page)
    for name in CHAPTERS:
        assert f"chapters/{name}.html" in seen, f"'next' links never reach {name}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_in_browser(browser: Browser, served: str, site: Path, chapter: str) -> None:
    path = f"chapters/{chapter}.html"
    _check_page(browser, served, path)
    images = browser.evaluate(
        "Array.from(document.querySelectorAll('article img'))"
        ".map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"
    )
    html = (site / path).read_text(encoding="utf-8")
    # Images of the article only: the header's launch buttons (Binder, Colab) have logos too.
    expected = len(re.findall(r"<img ", html[html.find("<article") : html.rfind("</article>")]))
    assert len(images) == expected, (len(images), expected)
    broken = [src for src, ok in images if not ok]
    assert not broken, f"{path}: images that did not load: {broken}"
    math = browser.evaluate(
        "(() => { const m = Array.from(document.querySelectorAll('article .math'));"
        " return [m.length, m.filter(e => !e.querySelector('mjx-container svg')).length,"
        " document.querySelectorAll('mjx-merror').length]; })()"
    )
    n_math, untypeset, merrors = math
    assert untypeset == 0, f"{path}: {untypeset} of {n_math} math elements not typeset"
    assert merrors == 0, f"{path}: {merrors} MathJax errors"
    if chapter == CHAPTERS[0]:
        assert n_math > 0
    if chapter == "04_hessians":
        assert len(images) >= 2
        assert n_math > 0
        browser.screenshot(SHOTS / "chapter_hessians.png")
