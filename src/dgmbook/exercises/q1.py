"""Question 1's exercises: the free energy of an RBM, a CD-k update, NCE's classifier and objective,
and Part 5.1's NCE loss of one context.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from dgmbook import language_model, nce, rbm
from dgmbook.exercises.engine import Exercise, Mistake, close, fmt

__all__ = ["EXERCISES"]

# ---------------------------------------------------------------------------------------------
# Question 1: RBMs, CD and NCE
# ---------------------------------------------------------------------------------------------
def _rbm_case(rng, n=6, d=5, h=3, scale=1.0):
    return {"v": (rng.random((n, d)) < 0.5).astype(float), "W": scale * rng.standard_normal((d, h)),
            "a": 0.5 * rng.standard_normal(d), "b": 0.5 * rng.standard_normal(h)}


def _free_energy_cases(rng):
    large = _rbm_case(rng, n=4, d=6, h=2)
    large["W"] = 1000.0 * np.abs(large["W"]) * np.array([1.0, -1.0])  # inputs of +-1000s: overflow
    large["v"][:, 0] = 1.0
    return [_rbm_case(rng), _rbm_case(rng, n=3, d=4, h=6), large]


def _free_energy_ref(v, W, a, b):
    return rbm.free_energy(rbm.RBM(W, a, b), v)


def _free_energy_enumerated(run):
    case = _rbm_case(np.random.default_rng(7), n=4, d=4, h=3)
    hs = np.array([[(i >> j) & 1 for j in range(3)] for i in range(8)], dtype=float)
    v, W, a, b = case["v"], case["W"], case["a"], case["b"]
    energy = -(v @ a)[:, None] - (hs @ b)[None, :] - v @ W @ hs.T  # E(v, h), shape (n, 8)
    want = -np.logaddexp.reduce(-energy, axis=1)
    got = run(**case)
    if not close(got, want):
        return ("exp(-F(v)) must equal the sum over all hidden states of exp(-E(v, h)); "
                f"by enumerating h, F = {fmt(want)}, received {fmt(got)}.")
    return None


SEED_GIBBS = 20261201
#: Largest number of rows and of steps the checker's sampler accepts in one call, and the most
#: row-steps it runs for one call of the student's function (the sampler runs in the checker's
#: process: a student's code must not keep it busy).
MAX_GIBBS_ROWS, MAX_GIBBS_STEPS, MAX_GIBBS_WORK = 1_000, 100, 20_000


def coupled_gibbs(model: rbm.RBM, v: np.ndarray, k: int) -> np.ndarray:
    """``k`` block-Gibbs steps ``v -> h ~ p(h|v) -> v' ~ p(v|h)`` from each row of ``v``, whose
    random draws depend only on the state they start from (seeded by its bits).

    So the chain from a row is the same whether the rows run together or one at a time, and ``k``
    calls of one step reach what one call of ``k`` steps reaches: any correct way of running CD-k's
    chain gives exactly the reference's negatives.
    """
    v = np.asarray(v, dtype=float)
    for _ in range(k):
        ph = rbm.hidden_probs(model, v)
        new = np.empty_like(v)
        for i, row in enumerate(v):
            draws = np.random.default_rng([SEED_GIBBS, len(row), *np.packbits(row > 0.5).tolist()])
            h = (draws.random(model.n_hidden) < ph[i]).astype(float)
            new[i] = draws.random(model.n_visible) < rbm.visible_probs(model, h[None, :])[0]
        v = new
    return v


def _gibbs_for(W, a, b):
    model = rbm.RBM(W, a, b)
    calls: list[tuple[np.ndarray, int, np.ndarray]] = []
    work = [0]

    def gibbs(v_start, k):
        """``k`` block-Gibbs steps of the RBM from the rows of ``v_start``; shape of ``v_start``."""
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= MAX_GIBBS_STEPS:
            raise ValueError(f"gibbs: k must be a whole number of steps, 1 to {MAX_GIBBS_STEPS}, got {k!r}")
        start = np.asarray(v_start, dtype=float)
        if start.ndim != 2 or start.shape[1] != model.n_visible or len(start) > MAX_GIBBS_ROWS:
            raise ValueError(f"gibbs: v_start must have shape (n, {model.n_visible}), got {start.shape}")
        work[0] += len(start) * int(k)
        if work[0] > MAX_GIBBS_WORK:
            raise ValueError(f"gibbs: more than {MAX_GIBBS_WORK} row-steps in one update; CD-k needs n k")
        out = coupled_gibbs(model, start, int(k))
        calls.append((start.copy(), int(k), out.copy()))
        return out

    gibbs.calls = calls
    return gibbs


def _cd_cases(rng):
    cases = []
    for k, n in ((1, 6), (3, 5)):
        case = _rbm_case(rng, n=n, d=8, scale=0.5)  # 256 states: chains from elsewhere end elsewhere
        case.update(k=k, learning_rate=0.1)
        cases.append(case)
    return cases


def _cd_prepare(case):
    args = dict(case)
    args["gibbs"] = _gibbs_for(case["W"], case["a"], case["b"])
    return args


def _cd_ref(v, W, a, b, k, learning_rate, gibbs=None):
    """One CD-k step from the package's free-energy gradients, with the checker's sampler."""
    model = rbm.RBM(W, a, b)
    negatives = coupled_gibbs(model, v, k)
    pos, neg = rbm.free_energy_gradient(model, v), rbm.free_energy_gradient(model, negatives)
    return (W + learning_rate * (neg.W - pos.W), a + learning_rate * (neg.a - pos.a),
            b + learning_rate * (neg.b - pos.b))


def _key(row: np.ndarray) -> bytes:
    return np.packbits(np.asarray(row) > 0.5).tobytes()


def _cd_diagnose(case, args):
    """Said only of an update that is wrong, and only what the recorded calls of gibbs show."""
    calls = args["gibbs"].calls
    if not calls:
        return ("the negative phase never ran the Gibbs chain: its samples must come from "
                "gibbs(v, k), k Gibbs steps started at the data")
    depths: dict[bytes, set[int]] = {_key(row): {0} for row in case["v"]}  # steps from the data
    foreign = 0
    for start, k, out in calls:
        for s_row, o_row in zip(start, out, strict=True):
            reached = depths.get(_key(s_row))
            if reached is None:
                foreign += 1
                continue
            depths.setdefault(_key(o_row), set()).update(d + k for d in reached)
    if foreign:
        return (f"the CD chain was started away from the data: {foreign} starting row(s) are neither rows "
                "of v nor states the chain reached from them (random states?); CD-k starts its k Gibbs "
                "steps at the data batch v (a chain from random states needs far more steps to say "
                "anything about the model)")
    steps = sorted({d for ds in depths.values() for d in ds} - {0})
    if case["k"] not in steps:
        ran = ", ".join(str(s) for s in steps) or "0"
        return (f"no chain ran exactly k = {case['k']} Gibbs steps from the data (the calls of gibbs "
                f"reached {ran} step(s)); CD-k runs exactly k")
    return None


def _cd_stats(v, W, b, negatives):
    ph_data, ph_model = expit(v @ W + b), expit(negatives @ W + b)
    n, m = len(v), len(negatives)
    return (v.T @ ph_data / n - negatives.T @ ph_model / m, v.mean(0) - negatives.mean(0),
            ph_data.mean(0) - ph_model.mean(0))


def _cd_mistake(scale):
    def wrong(v, W, a, b, k, learning_rate, gibbs=None):
        gW, ga, gb = _cd_stats(v, W, b, coupled_gibbs(rbm.RBM(W, a, b), v, k))
        step = learning_rate * (scale if scale != "sum" else len(v))
        return W + step * gW, a + step * ga, b + step * gb
    return wrong


# NCE --------------------------------------------------------------------------------------------
def _nce_classifier_ref(G, nu):
    G = np.asarray(G, dtype=float)
    # D = 1 - n dJ/dG_data, with J from the package (dJ/dG at a data point is (1 - D)/n).
    flat = G.reshape(-1)
    _, d_data, _ = nce.nce_objective(flat, np.zeros(1), nu)
    return (1.0 - flat.size * d_data).reshape(G.shape) if flat.size else G


def _nce_classifier_cases(rng):
    return [{"G": rng.normal(0, 3, 7), "nu": 5.0},
            {"G": rng.normal(1, 2, (2, 3)), "nu": 0.5},
            {"G": np.array([-800.0, -30.0, 0.0, np.log(20.0), 30.0, 800.0]), "nu": 20.0}]


def _classifier_half(run):
    got = run(G=np.array([np.log(4.0), np.log(0.25)]), nu=4.0)
    if abs(got[0] - 0.5) > 1e-6:
        return ("at G = log ν the classifier must be undecided, D = 1/2 "
                f"(with ν = 4, G = log 4: received {fmt(got[0])})")
    return None


def _nce_objective_ref(g_data, g_noise, nu):
    return nce.nce_objective(g_data, g_noise, nu)[0]


def _nce_objective_cases(rng):
    return [{"g_data": rng.normal(1, 2, 6), "g_noise": rng.normal(-1, 2, 18), "nu": 3.0},
            {"g_data": rng.normal(0, 1, 6), "g_noise": rng.normal(0, 1, 3), "nu": 0.5},
            {"g_data": np.array([800.0, -800.0, 2.0]), "g_noise": np.array([-800.0, 800.0, 1.0]), "nu": 1.0}]


def _log_sig(z):
    return -np.logaddexp(0.0, -z)


def _objective_nonpositive(run):
    got = run(g_data=np.array([3.0, -1.0]), g_noise=np.array([0.5, -2.0, 1.0, 0.0]), nu=2.0)
    if got > 0:
        return f"J is a sum of log-probabilities, so J ≤ 0; received {fmt(got)} (is it the loss −J?)"
    return None


# Part 5.1: the NCE loss of one context -----------------------------------------------------------
def _lm_cases(rng):
    cases = []
    for nu in (3, 8):
        V = 10
        log_pn = np.log(rng.dirichlet(np.ones(V)))
        cases.append({"scores": rng.normal(0, 2, V), "target": int(rng.integers(V)),
                      "noise": rng.choice(V, size=nu, p=np.exp(log_pn)), "log_pn": log_pn})
    # Extreme scores: the target scored -800 and a noise word +800, where log(sigmoid(z)) is log(0).
    cases.append({"scores": np.array([-800.0, 800.0, 0.0, 3.0, -2.0, 1.0]), "target": 0,
                  "noise": np.array([1, 2, 1]), "log_pn": np.log(np.full(6, 1 / 6))})
    return cases


def _lm_ref(scores, target, noise, log_pn):
    V = scores.shape[0]
    return language_model.nce_loss(scores[None, :], np.array([target]), np.asarray(noise)[None, :],
                                    np.eye(V), np.zeros(V), log_pn)[0]


def _lm_mistake(offset, noise_term="log1m", reduce="sum", sign=1.0):
    def wrong(scores, target, noise, log_pn):
        nu = len(noise)
        o = {"log_nu_pn": np.log(nu) + log_pn, "log_pn": log_pn, "none": 0.0 * log_pn}[offset]
        z_target, z_noise = scores[target] - o[target], scores[noise] - o[noise]
        noise_terms = _log_sig(-z_noise) if noise_term == "log1m" else _log_sig(z_noise)
        agg = noise_terms.sum() if reduce == "sum" else noise_terms.mean()
        return sign * -(_log_sig(z_target) + agg)
    return wrong


def _lm_nonnegative(run):
    rng = np.random.default_rng(3)
    log_pn = np.log(rng.dirichlet(np.ones(6)))
    got = run(scores=rng.normal(0, 1, 6), target=2, noise=np.array([0, 4, 4]), log_pn=log_pn)
    if got < 0:
        return f"the loss is minus a sum of log-probabilities, so it is ≥ 0; received {fmt(got)}"
    return None


_SIGN_CD = ("sign error in the update: CD-k ascends the log-likelihood, θ ← θ + η(⟨−∂F/∂θ⟩_data − "
            "⟨−∂F/∂θ⟩_model); this step descends it")
_NU_MISSING = ("ν (log ν) is missing from the NCE posterior: D_θ(u) = sigmoid(G_θ(u) − log ν); "
               "without it the classifier is right only for ν = 1")


EXERCISES = [
    Exercise(
        "q1-free-energy", "q1", "free_energy", "The free energy of an RBM",
        _free_energy_ref, _free_energy_cases,
        (Mistake("sign error: this is −F(v); the free energy is F(v) = −aᵀv − Σ_j softplus(b_j + vᵀW_{:,j})",
                 lambda v, W, a, b: (v @ a) + np.logaddexp(0, v @ W + b).sum(1)),
         Mistake("the visible-bias term −aᵀv is missing from F(v)",
                 lambda v, W, a, b: -np.logaddexp(0, v @ W + b).sum(1)),
         Mistake("a sigmoid stands where the softplus belongs: summing out h_j gives "
                 "log(1 + e^{b_j + vᵀW_{:,j}}) = softplus(·)",
                 lambda v, W, a, b: -(v @ a) - expit(v @ W + b).sum(1)),
         Mistake("the hidden units were not summed out: −aᵀv − Σ_j (b_j + vᵀW_{:,j}) is the energy "
                 "at h = 1, not the free energy",
                 lambda v, W, a, b: -(v @ a) - (v @ W + b).sum(1))),
        (_free_energy_enumerated,),
        nonfinite_hint="log(1 + e^x) overflows for large x: use np.logaddexp(0, x).",
    ),
    Exercise(
        "q1-cd-update", "q1", "cd_update", "One CD-k update from the data",
        _cd_ref, _cd_cases,
        (Mistake(_SIGN_CD, _cd_mistake(-1.0)),
         Mistake("the statistics were summed over the batch instead of averaged: the gradient is a "
                 "difference of means", _cd_mistake("sum")),
         Mistake("the learning rate is missing from the step",
                 lambda v, W, a, b, k, learning_rate, gibbs=None: _cd_mistake(1.0)(v, W, a, b, k, 1.0))),
        prepare=_cd_prepare, diagnose=_cd_diagnose, seed=1,
    ),
    Exercise(
        "q1-nce-classifier", "q1", "nce_classifier", "The NCE classifier D_θ(u)",
        _nce_classifier_ref, _nce_classifier_cases,
        (Mistake(_NU_MISSING, lambda G, nu: expit(G)),
         Mistake("ν was subtracted where log ν belongs: D_θ(u) = sigmoid(G_θ(u) − log ν)",
                 lambda G, nu: expit(G - nu)),
         Mistake("sign error: sigmoid(log ν − G) is 1 − D, the probability that u is noise",
                 lambda G, nu: expit(np.log(nu) - G)),
         Mistake("log ν was added instead of subtracted: D_θ(u) = sigmoid(G_θ(u) − log ν)",
                 lambda G, nu: expit(G + np.log(nu)))),
        (_classifier_half,),
        nonfinite_hint="1/(1 + e^{−z}) is fine, but e^z/(1 + e^z) overflows: use scipy.special.expit.",
    ),
    Exercise(
        "q1-nce-objective", "q1", "nce_objective", "The NCE objective with noise ratio ν",
        _nce_objective_ref, _nce_objective_cases,
        (Mistake(_NU_MISSING,
                 lambda g_data, g_noise, nu: np.mean(_log_sig(g_data)) + nu * np.mean(_log_sig(-g_noise))),
         Mistake("the noise term is not weighted by ν: J = E_data log D + ν E_{p_n} log(1 − D)",
                 lambda g_data, g_noise, nu: np.mean(_log_sig(g_data - np.log(nu)))
                 + np.mean(_log_sig(np.log(nu) - g_noise))),
         Mistake("sign error: this is −J, the loss; the objective J is maximised and is ≤ 0",
                 lambda g_data, g_noise, nu: -_nce_objective_ref(g_data, g_noise, nu)),
         Mistake("the noise samples were scored with log D instead of log(1 − D): they should be "
                 "classified as noise",
                 lambda g_data, g_noise, nu: np.mean(_log_sig(g_data - np.log(nu)))
                 + nu * np.mean(_log_sig(g_noise - np.log(nu))))),
        (_objective_nonpositive,),
        nonfinite_hint="log(sigmoid(z)) underflows to log(0) for very negative z: use −np.logaddexp(0, −z).",
    ),
    Exercise(
        "q1lm-nce-loss", "q1", "nce_context_loss", "Part 5.1: the NCE loss of one context",
        _lm_ref, _lm_cases,
        (Mistake(_NU_MISSING.replace("D_θ(u) = sigmoid(G_θ(u) − log ν)",
                                     "the offset is log(ν p_n(w)), not log p_n(w)"), _lm_mistake("log_pn")),
         Mistake("this is word2vec's negative sampling: the offset log(ν p_n(w)) is missing, so the "
                 "model does not learn normalised probabilities", _lm_mistake("none")),
         Mistake("the noise terms were averaged instead of summed: each of the ν noise words adds its "
                 "own −log(1 − D)", _lm_mistake("log_nu_pn", reduce="mean")),
         Mistake("the noise words were scored with log D instead of log(1 − D)",
                 _lm_mistake("log_nu_pn", noise_term="logD")),
         Mistake("sign error: the loss is −log D(w) − Σ_j log(1 − D(x_j)), which is ≥ 0",
                 _lm_mistake("log_nu_pn", sign=-1.0))),
        (_lm_nonnegative,),
        nonfinite_hint="use −np.logaddexp(0, −z) for log sigmoid(z).",
    ),
]
