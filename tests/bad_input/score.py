"""Bad-input cases for ``dgmbook.score`` (format: ``tests/bad_input/__init__.py``)."""

import numpy as np

from bad_input import bad
from dgmbook.score import (
    FisherScoringResult,
    cauchy_location_fisher_information,
    cauchy_location_loglik,
    cauchy_location_score,
    exponential_fisher_information,
    exponential_score,
    fisher_scoring,
    monte_carlo_fisher_information,
    normal_fisher_information,
    normal_score,
)

ONE = lambda theta: np.array([1.0])  # noqa: E731  (a total score of one parameter)
EYE = lambda theta: np.eye(1)  # noqa: E731  (a Fisher information of one parameter)

CASES = {
    "normal_score": [
        bad(lambda: normal_score([1.0], 0.0, 0.0), ValueError, "sigma2", "> 0"),
        bad(lambda: normal_score([1.0], 0.0, -1.0), ValueError, "sigma2"),
        bad(lambda: normal_score([np.nan], 0.0, 1.0), ValueError, "x", "finite"),
        bad(lambda: normal_score([1.0], [0.0, 1.0], 1.0), ValueError, "mu"),
        bad(lambda: normal_score(["a"], 0.0, 1.0), TypeError, "x"),
        bad(lambda: normal_score([1.0], 0.0, "1"), TypeError, "sigma2"),
        bad(lambda: normal_score([1.0], None, 1.0), TypeError, "mu"),
        bad(lambda: normal_score([], 0.0, 1.0), ValueError, "x", "empty"),
    ],
    "normal_fisher_information": [
        bad(lambda: normal_fisher_information(-2.0), ValueError, "sigma2"),
        bad(lambda: normal_fisher_information(np.inf), ValueError, "sigma2", "finite"),
        bad(lambda: normal_fisher_information([1.0]), TypeError, "sigma2"),
        bad(lambda: normal_fisher_information(True), TypeError, "sigma2"),
    ],
    "exponential_score": [
        bad(lambda: exponential_score([1.0, -0.1], 1.0), ValueError, "x", ">= 0"),
        bad(lambda: exponential_score([1.0], 0.0), ValueError, "rate", "> 0"),
        bad(lambda: exponential_score([1.0], "2"), TypeError, "rate"),
        bad(lambda: exponential_score([np.inf], 1.0), ValueError, "x", "finite"),
    ],
    "exponential_fisher_information": [
        bad(lambda: exponential_fisher_information([1.0, -1.0]), ValueError, "rate", "> 0"),
        bad(lambda: exponential_fisher_information([[1.0]]), ValueError, "rate", "ndim"),
        bad(lambda: exponential_fisher_information("1"), TypeError, "rate"),
        bad(lambda: exponential_fisher_information(np.nan), ValueError, "rate", "finite"),
    ],
    "cauchy_location_score": [
        bad(lambda: cauchy_location_score([[1.0]], 0.0), ValueError, "x", "ndim"),
        bad(lambda: cauchy_location_score([1.0], [[0.0]]), ValueError, "loc", "ndim"),
        bad(lambda: cauchy_location_score([1.0], 0.0, scale=-1.0), ValueError, "scale", "> 0"),
        bad(lambda: cauchy_location_score([1.0], None), TypeError, "loc"),
    ],
    "cauchy_location_loglik": [
        bad(lambda: cauchy_location_loglik([1.0], 0.0, scale=0.0), ValueError, "scale", "> 0"),
        bad(lambda: cauchy_location_loglik([np.nan, 1.0], 0.0), ValueError, "x", "finite"),
        bad(lambda: cauchy_location_loglik([1.0], "0"), TypeError, "loc"),
        bad(lambda: cauchy_location_loglik([], 0.0), ValueError, "x", "empty"),
    ],
    "cauchy_location_fisher_information": [
        bad(lambda: cauchy_location_fisher_information(0.0), ValueError, "scale", "> 0"),
        bad(lambda: cauchy_location_fisher_information(None), TypeError, "scale"),
        bad(lambda: cauchy_location_fisher_information(np.inf), ValueError, "scale", "finite"),
    ],
    "monte_carlo_fisher_information": [
        bad(lambda: monte_carlo_fisher_information([1.0]), ValueError, "scores", "at least 2"),
        bad(lambda: monte_carlo_fisher_information(np.zeros((3, 2, 2))), ValueError, "scores", "ndim"),
        bad(lambda: monte_carlo_fisher_information([1.0, np.nan]), ValueError, "scores", "finite"),
        bad(lambda: monte_carlo_fisher_information([[1.0, 2.0], [3.0]]), TypeError, "scores"),
    ],
    "FisherScoringResult": [
        bad(lambda: FisherScoringResult(np.zeros(1), np.zeros((2, 1)), "yes", 1), TypeError,
            "converged", "True or False", why="a flag is a bool, not a truthy string"),
        bad(lambda: FisherScoringResult(np.zeros(1), np.zeros((3, 1)), True, 1), ValueError,
            "path", "(2, 1)"),
        bad(lambda: FisherScoringResult(np.zeros(1), np.zeros((2, 1)), True, 1.5), TypeError, "n_iter"),
        bad(lambda: FisherScoringResult([np.nan], np.zeros((2, 1)), True, 1), ValueError, "theta"),
    ],
    "fisher_scoring": [
        bad(lambda: fisher_scoring(ONE, EYE, 0.0, max_iter=0), ValueError, "max_iter", ">= 1"),
        bad(lambda: fisher_scoring(ONE, EYE, 0.0, tol=-1.0), ValueError, "tol", "> 0"),
        bad(lambda: fisher_scoring(None, EYE, 0.0), TypeError, "score", "callable"),
        bad(lambda: fisher_scoring(ONE, 3, 0.0), TypeError, "information", "callable"),
        bad(lambda: fisher_scoring(ONE, EYE, [[0.0]]), ValueError, "theta0", "ndim"),
        bad(lambda: fisher_scoring(lambda t: np.ones(2), EYE, 0.0), ValueError, "score(theta)", "1 value"),
        bad(lambda: fisher_scoring(ONE, lambda t: np.eye(2), [0.0]), ValueError, "information(theta)",
            "(1, 1)"),
        bad(lambda: fisher_scoring(lambda t: np.array([np.nan]), EYE, [0.0]), ValueError,
            "score(theta)", "not finite"),
        bad(lambda: fisher_scoring(ONE, lambda t: np.array([[np.inf]]), [0.0]), ValueError,
            "information(theta)", "not finite"),
        bad(lambda: fisher_scoring(lambda t: "1", EYE, [0.0]), TypeError, "score(theta)", "real numbers"),
        bad(lambda: fisher_scoring(ONE, lambda t: -2.0 * np.eye(1), [0.0]), ValueError,
            "information(theta)", "positive definite",
            why="a negative-definite information used to send theta to about -2.5e30 silently"),
        bad(lambda: fisher_scoring(lambda t: np.ones(2), lambda t: np.ones((2, 2)), [0.0, 0.0]),
            ValueError, "information(theta)", "singular",
            why="a singular information used to end in numpy's LinAlgError"),
        bad(lambda: fisher_scoring(lambda t: np.ones(2), lambda t: np.array([[1.0, 2.0], [0.0, 1.0]]),
                                   [0.0, 0.0]), ValueError, "information(theta)", "symmetric"),
        bad(lambda: fisher_scoring(ONE, EYE, 0.0, max_iter=True), TypeError, "max_iter"),
    ],
}

VALID = [
    lambda: normal_score([[1, 2], [3, 4]], np.int64(0), np.int32(2)),          # ints, nested lists
    lambda: normal_fisher_information(np.int64(3)),
    lambda: exponential_score(np.uint8(2), 1),                                  # a 0-d sample
    lambda: exponential_fisher_information([1, 2, 3]),
    lambda: cauchy_location_score([0, 1, 2], [0, 1]),
    lambda: cauchy_location_loglik((0.5, -1.0), np.float32(0.1), scale=np.int64(2)),
    lambda: cauchy_location_fisher_information(np.int16(1)),
    lambda: monte_carlo_fisher_information([[1, 0], [0, 1], [1, 1]]),
    lambda: fisher_scoring(lambda t: 2.0 - t[0], lambda t: [[1]], np.int64(0), max_iter=np.int64(5)),
    lambda: FisherScoringResult([0.0], [[1.0], [0.0]], np.bool_(True), np.int64(1)),
]
