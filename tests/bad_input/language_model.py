"""Bad-input cases for ``dgmbook.language_model`` (format: ``tests/bad_input/__init__.py``)."""

import numpy as np

from bad_input import bad
from dgmbook.language_model import (
    ClassBigramSource,
    LogBilinearLM,
    TrainingHistory,
    UnigramSampler,
    bigram_pairs,
    evaluate,
    expected_nce_loss,
    make_class_bigram_source,
    mean_kl,
    nce_loss,
    negative_sampling_loss,
    sampled_loss,
    softmax_loss,
    train,
    train_step,
    unigram_distribution,
    zipf_log_weights,
)

V, D, B, K = 6, 3, 4, 2
SOURCE = make_class_bigram_source(V, 2, random_state=0)
LOG_P = SOURCE.log_probs
CLASSES = SOURCE.word_class
MODEL = LogBilinearLM(V, D, random_state=0)
SAMPLER = UnigramSampler(np.ones(V))
H = np.zeros((B, D))
T = np.array([0, 1, 2, 3])
NOISE = np.ones((B, K), dtype=int)
QM, BM = np.zeros((V, D)), np.zeros(V)
LOG_Q = np.full(V, -np.log(V))
LOG_Q_HOLE = np.concatenate([[-np.inf], np.full(V - 1, -np.log(V - 1))])  # q(0) = 0
C = np.array([0, 1, 2, 3, 4, 5])
# A noise distribution with q(w) = 0 at words 0 and 5, both of which occur as targets.
HOLED = UnigramSampler([0.0, 1.0, 1.0, 1.0, 1.0, 0.0])
TARGETS_WITH_HOLES = np.array([1, 2, 3, 4, 5, 0])


def fresh():
    return LogBilinearLM(V, D, random_state=0)


CASES = {
    "ClassBigramSource": [
        bad(lambda: ClassBigramSource(CLASSES, np.log(np.full((2, V), 2.0 / V))), ValueError,
            "log_probs", "log-sum to 0", why="rows summing to 2 gave an entropy rate of 0.0"),
        bad(lambda: ClassBigramSource(np.array([0, 1, 2, 0, 1, 0]), LOG_P), ValueError, "word_class",
            "[0, 2)", why="a class out of range was an IndexError much later, in .sample"),
        bad(lambda: ClassBigramSource(CLASSES[:4], LOG_P), ValueError, "word_class", "one class per word"),
        bad(lambda: ClassBigramSource(CLASSES, np.where(np.eye(2, V) > 0, np.nan, LOG_P)), ValueError,
            "log_probs", "finite"),
        bad(lambda: ClassBigramSource(CLASSES, [["a"] * V] * 2), TypeError, "log_probs"),
        bad(lambda: ClassBigramSource(["0"] * V, LOG_P), TypeError, "word_class"),
        bad(lambda: ClassBigramSource(CLASSES.astype(float), LOG_P), TypeError, "word_class", "integer"),
        bad(lambda: ClassBigramSource(CLASSES, LOG_P[0]), ValueError, "log_probs", "ndim"),
        bad(lambda: ClassBigramSource([0], [[0.0]]), ValueError, "log_probs", "V >= 2 words", "got (1, 1)"),
        bad(lambda: ClassBigramSource(CLASSES, np.where(np.eye(2, V) > 0, 0.5, LOG_P)), ValueError,
            "log_probs", "log-probabilities (<= 0)"),
        # Only the second row is off: the worst row is found, not the first.
        bad(lambda: ClassBigramSource(CLASSES, np.stack([LOG_P[0], LOG_P[1] - 0.1])), ValueError,
            "log_probs", "log-sum to 0"),
        bad(lambda: ClassBigramSource(CLASSES[None], LOG_P), ValueError, "word_class", "ndim"),
    ],
    "ClassBigramSource.log_prob": [
        bad(lambda: SOURCE.log_prob([0, 1], [1]), ValueError, "targets", "shape"),
        bad(lambda: SOURCE.log_prob([0, V], [1, 1]), ValueError, "contexts", f"[0, {V})"),
        bad(lambda: SOURCE.log_prob(None, [1]), TypeError, "contexts"),
        bad(lambda: SOURCE.log_prob([0.5], [1]), TypeError, "contexts", "integer"),
        bad(lambda: SOURCE.log_prob([[0, 1], [0]], [1]), TypeError, "contexts", "integer token ids"),
        bad(lambda: SOURCE.log_prob([[0, 1]], [1, 2]), ValueError, "contexts", "ndim"),
        bad(lambda: SOURCE.log_prob([0, 1], [[1, 2]]), ValueError, "targets", "ndim"),
        bad(lambda: SOURCE.log_prob([0, 1], [1, V]), ValueError, "targets", f"[0, {V})"),
    ],
    "ClassBigramSource.sample": [
        bad(lambda: SOURCE.sample(1), ValueError, "n_tokens", ">= 2"),
        bad(lambda: SOURCE.sample(10.0), TypeError, "n_tokens"),
        bad(lambda: SOURCE.sample(10, random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: SOURCE.sample(10, random_state="0"), TypeError, "random_state"),
    ],
    "make_class_bigram_source": [
        bad(lambda: make_class_bigram_source(1), ValueError, "vocab_size", ">= 2"),
        bad(lambda: make_class_bigram_source(10, 0), ValueError, "n_classes", ">= 1"),
        bad(lambda: make_class_bigram_source(10, class_scale=-1.0), ValueError, "class_scale"),
        bad(lambda: make_class_bigram_source(10, exponent=np.nan), ValueError, "exponent", "finite"),
        bad(lambda: make_class_bigram_source(10, random_state=-1), ValueError, "random_state"),
        bad(lambda: make_class_bigram_source("10"), TypeError, "vocab_size"),
    ],
    "zipf_log_weights": [
        bad(lambda: zipf_log_weights(1), ValueError, "vocab_size", ">= 2"),
        bad(lambda: zipf_log_weights(5, 0.0), ValueError, "exponent", "> 0"),
        bad(lambda: zipf_log_weights(5.0), TypeError, "vocab_size"),
        bad(lambda: zipf_log_weights(True), TypeError, "vocab_size"),
    ],
    "UnigramSampler": [
        bad(lambda: UnigramSampler([1.0, -1.0, 1.0]), ValueError, "probs", "non-negative"),
        bad(lambda: UnigramSampler([0.0, 0.0]), ValueError, "probs", "positive sum"),
        bad(lambda: UnigramSampler([1.0]), ValueError, "probs", "at least 2"),
        bad(lambda: UnigramSampler([1.0, np.nan]), ValueError, "probs", "finite"),
        bad(lambda: UnigramSampler("ab"), TypeError, "probs"),
    ],
    "UnigramSampler.sample": [
        bad(lambda: SAMPLER.sample(2.5), TypeError, "size", why="was a raw 'float object is not iterable'"),
        bad(lambda: SAMPLER.sample(0), ValueError, "size", ">= 1"),
        bad(lambda: SAMPLER.sample((3, 0)), ValueError, "size[1]", ">= 1"),
        bad(lambda: SAMPLER.sample(()), TypeError, "size"),
        bad(lambda: SAMPLER.sample(3, random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: SAMPLER.sample((2, 0, 1)), ValueError, "size[1]", ">= 1"),
    ],
    "unigram_distribution": [
        bad(lambda: unigram_distribution([0, 1, 7], V), ValueError, "tokens", f"[0, {V})"),
        bad(lambda: unigram_distribution([0, 1], V, power=0.0), ValueError, "power", "> 0"),
        bad(lambda: unigram_distribution([0, 1], V, pseudocount=-1.0), ValueError, "pseudocount"),
        bad(lambda: unigram_distribution([0.0, 1.0], V), TypeError, "tokens", "integer"),
        bad(lambda: unigram_distribution([], V), TypeError, "tokens"),
        bad(lambda: unigram_distribution([0], 1), ValueError, "vocab_size", ">= 2"),
    ],
    "LogBilinearLM": [
        bad(lambda: LogBilinearLM(1, D), ValueError, "vocab_size", ">= 2"),
        bad(lambda: LogBilinearLM(V, 0), ValueError, "dim", ">= 1"),
        bad(lambda: LogBilinearLM(V, D, unigram=np.ones(V + 1)), ValueError, "unigram", "length"),
        bad(lambda: LogBilinearLM(V, D, unigram=np.eye(1, V)[0]), ValueError, "unigram", "positive"),
        bad(lambda: LogBilinearLM(V, D, unigram=[0.5, 0.5, 0, 0, 0, 0]), ValueError, "unigram", "positive"),
        bad(lambda: LogBilinearLM(V, D, unigram=[-1.0, 1, 1, 1, 1, 1]), ValueError, "unigram",
            "non-negative"),
        bad(lambda: LogBilinearLM(V, D, init_scale=-0.1), ValueError, "init_scale"),
        bad(lambda: LogBilinearLM(V, D, random_state=-1), ValueError, "random_state", "non-negative"),
    ],
    "LogBilinearLM.scores": [
        bad(lambda: MODEL.scores([V]), ValueError, "contexts", f"[0, {V})"),
        bad(lambda: MODEL.scores([[0, 1]]), ValueError, "contexts", "ndim"),
        bad(lambda: MODEL.scores(None), TypeError, "contexts"),
    ],
    "LogBilinearLM.log_normalisers": [
        bad(lambda: MODEL.log_normalisers([-1]), ValueError, "contexts"),
        bad(lambda: MODEL.log_normalisers(["a"]), TypeError, "contexts"),
    ],
    "LogBilinearLM.log_prob": [
        bad(lambda: MODEL.log_prob([0, 1], [2]), ValueError, "targets", "shape"),
        bad(lambda: MODEL.log_prob([0], [V]), ValueError, "targets", f"[0, {V})"),
        bad(lambda: MODEL.log_prob([True], [1]), TypeError, "contexts"),
        bad(lambda: MODEL.log_prob([[0]], [1]), ValueError, "contexts", "ndim"),
        bad(lambda: MODEL.log_prob([0], [[1]]), ValueError, "targets", "ndim"),
    ],
    "softmax_loss": [
        bad(lambda: softmax_loss(H, T[:3], QM, BM), ValueError, "targets", f"B={B}"),
        bad(lambda: softmax_loss(H, T, np.zeros((V, D + 1)), BM), ValueError, "Q", "columns"),
        bad(lambda: softmax_loss(H, T, QM, np.zeros(V + 1)), ValueError, "b", "shape"),
        bad(lambda: softmax_loss(np.full((B, D), np.nan), T, QM, BM), ValueError, "H", "finite"),
        bad(lambda: softmax_loss(H, None, QM, BM), TypeError, "targets"),
        bad(lambda: softmax_loss(H, T[None], QM, BM), ValueError, "targets", "ndim"),
        bad(lambda: softmax_loss(H[None], T, QM, BM), ValueError, "H", "ndim"),
        bad(lambda: softmax_loss(H, T, QM[0], BM), ValueError, "Q", "ndim"),
        bad(lambda: softmax_loss(H, T, "Q", BM), TypeError, "Q"),
    ],
    "sampled_loss": [
        bad(lambda: sampled_loss(H, T, NOISE[:2], QM, BM, None), ValueError, "noise", f"B={B}"),
        bad(lambda: sampled_loss(H, T, NOISE, QM, BM, np.zeros(V + 1)), ValueError, "offsets", f"({V},)"),
        bad(lambda: sampled_loss(H, T, NOISE, QM, BM, np.full(V, np.inf)), ValueError, "offsets", "finite"),
        bad(lambda: sampled_loss(H, T, NOISE.astype(float), QM, BM, None), TypeError, "noise", "integer"),
        bad(lambda: sampled_loss(H, T[None], NOISE, QM, BM, None), ValueError, "targets", "ndim"),
        bad(lambda: sampled_loss(H, "T", NOISE, QM, BM, None), TypeError, "targets"),
        bad(lambda: sampled_loss(H, T[:3], NOISE, QM, BM, None), ValueError, "targets", "B=4", "got 3"),
        bad(lambda: sampled_loss(H, T, NOISE, QM, BM, np.where(np.arange(V) == 1, -np.inf, 0.0)), ValueError,
            "offsets", "finite", "(is the noise probability 0 there?)"),
    ],
    "nce_loss": [
        bad(lambda: nce_loss(H, None, NOISE, QM, BM, LOG_Q), TypeError, "targets",
            why="was numpy's concatenate error"),
        bad(lambda: nce_loss(H, T, NOISE, QM, BM, LOG_Q_HOLE), ValueError,
            "noise_log_probs", "finite", why="q(w) = 0 at the data word 0"),
        bad(lambda: nce_loss(H, T, NOISE, QM, BM, LOG_Q[:3]), ValueError, "noise_log_probs", "one entry"),
        bad(lambda: nce_loss(H, T, NOISE[:, :0], QM, BM, LOG_Q), ValueError, "noise", "empty"),
        bad(lambda: nce_loss(H, T, NOISE, QM, BM, None), TypeError, "noise_log_probs"),
        bad(lambda: nce_loss(H, T, NOISE, QM, BM, -LOG_Q), ValueError, "noise_log_probs", "<= 0"),
        bad(lambda: nce_loss(H, T, NOISE[:3], QM, BM, LOG_Q), ValueError, "noise", f"B={B}"),
        bad(lambda: nce_loss(H, T[None], NOISE, QM, BM, LOG_Q), ValueError, "targets", "ndim"),
        bad(lambda: nce_loss(H, T, NOISE[0], QM, BM, LOG_Q), ValueError, "noise", "ndim"),
        bad(lambda: nce_loss(H, T[:3], NOISE[:3], QM, BM, LOG_Q), ValueError, "targets", "B=4", "got 3"),
        bad(lambda: nce_loss(H, T, NOISE * 0, QM, BM, LOG_Q_HOLE), ValueError, "noise_log_probs",
            "NCE needs q(w) > 0 wherever the data put mass"),
        bad(lambda: nce_loss(H, T, NOISE, QM, BM, np.full(V, 0.5)), ValueError, "noise_log_probs", "<= 0"),
        bad(lambda: nce_loss(H, T, NOISE, QM, BM, LOG_Q[None]), ValueError, "noise_log_probs", "1-d"),
        bad(lambda: nce_loss(H, T, NOISE, QM, BM, np.where(np.arange(V) == 2, np.nan, LOG_Q)), ValueError,
            "noise_log_probs", "no NaN"),
        bad(lambda: nce_loss(H, T, NOISE, QM, BM, np.array(["a"] * V)), ValueError, "noise_log_probs"),
    ],
    "expected_nce_loss": [
        bad(lambda: expected_nce_loss(H, None, QM, BM, LOG_Q, K), TypeError, "targets"),
        bad(lambda: expected_nce_loss(H, T, QM, BM, LOG_Q_HOLE, K), ValueError,
            "noise_log_probs", "finite", why="q(w) = 0 at the data word 0"),
        bad(lambda: expected_nce_loss(H, T, QM, BM, LOG_Q[:3], K), ValueError, "noise_log_probs",
            "one entry"),
        bad(lambda: expected_nce_loss(H, T, QM, BM, None, K), TypeError, "noise_log_probs", "got None"),
        bad(lambda: expected_nce_loss(H, T[None], QM, BM, LOG_Q, K), ValueError, "targets", "ndim"),
        bad(lambda: expected_nce_loss(H, T * 0, QM, BM, LOG_Q_HOLE, K), ValueError, "noise_log_probs",
            "NCE needs q(w) > 0 wherever the data put mass"),
        bad(lambda: expected_nce_loss(H, T, QM, BM, -LOG_Q, K), ValueError, "noise_log_probs", "<= 0"),
        bad(lambda: expected_nce_loss(H, T, QM, BM, LOG_Q, 0), ValueError, "k", ">= 1"),
        bad(lambda: expected_nce_loss(H, T, QM, BM, LOG_Q, 2.0), TypeError, "k"),
        bad(lambda: expected_nce_loss(H, T[:3], QM, BM, LOG_Q, K), ValueError, "targets", f"B={B}"),
        bad(lambda: expected_nce_loss(H, T, QM[:, :2], BM, LOG_Q, K), ValueError, "Q", "columns"),
    ],
    "negative_sampling_loss": [
        bad(lambda: negative_sampling_loss(H, T, NOISE[0], QM, BM), ValueError, "noise", "ndim"),
        bad(lambda: negative_sampling_loss(H, T, NOISE + V, QM, BM), ValueError, "noise", f"[0, {V})"),
        bad(lambda: negative_sampling_loss(H, T, NOISE, QM, "b"), TypeError, "b"),
    ],
    "train_step": [
        bad(lambda: train_step(fresh(), TARGETS_WITH_HOLES, TARGETS_WITH_HOLES, "nce", k=2, sampler=HOLED,
                               random_state=0), ValueError, "sampler", "positive probability",
            why="a finite loss was returned and the words with q(w) = 0 were left untouched"),
        bad(lambda: train_step(fresh(), C, C, "ml"), ValueError, "method", "softmax"),
        bad(lambda: train_step(fresh(), C, C, "nce", sampler=None), TypeError, "sampler"),
        bad(lambda: train_step(fresh(), C, C, "nce", k=0, sampler=SAMPLER), ValueError, "k", ">= 1"),
        bad(lambda: train_step(fresh(), C, C, "softmax", learning_rate=0.0), ValueError, "learning_rate"),
        bad(lambda: train_step(fresh(), C, C, "softmax", random_state=-1), ValueError, "random_state"),
        bad(lambda: train_step("model", C, C, "softmax"), TypeError, "model", "LogBilinearLM"),
        bad(lambda: train_step(fresh(), C, C[:3], "softmax"), ValueError, "targets", "shape"),
        bad(lambda: train_step("model", C, C, "softmax"), TypeError, "model", "got str"),
        bad(lambda: train_step(fresh(), C[None], C, "softmax"), ValueError, "contexts", "ndim"),
        bad(lambda: train_step(fresh(), C, C[None], "softmax"), ValueError, "targets", "ndim"),
        bad(lambda: train_step(fresh(), C + V, C, "softmax"), ValueError, "contexts", f"[0, {V})"),
        bad(lambda: train_step(fresh(), C, C, "nce", sampler="q"), TypeError, "sampler", "got str"),
        # Seven target words have q = 0: the message shows the first five.
        bad(lambda: train_step(LogBilinearLM(10, 2, random_state=0), np.arange(10), np.arange(10), "nce", k=2,
                               sampler=UnigramSampler([0.0] * 7 + [1.0] * 3), random_state=0), ValueError,
            "sampler", "7 target word(s)", "e.g. [0, 1, 2, 3, 4] (use a pseudocount"),
    ],
    "train": [
        bad(lambda: train(fresh(), TARGETS_WITH_HOLES, TARGETS_WITH_HOLES, "nce", k=2, sampler=HOLED,
                          random_state=0), ValueError, "sampler", "positive probability"),
        bad(lambda: train(fresh(), TARGETS_WITH_HOLES, TARGETS_WITH_HOLES, "nce_expected", k=2,
                          sampler=HOLED, random_state=0), ValueError, "sampler", "positive probability",
            why="dense NCE subtracts log(k q(w)) at the data word too"),
        bad(lambda: train(fresh(), C, C, "nce_expected", k=2), TypeError, "sampler", "UnigramSampler"),
        bad(lambda: train(fresh(), C, C, "nce_expected", k=0, sampler=SAMPLER), ValueError, "k"),
        bad(lambda: train(fresh(), C, C, "softmax", epochs=0), ValueError, "epochs", "> 0"),
        bad(lambda: train(fresh(), C, C, "softmax", batch_size=2.0), TypeError, "batch_size"),
        bad(lambda: train(fresh(), C, C, "softmax", eval_pairs=(C,)), TypeError, "eval_pairs"),
        bad(lambda: train(fresh(), C, C, "softmax", eval_pairs=(C, C[:2])), ValueError, "eval_pairs"),
        bad(lambda: train(fresh(), C, C, "softmax", n_evals=0), ValueError, "n_evals", ">= 1"),
        bad(lambda: train(fresh(), C, C, "softmax", learning_rate=0.0), ValueError, "learning_rate", "> 0"),
        bad(lambda: train(fresh(), C, C, "softmax", eval_pairs=(C[None], C)), ValueError, "eval_pairs[0]",
            "ndim"),
        bad(lambda: train(fresh(), C, C, "softmax", eval_pairs=(C, C[None])), ValueError, "eval_pairs[1]",
            "ndim"),
        bad(lambda: train(fresh(), C, C, "softmax", random_state=-1), ValueError, "random_state",
            "non-negative"),
        bad(lambda: train(fresh(), C, C, "negative_sampling", sampler=UnigramSampler(np.ones(V + 1))),
            ValueError, "sampler", f"vocab_size={V}"),
    ],
    "TrainingHistory": [
        bad(lambda: TrainingHistory(steps=(0, 1)), TypeError, "steps", "list"),
        bad(lambda: TrainingHistory(perplexity=np.zeros(3)), TypeError, "perplexity", "list"),
        bad(lambda: TrainingHistory(seconds_per_step="fast"), TypeError, "seconds_per_step", "got str"),
        bad(lambda: TrainingHistory(steps=(0, 1)), TypeError, "steps", "got tuple"),
    ],
    "evaluate": [
        bad(lambda: evaluate("model", C, C), TypeError, "model", "LogBilinearLM"),
        bad(lambda: evaluate(MODEL, C, C[:2]), ValueError, "targets", "shape"),
        bad(lambda: evaluate(MODEL, C + 1, C), ValueError, "contexts", f"[0, {V})"),
        bad(lambda: evaluate("model", C, C), TypeError, "model", "got str"),
        bad(lambda: evaluate(MODEL, C[None], C), ValueError, "contexts", "ndim"),
        bad(lambda: evaluate(MODEL, C, C[None]), ValueError, "targets", "ndim"),
        bad(lambda: evaluate(MODEL, C, C + 1), ValueError, "targets", f"[0, {V})"),
    ],
    "ClassBigramSource.log_conditionals": [
        bad(lambda: SOURCE.log_conditionals([V]), ValueError, "contexts", f"[0, {V})"),
        bad(lambda: SOURCE.log_conditionals(None), TypeError, "contexts"),
        bad(lambda: SOURCE.log_conditionals([[0]]), ValueError, "contexts", "ndim"),
    ],
    "LogBilinearLM.log_conditionals": [
        bad(lambda: MODEL.log_conditionals([[0]]), ValueError, "contexts", "ndim"),
        bad(lambda: MODEL.log_conditionals([0.0]), TypeError, "contexts", "integer"),
    ],
    "mean_kl": [
        bad(lambda: mean_kl(LOG_P, LOG_P[:1]), ValueError, "log_q", "shape"),
        bad(lambda: mean_kl(LOG_P, LOG_P + 1.0), ValueError, "log_q", "normalised"),
        bad(lambda: mean_kl(LOG_P[0], LOG_P[0]), ValueError, "log_p", "(N, V)"),
        bad(lambda: mean_kl(LOG_P, LOG_P, weights=[1.0]), ValueError, "weights", "one entry per context"),
        bad(lambda: mean_kl(LOG_P, LOG_P, weights=[-1.0, 2.0]), ValueError, "weights", "non-negative"),
        bad(lambda: mean_kl(np.full_like(LOG_P, np.nan), LOG_P), ValueError, "log_p", "NaN"),
        bad(lambda: mean_kl(np.where(np.eye(2, V) > 0, np.inf, LOG_P), LOG_P), ValueError, "log_p",
            "no +inf"),
        bad(lambda: mean_kl(np.zeros((0, V)), np.zeros((0, V))), ValueError, "log_p", "(N, V)"),
        bad(lambda: mean_kl(LOG_P + 1.0, LOG_P), ValueError, "log_p", "normalised"),
        bad(lambda: mean_kl(LOG_P, LOG_P, weights=[1.0, 1.0, 1.0]), ValueError, "weights", "N=2"),
    ],
    "bigram_pairs": [
        bad(lambda: bigram_pairs([3]), ValueError, "tokens", "at least 2"),
        bad(lambda: bigram_pairs([[0, 1], [1, 0]]), ValueError, "tokens", "1-d"),
        bad(lambda: bigram_pairs([0.0, 1.0]), TypeError, "tokens", "integer"),
        bad(lambda: bigram_pairs("ab"), ValueError, "tokens"),
    ],
}

EXEMPT = {
    "ClassBigramSource.class_transition_matrix": "takes no arguments; the source is validated when built",
    "ClassBigramSource.stationary_class_distribution": "takes no arguments",
    "ClassBigramSource.stationary_word_distribution": "takes no arguments",
    "ClassBigramSource.entropy_rate": "takes no arguments",
    "ClassBigramSource.unigram_entropy": "takes no arguments",
    "LogBilinearLM.copy": "takes no arguments",
}

VALID = [
    # At the limits: two words, a log-probability of exactly 0, one pair per batch, a (k,) size.
    lambda: ClassBigramSource([0, 0], [[0.0, -1000.0]]),
    lambda: unigram_distribution([0, 1], 2),
    lambda: expected_nce_loss(H, T * 0, QM, BM, np.concatenate([[0.0], np.full(V - 1, -np.inf)]), K),
    lambda: train(fresh(), C, C, "softmax", batch_size=1, random_state=0),
    lambda: np.testing.assert_array_equal(SAMPLER.sample((3,), random_state=0).shape, (3,)),
    # A word unused by the batch may have q = 0 (an offset of -inf).
    lambda: sampled_loss(H, T, NOISE, QM, BM, np.where(np.arange(V) == 5, -np.inf, 0.0)),
    lambda: nce_loss(H, T, NOISE, QM, BM, np.concatenate([np.full(V - 1, -np.log(V - 1)), [-np.inf]])),
    # k is not used by the full softmax: any value passes.
    lambda: train_step(fresh(), C, C, "softmax", k=0),
    # A zero-probability word contributes 0 to the KL divergence.
    lambda: np.testing.assert_allclose(mean_kl([[0.0, -np.inf]], np.log([[0.5, 0.5]])), np.log(2.0)),
    lambda: mean_kl([[0.0]], [[0.0]]),
    # lists of ints and numpy integer scalars
    lambda: ClassBigramSource(CLASSES.tolist(), LOG_P.tolist()).entropy_rate(),
    lambda: SOURCE.sample(np.int64(10), random_state=np.int32(3)),
    lambda: SAMPLER.sample(np.int64(3)),
    lambda: SAMPLER.sample([2, np.int64(3)], random_state=np.random.default_rng(0)),
    lambda: make_class_bigram_source(np.int64(8), np.int32(2), class_scale=0, random_state=1),
    lambda: LogBilinearLM(np.int64(V), np.int16(D), unigram=[1] * V, init_scale=0).log_prob([0], [1]),
    lambda: unigram_distribution(np.array([0, 1, 1], dtype=np.uint8), V, power=0.75),
    lambda: nce_loss(H.tolist(), T.tolist(), NOISE.tolist(), QM, BM, LOG_Q.tolist()),
    lambda: softmax_loss(H, np.array(T, dtype=np.int32), QM, BM),
    lambda: train_step(fresh(), C.tolist(), C.tolist(), "nce", k=np.int64(2), sampler=SAMPLER,
                       random_state=np.int64(0)),
    lambda: train(fresh(), C, C, "softmax", epochs=1, batch_size=np.int64(2), eval_pairs=[C, C]),
    lambda: evaluate(MODEL, C.tolist(), C.tolist()),
    lambda: mean_kl(LOG_P.tolist(), LOG_P, weights=[1, np.int64(2)]),
    lambda: mean_kl(np.where(np.arange(V) == 0, -np.inf, LOG_P - np.log1p(-np.exp(LOG_P[:, :1]))), LOG_P),
    lambda: bigram_pairs(np.array([1, 2, 3], dtype=np.uint16)),
    # NCE with q(w) = 0 only at words that never occur as targets is valid
    lambda: train_step(fresh(), C, np.array([1, 2, 3, 4, 1, 2]), "nce", k=2, sampler=HOLED, random_state=0),
]
