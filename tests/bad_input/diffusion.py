"""Bad input for ``dgmbook.diffusion``: schedules, the posterior, the forward chain, the sampler."""

from __future__ import annotations

import numpy as np

from bad_input import bad
from dgmbook.diffusion import (
    NoiseSchedule,
    ancestral_sample,
    cosine_schedule,
    forward_chain,
    linear_schedule,
)

S = NoiseSchedule([0.9, 0.8, 0.5])
X = np.zeros((4, 2))


def _identity(x_t, t):
    return x_t


def _nan_denoiser(x_t, t):
    return np.full_like(x_t, np.nan)


def _inf_late_denoiser(x_t, t):
    """Finite at first, inf from step 2 on: the error must say at which step."""
    return x_t if t > 2 else np.full_like(x_t, np.inf)


CASES = {
    "NoiseSchedule": [
        bad(lambda: NoiseSchedule([0.5, 1.2]), ValueError, "alphas", "(0, 1]"),
        bad(lambda: NoiseSchedule([0.0, 0.5]), ValueError, "alphas", "(0, 1]"),
        bad(lambda: NoiseSchedule([1.0, 0.5]), ValueError, "alphas[0]", "< 1",
            why="alpha_1 = 1 makes sigma_q^2 0 / 0"),
        bad(lambda: NoiseSchedule([0.9, np.nan]), ValueError, "alphas", "finite"),
        bad(lambda: NoiseSchedule(["a", "b"]), TypeError, "alphas"),
        bad(lambda: NoiseSchedule([[0.9, 0.8]]), ValueError, "alphas", "ndim"),
        bad(lambda: NoiseSchedule([]), ValueError, "alphas", "empty"),
        bad(lambda: NoiseSchedule(0.9), ValueError, "alphas", "ndim"),
    ],
    "NoiseSchedule.alpha": [
        bad(lambda: S.alpha(0), ValueError, "t", ">= 1"),
        bad(lambda: S.alpha(4), ValueError, "t", "<= 3"),
        bad(lambda: S.alpha(np.array([1.5])), TypeError, "t", "integer"),
        bad(lambda: S.alpha(True), TypeError, "t", "integer"),
    ],
    "NoiseSchedule.beta": [
        bad(lambda: S.beta(np.array([1, 9])), ValueError, "t", "[1, 3]"),
        bad(lambda: S.beta("2"), TypeError, "t", "integer"),
        bad(lambda: S.beta(np.array([], dtype=int)), ValueError, "t", "empty"),
    ],
    "NoiseSchedule.alpha_bar": [
        bad(lambda: S.alpha_bar(-1), ValueError, "t", ">= 0"),
        bad(lambda: S.alpha_bar(np.array([[0, 1]])), TypeError, "t", "1-D"),
        bad(lambda: S.alpha_bar(None), TypeError, "t", "integer"),
    ],
    "NoiseSchedule.posterior_coefficients": [
        bad(lambda: S.posterior_coefficients(0), ValueError, "t", ">= 1"),
        bad(lambda: S.posterior_coefficients(2.0), TypeError, "t", "integer"),
    ],
    "NoiseSchedule.posterior_variance": [
        bad(lambda: S.posterior_variance(4), ValueError, "t", "<= 3"),
        bad(lambda: S.posterior_variance([1.0, 2.0]), TypeError, "t", "integer"),
        bad(lambda: S.posterior_variance(np.bool_(True)), TypeError, "t", "integer"),
    ],
    "NoiseSchedule.posterior_mean": [
        bad(lambda: S.posterior_mean(X, np.zeros((4, 1)), 2), ValueError, "x_t", "x_0", "shape"),
        bad(lambda: S.posterior_mean(X, X, 1.0), TypeError, "t", "integer"),
        bad(lambda: S.posterior_mean(X, X, 0), ValueError, "t", ">= 1"),
        bad(lambda: S.posterior_mean([np.nan, 0.0], [0.0, 0.0], 2), ValueError, "x_t", "finite"),
        bad(lambda: S.posterior_mean(X, "x0", 2), TypeError, "x_0", "real numbers"),
        bad(lambda: S.posterior_mean(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), 2), ValueError,
            "x_t", "ndim"),
    ],
    "NoiseSchedule.q_sample": [
        bad(lambda: S.q_sample(X, 4, random_state=0), ValueError, "t", "<= 3"),
        bad(lambda: S.q_sample(X, 1, random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: S.q_sample(X, 1, random_state="seed"), TypeError, "random_state"),
        bad(lambda: S.q_sample([[1.0, np.inf]], 1, random_state=0), ValueError, "x_0", "finite"),
        bad(lambda: S.q_sample(X, 1.0, random_state=0), TypeError, "t", "integer"),
    ],
    "linear_schedule": [
        bad(lambda: linear_schedule(beta_start=1e-20), ValueError, "beta_start", "[1.11e-16, 1)",
            why="alpha_1 = 1 - 1e-20 rounds to 1: the error blamed alphas[0]"),
        bad(lambda: linear_schedule(0), ValueError, "n_steps", ">= 1"),
        bad(lambda: linear_schedule(10, beta_end=1.5), ValueError, "beta_end", "(0, 1)"),
        bad(lambda: linear_schedule(10, beta_start=0.0), ValueError, "beta_start", "(0, 1)"),
        bad(lambda: linear_schedule(10.0), TypeError, "n_steps", "integer"),
        bad(lambda: linear_schedule(10**12), ValueError, "n_steps", "memory",
            why="would allocate many GiB"),
        bad(lambda: linear_schedule(10, beta_end="0.02"), TypeError, "beta_end", "real number"),
    ],
    "cosine_schedule": [
        bad(lambda: cosine_schedule(offset=1e300), ValueError, "offset", "(0, 1e+06]",
            why="every beta_t rounds to 0: the error blamed alphas[0]"),
        bad(lambda: cosine_schedule(10, offset=-0.1), ValueError, "offset", "> 0"),
        bad(lambda: cosine_schedule(10, offset=np.nan), ValueError, "offset", "finite"),
        bad(lambda: cosine_schedule(10, max_beta=1.0), ValueError, "max_beta", "(0, 1)"),
        bad(lambda: cosine_schedule(True), TypeError, "n_steps", "integer"),
        bad(lambda: cosine_schedule(10, offset=None), TypeError, "offset", "real number"),
        bad(lambda: cosine_schedule(10**11), ValueError, "n_steps", "memory"),
    ],
    "forward_chain": [
        bad(lambda: forward_chain(X, [0.9, 0.8], [1]), TypeError, "schedule", "NoiseSchedule"),
        bad(lambda: forward_chain(X, S, [4]), ValueError, "steps", "[0, 3]"),
        bad(lambda: forward_chain(X, S, [0.5]), TypeError, "steps", "integers"),
        bad(lambda: forward_chain(X, S, []), TypeError, "steps", "non-empty"),
        bad(lambda: forward_chain(X, S, 2), TypeError, "steps", "1-D"),
        bad(lambda: forward_chain(X, S, [True, False]), TypeError, "steps", "integers"),
        bad(lambda: forward_chain(X, S, [[1], [1, 2]]), TypeError, "steps", "integers"),
        bad(lambda: forward_chain(X, S, [1], random_state=-1), ValueError, "random_state"),
        bad(lambda: forward_chain([[np.nan]], S, [1]), ValueError, "x_0", "finite"),
        bad(lambda: forward_chain(np.zeros((10**5, 1)), S, [1] * 10**4), ValueError, "steps",
            "memory", why="10**9 recorded values would not fit"),
    ],
    "ancestral_sample": [
        bad(lambda: ancestral_sample(S, _nan_denoiser, 5, 2, random_state=0), ValueError,
            "denoiser", "NaN", why="used to return all-NaN samples without a word"),
        bad(lambda: ancestral_sample(S, _inf_late_denoiser, 5, 2, random_state=0), ValueError,
            "denoiser", "t = 2", "non-finite"),
        bad(lambda: ancestral_sample(S, lambda x, t: x[:, :1], 5, 2, random_state=0), ValueError,
            "denoiser", "shape", "(5, 2)"),
        bad(lambda: ancestral_sample(S, lambda x, t: None, 5, 2, random_state=0), TypeError,
            "denoiser", "real numbers"),
        bad(lambda: ancestral_sample(S, lambda x, t: x.astype(complex), 5, 2, random_state=0),
            TypeError, "denoiser", "real numbers"),
        bad(lambda: ancestral_sample(S, 3, 5, 2), TypeError, "denoiser", "callable"),
        bad(lambda: ancestral_sample(S, _identity, 5, 2, random_state=-1), ValueError,
            "random_state", "non-negative"),
        bad(lambda: ancestral_sample([0.9, 0.8], _identity, 5, 2), TypeError, "schedule"),
        bad(lambda: ancestral_sample(S, _identity, 0, 2), ValueError, "n", ">= 1"),
        bad(lambda: ancestral_sample(S, _identity, 5, 2.0), TypeError, "dim", "integer"),
        bad(lambda: ancestral_sample(S, _identity, 5, 2, reverse_variance="learned"), ValueError,
            "reverse_variance", "'posterior' or 'beta'"),
        bad(lambda: ancestral_sample(S, _identity, 5, 2, reverse_variance=True), ValueError,
            "reverse_variance", "'posterior' or 'beta'"),
        bad(lambda: ancestral_sample(S, _identity, 10**6, 10**4), ValueError, "n, dim",
            "memory", why="would allocate 80 GB"),
    ],
}

VALID = [
    # numpy integer scalars and integer arrays of any integer dtype as steps
    lambda: S.alpha(np.int64(2)),
    lambda: S.posterior_variance(np.array([1, 2, 3], dtype=np.uint8)),
    lambda: S.alpha_bar(np.int32(0)),
    lambda: S.posterior_mean([[1.0, 2.0]], [[0, 1]], np.int16(3)),
    lambda: S.q_sample([1, 2, 3], 0, random_state=np.int64(5)),
    lambda: S.q_sample(np.float32([1.0, 2.0]), 3, random_state=np.random.default_rng(1)),
    # alphas of exactly 1 after the first step, given as a list of ints and floats
    lambda: NoiseSchedule([0.5, 1, 1.0]),
    # a one-step schedule, a decreasing linear schedule, the smallest allowed beta_start
    lambda: linear_schedule(1),
    lambda: linear_schedule(np.int64(20), beta_start=0.05, beta_end=1e-4),
    lambda: linear_schedule(5, beta_start=float(np.finfo(float).epsneg)),
    # a large offset, still accurate; a numpy integer number of steps
    lambda: cosine_schedule(np.int32(10), offset=1e6, max_beta=np.float64(0.5)),
    # steps in any order with repeats, as a numpy array; a 1-D x_0 (n points in one dimension)
    lambda: forward_chain([0.0, 1.0], S, np.array([3, 0, 3, 1]), random_state=0),
    # a denoiser returning a list of lists of ints, and one returning float32
    lambda: ancestral_sample(S, lambda x, t: [[0, 0]] * len(x), 3, 2, random_state=0),
    lambda: ancestral_sample(S, lambda x, t: x.astype(np.float32), 3, 2, random_state=0,
                             reverse_variance="beta"),
]
