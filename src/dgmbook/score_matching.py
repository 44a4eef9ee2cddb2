"""Score matching: explicit, implicit (Hyvärinen), denoising and sliced objectives, and two score models.

A *score model* gives :math:`s_\\theta(x) = \\nabla_x \\log p_\\theta(x)`, the gradient of the model's
log-density with respect to the **data** (not the parameter: that is Question 2's Fisher score).
Question 3 of the book compares

- the explicit objective (:eq:`q3-eq-esm`), which needs the data's score
  :math:`\\psi(x) = \\nabla_x \\log p_{\\mathrm{data}}(x)`:
  :math:`\\mathcal{L}_{\\mathrm{ESM}}(\\theta) = \\tfrac12 \\mathbb{E}\\|s_\\theta(x) - \\psi(x)\\|^2`;
- Hyvärinen's implicit objective (:eq:`q3-eq-ism`), which needs only samples:
  :math:`\\mathcal{L}_{\\mathrm{ISM}}(\\theta) = \\mathbb{E}[\\operatorname{tr} \\nabla_x s_\\theta(x)
  + \\tfrac12 \\|s_\\theta(x)\\|^2]`;
- the assignment's "implicit" loss :math:`\\mathbb{E}\\|s_\\theta(x)\\|^2`, which is *not* equivalent
  (over any model family with a free scale it has no minimiser: flattening the model drives it to
  0; for the Gaussian model, every flatter model scores lower);
- denoising score matching (Vincent, 2011) and sliced score matching (Song et al., 2019).

Every objective is returned as **per-sample terms**, shape ``(n,)``, so that a chapter can report the
Monte Carlo mean together with its standard error (:func:`monte_carlo_mean`).

Score models share a small interface: ``dim``, ``params`` (a 1-D array of length ``P``),
``with_params``, ``score``, ``divergence`` (the trace of the Jacobian of the score, i.e. the
Laplacian of the log-density), ``score_jvp`` (the Jacobian of the score times a vector),
``score_param_grad`` (shape ``(n, d, P)``) and ``divergence_param_grad`` (shape ``(n, P)``), from
which the gradients of the objectives follow generically.

Shapes: points are arrays of shape ``(n, d)``; for a model with ``d == 1`` a 1-D array of shape
``(n,)`` is accepted too, and :meth:`score` then returns shape ``(n,)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dgmbook.validation import (
    as_float_array,
    check_bool,
    check_int,
    check_positive,
    check_random_state,
)

__all__ = [
    "GaussianScoreModel",
    "RBFFeatures",
    "LinearScoreModel",
    "explicit_sm_terms",
    "implicit_sm_terms",
    "squared_score_terms",
    "denoising_sm_terms",
    "sliced_sm_terms",
    "hutchinson_divergence",
    "random_projections",
    "explicit_sm_gradient",
    "implicit_sm_gradient",
    "monte_carlo_mean",
    "fit_gaussian_implicit",
    "fit_linear_implicit",
]


# ---------------------------------------------------------------------------- input handling
def _points(name: str, x: Any, dim: int) -> np.ndarray:
    """Points as an (n, d) float array; (n,) is accepted when d == 1."""
    arr = as_float_array(name, x, ndim=(1, 2))
    if arr.ndim == 1:
        if dim != 1:
            raise ValueError(f"{name} must have shape (n, {dim}), got {arr.shape}")
        arr = arr[:, None]
    if arr.shape[1] != dim:
        raise ValueError(f"{name} must have shape (n, {dim}), got {arr.shape}")
    return arr


def _like_points(name: str, value: Any, pts: np.ndarray) -> np.ndarray:
    """A per-point vector field (e.g. the data score) as an (n, d) array matching ``pts``."""
    arr = as_float_array(name, value, ndim=(1, 2))
    if arr.ndim == 1 and pts.shape[1] == 1:
        arr = arr[:, None]
    if arr.shape != pts.shape:
        raise ValueError(f"{name} must have the shape of x, {pts.shape}, got {arr.shape}")
    return arr


def _projections(name: str, value: Any, pts: np.ndarray) -> np.ndarray:
    """Projection vectors as an (n, m, d) array matching ``pts`` (n, d)."""
    arr = as_float_array(name, value, ndim=3)
    n, d = pts.shape
    if arr.shape[0] != n or arr.shape[2] != d:
        raise ValueError(f"{name} must have shape ({n}, m, {d}), got {arr.shape}")
    return arr


def _check_model(model: Any) -> None:
    needed = ("score", "divergence", "score_jvp", "score_param_grad", "divergence_param_grad")
    if not hasattr(model, "dim") or not all(callable(getattr(model, attr, None)) for attr in needed):
        raise TypeError(f"model must be a score model (GaussianScoreModel, LinearScoreModel, or an object "
                        f"with dim and the methods {', '.join(needed)}), got {type(model).__name__}")
    dim = model.dim
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 1:
        raise TypeError(f"model.dim must be a positive int, got {dim!r}")


def _checked(name: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """What a model's method returned, checked: a finite real array of the promised shape.

    The model may be the reader's own object, so its results are checked before they spread:
    a (d, n) array in place of (n, d) would otherwise be reshaped silently.
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must return an array of real numbers, got {type(value).__name__}") from None
    if arr.shape != shape:
        raise ValueError(f"{name} must return shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} returned NaN or inf")
    return arr


def _score2d(model: Any, pts: np.ndarray) -> np.ndarray:
    """The model's score at (n, d) points, always as (n, d); (n,) is accepted when d == 1."""
    value = np.asarray(model.score(pts))
    if pts.shape[1] == 1 and value.shape == (pts.shape[0],):
        value = value[:, None]
    return _checked("model.score", value, pts.shape)


def _divergence(model: Any, pts: np.ndarray) -> np.ndarray:
    return _checked("model.divergence", model.divergence(pts), (pts.shape[0],))


def _score_jvp(model: Any, pts: np.ndarray, vec: np.ndarray) -> np.ndarray:
    return _checked("model.score_jvp", model.score_jvp(pts, vec), pts.shape)


def _param_grads(model: Any, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``score_param_grad`` (n, d, P) and ``divergence_param_grad`` (n, P), checked to agree on P."""
    value = np.asarray(model.score_param_grad(pts))
    n_params = value.shape[2] if value.ndim == 3 else 1
    score_grad = _checked("model.score_param_grad", value, (*pts.shape, n_params))
    div_grad = _checked("model.divergence_param_grad", model.divergence_param_grad(pts),
                        (pts.shape[0], n_params))
    return score_grad, div_grad


# ---------------------------------------------------------------------------- score models
class GaussianScoreModel:
    """The isotropic Gaussian model :math:`p_\\theta = \\mathcal{N}(\\mu, \\sigma^2 I)` in ``d`` dimensions.

    Its score is :math:`s_\\theta(x) = -(x - \\mu)/\\sigma^2` and the divergence of the score is the
    constant :math:`-d/\\sigma^2` (book, :eq:`q3-eq-gauss-score`). Parameters are
    ``params = (mu_1, ..., mu_d, sigma^2)``: the question is posed in the variance, not the standard
    deviation.

    Parameters
    ----------
    mean : float or array_like, shape (d,)
        The mean :math:`\\mu`; a scalar means ``d = 1``.
    variance : float
        The variance :math:`\\sigma^2 > 0`.
    """

    def __init__(self, mean: Any, variance: float) -> None:
        mu = as_float_array("mean", mean, ndim=(0, 1))
        self.mean = np.atleast_1d(mu).copy()
        self.variance = check_positive("variance", variance)

    @property
    def dim(self) -> int:
        """Dimension ``d``."""
        return self.mean.shape[0]

    @property
    def params(self) -> np.ndarray:
        """``(mu_1, ..., mu_d, sigma^2)``, shape (d + 1,)."""
        return np.append(self.mean, self.variance)

    def with_params(self, params: Any) -> GaussianScoreModel:
        """The same family at other parameters ``(mu_1, ..., mu_d, sigma^2)``."""
        p = as_float_array("params", params, shape=(self.dim + 1,))
        if p[-1] <= 0:
            raise ValueError(f"params[-1], the variance sigma^2, must be > 0, got {p[-1]}")
        return GaussianScoreModel(p[:-1], float(p[-1]))

    def score(self, x: Any) -> np.ndarray:
        """:math:`s_\\theta(x) = -(x - \\mu)/\\sigma^2`, shape (n, d) (or (n,) for 1-D input)."""
        pts = _points("x", x, self.dim)
        s = -(pts - self.mean) / self.variance
        return s[:, 0] if np.ndim(x) == 1 else s

    def divergence(self, x: Any) -> np.ndarray:
        """:math:`\\operatorname{tr} \\nabla_x s_\\theta(x) = -d/\\sigma^2`, shape (n,)."""
        pts = _points("x", x, self.dim)
        return np.full(pts.shape[0], -self.dim / self.variance)

    def score_jvp(self, x: Any, v: Any) -> np.ndarray:
        """The Jacobian of the score times ``v`` (n, d): :math:`-v/\\sigma^2`, shape (n, d)."""
        pts = _points("x", x, self.dim)
        vec = _like_points("v", v, pts)
        return -vec / self.variance

    def score_param_grad(self, x: Any) -> np.ndarray:
        """:math:`\\partial s_\\theta(x)_i / \\partial \\theta_p`, shape (n, d, d + 1)."""
        pts = _points("x", x, self.dim)
        n, d = pts.shape
        grad = np.zeros((n, d, d + 1))
        grad[:, :, :d] = np.eye(d) / self.variance
        grad[:, :, d] = (pts - self.mean) / self.variance**2
        return grad

    def divergence_param_grad(self, x: Any) -> np.ndarray:
        """:math:`\\partial \\operatorname{tr} \\nabla_x s_\\theta(x) / \\partial \\theta_p`, (n, d + 1)."""
        pts = _points("x", x, self.dim)
        grad = np.zeros((pts.shape[0], self.dim + 1))
        grad[:, self.dim] = self.dim / self.variance**2
        return grad

    def __repr__(self) -> str:
        return f"GaussianScoreModel(mean={self.mean.tolist()}, variance={self.variance:.6g})"


class RBFFeatures:
    """Features :math:`\\phi(x)` of an unnormalised exponential family :math:`\\theta^\\top \\phi(x)`.

    The features are, in this order: the ``d`` coordinates :math:`x_j`; the ``d(d+1)/2`` products
    :math:`x_i x_j` (:math:`i \\le j`); and ``K`` Gaussian bumps
    :math:`\\exp(-\\|x - c_k\\|^2 / (2h^2))`. The quadratic part lets the model be a proper density
    (when its quadratic form is negative definite, see :meth:`LinearScoreModel.quadratic_matrix`);
    the bumps bend it away from a Gaussian.

    Parameters
    ----------
    centres : array_like, shape (K, d)
        Centres :math:`c_k` of the bumps.
    bandwidth : float
        Their common width :math:`h > 0`.
    """

    def __init__(self, centres: Any, bandwidth: float) -> None:
        self.centres = as_float_array("centres", centres, ndim=2)
        self.bandwidth = check_positive("bandwidth", bandwidth)
        d = self.centres.shape[1]
        self._pairs = [(i, j) for i in range(d) for j in range(i, d)]

    @property
    def dim(self) -> int:
        """Dimension ``d`` of the data."""
        return self.centres.shape[1]

    @property
    def n_features(self) -> int:
        """Number ``P = d + d(d+1)/2 + K`` of features."""
        return self.dim + len(self._pairs) + self.centres.shape[0]

    def _bumps(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        diff = pts[:, None, :] - self.centres[None]  # (n, K, d)
        phi = np.exp(-0.5 * (diff**2).sum(axis=2) / self.bandwidth**2)  # (n, K)
        return diff, phi

    def values(self, x: Any) -> np.ndarray:
        """:math:`\\phi(x)`, shape (n, P)."""
        pts = _points("x", x, self.dim)
        quad = np.stack([pts[:, i] * pts[:, j] for i, j in self._pairs], axis=1)
        return np.concatenate([pts, quad, self._bumps(pts)[1]], axis=1)

    def gradients(self, x: Any) -> np.ndarray:
        """:math:`\\nabla_x \\phi_p(x)`, shape (n, P, d)."""
        pts = _points("x", x, self.dim)
        n, d = pts.shape
        lin = np.broadcast_to(np.eye(d), (n, d, d))
        quad = np.zeros((n, len(self._pairs), d))
        for q, (i, j) in enumerate(self._pairs):
            quad[:, q, i] += pts[:, j]
            quad[:, q, j] += pts[:, i]
        diff, phi = self._bumps(pts)
        bumps = -phi[:, :, None] * diff / self.bandwidth**2
        return np.concatenate([lin, quad, bumps], axis=1)

    def laplacians(self, x: Any) -> np.ndarray:
        """:math:`\\Delta_x \\phi_p(x) = \\operatorname{tr} \\nabla_x^2 \\phi_p(x)`, shape (n, P)."""
        pts = _points("x", x, self.dim)
        n, d = pts.shape
        h2 = self.bandwidth**2
        quad = np.array([2.0 if i == j else 0.0 for i, j in self._pairs])
        diff, phi = self._bumps(pts)
        bumps = phi * ((diff**2).sum(axis=2) / h2**2 - d / h2)
        return np.concatenate([np.zeros((n, d)), np.broadcast_to(quad, (n, quad.size)), bumps], axis=1)

    def hessian_vector_products(self, x: Any, v: Any) -> np.ndarray:
        """:math:`\\nabla_x^2 \\phi_p(x)\\, v`, shape (n, P, d), for one vector ``v`` (n, d) per point."""
        pts = _points("x", x, self.dim)
        vec = _like_points("v", v, pts)
        n, d = pts.shape
        h2 = self.bandwidth**2
        quad = np.zeros((n, len(self._pairs), d))
        for q, (i, j) in enumerate(self._pairs):
            quad[:, q, i] += vec[:, j]
            quad[:, q, j] += vec[:, i]
        diff, phi = self._bumps(pts)
        proj = np.einsum("nkd,nd->nk", diff, vec)
        bumps = phi[:, :, None] * (diff * proj[:, :, None] / h2**2 - vec[:, None, :] / h2)
        return np.concatenate([np.zeros((n, d, d)), quad, bumps], axis=1)

    def __repr__(self) -> str:
        return f"RBFFeatures(n_bumps={self.centres.shape[0]}, dim={self.dim}, bandwidth={self.bandwidth:.3g})"


class LinearScoreModel:
    """An unnormalised exponential-family model :math:`\\log \\tilde p_\\theta(x) = \\theta^\\top \\phi(x)`.

    Its score :math:`s_\\theta(x) = \\sum_p \\theta_p \\nabla_x \\phi_p(x)` is linear in
    :math:`\\theta`, and the normalising constant never appears: score matching fits it without it.

    Parameters
    ----------
    features : RBFFeatures
        The feature map :math:`\\phi`.
    weights : array_like, shape (P,)
        The natural parameters :math:`\\theta`.
    """

    def __init__(self, features: RBFFeatures, weights: Any) -> None:
        if not isinstance(features, RBFFeatures):
            raise TypeError(f"features must be an RBFFeatures, got {type(features).__name__}")
        self.features = features
        self.weights = as_float_array("weights", weights, shape=(features.n_features,)).copy()

    @property
    def dim(self) -> int:
        """Dimension ``d``."""
        return self.features.dim

    @property
    def params(self) -> np.ndarray:
        """The weights :math:`\\theta`, shape (P,)."""
        return self.weights.copy()

    def with_params(self, params: Any) -> LinearScoreModel:
        """The same features with other weights."""
        return LinearScoreModel(self.features, params)

    def log_unnormalised(self, x: Any) -> np.ndarray:
        """:math:`\\log \\tilde p_\\theta(x) = \\theta^\\top \\phi(x)`, shape (n,)."""
        return self.features.values(x) @ self.weights

    def score(self, x: Any) -> np.ndarray:
        """:math:`s_\\theta(x)`, shape (n, d) (or (n,) for 1-D input)."""
        s = np.einsum("npd,p->nd", self.features.gradients(x), self.weights)
        return s[:, 0] if np.ndim(x) == 1 else s

    def divergence(self, x: Any) -> np.ndarray:
        """:math:`\\operatorname{tr} \\nabla_x s_\\theta(x)`, shape (n,)."""
        return self.features.laplacians(x) @ self.weights

    def score_jvp(self, x: Any, v: Any) -> np.ndarray:
        """:math:`\\nabla_x s_\\theta(x)\\, v`, shape (n, d)."""
        return np.einsum("npd,p->nd", self.features.hessian_vector_products(x, v), self.weights)

    def score_param_grad(self, x: Any) -> np.ndarray:
        """:math:`\\partial s_\\theta(x)_i / \\partial \\theta_p`, shape (n, d, P)."""
        return np.swapaxes(self.features.gradients(x), 1, 2)

    def divergence_param_grad(self, x: Any) -> np.ndarray:
        """:math:`\\partial \\operatorname{tr} \\nabla_x s_\\theta(x) / \\partial \\theta_p`, shape (n, P)."""
        return self.features.laplacians(x)

    def quadratic_matrix(self) -> np.ndarray:
        """The symmetric ``A`` (d, d) whose :math:`x^\\top A x` is the quadratic part of the log-density.

        The bumps are bounded, so the model is normalisable exactly when ``A`` is negative definite.
        """
        d = self.dim
        a = np.zeros((d, d))
        for q, (i, j) in enumerate(self.features._pairs):
            w = self.weights[d + q]
            if i == j:
                a[i, i] = w
            else:
                a[i, j] = a[j, i] = w / 2
        return a

    def __repr__(self) -> str:
        return f"LinearScoreModel({self.features!r})"


# ---------------------------------------------------------------------------- objectives (per sample)
def explicit_sm_terms(model: Any, x: Any, data_score: Any) -> np.ndarray:
    """Per-sample explicit score-matching terms :math:`\\tfrac12\\|s_\\theta(x_i) - \\psi(x_i)\\|^2`.

    Their mean estimates :math:`\\mathcal{L}_{\\mathrm{ESM}}` (book, :eq:`q3-eq-esm`), which is
    *half* the assignment's :math:`\\mathcal{L}_{\\text{explicit}}`.

    Parameters
    ----------
    model : score model
    x : array_like, shape (n, d) or (n,) when d = 1
        Samples from :math:`p_{\\mathrm{data}}`.
    data_score : array_like, same shape as x
        The data's score :math:`\\psi(x_i) = \\nabla_x \\log p_{\\mathrm{data}}(x_i)` (known only in
        toy problems, which is the point).

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    _check_model(model)
    pts = _points("x", x, model.dim)
    psi = _like_points("data_score", data_score, pts)
    return 0.5 * ((_score2d(model, pts) - psi) ** 2).sum(axis=1)


def implicit_sm_terms(model: Any, x: Any) -> np.ndarray:
    """Per-sample implicit (Hyvärinen) terms, book :eq:`q3-eq-ism`.

    :math:`\\operatorname{tr}\\nabla_x s_\\theta(x_i) + \\tfrac12\\|s_\\theta(x_i)\\|^2`.

    Their mean estimates :math:`\\mathcal{L}_{\\mathrm{ISM}}` (book, :eq:`q3-eq-ism`); only samples
    are needed. Shape (n,).
    """
    _check_model(model)
    pts = _points("x", x, model.dim)
    return _divergence(model, pts) + 0.5 * (_score2d(model, pts) ** 2).sum(axis=1)


def squared_score_terms(model: Any, x: Any) -> np.ndarray:
    """Per-sample terms :math:`\\|s_\\theta(x_i)\\|^2` of the assignment's "implicit" loss.

    Not a valid objective: over any model family with a free scale it has no minimiser, since
    flattening the model drives it to 0 (for the Gaussian model, every flatter model scores lower;
    book, Part 1.1, the note on the question). Kept to show exactly that. Shape (n,).
    """
    _check_model(model)
    pts = _points("x", x, model.dim)
    return (_score2d(model, pts) ** 2).sum(axis=1)


def denoising_sm_terms(model: Any, x_clean: Any, x_noisy: Any, noise_var: float) -> np.ndarray:
    """Per-sample denoising score-matching terms (Vincent, 2011).

    With :math:`\\tilde x_i = x_i + \\sqrt{w}\\,\\varepsilon_i`, the term is
    :math:`\\tfrac12 \\|s_\\theta(\\tilde x_i) - \\nabla_{\\tilde x}
    \\log \\mathcal{N}(\\tilde x_i \\mid x_i, w I)\\|^2
    = \\tfrac12 \\|s_\\theta(\\tilde x_i) + (\\tilde x_i - x_i)/w\\|^2` (book, :eq:`q3-eq-dsm`).

    Parameters
    ----------
    model : score model
    x_clean, x_noisy : array_like, shape (n, d) or (n,) when d = 1
        Clean samples and their noised versions.
    noise_var : float
        The noise variance :math:`w > 0`.

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    _check_model(model)
    v = check_positive("noise_var", noise_var)
    clean = _points("x_clean", x_clean, model.dim)
    noisy = _like_points("x_noisy", x_noisy, clean)
    return 0.5 * ((_score2d(model, noisy) + (noisy - clean) / v) ** 2).sum(axis=1)


def random_projections(n: int, n_projections: int, dim: int, kind: str = "rademacher",
                       random_state: Any = None) -> np.ndarray:
    """Random projection directions :math:`\\xi` with :math:`\\mathbb{E}[\\xi \\xi^\\top] = I`.

    Parameters
    ----------
    n, n_projections, dim : int
        Number of points, projections per point, and dimension (all >= 1).
    kind : {"rademacher", "gaussian"}
        Entries ±1 with equal probability (the lower-variance choice for Hutchinson's estimator) or
        standard normal.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape (n, n_projections, dim)
    """
    n = check_int("n", n, minimum=1)
    m = check_int("n_projections", n_projections, minimum=1)
    d = check_int("dim", dim, minimum=1)
    rng = check_random_state(random_state)
    if not isinstance(kind, str):
        raise TypeError(f"kind must be 'rademacher' or 'gaussian', got {type(kind).__name__}")
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(n, m, d))
    if kind == "gaussian":
        return rng.standard_normal((n, m, d))
    raise ValueError(f"kind must be 'rademacher' or 'gaussian', got {kind!r}")


def hutchinson_divergence(model: Any, x: Any, projections: Any) -> np.ndarray:
    """Hutchinson's unbiased estimate of :math:`\\operatorname{tr}\\nabla_x s_\\theta(x_i)`.

    :math:`\\frac1m \\sum_j \\xi_{ij}^\\top \\nabla_x s_\\theta(x_i)\\, \\xi_{ij}`: one Jacobian-vector
    product per projection instead of ``d`` for the exact trace.

    Parameters
    ----------
    model : score model
    x : array_like, shape (n, d) or (n,) when d = 1
    projections : array_like, shape (n, m, d)
        Directions with :math:`\\mathbb{E}[\\xi \\xi^\\top] = I` (see :func:`random_projections`).

    Returns
    -------
    numpy.ndarray, shape (n,)
    """
    _check_model(model)
    pts = _points("x", x, model.dim)
    vs = _projections("projections", projections, pts)
    quad = [np.einsum("nd,nd->n", vs[:, j], _score_jvp(model, pts, vs[:, j])) for j in range(vs.shape[1])]
    return np.mean(quad, axis=0)


def sliced_sm_terms(model: Any, x: Any, projections: Any, variance_reduced: bool = False) -> np.ndarray:
    """Per-sample sliced score-matching terms (Song et al., 2019).

    :math:`\\frac1m\\sum_j [\\xi_{ij}^\\top \\nabla_x s_\\theta(x_i) \\xi_{ij}
    + \\tfrac12 (\\xi_{ij}^\\top s_\\theta(x_i))^2]` (book, the beyond page of Question 3);
    with ``variance_reduced`` the second part is replaced by its expectation
    :math:`\\tfrac12\\|s_\\theta(x_i)\\|^2`. Either way the mean over projections is
    :math:`\\mathcal{L}_{\\mathrm{ISM}}`'s integrand. Shape (n,).
    """
    _check_model(model)
    variance_reduced = check_bool("variance_reduced", variance_reduced)
    pts = _points("x", x, model.dim)
    vs = _projections("projections", projections, pts)
    s = _score2d(model, pts)
    trace = hutchinson_divergence(model, pts, vs)
    if variance_reduced:
        return trace + 0.5 * (s**2).sum(axis=1)
    return trace + 0.5 * (np.einsum("nmd,nd->nm", vs, s) ** 2).mean(axis=1)


# ---------------------------------------------------------------------------- gradients in theta
def explicit_sm_gradient(model: Any, x: Any, data_score: Any) -> np.ndarray:
    """Gradient in the parameters of the mean of :func:`explicit_sm_terms`.

    :math:`\\frac1n\\sum_i (s_\\theta(x_i) - \\psi(x_i))^\\top \\partial_\\theta s_\\theta(x_i)`.

    Parameters
    ----------
    model : score model
    x : array_like, shape (n, d) or (n,) when d = 1
    data_score : array_like, same shape as x

    Returns
    -------
    numpy.ndarray, shape (P,)
        One entry per parameter, in the order of ``model.params``.
    """
    _check_model(model)
    pts = _points("x", x, model.dim)
    psi = _like_points("data_score", data_score, pts)
    residual = _score2d(model, pts) - psi
    score_grad, _ = _param_grads(model, pts)
    return np.einsum("nd,ndp->p", residual, score_grad) / pts.shape[0]


def implicit_sm_gradient(model: Any, x: Any) -> np.ndarray:
    """Gradient in the parameters of the mean of :func:`implicit_sm_terms`.

    :math:`\\frac1n\\sum_i \\big[\\partial_\\theta \\operatorname{tr}\\nabla_x s_\\theta(x_i)
    + s_\\theta(x_i)^\\top \\partial_\\theta s_\\theta(x_i)\\big]`. By the equivalence theorem its
    expectation equals that of :func:`explicit_sm_gradient`.

    Parameters
    ----------
    model : score model
    x : array_like, shape (n, d) or (n,) when d = 1

    Returns
    -------
    numpy.ndarray, shape (P,)
    """
    _check_model(model)
    pts = _points("x", x, model.dim)
    s = _score2d(model, pts)
    score_grad, div_grad = _param_grads(model, pts)
    grad = div_grad.sum(axis=0) + np.einsum("nd,ndp->p", s, score_grad)
    return grad / pts.shape[0]


# ---------------------------------------------------------------------------- estimation
def monte_carlo_mean(terms: Any) -> tuple[float, float]:
    """The mean of per-sample terms and its standard error ``std(ddof=1) / sqrt(n)``.

    Parameters
    ----------
    terms : array_like, shape (n,), n >= 2

    Returns
    -------
    (float, float)
    """
    t = as_float_array("terms", terms, ndim=1)
    if t.size < 2:
        raise ValueError(f"terms must hold at least 2 values, got {t.size}")
    return float(t.mean()), float(t.std(ddof=1) / np.sqrt(t.size))


def fit_gaussian_implicit(x: Any) -> GaussianScoreModel:
    """Minimise the empirical :math:`\\mathcal{L}_{\\mathrm{ISM}}` of a :class:`GaussianScoreModel` exactly.

    Setting the gradient to zero (book, :eq:`q3-eq-gauss-estimates`) gives the sample mean and
    :math:`\\hat\\sigma^2 = \\frac{1}{nd}\\sum_i \\|x_i - \\bar x\\|^2`: the maximum-likelihood
    (biased) variance.

    Parameters
    ----------
    x : array_like, shape (n, d) or (n,), n >= 2

    Returns
    -------
    GaussianScoreModel
        :math:`\\mathcal{N}(\\bar x, \\hat\\sigma^2 I)`.
    """
    arr = as_float_array("x", x, ndim=(1, 2))
    pts = arr[:, None] if arr.ndim == 1 else arr
    if pts.shape[0] < 2:
        raise ValueError(f"x must hold at least 2 points, got {pts.shape[0]}")
    mu = pts.mean(axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        var = float(((pts - mu) ** 2).sum(axis=1).mean() / pts.shape[1])
    if not np.isfinite(var):
        raise ValueError("x is too large: its variance exceeds the float64 range")
    if var <= 0:
        raise ValueError("x must not be constant: the fitted variance would be 0")
    return GaussianScoreModel(mu, var)


def fit_linear_implicit(features: RBFFeatures, x: Any, ridge: float = 0.0) -> LinearScoreModel:
    """Minimise the empirical :math:`\\mathcal{L}_{\\mathrm{ISM}}` of a :class:`LinearScoreModel` exactly.

    The objective is the quadratic :math:`b^\\top\\theta + \\tfrac12 \\theta^\\top G \\theta` with
    :math:`b = \\frac1n\\sum_i \\Delta\\phi(x_i)` and
    :math:`G = \\frac1n\\sum_i \\sum_j \\partial_j\\phi(x_i)\\, \\partial_j\\phi(x_i)^\\top`
    (Hyvärinen, 2007), so :math:`\\hat\\theta = -(G + \\lambda I)^{-1} b`.

    Parameters
    ----------
    features : RBFFeatures
    x : array_like, shape (n, d) or (n,) when d = 1
    ridge : float, default 0
        :math:`\\lambda \\ge 0`, a penalty :math:`\\tfrac{\\lambda}{2}\\|\\theta\\|^2` for conditioning.

    Returns
    -------
    LinearScoreModel
        The model at :math:`\\hat\\theta`.

    Raises
    ------
    ValueError
        If :math:`G + \\lambda I` is singular (too few points for the features, or coinciding
        features); a ``ridge > 0`` cures it.
    """
    if not isinstance(features, RBFFeatures):
        raise TypeError(f"features must be an RBFFeatures, got {type(features).__name__}")
    lam = check_positive("ridge", ridge, allow_zero=True)
    pts = _points("x", x, features.dim)
    grads = features.gradients(pts)  # (n, P, d)
    gram = np.einsum("npd,nqd->pq", grads, grads) / pts.shape[0]
    b = features.laplacians(pts).mean(axis=0)
    try:
        theta = -np.linalg.solve(gram + lam * np.eye(gram.shape[0]), b)
    except np.linalg.LinAlgError:
        raise ValueError("the Gram matrix G + ridge * I is singular: pass ridge > 0 or more points x") \
            from None
    return LinearScoreModel(features, theta)
