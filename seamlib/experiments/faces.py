"""Faces: diagonal vs full posteriors on CelebA (or offline LFW faces), with seam diagnostics.

The chapter "Faces" trains Gaussian VAEs with diagonal and with full posteriors at a few
values of beta and asks whether the diagonal ones give more diagonal Eq. 6 terms (Property
P1) and, on CelebA, latents better aligned with the 40 binary attributes. The runs are
trained by the engine's CLI from grid files this module writes (:func:`grids`); every
trained run is then summarised (:func:`summarise_run`) and the summaries are collected into
small JSON files under ``results/faces/`` (:func:`collect`) that the chapter renders::

    python -m seamlib.experiments.faces grids --profile laptop --dataset lfw  # experiments/
    python -m seamlib sweep experiments/faces_lfw.laptop.json             # the engine trains
    python -m seamlib results runs/faces/laptop/lfw                       # the engine's table
    python -m seamlib.experiments.faces collect runs/faces/laptop/lfw --dataset lfw --controls
    # -> results/faces/lfw.json, with the untrained control of every run
    python -m seamlib.experiments.faces controls results/faces/lfw.json  # controls alone

Data sets
---------
``celeba``
    CelebA (Liu et al., 2015) at 64 x 64 RGB with its 40 attributes, read by
    :func:`seamlib.data.load_celeba` from ``--data-root`` or ``$SEAMLIB_CELEBA``
    (:func:`celeba_root`); the Burgess et al. conv VAE. Attributes are evaluated on the
    official test split.
``lfw``
    scikit-image's offline LFW subset: the first 100 of its 200 crops are faces (the other
    100 are background patches, which are not used), grey-scale 25 x 25; an MLP VAE. There
    are no attribute labels, so only the Eq. 6 / C1 / C2 diagnostics apply, and the 100
    faces are both the training and the evaluation set.
``celeba-fixture``
    A tiny CelebA folder in the torchvision layout written by :func:`make_celeba_fixture`
    (LFW faces resized and tinted, *random* attributes): it exercises the CelebA code path
    (loader, conv VAE, attribute MI and AAS) in seconds; its MI values are a null baseline,
    not evidence.

What a summary holds
--------------------
Reconstruction error and KL; the active latents; the two Eq. 6 terms averaged over a batch
(:func:`seamlib.experiments.common.model_eq6_terms`, Gaussian case ``A = E[J^T J] / sigma^2``,
``B = E[(x - d(z))^T H] / sigma^2``) and their normalised off-diagonal over the active
latents (Appendix E); the C1 score (distance of ``V_z`` to a signed permutation and the
off-diagonal of ``J^T J`` at posterior means) and the C2 score (off-diagonal fraction of
``ds_i/dz_j``); with attributes, the latents x attributes mutual-information matrix, its
greedy order and the AAS (Appendix E); and compressed images (originals, reconstructions,
prior samples, one traversal row per latent).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from seamlib import metrics
from seamlib.config import get_profile, project_root
from seamlib.errors import ConfigError
from seamlib.experiments.common import (
    CONTROL_SEED,
    decode_images,
    encode_dataset,
    encode_images,
    eq6_fields,
    group_stats,
    model_eq6_terms,
    traversal_latents,
    untrained_model,
    welch_less,
)
from seamlib.experiments.faces_data import (
    CELEBA_ENV,
    FACE_DATASETS,
    celeba_root,
    heldout_faces,
    make_celeba_fixture,
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
from seamlib.provenance import module_command

__all__ = [
    "IMAGE_LEVELS",
    "grids",
    "write_grid",
    "c1_c2_scores",
    "summarise_run",
    "untrained_summary",
    "collect",
    "add_controls",
    "load_results",
    "ensure_results",
    "compare_by_beta",
    "claim_rows",
    "CLAIM_KEYS",
    "images_of",
]


#: Grey levels of stored images (6 bits: faces need more than dSprites' 16 levels).
IMAGE_LEVELS = 63

_DATA_NOTES = {
    "celeba": "CelebA (Liu et al. 2015), 64x64 RGB, 40 attributes, test split",
    "lfw": "LFW faces of scikit-image's lfw_subset (the 100 faces among its 200 crops; the "
    "other 100 are non-faces), 25x25 grey, training set = evaluation set",
    "celeba-fixture": "CelebA-layout fixture: LFW faces resized to 64x64 RGB with random "
    "attributes (a pipeline check, not evidence)",
}


# ======================================================================================
# Grids
# ======================================================================================
def grids(
    profile: str | None = None,
    dataset: str = "lfw",
    data_root: str | os.PathLike[str] | None = None,
    *,
    root: str | None = None,
) -> dict[str, Any]:
    """The grid file of the faces experiment at the sizes of ``profile``.

    Parameters
    ----------
    profile
        Size profile (``cfg.faces``).
    dataset
        One of :data:`FACE_DATASETS`.
    data_root
        CelebA folder (``celeba``, ``celeba-fixture``).
    root
        Folder of the run directories; default ``runs/faces/<profile>/<dataset>``.

    Returns
    -------
    dict
        ``{"root", "base", "grid"}`` in the format of :func:`seamlib.engine.sweep.load_grid`:
        seeds x {diag, full} x betas (seeds outermost).

    Raises
    ------
    ConfigError
        Unknown dataset, or a CelebA data set without ``data_root``.

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> spec = F.grids("smoke", "lfw")
    >>> spec["base"]["dataset"], spec["grid"]["posterior"]
    ('lfw', ['diag', 'full'])
    """
    prof = get_profile(profile)
    sizes = prof.faces
    if dataset not in FACE_DATASETS:
        raise ConfigError(f"Unknown faces dataset {dataset!r}; expected one of {FACE_DATASETS}.")
    base: dict[str, Any] = {
        "likelihood": "gaussian",
        "sigma2": sizes.sigma2,
        "latent_dim": sizes.latent_dim,
        "steps": sizes.steps,
        "batch_size": sizes.batch_size,
        "lr": sizes.lr,
        "checkpoint_every": max(1, min(1_000, sizes.steps)),
        "log_every": max(1, min(10, sizes.steps)),
    }
    if dataset == "lfw":
        base.update(dataset="lfw", architecture="mlp", hidden=list(sizes.hidden), subset=0)
    else:
        if data_root is None:
            raise ConfigError(
                f"The {dataset!r} grid needs the CelebA folder: pass data_root (--data-root) "
                f"or set ${CELEBA_ENV}."
            )
        subset = sizes.celeba_subset if dataset == "celeba" else 0
        base.update(
            dataset="celeba", architecture="burgess", subset=subset, data_root=str(data_root)
        )
    if dataset == "celeba-fixture":
        base.update(
            latent_dim=sizes.live_latent_dim,
            steps=sizes.live_steps,
            batch_size=min(sizes.batch_size, sizes.live_n // 2),
            checkpoint_every=max(1, sizes.live_steps),
            log_every=max(1, min(5, sizes.live_steps)),
        )
    seeds, betas = list(sizes.seeds), [float(b) for b in sizes.betas]
    if dataset == "celeba-fixture":  # a pipeline check: one seed, one beta
        seeds, betas = seeds[:1], betas[:1]
    return {
        "root": root or f"runs/faces/{prof.name}/{dataset}",
        "base": base,
        "grid": {
            "seed": seeds,
            "posterior": ["diag", "full"],
            "beta": betas,
        },
    }


def write_grid(
    profile: str | None = None,
    dataset: str = "lfw",
    data_root: str | os.PathLike[str] | None = None,
    folder: str | os.PathLike[str] | None = None,
) -> Path:
    """Write ``experiments/faces_<dataset>.<profile>.json`` (or into ``folder``); the path.

    Examples
    --------
    >>> import tempfile
    >>> from seamlib.experiments import faces as F
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     print(F.write_grid("smoke", "lfw", folder=tmp).name)
    faces_lfw.smoke.json
    """
    prof = get_profile(profile).name
    out = Path(folder) if folder is not None else project_root() / "experiments"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"faces_{dataset}.{prof}.json"
    path.write_text(json.dumps(grids(prof, dataset, data_root), indent=2) + "\n")
    return path


# ======================================================================================
# Diagnostics of one model
# ======================================================================================
def _restricted_decoder(model: Any, z: Tensor, idx: np.ndarray) -> tuple[Any, Tensor]:
    """Decoder of the active latents only (the others fixed at their batch mean)."""
    d = z.shape[1]
    sel = torch.zeros(len(idx), d, dtype=z.dtype, device=z.device)
    sel[torch.arange(len(idx)), torch.as_tensor(idx, device=z.device)] = 1.0
    fixed = z.mean(0) * (1 - sel.sum(0))

    def decode(za: Tensor) -> Tensor:
        return model.decode(fixed + za @ sel)

    return decode, z[:, torch.as_tensor(idx, device=z.device)]


def c1_c2_scores(
    model: Any, z: Tensor, active: Sequence[bool] | np.ndarray, *, n_c2: int | None = None
) -> dict[str, float]:
    """C1 and C2 scores (Lemma 4.1) of a decoder at latent points, over the active latents.

    Collapsed latents have a zero Jacobian column, for which the SVD's right singular
    vectors are arbitrary; the scores are therefore computed for the decoder restricted to
    the active latents (the others held at their batch mean).

    Parameters
    ----------
    model
        A :class:`seamlib.engine.models.VAE`.
    z : Tensor, shape (n, d)
        Latent points, usually posterior means.
    active : bool array, shape (d,)
    n_c2
        Number of points (the first ones) for the C2 score, which differentiates the SVD
        forward over forward; default all.

    Returns
    -------
    dict
        ``c1_v_distance`` (mean distance of ``V_z`` to a signed permutation, 0 under C1),
        ``c1_offdiag`` (mean normalised off-diagonal of ``J^T J``), ``c2_offdiag_fraction``
        (mean ``||offdiag(ds/dz)||_F / ||ds/dz||_F``, 0 under C2) and ``c2_offdiag``
        (median normalised off-diagonal of ``ds/dz``, unbounded); NaN with fewer than two
        active latents.

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments import faces as F
    >>> from seamlib.engine.models import VAE, mlp
    >>> _ = torch.manual_seed(0)
    >>> vae = VAE(mlp([5, 4]), mlp([2, 8, 5]), latent_dim=2)
    >>> scores = F.c1_c2_scores(vae, torch.randn(3, 2), [True, True])
    >>> sorted(scores)
    ['c1_offdiag', 'c1_v_distance', 'c2_offdiag', 'c2_offdiag_fraction']
    """
    from seamlib.theory.scores import c1_score, c2_score

    idx = np.flatnonzero(np.asarray(active, dtype=bool))
    nan = float("nan")
    if idx.size < 2:
        return {
            "c1_v_distance": nan,
            "c1_offdiag": nan,
            "c2_offdiag_fraction": nan,
            "c2_offdiag": nan,
        }
    dev = next(model.parameters()).device
    decode, za = _restricted_decoder(model, z.to(dev, torch.float32).detach(), idx)
    c1 = c1_score(decode, za)
    zc = za[: (n_c2 or za.shape[0])]
    c2 = c2_score(decode, zc)
    return {
        "c1_v_distance": float(c1.v_distance.detach().mean()),
        "c1_offdiag": float(c1.offdiag.detach().mean()),
        "c2_offdiag_fraction": float(c2.offdiag_fraction.detach().mean()),
        "c2_offdiag": float(c2.offdiag.detach().median()),
    }


def _to_hwc(t: Tensor) -> np.ndarray:
    """(n, C, H, W) -> (n, H, W) for grey, (n, H, W, C) for colour, clamped to [0, 1]."""
    arr = t.detach().clamp(0, 1).cpu().numpy()
    return arr[:, 0] if arr.shape[1] == 1 else np.moveaxis(arr, 1, -1)


@torch.no_grad()
def _images(
    model: Any, x: Tensor, order: Sequence[int], sizes: Any, generator: torch.Generator
) -> dict[str, Any]:
    dev = next(model.parameters()).device
    k = min(sizes.n_recon, x.shape[0] - 1)
    xr = x[:k].to(dev)
    z = torch.randn(sizes.n_samples, model.latent_dim, generator=generator, device=dev)
    mu = model.encode(x[k : k + 1].to(dev)).mean[0]
    values = torch.linspace(-2.5, 2.5, sizes.n_traverse, device=dev)
    zt = traversal_latents(mu, order, values)
    trav = _to_hwc(model.decode_mean(zt))
    return {
        "originals": encode_images(_to_hwc(x[:k]), IMAGE_LEVELS),
        "reconstructions": encode_images(_to_hwc(model(xr)), IMAGE_LEVELS),
        "samples": encode_images(_to_hwc(model.decode_mean(z)), IMAGE_LEVELS),
        "traversal_source": encode_images(_to_hwc(x[k : k + 1])[0], IMAGE_LEVELS),
        "traversals": encode_images(
            trav.reshape(len(order), sizes.n_traverse, *trav.shape[1:]), IMAGE_LEVELS
        ),
        "traversal_values": values.cpu().tolist(),
        "traversal_latents": [int(j) for j in order],
    }


def images_of(summary: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Decode the stored images of a run summary (name -> float array in [0, 1]).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.experiments import faces as F
    >>> from seamlib.experiments.common import encode_images
    >>> F.images_of({"images": {"samples": encode_images(np.zeros((2, 3, 3)))}})["samples"].shape
    (2, 3, 3)
    """
    stored = summary.get("images")
    if not stored:
        raise KeyError(
            f"run {summary.get('name')!r} has no stored images (only the first seed's runs "
            "keep them)."
        )
    return {k: decode_images(v) for k, v in stored.items() if isinstance(v, dict)}


def summarise_run(
    run_dir: str | os.PathLike[str],
    *,
    profile: str | None = None,
    x: Tensor | None = None,
    attributes: np.ndarray | None = None,
    dataset: str | None = None,
    images: bool = True,
    seed: int = 0,
    device: str | None = "cpu",
) -> dict[str, Any]:
    """Summarise one trained run (and write ``faces_summary.json`` into its folder).

    Parameters
    ----------
    run_dir
        A run directory of the engine (``config.json``, ``checkpoint.pt``).
    profile
        Sizes of the evaluation (``cfg.faces``: ``eq6_n``, ``c2_n``, ``n_recon``, ...).
    x, attributes
        Evaluation images (n, C, H, W) in [0, 1] and attributes (n, 40) or None; default
        :func:`heldout_faces` of the run's data set.
    dataset
        ``"lfw"``, ``"celeba"`` or ``"celeba-fixture"``; default from the run's config.
    images
        Store reconstructions, samples and traversals.
    seed
        Seed of the posterior samples of the Eq. 6 terms and of the prior samples.

    Returns
    -------
    dict
        ``config``, ``step``, ``train_s``, ``n_eval``, ``recon_nll`` (nats per image at the
        posterior mean), ``recon_mse`` (per pixel), ``kl``, ``active`` (code variance >
        0.01), ``jac_term``/``hess_term`` (d x d, Eq. 6 divided by sigma^2),
        ``jac_offdiag``/``hess_offdiag`` (over active latents), the C1/C2 scores of
        :func:`c1_c2_scores`; with attributes ``mi`` (d x 40), ``attribute_entropy``,
        ``aas``, ``greedy_order``; optionally ``images``.

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> summary = F.summarise_run("runs/faces/smoke/lfw/RUN", profile="smoke")  # doctest: +SKIP
    """
    from seamlib.engine.runs import load_run

    sizes = get_profile(profile).faces
    run_dir = Path(run_dir)
    config, model, info = load_run(run_dir, device)
    if dataset is None:
        dataset = "lfw" if config.dataset == "lfw" else "celeba"
    if x is None:
        x, attributes, _ = heldout_faces(dataset, sizes.eval_n, data_root=config.data_root)
    out = finite(
        {
            "name": run_dir.name,
            "dataset": dataset,
            **run_fields(run_dir, config.to_dict(), info),
            **_model_fields(model, x, attributes, sizes, images=images, seed=seed),
        }
    )
    (run_dir / "faces_summary.json").write_text(json.dumps(out))
    return out


def _model_fields(
    model: Any,
    x: Tensor,
    attributes: np.ndarray | None,
    sizes: Any,
    *,
    images: bool,
    seed: int,
    n_active: int | None = None,
) -> dict[str, Any]:
    """The fields of a summary that come from the model and the images (:func:`summarise_run`);
    with ``n_active``, the ``n_active`` latents of largest code variance count as active."""
    dev = next(model.parameters()).device
    gen = torch.Generator(device=dev).manual_seed(seed)
    means, nll, mse = encode_dataset(model, x)
    codes = means.double().numpy()
    active = np.asarray(metrics.active_latents(codes))
    if n_active is not None:
        active = np.zeros(codes.shape[1], dtype=bool)
        active[np.argsort(-codes.var(axis=0), kind="stable")[:n_active]] = True
    n6 = min(sizes.eq6_n, x.shape[0])
    with torch.no_grad():
        kl = float(model.encode(x[:n6].to(dev)).kl().mean())
    a, b = model_eq6_terms(model, x[:n6], generator=gen)
    scores = c1_c2_scores(model, means[:n6], active, n_c2=sizes.c2_n)
    out: dict[str, Any] = {
        "n_eval": int(x.shape[0]),
        "recon_nll": float(nll.mean()),
        "recon_mse": float(mse.mean()),
        "kl": kl,
        "active": active.tolist(),
        "n_active": int(active.sum()),
        **eq6_fields(a, b, active),
        **scores,
    }
    order = np.argsort(-codes.var(axis=0), kind="stable")
    if attributes is not None:
        mi = metrics.mutual_info_matrix(codes, attributes)
        order = metrics.greedy_order(mi.mi)
        out.update(
            mi=mi.mi.tolist(),
            attribute_entropy=mi.factor_entropy.tolist(),
            aas=metrics.aas(mi.mi) if mi.mi.sum() > 0 else float("nan"),
            greedy_order=order.tolist(),
        )
    if images:
        out["images"] = _images(model, x, [int(j) for j in order], sizes, gen)
    return out


def untrained_summary(
    config: Mapping[str, Any],
    x: Tensor,
    attributes: np.ndarray | None,
    *,
    init_seed: int,
    n_active: int | None = None,
    profile: str | None = None,
    seed: int = 0,
    device: str | None = "cpu",
) -> dict[str, Any]:
    """The summary of :func:`summarise_run` for the *untrained* model of a run's ``config``.

    The negative control of the faces checks: the same architecture, posterior and
    likelihood, initialised from ``init_seed`` as a training run is at step 0
    (:func:`seamlib.experiments.common.untrained_model`), evaluated on the same images with
    the same fields (no stored images). An untrained encoder's codes barely vary, so no
    latent passes the activity threshold; with ``n_active`` (the trained run's count), the
    off-diagonals are taken over that many latents of largest code variance instead, the
    same size of comparison as the trained run's.

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments.faces import untrained_summary
    >>> cfg = {"dataset": "lfw", "architecture": "mlp", "hidden": [16], "latent_dim": 3,
    ...        "posterior": "diag", "likelihood": "gaussian", "seed": 0}
    >>> s = untrained_summary(cfg, torch.rand(12, 1, 25, 25), None, init_seed=7, n_active=2,
    ...                       profile="smoke")
    >>> s["step"], s["init_seed"], len(s["jac_term"]), s["n_active"]
    (0, 7, 3, 2)
    """
    sizes = get_profile(profile).faces
    model = untrained_model(config, x.shape[1:], init_seed, device)
    return finite(
        {
            "name": "untrained",
            "config": dict(config),
            "status": "complete",  # an untrained model is what it is: a complete control
            "init_seed": int(init_seed),
            "step": 0,
            **_model_fields(
                model, x, attributes, sizes, images=False, seed=seed, n_active=n_active
            ),
        }
    )


# ======================================================================================
# Collecting runs into results/faces/
# ======================================================================================
def collect(
    run_root: str | os.PathLike[str],
    out: str | os.PathLike[str] | None = None,
    *,
    dataset: str = "lfw",
    profile: str | None = None,
    device: str | None = "cpu",
    data_root: str | os.PathLike[str] | None = None,
    include_incomplete: bool = False,
    command: str | None = None,
) -> Path:
    """Summarise every trained run under ``run_root`` into one JSON file.

    The experiments' pipeline (:mod:`seamlib.experiments.pipeline`) with the faces' own
    summary (:func:`summarise_run`). Images are kept for the runs of the smallest seed only.
    The file holds ``{"experiment": "faces", "dataset", "data_note", "attribute_names",
    "provenance", "runs"}``; the provenance
    (:func:`~seamlib.experiments.pipeline.results_provenance`) records the git commit,
    profile, device, seeds, steps, the summed training wall time, ``command`` and the commits
    and commands that trained the runs. Runs
    already stored in ``out`` (same data set and size) whose folders are gone are kept.

    Parameters
    ----------
    run_root
        Folder holding the engine's run directories (the ``root`` of :func:`grids`).
    out
        Output file; default ``results/faces/<dataset>.json``.
    dataset
        The data set the runs were trained on (:data:`FACE_DATASETS`).
    command
        The command line recorded in the provenance.

    Raises
    ------
    FileNotFoundError
        No complete run under ``run_root`` (the message gives the commands that make them).

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> path = F.collect("runs/faces/laptop/lfw", dataset="lfw", profile="laptop")  # doctest: +SKIP
    """
    from seamlib.provenance import relative_path

    prof = get_profile(profile)
    sizes = prof.faces
    root = Path(run_root)
    runs = find_runs(root, include_incomplete=include_incomplete)
    if not runs:
        raise FileNotFoundError(
            f"No trained runs under {root}/*/checkpoint.pt; train them first: python -m "
            f"seamlib.experiments.faces grids --dataset {dataset}, then python -m seamlib sweep "
            f"experiments/faces_{dataset}.{prof.name}.json --root {root}."
        )
    configs = [json.loads((r / "config.json").read_text()) for r in runs]
    first_seed = min(int(c["seed"]) for c in configs)
    root_data = data_root or next((c.get("data_root") for c in configs), None)
    x, attrs, names = heldout_faces(dataset, sizes.eval_n, data_root=root_data)

    def summarise(run: Path, cfg: Mapping[str, Any]) -> dict[str, Any]:
        return summarise_run(
            run,
            profile=prof.name,
            x=x,
            attributes=attrs,
            dataset=dataset,
            images=int(cfg["seed"]) == first_seed,
            device=device,
        )

    rows = summarise_runs(runs, summarise, reuse=False)
    return store_results(
        Path(out) if out is not None else results_folder("faces") / f"{dataset}.json",
        "faces",
        rows,
        profile=prof.name,
        device=device,
        key=("name",),
        eval_id=f"{dataset}:{int(x.shape[0])}",
        fields={
            "dataset": dataset,
            "data_note": _DATA_NOTES[dataset],
            "attribute_names": list(names),
        },
        digits=None,
        n_eval=int(x.shape[0]),
        run_root=relative_path(root),
        command=command,
    )


def load_results(
    dataset: str = "lfw", folder: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Read ``results/faces/<dataset>.json``.

    Raises
    ------
    FileNotFoundError
        With the commands that produce the file.

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> doc = F.load_results("lfw")  # doctest: +SKIP
    """
    return read_results(
        results_folder("faces", folder) / f"{dataset}.json",
        f"`python -m seamlib.experiments.faces grids --dataset {dataset}`, "
        f"`python -m seamlib sweep experiments/faces_{dataset}.<profile>.json`, then "
        f"`python -m seamlib.experiments.faces collect RUN_ROOT --dataset {dataset}`",
    )


def add_controls(
    path: str | os.PathLike[str],
    *,
    profile: str | None = None,
    device: str | None = "cpu",
    command: str | None = None,
) -> Path:
    """Add untrained controls to a stored faces results file (its run folders may be gone).

    One control per stored run, from the run's config alone: the untrained model
    (:func:`untrained_summary`, over as many latents as the run has active) initialised from
    ``CONTROL_SEED * (seed + 1) + i`` (:data:`~seamlib.experiments.common.CONTROL_SEED`, ``i``
    the run's index), evaluated on the same images (:func:`heldout_faces` of the file's data
    set and size). The file gains ``controls`` and ``controls_provenance``.

    Raises
    ------
    ValueError
        The images drawn again are not as many as the file's runs were evaluated on.

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> F.add_controls("results/faces/lfw.json")  # doctest: +SKIP
    """
    path = Path(path)
    doc = json.loads(path.read_text())
    runs = doc["runs"]
    n_eval = int(doc["provenance"]["n_eval"])
    data_root = next((r["config"].get("data_root") for r in runs), None)
    x, attrs, _ = heldout_faces(doc["dataset"], n_eval, data_root=data_root)
    if x.shape[0] != n_eval:
        raise ValueError(
            f"{path}: {x.shape[0]} evaluation images drawn again, but its runs were evaluated "
            f"on {n_eval}; collect the runs again instead."
        )
    controls = [
        untrained_summary(
            r["config"],
            x,
            attrs,
            init_seed=CONTROL_SEED * (int(r["config"]["seed"]) + 1) + i,
            n_active=int(r["n_active"]),
            profile=profile,
            device=device,
        )
        for i, r in enumerate(runs)
    ]
    return store_controls(
        path,
        controls,
        profile=get_profile(profile).name,
        device=device,
        command=command,
        digits=None,
    )


def ensure_results(
    dataset: str,
    *,
    data_root: str | os.PathLike[str] | None = None,
    profile: str | None = None,
    folder: str | os.PathLike[str] | None = None,
    run_root: str | os.PathLike[str] | None = None,
    threads: int = 0,
) -> dict[str, Any]:
    """The results document of ``dataset``: stored, or trained now through the CLI.

    When ``folder/<dataset>.json`` exists it is read. Otherwise the grid of :func:`grids`
    is written next to it (for ``python -m seamlib sweep``) and trained in this process by
    :func:`seamlib.engine.sweep.launch` (finished runs under ``run_root`` are reused, interrupted
    ones resumed), then summarised with :func:`collect` into that file. Neither the
    environment nor the active profile is changed: the grid carries every size.

    Parameters
    ----------
    dataset
        One of :data:`FACE_DATASETS`.
    data_root
        CelebA folder (``celeba``, ``celeba-fixture``).
    profile
        Sizes of the grid and of the evaluation.
    folder
        Folder of the results file; default ``results/faces``.
    run_root
        Folder of the run directories; default the grid's ``runs/faces/<profile>/<dataset>``.
    threads
        Torch CPU threads while training and summarising (restored afterwards); 0 keeps
        torch's default. One thread is much faster on an oversubscribed shared CPU.

    Raises
    ------
    ConfigError
        The grid is invalid (e.g. CelebA without a data folder).
    TrainingInterrupted
        Training was interrupted; call again to resume.

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> doc = F.ensure_results("lfw", profile="smoke", threads=1)  # doctest: +SKIP
    """
    from seamlib.engine.sweep import expand_grid, launch

    base = results_folder("faces", folder)
    if (base / f"{dataset}.json").is_file():
        return load_results(dataset, base)
    prof = get_profile(profile).name
    spec = grids(prof, dataset, data_root)
    spec["root"] = str(run_root or project_root() / spec["root"])  # absolute: any cwd
    base.mkdir(parents=True, exist_ok=True)
    grid = base / f"faces_{dataset}.{prof}.grid.json"
    grid.write_text(json.dumps(spec, indent=2) + "\n")
    previous = torch.get_num_threads()
    if threads > 0:
        torch.set_num_threads(threads)
    try:
        launch(expand_grid(spec), "local", progress=False)
        collect(
            spec["root"],
            base / f"{dataset}.json",
            dataset=dataset,
            profile=prof,
            data_root=data_root,
        )
    finally:
        torch.set_num_threads(previous)
    return load_results(dataset, base)


# ======================================================================================
# Statistics for the claim
# ======================================================================================
#: Quantities compared between posteriors: key -> (label, sign) where sign = +1 means
#: "the claim predicts diagonal < full" and -1 "diagonal > full".
CLAIM_KEYS: dict[str, tuple[str, int]] = {
    "jac_offdiag": ("off-diagonal of E[J^T J]", +1),
    "hess_offdiag": ("off-diagonal of the Hessian term", +1),
    "aas": ("AAS over the 40 attributes", -1),
}


def compare_by_beta(rows: Iterable[Mapping[str, Any]], key: str) -> dict[float, dict[str, float]]:
    """Per beta: mean, std and count of ``key`` for each posterior, and diag minus full.

    Returns
    -------
    dict
        ``beta -> {"diag", "diag_std", "n_diag", "full", "full_std", "n_full", "diff"}``
        (NaN where a posterior has no finite value).

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> pairs = [("diag", 0.5), ("full", 0.2)]
    >>> rows = [{"config": {"posterior": p, "beta": 1.0}, "aas": v} for p, v in pairs]
    >>> round(F.compare_by_beta(rows, "aas")[1.0]["diff"], 3)
    0.3
    """
    stats = group_stats(list(rows), key, by=("posterior", "beta"))
    out: dict[float, dict[str, float]] = {}
    for (post, beta), s in stats.items():
        row = out.setdefault(float(beta), {})
        row[str(post)] = s["mean"]
        row[f"{post}_std"] = s["std"]
        row[f"n_{post}"] = float(s["n"])
    for row in out.values():
        row["diff"] = row.get("diag", float("nan")) - row.get("full", float("nan"))
    return dict(sorted(out.items()))


def _values(rows: Sequence[Mapping[str, Any]], key: str, post: str, beta: float) -> list[float]:
    """Per-seed values of ``key`` (in seed order) for one posterior and beta."""
    sel = [
        r for r in rows if r["config"]["posterior"] == post and float(r["config"]["beta"]) == beta
    ]
    sel = sorted(sel, key=lambda r: int(r["config"].get("seed", 0)))
    return [float("nan") if r.get(key) is None else float(r[key]) for r in sel]


def claim_rows(doc: Mapping[str, Any], *, controls: bool = False) -> list[dict[str, Any]]:
    """The checks of claim ``faces`` for a results document (one per quantity and beta).

    Each check is a one-sided Welch t-test over the seeds of 'diagonal below full' for the
    off-diagonals (above, for AAS). Each row: ``item``, ``measured`` (the p-value),
    ``expected`` (0.05), ``op`` (``"<"``), ``holds``, the means ``diag`` and ``full``, the
    per-seed ``diag_values`` and ``full_values``, and ``note`` (the data set, seeds and
    profile that produced the number). AAS rows appear only for data with attributes
    (CelebA). With ``controls``, the same rows for the file's untrained ``controls``.

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> pairs = [("diag", 0.1), ("diag", 0.12), ("full", 0.4), ("full", 0.45)]
    >>> rows = [{"config": {"posterior": p, "beta": 1.0, "seed": i}, "jac_offdiag": v}
    ...         for i, (p, v) in enumerate(pairs)]
    >>> [(r["holds"], round(r["measured"], 3)) for r in F.claim_rows({"runs": rows})]
    [(True, 0.014)]
    """
    rows = doc["controls"] if controls else doc["runs"]
    prov = doc.get("provenance", {})
    note = (
        f"{doc.get('data_note', doc.get('dataset'))}; seeds {prov.get('seeds')}; "
        f"profile {prov.get('profile')}; steps {prov.get('steps')}"
    )
    if controls:
        note = f"untrained models of the same configs; {note}"
    out = []
    for key, (label, sign) in CLAIM_KEYS.items():
        if not any(r.get(key) is not None for r in rows):
            continue
        stats = group_stats(list(rows), key, by=("posterior", "beta"))
        for beta in sorted({float(b) for _, b in stats}):
            diag, full = stats.get(("diag", beta)), stats.get(("full", beta))
            if diag is None or full is None:
                continue
            low, high = (diag, full) if sign > 0 else (full, diag)
            p = welch_less(low, high) if min(diag["n"], full["n"]) >= 2 else float("nan")
            word = "below" if sign > 0 else "above"
            out.append(
                {
                    "item": f"{doc.get('dataset')}: {label}, diagonal {word} full at "
                    f"beta={beta:g} (one-sided Welch t-test over seeds, p < 0.05)",
                    "key": key,
                    "beta": beta,
                    "measured": p,
                    "expected": 0.05,
                    "op": "<",
                    "holds": bool(math.isfinite(p) and p < 0.05),
                    "diag": diag["mean"],
                    "full": full["mean"],
                    "diag_values": _values(rows, key, "diag", beta),
                    "full_values": _values(rows, key, "full", beta),
                    "note": note,
                }
            )
    return out


# ======================================================================================
# Command line
# ======================================================================================
def main(argv: Sequence[str] | None = None) -> int:
    """``python -m seamlib.experiments.faces {grids,collect,controls,fixture}`` (module
    docstring)."""
    parser = argparse.ArgumentParser(prog="python -m seamlib.experiments.faces")
    sub = parser.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grids", help="write experiments/faces_<dataset>.<profile>.json")
    g.add_argument("--profile", default=None)
    g.add_argument("--dataset", default="lfw", choices=FACE_DATASETS)
    g.add_argument("--data-root", default=None, help=f"CelebA folder (default ${CELEBA_ENV})")
    g.add_argument("--out", default=None, help="folder (default: experiments/)")
    c = sub.add_parser("collect", help="summarise runs into results/faces/<dataset>.json")
    c.add_argument("run_root")
    c.add_argument("--profile", default=None)
    c.add_argument("--dataset", default="lfw", choices=FACE_DATASETS)
    c.add_argument("--data-root", default=None)
    c.add_argument("--out", default=None, help="file (default: results/faces/<dataset>.json)")
    c.add_argument("--device", default="cpu")
    c.add_argument("--incomplete", action="store_true", help="include runs still training")
    c.add_argument("--controls", action="store_true", help="add untrained controls too")
    k = sub.add_parser("controls", help="add untrained controls to stored results files")
    k.add_argument("files", nargs="+")
    k.add_argument("--profile", default=None)
    k.add_argument("--device", default="cpu")
    f = sub.add_parser("fixture", help="write a tiny CelebA-layout fixture folder")
    f.add_argument("root")
    f.add_argument("--n", type=int, default=96)
    f.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    command = module_command("seamlib.experiments.faces", sys.argv[1:] if argv is None else argv)
    if args.cmd == "grids":
        root = args.data_root or celeba_root()
        print(write_grid(args.profile, args.dataset, root, args.out))
    elif args.cmd == "collect":
        path = collect(
            args.run_root,
            args.out,
            dataset=args.dataset,
            profile=args.profile,
            device=args.device,
            data_root=args.data_root,
            include_incomplete=args.incomplete,
            command=command,
        )
        if args.controls:
            add_controls(path, profile=args.profile, device=args.device, command=command)
        print(path)
    elif args.cmd == "controls":
        for name in args.files:
            print(add_controls(name, profile=args.profile, device=args.device, command=command))
    else:
        print(make_celeba_fixture(args.root, args.n, seed=args.seed))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
