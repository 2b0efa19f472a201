"""Training throughput per core against this CPU's limit, and how a step's cost scales.

Rows (all on one CPU thread, ``torch.set_num_threads(1)``):

1. ``peak matmul``: the roofline, the best rate of 1024^2 and 2048^2 float32 matmuls (2 n^3
   flops), best of 5, measured before and after the other rows (the machine is shared: the
   higher of the two is the limit).
2. ``roofline: <model>``: one Adam step of a VAE (bare PyTorch: loss, backward, step) on
   a batch of binary 64 x 64 (or 32 x 32) images. Its flops are counted by
   ``torch.utils.flop_counter.FlopCounterMode`` (the matrix products and convolutions of the
   forward and backward passes); ``baseline_s`` is the time those flops take at the
   measured peak, ``candidate_s`` the measured step, so ``ratio`` is the fraction of the
   peak the step reaches. The engine's own overhead over the same bare loop is the
   ``engine overhead`` rows of ``bench_engine.py``.
3. ``step cost``: the MLP VAE (the stored dSprites grids' architecture, hidden 256 x 256)
   at 32 x 32 and 64 x 64 pixels and batch 64 and 256: seconds per step and images per
   second per core, to scale the grids' costs.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import best_time  # noqa: E402

from seamlib.engine.models import ModelConfig, build_model  # noqa: E402


def _peak_gflops(n: int, repeats: int) -> tuple[float, float]:
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    t = best_time(lambda: a @ b, repeats=repeats)
    return 2 * n**3 / t / 1e9, t


def _step(arch: str, res: int, batch: int, hidden: tuple[int, ...]) -> tuple[Any, torch.Tensor]:
    torch.manual_seed(0)
    model = build_model(ModelConfig(arch, (1, res, res), 10, "diag", hidden=hidden))
    x = (torch.rand(batch, 1, res, res, generator=torch.Generator().manual_seed(1)) > 0.9).float()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    gen = torch.Generator().manual_seed(0)

    def step() -> None:
        loss, _ = model.loss(x, beta=1.0, generator=gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step, x


def _flops(step: Any) -> int:
    counter = FlopCounterMode(display=False)
    with counter:
        step()
    return int(counter.get_total_flops())


def run(quick: bool = False) -> list[dict[str, Any]]:
    """The rows above; ``quick`` uses fewer steps."""
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:

        def measure_peak() -> tuple[float, float]:
            return max(_peak_gflops(n, 3 if quick else 5) for n in (1024, 2048))

        peak, t_peak = measure_peak()
        rows: list[dict[str, Any]] = [
            {
                "kind": "roofline",
                "name": "peak matmul (float32, 1 thread)",
                "baseline": "-",
                "candidate": "1024^2 and 2048^2 matmuls",
                "baseline_s": t_peak,
                "candidate_s": t_peak,
                "ratio": 1.0,
                "bar": 0.0,
                "gflops": peak,
                "detail": f"{peak:.1f} GFLOP/s on one core: the limit for the rows below",
            }
        ]
        steps = 2 if quick else 5
        configs = [
            ("burgess", 64, 64, (64, 64), "roofline"),
            ("mlp", 64, 64, (256, 256), "roofline"),
            ("mlp", 32, 64, (256, 256), "step cost"),
            ("mlp", 64, 256, (256, 256), "step cost"),
            ("mlp", 32, 256, (256, 256), "step cost"),
        ]
        for arch, res, batch, hidden, kind in configs:
            step, _ = _step(arch, res, batch, hidden)
            flops = _flops(step)
            t = best_time(lambda s=step: [s() for _ in range(steps)], repeats=3) / steps
            at_peak = flops / (peak * 1e9)
            label = "Burgess conv VAE" if arch == "burgess" else "MLP VAE (256, 256)"
            rows.append(
                {
                    "kind": kind,
                    "name": f"{kind}: {label}, {res}x{res}, batch {batch}",
                    "baseline": "its flops at the peak matmul rate",
                    "candidate": "bare PyTorch Adam step",
                    "baseline_s": at_peak,
                    "candidate_s": t,
                    "ratio": at_peak / t,
                    "bar": 0.0,
                    "gflop_per_step": flops / 1e9,
                    "gflops": flops / t / 1e9,
                    "images_per_s": batch / t,
                    "resolution": res,
                    "batch_size": batch,
                    "architecture": arch,
                    "detail": (
                        f"{flops / 1e9:.3f} GFLOP per step, {t * 1e3:.1f} ms per step, "
                        f"{batch / t:.0f} images/s on one core, {flops / t / 1e9:.1f} GFLOP/s "
                        f"= {100 * at_peak / t:.0f} % of the peak matmul rate"
                    ),
                }
            )
        later, t_later = measure_peak()
        if later > peak:  # the machine was busier at the start: rescale to the higher peak
            for r in rows[1:]:
                r["baseline_s"] *= peak / later
                r["ratio"] = r["baseline_s"] / r["candidate_s"]
                pct = 100 * r["ratio"]
                r["detail"] = (
                    r["detail"].rsplit(" = ", 1)[0] + f" = {pct:.0f} % of the peak matmul rate"
                )
            peak, t_peak = later, t_later
            rows[0].update(baseline_s=t_peak, candidate_s=t_peak, gflops=peak)
            rows[0]["detail"] = f"{peak:.1f} GFLOP/s on one core: the limit for the rows below"
        return rows
    finally:
        torch.set_num_threads(old)


if __name__ == "__main__":
    t0 = time.perf_counter()
    for row in run(quick="--quick" in sys.argv):
        print(row["name"], "|", row["detail"])
    print(f"{time.perf_counter() - t0:.1f} s")
