"""Worked-example codes: a simulated encoder on dSprites factors with a known answer."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from seamlib.data.dsprites_render import VARYING_FACTORS, VARYING_SIZES
from seamlib.metrics._validate import Array

__all__ = [
    "DSPRITES_FACTORS",
    "DSPRITES_CARDS",
    "toy_dsprites_codes",
]


# --------------------------------------------------------------------------------------
# Worked-example codes (a simulated encoder with a known answer)
# --------------------------------------------------------------------------------------
#: The five varying dSprites factors and their numbers of values (colour is constant).
DSPRITES_FACTORS: tuple[str, ...] = VARYING_FACTORS
DSPRITES_CARDS: tuple[int, ...] = VARYING_SIZES


def toy_dsprites_codes(
    n: int,
    *,
    rng: np.random.Generator,
    angle: float = 0.0,
    d: int = 10,
    noise: float = 0.05,
    sigma: float = 0.1,
) -> tuple[NDArray[np.int64], Array, Array]:
    """Codes of a simulated VAE encoder on dSprites factors, for worked examples.

    Factor indices are drawn uniformly from the dSprites grid (:data:`DSPRITES_CARDS`).
    With ``f_k`` the factor index scaled to [0, 1], the posterior means are: latents 0, 1 =
    ``1.5 (2 posX - 1, 2 posY - 1)`` rotated by ``angle`` (radians; 0 is disentangled,
    ``pi/4`` mixes the two positions evenly); latent 2 = ``1.5 (2 scale - 1)``; latents 3,
    4 = ``cos, sin`` of the orientation angle (a circular factor needs two latents); latent
    5 = ``0.8 (shape - 1) + 0.3 (2 scale - 1)`` (shape weakly entangled with scale); the
    remaining ``d - 6`` latents are collapsed (mean ~ 0, posterior std 1). Active means get
    Gaussian jitter of std ``noise``; their posterior std is ``sigma``.

    Parameters
    ----------
    n : int
        Number of codes.
    rng : numpy.random.Generator
    angle : float
        Rotation of the (posX, posY) latent pair, radians.
    d : int
        Latent dimension, >= 6.
    noise, sigma : float
        Jitter of the active means; posterior std of the active latents.

    Returns
    -------
    factors : ndarray of int, shape (n, 5)
        Factor indices (shape, scale, orientation, posX, posY).
    mu, std : ndarray, shape (n, d)
        Posterior means and standard deviations.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> factors, mu, std = metrics.toy_dsprites_codes(100, rng=np.random.default_rng(0))
    >>> tuple(factors.shape), tuple(mu.shape)
    ((100, 5), (100, 10))
    """
    if d < 6:
        raise ValueError(f"toy_dsprites_codes needs d >= 6 latents, got d={d}.")
    cards = np.asarray(DSPRITES_CARDS)
    factors = rng.integers(0, cards, size=(n, cards.size))
    f = factors / (cards - 1)
    mu = np.zeros((n, d))
    pos = 1.5 * (2 * f[:, 3:5] - 1)
    c, s = np.cos(angle), np.sin(angle)
    mu[:, 0] = c * pos[:, 0] - s * pos[:, 1]
    mu[:, 1] = s * pos[:, 0] + c * pos[:, 1]
    mu[:, 2] = 1.5 * (2 * f[:, 1] - 1)
    theta = 2 * np.pi * factors[:, 2] / cards[2]
    mu[:, 3], mu[:, 4] = np.cos(theta), np.sin(theta)
    mu[:, 5] = 0.8 * (factors[:, 0] - 1) + 0.3 * (2 * f[:, 1] - 1)
    mu[:, :6] += noise * rng.standard_normal((n, 6))
    mu[:, 6:] = 0.003 * rng.standard_normal((n, d - 6))
    std = np.ones((n, d))
    std[:, :6] = sigma
    return factors.astype(np.int64), mu, std
