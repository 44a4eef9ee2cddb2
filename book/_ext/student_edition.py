"""The student edition: the same sources, problems only.

When sphinx-exercise's ``hide_solutions`` is true, sphinx-exercise drops ``{solution}`` blocks, but
not what stands *between* the gated ``{solution-start}``/``{solution-end}`` markers, nor the prose,
code and "Beyond the question" sections around the exercises. This extension completes the job: in
every chapter that holds exercises it keeps the titles, the section headings and the exercise
blocks, and removes everything else; a section that then holds no exercise is removed whole.
Pages without exercises (introduction, notation, references) are left as they are.

The "Your turn" pages hold coding exercises instead: there, each cell tagged ``reference`` (the
book's solution, folded in the full edition) becomes a visible stub with the function's signature
and docstring (``dgmbook.exercises.stub_source``) and the ``check(...)`` cells stay. Every page with
exercises links its student notebook (``dgmbook.exercises.student_notebook``: the stubs and checks
of a "Your turn" page, the questions of a chapter), written to ``notebooks/`` in the built site
of both editions (the full edition's is the published one, where the student PDF links them).
One source, two editions: nothing to drift.

The pages the student edition leaves out (the answers at a glance, the beyond pages) are dropped
from its table of contents by ``dgmbook.build``, which passes their labels in
``student_dropped_labels``: a reference to one of them becomes plain text instead of a broken link.
Any Answer box (an admonition of class ``answer``) left anywhere is removed, and the pages offer no
download of their sources.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

#: The node classes of an exercise block (numbered, and unnumbered with ``:nonumber:``).
EXERCISE_NODES: tuple[type, ...] = (exercise_enumerable_node, exercise_node)

KEEP_ALWAYS = (nodes.title, nodes.target)

#: Tag of a "Your turn" cell holding an exercise's function (see ``dgmbook.exercises``).
REFERENCE_TAG = "reference"

#: Folder of the built site that receives the student notebooks.
NOTEBOOK_DIR = "notebooks"

#: The Sphinx tag set in the student edition (for ``{only}`` blocks).
STUDENT_TAG = "student"


def _has_exercise(node: nodes.Node) -> bool:
    return any(True for _ in node.findall(lambda n: isinstance(n, EXERCISE_NODES)))


def _keeps(node: nodes.Node) -> bool:
    """Titles, targets, exercises, and the table of contents of sub-pages (Jupyter Book puts a
    toctree into a chapter that has sections; without it the sub-page would be orphaned)."""
    if isinstance(node, KEEP_ALWAYS + EXERCISE_NODES + (addnodes.toctree,)):
        return True
    return isinstance(node, nodes.Element) and any(True for _ in node.findall(addnodes.toctree))


def _prune(section: nodes.Element) -> None:
    """Strip ``section`` to its headings, exercises and sub-page toctree; drop empty subsections."""
    for child in list(section.children):
        if isinstance(child, nodes.section):
            if _has_exercise(child) or any(True for _ in child.findall(addnodes.toctree)):
                _prune(child)
            else:
                section.remove(child)
        elif not _keeps(child):
            section.remove(child)


def _cell_tags(node: nodes.Node) -> list[str]:
    metadata = node.get("cell_metadata") or {} if isinstance(node, nodes.Element) else {}
    return list(metadata.get("tags", []) or [])


def _reference_cells(doctree: nodes.document) -> list[nodes.container]:
    return [node for node in doctree.findall(nodes.container)
            if node.get("nb_element") == "cell_code" and REFERENCE_TAG in _cell_tags(node)]


def _notebook_link(docname: str) -> nodes.paragraph:
    """A paragraph linking the page's student notebook (relative to the page's folder)."""
    stem = Path(docname).name
    depth = docname.count("/")
    href = "../" * depth + f"{NOTEBOOK_DIR}/{stem}.ipynb"
    para = nodes.paragraph(classes=["student-notebook-link"])
    para += nodes.strong(text="Work on this page as a notebook: ")
    para += nodes.reference("", f"download {stem}.ipynb", refuri=href, internal=False)
    para += nodes.Text(" (open it in Jupyter, or upload it to Colab).")
    return para


def stub_your_turn(app: Sphinx, doctree: nodes.document) -> bool:
    """Turn a "Your turn" page's reference cells into visible stubs; return whether it is one."""
    from dgmbook.exercises import stub_source

    cells = _reference_cells(doctree)
    if not cells:
        return False
    for cell in cells:
        cell.attributes.pop("hide_mode", None)
        cell["classes"] = [c for c in cell["classes"] if c not in ("tag_hide-cell", "tag_hide-input")]
        cell["classes"].append("student-stub")
        for child in list(cell.children):
            if child.get("nb_element") == "cell_code_output":
                cell.remove(child)
        for block in cell.findall(nodes.literal_block):
            stub = stub_source(block.astext())
            block.children = [nodes.Text(stub)]
            block.rawsource = stub
    _add_notebook_link(app, doctree)
    return True


def _add_notebook_link(app: Sphinx, doctree: nodes.document) -> None:
    """Link the page's student notebook under its title, and remember to write that notebook."""
    titles = [s for s in doctree.children if isinstance(s, nodes.section)]
    if titles:
        section = titles[0]
        index = next((i + 1 for i, c in enumerate(section.children) if isinstance(c, nodes.title)), 0)
        section.insert(index, _notebook_link(app.env.docname))
    _remember_notebook(app)


def _remember_notebook(app: Sphinx) -> None:
    app.env.student_notebook_docs = getattr(app.env, "student_notebook_docs", set()) | {app.env.docname}


def _drop_answer_boxes(doctree: nodes.document) -> None:
    for node in list(doctree.findall(nodes.admonition)):
        if "answer" in node.get("classes", []) and node.parent is not None:
            node.parent.remove(node)


def strip_to_questions(app: Sphinx, doctree: nodes.document) -> None:
    """Reduce a chapter with exercises to its questions (only when ``hide_solutions`` is set).

    Runs on ``doctree-read`` ahead of Sphinx's own listeners (priority 100 < 500), so that the
    page's table of contents, collected from the same event, lists only what is left.
    """
    if not app.config.hide_solutions:
        # The full site publishes the student notebooks too (the same nine, written by
        # write_student_notebooks): the student edition's PDF links them there.
        if _reference_cells(doctree) or _has_exercise(doctree):
            _remember_notebook(app)
        return
    _drop_answer_boxes(doctree)
    if stub_your_turn(app, doctree) or not _has_exercise(doctree):
        return
    for top in [n for n in doctree.children if isinstance(n, nodes.section)]:
        _prune(top)
    # Notebook-level leftovers outside any section (e.g. the first code cell) go too.
    for child in list(doctree.children):
        if not isinstance(child, nodes.section) and not _keeps(child):
            doctree.remove(child)
    _add_notebook_link(app, doctree)


def resolve_dropped(app: Sphinx, env, node: addnodes.pending_xref, contnode: nodes.Element):
    """A reference to a page the student edition leaves out becomes its text, not a broken link."""
    if not app.config.hide_solutions:
        return None
    target = node.get("reftarget", "")
    dropped = set(app.config.student_dropped_labels or [])
    if node.get("reftype") in ("ref", "numref", "doc", "myst") and target.lower() in dropped:
        return nodes.inline("", "", *contnode.children) if contnode is not None else nodes.inline(text=target)
    return None


def write_student_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Write the student notebook of each page with exercises into ``notebooks/`` of the built site
    (of both editions: the published site, the full edition's, is where the student PDF links them)."""
    if exception is not None or app.builder.format != "html":
        return
    import nbformat

    from dgmbook.exercises import student_notebook

    target = Path(app.outdir) / NOTEBOOK_DIR
    for docname in sorted(getattr(app.env, "student_notebook_docs", set())):
        target.mkdir(parents=True, exist_ok=True)
        notebook = student_notebook(app.env.doc2path(docname))
        nbformat.write(notebook, target / f"{Path(docname).name}.ipynb")


def _merge_docs(app: Sphinx, env, docnames, other) -> None:
    env.student_notebook_docs = (getattr(env, "student_notebook_docs", set())
                                 | getattr(other, "student_notebook_docs", set()))


def _purge_doc(app: Sphinx, env, docname: str) -> None:
    env.student_notebook_docs = getattr(env, "student_notebook_docs", set()) - {docname}


def no_source_downloads(app: Sphinx, config) -> None:
    """The student edition offers no download of a page's source, which holds the solutions, and
    sets the tag ``student``, so that a page can say what only one edition holds:
    ``{only} student`` / ``{only} not student`` blocks (the introduction's)."""
    if config.hide_solutions:
        app.tags.add(STUDENT_TAG)
        options = dict(config.html_theme_options or {})
        options["use_download_button"] = False
        config.html_theme_options = options


def setup(app: Sphinx) -> dict:
    app.add_config_value("student_dropped_labels", [], "env")
    app.connect("config-inited", no_source_downloads)
    app.connect("doctree-read", strip_to_questions, priority=100)
    app.connect("missing-reference", resolve_dropped)
    app.connect("env-merge-info", _merge_docs)
    app.connect("env-purge-doc", _purge_doc)
    app.connect("build-finished", write_student_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
