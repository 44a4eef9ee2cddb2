"""Tests of dgmbook.nce: noise distributions, the NCE objective and its gradient, NCE training."""

import itertools

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit

from dgmbook.nce import (
    BernoulliNoise,
    initial_log_normaliser,
    nce_objective,
    nce_rbm_objective,
    train_nce,
)
from dgmbook.rbm import RBM, free_energy, init_rbm, log_likelihood, log_partition


def all_binary(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def random_rbm(n_visible, n_hidden, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return RBM(scale * rng.standard_normal((n_visible, n_hidden)),
               rng.standard_normal(n_visible), rng.standard_normal(n_hidden))


def test_noise_log_prob_normalises_and_sampling_matches():
    noise = BernoulliNoise(np.array([0.1, 0.5, 0.8]))
    assert np.exp(noise.log_prob(all_binary(3))).sum() == pytest.approx(1.0, abs=1e-12)
    n = 20000
    draws = noise.sample(n, random_state=0)
    se = np.sqrt(noise.probs * (1 - noise.probs) / n)
    assert np.all(np.abs(draws.mean(axis=0) - noise.probs) < 4 * se)


def test_noise_fit_is_smoothed_marginals():
    data = np.array([[1, 0], [1, 0], [1, 1]], dtype=float)
    noise = BernoulliNoise.fit(data, smoothing=1.0)
    np.testing.assert_allclose(noise.probs, [4 / 5, 2 / 5])
    assert BernoulliNoise.uniform(4).probs.tolist() == [0.5] * 4


def test_objective_matches_definition_and_derivatives():
    rng = np.random.default_rng(1)
    gd, gn, nu = rng.normal(size=5), rng.normal(size=7), 2.5
    J, dd, dn = nce_objective(gd, gn, nu)
    h = lambda g: expit(g - np.log(nu))  # noqa: E731
    assert J == pytest.approx(np.mean(np.log(h(gd))) + nu * np.mean(np.log(1 - h(gn))), abs=1e-12)
    eps = 1e-6
    for i in range(5):
        e = np.zeros(5)
        e[i] = eps
        num = (nce_objective(gd + e, gn, nu)[0] - nce_objective(gd - e, gn, nu)[0]) / (2 * eps)
        assert dd[i] == pytest.approx(num, abs=1e-8)
    for i in range(7):
        e = np.zeros(7)
        e[i] = eps
        num = (nce_objective(gd, gn + e, nu)[0] - nce_objective(gd, gn - e, nu)[0]) / (2 * eps)
        assert dn[i] == pytest.approx(num, abs=1e-8)


def test_objective_is_stable_for_extreme_log_ratios():
    J, dd, dn = nce_objective(np.array([800.0, -800.0]), np.array([-800.0, 800.0]), 3.0)
    assert np.isfinite(J) and np.all(np.isfinite(dd)) and np.all(np.isfinite(dn))
    assert J == pytest.approx(-(800 + np.log(3)) / 2 - 3 * (800 - np.log(3)) / 2, rel=1e-9)


def test_rbm_objective_gradient_matches_finite_differences():
    rbm = random_rbm(4, 3, seed=2)
    noise = BernoulliNoise(np.array([0.3, 0.6, 0.5, 0.2]))
    data = np.array([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 0]], dtype=float)
    ys = noise.sample(6, random_state=3)
    c, nu = -3.0, 2.0
    J, grad, grad_c = nce_rbm_objective(rbm, c, data, ys, noise, nu)
    eps = 1e-6
    for name in ("W", "a", "b"):
        param = getattr(rbm, name)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + eps
            up = nce_rbm_objective(rbm, c, data, ys, noise, nu)[0]
            param[idx] = old - eps
            down = nce_rbm_objective(rbm, c, data, ys, noise, nu)[0]
            param[idx] = old
            assert getattr(grad, name)[idx] == pytest.approx((up - down) / (2 * eps), abs=1e-7)
    num_c = (nce_rbm_objective(rbm, c + eps, data, ys, noise, nu)[0]
             - nce_rbm_objective(rbm, c - eps, data, ys, noise, nu)[0]) / (2 * eps)
    assert grad_c == pytest.approx(num_c, abs=1e-7)


def test_population_gradient_vanishes_at_the_truth():
    """Consistency: if pdata is the RBM itself and c = -log Z, the population NCE gradient is 0."""
    rbm = random_rbm(4, 2, scale=0.8, seed=4)
    vs = all_binary(4)
    log_z = log_partition(rbm)
    p = np.exp(-free_energy(rbm, vs) - log_z)
    noise = BernoulliNoise(np.array([0.4, 0.5, 0.6, 0.3]))
    q = np.exp(noise.log_prob(vs))
    J, grad, grad_c = nce_rbm_objective(rbm, -log_z, vs, vs, noise, 3.0, data_weights=p, noise_weights=q)
    assert abs(grad_c) < 1e-12
    for g in (grad.W, grad.a, grad.b):
        np.testing.assert_allclose(g, 0.0, atol=1e-12)
    # and away from the truth it does not
    _, _, grad_c_off = nce_rbm_objective(rbm, -log_z + 0.5, vs, vs, noise, 3.0, data_weights=p,
                                         noise_weights=q)
    assert grad_c_off < -1e-3


def test_optimal_c_self_normalises_as_nu_grows():
    """For a fixed misspecified theta, the best c approaches -log Z as nu -> infinity."""
    rbm = random_rbm(4, 2, scale=0.8, seed=5)
    vs = all_binary(4)
    pdata = np.zeros(16)
    pdata[[0, 5, 10, 15]] = 0.25
    noise = BernoulliNoise.uniform(4)
    q = np.exp(noise.log_prob(vs))
    log_z = log_partition(rbm)

    def best_c(nu):
        def dj_dc(c):
            return nce_rbm_objective(rbm, c, vs, vs, noise, nu, data_weights=pdata, noise_weights=q)[2]
        return brentq(dj_dc, -log_z - 20, -log_z + 20)

    gaps = [abs(best_c(nu) + log_z) for nu in (1.0, 10.0, 1000.0)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 0.01


def test_train_nce_learns_bars_and_stripes_and_tracks_log_z():
    from dgmbook.datasets import bars_and_stripes

    data = bars_and_stripes(3)
    start = init_rbm(9, 8, scale=0.1, random_state=0)
    ll0 = log_likelihood(start, data)
    model, c, hist = train_nce(data, rbm=start, noise=BernoulliNoise.uniform(9), nu=10.0,
                               learning_rate=0.5, epochs=600, batch_size=14, random_state=1,
                               callback=lambda e, m, c: c, callback_every=300)
    assert log_likelihood(model, data) > ll0 + 1.5
    assert abs(c + log_partition(model)) < 1.0
    assert hist.epochs == [0, 300, 600] and hist.values[0] == pytest.approx(initial_log_normaliser(start))


def test_initial_log_normaliser_is_exact_for_zero_weights():
    rbm = RBM(np.zeros((5, 3)), np.linspace(-1, 1, 5), np.array([0.5, -2.0, 0.0]))
    assert initial_log_normaliser(rbm) == pytest.approx(-log_partition(rbm), abs=1e-12)


# ----- input validation ---------------------------------------------------------------------------

def test_rejects_bad_nu():
    with pytest.raises(ValueError, match="nu"):
        nce_objective([0.0], [0.0], nu=0.0)
    with pytest.raises(ValueError, match="nu"):
        train_nce(np.zeros((3, 2)), 2, nu=-1.0)


def test_rejects_bad_noise_and_data():
    with pytest.raises(ValueError, match="probs"):
        BernoulliNoise(np.array([0.0, 0.5]))
    with pytest.raises(ValueError, match="data"):
        BernoulliNoise.fit(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="data"):
        train_nce(np.zeros((0, 3)), 2)
    with pytest.raises(ValueError, match="noise"):
        train_nce(np.zeros((3, 3)), 2, noise=BernoulliNoise.uniform(4))
    with pytest.raises(TypeError, match="noise"):
        train_nce(np.zeros((3, 3)), 2, noise="uniform")
    with pytest.raises(ValueError, match="u"):
        BernoulliNoise.uniform(3).log_prob(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="data_weights"):
        nce_objective([0.0, 1.0], [0.0], 1.0, data_weights=[0.7, 0.7])


def test_rbm_objective_validates_shapes():
    rbm = random_rbm(3, 2)
    noise = BernoulliNoise.uniform(3)
    with pytest.raises(ValueError, match="noise_samples"):
        nce_rbm_objective(rbm, 0.0, np.zeros((2, 3)), np.zeros((2, 4)), noise, 1.0)
    with pytest.raises(ValueError, match="noise"):
        nce_rbm_objective(rbm, 0.0, np.zeros((2, 3)), np.zeros((2, 3)), BernoulliNoise.uniform(4), 1.0)
    with pytest.raises(ValueError, match="data"):
        nce_rbm_objective(rbm, 0.0, np.full((2, 3), 0.5), np.zeros((2, 3)), noise, 1.0)


def test_train_nce_update_is_the_gradient_of_the_tested_objective():
    """One full-batch step of the fast training loop equals ``lr * grad`` of nce_rbm_objective.

    The loop's random numbers are replayed: with a given ``rbm`` nothing is drawn before the first
    epoch, which shuffles the data order and then draws the batch's noise samples.
    """
    data = (np.random.default_rng(6).random((8, 5)) < 0.5).astype(float)
    start = random_rbm(5, 3, scale=0.5, seed=7)
    noise = BernoulliNoise(np.array([0.2, 0.4, 0.5, 0.7, 0.9]))
    nu, lr, c0, seed = 2.5, 0.3, -4.0, 11
    model, c, _ = train_nce(data, rbm=start, noise=noise, nu=nu, c=c0, learning_rate=lr, epochs=1,
                            batch_size=8, random_state=seed)
    rng = np.random.default_rng(seed)
    rng.shuffle(np.arange(8))
    ys = (rng.random((int(round(nu * 8)), 5)) < noise.probs).astype(float)
    _, grad, grad_c = nce_rbm_objective(start, c0, data, ys, noise, nu)
    np.testing.assert_allclose(model.W, start.W + lr * grad.W, atol=1e-12)
    np.testing.assert_allclose(model.a, start.a + lr * grad.a, atol=1e-12)
    np.testing.assert_allclose(model.b, start.b + lr * grad.b, atol=1e-12)
    assert c == pytest.approx(c0 + lr * grad_c, abs=1e-12)
    assert np.abs(grad.W).max() > 1e-3   # the step is not trivially zero


def test_train_nce_refuses_a_noise_batch_that_cannot_fit_before_allocating():
    """The issue's case: nu = 1e7 on bars-and-stripes asked for several GiB per update."""
    import tracemalloc

    from dgmbook.datasets import bars_and_stripes

    bas = bars_and_stripes(3)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"nu: 140000000 noise samples per update .* GiB"):
            train_nce(bas, 16, nu=1e7, batch_size=len(bas), random_state=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20  # nothing of that size was allocated


def test_train_nce_checks_callback_and_seed_up_front():
    data = all_binary(3)
    with pytest.raises(TypeError, match="callback must be a callable or None"):
        train_nce(data, 2, epochs=10**6, callback=[print])
    with pytest.raises(ValueError, match="random_state must be a non-negative int seed"):
        train_nce(data, 2, epochs=10**6, random_state=-1)


def test_a_diverging_nce_training_stops_with_an_error():
    with pytest.raises(ValueError, match=r"training diverged in epoch \d+.*learning_rate"):
        train_nce(all_binary(3), 2, learning_rate=1e308, epochs=5, random_state=0)


def test_nce_refuses_an_rbm_whose_energies_overflow():
    huge = RBM(np.full((3, 2), 1e300), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="rbm's parameters are too large"):
        initial_log_normaliser(huge)
    with pytest.raises(ValueError, match="rbm's parameters are too large"):
        train_nce(all_binary(3), rbm=huge, epochs=1)


# ---------------------------------------------------------------------- golden values, shapes, defaults
def _replay_train_nce(data, start, noise, nu, c, lr, epochs, batch_size, seed):
    """train_nce's loop written with nce_rbm_objective: the same draws, batch by batch."""
    rng = np.random.default_rng(seed)
    model, n = start.copy(), data.shape[0]
    order = np.arange(n)
    n_noise = max(1, int(round(nu * min(batch_size, n))))
    for _ in range(epochs):
        rng.shuffle(order)
        X = data[order]
        for s in range(0, n, batch_size):
            x = X[s:s + batch_size]
            y = (rng.random((n_noise, noise.n_visible)) < noise.probs).astype(float)
            _, grad, grad_c = nce_rbm_objective(model, c, x, y, noise, nu)
            model = RBM(model.W + lr * grad.W, model.a + lr * grad.a, model.b + lr * grad.b)
            c += lr * grad_c
    return model, c


@pytest.mark.parametrize(("nu", "batch_size"), [(0.5, 3), (2.0, 4), (0.01, 3)])
def test_train_nce_replays_mini_batch_training_over_epochs(nu, batch_size):
    data = (np.random.default_rng(1).random((10, 4)) < 0.4).astype(float)
    start = random_rbm(4, 3, scale=0.5, seed=2)
    noise = BernoulliNoise(np.array([0.3, 0.5, 0.6, 0.8]))
    model, c, _ = train_nce(data, rbm=start, noise=noise, nu=nu, c=-2.0, learning_rate=0.2, epochs=2,
                            batch_size=batch_size, random_state=5)
    ref, ref_c = _replay_train_nce(data, start, noise, nu, -2.0, 0.2, 2, batch_size, 5)
    np.testing.assert_allclose(model.W, ref.W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.a, ref.a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.b, ref.b, rtol=1e-10, atol=1e-12)
    assert c == pytest.approx(ref_c, rel=1e-10)
    np.testing.assert_array_equal(start.W, random_rbm(4, 3, scale=0.5, seed=2).W)  # start not changed


def test_train_nce_defaults_and_history():
    data = (np.random.default_rng(3).random((12, 4)) < 0.5).astype(float)
    start = random_rbm(4, 2, scale=0.3, seed=4)
    model, c, hist = train_nce(data, rbm=start, random_state=8, callback=lambda e, m, cc: (e, cc),
                               callback_every=4)
    c0 = initial_log_normaliser(start)
    ref, ref_c = _replay_train_nce(data, start, BernoulliNoise.fit(data), 1.0, c0, 0.1, 10, 10, 8)
    np.testing.assert_allclose(model.W, ref.W, rtol=1e-10, atol=1e-12)
    assert c == pytest.approx(ref_c, rel=1e-10)
    assert hist.epochs == [0, 4, 8, 10]
    assert hist.values[0] == (0, initial_log_normaliser(start)) and hist.values[-1] == (10, c)
    assert hist.seconds[0] == 0.0 and np.all(np.diff(hist.seconds) >= 0)
    assert hist.seconds[-1] > 0
    _, _, quiet = train_nce(data, rbm=start, epochs=1, random_state=0)
    assert quiet.epochs == [] and quiet.values == []
    every = train_nce(data, rbm=start, epochs=2, random_state=0, callback=lambda e, m, cc: e)[2]
    assert every.epochs == [0, 1, 2]


def test_train_nce_with_n_hidden_draws_the_start_from_the_seed():
    data = (np.random.default_rng(3).random((6, 4)) < 0.5).astype(float)
    m1, c1, _ = train_nce(data, 3, epochs=0, random_state=4)
    assert m1.W.shape == (4, 3)
    assert c1 == initial_log_normaliser(m1)
    m2, _, _ = train_nce(data, 3, epochs=0, random_state=4)
    np.testing.assert_array_equal(m1.W, m2.W)


def test_noise_exact_values_and_defaults():
    noise = BernoulliNoise.fit([[1, 0], [1, 1], [1, 0]])
    np.testing.assert_allclose(noise.probs, [4 / 5, 2 / 5])  # add-one smoothing by default
    np.testing.assert_allclose(BernoulliNoise.fit([[1, 0]], smoothing=0.5).probs, [0.75, 0.25])
    assert noise.n_visible == 2 and isinstance(noise.n_visible, int)
    np.testing.assert_allclose(noise.log_prob([[1, 0], [0, 1]]),
                               [np.log(0.8 * 0.6), np.log(0.2 * 0.4)], rtol=1e-14)
    uni = BernoulliNoise.uniform(3)
    np.testing.assert_array_equal(uni.probs, [0.5, 0.5, 0.5])
    assert BernoulliNoise.uniform(1).n_visible == 1
    draws = noise.sample(4, random_state=2)
    expected = (np.random.default_rng(2).random((4, 2)) < noise.probs).astype(float)
    np.testing.assert_array_equal(draws, expected)
    assert draws.dtype == np.float64 and noise.sample(1, random_state=0).shape == (1, 2)
    with pytest.raises(ValueError, match=r"^u must have 2 columns, got shape \(1, 3\)$"):
        noise.log_prob([[1, 0, 1]])


def test_nce_objective_exact_values_and_weights():
    J, dd, dn = nce_objective([0.0], [0.0], 1.0)
    assert J == pytest.approx(2 * np.log(0.5), rel=1e-15)
    np.testing.assert_allclose(dd, [0.5]) and np.testing.assert_allclose(dn, [-0.5])
    J, dd, dn = nce_objective([1.0, 2.0], [0.5], 2.0, data_weights=[0.25, 0.75])
    zd, zn = np.array([1.0, 2.0]) - np.log(2.0), 0.5 - np.log(2.0)
    assert J == pytest.approx(0.25 * np.log(expit(zd[0])) + 0.75 * np.log(expit(zd[1]))
                              + 2.0 * np.log(expit(-zn)), rel=1e-14)
    np.testing.assert_allclose(dd, [0.25 * expit(-zd[0]), 0.75 * expit(-zd[1])], rtol=1e-14)
    np.testing.assert_allclose(dn, [-2.0 * expit(zn)], rtol=1e-14)
    assert type(J) is float
    nce_objective([0.0, 1.0], [0.0], 1.0, data_weights=[0.0, 1.0])  # a zero weight is allowed
    with pytest.raises(ValueError, match="^data_weights must be non-negative and sum to 1$"):
        nce_objective([0.0, 1.0], [0.0], 1.0, data_weights=[0.5, 0.6])
    with pytest.raises(ValueError, match="^noise_weights must be non-negative and sum to 1$"):
        nce_objective([0.0], [0.0, 1.0], 1.0, noise_weights=[-0.5, 1.5])


def test_initial_log_normaliser_exact():
    rbm = RBM(np.ones((2, 1)), np.array([0.0, 1.0]), np.array([-1.0]))
    expected = -(np.log(2.0) + np.log1p(np.e) + np.log1p(np.exp(-1.0)))
    assert initial_log_normaliser(rbm) == pytest.approx(expected, rel=1e-15)
    assert type(initial_log_normaliser(rbm)) is float


def test_noise_memory_estimates_at_the_limit(monkeypatch):
    from dgmbook import validation

    noise = BernoulliNoise(np.array([0.3, 0.6, 0.5]))
    monkeypatch.setattr(validation, "_memory_limit", lambda: 16 * 4 * 3)
    assert noise.sample(4, random_state=0).shape == (4, 3)
    monkeypatch.setattr(validation, "_memory_limit", lambda: 16 * 4 * 3 - 1)
    with pytest.raises(ValueError, match="^n: 4 draws of 3 units would need 192 bytes"):
        noise.sample(4, random_state=0)
    monkeypatch.setattr(validation, "_memory_limit", lambda: 8 * 5)
    assert BernoulliNoise.uniform(5).n_visible == 5
    monkeypatch.setattr(validation, "_memory_limit", lambda: 8 * 5 - 1)
    with pytest.raises(ValueError, match="^n_visible: 5 probabilities would need 40 bytes"):
        BernoulliNoise.uniform(5)


def test_nce_objective_refuses_log_ratios_that_are_not_vectors():
    with pytest.raises(ValueError, match=r"^g_noise must have ndim in \(1,\)"):
        nce_objective([0.0], [[0.0]], 1.0)
    with pytest.raises(ValueError, match=r"^g_data must have ndim in \(1,\)"):
        nce_objective([[0.0]], [0.0], 1.0)


def test_rbm_objective_and_training_name_their_arguments_exactly():
    rbm = random_rbm(3, 2)
    data = all_binary(3)
    noise = BernoulliNoise.uniform(3)
    with pytest.raises(TypeError, match="^noise must be a BernoulliNoise, got list$"):
        nce_rbm_objective(rbm, 0.0, data, data, [0.5] * 3, 1.0)
    with pytest.raises(TypeError, match="^noise must be a BernoulliNoise, got list$"):
        train_nce(data, 2, noise=[0.5] * 3, epochs=1)
    with pytest.raises(ValueError, match="^data_weights must be non-negative and sum to 1$"):
        nce_rbm_objective(rbm, 0.0, data, data, noise, 1.0, data_weights=np.full(8, 0.5))
    with pytest.raises(ValueError, match="^noise_weights must be non-negative and sum to 1$"):
        nce_rbm_objective(rbm, 0.0, data, data, noise, 1.0, noise_weights=np.full(8, 0.5))
    with pytest.raises(ValueError, match=r"^c must have ndim in \(0,\)"):
        train_nce(data, 2, c=[1.0], epochs=1)


def test_memory_estimate_at_the_limit(monkeypatch):
    """One update needs (B + n_noise) rows of 2 D + 3 H + 3 floats: it runs under exactly that limit
    and is refused, before allocating, one byte below it."""
    from dgmbook import validation

    data = all_binary(3)                           # n = 8, D = 3
    nbytes = 8 * (4 + 8) * (2 * 3 + 3 * 2 + 3)     # B = 4, n_noise = 2 * 4, H = 2

    def call():
        return train_nce(data, 2, nu=2.0, batch_size=4, epochs=0, random_state=0)

    monkeypatch.setattr(validation, "_memory_limit", lambda: nbytes)
    call()
    monkeypatch.setattr(validation, "_memory_limit", lambda: nbytes - 1)
    with pytest.raises(ValueError, match=r"^nu: 8 noise samples per update \(nu \* batch_size = 2 \* 4\) "
                                         r"would need 1.41 KiB"):
        call()


def test_train_nce_history_passes_the_model_and_times_the_training():
    import time

    seen = []
    start = time.perf_counter()
    model, c, history = train_nce(all_binary(3), 2, epochs=3, random_state=0,
                                  callback=lambda e, m, c: seen.append((e, type(m).__name__)) or c)
    wall = time.perf_counter() - start
    assert seen == [(0, "RBM"), (1, "RBM"), (2, "RBM"), (3, "RBM")]
    assert history.values[-1] == c
    assert history.seconds[0] == 0.0 and all(np.diff(history.seconds) > 0)
    assert history.seconds[-1] <= wall


def test_history_seconds_accumulate_each_epochs_time(monkeypatch):
    """With a clock that advances one second per reading, each epoch adds exactly one second."""
    from types import SimpleNamespace

    from dgmbook import nce

    ticks = iter(range(1000))
    monkeypatch.setattr(nce, "time", SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    _, _, history = train_nce(all_binary(3), 2, epochs=4, random_state=0, callback=lambda e, m, c: e)
    assert history.seconds == [0.0, 1.0, 2.0, 3.0, 4.0]
