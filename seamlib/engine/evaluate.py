"""Evaluating trained VAEs: held-out ELBO, C1 diagonality (batch mean and per point), MIG, AAS.

``evaluate`` scores a run directory and writes ``eval.json`` with provenance (the CLI's
``seamlib evaluate``); ``evaluate_model`` is the file-free core that the trainer also calls
for learning curves (``--eval-every``), so this module sits below
:mod:`seamlib.engine.train`; both read runs with :mod:`seamlib.engine.runs`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from seamlib.engine.config import INT_MAX, is_int
from seamlib.engine.data import TrainingData, load_training_data
from seamlib.engine.models import VAE
from seamlib.engine.rundir import EVAL_FILE, STATE_FILE, atomic_write_json, lock_run_dir
from seamlib.engine.runs import load_run, read_config
from seamlib.errors import ConfigError

__all__ = ["evaluate", "evaluate_model"]


# ======================================================================================
# Evaluation
# ======================================================================================
def _derivative_terms(model: VAE, x: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
    """``J^T J`` and ``sum_l (x - d(z))_l H_l(z)`` at each posterior mean ``z`` (n, d).

    ``d`` is the likelihood mean :meth:`seamlib.engine.models.VAE.decode_mean` (the decoder output,
    or its sigmoid for a Bernoulli likelihood or a Gaussian with ``mean="sigmoid"``), so
    ``J^T J`` is the Gram matrix of the mean decoder's Jacobian: C1 holds where it is
    diagonal. For a Gaussian likelihood (either link) these are the two terms of Eq. 6 times
    ``sigma^2``; for a Bernoulli likelihood Eq. 6's terms weight the logits' Jacobian
    instead (:func:`seamlib.theory.eq6.point_terms`). Shapes (n, d, d).
    """
    from seamlib.theory.jacobian import hessian_term, jacobian

    f = model.decode_mean
    J = jacobian(f, z)
    jtj = J.transpose(-1, -2) @ J
    return jtj.detach(), hessian_term(f, x, z).detach()


@torch.no_grad()
def _encode_means(model: VAE, x: Tensor, scale: float, batch: int = 256) -> Tensor:
    out = []
    for i in range(0, x.shape[0], batch):
        xb = x[i : i + batch].to(torch.float32) * scale
        out.append(model.encode(xb).mean)
    return torch.cat(out)


def evaluate(
    run_dir: str | os.PathLike[str],
    *,
    n: int | None = None,
    n_jacobian: int | None = None,
    seed: int = 0,
    device: str | None = "auto",
    data: TrainingData | None = None,
) -> dict[str, Any]:
    """Evaluate a trained run and write ``eval.json`` (with provenance) in its folder.

    Computed on ``n`` data points (default: the profile's ``train.eval_n``; ``n_jacobian``
    defaults to ``train.eval_jacobian_n``):

    * ``elbo``, ``nll``, ``kl``: batch means of the beta = 1 ELBO and its parts;
    * ``jtj_off_diagonal``: the normalised off-diagonal (Appendix E) of
      ``E[J^T J]``, ``J`` the Jacobian of the likelihood mean
      (:meth:`~seamlib.engine.models.VAE.decode_mean`) at ``n_jacobian`` posterior means
      (0 when the Jacobian columns are orthogonal, condition C1); ``jtj`` the matrix;
    * ``hessian_off_diagonal``: the same for the Hessian term of Eq. 6,
      ``E[sum_l (x - d(z))_l H_l(z)]`` (``hessian_term`` the matrix);
    * where the data have ground-truth factors and ``seamlib.metrics`` is available:
      ``mutual_info`` (d x k), ``mig`` and ``aas``.

    Returns
    -------
    dict
        The contents of ``eval.json``.

    Examples
    --------
    >>> from seamlib.engine.evaluate import evaluate
    >>> scores = evaluate("runs/dsprites-beta4", n=512)  # doctest: +SKIP
    """
    from seamlib.config import get_profile
    from seamlib.provenance import provenance

    for name, value, low in (("n", n, 1), ("n_jacobian", n_jacobian, 1), ("seed", seed, 0)):
        if value is not None and (not is_int(value) or not low <= value <= INT_MAX):
            raise ConfigError(
                f"{name} must be an integer between {low} and {INT_MAX}, got {value!r}."
            )
    run_dir = Path(run_dir)
    read_config(run_dir)
    with lock_run_dir(run_dir, command="seamlib evaluate"):
        config, model, info = load_run(run_dir, device)
        if info.pop("rebuilt", False):
            info.pop("checkpoint_file", None)
            atomic_write_json(run_dir / STATE_FILE, info)
        if data is None:
            data = load_training_data(config)
        sizes = get_profile().train
        result = evaluate_model(
            model,
            data,
            n=int(n if n is not None else sizes.eval_n),
            n_jacobian=int(n_jacobian if n_jacobian is not None else sizes.eval_jacobian_n),
            seed=seed,
        )
        result["step"] = info.get("step")
        result["provenance"] = provenance(
            seeds=[config.seed, seed],
            device=str(next(model.parameters()).device),
            run_dir=run_dir.name,
            checkpoint=info.get("checkpoint_file"),
        )
        atomic_write_json(run_dir / EVAL_FILE, result)
    return result


def evaluate_model(
    model: VAE, data: TrainingData, *, n: int, n_jacobian: int, seed: int = 0
) -> dict[str, Any]:
    """The scores of :func:`evaluate` for ``model`` on ``n`` points of ``data`` (no files).

    Adds to :func:`evaluate`'s batch-mean diagonality the per-point one:
    ``jtj_off_diagonal_per_point`` and ``hessian_off_diagonal_per_point`` are the means over
    points of the normalised off-diagonal of each point's own ``J^T J`` and Hessian term (a
    batch mean lets off-diagonal entries of opposite sign cancel; these cannot).
    Leaves the model's training mode and every global RNG as they were.

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine.config import TrainConfig
    >>> from seamlib.engine.train import Trainer
    >>> from seamlib.engine.evaluate import evaluate_model
    >>> from seamlib.engine.data import load_training_data
    >>> cfg = TrainConfig(dataset="rings", architecture="mlp", latent_dim=2,
    ...                   likelihood="gaussian", subset=64)
    >>> from seamlib.engine.models import build_model
    >>> data = load_training_data(cfg)
    >>> model = build_model(cfg.model_config(data.data_shape))
    >>> scores = evaluate_model(model, data, n=32, n_jacobian=8)
    >>> 0 <= scores["jtj_off_diagonal_per_point"] <= 1
    True
    """
    from seamlib.theory.scores import normalised_off_diagonal

    was_training = model.training
    model.eval()
    dev = next(model.parameters()).device
    n_eval = min(int(n), data.n)
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(data.n, size=n_eval, replace=False))
    x = data.x[torch.as_tensor(idx)].to(dev)
    gen = torch.Generator(device=dev).manual_seed(seed)
    with torch.no_grad():
        parts: dict[str, list[float]] = {"elbo": [], "nll": [], "kl": []}
        for i in range(0, n_eval, 256):
            xb = x[i : i + 256].to(torch.float32) * data.scale
            _, p = model.loss(xb, beta=1.0, generator=gen)
            for key in parts:
                parts[key].append(float(p[key]) * xb.shape[0])
    result: dict[str, Any] = {k: sum(v) / n_eval for k, v in parts.items()}
    means = _encode_means(model, x, data.scale)
    zj = means[: min(int(n_jacobian), n_eval)].detach()
    xj = x[: zj.shape[0]].to(torch.float32) * data.scale
    with torch.random.fork_rng(devices=[]):
        jtj_i, hess_i = _derivative_terms(model, xj, zj)
    jtj, hess = jtj_i.mean(0), hess_i.mean(0)
    result["jtj"] = jtj.cpu().numpy().tolist()
    result["jtj_off_diagonal"] = float(normalised_off_diagonal(jtj))
    result["jtj_off_diagonal_per_point"] = float(normalised_off_diagonal(jtj_i).mean())
    result["hessian_term"] = hess.cpu().numpy().tolist()
    result["hessian_off_diagonal"] = float(normalised_off_diagonal(hess))
    result["hessian_off_diagonal_per_point"] = float(normalised_off_diagonal(hess_i).mean())
    if data.factors is not None and _is_discrete(data.factors):
        result.update(_disentanglement(means.cpu().numpy(), data.factors[idx]))
    result["n"] = n_eval
    model.train(was_training)
    return result


def _is_discrete(factors: np.ndarray, max_values: int = 64) -> bool:
    """True when every factor column takes at most ``max_values`` distinct values."""
    return all(np.unique(col).size <= max_values for col in np.asarray(factors).T)


def _disentanglement(codes: np.ndarray, factors: np.ndarray) -> dict[str, Any]:
    """MI matrix (d x k), MIG and AAS of ``codes`` against discrete ``factors``."""
    from seamlib import metrics

    out: dict[str, Any] = {}
    try:
        mi = metrics.mutual_info_matrix(codes, factors)
    except ValueError as exc:  # e.g. a constant factor in a small subset
        out["metrics_error"] = str(exc)
        return out
    out["mutual_info"] = mi.mi.tolist()
    out["aas"] = metrics.aas(mi.mi) if mi.mi.sum() > 0 else float("nan")
    out["mig"] = metrics.mig(mi.mi, mi.factor_entropy) if mi.mi.shape[0] >= 2 else float("nan")
    return out
