"""Figures of the chapter "dSprites experiments" (Allen, 2025, Fig. 5 and Fig. 7).

Every function takes the run summaries stored by :func:`seamlib.experiments.dsprites.collect`
(the ``"runs"`` list of ``results/dsprites/<experiment>.json``) and returns a matplotlib
figure; nothing is computed here beyond averaging and ordering for display.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from seamlib.book.plots import COLORS
from seamlib.data.dsprites_render import VARYING_FACTORS
from seamlib.experiments.common import decode_images, group_stats
from seamlib.metrics.offdiag import normalise_by_diagonal

__all__ = [
    "fig5_metrics",
    "mi_heatmaps",
    "eq6_heatmaps",
    "fig7_reconstructions",
    "fig7_heatmaps",
    "traversals",
    "ordered_mi",
]

Run = Mapping[str, Any]

_METRICS = {
    "mig": ("MIG", "-", "o"),
    "aas": ("AAS", "-", "s"),
    "jac_offdiag": ("off-diag. Jacobian term", "--", "^"),
    "hess_offdiag": ("off-diag. Hessian term", ":", "v"),
    "jac_offdiag_per_x": ("off-diag. Jacobian term, per image", "--", "^"),
    "hess_offdiag_per_x": ("off-diag. Hessian term, per image", ":", "v"),
    "jac_offdiag_per_point": ("off-diag. Jacobian term, per sample", "--", "^"),
    "hess_offdiag_per_point": ("off-diag. Hessian term, per sample", ":", "v"),
}


def ordered_mi(run: Run) -> np.ndarray:
    """The run's MI matrix (latents x factors) with latents in their greedy order.

    Returns
    -------
    ndarray, shape (d, 5)

    Examples
    --------
    >>> from seamlib.book.plots.dsprites import ordered_mi
    >>> ordered_mi({"mi": [[0.0, 1.0], [2.0, 0.0]], "greedy_order": [1, 0]}).tolist()
    [[2.0, 0.0], [0.0, 1.0]]
    """
    mi = np.asarray(run["mi"], dtype=float)
    return mi[np.asarray(run["greedy_order"], dtype=int)]


def _select(runs: Sequence[Run], **fields: Any) -> list[Run]:
    return [r for r in runs if all(r["config"].get(k) == v for k, v in fields.items())]


def fig5_metrics(
    runs: Sequence[Run], diagonality: Sequence[str] = ("jac_offdiag", "hess_offdiag")
) -> Figure:
    """Fig. 5 (main plots): metrics and diagonality against beta, diagonal vs full.

    Top row: MIG and AAS; bottom row: the summary fields ``diagonality``, measures of the
    normalised off-diagonal of the Jacobian and Hessian terms of Eq. 6 (lower = more
    diagonal; by default of their batch means, ``*_per_x`` per image, ``*_per_point`` per
    posterior sample). Lines are means over seeds, bands +- 1 std.

    Examples
    --------
    >>> from seamlib.experiments.dsprites import load_results
    >>> from seamlib.book.plots.dsprites import fig5_metrics
    >>> fig = fig5_metrics(load_results("fig5")["runs"])  # doctest: +SKIP
    """
    fig, axes = plt.subplots(2, 2, figsize=(9.0, 5.6), sharex=True, sharey="row")
    for col, post in enumerate(("diag", "full")):
        sel = _select(runs, posterior=post)
        for row, keys in enumerate((("mig", "aas"), tuple(diagonality))):
            ax = axes[row, col]
            for key in keys:
                stats_ = group_stats(sel, key, by=("beta",))
                betas = np.array([g[0] for g in stats_])
                mean = np.array([s["mean"] for s in stats_.values()])
                std = np.array([s["std"] for s in stats_.values()])
                label, ls, marker = _METRICS[key]
                ax.plot(betas, mean, ls=ls, marker=marker, color=COLORS[post], label=label)
                ax.fill_between(betas, mean - std, mean + std, color=COLORS[post], alpha=0.15)
            ax.set_xscale("log")
            ax.legend(loc="best")
            if row == 0:
                ax.set_title(f"{'diagonal' if post == 'diag' else 'full'} posteriors")
            else:
                ax.set_xlabel(r"$\beta$")
        axes[0, 0].set_ylabel("disentanglement")
        axes[1, 0].set_ylabel("normalised off-diagonal")
    return fig


def mi_heatmaps(runs: Sequence[Run]) -> Figure:
    """Fig. 5 (top): mean greedily ordered MI matrices, one per beta, diagonal and full.

    Examples
    --------
    >>> from seamlib.experiments.dsprites import load_results
    >>> from seamlib.book.plots.dsprites import mi_heatmaps
    >>> fig = mi_heatmaps(load_results("fig5")["runs"])  # doctest: +SKIP
    """
    betas = sorted({float(r["config"]["beta"]) for r in runs})
    fig, axes = plt.subplots(
        2, len(betas), figsize=(1.7 * len(betas) + 1.0, 4.6), squeeze=False, sharey=True
    )
    vmax = max(float(np.max(ordered_mi(r))) for r in runs)
    im = None
    for row, post in enumerate(("diag", "full")):
        for col, beta in enumerate(betas):
            ax = axes[row, col]
            sel = _select(runs, posterior=post, beta=beta)
            ax.grid(False)
            if not sel:
                ax.set_axis_off()
                continue
            mean = np.mean([ordered_mi(r) for r in sel], axis=0)
            im = ax.imshow(mean, vmin=0, vmax=vmax, cmap="viridis", aspect="auto")
            ax.set_xticks(range(len(VARYING_FACTORS)), VARYING_FACTORS, rotation=90, fontsize=7)
            ax.set_title(rf"{post}, $\beta$={beta:g}", fontsize=8)
            if col == 0:
                ax.set_ylabel("latent (greedy order)")
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.7, label="MI (nats)")
    return fig


def eq6_heatmaps(panels: Sequence[tuple[str, Sequence[Run]]]) -> Figure:
    """Fig. 5 (right): the d x d Eq. 6 terms, Jacobian term (top) and Hessian term (bottom).

    Parameters
    ----------
    panels
        ``(title, runs)`` per column, e.g. diagonal beta = 1, diagonal beta = 0.001, full
        beta = 1; each shows ``diag^-1/2 |M| diag^-1/2`` of the first run's matrices (whose
        off-diagonal mean is the diagonality score), clipped to [0, 1].

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.dsprites import eq6_heatmaps
    >>> m = [[1.0, 0.2], [0.2, 0.5]]
    >>> run = {"jac_term": m, "hess_term": m, "jac_offdiag": 0.28, "hess_offdiag": 0.28}
    >>> fig = eq6_heatmaps([("diag, beta=1", [run])])
    >>> plt.close(fig)
    """
    fig, axes = plt.subplots(2, len(panels), figsize=(2.6 * len(panels) + 0.8, 5.0), squeeze=False)
    im = None
    for col, (title, sel) in enumerate(panels):
        for row, key in enumerate(("jac_term", "hess_term")):
            ax = axes[row, col]
            ax.grid(False)
            if not sel:
                ax.set_axis_off()
                continue
            m = normalise_by_diagonal(np.asarray(sel[0][key], dtype=float), 1e-12)
            im = ax.imshow(np.clip(m, 0, 1), vmin=0, vmax=1, cmap="magma")
            ax.set_xticks([])
            ax.set_yticks([])
            name = "Jacobian" if key == "jac_term" else "Hessian"
            score = sel[0]["jac_offdiag" if key == "jac_term" else "hess_offdiag"]
            txt = "n/a" if score is None else f"{score:.2f}"
            ax.set_title(f"{title}\n{name} term (off-diag {txt})", fontsize=8)
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.7, label="normalised |entry|")
    return fig


def _label(run: Run) -> str:
    c = run["config"]
    if c.get("beta_schedule") == "exp":
        return rf"$\beta$: {c['beta']:g} $\to$ {c['beta_end']:g}"
    return rf"$\beta$ = {c['beta']:g}"


def fig7_reconstructions(runs: Sequence[Run]) -> Figure:
    """Fig. 7 (images): held-out originals (top row) and each run's reconstructions.

    Examples
    --------
    >>> from seamlib.experiments.dsprites import load_results
    >>> from seamlib.book.plots.dsprites import fig7_reconstructions
    >>> runs = [r for r in load_results("fig7")["runs"] if "images" in r]  # doctest: +SKIP
    >>> fig = fig7_reconstructions(runs)  # doctest: +SKIP
    """
    n = len(runs)
    orig = decode_images(runs[0]["images"]["originals"])
    k = orig.shape[0]
    fig, axes = plt.subplots(n + 1, k, figsize=(1.0 * k, 1.05 * (n + 1)), squeeze=False)
    rows = [("data", orig)] + [
        (_label(r), decode_images(r["images"]["reconstructions"])) for r in runs
    ]
    for i, (name, imgs) in enumerate(rows):
        for j in range(k):
            ax = axes[i, j]
            ax.imshow(imgs[j], cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
        axes[i, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    return fig


def fig7_heatmaps(runs: Sequence[Run]) -> Figure:
    """Fig. 7 (heatmaps): greedily ordered MI matrix of each run, with MIG and AAS.

    Examples
    --------
    >>> from seamlib.experiments.dsprites import load_results
    >>> from seamlib.book.plots.dsprites import fig7_heatmaps
    >>> fig = fig7_heatmaps(load_results("fig7")["runs"])  # doctest: +SKIP
    """
    fig, axes = plt.subplots(1, len(runs), figsize=(2.3 * len(runs) + 0.8, 3.2), squeeze=False)
    vmax = max(float(np.max(ordered_mi(r))) for r in runs)
    im = None
    for ax, run in zip(axes[0], runs):
        im = ax.imshow(ordered_mi(run), vmin=0, vmax=vmax, aspect="auto")
        ax.grid(False)
        ax.set_xticks(range(len(VARYING_FACTORS)), VARYING_FACTORS, rotation=90, fontsize=7)
        ax.set_title(f"{_label(run)}\nMIG {run['mig']:.2f}, AAS {run['aas']:.2f}", fontsize=8)
    axes[0, 0].set_ylabel("latent (greedy order)")
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.8, label="MI (nats)")
    return fig


def traversals(runs: Sequence[Run], n_latents: int | None = None) -> Figure:
    """Latent traversals from one held-out image, one panel per run.

    In each panel a row varies one latent (rows in the greedy MI order, so the latents most
    informative about a factor come first) over the stored values (-2 ... 2) with the
    other latents at the posterior mean of the source image, shown at the left.

    Examples
    --------
    >>> from seamlib.experiments.dsprites import load_results
    >>> from seamlib.book.plots.dsprites import traversals
    >>> runs = [r for r in load_results("fig7")["runs"] if "images" in r]  # doctest: +SKIP
    >>> fig = traversals(runs, n_latents=5)  # doctest: +SKIP
    """
    first = runs[0]["images"]
    d_all = len(first["traversal_latents"])
    d = d_all if n_latents is None else min(n_latents, d_all)
    k = len(first["traversal_values"])
    fig = plt.figure(figsize=(0.62 * (k + 1) * len(runs) + 0.4, 0.66 * d + 0.5))
    subfigs = fig.subfigures(1, len(runs), wspace=0.02, squeeze=False)[0]
    for sub, run in zip(subfigs, runs):
        imgs = decode_images(run["images"]["traversals"])
        src = decode_images(run["images"]["traversal_source"])
        latents = run["images"]["traversal_latents"]
        values = run["images"]["traversal_values"]
        axes = sub.subplots(d, k + 1, squeeze=False, gridspec_kw={"wspace": 0.05, "hspace": 0.05})
        for i in range(d):
            for j in range(k + 1):
                ax = axes[i, j]
                ax.set_xticks([])
                ax.set_yticks([])
                ax.grid(False)
                if j == 0:
                    if i == 0:
                        ax.imshow(src, cmap="gray", vmin=0, vmax=1)
                    else:
                        ax.set_axis_off()
                    continue
                ax.imshow(imgs[i, j - 1], cmap="gray", vmin=0, vmax=1)
                if i == 0:
                    ax.set_title(f"{round(values[j - 1], 1) + 0.0:+.1f}", fontsize=6)
            axes[i, 1].set_ylabel(f"z{latents[i]}", rotation=0, ha="right", va="center", fontsize=7)
        sub.suptitle(_label(run), fontsize=9)
    return fig
