"""The explorable figures of the book's own pages, in Chromium: each slider moved by mouse and by
keyboard, and each time the chart draws exactly the frame the page computed for that value.

Where tests/test_explorable_browser.py tries the machinery on a one-page test book, this test opens
the four question pages of the whole book (the session's ``built_book``, with its local MathJax),
served on 127.0.0.1 gzip-compressed as GitHub Pages serves them, in a 1366-pixel laptop window and
on a 390 x 844 touch phone. The expected frames are read from the page's HTML with Python (the
JSON the book wrote); that they are the package's numbers is checked on the page itself, by the
folded claims under each figure (``fig.data_at``). Any console error, failed request or request
leaving the site fails the test, and each page must weigh less than 2.5 MB as transferred.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading

import pytest
from conftest import REQUIRE_BROWSER
from test_explorable_browser import LAPTOP, MAX_PAGE_BYTES, PHONE, _GzipHandler
from test_pages_in_browser import ALLOWED_CONSOLE_ERRORS, CHROMIUM, CHROMIUM_FLAGS

pytestmark = [pytest.mark.book, pytest.mark.browser]

#: Each question page and the name of its explorable figure.
FIGURES = {
    "q1_nce_cd": "q1-nce-weights",
    "q2_score_functions": "q2-tests-chi2",
    "q3_score_matching": "q3-esm-ism",
    "q4_diffusion_posterior": "q4-weights-along-chain",
}
DEVICES = {"laptop": LAPTOP, "phone": PHONE}
_SPEC = re.compile(r'<script type="application/json" class="dgm-explorable-spec">(.*?)</script>', re.S)


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"browser test required (DGMBOOK_REQUIRE_BROWSER) but {reason}")
    pytest.skip(f"browser test skipped: {reason}")


@pytest.fixture(scope="module")
def book_site(built_book, mathjax):
    """(base URL, html folder) of the whole book, served gzip-compressed on 127.0.0.1."""
    if built_book.returncode != 0:
        pytest.fail("the book did not build; see test_book.py")
    if mathjax[0] is None:
        _unavailable(f"no local MathJax ({mathjax[1]})")
    if CHROMIUM is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium)")
    handler = functools.partial(_GzipHandler, directory=str(built_book.html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", built_book.html_dir
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _frames(html: str, name: str) -> tuple[list[list[tuple]], list[str]]:
    """Each frame's points (series, x, y), sorted, as the page's JSON holds them, and the labels."""
    for text in _SPEC.findall(html):
        spec = json.loads(text)
        meta = spec["usermeta"]["dgmExplorable"]
        if meta["name"] != name:
            continue
        rows = spec["data"]["values"]
        frames = []
        for k in range(len(meta["values"])):
            points = [(r["series"], float(x), float(y)) for r in rows if r["frame"] in (None, k)
                      for x, y in zip(r["x"], r["y"], strict=True)]
            frames.append(sorted(points))
        return frames, meta["labels"]
    raise AssertionError(f"the page has no explorable figure named {name!r}")


class _Visit:
    """One page in a fresh browser context, with its console errors and outside requests."""

    def __init__(self, browser, base: str, path: str, device: dict, name: str):
        self.context = browser.new_context(**device)
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []

        def route(route):
            if route.request.url.startswith(base + "/"):
                route.continue_()
            else:
                self.outside.append(route.request.url)
                route.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("requestfailed", lambda req: self.failed.append(req.url))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))
        self.name = name
        self.js = f"window.dgmExplorables[{json.dumps(name)}]"
        self.page.goto(f"{base}/{path}", wait_until="load")
        self.page.wait_for_function(f"() => window.dgmExplorables && {self.js}", timeout=30_000)
        self.page.evaluate(f"() => {self.js}.ready")
        assert self.page.evaluate(f"() => !!{self.js}.view"), self.errors

    def control(self):
        return self.page.locator(f"#dgm-explorable-{self.name}-control")

    def track_point(self, k: int, n: int) -> tuple[float, float]:
        """Where on the range input's track value ``k`` of ``0..n-1`` sits (the thumb is ~16 px)."""
        box = self.control().bounding_box()
        return (box["x"] + 8 + (box["width"] - 16) * k / (n - 1), box["y"] + box["height"] / 2)

    def shows(self, k: int, frames, labels) -> None:
        """The view has settled on frame ``k`` and draws exactly its points, under its label."""
        self.page.wait_for_function(f"() => {self.js}.view.signal('frame') === {k}", timeout=10_000)
        self.page.evaluate(f"() => {self.js}.view.runAsync().then(() => true)")
        got = self.page.evaluate(f"""() => {{
            const e = {self.js};
            return {{frame: e.view.signal('frame'), input: Number(e.input.value),
                     aria: e.input.getAttribute('aria-valuetext'),
                     points: e.plotted().map(p => [p.series, p.x, p.y])}};
        }}""")
        assert got["frame"] == got["input"] == k, got["frame"]
        assert got["aria"] == labels[k], got["aria"]
        points = sorted((s, float(x), float(y)) for s, x, y in got["points"])
        assert points == frames[k], f"{self.name}, frame {k}: the chart does not draw the page's frame"

    def clean(self) -> None:
        errors = [e for e in self.errors if not any(a in e for a in ALLOWED_CONSOLE_ERRORS)]
        assert not errors, f"console errors: {errors}"
        assert not self.outside, f"requests leaving the site: {self.outside}"
        assert not self.failed, f"failed requests: {self.failed}"

    def weight(self) -> int:
        return self.page.evaluate("""() => performance.getEntriesByType('navigation')
            .concat(performance.getEntriesByType('resource'))
            .reduce((s, e) => s + e.transferSize, 0)""")

    def close(self) -> None:
        self.context.close()


@pytest.mark.parametrize("device", DEVICES, ids=str)
@pytest.mark.parametrize("stem", FIGURES, ids=str)
def test_each_pages_slider_moves_by_mouse_and_keyboard_to_the_computed_frames(book_site, chromium,
                                                                              stem, device):
    base, html_dir = book_site
    page_file = next(html_dir.rglob(f"{stem}.html"))
    path = page_file.relative_to(html_dir).as_posix()
    name = FIGURES[stem]
    frames, labels = _frames(page_file.read_text(encoding="utf8"), name)
    n = len(frames)
    assert n >= 2 and frames[0] != frames[-1], "the figure's first and last frames are the same"
    visit = _Visit(chromium, base, path, DEVICES[device], name)
    page = visit.page
    try:
        first = page.evaluate(f"() => {visit.js}.view.signal('frame')")
        visit.shows(first, frames, labels)
        visit.control().scroll_into_view_if_needed()
        # The chart fits its column, and the page its window (no sideways scrolling).
        fit = page.evaluate(f"""() => {{
            const chart = {visit.js}.figure.querySelector('.dgm-explorable-chart');
            const svg = chart.querySelector('svg').getBoundingClientRect();
            return {{chart: chart.clientWidth, svg: svg.width, right: svg.right,
                     window: window.innerWidth}};
        }}""")
        assert fit["svg"] <= fit["chart"] + 1 and fit["right"] <= fit["window"], fit
        # Mouse (a tap on the phone): a click on the track, then a drag of the thumb to the end.
        middle = n // 2 if n // 2 != first else n // 2 + 1
        if device == "phone":
            page.touchscreen.tap(*visit.track_point(middle, n))
        else:
            page.mouse.click(*visit.track_point(middle, n))
        visit.shows(middle, frames, labels)
        page.mouse.move(*visit.track_point(middle, n))
        page.mouse.down()
        page.mouse.move(*visit.track_point(n - 1, n), steps=8)
        page.mouse.up()
        visit.shows(n - 1, frames, labels)
        # Keyboard: the focused slider steps with Home, the arrows and End.
        visit.control().focus()
        page.keyboard.press("Home")
        visit.shows(0, frames, labels)
        page.keyboard.press("ArrowRight")
        visit.shows(1, frames, labels)
        page.keyboard.press("End")
        visit.shows(n - 1, frames, labels)
        page.keyboard.press("ArrowLeft")
        visit.shows(n - 2, frames, labels)
        weight = visit.weight()
        assert weight < MAX_PAGE_BYTES, f"{stem} weighs {weight} bytes as transferred"
        print(f"{stem} ({device}): {n} frames, page weight {weight} bytes transferred")
        visit.clean()
    finally:
        visit.close()
