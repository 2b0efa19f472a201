"""Matching up to permutation and sign (P&S): the one signed-permutation matcher of seamlib.

Identifiability in Allen (2025) holds up to a *signed permutation*: latents, singular vectors
or seam directions are compared after relabelling and sign flips (Sec. 6, Theorem 6.5,
Corollary D.1). Every such comparison in seamlib is a linear assignment problem solved here:

* :func:`assignment` -- the Hungarian algorithm on a gain matrix (the only call of
  ``scipy.optimize.linear_sum_assignment`` in the package);
* :func:`match_columns` -- per point, or one permutation shared by a batch;
* :func:`signed_permutation_distance` -- Frobenius distance of orthogonal ``V`` to the nearest
  signed permutation (C1 of Lemma 4.1);
* :func:`match_directions` -- P&S match of two sets of directions by ``|cos|``;
* :func:`ps_align` -- align the columns of one matrix to another's.

:func:`seamlib.metrics.nearest_signed_permutation` (the L1 variant of Rolinek et al.'s DtO) and
:func:`seamlib.metrics.mcc` call :func:`assignment` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import linear_sum_assignment

if TYPE_CHECKING:  # torch is imported where a tensor is matched: importing align stays light
    from torch import Tensor

__all__ = [
    "assignment",
    "match_columns",
    "signed_permutation_distance",
    "DirectionMatch",
    "match_directions",
    "ps_align",
]


def assignment(gain: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Rows and columns of the assignment maximising the summed ``gain`` (Hungarian algorithm).

    Parameters
    ----------
    gain : array, shape (r, c)
        Any finite matrix; rectangular is fine (``min(r, c)`` pairs are matched).

    Returns
    -------
    rows, cols : ndarray of int, shape (min(r, c),)
        ``gain[rows, cols].sum()`` is maximal; ``rows`` is increasing.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import align
    >>> rows, cols = align.assignment(np.array([[0.1, 0.9], [0.8, 0.2]]))
    >>> rows.tolist(), cols.tolist()
    ([0, 1], [1, 0])
    """
    g = np.asarray(gain, dtype=float)
    if g.ndim != 2 or not np.all(np.isfinite(g)):
        raise ValueError(f"gain must be a finite 2-D matrix, got shape {g.shape}.")
    rows, cols = linear_sum_assignment(g, maximize=True)
    return rows.astype(np.int64), cols.astype(np.int64)


def match_columns(gain: ArrayLike, *, shared: bool = False) -> NDArray[np.int64]:
    """``perm[b, i]``: the column matched to row ``i`` of ``gain[b]``, maximising the gain.

    Parameters
    ----------
    gain : array, shape (n, d, d) or (d, d)
        Non-negative agreement scores (e.g. ``|cos|`` between two sets of directions).
    shared : bool
        One permutation for all ``n`` matrices (maximising the summed gain), instead of one
        per matrix.

    Returns
    -------
    ndarray of int, shape (n, d) (``n = 1`` for a single matrix)

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import align
    >>> align.match_columns(np.array([[0.1, 0.9], [0.8, 0.2]])).tolist()
    [[1, 0]]
    """
    g = np.asarray(gain, dtype=float)
    g = g[None] if g.ndim == 2 else g
    if g.ndim != 3 or g.shape[1] != g.shape[2]:
        raise ValueError(f"gain must have shape (n, d, d) or (d, d), got {np.shape(gain)}.")
    n, d, _ = g.shape
    perm = np.empty((n, d), dtype=np.int64)
    if shared:
        rows, cols = assignment(g.sum(0))
        perm[:, rows] = cols
    else:
        for b in range(n):
            rows, cols = assignment(g[b])
            perm[b, rows] = cols
    return perm


def signed_permutation_distance(V: Tensor) -> tuple[Tensor, Tensor]:
    """Frobenius distance of orthogonal ``V`` (n, d, d) to the nearest signed permutation.

    ``min_P ||V - P||_F = sqrt(2 d - 2 max_pi sum_i |V_{pi(i), i}|)`` (a linear assignment per
    point). Zero exactly when C1 holds at that point; at most ``sqrt(2d)``.

    Returns
    -------
    distance : Tensor, shape (n,)
    perm : Tensor of int64, shape (n, d)
        ``perm[b, i]``: latent axis matched to singular vector ``i``.

    Examples
    --------
    >>> import torch
    >>> from seamlib import align
    >>> dist, perm = align.signed_permutation_distance(torch.tensor([[[0.0, -1.0], [1.0, 0.0]]]))
    >>> dist.tolist(), perm.tolist()
    ([0.0], [[1, 0]])
    """
    import torch

    absV = V.detach().abs().cpu().numpy()
    perm = match_columns(np.swapaxes(absV, 1, 2))  # column i of V -> its latent axis
    matched = np.take_along_axis(absV, perm[:, None, :], axis=1)[:, 0, :]  # (n, d)
    # ||V - P||^2 = sum_i (1 - |V_pi(i),i|)^2 + (off-matched mass), without cancellation
    off = (absV**2).sum(axis=(1, 2)) - (matched**2).sum(-1)
    dist = np.sqrt(((1 - matched) ** 2).sum(-1) + np.clip(off, 0.0, None))
    return torch.as_tensor(dist, dtype=V.dtype, device=V.device), torch.as_tensor(
        perm, device=V.device
    )


@dataclass(frozen=True)
class DirectionMatch:
    """Directions matched up to permutation and sign (P&S).

    Attributes
    ----------
    cos : Tensor, shape (n, d)
        ``|cos|`` between reference column ``i`` and its matched candidate column.
    perm : Tensor of int64, shape (n, d)
        ``perm[b, i]``: candidate column matched to reference column ``i``.
    sign : Tensor, shape (n, d)
        Sign making the matched candidate point like the reference (+1 or -1).
    abs_cos : Tensor, shape (n, d, d)
        All ``|cos|`` values, ``[b, i, j]`` between reference ``i`` and candidate ``j``.

    Examples
    --------
    >>> import torch
    >>> from seamlib import align
    >>> ref = torch.eye(3, 2, dtype=torch.float64)
    >>> match = align.match_directions(ref, -ref)
    >>> match.cos.tolist(), match.sign.tolist()
    ([[1.0, 1.0]], [[-1.0, -1.0]])
    """

    cos: Tensor
    perm: Tensor
    sign: Tensor
    abs_cos: Tensor


def match_directions(
    reference: Tensor, candidate: Tensor, *, shared: bool = False
) -> DirectionMatch:
    """Match the columns of ``candidate`` to those of ``reference`` up to P&S.

    The assignment maximises the summed ``|cos|`` (Hungarian algorithm), per point, or with
    ``shared=True`` one permutation for all points (maximising the sum over points), the
    right choice when the candidate's column order is a fixed labelling (a model's latents).

    Parameters
    ----------
    reference, candidate : Tensor, shape (n, m, d) (or (m, d))
        Columns are directions (need not be unit length; they are normalised).

    Returns
    -------
    DirectionMatch

    Examples
    --------
    >>> import torch
    >>> from seamlib import align
    >>> ref = torch.eye(3, 2, dtype=torch.float64)
    >>> match = align.match_directions(ref, ref[:, [1, 0]] * torch.tensor([1.0, -1.0]))
    >>> match.perm.tolist(), match.sign.tolist()
    ([[1, 0]], [[-1.0, 1.0]])
    """
    import torch

    ref = reference.unsqueeze(0) if reference.ndim == 2 else reference
    cand = candidate.unsqueeze(0) if candidate.ndim == 2 else candidate
    if ref.ndim != 3 or ref.shape != cand.shape:
        raise ValueError(
            f"reference and candidate must have the same shape (n, m, d); got "
            f"{tuple(reference.shape)} and {tuple(candidate.shape)}."
        )
    if not (torch.isfinite(ref).all() and torch.isfinite(cand).all()):
        raise ValueError("reference and candidate must be finite.")
    eps = torch.finfo(ref.dtype).tiny
    rn = ref / ref.norm(dim=1, keepdim=True).clamp_min(eps)
    cn = cand / cand.norm(dim=1, keepdim=True).clamp_min(eps)
    dots = rn.transpose(-1, -2) @ cn  # (n, d, d)
    perm = match_columns(dots.detach().abs().cpu().numpy(), shared=shared)
    p = torch.as_tensor(perm, device=ref.device)
    matched = dots.gather(-1, p.unsqueeze(-1)).squeeze(-1)
    sign = torch.where(matched < 0, -torch.ones_like(matched), torch.ones_like(matched))
    return DirectionMatch(cos=matched.abs(), perm=p, sign=sign, abs_cos=dots.abs())


def ps_align(A: ArrayLike, B: ArrayLike) -> tuple[np.ndarray, float]:
    """Align the columns of ``A`` to those of ``B`` up to permutation and sign (P&S).

    Columns are compared as unit vectors: the signed permutation ``P`` maximises
    ``sum_i |a_{pi(i)} . b_i|`` (assignment problem), then the error is the largest
    ``||a_{pi(i)} s_i - b_i||_2`` over columns (0 when the column spaces match P&S).

    Parameters
    ----------
    A, B : array, shape (m, d)

    Returns
    -------
    aligned : ndarray, shape (m, d)
        ``A P`` with unit-norm columns.
    error : float

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import align
    >>> A = np.eye(3)[:, :2]
    >>> aligned, error = align.ps_align(-A[:, ::-1], A)
    >>> error
    0.0
    """
    An = np.asarray(A, dtype=float)
    Bn = np.asarray(B, dtype=float)
    if An.shape != Bn.shape:
        raise ValueError(f"A and B must have the same shape, got {An.shape} and {Bn.shape}.")
    An = An / np.linalg.norm(An, axis=0, keepdims=True)
    Bn = Bn / np.linalg.norm(Bn, axis=0, keepdims=True)
    G = An.T @ Bn
    rows, cols = assignment(np.abs(G))
    aligned = np.zeros_like(Bn)
    for r, c in zip(rows, cols, strict=True):
        aligned[:, c] = An[:, r] * (1.0 if G[r, c] >= 0 else -1.0)
    return aligned, float(np.linalg.norm(aligned - Bn, axis=0).max())
