"""The forward process of a diffusion model and its Gaussian posterior q(x_{t-1} | x_t, x_0).

Question 4 of the assignment. The forward ("noising") process of a DDPM (Ho et al., 2020) is the
Markov chain

.. math:: q(x_t \\mid x_{t-1}) = \\mathcal{N}(\\sqrt{\\alpha_t}\\, x_{t-1}, (1 - \\alpha_t) I),
          \\qquad t = 1, \\dots, T,

with :math:`\\beta_t = 1 - \\alpha_t` and :math:`\\bar\\alpha_t = \\prod_{s \\le t} \\alpha_s`
(:math:`\\bar\\alpha_0 = 1`), the convention of Ho et al. (2020) and of the assignment. Then

- :math:`q(x_t \\mid x_0) = \\mathcal{N}(\\sqrt{\\bar\\alpha_t}\\, x_0, (1 - \\bar\\alpha_t) I)`
  (book equation ``q4-eq-marginal``; :meth:`NoiseSchedule.q_sample`);
- :math:`q(x_{t-1} \\mid x_t, x_0) = \\mathcal{N}(\\mu_q, \\sigma_q^2(t) I)` with

  .. math:: \\mu_q = \\frac{\\sqrt{\\alpha_t}(1 - \\bar\\alpha_{t-1})\\, x_t
                      + \\sqrt{\\bar\\alpha_{t-1}}(1 - \\alpha_t)\\, x_0}{1 - \\bar\\alpha_t},
            \\qquad
            \\sigma_q^2(t) = \\frac{(1 - \\alpha_t)(1 - \\bar\\alpha_{t-1})}{1 - \\bar\\alpha_t}

  (book equations ``q4-eq-mu-q`` and ``q4-eq-sigma-q``; :meth:`NoiseSchedule.posterior_mean`,
  :meth:`NoiseSchedule.posterior_variance`).

Steps are numbered as in the book: ``t = 1, ..., T``; ``alpha_bar(0) == 1``. Points are arrays of
shape ``(n, d)`` (a 1-D array of shape ``(n,)`` is read as ``n`` points in one dimension).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from dgmbook.validation import (
    as_float_array,
    check_callable,
    check_int,
    check_memory,
    check_positive,
    check_probability,
    check_random_state,
)

#: Largest offset of the cosine schedule: beyond it the formula loses its accuracy in floating point.
MAX_OFFSET = 1e6
#: Arrays of length T (or T + 1) a NoiseSchedule holds or builds: alphas, betas, alpha_bars, ...
_SCHEDULE_ARRAYS = 6

__all__ = [
    "NoiseSchedule",
    "linear_schedule",
    "cosine_schedule",
    "forward_chain",
    "ancestral_sample",
]


class NoiseSchedule:
    """A variance-preserving noise schedule ``alpha_1, ..., alpha_T`` and its derived quantities.

    Parameters
    ----------
    alphas : array_like, shape (T,)
        The per-step signal coefficients ``alpha_t = 1 - beta_t``, each in ``(0, 1]``;
        ``alphas[t - 1]`` is ``alpha_t``. The first must be ``< 1`` so that ``1 - alpha_bar_t > 0``
        for every ``t`` (otherwise ``mu_q`` and ``sigma_q^2`` are ``0 / 0`` at ``t = 1``).

    Attributes
    ----------
    alphas : numpy.ndarray, shape (T,)
        ``alpha_t`` for ``t = 1, ..., T``.
    betas : numpy.ndarray, shape (T,)
        ``beta_t = 1 - alpha_t``.
    alpha_bars : numpy.ndarray, shape (T + 1,)
        ``alpha_bar_t`` for ``t = 0, 1, ..., T`` (so ``alpha_bars[0] == 1`` and ``alpha_bars[t]``
        is ``alpha_bar_t``: note the shift with respect to ``alphas``).

    Examples
    --------
    >>> sched = NoiseSchedule([0.9, 0.8])
    >>> round(float(sched.alpha_bar(2)), 12)
    0.72
    >>> float(sched.posterior_variance(1))
    0.0
    """

    def __init__(self, alphas: Any) -> None:
        a = as_float_array("alphas", alphas, ndim=1)
        if np.any(a <= 0.0) or np.any(a > 1.0):
            raise ValueError("alphas must lie in (0, 1]")
        if a[0] >= 1.0:
            raise ValueError("alphas[0] (alpha_1) must be < 1, so that 1 - alpha_bar_t > 0 for all t")
        self.alphas = a
        self.betas = 1.0 - a
        self.alpha_bars = np.concatenate([[1.0], np.cumprod(a)])

    # ------------------------------------------------------------------ indexing
    @property
    def n_steps(self) -> int:
        """The number of steps ``T``."""
        return self.alphas.shape[0]

    def _steps(self, t: Any, minimum: int = 1) -> np.ndarray | int:
        """Validate ``t`` (an int or an integer array) in ``[minimum, T]``."""
        if isinstance(t, numbers.Integral) and not isinstance(t, bool):
            return check_int("t", t, minimum=minimum, maximum=self.n_steps)
        arr = np.asarray(t)
        if arr.dtype.kind not in "iu" or arr.ndim != 1:
            raise TypeError("t must be an integer or a 1-D array of integers")
        if arr.size == 0:
            raise ValueError("t must not be empty")
        if arr.min() < minimum or arr.max() > self.n_steps:
            raise ValueError(f"t must lie in [{minimum}, {self.n_steps}], got values in "
                             f"[{arr.min()}, {arr.max()}]")
        return arr

    def alpha(self, t: Any) -> np.ndarray:
        """``alpha_t`` for ``t`` in ``1..T`` (an int or a 1-D integer array)."""
        return self.alphas[np.asarray(self._steps(t)) - 1]

    def beta(self, t: Any) -> np.ndarray:
        """``beta_t = 1 - alpha_t`` for ``t`` in ``1..T``."""
        return self.betas[np.asarray(self._steps(t)) - 1]

    def alpha_bar(self, t: Any) -> np.ndarray:
        """``alpha_bar_t = prod_{s <= t} alpha_s`` for ``t`` in ``0..T`` (``alpha_bar_0 = 1``)."""
        return self.alpha_bars[np.asarray(self._steps(t, minimum=0))]

    # ------------------------------------------------------------------ the posterior
    def posterior_coefficients(self, t: Any) -> tuple[np.ndarray, np.ndarray]:
        """The coefficients of ``mu_q = c_xt * x_t + c_x0 * x_0`` (book equation ``q4-eq-mu-q``).

        Parameters
        ----------
        t : int or array of int, shape (m,)
            Steps in ``1..T``.

        Returns
        -------
        c_xt, c_x0 : numpy.ndarray, shape () or (m,)
            ``sqrt(alpha_t) (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t)`` and
            ``sqrt(alpha_bar_{t-1}) (1 - alpha_t) / (1 - alpha_bar_t)``.
        """
        t = np.asarray(self._steps(t))
        a, ab, ab_prev = self.alphas[t - 1], self.alpha_bars[t], self.alpha_bars[t - 1]
        denom = 1.0 - ab
        return np.sqrt(a) * (1.0 - ab_prev) / denom, np.sqrt(ab_prev) * (1.0 - a) / denom

    def posterior_variance(self, t: Any) -> np.ndarray:
        """``sigma_q^2(t) = (1 - alpha_t)(1 - alpha_bar_{t-1}) / (1 - alpha_bar_t)`` (``q4-eq-sigma-q``).

        Parameters
        ----------
        t : int or array of int, shape (m,)
            Steps in ``1..T``.

        Returns
        -------
        numpy.ndarray, shape () or (m,)
            The variance of each coordinate of ``x_{t-1}`` given ``(x_t, x_0)``; 0 at ``t = 1``.
        """
        t = np.asarray(self._steps(t))
        ab, ab_prev = self.alpha_bars[t], self.alpha_bars[t - 1]
        return self.betas[t - 1] * (1.0 - ab_prev) / (1.0 - ab)

    def posterior_mean(self, x_t: Any, x_0: Any, t: int) -> np.ndarray:
        """``mu_q(x_t, x_0, t)``, the mean of ``q(x_{t-1} | x_t, x_0)`` (book equation ``q4-eq-mu-q``).

        Parameters
        ----------
        x_t, x_0 : array_like, shape (n, d) or (n,)
            Noisy points at step ``t`` and the clean points they came from; same shape.
        t : int
            The step, in ``1..T``.

        Returns
        -------
        numpy.ndarray, same shape as ``x_t``
        """
        if not isinstance(t, numbers.Integral) or isinstance(t, bool):
            raise TypeError(f"t must be an integer, got {type(t).__name__}")
        xt = as_float_array("x_t", x_t, ndim=(1, 2))
        x0 = as_float_array("x_0", x_0, ndim=(1, 2))
        if xt.shape != x0.shape:
            raise ValueError(f"x_t and x_0 must have the same shape, got {xt.shape} and {x0.shape}")
        c_xt, c_x0 = self.posterior_coefficients(t)
        return c_xt * xt + c_x0 * x0

    # ------------------------------------------------------------------ the forward marginal
    def q_sample(self, x_0: Any, t: int, random_state: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``x_t ~ q(x_t | x_0)`` in one step.

        ``x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps`` with ``eps ~ N(0, I)``.

        Parameters
        ----------
        x_0 : array_like, shape (n, d) or (n,)
            Clean points.
        t : int
            The step, in ``0..T`` (``t = 0`` returns ``x_0``).
        random_state : None, int or numpy.random.Generator
            Seed or generator for ``eps``.

        Returns
        -------
        x_t, eps : numpy.ndarray, same shape as ``x_0``
            The noisy points and the standard normal noise that made them (book equation
            ``q4-eq-marginal``).
        """
        x0 = as_float_array("x_0", x_0, ndim=(1, 2))
        ab = self.alpha_bar(check_int("t", t, minimum=0, maximum=self.n_steps))
        eps = check_random_state(random_state).standard_normal(x0.shape)
        return np.sqrt(ab) * x0 + np.sqrt(1.0 - ab) * eps, eps

    def __repr__(self) -> str:
        return f"NoiseSchedule(n_steps={self.n_steps}, alpha_bar_T={self.alpha_bars[-1]:.3g})"


def linear_schedule(n_steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> NoiseSchedule:
    """The linear schedule of Ho et al. (2020): ``beta_t`` evenly spaced from ``beta_start`` to ``beta_end``.

    Parameters
    ----------
    n_steps : int, default 1000
        ``T >= 1`` (refused, with the number, if its arrays would not fit in memory).
    beta_start, beta_end : float, default 1e-4 and 0.02
        ``beta_1`` and ``beta_T``, in ``(0, 1)``; ``beta_start`` at least ``2**-53`` (about
        ``1.1e-16``), since below that ``alpha_1 = 1 - beta_start`` rounds to 1 and
        ``sigma_q^2(t)`` becomes ``0 / 0``. A decreasing schedule (``beta_end < beta_start``) is
        allowed.

    Returns
    -------
    NoiseSchedule
    """
    n_steps = check_int("n_steps", n_steps, minimum=1)
    check_memory("n_steps", 8.0 * _SCHEDULE_ARRAYS * (n_steps + 1), what=f"a schedule of {n_steps} steps")
    b0 = check_probability("beta_start", beta_start, open_high=True)
    b1 = check_probability("beta_end", beta_end, open_high=True)
    smallest = np.finfo(np.float64).epsneg
    if b0 < smallest:
        raise ValueError(
            f"beta_start must lie in [{smallest:.3g}, 1), got {b0:g}: below that, "
            "alpha_1 = 1 - beta_start rounds to 1 and sigma_q^2(t) is 0 / 0"
        )
    return NoiseSchedule(1.0 - np.linspace(b0, b1, n_steps))


def cosine_schedule(n_steps: int = 1000, offset: float = 0.008, max_beta: float = 0.999) -> NoiseSchedule:
    """The cosine schedule of Nichol & Dhariwal (2021).

    ``alpha_bar_t = f(t) / f(0)`` with ``f(t) = cos^2(pi/2 * (t/T + offset) / (1 + offset))``;
    ``beta_t = 1 - alpha_bar_t / alpha_bar_{t-1}`` is clipped to ``max_beta`` (the last step would
    otherwise be ``beta_T = 1``).

    Parameters
    ----------
    n_steps : int, default 1000
        ``T >= 1`` (refused, with the number, if its arrays would not fit in memory).
    offset : float, default 0.008
        The small offset ``s`` that keeps ``beta_1`` away from 0, in ``(0, 1e6]``. (As ``s``
        grows the schedule tends to ``alpha_bar_t = (1 - t/T)^2``; beyond ``1e6`` the formula
        loses its accuracy in floating point, and beyond about ``1e15`` every ``beta_t`` is 0.)
    max_beta : float, default 0.999
        Upper clip of ``beta_t``, in ``(0, 1)``.

    Returns
    -------
    NoiseSchedule
    """
    n_steps = check_int("n_steps", n_steps, minimum=1)
    check_memory("n_steps", 8.0 * _SCHEDULE_ARRAYS * (n_steps + 1), what=f"a schedule of {n_steps} steps")
    s = check_positive("offset", offset)
    if s > MAX_OFFSET:
        raise ValueError(f"offset must lie in (0, {MAX_OFFSET:g}], got {s:g}")
    max_beta = check_probability("max_beta", max_beta, open_high=True)
    grid = np.arange(n_steps + 1) / n_steps
    f = np.cos(0.5 * np.pi * (grid + s) / (1.0 + s)) ** 2
    alpha_bar = f / f[0]
    betas = np.clip(1.0 - alpha_bar[1:] / alpha_bar[:-1], 0.0, max_beta)
    return NoiseSchedule(1.0 - betas)


def forward_chain(x_0: Any, schedule: NoiseSchedule, steps: Any, random_state: Any = None) -> np.ndarray:
    """Run the forward Markov chain ``x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps_t`` step by step.

    Unlike :meth:`NoiseSchedule.q_sample` this does not use the closed form of ``q(x_t | x_0)``:
    it simulates the chain (book equation ``q4-eq-forward``), so that it can *check* that form.

    Parameters
    ----------
    x_0 : array_like, shape (n, d) or (n,)
        Starting points.
    schedule : NoiseSchedule
    steps : sequence of int, shape (m,)
        Steps ``t`` in ``0..T`` at which to record the chain (any order, repeats allowed).
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    numpy.ndarray, shape (m, *x_0.shape)
        ``out[i]`` is ``x_{steps[i]}``.
    """
    if not isinstance(schedule, NoiseSchedule):
        raise TypeError(f"schedule must be a NoiseSchedule, got {type(schedule).__name__}")
    x = as_float_array("x_0", x_0, ndim=(1, 2)).copy()
    try:
        wanted = np.asarray(steps)
    except ValueError:  # ragged nested lists
        wanted = np.asarray([], dtype=object)
    if wanted.dtype.kind not in "iu" or wanted.ndim != 1 or wanted.size == 0:
        raise TypeError(f"steps must be a non-empty 1-D sequence of integers, got {steps!r:.60}")
    if wanted.min() < 0 or wanted.max() > schedule.n_steps:
        raise ValueError(f"steps must lie in [0, {schedule.n_steps}], got values in "
                         f"[{wanted.min()}, {wanted.max()}]")
    check_memory("steps", 8.0 * (wanted.size + 2) * x.size,
                 what=f"recording {wanted.size} steps of {x.size} values (len(steps) * x_0.size)")
    rng = check_random_state(random_state)
    out = np.empty((wanted.size, *x.shape))
    out[wanted == 0] = x
    for t in range(1, int(wanted.max()) + 1):
        x *= np.sqrt(schedule.alphas[t - 1])
        x += np.sqrt(schedule.betas[t - 1]) * rng.standard_normal(x.shape)
        if np.any(wanted == t):
            out[wanted == t] = x
    return out


def ancestral_sample(
    schedule: NoiseSchedule,
    denoiser: Callable[[np.ndarray, int], np.ndarray],
    n: int,
    dim: int,
    random_state: Any = None,
    reverse_variance: str = "posterior",
) -> np.ndarray:
    """DDPM ancestral sampling with the forward posterior and a given denoiser ``x_0`` estimate.

    Starting from ``x_T ~ N(0, I)``, for ``t = T, ..., 1``::

        x0_hat  = denoiser(x_t, t)                      # an estimate of E[x_0 | x_t]
        x_{t-1} = mu_q(x_t, x0_hat, t) + sigma_t * z,   z ~ N(0, I)

    with ``sigma_t^2 = sigma_q^2(t)`` (``reverse_variance="posterior"``) or ``beta_t``
    (``"beta"``), the two choices of Ho et al. (2020); no noise is added at ``t = 1`` (book
    equation ``q4-eq-ancestral``).

    Parameters
    ----------
    schedule : NoiseSchedule
    denoiser : callable
        ``denoiser(x_t, t)`` with ``x_t`` of shape (n, dim) returns an array of real, finite
        numbers of shape (n, dim); anything else raises an error naming the step ``t``.
    n, dim : int
        Number of samples and their dimension (refused if ``n * dim`` values would not fit in
        memory: draw them in batches).
    random_state : None, int or numpy.random.Generator
    reverse_variance : {"posterior", "beta"}

    Returns
    -------
    numpy.ndarray, shape (n, dim)
        The samples ``x_0``.
    """
    if not isinstance(schedule, NoiseSchedule):
        raise TypeError(f"schedule must be a NoiseSchedule, got {type(schedule).__name__}")
    check_callable("denoiser", denoiser)
    n = check_int("n", n, minimum=1)
    dim = check_int("dim", dim, minimum=1)
    check_memory("n, dim", 8.0 * 4 * n * dim, what=f"{n} x {dim} samples (n * dim)")
    if not isinstance(reverse_variance, str) or reverse_variance not in ("posterior", "beta"):
        raise ValueError(f"reverse_variance must be 'posterior' or 'beta', got {reverse_variance!r}")
    rng = check_random_state(random_state)
    variances = schedule.posterior_variance(np.arange(1, schedule.n_steps + 1))
    if reverse_variance == "beta":
        variances = schedule.betas
    x = rng.standard_normal((n, dim))
    for t in range(schedule.n_steps, 0, -1):
        x0_hat = _denoised(denoiser(x, t), x.shape, t)
        c_xt, c_x0 = schedule.posterior_coefficients(t)
        x = c_xt * x + c_x0 * x0_hat
        if t > 1:
            x += np.sqrt(variances[t - 1]) * rng.standard_normal(x.shape)
    return x


def _denoised(value: Any, shape: tuple[int, int], t: int) -> np.ndarray:
    """Check what the user's denoiser returned at step ``t``: real numbers, ``shape``, finite."""
    where = f"denoiser(x_t, t) at t = {t}"
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged nested lists
        arr = np.asarray([], dtype=object)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{where} must return an array of real numbers, got {type(value).__name__} "
                        f"of dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{where} must return shape {shape} (the shape of x_t), got {arr.shape}")
    arr = arr.astype(float, copy=False)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{where} returned non-finite values (NaN or inf) at "
                         f"{int(np.sum(~np.isfinite(arr)))} of {arr.size} entries")
    return arr
