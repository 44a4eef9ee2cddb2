"""Bad input for dgmbook.validation: the checks themselves answer a wrong value clearly."""

import numpy as np

from bad_input import bad
from dgmbook import validation as v

CASES = {
    "as_float_array": [
        bad(lambda: v.as_float_array("x", "abc"), TypeError, "x", "real numbers"),
        bad(lambda: v.as_float_array("x", [[1.0, 2.0], [3.0]]), TypeError, "x", "array-like"),
        bad(lambda: v.as_float_array("x", [1 + 2j]), TypeError, "x", "real numbers"),
        bad(lambda: v.as_float_array("x", None), TypeError, "x"),
        bad(lambda: v.as_float_array("x", [True, False]), TypeError, "x", "booleans"),
        bad(lambda: v.as_float_array("x", [1.0, np.inf]), ValueError, "x", "finite"),
        bad(lambda: v.as_float_array("x", [1.0, np.nan]), ValueError, "x", "finite"),
        bad(lambda: v.as_float_array("x", []), ValueError, "x", "empty"),
        bad(lambda: v.as_float_array("x", [1.0, 2.0], ndim=2), ValueError, "x", "ndim"),
        bad(lambda: v.as_float_array("x", [[1.0, 2.0]], shape=(None, 3)), ValueError, "x", "(any, 3)"),
        bad(lambda: v.as_float_array("x", [1.0], allow_empty="no"), TypeError, "allow_empty",
            "True or False"),
    ],
    "as_binary_array": [
        bad(lambda: v.as_binary_array("v", [0.0, 0.5]), ValueError, "v", "binary"),
        bad(lambda: v.as_binary_array("v", [0, 2]), ValueError, "v", "binary"),
        bad(lambda: v.as_binary_array("v", [-1.0, 1.0]), ValueError, "v", "binary"),
        bad(lambda: v.as_binary_array("v", ["0", "1"]), TypeError, "v"),
        bad(lambda: v.as_binary_array("v", [[0, 1], [1]]), TypeError, "v", "array-like"),
        bad(lambda: v.as_binary_array("v", [0.0, np.nan]), ValueError, "v", "finite"),
        bad(lambda: v.as_binary_array("v", [0, 1], ndim=2), ValueError, "v", "ndim"),
    ],
    "check_positive": [
        bad(lambda: v.check_positive("sigma", 0), ValueError, "sigma", "> 0"),
        bad(lambda: v.check_positive("sigma", -1.0, allow_zero=True), ValueError, "sigma", ">= 0"),
        bad(lambda: v.check_positive("sigma", "1"), TypeError, "sigma", "real number"),
        bad(lambda: v.check_positive("sigma", True), TypeError, "sigma", "real number"),
        bad(lambda: v.check_positive("sigma", [1.0]), TypeError, "sigma", "real number"),
        bad(lambda: v.check_positive("sigma", np.nan), ValueError, "sigma", "finite"),
        bad(lambda: v.check_positive("sigma", np.inf), ValueError, "sigma", "finite"),
        bad(lambda: v.check_positive("sigma", 0.0, allow_zero="yes"), TypeError, "allow_zero"),
    ],
    "check_probability": [
        bad(lambda: v.check_probability("p", 1.5), ValueError, "p", "(0, 1]"),
        bad(lambda: v.check_probability("p", 0.0), ValueError, "p", "(0, 1]"),
        bad(lambda: v.check_probability("p", 1.0, open_high=True), ValueError, "p", "(0, 1)"),
        bad(lambda: v.check_probability("p", -0.1, open_low=False), ValueError, "p", "[0, 1]"),
        bad(lambda: v.check_probability("p", "0.5"), TypeError, "p", "real number"),
        bad(lambda: v.check_probability("p", np.nan), ValueError, "p", "finite"),
        bad(lambda: v.check_probability("p", 0.5, open_high="False"), TypeError, "open_high"),
        bad(lambda: v.check_probability("p", 0.5, open_low=0), TypeError, "open_low"),
    ],
    "check_int": [
        bad(lambda: v.check_int("k", 2.0), TypeError, "k", "integer"),
        bad(lambda: v.check_int("k", 2.5), TypeError, "k", "integer"),
        bad(lambda: v.check_int("k", "3"), TypeError, "k", "integer"),
        bad(lambda: v.check_int("k", True), TypeError, "k", "integer"),
        bad(lambda: v.check_int("k", np.bool_(True)), TypeError, "k", "integer"),
        bad(lambda: v.check_int("k", 0, minimum=1), ValueError, "k", ">= 1"),
        bad(lambda: v.check_int("k", 7, maximum=6), ValueError, "k", "<= 6"),
        bad(lambda: v.check_int("k", None), TypeError, "k", "integer"),
    ],
    "check_random_state": [
        bad(lambda: v.check_random_state(-1), ValueError, "random_state", "non-negative"),
        bad(lambda: v.check_random_state(np.int64(-5)), ValueError, "random_state", "non-negative"),
        bad(lambda: v.check_random_state(1.5), TypeError, "random_state", "Generator"),
        bad(lambda: v.check_random_state("0"), TypeError, "random_state", "int seed"),
        bad(lambda: v.check_random_state(True), TypeError, "random_state"),
        bad(lambda: v.check_random_state(np.random.RandomState(0)), TypeError, "random_state", "Generator"),
    ],
    "check_bool": [
        bad(lambda: v.check_bool("persistent", "False"), TypeError, "persistent", "True or False"),
        bad(lambda: v.check_bool("persistent", 1), TypeError, "persistent", "True or False"),
        bad(lambda: v.check_bool("persistent", None), TypeError, "persistent"),
        bad(lambda: v.check_bool("persistent", np.array([True])), TypeError, "persistent"),
    ],
    "check_callable": [
        bad(lambda: v.check_callable("callback", 3), TypeError, "callback", "a callable"),
        bad(lambda: v.check_callable("callback", None), TypeError, "callback", "a callable"),
        bad(lambda: v.check_callable("callback", "print", allow_none=True), TypeError, "callback",
            "a callable or None"),
        bad(lambda: v.check_callable("callback", len, allow_none="yes"), TypeError, "allow_none"),
    ],
    "check_memory": [
        bad(lambda: v.check_memory("nu", 2.0**40), ValueError, "nu", "TiB", "smaller nu"),
        bad(lambda: v.check_memory("n", 10 * 2**30, what="10 GiB of samples"), ValueError, "n",
            "10 GiB of samples"),
        bad(lambda: v.check_memory("nu", float("nan")), ValueError, "n_bytes"),
        bad(lambda: v.check_memory("nu", -1), ValueError, "n_bytes", "non-negative"),
        bad(lambda: v.check_memory("nu", "1"), TypeError, "n_bytes"),
    ],
}

VALID = [
    lambda: v.as_float_array("x", [[1, 2], [3, 4]], shape=(2, 2)),         # lists of lists of ints
    lambda: v.as_float_array("x", np.int32(3), ndim=0),                    # a numpy integer scalar
    lambda: v.as_float_array("x", [], allow_empty=np.True_),               # a numpy bool flag
    lambda: v.as_binary_array("v", [[True, False], [False, True]]),        # bools for binary data
    lambda: v.as_binary_array("v", np.array([[0, 1]], dtype=np.uint8)),    # small unsigned ints
    lambda: v.check_positive("sigma", np.float32(0.5)),
    lambda: v.check_probability("p", np.float64(1.0)),
    lambda: v.check_int("k", np.int64(3), minimum=1),
    lambda: v.check_random_state(np.uint32(7)),
    lambda: v.check_bool("flag", np.bool_(False)),
    lambda: v.check_callable("callback", None, allow_none=True),
    lambda: v.check_memory("nu", 1024),
]
