"""Benchmarks of seamlib.theory's Jacobians, C1 scores and Hessian term on the Burgess et al.
conv decoder (d = 10, 64x64).

Rows (ratio = baseline_s / candidate_s; higher is better for the candidate):

1. ``jacobian+svd+c1 (256 points)``: :func:`seamlib.theory.scores.c1_score` -- one batched
   ``vmap(jacfwd)`` Jacobian, a batched SVD and the C1 scores -- against a per-sample loop of
   ``torch.autograd.functional.jacobian`` (default settings: reverse mode, one backward pass
   per output pixel) followed by a per-sample SVD and the same scores. The reverse-mode loop
   costs 4096 backward passes per point (seconds each), so both sides are measured on the
   same 8 points (2 with ``--quick``); nothing is extrapolated. Bar: 10x. ``equal``:
   Jacobians agree to 1e-4 (relative, float32) and C1 scores to 1e-4.
2. ``jacobian+svd+c1, forward-mode loop``: the same, against the strongest per-sample
   variant (``strategy="forward-mode", vectorize=True``), timed on all 256 points. Bar 1
   (informational: batching alone).
3. ``hessian_term``: forward-over-reverse ``jacfwd(grad(r . d))`` against nested
   ``vmap(jacrev(jacrev(d)))`` (forms the m x d x d Hessian) contracted with the residual,
   on the same batch, float64. The Burgess decoder is piecewise linear (ReLU), so its
   Hessian term is zero almost everywhere and would make the comparison vacuous; this row
   uses a tanh MLP decoder 10 -> 64 -> 64 -> 256 (a 16x16 image) instead, small enough for
   the nested baseline (which differentiates 2560 outputs in reverse mode per point, in
   chunks to bound memory) to run on a laptop CPU. Bar: 3x. ``equal``: to 1e-5.

Timings: best of a few repeats on the machine's default threads (CPU), baseline and
candidate measured in the same run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch.func import jacrev, vmap

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _timing import best_time  # noqa: E402

from seamlib.engine.models import burgess_decoder  # noqa: E402
from seamlib.theory.jacobian import hessian_term, jacobian  # noqa: E402
from seamlib.theory.scores import c1_from_jacobian, c1_score  # noqa: E402


def _decoder(dtype: torch.dtype, device: str) -> torch.nn.Module:
    torch.manual_seed(0)
    dec = burgess_decoder(10).to(device=device, dtype=dtype)
    dec.eval()
    for p in dec.parameters():
        p.requires_grad_(False)
    return dec


def _loop_c1(dec: torch.nn.Module, z: torch.Tensor, **jac_kwargs: object) -> tuple:
    Js = []
    for b in range(z.shape[0]):
        J = torch.autograd.functional.jacobian(
            lambda z1: dec(z1.unsqueeze(0)).reshape(-1), z[b], **jac_kwargs
        )
        Js.append(J)
    J = torch.stack(Js)
    scores = []
    for b in range(J.shape[0]):  # per-sample SVD and scores, as a loop would do
        scores.append(c1_from_jacobian(J[b : b + 1]))
    return J, torch.cat([s.v_distance for s in scores]), torch.cat([s.offdiag for s in scores])


def run(quick: bool = False) -> list[dict]:
    """Time the rows above; ``quick`` uses 32 points and smaller baselines."""
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dec = _decoder(torch.float32, device)
    n = 32 if quick else 256
    n_base = 2 if quick else 8  # the reverse-mode loop takes seconds per point
    z = torch.randn(n, 10, generator=torch.Generator().manual_seed(0)).to(device)
    rows = []

    # 1. candidate vs reverse-mode per-sample loop, both measured on the same n_base points
    cand = c1_score(dec, z)
    J_cand = jacobian(dec, z)
    t_cand = best_time(lambda: c1_score(dec, z), repeats=2)
    zb = z[:n_base]
    t_cand_small = best_time(lambda: c1_score(dec, zb), repeats=3)
    out: list[tuple] = []
    t_base = best_time(lambda: out.append(_loop_c1(dec, zb)), 1, warmup=0)
    J_b, dist_b, off_b = out[0]
    rel = ((J_b - J_cand[:n_base]).abs().max() / J_cand[:n_base].abs().max()).item()
    c1_err = max(
        (dist_b - cand.v_distance[:n_base]).abs().max().item(),
        (off_b - cand.offdiag[:n_base]).abs().max().item(),
    )
    rows.append(
        dict(
            name=f"jacobian+svd+c1 ({n_base} points, Burgess decoder d=10, 64x64), reverse loop",
            baseline="per-sample torch.autograd.functional.jacobian loop (default, reverse)",
            candidate="seamlib.theory.scores.c1_score (vmap(jacfwd) + batched SVD)",
            baseline_s=t_base,
            candidate_s=t_cand_small,
            ratio=t_base / t_cand_small,
            bar=10.0,
            equal=bool(rel <= 1e-4 and c1_err <= 1e-4),
            detail=(
                f"both sides measured on the same {n_base} points (no extrapolation); max "
                f"relative Jacobian difference {rel:.1e}, max C1 score difference "
                f"{c1_err:.1e}; device {device}"
            ),
        )
    )

    # 2. candidate vs forward-mode vectorised per-sample loop (all points)
    out = []
    t_fwd = best_time(
        lambda: out.append(_loop_c1(dec, z, strategy="forward-mode", vectorize=True)),
        repeats=1,
        warmup=0,
    )
    J_f = out[-1][0]
    rel_f = ((J_f - J_cand).abs().max() / J_cand.abs().max()).item()
    rows.append(
        dict(
            name=f"jacobian+svd+c1 ({n} points), forward-mode loop",
            baseline="per-sample autograd.functional.jacobian(forward-mode, vectorize=True)",
            candidate="seamlib.theory.scores.c1_score",
            baseline_s=t_fwd,
            candidate_s=t_cand,
            ratio=t_fwd / t_cand,
            bar=0.0,  # informational: no acceptance bar for this comparison
            equal=bool(rel_f <= 1e-4),
            detail=f"informational (batching alone); max relative Jacobian diff {rel_f:.1e}",
        )
    )

    # 3. hessian_term vs nested jacrev(jacrev), float64
    torch.manual_seed(0)
    dec64 = torch.nn.Sequential(
        torch.nn.Linear(10, 64),
        torch.nn.Tanh(),
        torch.nn.Linear(64, 64),
        torch.nn.Tanh(),
        torch.nn.Linear(64, 256),
        torch.nn.Unflatten(1, (1, 16, 16)),
    ).to(device=device, dtype=torch.float64)
    for p in dec64.parameters():
        p.requires_grad_(False)
    nh = 2 if quick else 4
    zh = torch.randn(nh, 10, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    zh = zh.to(device)
    x = torch.rand(nh, 1, 16, 16, generator=torch.Generator().manual_seed(2), dtype=torch.float64)
    x = x.to(device)

    def nested() -> torch.Tensor:
        def single(z1: torch.Tensor) -> torch.Tensor:
            return dec64(z1.unsqueeze(0)).reshape(-1)

        H = vmap(jacrev(jacrev(single), chunk_size=1024))(zh)  # (n, m, d, d)
        r = x.reshape(nh, -1) - dec64(zh).reshape(nh, -1)
        return torch.einsum("nl,nlij->nij", r, H)

    outs: list[torch.Tensor] = []
    t_nested = best_time(lambda: outs.append(nested()), repeats=1, warmup=0)
    H_c = hessian_term(dec64, x, zh)
    err = (outs[0] - H_c).abs().max().item()
    t_h = best_time(lambda: hessian_term(dec64, x, zh), repeats=3)
    rows.append(
        dict(
            name=f"hessian_term ({nh} points, tanh MLP decoder d=10 -> 16x16, float64)",
            baseline="vmap(jacrev(jacrev(decoder))) contracted with x - d(z)",
            candidate="seamlib.theory.jacobian.hessian_term (jacfwd(grad), forward-over-reverse)",
            baseline_s=t_nested,
            candidate_s=t_h,
            ratio=t_nested / t_h,
            bar=3.0,
            equal=bool(err <= 1e-5),
            detail=f"max |difference| {err:.1e}; device {device}",
        )
    )
    return rows


if __name__ == "__main__":
    import json

    for row in run(quick="--quick" in sys.argv):
        print(json.dumps(row, indent=1))
