"""Optimal Gaussian posteriors and the Eq. 6 identity (Allen, 2025, Sec. 4, App. A and B).

For one data point ``x`` and a Gaussian likelihood ``p(x|z) = N(x; d(z), sigma^2 I)`` with
prior ``p(z) = N(0, I)``, the per-datapoint beta-ELBO (Eq. 1) of a Gaussian posterior
``q(z|x) = N(mu, Sigma)`` is

.. math:: F(mu, Sigma) = E_q[log p(x|z)] - beta KL(q || p).

Setting its derivative in ``Sigma`` to zero (Price/Bonnet; Opper & Archambeau, 2009) gives the
first equality of Eq. 6,

.. math:: Sigma^{-1} = I - (1/beta) E_q[nabla_z^2 log p(x|z)],

and, for the Gaussian likelihood, ``nabla_z^2 log p(x|z) = -(J^T J - sum_l r_l H_l) / sigma^2``
with ``r = x - d(z)`` and ``H_l`` the Hessian of decoder output ``l``, so

.. math:: Sigma^{-1} = I + (1/(beta sigma^2)) E_q[J^T J - sum_l r_l H_l]

-- the sign of Appendix A's Eq. 9. The main text's Eq. 6 prints ``+ (x - d(z))^T H``; the
functions of :mod:`seamlib.theory.eq6` evaluate both printed forms
(:func:`~seamlib.theory.eq6.eq6_forms`) so a chapter can measure which one holds;
:func:`~seamlib.theory.eq6.eq6_rhs` returns the form that the numbers confirm (Eq. 9's sign).

Expectations under ``q`` are computed by a fixed rule ``z_k = mu + L eps_k`` with weights
``w_k`` (``Sigma = L L^T``): a tensor-product Gauss-Hermite rule (exact for polynomials of
degree ``<= 2 n - 1`` in each coordinate; ``d <= 3``) or Monte Carlo with fixed common random
numbers (any ``d``; up to 10 is practical). With a fixed rule the estimated ELBO is a smooth
deterministic function of ``(mu, L)``, maximised by L-BFGS followed by Newton polishing.

Conventions: a *decoder* is any callable mapping latents ``(n, d)`` to outputs ``(n, *out)``
row by row (e.g. a ``torch.nn.Module``); outputs are flattened to ``m`` coordinates. Use
float64 (decoder and ``x``) for exactness checks.

The Eq. 6 terms live in :mod:`seamlib.theory.eq6`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.optimize
import torch
from torch import Tensor, nn

from seamlib.theory._validate import check_positive, check_x, decode_rows
from seamlib.theory.jacobian import Decoder
from seamlib.theory.linear import Covariance
from seamlib.theory.linear import optimal_posterior as lvae_optimal_posterior

__all__ = [
    "Method",
    "MIN_QUAD_NODES",
    "MAX_QUAD_DIM",
    "gauss_hermite_rule",
    "monte_carlo_rule",
    "standard_normal_rule",
    "expected_log_likelihood",
    "kl_standard_normal",
    "beta_elbo",
    "PosteriorFit",
    "fit_gaussian_posterior",
    "optimal_gaussian_posterior",
    "collapse_optimum",
    "AxisAlignedDecoder",
]


Method = Literal["quadrature", "mc"]

#: Fewest Gauss-Hermite nodes per dimension accepted by the posterior functions.
MIN_QUAD_NODES = 20
#: Largest latent dimension for tensor-product quadrature (20^3 = 8000 nodes).
MAX_QUAD_DIM = 3


# --------------------------------------------------------------------------------------
# Integration rules for E_{N(0, I)}
# --------------------------------------------------------------------------------------
def gauss_hermite_rule(
    d: int, n_nodes: int, *, dtype: torch.dtype = torch.float64, device: str = "cpu"
) -> tuple[Tensor, Tensor]:
    """Tensor-product Gauss-Hermite rule for expectations under ``N(0, I_d)``.

    ``E[f(eps)] ~= sum_k w_k f(eps_k)``, exact when ``f`` is a polynomial of degree
    ``<= 2 n_nodes - 1`` in each coordinate. Built from the physicists' rule
    (``numpy.polynomial.hermite.hermgauss``): ``eps = sqrt(2) t``, ``w = prod_i w_i / sqrt(pi)``.

    Parameters
    ----------
    d : int
        Dimension, ``>= 1``.
    n_nodes : int
        Nodes per dimension, ``>= 1``; the rule has ``n_nodes ** d`` points.

    Returns
    -------
    eps : Tensor, shape (n_nodes ** d, d)
    weights : Tensor, shape (n_nodes ** d,)
        Positive, summing to 1.

    Examples
    --------
    >>> from seamlib.theory import posterior
    >>> eps, w = posterior.gauss_hermite_rule(2, 3)
    >>> tuple(eps.shape), round(float(w.sum()), 6)
    ((9, 2), 1.0)
    """
    if d < 1 or n_nodes < 1:
        raise ValueError(f"d and n_nodes must be >= 1, got d={d}, n_nodes={n_nodes}.")
    t, w = np.polynomial.hermite.hermgauss(n_nodes)
    eps1 = math.sqrt(2.0) * t
    w1 = w / math.sqrt(math.pi)
    grids = np.meshgrid(*([eps1] * d), indexing="ij")
    eps = np.stack([g.ravel() for g in grids], axis=-1)
    wgrids = np.meshgrid(*([w1] * d), indexing="ij")
    weights = np.prod(np.stack([g.ravel() for g in wgrids], axis=-1), axis=-1)
    return (
        torch.as_tensor(eps, dtype=dtype, device=device),
        torch.as_tensor(weights / weights.sum(), dtype=dtype, device=device),
    )


def monte_carlo_rule(
    d: int, n_samples: int, seed: int, *, dtype: torch.dtype = torch.float64, device: str = "cpu"
) -> tuple[Tensor, Tensor]:
    """Fixed common random numbers ``eps_k ~ N(0, I_d)`` with equal weights ``1 / n``.

    Drawn once from ``torch.Generator().manual_seed(seed)`` (on the CPU, then moved), so the
    same seed gives the same rule on every device.

    Returns
    -------
    eps : Tensor, shape (n_samples, d)
    weights : Tensor, shape (n_samples,)

    Examples
    --------
    >>> from seamlib.theory import posterior
    >>> eps, w = posterior.monte_carlo_rule(2, 100, seed=0)
    >>> tuple(eps.shape), tuple(w.shape)
    ((100, 2), (100,))
    """
    if d < 1 or n_samples < 2:
        raise ValueError(f"need d >= 1 and n_samples >= 2, got d={d}, n_samples={n_samples}.")
    g = torch.Generator().manual_seed(seed)
    eps = torch.randn(n_samples, d, generator=g, dtype=torch.float64)
    w = torch.full((n_samples,), 1.0 / n_samples, dtype=torch.float64)
    return eps.to(dtype=dtype, device=device), w.to(dtype=dtype, device=device)


def standard_normal_rule(
    d: int,
    method: Method,
    *,
    n_nodes: int = MIN_QUAD_NODES,
    n_samples: int = 4_000,
    seed: int = 0,
    dtype: torch.dtype = torch.float64,
    device: str = "cpu",
) -> tuple[Tensor, Tensor]:
    """The rule used by the posterior functions: quadrature (``d <= 3``) or Monte Carlo.

    Raises
    ------
    ValueError
        Unknown ``method``; quadrature with ``d > 3`` or fewer than 20 nodes per dimension.

    Examples
    --------
    >>> from seamlib.theory import posterior
    >>> eps, w = posterior.standard_normal_rule(1, "quadrature")
    >>> tuple(eps.shape)
    (20, 1)
    """
    if method == "quadrature":
        if d > MAX_QUAD_DIM:
            raise ValueError(
                f"Tensor-product quadrature is limited to d <= {MAX_QUAD_DIM} latents "
                f"({n_nodes}^{d} nodes would be needed for d={d}). Fix: method='mc'."
            )
        if n_nodes < MIN_QUAD_NODES:
            raise ValueError(
                f"n_nodes={n_nodes} is too few for the Eq. 6 checks; use >= {MIN_QUAD_NODES} "
                "Gauss-Hermite nodes per dimension."
            )
        return gauss_hermite_rule(d, n_nodes, dtype=dtype, device=device)
    if method == "mc":
        return monte_carlo_rule(d, n_samples, seed, dtype=dtype, device=device)
    raise ValueError(f"Unknown method {method!r}; expected 'quadrature' (d <= 3) or 'mc'.")


# --------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------
def _latent_dim(decoder: Decoder, latent_dim: int | None) -> int:
    if latent_dim is not None:
        if int(latent_dim) < 1:
            raise ValueError(f"latent_dim must be >= 1, got {latent_dim}.")
        return int(latent_dim)
    if isinstance(decoder, nn.Module):
        for mod in decoder.modules():
            if isinstance(getattr(mod, "in_features", None), int):
                return int(mod.in_features)  # type: ignore[arg-type]
    raise ValueError(
        "Cannot infer the latent dimension of this decoder; pass latent_dim=d explicitly."
    )


# --------------------------------------------------------------------------------------
# The per-datapoint beta-ELBO (Eq. 1)
# --------------------------------------------------------------------------------------
def expected_log_likelihood(
    decoder: Decoder,
    x: Tensor,
    mean: Tensor,
    scale_tril: Tensor,
    sigma2: float,
    rule: tuple[Tensor, Tensor],
    likelihood: str = "gaussian",
) -> Tensor:
    """``E_q[log p(x|z)]`` for ``q = N(mean, L L^T)`` under a fixed rule.

    ``p(x|z)`` is ``N(x; d(z), sigma^2 I)`` (``likelihood="gaussian"``) or, with
    ``likelihood="bernoulli"``, independent Bernoulli variables with logits ``d(z)``:
    ``log p(x|z) = sum_k x_k d_k(z) - log(1 + exp d_k(z))`` (``sigma2`` unused).

    Parameters
    ----------
    x : Tensor, shape (m,) (or the decoder's output shape)
    mean : Tensor, shape (d,)
    scale_tril : Tensor, shape (d, d)
        Lower-triangular ``L``.
    rule : (eps, weights), shapes (K, d) and (K,)
        From :func:`standard_normal_rule`.

    Returns
    -------
    Tensor, shape ()
        Differentiable in ``mean``, ``scale_tril`` and the decoder's parameters.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import posterior
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> rule = posterior.standard_normal_rule(1, "quadrature")
    >>> ell = posterior.expected_log_likelihood(lambda z: 2 * z, x, 0 * x, eye, 1.0, rule)
    >>> round(float(ell), 4)  # -E[(1 - 2 z)^2] / 2 - log(2 pi) / 2 with z ~ N(0, 1)
    -3.4189
    """
    xf = x.reshape(-1)
    m = xf.shape[0]
    eps, w = rule
    z = mean + eps @ scale_tril.T
    out = decode_rows(decoder, z, m)
    if likelihood == "bernoulli":
        return (w * (xf * out - torch.nn.functional.softplus(out)).sum(-1)).sum()
    if likelihood != "gaussian":
        raise ValueError(f"likelihood must be 'gaussian' or 'bernoulli', got {likelihood!r}.")
    sq = (xf - out).pow(2).sum(-1)
    return -(w * sq).sum() / (2.0 * sigma2) - 0.5 * m * math.log(2.0 * math.pi * sigma2)


def kl_standard_normal(mean: Tensor, scale_tril: Tensor) -> Tensor:
    """Closed-form ``KL(N(mean, L L^T) || N(0, I))``.

    Parameters
    ----------
    mean : Tensor, shape (..., d)
    scale_tril : Tensor, shape (..., d, d)
        Lower-triangular with positive diagonal.

    Returns
    -------
    Tensor, shape (...)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory.posterior import kl_standard_normal
    >>> kl_standard_normal(torch.ones(1, 2), torch.eye(2).expand(1, 2, 2)).tolist()
    [1.0]
    >>> kl_standard_normal(torch.zeros(2), torch.eye(2)).item()  # one posterior, unbatched
    0.0
    """
    d = mean.shape[-1]
    trace = scale_tril.pow(2).sum(dim=(-1, -2))
    logdet = 2.0 * torch.diagonal(scale_tril, dim1=-2, dim2=-1).log().sum(-1)
    return 0.5 * (trace + mean.pow(2).sum(-1) - d - logdet)


def beta_elbo(
    decoder: Decoder,
    x: Tensor,
    mean: Tensor,
    scale_tril: Tensor,
    sigma2: float,
    beta: float,
    rule: tuple[Tensor, Tensor],
    likelihood: str = "gaussian",
    temperature: float = 1.0,
) -> Tensor:
    """Per-datapoint beta-ELBO (Eq. 1): ``E_q[log p(x|z)] / T - beta KL(q || N(0, I))``.

    Shapes and ``likelihood`` as in :func:`expected_log_likelihood`; the KL term is closed
    form. ``temperature`` ``T`` gives Appendix B's implicit likelihood ``p(x|z)^(1/T)``:
    the beta-ELBO divided by ``beta`` is the ELBO (``beta = 1``) of ``p^(1/beta)``.

    Returns
    -------
    Tensor, shape ()

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import posterior
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> rule = posterior.standard_normal_rule(1, "quadrature")
    >>> elbo = posterior.beta_elbo(lambda z: 2 * z, x, 0 * x, eye, 1.0, 4.0, rule)
    >>> round(float(elbo), 4)  # q = N(0, 1) is the prior: KL = 0
    -3.4189
    """
    ell = expected_log_likelihood(decoder, x, mean, scale_tril, sigma2, rule, likelihood)
    return ell / temperature - beta * kl_standard_normal(mean, scale_tril)


# --------------------------------------------------------------------------------------
# The optimal Gaussian posterior
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PosteriorFit:
    """The optimum of the per-datapoint beta-ELBO over Gaussian ``q`` (fixed rule).

    Attributes
    ----------
    mean : Tensor, shape (d,)
    cov : Tensor, shape (d, d)
        ``L L^T`` (diagonal when ``covariance="diag"``).
    scale_tril : Tensor, shape (d, d)
    elbo : float
        The beta-ELBO at the optimum (under the rule used).
    grad_norm : float
        Largest absolute gradient entry in the ``(mean, log diag L, lower L)`` parameters.
    n_newton : int
        Newton polishing steps taken after L-BFGS.
    covariance, method : str

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import posterior
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> fit = posterior.fit_gaussian_posterior(lambda z: 2 * z, x, 1.0, latent_dim=1)
    >>> tuple(fit.cov.shape), fit.covariance, fit.grad_norm < 1e-10
    ((1, 1), 'full', True)
    """

    mean: Tensor
    cov: Tensor
    scale_tril: Tensor
    elbo: float
    grad_norm: float
    n_newton: int
    covariance: str
    method: str


def _unpack(theta: Tensor, d: int, full: bool) -> tuple[Tensor, Tensor]:
    mean = theta[:d]
    L = torch.diag_embed(theta[d : 2 * d].exp())
    if full:
        rows, cols = torch.tril_indices(d, d, offset=-1, device=theta.device)
        lower = torch.zeros_like(L)
        lower[rows, cols] = theta[2 * d :]
        L = L + lower
    return mean, L


def fit_gaussian_posterior(
    decoder: Decoder,
    x: Tensor,
    sigma2: float,
    beta: float = 1.0,
    covariance: Covariance = "full",
    method: Method = "quadrature",
    *,
    latent_dim: int | None = None,
    n_nodes: int = MIN_QUAD_NODES,
    n_samples: int = 4_000,
    seed: int = 0,
    max_iter: int = 400,
    tol: float | None = None,
    max_newton: int = 20,
    init: tuple[Tensor, Tensor] | None = None,
    likelihood: str = "gaussian",
    temperature: float = 1.0,
) -> PosteriorFit:
    """Maximise the per-datapoint beta-ELBO over Gaussian ``q(z|x)`` (Eq. 1, Eq. 6).

    The ELBO is estimated with a fixed rule (:func:`standard_normal_rule`), which makes it a
    deterministic smooth function of ``theta = (mean, log diag L, strictly-lower L)``. It is
    maximised by L-BFGS (``scipy.optimize.minimize``, at most ``max_iter`` iterations) and
    then polished by damped Newton steps (exact Hessian in ``theta``) until the largest
    gradient entry is below ``tol``.

    Parameters
    ----------
    decoder
        Any torch callable mapping (n, d) to (n, *out), row by row; dtype of ``x``.
    x : Tensor, shape (m,) or the decoder's output shape
        One data point.
    sigma2 : float
        Likelihood variance ``sigma^2 > 0``.
    beta : float
        KL weight ``> 0``.
    covariance : "full" or "diag"
    method : "quadrature" (d <= 3, ``n_nodes >= 20`` per dimension) or "mc"
        (``n_samples`` fixed common random numbers drawn from ``seed``).
    latent_dim : int, optional
        ``d``; inferred from the first layer with ``in_features`` if omitted.
    tol : float, optional
        Target for the largest gradient entry; default ``1e-11`` for quadrature and
        ``1e-8`` for Monte Carlo (far below its sampling noise).
    init : (mean, scale_tril), optional
        Starting point; default the prior ``(0, I)``.
    likelihood : "gaussian" or "bernoulli"
        As in :func:`expected_log_likelihood` (a Bernoulli decoder outputs logits).
    temperature : float
        Appendix B's implicit likelihood ``p(x|z)^(1/temperature)`` (:func:`beta_elbo`).

    Returns
    -------
    PosteriorFit

    Raises
    ------
    ValueError
        Bad ``x``, ``sigma2``, ``beta``, ``covariance``, ``method``, or a decoder whose output
        does not match ``x``.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import posterior
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> fit = posterior.fit_gaussian_posterior(lambda z: 2 * z, x, 1.0, latent_dim=1)
    >>> round(float(fit.mean[0]), 6), round(float(fit.cov[0, 0]), 6)  # exact: 2/5, 1/5
    (0.4, 0.2)
    """
    xf = check_x(x)
    s2 = check_positive(sigma2, "sigma2")
    b = check_positive(beta, "beta")
    temp = check_positive(temperature, "temperature")
    if likelihood not in ("gaussian", "bernoulli"):
        raise ValueError(f"likelihood must be 'gaussian' or 'bernoulli', got {likelihood!r}.")
    if covariance not in ("full", "diag"):
        raise ValueError(f"covariance must be 'full' or 'diag', got {covariance!r}.")
    d = _latent_dim(decoder, latent_dim)
    if tol is None:
        tol = 1e-11 if method == "quadrature" else 1e-8
    dtype, device = xf.dtype, xf.device
    rule = standard_normal_rule(
        d,
        method,
        n_nodes=n_nodes,
        n_samples=n_samples,
        seed=seed,
        dtype=dtype,
        device=str(device),
    )
    full = covariance == "full"
    n_par = 2 * d + (d * (d - 1) // 2 if full else 0)
    theta0 = torch.zeros(n_par, dtype=dtype, device=device)
    if init is not None:
        m0, L0 = init
        theta0[:d] = m0.detach().to(dtype)
        theta0[d : 2 * d] = torch.diagonal(L0.detach()).log().to(dtype)
        if full:
            rows, cols = torch.tril_indices(d, d, offset=-1)
            theta0[2 * d :] = L0.detach()[rows, cols].to(dtype)
    x_const = xf.detach()

    def neg_elbo(theta: Tensor) -> Tensor:
        mean, L = _unpack(theta, d, full)
        return -beta_elbo(decoder, x_const, mean, L, s2, b, rule, likelihood, temp)

    def fun(v: np.ndarray) -> tuple[float, np.ndarray]:
        th_ = torch.as_tensor(v, dtype=dtype, device=device).requires_grad_(True)
        loss = neg_elbo(th_)
        (g_,) = torch.autograd.grad(loss, th_)
        return float(loss.detach()), g_.detach().cpu().numpy().astype(np.float64)

    res = scipy.optimize.minimize(
        fun,
        theta0.cpu().numpy().astype(np.float64),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-16, "maxcor": 30},
    )
    theta = torch.as_tensor(res.x, dtype=dtype, device=device)
    th = theta.detach().clone()
    n_newton = 0
    g = _grad(neg_elbo, th)
    while float(g.abs().max()) > tol and n_newton < max_newton:
        H = torch.autograd.functional.hessian(neg_elbo, th, vectorize=False)
        H = 0.5 * (H + H.T)
        step = _newton_step(H, g)
        with torch.no_grad():
            f0 = float(neg_elbo(th))
            t = 1.0
            while t > 1e-8 and not float(neg_elbo(th - t * step)) <= f0 + 1e-14 * abs(f0):
                t *= 0.5
        if t <= 1e-8:
            break
        th = th - t * step
        g = _grad(neg_elbo, th)
        n_newton += 1
    with torch.no_grad():
        mean, L = _unpack(th, d, full)
        value = -float(neg_elbo(th))
    cov = L @ L.T
    return PosteriorFit(
        mean=mean.clone(),
        cov=0.5 * (cov + cov.T),
        scale_tril=L.clone(),
        elbo=value,
        grad_norm=float(g.abs().max()),
        n_newton=n_newton,
        covariance=covariance,
        method=method,
    )


def _grad(f: Callable[[Tensor], Tensor], theta: Tensor) -> Tensor:
    th = theta.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(th), th)
    return g.detach()


def _newton_step(H: Tensor, g: Tensor) -> Tensor:
    """Newton direction for a minimisation, shifted to be a descent direction if needed."""
    evals = torch.linalg.eigvalsh(H)
    shift = 0.0
    if float(evals.min()) <= 1e-10 * max(1.0, float(evals.abs().max())):
        shift = -float(evals.min()) + 1e-6 * max(1.0, float(evals.abs().max()))
    eye = torch.eye(H.shape[0], dtype=H.dtype, device=H.device)
    return torch.linalg.solve(H + shift * eye, g)


def optimal_gaussian_posterior(
    decoder: Decoder,
    x: Tensor,
    sigma2: float,
    beta: float = 1.0,
    covariance: Covariance = "full",
    method: Method = "quadrature",
    **kwargs: object,
) -> tuple[Tensor, Tensor]:
    """``(mean, cov)`` of the Gaussian ``q(z|x)`` maximising the per-datapoint beta-ELBO.

    A thin wrapper of :func:`fit_gaussian_posterior` (same arguments; keyword arguments
    such as ``n_nodes``, ``n_samples``, ``seed``, ``latent_dim`` are passed on).

    Returns
    -------
    mean : Tensor, shape (d,)
    cov : Tensor, shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import posterior
    >>> x, eye = torch.ones(1, dtype=torch.float64), torch.eye(1, dtype=torch.float64)
    >>> mean, cov = posterior.optimal_gaussian_posterior(lambda z: 2 * z, x, 1.0, latent_dim=1)
    >>> round(float(cov[0, 0]), 6)  # Sigma = (1 + 2^2 / sigma^2)^-1
    0.2
    """
    fit = fit_gaussian_posterior(
        decoder,
        x,
        sigma2,
        beta,
        covariance,
        method,
        **kwargs,  # type: ignore[arg-type]
    )
    return fit.mean, fit.cov


# --------------------------------------------------------------------------------------
# Posterior collapse in the linear VAE (App. B; Lucas et al., 2019)
# --------------------------------------------------------------------------------------
def collapse_optimum(C: Tensor, d: int, sigma2: float, beta: float) -> tuple[Tensor, Tensor]:
    """Global optimum of the linear beta-VAE with fixed ``sigma^2`` (App. B, Lucas et al.).

    Dividing the beta-ELBO by ``beta`` gives the ELBO with variance ``beta sigma^2``
    (App. B), whose optimum is PPCA's with that noise: ``D = U_d (Lambda_d - beta sigma^2
    I)_+^{1/2}``. Latent ``i`` collapses (zero column, ``Sigma_ii = 1``) exactly when
    ``lambda_i <= beta sigma^2``. The diagonal posterior covariance is that of
    :func:`seamlib.theory.linear.optimal_posterior`.

    Parameters
    ----------
    C : Tensor, shape (m, m)
        Data covariance (second moment of centred data).
    d : int
    sigma2, beta : float

    Returns
    -------
    D : Tensor, shape (m, d)
        Columns in decreasing order of eigenvalue.
    Sigma : Tensor, shape (d, d)
        Optimal diagonal posterior covariance.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import posterior
    >>> C = torch.diag(torch.tensor([3.0, 0.5], dtype=torch.float64))
    >>> D, Sigma = posterior.collapse_optimum(C, d=2, sigma2=1.0, beta=1.0)
    >>> [round(float(v), 4) for v in Sigma.diagonal()]  # lambda_2 = 0.5 <= beta sigma^2: collapsed
    [0.3333, 1.0]
    """
    s2 = check_positive(sigma2, "sigma2")
    b = check_positive(beta, "beta")
    Ct = torch.as_tensor(C, dtype=torch.float64)
    if Ct.ndim != 2 or Ct.shape[0] != Ct.shape[1] or not 1 <= d <= Ct.shape[0]:
        raise ValueError(f"C must be (m, m) with 1 <= d <= m, got {tuple(Ct.shape)}, d={d}.")
    lam, U = torch.linalg.eigh(0.5 * (Ct + Ct.T))
    lam, U = lam.flip(0)[:d], U.flip(1)[:, :d]
    D = U * torch.sqrt(torch.clamp(lam - b * s2, min=0.0))
    _, Sigma = lvae_optimal_posterior(D, s2, covariance="diag", beta=b)
    return D, Sigma


# --------------------------------------------------------------------------------------
# A decoder whose Eq. 6 terms are diagonal, rotated in latent space (Eq. 6, diagonal q)
# --------------------------------------------------------------------------------------
class AxisAlignedDecoder(nn.Module):
    """``d(z) = u_1 h_1(z'_1) + u_2 h_2(z'_2)`` with ``z' = R(angle) z`` (2-D latent).

    ``u_1, u_2`` are orthonormal in ``R^m``, ``h_1(t) = a_1 tanh(t)`` and
    ``h_2(t) = a_2 t + c t^2``. At ``angle = 0`` (mod pi/2) every ``J^T J`` and every directed
    Hessian ``sum_l r_l H_l`` is diagonal (for any ``x`` and ``z``); any other angle mixes the
    axes, so the expected Eq. 6 terms acquire off-diagonal entries.

    Parameters
    ----------
    angle : float
        Rotation of the latent space (radians).
    m : int
        Output dimension (``>= 2``).
    a1, a2, c : float
        Shape of the two coordinate functions.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import posterior
    >>> dec = posterior.AxisAlignedDecoder(angle=0.0, m=4)
    >>> tuple(dec(torch.zeros(3, 2, dtype=torch.float64)).shape)
    (3, 4)
    """

    R: Tensor
    U: Tensor

    def __init__(
        self, angle: float, m: int = 4, a1: float = 2.0, a2: float = 0.7, c: float = 0.25
    ) -> None:
        super().__init__()
        if m < 2:
            raise ValueError(f"m must be >= 2, got {m}.")
        ca, sa = math.cos(angle), math.sin(angle)
        self.register_buffer("R", torch.tensor([[ca, -sa], [sa, ca]], dtype=torch.float64))
        U = torch.zeros(m, 2, dtype=torch.float64)
        U[0, 0], U[1, 1] = 1.0, 1.0
        self.register_buffer("U", U)
        self.a1, self.a2, self.c = a1, a2, c

    def forward(self, z: Tensor) -> Tensor:
        """Map latents (n, 2) to outputs (n, m)."""
        zr = z @ self.R.T
        h = torch.stack(
            [self.a1 * torch.tanh(zr[:, 0]), self.a2 * zr[:, 1] + self.c * zr[:, 1] ** 2], dim=-1
        )
        return h @ self.U.T
