"""Tests of the helpers every chapter uses (dgmbook.book) and of the shared argument checks."""

import sys

import matplotlib
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


def test_one_panel_figures_stay_readable_on_a_phone():
    # 10 pt in a figure shown in a 358-px phone column: at least 11 CSS px
    px = book.FONT_PT * 96 / 72 * min(1.0, 358 / (book.SINGLE_WIDTH_IN * 96))
    assert px >= 11.0


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
