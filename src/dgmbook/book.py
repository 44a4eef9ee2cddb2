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
pt; the book's columns are the printed page (PRINT_COLUMN_IN = 6.3 in), the web page's figure
column (674 CSS px = 7.0 in at 1366 px) and a phone's (329 CSS px inside a box, 358 outside, at
390 px). So:

- one panel: SINGLE_WIDTH_IN = 4.0 in wide, readable everywhere (on a phone, 10 pt at
  329 / (4.0 * 96) gives 11.4 CSS px);
- two to four panels side by side, or a grid: WIDE_WIDTH_IN = 6.3 in, the printed column; on a
  phone that would draw the text at 7 px, so such a figure also carries a **phone version**
  (:func:`phone_svg`): the same axes re-laid out PHONE_WIDTH_IN = 4.0 in wide, stacked one above
  the other (a 2 x 2 grid for four panels). Shown inline in Jupyter, a figure's output holds both,
  the phone version under its own MIME type :data:`PHONE_FIGURE_MIME`, which Jupyter and Colab
  ignore; the book's web pages show it on screens narrower than 36 em instead of the wide one
  (``book/_ext/small_screens.py``).

Text is then 10 pt in print and 10 * 96 / 72 = 13.3 CSS px on the web. Figures are SVG (vector, sharp
at any zoom on a phone; an SVG's natural size is its size in inches, so nothing rescales it), with
an opaque white background: in the dark theme the page shows the figure as a white card, and every
colour of :data:`PALETTE` keeps a contrast of at least 3:1 against that white (the theme's dimming
filter included; see :func:`contrast_ratio`). Plots with thousands of markers are drawn with
``rasterized=True`` (embedded at 200 dpi) so that the page stays light.
"""

from __future__ import annotations

import io
from importlib import resources
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from dgmbook.validation import check_bool, check_int, check_positive

__all__ = ["glue", "use_book_style", "figure", "figure_size", "phone_svg", "contrast_ratio",
           "BOOK_STYLE", "PALETTE", "FONT_PT", "SINGLE_WIDTH_IN", "WIDE_WIDTH_IN", "PRINT_COLUMN_IN",
           "PHONE_WIDTH_IN", "PHONE_FIGURE_MIME"]

#: Name of the matplotlib style file shipped with the package.
BOOK_STYLE = "book.mplstyle"

#: Size of every text of every figure (ticks, labels, legends, titles), in points.
FONT_PT = 10.0
#: Width of the printed page's text column (A4 with the print edition's margins), in inches.
PRINT_COLUMN_IN = 6.3
#: Width of a one-panel figure, in inches.
SINGLE_WIDTH_IN = 4.0
#: Width of a figure with two to four panels in a row (or a grid): the printed column.
WIDE_WIDTH_IN = PRINT_COLUMN_IN
#: Height of one row of panels, in inches, by the number of panels in the row.
_ROW_HEIGHT_IN = {1: 2.9, 2: 2.6, 3: 2.3, 4: 1.9}
#: Width of a figure's phone version, in inches (as wide as a one-panel figure).
PHONE_WIDTH_IN = SINGLE_WIDTH_IN
#: Height of one row of a phone version: one panel per row, or two for a figure of four panels.
_PHONE_ROW_HEIGHT_IN = {1: 2.3, 2: 2.0}
#: Room for a legend or title of the whole figure in a phone version (inches per text line).
_PHONE_LINE_IN = 0.22
#: The MIME type of a figure's phone version in a notebook output (an SVG document).
PHONE_FIGURE_MIME = "application/vnd.dgmbook.phone-figure+svg"

#: The colour cycle (``"C0"`` ... ``"C7"``): Okabe and Ito's blue, vermillion, bluish green and
#: reddish purple, then Tol's wine, indigo and a dark olive, then black. Okabe-Ito's yellow,
#: orange and sky blue are left out: their contrast on white is 1.3, 2.2 and 2.3.
#: How figures are shown inline: cropped to their contents, and without the date of the run in the
#: SVG (with ``svg.hashsalt`` of the style file, a figure's file is the same from run to run).
_SVG_KWARGS = {"bbox_inches": "tight", "metadata": {"Date": None}}
#: The margin of a cropped figure (``savefig.pad_inches`` of the style file).
_SVG_PAD_IN = 0.04

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
    _register_phone_formatter(shell)


def _register_phone_formatter(shell) -> None:
    """Add the phone version of a figure (:func:`phone_svg`) to every figure's inline output."""
    from IPython.core.formatters import BaseFormatter
    from traitlets import ObjectName, Unicode

    class PhoneFigureFormatter(BaseFormatter):
        format_type = Unicode(PHONE_FIGURE_MIME)
        print_method = ObjectName("_repr_phone_svg_")   # no object has one: only Figure is registered

    formatters = shell.display_formatter.formatters
    if PHONE_FIGURE_MIME not in formatters:
        formatters[PHONE_FIGURE_MIME] = PhoneFigureFormatter(parent=shell.display_formatter)
    formatters[PHONE_FIGURE_MIME].for_type(Figure, phone_svg)


class _BookFigure(Figure):
    """A matplotlib Figure that remembers how its legends were made, so that its phone version
    (:func:`phone_svg`) can lay a legend out again in fewer columns."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.legend_calls: list[tuple[Any, tuple, dict]] = []

    def legend(self, *args: Any, **kwargs: Any):
        made = super().legend(*args, **kwargs)
        self.legend_calls.append((made, args, kwargs))
        return made


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
        ``figsize`` (the size is the book's) and ``FigureClass`` (the figure remembers its legends'
        arguments for its phone version).

    Returns
    -------
    (matplotlib.figure.Figure, Axes or array of Axes)
    """
    if "figsize" in subplots_kw:
        raise TypeError("figure() takes no figsize: the book's size comes from ncols, nrows and height")
    if "FigureClass" in subplots_kw:
        raise TypeError("figure() takes no FigureClass: the book's figures remember their legends")
    size = figure_size(ncols, nrows, height=height)
    return plt.subplots(nrows, ncols, figsize=size, FigureClass=_BookFigure, **subplots_kw)


def _panel_grid(fig) -> tuple[list, int, int] | None:
    """The figure's panels and the (rows, columns) of the grid they fill, or ``None`` when the
    figure is not a plain grid of one-cell panels (a panel spanning cells, axes placed by hand)."""
    panels, grids = [], set()
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is None:
            return None
        rows, cols = spec.rowspan, spec.colspan
        if len(rows) != 1 or len(cols) != 1:
            return None
        grids.add(id(spec.get_gridspec()))
        panels.append((rows.start, cols.start, ax))
    if len(grids) != 1:
        return None
    nrows, ncols = spec.get_gridspec().get_geometry()
    return [ax for _, _, ax in sorted(panels, key=lambda p: p[:2])], nrows, ncols


#: Where each panel of a row of two, three or four stood in the wide figure: the phone version
#: names it above the panel, so that a caption's "left" and "right" still find their panel.
_WIDE_POSITION = {2: ("left", "right"), 3: ("left", "middle", "right"),
                  4: ("left", "centre left", "centre right", "right")}


def _phone_legend(fig, legend, args: tuple, kwargs: dict):
    """A copy of a figure legend (made with ``args`` and ``kwargs``) in the most columns, up to its
    own number, that fit PHONE_WIDTH_IN; it replaces ``legend`` in the figure."""
    most = kwargs.get("ncols", kwargs.get("ncol", 1))
    options = {key: value for key, value in kwargs.items() if key not in ("ncols", "ncol")}
    fig.legends.remove(legend)   # out of the list only: the legend keeps its figure, to come back
    for ncols in range(most, 0, -1):
        made = Figure.legend(fig, *args, ncols=ncols, **options)
        fig.draw_without_rendering()
        if ncols == 1 or made.get_window_extent().width <= 0.97 * PHONE_WIDTH_IN * fig.dpi:
            return made, ncols
        made.remove()
    raise AssertionError("unreachable: one column is always accepted")


def _phone_row_height(ax, per_row: int) -> float:
    """Height of a row of a phone version holding ``ax``: the standard one, or for a panel of fixed
    aspect (``aspect="equal"``) the height at which the panel fills its share of the width (plus
    room for its ticks, labels and title lines)."""
    aspect = ax.get_aspect()
    if aspect == "auto":
        return _PHONE_ROW_HEIGHT_IN[per_row]
    panel_width = PHONE_WIDTH_IN / per_row - 0.6            # less the y tick labels and label
    title_lines = ax.get_title().count("\n") + 1 if ax.get_title() else 0
    return panel_width * float(aspect) * ax.get_data_ratio() + 0.7 + title_lines * _PHONE_LINE_IN


def phone_svg(fig) -> str | None:
    """The phone version of a figure of several panels side by side, as an SVG document.

    The same panels are laid out PHONE_WIDTH_IN wide: stacked one per row, or two per row for four
    panels (a grid of two rows keeps its rows). Each panel of a single row has where it stood put
    before its title ("(left)", "(middle)", "(right)"), so that the caption still reads;
    every panel shows its tick labels (a shared axis shows them on its outer panels only), and a
    legend of the whole figure takes as many columns as fit. Text keeps FONT_PT, so on a phone's
    column it shows at 11 CSS px or more where the wide figure would show it at 7. The figure
    itself is left as it was (its layout, size, labels and legends are restored).

    Parameters
    ----------
    fig : matplotlib.figure.Figure

    Returns
    -------
    str or None
        The SVG, or ``None`` for a figure of one column of panels (already readable on a phone) or
        whose panels are not a plain grid.
    """
    from matplotlib.gridspec import GridSpec

    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    grid = _panel_grid(fig)
    if grid is None or grid[2] == 1:
        return None
    panels, nrows, ncols = grid
    per_row = 2 if len(panels) == 4 else 1
    rows = -(-len(panels) // per_row)
    positions = _WIDE_POSITION.get(ncols) if nrows == 1 and per_row == 1 or ncols == 4 else None
    saved_size = fig.get_size_inches().copy()
    saved_specs = [ax.get_subplotspec() for ax in panels]
    saved_ticks = [(ax.xaxis.get_tick_params(), ax.yaxis.get_tick_params()) for ax in panels]
    saved_titles = [ax.get_title() for ax in panels]
    phone_legends = []
    phone_grid = GridSpec(rows, per_row, figure=fig)
    try:
        row_height = max(_phone_row_height(ax, per_row) for ax in panels)
        fig.set_size_inches(PHONE_WIDTH_IN, rows * row_height)
        for k, ax in enumerate(panels):
            ax.set_subplotspec(phone_grid[k // per_row, k % per_row])
            ax.tick_params(labelbottom=True, labelleft=True)
            if positions is not None:   # in the panel's title: a label of its own would collide
                ax.set_title(f"({positions[k]}) {saved_titles[k]}".rstrip())
        lines = 0
        for legend, args, kwargs in getattr(fig, "legend_calls", []):
            if legend not in fig.legends:
                continue
            place = fig.legends.index(legend)
            made, columns = _phone_legend(fig, legend, args, kwargs)
            phone_legends.append((made, legend, place))
            lines += -(-len(made.get_texts()) // columns)
        height = rows * row_height + lines * _PHONE_LINE_IN
        fig.set_size_inches(PHONE_WIDTH_IN, height)
        # A label wider than its panel (or a legend) reaches past the figure, and the cropped SVG
        # would be wider than PHONE_WIDTH_IN: narrow the figure by what sticks out.
        for _ in range(3):
            fig.draw_without_rendering()
            outside = fig.get_tightbbox().width + 2 * _SVG_PAD_IN - PHONE_WIDTH_IN
            if outside <= 0.01:
                break
            fig.set_size_inches(fig.get_size_inches()[0] - outside, height)
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", **_SVG_KWARGS)
        return buffer.getvalue()
    finally:
        for ax, spec, (x_params, y_params), title in zip(panels, saved_specs, saved_ticks, saved_titles,
                                                          strict=True):
            ax.set_subplotspec(spec)
            ax.tick_params(labelbottom=x_params.get("labelbottom", True),
                           labelleft=y_params.get("labelleft", True))
            ax.set_title(title)
        for made, legend, place in reversed(phone_legends):   # the original legends, in their places
            made.remove()
            fig.legends.insert(place, legend)
        fig.set_size_inches(saved_size)


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
