"""Training VAEs: the engine behind the CLI (:func:`train`, :class:`Trainer`).

The small in-memory loop the chapters use for low-dimensional data (a tensor of data, a
fixed number of Adam steps, an explicit seed) is :func:`seamlib.engine.fit.fit`. The engine
adds what long runs need, on the same :meth:`seamlib.engine.models.VAE.loss`:

* the device is picked automatically (CUDA when present, else CPU);
* Adam on the negative beta-ELBO, with a beta schedule
  (:func:`~seamlib.engine.config.beta_at`): ``constant``, ``warmup`` (linear from ``beta``
  to ``beta_end`` over ``warmup_steps``, then ``beta_end``) or ``exp`` (exponential decay
  from ``beta`` to ``beta_end`` over the run, as in the paper's Appendix F, 1 -> 0.001);
* the data live in memory on the training device, images as ``uint8``; a minibatch is one
  ``randint`` + ``index_select`` + cast, no per-item Python;
* a run directory holding ``config.json``, ``metrics.jsonl`` (one row every ``log_every``
  steps: means of loss, nll, kl, elbo over the interval, beta, wall time), ``state.json``
  (status) and ``checkpoint.pt`` (model, optimiser and RNG states), written every
  ``checkpoint_every`` steps, at the end, and on SIGINT/SIGTERM;
* ``resume`` continues exactly: N steps straight give the same parameters, bit for bit on
  the CPU, as k steps, a resume, and N - k steps;
* a non-finite loss stops training with a :class:`~seamlib.errors.TrainingError` naming the
  step; the last good checkpoint is kept (checkpoints are only written after every loss up
  to them was checked);
* every file is written atomically (temporary file in the same folder, then ``os.replace``);
  one process at a time owns a run directory, checkpoints are verified, and a damaged file
  is repaired or skipped with a warning (:mod:`seamlib.engine.rundir`);
* on resume, the options in :data:`~seamlib.engine.config.RESUME_CHANGES` may change
  (recorded in provenance.json).

Layout of a run directory::

    RUN_DIR/config.json      TrainConfig as JSON
    RUN_DIR/metrics.jsonl    {"step", "loss", "nll", "kl", "elbo", "beta", "time_s"} per line
    RUN_DIR/state.json       {"status": running|interrupted|failed|complete, "step", ...}
    RUN_DIR/checkpoint.pt    {"step", "model", "optimizer", "generator", ...}
    RUN_DIR/checkpoint.prev.pt  the checkpoint before it (SHA-256 of both in state.json)
    RUN_DIR/curve.jsonl      learning curve (evaluate_model rows), with eval_every > 0
    RUN_DIR/provenance.json  {"sessions": [provenance of each (re)start]}
    RUN_DIR/eval.json        written by :func:`seamlib.engine.evaluate.evaluate`
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import torch
from torch import Tensor

from seamlib.engine.config import (
    RESUME_CHANGES,
    TrainConfig,
    beta_at,
    check_batch,
    is_int,
    resolve_device,
)
from seamlib.engine.data import TrainingData, load_training_data
from seamlib.engine.evaluate import evaluate_model
from seamlib.engine.models import VAE, build_model
from seamlib.engine.rundir import (
    CHECKPOINT_FILE,
    CHECKPOINT_FILES,
    CONFIG_FILE,
    CURVE_FILE,
    METRICS_FILE,
    PROVENANCE_FILE,
    STATE_FILE,
    atomic_write_json,
    atomic_write_text,
    checkpoint_records,
    lock_run_dir,
    read_checkpoint,
    read_jsonl,
    read_state,
    record_session,
    remove_temporaries,
    set_aside,
    sha256_file,
    short_path,
    write_checkpoint,
)
from seamlib.engine.runs import check_checkpoint_config, first_line, read_config
from seamlib.errors import ConfigError, TrainingError

__all__ = [
    "CURVE_JACOBIAN_N",
    "TrainResult",
    "Trainer",
    "TrainingInterrupted",
    "check_fits",
    "train",
]

#: Images of each learning-curve evaluation at which the Eq. 6 terms (batch mean and per
#: point) are computed; MIG and AAS use the run's ``eval_n``.
CURVE_JACOBIAN_N = 64


# ======================================================================================
# The engine
# ======================================================================================
class TrainingInterrupted(TrainingError):
    """Training stopped on SIGINT/SIGTERM after writing a checkpoint; resume to continue.

    Examples
    --------
    >>> from seamlib.engine.train import TrainingInterrupted, train
    >>> try:  # doctest: +SKIP
    ...     train(config, "runs/demo")
    ... except TrainingInterrupted as exc:
    ...     train(None, exc.run_dir, resume=True)
    """

    def __init__(self, message: str, step: int, run_dir: Path) -> None:
        super().__init__(message)
        self.step = step
        self.run_dir = run_dir


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Examples
    --------
    >>> from seamlib.engine.config import TrainConfig
    >>> from seamlib.engine.train import train
    >>> cfg = TrainConfig(dataset="rings", architecture="mlp", latent_dim=2, likelihood="gaussian")
    >>> result = train(cfg, "runs/rings")  # doctest: +SKIP
    >>> result.status, result.step == result.steps  # doctest: +SKIP
    ('complete', True)
    """

    run_dir: Path
    step: int
    steps: int
    model: VAE
    metrics: list[dict[str, Any]]
    status: str


def _check_writable(run_dir: Path) -> None:
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        if not os.access(run_dir, os.W_OK | os.X_OK):
            raise PermissionError(13, "permission denied")
    except OSError as exc:
        raise ConfigError(
            f"The run directory {run_dir} is not writable ({exc.strerror or exc}); choose "
            "another --run-dir."
        ) from exc


def _use_channels_last(config: TrainConfig, device: torch.device) -> bool:
    """``config.channels_last``, or when None (auto): only where it was measured faster.

    benchmarks/bench_engine.py measured the Burgess conv step in channels_last format
    faster than contiguous NCHW on the CPU (ratio about 1.1-1.3); it is not used elsewhere.
    """
    if config.channels_last is not None:
        return bool(config.channels_last)
    return device.type == "cpu" and config.architecture == "burgess"


class Trainer:
    """One training run in ``run_dir``: model, optimiser, data, RNG and metrics.

    Use :func:`train`; the class is public so benchmarks can time :meth:`run` alone.

    Parameters
    ----------
    config
        The run's configuration (validated here).
    run_dir
        The run directory (created; must be writable).
    data
        Training data; default :func:`load_training_data` ``(config)``.
    progress
        Show a tqdm progress bar (on stderr).

    Examples
    --------
    >>> from seamlib.engine.config import TrainConfig
    >>> from seamlib.engine.train import Trainer
    >>> cfg = TrainConfig(dataset="rings", architecture="mlp", latent_dim=2, likelihood="gaussian")
    >>> trainer = Trainer(cfg, "runs/rings", progress=False)  # doctest: +SKIP
    """

    def __init__(
        self,
        config: TrainConfig,
        run_dir: str | os.PathLike[str],
        *,
        data: TrainingData | None = None,
        progress: bool = True,
    ) -> None:
        config.validate()
        self.config = config
        self.run_dir = Path(run_dir)
        _check_writable(self.run_dir)
        self.device = resolve_device(config.device)
        try:
            self.data = data if data is not None else load_training_data(config)
            check_batch(config.batch_size, self.data.n, config.dataset)
            self.x = self.data.x.to(self.device)
        except (MemoryError, RuntimeError) as exc:  # RuntimeError: torch's allocators
            if not isinstance(exc, MemoryError) and "memory" not in str(exc).lower():
                raise
            reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else "no memory"
            raise ConfigError(
                f"The training data ({config.dataset!r}, subset={config.subset}) do not fit in "
                f"the memory of {self.device} ({reason}); lower --subset."
            ) from None
        self.scale = float(self.data.scale)
        self.channels_last = _use_channels_last(config, self.device) and self.x.ndim == 4
        check_fits(config, self.data.data_shape, self.device)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            model = build_model(config.model_config(self.data.data_shape))
        self.model = model.to(self.device)
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.generator = torch.Generator(device=self.device).manual_seed(config.seed)
        self.step = 0
        self.checkpoint_step = 0
        self.checkpoints: list[dict[str, Any]] = []  # checksum records, newest first
        self.status = "new"
        self.metrics: list[dict[str, Any]] = []
        self.curve: list[dict[str, Any]] = []  # evaluate_model rows every eval_every steps
        self.progress = progress
        self._pending: list[Tensor] = []  # (loss, nll, kl, elbo) of unchecked steps
        self._buf_start = 0
        self._stop_signal: int | None = None
        self._previous_handlers: dict[int, Any] = {}
        self._elapsed = 0.0
        self._t0 = time.perf_counter()
        self._session_start = 0  # the step this session started from

    # --- state --------------------------------------------------------------------------
    def beta(self, step: int) -> float:
        """KL weight at 0-based step ``step`` under the run's schedule."""
        c = self.config
        return beta_at(
            step,
            schedule=c.beta_schedule,
            beta=c.beta,
            beta_end=c.beta_end,
            steps=c.steps,
            warmup_steps=c.warmup_steps,
        )

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: model, optimiser, RNG states, step."""
        state: dict[str, Any] = {
            "step": self.step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "elapsed_s": self._elapsed_now(),
            "config": self.config.to_dict(),
            "data_shape": list(self.data.data_shape),
        }
        if self.device.type == "cuda":
            state["cuda_rng"] = torch.cuda.get_rng_state(self.device)
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict`.

        Raises
        ------
        ConfigError
            The saved model, optimiser or RNG states do not fit this run's model.
        """
        try:
            self.model.load_state_dict(state["model"])
            self.optimizer.load_state_dict(state["optimizer"])
            self.generator.set_state(state["generator"])
        except (RuntimeError, ValueError, TypeError, KeyError) as exc:
            reason = first_line(exc)
            raise ConfigError(
                f"The checkpoint of {short_path(self.run_dir)} does not fit the model that "
                f"{CONFIG_FILE} describes ({reason}); restore {CONFIG_FILE} as it was when the "
                "run started, or start a new run (new --run-dir)."
            ) from None
        self.step = int(state["step"])
        self.checkpoint_step = self.step
        self._elapsed = float(state.get("elapsed_s", 0.0))
        self._t0 = time.perf_counter()

    def _elapsed_now(self) -> float:
        return self._elapsed + (time.perf_counter() - self._t0)

    # --- files --------------------------------------------------------------------------
    def write_config(self) -> None:
        """Write ``config.json``."""
        atomic_write_json(self.run_dir / CONFIG_FILE, self.config.to_dict())

    def write_state(self, status: str, **extra: Any) -> None:
        """Write ``state.json`` (status, step, steps, time, checkpoint checksums)."""
        self.status = status
        atomic_write_json(
            self.run_dir / STATE_FILE,
            {
                "status": status,
                "step": self.step,
                "checkpoint_step": self.checkpoint_step,
                "steps": self.config.steps,
                "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                **extra,
                "checkpoints": self.checkpoints,
            },
        )

    def save_checkpoint(self) -> None:
        """Write ``metrics.jsonl``, ``curve.jsonl`` and a verified ``checkpoint.pt`` (the
        previous one kept as ``checkpoint.prev.pt``, both checksums in ``state.json``).

        Only called after every loss up to ``self.step`` was checked to be finite.
        """
        bad = [n for n, p in self.model.named_parameters() if not bool(torch.isfinite(p).all())]
        if bad:
            self._fail(self.step, f"Non-finite parameters ({', '.join(bad[:3])})", update=True)
        status = self.status

        def commit(records: list[dict[str, Any]]) -> None:
            self.checkpoints = records
            self.write_state(status)

        try:
            lines = "".join(json.dumps(row) + "\n" for row in self.metrics)
            atomic_write_text(self.run_dir / METRICS_FILE, lines)
            if self.config.eval_every:
                rows = "".join(json.dumps(row) + "\n" for row in self.curve)
                atomic_write_text(self.run_dir / CURVE_FILE, rows)
            self.checkpoints = write_checkpoint(
                self.run_dir, self.state_dict(), self.checkpoints, commit
            )
        except (OSError, RuntimeError) as exc:  # a full disk, a folder gone, ...
            reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0][:200]
            kept = (
                f"the checkpoint of step {self.checkpoint_step} is kept"
                if self.checkpoint_step
                else "no checkpoint had been written yet"
            )
            message = (
                f"Could not write the checkpoint of step {self.step} in {short_path(self.run_dir)} "
                f"({reason}); {kept}. Free disk space (or repair the folder), then continue "
                f"with: python -m seamlib train --resume {self.run_dir}"
            )
            self.record_failure(message)
            raise TrainingError(message) from None
        self.checkpoint_step = self.step

    def load_checkpoint(
        self,
        checkpoint: tuple[dict[str, Any] | None, str | None] = (None, None),
        records: list[dict[str, Any]] | None = None,
    ) -> bool:
        """Restore the newest good checkpoint and the metrics up to it; False when there is
        none. ``checkpoint``, ``records``: what :func:`seamlib.engine.rundir.read_checkpoint`
        returned and was given, if read already. A bad ``checkpoint.pt`` is set aside
        (``checkpoint.corrupt.pt``)."""
        state, name = checkpoint
        if records is None:
            records = checkpoint_records(self.run_dir)
        if state is None:
            state, name = read_checkpoint(self.run_dir, records)
        if state is None or name is None:
            return False
        if name != CHECKPOINT_FILE:
            set_aside(self.run_dir, CHECKPOINT_FILE)
        self.load_state_dict(state)  # RNG states stay on the CPU
        # an old run directory (or a rebuilt state.json) has no checksums yet: record the
        # checkpoint just verified by loading it
        self.checkpoints = records or [
            {"step": self.step, "sha256": sha256_file(self.run_dir / name)}
        ]
        self._session_start = self.step
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.lr  # a learning rate changed on resume
        self.metrics = [
            r for r in read_jsonl(self.run_dir / METRICS_FILE) if r["step"] <= self.step
        ]
        self.curve = [r for r in read_jsonl(self.run_dir / CURVE_FILE) if r["step"] <= self.step]
        return True

    # --- the loop -----------------------------------------------------------------------
    def _batch(self) -> Tensor:
        idx = torch.randint(
            self.x.shape[0], (self.config.batch_size,), generator=self.generator, device=self.device
        )
        x = self.x.index_select(0, idx).to(torch.float32)
        if self.scale != 1.0:
            x = x.mul_(self.scale)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def _flush(self) -> None:
        """Check the buffered losses, append a metrics row; raise on a non-finite loss."""
        if not self._pending:
            return
        vals = torch.stack(self._pending).view(-1, 4).cpu().numpy()  # one sync per row
        finite = np.isfinite(vals).all(axis=1)
        if not finite.all():
            self._fail(self._buf_start + int(np.argmin(finite)) + 1, "Non-finite loss")
        mean = vals.mean(axis=0)
        self.metrics.append(
            {
                "step": self.step,
                "loss": float(mean[0]),
                "nll": float(mean[1]),
                "kl": float(mean[2]),
                "elbo": float(mean[3]),
                "beta": self.beta(self.step - 1),
                "time_s": round(self._elapsed_now(), 3),
            }
        )
        self._buf_start = self.step
        self._pending = []

    def _has_checkpoint(self) -> bool:
        return any((self.run_dir / name).is_file() for name in CHECKPOINT_FILES)

    def record_failure(self, reason: str, step: int | None = None) -> None:
        """Write ``state.json`` as failed, with the reason and the step (best effort: a full
        disk may refuse even that)."""
        try:
            self.write_state("failed", failed_step=self.step if step is None else step,
                             reason=reason)  # fmt: skip
        except OSError:
            pass

    def _advice(self, bad_step: int, update: bool) -> str:
        """What to do after a non-finite loss at ``bad_step`` (or a failed update there)."""
        c = self.config
        has_checkpoint = self.checkpoint_step > 0 and self._has_checkpoint()
        start = self.checkpoint_step if has_checkpoint else 0
        lower = min(c.lr / 10, 1e-3)
        resume = f"python -m seamlib train --resume {self.run_dir} --lr {lower:g}"
        if update or bad_step > start + 1:
            # the updates after the checkpoint went wrong: a smaller step size changes them
            return (
                f"Lower the learning rate (lr={c.lr:g}) or check the data, e.g. continue "
                f"with: {resume}"
            )
        if start > 0:  # the checkpoint's own parameters give the non-finite loss
            return (
                f"The parameters of the checkpoint of step {start} already give it, so no "
                f"change allowed on resume can help: the run must start over (new --run-dir) "
                f"with a lower --lr than {c.lr:g}, e.g. --lr {lower:g}"
            )
        options = [f"--beta (now {c.beta:g})"]
        if c.likelihood == "gaussian":
            options.insert(0, f"--sigma2 (now {c.sigma2:g})")
        return (
            "The loss is non-finite at the initial parameters, before any update, so no "
            "change allowed on resume can help: the run must start over (new --run-dir) with "
            f"another {' or '.join(options)}, or with other data"
        )

    def _fail(self, bad_step: int, what: str, update: bool = False) -> None:
        """Mark the run failed and raise a :class:`TrainingError` saying what to run next.

        ``update``: the failure is in a parameter update (a lower ``lr`` changes it), not in
        a loss computed from parameters that are already there.
        """
        kept = (
            f"the last good checkpoint (step {self.checkpoint_step}) is kept in {self.run_dir}"
            if self._has_checkpoint()
            else f"no checkpoint had been written yet in {self.run_dir}"
        )
        message = (
            f"{what} at training step {bad_step} (of {self.config.steps}); {kept}. "
            f"{self._advice(bad_step, update)}"
        )
        self.record_failure(message, bad_step)
        raise TrainingError(message)

    def run(self, until: int, bar: Any = None) -> None:
        """Train from ``self.step`` up to step ``until`` (checkpoints, logging, signals)."""
        c = self.config
        model, opt, pending = self.model, self.optimizer, self._pending
        model.train()
        self._buf_start = self.step
        pending.clear()
        n_pending = 0
        while self.step < until:
            if self._stop_signal is not None:
                self._stop(bar)
            beta = self.beta(self.step)
            loss, parts = model.loss(self._batch(), beta=beta, generator=self.generator)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            try:
                opt.step()
            except RuntimeError as exc:  # e.g. a step too large for float32 (huge lr)
                self._fail(self.step + 1, f"The optimiser step failed ({exc})", update=True)
            # keep references only (no device op, no sync); checked in _flush
            pending += (loss.detach(), parts["nll"], parts["kl"], parts["elbo"])
            n_pending += 1
            self.step += 1
            if self.step % c.log_every == 0 or self.step % c.checkpoint_every == 0:
                self._flush()
                pending = self._pending
                n_pending = 0
                if bar is not None:
                    bar.update(self.step - bar.n)
                    row = self.metrics[-1]
                    bar.set_postfix(
                        loss=f"{row['loss']:.4g}", beta=f"{row['beta']:.3g}", refresh=False
                    )
                if c.eval_every and self.step % c.eval_every == 0:
                    self.evaluate_now()
                if self.step % c.checkpoint_every == 0:
                    self.save_checkpoint()
                    self.write_state("running")
        self._flush()
        if bar is not None:
            bar.update(self.step - bar.n)
        model.eval()

    def evaluate_now(self) -> dict[str, Any]:
        """Append :func:`evaluate_model` scores at the current step to the learning curve.

        Uses ``eval_n`` data points and 64 posterior means for the Eq. 6 terms, with a fixed
        seed (the same points at every step); the training RNG is not touched.
        """
        c = self.config
        t0 = time.perf_counter()
        row = evaluate_model(self.model, self.data, n=c.eval_n, n_jacobian=CURVE_JACOBIAN_N, seed=0)
        for key in ("jtj", "hessian_term", "mutual_info"):
            row.pop(key, None)
        row = {
            "step": self.step,
            "images": self.step * c.batch_size,
            "time_s": round(self._elapsed_now(), 3),
            **row,
            "eval_s": round(time.perf_counter() - t0, 3),
        }
        self.curve.append(row)
        return row

    def _stop(self, bar: Any) -> None:
        """Checkpoint at a step boundary after a signal, then stop or defer to the host.

        SIGINT, or a signal whose previous handler was the default (or ignored): raise
        :class:`TrainingInterrupted`. A signal a host process installed its own Python
        handler for (submitit's SIGUSR2 requeue, its SIGTERM bypass): call that handler
        after the checkpoint (it may requeue and exit); if it returns, training goes on.
        """
        signum = self._stop_signal or signal.SIGINT
        self._stop_signal = None
        self._flush()
        self.save_checkpoint()
        name = signal.Signals(signum).name
        self.write_state("interrupted", signal=name)
        previous = self._previous_handlers.get(signum)
        host_handler = callable(previous) and previous is not signal.default_int_handler
        if signum != signal.SIGINT and host_handler:
            assert callable(previous)
            previous(signum, None)
            self.write_state("running")
            return
        if bar is not None:
            bar.close()
        raise TrainingInterrupted(
            f"Training stopped by {name} at step {self.step} of {self.config.steps}; a "
            f"checkpoint was written. Continue with: python -m seamlib train --resume "
            f"{self.run_dir}",
            step=self.step,
            run_dir=self.run_dir,
        )

    @contextmanager
    def catch_signals(self) -> Iterator[None]:
        """Handle SIGINT/SIGTERM (and SIGUSR2 when a host such as submitit handles it).

        The handler only sets a flag; at the next step boundary the trainer writes a
        checkpoint and then stops (see ``Trainer._stop``). Main thread only; elsewhere a no-op.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum: int, frame: FrameType | None) -> None:
            self._stop_signal = signum

        signals = [signal.SIGINT, signal.SIGTERM]
        usr2 = getattr(signal, "SIGUSR2", None)
        if usr2 is not None and callable(signal.getsignal(usr2)):
            signals.append(usr2)
        self._previous_handlers = {s: signal.signal(s, handler) for s in signals}
        try:
            yield
        finally:
            for s, h in self._previous_handlers.items():
                signal.signal(s, h)
            self._previous_handlers = {}


def check_fits(config: TrainConfig, data_shape: tuple[int, ...], device: torch.device) -> None:
    """Refuse a model too large for the memory of ``device``, before allocating it.

    The parameters are counted on the ``meta`` device (no memory); the estimate is 16 bytes
    per parameter (float32 weights, gradients and Adam's two moments) plus, per data point of
    a batch, four float32 copies of the data point and of a ``d x d`` matrix (the loss
    forms the posterior's covariance factor, a ``d x d`` matrix per point, for both
    posteriors).

    Parameters
    ----------
    config
        The run's configuration.
    data_shape
        Shape of one data point, e.g. ``(1, 64, 64)``.
    device
        Where the run trains; devices whose free memory is unknown are not checked.

    Raises
    ------
    ConfigError
        The estimate exceeds the free memory; the message names the options to lower.

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine.config import TrainConfig
    >>> from seamlib.engine.train import check_fits
    >>> check_fits(TrainConfig(dataset="rings", architecture="mlp"), (2,), torch.device("cpu"))
    """
    free = _free_memory(device)
    if free is None:
        return
    with torch.random.fork_rng(devices=[]), torch.device("meta"):
        model = build_model(config.model_config(data_shape))
    n_params = sum(p.numel() for p in model.parameters())
    d = int(config.latent_dim)
    per_point = 4 * 4 * (int(np.prod(data_shape)) + d * d)
    need = 16 * n_params + int(config.batch_size) * per_point
    if need > free:
        gib = 1 << 30
        raise ConfigError(
            f"The model of this run needs about {need / gib:.3g} GiB ({n_params:,} parameters, "
            f"batch {config.batch_size}), more than the {free / gib:.3g} GiB free on {device}; "
            "lower -d (latent_dim), --hidden or --batch-size, or use --posterior diag."
        )


def _free_memory(device: torch.device) -> int | None:
    """Bytes free for a new model on ``device`` (None where unknown)."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type != "cpu":
        return None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def train(
    config: TrainConfig | None,
    run_dir: str | os.PathLike[str],
    *,
    resume: bool = False,
    data: TrainingData | None = None,
    progress: bool = True,
    stop_after: int | None = None,
    steps: int | None = None,
    changes: dict[str, Any] | None = None,
    restart: bool = False,
) -> TrainResult:
    """Train a VAE in ``run_dir``, or continue the run there with ``resume=True``.

    Parameters
    ----------
    config
        The run's configuration; with ``resume=True`` it may be None (read from
        ``config.json``), otherwise it must equal the stored one.
    run_dir
        Run directory. A fresh run refuses a folder that already holds a run.
    resume
        Continue from ``checkpoint.pt`` (from step 0 when the run has no checkpoint yet and
        ``state.json`` records none). With ``config`` given, it may differ from the stored one
        only in :data:`RESUME_CHANGES` (applied like ``changes``).
    data
        Training data; default: loaded from ``config.dataset``.
    progress
        tqdm progress bar on stderr.
    stop_after
        Stop (with a checkpoint) once this many steps in total are done, e.g. to train in
        pieces; the run stays resumable.
    steps
        With ``resume``: a new total number of steps, at least the steps done (extends a
        finished run; changes the schedule of ``exp``). Same as ``changes={"steps": steps}``.
    changes
        With ``resume``: new values of options in :data:`RESUME_CHANGES` (e.g.
        ``{"lr": 1e-4}`` after a non-finite loss); recorded in ``provenance.json``.
    restart
        With ``resume``: start the run over from step 0 with its stored configuration (and
        ``changes``), ignoring its checkpoints; the old checkpoints and metrics are kept
        aside with the suffix ``.before-restart``.

    Raises
    ------
    ConfigError
        Invalid configuration, before any work; a stored configuration that differs from
        ``config`` (or from the checkpoint's) in options that cannot change; checkpoints
        recorded in ``state.json`` of which none can be read.
    TrainingError
        A non-finite loss (the message names the step and what to change), or a failure
        while training (``state.json`` then says ``failed``, with the reason and the step).
    TrainingInterrupted
        SIGINT/SIGTERM; a checkpoint was written first.

    Examples
    --------
    >>> from seamlib.engine.config import TrainConfig
    >>> from seamlib.engine.train import train
    >>> cfg = TrainConfig.from_profile(dataset="dsprites", subset=2048, beta=4.0)
    >>> result = train(cfg, "runs/dsprites-beta4")  # doctest: +SKIP
    """
    run_dir = Path(run_dir)
    changes = dict(changes or {})
    if steps is not None:
        changes["steps"] = steps
    if stop_after is not None and (not is_int(stop_after) or stop_after < 1):
        raise ConfigError(
            f"stop_after must be an integer >= 1 (steps in total), got {stop_after!r}."
        )
    if restart and not resume:
        raise ConfigError("restart=True starts a stored run over; use it with resume=True.")
    if resume:
        read_config(run_dir)  # a folder without a run: say so before anything else
    else:
        if config is None:
            raise ConfigError("train() needs a TrainConfig unless resume=True.")
        if changes:
            raise ConfigError("steps= and changes= are for resume=True; put them in the config.")
        config.validate()
        changed: dict[str, Any] = {}
    with lock_run_dir(run_dir, command="seamlib train", create=not resume):
        remove_temporaries(run_dir)  # left by a writer killed mid-write
        if resume:  # read under the lock: the run directory is ours now
            stored = read_config(run_dir)
            if config is not None:
                wanted, have = config.to_dict(), stored.to_dict()
                differ = [k for k in have if wanted.get(k) != have.get(k)]
                fixed = [k for k in differ if k not in RESUME_CHANGES]
                if fixed:
                    raise ConfigError(
                        f"The configuration differs from the one stored in "
                        f"{short_path(run_dir / CONFIG_FILE)} in {', '.join(fixed)}, which cannot "
                        f"change on resume (only {', '.join(RESUME_CHANGES)} can); start a new "
                        "run (new --run-dir) to change them."
                    )
                changes = {**{k: getattr(config, k) for k in differ}, **changes}
            config, changed = _apply_changes(stored, changes)
        elif (run_dir / CONFIG_FILE).exists() or (run_dir / CHECKPOINT_FILE).exists():
            raise ConfigError(
                f"{run_dir} already holds a run; continue it with `seamlib train --resume "
                f"{run_dir}` or choose a new --run-dir."
            )
        assert config is not None
        previous_step = (read_state(run_dir) or {}).get("step", 0) if restart else 0
        if restart:
            _set_aside_for_restart(run_dir)
        records = checkpoint_records(run_dir) if resume and not restart else []
        checkpoint = read_checkpoint(run_dir, records) if resume and not restart else (None, None)
        if checkpoint[0] is not None and checkpoint[1] is not None:
            check_checkpoint_config(run_dir, config, checkpoint[0], checkpoint[1])
        done = int(checkpoint[0]["step"]) if checkpoint[0] is not None else 0
        if config.steps < done:
            raise ConfigError(
                f"{run_dir} has done {done} steps already; --steps {config.steps} would end "
                f"before that: pass --steps {done} or more (or leave --steps out)."
            )
        trainer = Trainer(config, run_dir, data=data, progress=progress)
        if resume and not restart:
            trainer.load_checkpoint(checkpoint, records)
        if restart:
            changed["restart"] = {"from": previous_step, "to": 0}
        return _train_locked(trainer, stop_after, changed)


def _set_aside_for_restart(run_dir: Path) -> None:
    """Rename the checkpoints, metrics and learning curve of a run that starts over."""
    for name in (*CHECKPOINT_FILES, METRICS_FILE, CURVE_FILE):
        path = run_dir / name
        if path.is_file():
            os.replace(path, path.with_name(path.name + ".before-restart"))
    state = read_state(run_dir)
    if state:
        state.pop("checkpoints", None)
        atomic_write_json(run_dir / STATE_FILE, {**state, "checkpoint_step": 0})


def _apply_changes(stored: TrainConfig, changes: dict[str, Any]) -> tuple[TrainConfig, dict]:
    """``stored`` with the resume-safe ``changes`` applied (validated) and what changed."""
    unsafe = sorted(set(changes) - set(RESUME_CHANGES))
    if unsafe:
        raise ConfigError(
            f"{', '.join(unsafe)} cannot change when a run is resumed (the model, data or random "
            f"streams would differ); only {', '.join(RESUME_CHANGES)} can. Start a new run "
            "(new --run-dir) to change the others."
        )
    config = dataclasses.replace(stored, **changes)
    config.validate()
    changed = {
        k: {"from": getattr(stored, k), "to": getattr(config, k)}
        for k in changes
        if getattr(stored, k) != getattr(config, k)
    }
    return config, changed


def _train_locked(trainer: Trainer, stop_after: int | None, changed: dict) -> TrainResult:
    """The part of :func:`train` after the run directory is locked and the state loaded."""
    config, run_dir = trainer.config, trainer.run_dir
    trainer.write_config()
    record_session(
        trainer.run_dir / PROVENANCE_FILE,
        seeds=[config.seed],
        device=str(trainer.device),
        start_step=trainer.step,
        torch_threads=torch.get_num_threads(),
        **({"changed": changed} if changed else {}),
    )
    until = config.steps if stop_after is None else min(config.steps, int(stop_after))
    status = "complete" if until >= config.steps else "stopped"
    if trainer.step >= until:
        status = "complete" if trainer.step >= config.steps else "stopped"
        trainer.write_state(status)
        return TrainResult(
            run_dir, trainer.step, config.steps, trainer.model, trainer.metrics, status
        )
    from tqdm.auto import tqdm

    bar = tqdm(
        total=config.steps,
        initial=trainer.step,
        desc=f"train {run_dir.name}",
        disable=not trainer.progress,
        dynamic_ncols=True,
        leave=True,
    )
    with trainer.catch_signals():
        # "running" (with the pid to signal) is written once the signal handlers are in place
        trainer.write_state("running", pid=os.getpid())
        try:
            trainer.run(until, bar)
            if trainer.checkpoint_step != trainer.step:  # else keep the previous generation
                trainer.save_checkpoint()
        except TrainingInterrupted:
            raise
        except TrainingError:
            if trainer.status != "failed":
                trainer.record_failure("training stopped with an error")
            raise
        except (RuntimeError, MemoryError) as exc:  # e.g. out of memory on the device
            reason = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else repr(exc)
            kept = (
                f"the last good checkpoint (step {trainer.checkpoint_step}) is kept"
                if trainer.checkpoint_step and trainer._has_checkpoint()
                else "no checkpoint had been written yet"
            )
            message = (
                f"Training failed at step {trainer.step} of {config.steps} ({reason}); {kept}. "
                "Lower --batch-size, -d or --hidden, or free memory on the device, then start "
                "a new run (or continue this one with: python -m seamlib train --resume "
                f"{run_dir})."
            )
            trainer.record_failure(message)
            raise TrainingError(message) from None
        except BaseException as exc:
            # a host's signal handler may requeue (raise, exit) after the interrupt's checkpoint
            if trainer.status not in ("interrupted", "failed"):
                trainer.record_failure(f"{type(exc).__name__}: {exc}"[:300])
            raise
        finally:
            bar.close()
        trainer.write_state(status)
    return TrainResult(run_dir, trainer.step, config.steps, trainer.model, trainer.metrics, status)
