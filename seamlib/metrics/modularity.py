"""Modularity and explicitness (Ridgeway & Mozer, 2018)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from seamlib.metrics._validate import check_mi_matrix, check_train_test
from seamlib.metrics.mi import mutual_info_matrix

__all__ = [
    "modularity",
    "explicitness",
]


def modularity(mi: ArrayLike, factors: ArrayLike | None = None, *, n_bins: int = 20) -> float:
    """Modularity (Ridgeway & Mozer, 2018, Sec. 3), as disentanglement_lib computes it.

    With ``m_jk = I(z_j; v_k)^2`` and ``t_j = max_k m_jk``, latent j deviates from an ideal
    module by ``delta_j = (sum_k m_jk - t_j) / (t_j (K - 1))``; modularity is the mean over
    latents of ``1 - delta_j``, where a latent sharing no information with any factor
    (``t_j = 0``) scores 0. Equals disentanglement_lib's ``modularity_explicitness.
    modularity`` on the same MI matrix; with codes and factors the MI matrix is
    :func:`~seamlib.metrics.mutual_info_matrix` with ``n_bins`` equal-width bins (20 in
    disentanglement_lib's ``modularity_explicitness.gin``).

    Two calling forms:

    * ``modularity(mi)``: a mutual-information matrix of shape (d, K);
    * ``modularity(codes, factors)``: codes (n, d) and discrete factors (n, K).

    Parameters
    ----------
    mi : array, shape (d, K), or codes of shape (n, d)
        ``K >= 2`` factors.
    factors : array, shape (n, K), optional
    n_bins : int
        Bins per latent when codes and factors are given.

    Returns
    -------
    float in [0, 1]

    References
    ----------
    Ridgeway & Mozer (2018), *Learning deep disentangled embeddings with the F-statistic
    loss*.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.modularity(np.array([[1.0, 0.0], [0.0, 0.5]]))  # each latent one factor
    1.0
    >>> metrics.modularity(np.array([[1.0, 1.0], [0.0, 0.0]]))  # one mixed, one silent
    0.0
    """
    if factors is not None:
        mi = mutual_info_matrix(mi, factors, n_bins).mi
    m = check_mi_matrix(mi)
    if m.shape[1] < 2:
        raise ValueError(f"modularity needs at least 2 factors (columns of mi), got {m.shape}.")
    sq = np.square(m)
    top = sq.max(axis=1)
    live = top > 0
    score = np.zeros(m.shape[0])
    score[live] = 1.0 - (sq[live].sum(axis=1) - top[live]) / (top[live] * (m.shape[1] - 1.0))
    return float(np.mean(score))


def explicitness(
    codes: ArrayLike,
    factors: ArrayLike,
    *,
    test: tuple[ArrayLike, ArrayLike] | None = None,
    train_fraction: float = 0.8,
    seed: int = 0,
) -> float:
    """Explicitness (Ridgeway & Mozer, 2018, Sec. 3), as disentanglement_lib computes it.

    Codes are standardised with the training set's mean and standard deviation; per factor,
    scikit-learn's ``LogisticRegression()`` (default settings) predicts the factor from all
    latents, and the factor's explicitness is the macro-averaged one-vs-rest ROC-AUC of its
    predicted class probabilities on the test set. The score is the mean over factors. On
    the same training and test points it equals disentanglement_lib's
    ``explicitness_score_test``.

    Parameters
    ----------
    codes : array, shape (n, d)
    factors : array, shape (n, K), discrete
    test : (codes_test (m, d), factors_test (m, K)), optional
        Held-out points; without it the n points are split at random (``seed``,
        ``train_fraction``). Every test value of a factor must occur in training.
    train_fraction : float
    seed : int

    Returns
    -------
    float in [0.5, 1] for any classifier better than chance.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> v = np.random.default_rng(0).integers(0, 3, size=(400, 2))
    >>> metrics.explicitness(v + 0.01 * np.arange(400)[:, None] % 0.1, v) > 0.99
    True
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    z_tr, v_tr, z_te, v_te = check_train_test(codes, factors, test, train_fraction, seed)
    mean, std = z_tr.mean(axis=0), z_tr.std(axis=0)
    if np.any(std == 0):
        raise ValueError(
            f"latent(s) {np.flatnonzero(std == 0).tolist()} are constant on the training set, "
            "so they cannot be standardised. Fix: drop them, e.g. codes[:, codes.std(0) > 0]."
        )
    x_tr, x_te = (z_tr - mean) / std, (z_te - mean) / std
    scores = []
    for k in range(v_tr.shape[1]):
        clf = LogisticRegression().fit(x_tr, v_tr[:, k])
        missing = np.setdiff1d(v_te[:, k], clf.classes_)
        if missing.size:
            raise ValueError(
                f"factor {k} takes values {missing.tolist()} in the test set that never occur "
                "in training; use more training points."
            )
        onehot = (v_te[:, k, None] == clf.classes_[None, :]).astype(int)
        # a value absent from the test set has no ROC curve: its column is left out (where
        # disentanglement_lib's MultiLabelBinarizer makes the shapes disagree and fails)
        present = onehot.any(axis=0)
        scores.append(roc_auc_score(onehot[:, present], clf.predict_proba(x_te)[:, present]))
    return float(np.mean(scores))
