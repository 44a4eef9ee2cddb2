"""Answer boxes and the "Answers at a glance" page, from one source.

Every part's solution opens with an Answer box::

    :::{admonition} Answer
    :class: answer
    :name: q2-3-1-answer

    One sentence that stands alone: the result and its key formula.

    (optionally more, at most about 150 words in all)
    :::

This extension collects, while the pages are read, the *whole text* of every such box (every
paragraph, so that a warning about a slip of the assignment travels with its answer), keyed by its
name ``q<question>-<part>-answer``. The page ``book/answers.md`` holds one directive per
question::

    ```{answers-at-a-glance} 2
    :parts: 1.1 1.2 2.1 2.2 3.1 3.2 4.1 4.2 4.3
    ```

which becomes a table, a row per part: the part, linked to its Answer box, and the box's text; the
heading of the section holding the directive becomes the title of the chapter those boxes are in.
The answers and the headings are therefore written once, in the chapters, and cannot drift. A
listed part without an Answer box, a box whose name is not of that form, or an Answer box of a part
the page does not list is a build warning (an error in the book's builds, which treat warnings as
errors); so is a cross-reference inside an Answer box (an Answer stands alone: its links belong to
the derivation).
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

ANSWER_TITLE = "Answer"
NAME = re.compile(r"^q(?P<question>[1-9])-(?P<part>[0-9]+(?:-[0-9]+)*)-answer$")


class answers_table(nodes.General, nodes.Element):
    """Placeholder for a question's table of answers; filled in when the page is resolved."""


def _part_label(question: str, part: str) -> str:
    """``"3-1"`` -> ``"3.1"``; Question 4's items are single numbers: ``"1"`` -> ``"Item 1"``."""
    dotted = part.replace("-", ".")
    return f"Item {dotted}" if "." not in dotted else dotted


def _store(env: BuildEnvironment) -> dict:
    if not hasattr(env, "dgm_answers"):
        env.dgm_answers = {}
    return env.dgm_answers


def _is_answer_box(node: nodes.Node) -> bool:
    if not isinstance(node, nodes.admonition):
        return False
    titles = [child for child in node.children if isinstance(child, nodes.title)]
    return bool(titles) and titles[0].astext().strip() == ANSWER_TITLE


def collect_answers(app: Sphinx, doctree: nodes.document) -> None:
    """On ``doctree-read``: record every Answer box of the page (its first paragraph and anchor)."""
    env = app.env
    store = _store(env)
    for box in doctree.findall(_is_answer_box):
        names = [name for name in box.get("names", []) if NAME.match(name)]
        if not names:
            logger.warning(
                "an Answer box needs ':name: q<question>-<part>-answer' (e.g. q2-3-1-answer)",
                location=box,
            )
            continue
        paragraphs = [child for child in box.children if isinstance(child, nodes.paragraph)]
        if not paragraphs:
            logger.warning(f"Answer box {names[0]} has no paragraph", location=box)
            continue
        if any(True for _ in box.findall(addnodes.pending_xref)):
            logger.warning(f"Answer box {names[0]} holds a cross-reference: an Answer stands alone "
                           "(it is copied to the answers page); put the link in the derivation",
                           location=box)
        match = NAME.match(names[0])
        store[names[0]] = {
            "docname": env.docname,
            "anchor": box["ids"][0] if box.get("ids") else names[0],
            "question": match["question"],
            "part": match["part"],
            "body": [_without_ids(child) for child in box.children if not isinstance(child, nodes.title)],
        }


def _without_ids(node: nodes.Node) -> nodes.Node:
    """A copy of ``node`` whose elements carry no ids or names (the page has its own anchors)."""
    copy = node.deepcopy()
    for element in copy.findall(nodes.Element):
        element["ids"] = []
        element["names"] = []
    return copy


def purge_answers(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    store = _store(env)
    for name in [n for n, entry in store.items() if entry["docname"] == docname]:
        del store[name]


def merge_answers(app: Sphinx, env: BuildEnvironment, docnames: set, other: BuildEnvironment) -> None:
    _store(env).update(getattr(other, "dgm_answers", {}))


class AnswersAtAGlance(SphinxDirective):
    """``{answers-at-a-glance} N`` with ``:parts:``: the table of Question N's answers."""

    required_arguments = 1
    option_spec = {"parts": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        question = self.arguments[0].strip()
        if not re.fullmatch(r"[1-9]", question):
            raise self.error(f"answers-at-a-glance takes a question number, got {question!r}")
        parts = self.options.get("parts", "").split()
        if not parts:
            raise self.error("answers-at-a-glance needs :parts: (e.g. 1.1 1.2 2.1)")
        self.env.dgm_answer_pages = getattr(self.env, "dgm_answer_pages", set()) | {self.env.docname}
        node = answers_table(question=question, parts=[p.replace(".", "-") for p in parts])
        self.set_source_info(node)
        return [node]


def _table(rows: list[tuple[nodes.Node, nodes.Node]]) -> nodes.table:
    table = nodes.table(classes=["answers-at-a-glance"])
    group = nodes.tgroup(cols=2)
    table += group
    group += nodes.colspec(colwidth=12)
    group += nodes.colspec(colwidth=88)
    head = nodes.thead()
    group += head
    header = nodes.row()
    for text in ("Part", "Answer"):
        header += nodes.entry("", nodes.paragraph(text=text))
    head += header
    body = nodes.tbody()
    group += body
    for left, right in rows:
        row = nodes.row()
        row += nodes.entry("", left)
        row += nodes.entry("", right)
        body += row
    return table


def fill_tables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """On ``doctree-resolved``: replace each placeholder by its table of linked answers."""
    store = _store(app.env)
    student = bool(getattr(app.config, "hide_solutions", False))
    listed: set[str] = set()
    for placeholder in list(doctree.findall(answers_table)):
        question = placeholder["question"]
        rows = []
        chapter = None  # the page that holds the question's Answer boxes
        for part in placeholder["parts"]:
            name = f"q{question}-{part}-answer"
            listed.add(name)
            entry = store.get(name)
            if entry is None:
                if not student:
                    logger.warning(f"no Answer box named {name} in the book", location=placeholder)
                continue
            uri = app.builder.get_relative_uri(docname, entry["docname"]) + "#" + entry["anchor"]
            link = nodes.paragraph()
            link += nodes.reference("", _part_label(question, part), refuri=uri, internal=True)
            answer = nodes.container(classes=["answer-text"])
            answer.extend(child.deepcopy() for child in entry["body"])
            rows.append((link, answer))
            chapter = chapter or entry["docname"]
        if chapter is not None:
            _retitle_section(app, placeholder, docname, chapter)
        placeholder.replace_self(_table(rows) if rows else [])
    if listed and not student:
        for name in sorted(set(store) - listed):
            logger.warning(f"Answer box {name} ({store[name]['docname']}) is not listed on the "
                           f"answers page", location=docname)


def _retitle_section(app: Sphinx, placeholder: nodes.Node, docname: str, chapter: str) -> None:
    """The heading of the section that holds a question's table becomes that chapter's title.

    The answers page's headings are thereby the chapters' own titles, from the one source (the
    chapter's first heading), in the page and in its contents list; the heading written in
    ``answers.md`` only places the section.
    """
    section = placeholder.parent
    while section is not None and not isinstance(section, nodes.section):
        section = section.parent
    title = app.env.titles.get(chapter)
    if section is None or title is None or not isinstance(section[0], nodes.title):
        return
    section[0].children = []
    section[0].extend(child.deepcopy() for child in title.children)
    toc = app.env.tocs.get(docname)
    if toc is None or not section.get("ids"):
        return
    for reference in toc.findall(nodes.reference):
        if reference.get("anchorname") == "#" + section["ids"][0]:
            reference.children = []
            reference.extend(child.deepcopy() for child in title.children)


def outdated_answer_pages(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """When any page changes, the answers page is rebuilt too (its tables come from the others)."""
    if added or changed or removed:
        return sorted(getattr(env, "dgm_answer_pages", set()) - set(added) - set(changed))
    return []


def load_mathjax(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """The collected sentences hold mathematics: the answers page loads MathJax like a chapter.

    Sphinx decides per page from the math it saw while reading, and this page's math arrives only
    when its tables are filled; this runs before Sphinx's own ``html-page-context`` handler.
    """
    if pagename in getattr(app.env, "dgm_answer_pages", set()):
        app.env.get_domain("math").data["has_equations"][pagename] = True


def add_static_files(app: Sphinx) -> None:
    """The Answer boxes' style sheet ships with the extension."""
    app.config.html_static_path.append(str(Path(__file__).parent / "answers_static"))


def setup(app: Sphinx) -> dict:
    app.add_node(answers_table)
    app.add_directive("answers-at-a-glance", AnswersAtAGlance)
    app.connect("doctree-read", collect_answers)
    app.connect("env-purge-doc", purge_answers)
    app.connect("env-merge-info", merge_answers)
    app.connect("builder-inited", add_static_files)
    app.add_css_file("answers.css")
    app.connect("env-get-outdated", outdated_answer_pages)
    app.connect("doctree-resolved", fill_tables)
    app.connect("html-page-context", load_mathjax, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
