"""The experiments' one pipeline: runs -> summaries -> stored results, with controls."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from seamlib.experiments import pipeline as P


def _run(root: Path, name: str, *, seed: int = 0, status: str = "complete") -> Path:
    run = root / name
    run.mkdir(parents=True)
    (run / "config.json").write_text(json.dumps({"seed": seed, "beta": 1.0}))
    (run / "checkpoint.pt").write_bytes(b"")
    (run / "state.json").write_text(json.dumps({"status": status}))
    sessions = [{"git_commit": f"c{seed}", "command": "python -m seamlib sweep g.json"}]
    (run / "provenance.json").write_text(json.dumps({"sessions": sessions}))
    return run


def test_summaries_are_cached_in_the_run_folder_until_stale(tmp_path: Path) -> None:
    """A cached summary is reused while it is newer than the checkpoint and current."""
    run = _run(tmp_path, "a")
    calls: list[str] = []

    def summarise(run: Path, cfg: Any) -> dict[str, Any]:
        calls.append(run.name)
        out = {"name": run.name, "config": cfg, "step": 4, "mig": 0.5, "version": len(calls)}
        (run / "s.json").write_text(json.dumps(out))
        return out

    first = P.summarise_runs([run], summarise, cache="s.json")
    assert first[0]["train_commits"] == ["c0"] and calls == ["a"]
    assert P.summarise_runs([run], summarise, cache="s.json") == first  # reused
    assert calls == ["a"]
    assert P.summarise_runs([run], summarise, cache="s.json", reuse=False)[0]["version"] == 2
    # a summary that the caller finds out of date (other images, a missing field) is redone
    stale = P.summarise_runs([run], summarise, cache="s.json", is_current=lambda *a: False)
    assert stale[0]["version"] == 3
    # a checkpoint newer than the summary (the run trained on) makes it stale too
    later = (run / "s.json").stat().st_mtime + 10
    os.utime(run / "checkpoint.pt", (later, later))
    assert P.summarise_runs([run], summarise, cache="s.json")[0]["version"] == 4


def test_write_results_keeps_stored_runs_whose_folders_are_gone(tmp_path: Path) -> None:
    """A grid trained over several sessions keeps every finished run, and what trained it."""
    path = tmp_path / "fig5.json"
    a = {"name": "a", "config": {"seed": 0}, "step": 4, "train_commits": ["c0"]}
    P.store_results(
        path,
        "fig5",
        [a],
        profile="smoke",
        device="cpu",
        key=("name",),
        eval_id="t1",
        command="first",
    )
    # the stored file's provenance still names what trained its runs
    doc = json.loads(path.read_text())
    doc["provenance"]["train_commands"] = ["python -m seamlib sweep old.json"]
    path.write_text(json.dumps(doc))
    b = {
        "name": "b",
        "config": {"seed": 1},
        "step": 4,
        "train_commits": ["c1"],
        "train_commands": ["python -m seamlib sweep g.json"],
    }
    P.store_results(
        path,
        "fig5",
        [b],
        profile="smoke",
        device="cpu",
        key=("name",),
        eval_id="t1",
        command="second",
    )
    doc = json.loads(path.read_text())
    assert [r["name"] for r in doc["runs"]] == ["a", "b"]
    prov = doc["provenance"]
    assert prov["seeds"] == [0, 1] and prov["n_runs"] == 2 and prov["command"] == "second"
    assert prov["train_commits"] == ["c0", "c1"]
    assert prov["train_commands"] == [
        "python -m seamlib sweep g.json",
        "python -m seamlib sweep old.json",
    ]
    # a run summarised again replaces its record; other held-out images are not mixed in
    again = {**a, "mig": 0.4}
    rows, _ = P.merge_stored(path, [again], key=("name",), eval_id="t1")
    assert [(r["name"], r.get("mig")) for r in rows] == [("b", None), ("a", 0.4)]
    assert P.merge_stored(path, [again], key=("name",), eval_id="t2") == ([again], {})


def test_store_controls_leaves_the_runs_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    P.store_results(
        path,
        "x",
        [{"name": "a", "config": {"seed": 0}, "step": 1, "v": 1.0}],
        profile="smoke",
        device="cpu",
    )
    before = json.loads(path.read_text())
    P.store_controls(
        path,
        [{"init_seed": 1000, "v": float("nan")}],
        profile="smoke",
        device="cpu",
        command="controls",
    )
    after = json.loads(path.read_text())
    assert after["runs"] == before["runs"] and after["provenance"] == before["provenance"]
    assert after["controls"] == [{"init_seed": 1000, "v": None}]
    assert after["controls_provenance"]["command"] == "controls"


def test_find_runs_leaves_out_runs_still_training(tmp_path: Path) -> None:
    _run(tmp_path, "done")
    _run(tmp_path, "busy", status="running")
    assert [r.name for r in P.find_runs(tmp_path)] == ["done"]
    assert [r.name for r in P.find_runs(tmp_path, include_incomplete=True)] == ["busy", "done"]
