"""dSprites (Matthey et al., 2017): the data set, drawn procedurally or read from the official file.

:func:`procedural_dsprites` draws the 737,280 images with the renderer of
:mod:`seamlib.data.dsprites_render` (the six factors and the measured drawing rules, all
re-exported here) and caches the full set as a packed-bit ``.npy`` (377 MB) whose name
carries :data:`RENDERER_VERSION`; :func:`load_dsprites` reads the official
``dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz``. Both return a :class:`DSprites`;
:func:`pool` mean-pools its images to a lower resolution.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from seamlib.data._cache import cache_dir as _cache_dir
from seamlib.data._cache import load_npy, save_npy_atomic, verify_md5
from seamlib.data.dsprites_render import (
    FACTOR_NAMES,
    FACTOR_SIZES,
    IMAGE_SIZE,
    N_IMAGES,
    RENDERER_VERSION,
    classes_to_values,
    flat_index,
    latents_classes,
    render_all,
    render_indices,
    sample_indices,
)
from seamlib.errors import ChecksumError, DataError

__all__ = [
    "DSPRITES_FILENAME",
    "DSPRITES_MD5",
    "DSPRITES_URL",
    "DSprites",
    "procedural_dsprites",
    "load_dsprites",
    "pool",
]

DSPRITES_FILENAME = "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"
DSPRITES_MD5 = "7da33b31b13a06f4b04a70402ce90c2e"
DSPRITES_URL = "https://github.com/deepmind/dsprites-dataset/raw/master/" + DSPRITES_FILENAME


# --------------------------------------------------------------------------------------
# The data-set object
# --------------------------------------------------------------------------------------
class DSprites:
    """dSprites images with their factors, indexable like the official ``imgs`` array.

    Parameters
    ----------
    images : ndarray, shape (n, 64, 64) uint8, or packed (n, 64, 8) uint8
        0/1 images, or ``np.packbits(images, axis=-1)`` (may be a read-only memmap).
    latents_classes : ndarray, shape (n, 6), int
        Factor classes of each image.
    latents_values : ndarray, shape (n, 6), optional
        Factor values; default computed from the classes with
        :func:`~seamlib.data.dsprites_render.factor_values`.
    source : str
        ``"procedural"`` or ``"official"``.

    Examples
    --------
    ``ds[i]`` is image ``i`` (64, 64); ``ds[a:b]`` or ``ds[index_array]`` a stack;
    ``ds.latents_classes[i]`` its factors; ``ds.subset(2048, seed=0)`` a random subset.

    >>> from seamlib.data import dsprites
    >>> ds = dsprites.procedural_dsprites(n=8, seed=0, cache=False)
    >>> ds[0].shape, ds[2:5].shape, len(ds.subset(3, seed=0))
    ((64, 64), (3, 64, 64), 3)
    """

    factor_names = FACTOR_NAMES
    factor_sizes = FACTOR_SIZES

    def __init__(
        self,
        images: np.ndarray,
        latents_classes: np.ndarray,
        latents_values: np.ndarray | None = None,
        source: str = "procedural",
    ) -> None:
        n = images.shape[0]
        if images.dtype != np.uint8 or images.shape[1:] not in ((64, 64), (64, 8)):
            raise ValueError(
                f"images must be uint8 (n, 64, 64) or packed (n, 64, 8), got {images.dtype} "
                f"{images.shape}"
            )
        if latents_classes.shape != (n, 6):
            raise ValueError(
                f"latents_classes must have shape ({n}, 6), got {latents_classes.shape}"
            )
        self._images = images
        self.packed = images.shape[-1] == 8
        self.latents_classes = np.asarray(latents_classes, dtype=np.int64)
        self.latents_values = (
            classes_to_values(self.latents_classes)
            if latents_values is None
            else np.asarray(latents_values, dtype=np.float64)
        )
        self.source = source

    def __len__(self) -> int:
        return int(self._images.shape[0])

    def __repr__(self) -> str:
        storage = "packed bits" if self.packed else "uint8"
        return f"DSprites({len(self)} images, {self.source}, {storage})"

    def __getitem__(self, index: Any) -> np.ndarray:
        """Image(s) at ``index`` (int, slice or index array) as 0/1 uint8."""
        chunk = np.asarray(self._images[index])
        return np.unpackbits(chunk, axis=-1) if self.packed else chunk

    @property
    def images(self) -> np.ndarray:
        """All images, ``(n, 64, 64)`` uint8 (unpacked: 3 GB for the full set)."""
        return self[:]

    @property
    def indices(self) -> np.ndarray:
        """Flat indices ``(n,)`` of these images in the full 737,280 set."""
        return flat_index(self.latents_classes)

    def subset(self, n: int, seed: int) -> DSprites:
        """``n`` distinct images drawn uniformly with ``seed`` (sorted), as uint8 in memory."""
        if not 1 <= n <= len(self):
            raise ValueError(f"subset size must be in [1, {len(self)}], got {n}")
        rows = np.sort(np.random.default_rng(seed).choice(len(self), size=n, replace=False))
        return DSprites(
            self[rows], self.latents_classes[rows], self.latents_values[rows], self.source
        )


def _cache_path(folder: Path, exact: bool) -> Path:
    kind = "" if exact else "-analytic"
    return folder / f"dsprites-procedural-v{RENDERER_VERSION}{kind}-packed.npy"


def procedural_dsprites(
    n: int | None = None,
    seed: int = 0,
    *,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    exact: bool = True,
    workers: int | None = None,
    progress: bool = False,
) -> DSprites:
    """The procedural dSprites set, or a random subset of it.

    Parameters
    ----------
    n : int, optional
        Subset size; ``None`` for all 737,280 images.
    seed : int
        Seed of the subset (same images as ``procedural_dsprites().subset(n, seed)``).
    cache : bool
        Read/write the packed full set in ``cache_dir``. A subset is read from the cache
        when it exists and otherwise rendered directly (without rendering the full set).
    cache_dir : str or PathLike, optional
        Default ``$SEAMLIB_DATA`` or ``~/.cache/seamlib``.
    exact, workers
        See :func:`~seamlib.data.dsprites_render.render` and
        :func:`~seamlib.data.dsprites_render.render_all`.
    progress : bool
        Show a tqdm progress bar while rendering the full set (about 30 CPU-seconds).

    Returns
    -------
    DSprites
        The full set is packed (memory-mapped when cached); a subset is uint8.

    Examples
    --------
    >>> from seamlib.data import dsprites
    >>> ds = dsprites.procedural_dsprites(n=4, seed=0, cache=False)
    >>> len(ds), ds.latents_classes.shape
    (4, (4, 6))
    """
    path = _cache_path(_cache_dir(cache_dir), exact) if cache else None
    full: DSprites | None = None
    if path is not None and path.exists():
        packed = load_npy(path, mmap_mode="r", fix="delete it and it will be re-rendered")
        if packed.shape != (N_IMAGES, IMAGE_SIZE, IMAGE_SIZE // 8) or packed.dtype != np.uint8:
            raise DataError(
                f"the cached procedural dSprites {path} has {packed.dtype} {packed.shape}, "
                f"expected uint8 ({N_IMAGES}, 64, 8); delete it and it will be re-rendered"
            )
        full = DSprites(packed, latents_classes())
    if n is not None:
        if full is not None:
            return full.subset(n, seed)
        idx = sample_indices(n, seed)
        cls = np.stack(np.unravel_index(idx, FACTOR_SIZES), axis=-1).astype(np.int64)
        return DSprites(render_indices(idx, exact=exact), cls)
    if full is not None:
        return full
    if progress:
        from tqdm.auto import tqdm

        with tqdm(total=N_IMAGES // 1024, desc="rendering dSprites", unit="chunk") as bar:
            packed = render_all(exact=exact, workers=workers, progress=lambda d, t: bar.update())
    else:
        packed = render_all(exact=exact, workers=workers)
    if path is not None:
        save_npy_atomic(path, packed)
    return DSprites(packed, latents_classes())


# --------------------------------------------------------------------------------------
# The official file
# --------------------------------------------------------------------------------------
_NPZ_KEYS = ("imgs", "latents_classes", "latents_values")


def load_dsprites(
    path: str | os.PathLike[str] | None = None,
    *,
    download: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    md5: str | None = DSPRITES_MD5,
    url: str = DSPRITES_URL,
) -> DSprites:
    """Load the official dSprites npz (Matthey et al., 2017).

    Parameters
    ----------
    path : str or PathLike, optional
        The npz file. Default: ``<cache_dir>/dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz``,
        downloaded with pooch from ``url`` when missing and ``download`` is true.
    download : bool
        Try to download a missing default file.
    cache_dir : str or PathLike, optional
        Default ``$SEAMLIB_DATA`` or ``~/.cache/seamlib``.
    md5 : str or None
        Expected md5 digest; ``None`` skips the check (for test fixtures).
    url : str
        Download address (the deepmind dsprites-dataset repository).

    Returns
    -------
    DSprites
        ``imgs`` (737280, 64, 64) uint8 with the file's ``latents_classes`` and
        ``latents_values``; ``source="official"``.

    Raises
    ------
    DataError
        The file is missing (and cannot be downloaded) or lacks the expected arrays.
    ChecksumError
        The file's md5 differs from ``md5``.

    Examples
    --------
    >>> from seamlib.data import dsprites
    >>> ds = dsprites.load_dsprites()  # downloads the 26 MB npz once  # doctest: +SKIP
    """
    where = (
        "Download it from https://github.com/google-deepmind/dsprites-dataset "
        f"({DSPRITES_FILENAME}) and put it at {{target}} (or pass path=...). The procedural "
        "copy seamlib.data.procedural_dsprites() needs no download."
    )
    if path is not None:
        file = Path(path).expanduser()
        if not file.is_file():
            raise DataError(f"dSprites file {file} does not exist. " + where.format(target=file))
    else:
        folder = _cache_dir(cache_dir)
        file = folder / DSPRITES_FILENAME
        if not file.is_file():
            if not download:
                raise DataError(
                    f"dSprites file {file} does not exist and download=False. "
                    + where.format(target=file)
                )
            _download(url, file, md5, where.format(target=file))
    if md5 is not None:
        verify_md5(file, md5, fix=where.format(target=file))
    try:
        npz = np.load(file, allow_pickle=True, encoding="latin1")
    except (OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:
        raise DataError(
            f"cannot read {file} as an npz ({exc}). " + where.format(target=file)
        ) from exc
    if not isinstance(npz, np.lib.npyio.NpzFile):
        raise DataError(f"{file} is not an npz archive. " + where.format(target=file))
    with npz:
        missing = [k for k in _NPZ_KEYS if k not in npz.files]
        if missing:
            raise DataError(
                f"{file} lacks the arrays {missing}; a dSprites npz holds {list(_NPZ_KEYS)} "
                "(and metadata). " + where.format(target=file)
            )
        imgs = np.asarray(npz["imgs"], dtype=np.uint8)
        classes = np.asarray(npz["latents_classes"])
        values = np.asarray(npz["latents_values"])
    if (
        imgs.ndim != 3
        or imgs.shape[1:] != (64, 64)
        or classes.shape != (len(imgs), 6)
        or values.shape != (len(imgs), 6)
    ):
        raise DataError(
            f"{file} has imgs {imgs.shape}, latents_classes {classes.shape}, latents_values "
            f"{values.shape}; expected (n, 64, 64), (n, 6), (n, 6)"
        )
    return DSprites(imgs, classes.astype(np.int64), values, source="official")


def _download(url: str, file: Path, md5: str | None, where: str) -> None:
    """Fetch ``url`` to ``file`` with pooch; translate failures into seamlib errors."""
    import pooch  # lazy: only needed for the download

    try:
        pooch.retrieve(
            url,
            known_hash=None if md5 is None else f"md5:{md5}",
            fname=file.name,
            path=file.parent,
            progressbar=False,
            downloader=pooch.HTTPDownloader(timeout=60),
        )
    except ValueError as exc:  # pooch: hash mismatch (the bad download is deleted)
        raise ChecksumError(f"downloaded {url} but its checksum is wrong ({exc}). {where}") from exc
    except Exception as exc:  # no network, HTTP error, ...
        raise DataError(f"could not download {url} ({type(exc).__name__}: {exc}). {where}") from exc


def pool(images: np.ndarray, resolution: int, chunk: int = 65_536) -> np.ndarray:
    """Mean-pool binary 64 x 64 dSprites images to ``resolution`` pixels per side.

    Parameters
    ----------
    images : ndarray or DSprites, shape (n, 64, 64)
        0/1 images (anything indexable by slices that returns such arrays).
    resolution : int
        64 (returned unchanged, as uint8) or a divisor of 64.

    Returns
    -------
    ndarray, shape (n, resolution, resolution), uint8
        The number of "on" pixels in each ``k x k`` block (``k = 64 // resolution``); multiply
        by ``1 / k**2`` for the grey level in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.data.dsprites import pool
    >>> img = np.zeros((1, 64, 64), np.uint8); img[0, :2, :1] = 1
    >>> pool(img, 32)[0, :2, :2]
    array([[2, 0],
           [0, 0]], dtype=uint8)
    """
    if resolution == 64:
        return np.asarray(images[:], dtype=np.uint8)
    if not isinstance(resolution, (int, np.integer)) or resolution < 1 or 64 % resolution:
        raise ValueError(
            f"resolution must be a whole divisor of 64 (64, 32, 16, ...), got {resolution!r}."
        )
    k = 64 // resolution
    n = len(images)
    out = np.empty((n, resolution, resolution), np.uint8)
    for i in range(0, n, chunk):
        block = np.asarray(images[i : i + chunk], dtype=np.uint8)
        out[i : i + chunk] = block.reshape(-1, resolution, k, resolution, k).sum(axis=(2, 4))
    return out
