"""Scenarios for book/q1_nce_language_model.md (see tests/explore/__init__.py)."""

from explore import Scenario

FEWER_SEEDS = {"N_SEEDS = 5               #": "N_SEEDS = 3               #"}

SCENARIOS = [
    # A reader makes the softmax "rerun" identical to the first run: the yardstick of bullet 1
    # becomes 0, and NCE's distance from the softmax is no longer "about as far" as the rerun's.
    Scenario(
        name="rerun_identical",
        edits={"RERUN_SEED_OFFSET = 100": "RERUN_SEED_OFFSET = 0", **FEWER_SEEDS},
        fails=("Bullet 1: KL(softmax || NCE rerun) is at most 1.5 times",),
        holds=("Monte Carlo", "NCE (nu = 25) self-normalises", "NS offset identity"),
    ),
    # A reader sets the "longer" text to the page's own length: nothing improves.
    Scenario(
        name="no_longer_text",
        edits={"LONG_TEXT_TOKENS = 200_000": "LONG_TEXT_TOKENS = 30_000", **FEWER_SEEDS},
        fails=("with the longer text both objectives", "NCE's mean |log Z| falls with the longer",
               "the sd of NCE's log Z falls with the longer",
               "with the longer text the softmax and NCE end nearly level"),
        holds=("Bullet 1: KL(softmax || NCE rerun) is at least 0.8 times",),
    ),
    # Mathematics broken on purpose: the Proposition's weight dropped from the expected gradient.
    Scenario(
        name="mc_weight_dropped",
        edits={"expected = MC_NU * pn_mc / (p_tilde + MC_NU * pn_mc) * (P_ctx - p_tilde)":
               "expected = (P_ctx - p_tilde)", **FEWER_SEEDS},
        fails=("Monte Carlo: every component",),
        holds=("Proposition: SymPy reduces",),
    ),
    # The per-context shift check (the referee: "check weaker than prose") can fail: a shift of
    # zero does not raise the NCE loss.
    Scenario(
        name="nce_shift_removed",
        edits={"model.b + 1.0, log_pn)[0]": "model.b + 0.0, log_pn)[0]", **FEWER_SEEDS},
        fails=("the same shift raises the NCE loss",),
        holds=("shifting all logits of one context by 1 leaves the softmax loss",),
    ),
    # The offset identity can fail: the wrong offset (log p_n instead of log(nu p_n)).
    Scenario(
        name="ns_offset_wrong",
        edits={'ns_model.b + np.log(nu * task["p_n"])': 'ns_model.b + np.log(task["p_n"])',
               **FEWER_SEEDS},
        fails=("negative sampling's loss equals NCE's", "negative sampling's dH equals"),
        holds=("negative sampling's rows equals",),
    ),
]

SETTINGS_RULES = {
    "at least five seeds (the text's sign test, p = 1/32)": lambda s: s["N_SEEDS"] >= 5,
    "d >= C: the model family contains the source": lambda s: s["EMBED_DIM"] >= s["N_CLASSES"],
    "the rerun differs from the first run": lambda s: s["RERUN_SEED_OFFSET"] != 0,
    "the longer text is longer": lambda s: s["LONG_TEXT_TOKENS"] > s["N_TRAIN_TOKENS"],
    "nu = 25 among the runs (the Mnih and Teh ratio the bullets discuss)":
        lambda s: ("nce", 25) in s["RUNS"] and ("softmax", None) in s["RUNS"],
}
