"""The performance page: the stored benchmark results (``benchmarks/results.json``, written by
``make bench``) and the training cost of the stored grids, as tables and numbers.

:func:`load_benchmarks` reads the results, :func:`benchmark_tables` lays out one table per
benchmark section, :func:`benchmark_numbers` gives the numbers the page's prose states, and
:func:`grid_cost` reads what training the stored dSprites grids cost.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from seamlib.book.report import Table
from seamlib.config import project_root

__all__ = [
    "GRID_FILES",
    "benchmark_numbers",
    "benchmark_tables",
    "grid_cost",
    "load_benchmarks",
]

Row = Mapping[str, Any]

#: The stored dSprites results whose training cost the page states.
GRID_FILES: tuple[str, ...] = (
    "results/dsprites/gauss/fig5.json",
    "results/dsprites/cpu/tables.json",
    "results/dsprites/cpu/fig5.json",
    "results/dsprites/cpu/fig7.json",
)


def load_benchmarks(path: str | Path | None = None) -> dict[str, Any]:
    """The stored benchmark results: ``{"machine": {...}, "rows": [...]}`` (empty where
    ``make bench`` has not run).

    Examples
    --------
    >>> from seamlib.book.performance import load_benchmarks
    >>> sorted(load_benchmarks("no/such/file.json"))
    ['machine', 'rows']
    """
    file = Path(path) if path is not None else project_root() / "benchmarks" / "results.json"
    if not file.is_file():
        return {"machine": {}, "rows": []}
    doc: dict[str, Any] = json.loads(file.read_text())
    return doc


def _group(rows: Sequence[Row], name: str) -> list[Row]:
    return [r for r in rows if r.get("group") == name]


def _step_rows(rows: Sequence[Row]) -> list[Row]:
    """The training-step rows of the roofline benchmark (those with a FLOP count)."""
    return [r for r in _group(rows, "training roofline and step cost") if "gflop_per_step" in r]


def _mlp_step_cost(rows: Sequence[Row]) -> dict[tuple[int, int], Row]:
    """(resolution, batch size) -> the MLP's training-step row of the roofline benchmark."""
    return {
        (r["resolution"], r["batch_size"]): r
        for r in _step_rows(rows)
        if r["architecture"] == "mlp"
    }


def benchmark_tables(results: Mapping[str, Any]) -> dict[str, Table]:
    """One table per benchmark section of the page.

    Returns
    -------
    dict
        ``"peer"`` (metrics against disentanglement_lib's code), ``"roof"`` (training step
        cost against the CPU's peak), ``"engine"`` (the engine against a bare PyTorch loop),
        ``"geo"`` (geometry against its baselines) and ``"all"`` (every row with its bar).

    Examples
    --------
    >>> from seamlib.book.performance import benchmark_tables
    >>> sorted(benchmark_tables({"machine": {}, "rows": []}))
    ['all', 'engine', 'geo', 'peer', 'roof']
    """
    rows = results["rows"]
    peer = _group(rows, "metrics vs disentanglement_lib")
    steps = _step_rows(rows)
    engine = [r for r in _group(rows, "training engine") if r["name"].startswith("engine overhead")]
    yes = {True: "yes", False: "no"}
    return {
        "peer": Table(
            ["metric", "seamlib (s)", "disentanglement_lib (s)", "speed-up", "max |difference|",
             "equal"],
            [[r["name"].replace(" vs disentanglement_lib", ""), r["candidate_s"], r["baseline_s"],
              f"{r['ratio']:.1f}x", f"{r.get('max_abs_diff', math.nan):.1e}",
              yes[bool(r["equal"])]] for r in peer],
            fmt=".3g",
        ),
        "roof": Table(
            ["model", "pixels", "batch", "GFLOP per step", "ms per step", "images/s per core",
             "GFLOP/s", "% of peak"],
            [[("Burgess conv" if r["architecture"] == "burgess" else "MLP (256, 256)"),
              f"{r['resolution']}x{r['resolution']}", r["batch_size"], r["gflop_per_step"],
              1e3 * r["candidate_s"], f"{r['images_per_s']:.0f}", r["gflops"],
              f"{100 * r['ratio']:.0f}"] for r in steps],
        ),
        "engine": Table(
            ["model", "bare PyTorch loop (s)", "seamlib engine (s)", "engine / bare",
             "same parameters"],
            [[r["name"].replace("engine overhead ", ""), r["baseline_s"], r["candidate_s"],
              f"{r['candidate_s'] / r['baseline_s']:.3f}", yes[bool(r["equal"])]]
             for r in engine],
        ),
        "geo": Table(
            ["what", "baseline", "baseline (s)", "seamlib (s)", "ratio", "bar", "equal"],
            [[r["name"], r["baseline"], r["baseline_s"], r["candidate_s"], f"{r['ratio']:.1f}",
              f"{r['bar']:g}", yes[bool(r["equal"])]] for r in _group(rows, "geometry")],
        ),
        "all": Table(
            ["section", "what", "baseline", "candidate", "ratio", "bar", "passed", "commit",
             "machine"],
            [[r.get("group", r.get("module", "?")), r["name"],
              f"{r['baseline']} ({r['baseline_s']:.3g} s)",
              f"{r['candidate']} ({r['candidate_s']:.3g} s)", f"{r['ratio']:.2f}",
              f"{r['bar']:.2f}", yes[bool(r["passed"])], r.get("commit", "?")[:12],
              r.get("machine", "?")] for r in rows],
        ),
    }  # fmt: skip


def benchmark_numbers(results: Mapping[str, Any]) -> dict[str, float]:
    """The numbers the page's prose states (NaN where a benchmark did not run).

    ``n_rows``; against disentanglement_lib ``peer_n``, ``peer_equal``, ``mig_speedup``,
    ``fit_min`` and ``fit_max`` (ratios of the classifier-based metrics) and ``peer_worst``
    (largest difference); the CPU's ``peak`` GFLOP/s, the convolutional model's
    ``conv_pct`` of it and ``conv_ips`` images per second; ``engine_worst`` (the engine's
    largest overhead over a bare loop, in %); the step cost ratios ``res_ratio`` (64 x 64
    against 32 x 32), ``batch_ratio`` and ``batch_ratio32`` (batch 256 against 64).

    Examples
    --------
    >>> from seamlib.book.performance import benchmark_numbers
    >>> numbers = benchmark_numbers({"machine": {}, "rows": []})
    >>> numbers["n_rows"], numbers["peak"]
    (0.0, nan)
    """
    rows = results["rows"]
    peer = _group(rows, "metrics vs disentanglement_lib")
    by_name = {r["name"].split(" vs ")[0]: r for r in peer}
    fits = [
        r["ratio"]
        for r in peer
        if r["name"].split(" vs ")[0] not in ("MIG", "modularity", "SAP (continuous)")
    ]
    roof = _group(rows, "training roofline and step cost")
    peak = next((r for r in roof if r.get("gflops") and "peak" in r["name"]), None)
    conv = next(
        (r for r in roof if r.get("architecture") == "burgess" and "gflop_per_step" in r), None
    )
    engine = [r for r in _group(rows, "training engine") if r["name"].startswith("engine overhead")]
    cost = _mlp_step_cost(rows)

    def ratio(a: tuple[int, int], b: tuple[int, int]) -> float:
        return (
            cost[a]["candidate_s"] / cost[b]["candidate_s"] if a in cost and b in cost else math.nan
        )

    return {
        "n_rows": float(len(rows)),
        "peer_n": float(len(peer)),
        "peer_equal": float(sum(bool(r["equal"]) for r in peer)),
        "mig_speedup": by_name["MIG"]["ratio"] if "MIG" in by_name else math.nan,
        "fit_min": min(fits, default=math.nan),
        "fit_max": max(fits, default=math.nan),
        "peer_worst": max((r.get("max_abs_diff", math.nan) for r in peer), default=math.nan),
        "peak": peak["gflops"] if peak else math.nan,
        "conv_pct": 100 * conv["ratio"] if conv else math.nan,
        "conv_ips": conv["images_per_s"] if conv else math.nan,
        "engine_worst": max((100 * (r["candidate_s"] / r["baseline_s"] - 1) for r in engine),
                            default=math.nan),
        "res_ratio": ratio((64, 64), (32, 64)),
        "batch_ratio": ratio((64, 256), (64, 64)),
        "batch_ratio32": ratio((32, 256), (32, 64)),
    }  # fmt: skip


def grid_cost(files: Sequence[str] = GRID_FILES, root: Path | None = None) -> tuple[Table, float]:
    """What training the stored grids cost: one row per results file, and the total hours.

    Examples
    --------
    >>> from seamlib.book.performance import grid_cost
    >>> table, hours = grid_cost(["results/no/such.json"])
    >>> len(table.cells), hours
    (0, 0.0)
    """
    base = root if root is not None else project_root()
    rows = []
    for rel in files:
        path = base / rel
        if not path.is_file():
            continue
        doc = json.loads(path.read_text())
        runs = [r for r in doc.get("runs", []) if r.get("train_s")]
        if not runs:
            continue
        cfgs = {
            (r["config"]["resolution"], r["config"]["batch_size"], r["config"]["steps"])
            for r in runs
        }
        res, batch, n_steps = sorted(cfgs)[0]
        total = sum(r["train_s"] for r in runs)
        ips = [r["config"]["steps"] * r["config"]["batch_size"] / r["train_s"] for r in runs]
        rows.append([rel.removeprefix("results/dsprites/"), doc["provenance"]["profile"],
                     len(runs), f"{res}x{res}", batch, n_steps, total / 3600 / len(runs),
                     total / 3600, f"{sum(ips) / len(ips):.0f}"])  # fmt: skip
    table = Table(
        ["grid", "profile", "runs", "pixels", "batch", "steps", "hours per run",
         "hours per grid", "images/s per run"],
        rows,
        fmt=".2f",
    )  # fmt: skip
    return table, float(sum(r[7] for r in rows))
