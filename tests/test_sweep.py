"""Tests of seamlib.engine.sweep: grid files, the local and submitit launchers, the results
table."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import torch

from seamlib.engine.sweep import (
    TrainJob,
    expand_grid,
    format_table,
    launch,
    load_grid,
    results,
    write_results,
)
from seamlib.engine.train import train
from seamlib.errors import ConfigError

BASE = dict(
    dataset="synth-lin",
    subset=128,
    architecture="mlp",
    hidden=[8],
    latent_dim=2,
    likelihood="gaussian",
    steps=6,
    batch_size=16,
    checkpoint_every=3,
    log_every=3,
    device="cpu",
)


def spec(root: Path, **grid) -> dict:
    return {"root": str(root), "base": BASE, "grid": grid or {"beta": [0.5, 1.0]}}


def test_expand_grid_names_and_configs(tmp_path: Path):
    runs = expand_grid(spec(tmp_path, posterior=["diag", "full"], beta=[0.1, 1.0], seed=[0]))
    assert [r.name for r in runs] == [
        "posterior-diag_beta-0.1_seed-0",
        "posterior-diag_beta-1_seed-0",
        "posterior-full_beta-0.1_seed-0",
        "posterior-full_beta-1_seed-0",
    ]
    assert runs[2].config.posterior == "full" and runs[2].config.beta == 0.1
    assert runs[0].config.steps == 6 and runs[0].run_dir.parent == tmp_path


def test_grid_files_json_and_yaml(tmp_path: Path):
    (tmp_path / "g.json").write_text(json.dumps(spec(tmp_path)))
    (tmp_path / "g.yaml").write_text(
        f"root: {tmp_path}\nbase:\n  dataset: synth-lin\n  architecture: mlp\ngrid:\n"
        "  beta: [0.5, 1e-3]\n"
    )
    assert len(expand_grid(load_grid(tmp_path / "g.json"))) == 2
    # YAML 1.1 reads 1e-3 as a string; TrainConfig turns it into a float
    assert [r.config.beta for r in expand_grid(load_grid(tmp_path / "g.yaml"))] == [0.5, 1e-3]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (dict(grid={"beta": [1.0, 0.0]}), "beta-0.*beta must be"),
        (dict(grid={"beta": []}), "non-empty list"),
        (dict(grid={"layers": [1]}), "Unknown training option"),
        (dict(extra=1), "Unknown grid-file entries"),
    ],
)
def test_bad_grids_fail_before_running(tmp_path: Path, bad: dict, match: str):
    with pytest.raises(ConfigError, match=match):
        expand_grid({**spec(tmp_path), **bad})
    with pytest.raises(ConfigError, match="does not exist"):
        load_grid(tmp_path / "missing.json")


def test_local_launcher_results_table_and_provenance(tmp_path: Path):
    runs = expand_grid(spec(tmp_path / "runs"))
    out = launch(runs, "local", progress=False)
    assert [o["status"] for o in out] == ["complete", "complete"]
    again = launch(runs, "local", progress=False)  # finished runs are skipped
    assert all(o.get("skipped") for o in again)
    rows = results([tmp_path / "runs"])
    assert len(rows) == 2 and {r["beta"] for r in rows} == {0.5, 1.0}
    assert all(r["status"] == "complete" and r["step"] == 6 for r in rows)
    table = format_table(rows)
    assert "beta" in table.splitlines()[0] and len(table.splitlines()) == 3
    path = write_results(rows, tmp_path / "out" / "table.json")
    stored = json.loads(path.read_text())
    assert len(stored["rows"]) == 2 and "git_commit" in stored["provenance"]
    write_results(rows, tmp_path / "out" / "table.csv")
    assert (tmp_path / "out" / "table.csv.provenance.json").exists()


def test_train_job_resumes_a_preempted_run(tmp_path: Path):
    """A requeued (preempted) job continues from the run's checkpoint, exactly."""
    runs = expand_grid(spec(tmp_path, beta=[1.0]))
    run = runs[0]
    straight = train(run.config, tmp_path / "straight", progress=False)
    train(run.config, run.run_dir, progress=False, stop_after=3)  # "preempted" at step 3
    job = TrainJob(run.config.to_dict(), str(run.run_dir))
    requeued = job.checkpoint()  # what submitit calls on preemption
    assert requeued.function is job
    assert job() == {"run_dir": str(run.run_dir), "step": 6, "status": "complete"}
    resumed = torch.load(run.run_dir / "checkpoint.pt", weights_only=True)["model"]
    ref = straight.model.state_dict()
    assert all(torch.equal(resumed[k], ref[k]) for k in ref)


def test_submitit_local_executor(tmp_path: Path, monkeypatch):
    pytest.importorskip("submitit")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    runs = expand_grid(spec(tmp_path / "runs", beta=[1.0]))
    out = launch(runs, "submitit", cluster="local", executor_params={"timeout_min": 5})
    assert out == [{"run_dir": str(runs[0].run_dir), "step": 6, "status": "complete"}]
    assert (tmp_path / "runs" / "_submitit").is_dir()
    assert results([tmp_path / "runs"])[0]["status"] == "complete"


@pytest.mark.slow
def test_submitit_preempted_job_resumes_from_checkpoint(tmp_path: Path, monkeypatch):
    """Preempt a running submitit job (its SIGUSR2): the trainer checkpoints at the next step
    boundary, submitit requeues the job, and the requeued job resumes from the checkpoint."""
    submitit = pytest.importorskip("submitit")
    import time

    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the job processes: one torch thread each
    long = {**BASE, "steps": 3_000, "checkpoint_every": 10_000, "log_every": 50}
    runs = expand_grid({"root": str(tmp_path / "runs"), "base": long, "grid": {"seed": [0]}})
    run_dir = runs[0].run_dir
    executor = submitit.AutoExecutor(folder=tmp_path / "sub", cluster="local")
    executor.update_parameters(timeout_min=5)
    job = executor.submit(TrainJob(runs[0].config.to_dict(), str(run_dir)))
    metrics = run_dir / "metrics.jsonl"
    deadline = time.time() + 120
    state = run_dir / "state.json"
    while time.time() < deadline and not (state.exists() and "running" in state.read_text()):
        time.sleep(0.2)
    time.sleep(0.5)
    assert not job.done(), "job finished before it could be preempted; raise its steps"
    # Slurm preemption: submitit's signal (SIGUSR2) to the task; the local executor's
    # job._interrupt() signals its controller process instead, so signal the task directly
    os.kill(json.loads(state.read_text())["pid"], signal.SIGUSR2)
    out = job.result()
    assert out["status"] == "complete" and out["step"] == 3_000
    sessions = json.loads((run_dir / "provenance.json").read_text())["sessions"]
    assert len(sessions) == 2 and 0 < sessions[1]["start_step"] < 3_000
    assert metrics.exists()
