"""The site meets WCAG 2.1 AA as far as a machine can tell: axe-core, the keyboard, zoom, formulas.

1. axe-core's rules for WCAG 2.0 and 2.1, levels A and AA, on every page, at 1366 px and on a
   390-px phone, in the theme's light and dark modes: not one violation.
2. The keyboard: on the pages that hold every kind of control (the answers at a glance, a core page
   with folded checks, a "Your turn" page), Tab reaches every control, each shows a focus ring, and
   Enter/Space work it (see ``accessibility_audit.operate_controls``).
3. What a screen reader needs: every formula carries MathJax's assistive MathML, every figure an alt
   text; a folded cell says what it hides.
4. Reflow: no page scrolls sideways at 683 CSS px, a 1366-px window at 200 % zoom.

The fixes are made once, in ``book/_ext/accessibility.py`` and ``book/_static/accessibility.*``.
Skips where Chromium, Playwright, a local MathJax or axe-core is missing, unless
DGMBOOK_REQUIRE_BROWSER is set (CI sets it).
"""

from __future__ import annotations

import importlib.util
import re

import pytest
from accessibility_audit import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    DESKTOP,
    DEVICES,
    MODES,
    ZOOMED,
    format_violations,
    keyboard_walk,
    local_axe,
    new_context,
    open_page,
    operate_controls,
    page_paths,
    reader_facts,
    run_axe,
    serve,
    sideways_scroll,
)
from conftest import REQUIRE_BROWSER

from dgmbook.build import ROOT

#: Pages whose controls, together, are every kind the book has: the Answer links, folded checks and
#: code, the download, launch and repository menus, the sidebar, the search, the colour mode.
KEYBOARD_PAGES = ("book/answers.html", "book/q1_nce_cd.html", "book/q1_your_turn.html")


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"browser test required (DGMBOOK_REQUIRE_BROWSER) but {reason}")
    pytest.skip(f"browser test skipped: {reason}")


def _extension():
    path = ROOT / "book" / "_ext" / "accessibility.py"
    spec = importlib.util.spec_from_file_location("accessibility", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(built_book, mathjax):
    if built_book.returncode != 0:
        pytest.fail("the book did not build; see test_book.py")
    if mathjax[0] is None:
        _unavailable(f"no local MathJax ({mathjax[1]})")
    axe_js, reason = local_axe()
    if axe_js is None:
        _unavailable(f"no axe-core ({reason})")
    with serve(built_book.html_dir) as base:
        yield base, built_book.html_dir, axe_js


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def audit(site, chromium):
    """Every page at both widths and in both modes: axe's violations; at 1366 px in light mode also
    the formulas, the figures' alt texts and the sideways scroll at 200 % zoom."""
    base, html_dir, axe_js = site
    paths = page_paths(html_dir)
    violations, facts, scroll = {}, {}, {}
    for device_name, device in DEVICES.items():
        for mode in MODES:
            context = new_context(chromium, device, mode)
            for rel in paths:
                page = context.new_page()
                open_page(page, f"{base}/{rel}")
                if device is DESKTOP and mode == "light":
                    facts[rel] = reader_facts(page)
                violations[(rel, device_name, mode)] = run_axe(page, axe_js)
                if device is DESKTOP and mode == "light":
                    scroll[rel] = sideways_scroll(page, ZOOMED)
                page.close()
            context.close()
    return {"paths": paths, "violations": violations, "facts": facts, "scroll": scroll}


@pytest.mark.book
@pytest.mark.browser
def test_axe_finds_no_wcag_a_or_aa_violation_on_any_page(audit):
    assert len(audit["paths"]) >= 20, audit["paths"]
    lines = []
    for (rel, device, mode), found in audit["violations"].items():
        lines.extend(format_violations(f"{rel} [{device}, {mode}]", found))
    assert not lines, "axe-core (WCAG 2.0/2.1 A and AA) finds:\n" + "\n".join(lines)


@pytest.mark.book
@pytest.mark.browser
def test_every_formula_keeps_its_assistive_mathml_and_every_figure_its_alt_text(audit):
    problems, formulas = [], 0
    for rel, facts in audit["facts"].items():
        formulas += facts["containers"]
        if facts["assistive"] != facts["containers"]:
            problems.append(f"{rel}: {facts['assistive']} of {facts['containers']} formulas carry "
                            "assistive MathML")
        if facts["noAlt"]:
            problems.append(f"{rel}: figures without a real alt text: {facts['noAlt'][:5]}")
    assert not problems, "\n".join(problems)
    assert formulas > 1000, f"only {formulas} formulas typeset in the whole book: is MathJax loading?"


@pytest.mark.book
@pytest.mark.browser
def test_every_page_reflows_at_200_percent_zoom(audit):
    wide = {rel: px for rel, px in audit["scroll"].items() if px > 0}
    assert not wide, (f"pages that scroll sideways at {ZOOMED['width']} CSS px (a 1366-px window at 200 % "
                      f"zoom), by how many pixels: {wide}")


@pytest.mark.book
@pytest.mark.browser
def test_the_keyboard_reaches_and_works_every_control_with_a_focus_ring(site, chromium):
    base, html_dir, _ = site
    context = new_context(chromium, DESKTOP, "light")
    problems, kinds = [], set()
    try:
        for rel in KEYBOARD_PAGES:
            assert (html_dir / rel).exists(), rel
            page = context.new_page()
            open_page(page, f"{base}/{rel}")
            walk = keyboard_walk(page)
            kinds.update(c["kind"] for c in walk["controls"])
            missed = [f"{c['kind']} '{c['text']}'" for c in walk["controls"]
                      if c["id"] not in walk["reached"]]
            if missed:
                problems.append(f"{rel}: Tab never reaches {missed[:5]} ({walk['steps']} Tab stops)")
            if walk["no_ring"]:
                problems.append(f"{rel}: no visible focus ring on {sorted(set(walk['no_ring']))[:5]}")
            problems.extend(f"{rel}: {failure}" for failure in operate_controls(page, walk["controls"]))
            page.close()
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    expected = {"sidebar button", "search", "colour mode", "download menu", "chapter sections", "folded cell",
                "answer link"}
    assert expected <= kinds, f"the keyboard test found no {sorted(expected - kinds)} on {KEYBOARD_PAGES}"


@pytest.mark.book
def test_folded_cells_say_what_they_hide(built_book):
    if built_book.returncode != 0:
        pytest.fail("the book did not build; see test_book.py")
    summaries, generic = 0, []
    for rel in page_paths(built_book.html_dir):
        text = (built_book.html_dir / rel).read_text(encoding="utf8")
        for summary in re.findall(r'<details class="admonition hide[^"]*">\s*<summary([^>]*)>(.*?)</summary>',
                                  text, re.S):
            summaries += 1
            shown = re.search(r'<p class="collapsed admonition-title">(.*?)</p>', summary[1], re.S)
            if summary[0].strip() or not shown or not shown.group(1).startswith("Show the "):
                generic.append(f"{rel}: <summary{summary[0]}> {summary[1].strip()[:80]}")
    assert summaries > 50, f"only {summaries} folded cells found"
    assert not generic, "folded cells that do not say what they hide:\n" + "\n".join(generic[:10])


# --- The extension's reading of a folded cell (no build needed) ----------------------------------

@pytest.mark.parametrize(
    ("source", "wraps", "shown"),
    [
        ('claim("SymPy: the score has mean 0", ok)\nclaim_below("b", 1, 2)', "input",
         "Show the 2 checks: SymPy: the score has mean 0, …"),
        ('x = 1\nclaim_close(f"Z at T = {T} is 1", z, 1.0, rtol=0.1)', "input",
         "Show the check: Z at T = … is 1"),
        ("# Reference: the global maximum on a fine grid.\ngrid = 1", "input",
         "Show the code: Reference: the global maximum on a fine grid."),
        ('def f(x):\n    """Score of N(0, 1)."""\n    return -x', "input",
         "Show the code: f — Score of N(0, 1)."),
        ("fig, ax = plt.subplots()\nax.plot(x)", "input", "Show the code of the figure"),
        ("import numpy as np", "input", "Show the imports"),
        ("# The table\nprint(1)", "output", "Show the output: The table"),
    ],
)
def test_a_folded_cell_is_named_by_its_checks_or_its_comment(source, wraps, shown):
    show, hide = _extension().folded_cell_prompts(source, wraps)
    assert show == shown
    assert hide == "Hide" + shown[len("Show"):]


def test_a_long_claim_is_cut_at_a_word():
    show, _ = _extension().folded_cell_prompts(f'claim("{"word " * 60}", True)', "input")
    assert show.endswith("word…") and len(show) <= len("Show the check: ") + 110


@pytest.mark.parametrize(("source", "wraps", "error"),
                         [(None, "input", TypeError), ("x = 1", "code", ValueError)])
def test_folded_cell_prompts_reject_bad_input(source, wraps, error):
    with pytest.raises(error, match="source" if error is TypeError else "wraps"):
        _extension().folded_cell_prompts(source, wraps)
