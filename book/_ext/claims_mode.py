"""The book's own builds check its claims strictly.

Every check on a page is a claim of :mod:`dgmbook.claims`, which has two modes: *strict* (a claim
that does not hold fails the build, with the sentence it backs in the message) and *explore* (a
reader's run: the page runs on and the failed claim is shown in a box at its place). A reader's
Jupyter or Colab session has no ``DGMBOOK_CLAIMS`` and explores; a build of the book is strict unless
the caller asked for explore (``python3 tasks.py chapter FILE --explore``). The notebooks' kernels are
started by this Sphinx process and inherit its environment, so setting the default here is enough.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict:
    os.environ.setdefault("DGMBOOK_CLAIMS", "strict")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
