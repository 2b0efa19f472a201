"""Tests of the training engine (seamlib.engine.train): schedules, run directories, exact resume,
signals, non-finite losses, bad input and evaluation. Tiny MLPs on tiny data: fast on CPU."""

from __future__ import annotations

import json
import math
import os
import signal
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from seamlib.engine.config import TrainConfig, beta_at, resolve_device
from seamlib.engine.data import TrainingData
from seamlib.engine.evaluate import evaluate
from seamlib.engine.fit import fit
from seamlib.engine.models import VAE, mlp
from seamlib.engine.runs import load_run
from seamlib.engine.train import Trainer, TrainingInterrupted, train
from seamlib.errors import ConfigError, TrainingError


def tiny_data(n: int = 256, seed: int = 0) -> TrainingData:
    rng = np.random.default_rng(seed)
    factors = rng.integers(0, 4, size=(n, 2))
    x = np.concatenate([factors, factors @ rng.normal(size=(2, 3))], axis=1)
    x = x + 0.1 * rng.normal(size=x.shape)
    return TrainingData(x=torch.tensor(x, dtype=torch.float32), factors=factors)


def tiny_config(**kw) -> TrainConfig:
    base = dict(
        dataset="synth-lin",
        architecture="mlp",
        hidden=(16,),
        latent_dim=2,
        likelihood="gaussian",
        steps=40,
        batch_size=32,
        checkpoint_every=10,
        log_every=5,
        lr=1e-2,
        device="cpu",
    )
    base.update(kw)
    return TrainConfig(**base)


def signal_when_running(run: Path, signum: int) -> threading.Thread:
    """Send ``signum`` to this process once ``run`` reports "running" (the trainer's handlers
    are in place then; a fixed delay can fire earlier on a loaded machine)."""

    def wait_and_kill() -> None:
        state = run / "state.json"
        for _ in range(1200):
            try:
                if json.loads(state.read_text()).get("status") == "running":
                    break
            except (OSError, ValueError):
                pass
            threading.Event().wait(0.05)
        threading.Event().wait(0.2)
        os.kill(os.getpid(), signum)

    thread = threading.Thread(target=wait_and_kill, daemon=True)
    thread.start()
    return thread


# --- beta schedules -------------------------------------------------------------------
def test_beta_schedules():
    kw = dict(beta=1.0, beta_end=1e-3, steps=101)
    assert beta_at(50, schedule="constant", **kw) == 1.0
    assert beta_at(0, schedule="exp", **kw) == 1.0
    assert math.isclose(beta_at(100, schedule="exp", **kw), 1e-3)
    assert math.isclose(beta_at(50, schedule="exp", **kw), math.sqrt(1e-3))
    w = dict(beta=1e-3, beta_end=1.0, steps=100, warmup_steps=10)
    assert beta_at(0, schedule="warmup", **w) == 1e-3
    assert math.isclose(beta_at(5, schedule="warmup", **w), 1e-3 + 0.5 * (1 - 1e-3))
    assert beta_at(10, schedule="warmup", **w) == 1.0 == beta_at(99, schedule="warmup", **w)


# --- run directory and exact resume ---------------------------------------------------
def test_run_directory_layout_and_atomic_files(tmp_path: Path):
    res = train(tiny_config(), tmp_path / "run", data=tiny_data(), progress=False)
    run = tmp_path / "run"
    assert res.status == "complete" and res.step == 40
    names = {p.name for p in run.iterdir()}
    assert names == {
        "config.json",
        "metrics.jsonl",
        "state.json",
        "checkpoint.pt",
        "checkpoint.prev.pt",
        "provenance.json",
    }  # no temporary files or lock left behind
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(5, 41, 5))
    assert {"loss", "nll", "kl", "elbo", "beta", "time_s"} <= set(rows[0])
    assert json.loads((run / "state.json").read_text())["status"] == "complete"
    assert TrainConfig.from_dict(json.loads((run / "config.json").read_text())) == tiny_config()
    prov = json.loads((run / "provenance.json").read_text())["sessions"][0]
    assert prov["seeds"] == [0] and "git_commit" in prov
    with pytest.raises(ConfigError, match="already holds a run"):
        train(tiny_config(), run, data=tiny_data(), progress=False)


def test_resume_continues_exactly(tmp_path: Path):
    """N steps straight == N/2 steps + resume + N/2 steps, bit for bit on the CPU."""
    cfg = tiny_config(beta_schedule="exp", beta=1.0, beta_end=1e-3, posterior="full")
    data = tiny_data()
    straight = train(cfg, tmp_path / "a", data=data, progress=False)
    half = train(cfg, tmp_path / "b", data=data, progress=False, stop_after=20)
    assert half.status == "stopped" and half.step == 20
    assert json.loads((tmp_path / "b" / "state.json").read_text())["status"] == "stopped"
    resumed = train(None, tmp_path / "b", resume=True, data=data, progress=False)
    assert resumed.step == 40 and resumed.status == "complete"
    sa, sb = straight.model.state_dict(), resumed.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    ca = torch.load(tmp_path / "a" / "checkpoint.pt", weights_only=True)
    cb = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=True)
    assert torch.equal(ca["generator"], cb["generator"])
    for pa, pb in zip(ca["optimizer"]["state"].values(), cb["optimizer"]["state"].values()):
        assert all(torch.equal(pa[k], pb[k]) for k in pa)
    ma = (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()
    mb = (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()
    strip = lambda rows: [{k: v for k, v in json.loads(r).items() if k != "time_s"} for r in rows]  # noqa: E731
    assert strip(ma) == strip(mb)


def test_resume_rejects_changed_config(tmp_path: Path):
    train(tiny_config(), tmp_path / "r", data=tiny_data(), progress=False, stop_after=10)
    with pytest.raises(ConfigError, match="differs"):
        train(tiny_config(beta=2.0), tmp_path / "r", resume=True, data=tiny_data(), progress=False)
    with pytest.raises(ConfigError, match="not a run directory"):
        train(None, tmp_path / "nothing", resume=True, progress=False)


def test_sigint_writes_checkpoint_and_resume_continues(tmp_path: Path):
    cfg = tiny_config(steps=10_000_000, checkpoint_every=1_000_000)
    run = tmp_path / "sig"
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when started from a background job
    killer = signal_when_running(run, signal.SIGINT)
    with pytest.raises(TrainingInterrupted, match="SIGINT") as info:
        train(cfg, run, data=tiny_data(), progress=False)
    killer.join()
    step = info.value.step
    assert 0 < step < cfg.steps
    state = json.loads((run / "state.json").read_text())
    assert state["status"] == "interrupted" and state["checkpoint_step"] == step
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] == step
    assert signal.getsignal(signal.SIGINT) is before  # the handler we had before, restored
    res = train(None, run, resume=True, data=tiny_data(), progress=False, stop_after=step + 5)
    assert res.step == step + 5


def test_non_finite_loss_names_step_and_keeps_last_good_checkpoint(tmp_path: Path):
    cfg = tiny_config()
    run = tmp_path / "nan"
    train(cfg, run, data=tiny_data(), progress=False, stop_after=10)
    bad = tiny_data()
    bad.x[:] = float("nan")
    with pytest.raises(TrainingError, match=r"Non-finite loss at training step 11 .*step 10"):
        train(None, run, resume=True, data=bad, progress=False)
    assert torch.load(run / "checkpoint.pt", weights_only=True)["step"] == 10
    state = json.loads((run / "state.json").read_text())
    assert state["status"] == "failed" and state["failed_step"] == 11
    # the good checkpoint still resumes
    assert train(None, run, resume=True, data=tiny_data(), progress=False).step == 40


# --- bad input fails before any work --------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(dataset="mnist"), "Unknown dataset"),
        (dict(architecture="vgg"), "Unknown architecture"),
        (dict(posterior="tril"), "Unknown posterior"),
        (dict(beta=0.0), "beta must be"),
        (dict(beta=-1.0), "beta must be"),
        (dict(latent_dim=0), "latent dimension"),
        (dict(subset=16, batch_size=32), "larger than the data"),
        (dict(beta_schedule="exp"), "beta_end"),
        (dict(beta_schedule="cosine"), "schedule"),
        (dict(steps=0), "steps"),
        (dict(device="tpu"), "device"),
    ],
)
def test_bad_config_fails_before_any_work(tmp_path: Path, kwargs: dict, match: str):
    with pytest.raises(ConfigError, match=match):
        train(tiny_config(**kwargs), tmp_path / "bad", progress=False)
    assert not (tmp_path / "bad" / "config.json").exists()


def test_batch_larger_than_given_data(tmp_path: Path):
    with pytest.raises(ConfigError, match="larger than the data"):
        train(tiny_config(batch_size=300), tmp_path / "b", data=tiny_data(256), progress=False)


def test_unwritable_run_dir(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="not writable"):
        train(tiny_config(), blocker / "run", data=tiny_data(), progress=False)


def test_device_resolution():
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu") == torch.device("cpu")


# --- data pipeline --------------------------------------------------------------------
def test_images_stay_uint8_on_the_device(tmp_path: Path):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.integers(0, 2, size=(64, 1, 8, 8)), dtype=torch.uint8)
    cfg = tiny_config(likelihood="bernoulli", steps=4, batch_size=8)
    trainer = Trainer(cfg, tmp_path / "u8", data=TrainingData(x=x), progress=False)
    assert trainer.x.dtype == torch.uint8 and trainer.scale == 1.0
    batch = trainer._batch()
    assert batch.dtype == torch.float32 and batch.shape == (8, 1, 8, 8)
    assert set(batch.unique().tolist()) <= {0.0, 1.0}


def test_synthetic_dataset_by_name(tmp_path: Path):
    res = train(tiny_config(subset=128, steps=5), tmp_path / "s", progress=False)
    assert res.step == 5


# --- evaluation -----------------------------------------------------------------------
def test_evaluate_writes_eval_json(tmp_path: Path):
    run = tmp_path / "ev"
    data = tiny_data()
    train(tiny_config(), run, data=data, progress=False)
    out = evaluate(run, n=128, n_jacobian=16, data=data)
    assert 0.0 <= out["jtj_off_diagonal"] <= 1.0
    assert np.asarray(out["jtj"]).shape == (2, 2)
    assert np.asarray(out["hessian_term"]).shape == (2, 2)
    assert out["hessian_off_diagonal"] >= 0.0
    assert 0.0 <= out["mig"] <= 1.0 and 0.0 < out["aas"] <= 1.0
    assert np.asarray(out["mutual_info"]).shape == (2, 2)
    stored = json.loads((run / "eval.json").read_text())
    assert stored["provenance"]["seeds"] == [0, 0] and stored["step"] == 40
    cfg, model, info = load_run(run)
    assert isinstance(model, VAE) and info["step"] == 40 and cfg == tiny_config()


def test_fit_backward_compatible():
    torch.manual_seed(0)
    vae = VAE(mlp([5, 16, 4]), mlp([2, 16, 5]), latent_dim=2)
    hist = fit(vae, tiny_data().x, steps=5, beta=1.0, lr=1e-2, batch_size=32, seed=0)
    assert len(hist.loss) == 5


class _Requeued(Exception):
    pass


def test_signal_with_host_handler_checkpoints_then_defers(tmp_path: Path):
    """Under a host that handles SIGTERM itself (e.g. submitit), the trainer checkpoints at
    the step boundary and then calls the host's handler (which here 'requeues' by raising)."""
    calls: list[int] = []

    def host(signum, frame):
        calls.append(signum)
        raise _Requeued

    old = signal.signal(signal.SIGTERM, host)
    killer = signal_when_running(tmp_path / "h", signal.SIGTERM)
    try:
        with pytest.raises(_Requeued):
            train(
                tiny_config(steps=10_000_000, checkpoint_every=1_000_000),
                tmp_path / "h",
                data=tiny_data(),
                progress=False,
            )
    finally:
        killer.join()
        signal.signal(signal.SIGTERM, old)
    assert calls == [signal.SIGTERM]
    state = json.loads((tmp_path / "h" / "state.json").read_text())
    assert state["status"] == "interrupted" and state["signal"] == "SIGTERM"
    assert torch.load(tmp_path / "h" / "checkpoint.pt", weights_only=True)["step"] > 0


def test_non_finite_loss_before_any_checkpoint(tmp_path: Path):
    bad = tiny_data()
    bad.x[:] = float("inf")
    with pytest.raises(TrainingError, match="step 1 .*no checkpoint had been written yet"):
        train(tiny_config(), tmp_path / "inf", data=bad, progress=False)
    assert not (tmp_path / "inf" / "checkpoint.pt").exists()


def test_channels_last_only_where_measured_faster():
    from seamlib.engine.train import _use_channels_last

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert _use_channels_last(TrainConfig(architecture="burgess"), cpu)
    assert not _use_channels_last(TrainConfig(architecture="burgess"), cuda)
    assert not _use_channels_last(TrainConfig(architecture="mlp"), cpu)
    assert not _use_channels_last(TrainConfig(architecture="burgess", channels_last=False), cpu)


def test_celeba_fixture_trains_as_uint8_rgb(tmp_path: Path, monkeypatch):
    from PIL import Image

    from seamlib.data.celeba import CELEBA_ATTRIBUTES

    monkeypatch.setenv("SEAMLIB_DATA", str(tmp_path / "cache"))
    base = tmp_path / "root" / "celeba"
    (base / "img_align_celeba").mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f"{i + 1:06d}.jpg" for i in range(6)]
    for name in names:
        img = rng.integers(0, 256, size=(218, 178, 3), dtype=np.uint8)
        Image.fromarray(img).save(base / "img_align_celeba" / name)
    attrs = rng.choice([-1, 1], size=(6, 40))
    lines = ["6", " ".join(CELEBA_ATTRIBUTES)]
    lines += [f"{n} " + " ".join(str(v) for v in row) for n, row in zip(names, attrs)]
    (base / "list_attr_celeba.txt").write_text("\n".join(lines) + "\n")
    (base / "list_eval_partition.txt").write_text("\n".join(f"{n} 0" for n in names) + "\n")
    from seamlib.engine.data import load_training_data

    cfg = tiny_config(
        dataset="celeba",
        data_root=str(tmp_path / "root"),
        architecture="burgess",
        likelihood="gaussian",
        batch_size=4,
        steps=2,
        latent_dim=3,
    )
    data = load_training_data(cfg)
    assert data.x.dtype == torch.uint8 and data.x.shape == (6, 3, 64, 64)
    assert data.scale == 1 / 255 and data.factors.shape == (6, 40)
    assert train(cfg, tmp_path / "run", data=data, progress=False).step == 2


# --- no host round-trip per step (what keeps a CUDA run of the paper profile fast) -----------
@pytest.mark.parametrize("posterior", ["diag", "full"])
def test_training_steps_do_not_read_back_to_the_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, posterior: str
) -> None:
    """Between two metrics rows the loop only queues device work: the number of reads of a
    tensor's value on the host (item, float, bool, cpu, numpy, tolist) made by the project's
    code does not grow with the number of steps. On a GPU each such read is a
    synchronisation. (torch's own reads are left out: Adam reads its step counter, a host
    tensor by design, with .item() every step.)"""
    import traceback

    from seamlib.engine.train import Trainer

    reads: list[str] = []
    for name in ("item", "cpu", "numpy", "tolist", "__float__", "__bool__", "__int__"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            caller = traceback.extract_stack(limit=2)[0].filename
            if f"{os.sep}torch{os.sep}" not in caller:
                reads.append(f"{_name} from {caller}")
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)

    def reads_for(steps: int) -> int:
        cfg = tiny_config(steps=steps, log_every=steps, checkpoint_every=steps, posterior=posterior)
        trainer = Trainer(cfg, tmp_path / f"{posterior}-{steps}", data=tiny_data(), progress=False)
        reads.clear()
        trainer.run(steps - 1)  # no row or checkpoint inside; one row after the loop
        return len(reads)

    few, many = reads_for(5), reads_for(50)
    assert few == many  # reads per run, not per step
    assert 1 <= many <= 2  # the metrics row after the loop: one copy of the stacked losses
