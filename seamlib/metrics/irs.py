"""IRS, the interventional robustness score (Suter et al., 2019)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from seamlib.metrics._validate import check_paired
from seamlib.metrics.mi import discretize_transposed

__all__ = [
    "irs",
]


def irs(
    codes: ArrayLike, factors: ArrayLike, *, diff_quantile: float = 0.99, n_bins: int = 20
) -> float:
    """Interventional robustness score (Suter et al., 2019), as disentanglement_lib computes it.

    Factors are binned like codes (``n_bins`` equal-width bins per factor, as
    disentanglement_lib's ``irs`` does through its discretizer, 20 bins in its configs) and
    constant latents are dropped. For latent j and factor k, with the codes grouped by the
    bin b of v_k, ``dev_jk = mean_b q_b(|z_j - mean_b z_j|)``, where ``q_b`` is the
    ``diff_quantile`` quantile within group b; with ``M_j = max |z_j - mean z_j|``,
    ``IRS_jk = 1 - dev_jk / M_j``. The score is the mean over latents of ``max_k IRS_jk``
    weighted by ``M_j`` (0 when every latent is constant). Equals disentanglement_lib's
    ``irs.compute_irs`` (its ``scalable_disentanglement_score``) on the same points.

    Parameters
    ----------
    codes : array, shape (n, d)
    factors : array, shape (n, K)
    diff_quantile : float in (0, 1]
        Quantile of the within-group deviations (1.0 is the paper's maximum; 0.99 is
        disentanglement_lib's default).
    n_bins : int
        Bins per factor.

    Returns
    -------
    float in [0, 1]

    References
    ----------
    Suter, Miladinovic, Schoelkopf & Bauer (2019), *Robustly disentangled causal mechanisms:
    validating deep representations for interventional robustness*.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> v = np.random.default_rng(0).integers(0, 4, size=(400, 2)).astype(float)
    >>> metrics.irs(v, v)  # each latent is constant when its factor is fixed
    1.0
    """
    z, v = check_paired(codes, factors)
    if not 0.0 < diff_quantile <= 1.0:
        raise ValueError(f"diff_quantile must be in (0, 1], got {diff_quantile}.")
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    groups = discretize_transposed(np.ascontiguousarray(v.T), int(n_bins))  # (K, n)
    z = z[:, z.var(axis=0) > 0.0]
    if z.shape[1] == 0:
        return 0.0
    max_dev = np.max(np.abs(z - z.mean(axis=0)), axis=0)  # (d,)
    dev = np.zeros((z.shape[1], v.shape[1]))
    for k in range(v.shape[1]):
        values = np.unique(groups[k])
        for b in values:
            zb = z[groups[k] == b]
            dev[:, k] += np.percentile(np.abs(zb - zb.mean(axis=0)), diff_quantile * 100, axis=0)
        dev[:, k] /= values.size
    best = (1.0 - dev / max_dev[:, None]).max(axis=1)
    return float(np.average(best, weights=max_dev))
