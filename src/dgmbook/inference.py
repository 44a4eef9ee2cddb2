"""Likelihood-based tests and intervals built from the score (Question 2, part 4).

- The three classical tests of a simple null :math:`H_0:\\theta=\\theta_0` for a scalar parameter --
  score (Rao / Lagrange multiplier), likelihood ratio and Wald -- as statistics
  (``q2-eq-three-tests``), with their common :math:`\\chi^2_1` limit, and for the Exponential rate
  their **exact** rejection probabilities, which the book compares with simulations.
- The exact law of the standardised Exponential MLE, to measure how fast it becomes normal.
- Confidence intervals for a Normal mean: known :math:`\\sigma` (the inverted score test), the
  plug-in interval with the MLE :math:`\\hat\\sigma`, the inverted score test with :math:`\\sigma^2`
  fitted under the null, and Student's *t* interval, with their exact coverages.

All sample functions work along the **last** axis, so ``x`` of shape ``(reps, n)`` gives ``reps``
statistics at once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import special, stats

from dgmbook.validation import as_float_array, check_int, check_positive, check_probability

__all__ = [
    "score_statistic",
    "wald_statistic",
    "likelihood_ratio_statistic",
    "chi2_pvalue",
    "ExponentialTests",
    "EXPONENTIAL_TESTS",
    "exponential_test_statistics",
    "exponential_rejection_probability",
    "exponential_mle_z_cdf",
    "INTERVAL_METHODS",
    "normal_mean_interval",
    "normal_mean_interval_coverage",
]


# --------------------------------------------------------------------------------------------------
# Generic statistics for a scalar parameter (q2-eq-three-tests)
# --------------------------------------------------------------------------------------------------

def _same_shape(**arrays: np.ndarray) -> None:
    """Arguments that are not scalars must all have one shape: no silent broadcasting."""
    shapes = {name: arr.shape for name, arr in arrays.items() if arr.ndim > 0}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(
            f"{' and '.join(arrays)} must have the same shape (or be scalars), got {listed}"
        )


def score_statistic(score, information) -> np.ndarray:
    """Rao's score statistic :math:`S_n(\\theta_0)^2 / I_n(\\theta_0)`, both evaluated at the null.

    Parameters
    ----------
    score : array_like, shape (...)
        Total score :math:`S_n(\\theta_0) = \\sum_i s(\\theta_0; x_i)`.
    information : float or array_like, shape (...)
        Total Fisher information :math:`I_n(\\theta_0) = n I(\\theta_0)`, > 0; a scalar, or the
        same shape as ``score``.

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    score = as_float_array("score", score)
    information = as_float_array("information", information)
    _same_shape(score=score, information=information)
    if np.any(information <= 0):
        raise ValueError("information must be > 0")
    return score**2 / information


def wald_statistic(estimate, null, information) -> np.ndarray:
    """Wald's statistic :math:`(\\hat\\theta - \\theta_0)^2\\, I_n(\\hat\\theta)`.

    Parameters
    ----------
    estimate : array_like, shape (...)
        The MLE :math:`\\hat\\theta`.
    null : float or array_like, shape (...)
        The null value :math:`\\theta_0`.
    information : float or array_like, shape (...)
        Total Fisher information at the MLE, > 0.

    Each argument is a scalar or has the common shape (...); other shapes are refused rather
    than broadcast.

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    estimate = as_float_array("estimate", estimate)
    null = as_float_array("null", null)
    information = as_float_array("information", information)
    _same_shape(estimate=estimate, null=null, information=information)
    if np.any(information <= 0):
        raise ValueError("information must be > 0")
    return (estimate - null) ** 2 * information


def likelihood_ratio_statistic(loglik_hat, loglik_null) -> np.ndarray:
    """Wilks' statistic :math:`2\\,[\\ell_n(\\hat\\theta) - \\ell_n(\\theta_0)]`.

    Parameters
    ----------
    loglik_hat, loglik_null : float or array_like, shape (...)
        Maximised log-likelihood and log-likelihood at the null; ``loglik_hat >= loglik_null``.
        Each is a scalar or has the common shape (...).

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    loglik_hat = as_float_array("loglik_hat", loglik_hat)
    loglik_null = as_float_array("loglik_null", loglik_null)
    _same_shape(loglik_hat=loglik_hat, loglik_null=loglik_null)
    diff = loglik_hat - loglik_null
    scale = np.maximum(1.0, np.abs(loglik_hat))
    if np.any(diff < -1e-9 * scale):
        raise ValueError("loglik_hat must be >= loglik_null (is loglik_hat the maximum?)")
    return 2.0 * np.maximum(diff, 0.0)


def chi2_pvalue(statistic, df: int = 1) -> np.ndarray:
    """Asymptotic p-value :math:`P(\\chi^2_{df} > \\text{statistic})`."""
    statistic = as_float_array("statistic", statistic)
    if np.any(statistic < 0):
        raise ValueError("statistic must be >= 0")
    df = check_int("df", df, minimum=1)
    return stats.chi2.sf(statistic, df)


# --------------------------------------------------------------------------------------------------
# The Exponential rate
# --------------------------------------------------------------------------------------------------

#: Names of the tests of :func:`exponential_test_statistics`, in the order of its fields.
EXPONENTIAL_TESTS = ("score", "likelihood_ratio", "wald_rate", "wald_mean")


class _ExponentialTestFields(NamedTuple):
    score: np.ndarray
    likelihood_ratio: np.ndarray
    wald_rate: np.ndarray
    wald_mean: np.ndarray


class ExponentialTests(_ExponentialTestFields):
    """The test statistics of :math:`H_0: \\lambda = \\lambda_0`, each of shape (...).

    With :math:`t = \\lambda_0 \\bar x` (``q2-eq-exp-tests``):

    - ``score``: :math:`n(1-t)^2`;
    - ``likelihood_ratio``: :math:`2n(t - 1 - \\log t)`;
    - ``wald_rate``: Wald in the rate :math:`\\lambda`, :math:`n(1-\\lambda_0/\\hat\\lambda)^2`,
      which is **identical** to the score statistic;
    - ``wald_mean``: Wald in the mean :math:`1/\\lambda`, :math:`n(1-1/t)^2`.

    Built by :func:`exponential_test_statistics`; constructed by hand, the four values must be
    finite, non-negative and of one shape.
    """

    __slots__ = ()

    def __new__(cls, score, likelihood_ratio, wald_rate, wald_mean):
        values = {
            "score": score, "likelihood_ratio": likelihood_ratio,
            "wald_rate": wald_rate, "wald_mean": wald_mean,
        }
        for name, value in values.items():
            arr = as_float_array(name, value, allow_empty=True)
            if np.any(arr < 0):
                raise ValueError(f"{name} must be >= 0 (a chi-square statistic)")
            values[name] = arr[()]          # a 0-d array becomes a numpy scalar, as computed
        _same_shape(**{name: np.asarray(value) for name, value in values.items()})
        return super().__new__(cls, *values.values())


def exponential_test_statistics(x, rate0) -> ExponentialTests:
    """Score, likelihood-ratio and Wald statistics for :math:`H_0:\\lambda=\\lambda_0` (``q2-eq-exp-tests``).

    Parameters
    ----------
    x : array_like, shape (..., n)
        Samples along the last axis, entries >= 0 and not all zero.
    rate0 : float
        Null rate :math:`\\lambda_0 > 0`.

    Returns
    -------
    ExponentialTests
        Four arrays of shape (...), asymptotically :math:`\\chi^2_1` under the null.
    """
    x = as_float_array("x", x, ndim=None)
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension (the sample along the last axis)")
    rate0 = check_positive("rate0", rate0)
    if np.any(x < 0):
        raise ValueError("x must be >= 0: the Exponential distribution has support [0, inf)")
    n = x.shape[-1]
    xbar = x.mean(axis=-1)
    if np.any(xbar <= 0):
        raise ValueError("x must not be all zeros along the last axis (the MLE 1/mean would be infinite)")
    rate_hat = 1.0 / xbar
    # The three generic statistics, written with the Exponential's score and information.
    total_score = n / rate0 - n * xbar                        # S_n(lambda_0)
    score = score_statistic(total_score, n / rate0**2)
    loglik = lambda rate: n * np.log(rate) - rate * n * xbar   # noqa: E731  (l_n(lambda))
    lr = likelihood_ratio_statistic(loglik(rate_hat), loglik(rate0))
    wald_rate = wald_statistic(rate_hat, rate0, n / rate_hat**2)
    wald_mean = wald_statistic(xbar, 1.0 / rate0, n / xbar**2)  # mean m = 1/lambda, I(m) = 1/m^2
    return ExponentialTests(score, lr, wald_rate, wald_mean)


def _acceptance_region(test: str, n: int, crit: float) -> tuple[float, float]:
    """Interval of t = lambda_0 * xbar on which ``test`` does not reject (critical value ``crit``)."""
    r = np.sqrt(crit / n)
    if test in ("score", "wald_rate"):                 # n (1 - t)^2 <= crit
        return max(1.0 - r, 0.0), 1.0 + r
    if test == "wald_mean":                            # n (1 - 1/t)^2 <= crit
        return 1.0 / (1.0 + r), (1.0 / (1.0 - r) if r < 1 else np.inf)
    # likelihood ratio: t - log t = 1 + k with k = crit / (2n); the two real branches of Lambert W
    arg = -np.exp(-1.0 - crit / (2.0 * n))
    return float(-special.lambertw(arg, 0).real), float(-special.lambertw(arg, -1).real)


def exponential_rejection_probability(rate, rate0, n, test: str, level: float = 0.05) -> np.ndarray:
    """Exact probability that ``test`` rejects :math:`H_0:\\lambda=\\lambda_0` at asymptotic level ``level``.

    Under rate :math:`\\lambda`, :math:`n\\lambda\\bar X \\sim \\mathrm{Gamma}(n, 1)`, so
    :math:`t = \\lambda_0\\bar X` has a Gamma law with shape ``n`` and scale
    :math:`\\lambda_0/(n\\lambda)`. Each test rejects outside an interval of :math:`t`; its
    probability is a difference of Gamma distribution functions. At ``rate == rate0`` this is the
    exact **size** of the test; elsewhere its **power**.

    Parameters
    ----------
    rate : float or array_like, shape (m,)
        True rate(s), > 0.
    rate0 : float
        Null rate, > 0.
    n : int
        Sample size, >= 1.
    test : {"score", "likelihood_ratio", "wald_rate", "wald_mean"}
    level : float, default 0.05
        Nominal level; the critical value is the :math:`1-\\text{level}` quantile of :math:`\\chi^2_1`.

    Returns
    -------
    numpy.ndarray, shape () or (m,)
    """
    rate = as_float_array("rate", rate, ndim=(0, 1))
    if np.any(rate <= 0):
        raise ValueError("rate must be > 0")
    rate0 = check_positive("rate0", rate0)
    n = check_int("n", n, minimum=1)
    if not isinstance(test, str):
        raise TypeError(f"test must be one of {EXPONENTIAL_TESTS}, got {type(test).__name__}")
    if test not in EXPONENTIAL_TESTS:
        raise ValueError(f"test must be one of {EXPONENTIAL_TESTS}, got {test!r}")
    level = check_probability("level", level, open_high=True)
    lo, hi = _acceptance_region(test, n, stats.chi2.isf(level, 1))
    law = stats.gamma(a=n, scale=rate0 / (n * rate))
    return law.cdf(lo) + law.sf(hi)


def exponential_mle_z_cdf(z, n) -> np.ndarray:
    """Exact CDF of the standardised Exponential MLE.

    .. math::
        Z_n = \\sqrt{n I(\\lambda)}\\,(\\hat\\lambda - \\lambda) = \\sqrt n(\\hat\\lambda/\\lambda - 1).

    With :math:`\\hat\\lambda = 1/\\bar X` and :math:`G = n\\lambda\\bar X \\sim \\mathrm{Gamma}(n,1)`,
    :math:`\\hat\\lambda/\\lambda = n/G`, so :math:`P(Z_n \\le z) = P(G \\ge n/(1+z/\\sqrt n))` for
    :math:`z > -\\sqrt n` and 0 below. It does not depend on :math:`\\lambda`.

    Parameters
    ----------
    z : array_like, shape (...)
    n : int
        Sample size, >= 1.

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    z = as_float_array("z", z)
    n = check_int("n", n, minimum=1)
    a = 1.0 + z / np.sqrt(n)
    out = np.zeros_like(a)
    pos = a > 0
    out[pos] = stats.gamma.sf(n / a[pos], n)
    return out


# --------------------------------------------------------------------------------------------------
# Confidence intervals for a Normal mean (q2-eq-ci-known, q2-eq-ci-plugin, q2-eq-ci-t)
# --------------------------------------------------------------------------------------------------

#: The interval methods of :func:`normal_mean_interval`.
INTERVAL_METHODS = ("known", "plugin", "t", "score")


def normal_mean_interval(x, level: float = 0.95, method: str = "known", sigma=None):
    """Confidence interval for the mean of a Normal sample, along the last axis.

    - ``"known"``: :math:`\\bar x \\pm z_{1-\\alpha/2}\\,\\sigma/\\sqrt n`, the inverted score test
      with :math:`\\sigma` known (exact coverage);
    - ``"plugin"``: the same with the MLE :math:`\\hat\\sigma^2 = \\frac1n\\sum(x_i-\\bar x)^2`
      (asymptotic coverage; too short for small ``n``);
    - ``"t"``: :math:`\\bar x \\pm t_{n-1,1-\\alpha/2}\\, s/\\sqrt n` with the unbiased :math:`s^2`
      (exact coverage);
    - ``"score"``: the inverted score test with :math:`\\sigma^2` estimated **under the null**,
      :math:`\\tilde\\sigma^2(\\mu) = \\hat\\sigma^2 + (\\bar x-\\mu)^2`, which is
      :math:`\\bar x \\pm z\\,\\hat\\sigma/\\sqrt{n - z^2}` (``q2-eq-ci-score``); the whole real line when
      :math:`n \\le z^2` (bounds ``-inf``, ``inf``).

    Parameters
    ----------
    x : array_like, shape (..., n)
        Samples along the last axis; ``n >= 2`` for the methods that estimate :math:`\\sigma`
        (``"plugin"``, ``"t"``, ``"score"``).
    level : float, default 0.95
        Confidence level :math:`1-\\alpha` in (0, 1).
    method : {"known", "plugin", "t", "score"}
    sigma : float, optional
        The known standard deviation (> 0); required for, and only for, ``"known"``.

    Returns
    -------
    lower, upper : numpy.ndarray, shape (...)
    """
    x = as_float_array("x", x)
    if x.ndim == 0:
        raise ValueError("x must have at least one dimension (the sample along the last axis)")
    level = check_probability("level", level, open_high=True)
    if not isinstance(method, str):
        raise TypeError(f"method must be one of {INTERVAL_METHODS}, got {type(method).__name__}")
    if method not in INTERVAL_METHODS:
        raise ValueError(f"method must be one of {INTERVAL_METHODS}, got {method!r}")
    n = x.shape[-1]
    xbar = x.mean(axis=-1)
    if method == "known":
        if sigma is None:
            raise ValueError("sigma must be given for method='known'")
        sd = check_positive("sigma", sigma)
        half = stats.norm.isf((1 - level) / 2) * sd / np.sqrt(n)
    else:
        if sigma is not None:
            raise ValueError(f"sigma must be None for method={method!r} (it is estimated)")
        if n < 2:
            raise ValueError(
                f"x must hold n >= 2 observations along the last axis for method={method!r}, got {n}"
            )
        if method == "plugin":
            sd = x.std(axis=-1, ddof=0)
            half = stats.norm.isf((1 - level) / 2) * sd / np.sqrt(n)
        elif method == "score":
            z = stats.norm.isf((1 - level) / 2)
            sd = x.std(axis=-1, ddof=0)
            half = z * sd / np.sqrt(n - z * z) if n > z * z else np.full_like(xbar, np.inf)
        else:
            sd = x.std(axis=-1, ddof=1)
            half = stats.t.isf((1 - level) / 2, n - 1) * sd / np.sqrt(n)
    return xbar - half, xbar + half


def normal_mean_interval_coverage(n, level: float = 0.95, method: str = "plugin") -> float:
    """Exact coverage probability of :func:`normal_mean_interval` for Normal data.

    ``"known"`` and ``"t"`` cover with probability exactly ``level``. With
    :math:`T = \\sqrt n(\\bar X-\\mu)/s \\sim t_{n-1}`, the plug-in interval covers iff
    :math:`|T| \\le z\\sqrt{(n-1)/n}`, so its coverage is
    :math:`2F_{t_{n-1}}\\bigl(z\\sqrt{(n-1)/n}\\bigr) - 1 < \\text{level}`; the score interval covers
    iff :math:`|T| \\le z\\sqrt{(n-1)/(n-z^2)}` (always, if :math:`n \\le z^2`).

    Parameters
    ----------
    n : int
        Sample size (>= 1 for ``"known"``, >= 2 for the other methods).
    level : float, default 0.95
    method : {"known", "plugin", "t", "score"}

    Returns
    -------
    float
    """
    level = check_probability("level", level, open_high=True)
    if not isinstance(method, str):
        raise TypeError(f"method must be one of {INTERVAL_METHODS}, got {type(method).__name__}")
    if method not in INTERVAL_METHODS:
        raise ValueError(f"method must be one of {INTERVAL_METHODS}, got {method!r}")
    n = check_int("n", n, minimum=1 if method == "known" else 2)
    if method in ("known", "t"):
        return float(level)
    z = stats.norm.isf((1 - level) / 2)
    if method == "plugin":
        return float(2.0 * stats.t.cdf(z * np.sqrt((n - 1) / n), n - 1) - 1.0)
    if n <= z * z:
        return 1.0
    return float(2.0 * stats.t.cdf(z * np.sqrt((n - 1) / (n - z * z)), n - 1) - 1.0)
