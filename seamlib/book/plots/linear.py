"""Figures of the chapter "Linear models" (PPCA, the linear VAE, Fig. 2 of Allen, 2025).

Every function takes computed arrays (no training happens here) and returns a matplotlib
``Figure``; the chapter calls them after :mod:`seamlib.theory.linear` has produced the numbers.
"""

from __future__ import annotations

import io
import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from seamlib.book.plots import COLORS
from seamlib.book.plots.slider import ImageSlider, image_slider

__all__ = [
    "gap_vs_angle",
    "rotation_view",
    "rotation_slider",
    "figure2",
    "ratio_sweep",
    "cor61_scaling",
]


def _shades(color: str, k: int) -> list[tuple[float, float, float]]:
    """``k`` shades of ``color`` from light (early) to dark (late)."""
    rgb = np.array(to_rgb(color))
    out = []
    for t in np.linspace(0.0, 1.0, k):
        light, dark = 1.0 - 0.75 * (1.0 - rgb), 0.45 * rgb
        out.append(tuple(float(c) for c in (1 - t) * light + t * dark))
    return out  # type: ignore[return-value]


def _quarter_lines(ax: Axes, theta: np.ndarray) -> None:
    for k in range(
        int(np.floor(theta.min() / (math.pi / 2))), int(theta.max() // (math.pi / 2)) + 1
    ):
        ax.axvline(k * math.pi / 2, color=COLORS["truth"], lw=0.6, ls=":")


def gap_vs_angle(theta: ArrayLike, gap: ArrayLike, ax: Axes | None = None) -> Figure:
    """ELBO gap (full minus diagonal Sigma, each at its optimum) against rotation angle.

    Parameters
    ----------
    theta : array, shape (k,)
        Angles (radians) of the rotation ``R(theta)`` applied to the decoder.
    gap : array, shape (k,)
        :func:`seamlib.theory.linear.diagonal_gap` of ``W_* R(theta)``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.linear import gap_vs_angle
    >>> theta = np.linspace(0, np.pi, 9)
    >>> fig = gap_vs_angle(theta, np.sin(2 * theta) ** 2)
    >>> plt.close(fig)
    """
    th, g = np.asarray(theta, float), np.asarray(gap, float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.0, 3.2))
    else:
        fig = ax.figure  # type: ignore[assignment]
    ax.plot(th, g, color=COLORS["diag"], lw=1.8)
    _quarter_lines(ax, th)
    ax.set_xticks([k * math.pi / 2 for k in range(5)], ["0", "π/2", "π", "3π/2", "2π"])
    ax.set_xlabel("rotation angle θ of the decoder, D = W* R(θ)")
    ax.set_ylabel("ELBO(full Σ) − ELBO(diag Σ)")
    return fig


def _rotation_artists(
    ax0: Axes, ax1: Axes, theta_grid: ArrayLike, gap: ArrayLike, theta: float, P: np.ndarray
) -> list[Artist]:
    """Draw what depends on ``theta`` (marker, title, arrows ``P e_i``); return the artists."""
    g_now = float(np.interp(theta, np.asarray(theta_grid), np.asarray(gap)))
    artists: list[Artist] = list(ax0.plot([theta], [g_now], "o", color=COLORS["seam"]))
    ax0.set_title(f"θ = {theta:.2f} rad, gap = {g_now:.3g} nats")
    for i in range(P.shape[1]):
        artists.append(
            ax1.annotate(
                "",
                xy=(P[0, i], P[1, i]),
                xytext=(0, 0),
                arrowprops=dict(arrowstyle="->", color=COLORS["seam"], lw=2),
            )
        )
        artists.append(
            ax1.text(1.08 * P[0, i], 1.08 * P[1, i], f"D e{i + 1}", color=COLORS["seam"])
        )
    return artists


def rotation_view(
    theta_grid: ArrayLike,
    gap: ArrayLike,
    theta: float,
    D: ArrayLike,
    basis: ArrayLike,
    truth: ArrayLike,
) -> Figure:
    """Two panels for one rotation: the gap curve with a marker, and the latent-axis images.

    Parameters
    ----------
    theta_grid, gap : arrays, shape (k,)
        The curve of :func:`gap_vs_angle`.
    theta : float
        The current angle (marked).
    D : array, shape (m, d)
        Rotated decoder ``W_* R(theta)``; its columns ``D e_i`` are drawn.
    basis : array, shape (m, 2)
        Orthonormal basis of the plane to draw in (the principal plane of the data).
    truth : array, shape (m, d)
        Ground-truth components ``u^i s^i`` (drawn in black).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.linear import rotation_view
    >>> theta = np.linspace(0, np.pi, 9)
    >>> D = np.eye(3, 2)  # decoder, plane basis and truth alike
    >>> fig = rotation_view(theta, np.sin(2 * theta) ** 2, 0.3, D, D, D)
    >>> plt.close(fig)
    """
    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(9.0, 3.4), width_ratios=[1.6, 1.0])
    gap_vs_angle(theta_grid, gap, ax=ax0)
    B = np.asarray(basis, float)
    P, T = B.T @ np.asarray(D, float), B.T @ np.asarray(truth, float)
    # The spectral norm of P does not change when D is rotated: the axes stay put as theta moves.
    lim = 1.15 * max(np.linalg.norm(P, 2), np.abs(T).max())
    for i in range(T.shape[1]):
        ax1.plot([-T[0, i], T[0, i]], [-T[1, i], T[1, i]], color=COLORS["truth"], lw=1.0)
    _rotation_artists(ax0, ax1, theta_grid, gap, theta, P)
    ax1.set_xlim(-lim, lim)
    ax1.set_ylim(-lim, lim)
    ax1.set_aspect("equal")
    ax1.set_xlabel("u¹ (data space)")
    ax1.set_ylabel("u²")
    ax1.set_title("images of latent axes")
    return fig


def rotation_slider(
    theta_grid: ArrayLike,
    gap: ArrayLike,
    W: ArrayLike,
    basis: ArrayLike,
    truth: ArrayLike,
    *,
    value: float = 0.5,
    n_frames: int = 25,
) -> ImageSlider:
    """The rotation slider: :func:`rotation_view` of ``W R(theta)``, live or precomputed.

    In Jupyter the slider re-renders the view at every angle; the static website shows
    ``n_frames`` precomputed angles over ``[0, 2 pi]`` with a JavaScript slider (see
    :mod:`seamlib.book.plots.slider`).

    Parameters
    ----------
    theta_grid, gap : arrays, shape (k,)
        The curve of :func:`gap_vs_angle`.
    W : array, shape (m, 2)
        Decoder ``W_*``; the view at ``theta`` draws ``W R(theta)``.
    basis : array, shape (m, 2)
        Orthonormal basis of the plane to draw in.
    truth : array, shape (m, 2)
        Ground-truth components ``u^i s^i``.
    value : float
        Initial angle (radians).
    n_frames : int
        Number of precomputed angles of the static slider.

    Returns
    -------
    ImageSlider
        Display it as the last expression of a cell.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.book.plots.linear import rotation_slider
    >>> theta = np.linspace(0, 2 * np.pi, 9)
    >>> W = np.eye(3, 2)
    >>> s = rotation_slider(theta, np.sin(2 * theta) ** 2, W, W, W, value=0.0, n_frames=3)
    >>> before = s.image.value
    >>> s.slider.value = 1.0  # moving the slider redraws the picture
    >>> s.image.value != before
    True
    """
    W_, B = np.asarray(W, float), np.asarray(basis, float)

    def rotated(theta: float) -> np.ndarray:
        c, s = math.cos(theta), math.sin(theta)
        return W_ @ np.array([[c, -s], [s, c]])  # W R(theta), R as in linear.rotation_2d

    # One figure; each frame redraws only what depends on theta (fast enough for a live
    # slider, and for the precomputed frames of the website).
    fig = rotation_view(theta_grid, gap, value, rotated(value), basis, truth)
    plt.close(fig)  # not shown by Jupyter; still drawable
    fig.savefig(io.BytesIO(), format="png", dpi=90)  # lay it out once, as saved ...
    fig.set_layout_engine("none")  # ... and keep that layout for every frame
    ax0, ax1 = fig.axes
    artists: list[Artist] = [ax0.lines[-1], *ax1.texts]  # drawn by _rotation_artists

    def render(theta: float) -> bytes:
        nonlocal artists
        for artist in artists:
            artist.remove()
        artists = _rotation_artists(ax0, ax1, theta_grid, gap, theta, B.T @ rotated(theta))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)  # 25 frames of ~60 kB on the website
        return buf.getvalue()

    return image_slider(
        render,
        np.linspace(0.0, 2 * math.pi, n_frames),
        value=value,
        description="θ (rad)",
        alt="Gap curve with the current angle, and the images of the latent axes",
    )


def figure2(
    steps: ArrayLike,
    fit: dict[str, ArrayLike],
    align: dict[str, ArrayLike],
    D_hist: dict[str, ArrayLike],
    basis: ArrayLike,
    truth: ArrayLike,
    n_snapshots: int = 12,
) -> Figure:
    """Allen (2025) Fig. 2: fit of U, S (left), distance of V to a signed permutation
    (centre), images ``D e_i`` over training in the principal plane (right, later darker).

    Parameters
    ----------
    steps : array, shape (T,)
    fit, align : dict "diag"/"full" -> array, shape (T,)
        P&S fit error of (U, S) and DtO of V at each step.
    D_hist : dict "diag"/"full" -> array, shape (T, m, d)
    basis : array, shape (m, 2)
        Plane to draw the images in.
    truth : array, shape (m, d)
        Ground-truth components ``u^i s^i``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.linear import figure2
    >>> steps, D = np.arange(1, 5), np.eye(3, 2)
    >>> curve = {k: np.geomspace(1, 1e-3, 4) for k in ('diag', 'full')}
    >>> hist = {k: np.stack([D] * 4) for k in ('diag', 'full')}
    >>> fig = figure2(steps, curve, curve, hist, np.eye(3, 2), D, n_snapshots=3)
    >>> plt.close(fig)
    """
    s = np.asarray(steps)
    fig, axes = plt.subplots(1, 3, figsize=(12.0, 3.6))
    for kind in ("diag", "full"):
        label = f"{kind} Σ"
        axes[0].semilogy(
            s, np.maximum(np.asarray(fit[kind]), 1e-16), color=COLORS[kind], label=label
        )
        axes[1].semilogy(
            s, np.maximum(np.asarray(align[kind]), 1e-16), color=COLORS[kind], label=label
        )
    axes[0].set_title("fit: error of U, S (P&S)")
    axes[1].set_title("alignment: DtO of V")
    for ax in axes[:2]:
        ax.set_xlabel("step")
        ax.legend()
    B = np.asarray(basis, float)
    T = B.T @ np.asarray(truth, float)
    for i in range(T.shape[1]):
        axes[2].plot(
            [-T[0, i], T[0, i]],
            [-T[1, i], T[1, i]],
            color="0.75",
            lw=5,
            zorder=0,
            label="independent components" if i == 0 else None,
        )
    idx = np.unique(np.geomspace(1, len(s), n_snapshots).astype(int) - 1)
    for kind in ("diag", "full"):
        Dh = np.asarray(D_hist[kind], float)
        for c, t in zip(_shades(COLORS[kind], len(idx)), idx, strict=True):
            P = B.T @ Dh[t]
            for i in range(P.shape[1]):
                axes[2].plot([0, P[0, i]], [0, P[1, i]], color=c, lw=1.2)
        P = B.T @ Dh[-1]
        axes[2].plot(
            P[0], P[1], "o", color=_shades(COLORS[kind], 2)[1], ms=5, label=f"final D e_i, {kind} Σ"
        )
    axes[2].legend(loc="lower left", fontsize=7)
    axes[2].set_aspect("equal")
    axes[2].set_title("images D e_i (later = darker)")
    axes[2].set_xlabel("u¹")
    axes[2].set_ylabel("u²")
    return fig


def ratio_sweep(
    ratios: ArrayLike,
    axis_error: ArrayLike,
    dto_v: ArrayLike,
    rolinek_ratios: ArrayLike,
    rolinek_dto: ArrayLike,
    rolinek_sd: ArrayLike,
) -> Figure:
    """Final alignment against the singular-value ratio, beside Rolinek et al. Table S4.

    Parameters
    ----------
    ratios : array, shape (r,)
    axis_error, dto_v : arrays, shape (r, k)
        Per ratio and seed: P&S error of the latent-axis images against the ground-truth
        components, and DtO of ``V``.
    rolinek_ratios, rolinek_dto, rolinek_sd : arrays
        Table S4 of Rolinek et al. (2019).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.linear import ratio_sweep
    >>> err = np.array([[0.3, 0.2], [0.1, 0.05]])
    >>> fig = ratio_sweep([1.5, 4.0], err, err, [1.5, 4.0], [0.5, 0.1], [0.1, 0.05])
    >>> plt.close(fig)
    """
    r = np.asarray(ratios, float)
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    for vals, color, name, dx in (
        (np.asarray(axis_error, float), COLORS["diag"], "latent axes vs truth (P&S)", -0.01),
        (np.asarray(dto_v, float), COLORS["traversal"], "DtO of V (ours)", 0.01),
    ):
        for j in range(vals.shape[1]):
            ax.plot(r + dx, vals[:, j], "o", color=color, alpha=0.5, ms=4)
        ax.plot(r + dx, vals.mean(axis=1), "-", color=color, label=name)
    ax.errorbar(
        np.asarray(rolinek_ratios, float),
        rolinek_dto,
        yerr=rolinek_sd,
        fmt="s--",
        color=COLORS["full"],
        capsize=3,
        label="DtO, Rolinek et al. Table S4",
    )
    ax.set_xlabel("singular-value ratio s¹/s²")
    ax.set_ylabel("final misalignment")
    ax.legend()
    return fig


def cor61_scaling(n_grid: ArrayLike, errors: ArrayLike, slope: float, intercept: float) -> Figure:
    """Alignment error of the learned components against the sample size, log-log.

    Parameters
    ----------
    n_grid : array, shape (k,)
    errors : array, shape (k, r)
        P&S error per sample size and repeat.
    slope, intercept : float
        Least-squares fit ``log10 err = intercept + slope log10 n``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from seamlib.book.plots.linear import cor61_scaling
    >>> n = np.array([100, 1000, 10000])
    >>> fig = cor61_scaling(n, np.c_[n**-0.5, 1.1 * n**-0.5], slope=-0.5, intercept=0.0)
    >>> plt.close(fig)
    """
    n = np.asarray(n_grid, float)
    e = np.asarray(errors, float)
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    for j in range(e.shape[1]):
        ax.loglog(n, e[:, j], "o", color=COLORS["diag"], alpha=0.5, ms=4)
    ax.loglog(n, np.exp(np.log(e).mean(axis=1)), "o", color=COLORS["diag"], label="geometric mean")
    ax.loglog(
        n,
        10 ** (intercept + slope * np.log10(n)),
        "-",
        color=COLORS["seam"],
        label=f"fit: slope {slope:.2f}",
    )
    ax.set_xlabel("samples n")
    ax.set_ylabel("P&S error of learned components")
    ax.legend()
    return fig
