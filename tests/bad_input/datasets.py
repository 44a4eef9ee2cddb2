"""Bad input for dgmbook.datasets."""

import numpy as np

from bad_input import bad
from dgmbook import datasets as d

CASES = {
    "bars_and_stripes": [
        bad(lambda: d.bars_and_stripes(1), ValueError, "size", ">= 2"),
        bad(lambda: d.bars_and_stripes(7), ValueError, "size", "<= 6"),
        bad(lambda: d.bars_and_stripes(3.0), TypeError, "size", "integer"),
        bad(lambda: d.bars_and_stripes("3"), TypeError, "size", "integer"),
        bad(lambda: d.bars_and_stripes(True), TypeError, "size", "integer"),
    ],
    "train_test_split": [
        bad(lambda: d.train_test_split(np.zeros((3, 3)), 0.9), ValueError, "test_fraction",
            "no training rows", why="the issue's example: all three rows were held out"),
        bad(lambda: d.train_test_split(np.zeros((10, 2)), 0.99), ValueError, "test_fraction", "10 rows"),
        bad(lambda: d.train_test_split(np.zeros((10, 2)), 1.0), ValueError, "test_fraction", "(0, 1)"),
        bad(lambda: d.train_test_split(np.zeros((10, 2)), 0.0), ValueError, "test_fraction", "(0, 1)"),
        bad(lambda: d.train_test_split(np.zeros((10, 2)), "0.2"), TypeError, "test_fraction", "real number"),
        bad(lambda: d.train_test_split(np.zeros((10, 2)), random_state=-1), ValueError, "random_state"),
        bad(lambda: d.train_test_split(np.zeros((10, 2)), random_state=0.5), TypeError, "random_state"),
        bad(lambda: d.train_test_split(np.zeros((1, 3))), ValueError, "data", "two rows"),
        bad(lambda: d.train_test_split(np.zeros(10)), ValueError, "data", "2-D"),
        bad(lambda: d.train_test_split(np.zeros((10, 0))), ValueError, "data", "one column"),
        bad(lambda: d.train_test_split([[1, 2], [3]]), TypeError, "data", "array-like"),
        bad(lambda: d.train_test_split([["a", "b"], ["c", "d"]]), TypeError, "data", "numbers"),
        bad(lambda: d.train_test_split(None), TypeError, "data"),
    ],
    "load_binary_digits": [
        bad(lambda: d.load_binary_digits(threshold=1.0), ValueError, "threshold", "[0, 1)"),
        bad(lambda: d.load_binary_digits(threshold=-0.1), ValueError, "threshold", "[0, 1)"),
        bad(lambda: d.load_binary_digits(threshold="0.5"), TypeError, "threshold", "real number"),
        bad(lambda: d.load_binary_digits(test_fraction=0.0), ValueError, "test_fraction"),
        bad(lambda: d.load_binary_digits(test_fraction=0.9999), ValueError, "test_fraction",
            "no training rows"),
        bad(lambda: d.load_binary_digits(random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: d.load_binary_digits(random_state="0"), TypeError, "random_state"),
    ],
}

VALID = [
    lambda: d.bars_and_stripes(np.int64(4)),
    lambda: d.train_test_split([[0, 1], [1, 0], [1, 1]], 0.5, random_state=np.int32(0)),  # lists
    lambda: d.train_test_split(np.ones((4, 2), dtype=bool), 0.25),                         # bools
    lambda: d.train_test_split(np.zeros((3, 3)), 0.8),               # two held out, one to train
    lambda: d.train_test_split(np.zeros((10, 2)), 1e-9),             # rounds to 0: one held out
    lambda: d.load_binary_digits(threshold=0, test_fraction=np.float32(0.5), random_state=None),
]
