"""Tests for dgmbook.language_model: the ground truth, the sampler, the three losses, training."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, logsumexp

from dgmbook import language_model as lm

# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def _numeric_grad(f, x, eps=1e-6):
    """Central finite differences of the scalar function ``f`` at array ``x`` (modified in place)."""
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def _dense_row_grad(rows, dQ_rows, V):
    """Scatter (B, J, D) row gradients into a dense (V, D) gradient (repeats add up)."""
    out = np.zeros((V, dQ_rows.shape[-1]))
    np.add.at(out, rows.ravel(), dQ_rows.reshape(-1, dQ_rows.shape[-1]))
    return out


@pytest.fixture
def layer():
    rng = np.random.default_rng(0)
    V, D, B, k = 7, 3, 4, 5
    H = rng.standard_normal((B, D))
    Q = rng.standard_normal((V, D))
    b = rng.standard_normal(V)
    targets = rng.integers(0, V, B)
    noise = rng.integers(0, V, (B, k))
    noise[0, :2] = targets[0]  # repeated rows, including the data word among the noise
    q = rng.random(V) + 0.1
    log_q = np.log(q / q.sum())
    return dict(H=H, Q=Q, b=b, targets=targets, noise=noise, log_q=log_q)


# --------------------------------------------------------------------------------------------
# ground truth
# --------------------------------------------------------------------------------------------


def test_zipf_log_weights_values_and_validation():
    w = lm.zipf_log_weights(4, exponent=2.0)
    np.testing.assert_allclose(w, -2.0 * np.log([1, 2, 3, 4]))
    with pytest.raises(ValueError, match="vocab_size"):
        lm.zipf_log_weights(1)
    with pytest.raises(ValueError, match="exponent"):
        lm.zipf_log_weights(5, exponent=0.0)


def test_source_is_normalised_and_stationary():
    src = lm.make_class_bigram_source(50, 4, random_state=1)
    np.testing.assert_allclose(logsumexp(src.log_probs, axis=1), 0.0, atol=1e-12)
    T = src.class_transition_matrix()
    np.testing.assert_allclose(T.sum(axis=1), 1.0, atol=1e-12)
    rho = src.stationary_class_distribution()
    np.testing.assert_allclose(rho @ T, rho, atol=1e-12)
    pi = src.stationary_word_distribution()
    # pi is stationary for the word chain P(w'|w) = p_{c(w)}(w').
    P = np.exp(src.log_probs[src.word_class])
    np.testing.assert_allclose(pi @ P, pi, atol=1e-12)
    assert 0 < src.entropy_rate() < src.unigram_entropy() < np.log(50)


def test_source_without_class_signal_has_entropy_rate_equal_to_unigram_entropy():
    src = lm.make_class_bigram_source(30, 3, class_scale=0.0, random_state=2)
    assert src.entropy_rate() == pytest.approx(src.unigram_entropy(), rel=1e-12)


def test_sample_cross_entropy_matches_entropy_rate():
    src = lm.make_class_bigram_source(200, 8, random_state=3)
    tokens = src.sample(40_000, random_state=4)
    nll = -src.log_prob(*lm.bigram_pairs(tokens))
    # The chain mixes in one step up to the class structure: batch means give an honest SE.
    batches = nll[: nll.size // 100 * 100].reshape(100, -1).mean(axis=1)
    se = batches.std(ddof=1) / np.sqrt(batches.size)
    assert abs(nll.mean() - src.entropy_rate()) < 4 * se


def test_sample_word_frequencies_match_stationary_distribution():
    src = lm.make_class_bigram_source(20, 3, random_state=5)
    tokens = src.sample(60_000, random_state=6)
    freq = np.bincount(tokens, minlength=20) / tokens.size
    pi = src.stationary_word_distribution()
    # Markov dependence makes binomial SEs too small; batch means of 100 blocks give honest ones.
    blocks = tokens.reshape(100, -1)
    block_freq = np.stack([np.bincount(block, minlength=20) / block.size for block in blocks])
    se = block_freq.std(axis=0, ddof=1) / np.sqrt(len(blocks))
    assert np.all(se > 0)
    assert np.all(np.abs(freq - pi) < 4 * se)


def test_sample_is_reproducible_and_validated():
    src = lm.make_class_bigram_source(30, 3, random_state=7)
    np.testing.assert_array_equal(src.sample(100, 8), src.sample(100, 8))
    with pytest.raises(ValueError, match="n_tokens"):
        src.sample(1, 0)
    with pytest.raises(ValueError, match="targets"):
        src.log_prob([0, 1], [2, 30])


def test_source_and_pairs_validation():
    with pytest.raises(ValueError, match="n_classes"):
        lm.make_class_bigram_source(10, 0)
    with pytest.raises(ValueError, match="class_scale"):
        lm.make_class_bigram_source(10, 2, class_scale=-1.0)
    with pytest.raises(ValueError, match="tokens"):
        lm.bigram_pairs([3])
    with pytest.raises(TypeError, match="tokens"):
        lm.bigram_pairs([0.5, 1.5])
    c, t = lm.bigram_pairs([4, 1, 2])
    np.testing.assert_array_equal(c, [4, 1])
    np.testing.assert_array_equal(t, [1, 2])


# --------------------------------------------------------------------------------------------
# noise distribution
# --------------------------------------------------------------------------------------------


def test_unigram_sampler_frequencies():
    q = np.array([0.5, 0.0, 0.3, 0.15, 0.05])
    sampler = lm.UnigramSampler(q)
    n = 200_000
    draws = sampler.sample(n, random_state=0)
    freq = np.bincount(draws, minlength=5) / n
    se = np.sqrt(q * (1 - q) / n)
    assert freq[1] == 0.0  # a word of probability 0 is never drawn
    assert np.all(np.abs(freq - q) <= 4 * se + 1e-12)
    np.testing.assert_allclose(sampler.log_probs[[0, 2]], np.log(q[[0, 2]]))
    assert sampler.sample((3, 4), random_state=1).shape == (3, 4)


def test_unigram_sampler_validation():
    with pytest.raises(ValueError, match="probs"):
        lm.UnigramSampler([0.5, -0.1, 0.6])
    with pytest.raises(ValueError, match="probs"):
        lm.UnigramSampler([0.0, 0.0])
    with pytest.raises(ValueError, match="probs"):
        lm.UnigramSampler([[0.5, 0.5]])
    with pytest.raises(ValueError, match="size"):
        lm.UnigramSampler([0.5, 0.5]).sample(0)


def test_unigram_distribution_counts_power_and_range():
    q = lm.unigram_distribution([0, 0, 0, 2], 3, pseudocount=1.0)
    np.testing.assert_allclose(q, np.array([4, 1, 2]) / 7)
    q = lm.unigram_distribution([0, 0, 0, 2], 3, power=0.5, pseudocount=0.0)
    np.testing.assert_allclose(q, np.sqrt([3, 0, 1]) / (np.sqrt(3) + 1))
    with pytest.raises(ValueError, match="tokens"):
        lm.unigram_distribution([0, 3], 3)
    with pytest.raises(ValueError, match="power"):
        lm.unigram_distribution([0, 1], 3, power=0.0)


# --------------------------------------------------------------------------------------------
# losses and gradients
# --------------------------------------------------------------------------------------------


def test_softmax_loss_value_and_gradients(layer):
    H, Q, b, t = layer["H"], layer["Q"], layer["b"], layer["targets"]
    loss, dH, dQ, db = lm.softmax_loss(H, t, Q, b)
    S = H @ Q.T + b
    expected = np.mean(logsumexp(S, axis=1) - S[np.arange(len(t)), t])
    assert loss == pytest.approx(expected, rel=1e-12)
    f = lambda: lm.softmax_loss(H, t, Q, b)[0]  # noqa: E731
    np.testing.assert_allclose(dH, _numeric_grad(f, H), atol=1e-8)
    np.testing.assert_allclose(dQ, _numeric_grad(f, Q), atol=1e-8)
    np.testing.assert_allclose(db, _numeric_grad(f, b), atol=1e-8)


def test_softmax_loss_is_stable_for_huge_scores(layer):
    H, Q, b, t = layer["H"], layer["Q"], layer["b"], layer["targets"]
    loss, dH, _, _ = lm.softmax_loss(H, t, Q, b + 1e4)  # a shift: same loss, no overflow
    assert loss == pytest.approx(lm.softmax_loss(H, t, Q, b)[0], rel=1e-9)
    assert np.all(np.isfinite(dH))


@pytest.mark.parametrize("which", ["nce", "negative_sampling"])
def test_sampled_losses_gradients_match_finite_differences(layer, which):
    H, Q, b, t, noise, log_q = (layer[key] for key in ("H", "Q", "b", "targets", "noise", "log_q"))

    def run():
        if which == "nce":
            return lm.nce_loss(H, t, noise, Q, b, log_q)
        return lm.negative_sampling_loss(H, t, noise, Q, b)

    loss, dH, rows, dQ_rows, db_rows = run()
    f = lambda: run()[0]  # noqa: E731
    np.testing.assert_allclose(dH, _numeric_grad(f, H), atol=1e-8)
    V = Q.shape[0]
    np.testing.assert_allclose(_dense_row_grad(rows, dQ_rows, V), _numeric_grad(f, Q), atol=1e-8)
    db_dense = np.bincount(rows.ravel(), weights=db_rows.ravel(), minlength=V)
    np.testing.assert_allclose(db_dense, _numeric_grad(f, b), atol=1e-8)


def test_nce_loss_value_matches_its_definition(layer):
    H, Q, b, t, noise, log_q = (layer[key] for key in ("H", "Q", "b", "targets", "noise", "log_q"))
    k = noise.shape[1]
    loss = lm.nce_loss(H, t, noise, Q, b, log_q)[0]
    B = len(t)
    expected = 0.0
    for i in range(B):
        def s(w, i=i):
            return H[i] @ Q[w] + b[w]
        expected -= np.log(expit(s(t[i]) - np.log(k) - log_q[t[i]]))
        expected -= sum(np.log(1 - expit(s(x) - np.log(k) - log_q[x])) for x in noise[i])
    assert loss == pytest.approx(expected / B, rel=1e-12)


def test_negative_sampling_is_nce_when_k_q_equals_one(layer):
    """Dyer (2014): NCE reduces to negative sampling exactly when k q(w) = 1 for every word."""
    H, Q, b, t = layer["H"], layer["Q"], layer["b"], layer["targets"]
    V = Q.shape[0]
    rng = np.random.default_rng(1)
    noise = rng.integers(0, V, (len(t), V))  # k = V noise words from the uniform q = 1/V
    nce = lm.nce_loss(H, t, noise, Q, b, np.full(V, -np.log(V)))
    ns = lm.negative_sampling_loss(H, t, noise, Q, b)
    assert nce[0] == pytest.approx(ns[0], rel=1e-12)
    np.testing.assert_allclose(nce[1], ns[1], atol=1e-14)


def test_sampled_loss_is_stable_for_extreme_scores(layer):
    H, Q, t, noise, log_q = layer["H"], layer["Q"], layer["targets"], layer["noise"], layer["log_q"]
    b = np.full(Q.shape[0], 800.0)  # exp(800) overflows; softplus must not
    loss, dH, *_ = lm.nce_loss(H, t, noise, Q, b, log_q)
    assert np.isfinite(loss) and loss > 100 and np.all(np.isfinite(dH))


def test_loss_input_validation(layer):
    H, Q, b, t, noise, log_q = (layer[key] for key in ("H", "Q", "b", "targets", "noise", "log_q"))
    V = Q.shape[0]
    with pytest.raises(ValueError, match="targets"):
        lm.softmax_loss(H, np.array([0, 1, 2, V]), Q, b)
    with pytest.raises(ValueError, match="targets"):
        lm.softmax_loss(H, np.array([0, -1, 2, 3]), Q, b)
    with pytest.raises(TypeError, match="targets"):
        lm.softmax_loss(H, np.array([0.0, 1.0, 2.0, 3.0]), Q, b)
    with pytest.raises(ValueError, match="noise"):
        lm.nce_loss(H, t, np.full_like(noise, V), Q, b, log_q)
    with pytest.raises(ValueError, match="noise"):  # k = 0 noise words
        lm.nce_loss(H, t, np.zeros((len(t), 0), dtype=int), Q, b, log_q)
    with pytest.raises(ValueError, match="noise"):
        lm.negative_sampling_loss(H, t, noise[:2], Q, b)
    with pytest.raises(ValueError, match="Q"):
        lm.softmax_loss(H, t, Q[:, :2], b)
    with pytest.raises(ValueError, match="b"):
        lm.softmax_loss(H, t, Q, b[:3])
    with pytest.raises(ValueError, match="H"):
        lm.softmax_loss(np.full_like(H, np.nan), t, Q, b)
    bad_q = log_q.copy()
    bad_q[noise[1, 0]] = -np.inf  # a noise word of probability 0: NCE is undefined there
    with pytest.raises(ValueError, match="noise_log_probs"):
        lm.nce_loss(H, t, noise, Q, b, bad_q)
    with pytest.raises(ValueError, match="noise_log_probs"):
        lm.nce_loss(H, t, noise, Q, b, np.abs(log_q))  # not log-probabilities
    with pytest.raises(ValueError, match="offsets"):
        lm.sampled_loss(H, t, noise, Q, b, log_q[:3])
    with pytest.raises(ValueError, match="noise_log_probs"):  # one entry per word, not fewer ...
        lm.nce_loss(H, t, noise, Q, b, log_q[:3])
    with pytest.raises(ValueError, match="noise_log_probs"):  # ... nor more
        lm.nce_loss(H, t, noise, Q, b, np.append(log_q - np.log(2), np.log(0.5)))


def test_scatter_rows_matches_add_at():
    rng = np.random.default_rng(3)
    rows = rng.integers(0, 6, (5, 4))
    weights = rng.standard_normal((5, 4))
    H = rng.standard_normal((5, 3))
    unique, dQ, db = lm._scatter_rows(rows, weights, H)
    dense = np.zeros((6, 3))
    np.add.at(dense, rows.ravel(), (weights[:, :, None] * H[:, None, :]).reshape(-1, 3))
    np.testing.assert_array_equal(unique, np.unique(rows))
    np.testing.assert_allclose(dQ, dense[unique], atol=1e-14)
    np.testing.assert_allclose(db, np.bincount(rows.ravel(), weights=weights.ravel(), minlength=6)[unique])


# --------------------------------------------------------------------------------------------
# model, training, evaluation
# --------------------------------------------------------------------------------------------


def test_model_initialisation_and_log_prob():
    u = np.array([0.5, 0.25, 0.25])
    model = lm.LogBilinearLM(3, 2, unigram=u, init_scale=0.0, random_state=0)
    np.testing.assert_allclose(model.b, np.log(u))
    np.testing.assert_allclose(model.log_normalisers([0, 1]), 0.0, atol=1e-12)
    np.testing.assert_allclose(model.log_prob([0, 2], [1, 0]), np.log([0.25, 0.5]))
    with pytest.raises(ValueError, match="unigram"):
        lm.LogBilinearLM(4, 2, unigram=u)
    with pytest.raises(ValueError, match="dim"):
        lm.LogBilinearLM(4, 0)
    with pytest.raises(ValueError, match="contexts"):
        model.log_prob([3], [0])


def test_sampled_step_touches_only_data_and_noise_rows():
    V = 1000
    sampler = lm.UnigramSampler(np.ones(V))
    model = lm.LogBilinearLM(V, 4, random_state=0)
    before = model.copy()
    lm.train_step(model, [5], [7], "nce", k=2, sampler=sampler, random_state=1)
    noise = sampler.sample((1, 2), random_state=1)  # the same draw as inside the step
    touched = set(noise.ravel().tolist()) | {7}
    changed = set(np.flatnonzero(np.any(model.Q != before.Q, axis=1)).tolist())
    assert changed == touched
    assert set(np.flatnonzero(np.any(model.R != before.R, axis=1)).tolist()) == {5}


def test_train_step_validation():
    V = 10
    sampler = lm.UnigramSampler(np.ones(V))
    model = lm.LogBilinearLM(V, 2, random_state=0)
    with pytest.raises(ValueError, match="k"):
        lm.train_step(model, [0], [1], "nce", k=0, sampler=sampler)
    with pytest.raises(ValueError, match="method"):
        lm.train_step(model, [0], [1], "hierarchical", sampler=sampler)
    with pytest.raises(ValueError, match="contexts"):
        lm.train_step(model, [V], [1], "softmax")
    with pytest.raises(ValueError, match="targets"):
        lm.train_step(model, [0], [V], "negative_sampling", sampler=sampler)
    with pytest.raises(TypeError, match="sampler"):
        lm.train_step(model, [0], [1], "nce")
    with pytest.raises(ValueError, match="sampler"):
        lm.train_step(model, [0], [1], "nce", sampler=lm.UnigramSampler(np.ones(V + 1)))
    with pytest.raises(ValueError, match="learning_rate"):
        lm.train_step(model, [0], [1], "softmax", learning_rate=0.0)
    with pytest.raises(TypeError, match="model"):
        lm.train_step(None, [0], [1], "softmax")


def _small_problem(seed=0, V=40, n=20_000):
    src = lm.make_class_bigram_source(V, 4, random_state=seed)
    c, t = lm.bigram_pairs(src.sample(n, random_state=seed + 1))
    hc, ht = lm.bigram_pairs(src.sample(5_000, random_state=seed + 2))
    q = lm.unigram_distribution(t, V)
    return src, c, t, hc, ht, q


def test_softmax_training_approaches_the_true_entropy_rate():
    src, c, t, hc, ht, q = _small_problem()
    model = lm.LogBilinearLM(40, 8, unigram=q, random_state=0)
    hist = lm.train(model, c, t, "softmax", epochs=3, learning_rate=0.1, eval_pairs=(hc, ht), random_state=0)
    true_ce = -src.log_prob(hc, ht).mean()
    assert len(hist.steps) == len(hist.perplexity) == len(hist.seconds) == 6
    assert hist.perplexity[-1] < 0.9 * hist.perplexity[0]
    assert np.log(hist.perplexity[-1]) < true_ce + 0.05


def test_nce_training_self_normalises_and_negative_sampling_does_not():
    src, c, t, hc, ht, q = _small_problem(seed=10)
    sampler = lm.UnigramSampler(q)
    out = {}
    for method in ("nce", "negative_sampling"):
        model = lm.LogBilinearLM(40, 8, unigram=q, random_state=0)
        lm.train(model, c, t, method, k=10, sampler=sampler, epochs=3, learning_rate=0.1, random_state=0)
        out[method] = lm.evaluate(model, hc, ht)
    true_ce = -src.log_prob(hc, ht).mean()
    assert out["nce"]["log_z_mean_abs"] < 0.1
    assert out["negative_sampling"]["log_z_mean_abs"] > 1.0
    assert out["nce"]["cross_entropy"] < true_ce + 0.05
    assert out["negative_sampling"]["cross_entropy"] > out["nce"]["cross_entropy"] + 0.05


def test_training_is_deterministic_given_the_seed():
    _, c, t, hc, ht, q = _small_problem(seed=20, n=3_000)
    sampler = lm.UnigramSampler(q)
    models = [lm.LogBilinearLM(40, 4, unigram=q, random_state=1) for _ in range(2)]
    for model in models:
        lm.train(model, c, t, "nce", k=3, sampler=sampler, epochs=0.5, random_state=2)
    np.testing.assert_array_equal(models[0].Q, models[1].Q)
    np.testing.assert_array_equal(models[0].R, models[1].R)


def test_evaluate_agrees_with_log_prob():
    _, c, t, hc, ht, q = _small_problem(seed=30, n=2_000)
    model = lm.LogBilinearLM(40, 4, unigram=q, random_state=3)
    lm.train(model, c, t, "softmax", epochs=0.5, random_state=4)
    ev = lm.evaluate(model, hc, ht)
    assert ev["cross_entropy"] == pytest.approx(-model.log_prob(hc, ht).mean(), rel=1e-12)
    assert ev["perplexity"] == pytest.approx(np.exp(ev["cross_entropy"]), rel=1e-12)
    lz = model.log_normalisers(hc)
    assert ev["log_z_mean"] == pytest.approx(lz.mean(), rel=1e-12, abs=1e-12)
    assert ev["log_z_std"] == pytest.approx(lz.std(), rel=1e-9, abs=1e-12)
    assert ev["self_normalised_cross_entropy"] == pytest.approx(ev["cross_entropy"] - lz.mean(), rel=1e-9)


def test_train_validation():
    _, c, t, hc, ht, q = _small_problem(seed=40, n=200)
    model = lm.LogBilinearLM(40, 2, random_state=0)
    with pytest.raises(ValueError, match="epochs"):
        lm.train(model, c, t, "softmax", epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        lm.train(model, c, t, "softmax", batch_size=0)
    with pytest.raises(ValueError, match="targets"):
        lm.train(model, c, t[:-1], "softmax")
    with pytest.raises(ValueError, match="eval_pairs"):
        lm.train(model, c, t, "softmax", eval_pairs=(hc, ht + 100))
    with pytest.raises(ValueError, match="eval_pairs"):
        lm.train(model, c, t, "softmax", eval_pairs=(hc, ht[:-1]))
    with pytest.raises(TypeError, match="eval_pairs"):
        lm.train(model, c, t, "softmax", eval_pairs=hc)
    with pytest.raises(ValueError, match="k"):
        lm.train(model, c, t, "negative_sampling", k=-1, sampler=lm.UnigramSampler(q))


def test_source_is_a_self_normalised_log_bilinear_model():
    src = lm.make_class_bigram_source(60, 5, random_state=50)
    c, t = lm.bigram_pairs(src.sample(2_000, random_state=51))
    exact = lm.LogBilinearLM(60, 5, random_state=0)
    exact.R = np.eye(5)[src.word_class]
    exact.Q = src.log_probs.T.copy()
    exact.b = np.zeros(60)
    ev = lm.evaluate(exact, c, t)
    assert ev["log_z_mean_abs"] < 1e-12
    assert ev["cross_entropy"] == pytest.approx(-src.log_prob(c, t).mean(), rel=1e-12)


def test_every_method_sees_the_same_minibatches(monkeypatch):
    """The chapter compares methods on the same minibatches: shuffling must not depend on the noise."""
    _, c, t, _, _, q = _small_problem(seed=60, n=1_000)
    sampler = lm.UnigramSampler(q)
    seen = {}
    real_step = lm._train_step

    def recording_step(model, contexts, targets, method, *args):
        seen.setdefault(method, []).append(targets.copy())
        return real_step(model, contexts, targets, method, *args)

    monkeypatch.setattr(lm, "_train_step", recording_step)
    for method in ("softmax", "nce"):
        model = lm.LogBilinearLM(40, 2, unigram=q, random_state=0)
        lm.train(model, c, t, method, k=5, sampler=sampler, epochs=2.5, batch_size=64, random_state=7)
    assert len(seen["softmax"]) == len(seen["nce"]) > 2 * (len(t) // 64)  # more than two epochs
    for a, b in zip(seen["softmax"], seen["nce"], strict=True):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------------------------
# bad input that used to pass silently (issue: every bad input a clear error)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("trainer", ["train_step", "train"])
def test_nce_training_refuses_a_noise_distribution_that_is_zero_at_a_target(trainer):
    """Before, the step returned a finite loss and left the words with q(w) = 0 untouched."""
    V = 6
    sampler = lm.UnigramSampler([0.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    model = lm.LogBilinearLM(V, 2, random_state=0)
    before = model.Q.copy()
    c, t = np.arange(V), np.array([1, 2, 3, 4, 5, 0])
    with pytest.raises(ValueError, match="sampler must give positive probability"):
        getattr(lm, trainer)(model, c, t, "nce", k=2, sampler=sampler, random_state=0)
    np.testing.assert_array_equal(model.Q, before)  # refused before any update
    # negative sampling has no log q offset, so the same sampler is fine there
    lm.train_step(model, c, t, "negative_sampling", k=2, sampler=sampler, random_state=0)


def test_class_bigram_source_validates_what_it_is_given():
    good = lm.make_class_bigram_source(8, 3, random_state=0)
    with pytest.raises(ValueError, match="log-sum to 0"):
        lm.ClassBigramSource(good.word_class, good.log_probs + np.log(2.0))
    with pytest.raises(ValueError, match="word_class"):
        lm.ClassBigramSource(np.full(8, 3), good.log_probs)
    with pytest.raises(ValueError, match="one class per word"):
        lm.ClassBigramSource(good.word_class[:5], good.log_probs)
    rebuilt = lm.ClassBigramSource(good.word_class.tolist(), good.log_probs.tolist())
    assert rebuilt.entropy_rate() == good.entropy_rate()


def test_validation_leaves_the_random_streams_alone():
    """The checks added at the boundary change no number: same source, same samples, same steps."""
    source = lm.make_class_bigram_source(30, 4, random_state=3)
    tokens = source.sample(500, random_state=4)
    assert tokens[:8].tolist() == source.sample(500, random_state=4)[:8].tolist()
    c, t = lm.bigram_pairs(tokens)
    sampler = lm.UnigramSampler(lm.unigram_distribution(t, 30))
    a, b = (lm.LogBilinearLM(30, 3, random_state=0) for _ in range(2))
    lm.train(a, c, t, "nce", k=3, sampler=sampler, epochs=1, batch_size=32, random_state=5)
    lm.train(b, c, t, "nce", k=3, sampler=sampler, epochs=1, batch_size=32, random_state=5)
    np.testing.assert_array_equal(a.Q, b.Q)


# --------------------------------------------------------------------------------------------
# comparing learned conditional distributions
# --------------------------------------------------------------------------------------------


def test_mean_kl_matches_a_direct_sum():
    rng = np.random.default_rng(0)
    logits_p, logits_q = rng.normal(size=(2, 5, 7))
    log_p = logits_p - logsumexp(logits_p, axis=1, keepdims=True)
    log_q = logits_q - logsumexp(logits_q, axis=1, keepdims=True)
    weights = rng.random(5)
    direct = sum(w * sum(np.exp(a) * (a - b)) for w, a, b in zip(weights, log_p, log_q, strict=True))
    assert lm.mean_kl(log_p, log_q, weights) == pytest.approx(direct / weights.sum(), rel=1e-12)
    assert lm.mean_kl(log_p, log_p) == 0.0
    assert lm.mean_kl(log_p, log_q) > 0


def test_log_conditionals_of_the_model_and_of_the_source():
    source = lm.make_class_bigram_source(12, 3, random_state=1)
    contexts = np.array([0, 5, 5, 11])
    truth = source.log_conditionals(contexts)
    np.testing.assert_allclose(logsumexp(truth, axis=1), 0.0, atol=1e-12)
    np.testing.assert_array_equal(truth[1], truth[2])
    assert truth[3, 4] == source.log_prob([11], [4])[0]
    model = lm.LogBilinearLM(12, 4, random_state=0)
    logs = model.log_conditionals(contexts)
    np.testing.assert_allclose(logs[np.arange(4), [1, 2, 3, 4]], model.log_prob(contexts, [1, 2, 3, 4]),
                               rtol=1e-12)


# --------------------------------------------------------------------------------------------
# dense NCE: the exact expectation of NCE's noise term
# --------------------------------------------------------------------------------------------


def test_expected_nce_loss_is_the_exact_expectation_of_nce_loss(layer):
    """With k = 2 noise words, enumerate all V^2 noise pairs: the q-weighted mean of nce_loss and of
    its (scattered) gradients equals expected_nce_loss and its dense gradients."""
    H, Q, b, t, log_q = (layer[key] for key in ("H", "Q", "b", "targets", "log_q"))
    V, B, k = Q.shape[0], len(t), 2
    q = np.exp(log_q)
    loss, dH, dQ, db = lm.expected_nce_loss(H, t, Q, b, log_q, k)
    e_loss, e_dH, e_dQ, e_db = 0.0, np.zeros_like(H), np.zeros_like(Q), np.zeros(V)
    for u1 in range(V):
        for u2 in range(V):
            weight = q[u1] * q[u2]
            noise = np.tile([u1, u2], (B, 1))
            out_loss, out_dH, rows, dQ_rows, db_rows = lm.nce_loss(H, t, noise, Q, b, log_q)
            e_loss += weight * out_loss
            e_dH += weight * out_dH
            e_dQ += weight * _dense_row_grad(rows, dQ_rows, V)
            e_db += weight * np.bincount(rows.ravel(), weights=db_rows.ravel(), minlength=V)
    assert loss == pytest.approx(e_loss, rel=1e-12)
    for got, want in ((dH, e_dH), (dQ, e_dQ), (db, e_db)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


def test_expected_nce_loss_gradients_match_finite_differences(layer):
    H, Q, b, t, log_q = (layer[key] for key in ("H", "Q", "b", "targets", "log_q"))
    loss, dH, dQ, db = lm.expected_nce_loss(H, t, Q, b, log_q, 5)
    f = lambda: lm.expected_nce_loss(H, t, Q, b, log_q, 5)[0]  # noqa: E731
    np.testing.assert_allclose(dH, _numeric_grad(f, H), atol=1e-8)
    np.testing.assert_allclose(dQ, _numeric_grad(f, Q), atol=1e-8)
    np.testing.assert_allclose(db, _numeric_grad(f, b), atol=1e-8)


def test_expected_nce_loss_ignores_words_the_noise_never_draws_and_is_stable(layer):
    H, Q, t = layer["H"], layer["Q"], layer["targets"]
    V = Q.shape[0]
    unused = [u for u in range(V) if u not in set(t.tolist())][0]
    q = np.ones(V)
    q[unused] = 0.0
    with np.errstate(divide="ignore"):
        log_q = np.log(q / q.sum())
    b = np.zeros(V)
    loss, dH, dQ, db = lm.expected_nce_loss(H, t, Q, b, log_q, 3)
    assert np.isfinite(loss) and db[unused] == 0.0 and np.all(dQ[unused] == 0.0)
    # Huge scores: softplus, not exp, so nothing overflows.
    loss, dH, dQ, db = lm.expected_nce_loss(H, t, Q, np.full(V, 800.0), np.full(V, -np.log(V)), 3)
    assert np.isfinite(loss) and loss > 100 and np.all(np.isfinite(dH)) and np.all(np.isfinite(dQ))


def test_dense_nce_training_updates_every_row_and_self_normalises():
    src, c, t, hc, ht, q = _small_problem(seed=10)
    sampler = lm.UnigramSampler(q)
    model = lm.LogBilinearLM(40, 8, unigram=q, random_state=0)
    start = model.copy()
    lm.train_step(model, c[:16], t[:16], "nce_expected", k=10, sampler=sampler)
    assert np.all(np.any(model.Q != start.Q, axis=1))          # every output row moved
    lm.train(model, c, t, "nce_expected", k=10, sampler=sampler, epochs=3, random_state=0)
    out = lm.evaluate(model, hc, ht)
    assert out["log_z_mean_abs"] < 0.1
    assert out["cross_entropy"] < -src.log_prob(hc, ht).mean() + 0.05
    with pytest.raises(TypeError, match="sampler"):
        lm.train(model, c, t, "nce_expected", k=10)


# --------------------------------------------------------------------------------------------
# training replayed step for step (the public losses and a dense Adagrad)
# --------------------------------------------------------------------------------------------
def _adagrad(param, acc, grad, lr):
    acc += grad * grad
    param -= lr * grad / (np.sqrt(acc) + 1e-8)


def _replay_step(params, accs, contexts, targets, method, k, sampler, lr, rng):
    """One train_step on plain arrays: the loss, then Adagrad on Q, b and R."""
    R, Q, b = params
    V = Q.shape[0]
    H = R[contexts]
    if method == "softmax":
        loss, dH, dQ, db = lm.softmax_loss(H, targets, Q, b)
    elif method == "nce_expected":
        loss, dH, dQ, db = lm.expected_nce_loss(H, targets, Q, b, sampler.log_probs, k)
    else:
        noise = sampler.sample((targets.size, k), random_state=rng)
        if method == "nce":
            loss, dH, rows, dQ_rows, db_rows = lm.nce_loss(H, targets, noise, Q, b, sampler.log_probs)
        else:
            loss, dH, rows, dQ_rows, db_rows = lm.negative_sampling_loss(H, targets, noise, Q, b)
        dQ, db = _dense_row_grad(rows, dQ_rows, V), np.zeros(V)
        np.add.at(db, rows.ravel(), db_rows.ravel())
    _adagrad(Q, accs[1], dQ, lr)
    _adagrad(b, accs[2], db, lr)
    _adagrad(R, accs[0], _dense_row_grad(contexts[:, None], dH[:, None, :], V), lr)
    return loss


@pytest.mark.parametrize("method", ["softmax", "nce", "negative_sampling", "nce_expected"])
def test_train_step_replays_the_losses_and_adagrad(method):
    V, D = 6, 3
    model = lm.LogBilinearLM(V, D, unigram=np.arange(1.0, V + 1), random_state=2)
    sampler = lm.UnigramSampler(np.arange(1.0, V + 1))
    params = [model.R.copy(), model.Q.copy(), model.b.copy()]
    accs = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(0)
    contexts, targets = rng.integers(0, V, 5), rng.integers(0, V, 5)
    contexts[1] = contexts[0]  # a repeated context row
    step_rng, replay_rng = np.random.default_rng(7), np.random.default_rng(7)
    for _ in range(2):  # the second step uses the accumulators of the first
        loss = lm.train_step(model, contexts, targets, method, k=3, sampler=sampler, learning_rate=0.3,
                             random_state=step_rng)
        expected = _replay_step(params, accs, contexts, targets, method, 3, sampler, 0.3, replay_rng)
        assert loss == pytest.approx(expected, rel=1e-12)
    for got, want in zip((model.R, model.Q, model.b), params, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)


def test_train_replays_its_batches_noise_and_history():
    V, D = 5, 2
    sampler = lm.UnigramSampler(np.arange(1.0, V + 1))
    rng = np.random.default_rng(1)
    contexts, targets = rng.integers(0, V, 10), rng.integers(0, V, 10)
    eval_c, eval_t = rng.integers(0, V, 6), rng.integers(0, V, 6)
    model = lm.LogBilinearLM(V, D, random_state=3)
    start = model.copy()
    hist = lm.train(model, contexts, targets, "nce", epochs=1.5, batch_size=4, k=2, sampler=sampler,
                    learning_rate=0.2, eval_pairs=(eval_c, eval_t), n_evals=2, random_state=5)
    # round(1.5 * 10 / 4) = 4 steps; evaluations at round(linspace(0, 4, 3)) = 0, 2, 4
    assert hist.steps == [0, 2, 4]
    assert hist.epochs == [0.0, 0.8, 1.6]
    assert hist.seconds[0] == 0.0 and np.all(np.diff(hist.seconds) >= 0)
    assert hist.seconds_per_step == pytest.approx(hist.seconds[-1] / 4, rel=1e-12)
    params = [start.R.copy(), start.Q.copy(), start.b.copy()]
    accs = [np.zeros_like(p) for p in params]
    order_rng, noise_rng = np.random.default_rng(5).spawn(2)
    order, pos, perplexities = order_rng.permutation(10), 0, []

    def perplexity():
        s = params[0][eval_c] @ params[1].T + params[2]
        return float(np.exp(np.mean(logsumexp(s, axis=1) - s[np.arange(6), eval_t])))

    perplexities.append(perplexity())
    for step in range(1, 5):
        if pos + 4 > 10:  # a new permutation when the rest of the epoch cannot fill a batch
            order, pos = order_rng.permutation(10), 0
        idx = order[pos:pos + 4]
        pos += 4
        _replay_step(params, accs, contexts[idx], targets[idx], "nce", 2, sampler, 0.2, noise_rng)
        if step in (2, 4):
            perplexities.append(perplexity())
    for got, want in zip((model.R, model.Q, model.b), params, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(hist.perplexity, perplexities, rtol=1e-11)
    # defaults: one epoch, batches of 128, k = 25, learning rate 0.1, five evaluations
    a, b = lm.LogBilinearLM(V, D, random_state=3), lm.LogBilinearLM(V, D, random_state=3)
    h1 = lm.train(a, contexts, targets, "nce", sampler=sampler, eval_pairs=(eval_c, eval_t), random_state=0)
    h2 = lm.train(b, contexts, targets, "nce", epochs=1.0, batch_size=128, k=25, sampler=sampler,
                  learning_rate=0.1, eval_pairs=(eval_c, eval_t), n_evals=5, random_state=0)
    np.testing.assert_array_equal(a.Q, b.Q)
    assert h1.steps == h2.steps == [0, 1] and h1.perplexity == h2.perplexity
    assert lm.train(a, contexts, targets, "softmax", random_state=0).perplexity == []


def test_evaluate_and_mean_kl_exact_values():
    model = lm.LogBilinearLM(3, 2, random_state=0)
    c, t = np.array([0, 2, 0]), np.array([1, 1, 2])
    s = model.R[c] @ model.Q.T + model.b
    log_z = logsumexp(s, axis=1)
    raw = s[np.arange(3), t]
    out = lm.evaluate(model, c, t)
    assert out["cross_entropy"] == pytest.approx(np.mean(log_z - raw), rel=1e-13)
    assert out["perplexity"] == pytest.approx(np.exp(np.mean(log_z - raw)), rel=1e-13)
    assert out["self_normalised_cross_entropy"] == pytest.approx(np.mean(-raw), rel=1e-13)
    assert out["log_z_mean"] == pytest.approx(np.mean(log_z), rel=1e-13)
    assert out["log_z_std"] == pytest.approx(np.std(log_z), rel=1e-12)
    assert out["log_z_mean_abs"] == pytest.approx(np.mean(np.abs(log_z)), rel=1e-13)
    assert all(type(v) is float for v in out.values())
    log_p = np.log([[0.5, 0.5], [1.0, 1e-300]])
    log_p[1] -= logsumexp(log_p[1])
    log_q = np.log([[0.25, 0.75], [0.5, 0.5]])
    kl0 = 0.5 * np.log(2.0) + 0.5 * np.log(0.5 / 0.75)
    kl1 = np.log(2.0)  # the 1e-300 entry contributes 0
    assert lm.mean_kl(log_p, log_q) == pytest.approx((kl0 + kl1) / 2, rel=1e-9)
    assert lm.mean_kl(log_p, log_q, weights=[3.0, 1.0]) == pytest.approx(0.75 * kl0 + 0.25 * kl1, rel=1e-9)
    with pytest.raises(ValueError, match="^log_q must be normalised"):
        lm.mean_kl(log_p, log_q + 1e-5)
    lm.mean_kl(log_p, log_q + 1e-7)  # within the 1e-6 tolerance


# --------------------------------------------------------------------------------------------
# defaults, thresholds and the rest of what mutation testing asked for
# --------------------------------------------------------------------------------------------
def test_documented_defaults_are_the_defaults():
    """Calls without the optional arguments equal calls with their documented defaults spelt out."""
    V, D = 8, 3
    rng = np.random.default_rng(0)
    contexts, targets = rng.integers(0, V, 300), rng.integers(0, V, 300)
    sampler = lm.UnigramSampler(np.arange(1.0, V + 1))
    a, b = lm.LogBilinearLM(V, D, random_state=1), lm.LogBilinearLM(V, D, random_state=1)
    lm.train(a, contexts, targets, "nce", sampler=sampler, random_state=2)
    lm.train(b, contexts, targets, "nce", sampler=sampler, random_state=2, epochs=1.0, batch_size=128, k=25)
    np.testing.assert_array_equal(a.Q, b.Q)
    a, b = lm.LogBilinearLM(V, D, random_state=1), lm.LogBilinearLM(V, D, random_state=1)
    lm.train_step(a, contexts[:20], targets[:20], "nce", sampler=sampler, random_state=3)
    lm.train_step(b, contexts[:20], targets[:20], "nce", sampler=sampler, random_state=3, k=25,
                  learning_rate=0.1)
    np.testing.assert_array_equal(a.Q, b.Q)
    np.testing.assert_array_equal(lm.make_class_bigram_source(40, random_state=4).log_probs,
                                  lm.make_class_bigram_source(40, 16, class_scale=1.5, exponent=1.0,
                                                              random_state=4).log_probs)
    np.testing.assert_array_equal(lm.unigram_distribution([0, 0, 1], 3),
                                  lm.unigram_distribution([0, 0, 1], 3, power=1.0, pseudocount=1.0))
    np.testing.assert_array_equal(lm.zipf_log_weights(5), -np.log(np.arange(1.0, 6.0)))


def test_softmax_loss_normalises_each_row_by_its_own_maximum():
    # Scores of about 1000 in one row and 0 in the other: a shift by the overall maximum would
    # underflow the second row's exponentials.
    Q = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    H = np.array([[1000.0, 0.0], [0.0, 0.0]])
    loss, *_ = lm.softmax_loss(H, np.array([0, 2]), Q, np.zeros(3))
    S = H @ Q.T
    expected = np.mean([logsumexp(S[0]) - S[0, 0], logsumexp(S[1]) - S[1, 2]])
    assert loss == pytest.approx(expected, rel=1e-12)


def test_evaluate_covers_every_chunk_of_contexts(monkeypatch):
    V = 6
    model = lm.LogBilinearLM(V, 2, random_state=0)
    contexts, targets = np.arange(V), (np.arange(V) + 1) % V
    expected = lm.evaluate(model, contexts, targets)
    monkeypatch.setattr(lm, "_EVAL_CHUNK", 2)       # three chunks of the six distinct contexts
    assert lm.evaluate(model, contexts, targets) == pytest.approx(expected, rel=1e-12)


def test_source_uses_every_class_and_its_first_token_follows_the_stationary_law():
    source = lm.make_class_bigram_source(200, 4, random_state=0)
    assert set(source.word_class.tolist()) == {0, 1, 2, 3}
    first = [source.sample(2, random_state=seed)[0] for seed in range(200)]
    assert len(set(first)) > 20                       # not only the first two words


@pytest.mark.parametrize("seed", range(6))
def test_stationary_class_distribution_is_stationary(seed):
    source = lm.make_class_bigram_source(30, 2 + seed % 4, random_state=seed)
    rho = source.stationary_class_distribution()
    np.testing.assert_allclose(rho @ source.class_transition_matrix(), rho, atol=1e-12)


def test_unigram_entropy_skips_words_of_probability_zero():
    # The third word has log-probability -1000: probability 0 in float64.
    source = lm.ClassBigramSource([0, 0, 0], [[np.log(0.5), np.log(0.5), -1000.0]])
    assert source.unigram_entropy() == pytest.approx(np.log(2.0), rel=1e-12)


def test_copy_keeps_the_adagrad_state():
    model = lm.LogBilinearLM(5, 2, random_state=0)
    c, t = np.array([0, 1, 2]), np.array([1, 2, 3])
    lm.train_step(model, c, t, "softmax")
    twin = model.copy()
    lm.train_step(model, c, t, "softmax")
    lm.train_step(twin, c, t, "softmax")
    np.testing.assert_array_equal(twin.R, model.R)
    np.testing.assert_array_equal(twin.Q, model.Q)


def test_sampler_cdf_ends_at_exactly_one():
    # The cumulative sum of ten 0.1 is 0.9999999999999999: the cdf is divided by it.
    assert np.cumsum(np.full(10, 0.1))[-1] != 1.0
    assert lm.UnigramSampler(np.full(10, 0.1))._cdf[-1] == 1.0


def test_an_epoch_uses_every_pair_once_when_the_batches_fill_it():
    """Two batches of 5 in 10 pairs: the second batch is the rest of the first permutation (a new
    permutation only when the next batch would run past the end)."""
    V, D = 5, 2
    rng = np.random.default_rng(1)
    contexts, targets = rng.integers(0, V, 10), rng.integers(0, V, 10)
    model, replay = lm.LogBilinearLM(V, D, random_state=3), lm.LogBilinearLM(V, D, random_state=3)
    import time

    start = time.perf_counter()
    hist = lm.train(model, contexts, targets, "softmax", epochs=1.0, batch_size=5, random_state=5)
    wall = time.perf_counter() - start
    order = np.random.default_rng(5).spawn(2)[0].permutation(10)
    for idx in (order[:5], order[5:]):
        lm.train_step(replay, contexts[idx], targets[idx], "softmax", learning_rate=0.1)
    np.testing.assert_array_equal(model.Q, replay.Q)
    np.testing.assert_array_equal(model.R, replay.R)
    assert hist.seconds[-1] <= wall


def test_normalisation_tolerances_accept_exactly_their_tolerance(monkeypatch):
    """A row whose log-sum is off by exactly the tolerance is accepted (1e-8 for a source's rows,
    1e-6 for mean_kl's arguments): logsumexp stands in for rows off by exactly that much."""
    source = lm.make_class_bigram_source(6, 2, random_state=0)
    monkeypatch.setattr(lm, "logsumexp", lambda a, axis: np.full(np.shape(a)[0], lm._NORMALISATION_TOL))
    lm.ClassBigramSource(source.word_class, source.log_probs)
    monkeypatch.setattr(lm, "logsumexp", lambda a, axis: np.full(np.shape(a)[0], 1e-6))
    assert lm.mean_kl(source.log_probs, source.log_probs) == 0.0


def test_unigram_weights_beyond_float64_are_refused_naming_tokens():
    # counts**power overflows (numpy warns of it unless the caller ignores overflow, as here).
    with np.errstate(over="ignore"), pytest.raises(ValueError, match=r"^tokens must be finite"):
        lm.unigram_distribution([0, 1, 1], 2, power=2000.0)


def test_sample_replays_its_documented_scheme():
    """First word from the stationary distribution, then each class's pool of pre-drawn next words
    (inverse-cdf sampling, one pool of n_tokens per class, drawn class by class) consumed in order."""
    source = lm.make_class_bigram_source(12, 3, random_state=1)
    rng = np.random.default_rng(7)
    cdfs = np.cumsum(np.exp(source.log_probs), axis=1)
    cdfs /= cdfs[:, -1:]
    pools = [list(np.searchsorted(cdfs[c], rng.random(40), side="right")) for c in range(3)]
    pi_cdf = np.cumsum(source.stationary_word_distribution())
    out = [int(np.searchsorted(pi_cdf / pi_cdf[-1], rng.random(), side="right"))]
    for _ in range(39):
        out.append(pools[source.word_class[out[-1]]].pop(0))
    sample = source.sample(40, random_state=7)
    assert sample.dtype == np.int64
    np.testing.assert_array_equal(sample, out)


def test_model_initialisation_replays_the_generator():
    model = lm.LogBilinearLM(6, 3, init_scale=0.2, random_state=4)
    rng = np.random.default_rng(4)
    np.testing.assert_array_equal(model.R, 0.2 * rng.standard_normal((6, 3)))
    np.testing.assert_array_equal(model.Q, 0.2 * rng.standard_normal((6, 3)))


def test_sample_first_word_follows_the_stationary_cdf():
    # One class, probabilities 0.2, 0.3, 0.5: the first word is the inverse stationary cdf of the
    # first uniform drawn after the pools.
    source = lm.ClassBigramSource([0, 0, 0], np.log([[0.2, 0.3, 0.5]]))
    for seed in range(10):
        rng = np.random.default_rng(seed)
        rng.random(5)                                    # the pool of the one class
        expected = int(np.searchsorted([0.2, 0.5, 1.0], rng.random(), side="right"))
        assert source.sample(5, random_state=seed)[0] == expected


def test_history_seconds_accumulate_each_steps_time(monkeypatch):
    """With a clock that advances one second per reading, each step adds exactly one second."""
    from types import SimpleNamespace

    ticks = iter(range(1000))
    monkeypatch.setattr(lm, "time", SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    c = np.arange(6)
    hist = lm.train(lm.LogBilinearLM(6, 2, random_state=0), c, c, "softmax", epochs=2.0, batch_size=3,
                    eval_pairs=(c, c), n_evals=4, random_state=0)
    assert hist.steps == [0, 1, 2, 3, 4] and hist.seconds == [0.0, 1.0, 2.0, 3.0, 4.0]
