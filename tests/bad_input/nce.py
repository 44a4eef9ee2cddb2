"""Bad input for dgmbook.nce."""

import numpy as np

from bad_input import bad
from dgmbook import nce
from dgmbook.datasets import bars_and_stripes
from dgmbook.rbm import RBM

X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
Y = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
NOISE = nce.BernoulliNoise([0.3, 0.5, 0.7])


def _rbm(D=3, H=2):
    rng = np.random.default_rng(0)
    return RBM(0.3 * rng.standard_normal((D, H)), rng.standard_normal(D), rng.standard_normal(H))


def _huge():
    return RBM(np.full((3, 2), 1e300), np.zeros(3), np.zeros(2))


def _objective(**changes):
    args = dict(rbm=_rbm(), c=0.0, data=X, noise_samples=Y, noise=NOISE, nu=0.5)
    args.update(changes)
    return nce.nce_rbm_objective(**args)


CASES = {
    "BernoulliNoise": [
        bad(lambda: nce.BernoulliNoise([0.0, 0.5]), ValueError, "probs", "strictly between 0 and 1"),
        bad(lambda: nce.BernoulliNoise([0.5, 1.0]), ValueError, "probs", "strictly between 0 and 1"),
        bad(lambda: nce.BernoulliNoise([[0.5]]), ValueError, "probs", "ndim"),
        bad(lambda: nce.BernoulliNoise("0.5"), TypeError, "probs", "real numbers"),
        bad(lambda: nce.BernoulliNoise([0.5, np.nan]), ValueError, "probs", "finite"),
        bad(lambda: nce.BernoulliNoise([]), ValueError, "probs", "empty"),
    ],
    "BernoulliNoise.uniform": [
        bad(lambda: nce.BernoulliNoise.uniform(0), ValueError, "n_visible", ">= 1"),
        bad(lambda: nce.BernoulliNoise.uniform(2.5), TypeError, "n_visible", "integer"),
        bad(lambda: nce.BernoulliNoise.uniform("9"), TypeError, "n_visible", "integer"),
        bad(lambda: nce.BernoulliNoise.uniform(10**12), ValueError, "n_visible", "GiB"),
    ],
    "BernoulliNoise.fit": [
        bad(lambda: nce.BernoulliNoise.fit(0.5 * X), ValueError, "data", "binary"),
        bad(lambda: nce.BernoulliNoise.fit(X[0]), ValueError, "data", "ndim"),
        bad(lambda: nce.BernoulliNoise.fit(X, smoothing=0.0), ValueError, "smoothing", "> 0"),
        bad(lambda: nce.BernoulliNoise.fit(X, smoothing="1"), TypeError, "smoothing", "real number"),
        bad(lambda: nce.BernoulliNoise.fit([[0, 1], [1]]), TypeError, "data", "array-like"),
    ],
    "BernoulliNoise.log_prob": [
        bad(lambda: NOISE.log_prob([[0, 1]]), ValueError, "u", "3 columns"),
        bad(lambda: NOISE.log_prob([[0, 1, 0.5]]), ValueError, "u", "binary"),
        bad(lambda: NOISE.log_prob([0, 1, 1]), ValueError, "u", "ndim"),
        bad(lambda: NOISE.log_prob(None), TypeError, "u"),
    ],
    "BernoulliNoise.sample": [
        bad(lambda: NOISE.sample(2.5), TypeError, "n", "integer"),
        bad(lambda: NOISE.sample(0), ValueError, "n", ">= 1"),
        bad(lambda: NOISE.sample(5, random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: NOISE.sample(5, random_state="0"), TypeError, "random_state"),
        bad(lambda: NOISE.sample(10**12), ValueError, "n", "GiB"),
    ],
    "nce_objective": [
        bad(lambda: nce.nce_objective([0.0, 1.0], [0.0], nu=0.0), ValueError, "nu", "> 0"),
        bad(lambda: nce.nce_objective([0.0, 1.0], [0.0], nu="2"), TypeError, "nu", "real number"),
        bad(lambda: nce.nce_objective([0.0, 1.0], [0.0], nu=np.inf), ValueError, "nu", "finite"),
        bad(lambda: nce.nce_objective([[0.0, 1.0]], [0.0], nu=1.0), ValueError, "g_data", "ndim"),
        bad(lambda: nce.nce_objective([0.0, np.nan], [0.0], nu=1.0), ValueError, "g_data", "finite"),
        bad(lambda: nce.nce_objective([0.0], [], nu=1.0), ValueError, "g_noise", "empty"),
        bad(lambda: nce.nce_objective([0.0, 1.0], [0.0], 1.0, data_weights=[0.5]), ValueError,
            "data_weights", "shape (2)"),
        bad(lambda: nce.nce_objective([0.0, 1.0], [0.0], 1.0, data_weights=[0.5, 0.6]), ValueError,
            "data_weights", "sum to 1"),
        bad(lambda: nce.nce_objective([0.0], [0.0, 1.0], 1.0, noise_weights=[1.5, -0.5]), ValueError,
            "noise_weights", "non-negative"),
    ],
    "nce_rbm_objective": [
        bad(lambda: _objective(rbm=None), TypeError, "rbm", "RBM"),
        bad(lambda: _objective(rbm=_huge()), ValueError, "rbm", "too large"),
        bad(lambda: _objective(c=np.nan), ValueError, "c", "finite"),
        bad(lambda: _objective(c="0"), TypeError, "c"),
        bad(lambda: _objective(c=[0.0, 1.0]), ValueError, "c", "ndim"),
        bad(lambda: _objective(data=X[:, :2]), ValueError, "data", "3 columns"),
        bad(lambda: _objective(noise_samples=0.5 * Y), ValueError, "noise_samples", "binary"),
        bad(lambda: _objective(noise="uniform"), TypeError, "noise", "BernoulliNoise"),
        bad(lambda: _objective(noise=nce.BernoulliNoise.uniform(4)), ValueError, "noise", "3 visible"),
        bad(lambda: _objective(nu=-1.0), ValueError, "nu", "> 0"),
        bad(lambda: _objective(noise_weights=[1.0, 1.0]), ValueError, "noise_weights", "sum to 1"),
    ],
    "train_nce": [
        bad(lambda: nce.train_nce(X, 2, nu=1e7), ValueError, "nu", "40000000", "1e+07", "GiB",
            why="the issue's example: ~10 GiB per update, refused before allocating"),
        bad(lambda: nce.train_nce(bars_and_stripes(3), 16, nu=1e7, batch_size=14), ValueError, "nu",
            "140000000"),
        bad(lambda: nce.train_nce(X, 2, nu=0.0), ValueError, "nu", "> 0"),
        bad(lambda: nce.train_nce(X, 2, nu="1"), TypeError, "nu", "real number"),
        bad(lambda: nce.train_nce(X, 2, callback=3), TypeError, "callback", "a callable or None"),
        bad(lambda: nce.train_nce(X, 2, callback="print"), TypeError, "callback"),
        bad(lambda: nce.train_nce(X, 2, random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: nce.train_nce(X, 2, random_state=2.0), TypeError, "random_state"),
        bad(lambda: nce.train_nce(X, 2, noise="fit"), TypeError, "noise", "BernoulliNoise"),
        bad(lambda: nce.train_nce(X, 2, noise=nce.BernoulliNoise.uniform(4)), ValueError, "noise",
            "3 visible"),
        bad(lambda: nce.train_nce(X, 2, c=np.inf), ValueError, "c", "finite"),
        bad(lambda: nce.train_nce(X, 2, c="0"), TypeError, "c"),
        bad(lambda: nce.train_nce(X, 2, learning_rate=-0.1), ValueError, "learning_rate"),
        bad(lambda: nce.train_nce(X, 2, learning_rate=1e308, epochs=5), ValueError, "learning_rate",
            "diverged"),
        # One row per batch: the parameters overflow within the first epoch (not warned about).
        bad(lambda: nce.train_nce(X, 3, learning_rate=1e308, batch_size=1, epochs=2, random_state=0),
            ValueError, "learning_rate", "diverged"),
        bad(lambda: nce.train_nce(X, 2, epochs=1.5), TypeError, "epochs", "integer"),
        bad(lambda: nce.train_nce(X, 2, batch_size=0), ValueError, "batch_size"),
        bad(lambda: nce.train_nce(X, 2, callback_every=0), ValueError, "callback_every"),
        bad(lambda: nce.train_nce(X), ValueError, "n_hidden", "rbm"),
        bad(lambda: nce.train_nce(X, rbm=_rbm(D=4)), ValueError, "data", "4 columns"),
        bad(lambda: nce.train_nce(X, rbm=_huge()), ValueError, "rbm", "too large"),
        bad(lambda: nce.train_nce(X + 1, 2), ValueError, "data", "binary"),
    ],
    "initial_log_normaliser": [
        bad(lambda: nce.initial_log_normaliser(None), TypeError, "rbm", "RBM"),
        bad(lambda: nce.initial_log_normaliser(X), TypeError, "rbm", "RBM"),
        bad(lambda: nce.initial_log_normaliser(_huge()), ValueError, "rbm", "too large"),
    ],
}

VALID = [
    lambda: nce.BernoulliNoise([0.25, 0.5, 0.75]),
    lambda: nce.BernoulliNoise.uniform(np.int64(3)),
    lambda: nce.BernoulliNoise.fit(X.astype(bool).tolist(), smoothing=np.float32(0.5)),
    lambda: NOISE.log_prob([[True, False, True]]),
    lambda: NOISE.sample(np.int32(4), random_state=np.uint16(1)),
    lambda: nce.nce_objective([0, 1], [0], nu=np.int64(2)),                 # integers for floats
    lambda: nce.nce_rbm_objective(_rbm(), np.float64(0.0), X.astype(int), Y.astype(bool), NOISE, 1),
    lambda: nce.train_nce(X.astype(bool), np.int64(2), nu=np.float32(2.0), epochs=1, random_state=0),
    lambda: nce.train_nce(X.tolist(), 2, nu=0.01, epochs=1, random_state=0),  # fewer noise than data
    lambda: nce.initial_log_normaliser(_rbm()),
]
