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


@contextlib.contextmanager
def serve(html_dir: Path):
    """Serve ``html_dir`` on 127.0.0.1; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
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
    page.evaluate("() => window.MathJax ? window.MathJax.startup.promise.then(() => true) : true")


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
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    sys.exit(main())
