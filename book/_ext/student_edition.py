"""The student edition: the same sources, problems only.

When sphinx-exercise's ``hide_solutions`` is true, sphinx-exercise drops ``{solution}`` blocks, but
not what stands *between* the gated ``{solution-start}``/``{solution-end}`` markers, nor the prose,
code and "Beyond the question" sections around the exercises. This extension completes the job: in
every chapter that holds exercises it keeps the titles, the section headings and the exercise
blocks, and removes everything else; a section that then holds no exercise is removed whole.
Pages without exercises (introduction, notation, references) are left as they are.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

#: The node classes of an exercise block (numbered, and unnumbered with ``:nonumber:``).
EXERCISE_NODES: tuple[type, ...] = (exercise_enumerable_node, exercise_node)

KEEP_ALWAYS = (nodes.title, nodes.target)


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


def strip_to_questions(app: Sphinx, doctree: nodes.document) -> None:
    """Reduce a chapter with exercises to its questions (only when ``hide_solutions`` is set).

    Runs on ``doctree-read`` ahead of Sphinx's own listeners (priority 100 < 500), so that the
    page's table of contents, collected from the same event, lists only what is left.
    """
    if not app.config.hide_solutions or not _has_exercise(doctree):
        return
    for top in [n for n in doctree.children if isinstance(n, nodes.section)]:
        _prune(top)
    # Notebook-level leftovers outside any section (e.g. the first code cell) go too.
    for child in list(doctree.children):
        if not isinstance(child, nodes.section) and not _keeps(child):
            doctree.remove(child)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", strip_to_questions, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
