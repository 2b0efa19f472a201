"""Identifiability: the tangent Hessian of the log-density and seam alignment (Allen, 2025, Sec. 6).

Lemma 6.3 / Theorem 6.5: the eigenvectors of the tangent Hessian of ``log p`` on the data
manifold are the seam directions ``u^i``, so two decoders that both satisfy C1 and C2 agree up
to permutation and sign (P&S); :func:`seam_alignment` measures that agreement.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.func import grad, jacfwd, vmap

from seamlib.align import DirectionMatch, match_directions
from seamlib.theory._validate import as_batch, check_finite, check_square, flat_decoder
from seamlib.theory.jacobian import (
    SVD,
    Decoder,
    jacobian_and_value,
    jacobian_svd,
    svd_of_jacobian,
)
from seamlib.theory.scores import max_off_diagonal

__all__ = [
    "LogPrior",
    "standard_normal_log_prior",
    "TangentHessian",
    "tangent_hessian",
    "max_off_diagonal_ratio",
    "tangent_eigh",
    "spectral_gap",
    "seam_alignment",
]


# ======================================================================================
# Identifiability: the tangent Hessian of log p_mu (Lemmas 6.3, 6.4, Cor. D.1)
# and matching of directions up to permutation and sign (P&S).
# Section appended by the identifiability chapter; it only adds names.
# ======================================================================================
#: Log-density of a factorised prior at ONE latent point: (d,) -> scalar.
LogPrior = Callable[[Tensor], Tensor]


def standard_normal_log_prior(z1: Tensor) -> Tensor:
    """``sum_i log N(z_i; 0, 1)`` at one latent point ``z1`` of shape (d,) (a scalar).

    A batch of points (..., d) gives one value per point (...), as used by
    :func:`~seamlib.theory.seams.log_pushforward_density`.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.identifiability import standard_normal_log_prior
    >>> round(standard_normal_log_prior(torch.zeros(2)).item(), 4)  # -log(2 pi)
    -1.8379
    """
    return -0.5 * (z1**2).sum(-1) - 0.5 * z1.shape[-1] * math.log(2 * math.pi)


@dataclass(frozen=True)
class TangentHessian:
    """The on-manifold (tangent) Hessian ``H_x`` of ``log p_mu`` at ``x = g(z)``, per point.

    Attributes
    ----------
    ambient : Tensor, shape (n, m, m)
        ``H_x`` as a symmetric matrix acting on R^m: zero on the normal space, the Riemannian
        Hessian on the tangent space (Lemma 6.3's ``H_x``).
    seam : Tensor, shape (n, d, d)
        ``U_z^T H_x U_z``: the Hessian in the decoder's seam basis (left singular vectors of
        :func:`jacobian_svd`). Diagonal for a C1-C2 decoder (Lemma 6.4).
    coordinate : Tensor, shape (n, d, d)
        The covariant Hessian ``K`` in latent coordinates (see :func:`tangent_hessian`).
    naive : Tensor, shape (n, d, d)
        ``d^2 f / dz dz`` without the Christoffel correction (not intrinsic; for comparison).
    score : Tensor, shape (n, m)
        The on-manifold score ``nabla_x log p_mu`` (tangent vector in R^m).
    log_density : Tensor, shape (n,)
        ``log p_mu(g(z))`` (Lemma 5.1).
    svd : SVD
        ``J_z = U S V^T`` at the points (seamlib convention).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.identifiability import tangent_hessian
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> th = tangent_hessian(lambda z: z @ W.T, z)
    >>> tuple(th.ambient.shape), round(th.log_density.item(), 4)
    ((1, 3, 3), -2.531)
    """

    ambient: Tensor
    seam: Tensor
    coordinate: Tensor
    naive: Tensor
    score: Tensor
    log_density: Tensor
    svd: SVD


def tangent_hessian(
    decoder: Decoder, z: Tensor, log_prior: LogPrior | None = None
) -> TangentHessian:
    r"""On-manifold Hessian ``H_x = nabla_x^2 log p_mu(x)`` at ``x = g(z)`` (Lemmas 6.3, 6.4).

    Derivation. Let ``f(z) = log p_mu(g(z))``. By Lemma 5.1 (Eq. 7) and
    ``prod_i s^i(z) = det(J_z^T J_z)^{1/2}``,

    .. math:: f(z) = \sum_i \log p_i(z_i) - \sum_i \log s^i(z)
                   = \log p(z) - \tfrac12 \log\det G_z, \qquad G_z = J_z^\top J_z,

    where ``G_z`` is the metric that the manifold ``M = {g(z)}`` induces in the chart ``z``.
    The Hessian of a function on a Riemannian manifold (the second covariant derivative) is,
    in coordinates, ``K_ab = d_a d_b f - Gamma^c_ab d_c f``, and for an embedded manifold the
    Christoffel symbols are ``Gamma^c_ab = [G^{-1} J^T d_a d_b g]_c``. Hence

    .. math:: K = \nabla_z^2 f - \sum_l w_l \nabla_z^2 g_l, \qquad
              w = J G^{-1} \nabla_z f = \nabla_x \log p_\mu(x),

    i.e. the correction is the directed decoder Hessian of Eq. 6
    (:func:`~seamlib.theory.jacobian.hessian_term`) with the residual ``x - d(z)`` replaced
    by the on-manifold score ``w``. As an operator on
    ``R^m`` (zero on the normal space), with ``J^+ = G^{-1} J^T``,

    .. math:: H_x = (J^+)^\top K J^+, \qquad U_z^\top H_x U_z = S^{-1} V^\top K V S^{-1}.

    ``H_x`` does not depend on the chart: any decoder with the same push-forward density on
    the same manifold gives the same ``H_x`` (Lemma 6.3). Under C1 (``V = I``) and C2
    (``s^i = s^i(z_i)``), ``f = sum_i h_i(z_i)`` with ``h_i = log p_i - log s^i`` and the
    Christoffel term is diagonal, ``Gamma^i_ii = (s^i)'/s^i``, so

    .. math:: U_z^\top H_x U_z = \mathrm{diag}\Big(\frac{1}{s^i}\frac{\partial}{\partial z_i}
              \Big[\frac{1}{s^i}\frac{\partial h_i}{\partial z_i}\Big]\Big),

    the formula in the proof of Lemma 6.4 (Appendix D.3).

    Parameters
    ----------
    decoder
        Injective immersion, maps (n, d) to (n, *out) (outputs flattened to m); three times
        differentiable (torch operations). Use float64 for exactness checks.
    z : Tensor, shape (n, d) or (d,)
        Latent points (regular: ``J_z`` of full column rank).
    log_prior
        Log-density of the factorised prior at one point, (d,) -> scalar; default
        :func:`standard_normal_log_prior`.

    Returns
    -------
    TangentHessian
        Batched (n leading) even for a single point.

    Raises
    ------
    ValueError
        Bad ``z``; ``m < d``; or a decoder whose derivatives are not finite (e.g. a rank
        deficient Jacobian, where ``log p_mu`` is undefined).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.identifiability import tangent_hessian
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> th = tangent_hessian(lambda z: z @ W.T, z)
    >>> [round(v, 6) for v in torch.diagonal(th.seam[0]).tolist()]  # -1 / s_i^2
    [-0.25, -1.0]
    """
    zb, _ = as_batch(z)
    lp = standard_normal_log_prior if log_prior is None else log_prior
    f = flat_decoder(decoder)
    J, _ = jacobian_and_value(decoder, zb)
    if J.shape[1] < J.shape[2]:
        raise ValueError(
            f"The decoder maps R^{J.shape[2]} to R^{J.shape[1]}; a manifold density needs an "
            "immersion (m >= d)."
        )

    def log_density(z1: Tensor) -> Tensor:
        J1 = jacfwd(f)(z1)
        # -1/2 log det G via Cholesky (forward-over-reverse of torch.logdet gives NaN)
        chol = torch.linalg.cholesky(J1.T @ J1)
        return lp(z1) - torch.log(torch.diagonal(chol)).sum()

    def per_point(z1: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        J1 = jacfwd(f)(z1)
        G = J1.T @ J1
        df = grad(log_density)(z1)
        d2f = jacfwd(grad(log_density))(z1)
        w = J1 @ torch.linalg.solve(G, df)  # on-manifold score, tangent

        def directed(zz: Tensor) -> Tensor:
            return (w * f(zz)).sum()

        K = d2f - jacfwd(grad(directed))(z1)
        K = 0.5 * (K + K.T)
        Jp = torch.linalg.solve(G, J1.T)  # (d, m) pseudo-inverse
        return Jp.T @ K @ Jp, K, d2f, w, log_density(z1)

    H, K, naive, w, logp = vmap(per_point)(zb)
    check_finite(H, "tangent Hessian")
    svd = svd_of_jacobian(J)
    seam_h = svd.U.transpose(-1, -2) @ H @ svd.U
    return TangentHessian(
        ambient=0.5 * (H + H.transpose(-1, -2)),
        seam=0.5 * (seam_h + seam_h.transpose(-1, -2)),
        coordinate=K,
        naive=naive,
        score=w,
        log_density=logp,
        svd=svd,
    )


def max_off_diagonal_ratio(M: Tensor) -> Tensor:
    """``max_{i != j} |M_ij| / max_i |M_ii|`` per matrix of ``M`` (..., d, d).

    Largest off-diagonal over largest diagonal entry (unlike the mean of Appendix E,
    :func:`seamlib.theory.scores.normalised_off_diagonal`).

    Zero exactly for a diagonal matrix; a scale-free size of the off-diagonal part.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.identifiability import max_off_diagonal_ratio
    >>> max_off_diagonal_ratio(torch.tensor([[2.0, 0.5], [0.5, 1.0]])).item()
    0.25
    """
    check_square(M)
    diag = torch.diagonal(M, dim1=-2, dim2=-1).abs().amax(-1)
    return max_off_diagonal(M) / diag.clamp_min(torch.finfo(M.dtype).tiny)


def tangent_eigh(H: Tensor, basis: Tensor) -> tuple[Tensor, Tensor]:
    """Eigen-decomposition of tangent Hessians restricted to the tangent space.

    Parameters
    ----------
    H : Tensor, shape (n, m, m)
        Symmetric (e.g. the ``ambient`` field of :class:`TangentHessian`).
    basis : Tensor, shape (n, m, d)
        Orthonormal basis of the tangent space at each point (e.g. any decoder's ``U_z``;
        the result does not depend on which).

    Returns
    -------
    eigenvalues : Tensor, shape (n, d)
        Ascending.
    eigenvectors : Tensor, shape (n, m, d)
        Unit tangent vectors (columns), sign arbitrary.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.identifiability import tangent_eigh
    >>> H = torch.diag(torch.tensor([-1.0, -4.0, 0.0], dtype=torch.float64)).unsqueeze(0)
    >>> evals, vecs = tangent_eigh(H, torch.eye(3, 2, dtype=torch.float64).unsqueeze(0))
    >>> evals.tolist()
    [[-4.0, -1.0]]
    """
    if H.ndim != 3 or basis.ndim != 3 or H.shape[:2] != basis.shape[:2]:
        raise ValueError(
            f"Need H of shape (n, m, m) and basis of shape (n, m, d); got {tuple(H.shape)} and "
            f"{tuple(basis.shape)}."
        )
    small = basis.transpose(-1, -2) @ H @ basis
    evals, E = torch.linalg.eigh(0.5 * (small + small.transpose(-1, -2)))
    return evals, basis @ E


def spectral_gap(eigenvalues: Tensor) -> Tensor:
    """Smallest distance between two eigenvalues, relative to the largest ``|lambda|``.

    ``eigenvalues`` of shape (..., d); returns shape (...). Zero when the spectrum is not
    simple (Lemma 6.3's assumption fails and eigenvectors are not unique up to P&S).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.identifiability import spectral_gap
    >>> spectral_gap(torch.tensor([-4.0, -1.0, 0.0])).item()
    0.25
    """
    lam = torch.sort(eigenvalues, dim=-1).values
    gaps = (lam[..., 1:] - lam[..., :-1]).amin(-1)
    return gaps / lam.abs().amax(-1).clamp_min(torch.finfo(lam.dtype).tiny)


def seam_alignment(
    reference: Decoder, z_reference: Tensor, candidate: Decoder, z_candidate: Tensor
) -> DirectionMatch:
    """P&S match of the seam directions ``u^i`` of two decoders at corresponding points.

    Point ``b`` of ``reference`` at ``z_reference[b]`` is compared with ``candidate`` at
    ``z_candidate[b]`` (e.g. a ground-truth ``g`` at the true latents and a trained decoder at
    the encoder means); one permutation is shared by all points (the candidate's latent
    labelling is fixed), signs are free per point (Theorem 6.5, Corollary D.1).

    Returns
    -------
    DirectionMatch
        ``cos`` (n, d): ``|cos|`` between each true ``u^i`` and its matched learned one.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.identifiability import seam_alignment
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> g, z = lambda z: z @ W.T, torch.zeros(2, 2, dtype=torch.float64)
    >>> seam_alignment(g, z, lambda z: -g(z), z).cos.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    zr, _ = as_batch(z_reference, "z_reference")
    zc, _ = as_batch(z_candidate, "z_candidate")
    if zr.shape[0] != zc.shape[0]:
        raise ValueError(
            f"Need one candidate point per reference point, got {zr.shape[0]} and {zc.shape[0]}."
        )
    Ur = jacobian_svd(reference, zr).U
    Uc = jacobian_svd(candidate, zc).U.to(Ur.dtype)
    return match_directions(Ur, Uc, shared=True)
