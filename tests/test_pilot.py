"""Pilot learning curves: collection with provenance and the plateau read-off."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from seamlib.engine.config import TrainConfig
from seamlib.engine.train import train
from seamlib.experiments import pilot as P


def _curve(values, step_images=100, step_s=1.0):
    return [
        {"images": (i + 1) * step_images, "time_s": (i + 1) * step_s, "eval_s": 0.1, "mig": v}
        for i, v in enumerate(values)
    ]


def test_plateau_known_answer():
    curve = _curve([0.0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.4, 0.4])
    p = P.plateau(curve, fraction=0.9, window=1)
    assert p["final"] == pytest.approx(0.4)
    assert p["images"] == 500  # first value >= 0.36
    assert p["time_s"] == pytest.approx(5.0 - 5 * 0.1)  # evaluation time is not training time
    assert p["per_cpu_hour"] == pytest.approx(0.4 / (4.5 / 3600))


def test_plateau_flat_zero_and_empty_curves():
    assert math.isnan(P.plateau(_curve([0.0, 0.0, 0.0]))["images"])
    assert math.isnan(P.plateau([])["final"])
    with pytest.raises(ValueError, match="fraction"):
        P.plateau(_curve([0.1]), fraction=0)


def test_collect_curves_with_provenance(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = TrainConfig(
        dataset="rings", architecture="mlp", latent_dim=2, likelihood="gaussian", subset=256,
        batch_size=32, steps=4, checkpoint_every=2, eval_every=2, eval_n=64, log_every=2,
    )  # fmt: skip
    train(cfg, "runs/p/a", progress=False)
    (tmp_path / "runs/p/a/curve.jsonl").open("a").write('{"step": 6, "im')  # torn last line
    assert P.main(["collect", "runs/p", "--out", "out/pilot.json"]) == 0
    doc = json.loads((tmp_path / "out/pilot.json").read_text())
    prov = doc["provenance"]
    assert prov["run_root"] == "runs/p"  # relative, no machine path
    assert prov["command"].startswith("python -m seamlib.experiments.pilot collect runs/p")
    (run,) = doc["runs"]
    assert [r["step"] for r in run["curve"]] == [2, 4]
    assert run["status"] == "complete" and run["train_commits"]
    table = P.budget_table(doc, key="nll")
    assert table[0]["images_seen"] == 4 * 32
    # a later session: run a's folder is gone, run b is new; a's stored curve is kept
    train(cfg, "runs/p/b", progress=False)
    shutil.rmtree(tmp_path / "runs/p/a")
    assert P.main(["collect", "runs/p", "--out", "out/pilot.json"]) == 0
    doc = json.loads((tmp_path / "out/pilot.json").read_text())
    assert [r["name"] for r in doc["runs"]] == ["a", "b"] and doc["runs"][0]["curve"]
    assert doc["provenance"]["n_runs"] == 2


def test_collect_without_curves_is_a_clear_error(tmp_path, capsys):
    assert P.main(["collect", str(tmp_path)]) == 2
    assert "--eval-every" in capsys.readouterr().err


def test_stored_results_hold_no_machine_paths(tmp_path, monkeypatch):
    """relative_path keeps stored run folders relative (no run-root machine path)."""
    from seamlib.engine.sweep import write_results
    from seamlib.provenance import relative_path

    monkeypatch.chdir(tmp_path)
    assert relative_path(tmp_path / "runs" / "a") == "runs/a"
    assert relative_path("/somewhere/else/run-7") == "run-7"
    out = write_results([{"run": str(tmp_path / "runs" / "a"), "seed": 0}], "r.json")
    doc = json.loads(out.read_text())
    assert doc["rows"][0]["run"] == "runs/a"
