"""Bad input at the command line: every argument and grid value is checked before anything
is created (one line on stderr, exit status 2, no traceback), including a hypothesis fuzz of
each argument and of grid files; and one end-to-end drive of the CLI through a concurrent
run and corrupted checkpoints; and Ctrl-C during start-up."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seamlib.__main__ import main

SYNTH = ["--dataset", "synth-lin", "--subset", "128", "--arch", "mlp", "--hidden", "8"]
SYNTH += ["-d", "2", "--likelihood", "gaussian", "--batch-size", "16", "--device", "cpu"]
SYNTH += ["--no-progress"]


def cli(args: list[str]) -> tuple[int, str, str]:
    """Run main() in-process: (exit status, stdout, stderr); argparse's SystemExit counts."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = main(args)
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


def assert_clean_error(rc: int, err: str, match: str = "") -> None:
    assert rc == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert match in err, err


def popen(args: list[str]) -> subprocess.Popen:
    """``python -m seamlib ARGS`` with SIGINT at its default disposition (the test may run
    from a background job, where SIGINT starts ignored)."""
    env = {**os.environ, "SEAMLIB_PROFILE": "smoke"}
    return subprocess.Popen(
        [sys.executable, "-m", "seamlib", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


# --- bad command-line input, case by case ---------------------------------------------------
@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--threads", "-1"], "--threads: expects an integer between 1 and 4096, got '-1'"),
        (["--seed", "-1"], "seed must be an integer between 0 and"),
        (["--seed", str(2**70)], "seed must be an integer between 0 and"),
        (["--seed", "2**70"], "--seed: expects an integer, got '2**70'"),
        (["--sigma2", "inf"], "--sigma2: expects a finite number"),
        (["--lr", "nan"], "--lr: expects a finite number"),
        (["--lr", "0"], "lr must be a finite number > 0"),
        (["--stop-after", "-5"], "--stop-after: expects an integer >= 1, got '-5'"),
        (["-d", "2.5"], "-d: expects an integer, got '2.5'"),
        (["--beta", "True"], "--beta: expects a number"),
        (["--hidden", "8,x"], "--hidden expects sizes like 64,64"),
        (["--resolution", "48"], "resolution must be one of 64, 32"),
        (["--eval-n", "0"], "eval_n must be an integer between 1"),
    ],
)
def test_bad_train_arguments(tmp_path: Path, args: list[str], match: str):
    rc, _, err = cli(["train", *SYNTH, "--run-dir", str(tmp_path / "a" / "r"), *args])
    assert_clean_error(rc, err, match)
    assert list(tmp_path.iterdir()) == []  # nothing created


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("cli") / "run"
    args = ["train", *SYNTH, "--steps", "10", "--checkpoint-every", "5", "--run-dir", str(run)]
    rc, _, err = cli(args)
    assert rc == 0, err
    return run


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["--n", "-5"], "--n: expects an integer >= 1, got '-5'"),
        (["--n", "0"], "--n: expects an integer >= 1, got '0'"),
        (["--n-jacobian", "-1"], "--n-jacobian: expects an integer >= 1"),
        (["--seed", "-1"], "--seed: expects an integer >= 0"),
        (["--device", "tpu"], "Unknown device 'tpu'"),
    ],
)
def test_bad_evaluate_arguments(finished_run: Path, args: list[str], match: str):
    rc, _, err = cli(["evaluate", str(finished_run), *args])
    assert_clean_error(rc, err, match)
    assert not (finished_run / "eval.json").exists()  # not (over)written


def test_results_columns_are_checked(finished_run: Path):
    rc, _, err = cli(["results", str(finished_run.parent), "--columns", "run,foo"])
    assert_clean_error(rc, err, "Unknown column(s) 'foo' for --columns; valid columns: run, status")
    rc, out, _ = cli(["results", str(finished_run.parent), "--columns", "run,step"])
    assert rc == 0 and "10" in out


def test_resume_argument_rules(finished_run: Path):
    rc, _, err = cli(["train", "--resume", str(finished_run), "--steps", "5", "--no-progress"])
    assert_clean_error(rc, err, "has done 10 steps already; --steps 5 would end before that")
    rc, _, err = cli(["train", "--resume", str(finished_run), "--beta", "2"])
    assert_clean_error(rc, err, "drop --beta (only --steps, --lr, --log-every")
    assert json.loads((finished_run / "config.json").read_text())["steps"] == 10


BASE = {
    "dataset": "synth-lin",
    "subset": 64,
    "architecture": "mlp",
    "hidden": [8],
    "latent_dim": 2,
    "likelihood": "gaussian",
    "steps": 2,
    "batch_size": 16,
    "device": "cpu",
}


def run_grid(tmp: Path, spec: object, *extra: str) -> tuple[int, str, str]:
    if isinstance(spec, dict) and "root" not in spec:
        spec = {**spec, "root": str(tmp / "sweep")}
    (tmp / "grid.json").write_text(json.dumps(spec))
    return cli(["sweep", str(tmp / "grid.json"), "--no-progress", *extra])


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"base": [1, 2]}, "'base' must map option names to values"),
        ({"grid": "beta"}, "'grid' must map option names to lists of values"),
        ({"base": {"dataset": ["dsprites"]}}, "Unknown dataset ['dsprites']"),
        ({"grid": {"beta": [True]}}, "beta must be a finite number > 0, got True"),
        ({"grid": {"seed": [1.5]}}, "seed must be an integer"),
        ({"base": {"hidden": "a,b"}}, "hidden must be a list of sizes"),
        ({"base": {"hidden": [True]}}, "hidden must be a list of sizes"),
        ({"grid": {"beta": []}}, "must be a non-empty list"),
        ({"base": {"lr": "fast"}}, "lr must be a number"),
        ({"root": 5}, "'root' must be a folder path"),
        ({"base": {"\n": 1}}, "Unknown training option(s) '\\n'"),  # found by the fuzz test
        ([1], "must hold a mapping"),
    ],
)
def test_bad_grids(tmp_path: Path, spec: object, match: str):
    if isinstance(spec, dict):  # the valid base options, then the bad entries
        base = spec.get("base", {})
        spec = {**spec, "base": {**BASE, **base} if isinstance(base, dict) else base}
    rc, _, err = run_grid(tmp_path, spec)
    assert_clean_error(rc, err, match)
    assert not (tmp_path / "sweep").exists()


def test_hidden_as_text_in_a_grid_is_accepted(tmp_path: Path):
    rc, out, err = run_grid(tmp_path, {"base": {**BASE, "hidden": "8,8"}}, "--dry-run")
    assert rc == 0 and "1 runs" in out, err


def test_truncated_procedural_cache_file(tmp_path: Path, monkeypatch):
    import numpy as np

    from seamlib.data import dsprites, dsprites_render

    monkeypatch.setenv("SEAMLIB_DATA", str(tmp_path / "cache"))
    path = dsprites._cache_path(tmp_path / "cache", exact=True)
    path.parent.mkdir()
    np.lib.format.write_array_header_1_0(
        open(path, "wb"),
        {"descr": "|u1", "fortran_order": False, "shape": (dsprites_render.N_IMAGES, 64, 8)},
    )
    rc, _, err = cli(["train", "--dataset", "dsprites", "--subset", "64", "--batch-size", "8",
                      "--run-dir", str(tmp_path / "runs" / "r"), "--no-progress"])  # fmt: skip
    assert_clean_error(rc, err, "is truncated or corrupt")
    assert "delete it and it will be re-rendered" in err
    assert not (tmp_path / "runs").exists()


def test_render_indices_rejects_non_integers():
    from seamlib.data import dsprites_render

    for bad in ([1.7], [True], [2**70], [1.0]):
        with pytest.raises(ValueError, match="flat indices must be integers"):
            dsprites_render.render_indices(bad)
    with pytest.raises(ValueError, match="must lie in"):
        dsprites_render.render_indices(np_array_int([-1]))


def np_array_int(values: list[int]):
    import numpy as np

    return np.asarray(values, dtype=np.int64)


# --- fuzz: any bad value of any argument is exit status 2, one line, nothing created --
_INT_MIN = {
    "-d": 1,
    "--steps": 1,
    "--batch-size": 1,
    "--seed": 0,
    "--subset": 0,
    "--checkpoint-every": 1,
    "--log-every": 1,
    "--warmup-steps": 0,
    "--eval-every": 0,
    "--eval-n": 1,
    "--stop-after": 1,
    "--threads": 1,
}
_POSITIVE = ("--beta", "--lr", "--sigma2", "--beta-end")
_CHOICE = ("--dataset", "--arch", "--posterior", "--likelihood", "--beta-schedule")

not_a_number = st.sampled_from(["abc", "", "1,5", "0x10", "True", "None", "[1]", "1e", "--"])
not_an_int = st.one_of(not_a_number, st.floats().map(repr))  # "1.0", "1e+300", "nan"


def bad_int(low: int) -> st.SearchStrategy[str]:
    return st.one_of(
        not_an_int,
        st.integers(max_value=low - 1).map(str),
        st.integers(min_value=2**63).map(str),
    )


bad_number = st.one_of(
    not_a_number,
    st.sampled_from(["nan", "inf", "-inf", "1e999"]),
    st.floats(max_value=0.0, allow_nan=False, allow_infinity=False).map(repr),
)
_VALID_CHOICES = {"diag", "full", "gaussian", "bernoulli", "constant", "warmup", "exp"}
_VALID_CHOICES |= set(__import__("seamlib.engine.config", fromlist=["DATASETS"]).DATASETS)
_VALID_CHOICES |= set(__import__("seamlib.engine.models", fromlist=["ARCHITECTURES"]).ARCHITECTURES)
bad_choice = st.text(min_size=1, max_size=12).filter(lambda t: t not in _VALID_CHOICES)
bad_train_arg = st.one_of(
    *[st.tuples(st.just(flag), bad_int(low)) for flag, low in _INT_MIN.items()],
    *[st.tuples(st.just(flag), bad_number) for flag in _POSITIVE],
    *[st.tuples(st.just(flag), bad_choice) for flag in _CHOICE],
    st.tuples(st.just("--resolution"), st.integers().filter(lambda v: v not in (32, 64)).map(str)),
    st.tuples(st.just("--hidden"), st.sampled_from(["x", "8,-1", "0", "8,,a", "1.5"])),
    st.tuples(st.just("--device"), st.sampled_from(["tpu", "gpu", "cpux", ""])),
)
FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(bad=st.lists(bad_train_arg, min_size=1, max_size=2))
def test_fuzz_train_arguments(bad: list[tuple[str, str]]):
    with tempfile.TemporaryDirectory() as tmp:
        run = Path(tmp, "x", "run")
        args = [item for pair in bad for item in pair]
        rc, _, err = cli(["train", *SYNTH, "--run-dir", str(run), *args])
        assert rc == 2 and "Traceback" not in err, (args, err)
        assert not Path(tmp, "x").exists()


@FUZZ
@given(
    flag=st.sampled_from(["--n", "--n-jacobian", "--seed"]),
    value=st.one_of(not_an_int, st.integers(max_value=-1).map(str), st.just("0")),
)
def test_fuzz_evaluate_arguments(finished_run: Path, flag: str, value: str):
    if flag == "--seed" and value == "0":
        value = "-0.5"
    rc, _, err = cli(["evaluate", str(finished_run), flag, value])
    assert_clean_error(rc, err)
    assert not (finished_run / "eval.json").exists()


json_scalar = st.one_of(
    st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)
)
json_any = st.recursive(
    st.one_of(st.none(), json_scalar), lambda inner: st.lists(inner, max_size=3), max_leaves=5
)
_INT_FIELDS = {
    "latent_dim": 1,
    "steps": 1,
    "batch_size": 1,
    "seed": 0,
    "subset": 0,
    "checkpoint_every": 1,
    "log_every": 1,
    "eval_n": 1,
}


def bad_field_value() -> st.SearchStrategy[tuple[str, object]]:
    wrong_type = st.one_of(st.booleans(), st.text(max_size=4), st.lists(st.integers(), max_size=2))
    ints = [
        st.tuples(
            st.just(k),
            st.one_of(
                wrong_type,
                st.floats(allow_nan=False),  # 5.0 is not an integer either
                st.integers(max_value=low - 1),
                st.integers(min_value=2**63),
            ),
        )
        for k, low in _INT_FIELDS.items()
    ]
    numbers = [
        st.tuples(
            st.just(k),
            st.one_of(
                st.booleans(),
                st.sampled_from(["fast", "", "1e", "nan?"]),
                st.lists(st.floats(), min_size=1, max_size=2),
                st.floats(max_value=0.0, allow_nan=False),
            ),
        )
        for k in ("beta", "lr", "sigma2")
    ]
    not_text = json_any.filter(lambda v: not isinstance(v, str) and v is not None)
    choices = [
        st.tuples(st.just(k), st.one_of(not_text, bad_choice))
        for k in ("dataset", "architecture", "posterior", "likelihood", "beta_schedule")
    ]
    hidden = st.tuples(
        st.just("hidden"),
        st.one_of(
            st.booleans(),
            st.integers(),
            st.lists(st.one_of(st.booleans(), st.integers(max_value=0), st.floats()), min_size=1),
        ),
    )
    name = st.text(min_size=1, max_size=8).filter(lambda k: k not in _ALL_FIELDS)
    unknown = st.tuples(name, json_scalar)
    return st.one_of(*ints, *numbers, *choices, hidden, unknown)


_ALL_FIELDS = set(
    __import__("seamlib.engine.config", fromlist=["TrainConfig"]).TrainConfig.__dataclass_fields__
)
bad_structure = st.one_of(
    st.fixed_dictionaries({"base": json_any.filter(lambda v: v is not None)}),
    st.fixed_dictionaries({"grid": json_any.filter(lambda v: v is not None)}),
    st.fixed_dictionaries(
        {"grid": st.dictionaries(st.sampled_from(["beta", "seed"]), json_scalar, min_size=1)}
    ),
    st.fixed_dictionaries(
        {"root": st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2))}
    ),
    st.dictionaries(st.sampled_from(["roots", "bases", "x"]), json_scalar, min_size=1),
)


@FUZZ
@given(
    data=st.one_of(
        st.tuples(st.just("base"), bad_field_value()),
        st.tuples(st.just("grid"), bad_field_value()),
        st.tuples(st.just("structure"), bad_structure),
    )
)
def test_fuzz_grid_files(data: tuple[str, object]):
    where, value = data
    if where == "structure":
        assert isinstance(value, dict)
        spec: dict = {"base": BASE, **value}
    else:
        key, bad = value  # type: ignore[misc]
        if where == "base":
            spec = {"base": {**BASE, key: bad}}
        else:
            spec = {"base": BASE, "grid": {key: [bad]}}
    with tempfile.TemporaryDirectory() as tmp:
        rc, _, err = run_grid(Path(tmp), spec)
        assert_clean_error(rc, err)
        assert not Path(tmp, "sweep").exists()


# --- end to end: a concurrent run, then corrupted files --------------------------------
def test_cli_end_to_end_concurrent_run_and_corrupted_checkpoints(tmp_path: Path):
    runs = tmp_path / "runs"
    run = runs / "seed-0"  # the run a grid {"seed": [0]} under runs/ would train
    proc = popen(["train", *SYNTH, "--steps", "100000000", "--checkpoint-every", "20",
                  "--threads", "1", "--run-dir", str(run)])  # fmt: skip
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            state = run / "state.json"
            try:
                info = json.loads(state.read_text())
            except (OSError, ValueError):
                info = {}
            if len(info.get("checkpoints", [])) >= 3:
                break
            time.sleep(0.2)
        assert proc.poll() is None, proc.communicate()
        busy = f"is in use by process {proc.pid}"
        for args in (
            ["train", "--resume", str(run), "--no-progress"],
            ["train", *SYNTH, "--run-dir", str(run)],
            ["evaluate", str(run)],
        ):
            rc, _, err = cli(args)
            assert_clean_error(rc, err, busy)
        grid = {"root": str(runs), "base": {**BASE, "subset": 128}, "grid": {"seed": [0]}}
        (tmp_path / "grid.json").write_text(json.dumps(grid))
        rc, _, err = cli(["sweep", str(tmp_path / "grid.json"), "--no-progress"])
        assert_clean_error(rc, err, busy)
        proc.send_signal(signal.SIGINT)
        _, perr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130 and "Traceback" not in perr, perr
    info = json.loads((run / "state.json").read_text())
    assert info["status"] == "interrupted" and not (run / ".lock").exists()
    prev_step = info["checkpoints"][1]["step"]
    assert prev_step == torch_step(run / "checkpoint.prev.pt")
    # damage: a torn checkpoint, a torn metrics line, a corrupt state.json
    raw = (run / "checkpoint.pt").read_bytes()
    (run / "checkpoint.pt").write_bytes(raw[: len(raw) // 3])
    with open(run / "metrics.jsonl", "a") as handle:
        handle.write('{"step": 99999999, "lo')
    (run / "state.json").write_text('{"status": "runn')
    rc, out, err = cli(
        ["train", "--resume", str(run), "--stop-after", str(prev_step + 10), "--no-progress"]
    )
    assert rc == 0, err
    assert f"stopped: step {prev_step + 10}/" in out and "Traceback" not in err
    warnings = [line for line in err.splitlines() if line.startswith("seamlib: warning:")]
    assert len(warnings) == len(err.strip().splitlines()) == 3, err
    assert "state.json is corrupt" in err and "torn last line" in err
    assert f"using checkpoint.prev.pt (step {prev_step})" in err
    rc, out, err = cli(["evaluate", str(run), "--n", "64", "--n-jacobian", "4"])
    assert rc == 0 and f"at step {prev_step + 10}" in out, err
    rc, out, err = cli(["results", str(runs)])
    assert rc == 0 and "stopped" in out and "Traceback" not in err
    for name in ("checkpoint.pt", "checkpoint.prev.pt"):
        (run / name).write_bytes(b"garbage")
    rc, _, err = cli(["evaluate", str(run)])
    assert_clean_error(rc, err, "No usable checkpoint")


def torch_step(path: Path) -> int:
    import torch

    return int(torch.load(path, weights_only=True)["step"])


# --- Ctrl-C while starting up ---------------------------------------------------------
@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="needs Linux /proc")
def test_ctrl_c_during_startup_is_not_a_traceback(tmp_path: Path):
    """SIGINT while ``seamlib train`` imports torch (seen in /proc/PID/maps: the torch library
    is mapped): one line, exit status 130, nothing left behind. (A signal during the
    interpreter's own start-up, before any seamlib code runs, is Python's business.)"""
    proc = popen(["train", *SYNTH, "--steps", "100000000", "--run-dir", str(tmp_path / "r")])
    maps = Path(f"/proc/{proc.pid}/maps")
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        try:
            if "libtorch" in maps.read_text():
                break
        except OSError:
            pass
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip() == "interrupted", err
    assert not (tmp_path / "r").exists()
