"""Reader's changes to the beyond page of Question 4, and what they do to its checked claims."""

from . import Scenario

SCENARIOS = [
    # Fewer samples: the affine control and the short chain can no longer be told from the data.
    Scenario(
        name="fewer-samples",
        edits={"N_SAMPLES = 2000 ": "N_SAMPLES = 200 "},
        fails=("the affine denoiser's output differs from the data",
               "steps the same test rejects"),
        holds=("Isotropy", "The noise predictor: quadrature and Tweedie",
               "follows its exact Gaussian law"),
    ),
    # The ablation with as many steps as the main run: the short chain's errors are gone.
    Scenario(
        name="ablation-with-many-steps",
        edits={"ABLATION_T = 10 ": "ABLATION_T = 1000 "},
        fails=("steps the same test rejects",),
        holds=("the test sees no error",),
    ),
    # A gentler linear schedule (beta_T ten times smaller): the signal is not gone at t = T.
    Scenario(
        name="gentle-linear-schedule",
        edits={'"linear": linear_schedule(T)': '"linear": linear_schedule(T, 1e-4, 0.002)'},
        fails=("abar_T is about 0 (linear)",),
        holds=("abar_T is about 0 (cosine)", "Isotropy"),
    ),
    # A point between the first two modes among the five: there the true step exceeds beta_t.
    Scenario(
        name="point-between-modes",
        edits={"X_T_POINTS = [-2.0, -0.8, 0.0, 1.0, 2.5]": "X_T_POINTS = [-2.0, -1.0, 0.0, 1.0, 2.5]"},
        fails=("at the five points the page's wide data stay below beta_t",),
        holds=("between modes the wide data exceed beta_t", "less than 1% of its mass"),
    ),
    # Slips in the mathematics, to show that the checks can fail.
    Scenario(
        name="slip-law-of-total-variance",
        edits={"by_parts.append(sched.posterior_variance(t) + c_x0**2 * var_x0)":
               "by_parts.append(sched.posterior_variance(t) + c_x0 * var_x0)"},
        fails=("(law of total variance)",),
        holds=("closed form of Var[x_0 | x_t]",),
    ),
    Scenario(
        name="slip-coefficient-c_t",
        edits={"c_t = sp.sqrt(abar_prev) * beta / (1 - abar)":
               "c_t = sp.sqrt(abar_prev) * beta / (1 - abar_prev)"},
        fails=("c_t is the coefficient of x_0", "SymPy reduces sigma_q^2 + c_t^2"),
    ),
    Scenario(
        name="slip-gaussian-data-precision",
        edits={"var_x0_gauss = 1 / (1 / tau2 + abar / (1 - abar))":
               "var_x0_gauss = 1 / (1 / tau2 + 1 / (1 - abar))"},
        fails=("for Gaussian data of variance tau^2",),
        holds=("over beta_t in the scan is above one",),
    ),
    Scenario(
        name="slip-affine-law",
        edits={"law_var = (c_xt + c_x0 * gain) ** 2 * law_var":
               "law_var = (c_xt + c_x0 * gain) * law_var"},
        fails=("follows its exact Gaussian law",),
    ),
]

SETTINGS_RULES = {
    "the text speaks of five points x_t and three steps": (
        lambda s: len(s["X_T_POINTS"]) == 5 and len(s["REVERSE_STEPS"]) == 3),
    "the text compares the first two reverse steps, the second later than the first": (
        lambda s: s["REVERSE_STEPS"][0] < s["REVERSE_STEPS"][1]),
    "the scan draws x_t at the reverse steps' first two t (typical spread against the grid)": (
        lambda s: set(s["REVERSE_STEPS"][:2]) <= set(s["SCAN_STEPS"])),
    "the short chain of the ablation is much shorter than the main one": (
        lambda s: s["ABLATION_T"] * 10 <= s["T"]),
    "the scan's first step is one where the ratio is large (t >= 2, since sigma_q^2(1) = 0)": (
        lambda s: s["SCAN_STEPS"][0] >= 2 and sorted(s["SCAN_STEPS"]) == s["SCAN_STEPS"]),
}
