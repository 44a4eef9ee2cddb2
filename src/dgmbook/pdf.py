"""The print edition: the whole book (or the student edition) as one PDF.

Route: Sphinx's one-page HTML build (``singlehtml``) of the same sources, with the same executed
outputs (myst-nb's execution cache, ``_build/.jupyter_cache``: nothing is executed again after
``python3 tasks.py book``), printed by the system Chromium through Playwright once MathJax 3 has
typeset every equation. Every MathJax macro of ``_config.yml``, every sphinx-proof/sphinx-exercise
box, every glued number and every equation number is then exactly as on the web. The print styles
and the title page/contents script are ``book/_static/print-edition.{css,js}``.

Chromium prints twice: the first printing tells, through ``pdftotext`` (poppler), on which page
each contents entry lands; the second carries the page numbers, the document outline (PDF
bookmarks) and the footer. For the full edition it then prints every page of the web edition alone
(``book/q1_nce_cd.pdf`` next to ``book/q1_nce_cd.html``), which that page's download menu offers.

Every PDF is tagged (a structure tree for screen readers), with the book's title, its language and
an outline; a figure's alt text becomes its /Alt, and every formula carries its spoken form
(MathJax's speech-rule engine) as /Alt. Links into the print server (the student notebooks, files of
the site) point at the published site (:func:`dgmbook.reader_notebooks.site_url`), as do a page's links to the
rest of the book in its own PDF.

Needs, beyond ``requirements-dev.txt``: Debian's ``chromium`` and ``poppler-utils``; MathJax 3 is
served from a local copy (``npm pack mathjax@3.2.2`` into ``.cache/``, or ``DGMBOOK_MATHJAX_DIR``)
when one can be had, else from its CDN.

Run as ``python -m dgmbook.pdf [--student] [--output PDF]``; prints the PDF's path last.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dgmbook.build import ROOT, BuildResult, build_book, load_config
from dgmbook.reader_notebooks import site_url
from dgmbook.validation import check_bool

__all__ = ["build_pdf", "local_mathjax", "print_html_to_pdf"]

#: Where the PDFs go: next to the HTML they are linked from (the download menu's "book (PDF)",
#: ``book/_ext/print_edition.py``), so the local site and the published one are the same.
FULL_PDF_NAME = "book.pdf"
STUDENT_PDF_NAME = "book-student.pdf"
STUDENT_OUTPUT = ROOT / "_build_student"
CACHE = ROOT / ".cache"
MATHJAX_VERSION = "3.2.2"
#: Sphinx 7.4's default ``mathjax_path``; its requests are answered from the local copy.
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/"
STATIC = ROOT / "book" / "_static"
PRINT_CSS = STATIC / "print-edition.css"
PRINT_JS = STATIC / "print-edition.js"
SINGLEHTML_ARGS = ("--builder", "custom", "--custom-builder", "singlehtml")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
#: Debian packages the print edition needs beyond Python (``.ci/run`` installs them).
DEBIAN_PACKAGES = ("chromium", "poppler-utils")
#: A4 with 16 mm margins (18 mm at the foot for the page number). Printed at 90 %, the text column
#: is about 750 CSS pixels wide, as on the web (the equations are broken to fit ~700 px).
PAGE = {"format": "A4", "scale": 0.9,
        "margin": {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"}}
#: The printed column in CSS pixels: (210 - 2 * 16) mm at 96 px per inch, divided by the scale.
COLUMN_PX = int((210 - 32) / 25.4 * 96 / PAGE["scale"])
FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#555;'
          'font-family:sans-serif"><span class="title"></span> &#183; '
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')


@dataclass
class PrintReport:
    """What one printing produced (see :func:`print_html_to_pdf`)."""

    pages: int
    problems: list[str]
    shrunk: int
    entries: int
    #: The PDF of every page of the web edition printed alone (``chapters`` of print_html_to_pdf).
    chapters: list[Path] = field(default_factory=list)
    #: Formulas given an alt text, and how many of them a spoken one (the others: their TeX).
    formulas: int = 0
    spoken: int = 0


@dataclass
class PdfResult:
    """What :func:`build_pdf` produced: the PDF, its number of pages, and the HTML build behind it."""

    path: Path
    build: BuildResult
    html: Path
    seconds: float
    printing: PrintReport

    @property
    def pages(self) -> int:
        """Number of pages of the PDF."""
        return self.printing.pages

    @property
    def executed(self) -> list[str]:
        """Pages that had to be executed (not in the execution cache) for this build."""
        return re.findall(r"(\S+\.md): Executed notebook in", self.build.log)

    @property
    def warnings(self) -> list[str]:
        """The one-page HTML build's warnings (the book's rule: there must be none)."""
        return self.build.warnings


def _as_path(name: str, value, *, suffix: str | None = None, must_exist: bool = False) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(value).__name__}")
    path = Path(value)
    if str(value) == "":
        raise ValueError(f"{name} must be a non-empty path")
    if suffix is not None and path.suffix.lower() != suffix:
        raise ValueError(f"{name} must be a {suffix} file, got {str(value)!r}")
    if must_exist and not path.exists():
        raise ValueError(f"{name} does not exist: {str(value)!r}")
    return path


def _as_text(name: str, value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must be a non-empty str")
    return value


def local_mathjax(cache=CACHE, *, fetch: bool = True) -> Path | None:
    """A local MathJax 3 ``es5`` folder, or ``None`` if none can be had.

    Looks at ``DGMBOOK_MATHJAX_DIR``, then at ``cache/mathjax-3.2.2/package/es5``; with ``fetch``,
    runs ``npm pack mathjax@3.2.2`` into ``cache`` when neither has it (the page tests do the same).

    Parameters
    ----------
    cache : path
        The folder of the fetched copy (``.cache/`` of the repository).
    fetch : bool
        Whether ``npm`` may be run to fetch it.
    """
    cache = _as_path("cache", cache)
    fetch = check_bool("fetch", fetch)
    given = os.environ.get("DGMBOOK_MATHJAX_DIR")
    if given and (Path(given) / "tex-mml-chtml.js").exists():
        return Path(given)
    es5 = cache / f"mathjax-{MATHJAX_VERSION}" / "package" / "es5"
    if (es5 / "tex-mml-chtml.js").exists():
        return es5
    npm = shutil.which("npm")
    if not fetch or npm is None:
        return None
    cache.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run([npm, "pack", f"mathjax@{MATHJAX_VERSION}", "--silent"], cwd=cache,
                          capture_output=True, text=True)
    tarball = cache / f"mathjax-{MATHJAX_VERSION}.tgz"
    if proc.returncode != 0 or not tarball.exists():
        return None
    with tarfile.open(tarball) as archive:
        archive.extractall(cache / f"mathjax-{MATHJAX_VERSION}", filter="data")
    tarball.unlink()
    return es5 if (es5 / "tex-mml-chtml.js").exists() else None


def _chromium() -> str:
    path = os.environ.get("DGMBOOK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        raise RuntimeError("the print edition needs Chromium: apt-get install chromium (Debian)")
    return path


def _pdftotext_pages(pdf: Path) -> list[str]:
    """The text of every page of ``pdf`` (poppler's ``pdftotext``)."""
    if shutil.which("pdftotext") is None:
        raise RuntimeError("the print edition needs poppler's pdftotext: apt-get install poppler-utils")
    proc = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True)
    pages = proc.stdout.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _page_numbers(pages: list[str], count: int) -> dict[str, int]:
    """Page (1-based) of every mark ``@@PE<n>@@`` found in the first printing's text."""
    found: dict[str, int] = {}
    for number, page_text in enumerate(pages, start=1):
        for match in re.finditer(r"@@PE(\d+)@@", page_text.replace(" ", "")):
            found.setdefault(match.group(1), number)
    return {key: value for key, value in found.items() if int(key) < count}


def print_html_to_pdf(html, pdf, *, title: str, edition: str, meta: tuple[str, ...] = (),
                      mathjax_dir=None, site: str | None = None, root_doc: str = "",
                      chapters=None) -> PrintReport:
    """Print the one-page HTML build ``html`` to ``pdf`` with Chromium, as a book.

    The page is served over HTTP from its folder; MathJax (the CDN address of Sphinx's default
    ``mathjax_path``) is answered from ``mathjax_dir`` when given. After MathJax has typeset every
    equation, ``book/_static/print-edition.js`` adds the title page and the contents, and the print
    styles of ``book/_static/print-edition.css`` apply.

    Parameters
    ----------
    html : path
        The ``.html`` file of a ``singlehtml`` build, at the root of its output folder.
    pdf : path
        The ``.pdf`` file to write (its folder is created).
    title, edition : str
        The title page's title and edition line (also the footer's title).
    meta : tuple of str
        Further lines of the title page (author, date, ...).
    mathjax_dir : path, optional
        A local MathJax 3 ``es5`` folder (see :func:`local_mathjax`).
    site : str, optional
        The published site's address (``https://…/``, see :func:`dgmbook.reader_notebooks.site_url`): links
        into the print server point there instead, and so do a page's links to the rest of the
        book in its own PDF. Required with ``chapters``.
    root_doc : str
        The name of the book's first page (``book/intro``), printed alone with ``chapters``.
    chapters : path, optional
        A folder into which every page of the web edition is also printed alone, as
        ``<page name>.pdf`` (``book/q1_nce_cd.pdf``), like the book but without title page and
        contents.

    Returns
    -------
    PrintReport
        Pages, problems (MathJax errors, equations not typeset, contents entries without a page
        number), display equations set smaller to fit the column, contents entries, the pages'
        PDFs, formulas given an alt text.
    """
    html = _as_path("html", html, suffix=".html", must_exist=True)
    pdf = _as_path("pdf", pdf, suffix=".pdf")
    title = _as_text("title", title)
    edition = _as_text("edition", edition)
    if not isinstance(meta, (tuple, list)) or not all(isinstance(line, str) for line in meta):
        raise TypeError(f"meta must be a tuple of str, got {meta!r}")
    if mathjax_dir is not None:
        mathjax_dir = _as_path("mathjax_dir", mathjax_dir, must_exist=True)
        if not (mathjax_dir / "tex-mml-chtml.js").exists():
            raise ValueError(f"mathjax_dir must hold MathJax 3's es5 files (tex-mml-chtml.js): {mathjax_dir}")
    if site is not None and (not isinstance(site, str) or not re.fullmatch(r"https?://\S+/", site)):
        raise ValueError(f"site must be the published site's address, http(s)://…/, got {site!r}")
    if not isinstance(root_doc, str):
        raise TypeError(f"root_doc must be a str (a page name: 'book/intro'), got {type(root_doc).__name__}")
    if chapters is not None:
        chapters = _as_path("chapters", chapters)
        if site is None:
            raise ValueError("chapters needs site: a page printed alone links the rest of the book there")
    chromium = _chromium()
    from playwright.sync_api import sync_playwright  # a test tool (requirements-dev.txt)

    pdf.parent.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    handler = functools.partial(_QuietHandler, directory=str(html.parent))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/{html.name}"
    options = {"title": title, "edition": edition, "meta": list(meta), "site": site, "rootDoc": root_doc}
    printed: list[Path] = []
    try:
        with sync_playwright() as pw, tempfile.TemporaryDirectory() as tmp:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
            # The window is as wide as the printed column, so that what is measured is what prints.
            context = browser.new_context(viewport={"width": COLUMN_PX, "height": 1000})
            if mathjax_dir is not None:
                local = mathjax_dir.resolve()

                def serve_mathjax(route):  # one argument: Playwright passes the request to two
                    rel = route.request.url[len(MATHJAX_CDN):].split("?")[0]
                    target = (local / rel).resolve()
                    if target.is_file() and local in target.parents:
                        route.fulfill(path=str(target))
                    else:
                        route.fulfill(status=404, body="")
                context.route(MATHJAX_CDN + "**", serve_mathjax)
            page = context.new_page()
            page.goto(url, wait_until="load", timeout=300_000)
            page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)",
                                   timeout=120_000)
            page.evaluate("() => window.MathJax ? MathJax.startup.promise.then(() => true) : true")
            errors = page.evaluate("() => document.querySelectorAll('mjx-merror').length")
            untypeset = page.evaluate(
                "() => Array.from(document.querySelectorAll('.math'))"
                ".filter(el => !el.querySelector('mjx-container')).length")
            if errors:
                notes.append(f"{errors} MathJax error(s) in the page")
            if not page.evaluate("() => !!window.MathJax") or untypeset > 0:
                notes.append(f"equations not typeset: {untypeset} (is MathJax reachable?)")
            page.add_style_tag(path=str(PRINT_CSS))
            page.add_script_tag(path=str(PRINT_JS))
            entries = page.evaluate("options => printEdition.prepare(options)", options)
            page.emulate_media(media="print")
            shrunk = page.evaluate("() => printEdition.fitDisplays()")
            formulas, spoken, _ = page.evaluate("() => printEdition.speakFormulas()")
            # Fonts of the typeset equations must be loaded before printing.
            page.evaluate("() => document.fonts.ready.then(() => true)")
            first = Path(tmp) / "first.pdf"
            page.pdf(path=str(first), **PAGE)
            numbers = _page_numbers(_pdftotext_pages(first), len(entries))
            missing = [e["label"] for e in entries if str(e["n"]) not in numbers]
            if missing:
                notes.append(f"{len(missing)} contents entries without a page number: {missing[:5]}")
            page.evaluate("numbers => printEdition.setPageNumbers(numbers)", numbers)
            page.pdf(path=str(pdf), display_header_footer=True, header_template="<span></span>",
                     footer_template=FOOTER, outline=True, tagged=True, **PAGE)
            if chapters is not None:
                for doc in page.evaluate("() => printEdition.pages()"):
                    heading = page.evaluate("([doc, site]) => printEdition.showOnly(doc, site)", [doc, site])
                    page.evaluate("t => { document.title = t; }", f"{heading} · {title}")
                    target = chapters / f"{doc}.pdf"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    page.pdf(path=str(target), display_header_footer=True, header_template="<span></span>",
                             footer_template=FOOTER, outline=True, tagged=True, **PAGE)
                    printed.append(target)
                page.evaluate("t => { printEdition.showAll(); document.title = t; }", title)
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    return PrintReport(len(_pdftotext_pages(pdf)), notes, shrunk, len(entries), printed, formulas, spoken)


def _print_copy(single_dir: Path, root_doc: str) -> Path:
    """The one-page build's page, copied to the root of its folder (where its relative asset links
    point), with its links to itself made page-internal so that they stay links inside the PDF."""
    source = single_dir / f"{root_doc}.html"
    text = source.read_text(encoding="utf8")
    text = text.replace(f'href="{root_doc}.html#', 'href="#')
    target = single_dir / "print-edition.html"
    target.write_text(text, encoding="utf8")
    return target


def _git_commit() -> str:
    try:
        proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def build_pdf(output=None, *, student: bool = False, pdf=None, execute: str = "cache") -> PdfResult:
    """Build the book's one-page HTML and print it to a PDF.

    Parameters
    ----------
    output : path, optional
        The build folder (jupyter-book's ``--path-output``): the one-page HTML goes to
        ``output/_build/singlehtml`` and the executed outputs are taken from
        ``output/_build/.jupyter_cache``, the cache of ``python3 tasks.py book`` by default (the
        repository's root; ``_build_student`` for the student edition).
    student : bool
        Print the problems-only student edition (built as ``dgmbook.build`` builds it).
    pdf : path, optional
        Where to write the PDF; by default ``output/_build/html/book.pdf`` (``book-student.pdf``),
        next to the HTML pages whose download menu links to it. The full edition's pages are also
        printed one by one, into the PDF's folder: ``book/q1_nce_cd.pdf`` next to ``book.pdf``
        (each page's download menu links its own).
    execute : {"cache", "force", "off"}
        myst-nb's execution mode for the full edition; ``"cache"`` reuses the outputs of the
        HTML build. The student edition is never executed.
    """
    student = check_bool("student", student)
    if output is None:
        output = STUDENT_OUTPUT if student else ROOT
    output = _as_path("output", output).resolve()
    if not isinstance(execute, str):
        raise TypeError(f"execute must be one of 'cache', 'force', 'off', got {type(execute).__name__}")
    if execute not in ("cache", "force", "off"):
        raise ValueError(f"execute must be one of 'cache', 'force', 'off', got {execute!r}")
    if pdf is None:
        pdf = output / "_build" / "html" / (STUDENT_PDF_NAME if student else FULL_PDF_NAME)
    pdf = _as_path("pdf", pdf, suffix=".pdf").resolve()

    start = time.perf_counter()
    result = build_book(output, execute=execute, student=student, extra_args=SINGLEHTML_ARGS,
                        mathjax_version=3)
    single_dir = output / "_build" / "singlehtml"
    root_doc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf8"))["root"]
    if not (single_dir / f"{root_doc}.html").exists():
        raise RuntimeError("the one-page HTML build failed:\n" + (result.log[-5000:] or "(no log)"))
    html = _print_copy(single_dir, root_doc)
    config = load_config()
    commit = _git_commit()
    printed = f"Printed {_dt.date.today().isoformat()}" + (f" from commit {commit}" if commit else "")
    meta = [line for line in (str(config.get("author") or ""), printed,
                              str(config.get("repository", {}).get("url", ""))) if line]
    edition = ("Student edition: the questions" if student
               else "The full edition: questions, worked solutions, code and results")
    # The same title as the edition's HTML (build_book names the student edition so).
    title = config["title"] + (" (student edition)" if student else "")
    printing = print_html_to_pdf(html, pdf, title=title, edition=edition, meta=tuple(meta),
                                 mathjax_dir=local_mathjax(), site=site_url(config), root_doc=root_doc,
                                 chapters=None if student else pdf.parent)
    return PdfResult(pdf, result, html, time.perf_counter() - start, printing)


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dgmbook.pdf", description=__doc__.split("\n")[0])
    parser.add_argument("--student", action="store_true", help="the student edition's PDF")
    parser.add_argument("--output", type=Path, default=None,
                        help="where to write the PDF (default: next to the HTML, _build/html/book.pdf)")
    args = parser.parse_args(argv)
    tools = (("chromium", _chromium_or_none()), ("poppler-utils", shutil.which("pdftotext")))
    missing = [name for name, tool in tools if tool is None]
    if missing:
        print(f"The print edition needs the Debian packages {' '.join(DEBIAN_PACKAGES)}; missing: "
              f"{', '.join(missing)}.\n  sudo apt-get install {' '.join(DEBIAN_PACKAGES)}", file=sys.stderr)
        return 1
    result = build_pdf(student=args.student, pdf=args.output)
    for line in result.warnings:
        print(line)
    for problem in result.printing.problems:
        print(f"print edition: {problem}")
    if result.printing.chapters:
        print(f"print edition: every page also alone, {len(result.printing.chapters)} PDFs next to the "
              f"book's ({result.printing.chapters[0].relative_to(result.path.parent)}, ...)")
    print(f"print edition: {result.printing.formulas} formulas with an alt text, "
          f"{result.printing.spoken} of them spoken (the others: their TeX)")
    if result.printing.shrunk:
        print(f"print edition: {result.printing.shrunk} display equation(s) wider than the printed column "
              "were set smaller to fit")
    executed = [Path(page).name for page in result.executed]
    print(f"{result.pages} pages, {result.printing.entries} contents entries, in {result.seconds:.0f} s "
          f"(one-page HTML build {result.build.seconds:.0f} s; "
          + ("the student edition is not executed)" if args.student else
             f"executed: {', '.join(executed) or 'none'}, the rest from the execution cache)")
          + (f"; {len(result.warnings)} build warning(s), which are errors" if result.warnings else ""))
    print(result.path)
    return 1 if (result.warnings or result.printing.problems) else 0


def _chromium_or_none() -> str | None:
    try:
        return _chromium()
    except RuntimeError:
        return None


if __name__ == "__main__":
    sys.exit(_main())
