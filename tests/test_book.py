"""The book builds, from scratch, with every notebook executed and every warning an error.

These tests guard what a reader sees: no page carries an error output, a traceback or a stray
warning; every chapter of the table of contents is built; the downloadable and launchable notebooks
exist; the student edition holds the questions and nothing of the solutions. Two small broken books
check that the guard itself works: a failing cell and a bad cross-reference each fail the build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml

from dgmbook.build import ROOT, build_book, chapter_sources, load_config, student_toc, sync_notebooks
from dgmbook.exercises import EXERCISES, exercises_of, stub_source

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


def test_no_folded_check_cell_shows_a_stray_value(built_book):
    """A folded (hide-input) cell shows what it means to show (a figure, a printed table, a failed
    claim's box), never the bare value of its last expression (a glue(...) left without ';')."""
    # The download menu's notebooks carry the build's outputs (dgmbook.reader_notebooks), with the
    # pages' cell tags; myst-nb's own jupyter_execute copies have no outputs in cache mode.
    downloads = sorted((built_book.html_dir / "_sources" / "book").glob("*.ipynb"))
    assert len(downloads) == len(chapter_sources()), [p.name for p in downloads]
    stray = []
    folded_outputs = 0
    for notebook in downloads:
        for index, cell in enumerate(nbformat.read(notebook, as_version=4).cells):
            if cell.cell_type != "code" or "hide-input" not in cell.metadata.get("tags", []):
                continue
            folded_outputs += len(cell.get("outputs", []))
            for output in cell.get("outputs", []):
                if output.get("output_type") == "execute_result" and set(output["data"]) == {"text/plain"}:
                    stray.append(f"{notebook.name}, cell {index}: {output['data']['text/plain'][:50]}")
    # Folded cells do show figures and tables: a reading of notebooks without outputs would pass
    # whatever the cells showed.
    assert folded_outputs >= 20, f"only {folded_outputs} outputs in folded cells: are outputs saved?"
    assert not stray, "folded cells that show a stray value:\n" + "\n".join(stray)


def test_chapters_offer_the_notebook_for_download_and_launch(built_book):
    repo = load_config()["repository"]["url"].rstrip("/")
    org_repo = repo.split("github.com/")[1]
    for source in chapter_sources():
        rel = source.relative_to(ROOT).with_suffix("")
        # sphinx-book-theme copies the executed notebook next to the sources for "Download .ipynb".
        assert (built_book.html_dir / "_sources" / f"{rel}.ipynb").exists(), rel
        links = _parse(built_book.html_dir / f"{rel}.html").links
        colab = [link for link in links if link.startswith("https://colab.research.google.com")]
        # The reader's notebook (dgmbook.reader_notebooks), not the jupytext pair.
        reader = f"https://colab.research.google.com/github/{org_repo}/blob/main/notebooks/{rel}.ipynb"
        assert colab == [reader], colab
        assert (ROOT / "notebooks" / f"{rel}.ipynb").is_file(), rel


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


def _page_kind(source: Path) -> str:
    """"your-turn" (coding exercises), "dropped" (left out of the student edition) or "core"."""
    name = str(source.relative_to(ROOT).with_suffix(""))
    if source.stem.endswith("_your_turn"):
        return "your-turn"
    return "dropped" if name in student_toc({"root": "x", "chapters": [{"file": name}]})[1] else "core"


def test_student_edition_holds_the_questions_and_no_solutions(built_book, student_book):
    assert student_book.returncode == 0, "\n".join(student_book.warnings) or student_book.log[-5000:]
    assert student_book.warnings == []
    for source in chapter_sources():
        if _page_kind(source) != "core":
            continue
        rel = source.relative_to(ROOT).with_suffix(".html")
        full, student = _parse(built_book.html_dir / rel), _parse(student_book.html_dir / rel)
        assert student.classes.count("exercise") == full.classes.count("exercise") > 0, rel
        assert "solution" not in student.classes, rel
        assert "cell_input" not in student.classes and "cell_output" not in student.classes, rel
        assert "(student edition)" in "".join(student.text)
        # Nothing of the removed sections survives, not even in the page's table of contents.
        page = (student_book.html_dir / rel).read_text(encoding="utf8")
        assert "Beyond the question" not in page and "solution-content" not in page, rel


def test_student_edition_leaves_out_the_answers_and_the_beyond_pages(student_book):
    assert student_book.returncode == 0, "\n".join(student_book.warnings) or student_book.log[-5000:]
    html = student_book.html_dir
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    _, dropped = student_toc(toc)
    assert "book/answers" in dropped and any(name.endswith("_beyond") for name in dropped)
    for name in dropped:
        assert not (html / f"{name}.html").exists(), name
    for page in _pages(html):
        parsed = _parse(page)
        assert "answer" not in parsed.classes, f"{page.name} shows an Answer box"
        assert "btn-download-source-button" not in parsed.classes, f"{page.name} offers its source"
        links = parsed.links
        assert not any(link.startswith("https://colab.research.google.com") for link in links), page.name
        assert not any(f"{Path(name).name}.html" in link for link in links for name in dropped), page.name
    # Every page with exercises links its student notebook, which is in the site.
    for source in chapter_sources():
        rel, kind = source.relative_to(ROOT).with_suffix(".html"), _page_kind(source)
        if kind == "dropped" or (kind == "core" and "exercise" not in _parse(html / rel).classes):
            continue
        assert f"../notebooks/{source.stem}.ipynb" in _parse(html / rel).links, rel
        assert (html / "notebooks" / f"{source.stem}.ipynb").is_file(), rel
    # No copy of the sources (which hold the solutions) is offered for download.
    assert not list((html / "_sources").rglob("*.md")) and not list((html / "_sources").rglob("*.ipynb"))


def test_student_edition_turns_the_references_into_stubs_and_links_their_notebooks(built_book, student_book):
    html = student_book.html_dir
    for source in chapter_sources():
        if _page_kind(source) != "your-turn":
            continue
        rel = source.relative_to(ROOT).with_suffix(".html")
        page = (html / rel).read_text(encoding="utf8")
        names = exercises_of(source.stem[:2])
        text = "".join(_parse(html / rel).text)
        assert text.count("raise NotImplementedError") == len(names), rel
        assert page.count("student-stub") == len(names) and "tag_hide-cell" not in page, rel
        full_text = "".join(_parse(built_book.html_dir / rel).text)
        for name in names:
            assert f'check("{name}", {EXERCISES[name].function})' in text, name
        # No line of a reference's body reaches the student page; the full page shows them (folded).
        for cell in jupytext.read(source).cells:
            if "reference" in cell.metadata.get("tags", []):
                body = set(cell.source.splitlines()) - set(stub_source(cell.source).splitlines())
                for line in (b.strip() for b in body if len(b.strip()) > 12):
                    assert line not in text and line in full_text, (rel, line)
        href = f"../notebooks/{source.stem}.ipynb"
        assert href in _parse(html / rel).links, rel
        notebook = nbformat.read(html / "notebooks" / f"{source.stem}.ipynb", as_version=4)
        assert notebook.metadata["dgmbook"]["exercises"] == names
        code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
        assert code.count("raise NotImplementedError") == len(names) and "assert_all_passed" not in code


def test_student_toc_drops_the_answers_and_every_beyond_page():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    kept, dropped = student_toc(toc)
    assert "book/answers" in dropped
    assert sorted(n for n in dropped if n != "book/answers") == sorted(
        e["file"] for e in _toc_entries(toc) if e["file"].endswith(("_beyond", "_experiments")))
    kept_files = [e["file"] for e in _toc_entries(kept)]
    assert not set(kept_files) & set(dropped)
    assert all(f"book/q{q}_your_turn" in kept_files for q in (1, 2, 3, 4))


def _toc_entries(toc: dict) -> list[dict]:
    stack, found = list(toc.get("chapters", [])), []
    while stack:
        entry = stack.pop()
        found.append(entry)
        stack.extend(entry.get("sections", []))
    return found


def _tiny_book(tmp_path: Path, page: str) -> Path:
    """A one-page book with this book's configuration, extensions and bibliography."""
    root = tmp_path / "tiny"
    (root / "book").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", root / "_config.yml")
    shutil.copy(ROOT / "book" / "references.bib", root / "book" / "references.bib")
    shutil.copytree(ROOT / "book" / "_ext", root / "book" / "_ext")
    shutil.copytree(ROOT / "book" / "_static", root / "book" / "_static")
    shutil.copytree(ROOT / "book" / "_extra", root / "book" / "_extra")
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


def test_a_failing_exercise_check_fails_the_build(tmp_path):
    """A Your-turn page whose reference does not pass its check cannot be built."""
    page = (
        "```{code-cell} ipython3\n:tags: [reference]\n\n"
        "def posterior_variance(t, alphas):\n    return 1 - alphas[t - 1]\n```\n\n"
        "```{code-cell} ipython3\nfrom dgmbook.exercises import check\n\n"
        "check(\"q4-posterior-variance\", posterior_variance)\n```\n\n"
        "```{code-cell} ipython3\n:tags: [remove-cell, build-only]\n\n"
        "from dgmbook.exercises import assert_all_passed\n\n"
        "assert_all_passed(\"q4-posterior-variance\")\n```\n"
    )
    result = build_book(tmp_path / "out", root=_tiny_book(tmp_path, page))
    assert result.returncode != 0
    assert "exercises that did not pass" in result.log and "this is β_t" in result.log


_CLAIM_PAGE = (
    "```{code-cell} ipython3\n:tags: [hide-input]\n\n"
    "from dgmbook.claims import claim_below\n\n"
    "claim_below(\"the page's sentence about the error\", 2.0, 1.0, unit=\"nats\")\n```\n\n"
    "```{code-cell} ipython3\nprint('the page ran on')\n```\n"
)


def test_a_failed_claim_fails_the_books_build_with_its_sentence(tmp_path):
    result = build_book(tmp_path / "out", root=_tiny_book(tmp_path, _CLAIM_PAGE))
    assert result.returncode != 0
    assert "ClaimFailed" in result.log and "the page's sentence about the error" in result.log
    assert "measured 2 nats, which should be below 1 nats" in result.log


def test_a_failed_claim_is_flagged_on_the_page_in_explore_mode(tmp_path):
    log = tmp_path / "claims.jsonl"
    result = build_book(tmp_path / "out", root=_tiny_book(tmp_path, _CLAIM_PAGE), claims="explore",
                        claims_log=log)
    assert result.returncode == 0, result.log[-2000:]
    html = (result.html_dir / "book" / "page.html").read_text(encoding="utf8")
    assert "claim-failed" in html and "With your settings this no longer holds" in html
    assert "the page ran on" in html
    assert "False" not in html, "a claim shows its box, not its value"
    assert [json.loads(line)["holds"] for line in log.read_text().splitlines()] == [False]


def test_the_books_sphinx_configuration_makes_its_builds_strict(monkeypatch):
    """A plain ``jupyter-book build`` of this book is strict too: the extension sets the default."""
    import importlib.util

    monkeypatch.delenv("DGMBOOK_CLAIMS", raising=False)
    spec = importlib.util.spec_from_file_location("claims_mode", ROOT / "book" / "_ext" / "claims_mode.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.setup(object())
    assert os.environ["DGMBOOK_CLAIMS"] == "strict"
    monkeypatch.setenv("DGMBOOK_CLAIMS", "explore")
    module.setup(object())
    assert os.environ["DGMBOOK_CLAIMS"] == "explore", "an explicit choice of the caller wins"
