"""Tests of the command line (python -m seamlib): help, train/resume/evaluate/results/sweep,
clear errors without tracebacks, and Ctrl-C checkpointing in a real subprocess."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seamlib.__main__ import main

SYNTH = [
    "--dataset",
    "synth-lin",
    "--subset",
    "256",
    "--arch",
    "mlp",
    "--hidden",
    "8",
    "-d",
    "2",
    "--likelihood",
    "gaussian",
    "--batch-size",
    "32",
    "--device",
    "cpu",
    "--no-progress",
]


def run_cli(*args: str, env_extra: dict | None = None, **kw) -> subprocess.Popen:
    env = {**os.environ, "SEAMLIB_PROFILE": "smoke", **(env_extra or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "seamlib", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # SIGINT at its default even when the tests run from a background job (SIG_IGN)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **kw,
    )


def test_help(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for cmd in ("train", "evaluate", "sweep", "results"):
        assert cmd in out
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    assert "--resume" in out and "--beta-schedule" in out and "--posterior" in out


def test_module_entry_point_help():
    proc = run_cli("--help")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and "usage: seamlib" in out


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--dataset", "mnist"], "Unknown dataset 'mnist'"),
        (["--arch", "vgg"], "Unknown architecture 'vgg'"),
        (["--posterior", "tril"], "Unknown posterior 'tril'"),
        (["--beta", "0"], "beta must be"),
        (["--beta", "-2"], "beta must be"),
        (["-d", "0"], "latent dimension d must be"),
        (["--batch-size", "512"], "larger than the data"),
        (["--beta", "abc"], "--beta: expects a number, got 'abc'"),
        (["-d", "2.5"], "-d: expects an integer, got '2.5'"),
        (["--beta-schedule", "exp"], "beta_end"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, capsys, args: list[str], match: str):
    try:
        rc = main(["train", *SYNTH, "--run-dir", str(tmp_path / "r"), *args])
    except SystemExit as exc:  # argparse: a value of the wrong type
        rc = exc.code
    err = capsys.readouterr().err
    assert rc == 2
    assert match in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_unwritable_run_dir_and_bad_profile(tmp_path: Path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["train", *SYNTH, "--run-dir", str(tmp_path / "file" / "run")]) == 2
    assert "not writable" in capsys.readouterr().err
    assert main(["--profile", "huge", "results", str(tmp_path)]) == 2
    assert "Unknown seamlib profile" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "r"), "--beta", "2"]) == 2
    assert "--resume continues a run" in capsys.readouterr().err


def test_train_stop_resume_evaluate_results(tmp_path: Path, capsys):
    run = tmp_path / "runs" / "synth"
    assert (
        main(
            [
                "train",
                *SYNTH,
                "--steps",
                "20",
                "--checkpoint-every",
                "5",
                "--run-dir",
                str(run),
                "--stop-after",
                "10",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "stopped: step 10/20" in out and "--resume" in out
    assert main(["train", "--resume", str(run), "--no-progress"]) == 0
    assert "complete: step 20/20" in capsys.readouterr().out
    assert main(["evaluate", str(run), "--n", "128", "--n-jacobian", "8"]) == 0
    out = capsys.readouterr().out
    assert "jtj_off_diagonal" in out and (run / "eval.json").exists()
    assert main(["results", str(tmp_path / "runs"), "--out", str(tmp_path / "t.json")]) == 0
    out = capsys.readouterr().out
    assert "complete" in out and "synth" in out
    assert json.loads((tmp_path / "t.json").read_text())["rows"][0]["step"] == 20


@pytest.mark.parametrize("posterior", ["diag", "full"])
def test_dsprites_conv_diag_and_full(tmp_path: Path, capsys, posterior: str):
    run = tmp_path / posterior
    rc = main(
        [
            "train",
            "--dataset",
            "dsprites",
            "--subset",
            "64",
            "--posterior",
            posterior,
            "--steps",
            "3",
            "--batch-size",
            "8",
            "--log-every",
            "1",
            "--device",
            "cpu",
            "--run-dir",
            str(run),
            "--no-progress",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    assert main(["evaluate", str(run), "--n", "64", "--n-jacobian", "4"]) == 0
    ev = json.loads((run / "eval.json").read_text())
    assert {"mig", "aas", "jtj_off_diagonal", "mutual_info"} <= set(ev)
    assert len(ev["mutual_info"]) == 10 and len(ev["mutual_info"][0]) == 5


def test_ctrl_c_writes_checkpoint_and_resume_continues(tmp_path: Path, capsys):
    run = tmp_path / "sig"
    proc = run_cli(
        "train",
        *SYNTH,
        "--steps",
        "100000000",
        "--checkpoint-every",
        "100000000",
        "--run-dir",
        str(run),
        "--threads",
        "1",
    )
    deadline = time.time() + 120
    state = run / "state.json"
    while time.time() < deadline and not (state.exists() and "running" in state.read_text()):
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "stopped by SIGINT" in err and "--resume" in err and "Traceback" not in err
    info = json.loads(state.read_text())
    assert info["status"] == "interrupted" and info["checkpoint_step"] > 0
    step = info["step"]
    assert (
        main(["train", "--resume", str(run), "--stop-after", str(step + 10), "--no-progress"]) == 0
    )
    assert f"step {step + 10}/" in capsys.readouterr().out


def test_sweep_command(tmp_path: Path, capsys):
    grid = {
        "root": str(tmp_path / "sw"),
        "base": {
            "dataset": "synth-lin",
            "subset": 64,
            "architecture": "mlp",
            "hidden": [8],
            "latent_dim": 2,
            "likelihood": "gaussian",
            "steps": 4,
            "batch_size": 16,
            "device": "cpu",
        },
        "grid": {"posterior": ["diag", "full"]},
    }
    (tmp_path / "grid.json").write_text(json.dumps(grid))
    assert main(["sweep", str(tmp_path / "grid.json"), "--dry-run"]) == 0
    assert "2 runs" in capsys.readouterr().out
    assert main(["sweep", str(tmp_path / "grid.json"), "--launcher", "local", "--no-progress"]) == 0
    assert main(["results", str(tmp_path / "sw")]) == 0
    out = capsys.readouterr().out
    assert "posterior-diag" in out and "posterior-full" in out
    assert main(["sweep", str(tmp_path / "missing.json")]) == 2


def test_sweep_skips_runs_stored_as_complete(tmp_path: Path, capsys):
    """--skip-stored: a grid trained over sessions goes on with the runs not yet stored."""
    grid = {
        "root": str(tmp_path / "sw"),
        "base": {
            "dataset": "synth-lin",
            "subset": 64,
            "architecture": "mlp",
            "hidden": [8],
            "latent_dim": 2,
            "likelihood": "gaussian",
            "steps": 4,
            "batch_size": 16,
            "device": "cpu",
        },
        "grid": {"posterior": ["diag", "full"]},
    }
    (tmp_path / "grid.json").write_text(json.dumps(grid))
    stored = {
        "runs": [
            {"name": "posterior-diag", "status": "complete"},
            {"name": "posterior-full", "status": "running"},
        ]
    }
    (tmp_path / "stored.json").write_text(json.dumps(stored))
    argv = ["sweep", str(tmp_path / "grid.json"), "--skip-stored", str(tmp_path / "stored.json")]
    assert main([*argv, "--no-progress", "--skip-busy"]) == 0
    assert "1 not stored as complete" in capsys.readouterr().out
    assert not (tmp_path / "sw" / "posterior-diag").exists()
    assert (tmp_path / "sw" / "posterior-full" / "state.json").exists()
    (tmp_path / "bad.json").write_text(json.dumps({"rows": []}))
    assert (
        main(["sweep", str(tmp_path / "grid.json"), "--skip-stored", str(tmp_path / "bad.json")])
        == 2
    )
    assert "no 'runs' list" in capsys.readouterr().err
