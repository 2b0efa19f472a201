"""Mutual information between latents and factors: the binned plug-in matrix, its posterior
(Monte Carlo) variant, and the KSG estimator with a permutation test of independence.

References: Chen et al. (2018) (the MI matrix of MIG); Kraskov, Stoegbauer & Grassberger
(2004) (KSG); Allen (2025), Theorem 5.2 (independence of seam coordinates).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from seamlib.metrics._validate import Array, check_matrix, check_paired, factor_labels

__all__ = [
    "MutualInfo",
    "discretize",
    "factor_entropies",
    "mutual_info_matrix",
    "mutual_info_matrix_posterior",
    "active_latents",
    "ksg_mutual_information",
    "IndependenceTest",
    "independence_test",
]


class MutualInfo(NamedTuple):
    """Mutual information between latents and factors.

    Attributes
    ----------
    mi : ndarray, shape (d, K)
        ``mi[j, k]`` = I(z_j; v_k) in nats.
    factor_entropy : ndarray, shape (K,)
        H(v_k) in nats, the normaliser of MIG.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> res = metrics.MutualInfo(mi=np.eye(2), factor_entropy=np.ones(2))
    >>> metrics.mig(*res)
    1.0
    """

    mi: Array
    factor_entropy: Array


# --------------------------------------------------------------------------------------
# Mutual information
# --------------------------------------------------------------------------------------
def discretize(codes: ArrayLike, n_bins: int = 20) -> NDArray[np.int64]:
    """Equal-width histogram bins per latent over its range, as disentanglement_lib does.

    Bin ``b`` of latent ``j`` holds the values with ``edges[b] <= z < edges[b+1]`` where
    ``edges = np.histogram_bin_edges(codes[:, j], n_bins)``; the maximum falls in the last bin.
    This equals ``np.digitize(z, np.histogram(z, n_bins)[1][:-1]) - 1``.

    Parameters
    ----------
    codes : array, shape (n, d)
    n_bins : int
        Number of bins per latent (disentanglement_lib's default is 20).

    Returns
    -------
    ndarray of int, shape (n, d), values in 0..n_bins-1.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.discretize(np.array([[0.0], [0.5], [1.0]]), n_bins=2).ravel().tolist()
    [0, 1, 1]
    """
    z = check_matrix(codes, "codes")
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    return discretize_transposed(np.ascontiguousarray(z.T), int(n_bins)).T


def discretize_transposed(zt: Array, n_bins: int) -> NDArray[np.int64]:
    """:func:`discretize` on validated, transposed codes ``zt`` of shape (d, n)."""
    lo, hi = zt.min(axis=1), zt.max(axis=1)
    flat = lo == hi  # np.histogram widens a constant range to (lo - 0.5, hi + 0.5)
    lo, hi = np.where(flat, lo - 0.5, lo), np.where(flat, hi + 0.5, hi)
    edges = np.linspace(lo, hi, n_bins + 1, axis=1)  # (d, n_bins + 1): np.histogram's edges
    b = ((zt - lo[:, None]) * (n_bins / (hi - lo))[:, None]).astype(np.int64)
    np.clip(b, 0, n_bins - 1, out=b)
    # exact rounding against the edges: the bin is the number of interior edges <= z
    b -= (b > 0) & (zt < np.take_along_axis(edges, b, axis=1))
    b += (b < n_bins - 1) & (zt >= np.take_along_axis(edges, b + 1, axis=1))
    return b


def _entropy_from_counts(counts: Array, axis: int = -1) -> Array:
    total = counts.sum(axis=axis, keepdims=True)
    p = counts / total
    return -np.sum(special.xlogy(p, p), axis=axis)


def _label_entropies(labels: NDArray[np.int64]) -> Array:
    counts = [np.bincount(labels[:, k]).astype(float) for k in range(labels.shape[1])]
    return np.array([_entropy_from_counts(c) for c in counts])


def factor_entropies(factors: ArrayLike) -> Array:
    """Entropy H(v_k) in nats of each discrete factor (empirical distribution).

    Parameters
    ----------
    factors : array, shape (n, K)

    Returns
    -------
    ndarray, shape (K,)

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.factor_entropies([[0, 0], [0, 1], [1, 0], [1, 1]]).round(3).tolist()
    [0.693, 0.693]
    """
    v = check_matrix(factors, "factors")
    labels, _ = factor_labels(v)
    return _label_entropies(labels)


def mutual_info_matrix(codes: ArrayLike, factors: ArrayLike, n_bins: int = 20) -> MutualInfo:
    """Plug-in mutual information between binned latents and discrete factors.

    Each latent is discretised into ``n_bins`` equal-width bins over its range
    (:func:`discretize`); then ``mi[j, k] = sum_{a,b} p(a,b) log p(a,b) / (p(a) p(b))`` from
    the empirical joint histogram of (bin of z_j, value of v_k). This is the estimator of
    disentanglement_lib's MIG (``discrete_mutual_info``), computed for all (j, k) pairs with
    one ``np.bincount`` instead of a loop of ``sklearn.metrics.mutual_info_score`` calls.

    Parameters
    ----------
    codes : array, shape (n, d)
        Continuous codes, usually posterior means.
    factors : array, shape (n, K)
        Discrete ground-truth factors (any values; relabelled per column).
    n_bins : int
        Histogram bins per latent.

    Returns
    -------
    MutualInfo
        ``mi`` shape (d, K) and ``factor_entropy`` shape (K,), both in nats.

    Raises
    ------
    ValueError
        Shapes disagree, NaN/inf, fewer than 2 points, or a constant factor.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> v = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    >>> res = metrics.mutual_info_matrix(v.astype(float), v)  # latent j copies factor j
    >>> res.mi.round(3).tolist()
    [[0.693, 0.0], [0.0, 0.693]]
    """
    z, v = check_paired(codes, factors)
    labels, cards = factor_labels(v)
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    n_bins = int(n_bins)
    zb_t = discretize_transposed(np.ascontiguousarray(z.T), n_bins)  # (d, n)
    d, n = zb_t.shape
    n_k = len(cards)
    c_max = max(cards)
    # joint index of (latent j, factor k, bin a, value b) -> one bincount for all pairs;
    # laid out (d, K, n) so that every broadcast runs along contiguous memory
    base = (np.arange(d)[:, None] * n_k + np.arange(n_k)[None, :]) * (n_bins * c_max)  # (d, K)
    idx = np.empty((d, n_k, n), dtype=np.int64)
    np.add(base[:, :, None], (zb_t * c_max)[:, None, :], out=idx)
    idx += np.ascontiguousarray(labels.T)[None, :, :]
    joint = np.bincount(idx.ravel(), minlength=d * n_k * n_bins * c_max).astype(float)
    joint = joint.reshape(d, n_k, n_bins, c_max) / n
    p_z = joint.sum(axis=3, keepdims=True)
    p_v = joint.sum(axis=2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(joint > 0, joint / (p_z * p_v), 1.0)
    mi = np.sum(special.xlogy(joint, ratio), axis=(2, 3))
    h = _label_entropies(labels)
    return MutualInfo(mi=np.clip(mi, 0.0, None), factor_entropy=h)


def _gauss_logpdf(x: Array, mu: Array, log_sigma: Array) -> Array:
    return -0.5 * np.log(2 * np.pi) - log_sigma - 0.5 * ((x - mu) * np.exp(-log_sigma)) ** 2


def _marginal_entropy_mc(samples: Array, mu: Array, sigma: Array, chunk: int = 256) -> Array:
    """-E log q(z_j), q(z_j) = mean_n N(z_j; mu_nj, sigma_nj^2), per latent; samples (S, d)."""
    log_sigma = np.log(sigma)
    log_n = np.log(mu.shape[0])
    total = np.zeros(mu.shape[1])
    for start in range(0, samples.shape[0], chunk):
        s = samples[start : start + chunk]  # (c, d)
        logq = _gauss_logpdf(s[:, None, :], mu[None], log_sigma[None])  # (c, N, d)
        total -= np.sum(special.logsumexp(logq, axis=1) - log_n, axis=0)
    return total / samples.shape[0]


def mutual_info_matrix_posterior(
    mu: ArrayLike,
    sigma: ArrayLike,
    factors: ArrayLike,
    *,
    n_samples: int = 2_000,
    rng: np.random.Generator,
    uniform_entropy: bool = True,
) -> MutualInfo:
    """MI from q(z|x) entropy estimates, as in Chen et al. (2018)'s MIG code.

    ``I(z_j; v_k) = H(z_j) - sum_b p(v_k = b) H(z_j | v_k = b)``, where each entropy is a
    Monte Carlo estimate ``-E log q(z_j)`` with ``z ~ q(z|x)`` and the aggregate posterior
    ``q(z_j) = (1/N) sum_n N(z_j; mu_nj, sigma_nj^2)`` taken over all points (marginal) or
    over the points with ``v_k = b`` (conditional). Chen et al. normalise by
    ``log(number of values)`` (the entropy of a uniform factor): ``uniform_entropy=True``.

    Parameters
    ----------
    mu, sigma : array, shape (n, d)
        Posterior means and standard deviations (``sigma > 0``).
    factors : array, shape (n, K)
        Discrete factors.
    n_samples : int
        Samples used per entropy estimate (a random subset of the n points, one z each).
    rng : numpy.random.Generator
        Source of the posterior samples.
    uniform_entropy : bool
        ``True``: ``factor_entropy = log(c_k)``; ``False``: the empirical entropy.

    Returns
    -------
    MutualInfo
        ``mi`` shape (d, K) (clipped at 0; estimates can be slightly negative) and the
        factor entropies.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> v = np.repeat([[0, 0], [0, 1], [1, 0], [1, 1]], 10, axis=0)
    >>> res = metrics.mutual_info_matrix_posterior(
    ...     v.astype(float), np.full(v.shape, 0.1), v, n_samples=100, rng=np.random.default_rng(0)
    ... )
    >>> tuple(res.mi.shape)
    (2, 2)
    """
    m, v = check_paired(mu, factors)
    s = check_matrix(sigma, "sigma")
    if s.shape != m.shape:
        raise ValueError(f"sigma must have the shape of mu {m.shape}, got {s.shape}.")
    if np.any(s <= 0):
        raise ValueError("sigma must be > 0 (standard deviations, not log-variances).")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}.")
    labels, cards = factor_labels(v)
    z = m + s * rng.standard_normal(m.shape)

    def entropy(rows: NDArray[np.int64]) -> Array:
        pick = rows if rows.size <= n_samples else rng.choice(rows, n_samples, replace=False)
        return _marginal_entropy_mc(z[pick], m[rows], s[rows])

    h_z = entropy(np.arange(m.shape[0]))
    mi = np.zeros((m.shape[1], len(cards)))
    for k, c in enumerate(cards):
        cond = np.zeros(m.shape[1])
        for b in range(c):
            rows = np.flatnonzero(labels[:, k] == b)
            cond += rows.size / m.shape[0] * entropy(rows)
        mi[:, k] = h_z - cond
    if uniform_entropy:
        h = np.log(np.asarray(cards, dtype=float))
    else:
        h = _label_entropies(labels)
    return MutualInfo(mi=np.clip(mi, 0.0, None), factor_entropy=h)


def active_latents(codes: ArrayLike, threshold: float = 1e-2) -> NDArray[np.bool_]:
    """Latents whose code variance exceeds ``threshold`` (Chen et al.'s "active units").

    Parameters
    ----------
    codes : array, shape (n, d)

    Returns
    -------
    ndarray of bool, shape (d,)

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.active_latents(np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])).tolist()
    [True, False]
    """
    return np.asarray(np.var(check_matrix(codes, "codes"), axis=0, ddof=1) > threshold)


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
    >>> from seamlib import metrics
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=500)
    >>> metrics.ksg_mutual_information(a, a + 0.1 * rng.normal(size=500)) > 1.0
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
    >>> from seamlib import metrics
    >>> u = np.random.default_rng(0).normal(size=(100, 2))
    >>> result = metrics.independence_test(u, n_permutations=10, seed=0)
    >>> result.null.shape
    (10,)
    """

    statistic: float
    null: np.ndarray
    pvalue: float


def independence_test(
    u: ArrayLike, n_permutations: int = 200, *, k: int = 5, seed: int = 0
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
    >>> from seamlib import metrics
    >>> u = np.random.default_rng(0).normal(size=(100, 2))
    >>> result = metrics.independence_test(u, n_permutations=10, seed=0)
    >>> result.pvalue > 0.05
    True
    """
    arr = np.asarray(u.detach().cpu() if hasattr(u, "detach") else u, dtype=float)  # torch too
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
