"""Figures of the chapter "Identifiability" (Allen 2025, Sec. 6, App. D).

Each function takes plain arrays and returns a :class:`matplotlib.figure.Figure`; the book's
style comes from :func:`seamlib.book.plots.use_style`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from seamlib.book.plots import COLORS

__all__ = [
    "off_diagonal_strip",
    "rotation_alignment",
    "vae_scores",
    "source_scatter",
    "elbo_vs_rotation",
]


def off_diagonal_strip(ratios: Mapping[str, ArrayLike], floor: float = 1e-17) -> Figure:
    """Strip plot (log scale) of the off-diagonal ratio of ``U^T H_x U`` per generator.

    Parameters
    ----------
    ratios
        Name -> off-diagonal ratios, shape (n,), one per latent point.
    floor
        Values below it (exact zeros) are drawn at ``floor``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.identifiability import off_diagonal_strip
    >>> fig = off_diagonal_strip({"linear": [0.0, 1e-16], "tanh": [0.1, 0.3]})
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    rng = np.random.default_rng(0)
    for k, vals in enumerate(ratios.values()):
        v = np.maximum(np.asarray(vals, dtype=float), floor)
        ax.scatter(k + 0.08 * rng.standard_normal(v.size), v, s=14, alpha=0.7)
    ax.axhline(1e-8, color=COLORS["truth"], ls="--", lw=1, label="tolerance $10^{-8}$")
    ax.set_yscale("log")
    ax.set_xticks(range(len(ratios)), list(ratios))
    ax.set_ylabel(r"$\max_{i\neq j}|[U^\top H_x U]_{ij}|\,/\,\max_i|[U^\top H_x U]_{ii}|$")
    ax.legend(loc="center right")
    return fig


def rotation_alignment(theta: ArrayLike, cos: ArrayLike, label: str) -> Figure:
    """Best P&S-matched ``|cos|`` between the seams of ``W R_theta`` and of ``W``, vs theta.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.identifiability import rotation_alignment
    >>> fig = rotation_alignment([0.0, 0.4, 0.8], [1.0, 0.9, 0.7], label="tanh")
    >>> plt.close(fig)
    """
    th = np.asarray(theta, dtype=float)
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    ax.plot(np.degrees(th), np.asarray(cos, dtype=float), "o-", color=COLORS["seam"], label=label)
    ax.axhline(1 / np.sqrt(2), color=COLORS["truth"], ls="--", lw=1, label=r"$1/\sqrt{2}$")
    ax.set_xlabel(r"rotation angle $\theta$ of the latent space (degrees)")
    ax.set_ylabel(r"worst matched $|\cos|$ of seam directions")
    ax.legend()
    return fig


def vae_scores(
    scores: Mapping[str, Mapping[str, Sequence[float]]], bars: Mapping[str, float]
) -> Figure:
    """Per-seed scores of trained VAEs, one panel per score, diagonal vs full posteriors.

    Parameters
    ----------
    scores
        Posterior kind ("diag", "full") -> score name -> one value per seed.
    bars
        Score name -> acceptance bar (dashed line).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.identifiability import vae_scores
    >>> scores = {"diag": {"mcc": [0.9, 0.95]}, "full": {"mcc": [0.6, 0.7]}}
    >>> fig = vae_scores(scores, bars={"mcc": 0.8})
    >>> plt.close(fig)
    """
    names = list(bars)
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        for k, (kind, by_name) in enumerate(scores.items()):
            vals = np.asarray(by_name[name], dtype=float)
            ax.scatter(np.full(vals.size, k), vals, color=COLORS.get(kind, None), s=30)
        ax.axhline(bars[name], color=COLORS["truth"], ls="--", lw=1)
        ax.set_xticks(range(len(scores)), [f"{k} posterior" for k in scores])
        ax.set_xlim(-0.6, len(scores) - 0.4)
        ax.set_title(name)
    return fig


def source_scatter(
    sources: ArrayLike, codes: ArrayLike, perm: Sequence[int], names: Sequence[str]
) -> Figure:
    """Each source against the latent matched to it (``codes[:, perm[i]]`` vs ``sources[:, i]``).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.identifiability import source_scatter
    >>> s = np.random.default_rng(0).normal(size=(50, 2))
    >>> fig = source_scatter(s, s[:, ::-1], perm=[1, 0], names=["s1", "s2"])
    >>> plt.close(fig)
    """
    s = np.asarray(sources, dtype=float)
    c = np.asarray(codes, dtype=float)
    fig, axes = plt.subplots(1, s.shape[1], figsize=(3.2 * s.shape[1], 3.0), squeeze=False)
    for i, ax in enumerate(axes[0]):
        ax.scatter(s[:, i], c[:, perm[i]], s=4, alpha=0.5, color=COLORS["diag"])
        ax.set_xlabel(f"source {i + 1} ({names[i]})")
        ax.set_ylabel(rf"matched latent mean $\mu_{{{perm[i] + 1}}}$")
    return fig


def elbo_vs_rotation(
    theta: ArrayLike,
    elbo_diag: ArrayLike,
    elbo_full: ArrayLike,
    dlogp: ArrayLike,
    *,
    density_label: str = r"$\max |\Delta \log p_\mu|$",
    log_scale: bool = True,
) -> Figure:
    """Optimal ELBO (diag, full) and the change of the data density under a latent rotation.

    ``dlogp`` is any per-angle measure of that change (labelled ``density_label``, drawn on a
    log axis if ``log_scale``), e.g. the largest z-score between sampled densities.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.identifiability import elbo_vs_rotation
    >>> theta = [0.0, 0.5, 1.0]
    >>> fig = elbo_vs_rotation(theta, [-3.0, -3.2, -3.1], [-3.0, -3.0, -3.0], [0.0, 0.1, 0.05])
    >>> plt.close(fig)
    """
    th = np.degrees(np.asarray(theta, dtype=float))
    fig, (a0, a1) = plt.subplots(1, 2, figsize=(8.0, 3.2))
    a0.plot(th, np.asarray(elbo_diag, dtype=float), "o-", color=COLORS["diag"], label="diagonal")
    a0.plot(th, np.asarray(elbo_full, dtype=float), "s--", color=COLORS["full"], label="full")
    a0.set_xlabel(r"$\theta$ (degrees)")
    a0.set_ylabel("mean optimal ELBO (nats)")
    a0.set_title(r"probabilistic: decoder $g\circ R_\theta$")
    a0.legend()
    dl = np.asarray(dlogp, dtype=float)
    a1.plot(th, np.maximum(dl, 1e-17) if log_scale else dl, "o-", color=COLORS["truth"])
    if log_scale:
        a1.set_yscale("log")
    a1.set_xlabel(r"$\theta$ (degrees)")
    a1.set_ylabel(density_label)
    a1.set_title("deterministic: data density")
    return fig
