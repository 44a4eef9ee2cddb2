"""Tests of dgmbook.rbm: free energy and its gradient, conditionals, CD/PCD, exact log Z, AIS."""

import itertools
import warnings

import numpy as np
import pytest
from conftest import refused_one_byte_below
from scipy.special import logsumexp

from dgmbook.rbm import (
    RBM,
    TrainingHistory,
    ais_log_partition,
    cd_gradient,
    free_energy,
    free_energy_gradient,
    gibbs_step,
    hidden_probs,
    init_rbm,
    log_likelihood,
    log_partition,
    reconstruction_error,
    train_cd,
    visible_probs,
)


def random_rbm(n_visible, n_hidden, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    return RBM(scale * rng.standard_normal((n_visible, n_hidden)),
               rng.standard_normal(n_visible), rng.standard_normal(n_hidden))


def all_binary(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def energy(rbm, v, h):
    return -(v @ rbm.a) - (h @ rbm.b) - np.einsum("ni,ij,nj->n", v, rbm.W, h)


def brute_force_log_z(rbm):
    vs, hs = all_binary(rbm.n_visible), all_binary(rbm.n_hidden)
    v = np.repeat(vs, len(hs), axis=0)
    h = np.tile(hs, (len(vs), 1))
    return logsumexp(-energy(rbm, v, h))


def test_free_energy_sums_out_the_hidden_units():
    rbm = random_rbm(4, 3)
    vs, hs = all_binary(4), all_binary(3)
    for v in vs:
        direct = -logsumexp(-energy(rbm, np.tile(v, (len(hs), 1)), hs))
        assert free_energy(rbm, v[None])[0] == pytest.approx(direct, abs=1e-12)


@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4)])
def test_exact_log_partition_matches_brute_force(shape):
    rbm = random_rbm(*shape, seed=sum(shape))
    assert log_partition(rbm) == pytest.approx(brute_force_log_z(rbm), abs=1e-10)


def test_log_partition_chunking_does_not_change_the_result():
    rbm = random_rbm(9, 7, seed=2)
    whole = log_partition(rbm, chunk_size=2**20)
    assert log_partition(rbm, chunk_size=5) == pytest.approx(whole, abs=1e-10)


def test_log_partition_is_stable_with_large_weights():
    rbm = random_rbm(6, 4, scale=400.0, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = log_partition(rbm)
        ll = log_likelihood(rbm, all_binary(6)[:5], log_z=value)
    assert np.isfinite(value) and np.isfinite(ll)
    assert value == pytest.approx(brute_force_log_z(rbm), rel=1e-12)


def test_log_likelihood_normalises():
    rbm = random_rbm(5, 3, seed=4)
    vs = all_binary(5)
    log_p = -free_energy(rbm, vs) - log_partition(rbm)
    assert logsumexp(log_p) == pytest.approx(0.0, abs=1e-12)
    assert log_likelihood(rbm, vs[:3]) == pytest.approx(log_p[:3].mean(), abs=1e-12)


def test_free_energy_gradient_matches_finite_differences():
    rbm = random_rbm(4, 3, seed=5)
    v = np.array([[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 0]], dtype=float)
    w = np.array([0.5, 0.3, 0.2])
    grad = free_energy_gradient(rbm, v, weights=w)
    eps = 1e-6
    for name in ("W", "a", "b"):
        param = getattr(rbm, name)
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + eps
            up = w @ free_energy(rbm, v)
            param[idx] = old - eps
            down = w @ free_energy(rbm, v)
            param[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(getattr(grad, name), numeric, atol=1e-7)


def test_exact_log_likelihood_gradient_is_data_minus_model_term():
    """d/dtheta mean log p(v) = -mean_data dF + E_model dF, checked against finite differences."""
    rbm = random_rbm(4, 2, seed=6)
    data = np.array([[1, 0, 1, 1], [0, 1, 1, 0]], dtype=float)
    vs = all_binary(4)
    p_model = np.exp(-free_energy(rbm, vs) - log_partition(rbm))
    pos = free_energy_gradient(rbm, data)
    neg = free_energy_gradient(rbm, vs, weights=p_model)
    eps = 1e-6
    old = rbm.W[2, 1]
    rbm.W[2, 1] = old + eps
    up = log_likelihood(rbm, data)
    rbm.W[2, 1] = old - eps
    down = log_likelihood(rbm, data)
    rbm.W[2, 1] = old
    assert (up - down) / (2 * eps) == pytest.approx(neg.W[2, 1] - pos.W[2, 1], abs=1e-7)


def test_conditionals_match_the_joint():
    rbm = random_rbm(3, 2, seed=7)
    v = np.array([[1.0, 0.0, 1.0]])
    hs = all_binary(2)
    log_joint = -energy(rbm, np.tile(v, (4, 1)), hs)
    p_h = np.exp(log_joint - logsumexp(log_joint))
    marg = p_h @ hs  # P(h_j = 1 | v) by enumeration
    np.testing.assert_allclose(hidden_probs(rbm, v)[0], marg, atol=1e-12)
    h = np.array([[0.0, 1.0]])
    vs = all_binary(3)
    log_joint = -energy(rbm, vs, np.tile(h, (8, 1)))
    p_v = np.exp(log_joint - logsumexp(log_joint))
    np.testing.assert_allclose(visible_probs(rbm, h)[0], p_v @ vs, atol=1e-12)


def test_gibbs_chain_reaches_the_model_distribution():
    rbm = random_rbm(3, 2, scale=0.8, seed=8)
    n = 20000
    v = gibbs_step(rbm, np.zeros((n, 3)), random_state=0, k=30)
    vs = all_binary(3)
    p = np.exp(-free_energy(rbm, vs) - log_partition(rbm))
    codes = (v @ (2 ** np.arange(3)[::-1])).astype(int)
    freq = np.bincount(codes, minlength=8) / n
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(freq - p) < 5 * se)


def test_cd_gradient_shapes_and_ranges():
    rbm = random_rbm(6, 4, seed=9)
    v = (np.random.default_rng(0).random((7, 6)) < 0.5).astype(float)
    grad, neg = cd_gradient(rbm, v, k=2, random_state=1)
    assert grad.W.shape == (6, 4) and grad.a.shape == (6,) and grad.b.shape == (4,)
    assert neg.shape == (7, 6) and set(np.unique(neg)) <= {0.0, 1.0}
    # each entry is a difference of two averages of numbers in [0, 1]
    for g in (grad.W, grad.a, grad.b):
        assert np.all(np.abs(g) <= 1.0)
    chains = np.zeros((3, 6))
    grad_p, neg_p = cd_gradient(rbm, v, k=1, random_state=1, chains=chains)
    assert neg_p.shape == (3, 6)


def test_cd_gradient_expectation_when_the_data_are_model_samples():
    """With data drawn from the model, E[CD-k update] = 0 (the Markov chain leaves p invariant)."""
    rbm = random_rbm(3, 2, scale=0.7, seed=10)
    data = gibbs_step(rbm, np.zeros((40000, 3)), random_state=2, k=40)
    grad, _ = cd_gradient(rbm, data, k=1, random_state=3)
    pos = hidden_probs(rbm, data)
    spread = np.std(data[:, :, None] * pos[:, None, :], axis=0)
    assert np.all(np.abs(grad.W) < 5 * np.sqrt(2) * spread / np.sqrt(len(data)))


def test_train_cd_increases_likelihood_on_bars_and_stripes():
    from dgmbook.datasets import bars_and_stripes

    data = bars_and_stripes(3)
    for persistent in (False, True):
        start = init_rbm(9, 8, scale=0.1, random_state=0)
        ll0 = log_likelihood(start, data)
        model, hist = train_cd(data, rbm=start, k=1, persistent=persistent, learning_rate=0.5,
                               epochs=400, batch_size=14, n_chains=50, random_state=1,
                               callback=lambda e, m: log_likelihood(m, data), callback_every=100)
        assert log_likelihood(model, data) > ll0 + 1.0
        assert hist.epochs == [0, 100, 200, 300, 400]
        assert hist.values[0] == pytest.approx(ll0)
        assert np.all(np.diff(hist.seconds) >= 0)
        # the starting model is not modified
        assert log_likelihood(start, data) == pytest.approx(ll0)


def test_train_cd_is_reproducible():
    data = (np.random.default_rng(0).random((30, 5)) < 0.4).astype(float)
    m1, _ = train_cd(data, 3, k=2, epochs=3, random_state=5)
    m2, _ = train_cd(data, 3, k=2, epochs=3, random_state=5)
    np.testing.assert_array_equal(m1.W, m2.W)


def test_train_cd_update_matches_cd_gradient_for_one_batch():
    """One full-batch CD-1 step of the fast loop equals the explicit cd_gradient step."""
    data = (np.random.default_rng(1).random((8, 5)) < 0.5).astype(float)
    start = init_rbm(5, 3, scale=0.5, random_state=2)
    # sample_visible=False and k=1: the update depends on one hidden sample; compare in expectation
    # by making the hidden sample deterministic (huge hidden biases -> h = 1).
    start.b[:] = 50.0
    model, _ = train_cd(data, rbm=start, k=1, learning_rate=0.1, epochs=1, batch_size=8,
                        shuffle=False, sample_visible=False, random_state=0)
    ph = hidden_probs(start, data)
    pv = visible_probs(start, np.ones((8, 3)))
    neg_ph = 1.0 / (1.0 + np.exp(-(pv @ start.W + start.b)))
    expected_W = start.W + 0.1 * (data.T @ ph - pv.T @ neg_ph) / 8
    np.testing.assert_allclose(model.W, expected_W, atol=1e-12)


def test_ais_agrees_with_exact_log_z():
    rbm = random_rbm(12, 8, scale=0.6, seed=11)
    exact = log_partition(rbm)
    estimate, se = ais_log_partition(rbm, n_chains=200, n_betas=500, random_state=0)
    assert 0 < se < 0.5
    assert abs(estimate - exact) < 4 * se + 1e-3


def test_reconstruction_error_range():
    rbm = random_rbm(5, 3, seed=12)
    v = all_binary(5)
    err = reconstruction_error(rbm, v)
    assert 0.0 < err < 5.0


def test_from_sklearn_round_trip():
    class Fake:
        components_ = np.arange(6.0).reshape(2, 3)
        intercept_visible_ = np.ones(3)
        intercept_hidden_ = np.zeros(2)

    rbm = RBM.from_sklearn(Fake())
    assert rbm.W.shape == (3, 2) and rbm.W[2, 1] == 5.0
    with pytest.raises(TypeError, match="estimator"):
        RBM.from_sklearn(object())


# ----- input validation ---------------------------------------------------------------------------

def test_rejects_non_binary_data():
    rbm = random_rbm(3, 2)
    with pytest.raises(ValueError, match="v"):
        free_energy(rbm, np.array([[0.5, 1.0, 0.0]]))
    with pytest.raises(ValueError, match="data"):
        train_cd(np.array([[0.0, 2.0, 1.0]]), 2)


def test_rejects_wrong_width():
    rbm = random_rbm(3, 2)
    with pytest.raises(ValueError, match="v"):
        free_energy(rbm, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="h"):
        visible_probs(rbm, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="data"):
        train_cd(np.zeros((4, 5)), rbm=rbm)


def test_rejects_bad_k_and_empty_data():
    rbm = random_rbm(3, 2)
    with pytest.raises(ValueError, match="k"):
        cd_gradient(rbm, np.zeros((2, 3)), k=0)
    with pytest.raises(ValueError, match="data"):
        train_cd(np.zeros((0, 3)), 2)
    with pytest.raises(ValueError, match="learning_rate"):
        train_cd(np.zeros((2, 3)), 2, learning_rate=-1.0)
    with pytest.raises(ValueError, match="n_hidden"):
        train_cd(np.zeros((2, 3)), n_hidden=2, rbm=rbm)


def test_rejects_bad_rbm_and_shapes():
    with pytest.raises(TypeError, match="rbm"):
        log_partition("not an rbm")
    with pytest.raises(ValueError, match="a"):
        RBM(np.zeros((3, 2)), np.zeros(4), np.zeros(2))
    with pytest.raises(ValueError, match="rbm"):
        log_partition(random_rbm(30, 30))
    with pytest.raises(ValueError, match="n_chains"):
        ais_log_partition(random_rbm(3, 2), n_chains=1)


def test_conditionals_and_free_energy_are_stable_with_huge_weights():
    rbm = random_rbm(5, 4, scale=1e4, seed=13)
    v = all_binary(5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = free_energy(rbm, v)
        ph = hidden_probs(rbm, v)
        pv = visible_probs(rbm, (ph > 0.5).astype(float))
        g = free_energy_gradient(rbm, v)
    assert np.all(np.isfinite(f)) and np.all(np.isfinite(g.W))
    assert np.all((ph >= 0) & (ph <= 1)) and np.all((pv >= 0) & (pv <= 1))
    # F is minus the log of a sum of positive terms, each bounded by the largest one
    assert np.all(f <= -np.max(-energy_all_h(rbm, v), axis=1) + 1e-6 * np.abs(f))


def energy_all_h(rbm, v):
    hs = all_binary(rbm.n_hidden)
    return np.array([energy(rbm, np.tile(row, (len(hs), 1)), hs) for row in v])


def test_log_likelihood_uses_the_given_log_z_and_validates_it():
    rbm = random_rbm(4, 3, seed=14)
    v = all_binary(4)[:3]
    exact = log_likelihood(rbm, v)
    assert log_likelihood(rbm, v, log_z=log_partition(rbm) + 1.0) == pytest.approx(exact - 1.0)
    with pytest.raises(ValueError, match="log_z"):
        log_likelihood(rbm, v, log_z=np.nan)


def test_ais_rejects_base_bias_of_wrong_shape():
    with pytest.raises(ValueError, match="base_visible_bias"):
        ais_log_partition(random_rbm(3, 2), base_visible_bias=np.zeros(4))


def test_pcd_averages_each_phase_over_its_own_samples():
    """With more persistent chains than rows in a batch, the model term is a mean over the chains.

    All parameters 0: every p(h_j = 1 | .) is 1/2 in both phases, so the hidden biases must not
    move (scikit-learn's BernoulliRBM, which divides the chains' sum by the batch size, would move
    them by lr * (m - C) / (2 m)); the visible biases move by lr * (mean data - mean chain states).
    """
    data = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]])
    zero = RBM(np.zeros((3, 2)), np.zeros(3), np.zeros(2))
    model, _ = train_cd(data, rbm=zero, persistent=True, n_chains=5, batch_size=2,
                        learning_rate=1.0, epochs=1, random_state=0)
    np.testing.assert_allclose(model.b, 0.0, atol=1e-15)
    # a = mean(data) - mean(chain states), each term in [0, 1]: the data mean of the first unit is 1
    assert model.a[0] >= 0.0 and np.all(np.abs(model.a) <= 1.0)
    assert not np.allclose(model.W, 0.0)


@pytest.mark.parametrize("value", [1e300, 1e200, 1e16])
def test_huge_finite_weights_are_refused_not_turned_into_inf_or_nan(value):
    """The issue's case: finite weights so large that log Z overflows (or is rounding noise)."""
    rbm = RBM(np.full((4, 3), value), np.zeros(4), np.zeros(3))
    v = all_binary(4)[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused before any numpy overflow
        for call in (lambda: log_partition(rbm), lambda: log_likelihood(rbm, v),
                     lambda: ais_log_partition(rbm, n_chains=2, n_betas=2)):
            with pytest.raises(ValueError, match="rbm's parameters are too large"):
                call()


def test_large_weights_within_the_resolved_range_still_give_exact_log_z():
    rbm = random_rbm(4, 3, scale=1e6, seed=21)
    assert log_partition(rbm) == pytest.approx(brute_force_log_z(rbm), rel=1e-12)
    assert log_likelihood(rbm, all_binary(4)) <= 1e-9 * abs(log_partition(rbm))


def test_energy_bound_bounds_every_energy():
    from dgmbook.rbm import _energy_bound

    rbm = random_rbm(4, 3, scale=3.0, seed=22)
    vs, hs = all_binary(4), all_binary(3)
    v = np.repeat(vs, len(hs), axis=0)
    h = np.tile(hs, (len(vs), 1))
    assert np.max(np.abs(energy(rbm, v, h))) <= _energy_bound(rbm)
    assert _energy_bound(RBM(np.zeros((2, 2)), np.zeros(2), np.zeros(2))) == 0.0


def test_parameters_changed_in_place_to_nan_are_refused():
    rbm = random_rbm(3, 2)
    rbm.b[1] = np.inf
    with pytest.raises(ValueError, match="rbm's parameters must be finite"):
        hidden_probs(rbm, all_binary(3))


@pytest.mark.parametrize("flag", ["persistent", "shuffle", "sample_visible"])
@pytest.mark.parametrize("value", ["False", 0, None])
def test_train_cd_flags_must_be_bools(flag, value):
    with pytest.raises(TypeError, match=f"{flag} must be True or False"):
        train_cd(all_binary(3), 2, epochs=1, **{flag: value})


def test_train_cd_checks_the_callback_before_training():
    # 10**6 epochs would take minutes: the error must come before any of them
    with pytest.raises(TypeError, match="callback must be a callable or None, got int"):
        train_cd(all_binary(3), 2, epochs=10**6, callback=3, random_state=0)


def test_a_diverging_training_stops_with_an_error_naming_the_learning_rate():
    with pytest.raises(ValueError, match=r"training diverged in epoch \d+: .*learning_rate"):
        train_cd(all_binary(3), 2, learning_rate=1e308, epochs=5, random_state=0)


def test_sizes_that_cannot_fit_are_refused_before_allocating():
    with pytest.raises(ValueError, match="n_chains: .* would need .* GiB"):
        train_cd(all_binary(3), 2, persistent=True, n_chains=10**10)
    with pytest.raises(ValueError, match="n_betas"):
        ais_log_partition(random_rbm(3, 2), n_betas=10**12)


def test_numpy_bools_and_integers_are_valid_options():
    data = all_binary(3).astype(bool)
    model, hist = train_cd(data, np.int64(2), persistent=np.True_, epochs=np.int32(2), random_state=0,
                           callback=lambda e, m: e)
    assert hist.epochs == [0, 1, 2]


def test_training_history_checks_its_fields():
    with pytest.raises(ValueError, match="same length"):
        TrainingHistory([0, 1], [0.0], [None])
    with pytest.raises(TypeError, match="epochs must be a list"):
        TrainingHistory((0,), [0.0], [None])


# ---------------------------------------------------------------------- golden values on seeded input
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _replay_train_cd(data, start, *, k, persistent, lr, epochs, batch_size, n_chains, shuffle,
                     sample_visible, seed):
    """train_cd's loop written plainly: the same random numbers in the same order."""
    rng = np.random.default_rng(seed)
    W, a, b = start.W.copy(), start.a.copy(), start.b.copy()
    n, H = data.shape[0], W.shape[1]
    B = min(batch_size, n)
    C = n_chains if (persistent and n_chains is not None) else B
    chains_h = np.zeros((C, H))
    order = np.arange(n)
    for _ in range(epochs):
        if shuffle:
            rng.shuffle(order)
        for s in range(0, n, B):
            m = min(B, n - s)
            c = C if persistent else m
            v0 = data[order[s:s + m]] if shuffle else data[s:s + m]
            p0 = _sigmoid(v0 @ W + b)
            h = chains_h if persistent else (rng.random((c, H)) < p0).astype(float)
            for step in range(k):
                v = _sigmoid(h @ W.T + a)
                if sample_visible:
                    v = (rng.random(v.shape) < v).astype(float)
                p = _sigmoid(v @ W + b)
                if step < k - 1 or persistent:
                    h = (rng.random(p.shape) < p).astype(float)
            if persistent:
                chains_h = h
            a = a + lr * (v0.mean(axis=0) - v.mean(axis=0))
            W = W + lr * (v0.T @ p0 / m - v.T @ p / c)
            b = b + lr * (p0.mean(axis=0) - p.mean(axis=0))
    return W, a, b


@pytest.mark.parametrize(("k", "persistent", "n_chains", "shuffle", "sample_visible", "batch_size"), [
    (1, False, None, True, True, 4),
    (2, False, None, False, False, 3),
    (1, True, None, True, True, 5),
    (3, True, 6, False, True, 4),
    (2, True, 2, True, False, 10),
])
def test_train_cd_replays_its_updates_draw_for_draw(k, persistent, n_chains, shuffle, sample_visible,
                                                     batch_size):
    data = (np.random.default_rng(3).random((11, 5)) < 0.45).astype(float)
    start = random_rbm(5, 3, scale=0.3, seed=4)
    model, _ = train_cd(data, rbm=start, k=k, persistent=persistent, learning_rate=0.2, epochs=2,
                        batch_size=batch_size, n_chains=n_chains, shuffle=shuffle,
                        sample_visible=sample_visible, random_state=9)
    W, a, b = _replay_train_cd(data, start, k=k, persistent=persistent, lr=0.2, epochs=2,
                               batch_size=batch_size, n_chains=n_chains, shuffle=shuffle,
                               sample_visible=sample_visible, seed=9)
    np.testing.assert_allclose(model.W, W, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.a, a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(model.b, b, rtol=1e-10, atol=1e-12)


def test_train_cd_defaults_and_history():
    data = (np.random.default_rng(3).random((12, 4)) < 0.5).astype(float)
    start = random_rbm(4, 2, scale=0.3, seed=5)
    model, hist = train_cd(data, rbm=start, random_state=1, callback=lambda e, m: e * 10, callback_every=3)
    W, a, b = _replay_train_cd(data, start, k=1, persistent=False, lr=0.1, epochs=10, batch_size=10,
                               n_chains=None, shuffle=True, sample_visible=True, seed=1)
    np.testing.assert_allclose(model.W, W, rtol=1e-10, atol=1e-12)
    assert hist.epochs == [0, 3, 6, 9, 10] and hist.values == [0, 30, 60, 90, 100]
    assert hist.seconds[0] == 0.0 and np.all(np.diff(hist.seconds) >= 0) and hist.seconds[-1] > 0
    assert train_cd(data, rbm=start, epochs=1, random_state=0)[1].epochs == []
    fresh, _ = train_cd(data, 3, epochs=0, random_state=7)
    np.testing.assert_array_equal(fresh.W, init_rbm(4, 3, random_state=7).W)


def test_init_rbm_exact_values_and_defaults():
    rbm = init_rbm(3, 2, random_state=4)
    np.testing.assert_array_equal(rbm.W, 0.01 * np.random.default_rng(4).standard_normal((3, 2)))
    np.testing.assert_array_equal(rbm.a, np.zeros(3)) and np.testing.assert_array_equal(rbm.b, np.zeros(2))
    data = [[1, 0, 1], [1, 0, 0]]
    rbm = init_rbm(3, 2, scale=0.0, data=data, random_state=0)
    p = np.array([3 / 4, 1 / 4, 2 / 4])
    np.testing.assert_allclose(rbm.a, np.log(p / (1 - p)), rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(rbm.W, np.zeros((3, 2)))
    assert rbm.n_visible == 3 and rbm.n_hidden == 2
    with pytest.raises(ValueError, match=r"^data must have 3 columns, got shape \(1, 2\)$"):
        init_rbm(3, 2, data=[[1, 0]])


def test_conditionals_free_energy_and_errors_exact():
    rbm = RBM([[1.0, -2.0], [0.5, 0.0]], [0.3, -0.1], [0.2, 0.4])
    v = np.array([[1.0, 1.0], [0.0, 1.0]])
    np.testing.assert_allclose(hidden_probs(rbm, v), _sigmoid(v @ rbm.W + rbm.b), rtol=1e-15)
    h = np.array([[1.0, 0.0]])
    np.testing.assert_allclose(visible_probs(rbm, h), _sigmoid(h @ rbm.W.T + rbm.a), rtol=1e-15)
    pre = v @ rbm.W + rbm.b
    expected = -(v @ rbm.a) - np.log1p(np.exp(pre)).sum(axis=1)
    np.testing.assert_allclose(free_energy(rbm, v), expected, rtol=1e-14)
    ph = _sigmoid(pre)
    pv = _sigmoid(ph @ rbm.W.T + rbm.a)
    err = reconstruction_error(rbm, v)
    assert err == pytest.approx(((v - pv) ** 2).sum(axis=1).mean(), rel=1e-14) and type(err) is float
    g = free_energy_gradient(rbm, v, weights=[0.25, 0.75])
    w = np.array([0.25, 0.75])
    np.testing.assert_allclose(g.W, -(v.T @ (w[:, None] * ph)), rtol=1e-14)
    np.testing.assert_allclose(g.a, -(w @ v), rtol=1e-14)
    np.testing.assert_allclose(g.b, -(w @ ph), rtol=1e-14)
    g_default = free_energy_gradient(rbm, v)
    np.testing.assert_allclose(g_default.W, free_energy_gradient(rbm, v, weights=[0.5, 0.5]).W, rtol=1e-15)
    with pytest.raises(ValueError, match=r"^h must have 2 columns, got shape \(1, 3\)$"):
        visible_probs(rbm, [[1, 0, 1]])


def test_gibbs_step_and_cd_gradient_replay_the_generator():
    rbm = random_rbm(4, 3, seed=6)
    v = (np.random.default_rng(1).random((5, 4)) < 0.5).astype(float)

    def chain(v, rng, k):
        for _ in range(k):
            h = (rng.random((v.shape[0], 3)) < _sigmoid(v @ rbm.W + rbm.b)).astype(float)
            v = (rng.random((v.shape[0], 4)) < _sigmoid(h @ rbm.W.T + rbm.a)).astype(float)
        return v

    np.testing.assert_array_equal(gibbs_step(rbm, v, random_state=2), chain(v, np.random.default_rng(2), 1))
    three = chain(v, np.random.default_rng(2), 3)
    np.testing.assert_array_equal(gibbs_step(rbm, v, random_state=2, k=3), three)
    grad, neg = cd_gradient(rbm, v, random_state=3)  # k = 1 by default, chains start at the data
    expected_neg = chain(v, np.random.default_rng(3), 1)
    np.testing.assert_array_equal(neg, expected_neg)
    pos_ph, neg_ph = _sigmoid(v @ rbm.W + rbm.b), _sigmoid(neg @ rbm.W + rbm.b)
    np.testing.assert_allclose(grad.W, v.T @ pos_ph / 5 - neg.T @ neg_ph / 5, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad.a, v.mean(axis=0) - neg.mean(axis=0), atol=1e-14)
    np.testing.assert_allclose(grad.b, pos_ph.mean(axis=0) - neg_ph.mean(axis=0), atol=1e-14)
    chains = np.ones((2, 4))
    grad, neg = cd_gradient(rbm, v, k=2, random_state=3, chains=chains)
    np.testing.assert_array_equal(neg, chain(chains, np.random.default_rng(3), 2))
    neg_ph = _sigmoid(neg @ rbm.W + rbm.b)
    np.testing.assert_allclose(grad.b, pos_ph.mean(axis=0) - neg_ph.mean(axis=0), atol=1e-14)


def test_ais_replays_its_chains_and_defaults():
    rbm = random_rbm(3, 2, scale=0.5, seed=8)
    base = np.array([0.1, -0.2, 0.3])
    log_z, se = ais_log_partition(rbm, n_chains=4, n_betas=3, base_visible_bias=base, random_state=5)
    rng = np.random.default_rng(5)

    def log_unnorm(v, beta):
        return ((1 - beta) * (v @ base) + beta * (v @ rbm.a)
                + np.log1p(np.exp(beta * (v @ rbm.W + rbm.b))).sum(axis=1))

    v = (rng.random((4, 3)) < _sigmoid(base)).astype(float)
    log_w = np.zeros(4)
    betas = [0.0, 0.5, 1.0]
    for bp, bt in zip(betas[:-1], betas[1:], strict=True):
        log_w += log_unnorm(v, bt) - log_unnorm(v, bp)
        h = (rng.random((4, 2)) < _sigmoid(bt * (v @ rbm.W + rbm.b))).astype(float)
        v = (rng.random((4, 3)) < _sigmoid((1 - bt) * base + bt * (h @ rbm.W.T + rbm.a))).astype(float)
    log_z0 = 2 * np.log(2.0) + np.log1p(np.exp(base)).sum()
    assert log_z == pytest.approx(log_z0 + logsumexp(log_w) - np.log(4), rel=1e-13)
    w = np.exp(log_w - log_w.max())
    assert se == pytest.approx(w.std(ddof=1) / (2.0 * w.mean()), rel=1e-12)
    assert type(log_z) is float and type(se) is float
    default = ais_log_partition(rbm, random_state=1)
    explicit = ais_log_partition(rbm, n_chains=100, n_betas=1000, base_visible_bias=rbm.a, random_state=1)
    assert default == explicit
    assert ais_log_partition(rbm, n_chains=2, n_betas=2, random_state=0)[0] == pytest.approx(
        log_partition(rbm), abs=5.0)  # the smallest sizes are accepted


def test_log_partition_and_likelihood_exact_types_and_chunks():
    rbm = random_rbm(3, 4, seed=2)  # more hidden than visible units: enumerates the visible layer
    exact = brute_force_log_z(rbm)
    assert log_partition(rbm) == pytest.approx(exact, rel=1e-13)
    assert log_partition(rbm, chunk_size=1) == pytest.approx(exact, rel=1e-13)
    assert type(log_partition(rbm)) is float
    v = np.array([[1.0, 0.0, 1.0]])
    ll = log_likelihood(rbm, v)
    assert ll == pytest.approx(-free_energy(rbm, v)[0] - exact, rel=1e-13) and type(ll) is float
    wide = RBM(np.full((600, 1), 0.01), np.zeros(600), np.zeros(1))  # > 512 units: products in blocks
    expected = logsumexp([0.0, 600 * np.log(1 + np.exp(0.01)) - 600 * np.log(2.0)]) + 600 * np.log(2.0)
    assert log_partition(wide) == pytest.approx(expected, rel=1e-12)


def test_energy_limits_at_their_thresholds():
    at_limit = RBM([[2.0**51, 2.0**51]], [0.0], [0.0, 0.0])  # energies reach exactly 2^52
    log_partition(at_limit)
    over = RBM([[2.0**51, 2.0**51]], [1.0], [0.0, 0.0])
    with pytest.raises(ValueError, match="^rbm's parameters are too large: its energies can reach"):
        log_partition(over)
    zero = RBM(np.zeros((2, 1)), np.zeros(2), np.zeros(1))
    assert log_partition(zero) == pytest.approx(3 * np.log(2.0))
    assert free_energy(RBM([[1e299]], [0.0], [0.0]), [[0.0]])[0] == -np.log(2.0)
    with pytest.raises(ValueError, match="float64 would overflow"):
        free_energy(RBM([[1e300]], [1e300], [0.0]), [[0.0]])


def test_memory_estimates_at_the_limit(monkeypatch):
    rbm = random_rbm(3, 2)
    data = all_binary(3)[:4]
    refused_one_byte_below(monkeypatch, 8 * 3 * 2, lambda: init_rbm(3, 2),
                            r"^n_visible \* n_hidden: 3 x 2 weights would need 48 bytes")
    # log_partition enumerates the 2^2 hidden configurations: rows = 4 of 2 * 3 + 2 + 2 floats.
    refused_one_byte_below(monkeypatch, 8 * 4 * (2 * 3 + 2 + 2), lambda: log_partition(rbm),
                            r"^chunk_size: chunks of 4 configurations would need 320 bytes")
    refused_one_byte_below(monkeypatch, 8 * 4 * (4 * 3 + 3 * 2 + 2),
                            lambda: ais_log_partition(rbm, n_chains=4, n_betas=2, random_state=0),
                            r"^n_chains: 4 chains would need 640 bytes")
    refused_one_byte_below(monkeypatch, 8 * 100,
                            lambda: ais_log_partition(rbm, n_chains=4, n_betas=100, random_state=0),
                            r"^n_betas: 100 temperatures would need 800 bytes")
    # CD: one chain per data row of the batch (C = B = 2), named by batch_size.
    refused_one_byte_below(monkeypatch, 8 * ((2 + 2) * (3 + 2) + 2 * (3 * 2 + 3) + 3 * 2),
                            lambda: train_cd(data, rbm=rbm, batch_size=2, epochs=0),
                            r"^batch_size: 2 chains and batches of 2 rows of 3 \+ 2 units "
                            r"would need 352 bytes")
    # PCD with more chains than rows in a batch: named by n_chains.
    refused_one_byte_below(monkeypatch, 8 * ((3 + 2) * (3 + 2) + 3 * (3 * 2 + 3) + 3 * 2),
                            lambda: train_cd(data, rbm=rbm, batch_size=2, persistent=True, n_chains=3,
                                             epochs=0),
                            r"^n_chains: 3 chains and batches of 2 rows of 3 \+ 2 units "
                            r"would need 464 bytes")


def test_divergence_check_at_exactly_the_energy_bound():
    from dgmbook.rbm import MAX_ENERGY_BOUND, _check_diverged

    _check_diverged(RBM([[MAX_ENERGY_BOUND]], [0.0], [0.0]), 1, 0.1)  # at the bound: not diverged
    with pytest.raises(ValueError, match=r"^training diverged in epoch 3: .* \(got 0.1\)"):
        _check_diverged(RBM([[MAX_ENERGY_BOUND]], [1e290], [0.0]), 3, 0.1)


def test_ais_standard_error_with_log_weights_beyond_the_exp_range():
    """Log weights of several hundred nats (log Z of a large-weight RBM): the standard error is
    computed from weights scaled by the largest, never from exp of the raw log weights."""
    rbm = RBM(np.full((4, 4), 30.0), np.zeros(4), np.zeros(4))
    log_z, se = ais_log_partition(rbm, n_chains=50, n_betas=200, random_state=0)
    assert log_z > 400                       # log Z = 16 * 30 + log(1 + ...) = 480 nats
    assert log_z == pytest.approx(log_partition(rbm), abs=1.0)
    assert np.isfinite(se) and se >= 0


def test_training_history_seconds_are_the_training_time():
    import time

    data = all_binary(4)
    start = time.perf_counter()
    _, history = train_cd(data, 3, epochs=3, random_state=0, callback=lambda e, m: e)
    wall = time.perf_counter() - start
    assert history.seconds[0] == 0.0
    assert all(np.diff(history.seconds) > 0)
    assert history.seconds[-1] <= wall


def test_history_seconds_accumulate_each_epochs_time(monkeypatch):
    """With a clock that advances one second per reading, each epoch adds exactly one second."""
    from types import SimpleNamespace

    from dgmbook import rbm

    ticks = iter(range(1000))
    monkeypatch.setattr(rbm, "time", SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    _, history = train_cd(all_binary(3), 2, epochs=4, random_state=0, callback=lambda e, m: e)
    assert history.seconds == [0.0, 1.0, 2.0, 3.0, 4.0]
