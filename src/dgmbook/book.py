"""Helpers every chapter uses: ``glue`` that degrades gracefully, and the shared figure style.

A chapter quotes numbers in its prose through myst-nb's ``glue`` so that no number is typed by hand.
Outside the book build (plain Jupyter, Colab, a script) myst-nb may be missing; :func:`glue` then
simply returns the value, so the chapter still runs top to bottom.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from dgmbook.validation import check_bool

__all__ = ["glue", "use_book_style", "BOOK_STYLE"]

#: Name of the matplotlib style file shipped with the package.
BOOK_STYLE = "book.mplstyle"


def glue(name: str, value: Any, display: bool = False) -> Any:
    """Store ``value`` under ``name`` for the book's ``{glue}`` roles, and return it.

    Parameters
    ----------
    name : str
        Key used in the text, e.g. ``{glue:text}`q2_coverage_n10:.3f```. Use the chapter prefix
        (``q1_``, ``q2_``, ...) so that keys are unique across the book.
    value : object
        A number, string or matplotlib figure.
    display : bool, default False
        Whether to also show the value in the cell's output.

    Returns
    -------
    object
        ``value`` itself, so that ``x = glue("q2_x", compute())`` reads naturally.

    Notes
    -----
    When myst-nb is not installed (plain Jupyter, Colab) nothing is stored: the value is returned,
    and shown only if ``display`` is true.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string (a Python-identifier-like key), got {type(name).__name__}")
    if not name.isidentifier():
        raise ValueError(f"name must be a Python-identifier-like string, got {name!r}")
    display = check_bool("display", display)
    try:
        from myst_nb import glue as _myst_glue
    except ImportError:  # outside the book: behave like a plain assignment
        if display:
            print(f"{name} = {value!r}")
        return value
    # numpy 2 scalars print as ``np.float64(1.5)``, which glue's format specs cannot parse: store the
    # plain Python number instead.
    _myst_glue(name, value.item() if isinstance(value, np.generic) else value, display=display)
    return value


def use_book_style() -> None:
    """Apply the book's shared matplotlib style (sizes, fonts, colours, grid) to later figures."""
    with resources.as_file(resources.files("dgmbook") / BOOK_STYLE) as path:
        plt.style.use(str(path))
