"""Tests of seamlib.engine.rundir and its use by the engine: one owner per run directory, verified
two-generation checkpoints with fall-back, torn lines, a rebuilt state.json, file modes,
resume semantics (safe changes, --steps below the steps done) and no empty folders left by
early errors. Tiny MLPs on tiny data: a few seconds in all."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from test_train import tiny_config as _tiny_config
from test_train import tiny_data as _tiny_data

from seamlib.engine import rundir
from seamlib.engine.config import TrainConfig
from seamlib.engine.data import TrainingData
from seamlib.engine.evaluate import evaluate
from seamlib.engine.rundir import RunDirLocked, RunDirWarning, lock_run_dir
from seamlib.engine.runs import load_run
from seamlib.engine.train import train
from seamlib.errors import ConfigError, TrainingError


def tiny_data(n: int = 128, seed: int = 0) -> TrainingData:
    """test_train's synthetic data, 128 points."""
    return _tiny_data(n, seed)


def tiny_config(**kw) -> TrainConfig:
    """test_train's tiny configuration with a smaller network and batch."""
    return _tiny_config(**{"hidden": (8,), "batch_size": 16, **kw})


def state_of(run: Path) -> dict:
    return json.loads((run / "state.json").read_text())


# --- locking --------------------------------------------------------------------------
def test_lock_excludes_a_second_owner_and_is_released(tmp_path: Path):
    with lock_run_dir(tmp_path, command="seamlib train"):
        owner = json.loads((tmp_path / ".lock").read_text())
        assert owner["pid"] == os.getpid()
        with pytest.raises(RunDirLocked, match=rf"in use by process {os.getpid()}.*seamlib train"):
            with lock_run_dir(tmp_path):
                pass
    assert not (tmp_path / ".lock").exists()  # released and removed
    with lock_run_dir(tmp_path):
        pass


def test_train_evaluate_and_sweep_refuse_a_locked_run_dir(tmp_path: Path):
    from seamlib.engine.sweep import GridRun, launch

    run = tmp_path / "r"
    train(tiny_config(), run, data=tiny_data(), progress=False, stop_after=10)
    with lock_run_dir(run, command="another seamlib train"):
        with pytest.raises(RunDirLocked, match="another seamlib train"):
            train(None, run, resume=True, data=tiny_data(), progress=False)
        with pytest.raises(RunDirLocked):
            evaluate(run, n=16, n_jacobian=2, data=tiny_data())
        with pytest.raises(RunDirLocked):
            launch([GridRun("r", run, tiny_config())], "local", progress=False)
    with lock_run_dir(tmp_path):  # a second sweep over the same folder
        with pytest.raises(RunDirLocked):
            launch([GridRun("r", run, tiny_config())], "local", progress=False)
    assert state_of(run)["step"] == 10  # nothing ran


def test_sweeps_sharing_a_grid_skip_the_run_another_process_trains(tmp_path: Path):
    """skip_busy: the busy run is skipped and reported, the others train, no folder lock."""
    from seamlib.engine.sweep import GridRun, launch

    busy, free = tmp_path / "busy", tmp_path / "free"
    runs = [
        GridRun("busy", busy, tiny_config(steps=10)),
        GridRun("free", free, tiny_config(steps=10)),
    ]
    with lock_run_dir(tmp_path, command="a sweep without skip_busy"):  # ignored by skip_busy
        with lock_run_dir(busy, command="another seamlib train", create=True):
            out = launch(runs, "local", progress=False, skip_busy=True)
    assert [r["status"] for r in out] == ["busy", "complete"]
    assert "another seamlib train" in out[0]["error"]
    assert not (busy / "state.json").exists() and state_of(free)["status"] == "complete"
    out = launch(runs, "local", progress=False, skip_busy=True)  # run again: picks up the rest
    assert [r["status"] for r in out] == ["complete", "complete"] and out[1]["skipped"]
    with pytest.raises(ConfigError, match="local launcher"):
        launch(runs, "submitit", skip_busy=True)


def test_lock_of_a_killed_process_is_free(tmp_path: Path):
    code = (
        "import sys, time; from seamlib.engine.rundir import lock_run_dir\n"
        "with lock_run_dir(sys.argv[1]):\n    print('locked', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        with pytest.raises(RunDirLocked, match=str(proc.pid)):
            with lock_run_dir(tmp_path):
                pass
    finally:
        proc.kill()
        proc.wait()
    assert (tmp_path / ".lock").exists()  # left behind by kill -9 ...
    with lock_run_dir(tmp_path):  # ... but the kernel released the flock
        pass


def test_without_flock_a_stale_lock_is_detected_by_pid(tmp_path: Path, monkeypatch):
    def no_flock(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(rundir.fcntl, "flock", no_flock)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / ".lock").write_text(json.dumps({"pid": dead.pid}))
    with pytest.warns(RunDirWarning, match=f"stale lock of process {dead.pid}"):
        with lock_run_dir(tmp_path):
            assert json.loads((tmp_path / ".lock").read_text())["pid"] == os.getpid()
    assert not (tmp_path / ".lock").exists()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / ".lock").write_text(json.dumps({"pid": alive.pid}))
        with pytest.raises(RunDirLocked, match=str(alive.pid)):
            with lock_run_dir(tmp_path):
                pass
    finally:
        alive.kill()
        alive.wait()


def test_early_errors_leave_no_folders_behind(tmp_path: Path):
    cfg = tiny_config(dataset="celeba", data_root=None)  # fails while loading the data
    with pytest.raises(ConfigError, match="needs --data-root"):
        train(cfg, tmp_path / "a" / "b" / "run", progress=False)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "mine").mkdir()  # a folder the user made is kept
    with pytest.raises(ConfigError):
        train(cfg, tmp_path / "mine", progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]
    assert list((tmp_path / "mine").iterdir()) == []


# --- verified checkpoints -------------------------------------------------------------
def test_two_generations_with_checksums_in_state(tmp_path: Path):
    run = tmp_path / "r"
    train(tiny_config(), run, data=tiny_data(), progress=False)
    records = state_of(run)["checkpoints"]
    assert [r["step"] for r in records] == [40, 30, 20]
    assert rundir.sha256_file(run / "checkpoint.pt") == records[0]["sha256"]
    assert rundir.sha256_file(run / "checkpoint.prev.pt") == records[1]["sha256"]
    assert torch.load(run / "checkpoint.prev.pt", weights_only=True)["step"] == 30


@pytest.mark.parametrize("damage", ["truncate", "garbage", "append"])
def test_resume_falls_back_to_the_previous_checkpoint_exactly(tmp_path: Path, damage: str):
    data = tiny_data()
    straight = train(tiny_config(), tmp_path / "a", data=data, progress=False)
    run = tmp_path / "b"
    train(tiny_config(), run, data=data, progress=False, stop_after=30)
    ckpt = run / "checkpoint.pt"
    raw = ckpt.read_bytes()
    if damage == "truncate":
        ckpt.write_bytes(raw[: len(raw) // 2])
    elif damage == "garbage":
        ckpt.write_bytes(b"not a checkpoint")
    else:  # still loads, but no longer matches its checksum
        ckpt.write_bytes(raw + b"\0")
    with pytest.warns(
        RunDirWarning, match=r"checkpoint\.pt .*using checkpoint\.prev\.pt \(step 20\)"
    ):
        resumed = train(None, run, resume=True, data=data, progress=False)
    assert (run / "checkpoint.corrupt.pt").exists()
    sa, sb = straight.model.state_dict(), resumed.model.state_dict()
    assert resumed.step == 40 and all(torch.equal(sa[k], sb[k]) for k in sa)
    rows = [json.loads(x)["step"] for x in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows == list(range(5, 41, 5))  # the rows after step 20 were recomputed once


def test_evaluate_falls_back_and_fails_cleanly_when_nothing_is_left(tmp_path: Path):
    run = tmp_path / "r"
    data = tiny_data()
    train(tiny_config(), run, data=data, progress=False)
    (run / "checkpoint.pt").write_bytes(b"")
    with pytest.warns(RunDirWarning, match=r"using checkpoint\.prev\.pt \(step 30\)"):
        out = evaluate(run, n=32, n_jacobian=4, data=data)
    assert out["step"] == 30 and out["provenance"]["checkpoint"] == "checkpoint.prev.pt"
    (run / "checkpoint.prev.pt").write_bytes(b"PK\x03\x04 torn")
    with pytest.raises(
        ConfigError, match="No usable checkpoint.*checkpoint.prev.pt does not match its checksum"
    ):
        load_run(run)
    (run / "state.json").unlink()  # no checksums: verified by loading
    with pytest.raises(ConfigError, match=r"checkpoint.pt cannot be read \(.*prev.pt cannot be"):
        load_run(run)


def test_old_run_dir_without_checksums_still_resumes(tmp_path: Path):
    run = tmp_path / "r"
    train(tiny_config(), run, data=tiny_data(), progress=False, stop_after=20)
    state = state_of(run)
    del state["checkpoints"]  # as written before checksums existed
    (run / "state.json").write_text(json.dumps(state))
    (run / "checkpoint.prev.pt").unlink()
    res = train(None, run, resume=True, data=tiny_data(), progress=False)
    assert res.step == 40 and [r["step"] for r in state_of(run)["checkpoints"]] == [40, 30, 20]


def test_torn_jsonl_lines_are_dropped_with_a_warning(tmp_path: Path):
    from seamlib.engine.sweep import results

    run = tmp_path / "r"
    data = tiny_data()
    train(tiny_config(eval_every=10, eval_n=32), run, data=data, progress=False, stop_after=20)
    for name in ("metrics.jsonl", "curve.jsonl"):
        with open(run / name, "a") as handle:
            handle.write('{"step": 25, "lo')
    with pytest.warns(RunDirWarning, match=r"torn last line of .*metrics\.jsonl"):
        row = results([tmp_path])[0]
    assert row["step"] == 20 and row["loss"] is not None
    with pytest.warns(RunDirWarning) as caught:
        res = train(None, run, resume=True, data=data, progress=False)
    messages = sorted(str(w.message) for w in caught)
    assert len(messages) == 2 and "curve.jsonl" in messages[0] and "metrics" in messages[1]
    assert res.step == 40
    curve = [json.loads(x)["step"] for x in (run / "curve.jsonl").read_text().splitlines()]
    assert curve == [10, 20, 30, 40]


def test_corrupt_state_json_is_rebuilt_from_the_checkpoint(tmp_path: Path):
    run = tmp_path / "r"
    data = tiny_data()
    train(tiny_config(), run, data=data, progress=False, stop_after=20)
    (run / "state.json").write_text('{"status": "runn')
    with pytest.warns(RunDirWarning, match="state.json is corrupt"):
        evaluate(run, n=16, n_jacobian=2, data=data)
    state = state_of(run)
    assert state["status"] == "stopped" and state["step"] == 20
    (run / "state.json").write_text("garbage")
    with pytest.warns(RunDirWarning, match="state.json is corrupt"):
        assert train(None, run, resume=True, data=data, progress=False).step == 40
    assert state_of(run)["status"] == "complete"


def test_run_files_get_the_usual_permissions(tmp_path: Path):
    old = os.umask(0o022)
    try:
        run = tmp_path / "r"
        train(tiny_config(), run, data=tiny_data(), progress=False)
        evaluate(run, n=16, n_jacobian=2, data=tiny_data())
    finally:
        os.umask(old)
    for path in run.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path.name


# --- resume semantics -----------------------------------------------------------------
def test_resume_refuses_fewer_steps_than_done(tmp_path: Path):
    run = tmp_path / "r"
    train(tiny_config(), run, data=tiny_data(), progress=False, stop_after=20)
    before = {p.name: p.read_bytes() for p in run.iterdir()}
    with pytest.raises(ConfigError, match="has done 20 steps.*--steps 20 or more"):
        train(None, run, resume=True, data=tiny_data(), progress=False, steps=10)
    assert {p.name: p.read_bytes() for p in run.iterdir()} == before  # nothing rewritten
    res = train(None, run, resume=True, data=tiny_data(), progress=False, steps=20)
    assert res.status == "complete" and res.step == 20
    res = train(None, run, resume=True, data=tiny_data(), progress=False, stop_after=5)
    assert res.status == "complete" and state_of(run)["status"] == "complete"


def test_safe_changes_on_resume_are_applied_and_recorded(tmp_path: Path):
    run = tmp_path / "r"
    train(tiny_config(), run, data=tiny_data(), progress=False, stop_after=20)
    res = train(
        None,
        run,
        resume=True,
        data=tiny_data(),
        progress=False,
        changes={"lr": 1e-3, "log_every": 10},
    )
    assert res.step == 40
    ckpt = torch.load(run / "checkpoint.pt", weights_only=True)
    assert ckpt["optimizer"]["param_groups"][0]["lr"] == 1e-3
    assert json.loads((run / "config.json").read_text())["lr"] == 1e-3
    session = json.loads((run / "provenance.json").read_text())["sessions"][-1]
    assert session["changed"] == {
        "lr": {"from": 0.01, "to": 0.001},
        "log_every": {"from": 5, "to": 10},
    }
    assert session["start_step"] == 20
    with pytest.raises(ConfigError, match="beta cannot change when a run is resumed"):
        train(None, run, resume=True, data=tiny_data(), progress=False, changes={"beta": 2.0})
    with pytest.raises(ConfigError, match="lr must be a finite number > 0"):
        train(None, run, resume=True, data=tiny_data(), progress=False, changes={"lr": -1.0})


def test_non_finite_advice_is_a_command_that_works(tmp_path: Path, capsys):
    """A learning rate so large that the first Adam step overflows: a clean error whose
    advice, run as written, completes the run (and is recorded)."""
    from seamlib.__main__ import main

    run = tmp_path / "rings"
    args = ["--dataset", "rings", "--arch", "mlp", "-d", "2", "--likelihood", "gaussian"]
    args += ["--subset", "64", "--batch-size", "16", "--steps", "6", "--device", "cpu"]
    assert main(["train", *args, "--lr", "1e300", "--run-dir", str(run), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "at training step 1 " in err
    command = err.split("continue with: ")[1].strip().split()
    assert command[:4] == ["python", "-m", "seamlib", "train"]
    assert command[4:7] == ["--resume", str(run), "--lr"] and float(command[7]) <= 1e-3
    assert main([*command[3:], "--no-progress"]) == 0
    assert "complete: step 6/6" in capsys.readouterr().out
    session = json.loads((run / "provenance.json").read_text())["sessions"][-1]
    assert session["changed"]["lr"]["from"] == 1e300


def test_wait_for_process(tmp_path: Path):
    """The PID-liveness probe used for stale locks."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    time.sleep(0.05)
    assert not rundir._pid_alive(proc.pid) and rundir._pid_alive(os.getpid())


def test_training_error_is_still_a_training_error(tmp_path: Path):
    bad = tiny_data()
    bad.x[:] = float("nan")
    # the loss of the initial parameters is non-finite: no change allowed on resume can help
    with pytest.raises(TrainingError, match=r"the run must start over \(new --run-dir\)"):
        train(tiny_config(), tmp_path / "nan", data=bad, progress=False)
