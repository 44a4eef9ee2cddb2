"""The book builds, from scratch, with every notebook executed and every warning an error.

These tests guard what a reader sees: no page carries an error output, a traceback or a stray
warning; every chapter of the table of contents is built; the downloadable and launchable notebooks
exist; the student edition holds the questions and nothing of the solutions. Two small broken books
check that the guard itself works: a failing cell and a bad cross-reference each fail the build.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from dgmbook.build import ROOT, build_book, chapter_sources, load_config, sync_notebooks

pytestmark = pytest.mark.book


class _ClassCollector(HTMLParser):
    """Collects the class attributes and the visible text of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.classes: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "class" in attrs and attrs["class"]:
            self.classes.extend(attrs["class"].split())
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _parse(path: Path) -> _ClassCollector:
    parser = _ClassCollector()
    parser.feed(path.read_text(encoding="utf8"))
    return parser


def _pages(html_dir: Path) -> list[Path]:
    return sorted(p for p in html_dir.rglob("*.html")
                  if "_static" not in p.parts and p.name not in ("genindex.html", "search.html"))


def test_book_builds_without_warnings(built_book):
    assert built_book.returncode == 0, "\n".join(built_book.warnings) or built_book.log[-5000:]
    assert built_book.warnings == []


def test_every_page_of_the_toc_is_built(built_book):
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]
    stack = list(toc["chapters"])
    while stack:
        entry = stack.pop()
        names.append(entry["file"])
        stack.extend(entry.get("sections", []))
    for name in names:
        assert (built_book.html_dir / f"{name}.html").exists(), name


def test_no_page_shows_an_error_a_traceback_or_stderr(built_book):
    bad_classes = {"traceback", "stderr", "error", "system-message"}
    for page in _pages(built_book.html_dir):
        parsed = _parse(page)
        found = bad_classes.intersection(parsed.classes)
        assert not found, f"{page.name} has outputs of class {sorted(found)}"
        text = "".join(parsed.text)
        assert "Traceback (most recent call last)" not in text, page.name


def test_chapters_offer_the_notebook_for_download_and_launch(built_book):
    repo = load_config()["repository"]["url"].rstrip("/")
    org_repo = repo.split("github.com/")[1]
    for source in chapter_sources():
        rel = source.relative_to(ROOT).with_suffix("")
        # sphinx-book-theme copies the executed notebook next to the sources for "Download .ipynb".
        assert (built_book.html_dir / "_sources" / f"{rel}.ipynb").exists(), rel
        links = _parse(built_book.html_dir / f"{rel}.html").links
        colab = [link for link in links if link.startswith("https://colab.research.google.com")]
        assert colab == [f"https://colab.research.google.com/github/{org_repo}/blob/main/{rel}.ipynb"], colab


def test_paired_notebooks_are_in_sync():
    stale = sync_notebooks(check=True)
    assert stale == [], f"run `python3 tasks.py sync`: stale {[str(p.name) for p in stale]}"


def test_colab_install_cell_points_at_the_configured_repository():
    repo = load_config()["repository"]["url"].rstrip("/")
    for source in chapter_sources():
        text = source.read_text(encoding="utf8")
        urls = re.findall(r"git\+(https://[^\"' ]+)", text)
        assert urls == [repo], f"{source.name}: install URL {urls} differs from _config.yml's {repo}"


def test_numbers_in_prose_are_glued_not_typed():
    """A chapter's prose (outside code, math and exercises) quotes no decimal number by hand."""
    for source in chapter_sources():
        text = source.read_text(encoding="utf8").split("\n---\n", 1)[1]  # drop the jupytext header
        text = re.sub(r"```.*?```", "", text, flags=re.S)  # code cells, directives' bodies
        text = re.sub(r"`{3,}.*?`{3,}", "", text, flags=re.S)
        text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
        text = re.sub(r"\$[^$]*\$", "", text)
        text = re.sub(r"\{[a-z:]+\}`[^`]*`", "", text)  # roles: glue, cite, ref, eq
        text = re.sub(r"`[^`]*`", "", text)
        typed = re.findall(r"(?<![\w.\-])\d+\.\d{2,}(?![\w.])", text)
        assert typed == [], f"{source.name}: numbers typed in prose {typed[:5]} -- glue them"


def test_student_edition_holds_the_questions_and_no_solutions(built_book, student_book):
    assert student_book.returncode == 0, "\n".join(student_book.warnings) or student_book.log[-5000:]
    assert student_book.warnings == []
    for source in chapter_sources():
        rel = source.relative_to(ROOT).with_suffix(".html")
        full, student = _parse(built_book.html_dir / rel), _parse(student_book.html_dir / rel)
        assert student.classes.count("exercise") == full.classes.count("exercise") > 0, rel
        assert "solution" not in student.classes, rel
        assert "cell_input" not in student.classes and "cell_output" not in student.classes, rel
        assert "(student edition)" in "".join(student.text)
        # Nothing of the removed sections survives, not even in the page's table of contents.
        page = (student_book.html_dir / rel).read_text(encoding="utf8")
        assert "Beyond the question" not in page and "solution-content" not in page, rel


def _tiny_book(tmp_path: Path, page: str) -> Path:
    """A one-page book with this book's configuration, extensions and bibliography."""
    root = tmp_path / "tiny"
    (root / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copy(ROOT / "book" / "references.bib", root / "book" / "references.bib")
    shutil.copytree(ROOT / "book" / "_ext", root / "book" / "_ext")
    shutil.copytree(ROOT / "book" / "_static", root / "book" / "_static")
    (root / "_toc.yml").write_text("format: jb-book\nroot: book/page\n")
    header = chapter_sources()[0].read_text(encoding="utf8").split("---\n")[1]
    (root / "book" / "page.md").write_text(f"---\n{header}---\n\n# A page\n\n{page}\n", encoding="utf8")
    return root


def test_a_failing_cell_fails_the_build(tmp_path):
    root = _tiny_book(tmp_path, "```{code-cell} ipython3\nraise ValueError('broken on purpose')\n```\n")
    result = build_book(tmp_path / "out", root=root)
    assert result.returncode != 0
    assert "broken on purpose" in result.log


def test_a_bad_cross_reference_fails_the_build(tmp_path):
    page = "See {ref}`a-label-that-does-not-exist`.\n\n```{code-cell} ipython3\n1 + 1\n```\n"
    root = _tiny_book(tmp_path, page)
    result = build_book(tmp_path / "out", root=root)
    assert result.returncode != 0
    assert any("a-label-that-does-not-exist" in w for w in result.warnings)
