"""The print edition: both PDFs built and read back with poppler (pdftotext, pdfimages).

What a reader of the printed book needs: every page's title and every exercise (question part) in
the order of the table of contents, in the text and in the contents with a page number; nothing
unresolved ("??") and no raw TeX or MyST left in the text; every figure embedded; and, in the
student edition, none of the solutions. The full edition is printed from the test build's folder,
so that it reuses that build's execution cache when there is one (``execute_notebooks: cache``).
Skips where Chromium, poppler or Playwright is missing, unless DGMBOOK_REQUIRE_BROWSER is set.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import REQUIRE_BROWSER

from dgmbook.build import ROOT, student_toc
from dgmbook.pdf import _chromium_or_none, build_pdf

pytestmark = [pytest.mark.book, pytest.mark.browser]

#: Left in the text, these mean something was not rendered: an unresolved reference, a MyST role
#: or directive, a display-math delimiter or a LaTeX environment that MathJax did not typeset.
RAW = {
    "unresolved reference": re.compile(r"\?\?"),
    "MyST role": re.compile(r"\{(?:eq|ref|numref|doc|cite(?::[a-z]+)?|glue(?::[a-z]+)?|term|prf:ref)\}`"),
    "MyST directive": re.compile(r"```\{|:::\{?"),
    "display-math delimiter": re.compile(r"\$\$"),
    "LaTeX environment": re.compile(r"\\(?:begin|end)\{"),
}


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"print-edition test required (DGMBOOK_REQUIRE_BROWSER) but {reason}")
    pytest.skip(f"print-edition test skipped: {reason}")


def _tools() -> None:
    if _chromium_or_none() is None:
        _unavailable("Chromium is not installed (Debian: apt-get install chromium)")
    if shutil.which("pdftotext") is None or shutil.which("pdfimages") is None:
        _unavailable("poppler is not installed (Debian: apt-get install poppler-utils)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed (pip install -r requirements-dev.txt)")


@pytest.fixture(scope="module")
def full_pdf(built_book, tmp_path_factory):
    _tools()
    if not built_book.html_dir.exists():
        pytest.fail("the book did not build; see test_book.py")
    # The test build's folder: its execution cache is reused where the build made one.
    output = built_book.html_dir.parent.parent
    return build_pdf(output, pdf=tmp_path_factory.mktemp("pdf") / "book.pdf", execute="cache")


@pytest.fixture(scope="module")
def student_pdf(tmp_path_factory):
    _tools()
    folder = tmp_path_factory.mktemp("student-pdf")
    return build_pdf(folder, student=True, pdf=folder / "book-student.pdf")


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = text.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def _norm(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).strip()


def _contents_and_body(pages: list[str]) -> tuple[str, str, int]:
    """The contents' text, the text of the pages after the contents, and the first body page."""
    assert "Contents" in pages[1], "page 2 is not the contents"
    first = re.search(r"^\S.*?\s(\d+)\s*$", pages[1].split("Contents", 1)[1].strip(), re.M)
    assert first, "the contents carry no page numbers"
    start = int(first.group(1))
    return _norm(" ".join(pages[1:start - 1])), _norm(" ".join(pages[start - 1:])), start


def _toc_pages(student: bool) -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))
    if student:
        toc, _ = student_toc(toc)
    names = [toc["root"]]

    def walk(entries):
        for entry in entries:
            names.append(entry["file"])
            walk(entry.get("sections", []))

    walk(toc.get("chapters", []))
    return [ROOT / f"{name}.md" for name in names]


def _titles(pages: list[Path], *, skip_root: bool = True) -> tuple[list[str], list[str]]:
    """Page titles (each page's first ``# `` heading outside code) and exercise titles, in order."""
    titles, exercises = [], []
    for index, page in enumerate(pages):
        fence = None
        title_seen = False
        for line in page.read_text(encoding="utf8").splitlines():
            marker = re.match(r"^(`{3,}|~{3,})", line)
            exercise = re.match(r"^(`{3,}|:{3,})\{exercise\}\s*(.*)$", line)
            if exercise and exercise.group(2).strip():
                exercises.append(exercise.group(2).strip())
            if fence is None and marker:
                fence = marker.group(1)
                continue
            if fence is not None:
                if line.startswith(fence) and line.strip() == fence:
                    fence = None
                continue
            if not title_seen and line.startswith("# "):
                title_seen = True
                if not (skip_root and index == 0):
                    titles.append(line[2:].strip())
    return titles, exercises


def _plain(title: str) -> str:
    """A title as printed: markup removed, up to its first formula."""
    return _norm(re.sub(r"[*`_]", "", title.split("$")[0])).rstrip(" :,(")


def _in_order(text: str, needles: list[str]) -> list[str]:
    """The needles not found in ``text`` in the given order."""
    missing, position = [], 0
    for needle in needles:
        found = text.find(needle, position)
        if found < 0:
            missing.append(needle)
        else:
            position = found + len(needle)
    return missing


def _check_text(result, student: bool) -> tuple[list[str], str]:
    pages = _pages(result.path)
    assert len(pages) == result.pages
    contents, body, _ = _contents_and_body(pages)
    titles, exercises = _titles(_toc_pages(student))
    assert exercises, "no exercise found in the sources"
    wanted = [_plain(t) for t in titles if len(_plain(t)) >= 6]
    problems = []
    for where, text in (("contents", contents), ("text", body)):
        if missing := _in_order(text, wanted):
            problems.append(f"page titles missing or out of order in the {where}: {missing}")
        if missing := _in_order(text, [_plain(e) for e in exercises]):
            problems.append(f"question parts missing or out of order in the {where}: {missing}")
    for what, pattern in RAW.items():
        hits = [body[max(m.start() - 60, 0):m.end() + 60] for m in pattern.finditer(body)]
        if hits:
            problems.append(f"{what} left in the text: {hits[:3]}")
    return problems, body


def _new_warnings(pdf_result, html_result) -> list[str]:
    """Warnings of the one-page build that the HTML build of the same sources does not have."""
    def key(line: str) -> str:
        return re.sub(r"^\S*?(book/[^:]+:\d+:)", r"\1", line.strip())

    seen = {key(w) for w in html_result.warnings}
    return [w for w in pdf_result.warnings if key(w) not in seen]


class _FigureCounter(HTMLParser):
    """Figures, their captions' text and the text of every solution box of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.figures = 0
        self.captions: list[str] = []
        self.solutions: list[str] = []
        self._depth = 0
        self._buffer: list[str] = []
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "figure":
            self.figures += 1
        if tag == "span" and "caption-text" in classes:
            self._caption = []
        if tag == "div" and self._depth:
            self._depth += 1
        elif tag == "div" and "solution" in classes:
            self._depth = 1

    def handle_endtag(self, tag):
        if tag == "figcaption" and self._caption is not None:
            self.captions.append("".join(self._caption))
            self._caption = None
        if tag == "div" and self._depth:
            self._depth -= 1
            if not self._depth:
                self.solutions.append("".join(self._buffer))
                self._buffer = []

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        if self._depth:
            self._buffer.append(data)


def _parse(html: Path) -> _FigureCounter:
    parser = _FigureCounter()
    parser.feed(html.read_text(encoding="utf8"))
    return parser


def test_full_pdf_has_every_question_part_figure_and_no_raw_syntax(full_pdf, built_book):
    assert full_pdf.path.exists() and full_pdf.pages > 20
    assert _new_warnings(full_pdf, built_book) == []
    assert full_pdf.printing.problems == []
    problems, body = _check_text(full_pdf, student=False)
    assert not problems, "\n".join(problems)
    assert "References" in body and "Solution" in body
    parsed = _parse(full_pdf.html)
    listing = subprocess.run(["pdfimages", "-list", str(full_pdf.path)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    images = [row.split() for row in listing if row.split()[2] == "image"]
    assert parsed.figures > 0 and len(images) >= parsed.figures, (parsed.figures, len(images))
    # A figure and its caption on the same page: the page that prints a caption's opening words
    # holds an image. (The words before the caption's first formula, if there are enough of them.)
    pages = _pages(full_pdf.path)
    with_images = {int(row[0]) for row in images}
    split = []
    for caption in parsed.captions:
        words = re.sub(r"\s+", "", caption.split("\\(")[0])[:40]
        if len(words) < 15:
            continue
        where = [n for n, page in enumerate(pages, start=1) if words in re.sub(r"\s+", "", page)]
        assert where, f"caption not found: {caption[:60]}"
        if where[0] not in with_images:
            split.append(f"page {where[0]}: {caption[:60]}")
    assert not split, split
    # No page is blank (a page holds more than its footer, or an image).
    blank = [n for n, page in enumerate(pages, start=1)
             if len(_norm(page)) < 90 and n not in with_images and n != 1]
    assert not blank, f"blank pages: {blank}"


def test_student_pdf_holds_the_questions_and_no_solution(student_pdf, student_book, full_pdf):
    assert student_pdf.path.exists()
    assert _new_warnings(student_pdf, student_book) == []
    assert student_pdf.printing.problems == []
    problems, body = _check_text(student_pdf, student=True)
    assert not problems, "\n".join(problems)
    assert "(student edition)" in _norm(_pages(student_pdf.path)[0])
    # No sentence of any solution of the full edition is printed in the student edition.
    squeezed = re.sub(r"\s+", "", body)
    leaked = []
    for solution in _parse(full_pdf.html).solutions:
        for sentence in re.split(r"(?<=[.!?])\s+", _norm(solution)):
            words = re.sub(r"\s+", "", sentence)
            # Prose sentences only: formulas are printed by MathJax in other characters.
            if len(words) >= 60 and re.fullmatch(r"[A-Za-z0-9 ,;:'()\-.!?]+", sentence):
                if words in squeezed:
                    leaked.append(sentence)
    assert not leaked, leaked[:5]
    # Nor the title of a solution box.
    assert not any(re.search(r"(?m)^\s*Solution\s*$", page) for page in _pages(student_pdf.path))


def test_every_page_offers_the_whole_book_pdf(built_book):
    """The download menu of every page links to ``book.pdf`` at the site's root, where
    ``python3 tasks.py pdf`` (and the Pages workflow) writes it."""
    pages = [built_book.html_dir / page.relative_to(ROOT).with_suffix(".html") for page in _toc_pages(False)]
    for page in pages:
        links = re.findall(r'<a href="([^"]*book\.pdf)"[^>]*\s+class="[^"]*btn-download-book-pdf-button',
                           page.read_text(encoding="utf8"))
        assert len(links) == 1, f"{page.name}: {links}"
        assert (page.parent / links[0]).resolve() == (built_book.html_dir / "book.pdf").resolve(), page
