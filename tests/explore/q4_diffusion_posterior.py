"""Reader's changes to Question 4's chapter, and what they do to its checked claims."""

from . import Scenario

SCENARIOS = [
    # A shorter chain with the same betas: the signal is not gone at t = T for the linear schedule.
    Scenario(
        name="shorter-chain",
        edits={"T = 1000 ": "T = 300 "},
        fails=("abar_T is tiny (linear)",),
        holds=("Item 2: every moment condition", "sigma_q^2 / beta_t is above 0.97 by t = 100 (linear)",
               "abar_T is tiny (cosine)"),
    ),
    # Fewer chains: the Monte Carlo checks scale their tolerance with the sample and still hold.
    Scenario(
        name="fewer-chains",
        edits={"N_CHAINS = 20_000 ": "N_CHAINS = 4_000 "},
        holds=("Item 1: the simulated residual", "Item 2: every moment condition",
               "standardised residuals follow N(0, 1)"),
    ),
    # Slips in the assignment's formulas as typed, to show that the checks can fail.
    Scenario(
        name="slip-in-sigma_q",
        edits={"VAR_Q = (1 - alpha) * (1 - abar_prev) / (1 - abar)":
               "VAR_Q = (1 - alpha) * (1 - abar_prev) / (1 - abar_prev)"},
        fails=("beta_t - sigma_q^2 = abar_{t-1} beta_t^2", "1 / lambda_t - sigma_q^2"),
    ),
    Scenario(
        name="slip-in-mu_q",
        edits={"+ sp.sqrt(abar_prev) * (1 - alpha) * x0) / (1 - abar)":
               "+ sp.sqrt(abar_prev) * alpha * x0) / (1 - abar)"},
        fails=("the package's coefficients of mu_q equal the assignment's formula",
               "b_t / lambda_t - mu_q"),
        holds=("Item 2: every moment condition",),
    ),
]

SETTINGS_RULES = {
    "the text reports the point mass at t = 1 from the simulation": lambda s: 1 in s["CHECK_STEPS"],
    "the residual figure draws steps that were simulated (t >= 2)": (
        lambda s: set(s["RESIDUAL_STEPS"]) <= set(s["CHECK_STEPS"]) - {1}),
    "the text quotes values at t = 100 and the cosine schedule's last steps": lambda s: s["T"] >= 200,
}
