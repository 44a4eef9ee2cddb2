"""Tests of dgmbook.diffusion: schedules, the forward chain, the posterior q(x_{t-1} | x_t, x_0),
the sampler."""

import numpy as np
import pytest
from conftest import refused_one_byte_below

from dgmbook.diffusion import (
    NoiseSchedule,
    ancestral_sample,
    cosine_schedule,
    forward_chain,
    linear_schedule,
)

SCHEDULES = {
    "linear": linear_schedule(1000),
    "cosine": cosine_schedule(1000),
    "random": NoiseSchedule(np.random.default_rng(3).uniform(0.6, 0.999, size=12)),
}


def z_score(values, target):
    """(sample mean - target) / standard error, from the sample."""
    values = np.asarray(values, dtype=float)
    return (values.mean() - target) / (values.std(ddof=1) / np.sqrt(values.size))


# ---------------------------------------------------------------------- schedules
@pytest.mark.parametrize("name", SCHEDULES)
def test_alpha_bar_is_decreasing_in_the_open_unit_interval(name):
    sched = SCHEDULES[name]
    ab = sched.alpha_bars
    assert ab.shape == (sched.n_steps + 1,)
    assert ab[0] == 1.0
    assert np.all((ab[1:] > 0) & (ab[1:] < 1))
    assert np.all(np.diff(ab) < 0)
    np.testing.assert_allclose(ab[1:], np.cumprod(sched.alphas), rtol=1e-12)
    np.testing.assert_allclose(sched.betas, 1 - sched.alphas, rtol=0, atol=0)


def test_linear_schedule_endpoints_and_spacing():
    sched = linear_schedule(50, beta_start=1e-3, beta_end=0.05)
    assert sched.n_steps == 50
    assert sched.beta(1) == pytest.approx(1e-3, rel=1e-12)
    assert sched.beta(50) == pytest.approx(0.05, rel=1e-12)
    np.testing.assert_allclose(np.diff(sched.betas), (0.05 - 1e-3) / 49, rtol=1e-9)


def test_cosine_schedule_follows_the_squared_cosine_until_the_clip():
    T, s = 200, 0.008
    sched = cosine_schedule(T, offset=s)
    f = np.cos(0.5 * np.pi * (np.arange(T + 1) / T + s) / (1 + s)) ** 2
    # Before the last step no beta is clipped, so alpha_bar is exactly f(t) / f(0).
    np.testing.assert_allclose(sched.alpha_bars[:T], f[:T] / f[0], rtol=1e-10)
    assert sched.beta(T) == pytest.approx(0.999)
    assert np.all(sched.betas <= 0.999)


def test_alpha_bar_accepts_zero_and_arrays():
    sched = NoiseSchedule([0.9, 0.8, 0.5])
    assert sched.alpha_bar(0) == 1.0
    np.testing.assert_allclose(sched.alpha_bar(np.array([0, 1, 2, 3])), [1, 0.9, 0.72, 0.36])
    np.testing.assert_allclose(sched.alpha(np.array([1, 3])), [0.9, 0.5])


# ---------------------------------------------------------------------- the posterior
def _joint_given_x0(sched, t):
    """Mean coefficients on x_0 and covariance of (x_{t-1}, x_t) given x_0, by unrolling the chain.

    Each x_s is written as m_s x_0 + sum_r c_{s,r} eps_r from x_s = sqrt(alpha_s) x_{s-1} +
    sqrt(beta_s) eps_s alone: no closed form of q(x_t | x_0) is used.
    """
    m, c = 1.0, np.zeros(t)
    rows = {}
    for s in range(1, t + 1):
        m, c = np.sqrt(sched.alphas[s - 1]) * m, np.sqrt(sched.alphas[s - 1]) * c
        c[s - 1] += np.sqrt(sched.betas[s - 1])
        rows[s] = (m, c.copy())
    rows[0] = (1.0, np.zeros(t))
    (m1, c1), (m2, c2) = rows[t - 1], rows[t]
    cov = np.array([[c1 @ c1, c1 @ c2], [c2 @ c1, c2 @ c2]])
    return np.array([m1, m2]), cov


@pytest.mark.parametrize("name", SCHEDULES)
def test_posterior_matches_numerical_conditioning_of_the_joint_gaussian(name):
    sched = SCHEDULES[name]
    for t in sorted({2, 3, sched.n_steps // 2, sched.n_steps}):
        m, cov = _joint_given_x0(sched, t)
        gain = cov[0, 1] / cov[1, 1]
        var = cov[0, 0] - cov[0, 1] ** 2 / cov[1, 1]
        # E[x_{t-1} | x_t, x_0] = m1 x0 + gain (x_t - m2 x0) = gain x_t + (m1 - gain m2) x0.
        c_xt, c_x0 = sched.posterior_coefficients(t)
        assert c_xt == pytest.approx(gain, rel=1e-9)
        assert c_x0 == pytest.approx(m[0] - gain * m[1], rel=1e-7, abs=1e-12)
        assert sched.posterior_variance(t) == pytest.approx(var, rel=1e-7, abs=1e-15)


@pytest.mark.parametrize("name", SCHEDULES)
def test_posterior_variance_is_at_most_beta_and_zero_at_t1(name):
    sched = SCHEDULES[name]
    steps = np.arange(1, sched.n_steps + 1)
    var = sched.posterior_variance(steps)
    assert var[0] == 0.0
    assert np.all(var[1:] > 0)
    assert np.all(var <= sched.betas * (1 + 1e-12))


def test_posterior_mean_at_t1_is_x0_and_is_linear():
    sched = NoiseSchedule([0.7, 0.6, 0.9])
    rng = np.random.default_rng(0)
    xt, x0 = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    np.testing.assert_allclose(sched.posterior_mean(xt, x0, 1), x0, rtol=1e-12, atol=1e-12)
    c_xt, c_x0 = sched.posterior_coefficients(3)
    np.testing.assert_allclose(sched.posterior_mean(xt, x0, 3), c_xt * xt + c_x0 * x0)
    # The explicit formula of the assignment, t = 3: alpha_bar_2 = 0.42, alpha_bar_3 = 0.378.
    expected = (np.sqrt(0.9) * (1 - 0.42) * xt + np.sqrt(0.42) * (1 - 0.9) * x0) / (1 - 0.378)
    np.testing.assert_allclose(sched.posterior_mean(xt, x0, 3), expected, rtol=1e-12)
    assert sched.posterior_mean(xt[:, 0], x0[:, 0], 2).shape == (5,)


def test_posterior_coefficients_vectorised_equal_scalar():
    sched = linear_schedule(100)
    steps = np.array([1, 7, 100])
    c_xt, c_x0 = sched.posterior_coefficients(steps)
    for i, t in enumerate(steps):
        assert c_xt[i] == sched.posterior_coefficients(int(t))[0]
        assert c_x0[i] == sched.posterior_coefficients(int(t))[1]


# ---------------------------------------------------------------------- forward process, Monte Carlo
def test_forward_chain_reaches_the_closed_form_marginal():
    sched = linear_schedule(200)
    rng = np.random.default_rng(11)
    x0 = np.where(rng.random(40_000) < 0.3, -2.0, 1.5)  # a two-point, very non-Gaussian x_0
    steps = [0, 1, 50, 200]
    chain = forward_chain(x0, sched, steps, random_state=12)
    assert chain.shape == (4, 40_000)
    np.testing.assert_array_equal(chain[0], x0)
    for k, t in enumerate(steps[1:], start=1):
        noise = chain[k] - np.sqrt(sched.alpha_bar(t)) * x0
        assert abs(z_score(noise, 0.0)) < 4
        assert abs(z_score(noise**2, 1 - sched.alpha_bar(t))) < 4


def test_forward_chain_posterior_residual_has_the_predicted_moments_in_2d():
    sched = cosine_schedule(50)
    rng = np.random.default_rng(5)
    x0 = rng.choice([-1.0, 2.0], size=(30_000, 2)) + 0.1 * rng.standard_normal((30_000, 2))
    t = 20
    prev, cur = forward_chain(x0, sched, [t - 1, t], random_state=6)
    resid = prev - sched.posterior_mean(cur, x0, t)
    var = sched.posterior_variance(t)
    for j in range(2):
        assert abs(z_score(resid[:, j], 0.0)) < 4
        assert abs(z_score(resid[:, j] ** 2, var)) < 4
        assert abs(z_score(resid[:, j] * cur[:, j], 0.0)) < 4  # orthogonal to x_t
    assert abs(z_score(resid[:, 0] * resid[:, 1], 0.0)) < 4  # isotropic: no cross-covariance


def test_q_sample_returns_the_noise_that_made_it():
    sched = linear_schedule(10)
    x0 = np.linspace(-1, 1, 7)
    xt, eps = sched.q_sample(x0, 4, random_state=0)
    np.testing.assert_allclose(xt, np.sqrt(sched.alpha_bar(4)) * x0 + np.sqrt(1 - sched.alpha_bar(4)) * eps)
    np.testing.assert_array_equal(sched.q_sample(x0, 0, random_state=0)[0], x0)


# ---------------------------------------------------------------------- ancestral sampling
def test_ancestral_sampler_with_a_point_mass_denoiser_returns_the_point():
    sched = linear_schedule(30)
    out = ancestral_sample(sched, lambda x, t: np.full_like(x, 0.7), n=50, dim=3, random_state=0)
    np.testing.assert_allclose(out, 0.7, rtol=0, atol=1e-12)


def _gaussian_denoiser(sched, m, s2):
    """The exact E[x_0 | x_t] for x_0 ~ N(m, s2): x_0 and x_t are jointly Gaussian."""
    def denoiser(x, t):
        ab = sched.alpha_bar(t)
        return m + np.sqrt(ab) * s2 / (ab * s2 + 1 - ab) * (x - np.sqrt(ab) * m)
    return denoiser


def _sampler_moments(sched, m, s2, reverse_variance):
    """Exact mean and variance of the sampler's output for Gaussian data (a linear recursion)."""
    mean, var = 0.0, 1.0
    for t in range(sched.n_steps, 0, -1):
        ab = sched.alpha_bar(t)
        gain_d = np.sqrt(ab) * s2 / (ab * s2 + 1 - ab)
        c_xt, c_x0 = sched.posterior_coefficients(t)
        noise = 0.0 if t == 1 else (sched.posterior_variance(t) if reverse_variance == "posterior"
                                    else sched.beta(t))
        mean = (c_xt + c_x0 * gain_d) * mean + c_x0 * (m - gain_d * np.sqrt(ab) * m)
        var = (c_xt + c_x0 * gain_d) ** 2 * var + noise
    return mean, var


@pytest.mark.parametrize("reverse_variance", ["posterior", "beta"])
def test_ancestral_sampler_matches_its_exact_moments_on_gaussian_data(reverse_variance):
    m, s2 = 1.5, 0.25
    sched = linear_schedule(200, beta_end=0.1)
    out = ancestral_sample(sched, _gaussian_denoiser(sched, m, s2), n=20_000, dim=1, random_state=1,
                           reverse_variance=reverse_variance)[:, 0]
    mean, var = _sampler_moments(sched, m, s2, reverse_variance)
    assert abs(mean - m) < 1e-3  # the mean is right: E[x_{t-1} | x_t] = mu_q(x_t, E[x_0 | x_t], t)
    assert abs(z_score(out, mean)) < 4
    assert abs(z_score((out - mean) ** 2, var)) < 4


def test_beta_reverse_variance_is_exact_for_standard_normal_data():
    # For x_0 ~ N(0, 1) every q(x_t) is N(0, 1) and q(x_{t-1} | x_t) = N(sqrt(alpha_t) x_t, beta_t):
    # the sampler with sigma_t^2 = beta_t is then exact except at its last, noiseless step, which
    # outputs E[x_0 | x_1] (variance 1 - beta_1); sigma_q^2 < beta_t gives too little variance.
    sched = linear_schedule(100, beta_end=0.2)
    assert _sampler_moments(sched, 0.0, 1.0, "beta")[1] == pytest.approx(1.0 - sched.beta(1), rel=1e-10)
    assert _sampler_moments(sched, 0.0, 1.0, "posterior")[1] < 0.99


# ---------------------------------------------------------------------- bad input
@pytest.mark.parametrize("alphas", [[0.5, 1.2], [0.0, 0.5], [0.5, -0.1], [1.0, 0.5], []])
def test_bad_alphas(alphas):
    with pytest.raises(ValueError, match="alphas"):
        NoiseSchedule(alphas)


def test_bad_alphas_type():
    with pytest.raises(TypeError, match="alphas"):
        NoiseSchedule(["a", "b"])


def test_bad_steps_and_shapes():
    sched = NoiseSchedule([0.9, 0.8])
    with pytest.raises(ValueError, match="t must"):
        sched.posterior_variance(0)
    with pytest.raises(ValueError, match="t must"):
        sched.posterior_variance(3)
    with pytest.raises(ValueError, match="t must"):
        sched.alpha_bar(np.array([0, 5]))
    with pytest.raises(TypeError, match="t must"):
        sched.posterior_mean(np.zeros(2), np.zeros(2), 1.0)
    with pytest.raises(TypeError, match="t must"):
        sched.alpha(np.array([1.5]))
    with pytest.raises(ValueError, match="x_t and x_0"):
        sched.posterior_mean(np.zeros((3, 2)), np.zeros((3, 1)), 2)
    with pytest.raises(ValueError, match="x_0"):
        sched.posterior_mean(np.zeros(3), np.array([0.0, np.nan, 1.0]), 2)


def test_bad_q_sample_arguments():
    sched = NoiseSchedule([0.9, 0.8])
    with pytest.raises(ValueError, match="t must"):
        sched.q_sample(np.zeros(3), 3, random_state=0)
    with pytest.raises(ValueError, match="x_0"):
        sched.q_sample(np.zeros((2, 2, 2)), 1, random_state=0)
    with pytest.raises(TypeError, match="random_state"):
        sched.q_sample(np.zeros(3), 1, random_state="seed")
    with pytest.raises(ValueError, match="alphas"):
        NoiseSchedule([[0.9, 0.8]])


def test_bad_schedule_arguments():
    with pytest.raises(ValueError, match="n_steps"):
        linear_schedule(0)
    with pytest.raises(ValueError, match="beta_end"):
        linear_schedule(10, beta_end=1.5)
    with pytest.raises(ValueError, match="offset"):
        cosine_schedule(10, offset=-0.1)
    with pytest.raises(ValueError, match="max_beta"):
        cosine_schedule(10, max_beta=1.0)


def test_bad_chain_and_sampler_arguments():
    sched = NoiseSchedule([0.9, 0.8])
    with pytest.raises(TypeError, match="schedule"):
        forward_chain(np.zeros(3), [0.9, 0.8], [1])
    with pytest.raises(ValueError, match="steps"):
        forward_chain(np.zeros(3), sched, [3])
    with pytest.raises(TypeError, match="steps"):
        forward_chain(np.zeros(3), sched, [0.5])
    with pytest.raises(ValueError, match="reverse_variance"):
        ancestral_sample(sched, lambda x, t: x, 5, 1, reverse_variance="learned")
    with pytest.raises(TypeError, match="denoiser"):
        ancestral_sample(sched, None, 5, 1)
    with pytest.raises(ValueError, match="denoiser"):
        ancestral_sample(sched, lambda x, t: x[:, :1], 5, 2, random_state=0)
    with pytest.raises(ValueError, match="n must"):
        ancestral_sample(sched, lambda x, t: x, 0, 1)


def test_sampler_names_the_step_at_which_the_denoiser_returns_nan():
    sched = NoiseSchedule([0.9, 0.8, 0.5])

    def denoiser(x_t, t):
        return x_t if t == 3 else np.full_like(x_t, np.nan)

    with pytest.raises(ValueError, match=r"denoiser\(x_t, t\) at t = 2 returned non-finite"):
        ancestral_sample(sched, denoiser, 4, 1, random_state=0)
    with pytest.raises(TypeError, match="denoiser must be a callable"):
        ancestral_sample(sched, "denoiser", 4, 1, random_state=0)


def test_schedule_errors_name_the_argument_passed():
    with pytest.raises(ValueError, match=r"beta_start must lie in \[1.11e-16, 1\)"):
        linear_schedule(10, beta_start=1e-20)
    with pytest.raises(ValueError, match=r"offset must lie in \(0, 1e\+06\]"):
        cosine_schedule(10, offset=1e300)
    # The boundaries themselves are valid and give a usable schedule.
    assert linear_schedule(3, beta_start=float(np.finfo(float).epsneg)).alphas[0] < 1
    assert np.all(cosine_schedule(10, offset=1e6).betas > 0)


def test_validation_leaves_valid_results_unchanged():
    """The checks added at the boundary do not touch the numbers: the sampler with an int-valued
    list denoiser equals the one with the same values as floats, and a float32 denoiser is cast."""
    sched = cosine_schedule(20)
    a = ancestral_sample(sched, lambda x, t: [[1, 0]] * len(x), 6, 2, random_state=3)
    b = ancestral_sample(sched, lambda x, t: np.tile([1.0, 0.0], (len(x), 1)), 6, 2, random_state=3)
    np.testing.assert_array_equal(a, b)
    c = ancestral_sample(sched, lambda x, t: x.astype(np.float32), 6, 2, random_state=3)
    d = ancestral_sample(sched, lambda x, t: x.astype(np.float32).astype(float), 6, 2, random_state=3)
    np.testing.assert_array_equal(c, d)


# ---------------------------------------------------------------------- golden values on seeded input
# A Monte Carlo check scaled by its own standard error cannot see heavy-tailed noise (sqrt(beta) / z
# for sqrt(beta) * z): these tests replay the generator's draws and compare value for value.
def test_forward_chain_replays_the_chain_draw_for_draw():
    sched = NoiseSchedule([0.9, 0.8, 0.5, 0.7])
    x0 = np.array([[1.0, -2.0], [0.5, 3.0], [-1.0, 0.0]])
    out = forward_chain(x0, sched, [3, 0, 1, 3], random_state=7)
    rng, x, expected = np.random.default_rng(7), x0.copy(), {0: x0.copy()}
    for t in range(1, 4):
        x = np.sqrt(sched.alphas[t - 1]) * x + np.sqrt(sched.betas[t - 1]) * rng.standard_normal(x.shape)
        expected[t] = x
    assert out.shape == (4, 3, 2)
    for k, t in enumerate([3, 0, 1, 3]):
        np.testing.assert_allclose(out[k], expected[t], rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(x0, [[1.0, -2.0], [0.5, 3.0], [-1.0, 0.0]])  # the input is not changed
    # steps in any order, last step T and a generator accepted
    last = forward_chain(x0, sched, np.array([4]), random_state=np.random.default_rng(7))
    assert last.shape == (1, 3, 2)
    x = expected[3]
    x = np.sqrt(sched.alphas[3]) * x + np.sqrt(sched.betas[3]) * rng.standard_normal(x.shape)
    np.testing.assert_allclose(last[0], x, rtol=1e-13, atol=1e-14)
    # one step asked for twice: both rows hold it
    twice = forward_chain(x0, sched, [2, 2], random_state=7)
    np.testing.assert_allclose(twice, [expected[2], expected[2]], rtol=1e-13, atol=1e-14)


def test_q_sample_draws_one_noise_value_per_coordinate():
    sched = NoiseSchedule([0.9, 0.8, 0.5])
    x0 = np.arange(8.0).reshape(4, 2)
    xt, eps = sched.q_sample(x0, 2, random_state=3)
    np.testing.assert_array_equal(eps, np.random.default_rng(3).standard_normal((4, 2)))
    np.testing.assert_allclose(xt, np.sqrt(0.72) * x0 + np.sqrt(0.28) * eps, rtol=1e-14)
    assert xt.shape == eps.shape == (4, 2)
    xt3, _ = sched.q_sample(x0, 3, random_state=3)
    np.testing.assert_allclose(xt3, np.sqrt(0.36) * x0 + np.sqrt(0.64) * eps, rtol=1e-14)


@pytest.mark.parametrize("reverse_variance", ["posterior", "beta"])
def test_ancestral_sample_replays_the_sampler_draw_for_draw(reverse_variance):
    sched = NoiseSchedule([0.9, 0.8, 0.6, 0.7])
    seen = []

    def denoiser(x, t):
        seen.append(t)
        return 0.5 * x + 0.1 * t

    out = ancestral_sample(sched, denoiser, n=3, dim=2, random_state=11, reverse_variance=reverse_variance)
    assert seen == [4, 3, 2, 1]
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 2))
    ab = np.concatenate([[1.0], np.cumprod(sched.alphas)])
    for t in range(4, 0, -1):
        a = sched.alphas[t - 1]
        x0_hat = 0.5 * x + 0.1 * t
        x = (np.sqrt(a) * (1 - ab[t - 1]) * x + np.sqrt(ab[t - 1]) * (1 - a) * x0_hat) / (1 - ab[t])
        var = (1 - a) * (1 - ab[t - 1]) / (1 - ab[t]) if reverse_variance == "posterior" else 1 - a
        if t > 1:
            x = x + np.sqrt(var) * rng.standard_normal((3, 2))
    assert out.shape == (3, 2)
    np.testing.assert_allclose(out, x, rtol=1e-12, atol=1e-14)
    default = ancestral_sample(sched, lambda x, t: 0.5 * x + 0.1 * t, n=3, dim=2, random_state=11)
    if reverse_variance == "posterior":
        np.testing.assert_array_equal(default, out)


def test_ancestral_sample_accepts_a_denoiser_returning_integers_or_lists():
    sched = NoiseSchedule([0.9, 0.8])
    out = ancestral_sample(sched, lambda x, t: np.zeros(x.shape, dtype=int), n=2, dim=1, random_state=0)
    assert out.shape == (2, 1) and out.dtype == np.float64
    out = ancestral_sample(sched, lambda x, t: [[1.0], [1.0]], n=2, dim=1, random_state=0)
    np.testing.assert_allclose(out, 1.0, atol=1e-12)


def test_schedule_defaults_repr_and_steps():
    lin = linear_schedule()
    assert lin.n_steps == 1000
    assert lin.beta(1) == pytest.approx(1e-4, rel=1e-12) and lin.beta(1000) == pytest.approx(0.02, rel=1e-12)
    cos = cosine_schedule()
    np.testing.assert_array_equal(cos.alphas, cosine_schedule(1000, offset=0.008, max_beta=0.999).alphas)
    assert cos.beta(1000) == pytest.approx(0.999, rel=1e-12)
    sched = NoiseSchedule([0.9, 0.8, 0.5])
    assert repr(sched) == "NoiseSchedule(n_steps=3, alpha_bar_T=0.36)"
    assert sched.n_steps == 3 and isinstance(sched.n_steps, int)
    np.testing.assert_allclose(sched.beta(np.array([1, 3])), [0.1, 0.5])
    assert sched.beta(2) == pytest.approx(0.2) and np.ndim(sched.beta(2)) == 0
    assert np.ndim(sched.alpha(2)) == 0 and np.ndim(sched.alpha_bar(3)) == 0
    np.testing.assert_allclose(sched.posterior_variance(np.array([1, 3])), [0.0, 0.5 * 0.28 / 0.64])
    with pytest.raises(ValueError, match=r"^t must lie in \[1, 3\], got values in \[0, 3\]$"):
        sched.alpha(np.array([0, 3]))
    with pytest.raises(ValueError, match=r"^t must lie in \[0, 3\], got values in \[0, 4\]$"):
        sched.alpha_bar(np.array([0, 4]))
    with pytest.raises(TypeError, match="^t must be an integer or a 1-D array of integers$"):
        sched.alpha(np.array([[1]]))
    with pytest.raises(ValueError, match="^t must not be empty$"):
        sched.alpha(np.array([], dtype=int))


def test_schedule_thresholds():
    eps = np.finfo(np.float64).epsneg
    assert linear_schedule(2, beta_start=eps, beta_end=0.5).beta(1) == pytest.approx(eps)
    with pytest.raises(ValueError, match="^beta_start must lie in"):
        linear_schedule(2, beta_start=eps / 2, beta_end=0.5)
    assert cosine_schedule(3, offset=1e6).n_steps == 3
    with pytest.raises(ValueError, match=r"^offset must lie in \(0, 1e\+06\], got 1e\+06"):
        cosine_schedule(3, offset=1.000001e6)
    assert linear_schedule(1, beta_start=0.3).n_steps == 1
    sched = cosine_schedule(4, max_beta=0.5)
    assert sched.betas.max() == 0.5
    assert NoiseSchedule([0.5, 1.0]).alpha_bar(2) == 0.5  # alpha_t = 1 after the first step is allowed
    with pytest.raises(ValueError, match=r"^alphas\[0\] \(alpha_1\) must be < 1"):
        NoiseSchedule([1.0, 0.5])
    with pytest.raises(ValueError, match=r"^alphas must lie in \(0, 1\]$"):
        NoiseSchedule([0.5, 1.0 + 1e-12])


def test_memory_estimates_at_the_limit(monkeypatch):
    sched = NoiseSchedule([0.9, 0.8])
    refused_one_byte_below(monkeypatch, 8 * 6 * (5 + 1), lambda: linear_schedule(5),
                            r"^n_steps: a schedule of 5 steps would need 288 bytes")
    refused_one_byte_below(monkeypatch, 8 * 6 * (5 + 1), lambda: cosine_schedule(5),
                            r"^n_steps: a schedule of 5 steps would need 288 bytes")
    refused_one_byte_below(monkeypatch, 8 * (2 + 2) * 6,
                            lambda: forward_chain(np.zeros((3, 2)), sched, [1, 2]),
                            r"^steps: recording 2 steps of 6 values \(len\(steps\) \* x_0.size\) would need")
    refused_one_byte_below(monkeypatch, 8 * 4 * 3 * 2, lambda: ancestral_sample(sched, lambda x, t: x, 3, 2),
                            r"^n, dim: 3 x 2 samples \(n \* dim\) would need 192 bytes")


def test_argument_checks_at_their_boundaries():
    sched = NoiseSchedule([0.9, 0.8])
    assert cosine_schedule(1).n_steps == 1
    with pytest.raises(ValueError, match="^n_steps must be >= 1, got 0$"):
        cosine_schedule(0)
    with pytest.raises(ValueError, match="^dim must be >= 1, got 0$"):
        ancestral_sample(sched, lambda x, t: x, 2, 0)
    with pytest.raises(ValueError, match=r"^x_0 must have ndim in \(1, 2\)"):
        forward_chain(np.zeros((2, 2, 2)), sched, [1])
    with pytest.raises(ValueError, match=r"^x_0 must have ndim in \(1, 2\)"):
        sched.posterior_mean(np.zeros((2, 2)), np.zeros((2, 2, 2)), 1)
    with pytest.raises(TypeError, match="^t must be an integer, got float$"):
        sched.posterior_mean(np.zeros(2), np.zeros(2), 1.5)
    with pytest.raises(TypeError, match="^t must be an integer, got bool$"):
        sched.posterior_mean(np.zeros(2), np.zeros(2), True)
    with pytest.raises(TypeError, match="^schedule must be a NoiseSchedule, got list$"):
        forward_chain(np.zeros(3), [0.9], [1])
    with pytest.raises(TypeError, match="^schedule must be a NoiseSchedule, got list$"):
        ancestral_sample([0.9], lambda x, t: x, 2, 1)
    with pytest.raises(TypeError, match=r"^steps must be a non-empty 1-D sequence of integers"):
        forward_chain(np.zeros(3), sched, [[1], [1, 2]])
    with pytest.raises(ValueError, match=r"^t must be <= 2, got 3$"):
        sched.q_sample(np.zeros(3), 3)
    with pytest.raises(ValueError, match=r"^t must be >= 0, got -1$"):
        sched.q_sample(np.zeros(3), -1)
    with pytest.raises(ValueError, match=r"^beta_start must lie in \[1.11e-16, 1\), got 1e-17: below "
                                         r"that, alpha_1 = 1 - beta_start rounds to 1 and sigma_q\^2\(t\) "
                                         r"is 0 / 0$"):
        linear_schedule(3, beta_start=1e-17)


def test_what_the_denoiser_returns_is_checked_with_exact_messages():
    sched = NoiseSchedule([0.9, 0.8])
    with pytest.raises(TypeError, match=r"^denoiser\(x_t, t\) at t = 2 must return an array of real "
                                        r"numbers, got list of dtype object$"):
        ancestral_sample(sched, lambda x, t: [[1.0], [1.0, 2.0]], 2, 1)
    with pytest.raises(TypeError, match="got str of dtype <U1$"):
        ancestral_sample(sched, lambda x, t: "a", 2, 1)

    def half_nan(x, t):
        out = np.array(x)
        out[0] = np.nan
        return out

    with pytest.raises(ValueError, match=r"^denoiser\(x_t, t\) at t = 2 returned non-finite values "
                                         r"\(NaN or inf\) at 2 of 6 entries$"):
        ancestral_sample(sched, half_nan, 3, 2)
