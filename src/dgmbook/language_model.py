"""NCE for a word-level language model: a known ground truth, a log-bilinear model, three losses.

The code behind the section :ref:`q1-nce-language-model` (Question 1, Part 5.1). It has four parts:

- **a ground truth**: :class:`ClassBigramSource`, a Markov chain over ``V`` words in which the next
  word depends on the previous one only through its class, each class having its own Zipf-like
  distribution over the whole vocabulary. Its entropy rate is known exactly, so a model's held-out
  cross-entropy can be judged absolutely;
- **a model**: :class:`LogBilinearLM`, a bigram log-bilinear model (Mnih & Teh, 2012) with logit
  ``eta(w, w') = R[w'] . Q[w] + b[w]`` (eq. ``q1lm-eq-lbl``; the book writes ``r_{w'}`` for the rows
  of ``R``, ``o_w`` for those of ``Q`` and ``delta_w`` for ``b``; the code's "score" ``s`` is that
  logit, not the score of the notation page);
- **three output-layer losses** with analytic gradients: the full softmax (maximum likelihood,
  ``O(V D)`` per word, eq. ``q1lm-eq-ml-grad``), NCE with ``k`` noise words and the per-context
  normaliser fixed to 1 (``O(k D)``, eq. ``q1lm-eq-nce``), and word2vec's negative sampling
  (eq. ``q1lm-eq-ns``);
- **training**: a unigram noise sampler, sparse Adagrad updates that touch only the rows a loss
  involves, and :func:`train`, which records held-out perplexity against training time.

Conventions: token ids are integers in ``[0, V)``; ``H`` is a ``(B, D)`` batch of context
representations (``h`` in the code is a context, not an RBM's hidden units); ``k`` is the number of
noise words per data word, the book's ratio ``nu`` (Mnih and Teh's ``k``), and ``q`` the book's
noise distribution ``p_n``; losses are *means over the batch* of per-word losses, in nats.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from scipy.special import expit, logsumexp

from dgmbook.validation import (
    as_float_array,
    check_int,
    check_positive,
    check_random_state,
)

#: How far a row of ``ClassBigramSource.log_probs`` may log-sum from zero (float64 round-off).
_NORMALISATION_TOL = 1e-8

__all__ = [
    "METHODS",
    "ClassBigramSource",
    "make_class_bigram_source",
    "zipf_log_weights",
    "UnigramSampler",
    "unigram_distribution",
    "LogBilinearLM",
    "softmax_loss",
    "nce_loss",
    "negative_sampling_loss",
    "expected_nce_loss",
    "sampled_loss",
    "train_step",
    "train",
    "TrainingHistory",
    "evaluate",
    "mean_kl",
    "bigram_pairs",
]

#: Training objectives understood by :func:`train_step` and :func:`train`. ``"nce_expected"`` is
#: NCE with the noise term replaced by its exact expectation over ``q`` (every output row updated
#: at every step, as the softmax's): the control that separates NCE's objective from its sampling.
METHODS = ("softmax", "nce", "negative_sampling", "nce_expected")

#: Distinct contexts scored at once by :func:`evaluate` (memory ``_EVAL_CHUNK * V`` floats).
_EVAL_CHUNK = 512


# --------------------------------------------------------------------------------------------
# Validation helpers specific to this module
# --------------------------------------------------------------------------------------------


def _as_token_array(name: str, value: Any, vocab_size: int, *,
                    ndim: int | tuple[int, ...] | None = None) -> np.ndarray:
    """Integer token ids in ``[0, vocab_size)`` as an int64 array (raises naming ``name``)."""
    if value is None:
        raise TypeError(f"{name} must be an array of integer token ids, got None")
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged lists
        raise TypeError(f"{name} must be an array of integer token ids ({exc})") from None
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must contain integer token ids, got dtype {arr.dtype}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise ValueError(f"{name} must have ndim in {allowed}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty")
    low, high = int(arr.min()), int(arr.max())
    if low < 0 or high >= vocab_size:
        raise ValueError(f"{name} must hold token ids in [0, {vocab_size}), got values in [{low}, {high}]")
    return arr.astype(np.int64, copy=False)


def _as_distribution(name: str, value: Any) -> np.ndarray:
    """A 1-d array of non-negative weights with a positive sum, normalised to sum to one."""
    p = as_float_array(name, value, ndim=1)
    if np.any(p < 0):
        raise ValueError(f"{name} must be non-negative")
    total = p.sum()
    if total <= 0:
        raise ValueError(f"{name} must have a positive sum")
    return p / total


# --------------------------------------------------------------------------------------------
# Ground truth: a class-based Zipfian bigram source
# --------------------------------------------------------------------------------------------


def zipf_log_weights(vocab_size: int, exponent: float = 1.0) -> np.ndarray:
    """Unnormalised Zipf log-weights ``-exponent * log(rank)`` for ranks ``1..vocab_size``.

    Parameters
    ----------
    vocab_size : int
        Number of words ``V >= 2``.
    exponent : float, default 1.0
        Zipf exponent ``a > 0``: word of rank ``r`` has weight ``r**(-a)``.

    Returns
    -------
    numpy.ndarray, shape (V,)
    """
    vocab_size = check_int("vocab_size", vocab_size, minimum=2)
    exponent = check_positive("exponent", exponent)
    return -exponent * np.log(np.arange(1, vocab_size + 1, dtype=np.float64))


@dataclass(frozen=True)
class ClassBigramSource:
    """A bigram source whose next word depends on the previous word only through its class.

    ``P(w' | w) = p_{c(w)}(w')``: word ``w`` belongs to class ``c(w)`` in ``{0, ..., C-1}`` and each
    class has its own distribution ``p_c`` over all ``V`` words.

    Attributes
    ----------
    word_class : numpy.ndarray, shape (V,)
        Class ``c(w)`` of each word (as a context).
    log_probs : numpy.ndarray, shape (C, V)
        ``log p_c(w')``; each row log-sums to zero.
    """

    word_class: np.ndarray
    log_probs: np.ndarray

    def __post_init__(self) -> None:
        log_probs = as_float_array("log_probs", self.log_probs, ndim=2)
        n_classes, vocab_size = log_probs.shape
        if vocab_size < 2:
            raise ValueError(f"log_probs must have shape (C, V) with V >= 2 words, got {log_probs.shape}")
        if np.any(log_probs > 0):
            raise ValueError("log_probs must hold log-probabilities (<= 0)")
        row_log_sums = logsumexp(log_probs, axis=1)
        worst = int(np.argmax(np.abs(row_log_sums)))
        if abs(row_log_sums[worst]) > _NORMALISATION_TOL:
            raise ValueError(f"log_probs must have rows that log-sum to 0 (each p_c sums to one); "
                             f"row {worst} sums to {np.exp(row_log_sums[worst]):.6g}")
        word_class = _as_token_array("word_class", self.word_class, n_classes, ndim=1)
        if word_class.size != vocab_size:
            raise ValueError(f"word_class must have one class per word, V={vocab_size}, "
                             f"got {word_class.size}")
        # Frozen dataclass: store the checked arrays (same values, int64 and float64).
        object.__setattr__(self, "word_class", word_class)
        object.__setattr__(self, "log_probs", log_probs)

    @property
    def vocab_size(self) -> int:
        """Number of words ``V``."""
        return self.log_probs.shape[1]

    @property
    def n_classes(self) -> int:
        """Number of context classes ``C``."""
        return self.log_probs.shape[0]

    def class_transition_matrix(self) -> np.ndarray:
        """``T[c, c'] = P(c(w_{t+1}) = c' | c(w_t) = c)``, shape (C, C), rows sum to one."""
        probs = np.exp(self.log_probs)
        T = np.zeros((self.n_classes, self.n_classes))
        for c_next in range(self.n_classes):
            T[:, c_next] = probs[:, self.word_class == c_next].sum(axis=1)
        return T

    def stationary_class_distribution(self) -> np.ndarray:
        """Stationary distribution ``rho`` of the class chain, shape (C,): ``rho T = rho``."""
        T = self.class_transition_matrix()
        eigvals, eigvecs = np.linalg.eig(T.T)
        rho = np.real(eigvecs[:, np.argmin(np.abs(eigvals - 1.0))])
        rho = np.abs(rho)
        return rho / rho.sum()

    def stationary_word_distribution(self) -> np.ndarray:
        """Stationary distribution of words, ``pi(w') = sum_c rho_c p_c(w')``, shape (V,)."""
        return self.stationary_class_distribution() @ np.exp(self.log_probs)

    def entropy_rate(self) -> float:
        """Entropy rate ``H = sum_c rho_c H(p_c)`` in nats: the best possible held-out
        cross-entropy."""
        probs = np.exp(self.log_probs)
        class_entropy = -(probs * self.log_probs).sum(axis=1)
        return float(self.stationary_class_distribution() @ class_entropy)

    def unigram_entropy(self) -> float:
        """Entropy of the stationary word distribution in nats (what a context-free model can reach)."""
        pi = self.stationary_word_distribution()
        pi = pi[pi > 0]
        return float(-(pi * np.log(pi)).sum())

    def log_conditionals(self, contexts: Any) -> np.ndarray:
        """True next-word log-probabilities ``log P(. | context)``, shape (N, V)."""
        contexts = _as_token_array("contexts", contexts, self.vocab_size, ndim=1)
        return self.log_probs[self.word_class[contexts]]

    def log_prob(self, contexts: Any, targets: Any) -> np.ndarray:
        """True ``log P(target | context)`` for each pair, shape (N,)."""
        contexts = _as_token_array("contexts", contexts, self.vocab_size, ndim=1)
        targets = _as_token_array("targets", targets, self.vocab_size, ndim=1)
        if contexts.shape != targets.shape:
            raise ValueError(f"targets must have the shape of contexts {contexts.shape}, got {targets.shape}")
        return self.log_probs[self.word_class[contexts], targets]

    def sample(self, n_tokens: int, random_state: Any = None) -> np.ndarray:
        """A stationary sequence of ``n_tokens`` token ids, shape (n_tokens,).

        The first word is drawn from the stationary distribution, so every position is distributed
        as the stationary chain. Each class keeps a pool of pre-drawn next words (inverse-CDF
        sampling, vectorised) that the chain consumes in order.
        """
        n_tokens = check_int("n_tokens", n_tokens, minimum=2)
        rng = check_random_state(random_state)
        probs = np.exp(self.log_probs)
        cdfs = np.cumsum(probs, axis=1)
        cdfs /= cdfs[:, -1:]
        pools = [np.searchsorted(cdfs[c], rng.random(n_tokens), side="right")
                 for c in range(self.n_classes)]
        pointer = [0] * self.n_classes
        word_class = self.word_class.tolist()
        pools = [pool.tolist() for pool in pools]
        pi_cdf = np.cumsum(self.stationary_word_distribution())
        pi_cdf /= pi_cdf[-1]
        w = int(np.searchsorted(pi_cdf, rng.random(), side="right"))
        out = [w]
        for _ in range(n_tokens - 1):
            c = word_class[w]
            w = pools[c][pointer[c]]
            pointer[c] += 1
            out.append(w)
        return np.asarray(out, dtype=np.int64)


def make_class_bigram_source(
    vocab_size: int,
    n_classes: int = 16,
    *,
    exponent: float = 1.0,
    class_scale: float = 1.5,
    random_state: Any = None,
) -> ClassBigramSource:
    """A random :class:`ClassBigramSource` whose word frequencies are roughly Zipfian.

    ``log p_c(w) = -exponent * log(rank(w)) + class_scale * g_c(w) - log Z_c`` with ``g_c(w)``
    independent standard normals, and classes ``c(w)`` assigned uniformly at random. The ``(V, V)``
    matrix of ``log P(w' | w)`` has only ``C`` distinct rows, so a log-bilinear model with ``D >= C``
    represents the source exactly (``R[w]`` the indicator of ``c(w)``, ``Q = log_probs.T``, ``b = 0``).

    Parameters
    ----------
    vocab_size : int
        Number of words ``V >= 2``.
    n_classes : int, default 16
        Number of context classes ``C >= 1``.
    exponent : float, default 1.0
        Zipf exponent of the shared rank profile.
    class_scale : float, default 1.5
        Standard deviation of the class-specific perturbation of the log-probabilities (0 makes the
        context useless: every class has the same distribution).
    random_state : None, int or numpy.random.Generator
        Seed for the classes and perturbations.

    Returns
    -------
    ClassBigramSource
    """
    vocab_size = check_int("vocab_size", vocab_size, minimum=2)
    n_classes = check_int("n_classes", n_classes, minimum=1)
    class_scale = check_positive("class_scale", class_scale, allow_zero=True)
    base = zipf_log_weights(vocab_size, exponent)
    rng = check_random_state(random_state)
    logits = base[None, :] + class_scale * rng.standard_normal((n_classes, vocab_size))
    log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
    word_class = rng.integers(0, n_classes, size=vocab_size)
    return ClassBigramSource(word_class=word_class, log_probs=log_probs)


def bigram_pairs(tokens: Any) -> tuple[np.ndarray, np.ndarray]:
    """Split a token sequence into (context, target) pairs ``(w_t, w_{t+1})``.

    Parameters
    ----------
    tokens : array_like of int, shape (N,)

    Returns
    -------
    contexts, targets : numpy.ndarray, shape (N - 1,) each
    """
    tokens = np.asarray(tokens)
    if tokens.ndim != 1 or tokens.size < 2:
        raise ValueError(f"tokens must be a 1-d sequence of at least 2 ids, got shape {tokens.shape}")
    if tokens.dtype.kind not in "iu":
        raise TypeError(f"tokens must contain integer token ids, got dtype {tokens.dtype}")
    return tokens[:-1].astype(np.int64), tokens[1:].astype(np.int64)


# --------------------------------------------------------------------------------------------
# Noise distribution
# --------------------------------------------------------------------------------------------


def unigram_distribution(tokens: Any, vocab_size: int, *, power: float = 1.0,
                         pseudocount: float = 1.0) -> np.ndarray:
    """Smoothed unigram frequencies raised to ``power`` and renormalised, shape (V,).

    ``q(w) ∝ (count(w) + pseudocount) ** power``. NCE needs ``q(w) > 0`` wherever the data can put
    mass, hence the default pseudocount of 1; word2vec uses ``power = 0.75``.
    """
    vocab_size = check_int("vocab_size", vocab_size, minimum=2)
    tokens = _as_token_array("tokens", tokens, vocab_size)
    power = check_positive("power", power)
    pseudocount = check_positive("pseudocount", pseudocount, allow_zero=True)
    counts = np.bincount(tokens.ravel(), minlength=vocab_size).astype(np.float64) + pseudocount
    return _as_distribution("tokens", counts**power)


class UnigramSampler:
    """Draws noise words from a fixed distribution ``q`` over ``V`` words in ``O(log V)`` each.

    The cumulative distribution is computed once, so a draw of ``n`` words costs ``O(n log V)``
    (``numpy.random.Generator.choice`` with ``p=`` would recompute it, an ``O(V)`` cost per call).

    Parameters
    ----------
    probs : array_like, shape (V,)
        Non-negative weights (normalised here).

    Attributes
    ----------
    probs, log_probs : numpy.ndarray, shape (V,)
        ``q`` and ``log q`` (``-inf`` where ``q = 0``).
    """

    def __init__(self, probs: Any):
        self.probs = _as_distribution("probs", probs)
        if self.probs.size < 2:
            raise ValueError("probs must cover at least 2 words")
        with np.errstate(divide="ignore"):
            self.log_probs = np.log(self.probs)
        cdf = np.cumsum(self.probs)
        self._cdf = cdf / cdf[-1]  # last entry exactly 1.0, so u < 1 never falls off the end

    @property
    def vocab_size(self) -> int:
        return self.probs.size

    def sample(self, size: int | tuple[int, ...], random_state: Any = None) -> np.ndarray:
        """Noise word ids of shape ``size``, i.i.d. from ``q``."""
        if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
            shape = (check_int("size", size, minimum=1),)
        elif isinstance(size, (tuple, list)) and len(size) > 0:
            shape = tuple(check_int(f"size[{i}]", n, minimum=1) for i, n in enumerate(size))
        else:
            raise TypeError(f"size must be a positive int or a non-empty tuple of them, got {size!r}")
        rng = check_random_state(random_state)
        return self._draw(shape, rng)

    def _draw(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.searchsorted(self._cdf, rng.random(shape), side="right")

    def _nce_offsets(self, k: int) -> np.ndarray:
        """``log(k q(w))`` for every word, computed once per ``k`` and cached."""
        cache = self.__dict__.setdefault("_offsets_cache", {})
        if k not in cache:
            cache[k] = self.log_probs + np.log(k)
        return cache[k]


# --------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------


class LogBilinearLM:
    """Bigram log-bilinear language model: ``s(w, h) = R[h] . Q[w] + b[w]`` (eq. ``q1lm-eq-lbl``).

    ``p(w | h) = exp(s(w, h)) / Z(h)`` with ``Z(h) = sum_v exp(s(v, h))``. Mnih & Teh's LBL predicts
    the representation from several previous words; with one previous word the context matrix is
    absorbed into ``R``.

    Parameters
    ----------
    vocab_size : int
        ``V``.
    dim : int
        Embedding dimension ``D``.
    unigram : array_like, shape (V,), optional
        If given, the biases start at ``log unigram`` so that every method starts from the unigram
        model, which is normalised (``Z(h) = 1`` when the embeddings start small).
    init_scale : float, default 0.1
        Standard deviation of the initial embeddings.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    R, Q : numpy.ndarray, shape (V, D)
        Context and output embeddings.
    b : numpy.ndarray, shape (V,)
        Output biases.
    """

    def __init__(self, vocab_size: int, dim: int, *, unigram: Any = None, init_scale: float = 0.1,
                 random_state: Any = None):
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        self.dim = check_int("dim", dim, minimum=1)
        init_scale = check_positive("init_scale", init_scale, allow_zero=True)
        rng = check_random_state(random_state)
        self.R = init_scale * rng.standard_normal((self.vocab_size, self.dim))
        self.Q = init_scale * rng.standard_normal((self.vocab_size, self.dim))
        if unigram is None:
            self.b = np.zeros(self.vocab_size)
        else:
            u = _as_distribution("unigram", unigram)
            if u.size != self.vocab_size:
                raise ValueError(f"unigram must have length vocab_size={self.vocab_size}, got {u.size}")
            if np.any(u == 0):
                raise ValueError("unigram must be positive everywhere (its log initialises the biases)")
            self.b = np.log(u)
        # Adagrad accumulators of squared gradients, one per parameter entry.
        self._acc = {"R": np.zeros_like(self.R), "Q": np.zeros_like(self.Q), "b": np.zeros_like(self.b)}

    def copy(self) -> LogBilinearLM:
        """An independent copy (parameters and optimiser state)."""
        new = object.__new__(LogBilinearLM)
        new.vocab_size, new.dim = self.vocab_size, self.dim
        new.R, new.Q, new.b = self.R.copy(), self.Q.copy(), self.b.copy()
        new._acc = {key: value.copy() for key, value in self._acc.items()}
        return new

    def scores(self, contexts: Any) -> np.ndarray:
        """Scores ``s(w, h)`` of every word for each context, shape (N, V)."""
        contexts = _as_token_array("contexts", contexts, self.vocab_size, ndim=1)
        return self.R[contexts] @ self.Q.T + self.b

    def log_normalisers(self, contexts: Any) -> np.ndarray:
        """``log Z(h) = logsumexp_v s(v, h)`` for each context, shape (N,); 0 for a self-normalised
        model."""
        return logsumexp(self.scores(contexts), axis=1)

    def log_conditionals(self, contexts: Any) -> np.ndarray:
        """Normalised next-word log-probabilities ``log p(. | context)``, shape (N, V)."""
        s = self.scores(contexts)
        return s - logsumexp(s, axis=1, keepdims=True)

    def log_prob(self, contexts: Any, targets: Any) -> np.ndarray:
        """Normalised ``log p(target | context)`` for each pair, shape (N,)."""
        contexts = _as_token_array("contexts", contexts, self.vocab_size, ndim=1)
        targets = _as_token_array("targets", targets, self.vocab_size, ndim=1)
        if contexts.shape != targets.shape:
            raise ValueError(f"targets must have the shape of contexts {contexts.shape}, got {targets.shape}")
        s = self.R[contexts] @ self.Q.T + self.b
        return s[np.arange(s.shape[0]), targets] - logsumexp(s, axis=1)


# --------------------------------------------------------------------------------------------
# Output-layer losses and their gradients
# --------------------------------------------------------------------------------------------


def _check_output_layer(H: Any, Q: Any, b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    H = as_float_array("H", H, ndim=2)
    Q = as_float_array("Q", Q, ndim=2)
    if Q.shape[1] != H.shape[1]:
        raise ValueError(f"Q must have D={H.shape[1]} columns like H, got shape {Q.shape}")
    b = as_float_array("b", b, shape=(Q.shape[0],))
    return H, Q, b


def softmax_loss(H: Any, targets: Any, Q: Any,
                 b: Any) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Full-softmax negative log-likelihood and its gradients (eq. ``q1lm-eq-ml-grad``): ``O(B V D)``.

    Parameters
    ----------
    H : array_like, shape (B, D)
        Context representations.
    targets : array_like of int, shape (B,)
        Next words.
    Q : array_like, shape (V, D)
        Output embeddings.
    b : array_like, shape (V,)
        Output biases.

    Returns
    -------
    loss : float
        ``mean_i [log Z(h_i) - s(w_i, h_i)]``.
    dH : numpy.ndarray, shape (B, D)
    dQ : numpy.ndarray, shape (V, D)
        Dense: every output row receives gradient.
    db : numpy.ndarray, shape (V,)
    """
    H, Q, b = _check_output_layer(H, Q, b)
    targets = _as_token_array("targets", targets, Q.shape[0], ndim=1)
    if targets.shape[0] != H.shape[0]:
        raise ValueError(f"targets must have length B={H.shape[0]}, got {targets.shape[0]}")
    return _softmax_loss(H, targets, Q, b)


def _softmax_loss(H, targets, Q, b):
    B = H.shape[0]
    rows = np.arange(B)
    S = H @ Q.T
    S += b
    S -= S.max(axis=1, keepdims=True)  # log Z - s(w, h) is unchanged by the shift; exp cannot overflow
    target_shifted = S[rows, targets].copy()
    np.exp(S, out=S)
    Z = S.sum(axis=1)
    loss = float(np.mean(np.log(Z) - target_shifted))
    S /= Z[:, None]  # S is now the model's p(. | h_i)
    S[rows, targets] -= 1.0
    S /= B  # gradient of the mean loss with respect to the scores
    dH = S @ Q
    dQ = S.T @ H
    db = S.sum(axis=0)
    return loss, dH, dQ, db


def sampled_loss(H: Any, targets: Any, noise: Any, Q: Any, b: Any,
                 offsets: Any) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Logistic loss for telling data words from noise words, with per-word score offsets.

    For context ``h``, data word ``w`` and noise words ``x_1..x_k`` the per-word loss is
    ``softplus(-(s(w,h) - o(w))) + sum_j softplus(s(x_j,h) - o(x_j))``. NCE is ``o = log(k q)``
    (eq. ``q1lm-eq-nce``), negative sampling ``o = 0`` (eq. ``q1lm-eq-ns``). Cost ``O(B k D)``.

    Parameters
    ----------
    H : array_like, shape (B, D)
    targets : array_like of int, shape (B,)
    noise : array_like of int, shape (B, k)
        Noise words for each context.
    Q : array_like, shape (V, D)
    b : array_like, shape (V,)
    offsets : array_like, shape (V,), or None
        ``o(w)``, finite for every word that occurs in ``targets`` or ``noise``; None means 0.

    Returns
    -------
    loss : float
        Mean over the batch.
    dH : numpy.ndarray, shape (B, D)
    rows : numpy.ndarray of int, shape (B, k + 1)
        Output rows touched: column 0 the data word, then the noise words.
    dQ_rows : numpy.ndarray, shape (B, k + 1, D)
        Gradient for ``Q[rows]`` (rows may repeat: gradients of repeats add up).
    db_rows : numpy.ndarray, shape (B, k + 1)
        Gradient for ``b[rows]``.
    """
    H, Q, b = _check_output_layer(H, Q, b)
    V = Q.shape[0]
    targets = _as_token_array("targets", targets, V, ndim=1)
    noise = _as_token_array("noise", noise, V, ndim=2)
    if targets.shape[0] != H.shape[0]:
        raise ValueError(f"targets must have length B={H.shape[0]}, got {targets.shape[0]}")
    if noise.shape[0] != H.shape[0]:
        raise ValueError(f"noise must have B={H.shape[0]} rows, got shape {noise.shape}")
    rows = np.concatenate([targets[:, None], noise], axis=1)
    if offsets is not None:
        offsets = np.asarray(offsets)
        if offsets.dtype.kind not in "iuf" or offsets.shape != (V,):
            raise ValueError(f"offsets must be a real array of shape ({V},), got "
                             f"{offsets.dtype} {offsets.shape}")
        offsets = offsets.astype(np.float64)
        if not np.all(np.isfinite(offsets[rows])):
            raise ValueError("offsets must be finite at every data and noise word "
                             "(is the noise probability 0 there?)")
    return _sampled_loss(H, targets, noise, Q, b, offsets)


def _sampled_loss(H, targets, noise, Q, b, offsets):
    loss, G, rows, Qr = _sampled_logit_grads(H, targets, noise, Q, b, offsets)
    dH = np.einsum("bj,bjd->bd", G, Qr)
    dQ_rows = G[:, :, None] * H[:, None, :]
    return loss, dH, rows, dQ_rows, G


def _sampled_logit_grads(H, targets, noise, Q, b, offsets):
    """Loss, its gradient ``G`` (B, k+1) with respect to the logits, the rows and ``Q[rows]``."""
    rows = np.concatenate([targets[:, None], noise], axis=1)  # (B, k+1)
    Qr = Q[rows]  # (B, k+1, D): the only output rows this loss reads
    logits = np.einsum("bd,bjd->bj", H, Qr) + b[rows]
    if offsets is not None:
        logits -= offsets[rows]
    # Data word: label 1 -> loss softplus(-logit); noise words: label 0 -> loss softplus(logit).
    signs = np.ones_like(logits)
    signs[:, 0] = -1.0
    B = H.shape[0]
    loss = float(np.logaddexp(0.0, signs * logits).sum() / B)
    G = expit(logits)  # d loss / d logit = sigmoid(logit) - label
    G[:, 0] -= 1.0
    G /= B
    return loss, G, rows, Qr


def nce_loss(H: Any, targets: Any, noise: Any, Q: Any, b: Any,
             noise_log_probs: Any) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """NCE loss with the normaliser fixed to 1 (self-normalised) and its gradients (eq. ``q1lm-eq-nce``).

    ``-log sigmoid(s(w,h) - log(k q(w))) - sum_j log(1 - sigmoid(s(x_j,h) - log(k q(x_j))))``,
    ``k = noise.shape[1]``; see :func:`sampled_loss` for shapes and returns.

    Parameters
    ----------
    noise_log_probs : array_like, shape (V,)
        ``log q``: must be finite at every data and noise word.
    """
    H, Q, b = _check_output_layer(H, Q, b)
    targets = _as_token_array("targets", targets, Q.shape[0], ndim=1)
    noise_arr = _as_token_array("noise", noise, Q.shape[0], ndim=2)
    k = noise_arr.shape[1]
    log_q = _check_noise_log_probs(noise_log_probs, Q.shape[0])
    if targets.shape[0] != H.shape[0]:
        raise ValueError(f"targets must have length B={H.shape[0]}, got {targets.shape[0]}")
    if noise_arr.shape[0] != H.shape[0]:
        raise ValueError(f"noise must have B={H.shape[0]} rows, got shape {noise_arr.shape}")
    rows = np.concatenate([targets[:, None], noise_arr], axis=1)
    if not np.all(np.isfinite(log_q[rows])):
        raise ValueError("noise_log_probs must be finite at every data and noise word: NCE needs "
                         "q(w) > 0 wherever the data put mass")
    return sampled_loss(H, targets, noise_arr, Q, b, log_q.astype(np.float64) + np.log(k))


def _check_noise_log_probs(noise_log_probs: Any, n_words: int) -> np.ndarray:
    """``log q`` of the NCE losses: a 1-d array of log-probabilities, one per word (``-inf`` allowed)."""
    if noise_log_probs is None:
        raise TypeError("noise_log_probs must be an array of log-probabilities, got None")
    log_q = np.asarray(noise_log_probs)
    if log_q.dtype.kind not in "iuf" or log_q.ndim != 1 or np.any(np.isnan(log_q)) or np.any(log_q > 0):
        raise ValueError("noise_log_probs must be a 1-d array of log-probabilities (<= 0, no NaN)")
    if log_q.size != n_words:
        raise ValueError(f"noise_log_probs must have one entry per word, V={n_words}, got {log_q.size}")
    return log_q


def negative_sampling_loss(H: Any, targets: Any, noise: Any, Q: Any,
                           b: Any) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """word2vec's negative-sampling loss and its gradients (eq. ``q1lm-eq-ns``).

    ``-log sigmoid(s(w,h)) - sum_j log sigmoid(-s(x_j,h))``: NCE with ``k q(w)`` replaced by 1, so
    it does not estimate normalised probabilities. See :func:`sampled_loss` for shapes.
    """
    return sampled_loss(H, targets, noise, Q, b, None)


def expected_nce_loss(H: Any, targets: Any, Q: Any, b: Any, noise_log_probs: Any,
                      k: int) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """NCE's loss with the noise term replaced by its exact expectation ("dense NCE"): ``O(B V D)``.

    Per word, ``-log sigmoid(zeta(w)) - sum_u k q(u) log(1 - sigmoid(zeta(u)))`` with
    ``zeta(u) = s(u, h) - log(k q(u))``: the expectation over the ``k`` noise words of
    :func:`nce_loss`, i.e. the per-pair estimate of eq. ``q1lm-eq-nce`` with its noise sum
    computed exactly. Same optimum and same expected gradient as NCE, but every output row receives
    gradient at every step (as with the softmax), so training with it separates what NCE's
    *objective* does from what its *sparse, sampled* updates do.

    Parameters
    ----------
    H : array_like, shape (B, D)
    targets : array_like of int, shape (B,)
    Q : array_like, shape (V, D)
    b : array_like, shape (V,)
    noise_log_probs : array_like, shape (V,)
        ``log q`` (``-inf`` allowed where ``q = 0``, except at a target word).
    k : int
        Noise words per data word (the book's ``nu``), >= 1.

    Returns
    -------
    loss : float
        Mean over the batch.
    dH : numpy.ndarray, shape (B, D)
    dQ : numpy.ndarray, shape (V, D)
        Dense, as the softmax's.
    db : numpy.ndarray, shape (V,)
    """
    H, Q, b = _check_output_layer(H, Q, b)
    targets = _as_token_array("targets", targets, Q.shape[0], ndim=1)
    k = check_int("k", k, minimum=1)
    log_q = _check_noise_log_probs(noise_log_probs, Q.shape[0])
    if targets.shape[0] != H.shape[0]:
        raise ValueError(f"targets must have length B={H.shape[0]}, got {targets.shape[0]}")
    if not np.all(np.isfinite(log_q[targets])):
        raise ValueError("noise_log_probs must be finite at every data word: NCE needs "
                         "q(w) > 0 wherever the data put mass")
    return _expected_nce_loss(H, targets, Q, b, log_q.astype(np.float64) + np.log(k))


def _expected_nce_loss(H, targets, Q, b, offsets):
    """Dense NCE with ``offsets = log(k q)`` (``-inf`` where ``q = 0``: weight 0, no gradient)."""
    B = H.shape[0]
    rows = np.arange(B)
    finite = np.isfinite(offsets)
    weight = np.where(finite, np.exp(np.where(finite, offsets, 0.0)), 0.0)   # k q(u)
    zeta = H @ Q.T
    zeta += b - np.where(finite, offsets, 0.0)
    zeta_data = zeta[rows, targets].copy()
    G = expit(zeta)
    # softplus(zeta) = max(zeta, 0) - log max(sigmoid, 1 - sigmoid), accurate for every zeta (the
    # larger of the two is >= 1/2) and three times cheaper than logaddexp on the (B, V) array.
    softplus = np.maximum(zeta, 0.0, out=zeta)
    softplus -= np.log(np.maximum(G, 1.0 - G))
    noise_term = (softplus @ weight).sum()       # sum_i sum_u k q(u) softplus(zeta_iu)
    loss = float((np.logaddexp(0.0, -zeta_data).sum() + noise_term) / B)
    G *= weight                                  # d loss / d s(u, h) for the noise term
    G[rows, targets] -= expit(-zeta_data)        # ... and for the data word
    G /= B
    return loss, G @ Q, G.T @ H, G.sum(axis=0)


# --------------------------------------------------------------------------------------------
# Sparse Adagrad and training
# --------------------------------------------------------------------------------------------


def _scatter_rows(rows: np.ndarray, weights: np.ndarray,
                  H: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sum the rank-one row gradients ``weights[i, j] * H[i]`` by output row, without forming them.

    Parameters
    ----------
    rows : numpy.ndarray of int, shape (B, J)
        Row id receiving each gradient (repeats allowed).
    weights : numpy.ndarray, shape (B, J)
    H : numpy.ndarray, shape (B, D)

    Returns
    -------
    unique : numpy.ndarray, shape (U,)
        Distinct rows, sorted.
    dQ : numpy.ndarray, shape (U, D)
        ``dQ[u] = sum_{(i, j): rows[i, j] = unique[u]} weights[i, j] H[i]``: a sort of the
        ``B J`` row ids and one sparse-times-dense product, ``O(B J (log(B J) + D))``.
    db : numpy.ndarray, shape (U,)
        ``weights`` summed by row.
    """
    B, J = rows.shape
    flat = rows.ravel()
    order = np.argsort(flat, kind="stable")  # group equal rows together
    sorted_rows = flat[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_rows[1:] != sorted_rows[:-1])))
    unique = sorted_rows[starts]
    w = weights.ravel()[order]
    batch_index = order // J  # which context each (sorted) gradient belongs to
    # The (U, B) matrix M[u, i] = sum_j weights[i, j] [rows[i, j] = unique[u]], in CSR form built
    # directly from the sorted arrays; dQ = M @ H. (np.add.at or a 2-d reduceat is ~10x slower.)
    indptr = np.append(starts, flat.size)
    M = sparse.csr_matrix((w, batch_index, indptr), shape=(unique.size, B))
    dQ = np.asarray(M @ H)
    db = np.add.reduceat(w, starts)
    return unique, dQ, db


def _adagrad_rows(param: np.ndarray, acc: np.ndarray, rows: np.ndarray | None, grad: np.ndarray,
                  lr: float, eps: float = 1e-8) -> None:
    """In-place Adagrad on ``param[rows]`` (all rows if ``rows`` is None); ``grad`` has no repeats."""
    if rows is None:
        acc += grad * grad
        param -= lr * grad / (np.sqrt(acc) + eps)
        return
    a = acc[rows] + grad * grad
    acc[rows] = a
    param[rows] -= lr * grad / (np.sqrt(a) + eps)


def _check_method(method: Any, k: Any) -> tuple[str, int]:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "softmax":
        return method, 0
    return method, check_int("k", k, minimum=1)



def _check_training_inputs(model, contexts, targets, method, k):
    """Validate what ``train_step`` and ``train`` share; return (method, k, contexts, targets)."""
    if not isinstance(model, LogBilinearLM):
        raise TypeError(f"model must be a LogBilinearLM, got {type(model).__name__}")
    method, k = _check_method(method, k)
    contexts = _as_token_array("contexts", contexts, model.vocab_size, ndim=1)
    targets = _as_token_array("targets", targets, model.vocab_size, ndim=1)
    if contexts.shape != targets.shape:
        raise ValueError(f"targets must have the shape of contexts {contexts.shape}, got {targets.shape}")
    return method, k, contexts, targets

def train_step(model: LogBilinearLM, contexts: Any, targets: Any, method: str, *, k: int = 25,
               sampler: UnigramSampler | None = None, learning_rate: float = 0.1,
               random_state: Any = None) -> float:
    """One Adagrad step of ``model`` on a batch of (context, next word) pairs; returns the batch loss.

    The softmax and dense-NCE steps read and update all ``V`` output rows; the NCE and
    negative-sampling steps read and update only the ``B (k + 1)`` rows of the data and noise words.

    Parameters
    ----------
    model : LogBilinearLM
        Updated in place.
    contexts, targets : array_like of int, shape (B,)
    method : {"softmax", "nce", "negative_sampling", "nce_expected"}
        ``"nce_expected"`` is :func:`expected_nce_loss` (dense NCE: no noise is drawn).
    k : int, default 25
        Noise words per data word (ignored by ``"softmax"``); must be >= 1.
    sampler : UnigramSampler
        Noise distribution (required unless ``method == "softmax"``).
    learning_rate : float, default 0.1
    random_state : None, int or numpy.random.Generator
        Source of the noise words.
    """
    method, k, contexts, targets = _check_training_inputs(model, contexts, targets, method, k)
    learning_rate = check_positive("learning_rate", learning_rate)
    if method != "softmax":
        _check_sampler(sampler, model.vocab_size, method, targets)
    rng = check_random_state(random_state)
    return _train_step(model, contexts, targets, method, k, sampler, learning_rate, rng)


def _check_sampler(sampler: Any, vocab_size: int, method: str, targets: np.ndarray) -> None:
    if not isinstance(sampler, UnigramSampler):
        raise TypeError(f"sampler must be a UnigramSampler, got {type(sampler).__name__}")
    if sampler.vocab_size != vocab_size:
        raise ValueError(f"sampler must cover vocab_size={vocab_size} words, got {sampler.vocab_size}")
    if method in ("nce", "nce_expected"):
        # NCE's logit subtracts log(k q(w)); q(w) = 0 at a data word would give an infinite offset
        # (nce_loss refuses it; the training loop must too, not skip those words silently).
        zero = np.unique(targets[sampler.probs[targets] == 0])
        if zero.size:
            raise ValueError(f"sampler must give positive probability to every target word for NCE "
                             f"(q(w) > 0 wherever the data put mass); it is 0 at {zero.size} target word(s), "
                             f"e.g. {zero[:5].tolist()} (use a pseudocount, see unigram_distribution)")


def _train_step(model, contexts, targets, method, k, sampler, lr, rng):
    H = model.R[contexts]
    loss, dH = _output_layer_step(model, H, targets, method, k, sampler, lr, rng)
    # Context rows: dR[h] = sum of dH[i] over the batch positions i with context h.
    unique_c, dR_u, _ = _scatter_rows(contexts[:, None], np.ones((contexts.size, 1)), dH)
    _adagrad_rows(model.R, model._acc["R"], unique_c, dR_u, lr)
    return loss


def _output_layer_step(model, H, targets, method, k, sampler, lr, rng):
    """Loss, gradients and Adagrad update of the output layer (Q, b); returns (loss, dH).

    This is the part whose cost depends on V: ``O(B V D)`` for the softmax, ``O(B k D)`` (plus a
    sort of the ``B (k + 1)`` row ids) for the sampled losses. It is what the benchmark times.
    """
    if method in ("softmax", "nce_expected"):
        if method == "softmax":
            loss, dH, dQ, db = _softmax_loss(H, targets, model.Q, model.b)
        else:
            loss, dH, dQ, db = _expected_nce_loss(H, targets, model.Q, model.b,
                                                  sampler._nce_offsets(k))
        _adagrad_rows(model.Q, model._acc["Q"], None, dQ, lr)
        _adagrad_rows(model.b, model._acc["b"], None, db, lr)
        return loss, dH
    noise = sampler._draw((targets.size, k), rng)
    # NCE's offsets log(k q(w)), cached per k (an O(V) array built once, then only gathered).
    offsets = sampler._nce_offsets(k) if method == "nce" else None
    loss, G, rows, Qr = _sampled_logit_grads(H, targets, noise, model.Q, model.b, offsets)
    dH = np.einsum("bj,bjd->bd", G, Qr)
    unique, dQ_u, db_u = _scatter_rows(rows, G, H)
    _adagrad_rows(model.Q, model._acc["Q"], unique, dQ_u, lr)
    _adagrad_rows(model.b, model._acc["b"], unique, db_u, lr)
    return loss, dH


def _logsumexp_rows(S: np.ndarray) -> np.ndarray:
    """``log sum_j exp S[i, j]`` per row of a finite array (overwrites ``S``): the max-shifted sum,
    as ``scipy.special.logsumexp`` computes it, without its generic handling (3x faster here)."""
    m = S.max(axis=1)
    S -= m[:, None]
    np.exp(S, out=S)
    return m + np.log(S.sum(axis=1))


def evaluate(model: LogBilinearLM, contexts: Any, targets: Any) -> dict[str, float]:
    """Held-out cross-entropy (nats) and how far each context's normaliser is from 1.

    Since a bigram model's prediction depends only on the previous word, scores are computed once
    per distinct context (at most ``V`` of them), an ``O(V^2 D)`` cost whatever the number of pairs.

    Returns
    -------
    dict
        ``cross_entropy`` (normalised model, mean of ``-log p``), ``perplexity`` (its exp),
        ``self_normalised_cross_entropy`` (mean of ``-s(w, h)``, i.e. assuming ``Z(h) = 1``),
        ``log_z_mean``, ``log_z_std``, ``log_z_mean_abs`` (of ``log Z(h)`` over the held-out pairs).
    """
    if not isinstance(model, LogBilinearLM):
        raise TypeError(f"model must be a LogBilinearLM, got {type(model).__name__}")
    contexts = _as_token_array("contexts", contexts, model.vocab_size, ndim=1)
    targets = _as_token_array("targets", targets, model.vocab_size, ndim=1)
    if contexts.shape != targets.shape:
        raise ValueError(f"targets must have the shape of contexts {contexts.shape}, got {targets.shape}")
    unique, inverse = np.unique(contexts, return_inverse=True)
    log_z = np.empty(unique.size)
    for start in range(0, unique.size, _EVAL_CHUNK):  # bounded memory: (chunk, V) scores at a time
        rows = unique[start:start + _EVAL_CHUNK]
        log_z[start:start + _EVAL_CHUNK] = _logsumexp_rows(model.R[rows] @ model.Q.T + model.b)
    raw = np.einsum("nd,nd->n", model.R[contexts], model.Q[targets]) + model.b[targets]
    lz = log_z[inverse]
    ce = float(np.mean(lz - raw))
    return {
        "cross_entropy": ce,
        "perplexity": float(np.exp(ce)),
        "self_normalised_cross_entropy": float(np.mean(-raw)),
        "log_z_mean": float(np.mean(lz)),
        "log_z_std": float(np.std(lz)),
        "log_z_mean_abs": float(np.mean(np.abs(lz))),
    }


def mean_kl(log_p: Any, log_q: Any, weights: Any = None) -> float:
    """Weighted mean over contexts of ``KL(p(. | context) || q(. | context))``, in nats.

    Compares two models' (or a model's and the source's) next-word distributions, context by
    context: ``sum_i weights_i KL(p_i || q_i) / sum_i weights_i``. With the distinct held-out
    contexts and their counts as weights, it is the expected KL over held-out contexts.

    Parameters
    ----------
    log_p, log_q : array_like, shape (N, V)
        Normalised log-probabilities, one row per context (``p`` may be 0 where ``q`` is too).
    weights : array_like, shape (N,), optional
        Non-negative weights of the contexts (default: equal).

    Returns
    -------
    float
    """
    log_p_arr = np.asarray(log_p)
    if log_p_arr.dtype.kind not in "iuf" or log_p_arr.ndim != 2 or log_p_arr.size == 0:
        raise ValueError(f"log_p must be a non-empty (N, V) array of log-probabilities, got "
                         f"{log_p_arr.dtype} {log_p_arr.shape}")
    log_q_arr = as_float_array("log_q", log_q, shape=log_p_arr.shape)
    log_p_arr = log_p_arr.astype(np.float64)
    if np.any(np.isnan(log_p_arr)) or np.any(log_p_arr == np.inf):
        raise ValueError("log_p must hold log-probabilities (no NaN, no +inf)")
    for name, arr in (("log_p", log_p_arr), ("log_q", log_q_arr)):
        worst = float(np.max(np.abs(logsumexp(arr, axis=1))))
        if worst > 1e-6:
            raise ValueError(f"{name} must be normalised (each row log-sums to 0), off by {worst:.3g}")
    if weights is None:
        weights = np.ones(log_p_arr.shape[0])
    else:
        weights = _as_distribution("weights", weights)
        if weights.size != log_p_arr.shape[0]:
            raise ValueError(f"weights must have one entry per context, N={log_p_arr.shape[0]}, "
                             f"got {weights.size}")
    p = np.exp(log_p_arr)
    with np.errstate(invalid="ignore"):
        terms = np.where(p > 0, p * (log_p_arr - log_q_arr), 0.0)
    return float(weights @ terms.sum(axis=1) / weights.sum())


@dataclass
class TrainingHistory:
    """What :func:`train` recorded at each evaluation point (lists of equal length).

    ``seconds`` is cumulative wall-clock training time (``time.perf_counter``, evaluation
    excluded), so it depends on the machine's load and on the BLAS thread count;
    ``seconds_per_step`` is its total divided by the number of steps. ``perplexity`` is empty
    unless :func:`train` was given ``eval_pairs``.
    """

    steps: list[int] = field(default_factory=list)
    epochs: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    perplexity: list[float] = field(default_factory=list)
    seconds_per_step: float = float("nan")

    def __post_init__(self) -> None:
        for name in ("steps", "epochs", "seconds", "perplexity"):
            value = getattr(self, name)
            if not isinstance(value, list):
                raise TypeError(f"{name} must be a list (train appends to it), got {type(value).__name__}")
        if isinstance(self.seconds_per_step, bool) or not isinstance(self.seconds_per_step, (int, float)):
            raise TypeError("seconds_per_step must be a real number, got "
                            f"{type(self.seconds_per_step).__name__}")


def train(model: LogBilinearLM, contexts: Any, targets: Any, method: str, *, epochs: float = 1.0,
          batch_size: int = 128, k: int = 25, sampler: UnigramSampler | None = None,
          learning_rate: float = 0.1, eval_pairs: tuple[Any, Any] | None = None, n_evals: int = 5,
          random_state: Any = None) -> TrainingHistory:
    """Train ``model`` in place with shuffled minibatches; record held-out perplexity vs time.

    Parameters
    ----------
    model : LogBilinearLM
    contexts, targets : array_like of int, shape (N,)
        Training pairs (see :func:`bigram_pairs`).
    method : {"softmax", "nce", "negative_sampling", "nce_expected"}
        ``"nce_expected"`` is :func:`expected_nce_loss`: dense NCE, every output row updated.
    epochs : float, default 1.0
        Passes over the pairs (fractions allowed).
    batch_size : int, default 128
    k : int, default 25
        Noise words per data word (all methods but the softmax).
    sampler : UnigramSampler, optional
        Required for every method but the softmax.
    learning_rate : float, default 0.1
    eval_pairs : (contexts, targets), optional
        Held-out pairs for the perplexity record (evaluation time is not counted as training time).
    n_evals : int, default 5
        Evaluations, equally spaced in steps, after the one at step 0.
    random_state : None, int or numpy.random.Generator
        Shuffling and noise, from two independent streams: for a given seed every method sees the
        same minibatches in the same order.

    Returns
    -------
    TrainingHistory
    """
    method, k, contexts, targets = _check_training_inputs(model, contexts, targets, method, k)
    epochs = check_positive("epochs", epochs)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    learning_rate = check_positive("learning_rate", learning_rate)
    n_evals = check_int("n_evals", n_evals, minimum=1)
    if method != "softmax":
        _check_sampler(sampler, model.vocab_size, method, targets)
    if eval_pairs is not None:
        if not hasattr(eval_pairs, "__len__") or len(eval_pairs) != 2:
            raise TypeError("eval_pairs must be a pair (contexts, targets) of held-out token ids")
        eval_c = _as_token_array("eval_pairs[0]", eval_pairs[0], model.vocab_size, ndim=1)
        eval_t = _as_token_array("eval_pairs[1]", eval_pairs[1], model.vocab_size, ndim=1)
        if eval_c.shape != eval_t.shape:
            raise ValueError(f"eval_pairs must hold contexts and targets of equal length, got "
                             f"{eval_c.size} and {eval_t.size}")
    rng = check_random_state(random_state)

    n = contexts.size
    n_steps = max(1, int(round(epochs * n / batch_size)))
    eval_at = set(np.linspace(0, n_steps, n_evals + 1).round().astype(int).tolist())
    history = TrainingHistory()
    # Separate streams for the minibatch order and the noise words, so that every method sees the
    # same minibatches in the same order for a given seed (the softmax draws no noise).
    order_rng, noise_rng = rng.spawn(2)
    elapsed, order, pos = 0.0, order_rng.permutation(n), 0

    def record(step: int) -> None:
        history.steps.append(step)
        history.epochs.append(step * batch_size / n)
        history.seconds.append(elapsed)
        if eval_pairs is not None:
            history.perplexity.append(evaluate(model, eval_c, eval_t)["perplexity"])

    record(0)
    for step in range(1, n_steps + 1):
        if pos + batch_size > n:
            order, pos = order_rng.permutation(n), 0
        idx = order[pos:pos + batch_size]
        pos += batch_size
        start = time.perf_counter()
        _train_step(model, contexts[idx], targets[idx], method, k, sampler, learning_rate, noise_rng)
        elapsed += time.perf_counter() - start
        if step in eval_at:
            record(step)
    history.seconds_per_step = elapsed / n_steps
    return history
