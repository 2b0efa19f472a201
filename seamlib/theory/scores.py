"""How far a decoder is from constraints C1 and C2 of Lemma 4.1 (Allen, 2025, Sec. 4, App. E).

* :func:`c1_score` -- ``V_z`` a signed permutation and ``J^T J`` diagonal (C1);
* :func:`c2_score` -- ``ds_i/dz_j`` diagonal (C2);
* diagonality measures of square matrices (..., d, d), each a tensor per matrix:
  :func:`normalised_off_diagonal` (Appendix E: the mean ``|M_ij| / sqrt(M_ii M_jj)`` over
  ``i != j``), :func:`off_diagonal_fraction` (the off-diagonal share of the Frobenius norm)
  and :func:`max_off_diagonal` (the largest ``|M_ij|``, unnormalised). Elsewhere:
  :func:`seamlib.theory.identifiability.max_off_diagonal_ratio` (largest off-diagonal over
  largest diagonal entry) and :func:`seamlib.metrics.offdiag.mean_normalised_off_diagonal`
  (Appendix E's measure as a numpy metric: one float, the mean over a batch).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch.func import jacfwd, vmap

from seamlib.align import signed_permutation_distance
from seamlib.metrics.offdiag import off_diagonal_per_matrix
from seamlib.theory._validate import as_batch, check_finite, check_square, flat_decoder
from seamlib.theory.jacobian import (
    SVD,
    Decoder,
    jacobian,
    jacobian_svd,
    svd_of_jacobian,
)

__all__ = [
    "normalised_off_diagonal",
    "max_off_diagonal",
    "C1Score",
    "c1_from_jacobian",
    "c1_score",
    "singular_value_jacobian",
    "C2Score",
    "c2_score",
    "off_diagonal_fraction",
]


# --------------------------------------------------------------------------------------
# Diagonality measures and the C1 / C2 scores (Lemma 4.1, Appendix E)
# --------------------------------------------------------------------------------------
def max_off_diagonal(M: Tensor) -> Tensor:
    """``max_{i != j} |M_ij|`` per matrix of ``M`` (..., d, d): the unnormalised worst entry.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.scores import max_off_diagonal
    >>> max_off_diagonal(torch.tensor([[2.0, -0.5], [0.25, 1.0]])).item()
    0.5
    """
    eye = torch.eye(M.shape[-1], dtype=torch.bool, device=M.device)
    return M.abs().masked_fill(eye, 0.0).amax(dim=(-1, -2))


def normalised_off_diagonal(M: Tensor, eps: float = 1e-12) -> Tensor:
    """Appendix E's normalised off-diagonal of square matrices ``M`` of shape (..., d, d).

    ``A = |M|``; ``A <- diag(A)^{-1/2} A diag(A)^{-1/2}``; return the mean of the
    ``d (d - 1)`` off-diagonal entries of ``A``. Zero for a diagonal matrix; for ``M = J^T J``
    it is the mean ``|cos|`` of the angles between Jacobian columns. Diagonal entries below
    ``eps`` are clamped to ``eps``.

    The batched, differentiable torch form (one value per matrix) of
    :func:`seamlib.metrics.offdiag.mean_normalised_off_diagonal` (numpy, one float: the mean
    over a batch; it rejects a zero diagonal instead): both call
    :func:`seamlib.metrics.offdiag.off_diagonal_per_matrix`.

    Returns
    -------
    Tensor, shape (...)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.scores import normalised_off_diagonal
    >>> normalised_off_diagonal(torch.tensor([[1.0, 0.5], [0.5, 1.0]])).item()
    0.5
    """
    check_square(M)
    d = M.shape[-1]
    if d < 2:
        return torch.zeros(M.shape[:-2], dtype=M.dtype, device=M.device)
    return off_diagonal_per_matrix(M, eps)


@dataclass(frozen=True)
class C1Score:
    """How far Jacobians are from C1 (orthogonal columns, ``V_z`` a signed permutation).

    Attributes
    ----------
    v_distance : Tensor, shape (n,)
        Distance of ``V_z`` to the nearest signed permutation (0 under C1).
    offdiag : Tensor, shape (n,)
        Normalised off-diagonal of ``J^T J`` (Appendix E; 0 under C1).
    perm : Tensor of int64, shape (n, d)
        Latent axis matched to each singular vector.
    svd : SVD
        The SVD the score was computed from (reuse it instead of recomputing).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.scores import c1_score
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> score = c1_score(lambda z: z @ W.T, z)
    >>> score.v_distance.tolist(), score.perm.tolist()
    ([0.0], [[0, 1]])
    """

    v_distance: Tensor
    offdiag: Tensor
    perm: Tensor
    svd: SVD


def c1_from_jacobian(J: Tensor) -> C1Score:
    """C1 scores of Jacobians ``J`` of shape (n, m, d) (pure tensor core of :func:`c1_score`).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.scores import c1_from_jacobian
    >>> J = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]], dtype=torch.float64)
    >>> score = c1_from_jacobian(J)
    >>> score.v_distance.tolist(), score.offdiag.tolist()
    ([0.0], [0.0])
    """
    svd = svd_of_jacobian(J)
    dist, perm = signed_permutation_distance(svd.V)
    JtJ = J.transpose(-1, -2) @ J
    return C1Score(v_distance=dist, offdiag=normalised_off_diagonal(JtJ), perm=perm, svd=svd)


def c1_score(decoder: Decoder, z: Tensor) -> C1Score:
    """Constraint C1 of Lemma 4.1 at a batch of latents: Jacobian + SVD + scores.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out).
    z : Tensor, shape (n, d)

    Returns
    -------
    C1Score
        ``v_distance`` (n,) and ``offdiag`` (n,); both are 0 exactly when C1 holds.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.scores import c1_score
    >>> W = torch.tensor([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> score = c1_score(lambda z: z @ W.T, torch.zeros(1, 2, dtype=torch.float64))
    >>> round(score.offdiag.item(), 4)
    0.7071
    """
    zb, _ = as_batch(z)
    J = jacobian(decoder, zb)
    return c1_from_jacobian(J)


def singular_value_jacobian(decoder: Decoder, z: Tensor) -> Tensor:
    """``ds_i / dz_j`` at a batch of latents, by forward-mode differentiation of the SVD.

    ``s(z) = svdvals(J_z)`` is differentiated with ``jacfwd`` (forward over forward), batched
    with ``vmap``. Rows follow the decreasing order of Def. D2. Valid on the regular set
    (distinct, non-zero singular values), where ``s`` is differentiable.

    Returns
    -------
    Tensor, shape (n, d, d)
        Entry ``[b, i, j] = ds_i/dz_j`` at ``z[b]``.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.scores import singular_value_jacobian
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> dS = singular_value_jacobian(g, torch.tensor([[1.0, 0.5]], dtype=torch.float64))
    >>> dS.abs().round(decimals=3).tolist()
    [[[1.789, 0.0], [0.0, 1.414]]]
    """
    zb, _ = as_batch(z)
    f = flat_decoder(decoder)

    def svals(z1: Tensor) -> Tensor:
        return torch.linalg.svdvals(jacfwd(f)(z1))

    dS = vmap(jacfwd(svals))(zb)
    check_finite(dS, "singular-value derivatives")
    return dS


@dataclass(frozen=True)
class C2Score:
    """How far a decoder is from C2 (``ds_i/dz_j = 0`` for ``i != j``).

    Attributes
    ----------
    offdiag : Tensor, shape (n,)
        Normalised off-diagonal (Appendix E) of ``ds/dz`` with rows permuted so that singular
        value ``i`` sits on the row of the latent axis its ``v^i`` is matched to (C1's
        permutation); 0 under C2. Unbounded: it blows up where a diagonal entry
        ``ds_i/dz_i`` vanishes while an off-diagonal one does not.
    offdiag_fraction : Tensor, shape (n,)
        Bounded companion ``||offdiag(ds/dz)||_F / ||ds/dz||_F`` in [0, 1]; 0 under C2, 1 when
        every singular value changes only with *other* latents.
    ds_dz : Tensor, shape (n, d, d)
        The permuted matrix ``[b, j, k] = d s_{pi^{-1}(j)} / d z_k``.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.scores import c2_score
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> score = c2_score(g, torch.tensor([[1.0, 0.5]], dtype=torch.float64))
    >>> tuple(score.ds_dz.shape)
    (1, 2, 2)
    """

    offdiag: Tensor
    offdiag_fraction: Tensor
    ds_dz: Tensor


def c2_score(decoder: Decoder, z: Tensor) -> C2Score:
    """Constraint C2 of Lemma 4.1: normalised off-diagonal of ``(ds_i/dz_j)``.

    The singular values are ordered by size, the latents by axis; under C1 the i-th singular
    vector is the axis ``perm[i]`` (up to sign), so rows are permuted by the C1 assignment
    before measuring off-diagonality.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out).
    z : Tensor, shape (n, d)

    Returns
    -------
    C2Score

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.scores import c2_score
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> score = c2_score(g, torch.tensor([[1.0, 0.5]], dtype=torch.float64))
    >>> round(score.offdiag_fraction.item(), 6)
    0.0
    """
    zb, _ = as_batch(z)
    dS = singular_value_jacobian(decoder, zb)
    _, perm = signed_permutation_distance(jacobian_svd(decoder, zb).V)
    P = torch.zeros_like(dS)
    P.scatter_(1, perm.unsqueeze(-1).expand_as(dS), dS)  # row perm[i] <- row i
    return C2Score(
        offdiag=normalised_off_diagonal(P), offdiag_fraction=off_diagonal_fraction(P), ds_dz=P
    )


def off_diagonal_fraction(M: Tensor) -> Tensor:
    """``||M - diag(M)||_F / ||M||_F`` for matrices (..., d, d): the off-diagonal share of
    the Frobenius norm; 0 for the zero matrix.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.scores import off_diagonal_fraction
    >>> off_diagonal_fraction(torch.eye(3)).item()
    0.0
    """
    total = M.pow(2).sum(dim=(-1, -2))
    diag = torch.diagonal(M, dim1=-2, dim2=-1).pow(2).sum(-1)
    return ((total - diag).clamp_min(0) / total.clamp_min(torch.finfo(M.dtype).tiny)).sqrt()
