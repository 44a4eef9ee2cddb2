"""Bernoulli--Bernoulli restricted Boltzmann machines: energy, free energy, Gibbs sampling,
CD-k and persistent CD training, the exact log-partition function and annealed importance sampling.

The model (chapter {ref}`q1-nce-cd`, equations ``q1-eq-energy`` to ``q1-eq-grad``) has binary
visible units :math:`v \\in \\{0,1\\}^D` and hidden units :math:`h \\in \\{0,1\\}^H`,

.. math::

    E(v, h) = -a^\\top v - b^\\top h - v^\\top W h, \\qquad
    F(v) = -a^\\top v - \\sum_j \\operatorname{softplus}(b_j + v^\\top W_{:j}),

and :math:`p(v) = e^{-F(v)} / Z`. Shapes: ``W`` is ``(D, H)``, ``a`` is ``(D,)``, ``b`` is ``(H,)``;
a batch of visible vectors is ``(n, D)``, of hidden vectors ``(n, H)``.

Public functions validate their arguments; the training loops are written for speed (buffers
allocated once, random numbers drawn into them in place, one matrix product per parameter update)
and trust the already-validated arrays.

**Size of the parameters.** Every function refuses (``ValueError`` naming ``rbm``) parameters that
are not finite (a diverged training) or so large that an energy could overflow float64
(:data:`MAX_ENERGY_BOUND`), instead of returning ``inf`` or ``nan``. The log-probability functions
(:func:`log_partition`, :func:`log_likelihood`, :func:`ais_log_partition`) also refuse parameters
whose energies can exceed :data:`MAX_RESOLVED_ENERGY` = 2**52: beyond that, float64 cannot resolve
one nat, and ``log Z`` and log-likelihoods would be rounding noise. The bound used is
``sum |W| + sum |a| + sum |b|``, which no energy ``|E(v, h)|`` can exceed; a trained RBM is many
orders of magnitude below both limits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logsumexp

from dgmbook.validation import (
    as_binary_array,
    as_float_array,
    check_bool,
    check_callable,
    check_int,
    check_memory,
    check_positive,
    check_random_state,
)

__all__ = [
    "RBM",
    "TrainingHistory",
    "init_rbm",
    "free_energy",
    "free_energy_gradient",
    "hidden_probs",
    "visible_probs",
    "gibbs_step",
    "cd_gradient",
    "train_cd",
    "log_partition",
    "log_likelihood",
    "ais_log_partition",
    "reconstruction_error",
]

#: Largest number of units :func:`log_partition` will enumerate (2**24 configurations).
MAX_ENUMERATED_UNITS = 24

#: Largest bound ``sum |W| + sum |a| + sum |b|`` on the energies that any function accepts: below
#: it no energy, free energy or ``log Z`` (at most the bound plus ``(D + H) log 2``) overflows.
MAX_ENERGY_BOUND = 1e300

#: Largest energy bound accepted by the log-probability functions: float64 resolves one nat up to
#: ``2**52``; beyond, ``log Z`` and ``-F(v) - log Z`` would be rounding noise.
MAX_RESOLVED_ENERGY = 2.0**52


@dataclass
class RBM:
    """Parameters of a Bernoulli--Bernoulli RBM (also used to hold a gradient of the same shapes).

    Attributes
    ----------
    W : ndarray, shape (n_visible, n_hidden)
        Visible--hidden weights.
    a : ndarray, shape (n_visible,)
        Visible biases.
    b : ndarray, shape (n_hidden,)
        Hidden biases.
    """

    W: np.ndarray
    a: np.ndarray
    b: np.ndarray

    def __post_init__(self) -> None:
        self.W = as_float_array("W", self.W, ndim=2)
        n_visible, n_hidden = self.W.shape
        self.a = as_float_array("a", self.a, shape=(n_visible,))
        self.b = as_float_array("b", self.b, shape=(n_hidden,))

    @property
    def n_visible(self) -> int:
        """Number of visible units ``D``."""
        return self.W.shape[0]

    @property
    def n_hidden(self) -> int:
        """Number of hidden units ``H``."""
        return self.W.shape[1]

    def copy(self) -> RBM:
        """An independent copy of the parameters."""
        return RBM(self.W.copy(), self.a.copy(), self.b.copy())

    @classmethod
    def from_sklearn(cls, estimator) -> RBM:
        """The parameters of a fitted ``sklearn.neural_network.BernoulliRBM`` as an :class:`RBM`.

        scikit-learn stores ``components_`` with shape ``(H, D)`` and the same energy, so
        ``W = components_.T``, ``a = intercept_visible_``, ``b = intercept_hidden_``.
        """
        for name in ("components_", "intercept_visible_", "intercept_hidden_"):
            if not hasattr(estimator, name):
                raise TypeError(f"estimator must be a fitted BernoulliRBM (no attribute {name})")
        components = as_float_array("estimator.components_", estimator.components_, ndim=2)
        n_hidden, n_visible = components.shape
        a = as_float_array("estimator.intercept_visible_", estimator.intercept_visible_,
                           shape=(n_visible,))
        b = as_float_array("estimator.intercept_hidden_", estimator.intercept_hidden_,
                           shape=(n_hidden,))
        return cls(components.T.copy(), a.copy(), b.copy())


def _check_rbm(rbm, limit: float = MAX_ENERGY_BOUND) -> RBM:
    """``rbm`` itself, after checking it is an RBM whose energies are finite and at most ``limit``.

    The parameters were checked when the RBM was made, but training (or the reader) may have
    changed them in place since.
    """
    if not isinstance(rbm, RBM):
        raise TypeError(f"rbm must be an RBM, got {type(rbm).__name__}")
    bound = _energy_bound(rbm)
    if not bound <= limit:
        if not np.isfinite(bound):
            raise ValueError("rbm's parameters must be finite; W, a or b holds NaN or inf (did a "
                             "training diverge? lower its learning_rate)")
        what = ("float64 would overflow" if bound > MAX_ENERGY_BOUND else
                "float64 cannot resolve one nat there, so log-probabilities would be rounding noise")
        raise ValueError(f"rbm's parameters are too large: its energies can reach {bound:.3g} "
                         f"(sum of |W|, |a|, |b|; the limit is {limit:.3g}) and {what}")
    return rbm


def _energy_bound(rbm: RBM) -> float:
    """``sum |W| + sum |a| + sum |b|`` (>= every |E(v, h)|) as a Python float: inf or nan if the
    parameters are not finite, and never a floating-point warning, however large they are."""
    peak = max(_abs_max(rbm.W), _abs_max(rbm.a), _abs_max(rbm.b))
    if not np.isfinite(peak) or peak == 0.0:
        return peak
    # Scaled by the largest entry, every sum is at most its number of terms: nothing overflows.
    return peak * sum(float(np.abs(x / peak).sum()) for x in (rbm.W, rbm.a, rbm.b))


def _abs_max(x: np.ndarray) -> float:
    top, bottom = float(x.max()), float(x.min())
    return float("nan") if np.isnan(top) or np.isnan(bottom) else max(top, -bottom)


def _check_visible(name: str, v, rbm: RBM) -> np.ndarray:
    v = as_binary_array(name, v, ndim=2)
    if v.shape[1] != rbm.n_visible:
        raise ValueError(f"{name} must have {rbm.n_visible} columns (one per visible unit), "
                         f"got shape {v.shape}")
    return v


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def init_rbm(n_visible: int, n_hidden: int, *, scale: float = 0.01, data=None,
             random_state=None) -> RBM:
    """A small random RBM: ``W ~ N(0, scale^2)``, hidden biases 0.

    Parameters
    ----------
    n_visible, n_hidden : int
        Layer sizes ``D`` and ``H``.
    scale : float, default 0.01
        Standard deviation of the initial weights.
    data : array_like of shape (n, n_visible), optional
        Binary training data. If given, the visible biases start at the log-odds of the (add-one
        smoothed) pixel means, as Hinton's practical guide recommends; otherwise at 0.
    random_state : None, int or numpy.random.Generator
        Seed of the weights.

    Returns
    -------
    RBM
    """
    n_visible = check_int("n_visible", n_visible, minimum=1)
    n_hidden = check_int("n_hidden", n_hidden, minimum=1)
    check_memory("n_visible * n_hidden", 8.0 * n_visible * n_hidden,
                 what=f"{n_visible} x {n_hidden} weights")
    scale = check_positive("scale", scale, allow_zero=True)
    rng = check_random_state(random_state)
    W = scale * rng.standard_normal((n_visible, n_hidden))
    a = np.zeros(n_visible)
    if data is not None:
        data = as_binary_array("data", data, ndim=2)
        if data.shape[1] != n_visible:
            raise ValueError(f"data must have {n_visible} columns, got shape {data.shape}")
        p = (data.sum(axis=0) + 1.0) / (data.shape[0] + 2.0)
        a = np.log(p) - np.log1p(-p)
    return RBM(W, a, np.zeros(n_hidden))


def free_energy(rbm: RBM, v) -> np.ndarray:
    """Free energy ``F(v) = -a.v - sum_j softplus(b_j + v.W[:, j])`` (equation ``q1-eq-free-energy``).

    Parameters
    ----------
    rbm : RBM
    v : array_like of shape (n, n_visible)
        Binary visible vectors.

    Returns
    -------
    ndarray of shape (n,)
        ``F(v)``, so that ``p(v) = exp(-F(v)) / Z``.
    """
    rbm = _check_rbm(rbm)
    v = _check_visible("v", v, rbm)
    return _free_energy(rbm, v)


def _free_energy(rbm: RBM, v: np.ndarray) -> np.ndarray:
    return -(v @ rbm.a) - _softplus(v @ rbm.W + rbm.b).sum(axis=1)


def free_energy_gradient(rbm: RBM, v, weights=None) -> RBM:
    """Weighted sum over samples of the gradient of ``F(v)`` with respect to ``(W, a, b)``.

    ``dF/dW_ij = -v_i sigmoid(b_j + v.W[:, j])``, ``dF/da_i = -v_i``, ``dF/db_j = -sigmoid(...)``
    (equation ``q1-eq-grad``).

    Parameters
    ----------
    rbm : RBM
    v : array_like of shape (n, n_visible)
        Binary visible vectors.
    weights : array_like of shape (n,), optional
        Weight of each sample; default ``1/n`` (the sample mean).

    Returns
    -------
    RBM
        The gradient, with the shapes of the parameters.
    """
    rbm = _check_rbm(rbm)
    v = _check_visible("v", v, rbm)
    if weights is None:
        weights = np.full(v.shape[0], 1.0 / v.shape[0])
    else:
        weights = as_float_array("weights", weights, shape=(v.shape[0],))
    return _free_energy_gradient(rbm, v, weights)


def _free_energy_gradient(rbm: RBM, v: np.ndarray, weights: np.ndarray) -> RBM:
    ph = expit(v @ rbm.W + rbm.b)
    wph = weights[:, None] * ph
    return RBM(-(v.T @ wph), -(weights @ v), -wph.sum(axis=0))


def hidden_probs(rbm: RBM, v) -> np.ndarray:
    """``p(h_j = 1 | v) = sigmoid(b_j + v.W[:, j])``; shape ``(n, H)`` for ``v`` of shape ``(n, D)``."""
    rbm = _check_rbm(rbm)
    v = _check_visible("v", v, rbm)
    return expit(v @ rbm.W + rbm.b)


def visible_probs(rbm: RBM, h) -> np.ndarray:
    """``p(v_i = 1 | h) = sigmoid(a_i + W[i].h)``; shape ``(n, n_visible)`` for ``h`` of shape ``(n, H)``."""
    rbm = _check_rbm(rbm)
    h = as_binary_array("h", h, ndim=2)
    if h.shape[1] != rbm.n_hidden:
        raise ValueError(f"h must have {rbm.n_hidden} columns, got shape {h.shape}")
    return expit(h @ rbm.W.T + rbm.a)


def gibbs_step(rbm: RBM, v, random_state=None, k: int = 1) -> np.ndarray:
    """``k`` steps of block Gibbs sampling ``v -> h ~ p(h|v) -> v' ~ p(v|h)``.

    Parameters
    ----------
    rbm : RBM
    v : array_like of shape (n, n_visible)
        Binary starting states (one chain per row).
    random_state : None, int or numpy.random.Generator
    k : int, default 1
        Number of full Gibbs steps.

    Returns
    -------
    ndarray of shape (n, n_visible)
        The binary states after ``k`` steps.
    """
    rbm = _check_rbm(rbm)
    v = _check_visible("v", v, rbm)
    k = check_int("k", k, minimum=1)
    rng = check_random_state(random_state)
    return _gibbs(rbm, v, rng, k)


def _gibbs(rbm: RBM, v: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    for _ in range(k):
        ph = expit(v @ rbm.W + rbm.b)
        h = (rng.random(ph.shape) < ph).astype(np.float64)
        pv = expit(h @ rbm.W.T + rbm.a)
        v = (rng.random(pv.shape) < pv).astype(np.float64)
    return v


def cd_gradient(rbm: RBM, v, k: int = 1, random_state=None, chains=None) -> tuple[RBM, np.ndarray]:
    """The CD-k (or persistent CD) estimate of the log-likelihood gradient (equation ``q1-eq-cd``).

    ``grad = -mean_data dF/dtheta + mean_negatives dF/dtheta``, where the negatives are ``k`` Gibbs
    steps from the data (CD-k) or from ``chains`` (persistent CD).

    Parameters
    ----------
    rbm : RBM
    v : array_like of shape (n, n_visible)
        A mini-batch of binary data.
    k : int, default 1
        Number of Gibbs steps.
    random_state : None, int or numpy.random.Generator
    chains : array_like of shape (m, n_visible), optional
        Persistent chain states; if given they start the negative phase instead of the data.

    Returns
    -------
    grad : RBM
        Gradient ascent direction for ``(W, a, b)``.
    negatives : ndarray of shape (n, n_visible) or (m, n_visible)
        The states reached (the new persistent chains in PCD).
    """
    rbm = _check_rbm(rbm)
    v = _check_visible("v", v, rbm)
    k = check_int("k", k, minimum=1)
    rng = check_random_state(random_state)
    start = v if chains is None else _check_visible("chains", chains, rbm)
    negatives = _gibbs(rbm, start, rng, k)
    pos = _free_energy_gradient(rbm, v, np.full(v.shape[0], 1.0 / v.shape[0]))
    neg = _free_energy_gradient(rbm, negatives, np.full(negatives.shape[0], 1.0 / negatives.shape[0]))
    return RBM(neg.W - pos.W, neg.a - pos.a, neg.b - pos.b), negatives


@dataclass
class TrainingHistory:
    """What a training run recorded: the epochs at which ``callback`` ran, the cumulative training
    time (seconds, callbacks excluded) at those epochs, and whatever the callback returned."""

    epochs: list
    seconds: list
    values: list

    def __post_init__(self) -> None:
        # The training loops append to the three lists as they go.
        for name in ("epochs", "seconds", "values"):
            if not isinstance(getattr(self, name), list):
                raise TypeError(f"{name} must be a list, got {type(getattr(self, name)).__name__}")
        if not len(self.epochs) == len(self.seconds) == len(self.values):
            raise ValueError("epochs, seconds and values must have the same length, got "
                             f"{len(self.epochs)}, {len(self.seconds)} and {len(self.values)}")


def train_cd(data, n_hidden: int | None = None, *, rbm: RBM | None = None, k: int = 1,
             persistent: bool = False, learning_rate: float = 0.1, epochs: int = 10,
             batch_size: int = 10, n_chains: int | None = None, shuffle: bool = True,
             sample_visible: bool = True, random_state=None,
             callback: Callable[[int, RBM], object] | None = None,
             callback_every: int = 1) -> tuple[RBM, TrainingHistory]:
    """Train an RBM by CD-k or persistent CD-k (PCD) with plain mini-batch gradient ascent.

    Each update: positive statistics from the data with hidden *probabilities*; negative statistics
    from ``k`` block-Gibbs steps started at the data (CD) or at persistent chains (PCD), again with
    hidden probabilities in the statistics (equation ``q1-eq-cd``).

    Parameters
    ----------
    data : array_like of shape (n, n_visible)
        Binary training data.
    n_hidden : int, optional
        Number of hidden units, for a fresh :func:`init_rbm` (seeded by ``random_state``, visible
        biases 0). Give either ``n_hidden`` or ``rbm``.
    rbm : RBM, optional
        Starting parameters (copied, never modified).
    k : int, default 1
        Gibbs steps per update.
    persistent : bool, default False
        PCD (Tieleman, 2008) instead of CD.
    learning_rate : float, default 0.1
    epochs : int, default 10
    batch_size : int, default 10
    n_chains : int, optional
        Number of persistent chains (PCD only; CD ignores it); default ``batch_size``.
    shuffle : bool, default True
        Visit the data in a fresh random order every epoch.
    sample_visible : bool, default True
        Sample the negative visible states (as scikit-learn does); if False use their probabilities
        (mean-field reconstruction, a common variance reduction for CD).
    random_state : None, int or numpy.random.Generator
    callback : callable ``(epoch, rbm) -> value``, optional
        Called after epoch 0 (before training) and every ``callback_every`` epochs; its time is not
        counted in the recorded training time. ``rbm`` is the live model: copy it to keep it.
    callback_every : int, default 1

    Returns
    -------
    rbm : RBM
        The trained model.
    history : TrainingHistory

    Raises
    ------
    ValueError
        Also during training, if the parameters stop being finite (too large a ``learning_rate``).
    """
    k = check_int("k", k, minimum=1)
    persistent = check_bool("persistent", persistent)
    shuffle = check_bool("shuffle", shuffle)
    sample_visible = check_bool("sample_visible", sample_visible)
    callback = check_callable("callback", callback, allow_none=True)
    data, learning_rate, epochs, batch_size, callback_every, rng, model = _training_setup(
        data, n_hidden, rbm, learning_rate, epochs, batch_size, callback_every, random_state)
    n, D = data.shape
    H = model.n_hidden
    B = min(batch_size, n)
    C = B if n_chains is None else check_int("n_chains", n_chains, minimum=1)
    if not persistent:
        C = B  # n_chains applies to PCD only: CD starts one chain at each data vector
    # The buffers below, in float64: sv, sp, hs, uh, uv, gW and the chains.
    check_memory("n_chains" if C > B else "batch_size",
                 8.0 * ((C + B) * (D + H) + C * (3 * H + D) + D * H),
                 what=f"{C} chains and batches of {B} rows of {D} + {H} units")

    W, a, b = model.W, model.a, model.b
    # Buffers, allocated once; the loop below makes no large temporaries. Negative (model) samples
    # occupy rows [0, c) of sv/sp and the data batch rows [c, c + m), so that the whole update is
    # one matrix product of the stacked statistics with signed weights.
    sv = np.empty((C + B, D))    # visible: negatives, then data
    sp = np.empty((C + B, H))    # p(h = 1 | v) for the same rows, later scaled by the weights
    hs = np.empty((C, H))        # hidden samples of CD chains
    uh = np.empty((C, H))
    uv = np.empty((C, D))
    gW = np.empty((D, H))
    chains_h = np.zeros((C, H))  # PCD state, like scikit-learn: hidden samples, starting at 0
    weights = {}                 # (c, m) -> column of signed weights: -lr/c (negatives), lr/m (data)
    order = np.arange(n)
    history = TrainingHistory([], [], [])
    elapsed = 0.0

    def record(epoch: int) -> None:
        if callback is not None and (epoch % callback_every == 0 or epoch == epochs):
            history.epochs.append(epoch)
            history.seconds.append(elapsed)
            with np.errstate(**numpy_errors):  # the reader's callback, under the reader's settings
                history.values.append(callback(epoch, model))

    numpy_errors = np.geterr()
    record(0)
    # Overflow in an update is not warned about but reported, as divergence, after the epoch.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            t0 = time.perf_counter()
            if shuffle:
                rng.shuffle(order)
            for start in range(0, n, B):
                m = min(B, n - start)
                c = C if persistent else m
                v0, p0 = sv[c:c + m], sp[c:c + m]
                if shuffle:  # a fresh random batch: copy m rows only, never the whole data set
                    np.take(data, order[start:start + m], axis=0, out=v0)
                else:
                    v0[...] = data[start:start + m]
                np.matmul(v0, W, out=p0)
                p0 += b
                expit(p0, out=p0)
                if persistent:
                    h = chains_h
                else:
                    h = hs[:c]
                    rng.random(out=uh[:c])
                    np.less(uh[:c], p0, out=h)
                v, p, u_h, u_v = sv[:c], sp[:c], uh[:c], uv[:c]
                for step in range(k):
                    np.matmul(h, W.T, out=v)
                    v += a
                    expit(v, out=v)
                    if sample_visible:
                        rng.random(out=u_v)
                        np.less(u_v, v, out=v)
                    np.matmul(v, W, out=p)
                    p += b
                    expit(p, out=p)
                    if step < k - 1 or persistent:
                        rng.random(out=u_h)
                        np.less(u_h, p, out=h)
                # gradient ascent: <v h>_data - <v h>_model, each a mean over its own samples,
                # computed as sv^T diag(w) sp with w = (-lr/c, ..., -lr/c, lr/m, ..., lr/m)
                w = weights.get((c, m))
                if w is None:
                    w = weights[(c, m)] = np.concatenate([np.full(c, -learning_rate / c),
                                                          np.full(m, learning_rate / m)])
                rows_v, rows_p = sv[:c + m], sp[:c + m]
                a += w @ rows_v
                rows_p *= w[:, None]
                np.matmul(rows_v.T, rows_p, out=gW)
                W += gW
                b += rows_p.sum(axis=0)
            elapsed += time.perf_counter() - t0
            _check_diverged(model, epoch, learning_rate)
            record(epoch)
    return model, history


def _check_diverged(model: RBM, epoch: int, learning_rate: float) -> None:
    """Stop a training whose parameters overflowed, rather than return (or monitor) a model that
    every function would refuse (see :func:`_check_rbm`)."""
    if not _energy_bound(model) <= MAX_ENERGY_BOUND:
        raise ValueError(f"training diverged in epoch {epoch}: the parameters overflow float64 "
                         f"(see rbm.MAX_ENERGY_BOUND); lower learning_rate (got {learning_rate:g})")


def _training_setup(data, n_hidden, rbm, learning_rate, epochs, batch_size, callback_every, random_state):
    """Validate the arguments CD/PCD (``train_cd``) and NCE (``nce.train_nce``) training share.

    Returns ``(data, learning_rate, epochs, batch_size, callback_every, rng, model)`` with the data
    as a binary float array, a seeded generator and the starting model (see ``_start_model``).
    """
    data = as_binary_array("data", data, ndim=2)
    learning_rate = check_positive("learning_rate", learning_rate)
    epochs = check_int("epochs", epochs, minimum=0)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    callback_every = check_int("callback_every", callback_every, minimum=1)
    rng = check_random_state(random_state)
    model = _start_model(data, n_hidden, rbm, rng)
    return data, learning_rate, epochs, batch_size, callback_every, rng, model


def _start_model(data: np.ndarray, n_hidden, rbm, rng) -> RBM:
    if (n_hidden is None) == (rbm is None):
        raise ValueError("give exactly one of n_hidden and rbm")
    if rbm is not None:
        model = _check_rbm(rbm).copy()
        if model.n_visible != data.shape[1]:
            raise ValueError(f"data must have {model.n_visible} columns (the rbm's visible units), "
                             f"got shape {data.shape}")
        return model
    n_hidden = check_int("n_hidden", n_hidden, minimum=1)
    return init_rbm(data.shape[1], n_hidden, random_state=rng)


def _all_configurations(n: int, start: int, stop: int) -> np.ndarray:
    """Rows ``start..stop-1`` of the ``2**n`` binary configurations, shape ``(stop-start, n)``."""
    idx = np.arange(start, stop, dtype=np.int64)
    return ((idx[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(np.float64)


def log_partition(rbm: RBM, *, chunk_size: int = 2**14) -> float:
    """Exact ``log Z`` by enumerating the smaller layer (equation ``q1-eq-logz-hidden``).

    With ``H <= D``: ``log Z = logsumexp_h [b.h + sum_i softplus(a_i + W[i].h)]`` over the
    ``2**H`` hidden configurations; otherwise ``log Z = logsumexp_v [-F(v)]`` over ``2**D``
    visible ones. Configurations are processed ``chunk_size`` at a time and the chunk results
    combined by another log-sum-exp, so memory stays ``O(chunk_size * max(D, H))``.

    Parameters
    ----------
    rbm : RBM
        At most :data:`MAX_ENUMERATED_UNITS` units in its smaller layer, and energies within
        :data:`MAX_RESOLVED_ENERGY` (see the module's notes).
    chunk_size : int, default 16384

    Returns
    -------
    float
    """
    rbm = _check_rbm(rbm, limit=MAX_RESOLVED_ENERGY)
    chunk_size = check_int("chunk_size", chunk_size, minimum=1)
    n_small = min(rbm.n_visible, rbm.n_hidden)
    if n_small > MAX_ENUMERATED_UNITS:
        raise ValueError(f"rbm has {n_small} units in its smaller layer; exact enumeration is "
                         f"limited to {MAX_ENUMERATED_UNITS} (use ais_log_partition)")
    rows = min(chunk_size, 2**n_small)
    check_memory("chunk_size", 8.0 * rows * (2 * max(rbm.n_visible, rbm.n_hidden) + n_small + 2),
                 what=f"chunks of {rows} configurations")
    # Enumerate the layer with n units ("own" biases); the other layer is summed out analytically.
    if rbm.n_hidden <= rbm.n_visible:
        n, W, own, other = rbm.n_hidden, rbm.W, rbm.b, rbm.a   # W: (other, n)
    else:
        n, W, own, other = rbm.n_visible, rbm.W.T, rbm.a, rbm.b
    total = 2**n
    W_rows = np.ascontiguousarray(W.T)  # (n, n_other): s @ W_rows is one BLAS call per chunk
    buf = np.empty((min(chunk_size, total), W_rows.shape[1]))
    work = np.empty_like(buf)
    parts = []
    for start in range(0, total, chunk_size):
        s = _all_configurations(n, start, min(total, start + chunk_size))
        x = buf[:s.shape[0]]
        np.matmul(s, W_rows, out=x)
        x += other
        parts.append(logsumexp(s @ own + _sum_softplus_rows(x, work[:s.shape[0]])))
    return float(logsumexp(parts))


def _sum_softplus_rows(x: np.ndarray, work: np.ndarray) -> np.ndarray:
    """``sum_i softplus(x[:, i])`` per row; overwrites ``x`` and ``work`` (same shape).

    Uses ``softplus(x) = max(x, 0) + log(1 + exp(-|x|))`` and takes one logarithm per block of 512
    columns of the *product* of the factors ``1 + exp(-|x|)``, each in (1, 2], so the product can
    neither overflow nor underflow; this needs one ``exp`` per entry instead of a ``logaddexp``.
    """
    np.maximum(x, 0.0, out=work)
    total = work.sum(axis=1)
    np.abs(x, out=x)
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1.0
    for start in range(0, x.shape[1], 512):
        total += np.log(np.prod(x[:, start:start + 512], axis=1))
    return total


def log_likelihood(rbm: RBM, v, log_z: float | None = None) -> float:
    """Average exact log-likelihood ``mean_n [-F(v_n)] - log Z`` in nats.

    Parameters
    ----------
    rbm : RBM
    v : array_like of shape (n, n_visible)
        Binary data.
    log_z : float, optional
        ``log Z`` if already known (e.g. to score train and test data with one enumeration);
        computed by :func:`log_partition` otherwise.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If the energies can exceed :data:`MAX_RESOLVED_ENERGY` (see the module's notes).
    """
    rbm = _check_rbm(rbm, limit=MAX_RESOLVED_ENERGY)
    v = _check_visible("v", v, rbm)
    if log_z is None:
        log_z = log_partition(rbm)
    else:
        log_z = float(as_float_array("log_z", log_z, ndim=0))
    return float(-_free_energy(rbm, v).mean() - log_z)


def reconstruction_error(rbm: RBM, v) -> float:
    """Mean squared one-step reconstruction error ``mean ||v - p(v | E[h|v])||^2`` per sample.

    The quantity often monitored during CD training because it needs no ``Z``; the chapter shows
    it is a poor proxy for the likelihood.
    """
    rbm = _check_rbm(rbm)
    v = _check_visible("v", v, rbm)
    ph = expit(v @ rbm.W + rbm.b)
    pv = expit(ph @ rbm.W.T + rbm.a)
    return float(((v - pv) ** 2).sum(axis=1).mean())


def ais_log_partition(rbm: RBM, *, n_chains: int = 100, n_betas: int = 1000, base_visible_bias=None,
                      random_state=None) -> tuple[float, float]:
    """Estimate ``log Z`` by annealed importance sampling (Neal 2001; Salakhutdinov & Murray 2008).

    Anneals from the base model ``p_0(v) ∝ exp(a0.v)`` (no weights; ``log Z_0 = H log 2 +
    sum_i softplus(a0_i)``) to the RBM through ``p_beta`` with energy ``(1-beta) a0.v + beta *
    (a.v + b.h + v.W.h)``, ``beta`` linear in ``[0, 1]``, using one block-Gibbs transition per
    temperature.

    Parameters
    ----------
    rbm : RBM
    n_chains : int, default 100
        Number of independent annealing runs ``M``.
    n_betas : int, default 1000
        Number of intermediate temperatures.
    base_visible_bias : array_like of shape (n_visible,), optional
        ``a0``; default the RBM's own visible biases. Log-odds of the data marginals are a good
        choice.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    log_z : float
        ``log Z_0 + log mean_m w_m``. Unbiased for ``Z``, hence (Jensen) biased low for ``log Z``
        by about ``se**2 / 2``.
    se : float
        Delta-method standard error of ``log_z``: ``std(w) / (sqrt(M) mean(w))``.
    """
    rbm = _check_rbm(rbm, limit=MAX_RESOLVED_ENERGY)
    n_chains = check_int("n_chains", n_chains, minimum=2)
    n_betas = check_int("n_betas", n_betas, minimum=2)
    check_memory("n_chains", 8.0 * n_chains * (4 * rbm.n_visible + 3 * rbm.n_hidden + 2),
                 what=f"{n_chains} chains")
    check_memory("n_betas", 8.0 * n_betas, what=f"{n_betas} temperatures")
    rng = check_random_state(random_state)
    a0 = rbm.a.copy() if base_visible_bias is None else as_float_array(
        "base_visible_bias", base_visible_bias, shape=(rbm.n_visible,))
    betas = np.linspace(0.0, 1.0, n_betas)
    W, a, b = rbm.W, rbm.a, rbm.b

    def log_unnorm(v: np.ndarray, beta: float) -> np.ndarray:
        return (1.0 - beta) * (v @ a0) + beta * (v @ a) + _softplus(beta * (v @ W + b)).sum(axis=1)

    v = (rng.random((n_chains, rbm.n_visible)) < expit(a0)).astype(np.float64)
    log_w = np.zeros(n_chains)
    for beta_prev, beta in zip(betas[:-1], betas[1:], strict=True):
        log_w += log_unnorm(v, beta) - log_unnorm(v, beta_prev)
        ph = expit(beta * (v @ W + b))
        h = (rng.random(ph.shape) < ph).astype(np.float64)
        pv = expit((1.0 - beta) * a0 + beta * (h @ W.T + a))
        v = (rng.random(pv.shape) < pv).astype(np.float64)
    log_z0 = rbm.n_hidden * np.log(2.0) + _softplus(a0).sum()
    log_mean_w = logsumexp(log_w) - np.log(n_chains)
    w = np.exp(log_w - log_w.max())
    se = float(w.std(ddof=1) / (np.sqrt(n_chains) * w.mean()))
    return float(log_z0 + log_mean_w), se
