"""Gaussian mixtures: a non-Gaussian distribution whose density, score and noised versions are exact.

Questions 3 and 4 need a data distribution that is *not* Gaussian (so that nothing works by
accident) but whose score :math:`\\nabla_x \\log p(x)` is known in closed form. A mixture

.. math:: p(x) = \\sum_{k=1}^K w_k \\, \\mathcal{N}(x \\mid m_k, S_k)

is that distribution, and it stays a mixture under the forward process of a diffusion model:
if :math:`Y = a X + \\sqrt{w}\\, \\varepsilon` with :math:`\\varepsilon \\sim \\mathcal{N}(0, I)`, then
:math:`Y` is the mixture with means :math:`a m_k` and covariances :math:`a^2 S_k + w I`
(:meth:`GaussianMixture.noised`). Tweedie's formula (Efron, 2011) then gives the denoiser
:math:`\\mathbb{E}[X \\mid Y = y] = (y + w \\nabla_y \\log p_Y(y)) / a` exactly
(:meth:`GaussianMixture.posterior_mean`).

Shapes: a mixture of ``K`` components in ``d`` dimensions; points are arrays of shape ``(n, d)``.
For ``d == 1`` a 1-D array of shape ``(n,)`` is accepted too, and results keep that shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logsumexp

from dgmbook.validation import as_float_array, check_int, check_positive, check_random_state

__all__ = ["GaussianMixture"]


class GaussianMixture:
    """A finite mixture of Gaussians in ``d`` dimensions.

    Parameters
    ----------
    weights : array_like, shape (K,)
        Mixing weights: positive, summing to 1 (within 1e-10; they are then renormalised).
    means : array_like, shape (K, d) or (K,)
        Component means; a 1-D array means ``d = 1``.
    covariances : array_like, shape (K,) or (K, d, d)
        Either one variance per component (isotropic ``S_k = c_k I``) or full covariance matrices,
        symmetric positive definite.

    Examples
    --------
    >>> mix = GaussianMixture([0.3, 0.7], [-2.0, 1.5], [0.25, 0.5])
    >>> x = mix.sample(5, random_state=0)
    >>> mix.score(x).shape
    (5,)
    """

    def __init__(self, weights: Any, means: Any, covariances: Any) -> None:
        w = as_float_array("weights", weights, ndim=1)
        if np.any(w <= 0) or abs(w.sum() - 1.0) > 1e-10:
            raise ValueError("weights must be positive and sum to 1")
        m = as_float_array("means", means, ndim=(1, 2))
        self._one_dimensional = m.ndim == 1
        if m.ndim == 1:
            m = m[:, None]
        k, d = m.shape
        if w.shape[0] != k:
            raise ValueError(f"weights has {w.shape[0]} entries but means has {k} components")
        c = as_float_array("covariances", covariances, ndim=(1, 3))
        if c.ndim == 1:
            if c.shape[0] != k:
                raise ValueError(f"covariances must have shape ({k},) or ({k}, {d}, {d}), got {c.shape}")
            if np.any(c <= 0):
                raise ValueError("covariances must be positive")
            c = c[:, None, None] * np.eye(d)
        elif c.shape != (k, d, d):
            raise ValueError(f"covariances must have shape ({k},) or ({k}, {d}, {d}), got {c.shape}")
        if not np.allclose(c, np.swapaxes(c, 1, 2)):
            raise ValueError("covariances must be symmetric")
        try:
            chol = np.linalg.cholesky(c)
        except np.linalg.LinAlgError:
            raise ValueError("covariances must be positive definite") from None
        self.weights = w / w.sum()
        self.means = m
        self.covariances = c
        self._chol = chol
        self._precisions = np.linalg.inv(c)
        self._log_dets = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)

    # ------------------------------------------------------------------ basic properties
    @property
    def n_components(self) -> int:
        """Number of components ``K``."""
        return self.means.shape[0]

    @property
    def dim(self) -> int:
        """Dimension ``d`` of the space."""
        return self.means.shape[1]

    def mean(self) -> np.ndarray:
        """The mixture's mean, shape (d,)."""
        return self.weights @ self.means

    def covariance(self) -> np.ndarray:
        """The mixture's covariance, shape (d, d) (law of total variance)."""
        mu = self.mean()
        centred = self.means - mu
        within = np.einsum("k,kij->ij", self.weights, self.covariances)
        between = np.einsum("k,ki,kj->ij", self.weights, centred, centred)
        return within + between

    # ------------------------------------------------------------------ input handling
    def _points(self, x: Any, name: str = "x") -> np.ndarray:
        arr = as_float_array(name, x, ndim=(1, 2))
        if arr.ndim == 1:
            if self.dim != 1:
                raise ValueError(f"{name} must have shape (n, {self.dim}), got {arr.shape}")
            arr = arr[:, None]
        if arr.shape[1] != self.dim:
            raise ValueError(f"{name} must have shape (n, {self.dim}), got {arr.shape}")
        return arr

    def _shape_like(self, values: np.ndarray, x: Any) -> np.ndarray:
        """Return per-point vectors (n, d) as (n,) when the caller passed 1-D points."""
        return values[:, 0] if np.ndim(x) == 1 else values

    # ------------------------------------------------------------------ densities and scores
    def _component_log_pdfs(self, x: np.ndarray) -> np.ndarray:
        """log N(x | m_k, S_k) for every point and component, shape (n, K).

        Rows far from every mean (see :meth:`_far_rows`) may hold ``-inf``: the exact values are
        below the float64 range. Use :meth:`_log_joint` where only differences between components
        matter.
        """
        diff = x[:, None, :] - self.means[None, :, :]  # (n, K, d)
        maha = np.einsum("nki,kij,nkj->nk", diff, self._precisions, diff)
        return -0.5 * (maha + self._log_dets + self.dim * np.log(2.0 * np.pi))

    def _far_rows(self, x: np.ndarray) -> np.ndarray:
        """Rows whose squared Mahalanobis distances lose the differences between components.

        For ``|x|`` much larger than the means, ``(x - m_k)ᵀ P_k (x - m_k)`` is of order ``|x|²``
        while what tells the components apart is of order ``|x|``: beyond about 1e8 times the
        means' scale the direct form rounds it away, and beyond about 1e154 it overflows (NaN
        responsibilities, the bug this guards against).
        """
        reach = 1e8 * (1.0 + np.abs(self.means).max())
        return np.abs(x).max(axis=1) > reach

    def _log_joint(self, x: np.ndarray) -> np.ndarray:
        """log w_k + log N(x | m_k, S_k), up to a constant per row, finite where it matters: (n, K).

        Near the means this is the exact log joint. For far rows (:meth:`_far_rows`) it is
        computed in the expanded, scaled form with ``x = t u`` and ``t`` a power of two
        (exact scaling): ``-½ t² (a_k - min_j a_j) + t b_k - ½ c_k + log w_k - ½ log|S_k|``,
        with ``a_k = uᵀ P_k u``, ``b_k = uᵀ P_k m_k`` and ``c_k = m_kᵀ P_k m_k``. It differs from
        the log joint by ``-½ t² min_j a_j`` per row, which cancels in responsibilities and in the
        score. Components whose ``a_k`` exceeds the smallest get ``-inf`` (weight exactly 0).
        """
        joint = np.log(self.weights) + self._component_log_pdfs(x)
        far = self._far_rows(x)
        if np.any(far):
            pts = x[far]
            _, exponent = np.frexp(np.abs(pts).max(axis=1))
            t = np.ldexp(1.0, exponent)  # (f,), a power of two >= max |x_i|
            u = pts / t[:, None]
            a = np.einsum("fi,kij,fj->fk", u, self._precisions, u)
            pm = np.einsum("kij,kj->ki", self._precisions, self.means)
            b = u @ pm.T
            c = np.einsum("ki,ki->k", self.means, pm)
            excess = a - a.min(axis=1, keepdims=True)  # exactly 0 for components sharing P_k
            with np.errstate(over="ignore", invalid="ignore"):
                quad = np.where(excess > 0, -0.5 * (excess * t[:, None]) * t[:, None], 0.0)
            joint[far] = quad + t[:, None] * b - 0.5 * c + np.log(self.weights) - 0.5 * self._log_dets
        return joint

    def _log_responsibilities(self, pts: np.ndarray) -> np.ndarray:
        joint = self._log_joint(pts)
        return joint - logsumexp(joint, axis=1, keepdims=True)

    def responsibilities(self, x: Any) -> np.ndarray:
        """Posterior component probabilities r_k(x) = P(component k | x), shape (n, K).

        Computed in log space; exact (0 or 1 where the odds exceed the float range) also for points
        astronomically far from the means.
        """
        pts = self._points(x)
        return np.exp(self._log_responsibilities(pts))

    def log_pdf(self, x: Any) -> np.ndarray:
        """Log density log p(x), shape (n,).

        Raises
        ------
        ValueError
            If log p(x) is below the float64 range (``x`` about 1e154 times the spread of the
            components away from them): the value would be ``-inf``.
        """
        pts = self._points(x)
        value = logsumexp(np.log(self.weights) + self._component_log_pdfs(pts), axis=1)
        if not np.all(np.isfinite(value)):
            raise ValueError("x is too far from the mixture: log p(x) is below the float64 range "
                             "(pdf(x) is 0 there)")
        return value

    def pdf(self, x: Any) -> np.ndarray:
        """Density p(x), shape (n,); exactly 0 where it underflows."""
        pts = self._points(x)
        return np.exp(logsumexp(np.log(self.weights) + self._component_log_pdfs(pts), axis=1))

    def _pulls(self, pts: np.ndarray) -> np.ndarray:
        """g_k(x) = S_k⁻¹ (m_k − x), shape (n, K, d)."""
        return np.einsum("kij,nkj->nki", self._precisions, self.means[None] - pts[:, None, :])

    def _score(self, pts: np.ndarray, resp: np.ndarray, pulls: np.ndarray) -> np.ndarray:
        """Σ_k r_k g_k, shape (n, d); components of weight exactly 0 contribute exactly 0."""
        return np.einsum("nk,nki->ni", resp, np.where(resp[:, :, None] > 0, pulls, 0.0))

    def score(self, x: Any) -> np.ndarray:
        """The score ∇_x log p(x) = Σ_k r_k(x) S_k⁻¹ (m_k − x), shape (n, d) (or (n,) for 1-D input).

        Raises
        ------
        ValueError
            If the score itself exceeds the float64 range (``|x|`` near 1e308).
        """
        pts = self._points(x)
        with np.errstate(over="ignore", invalid="ignore"):
            pulls = self._pulls(pts)
            score = self._score(pts, self.responsibilities(pts), pulls)
        if not np.all(np.isfinite(score)):
            raise ValueError("x is too large: the score at x exceeds the float64 range")
        return self._shape_like(score, x)

    def laplacian_log_pdf(self, x: Any) -> np.ndarray:
        """The trace of the Hessian of log p, tr ∇²_x log p(x), shape (n,).

        With g_k = S_k⁻¹ (m_k − x) and s = Σ_k r_k g_k, the Hessian is
        Σ_k r_k (g_k g_kᵀ − S_k⁻¹) − s sᵀ, so its trace is Σ_k r_k (‖g_k‖² − tr S_k⁻¹) − ‖s‖².
        Far from the means (where ‖g_k‖² and ‖s‖² would cancel or overflow) the same trace is
        computed as Σ_k r_k ‖g_k − s‖² − Σ_k r_k tr S_k⁻¹, in log space.

        Raises
        ------
        ValueError
            If the result exceeds the float64 range.
        """
        pts = self._points(x)
        trace_prec = np.trace(self._precisions, axis1=1, axis2=2)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            log_resp = self._log_responsibilities(pts)
            resp = np.exp(log_resp)
            pulls = self._pulls(pts)
            score = self._score(pts, resp, pulls)
            value = np.einsum("nk,nk->n", resp, (pulls**2).sum(axis=2) - trace_prec) - (score**2).sum(axis=1)
            far = self._far_rows(pts) | ~np.isfinite(value)
            if np.any(far):
                spread = np.linalg.norm(pulls[far] - score[far][:, None, :], axis=2)  # (f, K)
                terms = np.where(resp[far] > 0, np.exp(log_resp[far] + 2.0 * np.log(spread)), 0.0)
                value[far] = terms.sum(axis=1) - resp[far] @ trace_prec
        if not np.all(np.isfinite(value)):
            raise ValueError("x is too large: the Laplacian of log p at x exceeds the float64 range")
        return value

    # ------------------------------------------------------------------ sampling and noising
    def sample(self, n: int, random_state: Any = None) -> np.ndarray:
        """Draw ``n`` points, shape (n, d) (or (n,) for a mixture built with 1-D means)."""
        n = check_int("n", n, minimum=1)
        rng = check_random_state(random_state)
        labels = rng.choice(self.n_components, size=n, p=self.weights)
        z = rng.standard_normal((n, self.dim))
        x = self.means[labels] + np.einsum("nij,nj->ni", self._chol[labels], z)
        return x[:, 0] if self._one_dimensional else x

    def noised(self, scale: float, noise_var: float) -> GaussianMixture:
        """The distribution of Y = scale · X + √noise_var · ε, ε ~ N(0, I), as a new mixture.

        Parameters
        ----------
        scale : float
            The factor ``a > 0`` (in diffusion models ``a = √ᾱ_t``).
        noise_var : float
            The added variance ``v >= 0`` (in diffusion models ``v = 1 − ᾱ_t``).
        """
        a = check_positive("scale", scale)
        v = check_positive("noise_var", noise_var, allow_zero=True)
        means = a * self.means
        covs = a**2 * self.covariances + v * np.eye(self.dim)
        return GaussianMixture(self.weights, means[:, 0] if self._one_dimensional else means, covs)

    def posterior_mean(self, y: Any, scale: float, noise_var: float) -> np.ndarray:
        """The denoiser E[X | Y = y] for Y = scale · X + √noise_var · ε, by Tweedie's formula.

        E[X | Y = y] = (y + noise_var · ∇_y log p_Y(y)) / scale, exact for any prior p_X; here
        p_Y is :meth:`noised`. Shape (n, d) (or (n,) for 1-D input).
        """
        noised = self.noised(scale, noise_var)
        pts = noised._points(y, "y")
        try:
            score = noised.score(pts)
        except ValueError:
            raise ValueError("y is too large: the score of the noised mixture at y exceeds the "
                             "float64 range") from None
        with np.errstate(over="ignore"):  # an overflow is refused just below, with its message
            denoised = (pts + noise_var * score) / scale
        if not np.all(np.isfinite(denoised)):
            raise ValueError("y is too large: E[X | Y = y] exceeds the float64 range")
        return self._shape_like(denoised, y)

    def __repr__(self) -> str:
        return f"GaussianMixture(n_components={self.n_components}, dim={self.dim})"
