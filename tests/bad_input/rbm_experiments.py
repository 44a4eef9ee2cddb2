"""Bad-input cases of dgmbook.rbm_experiments (format: tests/bad_input/__init__.py)."""

import numpy as np

from dgmbook.nce import BernoulliNoise
from dgmbook.rbm import RBM
from dgmbook.rbm_experiments import (
    RBMBatch,
    exact_cd_update,
    exact_fixed_point,
    log_likelihood_batch,
    log_partition_batch,
    train_cd_batch,
    train_nce_batch,
)

from . import bad


def _models(S=2, D=4, H=3):
    rng = np.random.default_rng(0)
    return RBMBatch(rng.normal(size=(S, D, H)), np.zeros((S, D)), np.zeros((S, H)))


DATA = (np.arange(24).reshape(6, 4) % 3 == 0).astype(float)
TINY = RBM(np.zeros((4, 2)), np.zeros(4), np.zeros(2))
P0 = np.full(16, 1 / 16)

CASES = {
    "RBMBatch": [
        bad(lambda: RBMBatch(np.zeros((4, 3)), np.zeros((1, 4)), np.zeros((1, 3))), ValueError, "W", "ndim"),
        bad(lambda: RBMBatch(np.zeros((2, 4, 3)), np.zeros((2, 5)), np.zeros((2, 3))), ValueError, "a",
            "shape"),
        bad(lambda: RBMBatch(np.full((1, 4, 3), np.nan), np.zeros((1, 4)), np.zeros((1, 3))), ValueError, "W",
            "finite"),
        bad(lambda: RBMBatch(np.zeros((2, 4, 3)), np.zeros((2, 4)), np.zeros((2, 4))), ValueError, "b",
            "shape (2, 3)"),
    ],
    "RBMBatch.from_rbms": [
        bad(lambda: RBMBatch.from_rbms([]), TypeError, "rbms", "non-empty"),
        bad(lambda: RBMBatch.from_rbms(TINY), TypeError, "rbms", "sequence"),
        bad(lambda: RBMBatch.from_rbms(3), TypeError, "rbms", "sequence", "of RBM"),
        bad(lambda: RBMBatch.from_rbms([TINY, RBM(np.zeros((4, 3)), np.zeros(4), np.zeros(3))]), ValueError,
            "rbms", "same layer sizes"),
        bad(lambda: RBMBatch.from_rbms([TINY, "not an rbm"]), TypeError, "rbm", "RBM"),
    ],
    "RBMBatch.rbm": [
        bad(lambda: _models().rbm(2), ValueError, "index", "<= 1"),
        bad(lambda: _models().rbm(0.5), TypeError, "index", "integer"),
        bad(lambda: _models().rbm(-1), ValueError, "index", ">= 0"),
    ],
    "train_cd_batch": [
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0]), ValueError, "random_states",
            "one entry per model"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=0), TypeError, "random_states", "sequence"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states="01"), TypeError, "random_states",
            "int seeds or Generators", "got str"),
        bad(lambda: train_cd_batch(DATA[0], _models(), random_states=[0, 1]), ValueError, "data", "ndim"),
        bad(lambda: train_cd_batch(DATA, "models", random_states=[0, 1]), TypeError, "models", "got str"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], epochs=-1), ValueError, "epochs",
            ">= 0"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], callback_every=0), ValueError,
            "callback_every", ">= 1"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], epochs=1, learning_rate=[[0.1]]),
            ValueError, "learning_rate", "ndim"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], shuffle="no"), TypeError,
            "shuffle", "True or False"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], sample_visible=1), TypeError,
            "sample_visible", "True or False"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], persistent=True, n_chains=0),
            ValueError, "n_chains", ">= 1"),
        bad(lambda: train_cd_batch(DATA + 0.5, _models(), random_states=[0, 1]), ValueError, "data",
            "binary"),
        bad(lambda: train_cd_batch(DATA[:, :3], _models(), random_states=[0, 1]), ValueError, "data",
            "4 columns"),
        bad(lambda: train_cd_batch(DATA, TINY, random_states=[0, 1]), TypeError, "models", "RBMBatch"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], persistent="yes"), TypeError,
            "persistent", "True or False"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], k=0), ValueError, "k", ">= 1"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], epochs=2, learning_rate=[0.1]),
            ValueError, "learning_rate", "one per epoch"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], learning_rate=-1.0), ValueError,
            "learning_rate", "> 0"),
        bad(lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], callback=3), TypeError, "callback",
            "callable"),
    ],
    "train_nce_batch": [
        bad(lambda: train_nce_batch(DATA, _models(), random_states=[0, 1], nu=0.0), ValueError, "nu", "> 0"),
        bad(lambda: train_nce_batch(DATA, _models(), random_states=[0, 1], noise=np.full(4, 0.5)), TypeError,
            "noise", "BernoulliNoise", "got ndarray"),
        bad(lambda: train_nce_batch(DATA, _models(), random_states=[0, 1], noise=BernoulliNoise.uniform(5)),
            ValueError, "noise", "4 visible units"),
        bad(lambda: train_nce_batch(DATA, _models(), random_states=[0, 1], c=[0.0, 1.0, 2.0]), ValueError,
            "c", "shape"),
        bad(lambda: train_nce_batch(DATA, _models(), random_states=[0, 1], c="zero"), TypeError, "c"),
        bad(lambda: train_nce_batch(DATA, _models(), random_states=[0, 0.5]), TypeError, "random_state"),
        bad(lambda: train_nce_batch(DATA, _models(), random_states=[0, 1], batch_size=0), ValueError,
            "batch_size", ">= 1"),
    ],
    "log_partition_batch": [
        bad(lambda: log_partition_batch(TINY), TypeError, "models", "RBMBatch"),
        bad(lambda: log_partition_batch(_models(), max_entries=0), ValueError, "max_entries", ">= 1"),
        bad(lambda: log_partition_batch(_models(1, 30, 30)), ValueError, "limited to 24"),
    ],
    "log_likelihood_batch": [
        bad(lambda: log_likelihood_batch(_models(), DATA, log_z=[1.0]), ValueError, "log_z", "shape"),
        bad(lambda: log_likelihood_batch(_models(), DATA[:, :2]), ValueError, "v", "4 columns"),
        bad(lambda: log_likelihood_batch(_models(), DATA * 2), ValueError, "v", "binary"),
    ],
    "exact_cd_update": [
        bad(lambda: exact_cd_update(TINY, np.full(8, 1 / 8)), ValueError, "data_probs", "shape"),
        bad(lambda: exact_cd_update(TINY, np.full(16, 0.5)), ValueError, "data_probs", "sum to 1"),
        bad(lambda: exact_cd_update(TINY, P0, k=0), ValueError, "k", ">= 1"),
        bad(lambda: exact_cd_update(RBM(np.zeros((2, 13)), np.zeros(2), np.zeros(13)), np.full(4, 0.25)),
            ValueError, "rbm", "at most 12"),
        bad(lambda: exact_cd_update(RBM(np.zeros((13, 2)), np.zeros(13), np.zeros(2)),
                                    np.full(2**13, 2.0**-13)), ValueError, "rbm", "at most 12"),
    ],
    "exact_fixed_point": [
        bad(lambda: exact_fixed_point(TINY, P0, weight_decay=-1.0), ValueError, "weight_decay", ">= 0"),
        bad(lambda: exact_fixed_point(TINY, P0, tol=0.0), ValueError, "tol", "> 0"),
        bad(lambda: exact_fixed_point(TINY, P0, max_iter=1.5), TypeError, "max_iter", "integer"),
        bad(lambda: exact_fixed_point(TINY, P0, max_iter=0), ValueError, "max_iter", ">= 1"),
        bad(lambda: exact_fixed_point(TINY, P0, k=0), ValueError, "k", ">= 1"),
        bad(lambda: exact_fixed_point("rbm", P0), TypeError, "rbm", "RBM"),
    ],
}

EXEMPT = {"RBMBatch.copy": "takes no arguments"}

VALID = [
    lambda: RBMBatch([[[0, 1], [1, 0]]], [[0, 0]], [[0, 0]]),                     # integer lists
    lambda: train_cd_batch(DATA.astype(bool), _models(),
                           random_states=(np.int64(0), np.random.default_rng(1)), epochs=np.int64(1)),
    lambda: train_nce_batch(DATA, _models(), random_states=[0, 1], c=0.0, epochs=0, learning_rate=[]),
    lambda: exact_cd_update(TINY, P0, k=None),
    # At the limits: 12 units in a layer, one chain, one iteration, one noise sample per batch.
    lambda: exact_cd_update(RBM(np.zeros((12, 1)), np.zeros(12), np.zeros(1)), np.full(2**12, 2.0**-12)),
    lambda: exact_cd_update(RBM(np.zeros((1, 12)), np.zeros(1), np.zeros(12)), [0.5, 0.5]),
    lambda: train_cd_batch(DATA, _models(), random_states=[0, 1], persistent=True, n_chains=1, epochs=1),
    lambda: exact_fixed_point(TINY, P0, max_iter=1),
    # One normaliser per model.
    lambda: train_nce_batch(DATA, _models(), random_states=[0, 1], c=[0.0, 1.0], epochs=1),
]
