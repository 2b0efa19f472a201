"""The OD-score of Bhowal et al. (2024)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from seamlib.metrics._validate import Array, check_matrix

__all__ = [
    "nearest_orthogonal",
    "od_distances",
    "od_score",
]


# --------------------------------------------------------------------------------------
# OD-score (Bhowal et al., 2024)
# --------------------------------------------------------------------------------------
def nearest_orthogonal(m: ArrayLike) -> Array:
    """The matrix with orthonormal columns nearest to ``m`` in Frobenius norm.

    ``M_hat = M (M^T M)^{-1/2} = U V^T`` (the polar factor, from the thin SVD
    ``M = U S V^T``). Bhowal et al. (2024), Prop. 7, print ``M (M^T M)^{1/2}``; that matrix is
    not orthogonal unless ``M`` already is (the chapter checks this).

    Parameters
    ----------
    m : array, shape (p, d), p >= d, full column rank.

    Returns
    -------
    ndarray, shape (p, d).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> q = metrics.nearest_orthogonal(np.array([[1.0, 0.5], [0.0, 1.0], [0.0, 0.0]]))
    >>> np.allclose(q.T @ q, np.eye(2))
    True
    """
    a = check_matrix(m, "m")
    if a.shape[0] < a.shape[1]:
        raise ValueError(f"m must have at least as many rows as columns, got {a.shape}.")
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    return np.asarray(u @ vt)


def od_distances(m: ArrayLike) -> Array:
    """Raw distances (d_U, d_S, d_V) of a decoder matrix from Lemma 4's orthogonal form.

    Bhowal et al., Lemma 4: if ``M`` has orthogonal columns with distinct norms then its SVD
    is ``U_hat = M diag(1/||c_j||)``, ``S_hat = diag(||c_j||)``, ``V_hat = I``. We order the
    columns by decreasing norm and fix SVD signs so that ``diag(V) >= 0`` (Lemma 4 holds up to
    that signed permutation), then return the squared Frobenius distances
    ``||U - U_hat||^2, ||S - S_hat||^2, ||V - I||^2`` of the actual SVD; all vanish iff the
    columns are orthogonal. For a batch (N, p, d) the means over the batch are returned.

    Parameters
    ----------
    m : array, shape (p, d) or (N, p, d), p >= d

    Returns
    -------
    ndarray, shape (3,)

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.od_distances(np.diag([2.0, 1.0])).round(6).tolist()  # orthogonal columns
    [0.0, 0.0, 0.0]
    """
    arr = np.asarray(m, dtype=float)
    mats = check_matrix(arr[None] if arr.ndim == 2 else arr, "m", ndim=3)
    if mats.shape[1] < mats.shape[2]:
        raise ValueError(f"m must have shape (p, d) with p >= d, got {arr.shape}.")
    norms = np.linalg.norm(mats, axis=1)  # (N, d)
    if np.any(norms <= 0):
        raise ValueError("m has a zero column (an unused latent); drop it before scoring.")
    order = np.argsort(-norms, axis=1, kind="stable")
    mats = np.take_along_axis(mats, order[:, None, :], axis=2)
    norms = np.take_along_axis(norms, order, axis=1)
    u, s, vt = np.linalg.svd(mats, full_matrices=False)
    sign = np.where(np.diagonal(vt, axis1=1, axis2=2) < 0, -1.0, 1.0)  # (N, d)
    u = u * sign[:, None, :]
    vt = vt * sign[:, :, None]
    u_hat = mats / norms[:, None, :]
    d_u = np.sum((u - u_hat) ** 2, axis=(1, 2))
    d_s = np.sum((s - norms) ** 2, axis=1)
    d_v = np.sum((np.swapaxes(vt, 1, 2) - np.eye(mats.shape[2])) ** 2, axis=(1, 2))
    return np.array([d_u.mean(), d_s.mean(), d_v.mean()])


def od_score(matrices: Sequence[ArrayLike]) -> Array:
    """OD-score of each model (Bhowal et al., 2024, Sec. 4.4): lower = more orthogonal.

    ``OD(M) = (d_U + d_S + d_V) / 3``, each raw distance (:func:`od_distances`) divided by
    its maximum over the models compared (``max_phi``), so scores are relative to the set
    of models passed.

    Parameters
    ----------
    matrices : sequence of arrays, each (p, d) or (N, p, d)
        One entry per model: its local decoder matrices.

    Returns
    -------
    ndarray, shape (n_models,), values in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.od_score([np.diag([2.0, 1.0]), np.array([[1.0, 0.5], [0.0, 1.0]])]).tolist()
    [0.0, 1.0]
    """
    if len(matrices) == 0:
        raise ValueError("od_score needs at least one model's matrices.")
    raw = np.stack([od_distances(m) for m in matrices])  # (models, 3)
    top = raw.max(axis=0)
    normed = np.divide(raw, top, out=np.zeros_like(raw), where=top > 0)
    return np.asarray(normed.mean(axis=1))
