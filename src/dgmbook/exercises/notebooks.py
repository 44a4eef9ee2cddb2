"""The student edition of the "Your turn" pages, from the one source.

A cell tagged ``reference`` holds an exercise's function (signature, docstring, the book's
solution); the student edition keeps its signature and docstring and replaces the body by a stub
(:func:`stub_source`), and :func:`student_notebook` writes the downloadable notebook of a page. A
cell tagged ``build-only`` (``assert_all_passed``) fails the book build if a reference does not
pass its check.

The student notebooks read like the pages: their Markdown is converted by
:mod:`dgmbook.reader_notebooks` (directives as headed blockquotes, references as links to the online
book, the macros expanded) with the committed index of the book (``notebooks/index.json``).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dgmbook.exercises.catalogue import EXERCISES

__all__ = ["stub_source", "student_notebook"]

#: Tag of the cell holding an exercise's function (the reference solution in the full edition).
REFERENCE_TAG = "reference"
#: Tag of cells that run only in the full edition (the build's proof that the references pass).
BUILD_ONLY_TAG = "build-only"

STUB_BODY = ("    # Your code here: replace the line below.\n"
             "    raise NotImplementedError\n")


def stub_source(source: str) -> str:
    """The student's version of a ``reference`` cell: every top-level function keeps its signature
    and docstring; its body becomes a stub that raises ``NotImplementedError``.

    Parameters
    ----------
    source : str
        Python source of the cell.

    Returns
    -------
    str
        The source with each function body replaced (other top-level lines are dropped, so that no
        helper of the solution leaks).
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a string of Python code, got {type(source).__name__}")
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"source must be valid Python: {exc}") from None
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    if not functions:
        raise ValueError("source must define at least one function (a reference cell)")
    lines = source.splitlines(keepends=True)
    pieces = []
    for node in functions:
        first = min([node.lineno] + [d.lineno for d in node.decorator_list])
        body = node.body
        has_doc = (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                   and isinstance(body[0].value.value, str))
        header_end = body[0].end_lineno if has_doc else body[0].lineno - 1
        pieces.append("".join(lines[first - 1:header_end]).rstrip("\n") + "\n" + STUB_BODY)
    return "\n\n".join(pieces)


_EXERCISE_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S)


def _convert(notebook, path: Path):
    """The notebook's Markdown as Jupyter renders it (see :mod:`dgmbook.reader_notebooks`)."""
    from dgmbook.reader_notebooks import _page_name, convert_cells, load_index

    convert_cells(notebook, _page_name(path), load_index())
    notebook.metadata["dgmbook"].pop("glue", None)
    return notebook


def _questions_notebook(path: Path):
    """A problems-only notebook of a chapter: its title, then each ``{exercise}`` statement followed
    by an empty cell for the answer."""
    import nbformat

    text = path.read_text(encoding="utf8")
    title = re.search(r"^# (.+)$", text, re.M)
    cells = [nbformat.v4.new_markdown_cell(f"# {title.group(1) if title else path.stem}\n\n"
                                           "The questions of this chapter; write your answers below each.")]
    for match in _EXERCISE_BLOCK.finditer(text):
        body = "\n".join(line for line in match["body"].splitlines()
                         if not re.match(r"^:(label|nonumber|class|name):", line)).strip()
        cells.append(nbformat.v4.new_markdown_cell(f"**{match['title'].strip()}**\n\n{body}"))
        cells.append(nbformat.v4.new_markdown_cell("*Your answer:*"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["dgmbook"] = {"exercises": []}
    _convert(notebook, path)
    notebook.metadata["dgmbook"] = {"exercises": []}
    return notebook


def student_notebook(source: str | Path):
    """The student's notebook of a page. For a "Your turn" page: reference cells stubbed, build-only
    cells and hidden tags removed, the exercise names recorded in the metadata for the grader. For a
    chapter with ``{exercise}`` blocks (and no code exercises): the questions, each followed by a cell
    for the answer.

    Parameters
    ----------
    source : str or Path
        The page's MyST markdown (with a jupytext header).

    Returns
    -------
    nbformat.NotebookNode
    """
    import jupytext

    if not isinstance(source, (str, Path)):
        raise TypeError(f"source must be a path to a .md page, got {type(source).__name__}")
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"source must be an existing .md page, got {str(path)!r}")
    notebook = jupytext.read(path)
    if not any(REFERENCE_TAG in c.get("metadata", {}).get("tags", []) for c in notebook.cells):
        if _EXERCISE_BLOCK.search(path.read_text(encoding="utf8")) is None:
            raise ValueError(f"source must be a page with exercises, got {str(path)!r}")
        return _questions_notebook(path)
    cells = []
    for cell in notebook.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if BUILD_ONLY_TAG in tags:
            continue
        if cell.cell_type == "code" and REFERENCE_TAG in tags:
            cell.source = stub_source(cell.source)
            tags = [t for t in tags if t not in ("hide-cell", "hide-input", REFERENCE_TAG)] + ["exercise"]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
        cells.append(cell)
    notebook.cells = cells
    names = []
    for cell in cells:
        if cell.cell_type == "code":
            names += [n for n in EXERCISES if f'check("{n}"' in cell.source or f"check('{n}'" in cell.source]
    chapters = list(dict.fromkeys(EXERCISES[n].page for n in names))
    chapter = chapters[0] if len(chapters) == 1 else None
    notebook.metadata["dgmbook"] = {"chapter": chapter, "exercises": names}
    notebook.metadata.pop("jupytext", None)
    _convert(notebook, path)
    notebook.metadata["dgmbook"] = {"chapter": chapter, "exercises": names}
    return notebook

