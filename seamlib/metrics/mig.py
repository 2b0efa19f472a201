"""MIG and MIG-sup (Chen et al., 2018; Li et al., 2020)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from seamlib.metrics._validate import check_entropy, check_mi_matrix
from seamlib.metrics.mi import mutual_info_matrix

__all__ = [
    "mig",
    "mig_sup",
]


# --------------------------------------------------------------------------------------
# MI-based scores
# --------------------------------------------------------------------------------------
def mig(mi: ArrayLike, factor_entropy: ArrayLike, *, n_bins: int = 20) -> float:
    """Mutual information gap (Chen et al., 2018).

    ``MIG = (1/K) sum_k (I(z_(1); v_k) - I(z_(2); v_k)) / H(v_k)`` where ``z_(1), z_(2)`` are
    the two latents sharing most information with factor ``k``.

    Two calling forms, told apart by the second argument:

    * ``mig(codes, factors)``: codes (n, d) and discrete factors (n, K); the MI matrix is
      :func:`seamlib.metrics.mutual_info_matrix` with ``n_bins`` bins;
    * ``mig(mi, factor_entropy)``: a precomputed MI matrix (d, K) and the factor entropies
      (K,), e.g. ``mig(*mutual_info_matrix(codes, factors))``.

    Parameters
    ----------
    mi : array, shape (d, K), or codes of shape (n, d)
        Mutual information (nats), from :func:`mutual_info_matrix`; ``d >= 2``.
    factor_entropy : array, shape (K,), or factors of shape (n, K)
    n_bins : int
        Bins per latent when codes and factors are given.

    Returns
    -------
    float in [0, 1] when ``mi[:, k] <= H(v_k)``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.mig(np.array([[0.6, 0.1], [0.2, 0.5]]), np.array([0.8, 0.5]))
    0.65
    >>> factors = np.random.default_rng(0).integers(0, 4, size=(500, 2))
    >>> metrics.mig(factors + 0.1, factors) > 0.95  # codes = factors: disentangled
    True
    """
    second = np.asarray(factor_entropy)
    if second.ndim == 2:  # codes (n, d) and factors (n, K)
        mi, factor_entropy = mutual_info_matrix(mi, second, n_bins)
    elif second.ndim != 1:
        raise ValueError(
            f"mig takes (codes (n, d), factors (n, K)) or (mi (d, K), factor_entropy (K,)); "
            f"the second argument has shape {second.shape}."
        )
    m = check_mi_matrix(mi)
    if m.shape[0] < 2:
        raise ValueError(f"MIG needs at least 2 latents (rows of mi), got shape {m.shape}.")
    h = check_entropy(factor_entropy, m.shape[1])
    top = -np.sort(-m, axis=0)[:2]  # (2, K): largest and second largest per factor
    return float(np.mean((top[0] - top[1]) / h))


def mig_sup(mi: ArrayLike, factor_entropy: ArrayLike, active: ArrayLike | None = None) -> float:
    """MIG-sup (Li et al., 2020; used by Bhowal et al., 2024): the gap per *latent*.

    With normalised ``I'_jk = I(z_j; v_k) / H(v_k)``, ``MIG-sup = mean_j (I'_j(1) - I'_j(2))``
    over (active) latents ``j``, where ``I'_j(1) >= I'_j(2)`` are the two largest entries of
    row ``j``. MIG penalises a factor spread over latents; MIG-sup penalises a latent mixing
    factors.

    Parameters
    ----------
    mi : array, shape (d, K)
        ``K >= 2``.
    factor_entropy : array, shape (K,)
    active : array of bool, shape (d,), optional
        Latents to average over (e.g. :func:`~seamlib.metrics.mi.active_latents`); default all.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.mig_sup(np.array([[0.6, 0.1], [0.2, 0.5]]), np.array([1.0, 1.0]))
    0.4
    """
    m = check_mi_matrix(mi)
    if m.shape[1] < 2:
        raise ValueError(f"MIG-sup needs at least 2 factors (columns of mi), got {m.shape}.")
    h = check_entropy(factor_entropy, m.shape[1])
    normed = m / h[None, :]
    top = -np.sort(-normed, axis=1)[:, :2]
    gaps = top[:, 0] - top[:, 1]
    if active is not None:
        mask = np.asarray(active, dtype=bool)
        if mask.shape != (m.shape[0],):
            raise ValueError(
                f"active must be a bool mask of shape ({m.shape[0]},), got {mask.shape}."
            )
        if not mask.any():
            raise ValueError("active selects no latent; lower the active_latents threshold.")
        gaps = gaps[mask]
    return float(np.mean(gaps))
