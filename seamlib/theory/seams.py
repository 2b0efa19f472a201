"""Singular-vector paths, seams and the push-forward density (Allen, 2025, Sec. 5, App. C).

* :func:`sv_path` -- integrates ``dz/dt = v^i(z)`` (Def. D3) with RK4 and sign continuity and
  reports when a path leaves the regular set ``Z_reg`` (Def. D2); :func:`seam` returns its
  image ``g(z_t)`` and the seam coordinate ``u_i(t) = int s^i dt`` (Def. D4, Lemma C.1).
* :func:`log_pushforward_density`, :func:`ball_density` -- the manifold density of Lemma 5.1
  (Eq. 7) and a Monte Carlo estimate of it.
* :func:`axis_seam_coordinates` -- the coordinates ``u_i`` of Def. D1 (Eq. 5), whose
  independence :func:`seamlib.metrics.independence_test` tests (Theorem 5.2).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import Tensor

from seamlib.theory._validate import as_batch, check_finite
from seamlib.theory.identifiability import standard_normal_log_prior
from seamlib.theory.jacobian import (
    SVD,
    Decoder,
    JacobianFn,
    continue_svd,
    jacobian,
    jacobian_svd,
    jvp_column,
    log_volume,
    regular_gap,
)

__all__ = [
    "SVPath",
    "sv_path",
    "Seam",
    "seam",
    "path_velocity",
    "axis_seam_coordinates",
    "log_pushforward_density",
    "ball_density",
]


# --------------------------------------------------------------------------------------
# Singular-vector paths (Def. D3) and seams (Def. D4)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SVPath:
    """A batch of integrated i-th singular-vector paths (Def. D3).

    Attributes
    ----------
    i : Tensor of int64, shape (n,)
        Which singular vector each path follows (0-based, decreasing order of Def. D2).
    t : Tensor, shape (T,)
        Uniform time grid, increasing, containing 0 (the start ``z0``).
    z : Tensor, shape (T, n, d)
        Points ``z_t`` of each path. After a path leaves the regular set it stays at its last
        regular point.
    s : Tensor, shape (T, n, d)
        Singular values at ``z_t``.
    v : Tensor, shape (T, n, d)
        ``v^i(z_t)`` with continuous sign (the velocity ``dz/dt``).
    u : Tensor, shape (T, n, m)
        ``u^i(z_t)`` with the same sign.
    valid : Tensor of bool, shape (T, n)
        ``True`` while the path is in the regular set.
    exit_t : Tensor, shape (n,)
        Time at which each path left the regular set (``nan`` if it never did; the sign of
        ``t`` tells the direction).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.seams import sv_path
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> path = sv_path(lambda z: z @ W.T, z, 0, (0.0, 1.0), n_steps=2)
    >>> path.report()
    'All 1 s.v. paths stayed in the regular set.'
    """

    i: Tensor
    t: Tensor
    z: Tensor
    s: Tensor
    v: Tensor
    u: Tensor
    valid: Tensor
    exit_t: Tensor

    @property
    def left_regular_set(self) -> Tensor:
        """Bool (n,): which paths left the regular set inside ``t_span``."""
        return ~torch.isnan(self.exit_t)

    def report(self) -> str:
        """A one-paragraph summary: how many paths stayed regular, where others left."""
        n = self.exit_t.shape[0]
        left = self.left_regular_set
        if not left.any():
            return f"All {n} s.v. paths stayed in the regular set."
        times = ", ".join(f"{t:+.3g}" for t in self.exit_t[left].tolist()[:8])
        return (
            f"{int(left.sum())} of {n} s.v. paths left the regular set "
            f"(singular values met or vanished) at t = {times}; they are truncated there."
        )


def _column(M: Tensor, i: Tensor) -> Tensor:
    """``M[b, :, i[b]]`` for M of shape (n, k, d) and indices i of shape (n,)."""
    return M.gather(-1, i.view(-1, 1, 1).expand(M.shape[0], M.shape[1], 1)).squeeze(-1)


def _sv_field(
    decoder: Decoder, z: Tensor, i: Tensor, ref_V: Tensor, jac: JacobianFn | None
) -> tuple[Tensor, SVD, Tensor]:
    svd, overlap = continue_svd(ref_V, jacobian_svd(decoder, z, jacobian_fn=jac))
    return _column(svd.V, i), svd, overlap


def _integrate(
    decoder: Decoder,
    z0: Tensor,
    i: Tensor,
    h: float,
    n_steps: int,
    gap_tol: float,
    min_overlap: float,
    jac: JacobianFn | None,
) -> tuple[list[Tensor], list[SVD], list[Tensor], Tensor]:
    """RK4 in one direction (sign of h). Returns per-node z, svd, valid, exit index."""
    n = z0.shape[0]
    svd = jacobian_svd(decoder, z0, jacobian_fn=jac)
    z = z0.clone()
    zs, svds, valids = [z], [svd], [regular_gap(svd.S) > gap_tol]
    alive = valids[0].clone()
    exit_idx = torch.where(alive, torch.full((n,), -1), torch.zeros(n, dtype=torch.long))
    for step in range(1, n_steps + 1):
        V0 = svds[-1].V
        k1 = _column(V0, i)
        k2, _, o2 = _sv_field(decoder, z + 0.5 * h * k1, i, V0, jac)
        k3, _, o3 = _sv_field(decoder, z + 0.5 * h * k2, i, V0, jac)
        k4, _, o4 = _sv_field(decoder, z + h * k3, i, V0, jac)
        z_new = z + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
        new_svd, o5 = continue_svd(V0, jacobian_svd(decoder, z_new, jacobian_fn=jac))
        overlap = torch.stack([o2, o3, o4, o5]).amin(0).gather(1, i.view(-1, 1))[:, 0]
        ok = alive & (regular_gap(new_svd.S) > gap_tol) & (overlap > min_overlap)
        newly_dead = alive & ~ok
        exit_idx = torch.where(newly_dead, torch.full_like(exit_idx, step), exit_idx)
        alive = ok
        keep = alive.view(n, 1)
        z = torch.where(keep, z_new, z)
        merged = SVD(
            torch.where(keep.view(n, 1, 1), new_svd.U, svds[-1].U),
            torch.where(keep, new_svd.S, svds[-1].S),
            torch.where(keep.view(n, 1, 1), new_svd.V, svds[-1].V),
        )
        zs.append(z)
        svds.append(merged)
        valids.append(alive.clone())
    return zs, svds, valids, exit_idx


def sv_path(
    decoder: Decoder,
    z0: Tensor,
    i: int | list[int] | Tensor,
    t_span: tuple[float, float],
    n_steps: int = 200,
    *,
    gap_tol: float = 1e-6,
    min_overlap: float = 0.9,
    on_exit: Literal["stop", "raise"] = "stop",
    jacobian_fn: JacobianFn | None = None,
) -> SVPath:
    """Integrate the i-th singular-vector path ``dz/dt = v^i(z)`` through ``z0`` (Def. D3).

    Classical RK4 on a uniform grid of ``t_span``, integrated forwards and backwards from
    ``t = 0``; at every stage the sign of ``v^i`` is chosen continuous with the previous node
    (:func:`continue_svd`), so the vector field is smooth on the regular set. At ``t = 0`` the
    sign is that of :func:`jacobian_svd` (largest entry of ``v^i(z0)`` positive).

    A path *leaves the regular set* (Def. D2) when ``regular_gap(S) <= gap_tol`` (two singular
    values meet or ``J`` loses rank) or when ``v^i`` turns by more than ``arccos(min_overlap)``
    within one step (a crossing passed between nodes). It is then stopped at its last regular
    point, its nodes are marked invalid and the time is recorded in ``exit_t``.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out).
    z0 : Tensor, shape (n, d) or (d,)
        Start points; several paths are integrated together (batched).
    i : int or sequence of int (one per path)
        Which singular vector, 0-based (0 = largest singular value).
    t_span : (t_min, t_max)
        With ``t_min <= 0 <= t_max``; the path has unit latent speed, so ``t`` is latent
        arc length.
    n_steps : int
        RK4 steps over the whole span (step ``h = (t_max - t_min) / n_steps``).
    gap_tol, min_overlap
        Regular-set tolerances, see above.
    on_exit
        ``"stop"`` (default) truncates and reports; ``"raise"`` raises ``ValueError``.
    jacobian_fn
        Optional closed-form Jacobian ``z (n, d) -> (n, m, d)``, e.g. a generator's
        ``.jacobian``: much faster than autodiff for tiny decoders (RK4 evaluates the
        Jacobian four times per step). Default :func:`jacobian`.

    Returns
    -------
    SVPath

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.seams import sv_path
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> path = sv_path(lambda z: z @ W.T, z, 0, (-1.0, 1.0), n_steps=4)
    >>> path.t.tolist(), path.z[-1].tolist()
    ([-1.0, -0.5, 0.0, 0.5, 1.0], [[1.0, 0.0]])
    """
    zb, _ = as_batch(z0, "z0")
    n, d = zb.shape
    idx = torch.as_tensor(i, dtype=torch.long, device=zb.device).reshape(-1)
    if idx.numel() == 1:
        idx = idx.expand(n).clone()
    if idx.numel() != n or not bool(((idx >= 0) & (idx < d)).all()):
        raise ValueError(
            f"i={i} must be one singular-vector index in [0, {d}) or one per path ({n} paths)."
        )
    t_min, t_max = float(t_span[0]), float(t_span[1])
    if not (t_min <= 0.0 <= t_max) or t_max - t_min <= 0:
        raise ValueError(
            f"t_span must satisfy t_min <= 0 <= t_max with t_max > t_min, got {t_span}."
        )
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1, got {n_steps}.")
    h = (t_max - t_min) / n_steps
    n_fwd = int(round(t_max / h))
    n_bwd = n_steps - n_fwd
    fz, fs, fv, fe = _integrate(decoder, zb, idx, h, n_fwd, gap_tol, min_overlap, jacobian_fn)
    bz, bs, bv, be = _integrate(decoder, zb, idx, -h, n_bwd, gap_tol, min_overlap, jacobian_fn)
    zs = bz[::-1] + fz[1:]
    svds = bs[::-1] + fs[1:]
    valid = torch.stack(bv[::-1] + fv[1:])
    t = torch.arange(-n_bwd, n_fwd + 1, dtype=zb.dtype, device=zb.device) * h
    exit_t = torch.full((zb.shape[0],), math.nan, dtype=zb.dtype, device=zb.device)
    exit_t = torch.where(be >= 0, -be.to(zb.dtype) * h, exit_t)
    exit_t = torch.where(fe >= 0, fe.to(zb.dtype) * h, exit_t)  # forward exit takes priority
    path = SVPath(
        i=idx,
        t=t,
        z=torch.stack(zs),
        s=torch.stack([s.S for s in svds]),
        v=torch.stack([_column(s.V, idx) for s in svds]),
        u=torch.stack([_column(s.U, idx) for s in svds]),
        valid=valid,
        exit_t=exit_t,
    )
    if on_exit == "raise" and path.left_regular_set.any():
        raise ValueError(path.report())
    return path


@dataclass(frozen=True)
class Seam:
    """Image of an s.v. path on the manifold: the i-th seam (Def. D4).

    Attributes
    ----------
    t : Tensor, shape (T,)
    x : Tensor, shape (T, n, m)
        ``x_t = g(z_t)``.
    coordinate : Tensor, shape (T, n)
        Seam coordinate ``u_i(t) = int_0^t s^i(z_tau) d tau`` (trapezoid rule), i.e. arc length
        along the seam measured from ``g(z0)``.
    valid : Tensor of bool, shape (T, n)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.seams import seam, sv_path
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> path = sv_path(lambda z: z @ W.T, z, 0, (0.0, 1.0), n_steps=2)
    >>> tuple(seam(lambda z: z @ W.T, path).x.shape)
    (3, 1, 3)
    """

    t: Tensor
    x: Tensor
    coordinate: Tensor
    valid: Tensor


def seam(decoder: Decoder, path: SVPath) -> Seam:
    """The seam ``{g(z_t)}`` traced by an s.v. path (Def. D4, Lemma C.1).

    Parameters
    ----------
    decoder
        The decoder the path was integrated for.
    path : SVPath

    Returns
    -------
    Seam
        Points ``x_t`` (T, n, m) and seam coordinate ``u_i(t)`` (T, n).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.seams import seam, sv_path
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> path = sv_path(lambda z: z @ W.T, z, 0, (-1.0, 1.0), n_steps=4)
    >>> seam(lambda z: z @ W.T, path).coordinate[:, 0].tolist()
    [-2.0, -1.0, 0.0, 1.0, 2.0]
    """
    T, n, d = path.z.shape
    x = decoder(path.z.reshape(T * n, d)).reshape(T, n, -1)
    check_finite(x.reshape(T * n, -1), "output")
    s_i = path.s.gather(-1, path.i.view(1, -1, 1).expand(T, n, 1)).squeeze(-1)
    h = path.t[1] - path.t[0] if T > 1 else torch.zeros((), dtype=path.t.dtype)
    incr = 0.5 * h * (s_i[1:] + s_i[:-1])
    cum = torch.cat([torch.zeros_like(s_i[:1]), incr.cumsum(0)])
    i0 = int(torch.argmin(path.t.abs()))
    return Seam(t=path.t, x=x, coordinate=cum - cum[i0], valid=path.valid)


def path_velocity(t: Tensor, x: Tensor) -> Tensor:
    """Fourth-order central finite-difference velocity ``dx/dt`` along a uniform grid.

    Parameters
    ----------
    t : Tensor, shape (T,), uniform, T >= 5
    x : Tensor, shape (T, ...)

    Returns
    -------
    Tensor, shape (T - 4, ...)
        Velocity at the interior nodes ``t[2:-2]`` (error ``O(h^4)``).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.seams import path_velocity
    >>> t = torch.linspace(0.0, 1.0, 5, dtype=torch.float64)
    >>> [round(v, 6) for v in path_velocity(t, 3 * t).tolist()]
    [3.0]
    """
    if t.ndim != 1 or t.shape[0] < 5 or x.shape[0] != t.shape[0]:
        raise ValueError(
            f"path_velocity needs a 1-D grid of >= 5 times matching x's first axis; got "
            f"t {tuple(t.shape)}, x {tuple(x.shape)}."
        )
    h = t[1] - t[0]
    return (x[:-4] - 8 * x[1:-3] + 8 * x[3:-1] - x[4:]) / (12 * h)


# --------------------------------------------------------------------------------------
# Seam coordinates of axis-aligned lines (Def. D1) and the volume factor (Lemma 5.1)
# --------------------------------------------------------------------------------------
def axis_seam_coordinates(decoder: Decoder, z: Tensor, n_nodes: int = 32) -> Tensor:
    """Coordinates ``u_i(z)`` of Def. D1: arc length of ``g`` along the axis-aligned line.

    ``u_i(z) = int_0^{z_i} ||J(z_{-i}, tau) e_i|| d tau`` -- the position of ``g(z)`` along the
    image of the line through ``z`` that varies only ``z_i``, measured from ``z_i = 0`` (Eq. 5).
    Under C1 these lines are s.v. paths and ``u_i`` is the seam coordinate of Def. D4.
    Gauss-Legendre quadrature with ``n_nodes`` nodes (exact to ~1e-12 for smooth ``g``).

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out).
    z : Tensor, shape (n, d)

    Returns
    -------
    Tensor, shape (n, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.seams import axis_seam_coordinates
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    >>> u = axis_seam_coordinates(lambda z: z @ W.T, z)
    >>> u.round(decimals=6).tolist()
    [[2.0, -1.0]]
    """
    zb, _ = as_batch(z)
    n, d = zb.shape
    nodes, weights = np.polynomial.legendre.leggauss(n_nodes)
    tau = torch.as_tensor((nodes + 1) / 2, dtype=zb.dtype, device=zb.device)  # on [0, 1]
    w = torch.as_tensor(weights / 2, dtype=zb.dtype, device=zb.device)
    out = torch.empty_like(zb)
    for i in range(d):
        pts = zb.unsqueeze(0).repeat(n_nodes, 1, 1)  # (Q, n, d)
        pts[..., i] = tau.view(-1, 1) * zb[:, i].view(1, -1)
        tangent = jvp_column(decoder, pts.reshape(-1, d), i).reshape(n_nodes, n, -1)
        speed = tangent.norm(dim=-1)  # (Q, n)
        out[:, i] = zb[:, i] * (w.view(-1, 1) * speed).sum(0)
    return out


def log_pushforward_density(decoder: Decoder, z: Tensor) -> Tensor:
    """``log p_mu(g(z)) = sum_i log N(z_i; 0, 1) - sum_i log s^i(z)`` (Lemma 5.1, Eq. 7).

    The density of the push-forward of a standard Gaussian prior on the manifold, with
    respect to its d-dimensional volume, at ``g(z)`` (``g`` injective).

    Returns
    -------
    Tensor, shape (n,)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.seams import log_pushforward_density
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> round(log_pushforward_density(lambda z: 2 * z, z).item(), 4)  # -log(2 pi) - log 4
    -3.2242
    """
    zb, _ = as_batch(z)
    return standard_normal_log_prior(zb) - log_volume(jacobian(decoder, zb))


def ball_density(samples: Tensor, centres: Tensor, radius: float, d: int) -> tuple[Tensor, Tensor]:
    """Monte Carlo density on a d-dimensional manifold from ball counts (Lemma 5.1 check).

    ``p_hat(x) = #{samples within radius of x} / (N V_d radius^d)`` with ``V_d`` the volume of
    the unit d-ball: the ball meets the manifold in a geodesic disc of volume
    ``V_d radius^d (1 + O(radius^2))``. The standard error is Poisson,
    ``sqrt(count) / (N V_d radius^d)``.

    Parameters
    ----------
    samples : Tensor, shape (N, m)
        Points ``g(z)``, ``z`` from the prior.
    centres : Tensor, shape (k, m)
        Points on the manifold where the density is estimated.
    radius : float
    d : int
        Intrinsic dimension.

    Returns
    -------
    estimate, stderr : Tensors, shape (k,)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.seams import ball_density
    >>> t = torch.linspace(0.0, 1.0, 1001, dtype=torch.float64)
    >>> samples = torch.stack([t, torch.zeros_like(t)], dim=1)  # uniform on a unit segment
    >>> centre = torch.tensor([[0.5, 0.0]], dtype=torch.float64)
    >>> est, err = ball_density(samples, centre, 0.105, d=1)
    >>> round(est.item(), 2)
    1.0
    """
    if samples.ndim != 2 or centres.ndim != 2 or samples.shape[1] != centres.shape[1]:
        raise ValueError(
            f"samples (N, m) and centres (k, m) must share m; got {tuple(samples.shape)}, "
            f"{tuple(centres.shape)}."
        )
    if not radius > 0:
        raise ValueError(f"radius must be > 0, got {radius}.")
    vol = math.pi ** (d / 2) / math.gamma(d / 2 + 1) * radius**d
    counts = torch.stack([((samples - c).pow(2).sum(-1) <= radius**2).sum() for c in centres]).to(
        samples.dtype
    )
    norm = samples.shape[0] * vol
    return counts / norm, counts.sqrt() / norm
