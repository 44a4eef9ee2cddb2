"""Experiments on RBMs over several seeds at once, and exact quantities for small RBMs.

Chapter {ref}`q1-experiments` trains every method of Question 1 (CD-k, PCD, NCE) for several seeds
and evaluates the exact log-likelihood many times along training; {ref}`q1-beyond` measures the
fixed-point bias of CD. This module holds the machinery:

- :class:`RBMBatch`, ``S`` RBMs with the same layer sizes stacked along a leading *seed axis*:
  ``W`` has shape ``(S, D, H)``, ``a`` ``(S, D)``, ``b`` ``(S, H)``;
- :func:`train_cd_batch` and :func:`train_nce_batch`, which train all ``S`` models at once with one
  batched matrix product per step. Model ``s`` follows *exactly* the computation of
  :func:`dgmbook.rbm.train_cd` / :func:`dgmbook.nce.train_nce` with ``random_state=random_states[s]``:
  each seed has its own generator, drawn in the same order and shapes as the single-seed trainer,
  so the trained parameters agree seed by seed up to floating-point rounding (tested);
- :func:`log_partition_batch` and :func:`log_likelihood_batch`, the exact ``log Z`` (equation
  ``q1-eq-logz-hidden``) of every model, by a faster enumeration than :func:`dgmbook.rbm.log_partition`;
- :func:`exact_cd_update` and :func:`exact_fixed_point`, the *expected* CD-k update and the exact
  log-likelihood gradient of a tiny RBM, computed by enumerating every state (no sampling), and
  the fixed point of either (the maximum-likelihood estimate for the exact gradient).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp

from dgmbook.nce import BernoulliNoise
from dgmbook.rbm import MAX_ENUMERATED_UNITS, RBM, TrainingHistory, _all_configurations, _check_rbm
from dgmbook.validation import (
    as_binary_array,
    as_float_array,
    check_bool,
    check_callable,
    check_int,
    check_positive,
    check_random_state,
)

__all__ = [
    "RBMBatch",
    "train_cd_batch",
    "train_nce_batch",
    "log_partition_batch",
    "log_likelihood_batch",
    "exact_cd_update",
    "exact_fixed_point",
]

#: Largest number of visible units :func:`exact_cd_update` enumerates (2**12 visible states).
MAX_EXACT_VISIBLE = 12


@dataclass
class RBMBatch:
    """``S`` Bernoulli--Bernoulli RBMs of equal sizes, stacked along a leading seed axis.

    Attributes
    ----------
    W : ndarray, shape (S, n_visible, n_hidden)
    a : ndarray, shape (S, n_visible)
    b : ndarray, shape (S, n_hidden)
    """

    W: np.ndarray
    a: np.ndarray
    b: np.ndarray

    def __post_init__(self) -> None:
        self.W = np.array(as_float_array("W", self.W, ndim=3), dtype=np.float64)
        S, D, H = self.W.shape
        self.a = np.array(as_float_array("a", self.a, shape=(S, D)), dtype=np.float64)
        self.b = np.array(as_float_array("b", self.b, shape=(S, H)), dtype=np.float64)

    @classmethod
    def from_rbms(cls, rbms: Sequence[RBM]) -> RBMBatch:
        """Stack a non-empty sequence of :class:`~dgmbook.rbm.RBM` of equal sizes (copies)."""
        if isinstance(rbms, RBM) or not isinstance(rbms, Sequence) or len(rbms) == 0:
            raise TypeError("rbms must be a non-empty sequence (list or tuple) of RBM")
        rbms = [_check_rbm(r) for r in rbms]
        shapes = {r.W.shape for r in rbms}
        if len(shapes) != 1:
            raise ValueError(f"rbms must all have the same layer sizes, got W shapes {sorted(shapes)}")
        return cls(np.stack([r.W for r in rbms]), np.stack([r.a for r in rbms]),
                   np.stack([r.b for r in rbms]))

    @property
    def n_models(self) -> int:
        """Number of stacked models ``S``."""
        return self.W.shape[0]

    @property
    def n_visible(self) -> int:
        """Number of visible units ``D``."""
        return self.W.shape[1]

    @property
    def n_hidden(self) -> int:
        """Number of hidden units ``H``."""
        return self.W.shape[2]

    def rbm(self, index: int) -> RBM:
        """A copy of model ``index`` as an :class:`~dgmbook.rbm.RBM`."""
        index = check_int("index", index, minimum=0, maximum=self.n_models - 1)
        return RBM(self.W[index].copy(), self.a[index].copy(), self.b[index].copy())

    def copy(self) -> RBMBatch:
        """An independent copy of the parameters."""
        return RBMBatch(self.W.copy(), self.a.copy(), self.b.copy())


def _check_batch(models) -> RBMBatch:
    if not isinstance(models, RBMBatch):
        raise TypeError(f"models must be an RBMBatch, got {type(models).__name__}")
    return models


def _check_visible_batch(name: str, v, models: RBMBatch) -> np.ndarray:
    v = as_binary_array(name, v, ndim=2)
    if v.shape[1] != models.n_visible:
        raise ValueError(f"{name} must have {models.n_visible} columns (one per visible unit), "
                         f"got shape {v.shape}")
    return v


def _generators(random_states, n_models: int) -> list[np.random.Generator]:
    if isinstance(random_states, (str, bytes)) or not isinstance(random_states, Sequence):
        raise TypeError("random_states must be a sequence (list or tuple) of int seeds or Generators, "
                        f"one per model, got {type(random_states).__name__}")
    if len(random_states) != n_models:
        raise ValueError(f"random_states must have one entry per model ({n_models}), "
                         f"got {len(random_states)}")
    rngs = [check_random_state(r) for r in random_states]
    if len({id(r) for r in rngs}) != len(rngs):
        raise ValueError("random_states must not repeat a Generator (each model needs its own stream)")
    return rngs


def _learning_rates(learning_rate, epochs: int) -> np.ndarray:
    """A learning rate per epoch: a positive number, or an array of ``epochs`` positive numbers."""
    if np.ndim(learning_rate) == 0:
        return np.full(epochs, check_positive("learning_rate", learning_rate))
    rates = as_float_array("learning_rate", learning_rate, ndim=1, allow_empty=epochs == 0)
    if rates.shape[0] != epochs or np.any(rates <= 0):
        raise ValueError(f"learning_rate must be a positive number or an array of {epochs} positive "
                         f"numbers (one per epoch), got shape {rates.shape}")
    return rates


class _Recorder:
    """Calls ``callback(epoch, model, c)`` at epoch 0, every ``every`` epochs and at the last one,
    keeping what it returns and the training time so far (``elapsed``, evaluation excluded)."""

    def __init__(self, callback, every: int, epochs: int) -> None:
        self.callback, self.every, self.epochs = callback, every, epochs
        self.history = TrainingHistory([], [], [])
        self.elapsed = 0.0

    def __call__(self, epoch: int, model, c) -> None:
        if self.callback is not None and (epoch % self.every == 0 or epoch == self.epochs):
            self.history.epochs.append(epoch)
            self.history.seconds.append(self.elapsed)
            self.history.values.append(self.callback(epoch, model, c))


def _common_setup(data, models, learning_rate, epochs, batch_size, random_states, callback,
                  callback_every):
    models = _check_batch(models)
    data = _check_visible_batch("data", data, models)
    epochs = check_int("epochs", epochs, minimum=0)
    rates = _learning_rates(learning_rate, epochs)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    callback_every = check_int("callback_every", callback_every, minimum=1)
    if callback is not None:
        callback = check_callable("callback", callback)
    rngs = _generators(random_states, models.n_models)
    return data, models.copy(), rates, epochs, batch_size, rngs, callback, callback_every


def train_cd_batch(data, models: RBMBatch, *, random_states, k: int = 1, persistent: bool = False,
                   learning_rate=0.1, epochs: int = 10, batch_size: int = 10,
                   n_chains: int | None = None, shuffle: bool = True, sample_visible: bool = True,
                   callback: Callable[[int, RBMBatch, None], object] | None = None,
                   callback_every: int = 1) -> tuple[RBMBatch, TrainingHistory]:
    """Train ``S`` RBMs by CD-k or PCD-k at once (equation ``q1-eq-cd``), one seed per model.

    Model ``s`` is trained exactly as ``dgmbook.rbm.train_cd(data, rbm=models.rbm(s),
    random_state=random_states[s], ...)`` would train it: the same minibatch order, Gibbs samples
    and updates (the same random draws, in the same order, from its own generator); only the
    matrix products are batched over the seed axis.

    Parameters
    ----------
    data : array_like of shape (n, n_visible)
        Binary training data, shared by all models.
    models : RBMBatch
        Starting parameters (copied, never modified).
    random_states : sequence of int or numpy.random.Generator, length S
        One seed (or generator) per model.
    k, persistent, batch_size, n_chains, shuffle, sample_visible
        As in :func:`dgmbook.rbm.train_cd`.
    learning_rate : float or array_like of shape (epochs,), default 0.1
        A constant rate, or one rate per epoch (a decay schedule).
    epochs : int, default 10
    callback : callable ``(epoch, models, None) -> value``, optional
        Called after epoch 0 and every ``callback_every`` epochs (and after the last), with the
        live :class:`RBMBatch` (copy it to keep it); its time is not counted.
    callback_every : int, default 1

    Returns
    -------
    models : RBMBatch
        The trained models.
    history : TrainingHistory
        ``seconds`` is the training time of all ``S`` models together.
    """
    data, model, rates, epochs, batch_size, rngs, callback, callback_every = _common_setup(
        data, models, learning_rate, epochs, batch_size, random_states, callback, callback_every)
    k = check_int("k", k, minimum=1)
    persistent = check_bool("persistent", persistent)
    shuffle = check_bool("shuffle", shuffle)
    sample_visible = check_bool("sample_visible", sample_visible)
    n, D = data.shape
    S, H = model.n_models, model.n_hidden
    B = min(batch_size, n)
    C = B if n_chains is None else check_int("n_chains", n_chains, minimum=1)
    if not persistent:
        C = B

    W, a, b = model.W, model.a, model.b
    WT = W.transpose(0, 2, 1)     # a view: stays current as W is updated in place
    sv = np.empty((S, C + B, D))  # per model, as in train_cd: negatives in rows [0, c), data after
    sp = np.empty((S, C + B, H))
    hs = np.empty((S, C, H))
    uh = np.empty((S, C, H))
    uv = np.empty((S, C, D))
    gW = np.empty((S, D, H))
    chains_h = np.zeros((S, C, H))
    weights = {}
    orders = [np.arange(n) for _ in range(S)]
    record = _Recorder(callback, callback_every, epochs)

    record(0, model, None)
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        lr = float(rates[epoch - 1])
        if shuffle:
            for s in range(S):
                rngs[s].shuffle(orders[s])
        for start in range(0, n, B):
            m = min(B, n - start)
            c = C if persistent else m
            v0, p0 = sv[:, c:c + m], sp[:, c:c + m]
            for s in range(S):
                if shuffle:
                    np.take(data, orders[s][start:start + m], axis=0, out=v0[s])
                else:
                    v0[s] = data[start:start + m]
            np.matmul(v0, W, out=p0)
            p0 += b[:, None, :]
            expit(p0, out=p0)
            if persistent:
                h = chains_h
            else:
                h = hs[:, :c]
                for s in range(S):
                    rngs[s].random(out=uh[s, :c])
                np.less(uh[:, :c], p0, out=h)
            v, p, u_h, u_v = sv[:, :c], sp[:, :c], uh[:, :c], uv[:, :c]
            for step in range(k):
                np.matmul(h, WT, out=v)
                v += a[:, None, :]
                expit(v, out=v)
                if sample_visible:
                    for s in range(S):
                        rngs[s].random(out=uv[s, :c])
                    np.less(u_v, v, out=v)
                np.matmul(v, W, out=p)
                p += b[:, None, :]
                expit(p, out=p)
                if step < k - 1 or persistent:
                    for s in range(S):
                        rngs[s].random(out=uh[s, :c])
                    np.less(u_h, p, out=h)
            w = weights.get((c, m, lr))
            if w is None:
                w = weights[(c, m, lr)] = np.concatenate([np.full(c, -lr / c), np.full(m, lr / m)])
            rows_v, rows_p = sv[:, :c + m], sp[:, :c + m]
            a += np.matmul(w, rows_v)
            rows_p *= w[None, :, None]
            np.matmul(rows_v.transpose(0, 2, 1), rows_p, out=gW)
            W += gW
            b += rows_p.sum(axis=1)
        record.elapsed += time.perf_counter() - t0
        record(epoch, model, None)
    return model, record.history


def train_nce_batch(data, models: RBMBatch, *, random_states, noise: BernoulliNoise | None = None,
                    nu: float = 1.0, c=None, learning_rate=0.1, epochs: int = 10,
                    batch_size: int = 10,
                    callback: Callable[[int, RBMBatch, np.ndarray], object] | None = None,
                    callback_every: int = 1) -> tuple[RBMBatch, np.ndarray, TrainingHistory]:
    """Train ``S`` RBMs and their log-normalisers ``c`` by NCE at once (equation ``q1-eq-nce-grad``).

    Model ``s`` is trained exactly as ``dgmbook.nce.train_nce(data, rbm=models.rbm(s),
    random_state=random_states[s], ...)`` would train it (same minibatches and noise samples, drawn
    from its own generator in the same order); the products are batched over the seed axis.

    Parameters
    ----------
    data : array_like of shape (n, n_visible)
        Binary training data, shared by all models.
    models : RBMBatch
        Starting parameters (copied).
    random_states : sequence of int or numpy.random.Generator, length S
    noise : BernoulliNoise, optional
        The noise distribution ``p_n``; default the smoothed data marginals.
    nu : float, default 1.0
        Noise samples per data sample.
    c : float or array_like of shape (S,), optional
        Starting log-normalisers; default :func:`dgmbook.nce.initial_log_normaliser` of each model.
    learning_rate : float or array_like of shape (epochs,), default 0.1
    epochs, batch_size, callback_every
        As in :func:`train_cd_batch`.
    callback : callable ``(epoch, models, c) -> value``, optional
        ``c`` is the live array of shape (S,).

    Returns
    -------
    models : RBMBatch
    c : ndarray of shape (S,)
    history : TrainingHistory
    """
    data, model, rates, epochs, batch_size, rngs, callback, callback_every = _common_setup(
        data, models, learning_rate, epochs, batch_size, random_states, callback, callback_every)
    nu = check_positive("nu", nu)
    if noise is None:
        noise = BernoulliNoise.fit(data)
    elif not isinstance(noise, BernoulliNoise):
        raise TypeError(f"noise must be a BernoulliNoise, got {type(noise).__name__}")
    if noise.n_visible != data.shape[1]:
        raise ValueError(f"noise must have {data.shape[1]} visible units, got {noise.n_visible}")
    S = model.n_models
    if c is None:
        c = -(np.logaddexp(0.0, model.a).sum(axis=1) + np.logaddexp(0.0, model.b).sum(axis=1))
    elif np.ndim(c) == 0:
        c = np.full(S, float(as_float_array("c", c, ndim=0)))
    else:
        c = as_float_array("c", c, shape=(S,)).copy()
    n, D = data.shape
    B = min(batch_size, n)
    n_noise = max(1, int(round(nu * B)))
    log_q1, log_q0 = np.log(noise.probs), np.log1p(-noise.probs)
    orders = [np.arange(n) for _ in range(S)]
    X = np.empty((S, n, D))
    y = np.empty((S, n_noise, D))
    record = _Recorder(callback, callback_every, epochs)
    W, a, b = model.W, model.a, model.b

    record(0, model, c)
    log_nu = np.log(nu)
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        lr = float(rates[epoch - 1])
        for s in range(S):
            rngs[s].shuffle(orders[s])
            np.take(data, orders[s], axis=0, out=X[s])
        for start in range(0, n, B):
            x = X[:, start:start + B]
            m = x.shape[1]
            for s in range(S):
                np.less(rngs[s].random((n_noise, D)), noise.probs, out=y[s])
            u = np.concatenate([x, y], axis=1)
            pre = np.matmul(u, W)
            pre += b[:, None, :]
            # G(u) - log nu = -F(u) + c - log p_n(u) - log nu, as in train_nce
            z = np.matmul(u, (a - log_q1 + log_q0)[:, :, None])[:, :, 0] \
                + np.logaddexp(0.0, pre).sum(axis=2) + c[:, None] - log_q0.sum() - log_nu
            w = np.empty((S, m + n_noise))
            w[:, :m] = expit(-z[:, :m]) / m
            w[:, m:] = -(nu / n_noise) * expit(z[:, m:])
            wph = w[:, :, None] * expit(pre)
            W += lr * np.matmul(u.transpose(0, 2, 1), wph)
            a += lr * np.matmul(w[:, None, :], u)[:, 0]
            b += lr * wph.sum(axis=1)
            c += lr * w.sum(axis=1)
        record.elapsed += time.perf_counter() - t0
        record(epoch, model, c)
    return model, c, record.history


def _log_partition_one(W: np.ndarray, own: np.ndarray, other: np.ndarray, max_entries: int) -> float:
    """``log sum_s exp(own.s + sum_i softplus(other_i + W[i].s))`` over all binary ``s``.

    ``W`` has shape ``(n_other, n)``. The ``2**n`` configurations are split into a low and a high
    half of the bits, so that the pre-activations are one broadcast sum of two small products,
    ``x = (other + W_hi s_hi) + W_lo s_lo``, never one product with ``2**n`` rows. The softplus sum
    is ``(sum x + sum |x|) / 2 + log prod (1 + exp(-|x|))``: ``sum x`` is linear in the two halves
    (float64, exact); ``|x|`` and the factors ``1 + exp(-|x|)`` (each in (1, 2]) are computed in
    float32, ``|x|`` summed in float64 and the factors multiplied in blocks of 64 (at most 2**64, no
    overflow). The rounding error is about 1e-6 nats for weights of order one (tested against
    ``rbm.log_partition``, float64 throughout); the float32 arrays halve the memory traffic.
    """
    n_other, n = W.shape
    n_lo = n // 2
    lo = _all_configurations(n_lo, 0, 2**n_lo)
    hi = _all_configurations(n - n_lo, 0, 2**(n - n_lo))
    x_lo = lo @ W[:, :n_lo].T                      # (L, n_other)
    x_hi = hi @ W[:, n_lo:].T + other              # (Hh, n_other)
    sum_lo, sum_hi = x_lo.sum(axis=1), x_hi.sum(axis=1)
    x_lo32, x_hi32 = x_lo.astype(np.float32), x_hi.astype(np.float32)
    own_lo, own_hi = lo @ own[:n_lo], hi @ own[n_lo:]
    rows = max(1, max_entries // (lo.shape[0] * n_other))
    parts = []
    for start in range(0, hi.shape[0], rows):
        f = x_hi32[start:start + rows, None, :] + x_lo32[None, :, :]    # (r, L, n_other)
        np.abs(f, out=f)
        total = f.sum(axis=2, dtype=np.float64)
        total += sum_hi[start:start + rows, None] + sum_lo[None, :]
        total *= 0.5                                                    # sum max(x, 0)
        np.negative(f, out=f)
        np.exp(f, out=f)
        f += 1.0
        for j in range(0, n_other, 64):
            total += np.log(np.prod(f[:, :, j:j + 64], axis=2, dtype=np.float32), dtype=np.float64)
        total += own_hi[start:start + rows, None] + own_lo[None, :]
        parts.append(logsumexp(total))
    return float(logsumexp(parts))


def log_partition_batch(models: RBMBatch, *, max_entries: int = 2**17) -> np.ndarray:
    """Exact ``log Z`` of every model, enumerating the smaller layer (equation ``q1-eq-logz-hidden``).

    Same value as :func:`dgmbook.rbm.log_partition` up to about 1e-6 nats (float32 arithmetic in
    the inner sums), several times faster for 16 hidden units: see :func:`_log_partition_one`.

    Parameters
    ----------
    models : RBMBatch
        At most ``MAX_ENUMERATED_UNITS`` (24) units in the smaller layer.
    max_entries : int, default 2**17
        Largest number of pre-activations held in memory at once.

    Returns
    -------
    ndarray of shape (S,)
    """
    models = _check_batch(models)
    max_entries = check_int("max_entries", max_entries, minimum=1)
    if min(models.n_visible, models.n_hidden) > MAX_ENUMERATED_UNITS:
        raise ValueError(f"models have {min(models.n_visible, models.n_hidden)} units in the smaller "
                         f"layer; exact enumeration is limited to {MAX_ENUMERATED_UNITS}")
    out = np.empty(models.n_models)
    for s in range(models.n_models):
        if models.n_hidden <= models.n_visible:
            out[s] = _log_partition_one(models.W[s], models.b[s], models.a[s], max_entries)
        else:
            out[s] = _log_partition_one(models.W[s].T, models.a[s], models.b[s], max_entries)
    return out


def log_likelihood_batch(models: RBMBatch, v, log_z=None) -> np.ndarray:
    """Average exact log-likelihood ``mean_n [-F_s(v_n)] - log Z_s`` of every model, in nats.

    Parameters
    ----------
    models : RBMBatch
    v : array_like of shape (n, n_visible)
        Binary data.
    log_z : array_like of shape (S,), optional
        The models' ``log Z`` if known (to score several data sets with one enumeration).

    Returns
    -------
    ndarray of shape (S,)
    """
    models = _check_batch(models)
    v = _check_visible_batch("v", v, models)
    if log_z is None:
        log_z = log_partition_batch(models)
    else:
        log_z = as_float_array("log_z", log_z, shape=(models.n_models,))
    pre = np.matmul(v, models.W) + models.b[:, None, :]
    neg_f = models.a @ v.mean(axis=0) + np.logaddexp(0.0, pre).sum(axis=2).mean(axis=1)
    return neg_f - log_z


# ---------------------------------------------------------------------------------------------
# Exact (enumerated) CD and maximum likelihood for tiny RBMs


def _states(n: int) -> np.ndarray:
    return _all_configurations(n, 0, 2**n)


def _model_probs(rbm: RBM, vs: np.ndarray, hs: np.ndarray) -> np.ndarray:
    neg_f = vs @ rbm.a + np.logaddexp(0.0, vs @ rbm.W + rbm.b).sum(axis=1)
    return np.exp(neg_f - logsumexp(neg_f))


def _gibbs_factors(rbm: RBM, vs: np.ndarray, hs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``P(h | v)`` of shape ``(V, 2^H)`` and ``P(v | h)`` of shape ``(2^H, V)``, by enumeration.

    One block-Gibbs step is the kernel ``T = P(h|v) @ P(v|h)``; it is never formed, since
    ``p T = (p P(h|v)) P(v|h)`` costs ``O(V 2^H)`` instead of ``O(V^2 2^H)``.
    """
    x_h = vs @ rbm.W + rbm.b                                        # (V, H) pre-activations
    # log P(h | v) = sum_j [h_j log sigmoid(x_j) + (1 - h_j) log sigmoid(-x_j)], stably
    log_p_h = -(np.logaddexp(0.0, -x_h) @ hs.T + np.logaddexp(0.0, x_h) @ (1 - hs).T)  # (V, 2^H)
    x_v = hs @ rbm.W.T + rbm.a                                      # (2^H, D)
    log_p_v = -(np.logaddexp(0.0, -x_v) @ vs.T + np.logaddexp(0.0, x_v) @ (1 - vs).T)  # (2^H, V)
    return np.exp(log_p_h), np.exp(log_p_v)


def _expected_statistics(rbm: RBM, vs: np.ndarray, weights: np.ndarray) -> RBM:
    """``E_w[-grad F]``: the statistics of equation ``q1-eq-grad`` under the weights ``w``."""
    ph = expit(vs @ rbm.W + rbm.b)
    wph = weights[:, None] * ph
    return RBM(vs.T @ wph, weights @ vs, wph.sum(axis=0))


def _check_tiny(rbm, data_probs):
    rbm = _check_rbm(rbm)
    if rbm.n_visible > MAX_EXACT_VISIBLE or rbm.n_hidden > MAX_EXACT_VISIBLE:
        raise ValueError(f"rbm must have at most {MAX_EXACT_VISIBLE} visible and hidden units for "
                         f"exact enumeration, got {rbm.n_visible} and {rbm.n_hidden}")
    p0 = as_float_array("data_probs", data_probs, shape=(2**rbm.n_visible,))
    if np.any(p0 < 0) or not np.isclose(p0.sum(), 1.0):
        raise ValueError("data_probs must be non-negative and sum to 1 (a distribution over the "
                         f"2**{rbm.n_visible} visible states)")
    return rbm, p0


def exact_cd_update(rbm: RBM, data_probs, k: int | None = 1) -> RBM:
    """The expected CD-k update direction, or the exact log-likelihood gradient (``k=None``).

    ``E_{p_0}[-grad F] - E_{p_k}[-grad F]`` with ``p_k = p_0 T^k`` (equation ``q1-eq-cd``), where
    ``T`` is the one-step block-Gibbs kernel, computed by enumerating all visible and hidden
    states; with ``k=None`` the model term is ``E_{p_theta}[-grad F]``, the maximum-likelihood
    gradient (equation ``q1-eq-grad``).

    Parameters
    ----------
    rbm : RBM
        At most ``MAX_EXACT_VISIBLE`` (12) visible and hidden units.
    data_probs : array_like of shape (2**n_visible,)
        The data distribution ``p_0`` over the visible states, ordered as the binary expansion
        of the state's index (unit ``i`` is bit ``i``).
    k : int or None, default 1
        Gibbs steps; ``None`` for the exact gradient.

    Returns
    -------
    RBM
        The update direction, with the shapes of the parameters.
    """
    rbm, p0 = _check_tiny(rbm, data_probs)
    if k is not None:
        k = check_int("k", k, minimum=1)
    return _exact_update(rbm, p0, k, _states(rbm.n_visible), _states(rbm.n_hidden))


def _exact_update(rbm, p0, k, vs, hs) -> RBM:
    if k is None:
        pk = _model_probs(rbm, vs, hs)
    else:
        p_h, p_v = _gibbs_factors(rbm, vs, hs)
        pk = p0
        for _ in range(k):
            pk = (pk @ p_h) @ p_v
    pos, neg = _expected_statistics(rbm, vs, p0), _expected_statistics(rbm, vs, pk)
    return RBM(pos.W - neg.W, pos.a - neg.a, pos.b - neg.b)


def _as_vector(rbm: RBM) -> np.ndarray:
    return np.concatenate([rbm.W.ravel(), rbm.a, rbm.b])


def _from_vector(x: np.ndarray, D: int, H: int) -> RBM:
    return RBM(x[:D * H].reshape(D, H), x[D * H:D * H + D], x[D * H + D:])


def _jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """The Jacobian of ``f`` at ``x`` by central differences (relative error about ``eps**(2/3)``)."""
    steps = np.finfo(float).eps ** (1 / 3) * np.maximum(1.0, np.abs(x))
    columns = []
    for j, h in enumerate(steps):
        e = np.zeros_like(x)
        e[j] = h
        columns.append((f(x + e) - f(x - e)) / (2 * h))
    return np.stack(columns, axis=1)


def _newton_polish(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, tol: float,
                   max_steps: int = 60, patience: int = 3) -> tuple[np.ndarray, float]:
    """Newton steps on ``f(x) = 0`` from a nearby ``x`` until ``||f(x)|| <= tol`` or no progress.

    The Jacobian is recomputed at every step by central differences (relative error about
    ``1e-10``): at a regular root each step squares the error, so two or three steps bring
    ``||f||`` down to the rounding error of evaluating ``f`` itself; at a singular root (e.g. all
    weights 0, where hidden units are interchangeable) Newton still halves the error per step.
    Stops after ``patience`` steps without a new best; returns the best point seen, so the result
    is never worse than the start.
    """
    best_x, best = x, float(np.linalg.norm(f(x)))
    stalled = 0
    for _ in range(max_steps):
        if best <= tol or not np.isfinite(best) or stalled >= patience:
            break
        x = x - np.linalg.lstsq(_jacobian(f, x), f(x), rcond=None)[0]
        norm = float(np.linalg.norm(f(x)))
        if not np.isfinite(norm):
            break
        if norm < best:
            best_x, best, stalled = x, norm, 0
        else:
            stalled += 1
    return best_x, best


def exact_fixed_point(rbm: RBM, data_probs, k: int | None = 1, *, weight_decay: float = 0.0,
                      tol: float = 1e-10, max_iter: int = 10000) -> tuple[RBM, float]:
    """A fixed point of the expected CD-k update, or the maximum-likelihood estimate (``k=None``).

    With ``k=None``: maximise the exact average log-likelihood ``sum_v p_0(v) log p_theta(v)``
    minus ``weight_decay / 2 * ||W||^2`` by L-BFGS with the exact gradient. With an integer ``k``:
    solve ``exact_cd_update(theta) - weight_decay * W = 0`` (Powell's hybrid root finder), starting
    from ``rbm``; the solution is a fixed point of CD-k training (with the same weight decay and a
    vanishing learning rate) reached from the start, not necessarily the nearest one. Both by
    enumeration, for tiny RBMs. The weight decay keeps both fixed points finite (without it maximum
    likelihood on data that leave states empty pushes weights to infinity).

    Either solver stops on its own criterion (L-BFGS on the largest gradient component, Powell's
    method on the relative change of the parameters), which does not bound the residual, and
    where it stops depends on the rounding of the BLAS in use. So both are followed by Newton steps
    on the same equation (Jacobian by central differences) until the residual is at most ``tol``:
    the residual then reaches the rounding error of evaluating the update (about ``1e-15`` for
    the book's 9-visible, 4-hidden RBM; each component is a difference of sums of ``2**D``
    probabilities), whatever the BLAS kernel.

    Parameters
    ----------
    rbm : RBM
        Starting parameters (copied). At most ``MAX_EXACT_VISIBLE`` (12) units per layer.
    data_probs : array_like of shape (2**n_visible,)
        The data distribution ``p_0``; give every state positive mass (e.g. mix in a little of the
        uniform distribution) for maximum likelihood to have a finite maximiser.
    k : int or None, default 1
    weight_decay : float, default 0
        L2 penalty ``lambda`` on the weights ``W`` (not the biases), the same for both methods.
    tol : float, default 1e-10
        The residual to reach: the Euclidean norm of the update (or of the gradient) at the point
        returned. Values below the rounding floor of the update (a few ``1e-15`` for small RBMs;
        about ``2**D * eps`` per component in the worst case) cannot be reached.
    max_iter : int, default 10000

    Returns
    -------
    rbm : RBM
        The parameters found.
    residual : float
        Euclidean norm of the update (``k``) or of the exact gradient (``None``) there: at most
        ``tol`` unless a warning said otherwise.

    Warns
    -----
    RuntimeWarning
        If the residual reached is above ``tol`` (then it is the accuracy actually reached).
    """
    from scipy.optimize import minimize, root

    rbm, p0 = _check_tiny(rbm, data_probs)
    if k is not None:
        k = check_int("k", k, minimum=1)
    weight_decay = check_positive("weight_decay", weight_decay, allow_zero=True)
    tol = check_positive("tol", tol)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    D, H = rbm.n_visible, rbm.n_hidden
    vs, hs = _states(D), _states(H)
    support = p0 > 0

    decay = np.zeros(D * H + D + H)
    decay[:D * H] = weight_decay

    def update(x):
        return _as_vector(_exact_update(_from_vector(x, D, H), p0, k, vs, hs)) - decay * x

    x0 = _as_vector(rbm)
    if k is None:
        def objective(x):
            model = _from_vector(x, D, H)
            neg_f = vs @ model.a + np.logaddexp(0.0, vs @ model.W + model.b).sum(axis=1)
            w = x[:D * H]
            ll = p0[support] @ (neg_f[support] - logsumexp(neg_f)) - 0.5 * weight_decay * (w @ w)
            return -ll, -update(x)

        x = minimize(objective, x0, jac=True, method="L-BFGS-B",
                     options=dict(gtol=tol, ftol=0.0, maxiter=max_iter, maxfun=2 * max_iter)).x
    else:
        x = root(update, x0, method="hybr", tol=tol, options=dict(maxfev=max_iter)).x
    x, residual = _newton_polish(update, x, tol)
    if not residual <= tol:
        warnings.warn(f"exact_fixed_point reached a residual of {residual:.3g}, above tol={tol:.3g} "
                      "(the solver did not converge, or tol is below the rounding floor of the "
                      "update)", RuntimeWarning, stacklevel=2)
    return _from_vector(x, D, H), residual
