"""Tests of dgmbook.inference: the three tests, their exact sizes, the Normal-mean intervals."""

import numpy as np
import pytest
from scipy import stats

from dgmbook.inference import (
    EXPONENTIAL_TESTS,
    INTERVAL_METHODS,
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

CRIT = stats.chi2.isf(0.05, 1)


def test_exponential_statistics_match_definitions():
    x = np.array([0.2, 1.1, 0.7, 3.0, 0.05])
    rate0 = 0.8
    n, xbar = x.size, x.mean()
    ll = lambda r: stats.expon.logpdf(x, scale=1 / r).sum()  # noqa: E731
    rate_hat = 1 / xbar
    got = exponential_test_statistics(x, rate0)
    assert got.likelihood_ratio == pytest.approx(2 * (ll(rate_hat) - ll(rate0)), rel=1e-12)
    assert got.score == pytest.approx((n / rate0 - x.sum()) ** 2 / (n / rate0**2), rel=1e-12)
    assert got.wald_rate == pytest.approx((rate_hat - rate0) ** 2 * n / rate_hat**2, rel=1e-12)
    assert got.wald_mean == pytest.approx((xbar - 1 / rate0) ** 2 * n / xbar**2, rel=1e-12)
    # In the rate parametrisation Wald and score coincide exactly.
    assert got.wald_rate == pytest.approx(got.score, rel=1e-12)


def test_exponential_statistics_vectorised_over_leading_axes():
    rng = np.random.default_rng(0)
    x = rng.exponential(size=(3, 4, 7))
    got = exponential_test_statistics(x, 1.3)
    assert got.score.shape == (3, 4)
    one = exponential_test_statistics(x[2, 1], 1.3)
    assert got.likelihood_ratio[2, 1] == pytest.approx(one.likelihood_ratio)


def test_statistics_vanish_at_the_mle():
    x = np.array([0.5, 1.5])  # mean 1, MLE rate 1
    got = exponential_test_statistics(x, 1.0)
    for value in got:
        assert value == pytest.approx(0.0, abs=1e-14)


@pytest.mark.parametrize("test", EXPONENTIAL_TESTS)
@pytest.mark.parametrize("n", [5, 40])
def test_exact_rejection_probability_matches_simulation(test, n):
    rng = np.random.default_rng(10 + n)
    reps, rate0 = 40_000, 2.0
    for rate in (2.0, 2.8):
        x = rng.exponential(1 / rate, size=(reps, n))
        reject = getattr(exponential_test_statistics(x, rate0), test) > CRIT
        p_hat = reject.mean()
        se = np.sqrt(p_hat * (1 - p_hat) / reps)
        exact = exponential_rejection_probability(rate, rate0, n, test)
        assert abs(p_hat - exact) < 4 * se


def test_exact_size_tends_to_nominal_and_power_to_one():
    for test in EXPONENTIAL_TESTS:
        assert exponential_rejection_probability(1.0, 1.0, 100_000, test) == pytest.approx(0.05, abs=1e-3)
        assert exponential_rejection_probability(1.5, 1.0, 2000, test) > 0.999
    powers = exponential_rejection_probability(np.array([1.0, 1.2, 1.5]), 1.0, 50, "likelihood_ratio")
    assert powers.shape == (3,)
    assert np.all(np.diff(powers) > 0)


def test_generic_statistics_and_pvalue():
    np.testing.assert_allclose(score_statistic([2.0, -2.0], 4.0), [1.0, 1.0])
    assert wald_statistic(3.0, 1.0, 0.5) == pytest.approx(2.0)
    assert likelihood_ratio_statistic(-1.0, -2.5) == pytest.approx(3.0)
    assert chi2_pvalue(CRIT) == pytest.approx(0.05)
    assert chi2_pvalue(0.0, df=2) == pytest.approx(1.0)


def test_mle_z_cdf_matches_simulation_and_limits():
    rng = np.random.default_rng(4)
    n, rate = 8, 3.0
    z = np.sqrt(n) * (1 / rng.exponential(1 / rate, size=(100_000, n)).mean(axis=1) / rate - 1)
    for q in (-1.0, 0.0, 1.5):
        p_hat = (z <= q).mean()
        assert abs(p_hat - exponential_mle_z_cdf(q, n)) < 4 * np.sqrt(p_hat * (1 - p_hat) / z.size)
    assert exponential_mle_z_cdf(-np.sqrt(n) - 0.1, n) == 0.0
    grid = np.linspace(-3, 3, 61)
    assert np.max(np.abs(exponential_mle_z_cdf(grid, 200_000) - stats.norm.cdf(grid))) < 2e-3


def test_intervals_formulas():
    x = np.array([1.0, 2.0, 4.0, 7.0])
    n, xbar = 4, 3.5
    lo, hi = normal_mean_interval(x, 0.9, "known", sigma=2.0)
    z = stats.norm.ppf(0.95)
    assert (lo, hi) == pytest.approx((xbar - z, xbar + z))
    lo, hi = normal_mean_interval(x, 0.9, "plugin")
    assert hi - lo == pytest.approx(2 * z * x.std() / 2)
    lo, hi = normal_mean_interval(x, 0.9, "t")
    ref = stats.t.interval(0.9, n - 1, loc=xbar, scale=stats.sem(x))
    assert (lo, hi) == pytest.approx(ref)


@pytest.mark.parametrize("method", INTERVAL_METHODS)
def test_interval_coverage_matches_simulation(method):
    rng = np.random.default_rng(5)
    n, reps, mu, sigma = 4, 50_000, -1.0, 2.0
    x = rng.normal(mu, sigma, size=(reps, n))
    lo, hi = normal_mean_interval(x, 0.95, method, sigma=sigma if method == "known" else None)
    assert lo.shape == (reps,)
    cover = ((lo <= mu) & (mu <= hi)).mean()
    se = np.sqrt(cover * (1 - cover) / reps)
    assert abs(cover - normal_mean_interval_coverage(n, 0.95, method)) < 4 * se


def test_plugin_coverage_undercovers_and_converges():
    cov = [normal_mean_interval_coverage(n, 0.95, "plugin") for n in (2, 5, 20, 100, 10_000)]
    assert np.all(np.diff(cov) > 0)
    assert cov[0] < 0.7
    assert cov[-1] == pytest.approx(0.95, abs=1e-4)


@pytest.mark.parametrize("call, match", [
    (lambda: exponential_test_statistics([1.0, -1.0], 1.0), "x"),
    (lambda: exponential_test_statistics([0.0, 0.0], 1.0), "x"),
    (lambda: exponential_test_statistics(1.0, 1.0), "x"),
    (lambda: exponential_test_statistics([1.0], 0.0), "rate0"),
    (lambda: exponential_rejection_probability(-1.0, 1.0, 5, "score"), "rate"),
    (lambda: exponential_rejection_probability(1.0, 1.0, 0, "score"), "n"),
    (lambda: exponential_rejection_probability(1.0, 1.0, 5, "rao"), "test"),
    (lambda: exponential_rejection_probability(1.0, 1.0, 5, "score", level=1.0), "level"),
    (lambda: score_statistic(1.0, 0.0), "information"),
    (lambda: wald_statistic(1.0, 0.0, -1.0), "information"),
    (lambda: likelihood_ratio_statistic(-3.0, -1.0), "loglik_hat"),
    (lambda: chi2_pvalue(-1.0), "statistic"),
    (lambda: exponential_mle_z_cdf(0.0, 0), "n"),
    (lambda: normal_mean_interval([1.0], 0.95, "t"), "n >= 2"),
    (lambda: normal_mean_interval([1.0, 2.0], 0.95, "plugin", sigma=1.0), "sigma"),
    (lambda: normal_mean_interval([1.0, 2.0], 0.95, "known"), "sigma"),
    (lambda: normal_mean_interval([1.0, 2.0], 0.95, "known", sigma=-1.0), "sigma"),
    (lambda: normal_mean_interval([1.0, 2.0], 0.0, "t"), "level"),
    (lambda: normal_mean_interval([1.0, 2.0], 0.95, "bootstrap"), "method"),
    (lambda: normal_mean_interval_coverage(1, 0.95, "t"), "n"),
])
def test_bad_input_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: exponential_test_statistics(["a"], 1.0), "x"),
    (lambda: exponential_rejection_probability(1.0, 1.0, 5.5, "score"), "n"),
    (lambda: normal_mean_interval([True, False], 0.95, "t"), "x"),
])
def test_bad_input_type_errors(call, match):
    with pytest.raises(TypeError, match=match):
        call()


def test_score_interval_is_the_inverted_score_test():
    rng = np.random.default_rng(6)
    x = rng.normal(1.0, 2.0, 12)
    n, z = x.size, stats.norm.ppf(0.975)
    lo, hi = normal_mean_interval(x, 0.95, "score")
    mus = np.linspace(x.mean() - 5, x.mean() + 5, 20001)
    sigma2_null = ((x[None, :] - mus[:, None]) ** 2).mean(axis=1)   # restricted MLE of sigma^2
    stat = score_statistic(n * (x.mean() - mus) / sigma2_null, n / sigma2_null)
    accepted = mus[stat <= z**2]
    step = mus[1] - mus[0]
    assert accepted.min() == pytest.approx(lo, abs=step)
    assert accepted.max() == pytest.approx(hi, abs=step)
    # wider than the plug-in (Wald) interval
    plo, phi = normal_mean_interval(x, 0.95, "plugin")
    assert hi - lo > phi - plo


def test_score_interval_unbounded_when_n_at_most_z_squared():
    lo, hi = normal_mean_interval([[0.0, 1.0, 3.0]], 0.95, "score")
    assert np.isneginf(lo[0]) and np.isposinf(hi[0])
    assert normal_mean_interval_coverage(3, 0.95, "score") == 1.0
    assert normal_mean_interval_coverage(10, 0.95, "score") > 0.95


@pytest.mark.parametrize("test", EXPONENTIAL_TESTS)
def test_acceptance_region_boundaries_sit_on_the_critical_value(test):
    from dgmbook.inference import _acceptance_region

    n = 12
    lo, hi = _acceptance_region(test, n, CRIT)
    assert 0 < lo < 1 < hi < np.inf
    # At the boundary t = lambda0 * xbar the statistic equals the critical value: a sample with
    # mean t (rate0 = 1) sits exactly there.
    for t in (lo, hi):
        value = getattr(exponential_test_statistics(np.full(n, t), 1.0), test)
        assert value == pytest.approx(CRIT, rel=1e-9)


def test_likelihood_ratio_test_is_unbiased_score_and_wald_are_not():
    # The LR acceptance region c1 - log c1 = c2 - log c2 makes the power flat, and lowest, at the
    # null; the score and Wald-in-the-mean regions do not, so their power dips below their sizes.
    n, h = 10, 1e-5
    rates = np.geomspace(0.3, 3.0, 2001)
    for test in ("likelihood_ratio", "score", "wald_mean"):
        size = exponential_rejection_probability(1.0, 1.0, n, test)
        slope = (exponential_rejection_probability(1 + h, 1.0, n, test)
                 - exponential_rejection_probability(1 - h, 1.0, n, test)) / (2 * h)
        low = exponential_rejection_probability(rates, 1.0, n, test).min()
        if test == "likelihood_ratio":
            assert abs(slope) < 1e-6 and low >= size - 1e-9
        else:
            assert abs(slope) > 0.01 and low < size - 0.01
    # The Wald-in-the-mean power curve is the score curve rescaled: P_W(lambda) = P_S(lambda / (1 - r^2)).
    shrink = 1 - CRIT / n
    np.testing.assert_allclose(exponential_rejection_probability(rates * shrink, 1.0, n, "wald_mean"),
                               exponential_rejection_probability(rates, 1.0, n, "score"), rtol=1e-10)


@pytest.mark.parametrize("call", [
    lambda: score_statistic([1.0, 2.0, 3.0], [[1.0], [2.0]]),
    lambda: score_statistic([1.0, 2.0, 3.0], [1.0, 2.0]),
    lambda: wald_statistic([1.0, 2.0, 3.0], [[0.0], [1.0]], 1.0),
    lambda: likelihood_ratio_statistic([1.0, 2.0, 3.0], [[0.0], [1.0]]),
])
def test_generic_statistics_refuse_to_broadcast(call):
    # score_statistic([1., 2., 3.], [[1.], [2.]]) used to return a 2x3 array.
    with pytest.raises(ValueError, match="same shape"):
        call()


def test_generic_statistics_accept_scalars_and_equal_shapes():
    np.testing.assert_allclose(score_statistic([1.0, 2.0], 2.0), [0.5, 2.0])
    np.testing.assert_allclose(wald_statistic([1.0, 3.0], 1.0, [2.0, 2.0]), [0.0, 8.0])
    np.testing.assert_allclose(likelihood_ratio_statistic([0.0, 0.0], -1.0), [2.0, 2.0])


def test_exponential_tests_container_keeps_the_computed_values():
    got = exponential_test_statistics([0.3, 1.2, 0.1], 1.4)
    assert isinstance(got.score, np.floating)
    again = ExponentialTests(*got)
    assert again == got
    with pytest.raises(ValueError, match="score"):
        ExponentialTests(-1.0, 0.0, 0.0, 0.0)


# ---------------------------------------------------------------------- exact values, thresholds, defaults
def test_generic_statistics_exact_values_and_thresholds():
    assert score_statistic(2.0, 4.0) == 1.0
    assert wald_statistic(3.0, 1.0, 0.5) == 2.0
    assert likelihood_ratio_statistic(-1.0, -2.5) == 3.0
    # A rounding-sized negative difference is 0; the tolerance is relative to |loglik_hat| (at least 1).
    assert likelihood_ratio_statistic(1.0, 1.0 + 5e-10) == 0.0
    with pytest.raises(ValueError, match="^loglik_hat must be >= loglik_null"):
        likelihood_ratio_statistic(1.0, 1.0 + 2e-9)
    assert likelihood_ratio_statistic(-1000.0, -1000.0 + 5e-7) == 0.0
    with pytest.raises(ValueError, match="^loglik_hat must be >= loglik_null"):
        likelihood_ratio_statistic(-1000.0, -1000.0 + 2e-6)
    with pytest.raises(ValueError, match="^information must be > 0$"):
        score_statistic(1.0, 0.0)
    with pytest.raises(ValueError, match="^information must be > 0$"):
        wald_statistic(1.0, 0.0, 0.0)
    assert chi2_pvalue(0.0) == 1.0
    assert chi2_pvalue(CRIT) == pytest.approx(0.05, rel=1e-12)  # df = 1 by default
    assert chi2_pvalue(3.0, df=2) == pytest.approx(np.exp(-1.5), rel=1e-12)
    with pytest.raises(ValueError, match="^statistic must be >= 0$"):
        chi2_pvalue(-1e-300)
    with pytest.raises(ValueError, match="^score and information must have the same shape"):
        score_statistic([1.0, 2.0], [1.0, 2.0, 3.0])


def test_exponential_statistics_exact_on_a_small_sample():
    x = np.array([0.5, 1.5, 2.0, 0.0])  # n = 4, mean 1, a zero observation is allowed
    t = exponential_test_statistics(x, 2.0)
    n, xbar, r0 = 4, 1.0, 2.0
    assert t.score == pytest.approx((n / r0 - n * xbar) ** 2 / (n / r0**2), rel=1e-14)
    lr = 2 * (n * np.log(1.0) - n - n * np.log(r0) + r0 * n)
    assert t.likelihood_ratio == pytest.approx(lr, rel=1e-14)
    assert t.wald_rate == pytest.approx((1.0 - r0) ** 2 * n, rel=1e-14)
    assert t.wald_mean == pytest.approx((1.0 - 0.5) ** 2 * n, rel=1e-14)
    assert np.ndim(t.score) == 0
    with pytest.raises(ValueError, match="^x must not be all zeros"):
        exponential_test_statistics([0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="^score must be >= 0"):
        ExponentialTests(-1.0, 0.0, 0.0, 0.0)
    assert ExponentialTests([], [], [], []).score.shape == (0,)


def test_rejection_probability_defaults_and_the_unbounded_wald_mean_region():
    assert exponential_rejection_probability(1.0, 1.0, 30, "score") == \
        exponential_rejection_probability(1.0, 1.0, 30, "score", level=0.05)
    # wald_mean with n = 1: r = sqrt(crit) > 1, the acceptance region has no upper end.
    n, r = 1, np.sqrt(CRIT)
    law = stats.gamma(a=n, scale=1.0 / (n * 2.0))
    expected = law.cdf(1.0 / (1.0 + r))
    assert exponential_rejection_probability(2.0, 1.0, n, "wald_mean") == pytest.approx(expected, rel=1e-12)
    lo = max(1.0 - r, 0.0)
    expected = law.cdf(lo) + law.sf(1 + r)
    assert exponential_rejection_probability(2.0, 1.0, n, "score") == pytest.approx(expected, rel=1e-12)
    out = exponential_rejection_probability([1.0, 2.0], 1.0, 5, "likelihood_ratio")
    assert out.shape == (2,)


def test_mle_z_cdf_exact_values():
    assert exponential_mle_z_cdf(0.0, 1) == pytest.approx(np.exp(-1.0), rel=1e-14)
    np.testing.assert_array_equal(exponential_mle_z_cdf([-2.0, -1.0], 1), [0.0, 0.0])  # a <= 0
    assert exponential_mle_z_cdf(1.0, 4) == pytest.approx(stats.gamma.sf(4 / 1.5, 4), rel=1e-14)


def test_interval_exact_values_and_defaults():
    x = np.array([1.0, 2.0, 6.0])
    z = stats.norm.isf(0.025)
    lo, hi = normal_mean_interval(x, sigma=2.0)  # level 0.95 and method "known" by default
    assert (lo, hi) == (pytest.approx(3 - z * 2 / np.sqrt(3)), pytest.approx(3 + z * 2 / np.sqrt(3)))
    sd0, sd1 = x.std(), x.std(ddof=1)
    lo, hi = normal_mean_interval(x, method="plugin")
    assert hi - 3 == pytest.approx(z * sd0 / np.sqrt(3), rel=1e-14)
    lo, hi = normal_mean_interval(x, method="t", level=0.9)
    assert hi - 3 == pytest.approx(stats.t.isf(0.05, 2) * sd1 / np.sqrt(3), rel=1e-14)
    lo, hi = normal_mean_interval(np.arange(5.0), method="score")  # n = 5 > z^2
    assert hi - 2 == pytest.approx(z * np.arange(5.0).std() / np.sqrt(5 - z * z), rel=1e-14)
    assert normal_mean_interval([1.0, 2.0], method="plugin")[0] == pytest.approx(1.5 - z * 0.5 / np.sqrt(2))
    with pytest.raises(ValueError, match="^x must hold n >= 2 observations"):
        normal_mean_interval([1.0], method="t")


def test_coverage_exact_values_defaults_and_minimum_n():
    z = stats.norm.isf(0.025)
    plugin = 2 * stats.t.cdf(z * np.sqrt(4 / 5), 4) - 1
    assert normal_mean_interval_coverage(5) == pytest.approx(plugin, rel=1e-14)  # plugin, 0.95
    assert normal_mean_interval_coverage(1, method="known") == 0.95
    assert type(normal_mean_interval_coverage(3, method="t", level=0.9)) is float
    assert normal_mean_interval_coverage(2) == pytest.approx(2 * stats.t.cdf(z * np.sqrt(0.5), 1) - 1)
    assert normal_mean_interval_coverage(3, method="score") == 1.0  # n <= z^2: the whole line
    score4 = 2 * stats.t.cdf(z * np.sqrt(3 / (4 - z * z)), 3) - 1
    assert normal_mean_interval_coverage(4, method="score") == pytest.approx(score4, rel=1e-14)
    with pytest.raises(ValueError, match="^n must be >= 2, got 1$"):
        normal_mean_interval_coverage(1, method="t")


def test_boundaries_reached_exactly_give_the_limit_without_a_division_by_zero():
    # Levels at which the critical value sits exactly on a boundary (checked first), so that a
    # strict comparison turned into a non-strict one divides by zero (a RuntimeWarning, an error here).
    level = stats.chi2.sf(1.0, 1)
    assert stats.chi2.isf(level, 1) == 1.0
    # wald_mean with n = 1 and crit = 1: r = 1 exactly, the acceptance region is [1/2, inf).
    expected = stats.gamma(a=1, scale=1.0).cdf(0.5)
    assert exponential_rejection_probability(1.0, 1.0, 1, "wald_mean", level=level) == \
        pytest.approx(expected, rel=1e-12)
    level = 0.9999366575163338                    # z = 4 exactly: n = 16 = z^2
    assert stats.norm.isf((1 - level) / 2) == 4.0
    x = np.arange(32.0).reshape(2, 16)
    lo, hi = normal_mean_interval(x, level, "score")
    assert np.isneginf(lo).all() and np.isposinf(hi).all()
    assert normal_mean_interval_coverage(16, level, "score") == 1.0


def test_score_interval_unbounded_keeps_the_shape_and_dtype_of_the_means():
    lo, hi = normal_mean_interval([[0.0, 1.0, 3.0], [2.0, 2.5, 7.0]], 0.95, "score")
    assert lo.shape == hi.shape == (2,) and lo.dtype == hi.dtype == np.float64
    lo, hi = normal_mean_interval([0.0, 1.0, 3.0], 0.95, "score")
    assert np.ndim(lo) == 0 and np.asarray(lo).dtype == np.float64 and np.isposinf(hi)


def test_likelihood_ratio_tolerates_a_deficit_of_exactly_one_billionth_of_the_scale():
    # loglik_hat may fall short of loglik_null by rounding: up to 1e-9 * max(1, |loglik_hat|).
    assert likelihood_ratio_statistic(0.0, 1e-9) == 0.0
    assert likelihood_ratio_statistic(-4.0, -4.0 + 4e-9) == 0.0
    with pytest.raises(ValueError, match="loglik_hat must be >= loglik_null"):
        likelihood_ratio_statistic(0.0, 1.01e-9)
