"""Bad-input cases for ``dgmbook.inference`` (format: ``tests/bad_input/__init__.py``)."""

import numpy as np

from bad_input import bad
from dgmbook.inference import (
    ExponentialTests,
    chi2_pvalue,
    exponential_mle_z_cdf,
    exponential_rejection_probability,
    exponential_test_statistics,
    likelihood_ratio_statistic,
    normal_mean_interval,
    normal_mean_interval_coverage,
    score_statistic,
    wald_statistic,
)

CASES = {
    "score_statistic": [
        bad(lambda: score_statistic([1.0, 2.0, 3.0], [[1.0], [2.0]]), ValueError,
            "score", "information", "(3,)", "(2, 1)", why="used to broadcast to a 2x3 array"),
        bad(lambda: score_statistic([1.0, 2.0, 3.0], [1.0, 2.0]), ValueError, "same shape"),
        bad(lambda: score_statistic(1.0, 0.0), ValueError, "information", "> 0"),
        bad(lambda: score_statistic("a", 1.0), TypeError, "score"),
        bad(lambda: score_statistic(np.nan, 1.0), ValueError, "score", "finite"),
        bad(lambda: score_statistic(1.0, "a"), TypeError, "information"),
    ],
    "wald_statistic": [
        bad(lambda: wald_statistic([1.0, 2.0, 3.0], 0.0, [[1.0], [2.0]]), ValueError,
            "estimate", "information", "(3,)", "(2, 1)"),
        bad(lambda: wald_statistic([1.0, 2.0], [0.0, 0.0, 0.0], 1.0), ValueError, "null", "(3,)"),
        bad(lambda: wald_statistic(1.0, 0.0, -1.0), ValueError, "information", "> 0"),
        bad(lambda: wald_statistic(1.0, None, 1.0), TypeError, "null"),
        bad(lambda: wald_statistic("a", 0.0, 1.0), TypeError, "estimate"),
        bad(lambda: wald_statistic(1.0, 0.0, "a"), TypeError, "information"),
    ],
    "likelihood_ratio_statistic": [
        bad(lambda: likelihood_ratio_statistic([0.0, 0.0, 0.0], [[-1.0], [-2.0]]), ValueError,
            "loglik_hat", "loglik_null", "(3,)", "(2, 1)"),
        bad(lambda: likelihood_ratio_statistic(-3.0, -1.0), ValueError, "loglik_hat", "loglik_null"),
        bad(lambda: likelihood_ratio_statistic(np.inf, 0.0), ValueError, "loglik_hat", "finite"),
        bad(lambda: likelihood_ratio_statistic(0.0, "x"), TypeError, "loglik_null"),
    ],
    "chi2_pvalue": [
        bad(lambda: chi2_pvalue(-1.0), ValueError, "statistic", ">= 0"),
        bad(lambda: chi2_pvalue(1.0, df=0), ValueError, "df", ">= 1"),
        bad(lambda: chi2_pvalue(1.0, df=1.5), TypeError, "df"),
        bad(lambda: chi2_pvalue(None), TypeError, "statistic"),
    ],
    "ExponentialTests": [
        bad(lambda: ExponentialTests(1.0, -1.0, 1.0, 1.0), ValueError, "likelihood_ratio", ">= 0"),
        bad(lambda: ExponentialTests([1.0, 2.0], [1.0], [1.0, 2.0], [1.0, 2.0]), ValueError,
            "likelihood_ratio", "same shape"),
        bad(lambda: ExponentialTests(np.nan, 1.0, 1.0, 1.0), ValueError, "score", "finite"),
        bad(lambda: ExponentialTests(1.0, 1.0, "1", 1.0), TypeError, "wald_rate"),
    ],
    "exponential_test_statistics": [
        bad(lambda: exponential_test_statistics([1.0, -1.0], 1.0), ValueError, "x", ">= 0",
            "the Exponential distribution"),
        bad(lambda: exponential_test_statistics([0.0, 0.0], 1.0), ValueError, "x", "all zeros", "the MLE"),
        bad(lambda: exponential_test_statistics(1.0, 1.0), ValueError, "x", "dimension"),
        bad(lambda: exponential_test_statistics([1.0], 0.0), ValueError, "rate0", "> 0"),
        bad(lambda: exponential_test_statistics(["a"], 1.0), TypeError, "x"),
        bad(lambda: exponential_test_statistics([1.0], [1.0, 2.0]), TypeError, "rate0"),
    ],
    "exponential_rejection_probability": [
        bad(lambda: exponential_rejection_probability(-1.0, 1.0, 5, "score"), ValueError, "rate", "> 0"),
        bad(lambda: exponential_rejection_probability(1.0, 1.0, 0, "score"), ValueError, "n", ">= 1"),
        bad(lambda: exponential_rejection_probability(1.0, 1.0, 5, "rao"), ValueError, "test", "score"),
        bad(lambda: exponential_rejection_probability(1.0, 1.0, 5, ["score"]), TypeError, "test"),
        bad(lambda: exponential_rejection_probability(1.0, 1.0, 5, "score", level=1.0), ValueError,
            "level", "(0, 1)"),
        bad(lambda: exponential_rejection_probability(1.0, 1.0, 5.5, "score"), TypeError, "n"),
        bad(lambda: exponential_rejection_probability(0.0, 1.0, 5, "score"), ValueError, "rate", "> 0"),
        bad(lambda: exponential_rejection_probability([[1.0]], 1.0, 5, "score"), ValueError, "rate", "ndim"),
        bad(lambda: exponential_rejection_probability(1.0, 0.0, 5, "score"), ValueError, "rate0", "> 0"),
        bad(lambda: exponential_rejection_probability(1.0, 1.0, 5, 3), TypeError, "test", "got int"),
    ],
    "exponential_mle_z_cdf": [
        bad(lambda: exponential_mle_z_cdf(0.0, 0), ValueError, "n", ">= 1"),
        bad(lambda: exponential_mle_z_cdf(np.nan, 5), ValueError, "z", "finite"),
        bad(lambda: exponential_mle_z_cdf(0.0, 5.0), TypeError, "n"),
        bad(lambda: exponential_mle_z_cdf("0", 5), TypeError, "z"),
    ],
    "normal_mean_interval": [
        bad(lambda: normal_mean_interval([1.0], 0.95, "t"), ValueError, "x", "n >= 2"),
        bad(lambda: normal_mean_interval([1.0, 2.0], 0.95, "plugin", sigma=1.0), ValueError,
            "sigma", "None"),
        bad(lambda: normal_mean_interval([1.0, 2.0], 0.95, "known"), ValueError, "sigma"),
        bad(lambda: normal_mean_interval([1.0, 2.0], 0.95, "known", sigma=-1.0), ValueError,
            "sigma", "> 0"),
        bad(lambda: normal_mean_interval([1.0, 2.0], 0.0, "t"), ValueError, "level"),
        bad(lambda: normal_mean_interval([1.0, 2.0], 0.95, "bootstrap"), ValueError, "method", "score"),
        bad(lambda: normal_mean_interval([1.0, 2.0], 0.95, None), TypeError, "method"),
        bad(lambda: normal_mean_interval([True, False], 0.95, "t"), TypeError, "x"),
        bad(lambda: normal_mean_interval(1.0, 0.95, "t"), ValueError, "x", "at least one dimension",
            "the sample along the last axis"),
        bad(lambda: normal_mean_interval([1.0, 2.0], 1.0, "t"), ValueError, "level", "(0, 1)"),
        bad(lambda: normal_mean_interval([1.0, 2.0], 0.95, 3), TypeError, "method", "got int"),
    ],
    "normal_mean_interval_coverage": [
        bad(lambda: normal_mean_interval_coverage(1, 0.95, "t"), ValueError, "n", ">= 2"),
        bad(lambda: normal_mean_interval_coverage(10, 1.5, "t"), ValueError, "level"),
        bad(lambda: normal_mean_interval_coverage(10, 0.95, "wilson"), ValueError, "method"),
        bad(lambda: normal_mean_interval_coverage(10.0, 0.95, "t"), TypeError, "n"),
        bad(lambda: normal_mean_interval_coverage(10, 0.95, 3), TypeError, "method", "got int"),
        bad(lambda: normal_mean_interval_coverage(10, 1.0, "t"), ValueError, "level", "(0, 1)"),
    ],
}

VALID = [
    lambda: score_statistic([1, 2, 3], 2),                                   # ints, a scalar information
    lambda: wald_statistic(np.array([1.0, 2.0]), np.int64(1), [1, 1]),
    lambda: likelihood_ratio_statistic([[0.0, 1.0]], [[-1, 0]]),
    lambda: chi2_pvalue([0, 1, 4], df=np.int64(2)),
    lambda: ExponentialTests(1, 2, 1, 3),
    lambda: exponential_test_statistics([[1, 2, 3], [4, 5, 6]], np.int64(2)),
    lambda: exponential_rejection_probability([1, 2], 1, np.int64(10), "likelihood_ratio"),
    lambda: exponential_mle_z_cdf([-1, 0, 1], np.int32(20)),
    lambda: normal_mean_interval([[1, 2, 3]], 0.9, "known", sigma=np.int64(1)),
    lambda: normal_mean_interval_coverage(np.int64(5), 0.95, "score"),
]
