"""Helpers every chapter uses: ``glue`` that degrades gracefully, and the shared figure style.

A chapter quotes numbers in its prose through myst-nb's ``glue`` so that no number is typed by hand.
Outside the book build (plain Jupyter, Colab, a script) myst-nb may be missing; :func:`glue` then
simply returns the value, so the chapter still runs top to bottom.

Figures as a set
----------------
Every figure is made by :func:`figure` after :func:`use_book_style`, and follows one rule: **its
text is drawn at FONT_PT = 10 pt and the figure is never wider than the narrowest column it is
shown in, so it is never scaled down and its text prints and displays at that size everywhere.**
A figure of width W inches shown in a column of width C renders a font of f pt at f * min(1, C / W)
pt; the book's columns are the printed page (PRINT_COLUMN_IN = 6.3 in) and the web page's figure
column (674 CSS px = 7.0 in at 1366 px). So:

- one panel: SINGLE_WIDTH_IN = 4.4 in wide (also readable on a 390-px phone: 10 pt at
  358 / (4.4 * 96) gives 11.3 CSS px);
- two to four panels side by side, or a grid: WIDE_WIDTH_IN = 6.3 in, the printed column.

Text is then 10 pt in print and 10 * 96 / 72 = 13.3 CSS px on the web. Figures are SVG (vector, sharp
at any zoom on a phone; an SVG's natural size is its size in inches, so nothing rescales it), with
an opaque white background: in the dark theme the page shows the figure as a white card, and every
colour of :data:`PALETTE` keeps a contrast of at least 3:1 against that white (the theme's dimming
filter included; see :func:`contrast_ratio`). Plots with thousands of markers are drawn with
``rasterized=True`` (embedded at 200 dpi) so that the page stays light.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgb

from dgmbook.validation import check_bool, check_int, check_positive

__all__ = ["glue", "use_book_style", "figure", "figure_size", "contrast_ratio", "BOOK_STYLE",
           "PALETTE", "FONT_PT", "SINGLE_WIDTH_IN", "WIDE_WIDTH_IN", "PRINT_COLUMN_IN"]

#: Name of the matplotlib style file shipped with the package.
BOOK_STYLE = "book.mplstyle"

#: Size of every text of every figure (ticks, labels, legends, titles), in points.
FONT_PT = 10.0
#: Width of the printed page's text column (A4 with the print edition's margins), in inches.
PRINT_COLUMN_IN = 6.3
#: Width of a one-panel figure, in inches.
SINGLE_WIDTH_IN = 4.4
#: Width of a figure with two to four panels in a row (or a grid): the printed column.
WIDE_WIDTH_IN = PRINT_COLUMN_IN
#: Height of one row of panels, in inches, by the number of panels in the row.
_ROW_HEIGHT_IN = {1: 2.9, 2: 2.6, 3: 2.3, 4: 1.9}

#: The colour cycle (``"C0"`` ... ``"C7"``): Okabe and Ito's blue, vermillion, bluish green and
#: reddish purple, then Tol's wine, indigo and a dark olive, then black. Okabe-Ito's yellow,
#: orange and sky blue are left out: their contrast on white is 1.3, 2.2 and 2.3.
#: How figures are shown inline: cropped to their contents, and without the date of the run in the
#: SVG (with ``svg.hashsalt`` of the style file, a figure's file is the same from run to run).
_SVG_KWARGS = {"bbox_inches": "tight", "metadata": {"Date": None}}

PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#882255", "#332288", "#8F8F26", "#000000")


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
    """Apply the book's shared matplotlib style (sizes, fonts, colours, grid) to later figures.

    In Jupyter (and so in the book's build) figures are also shown as SVG rather than PNG.
    """
    with resources.as_file(resources.files("dgmbook") / BOOK_STYLE) as path:
        plt.style.use(str(path))
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:  # a script: nothing is shown inline
        return
    shell = get_ipython()
    if shell is None or getattr(shell, "display_formatter", None) is None:
        return
    try:
        from matplotlib_inline.config import InlineBackend
    except ImportError:
        pass
    else:
        # matplotlib picks its backend at the first figure, and the inline backend then installs
        # the formats of its configuration: set them there, not only in the shell.
        config = InlineBackend.instance(parent=shell)
        config.print_figure_kwargs = dict(_SVG_KWARGS)
        config.figure_formats = {"svg"}
    select_figure_formats(shell, {"svg"}, **_SVG_KWARGS)


def figure_size(ncols: int = 1, nrows: int = 1, *, height: float | None = None) -> tuple[float, float]:
    """The book's size (width, height) in inches of a figure of ``nrows`` by ``ncols`` panels.

    One panel is SINGLE_WIDTH_IN wide, two to four panels in a row WIDE_WIDTH_IN (the printed
    column), so that no figure is ever scaled down and its FONT_PT text keeps its size (see the
    module's notes). ``height`` (inches) replaces the standard height of ``nrows`` rows, e.g. for
    panels with equal aspect.
    """
    ncols = check_int("ncols", ncols, minimum=1, maximum=max(_ROW_HEIGHT_IN))
    nrows = check_int("nrows", nrows, minimum=1, maximum=4)
    width = SINGLE_WIDTH_IN if ncols == 1 and nrows == 1 else WIDE_WIDTH_IN
    if height is None:
        return width, _ROW_HEIGHT_IN[ncols] * nrows
    height = check_positive("height", height)
    if height > 9.0:
        raise ValueError(f"height must be at most 9 inches (a printed page), got {height}")
    return width, height


def figure(ncols: int = 1, nrows: int = 1, *, height: float | None = None, **subplots_kw: Any):
    """A new figure of the book's size, with its axes: ``fig, ax = figure()``, ``fig, axes = figure(3)``.

    Parameters
    ----------
    ncols, nrows : int, default 1
        Panels per row (1 to 4) and rows (1 to 4).
    height : float, optional
        Height in inches instead of the standard one (see :func:`figure_size`).
    **subplots_kw
        Passed to :func:`matplotlib.pyplot.subplots` (``sharex``, ``sharey``, ...), except
        ``figsize``: the size is the book's.

    Returns
    -------
    (matplotlib.figure.Figure, Axes or array of Axes)
    """
    if "figsize" in subplots_kw:
        raise TypeError("figure() takes no figsize: the book's size comes from ncols, nrows and height")
    size = figure_size(ncols, nrows, height=height)
    return plt.subplots(nrows, ncols, figsize=size, **subplots_kw)


def _relative_luminance(rgb: tuple[float, float, float]) -> float:
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _dark_theme(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """A colour of an image as the dark theme shows it (``filter: brightness(.8) contrast(1.2)``)."""
    return tuple(min(1.0, max(0.0, (0.8 * c - 0.5) * 1.2 + 0.5)) for c in rgb)


def contrast_ratio(color: Any, background: Any = "white", *, dark_theme: bool = False) -> float:
    """WCAG 2 contrast ratio (1 to 21) of ``color`` on ``background`` (any matplotlib colours).

    With ``dark_theme`` both are first passed through the filter that the book's theme applies
    to images in its dark mode (brightness 0.8, then contrast 1.2).
    """
    dark_theme = check_bool("dark_theme", dark_theme)
    rgbs = []
    for name, value in (("color", color), ("background", background)):
        try:
            rgb = to_rgb(value)
        except (ValueError, TypeError):
            raise ValueError(f"{name} must be a matplotlib colour, got {value!r}") from None
        rgbs.append(_dark_theme(rgb) if dark_theme else rgb)
    lighter, darker = sorted(map(_relative_luminance, rgbs), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
