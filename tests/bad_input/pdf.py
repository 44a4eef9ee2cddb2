"""Bad-input cases for ``dgmbook.pdf`` (format: ``tests/bad_input/__init__.py``).

Every case is refused before anything is built or printed.
"""

import tempfile
from pathlib import Path

from bad_input import bad
from dgmbook.pdf import build_pdf, local_mathjax, print_html_to_pdf

_TMP = Path(tempfile.mkdtemp(prefix="dgmbook-pdf-bad-input-"))


def _html() -> Path:
    """An existing (empty) page, so that the checks after ``html``'s are reached."""
    page = _TMP / "page.html"
    page.write_text("<html></html>", encoding="utf8")
    return page


def _print(**kwargs):
    args = {"html": _html(), "pdf": _TMP / "out.pdf", "title": "T", "edition": "E"}
    args.update(kwargs)
    return print_html_to_pdf(args.pop("html"), args.pop("pdf"), **args)


CASES = {
    "build_pdf": [
        bad(lambda: build_pdf(student="yes"), TypeError, "student", "True or False"),
        bad(lambda: build_pdf(student=1), TypeError, "student"),
        bad(lambda: build_pdf(output=3), TypeError, "output", "path"),
        bad(lambda: build_pdf(output=""), ValueError, "output", "non-empty"),
        bad(lambda: build_pdf(execute="sometimes"), ValueError, "execute", "cache"),
        bad(lambda: build_pdf(execute=None), TypeError, "execute"),
        bad(lambda: build_pdf(pdf="book.html"), ValueError, "pdf", ".pdf"),
        bad(lambda: build_pdf(pdf=b"book.pdf"), TypeError, "pdf"),
    ],
    "print_html_to_pdf": [
        bad(lambda: _print(html=_TMP / "missing.html"), ValueError, "html", "does not exist"),
        bad(lambda: _print(html=None), TypeError, "html"),
        bad(lambda: _print(html=_TMP), ValueError, "html", ".html"),
        bad(lambda: _print(pdf=_TMP / "out.png"), ValueError, "pdf", ".pdf"),
        bad(lambda: _print(title=""), ValueError, "title", "non-empty"),
        bad(lambda: _print(title=3), TypeError, "title"),
        bad(lambda: _print(edition=None), TypeError, "edition"),
        bad(lambda: _print(meta="by me"), TypeError, "meta"),
        bad(lambda: _print(mathjax_dir=_TMP / "no-mathjax"), ValueError, "mathjax_dir"),
        bad(lambda: _print(mathjax_dir=_TMP), ValueError, "mathjax_dir", "tex-mml-chtml.js"),
        bad(lambda: _print(site="dgm-book.github.io/book/"), ValueError, "site", "http"),
        bad(lambda: _print(site="https://dgm-book.github.io/book"), ValueError, "site"),
        bad(lambda: _print(site=3), ValueError, "site"),
        bad(lambda: _print(root_doc=None), TypeError, "root_doc", "str"),
        bad(lambda: _print(chapters=3, site="https://a.github.io/b/"), TypeError, "chapters", "path"),
        bad(lambda: _print(chapters=_TMP / "pages"), ValueError, "chapters", "site"),
    ],
    "local_mathjax": [
        bad(lambda: local_mathjax(3), TypeError, "cache", "path"),
        bad(lambda: local_mathjax(""), ValueError, "cache"),
        bad(lambda: local_mathjax(_TMP, fetch="no"), TypeError, "fetch", "True or False"),
        bad(lambda: local_mathjax(_TMP, fetch=0), TypeError, "fetch"),
    ],
}

VALID = [
    # No copy in an empty cache and no fetching allowed: None, not an error.
    lambda: local_mathjax(_TMP / "empty-cache", fetch=False),
]
