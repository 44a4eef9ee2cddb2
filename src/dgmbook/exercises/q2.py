"""Question 2's exercises: the score of N(mu, sigma^2), the Fisher information by Monte Carlo, and
the score-test statistic.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from dgmbook import inference, score
from dgmbook.exercises.engine import Exercise, Mistake, fmt

__all__ = ["EXERCISES"]

# ---------------------------------------------------------------------------------------------
# Question 2: scores, Fisher information, the score test
# ---------------------------------------------------------------------------------------------
def _normal_score_cases(rng):
    return [{"x": rng.normal(0.3, 1.5, 5), "mu": 0.3, "sigma2": 2.5},
            {"x": rng.normal(-1.0, 0.6, (2, 3)), "mu": -1.2, "sigma2": 0.4}]


def _normal_score_ref(x, mu, sigma2):
    return score.normal_score(x, mu, sigma2)


def _normal_finite_difference(run):
    x, mu, s2, h = np.array([-0.7, 0.4, 2.1]), 0.2, 1.7, 1e-5
    got = run(x=x, mu=mu, sigma2=s2)

    def logpdf(m, v):
        return stats.norm.logpdf(x, m, np.sqrt(v))

    fd = np.stack([(logpdf(mu + h, s2) - logpdf(mu - h, s2)) / (2 * h),
                   (logpdf(mu, s2 + h) - logpdf(mu, s2 - h)) / (2 * h)], axis=-1)
    for j, par in enumerate(("μ", "σ²")):
        if not np.allclose(got[..., j], fd[:, j], rtol=2e-4, atol=1e-5):
            return (f"column {j} is not the derivative of log N(x | μ, σ²) with respect to {par}: "
                    f"finite differences give {fmt(fd[:, j])} at x={fmt(x)}, μ={mu}, σ²={s2}; "
                    f"received {fmt(got[..., j])}")
    return None


def _fisher_cases(rng):
    return [{"scores": rng.normal(0.7, 1.0, (200, 2))},
            {"scores": rng.normal(0.0, 1.0, (50, 3)) @ rng.normal(0, 1, (3, 3)) + 0.5}]


def _fisher_ref(scores):
    return score.monte_carlo_fisher_information(scores)[0]


def _fisher_psd(run):
    got = run(scores=np.random.default_rng(5).normal(0, 1, (40, 3)))
    floor = -1e-6 * max(1.0, float(np.abs(got).max()))
    if not np.allclose(got, got.T) or np.linalg.eigvalsh((got + got.T) / 2).min() < floor:
        return ("a Fisher information estimate is a mean of outer products s sᵀ: symmetric and "
                "positive semi-definite")
    return None


def _score_test_cases(rng):
    # The mean, not the rate: in the rate, Wald's statistic n(1 - λ0 x̄)² is the score statistic
    # itself; in the mean, Wald's n(x̄ - θ0)²/x̄² differs from the score's n(x̄ - θ0)²/θ0².
    return [{"x": rng.exponential(0.6, 20), "mean0": 1.0},
            {"x": rng.exponential(0.5, 50), "mean0": 0.35},
            {"x": rng.exponential(2.0, 12), "mean0": 3.0}]


def _score_test_ref(x, mean0):
    n = len(x)
    total_score = np.sum(x - mean0) / mean0**2  # d/dθ of Σ (−log θ − x/θ)
    return float(inference.score_statistic(total_score, n / mean0**2))


def _score_test_zero_at_mle(run):
    x = np.array([0.2, 1.4, 0.7, 0.5])
    got = run(x=x, mean0=float(x.mean()))
    if abs(got) > 1e-6:
        return (f"the score vanishes at the MLE θ̂ = x̄, so the statistic must be 0 there; "
                f"received {fmt(got)}")
    return None


EXERCISES = [
    Exercise(
        "q2-normal-score", "q2", "normal_score", "The score of N(μ, σ²)",
        _normal_score_ref, _normal_score_cases,
        (Mistake("the derivative was taken with respect to σ instead of σ²: ∂/∂σ² = (1/(2σ)) ∂/∂σ, so "
                 "s_σ² = −1/(2σ²) + (x − μ)²/(2σ⁴)",
                 lambda x, mu, sigma2: np.stack([(x - mu) / sigma2, -1 / np.sqrt(sigma2)
                                                 + (x - mu) ** 2 / sigma2**1.5], -1)),
         Mistake("sign error in the score: s_μ = (x − μ)/σ², which is positive when x lies above the mean",
                 lambda x, mu, sigma2: np.stack([(mu - x) / sigma2,
                                                 ((x - mu) ** 2 / sigma2 - 1) / (2 * sigma2)], -1)),
         Mistake("the ½ is missing from s_σ² = −1/(2σ²) + (x − μ)²/(2σ⁴)",
                 lambda x, mu, sigma2: np.stack([(x - mu) / sigma2,
                                                 ((x - mu) ** 2 / sigma2 - 1) / sigma2], -1)),
         Mistake("s_μ divides by σ instead of σ²: s_μ = (x − μ)/σ²",
                 lambda x, mu, sigma2: np.stack([(x - mu) / np.sqrt(sigma2),
                                                 ((x - mu) ** 2 / sigma2 - 1) / (2 * sigma2)], -1))),
        (_normal_finite_difference,),
    ),
    Exercise(
        "q2-fisher-mc", "q2", "fisher_information_mc", "The Fisher information by Monte Carlo",
        _fisher_ref, _fisher_cases,
        (Mistake("the sample mean was subtracted (a covariance): the estimate of I(θ) = E[s sᵀ] is the "
                 "plain mean of the outer products s sᵀ (E[s] = 0 only at the true θ)",
                 lambda scores: np.cov(scores, rowvar=False)),
         Mistake("the sample mean was subtracted (a covariance): the estimate of I(θ) = E[s sᵀ] is the "
                 "plain mean of the outer products s sᵀ (E[s] = 0 only at the true θ)",
                 lambda scores: np.cov(scores, rowvar=False, ddof=0)),
         Mistake("the average score was squared, (mean s)(mean s)ᵀ, instead of averaging s sᵀ",
                 lambda scores: np.outer(scores.mean(0), scores.mean(0))),
         Mistake("the outer products were summed over the draws instead of averaged",
                 lambda scores: scores.T @ scores),
         Mistake("only the element-wise squares were averaged: I(θ) is the matrix E[s sᵀ], off-diagonal "
                 "entries included", lambda scores: np.mean(scores**2, axis=0))),
        (_fisher_psd,),
    ),
    Exercise(
        "q2-score-test", "q2", "score_test_statistic", "The score-test statistic",
        _score_test_ref, _score_test_cases,
        (Mistake("the per-observation information I(θ₀) = 1/θ₀² was used instead of the total "
                 "I_n(θ₀) = n/θ₀²", lambda x, mean0: np.sum(x - mean0) ** 2 / mean0**2),
         Mistake("this is the z statistic S_n/√I_n; the score statistic is its square, S_n²/I_n",
                 lambda x, mean0: np.sum(x - mean0) / (mean0 * np.sqrt(len(x)))),
         Mistake("this is Wald's statistic: the information was evaluated at the MLE θ̂ = x̄ instead of "
                 "at the null θ₀; the score test uses only the null",
                 lambda x, mean0: len(x) * (x.mean() - mean0) ** 2 / x.mean() ** 2),
         Mistake("θ₀ was read as a rate: here the parameter is the mean θ = 1/λ, with score "
                 "Σ (x_i − θ)/θ² and information n/θ²",
                 lambda x, mean0: (len(x) / mean0 - x.sum()) ** 2 * mean0**2 / len(x))),
        (_score_test_zero_at_mle,),
    ),
]
