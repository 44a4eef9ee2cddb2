"""Helpers of the accessibility test: a local axe-core, a server for the built site, and the audit.

axe-core (https://github.com/dequelabs/axe-core) is fetched once from npm (``npm pack``) into the
repository's ``.cache`` folder, like MathJax in ``conftest.py``, and injected into each page by
Playwright. ``run_axe`` runs the rules of WCAG 2.0 and 2.1, levels A and AA, and returns what it
found in a form a failing test can print.

Run as a script to audit a built site by hand::

    .venv/bin/python tests/accessibility_audit.py _build/html [--pages book/q1_nce_cd.html ...]

which prints the violations of every page at the four settings of the test (1366 px and a 390-px
phone, light and dark mode) and their counts by rule.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache"
AXE_VERSION = "4.14.1"
#: axe-core's tags of the WCAG 2.0 and 2.1 success criteria of levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

#: The settings every page is audited at: a laptop window and a phone held upright, light and dark.
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 3}
DEVICES = {"1366px": DESKTOP, "390px": PHONE}
MODES = ("light", "dark")

CHROMIUM = os.environ.get("DGMBOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def local_axe() -> tuple[Path | None, str]:
    """Return the path of ``axe.min.js`` and how it was found, or ``None`` and why not."""
    given = os.environ.get("DGMBOOK_AXE_JS")
    if given:
        path = Path(given)
        return (path, "DGMBOOK_AXE_JS") if path.is_file() else (None, f"no file {path}")
    script = CACHE / f"axe-core-{AXE_VERSION}" / "package" / "axe.min.js"
    if script.is_file():
        return script, "cache"
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not installed, so axe-core cannot be fetched"
    CACHE.mkdir(exist_ok=True)
    proc = subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--silent"], cwd=CACHE,
                          capture_output=True, text=True)
    tarball = CACHE / f"axe-core-{AXE_VERSION}.tgz"
    if proc.returncode != 0 or not tarball.exists():
        return None, f"npm pack axe-core@{AXE_VERSION} failed: {proc.stderr.strip()[:300]}"
    with tarfile.open(tarball) as archive:
        archive.extractall(CACHE / f"axe-core-{AXE_VERSION}", filter="data")
    tarball.unlink()
    return (script, "npm") if script.is_file() else (None, f"no axe.min.js in {tarball.name}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test log readable
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A page closed while its images were still sent: the browser hung up, nothing went wrong.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(html_dir: Path):
    """Serve ``html_dir`` on 127.0.0.1; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def page_paths(html_dir: Path) -> list[str]:
    """Every HTML page of the built site, relative to its root."""
    return sorted(
        str(p.relative_to(html_dir)) for p in Path(html_dir).rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
    )


def new_context(browser, device: dict, mode: str):
    """A browser context at ``device``'s size whose pages open in the theme's ``mode``."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    context = browser.new_context(**device)
    # The theme reads its mode from localStorage before the page is drawn (pydata-sphinx-theme).
    context.add_init_script(
        f"try {{ localStorage.setItem('mode', '{mode}'); localStorage.setItem('theme', '{mode}'); }}"
        " catch (e) {}"
    )
    return context


def open_page(page, url: str) -> None:
    """Go to ``url`` and wait until MathJax, where the page uses it, has typeset it."""
    page.goto(url, wait_until="load")
    page.wait_for_function(
        "() => !window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise)"
    )
    page.evaluate("() => window.MathJax && window.MathJax.startup"
                  " ? window.MathJax.startup.promise.then(() => true) : true")


def run_axe(page, axe_js: Path) -> list[dict]:
    """Run axe-core's WCAG 2.0/2.1 A and AA rules on ``page``; return the violations.

    Each violation is ``{"id", "impact", "help", "nodes": [{"target", "html", "summary"}]}``.
    """
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(axe_js))
    return page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                    resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                          summary: (n.failureSummary || '').slice(0, 300)})),
            }));
        }""",
        list(WCAG_TAGS),
    )


#: The page a reader meets at 200 % zoom in a 1366 x 900 window (WCAG 1.4.10, reflow).
ZOOMED = {"width": 683, "height": 450}

#: The controls the keyboard test looks for, by what a reader would call them.
CONTROLS = {
    "sidebar button": ".primary-toggle",
    "search": ".search-button__button",
    "colour mode": ".theme-switch-button",
    "full screen": ".btn-fullscreen-button",
    "download menu": ".dropdown-download-buttons > .dropdown-toggle",
    "launch menu": ".dropdown-launch-buttons > .dropdown-toggle",
    "repository menu": ".dropdown-source-buttons > .dropdown-toggle",
    "contents button": ".secondary-toggle",
    "chapter sections": "nav.bd-docs-nav li.has-children > details > summary",
    "folded cell": "details.hide > summary",
    "answer link": "main table.answers-at-a-glance a[href*='-answer']",
    "exercise": "main .exercise button, main .exercise summary, main .exercise input",
}

_TAG_CONTROLS = """(controls) => {
    const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const found = [];
    for (const [kind, selector] of Object.entries(controls)) {
        document.querySelectorAll(selector).forEach(el => {
            if (!shown(el) || el.dataset.kb !== undefined) return;
            el.dataset.kb = String(found.length);
            found.push({kind, id: found.length,
                        text: (el.textContent || el.getAttribute('title') || '').trim().slice(0, 60)});
        });
    }
    return found;
}"""

#: What has the keyboard focus, and whether it shows a focus ring (an outline or a box shadow on it,
#: or on the chevron of a sidebar summary, which the theme rings instead of the summary).
_ACTIVE = r"""() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const ringed = e => {
        const s = getComputedStyle(e);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
            || (s.boxShadow !== 'none' && s.boxShadow !== '');
    };
    const chevron = el.tagName === 'SUMMARY' && el.querySelector('.toctree-toggle');
    const desc = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (typeof el.className === 'string' && el.className
           ? '.' + el.className.trim().split(/\s+/).join('.') : '')
        + (el.getAttribute('href') ? `[href=${el.getAttribute('href')}]` : '');
    return {kb: el.dataset.kb === undefined ? null : Number(el.dataset.kb), desc: desc.slice(0, 120),
            ring: ringed(el) || (!!chevron && ringed(chevron)), visible: el.matches(':focus-visible')};
}"""


def keyboard_walk(page, max_steps: int | None = None) -> dict:
    """Tab through ``page`` from its top; what each control of :data:`CONTROLS` allows.

    Returns ``{"controls": [...], "reached": set of control ids, "no_ring": [descriptions],
    "steps": n}``: the visible controls, those the Tab key reached, and the focused elements
    that showed no focus ring.
    """
    controls = page.evaluate(_TAG_CONTROLS, CONTROLS)
    focusable = page.evaluate("""() => document.querySelectorAll(
        'a[href], button, summary, input, select, textarea, [tabindex]').length""")
    max_steps = max_steps or focusable + 20
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached, no_ring, first, steps = set(), [], None, 0
    for steps in range(1, max_steps + 1):
        page.keyboard.press("Tab")
        active = page.evaluate(_ACTIVE)
        if active is None:
            if first is not None:
                break
            continue
        if first is None:
            first = active["desc"]
        elif active["desc"] == first and steps > 2:
            break
        if active["kb"] is not None:
            reached.add(active["kb"])
        if not (active["ring"] and active["visible"]):
            no_ring.append(active["desc"])
    return {"controls": controls, "reached": reached, "no_ring": no_ring, "steps": steps}


def _focus(page, control_id: int) -> None:
    page.evaluate("(id) => document.querySelector(`[data-kb=\"${id}\"]`).focus()", control_id)


def _state(page, script: str, control_id: int):
    return page.evaluate(
        f"(id) => {{ const el = document.querySelector(`[data-kb=\"${{id}}\"]`); {script} }}", control_id)


#: How to tell that a control did what it is for: a script (on ``el``) read before and after a key.
_EFFECTS = {
    "sidebar button": "return document.querySelector('#pst-primary-sidebar')"
                      ".classList.contains('pst-sidebar-hidden')"
                      " || !!document.querySelector('#pst-primary-sidebar-modal[open]');",
    "search": "return !!document.querySelector('#pst-search-dialog[open]');",
    "colour mode": "return document.documentElement.dataset.mode;",
    "download menu": "return el.getAttribute('aria-expanded');",
    "launch menu": "return el.getAttribute('aria-expanded');",
    "repository menu": "return el.getAttribute('aria-expanded');",
    "chapter sections": "return el.parentElement.open;",
    "folded cell": "return el.parentElement.open;",
    "exercise": "return el.parentElement.open;",
}


def operate_controls(page, controls: list[dict]) -> list[str]:
    """Press Enter, then Space, on each control; return the ones that did not respond.

    A disclosure (a folded cell, a chapter's sections) opens with Enter and closes with Space; a
    menu opens with Enter and its first entry is then the next Tab stop; the search opens its
    dialog; the sidebar button hides the sidebar and shows it again; an Answer link is followed.
    The sidebar and colour-mode buttons keep the focus. Links other than the Answer links, and the
    full-screen button (which a headless browser refuses), are only required to be reached.
    """
    failures = []
    for control in controls:
        kind, cid = control["kind"], control["id"]
        what = f"{kind} '{control['text']}'"
        if kind in ("sidebar button", "chapter sections", "folded cell", "colour mode", "exercise"):
            for key in ("Enter", "Space"):
                _focus(page, cid)
                before = _state(page, _EFFECTS[kind], cid)
                page.keyboard.press(key)
                page.wait_for_timeout(50)
                after = _state(page, _EFFECTS[kind], cid)
                if before == after:
                    failures.append(f"{what}: {key} changed nothing")
                kept = page.evaluate(
                    "(id) => document.activeElement && document.activeElement.dataset.kb == id", cid)
                if not kept:
                    failures.append(f"{what}: {key} took the focus off it")
        elif kind in ("download menu", "launch menu", "repository menu"):
            _focus(page, cid)
            page.keyboard.press("Enter")
            page.wait_for_timeout(50)
            opened = _state(page, _EFFECTS[kind], cid) == "true"
            page.keyboard.press("Tab")
            inside = page.evaluate("(id) => !!document.activeElement.closest('.dropdown-menu.show')", cid)
            page.keyboard.press("Escape")
            if not (opened and inside):
                failures.append(f"{what}: Enter did not open it (opened={opened}) or Tab did not enter it")
        elif kind == "search":
            _focus(page, cid)
            page.keyboard.press("Enter")
            page.wait_for_timeout(100)
            opened = _state(page, _EFFECTS[kind], cid)
            typing = page.evaluate("() => document.activeElement && document.activeElement.matches('input')")
            page.keyboard.press("Escape")
            page.wait_for_timeout(50)
            if not (opened and typing):
                failures.append(f"{what}: Enter did not open the search with the cursor in its field")
    answers = [c for c in controls if c["kind"] == "answer link"]
    if answers:
        target = page.evaluate("(id) => document.querySelector(`[data-kb=\"${id}\"]`).href", answers[0]["id"])
        _focus(page, answers[0]["id"])
        page.keyboard.press("Enter")
        try:
            page.wait_for_url(target, timeout=10_000)
        except Exception:
            failures.append(f"answer link '{answers[0]['text']}': Enter did not follow it to {target}")
    return failures


#: What a screen reader and a zoomed reader need of a page, measured in the page.
_READER_FACTS = r"""() => ({
    containers: document.querySelectorAll('mjx-container').length,
    assistive: document.querySelectorAll('mjx-container > mjx-assistive-mml').length,
    noAlt: Array.from(document.querySelectorAll('main img'))
        .filter(img => { const alt = (img.getAttribute('alt') || '').trim();
                         return alt.length < 4 || /\.(png|jpe?g|svg|gif)$/i.test(alt); })
        .map(img => img.getAttribute('src')),
})"""


def reader_facts(page) -> dict:
    """Formulas and their assistive MathML, and figures without a real alt text."""
    return page.evaluate(_READER_FACTS)


def sideways_scroll(page, viewport: dict = ZOOMED) -> int:
    """How many CSS pixels the page scrolls sideways in ``viewport`` (0: it reflows)."""
    page.set_viewport_size(viewport)
    page.wait_for_timeout(200)
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def format_violations(where: str, violations: list[dict], limit: int = 4) -> list[str]:
    """Readable lines, one per rule, with the first ``limit`` elements that break it."""
    lines = []
    for v in violations:
        lines.append(f"{where}: {v['id']} ({v['impact']}, {len(v['nodes'])} elements): {v['help']}")
        for node in v["nodes"][:limit]:
            lines.append(f"    {node['target']}: {node['html']}")
            if node["summary"]:
                lines.append("      " + node["summary"].replace("\n", " | "))
    return lines


def audit(html_dir: Path, pages: list[str] | None = None, *, cdn_mathjax: Path | None = None) -> dict:
    """Every page at every device and mode: ``{(page, device, mode): violations}``.

    ``cdn_mathjax`` (a MathJax ``es5`` folder) answers the pages' requests for MathJax from the CDN,
    for a site built without a local MathJax.
    """
    from playwright.sync_api import sync_playwright

    axe_js, reason = local_axe()
    if axe_js is None:
        raise RuntimeError(reason)
    pages = pages or page_paths(html_dir)
    found = {}
    with serve(html_dir) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        for device_name, device in DEVICES.items():
            for mode in MODES:
                context = new_context(browser, device, mode)
                if cdn_mathjax is not None:
                    def answer(route, request):
                        name = request.url.split("/es5/", 1)[1].split("?")[0]
                        route.fulfill(path=str(Path(cdn_mathjax) / name))
                    context.route("https://cdn.jsdelivr.net/npm/mathjax@3/es5/**", answer)
                for rel in pages:
                    page = context.new_page()
                    open_page(page, f"{base}/{rel}")
                    found[(rel, device_name, mode)] = run_axe(page, axe_js)
                    page.close()
                context.close()
        browser.close()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", type=Path)
    parser.add_argument("--pages", nargs="*")
    parser.add_argument("--cdn-mathjax", type=Path, help="a MathJax es5 folder to answer CDN requests")
    parser.add_argument("--limit", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write every violation to this file")
    parser.add_argument("--keyboard", action="store_true", help="the keyboard, reader and zoom checks only")
    args = parser.parse_args(argv)
    if args.keyboard:
        return _keyboard_main(args)
    found = audit(args.html_dir, args.pages, cdn_mathjax=args.cdn_mathjax)
    if args.json:
        args.json.write_text(json.dumps([{"page": p, "device": d, "mode": m, "violations": v}
                                         for (p, d, m), v in found.items()], indent=1))
    by_rule: collections.Counter = collections.Counter()
    by_rule_setting: dict = collections.defaultdict(collections.Counter)
    for (rel, device, mode), violations in found.items():
        for v in violations:
            by_rule[v["id"]] += len(v["nodes"])
            by_rule_setting[(device, mode)][v["id"]] += len(v["nodes"])
        for line in format_violations(f"{rel} [{device}, {mode}]", violations, args.limit):
            print(line)
    print("\nViolating elements by rule, all settings:", dict(by_rule.most_common()))
    for setting, counts in by_rule_setting.items():
        print(f"  {setting}: {sum(counts.values())} {dict(counts.most_common())}")
    return 1 if by_rule else 0


def _keyboard_main(args) -> int:
    import time

    from playwright.sync_api import sync_playwright

    bad = 0
    with serve(args.html_dir) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        context = new_context(browser, DESKTOP, "light")
        if args.cdn_mathjax is not None:
            def answer(route, request):
                name = request.url.split("/es5/", 1)[1].split("?")[0]
                route.fulfill(path=str(Path(args.cdn_mathjax) / name))
            context.route("https://cdn.jsdelivr.net/npm/mathjax@3/es5/**", answer)
        for rel in args.pages or page_paths(args.html_dir):
            start = time.perf_counter()
            page = context.new_page()
            open_page(page, f"{base}/{rel}")
            facts = reader_facts(page)
            walk = keyboard_walk(page)
            missed = [c for c in walk["controls"] if c["id"] not in walk["reached"]]
            failures = operate_controls(page, walk["controls"])
            page.close()
            page = context.new_page()
            open_page(page, f"{base}/{rel}")
            scroll = sideways_scroll(page)
            page.close()
            kinds = collections.Counter(c["kind"] for c in walk["controls"])
            print(f"{rel}: {walk['steps']} Tab stops, controls {dict(kinds)}, missed {missed}, "
                  f"no ring {walk['no_ring'][:5]}, failures {failures}, formulas {facts['containers']} "
                  f"(assistive {facts['assistive']}), no alt {facts['noAlt']}, sideways {scroll} px "
                  f"[{time.perf_counter() - start:.0f} s]", flush=True)
            bad += bool(missed or walk["no_ring"] or failures or facts["noAlt"] or scroll > 0
                        or facts["assistive"] != facts["containers"])
        browser.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
