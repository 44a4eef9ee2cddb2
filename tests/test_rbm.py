"""Tests of dgmbook.rbm: free energy and its gradient, conditionals, CD/PCD, exact log Z, AIS."""

import itertools
import warnings

import numpy as np
import pytest
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
