"""Figures of the chapter "Optimal posteriors and decoder derivatives" (Eq. 6, App. B, Fig. 6).

Every function takes computed numbers (numpy arrays or floats) and returns a matplotlib
``Figure``; nothing is computed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from seamlib.book.plots import COLORS

__all__ = [
    "FORM_LABELS",
    "plot_eq6_residuals",
    "plot_diag_gap",
    "plot_collapse",
    "plot_rings",
    "rings_slider",
    "plot_app_g",
]

#: Display names of the forms returned by :func:`seamlib.theory.eq6.eq6_forms`.
FORM_LABELS: dict[str, str] = {
    "hessian": r"$I - \frac{1}{\beta}E_q[\nabla^2_z \log p]$",
    "appendix_eq9": r"App. A Eq. 9: $-\sum_l r_l H_l$",
    "main_text_eq6": r"main text Eq. 6: $+(x-d(z))^\top H$",
}


def plot_eq6_residuals(
    residuals: Mapping[str, Mapping[str, float]],
    tolerances: Mapping[str, float] | None = None,
) -> Figure:
    """Grouped bars (log scale) of ``||Sigma^-1 - RHS||_F / ||Sigma^-1||_F`` per form.

    Parameters
    ----------
    residuals
        ``{setting: {form: relative residual}}``, e.g. ``{"d=2, quadrature": {...}}``.
    tolerances
        Optional ``{setting: level}`` drawn as a dashed line over that setting's bars (the
        tolerance, or the Monte Carlo noise level).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.posterior import plot_eq6_residuals
    >>> res = {"d=2": {"full": 1e-9, "diag": 1e-3}}
    >>> fig = plot_eq6_residuals(res, tolerances={"d=2": 1e-6})
    >>> plt.close(fig)
    """
    settings = list(residuals)
    forms = list(FORM_LABELS)
    colors = [COLORS["truth"], COLORS["diag"], COLORS["seam"]]
    fig, ax = plt.subplots(figsize=(6.8, 3.6))
    width = 0.8 / len(forms)
    for j, form in enumerate(forms):
        vals = [max(residuals[s].get(form, np.nan), 1e-18) for s in settings]
        ax.bar(
            np.arange(len(settings)) + (j - 1) * width,
            vals,
            width,
            color=colors[j],
            label=FORM_LABELS[form],
        )
    for i, s in enumerate(settings):
        if tolerances and s in tolerances:
            ax.hlines(tolerances[s], i - 0.45, i + 0.45, colors="k", linestyles="--", lw=1)
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(settings)), settings)
    ax.set_ylabel(r"relative residual of $\Sigma^{-1}$")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def plot_diag_gap(angles: ArrayLike, gap: ArrayLike, offdiag: ArrayLike) -> Figure:
    """ELBO gap (full minus diagonal optimum) and off-diagonality against rotation angle.

    Parameters
    ----------
    angles : array, shape (A,)
        Latent rotation angles in radians.
    gap : array, shape (A,)
        ``ELBO(full optimum) - ELBO(diagonal optimum)``.
    offdiag : array, shape (A,)
        Normalised off-diagonal (App. E) of ``E_q[J^T J - sum_l r_l H_l]`` at the full optimum.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.posterior import plot_diag_gap
    >>> a = np.linspace(0, np.pi / 2, 5)
    >>> fig = plot_diag_gap(a, np.sin(2 * a) ** 2, np.abs(np.sin(2 * a)))
    >>> plt.close(fig)
    """
    deg = np.degrees(np.asarray(angles, dtype=float))
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(deg, np.asarray(gap), "o-", color=COLORS["full"], label="ELBO gap (full - diag)")
    ax.set_xlabel("latent rotation angle (degrees)")
    ax.set_ylabel("ELBO gap", color=COLORS["full"])
    ax2 = ax.twinx()
    ax2.plot(deg, np.asarray(offdiag), "s--", color=COLORS["diag"], label="off-diagonality")
    ax2.set_ylabel(r"off-diag. of $E_q[J^\top J - \sum_l r_l H_l]$", color=COLORS["diag"])
    ax2.grid(False)
    ax.set_xticks(np.arange(0, deg.max() + 1, 45))
    return fig


def plot_collapse(
    betas: ArrayLike,
    analytic: ArrayLike,
    trained: ArrayLike,
    sigma_trained: ArrayLike,
    thresholds: ArrayLike,
) -> Figure:
    """Squared decoder column norms and posterior variances across the beta sweep.

    Parameters
    ----------
    betas : array, shape (B,)
    analytic, trained : array, shape (B, d)
        Squared column norms ``||w_i||^2`` of the analytic optimum and of the trained linear
        VAE (columns sorted in decreasing order).
    sigma_trained : array, shape (B, d)
        Trained posterior variances ``Sigma_ii`` (sorted increasing).
    thresholds : array, shape (d,)
        Predicted collapse points ``lambda_i / sigma^2``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.posterior import plot_collapse
    >>> w2 = np.array([[2.0, 1.0], [1.0, 0.0]])
    >>> fig = plot_collapse([0.5, 2.0], w2, w2, np.array([[0.3, 0.5], [0.6, 1.0]]), [3.0, 1.5])
    >>> plt.close(fig)
    """
    b = np.asarray(betas, dtype=float)
    A, T, S = (np.asarray(v, dtype=float) for v in (analytic, trained, sigma_trained))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8.0, 3.4))
    for i in range(A.shape[1]):
        color = f"C{i}"
        ax1.plot(b, A[:, i], "-", color=color, label=f"analytic, latent {i + 1}")
        ax1.plot(b, T[:, i], "o", color=color, ms=4, label=f"trained, latent {i + 1}")
        ax2.plot(b, S[:, i], "o-", color=color, ms=4)
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel(r"$\beta$")
        for t in np.asarray(thresholds, dtype=float):
            ax.axvline(t, color="k", lw=0.8, ls=":")
    ax1.set_ylabel(r"$\|w_i\|^2$ (decoder column)")
    ax2.set_ylabel(r"trained $\Sigma_{ii}$")
    ax1.legend(fontsize=7, ncol=2)
    return fig


def plot_rings(data: ArrayLike, recons: Mapping[float, ArrayLike]) -> Figure:
    """Fig. 6 (left): data (blue) and reconstructions (red), one panel per beta.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.posterior import plot_rings
    >>> t = np.linspace(0, 2 * np.pi, 20)
    >>> ring = np.c_[np.cos(t), np.sin(t)]
    >>> fig = plot_rings(ring, {1.0: 0.9 * ring, 4.0: 0.0 * ring})
    >>> plt.close(fig)
    """
    X = np.asarray(data, dtype=float)
    n = len(recons)
    fig, axes = plt.subplots(1, n, figsize=(2.6 * n, 2.8), sharex=True, sharey=True)
    axes = np.atleast_1d(axes)
    lim = 1.15 * np.abs(X).max()
    for ax, (beta, rec) in zip(axes, recons.items()):
        R = np.asarray(rec, dtype=float)
        ax.scatter(X[:, 0], X[:, 1], s=2, color=COLORS["data"], alpha=0.5)
        ax.scatter(R[:, 0], R[:, 1], s=2, color=COLORS["recon"], alpha=0.7)
        ax.set_title(rf"$\beta = {beta:g}$")
        ax.set_aspect("equal")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def rings_slider(data: ArrayLike, recons: Mapping[float, ArrayLike]) -> object:
    """An ipywidgets ``SelectionSlider`` over the trained betas showing one Fig. 6 panel.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.book.plots.posterior import rings_slider
    >>> ring = np.c_[np.cos(np.arange(20)), np.sin(np.arange(20))]
    >>> rings_slider(ring, {1.0: 0.9 * ring, 4.0: 0.0 * ring})  # doctest: +SKIP
    """
    import ipywidgets as widgets

    betas: Sequence[float] = list(recons)
    out = widgets.Output()

    def show(beta: float) -> None:
        out.clear_output(wait=True)
        with out:
            fig = plot_rings(data, {beta: recons[beta]})
            plt.show()
            plt.close(fig)

    slider = widgets.SelectionSlider(options=betas, value=betas[0], description="beta")
    slider.observe(lambda change: show(change["new"]), names="value")
    show(betas[0])
    return widgets.VBox([slider, out])


def plot_app_g(x: ArrayLike, lhs: ArrayLike, rhs: ArrayLike) -> Figure:
    """Appendix G: ``| ||a||^2 - ||b||^2 |`` against ``||a - b||^2`` for ``b = x, a = x + 1``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.posterior import plot_app_g
    >>> x = np.linspace(0, 5, 11)
    >>> fig = plot_app_g(x, 2 * x + 1, np.ones_like(x))
    >>> plt.close(fig)
    """
    xs = np.asarray(x, dtype=float)
    fig, ax = plt.subplots(figsize=(5.2, 3.2))
    ax.plot(xs, np.asarray(lhs), color=COLORS["seam"], label=r"$|\|a\|^2 - \|b\|^2| = 2x + 1$")
    ax.plot(xs, np.asarray(rhs), color=COLORS["diag"], label=r"$\|a - b\|^2 = 1$")
    ax.fill_between(xs, np.asarray(rhs), np.asarray(lhs), color=COLORS["seam"], alpha=0.15)
    ax.set_xlabel(r"$x$ (with $b = x$, $a = x + 1$)")
    ax.legend()
    return fig
