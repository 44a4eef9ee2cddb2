"""Every built page, opened in headless Chromium: no console errors, images load, equations typeset.

The pages are served from the test build on 127.0.0.1 with a local MathJax (see conftest.py), in a
1366-pixel-wide window (a common laptop screen): no display equation may be wider than its column
there, and every figure needs a real alt text, so that a screen reader can describe it. The
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
from conftest import REQUIRE_BROWSER

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


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"browser test required (DGMBOOK_REQUIRE_BROWSER) but {reason}")
    pytest.skip(f"browser test skipped: {reason}")


@pytest.fixture(scope="module")
def server(built_book, mathjax):
    if built_book.returncode != 0:
        pytest.fail("the book did not build; see test_book.py")
    if mathjax[0] is None:
        _unavailable(f"no local MathJax ({mathjax[1]})")
    handler = functools.partial(_QuietHandler, directory=str(built_book.html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", built_book.html_dir
    httpd.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test log readable
        pass


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
def browser(playwright, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
        viewport=VIEWPORT,
    )
    yield context
    context.close()


def _page_paths(html_dir: Path) -> list[str]:
    return sorted(
        str(p.relative_to(html_dir)) for p in html_dir.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
    )


def test_every_page_renders_cleanly(server, browser):
    base, html_dir = server
    paths = _page_paths(html_dir)
    assert len(paths) >= 8, paths
    problems: list[str] = []
    typeset_total = 0
    for rel in paths:
        page = browser.new_page()
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
            "() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise)"
        )
        page.evaluate("() => window.MathJax ? window.MathJax.startup.promise.then(() => true) : true")
        report = page.evaluate(
            """() => {
                const images = Array.from(document.images)
                    .filter(img => img.offsetParent !== null || img.closest('main'));
                const broken = images.filter(img => !(img.complete && img.naturalWidth > 0))
                    .map(img => img.src);
                // Prose only: code cells may legitimately contain TeX (e.g. plot labels).
                const main = (document.querySelector('main') || document.body).cloneNode(true);
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
                    // Display equations wider than the column they sit in (MathJax 3 does not
                    // break lines: the reader would have to scroll sideways).
                    overflowing: Array.from(document.querySelectorAll('mjx-container[display="true"]'))
                        .filter(el => el.scrollWidth > el.clientWidth + 1)
                        .map(el => {
                            const label = el.closest('.math')?.id || el.closest('[id]')?.id || '?';
                            return `${label} (${el.scrollWidth} px in ${el.clientWidth} px)`;
                        }),
                    // Figures whose alt text is empty or only a file name.
                    badAlt: Array.from(document.querySelectorAll('main img'))
                        .filter(img => !img.closest('.navbar-brand, .sidebar-logo'))
                        .map(img => img.getAttribute('alt') || '')
                        .filter(alt => alt.trim().length < 4 || /\\.(png|jpe?g|svg|gif)$/i.test(alt.trim())),
                };
            }"""
        )
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
        if report["overflowing"]:
            problems.append(f"{rel}: display equations wider than the column at "
                            f"{VIEWPORT['width']} px: {report['overflowing']}")
        if report["badAlt"]:
            problems.append(f"{rel}: images without a real alt text: {report['badAlt'][:5]}")
        typeset_total += report["containers"]
    assert not problems, "\n".join(problems)
    assert typeset_total > 0, "no equation was typeset anywhere: is MathJax loading?"


#: A phone held upright (390 x 844 CSS pixels, touch), and the laptop window of the other tests.
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 3}
DESKTOP = {"viewport": VIEWPORT}
#: The chapter list: the links of the table of contents in the primary sidebar (or its phone drawer).
_VISIBLE_CHAPTER_LINKS = """() => Array.from(document.querySelectorAll('nav.bd-docs-nav a.reference'))
    .filter(a => {
        const r = a.getBoundingClientRect();
        const style = getComputedStyle(a);
        return r.width > 0 && r.height > 0 && r.right > 0 && r.left < window.innerWidth
            && style.visibility !== 'hidden' && style.display !== 'none';
    }).length"""


def _open_chapter(playwright, server, device: dict):
    base, html_dir = server
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
    context = browser.new_context(**device)
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
