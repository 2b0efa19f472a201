"""Real faces available offline: scikit-image's LFW subset.

``skimage.data.lfw_subset()`` ships with scikit-image (no download): 200 grey-scale 25 x 25
crops from Labeled Faces in the Wild (Huang et al.), of which the **first 100 are faces and
the last 100 are non-face background patches** of the same photographs. :func:`load_lfw`
returns the faces by default.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from seamlib.errors import DataError

__all__ = ["LFWSubset", "load_lfw", "LFW_N_FACES"]

LFW_N_FACES = 100


class LFWSubset(NamedTuple):
    """Images of the LFW subset.

    Attributes
    ----------
    images : ndarray, shape (n, 25, 25)
        float64 in [0, 1], or uint8 in [0, 255] with ``as_uint8=True``.
    is_face : ndarray, shape (n,), bool
        True for the 100 faces, False for the 100 background patches.

    Examples
    --------
    >>> from seamlib.data import load_lfw
    >>> lfw = load_lfw(faces_only=False)
    >>> lfw.images.shape, int(lfw.is_face.sum())
    ((200, 25, 25), 100)
    """

    images: np.ndarray
    is_face: np.ndarray


def load_lfw(*, faces_only: bool = True, as_uint8: bool = False) -> LFWSubset:
    """Load scikit-image's LFW subset at its native 25 x 25 resolution.

    Parameters
    ----------
    faces_only : bool
        Keep only the 100 faces (default); False returns all 200 crops.
    as_uint8 : bool
        Return uint8 in [0, 255] (rounded) instead of float64 in [0, 1].

    Returns
    -------
    LFWSubset

    Raises
    ------
    DataError
        If scikit-image is not installed.

    Examples
    --------
    >>> from seamlib.data import load_lfw
    >>> load_lfw(as_uint8=True).images.shape
    (100, 25, 25)
    """
    try:
        from skimage import data as skdata  # lazy: optional "book" dependency
    except ImportError as exc:
        raise DataError(
            "load_lfw needs scikit-image (skimage.data.lfw_subset); install it with "
            "`pip install scikit-image` or `pip install seamlib[book]`"
        ) from exc
    images = np.asarray(skdata.lfw_subset(), dtype=np.float64)
    is_face = np.arange(len(images)) < LFW_N_FACES
    if faces_only:
        images, is_face = images[is_face], is_face[is_face]
    if as_uint8:
        images = np.round(np.clip(images, 0.0, 1.0) * 255.0).astype(np.uint8)
    return LFWSubset(images, is_face)
