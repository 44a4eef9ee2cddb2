"""Question 3 (beyond page): a reader's changes and the claims they break or leave standing."""

from explore import Scenario

SCENARIOS = [
    # Tweedie (the referee found the orthogonality tests too weak to catch a wrong noise variance):
    # the independent closed form of E[x0 | xt] catches it.
    Scenario(
        name="tweedie-with-a-wrong-noise-variance",
        edits={"noise_var=1 - alpha_bar)": "noise_var=1.03 - alpha_bar)"},
        fails=("the score-based denoiser equals the closed form of E[x0 | xt]",),
        holds=("DSM: over the grid, DSM minus explicit SM on p_w stays within 4 SE of C_w",),
    ),
    # The oracle with the sign of its correction flipped is no longer the minimiser in mu.
    Scenario(
        name="oracle-sign-slip",
        edits={"mu_oracle = xr.mean() + SIGMA2_FIXED * psi_r.mean()":
               "mu_oracle = xr.mean() - SIGMA2_FIXED * psi_r.mean()"},
        fails=("is the minimiser in mu of the sample explicit loss",),
        holds=("Sliced SM: both Hutchinson estimators are unbiased",),
    ),
    # Several projections per point: Hutchinson's estimator averages them, so the 2-D Rademacher
    # error is no longer +-2 A_12 at every draw; the unbiasedness and the Gaussian formula
    # (divided by the number of projections) still hold.
    Scenario(
        name="four-projections",
        edits={"N_PROJECTIONS = 1 ": "N_PROJECTIONS = 4 "},
        fails=("in 2-D the squared Rademacher error equals",),
        holds=("both Hutchinson estimators are unbiased",
               "for Gaussian directions the mean squared error agrees",
               "the sliced objective equals the implicit one on average"),
    ),
    # Almost no noise: DSM's minimiser sits at the clean data's spread, which the page says it
    # does not (at w = 1).
    Scenario(
        name="tiny-noise-variance",
        edits={"NOISE_VAR = 1.0 ": "NOISE_VAR = 0.05 "},
        fails=("the grid minimiser is not the clean data's spread",),
        holds=("the grid minimiser matches the noised data's spread",),
    ),
    # Too few pairs to learn the score: the learned denoiser is no longer close to the exact one.
    Scenario(
        name="few-dsm-pairs",
        edits={"N_DSM_TRAIN = 5000 ": "N_DSM_TRAIN = 20 "},
        fails=("has an MSE within 0.01 of the exact Tweedie denoiser's",),
        holds=("Tweedie: its MSE is below the best linear denoiser's",),
    ),
]
