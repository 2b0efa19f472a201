"""Benchmarks of seamlib.metrics against the straightforward reference code.

1. MI matrix on 10,000 codes x 10 latents x 5 factors: one vectorised bincount
   (``mutual_info_matrix``) vs disentanglement_lib's procedure (``np.digitize`` per latent,
   then ``sklearn.metrics.mutual_info_score`` per (latent, factor) pair and per factor for
   the entropies). Bar: 20x, values equal to 1e-10.
2. DtO for d = 10: the assignment-problem solution (``dto``) vs Rolinek et al.'s MILP solved
   with ``scipy.optimize.milp`` (``nearest_signed_permutation_milp``) on the same batch of
   random orthogonal matrices. Bar: 100x, values equal to 1e-12.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import mutual_info_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import best_time  # noqa: E402

from seamlib import metrics  # noqa: E402


def _mi_reference(codes: np.ndarray, factors: np.ndarray, n_bins: int) -> tuple[Any, Any]:
    """disentanglement_lib: _histogram_discretize + discrete_mutual_info + discrete_entropy."""
    binned = np.stack([np.digitize(c, np.histogram(c, n_bins)[1][:-1]) for c in codes.T], axis=1)
    d, k = codes.shape[1], factors.shape[1]
    mi = np.zeros((d, k))
    for j in range(d):
        for i in range(k):
            mi[j, i] = mutual_info_score(factors[:, i], binned[:, j])
    ent = np.array([mutual_info_score(factors[:, i], factors[:, i]) for i in range(k)])
    return mi, ent


def _bench_mi(quick: bool) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    n, d, cards = 10_000, 10, (3, 6, 40, 32, 32)  # dSprites' five varying factors
    factors = rng.integers(0, cards, size=(n, len(cards)))
    codes = rng.standard_normal((n, d))
    codes[:, :5] += factors / np.asarray(cards)  # some latents informative
    repeats = 2 if quick else 5
    ref = _mi_reference(codes, factors, 20)
    ours = metrics.mutual_info_matrix(codes, factors, n_bins=20)
    err = max(np.abs(ref[0] - ours.mi).max(), np.abs(ref[1] - ours.factor_entropy).max())
    t_base = best_time(lambda: _mi_reference(codes, factors, 20), repeats=repeats)
    t_cand = best_time(lambda: metrics.mutual_info_matrix(codes, factors, 20), repeats=repeats)
    return {
        "name": "MI matrix (10,000 codes x 10 latents x 5 factors, 20 bins)",
        "baseline": "np.digitize + per-pair sklearn.metrics.mutual_info_score loop",
        "candidate": "seamlib.metrics.mutual_info_matrix (one bincount)",
        "baseline_s": t_base,
        "candidate_s": t_cand,
        "ratio": t_base / t_cand,
        "bar": 20.0,
        "equal": bool(err <= 1e-10),
        "detail": f"max |difference| of MI and entropies {err:.2e} (tolerance 1e-10)",
    }


def _bench_dto(quick: bool) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    d, n_mats = 10, 4 if quick else 10
    mats = []
    for _ in range(n_mats):
        q, r = np.linalg.qr(rng.standard_normal((d, d)))
        mats.append(q * np.sign(np.diag(r))[None, :])
    batch = np.stack(mats)

    def milp() -> float:
        dists = [np.linalg.norm(v - metrics.nearest_signed_permutation_milp(v)) for v in batch]
        return float(np.mean(dists))

    ref, ours = milp(), metrics.dto(batch)
    repeats = 2 if quick else 3
    t_base = best_time(milp, repeats=repeats)
    t_cand = best_time(lambda: metrics.dto(batch), repeats=repeats)
    return {
        "name": f"DtO, d = {d} ({n_mats} random orthogonal V)",
        "baseline": "Rolinek et al. MILP (Eq. S75) via scipy.optimize.milp",
        "candidate": "seamlib.metrics.dto (linear_sum_assignment)",
        "baseline_s": t_base,
        "candidate_s": t_cand,
        "ratio": t_base / t_cand,
        "bar": 100.0,
        "equal": bool(abs(ref - ours) <= 1e-12),
        "detail": f"DtO {ours:.6f} vs MILP {ref:.6f} (tolerance 1e-12)",
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """Both benchmark rows (see the module docstring); ``quick`` uses fewer repeats."""
    return [_bench_mi(quick), _bench_dto(quick)]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(
            f"{row['name']}: {row['ratio']:.1f}x (bar {row['bar']:g}x), "
            f"equal={row['equal']}; {row['detail']}"
        )
