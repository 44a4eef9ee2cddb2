"""Scenarios for book/q1_lm_beyond.md (see tests/explore/__init__.py)."""

from explore import Scenario

FEWER_SEEDS = {"N_SEEDS, NU = 5, 25": "N_SEEDS, NU = 3, 25"}

SCENARIOS = [
    # A reader calls every word seen fewer than 2 times "rare": the "frequent" words then include
    # those seen 2-9 times, on which NCE is ahead, so "NCE behind on frequent words" fails.
    Scenario(
        name="rare_threshold_2",
        edits={"RARE = 10 ": "RARE = 2 ", **FEWER_SEEDS},
        fails=("Frequent words: for every threshold from RARE up",),
        holds=("Rare words: NCE's held-out excess loss", "Not the budget"),
    ),
    # A reader trains the dense-NCE control for one epoch only: it is not at its best yet.
    Scenario(
        name="dense_one_epoch",
        edits={"DENSE_EPOCHS = 3 ": "DENSE_EPOCHS = 1 ", **FEWER_SEEDS},
        fails=("Control: dense NCE's best is below the softmax's",),
        holds=("Not the budget", "Scan: the limit"),
    ),
    # Mathematics broken on purpose: without NCE's weights omega the shift equation is plain
    # normalisation, and the misspecified model comes out exactly normalised at every nu.
    Scenario(
        name="weights_dropped",
        edits={"omega = nu * p_n / (p_tilde + nu * p_n)": "omega = 1.0", **FEWER_SEEDS},
        fails=("Worked example: the misspecified model is not normalised",),
        holds=("Scan: the limit",),
    ),
    # The bad start's ablation can fail: a "uniform" start left at zero biases is the zero start,
    # so NCE pays exactly as much from it (ratio 1, not below one half).
    Scenario(
        name="uniform_start_not_normalised",
        edits={"uniform = np.full(START_VOCAB, 1 / START_VOCAB)": "uniform = None",
               **FEWER_SEEDS},
        fails=("Bad start: from a normalised uniform start NCE pays less than half",),
        holds=("Bad start: NCE pulls the normalisers to one",
               "Bad start: the softmax's normalised predictions barely suffer"),
    ),
    # The scan's limit check can fail: a bisection that moves the wrong end never finds the root.
    Scenario(
        name="scan_bisection_reversed",
        edits={"lo, hi = np.where(grad > 0, mid, lo), np.where(grad > 0, hi, mid)":
               "lo, hi = np.where(grad < 0, mid, lo), np.where(grad < 0, hi, mid)",
               **FEWER_SEEDS},
        fails=("Scan: the limit",),
        holds=("Worked example: |log Z| falls",),
    ),
]

SETTINGS_RULES = {
    "at least five seeds (signs in every seed, paired SEs)": lambda s: s["N_SEEDS"] >= 5,
    "longer than the core page's 2 epochs": lambda s: s["LONG_EPOCHS"] > 2,
    "the control is not trained longer than the runs it is compared with":
        lambda s: s["DENSE_EPOCHS"] <= s["LONG_EPOCHS"],
    "the text's threshold is among those reported": lambda s: s["RARE"] in s["RARE_THRESHOLDS"],
}
