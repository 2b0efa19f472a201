"""Small VAEs on the ``c1c2`` generator: P1 and Lemma 4.1, diagonal against full posteriors.

The chapter "Disentanglement = C1 + C2" trains small Gaussian VAEs (d = 2, MLP encoder and
decoder) on noisy samples of the ``c1c2`` generator, with diagonal and with full
posteriors, and asks whether the diagonal ones give more diagonal Eq. 6 terms (Property P1)
and decoders closer to C1 and C2 (Lemma 4.1). Each comparison is a one-sided Mann-Whitney U
test over seeds; the untrained models of the same seeds are its negative control.

The chapter runs the comparison live at its profile's sizes (:func:`compare_posteriors`).
A comparison that does not reach significance there is declared, and the declaration rests
on :func:`size_experiment`, which repeats it with more data, longer training and more
seeds and stores the p-values::

    python -m seamlib.experiments.small_vaes size   # -> results/disentanglement/size.json
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from scipy.stats import mannwhitneyu
from torch import Tensor
from torch.nn import Module

from seamlib.config import SeamsSizes, get_profile
from seamlib.engine.fit import fit
from seamlib.engine.models import VAE, Posterior, mlp, n_posterior_params
from seamlib.engine.rundir import short_path
from seamlib.experiments.pipeline import finite, read_results, results_folder
from seamlib.metrics import mcc
from seamlib.provenance import module_command, provenance
from seamlib.theory import generators as gen
from seamlib.theory import identify
from seamlib.theory.eq6 import batch_terms
from seamlib.theory.identifiability import seam_alignment
from seamlib.theory.scores import c1_score, c2_score, normalised_off_diagonal

__all__ = [
    "SCORES",
    "SIZE_POINTS",
    "SIZE_SEEDS",
    "build_vae",
    "compare_posteriors",
    "diagonality_scores",
    "identification_scores",
    "load_size_experiment",
    "mann_whitney_less",
    "posterior_means",
    "separation_scores",
    "scores_by_model",
    "size_experiment",
    "train_vae",
    "training_points",
]

#: The four scores, lower is better for each: P1 (Appendix E's normalised off-diagonal of
#: E[J^T J] and of the Hessian term over posterior samples) and Lemma 4.1 (C1 distance and
#: C2 off-diagonal fraction at the posterior means). Value: the claim each score tests.
SCORES: dict[str, str] = {
    "E[JtJ] off-diag": "p1",
    "Hessian term off-diag": "p1",
    "C1 distance": "lemma-4.1",
    "C2 off-diag fraction": "lemma-4.1",
}

#: The (training points, Adam steps) of the size experiment: the laptop profile's and the
#: paper profile's.
SIZE_POINTS: tuple[tuple[int, int], ...] = ((5_000, 4_000), (20_000, 20_000))

#: Seeds per posterior in the size experiment (the profiles use 3 or 5).
SIZE_SEEDS: int = 10


def training_points(sizes: SeamsSizes, n: int | None = None) -> Tensor:
    """``n`` (default ``sizes.vae_n``) noisy samples of the ``c1c2`` generator, shape (n, 3).

    Examples
    --------
    >>> from seamlib.config import get_profile
    >>> from seamlib.experiments.small_vaes import training_points
    >>> training_points(get_profile("smoke").seams, n=10).shape
    torch.Size([10, 3])
    """
    _, x = gen.sample(
        gen.c1c2(),
        sizes.vae_n if n is None else n,
        noise_std=sizes.vae_noise,
        seed=sizes.seeds.vae_data,
        dtype=torch.float32,
    )
    return x


def build_vae(
    posterior: Posterior, seed: int, *, hidden: int, sigma2: float, data_dim: int = 3
) -> VAE:
    """The untrained VAE of one seed: d = 2, tanh MLP encoder ``data_dim -> hidden -> hidden``
    and decoder ``2 -> hidden -> hidden -> data_dim``, Gaussian likelihood of variance
    ``sigma2`` (the data's noise variance).

    Initialised from ``torch.manual_seed(seed)`` without touching the caller's random state.

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments.small_vaes import build_vae
    >>> a = build_vae("full", 0, hidden=8, sigma2=0.01)
    >>> b = build_vae("full", 0, hidden=8, sigma2=0.01)
    >>> a.posterior, all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    ('full', True)
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return VAE(
            mlp([data_dim, hidden, hidden, n_posterior_params(2, posterior)]),
            mlp([2, hidden, hidden, data_dim]),
            latent_dim=2,
            posterior=posterior,
            sigma2=sigma2,
        )


def train_vae(
    x: Tensor,
    posterior: Posterior,
    seed: int,
    *,
    hidden: int,
    sigma2: float,
    steps: int,
    lr: float,
    batch_size: int = 128,
) -> VAE:
    """:func:`build_vae` for the data ``x`` (n, data_dim), trained by
    :func:`seamlib.engine.fit.fit` (Adam, minibatches and posterior samples from ``seed``).

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments.small_vaes import train_vae
    >>> vae = train_vae(torch.rand(64, 3), "diag", 0, hidden=8, sigma2=0.01, steps=3, lr=1e-3,
    ...                 batch_size=16)
    >>> vae.training
    False
    """
    vae = build_vae(posterior, seed, hidden=hidden, sigma2=sigma2, data_dim=x.shape[1])
    fit(vae, x.float(), steps=steps, lr=lr, batch_size=batch_size, seed=seed)
    return vae


def posterior_means(vae: VAE, x: Tensor) -> Tensor:
    """The posterior means of ``x`` (n, data_dim), shape (n, 2), in float64.

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments.small_vaes import build_vae, posterior_means
    >>> posterior_means(build_vae("diag", 0, hidden=8, sigma2=0.01), torch.rand(5, 3)).dtype
    torch.float64
    """
    with torch.no_grad():
        return vae.encode(x.float()).mean.double()


def _double_decoder(vae: VAE) -> Module:
    return copy.deepcopy(vae.decoder).double().requires_grad_(False)


def identification_scores(vae: VAE, g: gen.Generator, z: Tensor, x: Tensor) -> dict[str, float]:
    """How well a VAE identifies the generator ``g`` (Thm. 6.5, Cor. D.1) at the held-out
    points ``x = g(z)``, matched through the posterior means ``mu``.

    Returns
    -------
    dict
        ``"axis alignment"`` (of the latent map ``phi = g^-1 o d``, 1 for a signed
        permutation, :func:`seamlib.theory.identify.latent_axis_alignment`), ``"MCC"``
        (posterior means against ``z``), ``"S error"`` (median relative error of the
        singular values, :func:`seamlib.theory.identify.singular_value_mismatch`) and
        ``"seams |cos|"`` (mean P&S-matched cosine of the left singular vectors,
        :func:`seamlib.theory.identifiability.seam_alignment`).

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments.small_vaes import build_vae, identification_scores
    >>> from seamlib.theory import generators
    >>> g = generators.c1c2()
    >>> z, x = generators.sample(g, 50, seed=0)
    >>> s = identification_scores(build_vae("diag", 0, hidden=8, sigma2=0.01), g, z, x)
    >>> sorted(s)
    ['MCC', 'S error', 'axis alignment', 'seams |cos|']
    """
    mu = posterior_means(vae, x)
    decoder = _double_decoder(vae)
    return {
        "axis alignment": identify.latent_axis_alignment(g, z, decoder, mu).score,
        "MCC": mcc(mu.numpy(), z.numpy()),
        "S error": float(identify.singular_value_mismatch(g, z, decoder, mu).median()),
        "seams |cos|": float(seam_alignment(g, z, decoder, mu).cos.mean()),
    }


def separation_scores(vae: VAE, g: gen.Generator, s: Tensor, x: Tensor) -> dict[str, float]:
    """How well a VAE separates the sources ``s`` mixed by ``g`` (Cor. 6.7), at ``x = g(s)``.

    Returns
    -------
    dict
        ``"Spearman MCC"`` (posterior means against ``s``, invariant to monotone maps of
        each source) and ``"axis alignment"`` (of ``phi = g^-1 o d``, 1 for any axis-aligned
        diffeomorphism).

    Examples
    --------
    >>> from seamlib.experiments.small_vaes import build_vae, separation_scores
    >>> from seamlib.theory import generators
    >>> g = generators.c1c2()
    >>> s = generators.uniform_laplace_sources(50, seed=0)
    >>> sorted(separation_scores(build_vae("diag", 0, hidden=8, sigma2=0.01), g, s, g(s)))
    ['Spearman MCC', 'axis alignment']
    """
    mu = posterior_means(vae, x)
    return {
        "Spearman MCC": mcc(mu.numpy(), s.numpy(), method="spearman"),
        "axis alignment": identify.latent_axis_alignment(g, s, _double_decoder(vae), mu).score,
    }


def scores_by_model(
    models: Iterable[Any], score: Callable[[Any], Mapping[str, float]]
) -> dict[str, list[float]]:
    """``score`` of each model, gathered per score: ``{name: [one value per model]}``.

    ``models`` may be a generator (each model is scored as it comes, in order).

    Examples
    --------
    >>> from seamlib.experiments.small_vaes import scores_by_model
    >>> scores_by_model([1.0, 2.0], lambda m: {"twice": 2 * m, "neg": -m})
    {'twice': [2.0, 4.0], 'neg': [-1.0, -2.0]}
    """
    out: dict[str, list[float]] = {}
    for model in models:
        for key, val in score(model).items():
            out.setdefault(key, []).append(val)
    return out


def diagonality_scores(vae: VAE, x: Tensor, sizes: SeamsSizes) -> dict[str, float]:
    """The four :data:`SCORES` of one model at the first ``sizes.vae_eval_n`` points of ``x``.

    E[J^T J] and the Hessian term are averaged over one posterior sample per point (Eq. 6,
    :func:`seamlib.theory.eq6.batch_terms`); C1 and C2 are averaged at the posterior means.

    Examples
    --------
    >>> from seamlib.config import get_profile
    >>> from seamlib.experiments.small_vaes import build_vae, diagonality_scores, training_points
    >>> sizes = get_profile("smoke").seams
    >>> vae = build_vae("diag", 0, hidden=sizes.vae_hidden, sigma2=sizes.vae_noise**2)
    >>> s = diagonality_scores(vae.double(), training_points(sizes, 64), sizes)
    >>> sorted(s) == sorted(["E[JtJ] off-diag", "Hessian term off-diag", "C1 distance",
    ...                      "C2 off-diag fraction"])
    True
    """
    x = x[: sizes.vae_eval_n].double()
    with torch.no_grad():
        q = vae.encode(x)
        z = q.rsample(torch.Generator().manual_seed(sizes.seeds.posterior_draw))
    jtj, hess = batch_terms(vae.decoder, x, z)
    return {
        "E[JtJ] off-diag": normalised_off_diagonal(jtj).item(),
        "Hessian term off-diag": normalised_off_diagonal(hess).item(),
        "C1 distance": c1_score(vae.decoder, q.mean).v_distance.mean().item(),
        "C2 off-diag fraction": c2_score(vae.decoder, q.mean).offdiag_fraction.mean().item(),
    }


def compare_posteriors(
    sizes: SeamsSizes, x: Tensor | None = None, seeds: int | None = None
) -> dict[str, dict[str, dict[str, list[float]]]]:
    """Train ``seeds`` (default ``sizes.vae_seeds``) VAEs per posterior on ``x`` and score
    them, with the untrained model of each seed as the negative control.

    Returns
    -------
    dict
        ``{"trained" | "untrained": {"diag" | "full": {score: [one value per seed]}}}``.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from seamlib.config import get_profile
    >>> from seamlib.experiments.small_vaes import compare_posteriors
    >>> sizes = replace(get_profile("smoke").seams, vae_steps=5, vae_eval_n=16)
    >>> out = compare_posteriors(sizes, seeds=2)
    >>> len(out["trained"]["full"]["C1 distance"]), len(out["untrained"]["diag"]["C1 distance"])
    (2, 2)
    """
    x = training_points(sizes) if x is None else x
    out: dict[str, dict[str, dict[str, list[float]]]] = {
        kind: {post: {k: [] for k in SCORES} for post in ("diag", "full")}
        for kind in ("trained", "untrained")
    }
    posteriors: tuple[Posterior, ...] = ("diag", "full")
    for post in posteriors:
        for seed in range(sizes.vae_seeds if seeds is None else seeds):
            vae = build_vae(post, seed, hidden=sizes.vae_hidden, sigma2=sizes.vae_noise**2)
            untrained = copy.deepcopy(vae).double()
            for key, val in diagonality_scores(untrained, x, sizes).items():
                out["untrained"][post][key].append(val)
            fit(vae, x, steps=sizes.vae_steps, lr=sizes.vae_lr, batch_size=128, seed=seed)
            for key, val in diagonality_scores(vae.double(), x, sizes).items():
                out["trained"][post][key].append(val)
    return out


def mann_whitney_less(by_posterior: Mapping[str, Mapping[str, Sequence[float]]], key: str) -> float:
    """One-sided Mann-Whitney U p-value of 'diagonal < full' for ``key`` over the seeds.

    Examples
    --------
    >>> from seamlib.experiments.small_vaes import mann_whitney_less
    >>> scores = {"diag": {"s": [0.1, 0.2, 0.3]}, "full": {"s": [0.5, 0.6, 0.7]}}
    >>> mann_whitney_less(scores, "s")
    0.05
    """
    res = mannwhitneyu(by_posterior["diag"][key], by_posterior["full"][key], alternative="less")
    return float(res.pvalue)


def size_experiment(
    points: Sequence[tuple[int, int]] | None = None,
    seeds: int = SIZE_SEEDS,
    profile: str | None = "laptop",
) -> dict[str, Any]:
    """The posterior comparison at each (training points, steps) of ``points`` (default
    :data:`SIZE_POINTS`), ``seeds`` seeds per posterior, everything else at ``profile``'s
    sizes.

    Returns
    -------
    dict
        ``points``: one entry per size with ``n``, ``steps``, ``seeds``, ``wall_s``, the
        per-seed ``scores`` of :func:`compare_posteriors` and ``p``: per score, the one-sided
        p-value over all seeds and over the first 5 (``p5``), trained and untrained.

    Examples
    --------
    >>> from seamlib.experiments.small_vaes import size_experiment
    >>> doc = size_experiment(points=[(256, 3)], seeds=2, profile="smoke")
    >>> sorted(doc["points"][0]["p"]["C1 distance"])
    ['trained', 'trained_p5', 'untrained', 'untrained_p5']
    """
    base = get_profile(profile).seams
    out = []
    for n, steps in SIZE_POINTS if points is None else points:
        sizes = replace(base, vae_n=n, vae_steps=steps)
        t0 = time.perf_counter()
        scores = compare_posteriors(sizes, seeds=seeds)
        p: dict[str, dict[str, float]] = {}
        for key in SCORES:
            p[key] = {}
            for kind in ("trained", "untrained"):
                p[key][kind] = mann_whitney_less(scores[kind], key)
                first = {post: {key: v[key][:5]} for post, v in scores[kind].items()}
                p[key][f"{kind}_p5"] = mann_whitney_less(first, key)
        out.append(
            {
                "n": n,
                "steps": steps,
                "seeds": seeds,
                "wall_s": time.perf_counter() - t0,
                "scores": scores,
                "p": p,
            }
        )
    return finite({"experiment": "small-vae-size", "points": out})


def load_size_experiment(folder: str | Path | None = None) -> dict[str, Any]:
    """Read ``results/disentanglement/size.json`` (the stored :func:`size_experiment`).

    Raises
    ------
    FileNotFoundError
        With the command that produces the file.

    Examples
    --------
    >>> from seamlib.experiments.small_vaes import load_size_experiment
    >>> doc = load_size_experiment()  # doctest: +SKIP
    >>> [(p["n"], p["steps"]) for p in doc["points"]]  # doctest: +SKIP
    [(5000, 4000), (20000, 20000)]
    """
    return read_results(
        results_folder("disentanglement", folder) / "size.json",
        "`python -m seamlib.experiments.small_vaes size`",
    )


def _size_point(text: str) -> tuple[int, int]:
    """``"N:STEPS"`` as a pair of positive integers (an argparse type)."""
    try:
        n, steps = (int(v) for v in text.split(":"))
    except ValueError:
        n = steps = 0
    if n < 1 or steps < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not N:STEPS with two positive integers, e.g. 5000:4000"
        )
    return n, steps


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m seamlib.experiments.small_vaes size`` (module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m seamlib.experiments.small_vaes")
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("size", help="the posterior comparison at several training sizes")
    s.add_argument("--seeds", type=int, default=SIZE_SEEDS, help="seeds per posterior")
    s.add_argument("--profile", default="laptop", help="sizes other than n and steps")
    s.add_argument(
        "--points",
        nargs="+",
        type=_size_point,
        default=None,
        metavar="N:STEPS",
        help="training points and Adam steps per size (default: "
        + " ".join(f"{n}:{k}" for n, k in SIZE_POINTS)
        + ")",
    )
    s.add_argument("--out", default=None, help="file (default results/disentanglement/size.json)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    doc = size_experiment(args.points, seeds=args.seeds, profile=args.profile)
    out = Path(args.out) if args.out else results_folder("disentanglement") / "size.json"
    doc["provenance"] = provenance(
        profile=args.profile,
        seeds=list(range(args.seeds)),
        device="cpu",
        wall_s=round(time.perf_counter() - t0, 1),
        torch_threads=1,
        command=module_command(
            "seamlib.experiments.small_vaes", sys.argv[1:] if argv is None else argv
        ),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {short_path(out)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
