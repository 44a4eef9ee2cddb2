"""The built site as a reader meets it: the answers page, and what a browser asks for first."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_chapter_form import ANSWER_NAMES

pytestmark = pytest.mark.book


class _Links(HTMLParser):
    """The links of the answers tables and the ids of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.in_table = 0
        self.rows: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "table" and "answers-at-a-glance" in (attrs.get("class") or ""):
            self.in_table += 1
        if tag == "a" and self.in_table and attrs.get("href"):
            self.rows.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "table" and self.in_table:
            self.in_table -= 1


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf8"))
    return parser


def test_the_answers_page_links_every_part_to_its_answer_box(built_book):
    assert built_book.returncode == 0, "the book did not build; see test_book.py"
    page = built_book.html_dir / "book" / "answers.html"
    links = _parse(page).rows
    anchors = [href.split("#", 1)[1] for href in links]
    assert anchors == ANSWER_NAMES, "the answers page must list every part, in the assignment's order"
    for href in links:
        target, anchor = href.split("#", 1)
        ids = _parse((page.parent / target).resolve()).ids
        assert anchor in ids, f"{href}: no element with id {anchor!r} on the target page"


def test_the_answers_page_shows_each_answer_with_its_mathematics(built_book):
    text = (built_book.html_dir / "book" / "answers.html").read_text(encoding="utf8")
    rows = re.findall(r"<tr[^>]*>\s*<td>(.*?)</tr>", text, flags=re.S)
    assert len(rows) == len(ANSWER_NAMES)
    for row in rows:
        answer = re.sub(r"<[^>]+>", "", row.split("</td>", 1)[1]).strip()
        assert len(answer.split()) >= 5, f"an answer of fewer than five words: {answer!r}"
    assert "tex-mml-chtml.js" in text, "the answers page must load MathJax for its formulas"


class _ElementText(HTMLParser):
    """The text inside the element with a given id (its title paragraph left out), or of every
    ``<td>`` of the answers tables' second column."""

    VOID = {"br", "img", "hr", "meta", "link", "input", "col", "wbr", "source"}

    def __init__(self, element_id: str | None = None) -> None:
        super().__init__()
        self.element_id = element_id
        self.depth = 0              # open elements inside the one we read
        self.skip = 0               # inside its title
        self.cell = 0               # column of the current answers-table cell
        self.in_answer = False      # inside an answers-table cell of the second column
        self.parts: list[str] = []
        self.cells: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
            if self.skip or "admonition-title" in (attrs.get("class") or ""):
                self.skip += 1
        elif self.element_id is not None and attrs.get("id") == self.element_id:
            self.depth = 1
        if tag == "tr":
            self.cell = 0
        if tag == "td":
            self.cell += 1
            if self.cell == 2:
                self.cells.append([])
                self.in_answer = True

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if tag == "td":
            self.in_answer = False
        if self.depth:
            self.depth -= 1
            if self.skip:
                self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)
        if self.element_id is None and self.in_answer:
            self.cells[-1].append(data)


def _words(parts: list[str]) -> str:
    return " ".join("".join(parts).split())


def test_the_answers_page_shows_each_answer_box_whole(built_book):
    """Each row holds its Answer box's whole text, slip warnings included, word for word."""
    page = built_book.html_dir / "book" / "answers.html"
    table = _ElementText()
    table.feed(page.read_text(encoding="utf8"))
    rows = [_words(cell) for cell in table.cells]
    links = _parse(page).rows
    assert len(rows) == len(links) == len(ANSWER_NAMES)
    for href, row in zip(links, rows, strict=True):
        target, anchor = href.split("#", 1)
        box = _ElementText(anchor)
        box.feed((page.parent / target).resolve().read_text(encoding="utf8"))
        assert row == _words(box.parts), f"{anchor}: the answers page does not show the whole box"


def test_the_site_root_serves_a_favicon(built_book):
    """A browser asks for /favicon.ico before the root page redirects: it must not be a 404."""
    assert (built_book.html_dir / "favicon.ico").is_file()
    assert (built_book.html_dir / "index.html").read_text(encoding="utf8").count("Refresh") == 1
