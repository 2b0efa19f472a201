"""Synthetic data with known generative factors.

* :func:`linear_gaussian` -- the linear Gaussian model of PPCA / the linear VAE (Eq. 2):
  ``x = W z + mu + sigma eps`` with ``z ~ N(0, I_d)``, ``eps ~ N(0, I_m)``.
* :func:`synth_lin` and :func:`synth_nonlin` -- "Synth. Lin." and "Synth. Non-Lin." of
  Rolinek et al. (2019), Suppl. 8.5: a uniform unit square ``V = [0, 1]^2`` embedded in
  R^3 by a fixed linear map, or in R^6 by a randomly initialised one-hidden-layer tanh MLP;
  50,000 samples each.
* :func:`rings` -- the 2-D "rings" data of Fig. 6 (after Rezende & Viola, 2018): small
  circles arranged around a larger circle.

Every generator is a pure function of its arguments and an explicit ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "SYNTH_N",
    "Synthetic",
    "linear_gaussian",
    "random_loading",
    "synth_lin_map",
    "synth_lin",
    "SynthNonLinMLP",
    "synth_nonlin_mlp",
    "synth_nonlin",
    "rings",
]

SYNTH_N = 50_000  # Rolinek et al.: "Both datasets consist of 50000 samples."


class Synthetic(NamedTuple):
    """A synthetic data set: observations and the factors that generated them.

    Attributes
    ----------
    x : ndarray, shape (n, m)
        Observations.
    factors : ndarray, shape (n, k)
        Generative factors (latent ``z``, square coordinates ``v``, ring index and angle).

    Examples
    --------
    >>> from seamlib.data import synthetic
    >>> data = synthetic.rings(5, seed=0)
    >>> data.x.shape, data.factors.shape
    ((5, 2), (5, 2))
    """

    x: np.ndarray
    factors: np.ndarray


def _check_n(n: int) -> None:
    if int(n) != n or n < 1:
        raise ValueError(f"the number of samples n must be a positive integer, got {n!r}")


# --------------------------------------------------------------------------------------
# Linear Gaussian
# --------------------------------------------------------------------------------------
def random_loading(
    m: int, d: int, singular_values: ArrayLike | None = None, *, seed: int
) -> np.ndarray:
    """A loading matrix ``W = U diag(s) V^T`` with Haar-random orthonormal ``U``, ``V``.

    Parameters
    ----------
    m, d : int
        Data and latent dimension, ``m >= d >= 1``.
    singular_values : array_like, shape (d,), optional
        Default ``d, d - 1, ..., 1`` (distinct, so PPCA's rotation is identifiable).
    seed : int
        Seed of the random orthonormal factors.

    Returns
    -------
    ndarray, shape (m, d)

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.data import synthetic
    >>> W = synthetic.random_loading(5, 2, seed=0)
    >>> np.linalg.svd(W, compute_uv=False).round(6).tolist()
    [2.0, 1.0]
    """
    if not m >= d >= 1:
        raise ValueError(f"need m >= d >= 1, got m={m}, d={d}")
    s = (
        np.arange(d, 0, -1, dtype=np.float64)
        if singular_values is None
        else np.asarray(singular_values, dtype=np.float64)
    )
    if s.shape != (d,):
        raise ValueError(f"singular_values must have shape ({d},), got {s.shape}")
    rng = np.random.default_rng(seed)

    def haar(rows: int, cols: int) -> np.ndarray:
        q, r = np.linalg.qr(rng.standard_normal((rows, cols)))
        return q * np.sign(np.diag(r))

    return (haar(m, d) * s) @ haar(d, d).T


def linear_gaussian(
    n: int, loading: ArrayLike, *, noise_std: float, seed: int, mean: ArrayLike | None = None
) -> Synthetic:
    """Samples of the linear Gaussian model (Eq. 2): ``x = W z + mu + sigma eps``.

    Parameters
    ----------
    n : int
        Number of samples.
    loading : array_like, shape (m, d)
        ``W``.
    noise_std : float
        ``sigma >= 0``.
    seed : int
        Seed of ``z`` and ``eps``.
    mean : array_like, shape (m,), optional
        ``mu``; default zero.

    Returns
    -------
    Synthetic
        ``x`` of shape (n, m) and ``factors = z`` of shape (n, d); ``x ~ N(mu, W W^T +
        sigma^2 I)``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.data import synthetic
    >>> data = synthetic.linear_gaussian(10, np.ones((3, 1)), noise_std=0.1, seed=0)
    >>> data.x.shape, data.factors.shape
    ((10, 3), (10, 1))
    """
    _check_n(n)
    w = np.asarray(loading, dtype=np.float64)
    if w.ndim != 2:
        raise ValueError(f"loading must be a matrix (m, d), got shape {w.shape}")
    if not (np.isfinite(noise_std) and noise_std >= 0):
        raise ValueError(f"noise_std must be finite and >= 0, got {noise_std}")
    m, d = w.shape
    mu = np.zeros(m) if mean is None else np.asarray(mean, dtype=np.float64)
    if mu.shape != (m,):
        raise ValueError(f"mean must have shape ({m},), got {mu.shape}")
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, d))
    x = z @ w.T + mu + noise_std * rng.standard_normal((n, m))
    return Synthetic(x, z)


# --------------------------------------------------------------------------------------
# Rolinek et al. (2019), Suppl. 8.5
# --------------------------------------------------------------------------------------
def _axis_rotation(axis: ArrayLike, angle: float) -> np.ndarray:
    """Rotation matrix (3, 3) by ``angle`` about ``axis`` (Rodrigues' formula)."""
    k = np.asarray(axis, dtype=np.float64)
    k = k / np.linalg.norm(k)
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(angle) * kx + (1.0 - np.cos(angle)) * (kx @ kx)


def synth_lin_map(ratio: float = 2.0) -> np.ndarray:
    """The linear embedding ``f_lin`` of "Synth. Lin." as a (3, 2) matrix.

    Rolinek et al., Suppl. 8.5: (1) stretch along one axis by a fixed factor of 2 (here
    ``ratio``; Table S4 varies it, 1.0 is the degenerate case of Suppl. 9.2), (2) trivial
    embedding into R^3, (3) rotation by 45 degrees about the line containing
    ``(1, -1, 1)``. The stretched axis is the first one.

    Returns
    -------
    ndarray, shape (3, 2)
        ``R_45 @ [[1, 0], [0, 1], [0, 0]] @ diag(ratio, 1)``; columns orthogonal with norms
        ``ratio`` and 1.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.data import synthetic
    >>> np.linalg.norm(synthetic.synth_lin_map(), axis=0).round(6).tolist()
    [2.0, 1.0]
    """
    if not (np.isfinite(ratio) and ratio > 0):
        raise ValueError(f"ratio must be positive, got {ratio}")
    embed = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    return _axis_rotation((1.0, -1.0, 1.0), np.pi / 4) @ embed @ np.diag([ratio, 1.0])


def synth_lin(n: int = SYNTH_N, *, seed: int, ratio: float = 2.0) -> Synthetic:
    """Rolinek et al.'s "Synth. Lin.": ``x = f_lin(v)``, ``v ~ U([0, 1]^2)``.

    Returns
    -------
    Synthetic
        ``x`` (n, 3) (no noise, not centred) and ``factors = v`` (n, 2).

    Examples
    --------
    >>> from seamlib.data import synthetic
    >>> synthetic.synth_lin(100, seed=0).x.shape
    (100, 3)
    """
    _check_n(n)
    v = np.random.default_rng(seed).uniform(0.0, 1.0, size=(n, 2))
    return Synthetic(v @ synth_lin_map(ratio).T, v)


@dataclass(frozen=True)
class SynthNonLinMLP:
    """The random MLP ``f_non-lin: R^2 -> R^6`` of "Synth. Non-Lin.".

    ``f(v) = W2 tanh(W1 v + b1) + b2`` with one hidden layer of width 10 (tanh in the hidden
    layer only, as in Rolinek et al.'s Table S3 convention).

    Attributes
    ----------
    w1 : ndarray, shape (10, 2)
    b1 : ndarray, shape (10,)
    w2 : ndarray, shape (6, 10)
    b2 : ndarray, shape (6,)

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.data import synthetic
    >>> mlp = synthetic.synth_nonlin_mlp(seed=0)
    >>> mlp(np.zeros((4, 2))).shape
    (4, 6)
    """

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    def __call__(self, v: ArrayLike) -> np.ndarray:
        """Map ``v`` (n, 2) to ``x`` (n, 6)."""
        h = np.tanh(np.asarray(v, dtype=np.float64) @ self.w1.T + self.b1)
        return h @ self.w2.T + self.b2


def synth_nonlin_mlp(*, seed: int, hidden: int = 10, out: int = 6) -> SynthNonLinMLP:
    """A randomly initialised MLP as in Rolinek et al., Suppl. 8.5.

    The initialisation is PyTorch's default for ``nn.Linear`` (weights and biases
    ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``), the "random initialization" of a standard
    framework; the paper does not state the distribution.

    Examples
    --------
    >>> from seamlib.data import synthetic
    >>> mlp = synthetic.synth_nonlin_mlp(seed=0)
    >>> mlp.w1.shape, mlp.w2.shape
    ((10, 2), (6, 10))
    """
    rng = np.random.default_rng(seed)

    def layer(fan_in: int, fan_out: int) -> tuple[np.ndarray, np.ndarray]:
        bound = 1.0 / np.sqrt(fan_in)
        w = rng.uniform(-bound, bound, size=(fan_out, fan_in))
        return w, rng.uniform(-bound, bound, size=fan_out)

    w1, b1 = layer(2, hidden)
    w2, b2 = layer(hidden, out)
    return SynthNonLinMLP(w1, b1, w2, b2)


def synth_nonlin(n: int = SYNTH_N, *, seed: int, mlp_seed: int | None = None) -> Synthetic:
    """Rolinek et al.'s "Synth. Non-Lin.": ``x = f_non-lin(v)``, ``v ~ U([0, 1]^2)``.

    Parameters
    ----------
    n : int
        Number of samples (50,000 in the paper).
    seed : int
        Seed of the samples ``v``.
    mlp_seed : int, optional
        Seed of the MLP (:func:`synth_nonlin_mlp`); default ``seed``.

    Returns
    -------
    Synthetic
        ``x`` (n, 6) and ``factors = v`` (n, 2).

    Examples
    --------
    >>> from seamlib.data import synthetic
    >>> synthetic.synth_nonlin(100, seed=0).x.shape
    (100, 6)
    """
    _check_n(n)
    mlp = synth_nonlin_mlp(seed=seed if mlp_seed is None else mlp_seed)
    v = np.random.default_rng([seed, 1]).uniform(0.0, 1.0, size=(n, 2))
    return Synthetic(mlp(v), v)


# --------------------------------------------------------------------------------------
# Fig. 6 rings
# --------------------------------------------------------------------------------------
def rings(
    n: int,
    *,
    seed: int,
    n_rings: int = 8,
    radius: float = 1.0,
    ring_radius: float = 0.2,
    noise_std: float = 0.01,
) -> Synthetic:
    """The 2-D data of Fig. 6: small rings arranged around a larger circle.

    Ring ``k`` is centred at ``radius (cos 2 pi k / K, sin 2 pi k / K)``; a point picks a
    ring uniformly, an angle ``a ~ U[0, 2 pi)`` on it, and adds isotropic Gaussian noise:
    ``x = c_k + ring_radius (cos a, sin a) + noise_std eps``. As beta grows a VAE first
    reconstructs points to their ring's centre, then to the global centroid (Fig. 6
    caption, after Rezende & Viola, 2018; the exact sizes are not given there).

    Returns
    -------
    Synthetic
        ``x`` (n, 2) and ``factors`` (n, 2) = (ring index, angle on the ring).

    Examples
    --------
    >>> from seamlib.data import synthetic
    >>> data = synthetic.rings(200, seed=0, n_rings=4)
    >>> data.x.shape, sorted(set(data.factors[:, 0].tolist()))
    ((200, 2), [0.0, 1.0, 2.0, 3.0])
    """
    _check_n(n)
    if n_rings < 1 or not (0 < ring_radius and radius >= 0 and noise_std >= 0):
        raise ValueError(
            "need n_rings >= 1, ring_radius > 0, radius >= 0 and noise_std >= 0, got "
            f"{n_rings}, {ring_radius}, {radius}, {noise_std}"
        )
    rng = np.random.default_rng(seed)
    k = rng.integers(0, n_rings, size=n)
    a = rng.uniform(0.0, 2.0 * np.pi, size=n)
    centre = 2.0 * np.pi * k / n_rings
    x = radius * np.stack([np.cos(centre), np.sin(centre)], axis=1)
    x += ring_radius * np.stack([np.cos(a), np.sin(a)], axis=1)
    x += noise_std * rng.standard_normal((n, 2))
    return Synthetic(x, np.stack([k.astype(np.float64), a], axis=1))
