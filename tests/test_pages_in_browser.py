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
def browser(tmp_path_factory):
    if CHROMIUM is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
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
