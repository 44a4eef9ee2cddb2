"""Tests of dgmbook.mixtures: densities, scores, sampling, noising and Tweedie's denoiser."""

import numpy as np
import pytest
from scipy import integrate, stats

from dgmbook.mixtures import GaussianMixture

MIX_1D = GaussianMixture([0.3, 0.7], [-2.0, 1.5], [0.25, 0.5])
MIX_2D = GaussianMixture(
    [0.5, 0.2, 0.3],
    [[0.0, 0.0], [3.0, 1.0], [-1.0, 2.5]],
    [[[1.0, 0.3], [0.3, 0.5]], [[0.2, 0.0], [0.0, 0.8]], [[0.6, -0.2], [-0.2, 0.4]]],
)


def test_log_pdf_matches_scipy_components():
    x = np.array([[0.1, -0.4], [2.5, 1.2], [-3.0, 4.0]])
    expected = sum(
        w * stats.multivariate_normal(m, c).pdf(x)
        for w, m, c in zip(MIX_2D.weights, MIX_2D.means, MIX_2D.covariances, strict=True)
    )
    np.testing.assert_allclose(MIX_2D.pdf(x), expected, rtol=1e-12)


def test_1d_density_integrates_to_one():
    total, _ = integrate.quad(lambda t: MIX_1D.pdf(np.array([t]))[0], -np.inf, np.inf)
    assert abs(total - 1.0) < 1e-8


@pytest.mark.parametrize("mix", [MIX_1D, MIX_2D])
def test_score_is_gradient_of_log_pdf(mix):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(7, mix.dim)) * 2
    h = 1e-5
    numeric = np.stack(
        [(mix.log_pdf(x + h * e) - mix.log_pdf(x - h * e)) / (2 * h) for e in np.eye(mix.dim)], axis=1
    )
    np.testing.assert_allclose(mix.score(x), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("mix", [MIX_1D, MIX_2D])
def test_laplacian_is_trace_of_hessian(mix):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, mix.dim)) * 2
    h = 1e-4
    numeric = sum(
        (mix.log_pdf(x + h * e) - 2 * mix.log_pdf(x) + mix.log_pdf(x - h * e)) / h**2 for e in np.eye(mix.dim)
    )
    np.testing.assert_allclose(mix.laplacian_log_pdf(x), numeric, rtol=1e-4, atol=1e-4)


def test_one_dimensional_input_keeps_its_shape():
    x = np.linspace(-3, 3, 11)
    assert MIX_1D.score(x).shape == (11,)
    assert MIX_1D.sample(4, random_state=0).shape == (4,)
    np.testing.assert_allclose(MIX_1D.score(x), MIX_1D.score(x[:, None])[:, 0])


def test_sample_moments_within_standard_errors():
    n = 200_000
    x = MIX_2D.sample(n, random_state=2)
    se = np.sqrt(np.diag(MIX_2D.covariance()) / n)
    assert np.all(np.abs(x.mean(axis=0) - MIX_2D.mean()) < 4 * se)
    # Each covariance entry: its standard error estimated from the sample of products.
    centred = x - MIX_2D.mean()
    for i in range(2):
        for j in range(2):
            prod = centred[:, i] * centred[:, j]
            assert abs(prod.mean() - MIX_2D.covariance()[i, j]) < 4 * prod.std() / np.sqrt(n)


def test_noised_mixture_is_the_law_of_the_noised_samples():
    a, v = 0.6, 0.64
    rng = np.random.default_rng(3)
    x = MIX_1D.sample(100_000, random_state=rng)
    y = a * x + np.sqrt(v) * rng.standard_normal(x.shape)
    noised = MIX_1D.noised(a, v)
    # Kolmogorov-Smirnov against the analytic CDF of the noised mixture.
    grid = np.linspace(-5, 5, 4001)
    cdf = np.cumsum(noised.pdf(grid)) * (grid[1] - grid[0])
    result = stats.kstest(y, lambda t: np.interp(t, grid, cdf))
    assert result.pvalue > 1e-3
    assert noised.means[:, 0] == pytest.approx(a * MIX_1D.means[:, 0])


def test_posterior_mean_matches_numerical_integration():
    a, v = 0.8, 0.36
    for y in (-2.0, 0.3, 1.7):

        def lik(x, y=y):
            return MIX_1D.pdf(np.array([x]))[0] * stats.norm.pdf(y, a * x, np.sqrt(v))

        num, _ = integrate.quad(lambda x, lik=lik: x * lik(x), -15, 15, points=[-2, 1.5])
        den, _ = integrate.quad(lik, -15, 15, points=[-2, 1.5])
        assert MIX_1D.posterior_mean(np.array([y]), a, v)[0] == pytest.approx(num / den, rel=1e-7)


def test_posterior_mean_of_a_gaussian_is_the_textbook_formula():
    gauss = GaussianMixture([1.0], [[1.0, -1.0]], [2.0])
    y = np.array([[0.5, 0.2]])
    a, v = 0.9, 0.5
    # X ~ N(m, c I), Y | X ~ N(aX, v I): E[X | y] = m + c a (y - a m) / (a^2 c + v).
    expected = gauss.means[0] + 2.0 * a * (y - a * gauss.means[0]) / (a**2 * 2.0 + v)
    np.testing.assert_allclose(gauss.posterior_mean(y, a, v), expected, rtol=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(weights=[0.5, 0.6], means=[0.0, 1.0], covariances=[1.0, 1.0]), "weights"),
        (dict(weights=[1.0], means=[0.0, 1.0], covariances=[1.0]), "weights"),
        (dict(weights=[0.5, 0.5], means=[0.0, 1.0], covariances=[1.0, -1.0]), "covariances"),
        (
            dict(weights=[1.0], means=[[0.0, 0.0]], covariances=[[[1.0, 2.0], [2.0, 1.0]]]),
            "positive definite",
        ),
        (dict(weights=[1.0], means=[[np.nan, 0.0]], covariances=[1.0]), "means"),
    ],
)
def test_bad_parameters_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GaussianMixture(**kwargs)


def test_bad_calls_are_rejected():
    with pytest.raises(ValueError, match="x must have shape"):
        MIX_2D.score(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="x must have shape"):
        MIX_2D.log_pdf(np.zeros(3))
    with pytest.raises(ValueError, match="scale"):
        MIX_1D.noised(0.0, 1.0)
    with pytest.raises(ValueError, match="noise_var"):
        MIX_1D.noised(1.0, -0.1)
    with pytest.raises(ValueError, match="n must be"):
        MIX_1D.sample(0)
    with pytest.raises(TypeError, match="random_state"):
        MIX_1D.sample(3, random_state="seed")


# ---------------------------------------------------------------------------- far from the means
def _exact_1d(mix, x):
    """Responsibilities and score of a 1-D mixture at x, with 700 significant digits (mpmath)."""
    import mpmath

    mpmath.mp.dps = 700  # (x - m)^2 at x = 1e300 needs about 600 digits to keep the O(x) differences
    x = mpmath.mpf(x)
    logs = [
        mpmath.log(w) - mpmath.log(2 * mpmath.pi * c) / 2 - (x - m) ** 2 / (2 * c)
        for w, m, c in zip(mix.weights, mix.means[:, 0], mix.covariances[:, 0, 0], strict=True)
    ]
    top = max(logs)
    unnorm = [mpmath.exp(lg - top) for lg in logs]
    resp = [u / sum(unnorm) for u in unnorm]
    params = list(zip(resp, mix.means[:, 0], mix.covariances[:, 0, 0], strict=True))
    score = sum(r * (m - x) / c for r, m, c in params)
    laplacian = sum(r * (((m - x) / c - score) ** 2 - 1 / c) for r, m, c in params)
    return np.array([float(r) for r in resp]), float(score), float(laplacian)


EQUAL_VARIANCES = GaussianMixture([0.3, 0.7], [-2.0, 1.5], [0.5, 0.5])


@pytest.mark.parametrize("mix", [MIX_1D, EQUAL_VARIANCES])
@pytest.mark.parametrize("x", [-1e160, -1e20, -3e9, 40.0, 3e9, 1e20, 1e160, 1e300])
def test_far_points_give_the_exact_score_and_responsibilities(mix, x):
    """GaussianMixture.score([1e160]) used to be NaN although the true score is about -2e160."""
    resp, score, laplacian = _exact_1d(mix, x)
    np.testing.assert_allclose(mix.responsibilities([x])[0], resp, rtol=1e-12, atol=1e-300)
    assert mix.score([x])[0] == pytest.approx(score, rel=1e-12)
    assert mix.laplacian_log_pdf([x])[0] == pytest.approx(laplacian, rel=1e-9)


def test_far_points_in_2d_and_the_denoiser():
    x = np.array([[1e160, -3e170], [-1e200, 1e199]])
    score = MIX_2D.score(x)
    resp = MIX_2D.responsibilities(x)
    assert np.all(np.isfinite(score)) and np.all(np.isfinite(resp))
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)
    # One component wins outright, and the score is that component's, S_k^-1 (m_k - x).
    k = resp.argmax(axis=1)
    expected = np.einsum("nij,nj->ni", MIX_2D._precisions[k], MIX_2D.means[k] - x)
    np.testing.assert_allclose(score, expected, rtol=1e-12)
    a, v = 0.8, 0.36
    denoised = MIX_1D.posterior_mean(np.array([1e160]), a, v)
    # Far out the widest component of the noised mixture wins: E[X | y] = m + c a (y - a m) / (a^2 c + v).
    c, m = 0.5, 1.5
    assert denoised[0] == pytest.approx(m + c * a * (1e160 - a * m) / (a**2 * c + v), rel=1e-12)


def test_values_near_the_means_are_unchanged_by_the_far_path():
    """The far-point path only takes over beyond 1e8 times the means' scale."""
    x = np.linspace(-30, 30, 61)
    joint = np.log(MIX_1D.weights) + MIX_1D._component_log_pdfs(x[:, None])
    direct = np.exp(joint - joint.max(axis=1, keepdims=True))
    direct /= direct.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(MIX_1D.responsibilities(x), direct, rtol=1e-13, atol=1e-300)


def test_log_pdf_below_the_float_range_is_an_error_and_pdf_is_zero():
    with pytest.raises(ValueError, match="x is too far"):
        MIX_1D.log_pdf([1e160])
    assert MIX_1D.pdf([1e160])[0] == 0.0
    with pytest.raises(ValueError, match="x is too large"):
        GaussianMixture([1.0], [0.0], [1e-10]).score([1e300])


def test_far_points_with_shared_covariances_are_decided_by_the_linear_term():
    """With one covariance for all components the |x|^2 terms cancel exactly; x^T P m_k decides."""
    cov = [[0.6, 0.2], [0.2, 0.4]]
    mix = GaussianMixture([0.2, 0.5, 0.3], [[0.0, 0.0], [2.0, -1.0], [-1.0, 3.0]], [cov, cov, cov])
    rng = np.random.default_rng(4)
    directions = rng.normal(size=(20, 2))
    x = 1e150 * directions / np.linalg.norm(directions, axis=1, keepdims=True)
    winner = np.argmax(x @ np.linalg.inv(cov) @ mix.means.T, axis=1)
    np.testing.assert_array_equal(mix.responsibilities(x), np.eye(3)[winner])
    expected = (mix.means[winner] - x) @ np.linalg.inv(cov).T
    np.testing.assert_allclose(mix.score(x), expected, rtol=1e-12)


# ---------------------------------------------------------------------- exact values, thresholds, shapes
def test_moments_exact_values_and_repr():
    mix = GaussianMixture([0.25, 0.75], [[0.0, 2.0], [4.0, -2.0]], [1.0, 2.0])
    np.testing.assert_allclose(mix.mean(), [3.0, -1.0], rtol=1e-15)
    # within 0.25 * 1 + 0.75 * 2 = 1.75 on the diagonal; between sum_k w_k (m_k - mu)(m_k - mu)^T
    between = 0.25 * np.outer([-3.0, 3.0], [-3.0, 3.0]) + 0.75 * np.outer([1.0, -1.0], [1.0, -1.0])
    np.testing.assert_allclose(mix.covariance(), 1.75 * np.eye(2) + between, rtol=1e-15)
    assert mix.n_components == 2 and mix.dim == 2
    assert repr(mix) == "GaussianMixture(n_components=2, dim=2)"
    np.testing.assert_array_equal(mix.covariances[1], 2.0 * np.eye(2))


def test_weights_tolerance_and_covariance_checks():
    GaussianMixture([0.5, 0.5 + 5e-11], [0.0, 1.0], [1.0, 1.0])  # within 1e-10 of summing to 1
    with pytest.raises(ValueError, match="^weights must be positive and sum to 1$"):
        GaussianMixture([0.5, 0.5 + 2e-10], [0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="^covariances must be positive$"):
        GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="^covariances must be symmetric$"):
        GaussianMixture([1.0], [[0.0, 0.0]], [[[1.0, 0.5], [0.0, 1.0]]])
    with pytest.raises(ValueError, match="^covariances must be positive definite$"):
        GaussianMixture([1.0], [[0.0, 0.0]], [[[1.0, 2.0], [2.0, 1.0]]])
    with pytest.raises(ValueError, match=r"^covariances must have shape \(2,\) or \(2, 1, 1\), got \(3,\)$"):
        GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="^weights has 1 entries but means has 2 components$"):
        GaussianMixture([1.0], [0.0, 1.0], [1.0, 1.0])


def test_log_pdf_pdf_score_and_laplacian_exact_for_one_component():
    mix = GaussianMixture([1.0], [[1.0, -1.0]], [[[2.0, 0.0], [0.0, 0.5]]])
    x = np.array([[3.0, 0.0]])
    logp = -0.5 * (4 / 2 + 1 / 0.5) - 0.5 * np.log(1.0) - np.log(2 * np.pi)
    assert mix.log_pdf(x)[0] == pytest.approx(logp, rel=1e-14)
    assert mix.pdf(x)[0] == pytest.approx(np.exp(logp), rel=1e-14)
    np.testing.assert_allclose(mix.score(x), [[-1.0, -2.0]], rtol=1e-14)
    assert mix.laplacian_log_pdf(x)[0] == pytest.approx(-(0.5 + 2.0), rel=1e-14)
    np.testing.assert_allclose(mix.responsibilities(x), [[1.0]])


def test_sample_replays_the_generator_and_noised_is_exact():
    draws = MIX_2D.sample(5, random_state=3)
    rng = np.random.default_rng(3)
    labels = rng.choice(3, size=5, p=MIX_2D.weights)
    z = rng.standard_normal((5, 2))
    chol = np.linalg.cholesky(MIX_2D.covariances)
    expected = MIX_2D.means[labels] + np.einsum("nij,nj->ni", chol[labels], z)
    np.testing.assert_allclose(draws, expected, rtol=1e-14)
    assert MIX_1D.sample(1, random_state=0).shape == (1,)
    noised = MIX_1D.noised(0.5, 0.1)
    np.testing.assert_allclose(noised.means[:, 0], [-1.0, 0.75])
    np.testing.assert_allclose(noised.covariances[:, 0, 0], [0.25 * 0.25 + 0.1, 0.25 * 0.5 + 0.1])
    assert noised.sample(2, random_state=0).shape == (2,)  # still one-dimensional
    same = MIX_1D.noised(1.0, 0.0)  # noise_var = 0 is allowed
    np.testing.assert_allclose(same.covariances, MIX_1D.covariances)


def test_posterior_mean_exact_for_one_gaussian_and_keeps_the_shape():
    mix = GaussianMixture([1.0], [2.0], [3.0])
    a, v, y = 0.5, 0.2, np.array([1.0, -1.0])
    expected = 2.0 + 3.0 * a * (y - a * 2.0) / (a * a * 3.0 + v)
    np.testing.assert_allclose(mix.posterior_mean(y, a, v), expected, rtol=1e-14)
    assert mix.posterior_mean(y[:, None], a, v).shape == (2, 1)
    with pytest.raises(ValueError, match=r"^y must have shape \(n, 1\)"):
        mix.posterior_mean([[1.0, 2.0]], a, v)


def test_the_far_path_starts_at_1e8_times_the_means_scale():
    mix = GaussianMixture([0.5, 0.5], [-1.0, 1.0], [1.0, 2.0])
    x = np.array([[1.9e8], [2.1e8]])  # reach = 1e8 * (1 + 1) = 2e8
    np.testing.assert_array_equal(mix._far_rows(x), [False, True])
    # Exactly at the reach the direct form is kept; one step of float64 beyond it, the far form.
    x = np.array([[2e8], [np.nextafter(2e8, np.inf)], [-2e8], [np.nextafter(-2e8, -np.inf)]])
    np.testing.assert_array_equal(mix._far_rows(x), [False, True, False, True])


def test_weights_are_renormalised_to_sum_to_one():
    weights = np.array([0.3, 0.7 + 5e-11])  # within the tolerance 1e-10 of summing to 1
    mix = GaussianMixture(weights, [0.0, 1.0], [1.0, 1.0])
    np.testing.assert_array_equal(mix.weights, weights / weights.sum())
    assert abs(mix.weights.sum() - 1.0) <= 2**-52


# Precisions 1 and 1 - 2**-52 (variance 1 + 2**-52): at x = 2**27 the quadratic terms differ by
# x^2 (P_1 - P_2) / 2 = 2, so the far form's -t^2 (a_k - min a) / 2 decides the responsibilities.
# (At powers of two u = x / t = 1/2 and every step of the far form is exact.)
NEAR_EQUAL = GaussianMixture([0.5, 0.5], [0.0, 0.0], [1.0, 1.0 + 2.0**-52])


@pytest.mark.parametrize("x", [2.0**27, -(2.0**27), 2.0**28])
def test_far_form_keeps_a_quadratic_difference_of_order_one(x):
    resp, score, _ = _exact_1d(NEAR_EQUAL, x)
    assert resp.min() > 1e-4                # the differences are 2 and 8: both components count
    np.testing.assert_allclose(NEAR_EQUAL.responsibilities([x])[0], resp, rtol=1e-12)
    assert NEAR_EQUAL.score([x])[0] == pytest.approx(score, rel=1e-12)


def test_far_form_keeps_the_constant_terms_of_each_component():
    """Far along the first axis, the components differ only in c_k = m_kᵀ P_k m_k, log|S_k| and w_k."""
    mix = GaussianMixture([0.3, 0.7], [[0.0, 1.0], [0.0, -1.0]],
                          [np.diag([1.0, 1.0]), np.diag([1.0, 0.25])])
    x = np.array([[2.0**30, 0.0], [-(2.0**31), 0.0]])
    assert mix._far_rows(x).all()
    # log w_k - log|S_k| / 2 - (x - m_k)ᵀ P_k (x - m_k) / 2, less the common -x_1^2 / 2:
    log_odds = np.log(0.3 / 0.7) + 0.5 * np.log(0.25) - 0.5 * (1.0 - 4.0)
    r1 = 1.0 / (1.0 + np.exp(-log_odds))
    np.testing.assert_allclose(mix.responsibilities(x), [[r1, 1 - r1]] * 2, rtol=1e-12)
    # The score's second coordinate, r_1 (1 - 0) + r_2 4 (-1 - 0), is what the components disagree on.
    np.testing.assert_allclose(mix.score(x)[:, 1], r1 - 4.0 * (1 - r1), rtol=1e-12)


def test_far_laplacian_keeps_the_spread_of_the_pulls():
    """Two components with a common precision P and nearby means, far out: the responsibilities stay
    of order one and the Laplacian exceeds -P by P^2 r_1 r_2 (m_1 - m_2)^2 (about 1e-10 of it)."""
    precision = 2.0**-27
    mix = GaussianMixture([0.5, 0.5], [0.0, 0.25], [1 / precision, 1 / precision])
    x = np.array([2.0**28, 2.0**28 + 2.0**25])
    assert mix._far_rows(x[:, None]).all()
    resp = mix.responsibilities(x)
    exact = np.array([_exact_1d(mix, xi)[0] for xi in x])
    np.testing.assert_allclose(resp, exact, rtol=1e-12)
    assert np.all((exact > 0.05) & (exact < 0.95))
    excess = precision**2 * exact[:, 0] * exact[:, 1] * 0.25**2
    np.testing.assert_allclose(mix.laplacian_log_pdf(x) + precision, excess, rtol=1e-5)
