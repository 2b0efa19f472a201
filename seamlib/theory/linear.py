"""Probabilistic PCA and the linear VAE (Allen, 2025, Sec. 2-3 and Cor. 6.1).

The linear Gaussian latent variable model (Eq. 2)

.. math:: p(x|z) = N(x; W z, \\sigma^2 I), \\qquad p(z) = N(z; 0, I)

has a closed-form maximum-likelihood solution (Tipping & Bishop, 1999) and a closed-form
posterior (Eq. 3). Both are invariant under ``W -> W R`` for orthogonal ``R``: the rotational
symmetry of PPCA. A *linear VAE* (LVAE) keeps the model but approximates the posterior by
``q(z|x) = N(z; E x, Sigma)`` with one covariance ``Sigma`` shared by all ``x``. With a full
``Sigma`` the optimum is PPCA's, rotation included; with a *diagonal* ``Sigma`` the optimal
covariance of Eq. 4, ``sigma^2 R^T Lambda^-1 R``, must be diagonal, so ``R`` must be a
signed permutation: the symmetry is broken.

Everything here is exact. For a linear decoder the expected log-likelihood under a Gaussian
posterior is closed form, so the (beta-)ELBO (Eq. 1) of an LVAE depends on the data only
through its second-moment matrix ``C = X^T X / n`` (:func:`lvae_elbo`); training takes
full-batch Adam (or damped Newton) steps on this analytic objective, with no sampling noise
(:func:`~seamlib.theory.lvae.train_lvae`).

Shapes: data ``X`` is ``(n, m)``; decoder ``D``/``W`` is ``(m, d)``; encoder ``E`` is
``(d, m)``; posterior covariance ``Sigma`` is ``(d, d)``. All tensors are float64.

Training of an LVAE lives in :mod:`seamlib.theory.lvae`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Literal

import numpy as np
import torch
from numpy.typing import ArrayLike

__all__ = [
    "Covariance",
    "as_data",
    "second_moment",
    "as_moment",
    "ppca_mle",
    "ppca_loglik",
    "ppca_posterior",
    "gaussian_conditioning",
    "ppca_gradient_ascent",
    "lvae_elbo",
    "optimal_posterior",
    "differentiable_optimal_posterior",
    "optimal_elbo",
    "diagonal_gap",
    "random_orthogonal",
    "rotation_2d",
    "signed_permutations",
    "half_life",
    "ground_truth_decoder",
    "sample_linear_gaussian",
    "population_moment",
]


DTYPE = torch.float64
Covariance = Literal["diag", "full"]
TensorLike = torch.Tensor | ArrayLike


# --------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------
def _tensor(x: TensorLike, name: str) -> torch.Tensor:
    t = x.detach() if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))
    t = t.to(dtype=DTYPE)
    if not bool(torch.isfinite(t).all()):
        bad = int((~torch.isfinite(t)).sum())
        raise ValueError(
            f"{name} contains {bad} non-finite value(s) (NaN or inf). Remove or impute them "
            "before fitting, e.g. X = X[np.isfinite(X).all(axis=1)]."
        )
    return t


def _check_d(d: int, m: int, *, d_below_m: bool) -> None:
    if not isinstance(d, int | np.integer) or d < 1:
        raise ValueError(f"Latent dimension d must be a positive integer, got {d!r}.")
    if d_below_m and d >= m:
        raise ValueError(
            f"Latent dimension d={d} is too large for data dimension m={m}: PPCA needs d < m "
            "(at least one discarded direction to estimate sigma^2). Use a smaller d."
        )
    if d > m:
        raise ValueError(
            f"Latent dimension d={d} exceeds the data dimension m={m}: expected d <= m. "
            "Use a smaller d."
        )


def as_data(X: TensorLike, d: int | None = None, *, d_below_m: bool = True) -> torch.Tensor:
    """Validate a data matrix and return it centred, as float64.

    Parameters
    ----------
    X : array or Tensor, shape (n, m)
        Data, one sample per row.
    d : int, optional
        Latent dimension to validate against: requires ``n > d`` and ``d < m`` (``d <= m``
        when ``d_below_m=False``).

    Raises
    ------
    ValueError
        ``X`` is not 2-D, holds NaN/inf, has fewer than ``d + 1`` rows, or ``d`` is too large.

    Examples
    --------
    >>> from seamlib.theory import linear
    >>> linear.as_data([[1.0, 2.0], [3.0, 4.0]]).tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    """
    t = _tensor(X, "X")
    if t.ndim != 2:
        raise ValueError(
            f"X must be a 2-D array of shape (n, m) (one sample per row), got shape "
            f"{tuple(t.shape)}. Reshape it, e.g. X.reshape(len(X), -1)."
        )
    n, m = t.shape
    if d is not None:
        _check_d(d, m, d_below_m=d_below_m)
        if n <= d:
            raise ValueError(
                f"X has n={n} rows but the latent dimension is d={d}: a d-dimensional "
                f"fit needs at least d + 1 = {d + 1} samples (after centring, n samples span "
                "at most n - 1 dimensions). Use more data or a smaller d."
            )
    return t - t.mean(dim=0, keepdim=True)


def second_moment(X: TensorLike) -> torch.Tensor:
    """Sample covariance ``C = X_c^T X_c / n`` of centred data (the MLE normalisation).

    Parameters
    ----------
    X : array or Tensor, shape (n, m)

    Returns
    -------
    Tensor, shape (m, m)

    Examples
    --------
    >>> from seamlib.theory import linear
    >>> linear.second_moment([[1.0, 2.0], [3.0, 4.0]]).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    Xc = as_data(X)
    return Xc.T @ Xc / Xc.shape[0]


def as_moment(data: TensorLike, d: int, *, is_moment: bool = False) -> torch.Tensor:
    """The second moment ``C`` (m, m) that the LVAE objectives take, validated for ``d``.

    ``is_moment=False``: ``data`` is a data matrix ``X`` (n, m), and ``C`` is
    :func:`second_moment` of it (checked by :func:`as_data` with ``d <= m``);
    ``is_moment=True``: ``data`` is already a square moment matrix, returned symmetrised.

    Examples
    --------
    >>> from seamlib.theory import linear
    >>> linear.as_moment([[2.0, 1.0], [0.0, 2.0]], 1, is_moment=True).tolist()
    [[2.0, 0.5], [0.5, 2.0]]
    """
    if is_moment:
        C = _tensor(data, "C")
        if C.ndim != 2 or C.shape[0] != C.shape[1]:
            raise ValueError(f"C must be a square (m, m) matrix, got shape {tuple(C.shape)}.")
        _check_d(d, C.shape[0], d_below_m=False)
        return 0.5 * (C + C.T)
    Xc = as_data(data, d, d_below_m=False)
    return Xc.T @ Xc / Xc.shape[0]


# --------------------------------------------------------------------------------------
# PPCA (Eq. 2, Eq. 3)
# --------------------------------------------------------------------------------------
def ppca_mle(X: TensorLike, d: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Closed-form maximum-likelihood PPCA (Tipping & Bishop, 1999; Eq. 3 right, R = I).

    ``W = U_d (Lambda_d - sigma^2 I)^{1/2}`` and ``sigma^2`` = mean of the ``m - d`` discarded
    eigenvalues of the sample covariance ``X_c^T X_c / n`` (``X`` is centred here).

    Parameters
    ----------
    X : array or Tensor, shape (n, m)
    d : int
        Latent dimension, ``1 <= d < m`` and ``d < n``.

    Returns
    -------
    W : Tensor, shape (m, d)
        Columns are the leading eigenvectors scaled by ``sqrt(lambda_i - sigma^2)``,
        ordered by decreasing eigenvalue; the sign of each column is fixed so that its
        largest-magnitude entry is positive.
    sigma2 : Tensor, shape ()

    Examples
    --------
    >>> from seamlib.theory import linear
    >>> W = linear.ground_truth_decoder(5, [3.0, 1.0], seed=0)
    >>> X = linear.sample_linear_gaussian(W, 0.1, n=200, seed=0)
    >>> W_hat, sigma2 = linear.ppca_mle(X, d=2)
    >>> tuple(W_hat.shape), round(float(sigma2), 1)
    ((5, 2), 0.1)
    """
    Xc = as_data(X, d, d_below_m=True)
    C = Xc.T @ Xc / Xc.shape[0]
    lam, U = torch.linalg.eigh(C)
    lam, U = lam.flip(0), U.flip(1)
    sigma2 = lam[d:].mean()
    scale = torch.sqrt(torch.clamp(lam[:d] - sigma2, min=0.0))
    Ud = U[:, :d]
    idx = Ud.abs().argmax(dim=0)
    signs = torch.sign(Ud[idx, torch.arange(d)])
    signs[signs == 0] = 1.0
    return Ud * signs * scale, sigma2


def ppca_loglik(W: TensorLike, sigma2: float | torch.Tensor, X: TensorLike) -> torch.Tensor:
    """Average log-likelihood of centred data under Eq. 2: ``x ~ N(0, W W^T + sigma^2 I)``.

    Differentiable in ``W`` and ``sigma2`` when they are tensors that require grad.

    Parameters
    ----------
    W : Tensor, shape (m, d)
    sigma2 : float or Tensor, shape ()
    X : array or Tensor, shape (n, m) (centred inside)

    Returns
    -------
    Tensor, shape ()
        ``(1/n) sum_i log N(x_i; 0, W W^T + sigma^2 I)``.

    Examples
    --------
    >>> from seamlib.theory import linear
    >>> W = linear.ground_truth_decoder(5, [3.0, 1.0], seed=0)
    >>> X = linear.sample_linear_gaussian(W, 0.1, n=200, seed=0)
    >>> W_hat, sigma2 = linear.ppca_mle(X, d=2)
    >>> ll = linear.ppca_loglik(W_hat, sigma2, X)  # average log-likelihood, a scalar tensor
    """
    Wt = W if isinstance(W, torch.Tensor) else torch.as_tensor(np.asarray(W), dtype=DTYPE)
    C = second_moment(X)
    return _loglik_from_moment(Wt, torch.as_tensor(sigma2, dtype=DTYPE), C)


def _loglik_from_moment(W: torch.Tensor, sigma2: torch.Tensor, C: torch.Tensor) -> torch.Tensor:
    m = C.shape[0]
    K = W @ W.T + sigma2 * torch.eye(m, dtype=DTYPE)
    L = torch.linalg.cholesky(K)
    logdet = 2.0 * torch.log(torch.diagonal(L)).sum()
    trace = torch.trace(torch.cholesky_solve(C, L))
    return -0.5 * (m * math.log(2 * math.pi) + logdet + trace)


def ppca_posterior(
    W: TensorLike, sigma2: float | torch.Tensor, X: TensorLike
) -> tuple[torch.Tensor, torch.Tensor]:
    """Exact PPCA posterior ``p(z|x) = N(z; M W^T x / sigma^2, M)`` (Eq. 3, left).

    ``M = (I + W^T W / sigma^2)^{-1}``. ``X`` is used as given (not centred): pass centred data.

    Parameters
    ----------
    W : Tensor, shape (m, d)
    sigma2 : float or Tensor, shape ()
    X : array or Tensor, shape (n, m)

    Returns
    -------
    mean : Tensor, shape (n, d)
    M : Tensor, shape (d, d)
        The posterior covariance (the same for every ``x``).

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> W, X = torch.eye(3, 2, dtype=torch.float64), torch.ones(4, 3, dtype=torch.float64)
    >>> mean, M = linear.ppca_posterior(W, 1.0, X)
    >>> mean[0].tolist(), M.tolist()
    ([0.5, 0.5], [[0.5, 0.0], [0.0, 0.5]])
    """
    Wt = _tensor(W, "W")
    Xt = _tensor(X, "X")
    if Xt.ndim != 2 or Xt.shape[1] != Wt.shape[0]:
        raise ValueError(
            f"X must have shape (n, m) with m = W.shape[0] = {Wt.shape[0]}, got {tuple(Xt.shape)}."
        )
    s2 = float(sigma2)
    d = Wt.shape[1]
    M = torch.linalg.inv(torch.eye(d, dtype=DTYPE) + Wt.T @ Wt / s2)
    return Xt @ Wt @ M.T / s2, M


def gaussian_conditioning(
    W: TensorLike, sigma2: float | torch.Tensor, X: TensorLike
) -> tuple[torch.Tensor, torch.Tensor]:
    """Brute-force ``p(z|x)`` by conditioning the joint Gaussian of ``(z, x)`` under Eq. 2.

    The joint is ``N(0, [[I, W^T], [W, W W^T + sigma^2 I]])``; conditioning gives mean
    ``W^T K^{-1} x`` and covariance ``I - W^T K^{-1} W`` with ``K = W W^T + sigma^2 I``
    (an ``m x m`` solve, independent of the ``d x d`` form of Eq. 3).

    Returns
    -------
    mean : Tensor, shape (n, d)
    cov : Tensor, shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> W, X = torch.eye(3, 2, dtype=torch.float64), torch.ones(4, 3, dtype=torch.float64)
    >>> mean, cov = linear.gaussian_conditioning(W, 1.0, X)
    >>> bool(torch.allclose(cov, linear.ppca_posterior(W, 1.0, X)[1]))
    True
    """
    Wt = _tensor(W, "W")
    Xt = _tensor(X, "X")
    m, d = Wt.shape
    joint = torch.zeros(d + m, d + m, dtype=DTYPE)
    joint[:d, :d] = torch.eye(d, dtype=DTYPE)
    joint[:d, d:] = Wt.T
    joint[d:, :d] = Wt
    joint[d:, d:] = Wt @ Wt.T + float(sigma2) * torch.eye(m, dtype=DTYPE)
    S_zx, S_xx = joint[:d, d:], joint[d:, d:]
    gain = torch.linalg.solve(S_xx, S_zx.T).T  # S_zx S_xx^{-1}, shape (d, m)
    return Xt @ gain.T, joint[:d, :d] - gain @ S_zx.T


def ppca_gradient_ascent(
    X: TensorLike, d: int, *, seed: int, adam_steps: int = 300, lr: float = 0.05
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Maximise the PPCA log-likelihood numerically from a random init (a check of Eq. 3).

    Adam on ``(W, log sigma^2)`` for ``adam_steps`` steps, then L-BFGS with a strong-Wolfe
    line search until the gradient vanishes to float64 precision.

    Returns
    -------
    W : Tensor, shape (m, d)
    sigma2 : Tensor, shape ()
    loglik : Tensor, shape ()
        Average log-likelihood reached (:func:`ppca_loglik`).

    Examples
    --------
    >>> from seamlib.theory import linear
    >>> W = linear.ground_truth_decoder(3, [2.0], seed=0)
    >>> X = linear.sample_linear_gaussian(W, 0.1, n=50, seed=0)
    >>> W_hat, sigma2, ll = linear.ppca_gradient_ascent(X, 1, seed=0, adam_steps=0)
    >>> abs(float(ll - linear.ppca_loglik(*linear.ppca_mle(X, 1), X))) < 1e-8
    True
    """
    Xc = as_data(X, d, d_below_m=True)
    C = Xc.T @ Xc / Xc.shape[0]
    m = C.shape[0]
    g = torch.Generator().manual_seed(seed)
    scale = math.sqrt(float(torch.trace(C)) / m)
    W = (scale * torch.randn(m, d, generator=g, dtype=DTYPE)).requires_grad_()
    log_s2 = torch.tensor(math.log(scale**2), dtype=DTYPE, requires_grad=True)

    def loss() -> torch.Tensor:
        return -_loglik_from_moment(W, log_s2.exp(), C)

    opt: torch.optim.Optimizer = torch.optim.Adam([W, log_s2], lr=lr)
    for _ in range(adam_steps):
        opt.zero_grad()
        loss().backward()
        opt.step()
    lbfgs = torch.optim.LBFGS(
        [W, log_s2],
        lr=1.0,
        max_iter=500,
        tolerance_grad=1e-14,
        tolerance_change=1e-16,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def closure() -> torch.Tensor:
        lbfgs.zero_grad()
        value = loss()
        value.backward()
        return value

    lbfgs.step(closure)
    with torch.no_grad():
        return W.detach().clone(), log_s2.exp().detach(), -loss()


# --------------------------------------------------------------------------------------
# The linear VAE: analytic beta-ELBO and its optimal posterior (Eq. 1, Eq. 4)
# --------------------------------------------------------------------------------------
def lvae_elbo(
    D: torch.Tensor,
    E: torch.Tensor,
    Sigma: torch.Tensor,
    sigma2: float | torch.Tensor,
    C: torch.Tensor,
    beta: float = 1.0,
) -> torch.Tensor:
    """Exact average beta-ELBO (Eq. 1) of a linear VAE, no sampling.

    With ``q(z|x) = N(E x, Sigma)`` and ``p(x|z) = N(D z, sigma^2 I)``::

        E_q log p(x|z) = -m/2 log(2 pi sigma^2)
                         - (||x - D E x||^2 + tr(D Sigma D^T)) / (2 sigma^2)
        KL(q || p)     = (tr Sigma + ||E x||^2 - d - log det Sigma) / 2

    averaged over the data, which enter only through ``C = mean x x^T``.

    Parameters
    ----------
    D : Tensor, shape (m, d)
    E : Tensor, shape (d, m)
    Sigma : Tensor, shape (d, d), symmetric positive definite
    sigma2 : float or Tensor, shape ()
    C : Tensor, shape (m, m)
        Second-moment matrix of centred data (:func:`second_moment`).
    beta : float
        Weight of the KL term (beta = 1: the ELBO).

    Returns
    -------
    Tensor, shape ()
        Differentiable in every argument.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> D, C = torch.eye(3, 2, dtype=torch.float64), torch.eye(3, dtype=torch.float64)
    >>> elbo = linear.lvae_elbo(D, D.T, 0.5 * torch.eye(2, dtype=torch.float64), 1.0, C)
    >>> round(float(elbo), 4)
    -4.95
    """
    m, d = D.shape
    s2 = torch.as_tensor(sigma2, dtype=DTYPE)
    R = torch.eye(m, dtype=DTYPE) - D @ E
    rec = torch.trace(R @ C @ R.T) + torch.trace(D @ Sigma @ D.T)
    loglik = -0.5 * m * torch.log(2 * math.pi * s2) - rec / (2 * s2)
    L = torch.linalg.cholesky(Sigma)
    logdet = 2.0 * torch.log(torch.diagonal(L)).sum()
    kl = 0.5 * (torch.trace(Sigma) + torch.trace(E @ C @ E.T) - d - logdet)
    return loglik - beta * kl


def optimal_posterior(
    D: TensorLike,
    sigma2: float | torch.Tensor,
    *,
    covariance: Covariance,
    beta: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Closed-form optimal LVAE posterior for a fixed decoder (Eq. 3-4 generalised to beta).

    Setting the gradients of :func:`lvae_elbo` to zero gives, with
    ``A = I + D^T D / (beta sigma^2)``:

    - encoder ``E = (D^T D + beta sigma^2 I)^{-1} D^T`` (for full-rank data, either Sigma);
    - full covariance ``Sigma = A^{-1}`` (Eq. 4 at beta = 1);
    - diagonal covariance ``Sigma_ii = 1 / A_ii``.

    Returns
    -------
    E : Tensor, shape (d, m)
    Sigma : Tensor, shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> D = torch.eye(3, 2, dtype=torch.float64)
    >>> E, Sigma = linear.optimal_posterior(D, 1.0, covariance="diag")
    >>> Sigma.tolist()
    [[0.5, 0.0], [0.0, 0.5]]
    """
    Dt = _tensor(D, "D")
    if covariance not in ("diag", "full"):
        raise ValueError(f"covariance must be 'diag' or 'full', got {covariance!r}.")
    if beta <= 0:
        raise ValueError(f"beta must be > 0, got {beta!r}.")
    s2 = torch.as_tensor(sigma2, dtype=DTYPE)
    return differentiable_optimal_posterior(Dt, s2, covariance, beta)


def differentiable_optimal_posterior(
    D: torch.Tensor, sigma2: torch.Tensor, covariance: Covariance, beta: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`optimal_posterior` without its checks, so gradients flow to ``D`` and ``sigma2``.

    ``D`` (m, d) and ``sigma2`` are float64 tensors (not detached); used by
    :func:`seamlib.theory.lvae.train_lvae` to optimise the decoder with the optimal posterior.

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> D = torch.eye(3, 2, dtype=torch.float64, requires_grad=True)
    >>> E, Sigma = linear.differentiable_optimal_posterior(D, torch.tensor(1.0), "diag", 1.0)
    >>> Sigma.requires_grad, Sigma.diagonal().tolist()
    (True, [0.5, 0.5])
    """
    d = D.shape[1]
    bs2 = beta * sigma2
    eye = torch.eye(d, dtype=DTYPE)
    G = D.T @ D
    E = torch.linalg.solve(G + bs2 * eye, D.T)
    A = eye + G / bs2
    Sigma = torch.linalg.inv(A) if covariance == "full" else torch.diag(1.0 / torch.diagonal(A))
    return E, 0.5 * (Sigma + Sigma.T)


def optimal_elbo(
    D: TensorLike,
    sigma2: float | torch.Tensor,
    C: TensorLike,
    *,
    covariance: Covariance,
    beta: float = 1.0,
) -> torch.Tensor:
    """The beta-ELBO of decoder ``D`` at its optimal posterior (:func:`optimal_posterior`).

    At ``beta = 1`` with ``covariance="full"`` this equals the PPCA log-likelihood
    :func:`ppca_loglik` of ``(D, sigma2)`` (the bound is tight).

    Returns
    -------
    Tensor, shape ()

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> D = torch.tensor([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]], dtype=torch.float64)
    >>> C = linear.population_moment(D, 1.0)
    >>> round(float(linear.optimal_elbo(D, 1.0, C, covariance="full")), 4)
    -5.4081
    """
    Dt, Ct = _tensor(D, "D"), _tensor(C, "C")
    E, Sigma = optimal_posterior(Dt, sigma2, covariance=covariance, beta=beta)
    return lvae_elbo(Dt, E, Sigma, sigma2, Ct, beta)


def diagonal_gap(D: TensorLike, sigma2: float | torch.Tensor, beta: float = 1.0) -> torch.Tensor:
    """Optimal full-Sigma minus optimal diagonal-Sigma ELBO of decoder ``D``, in closed form.

    Only the Sigma terms of :func:`lvae_elbo` differ, which gives
    ``beta/2 (sum_i log A_ii - log det A)`` with ``A = I + D^T D / (beta sigma^2)``:
    non-negative (Hadamard's inequality) and zero exactly when ``D^T D`` is diagonal, i.e.
    the columns of ``D`` are orthogonal (``V`` a signed permutation when the singular
    values are distinct).

    Returns
    -------
    Tensor, shape ()

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> float(linear.diagonal_gap(torch.eye(3, 2, dtype=torch.float64), 1.0))  # orthogonal columns
    0.0
    """
    Dt = _tensor(D, "D")
    d = Dt.shape[1]
    A = torch.eye(d, dtype=DTYPE) + Dt.T @ Dt / (beta * float(sigma2))
    return 0.5 * beta * (torch.log(torch.diagonal(A)).sum() - torch.linalg.slogdet(A)[1])


# --------------------------------------------------------------------------------------
# Rotations, signed permutations and alignment up to permutation and sign (P&S)
# --------------------------------------------------------------------------------------
def random_orthogonal(d: int, seed: int) -> torch.Tensor:
    """A Haar-random orthogonal ``d x d`` matrix (QR of a Gaussian, signs fixed).

    Returns
    -------
    Tensor, shape (d, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> Q = linear.random_orthogonal(3, seed=0)
    >>> bool(torch.allclose(Q.T @ Q, torch.eye(3, dtype=torch.float64)))
    True
    """
    g = torch.Generator().manual_seed(seed)
    Q, R = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=DTYPE))
    return Q * torch.sign(torch.diagonal(R))


def rotation_2d(theta: float) -> torch.Tensor:
    """The 2-D rotation by angle ``theta`` (radians), shape (2, 2).

    Examples
    --------
    >>> import math
    >>> from seamlib.theory import linear
    >>> linear.rotation_2d(math.pi / 2).round(decimals=6).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    c, s = math.cos(theta), math.sin(theta)
    return torch.tensor([[c, -s], [s, c]], dtype=DTYPE)


def signed_permutations(d: int) -> Iterator[torch.Tensor]:
    """All ``2^d d!`` signed permutation matrices of size ``d`` (for small ``d``).

    Examples
    --------
    >>> from seamlib.theory import linear
    >>> len(list(linear.signed_permutations(2)))
    8
    """
    if not 1 <= d <= 6:
        raise ValueError(
            f"signed_permutations enumerates 2^d d! matrices; need 1 <= d <= 6, got {d}."
        )
    eye = torch.eye(d, dtype=DTYPE)
    for perm in itertools.permutations(range(d)):
        for signs in itertools.product((1.0, -1.0), repeat=d):
            yield eye[:, list(perm)] * torch.tensor(signs, dtype=DTYPE)


def half_life(curve: ArrayLike, steps: ArrayLike | None = None) -> float:
    """First step from which an error curve stays at or below half its initial value.

    Robust to curves that first rise (a random init moving away before converging).

    Parameters
    ----------
    curve : array, shape (T,)
    steps : array, shape (T,), optional
        Step of each entry (default ``0..T-1``).

    Returns
    -------
    float
        The step (``inf`` if the last value is above half the initial one).

    Examples
    --------
    >>> from seamlib.theory import linear
    >>> linear.half_life([1.0, 0.8, 0.4, 0.2])
    2.0
    """
    c = np.asarray(curve, dtype=float)
    s = np.arange(len(c)) if steps is None else np.asarray(steps)
    above = np.nonzero(c > 0.5 * c[0])[0]
    if above.size and above[-1] == len(c) - 1:
        return math.inf
    return float(s[above[-1] + 1]) if above.size else float(s[0])


# --------------------------------------------------------------------------------------
# Data: the linear Gaussian model and Rolinek et al.'s "Synth Lin"
# --------------------------------------------------------------------------------------
def ground_truth_decoder(m: int, singular_values: ArrayLike, seed: int) -> torch.Tensor:
    """A ground-truth ``W = U_W S_W V_W^T`` with the given singular values (Cor. 6.1).

    ``U_W`` (m x d, orthonormal columns) and ``V_W`` (d x d orthogonal) are Haar-random.

    Returns
    -------
    Tensor, shape (m, d)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> W = linear.ground_truth_decoder(5, [3.0, 1.0], seed=0)
    >>> torch.linalg.svdvals(W).round(decimals=6).tolist()
    [3.0, 1.0]
    """
    s = torch.as_tensor(np.asarray(singular_values, dtype=float), dtype=DTYPE)
    d = s.shape[0]
    _check_d(d, m, d_below_m=False)
    U = random_orthogonal(m, seed)[:, :d]
    V = random_orthogonal(d, seed + 1)
    return U @ torch.diag(s) @ V.T


def sample_linear_gaussian(W: TensorLike, sigma2: float, n: int, seed: int) -> torch.Tensor:
    """``n`` samples of Eq. 2: ``x = W z + sigma eps``, ``z, eps`` standard normal.

    Returns
    -------
    Tensor, shape (n, m)

    Examples
    --------
    >>> from seamlib.theory import linear
    >>> W = linear.ground_truth_decoder(5, [3.0, 1.0], seed=0)
    >>> tuple(linear.sample_linear_gaussian(W, 0.1, n=100, seed=0).shape)
    (100, 5)
    """
    Wt = _tensor(W, "W")
    g = torch.Generator().manual_seed(seed)
    m, d = Wt.shape
    z = torch.randn(n, d, generator=g, dtype=DTYPE)
    eps = torch.randn(n, m, generator=g, dtype=DTYPE)
    return z @ Wt.T + math.sqrt(sigma2) * eps


def population_moment(W: TensorLike, sigma2: float) -> torch.Tensor:
    """Population covariance ``W W^T + sigma^2 I`` of Eq. 2 (the ``n -> infinity`` data).

    Returns
    -------
    Tensor, shape (m, m)

    Examples
    --------
    >>> import torch
    >>> from seamlib.theory import linear
    >>> linear.population_moment(torch.eye(2, 1, dtype=torch.float64), 0.5).tolist()
    [[1.5, 0.0], [0.0, 0.5]]
    """
    Wt = _tensor(W, "W")
    return Wt @ Wt.T + sigma2 * torch.eye(Wt.shape[0], dtype=DTYPE)
