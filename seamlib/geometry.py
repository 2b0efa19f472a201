"""Decoder geometry: Jacobians, their SVD, singular-vector paths, seams and the C1/C2 scores.

Implements Section 5 and Appendices A, C and E of Allen (2025), *Unpicking Data at the Seams*:

* :func:`jacobian` -- ``J_z = dg/dz`` for a batch of latents (``torch.func.vmap`` + ``jacfwd``).
* :func:`jacobian_svd` -- ``J_z = U_z S_z V_z^T`` with a fixed order/sign convention, and
  :func:`continue_svd` which keeps signs consistent along a path (Def. D2, continuous SVD).
* :func:`sv_path` -- integrates ``dz/dt = v^i(z)`` (Def. D3) with RK4 and sign continuity and
  reports when a path leaves the regular set ``Z_reg`` (Def. D2); :func:`seam` returns its
  image ``g(z_t)`` and the seam coordinate ``u_i(t) = int s^i dt`` (Def. D4, Lemma C.1).
* :func:`c1_score` / :func:`c2_score` -- how far a decoder is from constraints C1 (``V_z`` a
  signed permutation; ``J^T J`` diagonal) and C2 (``ds_i/dz_j`` diagonal) of Lemma 4.1.
* :func:`hessian_term` -- the directed Hessian ``sum_l (x - d(z))_l H_l`` of Eq. 6 / Eq. 9,
  a ``d x d`` matrix per point, by forward-over-reverse differentiation.
* :func:`normalised_off_diagonal` -- the diagonality measure of Appendix E;
  :func:`eq6_terms` -- batch means of both derivative terms of Eq. 6 (Property P1).
* :func:`log_pushforward_density`, :func:`ball_density` -- the manifold density of Lemma 5.1
  (Eq. 7) and a Monte Carlo estimate of it.
* :func:`axis_seam_coordinates`, :func:`independence_test` -- the coordinates ``u_i`` of
  Def. D1 (Eq. 5) and a mutual-information permutation test of their independence
  (Theorem 5.2).

Conventions
-----------
A *decoder* is any callable mapping a batch of latents ``z`` of shape ``(n, d)`` to outputs of
shape ``(n, *out)`` (a ``torch.nn.Module`` or a function of torch operations). Outputs are
flattened to ``m = prod(out)`` coordinates. Functions take the decoder first, then tensors.
Use float64 for exactness checks; every function keeps the dtype and device of ``z``.

SVD convention (used everywhere in seamlib): singular values are in *decreasing* order
``s^1 >= ... >= s^d``; the sign of each right singular vector ``v^i`` is chosen so that its
entry of largest magnitude is positive, and ``u^i = J v^i / s^i`` (so ``J v^i = s^i u^i``
holds with this sign). Along a path the sign is instead chosen by continuity
(:func:`continue_svd`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import Tensor
from torch.func import grad, jacfwd, jvp, vmap

# torch registers its forward-mode (jvp) decompositions with torch.jit.script on first use,
# which emits a harmless DeprecationWarning in torch >= 2.10; load them once, quietly.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
    import torch._decomp.decompositions_for_jvp  # noqa: F401

__all__ = [
    "Decoder",
    "JacobianFn",
    "SVD",
    "SVPath",
    "Seam",
    "C1Score",
    "C2Score",
    "jacobian",
    "jacobian_and_value",
    "jvp_column",
    "jacobian_svd",
    "svd_of_jacobian",
    "continue_svd",
    "regular_gap",
    "sv_path",
    "seam",
    "path_velocity",
    "normalised_off_diagonal",
    "off_diagonal_fraction",
    "signed_permutation_distance",
    "c1_from_jacobian",
    "c1_score",
    "singular_value_jacobian",
    "c2_score",
    "hessian_term",
    "axis_seam_coordinates",
    "log_volume",
    "log_pushforward_density",
    "ksg_mutual_information",
    "IndependenceTest",
    "independence_test",
    "ball_density",
    "eq6_terms",
    # identifiability (issue 7)
    "LogPrior",
    "standard_normal_log_prior",
    "TangentHessian",
    "tangent_hessian",
    "offdiagonal_ratio",
    "tangent_eigh",
    "spectral_gap",
    "DirectionMatch",
    "match_directions",
    "seam_alignment",
]

#: A decoder maps latents (n, d) to outputs (n, *out).
Decoder = Callable[[Tensor], Tensor]
#: A Jacobian function maps latents (n, d) to Jacobians (n, m, d).
JacobianFn = Callable[[Tensor], Tensor]


# --------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------
def _as_batch(z: Tensor, name: str = "z") -> tuple[Tensor, bool]:
    """Return ``z`` as shape (n, d) and whether the input was a single point (d,)."""
    if not isinstance(z, Tensor):
        raise ValueError(
            f"{name} must be a torch.Tensor of shape (n, d) or (d,), got {type(z).__name__}. "
            "Fix: wrap it with torch.as_tensor(..., dtype=torch.float64)."
        )
    if not torch.is_floating_point(z):
        raise ValueError(f"{name} must be a floating-point tensor, got dtype {z.dtype}.")
    if z.ndim == 1:
        z, single = z.unsqueeze(0), True
    elif z.ndim == 2:
        single = False
    else:
        raise ValueError(
            f"{name} must have shape (n, d) or (d,), got shape {tuple(z.shape)}. "
            "Fix: reshape the latents to one row per point."
        )
    if z.shape[1] < 1 or z.shape[0] < 1:
        raise ValueError(
            f"{name} must hold at least one point of dimension >= 1, got shape {tuple(z.shape)}."
        )
    if not torch.isfinite(z).all():
        raise ValueError(f"{name} contains NaN or inf; latents must be finite.")
    return z, single


def _check_finite(t: Tensor, what: str) -> None:
    if not torch.isfinite(t).all():
        bad = (~torch.isfinite(t)).flatten(1).any(1).nonzero().flatten()[:5].tolist()
        raise ValueError(
            f"The decoder's {what} contains NaN or inf (first bad points: {bad}). Check the "
            "decoder's parameters and that the latents lie in its domain."
        )


def _flat(decoder: Decoder) -> Callable[[Tensor], Tensor]:
    """Single-point version of ``decoder``: (d,) -> (m,)."""

    def f(z1: Tensor) -> Tensor:
        return decoder(z1.unsqueeze(0)).reshape(-1)

    return f


# --------------------------------------------------------------------------------------
# Jacobian and its SVD (Def. D2)
# --------------------------------------------------------------------------------------
def jacobian_and_value(decoder: Decoder, z: Tensor) -> tuple[Tensor, Tensor]:
    """Decoder Jacobian ``J_z`` and value ``g(z)`` in one batched forward-mode pass.

    Parameters
    ----------
    decoder
        Maps latents (n, d) to outputs (n, *out); outputs are flattened to m coordinates.
    z : Tensor, shape (n, d) or (d,)

    Returns
    -------
    J : Tensor, shape (n, m, d) (or (m, d) for a single point)
    value : Tensor, shape (n, m) (or (m,))

    Raises
    ------
    ValueError
        ``z`` not of shape (n, d) / (d,), not floating point or not finite; or the decoder
        returns NaN/inf values or derivatives.

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> J, x = geometry.jacobian_and_value(g, torch.ones(4, 2, dtype=torch.float64))
    >>> tuple(J.shape), tuple(x.shape)
    ((4, 4, 2), (4, 4))
    """
    zb, single = _as_batch(z)
    f = _flat(decoder)

    def f_aux(z1: Tensor) -> tuple[Tensor, Tensor]:
        y = f(z1)
        return y, y

    J, y = vmap(jacfwd(f_aux, has_aux=True))(zb)
    _check_finite(y, "output")
    _check_finite(J, "Jacobian")
    if single:
        return J[0], y[0]
    return J, y


def jacobian(decoder: Decoder, z: Tensor) -> Tensor:
    """Decoder Jacobian ``J_z = dg/dz`` at a batch of latents (``vmap`` + ``jacfwd``).

    Forward mode costs ``d`` Jacobian-vector products per point, the cheap direction for
    decoders (``d`` latents, ``m >> d`` outputs).

    Parameters
    ----------
    decoder
        Maps latents (n, d) to outputs (n, *out); outputs are flattened to m coordinates.
    z : Tensor, shape (n, d) or (d,)

    Returns
    -------
    Tensor, shape (n, m, d) (or (m, d) for a single point)

    Raises
    ------
    ValueError
        Bad ``z`` (shape, dtype, NaN) or a decoder returning NaN/inf.

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> J = geometry.jacobian(g, torch.zeros(5, 2, dtype=torch.float64))
    >>> tuple(J.shape)
    (5, 4, 2)
    """
    return jacobian_and_value(decoder, z)[0]


@dataclass(frozen=True)
class SVD:
    """Thin SVD ``J = U diag(S) V^T`` of a batch of Jacobians (the seamlib convention).

    Attributes
    ----------
    U : Tensor, shape (n, m, d)
        Left singular vectors ``u^i`` (columns): seam directions on the manifold.
    S : Tensor, shape (n, d)
        Singular values, decreasing.
    V : Tensor, shape (n, d, d)
        Right singular vectors ``v^i`` (columns): s.v. path directions in latent space.

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> svd = geometry.svd_of_jacobian(torch.eye(3, 2, dtype=torch.float64).repeat(4, 1, 1))
    >>> tuple(svd.U.shape), tuple(svd[0].S.shape)
    ((4, 3, 2), (2,))
    """

    U: Tensor
    S: Tensor
    V: Tensor

    def __getitem__(self, idx: int | slice | Tensor) -> SVD:
        return SVD(self.U[idx], self.S[idx], self.V[idx])


def svd_of_jacobian(J: Tensor) -> SVD:
    """SVD of Jacobians ``J`` of shape (n, m, d) with the seamlib order/sign convention.

    Order: ``S`` decreasing. Sign: the largest-magnitude entry of each ``v^i`` is positive
    and ``u^i = J v^i / s^i``. Requires ``m >= d`` (an immersion, as in the paper).

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> J = torch.tensor([[[1.0, 0.0], [0.0, 3.0]]], dtype=torch.float64)
    >>> svd = geometry.svd_of_jacobian(J)
    >>> svd.S.tolist(), svd.V.tolist()
    ([[3.0, 1.0]], [[[0.0, 1.0], [1.0, 0.0]]])
    """
    if J.ndim != 3:
        raise ValueError(f"J must have shape (n, m, d), got {tuple(J.shape)}.")
    n, m, d = J.shape
    if m < d:
        raise ValueError(
            f"The Jacobian is {m} x {d}: the output dimension m={m} is smaller than the latent "
            f"dimension d={d}, so g cannot be an immersion. Use a decoder with m >= d."
        )
    U, S, Vh = torch.linalg.svd(J, full_matrices=False)
    V = Vh.transpose(-1, -2)
    idx = V.abs().argmax(dim=-2, keepdim=True)  # (n, 1, d): row of the largest entry
    sign = torch.sign(torch.gather(V, -2, idx))
    sign = torch.where(sign == 0, torch.ones_like(sign), sign)
    return SVD(U * sign, S, V * sign)


def jacobian_svd(decoder: Decoder, z: Tensor, *, jacobian_fn: JacobianFn | None = None) -> SVD:
    """SVD ``J_z = U_z S_z V_z^T`` of the decoder Jacobian at a batch of latents.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out).
    z : Tensor, shape (n, d)
    jacobian_fn
        Optional closed-form Jacobian ``z (n, d) -> J (n, m, d)`` (e.g.
        :meth:`seamlib.generators.Generator.jacobian`); default :func:`jacobian`.

    Returns
    -------
    SVD
        ``U`` (n, m, d), ``S`` (n, d) decreasing, ``V`` (n, d, d); sign convention of
        :func:`svd_of_jacobian` (largest entry of each ``v^i`` positive).

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> svd = geometry.jacobian_svd(lambda z: z @ W.T, torch.zeros(3, 2, dtype=torch.float64))
    >>> svd.S[0].tolist()
    [2.0, 1.0]
    """
    zb, _ = _as_batch(z)
    J = jacobian(decoder, zb) if jacobian_fn is None else jacobian_fn(zb)
    if jacobian_fn is not None:
        _check_finite(J, "Jacobian")
    return svd_of_jacobian(J)


def continue_svd(reference_V: Tensor, svd: SVD) -> tuple[SVD, Tensor]:
    """Choose the signs of ``svd`` continuously from a nearby reference (Def. D2, footnote 4).

    Flips ``v^i`` and ``u^i`` together so that ``<v^i_ref, v^i> >= 0``. The order is kept
    decreasing (the order of Def. D2); the returned overlaps ``|<v^i_ref, v^i>|`` show
    whether the step was small enough: an overlap well below 1 means the singular vectors
    rotated a lot between the two points (close to a crossing ``s^i = s^{i+1}``, i.e. near
    the edge of the regular set, or a step that is too long).

    Parameters
    ----------
    reference_V : Tensor, shape (n, d, d)
        Right singular vectors at the previous point of each path.
    svd : SVD
        The SVD at the new points (batch n).

    Returns
    -------
    svd : SVD
        With continuous signs.
    overlap : Tensor, shape (n, d)
        ``|<v^i_ref, v^i>|`` per singular vector.

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> svd = geometry.svd_of_jacobian(torch.eye(3, 2, dtype=torch.float64).unsqueeze(0) * 2)
    >>> flipped = geometry.SVD(-svd.U, svd.S, -svd.V)
    >>> same, overlap = geometry.continue_svd(svd.V, flipped)
    >>> bool(torch.equal(same.V, svd.V)), overlap.tolist()
    (True, [[1.0, 1.0]])
    """
    dots = (reference_V * svd.V).sum(dim=-2)  # (n, d)
    sign = torch.where(dots < 0, -torch.ones_like(dots), torch.ones_like(dots))
    s = sign.unsqueeze(-2)
    return SVD(svd.U * s, svd.S, svd.V * s), dots.abs()


def regular_gap(S: Tensor) -> Tensor:
    """Distance to the edge of the regular set ``Z_reg`` (Def. D2), relative to ``s^1``.

    ``min( min_i (s^i - s^{i+1}), s^d ) / s^1`` for singular values ``S`` of shape (..., d)
    in decreasing order: zero exactly when two singular values coincide or ``J`` loses rank.

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> geometry.regular_gap(torch.tensor([4.0, 2.0, 1.0])).item()
    0.25
    """
    gaps = S[..., :-1] - S[..., 1:]
    smallest = torch.cat([gaps, S[..., -1:]], dim=-1).amin(dim=-1)
    return smallest / S[..., 0].clamp_min(torch.finfo(S.dtype).tiny)


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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> path = geometry.sv_path(lambda z: z @ W.T, z, 0, (0.0, 1.0), n_steps=2)
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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> path = geometry.sv_path(lambda z: z @ W.T, z, 0, (-1.0, 1.0), n_steps=4)
    >>> path.t.tolist(), path.z[-1].tolist()
    ([-1.0, -0.5, 0.0, 0.5, 1.0], [[1.0, 0.0]])
    """
    zb, _ = _as_batch(z0, "z0")
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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> path = geometry.sv_path(lambda z: z @ W.T, z, 0, (0.0, 1.0), n_steps=2)
    >>> tuple(geometry.seam(lambda z: z @ W.T, path).x.shape)
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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> path = geometry.sv_path(lambda z: z @ W.T, z, 0, (-1.0, 1.0), n_steps=4)
    >>> geometry.seam(lambda z: z @ W.T, path).coordinate[:, 0].tolist()
    [-2.0, -1.0, 0.0, 1.0, 2.0]
    """
    T, n, d = path.z.shape
    x = decoder(path.z.reshape(T * n, d)).reshape(T, n, -1)
    _check_finite(x.reshape(T * n, -1), "output")
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
    >>> from seamlib import geometry
    >>> t = torch.linspace(0.0, 1.0, 5, dtype=torch.float64)
    >>> [round(v, 6) for v in geometry.path_velocity(t, 3 * t).tolist()]
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
# Diagonality measures and the C1 / C2 scores (Lemma 4.1, Appendix E)
# --------------------------------------------------------------------------------------
def normalised_off_diagonal(M: Tensor, eps: float = 1e-12) -> Tensor:
    """Appendix E's normalised off-diagonal of square matrices ``M`` of shape (..., d, d).

    ``A = |M|``; ``A <- diag(A)^{-1/2} A diag(A)^{-1/2}``; return the mean of the
    ``d (d - 1)`` off-diagonal entries of ``A``. Zero for a diagonal matrix; for ``M = J^T J``
    it is the mean ``|cos|`` of the angles between Jacobian columns. Diagonal entries below
    ``eps`` are clamped to ``eps``.

    The batched, differentiable torch counterpart of
    :func:`seamlib.metrics.normalized_off_diagonal` (numpy, which instead rejects a zero
    diagonal); the two agree on matrices with a positive diagonal (tested).

    Returns
    -------
    Tensor, shape (...)

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> geometry.normalised_off_diagonal(torch.tensor([[1.0, 0.5], [0.5, 1.0]])).item()
    0.5
    """
    if M.ndim < 2 or M.shape[-1] != M.shape[-2]:
        raise ValueError(f"M must have shape (..., d, d), got {tuple(M.shape)}.")
    d = M.shape[-1]
    if d < 2:
        return torch.zeros(M.shape[:-2], dtype=M.dtype, device=M.device)
    A = M.abs()
    dg = torch.diagonal(A, dim1=-2, dim2=-1).clamp_min(eps).rsqrt()
    A = dg.unsqueeze(-1) * A * dg.unsqueeze(-2)
    off = A.sum(dim=(-1, -2)) - torch.diagonal(A, dim1=-2, dim2=-1).sum(-1)
    return off / (d * (d - 1))


def _assignment(absV: np.ndarray) -> np.ndarray:
    """perm[b, i] = latent axis matched to singular vector i (maximises sum |V[perm_i, i]|)."""
    n, d, _ = absV.shape
    perm = np.empty((n, d), dtype=np.int64)
    for b in range(n):
        rows, cols = linear_sum_assignment(-absV[b])  # rows: latent axis, cols: s.v. index
        perm[b, cols] = rows
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
    >>> from seamlib import geometry
    >>> dist, perm = geometry.signed_permutation_distance(torch.tensor([[[0.0, -1.0], [1.0, 0.0]]]))
    >>> dist.tolist(), perm.tolist()
    ([0.0], [[1, 0]])
    """
    absV = V.detach().abs().cpu().numpy()
    perm = _assignment(absV)
    matched = np.take_along_axis(absV, perm[:, None, :], axis=1)[:, 0, :]  # (n, d)
    # ||V - P||^2 = sum_i (1 - |V_pi(i),i|)^2 + (off-matched mass), without cancellation
    off = (absV**2).sum(axis=(1, 2)) - (matched**2).sum(-1)
    dist = np.sqrt(((1 - matched) ** 2).sum(-1) + np.clip(off, 0.0, None))
    return torch.as_tensor(dist, dtype=V.dtype, device=V.device), torch.as_tensor(
        perm, device=V.device
    )


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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> score = geometry.c1_score(lambda z: z @ W.T, z)
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
    >>> from seamlib import geometry
    >>> J = torch.tensor([[[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]], dtype=torch.float64)
    >>> score = geometry.c1_from_jacobian(J)
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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> score = geometry.c1_score(lambda z: z @ W.T, torch.zeros(1, 2, dtype=torch.float64))
    >>> round(score.offdiag.item(), 4)
    0.7071
    """
    zb, _ = _as_batch(z)
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
    >>> from seamlib import geometry
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> dS = geometry.singular_value_jacobian(g, torch.tensor([[1.0, 0.5]], dtype=torch.float64))
    >>> dS.abs().round(decimals=3).tolist()
    [[[1.789, 0.0], [0.0, 1.414]]]
    """
    zb, _ = _as_batch(z)
    f = _flat(decoder)

    def svals(z1: Tensor) -> Tensor:
        return torch.linalg.svdvals(jacfwd(f)(z1))

    dS = vmap(jacfwd(svals))(zb)
    _check_finite(dS, "singular-value derivatives")
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
    >>> from seamlib import geometry
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> score = geometry.c2_score(g, torch.tensor([[1.0, 0.5]], dtype=torch.float64))
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
    >>> from seamlib import geometry
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> score = geometry.c2_score(g, torch.tensor([[1.0, 0.5]], dtype=torch.float64))
    >>> round(score.offdiag_fraction.item(), 6)
    0.0
    """
    zb, _ = _as_batch(z)
    dS = singular_value_jacobian(decoder, zb)
    _, perm = signed_permutation_distance(jacobian_svd(decoder, zb).V)
    P = torch.zeros_like(dS)
    P.scatter_(1, perm.unsqueeze(-1).expand_as(dS), dS)  # row perm[i] <- row i
    return C2Score(
        offdiag=normalised_off_diagonal(P), offdiag_fraction=off_diagonal_fraction(P), ds_dz=P
    )


def off_diagonal_fraction(M: Tensor) -> Tensor:
    """``||M - diag(M)||_F / ||M||_F`` for matrices (..., d, d); 0 for the zero matrix.

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> geometry.off_diagonal_fraction(torch.eye(3)).item()
    0.0
    """
    total = M.pow(2).sum(dim=(-1, -2))
    diag = torch.diagonal(M, dim1=-2, dim2=-1).pow(2).sum(-1)
    return ((total - diag).clamp_min(0) / total.clamp_min(torch.finfo(M.dtype).tiny)).sqrt()


# --------------------------------------------------------------------------------------
# The directed Hessian term of Eq. 6 / Eq. 9
# --------------------------------------------------------------------------------------
def hessian_term(decoder: Decoder, x: Tensor, z: Tensor) -> Tensor:
    """``sum_l (x - d(z))_l H_l(z)``, the Hessian term of Eq. 6 / Eq. 9, per point.

    ``H_l`` is the ``d x d`` Hessian of output coordinate ``l``. The sum equals the Hessian in
    ``z'`` of ``phi(z') = r . d(z')`` at ``z' = z`` with the residual ``r = x - d(z)`` held
    fixed, computed forward-over-reverse (``jacfwd(grad(phi))``, ``d`` Jacobian-vector
    products of one gradient), batched with ``vmap``. The ``m x d x d`` Hessian is never formed.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out).
    x : Tensor, shape (n, *out) or (n, m)
        Data points (same number of entries per point as the decoder output).
    z : Tensor, shape (n, d)

    Returns
    -------
    Tensor, shape (n, d, d)
        Symmetric matrices.

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> z = torch.ones(1, 2, dtype=torch.float64)
    >>> x = torch.tensor([[2.0, 3.0]], dtype=torch.float64)
    >>> geometry.hessian_term(lambda z: z.pow(2), x, z).tolist()
    [[[2.0, 0.0], [0.0, 4.0]]]
    """
    zb, _ = _as_batch(z)
    if not isinstance(x, Tensor) or x.shape[0] != zb.shape[0]:
        raise ValueError(
            f"x must be a tensor with one row per latent point (n={zb.shape[0]}), got "
            f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}."
        )
    f = _flat(decoder)
    xf = x.reshape(x.shape[0], -1).to(zb.dtype)
    with torch.no_grad():
        y = decoder(zb).reshape(zb.shape[0], -1)
    if y.shape[1] != xf.shape[1]:
        raise ValueError(
            f"x has {xf.shape[1]} entries per point but the decoder outputs {y.shape[1]}; "
            "pass data of the decoder's output shape."
        )
    _check_finite(y, "output")
    r = xf - y

    def hvp_matrix(z1: Tensor, r1: Tensor) -> Tensor:
        def phi(zz: Tensor) -> Tensor:
            return (r1 * f(zz)).sum()

        return jacfwd(grad(phi))(z1)

    H = vmap(hvp_matrix)(zb, r)
    _check_finite(H, "Hessian term")
    return H


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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.tensor([[1.0, -1.0]], dtype=torch.float64)
    >>> u = geometry.axis_seam_coordinates(lambda z: z @ W.T, z)
    >>> u.round(decimals=6).tolist()
    [[2.0, -1.0]]
    """
    zb, _ = _as_batch(z)
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


def jvp_column(decoder: Decoder, z: Tensor, i: int) -> Tensor:
    """Column ``i`` of the Jacobian, ``J_z e_i``, at a batch (one forward-mode pass).

    Returns
    -------
    Tensor, shape (n, m)

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> col = geometry.jvp_column(lambda z: 3 * z, torch.zeros(2, 2, dtype=torch.float64), 0)
    >>> col.tolist()
    [[3.0, 0.0], [3.0, 0.0]]
    """
    zb, _ = _as_batch(z)
    e = torch.zeros_like(zb)
    e[:, i] = 1.0
    col = jvp(lambda zz: decoder(zz).reshape(zz.shape[0], -1), (zb,), (e,))[1]
    _check_finite(col, "Jacobian")
    return col


def log_volume(J: Tensor) -> Tensor:
    """``log det(J^T J)^{1/2} = sum_i log s^i`` for Jacobians (n, m, d) (Lemma 5.1).

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> J = torch.tensor([[[2.0, 0.0], [0.0, 3.0], [0.0, 0.0]]], dtype=torch.float64)
    >>> round(geometry.log_volume(J).item(), 4)  # log(2 * 3)
    1.7918
    """
    return torch.linalg.svdvals(J).log().sum(-1)


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
    >>> from seamlib import geometry
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> round(geometry.log_pushforward_density(lambda z: 2 * z, z).item(), 4)  # -log(2 pi) - log 4
    -3.2242
    """
    zb, _ = _as_batch(z)
    log_prior = -0.5 * (zb**2).sum(-1) - 0.5 * zb.shape[1] * math.log(2 * math.pi)
    return log_prior - log_volume(jacobian(decoder, zb))


# ======================================================================================
# Identifiability (issue 7): the tangent Hessian of log p_mu (Lemmas 6.3, 6.4, Cor. D.1)
# and matching of directions up to permutation and sign (P&S).
# Section appended by the identifiability chapter; it only adds names.
# ======================================================================================
#: Log-density of a factorised prior at ONE latent point: (d,) -> scalar.
LogPrior = Callable[[Tensor], Tensor]


def standard_normal_log_prior(z1: Tensor) -> Tensor:
    """``sum_i log N(z_i; 0, 1)`` at one latent point ``z1`` of shape (d,) (a scalar).

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> round(geometry.standard_normal_log_prior(torch.zeros(2)).item(), 4)  # -log(2 pi)
    -1.8379
    """
    return -0.5 * (z1**2).sum() - 0.5 * z1.shape[-1] * math.log(2 * math.pi)


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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> th = geometry.tangent_hessian(lambda z: z @ W.T, z)
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

    i.e. the correction is the directed decoder Hessian of Eq. 6 (:func:`hessian_term`) with
    the residual ``x - d(z)`` replaced by the on-manifold score ``w``. As an operator on
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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> z = torch.zeros(1, 2, dtype=torch.float64)
    >>> th = geometry.tangent_hessian(lambda z: z @ W.T, z)
    >>> [round(v, 6) for v in torch.diagonal(th.seam[0]).tolist()]  # -1 / s_i^2
    [-0.25, -1.0]
    """
    zb, _ = _as_batch(z)
    lp = standard_normal_log_prior if log_prior is None else log_prior
    f = _flat(decoder)
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
    _check_finite(H, "tangent Hessian")
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


def offdiagonal_ratio(M: Tensor) -> Tensor:
    """``max_{i != j} |M_ij| / max_i |M_ii|`` per matrix of ``M`` (..., d, d).

    Zero exactly for a diagonal matrix; a scale-free size of the off-diagonal part.

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> geometry.offdiagonal_ratio(torch.tensor([[2.0, 0.5], [0.5, 1.0]])).item()
    0.25
    """
    if M.ndim < 2 or M.shape[-1] != M.shape[-2]:
        raise ValueError(f"M must have shape (..., d, d), got {tuple(M.shape)}.")
    d = M.shape[-1]
    eye = torch.eye(d, dtype=torch.bool, device=M.device)
    off = M.abs().masked_fill(eye, 0.0).amax(dim=(-1, -2))
    diag = torch.diagonal(M, dim1=-2, dim2=-1).abs().amax(-1)
    return off / diag.clamp_min(torch.finfo(M.dtype).tiny)


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
    >>> from seamlib import geometry
    >>> H = torch.diag(torch.tensor([-1.0, -4.0, 0.0], dtype=torch.float64)).unsqueeze(0)
    >>> evals, vecs = geometry.tangent_eigh(H, torch.eye(3, 2, dtype=torch.float64).unsqueeze(0))
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
    >>> from seamlib import geometry
    >>> geometry.spectral_gap(torch.tensor([-4.0, -1.0, 0.0])).item()
    0.25
    """
    lam = torch.sort(eigenvalues, dim=-1).values
    gaps = (lam[..., 1:] - lam[..., :-1]).amin(-1)
    return gaps / lam.abs().amax(-1).clamp_min(torch.finfo(lam.dtype).tiny)


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
    >>> from seamlib import geometry
    >>> ref = torch.eye(3, 2, dtype=torch.float64)
    >>> match = geometry.match_directions(ref, -ref)
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
    >>> from seamlib import geometry
    >>> ref = torch.eye(3, 2, dtype=torch.float64)
    >>> match = geometry.match_directions(ref, ref[:, [1, 0]] * torch.tensor([1.0, -1.0]))
    >>> match.perm.tolist(), match.sign.tolist()
    ([[1, 0]], [[-1.0, 1.0]])
    """
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
    A = dots.detach().abs().cpu().numpy()
    n, d, _ = A.shape
    perm = np.empty((n, d), dtype=np.int64)
    if shared:
        rows, cols = linear_sum_assignment(-A.sum(0))
        perm[:, rows] = cols
    else:
        for b in range(n):
            rows, cols = linear_sum_assignment(-A[b])
            perm[b, rows] = cols
    p = torch.as_tensor(perm, device=ref.device)
    matched = dots.gather(-1, p.unsqueeze(-1)).squeeze(-1)
    sign = torch.where(matched < 0, -torch.ones_like(matched), torch.ones_like(matched))
    return DirectionMatch(cos=matched.abs(), perm=p, sign=sign, abs_cos=dots.abs())


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
    >>> from seamlib import geometry
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> g, z = lambda z: z @ W.T, torch.zeros(2, 2, dtype=torch.float64)
    >>> geometry.seam_alignment(g, z, lambda z: -g(z), z).cos.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    zr, _ = _as_batch(z_reference, "z_reference")
    zc, _ = _as_batch(z_candidate, "z_candidate")
    if zr.shape[0] != zc.shape[0]:
        raise ValueError(
            f"Need one candidate point per reference point, got {zr.shape[0]} and {zc.shape[0]}."
        )
    Ur = jacobian_svd(reference, zr).U
    Uc = jacobian_svd(candidate, zc).U.to(Ur.dtype)
    return match_directions(Ur, Uc, shared=True)


# --------------------------------------------------------------------------------------
# Independence of seam coordinates (Def. D1, Theorem 5.2)
# --------------------------------------------------------------------------------------
def ksg_mutual_information(a: np.ndarray, b: np.ndarray, k: int = 5) -> float:
    """Kraskov-Stoegbauer-Grassberger (estimator 1) mutual information of two scalars, nats.

    ``I = psi(k) + psi(n) - < psi(n_a + 1) + psi(n_b + 1) >`` with max-norm neighbourhoods in
    the joint space; both inputs are rank-transformed to uniform margins first (MI is
    invariant to monotone maps), which makes the estimate robust to heavy tails.

    Parameters
    ----------
    a, b : arrays, shape (n,)
    k : int
        Neighbours (3-10 is usual).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import geometry
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=500)
    >>> geometry.ksg_mutual_information(a, a + 0.1 * rng.normal(size=500)) > 1.0
    True
    """
    from scipy.spatial import cKDTree
    from scipy.special import digamma
    from scipy.stats import rankdata

    a = np.asarray(a, dtype=float).ravel()
    b = np.asarray(b, dtype=float).ravel()
    n = a.shape[0]
    if b.shape[0] != n or n <= k + 1:
        raise ValueError(f"a and b need the same length > k + 1 = {k + 1}, got {n}, {b.size}.")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("a and b must be finite.")
    a, b = rankdata(a) / n, rankdata(b) / n
    joint = np.column_stack([a, b])
    dist, _ = cKDTree(joint).query(joint, k=k + 1, p=np.inf)
    eps = dist[:, -1]
    sa, sb = np.sort(a), np.sort(b)
    na = np.searchsorted(sa, a + eps, "left") - np.searchsorted(sa, a - eps, "right") - 1
    nb = np.searchsorted(sb, b + eps, "left") - np.searchsorted(sb, b - eps, "right") - 1
    val = digamma(k) + digamma(n) - np.mean(digamma(na + 1) + digamma(nb + 1))
    return float(val)


@dataclass(frozen=True)
class IndependenceTest:
    """Result of :func:`independence_test`.

    Attributes
    ----------
    statistic : float
        KSG mutual information of the observed pair (nats).
    null : numpy array, shape (n_permutations,)
        Statistic under random permutations of the second coordinate.
    pvalue : float
        ``(1 + #{null >= statistic}) / (1 + n_permutations)``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import geometry
    >>> u = np.random.default_rng(0).normal(size=(100, 2))
    >>> result = geometry.independence_test(u, n_permutations=10, seed=0)
    >>> result.null.shape
    (10,)
    """

    statistic: float
    null: np.ndarray
    pvalue: float


def independence_test(
    u: np.ndarray | Tensor, n_permutations: int = 200, *, k: int = 5, seed: int = 0
) -> IndependenceTest:
    """Permutation test of independence of two seam coordinates (Theorem 5.2).

    Parameters
    ----------
    u : array, shape (n, 2)
        Samples of ``(u_1, u_2)``.
    n_permutations : int
        Size of the permutation null; p-values below ``1 / (n_permutations + 1)`` cannot be
        resolved, so use at least 200 to reject at the 1% level.
    k : int
        KSG neighbours.
    seed : int
        Seeds the permutations.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import geometry
    >>> u = np.random.default_rng(0).normal(size=(100, 2))
    >>> result = geometry.independence_test(u, n_permutations=10, seed=0)
    >>> result.pvalue > 0.05
    True
    """
    arr = np.asarray(u.detach().cpu() if isinstance(u, Tensor) else u, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"u must have shape (n, 2), got {arr.shape}.")
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be >= 1, got {n_permutations}.")
    rng = np.random.default_rng(seed)
    stat = ksg_mutual_information(arr[:, 0], arr[:, 1], k)
    null = np.array(
        [
            ksg_mutual_information(arr[:, 0], rng.permutation(arr[:, 1]), k)
            for _ in range(n_permutations)
        ]
    )
    p = (1 + int(np.sum(null >= stat))) / (1 + n_permutations)
    return IndependenceTest(statistic=stat, null=null, pvalue=p)


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
    >>> from seamlib import geometry
    >>> t = torch.linspace(0.0, 1.0, 1001, dtype=torch.float64)
    >>> samples = torch.stack([t, torch.zeros_like(t)], dim=1)  # uniform on a unit segment
    >>> centre = torch.tensor([[0.5, 0.0]], dtype=torch.float64)
    >>> est, err = geometry.ball_density(samples, centre, 0.105, d=1)
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


def eq6_terms(decoder: Decoder, x: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
    """Batch means of the two decoder-derivative terms of Eq. 6 (Property P1).

    ``E[J_z^T J_z]`` and ``E[sum_l (x - d(z))_l H_l(z)]`` over the pairs ``(x[b], z[b])``;
    pass ``z`` drawn from the posteriors ``q(z|x)`` to estimate the expectations of Eq. 6.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out).
    x : Tensor, shape (n, *out)
    z : Tensor, shape (n, d)

    Returns
    -------
    jtj, hess : Tensors, shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib import geometry
    >>> z, x = torch.ones(2, 2, dtype=torch.float64), torch.full((2, 2), 2.0, dtype=torch.float64)
    >>> jtj, hess = geometry.eq6_terms(lambda z: z.pow(2), x, z)
    >>> jtj.tolist(), hess.tolist()
    ([[4.0, 0.0], [0.0, 4.0]], [[2.0, 0.0], [0.0, 2.0]])
    """
    J = jacobian(decoder, z)
    jtj = (J.transpose(-1, -2) @ J).mean(0)
    return jtj, hessian_term(decoder, x, z).mean(0)
