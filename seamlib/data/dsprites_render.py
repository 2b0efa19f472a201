"""dSprites factors and the procedural renderer (Matthey et al., 2017).

The official ``dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz`` holds 737,280 binary
64 x 64 images of a square, an ellipse or a heart at every combination of six factors
(:data:`FACTOR_NAMES`, sizes :data:`FACTOR_SIZES`), in mixed-radix order with the last factor
(posY) fastest. :func:`render` draws the same images from the rules measured in
``shared/dsprites-spec.md``:

* pixel ``img[row, col]`` is on iff its centre ``(col + 0.5, row + 0.5)`` lies *strictly*
  inside the shape;
* the sprite centre is ``(16 + 32 posX, 16 + 32 posY)`` (posY = 0 is the top);
* a canonical offset ``(u, v)`` (u right, v down, scale 1) lands at
  ``scale * (cos t u + sin t v, -sin t u + cos t v)``: the sprite turns counter-clockwise on
  screen as the orientation ``t`` grows;
* square ``|u|, |v| < 9.6``; ellipse with semi-axes 12.7675 x 7.2125 (long axis along u);
  heart inside the parametric curve ``u = 0.5997 * 16 sin^3 s``,
  ``v = -0.662 (13 cos s - 5 cos 2s - 2 cos 3s - cos 4s) - 1.4375``.

With ``exact=True`` (default) squares and ellipses are drawn as the original polygons (4
corners; a 64-gon with semi-axes 12.78 x 7.22) whose transformed vertices are rounded to a
1/256-pixel grid; the row spans are computed so that every tie (a pixel centre exactly on
an edge) is resolved exactly, see ``_polygon_rows``. Hearts always use the analytic
outline. Orientations are reduced modulo 2 pi, so orientation index 39 (2 pi) gives the
same image as index 0, as in the original.

:func:`render_all` renders the full set in chunks of one (shape, scale, orientation) each
(1,024 images); :mod:`seamlib.data.dsprites` caches it as a packed-bit ``.npy`` whose name
carries :data:`RENDERER_VERSION`, and re-exports every name of this module.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "FACTOR_NAMES",
    "FACTOR_SIZES",
    "VARYING_FACTORS",
    "VARYING_SIZES",
    "SHAPES",
    "N_IMAGES",
    "IMAGE_SIZE",
    "RENDERER_VERSION",
    "factor_values",
    "latents_classes",
    "latents_values",
    "classes_to_values",
    "flat_index",
    "sample_indices",
    "render",
    "render_indices",
    "render_all",
]

FACTOR_NAMES: tuple[str, ...] = ("color", "shape", "scale", "orientation", "posX", "posY")
FACTOR_SIZES: tuple[int, ...] = (1, 3, 6, 40, 32, 32)
#: The five factors that vary (colour is constant) and their numbers of values: the one
#: definition of the dSprites factor names used by the metrics, experiments and plots.
VARYING_FACTORS: tuple[str, ...] = FACTOR_NAMES[1:]
VARYING_SIZES: tuple[int, ...] = FACTOR_SIZES[1:]
SHAPES: tuple[str, ...] = ("square", "ellipse", "heart")
N_IMAGES = 737_280
IMAGE_SIZE = 64
#: Bumped whenever a rendered pixel may change; part of the cache file name.
RENDERER_VERSION = 1

# Shapes in the canonical frame (u right, v down, pixels at scale 1); dsprites-spec.md.
SQUARE_HALF = 9.6
ELLIPSE_AXES = (12.7675, 7.2125)
ELLIPSE_POLYGON_AXES = (12.78, 7.22)
ELLIPSE_POLYGON_VERTICES = 64
HEART_U = 0.5997 * 16.0
HEART_V = 0.6620
HEART_SHIFT = 1.4375
SUBPIXEL = 256  # polygon vertices are rounded to a 1/SUBPIXEL pixel grid

# Every sprite fits in rows/cols floor(centre) - 15 ... floor(centre) + 15 (31 pixels):
# the farthest point of any shape is a square corner, 9.6 sqrt(2) = 13.58 px at scale 1.
_WIN = 31
_WIN_HALF = 15
_CHUNK = 2048


# --------------------------------------------------------------------------------------
# Factors
# --------------------------------------------------------------------------------------
def factor_values() -> tuple[np.ndarray, ...]:
    """Values of the six factors, as stored in the official ``latents_values``.

    Returns
    -------
    tuple of ndarray
        color ``[1.]``; shape ``[1., 2., 3.]`` (square, ellipse, heart); scale
        ``linspace(0.5, 1, 6)``; orientation ``linspace(0, 2 pi, 40)``; posX and posY
        ``linspace(0, 1, 32)``.

    Examples
    --------
    >>> from seamlib.data import dsprites_render
    >>> [len(v) for v in dsprites_render.factor_values()]
    [1, 3, 6, 40, 32, 32]
    """
    return (
        np.array([1.0]),
        np.array([1.0, 2.0, 3.0]),
        np.linspace(0.5, 1.0, 6),
        np.linspace(0.0, 2.0 * np.pi, 40),
        np.linspace(0.0, 1.0, 32),
        np.linspace(0.0, 1.0, 32),
    )


def latents_classes() -> np.ndarray:
    """Factor classes of all 737,280 images in the original order.

    Returns
    -------
    ndarray, shape (737280, 6), int64
        Row ``i`` is the mixed-radix expansion of ``i`` over :data:`FACTOR_SIZES` (posY
        fastest), exactly as ``latents_classes`` in the official npz.

    Examples
    --------
    >>> from seamlib.data import dsprites_render
    >>> classes = dsprites_render.latents_classes()
    >>> classes.shape, classes[1].tolist()
    ((737280, 6), [0, 0, 0, 0, 0, 1])
    """
    return np.indices(FACTOR_SIZES, dtype=np.int64).reshape(len(FACTOR_SIZES), -1).T.copy()


def classes_to_values(classes: ArrayLike) -> np.ndarray:
    """Map factor classes ``(..., 6)`` to factor values ``(..., 6)`` (float64).

    Examples
    --------
    >>> from seamlib.data import dsprites_render
    >>> dsprites_render.classes_to_values([[0, 2, 5, 0, 31, 0]]).tolist()
    [[1.0, 3.0, 1.0, 0.0, 1.0, 0.0]]
    """
    cls = _check_classes(classes)
    out = np.empty(cls.shape, dtype=np.float64)
    for j, values in enumerate(factor_values()):
        out[..., j] = values[cls[..., j]]
    return out


def latents_values() -> np.ndarray:
    """Factor values of all 737,280 images, shape ``(737280, 6)``, as in the official npz.

    Examples
    --------
    >>> from seamlib.data import dsprites_render
    >>> dsprites_render.latents_values().shape
    (737280, 6)
    """
    return classes_to_values(latents_classes())


def flat_index(classes: ArrayLike) -> np.ndarray:
    """Flat image index of factor classes ``(..., 6)``; inverse of :func:`latents_classes`.

    Examples
    --------
    >>> from seamlib.data import dsprites_render
    >>> int(dsprites_render.flat_index([0, 0, 0, 0, 1, 0]))  # posX class 1: one row of 32 posY
    32
    """
    cls = _check_classes(classes)
    bases = np.cumprod((1,) + FACTOR_SIZES[:0:-1])[::-1]
    return (cls * bases).sum(axis=-1)


def _check_classes(classes: ArrayLike) -> np.ndarray:
    cls = np.asarray(classes)
    if cls.shape[-1:] != (6,) or not np.issubdtype(cls.dtype, np.integer):
        raise ValueError(
            f"factor classes must be integers of shape (..., 6), got {cls.dtype} {cls.shape}"
        )
    if np.any(cls < 0) or np.any(cls >= np.asarray(FACTOR_SIZES)):
        raise ValueError(f"factor classes must lie in [0, {FACTOR_SIZES}) per column")
    return cls.astype(np.int64, copy=False)


def sample_indices(n: int, seed: int) -> np.ndarray:
    """``n`` distinct flat indices drawn uniformly with ``seed``, sorted ascending.

    Examples
    --------
    >>> from seamlib.data import dsprites_render
    >>> idx = dsprites_render.sample_indices(5, seed=0)
    >>> idx.shape, bool((idx[1:] > idx[:-1]).all())
    ((5,), True)
    """
    if not 1 <= n <= N_IMAGES:
        raise ValueError(f"subset size must be in [1, {N_IMAGES}], got {n}")
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(N_IMAGES, size=n, replace=False))


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------
def _canonical_polygon(shape: int) -> np.ndarray:
    """Vertices ``(k, 2)`` of the original polygon in the canonical frame, in angle order."""
    if shape == 0:
        h = SQUARE_HALF
        return np.array([[h, h], [-h, h], [-h, -h], [h, -h]])
    angles = 2.0 * np.pi * np.arange(ELLIPSE_POLYGON_VERTICES) / ELLIPSE_POLYGON_VERTICES
    a, b = ELLIPSE_POLYGON_AXES
    return np.stack([a * np.cos(angles), b * np.sin(angles)], axis=1)


def _polygon_rows(
    shape: int,
    scale: np.ndarray,
    cos: np.ndarray,
    sin: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact scanline rasterisation of the square/ellipse polygons.

    The vertices are transformed and rounded to the 1/256 grid. The polygon is convex and
    keeps the canonical (counter-clockwise in (u, v)) vertex order, so a point p is strictly
    inside iff ``(x1 - x0)(py - y0) - (y1 - y0)(px - x0) > 0`` for every edge. On the line
    through a row of pixel centres an edge with ``y1 < y0`` gives a lower bound on px, one
    with ``y1 > y0`` an upper bound, both at the crossing ``x0 + (py - y0)(x1 - x0) / (y1 -
    y0)``; a horizontal edge keeps or removes the whole row. Every quantity except the
    division is an exact float; when the true crossing is a pixel-centre (half-integer)
    value the quotient is a multiple of 1/256 and is computed exactly, and otherwise it is
    at least 5e-7 px away from one, so ties are decided exactly.

    Returns
    -------
    r0 : ndarray, shape (n,)
        First image row of each window.
    rows : ndarray, shape (n, 31, 64), bool
        The window rows ``r0 ... r0 + 30`` of each image.
    """
    verts = _canonical_polygon(shape)
    u, v = verts[:, 0], verts[:, 1]
    s = scale[:, None]
    x0 = np.round((cx[:, None] + s * (cos[:, None] * u + sin[:, None] * v)) * SUBPIXEL)
    y0 = np.round((cy[:, None] + s * (-sin[:, None] * u + cos[:, None] * v)) * SUBPIXEL)
    x0 /= SUBPIXEL
    y0 /= SUBPIXEL
    dx = np.roll(x0, -1, axis=1) - x0
    dy = np.roll(y0, -1, axis=1) - y0
    r0 = np.floor(cy).astype(np.int64) - _WIN_HALF
    py = (r0[:, None] + np.arange(_WIN) + 0.5)[:, :, None]  # (n, W, 1)
    rel = py - y0[:, None, :]  # (n, W, k)
    horizontal = dy == 0
    cross = x0[:, None, :] + rel * dx[:, None, :] / np.where(horizontal, 1.0, dy)[:, None, :]
    lower = np.where((dy < 0)[:, None, :], cross, -np.inf).max(axis=-1)
    upper = np.where((dy > 0)[:, None, :], cross, np.inf).min(axis=-1)
    keep = np.where(horizontal[:, None, :], rel * dx[:, None, :] > 0, True).all(axis=-1)
    c_lo = np.floor(lower - 0.5) + 1.0
    c_hi = np.where(keep, np.ceil(upper - 0.5) - 1.0, -1.0)
    cols = np.arange(IMAGE_SIZE, dtype=np.float64)
    rows = (cols >= c_lo[..., None]) & (cols <= c_hi[..., None])
    return r0, rows


def _heart_inside(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Strictly inside the parametric heart (canonical frame, scale 1).

    ``u(s) = HEART_U sin^3 s`` is monotone on each half of the curve, so every vertical line
    ``|u| < HEART_U`` meets the curve twice, at ``cos s = +-c`` with
    ``c = sqrt(1 - (|u| / HEART_U)^(2/3))``; with the cos-multiple identities
    ``v(c) = -HEART_V (-8c^4 - 8c^3 - 2c^2 + 19c + 4) - HEART_SHIFT`` and the inside is
    ``v(c) < v < v(-c)`` (upper boundary: the lobes and the notch; lower: the point).
    """
    au = np.abs(u) / HEART_U
    c = np.sqrt(np.maximum(1.0 - np.cbrt(np.minimum(au, 1.0)) ** 2, 0.0))

    def outline(cc: np.ndarray) -> np.ndarray:
        poly = (((-8.0 * cc - 8.0) * cc - 2.0) * cc + 19.0) * cc + 4.0
        return -HEART_V * poly - HEART_SHIFT

    return (au < 1.0) & (v > outline(c)) & (v < outline(-c))


def _analytic_inside(shape: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    if shape == 0:
        return (np.abs(u) < SQUARE_HALF) & (np.abs(v) < SQUARE_HALF)
    if shape == 1:
        a, b = ELLIPSE_AXES
        return (u / a) ** 2 + (v / b) ** 2 < 1.0
    return _heart_inside(u, v)


def _pixel_rows(
    shape: int,
    scale: np.ndarray,
    cos: np.ndarray,
    sin: np.ndarray,
    cx: np.ndarray,
    cy: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel test of the analytic outline in a 31 x 31 window; same output as rows."""
    n = scale.shape[0]
    r0 = np.floor(cy).astype(np.int64) - _WIN_HALF
    c0 = np.floor(cx).astype(np.int64) - _WIN_HALF
    ar = np.arange(_WIN)
    ox = (c0[:, None] + ar + 0.5 - cx[:, None])[:, None, :]  # (n, 1, W) x offsets
    oy = (r0[:, None] + ar + 0.5 - cy[:, None])[:, :, None]  # (n, W, 1) y offsets
    c, s, inv = cos[:, None, None], sin[:, None, None], 1.0 / scale[:, None, None]
    u = (c * ox - s * oy) * inv
    v = (s * ox + c * oy) * inv
    window = _analytic_inside(shape, u, v)
    rows = np.zeros((n, _WIN, IMAGE_SIZE), dtype=bool)
    cols = np.broadcast_to((c0[:, None] + ar)[:, None, :], window.shape)
    np.put_along_axis(rows, cols, window, axis=2)
    return r0, rows


def _render_flat(
    shape: np.ndarray,
    scale: np.ndarray,
    orientation: np.ndarray,
    pos_x: np.ndarray,
    pos_y: np.ndarray,
    exact: bool,
    out: np.ndarray,
) -> None:
    """Render 1-D factor arrays into ``out`` (n, 64, 64) uint8 (zeros on entry)."""
    t = np.mod(orientation, 2.0 * np.pi)  # 2 pi -> 0 exactly: index 39 == index 0
    cos, sin = np.cos(t), np.sin(t)
    cx = 16.0 + 32.0 * pos_x
    cy = 16.0 + 32.0 * pos_y
    for k in range(len(SHAPES)):
        sel = np.flatnonzero(shape == k)
        for start in range(0, sel.size, _CHUNK):
            idx = sel[start : start + _CHUNK]
            draw = _polygon_rows if (exact and k < 2) else _pixel_rows
            args = (scale[idx], cos[idx], sin[idx], cx[idx], cy[idx])
            r0, rows = draw(k, *args)
            row_idx = np.broadcast_to((r0[:, None] + np.arange(_WIN))[:, :, None], rows.shape)
            block = np.zeros((idx.size, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
            np.put_along_axis(block, row_idx, rows.view(np.uint8), axis=1)
            out[idx] = block


def render(
    shape: ArrayLike,
    scale: ArrayLike,
    orientation: ArrayLike,
    pos_x: ArrayLike,
    pos_y: ArrayLike,
    *,
    exact: bool = True,
) -> np.ndarray:
    """Draw dSprites images (vectorised, broadcasting over the five factor arrays).

    Parameters
    ----------
    shape : array_like of int
        0 = square, 1 = ellipse, 2 = heart (the official ``latents_classes[:, 1]``).
    scale : array_like of float
        In (0, 1]; the data set uses ``linspace(0.5, 1, 6)``.
    orientation : array_like of float
        Radians; counter-clockwise on screen. Reduced modulo 2 pi.
    pos_x, pos_y : array_like of float
        In [0, 1]; the centre is ``(16 + 32 pos_x, 16 + 32 pos_y)``, pos_y = 0 at the top.
    exact : bool
        Draw squares and ellipses as the original rounded polygons (default) rather than
        from their analytic outlines (which differ on a few boundary pixels).

    Returns
    -------
    ndarray, shape broadcast(...) + (64, 64), uint8
        Binary images with values 0 and 1, indexed ``img[row, col]``.

    Raises
    ------
    ValueError
        If a shape is not 0, 1 or 2, a scale is outside (0, 1] or a position outside [0, 1].

    Examples
    --------
    >>> from seamlib.data import dsprites_render
    >>> img = dsprites_render.render(0, 1.0, 0.0, 0.5, 0.5)  # a centred square at full scale
    >>> img.shape, int(img.max())
    ((64, 64), 1)
    """
    arrays = np.broadcast_arrays(
        np.asarray(shape),
        np.asarray(scale, dtype=np.float64),
        np.asarray(orientation, dtype=np.float64),
        np.asarray(pos_x, dtype=np.float64),
        np.asarray(pos_y, dtype=np.float64),
    )
    batch = arrays[0].shape
    sh, sc, ori, px, py = (a.reshape(-1) for a in arrays)
    if not np.issubdtype(sh.dtype, np.integer) and not np.all(np.mod(sh, 1) == 0):
        raise ValueError("shape must be an integer: 0 = square, 1 = ellipse, 2 = heart")
    sh = sh.astype(np.int64)
    if np.any((sh < 0) | (sh > 2)):
        raise ValueError(f"shape must be 0 (square), 1 (ellipse) or 2 (heart), got {set(sh)}")
    if not np.all((sc > 0) & (sc <= 1)):
        raise ValueError("scale must lie in (0, 1] (dSprites uses linspace(0.5, 1, 6))")
    if not np.all(np.isfinite(ori)):
        raise ValueError("orientation must be finite (radians)")
    if not np.all((px >= 0) & (px <= 1) & (py >= 0) & (py <= 1)):
        raise ValueError("pos_x and pos_y must lie in [0, 1] (dSprites uses linspace(0, 1, 32))")
    out = np.zeros((sh.size, IMAGE_SIZE, IMAGE_SIZE), dtype=np.uint8)
    _render_flat(sh, sc, ori, px, py, exact, out)
    return out.reshape(batch + (IMAGE_SIZE, IMAGE_SIZE))


def render_indices(indices: ArrayLike, *, exact: bool = True) -> np.ndarray:
    """Render the images at flat indices ``(n,)`` of the full set; ``(n, 64, 64)`` uint8.

    Examples
    --------
    >>> from seamlib.data import dsprites_render
    >>> dsprites_render.render_indices([0, 1, 737279]).shape
    (3, 64, 64)
    """
    raw = np.asarray(indices)
    if raw.size and (raw.dtype == np.bool_ or not np.issubdtype(raw.dtype, np.integer)):
        raise ValueError(
            f"flat indices must be integers in [0, {N_IMAGES}), got {raw.dtype} values "
            f"such as {raw.reshape(-1)[:3].tolist()}"
        )
    idx = raw.astype(np.int64).reshape(-1)
    if np.any((raw.reshape(-1) < 0) | (raw.reshape(-1) >= N_IMAGES)):
        raise ValueError(f"flat indices must lie in [0, {N_IMAGES})")
    cls = np.stack(np.unravel_index(idx, FACTOR_SIZES), axis=-1)
    val = classes_to_values(cls)
    return render(cls[:, 1], val[:, 2], val[:, 3], val[:, 4], val[:, 5], exact=exact)


def render_all(
    *,
    exact: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> np.ndarray:
    """Render all 737,280 images, packed 8 pixels per byte.

    Parameters
    ----------
    exact : bool
        See :func:`render`.
    workers : int, optional
        Threads (numpy releases the GIL in the heavy loops); default ``os.cpu_count()``.
    progress : callable, optional
        Called as ``progress(done, total)`` after each chunk of 1,024 images.

    Returns
    -------
    ndarray, shape (737280, 64, 8), uint8
        ``np.unpackbits(packed, axis=-1)`` gives the ``(737280, 64, 64)`` 0/1 images.

    Examples
    --------
    >>> from seamlib.data import dsprites_render
    >>> packed = dsprites_render.render_all()  # about 30 CPU-seconds  # doctest: +SKIP
    """
    per_chunk = FACTOR_SIZES[4] * FACTOR_SIZES[5]
    n_chunks = N_IMAGES // per_chunk
    packed = np.empty((N_IMAGES, IMAGE_SIZE, IMAGE_SIZE // 8), dtype=np.uint8)

    def work(chunk: int) -> None:
        idx = np.arange(chunk * per_chunk, (chunk + 1) * per_chunk)
        packed[idx] = np.packbits(render_indices(idx, exact=exact), axis=-1)

    done = 0
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        for _ in pool.map(work, range(n_chunks)):
            done += 1
            if progress is not None:
                progress(done, n_chunks)
    return packed
