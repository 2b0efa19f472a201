"""Training data held in memory for the engine: loading the data sets ``seamlib train`` knows.

:data:`LOADERS` maps each name of :data:`~seamlib.engine.config.DATASETS` to its loader;
:func:`load_training_data` loads the one a :class:`~seamlib.engine.config.TrainConfig` names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from seamlib.engine.config import DATASETS, TrainConfig
from seamlib.errors import ConfigError

__all__ = ["LOADERS", "TrainingData", "load_training_data"]


@dataclass
class TrainingData:
    """Data held in memory for training.

    Attributes
    ----------
    x : Tensor, shape ``(n, *data_shape)``
        ``uint8`` for images (multiplied by ``scale`` after the cast to float), else float.
    scale
        Factor applied after casting a batch to float (1 for binary images, 1/255 for 8-bit).
    factors : ndarray, shape (n, k), optional
        Ground-truth factor values (for ``evaluate``'s metrics).
    factor_names
        Names of the ``k`` factors.

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine.data import TrainingData
    >>> data = TrainingData(torch.zeros(10, 1, 4, 4, dtype=torch.uint8))
    >>> data.n, data.data_shape
    (10, (1, 4, 4))
    """

    x: Tensor
    scale: float = 1.0
    factors: np.ndarray | None = None
    factor_names: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of data points."""
        return int(self.x.shape[0])

    @property
    def data_shape(self) -> tuple[int, ...]:
        """Shape of one data point."""
        return tuple(int(s) for s in self.x.shape[1:])


def _as_uint8_images(images: Any) -> tuple[Tensor, float]:
    arr = torch.as_tensor(np.ascontiguousarray(images))
    if arr.dtype != torch.uint8:
        if arr.is_floating_point() and float(arr.max()) <= 1.0:
            arr = (arr * 255).round().to(torch.uint8)
            return (arr.unsqueeze(1) if arr.ndim == 3 else arr), 1 / 255
        arr = arr.to(torch.uint8)
    if arr.ndim == 3:  # (n, H, W) -> (n, 1, H, W)
        arr = arr.unsqueeze(1)
    elif arr.ndim == 4 and arr.shape[-1] in (1, 3) and arr.shape[1] not in (1, 3):
        arr = arr.permute(0, 3, 1, 2).contiguous()  # NHWC -> NCHW
    scale = 1.0 if int(arr.max()) <= 1 else 1 / 255
    return arr, scale


def _subset_indices(n_total: int, subset: int, seed: int) -> np.ndarray | None:
    if subset <= 0 or subset >= n_total:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_total, size=subset, replace=False))


def _load_dsprites(config: TrainConfig) -> TrainingData:
    from seamlib.data.dsprites import procedural_dsprites

    ds = procedural_dsprites(n=config.subset or None, seed=config.seed)
    return _from_dsprites(ds, None, config.resolution)


def _load_dsprites_npz(config: TrainConfig) -> TrainingData:
    from seamlib.data.dsprites import load_dsprites

    ds = load_dsprites(config.data_root)
    idx = _subset_indices(len(ds), config.subset, config.seed)
    return _from_dsprites(ds, idx, config.resolution)


def _from_dsprites(ds: Any, idx: np.ndarray | None, resolution: int = 64) -> TrainingData:
    from seamlib.data.dsprites_render import VARYING_FACTORS

    source = ds if idx is None else ds[idx]
    classes = np.asarray(ds.latents_classes if idx is None else ds.latents_classes[idx])
    k = 64 // resolution
    if resolution == 64:
        x, scale = _as_uint8_images(ds.images if idx is None else source)
    else:
        from seamlib.data.dsprites import pool

        x = torch.from_numpy(pool(source, resolution)).unsqueeze(1)
        scale = 1.0 / (k * k)
    return TrainingData(
        x=x,
        scale=scale,
        factors=classes[:, 1:],  # drop the constant colour factor
        factor_names=VARYING_FACTORS,
    )


def _load_lfw(config: TrainConfig) -> TrainingData:
    from seamlib.data.faces import load_lfw

    x, scale = _as_uint8_images(load_lfw(as_uint8=True).images)
    idx = _subset_indices(x.shape[0], config.subset, config.seed)
    return TrainingData(x=x if idx is None else x[torch.as_tensor(idx)], scale=scale)


def _load_celeba(config: TrainConfig) -> TrainingData:
    if config.data_root is None:
        raise ConfigError(
            "The 'celeba' dataset needs --data-root (the folder holding celeba/ or the Kaggle "
            "files)."
        )
    from seamlib.data.celeba import load_celeba

    ds = load_celeba(config.data_root, split="train")
    idx = _subset_indices(len(ds), config.subset, config.seed)
    images = ds.images if idx is None else ds.images[idx]
    attrs = ds.attributes if idx is None else ds.attributes[idx]
    x, scale = _as_uint8_images(images)  # (n, 64, 64, 3) -> (n, 3, 64, 64) uint8
    return TrainingData(
        x=x, scale=scale, factors=np.asarray(attrs), factor_names=tuple(ds.attribute_names)
    )


def _synthetic(name: str) -> Callable[[TrainConfig], TrainingData]:
    def load(config: TrainConfig) -> TrainingData:
        from seamlib.data import synthetic

        fn = getattr(synthetic, name)
        out = fn(config.subset or synthetic.SYNTH_N, seed=config.seed)
        xt = torch.as_tensor(np.asarray(out.x), dtype=torch.float32)
        return TrainingData(x=xt, scale=1.0, factors=np.asarray(out.factors))

    return load


LOADERS: dict[str, Callable[[TrainConfig], TrainingData]] = {
    "dsprites": _load_dsprites,
    "dsprites-npz": _load_dsprites_npz,
    "lfw": _load_lfw,
    "celeba": _load_celeba,
    "synth-lin": _synthetic("synth_lin"),
    "synth-nonlin": _synthetic("synth_nonlin"),
    "rings": _synthetic("rings"),
}
"""The loader of each of :data:`~seamlib.engine.config.DATASETS` (name -> loader)."""


def load_training_data(config: TrainConfig) -> TrainingData:
    """Load ``config.dataset`` (``config.subset`` points, chosen with ``config.seed``).

    Examples
    --------
    >>> from seamlib.engine.config import TrainConfig
    >>> from seamlib.engine.data import load_training_data
    >>> data = load_training_data(TrainConfig(dataset="rings", subset=100))
    >>> data.n, data.data_shape, data.factors.shape
    (100, (2,), (100, 2))
    """
    if config.dataset not in LOADERS:
        raise ConfigError(
            f"Unknown dataset {config.dataset!r}; expected one of {', '.join(DATASETS)}."
        )
    return LOADERS[config.dataset](config)
