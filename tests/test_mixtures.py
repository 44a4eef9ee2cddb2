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
        for w, m, c in zip(MIX_2D.weights, MIX_2D.means, MIX_2D.covariances)
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
        lik = lambda x: MIX_1D.pdf(np.array([x]))[0] * stats.norm.pdf(y, a * x, np.sqrt(v))
        num, _ = integrate.quad(lambda x: x * lik(x), -15, 15, points=[-2, 1.5])
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
        (dict(weights=[1.0], means=[[0.0, 0.0]], covariances=[[[1.0, 2.0], [2.0, 1.0]]]), "positive definite"),
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
