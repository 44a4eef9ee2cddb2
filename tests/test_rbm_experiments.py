"""Tests of dgmbook.rbm_experiments: batched multi-seed training equals single-seed training seed by
seed; the batched exact log Z and log-likelihood; the exact expected CD-k update and its fixed point."""

import numpy as np
import pytest

from dgmbook.datasets import bars_and_stripes
from dgmbook.nce import BernoulliNoise, train_nce
from dgmbook.rbm import RBM, cd_gradient, init_rbm, log_likelihood, log_partition, train_cd
from dgmbook.rbm_experiments import (
    RBMBatch,
    exact_cd_update,
    exact_fixed_point,
    log_likelihood_batch,
    log_partition_batch,
    train_cd_batch,
    train_nce_batch,
)

SEEDS = (3, 17, 42)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    # 97 rows: the last minibatch of 10 is smaller (7 rows), the case that needs care
    return (rng.random((97, 12)) < rng.uniform(0.2, 0.8, 12)).astype(float)


@pytest.fixture(scope="module")
def starts(data):
    return [init_rbm(12, 5, scale=0.3, data=data, random_state=s) for s in range(len(SEEDS))]


def assert_same(batch, s, rbm):
    np.testing.assert_allclose(batch.W[s], rbm.W, rtol=0, atol=1e-12)
    np.testing.assert_allclose(batch.a[s], rbm.a, rtol=0, atol=1e-12)
    np.testing.assert_allclose(batch.b[s], rbm.b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("options", [
    dict(k=1), dict(k=3), dict(k=1, persistent=True), dict(k=2, persistent=True, n_chains=7),
    dict(k=2, sample_visible=False), dict(k=1, shuffle=False)])
def test_cd_batch_equals_train_cd_seed_by_seed(data, starts, options):
    batch, _ = train_cd_batch(data, RBMBatch.from_rbms(starts), random_states=list(SEEDS),
                              learning_rate=0.2, epochs=4, batch_size=10, **options)
    for s, seed in enumerate(SEEDS):
        single, _ = train_cd(data, rbm=starts[s], random_state=seed, learning_rate=0.2, epochs=4,
                             batch_size=10, **options)
        assert_same(batch, s, single)
    # a different seed gives a different model: the test above is not vacuous
    other, _ = train_cd(data, rbm=starts[0], random_state=SEEDS[0] + 1, learning_rate=0.2, epochs=4,
                        batch_size=10, **options)
    assert np.abs(other.W - batch.W[0]).max() > 1e-3


@pytest.mark.parametrize("nu", [0.5, 1.0, 4.0])
def test_nce_batch_equals_train_nce_seed_by_seed(data, starts, nu):
    noise = BernoulliNoise.fit(data)
    batch, c, _ = train_nce_batch(data, RBMBatch.from_rbms(starts), random_states=list(SEEDS),
                                  noise=noise, nu=nu, learning_rate=0.2, epochs=4, batch_size=10)
    for s, seed in enumerate(SEEDS):
        single, c_single, _ = train_nce(data, rbm=starts[s], random_state=seed, noise=noise, nu=nu,
                                        learning_rate=0.2, epochs=4, batch_size=10)
        assert_same(batch, s, single)
        assert c[s] == pytest.approx(c_single, abs=1e-12)


def test_learning_rate_schedule_is_per_epoch(data, starts):
    """A schedule of equal entries reproduces the constant rate; changing a later entry changes
    only the later epochs."""
    models = RBMBatch.from_rbms(starts)
    const, _ = train_cd_batch(data, models, random_states=list(SEEDS), learning_rate=0.1, epochs=3)
    sched, _ = train_cd_batch(data, models, random_states=list(SEEDS),
                              learning_rate=np.array([0.1, 0.1, 0.1]), epochs=3)
    np.testing.assert_array_equal(const.W, sched.W)
    seen = []
    train_cd_batch(data, models, random_states=list(SEEDS), learning_rate=np.array([0.1, 0.1, 0.01]),
                   epochs=3, callback=lambda e, m, c: seen.append(m.W.copy()))
    np.testing.assert_array_equal(seen[2], train_cd_batch(
        data, models, random_states=list(SEEDS), learning_rate=0.1, epochs=2)[0].W)
    assert not np.allclose(seen[3], const.W)


def test_callback_history_and_inputs_untouched(data, starts):
    models = RBMBatch.from_rbms(starts)
    before = models.copy()
    out, c, hist = train_nce_batch(data, models, random_states=list(SEEDS), nu=2.0, epochs=5,
                                   callback=lambda e, m, c: (e, c.copy()), callback_every=2)
    assert hist.epochs == [0, 2, 4, 5]
    assert len(hist.seconds) == 4 and hist.seconds[0] == 0.0 and np.all(np.diff(hist.seconds) >= 0)
    np.testing.assert_array_equal(hist.values[-1][1], c)
    np.testing.assert_array_equal(models.W, before.W)
    assert models.rbm(1).W.shape == (12, 5)


@pytest.mark.parametrize("shape", [(64, 16), (9, 12), (10, 3), (3, 7), (70, 9)])
def test_log_partition_batch_matches_log_partition(shape):
    rng = np.random.default_rng(sum(shape))
    S = 2
    models = RBMBatch(rng.normal(scale=1.5, size=(S, *shape)), rng.normal(size=(S, shape[0])),
                      rng.normal(size=(S, shape[1])))
    got = log_partition_batch(models, max_entries=5000)
    want = [log_partition(models.rbm(s)) for s in range(S)]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_log_partition_batch_large_values_no_overflow():
    rng = np.random.default_rng(5)
    models = RBMBatch(rng.normal(scale=20, size=(1, 130, 6)), rng.normal(scale=20, size=(1, 130)),
                      rng.normal(size=(1, 6)))
    assert log_partition_batch(models)[0] == pytest.approx(log_partition(models.rbm(0)), rel=1e-7)


def test_log_likelihood_batch(data, starts):
    models = RBMBatch.from_rbms(starts)
    got = log_likelihood_batch(models, data)
    want = [log_likelihood(r, data) for r in starts]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
    lz = log_partition_batch(models)
    np.testing.assert_allclose(log_likelihood_batch(models, data, lz), got, rtol=0, atol=1e-12)


def _p0(data, D):
    states = np.array([[(i >> j) & 1 for j in range(D)] for i in range(2**D)], float)
    p0 = np.array([np.all(data == s, axis=1).sum() for s in states], float)
    return states, p0 / p0.sum()


def test_exact_cd_update_is_the_mean_of_sampled_cd_updates():
    """The exact expected CD-2 update against the mean of many sampled cd_gradient updates."""
    data = bars_and_stripes(2)
    states, p0 = _p0(data, 4)
    rbm = RBM(np.random.default_rng(1).normal(size=(4, 3)), np.zeros(4) + 0.3, np.zeros(3) - 0.2)
    exact = exact_cd_update(rbm, p0, k=2)
    rng = np.random.default_rng(2)
    reps = 4000
    big = np.repeat(data, 50, axis=0)
    draws = np.array([cd_gradient(rbm, big, k=2, random_state=rng)[0].W.ravel() for _ in range(reps // 50)])
    mean, se = draws.mean(axis=0), draws.std(axis=0, ddof=1) / np.sqrt(len(draws))
    assert np.all(np.abs(mean - exact.W.ravel()) < 5 * se + 1e-12)


def test_exact_gradient_is_the_likelihood_gradient():
    data = bars_and_stripes(2)
    states, p0 = _p0(data, 4)
    rbm = RBM(np.random.default_rng(3).normal(size=(4, 2)), np.random.default_rng(4).normal(size=4),
              np.zeros(2))
    g = exact_cd_update(rbm, p0, k=None)

    def ll(W):
        r = RBM(W.reshape(4, 2), rbm.a, rbm.b)
        return log_likelihood(r, data)

    eps = 1e-6
    fd = np.array([(ll(rbm.W.ravel() + eps * e) - ll(rbm.W.ravel() - eps * e)) / (2 * eps)
                   for e in np.eye(8)])
    np.testing.assert_allclose(g.W.ravel(), fd, atol=1e-7)
    # a large k approaches the exact gradient
    g50 = exact_cd_update(rbm, p0, k=200)
    np.testing.assert_allclose(g50.W, g.W, atol=1e-6)


def test_exact_fixed_points_ml_and_cd_bias_shrinks_with_k():
    data = bars_and_stripes(3)
    _, p0 = _p0(data, 9)
    start = init_rbm(9, 4, scale=0.1, random_state=0)
    ml, res_ml = exact_fixed_point(start, p0, None, weight_decay=1e-2, tol=1e-8)
    assert res_ml <= 1e-8
    gaps = []
    for k in (1, 2, 5):
        cd, res = exact_fixed_point(ml, p0, k, weight_decay=1e-2, tol=1e-12)
        assert res <= 1e-12                                 # a fixed point of the CD-k update
        update = exact_cd_update(cd, p0, k)                 # ... and the residual reported is its norm
        update.W -= 1e-2 * cd.W
        assert res == pytest.approx(np.linalg.norm(np.concatenate(
            [update.W.ravel(), update.a, update.b])), abs=1e-15)
        g = exact_cd_update(cd, p0, k=None)
        assert np.linalg.norm(g.W - 1e-2 * cd.W) > 1e-4     # ... where the penalised ML gradient is not 0
        gaps.append(log_likelihood(ml, data) - log_likelihood(cd, data))
    assert 0 < gaps[2] < gaps[1] < gaps[0]                  # CD-k is biased, less so as k grows


def test_exact_fixed_point_reaches_the_tolerance_it_is_given_or_warns():
    """The residual is the tolerance asked, not where the solver's own criterion stopped (the
    Newton polish); a tolerance below the update's rounding floor is reported, not silently missed."""
    data = bars_and_stripes(2)
    _, p0 = _p0(data, 4)
    p0 = 0.99 * p0 + 0.01 / p0.size
    start = init_rbm(4, 3, scale=0.1, random_state=1)
    for k in (None, 1, 10):
        _, res = exact_fixed_point(start, p0, k, weight_decay=1e-2, tol=1e-13)
        assert res <= 1e-13
    with pytest.warns(RuntimeWarning, match="above tol"):
        _, res = exact_fixed_point(start, p0, 3, weight_decay=1e-2, tol=1e-30)
    assert 0 < res < 1e-13                                  # the accuracy actually reached


def test_all_configurations_order_matches_data_probs_convention():
    """data_probs index i is the state whose unit j is bit j of i (checked via the exact gradient at
    a point mass: the data term is that state)."""
    rbm = RBM(np.zeros((3, 2)), np.zeros(3), np.zeros(2))
    p0 = np.zeros(8)
    p0[6] = 1.0  # bits: unit0=0, unit1=1, unit2=1
    g = exact_cd_update(rbm, p0, k=None)
    np.testing.assert_allclose(g.a, np.array([0, 1, 1]) - 0.5)


def test_sklearn_last_batch_scaling_differs_from_the_book():
    """Why the experiments page cuts the training set to a multiple of the batch size: in a
    smaller last batch scikit-learn divides the negative statistics, summed over all its
    persistent chains, by that batch's size (a probe through its private per-batch update); the
    book averages each phase over its own samples."""
    sklearn = pytest.importorskip("sklearn.neural_network")
    data = (np.random.default_rng(0).random((4, 6)) < 0.5).astype(float)
    probe = sklearn.BernoulliRBM(n_components=3, batch_size=4, learning_rate=1.0, n_iter=1,
                                 random_state=0)
    probe.fit(data)
    for array in (probe.components_, probe.intercept_hidden_, probe.intercept_visible_):
        array[:] = 0.0
    # all parameters 0: every probability is 1/2, so a batch of m = 2 rows against B = 4 chains
    # moves the hidden biases by lr/m * (m/2 - B/2)
    probe._fit(data[:2], np.random.RandomState(0))
    np.testing.assert_allclose(probe.intercept_hidden_, (2 / 2 - 4 / 2) / 2)
    zero = RBMBatch(np.zeros((1, 6, 3)), np.zeros((1, 6)), np.zeros((1, 3)))
    ours, _ = train_cd_batch(data[:2], zero, random_states=[0], persistent=True, n_chains=4,
                             batch_size=2, learning_rate=1.0, epochs=1)
    np.testing.assert_allclose(ours.b, 0.0)
