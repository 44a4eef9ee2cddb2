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
