"""Appendix G of Allen (2025): the steps of Reizinger et al.'s (2022) proof of their
Theorem 1, evaluated on constructed decoders where the answer is known in closed form.

The proof compares, under a Gaussian posterior ``q = N(mu, Sigma)``, the data point
``c = x``, the first-order Taylor model of the decoder ``d(z) = f(z) - J_mu (z - mu)`` and
``e = f(mu)`` (App. G, items 2 and 3).

- Item 2 uses ``E||(c - e) - (d - e)||^2 <= E[||c - e||^2 + ||d - e||^2]``, the squared
  triangle inequality without its cross term. The two sides differ by exactly
  ``-2 E[(c - e)^T (d - e)]``, so it fails whenever that expectation is negative.
- Item 3 drops the remainder ``K`` of the Taylor expansion. For the quadratic decoder
  ``f_k(z) = W z + (k / 2) ||z||^2 v`` the remainder ``f(z) - f(mu) - J_mu (z - mu)`` is
  ``(k / 2) ||z - mu||^2 v`` exactly, whose mean square
  ``(k^2 / 4) ||v||^2 E||z - mu||^4 = (k^2 / 4) ||v||^2 ((tr Sigma)^2 + 2 tr Sigma^2)``
  grows without bound in ``k`` while the first-order terms do not change.

Expectations use tensor-product Gauss-Hermite quadrature, exact for these polynomials.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

from seamlib.theory.posterior import gauss_hermite_rule

__all__ = ["QuadraticDecoder", "TaylorTerms", "taylor_terms"]


@dataclass(frozen=True)
class QuadraticDecoder:
    """``f(z) = W z + (k / 2) ||z||^2 v``: linear plus a curvature ``k`` along ``v``.

    Attributes
    ----------
    W : Tensor, shape (m, d)
    v : Tensor, shape (m,)
    k : float

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.reizinger import QuadraticDecoder
    >>> eye, ones = torch.eye(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    >>> f = QuadraticDecoder(eye, ones, 2.0)
    >>> f(torch.tensor([[1.0, 0.0]], dtype=torch.float64))
    tensor([[2., 1.]], dtype=torch.float64)
    """

    W: Tensor
    v: Tensor
    k: float

    def __call__(self, z: Tensor) -> Tensor:
        """Decode ``z`` of shape (n, d) to shape (n, m)."""
        return z @ self.W.T + 0.5 * self.k * (z**2).sum(-1, keepdim=True) * self.v


@dataclass(frozen=True)
class TaylorTerms:
    """Expectations of App. G's proof step under ``q`` (each a float).

    Attributes
    ----------
    lhs_item2
        ``E||(c - e) - (d - e)||^2``.
    rhs_item2
        ``E[||c - e||^2 + ||d - e||^2]``.
    cross
        ``E[(c - e)^T (d - e)]``; ``lhs_item2 - rhs_item2 = -2 cross``.
    remainder
        ``E||f(z) - f(mu) - J_mu (z - mu)||^2``, the term that item 3 says is dropped.

    Examples
    --------
    >>> from seamlib.theory.reizinger import TaylorTerms
    >>> t = TaylorTerms(lhs_item2=3.0, rhs_item2=1.0, cross=-1.0, remainder=0.5)
    >>> t.lhs_item2 - t.rhs_item2 == -2 * t.cross
    True
    """

    lhs_item2: float
    rhs_item2: float
    cross: float
    remainder: float


def taylor_terms(
    f: Callable[[Tensor], Tensor], x: Tensor, mean: Tensor, cov: Tensor, n_nodes: int = 8
) -> TaylorTerms:
    """Evaluate the terms of App. G items 2 and 3 for decoder ``f`` by quadrature.

    ``J_mu`` is computed by automatic differentiation of ``f``, not from a formula.

    Parameters
    ----------
    f : callable
        Decoder mapping shape (n, d) to (n, m).
    x : Tensor, shape (m,)
        The data point ``c``.
    mean : Tensor, shape (d,)
    cov : Tensor, shape (d, d)
        The Gaussian posterior ``q``.
    n_nodes : int
        Gauss-Hermite nodes per dimension.

    Returns
    -------
    TaylorTerms

    Examples
    --------
    A linear decoder has no remainder, and ``d = e``:

    >>> import torch
    >>> from seamlib.theory.reizinger import QuadraticDecoder, taylor_terms
    >>> eye, ones = torch.eye(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    >>> f = QuadraticDecoder(eye, ones, 0.0)
    >>> t = taylor_terms(f, ones, 0 * ones, eye)
    >>> t.remainder, t.cross
    (0.0, 0.0)
    """
    eps, w = gauss_hermite_rule(mean.shape[0], n_nodes, dtype=mean.dtype, device=str(mean.device))
    z = mean + eps @ torch.linalg.cholesky(cov).T  # nodes of N(mean, cov)
    jac = torch.func.jacrev(lambda u: f(u[None])[0])(mean)  # (m, d)
    e = f(mean[None])[0]
    taylor = f(z) - (z - mean) @ jac.T  # d(z) = f(z) - J_mu (z - mu)
    ce, de = x - e, taylor - e
    remainder = f(z) - e - (z - mean) @ jac.T

    def expect(values: Tensor) -> float:
        return float((w * values).sum())

    return TaylorTerms(
        lhs_item2=expect(((ce - de) ** 2).sum(-1)),
        rhs_item2=expect((ce**2).sum() + (de**2).sum(-1)),
        cross=expect((ce * de).sum(-1)),
        remainder=expect((remainder**2).sum(-1)),
    )
