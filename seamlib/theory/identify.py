"""What a learned decoder identifies: Theorem 6.5, Corollaries D.1 and 6.7, Remark 6.2.

Allen (2025), *Unpicking Data at the Seams*, Sec. 6 and App. D. A Gaussian VAE with diagonal
posteriors that fits the data identifies the ground truth up to permutation and sign (P&S):
``U^(d)_z = U^(g)_z`` and ``S^(d)_z = S^(g)_z`` at matched points, and with C1 for both
decoders ``J^(d) = J^(g)`` up to P&S (Cor. D.1). Left singular vectors alone cannot show
this: a decoder ``g o R`` with rotated latents has the same ``U`` and ``S`` as ``g``. What
changes is the map between the latent spaces, ``phi = g^{-1} o d`` (Cor. 6.7): identified
means ``phi`` is axis-aligned, its Jacobian ``J_phi = (J^(g))^+ J^(d)`` a signed permutation
(times a diagonal for non-Gaussian priors).

* :func:`latent_axis_alignment` -- P&S match of the columns of ``J_phi`` to the latent axes.
  1 for an axis-aligned ``phi``; ``max(|cos t|, |sin t|)`` for a rotation by ``t`` in 2-D, so
  a 45 degree rotation scores ``1/sqrt 2 = 0.707`` (:data:`ROTATION_FLOOR`).
* :func:`singular_value_mismatch` -- the S-matching step of Cor. D.1.
* :func:`rotate_latents` -- the decoder ``z -> d(R_t z)`` of a 2-D model (the symmetry that
  diagonal posteriors break).
* :func:`linear_gaussian_log_marginal` -- ``log p(x)`` of the linear Gaussian model (Eq. 2)
  by Gauss-Hermite quadrature over ``z``, independent of the closed form (Remark 6.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from seamlib.align import assignment
from seamlib.theory.jacobian import Decoder, jacobian
from seamlib.theory.posterior import gauss_hermite_rule

__all__ = [
    "ROTATION_FLOOR",
    "AxisAlignment",
    "latent_axis_alignment",
    "singular_value_mismatch",
    "rotate_latents",
    "linear_gaussian_log_marginal",
]

#: Axis alignment (and MCC of Gaussian latents) of a 2-D model rotated by 45 degrees.
ROTATION_FLOOR = 1 / math.sqrt(2)


@dataclass(frozen=True)
class AxisAlignment:
    """How close ``phi = g^{-1} o d`` is to an axis-aligned map, per point.

    Attributes
    ----------
    cos : Tensor, shape (n, d)
        ``|cos|`` between column ``j`` of ``J_phi`` (how the true latents move when model
        latent ``j`` moves) and the true latent axis matched to it.
    perm : Tensor of int64, shape (d,)
        ``perm[j]``: true latent matched to model latent ``j`` (one for all points).
    jphi : Tensor, shape (n, d, d)
        ``J_phi = (J^(g))^+ J^(d)`` at the matched points.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import identify
    >>> g = lambda z: torch.cat([z, z[:, :1] ** 2], 1)
    >>> z = torch.randn(8, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> swapped = lambda y: g(y[:, [1, 0]] * torch.tensor([1.0, -1.0], dtype=y.dtype))
    >>> al = identify.latent_axis_alignment(g, z, swapped, z[:, [1, 0]] * torch.tensor([-1.0, 1.0]))
    >>> al.perm.tolist(), round(al.score, 12)
    ([1, 0], 1.0)
    """

    cos: Tensor
    perm: Tensor
    jphi: Tensor

    @property
    def score(self) -> float:
        """Mean ``|cos|`` over points and latents (1 when ``phi`` is axis-aligned)."""
        return float(self.cos.mean())


def latent_axis_alignment(
    reference: Decoder,
    z_reference: Tensor,
    candidate: Decoder,
    z_candidate: Tensor,
) -> AxisAlignment:
    """Is the latent map between two decoders of one manifold axis-aligned (Thm. 6.5)?

    Point ``b`` of ``reference`` (the ground truth ``g`` at the true latent) and of
    ``candidate`` (a learned decoder at, e.g., the posterior mean of ``x = g(z)``) must be
    the same point of the manifold. ``J_phi = (J^(g))^+ J^(d)`` is the Jacobian of
    ``phi = g^{-1} o d`` there; its columns are matched to the latent axes up to P&S with one
    permutation for all points (the model's latent labelling is fixed), maximising the summed
    ``|cos|`` (Hungarian algorithm).

    Parameters
    ----------
    reference, candidate
        Decoders mapping (n, d) to (n, *out).
    z_reference, z_candidate : Tensor, shape (n, d)

    Returns
    -------
    AxisAlignment
        ``score`` is 1 for an axis-aligned ``phi`` and ``max(|cos t|, |sin t|)`` for a 2-D
        rotation by ``t`` (:data:`ROTATION_FLOOR` at 45 degrees).

    Examples
    --------
    >>> import math, torch
    >>> from seamlib.theory import generators, identify
    >>> g = generators.c1c2()
    >>> z = torch.randn(16, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    >>> t = math.pi / 4
    >>> R = torch.tensor([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]], dtype=z.dtype)
    >>> rotated = identify.rotate_latents(g, t)  # d(y) = g(R y), same manifold and density
    >>> round(identify.latent_axis_alignment(g, z, rotated, z @ R).score, 6)
    0.707107
    """
    if z_reference.shape != z_candidate.shape or z_reference.ndim != 2:
        raise ValueError(
            f"z_reference and z_candidate must both have shape (n, d) (matched points); got "
            f"{tuple(z_reference.shape)} and {tuple(z_candidate.shape)}."
        )
    Jg = jacobian(reference, z_reference)
    Jd = jacobian(candidate, z_candidate)
    if Jg.shape != Jd.shape:
        raise ValueError(
            f"The decoders' Jacobians differ in shape ({tuple(Jg.shape)} vs {tuple(Jd.shape)}): "
            "they must map the same latent dimension into the same data space."
        )
    jphi = torch.linalg.pinv(Jg) @ Jd  # (n, d, d)
    cols = jphi / jphi.norm(dim=-2, keepdim=True).clamp_min(torch.finfo(jphi.dtype).tiny)
    A = cols.detach().abs().cpu().numpy()  # [b, true axis, model latent]
    rows, model = assignment(A.sum(0))  # maximise the summed |cos|
    perm = np.empty(A.shape[-1], dtype=np.int64)
    perm[model] = rows
    p = torch.as_tensor(perm, device=jphi.device)
    cos = cols.abs().gather(-2, p.view(1, 1, -1).expand(jphi.shape[0], 1, -1)).squeeze(-2)
    return AxisAlignment(cos=cos, perm=p, jphi=jphi)


def singular_value_mismatch(
    reference: Decoder, z_reference: Tensor, candidate: Decoder, z_candidate: Tensor
) -> Tensor:
    """``|s_i^(d) - s_i^(g)| / s_i^(g)`` at matched points: the S-matching step of Cor. D.1.

    Singular values are compared in decreasing order (with a simple spectrum the P&S match of
    the seams pairs them in that order).

    Returns
    -------
    Tensor, shape (n, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import generators, identify
    >>> g = generators.c1c2()
    >>> z = torch.zeros(3, 2, dtype=torch.float64)
    >>> identify.singular_value_mismatch(g, z, g, z).abs().max().item()
    0.0
    >>> stretched = lambda y: g(y / 2)  # same manifold, latents twice as spread out
    >>> identify.singular_value_mismatch(g, z, stretched, 2 * z)[0].tolist()
    [0.5, 0.5]
    """
    sg = torch.linalg.svdvals(jacobian(reference, z_reference))
    sd = torch.linalg.svdvals(jacobian(candidate, z_candidate))
    return (sd - sg).abs() / sg


def rotate_latents(decoder: Decoder, angle: float) -> Decoder:
    """The decoder ``y -> decoder(R y)`` with ``R`` the 2-D rotation by ``angle`` (radians).

    With a standard Gaussian prior it pushes forward the same density as ``decoder`` (Remark
    6.8), but its Jacobian columns are rotated mixtures of the original ones (C1 fails unless
    ``angle`` is a multiple of 90 degrees). A point ``z`` of ``decoder`` is ``y = R^T z``.

    Examples
    --------
    >>> import math, torch
    >>> from seamlib.theory import identify
    >>> rot = identify.rotate_latents(lambda z: z, math.pi / 2)
    >>> rot(torch.tensor([[1.0, 0.0]], dtype=torch.float64)).round(decimals=12).tolist()
    [[0.0, 1.0]]
    """
    c, s = math.cos(angle), math.sin(angle)

    def rotated(y: Tensor) -> Tensor:
        if y.ndim != 2 or y.shape[1] != 2:
            raise ValueError(f"rotate_latents is for 2-D latents (n, 2), got {tuple(y.shape)}.")
        R = torch.tensor([[c, -s], [s, c]], dtype=y.dtype, device=y.device)
        return decoder(y @ R.T)

    return rotated


def linear_gaussian_log_marginal(W: Tensor, sigma2: float, x: Tensor, n_nodes: int = 60) -> Tensor:
    """``log p(x) = log E_{z ~ N(0, I)} N(x; W z, sigma2 I)`` by Gauss-Hermite quadrature.

    A numerical integral over the latents, independent of the closed form
    ``N(x; 0, W W^T + sigma2 I)``: the quadrature grid is not rotation invariant, so that
    ``p(x)`` does not change when ``W -> W R`` (Remark 6.2) is a property it has to find.
    Accurate when ``sigma2`` is not small against ``W``'s singular values (the integrand must
    be smooth on the scale of the grid); ``n_nodes ** d`` evaluations per point.

    Parameters
    ----------
    W : Tensor, shape (m, d)
    sigma2 : float
        Noise variance (> 0).
    x : Tensor, shape (n, m)
    n_nodes : int
        Gauss-Hermite nodes per latent dimension.

    Returns
    -------
    Tensor, shape (n,)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import identify
    >>> W = torch.tensor([[1.0], [0.0]], dtype=torch.float64)  # p(x) = N(x; 0, diag(2, 1))
    >>> x = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    >>> exact = torch.distributions.MultivariateNormal(
    ...     torch.zeros(2, dtype=torch.float64), torch.diag(torch.tensor([2.0, 1.0]).double()))
    >>> quad = identify.linear_gaussian_log_marginal(W, 1.0, x)
    >>> round(quad.item() - exact.log_prob(x).item(), 10)
    0.0
    """
    if W.ndim != 2 or x.ndim != 2 or x.shape[1] != W.shape[0]:
        raise ValueError(
            f"Need W of shape (m, d) and x of shape (n, m); got {tuple(W.shape)}, {tuple(x.shape)}."
        )
    if not sigma2 > 0:
        raise ValueError(f"sigma2 must be > 0, got {sigma2}.")
    eps, w = gauss_hermite_rule(W.shape[1], n_nodes, dtype=W.dtype)
    means = eps @ W.T  # (K, m)
    sq = ((x.unsqueeze(1) - means.unsqueeze(0)) ** 2).sum(-1)  # (n, K)
    log_lik = -0.5 * sq / sigma2 - 0.5 * W.shape[0] * math.log(2 * math.pi * sigma2)
    return torch.logsumexp(log_lik + w.log().unsqueeze(0), dim=1)
