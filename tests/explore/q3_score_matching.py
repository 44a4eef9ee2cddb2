"""Question 3 (core page): a reader's changes and the claims they break or leave standing."""

from explore import Scenario

SCENARIOS = [
    # Part 2.2 (the referee's named defect): the fit is now checked against a numerical minimisation
    # of the implicit objective, so the familiar slip of the unbiased variance is caught.
    Scenario(
        name="unbiased-variance-fit",
        edits={"fit = fit_gaussian_implicit(sample)":
               "fit = GaussianScoreModel(sample.mean(), sample.var(ddof=1))"},
        fails=("the closed-form fit (sample mean, biased variance) is the numerical minimiser",
               "the fit solves the likelihood equations",
               "the fit is a stationary point of the empirical implicit objective"),
        holds=("(m, tau^2) is the only stationary point of L_ISM",
               "over the grid, L_ESM - L_ISM stays within 4 SE"),
    ),
    # Part 1.2: a sign slip in Step 1's expansion is caught by the quadrature of the definition.
    Scenario(
        name="sign-slip-in-step-1",
        edits={"esm = integral(p * s**2) / 2 - cross + C_sym":
               "esm = integral(p * s**2) / 2 + cross + C_sym"},
        fails=("the expanded L_ESM agrees with quadrature of its definition",),
        holds=("SymPy finds E[s psi] = -E[s']", "SymPy's C agrees with quadrature"),
    ),
    # Part 2.1: a wrong moment, E[x psi] = +1 instead of -1 (the sign of the integration by parts).
    Scenario(
        name="wrong-moment-of-psi",
        edits={"(1, 1): -1,": "(1, 1): 1,"},
        fails=("SymPy's L_ESM equals (q3-eq-gauss-esm)",),
        holds=("SymPy's L_ISM equals (q3-eq-gauss-ism)",),
    ),
    # A reader's grid that stops below the data's standard deviation (about 1.73): the minimiser
    # sits at the grid's edge, far from it, where L_ISM is still positive (+0.03); the equivalence
    # itself still holds.
    Scenario(
        name="grid-below-the-data-spread",
        edits={"SIGMA_MAX = 10.0": "SIGMA_MAX = 1.2"},
        fails=("grid minimiser lies next to the data's standard deviation",
               "the implicit objective is negative at its minimum"),
        holds=("over the grid, L_ESM - L_ISM stays within 4 SE",
               "the explicit and the implicit objective have the same grid minimiser",
               "the assignment's loss is smallest at the grid's largest sigma",
               "the closed-form fit (sample mean, biased variance) is the numerical minimiser"),
    ),
    # Another seed and a smaller fit sample: every claim still holds.
    Scenario(
        name="another-seed-smaller-samples",
        edits={"SEED = 2024": "SEED = 7", "N_FIT = 500": "N_FIT = 50",
               "N_SAMPLES = 20_000": "N_SAMPLES = 5_000"},
        holds=("over the grid, L_ESM - L_ISM stays within 4 SE",
               "the implicit objective is negative at its minimum",
               "the closed-form fit (sample mean, biased variance) is the numerical minimiser",
               "the fit is a stationary point of the empirical implicit objective"),
    ),
]
