"""Figure of the dSprites pilot: learning curves against images seen.

Takes the ``"runs"`` of ``results/dsprites/pilot.json`` (:mod:`seamlib.experiments.pilot`)
and draws one row per resolution and one column per score; colour is beta, line style the
posterior (solid diagonal, dashed full).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["PILOT_PANELS", "learning_curves"]

PILOT_PANELS: dict[str, str] = {
    "mig": "MIG",
    "aas": "AAS",
    "nll": "reconstruction (nats/image)",
    "kl": "KL (nats)",
    "jtj_off_diagonal_per_point": "off-diag. $J^\\top J$ per point",
}
"""Curve columns drawn by :func:`learning_curves` (column -> axis label)."""


def learning_curves(
    runs: Sequence[Mapping[str, Any]], panels: Mapping[str, str] = PILOT_PANELS
) -> Figure:
    """Learning curves of the pilot runs: rows resolutions, columns the ``panels`` scores.

    Parameters
    ----------
    runs
        Stored pilot runs, each with ``config`` (``resolution``, ``posterior``, ``beta``) and
        ``curve`` (rows with ``images`` and the panel columns).
    panels
        Curve column -> axis label.

    Returns
    -------
    Figure

    Examples
    --------
    >>> from seamlib.book.plots.pilot import learning_curves
    >>> run = {"config": {"resolution": 32, "posterior": "diag", "beta": 8.0},
    ...        "curve": [{"images": 1e6, "mig": 0.1}, {"images": 2e6, "mig": 0.3}]}
    >>> fig = learning_curves([run], {"mig": "MIG"})
    >>> len(fig.axes)
    1
    """
    resolutions = sorted({int(r["config"].get("resolution", 64)) for r in runs})
    betas = sorted({float(r["config"].get("beta", 1.0)) for r in runs})
    cmap = plt.get_cmap("viridis")
    colour = {b: cmap(0.1 + 0.8 * i / max(1, len(betas) - 1)) for i, b in enumerate(betas)}
    fig, axes = plt.subplots(
        len(resolutions),
        len(panels),
        figsize=(3.0 * len(panels), 2.6 * len(resolutions)),
        squeeze=False,
        sharex="row",
    )
    for row, res in enumerate(resolutions):
        for run in runs:
            cfg = run["config"]
            if int(cfg.get("resolution", 64)) != res or not run["curve"]:
                continue
            images = np.array([float(c["images"]) for c in run["curve"]]) / 1e6
            style = "-" if cfg.get("posterior", "diag") == "diag" else "--"
            for col, key in enumerate(panels):
                vals = [np.nan if c.get(key) is None else float(c[key]) for c in run["curve"]]
                axes[row, col].plot(
                    images,
                    vals,
                    style,
                    color=colour[float(cfg.get("beta", 1.0))],
                    label=f"{cfg.get('posterior', 'diag')}, beta={float(cfg.get('beta', 1)):g}",
                )
        for col, label in enumerate(panels.values()):
            ax = axes[row, col]
            ax.set_title(f"{label}, {res}x{res}", fontsize=9)
            if row == len(resolutions) - 1:
                ax.set_xlabel("images seen (millions)")
    legend: dict[str, Any] = {}
    for ax in axes[:, 0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    if legend:
        labels = sorted(legend)
        fig.legend([legend[k] for k in labels], labels, loc="outside right center", fontsize=8)
    return fig
