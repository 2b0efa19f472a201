"""Stored runs are what they claim to be, and no input or environment ends in a traceback.

* A sweep never reports old runs under a grid whose configuration they do not match: it
  resumes the runs whose differences a resume may follow (more steps, say) and otherwise
  refuses, naming the runs and the options, before anything trains.
* A resume starts where the records say, or refuses: missing checkpoints, a config.json
  edited by hand, a corrupt provenance.json, a checkpoint name taken by a folder.
* Bad bytes in any file, values too large for memory, paths too long, a full disk, a
  closed pipe: one line and exit status 2 (141 for the pipe); a failed run says ``failed``
  in its state.json, with the reason and the step.
* Property-based: arbitrary command-line values, grid files and bytes in every file of a
  run directory give no traceback and leave the other runs' files untouched.

Tiny MLPs on 2-D synthetic data; the whole file takes well under a minute on one core.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_cli_input import BASE, SYNTH, assert_clean_error, cli

from seamlib.__main__ import main
from seamlib.engine.config import TrainConfig
from seamlib.engine.sweep import _fmt, expand_grid

RUN = [*SYNTH, "--steps", "20", "--checkpoint-every", "5", "--log-every", "5"]


def state_of(run: Path) -> dict:
    return json.loads((run / "state.json").read_text())


def snapshot(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (relative name -> digest)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def train_run(run: Path, *extra: str) -> None:
    rc, _, err = cli(["train", *RUN, "--run-dir", str(run), *extra])
    assert rc == 0, err


def write_grid(tmp: Path, base: dict, grid: dict, name: str = "grid.json") -> Path:
    path = tmp / name
    path.write_text(json.dumps({"root": str(tmp / "sweep"), "base": base, "grid": grid}))
    return path


GRID_BASE = {**BASE, "steps": 10, "checkpoint_every": 5, "log_every": 5}


# --- a sweep over a changed grid -------------------------------------------------------------
def test_sweep_refuses_a_changed_grid_and_resumes_the_changes_a_resume_allows(tmp_path: Path):
    grid = write_grid(tmp_path, GRID_BASE, {"seed": [0, 1]})
    rc, out, err = cli(["sweep", str(grid), "--no-progress"])
    assert rc == 0 and out.count("status=complete") == 2, err
    before = snapshot(tmp_path / "sweep")
    # a new beta (or any option a resume cannot change): refused, the runs and keys named
    for changed in ({"beta": 4.0}, {"latent_dim": 3}, {"subset": 128}):
        grid = write_grid(tmp_path, {**GRID_BASE, **changed}, {"seed": [0, 1]})
        for extra in ([], ["--dry-run"], ["--skip-busy"]):
            rc, _, err = cli(["sweep", str(grid), "--no-progress", *extra])
            key = next(iter(changed))
            assert_clean_error(rc, err, "2 stored run(s)")
            assert "seed-0 (" in err and "seed-1 (" in err and f"{key}: " in err, err
            assert "Set the grid back to the stored values, or sweep into a new --root" in err
    assert snapshot(tmp_path / "sweep") == before  # nothing trained, nothing rewritten
    # fewer steps than done: refused too, saying so (steps itself may change)
    grid = write_grid(tmp_path, {**GRID_BASE, "steps": 5}, {"seed": [0, 1]})
    rc, _, err = cli(["sweep", str(grid), "--no-progress"])
    assert_clean_error(rc, err, "steps: 10 done, 5 in the grid")
    # more steps (and another log interval): both runs resume, none is "skipped"
    grid = write_grid(tmp_path, {**GRID_BASE, "steps": 15, "log_every": 3}, {"seed": [0, 1]})
    rc, out, err = cli(["sweep", str(grid), "--no-progress"])
    assert rc == 0 and "skipped" not in out and out.count("step=15, status=complete") == 2, err
    for seed in (0, 1):
        run = tmp_path / "sweep" / f"seed-{seed}"
        config = json.loads((run / "config.json").read_text())
        assert (config["steps"], config["log_every"], state_of(run)["step"]) == (15, 3, 15)
    # the same grid again: now they are complete and skipped
    rc, out, _ = cli(["sweep", str(grid), "--no-progress"])
    assert rc == 0 and out.count("skipped=True") == 2


def test_train_api_resume_with_a_config_names_the_options_that_differ(tmp_path: Path):
    from seamlib.engine.train import train
    from seamlib.errors import ConfigError

    train_run(tmp_path / "r", "--steps", "10")
    stored = TrainConfig.from_dict(json.loads((tmp_path / "r" / "config.json").read_text()))
    more = TrainConfig.from_dict({**stored.to_dict(), "steps": 15})
    assert train(more, tmp_path / "r", resume=True, progress=False).step == 15
    other = TrainConfig.from_dict({**stored.to_dict(), "steps": 20, "beta": 2.0, "seed": 3})
    with pytest.raises(ConfigError, match=r"in beta, seed, which cannot change on resume"):
        train(other, tmp_path / "r", resume=True, progress=False)


def test_skip_stored_refuses_results_trained_with_other_options(tmp_path: Path):
    runs = expand_grid({"base": GRID_BASE, "grid": {"seed": [0, 1]}}, root=tmp_path / "sweep")
    rows = [{"name": r.name, "status": "complete", "config": r.config.to_dict()} for r in runs]
    stored = tmp_path / "stored.json"
    stored.write_text(json.dumps({"runs": rows}))
    grid = write_grid(tmp_path, GRID_BASE, {"seed": [0, 1]})
    rc, out, err = cli(["sweep", str(grid), "--skip-stored", str(stored), "--dry-run"])
    assert rc == 0 and "0 not stored as complete" in out, err
    grid = write_grid(tmp_path, {**GRID_BASE, "beta": 4.0}, {"seed": [0, 1]})
    rc, _, err = cli(["sweep", str(grid), "--skip-stored", str(stored), "--dry-run"])
    assert_clean_error(rc, err, "2 run(s) stored as complete in")
    assert "beta: 1.0 stored, 4.0 in the grid" in err


# --- a resume whose checkpoints are gone -----------------------------------------------------
def test_resume_without_the_recorded_checkpoints_refuses_and_restart_starts_over(
    tmp_path: Path,
):
    run = tmp_path / "r"
    train_run(run, "--stop-after", "10")
    metrics = (run / "metrics.jsonl").read_bytes()
    for name in ("checkpoint.pt", "checkpoint.prev.pt"):
        (run / name).unlink()
    rc, _, err = cli(["train", "--resume", str(run), "--no-progress"])
    assert_clean_error(rc, err, "state.json records checkpoints at step(s) 10, 5 but")
    assert "checkpoint.pt is missing" in err and f"--resume {run} --restart" in err
    assert (run / "metrics.jsonl").read_bytes() == metrics and state_of(run)["step"] == 10
    rc, out, err = cli(["train", "--resume", str(run), "--restart", "--no-progress"])
    assert rc == 0 and "complete: step 20/20" in out, err
    assert (run / "metrics.jsonl.before-restart").read_bytes() == metrics
    session = json.loads((run / "provenance.json").read_text())["sessions"][-1]
    assert session["start_step"] == 0 and session["changed"]["restart"] == {"from": 10, "to": 0}
    rc, _, err = cli(["train", *RUN, "--restart", "--run-dir", str(tmp_path / "x")])
    assert_clean_error(rc, err, "use it with --resume RUN_DIR")


def test_fallback_to_the_older_checkpoint_names_both_steps(tmp_path: Path):
    run = tmp_path / "r"
    train_run(run, "--stop-after", "10")
    (run / "checkpoint.pt").unlink()
    rc, out, err = cli(["train", "--resume", str(run), "--no-progress"])
    assert rc == 0 and "complete: step 20/20" in out, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("seamlib: warning: checkpoint.pt is missing")
    assert "using checkpoint.prev.pt (step 5) instead of the newest checkpoint (step 10)" in err


# --- config.json edited by hand --------------------------------------------------------------
@pytest.mark.parametrize(
    ("key", "value"),
    [("seed", 4), ("latent_dim", 3), ("posterior", "full"), ("hidden", [9]), ("beta", 2.0)],
)
def test_a_config_json_edited_by_hand_is_refused(tmp_path: Path, key: str, value: object):
    run = tmp_path / "r"
    train_run(run, "--stop-after", "10")
    config = json.loads((run / "config.json").read_text())
    old = config[key]
    (run / "config.json").write_text(json.dumps({**config, key: value}))
    before = snapshot(run)
    for args in (["train", "--resume", str(run), "--no-progress"], ["evaluate", str(run)]):
        rc, _, err = cli(args)
        assert_clean_error(rc, err, "differs from the configuration saved in its checkpoint")
        assert f"{key}: {old!r} there, {value!r} here" in err
    assert snapshot(run) == before


def test_an_old_checkpoint_without_a_config_that_does_not_fit_is_one_line(tmp_path: Path):
    run = tmp_path / "r"
    train_run(run, "--stop-after", "10")
    for name in ("checkpoint.pt", "checkpoint.prev.pt"):  # as written by an older version
        state = torch.load(run / name, weights_only=True)
        del state["config"]
        torch.save(state, run / name)
    (run / "state.json").write_text(json.dumps({**state_of(run), "checkpoints": []}))
    config = json.loads((run / "config.json").read_text())
    (run / "config.json").write_text(json.dumps({**config, "latent_dim": 3}))
    for args in (["train", "--resume", str(run), "--no-progress"], ["evaluate", str(run)]):
        rc, _, err = cli(args)
        assert_clean_error(rc, err, "does not fit the model that config.json describes")


# --- a corrupt provenance.json is kept aside -------------------------------------------------
def test_a_corrupt_provenance_json_is_kept_aside(tmp_path: Path):
    run = tmp_path / "r"
    train_run(run, "--stop-after", "10")
    for n, garbage in enumerate((b'{"sessions": [{"start', b"\xff\xfe not text"), 1):
        (run / "provenance.json").write_bytes(garbage)
        rc, _, err = cli(["train", "--resume", str(run), "--stop-after", str(10 + n)])
        assert rc == 0 and "seamlib: warning:" in err and "provenance.json is corrupt" in err
        aside = "provenance.corrupt.json" if n == 1 else "provenance.corrupt-2.json"
        assert (run / aside).read_bytes() == garbage and aside in err
        sessions = json.loads((run / "provenance.json").read_text())["sessions"]
        assert [s["start_step"] for s in sessions] == [10 + n - 1]


# --- bytes that are not UTF-8 ----------------------------------------------------------------
def test_bytes_that_are_not_utf8_are_one_line_or_tolerated(tmp_path: Path):
    run = tmp_path / "runs" / "r"
    train_run(run, "--stop-after", "10")
    bad = b'{"dataset": "synth-lin\xff"}'
    (run / "state.json").write_bytes(b"\xc3\x28")
    rc, out, err = cli(["results", str(tmp_path / "runs")])
    assert rc == 0 and "Traceback" not in err and f"{run}  new" in out  # state unreadable
    (run / "config.json").write_bytes(bad)
    for args in (["train", "--resume", str(run)], ["evaluate", str(run)]):
        rc, _, err = cli(args)
        assert_clean_error(rc, err, "config.json is not UTF-8 text (byte 22 is 0xff)")
    rc, out, err = cli(["results", str(tmp_path / "runs")])
    assert rc == 0 and "Traceback" not in err
    (tmp_path / "grid.json").write_bytes(b'{"base": {"beta": "\xe9"}}')
    rc, _, err = cli(["sweep", str(tmp_path / "grid.json")])
    assert_clean_error(rc, err, "grid.json is not UTF-8 text")
    grid = write_grid(tmp_path, GRID_BASE, {"seed": [0]})
    (tmp_path / "stored.json").write_bytes(b'{"runs": ["\x80"]}')
    rc, _, err = cli(["sweep", str(grid), "--skip-stored", str(tmp_path / "stored.json")])
    assert_clean_error(rc, err, "stored.json is not UTF-8 text")


# --- values beyond the data set; a device that holds no data ---------------------------------
def test_subset_larger_than_dsprites_and_the_meta_device_are_one_line(tmp_path: Path):
    args = ["train", "--dataset", "dsprites", "--subset", "800000", "--run-dir", str(tmp_path)]
    assert_clean_error(*cli(args)[::2], "subset=800000 is larger than the 'dsprites' data set")
    grid = write_grid(tmp_path, {"dataset": "dsprites", "subset": 800000}, {})
    assert_clean_error(*cli(["sweep", str(grid)])[::2], "is larger than the 'dsprites' data")
    rc, _, err = cli(["train", *SYNTH, "--device", "meta", "--run-dir", str(tmp_path / "m")])
    assert_clean_error(rc, err, "Device 'meta' holds no data")
    grid = write_grid(tmp_path, {**GRID_BASE, "device": "meta"}, {})
    assert_clean_error(*cli(["sweep", str(grid)])[::2], "Device 'meta' holds no data")
    assert not (tmp_path / "sweep").exists() and not (tmp_path / "m").exists()


# --- names too long --------------------------------------------------------------------------
def test_names_too_long_are_one_line(tmp_path: Path):
    long = tmp_path / ("x" * 300)
    rc, _, err = cli(["train", *RUN, "--run-dir", str(long / "r")])
    assert_clean_error(rc, err, "File name too long")
    rc, _, err = cli(["train", "--resume", str(long)])
    assert_clean_error(rc, err)
    rc, _, err = cli(["evaluate", str(long)])
    assert_clean_error(rc, err)
    grid = write_grid(tmp_path, GRID_BASE, {"seed": [0]})
    for extra in ([], ["--skip-busy"], ["--dry-run"]):
        rc, _, err = cli(["sweep", str(grid), "--root", str(long), *extra])
        assert rc in (0, 2) and "Traceback" not in err
        assert rc == 2 or extra == ["--dry-run"], err
    rc, _, err = cli(["results", str(long)])
    assert_clean_error(rc, err)
    rc, _, err = cli(["sweep", str(long / "grid.json")])
    assert_clean_error(rc, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.json"]


# --- a model too large for the memory --------------------------------------------------------
def test_a_model_too_large_for_memory_is_refused_before_allocating(tmp_path: Path, monkeypatch):
    run = tmp_path / "r"
    for size in (["-d", "65536"], ["-d", "40000", "--posterior", "full"]):
        rc, _, err = cli(["train", *SYNTH, *size, "--run-dir", str(run)])
        assert_clean_error(rc, err, "more than the")
        assert "GiB free on cpu; lower -d (latent_dim), --hidden or --batch-size" in err
        assert not run.exists()
    from seamlib.engine import data as data_module
    from seamlib.engine import train as train_module

    monkeypatch.setattr(train_module, "_free_memory", lambda device: 100 << 20)  # 100 MiB
    rc, _, err = cli(["train", *SYNTH, "-d", "65536", "--hidden", "256", "--run-dir", str(run)])
    assert_clean_error(rc, err, "parameters, batch 16), more than the 0.0977 GiB free on cpu")
    assert not run.exists()
    train_run(run, "--stop-after", "5")  # a model that fits is not refused

    def no_memory(config):
        raise MemoryError("Unable to allocate 7.45 TiB for an array")

    monkeypatch.setitem(data_module.LOADERS, "synth-lin", no_memory)
    rc, _, err = cli(["train", *SYNTH, "--run-dir", str(tmp_path / "d")])
    assert_clean_error(rc, err, "The training data ('synth-lin', subset=128) do not fit in")
    assert not (tmp_path / "d").exists()


# --- results --out where it cannot be written ------------------------------------------------
def test_results_out_that_cannot_be_written_is_one_line(tmp_path: Path, monkeypatch):
    train_run(tmp_path / "runs" / "r", "--steps", "5")
    (tmp_path / "file").write_text("x")
    (tmp_path / "folder.json").mkdir()
    for out in (tmp_path / "folder.json", tmp_path / "file" / "t.json", tmp_path / "t.csv"):
        if out.suffix == ".csv":  # a read-only or full file system refuses the rename
            for code in (errno.EROFS, errno.ENOSPC):

                def refuse(*a, code=code):
                    raise OSError(code, os.strerror(code))

                monkeypatch.setattr("seamlib.engine.rundir.os.replace", refuse)
                rc, _, err = cli(["results", str(tmp_path / "runs"), "--out", str(out)])
                assert_clean_error(rc, err, f"({os.strerror(code)}); pass a file path")
            monkeypatch.undo()
            continue
        rc, _, err = cli(["results", str(tmp_path / "runs"), "--out", str(out)])
        assert_clean_error(rc, err, f"Cannot write the results to {out}")
    assert not list(tmp_path.glob(".*.tmp")) and (tmp_path / "file").read_text() == "x"


# --- a full disk, and any failure, during training -------------------------------------------
@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("[enforce fail at inline_container.cc:595] . PytorchStreamWriter failed"),
        OSError(errno.ENOSPC, "No space left on device"),
    ],
)
def test_a_full_disk_during_training_fails_cleanly_and_keeps_the_checkpoints(
    tmp_path: Path, monkeypatch, error: Exception
):
    run = tmp_path / "r"
    real_save, calls = torch.save, []

    def save(obj, f, *a, **k):
        calls.append(1)
        if len(calls) >= 3:  # the checkpoints of steps 5 and 10 are written
            raise error
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(torch, "save", save)
    rc, _, err = cli(["train", *RUN, "--run-dir", str(run)])
    assert_clean_error(rc, err, "Could not write the checkpoint of step 15")
    assert "the checkpoint of step 10 is kept. Free disk space" in err
    state = state_of(run)
    assert state["status"] == "failed" and state["failed_step"] == 15
    assert "Could not write the checkpoint" in state["reason"]
    assert not list(run.glob(".*.tmp"))
    monkeypatch.undo()
    rc, out, err = cli(["train", "--resume", str(run), "--no-progress"])
    assert rc == 0 and "complete: step 20/20" in out and "warning" not in err, err


def test_any_failure_while_training_leaves_state_failed_with_reason_and_step(
    tmp_path: Path, monkeypatch
):
    from seamlib.engine.models import VAE

    real_loss, calls = VAE.loss, []

    def loss(self, *a, **k):
        calls.append(1)
        if len(calls) == 8:
            raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real_loss(self, *a, **k)

    monkeypatch.setattr(VAE, "loss", loss)
    run = tmp_path / "r"
    rc, _, err = cli(["train", *RUN, "--run-dir", str(run)])
    assert_clean_error(rc, err, "Training failed at step 7 of 20 (CUDA out of memory.")
    state = state_of(run)
    assert (state["status"], state["failed_step"], state["checkpoint_step"]) == ("failed", 7, 5)
    assert "CUDA out of memory" in state["reason"] and "pid" not in state


# --- a checkpoint name taken by a folder -----------------------------------------------------
def test_a_folder_named_like_a_checkpoint_is_refused_before_training(tmp_path: Path):
    run = tmp_path / "r"
    train_run(run, "--stop-after", "10")
    (run / "checkpoint.pt").unlink()
    (run / "checkpoint.pt").mkdir()
    before = snapshot(run)
    for args in (["train", "--resume", str(run), "--no-progress"], ["evaluate", str(run)]):
        rc, _, err = cli(args)
        assert_clean_error(rc, err, "checkpoint.pt is not a checkpoint file (a folder")
    assert snapshot(run) == before


# --- a closed pipe ---------------------------------------------------------------------------
def test_output_into_a_closed_pipe_ends_quietly(tmp_path: Path):
    run = tmp_path / "r"
    train_run(run, "--steps", "5")
    rc, _, err = cli(["evaluate", str(run), "--n", "32", "--n-jacobian", "2"])
    assert rc == 0, err
    # a reader that is gone before the output is written (as `| head` may be)
    proc = subprocess.Popen(
        [sys.executable, "-m", "seamlib", "evaluate", str(run), "--n", "32", "--n-jacobian",
         "2", "--json"],
        env={**os.environ, "SEAMLIB_PROFILE": "smoke"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and err == "", err

    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    err = io.StringIO()
    with contextlib.redirect_stdout(ClosedPipe()), contextlib.redirect_stderr(err):
        rc = main(["evaluate", str(run), "--n", "32", "--n-jacobian", "2", "--json"])
    assert rc == 141 and err.getvalue() == ""


# --- advice that can be followed -------------------------------------------------------------
def test_non_finite_advice_names_a_change_that_is_allowed_or_says_start_over(tmp_path: Path):
    # the initial parameters give a non-finite loss: no resume can help
    rc, _, err = cli(["train", *RUN, "--beta", "1e39", "--run-dir", str(tmp_path / "a")])
    assert_clean_error(rc, err, "Non-finite loss at training step 1 (of 20)")
    assert "the run must start over (new --run-dir) with another --sigma2 (now 1) or --beta" in err
    assert "--resume" not in err and state_of(tmp_path / "a")["status"] == "failed"
    # a variance that float32 cannot hold is refused up front
    rc, _, err = cli(["train", *RUN, "--sigma2", "1e-320", "--run-dir", str(tmp_path / "b")])
    assert_clean_error(rc, err, "sigma2 must lie between 1e-30 and 1e+30")
    # a learning rate too large after a checkpoint: the advice, run as written, completes
    run = tmp_path / "c"
    train_run(run, "--stop-after", "10")
    rc, _, err = cli(["train", "--resume", str(run), "--lr", "1e300", "--no-progress"])
    assert_clean_error(rc, err, "at training step 1")
    assert "the last good checkpoint (step 10) is kept" in err
    state = state_of(run)
    assert state["status"] == "failed" and state["failed_step"] > 10 and state["reason"]
    command = err.split("continue with: ")[1].split()
    assert command[3:6] == ["train", "--resume", str(run)] and command[6] == "--lr"
    rc, out, err = cli([*command[3:], "--no-progress"])
    assert rc == 0 and "complete: step 20/20" in out, err


# --- smaller things --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--beta", "-inf"], "--beta: expects a finite number, got '-inf'"),
        (["--lr", "-1e5"], "lr must be a finite number > 0, got -100000.0"),
        (["-d", "-inf"], "-d: expects an integer, got '-inf'"),
        (["--stop-after", "-nan"], "--stop-after: expects an integer, got '-nan'"),
        (["--run-dir", ""], "--run-dir expects a folder path, got ''"),
        (["--hidden", ""], "hidden must name at least one layer size"),
        (["--hidden", ",,,"], "hidden must name at least one layer size"),
    ],
)
def test_small_things_are_one_line(tmp_path: Path, args: list[str], match: str):
    rc, _, err = cli(["train", *SYNTH, "--run-dir", str(tmp_path / "r"), *args])
    assert_clean_error(rc, err, match)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("base", "grid", "match"),
    [
        ({}, {"seed": [0, None]}, "grid entry 'seed' holds null"),
        ({"beta": None}, {}, "base option 'beta' holds null"),
        ({}, {"data_root": [""]}, "grid entry 'data_root' holds an empty value ''"),
        ({}, {"hidden": [[]]}, "grid entry 'hidden' holds an empty value []"),
    ],
)
def test_null_and_empty_grid_values_are_refused(tmp_path: Path, base, grid, match):
    rc, _, err = cli(["sweep", str(write_grid(tmp_path, {**GRID_BASE, **base}, grid))])
    assert_clean_error(rc, err, match)
    assert not (tmp_path / "sweep").exists()


def test_a_grid_path_that_is_a_folder_says_so(tmp_path: Path):
    rc, _, err = cli(["sweep", str(tmp_path)])
    assert_clean_error(rc, err, f"{tmp_path} is a folder; pass a JSON or YAML grid file")
    rc, _, err = cli(["sweep", str(tmp_path / "none.json")])
    assert_clean_error(rc, err, "does not exist")


def test_grid_names_tell_1e20_from_1e_minus_20(tmp_path: Path):
    runs = expand_grid({"base": GRID_BASE, "grid": {"beta": [1e20, 1e-20, 1.0]}}, root=tmp_path)
    assert [r.name for r in runs] == ["beta-1e+20", "beta-1e-20", "beta-1"]
    # the names the project's grids use stay as they were
    spec = {"base": GRID_BASE, "grid": {"seed": [0], "beta": [4.0, 0.001], "posterior": ["full"]}}
    names = [r.name for r in expand_grid(spec, root=tmp_path)]
    assert names == ["seed-0_beta-4_posterior-full", "seed-0_beta-0.001_posterior-full"]


@settings(max_examples=200, deadline=None)
@given(
    a=st.one_of(st.floats(allow_nan=False), st.integers(), st.text(max_size=6)),
    b=st.one_of(st.floats(allow_nan=False), st.integers(), st.text(max_size=6)),
)
def test_value_names_are_unique_and_reversible(a: object, b: object):
    """Two values of one option get the same name only when they are the same value (an
    integer and the float equal to it aside), and a float's name reads back as the float."""
    for v in (a, b):
        assert "_" not in _fmt(v)
        if isinstance(v, float):
            assert float(_fmt(v)) == v or (v != v)
    same_kind = isinstance(a, str) == isinstance(b, str)
    if same_kind and _fmt(a) == _fmt(b):
        assert a == b


def test_temporary_files_of_a_killed_writer_are_removed_on_resume(tmp_path: Path):
    run = tmp_path / "r"
    train_run(run, "--stop-after", "10")
    for name in (".checkpoint.abc123.tmp", ".metrics.jsonl.x9.tmp"):
        (run / name).write_bytes(b"\0" * 1000)
    rc, _, err = cli(["train", "--resume", str(run), "--stop-after", "15"])
    assert rc == 0, err
    assert not list(run.glob(".*.tmp"))


def test_metrics_rows_stay_on_log_every_boundaries_after_a_stop_between_them(tmp_path: Path):
    run = tmp_path / "r"
    train_run(run, "--stop-after", "12")
    rc, _, err = cli(["train", "--resume", str(run), "--no-progress"])
    assert rc == 0, err
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [5, 10, 12, 15, 20]


# --- property-based: arbitrary values and bytes, no traceback, the other runs untouched -----------
FILES = (
    "config.json",
    "state.json",
    "metrics.jsonl",
    "provenance.json",
    "eval.json",
    "checkpoint.pt",
    "checkpoint.prev.pt",
    "curve.jsonl",
    ".lock",
)
FIELDS = sorted(TrainConfig.__dataclass_fields__)
json_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        st.text(max_size=8),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)
COUNTS = {"examples": 0, "tracebacks": 0}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> Path:
    """A grid folder with two complete runs (seed-0, seed-1), each evaluated."""
    tmp = tmp_path_factory.mktemp("two")
    grid = write_grid(tmp, GRID_BASE, {"seed": [0, 1]})
    rc, _, err = cli(["sweep", str(grid), "--no-progress"])
    assert rc == 0, err
    for seed in (0, 1):
        rc, _, err = cli(["evaluate", str(tmp / "sweep" / f"seed-{seed}"), "--n", "32",
                          "--n-jacobian", "2"])  # fmt: skip
        assert rc == 0, err
    return tmp


def damage(original: bytes, how: tuple) -> bytes:
    kind, arg = how
    if kind == "bytes":
        return arg
    if kind == "truncate":
        return original[: int(arg * len(original))]
    if kind == "flip":
        pos = int(arg[0] * max(len(original) - 1, 0))
        return original[:pos] + bytes([arg[1]]) + original[pos + 1 :]
    key, value = arg  # a JSON key edited by hand
    try:
        data = json.loads(original)
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    data[key] = value
    return json.dumps(data).encode()


damages = st.one_of(
    st.tuples(st.just("bytes"), st.binary(max_size=40)),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.tuples(st.floats(0, 1), st.integers(0, 255))),
    st.tuples(
        st.just("edit"),
        st.tuples(
            st.sampled_from([*FIELDS, "status", "step", "checkpoints", "sessions"]), json_value
        ),
    ),  # fmt: skip
)
COMMANDS = ("resume", "evaluate", "results", "sweep", "sweep-dry-run")


def run_command(command: str, root: Path, grid: Path) -> tuple[int, str, str]:
    run = root / "seed-0"
    args = {
        "resume": ["train", "--resume", str(run), "--steps", "12", "--no-progress"],
        "evaluate": ["evaluate", str(run), "--n", "16", "--n-jacobian", "2"],
        "results": ["results", str(root), "--out", str(root.parent / "table.json")],
        "sweep": ["sweep", str(grid), "--root", str(root), "--no-progress"],
        "sweep-dry-run": [
            "sweep",
            str(grid),
            "--root",
            str(root),
            "--no-progress",
            "--dry-run",
        ],  # fmt: skip
    }[command]
    return cli(args)


PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],  # no slow "explain"
)


@PROPERTY
@given(name=st.sampled_from(FILES), how=damages, command=st.sampled_from(COMMANDS))
def test_any_bytes_in_any_run_file_give_no_traceback_and_leave_other_runs_alone(
    two_runs: Path, name: str, how: tuple, command: str
):
    COUNTS["examples"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "sweep")
        shutil.copytree(two_runs / "sweep", root)
        grid = write_grid(Path(tmp), GRID_BASE, {"seed": [0, 1]})
        target = root / "seed-0" / name
        original = target.read_bytes() if target.is_file() else b""
        target.write_bytes(damage(original, how))
        other = snapshot(root / "seed-1")
        try:
            rc, _, err = run_command(command, root, grid)
        except BaseException:
            COUNTS["tracebacks"] += 1
            raise
        assert rc in (0, 2), (rc, err)
        assert "Traceback" not in err
        lines = err.strip().splitlines()
        assert all(line.startswith("seamlib") for line in lines), err
        if rc == 2:
            assert sum(" error: " in line for line in lines) == 1, err
        assert snapshot(root / "seed-1") == other


argument_value = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["-inf", "-1e5", "1e999", "", ",,,", "meta", "-0", "0", "1e-320"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats().map(repr),
)
TRAIN_FLAGS = [flag for flag, *_ in __import__("seamlib.__main__").__main__._TRAIN_OPTIONS]


@PROPERTY
@given(
    args=st.lists(st.tuples(st.sampled_from(TRAIN_FLAGS), argument_value), max_size=3),
    grid_key=st.sampled_from(FIELDS),
    grid_values=st.lists(json_value, max_size=3),
    grid_bytes=st.binary(max_size=30),
)
def test_any_command_line_and_grid_values_give_no_traceback(
    two_runs: Path, args: list, grid_key: str, grid_values: list, grid_bytes: bytes
):
    """Arbitrary option values (then the tiny run's own, so that nothing trains long), a grid
    with arbitrary values of any option, and a grid file (and a --skip-stored file) of
    arbitrary bytes."""
    COUNTS["examples"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "sweep")
        shutil.copytree(two_runs / "sweep", root)
        before = snapshot(root)
        fuzzed = [item for pair in args for item in pair]
        run = Path(tmp, "new")
        fixed = [*RUN, "--steps", "2", "--run-dir", str(run)]
        grid = write_grid(Path(tmp), GRID_BASE, {"seed": [0, 1], grid_key: grid_values})
        Path(tmp, "bytes.json").write_bytes(grid_bytes)
        for argv in (
            ["train", *fuzzed, *fixed],
            ["sweep", str(grid), "--root", str(root), "--dry-run"],
            ["sweep", str(Path(tmp, "bytes.json")), "--root", str(root), "--dry-run"],
            ["sweep", str(grid), "--root", str(root), "--dry-run", "--skip-stored",
             str(Path(tmp, "bytes.json"))],
        ):  # fmt: skip
            try:
                rc, _, err = cli(argv)
            except BaseException:
                COUNTS["tracebacks"] += 1
                raise
            assert rc in (0, 2) and "Traceback" not in err, (argv, err)
            if rc == 2:
                assert len(err.strip().splitlines()) == 1, (argv, err)
        assert snapshot(root) == before


def test_property_based_tests_ran_without_a_traceback():
    """Runs after the two property-based tests above (file order): the examples counted."""
    if COUNTS["examples"] == 0:
        pytest.skip("the property-based tests were not selected")
    print(f"\nproperty-based examples: {COUNTS['examples']}, tracebacks: {COUNTS['tracebacks']}")
    assert COUNTS["tracebacks"] == 0
