"""Grids of training runs: expand a grid file, launch the runs, collect their results.

A grid file (JSON, or YAML when PyYAML is installed) holds the options shared by every run
(``base``, any :class:`~seamlib.engine.config.TrainConfig` field) and the values to sweep (``grid``:
the runs are the cartesian product)::

    {
      "root": "runs/dsprites-beta",
      "base": {"dataset": "dsprites", "subset": 2048, "steps": 3000, "latent_dim": 10},
      "grid": {"posterior": ["diag", "full"], "beta": [0.1, 1.0, 4.0], "seed": [0, 1]}
    }

Each run gets its own run directory ``root/<name>`` with ``name`` built from the swept values
(``posterior-diag_beta-0.1_seed-0``). Launchers:

Before anything trains, every run directory the grid already holds is compared with the
grid (:func:`check_stored_runs`): a run whose stored options differ only in those a resume may
change (more ``steps``, another ``lr``, ...) is resumed with the grid's values; any other
difference refuses the sweep, naming the runs and the options, so old results are never
reported under a grid they do not match.

``local``
    One run after the other in this process (a run that already has a checkpoint is resumed,
    a finished one is skipped, a failed one is recorded and the sweep goes on; Ctrl-C stops
    the sweep after checkpointing the current run: run the same command again to resume).
    With ``skip_busy=True`` a run that another process is training is skipped instead of
    stopping the sweep, so the same sweep started on N cores trains N runs at once.
``submitit``
    One job per run through ``submitit`` (Slurm on a cluster; ``cluster="local"`` runs
    the jobs as local processes, which is what the tests use). Jobs are
    :class:`submitit.helpers.Checkpointable`: a preempted or timed-out job is requeued and
    resumes from its last checkpoint.

:func:`results` collects run directories (config, status, last metrics and ``eval.json``)
into one table; :func:`write_results` stores it with provenance.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seamlib.engine.config import RESUME_CHANGES, TrainConfig
from seamlib.engine.rundir import (
    CHECKPOINT_FILE,
    CONFIG_FILE,
    EVAL_FILE,
    METRICS_FILE,
    STATE_FILE,
    RunDirLocked,
    atomic_write_json,
    atomic_write_text,
    lock_run_dir,
    read_jsonl,
    read_state,
    read_text,
    short_path,
)
from seamlib.engine.runs import read_config
from seamlib.engine.train import TrainingInterrupted, train
from seamlib.errors import ConfigError, TrainingError

__all__ = [
    "GridRun",
    "load_grid",
    "expand_grid",
    "check_stored_runs",
    "launch",
    "TrainJob",
    "results",
    "format_table",
    "write_results",
    "stored_run_names",
    "LAUNCHERS",
    "COLUMNS",
    "DEFAULT_COLUMNS",
]

LAUNCHERS: tuple[str, ...] = ("local", "submitit")


@dataclass(frozen=True)
class GridRun:
    """One run of a grid: its name, run directory and configuration.

    Examples
    --------
    >>> from seamlib.engine.sweep import expand_grid
    >>> spec = {"base": {"dataset": "rings", "architecture": "mlp"}, "grid": {"beta": [1.0]}}
    >>> run = expand_grid(spec, root="runs/demo")[0]
    >>> run.name, run.run_dir.as_posix(), run.config.beta
    ('beta-1', 'runs/demo/beta-1', 1.0)
    """

    name: str
    run_dir: Path
    config: TrainConfig


def load_grid(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a grid file (``.json``, ``.yaml``/``.yml``) into a dict.

    Raises
    ------
    ConfigError
        Missing or unreadable file, bad syntax, or a YAML file without PyYAML.

    Examples
    --------
    >>> from seamlib.engine.sweep import expand_grid, load_grid
    >>> runs = expand_grid(load_grid("experiments/dsprites_fig5.smoke.json"))  # doctest: +SKIP
    """
    path = Path(path)
    try:
        is_dir, exists = path.is_dir(), path.exists()
        if exists and not is_dir:
            text = read_text(path, "save the grid file as UTF-8")
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the grid file {short_path(path)} ({exc.strerror or exc}); pass a JSON or "
            "YAML grid file."
        ) from None
    if is_dir:
        raise ConfigError(f"{short_path(path)} is a folder; pass a JSON or YAML grid file in it.")
    if not exists:
        raise ConfigError(
            f"Grid file {short_path(path)} does not exist; pass a JSON or YAML grid file."
        )
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as exc:
            raise ConfigError(
                f"{path} is YAML but PyYAML is not installed; `pip install pyyaml` or write "
                "the grid as JSON."
            ) from exc
        try:
            spec = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path} is not valid YAML: {exc}") from exc
    else:
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(spec, dict):
        raise ConfigError(f"{path} must hold a mapping with 'base' and 'grid' entries.")
    return spec


def _fmt(value: Any) -> str:
    """The name of a grid value: unique and reversible for the values of one option.

    Floats as ``{:g}`` when that reads back as the same float (``1``, ``0.001``, ``1e+20``),
    else their shortest exact form (``repr``); lists joined by ``x``; any character other
    than an ASCII letter or digit, ``.``, ``-`` or ``+`` as ``~XX`` per UTF-8 byte, so ``_``
    (which separates the options) never occurs in a value's name.

    Examples
    --------
    >>> from seamlib.engine.sweep import _fmt
    >>> [_fmt(v) for v in (1.0, 1e20, 1e-20, 0.1 + 0.2, [8, 8], "a/b_c")]
    ['1', '1e+20', '1e-20', '0.30000000000000004', '8x8', 'a~2fb~5fc']
    """
    if isinstance(value, (list, tuple)):
        return "x".join(_fmt(v) for v in value)
    if isinstance(value, float):
        text = f"{value:g}"
        if float(text) != value:
            text = repr(value)
    else:
        text = str(value)
    return "".join(
        ch
        if (ch.isascii() and ch.isalnum()) or ch in ".-+"
        else "".join(f"~{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
        for ch in text
    )


_NULLABLE = {f for f, v in TrainConfig.__dataclass_fields__.items() if v.default is None}


def _check_value(where: str, key: str, value: Any) -> None:
    """Refuse a null value (for an option whose default is not null) or an empty one."""
    if value is None and key not in _NULLABLE:
        raise ConfigError(
            f"{where} {key!r} holds null; give it a value (leave {key!r} out to use its default)."
        )
    if value == "" or (isinstance(value, (list, dict)) and not value):
        raise ConfigError(f"{where} {key!r} holds an empty value {value!r}; give it a value.")


def expand_grid(spec: dict[str, Any], root: str | os.PathLike[str] | None = None) -> list[GridRun]:
    """All runs of a grid specification (validated, before anything runs).

    Parameters
    ----------
    spec
        ``{"base": {...}, "grid": {"field": [values, ...], ...}, "root": "..."}``.
    root
        Folder of the run directories; default ``spec["root"]``, else ``runs/sweep``.

    Returns
    -------
    list of GridRun
        In the order of the cartesian product (last grid key fastest).

    Raises
    ------
    ConfigError
        Unknown keys or options, an empty value list, or an invalid configuration.

    Examples
    --------
    >>> from seamlib.engine.sweep import expand_grid
    >>> spec = {"base": {"dataset": "rings"}, "grid": {"beta": [1.0, 4.0], "seed": [0, 1]}}
    >>> [run.name for run in expand_grid(spec, root="runs/demo")]
    ['beta-1_seed-0', 'beta-1_seed-1', 'beta-4_seed-0', 'beta-4_seed-1']
    """
    if not isinstance(spec, dict):
        raise ConfigError(f"A grid must be a mapping with 'base' and 'grid' entries, got {spec!r}.")
    unknown = sorted(repr(k) for k in set(spec) - {"base", "grid", "root"})
    if unknown:
        raise ConfigError(
            f"Unknown grid-file entries {', '.join(unknown)}; expected 'base', 'grid', 'root'."
        )
    base = {} if spec.get("base") is None else spec["base"]
    grid = {} if spec.get("grid") is None else spec["grid"]
    for entry, value in (("base", base), ("grid", grid)):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise ConfigError(
                f"The grid file's {entry!r} must map option names to "
                f"{'values' if entry == 'base' else 'lists of values'}, got {value!r}; e.g. "
                '{"base": {"dataset": "rings"}, "grid": {"beta": [1, 4]}}.'
            )
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"grid entry {key!r} must be a non-empty list, got {values!r}.")
        for value in values:
            _check_value("grid entry", key, value)
    for key, value in base.items():
        _check_value("base option", key, value)
    folder = root if root is not None else spec.get("root", "runs/sweep")
    if not isinstance(folder, (str, os.PathLike)) or not str(folder):
        raise ConfigError(f"The grid's 'root' must be a folder path, got {folder!r}.")
    folder = Path(folder)
    keys = list(grid)
    runs: list[GridRun] = []
    for combo in itertools.product(*(grid[k] for k in keys)):
        values = dict(zip(keys, combo))
        name = "_".join(f"{k}-{_fmt(v)}" for k, v in values.items()) or "run"
        config = TrainConfig.from_profile(None, **{**base, **values})
        try:
            config.validate()
        except ConfigError as exc:
            raise ConfigError(f"Run {name!r} of the grid is invalid: {exc}") from exc
        runs.append(GridRun(name=name, run_dir=folder / name, config=config))
    names = [r.name for r in runs]
    if len(set(names)) != len(names):
        raise ConfigError("Two runs of the grid get the same name; make the values distinct.")
    return runs


def _is_complete(run_dir: Path, config: TrainConfig | None = None) -> bool:
    """The run in ``run_dir`` is complete (and was trained with ``config``, when given)."""
    if (read_state(run_dir) or {}).get("status") != "complete":
        return False
    if config is None:
        return True
    try:
        return read_config(run_dir).to_dict() == config.to_dict()
    except ConfigError:
        return False


def check_stored_runs(runs: Sequence[GridRun], skip_busy: bool = False) -> None:
    """Refuse a grid whose stored runs were trained with other options.

    For every run of ``runs`` whose run directory already exists, the stored ``config.json``
    is compared with the grid's configuration. Differences in the options that may change on
    resume (:data:`seamlib.engine.config.RESUME_CHANGES`, e.g. more ``steps``) are allowed:
    the sweep resumes those runs with the grid's values. Any other difference, fewer steps
    than a run has done, or a run directory that cannot be read refuses the whole grid,
    naming the runs and the options, before anything trains. Each run directory is read
    under its lock; one that another process trains is left to that process with
    ``skip_busy``.

    Raises
    ------
    ConfigError
        One line naming (up to five of) the runs that differ and how.
    RunDirLocked
        Another process trains one of the runs (without ``skip_busy``).

    Examples
    --------
    >>> from seamlib.engine.sweep import check_stored_runs, expand_grid
    >>> check_stored_runs(expand_grid({"base": {"dataset": "rings"}}, root="runs/none"))
    """
    problems: list[str] = []
    for run in runs:
        if not os.path.lexists(run.run_dir):
            continue
        try:
            with lock_run_dir(run.run_dir, command="seamlib sweep"):
                problem = _stored_difference(run)
        except RunDirLocked:
            if skip_busy:
                continue
            raise
        if problem:
            problems.append(problem)
    if problems:
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        raise ConfigError(
            f"{len(problems)} stored run(s) under {short_path(runs[0].run_dir.parent)} differ from "
            f"the grid in ways a resume cannot follow (only {', '.join(RESUME_CHANGES)} may "
            f"change, and steps not below the steps done): {'; '.join(problems[:5])}{more}. "
            "Set the grid back to the stored values, or sweep into a new --root."
        )


def _stored_difference(run: GridRun) -> str | None:
    """How the stored run in ``run.run_dir`` differs from the grid's (None: it does not, or
    only in options a resume may change)."""
    if not (run.run_dir / CONFIG_FILE).exists():
        if (run.run_dir / CHECKPOINT_FILE).exists():
            return f"{run.name} (a checkpoint but no {CONFIG_FILE})"
        return None
    try:
        stored = read_config(run.run_dir)
    except ConfigError as exc:
        return f"{run.name} ({exc})"
    have, want = stored.to_dict(), run.config.to_dict()
    fixed = [k for k in want if k not in RESUME_CHANGES and have.get(k) != want.get(k)]
    diffs = [f"{k}: {have.get(k)!r} stored, {want.get(k)!r} in the grid" for k in fixed]
    done = (read_state(run.run_dir) or {}).get("step")
    if isinstance(done, int) and done > run.config.steps:
        diffs.append(f"steps: {done} done, {run.config.steps} in the grid")
    return f"{run.name} ({'; '.join(diffs)})" if diffs else None


class _CheckpointableBase:
    """``submitit.helpers.Checkpointable`` when submitit is importable, else ``object``."""


try:  # submitit is a core dependency, but keep `import seamlib.engine.sweep` working without it
    from submitit.helpers import Checkpointable as _Checkpointable
except ImportError:  # pragma: no cover
    _Checkpointable = _CheckpointableBase  # type: ignore[misc, assignment]


class TrainJob(_Checkpointable):  # type: ignore[misc, valid-type]
    """A picklable training job: trains (or resumes) one run directory.

    As a :class:`submitit.helpers.Checkpointable`, a preempted or timed-out job is requeued
    with the same arguments; since the run directory holds a checkpoint, the requeued job
    resumes from it.

    Examples
    --------
    >>> from seamlib.engine.sweep import TrainJob, expand_grid
    >>> run = expand_grid({"base": {"dataset": "rings"}}, root="runs/demo")[0]
    >>> job = TrainJob(run.config.to_dict(), str(run.run_dir))
    >>> job()  # trains, or resumes, runs/demo/run  # doctest: +SKIP
    """

    def __init__(self, config: dict[str, Any], run_dir: str) -> None:
        self.config = config
        self.run_dir = run_dir

    def __call__(self) -> dict[str, Any]:
        """Train or resume; returns ``{"run_dir", "step", "status"}``."""
        run_dir = Path(self.run_dir)
        config = TrainConfig.from_dict(self.config)
        check_stored_runs([GridRun(run_dir.name, run_dir, config)])
        if _is_complete(run_dir, config):
            state = read_state(run_dir) or {}
            return {"run_dir": str(run_dir), "step": state.get("step"), "status": "complete"}
        resume = (run_dir / CONFIG_FILE).exists()
        out = train(config, run_dir, resume=resume, progress=False)
        return {"run_dir": str(run_dir), "step": out.step, "status": out.status}


def launch(
    runs: Sequence[GridRun],
    launcher: str = "local",
    *,
    progress: bool = True,
    cluster: str | None = None,
    wait: bool = True,
    executor_params: dict[str, Any] | None = None,
    submitit_folder: str | os.PathLike[str] | None = None,
    skip_busy: bool = False,
) -> list[dict[str, Any]]:
    """Run every run of a grid.

    Parameters
    ----------
    runs
        From :func:`expand_grid`.
    launcher
        ``"local"`` (sequential, in this process) or ``"submitit"``.
    progress
        Progress bars for local runs.
    cluster
        submitit cluster: None (auto: Slurm when available, else local processes),
        ``"slurm"``, ``"local"`` or ``"debug"``.
    wait
        submitit: wait for all jobs and return their results (else return job ids).
    executor_params
        Passed to ``executor.update_parameters`` (e.g. ``timeout_min``, ``slurm_partition``,
        ``gpus_per_node``).
    submitit_folder
        Where submitit writes its logs; default ``<first run's parent>/_submitit``.
    skip_busy
        Local launcher: skip a run that another process is training (status ``"busy"``)
        instead of raising :class:`~seamlib.engine.rundir.RunDirLocked`, and do not lock the grid's
        folder, so several processes can share one grid (each run directory stays locked by
        its training). Run the sweep again afterwards to pick up runs that were busy.

    Returns
    -------
    list of dict
        One summary per run (``run_dir``, ``step``, ``status``; or ``job_id`` when not
        waiting).

    Raises
    ------
    RunDirLocked
        Another sweep works in the grid's folder, or (without ``skip_busy``) another process
        trains one of its runs.
    ConfigError
        A stored run differs from the grid (:func:`check_stored_runs`), before anything runs.

    Examples
    --------
    >>> from seamlib.engine.sweep import expand_grid, launch
    >>> spec = {"base": {"dataset": "rings"}, "grid": {"beta": [1.0, 4.0]}}
    >>> out = launch(expand_grid(spec, root="runs/demo"), "local")  # doctest: +SKIP
    """
    if launcher not in LAUNCHERS:
        raise ConfigError(f"Unknown launcher {launcher!r}; expected one of {', '.join(LAUNCHERS)}.")
    if not runs:
        return []
    if skip_busy and launcher != "local":
        raise ConfigError("skip_busy works with the local launcher only; drop it for submitit.")
    folders = sorted({run.run_dir.parent for run in runs})
    # one sweep at a time per folder (each run directory is locked again by its training),
    # unless the sweeps share the grid run by run (skip_busy)
    with contextlib.ExitStack() as stack:
        for folder in folders:
            if skip_busy:
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise ConfigError(
                        f"The sweep folder {short_path(folder)} cannot be created ("
                        f"{exc.strerror or exc}); choose another --root."
                    ) from None
            else:
                stack.enter_context(lock_run_dir(folder, command="seamlib sweep", create=True))
        check_stored_runs(runs, skip_busy=skip_busy)
        return _launch_locked(
            runs, launcher, progress, cluster, wait, executor_params, submitit_folder, skip_busy
        )


def _launch_locked(
    runs: Sequence[GridRun],
    launcher: str,
    progress: bool,
    cluster: str | None,
    wait: bool,
    executor_params: dict[str, Any] | None,
    submitit_folder: str | os.PathLike[str] | None,
    skip_busy: bool = False,
) -> list[dict[str, Any]]:
    if launcher == "local":
        out = []
        for run in runs:
            if _is_complete(run.run_dir, run.config):
                out.append({"run_dir": str(run.run_dir), "status": "complete", "skipped": True})
                continue
            resume = (run.run_dir / CONFIG_FILE).exists()
            try:
                res = train(run.config, run.run_dir, resume=resume, progress=progress)
            except TrainingInterrupted:
                raise
            except RunDirLocked as exc:
                if not skip_busy:
                    raise
                out.append({"run_dir": str(run.run_dir), "status": "busy", "error": str(exc)})
                continue
            except TrainingError as exc:  # e.g. a non-finite loss: record it, go on
                out.append({"run_dir": str(run.run_dir), "status": "failed", "error": str(exc)})
                continue
            out.append({"run_dir": str(run.run_dir), "step": res.step, "status": res.status})
        return out

    import submitit

    folder = Path(submitit_folder or runs[0].run_dir.parent / "_submitit")
    executor = submitit.AutoExecutor(folder=folder, cluster=cluster)
    params = {"timeout_min": 60, "name": "seamlib-train", **(executor_params or {})}
    executor.update_parameters(**params)
    jobs = [executor.submit(TrainJob(run.config.to_dict(), str(run.run_dir))) for run in runs]
    if not wait:
        return [{"run_dir": str(r.run_dir), "job_id": j.job_id} for r, j in zip(runs, jobs)]
    return [job.result() for job in jobs]


# ======================================================================================
# Results
# ======================================================================================
_CONFIG_COLUMNS = (
    "dataset",
    "architecture",
    "posterior",
    "likelihood",
    "latent_dim",
    "beta_schedule",
    "beta",
    "beta_end",
    "steps",
    "seed",
)
_METRIC_COLUMNS = ("loss", "elbo", "nll", "kl")
_EVAL_COLUMNS = ("mig", "aas", "jtj_off_diagonal", "hessian_off_diagonal")
COLUMNS: tuple[str, ...] = (
    ("run", "status", "step", "has_checkpoint")
    + _CONFIG_COLUMNS
    + _METRIC_COLUMNS
    + _EVAL_COLUMNS
    + ("eval_elbo",)
)
"""Every column of :func:`results` (for ``seamlib results --columns``)."""
DEFAULT_COLUMNS: tuple[str, ...] = (
    "run",
    "status",
    "step",
    "posterior",
    "beta",
    "seed",
    "elbo",
    "kl",
    "mig",
    "aas",
    "jtj_off_diagonal",
)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        out = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):  # unreadable, not UTF-8 or not JSON
        return {}
    return out if isinstance(out, dict) else {}


def stored_run_names(
    path: str | os.PathLike[str], runs: Sequence[GridRun] | None = None
) -> set[str]:
    """Names of the complete runs in a stored results file (``{"runs": [{"name", "status"}]}``).

    A sweep can skip these (``seamlib sweep GRID --skip-stored FILE``): a grid trained over
    several sessions, whose finished runs were committed as a summary while their run
    directories were lost, goes on with the runs still missing.

    Parameters
    ----------
    path
        A results JSON with a ``runs`` list, e.g. ``results/dsprites/cpu/fig5.json``.
    runs
        The grid's runs: a complete stored run of the same name whose stored ``config``
        differs from the grid's in an option that changes the result (anything but the
        logging, checkpoint, evaluation, data location and device options) is refused, so
        old results never stand in for a grid they do not match.

    Returns
    -------
    set of str
        Run names (the grid's folder names) with ``status == "complete"``.

    Raises
    ------
    ConfigError
        The file is missing, not UTF-8 JSON, or has no ``runs`` list; or a stored run
        differs from the grid's run of the same name.

    Examples
    --------
    >>> import json, tempfile
    >>> from seamlib.engine.sweep import stored_run_names
    >>> runs = [{"name": "beta-1", "status": "complete"}, {"name": "beta-4", "status": "running"}]
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
    ...     _ = f.write(json.dumps({"runs": runs})); f.flush()
    ...     sorted(stored_run_names(f.name))
    ['beta-1']
    """
    try:
        data = json.loads(read_text(path, "pass a results JSON written by a collect command"))
    except OSError as exc:
        raise ConfigError(
            f"Cannot read the stored results {path} ({exc.strerror or exc}); pass a results "
            "JSON written by a collect command."
        ) from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"The stored results {path} are not JSON ({exc.msg}).") from exc
    stored_rows = data.get("runs") if isinstance(data, dict) else None
    if not isinstance(stored_rows, list):
        raise ConfigError(
            f"The stored results {path} have no 'runs' list; pass a results JSON written by a "
            "collect command (e.g. results/dsprites/cpu/fig5.json)."
        )
    stored = {
        str(r["name"]): r
        for r in stored_rows
        if isinstance(r, dict) and r.get("status") == "complete" and "name" in r
    }
    problems = []
    for run in runs or ():
        config = stored.get(run.name, {}).get("config")
        if run.name not in stored or not isinstance(config, dict):
            continue
        want = run.config.to_dict()
        keys = [k for k in want if k not in _RESULT_NEUTRAL and k in config]
        keys = [k for k in keys if config[k] != want[k]]
        if keys:
            diffs = ", ".join(f"{k}: {config[k]!r} stored, {want[k]!r} in the grid" for k in keys)
            problems.append(f"{run.name} ({diffs})")
    if problems:
        raise ConfigError(
            f"{len(problems)} run(s) stored as complete in {short_path(path)} were trained with "
            f"other options than the grid's: {'; '.join(problems[:5])}; drop --skip-stored, "
            "or set the grid back to the stored values."
        )
    return set(stored)


# options that do not change a run's result (how often it logs, saves and evaluates; where
# the data are read from; the device)
_RESULT_NEUTRAL = (
    "log_every",
    "checkpoint_every",
    "eval_every",
    "eval_n",
    "data_root",
    "device",
    "channels_last",
)


def results(roots: Sequence[str | os.PathLike[str]] = ("runs",)) -> list[dict[str, Any]]:
    """One row per run directory found under ``roots`` (any depth).

    A row holds the run's path (``run``), its configuration columns, ``status`` and ``step``
    (``state.json``), the last ``metrics.jsonl`` row (loss, elbo, nll, kl) and the scalar
    entries of ``eval.json`` (mig, aas, jtj_off_diagonal, ``eval_elbo``).

    Examples
    --------
    >>> from seamlib.engine.sweep import format_table, results
    >>> print(format_table(results(["runs/demo"])))  # doctest: +SKIP
    """
    rows = []
    for root in roots:
        root = Path(root)
        try:
            exists = root.exists()
        except OSError as exc:
            raise ConfigError(
                f"Cannot read {short_path(root)} ({exc.strerror or exc}); pass folders holding run "
                "directories."
            ) from None
        if not exists:
            raise ConfigError(f"{root} does not exist; pass folders holding run directories.")
        configs = [root / CONFIG_FILE] if (root / CONFIG_FILE).is_file() else []
        configs += sorted(p for p in root.rglob(CONFIG_FILE) if p.parent != root)
        for cfg_path in configs:
            run_dir = cfg_path.parent
            if run_dir.name.startswith("_"):
                continue
            config = _read_json(cfg_path)
            state = _read_json(run_dir / STATE_FILE)
            row: dict[str, Any] = {"run": str(run_dir)}
            row.update({k: config.get(k) for k in _CONFIG_COLUMNS})
            state = state if isinstance(state, dict) else {}
            row["status"] = state.get("status", "new")
            row["step"] = state.get("step", 0)
            row["has_checkpoint"] = (run_dir / CHECKPOINT_FILE).is_file()
            metrics = read_jsonl(run_dir / METRICS_FILE)
            if metrics:
                row.update({k: metrics[-1].get(k) for k in _METRIC_COLUMNS})
            ev = _read_json(run_dir / EVAL_FILE)
            row.update({k: ev.get(k) for k in _EVAL_COLUMNS})
            row["eval_elbo"] = ev.get("elbo")
            rows.append(row)
    return rows


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] = DEFAULT_COLUMNS) -> str:
    """Plain-text table of ``rows`` (floats to 4 significant digits; missing as ``-``).

    Examples
    --------
    >>> from seamlib.engine.sweep import format_table
    >>> print(format_table([{"run": "a", "beta": 4.0, "mig": 0.123456}], ["run", "beta", "mig"]))
    run  beta  mig
    a    4     0.1235
    """

    def cell(v: Any) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.4g}"
        return str(v)

    table = [list(columns)] + [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in table]
    return "\n".join(lines)


def write_results(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str]) -> Path:
    """Store ``rows`` as JSON (``{"provenance": ..., "rows": [...]}``) or CSV, atomically.

    A CSV file gets its provenance in a sibling ``<name>.provenance.json``.

    Examples
    --------
    >>> from seamlib.engine.sweep import results, write_results
    >>> write_results(results(["runs/demo"]), "results/sweep/demo.json")  # doctest: +SKIP

    Raises
    ------
    ConfigError
        The file cannot be written (a folder of that name, a parent that is a file, a
        read-only or full file system).
    """
    path = Path(path)
    try:
        _write_results(rows, path)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the results to {short_path(path)} ({exc.strerror or exc}); pass a file "
            "path (.json or .csv) in a writable folder with free space."
        ) from None
    return path


def _write_results(rows: Sequence[dict[str, Any]], path: Path) -> None:
    from seamlib.provenance import provenance, relative_path

    if path.is_dir():
        raise IsADirectoryError(21, "a folder has this name")
    path.parent.mkdir(parents=True, exist_ok=True)
    # stored files hold no machine paths: run folders relative to the working directory
    rows = [{**r, "run": relative_path(r["run"])} if "run" in r else r for r in rows]
    seeds = {r["seed"] for r in rows if isinstance(r.get("seed"), int)}  # a hand-edited config
    prov = provenance(seeds=sorted(seeds))  # may hold anything
    if path.suffix.lower() == ".csv":
        import io

        columns = list(dict.fromkeys(k for r in rows for k in r))
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        atomic_write_text(path, buf.getvalue())
        atomic_write_json(path.with_name(path.name + ".provenance.json"), prov)
    else:
        atomic_write_json(path, {"provenance": prov, "rows": list(rows)})
