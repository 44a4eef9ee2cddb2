"""The print edition: both PDFs built and read back with poppler (pdftotext, pdfimages, pdftoppm)
and pypdf (their structure).

What a reader of the printed book needs: every page's title and every exercise (question part) in
the order of the table of contents, in the text and in the contents with a page number; nothing
unresolved ("??") and no raw TeX or MyST left in the text; every figure embedded; no page left
mostly blank except before a chapter; links that work outside this machine (the published site,
never the print server); every page of the web edition also as a PDF of its own, which its
download menu offers; and, in the student edition, none of the solutions.

What a reader with a screen reader needs, as far as a PDF printed by Chromium can carry it: a
tagged PDF (structure tree) with the book's title shown as its title, its language, an outline
(bookmarks) with every chapter, every figure's alt text as /Alt, and every formula's spoken form
as /Alt. The full edition is printed from the test build's folder, so that it reuses that build's
execution cache when there is one (``execute_notebooks: cache``). Skips where Chromium, poppler or
Playwright is missing, unless DGMBOOK_REQUIRE_BROWSER is set.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from conftest import REQUIRE_BROWSER

from dgmbook.build import ROOT, load_config, student_toc
from dgmbook.pdf import _chromium_or_none, build_pdf
from dgmbook.reader_notebooks import site_url

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
    if any(shutil.which(tool) is None for tool in ("pdftotext", "pdfimages", "pdftoppm")):
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


#: Path segments (PDF's ``l`` and ``c`` operators) above which a page draws a vector figure. The
#: figures are SVG with their text outlined: a page that prints one draws 2,300 to 17,000 segments,
#: a page of text, code and formulas at most about 1,100 (boxes, rules, radical signs).
FIGURE_SEGMENTS = 2000


def _drawn_objects(pdf: Path) -> dict[int, int]:
    """Page number -> how many figures it draws, at least: its images and form objects (Chromium
    prints some SVG figures as one), or one when its own drawing is a vector figure's."""
    from pypdf import PdfReader

    drawn = {}
    for number, page in enumerate(PdfReader(pdf).pages, start=1):
        objects = ((page.get("/Resources") or {}).get("/XObject") or {}).values()
        count = sum(o.get_object().get("/Subtype") in ("/Image", "/Form") for o in objects)
        contents = page.get_contents()
        segments = len(re.findall(rb"(?<![A-Za-z])[cl](?![A-Za-z])",
                                  contents.get_data() if contents is not None else b""))
        count = max(count, int(segments >= FIGURE_SEGMENTS))
        if count:
            drawn[number] = count
    return drawn


def test_full_pdf_has_every_question_part_figure_and_no_raw_syntax(full_pdf, built_book):
    assert full_pdf.path.exists() and full_pdf.pages > 20
    assert _new_warnings(full_pdf, built_book) == []
    assert full_pdf.printing.problems == []
    problems, body = _check_text(full_pdf, student=False)
    assert not problems, "\n".join(problems)
    assert "References" in body and "Solution" in body
    parsed = _parse(full_pdf.html)
    # The figures are SVG (vector drawings) or PNG (images): each caption's page must draw one.
    drawn = _drawn_objects(full_pdf.path)
    assert parsed.figures > 0 and drawn, (parsed.figures, drawn)
    # A figure and its caption on the same page: the page that prints a caption's opening words
    # holds an image. (The words before the caption's first formula, if there are enough of them.)
    pages = _pages(full_pdf.path)
    with_images = set(drawn)
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


# --- Links, blank pages, the pages' own PDFs -----------------------------------------------------

#: The most of a page's text area that may stay blank under its last line, except on the page
#: before a chapter (which starts a new page) and on the last page.
MOST_BLANK = 0.60
#: The print server's address, and any other address of this machine.
LOCAL = re.compile(r"^(?:https?://)?(?:127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\])(?::\d+)?(?:/|$)", re.I)


def _link_uris(pdf: Path) -> list[str]:
    """The address of every link annotation of ``pdf`` that leaves the document."""
    from pypdf import PdfReader

    uris = []
    for page in PdfReader(pdf).pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            action = annot.get("/A")
            if annot.get("/Subtype") == "/Link" and action is not None and "/URI" in action.get_object():
                uris.append(str(action.get_object()["/URI"]))
    return uris


def _blank_fractions(pdf: Path, dpi: int = 30) -> list[float]:
    """For every page, the part of the text area (A4 less 16 mm at the top, 18 mm at the foot) under
    its last inked row: 0 for a full page, 1 for an empty one."""
    fractions = []
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), str(pdf), f"{tmp}/p"], check=True)
        for image in sorted(Path(tmp).glob("p-*.pgm"), key=lambda f: int(f.stem.rsplit("-", 1)[1])):
            header, width, height, _, pixels = image.read_bytes().split(maxsplit=4)
            assert header == b"P5", image
            width, height = int(width), int(height)
            top, bottom = round(16 / 297 * height), height - round(18 / 297 * height)
            inked = [y for y in range(top, bottom) if min(pixels[y * width:(y + 1) * width]) < 200]
            fractions.append((bottom - (inked[-1] if inked else top)) / (bottom - top))
    return fractions


def _chapter_titles(student: bool) -> list[str]:
    """The titles of the top-level chapters of the table of contents (each starts a printed page)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))
    if student:
        toc, _ = student_toc(toc)
    titles, _ = _titles([ROOT / f"{entry['file']}.md" for entry in toc["chapters"]], skip_root=False)
    return [_plain(title) for title in titles]


def _mostly_blank(result, student: bool) -> list[str]:
    pages = _pages(result.path)
    _, _, first_body = _contents_and_body(pages)
    starts = _chapter_titles(student)
    fractions = _blank_fractions(result.path)
    assert len(fractions) == len(pages)
    found = []
    for number, fraction in enumerate(fractions, start=1):
        if number < first_body or number == len(pages) or fraction <= MOST_BLANK:
            continue  # the title page and the contents; the last page; a full enough page
        following = _norm(pages[number])
        if any(following.startswith(title) for title in starts):
            continue  # the page before a chapter
        found.append(f"page {number}: {fraction:.0%} blank, before: {following[:60]!r}")
    return found


def test_no_page_is_mostly_blank_except_before_a_chapter(full_pdf, student_pdf):
    problems = _mostly_blank(full_pdf, student=False) + _mostly_blank(student_pdf, student=True)
    assert not problems, "\n".join(problems)


def test_links_lead_to_the_published_site_not_to_the_print_server(full_pdf, student_pdf, built_book):
    site = site_url()
    for result in (full_pdf, student_pdf):
        uris = _link_uris(result.path)
        assert uris, result.path
        local = [u for u in uris if LOCAL.match(u) or not re.match(r"^(https?|mailto):", u)]
        assert not local, f"{result.path.name}: {local[:5]}"
    # The student edition's notebook links: one per page with exercises, on the published site,
    # where the full edition's build writes the notebooks.
    notebooks = sorted({u for u in _link_uris(student_pdf.path) if u.endswith(".ipynb")})
    assert len(notebooks) == 9, notebooks
    for uri in notebooks:
        assert uri.startswith(site + "notebooks/"), uri
        assert (built_book.html_dir / uri[len(site):]).is_file(), uri


def _page_names(student: bool = False) -> list[str]:
    return [str(page.relative_to(ROOT).with_suffix("")) for page in _toc_pages(student)]


def test_every_page_offers_its_own_pdf_printed_like_the_book(full_pdf, built_book):
    """The ".pdf" entry of a page's download menu is the page's own PDF (no longer the browser's
    print dialog): printed like the book, without the book's title page and contents, without the
    code toggles and the page's contents list, its links to the rest of the book on the site."""
    site = site_url()
    titles, _ = _titles(_toc_pages(False), skip_root=False)
    assert len(full_pdf.printing.chapters) == len(titles)
    for name, title in zip(_page_names(), titles, strict=True):
        html = built_book.html_dir / f"{name}.html"
        text = html.read_text(encoding="utf8")
        assert "window.print()" not in text, name
        links = re.findall(r'<a href="([^"]*\.pdf)"[^>]*\s+class="[^"]*btn-download-pdf-button', text)
        assert len(links) == 1, f"{name}: {links}"
        assert (html.parent / links[0]).resolve() == (built_book.html_dir / f"{name}.pdf").resolve(), name
        pdf = full_pdf.path.parent / f"{name}.pdf"
        assert pdf in full_pdf.printing.chapters and pdf.is_file(), name
        pages = _pages(pdf)
        first = _norm(pages[0])
        assert first.startswith(_plain(title)[:40]), (name, first[:80])
        body = _norm(" ".join(pages))
        assert "Contents" not in first.split(_plain(title)[:40], 1)[0], name
        for toggle in ("Show code cell", "Hide code cell", "Click to show", "Contents Contents"):
            assert toggle not in body, (name, toggle)
        uris = _link_uris(pdf)
        assert not [u for u in uris if LOCAL.match(u) or not re.match(r"^(https?|mailto):", u)], name
        assert all(u.startswith(site) for u in uris if ".github.io" in u), name
    # A page that refers to other pages links them on the published site.
    answers = _link_uris(full_pdf.path.parent / "book" / "answers.pdf")
    assert any(u.startswith(site + "book/q1_nce_cd.html") for u in answers), answers[:5]


# --- Accessibility: what a PDF printed by Chromium carries ----------------------------------------

def _structure(pdf: Path) -> dict:
    """The accessibility facts of ``pdf``: tagged or not, its title and whether viewers show it,
    its language, its outline's titles, and the /Alt texts of its structure tree by tag."""
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    reader = PdfReader(pdf)
    root = reader.trailer["/Root"]
    alts: dict[str, list[str]] = {}
    tags: dict[str, int] = {}
    tree = root.get("/StructTreeRoot")
    stack, seen = ([tree] if tree is not None else []), set()
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            node = node.get_object()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not hasattr(node, "get"):
            continue
        kind = node.get("/S")
        if kind is not None:
            tags[str(kind)] = tags.get(str(kind), 0) + 1
            if "/Alt" in node:
                alts.setdefault(str(kind), []).append(str(node["/Alt"]))
        kids = node.get("/K")
        if kids is not None:
            stack.extend(kids if isinstance(kids, list) else [kids])

    def outline(items, depth=0):
        for item in items:
            if isinstance(item, list):
                yield from outline(item, depth + 1)
            else:
                yield depth, _norm(str(item.title))

    return {
        "tagged": bool((root.get("/MarkInfo") or {}).get("/Marked")) and tree is not None,
        "title": str((reader.metadata or {}).get("/Title", "")),
        "shows_title": bool((root.get("/ViewerPreferences") or {}).get("/DisplayDocTitle")),
        "lang": str(root.get("/Lang", "")),
        "outline": list(outline(reader.outline)),
        "alts": alts,
        "tags": tags,
    }


class _AltTexts(HTMLParser):
    """The alt text of every image of a page's figures and cell outputs."""

    def __init__(self) -> None:
        super().__init__()
        self.alts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and (attrs.get("alt") or "").strip():
            self.alts.append(_norm(attrs["alt"]))


@pytest.mark.parametrize("edition", ["full", "student"])
def test_pdf_is_tagged_with_title_language_outline_and_alt_texts(edition, request):
    result = request.getfixturevalue(f"{edition}_pdf")
    student = edition == "student"
    facts = _structure(result.path)
    assert facts["tagged"], "no structure tree (not a tagged PDF)"
    title = load_config()["title"] + (" (student edition)" if student else "")
    assert facts["title"] == title and facts["shows_title"], (facts["title"], facts["shows_title"])
    assert facts["lang"].lower().startswith("en"), facts["lang"]
    # The outline: every page of the book, in order, among the bookmarks (a title broken over two
    # lines may lose its space there: compared without spaces).
    titles, _ = _titles(_toc_pages(student))
    bookmarks = re.sub(r"\s+", "", "|".join(text for _, text in facts["outline"]))
    missing = _in_order(bookmarks, [re.sub(r"\s+", "", _plain(t)) for t in titles if len(_plain(t)) >= 6])
    assert not missing, f"pages missing from the outline: {missing}"
    # Every image's alt text of the printed page is the /Alt of a Figure.
    parser = _AltTexts()
    parser.feed(result.html.read_text(encoding="utf8"))
    figure_alts = [_norm(a) for a in facts["alts"].get("/Figure", [])]
    lost = [alt[:60] for alt in parser.alts if alt not in figure_alts]
    assert not lost, f"{len(lost)} alt texts not carried: {lost[:3]}"
    if not student:
        assert len(parser.alts) >= 20, len(parser.alts)
    # Every printed formula is given its spoken form (the speech engine loaded: no TeX fallback),
    # and Chromium carries it as the /Alt of a Figure for nearly all of them (it drops a few, about
    # 3 in 100, for reasons of its own).
    printing = result.printing
    assert printing.formulas > (1000 if not student else 100), printing.formulas
    assert printing.spoken == printing.formulas, (printing.spoken, printing.formulas)
    spoken = [a for a in figure_alts if a not in parser.alts]
    assert len(spoken) >= 0.95 * printing.formulas, (len(spoken), printing.formulas)
    assert not [a for a in spoken if a.startswith("TeX:")]


def test_each_edition_introduction_describes_what_it_holds(full_pdf, student_pdf):
    """The student edition's introduction describes neither Answer boxes, nor the answers page,
    nor beyond pages, which it does not hold; the full edition's does."""
    def intro(result) -> str:
        _, body, _ = _contents_and_body(_pages(result.path))
        return body[:6000]

    full, student = intro(full_pdf), intro(student_pdf)
    for phrase in ("collects every Answer", "beyond pages", "Each part opens with a short Answer"):
        assert phrase in full, phrase
        assert phrase not in student, phrase
    assert "student edition" in student
