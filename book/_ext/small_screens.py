"""The book on a phone: the style sheet that lets every page fit a 390-pixel column.

MathJax 4 (``mathjax_path`` and ``mathjax3_config.output`` in ``_config.yml``) breaks formulas
wider than their column; ``book/_static/small-screens.css`` undoes the theme's clipping of in-line
formulas, keeps display equations and their numbers apart, lets figures and tables take the
phone's column, and shows a figure's phone version (its panels stacked; :mod:`dgmbook.phone_figures`)
instead of the wide one. The page test checks every page at 390 x 844 (tests/test_pages_in_browser.py).
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx

STATIC = Path(__file__).resolve().parent.parent / "_static"
STYLE_SHEET = STATIC / "small-screens.css"
#: The search page's excerpts read formulas as text (see book/_ext/typography.py for titles).
SEARCH_SCRIPT = STATIC / "search-excerpts.js"


def _add_static_files(app: Sphinx) -> None:
    app.config.html_static_path.extend([str(STYLE_SHEET), str(SEARCH_SCRIPT)])


def _search_page_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if pagename == "search":
        app.add_js_file(SEARCH_SCRIPT.name)


def setup(app: Sphinx) -> dict:
    app.setup_extension("dgmbook.phone_figures")
    app.connect("builder-inited", _add_static_files)
    app.connect("html-page-context", _search_page_script)
    app.add_css_file(STYLE_SHEET.name)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
