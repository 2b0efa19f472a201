"""dSprites experiments: sweep grids, per-run summaries and the published tables.

The dSprites chapters reproduce Allen (2025), Fig. 5 (diagonal vs full
posteriors across beta) and Fig. 7 / Appendix F (reducing beta over training), and sets our
numbers beside Rolinek et al. (2019), Table 2 and Bhowal et al. (2024), Table 4
(:mod:`seamlib.experiments.published`). The runs are
trained by the engine's CLI from grid files this module writes (:func:`grids`); each trained
run is then summarised (:func:`summarise_run`) and the summaries are collected into the small
JSON files under ``results/dsprites/`` (:func:`collect`) that the chapter reads::

    python -m seamlib.experiments.dsprites grids --profile laptop          # experiments/*.json
    python -m seamlib sweep experiments/dsprites_fig5.laptop.json ...   # the engine trains
    python -m seamlib results RUN_ROOT                                  # the engine's table
    python -m seamlib.experiments.dsprites collect RUN_ROOT --profile laptop  # results/dsprites/

The stored results the chapters read come from the committed 32 x 32 recipes instead
(``experiments/dsprites_*.cpu.json``: every image, the pilot's budget, one CPU core per run),
collected on 10,000 held-out images::

    python -m seamlib sweep experiments/dsprites_fig5.cpu.json --skip-busy   # and the others
    python -m seamlib.experiments.dsprites collect runs/dsprites/cpu --eval-n 10000 --out DIR

What a summary holds, beyond the engine's ``evaluate``
------------------------------------------------------
All on held-out images (a fixed random sample of the procedural set, the same for every run):

* the mutual-information matrix (latents x 5 factors), MIG and AAS (Appendix E), the greedy
  order used by the heatmaps, and Rolinek et al.'s kNN disentanglement score;
* the two terms of Eq. 6 averaged over a batch
  (:func:`seamlib.experiments.common.model_eq6_terms`) and their normalised
  off-diagonal (Appendix E) over the active latents; the distance to orthogonality (DtO) of
  the decoder Jacobian (Rolinek et al., Eq. 29);
* the reconstruction error and, for Fig. 7, reconstructions and latent traversals stored as
  compressed 8-bit images (:func:`seamlib.experiments.common.encode_images`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from seamlib import metrics
from seamlib.config import DspritesSizes, get_profile, project_root
from seamlib.engine.models import ModelConfig, build_model
from seamlib.engine.rundir import short_path
from seamlib.experiments.common import (
    CONTROL_SEED,
    encode_dataset,
    encode_images,
    eq6_fields,
    group_stats,
    model_eq6_terms,
    traversal_latents,
    untrained_model,
)
from seamlib.experiments.dsprites_data import (
    eval_id,
    heldout_data,
    heldout_indices,
    training_indices,
)
from seamlib.experiments.dsprites_stats import (
    axis_match,
)
from seamlib.experiments.pipeline import (
    find_runs,
    finite,
    read_results,
    results_folder,
    run_fields,
    store_controls,
    store_results,
    summarise_runs,
)
from seamlib.experiments.published import (
    BHOWAL_BETA,
    BHOWAL_HIDDEN,
    ROLINEK_BETA,
    ROLINEK_D,
)
from seamlib.provenance import module_command
from seamlib.theory.jacobian import jacobian_and_value

__all__ = [
    "TABLE_D",
    "EXPERIMENTS",
    "GRIDS",
    "grids",
    "write_grids",
    "summarise_run",
    "ROTATION_SEED",
    "rotated_code",
    "TOP_K",
    "top_latents",
    "EQ6_SAMPLES",
    "untrained_summary",
    "add_controls",
    "TABLE_METRICS",
    "random_decoder_dto",
    "TABLE_COLUMNS",
    "table_summary",
    "classify",
    "collect",
    "load_results",
]

#: Latent dimension of the table runs (Bhowal et al. do not state d; we use the d of Fig. 5).
TABLE_D = 10


# ======================================================================================
# Grids
# ======================================================================================
EXPERIMENTS: tuple[str, ...] = ("fig5", "fig7", "rolinek", "bhowal")
"""The grids, one per experiment (and profile); also the sub-folders of a run root."""
GRIDS: tuple[str, ...] = (*EXPERIMENTS, "fig7_baselines")
"""Every grid file: the experiments and ``fig7_baselines``, the Fig. 5 runs that Fig. 7
compares against (diagonal, constant beta at both ends of the annealing), in the Fig. 5 run
folder, so that a sweep can train them first."""


def _base(sizes: DspritesSizes, steps: int) -> dict[str, Any]:
    every = sizes.eval_every or 500
    return {
        "dataset": "dsprites",
        "likelihood": "bernoulli",
        "steps": steps,
        "batch_size": sizes.batch_size,
        "lr": sizes.lr,
        "subset": sizes.subset,
        "checkpoint_every": max(1, min(every, steps)),
        "log_every": max(1, min(10 if steps <= 5_000 else 250, steps)),
    }


def grids(profile: str | None = None) -> dict[str, dict[str, Any]]:
    """The grid files of every dSprites experiment at the sizes of ``profile``.

    Each value is a grid in the format of :func:`seamlib.engine.sweep.load_grid`
    (``{"root", "base", "grid"}``, runs = cartesian product of ``grid``, seeds outermost so
    that a partly finished sweep has complete first seeds; within a seed, diagonal and full
    runs alternate from the largest beta down, so that a partial seed holds complete pairs
    from the end of the grid where disentanglement is expected).

    Returns
    -------
    dict
        ``"fig5"``: diagonal and full posteriors x ``betas`` x ``seeds`` (Fig. 5);
        ``"fig7"``: beta decayed exponentially ``anneal[0] -> anneal[1]`` over training (the
        constant-beta baselines of Fig. 7 are the diagonal Fig. 5 runs at those two betas);
        ``"fig7_baselines"``: those baselines alone, same folder and names as in ``"fig5"``
        (sweep it first to have Fig. 7 before the whole Fig. 5 grid);
        ``"rolinek"``: Rolinek et al.'s MLP (Table S3, d = 5), diagonal and full posteriors,
        beta in {1, 4}; ``"bhowal"``: Bhowal et al.'s MLP 1200-1200, beta in {1, 6}.

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> sorted(R.grids("smoke"))
    ['bhowal', 'fig5', 'fig7', 'fig7_baselines', 'rolinek']
    """
    prof = get_profile(profile)
    sizes = prof.dsprites
    root = f"runs/dsprites/{prof.name}"
    model: dict[str, Any] = {
        "architecture": sizes.architecture,
        "hidden": list(sizes.hidden),
        "latent_dim": sizes.latent_dim,
    }
    if sizes.activation != "tanh":
        model["activation"] = sizes.activation
    if sizes.resolution != 64:
        model["resolution"] = sizes.resolution
    if sizes.eval_every:
        model["eval_every"] = sizes.eval_every
    base = {**_base(sizes, sizes.steps), **model}
    tbase = _base(sizes, sizes.table_steps)
    if sizes.resolution != 64:
        tbase["resolution"] = sizes.resolution
    bhowal_model: dict[str, Any] = {"architecture": "mlp", "hidden": list(BHOWAL_HIDDEN)}
    if sizes.table_activation != "tanh":
        bhowal_model["activation"] = sizes.table_activation
    b0, b1 = sizes.anneal
    return {
        "fig5": {
            "root": f"{root}/fig5",
            "base": base,
            "grid": {
                "seed": list(sizes.seeds),
                "beta": sorted((float(b) for b in sizes.betas), reverse=True),
                "posterior": ["diag", "full"],
            },
        },
        "fig7": {
            "root": f"{root}/fig7",
            "base": {
                **base,
                "posterior": "diag",
                "beta": float(b0),
                "beta_end": float(b1),
                "beta_schedule": "exp",
            },
            "grid": {"seed": list(sizes.seeds)},
        },
        "fig7_baselines": {
            "root": f"{root}/fig5",
            "base": base,
            "grid": {
                "seed": list(sizes.seeds),
                "beta": [float(b0), float(b1)],
                "posterior": ["diag"],
            },
        },
        "rolinek": {
            "root": f"{root}/rolinek",
            "base": {**tbase, "architecture": "rolinek-dsprites", "latent_dim": ROLINEK_D},
            "grid": {
                "seed": list(sizes.table_seeds),
                "posterior": ["diag", "full"],
                "beta": [1.0, ROLINEK_BETA],
            },
        },
        "bhowal": {
            "root": f"{root}/bhowal",
            "base": {
                **tbase,
                **bhowal_model,
                "latent_dim": TABLE_D,
                "posterior": "diag",
            },
            "grid": {"seed": list(sizes.table_seeds), "beta": [1.0, BHOWAL_BETA]},
        },
    }


def write_grids(profile: str | None = None, folder: str | Path | None = None) -> dict[str, Path]:
    """Write ``experiments/dsprites_<experiment>.<profile>.json`` for every grid.

    Returns
    -------
    dict
        Experiment name -> path written.

    Examples
    --------
    >>> import tempfile
    >>> from seamlib.experiments import dsprites as R
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = R.write_grids("smoke", tmp)
    >>> paths["fig5"].name
    'dsprites_fig5.smoke.json'
    """
    prof = get_profile(profile).name
    out = Path(folder) if folder is not None else project_root() / "experiments"
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, spec in grids(prof).items():
        path = out / f"dsprites_{name}.{prof}.json"
        path.write_text(json.dumps(spec, indent=2) + "\n")
        paths[name] = path
    return paths


# ======================================================================================
# One run
# ======================================================================================
@torch.no_grad()
def _images(model: Any, x: Tensor, order: np.ndarray, n_recon: int, n_traverse: int) -> dict:
    dev = next(model.parameters()).device
    xr = x[:n_recon].to(dev)
    recon = model(xr).clamp(0, 1)
    mu = model.encode(x[n_recon : n_recon + 1].to(dev)).mean[0]  # a further test sample
    values = torch.linspace(-2.0, 2.0, n_traverse, device=dev)
    z = traversal_latents(mu, [int(j) for j in order], values)
    trav = model.decode_mean(z)
    d = len(order)
    return {
        "originals": encode_images(x[:n_recon, 0]),
        "reconstructions": encode_images(recon[:, 0]),
        "traversal_source": encode_images(x[n_recon, 0]),
        "traversals": encode_images(trav.clamp(0, 1).reshape(d, n_traverse, *x.shape[2:])),
        "traversal_values": values.cpu().tolist(),
        "traversal_latents": [int(j) for j in order],
    }


def summarise_run(
    run_dir: str | Path,
    *,
    profile: str | None = None,
    x: Tensor | None = None,
    factors: np.ndarray | None = None,
    images: bool = False,
    seed: int = 0,
    device: str | None = "cpu",
    eval_tag: str | None = None,
    table_metrics: bool = False,
) -> dict[str, Any]:
    """Summarise one trained run for the chapter (and write ``dsprites_summary.json`` there).

    Parameters
    ----------
    run_dir
        A run directory of the engine (``config.json``, ``checkpoint.pt``, ``metrics.jsonl``).
    profile
        Sizes of the evaluation (``eval_n``, ``eq6_n``, ``n_recon``, ``n_traverse``).
    x, factors
        Held-out images (n, 1, 64, 64) and factor values (n, 5); default
        :func:`heldout_data` with ``eval_n`` images outside the run's training subset.
    images
        Also store reconstructions and traversals (for Fig. 7).
    seed
        Seed of the posterior samples of the Eq. 6 terms and of the kNN split.
    table_metrics
        Also the published tables' metric variants (:data:`TABLE_METRICS`).

    Returns
    -------
    dict
        ``config`` (the run's TrainConfig), ``step``, ``train_s``, held-out ``recon_nll``
        (nats per image, from the posterior mean), ``kl``, ``mi`` (d x 5),
        ``factor_entropy``, ``mig``, ``aas``, ``greedy_order``, ``knn_disent``, ``active``
        (latents with code variance > 0.01), ``jac_term`` and ``hess_term`` (d x d, the two
        terms of Eq. 6 for the run's likelihood, :func:`model_eq6_terms`), ``jac_offdiag``,
        ``hess_offdiag`` (normalised off-diagonal over active latents; the Hessian term of a
        ReLU decoder with a Bernoulli likelihood is exactly zero, so its ``hess_offdiag`` is
        None), their means over points (one posterior sample per image)
        ``jac_offdiag_per_point``, ``hess_offdiag_per_point`` and the relative size
        ``hess_to_jac``, ``hess_to_jac_per_point`` (:func:`eq6_fields`), the same per image
        with each image's terms averaged over :data:`EQ6_SAMPLES` posterior samples
        (``jac_offdiag_per_x``, ``hess_offdiag_per_x``, ``hess_to_jac_per_x``;
        ``eq6_samples``), ``top_k`` (the same measures over the :data:`TOP_K` latents of
        largest code variance, :func:`top_latents`), ``mcc`` (:func:`axis_match`),
        ``rotated`` (``mig``, ``aas`` and ``mcc`` of the code after :func:`rotated_code`,
        the negative control of the axis scores), ``dto``, ``eval_id`` (``eval_tag``, or the
        fingerprint of the default held- out set) and optionally ``images``. With
        ``table_metrics`` also ``knn_disent_chance`` (the kNN score with the
        chance-corrected classification normaliser; ``knn_disent`` is the score as printed)
        and ``mig_sampled`` (MIG from Chen et al.'s estimator on posterior samples,
        :func:`seamlib.metrics.mutual_info_matrix_posterior`, which Bhowal et al. report;
        ``mig`` uses the histogram of posterior means).

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> summary = R.summarise_run("runs/dsprites/smoke/fig5/RUN", profile="smoke")  # doctest: +SKIP
    """
    from seamlib.engine.runs import load_run

    sizes = get_profile(profile).dsprites
    run_dir = Path(run_dir)
    config, model, info = load_run(run_dir, device)
    if x is None or factors is None:
        exclude = training_indices(config.to_dict())
        x, factors = heldout_data(
            sizes.eval_n,
            dataset=config.dataset,
            data_root=config.data_root,
            exclude=exclude,
            resolution=config.resolution,
        )
        eval_tag = eval_id(heldout_indices(sizes.eval_n, exclude=exclude))
    fields, codes, order = _model_summary(model, x, factors, eq6_n=sizes.eq6_n, seed=seed)
    out: dict[str, Any] = {
        "name": run_dir.name,
        **run_fields(run_dir, config.to_dict(), info),
        "n_eval": int(x.shape[0]),
        "eval_id": eval_tag,
        **fields,
    }
    if table_metrics:
        out.update(_table_metrics(model, x, codes, factors, seed))
    if images:
        out["images"] = _images(model, x, order, sizes.n_recon, sizes.n_traverse)
    path = run_dir / "dsprites_summary.json"
    path.write_text(json.dumps(finite(out)))
    return out


ROTATION_SEED = 45
"""Seed of the fixed random rotation of a code (:func:`rotated_code`)."""

TOP_K = 3
"""Latents of the equal-size diagonality measures (``summary["top_k"]``): a diagonal
posterior at large beta keeps about 3 latents active and a full one 9-10, and the normalised
off-diagonal of a ``k x k`` block depends on ``k``, so the two posteriors are also compared on
their ``TOP_K`` latents of largest code variance."""


def top_latents(codes: np.ndarray, k: int = TOP_K) -> np.ndarray:
    """Mask of the ``k`` latents of largest code (posterior-mean) variance.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.experiments.dsprites import top_latents
    >>> top_latents(np.array([[0.0, 5.0, 2.0], [1.0, -5.0, 0.0]]), k=2).tolist()
    [False, True, True]
    """
    var = np.var(codes, axis=0, ddof=1)
    mask = np.zeros(codes.shape[1], dtype=bool)
    mask[np.argsort(-var, kind="stable")[:k]] = True
    return mask


def rotated_code(codes: np.ndarray, seed: int = ROTATION_SEED) -> np.ndarray:
    """``codes`` (n, d) times a fixed random rotation: the negative control of axis scores.

    Diagonal posteriors identify the latents up to a signed permutation (Thm. 6.5); a rotated
    code carries the same information in another basis, so an axis score (MIG, AAS, axis
    match) that a rotated code also passes does not measure what the theory predicts. The
    rotation is Haar-distributed (the Q of a QR decomposition of a Gaussian matrix, columns
    signed by R's diagonal), the same for every run of a given ``d``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.experiments.dsprites import rotated_code
    >>> z = np.eye(3)
    >>> q = rotated_code(z)
    >>> bool(np.allclose(q @ q.T, np.eye(3))), bool(np.allclose(q, z))
    (True, False)
    """
    d = codes.shape[1]
    g = np.random.default_rng(seed).standard_normal((d, d))
    q, r = np.linalg.qr(g)
    return codes @ (q * np.sign(np.diag(r)))


EQ6_SAMPLES = 16
"""Posterior samples per image of the per-image Eq. 6 terms (``*_per_x`` fields): Eq. 6
relates each image's posterior covariance to ``E_q(z|x)[A - B]``, an expectation over its
posterior, which one sample per image (``*_per_point``) estimates with noise; the residual
weights of the Hessian term make that noise large."""


def _per_x(a: Tensor, b: Tensor, mask: np.ndarray, a_x: Tensor, b_x: Tensor) -> dict[str, Any]:
    """The per-image fields (``*_per_x``) from the per-image expectations ``a_x``, ``b_x``."""
    f = eq6_fields(a, b, mask, a_points=a_x, b_points=b_x)
    return {
        "jac_offdiag_per_x": f["jac_offdiag_per_point"],
        "hess_offdiag_per_x": f["hess_offdiag_per_point"],
        "hess_to_jac_per_x": f["hess_to_jac_per_point"],
    }


def _model_summary(
    model: Any, x: Tensor, factors: np.ndarray, *, eq6_n: int, seed: int
) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """The metric fields of :func:`summarise_run` for a model (trained or not), its codes
    (posterior means, float64) and the greedy order of its latents."""
    gen = torch.Generator(device=next(model.parameters()).device).manual_seed(seed)
    means_t, nll, _ = encode_dataset(model, x, batch=512)
    codes = means_t.double().numpy()
    with torch.no_grad():
        q = model.encode(x[:eq6_n].to(next(model.parameters()).device))
        kl = float(q.kl().mean())
    mi = metrics.mutual_info_matrix(codes, factors)
    active = np.asarray(metrics.active_latents(codes))
    n_eq6 = min(eq6_n, x.shape[0])
    a_i, b_i = model_eq6_terms(model, x[:n_eq6], generator=gen, per_point=True)
    # batch means in float32 (the decoder's precision), as model_eq6_terms averages them
    a, b = (t.float().mean(0).double() for t in (a_i, b_i))
    jac, _ = _jacobian_at_means(model, means_t[:n_eq6])
    knn = metrics.rolinek_knn_score(codes, factors, seed=seed)
    order = metrics.greedy_order(mi.mi)
    k = EQ6_SAMPLES
    a_s, b_s = model_eq6_terms(
        model, x[:n_eq6].repeat_interleave(k, 0), generator=gen, per_point=True
    )
    a_x, b_x = (t.reshape(n_eq6, k, *t.shape[1:]).mean(1) for t in (a_s, b_s))
    top = top_latents(codes)
    top_fields = eq6_fields(a, b, top, a_points=a_i, b_points=b_i)
    rot = rotated_code(codes)
    mi_rot = metrics.mutual_info_matrix(rot, factors)
    fields = {
        "recon_nll": float(nll.mean()),
        "kl": kl,
        "mi": mi.mi.tolist(),
        "factor_entropy": mi.factor_entropy.tolist(),
        "mig": metrics.mig(mi.mi, mi.factor_entropy),
        "aas": metrics.aas(mi.mi) if mi.mi.sum() > 0 else float("nan"),
        "greedy_order": order.tolist(),
        "knn_disent": float(knn),  # type: ignore[arg-type]
        "active": active.tolist(),
        **eq6_fields(a, b, active, a_points=a_i, b_points=b_i),
        **_per_x(a, b, active, a_x, b_x),
        "eq6_samples": k,
        "dto": metrics.dto(jac.numpy(), jacobian=True),
        "mcc": axis_match(codes, factors),
        "top_k": {
            "k": int(top.sum()),
            "latents": np.flatnonzero(top).tolist(),
            **{k: v for k, v in top_fields.items() if k not in ("jac_term", "hess_term")},
            **_per_x(a, b, top, a_x, b_x),
        },
        "rotated": {
            "mig": metrics.mig(mi_rot.mi, mi_rot.factor_entropy),
            "aas": metrics.aas(mi_rot.mi) if mi_rot.mi.sum() > 0 else float("nan"),
            "mcc": axis_match(rot, factors),
        },
    }
    return fields, codes, order


def untrained_summary(
    config: Mapping[str, Any],
    x: Tensor,
    factors: np.ndarray,
    *,
    profile: str | None = None,
    seed: int = 0,
    init_seed: int | None = None,
    device: str | None = "cpu",
    eval_tag: str | None = None,
    table_metrics: bool = False,
) -> dict[str, Any]:
    """The summary of :func:`summarise_run` for the *untrained* model of a run's ``config``.

    The negative control of every check on trained runs: the same architecture, posterior and
    likelihood, initialised as a training run is at step 0 (``torch.manual_seed``, then the
    model) from ``init_seed`` (default ``config["seed"]``), evaluated on the same images
    ``x``, ``factors`` with the same fields. ``beta`` does not enter an untrained model, so
    a control grid gives each grid point its own ``init_seed`` (:func:`collect`), and a test
    over it has as many independent points as the same test over the trained grid.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from seamlib.experiments.dsprites import untrained_summary
    >>> cfg = {"dataset": "dsprites", "architecture": "mlp", "hidden": [16], "latent_dim": 3,
    ...        "resolution": 32, "posterior": "diag", "seed": 0}
    >>> x = torch.rand(40, 1, 32, 32).round()
    >>> f = np.random.default_rng(0).integers(0, 3, size=(40, 5)).astype(float)
    >>> s = untrained_summary(cfg, x, f, profile="smoke")
    >>> s["step"], len(s["mi"]), s["config"]["posterior"], s["init_seed"]
    (0, 3, 'diag', 0)
    """
    from seamlib.engine.config import TrainConfig

    sizes = get_profile(profile).dsprites
    tc = TrainConfig.from_dict(dict(config))
    init = tc.seed if init_seed is None else int(init_seed)
    model = untrained_model(config, x.shape[1:], init, device)
    fields, codes, _ = _model_summary(model, x, factors, eq6_n=sizes.eq6_n, seed=seed)
    if table_metrics:
        fields.update(_table_metrics(model, x, codes, factors, seed))
    return {
        "name": "untrained",
        "config": tc.to_dict(),
        "status": "complete",  # an untrained model is what it is: a complete control run
        "init_seed": init,
        "step": 0,
        "n_eval": int(x.shape[0]),
        "eval_id": eval_tag,
        **fields,
    }


TABLE_METRICS: tuple[str, ...] = ("knn_disent_chance", "mig_sampled")
"""Summary fields of the published tables' metric variants (``summarise_run(table_metrics=)``)."""


def _table_metrics(
    model: Any, x: Tensor, codes: np.ndarray, factors: np.ndarray, seed: int
) -> dict[str, float]:
    """The metric variants of the published tables (see :func:`summarise_run`)."""
    knn = metrics.rolinek_knn_score(codes, factors, seed=seed, classification_normaliser="chance")
    dev = next(model.parameters()).device
    with torch.no_grad():
        stds = torch.cat(
            [
                model.encode(x[i : i + 512].to(dev)).scale_tril.pow(2).sum(-1).sqrt().cpu()
                for i in range(0, x.shape[0], 512)
            ]
        )  # marginal posterior standard deviations, diagonal or full covariance
    mi = metrics.mutual_info_matrix_posterior(
        codes, stds.double().numpy(), factors, rng=np.random.default_rng(seed)
    )
    return {
        "knn_disent_chance": float(knn),  # type: ignore[arg-type]
        "mig_sampled": metrics.mig(mi.mi, mi.factor_entropy),
    }


def random_decoder_dto(config: ModelConfig, *, n: int = 64, seed: int = 0) -> float:
    """DtO of an untrained decoder: Rolinek et al.'s "Random Decoder" baseline (Table 2).

    The model of ``config`` is initialised from ``seed`` (torch's default initialisation,
    the same as a training run's at step 0) and :func:`seamlib.metrics.dto` is taken over its
    decoder Jacobians at ``n`` latent points drawn from the prior N(0, I).

    Returns
    -------
    float, in ``[0, sqrt(2 d)]``.

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> from seamlib.engine.models import ModelConfig
    >>> cfg = ModelConfig("rolinek-dsprites", data_shape=(1, 32, 32), latent_dim=5)
    >>> 0 < R.random_decoder_dto(cfg, n=8) < 10 ** 0.5
    True
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build_model(config)
        z = torch.randn(n, config.latent_dim)
    jac, _ = _jacobian_at_means(model, z)
    return metrics.dto(jac.numpy(), jacobian=True)


TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "rolinek": ("knn_disent", "knn_disent_chance", "dto", "mig"),
    "bhowal": ("mig_sampled", "mig"),
}
"""The summary fields each published table compares (:func:`table_summary`)."""


def table_summary(
    doc: Mapping[str, Any], *, random_seeds: int = 5
) -> dict[str, dict[str, dict[str, dict[str, float]]]]:
    """Our side of the published tables: per paper, metric and model, mean, sd and n.

    Parameters
    ----------
    doc
        A stored ``tables.json`` (:func:`collect`): runs of the ``rolinek`` and ``bhowal``
        experiments, each with its ``variant`` (the papers' column names).
    random_seeds
        Initialisations of Rolinek et al.'s "random decoder" row (:func:`random_decoder_dto`
        on the stored runs' architecture and resolution, at ``eq6_n`` prior samples), added
        under ``["rolinek"]["dto"]["random decoder"]``.

    Returns
    -------
    dict
        ``{paper: {metric: {model: {"mean", "std", "n"}}}}`` for the metrics of
        :data:`TABLE_COLUMNS`; ``std`` with ddof = 1 (0 for one run).

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> s = R.table_summary(R.load_results("tables"))  # doctest: +SKIP
    >>> s["rolinek"]["dto"]["beta-VAE"]["mean"]  # doctest: +SKIP
    """
    out: dict[str, dict[str, dict[str, dict[str, float]]]] = {}
    for paper, keys in TABLE_COLUMNS.items():
        runs = [r for r in doc["runs"] if r["experiment"] == paper]
        out[paper] = {
            key: {k[0]: v for k, v in group_stats(runs, key, by=("variant",)).items()}
            for key in keys
        }
    config = next(r["config"] for r in doc["runs"] if r["experiment"] == "rolinek")
    side = int(config.get("resolution", 64))
    model = ModelConfig(
        "rolinek-dsprites", data_shape=(1, side, side), latent_dim=int(config["latent_dim"])
    )
    n = int(doc["provenance"]["eq6_n"])
    rand = [random_decoder_dto(model, n=n, seed=s) for s in range(random_seeds)]
    out["rolinek"]["dto"]["random decoder"] = {
        "mean": float(np.mean(rand)),
        "std": float(np.std(rand, ddof=1)) if random_seeds > 1 else 0.0,
        "n": random_seeds,
    }
    return out


def _jacobian_at_means(model: Any, means: Tensor) -> tuple[Tensor, Tensor]:
    dev = next(model.parameters()).device
    jac, val = jacobian_and_value(model.decode, means.to(dev))
    return jac.detach().double().cpu(), val.detach().cpu()


# ======================================================================================
# Collecting runs into results/dsprites/
# ======================================================================================
def classify(experiment: str, config: Mapping[str, Any]) -> str:
    """The variant of a run of ``experiment`` (a grid of :func:`grids`), from its config.

    Returns
    -------
    str
        ``"diag"`` / ``"full"`` for Fig. 5; ``"anneal"`` for Fig. 7; for the tables the
        column names of the papers: ``"VAE"``, ``"beta-VAE"``, ``"beta-VAE (full)"`` and
        ``"VAE (full)"`` (not in Rolinek et al.'s table).

    Raises
    ------
    ValueError
        ``experiment`` is not one of :data:`EXPERIMENTS`.

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> R.classify("rolinek", {"posterior": "full", "beta": 4.0})
    'beta-VAE (full)'
    """
    post = str(config.get("posterior", "diag"))
    beta = float(config.get("beta", 1.0))
    if experiment == "fig5":
        return post
    if experiment == "fig7":
        return "anneal"
    if experiment in ("rolinek", "bhowal"):
        name = "VAE" if beta == 1.0 else "beta-VAE"
        return f"{name} (full)" if post == "full" else name
    raise ValueError(
        f"Unknown dSprites experiment {experiment!r}; expected one of {', '.join(EXPERIMENTS)} "
        "(the sub-folders of the run root)."
    )


def _run_dirs(
    root: Path, experiment: str | None = None, include_incomplete: bool = False
) -> list[tuple[str, Path]]:
    """(experiment, run directory) of the runs under ``root``: one experiment's folder, or
    the sub-folders of :data:`EXPERIMENTS`."""
    folders = [(experiment, root)] if experiment else [(e, root / e) for e in EXPERIMENTS]
    return [
        (exp, run)
        for exp, folder in folders
        for run in find_runs(folder, include_incomplete=include_incomplete)
    ]


def _is_fig7_baseline(exp: str, cfg: Mapping[str, Any], sizes: DspritesSizes) -> bool:
    return exp == "fig5" and cfg.get("posterior") == "diag" and float(cfg["beta"]) in sizes.anneal


def collect(
    run_root: str | Path,
    out_dir: str | Path | None = None,
    *,
    profile: str | None = None,
    device: str | None = "cpu",
    reuse: bool = True,
    include_incomplete: bool = False,
    command: str | None = None,
    experiment: str | None = None,
    controls: bool = False,
    eval_n: int | None = None,
) -> dict[str, Path]:
    """Summarise every trained run under ``run_root`` and write the chapters' result files.

    ``run_root`` holds one folder per experiment (``fig5``, ``fig7``, ``rolinek``, ``bhowal``,
    the ``root`` of each grid of :func:`grids`) with the engine's run directories inside. Writes
    ``fig5.json``, ``fig7.json`` and ``tables.json`` into ``out_dir`` (default
    ``results/dsprites``), each ``{"experiment", "provenance", "runs"}`` with the provenance of
    :func:`seamlib.provenance.provenance` (git commit, profile, device, seeds, steps, summed
    training wall time). Images are stored only for the first seed's Fig. 7 runs (annealed, and
    the diagonal Fig. 5 runs at its two constant betas). All runs are evaluated on the same
    ``eval_n`` held-out images (default: the profile's), drawn outside the union of the training
    subsets of every run under ``run_root``. With ``reuse``, a run's ``dsprites_summary.json``
    is reused when it is newer than its checkpoint and was computed on the same images. Runs
    still training are left out unless ``include_incomplete``. Runs already stored in an output
    file (same held-out images) whose run folders are gone are kept, so that a grid can be
    trained over several sessions. Each run records the commits it was trained at
    (``train_commits``, from its ``provenance.json``); each file's provenance records
    ``command`` (this collection) and ``train_commands`` (the sweeps).

    With ``experiment`` (one of :data:`EXPERIMENTS`), ``run_root`` is that experiment's own
    folder (the ``root`` of a grid file that is not one of :func:`grids`, such as the
    Gaussian Fig. 5 grid), and only its file is written (a Fig. 5 folder's constant-beta runs
    then make no ``fig7.json``). With ``controls``, :func:`add_controls` then adds to
    ``fig5.json`` the untrained model of every (seed, beta, posterior) of its runs, on the
    same images, each grid point from its own initialisation
    (:data:`~seamlib.experiments.common.CONTROL_SEED`).

    Returns
    -------
    dict
        ``{"fig5": path, "fig7": path, "tables": path}`` (those with at least one run).

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> paths = R.collect("runs/dsprites/laptop", profile="laptop")  # doctest: +SKIP
    """
    from seamlib.provenance import relative_path

    prof = get_profile(profile)
    sizes = prof.dsprites if eval_n is None else replace(prof.dsprites, eval_n=int(eval_n))
    root = Path(run_root)
    out = results_folder("dsprites", out_dir)
    if experiment is not None and experiment not in EXPERIMENTS:
        raise ValueError(
            f"Unknown dSprites experiment {experiment!r}; expected one of {', '.join(EXPERIMENTS)}."
        )
    runs = _run_dirs(root, experiment, include_incomplete)
    if not runs:
        where = f"{root}/*" if experiment else f"{root}/{{{','.join(EXPERIMENTS)}}}/*"
        raise FileNotFoundError(
            f"No trained runs under {where}/checkpoint.pt; run the sweeps first "
            "(python -m seamlib sweep experiments/dsprites_<exp>.<profile>.json), or check "
            "--experiment (given: the run root is one experiment's folder)."
        )
    pattern = "*/config.json" if experiment else "*/*/config.json"
    train_sets = [training_indices(json.loads(p.read_text())) for p in root.glob(pattern)]
    exclude = np.unique(
        np.concatenate([np.zeros(0, np.int64)] + [t for t in train_sets if t is not None])
    )
    tag = eval_id(heldout_indices(sizes.eval_n, exclude=exclude))
    heldout: dict[tuple[str, int], tuple[Tensor, np.ndarray]] = {}
    experiment_of = {run: exp for exp, run in runs}
    first_seed = min(sizes.seeds)

    def is_fig7(run: Path, cfg: Mapping[str, Any]) -> bool:
        exp = experiment_of[run]
        return exp == "fig7" or (experiment is None and _is_fig7_baseline(exp, cfg, sizes))

    def wants_images(run: Path, cfg: Mapping[str, Any]) -> bool:
        return is_fig7(run, cfg) and int(cfg["seed"]) == first_seed

    def summarise(run: Path, cfg: Mapping[str, Any]) -> dict[str, Any]:
        x, f = _heldout_for(cfg, heldout, sizes.eval_n, exclude)
        return summarise_run(
            run,
            profile=prof.name,
            x=x,
            factors=f,
            images=wants_images(run, cfg),
            device=device,
            eval_tag=tag,
            table_metrics=experiment_of[run] in ("rolinek", "bhowal"),
        )

    def is_current(run: Path, summary: Mapping[str, Any], cfg: Mapping[str, Any]) -> bool:
        needs = ["rotated", "top_k", "eq6_samples"]
        needs += list(TABLE_METRICS) if experiment_of[run] in ("rolinek", "bhowal") else []
        needs += ["images"] if wants_images(run, cfg) else []
        return summary.get("eval_id") == tag and all(k in summary for k in needs)

    rows = summarise_runs(
        [run for _, run in runs],
        summarise,
        cache="dsprites_summary.json",
        reuse=reuse,
        is_current=is_current,
    )
    groups: dict[str, list[dict[str, Any]]] = {"fig5": [], "fig7": [], "tables": []}
    for (exp, run), row in zip(runs, rows):
        cfg = row["config"]
        row = {**row, "experiment": exp, "variant": classify(exp, cfg)}
        if exp in ("rolinek", "bhowal"):
            groups["tables"].append(row)
            continue
        if is_fig7(run, cfg):
            groups["fig7"].append(row if wants_images(run, cfg) else _slim(row))
        if exp == "fig5":
            groups["fig5"].append(_slim(row))
    paths = {
        name: store_results(
            out / f"{name}.json",
            name,
            group,
            profile=prof.name,
            device=device,
            eval_id=tag,
            n_eval=sizes.eval_n,
            eq6_n=sizes.eq6_n,
            n_excluded_training_images=int(exclude.size),
            run_root=relative_path(root),
            command=command,
        )
        for name, group in groups.items()
        if group
    }
    if controls and "fig5" in paths:
        add_controls(paths["fig5"], device=device, command=command)
    return paths


def _heldout_for(
    cfg: Mapping[str, Any],
    cache: dict[tuple[str, int], tuple[Tensor, np.ndarray]],
    n: int,
    exclude: np.ndarray,
) -> tuple[Tensor, np.ndarray]:
    """The held-out images of a run's data set and resolution, drawn once per collection."""
    key = (str(cfg.get("dataset")), int(cfg.get("resolution", 64)))
    if key not in cache:
        cache[key] = heldout_data(
            n, dataset=key[0], data_root=cfg.get("data_root"), exclude=exclude, resolution=key[1]
        )
    return cache[key]


def _control_configs(rows: Sequence[Mapping[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """(initialisation seed, config) for each (seed, beta, posterior) of ``rows``."""
    betas = sorted({float(r["config"]["beta"]) for r in rows}, reverse=True)
    out = {}
    for r in rows:
        cfg = r["config"]
        seed, beta, post = int(cfg["seed"]), float(cfg["beta"]), str(cfg["posterior"])
        init = CONTROL_SEED * (seed + 1) + betas.index(beta)
        out[(seed, -beta, post)] = (init, dict(cfg))
    return [out[k] for k in sorted(out)]


def add_controls(
    path: str | Path,
    *,
    device: str | None = "cpu",
    command: str | None = None,
) -> Path:
    """Add untrained controls to a stored results file whose run folders may be gone.

    The controls need only the runs' configs: for ``fig5.json`` one per (seed, beta,
    posterior) as :func:`collect` stores them, for ``fig7.json`` and ``tables.json`` one per
    run (:data:`~seamlib.experiments.common.CONTROL_SEED` plus the run's index), each with
    its ``experiment`` and ``variant``. They are evaluated on the file's own images, drawn
    again from its runs' training subsets; the file's ``eval_id`` must match, else nothing is
    written. The file gains ``controls`` and ``controls_provenance`` (this computation's
    commit and command).

    Raises
    ------
    ValueError
        The images drawn again are not the file's (another data set or renderer version).

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> R.add_controls("results/dsprites/cpu/fig7.json")  # doctest: +SKIP
    """
    path = Path(path)
    doc = json.loads(path.read_text())
    prov = doc["provenance"]
    runs = doc["runs"]
    exclude = np.unique(
        np.concatenate(
            [np.zeros(0, np.int64)]
            + [t for r in runs if (t := training_indices(r["config"])) is not None]
        )
    )
    tag = eval_id(heldout_indices(int(prov["n_eval"]), exclude=exclude))
    if tag != prov.get("eval_id"):
        raise ValueError(
            f"{short_path(path)}: the evaluation images drawn again (eval_id {tag}) are not the "
            f"ones its runs were evaluated on ({prov.get('eval_id')}); collect the runs again "
            "with --controls instead."
        )
    heldout: dict[tuple[str, int], tuple[Tensor, np.ndarray]] = {}
    configs: list[tuple[int, dict[str, Any], dict[str, Any]]]
    if doc["experiment"] == "fig5":
        configs = [(init, cfg, {}) for init, cfg in _control_configs(runs)]
    else:
        configs = [
            (
                CONTROL_SEED * (int(r["config"]["seed"]) + 1) + i,
                dict(r["config"]),
                {"experiment": r.get("experiment"), "variant": r.get("variant")},
            )
            for i, r in enumerate(runs)
        ]
    controls = []
    for init, cfg, labels in configs:
        x, f = _heldout_for(cfg, heldout, int(prov["n_eval"]), exclude)
        summary = untrained_summary(
            cfg,
            x,
            f,
            profile=prov["profile"],
            init_seed=init,
            device=device,
            eval_tag=tag,
            table_metrics=doc["experiment"] == "tables",
        )
        controls.append({**summary, **labels})
    return store_controls(path, controls, profile=prov["profile"], device=device, command=command)


def _slim(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k != "images"}


def load_results(name: str, folder: str | Path | None = None) -> dict[str, Any]:
    """Read ``results/dsprites/<name>.json`` (``name`` in fig5, fig7, tables).

    Raises
    ------
    FileNotFoundError
        With the commands that produce the file.

    Examples
    --------
    >>> from seamlib.experiments import dsprites as R
    >>> runs = R.load_results("fig5")["runs"]  # doctest: +SKIP
    """
    return read_results(
        results_folder("dsprites", folder) / f"{name}.json",
        "`python -m seamlib.experiments.dsprites grids`, "
        "`python -m seamlib sweep experiments/dsprites_*.json`, then "
        "`python -m seamlib.experiments.dsprites collect RUN_ROOT`",
    )


# ======================================================================================
# Command line
# ======================================================================================
def main(argv: Sequence[str] | None = None) -> int:
    """``python -m seamlib.experiments.dsprites {grids,collect}`` (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m seamlib.experiments.dsprites")
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grids", help="write experiments/dsprites_<experiment>.<profile>.json")
    g.add_argument("--profile", default=None)
    g.add_argument("--out", default=None, help="folder (default: experiments/)")
    a = sub.add_parser("controls", help="add untrained controls to stored results files")
    a.add_argument("files", nargs="+", help="results/dsprites/.../{fig5,fig7,tables}.json")
    c = sub.add_parser("collect", help="summarise runs into results/dsprites/*.json")
    c.add_argument("run_root")
    c.add_argument("--profile", default=None)
    c.add_argument("--out", default=None, help="folder (default: results/dsprites/)")
    c.add_argument(
        "--eval-n",
        type=int,
        default=None,
        help="held-out images every run is evaluated on (default: the profile's eval_n)",
    )
    c.add_argument("--no-reuse", action="store_true", help="recompute every summary")
    c.add_argument("--incomplete", action="store_true", help="include runs still training")
    c.add_argument(
        "--experiment",
        choices=EXPERIMENTS,
        default=None,
        help="RUN_ROOT is this experiment's own folder (e.g. a grid file's root)",
    )
    c.add_argument(
        "--controls",
        action="store_true",
        help="also summarise an untrained model for each run of fig5 (negative controls)",
    )
    args = parser.parse_args(argv)
    if args.cmd == "grids":
        for path in write_grids(args.profile, args.out).values():
            print(path)
    elif args.cmd == "controls":
        cmd = module_command("seamlib.experiments.dsprites", sys.argv[1:] if argv is None else argv)
        for name in args.files:
            print(add_controls(name, command=cmd))
    else:
        for path in collect(
            args.run_root,
            args.out,
            profile=args.profile,
            reuse=not args.no_reuse,
            include_incomplete=args.incomplete,
            experiment=args.experiment,
            controls=args.controls,
            eval_n=args.eval_n,
            command=module_command(
                "seamlib.experiments.dsprites", sys.argv[1:] if argv is None else argv
            ),
        ).values():
            print(path)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
