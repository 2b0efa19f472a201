"""The axis alignment score and the greedy latent order (Allen, 2025, Appendix E, Fig. 5)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from seamlib.metrics._validate import check_mi_matrix

__all__ = [
    "aas",
    "greedy_order",
]


def aas(mi: ArrayLike) -> float:
    """Axis alignment score (Allen, 2025, Appendix E).

    ``AAS = 0.5 (sum_j max_k M_jk + sum_k max_j M_jk) / sum_jk M_jk``: the share of the
    matrix's mass in its row and column peaks. It is 1 exactly for a (possibly rectangular)
    permuted diagonal matrix, and at least ``0.5 (1/K + 1/d)`` (a constant matrix).

    Parameters
    ----------
    mi : array, shape (d, K)
        Non-negative matrix (mutual information), not all zero.

    Returns
    -------
    float in [0.5 (1/K + 1/d), 1].

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.aas(np.eye(3))
    1.0
    >>> round(metrics.aas(np.ones((3, 3))), 3)  # the minimum, 0.5 (1/3 + 1/3)
    0.333
    """
    m = check_mi_matrix(mi)
    total = m.sum()
    if total <= 0:
        raise ValueError(
            "AAS is undefined for an all-zero matrix (no latent carries information). "
            "Check that the codes vary (an encoder that collapsed gives zero MI)."
        )
    return float(0.5 * (m.max(axis=1).sum() + m.max(axis=0).sum()) / total)


def greedy_order(mi: ArrayLike) -> NDArray[np.int64]:
    """Order of the latents that puts large MI entries on the diagonal (Allen, 2025, Fig. 5).

    Repeatedly take the largest remaining entry ``mi[j, k]`` and place latent ``j`` at row
    ``k``; latents left over (``d > K``) follow in decreasing order of their largest entry.
    With fewer latents than factors (``d < K``, e.g. 10 latents against CelebA's 40
    attributes) the paired latents are listed in the order of their factors.
    Plot ``mi[greedy_order(mi)]`` with the factors in their given order.

    Parameters
    ----------
    mi : array, shape (d, K)

    Returns
    -------
    ndarray of int, shape (d,): a permutation of ``range(d)``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.greedy_order(np.array([[0.1, 0.9], [0.8, 0.2], [0.05, 0.0]])).tolist()
    [1, 0, 2]
    """
    m = check_mi_matrix(mi)
    d, k = m.shape
    work = m.copy()
    slots = np.full(k, -1, dtype=np.int64)
    for _ in range(min(d, k)):
        j, c = np.unravel_index(int(np.argmax(work)), work.shape)
        slots[c] = j
        work[j, :] = -np.inf
        work[:, c] = -np.inf
    used = set(slots.tolist())
    rest = [j for j in np.argsort(-m.max(axis=1), kind="stable") if j not in used]
    order = np.concatenate([slots[slots >= 0], np.asarray(rest, dtype=np.int64)])
    return order.astype(np.int64)
