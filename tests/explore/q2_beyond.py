"""Reader's changes to book/q2_beyond.md and the claims they must break or leave standing."""

from explore import Scenario

SCENARIOS = [
    Scenario(
        name="fewer-samples",
        edits={"SEED_SIZE, REPS_SIZE = 42, 20_000": "SEED_SIZE, REPS_SIZE = 42, 4_000",
               "SEED_POWER, REPS_POWER = 43, 4_000": "SEED_POWER, REPS_POWER = 43, 1_000",
               "SEED_UNIF, REPS_UNIF = 31, 20_000": "SEED_UNIF, REPS_UNIF = 31, 4_000"},
        holds=("every simulated size is within 4 binomial SE",
               "every simulated rejection rate is within 4 binomial SE",
               "within 4 SE of θ²/(n(n+2))", "under a fifth of it"),
    ),
    Scenario(
        name="larger-samples-only",
        edits={"N_SIZES = (10, 30, 100, 1000)": "N_SIZES = (30, 100, 300, 1000)"},
        fails=("almost twice as often as nominal",),
        holds=("the LR test's exact size is the closest", "within SIZE_TOL of the nominal level"),
    ),
    Scenario(
        name="tiny-uniform-samples",
        edits={"THETA_U, N_UNIF = 2.0, (10, 100)": "THETA_U, N_UNIF = 2.0, (2, 3)"},
        fails=("under a fifth of it",),
        holds=("within 4 SE of θ²/(n(n+2))",),
    ),
    Scenario(  # the Cramér-Rao simulation can fail: the biased max instead of (n+1)/n max
        name="break-unbiased-estimator",
        edits={"est = (n_obs + 1) / n_obs * rng.uniform": "est = 1.0 * rng.uniform"},
        fails=("within 4 SE of θ²/(n(n+2))",),
        holds=("under a fifth of it",),
    ),
    Scenario(  # the location identity can fail: a sign slip in s(θ; x) = -s_θ(x)
        name="break-location-sign",
        edits={"sp.simplify(sp.diff(log_f, theta) + sp.diff(log_f, x)) == 0":
               "sp.simplify(sp.diff(log_f, theta) - sp.diff(log_f, x)) == 0"},
        fails=("Fisher's score is minus the model's data score",),
        holds=("plus the data score is θ0 - θ",),
    ),
]

SETTINGS_RULES = {
    "the prose quotes the exact sizes at n = 10, 30 and 1000": lambda s: {10, 30, 1000} <= set(s["N_SIZES"]),
    "the smallest and largest n of the size table are 10 and 1000":
        lambda s: s["N_SIZES"][0] == 10 and s["N_SIZES"][-1] == 1000,
    "the power comparison is at n = 10, a sample size of the figure, with λ = 0.5 and 2":
        lambda s: (s["N_COMPARE"], s["RATE_LO"], s["RATE_HI"]) == (10, 0.5, 2.0)
        and s["N_COMPARE"] in s["N_POWER"],
    "the local comparison spans n = 10 to 1000 with |h| <= 4":
        lambda s: (s["N_LOCAL"][0], s["N_LOCAL"][-1], s["H_LOCAL"]) == (10, 1000, 4.0),
    "the Monte Carlo checks use enough samples for 4-SE statements":
        lambda s: min(s["REPS_SIZE"], s["REPS_UNIF"]) >= 10_000 and s["REPS_POWER"] >= 1_000,
}
