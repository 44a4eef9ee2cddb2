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


def _pages(html_dir: Path) -> list[Path]:
    return [p for p in sorted(html_dir.rglob("*.html"))
            if "_static" not in p.parts and "_sources" not in p.parts]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_titles_with_mathematics_read_as_text_in_links_tabs_and_search(built_book):
    """A title's formula is typeset on the page, and read as plain text where it is used as text.

    The link text of a ``{ref}``, the browser tab and the search index showed its TeX source
    ("Uniform(0, \\theta)").
    """
    html_dir = built_book.html_dir
    index = (html_dir / "searchindex.js").read_text(encoding="utf8")
    titles = re.search(r'"alltitles":\s*(\{.*?\}),\s*"docnames"', index, flags=re.S)
    assert titles, "no alltitles in the search index"
    tex_in_titles = re.findall(r'"([^"]*\\\\[A-Za-z]+[^"]*)":', titles.group(1))
    assert not tex_in_titles, f"TeX in the search index's titles: {tex_in_titles[:5]}"
    assert "Uniform(0, \\u03b8)" in index or "Uniform(0, θ)" in index, "Uniform(0, θ) is not indexed"
    problems = []
    for page in _pages(html_dir):
        html = page.read_text(encoding="utf8")
        tab = re.search(r"<title>(.*?)</title>", html, flags=re.S)
        if tab and "\\" in tab.group(1):
            problems.append(f"{page.name}: tab title {tab.group(1)!r}")
        # Link text of cross-references: math in it must be a typeset formula, never bare TeX.
        for text in re.findall(r'<a class="reference internal"[^>]*>(.*?)</a>', html, flags=re.S):
            bare = re.sub(r'<span class="math[^"]*">\\\(.*?\\\)</span>', "", text, flags=re.S)
            if re.search(r"\\[A-Za-z]+", _text(bare)):
                problems.append(f"{page.name}: link text {_text(text)!r}")
    assert not problems, "\n".join(problems[:10])


def _heading(html: str) -> str:
    return _text(re.sub(r'<a class="headerlink".*?</a>', "", html, flags=re.S))


def test_the_answers_page_headings_are_the_chapter_titles(built_book):
    html_dir = built_book.html_dir
    answers = (html_dir / "book" / "answers.html").read_text(encoding="utf8")
    headings = [_heading(h) for h in re.findall(r"<h2>(.*?)</h2>", answers, flags=re.S) if "headerlink" in h]
    chapters = {}
    for href in _parse(html_dir / "book" / "answers.html").rows:
        target, anchor = href.split("#", 1)
        question = anchor.split("-", 1)[0]  # q1-5-1-answer: Question 1's first part names its chapter
        if question in chapters:
            continue
        page = (html_dir / "book" / target).read_text(encoding="utf8")
        title = re.search(r"<h1>(.*?)</h1>", page, flags=re.S)
        chapters[question] = _heading(title.group(1))
    assert headings == list(chapters.values()), (headings, list(chapters.values()))
    assert len(headings) == 4


def test_references_are_author_year_in_the_text_and_in_the_list(built_book):
    """Citations read "Author et al., year" alike, and the list labels each work the same way."""
    bib = (Path(__file__).resolve().parents[1] / "book" / "references.bib").read_text(encoding="utf8")
    assert not re.search(r"\band\s+others\b", bib), "an author list ends in 'and others': list the authors"
    html_dir = built_book.html_dir
    cited = " ".join(_text(p.read_text(encoding="utf8")) for p in _pages(html_dir / "book"))
    assert "and others" not in cited
    assert "Pedregosa et al., 2011" in cited and "Vaswani et al., 2013" in cited
    references = (html_dir / "book" / "references.html").read_text(encoding="utf8")
    labels = [re.sub(r"<[^>]+>", "", label).strip()
              for label in re.findall(r'<span class="label">(.*?)</span></span>', references)]
    assert len(labels) >= 40, len(labels)
    author_year = re.compile(r"^\[[^\d\[\]][^\[\]]*, (?:1[89]|20)\d\d[a-z]?\]$")
    assert all(author_year.match(label.replace(" ", " ")) for label in labels), labels[:5]
    assert labels[0] == "[Alpaydin and Kaynak, 1998]" and "[Pedregosa et al., 2011]" in labels, labels[:3]
    first_authors = [label.strip("[]").split()[0].strip(",").casefold() for label in labels]
    assert first_authors == sorted(first_authors), "the list is not sorted by first author"


def test_punctuation_after_a_formula_stays_on_its_line(built_book):
    """Every in-line formula followed by punctuation is wrapped with it in a ``math-punct`` span."""
    loose, glued = [], 0
    for page in _pages(built_book.html_dir / "book"):
        html = page.read_text(encoding="utf8")
        pattern = (r'(.{0,40})<span class="math notranslate nohighlight">'
                   r'\\\((?:(?!</span>).)*?\\\)</span>[.,;:!?]')
        for match in re.finditer(pattern, html, flags=re.S):
            if match.group(1).endswith('<span class="math-punct">'):
                glued += 1
            else:
                loose.append(f"{page.name}: ...{match.group(0)[-60:]}")
    assert not loose, "\n".join(loose[:10])
    assert glued > 100, glued


def test_short_formulas_are_kept_whole(built_book):
    """Every in-line formula of at most SHORT_FORMULA characters of TeX outside a table is a TeX
    group, which MathJax 4 does not break across lines (book/_ext/typography.py); longer ones and
    those in tables may break."""
    import html as html_module
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book" / "_ext"))
    from typography import SHORT_FORMULA

    loose, whole, long_ = [], 0, 0
    for page in _pages(built_book.html_dir / "book"):
        # outside tables, whose narrow cells need their formulas to break
        text = re.sub(r"<table\b.*?</table>", "", page.read_text(encoding="utf8"), flags=re.S)
        for tex in re.findall(r'<span class="math notranslate nohighlight">\\\((.*?)\\\)</span>', text, re.S):
            tex = html_module.unescape(tex)
            if tex.startswith("{") and tex.endswith("}") and len(tex) - 2 <= SHORT_FORMULA:
                whole += 1
            elif len(tex) <= SHORT_FORMULA:
                loose.append(f"{page.name}: {tex}")
            else:
                long_ += 1
    assert not loose, "\n".join(loose[:10])
    assert whole > 1000 and long_ > 20, (whole, long_)
