"""Learning curves of dSprites VAEs: the pilot that chooses the resolution and the budget.

Runs trained with ``eval_every > 0`` write ``curve.jsonl`` (MIG, AAS, reconstruction, KL and
the Eq. 6 diagonality every ``eval_every`` steps,
:meth:`seamlib.engine.train.Trainer.evaluate_now`). This module gathers those curves into
one small result file with provenance and reads off where each curve has plateaued::

    python -m seamlib sweep experiments/dsprites_pilot32.json      # runs/dsprites/pilot-relu/
    python -m seamlib sweep experiments/dsprites_pilot64.json
    python -m seamlib.experiments.pilot collect runs/dsprites/pilot-relu  # -> results/dsprites/

The stored file holds, per run, its configuration, the commits its training sessions ran
from, and the curve; :func:`plateau` and :func:`budget_table` turn it into the budget choice
that the grid files of the stored results (``experiments/dsprites_*.cpu.json``) record.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from seamlib.config import project_root
from seamlib.engine.rundir import CONFIG_FILE, CURVE_FILE
from seamlib.experiments.pipeline import (
    find_runs,
    results_folder,
    run_status,
    store_results,
    summarise_runs,
)
from seamlib.provenance import module_command

__all__ = [
    "CURVE_KEYS",
    "collect_curves",
    "load_pilot",
    "plateau",
    "training_speed",
    "budget_table",
    "main",
]

CURVE_KEYS: tuple[str, ...] = (
    "step",
    "images",
    "time_s",
    "eval_s",
    "nll",
    "kl",
    "mig",
    "aas",
    "jtj_off_diagonal",
    "jtj_off_diagonal_per_point",
    "hessian_off_diagonal",
    "hessian_off_diagonal_per_point",
)
"""Columns of a learning curve kept in the stored file."""


def _curve(run: Path) -> list[dict[str, Any]]:
    rows = []
    for line in (run / CURVE_FILE).read_text().splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line of a run that is still training
        rows.append({k: row.get(k) for k in CURVE_KEYS})
    return rows


def collect_curves(
    run_root: str | Path | Sequence[str | Path],
    out: str | Path | None = None,
    *,
    experiment: str = "pilot",
    command: str | None = None,
) -> Path:
    """Gather the learning curves of every run under ``run_root`` into one JSON file.

    Parameters
    ----------
    run_root
        A folder of run directories (the ``root`` of a sweep), or several; runs without
        ``curve.jsonl`` are skipped.
    out
        The file to write (default ``results/dsprites/<experiment>.json``).
    experiment
        Name stored in the file.
    command
        The command line recorded in the provenance (default: this process's).

    Returns
    -------
    Path
        The file written: ``{"experiment", "provenance", "runs"}``, each run with ``name``,
        ``config``, ``status``, ``train_commits`` (of its training sessions) and ``curve``.
        Runs already in that file whose folders are gone (same root and name) are kept, so
        that a grid trained over several sessions keeps every finished run's curve.

    Raises
    ------
    FileNotFoundError
        No run under ``run_root`` has a learning curve; the message says how to make one.

    Examples
    --------
    >>> from seamlib.experiments import pilot as P
    >>> path = P.collect_curves("runs/dsprites/pilot-relu")  # doctest: +SKIP
    """
    from seamlib.provenance import invocation, relative_path

    roots = [Path(run_root)] if isinstance(run_root, (str, Path)) else [Path(r) for r in run_root]
    found = [
        run
        for root in roots
        for run in find_runs(root, marker=CURVE_FILE, include_incomplete=True)
        if (run / CONFIG_FILE).is_file()
    ]
    if not found:
        raise FileNotFoundError(
            f"No run under {', '.join(map(str, roots))} has a learning curve ({CURVE_FILE}); "
            "train with --eval-every N (or a grid whose base sets eval_every), e.g. "
            "`python -m seamlib sweep experiments/dsprites_pilot32.json`."
        )

    def summarise(run: Path, config: Mapping[str, Any]) -> dict[str, Any]:
        curve = _curve(run)
        last = curve[-1] if curve else {}
        return {
            "name": run.name,
            "root": relative_path(run.parent),
            "config": dict(config),
            "status": run_status(run),
            "step": last.get("step"),
            "train_s": last.get("time_s"),
            "curve": curve,
        }

    runs = summarise_runs(found, summarise)
    path = Path(out) if out is not None else results_folder("dsprites")
    if path.suffix != ".json":
        path = path / f"{experiment}.json"
    devices = sorted({d for r in runs for d in r["train_devices"]})
    return store_results(
        path,
        experiment,
        runs,
        profile=None,
        device=",".join(devices),
        key=("root", "name"),
        digits=None,
        command=command or invocation(),
        run_root=",".join(relative_path(root) for root in roots),
    )


def load_pilot(path: str | Path | None = None) -> dict[str, Any]:
    """Read a stored pilot file (default ``results/dsprites/pilot.json``).

    Raises
    ------
    FileNotFoundError
        With the commands that produce it.

    Examples
    --------
    >>> from seamlib.experiments import pilot as P
    >>> doc = P.load_pilot()  # doctest: +SKIP
    """
    p = Path(path) if path is not None else project_root() / "results" / "dsprites" / "pilot.json"
    if not p.is_file():
        raise FileNotFoundError(
            f"{p} does not exist; run the pilot sweeps (experiments/dsprites_pilot*.json) and "
            "`python -m seamlib.experiments.pilot collect RUN_ROOT`."
        )
    doc: dict[str, Any] = json.loads(p.read_text())
    return doc


def plateau(
    curve: Sequence[Mapping[str, Any]], key: str = "mig", fraction: float = 0.9, window: int = 3
) -> dict[str, float]:
    """Where a learning curve reaches ``fraction`` of its final level.

    The final level is the mean of the last ``window`` evaluations; the curve is smoothed
    by a running mean over ``window`` evaluations before the first crossing is read off.

    Parameters
    ----------
    curve
        Rows with ``images``, ``time_s`` and ``key``, in training order.
    key
        The score (higher is better), e.g. ``"mig"``.
    fraction
        Share of the final level that counts as "plateaued", in (0, 1].

    Returns
    -------
    dict
        ``final`` (the final level), ``images`` and ``time_s`` at the first smoothed value
        >= ``fraction * final`` (NaN when the curve is empty or the final level is not
        positive), and ``per_cpu_hour``: ``final`` per hour of training up to that point.

    Examples
    --------
    >>> from seamlib.experiments.pilot import plateau
    >>> rows = [{"images": i, "time_s": i / 10, "mig": min(i, 4) / 10} for i in range(1, 9)]
    >>> p = plateau(rows)
    >>> round(p["final"], 2), p["images"]
    (0.4, 5.0)
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction!r}.")
    vals = np.array([float("nan") if r.get(key) is None else float(r[key]) for r in curve])
    nan = float("nan")
    if vals.size == 0 or not np.isfinite(vals[-window:]).any():
        return {"final": nan, "images": nan, "time_s": nan, "per_cpu_hour": nan}
    final = float(np.nanmean(vals[-window:]))
    if not final > 0:
        return {"final": final, "images": nan, "time_s": nan, "per_cpu_hour": nan}
    smooth = np.array([np.nanmean(vals[max(0, i - window + 1) : i + 1]) for i in range(vals.size)])
    i = int(np.argmax(smooth >= fraction * final))
    row = curve[i]
    t = float(row["time_s"]) - sum(float(r.get("eval_s") or 0) for r in curve[: i + 1])
    return {
        "final": final,
        "images": float(row["images"]),
        "time_s": t,
        "per_cpu_hour": final / (t / 3600) if t > 0 else nan,
    }


def training_speed(curve: Sequence[Mapping[str, Any]]) -> float:
    """Images per second of training on an unshared core: the fastest stretch of the curve.

    The pilot runs shared a 2-core machine with other work, so their wall-clock time is
    inflated by waiting; the fastest stretch between two evaluations (evaluation time
    excluded) is the best estimate of the speed on an idle core. NaN for fewer than 2 rows.

    Examples
    --------
    >>> from seamlib.experiments.pilot import training_speed
    >>> rows = [{"images": 0, "time_s": 0.0}, {"images": 100, "time_s": 10.0, "eval_s": 0.0},
    ...         {"images": 200, "time_s": 15.0, "eval_s": 0.0}]
    >>> training_speed(rows)
    20.0
    """
    rates = []
    for a, b in zip(curve[:-1], curve[1:]):
        dt = float(b["time_s"]) - float(a["time_s"]) - float(b.get("eval_s") or 0)
        if dt > 0:
            rates.append((float(b["images"]) - float(a["images"])) / dt)
    return max(rates) if rates else math.nan


def budget_table(doc: Mapping[str, Any], key: str = "mig") -> list[dict[str, Any]]:
    """One row per pilot run: resolution, posterior, beta, final score and its plateau.

    ``images_per_s`` is :func:`training_speed`; ``plateau_cpu_s`` is the time to the
    plateau at that speed (``plateau_images / images_per_s``) and ``per_cpu_hour`` the final
    score per hour of it.

    Examples
    --------
    >>> from seamlib.experiments.pilot import budget_table
    >>> doc = {"runs": [{"config": {"resolution": 32, "posterior": "diag", "beta": 8.0},
    ...                  "curve": [{"images": 100, "time_s": 1.0, "eval_s": 0.0, "mig": 0.3}]}]}
    >>> budget_table(doc)[0]["final"]
    0.3
    """
    rows = []
    for run in doc["runs"]:
        cfg, curve = run["config"], run["curve"]
        p = plateau(curve, key)
        last = curve[-1] if curve else {}
        speed = training_speed(curve)
        cpu_s = p["images"] / speed if speed > 0 else math.nan
        rows.append(
            {
                "resolution": int(cfg.get("resolution", 64)),
                "posterior": cfg.get("posterior", "diag"),
                "beta": float(cfg.get("beta", 1.0)),
                "complete": run.get("status") == "complete",
                "images_seen": int(last.get("images") or 0),
                "images_per_s": speed,
                "final": p["final"],
                "plateau_images": p["images"],
                "plateau_cpu_s": cpu_s,
                "per_cpu_hour": p["final"] / (cpu_s / 3600) if cpu_s > 0 else math.nan,
            }
        )
    return sorted(rows, key=lambda r: (r["resolution"], r["posterior"], r["beta"]))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m seamlib.experiments.pilot collect RUN_ROOT [--out FILE] [--name NAME]``.

    Returns the exit status: 0, or 2 with a one-line error when nothing can be collected.

    Examples
    --------
    >>> from seamlib.experiments.pilot import main
    >>> main(["collect", "runs/dsprites/pilot-relu"])  # doctest: +SKIP
    0
    """
    parser = argparse.ArgumentParser(prog="python -m seamlib.experiments.pilot")
    sub = parser.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect", help="gather learning curves into results/dsprites/<name>.json")
    c.add_argument("run_root", nargs="+", help="folders of run directories")
    c.add_argument("--out", default=None, help="file or folder (default results/dsprites/)")
    c.add_argument("--name", default="pilot", help="experiment name (default pilot)")
    args = parser.parse_args(argv)
    words = list(sys.argv[1:] if argv is None else argv)
    command = module_command("seamlib.experiments.pilot", words)
    try:
        path = collect_curves(args.run_root, args.out, experiment=args.name, command=command)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
