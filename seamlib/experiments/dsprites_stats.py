"""Statistics behind the dSprites claims: rank trends over the Fig. 5 grid, Fig. 7 per
variant, and Thm. 6.5's axis match of a trained model's latents to the factors.

Re-exported by :mod:`seamlib.experiments.dsprites` and :mod:`seamlib.dsprites_results`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from seamlib import metrics
from seamlib.data.dsprites import VARYING_FACTORS
from seamlib.experiments.common import _num, group_stats

__all__ = [
    "ORDINAL_FACTORS",
    "axis_match",
    "spearman",
    "spearman_test",
    "theil_sen",
    "fig5_trends",
    "paired_runs",
    "fig7_label",
    "fig7_stats",
    "FIG7_KEYS",
]


ORDINAL_FACTORS: tuple[str, ...] = ("scale", "posX", "posY")
"""The dSprites factors with an order (shape is categorical, orientation circular)."""


def axis_match(codes: np.ndarray, factors: np.ndarray) -> float:
    """Thm. 6.5 on a trained model: how well single latents match the ordinal factors.

    The mean, over ``scale``, ``posX`` and ``posY``, of the rank correlation between each
    factor and the latent matched to it by the best one-to-one assignment (Spearman MCC,
    :func:`seamlib.metrics.mcc`). Identifiability up to signed permutation (and monotone
    reparametrisation of each axis) gives 1; a latent space rotated by 45 degrees in the
    (x, y) plane gives about 0.71 on those two factors. Constant latents are left out; a
    factor left without a latent (fewer varying latents than factors) counts as 0.

    Parameters
    ----------
    codes : array, shape (n, d)
        Posterior means.
    factors : array, shape (n, 5)
        Factor values in :data:`~seamlib.data.dsprites.VARYING_FACTORS` order.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.experiments.dsprites import axis_match
    >>> f = np.random.default_rng(0).integers(0, 32, size=(500, 5)).astype(float)
    >>> round(axis_match(np.c_[-f[:, 4], f[:, 1] ** 3, f[:, 3], np.ones(500)], f), 6)
    1.0
    """
    cols = [VARYING_FACTORS.index(name) for name in ORDINAL_FACTORS]
    codes = np.asarray(codes, dtype=float)
    varying = np.ptp(codes, axis=0) > 0
    if not varying.any():
        return 0.0
    matched = min(int(varying.sum()), len(cols))
    score = metrics.mcc(codes[:, varying], np.asarray(factors)[:, cols], method="spearman")
    return score * matched / len(cols)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman rank correlation of the pairs with both values finite (NaN if < 3 pairs).

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> round(R.spearman([1, 2, 3, 4], [1, 3, 2, 4]), 3)
    0.8
    """
    return spearman_test(x, y)[0]


def spearman_test(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """Spearman's rho and its two-sided p-value (scipy) over the pairs with both values finite.

    Returns ``(nan, nan)`` with fewer than 3 pairs or a constant variable.

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> rho, p = R.spearman_test([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6])
    >>> rho, p < 0.01
    (1.0, True)
    """
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return float("nan"), float("nan")
    res = stats.spearmanr(a[keep], b[keep])
    return float(res.statistic), float(res.pvalue)


def paired_runs(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The complete Fig. 5 runs whose seed and beta were trained with both posteriors.

    The grid is a paired design (a seed fixes the initialisation and the data order across
    beta and posterior). A partly trained grid can hold a (seed, beta) with only one of its
    two runs; comparing diagonal with full posteriors over such a grid compares different
    seeds and betas. This keeps the pairs: for every (seed, beta) with a complete diagonal
    *and* a complete full run, both runs, diagonal first.

    Parameters
    ----------
    rows
        Run summaries (or learning curves) with ``config`` (``seed``, ``beta``,
        ``posterior``) and ``status``.

    Returns
    -------
    list
        ``2 * n_pairs`` runs, ordered by seed, then beta (largest first).

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> def run(seed, beta, post, status="complete"):
    ...     cfg = {"seed": seed, "beta": beta, "posterior": post}
    ...     return {"config": cfg, "status": status}
    >>> rows = [run(0, 4.0, "diag"), run(0, 4.0, "full"), run(0, 1.0, "diag"),
    ...         run(1, 4.0, "diag"), run(1, 4.0, "full", "running")]
    >>> [(r["config"]["seed"], r["config"]["posterior"]) for r in R.paired_runs(rows)]
    [(0, 'diag'), (0, 'full')]
    """
    groups: dict[tuple[int, float], dict[str, Mapping[str, Any]]] = {}
    for r in rows:
        c = r["config"]
        if r.get("status") == "complete":
            key = (int(c["seed"]), -float(c["beta"]))
            groups.setdefault(key, {})[str(c["posterior"])] = r
    return [
        g[post]
        for _, g in sorted(groups.items())
        if {"diag", "full"} <= set(g)
        for post in ("diag", "full")
    ]


def theil_sen(x: Sequence[float], y: Sequence[float]) -> float:
    """Theil-Sen slope of ``y`` on ``x``: the median of the pairwise slopes (robust to one
    outlying run); ``nan`` with fewer than two distinct finite ``x``.

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> round(R.theil_sen([0, 1, 2, 3, 4], [0.0, 0.1, 0.2, 0.3, 5.0]), 6)
    0.1
    >>> R.theil_sen([1, 1], [0.0, 1.0])
    nan
    """
    pts = [(float(a), float(b)) for a, b in zip(x, y, strict=True) if np.isfinite(a + b)]
    if len({a for a, _ in pts}) < 2:
        return math.nan
    xs, ys = zip(*pts, strict=True)
    return float(stats.theilslopes(ys, xs).slope)


def fig5_trends(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Spearman correlations over the Fig. 5 grid (one point per run), per posterior.

    Returns
    -------
    dict
        ``{"diag": {...}, "full": {...}}`` with ``beta_mig``, ``beta_aas`` (trend with beta),
        ``beta_mig_slope`` (how much MIG rises per decade of beta: :func:`theil_sen`; a rank
        correlation says only *whether* MIG rises, and a posterior whose MIG creeps up by
        0.01 scores as high as one whose MIG rises by 0.3),
        ``beta_jac`` / ``beta_hess`` (beta against the off-diagonal of the Eq. 6 terms: a
        negative value means more diagonal at higher beta) and ``mig_jac``, ``aas_jac``,
        ``mig_hess`` (disentanglement against off-diagonal: negative means disentanglement
        goes with diagonality).

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> cfgs = [{"posterior": p, "beta": b} for p in ("diag", "full") for b in (1.0, 4.0, 16.0)]
    >>> rows = [{"config": c, "mig": c["beta"] / 20, "jac_offdiag": 1 / c["beta"]} for c in cfgs]
    >>> t = R.fig5_trends(rows)["diag"]
    >>> round(t["beta_mig"], 3), round(t["beta_jac"], 3)
    (1.0, -1.0)
    """
    rows = list(rows)
    out = {}
    for post in ("diag", "full"):
        sel = [r for r in rows if r["config"]["posterior"] == post]
        beta = [math.log10(float(r["config"]["beta"])) for r in sel]
        col = {
            k: [_num(r.get(k)) for r in sel] for k in ("mig", "aas", "jac_offdiag", "hess_offdiag")
        }
        out[post] = {
            "beta_mig": spearman(beta, col["mig"]),
            "beta_mig_slope": theil_sen(beta, col["mig"]),
            "beta_mig_p": spearman_test(beta, col["mig"])[1],
            "beta_aas": spearman(beta, col["aas"]),
            "beta_aas_p": spearman_test(beta, col["aas"])[1],
            "beta_jac": spearman(beta, col["jac_offdiag"]),
            "beta_hess": spearman(beta, col["hess_offdiag"]),
            "mig_jac": spearman(col["mig"], col["jac_offdiag"]),
            "aas_jac": spearman(col["aas"], col["jac_offdiag"]),
            "mig_hess": spearman(col["mig"], col["hess_offdiag"]),
            "n": float(len(sel)),
        }
    return out


def fig7_label(run: Mapping[str, Any]) -> str:
    """``"anneal"`` for a run with a decaying beta, else ``"beta=<beta>"``.

    Examples
    --------
    >>> from seamlib.experiments.dsprites import fig7_label
    >>> fig7_label({"config": {"beta": 0.001, "beta_schedule": "constant"}})
    'beta=0.001'
    >>> fig7_label({"config": {"beta": 1.0, "beta_end": 0.001, "beta_schedule": "exp"}})
    'anneal'
    """
    cfg = run["config"]
    if cfg.get("beta_schedule", "constant") not in (None, "constant"):
        return "anneal"
    return f"beta={float(cfg['beta']):g}"


FIG7_KEYS: tuple[str, ...] = ("recon_nll", "mig", "aas")


def fig7_stats(runs: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Fig. 7 per variant (constant betas, annealed): runs, and mean and sd over seeds.

    Returns
    -------
    dict
        ``{label: {"n": int, "recon_nll": (mean, sd), "mig": (mean, sd), "aas": (mean, sd)}}``
        with labels from :func:`fig7_label`; sd has ddof = 1 (0 for one run).

    Examples
    --------
    >>> from seamlib.experiments.dsprites import fig7_stats
    >>> runs = [{"config": {"beta": 1.0}, "recon_nll": v, "mig": 0.3, "aas": 0.5} for v in (20, 22)]
    >>> s = fig7_stats(runs)["beta=1"]
    >>> s["n"], s["recon_nll"][0], round(s["recon_nll"][1], 3)
    (2, 21.0, 1.414)
    """
    labelled = [{**r, "fig7": fig7_label(r)} for r in runs]
    out: dict[str, dict[str, Any]] = {}
    for key in FIG7_KEYS:
        for (label,), s in group_stats(labelled, key, by=("fig7",)).items():
            out.setdefault(label, {"n": s["n"]})[key] = (s["mean"], s["std"])
    return out
