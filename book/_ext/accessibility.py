"""Accessibility of the site (WCAG 2.1 AA), fixed once at the source rather than page by page.

An audit with axe-core (tests/test_accessibility.py) found these on every page; each is fixed here:

1. **Folded cells** (myst-nb's ``hide-input``/``hide-cell``/``hide-output``): the ``<summary>`` said
   "Show code cell source" and was labelled "Toggle hidden content", a name that does not contain its
   visible text (WCAG 2.5.3). It now says what it hides, read from the cell itself: "Show the check:
   <the statement of its first claim>", or "Show the code: <its first comment>"; the summary takes
   its name from that visible text (myst-nb's node visitor is replaced by one without the label).
2. **References**: docutils marks each entry ``role="doc-biblioentry"`` (deprecated in DPUB-ARIA
   1.1) inside a ``role="list"``, which then has no list items. The entries become list items.
3. **The theme's templates** (pydata-sphinx-theme 0.16, sphinx-book-theme 1.2), fixed in the page
   sphinx writes: the search field's label "Search" hid its visible text "Search Ctrl+K"; the colour
   mode button's icons carried titles ("Light") that its label "Color mode" did not contain; the
   sidebar's chapter expanders (``<summary>`` with only a chevron) had no name at all: they now say
   "Sections of <chapter>" to a screen reader.
4. **Colours and focus** (``_static/accessibility.css``): links on the tinted backgrounds of theorem,
   proof and table rows fell below 4.5:1 in both colour modes; the sidebar button and the header's
   menus showed no focus ring. ``_static/accessibility.js`` keeps the focus on the sidebar and
   colour-mode buttons when they are pressed from the keyboard (the theme dropped it).
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parents[1] / "_static"
CSS_FILE = "accessibility.css"
JS_FILE = "accessibility.js"
#: The functions of ``dgmbook.claims`` whose first argument is the statement a check makes.
CLAIM_FUNCTIONS = ("claim", "claim_below", "claim_above", "claim_close")
#: The longest summary text; a longer statement is cut at a word and ends with "…".
MAX_SUMMARY = 110


# --- 1. Folded cells -------------------------------------------------------------------------------

def _shorten(text: str, limit: int = MAX_SUMMARY) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def _string_value(node: ast.AST) -> str | None:
    """The text of a string literal (an f-string's fields become "…"), else ``None``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "…" for part in node.values)
    return None


def claim_statements(source: str) -> list[str]:
    """The statements of the checks (``claim``, ``claim_below``, ...) a cell's code makes, in order."""
    # IPython magics and shell lines are not Python: blank them out, keeping the line numbers.
    python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                       for line in source.splitlines())
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name not in CLAIM_FUNCTIONS:
            continue
        argument = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "statement"), None)
        text = _string_value(argument) if argument is not None else None
        if text and text.strip():
            found.append((node.lineno, node.col_offset, text))
    return [text for _, _, text in sorted(found)]


def first_comment(source: str) -> str | None:
    """The first comment of a cell's code (a run of ``#`` lines joined), without the ``#``."""
    lines: list[str] = []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and not stripped.startswith("#!"):
            lines.append(stripped.lstrip("#").strip())
        elif lines:
            break
    text = " ".join(lines).strip()
    return text or None


def _describe_code(source: str, comment: str | None) -> tuple[str, str | None]:
    """What a folded cell without checks holds: its first comment, its first function, its figure."""
    if comment:
        return "the code", comment
    try:
        tree = ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                   for line in source.splitlines()))
    except SyntaxError:
        tree = None
    if tree is not None:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                doc = (ast.get_docstring(node) or "").strip().split("\n\n")[0]
                return "the code", f"{node.name}" + (f" — {doc}" if doc else "")
        if tree.body and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body):
            return "the imports", None
    if re.search(r"\bplt\.subplots?\(|\bfig\b", source):
        return "the code of the figure", None
    if "display(Markdown(" in source:
        return "the code of the table", None
    return "the code", None


def folded_cell_prompts(source: str, wraps: str) -> tuple[str, str]:
    """What the summary of a folded cell says, shown and hidden.

    Parameters
    ----------
    source : str
        The cell's code.
    wraps : {"input", "output"}
        What the fold hides: the code (with or without its output), or only the output.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, got {type(source).__name__}")
    if wraps not in ("input", "output"):
        raise ValueError(f"wraps must be 'input' or 'output', got {wraps!r}")
    claims = claim_statements(source)
    comment = first_comment(source)
    if wraps == "output":
        what, about = "the output", comment
    elif claims:
        what = "the check" if len(claims) == 1 else f"the {len(claims)} checks"
        about = claims[0] if len(claims) == 1 else f"{_shorten(claims[0], MAX_SUMMARY - 30)}, …"
    else:
        what, about = _describe_code(source, comment)
    if about:
        about = _shorten(about)
        return f"Show {what}: {about}", f"Hide {what}: {about}"
    return f"Show {what}", f"Hide {what}"


def _cell_source(cell: nodes.Element) -> str:
    for block in cell.findall(nodes.literal_block):
        parent = block.parent
        if isinstance(parent, nodes.container) and parent.get("nb_element") == "cell_code_source":
            return block.astext()
    return ""


class FoldedCellPrompts(SphinxPostTransform):
    """Give every folded cell's summary the text of what it hides (after myst-nb's folding, 199)."""

    default_priority = 200
    formats = ("html",)

    def run(self, **kwargs) -> None:
        from myst_nb.sphinx_ import HideCodeCellNode

        for fold in list(self.document.findall(HideCodeCellNode)):
            cell = fold.parent
            while cell is not None and not (isinstance(cell, nodes.container)
                                            and cell.get("nb_element") == "cell_code"):
                cell = cell.parent
            source = _cell_source(cell) if cell is not None else _cell_source(fold)
            classes = fold.get("classes", [])
            wraps = "output" if ("below-input" in classes or "above-output" in classes) else "input"
            fold["prompt_show"], fold["prompt_hide"] = folded_cell_prompts(source, wraps)


def visit_folded_cell(self, node) -> None:
    """myst-nb's ``<details>``, without the ``aria-label`` that replaced the summary's own text."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append("<summary>\n")
    self.body.append(f'<p class="collapsed admonition-title">{html.escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{html.escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def depart_folded_cell(self, node) -> None:
    self.body.append("</details>\n")


# --- 2. References ---------------------------------------------------------------------------------

def visit_citation(self, node) -> None:
    """docutils' citation, a list item of the list of references (not ``doc-biblioentry``)."""
    if not isinstance(node.previous_sibling(), type(node)):
        self.body.append('<div role="list" class="citation-list">\n')
    self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))


def depart_citation(self, node) -> None:
    self.body.append("</div>\n")
    if not isinstance(node.next_node(descend=False, siblings=True), type(node)):
        self.body.append("</div>\n")


# --- 3. The theme's templates ----------------------------------------------------------------------

_SEARCH_FIELD = re.compile(r'(<button class="[^"]*\bsearch-button-field\b[^"]*"[^>]*?)\s+aria-label="[^"]*"')
_THEME_ICON = re.compile(r'(<i class="theme-switch [^"]*"[^>]*?)\s+title="[^"]*"')
_TOC_EXPANDER = re.compile(
    r'(<a class="[^"]*\breference internal\b[^"]*"[^>]*>)(?P<title>(?:(?!</a>).)*?)'
    r'(</a>\s*<details[^>]*>\s*<summary>)'
    r'(?=<span class="toctree-toggle")', re.S)


def _label_expander(match: re.Match) -> str:
    title = " ".join(re.sub(r"<[^>]+>", "", match["title"]).split())
    return (f'{match[1]}{match["title"]}{match[3]}'
            f'<span class="visually-hidden">Sections of {title}</span>')


def fix_page_html(page: str) -> str:
    """The theme's markup of one page, with the three template fixes (see the module's docstring)."""
    page = _SEARCH_FIELD.sub(r'\1 aria-keyshortcuts="Control+K"', page)
    page = _THEME_ICON.sub(r'\1 aria-hidden="true"', page)
    page = _TOC_EXPANDER.sub(_label_expander, page)
    return page


def wrap_page_rendering(app: Sphinx) -> None:
    """Pass every page the HTML builder renders through :func:`fix_page_html`."""
    if app.builder.format != "html" or getattr(app.builder, "templates", None) is None:
        return
    templates = app.builder.templates
    render = templates.render

    def render_accessible(template: str, context: dict) -> str:
        return fix_page_html(render(template, context))

    templates.render = render_accessible


def add_static_files(app: Sphinx) -> None:
    app.config.html_static_path.extend([str(STATIC / CSS_FILE), str(STATIC / JS_FILE)])


def setup(app: Sphinx) -> dict:
    from myst_nb.sphinx_ import HideCodeCellNode

    app.add_post_transform(FoldedCellPrompts)
    app.add_node(HideCodeCellNode, override=True, html=(visit_folded_cell, depart_folded_cell))
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    app.connect("builder-inited", add_static_files)
    app.connect("builder-inited", wrap_page_rendering)
    app.add_css_file(CSS_FILE)
    app.add_js_file(JS_FILE, defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
