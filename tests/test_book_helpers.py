"""Tests of the helpers every chapter uses (dgmbook.book) and of the shared argument checks."""

import io
import re
import sys

import matplotlib
import matplotlib.figure
import matplotlib.pyplot
import numpy as np
import pytest

from dgmbook import book, glue, use_book_style
from dgmbook import validation as v


def test_glue_returns_its_value_inside_and_outside_the_book(monkeypatch, capsys):
    assert glue("q0_value", 3.25) == 3.25
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # as in Colab: the import fails
    assert glue("q0_value", 1.5, display=True) == 1.5
    assert "q0_value = 1.5" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["", "has space", "1starts_with_digit", "q2-key"])
def test_glue_rejects_bad_names(name):
    with pytest.raises(ValueError, match="name"):
        glue(name, 1.0)


@pytest.mark.parametrize("name", [3, None, b"q2_key"])
def test_glue_rejects_names_that_are_not_strings(name):
    with pytest.raises(TypeError, match="name must be a string"):
        glue(name, 1.0)


def test_glue_display_is_a_flag():
    with pytest.raises(TypeError, match="display must be True or False"):
        glue("q0_value", 1.0, display="no")


def test_book_style_is_applied():
    matplotlib.rcdefaults()
    use_book_style()
    assert matplotlib.rcParams["axes.spines.top"] is False
    assert matplotlib.rcParams["axes.grid"] is True
    matplotlib.rcdefaults()


def test_book_style_draws_every_text_at_one_size_on_white():
    matplotlib.rcdefaults()
    use_book_style()
    rc = matplotlib.rcParams
    try:
        for key in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize",
                    "ytick.labelsize", "legend.fontsize", "legend.title_fontsize", "figure.titlesize"):
            # a relative size ("small") would be resolved against font.size: every key is absolute
            assert float(rc[key]) == book.FONT_PT, key
        assert matplotlib.colors.to_hex(rc["figure.facecolor"], keep_alpha=True) == "#ffffffff"
        assert matplotlib.colors.to_hex(rc["savefig.facecolor"], keep_alpha=True) == "#ffffffff"
        assert rc["savefig.dpi"] >= 200 and rc["figure.dpi"] >= 200
        cycle = [matplotlib.colors.to_hex(c).upper() for c in rc["axes.prop_cycle"].by_key()["color"]]
        assert tuple(cycle) == book.PALETTE
    finally:
        matplotlib.rcdefaults()


def test_every_colour_of_the_palette_reads_on_white_and_in_the_dark_theme():
    for colour in book.PALETTE:
        assert book.contrast_ratio(colour) >= 3.0, colour
        assert book.contrast_ratio(colour, dark_theme=True) >= 3.0, colour
    # the colours the palette leaves out would fail
    for dropped in ("#F0E442", "#E69F00", "#56B4E9"):
        assert book.contrast_ratio(dropped) < 3.0, dropped


def test_contrast_ratio_matches_wcag():
    assert book.contrast_ratio("black") == pytest.approx(21.0)
    assert book.contrast_ratio("white") == pytest.approx(1.0)
    # WCAG's own example values: #767676 is the lightest grey with 4.5:1 on white
    assert book.contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)
    assert book.contrast_ratio("#777777") < 4.5
    # symmetric in its two colours
    assert book.contrast_ratio("white", "#0072B2") == pytest.approx(book.contrast_ratio("#0072B2"))
    # the dark theme's filter (brightness 0.8, contrast 1.2) dims white to 0.86 and keeps black
    assert book.contrast_ratio("black", dark_theme=True) == pytest.approx(
        book.contrast_ratio("black", (0.86, 0.86, 0.86)), rel=1e-6)
    assert book.contrast_ratio("black", dark_theme=True) < book.contrast_ratio("black")


# The book's sizes, in inches: a row of panels is shorter the more panels it holds (2.9, 2.6, 2.3,
# 1.9), and rows stack.
@pytest.mark.parametrize(("ncols", "nrows", "width", "height"), [(1, 1, book.SINGLE_WIDTH_IN, 2.9),
                                                                 (2, 1, book.WIDE_WIDTH_IN, 2.6),
                                                                 (3, 1, book.WIDE_WIDTH_IN, 2.3),
                                                                 (4, 1, book.WIDE_WIDTH_IN, 1.9),
                                                                 (2, 2, book.WIDE_WIDTH_IN, 5.2),
                                                                 (1, 3, book.WIDE_WIDTH_IN, 8.7)])
def test_figure_size_never_exceeds_the_printed_column(ncols, nrows, width, height):
    w, h = book.figure_size(ncols, nrows)
    assert w == width <= book.PRINT_COLUMN_IN
    assert h == pytest.approx(height, abs=1e-12)
    assert book.figure_size(ncols, nrows, height=5.5) == (width, 5.5)


def test_one_panel_figures_and_phone_versions_stay_readable_on_a_phone():
    # 10 pt in a figure shown in a phone's narrowest column (329 px, inside a box): at least 11 px;
    # a wide figure there would show it at 7 px, hence its phone version.
    for width_in in (book.SINGLE_WIDTH_IN, book.PHONE_WIDTH_IN):
        assert book.FONT_PT * 96 / 72 * min(1.0, 329 / (width_in * 96)) >= 11.0
    assert book.FONT_PT * 96 / 72 * 329 / (book.WIDE_WIDTH_IN * 96) < 8.0


def _svg_size_in(svg: str) -> tuple[float, float]:
    match = re.search(r'<svg[^>]*\bwidth="([0-9.]+)pt" height="([0-9.]+)pt"', svg)
    return float(match.group(1)) / 72, float(match.group(2)) / 72


def _svg_texts(svg: str) -> list[str]:
    # svg.fonttype "path" draws each text as glyphs, after a comment holding the text
    return re.findall(r"<!-- (.*?) -->", svg)


def _wide_svg(fig) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", **book._SVG_KWARGS)
    return buffer.getvalue()


@pytest.fixture()
def book_style():
    matplotlib.use("Agg", force=True)
    matplotlib.rcdefaults()
    use_book_style()
    yield
    matplotlib.pyplot.close("all")
    matplotlib.rcdefaults()


def _three_panels(legend_columns: int = 3):
    fig, axes = book.figure(3, sharey=True)
    for k, ax in enumerate(axes):
        ax.plot([0, 1], [0, k], label="a rather long first label")
        ax.errorbar([0, 1], [1, 0], yerr=0.1, fmt="o", label="a second label, as long")
        ax.set(title=f"panel {k}", xlabel="x")
    legend = fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center",
                        ncols=legend_columns)
    return fig, axes, legend


def test_phone_version_stacks_the_panels_at_the_phone_width(book_style):
    fig, axes, _ = _three_panels()
    svg = book.phone_svg(fig)
    width, height = _svg_size_in(svg)
    assert width == pytest.approx(book.PHONE_WIDTH_IN, abs=0.05)
    # three rows of panels and a legend: taller than wide, unlike the wide figure
    assert height > 3 * 2.0 and height < 3 * 2.3 + 1.0
    texts = _svg_texts(svg)
    for k, position in enumerate(["left", "middle", "right"]):
        assert f"({position}) panel {k}" in texts      # where it stood, before its title
    # every panel shows its y tick labels (the wide figure, sharing y, on its first panel only;
    # 1.5 is a tick of the y axis beyond the x axis' range)
    assert texts.count("1.5") == 3


def test_phone_version_leaves_the_figure_as_it_was(book_style):
    fig, axes, legend = _three_panels()
    before = _wide_svg(fig)
    size = tuple(fig.get_size_inches())
    book.phone_svg(fig)
    assert _wide_svg(fig) == before
    assert tuple(fig.get_size_inches()) == size
    assert fig.legends == [legend] and legend._ncols == 3
    assert [ax.get_title() for ax in axes] == ["panel 0", "panel 1", "panel 2"]
    assert axes[1].yaxis.get_tick_params()["labelleft"] is False


def test_phone_version_puts_a_legend_in_the_columns_that_fit(book_style):
    fig, _, _ = _three_panels(legend_columns=2)
    width, _ = _svg_size_in(book.phone_svg(fig))
    wide_legend = fig.legends[0].get_window_extent().width / fig.dpi
    assert wide_legend > book.PHONE_WIDTH_IN          # two columns would not fit a phone...
    assert width == pytest.approx(book.PHONE_WIDTH_IN, abs=0.05)   # ...so the phone's has one


def test_phone_version_is_narrowed_when_a_label_reaches_past_it(book_style):
    fig, axes = book.figure(2, 2, sharey="row")
    for ax in axes.flat:
        ax.plot([0, 1], [0, 1])
    axes[1, 1].set_xlabel("a label much longer than the panel it stands under")
    before = _wide_svg(fig)
    width, _ = _svg_size_in(book.phone_svg(fig))
    assert book.PHONE_WIDTH_IN - 0.1 < width <= book.PHONE_WIDTH_IN + 0.01
    assert _wide_svg(fig) == before


def test_phone_version_keeps_a_grid_and_turns_four_in_a_row_into_two_by_two(book_style):
    fig, axes = book.figure(2, 2, sharey="row")
    for ax in axes.flat:
        ax.plot([0, 1], [0, 1])
    svg = book.phone_svg(fig)
    width, height = _svg_size_in(svg)
    assert width == pytest.approx(book.PHONE_WIDTH_IN, abs=0.05) and height < 2 * 2.0 + 0.05
    assert not any(t.startswith("(") for t in _svg_texts(svg))     # same places: no labels
    fig, axes = book.figure(4)
    for ax in axes:
        ax.plot([0, 1], [0, 1])
    svg = book.phone_svg(fig)
    assert _svg_size_in(svg)[1] < 2 * 2.0 + 0.05
    assert {"(left)", "(centre left)", "(centre right)", "(right)"} <= set(_svg_texts(svg))


def test_phone_version_of_panels_of_equal_aspect_fills_the_width(book_style):
    fig, axes = book.figure(3, height=2.7, sharex=True, sharey=True)
    for ax in axes:
        ax.plot([0, 1], [0, 1])
        ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", title="two\nlines")
    width, height = _svg_size_in(book.phone_svg(fig))
    # square panels as wide as the phone version, not as high as a standard row (2.3 in)
    assert width == pytest.approx(book.PHONE_WIDTH_IN, abs=0.1)
    assert height > 3 * (book.PHONE_WIDTH_IN - 0.6)


def test_phone_version_only_for_panels_side_by_side(book_style):
    fig, _ = book.figure()
    assert book.phone_svg(fig) is None
    fig, _ = book.figure(1, 2)                        # one column of two rows: already narrow
    assert book.phone_svg(fig) is None
    fig = matplotlib.pyplot.figure()
    fig.add_axes((0.1, 0.1, 0.8, 0.8))                # placed by hand: not a grid
    assert book.phone_svg(fig) is None
    with pytest.raises(TypeError, match="fig must be a matplotlib Figure"):
        book.phone_svg("figure.svg")
    with pytest.raises(TypeError, match="FigureClass"):
        book.figure(2, FigureClass=matplotlib.figure.Figure)


def test_jupyter_shows_the_wide_figure_and_carries_the_phone_version(book_style):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        use_book_style()   # with a shell: SVG output and the phone formatter
        fig, _, _ = _three_panels()
        data, _ = shell.display_formatter.format(fig)
        assert "image/svg+xml" in data and book.PHONE_FIGURE_MIME in data
        assert _svg_size_in(data["image/svg+xml"])[0] == pytest.approx(book.WIDE_WIDTH_IN, abs=0.1)
        assert _svg_size_in(data[book.PHONE_FIGURE_MIME])[0] == pytest.approx(book.PHONE_WIDTH_IN,
                                                                                abs=0.05)
        one, _ = book.figure()
        data, _ = shell.display_formatter.format(one)
        assert "image/svg+xml" in data and book.PHONE_FIGURE_MIME not in data
    finally:
        InteractiveShell.clear_instance()


def test_figure_returns_axes_of_the_book_size():
    matplotlib.use("Agg", force=True)
    fig, axes = book.figure(3, sharey=True)
    try:
        assert tuple(fig.get_size_inches()) == pytest.approx(book.figure_size(3))
        assert axes.shape == (3,)
    finally:
        matplotlib.pyplot.close(fig)
    fig, ax = book.figure()
    try:
        assert tuple(fig.get_size_inches()) == pytest.approx((book.SINGLE_WIDTH_IN, 2.9))
        assert isinstance(ax, matplotlib.axes.Axes)
    finally:
        matplotlib.pyplot.close(fig)


def test_as_float_array_checks_shape_and_values():
    assert v.as_float_array("x", [[1, 2]], shape=(None, 2)).dtype == np.float64
    with pytest.raises(ValueError, match=r"x must have shape \(any, 3\)"):
        v.as_float_array("x", [[1, 2]], shape=(None, 3))
    with pytest.raises(ValueError, match="x must have ndim"):
        v.as_float_array("x", [1, 2], ndim=2)
    with pytest.raises(ValueError, match="x must be finite"):
        v.as_float_array("x", [1.0, np.nan])
    with pytest.raises(ValueError, match="x must not be empty"):
        v.as_float_array("x", [])
    with pytest.raises(TypeError, match="x must contain real numbers"):
        v.as_float_array("x", ["a"])
    with pytest.raises(TypeError, match="x must contain real numbers"):
        v.as_float_array("x", [True, False])
    with pytest.raises(TypeError, match="x must be array-like"):
        v.as_float_array("x", [[1, 2], [3]])


def test_binary_and_scalar_checks():
    np.testing.assert_array_equal(v.as_binary_array("v", [[True, False]]), [[1.0, 0.0]])
    with pytest.raises(ValueError, match="v must be binary"):
        v.as_binary_array("v", [0, 0.5])
    assert v.check_positive("sigma", 2) == 2.0
    for bad in (0, -1):
        with pytest.raises(ValueError, match="sigma must be > 0"):
            v.check_positive("sigma", bad)
    with pytest.raises(TypeError, match="sigma must be a real number"):
        v.check_positive("sigma", "1")
    with pytest.raises(ValueError, match=r"alpha must lie in \(0, 1\]"):
        v.check_probability("alpha", 1.5)
    with pytest.raises(ValueError, match=r"p must lie in \(0, 1\)"):
        v.check_probability("p", 1.0, open_high=True)
    assert v.check_int("k", np.int64(3), minimum=1) == 3
    with pytest.raises(ValueError, match="k must be >= 1"):
        v.check_int("k", 0, minimum=1)
    with pytest.raises(TypeError, match="k must be an integer"):
        v.check_int("k", 2.0)


def test_random_state_is_reproducible():
    a = v.check_random_state(7).normal(size=3)
    b = v.check_random_state(7).normal(size=3)
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(1)
    assert v.check_random_state(rng) is rng
    with pytest.raises(TypeError, match="random_state"):
        v.check_random_state(1.5)


def test_glue_stores_numpy_scalars_as_plain_numbers(monkeypatch):
    stored = {}

    class FakeMystNb:
        @staticmethod
        def glue(name, value, display=False):
            stored[name] = value

    monkeypatch.setitem(sys.modules, "myst_nb", FakeMystNb)
    glue("q0_scalar", np.float64(2.5))
    assert type(stored["q0_scalar"]) is float and stored["q0_scalar"] == 2.5
    glue("q0_array", np.arange(3))
    assert isinstance(stored["q0_array"], np.ndarray)
