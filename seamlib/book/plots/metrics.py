"""Figures of the chapter "Measuring disentanglement" (seamlib.metrics)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from seamlib.metrics import greedy_order

__all__ = ["mi_heatmap", "implementation_bars", "sweep_plot"]


def mi_heatmap(
    mi: ArrayLike,
    factor_names: Sequence[str],
    *,
    ax: Axes | None = None,
    order: bool = True,
    title: str = "",
) -> Axes:
    """Heatmap of an MI matrix (latents as rows), greedily ordered as in Allen (2025), Fig. 5.

    Parameters
    ----------
    mi : array, shape (d, K)
    factor_names : sequence of K str
    ax : matplotlib Axes, optional
    order : bool
        Reorder the latents with :func:`seamlib.metrics.greedy_order`.
    title : str

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.metrics import mi_heatmap
    >>> ax = mi_heatmap(np.array([[0.1, 0.9], [0.8, 0.2]]), ["shape", "scale"])
    >>> plt.close(ax.figure)
    """
    m = np.asarray(mi, dtype=float)
    rows = greedy_order(m) if order else np.arange(m.shape[0])
    if ax is None:
        _, ax = plt.subplots(figsize=(3.6, 4.2))
    im = ax.imshow(m[rows], cmap="viridis", aspect="auto", vmin=0)
    ax.set_xticks(range(m.shape[1]), list(factor_names), rotation=45, ha="right")
    ax.set_yticks(range(m.shape[0]), [f"z{j}" for j in rows])
    ax.set_xlabel("factor")
    ax.set_ylabel("latent (greedy order)" if order else "latent")
    ax.grid(False)
    if title:
        ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, label="MI (nats)", shrink=0.8)
    return ax


def implementation_bars(
    labels: Sequence[str], means: ArrayLike, sds: ArrayLike, *, ax: Axes | None = None
) -> Axes:
    """Horizontal bars of one metric under several implementations (mean +- sd over seeds).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.metrics import implementation_bars
    >>> ax = implementation_bars(["ours", "reference"], [0.30, 0.28], [0.02, 0.03])
    >>> plt.close(ax.figure)
    """
    mu, sd = np.asarray(means, dtype=float), np.asarray(sds, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 0.45 * len(labels) + 1.0))
    y = np.arange(len(labels))[::-1]
    ax.barh(y, mu, xerr=sd, color="#1f5fbf", alpha=0.8, capsize=3)
    ax.set_yticks(y, list(labels))
    ax.set_xlabel("MIG")
    for yi, m in zip(y, mu):
        ax.text(m + 0.01, yi, f"{m:.3f}", va="center", fontsize=8)
    ax.set_xlim(0, max(1.0, float(np.max(mu + sd)) + 0.1))
    return ax


def sweep_plot(
    x: ArrayLike, series: Mapping[str, ArrayLike], *, xlabel: str, ylabel: str = "score"
) -> Figure:
    """Several metrics against one swept parameter, one line each.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.metrics import sweep_plot
    >>> fig = sweep_plot([1, 2, 4], {"MIG": [0.1, 0.2, 0.3], "AAS": [0.4, 0.5, 0.5]}, xlabel="beta")
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots()
    for name, values in series.items():
        ax.plot(np.asarray(x), np.asarray(values), marker="o", ms=3, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(ncols=2)
    return fig
