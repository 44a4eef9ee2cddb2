"""The reference list in the form of the book's author-year citations.

The pages cite author-year (``bibtex_reference_style: author_year``: "(Hinton, 2002)",
"(Pedregosa et al., 2011)"); the list on the References page was numbered [1]..[n]. The pybtex
style registered here as ``authoryear`` (``bibtex_default_style`` in ``_config.yml``) labels each
entry the way the text cites it -- [Hinton, 2002], [Gutmann and Hyvärinen, 2010], [Pedregosa et
al., 2011] -- sorts the list by author, year and title, and writes the authors family name first
(``Hinton, G. E.``), where a reader looks for a citation's first word.
"""

from __future__ import annotations

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx

STYLE_NAME = "authoryear"


def _family_name(person) -> str:
    parts = person.rich_prelast_names + person.rich_last_names
    return Text(" ").join(parts).render_as("text")


def author_year_label(entry) -> str:
    """"Hinton, 2002", "Gutmann and Hyvärinen, 2010", "Pedregosa et al., 2011" (as cited)."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [_family_name(person) for person in persons]
    if not names:
        who = entry.fields.get("key") or entry.key
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    """Author-year labels; two works with the same label get "a", "b" after the year, in list order."""

    def format_labels(self, sorted_entries):
        entries = list(sorted_entries)
        labels = [author_year_label(entry) for entry in entries]
        counts = {label: labels.count(label) for label in labels}
        seen: dict[str, int] = {}
        for label in labels:
            if counts[label] > 1:
                seen[label] = seen.get(label, 0) + 1
                yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
            else:
                yield label


class AuthorYearStyle(PlainStyle):
    """pybtex's ``plain`` with author-year labels, family names first, sorted by author-year-title."""

    default_label_style = AuthorYearLabelStyle
    default_name_style = "lastfirst"
    default_sorting_style = "author_year_title"

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("abbreviate_names", True)
        super().__init__(**kwargs)


def setup(app: Sphinx) -> dict:
    register_plugin("pybtex.style.formatting", STYLE_NAME, AuthorYearStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
