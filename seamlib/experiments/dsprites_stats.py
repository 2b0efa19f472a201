"""Statistics behind the dSprites claims: rank trends over the Fig. 5 grid, Fig. 7 per
variant, and Thm. 6.5's axis match of a trained model's latents to the factors.

Used by :mod:`seamlib.experiments.dsprites` and the chapter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from seamlib import metrics
from seamlib.data.dsprites_render import VARYING_FACTORS
from seamlib.experiments.common import field, group_stats

__all__ = [
    "ORDINAL_FACTORS",
    "axis_match",
    "spearman",
    "spearman_test",
    "theil_sen",
    "fig5_trends",
    "EQ6_MEASURES",
    "diagonality_trends",
    "paired_test",
    "rotation_test",
    "trend_test",
    "combined_z",
    "mean_margin",
    "fig7_margins",
    "paired_runs",
    "grid_counts",
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
        Factor values in :data:`~seamlib.data.dsprites_render.VARYING_FACTORS` order.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.experiments.dsprites_stats import axis_match
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
    >>> from seamlib.experiments import dsprites_stats as R
    >>> round(R.spearman([1, 2, 3, 4], [1, 3, 2, 4]), 3)
    0.8
    """
    return spearman_test(x, y)[0]


def spearman_test(
    x: Sequence[float], y: Sequence[float], alternative: str = "two-sided"
) -> tuple[float, float]:
    """Spearman's rho and its p-value (scipy) over the pairs with both values finite.

    ``alternative``: ``"two-sided"``, ``"greater"`` (rho > 0) or ``"less"`` (rho < 0).

    Returns ``(nan, nan)`` with fewer than 3 pairs or a constant variable.

    Examples
    --------
    >>> from seamlib.experiments import dsprites_stats as R
    >>> rho, p = R.spearman_test([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6])
    >>> rho, p < 0.01
    (1.0, True)
    """
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 3 or np.ptp(a[keep]) == 0 or np.ptp(b[keep]) == 0:
        return float("nan"), float("nan")
    res = stats.spearmanr(a[keep], b[keep], alternative=alternative)
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
    >>> from seamlib.experiments import dsprites_stats as R
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


def grid_counts(runs: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """What a stored Figure 5 grid holds, for the chapters' prose.

    Parameters
    ----------
    runs
        The grid's complete run summaries (``config`` with ``posterior``, ``beta``,
        ``seed``, ``steps`` and ``batch_size``; ``train_s``).

    Returns
    -------
    dict
        ``n_runs``; ``n_pairs`` (diagonal/full pairs of :func:`paired_runs`); ``n_betas``;
        ``n_seeds`` (distinct seeds); ``min_seeds`` and ``max_seeds`` (runs per
        (posterior, beta)); ``train_h`` (training hours, summed over runs); ``images_m``
        (millions of images per run, of the first run).

    Examples
    --------
    >>> from seamlib.experiments.dsprites_stats import grid_counts
    >>> runs = [{"config": {"posterior": p, "beta": 1.0, "seed": s, "steps": 100,
    ...                     "batch_size": 10}, "status": "complete", "train_s": 1800.0}
    ...         for p in ("diag", "full") for s in (0, 1)][:3]
    >>> c = grid_counts(runs)
    >>> c["n_runs"], c["n_pairs"], c["min_seeds"], c["max_seeds"], c["train_h"], c["images_m"]
    (3, 1, 1, 2, 1.5, 0.001)
    """
    per_point: dict[tuple[str, float], int] = {}
    for r in runs:
        point = (r["config"]["posterior"], float(r["config"]["beta"]))
        per_point[point] = per_point.get(point, 0) + 1
    cfg = runs[0]["config"]
    return {
        "n_runs": len(runs),
        "n_pairs": len(paired_runs(runs)) // 2,
        "n_betas": len({r["config"]["beta"] for r in runs}),
        "n_seeds": len({r["config"]["seed"] for r in runs}),
        "min_seeds": min(per_point.values()),
        "max_seeds": max(per_point.values()),
        "train_h": sum(r.get("train_s") or 0 for r in runs) / 3600,
        "images_m": cfg["steps"] * cfg["batch_size"] / 1e6,
    }


def theil_sen(x: Sequence[float], y: Sequence[float]) -> float:
    """Theil-Sen slope of ``y`` on ``x``: the median of the pairwise slopes (robust to one
    outlying run); ``nan`` with fewer than two distinct finite ``x``.

    Examples
    --------
    >>> from seamlib.experiments import dsprites_stats as R
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
    >>> from seamlib.experiments import dsprites_stats as R
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
        col = {k: [field(r, k) for r in sel] for k in ("mig", "aas", "jac_offdiag", "hess_offdiag")}
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


EQ6_MEASURES: dict[str, str] = {
    "jac_offdiag_per_x": "Jacobian term, per image",
    "jac_offdiag_per_point": "Jacobian term, per sample",
    "jac_offdiag": "Jacobian term, batch mean",
    "hess_offdiag_per_x": "Hessian term, per image",
    "hess_offdiag_per_point": "Hessian term, per sample",
    "hess_offdiag": "Hessian term, batch mean",
}
"""The stored measures of (non-)diagonality of the two Eq. 6 terms (Appendix E's normalised
off-diagonal over the active latents), summary field -> what it is: the mean over images of
each image's terms averaged over its posterior samples (per image, the expectation of Eq. 6),
the mean over single posterior samples (per sample), and the terms' batch mean."""


def diagonality_trends(
    rows: Iterable[Mapping[str, Any]], prefix: str = ""
) -> dict[str, dict[str, dict[str, float]]]:
    """Fig. 5 (right): how the diagonality of the Eq. 6 terms goes with beta and with MIG.

    For each posterior and each measure of :data:`EQ6_MEASURES` (``prefix`` + measure, e.g.
    ``prefix="top_k."`` for the equal-size measures), Spearman's rho over the runs (one
    point per run) against ``log10(beta)`` and against MIG, with the *one-sided* p-value of
    the paper's direction: rho < 0 in both (more diagonal at higher beta; disentanglement
    goes with diagonality), claimed for diagonal posteriors.

    Returns
    -------
    dict
        ``{posterior: {measure: {"beta", "beta_p", "mig", "mig_p", "n"}}}``; NaN where fewer
        than 3 runs have the measure.

    Examples
    --------
    >>> from seamlib.experiments.dsprites_stats import diagonality_trends
    >>> rows = [{"config": {"posterior": "diag", "beta": b}, "mig": b / 10,
    ...          "jac_offdiag_per_point": 1 / b} for b in (0.5, 1.0, 2.0, 4.0)]
    >>> t = diagonality_trends(rows)["diag"]["jac_offdiag_per_point"]
    >>> t["beta"], t["mig"], t["n"]
    (-1.0, -1.0, 4.0)
    """
    rows = list(rows)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for post in ("diag", "full"):
        sel = [r for r in rows if r["config"]["posterior"] == post]
        beta = [math.log10(float(r["config"]["beta"])) for r in sel]
        mig = [field(r, "mig") for r in sel]
        out[post] = {}
        for key in EQ6_MEASURES:
            vals = [field(r, prefix + key) for r in sel]
            rho_b, p_b = spearman_test(beta, vals, alternative="less")
            rho_m, p_m = spearman_test(mig, vals, alternative="less")
            out[post][key] = {
                "beta": rho_b,
                "beta_p": p_b,
                "mig": rho_m,
                "mig_p": p_m,
                "n": float(np.isfinite(vals).sum()),
            }
    return out


def paired_test(
    rows: Iterable[Mapping[str, Any]],
    key: str,
    *,
    alternative: str = "greater",
    where: Any = None,
) -> dict[str, float]:
    """Full against diagonal posteriors on the same (seed, beta): a paired one-sided test.

    Over the pairs of :func:`paired_runs` (optionally only those whose diagonal run satisfies
    ``where(config)``) with ``key`` finite in both runs, the differences full - diagonal and
    the Wilcoxon signed-rank test of ``alternative`` (``"greater"``: full above diagonal, as
    P1 and Lemma 4.1 predict for the off-diagonal measures).

    Returns
    -------
    dict
        ``n`` (pairs), ``diag`` and ``full`` (means), ``diff`` (mean difference), ``diff_sd``
        (its sd over pairs, ddof = 1), ``p`` (NaN with fewer than 2 pairs or all differences
        zero) and ``n_favour`` (pairs whose difference has the sign of ``alternative``).

    Examples
    --------
    >>> from seamlib.experiments.dsprites_stats import paired_test
    >>> rows = [{"config": {"seed": s, "beta": 1.0, "posterior": p}, "status": "complete",
    ...          "x": s + (p == "full")} for s in range(6) for p in ("diag", "full")]
    >>> t = paired_test(rows, "x")
    >>> t["n"], t["diff"], t["n_favour"], t["p"] < 0.05
    (6.0, 1.0, 6.0, True)
    """
    if alternative not in ("greater", "less"):
        raise ValueError(f"alternative must be 'greater' or 'less', got {alternative!r}.")
    by: dict[tuple[int, float], dict[str, float]] = {}
    for r in paired_runs(rows):
        cfg = r["config"]
        by.setdefault((int(cfg["seed"]), float(cfg["beta"])), {})[str(cfg["posterior"])] = field(
            r, key
        )
        if where is not None and cfg["posterior"] == "diag" and not where(cfg):
            by[(int(cfg["seed"]), float(cfg["beta"]))]["skip"] = 1.0
    pairs = [
        (v["diag"], v["full"])
        for v in by.values()
        if "skip" not in v
        and np.isfinite(v.get("diag", np.nan))
        and np.isfinite(v.get("full", np.nan))
    ]
    d = np.array([f - g for g, f in pairs], dtype=float)
    n = len(pairs)
    sign = 1.0 if alternative == "greater" else -1.0
    p = float("nan")
    if n >= 2 and np.any(d != 0):
        p = float(stats.wilcoxon(d, alternative=alternative).pvalue)
    return {
        "n": float(n),
        "diag": float(np.mean([g for g, _ in pairs])) if n else float("nan"),
        "full": float(np.mean([f for _, f in pairs])) if n else float("nan"),
        "diff": float(d.mean()) if n else float("nan"),
        "diff_sd": float(d.std(ddof=1)) if n > 1 else float("nan"),
        "p": p,
        "n_favour": float((sign * d > 0).sum()),
    }


def rotation_test(
    rows: Iterable[Mapping[str, Any]],
    key: str = "mcc",
    *,
    posterior: str = "diag",
    where: Any = None,
) -> dict[str, float]:
    """A run's code against its own random rotation: is ``key`` higher in the learned basis?

    Thm. 6.5 identifies the latents up to a signed permutation, so an axis score of a
    diagonal-posterior run should drop when its code is rotated (``rotated.<key>``, stored by
    the summaries, :func:`seamlib.experiments.dsprites.rotated_code`). Over the complete runs
    of ``posterior`` (and ``where(config)``), the one-sided Wilcoxon signed-rank test of
    ``key - rotated.key > 0``.

    Returns
    -------
    dict
        ``n``, ``learned`` and ``rotated`` (means), ``p`` (NaN with fewer than 2 runs or all
        differences zero) and ``n_favour`` (runs scoring higher in their learned basis).

    Examples
    --------
    >>> from seamlib.experiments.dsprites_stats import rotation_test
    >>> rows = [{"config": {"posterior": "diag", "beta": 1.0}, "status": "complete",
    ...          "mcc": 0.9 + i / 100, "rotated": {"mcc": 0.6}} for i in range(6)]
    >>> t = rotation_test(rows)
    >>> t["n"], t["n_favour"], t["p"] < 0.05
    (6.0, 6.0, True)
    """
    sel = [
        r
        for r in rows
        if r.get("status") == "complete"
        and r["config"]["posterior"] == posterior
        and (where is None or where(r["config"]))
    ]
    pairs = [(field(r, key), field(r, f"rotated.{key}")) for r in sel]
    pairs = [(a, b) for a, b in pairs if np.isfinite(a) and np.isfinite(b)]
    d = np.array([a - b for a, b in pairs], dtype=float)
    n = len(pairs)
    p = float("nan")
    if n >= 2 and np.any(d != 0):
        p = float(stats.wilcoxon(d, alternative="greater").pvalue)
    return {
        "n": float(n),
        "learned": float(np.mean([a for a, _ in pairs])) if n else float("nan"),
        "rotated": float(np.mean([b for _, b in pairs])) if n else float("nan"),
        "p": p,
        "n_favour": float((d > 0).sum()),
    }


def trend_test(
    rows: Iterable[Mapping[str, Any]],
    key: str,
    posterior: str,
    alternative: str = "greater",
) -> tuple[float, float]:
    """Spearman's rho of ``key`` (dotted keys allowed) against ``log10(beta)`` over one
    posterior's runs, with the one-sided p-value of ``alternative`` ("greater": rises).

    Examples
    --------
    >>> from seamlib.experiments.dsprites_stats import trend_test
    >>> rows = [{"config": {"posterior": "diag", "beta": b}, "mig": b} for b in (0.1, 1, 2, 4)]
    >>> rho, p = trend_test(rows, "mig", "diag")
    >>> rho, round(p, 3)
    (1.0, 0.0)
    """
    sel = [r for r in rows if r["config"]["posterior"] == posterior]
    beta = [math.log10(float(r["config"]["beta"])) for r in sel]
    return spearman_test(beta, [field(r, key) for r in sel], alternative=alternative)


def combined_z(ours: Mapping[str, float], published: Sequence[float]) -> float:
    """``|our mean - published mean| / sqrt(sd_ours^2 + sd_paper^2)``: the distance of our
    value from a published (mean, sd) in units of both spreads combined.

    Examples
    --------
    >>> from seamlib.experiments.dsprites_stats import combined_z
    >>> combined_z({"mean": 0.5, "std": 0.3}, (0.0, 0.4))
    1.0
    """
    return float(abs(ours["mean"] - published[0]) / math.hypot(ours["std"], published[1]))


def mean_margin(low: Sequence[float], high: Sequence[float]) -> float:
    """How far the mean of ``low`` lies below that of ``high`` (each ``(mean, sd)``), minus
    the larger sd: positive when 'low < high' holds beyond the seed spread.

    Examples
    --------
    >>> from seamlib.experiments.dsprites_stats import mean_margin
    >>> mean_margin((1.0, 0.25), (2.0, 0.5)), mean_margin((1.0, 0.25), (1.25, 0.5))
    (0.5, -0.25)
    """
    return float((high[0] - low[0]) - max(low[1], high[1]))


def fig7_margins(stat: Mapping[str, Mapping[str, Any]], labels: Sequence[str]) -> dict[str, float]:
    """Fig. 7's four predictions as margins beyond the seed sd (positive: it holds).

    ``stat`` is :func:`fig7_stats`; ``labels`` names its constant large-beta, constant
    small-beta and annealed variants, in that order.

    Returns
    -------
    dict
        ``recon_nearer_small`` (the annealed reconstruction error is nearer the small-beta
        one than the large-beta one by more than the largest sd of the three),
        ``mig_nearer_large`` (the same for MIG and the large beta), ``recon_below_large``
        and ``mig_above_small`` (:func:`mean_margin` of the annealed runs against one
        baseline).

    Examples
    --------
    >>> from seamlib.experiments.dsprites_stats import fig7_margins
    >>> stat = {"hi": {"recon_nll": (20.0, 1.0), "mig": (0.3, 0.01)},
    ...         "lo": {"recon_nll": (10.0, 1.0), "mig": (0.0, 0.01)},
    ...         "an": {"recon_nll": (11.0, 1.0), "mig": (0.25, 0.01)}}
    >>> m = fig7_margins(stat, ["hi", "lo", "an"])
    >>> [round(m[k], 2) for k in ("recon_nearer_small", "mig_nearer_large")]
    [7.0, 0.19]
    >>> [round(m[k], 2) for k in ("recon_below_large", "mig_above_small")]
    [8.0, 0.24]
    """
    hi, lo, an = (stat[v] for v in labels)

    def nearer(key: str, near: Mapping[str, Any], far: Mapping[str, Any]) -> float:
        sd = max(an[key][1], near[key][1], far[key][1])
        return float(abs(an[key][0] - far[key][0]) - abs(an[key][0] - near[key][0]) - sd)

    return {
        "recon_nearer_small": nearer("recon_nll", lo, hi),
        "mig_nearer_large": nearer("mig", hi, lo),
        "recon_below_large": mean_margin(an["recon_nll"], hi["recon_nll"]),
        "mig_above_small": mean_margin(lo["mig"], an["mig"]),
    }


def fig7_label(run: Mapping[str, Any]) -> str:
    """``"anneal"`` for a run with a decaying beta, else ``"beta=<beta>"``.

    Examples
    --------
    >>> from seamlib.experiments.dsprites_stats import fig7_label
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
    >>> from seamlib.experiments.dsprites_stats import fig7_stats
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
