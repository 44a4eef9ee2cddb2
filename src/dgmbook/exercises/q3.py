"""Question 3's exercises: the score of a Gaussian model and its divergence, and the implicit
score-matching loss.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from dgmbook import score_matching
from dgmbook.exercises.engine import Exercise, Mistake, fmt

__all__ = ["EXERCISES"]

# ---------------------------------------------------------------------------------------------
# Question 3: the model score and the implicit score-matching loss
# ---------------------------------------------------------------------------------------------
def _gauss_cases(rng):
    return [{"x": rng.normal(0, 2, (5, 2)), "mean": np.array([0.5, -1.0]), "variance": 2.0},
            {"x": rng.normal(1, 1, (4, 3)), "mean": np.array([1.0, 0.0, -0.5]), "variance": 0.3}]


def _gauss_ref(x, mean, variance):
    model = score_matching.GaussianScoreModel(mean, variance)
    return model.score(x), model.divergence(x)


def _gauss_finite_difference(run):
    x, mean, var, h = np.array([[0.3, -0.8], [1.5, 0.2]]), np.array([0.1, 0.4]), 1.3, 1e-5
    got_score, _ = run(x=x, mean=mean, variance=var)

    def logp(pts):
        return stats.multivariate_normal.logpdf(pts, mean, var * np.eye(2))

    fd = np.stack([(logp(x + h * e) - logp(x - h * e)) / (2 * h) for e in np.eye(2)], axis=1)
    if not np.allclose(got_score, fd, rtol=1e-4, atol=1e-6):
        return (f"the score is not ∇ₓ log N(x | μ, σ²I): finite differences give {fmt(fd)}, "
                f"received {fmt(got_score)}")
    return None


def _ism_cases(rng):
    return [{"score": rng.normal(0, 1, (8, 2)), "divergence": rng.normal(-1, 1, 8)},
            {"score": rng.normal(0.5, 2, (5, 3)), "divergence": rng.normal(0, 2, 5)}]


def _ism_ref(score, divergence):
    """Mean of dgmbook.score_matching.implicit_sm_terms, from the score and divergence values."""
    return float(np.mean(divergence + 0.5 * np.sum(score**2, axis=1)))


def _ism_permutation(run):
    rng = np.random.default_rng(11)
    s, div = rng.normal(0, 1, (6, 2)), rng.normal(0, 1, 6)
    perm = rng.permutation(6)
    a, b = run(score=s, divergence=div), run(score=s[perm], divergence=div[perm])
    if not np.isclose(a, b, rtol=1e-5, atol=1e-7):
        return "the loss is an average over samples, so reordering the samples must not change it"
    return None


EXERCISES = [
    Exercise(
        "q3-gaussian-score", "q3", "gaussian_score", "The score of a Gaussian model and its divergence",
        _gauss_ref, _gauss_cases,
        (Mistake("sign error in the score: s_θ(x) = ∇ₓ log N(x | μ, σ²I) = −(x − μ)/σ² points towards "
                 "the mean ((x − μ)/σ² is the Fisher score in μ)",
                 lambda x, mean, variance: ((x - mean) / variance, np.full(len(x), x.shape[1] / variance))),
         Mistake("sign error in the score: s_θ(x) = −(x − μ)/σ² points towards the mean",
                 lambda x, mean, variance: ((x - mean) / variance, np.full(len(x), -x.shape[1] / variance))),
         Mistake("the divergence is a trace, tr ∇ₓ s_θ = −d/σ²: one −1/σ² per coordinate",
                 lambda x, mean, variance: (-(x - mean) / variance, np.full(len(x), -1 / variance))),
         Mistake("divided by σ instead of σ²: s_θ(x) = −(x − μ)/σ²",
                 lambda x, mean, variance: (-(x - mean) / np.sqrt(variance),
                                            np.full(len(x), -x.shape[1] / np.sqrt(variance))))),
        (_gauss_finite_difference,),
    ),
    Exercise(
        "q3-ism-loss", "q3", "implicit_sm_loss", "The implicit score-matching loss",
        _ism_ref, _ism_cases,
        (Mistake("the trace (divergence) term is missing: without tr ∇ₓ s_θ the loss is minimised by a "
                 "flat model; L_ISM = E[tr ∇ₓ s_θ(x) + ½‖s_θ(x)‖²]",
                 lambda score, divergence: np.mean(0.5 * np.sum(score**2, 1))),
         Mistake("the trace (divergence) term is missing: E‖s_θ‖² alone (the assignment's loss) is "
                 "minimised by a flat model; L_ISM = E[tr ∇ₓ s_θ(x) + ½‖s_θ(x)‖²]",
                 lambda score, divergence: np.mean(np.sum(score**2, 1))),
         Mistake("the ½ is missing: L_ISM = E[tr ∇ₓ s_θ(x) + ½‖s_θ(x)‖²] (only then does it equal the "
                 "explicit loss up to a constant)",
                 lambda score, divergence: np.mean(divergence + np.sum(score**2, 1))),
         Mistake("sign error on the trace term: integration by parts gives +tr ∇ₓ s_θ",
                 lambda score, divergence: np.mean(-divergence + 0.5 * np.sum(score**2, 1))),
         Mistake("summed over the samples instead of averaging: the loss is an expectation",
                 lambda score, divergence: np.sum(divergence + 0.5 * np.sum(score**2, 1)))),
        (_ism_permutation,),
    ),
]
