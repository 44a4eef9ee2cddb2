"""Every built page, opened in headless Chromium: no console errors, images load, equations typeset.

The pages are served from the test build on 127.0.0.1 with a local MathJax 4 (see conftest.py), once
in a 1366-pixel-wide window (a common laptop screen) and once on a phone (390 x 844, touch): at
both sizes no formula may be cut off, no display equation, table or page may be wider than its
column, and no equation number may sit on its formula; every figure needs a real alt text, so
that a screen reader can describe it. The
test skips where Chromium, Playwright or a local MathJax is missing -- unless DGMBOOK_REQUIRE_BROWSER
is set (CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest
from conftest import MATHJAX4_FONT, MATHJAX4_VERSION, REQUIRE_BROWSER

pytestmark = [pytest.mark.book, pytest.mark.browser]

CHROMIUM = os.environ.get("DGMBOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: The one console message the theme itself logs on a fresh browser profile (see shared notes).
ALLOWED_CONSOLE_ERRORS = ("Got invalid theme mode",)
#: The reader's window: a 1366-pixel-wide laptop screen.
VIEWPORT = {"width": 1366, "height": 900}
#: A phone held upright (390 x 844 CSS pixels, touch), and the laptop window of the other tests.
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 3}
DESKTOP = {"viewport": VIEWPORT}


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"browser test required (DGMBOOK_REQUIRE_BROWSER) but {reason}")
    pytest.skip(f"browser test skipped: {reason}")


@pytest.fixture(scope="module")
def server(built_book, mathjax4):
    if built_book.returncode != 0:
        pytest.fail("the book did not build; see test_book.py")
    mathjax_dir, font_dir, reason = mathjax4
    if mathjax_dir is None:
        _unavailable(f"no local MathJax 4 ({reason})")
    handler = functools.partial(_QuietHandler, directory=str(built_book.html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", built_book.html_dir, font_dir
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test log readable
        pass


#: Where MathJax 4 asks for its font (``[fonts]/mathjax-newcm-font@<version>/...``); the test
#: answers from the local font package, as the CDN would.
FONT_CDN = f"https://cdn.jsdelivr.net/npm/@mathjax/{MATHJAX4_FONT}-font@{MATHJAX4_VERSION}/"


def _serve_font_locally(context, font_dir: Path) -> None:
    local = font_dir.resolve()

    def serve(route):
        target = (local / route.request.url[len(FONT_CDN):].split("?")[0]).resolve()
        if target.is_file() and local in target.parents:
            route.fulfill(path=str(target))
        else:
            route.fulfill(status=404, body="")

    context.route(FONT_CDN + "**", serve)


@pytest.fixture(scope="module")
def playwright():
    if CHROMIUM is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright, server, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
        viewport=VIEWPORT,
    )
    _serve_font_locally(context, server[2])
    yield context
    context.close()


@pytest.fixture(scope="module")
def phone(playwright, server):
    """A phone's browser: 390 x 844 CSS pixels, touch, three device pixels per CSS pixel."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
    context = browser.new_context(**PHONE)
    _serve_font_locally(context, server[2])
    yield context
    browser.close()


def _page_paths(html_dir: Path) -> list[str]:
    """Every page of the site, less the root's redirect (a meta refresh to the introduction: opened,
    it becomes the introduction while the test waits, a page already in the list)."""
    return sorted(
        str(p.relative_to(html_dir)) for p in html_dir.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
        and not p.read_text(encoding="utf8", errors="replace").lstrip().lower().startswith(
            '<meta http-equiv="refresh"')
    )


#: What a page holds, measured once MathJax has typeset it.
_REPORT = """() => {
    const images = Array.from(document.images)
        .filter(img => img.offsetParent !== null || img.closest('main'));
    const broken = images.filter(img => !(img.complete && img.naturalWidth > 0))
        .map(img => img.src);
    // Prose only: code cells may legitimately contain TeX (e.g. plot labels).
    const root = document.querySelector('main') || document.body || document.documentElement;
    const main = root.cloneNode(true);
    main.querySelectorAll('pre, code, .highlight, script').forEach(el => el.remove());
    const text = main.textContent;
    return {
        broken,
        mathjax: !!window.MathJax,
        containers: document.querySelectorAll('mjx-container').length,
        mathSources: document.querySelectorAll('.math').length,
        merrors: document.querySelectorAll('mjx-merror').length,
        rawDollar: (text.match(/\\$\\$/g) || []).length,
        rawBegin: (text.match(/\\\\begin\\{/g) || []).length,
        rawFrac: (text.match(/\\\\frac\\{/g) || []).length,
        // Figures whose alt text is empty or only a file name.
        badAlt: Array.from(document.querySelectorAll('main img'))
            .filter(img => !img.closest('.navbar-brand, .sidebar-logo'))
            .map(img => img.getAttribute('alt') || '')
            .filter(alt => alt.trim().length < 4 || /\\.(png|jpe?g|svg|gif)$/i.test(alt.trim())),
    };
}"""

#: Whatever does not fit the column: the same five checks at every window size.
_FIT = """() => {
    const main = document.querySelector('main') || document.body || document.documentElement;
    const where = el => el.closest('[id]')?.id || '?';
    const formula = el => el.querySelector('mjx-math') || el;
    // What a reader sees of a formula: the box around its characters and rules (the boxes of
    // MathJax's tables keep the width of the unbroken formula after a line break).
    const ink = el => {
        let left = Infinity, right = -Infinity;
        for (const part of el.querySelectorAll('mjx-c, mjx-line')) {
            const r = part.getBoundingClientRect();
            if (r.width > 0) { left = Math.min(left, r.left); right = Math.max(right, r.right); }
        }
        return left < right ? {left, right} : formula(el).getBoundingClientRect();
    };
    // The content box of the nearest block that holds an element (its column).
    const column = el => {
        let box = el.parentElement;
        while (box && (getComputedStyle(box).display.startsWith('inline')
                       || box.classList.contains('pst-scrollable-table-container'))) {
            box = box.parentElement;
        }
        const r = box.getBoundingClientRect(), s = getComputedStyle(box);
        return {left: r.left + parseFloat(s.borderLeftWidth) + parseFloat(s.paddingLeft),
                right: r.right - parseFloat(s.borderRightWidth) - parseFloat(s.paddingRight)};
    };
    const out = {clipped: [], wideDisplays: [], numberOnFormula: [], wideTables: [],
                 punctuationStartsLine: [], shortFormulaBroken: []};
    // A short in-line formula on two lines: at most 60 characters of TeX (SHORT_FORMULA of
    // book/_ext/typography.py, which puts it in a TeX group, less the group's braces).
    const items = window.MathJax && MathJax.startup && MathJax.startup.document
        ? [...MathJax.startup.document.math] : [];
    for (const item of items) {
        const el = item.typesetRoot;
        const tex = item.math.startsWith('{') && item.math.endsWith('}') ? item.math.slice(1, -1) : item.math;
        if (item.display || !el || !main.contains(el) || tex.length > 60 || el.closest('table')) continue;
        const tops = new Set([...el.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) out.shortFormulaBroken.push(`${where(el)}: ${item.math.slice(0, 40)}`);
    }
    // In-line formulas cut off by a box that hides its overflow (a box that scrolls keeps the
    // formula within reach: the last resort for one that cannot break, see small-screens.css).
    for (const el of main.querySelectorAll('mjx-container:not([display="true"])')) {
        const r = formula(el).getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        let lost = 0;
        if (el.scrollWidth > el.clientWidth + 1 && /hidden|clip/.test(getComputedStyle(el).overflowX)) {
            lost = el.scrollWidth - el.clientWidth;
        }
        for (let box = el.parentElement; box && box !== document.body; box = box.parentElement) {
            const s = getComputedStyle(box);
            if (s.display === 'inline' || !/hidden|clip/.test(s.overflowX)) continue;
            const b = box.getBoundingClientRect();
            lost = Math.max(lost, r.right - b.right, b.left - r.left);
        }
        if (lost > 1) {
            out.clipped.push(`${where(el)}: ${el.textContent.slice(0, 40)} (${Math.round(lost)} px cut off)`);
        }
    }
    // Display equations wider than their column, and equation numbers drawn over their formula.
    for (const el of main.querySelectorAll('mjx-container[display="true"]')) {
        const col = column(el.parentElement.classList.contains('math') ? el.parentElement : el);
        const r = ink(el);
        const over = Math.max(r.right - col.right, col.left - r.left);
        if (over > 1) out.wideDisplays.push(`${where(el)} (${Math.round(over)} px too wide)`);
        const number = el.parentElement.querySelector(':scope > .eqno');
        if (number) {
            const n = number.getBoundingClientRect();
            const hit = Array.from(el.querySelectorAll('mjx-c')).some(c => {
                const g = c.getBoundingClientRect();
                return g.width > 0 && g.left < n.right - 1 && g.right > n.left + 1
                    && g.top < n.bottom - 1 && g.bottom > n.top + 1;
            });
            if (hit) out.numberOnFormula.push(`${where(el)} ${number.textContent.replace('#', '').trim()}`);
        }
    }
    // Tables wider than their column.
    for (const t of main.querySelectorAll('table')) {
        const r = t.getBoundingClientRect();
        if (r.width === 0) continue;
        const col = column(t);
        const over = Math.max(r.right - col.right, col.left - r.left);
        const width = Math.round(col.right - col.left);
        if (over > 1) out.wideTables.push(`${where(t)} (${Math.round(r.width)} px in ${width} px)`);
    }
    // A formula's punctuation on the next line (book/_ext/typography.py keeps them together).
    for (const pair of main.querySelectorAll('span.math-punct')) {
        const math = pair.querySelector('mjx-container');
        const text = pair.lastChild;
        if (!math || !text || text.nodeType !== Node.TEXT_NODE) continue;
        const lines = math.getClientRects();
        const range = document.createRange();
        range.selectNodeContents(text);
        const p = range.getBoundingClientRect();
        const last = lines[lines.length - 1];
        if (last && p.width > 0 && p.top >= last.bottom - 1) {
            out.punctuationStartsLine.push(`${where(pair)}: ${pair.textContent.slice(-40)}`);
        }
    }
    out.pageScroll = document.scrollingElement.scrollWidth - window.innerWidth;
    return out;
}"""


def _check_every_page(server, context, name: str) -> list[str]:
    """Open every page once in ``context``; what is wrong with each (empty when all is well)."""
    base, html_dir, _ = server
    paths = _page_paths(html_dir)
    assert len(paths) >= 8, paths
    problems: list[str] = []
    typeset_total = 0
    for rel in paths:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg, errors=errors: msg.type == "error" and errors.append(msg.text))
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        failed: list[str] = []
        page.on("requestfailed", lambda req, failed=failed: failed.append(req.url))
        page.on("response", lambda resp, failed=failed: resp.status >= 400
                and failed.append(f"{resp.status} {resp.url}"))
        page.goto(f"{base}/{rel}", wait_until="load")
        # Wait for MathJax to load and finish its first typesetting pass, where the page uses it.
        page.wait_for_function(
            "() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise)",
            timeout=120_000,
        )
        page.evaluate("() => window.MathJax && window.MathJax.startup"
                      " ? window.MathJax.startup.promise.then(() => true) : true")
        report = page.evaluate(_REPORT)
        fit = page.evaluate(_FIT)
        page.close()
        errors = [e for e in errors if not any(allowed in e for allowed in ALLOWED_CONSOLE_ERRORS)]
        if errors:
            problems.append(f"{rel}: console errors {errors[:3]}")
        if failed:
            problems.append(f"{rel}: failed requests {failed[:3]}")
        if report["broken"]:
            problems.append(f"{rel}: images not loaded {report['broken'][:3]}")
        if report["merrors"]:
            problems.append(f"{rel}: {report['merrors']} MathJax errors")
        if report["mathSources"] and report["containers"] < report["mathSources"]:
            problems.append(f"{rel}: {report['mathSources']} math elements, {report['containers']} typeset")
        if report["rawDollar"] or report["rawBegin"] or report["rawFrac"]:
            problems.append(f"{rel}: raw TeX left in the text ({report})")
        if report["badAlt"]:
            problems.append(f"{rel}: images without a real alt text: {report['badAlt'][:5]}")
        for key, what in (("clipped", "in-line formulas cut off"),
                          ("wideDisplays", "display equations wider than the column"),
                          ("numberOnFormula", "equation numbers drawn over their formula"),
                          ("wideTables", "tables wider than the column"),
                          ("punctuationStartsLine", "punctuation starting a line after its formula"),
                          ("shortFormulaBroken", "short in-line formulas broken across lines")):
            if fit[key]:
                problems.append(f"{rel} ({name}): {len(fit[key])} {what}: {fit[key][:4]}")
        if fit["pageScroll"] > 0:
            problems.append(f"{rel} ({name}): the page scrolls sideways by {fit['pageScroll']} px")
        typeset_total += report["containers"]
    assert typeset_total > 0, "no equation was typeset anywhere: is MathJax loading?"
    return problems


def test_every_page_renders_cleanly(server, browser):
    """At 1366 px: no console error, every image loaded and every equation typeset, and it all fits."""
    problems = _check_every_page(server, browser, f"{VIEWPORT['width']} px")
    assert not problems, "\n".join(problems)


def test_every_page_fits_a_phone(server, phone):
    """At 390 x 844 with touch: the same, and no formula, table or page wider than the column.

    In-line formulas are not cut off by the theme's boxes, display equations break to the column
    (MathJax 4) beside their number, tables reflow or wrap, and nothing scrolls sideways.
    """
    problems = _check_every_page(server, phone, "phone, 390 px")
    assert not problems, "\n".join(problems)


#: The chapter list: the links of the table of contents in the primary sidebar (or its phone drawer).
_VISIBLE_CHAPTER_LINKS = """() => Array.from(document.querySelectorAll('nav.bd-docs-nav a.reference'))
    .filter(a => {
        const r = a.getBoundingClientRect();
        const style = getComputedStyle(a);
        return r.width > 0 && r.height > 0 && r.right > 0 && r.left < window.innerWidth
            && style.visibility !== 'hidden' && style.display !== 'none';
    }).length"""


def _open_chapter(playwright, server, device: dict):
    base, html_dir, font_dir = server
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
    context = browser.new_context(**device)
    _serve_font_locally(context, font_dir)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    rel = "book/q1_nce_cd.html"
    assert (html_dir / rel).exists(), rel
    page.goto(f"{base}/{rel}", wait_until="load")
    toggles = page.locator(".primary-toggle:visible")
    assert toggles.count() == 1, f"{toggles.count()} visible sidebar buttons at {device['viewport']}"
    return browser, page, toggles.first, errors


def _wait_for_chapter_links(page, condition: str) -> int:
    """The number of visible chapter links once ``condition`` (JS, on ``n``) holds, or after 3 s."""
    try:
        page.wait_for_function(f"() => {{ const n = ({_VISIBLE_CHAPTER_LINKS})(); return {condition}; }}",
                               timeout=3000)
    except Exception:  # the assertion below reports the state the page is in
        pass
    return page.evaluate(_VISIBLE_CHAPTER_LINKS)


def test_the_sidebar_button_opens_the_chapter_list_on_a_phone(server, playwright):
    """At 390 px the chapter list is hidden; tapping the one visible sidebar button shows it.

    (pydata-sphinx-theme 0.17 gave the tap no listener, issue 2451: the list could not be opened.)
    """
    browser, page, toggle, errors = _open_chapter(playwright, server, PHONE)
    try:
        assert page.evaluate(_VISIBLE_CHAPTER_LINKS) == 0, "the chapter list is open before the tap"
        toggle.tap()
        shown = _wait_for_chapter_links(page, "n >= 5")
        assert shown >= 5, f"after tapping the sidebar button {shown} chapter links are visible"
        assert not errors, errors
    finally:
        browser.close()


def test_the_sidebar_button_collapses_and_reopens_the_sidebar_on_a_laptop(server, playwright):
    """At 1366 px the chapter list is shown; a click on the sidebar button hides it, a second shows it."""
    browser, page, toggle, errors = _open_chapter(playwright, server, DESKTOP)
    try:
        before = page.evaluate(_VISIBLE_CHAPTER_LINKS)
        assert before >= 5, f"only {before} chapter links visible at {VIEWPORT['width']} px"
        toggle.click()
        hidden = _wait_for_chapter_links(page, "n === 0")
        assert hidden == 0, f"after a click on the sidebar button {hidden} chapter links are still visible"
        page.locator(".primary-toggle:visible").first.click()
        again = _wait_for_chapter_links(page, f"n >= {before}")
        assert again == before, f"a second click shows {again} chapter links, not {before}"
        assert not errors, errors
    finally:
        browser.close()
