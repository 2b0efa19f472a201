"""The training engine's cost, side by side with the alternatives it replaces.

Rows (ratio = baseline_s / candidate_s; higher is better for the candidate):

1. ``engine overhead (conv)`` / ``(mlp)``: :meth:`seamlib.engine.train.Trainer.run` (uint8 data on
   the device, beta schedule, loss buffering and finiteness checks, metrics rows, a tqdm
   bar) against a bare PyTorch loop (float data, randint + index, loss, backward, Adam) with
   the same model, batch and seed. Bar: at most 10% overhead, i.e. ratio >= 1/1.1 = 0.909.
   ``equal``: the two loops end with bit-identical parameters.
2. ``full vs diag step (conv)``: one Adam step of the Burgess conv VAE with a full-covariance
   posterior (candidate) against the diagonal one (baseline). Bar: full at most 1.1x diag,
   ratio >= 0.909. ``equal``: the full KL with its off-diagonal part zeroed equals the
   diagonal KL (1e-6).
3. ``channels_last (conv, CPU)``: the conv step in channels_last memory format (candidate)
   against the contiguous format. Bar 1.0: the engine uses channels_last only where it is
   measured faster (``TrainConfig.channels_last=None``: the conv model on the CPU).
   ``equal``: same loss to 1e-4 (relative). The overhead rows use contiguous tensors on both
   sides.
4. ``batch assembly``: the engine's vectorised minibatch (randint + index_select of uint8 +
   cast) against a per-item Python loop (``torch.stack([data[i] for i in idx])``). Bar 1.0.

Timings: best of a few repeats, baseline and candidate interleaved (the machine is shared),
on one CPU thread (``torch.set_num_threads(1)``) unless CUDA is present.
"""

from __future__ import annotations

import copy
import io
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import best_time  # noqa: E402

from seamlib.engine.config import TrainConfig  # noqa: E402
from seamlib.engine.data import TrainingData  # noqa: E402
from seamlib.engine.models import ModelConfig, build_model  # noqa: E402
from seamlib.engine.train import Trainer  # noqa: E402

BAR_10PCT = 1 / 1.1


@dataclass
class Timing:
    """Best times of a baseline ``a`` and candidate ``b``; ``a``/``b`` are what rows report."""

    a: float
    b: float
    wall_a: float
    wall_b: float
    clock: str

    def note(self) -> str:
        """How the times were taken, for a row's detail."""
        return (
            f"timed as {self.clock}, best of interleaved repeats; wall-clock ratio "
            f"{self.wall_a / self.wall_b:.3f}"
        )


def _interleaved(fa: Any, fb: Any, repeats: int) -> Timing:
    """Best times of ``fa`` and ``fb``, alternating single runs (after one warm-up each).

    On the CPU the reported times are the process's CPU time (``time.process_time``, one
    torch thread): the 2 cores here are shared by several processes, so wall time mostly
    measures the neighbours. On CUDA they are wall times (``best_time``, synchronised).
    """
    fa(), fb()
    cpu = not torch.cuda.is_available()
    ta = tb = wa = wb = float("inf")
    for _ in range(repeats):
        for fn, which in ((fa, "a"), (fb, "b")):
            c0 = time.process_time()
            w = best_time(fn, repeats=1, warmup=0)
            c = time.process_time() - c0
            if which == "a":
                ta, wa = min(ta, c if cpu else w), min(wa, w)
            else:
                tb, wb = min(tb, c if cpu else w), min(wb, w)
    clock = "CPU time (process_time)" if cpu else "wall time (CUDA synchronised)"
    return Timing(ta, tb, wa, wb, clock)


def _dsprites_like(n: int, seed: int = 0) -> TrainingData:
    try:
        from seamlib.data.dsprites import procedural_dsprites

        ds = procedural_dsprites(n=n, seed=seed)
        x = torch.as_tensor(ds.images).unsqueeze(1).contiguous()
    except Exception:  # noqa: BLE001 - fall back to random binary images
        g = torch.Generator().manual_seed(seed)
        x = (torch.rand(n, 1, 64, 64, generator=g) > 0.9).to(torch.uint8)
    return TrainingData(x=x, scale=1.0)


def _overhead_row(
    name: str, config: TrainConfig, data: TrainingData, chunk: int, repeats: int
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(config, Path(tmp) / "run", data=data, progress=False)
        device = trainer.device
        model = copy.deepcopy(trainer.model)
        opt = torch.optim.Adam(model.parameters(), lr=config.lr)
        gen = torch.Generator(device=device).manual_seed(config.seed)
        xf = data.x.to(device=device, dtype=torch.float32) * data.scale
        n, b, beta = xf.shape[0], config.batch_size, config.beta

        def bare() -> None:
            for _ in range(chunk):
                idx = torch.randint(n, (b,), generator=gen, device=device)
                loss, _ = model.loss(xf[idx], beta=beta, generator=gen)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
            if device.type == "cuda":
                torch.cuda.synchronize()

        from tqdm.auto import tqdm

        bar = tqdm(total=10**9, file=io.StringIO(), mininterval=0.1)

        def engine() -> None:
            trainer.run(trainer.step + chunk, bar)

        tm = _interleaved(bare, engine, repeats)
        t_bare, t_engine = tm.a, tm.b
        bar.close()
        sa, sb = model.state_dict(), trainer.model.state_dict()
        equal = all(torch.equal(sa[k], sb[k]) for k in sa)
    return {
        "name": name,
        "baseline": f"bare PyTorch loop ({chunk} steps)",
        "candidate": f"seamlib Trainer.run ({chunk} steps)",
        "baseline_s": t_bare,
        "candidate_s": t_engine,
        "ratio": t_bare / t_engine,
        "bar": BAR_10PCT,
        "equal": equal,
        "detail": (
            f"{config.architecture}, batch {b}, {device}, threads {torch.get_num_threads()}; "
            f"overhead {100 * (t_engine / t_bare - 1):+.1f}% (bar: <= +10%, i.e. ratio >= "
            f"1/1.1 = {BAR_10PCT:.3f}); engine includes uint8->float batches, beta schedule, "
            f"loss buffer + finiteness check, metrics rows every {config.log_every} steps and "
            "a tqdm bar; equal = bit-identical parameters after both loops" + "; " + tm.note()
        ),
    }


def _step_fn(model: Any, x: torch.Tensor) -> Any:
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    gen = torch.Generator(device=x.device).manual_seed(0)

    def step() -> torch.Tensor:
        loss, _ = model.loss(x, beta=1.0, generator=gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if x.device.type == "cuda":
            torch.cuda.synchronize()
        return loss.detach()

    return step


def _conv(posterior: str, device: torch.device, seed: int = 0) -> Any:
    torch.manual_seed(seed)
    return build_model(ModelConfig("burgess", (1, 64, 64), 10, posterior)).to(device)


def _full_vs_diag_row(x: torch.Tensor, steps: int, repeats: int) -> dict[str, Any]:
    dev = x.device
    diag, full = _conv("diag", dev), _conv("full", dev)
    sd, sf = _step_fn(diag, x), _step_fn(full, x)
    tm = _interleaved(
        lambda: [sd() for _ in range(steps)], lambda: [sf() for _ in range(steps)], repeats
    )
    td, tf = tm.a, tm.b
    from seamlib.engine.models import params_to_posterior

    p = torch.randn(64, 10 + 55, generator=torch.Generator().manual_seed(1))
    p_zero = p.clone()
    p_zero[:, 20:] = 0
    kl_full = params_to_posterior(p_zero, 10, "full").kl()
    kl_diag = params_to_posterior(p[:, :20], 10, "diag").kl()
    equal = bool(torch.allclose(kl_full, kl_diag, rtol=1e-6, atol=1e-6))
    return {
        "name": "full vs diag step (conv)",
        "baseline": "diag posterior, Adam step",
        "candidate": "full posterior, Adam step",
        "baseline_s": td / steps,
        "candidate_s": tf / steps,
        "ratio": td / tf,
        "bar": BAR_10PCT,
        "equal": equal,
        "detail": (
            f"Burgess conv VAE, d=10, batch {x.shape[0]}, {dev}, threads "
            f"{torch.get_num_threads()}; per-step seconds; full/diag = {tf / td:.3f} (bar: "
            f"<= 1.1, i.e. ratio >= {BAR_10PCT:.3f}); equal = full KL with zero off-diagonal "
            "equals diag KL" + "; " + tm.note()
        ),
    }


def _channels_last_row(x: torch.Tensor, steps: int, repeats: int) -> dict[str, Any]:
    dev = x.device
    a = _conv("diag", dev)
    b = _conv("diag", dev).to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    xb = x.contiguous(memory_format=torch.channels_last)
    sa, sb = _step_fn(a, x), _step_fn(b, xb)
    la, lb = sa(), sb()
    equal = bool(torch.allclose(la, lb, rtol=1e-4))
    tm = _interleaved(
        lambda: [sa() for _ in range(steps)], lambda: [sb() for _ in range(steps)], repeats
    )
    ta, tb = tm.a, tm.b
    return {
        "name": f"channels_last (conv, {dev.type})",
        "baseline": "contiguous (NCHW) step",
        "candidate": "channels_last step",
        "baseline_s": ta / steps,
        "candidate_s": tb / steps,
        "ratio": ta / tb,
        "bar": 1.0,
        "equal": equal,
        "detail": (
            f"Burgess conv VAE, batch {x.shape[0]}, threads {torch.get_num_threads()}; "
            "ratio > 1: channels_last is faster; the engine's default "
            "(TrainConfig.channels_last=None) uses it for the conv model on the CPU only, "
            "where this row measured it faster" + "; " + tm.note()
        ),
    }


def _batch_row(data: TrainingData, b: int, repeats: int) -> dict[str, Any]:
    x = data.x
    n = x.shape[0]
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    reps = 50

    def python_items() -> torch.Tensor:
        out = None
        for _ in range(reps):
            idx = torch.randint(n, (b,), generator=g1)
            out = torch.stack([x[i].to(torch.float32) for i in idx.tolist()])
        assert out is not None
        return out

    def vectorised() -> torch.Tensor:
        out = None
        for _ in range(reps):
            idx = torch.randint(n, (b,), generator=g2)
            out = x.index_select(0, idx).to(torch.float32)
        assert out is not None
        return out

    tm = _interleaved(python_items, vectorised, repeats)
    tp, tv = tm.a, tm.b
    equal = bool(torch.equal(python_items(), vectorised()))
    return {
        "name": "batch assembly (uint8 in memory)",
        "baseline": "per-item Python stack",
        "candidate": "randint + index_select + cast",
        "baseline_s": tp / reps,
        "candidate_s": tv / reps,
        "ratio": tp / tv,
        "bar": 1.0,
        "equal": equal,
        "detail": f"batch {b} of 64x64 uint8 images from {n}; per-batch seconds; " + tm.note(),
    }


def run(quick: bool = False) -> list[dict[str, Any]]:
    """The training engine's benchmark rows (see the module docstring)."""
    old_threads = torch.get_num_threads()
    if not torch.cuda.is_available():
        torch.set_num_threads(1)
    try:
        dev = "cuda" if torch.cuda.is_available() else "cpu"
        n_img = 256 if quick else 1024
        data = _dsprites_like(n_img)
        repeats = 2 if quick else 5
        conv_cfg = TrainConfig(
            dataset="dsprites",
            architecture="burgess",
            latent_dim=10,
            batch_size=64,
            steps=10**9,
            checkpoint_every=10**9,
            log_every=10,
            device=dev,
            channels_last=False,
        )
        rows = [
            _overhead_row(
                "engine overhead (conv)", conv_cfg, data, chunk=4 if quick else 10, repeats=repeats
            )
        ]
        g = torch.Generator().manual_seed(0)
        synth = TrainingData(x=torch.randn(4096, 6, generator=g))
        mlp_cfg = TrainConfig(
            dataset="synth-nonlin",
            architecture="rolinek-synth-nonlin",
            latent_dim=2,
            likelihood="gaussian",
            batch_size=64,
            steps=10**9,
            checkpoint_every=10**9,
            log_every=10,
            device=dev,
            channels_last=False,
        )
        rows.append(
            _overhead_row(
                "engine overhead (mlp)",
                mlp_cfg,
                synth,
                chunk=100 if quick else 300,
                repeats=repeats if quick else 9,
            )
        )
        x = (data.x[:64].to(torch.float32) * data.scale).to(dev)
        steps = 2 if quick else 5
        rows.append(_full_vs_diag_row(x, steps, repeats))
        rows.append(_channels_last_row(x, steps, repeats))
        rows.append(_batch_row(data, 64, repeats))
        return rows
    finally:
        torch.set_num_threads(old_threads)


if __name__ == "__main__":
    import json

    quick = "--quick" in sys.argv
    for row in run(quick=quick):
        print(json.dumps(row))
