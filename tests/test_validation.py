"""Tests of dgmbook.validation beyond the basic checks (those are in test_book_helpers.py): flags,
callables, negative seeds and the memory limit."""

import numpy as np
import pytest

from dgmbook import validation as v


@pytest.mark.parametrize("flag", [True, False, np.True_, np.False_])
def test_check_bool_accepts_python_and_numpy_bools(flag):
    assert v.check_bool("flag", flag) is bool(flag)


@pytest.mark.parametrize("flag", ["False", "no", 0, 1, 1.0, None, [True]])
def test_check_bool_rejects_everything_else(flag):
    with pytest.raises(TypeError, match="flag must be True or False"):
        v.check_bool("flag", flag)


def test_check_callable():
    assert v.check_callable("f", len) is len
    assert v.check_callable("f", None, allow_none=True) is None
    with pytest.raises(TypeError, match="f must be a callable, got int"):
        v.check_callable("f", 3)
    with pytest.raises(TypeError, match="f must be a callable or None, got str"):
        v.check_callable("f", "len", allow_none=True)


@pytest.mark.parametrize("seed", [-1, np.int64(-1), -(2**70)])
def test_negative_seeds_are_refused_with_the_argument_named(seed):
    with pytest.raises(ValueError, match="random_state must be a non-negative int seed"):
        v.check_random_state(seed)


def test_large_and_numpy_seeds_work():
    assert isinstance(v.check_random_state(2**70), np.random.Generator)
    a = v.check_random_state(np.uint8(5)).random()
    assert a == v.check_random_state(5).random()


def test_memory_limit_is_at_most_max_bytes_and_refuses_with_the_number():
    limit = v._memory_limit()
    assert 0 < limit <= v.MAX_BYTES
    assert v.check_memory("n", limit) == limit
    with pytest.raises(ValueError, match=r"n: 5 rows would need .* of memory, more than the .*smaller n"):
        v.check_memory("n", limit + 1, what="5 rows")


def test_format_bytes():
    assert v._format_bytes(512) == "512 bytes"
    assert v._format_bytes(3 * 2**30) == "3 GiB"
    assert v._format_bytes(1.5 * 2**40) == "1.5 TiB"


@pytest.mark.parametrize("kwargs", [dict(allow_zero="False"), dict(allow_zero=1)])
def test_options_of_the_checks_are_flags_too(kwargs):
    with pytest.raises(TypeError, match="allow_zero must be True or False"):
        v.check_positive("x", 1.0, **kwargs)


def test_as_binary_array_accepts_bools_ints_and_floats():
    expected = np.array([[1.0, 0.0]])
    for value in ([[True, False]], [[1, 0]], [[1.0, 0.0]], np.array([[1, 0]], dtype=np.int8)):
        out = v.as_binary_array("v", value)
        assert out.dtype == np.float64
        np.testing.assert_array_equal(out, expected)


# ------------------------------------------------------------------ boundaries, types and messages
def test_as_float_array_boundaries_of_ndim_and_shape():
    assert v.as_float_array("x", [[1, 2]], ndim=(1, 2)).shape == (1, 2)
    assert v.as_float_array("x", [[1, 2, 3]] * 2, shape=(None, 3)).shape == (2, 3)
    with pytest.raises(ValueError, match=r"^x must have shape \(any, 3\), got \(2, 4\)$"):
        v.as_float_array("x", np.zeros((2, 4)), shape=(None, 3))
    assert v.as_float_array("x", [], allow_empty=True).shape == (0,)


def test_as_float_array_does_not_copy_float64_input():
    a = np.arange(3.0)
    assert np.shares_memory(v.as_float_array("x", a), a)
    b = v.as_float_array("x", np.arange(3))
    assert b.dtype == np.float64


def test_the_options_of_the_checks_are_named_in_their_errors():
    with pytest.raises(TypeError, match="^allow_empty must be True or False"):
        v.as_float_array("x", [1.0], allow_empty="yes")
    with pytest.raises(TypeError, match="^allow_none must be True or False"):
        v.check_callable("f", len, allow_none=1)
    with pytest.raises(TypeError, match="^open_low must be True or False"):
        v.check_probability("p", 0.5, open_low="no")
    with pytest.raises(TypeError, match="^open_high must be True or False"):
        v.check_probability("p", 0.5, open_high="no")
    with pytest.raises(TypeError, match=r"^flag must be True or False, got 'x' \(str\)$"):
        v.check_bool("flag", "x")
    with pytest.raises(TypeError, match=r"^allow_zero must be True or False, got 'x' \(str\)$"):
        v.check_positive("x", 1.0, allow_zero="x")


def test_check_positive_at_zero():
    assert v.check_positive("x", 0, allow_zero=True) == 0.0
    with pytest.raises(ValueError, match=r"^x must be > 0, got 0.0$"):
        v.check_positive("x", 0)
    with pytest.raises(ValueError, match=r"^x must be >= 0, got -1.0$"):
        v.check_positive("x", -1, allow_zero=True)
    with pytest.raises(TypeError, match=r"^x must be a real number, got str$"):
        v.check_positive("x", "1")


def test_check_probability_at_its_ends():
    assert v.check_probability("p", 0, open_low=False) == 0.0
    assert v.check_probability("p", 0.5, open_low=False) == 0.5
    assert v.check_probability("p", 1) == 1.0
    with pytest.raises(ValueError, match=r"^p must lie in \(0, 1\), got 1.0$"):
        v.check_probability("p", 1, open_high=True)
    with pytest.raises(ValueError, match=r"^p must lie in \[0, 1\], got -0.5$"):
        v.check_probability("p", -0.5, open_low=False)


def test_check_int_at_its_bounds():
    assert v.check_int("n", 3, minimum=3, maximum=3) == 3
    with pytest.raises(ValueError, match="^n must be >= 3, got 2$"):
        v.check_int("n", 2, minimum=3)
    with pytest.raises(ValueError, match="^n must be <= 3, got 4$"):
        v.check_int("n", 4, maximum=3)
    with pytest.raises(TypeError, match="^n must be an integer, got float$"):
        v.check_int("n", 1.5)


def test_seed_zero_is_a_seed():
    assert v.check_random_state(0).random() == np.random.default_rng(0).random()
    with pytest.raises(TypeError, match="got str$"):
        v.check_random_state("1")
    with pytest.raises(TypeError, match="^random_state must be None, an int seed or a numpy.random.Gen"):
        v.check_random_state("1")


def test_check_memory_at_zero_and_its_messages():
    assert v.check_memory("n", 0) == 0
    assert v.check_memory("n", 0.5) == 0
    with pytest.raises(ValueError, match=r"^n: would need 8 GiB of memory"):
        v.check_memory("n", 8 * 2**30)
    with pytest.raises(TypeError, match="^n_bytes must be a number of bytes, got str$"):
        v.check_memory("n", "1")
    with pytest.raises(ValueError, match="^n_bytes must be a non-negative number of bytes, got -1$"):
        v.check_memory("n", -1)


def test_memory_limit_is_half_the_physical_memory(monkeypatch):
    pages = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 1001}
    monkeypatch.setattr(v.os, "sysconf", lambda key: pages[key])
    limit = v._memory_limit()
    assert limit == 4096 * 1001 // 2 and type(limit) is int
    pages["SC_PHYS_PAGES"] = 0  # unknown: the fixed limit
    assert v._memory_limit() == v.MAX_BYTES
    pages["SC_PAGE_SIZE"], pages["SC_PHYS_PAGES"] = 1, 1
    assert v._memory_limit() == 0
    pages["SC_PHYS_PAGES"] = 2**40
    assert v._memory_limit() == v.MAX_BYTES


def test_format_bytes_at_each_unit():
    assert v._format_bytes(2**20) == "1 MiB"
    assert v._format_bytes(2**21) == "2 MiB"
    assert v._format_bytes(2**10) == "1 KiB"
    assert v._format_bytes(2**11) == "2 KiB"
    assert v._format_bytes(2**20 - 2**10) == "1.02e+03 KiB"
    assert v._format_bytes(1023) == "1023 bytes"
