"""DCI (Eastwood & Williams, 2018)."""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from seamlib.metrics._validate import Array, _labels, _paired

__all__ = [
    "DCIScores",
    "dci",
]


class DCIScores(NamedTuple):
    """Eastwood & Williams (2018) scores and the importance matrix they are computed from.

    Attributes
    ----------
    disentanglement, completeness, informativeness : float
        D (weighted mean over latents of ``1 - H_K(P_j.)``), C (mean over factors of
        ``1 - H_d(P_.k)``), I (mean test accuracy of the per-factor classifiers).
    importance : ndarray, shape (d, K)
        ``importance[j, k]``: importance of latent j for predicting factor k.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> scores = metrics.DCIScores(1.0, 1.0, 1.0, importance=np.eye(2))  # as dci returns
    >>> scores.completeness, tuple(scores.importance.shape)
    (1.0, (2, 2))
    """

    disentanglement: float
    completeness: float
    informativeness: float
    importance: Array


# --------------------------------------------------------------------------------------
# DCI and MCC
# --------------------------------------------------------------------------------------
def dci(
    codes: ArrayLike,
    factors: ArrayLike,
    *,
    estimator: Literal["forest", "gbt"] = "forest",
    train_fraction: float = 0.8,
    seed: int = 0,
    n_estimators: int = 20,
) -> DCIScores:
    """DCI disentanglement, completeness and informativeness (Eastwood & Williams, 2018).

    One classifier per factor predicts it from all latents; its scikit-learn
    ``feature_importances_`` form column k of the importance matrix ``R`` (d, K). With
    ``P_jk = R_jk / sum_k R_jk``: ``D = sum_j rho_j (1 - H_K(P_j.))``, ``rho_j = sum_k R_jk /
    sum R``; with ``Q_jk = R_jk / sum_j R_jk``: ``C = mean_k (1 - H_d(Q_.k))`` (entropies in
    base K and d). ``I`` is the mean test accuracy.

    Parameters
    ----------
    codes : array, shape (n, d), d >= 2
    factors : array, shape (n, K), discrete
    estimator : {"forest", "gbt"}
        Random forest (default; every split considers all latents, leaves of >= 5 points)
        or gradient-boosted trees (disentanglement_lib's choice; slower). A forest that
        draws a random subset of latents per split (sklearn's default) spreads importance
        onto irrelevant latents and lowers D and C.
    train_fraction : float
    seed : int
        Seed of the split and of the tree ensembles.
    n_estimators : int
        Trees per ensemble.

    Returns
    -------
    DCIScores

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> v = np.repeat([[0, 0], [0, 1], [1, 0], [1, 1]], 10, axis=0)
    >>> scores = metrics.dci(v + 0.01 * np.arange(40)[:, None], v, n_estimators=5)
    >>> round(scores.disentanglement, 3), round(scores.informativeness, 3)
    (1.0, 1.0)
    """
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    z, v = _paired(codes, factors)
    labels, cards = _labels(v)
    n, d = z.shape
    if d < 2 or len(cards) < 2:
        raise ValueError(
            f"DCI needs at least 2 latents and 2 factors, got codes {z.shape}, factors {v.shape}."
        )
    if estimator not in ("forest", "gbt"):
        raise ValueError(f"estimator must be 'forest' or 'gbt', got {estimator!r}.")
    perm = np.random.default_rng(seed).permutation(n)
    n_train = int(round(train_fraction * n))
    tr, te = perm[:n_train], perm[n_train:]
    if n_train < 2 or te.size == 0:
        raise ValueError(f"train_fraction={train_fraction} leaves an empty split of {n} points.")
    importance = np.zeros((d, len(cards)))
    acc = np.zeros(len(cards))
    for k in range(len(cards)):
        model: RandomForestClassifier | GradientBoostingClassifier
        if estimator == "forest":
            model = RandomForestClassifier(
                n_estimators=n_estimators,
                max_features=None,  # every split sees every latent, as in boosting
                min_samples_leaf=5,
                random_state=seed,
                n_jobs=1,
            )
        else:
            model = GradientBoostingClassifier(n_estimators=n_estimators, random_state=seed)
        model.fit(z[tr], labels[tr, k])
        importance[:, k] = np.abs(model.feature_importances_)
        acc[k] = float(np.mean(model.predict(z[te]) == labels[te, k]))
    n_k = importance.shape[1]
    row = importance.sum(axis=1)
    # rows with no importance get a uniform P (entropy 1) and weight rho = 0
    p = np.where(row[:, None] > 0, importance / np.where(row > 0, row, 1.0)[:, None], 1.0 / n_k)
    h_rows = -np.sum(special.xlogy(p, p), axis=1) / np.log(n_k)
    rho = row / row.sum()
    disent = float(np.sum(rho * (1.0 - h_rows)))
    q = importance / importance.sum(axis=0, keepdims=True)
    h_cols = -np.sum(special.xlogy(q, q), axis=0) / np.log(d)
    return DCIScores(
        disentanglement=disent,
        completeness=float(np.mean(1.0 - h_cols)),
        informativeness=float(acc.mean()),
        importance=importance,
    )
