"""Figures of the chapter "Faces" (diagonal vs full posteriors on faces).

Every function takes run summaries of ``seamlib.experiments.faces.summarise_run`` (dicts, as
stored in ``results/faces/<dataset>.json``) and returns a matplotlib figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from seamlib.book.plots import COLORS
from seamlib.experiments.faces import images_of
from seamlib.metrics.offdiag import normalise_by_diagonal

__all__ = [
    "montage",
    "plot_faces",
    "plot_reconstructions",
    "plot_samples",
    "plot_traversals",
    "plot_diagnostics",
    "plot_eq6_terms",
    "plot_mi_heatmap",
    "run_label",
]


def run_label(summary: Mapping[str, Any]) -> str:
    """``"diag, beta=1"`` for a run summary.

    Examples
    --------
    >>> from seamlib.book.plots.faces import run_label
    >>> run_label({"config": {"posterior": "diag", "beta": 1.0}})
    'diag, β=1'
    """
    cfg = summary["config"]
    return f"{cfg['posterior']}, β={float(cfg['beta']):g}"


def montage(images: np.ndarray, ncols: int | None = None, pad: int = 1) -> np.ndarray:
    """Tile images into one array (white padding).

    Parameters
    ----------
    images : array, shape (n, H, W) grey or (n, H, W, 3) colour, or (rows, cols, H, W[, 3])
        for an explicit grid.
    ncols
        Columns when ``images`` is a flat list (default: all in one row).

    Returns
    -------
    ndarray, shape (rows * (H + pad) - pad, cols * (W + pad) - pad[, 3])

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.book.plots.faces import montage
    >>> montage(np.zeros((3, 4, 4)), ncols=2).shape
    (9, 9)
    """
    arr = np.asarray(images, dtype=float)
    colour = arr.shape[-1] == 3 and arr.ndim in (4, 5)
    flat_ndim = 4 if colour else 3
    if arr.ndim == flat_ndim:
        n = arr.shape[0]
        cols = ncols or n
        rows = math.ceil(n / cols)
        fill = np.ones((rows * cols - n, *arr.shape[1:]))
        arr = np.concatenate([arr, fill]).reshape(rows, cols, *arr.shape[1:])
    elif arr.ndim != flat_ndim + 1:
        raise ValueError(
            f"images must be (n, H, W[, 3]) or (rows, cols, H, W[, 3]), got {arr.shape}."
        )
    rows, cols, h, w = arr.shape[:4]
    out = np.ones((rows * (h + pad) - pad, cols * (w + pad) - pad, *arr.shape[4:]))
    for r in range(rows):
        for c in range(cols):
            out[r * (h + pad) : r * (h + pad) + h, c * (w + pad) : c * (w + pad) + w] = arr[r, c]
    return out


def _show(ax: Any, img: np.ndarray, title: str = "") -> None:
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if title:
        ax.set_title(title, fontsize=9, loc="left")


def _with_images(runs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    out = [r for r in runs if r.get("images")]
    if not out:
        raise ValueError("none of the runs has stored images; pass the first seed's runs.")
    return sorted(out, key=lambda r: (float(r["config"]["beta"]), r["config"]["posterior"]))


def _montage_rows(rows: Sequence[tuple[str, np.ndarray]]) -> Figure:
    """One labelled montage of images per row of the figure."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(6.4, 0.9 * len(rows) + 0.3), squeeze=False)
    for ax, (label, imgs) in zip(axes[:, 0], rows):
        _show(ax, montage(imgs), label)
    return fig


def plot_faces(images: np.ndarray, ncols: int = 10) -> Figure:
    """A data set's images in one grey montage of ``ncols`` columns, without axes.

    Parameters
    ----------
    images
        ``(n, h, w)`` grey images with values in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.book.plots.faces import plot_faces
    >>> fig = plot_faces(np.zeros((20, 5, 5)))
    >>> fig.axes[0].get_images()[0].get_array().shape
    (11, 59)
    """
    fig, ax = plt.subplots(figsize=(6.4, 6.4))
    ax.imshow(montage(images, ncols=ncols), cmap="gray", vmin=0, vmax=1)
    ax.set_axis_off()
    return fig


def plot_reconstructions(runs: Sequence[Mapping[str, Any]]) -> Figure:
    """Originals (top row) and their reconstructions from the posterior mean, one row per run.

    Examples
    --------
    >>> from seamlib.experiments.faces import load_results
    >>> from seamlib.book.plots.faces import plot_reconstructions
    >>> fig = plot_reconstructions(load_results("lfw")["runs"])  # doctest: +SKIP
    """
    runs = _with_images(runs)
    rows = [("data", images_of(runs[0])["originals"])]
    rows += [(run_label(r), images_of(r)["reconstructions"]) for r in runs]
    return _montage_rows(rows)


def plot_samples(runs: Sequence[Mapping[str, Any]]) -> Figure:
    """Decoder means at prior samples ``z ~ N(0, I)``, one row per run.

    Examples
    --------
    >>> from seamlib.experiments.faces import load_results
    >>> from seamlib.book.plots.faces import plot_samples
    >>> fig = plot_samples(load_results("lfw")["runs"])  # doctest: +SKIP
    """
    runs = _with_images(runs)
    return _montage_rows([(run_label(r), images_of(r)["samples"]) for r in runs])


def plot_traversals(runs: Sequence[Mapping[str, Any]]) -> Figure:
    """Latent traversals side by side: one panel per run, one row per latent.

    Row ``j`` decodes the posterior mean of one image with latent ``traversal_latents[j]``
    set to each of ``traversal_values`` (ordered by code variance, or greedily by attribute
    MI on CelebA).

    Examples
    --------
    >>> from seamlib.experiments.faces import load_results
    >>> from seamlib.book.plots.faces import plot_traversals
    >>> fig = plot_traversals(load_results("lfw")["runs"])  # doctest: +SKIP
    """
    runs = _with_images(runs)
    fig, axes = plt.subplots(1, len(runs), figsize=(3.2 * len(runs), 4.6), squeeze=False)
    for ax, r in zip(axes[0], runs):
        imgs = images_of(r)["traversals"]
        _show(ax, montage(imgs), run_label(r))
        h = imgs.shape[2] + 1
        lat = r["images"]["traversal_latents"]
        ax.set_yticks([h * i + h / 2 - 1 for i in range(len(lat))], [f"z{j}" for j in lat])
        ax.tick_params(axis="y", labelsize=7, length=0)
    return fig


_DIAG_KEYS: dict[str, str] = {
    "jac_offdiag": "off-diag. of E[JᵀJ] (Eq. 6)",
    "hess_offdiag": "off-diag. of Hessian term (Eq. 6)",
    "c1_v_distance": "C1: dist. of V_z to signed perm.",
    "c2_offdiag_fraction": "C2: off-diag. fraction of ds/dz",
}


def plot_diagnostics(
    runs: Sequence[Mapping[str, Any]], keys: Sequence[str] | None = None
) -> Figure:
    """Seam diagnostics against beta, diagonal vs full posteriors (dots: seeds; line: mean).

    ``keys`` default to the two Eq. 6 off-diagonals and the C1 and C2 scores, plus ``aas``
    when the runs have attributes. Lower is more diagonal for every key but ``aas``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from seamlib.book.plots.faces import plot_diagnostics
    >>> pairs = [("diag", 0.1), ("full", 0.4)]
    >>> rows = [{"config": {"posterior": p, "beta": 1.0}, "jac_offdiag": v} for p, v in pairs]
    >>> fig = plot_diagnostics(rows, keys=["jac_offdiag"])
    >>> plt.close(fig)
    """
    keys = list(keys or _DIAG_KEYS)
    if keys == list(_DIAG_KEYS) and any(r.get("aas") is not None for r in runs):
        keys.append("aas")
    labels = {**_DIAG_KEYS, "aas": "AAS over attributes"}
    fig, axes = plt.subplots(1, len(keys), figsize=(2.6 * len(keys), 2.8), squeeze=False)
    betas = sorted({float(r["config"]["beta"]) for r in runs})
    pos = {b: i for i, b in enumerate(betas)}
    for ax, key in zip(axes[0], keys):
        for k, post in enumerate(("diag", "full")):
            sel = [r for r in runs if r["config"]["posterior"] == post and r.get(key) is not None]
            xs = [pos[float(r["config"]["beta"])] + (k - 0.5) * 0.15 for r in sel]
            ax.plot(xs, [r[key] for r in sel], "o", color=COLORS[post], alpha=0.5, ms=4)
            means = [
                np.mean([r[key] for r in sel if float(r["config"]["beta"]) == b] or [np.nan])
                for b in betas
            ]
            ax.plot(
                np.arange(len(betas)) + (k - 0.5) * 0.15, means, "-", color=COLORS[post], label=post
            )
        ax.set_xticks(range(len(betas)), [f"{b:g}" for b in betas])
        ax.set_xlabel("β")
        ax.set_title(labels.get(key, key), fontsize=9)
    axes[0, 0].legend()
    return fig


def plot_eq6_terms(runs: Sequence[Mapping[str, Any]]) -> Figure:
    """Heatmaps of ``|D^-1/2 M D^-1/2|`` for both Eq. 6 terms (columns: runs).

    Top row the Jacobian term ``E[J^T J]``, bottom row the Hessian term
    ``E[(x - d(z))^T H]``, each over a batch and normalised by its diagonal as in the
    off-diagonal score of Appendix E (diagonal entries are 1).

    Examples
    --------
    >>> from seamlib.experiments.faces import load_results
    >>> from seamlib.book.plots.faces import plot_eq6_terms
    >>> fig = plot_eq6_terms(load_results("lfw")["runs"])  # doctest: +SKIP
    """
    fig, axes = plt.subplots(2, len(runs), figsize=(2.3 * len(runs) + 0.6, 4.6), squeeze=False)
    im = None
    for c, r in enumerate(runs):
        for row, key in enumerate(("jac_term", "hess_term")):
            ax = axes[row, c]
            im = ax.imshow(
                normalise_by_diagonal(np.asarray(r[key], dtype=float), 1e-12),
                vmin=0,
                vmax=1,
                cmap="viridis",
            )
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            off = r["jac_offdiag" if row == 0 else "hess_offdiag"]
            name = "JᵀJ" if row == 0 else "Hessian"
            ax.set_title(
                f"{run_label(r)}\n{name}: {off:.2f}" if off is not None else name, fontsize=8
            )
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.7, label="|normalised entry|")
    return fig


def plot_mi_heatmap(runs: Sequence[Mapping[str, Any]], attribute_names: Sequence[str]) -> Figure:
    """Mutual information between latents (rows, greedily ordered) and attributes (columns).

    Examples
    --------
    >>> from seamlib.experiments.faces import load_results
    >>> from seamlib.book.plots.faces import plot_mi_heatmap
    >>> doc = load_results("celeba")  # doctest: +SKIP
    >>> fig = plot_mi_heatmap(doc["runs"], doc["attribute_names"])  # doctest: +SKIP
    """
    runs = [r for r in runs if r.get("mi") is not None]
    if not runs:
        raise ValueError("no run has an MI matrix (attributes exist only on CelebA).")
    fig, axes = plt.subplots(len(runs), 1, figsize=(8.0, 1.6 * len(runs) + 1.2), squeeze=False)
    vmax = max(float(np.max(r["mi"])) for r in runs) or 1.0
    im = None
    for ax, r in zip(axes[:, 0], runs):
        mi = np.asarray(r["mi"])[np.asarray(r["greedy_order"])]
        im = ax.imshow(mi, aspect="auto", vmin=0, vmax=vmax, cmap="viridis")
        ax.set_yticks(range(mi.shape[0]), [f"z{j}" for j in r["greedy_order"]], fontsize=6)
        ax.set_xticks([])
        ax.grid(False)
        ax.set_title(f"{run_label(r)}   AAS = {r['aas']:.3f}", fontsize=9, loc="left")
    axes[-1, 0].set_xticks(
        range(len(attribute_names)), list(attribute_names), rotation=90, fontsize=6
    )
    if im is not None:
        fig.colorbar(im, ax=axes, shrink=0.8, label="MI (nats)")
    return fig
