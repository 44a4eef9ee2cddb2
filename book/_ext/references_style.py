"""The reference list in the form of the book's author-year citations.

The pages cite author-year (``bibtex_reference_style: author_year``: "(Hinton, 2002)"), so the list
on the References page is not numbered either: it is a bullet list (``:list: bullet`` in
``book/references.md``) sorted by author, year and title, each entry opening with the authors'
family names (``Hinton, G. E.``), where a reader looks for a citation's first word. This module
registers that pybtex style as ``authoryear`` (``bibtex_default_style`` in ``_config.yml``).
"""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from sphinx.application import Sphinx

STYLE_NAME = "authoryear"


class AuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` style with family names first and initials, sorted by author-year-title."""

    default_name_style = "lastfirst"
    default_sorting_style = "author_year_title"

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("abbreviate_names", True)
        super().__init__(**kwargs)


def setup(app: Sphinx) -> dict:
    register_plugin("pybtex.style.formatting", STYLE_NAME, AuthorYearStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
