"""Training a linear VAE on its analytic objective (Allen, 2025, Sec. 3, Cor. 6.1).

Full-batch Adam (or damped Newton) steps on :func:`seamlib.theory.linear.lvae_elbo`, which
depends on the data only through its second-moment matrix: no sampling noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from seamlib.theory.linear import (
    DTYPE,
    Covariance,
    TensorLike,
    as_moment,
    differentiable_optimal_posterior,
    lvae_elbo,
)

__all__ = [
    "LVAEParams",
    "LVAEHistory",
    "train_lvae",
]


# --------------------------------------------------------------------------------------
# Training the analytic ELBO
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LVAEParams:
    """Parameters of a linear VAE.

    Attributes
    ----------
    D : Tensor, shape (m, d)
        Decoder.
    E : Tensor, shape (d, m)
        Encoder (posterior mean ``E x``).
    Sigma : Tensor, shape (d, d)
        Posterior covariance (diagonal or full).
    sigma2 : Tensor, shape ()
        Likelihood variance.

    Examples
    --------
    >>> from seamlib.theory import linear, lvae
    >>> C = linear.population_moment(linear.ground_truth_decoder(4, [2.0, 1.0], seed=0), 0.1)
    >>> hist = lvae.train_lvae(C, 2, covariance="diag", steps=5, lr=0.05, seed=0, is_moment=True)
    >>> tuple(hist.final.D.shape), tuple(hist.final.Sigma.shape)
    ((4, 2), (2, 2))
    """

    D: torch.Tensor
    E: torch.Tensor
    Sigma: torch.Tensor
    sigma2: torch.Tensor


@dataclass(frozen=True)
class LVAEHistory:
    """A training run of :func:`train_lvae`, one row per recorded step.

    Attributes
    ----------
    covariance : "diag" or "full"
    step : ndarray, shape (T,)
    elbo : ndarray, shape (T,)
        Analytic beta-ELBO at each recorded step.
    sigma2 : ndarray, shape (T,)
    D : ndarray, shape (T, m, d)
        Decoder at each recorded step.
    U, S, V : ndarray, shapes (T, m, d), (T, d), (T, d, d)
        SVD ``D = U diag(S) V^T`` at each recorded step (singular values decreasing).
    final : LVAEParams
        Parameters after the last step.

    Examples
    --------
    >>> from seamlib.theory import linear, lvae
    >>> C = linear.population_moment(linear.ground_truth_decoder(4, [2.0, 1.0], seed=0), 0.1)
    >>> hist = lvae.train_lvae(C, 2, covariance="diag", steps=5, lr=0.05, seed=0, is_moment=True)
    >>> hist.step.tolist(), hist.D.shape
    ([0, 1, 2, 3, 4, 5], (6, 4, 2))
    """

    covariance: str
    step: np.ndarray
    elbo: np.ndarray
    sigma2: np.ndarray
    D: np.ndarray
    U: np.ndarray
    S: np.ndarray
    V: np.ndarray
    final: LVAEParams


def _init_params(
    m: int, d: int, scale: float, seed: int, covariance: Covariance
) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    D = scale * torch.randn(m, d, generator=g, dtype=DTYPE) / math.sqrt(d)
    E = torch.randn(d, m, generator=g, dtype=DTYPE) / (scale * math.sqrt(m))
    params = {"D": D, "E": E}
    if covariance == "diag":
        params["log_var"] = torch.zeros(d, dtype=DTYPE)
    else:
        params["chol_off"] = torch.zeros(d, d, dtype=DTYPE)
        params["chol_logdiag"] = torch.zeros(d, dtype=DTYPE)
    return params


def _sigma(params: dict[str, torch.Tensor], covariance: Covariance) -> torch.Tensor:
    if covariance == "diag":
        return torch.diag(params["log_var"].exp())
    L = torch.tril(params["chol_off"], -1) + torch.diag(params["chol_logdiag"].exp())
    return L @ L.T


def train_lvae(
    data: TensorLike,
    d: int,
    *,
    covariance: Covariance,
    steps: int,
    lr: float,
    seed: int,
    beta: float = 1.0,
    sigma2: float | None = None,
    is_moment: bool = False,
    record_every: int = 1,
    lr_decay: float = 1e-2,
    optimizer: Literal["adam", "gd", "newton"] = "adam",
    amortised: bool = True,
) -> LVAEHistory:
    """Train a linear VAE by Adam on its exact beta-ELBO (:func:`lvae_elbo`), full batch.

    The decoder ``D`` and encoder ``E`` start from a Gaussian init drawn from ``seed`` (the
    same ``D``, ``E`` for ``"diag"`` and ``"full"`` with the same seed); ``Sigma`` starts at
    ``I``, parameterised by log-variances (diag) or a Cholesky factor with log-diagonal
    (full). The learning rate decays geometrically from ``lr`` to ``lr * lr_decay``.

    Parameters
    ----------
    data : array or Tensor
        Data ``X`` of shape (n, m), or, with ``is_moment=True``, a second-moment matrix
        ``C`` of shape (m, m) (e.g. the population covariance: "infinite data").
    d : int
        Latent dimension, ``1 <= d <= m``.
    covariance : "diag" or "full"
    steps : int
        Optimiser steps (each recorded per ``record_every``).
    lr : float
        Initial learning rate (Adam, gd).
    seed : int
        Seed of the initialisation.
    beta : float
        KL weight.
    sigma2 : float, optional
        Fixed likelihood variance; ``None`` learns it (as ``log sigma^2``).
    record_every : int
        Record the state every this many steps (step 0 and the last step always).
    lr_decay : float
        Final learning rate as a fraction of ``lr``.
    optimizer : "adam", "gd" or "newton"
        Adam, plain full-batch gradient ascent, or damped Newton (Levenberg-Marquardt,
        exact Hessian by ``torch.func``; ``lr``, ``lr_decay`` and ``record_every`` unused)
        for ill-conditioned objectives such as a small ``beta``. Newton stops early (and
        repeats the last state) once the gradient vanishes to 1e-12.
    amortised : bool
        ``True`` (default): ``E`` and ``Sigma`` are trained by gradient like ``D`` (a VAE).
        ``False``: at every step ``E`` and ``Sigma`` are set to their closed-form optimum
        for the current ``D`` (:func:`~seamlib.theory.linear.optimal_posterior`) and only
        ``D`` (and ``sigma^2``)
        take gradient steps; much better conditioned when ``beta`` is small.

    Returns
    -------
    LVAEHistory

    Examples
    --------
    >>> from seamlib.theory import linear, lvae
    >>> C = linear.population_moment(linear.ground_truth_decoder(4, [2.0, 1.0], seed=0), 0.1)
    >>> hist = lvae.train_lvae(C, 2, covariance="diag", steps=5, lr=0.05, seed=0, is_moment=True)
    >>> bool(hist.elbo[-1] > hist.elbo[0])
    True
    """
    if covariance not in ("diag", "full"):
        raise ValueError(f"covariance must be 'diag' or 'full', got {covariance!r}.")
    if steps < 1 or record_every < 1:
        raise ValueError(f"steps and record_every must be >= 1, got {steps}, {record_every}.")
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta!r}.")
    C = as_moment(data, d, is_moment=is_moment)
    m = C.shape[0]
    scale = math.sqrt(float(torch.trace(C)) / m)
    params = _init_params(m, d, scale, seed, covariance)
    learn_s2 = sigma2 is None
    s2_init = scale**2 if sigma2 is None else float(sigma2)
    params["log_s2"] = torch.tensor(math.log(s2_init), dtype=DTYPE)
    for name, p in params.items():
        p.requires_grad_(learn_s2 or name != "log_s2")
    if not amortised:
        params = {k: params[k] for k in ("D", "log_s2")}
    trainable = [p for p in params.values() if p.requires_grad]
    names = [k for k, p in params.items() if p.requires_grad]
    shapes = [params[k].shape for k in names]
    sizes = [params[k].numel() for k in names]

    def posterior(ps: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        if amortised:
            return ps["E"], _sigma(ps, covariance)
        return differentiable_optimal_posterior(ps["D"], ps["log_s2"].exp(), covariance, beta)

    def objective(ps: dict[str, torch.Tensor]) -> torch.Tensor:
        E, Sigma = posterior(ps)
        return lvae_elbo(ps["D"], E, Sigma, ps["log_s2"].exp(), C, beta)

    def unflatten(theta: torch.Tensor) -> dict[str, torch.Tensor]:
        ps = dict(params)
        for k, shape, chunk in zip(names, shapes, torch.split(theta, sizes), strict=True):
            ps[k] = chunk.reshape(shape)
        return ps

    if optimizer not in ("adam", "gd", "newton"):
        raise ValueError(f"optimizer must be 'adam', 'gd' or 'newton', got {optimizer!r}.")
    if optimizer == "newton":
        theta = torch.cat([params[k].detach().flatten() for k in names])
        return _newton(
            lambda th: objective(unflatten(th)), theta, unflatten, posterior, steps, covariance
        )
    trainable = [params[k] for k in names]
    opt: torch.optim.Optimizer = (
        torch.optim.Adam(trainable, lr=lr)
        if optimizer == "adam"
        else torch.optim.SGD(trainable, lr=lr)
    )
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=lr_decay ** (1.0 / steps))
    rec_steps, elbos, s2s, Ds = [], [], [], []
    for t in range(steps + 1):
        opt.zero_grad()
        value = objective(params)
        if t % record_every == 0 or t == steps:
            rec_steps.append(t)
            elbos.append(float(value.detach()))
            s2s.append(float(params["log_s2"].detach().exp()))
            Ds.append(params["D"].detach().clone())
        if t == steps:
            break
        (-value).backward()
        opt.step()
        sched.step()
    return _history(covariance, rec_steps, elbos, s2s, Ds, params, posterior)


def _history(
    covariance: str,
    rec_steps: list[int],
    elbos: list[float],
    s2s: list[float],
    Ds: list[torch.Tensor],
    params: dict[str, torch.Tensor],
    posterior: Callable[[dict[str, torch.Tensor]], tuple[torch.Tensor, torch.Tensor]],
) -> LVAEHistory:
    D_hist = torch.stack(Ds)
    U, S, Vh = torch.linalg.svd(D_hist, full_matrices=False)
    with torch.no_grad():
        E_fin, Sigma_fin = posterior(params)
        final = LVAEParams(
            D=params["D"].detach().clone(),
            E=E_fin.detach().clone(),
            Sigma=Sigma_fin.detach().clone(),
            sigma2=params["log_s2"].exp().detach(),
        )
    return LVAEHistory(
        covariance=covariance,
        step=np.asarray(rec_steps),
        elbo=np.asarray(elbos),
        sigma2=np.asarray(s2s),
        D=D_hist.numpy(),
        U=U.numpy(),
        S=S.numpy(),
        V=Vh.transpose(-1, -2).numpy(),
        final=final,
    )


def _newton(
    f: Callable[[torch.Tensor], torch.Tensor],
    theta: torch.Tensor,
    unflatten: Callable[[torch.Tensor], dict[str, torch.Tensor]],
    posterior: Callable[[dict[str, torch.Tensor]], tuple[torch.Tensor, torch.Tensor]],
    steps: int,
    covariance: str,
) -> LVAEHistory:
    """Damped saddle-free Newton ascent on ``f``; one accepted step per step.

    The step is ``Q diag(1 / (|lambda| + mu)) Q^T g`` with ``-H = Q diag(lambda) Q^T``;
    ``mu`` grows until the step increases ``f`` and shrinks after each success
    (Levenberg-Marquardt).
    """
    rec_steps, elbos, s2s, Ds = [], [], [], []
    # reverse-over-reverse: forward-mode AD would load deprecated TorchScript decompositions
    grad, hess = torch.func.grad(f), torch.func.jacrev(torch.func.jacrev(f))
    mu = 1.0
    value = f(theta)
    for t in range(steps + 1):
        ps = unflatten(theta)
        rec_steps.append(t)
        elbos.append(float(value))
        s2s.append(float(ps["log_s2"].exp()))
        Ds.append(ps["D"].detach().clone())
        if t == steps:
            break
        g = grad(theta)
        if float(g.abs().max()) < 1e-12:
            continue
        # saddle-free Newton: |eigenvalues| of the Hessian, so that directions of positive
        # curvature (a saddle of the ELBO, e.g. a 45-degree rotation) are left, not sought
        H = hess(theta)
        lam, Q = torch.linalg.eigh(-0.5 * (H + H.T))
        g_q = Q.T @ g
        for _ in range(60):
            step = Q @ (g_q / (lam.abs() + mu))
            cand_value = f(theta + step)
            if bool(torch.isfinite(cand_value)) and cand_value >= value:
                theta, value = theta + step, cand_value
                mu = max(mu / 3.0, 1e-12)
                break
            mu *= 4.0
    return _history(covariance, rec_steps, elbos, s2s, Ds, unflatten(theta), posterior)
