"""A reader who changes a page gets the page, with the claims that no longer hold flagged.

For every scenario of ``tests/explore/<page>.py`` (see its ``__init__``): the page, with the
scenario's edits, is executed as a notebook in explore mode and must run to its last cell, with the
named claims failed and flagged in a box at their place and the others holding; executed in strict
mode, as the book's build does, it must stop with the first failed claim's message. Also: the book's
own settings rules, checked against each page's settings cell, and no bare ``assert`` on any page.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from dgmbook.build import chapter_sources

EXPLORE_DIR = Path(__file__).parent / "explore"
SETTINGS_TAG = "settings"


def _scenario_module(stem: str):
    path = EXPLORE_DIR / f"{stem}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"explore.{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _scenarios():
    for page in chapter_sources():
        module = _scenario_module(page.stem)
        for scenario in getattr(module, "SCENARIOS", []) if module else []:
            yield pytest.param(page, scenario, id=f"{page.stem}-{scenario.name}")


def _edited_notebook(page: Path, edits: dict[str, str]) -> nbformat.NotebookNode:
    notebook = jupytext.read(page)
    for old, new in edits.items():
        hits = [cell for cell in notebook.cells if cell.cell_type == "code" and old in cell.source]
        count = sum(cell.source.count(old) for cell in hits)
        assert count == 1, f"{page.name}: the edit's text {old!r} is found {count} times, not once"
        hits[0].source = hits[0].source.replace(old, new)
    return notebook


def _execute(notebook, page: Path, mode: str, log: Path, timeout: float, monkeypatch) -> None:
    monkeypatch.setenv("DGMBOOK_CLAIMS", mode)
    monkeypatch.setenv("DGMBOOK_CLAIMS_LOG", str(log))
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(page.parent)}})
    client.execute()


def _claims(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _matching(entries: list[dict], part: str) -> list[dict]:
    return [e for e in entries if part in e["statement"]]


@pytest.mark.book
@pytest.mark.parametrize("page, scenario", list(_scenarios()))
def test_a_readers_change_flags_exactly_the_claims_it_breaks(page, scenario, tmp_path, monkeypatch):
    notebook = _edited_notebook(page, scenario.edits)
    log = tmp_path / "explore.jsonl"
    _execute(notebook, page, "explore", log, scenario.timeout, monkeypatch)  # raises if a cell fails
    entries = _claims(log)
    assert entries, f"{page.name}: no claim was checked"
    for part in scenario.fails:
        hit = _matching(entries, part)
        assert hit, f"{page.name}: no claim's statement contains {part!r}"
        assert not any(e["holds"] for e in hit), f"{page.name}: {part!r} still holds: {hit}"
    for part in scenario.holds:
        hit = _matching(entries, part)
        assert hit, f"{page.name}: no claim's statement contains {part!r}"
        assert all(e["holds"] for e in hit), f"{page.name}: {part!r} was flagged: {hit}"
    # Each failed claim is shown on the page, in a box at its place.
    shown = json.dumps([cell.get("outputs", []) for cell in notebook.cells])
    for entry in entries:
        if not entry["holds"]:
            assert "With your settings this no longer holds" in shown
    if scenario.strict and scenario.fails:
        first = next(e for e in entries if not e["holds"])
        strict_notebook = _edited_notebook(page, scenario.edits)
        with pytest.raises(CellExecutionError) as info:
            _execute(strict_notebook, page, "strict", tmp_path / "strict.jsonl", scenario.timeout,
                     monkeypatch)
        assert "ClaimFailed" in str(info.value) and first["statement"][:60] in str(info.value)


def _settings_cell(page: Path):
    cells = [c for c in jupytext.read(page).cells
             if c.cell_type == "code" and SETTINGS_TAG in c.metadata.get("tags", [])]
    return cells


@pytest.mark.parametrize("page", chapter_sources(), ids=lambda p: p.stem)
def test_settings_live_in_one_cell_and_satisfy_the_books_rules(page):
    cells = _settings_cell(page)
    assert len(cells) <= 1, f"{page.name}: {len(cells)} settings cells; a page has at most one"
    module = _scenario_module(page.stem)
    rules = getattr(module, "SETTINGS_RULES", {}) if module else {}
    if not cells:
        assert not rules, f"{page.name}: settings rules but no cell tagged {SETTINGS_TAG!r}"
        return
    tree = ast.parse(cells[0].source)
    for node in tree.body:
        assert isinstance(node, (ast.Assign, ast.AnnAssign, ast.Expr)), (
            f"{page.name}: the settings cell holds only named settings, found {ast.dump(node)[:60]}")
    settings: dict = {}
    exec(compile(tree, f"{page.name}:settings", "exec"), {}, settings)  # noqa: S102 (our own page)
    for reason, rule in rules.items():
        assert rule(settings), f"{page.name}: the book's settings break its rule: {reason}"


def _code_cells(page: Path):
    for cell in jupytext.read(page).cells:
        if cell.cell_type == "code":
            yield cell.source


@pytest.mark.parametrize("page", chapter_sources(), ids=lambda p: p.stem)
def test_no_bare_assert_on_a_page(page):
    """Every check on a page is a claim that says what it backs (dgmbook.claims), never a bare assert."""
    bare = []
    for source in _code_cells(page):
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.Assert):
                bare.append(ast.unparse(node)[:70])
    assert not bare, f"{page.name}: {len(bare)} bare asserts, e.g. {bare[:3]}"


@pytest.mark.parametrize("page", chapter_sources(), ids=lambda p: p.stem)
def test_no_claim_compares_a_value_with_itself(page):
    """A claim compares two independently computed things: the two sides are never the same
    expression, nor one a plain copy of the other."""
    for source in _code_cells(page):
        lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        tree = ast.parse("\n".join(lines))
        aliases = {}
        for node in ast.walk(tree):
            single = isinstance(node, ast.Assign) and len(node.targets) == 1
            if single and isinstance(node.targets[0], ast.Name):
                aliases[node.targets[0].id] = ast.dump(node.value)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "claim_close"):
                continue
            if len(node.args) < 3:
                continue
            a, e = (ast.dump(arg) for arg in node.args[1:3])
            a_name = getattr(node.args[1], "id", None)
            e_name = getattr(node.args[2], "id", None)
            assert a != e, f"{page.name}: {ast.unparse(node)[:80]} compares a value with itself"
            assert aliases.get(a_name) != e and aliases.get(e_name) != a, (
                f"{page.name}: {ast.unparse(node)[:80]} compares a value with its own definition")
