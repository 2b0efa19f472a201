"""The terms of Eq. 6 / Eq. 9: one per-point core, and its expectations (Allen, 2025, App. A).

* :func:`point_terms` -- the two decoder-derivative terms at each pair ``(x_b, z_b)``:
  ``J^T J`` and ``sum_l (x - d(z))_l H_l`` (Gaussian likelihood), or their Bernoulli
  analogues. Every other function here averages it.
* :func:`batch_terms` -- their means over a batch.
* :func:`eq6_terms` -- their expectations under a Gaussian ``q`` by quadrature or Monte
  Carlo, with the log-likelihood Hessian differentiated directly as a check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import Tensor
from torch.func import hessian, vmap

from seamlib.theory._validate import (
    check_mean_cov,
    check_positive,
    check_x,
    decode_rows,
    flat_decoder,
)
from seamlib.theory.jacobian import Decoder, hessian_term, jacobian, jacobian_and_value
from seamlib.theory.linear import Covariance
from seamlib.theory.posterior import (
    MIN_QUAD_NODES,
    Method,
    fit_gaussian_posterior,
    standard_normal_rule,
)

__all__ = [
    "Likelihood",
    "MeanLink",
    "point_terms",
    "batch_terms",
    "Eq6Terms",
    "eq6_terms",
    "eq6_forms",
    "eq6_rhs",
    "relative_residual",
    "McResidual",
    "eq6_mc_residual",
]


# --------------------------------------------------------------------------------------
# The terms of Eq. 6 / Eq. 9
# --------------------------------------------------------------------------------------
Likelihood = Literal["gaussian", "bernoulli"]
MeanLink = Literal["identity", "sigmoid"]


def point_terms(
    decoder: Decoder,
    x: Tensor,
    z: Tensor,
    *,
    likelihood: Likelihood = "gaussian",
    mean: MeanLink = "identity",
    sigma2: float = 1.0,
) -> tuple[Tensor, Tensor]:
    """The two terms of Eq. 6, ``-d^2 log p(x|z) / dz^2 = A - B``, at each pair ``(x[b], z[b])``.

    ``A`` (the Jacobian term) and ``B`` (the second-derivative term) for every likelihood
    of the engine, with ``decoder`` the raw decoder output ``eta(z)``:

    * ``"gaussian"``, ``mean="identity"`` (mean ``mu = eta``) or ``mean="sigmoid"``
      (``mu = sigmoid(eta)``), variance ``sigma2``:
      ``A = J_mu^T J_mu / sigma2`` and ``B = sum_k (x - mu)_k H[mu_k] / sigma2``
      (Eq. 6 / Eq. 9 of Appendix A), ``H[mu_k]`` the ``d x d`` Hessian of ``mu_k``. For the
      sigmoid mean ``H[mu_k] = sigmoid''(eta_k) grad eta_k grad eta_k^T + sigmoid'(eta_k)
      H[eta_k]``: differentiated as a whole by autograd (exact, also where ``H[eta_k]``
      is not zero, i.e. for smooth hidden activations), so ``B`` is not zero even for a
      ReLU decoder;
    * ``"bernoulli"``, logits ``eta``, ``p = sigmoid(eta)``:
      ``A = J_eta^T diag(p (1 - p)) J_eta`` and ``B = sum_k (x - p)_k H[eta_k]``, exactly
      zero for a piecewise-linear (ReLU) decoder. ``sigma2`` does not enter.

    ``B`` is :func:`seamlib.theory.jacobian.hessian_term` (forward-over-reverse, batched with
    ``torch.func.vmap``; the ``m x d x d`` Hessian is never formed); for the Bernoulli case it
    is given ``x - p + eta`` so that the residual is ``x - p``. With the default ``sigma2 = 1``
    the Gaussian terms are Eq. 6's times ``sigma^2``, as :func:`eq6_terms` uses them.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out): the Gaussian mean before its link, or the logits.
    x : Tensor, shape (n, *out)
    z : Tensor, shape (n, d)
    likelihood : {"gaussian", "bernoulli"}
    mean : {"identity", "sigmoid"}
        Link from the decoder output to the Gaussian mean; ``"identity"`` for Bernoulli.
    sigma2 : float
        Variance of the Gaussian likelihood (> 0).

    Returns
    -------
    A, B : Tensors, shape (n, d, d)
        Symmetric; ``A - B`` is ``-nabla_z^2 log p(x|z)`` at each point.

    Raises
    ------
    ValueError
        An unknown likelihood or link, a sigmoid link with the Bernoulli likelihood, or
        ``sigma2 <= 0``.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import eq6
    >>> z, x = torch.ones(2, 2, dtype=torch.float64), torch.full((2, 2), 2.0, dtype=torch.float64)
    >>> A, B = eq6.point_terms(lambda z: z.pow(2), x, z)
    >>> A[0].tolist(), B[0].tolist()
    ([[4.0, 0.0], [0.0, 4.0]], [[2.0, 0.0], [0.0, 2.0]])
    >>> A, B = eq6.point_terms(lambda z: 2 * z, x, z, likelihood="bernoulli")  # linear logits
    >>> B.abs().max().item()
    0.0
    """
    _check_link(likelihood, mean)
    s2 = check_positive(sigma2, "sigma2")
    if likelihood == "gaussian":
        f = decoder if mean == "identity" else _sigmoid_of(decoder)
        J = jacobian(f, z)
        return J.transpose(-1, -2) @ J / s2, hessian_term(f, x, z) / s2
    J, eta = jacobian_and_value(decoder, z)  # (n, m, d), (n, m)
    p = torch.sigmoid(eta)
    A = torch.einsum("nmi,nm,nmj->nij", J, p * (1 - p), J)
    target = (x.reshape(x.shape[0], -1) - p + eta).reshape(x.shape)
    return A, hessian_term(decoder, target, z)


def _sigmoid_of(decoder: Decoder) -> Decoder:
    def mean(z: Tensor) -> Tensor:
        return torch.sigmoid(decoder(z))

    return mean


def _check_link(likelihood: str, mean: str) -> None:
    if likelihood not in ("gaussian", "bernoulli"):
        raise ValueError(f"likelihood must be 'gaussian' or 'bernoulli', got {likelihood!r}.")
    if mean not in ("identity", "sigmoid"):
        raise ValueError(f"mean must be 'identity' or 'sigmoid', got {mean!r}.")
    if likelihood == "bernoulli" and mean != "identity":
        raise ValueError(
            "The Bernoulli likelihood's mean is always the sigmoid of the logits; "
            f"mean={mean!r} is an option of the Gaussian likelihood: pass mean='identity'."
        )


def batch_terms(
    decoder: Decoder,
    x: Tensor,
    z: Tensor,
    *,
    likelihood: Likelihood = "gaussian",
    mean: MeanLink = "identity",
    sigma2: float = 1.0,
) -> tuple[Tensor, Tensor]:
    """Batch means of the two decoder-derivative terms of Eq. 6 (Property P1).

    ``E[J_z^T J_z]`` and ``E[sum_l (x - d(z))_l H_l(z)]`` over the pairs ``(x[b], z[b])``
    (the means of :func:`point_terms`); pass ``z`` drawn from the posteriors ``q(z|x)`` to
    estimate the expectations of Eq. 6.

    Parameters
    ----------
    decoder
        Maps (n, d) to (n, *out).
    x : Tensor, shape (n, *out)
    z : Tensor, shape (n, d)
    likelihood, mean, sigma2
        As in :func:`point_terms`.

    Returns
    -------
    jtj, hess : Tensors, shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import eq6
    >>> z, x = torch.ones(2, 2, dtype=torch.float64), torch.full((2, 2), 2.0, dtype=torch.float64)
    >>> jtj, hess = eq6.batch_terms(lambda z: z.pow(2), x, z)
    >>> jtj.tolist(), hess.tolist()
    ([[4.0, 0.0], [0.0, 4.0]], [[2.0, 0.0], [0.0, 2.0]])
    """
    A, B = point_terms(decoder, x, z, likelihood=likelihood, mean=mean, sigma2=sigma2)
    return A.mean(0), B.mean(0)


@dataclass(frozen=True)
class Eq6Terms:
    """Expectations under ``q`` of the derivative terms of Eq. 6 / Eq. 9, each ``d x d``.

    Attributes
    ----------
    loglik_hessian : Tensor, shape (d, d)
        ``E_q[nabla_z^2 log p(x|z)]``, differentiated directly (not assembled from J, H).
    jtj : Tensor, shape (d, d)
        ``E_q[J_z^T J_z]``.
    hessian_term : Tensor, shape (d, d)
        ``E_q[sum_l (x - d(z))_l H_l(z)]``.
    loglik_hessian_se, jtj_se, hessian_term_se : Tensor, shape (d, d)
        Monte Carlo standard errors (per entry); zeros for quadrature.
    n_points : int
        Number of rule points.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import eq6
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> terms = eq6.eq6_terms(lambda z: 2 * z, x, 0 * x, eye, 1.0)
    >>> terms.n_points, round(float(terms.jtj[0, 0]), 6)
    (20, 4.0)
    """

    loglik_hessian: Tensor
    jtj: Tensor
    hessian_term: Tensor
    loglik_hessian_se: Tensor
    jtj_se: Tensor
    hessian_term_se: Tensor
    n_points: int


def _loglik_hessians(decoder: Decoder, x: Tensor, z: Tensor, sigma2: float) -> Tensor:
    """``nabla_z^2 log N(x; d(z), sigma^2 I)`` per point, (n, d, d), by ``torch.func.hessian``."""

    f = flat_decoder(decoder)

    def ll(z1: Tensor) -> Tensor:
        return -0.5 * (x - f(z1)).pow(2).sum() / sigma2

    return vmap(hessian(ll))(z)


def eq6_terms(
    decoder: Decoder,
    x: Tensor,
    mean: Tensor,
    cov: Tensor,
    sigma2: float,
    *,
    method: Method = "quadrature",
    n_nodes: int = MIN_QUAD_NODES,
    n_samples: int = 4_000,
    seed: int = 1,
    chunk_size: int = 512,
) -> Eq6Terms:
    """Expected log-likelihood Hessian, ``J^T J`` and directed decoder Hessian under ``q``.

    ``q = N(mean, cov)``; the rule is :func:`standard_normal_rule`. Per point, ``J^T J`` and
    the directed Hessian ``sum_l r_l H_l`` come from :func:`point_terms` (forward-over-reverse,
    never forming the ``m x d x d`` Hessian); the log-likelihood Hessian is differentiated
    directly (``torch.func.hessian`` of ``-||x - d(z)||^2 / (2 sigma^2)``), so the identity
    ``L = -(J^T J - sum_l r_l H_l) / sigma^2`` is a check, not an assumption. Points are
    processed in chunks of ``chunk_size``.

    Parameters
    ----------
    x : Tensor, shape (m,) or the decoder's output shape
    mean : Tensor, shape (d,)
    cov : Tensor, shape (d, d), symmetric positive definite
    sigma2 : float
    method, n_nodes, n_samples
        The rule, as in :func:`standard_normal_rule`.
    seed : int
        Monte Carlo seed; the default (1) differs from :func:`fit_gaussian_posterior`'s (0),
        so the terms are evaluated on samples independent of those used to fit ``q``.
    chunk_size : int
        Rule points processed at once (bounds the ``(chunk, m, d)`` Jacobian in memory).

    Returns
    -------
    Eq6Terms

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import eq6
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> terms = eq6.eq6_terms(lambda z: 2 * z, x, 0 * x, eye, 1.0)
    >>> round(float(terms.jtj[0, 0]), 6), round(float(terms.loglik_hessian[0, 0]), 6)
    (4.0, -4.0)
    """
    xf = check_x(x).detach()
    s2 = check_positive(sigma2, "sigma2")
    mean, L = check_mean_cov(mean.detach(), cov.detach())
    d = mean.shape[0]
    eps, w = standard_normal_rule(
        d,
        method,
        n_nodes=n_nodes,
        n_samples=n_samples,
        seed=seed,
        dtype=xf.dtype,
        device=str(xf.device),
    )
    z_all = mean + eps @ L.T
    m = xf.shape[0]
    decode_rows(decoder, z_all[:1], m)  # shape check with a clear message
    sums = {k: torch.zeros(d, d, dtype=xf.dtype, device=xf.device) for k in ("L", "J", "H")}
    sq = {k: torch.zeros(d, d, dtype=xf.dtype, device=xf.device) for k in ("L", "J", "H")}
    for start in range(0, z_all.shape[0], chunk_size):
        z = z_all[start : start + chunk_size]
        wk = w[start : start + chunk_size].view(-1, 1, 1)
        jtj, hess = point_terms(decoder, xf.expand(z.shape[0], m), z)
        parts = {"L": _loglik_hessians(decoder, xf, z, s2), "J": jtj, "H": hess}
        for k, v in parts.items():
            v = v.detach()
            sums[k] += (wk * v).sum(0)
            sq[k] += (wk * v.pow(2)).sum(0)
    n = z_all.shape[0]
    se = {}
    for k in sums:
        if method == "mc":
            var = (sq[k] - sums[k].pow(2)).clamp_min(0.0) * n / (n - 1)
            se[k] = (var / n).sqrt()
        else:
            se[k] = torch.zeros_like(sums[k])
    return Eq6Terms(
        loglik_hessian=sums["L"],
        jtj=sums["J"],
        hessian_term=sums["H"],
        loglik_hessian_se=se["L"],
        jtj_se=se["J"],
        hessian_term_se=se["H"],
        n_points=n,
    )


def eq6_forms(terms: Eq6Terms, sigma2: float, beta: float = 1.0) -> dict[str, Tensor]:
    """The right-hand sides of Eq. 6 as derived and as printed, each ``d x d``.

    Returns
    -------
    dict
        ``"hessian"``: ``I - E_q[L_z] / beta`` (Eq. 6, first equality);
        ``"appendix_eq9"``: ``I + (E[J^T J] - E[sum_l r_l H_l]) / (beta sigma^2)`` (the sign
        of Appendix A, Eq. 9, which prints beta = 1);
        ``"main_text_eq6"``: ``I + (E[J^T J] + E[(x - d(z))^T H]) / (beta sigma^2)`` (the sign
        printed in the main text's Eq. 6).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import eq6
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> terms = eq6.eq6_terms(lambda z: 2 * z, x, 0 * x, eye, 1.0)
    >>> sorted(eq6.eq6_forms(terms, 1.0))
    ['appendix_eq9', 'hessian', 'main_text_eq6']
    """
    s2 = check_positive(sigma2, "sigma2")
    b = check_positive(beta, "beta")
    eye = torch.eye(terms.jtj.shape[0], dtype=terms.jtj.dtype, device=terms.jtj.device)
    return {
        "hessian": eye - terms.loglik_hessian / b,
        "appendix_eq9": eye + (terms.jtj - terms.hessian_term) / (b * s2),
        "main_text_eq6": eye + (terms.jtj + terms.hessian_term) / (b * s2),
    }


def eq6_rhs(
    decoder: Decoder,
    x: Tensor,
    mean: Tensor,
    cov: Tensor,
    sigma2: float,
    beta: float = 1.0,
    **kwargs: object,
) -> Tensor:
    """Right-hand side of Eq. 6 with the sign the numbers confirm (that of Eq. 9).

    ``I + (1 / (beta sigma^2)) E_q[J^T J - sum_l (x - d(z))_l H_l]``, to be compared with
    ``Sigma^{-1}`` at the optimum. Keyword arguments (``method``, ``n_nodes``, ``n_samples``,
    ``seed``, ``chunk_size``) are passed to :func:`eq6_terms`.

    Returns
    -------
    Tensor, shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import eq6
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> rhs = eq6.eq6_rhs(lambda z: 2 * z, x, 0.4 * x, 0.2 * eye, 1.0)
    >>> round(float(rhs[0, 0]), 6)  # = Sigma^-1 = 1 / 0.2 at the optimum
    5.0
    """
    terms = eq6_terms(decoder, x, mean, cov, sigma2, **kwargs)  # type: ignore[arg-type]
    return eq6_forms(terms, sigma2, beta)["appendix_eq9"]


def relative_residual(A: Tensor, B: Tensor) -> float:
    """``||A - B||_F / ||B||_F``.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import eq6
    >>> round(eq6.relative_residual(torch.tensor([1.1, 0.0]), torch.tensor([1.0, 0.0])), 6)
    0.1
    """
    return float(torch.linalg.norm(A - B) / torch.linalg.norm(B))


# --------------------------------------------------------------------------------------
# Monte Carlo check of the identity (d up to 10)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class McResidual:
    """Replicated Monte Carlo check of ``Sigma^{-1} = RHS`` for each printed form.

    Each replicate fits ``q`` with its own common random numbers and evaluates the terms on
    an independent fresh sample; ``mean[form]`` is the average residual matrix
    ``Sigma^{-1} - RHS`` over replicates and ``se[form]`` its standard error (replicate
    spread / sqrt(R)), so both the optimiser's and the expectation's Monte Carlo noise count.

    Attributes
    ----------
    mean, se : dict[str, Tensor], each (d, d)
    norm_ratio : dict[str, float]
        ``||mean||_F / sqrt(sum se^2)``: about 1 when the residual is pure noise.
    max_abs_z : dict[str, float]
        Largest ``|mean_ij| / se_ij``.
    relative : dict[str, float]
        ``||mean||_F / ||Sigma^{-1}||_F`` (replicate average).
    n_replicates : int

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import eq6
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> res = eq6.eq6_mc_residual(
    ...     lambda z: 2 * z, x, 1.0, latent_dim=1, n_samples=200, n_replicates=2
    ... )
    >>> sorted(res.relative), res.n_replicates
    (['appendix_eq9', 'hessian', 'main_text_eq6'], 2)
    """

    mean: dict[str, Tensor]
    se: dict[str, Tensor]
    norm_ratio: dict[str, float]
    max_abs_z: dict[str, float]
    relative: dict[str, float]
    n_replicates: int


def eq6_mc_residual(
    decoder: Decoder,
    x: Tensor,
    sigma2: float,
    beta: float = 1.0,
    covariance: Covariance = "full",
    *,
    latent_dim: int | None = None,
    n_samples: int = 4_000,
    n_replicates: int = 8,
    seed: int = 0,
    max_iter: int = 400,
) -> McResidual:
    """Residual of each form of Eq. 6 at Monte Carlo optima, with standard errors.

    Replicate ``r`` uses seeds ``seed + 2 r`` (fit) and ``seed + 2 r + 1`` (terms); each fit
    starts from the previous replicate's optimum.

    Returns
    -------
    McResidual

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import eq6
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> res = eq6.eq6_mc_residual(
    ...     lambda z: 2 * z, x, 1.0, latent_dim=1, n_samples=200, n_replicates=2
    ... )
    >>> tuple(res.mean["appendix_eq9"].shape), tuple(res.se["appendix_eq9"].shape)
    ((1, 1), (1, 1))
    """
    if n_replicates < 2:
        raise ValueError(
            f"n_replicates must be >= 2 to estimate a standard error, got {n_replicates}."
        )
    res: dict[str, list[Tensor]] = {}
    norms: list[float] = []
    init: tuple[Tensor, Tensor] | None = None
    for r in range(n_replicates):
        fit = fit_gaussian_posterior(
            decoder,
            x,
            sigma2,
            beta,
            covariance,
            "mc",
            latent_dim=latent_dim,
            n_samples=n_samples,
            seed=seed + 2 * r,
            max_iter=max_iter,
            init=init,
        )
        init = (fit.mean, fit.scale_tril)  # warm start: the optimum moves only by MC noise
        terms = eq6_terms(
            decoder,
            x,
            fit.mean,
            fit.cov,
            sigma2,
            method="mc",
            n_samples=n_samples,
            seed=seed + 2 * r + 1,
        )
        prec = torch.linalg.inv(fit.cov)
        norms.append(float(torch.linalg.norm(prec)))
        for name, rhs in eq6_forms(terms, sigma2, beta).items():
            res.setdefault(name, []).append(prec - rhs)
    R = n_replicates
    mean = {k: torch.stack(v).mean(0) for k, v in res.items()}
    se = {k: torch.stack(v).std(0) / math.sqrt(R) for k, v in res.items()}
    tiny = torch.finfo(next(iter(mean.values())).dtype).tiny
    return McResidual(
        mean=mean,
        se=se,
        norm_ratio={k: float(torch.linalg.norm(mean[k]) / se[k].pow(2).sum().sqrt()) for k in mean},
        max_abs_z={k: float((mean[k].abs() / se[k].clamp_min(tiny)).max()) for k in mean},
        relative={k: float(torch.linalg.norm(mean[k])) / float(np.mean(norms)) for k in mean},
        n_replicates=R,
    )
