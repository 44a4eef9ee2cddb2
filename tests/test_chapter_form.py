"""The chapters keep their textbook form (the anatomy in CONTRIBUTING.md), measured on the sources.

A visible code cell teaches: it is short, fits the code box, and holds no bookkeeping (asserts,
glue, plotting code), which lives in folded cells that still run at every build. A question's core
page stays readable in length, and every part opens its solution with a named Answer box.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

from dgmbook.build import ROOT, chapter_sources

#: Cells with one of these tags are folded or removed on the page.
FOLDED = {"hide-input", "remove-input", "hide-cell", "remove-cell"}
MAX_LINE = 79
MAX_CELL_LINES = 25
MAX_CORE_WORDS = 4500
#: Every part of the assignment, as its Answer box is named (see book/_ext/answers.py).
PARTS = {
    1: ["1.1", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "5.1"],
    2: ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "4.3"],
    3: ["1.1", "1.2", "2.1", "2.2"],
    4: ["1", "2", "3"],
}
ANSWER_NAMES = [f"q{q}-{part.replace('.', '-')}-answer" for q, parts in PARTS.items() for part in parts]
PLOTTING = re.compile(r"\bplt\.|\.plot\(|\.imshow\(|\.hist\(|\.fill_between\(|\.set_xlabel\(|subplots\(")


def _question_pages() -> list[Path]:
    return [p for p in chapter_sources() if p.name.startswith("q")]


def _visible_code_cells(page: Path) -> list[tuple[int, list[str]]]:
    notebook = jupytext.read(page)
    cells = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        tags = set(cell.metadata.get("tags", []))
        if tags & FOLDED:
            continue
        cells.append((index, cell.source.splitlines()))
    return cells


def _prose_words(text: str) -> int:
    """Words of prose: without the front matter, code cells, display math and directive options."""
    text = re.sub(r"^---\njupytext:.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"^```\{code-cell\}.*?^```\s*$", " ", text, flags=re.S | re.M)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"^\s*(```|````|:::).*$", " ", text, flags=re.M)
    text = re.sub(r"^\s*:[a-z-]+:.*$", " ", text, flags=re.M)
    text = re.sub(r"^\(.*\)=\s*$", " ", text, flags=re.M)
    return len(re.findall(r"[A-Za-z][A-Za-z'-]+", text))


PAGES = _question_pages()


def test_the_question_pages_are_found():
    names = {p.name for p in PAGES}
    assert {"q1_nce_cd.md", "q2_score_functions.md", "q3_score_matching.md",
            "q4_diffusion_posterior.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_visible_code_cells_teach(page):
    problems = []
    for index, lines in _visible_code_cells(page):
        where = f"{page.name}, code cell {index}"
        if len(lines) > MAX_CELL_LINES:
            problems.append(f"{where}: {len(lines)} lines (at most {MAX_CELL_LINES}; fold checks, "
                            "move long code into the package)")
        for line in lines:
            if len(line) > MAX_LINE:
                problems.append(f"{where}: line of {len(line)} characters: {line[:60]}...")
            if re.match(r"\s*(assert\b|claim(_below|_above|_close)?\()", line):
                problems.append(f"{where}: visible check (fold it): {line.strip()}")
            if re.match(r"\s*(dgmbook\.)?glue\(", line):
                problems.append(f"{where}: visible glue (fold it): {line.strip()}")
            if PLOTTING.search(line):
                problems.append(f"{where}: visible plotting code (fold it): {line.strip()}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", [p for p in PAGES if "{exercise}" in p.read_text(encoding="utf8")
                                  and "your_turn" not in p.name], ids=lambda p: p.name)
def test_core_pages_stay_readable_in_length(page):
    words = _prose_words(page.read_text(encoding="utf8"))
    assert words <= MAX_CORE_WORDS, (
        f"{page.name}: {words} words of prose (at most {MAX_CORE_WORDS}: move what goes beyond "
        "the question to the question's beyond page)"
    )


ANSWER_BOX = re.compile(
    r"^(?P<fence>[`:]{3,})\{admonition\}\s*Answer\s*\n(?P<options>(?:[ \t]*:[a-z-]+:.*\n)*)", re.M
)
#: A gated solution's opening marker, closed on the next line: ```{solution-start} q2-3-1 ``` .
SOLUTION_START = re.compile(r"^[`:]{3,}\{solution-start\}[^\n]*\n(?:[ \t]*:[a-z-]+:.*\n)*[`:]{3,}\s*\n\s*\Z")


def test_every_part_opens_with_a_named_answer_box():
    boxes: dict[str, list[str]] = {}
    not_first = []
    for page in PAGES:
        text = page.read_text(encoding="utf8")
        for match in ANSWER_BOX.finditer(text):
            name = re.search(r":name:\s*(\S+)", match["options"])
            name = name[1] if name else "<unnamed>"
            boxes.setdefault(name, []).append(page.name)
            before = text[: match.start()]
            marker = before.rfind("{solution-start}")
            opening = before[before.rfind("\n", 0, marker) + 1:] if marker >= 0 else ""
            if not SOLUTION_START.match(opening):
                not_first.append(f"{name} ({page.name})")
    missing = [name for name in ANSWER_NAMES if name not in boxes]
    doubled = {name: pages for name, pages in boxes.items() if len(pages) > 1}
    extra = sorted(set(boxes) - set(ANSWER_NAMES))
    assert not missing, f"parts without an Answer box: {missing}"
    assert not doubled, f"Answer boxes named twice: {doubled}"
    assert not extra, f"Answer boxes that name no part of the assignment: {extra}"
    assert not not_first, f"Answer boxes not first in their solution (after solution-start): {not_first}"


def test_answers_page_lists_every_part():
    """The glance page asks for exactly the parts above (its tables are filled at build time)."""
    text = (ROOT / "book" / "answers.md").read_text(encoding="utf8")
    listed = {}
    for question, parts in re.findall(r"\{answers-at-a-glance\}\s*(\d)\s*\n:parts:\s*(.*)", text):
        listed[int(question)] = parts.split()
    assert listed == PARTS
