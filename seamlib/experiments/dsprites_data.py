"""dSprites data for the experiments: the runs' training subsets and the held-out images.

Every run of an experiment is evaluated on the same held-out images, drawn with
:data:`~seamlib.experiments.common.EVAL_SEED` outside the union of the runs' training
subsets (:func:`training_indices`, :func:`heldout_indices`, :func:`heldout_data`);
:func:`eval_id` fingerprints such a set. Used by :mod:`seamlib.experiments.dsprites`; the
faces counterpart is :mod:`seamlib.experiments.faces_data`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from seamlib.experiments.common import EVAL_SEED

__all__ = [
    "training_indices",
    "heldout_indices",
    "heldout_data",
    "eval_id",
]


def training_indices(config: Mapping[str, Any]) -> np.ndarray | None:
    """Flat dSprites indices of the images a run trains on (None: all images, or not dSprites).

    The engine draws ``subset`` distinct images with ``numpy.random.default_rng(seed)``
    (:func:`seamlib.data.dsprites_render.sample_indices`); this repeats the draw.

    Examples
    --------
    >>> from seamlib.experiments import dsprites_data as R
    >>> R.training_indices({"dataset": "dsprites", "subset": 5, "seed": 0}).shape
    (5,)
    """
    from seamlib.data import dsprites as dsp

    subset = int(config.get("subset") or 0)
    if config.get("dataset") not in ("dsprites", "dsprites-npz") or not 0 < subset < dsp.N_IMAGES:
        return None
    return dsp.sample_indices(subset, int(config.get("seed", 0)))


def heldout_indices(
    n: int, *, exclude: np.ndarray | Sequence[int] | None = None, seed: int = EVAL_SEED
) -> np.ndarray:
    """``n`` distinct flat dSprites indices drawn with ``seed``, none of them in ``exclude``.

    Returns
    -------
    ndarray of int, shape (n,), sorted.

    Examples
    --------
    >>> from seamlib.experiments import dsprites_data as R
    >>> R.heldout_indices(3, exclude=[0, 1], seed=0).shape
    (3,)
    """
    from seamlib.data import dsprites as dsp

    excl = np.unique(np.asarray([] if exclude is None else exclude, dtype=np.int64))
    if not 1 <= n <= dsp.N_IMAGES - excl.size:
        raise ValueError(
            f"n must be between 1 and {dsp.N_IMAGES - excl.size} (images not excluded), got {n}."
        )
    order = np.random.default_rng(seed).permutation(dsp.N_IMAGES)
    return np.sort(order[~np.isin(order, excl)][:n])


def heldout_data(
    n: int,
    *,
    dataset: str = "dsprites",
    seed: int = EVAL_SEED,
    data_root: str | None = None,
    exclude: np.ndarray | Sequence[int] | None = None,
    resolution: int = 64,
) -> tuple[Tensor, np.ndarray]:
    """``n`` dSprites images that the evaluation uses, with their factor values.

    Parameters
    ----------
    n
        Number of images.
    dataset
        ``"dsprites"`` (procedural) or ``"dsprites-npz"`` (the official file in ``data_root``).
    seed
        Seed of the random sample; the default :data:`EVAL_SEED` gives the same images to
        every run.
    exclude
        Flat indices never to use, e.g. the union of the runs' training subsets
        (:func:`training_indices`), so that the images are truly held out.
    resolution
        Pixels per side: 64, or 32 for the mean-pooled variant the engine trains on with
        ``resolution=32`` (:func:`seamlib.data.dsprites.pool`).

    Returns
    -------
    x : Tensor, shape (n, 1, resolution, resolution), float32 in [0, 1]
    factors : ndarray, shape (n, 5)
        Values of shape, scale, orientation, posX, posY (the constant colour is dropped).

    Examples
    --------
    >>> from seamlib.experiments import dsprites_data as R
    >>> x, factors = R.heldout_data(2)
    >>> tuple(x.shape), factors.shape
    ((2, 1, 64, 64), (2, 5))
    """
    from seamlib.data import dsprites as dsp

    idx = heldout_indices(n, exclude=exclude, seed=seed)
    if dataset == "dsprites":
        images = dsp.render_indices(idx)
        classes = np.stack(np.unravel_index(idx, dsp.FACTOR_SIZES), axis=-1)
        values = dsp.classes_to_values(classes)
    elif dataset == "dsprites-npz":
        ds = dsp.load_dsprites(data_root)
        images, values = ds[idx], ds.latents_values[idx]
    else:
        raise ValueError(f"dataset must be 'dsprites' or 'dsprites-npz', got {dataset!r}.")
    k = 64 // resolution
    pooled = dsp.pool(np.asarray(images), resolution)
    x = torch.as_tensor(pooled, dtype=torch.float32).unsqueeze(1) / (k * k)
    return x, np.asarray(values, dtype=float)[:, 1:]


def eval_id(indices: np.ndarray) -> str:
    """Short fingerprint of an evaluation set (to know when a cached summary is stale).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.experiments import dsprites_data as R
    >>> len(R.eval_id(np.arange(10)))
    12
    """
    return hashlib.sha1(np.asarray(indices, dtype=np.int64).tobytes()).hexdigest()[:12]
