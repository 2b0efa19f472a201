"""The normalised off-diagonal of Appendix E (Allen, 2025): one implementation.

:func:`off_diagonal_per_matrix` is the formula, written once for numpy arrays and torch tensors
alike (only ``abs``, indexing, ``**`` and ``sum``), so the batched, differentiable torch
measure :func:`seamlib.theory.scores.normalised_off_diagonal` and the metric
:func:`mean_normalised_off_diagonal` are the same code. :func:`normalise_by_diagonal` is the matrix
whose off-diagonal mean is the score (the heatmaps of Fig. 5), and :func:`off_diagonal_active`
restricts the score to the active latents of a trained model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from seamlib.metrics._validate import check_matrix

__all__ = [
    "normalise_by_diagonal",
    "off_diagonal_per_matrix",
    "mean_normalised_off_diagonal",
    "off_diagonal_active",
]


def normalise_by_diagonal(M: Any, eps: float = 0.0) -> Any:
    """``D^{-1/2} |M| D^{-1/2}`` with ``D = diag(|M|)`` for matrices ``M`` of shape (..., d, d).

    Works on numpy arrays and torch tensors alike and keeps the type, dtype and (for torch)
    the device and the autograd graph. Diagonal entries below ``eps`` are raised to ``eps``
    (``eps = 0`` leaves them; a zero then gives inf/NaN, which callers reject first).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.normalise_by_diagonal(np.array([[4.0, -1.0], [-1.0, 1.0]])).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
    """
    d = M.shape[-1]
    idx = list(range(d))
    A = abs(M)
    diag = A[..., idx, idx]
    if eps > 0:
        small = diag < eps
        diag = diag * ~small + eps * small
    s = diag**-0.5
    return s[..., :, None] * A * s[..., None, :]


def off_diagonal_per_matrix(M: Any, eps: float = 0.0) -> Any:
    """Appendix E's normalised off-diagonal of each matrix of ``M`` (..., d, d), ``d >= 2``.

    ``A = |M|``; ``A <- diag(A)^{-1/2} A diag(A)^{-1/2}`` (:func:`normalise_by_diagonal`);
    the mean of the ``d (d - 1)`` off-diagonal entries of ``A``. Numpy in, numpy out; torch
    in, torch out (differentiable).

    Returns
    -------
    array or Tensor, shape (...)

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> M = np.array([[[1.0, 0.5], [0.5, 1.0]], [[2.0, 0.0], [0.0, 1.0]]])
    >>> metrics.off_diagonal_per_matrix(M)
    array([0.5, 0. ])
    """
    d = M.shape[-1]
    idx = list(range(d))
    A = normalise_by_diagonal(M, eps)
    off = A.sum(-1).sum(-1) - A[..., idx, idx].sum(-1)
    return off / (d * (d - 1))


def mean_normalised_off_diagonal(matrix: ArrayLike) -> float:
    """Normalised off-diagonal of a d x d matrix, or its mean over a batch (Appendix E).

    With ``A = |M|`` (entrywise) and ``N = D^{-1/2} A D^{-1/2}``, ``D = diag(A)``, the score is
    the mean off-diagonal entry ``(sum N - tr N) / (d (d - 1))``. It is 0 for a diagonal
    matrix and, for a positive semi-definite matrix (a Gram or Hessian term), at most 1
    (by Cauchy-Schwarz, with equality for rank one). The printed snippet writes
    ``num_off_diag = m * (m - 1)`` after ``d = M.shape[1]``; ``m`` is ``d``.

    Parameters
    ----------
    matrix : array, shape (d, d) or (b, d, d)
        A derivative matrix (e.g. ``E[J^T J]``) or a batch of them (the batch mean is
        returned); ``d >= 2`` and no zero diagonal entry.

    Returns
    -------
    float (0 = diagonal).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.mean_normalised_off_diagonal(np.array([[1.0, 0.5], [0.5, 1.0]]))
    0.5
    """
    arr = np.asarray(matrix, dtype=float)
    a = check_matrix(arr[None] if arr.ndim == 2 else arr, "matrix", ndim=3)
    if a.shape[1] != a.shape[2] or a.shape[1] < 2:
        raise ValueError(f"matrix must be square with d >= 2, got shape {arr.shape}.")
    if np.any(np.diagonal(a, axis1=1, axis2=2) == 0):
        raise ValueError(
            "matrix has a zero on its diagonal, so it cannot be normalised by diag^(-1/2). "
            "A zero diagonal entry means an unused (collapsed) latent: drop that row and column."
        )
    return float(off_diagonal_per_matrix(a).mean())


def off_diagonal_active(matrix: ArrayLike, active: Sequence[bool] | np.ndarray) -> float:
    """Normalised off-diagonal (Appendix E) of ``matrix`` restricted to the active latents.

    Parameters
    ----------
    matrix : array or Tensor, shape (d, d)
    active : bool array, shape (d,)

    Returns
    -------
    float
        NaN when fewer than two latents are active or a diagonal entry is zero.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> m = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 0.0]])
    >>> round(metrics.off_diagonal_active(m, [True, True, False]), 3)
    0.5
    """
    m = np.asarray(matrix.detach().cpu() if hasattr(matrix, "detach") else matrix, float)
    mask = np.asarray(active, dtype=bool)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] != mask.size:
        raise ValueError(
            f"matrix must be (d, d) with d = len(active) = {mask.size}, got shape {m.shape}."
        )
    idx = np.flatnonzero(mask)
    if idx.size < 2:
        return float("nan")
    sub = m[np.ix_(idx, idx)]
    if np.any(np.abs(np.diag(sub)) <= 0):
        return float("nan")
    return float(mean_normalised_off_diagonal(sub))
