"""Explorable figures (``dgmbook.explorable``) on the web pages: their script, style and library.

A page whose body holds a ``<figure class="dgm-explorable">`` (a cell's output made by
``dgmbook.explorable.slider_figure``) gets ``explorable.js`` and ``explorable.css``; no other page
does, so the weight of every other page is unchanged. The script then loads the vendored Vega,
Vega-Lite and vega-embed (``explorable_static/vendor/vega``, 828 KB, served from the site: no CDN),
draws each figure with its slider, and keeps the static image for print (``@media print``).

The files ship with the extension (``explorable_static`` is added to ``html_static_path``, as the
Answer boxes' style sheet is); the vendored files' checksums are checked when the build starts, so a
truncated or edited copy fails the build instead of a reader's page.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

STATIC = Path(__file__).parent / "explorable_static"
#: The vendored library, in load order, with the SHA-256 of each file (see its README.md).
VENDORED = {
    "vendor/vega/vega.min.js": "463f3db6a40b20e9747b4ed38f37ed0add508838f9141b1cf8366784b07b30c8",
    "vendor/vega/vega-lite.min.js": "58c27358e26f2d319cf62f45bc17a4c8362f08645001df2ec8d341eee4097c7f",
    "vendor/vega/vega-embed.min.js": "12d02acfbe3ec59ef9a37dd4822a2e04e2961b5bbb671bbe661d2221715b99da",
}
#: What marks a page that holds an explorable figure (``dgmbook.explorable.Explorable.to_html``).
MARKER = 'class="dgm-explorable"'


def check_vendored(static: Path = STATIC) -> None:
    """Raise if a vendored file is missing or differs from the recorded checksum."""
    for rel, digest in VENDORED.items():
        path = static / rel
        if not path.is_file():
            raise ExtensionError(f"explorable: the vendored file {path} is missing")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ExtensionError(f"explorable: {path} is not the vendored file (its SHA-256 differs "
                                 "from VENDORED; see its folder's README.md)")


def add_static_files(app: Sphinx) -> None:
    """Ship the script, the style sheet and the vendored library with the site's static files."""
    if app.builder.format != "html":
        return
    check_vendored()
    app.config.html_static_path.append(str(STATIC))


def add_to_pages_with_figures(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Load the script and the style sheet on the pages that hold an explorable figure, only."""
    if MARKER in context.get("body", ""):
        # Added to the builder during html-page-context, the files apply to this page alone (the
        # builder resets its lists before each page).
        app.builder.add_css_file("explorable.css")
        app.builder.add_js_file("explorable.js", defer="defer")


def setup(app: Sphinx) -> dict:
    app.connect("builder-inited", add_static_files)
    app.connect("html-page-context", add_to_pages_with_figures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
