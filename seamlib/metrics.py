"""Disentanglement metrics: MI matrix, MIG, MIG-sup, AAS, diagonality, DtO, kNN score, OD, DCI, MCC.

One function per metric, each a pure function of numpy arrays, in the manner of
``disentanglement_lib/evaluation/metrics``. The module depends only on numpy, scipy and
scikit-learn (no torch), so ``import seamlib.metrics`` is light.

Layout conventions
------------------
``codes``    array, shape (n, d): one row per data point, one column per latent (usually the
             posterior means mu(x)).
``factors``  array, shape (n, K): ground-truth generative factors, discrete (any values;
             each column is relabelled 0..c_k-1).
``mi``       array, shape (d, K): ``mi[j, k]`` = I(z_j; v_k) in nats (latents are rows, as in
             disentanglement_lib and the heatmaps of Allen (2025), Fig. 5).

References
----------
- Chen et al. (2018), *Isolating sources of disentanglement in VAEs* (MIG).
- Li et al. (2020) / Bhowal et al. (2024), MIG-sup and the OD-score.
- Allen (2025), *Unpicking data at the seams*, Appendix E (AAS, normalised off-diagonal).
- Rolinek et al. (2019), *VAEs pursue PCA directions (by accident)*, Eq. 29, Suppl. 8.1-8.2
  (distance to orthogonality DtO, their kNN "Disentanglement score").
- Eastwood & Williams (2018), *A framework for the quantitative evaluation of disentangled
  representations* (DCI).
- Hyvarinen & Morioka (2016) / Khemakhem et al. (2020), mean correlation coefficient (MCC).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special, stats

__all__ = [
    "MutualInfo",
    "DCIScores",
    "discretize",
    "mutual_info_matrix",
    "mutual_info_matrix_posterior",
    "factor_entropies",
    "active_latents",
    "mig",
    "mig_sup",
    "aas",
    "normalized_off_diagonal",
    "nearest_signed_permutation",
    "nearest_signed_permutation_milp",
    "dto",
    "rolinek_knn_score",
    "nearest_orthogonal",
    "od_distances",
    "od_score",
    "dci",
    "mcc",
    "greedy_order",
    "DSPRITES_FACTORS",
    "DSPRITES_CARDS",
    "toy_dsprites_codes",
]

Array = NDArray[np.float64]


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


class DCIScores(NamedTuple):
    """Eastwood & Williams (2018) scores and the importance matrix they are computed from.

    Attributes
    ----------
    disentanglement, completeness, informativeness : float
        D (weighted mean over latents of ``1 - H_K(P_j.)``), C (mean over factors of
        ``1 - H_d(P_.k)``), I (mean test accuracy of the per-factor classifiers).
    importance : ndarray, shape (d, K)
        ``importance[j, k]``: importance of latent j for predicting factor k.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> scores = metrics.DCIScores(1.0, 1.0, 1.0, importance=np.eye(2))  # as dci returns
    >>> scores.completeness, tuple(scores.importance.shape)
    (1.0, (2, 2))
    """

    disentanglement: float
    completeness: float
    informativeness: float
    importance: Array


# --------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------
def _matrix(x: ArrayLike, name: str, *, ndim: int = 2) -> Array:
    """``x`` as a finite float64 array with ``ndim`` dimensions, or an actionable ValueError."""
    arr = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)  # torch tensors too
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise ValueError(f"{name} must be a numeric array, got dtype {arr.dtype}.")
    arr = arr.astype(np.float64)
    if arr.ndim == 1 and ndim == 2 and name in ("codes", "factors"):
        raise ValueError(
            f"{name} must be 2-D with shape (n, {'d' if name == 'codes' else 'K'}), got a "
            f"1-D array of shape {arr.shape}. Fix: pass {name}[:, None] for a single column."
        )
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one row/column.")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} contains NaN or inf (first at index {tuple(int(i) for i in bad)}). "
            "Fix: drop those rows, or check the encoder for diverged outputs."
        )
    return arr


def _paired(codes: ArrayLike, factors: ArrayLike) -> tuple[Array, Array]:
    z = _matrix(codes, "codes")
    v = _matrix(factors, "factors")
    if z.shape[0] != v.shape[0]:
        raise ValueError(
            f"codes and factors must have the same number of rows (data points): codes has "
            f"{z.shape[0]}, factors has {v.shape[0]}. Fix: encode exactly the images whose "
            "factors you pass, in the same order."
        )
    if z.shape[0] < 2:
        raise ValueError(f"Need at least 2 data points, got {z.shape[0]}.")
    return z, v


def _labels(factors: Array, *, allow_constant: bool = False) -> tuple[NDArray[np.int64], list[int]]:
    """Relabel each factor column to 0..c_k-1; reject constant factors (entropy 0)."""
    labels = np.empty(factors.shape, dtype=np.int64)
    cards: list[int] = []
    for k in range(factors.shape[1]):
        col = factors[:, k]
        lo = col.min()
        if lo >= 0 and col.max() < 4 * col.size and np.all(col == np.floor(col)):
            # small non-negative integers: relabel in O(n) with a bincount
            ints = col.astype(np.int64)
            present = np.bincount(ints) > 0
            labels[:, k] = (np.cumsum(present) - 1)[ints]
            cards.append(int(present.sum()))
        else:
            _, inv = np.unique(col, return_inverse=True)
            labels[:, k] = inv.ravel()
            cards.append(int(inv.max()) + 1)
    constant = [k for k, c in enumerate(cards) if c == 1]
    if constant and not allow_constant:
        raise ValueError(
            f"factor column(s) {constant} take a single value, so their entropy is 0 and "
            "every normalised score is undefined. Fix: drop constant factors (e.g. dSprites' "
            "colour) before computing metrics, e.g. factors[:, factors.std(0) > 0]."
        )
    return labels, cards


def _mi_matrix_arg(mi: ArrayLike, name: str = "mi") -> Array:
    m = _matrix(mi, name)
    if np.any(m < -1e-12):
        raise ValueError(
            f"{name} has negative entries (min {m.min():.3g}); mutual information is >= 0. "
            f"Fix: estimates from sampling can dip below 0: clip with np.clip({name}, 0, None)."
        )
    return np.clip(m, 0.0, None)


def _entropy_arg(h: ArrayLike, k: int) -> Array:
    arr = _matrix(h, "factor_entropy", ndim=1)
    if arr.shape != (k,):
        raise ValueError(
            f"factor_entropy must have one entry per factor (column of mi): expected shape "
            f"({k},), got {arr.shape}."
        )
    if np.any(arr <= 0):
        raise ValueError(
            f"factor_entropy must be > 0, got {arr}. A zero entropy means a constant factor: "
            "drop it before computing the metric."
        )
    return arr


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
    z = _matrix(codes, "codes")
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    return _discretize_t(np.ascontiguousarray(z.T), int(n_bins)).T


def _discretize_t(zt: Array, n_bins: int) -> NDArray[np.int64]:
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
    v = _matrix(factors, "factors")
    labels, _ = _labels(v)
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
    z, v = _paired(codes, factors)
    labels, cards = _labels(v)
    if int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    n_bins = int(n_bins)
    zb_t = _discretize_t(np.ascontiguousarray(z.T), n_bins)  # (d, n)
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
    m, v = _paired(mu, factors)
    s = _matrix(sigma, "sigma")
    if s.shape != m.shape:
        raise ValueError(f"sigma must have the shape of mu {m.shape}, got {s.shape}.")
    if np.any(s <= 0):
        raise ValueError("sigma must be > 0 (standard deviations, not log-variances).")
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}.")
    labels, cards = _labels(v)
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
    return np.asarray(np.var(_matrix(codes, "codes"), axis=0, ddof=1) > threshold)


# --------------------------------------------------------------------------------------
# MI-based scores
# --------------------------------------------------------------------------------------
def mig(mi: ArrayLike, factor_entropy: ArrayLike) -> float:
    """Mutual information gap (Chen et al., 2018).

    ``MIG = (1/K) sum_k (I(z_(1); v_k) - I(z_(2); v_k)) / H(v_k)`` where ``z_(1), z_(2)`` are
    the two latents sharing most information with factor ``k``.

    Parameters
    ----------
    mi : array, shape (d, K)
        Mutual information (nats), from :func:`mutual_info_matrix`; ``d >= 2``.
    factor_entropy : array, shape (K,)

    Returns
    -------
    float in [0, 1] when ``mi[:, k] <= H(v_k)``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.mig(np.array([[0.6, 0.1], [0.2, 0.5]]), np.array([0.8, 0.5]))
    0.65
    """
    m = _mi_matrix_arg(mi)
    if m.shape[0] < 2:
        raise ValueError(f"MIG needs at least 2 latents (rows of mi), got shape {m.shape}.")
    h = _entropy_arg(factor_entropy, m.shape[1])
    top = -np.sort(-m, axis=0)[:2]  # (2, K): largest and second largest per factor
    return float(np.mean((top[0] - top[1]) / h))


def mig_sup(mi: ArrayLike, factor_entropy: ArrayLike, active: ArrayLike | None = None) -> float:
    """MIG-sup (Li et al., 2020; used by Bhowal et al., 2024): the gap per *latent*.

    With normalised ``I'_jk = I(z_j; v_k) / H(v_k)``, ``MIG-sup = mean_j (I'_j(1) - I'_j(2))``
    over (active) latents ``j``, where ``I'_j(1) >= I'_j(2)`` are the two largest entries of
    row ``j``. MIG penalises a factor spread over latents; MIG-sup penalises a latent mixing
    factors.

    Parameters
    ----------
    mi : array, shape (d, K)
        ``K >= 2``.
    factor_entropy : array, shape (K,)
    active : array of bool, shape (d,), optional
        Latents to average over (e.g. :func:`active_latents`); default all.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.mig_sup(np.array([[0.6, 0.1], [0.2, 0.5]]), np.array([1.0, 1.0]))
    0.4
    """
    m = _mi_matrix_arg(mi)
    if m.shape[1] < 2:
        raise ValueError(f"MIG-sup needs at least 2 factors (columns of mi), got {m.shape}.")
    h = _entropy_arg(factor_entropy, m.shape[1])
    normed = m / h[None, :]
    top = -np.sort(-normed, axis=1)[:, :2]
    gaps = top[:, 0] - top[:, 1]
    if active is not None:
        mask = np.asarray(active, dtype=bool)
        if mask.shape != (m.shape[0],):
            raise ValueError(
                f"active must be a bool mask of shape ({m.shape[0]},), got {mask.shape}."
            )
        if not mask.any():
            raise ValueError("active selects no latent; lower the active_latents threshold.")
        gaps = gaps[mask]
    return float(np.mean(gaps))


def aas(mi: ArrayLike) -> float:
    """Axis alignment score (Allen, 2025, Appendix E).

    ``AAS = 0.5 (sum_j max_k M_jk + sum_k max_j M_jk) / sum_jk M_jk``: the share of the
    matrix's mass in its row and column peaks. It is 1 exactly for a (possibly rectangular)
    permuted diagonal matrix, and at least ``0.5 (1/K + 1/d)`` (a constant matrix).

    Parameters
    ----------
    mi : array, shape (d, K)
        Non-negative matrix (mutual information), not all zero.

    Returns
    -------
    float in [0.5 (1/K + 1/d), 1].

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.aas(np.eye(3))
    1.0
    >>> round(metrics.aas(np.ones((3, 3))), 3)  # the minimum, 0.5 (1/3 + 1/3)
    0.333
    """
    m = _mi_matrix_arg(mi)
    total = m.sum()
    if total <= 0:
        raise ValueError(
            "AAS is undefined for an all-zero matrix (no latent carries information). "
            "Check that the codes vary (an encoder that collapsed gives zero MI)."
        )
    return float(0.5 * (m.max(axis=1).sum() + m.max(axis=0).sum()) / total)


def normalized_off_diagonal(matrix: ArrayLike) -> float:
    """Normalised off-diagonal magnitude of a d x d matrix (Allen, 2025, Appendix E).

    With ``A = |M|`` (entrywise) and ``N = D^{-1/2} A D^{-1/2}``, ``D = diag(A)``, the score is
    the mean off-diagonal entry ``(sum N - tr N) / (d (d - 1))``. It is 0 for a diagonal
    matrix and, for a positive semi-definite matrix (a Gram or Hessian term), at most 1
    (by Cauchy-Schwarz, with equality for rank one). The printed snippet writes
    ``num_off_diag = m * (m - 1)`` after ``d = M.shape[1]``; ``m`` is ``d``.

    Parameters
    ----------
    matrix : array, shape (d, d) or (b, d, d)
        A derivative matrix (e.g. ``E[J^T J]``) or a batch of them (the batch mean is
        returned); ``d >= 2`` and no zero diagonal entry.

    Returns
    -------
    float (0 = diagonal).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.normalized_off_diagonal(np.array([[1.0, 0.5], [0.5, 1.0]]))
    0.5
    """
    arr = np.asarray(matrix, dtype=float)
    a = _matrix(arr[None] if arr.ndim == 2 else arr, "matrix", ndim=3)
    if a.shape[1] != a.shape[2] or a.shape[1] < 2:
        raise ValueError(f"matrix must be square with d >= 2, got shape {arr.shape}.")
    a = np.abs(a)
    diag = np.diagonal(a, axis1=1, axis2=2)
    if np.any(diag <= 0):
        raise ValueError(
            "matrix has a zero on its diagonal, so it cannot be normalised by diag^(-1/2). "
            "A zero diagonal entry means an unused (collapsed) latent: drop that row and column."
        )
    scale = 1.0 / np.sqrt(diag)
    normed = a * scale[:, :, None] * scale[:, None, :]
    d = a.shape[1]
    off = (normed.sum(axis=(1, 2)) - np.trace(normed, axis1=1, axis2=2)) / (d * (d - 1))
    return float(off.mean())


def greedy_order(mi: ArrayLike) -> NDArray[np.int64]:
    """Order of the latents that puts large MI entries on the diagonal (Allen, 2025, Fig. 5).

    Repeatedly take the largest remaining entry ``mi[j, k]`` and place latent ``j`` at row
    ``k``; latents left over (``d > K``) follow in decreasing order of their largest entry.
    With fewer latents than factors (``d < K``, e.g. 10 latents against CelebA's 40
    attributes) the paired latents are listed in the order of their factors.
    Plot ``mi[greedy_order(mi)]`` with the factors in their given order.

    Parameters
    ----------
    mi : array, shape (d, K)

    Returns
    -------
    ndarray of int, shape (d,): a permutation of ``range(d)``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.greedy_order(np.array([[0.1, 0.9], [0.8, 0.2], [0.05, 0.0]])).tolist()
    [1, 0, 2]
    """
    m = _mi_matrix_arg(mi)
    d, k = m.shape
    work = m.copy()
    slots = np.full(k, -1, dtype=np.int64)
    for _ in range(min(d, k)):
        j, c = np.unravel_index(int(np.argmax(work)), work.shape)
        slots[c] = j
        work[j, :] = -np.inf
        work[:, c] = -np.inf
    used = set(slots.tolist())
    rest = [j for j in np.argsort(-m.max(axis=1), kind="stable") if j not in used]
    order = np.concatenate([slots[slots >= 0], np.asarray(rest, dtype=np.int64)])
    return order.astype(np.int64)


# --------------------------------------------------------------------------------------
# Distance to orthogonality (Rolinek et al., 2019)
# --------------------------------------------------------------------------------------
def nearest_signed_permutation(v: ArrayLike) -> Array:
    """The signed permutation matrix closest to ``v`` in the L1 sense (Rolinek et al. S72).

    For a signed permutation ``P`` with ``P[i, pi(i)] = s_i``, ``sum |V - P|`` equals
    ``sum |V| + sum_i (|V[i, pi(i)] - s_i| - |V[i, pi(i)]|)``; the best sign is
    ``s_i = sign V[i, pi(i)]`` and the cost of the pair is ``||V_ij| - 1| - |V_ij|``. So the
    MILP of Suppl. 8.2 is a linear assignment problem, solved exactly in O(d^3) by
    ``scipy.optimize.linear_sum_assignment``.

    Parameters
    ----------
    v : array, shape (d, d)

    Returns
    -------
    ndarray, shape (d, d), entries in {-1, 0, 1}.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.nearest_signed_permutation(np.array([[0.1, -0.9], [0.8, 0.2]])).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    a = _matrix(v, "v")
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"v must be square, got shape {a.shape}.")
    mag = np.abs(a)
    cost = np.abs(mag - 1.0) - mag
    rows, cols = optimize.linear_sum_assignment(cost)
    p = np.zeros_like(a)
    p[rows, cols] = np.where(a[rows, cols] < 0, -1.0, 1.0)
    return p


def nearest_signed_permutation_milp(v: ArrayLike) -> Array:
    """Reference: Rolinek et al.'s MILP (Suppl. 8.2, Eq. S75) solved by ``scipy.optimize.milp``.

    Variables ``P+, P- in {0, 1}`` and ``D >= 0`` (d x d each); minimise ``sum D`` subject to
    ``|(P+ - P-) - V| <= D`` and one unit of ``P+ + P-`` per row and column. Exponential in
    the worst case; :func:`nearest_signed_permutation` gives the same answer in O(d^3).

    Parameters
    ----------
    v : array, shape (d, d)

    Returns
    -------
    ndarray, shape (d, d), entries in {-1, 0, 1}.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.nearest_signed_permutation_milp(np.array([[0.1, -0.9], [0.8, 0.2]])).tolist()
    [[0.0, -1.0], [1.0, 0.0]]
    """
    a = _matrix(v, "v")
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"v must be square, got shape {a.shape}.")
    d = a.shape[0]
    q = d * d
    eye = np.eye(q)
    # x = [P+ (q), P- (q), D (q)], row-major entries (i, j)
    upper = np.hstack([eye, -eye, -eye])  # (P+ - P-) - D <= V
    lower = np.hstack([-eye, eye, -eye])  # -(P+ - P-) - D <= -V
    rows = np.kron(np.eye(d), np.ones((1, d)))  # sum_j for each row i
    cols = np.kron(np.ones((1, d)), np.eye(d))  # sum_i for each column j
    sums = np.vstack(
        [np.hstack([rows, rows, np.zeros((d, q))]), np.hstack([cols, cols, np.zeros((d, q))])]
    )
    constraints = [
        optimize.LinearConstraint(upper, -np.inf, a.ravel()),
        optimize.LinearConstraint(lower, -np.inf, -a.ravel()),
        optimize.LinearConstraint(sums, 1.0, 1.0),
    ]
    cost = np.concatenate([np.zeros(2 * q), np.ones(q)])
    integrality = np.concatenate([np.ones(2 * q), np.zeros(q)])
    bounds = optimize.Bounds(np.zeros(3 * q), np.concatenate([np.ones(2 * q), np.full(q, np.inf)]))
    res = optimize.milp(cost, constraints=constraints, integrality=integrality, bounds=bounds)
    if not res.success:  # pragma: no cover - HiGHS solves these small problems
        raise RuntimeError(f"MILP failed: {res.message}")
    x = np.round(res.x)
    return np.asarray((x[:q] - x[q : 2 * q]).reshape(d, d))


def dto(v: ArrayLike, *, jacobian: bool = False, atol: float = 1e-6) -> float:
    """Distance to orthogonality (Rolinek et al., 2019, Eq. 29).

    ``DtO = (1/N) sum_i ||V_i - P(V_i)||_F`` where ``J_i = U_i S_i V_i^T`` is the SVD of the
    decoder Jacobian at point i and ``P(V)`` the nearest signed permutation
    (:func:`nearest_signed_permutation`). It is 0 exactly when every ``V_i`` is a signed
    permutation, i.e. the Jacobian columns are orthogonal.

    Parameters
    ----------
    v : array, shape (d, d) or (N, d, d); or (N, m, d) / (m, d) with ``jacobian=True``
        Orthogonal matrices V_i, or Jacobians whose right singular vectors are used.
    jacobian : bool
        Take ``V_i`` from the SVD of each ``v[i]`` (shape (m, d), m >= d).
    atol : float
        Tolerance of the orthonormality check ``V^T V = I`` for ``jacobian=False``.

    Returns
    -------
    float, the mean over the N matrices; in ``[0, sqrt(2 d)]``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.dto(np.eye(3))  # a signed permutation
    0.0
    >>> metrics.dto(np.diag([3.0, 1.0]), jacobian=True)  # orthogonal Jacobian columns
    0.0
    """
    arr = np.asarray(v.detach().cpu() if hasattr(v, "detach") else v, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    mats = _matrix(arr, "v", ndim=3)
    if jacobian:
        if mats.shape[1] < mats.shape[2]:
            raise ValueError(
                f"Jacobians must have shape (N, m, d) with m >= d, got {mats.shape}; "
                "pass J with one row per output and one column per latent."
            )
        vt = np.linalg.svd(mats, full_matrices=False)[2]
        mats = np.swapaxes(vt, 1, 2)
    else:
        if mats.shape[1] != mats.shape[2]:
            raise ValueError(
                f"V must be square (N, d, d), got {mats.shape}. If these are Jacobians, pass "
                "jacobian=True to take V from their SVD."
            )
        eye = np.eye(mats.shape[2])
        err = np.max(np.abs(np.swapaxes(mats, 1, 2) @ mats - eye))
        if err > atol:
            raise ValueError(
                f"V is not orthogonal (max |V^T V - I| = {err:.3g} > atol={atol:g}). DtO is "
                "defined for the right singular vectors V of a Jacobian: pass the Jacobians "
                "with jacobian=True, or raise atol for nearly orthogonal input."
            )
    dist = [np.linalg.norm(m - nearest_signed_permutation(m)) for m in mats]
    return float(np.mean(dist))


# --------------------------------------------------------------------------------------
# Rolinek et al.'s kNN "Disentanglement score" (Suppl. 8.1)
# --------------------------------------------------------------------------------------
def rolinek_knn_score(
    codes: ArrayLike,
    factors: ArrayLike,
    *,
    discrete: Sequence[bool] | None = None,
    n_neighbors: int = 5,
    train_fraction: float = 0.8,
    seed: int = 0,
    classification_normaliser: Literal["paper", "chance"] = "paper",
    return_matrix: bool = False,
) -> float | tuple[float, Array]:
    """Rolinek et al. (2019), Suppl. 8.1, Eqs. S65-S71: MIG with kNN predictability for MI.

    ``A_ij`` is how well a k-nearest-neighbour model predicts factor ``w_i`` from latent
    ``z_j`` alone (fit on ``train_fraction`` of the points, scored on the rest):
    ``sqrt(var w_i) - sqrt(mse)`` for a continuous factor, accuracy for a discrete one. The
    score is ``(1/K) sum_i (A_i,m(i) - A_i,s(i)) / M_i`` with the best and second-best latents
    m(i), s(i) and ``M_i`` = ``sqrt(var w_i)`` (regression) or the accuracy of the best
    constant classifier (classification), exactly as printed. With the printed
    classification normaliser a summand can exceed 1 (e.g. accuracy gap 0.8 over a constant
    accuracy of 1/3).

    Parameters
    ----------
    codes : array, shape (n, d), d >= 2
    factors : array, shape (n, K)
    discrete : sequence of bool, length K, optional
        Which factors are classification targets; default: integer-valued factors.
    n_neighbors : int
        k of the kNN models (sklearn's default, 5, as in the paper).
    train_fraction : float
        Share of points used to fit (0.8 in the paper).
    seed : int
        Seed of the train/test split.
    classification_normaliser : {"paper", "chance"}
        ``"paper"``: Eqs. S70-S71 as printed. ``"chance"``: for discrete factors use
        ``A_ij = accuracy - constant accuracy`` and ``M_i = 1 - constant accuracy``, the
        analogue of the regression case, which keeps every summand in [-1, 1].
    return_matrix : bool
        Also return ``A`` with shape (K, d).

    Returns
    -------
    float, or (float, ndarray of shape (K, d)).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> rng = np.random.default_rng(0)
    >>> v = rng.integers(0, 3, size=(200, 2))
    >>> round(metrics.rolinek_knn_score(v + 0.1 * rng.standard_normal((200, 2)), v), 2)  # > 1
    1.92
    """
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    z, v = _paired(codes, factors)
    labels, _ = _labels(v)  # class labels 0..c-1; rejects constant factors
    n, d = z.shape
    if d < 2:
        raise ValueError(f"The score needs at least 2 latents, got codes of shape {z.shape}.")
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}.")
    if classification_normaliser not in ("paper", "chance"):
        raise ValueError(
            f"classification_normaliser must be 'paper' or 'chance', got "
            f"{classification_normaliser!r}."
        )
    if discrete is None:
        flags = [bool(np.all(v[:, k] == np.round(v[:, k]))) for k in range(v.shape[1])]
    else:
        flags = [bool(x) for x in discrete]
        if len(flags) != v.shape[1]:
            raise ValueError(
                f"discrete needs {v.shape[1]} entries (one per factor), got {len(flags)}."
            )
    perm = np.random.default_rng(seed).permutation(n)
    n_train = int(round(train_fraction * n))
    tr, te = perm[:n_train], perm[n_train:]
    if n_train <= n_neighbors or te.size == 0:
        raise ValueError(
            f"Too few points ({n}) for a {n_neighbors}-NN fit on {train_fraction:.0%} of them; "
            "pass more codes."
        )
    a = np.zeros((v.shape[1], d))
    norm = np.zeros(v.shape[1])
    for i, is_discrete in enumerate(flags):
        w = labels[:, i] if is_discrete else v[:, i]
        for j in range(d):
            x_tr, x_te = z[tr, j : j + 1], z[te, j : j + 1]
            if is_discrete:
                clf = KNeighborsClassifier(n_neighbors=n_neighbors).fit(x_tr, w[tr])
                a[i, j] = float(np.mean(clf.predict(x_te) == w[te]))
            else:
                reg = KNeighborsRegressor(n_neighbors=n_neighbors).fit(x_tr, w[tr])
                mse = float(np.mean((reg.predict(x_te) - w[te]) ** 2))
                a[i, j] = np.sqrt(np.var(w[te])) - np.sqrt(mse)
        if is_discrete:
            values, counts = np.unique(w[tr], return_counts=True)
            const_acc = float(np.mean(w[te] == values[np.argmax(counts)]))
            if classification_normaliser == "chance":
                a[i] -= const_acc
                norm[i] = 1.0 - const_acc
            else:
                norm[i] = const_acc
        else:
            norm[i] = float(np.sqrt(np.var(w[te])))
    if np.any(norm <= 0):
        raise ValueError(
            "A factor is constant on the test split (zero normaliser M_i); pass more points."
        )
    top = -np.sort(-a, axis=1)[:, :2]
    score = float(np.mean((top[:, 0] - top[:, 1]) / norm))
    return (score, a) if return_matrix else score


# --------------------------------------------------------------------------------------
# OD-score (Bhowal et al., 2024)
# --------------------------------------------------------------------------------------
def nearest_orthogonal(m: ArrayLike) -> Array:
    """The matrix with orthonormal columns nearest to ``m`` in Frobenius norm.

    ``M_hat = M (M^T M)^{-1/2} = U V^T`` (the polar factor, from the thin SVD
    ``M = U S V^T``). Bhowal et al. (2024), Prop. 7, print ``M (M^T M)^{1/2}``; that matrix is
    not orthogonal unless ``M`` already is (the chapter checks this).

    Parameters
    ----------
    m : array, shape (p, d), p >= d, full column rank.

    Returns
    -------
    ndarray, shape (p, d).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> q = metrics.nearest_orthogonal(np.array([[1.0, 0.5], [0.0, 1.0], [0.0, 0.0]]))
    >>> np.allclose(q.T @ q, np.eye(2))
    True
    """
    a = _matrix(m, "m")
    if a.shape[0] < a.shape[1]:
        raise ValueError(f"m must have at least as many rows as columns, got {a.shape}.")
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    return np.asarray(u @ vt)


def od_distances(m: ArrayLike) -> Array:
    """Raw distances (d_U, d_S, d_V) of a decoder matrix from Lemma 4's orthogonal form.

    Bhowal et al., Lemma 4: if ``M`` has orthogonal columns with distinct norms then its SVD
    is ``U_hat = M diag(1/||c_j||)``, ``S_hat = diag(||c_j||)``, ``V_hat = I``. We order the
    columns by decreasing norm and fix SVD signs so that ``diag(V) >= 0`` (Lemma 4 holds up to
    that signed permutation), then return the squared Frobenius distances
    ``||U - U_hat||^2, ||S - S_hat||^2, ||V - I||^2`` of the actual SVD; all vanish iff the
    columns are orthogonal. For a batch (N, p, d) the means over the batch are returned.

    Parameters
    ----------
    m : array, shape (p, d) or (N, p, d), p >= d

    Returns
    -------
    ndarray, shape (3,)

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.od_distances(np.diag([2.0, 1.0])).round(6).tolist()  # orthogonal columns
    [0.0, 0.0, 0.0]
    """
    arr = np.asarray(m, dtype=float)
    mats = _matrix(arr[None] if arr.ndim == 2 else arr, "m", ndim=3)
    if mats.shape[1] < mats.shape[2]:
        raise ValueError(f"m must have shape (p, d) with p >= d, got {arr.shape}.")
    norms = np.linalg.norm(mats, axis=1)  # (N, d)
    if np.any(norms <= 0):
        raise ValueError("m has a zero column (an unused latent); drop it before scoring.")
    order = np.argsort(-norms, axis=1, kind="stable")
    mats = np.take_along_axis(mats, order[:, None, :], axis=2)
    norms = np.take_along_axis(norms, order, axis=1)
    u, s, vt = np.linalg.svd(mats, full_matrices=False)
    sign = np.where(np.diagonal(vt, axis1=1, axis2=2) < 0, -1.0, 1.0)  # (N, d)
    u = u * sign[:, None, :]
    vt = vt * sign[:, :, None]
    u_hat = mats / norms[:, None, :]
    d_u = np.sum((u - u_hat) ** 2, axis=(1, 2))
    d_s = np.sum((s - norms) ** 2, axis=1)
    d_v = np.sum((np.swapaxes(vt, 1, 2) - np.eye(mats.shape[2])) ** 2, axis=(1, 2))
    return np.array([d_u.mean(), d_s.mean(), d_v.mean()])


def od_score(matrices: Sequence[ArrayLike]) -> Array:
    """OD-score of each model (Bhowal et al., 2024, Sec. 4.4): lower = more orthogonal.

    ``OD(M) = (d_U + d_S + d_V) / 3``, each raw distance (:func:`od_distances`) divided by
    its maximum over the models compared (``max_phi``), so scores are relative to the set
    of models passed.

    Parameters
    ----------
    matrices : sequence of arrays, each (p, d) or (N, p, d)
        One entry per model: its local decoder matrices.

    Returns
    -------
    ndarray, shape (n_models,), values in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> metrics.od_score([np.diag([2.0, 1.0]), np.array([[1.0, 0.5], [0.0, 1.0]])]).tolist()
    [0.0, 1.0]
    """
    if len(matrices) == 0:
        raise ValueError("od_score needs at least one model's matrices.")
    raw = np.stack([od_distances(m) for m in matrices])  # (models, 3)
    top = raw.max(axis=0)
    normed = np.divide(raw, top, out=np.zeros_like(raw), where=top > 0)
    return np.asarray(normed.mean(axis=1))


# --------------------------------------------------------------------------------------
# DCI and MCC
# --------------------------------------------------------------------------------------
def dci(
    codes: ArrayLike,
    factors: ArrayLike,
    *,
    estimator: Literal["forest", "gbt"] = "forest",
    train_fraction: float = 0.8,
    seed: int = 0,
    n_estimators: int = 20,
) -> DCIScores:
    """DCI disentanglement, completeness and informativeness (Eastwood & Williams, 2018).

    One classifier per factor predicts it from all latents; its scikit-learn
    ``feature_importances_`` form column k of the importance matrix ``R`` (d, K). With
    ``P_jk = R_jk / sum_k R_jk``: ``D = sum_j rho_j (1 - H_K(P_j.))``, ``rho_j = sum_k R_jk /
    sum R``; with ``Q_jk = R_jk / sum_j R_jk``: ``C = mean_k (1 - H_d(Q_.k))`` (entropies in
    base K and d). ``I`` is the mean test accuracy.

    Parameters
    ----------
    codes : array, shape (n, d), d >= 2
    factors : array, shape (n, K), discrete
    estimator : {"forest", "gbt"}
        Random forest (default; every split considers all latents, leaves of >= 5 points)
        or gradient-boosted trees (disentanglement_lib's choice; slower). A forest that
        draws a random subset of latents per split (sklearn's default) spreads importance
        onto irrelevant latents and lowers D and C.
    train_fraction : float
    seed : int
        Seed of the split and of the tree ensembles.
    n_estimators : int
        Trees per ensemble.

    Returns
    -------
    DCIScores

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> v = np.repeat([[0, 0], [0, 1], [1, 0], [1, 1]], 10, axis=0)
    >>> scores = metrics.dci(v + 0.01 * np.arange(40)[:, None], v, n_estimators=5)
    >>> round(scores.disentanglement, 3), round(scores.informativeness, 3)
    (1.0, 1.0)
    """
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    z, v = _paired(codes, factors)
    labels, cards = _labels(v)
    n, d = z.shape
    if d < 2 or len(cards) < 2:
        raise ValueError(
            f"DCI needs at least 2 latents and 2 factors, got codes {z.shape}, factors {v.shape}."
        )
    if estimator not in ("forest", "gbt"):
        raise ValueError(f"estimator must be 'forest' or 'gbt', got {estimator!r}.")
    perm = np.random.default_rng(seed).permutation(n)
    n_train = int(round(train_fraction * n))
    tr, te = perm[:n_train], perm[n_train:]
    if n_train < 2 or te.size == 0:
        raise ValueError(f"train_fraction={train_fraction} leaves an empty split of {n} points.")
    importance = np.zeros((d, len(cards)))
    acc = np.zeros(len(cards))
    for k in range(len(cards)):
        model: RandomForestClassifier | GradientBoostingClassifier
        if estimator == "forest":
            model = RandomForestClassifier(
                n_estimators=n_estimators,
                max_features=None,  # every split sees every latent, as in boosting
                min_samples_leaf=5,
                random_state=seed,
                n_jobs=1,
            )
        else:
            model = GradientBoostingClassifier(n_estimators=n_estimators, random_state=seed)
        model.fit(z[tr], labels[tr, k])
        importance[:, k] = np.abs(model.feature_importances_)
        acc[k] = float(np.mean(model.predict(z[te]) == labels[te, k]))
    n_k = importance.shape[1]
    row = importance.sum(axis=1)
    # rows with no importance get a uniform P (entropy 1) and weight rho = 0
    p = np.where(row[:, None] > 0, importance / np.where(row > 0, row, 1.0)[:, None], 1.0 / n_k)
    h_rows = -np.sum(special.xlogy(p, p), axis=1) / np.log(n_k)
    rho = row / row.sum()
    disent = float(np.sum(rho * (1.0 - h_rows)))
    q = importance / importance.sum(axis=0, keepdims=True)
    h_cols = -np.sum(special.xlogy(q, q), axis=0) / np.log(d)
    return DCIScores(
        disentanglement=disent,
        completeness=float(np.mean(1.0 - h_cols)),
        informativeness=float(acc.mean()),
        importance=importance,
    )


def mcc(
    codes: ArrayLike, sources: ArrayLike, method: Literal["pearson", "spearman"] = "pearson"
) -> float:
    """Mean correlation coefficient after optimal matching of latents to sources.

    ``|corr(z_j, s_k)|`` for all pairs (Pearson, or Spearman for monotone transforms), then
    the matching of latents to sources maximising the summed ``|corr|`` (Hungarian algorithm),
    and the mean over the ``min(d, K)`` matched pairs.

    Parameters
    ----------
    codes : array, shape (n, d)
    sources : array, shape (n, K)
        Ground-truth (continuous or discrete) sources.
    method : {"pearson", "spearman"}

    Returns
    -------
    float in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> s = np.random.default_rng(0).standard_normal((100, 2))
    >>> round(metrics.mcc(s[:, ::-1] * [2.0, -3.0], s), 6)  # permuted and rescaled sources
    1.0
    """
    z, s = _paired(codes, sources)
    for name, arr in (("codes", z), ("sources", s)):
        const = np.flatnonzero(np.ptp(arr, axis=0) == 0)
        if const.size:
            raise ValueError(
                f"{name} column(s) {const.tolist()} are constant, so their correlation is "
                "undefined. Fix: drop collapsed latents / constant sources first."
            )
    if method == "spearman":
        z = np.apply_along_axis(stats.rankdata, 0, z)
        s = np.apply_along_axis(stats.rankdata, 0, s)
    elif method != "pearson":
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}.")
    zc = (z - z.mean(0)) / z.std(0)
    sc = (s - s.mean(0)) / s.std(0)
    corr = np.abs(zc.T @ sc) / z.shape[0]  # (d, K)
    rows, cols = optimize.linear_sum_assignment(corr, maximize=True)
    return float(corr[rows, cols].mean())


# --------------------------------------------------------------------------------------
# Worked-example codes (a simulated encoder with a known answer)
# --------------------------------------------------------------------------------------
#: The five varying dSprites factors and their numbers of values (colour is constant).
DSPRITES_FACTORS: tuple[str, ...] = ("shape", "scale", "orientation", "posX", "posY")
DSPRITES_CARDS: tuple[int, ...] = (3, 6, 40, 32, 32)


def toy_dsprites_codes(
    n: int,
    *,
    rng: np.random.Generator,
    angle: float = 0.0,
    d: int = 10,
    noise: float = 0.05,
    sigma: float = 0.1,
) -> tuple[NDArray[np.int64], Array, Array]:
    """Codes of a simulated VAE encoder on dSprites factors, for worked examples.

    Factor indices are drawn uniformly from the dSprites grid (:data:`DSPRITES_CARDS`).
    With ``f_k`` the factor index scaled to [0, 1], the posterior means are: latents 0, 1 =
    ``1.5 (2 posX - 1, 2 posY - 1)`` rotated by ``angle`` (radians; 0 is disentangled,
    ``pi/4`` mixes the two positions evenly); latent 2 = ``1.5 (2 scale - 1)``; latents 3,
    4 = ``cos, sin`` of the orientation angle (a circular factor needs two latents); latent
    5 = ``0.8 (shape - 1) + 0.3 (2 scale - 1)`` (shape weakly entangled with scale); the
    remaining ``d - 6`` latents are collapsed (mean ~ 0, posterior std 1). Active means get
    Gaussian jitter of std ``noise``; their posterior std is ``sigma``.

    Parameters
    ----------
    n : int
        Number of codes.
    rng : numpy.random.Generator
    angle : float
        Rotation of the (posX, posY) latent pair, radians.
    d : int
        Latent dimension, >= 6.
    noise, sigma : float
        Jitter of the active means; posterior std of the active latents.

    Returns
    -------
    factors : ndarray of int, shape (n, 5)
        Factor indices (shape, scale, orientation, posX, posY).
    mu, std : ndarray, shape (n, d)
        Posterior means and standard deviations.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib import metrics
    >>> factors, mu, std = metrics.toy_dsprites_codes(100, rng=np.random.default_rng(0))
    >>> tuple(factors.shape), tuple(mu.shape)
    ((100, 5), (100, 10))
    """
    if d < 6:
        raise ValueError(f"toy_dsprites_codes needs d >= 6 latents, got d={d}.")
    cards = np.asarray(DSPRITES_CARDS)
    factors = rng.integers(0, cards, size=(n, cards.size))
    f = factors / (cards - 1)
    mu = np.zeros((n, d))
    pos = 1.5 * (2 * f[:, 3:5] - 1)
    c, s = np.cos(angle), np.sin(angle)
    mu[:, 0] = c * pos[:, 0] - s * pos[:, 1]
    mu[:, 1] = s * pos[:, 0] + c * pos[:, 1]
    mu[:, 2] = 1.5 * (2 * f[:, 1] - 1)
    theta = 2 * np.pi * factors[:, 2] / cards[2]
    mu[:, 3], mu[:, 4] = np.cos(theta), np.sin(theta)
    mu[:, 5] = 0.8 * (factors[:, 0] - 1) + 0.3 * (2 * f[:, 1] - 1)
    mu[:, :6] += noise * rng.standard_normal((n, 6))
    mu[:, 6:] = 0.003 * rng.standard_normal((n, d - 6))
    std = np.ones((n, d))
    std[:, :6] = sigma
    return factors.astype(np.int64), mu, std
