"""Publishing: a figure's phone version on the book's web pages.

A figure of several panels side by side is 6.3 in wide (the printed column); on a phone's 329-px
column its 10-pt text would show at 7 px. In Jupyter, :func:`dgmbook.book.use_book_style` adds to
every figure's output a phone version (:func:`dgmbook.book.phone_svg`, the panels stacked 4 in
wide) under the MIME type :data:`~dgmbook.book.PHONE_FIGURE_MIME`, which Jupyter and Colab do not
show. This module puts it on the web page:

- :class:`PhoneFigureRenderer`, a myst-nb MIME renderer (registered under the entry point group
  ``myst_nb.mime_renderers`` in ``pyproject.toml``), writes the phone SVG as an image file of the
  page, like myst-nb writes the wide one;
- the Sphinx post-transform :class:`KeepPhoneFigures`, run before myst-nb picks one MIME type per
  output, keeps both images, marked ``dgm-figure-wide`` and ``dgm-figure-phone``;
- ``book/_static/small-screens.css`` shows the phone image on screens narrower than 36 em and the
  wide one elsewhere (print included).

Only the HTML builder shows both; any other builder keeps the wide figure alone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

from dgmbook.book import PHONE_FIGURE_MIME

#: Classes of the two images of a figure with a phone version.
WIDE_CLASS = "dgm-figure-wide"
PHONE_CLASS = "dgm-figure-phone"
_WIDE_MIME = "image/svg+xml"


class PhoneFigureRenderer:
    """myst-nb MIME renderer plugin: renders :data:`PHONE_FIGURE_MIME` as an SVG image node."""

    mime_priority_overrides: list = []   # never picked on its own: KeepPhoneFigures places it

    @staticmethod
    def handle_mime(renderer, data, inline: bool) -> list[nodes.Element] | None:
        if data.mime_type != PHONE_FIGURE_MIME or inline:
            return None
        image_nodes = renderer.render_image(dataclasses.replace(data, mime_type=_WIDE_MIME))
        for node in image_nodes:
            node["classes"].append(PHONE_CLASS)
        return image_nodes


def _is_mime_bundle(node: nodes.Node) -> bool:
    return isinstance(node, nodes.container) and node.get("nb_element", "") == "mime_bundle"


class KeepPhoneFigures(SphinxPostTransform):
    """Replace each output holding a wide SVG and its phone version by the two images, marked."""

    default_priority = 3   # before myst-nb's SelectMimeType (4), which would keep one of them

    def run(self, **kwargs: Any) -> None:
        html = self.app.builder.format == "html"
        for bundle in list(self.document.findall(_is_mime_bundle)):
            by_type = {child.get("mime_type"): child for child in bundle.children}
            phone = by_type.get(PHONE_FIGURE_MIME)
            if phone is None:
                continue
            wide = by_type.get(_WIDE_MIME)
            if not html or wide is None or not wide.children or not phone.children:
                bundle.remove(phone)
                continue
            for image in wide.findall(nodes.image):
                image["classes"].append(WIDE_CLASS)
            bundle.replace_self(list(wide.children) + list(phone.children))


def setup(app: Sphinx) -> dict:
    app.add_post_transform(KeepPhoneFigures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
