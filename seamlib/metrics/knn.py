"""Rolinek et al.'s kNN "Disentanglement score" (2019, Suppl. 8.1)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from seamlib.metrics._validate import Array, check_paired, factor_labels

__all__ = [
    "rolinek_knn_score",
]


# --------------------------------------------------------------------------------------
# Rolinek et al.'s kNN "Disentanglement score" (Suppl. 8.1)
# --------------------------------------------------------------------------------------
def rolinek_knn_score(
    codes: ArrayLike,
    factors: ArrayLike,
    *,
    discrete: Sequence[bool] | None = None,
    n_neighbors: int = 5,
    train_fraction: float = 0.8,
    seed: int = 0,
    classification_normaliser: Literal["paper", "chance"] = "paper",
    return_matrix: bool = False,
) -> float | tuple[float, Array]:
    """Rolinek et al. (2019), Suppl. 8.1, Eqs. S65-S71: MIG with kNN predictability for MI.

    ``A_ij`` is how well a k-nearest-neighbour model predicts factor ``w_i`` from latent
    ``z_j`` alone (fit on ``train_fraction`` of the points, scored on the rest):
    ``sqrt(var w_i) - sqrt(mse)`` for a continuous factor, accuracy for a discrete one. The
    score is ``(1/K) sum_i (A_i,m(i) - A_i,s(i)) / M_i`` with the best and second-best latents
    m(i), s(i) and ``M_i`` = ``sqrt(var w_i)`` (regression) or the accuracy of the best
    constant classifier (classification), exactly as printed. With the printed
    classification normaliser a summand can exceed 1 (e.g. accuracy gap 0.8 over a constant
    accuracy of 1/3).

    Parameters
    ----------
    codes : array, shape (n, d), d >= 2
    factors : array, shape (n, K)
    discrete : sequence of bool, length K, optional
        Which factors are classification targets; default: integer-valued factors.
    n_neighbors : int
        k of the kNN models (sklearn's default, 5, as in the paper).
    train_fraction : float
        Share of points used to fit (0.8 in the paper).
    seed : int
        Seed of the train/test split.
    classification_normaliser : {"paper", "chance"}
        ``"paper"``: Eqs. S70-S71 as printed. ``"chance"``: for discrete factors use
        ``A_ij = accuracy - constant accuracy`` and ``M_i = 1 - constant accuracy``, the
        analogue of the regression case, which keeps every summand in [-1, 1].
    return_matrix : bool
        Also return ``A`` with shape (K, d).

    Returns
    -------
    float, or (float, ndarray of shape (K, d)).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> rng = np.random.default_rng(0)
    >>> v = rng.integers(0, 3, size=(200, 2))
    >>> round(metrics.rolinek_knn_score(v + 0.1 * rng.standard_normal((200, 2)), v), 2)  # > 1
    1.92
    """
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    z, v = check_paired(codes, factors)
    labels, _ = factor_labels(v)  # class labels 0..c-1; rejects constant factors
    n, d = z.shape
    if d < 2:
        raise ValueError(f"The score needs at least 2 latents, got codes of shape {z.shape}.")
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}.")
    if classification_normaliser not in ("paper", "chance"):
        raise ValueError(
            f"classification_normaliser must be 'paper' or 'chance', got "
            f"{classification_normaliser!r}."
        )
    if discrete is None:
        flags = [bool(np.all(v[:, k] == np.round(v[:, k]))) for k in range(v.shape[1])]
    else:
        flags = [bool(x) for x in discrete]
        if len(flags) != v.shape[1]:
            raise ValueError(
                f"discrete needs {v.shape[1]} entries (one per factor), got {len(flags)}."
            )
    perm = np.random.default_rng(seed).permutation(n)
    n_train = int(round(train_fraction * n))
    tr, te = perm[:n_train], perm[n_train:]
    if n_train <= n_neighbors or te.size == 0:
        raise ValueError(
            f"Too few points ({n}) for a {n_neighbors}-NN fit on {train_fraction:.0%} of them; "
            "pass more codes."
        )
    a = np.zeros((v.shape[1], d))
    norm = np.zeros(v.shape[1])
    for i, is_discrete in enumerate(flags):
        w = labels[:, i] if is_discrete else v[:, i]
        for j in range(d):
            x_tr, x_te = z[tr, j : j + 1], z[te, j : j + 1]
            if is_discrete:
                clf = KNeighborsClassifier(n_neighbors=n_neighbors).fit(x_tr, w[tr])
                a[i, j] = float(np.mean(clf.predict(x_te) == w[te]))
            else:
                reg = KNeighborsRegressor(n_neighbors=n_neighbors).fit(x_tr, w[tr])
                mse = float(np.mean((reg.predict(x_te) - w[te]) ** 2))
                a[i, j] = np.sqrt(np.var(w[te])) - np.sqrt(mse)
        if is_discrete:
            values, counts = np.unique(w[tr], return_counts=True)
            const_acc = float(np.mean(w[te] == values[np.argmax(counts)]))
            if classification_normaliser == "chance":
                a[i] -= const_acc
                norm[i] = 1.0 - const_acc
            else:
                norm[i] = const_acc
        else:
            norm[i] = float(np.sqrt(np.var(w[te])))
    if np.any(norm <= 0):
        raise ValueError(
            "A factor is constant on the test split (zero normaliser M_i); pass more points."
        )
    top = -np.sort(-a, axis=1)[:, :2]
    score = float(np.mean((top[:, 0] - top[:, 1]) / norm))
    return (score, a) if return_matrix else score
