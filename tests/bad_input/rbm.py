"""Bad input for dgmbook.rbm."""

import numpy as np

from bad_input import bad
from dgmbook import rbm as r


def _rbm(D=3, H=2, scale=0.5, seed=0):
    rng = np.random.default_rng(seed)
    return r.RBM(scale * rng.standard_normal((D, H)), rng.standard_normal(D), rng.standard_normal(H))


def _huge(value=1e300):
    """Finite parameters whose energies overflow float64 (or, at 1e16, cannot resolve one nat)."""
    return r.RBM(np.full((3, 2), value), np.zeros(3), np.zeros(2))


def _mutated():
    model = _rbm()
    model.W[0, 0] = np.nan  # as a diverged training leaves it
    return model


X = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


class _FakeSklearn:
    def __init__(self, components, visible, hidden):
        self.components_, self.intercept_visible_, self.intercept_hidden_ = components, visible, hidden


CASES = {
    "RBM": [
        bad(lambda: r.RBM(np.zeros(3), np.zeros(3), np.zeros(1)), ValueError, "W", "ndim"),
        bad(lambda: r.RBM(np.zeros((3, 2)), np.zeros(2), np.zeros(2)), ValueError, "a", "shape (3)"),
        bad(lambda: r.RBM(np.zeros((3, 2)), np.zeros(3), np.zeros(3)), ValueError, "b", "shape (2)"),
        bad(lambda: r.RBM([["x", "y"]], np.zeros(1), np.zeros(2)), TypeError, "W", "real numbers"),
        bad(lambda: r.RBM(np.full((3, 2), np.nan), np.zeros(3), np.zeros(2)), ValueError, "W", "finite"),
        bad(lambda: r.RBM(np.zeros((0, 2)), np.zeros(0), np.zeros(2)), ValueError, "W", "empty"),
        bad(lambda: r.RBM(None, np.zeros(3), np.zeros(2)), TypeError, "W"),
    ],
    "RBM.from_sklearn": [
        bad(lambda: r.RBM.from_sklearn(None), TypeError, "estimator", "BernoulliRBM"),
        bad(lambda: r.RBM.from_sklearn(object()), TypeError, "estimator", "components_"),
        bad(lambda: r.RBM.from_sklearn(_FakeSklearn([["a", "b"]], [0.0, 0.0], [0.0])), TypeError,
            "estimator.components_"),
        bad(lambda: r.RBM.from_sklearn(_FakeSklearn(np.zeros((2, 3)), np.zeros(2), np.zeros(2))),
            ValueError, "estimator.intercept_visible_", "shape (3)"),
        bad(lambda: r.RBM.from_sklearn(_FakeSklearn(np.zeros((2, 3)), np.zeros(3), np.full(2, np.inf))),
            ValueError, "estimator.intercept_hidden_", "finite"),
        bad(lambda: r.RBM.from_sklearn(_FakeSklearn(np.zeros((2, 3, 1)), np.zeros(3), np.zeros(2))),
            ValueError, "estimator.components_", "ndim"),
        bad(lambda: r.RBM.from_sklearn(_FakeSklearn(np.zeros((2, 3)), np.zeros(3), np.zeros(3))),
            ValueError, "estimator.intercept_hidden_", "shape (2)"),
    ],
    "TrainingHistory": [
        bad(lambda: r.TrainingHistory(3, [], []), TypeError, "epochs", "list"),
        bad(lambda: r.TrainingHistory([], np.zeros(0), []), TypeError, "seconds", "list"),
        bad(lambda: r.TrainingHistory([0], [0.0], []), ValueError, "values", "same length",
            "epochs, seconds and values must have the same length"),
        bad(lambda: r.TrainingHistory([], (), []), TypeError, "seconds", "got tuple"),
    ],
    "init_rbm": [
        bad(lambda: r.init_rbm(0, 3), ValueError, "n_visible", ">= 1"),
        bad(lambda: r.init_rbm(3.0, 3), TypeError, "n_visible", "integer"),
        bad(lambda: r.init_rbm(3, "2"), TypeError, "n_hidden", "integer"),
        bad(lambda: r.init_rbm(3, 2, scale=-0.1), ValueError, "scale", ">= 0"),
        bad(lambda: r.init_rbm(3, 2, random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: r.init_rbm(3, 2, random_state="seed"), TypeError, "random_state"),
        bad(lambda: r.init_rbm(3, 2, data=[[0, 1, 2]]), ValueError, "data", "binary"),
        bad(lambda: r.init_rbm(3, 2, data=[[0, 1]]), ValueError, "data", "3 columns"),
        bad(lambda: r.init_rbm(3, 2, data=[0, 1, 1]), ValueError, "data", "ndim"),
        bad(lambda: r.init_rbm(3, 0), ValueError, "n_hidden", ">= 1"),
        bad(lambda: r.init_rbm(10**6, 10**6), ValueError, "n_visible * n_hidden", "TiB"),
    ],
    "free_energy": [
        bad(lambda: r.free_energy(None, X), TypeError, "rbm", "RBM"),
        bad(lambda: r.free_energy(_rbm(), X[:, :2]), ValueError, "v", "3 columns"),
        bad(lambda: r.free_energy(_rbm(), X[0]), ValueError, "v", "ndim"),
        bad(lambda: r.free_energy(_rbm(), 0.5 * X), ValueError, "v", "binary"),
        bad(lambda: r.free_energy(_huge(), X), ValueError, "rbm", "too large", "overflow"),
        bad(lambda: r.free_energy(_mutated(), X), ValueError, "rbm", "finite"),
    ],
    "free_energy_gradient": [
        bad(lambda: r.free_energy_gradient(_rbm(), X, weights=[1.0, 2.0]), ValueError, "weights",
            "shape (4)"),
        bad(lambda: r.free_energy_gradient(_rbm(), X, weights=[np.nan] * 4), ValueError, "weights", "finite"),
        bad(lambda: r.free_energy_gradient(_rbm(), X.tolist() + [[2, 0, 0]]), ValueError, "v", "binary"),
        bad(lambda: r.free_energy_gradient("rbm", X), TypeError, "rbm"),
        bad(lambda: r.free_energy_gradient(_huge(), X), ValueError, "rbm", "too large"),
    ],
    "hidden_probs": [
        bad(lambda: r.hidden_probs(_rbm(), [[0, 1]]), ValueError, "v", "3 columns"),
        bad(lambda: r.hidden_probs(_rbm(), [["0", "1", "1"]]), TypeError, "v"),
        bad(lambda: r.hidden_probs(X, X), TypeError, "rbm", "RBM"),
        bad(lambda: r.hidden_probs(_mutated(), X), ValueError, "rbm", "finite"),
    ],
    "visible_probs": [
        bad(lambda: r.visible_probs(_rbm(), [[0, 1, 1]]), ValueError, "h", "2 columns"),
        bad(lambda: r.visible_probs(_rbm(), [[0.3, 1.0]]), ValueError, "h", "binary"),
        bad(lambda: r.visible_probs(_rbm(), [0, 1]), ValueError, "h", "ndim"),
        bad(lambda: r.visible_probs(_huge(), [[0, 1]]), ValueError, "rbm", "too large"),
    ],
    "gibbs_step": [
        bad(lambda: r.gibbs_step(_rbm(), X, k=0), ValueError, "k", ">= 1"),
        bad(lambda: r.gibbs_step(_rbm(), X, k=1.5), TypeError, "k", "integer"),
        bad(lambda: r.gibbs_step(_rbm(), X, random_state=-1), ValueError, "random_state"),
        bad(lambda: r.gibbs_step(_rbm(), X, random_state=0.5), TypeError, "random_state"),
        bad(lambda: r.gibbs_step(_rbm(), X[:, :2]), ValueError, "v", "3 columns"),
        bad(lambda: r.gibbs_step(_mutated(), X), ValueError, "rbm", "finite"),
    ],
    "cd_gradient": [
        bad(lambda: r.cd_gradient(_rbm(), X, k=0), ValueError, "k"),
        bad(lambda: r.cd_gradient(_rbm(), X, random_state=-3), ValueError, "random_state"),
        bad(lambda: r.cd_gradient(_rbm(), X, chains=[[0, 1]]), ValueError, "chains", "3 columns"),
        bad(lambda: r.cd_gradient(_rbm(), X, chains=[[0, 1, 0.5]]), ValueError, "chains", "binary"),
        bad(lambda: r.cd_gradient(_rbm(), [[1, 0, 1], [0, 1]]), TypeError, "v", "array-like"),
        bad(lambda: r.cd_gradient(None, X), TypeError, "rbm"),
    ],
    "train_cd": [
        bad(lambda: r.train_cd(X, 3, persistent="False"), TypeError, "persistent", "True or False"),
        bad(lambda: r.train_cd(X, 3, persistent=1), TypeError, "persistent", "True or False"),
        bad(lambda: r.train_cd(X, 3, shuffle="no"), TypeError, "shuffle", "True or False"),
        bad(lambda: r.train_cd(X, 3, sample_visible=None), TypeError, "sample_visible"),
        bad(lambda: r.train_cd(X, 3, callback=1), TypeError, "callback", "a callable or None"),
        bad(lambda: r.train_cd(X, 3, callback="print"), TypeError, "callback"),
        bad(lambda: r.train_cd(X, 3, random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: r.train_cd(X, 3, learning_rate=0.0), ValueError, "learning_rate", "> 0"),
        bad(lambda: r.train_cd(X, 3, learning_rate=1e308, epochs=3), ValueError, "learning_rate",
            "diverged", why="parameters overflow during training"),
        bad(lambda: r.train_cd(X, 3, epochs=-1), ValueError, "epochs", ">= 0"),
        bad(lambda: r.train_cd(X, 3, epochs=2.0), TypeError, "epochs", "integer"),
        bad(lambda: r.train_cd(X, 3, batch_size=0), ValueError, "batch_size"),
        bad(lambda: r.train_cd(X, 3, callback_every=0), ValueError, "callback_every"),
        bad(lambda: r.train_cd(X, 3, k=0), ValueError, "k", ">= 1"),
        bad(lambda: r.train_cd(X, 3, persistent=True, n_chains=0), ValueError, "n_chains", ">= 1"),
        bad(lambda: r.train_cd(X, 3, persistent=True, n_chains=10**9), ValueError, "n_chains", "GiB"),
        bad(lambda: r.train_cd(X), ValueError, "n_hidden", "rbm"),
        bad(lambda: r.train_cd(X, 3, rbm=_rbm()), ValueError, "n_hidden", "rbm"),
        bad(lambda: r.train_cd(X, rbm=_rbm(D=4)), ValueError, "data", "4 columns"),
        bad(lambda: r.train_cd(X, rbm=_huge()), ValueError, "rbm", "too large"),
        bad(lambda: r.train_cd(X, 0), ValueError, "n_hidden", ">= 1"),
        # One row per batch: the biases overflow within the first epoch (an overflow not warned about).
        bad(lambda: r.train_cd(X, 3, learning_rate=1e308, batch_size=1, epochs=2, random_state=0), ValueError,
            "learning_rate", "diverged"),
        bad(lambda: r.train_cd(0.5 * X, 3), ValueError, "data", "binary"),
        bad(lambda: r.train_cd(X[0], 3), ValueError, "data", "ndim"),
        bad(lambda: r.train_cd(np.zeros((0, 3)), 3), ValueError, "data", "empty"),
    ],
    "log_partition": [
        bad(lambda: r.log_partition(_huge()), ValueError, "rbm", "too large", "overflow"),
        bad(lambda: r.log_partition(_huge(1e16)), ValueError, "rbm", "too large", "one nat"),
        bad(lambda: r.log_partition(_mutated()), ValueError, "rbm", "finite",
            "W, a or b holds NaN or inf", "training diverge? lower its learning_rate)"),
        bad(lambda: r.log_partition("rbm"), TypeError, "rbm", "got str"),
        # The largest entries are negative: the bound is of absolute values.
        bad(lambda: r.log_partition(r.RBM([[-1e300, -1e300]], [0.0], [0.0, 0.0])), ValueError, "rbm",
            "too large", "overflow"),
        # The largest entry in a (then in b): the bound is scaled by it, not by the largest weight.
        bad(lambda: r.log_partition(r.RBM([[1e-300]], [2e300], [1e-300])), ValueError, "rbm", "too large"),
        bad(lambda: r.log_partition(r.RBM([[1e-300]], [1e-300], [2e300])), ValueError, "rbm", "too large"),
        # Exactly at MAX_ENERGY_BOUND: beyond the resolved range, not yet an overflow.
        bad(lambda: r.log_partition(r.RBM([[1e300]], [0.0], [0.0])), ValueError, "rbm", "too large",
            "float64 cannot resolve one nat there, so log-probabilities would be rounding noise"),
        bad(lambda: r.log_partition(_rbm(30, 30)), ValueError, "rbm", "ais_log_partition"),
        bad(lambda: r.log_partition(_rbm(), chunk_size=0), ValueError, "chunk_size", ">= 1"),
        bad(lambda: r.log_partition(_rbm(), chunk_size=2.0), TypeError, "chunk_size", "integer"),
        bad(lambda: r.log_partition(_rbm(10**6, 24, scale=0.0), chunk_size=2**24), ValueError,
            "chunk_size", "GiB"),
    ],
    "log_likelihood": [
        bad(lambda: r.log_likelihood(_huge(), X), ValueError, "rbm", "too large"),
        bad(lambda: r.log_likelihood(_huge(), X, log_z=1e300), ValueError, "rbm", "too large"),
        bad(lambda: r.log_likelihood(_rbm(), X, log_z=np.nan), ValueError, "log_z", "finite"),
        bad(lambda: r.log_likelihood(_rbm(), X, log_z="1.0"), TypeError, "log_z"),
        bad(lambda: r.log_likelihood(_rbm(), X, log_z=[1.0, 2.0]), ValueError, "log_z", "ndim"),
        bad(lambda: r.log_likelihood(_rbm(), X[:, :2]), ValueError, "v", "3 columns"),
        bad(lambda: r.log_likelihood(_huge(1e16), X, log_z=0.0), ValueError, "rbm", "one nat"),
    ],
    "ais_log_partition": [
        bad(lambda: r.ais_log_partition(_rbm(), n_chains=1), ValueError, "n_chains", ">= 2"),
        bad(lambda: r.ais_log_partition(_rbm(), n_betas=1), ValueError, "n_betas", ">= 2"),
        bad(lambda: r.ais_log_partition(_rbm(), n_betas=10**12), ValueError, "n_betas", "GiB"),
        bad(lambda: r.ais_log_partition(_rbm(), n_chains=10**10), ValueError, "n_chains", "GiB"),
        bad(lambda: r.ais_log_partition(_rbm(), random_state=-1), ValueError, "random_state"),
        bad(lambda: r.ais_log_partition(_rbm(), base_visible_bias=np.zeros(4)), ValueError,
            "base_visible_bias", "shape (3)"),
        bad(lambda: r.ais_log_partition(_huge()), ValueError, "rbm", "too large"),
    ],
    "reconstruction_error": [
        bad(lambda: r.reconstruction_error(_rbm(), [[0, 1, 3]]), ValueError, "v", "binary"),
        bad(lambda: r.reconstruction_error(_rbm(), [[0, 1]]), ValueError, "v", "3 columns"),
        bad(lambda: r.reconstruction_error({}, X), TypeError, "rbm"),
        bad(lambda: r.reconstruction_error(_mutated(), X), ValueError, "rbm", "finite"),
    ],
}

EXEMPT = {
    "RBM.copy": "takes no argument",
}

BOOL_X = X.astype(bool)

VALID = [
    lambda: r.RBM([[0.1, 0.2]] * 3, [0, 0, 0], [0, 1]),                      # lists, integers
    lambda: r.init_rbm(np.int64(3), np.int32(2), scale=0, random_state=np.uint8(1)),
    lambda: r.init_rbm(3, 2, data=BOOL_X.tolist()),                          # bools as binary data
    lambda: r.free_energy(_rbm(), BOOL_X),
    lambda: r.hidden_probs(_rbm(), [[1, 0, 1]]),
    lambda: r.visible_probs(_rbm(), [[True, False]]),
    lambda: r.gibbs_step(_rbm(), BOOL_X, random_state=np.random.default_rng(0), k=np.int64(2)),
    lambda: r.cd_gradient(_rbm(), BOOL_X, chains=X.astype(int), random_state=0),
    lambda: r.train_cd(BOOL_X, np.int64(2), persistent=np.True_, epochs=np.int64(1), random_state=0),
    lambda: r.train_cd(X.tolist(), 2, epochs=0, callback=lambda e, m: e),    # no epoch: one record
    lambda: r.log_partition(_rbm(), chunk_size=np.int64(3)),
    lambda: r.log_likelihood(_rbm(), X, log_z=np.float32(3.0)),
    lambda: r.log_likelihood(_huge(1e10), X),                                # large, still resolved
    lambda: r.ais_log_partition(_rbm(), n_chains=2, n_betas=2, base_visible_bias=[0, 0, 0], random_state=0),
    lambda: r.reconstruction_error(_rbm(), BOOL_X),
    lambda: r.TrainingHistory([], [], []),
    lambda: r.train_cd(X, 1, epochs=1, batch_size=1, random_state=0),       # the smallest sizes
    lambda: r.init_rbm(3, 1),
]
