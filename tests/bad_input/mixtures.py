"""Bad-input cases for dgmbook.mixtures (see ``tests/bad_input/__init__.py``)."""

from __future__ import annotations

import numpy as np

from bad_input import bad
from dgmbook.mixtures import GaussianMixture

MIX = GaussianMixture([0.3, 0.7], [-2.0, 1.5], [0.25, 0.5])
MIX_2D = GaussianMixture([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [1.0, 2.0])

CASES = {
    "GaussianMixture": [
        bad(lambda: GaussianMixture([0.5, 0.6], [0.0, 1.0], [1.0, 1.0]), ValueError, "weights", "sum to 1"),
        bad(lambda: GaussianMixture([1.2, -0.2], [0.0, 1.0], [1.0, 1.0]), ValueError, "weights", "positive"),
        bad(lambda: GaussianMixture([1.0], [0.0, 1.0], [1.0]), ValueError, "weights", "means"),
        bad(lambda: GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0, -1.0]), ValueError, "covariances"),
        bad(lambda: GaussianMixture([1.0], [[0.0, 0.0]], [[[1.0, 2.0], [2.0, 1.0]]]), ValueError,
            "covariances", "positive definite"),
        bad(lambda: GaussianMixture([1.0], [[0.0, 0.0]], [[[1.0, 0.5], [0.0, 1.0]]]), ValueError,
            "covariances", "symmetric"),
        bad(lambda: GaussianMixture([1.0], [[np.nan, 0.0]], [1.0]), ValueError, "means", "finite"),
        bad(lambda: GaussianMixture([1.0], ["a"], [1.0]), TypeError, "means"),
        bad(lambda: GaussianMixture([1.0], [0.0], [[1.0, 1.0]]), ValueError, "covariances"),
        bad(lambda: GaussianMixture([[0.5, 0.5]], [0.0, 1.0], [1.0, 1.0]), ValueError, "weights", "ndim"),
        bad(lambda: GaussianMixture([0.0, 1.0], [0.0, 1.0], [1.0, 1.0]), ValueError, "weights", "positive"),
        bad(lambda: GaussianMixture([1.0], [[[0.0]]], [1.0]), ValueError, "means", "ndim"),
        bad(lambda: GaussianMixture([1.0], [0.0], [[1.0]]), ValueError, "covariances", "ndim"),
        bad(lambda: GaussianMixture([0.5, 0.5], [0.0, 1.0], [1.0]), ValueError, "covariances", "(2,)",
            "(2, 1, 1)", "got (1,)"),
        bad(lambda: GaussianMixture([1.0], [0.0], [np.eye(2)]), ValueError, "covariances", "(1, 1, 1)",
            "got (1, 2, 2)"),
    ],
    "GaussianMixture.responsibilities": [
        bad(lambda: MIX_2D.responsibilities(np.zeros((3, 3))), ValueError, "x", "(n, 2)"),
        bad(lambda: MIX.responsibilities([np.inf]), ValueError, "x", "finite"),
        bad(lambda: MIX.responsibilities("1.0"), TypeError, "x"),
    ],
    "GaussianMixture.log_pdf": [
        bad(lambda: MIX_2D.log_pdf(np.zeros(3)), ValueError, "x", "(n, 2)"),
        bad(lambda: MIX.log_pdf([1e160]), ValueError, "x", "float64 range", "x is too far",
            "(pdf(x) is 0 there)"),
        bad(lambda: MIX.log_pdf([[[0.0]]]), ValueError, "x", "ndim"),
    ],
    "GaussianMixture.pdf": [
        bad(lambda: MIX.pdf([np.nan]), ValueError, "x", "finite"),
        bad(lambda: MIX.pdf([]), ValueError, "x", "empty"),
    ],
    "GaussianMixture.score": [
        bad(lambda: MIX_2D.score(np.zeros((3, 3))), ValueError, "x", "(n, 2)"),
        bad(lambda: MIX.score([True, False]), TypeError, "x", "booleans"),
        bad(lambda: GaussianMixture([1.0], [0.0], [1e-10]).score([1e300]), ValueError, "x", "float64 range"),
        # Both components pull with about 1e310 in opposite directions, weighted 0.3 and 0.7.
        bad(lambda: GaussianMixture([0.3, 0.7], [-1e300, 1e300], [1e-10, 1e-10]).score([0.0]), ValueError,
            "x", "the score at x"),
    ],
    "GaussianMixture.laplacian_log_pdf": [
        bad(lambda: MIX_2D.laplacian_log_pdf([1.0, 2.0]), ValueError, "x", "(n, 2)"),
        bad(lambda: MIX.laplacian_log_pdf([-np.inf]), ValueError, "x", "finite"),
        # Halfway between means 2e200 apart: the Laplacian is about 1e400.
        bad(lambda: GaussianMixture([0.5, 0.5], [-1e200, 1e200], [1.0, 1.0]).laplacian_log_pdf([0.0]),
            ValueError, "x is too large", "the Laplacian of log p", "float64 range"),
    ],
    "GaussianMixture.sample": [
        bad(lambda: MIX.sample(0), ValueError, "n", ">= 1"),
        bad(lambda: MIX.sample(2.5), TypeError, "n", "integer"),
        bad(lambda: MIX.sample(3, random_state=-1), ValueError, "random_state", "non-negative"),
        bad(lambda: MIX.sample(3, random_state="seed"), TypeError, "random_state"),
    ],
    "GaussianMixture.noised": [
        bad(lambda: MIX.noised(0.0, 1.0), ValueError, "scale", "> 0"),
        bad(lambda: MIX.noised(1.0, -0.1), ValueError, "noise_var", ">= 0"),
        bad(lambda: MIX.noised(True, 1.0), TypeError, "scale"),
        bad(lambda: MIX.noised(1.0, np.nan), ValueError, "noise_var", "finite"),
    ],
    "GaussianMixture.posterior_mean": [
        bad(lambda: MIX_2D.posterior_mean(np.zeros(4), 0.8, 0.36), ValueError, "y", "(n, 2)"),
        bad(lambda: MIX.posterior_mean([0.0], -0.8, 0.36), ValueError, "scale", "> 0"),
        bad(lambda: MIX.posterior_mean([0.0], 0.8, "0.36"), TypeError, "noise_var"),
        bad(lambda: GaussianMixture([1.0], [0.0], [1e-300]).posterior_mean([1e300], 1.0, 0.0), ValueError,
            "y", "float64 range"),
        # The score of the noised mixture (a^2 S = 1) is finite, E[X | Y = y] = y / a = 1e350 is not.
        bad(lambda: GaussianMixture([1.0], [0.0], [1e200]).posterior_mean([1e250], 1e-100, 0.0), ValueError,
            "y is too large", "E[X | Y = y]", "float64 range"),
    ],
}

EXEMPT = {
    "GaussianMixture.mean": "takes no arguments; the constructor validated the parameters",
    "GaussianMixture.covariance": "takes no arguments; the constructor validated the parameters",
}

VALID = [
    # Far from the means the score, the responsibilities and the denoiser stay finite (were NaN).
    lambda: np.testing.assert_allclose(MIX.score([1e160]), [-2e160], rtol=1e-12),
    lambda: np.testing.assert_array_equal(MIX.responsibilities([1e160]), [[0.0, 1.0]]),
    lambda: np.testing.assert_array_equal(np.isfinite(MIX.posterior_mean([1e160], 0.8, 0.36)), [True]),
    lambda: np.testing.assert_array_equal(MIX.pdf([1e160]), [0.0]),
    # Near the top of the float64 range (2^1022 < 5e307 < 2^1023) the score and the Laplacian are exact.
    lambda: np.testing.assert_allclose(MIX.score([5e307]), [-1e308], rtol=1e-12),
    lambda: np.testing.assert_array_equal(MIX.laplacian_log_pdf([5e307]), [-2.0]),
    # Lists, integer entries, numpy integer scalars, an (n, 1) array for a 1-D mixture.
    lambda: GaussianMixture([0.5, 0.5], [[0, 0], [1, 1]], [1, 2]).score([[0, 1]]),
    lambda: MIX.sample(np.int64(3), random_state=np.int32(0)),
    lambda: MIX.score(np.zeros((4, 1))),
    lambda: MIX.noised(np.float32(0.5), 0),
    lambda: MIX.posterior_mean(np.array([1, 2]), 1, 1),
    lambda: MIX.sample(2, random_state=np.random.default_rng(0)),
]
