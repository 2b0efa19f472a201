"""Seam factorisation and its converse: Lemma 5.1, Theorem 5.2 and Appendix A of Allen (2025).

*Unpicking Data at the Seams* states three things about a decoder ``g: R^d -> R^m`` with a
factorised prior that this module turns into computations whose answers are known on
constructed decoders:

* **Lemma 5.1, second part** -- each factor ``p_i(z_i) / s^i(z)`` of Eq. 7 is the 1-D density
  of the seam coordinate ``u_i`` obtained by pushing the marginal ``p_i`` forward along the
  i-th s.v. path. :func:`push_forward_density_1d` estimates that density by Monte Carlo.
* **Theorem 5.2, "only if"** (proof in App. D.1) -- Def. D1 asks that at every ``z`` the
  density equal ``prod_i f_i(u_i)`` with ``f_i = p_i(z_i) / |J_z e_i|`` the push-forward along
  the axis-aligned line through ``z``, and that factor ``i`` change only along seam ``i``.
  :func:`hadamard_gap` measures the first requirement (zero iff the columns of ``J_z`` are
  orthogonal, i.e. C1) and :func:`factor_cross_dependence` the second (zero iff no column
  length ``|J_z e_i|`` depends on another latent, i.e. C2 once C1 holds).
* **Lemma 4.1 / Appendix A, Eqs. 11-13** -- with residuals ``r = U_z a`` tangent to the
  manifold (Eq. 11), P1 asks the directed Hessians ``sum_l u_{il} H_l`` to be diagonal.
  :func:`tangent_directed_hessians` computes them, :func:`jacobian_derivative_in_seam_basis`
  the right-hand side ``U_z^T dJ/dz_p`` of Eq. 12, and :func:`p1_violation` how far a decoder
  is from P1 at a point.

Every function takes the decoder first, then a batch of latents ``z`` of shape (n, d) in
float64, and is pure (no state, no randomness unless a ``seed`` is passed).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor
from torch.func import grad, jacfwd, vmap

from seamlib.theory._validate import flat_decoder
from seamlib.theory.jacobian import Decoder, jacobian, svd_of_jacobian
from seamlib.theory.scores import max_off_diagonal, normalised_off_diagonal

__all__ = [
    "hadamard_gap",
    "factor_cross_dependence",
    "tangent_directed_hessians",
    "jacobian_derivative_in_seam_basis",
    "p1_violation",
    "push_forward_density_1d",
    "image_area_factor",
]


def _batch(z: Tensor) -> Tensor:
    if not isinstance(z, Tensor) or z.ndim != 2 or not torch.is_floating_point(z):
        raise ValueError(
            f"z must be a floating-point tensor of shape (n, d); got "
            f"{tuple(z.shape) if isinstance(z, Tensor) else type(z).__name__}. "
            "Fix: pass one latent point per row, e.g. torch.zeros(4, 2, dtype=torch.float64)."
        )
    return z


def hadamard_gap(J: Tensor) -> Tensor:
    """``sum_i log |J e_i| - log det(J^T J)^{1/2}``: the pointwise D1 factorisation gap.

    With ``f_i = p_i(z_i) / |J_z e_i|`` the push-forward of ``p_i`` along the axis-aligned line
    through ``z`` (Def. D1) and ``p_mu(g(z)) = p(z) det(J^T J)^{-1/2}`` (Lemma 5.1), this is
    ``log p_mu(g(z)) - sum_i log f_i``. Hadamard's inequality makes it ``>= 0``, with equality
    exactly when the columns of ``J`` are orthogonal (C1). Computed from column norms and a
    Cholesky factor, without an SVD.

    Parameters
    ----------
    J : Tensor, shape (n, m, d)
        Jacobians of full column rank.

    Returns
    -------
    Tensor, shape (n,)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import factorisation
    >>> J = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]],
    ...                   [[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]], dtype=torch.float64)
    >>> [round(v, 6) for v in factorisation.hadamard_gap(J).tolist()]  # 0, log(sqrt 2)
    [0.0, 0.346574]
    """
    if J.ndim != 3 or J.shape[1] < J.shape[2]:
        raise ValueError(f"J must have shape (n, m, d) with m >= d, got {tuple(J.shape)}.")
    chol = torch.linalg.cholesky(J.transpose(-1, -2) @ J)
    log_vol = torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)
    return J.norm(dim=-2).log().sum(-1) - log_vol


def factor_cross_dependence(decoder: Decoder, z: Tensor) -> Tensor:
    """``max_{i != j} |d log|J_z e_i| / dz_j|``: does factor ``i`` change off its own seam?

    The D1 factor along latent ``i`` is ``p_i(z_i) / |J_z e_i|``; Def. D1 (and the proof of
    Theorem 5.2) needs it to change only with ``z_i``. Zero exactly when every column length
    depends on its own latent alone; under C1 the column lengths are the singular values, so
    this is C2 measured without an SVD.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out); twice differentiable torch operations.
    z : Tensor, shape (n, d)

    Returns
    -------
    Tensor, shape (n,)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import factorisation, generators
    >>> z = torch.tensor([[0.3, -0.2]], dtype=torch.float64)
    >>> g = generators.c1_only(lam=0.5, omega=0.5)  # |J e_2| = omega exp(lam z_1)
    >>> round(factorisation.factor_cross_dependence(g, z).item(), 6)  # d/dz_1 log = lam
    0.5
    >>> factorisation.factor_cross_dependence(generators.c1c2(), z).item()
    0.0
    """
    zb = _batch(z)
    f = flat_decoder(decoder)

    def log_lengths(z1: Tensor) -> Tensor:
        return jacfwd(f)(z1).norm(dim=0).log()

    D = vmap(jacfwd(log_lengths))(zb)  # (n, i, j)
    return max_off_diagonal(D)


def tangent_directed_hessians(decoder: Decoder, z: Tensor) -> Tensor:
    """``M_i = sum_l u^i_l H_l(z)``: the Hessian term of Eq. 6 for tangent residuals (Eq. 11).

    App. A argues that near a well-fitted point the residual ``r = x - d(z)`` lies in the
    column space of ``J_z`` (Eq. 11), ``r = U_z a``; the directed Hessian of Eq. 6 is then
    ``sum_i a_i M_i``, and P1 for every such ``r`` means every ``M_i`` is diagonal. ``M_i`` is
    the Hessian of ``z' -> u^i . d(z')`` with ``u^i`` (seamlib's SVD convention) held fixed,
    computed forward-over-reverse.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out); twice differentiable.
    z : Tensor, shape (n, d)

    Returns
    -------
    Tensor, shape (n, d, d, d)
        ``[b, i, p, q] = (M_i)_{pq}`` at ``z[b]``.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import factorisation
    >>> g = lambda z: torch.stack([z[:, 0], z[:, 1], z[:, 0] * z[:, 1]], -1)  # saddle
    >>> M = factorisation.tangent_directed_hessians(g, torch.zeros(1, 2, dtype=torch.float64))
    >>> M.abs().amax().item()  # at 0 the tangent plane is x_3 = 0, the Hessian is normal
    0.0
    """
    zb = _batch(z)
    f = flat_decoder(decoder)
    U = svd_of_jacobian(jacobian(decoder, zb)).U  # (n, m, d)

    def per_point(z1: Tensor, U1: Tensor) -> Tensor:
        def hess(u: Tensor) -> Tensor:
            def directed(zz: Tensor) -> Tensor:
                return (u * f(zz)).sum()

            return jacfwd(grad(directed))(z1)

        return vmap(hess, in_dims=1)(U1)  # (d, d, d)

    return vmap(per_point)(zb, U)


def jacobian_derivative_in_seam_basis(decoder: Decoder, z: Tensor) -> Tensor:
    """``A_p = U_z^T dJ_z/dz_p``, the right-hand side of Eqs. 12 and 13 of Appendix A.

    Eq. 12 says ``(M_i)_{pq} = (A_p)_{iq}`` (:func:`tangent_directed_hessians`); Eq. 13 says
    that for ``J = U S`` (C1 with ``V = I``) ``A_p = Omega_p S + dS/dz_p`` with ``Omega_p``
    skew-symmetric, so the diagonal of ``A_p`` is ``ds/dz_p`` and ``A_p S^{-1}`` has a
    skew-symmetric off-diagonal part. Computed by forward-over-forward differentiation of the
    Jacobian (a different route from :func:`tangent_directed_hessians`).

    Returns
    -------
    Tensor, shape (n, d, d, d)
        ``[b, p, i, q] = (U^T dJ/dz_p)_{iq}`` at ``z[b]``.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import factorisation, generators
    >>> A = factorisation.jacobian_derivative_in_seam_basis(
    ...     generators.c1c2(), torch.tensor([[1.0, 0.0]], dtype=torch.float64))
    >>> round(A[0, 0, 0, 0].item(), 6)  # d s^1 / d z_1 = 4 b^2 z_1 / s^1 = 1 / sqrt(3.25)
    0.5547
    """
    zb = _batch(z)
    f = flat_decoder(decoder)
    U = svd_of_jacobian(jacobian(decoder, zb)).U
    dJ = vmap(jacfwd(jacfwd(f)))(zb)  # (n, m, q, p)
    return torch.einsum("nli,nlqp->npiq", U, dJ)


def p1_violation(decoder: Decoder, z: Tensor) -> Tensor:
    """How far a decoder is from pointwise P1 at each point (0 exactly under P1).

    The larger of Appendix E's normalised off-diagonal of ``J^T J`` and
    ``max_{i, p != q} |(M_i)_{pq}| / s^1`` with ``M_i`` from :func:`tangent_directed_hessians`
    (the tangent directed Hessians, scaled by the largest singular value so that the number
    does not depend on the units of ``x``).

    Returns
    -------
    Tensor, shape (n,)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import factorisation, generators
    >>> z = torch.tensor([[0.5, -0.3]], dtype=torch.float64)
    >>> factorisation.p1_violation(generators.c1c2(), z).item()  # C1 and C2 hold
    0.0
    >>> factorisation.p1_violation(generators.c1_only(), z).item() > 0.01  # C2 fails
    True
    """
    zb = _batch(z)
    J = jacobian(decoder, zb)
    M = tangent_directed_hessians(decoder, zb)
    off = max_off_diagonal(M).amax(-1)  # over i of (M_i)_{pq}, p != q
    s1 = torch.linalg.svdvals(J)[:, 0]
    return torch.maximum(normalised_off_diagonal(J.transpose(-1, -2) @ J), off / s1)


def push_forward_density_1d(
    latent: Tensor, coordinate: Tensor, samples: Tensor, at: Tensor, radius: float
) -> tuple[Tensor, Tensor]:
    """Monte Carlo density of a seam coordinate pushed forward from a 1-D latent marginal.

    A path through latent space is given at nodes by its latent coordinate ``latent``
    (strictly monotone, e.g. ``z_i`` along an axis-aligned s.v. path) and its seam coordinate
    ``coordinate`` (e.g. that of a :class:`seamlib.theory.seams.Seam`). Each latent sample is
    mapped to its seam coordinate by linear interpolation between nodes (samples outside the path
    are dropped but still counted in ``N``); the density at ``at`` is the fraction of samples
    within ``radius`` divided by ``2 radius``, with a Poisson standard error (Lemma 5.1,
    second part: the prediction is ``p_i(z_i) / s^i(z)``).

    Parameters
    ----------
    latent, coordinate : Tensor, shape (T,)
    samples : Tensor, shape (N,)
        Draws from the latent marginal ``p_i``.
    at : Tensor, shape (k,)
        Seam coordinates where the density is estimated.
    radius : float
        Half-width of the counting window (> 0).

    Returns
    -------
    estimate, stderr : Tensor, shape (k,)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import factorisation
    >>> t = torch.linspace(-3, 3, 61, dtype=torch.float64)
    >>> zs = torch.randn(200_000, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> est, se = factorisation.push_forward_density_1d(t, 2 * t, zs, torch.zeros(1), 0.05)
    >>> abs(est.item() - 0.3989 / 2) < 4 * se.item()  # N(0, 1) stretched by 2
    True
    """
    lat = latent.detach().cpu().numpy()
    co = coordinate.detach().cpu().numpy()
    if lat.ndim != 1 or co.shape != lat.shape or lat.size < 2:
        raise ValueError(
            f"latent and coordinate must be 1-D of the same length >= 2, got {lat.shape} and "
            f"{co.shape}."
        )
    step = np.diff(lat)
    if not (np.all(step > 0) or np.all(step < 0)):
        raise ValueError(
            "latent must be strictly monotone along the path (an axis-aligned s.v. path, "
            "i.e. a decoder with C1); reorder the nodes or use another path."
        )
    if not radius > 0:
        raise ValueError(f"radius must be > 0, got {radius}.")
    order = np.argsort(lat)
    s = samples.detach().cpu().numpy()
    inside = (s >= lat[order][0]) & (s <= lat[order][-1])
    u = np.interp(s[inside], lat[order], co[order])
    a = at.detach().cpu().numpy().reshape(-1, 1)
    counts = (np.abs(u.reshape(1, -1) - a) <= radius).sum(1).astype(float)
    norm = s.size * 2 * radius
    est = torch.as_tensor(counts / norm, dtype=latent.dtype)
    return est, torch.as_tensor(np.sqrt(counts) / norm, dtype=latent.dtype)


def image_area_factor(decoder: Decoder, z: Tensor, h: float = 1e-3, n: int = 4) -> Tensor:
    """Area of the image of a small square around each ``z`` over the square's area (d = 2).

    The square ``z + [-h/2, h/2]^2`` is cut into ``n x n`` cells, each into two triangles;
    the triangles' corners are mapped by the decoder and their areas summed. No derivatives
    and no SVD: as ``h -> 0`` this tends to ``det(J^T J)^{1/2} = s^1 s^2``, the volume factor
    of Lemma 5.1 (error ``O(h^2)``).

    Parameters
    ----------
    decoder
        Maps (N, 2) to (N, *out).
    z : Tensor, shape (b, 2)
    h : float
        Side of the square (> 0).
    n : int
        Cells per side (>= 1).

    Returns
    -------
    Tensor, shape (b,)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import factorisation
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 3.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> round(factorisation.image_area_factor(lambda z: z @ W.T, z).item(), 10)
    6.0
    """
    zb = _batch(z)
    if zb.shape[1] != 2:
        raise ValueError(f"image_area_factor is for 2-D latents, got d = {zb.shape[1]}.")
    if not (h > 0 and n >= 1):
        raise ValueError(f"Need h > 0 and n >= 1, got h={h}, n={n}.")
    ticks = torch.linspace(-h / 2, h / 2, n + 1, dtype=zb.dtype, device=zb.device)
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    offsets = torch.stack([gx.reshape(-1), gy.reshape(-1)], -1)  # ((n+1)^2, 2)
    pts = (zb.unsqueeze(1) + offsets.unsqueeze(0)).reshape(-1, 2)
    x = decoder(pts).reshape(zb.shape[0], n + 1, n + 1, -1)
    a, b = x[:, :-1, :-1], x[:, 1:, :-1]
    c, d = x[:, 1:, 1:], x[:, :-1, 1:]

    def tri(p: Tensor, q: Tensor, r: Tensor) -> Tensor:
        e1, e2 = q - p, r - p
        gram = (e1 * e1).sum(-1) * (e2 * e2).sum(-1) - (e1 * e2).sum(-1) ** 2
        return 0.5 * gram.clamp_min(0.0).sqrt()

    area = (tri(a, b, c) + tri(a, c, d)).sum(dim=(1, 2))
    return area / h**2
