"""Tests of dgmbook.score: closed-form scores and informations against SciPy and finite differences."""

import numpy as np
import pytest
from scipy import optimize, stats

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

H = 1e-6


def test_normal_score_is_derivative_of_scipy_logpdf():
    x = np.array([-1.3, 0.2, 2.5])
    mu, var = 0.4, 1.7
    got = normal_score(x, mu, var)
    assert got.shape == (3, 2)
    logpdf = lambda m, v: stats.norm.logpdf(x, m, np.sqrt(v))  # noqa: E731
    d_mu = (logpdf(mu + H, var) - logpdf(mu - H, var)) / (2 * H)
    d_var = (logpdf(mu, var + H) - logpdf(mu, var - H)) / (2 * H)
    np.testing.assert_allclose(got[:, 0], d_mu, rtol=1e-6)
    np.testing.assert_allclose(got[:, 1], d_var, rtol=1e-6)


def test_exponential_score_is_derivative_of_scipy_logpdf():
    x = np.array([0.0, 0.3, 4.0])
    rate = 2.5
    logpdf = lambda r: stats.expon.logpdf(x, scale=1 / r)  # noqa: E731
    fd = (logpdf(rate + H) - logpdf(rate - H)) / (2 * H)
    np.testing.assert_allclose(exponential_score(x, rate), fd, rtol=1e-6, atol=1e-8)


def test_cauchy_score_is_derivative_of_loglik_and_matches_scipy():
    x = np.array([-3.0, 0.1, 0.5, 7.0])
    loc, scale = 0.3, 1.5
    np.testing.assert_allclose(cauchy_location_loglik(x, loc, scale),
                               stats.cauchy.logpdf(x, loc, scale).sum(), rtol=1e-12)
    fd = (cauchy_location_loglik(x, loc + H, scale) - cauchy_location_loglik(x, loc - H, scale)) / (2 * H)
    np.testing.assert_allclose(cauchy_location_score(x, loc, scale), fd, rtol=1e-6)
    vec = cauchy_location_score(x, np.array([loc, loc + 1]), scale)
    assert vec.shape == (2,)
    assert vec[0] == pytest.approx(cauchy_location_score(x, loc, scale))


def test_informations_match_numerical_expectations():
    # E[s s^T] by quadrature against the density, for each family.
    var = 0.7
    grid = np.linspace(-12, 12, 200001) * np.sqrt(var)
    dens = stats.norm.pdf(grid, 0.0, np.sqrt(var))
    s = normal_score(grid, 0.0, var)
    info = np.trapezoid(s[:, :, None] * s[:, None, :] * dens[:, None, None], grid, axis=0)
    np.testing.assert_allclose(info, normal_fisher_information(var), atol=1e-6)
    rate = 1.8
    grid = np.linspace(0, 40, 400001)
    e_info = np.trapezoid(exponential_score(grid, rate) ** 2 * stats.expon.pdf(grid, scale=1 / rate), grid)
    assert e_info == pytest.approx(exponential_fisher_information(rate), rel=1e-6)
    scale = 0.6
    grid = np.linspace(-3000, 3000, 2_000_001)
    r = grid
    c_info = np.trapezoid((2 * r / (scale**2 + r * r)) ** 2 * stats.cauchy.pdf(grid, 0, scale), grid)
    assert c_info == pytest.approx(cauchy_location_fisher_information(scale), rel=1e-5)


def test_exponential_information_vectorised():
    rates = np.array([0.5, 1.0, 4.0])
    np.testing.assert_allclose(exponential_fisher_information(rates), 1 / rates**2)
    assert isinstance(exponential_fisher_information(2.0), float)


def test_monte_carlo_information_within_standard_errors():
    rng = np.random.default_rng(1)
    var = 2.0
    s = normal_score(rng.normal(0.0, np.sqrt(var), 50_000), 0.0, var)
    est, se = monte_carlo_fisher_information(s)
    assert est.shape == se.shape == (2, 2)
    z = (est - normal_fisher_information(var)) / se
    assert np.all(np.abs(z) < 4)
    est1, se1 = monte_carlo_fisher_information(s[:, 0])
    assert est1.shape == ()
    assert abs(est1 - 1 / var) < 4 * se1


def test_fisher_scoring_finds_cauchy_mle():
    rng = np.random.default_rng(2)
    x = 1.5 + rng.standard_cauchy(80)
    n = x.size
    result = fisher_scoring(lambda th: cauchy_location_score(x, th[0]),
                            lambda th: np.array([[n * cauchy_location_fisher_information()]]),
                            np.median(x))
    assert result.converged
    assert result.path.shape == (result.n_iter + 1, 1)
    ref = optimize.minimize_scalar(lambda t: -cauchy_location_loglik(x, t),
                                   bracket=(np.median(x) - 1, np.median(x) + 1), tol=1e-12)
    assert result.theta[0] == pytest.approx(ref.x, abs=1e-6)
    assert abs(cauchy_location_score(x, result.theta[0])) < 1e-8


def test_fisher_scoring_two_parameters_normal():
    rng = np.random.default_rng(3)
    x = rng.normal(2.0, 3.0, 400)
    n = x.size
    result = fisher_scoring(lambda th: normal_score(x, th[0], th[1]).sum(axis=0),
                            lambda th: n * normal_fisher_information(th[1]),
                            [0.0, 1.0], max_iter=200)
    assert result.converged
    np.testing.assert_allclose(result.theta, [x.mean(), x.var()], rtol=1e-8)


def test_fisher_scoring_reports_non_convergence():
    result = fisher_scoring(lambda th: np.array([1.0]), lambda th: np.eye(1), 0.0, max_iter=3)
    assert not result.converged
    assert result.n_iter == 3
    assert result.theta[0] == pytest.approx(3.0)


@pytest.mark.parametrize("call, match", [
    (lambda: normal_score([1.0], 0.0, 0.0), "sigma2"),
    (lambda: normal_score([1.0], 0.0, -1.0), "sigma2"),
    (lambda: normal_score([np.nan], 0.0, 1.0), "x"),
    (lambda: normal_score([1.0], [0.0, 1.0], 1.0), "mu"),
    (lambda: normal_fisher_information(-2.0), "sigma2"),
    (lambda: exponential_score([1.0, -0.1], 1.0), "x"),
    (lambda: exponential_score([1.0], 0.0), "rate"),
    (lambda: exponential_fisher_information([1.0, -1.0]), "rate"),
    (lambda: cauchy_location_score([[1.0]], 0.0), "x"),
    (lambda: cauchy_location_loglik([1.0], 0.0, scale=0.0), "scale"),
    (lambda: monte_carlo_fisher_information([1.0]), "scores"),
    (lambda: fisher_scoring(lambda t: t, lambda t: np.eye(1), 0.0, max_iter=0), "max_iter"),
    (lambda: fisher_scoring(lambda t: t, lambda t: np.eye(1), 0.0, tol=-1.0), "tol"),
    (lambda: fisher_scoring(lambda t: np.ones(2), lambda t: np.eye(1), 0.0), "score"),
    (lambda: fisher_scoring(lambda t: t, lambda t: np.eye(2), [0.0]), "information"),
    (lambda: fisher_scoring(lambda t: np.array([np.nan]), lambda t: np.eye(1), [0.0]), "not finite"),
])
def test_bad_input_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("call, match", [
    (lambda: normal_score(["a"], 0.0, 1.0), "x"),
    (lambda: normal_score([1.0], 0.0, "1"), "sigma2"),
    (lambda: fisher_scoring(None, lambda t: np.eye(1), 0.0), "score"),
    (lambda: fisher_scoring(lambda t: t, 3, 0.0), "information"),
])
def test_bad_input_type_errors(call, match):
    with pytest.raises(TypeError, match=match):
        call()


@pytest.mark.parametrize("info, match", [
    (np.array([[-2.0]]), "positive definite"),
    (np.array([[0.0]]), "singular"),
    (np.ones((2, 2)), "singular"),
    (np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
])
def test_fisher_scoring_refuses_an_information_that_is_not_positive_definite(info, match):
    # A negative-definite "information" used to send theta to about -2.5e30 with converged=False,
    # a singular one to end in numpy's LinAlgError.
    p = info.shape[0]
    with pytest.raises(ValueError, match=match):
        fisher_scoring(lambda th: np.ones(p), lambda th: info, np.zeros(p))


def test_fisher_scoring_checks_what_the_callables_return():
    with pytest.raises(TypeError, match=r"score\(theta\)"):
        fisher_scoring(lambda th: "1", lambda th: np.eye(1), 0.0)
    with pytest.raises(TypeError, match=r"information\(theta\)"):
        fisher_scoring(lambda th: 1.0, lambda th: [["a"]], 0.0)
    with pytest.raises(ValueError, match=r"information\(theta\) is not finite"):
        fisher_scoring(lambda th: 1.0, lambda th: [[np.nan]], 0.0)


def test_fisher_scoring_accepts_a_nearly_symmetric_information():
    # Rounding makes a computed information asymmetric in the last bits; that is still valid.
    info = np.array([[2.0, 1e-17], [0.0, 3.0]])
    result = fisher_scoring(lambda th: np.array([2.0, 3.0]) - info @ th, lambda th: info, [0.0, 0.0])
    assert result.converged
    np.testing.assert_allclose(result.theta, np.linalg.solve(info, [2.0, 3.0]))


def test_fisher_scoring_result_validates_its_fields():
    ok = FisherScoringResult(theta=[1.0], path=[[0.0], [1.0]], converged=np.bool_(True), n_iter=1)
    assert ok.converged is True and ok.theta.shape == (1,)
    with pytest.raises(TypeError, match="converged"):
        FisherScoringResult(theta=[1.0], path=[[0.0], [1.0]], converged="False", n_iter=1)
    with pytest.raises(ValueError, match="path"):
        FisherScoringResult(theta=[1.0], path=[[1.0]], converged=True, n_iter=1)


# ---------------------------------------------------------------------- exact values, shapes, defaults
def test_closed_forms_at_exact_points():
    s = normal_score([[3.0, 1.0]], 1.0, 2.0)
    assert s.shape == (1, 2, 2)
    np.testing.assert_allclose(s[0, 0], [1.0, 0.25], rtol=1e-15)  # (x-mu)/s2, -1/(2 s2) + (x-mu)^2/(2 s2^2)
    np.testing.assert_allclose(s[0, 1], [0.0, -0.25], rtol=1e-15)
    np.testing.assert_array_equal(normal_fisher_information(2.0), [[0.5, 0.0], [0.0, 0.125]])
    np.testing.assert_allclose(exponential_score([0.0, 2.0, 3.0], 0.5), [2.0, 0.0, -1.0], rtol=1e-15)
    info = exponential_fisher_information(2.0)
    assert info == 0.25 and type(info) is float
    np.testing.assert_allclose(exponential_fisher_information([2.0, 0.5]), [0.25, 4.0], rtol=1e-15)
    assert cauchy_location_fisher_information() == 0.5
    assert cauchy_location_fisher_information(2.0) == 0.125


def test_cauchy_loglik_and_score_exact_values_types_and_default_scale():
    x = [0.0, 1.0, 3.0]
    ll = cauchy_location_loglik(x, 1.0)
    assert type(ll) is float
    assert ll == pytest.approx(-3 * np.log(np.pi) - np.log(2.0) - np.log(5.0), rel=1e-14)
    assert ll == cauchy_location_loglik(x, 1.0, scale=1.0)
    ll2 = cauchy_location_loglik(x, [1.0, 0.0], scale=2.0)
    assert ll2.shape == (2,)
    assert ll2[1] == pytest.approx(-3 * np.log(2 * np.pi) - np.log(1.25) - np.log(1 + 2.25), rel=1e-14)
    s = cauchy_location_score(x, 1.0)
    assert type(s) is float
    assert s == pytest.approx(2 * -1 / 2 + 0 + 2 * 2 / 5, rel=1e-14)
    assert s == cauchy_location_score(x, 1.0, scale=1.0)
    s2 = cauchy_location_score(x, [1.0, 0.0], scale=2.0)
    assert s2.shape == (2,)
    assert s2[1] == pytest.approx(0 + 2 * 1 / 5 + 2 * 3 / 13, rel=1e-14)


def test_monte_carlo_fisher_information_exact_on_a_small_sample():
    est, se = monte_carlo_fisher_information([1.0, 2.0, 3.0])
    assert est.shape == () and se.shape == ()
    assert est == pytest.approx(14 / 3, rel=1e-15)
    assert se == pytest.approx(np.std([1.0, 4.0, 9.0], ddof=1) / np.sqrt(3), rel=1e-14)
    est, se = monte_carlo_fisher_information([[1.0, 2.0], [3.0, -1.0]])  # two draws: the minimum
    np.testing.assert_allclose(est, [[5.0, -0.5], [-0.5, 2.5]], rtol=1e-15)
    prods = np.array([[[1, 2], [2, 4]], [[9, -3], [-3, 1]]], dtype=float)
    np.testing.assert_allclose(se, prods.std(axis=0, ddof=1) / np.sqrt(2), rtol=1e-14)
    with pytest.raises(ValueError, match="^scores must hold at least 2 draws to estimate a"):
        monte_carlo_fisher_information([[1.0, 2.0]])


def test_fisher_scoring_default_tolerance_and_iteration_limit():
    # theta halves at each step from 1: the step 2^-k first falls below 1e-10 at k = 34.
    result = fisher_scoring(lambda th: -0.5 * th, lambda th: np.eye(1), 1.0)
    assert result.converged and result.n_iter == 34
    assert result.path.shape == (35, 1) and result.theta.shape == (1,)
    np.testing.assert_allclose(result.path[:3, 0], [1.0, 0.5, 0.25])
    assert fisher_scoring(lambda th: -0.5 * th, lambda th: np.eye(1), 1.0, tol=1e-9).n_iter == 30
    never = fisher_scoring(lambda th: np.array([1.0]), lambda th: np.eye(1), 0.0)
    assert not never.converged and never.n_iter == 100
    one = fisher_scoring(lambda th: 1.0, lambda th: 1.0, 0.0, tol=2.0, max_iter=1)
    assert one.converged and one.n_iter == 1  # a step of 1 < tol = 2
    assert "path" not in repr(one) and "theta=array([1.])" in repr(one)


def test_fisher_scoring_information_thresholds():
    # The smallest eigenvalue 0.5 is positive: accepted (a test at "< 1" would refuse it).
    result = fisher_scoring(lambda th: 0.5 * (2.0 - th), lambda th: [[0.5]], 0.0)
    assert result.theta[0] == pytest.approx(2.0)
    asym = np.array([[2.0, 1.0], [1.0 + 1e-9, 3.0]])  # asymmetric beyond 1e-10 relative
    with pytest.raises(ValueError, match="symmetric"):
        fisher_scoring(lambda th: np.ones(2), lambda th: asym, np.zeros(2))
    near = np.array([[2.0, 1.0], [1.0 + 1e-11, 3.0]])
    assert fisher_scoring(lambda th: np.ones(2) - near @ th, lambda th: near, np.zeros(2)).converged
    tiny = np.diag([1.0, 1e-11])  # ill-conditioned but not singular to working precision
    assert fisher_scoring(lambda th: np.zeros(2), lambda th: tiny, np.zeros(2)).converged
    with pytest.raises(ValueError, match="singular"):
        fisher_scoring(lambda th: np.zeros(2), lambda th: np.diag([1.0, 1e-13]), np.zeros(2))
    with pytest.raises(ValueError, match=r"^information\(theta\) must return a \(1, 1\) matrix"):
        fisher_scoring(lambda th: 1.0, lambda th: [1.0, 2.0], 0.0)
    with pytest.raises(ValueError, match=r"^score\(theta\) must return 1 value\(s\), one per"):
        fisher_scoring(lambda th: [1.0, 2.0], lambda th: 1.0, 0.0)
    with pytest.raises(ValueError, match="^x must be >= 0"):
        exponential_score([-1e-300], 1.0)
    with pytest.raises(ValueError, match="^rate must be > 0$"):
        exponential_fisher_information([1.0, 0.0])


def test_fisher_scoring_result_fields_at_their_boundaries_and_messages():
    zero = FisherScoringResult(theta=[1.0, 2.0], path=[[1.0, 2.0]], converged=False, n_iter=0)
    assert zero.n_iter == 0 and zero.path.shape == (1, 2)
    with pytest.raises(ValueError, match="^n_iter must be >= 0, got -1$"):
        FisherScoringResult(theta=[1.0], path=[[1.0]], converged=False, n_iter=-1)
    with pytest.raises(ValueError, match=r"^theta must have ndim in \(1,\)"):
        FisherScoringResult(theta=[[1.0]], path=[[1.0]], converged=False, n_iter=0)
    with pytest.raises(ValueError, match=r"^path must have ndim in \(2,\)"):
        FisherScoringResult(theta=[1.0], path=[1.0], converged=False, n_iter=0)
    singular = (r"^information\(theta\) is singular to working precision \(eigenvalues 0 \.\. 2\) at "
                r"theta = \[0\. 0\.\]: some direction of the parameter is not identified, and the step "
                r"is undefined$")
    with pytest.raises(ValueError, match=singular):
        fisher_scoring(lambda th: np.zeros(2), lambda th: np.diag([0.0, 2.0]), np.zeros(2))
    negative = (r"^information\(theta\) must be positive definite \(a Fisher information, not minus an "
                r"observed information\); its smallest eigenvalue is -1 at theta = \[0\.\]$")
    with pytest.raises(ValueError, match=negative):
        fisher_scoring(lambda th: np.zeros(1), lambda th: [[-1.0]], 0.0)


def test_fisher_scoring_stops_only_below_tol():
    # every step is exactly tol = 0.5: "below tol" never holds
    result = fisher_scoring(lambda th: 0.5, lambda th: 1.0, 0.0, tol=0.5, max_iter=3)
    assert not result.converged and result.n_iter == 3
    support = r"^x must be >= 0: the Exponential distribution has support \[0, inf\)$"
    with pytest.raises(ValueError, match=support):
        exponential_score([1.0, -1.0], 2.0)
