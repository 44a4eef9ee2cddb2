"""Gaussian mixtures: a non-Gaussian distribution whose density, score and noised versions are exact.

Questions 3 and 4 need a data distribution that is *not* Gaussian (so that nothing works by
accident) but whose score :math:`\\nabla_x \\log p(x)` is known in closed form. A mixture

.. math:: p(x) = \\sum_{k=1}^K w_k \\, \\mathcal{N}(x \\mid m_k, S_k)

is that distribution, and it stays a mixture under the forward process of a diffusion model:
if :math:`Y = a X + \\sqrt{v}\\, \\varepsilon` with :math:`\\varepsilon \\sim \\mathcal{N}(0, I)`, then
:math:`Y` is the mixture with means :math:`a m_k` and covariances :math:`a^2 S_k + v I`
(:meth:`GaussianMixture.noised`). Tweedie's formula (Efron, 2011) then gives the denoiser
:math:`\\mathbb{E}[X \\mid Y = y] = (y + v \\nabla_y \\log p_Y(y)) / a` exactly
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
        """log N(x | m_k, S_k) for every point and component, shape (n, K)."""
        diff = x[:, None, :] - self.means[None, :, :]  # (n, K, d)
        maha = np.einsum("nki,kij,nkj->nk", diff, self._precisions, diff)
        return -0.5 * (maha + self._log_dets + self.dim * np.log(2.0 * np.pi))

    def responsibilities(self, x: Any) -> np.ndarray:
        """Posterior component probabilities r_k(x) = P(component k | x), shape (n, K)."""
        pts = self._points(x)
        joint = np.log(self.weights) + self._component_log_pdfs(pts)
        return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))

    def log_pdf(self, x: Any) -> np.ndarray:
        """Log density log p(x), shape (n,)."""
        pts = self._points(x)
        return logsumexp(np.log(self.weights) + self._component_log_pdfs(pts), axis=1)

    def pdf(self, x: Any) -> np.ndarray:
        """Density p(x), shape (n,)."""
        return np.exp(self.log_pdf(x))

    def score(self, x: Any) -> np.ndarray:
        """The score ∇_x log p(x) = Σ_k r_k(x) S_k⁻¹ (m_k − x), shape (n, d) (or (n,) for 1-D input)."""
        pts = self._points(x)
        resp = self.responsibilities(pts)
        pulls = np.einsum("kij,nkj->nki", self._precisions, self.means[None] - pts[:, None, :])
        return self._shape_like(np.einsum("nk,nki->ni", resp, pulls), x)

    def laplacian_log_pdf(self, x: Any) -> np.ndarray:
        """The trace of the Hessian of log p, tr ∇²_x log p(x), shape (n,).

        With g_k = S_k⁻¹ (m_k − x) and s = Σ_k r_k g_k, the Hessian is
        Σ_k r_k (g_k g_kᵀ − S_k⁻¹) − s sᵀ, so its trace is Σ_k r_k (‖g_k‖² − tr S_k⁻¹) − ‖s‖².
        """
        pts = self._points(x)
        resp = self.responsibilities(pts)
        pulls = np.einsum("kij,nkj->nki", self._precisions, self.means[None] - pts[:, None, :])
        score = np.einsum("nk,nki->ni", resp, pulls)
        trace_prec = np.trace(self._precisions, axis1=1, axis2=2)
        return np.einsum("nk,nk->n", resp, (pulls**2).sum(axis=2) - trace_prec) - (score**2).sum(axis=1)

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
        denoised = (pts + noise_var * noised.score(pts)) / scale
        return self._shape_like(denoised, y)

    def __repr__(self) -> str:
        return f"GaussianMixture(n_components={self.n_components}, dim={self.dim})"
