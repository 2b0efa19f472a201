"""The one pipeline of every experiment: trained runs -> summaries -> a stored results file.

An experiment is trained by the engine's CLI from a grid file (``python -m seamlib sweep
GRID``), one run directory per grid point. Its data set's module then says only what is
its own: how to summarise one run (its metrics on its held-out data) and, for the
negative controls, how to summarise an untrained model. Everything else is here, the same
for dSprites, faces and the learning curves:

1. :func:`find_runs` lists the finished runs under a sweep's root;
2. :func:`summarise_runs` summarises each, reusing a summary cached in the run folder when it
   is newer than the checkpoint and still current, and records the commits and commands
   that trained it (:func:`training_record`);
3. :func:`store_results` writes ``{"experiment", "provenance", "runs"}``, keeping the runs
   that an earlier collection stored and whose folders are gone (:func:`merge_stored`: a
   grid trained over several sessions keeps every finished run), with the provenance of
   :func:`results_provenance`;
4. :func:`store_controls` adds the untrained controls to a stored file;
5. :func:`read_results` reads it back for a chapter, with the commands that make it when it
   is missing.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from seamlib.config import project_root

__all__ = [
    "run_status",
    "run_time",
    "run_fields",
    "find_runs",
    "training_record",
    "summarise_runs",
    "merge_stored",
    "finite",
    "results_folder",
    "results_provenance",
    "store_results",
    "store_controls",
    "read_results",
]

Summary = dict[str, Any]


# ======================================================================================
# One run
# ======================================================================================
def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def run_status(run: str | os.PathLike[str]) -> str | None:
    """The ``status`` recorded in a run directory's ``state.json`` (None when absent).

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.experiments.pipeline import run_status
    >>> run = Path(tempfile.mkdtemp())
    >>> _ = (run / "state.json").write_text(json.dumps({"status": "complete"}))
    >>> run_status(run)
    'complete'
    """
    state = _read_json(Path(run) / "state.json")
    status = state.get("status") if isinstance(state, dict) else None
    return None if status is None else str(status)


def run_time(run_dir: str | os.PathLike[str]) -> float | None:
    """Training time in seconds: ``time_s`` of the last line of ``metrics.jsonl`` (or None).

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.experiments.pipeline import run_time
    >>> run = Path(tempfile.mkdtemp())
    >>> _ = (run / "metrics.jsonl").write_text(json.dumps({"step": 1, "time_s": 2.5}))
    >>> run_time(run)
    2.5
    """
    path = Path(run_dir) / "metrics.jsonl"
    if not path.is_file():
        return None
    lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
    return float(json.loads(lines[-1]).get("time_s", float("nan"))) if lines else None


def run_fields(
    run_dir: str | os.PathLike[str], config: Mapping[str, Any], info: Mapping[str, Any]
) -> dict[str, Any]:
    """The fields of a run summary that describe the run: its configuration and progress.

    ``config`` (the run's configuration as a dict), ``step`` and ``status`` (from the
    checkpoint's ``info``) and ``train_s`` (:func:`run_time`).

    Examples
    --------
    >>> import tempfile
    >>> from seamlib.experiments.pipeline import run_fields
    >>> run_fields(tempfile.mkdtemp(), {"beta": 4.0}, {"step": 50, "status": "complete"})
    {'config': {'beta': 4.0}, 'step': 50, 'status': 'complete', 'train_s': None}
    """
    return {
        "config": config,
        "step": int(info.get("step", 0)),
        "status": info.get("status"),
        "train_s": run_time(run_dir),
    }


def training_record(run: str | os.PathLike[str]) -> dict[str, list[str]]:
    """What trained a run, from its ``provenance.json``: the commits (``train_commits``),
    commands (``train_commands``) and devices (``train_devices``) of its sessions.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.experiments.pipeline import training_record
    >>> run = Path(tempfile.mkdtemp())
    >>> sessions = [{"git_commit": "abc", "command": "python -m seamlib sweep g.json",
    ...              "device": "cpu"}, {"git_commit": "abc", "device": "cpu"}]
    >>> _ = (run / "provenance.json").write_text(json.dumps({"sessions": sessions}))
    >>> training_record(run)["train_commits"], training_record(run)["train_commands"]
    (['abc'], ['python -m seamlib sweep g.json'])
    """
    doc = _read_json(Path(run) / "provenance.json")
    sessions = doc.get("sessions", []) if isinstance(doc, dict) else []
    fields = {"train_commits": "git_commit", "train_commands": "command", "train_devices": "device"}
    return {
        name: sorted({str(s[key]) for s in sessions if s.get(key)}) for name, key in fields.items()
    }


# ======================================================================================
# Runs -> summaries
# ======================================================================================
def find_runs(
    root: str | os.PathLike[str],
    *,
    pattern: str = "*",
    include_incomplete: bool = False,
    marker: str = "checkpoint.pt",
) -> list[Path]:
    """The run directories under ``root`` (``root/<pattern>/<marker>``), sorted.

    Runs whose ``state.json`` does not say ``complete`` (still training, or interrupted)
    are left out unless ``include_incomplete``.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.experiments.pipeline import find_runs
    >>> root = Path(tempfile.mkdtemp())
    >>> for name, status in (("b", "complete"), ("a", "running")):
    ...     (root / name).mkdir()
    ...     _ = (root / name / "checkpoint.pt").write_bytes(b"")
    ...     _ = (root / name / "state.json").write_text(json.dumps({"status": status}))
    >>> [p.name for p in find_runs(root)]
    ['b']
    >>> [p.name for p in find_runs(root, include_incomplete=True)]
    ['a', 'b']
    """
    runs = sorted(p.parent for p in Path(root).glob(f"{pattern}/{marker}"))
    return [r for r in runs if include_incomplete or run_status(r) == "complete"]


def summarise_runs(
    runs: Sequence[Path],
    summarise: Callable[[Path, Mapping[str, Any]], Summary],
    *,
    cache: str | None = None,
    reuse: bool = True,
    is_current: Callable[[Path, Mapping[str, Any], Mapping[str, Any]], bool] | None = None,
) -> list[Summary]:
    """Summarise each run, with the record of what trained it (:func:`training_record`).

    Parameters
    ----------
    runs
        Run directories (:func:`find_runs`).
    summarise
        ``summarise(run, config) -> summary``: the data set's own summary of one run
        (``config``: the run's ``config.json``). It may write itself to ``run/<cache>``.
    cache
        File name of a summary cached in the run folder. With ``reuse``, a cached summary
        newer than the run's checkpoint is used instead of calling ``summarise`` when
        ``is_current(run, summary, config)`` (default: always): a summary of other
        held-out images, or one without a field this collection stores, is not.

    Returns
    -------
    list of dict
        One summary per run, with JSON-safe numbers (:func:`finite`), plus
        ``train_commits``, ``train_commands`` and ``train_devices``.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.experiments.pipeline import summarise_runs
    >>> run = Path(tempfile.mkdtemp())
    >>> _ = (run / "config.json").write_text(json.dumps({"beta": 2.0}))
    >>> summarise_runs([run], lambda run, cfg: {"beta": cfg["beta"], "x": float("nan")})
    [{'beta': 2.0, 'x': None, 'train_commits': [], 'train_commands': [], 'train_devices': []}]
    """
    rows = []
    for run in runs:
        config = json.loads((run / "config.json").read_text())
        summary = None
        cached = run / cache if cache else None
        checkpoint = run / "checkpoint.pt"
        if reuse and cached is not None and cached.is_file():
            fresh = not checkpoint.is_file() or cached.stat().st_mtime >= checkpoint.stat().st_mtime
            stored = _read_json(cached) if fresh else None
            if isinstance(stored, dict) and (is_current is None or is_current(run, stored, config)):
                summary = stored
        if summary is None:
            summary = summarise(run, config)
        rows.append({**finite(summary), **training_record(run)})
    return rows


# ======================================================================================
# Summaries -> a results file
# ======================================================================================
def merge_stored(
    path: str | os.PathLike[str],
    rows: list[Summary],
    *,
    key: Sequence[str] = ("experiment", "name"),
    eval_id: str | None = None,
) -> tuple[list[Summary], dict[str, Any]]:
    """``rows`` plus the runs already stored in ``path`` that ``rows`` lacks.

    Runs are told apart by the fields ``key``. With ``eval_id``, stored runs are kept only
    when the file's runs were evaluated on the same held-out images (its provenance's
    ``eval_id``). A grid trained over several sessions, on machines whose run folders did
    not survive, so keeps every finished run's summary; a run summarised again replaces its
    stored record.

    Returns
    -------
    rows, provenance
        The merged rows (stored ones first) and the stored file's provenance (empty when
        nothing was kept).

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.experiments.pipeline import merge_stored
    >>> path = Path(tempfile.mkdtemp()) / "fig5.json"
    >>> doc = {"provenance": {"eval_id": "t1"}, "runs": [{"name": "a"}, {"name": "b"}]}
    >>> _ = path.write_text(json.dumps(doc))
    >>> [r["name"] for r in merge_stored(path, [{"name": "b", "new": 1}], eval_id="t1")[0]]
    ['a', 'b']
    >>> merge_stored(path, [{"name": "b"}], eval_id="other images")[0]
    [{'name': 'b'}]
    """
    stored = _read_json(Path(path)) if Path(path).is_file() else None
    if not isinstance(stored, dict):
        return rows, {}
    prov = stored.get("provenance", {})
    if eval_id is not None and prov.get("eval_id") != eval_id:
        return rows, {}
    have = {tuple(r.get(k) for k in key) for r in rows}
    kept = [r for r in stored.get("runs", []) if tuple(r.get(k) for k in key) not in have]
    return kept + rows, (prov if kept else {})


def finite(obj: Any, digits: int | None = None) -> Any:
    """Replace NaN/inf by None (standard JSON); optionally keep ``digits`` significant digits.

    Examples
    --------
    >>> from seamlib.experiments.pipeline import finite
    >>> finite({"a": [float("nan"), 1.23456]}, digits=3)
    {'a': [None, 1.23]}
    """
    if isinstance(obj, float):
        if not math.isfinite(obj):
            return None
        return obj if digits is None else float(f"{obj:.{digits}g}")
    if isinstance(obj, dict):
        return {k: finite(v, digits) for k, v in obj.items()}
    if isinstance(obj, list):
        return [finite(v, digits) for v in obj]
    return obj


def results_folder(experiment: str, folder: str | os.PathLike[str] | None = None) -> Path:
    """``folder``, or by default the experiment's ``results/<experiment>`` of the project.

    Examples
    --------
    >>> from seamlib.experiments.pipeline import results_folder
    >>> results_folder("faces", "elsewhere").as_posix()
    'elsewhere'
    >>> results_folder("dsprites").parts[-2:]
    ('results', 'dsprites')
    """
    return Path(folder) if folder is not None else project_root() / "results" / experiment


def results_provenance(
    rows: Sequence[Mapping[str, Any]],
    *,
    profile: str | None,
    device: str | None,
    **extra: Any,
) -> dict[str, Any]:
    """Provenance of a results file that collects the summaries ``rows`` of trained runs.

    :func:`seamlib.provenance.provenance` with the seeds of the runs' configs, their
    training steps (where summaries record them), their number, their summed training wall
    time (``train_s``, where known), then ``extra``.

    Examples
    --------
    >>> from seamlib.experiments.pipeline import results_provenance
    >>> rows = [{"config": {"seed": s}, "step": 50, "train_s": t}
    ...         for s, t in ((1, 1.25), (0, None))]
    >>> prov = results_provenance(rows, profile="smoke", device="cpu", n_eval=8)
    >>> prov["seeds"], prov["steps"], prov["n_runs"], prov["train_wall_s_total"], prov["n_eval"]
    ([0, 1], [50], 2, 1.2, 8)
    """
    from seamlib.provenance import provenance

    wall = [r["train_s"] for r in rows if r.get("train_s") is not None]
    return provenance(
        profile=profile,
        seeds=sorted({int(r["config"].get("seed", 0)) for r in rows}),
        device=device,
        steps=sorted({int(r["step"]) for r in rows if r.get("step") is not None}),
        n_runs=len(rows),
        train_wall_s_total=round(float(sum(wall)), 1),
        **extra,
    )


def store_results(
    path: str | os.PathLike[str],
    experiment: str,
    rows: list[Summary],
    *,
    profile: str | None,
    device: str | None,
    key: Sequence[str] = ("experiment", "name"),
    eval_id: str | None = None,
    fields: Mapping[str, Any] | None = None,
    digits: int | None = 6,
    **provenance: Any,
) -> Path:
    """Write the results file of ``experiment``: ``{"experiment", **fields, "provenance",
    "runs"}``.

    The runs already stored at ``path`` that ``rows`` lacks are kept (:func:`merge_stored`,
    by ``key`` and ``eval_id``). The provenance (:func:`results_provenance`) records
    ``provenance`` (the collection's ``command``, ``run_root``, evaluation sizes, ...), the
    ``eval_id``, and the union of the runs' ``train_commits`` and ``train_commands`` (with
    those of the file's earlier collection where its runs were kept). Numbers keep
    ``digits`` significant digits.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.experiments.pipeline import store_results
    >>> rows = [{"name": "a", "config": {"seed": 0}, "step": 5, "mig": 0.1234567,
    ...          "train_commits": ["abc"], "train_commands": ["python -m seamlib sweep g"]}]
    >>> path = store_results(Path(tempfile.mkdtemp()) / "x.json", "x", rows, profile="smoke",
    ...                      device="cpu", command="collect")
    >>> doc = json.loads(path.read_text())
    >>> doc["runs"][0]["mig"], doc["provenance"]["train_commits"], doc["provenance"]["command"]
    (0.123457, ['abc'], 'collect')
    """
    path = Path(path)
    rows, earlier = merge_stored(path, rows, key=key, eval_id=eval_id)
    extra = dict(provenance)
    if eval_id is not None:
        extra["eval_id"] = eval_id
    for name in ("train_commits", "train_commands"):
        found = {str(c) for r in rows for c in r.get(name) or []}
        extra[name] = sorted(found | set(earlier.get(name) or []))
    doc = {
        "experiment": experiment,
        **dict(fields or {}),
        "provenance": results_provenance(rows, profile=profile, device=device, **extra),
        "runs": rows,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(finite(doc, digits), separators=(",", ":")) + "\n")
    return path


def store_controls(
    path: str | os.PathLike[str],
    controls: Sequence[Summary],
    *,
    profile: str | None,
    device: str | None,
    command: str | None = None,
    digits: int | None = 6,
) -> Path:
    """Add the untrained ``controls`` to the stored results file ``path``.

    The file gains ``controls`` and ``controls_provenance`` (this computation's commit,
    command, device and the controls' initialisation seeds, ``init_seed``); its runs and
    their provenance are left as they are.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.experiments.pipeline import store_controls
    >>> path = Path(tempfile.mkdtemp()) / "x.json"
    >>> _ = path.write_text(json.dumps({"experiment": "x", "runs": []}))
    >>> doc = json.loads(store_controls(path, [{"init_seed": 1000}], profile="smoke",
    ...                                 device="cpu").read_text())
    >>> doc["controls_provenance"]["seeds"], doc["controls_provenance"]["n_controls"]
    ([1000], 1)
    """
    from seamlib.provenance import provenance

    path = Path(path)
    doc = json.loads(path.read_text())
    doc["controls"] = [finite(dict(c)) for c in controls]
    doc["controls_provenance"] = provenance(
        profile=profile,
        seeds=sorted({int(c["init_seed"]) for c in controls if "init_seed" in c}),
        device=device,
        command=command,
        n_controls=len(controls),
    )
    path.write_text(json.dumps(finite(doc, digits), separators=(",", ":")) + "\n")
    return path


def read_results(path: str | os.PathLike[str], produce: str) -> dict[str, Any]:
    """The results document stored at ``path`` (JSON).

    Raises
    ------
    FileNotFoundError
        When ``path`` is missing; the message says how to ``produce`` it.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.experiments.pipeline import read_results
    >>> path = Path(tempfile.mkdtemp()) / "fig5.json"
    >>> _ = path.write_text(json.dumps({"runs": []}))
    >>> read_results(path, "`collect`")
    {'runs': []}
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist. Produce it with {produce}.")
    doc: dict[str, Any] = json.loads(path.read_text())
    return doc
