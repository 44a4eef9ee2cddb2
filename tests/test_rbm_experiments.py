"""Tests of dgmbook.rbm_experiments: batched multi-seed training equals single-seed training seed by
seed; the batched exact log Z and log-likelihood; the exact expected CD-k update and its fixed point."""

import numpy as np
import pytest
from scipy.special import logsumexp

from dgmbook.datasets import bars_and_stripes
from dgmbook.nce import BernoulliNoise, train_nce
from dgmbook.rbm import RBM, cd_gradient, free_energy, init_rbm, log_likelihood, log_partition, train_cd
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


@pytest.mark.parametrize("nu", [0.1, 0.5, 1.0, 4.0])   # 0.1: one noise sample per batch of 10
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
    with pytest.warns(RuntimeWarning, match="above tol") as caught:
        _, res = exact_fixed_point(start, p0, 3, weight_decay=1e-2, tol=1e-30)
    assert 0 < res < 1e-13                                  # the accuracy actually reached
    # The whole message, and it points at the caller (stacklevel 2), not at the package's own line.
    (warning,) = caught
    assert str(warning.message) == (
        f"exact_fixed_point reached a residual of {res:.3g}, above tol=1e-30 (the solver did not "
        "converge, or tol is below the rounding floor of the update)")
    assert not warning.filename.endswith("rbm_experiments.py") or warning.filename == __file__


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


# ---------------------------------------------------------------------- exact values, thresholds, defaults
def _tiny(seed=0, D=3, H=2):
    rng = np.random.default_rng(seed)
    return RBM(rng.standard_normal((D, H)), rng.standard_normal(D), rng.standard_normal(H))


def test_rbm_batch_accessors_copies_and_checks():
    rbms = [_tiny(0), _tiny(1)]
    batch = RBMBatch.from_rbms(rbms)
    assert (batch.n_models, batch.n_visible, batch.n_hidden) == (2, 3, 2)
    last = batch.rbm(1)
    np.testing.assert_array_equal(last.W, rbms[1].W)
    last.W[0, 0] = 99.0
    assert batch.W[1, 0, 0] == rbms[1].W[0, 0]  # rbm(index) is a copy
    other = batch.copy()
    other.a[0, 0] = 99.0
    assert batch.a[0, 0] == rbms[0].a[0]
    with pytest.raises(ValueError, match="^index must be <= 1, got 2$"):
        batch.rbm(2)
    with pytest.raises(TypeError, match="^rbms must be a non-empty sequence"):
        RBMBatch.from_rbms([])
    with pytest.raises(ValueError, match=r"^rbms must all have the same layer sizes, got W shapes \[\(3"):
        RBMBatch.from_rbms([_tiny(0), _tiny(1, D=4)])


def test_batch_training_arguments_at_their_boundaries(data, starts):
    batch = RBMBatch.from_rbms(starts[:2])
    model, hist = train_cd_batch(data, batch, random_states=[1, 2], epochs=0, learning_rate=[])
    np.testing.assert_array_equal(model.W, batch.W)
    with pytest.raises(ValueError, match=r"^learning_rate must be a positive number or an array of 2 "):
        train_cd_batch(data, batch, random_states=[1, 2], epochs=2, learning_rate=[0.1, 0.0])
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="^random_states must not repeat a Generator"):
        train_cd_batch(data, batch, random_states=[rng, rng], epochs=1)
    with pytest.raises(ValueError, match=r"^random_states must have one entry per model \(2\), got 3$"):
        train_cd_batch(data, batch, random_states=[1, 2, 3], epochs=1)
    with pytest.raises(TypeError, match="^random_states must be a sequence"):
        train_cd_batch(data, batch, random_states="12", epochs=1)
    _, c, hist = train_nce_batch(data, batch, random_states=[1, 2], epochs=2, c=-3.0,
                                 callback=lambda e, m, cc: cc.copy(), callback_every=2)
    assert hist.epochs == [0, 2]
    np.testing.assert_array_equal(hist.values[0], [-3.0, -3.0])
    np.testing.assert_array_equal(hist.values[1], c)
    _, c0, _ = train_nce_batch(data, batch, random_states=[1, 2], epochs=0)
    expected = [-(np.logaddexp(0, r.a).sum() + np.logaddexp(0, r.b).sum()) for r in starts[:2]]
    np.testing.assert_allclose(c0, expected, rtol=1e-14)


def test_log_likelihood_batch_with_a_given_log_z_and_small_chunks():
    rbms = [_tiny(0, 4, 3), _tiny(1, 4, 3)]
    batch = RBMBatch.from_rbms(rbms)
    v = (np.random.default_rng(2).random((5, 4)) < 0.5).astype(float)
    log_z = log_partition_batch(batch, max_entries=1)
    np.testing.assert_allclose(log_z, [log_partition(r) for r in rbms], rtol=1e-6)
    expected = [log_likelihood(rbms[0], v, log_z=0.0), log_likelihood(rbms[1], v, log_z=1.0)]
    np.testing.assert_allclose(log_likelihood_batch(batch, v, log_z=[0.0, 1.0]), expected, rtol=1e-12)
    wide = RBMBatch.from_rbms([_tiny(3, 2, 5)])  # more hidden than visible units
    np.testing.assert_allclose(log_partition_batch(wide), [log_partition(wide.rbm(0))], rtol=1e-6)


def test_exact_cd_update_by_enumeration():
    rbm = _tiny(4, 2, 2)
    vs = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)
    hs = vs.copy()
    p0 = np.array([0.1, 0.2, 0.3, 0.4])

    def sig(x):
        return 1 / (1 + np.exp(-x))

    ph_v = sig(vs @ rbm.W + rbm.b)                       # (4 v, 2)
    p_h = np.prod(np.where(hs[None] == 1, ph_v[:, None], 1 - ph_v[:, None]), axis=2)  # (v, h)
    pv_h = sig(hs @ rbm.W.T + rbm.a)
    p_v = np.prod(np.where(vs[None] == 1, pv_h[:, None], 1 - pv_h[:, None]), axis=2)  # (h, v)
    p1 = p0 @ p_h @ p_v

    def stats(p):
        return vs.T @ (p[:, None] * ph_v), p @ vs, p @ ph_v

    pos, neg = stats(p0), stats(p1)
    upd = exact_cd_update(rbm, p0)  # k = 1 by default
    np.testing.assert_allclose(upd.W, pos[0] - neg[0], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(upd.a, pos[1] - neg[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(upd.b, pos[2] - neg[2], rtol=1e-12, atol=1e-15)
    p2 = p1 @ p_h @ p_v
    np.testing.assert_allclose(exact_cd_update(rbm, p0, k=2).a, pos[1] - stats(p2)[1], rtol=1e-12)
    neg_f = vs @ rbm.a + np.log1p(np.exp(vs @ rbm.W + rbm.b)).sum(axis=1)
    pm = np.exp(neg_f - logsumexp(neg_f))
    np.testing.assert_allclose(exact_cd_update(rbm, p0, k=None).b, pos[2] - stats(pm)[2], rtol=1e-12)
    with pytest.raises(ValueError, match="^data_probs must be non-negative and sum to 1"):
        exact_cd_update(rbm, [0.5, 0.5, 0.5, -0.5])
    with pytest.raises(ValueError, match="^rbm must have at most 12 visible and hidden units"):
        exact_cd_update(RBM(np.zeros((13, 1)), np.zeros(13), np.zeros(1)), np.full(2**13, 2.0**-13))


def test_documented_defaults(data, starts):
    """Calls without the optional arguments equal calls with their documented defaults spelt out."""
    models = RBMBatch.from_rbms(starts)
    cd, _ = train_cd_batch(data, models, random_states=list(SEEDS))
    cd_explicit, _ = train_cd_batch(data, models, random_states=list(SEEDS), k=1, learning_rate=0.1,
                                    epochs=10, batch_size=10, sample_visible=True)
    np.testing.assert_array_equal(cd.W, cd_explicit.W)
    nce, c, _ = train_nce_batch(data, models, random_states=list(SEEDS))
    nce_explicit, c_explicit, _ = train_nce_batch(data, models, random_states=list(SEEDS), nu=1.0,
                                                  learning_rate=0.1, epochs=10, batch_size=10)
    np.testing.assert_array_equal(nce.W, nce_explicit.W)
    np.testing.assert_array_equal(c, c_explicit)


class _Spy:
    """Stands in for a scipy.optimize solver: records its arguments, then calls it."""

    def __init__(self, solver):
        self.solver, self.calls = solver, []

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        return self.solver(*args, **kwargs)


def test_exact_fixed_point_calls_its_solvers_as_documented(monkeypatch):
    """k: Powell's hybrid method on the update, tol and max_iter passed on; None: L-BFGS-B with the
    exact gradient on minus the penalised log-likelihood, gtol = tol, ftol = 0, maxiter = max_iter
    (maxfun twice that). Defaults: k = 1, weight_decay = 0, tol = 1e-10, max_iter = 10000."""
    import scipy.optimize

    data = bars_and_stripes(2)
    _, p0 = _p0(data, 4)
    p0 = 0.9 * p0 + 0.1 / p0.size
    start = init_rbm(4, 2, scale=0.1, random_state=1)
    root, minimize = _Spy(scipy.optimize.root), _Spy(scipy.optimize.minimize)
    monkeypatch.setattr(scipy.optimize, "root", root)
    monkeypatch.setattr(scipy.optimize, "minimize", minimize)
    fixed, residual = exact_fixed_point(start, p0)
    (args, kwargs), = root.calls
    assert kwargs == dict(method="hybr", tol=1e-10, options=dict(maxfev=10000))
    np.testing.assert_array_equal(args[0](args[1]), np.concatenate(
        [exact_cd_update(start, p0, 1).W.ravel(), exact_cd_update(start, p0, 1).a,
         exact_cd_update(start, p0, 1).b]))                     # k = 1, no weight decay
    assert residual <= 1e-10
    # Maximum likelihood with a weight decay: the objective L-BFGS-B sees is exact.
    exact_fixed_point(start, p0, None, weight_decay=0.5, tol=1e-9, max_iter=500)
    (args, kwargs), = minimize.calls
    assert kwargs == dict(jac=True, method="L-BFGS-B",
                          options=dict(gtol=1e-9, ftol=0.0, maxiter=500, maxfun=1000))
    value, grad = args[0](args[1])
    log_p = -free_energy(start, _p0(data, 4)[0]) - log_partition(start)
    assert value == pytest.approx(-(p0 @ log_p - 0.25 * np.sum(start.W**2)), rel=1e-12)
    update = exact_cd_update(start, p0, None)
    np.testing.assert_allclose(grad, -np.concatenate([(update.W - 0.5 * start.W).ravel(), update.a,
                                                      update.b]), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("method", ["cd", "nce"])
def test_history_records_epochs_models_and_training_time(data, starts, method):
    import time

    models = RBMBatch.from_rbms(starts)
    seen = []

    def callback(epoch, model, c):
        seen.append((epoch, type(model), None if c is None else np.shape(c)))
        return epoch

    train = train_cd_batch if method == "cd" else train_nce_batch
    start = time.perf_counter()
    result = train(data, models, random_states=list(SEEDS), epochs=4, callback=callback, callback_every=3)
    wall = time.perf_counter() - start
    history = result[-1]
    # Epoch 0, every third epoch, and the last one even when 3 does not divide it.
    assert history.epochs == history.values == [0, 3, 4]
    c_shape = None if method == "cd" else (len(SEEDS),)
    assert seen == [(e, RBMBatch, c_shape) for e in (0, 3, 4)]
    assert history.seconds[0] == 0.0 and all(np.diff(history.seconds) > 0)
    assert history.seconds[-1] <= wall


def test_nce_learning_rate_schedule_is_per_epoch(data, starts):
    models = RBMBatch.from_rbms(starts)
    seen = []
    train_nce_batch(data, models, random_states=list(SEEDS), learning_rate=[0.2, 0.01], epochs=2,
                    callback=lambda e, m, c: seen.append(m.W.copy()))
    one, _, _ = train_nce_batch(data, models, random_states=list(SEEDS), learning_rate=0.2, epochs=1)
    np.testing.assert_array_equal(seen[1], one.W)


def test_log_partition_batch_enumerates_up_to_the_limit(monkeypatch):
    from dgmbook import rbm_experiments

    monkeypatch.setattr(rbm_experiments, "MAX_ENUMERATED_UNITS", 3)
    models = RBMBatch.from_rbms([_tiny(0, D=3, H=4)])
    assert log_partition_batch(models)[0] == pytest.approx(log_partition(models.rbm(0)), abs=1e-5)
    with pytest.raises(ValueError, match="^models have 4 units in the smaller layer; exact enumeration is "
                                         "limited to 3$"):
        log_partition_batch(RBMBatch.from_rbms([_tiny(0, D=4, H=4)]))


class _Counted:
    """``f`` that records the value of every call (in order)."""

    def __init__(self, f):
        self.f, self.values = f, []

    def __call__(self, x):
        value = np.asarray(self.f(x), dtype=float)
        self.values.append(value)
        return value


def test_newton_polish_stops_as_documented():
    from dgmbook.rbm_experiments import _newton_polish

    # No root (x^2 + 1): it stops after `patience` (3) steps in a row without a new best residual,
    # and returns the best point. With one unknown each step calls f four times: twice for the
    # Jacobian, once at x and once at the new point, whose residual is call 4, 8, 12, ...
    # From 3: two steps improve, then three do not.
    f = _Counted(lambda x: x**2 + 1.0)
    best_x, best = _newton_polish(f, np.array([3.0]), 1e-12)
    norms = [float(np.linalg.norm(v)) for v in f.values[::4]]     # the start, then each new point
    assert (len(f.values) - 1) % 4 == 0 and len(norms) - 1 == (len(f.values) - 1) // 4
    running_best = np.minimum.accumulate(norms)
    improved = [n < b for n, b in zip(norms[1:], running_best[:-1], strict=True)]
    assert improved[-3:] == [False, False, False]                  # stopped after three stalls ...
    assert all(any(improved[i:i + 3]) for i in range(len(improved) - 3))   # ... and not before
    assert best == min(norms) and best_x.shape == (1,)
    # A linear f is solved in one step up to rounding; at a residual of exactly tol it stops,
    # after one call for the start and four for the step.
    _, reached = _newton_polish(lambda x: 2.0 * x - 1.0, np.array([3.0]), 1e-9)
    assert 0 < reached < 1e-9
    f = _Counted(lambda x: 2.0 * x - 1.0)
    best_x, best = _newton_polish(f, np.array([3.0]), reached)
    assert best == reached and best_x[0] == pytest.approx(0.5) and len(f.values) == 5
    # A non-finite start or step ends it: the start, or the best point before the step.
    f = _Counted(lambda x: np.full(1, np.inf))
    best_x, best = _newton_polish(f, np.array([1.0]), 1e-12)
    assert best == np.inf and best_x[0] == 1.0 and len(f.values) == 1
    best_x, best = _newton_polish(lambda x: np.where(x > 2, np.inf, x - 3.0), np.array([0.0]), 1e-12)
    assert best == 3.0 and best_x[0] == 0.0
    # A constant f: every step stays put (a residual equal to the best is no progress).
    f = _Counted(lambda x: np.ones(1))
    assert _newton_polish(f, np.array([1.0]), 0.0) == (1.0, 1.0) and len(f.values) == 1 + 4 * 3
    # x^3 improves at every step, ever more slowly: it stops after max_steps (60) steps.
    f = _Counted(lambda x: x**3)
    _newton_polish(f, np.array([1.0]), 0.0)
    assert len(f.values) == 1 + 4 * 60


def test_jacobian_step_is_the_cube_root_of_eps():
    from dgmbook.rbm_experiments import _jacobian

    # Central differences of x^3 are 3x^2 + h^2: h = eps^(1/3) * max(1, |x|), eps^(1/3) at x = 1/2.
    eps = np.finfo(float).eps
    assert _jacobian(lambda x: x**3, np.array([0.5]))[0, 0] - 0.75 == pytest.approx(eps ** (2 / 3), rel=0.05)


def test_exact_fixed_point_accepts_a_residual_of_exactly_tol(monkeypatch):
    from dgmbook import rbm_experiments

    monkeypatch.setattr(rbm_experiments, "_newton_polish", lambda f, x, tol: (x, tol))
    _, residual = exact_fixed_point(_tiny(0, D=2, H=1), np.full(4, 0.25), tol=1e-7)  # no warning
    assert residual == 1e-7


@pytest.mark.parametrize("method", ["cd", "nce"])
def test_history_seconds_accumulate_each_epochs_time(data, starts, method, monkeypatch):
    """With a clock that advances one second per reading, each epoch (read at its start and end)
    adds exactly one second to the cumulative training time."""
    from types import SimpleNamespace

    from dgmbook import rbm_experiments

    ticks = iter(range(1000))
    monkeypatch.setattr(rbm_experiments, "time", SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    train = train_cd_batch if method == "cd" else train_nce_batch
    history = train(data, RBMBatch.from_rbms(starts), random_states=list(SEEDS), epochs=4,
                    callback=lambda e, m, c: e)[-1]
    assert history.seconds == [0.0, 1.0, 2.0, 3.0, 4.0]
