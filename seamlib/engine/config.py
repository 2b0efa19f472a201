"""The configuration of a training run: :class:`TrainConfig`, its validation, beta schedules.

A :class:`TrainConfig` is everything that defines a run (stored as ``config.json`` in the
run directory); ``validate`` checks every field (type, range, finiteness) before any work.
The names of the data sets (:data:`DATASETS`; their loaders are in
:mod:`seamlib.engine.data`) and the options that may change on resume
(:data:`RESUME_CHANGES`) live here too, as the validation needs them.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from seamlib.engine.models import (
    ACTIVATIONS,
    ARCHITECTURES,
    MEAN_LINKS,
    ModelConfig,
    mean_link_error,
)
from seamlib.errors import ConfigError

__all__ = [
    "DATASETS",
    "INT_MAX",
    "RESOLUTIONS",
    "RESUME_CHANGES",
    "SCHEDULES",
    "SIZE_HINTS",
    "TrainConfig",
    "beta_at",
    "check_batch",
    "dataset_size_hint",
    "is_int",
    "resolve_device",
]

# ======================================================================================
# Data sets
# ======================================================================================
DATASETS: tuple[str, ...] = (
    "dsprites",
    "dsprites-npz",
    "lfw",
    "celeba",
    "synth-lin",
    "synth-nonlin",
    "rings",
)
"""Data sets the engine and the CLI can train on (loaders: :data:`seamlib.engine.data.LOADERS`).

``dsprites``: procedural dSprites (``subset`` images, or all 737,280; binary uint8);
``dsprites-npz``: the official file (``data_root`` = its path, or downloaded); ``lfw``:
scikit-image's 100 LFW faces, 25x25 uint8; ``celeba``: the official training split of
CelebA under ``data_root``, 64x64 RGB uint8 (the 40 attributes as factors);
``synth-lin``, ``synth-nonlin``: Rolinek et al.'s synthetic sets (50,000 points unless
``subset``); ``rings``: the 2-D rings of Fig. 6 (50,000 points unless ``subset``).
"""

RESOLUTIONS: tuple[int, ...] = (64, 32)
"""dSprites resolutions: 64 (the original) and 32, the 2 x 2 mean-pooled variant whose grey
levels 0, 1/4, ..., 1 are the Bernoulli targets (see :func:`seamlib.data.dsprites.pool`)."""

SIZE_HINTS: dict[str, int] = {"dsprites": 737_280, "dsprites-npz": 737_280, "lfw": 100}
"""Number of data points of the data sets whose size is known before loading them."""


def dataset_size_hint(config: TrainConfig) -> int | None:
    """Number of data points ``config`` trains on, where known before loading (else None).

    Examples
    --------
    >>> from seamlib.engine.config import TrainConfig, dataset_size_hint
    >>> dataset_size_hint(TrainConfig(dataset="lfw")), dataset_size_hint(TrainConfig(subset=500))
    (100, 500)
    """
    full = SIZE_HINTS.get(config.dataset)
    if config.dataset in ("synth-lin", "synth-nonlin", "rings"):
        full = config.subset or 50_000
    if full is None:
        return config.subset or None
    return min(full, config.subset) if config.subset else full


RESUME_CHANGES: tuple[str, ...] = (
    "steps",
    "lr",
    "log_every",
    "checkpoint_every",
    "eval_every",
    "eval_n",
    "data_root",
)
"""Options that may change when a run is resumed: they change neither the model, the data
nor the random streams (``steps`` may not drop below the steps done; with the ``exp``
schedule it rescales the rest of the decay). Each change is recorded in provenance.json."""


# ======================================================================================
# Beta schedules
# ======================================================================================
SCHEDULES: tuple[str, ...] = ("constant", "warmup", "exp")
"""Beta schedules: constant, linear warm-up, exponential decay."""


def beta_at(
    step: int,
    *,
    schedule: str,
    beta: float,
    beta_end: float | None,
    steps: int,
    warmup_steps: int = 0,
) -> float:
    """KL weight at (0-based) training step ``step``.

    ``constant``: ``beta``. ``warmup``: linear from ``beta`` to ``beta_end`` over the first
    ``warmup_steps`` steps, then ``beta_end``. ``exp``: ``beta * (beta_end / beta) **
    (step / (steps - 1))``, so the first step uses ``beta`` and the last ``beta_end`` (the
    paper's Appendix F decays 1 -> 0.001).

    Examples
    --------
    >>> from seamlib.engine.config import beta_at
    >>> round(beta_at(1, schedule="exp", beta=1.0, beta_end=0.001, steps=3), 4)  # sqrt(0.001)
    0.0316
    """
    if schedule == "constant" or beta_end is None:
        return float(beta)
    if schedule == "warmup":
        frac = 1.0 if warmup_steps <= 0 else min(1.0, step / warmup_steps)
        return float(beta + (beta_end - beta) * frac)
    if schedule == "exp":
        frac = 1.0 if steps <= 1 else min(1.0, step / (steps - 1))
        return float(beta * (beta_end / beta) ** frac)
    raise ConfigError(f"Unknown beta schedule {schedule!r}; expected one of {SCHEDULES}.")


# ======================================================================================
# Configuration
# ======================================================================================
@dataclass
class TrainConfig:
    """Everything that defines a training run; stored as ``config.json`` in the run directory.

    Defaults of ``steps``, ``batch_size``, ``lr``, ``checkpoint_every`` come from the active
    profile with :meth:`from_profile` (``seamlib.config.TrainSizes``).

    Examples
    --------
    >>> from seamlib.engine.config import TrainConfig
    >>> cfg = TrainConfig(dataset="rings", architecture="mlp", latent_dim=2, likelihood="gaussian")
    >>> cfg.validate()
    >>> TrainConfig.from_dict(cfg.to_dict()) == cfg
    True
    """

    dataset: str = "dsprites"
    architecture: str = "burgess"
    latent_dim: int = 10
    posterior: str = "diag"
    likelihood: str = "bernoulli"
    sigma2: float = 1.0
    hidden: tuple[int, ...] = (64, 64)
    activation: str = "tanh"
    mean: str = "identity"
    beta: float = 1.0
    beta_end: float | None = None
    beta_schedule: str = "constant"
    warmup_steps: int = 0
    steps: int = 3_000
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0
    subset: int = 0
    data_root: str | None = None
    checkpoint_every: int = 1_000
    log_every: int = 10
    device: str = "auto"
    channels_last: bool | None = None
    resolution: int = 64
    eval_every: int = 0
    eval_n: int = 4_096

    @classmethod
    def from_profile(cls, profile: str | None = None, **overrides: Any) -> TrainConfig:
        """Defaults from ``get_profile(profile).train``, then ``overrides``."""
        from seamlib.config import get_profile

        sizes = get_profile(profile).train
        base: dict[str, Any] = {
            "steps": sizes.steps,
            "batch_size": sizes.batch_size,
            "lr": sizes.lr,
            "checkpoint_every": sizes.checkpoint_every,
            "log_every": sizes.log_every,
            "subset": sizes.subset,
        }
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls.from_dict(base)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Build from a dict (e.g. ``config.json``); unknown keys are an error."""
        if not isinstance(values, dict):
            raise ConfigError(f"Training options must be a mapping, got {values!r}.")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(repr(k) for k in set(values) - names)
        if unknown:
            raise ConfigError(
                f"Unknown training option(s) {', '.join(unknown)}; known options: "
                f"{', '.join(sorted(names))}."
            )
        vals = dict(values)
        for key in ("beta", "beta_end", "sigma2", "lr"):
            # YAML 1.1 reads 1e-3 (no dot) as a string
            if isinstance(vals.get(key), str):
                try:
                    vals[key] = float(vals[key])
                except ValueError as exc:
                    raise ConfigError(f"{key} must be a number, got {vals[key]!r}.") from exc
        if "hidden" in vals and vals["hidden"] is not None:
            vals["hidden"] = _parse_hidden(vals["hidden"])
        return cls(**vals)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        out = dataclasses.asdict(self)
        out["hidden"] = list(self.hidden)
        return out

    def validate(self) -> None:
        """Check every field (type, range, finiteness); raise :class:`ConfigError` with a fix
        before any work is done."""
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if not isinstance(value, str) or value not in choices:
                raise ConfigError(
                    f"Unknown {name.replace('_', ' ')} {value!r}; expected one of "
                    f"{', '.join(choices)}."
                )
        if not is_int(self.latent_dim) or not 1 <= self.latent_dim <= _MAX_WIDTH:
            raise ConfigError(
                f"The latent dimension d must be an integer between 1 and {_MAX_WIDTH}, got "
                f"{self.latent_dim!r}."
            )
        for name, (low, high) in _INT_RANGES.items():
            value = getattr(self, name)
            if not is_int(value) or not low <= value <= high:
                raise ConfigError(
                    f"{name} must be an integer between {low} and {high}, got {value!r}."
                )
        for name in ("beta", "lr", "sigma2") + (("beta_end",) if self.beta_end is not None else ()):
            value = getattr(self, name)
            if not _is_real(value) or not (value > 0 and math.isfinite(value)):
                raise ConfigError(f"{name} must be a finite number > 0, got {value!r}.")
        if not _SIGMA2_RANGE[0] <= self.sigma2 <= _SIGMA2_RANGE[1]:
            raise ConfigError(
                f"sigma2 must lie between {_SIGMA2_RANGE[0]:g} and {_SIGMA2_RANGE[1]:g} (the "
                f"likelihood is computed in float32, where 1/sigma2 must be finite), got "
                f"{self.sigma2!r}."
            )
        if self.beta_schedule != "constant" and self.beta_end is None:
            raise ConfigError(
                f"The {self.beta_schedule!r} schedule needs beta_end > 0 (the final beta), "
                "got None; e.g. --beta 1 --beta-end 0.001."
            )
        if self.beta_schedule == "warmup" and self.warmup_steps < 1:
            raise ConfigError(f"warmup_steps must be >= 1, got {self.warmup_steps!r}.")
        hidden = self.hidden
        if not isinstance(hidden, tuple) or not all(
            is_int(h) and 1 <= h <= _MAX_WIDTH for h in hidden
        ):
            raise ConfigError(f"hidden must be a list of sizes >= 1 like [64, 64], got {hidden!r}.")
        if not hidden:
            raise ConfigError(
                "hidden must name at least one layer size, like [64, 64] (or --hidden 64,64), "
                "got none."
            )
        if self.data_root is not None and not isinstance(self.data_root, str):
            raise ConfigError(f"data_root must be a path (text), got {self.data_root!r}.")
        if self.channels_last not in (None, True, False) or is_int(self.channels_last):
            raise ConfigError(
                f"channels_last must be true, false or null, got {self.channels_last!r}."
            )
        if (
            not isinstance(self.activation, str)
            or self.activation not in ACTIVATIONS
            or (self.activation != "tanh" and self.architecture != "mlp")
        ):
            raise ConfigError(
                f"activation {self.activation!r} is not available for {self.architecture!r}: the "
                f"'mlp' architecture takes one of {', '.join(ACTIVATIONS)}; the others have fixed "
                "nonlinearities."
            )
        problem = mean_link_error(self.likelihood, self.mean)
        if problem is not None:
            raise ConfigError(problem)
        if not is_int(self.resolution) or self.resolution not in RESOLUTIONS:
            raise ConfigError(
                f"resolution must be one of {', '.join(map(str, RESOLUTIONS))} (pixels per side "
                f"of the dSprites images), got {self.resolution!r}."
            )
        if self.resolution != 64 and not self.dataset.startswith("dsprites"):
            raise ConfigError(
                f"resolution {self.resolution} is a dSprites variant; the {self.dataset!r} data "
                "set has one resolution: drop --resolution."
            )
        if not isinstance(self.device, str):
            raise ConfigError(f"device must be 'auto', 'cpu' or 'cuda', got {self.device!r}.")
        resolve_device(self.device)
        full = SIZE_HINTS.get(self.dataset) if self.dataset.startswith("dsprites") else None
        if full is not None and self.subset > full:
            raise ConfigError(
                f"subset={self.subset} is larger than the {self.dataset!r} data set ({full} "
                f"images); use --subset {full} or less (0 = all)."
            )
        n_hint = dataset_size_hint(self)
        if n_hint is not None:
            check_batch(self.batch_size, n_hint, self.dataset)

    def model_config(self, data_shape: tuple[int, ...]) -> ModelConfig:
        """The :class:`ModelConfig` of this run for data of shape ``data_shape``."""
        return ModelConfig(
            architecture=self.architecture,
            data_shape=tuple(int(s) for s in data_shape),
            latent_dim=int(self.latent_dim),
            posterior=self.posterior,
            likelihood=self.likelihood,
            sigma2=float(self.sigma2),
            hidden=tuple(self.hidden),
            activation=self.activation,
            mean=self.mean,
        )


def is_int(x: Any) -> bool:
    """Whether ``x`` is an integer (Python or NumPy), not a bool.

    Examples
    --------
    >>> from seamlib.engine.config import is_int
    >>> is_int(3), is_int(True), is_int(3.0)
    (True, False, False)
    """
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _is_real(x: Any) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(
        x, (bool, np.bool_)
    )


def _parse_hidden(value: Any) -> tuple[int, ...]:
    """``[64, 64]``, ``(64, 64)`` or ``"64,64"`` -> ``(64, 64)``; anything else is an error."""
    items: Any = value.split(",") if isinstance(value, str) else value
    try:
        if not isinstance(items, (list, tuple)) or any(isinstance(v, (bool, float)) for v in items):
            raise ValueError
        return tuple(int(v) for v in items if not isinstance(v, str) or v.strip())
    except (TypeError, ValueError):
        raise ConfigError(
            f'hidden must be a list of sizes like [64, 64] (or "64,64"), got {value!r}.'
        ) from None


_MAX_WIDTH = 1 << 16  # largest latent dimension / hidden size accepted
_SIGMA2_RANGE = (1e-30, 1e30)  # 1/sigma2 and sigma2 stay finite (and normal) in float32
INT_MAX = (1 << 63) - 1  # every count and the seed fit in int64
_INT_RANGES: dict[str, tuple[int, int]] = {
    "warmup_steps": (0, INT_MAX),
    "steps": (1, INT_MAX),
    "batch_size": (1, INT_MAX),
    "seed": (0, INT_MAX),
    "subset": (0, INT_MAX),
    "checkpoint_every": (1, INT_MAX),
    "log_every": (1, INT_MAX),
    "eval_every": (0, INT_MAX),
    "eval_n": (1, INT_MAX),
}


def check_batch(batch_size: int, n: int, dataset: str) -> None:
    """Refuse a minibatch larger than the ``n`` data points of ``dataset``.

    Examples
    --------
    >>> from seamlib.engine.config import check_batch
    >>> check_batch(64, 100, "lfw")
    >>> from seamlib.errors import ConfigError
    >>> try:
    ...     check_batch(128, 100, "lfw")
    ... except ConfigError as exc:
    ...     print(str(exc).split(";")[0])
    batch_size=128 is larger than the data (100 points of 'lfw')
    """
    if batch_size > n:
        raise ConfigError(
            f"batch_size={batch_size} is larger than the data ({n} points of {dataset!r}); "
            f"use --batch-size {n} or less, or a larger --subset."
        )


def resolve_device(device: str | None = "auto") -> torch.device:
    """``"auto"`` (or None) -> cuda when available, else cpu; otherwise a checked device.

    Examples
    --------
    >>> from seamlib.engine.config import resolve_device
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    from seamlib.config import default_device

    if device is None or device == "auto":
        return torch.device(default_device())
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"Unknown device {device!r}; use 'auto', 'cpu' or 'cuda'.") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"Device {device!r} requested but CUDA is not available; use 'auto'.")
    if dev.type == "meta":
        raise ConfigError(
            f"Device {device!r} holds no data (tensors there have shapes only); use 'auto', "
            "'cpu' or 'cuda'."
        )
    if dev.type != "cpu":
        try:  # any other accelerator: it must exist and take a tensor
            torch.empty(1, device=dev)
        except (RuntimeError, AssertionError, ValueError) as exc:
            reason = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else repr(exc)
            raise ConfigError(
                f"Device {device!r} cannot be used here ({reason}); use 'auto', 'cpu' or 'cuda'."
            ) from None
    return dev


_CHOICES: dict[str, tuple[str, ...]] = {
    "dataset": tuple(DATASETS),
    "architecture": tuple(ARCHITECTURES),
    "posterior": ("diag", "full"),  # diagonal or full posterior covariance
    "likelihood": ("bernoulli", "gaussian"),
    "mean": MEAN_LINKS,  # link from the decoder output to the Gaussian mean
    "beta_schedule": SCHEDULES,
}
