"""Tests of dgmbook.datasets: the bars-and-stripes set and the binarised digits."""

import sys

import numpy as np
import pytest

from dgmbook.datasets import bars_and_stripes, load_binary_digits, train_test_split


@pytest.mark.parametrize("size", [2, 3, 4])
def test_bars_and_stripes_count_and_uniqueness(size):
    data = bars_and_stripes(size)
    assert data.shape == (2 ** (size + 1) - 2, size * size)
    assert len({row.tobytes() for row in data}) == data.shape[0]
    assert set(np.unique(data)) == {0.0, 1.0}


def test_bars_and_stripes_rows_or_columns_constant():
    size = 4
    images = bars_and_stripes(size).reshape(-1, size, size)
    rows_constant = np.all(images == images[:, :, :1], axis=(1, 2))
    cols_constant = np.all(images == images[:, :1, :], axis=(1, 2))
    assert np.all(rows_constant | cols_constant)
    # both kinds are present, and only the blank and full images are both
    assert np.sum(rows_constant & cols_constant) == 2


@pytest.mark.parametrize("bad", [1, 7])
def test_bars_and_stripes_rejects_bad_size(bad):
    with pytest.raises(ValueError, match="size"):
        bars_and_stripes(bad)


def test_bars_and_stripes_rejects_non_integer_size():
    with pytest.raises(TypeError, match="size"):
        bars_and_stripes(3.0)


def test_train_test_split_partitions_rows():
    data = np.arange(40.0).reshape(20, 2)
    train, test = train_test_split(data, test_fraction=0.25, random_state=1)
    assert test.shape == (5, 2) and train.shape == (15, 2)
    together = np.sort(np.concatenate([train[:, 0], test[:, 0]]))
    np.testing.assert_array_equal(together, data[:, 0])


def test_train_test_split_is_seeded():
    data = np.arange(40.0).reshape(20, 2)
    a = train_test_split(data, random_state=3)[1]
    b = train_test_split(data, random_state=3)[1]
    np.testing.assert_array_equal(a, b)


def test_train_test_split_rejects_bad_fraction():
    with pytest.raises(ValueError, match="test_fraction"):
        train_test_split(np.zeros((10, 2)), test_fraction=1.0)


def test_load_binary_digits_shapes_and_values():
    train, test = load_binary_digits(test_fraction=0.2, random_state=0)
    assert train.shape[1] == test.shape[1] == 64
    assert train.shape[0] + test.shape[0] == 1797
    assert test.shape[0] == round(0.2 * 1797)
    assert set(np.unique(train)) == {0.0, 1.0}
    # corner pixels of the digits are essentially always off, central ones often on
    assert train[:, 0].mean() < 0.01
    assert 0.2 < train.mean() < 0.5


def test_load_binary_digits_threshold_monotone():
    low = load_binary_digits(threshold=0.25)[0].mean()
    high = load_binary_digits(threshold=0.75)[0].mean()
    assert low > high


def test_load_binary_digits_rejects_bad_threshold():
    with pytest.raises(ValueError, match="threshold"):
        load_binary_digits(threshold=1.0)


@pytest.mark.parametrize(("n", "fraction"), [(3, 0.9), (10, 0.97), (2, 0.75)])
def test_train_test_split_never_leaves_an_empty_training_set(n, fraction):
    with pytest.raises(ValueError, match=f"test_fraction={fraction:g} of {n} rows .* no training rows"):
        train_test_split(np.zeros((n, 3)), fraction)


def test_train_test_split_always_holds_out_a_row_and_keeps_one():
    for n in (2, 3, 7):
        for fraction in (1e-6, 0.3, 0.5, (n - 0.6) / n):
            train, test = train_test_split(np.arange(2.0 * n).reshape(n, 2), fraction, random_state=0)
            assert len(train) >= 1 and len(test) >= 1 and len(train) + len(test) == n


def test_train_test_split_accepts_lists_and_bools_and_keeps_the_dtype():
    train, test = train_test_split([[True, False], [False, True], [True, True]], 0.4, random_state=0)
    assert train.dtype == bool and test.shape == (1, 2)
    with pytest.raises(TypeError, match="data must contain numbers"):
        train_test_split([["a"], ["b"]])


# ---------------------------------------------------------------------- exact values, defaults, thresholds
def test_bars_and_stripes_exact_order_and_default_size():
    bas2 = bars_and_stripes(2)
    # bars (rows constant) for codes 0..3, then the stripes of codes 1 and 2
    np.testing.assert_array_equal(bas2, [[0, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [1, 1, 1, 1],
                                         [1, 0, 1, 0], [0, 1, 0, 1]])
    assert bars_and_stripes().shape == (14, 9) and bars_and_stripes().dtype == np.float64
    assert bars_and_stripes(6).shape == (2 * 2**6 - 2, 36)


def test_train_test_split_replays_the_permutation_and_its_defaults():
    data = np.arange(20.0).reshape(10, 2)
    train, test = train_test_split(data, random_state=4)  # test_fraction 0.2 by default
    perm = np.random.default_rng(4).permutation(10)
    np.testing.assert_array_equal(test, data[perm[:2]])
    np.testing.assert_array_equal(train, data[perm[2:]])
    train, test = train_test_split(data[:2], test_fraction=0.01, random_state=0)  # two rows: the minimum
    assert train.shape == (1, 2) and test.shape == (1, 2)
    assert train_test_split(np.ones((4, 1)), test_fraction=0.6)[1].shape == (2, 1)  # round(2.4) = 2
    with pytest.raises(ValueError, match=r"^data must be 2-D with at least two rows and one column"):
        train_test_split(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"^data must be 2-D with at least two rows and one column"):
        train_test_split(np.ones((3, 0)))
    with pytest.raises(ValueError, match=r"^test_fraction=0.8 of 2 rows holds out 2 and leaves no training"):
        train_test_split(np.ones((2, 1)), test_fraction=0.8)
    with pytest.raises(TypeError, match="^data must contain numbers or booleans, got dtype <U1$"):
        train_test_split([["a"], ["b"]])


def test_load_binary_digits_defaults_and_threshold_boundary():
    from sklearn.datasets import load_digits

    pixels = load_digits().data / 16.0
    train, test = load_binary_digits()  # threshold 0.5, test_fraction 0.2, random_state 0
    expected_train, expected_test = train_test_split((pixels > 0.5).astype(float), 0.2, random_state=0)
    np.testing.assert_array_equal(train, expected_train)
    np.testing.assert_array_equal(test, expected_test)
    train0, test0 = load_binary_digits(threshold=0.0, test_fraction=0.5, random_state=1)
    full = np.vstack([train0, test0])
    assert full.mean() == pytest.approx((pixels > 0).mean())  # a threshold of 0 is allowed: pixel > 0
    assert test0.shape[0] == round(0.5 * len(pixels))


def test_load_binary_digits_scales_pixels_by_16_and_needs_scikit_learn(monkeypatch):
    from sklearn.datasets import load_digits

    train, test = load_binary_digits(threshold=0.9, test_fraction=0.5, random_state=1)
    assert np.vstack([train, test]).mean() == pytest.approx((load_digits().data > 0.9 * 16).mean())
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # import fails
    with pytest.raises(ImportError, match=r"^load_binary_digits needs scikit-learn \(pip install scikit-"):
        load_binary_digits()


def test_train_test_split_says_which_fraction_would_work():
    with pytest.raises(ValueError, match=r"choose test_fraction below 0\.75 or give more rows$"):
        train_test_split(np.ones((2, 1)), test_fraction=0.8)
