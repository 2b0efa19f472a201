"""SAP, the separated attribute predictability score (Kumar et al., 2018)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from seamlib.metrics._validate import Array, check_paired, check_train_test

__all__ = [
    "sap",
]


def _score_matrix_continuous(z: Array, v: Array) -> Array:
    """Squared Pearson correlation of every (latent, factor) pair; 0 for a constant latent."""
    zc, vc = z - z.mean(axis=0), v - v.mean(axis=0)
    n = z.shape[0]
    cov = zc.T @ vc / (n - 1)  # (d, K)
    var_z = np.sum(zc * zc, axis=0) / (n - 1)
    var_v = np.sum(vc * vc, axis=0) / (n - 1)
    live = var_z > 1e-12  # disentanglement_lib's threshold
    out = np.zeros_like(cov)
    out[live] = cov[live] ** 2 / (var_z[live, None] * var_v[None, :])
    return out


def _score_matrix_discrete(z_tr: Array, v_tr: Array, z_te: Array, v_te: Array) -> Array:
    """Test accuracy of a linear SVM predicting each factor from each single latent."""
    from sklearn.svm import LinearSVC

    d, n_k = z_tr.shape[1], v_tr.shape[1]
    out = np.zeros((d, n_k))
    for j in range(d):
        for k in range(n_k):
            clf = LinearSVC(C=0.01, class_weight="balanced")
            clf.fit(z_tr[:, j : j + 1], v_tr[:, k])
            out[j, k] = np.mean(clf.predict(z_te[:, j : j + 1]) == v_te[:, k])
    return out


def sap(
    codes: ArrayLike,
    factors: ArrayLike,
    *,
    continuous: bool = False,
    test: tuple[ArrayLike, ArrayLike] | None = None,
    train_fraction: float = 0.8,
    seed: int = 0,
) -> float:
    """SAP score (Kumar et al., 2018, Sec. 3), as disentanglement_lib computes it.

    A score matrix ``S`` (d, K) rates how well each single latent predicts each factor; SAP
    is the mean over factors of the gap between the two largest entries of column k,
    ``SAP = (1/K) sum_k (S_(1)k - S_(2)k)``. For discrete factors (the default, as in
    disentanglement_lib's ``sap_score.gin``) ``S_jk`` is the test accuracy of
    ``LinearSVC(C=0.01, class_weight="balanced")`` trained on latent j alone; for continuous
    factors it is the squared correlation ``cov(z_j, v_k)^2 / (var z_j var v_k)`` on the
    training set (0 for a latent of variance <= 1e-12). On the same training and test
    points it equals disentanglement_lib's ``sap_score._compute_sap``.

    Parameters
    ----------
    codes : array, shape (n, d), d >= 2
    factors : array, shape (n, K)
        Discrete factor values (or continuous values with ``continuous=True``).
    continuous : bool
        Treat the factors as continuous (squared correlations, no classifier).
    test : (codes_test (m, d), factors_test (m, K)), optional
        Held-out points for the classifiers; without it the n points are split at random
        (``seed``, ``train_fraction``). Unused when ``continuous``.
    train_fraction : float
    seed : int

    Returns
    -------
    float in [0, 1]

    References
    ----------
    Kumar, Sattigeri & Balakrishnan (2018), *Variational inference of disentangled latent
    concepts from unlabeled observations*; Locatello et al. (2019), disentanglement_lib.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> v = np.random.default_rng(0).integers(0, 3, size=(300, 2)).astype(float)
    >>> metrics.sap(np.c_[v, np.zeros(300)], v, continuous=True) > 0.99  # z = v: gap ~1
    True
    """
    if continuous:
        z, v = check_paired(codes, factors)  # squared correlations need no test set
        if np.any(v.min(axis=0) == v.max(axis=0)):
            raise ValueError(
                "a factor column is constant, so its correlation with any latent is undefined. "
                "Fix: drop constant factors, e.g. factors[:, factors.std(0) > 0]."
            )
        s = _score_matrix_continuous(z, v)
    else:
        z_tr, v_tr, z_te, v_te = check_train_test(codes, factors, test, train_fraction, seed)
        s = _score_matrix_discrete(z_tr, v_tr, z_te, v_te)
    if s.shape[0] < 2:
        raise ValueError(f"SAP needs at least 2 latents, got codes with {s.shape[0]} column(s).")
    top = np.sort(s, axis=0)
    return float(np.mean(top[-1] - top[-2]))
