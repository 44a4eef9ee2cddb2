"""Figures as a set: every figure of the built book is readable in print and on screen.

Each figure of a page is the SVG file that its ``<img>`` shows. An SVG made by matplotlib is
``width`` points wide (72 per inch) and draws each text as glyphs scaled by ``fontsize / 100``; so
the size of every text of a figure, in points of the figure, can be read from the file. Shown in a
column of C points a figure of width W points draws a text of s pt at s * min(1, C / W) pt (an
``<img>`` is never wider than its column, and an SVG is never drawn larger than its natural size):

- in print, the column is the A4 page's text column, ``PRINT_COLUMN_IN`` inches: at least 8 pt;
- on screen, a 1366-px laptop window gives figures a column of ``SCREEN_COLUMN_PX`` CSS px (96 per
  inch): at least 11 CSS px. The browser test measures the width each figure is really drawn at,
  at 1366 px and on a 390 x 844 phone, where the column is 329 px inside a box: there a figure of
  panels side by side (6.3 in) shows its phone version (its panels stacked, 4 in wide; see
  dgmbook/phone_figures.py) instead, and every figure's text must still be at least 11 CSS px.

Every line and marker (data curves, reference lines, legend keys, scatter points drawn as vectors)
has a contrast of at least 3:1 against the figure's white background, also as the theme's dark mode
shows the image. Filled areas (histogram bars, error bands), grid lines, images and rasterised point
clouds are not lines or markers and are not held to it.

The tests of the built book are marked ``book``; the test of the SVG reading is a unit test.
Set ``DGMBOOK_BUILT_HTML`` to the ``html`` folder of a book already built to check it without
building the book again.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from matplotlib.colors import to_rgb

from dgmbook.book import PRINT_COLUMN_IN, contrast_ratio

#: Smallest text of a figure, printed (pt) and on a 1366-px screen (CSS px).
MIN_PRINT_PT = 8.0
MIN_SCREEN_PX = 11.0
#: Width of a figure's column in a 1366-px window (sphinx-book-theme 1.2: the article is 821 px,
#: a cell's output 674 px); the browser test measures it.
SCREEN_COLUMN_PX = 674.0
MIN_CONTRAST = 3.0

SVG_NS = "{http://www.w3.org/2000/svg}"
_IMG = re.compile(r'<img\b(?:[^>]*\bclass="([^"]*)")?[^>]*\bsrc="\.\./_images/([^"]+)"')
#: The narrowest column a figure is shown in: a phone's (390 px) inside a box.
PHONE_COLUMN_PX = 329.0
_TEXT = re.compile(r'<!-- (.*?) -->\s*<g transform="[^"]*?scale\(([0-9.]+) -[0-9.]+\)"', re.S)
_STYLE_COLOUR = re.compile(r"(stroke|fill):\s*(#[0-9a-fA-F]{6})")
_OPACITY = re.compile(r"(stroke|fill)-opacity:\s*([0-9.]+)")
_CHECKED_GROUPS = ("line2d_", "PathCollection_", "LineCollection_")
_SKIPPED_GROUPS = ("xtick_", "ytick_", "patch_")


@dataclass
class Figure:
    page: str
    file: Path
    width_pt: float
    classes: str = ""   # "dgm-figure-wide" or "dgm-figure-phone" for a figure with a phone version
    texts: list[tuple[str, float]] = field(default_factory=list)   # (text, size in pt)
    colours: list[tuple[str, str]] = field(default_factory=list)   # (group id, effective colour)

    @property
    def smallest(self) -> tuple[str, float]:
        return min(self.texts, key=lambda item: item[1])

    def printed_pt(self, size: float) -> float:
        return size * min(1.0, PRINT_COLUMN_IN * 72 / self.width_pt)

    def screen_px(self, size: float, column_px: float = SCREEN_COLUMN_PX) -> float:
        return size * 96 / 72 * min(1.0, column_px / (self.width_pt * 96 / 72))


def _over_white(hex_colour: str, opacity: float) -> tuple[float, float, float]:
    return tuple(opacity * c + (1 - opacity) for c in to_rgb(hex_colour))


def _mark_colours(group: ET.Element) -> list[str]:
    """The visible colour of each drawn path of a line or marker group: of its stroke and its fill
    (a marker may be hollow, drawn with a white face), the one of higher contrast on white."""
    found = []
    for element in group.iter():
        style = element.get("style", "")
        opacity = dict(_OPACITY.findall(style))
        candidates = [_over_white(colour, float(opacity.get(kind, 1.0)))
                      for kind, colour in _STYLE_COLOUR.findall(style)]
        if candidates:
            best = max(candidates, key=contrast_ratio)
            found.append("#" + "".join(f"{round(c * 255):02x}" for c in best))
    return found


def read_figure(page: str, path: Path) -> Figure:
    text = path.read_text(encoding="utf8")
    root = ET.fromstring(text)
    width = root.get("width", "")
    if not width.endswith("pt"):
        raise AssertionError(f"{path.name}: the SVG's width is not in points: {width!r}")
    figure = Figure(page, path, float(width[:-2]))
    figure.texts = [(label, 100 * float(scale)) for label, scale in _TEXT.findall(text)]

    def walk(element: ET.Element, skipped: bool) -> None:
        gid = element.get("id", "")
        skipped = skipped or gid.startswith(_SKIPPED_GROUPS)
        if element.tag == f"{SVG_NS}g" and gid.startswith(_CHECKED_GROUPS) and not skipped:
            figure.colours.extend((gid, colour) for colour in _mark_colours(element))
            return
        for child in element:
            walk(child, skipped)

    walk(root, False)
    return figure


def book_figures(html_dir: Path) -> list[Figure]:
    figures = []
    for page in sorted((html_dir / "book").glob("*.html")):
        for classes, name in _IMG.findall(page.read_text(encoding="utf8")):
            path = html_dir / "_images" / name
            figure = read_figure(page.name, path) if path.suffix == ".svg" else Figure(page.name, path, 0.0)
            figure.classes = classes
            figures.append(figure)
    return figures


@pytest.fixture(scope="module")
def html_dir(request) -> Path:
    given = os.environ.get("DGMBOOK_BUILT_HTML")
    if given:
        return Path(given)
    built_book = request.getfixturevalue("built_book")
    if built_book.returncode != 0:
        pytest.fail("the book did not build; see test_book.py")
    return built_book.html_dir


@pytest.fixture(scope="module")
def figures(html_dir) -> list[Figure]:
    found = book_figures(html_dir)
    # every chapter with experiments has figures: 24 of them when this test was written
    assert len(found) >= 20, f"only {len(found)} figures found in {html_dir}"
    return found


@pytest.mark.book
def test_every_figure_is_an_svg(figures):
    raster = [f"{f.page}: {f.file.name}" for f in figures if f.file.suffix != ".svg"]
    assert not raster, f"figures shown as raster images (blurred on a phone): {raster}"


@pytest.mark.book
def test_every_text_of_every_figure_prints_at_8_pt_and_shows_at_11_px(figures):
    small = []
    for figure in figures:
        assert figure.texts, f"{figure.page}: {figure.file.name} has no text (ticks, labels)"
        label, size = figure.smallest
        printed, shown = figure.printed_pt(size), figure.screen_px(size)
        if printed < MIN_PRINT_PT or shown < MIN_SCREEN_PX:
            small.append(f"{figure.page}: {figure.file.name[:12]} {figure.width_pt / 72:.2f} in wide, "
                         f"{label!r} at {size:g} pt prints at {printed:.1f} pt, shows at {shown:.1f} px")
    assert not small, "\n".join(small)


@pytest.mark.book
def test_every_figure_sets_its_text_at_one_size(figures):
    # Sub- and superscripts of formulas are drawn smaller inside the same text; every text itself
    # (tick label, axis label, legend entry, title) has the book's one size.
    sizes = {round(size, 2) for figure in figures for _, size in figure.texts}
    assert sizes == {10.0}, sizes


@pytest.mark.book
def test_every_figure_fits_the_printed_column(figures):
    wide = [f"{f.page}: {f.file.name[:12]} {f.width_pt / 72:.2f} in" for f in figures
            if f.width_pt > PRINT_COLUMN_IN * 72 * 1.01]
    assert not wide, wide


@pytest.mark.book
def test_every_figure_too_wide_for_a_phone_has_a_phone_version(figures):
    """A figure whose text would show below 11 px in a phone's column comes with a phone version,
    right after it on the page, which shows its text at 11 px or more there."""
    missing, small, versions = [], [], 0
    for k, figure in enumerate(figures):
        if figure.classes == "dgm-figure-phone":
            versions += 1
            before = figures[k - 1] if k else None
            assert before is not None and before.classes == "dgm-figure-wide", figure.file.name
            size = figure.smallest[1]
            if figure.screen_px(size, PHONE_COLUMN_PX) < MIN_SCREEN_PX:
                small.append(f"{figure.page}: phone version {figure.file.name[:12]} "
                             f"{figure.width_pt / 72:.2f} in wide")
        elif figure.classes != "dgm-figure-wide" and \
                figure.screen_px(figure.smallest[1], PHONE_COLUMN_PX) < MIN_SCREEN_PX:
            missing.append(f"{figure.page}: {figure.file.name[:12]} {figure.width_pt / 72:.2f} in wide")
    assert versions >= 15, f"only {versions} phone versions: is the build adding them?"
    assert not missing, "figures unreadable on a phone, without a phone version:\n" + "\n".join(missing)
    assert not small, "\n".join(small)


@pytest.mark.book
def test_every_line_and_marker_reads_on_white_and_in_dark_mode(figures):
    faint = []
    for figure in figures:
        for gid, colour in figure.colours:
            light, dark = contrast_ratio(colour), contrast_ratio(colour, dark_theme=True)
            if min(light, dark) < MIN_CONTRAST:
                faint.append(f"{figure.page}: {figure.file.name[:12]} {gid} {colour} "
                             f"contrast {light:.2f} (dark mode {dark:.2f})")
    assert sum(len(f.colours) for f in figures) > 100, "no lines or markers found: is the parser right?"
    assert not faint, "\n".join(faint)


@pytest.mark.book
def test_the_figures_have_a_white_background(figures):
    for figure in figures:
        root = ET.parse(figure.file).getroot()
        background = root.find(f".//{SVG_NS}g[@id='figure_1']/{SVG_NS}g[@id='patch_1']/{SVG_NS}path")
        assert background is not None, figure.file.name
        assert "fill: #ffffff" in background.get("style", ""), (figure.page, figure.file.name)


def test_the_parser_reads_sizes_and_colours(tmp_path):
    """The reading of an SVG is right: a figure of known sizes and colours comes back as made."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.0, 3.0))
    ax.plot([0, 1], [0, 1], color="#F0E442", label="yellow")
    ax.plot([0, 1], [1, 0], "o", color="#0072B2", mfc="white", label="hollow")
    ax.set_xlabel("x", fontsize=7)
    ax.legend(fontsize=9)
    fig.savefig(tmp_path / "f.svg")
    plt.close(fig)
    figure = read_figure("test", tmp_path / "f.svg")
    assert figure.width_pt == pytest.approx(288)
    sizes = dict(figure.texts)
    assert sizes["x"] == pytest.approx(7) and sizes["yellow"] == pytest.approx(9)
    assert figure.printed_pt(7) == pytest.approx(7) and figure.screen_px(9) == pytest.approx(12)
    colours = {colour for _, colour in figure.colours}
    assert "#f0e442" in colours and "#0072b2" in colours and "#ffffff" not in colours
    wide = Figure("test", tmp_path / "f.svg", width_pt=2 * PRINT_COLUMN_IN * 72)
    assert wide.printed_pt(10) == pytest.approx(5)


@pytest.mark.book
@pytest.mark.browser
@pytest.mark.parametrize("viewport", [(1366, 900, "screen"), (390, 844, "screen"), (390, 844, "print")],
                         ids=["1366px", "phone", "printed-from-a-phone"])
def test_figures_show_their_text_at_11_px_on_a_laptop_and_a_phone(html_dir, figures, viewport):
    """In Chromium, each figure shows exactly one image (the wide one, or on a phone's screen its
    phone version where it has one), whose text is at least 11 CSS px as drawn; printed, even from
    a phone, it is the wide one."""
    import shutil

    chromium = os.environ.get("DGMBOOK_CHROMIUM") or shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed")
    if chromium is None:
        pytest.skip("Chromium is not installed")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(html_dir)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    by_file = {f.file.name: f for f in figures}
    phone = viewport[0] < 600 and viewport[2] == "screen"
    small, wrong, shown_files = [], [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]},
                                    is_mobile=viewport[0] < 600, has_touch=viewport[0] < 600)
            page.emulate_media(media=viewport[2])
            for name in sorted({f.page for f in figures}):
                page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/book/{name}", wait_until="load")
                # per figure (or cell output): its images, with the width each is drawn at
                groups = page.evaluate("""() => {
                    const imgs = [...document.querySelectorAll('img')]
                        .filter(i => i.getAttribute('src').includes('_images/'));
                    const groups = new Map();
                    for (const i of imgs) {
                        const box = i.closest('figure, div.cell_output') || i;
                        if (!groups.has(box)) groups.set(box, []);
                        groups.get(box).push([i.getAttribute('src').split('/').pop(),
                                              i.getBoundingClientRect().width]);
                    }
                    return [...groups.values()];
                }""")
                for images in groups:
                    visible = [(file_name, width) for file_name, width in images if width > 0]
                    if len(visible) != 1:
                        wrong.append(f"{name}: {len(visible)} of {len(images)} images shown together")
                        continue
                    file_name, width_px = visible[0]
                    figure = by_file[file_name]
                    expected = "dgm-figure-phone" if phone else "dgm-figure-wide"
                    if len(images) > 1 and figure.classes != expected:
                        wrong.append(f"{name}: {file_name[:12]} ({figure.classes}) shown")
                    label, size = figure.smallest
                    shown = size * width_px / figure.width_pt   # SVG user units are points
                    shown_files.append(file_name)
                    if viewport[2] == "screen" and shown < MIN_SCREEN_PX:   # print: see printed_pt
                        small.append(f"{name}: {file_name[:12]} drawn {width_px:.0f} px wide, "
                                     f"{label!r} shows at {shown:.1f} px")
            browser.close()
    finally:
        httpd.shutdown()
    hidden = "dgm-figure-wide" if phone else "dgm-figure-phone"
    assert sorted(shown_files) == sorted(f.file.name for f in figures if f.classes != hidden)
    assert not wrong, "\n".join(wrong)
    assert not small, "\n".join(small)
