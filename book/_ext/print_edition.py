"""The print edition's two hooks into the HTML build (the PDF itself is made by ``dgmbook.pdf``).

1. **Download menu.** Every page's download menu (sphinx-book-theme's ``download-buttons`` group of
   header buttons, filled in on ``html-page-context`` at priority 501) gets one more entry: the whole
   book as a PDF, ``book.pdf`` at the root of the site (``book-student.pdf`` in the student edition,
   which must never point readers of the questions to the solutions). The theme's own ".pdf" entry,
   the browser's print dialog (which printed the page's toggles and contents list), becomes a link
   to the page's own PDF, printed like the book's: ``book/q1_nce_cd.pdf`` next to
   ``book/q1_nce_cd.html``. ``python3 tasks.py pdf`` writes both; the Pages workflow publishes them
   with the HTML.
2. **One-page HTML.** The PDF is printed from Sphinx's ``singlehtml`` build. Sphinx looks up node
   visitors by builder name and falls back to the ``html`` ones only when *no* extension registered
   anything for ``singlehtml``; sphinx-exercise does, so myst-nb's folded-cell node (and any other
   html-only node) would have no visitor there. On ``builder-inited`` of a ``singlehtml`` build the
   ``html`` visitors are copied over wherever ``singlehtml`` has none.
"""

from __future__ import annotations

from sphinx.application import Sphinx

#: File names of the two PDFs, at the root of the built site.
FULL_PDF = "book.pdf"
STUDENT_PDF = "book-student.pdf"


def pdf_name(student: bool) -> str:
    """The file name of the edition's PDF."""
    return STUDENT_PDF if student else FULL_PDF


def page_pdf_name(pagename: str) -> str:
    """The file name, relative to the site's root, of a page's own PDF (``book/q1_nce_cd.pdf``)."""
    return f"{pagename}.pdf"


def add_pdf_to_download_menu(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Point the page's ".pdf" entry at the page's own PDF and append "the whole book as PDF" to
    the page's download menu, if the theme shows one."""
    buttons = context.get("header_buttons")
    if not isinstance(buttons, list):
        return
    student = bool(getattr(app.config, "hide_solutions", False))
    for group in buttons:
        if isinstance(group, dict) and group.get("label") == "download-buttons":
            for button in group.get("buttons", []):
                if isinstance(button, dict) and button.get("label") == "download-pdf-button":
                    button.pop("javascript", None)
                    button.update({"type": "link", "url": context["pathto"](page_pdf_name(pagename), 1),
                                   "tooltip": "Download this page as a PDF"})
            group.setdefault("buttons", []).append(
                {
                    "type": "link",
                    "url": context["pathto"](pdf_name(student), 1),
                    "text": "whole book (.pdf)",
                    "tooltip": "Download the whole book as one PDF",
                    "icon": "fas fa-book",
                    "label": "download-book-pdf-button",
                }
            )


def share_html_visitors(app: Sphinx) -> None:
    """In a ``singlehtml`` build, use the ``html`` visitor of every node that has none of its own."""
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    single = handlers.setdefault("singlehtml", {})
    for name, pair in handlers.get("html", {}).items():
        single.setdefault(name, pair)


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", share_html_visitors)
    # After sphinx-book-theme has built the menu (priority 501).
    app.connect("html-page-context", add_pdf_to_download_menu, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
