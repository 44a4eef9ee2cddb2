"""An explorable figure in Chromium: the slider moves by mouse, touch and keyboard, and the chart
then draws exactly the frame the book computed for that value.

A one-page book (the book's own ``_config.yml``, so the same theme and extensions) is built into a
temporary folder; its page holds one explorable figure with two panels, a series that changes with
the parameter in each, and one that does not. The page is served on 127.0.0.1 and opened in a
1366-pixel laptop window and on a 390 x 844 touch phone. Every request that does not go to that
server fails the test (the site must load nothing from a CDN), as does any console error. The page's
weight (every byte transferred, the vendored Vega included) must stay under 2.5 MB, and in print
the static image must replace the chart. Skips like tests/test_pages_in_browser.py where Chromium or
Playwright is missing, unless DGMBOOK_REQUIRE_BROWSER is set.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import importlib.util
import threading
from pathlib import Path

import pytest
import yaml
from conftest import REQUIRE_BROWSER
from test_pages_in_browser import ALLOWED_CONSOLE_ERRORS, CHROMIUM, CHROMIUM_FLAGS

from dgmbook.build import ROOT, build_book, load_config

# A one-page book is built (and printed) for these tests: they run with the book tests, not the unit tests.
pytestmark = [pytest.mark.book, pytest.mark.browser]

#: The page's weight limit (issue 21): scripts, styles, images and the page itself.
MAX_PAGE_BYTES = 2_500_000
LAPTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 3}

#: The figure of the test page; the test imports the same module to know the frames exactly.
DEMO = '''\
"""The explorable figure of the test page."""
import numpy as np

from dgmbook.explorable import slider_figure

NUS = np.array([0.25, 0.5, 1.0, 2.0, 4.0, 8.0])
X = np.linspace(-4.0, 6.0, 81)


def frames():
    out = []
    for nu in NUS:
        d = 1.0 / (1.0 + nu * np.exp(-X))
        out.append({"D(x)": (X, d), "data weight 1 - D": (X, 1.0 - d),
                    "noise weight D": (X[::2], d[::2])})
    return out


def figure():
    return slider_figure(
        frames(), parameter="noise ratio ν", symbol="ν", values=NUS, x="x",
        y={"classifier": "D(x)", "gradient weights": "weight"},
        panels={"classifier": ["D(x)", "one half"],
                "gradient weights": ["data weight 1 - D", "noise weight D"]},
        fixed={"one half": (X, np.full_like(X, 0.5))},
        marks={"noise weight D": "point", "one half": "area"},
        title="The NCE classifier and its gradient weights as the noise ratio grows.",
        alt="Two panels: the classifier D(x), a sigmoid that moves right as the slider raises the "
            "noise ratio from 0.25 to 8, and the weights 1 - D and D, which trade places.",
        static_values=[0.25, 1.0, 8.0], name="demo")
'''

PAGE = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3 (ipykernel)
  language: python
  name: python3
---

# An explorable figure

A paragraph before the figure: the keyboard's path starts here.

```{code-cell} ipython3
import explorable_demo

explorable_demo.figure()
```

A paragraph after the figure.
"""


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"browser test required (DGMBOOK_REQUIRE_BROWSER) but {reason}")
    pytest.skip(f"browser test skipped: {reason}")


def _tiny_book(root: Path) -> None:
    """A one-page book in ``root`` with the book's configuration (its paths made absolute)."""
    config = load_config()
    config["title"] = "Explorable test"
    config["bibtex_bibfiles"] = [str(ROOT / path) for path in config.get("bibtex_bibfiles", [])]
    config["html"]["favicon"] = str(ROOT / config["html"]["favicon"])
    sphinx_config = config["sphinx"]["config"]
    sphinx_config["html_extra_path"] = [str(ROOT / p) for p in sphinx_config.get("html_extra_path", [])]
    for name, path in config["sphinx"]["local_extensions"].items():
        config["sphinx"]["local_extensions"][name] = str(ROOT / path)
    (root / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf8")
    (root / "_toc.yml").write_text("format: jb-book\nroot: index\n", encoding="utf8")
    (root / "index.md").write_text(PAGE, encoding="utf8")
    (root / "explorable_demo.py").write_text(DEMO, encoding="utf8")


class _GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves text files gzip-compressed when the browser accepts it, as GitHub Pages does: the
    page's weight is then what a reader downloads."""

    COMPRESSED = (".html", ".css", ".js", ".svg", ".json", ".txt")

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        if (path.is_file() and path.suffix in self.COMPRESSED
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(path.read_bytes(), compresslevel=6)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(path)))
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if CHROMIUM is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium)")
    root = tmp_path_factory.mktemp("explorable-book")
    _tiny_book(root)
    result = build_book(root / "out", execute="force", root=root)
    assert result.returncode == 0, result.log[-4000:]
    html_dir = result.html_dir
    handler = functools.partial(_GzipHandler, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    spec = importlib.util.spec_from_file_location("explorable_demo", root / "explorable_demo.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    yield f"http://127.0.0.1:{httpd.server_address[1]}", html_dir, demo
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def chromium():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Visit:
    """One page opened in a fresh context: console errors and requests leaving the site recorded."""

    def __init__(self, browser, base: str, device: dict):
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
        self.page.goto(f"{base}/index.html", wait_until="load")
        self.page.wait_for_function("() => window.dgmExplorables && window.dgmExplorables.demo")
        self.page.evaluate("() => window.dgmExplorables.demo.ready")
        assert self.page.evaluate("() => !!window.dgmExplorables.demo.view"), self.errors

    def clean(self) -> None:
        errors = [e for e in self.errors if not any(a in e for a in ALLOWED_CONSOLE_ERRORS)]
        assert not errors, f"console errors: {errors}"
        assert not self.outside, f"requests leaving the site: {self.outside}"
        assert not self.failed, f"failed requests: {self.failed}"

    def close(self) -> None:
        self.context.close()


def _expected(demo, k: int) -> list[tuple]:
    frame = demo.frames()[k]
    x = demo.X
    rows = [(s, float(a), float(b)) for s, (xs, ys) in frame.items() for a, b in zip(xs, ys, strict=True)]
    rows += [("one half", float(a), 0.5) for a in x]
    return sorted(rows)


def _plotted(page) -> tuple[int, list[tuple], list[str]]:
    got = page.evaluate("""() => {
        const e = window.dgmExplorables.demo;
        return {frame: e.view.signal('frame'), input: Number(e.input.value),
                aria: e.input.getAttribute('aria-valuetext'),
                points: e.plotted().map(p => [p.series, p.x, p.y]),
                paths: Array.from(e.figure.querySelectorAll('.dgm-explorable-chart svg path'))
                    .map(p => p.getAttribute('d')).join('|')};
    }""")
    assert got["frame"] == got["input"], got
    return got["frame"], sorted(tuple(p) for p in got["points"]), [got["aria"], got["paths"]]


def _settle(page, k: int) -> None:
    page.wait_for_function(f"() => window.dgmExplorables.demo.view.signal('frame') === {k}", timeout=5000)
    page.evaluate("() => window.dgmExplorables.demo.view.runAsync().then(() => true)")


def _check_frame(page, demo, k: int, previous_paths: str | None = None) -> str:
    """The view shows frame ``k``: exactly its points, its label, and SVG paths unlike before."""
    _settle(page, k)
    frame, points, (aria, paths) = _plotted(page)
    assert frame == k
    assert points == _expected(demo, k), f"frame {k}: the chart does not draw the precomputed frame"
    assert aria == f"ν = {demo.NUS[k]:.4g}", aria
    if previous_paths is not None:
        assert paths != previous_paths, f"frame {k}: the SVG did not change"
    return paths


def _track_point(page, k: int, n: int) -> tuple[float, float]:
    """Where on the range input's track value ``k`` of ``0..n-1`` sits (the thumb is ~16 px)."""
    box = page.locator("#dgm-explorable-demo-control").bounding_box()
    thumb = 16
    return (box["x"] + thumb / 2 + (box["width"] - thumb) * k / (n - 1), box["y"] + box["height"] / 2)


def test_laptop_mouse_and_keyboard_move_the_frames(site, chromium):
    base, _, demo = site
    n = demo.NUS.size
    visit = Visit(chromium, base, LAPTOP)
    page = visit.page
    try:
        # The first frame is the first static value; the static image is hidden on screen.
        paths = _check_frame(page, demo, 0)
        assert page.locator(".dgm-explorable-static img").is_hidden()
        label = page.locator("label[for='dgm-explorable-demo-control']")
        assert label.inner_text() == "noise ratio ν"
        # Mouse: a click on the track, then a drag of the thumb to the end.
        page.locator("#dgm-explorable-demo-control").scroll_into_view_if_needed()
        page.mouse.click(*_track_point(page, 3, n))
        paths = _check_frame(page, demo, 3, paths)
        page.mouse.move(*_track_point(page, 3, n))
        page.mouse.down()
        page.mouse.move(*_track_point(page, n - 1, n), steps=8)
        page.mouse.up()
        paths = _check_frame(page, demo, n - 1, paths)
        # Keyboard: from the paragraph before the figure, Tab reaches the slider (past the code
        # cell's copy button).
        page.get_by_text("A paragraph before the figure").click()
        visited = []
        for _ in range(6):
            page.keyboard.press("Tab")
            visited.append(page.evaluate("() => document.activeElement.id || document.activeElement.tagName"))
            if visited[-1] == "dgm-explorable-demo-control":
                break
        assert visited[-1] == "dgm-explorable-demo-control", f"Tab went through {visited}"
        page.keyboard.press("Home")
        paths = _check_frame(page, demo, 0, paths)
        page.keyboard.press("ArrowRight")
        paths = _check_frame(page, demo, 1, paths)
        page.keyboard.press("End")
        _check_frame(page, demo, n - 1, paths)
        # The chart fits its column, and carries the alt text as its accessible name.
        fit = page.evaluate("""() => {
            const chart = document.querySelector('.dgm-explorable-chart');
            return {chart: chart.clientWidth, svg: chart.querySelector('svg').getBoundingClientRect().width,
                    name: chart.getAttribute('aria-label')};
        }""")
        assert fit["svg"] <= fit["chart"] + 1, fit
        assert fit["name"] == demo.figure().alt
        # One path per line or area series (not one per point), one symbol per point.
        marks = page.evaluate("""() => {
            const svg = document.querySelector('.dgm-explorable-chart svg');
            const count = (sel) => svg.querySelectorAll(sel).length;
            return {line: count('g.mark-line path'), area: count('g.mark-area path'),
                    symbol: count('g.mark-symbol path') - count('g[class*=legend] g.mark-symbol path')};
        }""")
        # Lines: D(x), 1 - D, and the area's outline; symbols: the noise weight's points.
        assert marks == {"line": 3, "area": 1, "symbol": demo.X[::2].size}, marks
        # Page weight: every byte transferred for the page (compressed, as served), the vendored
        # library included; and what the figure adds, uncompressed.
        weight = page.evaluate("""() => {
            const entries = performance.getEntriesByType('navigation')
                .concat(performance.getEntriesByType('resource'));
            return {bytes: entries.reduce((s, e) => s + e.transferSize, 0),
                    decoded: entries.reduce((s, e) => s + e.decodedBodySize, 0),
                    added: entries.filter(e => /explorable|vendor\\/vega/.test(e.name))
                        .reduce((s, e) => s + e.decodedBodySize, 0),
                    names: entries.map(e => e.name)};
        }""")
        assert sum("vendor/vega/" in name for name in weight["names"]) == 3, weight["names"]
        assert weight["bytes"] < MAX_PAGE_BYTES, f"the page weighs {weight['bytes']} bytes"
        assert weight["added"] < 850_000, f"the figure's scripts and styles weigh {weight['added']} bytes"
        print(f"page weight: {weight['bytes']} bytes transferred, {weight['decoded']} uncompressed, "
              f"{weight['added']} of them for the explorable's scripts and styles")
        # In print, the static image and its note replace the chart and the slider.
        page.emulate_media(media="print")
        printed = page.evaluate("""() => {
            const f = document.querySelector('figure.dgm-explorable');
            const img = f.querySelector('.dgm-explorable-static img');
            return {img: img.getBoundingClientRect().height, complete: img.complete && img.naturalWidth > 0,
                    live: f.querySelector('.dgm-explorable-live').getBoundingClientRect().height,
                    note: f.querySelector('.dgm-explorable-note').getBoundingClientRect().height};
        }""")
        assert printed["img"] > 100 and printed["complete"] and printed["note"] > 0, printed
        assert printed["live"] == 0, printed
        visit.clean()
    finally:
        visit.close()


def test_phone_touch_and_keyboard_move_the_frames(site, chromium):
    base, _, demo = site
    n = demo.NUS.size
    visit = Visit(chromium, base, PHONE)
    page = visit.page
    try:
        paths = _check_frame(page, demo, 0)
        page.locator("#dgm-explorable-demo-control").scroll_into_view_if_needed()
        layout = page.evaluate("""() => {
            const chart = document.querySelector('.dgm-explorable-chart');
            const svg = chart.querySelector('svg').getBoundingClientRect();
            const input = document.querySelector('#dgm-explorable-demo-control').getBoundingClientRect();
            return {right: svg.right, width: window.innerWidth, chart: chart.clientWidth, svg: svg.width,
                    input: input.width, inputHeight: input.height, svgHeight: svg.height};
        }""")
        assert layout["svg"] <= layout["chart"] + 1 and layout["right"] <= layout["width"], layout
        assert layout["input"] >= 150 and layout["inputHeight"] >= 44, layout
        # Stacked panels: the chart is taller than it is wide on a phone.
        assert layout["svgHeight"] > layout["svg"], layout
        page.touchscreen.tap(*_track_point(page, 2, n))
        paths = _check_frame(page, demo, 2, paths)
        page.mouse.click(*_track_point(page, 4, n))
        paths = _check_frame(page, demo, 4, paths)
        page.locator("#dgm-explorable-demo-control").focus()
        page.keyboard.press("ArrowLeft")
        _check_frame(page, demo, 3, paths)
        visit.clean()
    finally:
        visit.close()


def test_the_vendored_library_is_served_only_to_pages_with_a_figure(site):
    _, html_dir, _ = site
    page = (html_dir / "index.html").read_text(encoding="utf8")
    assert "_static/explorable.js" in page and "_static/explorable.css" in page
    for name in ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js"):
        assert (html_dir / "_static" / "vendor" / "vega" / name).is_file(), name
    others = [p for p in html_dir.rglob("*.html") if p.name != "index.html" and "_static" not in p.parts]
    assert others, "the build has no other page to compare with"
    for other in others:
        text = other.read_text(encoding="utf8")
        assert "explorable.js" not in text, f"{other.name} loads the explorable script"


def test_the_print_edition_shows_the_static_image_and_its_note(site, tmp_path):
    """The PDF is printed from the one-page build (dgmbook.pdf): there the chart and its slider give
    way to the static image, whose caption says the web page has the interactive version."""
    import shutil
    import subprocess

    from dgmbook.pdf import SINGLEHTML_ARGS, local_mathjax, print_html_to_pdf

    if shutil.which("pdftotext") is None or shutil.which("pdfimages") is None:
        _unavailable("poppler-utils (pdftotext, pdfimages) is not installed")
    mathjax = local_mathjax()  # the one-page build loads MathJax: the printing waits for it
    if mathjax is None:
        _unavailable("no local MathJax (npm pack mathjax@3.2.2 failed)")
    _, html_dir, demo = site
    out = html_dir.parents[1]  # the test book's --path-output: its execution cache is reused
    result = build_book(out, execute="cache", root=out.parent, extra_args=SINGLEHTML_ARGS,
                        mathjax_version=3)  # as dgmbook.pdf.build_pdf builds it
    single = out / "_build" / "singlehtml" / "index.html"
    assert single.is_file(), result.log[-4000:]
    text = single.read_text(encoding="utf8")
    assert "_static/explorable.js" in text and 'class="dgm-explorable"' in text
    pdf = tmp_path / "print.pdf"
    print_html_to_pdf(single, pdf, title="Explorable test", edition="test", mathjax_dir=mathjax)
    printed = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout
    flat = " ".join(printed.split())
    assert "ν = 0.25, ν = 1 and ν = 8" in flat and "web page this figure is interactive" in flat, flat[-800:]
    assert "noise ratio ν" not in flat, "the slider's label was printed"
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    sizes = [tuple(int(v) for v in line.split()[3:5]) for line in images]
    width, height = _png_size(demo.figure().static_png)
    assert (width, height) in sizes, f"the static image ({width} x {height}) is not in the PDF: {sizes}"


def _png_size(data: bytes) -> tuple[int, int]:
    import struct

    return struct.unpack(">II", data[16:24])


# Every explorable figure of a built site: each control moves, by keyboard and mouse, to the frame
# the page's own data hold for that value. Run on the test page here, and on the whole book below.

def _frames_of(spec: dict) -> list[list[tuple]]:
    """The points each frame draws, from a figure's specification (fixed series included)."""
    rows = spec["data"]["values"]
    count = len(spec["usermeta"]["dgmExplorable"]["values"])
    return [sorted((r["series"], float(a), float(b)) for r in rows if r["frame"] in (None, k)
                   for a, b in zip(r["x"], r["y"], strict=True)) for k in range(count)]


def _figures_in(html: str) -> dict[str, dict]:
    import json
    import re

    found = {}
    for match in re.finditer(r'data-dgm-explorable="([^"]+)".*?<script type="application/json" '
                             r'class="dgm-explorable-spec">(.*?)</script>', html, re.S):
        found[match.group(1)] = json.loads(match.group(2))
    return found


def check_every_explorable(browser, base: str, html_dir: Path) -> list[str]:
    """Open every page holding explorable figures and move each one; return what went wrong."""
    problems: list[str] = []
    pages = [p for p in sorted(html_dir.rglob("*.html")) if "_static" not in p.parts
             and 'class="dgm-explorable"' in p.read_text(encoding="utf8")]
    for path in pages:
        rel = path.relative_to(html_dir).as_posix()
        figures = _figures_in(path.read_text(encoding="utf8"))
        visit = Visit.__new__(Visit)
        try:
            _open(visit, browser, base, rel, list(figures))
            page = visit.page
            for name, spec in figures.items():
                frames = _frames_of(spec)
                n = len(frames)
                control = page.locator(f"#dgm-explorable-{name}-control")
                control.scroll_into_view_if_needed()
                k = n // 2
                moves = [("keyboard Home", 0), ("keyboard End", n - 1), ("keyboard ArrowLeft", n - 2),
                         ("mouse click", k)]
                for how, want in moves:
                    if how == "keyboard Home":
                        control.focus()
                    if how.startswith("keyboard"):
                        page.keyboard.press(how.split()[1])
                    else:
                        box = control.bounding_box()
                        x = box["x"] + 8 + (box["width"] - 16) * want / (n - 1)
                        page.mouse.click(x, box["y"] + box["height"] / 2)
                    try:
                        page.wait_for_function(
                            f"() => window.dgmExplorables['{name}'].view.signal('frame') === {want}",
                            timeout=5000)
                    except Exception:
                        problems.append(f"{rel} {name}: {how} did not reach frame {want}")
                        continue
                    got = page.evaluate(f"() => window.dgmExplorables['{name}'].plotted()"
                                        ".map(p => [p.series, p.x, p.y])")
                    if sorted(tuple(p) for p in got) != frames[want]:
                        problems.append(f"{rel} {name}: after {how} the chart does not draw frame {want}")
            errors = [e for e in visit.errors if not any(a in e for a in ALLOWED_CONSOLE_ERRORS)]
            if errors or visit.outside or visit.failed:
                problems.append(f"{rel}: console {errors[:3]}, outside {visit.outside[:3]}, "
                                f"failed {visit.failed[:3]}")
        finally:
            visit.close()
    return problems if pages else ["no page holds an explorable figure"]


def _open(visit: Visit, browser, base: str, rel: str, names: list[str]) -> None:
    """Visit.__init__ for any page and any figures (the tests above use the demo page)."""
    visit.context = browser.new_context(**LAPTOP)
    visit.errors, visit.outside, visit.failed = [], [], []

    def route(route):
        if route.request.url.startswith(base + "/"):
            route.continue_()
        else:
            visit.outside.append(route.request.url)
            route.abort()

    visit.context.route("**/*", route)
    visit.page = visit.context.new_page()
    visit.page.on("console", lambda m: m.type == "error" and visit.errors.append(m.text))
    visit.page.on("pageerror", lambda exc: visit.errors.append(str(exc)))
    visit.page.on("requestfailed", lambda req: visit.failed.append(req.url))
    visit.page.on("response", lambda r: r.status >= 400 and visit.failed.append(f"{r.status} {r.url}"))
    visit.page.goto(f"{base}/{rel}", wait_until="load")
    for name in names:
        visit.page.wait_for_function(f"() => window.dgmExplorables && window.dgmExplorables['{name}']")
        visit.page.evaluate(f"() => window.dgmExplorables['{name}'].ready")


def test_every_explorable_of_the_test_page_moves(site, chromium):
    base, html_dir, _ = site
    assert check_every_explorable(chromium, base, html_dir) == []


@pytest.mark.book
def test_every_explorable_of_the_book_moves(built_book, chromium):
    """Each explorable figure of the book (one per question, issue 21), moved by keyboard and mouse."""
    if built_book.returncode != 0:
        pytest.fail("the book did not build; see test_book.py")
    html_dir = built_book.html_dir
    if not any('class="dgm-explorable"' in p.read_text(encoding="utf8")
               for p in html_dir.rglob("*.html") if "_static" not in p.parts):
        pytest.skip("no page of the book holds an explorable figure yet")
    handler = functools.partial(_GzipHandler, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        problems = check_every_explorable(chromium, f"http://127.0.0.1:{httpd.server_address[1]}", html_dir)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not problems, "\n".join(problems)
