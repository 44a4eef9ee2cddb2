"""Noise-contrastive estimation (Gutmann & Hyvärinen 2010, 2012): the objective, noise
distributions for binary data, and NCE training of an RBM with a learned log-normaliser ``c``.

Chapter {ref}`q1-nce-cd`, equations ``q1-eq-nce-model`` to ``q1-eq-nce-grad``. With the
unnormalised model ``log p_m(u) = log p~(u) + c``, the log-ratio ``G(u) = log p_m(u) - log p_n(u)``
and the noise ratio ``nu``, the classifier is ``D(u) = sigmoid(G(u) - log nu)`` and NCE maximises

    J = mean_data log D(x) + nu * mean_noise log(1 - D(y))

(with ``T_n = nu T_d`` noise samples this is Gutmann & Hyvärinen's ``J_T``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from dgmbook.rbm import (
    RBM,
    TrainingHistory,
    _check_diverged,
    _check_rbm,
    _check_visible,
    _free_energy,
    _training_setup,
)
from dgmbook.validation import (
    as_binary_array,
    as_float_array,
    check_callable,
    check_int,
    check_memory,
    check_positive,
    check_random_state,
)

__all__ = [
    "BernoulliNoise",
    "nce_objective",
    "nce_rbm_objective",
    "train_nce",
    "initial_log_normaliser",
]


@dataclass
class BernoulliNoise:
    """Independent-Bernoulli noise ``p_n(u) = prod_i p_i^{u_i} (1 - p_i)^{1 - u_i}``.

    Attributes
    ----------
    probs : ndarray of shape (n_visible,)
        ``p_i``, each in the open interval (0, 1) so that ``p_n`` has full support.
    """

    probs: np.ndarray

    def __post_init__(self) -> None:
        self.probs = as_float_array("probs", self.probs, ndim=1)
        if not np.all((self.probs > 0) & (self.probs < 1)):
            raise ValueError("probs must lie strictly between 0 and 1 (the noise needs full support)")

    @classmethod
    def uniform(cls, n_visible: int) -> BernoulliNoise:
        """The uniform distribution on ``{0,1}^n_visible`` (every ``p_i = 1/2``)."""
        n_visible = check_int("n_visible", n_visible, minimum=1)
        check_memory("n_visible", 8.0 * n_visible, what=f"{n_visible} probabilities")
        return cls(np.full(n_visible, 0.5))

    @classmethod
    def fit(cls, data, smoothing: float = 1.0) -> BernoulliNoise:
        """The data's pixel marginals, smoothed: ``p_i = (sum_n x_ni + s) / (n + 2 s)``.

        Parameters
        ----------
        data : array_like of shape (n, n_visible)
            Binary data.
        smoothing : float, default 1.0
            Pseudo-count ``s > 0`` (add-one by default), which keeps every ``p_i`` inside (0, 1).
        """
        data = as_binary_array("data", data, ndim=2)
        smoothing = check_positive("smoothing", smoothing)
        return cls((data.sum(axis=0) + smoothing) / (data.shape[0] + 2.0 * smoothing))

    @property
    def n_visible(self) -> int:
        """Dimension of the binary vectors."""
        return self.probs.shape[0]

    def log_prob(self, u) -> np.ndarray:
        """``log p_n(u)`` for binary ``u`` of shape ``(n, n_visible)``; returns shape ``(n,)``."""
        u = as_binary_array("u", u, ndim=2)
        if u.shape[1] != self.n_visible:
            raise ValueError(f"u must have {self.n_visible} columns, got shape {u.shape}")
        return self._log_prob(u)

    def _log_prob(self, u: np.ndarray) -> np.ndarray:
        return u @ np.log(self.probs) + (1.0 - u) @ np.log1p(-self.probs)

    def sample(self, n: int, random_state=None) -> np.ndarray:
        """``n`` independent draws, shape ``(n, n_visible)``, entries 0.0 or 1.0."""
        n = check_int("n", n, minimum=1)
        check_memory("n", 16.0 * n * self.n_visible, what=f"{n} draws of {self.n_visible} units")
        rng = check_random_state(random_state)
        return (rng.random((n, self.n_visible)) < self.probs).astype(np.float64)


def nce_objective(g_data, g_noise, nu: float, data_weights=None, noise_weights=None):
    """The NCE objective and its derivatives with respect to the log-ratios ``G``.

    ``J = sum_t w_t log D(x_t) + nu * sum_s w'_s log(1 - D(y_s))`` with ``D(u) = sigmoid(G(u) -
    log nu)``, computed stably as ``-softplus(-(G - log nu))`` and ``-softplus(G - log nu)``
    (equations ``q1-eq-nce-h`` and ``q1-eq-nce-objective``).

    Parameters
    ----------
    g_data : array_like of shape (n,)
        ``G(x_t) = log p_m(x_t) - log p_n(x_t)`` at the data.
    g_noise : array_like of shape (m,)
        ``G(y_s)`` at the noise samples.
    nu : float
        Noise ratio ``nu > 0`` (noise samples per data sample).
    data_weights, noise_weights : array_like, optional
        Weights summing to one (default uniform ``1/n`` and ``1/m``); exact probabilities turn
        ``J`` into its population version ``E_pdata log D + nu E_p_n log(1 - D)``.

    Returns
    -------
    J : float
        The objective, to be maximised; always ``<= 0`` (a sum of log-probabilities).
    dJ_dg_data : ndarray of shape (n,)
        ``w_t (1 - D(x_t))``.
    dJ_dg_noise : ndarray of shape (m,)
        ``-nu w'_s D(y_s)``.
    """
    g_data = as_float_array("g_data", g_data, ndim=1)
    g_noise = as_float_array("g_noise", g_noise, ndim=1)
    nu = check_positive("nu", nu)
    wd = _weights("data_weights", data_weights, g_data.shape[0])
    wn = _weights("noise_weights", noise_weights, g_noise.shape[0])
    return _nce_objective(g_data, g_noise, nu, wd, wn)


def _weights(name: str, w, n: int) -> np.ndarray:
    if w is None:
        return np.full(n, 1.0 / n)
    w = as_float_array(name, w, shape=(n,))
    if np.any(w < 0) or not np.isclose(w.sum(), 1.0):
        raise ValueError(f"{name} must be non-negative and sum to 1")
    return w


def _nce_objective(g_data, g_noise, nu, wd, wn):
    log_nu = np.log(nu)
    zd = g_data - log_nu
    zn = g_noise - log_nu
    J = -(wd @ np.logaddexp(0.0, -zd)) - nu * (wn @ np.logaddexp(0.0, zn))
    return float(J), wd * expit(-zd), -nu * wn * expit(zn)


def initial_log_normaliser(rbm: RBM) -> float:
    """``-log Z`` of the RBM with its weights set to zero: ``-(sum_i softplus(a_i) + sum_j softplus(b_j))``.

    A natural starting value for ``c`` when the initial weights are small.
    """
    rbm = _check_rbm(rbm)
    return float(-(np.logaddexp(0.0, rbm.a).sum() + np.logaddexp(0.0, rbm.b).sum()))


def nce_rbm_objective(rbm: RBM, c: float, data, noise_samples, noise: BernoulliNoise, nu: float,
                      data_weights=None, noise_weights=None) -> tuple[float, RBM, float]:
    """NCE objective of an RBM with learned log-normaliser ``c`` and its gradient.

    The model is ``log p_m(u) = -F(u) + c``, so ``dG/dtheta = -dF/dtheta`` and ``dG/dc = 1``
    (equation ``q1-eq-nce-grad``).

    Parameters
    ----------
    rbm : RBM
    c : float
        The log-normaliser parameter (``-log Z`` at a consistent optimum).
    data : array_like of shape (n, n_visible)
        Binary data.
    noise_samples : array_like of shape (m, n_visible)
        Binary draws from ``noise``; ``m = nu * n`` in the standard estimator.
    noise : BernoulliNoise
    nu : float
    data_weights, noise_weights : array_like, optional
        See :func:`nce_objective`.

    Returns
    -------
    J : float
    grad : RBM
        ``dJ/d(W, a, b)``.
    grad_c : float
        ``dJ/dc``.
    """
    rbm = _check_rbm(rbm)
    c = float(as_float_array("c", c, ndim=0))
    data = _check_visible("data", data, rbm)
    noise_samples = _check_visible("noise_samples", noise_samples, rbm)
    if not isinstance(noise, BernoulliNoise):
        raise TypeError(f"noise must be a BernoulliNoise, got {type(noise).__name__}")
    if noise.n_visible != rbm.n_visible:
        raise ValueError(f"noise must have {rbm.n_visible} visible units, got {noise.n_visible}")
    nu = check_positive("nu", nu)
    wd = _weights("data_weights", data_weights, data.shape[0])
    wn = _weights("noise_weights", noise_weights, noise_samples.shape[0])
    g_d = -_free_energy(rbm, data) + c - noise._log_prob(data)
    g_n = -_free_energy(rbm, noise_samples) + c - noise._log_prob(noise_samples)
    J, dd, dn = _nce_objective(g_d, g_n, nu, wd, wn)
    grad = _weighted_neg_free_energy_grad(rbm, np.vstack([data, noise_samples]), np.concatenate([dd, dn]))
    return J, grad, float(dd.sum() + dn.sum())


def _weighted_neg_free_energy_grad(rbm: RBM, v: np.ndarray, w: np.ndarray) -> RBM:
    """``sum_n w_n (-dF(v_n)/dtheta)``."""
    wph = w[:, None] * expit(v @ rbm.W + rbm.b)
    return RBM(v.T @ wph, w @ v, wph.sum(axis=0))


def train_nce(data, n_hidden: int | None = None, *, rbm: RBM | None = None,
              noise: BernoulliNoise | None = None, nu: float = 1.0, c: float | None = None,
              learning_rate: float = 0.1, epochs: int = 10, batch_size: int = 10,
              random_state=None, callback: Callable[[int, RBM, float], object] | None = None,
              callback_every: int = 1) -> tuple[RBM, float, TrainingHistory]:
    """Train an RBM and its log-normaliser ``c`` by NCE with mini-batch gradient ascent on ``J``.

    Each update takes ``batch_size`` data vectors and ``round(nu * batch_size)`` fresh noise
    samples (at least one) and ascends the objective of :func:`nce_rbm_objective`.

    Parameters
    ----------
    data : array_like of shape (n, n_visible)
        Binary training data.
    n_hidden : int, optional
        Hidden units of a fresh :func:`~dgmbook.rbm.init_rbm` (give this or ``rbm``).
    rbm : RBM, optional
        Starting parameters (copied).
    noise : BernoulliNoise, optional
        Default: the smoothed data marginals, :meth:`BernoulliNoise.fit`.
    nu : float, default 1.0
        Noise samples per data sample.
    c : float, optional
        Starting ``c``; default :func:`initial_log_normaliser` of the starting RBM.
    learning_rate, epochs, batch_size, random_state
        As in :func:`~dgmbook.rbm.train_cd`.
    callback : callable ``(epoch, rbm, c) -> value``, optional
        Called after epoch 0 and every ``callback_every`` epochs (time not counted).

    Returns
    -------
    rbm : RBM
    c : float
    history : TrainingHistory

    Raises
    ------
    ValueError
        Before any allocation, if one update's ``round(nu * batch_size)`` noise samples would need
        more memory than :data:`dgmbook.validation.MAX_BYTES`; during training, if the parameters
        stop being finite (too large a ``learning_rate``).
    """
    nu = check_positive("nu", nu)
    callback = check_callable("callback", callback, allow_none=True)
    data, learning_rate, epochs, batch_size, callback_every, rng, model = _training_setup(
        data, n_hidden, rbm, learning_rate, epochs, batch_size, callback_every, random_state)
    if noise is None:
        noise = BernoulliNoise.fit(data)
    elif not isinstance(noise, BernoulliNoise):
        raise TypeError(f"noise must be a BernoulliNoise, got {type(noise).__name__}")
    if noise.n_visible != data.shape[1]:
        raise ValueError(f"noise must have {data.shape[1]} visible units, got {noise.n_visible}")
    c = initial_log_normaliser(model) if c is None else float(as_float_array("c", c, ndim=0))
    n = data.shape[0]
    B = min(batch_size, n)
    n_noise = max(1, int(round(nu * B)))
    # One update's arrays: the stacked batch u, its pre-activations, sigmoids and weighted copy.
    check_memory("nu", 8.0 * (B + n_noise) * (2 * data.shape[1] + 3 * model.n_hidden + 3),
                 what=f"{n_noise} noise samples per update (nu * batch_size = {nu:g} * {B})")
    log_q1, log_q0 = np.log(noise.probs), np.log1p(-noise.probs)
    order = np.arange(n)
    history = TrainingHistory([], [], [])
    elapsed = 0.0

    def record(epoch: int) -> None:
        if callback is not None and (epoch % callback_every == 0 or epoch == epochs):
            history.epochs.append(epoch)
            history.seconds.append(elapsed)
            with np.errstate(**numpy_errors):  # the reader's callback, under the reader's settings
                history.values.append(callback(epoch, model, c))

    numpy_errors = np.geterr()
    record(0)
    log_nu = np.log(nu)
    # Overflow in an update is not warned about but reported, as divergence, after the epoch.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            rng.shuffle(order)
            X = data[order]
            for start in range(0, n, B):
                x = X[start:start + B]
                m = x.shape[0]
                y = (rng.random((n_noise, noise.n_visible)) < noise.probs).astype(np.float64)
                u = np.vstack([x, y])
                pre = u @ model.W + model.b
                # G(u) - log nu = -F(u) + c - log p_n(u) - log nu
                z = u @ (model.a - log_q1 + log_q0) + np.logaddexp(0.0, pre).sum(axis=1) \
                    + c - log_q0.sum() - log_nu
                # dJ/dG: (1/m)(1 - D) at the data, -(nu/n_noise) D at the noise
                w = np.empty(m + n_noise)
                w[:m] = expit(-z[:m]) / m
                w[m:] = -(nu / n_noise) * expit(z[m:])
                wph = w[:, None] * expit(pre)
                model.W += learning_rate * (u.T @ wph)
                model.a += learning_rate * (w @ u)
                model.b += learning_rate * wph.sum(axis=0)
                c += learning_rate * w.sum()
            elapsed += time.perf_counter() - t0
            _check_diverged(model, epoch, learning_rate)
            if not np.isfinite(c):
                raise ValueError(f"training diverged in epoch {epoch}: c is no longer finite; "
                                 f"lower learning_rate (got {learning_rate:g})")
            record(epoch)
    return model, c, history
