"""Decoder Jacobians, their SVD and the directed Hessian of Eq. 6 (Allen, 2025, Def. D2, App. A).

* :func:`jacobian` -- ``J_z = dg/dz`` for a batch of latents (``torch.func.vmap`` + ``jacfwd``).
* :func:`jacobian_svd` -- ``J_z = U_z S_z V_z^T`` with a fixed order/sign convention, and
  :func:`continue_svd` which keeps signs consistent along a path (Def. D2, continuous SVD).
* :func:`hessian_term` -- the directed Hessian ``sum_l (x - d(z))_l H_l`` of Eq. 6 / Eq. 9,
  a ``d x d`` matrix per point, by forward-over-reverse differentiation.
* :func:`log_volume` -- ``log sqrt(det J^T J)``, the volume factor of Lemma 5.1.

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

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor
from torch.func import grad, jacfwd, jvp, vmap

from seamlib.theory._validate import as_batch, check_finite, flat_decoder

# torch registers its forward-mode (jvp) decompositions with torch.jit.script on first use,
# which emits a harmless DeprecationWarning in torch >= 2.10; load them once, quietly.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*torch.jit.script.*", category=DeprecationWarning)
    import torch._decomp.decompositions_for_jvp  # noqa: F401


__all__ = [
    "Decoder",
    "JacobianFn",
    "jacobian_and_value",
    "jacobian",
    "SVD",
    "svd_of_jacobian",
    "jacobian_svd",
    "continue_svd",
    "regular_gap",
    "hessian_term",
    "jvp_column",
    "log_volume",
]


#: A decoder maps latents (n, d) to outputs (n, *out).
Decoder = Callable[[Tensor], Tensor]
#: A Jacobian function maps latents (n, d) to Jacobians (n, m, d).
JacobianFn = Callable[[Tensor], Tensor]


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
    >>> from seamlib.theory.jacobian import jacobian_and_value
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> J, x = jacobian_and_value(g, torch.ones(4, 2, dtype=torch.float64))
    >>> tuple(J.shape), tuple(x.shape)
    ((4, 4, 2), (4, 4))
    """
    zb, single = as_batch(z)
    f = flat_decoder(decoder)

    def f_aux(z1: Tensor) -> tuple[Tensor, Tensor]:
        y = f(z1)
        return y, y

    J, y = vmap(jacfwd(f_aux, has_aux=True))(zb)
    check_finite(y, "output")
    check_finite(J, "Jacobian")
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
    >>> from seamlib.theory.jacobian import jacobian
    >>> g = lambda z: torch.cat([z, z.pow(2)], dim=1)
    >>> J = jacobian(g, torch.zeros(5, 2, dtype=torch.float64))
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
    >>> from seamlib.theory.jacobian import svd_of_jacobian
    >>> svd = svd_of_jacobian(torch.eye(3, 2, dtype=torch.float64).repeat(4, 1, 1))
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
    >>> from seamlib.theory.jacobian import svd_of_jacobian
    >>> J = torch.tensor([[[1.0, 0.0], [0.0, 3.0]]], dtype=torch.float64)
    >>> svd = svd_of_jacobian(J)
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
        :meth:`seamlib.theory.generators.Generator.jacobian`); default :func:`jacobian`.

    Returns
    -------
    SVD
        ``U`` (n, m, d), ``S`` (n, d) decreasing, ``V`` (n, d, d); sign convention of
        :func:`svd_of_jacobian` (largest entry of each ``v^i`` positive).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.jacobian import jacobian_svd
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> svd = jacobian_svd(lambda z: z @ W.T, torch.zeros(3, 2, dtype=torch.float64))
    >>> svd.S[0].tolist()
    [2.0, 1.0]
    """
    zb, _ = as_batch(z)
    J = jacobian(decoder, zb) if jacobian_fn is None else jacobian_fn(zb)
    if jacobian_fn is not None:
        check_finite(J, "Jacobian")
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
    >>> from seamlib.theory.jacobian import SVD, continue_svd, svd_of_jacobian
    >>> svd = svd_of_jacobian(torch.eye(3, 2, dtype=torch.float64).unsqueeze(0) * 2)
    >>> flipped = SVD(-svd.U, svd.S, -svd.V)
    >>> same, overlap = continue_svd(svd.V, flipped)
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
    >>> from seamlib.theory.jacobian import regular_gap
    >>> regular_gap(torch.tensor([4.0, 2.0, 1.0])).item()
    0.25
    """
    gaps = S[..., :-1] - S[..., 1:]
    smallest = torch.cat([gaps, S[..., -1:]], dim=-1).amin(dim=-1)
    return smallest / S[..., 0].clamp_min(torch.finfo(S.dtype).tiny)


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
    >>> from seamlib.theory.jacobian import hessian_term
    >>> z = torch.ones(1, 2, dtype=torch.float64)
    >>> x = torch.tensor([[2.0, 3.0]], dtype=torch.float64)
    >>> hessian_term(lambda z: z.pow(2), x, z).tolist()
    [[[2.0, 0.0], [0.0, 4.0]]]
    """
    zb, _ = as_batch(z)
    if not isinstance(x, Tensor) or x.shape[0] != zb.shape[0]:
        raise ValueError(
            f"x must be a tensor with one row per latent point (n={zb.shape[0]}), got "
            f"{tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__}."
        )
    f = flat_decoder(decoder)
    xf = x.reshape(x.shape[0], -1).to(zb.dtype)
    with torch.no_grad():
        y = decoder(zb).reshape(zb.shape[0], -1)
    if y.shape[1] != xf.shape[1]:
        raise ValueError(
            f"x has {xf.shape[1]} entries per point but the decoder outputs {y.shape[1]}; "
            "pass data of the decoder's output shape."
        )
    check_finite(y, "output")
    r = xf - y

    def hvp_matrix(z1: Tensor, r1: Tensor) -> Tensor:
        def phi(zz: Tensor) -> Tensor:
            return (r1 * f(zz)).sum()

        return jacfwd(grad(phi))(z1)

    H = vmap(hvp_matrix)(zb, r)
    check_finite(H, "Hessian term")
    return H


def jvp_column(decoder: Decoder, z: Tensor, i: int) -> Tensor:
    """Column ``i`` of the Jacobian, ``J_z e_i``, at a batch (one forward-mode pass).

    Returns
    -------
    Tensor, shape (n, m)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.jacobian import jvp_column
    >>> col = jvp_column(lambda z: 3 * z, torch.zeros(2, 2, dtype=torch.float64), 0)
    >>> col.tolist()
    [[3.0, 0.0], [3.0, 0.0]]
    """
    zb, _ = as_batch(z)
    e = torch.zeros_like(zb)
    e[:, i] = 1.0
    col = jvp(lambda zz: decoder(zz).reshape(zz.shape[0], -1), (zb,), (e,))[1]
    check_finite(col, "Jacobian")
    return col


def log_volume(J: Tensor) -> Tensor:
    """``log det(J^T J)^{1/2} = sum_i log s^i`` for Jacobians (n, m, d) (Lemma 5.1).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.jacobian import log_volume
    >>> J = torch.tensor([[[2.0, 0.0], [0.0, 3.0], [0.0, 0.0]]], dtype=torch.float64)
    >>> round(log_volume(J).item(), 4)  # log(2 * 3)
    1.7918
    """
    return torch.linalg.svdvals(J).log().sum(-1)
