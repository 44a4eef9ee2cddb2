"""Reader's changes to book/q2_score_functions.md and the claims they must break or leave standing."""

from explore import Scenario

SCENARIOS = [
    Scenario(
        name="fewer-samples",
        edits={"SEED_MEAN, M_DRAWS = 31, 100_000": "SEED_MEAN, M_DRAWS = 31, 10_000",
               "SEED_INFO, M_INFO = 32, 20_000": "SEED_INFO, M_INFO = 32, 4_000",
               "REPS_AN, RATE_AN = 44, 20_000": "REPS_AN, RATE_AN = 44, 4_000",
               "REPS_CI, LEVEL_CI = 45, 20_000": "REPS_CI, LEVEL_CI = 45, 4_000"},
        holds=("Part 3.1: the mean of each family's simulated scores is within 4 SE",
               "Part 3.2: every Monte Carlo information estimate is within 4 SE",
               "Part 4.2: the simulated mean, distribution function and variance",
               "Part 4.3: every simulated coverage is within 4 binomial SE"),
    ),
    Scenario(  # another Cauchy sample: no outlier, one maximum, Newton from the mean finds the MLE
        name="cauchy-sample-without-outlier",
        edits={"SEED_CAUCHY, N_CAUCHY, GAMMA = 4, 30, 1.0": "SEED_CAUCHY, N_CAUCHY, GAMMA = 0, 30, 1.0"},
        fails=("exactly two local maxima", "That root is a local minimum"),
        holds=("Newton from the median ends at the global maximum",
               "Fisher scoring from the median ends at the same MLE",
               "Newton's number of correct digits roughly doubles"),
    ),
    Scenario(  # Newton's step made a Fisher-scoring step: its convergence is no longer quadratic
        name="break-newton-step",
        edits={"/ observed_information(x, th))": "/ info_n)"},
        fails=("Newton's number of correct digits roughly doubles",
               "Newton from the mean ends between the MLE and the outlier"),
        holds=("Fisher scoring's error shrinks per step by the predicted factor",),
    ),
    Scenario(  # a factor slip in the observed information: the predicted rate no longer matches
        name="break-observed-information",
        edits={"return np.sum(2 * (scale**2 - r2)": "return np.sum(1 * (scale**2 - r2)"},
        fails=("Fisher scoring's error shrinks per step by the predicted factor",),
        holds=("Fisher scoring from the median converges",),
    ),
    Scenario(  # a sign slip in the score near the spurious root: the iteration descends, the minimum attracts
        name="break-score-sign-near-minimum",
        edits={"away = [np.abs(fisher_scoring(lambda th: cauchy_location_score(":
               "away = [np.abs(fisher_scoring(lambda th: -cauchy_location_score("},
        fails=("moves away from it at every step",),
        holds=("At the spurious root Fisher scoring's rate 1 - J_n/I_n exceeds 1",
               "Fisher scoring from the sample mean climbs straight to the MLE"),
    ),
    Scenario(  # a slip in the quadratic approximation's gap: the closed form no longer matches ℓ_n
        name="break-quadratic-gap",
        edits={"n_obs * (a_grid - 1) ** 2 / 2": "n_obs * (a_grid - 1) ** 2 / 3"},
        fails=("The gap is exactly",),
        holds=("The observed curvature at the peak is I_n",),
    ),
]

SETTINGS_RULES = {
    "the prose quotes the coverages at n = 2, 5, 20 and 200, and its n = 2 decomposition is the "
    "first n": lambda s: {2, 5, 20, 200} <= set(s["N_CI"]) and s["N_CI"][0] == 2,
    "the prose quotes the Exponential MLE at n = 5, 20, 100 and 1000":
        lambda s: {5, 20, 100, 1000} <= set(s["N_AN"]),
    "the curvature sentence quotes n = 5 and n = 100 as the first and last sizes":
        lambda s: s["N_CURV"][0] == 5 and s["N_CURV"][-1] == 100,
    "the Part 1.2 text describes the sample with an outlier (seed 4, n = 30)":
        lambda s: (s["SEED_CAUCHY"], s["N_CAUCHY"]) == (4, 30),
    "the Monte Carlo checks use at least 10,000 replications (the stated SE)":
        lambda s: min(s["M_INFO"], s["REPS_AN"], s["REPS_CI"]) >= 10_000,
}
