"""Input checks and helpers shared by the modules of :mod:`seamlib.theory` (package-internal).

The names here are public so that the theory modules can share them; the module is private
(not part of the API reference): call the functions of :mod:`seamlib.theory.jacobian`,
:mod:`seamlib.theory.posterior` and the others instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor

__all__ = [
    "as_batch",
    "check_finite",
    "check_square",
    "flat_decoder",
    "check_positive",
    "check_x",
    "decode_rows",
    "check_mean_cov",
]


def as_batch(z: Tensor, name: str = "z") -> tuple[Tensor, bool]:
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


def check_finite(t: Tensor, what: str) -> None:
    """Reject a decoder output ``t`` (n, ...) holding NaN or inf, naming the first bad points."""
    if not torch.isfinite(t).all():
        bad = (~torch.isfinite(t)).flatten(1).any(1).nonzero().flatten()[:5].tolist()
        raise ValueError(
            f"The decoder's {what} contains NaN or inf (first bad points: {bad}). Check the "
            "decoder's parameters and that the latents lie in its domain."
        )


def check_square(M: Tensor) -> None:
    """Reject anything but a batch of square matrices ``M`` of shape (..., d, d)."""
    if M.ndim < 2 or M.shape[-1] != M.shape[-2]:
        raise ValueError(f"M must have shape (..., d, d), got {tuple(M.shape)}.")


def flat_decoder(decoder: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    """Single-point version of ``decoder``: (d,) -> (m,)."""

    def f(z1: Tensor) -> Tensor:
        return decoder(z1.unsqueeze(0)).reshape(-1)

    return f


def check_positive(value: float, name: str) -> float:
    """``value`` as a float, or ``ValueError`` unless it is finite and > 0."""
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}.")
    return v


def check_x(x: Tensor) -> Tensor:
    """One finite floating-point data point ``x``, flattened to shape (m,)."""
    if not isinstance(x, Tensor) or not torch.is_floating_point(x):
        raise ValueError(
            "x must be a floating-point torch.Tensor holding one data point (shape (m,) or the "
            f"decoder's output shape), got {type(x).__name__}. Fix: "
            "torch.as_tensor(x, dtype=torch.float64)."
        )
    if not torch.isfinite(x).all():
        raise ValueError("x contains NaN or inf; the data point must be finite.")
    return x.reshape(-1)


def decode_rows(decoder: Callable[[Tensor], Tensor], z: Tensor, m: int) -> Tensor:
    """``decoder(z)`` as (n, m), or ``ValueError`` when its rows or width do not fit."""
    out = decoder(z)
    if not isinstance(out, Tensor) or out.shape[0] != z.shape[0]:
        raise ValueError(
            "The decoder must map latents (n, d) to a tensor with n rows; got "
            f"{type(out).__name__} {tuple(out.shape) if isinstance(out, Tensor) else ''}."
        )
    out = out.reshape(z.shape[0], -1)
    if out.shape[1] != m:
        raise ValueError(
            f"The decoder outputs {out.shape[1]} values per latent but x has {m}; pass x with "
            "the decoder's output shape."
        )
    return out


def check_mean_cov(mean: Tensor, cov: Tensor) -> tuple[Tensor, Tensor]:
    """Check a Gaussian ``N(mean, cov)``; return ``mean`` and the Cholesky factor of ``cov``."""
    if not isinstance(mean, Tensor) or mean.ndim != 1:
        raise ValueError(
            f"mean must be a tensor of shape (d,), got "
            f"{tuple(mean.shape) if isinstance(mean, Tensor) else type(mean).__name__}."
        )
    d = mean.shape[0]
    if not isinstance(cov, Tensor) or cov.shape != (d, d):
        raise ValueError(
            f"cov must be a tensor of shape ({d}, {d}) matching mean, got "
            f"{tuple(cov.shape) if isinstance(cov, Tensor) else type(cov).__name__}."
        )
    if not (torch.isfinite(mean).all() and torch.isfinite(cov).all()):
        raise ValueError("mean and cov must be finite (no NaN or inf).")
    if not torch.allclose(cov, cov.T, rtol=1e-8, atol=1e-12):
        raise ValueError("cov must be symmetric; pass 0.5 * (cov + cov.T).")
    L, info = torch.linalg.cholesky_ex(cov)
    if int(info) != 0:
        raise ValueError(
            "cov must be positive definite (its Cholesky factorisation failed); a posterior "
            "covariance has strictly positive eigenvalues."
        )
    return mean, L
