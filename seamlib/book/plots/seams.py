"""Figures of the chapters "Jacobians, singular-vector paths and seams" and
"Disentanglement = C1 + C2" (Allen 2025, Figs. 3 right and 4).

S.v. paths are drawn in blue, seams in red (:data:`seamlib.book.plots.COLORS`); the first
singular vector's family solid, the second dashed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from seamlib.book.plots import COLORS
from seamlib.theory.seams import Seam, SVPath

__all__ = [
    "plot_paths",
    "plot_seams_3d",
    "paths_and_seams_figure",
    "density_check_figure",
    "independence_figure",
    "scores_figure",
]

_STYLES = ("-", "--", ":", "-.")


def _segments(path: SVPath, values: torch.Tensor, k: int) -> np.ndarray:
    """Rows of ``values[:, k]`` where path k is valid, as numpy (T_valid, dim)."""
    mask = path.valid[:, k].cpu().numpy()
    return values[:, k].detach().cpu().numpy()[mask]


def plot_paths(ax: Axes, paths: Sequence[SVPath], lim: float = 3.0) -> None:
    """Draw s.v. paths in the latent plane (Def. D3), d = 2.

    Parameters
    ----------
    ax
        A 2-D axes.
    paths
        Integrated paths; path ``k`` of a batch is drawn with the line style of its ``i``.
    lim
        Half-width of the square latent window.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.seams import plot_paths
    >>> fig, ax = plt.subplots()
    >>> plot_paths(ax, paths)  # paths: s.v. paths of seamlib.theory.seams  # doctest: +SKIP
    """
    for path in paths:
        for k in range(path.z.shape[1]):
            zk = _segments(path, path.z, k)
            style = _STYLES[int(path.i[k]) % len(_STYLES)]
            ax.plot(zk[:, 0], zk[:, 1], style, color=COLORS["path"], lw=1.2)
            z0 = path.z[int(torch.argmin(path.t.abs())), k].cpu().numpy()
            ax.plot(z0[0], z0[1], "o", color=COLORS["path"], ms=2.5)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")


def plot_seams_3d(
    ax: Axes,
    decoder: Callable[[torch.Tensor], torch.Tensor],
    seams: Sequence[Seam],
    paths: Sequence[SVPath],
    lim: float = 3.0,
    grid: int = 25,
) -> None:
    """Draw the manifold ``{g(z)}`` (a light wireframe over ``[-lim, lim]^2``) and seams on it.

    Parameters
    ----------
    ax
        A 3-D axes (``projection="3d"``).
    decoder
        ``g: R^2 -> R^3``.
    seams, paths
        Seams from :func:`seamlib.theory.seams.seam` and the paths they came from.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.seams import plot_seams_3d
    >>> ax = plt.figure().add_subplot(projection="3d")
    >>> plot_seams_3d(ax, decoder, seams, paths)  # from seamlib.theory.seams  # doctest: +SKIP
    """
    lin = torch.linspace(-lim, lim, grid, dtype=torch.float64)
    zz = torch.cartesian_prod(lin, lin)
    with torch.no_grad():
        x = decoder(zz).reshape(grid, grid, -1).numpy()
    ax.plot_wireframe(  # type: ignore[attr-defined]
        x[..., 0], x[..., 1], x[..., 2], color="0.6", lw=0.4, alpha=0.6
    )
    for sm, path in zip(seams, paths):
        for k in range(sm.x.shape[1]):
            xk = _segments(path, sm.x, k)
            style = _STYLES[int(path.i[k]) % len(_STYLES)]
            ax.plot(xk[:, 0], xk[:, 1], xk[:, 2], style, color=COLORS["seam"], lw=1.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_zlabel("$x_3$")  # type: ignore[attr-defined]


def paths_and_seams_figure(
    panels: Mapping[str, tuple[Callable[[torch.Tensor], torch.Tensor], list[SVPath], list[Seam]]],
    lim: float = 3.0,
) -> Figure:
    """Figs. 3 (right) and 4: for each generator, s.v. paths in Z (top) and seams on the
    manifold in a 3-D view (bottom).

    Parameters
    ----------
    panels
        ``{title: (decoder, paths, seams)}``, one column each.

    Examples
    --------
    >>> from seamlib.book.plots.seams import paths_and_seams_figure
    >>> fig = paths_and_seams_figure({"tanh": (decoder, paths, seams)})  # doctest: +SKIP
    """
    n = len(panels)
    fig = plt.figure(figsize=(3.6 * n, 7.0))
    for c, (title, (decoder, paths, seams)) in enumerate(panels.items()):
        ax = fig.add_subplot(2, n, c + 1)
        plot_paths(ax, paths, lim)
        ax.set_title(f"{title}: s.v. paths in $\\mathcal{{Z}}$")
        ax3 = fig.add_subplot(2, n, n + c + 1, projection="3d")
        plot_seams_3d(ax3, decoder, seams, paths, lim)
        ax3.set_title(f"{title}: seams on $\\mathcal{{M}}_g$")
    return fig


def density_check_figure(
    predicted: np.ndarray, estimated: np.ndarray, stderr: np.ndarray, labels: Sequence[str]
) -> Figure:
    """Lemma 5.1: Monte Carlo density estimates (with +-2 s.e.) against Eq. 7.

    Parameters
    ----------
    predicted, estimated, stderr : arrays, shape (k,)
    labels : one per point (e.g. the generator's name), used for the colour.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.seams import density_check_figure
    >>> p = np.array([0.1, 0.2, 0.3])
    >>> fig = density_check_figure(p, p + 0.01, np.full(3, 0.01), ["a", "a", "b"])
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    names = list(dict.fromkeys(labels))
    for j, name in enumerate(names):
        sel = np.array([lab == name for lab in labels])
        ax.errorbar(
            predicted[sel],
            estimated[sel],
            yerr=2 * stderr[sel],
            fmt="o",
            ms=4,
            color=[COLORS["seam"], COLORS["path"], COLORS["truth"]][j % 3],
            label=name,
        )
    lo, hi = 0.0, 1.1 * float(max(predicted.max(), estimated.max()))
    ax.plot([lo, hi], [lo, hi], color="0.5", lw=0.8)
    ax.set_xlabel(r"Eq. 7: $\prod_i p_i(z_i)/s^i(z)$")
    ax.set_ylabel("Monte Carlo estimate (ball counts)")
    ax.legend()
    return fig


def independence_figure(
    coords: Mapping[str, np.ndarray], pvalues: Mapping[str, float], max_points: int = 2000
) -> Figure:
    """Theorem 5.2: seam coordinates ``(u_1, u_2)`` of samples for each generator.

    Parameters
    ----------
    coords
        ``{name: u}`` with ``u`` of shape (n, 2).
    pvalues
        ``{name: p}`` of the independence test, shown in the titles.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.seams import independence_figure
    >>> u = np.random.default_rng(0).uniform(size=(50, 2))
    >>> fig = independence_figure({"linear": u}, {"linear": 0.5})
    >>> plt.close(fig)
    """
    n = len(coords)
    fig, axes = plt.subplots(1, n, figsize=(3.5 * n, 3.4))
    for ax, (name, u) in zip(np.atleast_1d(axes), coords.items()):
        u = u[:max_points]
        ax.scatter(u[:, 0], u[:, 1], s=3, alpha=0.5, color=COLORS["seam"])
        ax.set_title(f"{name}: permutation p = {pvalues[name]:.3g}")
        ax.set_xlabel("$u_1$")
        ax.set_ylabel("$u_2$")
    return fig


def scores_figure(
    table: Mapping[str, Mapping[str, Sequence[float]]], metrics: Sequence[str]
) -> Figure:
    """Diagonal vs full posteriors: one panel per score, one dot per seed.

    Parameters
    ----------
    table
        ``{"diag": {metric: [per-seed values]}, "full": {...}}``.
    metrics
        Keys to plot, in order.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.seams import scores_figure
    >>> table = {"diag": {"c1": [0.1, 0.2]}, "full": {"c1": [0.5, 0.6]}}
    >>> fig = scores_figure(table, ["c1"])
    >>> plt.close(fig)
    """
    fig, axes = plt.subplots(1, len(metrics), figsize=(2.6 * len(metrics), 3.0))
    for ax, metric in zip(np.atleast_1d(axes), metrics):
        for j, post in enumerate(table):
            vals = np.asarray(table[post][metric], dtype=float)
            ax.plot(np.full(vals.shape, j), vals, "o", color=COLORS.get(post, "0.3"), alpha=0.8)
            ax.plot([j - 0.25, j + 0.25], [vals.mean()] * 2, color=COLORS.get(post, "0.3"))
        ax.set_xticks(range(len(table)))
        ax.set_xticklabels(list(table))
        ax.set_xlim(-0.6, len(table) - 0.4)
        ax.set_title(metric, fontsize=9)
    return fig
