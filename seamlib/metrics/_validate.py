"""Input validation shared by the metrics."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


__all__ = []


# --------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------
def check_matrix(x: ArrayLike, name: str, *, ndim: int = 2) -> Array:
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


def check_paired(codes: ArrayLike, factors: ArrayLike) -> tuple[Array, Array]:
    z = check_matrix(codes, "codes")
    v = check_matrix(factors, "factors")
    if z.shape[0] != v.shape[0]:
        raise ValueError(
            f"codes and factors must have the same number of rows (data points): codes has "
            f"{z.shape[0]}, factors has {v.shape[0]}. Fix: encode exactly the images whose "
            "factors you pass, in the same order."
        )
    if z.shape[0] < 2:
        raise ValueError(f"Need at least 2 data points, got {z.shape[0]}.")
    return z, v


def factor_labels(
    factors: Array, *, allow_constant: bool = False
) -> tuple[NDArray[np.int64], list[int]]:
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


def check_mi_matrix(mi: ArrayLike, name: str = "mi") -> Array:
    m = check_matrix(mi, name)
    if np.any(m < -1e-12):
        raise ValueError(
            f"{name} has negative entries (min {m.min():.3g}), so it is not a mutual-information "
            "matrix (MI is >= 0). If you passed codes (one row per data point), pass the "
            "factors too: metrics.mig(codes, factors), or compute the matrix first with "
            "metrics.mutual_info_matrix(codes, factors)."
        )
    return np.clip(m, 0.0, None)


def check_entropy(h: ArrayLike, k: int) -> Array:
    arr = check_matrix(h, "factor_entropy", ndim=1)
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


def check_train_test(
    codes: ArrayLike,
    factors: ArrayLike,
    test: tuple[ArrayLike, ArrayLike] | None,
    train_fraction: float,
    seed: int,
) -> tuple[Array, Array, Array, Array]:
    """Training and test codes and factors (floats): ``test`` as given, or a seeded split.

    Without ``test`` the rows are permuted with ``np.random.default_rng(seed)`` and the first
    ``round(train_fraction * n)`` train. The factors of both sets are validated together
    (:func:`factor_labels` rejects a constant factor).
    """
    z, v = check_paired(codes, factors)
    if test is None:
        if not 0.0 < train_fraction < 1.0:
            raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}.")
        n = z.shape[0]
        perm = np.random.default_rng(seed).permutation(n)
        n_train = int(round(train_fraction * n))
        if n_train < 2 or n_train == n:
            raise ValueError(
                f"train_fraction={train_fraction} leaves an empty split of {n} points; "
                "pass more points or a train_fraction further from 0 and 1."
            )
        tr, te = perm[:n_train], perm[n_train:]
        z_tr, v_tr, z_te, v_te = z[tr], v[tr], z[te], v[te]
    else:
        if not (isinstance(test, tuple) and len(test) == 2):
            raise ValueError("test must be a pair (codes_test, factors_test).")
        z_tr, v_tr = z, v
        z_te, v_te = check_paired(*test)
        if z_te.shape[1] != z_tr.shape[1] or v_te.shape[1] != v_tr.shape[1]:
            raise ValueError(
                f"test codes/factors have {z_te.shape[1]} latents and {v_te.shape[1]} factors, "
                f"the training set {z_tr.shape[1]} and {v_tr.shape[1]}; they must agree."
            )
    factor_labels(np.concatenate([v_tr, v_te]))  # rejects constant factors
    return z_tr, v_tr, z_te, v_te
