"""Score functions and Fisher information of simple parametric families (Question 2).

The *score* of a parametric density :math:`f(x;\\theta)` is the gradient of its log with respect to
the **parameter**, :math:`s(\\theta;x) = \\nabla_\\theta \\log f(x;\\theta)` (book equation
``q2-eq-score``). It is not the *Stein score* :math:`\\nabla_x \\log p(x)` of score matching and
diffusion models (Questions 3 and 4), which differentiates with respect to the data.

Contents
--------
- closed-form scores and Fisher informations of the Normal :math:`(\\mu, \\sigma^2)`, the
  Exponential rate :math:`\\lambda` and the Cauchy location :math:`\\theta`;
- :func:`monte_carlo_fisher_information`, the sample estimate of :math:`\\E[s s^\\top]` with standard
  errors, used to check the closed forms;
- :func:`fisher_scoring`, the score-driven iteration
  :math:`\\theta_{k+1} = \\theta_k + I_n(\\theta_k)^{-1} S_n(\\theta_k)` (``q2-eq-fisher-scoring``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dgmbook.validation import as_float_array, check_bool, check_callable, check_int, check_positive

__all__ = [
    "normal_score",
    "normal_fisher_information",
    "exponential_score",
    "exponential_fisher_information",
    "cauchy_location_score",
    "cauchy_location_loglik",
    "cauchy_location_fisher_information",
    "monte_carlo_fisher_information",
    "FisherScoringResult",
    "fisher_scoring",
]


def _check_real(name: str, value) -> float:
    """A finite real scalar (``check_positive`` without the sign condition)."""
    arr = as_float_array(name, value, ndim=0)
    return float(arr)


def normal_score(x, mu, sigma2) -> np.ndarray:
    """Score of :math:`\\N(\\mu, \\sigma^2)` in :math:`(\\mu, \\sigma^2)` (``q2-eq-normal-score``).

    .. math::
        s_\\mu = \\frac{x-\\mu}{\\sigma^2}, \\qquad
        s_{\\sigma^2} = -\\frac{1}{2\\sigma^2} + \\frac{(x-\\mu)^2}{2\\sigma^4}.

    Parameters
    ----------
    x : array_like, shape (...)
        Observations (any shape).
    mu : float
        Mean.
    sigma2 : float
        Variance, > 0 (the parameter is the variance, not the standard deviation).

    Returns
    -------
    numpy.ndarray, shape (..., 2)
        ``[..., 0]`` is the score for ``mu``, ``[..., 1]`` the score for ``sigma2``.
    """
    x = as_float_array("x", x)
    mu = _check_real("mu", mu)
    sigma2 = check_positive("sigma2", sigma2)
    r = x - mu
    return np.stack([r / sigma2, (r * r / sigma2 - 1.0) / (2.0 * sigma2)], axis=-1)


def normal_fisher_information(sigma2) -> np.ndarray:
    """Per-observation Fisher information matrix of :math:`\\N(\\mu, \\sigma^2)` in :math:`(\\mu, \\sigma^2)`.

    .. math:: I(\\mu, \\sigma^2) = \\diag\\bigl(1/\\sigma^2,\\; 1/(2\\sigma^4)\\bigr)

    (book equation ``q2-eq-normal-fisher``), which does not depend on :math:`\\mu`.

    Parameters
    ----------
    sigma2 : float
        Variance, > 0.

    Returns
    -------
    numpy.ndarray, shape (2, 2)
    """
    sigma2 = check_positive("sigma2", sigma2)
    return np.diag([1.0 / sigma2, 1.0 / (2.0 * sigma2**2)])


def _check_rate_and_data(x, rate) -> tuple[np.ndarray, float]:
    x = as_float_array("x", x)
    rate = check_positive("rate", rate)
    if np.any(x < 0):
        raise ValueError("x must be >= 0: the Exponential distribution has support [0, inf)")
    return x, rate


def exponential_score(x, rate) -> np.ndarray:
    """Score of the Exponential density :math:`\\lambda e^{-\\lambda x}` in its rate (``q2-eq-exp-score``).

    .. math:: s(\\lambda; x) = \\frac{1}{\\lambda} - x.

    Parameters
    ----------
    x : array_like, shape (...)
        Observations, all >= 0.
    rate : float
        The rate :math:`\\lambda > 0` (the mean is :math:`1/\\lambda`).

    Returns
    -------
    numpy.ndarray, shape (...)
    """
    x, rate = _check_rate_and_data(x, rate)
    return 1.0 / rate - x


def exponential_fisher_information(rate) -> np.ndarray | float:
    """Per-observation Fisher information of the Exponential rate, :math:`I(\\lambda) = 1/\\lambda^2`.

    Parameters
    ----------
    rate : float or array_like, shape (m,)
        Rate(s) :math:`\\lambda > 0`.

    Returns
    -------
    float or numpy.ndarray, shape (m,)
    """
    arr = as_float_array("rate", rate, ndim=(0, 1))
    if np.any(arr <= 0):
        raise ValueError("rate must be > 0")
    out = 1.0 / arr**2
    return float(out) if out.ndim == 0 else out


def _check_cauchy(x, loc, scale) -> tuple[np.ndarray, np.ndarray, float]:
    x = as_float_array("x", x, ndim=1)
    loc = as_float_array("loc", loc, ndim=(0, 1))
    scale = check_positive("scale", scale)
    return x, loc, scale


def cauchy_location_loglik(x, loc, scale: float = 1.0) -> np.ndarray | float:
    """Log-likelihood of a Cauchy sample as a function of its location.

    .. math::
        \\ell(\\theta) = -n\\log(\\pi\\gamma)
        - \\sum_i \\log\\bigl(1 + ((x_i-\\theta)/\\gamma)^2\\bigr).

    Parameters
    ----------
    x : array_like, shape (n,)
        Sample.
    loc : float or array_like, shape (m,)
        Location(s) :math:`\\theta` at which to evaluate.
    scale : float, default 1
        Known scale :math:`\\gamma > 0`.

    Returns
    -------
    float or numpy.ndarray, shape (m,)
    """
    x, loc, scale = _check_cauchy(x, loc, scale)
    z = (x[None, :] - np.atleast_1d(loc)[:, None]) / scale
    out = -x.size * np.log(np.pi * scale) - np.log1p(z * z).sum(axis=1)
    return float(out[0]) if loc.ndim == 0 else out


def cauchy_location_score(x, loc, scale: float = 1.0) -> np.ndarray | float:
    """Total score of a Cauchy sample in its location.

    .. math:: S_n(\\theta) = \\sum_i \\frac{2(x_i-\\theta)}{\\gamma^2 + (x_i-\\theta)^2}.

    Parameters
    ----------
    x : array_like, shape (n,)
        Sample.
    loc : float or array_like, shape (m,)
        Location(s) :math:`\\theta`.
    scale : float, default 1
        Known scale :math:`\\gamma > 0`.

    Returns
    -------
    float or numpy.ndarray, shape (m,)
    """
    x, loc, scale = _check_cauchy(x, loc, scale)
    r = x[None, :] - np.atleast_1d(loc)[:, None]
    out = (2.0 * r / (scale**2 + r * r)).sum(axis=1)
    return float(out[0]) if loc.ndim == 0 else out


def cauchy_location_fisher_information(scale: float = 1.0) -> float:
    """Per-observation Fisher information of the Cauchy location, :math:`1/(2\\gamma^2)`.

    It does not depend on the location, so Fisher scoring takes steps of
    :math:`2\\gamma^2 S_n(\\theta)/n` (``q2-eq-fisher-scoring``).
    """
    scale = check_positive("scale", scale)
    return 1.0 / (2.0 * scale**2)


def monte_carlo_fisher_information(scores) -> tuple[np.ndarray, np.ndarray]:
    """Sample estimate of :math:`I = \\E[s s^\\top]` and its elementwise standard errors.

    Parameters
    ----------
    scores : array_like, shape (m,) or (m, p)
        Scores of ``m`` independent draws from the model at the parameter of interest.

    Returns
    -------
    estimate : numpy.ndarray, shape () or (p, p)
        :math:`\\frac1m\\sum_j s_j s_j^\\top`.
    stderr : numpy.ndarray, same shape
        Standard error of each entry, ``std(s_a s_b, ddof=1) / sqrt(m)``.

    Notes
    -----
    This estimates :math:`\\E[s^2]`, which is the *variance* of the score only when
    :math:`\\E[s] = 0` (see the note on Question 2, part 3.2).
    """
    s = as_float_array("scores", scores, ndim=(1, 2))
    m = s.shape[0]
    if m < 2:
        raise ValueError(f"scores must hold at least 2 draws to estimate a standard error, got {m}")
    if s.ndim == 1:
        prod = s * s
        return np.asarray(prod.mean()), np.asarray(prod.std(ddof=1) / np.sqrt(m))
    prod = s[:, :, None] * s[:, None, :]
    return prod.mean(axis=0), prod.std(axis=0, ddof=1) / np.sqrt(m)


@dataclass
class FisherScoringResult:
    """Outcome of :func:`fisher_scoring`.

    Attributes
    ----------
    theta : numpy.ndarray, shape (p,)
        Final iterate.
    path : numpy.ndarray, shape (k + 1, p)
        All iterates, starting value first.
    converged : bool
        Whether the step fell below ``tol`` within ``max_iter`` iterations.
    n_iter : int
        Number of updates made, ``k``.
    """

    theta: np.ndarray
    path: np.ndarray = field(repr=False)
    converged: bool
    n_iter: int

    def __post_init__(self) -> None:
        self.theta = as_float_array("theta", self.theta, ndim=1)
        self.path = as_float_array("path", self.path, ndim=2)
        self.converged = check_bool("converged", self.converged)
        self.n_iter = check_int("n_iter", self.n_iter, minimum=0)
        if self.path.shape != (self.n_iter + 1, self.theta.size):
            raise ValueError(
                f"path must have shape (n_iter + 1, p) = ({self.n_iter + 1}, {self.theta.size}), "
                f"got {self.path.shape}"
            )


def _checked_information(info, p: int, theta: np.ndarray) -> np.ndarray:
    """``information(theta)`` as a (p, p) matrix, after checking it is finite and positive definite."""
    info = np.asarray(info)
    if info.dtype == object or info.dtype.kind not in "iuf":
        raise TypeError(f"information(theta) must return real numbers, got dtype {info.dtype}")
    info = info.astype(float)
    if info.size != p * p:
        raise ValueError(f"information(theta) must return a ({p}, {p}) matrix, got shape {info.shape}")
    info = info.reshape(p, p)
    if not np.all(np.isfinite(info)):
        raise ValueError(f"information(theta) is not finite at theta = {theta}")
    if np.max(np.abs(info - info.T)) > 1e-10 * np.max(np.abs(info)):
        raise ValueError(f"information(theta) must be a symmetric matrix, got {info.tolist()}")
    eig = np.linalg.eigvalsh(info)
    if abs(eig[0]) <= 1e-12 * np.max(np.abs(eig)):
        raise ValueError(
            "information(theta) is singular to working precision "
            f"(eigenvalues {eig[0]:.3g} .. {eig[-1]:.3g}) at theta = {theta}: some direction "
            "of the parameter is not identified, and the step is undefined"
        )
    if eig[0] < 0:
        raise ValueError(
            "information(theta) must be positive definite (a Fisher information, not minus an "
            f"observed information); its smallest eigenvalue is {eig[0]:.3g} at theta = {theta}"
        )
    return info


def fisher_scoring(
    score: Callable[[np.ndarray], np.ndarray],
    information: Callable[[np.ndarray], np.ndarray],
    theta0,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> FisherScoringResult:
    """Solve the likelihood equation :math:`S_n(\\theta) = 0` by Fisher scoring (``q2-eq-fisher-scoring``).

    .. math:: \\theta_{k+1} = \\theta_k + I_n(\\theta_k)^{-1} S_n(\\theta_k),

    Newton--Raphson with the observed information :math:`J_n = -\\nabla^2 \\ell_n` replaced by its
    expectation :math:`I_n = n I`, which is positive definite, so each step is an ascent direction.

    Parameters
    ----------
    score : callable
        ``score(theta)`` with ``theta`` of shape (p,) returns the total score, shape (p,) (a scalar
        when p = 1).
    information : callable
        ``information(theta)`` returns the total Fisher information :math:`I_n(\\theta)`, shape
        (p, p): symmetric and positive definite.
    theta0 : float or array_like, shape (p,)
        Starting value (a consistent one, such as the sample median for a location, is best).
    tol : float, default 1e-10
        Stop when the largest absolute step is below ``tol``.
    max_iter : int, default 100
        Maximum number of updates.

    Returns
    -------
    FisherScoringResult

    Raises
    ------
    TypeError
        If ``score`` or ``information`` is not callable, or returns something other than numbers.
    ValueError
        If ``score`` or ``information`` returns the wrong number of values for ``theta0`` or a
        non-finite value (e.g. an iterate left the parameter space), or if the information is not
        symmetric positive definite (a negative-definite matrix is minus an observed information,
        not a Fisher information; a singular one leaves the step undefined).
    """
    check_callable("score", score)
    check_callable("information", information)
    theta = as_float_array("theta0", theta0, ndim=(0, 1)).reshape(-1).copy()
    tol = check_positive("tol", tol)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    path = [theta.copy()]
    converged = False
    p = theta.size
    for _ in range(max_iter):
        s = np.asarray(score(theta))
        if s.dtype == object or s.dtype.kind not in "iuf":
            raise TypeError(f"score(theta) must return real numbers, got dtype {s.dtype}")
        s = s.astype(float).reshape(-1)
        if s.size != p:
            raise ValueError(f"score(theta) must return {p} value(s), one per parameter, got {s.size}")
        if not np.all(np.isfinite(s)):
            raise ValueError(f"score(theta) is not finite at theta = {theta}")
        info = _checked_information(information(theta), p, theta)
        step = np.linalg.solve(info, s)
        theta = theta + step
        path.append(theta.copy())
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    return FisherScoringResult(theta=theta, path=np.array(path), converged=converged,
                               n_iter=len(path) - 1)
