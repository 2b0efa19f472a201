"""Reading a stored run: its configuration, checked, and its trained model.

:func:`read_config` reads and validates ``config.json``; :func:`load_run` rebuilds the model
from the newest verified checkpoint. Used by training (to resume), evaluation and the sweep;
the run directory's files and their names are in :mod:`seamlib.engine.rundir`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import torch

from seamlib.engine.config import RESUME_CHANGES, TrainConfig, resolve_device
from seamlib.engine.models import VAE, build_model
from seamlib.engine.rundir import (
    CHECKPOINT_FILE,
    CONFIG_FILE,
    checkpoint_records,
    read_checkpoint,
    read_state,
    read_text,
    sha256_file,
    short_path,
)
from seamlib.errors import ConfigError

__all__ = ["check_checkpoint_config", "first_line", "load_run", "read_config"]


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (at most 200 characters), for one-line errors.

    Examples
    --------
    >>> from seamlib.engine.runs import first_line
    >>> first_line(RuntimeError("size mismatch\\n  a long trace"))
    'size mismatch'
    """
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else repr(exc)


def read_config(run_dir: Path) -> TrainConfig:
    """The validated :class:`~seamlib.engine.config.TrainConfig` in ``run_dir/config.json``.

    Raises
    ------
    ConfigError
        ``run_dir`` holds no ``config.json``, or one that is not valid JSON or not a valid
        configuration (every field but the device is checked); the message says what to do.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from seamlib.engine.config import TrainConfig
    >>> from seamlib.engine.rundir import CONFIG_FILE, atomic_write_json
    >>> from seamlib.engine.runs import read_config
    >>> cfg = TrainConfig(dataset="rings", architecture="mlp", latent_dim=2)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     atomic_write_json(Path(tmp, CONFIG_FILE), cfg.to_dict())
    ...     read_config(Path(tmp)) == cfg
    True
    """
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise ConfigError(
            f"{run_dir} is not a run directory (no {CONFIG_FILE}); pass the folder a "
            "`seamlib train --run-dir` created."
        )
    fix = "restore it from a copy, or start a new run (new --run-dir)"
    try:
        values = json.loads(read_text(path, fix))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{short_path(path)} is not valid JSON ({exc}); {fix}.") from None
    try:
        config = TrainConfig.from_dict(values)
        # every field but the device (a run may be evaluated elsewhere) is checked here
        dataclasses.replace(config, device="cpu").validate()
    except (ConfigError, TypeError) as exc:
        raise ConfigError(
            f"{short_path(path)} holds an invalid configuration: {exc} ({fix})."
        ) from None
    return config


def check_checkpoint_config(
    run_dir: Path,
    config: TrainConfig,
    state: dict[str, Any],
    name: str,
    ignore: tuple[str, ...] = RESUME_CHANGES,
) -> None:
    """Refuse a ``config.json`` that differs from the configuration saved in the checkpoint
    (except in the options ``ignore``, which may change on resume).

    ``state`` is the checkpoint (its ``config``, when it holds one, is compared with
    ``config``), ``name`` its file name, for the message.

    Examples
    --------
    >>> from pathlib import Path
    >>> from seamlib.engine.config import TrainConfig
    >>> from seamlib.engine.runs import check_checkpoint_config
    >>> cfg = TrainConfig(dataset="rings", architecture="mlp", latent_dim=2)
    >>> saved = {"step": 10, "config": {**cfg.to_dict(), "lr": 1e-4}}  # lr may change
    >>> check_checkpoint_config(Path("runs/r"), cfg, saved, "checkpoint.pt")
    """
    saved = state.get("config")
    if not isinstance(saved, dict):  # checkpoints of old versions hold no configuration
        return
    try:
        saved = TrainConfig.from_dict(saved).to_dict()
    except (ConfigError, TypeError):
        return
    current = config.to_dict()
    keys = [k for k in current if k not in ignore and saved.get(k) != current.get(k)]
    if keys:
        diffs = "; ".join(f"{k}: {saved.get(k)!r} there, {current.get(k)!r} here" for k in keys)
        raise ConfigError(
            f"{CONFIG_FILE} of {short_path(run_dir)} differs from the configuration saved in its "
            f"checkpoint ({name}, step {state.get('step')}) in {', '.join(keys)} ({diffs}); "
            f"set {'it' if len(keys) == 1 else 'them'} back in {CONFIG_FILE}, or start a new "
            "run (new --run-dir) to change the model, data or seed."
        )


def load_run(
    run_dir: str | os.PathLike[str], device: str | None = "auto"
) -> tuple[TrainConfig, VAE, dict[str, Any]]:
    """Load a run's configuration, trained model (in eval mode) and ``state.json``.

    Raises
    ------
    ConfigError
        ``run_dir`` is not a run directory or has no checkpoint yet.

    Examples
    --------
    >>> from seamlib.engine.runs import load_run
    >>> config, model, state = load_run("runs/dsprites-beta4", device="cpu")  # doctest: +SKIP
    """
    run_dir = Path(run_dir)
    config = read_config(run_dir)
    dev = resolve_device(device)
    state, name = read_checkpoint(run_dir, checkpoint_records(run_dir))
    if state is None or name is None:
        raise ConfigError(f"{run_dir} has no {CHECKPOINT_FILE} yet; train (or resume) it first.")
    check_checkpoint_config(
        run_dir, config, state, name, ignore=(*RESUME_CHANGES, "device", "channels_last")
    )
    try:
        shape = tuple(int(v) for v in state["data_shape"])
        with torch.random.fork_rng(devices=[]):
            model = build_model(config.model_config(shape))
        model.load_state_dict(state["model"])
    except (RuntimeError, ValueError, TypeError) as exc:
        reason = first_line(exc)
        raise ConfigError(
            f"The checkpoint {name} of {short_path(run_dir)} does not fit the model that "
            f"{CONFIG_FILE} describes ({reason}); restore {CONFIG_FILE} as it was when the "
            "run was trained."
        ) from None
    model.to(dev).eval()
    info = read_state(run_dir)
    step = int(state["step"])
    if info is None:  # corrupt: rebuilt from the checkpoint (evaluate writes it back)
        info = {
            "status": "complete" if step >= config.steps else "stopped",
            "checkpoint_step": step,
            "steps": config.steps,
            "checkpoints": [{"step": step, "sha256": sha256_file(run_dir / name)}],
            "rebuilt": True,
        }
    info["step"] = step
    info["checkpoint_file"] = name
    return config, model, info
