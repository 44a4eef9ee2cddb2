"""Reader's changes to book/q1_beyond.md and the claims they must break or leave standing."""

from explore import Scenario

SCENARIOS = [
    # Too few cheap AIS runs to see the downward bias of log Z-hat, which still holds on average.
    Scenario(
        name="few-cheap-ais-runs",
        edits={"AIS_REPS = 1500": "AIS_REPS = 30"},
        fails=("log Z-hat underestimates log Z",),
        holds=("both AIS estimates are within four standard errors", "ML converged",
               "every CD-k fixed point loses penalised likelihood"),
    ),
    # Slips: the penalty added instead of subtracted, +Var/2 for -Var/2 in Jensen's gap, and a
    # sign lost on ||W|| in the scan over decays.
    Scenario(
        name="slips-in-the-mathematics",
        edits={
            "log_likelihood(rbm, bas) - FP_DECAY / 2": "log_likelihood(rbm, bas) + FP_DECAY / 2",
            "abs(d.mean() + d.var(ddof=1) / 2)": "abs(d.mean() - d.var(ddof=1) / 2)",
            "norms.append(np.linalg.norm(lower.W))": "norms.append(-np.linalg.norm(lower.W))",
        },
        fails=("most of the loss in l alone is the penalty ML pays",
               "'close to minus half its variance'", "as the decay is lowered ||W|| rises"),
        holds=("Z-hat / Z is 'consistent with 1'", "CD-k stops where ML would not"),
    ),
]

SETTINGS_RULES = {
    "the fixed points are compared over increasing k, from k = 1":
        lambda s: s["FP_KS"][0] == 1 and list(s["FP_KS"]) == sorted(set(s["FP_KS"])),
    "the weight decay keeps the fixed points finite": lambda s: s["FP_DECAY"] > 0,
    "the smaller decays fall from FP_DECAY towards zero, and stay positive":
        lambda s: all(a > b > 0 for a, b in zip((s["FP_DECAY"], *s["FP_LOWER_DECAYS"][:-1]),
                                                s["FP_LOWER_DECAYS"], strict=True)),
    "enough cheap AIS runs to see the bias of log Z-hat at four SE": lambda s: s["AIS_REPS"] >= 1000,
}
