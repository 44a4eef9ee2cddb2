"""Tests of dgmbook.score_matching: score models, the objectives, their gradients and equivalences."""

import numpy as np
import pytest

from dgmbook.mixtures import GaussianMixture
from dgmbook.score_matching import (
    GaussianScoreModel,
    LinearScoreModel,
    RBFFeatures,
    denoising_sm_terms,
    explicit_sm_gradient,
    explicit_sm_terms,
    fit_gaussian_implicit,
    fit_linear_implicit,
    hutchinson_divergence,
    implicit_sm_gradient,
    implicit_sm_terms,
    monte_carlo_mean,
    random_projections,
    sliced_sm_terms,
    squared_score_terms,
)

MIX_1D = GaussianMixture([0.3, 0.7], [-2.0, 1.5], [0.25, 0.5])
MIX_2D = GaussianMixture([0.4, 0.6], [[-1.0, 0.0], [1.5, 1.0]], [0.5, 0.3])
FEATURES_2D = RBFFeatures(np.array([[-1.0, 0.0], [1.0, 1.0], [0.0, -1.0]]), bandwidth=0.8)


def _numeric_score(log_f, x, h=1e-5):
    return np.stack([(log_f(x + h * e) - log_f(x - h * e)) / (2 * h) for e in np.eye(x.shape[1])], axis=1)


def _random_linear_model(seed=0):
    rng = np.random.default_rng(seed)
    return LinearScoreModel(FEATURES_2D, rng.normal(size=FEATURES_2D.n_features))


# ---------------------------------------------------------------------------- models
def test_gaussian_score_matches_finite_differences_of_log_density():
    model = GaussianScoreModel([0.5, -1.0], 1.7)
    x = np.random.default_rng(0).normal(size=(5, 2))

    def log_p(y):
        return -0.5 * ((y - model.mean) ** 2).sum(axis=1) / model.variance

    np.testing.assert_allclose(model.score(x), _numeric_score(log_p, x), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(model.divergence(x), -2 / 1.7)


def test_linear_model_score_is_gradient_of_its_log_density():
    model = _random_linear_model()
    x = np.random.default_rng(1).normal(size=(6, 2))
    numeric = _numeric_score(model.log_unnormalised, x)
    np.testing.assert_allclose(model.score(x), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("model", [GaussianScoreModel([0.2, 0.3], 0.8), _random_linear_model(2)])
def test_divergence_and_jvp_match_finite_differences_of_the_score(model):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5, 2))
    v = rng.normal(size=(5, 2))
    h = 1e-5
    jvp = (model.score(x + h * v) - model.score(x - h * v)) / (2 * h)
    np.testing.assert_allclose(model.score_jvp(x, v), jvp, rtol=1e-6, atol=1e-8)
    div = sum((model.score(x + h * e)[:, i] - model.score(x - h * e)[:, i]) / (2 * h)
              for i, e in enumerate(np.eye(2)))
    np.testing.assert_allclose(model.divergence(x), div, rtol=1e-6, atol=1e-8)


def test_one_dimensional_input_keeps_its_shape():
    model = GaussianScoreModel(0.0, 2.0)
    x = np.linspace(-1, 1, 5)
    assert model.score(x).shape == (5,)
    np.testing.assert_allclose(model.score(x), -x / 2.0)
    assert implicit_sm_terms(model, x).shape == (5,)


def test_quadratic_matrix_reproduces_the_quadratic_part():
    model = _random_linear_model(4)
    x = np.random.default_rng(5).normal(size=(4, 2))
    d = 2
    quad_part = model.features.values(x)[:, d:d + 3] @ model.weights[d:d + 3]
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", x, model.quadratic_matrix(), x), quad_part)


# ---------------------------------------------------------------------------- gradients in theta
@pytest.mark.parametrize("model", [GaussianScoreModel([0.2, -0.4], 1.3), _random_linear_model(6)])
def test_objective_gradients_match_finite_differences(model):
    x = MIX_2D.sample(50, random_state=7)
    psi = MIX_2D.score(x)
    theta = model.params
    h = 1e-6
    for objective, gradient in [
        (lambda m: explicit_sm_terms(m, x, psi).mean(), explicit_sm_gradient(model, x, psi)),
        (lambda m: implicit_sm_terms(m, x).mean(), implicit_sm_gradient(model, x)),
    ]:
        numeric = np.array([
            (objective(model.with_params(theta + h * e)) - objective(model.with_params(theta - h * e)))
            / (2 * h)
            for e in np.eye(theta.size)
        ])
        np.testing.assert_allclose(gradient, numeric, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------- the equivalence
def test_explicit_minus_implicit_is_the_constant_half_fisher_information():
    """L_ESM(theta) - L_ISM(theta) = 1/2 E||psi||^2 for every theta, within Monte Carlo error."""
    x = MIX_1D.sample(40_000, random_state=8)
    psi = MIX_1D.score(x)
    wide = np.linspace(-12, 12, 200_001)
    constant = 0.5 * np.sum(MIX_1D.pdf(wide) * MIX_1D.score(wide) ** 2) * (wide[1] - wide[0])  # quadrature
    for mean, var in [(0.0, 1.0), (1.0, 3.0), (-2.0, 0.4)]:
        model = GaussianScoreModel(mean, var)
        diff, se = monte_carlo_mean(explicit_sm_terms(model, x, psi) - implicit_sm_terms(model, x))
        assert abs(diff - constant) < 4 * se
    # and the gradients in theta agree in expectation: their difference is E[s psi + s'] terms, mean 0
    model = GaussianScoreModel(0.5, 2.0)
    g_diff = explicit_sm_gradient(model, x, psi) - implicit_sm_gradient(model, x)
    per_sample_mu = -psi / model.variance  # d/dmu of (-s psi - s') per sample
    assert abs(g_diff[0]) < 4 * per_sample_mu.std() / np.sqrt(x.size)


def test_squared_score_loss_prefers_a_flat_model():
    x = MIX_1D.sample(2000, random_state=9)
    losses = [squared_score_terms(GaussianScoreModel(x.mean(), v), x).mean() for v in (1.0, 10.0, 100.0)]
    assert losses[0] > losses[1] > losses[2]
    ism = [implicit_sm_terms(GaussianScoreModel(x.mean(), v), x).mean() for v in (1.0, x.var(), 100.0)]
    assert ism[1] < ism[0] and ism[1] < ism[2]


def test_gaussian_fit_is_sample_mean_and_mle_variance_and_a_stationary_point():
    x = MIX_2D.sample(500, random_state=10)
    model = fit_gaussian_implicit(x)
    np.testing.assert_allclose(model.mean, x.mean(axis=0))
    assert model.variance == pytest.approx(((x - x.mean(axis=0)) ** 2).sum(axis=1).mean() / 2)
    np.testing.assert_allclose(implicit_sm_gradient(model, x), 0.0, atol=1e-12)
    x1 = MIX_1D.sample(300, random_state=11)
    assert fit_gaussian_implicit(x1).variance == pytest.approx(np.var(x1, ddof=0))


def test_linear_fit_is_a_stationary_point_of_the_ridged_objective():
    x = MIX_2D.sample(800, random_state=12)
    ridge = 1e-3
    model = fit_linear_implicit(FEATURES_2D, x, ridge=ridge)
    np.testing.assert_allclose(implicit_sm_gradient(model, x) + ridge * model.weights, 0.0, atol=1e-9)
    # and it beats the best Gaussian on the (explicit) Fisher divergence, evaluated on fresh data
    test = MIX_2D.sample(4000, random_state=13)
    psi = MIX_2D.score(test)
    gain, se = monte_carlo_mean(explicit_sm_terms(fit_gaussian_implicit(x), test, psi)
                                - explicit_sm_terms(model, test, psi))
    assert gain > 4 * se


def test_denoising_equals_explicit_on_noised_density_up_to_a_constant():
    noise_var = 0.3
    noisy_mix = MIX_1D.noised(1.0, noise_var)
    rng = np.random.default_rng(14)
    x = MIX_1D.sample(40_000, random_state=rng)
    xt = x + np.sqrt(noise_var) * rng.standard_normal(x.size)
    wide = np.linspace(-12, 12, 200_001)
    fisher = np.sum(noisy_mix.pdf(wide) * noisy_mix.score(wide) ** 2) * (wide[1] - wide[0])
    constant = 0.5 / noise_var - 0.5 * fisher
    for mean, var in [(0.0, 1.0), (1.0, 3.0)]:
        model = GaussianScoreModel(mean, var)
        diff = denoising_sm_terms(model, x, xt, noise_var) - explicit_sm_terms(model, xt, noisy_mix.score(xt))
        m, se = monte_carlo_mean(diff)
        assert abs(m - constant) < 4 * se


def test_hutchinson_and_sliced_are_unbiased_for_the_implicit_terms():
    model = _random_linear_model(15)
    x = MIX_2D.sample(3000, random_state=16)
    for kind in ("rademacher", "gaussian"):
        v = random_projections(3000, 2, 2, kind=kind, random_state=17)
        m, se = monte_carlo_mean(hutchinson_divergence(model, x, v) - model.divergence(x))
        assert abs(m) < 4 * se
        for reduced in (False, True):
            m, se = monte_carlo_mean(sliced_sm_terms(model, x, v, variance_reduced=reduced)
                                     - implicit_sm_terms(model, x))
            assert abs(m) < 4 * se


def test_hutchinson_variances_match_the_rademacher_and_gaussian_formulas():
    """Var(v^T A v) = 2 sum_{i != j} A_ij^2 (Rademacher), 2 ||A||_F^2 (Gaussian), for symmetric A."""
    rng = np.random.default_rng(18)
    features = RBFFeatures(rng.normal(size=(4, 3)), bandwidth=1.0)  # d = 3: Rademacher is random too
    model = LinearScoreModel(features, rng.normal(size=features.n_features))
    n = 20_000
    x = np.tile(np.array([[0.3, -0.2, 0.5]]), (n, 1))  # one point, many independent projections
    jac = np.stack([model.score_jvp(x[:1], e[None])[0] for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(jac, jac.T, rtol=1e-10, atol=1e-12)  # a Hessian
    exact = {"rademacher": 2 * ((jac**2).sum() - (np.diag(jac) ** 2).sum()), "gaussian": 2 * (jac**2).sum()}
    for kind, other in [("rademacher", "gaussian"), ("gaussian", "rademacher")]:
        v = random_projections(n, 1, 3, kind=kind, random_state=19)
        sq, se = monte_carlo_mean((hutchinson_divergence(model, x, v) - model.divergence(x[:1])[0]) ** 2)
        assert abs(sq - exact[kind]) < 4 * se
        assert abs(sq - exact[other]) > 8 * se  # and the test tells the two formulas apart


def test_rademacher_hutchinson_is_exact_for_a_diagonal_jacobian():
    model = GaussianScoreModel([0.0, 0.0, 0.0], 2.0)
    x = np.zeros((4, 3))
    v = random_projections(4, 1, 3, random_state=0)
    np.testing.assert_allclose(hutchinson_divergence(model, x, v), -3 / 2.0)


def test_monte_carlo_mean_standard_error():
    mean, se = monte_carlo_mean([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    assert se == pytest.approx(np.std([1, 2, 3, 4], ddof=1) / 2)


# ---------------------------------------------------------------------------- bad input
def test_bad_inputs_name_the_argument():
    model = GaussianScoreModel([0.0, 0.0], 1.0)
    with pytest.raises(ValueError, match="variance"):
        GaussianScoreModel(0.0, 0.0)
    with pytest.raises(ValueError, match="variance"):
        GaussianScoreModel(0.0, -1.0)
    with pytest.raises(ValueError, match="x"):
        model.score(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="x"):
        model.score(np.zeros(3))
    with pytest.raises(ValueError, match="data_score"):
        explicit_sm_terms(model, np.zeros((3, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="noise_var"):
        denoising_sm_terms(model, np.zeros((3, 2)), np.zeros((3, 2)), 0.0)
    with pytest.raises(ValueError, match="x_noisy"):
        denoising_sm_terms(model, np.zeros((3, 2)), np.zeros((4, 2)), 1.0)
    with pytest.raises(ValueError, match="projections"):
        hutchinson_divergence(model, np.zeros((3, 2)), np.zeros((3, 1, 5)))
    with pytest.raises(ValueError, match="kind"):
        random_projections(3, 1, 2, kind="uniform")
    with pytest.raises(ValueError, match="n_projections"):
        random_projections(3, 0, 2)
    with pytest.raises(TypeError, match="model"):
        implicit_sm_terms("not a model", np.zeros((3, 2)))
    with pytest.raises(ValueError, match="bandwidth"):
        RBFFeatures(np.zeros((2, 2)), 0.0)
    with pytest.raises(ValueError, match="weights"):
        LinearScoreModel(FEATURES_2D, np.zeros(3))
    with pytest.raises(TypeError, match="features"):
        fit_linear_implicit("rbf", np.zeros((3, 2)))
    with pytest.raises(ValueError, match="ridge"):
        fit_linear_implicit(FEATURES_2D, np.zeros((3, 2)), ridge=-1.0)
    with pytest.raises(ValueError, match="singular"):
        fit_linear_implicit(FEATURES_2D, np.zeros((3, 2)))  # all points at 0: the x_i x_j features are flat
    with pytest.raises(ValueError, match="x"):
        fit_gaussian_implicit(np.ones(5))
    with pytest.raises(ValueError, match="terms"):
        monte_carlo_mean([1.0])
    with pytest.raises(ValueError, match="x"):
        implicit_sm_terms(model, np.array([[np.nan, 0.0]]))


class _ToyModel:
    """A reader's own score model: the standard normal in ``dim`` dimensions, with a fault on demand."""

    def __init__(self, dim=2, fault=None):
        self.dim = dim
        self.fault = fault
        self.params = np.zeros(1)

    def score(self, x):
        if self.fault == "transposed":
            return -x.T
        if self.fault == "nan":
            return np.full(x.shape, np.nan)
        if self.fault == "flat":
            return -x.reshape(-1)
        return -x

    def divergence(self, x):
        return np.full(x.shape[0] + (self.fault == "short_divergence"), -float(self.dim))

    def score_jvp(self, x, v):
        return -v if self.fault != "jvp_inf" else np.full(v.shape, np.inf)

    def score_param_grad(self, x):
        return np.zeros((*x.shape, 1))

    def divergence_param_grad(self, x):
        return np.zeros((x.shape[0], 2 if self.fault == "param_mismatch" else 1))


@pytest.mark.parametrize(
    "fault, call, match",
    [
        ("transposed", implicit_sm_terms, "model.score must return shape"),
        ("flat", squared_score_terms, "model.score must return shape"),
        ("nan", implicit_sm_terms, "model.score returned NaN"),
        ("short_divergence", implicit_sm_terms, "model.divergence must return shape"),
        ("param_mismatch", implicit_sm_gradient, "model.divergence_param_grad must return shape"),
    ],
)
def test_a_score_model_returning_the_wrong_thing_gets_a_clear_error(fault, call, match):
    """A (d, n) score used to be reshaped silently into (n, d): wrong numbers, no error."""
    x = np.random.default_rng(0).normal(size=(5, 2))
    with pytest.raises(ValueError, match=match):
        call(_ToyModel(fault=fault), x)


def test_a_jvp_returning_inf_is_caught():
    x = np.zeros((4, 2))
    with pytest.raises(ValueError, match="model.score_jvp returned NaN or inf"):
        hutchinson_divergence(_ToyModel(fault="jvp_inf"), x, np.ones((4, 1, 2)))


def test_a_sound_reader_model_works_and_a_1d_score_of_shape_n_is_accepted():
    x = np.random.default_rng(1).normal(size=(6, 2))
    np.testing.assert_allclose(implicit_sm_terms(_ToyModel(), x), -2 + 0.5 * (x**2).sum(axis=1))
    one = _ToyModel(dim=1, fault="flat")  # returns (n,) for (n, 1) points: fine when d == 1
    np.testing.assert_allclose(squared_score_terms(one, x[:, :1]), x[:, 0] ** 2)


def test_flags_are_bools():
    model = GaussianScoreModel([0.0, 0.0], 1.0)
    x, proj = np.zeros((3, 2)), np.ones((3, 1, 2))
    with pytest.raises(TypeError, match="variance_reduced"):
        sliced_sm_terms(model, x, proj, variance_reduced="no")  # a truthy string used to switch it on
    np.testing.assert_allclose(
        sliced_sm_terms(model, x, proj, variance_reduced=np.True_),
        sliced_sm_terms(model, x, proj, variance_reduced=True),
    )


def test_random_state_and_params_errors_name_the_argument():
    with pytest.raises(ValueError, match="random_state"):
        random_projections(3, 1, 2, random_state=-1)
    with pytest.raises(ValueError, match=r"params\[-1\]"):
        GaussianScoreModel([0.0], 1.0).with_params([0.0, -1.0])


# ---------------------------------------------------------------------- exact values, shapes, defaults
def test_gaussian_model_exact_values_and_shapes():
    model = GaussianScoreModel([1.0, 2.0], 2.0)
    assert model.dim == 2 and type(model.dim) is int
    x = np.array([[3.0, 0.0], [1.0, 2.0]])
    np.testing.assert_array_equal(model.score(x), [[-1.0, 1.0], [0.0, 0.0]])
    np.testing.assert_array_equal(model.divergence(x), [-1.0, -1.0])
    np.testing.assert_array_equal(model.score_jvp(x, [[2.0, 4.0], [1.0, 0.0]]), [[-1.0, -2.0], [-0.5, 0.0]])
    g = model.score_param_grad(x)
    assert g.shape == (2, 2, 3)
    np.testing.assert_array_equal(g[0], [[0.5, 0.0, 0.5], [0.0, 0.5, -0.5]])
    np.testing.assert_array_equal(model.divergence_param_grad(x), [[0.0, 0.0, 0.5], [0.0, 0.0, 0.5]])
    np.testing.assert_array_equal(model.params, [1.0, 2.0, 2.0])
    other = model.with_params([0.0, 1.0, 4.0])
    np.testing.assert_array_equal(other.mean, [0.0, 1.0]) and np.testing.assert_equal(other.variance, 4.0)
    assert repr(model) == "GaussianScoreModel(mean=[1.0, 2.0], variance=2)"
    one = GaussianScoreModel(0.5, 0.25)
    assert one.score([1.5, 0.5]).shape == (2,) and one.score([1.5, 0.5])[0] == -4.0
    assert one.score([[1.5]]).shape == (1, 1)
    with pytest.raises(ValueError, match=r"^params\[-1\], the variance sigma\^2, must be > 0, got 0.0$"):
        one.with_params([0.0, 0.0])
    assert one.with_params([0.0, 1e-300]).variance == 1e-300


def _numerical_gradient(f, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    out = np.zeros(x.shape[0])
    for k in range(x.shape[0]):
        e = np.zeros_like(x)
        e[k] = h
        out[k] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def test_rbf_features_exact_values_and_derivatives():
    feats = RBFFeatures([[0.0, 1.0], [1.0, -1.0]], 0.5)
    assert feats.dim == 2 and feats.n_features == 2 + 3 + 2
    assert repr(feats) == "RBFFeatures(n_bumps=2, dim=2, bandwidth=0.5)"
    x = np.array([[0.3, 0.4], [-0.2, 0.9]])
    vals = feats.values(x)
    bump0 = np.exp(-0.5 * (0.3**2 + 0.6**2) / 0.25)
    np.testing.assert_allclose(vals[0, :5], [0.3, 0.4, 0.09, 0.12, 0.16], rtol=1e-15)
    assert vals[0, 5] == pytest.approx(bump0, rel=1e-14)
    v = np.array([[1.0, -2.0], [0.5, 0.5]])
    for n in range(2):
        def value(point, p):
            return feats.values(point[None])[0, p]
        for p in range(feats.n_features):
            num_grad = _numerical_gradient(lambda pt, p=p: value(pt, p), x[n])
            np.testing.assert_allclose(feats.gradients(x)[n, p], num_grad, atol=1e-8)
            hess_v = _numerical_gradient(lambda pt, p=p, n=n: feats.gradients(pt[None])[0, p] @ v[n], x[n])
            np.testing.assert_allclose(feats.hessian_vector_products(x, v)[n, p], hess_v, atol=1e-6)
            lap = sum(_numerical_gradient(lambda pt, p=p, i=i: feats.gradients(pt[None])[0, p, i], x[n])[i]
                      for i in range(2))
            assert feats.laplacians(x)[n, p] == pytest.approx(lap, abs=1e-6)


def test_linear_model_quadratic_matrix_params_and_repr():
    feats = RBFFeatures([[0.0, 0.0]], 1.0)
    w = np.array([0.1, 0.2, 1.0, 3.0, 5.0, 0.7])
    model = LinearScoreModel(feats, w)
    np.testing.assert_array_equal(model.quadratic_matrix(), [[1.0, 1.5], [1.5, 5.0]])
    p = model.params
    p[0] = 99.0
    assert model.weights[0] == 0.1  # params is a copy
    w[1] = 99.0
    assert model.weights[1] == 0.2  # so is the stored weights
    assert repr(model) == "LinearScoreModel(RBFFeatures(n_bumps=1, dim=2, bandwidth=1))"
    assert model.dim == 2
    np.testing.assert_array_equal(model.with_params(np.ones(6)).weights, np.ones(6))
    x = np.array([[0.5, -1.0]])
    np.testing.assert_allclose(model.log_unnormalised(x), feats.values(x) @ model.weights)
    np.testing.assert_allclose(model.score_param_grad(x), np.swapaxes(feats.gradients(x), 1, 2))
    np.testing.assert_allclose(model.divergence_param_grad(x), feats.laplacians(x))


def test_objective_terms_exact_values():
    model = GaussianScoreModel([0.0, 0.0], 1.0)
    x = np.array([[1.0, 2.0], [0.0, -1.0]])  # score -x, divergence -2
    np.testing.assert_allclose(explicit_sm_terms(model, x, [[0.0, 0.0], [1.0, 1.0]]),
                               [0.5 * 5, 0.5 * (1 + 0)], rtol=1e-15)
    np.testing.assert_allclose(implicit_sm_terms(model, x), [-2 + 2.5, -2 + 0.5], rtol=1e-15)
    np.testing.assert_allclose(squared_score_terms(model, x), [5.0, 1.0], rtol=1e-15)
    noisy = x + 0.5
    np.testing.assert_allclose(denoising_sm_terms(model, x, noisy, 0.25),
                               0.5 * ((-noisy + 0.5 / 0.25) ** 2).sum(axis=1), rtol=1e-15)
    vs = np.array([[[1.0, 0.0], [1.0, 1.0]], [[0.0, 2.0], [1.0, -1.0]]])
    trace = np.array([(-1 - 2) / 2, (-4 - 2) / 2])  # v.(-v), averaged over the projections
    np.testing.assert_allclose(hutchinson_divergence(model, x, vs), trace, rtol=1e-15)
    proj = np.array([[(-1.0) ** 2, (-3.0) ** 2], [(2.0) ** 2, (-1.0) ** 2]])  # (v.s)^2
    np.testing.assert_allclose(sliced_sm_terms(model, x, vs), trace + 0.5 * proj.mean(axis=1), rtol=1e-15)
    np.testing.assert_allclose(sliced_sm_terms(model, x, vs, variance_reduced=True),
                               trace + 0.5 * np.array([5.0, 1.0]), rtol=1e-15)


def test_objective_gradients_exact_and_numerical():
    model = GaussianScoreModel([0.5, -0.5], 2.0)
    x = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
    psi = np.array([[0.1, 0.2], [0.0, 0.3], [-1.0, 1.0]])

    def mean_terms(params, fn, *args):
        return fn(model.with_params(params), x, *args).mean()

    numerical = _numerical_gradient(lambda p: mean_terms(p, explicit_sm_terms, psi), model.params)
    np.testing.assert_allclose(explicit_sm_gradient(model, x, psi), numerical, rtol=1e-6)
    np.testing.assert_allclose(implicit_sm_gradient(model, x),
                               _numerical_gradient(lambda p: mean_terms(p, implicit_sm_terms), model.params),
                               rtol=1e-6)


def test_random_projections_defaults_and_exact_draws():
    r = random_projections(3, 2, 4, random_state=5)
    assert r.shape == (3, 2, 4)
    np.testing.assert_array_equal(r, np.random.default_rng(5).choice(np.array([-1.0, 1.0]), size=(3, 2, 4)))
    g = random_projections(1, 1, 1, kind="gaussian", random_state=5)
    np.testing.assert_array_equal(g, np.random.default_rng(5).standard_normal((1, 1, 1)))


def test_monte_carlo_mean_and_gaussian_fit_exact_and_at_their_thresholds():
    mean, se = monte_carlo_mean([1.0, 2.0, 3.0])
    assert (mean, se) == (2.0, pytest.approx(1 / np.sqrt(3), rel=1e-15))
    assert type(mean) is float and type(se) is float
    assert monte_carlo_mean([0.0, 2.0]) == (1.0, 1.0)  # two values: the minimum
    with pytest.raises(ValueError, match="^terms must hold at least 2 values, got 1$"):
        monte_carlo_mean([1.0])
    fit = fit_gaussian_implicit([0.0, 0.5])  # two points, a variance below 1
    assert fit.mean.tolist() == [0.25] and fit.variance == 0.0625
    fit2 = fit_gaussian_implicit([[0.0, 0.0], [1.0, 3.0]])
    np.testing.assert_array_equal(fit2.mean, [0.5, 1.5])
    assert fit2.variance == pytest.approx((0.25 + 2.25) / 2, rel=1e-15)
    with pytest.raises(ValueError, match="^x must hold at least 2 points, got 1$"):
        fit_gaussian_implicit([[1.0, 2.0]])
    with pytest.raises(ValueError, match="^x must not be constant"):
        fit_gaussian_implicit([2.0, 2.0])


def test_linear_fit_solves_the_normal_equations_with_default_ridge_zero():
    feats = RBFFeatures([[0.0], [1.0]], 0.7)
    x = np.random.default_rng(2).normal(size=(40, 1))
    grads, laps = feats.gradients(x), feats.laplacians(x)
    gram = np.einsum("npd,nqd->pq", grads, grads) / 40
    expected = -np.linalg.solve(gram, laps.mean(axis=0))
    np.testing.assert_allclose(fit_linear_implicit(feats, x).weights, expected, rtol=1e-9)
    ridged = -np.linalg.solve(gram + 0.3 * np.eye(gram.shape[0]), laps.mean(axis=0))
    np.testing.assert_allclose(fit_linear_implicit(feats, x, ridge=0.3).weights, ridged, rtol=1e-9)


def test_linear_score_model_on_one_dimensional_points_returns_one_score_per_point():
    # A 1-D model's score of (n,) points is (n,), the column of the (n, 1) answer.
    model = LinearScoreModel(RBFFeatures([[-1.0], [0.5]], bandwidth=0.7), [0.3, -0.2, 0.5, -0.4])
    x = np.array([-0.5, 0.2, 1.3])
    flat, column = model.score(x), model.score(x[:, None])
    assert flat.shape == (3,) and column.shape == (3, 1)
    np.testing.assert_array_equal(flat, column[:, 0])
    np.testing.assert_allclose(flat, _numeric_score(model.log_unnormalised, x[:, None])[:, 0], rtol=1e-6)
