"""Question 4's exercises: the forward-process posterior mean and variance, and a sample of
q(x_t | x_0).
"""

from __future__ import annotations

import numpy as np

from dgmbook import diffusion
from dgmbook.exercises.engine import Exercise, Mistake, close, fmt

__all__ = ["EXERCISES"]

# ---------------------------------------------------------------------------------------------
# Question 4: the forward-process posterior and the forward marginal
# ---------------------------------------------------------------------------------------------
def _alphas(rng, T=10):
    return 1.0 - np.sort(rng.uniform(0.05, 0.4, T))


def _mean_cases(rng):
    alphas = _alphas(rng)
    return [{"x_t": rng.normal(0, 1, (5, 2)), "x_0": rng.normal(0, 1, (5, 2)), "t": 4, "alphas": alphas},
            {"x_t": rng.normal(0, 1, 6), "x_0": rng.normal(1, 1, 6), "t": 7, "alphas": alphas}]


def _mean_ref(x_t, x_0, t, alphas):
    return diffusion.NoiseSchedule(alphas).posterior_mean(x_t, x_0, t)


def _mean_formula(shift_prev=0, shift_t=0, swap=False, sqrt=True):
    """mu_q with alpha_bar_{t-1} read at t-1+shift_prev and alpha_bar_t at t+shift_t."""
    def wrong(x_t, x_0, t, alphas):
        bars = np.concatenate([[1.0], np.cumprod(alphas)])
        a, ab, ab_prev = alphas[t - 1], bars[t + shift_t], bars[t - 1 + shift_prev]
        root = np.sqrt if sqrt else (lambda z: z)
        c_t, c_0 = root(a) * (1 - ab_prev) / (1 - ab), root(ab_prev) * (1 - a) / (1 - ab)
        return c_0 * x_t + c_t * x_0 if swap else c_t * x_t + c_0 * x_0
    return wrong


def _mean_at_one(run):
    rng = np.random.default_rng(2)
    x_t, x_0 = rng.normal(0, 1, 4), rng.normal(0, 1, 4)
    got = run(x_t=x_t, x_0=x_0, t=1, alphas=np.array([0.9, 0.8, 0.7]))
    if not close(got, x_0):
        return f"at t = 1, ᾱ₀ = 1, so μ_q(x_1, x_0, 1) = x_0 = {fmt(x_0)}; received {fmt(got)}"
    return None


def _variance_cases(rng):
    alphas = _alphas(rng)
    return [{"t": t, "alphas": alphas} for t in (3, 5, 8)]


def _variance_ref(t, alphas):
    return diffusion.NoiseSchedule(alphas).posterior_variance(t)


def _variance_formula(shift_prev=0, shift_t=0, use_alpha=False):
    def wrong(t, alphas):
        bars = np.concatenate([[1.0], np.cumprod(alphas)])
        factor = alphas[t - 1] if use_alpha else 1 - alphas[t - 1]
        return factor * (1 - bars[t - 1 + shift_prev]) / (1 - bars[t + shift_t])
    return wrong


def _variance_limits(run):
    alphas = np.array([0.9, 0.8, 0.7, 0.6])
    first = run(t=1, alphas=alphas)
    if abs(first) > 1e-7:
        return f"σ_q²(1) = 0: x_0 and x_1 determine x_0 exactly; received {fmt(first)}"
    for t in (2, 3, 4):
        if run(t=t, alphas=alphas) > (1 - alphas[t - 1]) * (1 + 1e-5):
            return (f"σ_q²(t) ≤ β_t must hold (conditioning on x_0 can only remove uncertainty); "
                    f"fails at t={t}")
    return None


def _sample_cases(rng):
    alphas = _alphas(rng)
    cases = []
    for t, shape in ((3, (5, 2)), (9, (6,))):
        x_0 = rng.normal(0, 1, shape)
        _, eps = diffusion.NoiseSchedule(alphas).q_sample(x_0, t, random_state=rng)
        cases.append({"x_0": x_0, "t": t, "alphas": alphas, "eps": eps})
    return cases


def _sample_ref(x_0, t, alphas, eps):
    ab = diffusion.NoiseSchedule(alphas).alpha_bar(t)
    return np.sqrt(ab) * x_0 + np.sqrt(1.0 - ab) * eps


def _sample_formula(shift=0, one_step=False, noise_power=0.5, signal_power=0.5):
    def wrong(x_0, t, alphas, eps):
        bars = np.concatenate([[1.0], np.cumprod(alphas)])
        ab = alphas[t - 1] if one_step else bars[t + shift]
        return ab**signal_power * x_0 + (1.0 - ab) ** noise_power * eps
    return wrong


def _sample_at_zero(run):
    x_0 = np.array([0.5, -1.5, 2.0])
    got = run(x_0=x_0, t=0, alphas=np.array([0.9, 0.8]), eps=np.array([1.0, -1.0, 0.3]))
    if not close(got, x_0):
        return f"at t = 0 there is no noise yet (ᾱ₀ = 1): x_0 must come back; received {fmt(got)}"
    return None


_ALPHA_BAR_OFF = ("ᾱ is indexed one step off: μ_q needs ᾱ_{t−1} and ᾱ_t, and with "
                  "np.cumprod(alphas) the value ᾱ_t sits at index t − 1")


EXERCISES = [
    Exercise(
        "q4-posterior-mean", "q4", "posterior_mean", "The posterior mean μ_q(x_t, x_0, t)",
        _mean_ref, _mean_cases,
        (Mistake(_ALPHA_BAR_OFF, _mean_formula(shift_prev=1)),
         Mistake(_ALPHA_BAR_OFF, _mean_formula(shift_prev=1, shift_t=1)),
         Mistake(_ALPHA_BAR_OFF, _mean_formula(shift_prev=-1, shift_t=-1)),
         Mistake(_ALPHA_BAR_OFF, _mean_formula(shift_t=-1)),
         Mistake("the coefficients of x_t and x_0 are swapped: x_t is weighted by √α_t (1 − ᾱ_{t−1}), "
                 "x_0 by √ᾱ_{t−1} (1 − α_t)", _mean_formula(swap=True)),
         Mistake("the square roots are missing: the weights are √α_t and √ᾱ_{t−1}",
                 _mean_formula(sqrt=False))),
        (_mean_at_one,),
    ),
    Exercise(
        "q4-posterior-variance", "q4", "posterior_variance", "The posterior variance σ_q²(t)",
        _variance_ref, _variance_cases,
        (Mistake("this is β_t, the upper bound (DDPM's other choice): σ_q²(t) = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t); "
                 "reading ᾱ_t where ᾱ_{t−1} belongs (one step off) gives exactly β_t",
                 lambda t, alphas: 1 - alphas[t - 1]),
         Mistake(_ALPHA_BAR_OFF.replace("μ_q", "σ_q²"), _variance_formula(shift_prev=1, shift_t=1)),
         Mistake(_ALPHA_BAR_OFF.replace("μ_q", "σ_q²"), _variance_formula(shift_prev=-1, shift_t=-1)),
         Mistake("α_t stands where β_t = 1 − α_t belongs", _variance_formula(use_alpha=True))),
        (_variance_limits,),
    ),
    Exercise(
        "q4-q-sample", "q4", "q_sample", "A sample of q(x_t | x_0)",
        _sample_ref, _sample_cases,
        (Mistake("ᾱ is indexed one step off: x_t needs ᾱ_t, and with np.cumprod(alphas) it sits at "
                 "index t − 1", _sample_formula(shift=-1)),
         Mistake("ᾱ is indexed one step off: x_t needs ᾱ_t, and with np.cumprod(alphas) it sits at "
                 "index t − 1", _sample_formula(shift=1)),
         Mistake("α_t (one step) stands where ᾱ_t = α_1 ⋯ α_t (the whole chain from x_0) belongs",
                 _sample_formula(one_step=True)),
         Mistake("the noise is scaled by the variance 1 − ᾱ_t instead of the standard deviation √(1 − ᾱ_t)",
                 _sample_formula(noise_power=1.0)),
         Mistake("x_0 is scaled by ᾱ_t instead of √ᾱ_t", _sample_formula(signal_power=1.0))),
        (_sample_at_zero,),
    ),
]
