"""Tests of the helpers every chapter uses (dgmbook.book) and of the shared argument checks."""

import sys

import matplotlib
import numpy as np
import pytest

from dgmbook import glue, use_book_style
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
