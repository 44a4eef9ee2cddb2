"""Bad-input cases for ``dgmbook.score_matching`` (format: ``tests/bad_input/__init__.py``)."""

import numpy as np

from bad_input import bad
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

GAUSS = GaussianScoreModel([0.0, 0.0], 1.0)
GAUSS_1D = GaussianScoreModel(0.0, 1.0)
FEATURES = RBFFeatures([[-1.0, 0.0], [1.0, 1.0]], bandwidth=0.8)
LINEAR = LinearScoreModel(FEATURES, np.linspace(-1.0, 1.0, FEATURES.n_features))
X = np.array([[0.1, -0.2], [0.5, 0.3], [-0.7, 1.1]])
PROJ = np.ones((3, 1, 2))


class _Reader:
    """A reader's own score model (the standard normal), with one fault on demand."""

    def __init__(self, fault=None, dim=2):
        self.fault, self.dim = fault, dim

    def score(self, x):
        return {"transposed": -x.T, "nan": np.full(x.shape, np.nan), "text": "oops"}.get(self.fault, -x)

    def divergence(self, x):
        return np.full(x.shape[0] + (self.fault == "short"), -2.0)

    def score_jvp(self, x, v):
        return np.full(v.shape, np.inf) if self.fault == "jvp_inf" else -v

    def score_param_grad(self, x):
        return np.zeros(x.shape if self.fault == "grad2d" else (*x.shape, 1))

    def divergence_param_grad(self, x):
        return np.zeros((x.shape[0], 2 if self.fault == "params" else 1))


class _NoMethods:
    """Has a dimension but none of a score model's methods."""

    dim = 2


CASES = {
    "GaussianScoreModel": [
        bad(lambda: GaussianScoreModel(0.0, 0.0), ValueError, "variance", "> 0"),
        bad(lambda: GaussianScoreModel([np.nan], 1.0), ValueError, "mean", "finite"),
        bad(lambda: GaussianScoreModel(0.0, True), TypeError, "variance"),
        bad(lambda: GaussianScoreModel([[0.0]], 1.0), ValueError, "mean", "ndim"),
    ],
    "GaussianScoreModel.with_params": [
        bad(lambda: GAUSS.with_params([0.0, 1.0]), ValueError, "params", "(3)"),
        bad(lambda: GAUSS.with_params([0.0, 0.0, -1.0]), ValueError, "params[-1]", "> 0", "got -1.0"),
        bad(lambda: GAUSS.with_params("abc"), TypeError, "params"),
    ],
    "GaussianScoreModel.score": [
        bad(lambda: GAUSS.score(np.zeros((3, 3))), ValueError, "x", "(n, 2)"),
        bad(lambda: GAUSS.score(np.zeros(3)), ValueError, "x", "(n, 2)"),
        bad(lambda: GAUSS.score([[np.inf, 0.0]]), ValueError, "x", "finite"),
    ],
    "GaussianScoreModel.divergence": [
        bad(lambda: GAUSS.divergence(np.zeros((3, 1))), ValueError, "x", "(n, 2)"),
        bad(lambda: GAUSS.divergence(None), TypeError, "x"),
    ],
    "GaussianScoreModel.score_jvp": [
        bad(lambda: GAUSS.score_jvp(X, np.ones((2, 2))), ValueError, "v", "shape of x"),
        bad(lambda: GAUSS.score_jvp(X, [[np.nan, 0.0]] * 3), ValueError, "v", "finite"),
        bad(lambda: GAUSS.score_jvp(np.zeros((3, 3)), X), ValueError, "x", "(n, 2)"),
    ],
    "GaussianScoreModel.score_param_grad": [
        bad(lambda: GAUSS.score_param_grad(np.zeros((0, 2))), ValueError, "x", "empty"),
        bad(lambda: GAUSS.score_param_grad([[1.0, 2.0, 3.0]]), ValueError, "x", "(n, 2)"),
    ],
    "GaussianScoreModel.divergence_param_grad": [
        bad(lambda: GAUSS.divergence_param_grad([[True, False]]), TypeError, "x", "booleans"),
        bad(lambda: GAUSS.divergence_param_grad(np.zeros((2, 2, 2))), ValueError, "x", "ndim"),
    ],
    "RBFFeatures": [
        bad(lambda: RBFFeatures([0.0, 1.0], 1.0), ValueError, "centres", "ndim"),
        bad(lambda: RBFFeatures([[0.0, 1.0]], 0.0), ValueError, "bandwidth", "> 0"),
        bad(lambda: RBFFeatures([[0.0, 1.0]], "wide"), TypeError, "bandwidth"),
        bad(lambda: RBFFeatures(np.zeros((0, 2)), 1.0), ValueError, "centres", "empty"),
    ],
    "RBFFeatures.values": [
        bad(lambda: FEATURES.values(np.zeros((3, 3))), ValueError, "x", "(n, 2)"),
        bad(lambda: FEATURES.values([[np.nan, 0.0]]), ValueError, "x", "finite"),
    ],
    "RBFFeatures.gradients": [
        bad(lambda: FEATURES.gradients(np.zeros(4)), ValueError, "x", "(n, 2)"),
        bad(lambda: FEATURES.gradients("x"), TypeError, "x"),
    ],
    "RBFFeatures.laplacians": [
        bad(lambda: FEATURES.laplacians(np.zeros((2, 1))), ValueError, "x", "(n, 2)"),
        bad(lambda: FEATURES.laplacians([[0.0, np.inf]]), ValueError, "x", "finite"),
    ],
    "RBFFeatures.hessian_vector_products": [
        bad(lambda: FEATURES.hessian_vector_products(X, np.ones((3, 3))), ValueError, "v", "shape of x"),
        bad(lambda: FEATURES.hessian_vector_products(X, None), TypeError, "v"),
        bad(lambda: FEATURES.hessian_vector_products(np.zeros(3), X), ValueError, "x", "(n, 2)"),
    ],
    "LinearScoreModel": [
        bad(lambda: LinearScoreModel("rbf", np.zeros(3)), TypeError, "features", "RBFFeatures", "got str"),
        bad(lambda: LinearScoreModel(FEATURES, np.zeros(3)), ValueError, "weights",
            f"({FEATURES.n_features})"),
        bad(lambda: LinearScoreModel(FEATURES, np.full(FEATURES.n_features, np.nan)), ValueError, "weights",
            "finite"),
    ],
    "LinearScoreModel.with_params": [
        bad(lambda: LINEAR.with_params(np.zeros(2)), ValueError, "weights"),
        bad(lambda: LINEAR.with_params([[0.0] * FEATURES.n_features]), ValueError, "weights"),
    ],
    "LinearScoreModel.log_unnormalised": [
        bad(lambda: LINEAR.log_unnormalised(np.zeros((2, 3))), ValueError, "x", "(n, 2)"),
        bad(lambda: LINEAR.log_unnormalised([[np.nan, 1.0]]), ValueError, "x", "finite"),
    ],
    "LinearScoreModel.score": [
        bad(lambda: LINEAR.score(np.zeros(5)), ValueError, "x", "(n, 2)"),
        bad(lambda: LINEAR.score([["a", "b"]]), TypeError, "x"),
    ],
    "LinearScoreModel.divergence": [
        bad(lambda: LINEAR.divergence(np.zeros((2, 1))), ValueError, "x", "(n, 2)"),
        bad(lambda: LINEAR.divergence([]), ValueError, "x"),
    ],
    "LinearScoreModel.score_jvp": [
        bad(lambda: LINEAR.score_jvp(X, np.ones((4, 2))), ValueError, "v", "shape of x"),
        bad(lambda: LINEAR.score_jvp(X, np.full((3, 2), np.inf)), ValueError, "v", "finite"),
    ],
    "LinearScoreModel.score_param_grad": [
        bad(lambda: LINEAR.score_param_grad(np.zeros((1, 3))), ValueError, "x", "(n, 2)"),
        bad(lambda: LINEAR.score_param_grad(object()), TypeError, "x"),
    ],
    "LinearScoreModel.divergence_param_grad": [
        bad(lambda: LINEAR.divergence_param_grad(np.zeros(2)), ValueError, "x", "(n, 2)"),
        bad(lambda: LINEAR.divergence_param_grad([[np.nan, 0.0]]), ValueError, "x", "finite"),
    ],
    "explicit_sm_terms": [
        bad(lambda: explicit_sm_terms(GAUSS, X, np.zeros((2, 2))), ValueError, "data_score", "shape of x"),
        bad(lambda: explicit_sm_terms("model", X, X), TypeError, "model", "score model", "got str"),
        bad(lambda: explicit_sm_terms(_NoMethods(), X, X), TypeError, "model", "got _NoMethods",
            "score, divergence, score_jvp, score_param_grad, divergence_param_grad"),
        bad(lambda: explicit_sm_terms(_Reader(dim=0), X, X), TypeError, "model.dim", "positive int", "got 0"),
        bad(lambda: explicit_sm_terms(_Reader(dim=1.5), X, X), TypeError, "model.dim", "got 1.5"),
        bad(lambda: explicit_sm_terms(GAUSS, np.zeros((3, 3)), X), ValueError, "x", "(n, 2)"),
        bad(lambda: explicit_sm_terms(GAUSS, X, np.zeros((3, 2, 1))), ValueError, "data_score", "ndim"),
        bad(lambda: explicit_sm_terms(GAUSS, X, np.full((3, 2), np.nan)), ValueError, "data_score", "finite"),
    ],
    "implicit_sm_terms": [
        bad(lambda: implicit_sm_terms(GAUSS, [[np.nan, 0.0]]), ValueError, "x", "finite"),
        bad(lambda: implicit_sm_terms(_Reader("transposed"), X), ValueError, "model.score", "(3, 2)"),
        bad(lambda: implicit_sm_terms(_Reader("short"), X), ValueError, "model.divergence", "(3,)"),
        bad(lambda: implicit_sm_terms(_Reader("text"), X), TypeError, "model.score", "real numbers",
            "got ndarray"),
    ],
    "squared_score_terms": [
        bad(lambda: squared_score_terms(_Reader("nan"), X), ValueError, "model.score", "NaN"),
        bad(lambda: squared_score_terms(GAUSS, np.zeros(3)), ValueError, "x", "(n, 2)"),
        bad(lambda: squared_score_terms(object(), X), TypeError, "model"),
    ],
    "denoising_sm_terms": [
        bad(lambda: denoising_sm_terms(GAUSS, X, X, 0.0), ValueError, "noise_var", "> 0"),
        bad(lambda: denoising_sm_terms(GAUSS, X, X[:2], 1.0), ValueError, "x_noisy", "shape of x"),
        bad(lambda: denoising_sm_terms(GAUSS, X, X, "1"), TypeError, "noise_var"),
        bad(lambda: denoising_sm_terms(_Reader("transposed"), X, X, 1.0), ValueError, "model.score"),
        bad(lambda: denoising_sm_terms(GAUSS, np.zeros((3, 3)), X, 1.0), ValueError, "x_clean", "(n, 2)"),
    ],
    "sliced_sm_terms": [
        bad(lambda: sliced_sm_terms(GAUSS, X, PROJ, variance_reduced="no"), TypeError, "variance_reduced",
            "True or False"),
        bad(lambda: sliced_sm_terms(GAUSS, X, PROJ, variance_reduced=1), TypeError, "variance_reduced"),
        bad(lambda: sliced_sm_terms(GAUSS, X, np.ones((3, 2))), ValueError, "projections", "ndim"),
        bad(lambda: sliced_sm_terms(_Reader("jvp_inf"), X, PROJ), ValueError, "model.score_jvp", "NaN"),
        bad(lambda: sliced_sm_terms(GAUSS, np.zeros((3, 3)), PROJ), ValueError, "x", "(n, 2)"),
    ],
    "hutchinson_divergence": [
        bad(lambda: hutchinson_divergence(GAUSS, X, np.ones((3, 1, 5))), ValueError, "projections",
            "(3, m, 2)"),
        bad(lambda: hutchinson_divergence(GAUSS, X, np.full((3, 1, 2), np.nan)), ValueError, "projections",
            "finite"),
        bad(lambda: hutchinson_divergence(3, X, PROJ), TypeError, "model"),
        bad(lambda: hutchinson_divergence(GAUSS, np.zeros((3, 3)), PROJ), ValueError, "x", "(n, 2)"),
    ],
    "random_projections": [
        bad(lambda: random_projections(3, 1, 2, kind="uniform"), ValueError, "kind", "rademacher"),
        bad(lambda: random_projections(3, 1, 2, kind=None), TypeError, "kind", "gaussian"),
        bad(lambda: random_projections(3, 1, 2, kind=3), TypeError, "kind", "got int"),
        bad(lambda: random_projections(0, 1, 2), ValueError, "n", ">= 1"),
        bad(lambda: random_projections(3, 1, 0), ValueError, "dim", ">= 1"),
        bad(lambda: random_projections(3, 0, 2), ValueError, "n_projections", ">= 1"),
        bad(lambda: random_projections(3.0, 1, 2), TypeError, "n", "integer"),
        bad(lambda: random_projections(3, 1, 2, random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: random_projections(3, 1, 2, random_state=1.5), TypeError, "random_state"),
    ],
    "explicit_sm_gradient": [
        bad(lambda: explicit_sm_gradient(GAUSS, X, X[:1]), ValueError, "data_score", "shape of x"),
        bad(lambda: explicit_sm_gradient(GAUSS, X, [["a", "b"]] * 3), TypeError, "data_score"),
        bad(lambda: explicit_sm_gradient(GAUSS, np.zeros((3, 3)), X), ValueError, "x", "(n, 2)"),
    ],
    "implicit_sm_gradient": [
        bad(lambda: implicit_sm_gradient(_Reader("params"), X), ValueError, "model.divergence_param_grad",
            "(3, 1)"),
        bad(lambda: implicit_sm_gradient(GAUSS, np.zeros((3, 3))), ValueError, "x", "(n, 2)"),
        bad(lambda: implicit_sm_gradient(_Reader("grad2d"), X), ValueError, "model.score_param_grad",
            "(3, 2, 1)", "got (3, 2)"),
    ],
    "monte_carlo_mean": [
        bad(lambda: monte_carlo_mean([1.0]), ValueError, "terms", "at least 2"),
        bad(lambda: monte_carlo_mean(np.zeros((2, 2))), ValueError, "terms", "ndim"),
        bad(lambda: monte_carlo_mean([1.0, np.nan]), ValueError, "terms", "finite"),
    ],
    "fit_gaussian_implicit": [
        bad(lambda: fit_gaussian_implicit(np.ones(5)), ValueError, "x", "constant"),
        bad(lambda: fit_gaussian_implicit([1.0]), ValueError, "x", "at least 2"),
        bad(lambda: fit_gaussian_implicit([-1e300, 1e300]), ValueError, "x", "float64 range"),
        bad(lambda: fit_gaussian_implicit(np.zeros((3, 2, 1))), ValueError, "x", "ndim"),
    ],
    "fit_linear_implicit": [
        bad(lambda: fit_linear_implicit("rbf", X), TypeError, "features", "RBFFeatures", "got str"),
        bad(lambda: fit_linear_implicit(FEATURES, np.zeros((3, 3))), ValueError, "x", "(n, 2)"),
        bad(lambda: fit_linear_implicit(FEATURES, X, ridge=-1.0), ValueError, "ridge", ">= 0"),
        bad(lambda: fit_linear_implicit(FEATURES, np.zeros((3, 2))), ValueError, "ridge > 0", "singular",
            "the Gram matrix G", "more points x"),
        bad(lambda: fit_linear_implicit(FEATURES, X, ridge=None), TypeError, "ridge"),
    ],
}

EXEMPT = {
    "LinearScoreModel.quadratic_matrix": "takes no arguments; the constructor validated the weights",
}

VALID = [
    # Lists, integers, numpy scalars, a 1-D model's points as (n,) or (n, 1).
    lambda: implicit_sm_terms(GaussianScoreModel(np.int64(1), 2), [1, 2, 3]),
    lambda: implicit_sm_terms(GAUSS_1D, np.zeros((4, 1))),
    lambda: random_projections(np.int64(3), 1, np.int32(2), random_state=np.int64(0)),
    lambda: sliced_sm_terms(GAUSS, X.tolist(), PROJ.tolist(), variance_reduced=np.True_),
    lambda: fit_linear_implicit(FEATURES, X, ridge=0),
    lambda: denoising_sm_terms(GAUSS_1D, [0, 1], [0.5, 1.5], np.float32(0.25)),
    lambda: GAUSS.with_params(np.array([1, 2, 3])),
    # A reader's own model that follows the interface works; a 1-D score may come back as (n,).
    lambda: implicit_sm_gradient(_Reader(), X),
    # A 1-D model's data score given as (n, 1), like its points.
    lambda: explicit_sm_terms(GAUSS_1D, [[0.0], [1.0]], [[0.5], [-1.0]]),
    lambda: squared_score_terms(_ReaderFlat1D(), [[0.5], [1.0]]),
]


class _ReaderFlat1D(_Reader):
    def __init__(self):
        super().__init__(dim=1)

    def score(self, x):
        return -x[:, 0]
