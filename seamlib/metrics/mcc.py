"""The mean correlation coefficient (Hyvarinen & Morioka, 2016; Khemakhem et al., 2020)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from seamlib.align import assignment
from seamlib.metrics._validate import check_paired

__all__ = [
    "mcc",
]


def mcc(
    codes: ArrayLike, sources: ArrayLike, method: Literal["pearson", "spearman"] = "pearson"
) -> float:
    """Mean correlation coefficient after optimal matching of latents to sources.

    ``|corr(z_j, s_k)|`` for all pairs (Pearson, or Spearman for monotone transforms), then
    the matching of latents to sources maximising the summed ``|corr|`` (Hungarian algorithm),
    and the mean over the ``min(d, K)`` matched pairs.

    Parameters
    ----------
    codes : array, shape (n, d)
    sources : array, shape (n, K)
        Ground-truth (continuous or discrete) sources.
    method : {"pearson", "spearman"}

    Returns
    -------
    float in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> s = np.random.default_rng(0).standard_normal((100, 2))
    >>> round(metrics.mcc(s[:, ::-1] * [2.0, -3.0], s), 6)  # permuted and rescaled sources
    1.0
    """
    z, s = check_paired(codes, sources)
    for name, arr in (("codes", z), ("sources", s)):
        const = np.flatnonzero(np.ptp(arr, axis=0) == 0)
        if const.size:
            raise ValueError(
                f"{name} column(s) {const.tolist()} are constant, so their correlation is "
                "undefined. Fix: drop collapsed latents / constant sources first."
            )
    if method == "spearman":
        z = np.apply_along_axis(stats.rankdata, 0, z)
        s = np.apply_along_axis(stats.rankdata, 0, s)
    elif method != "pearson":
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}.")
    zc = (z - z.mean(0)) / z.std(0)
    sc = (s - s.mean(0)) / s.std(0)
    corr = np.abs(zc.T @ sc) / z.shape[0]  # (d, K)
    rows, cols = assignment(corr)
    return float(corr[rows, cols].mean())
