"""Model evaluation shared by the experiments' summaries.

Each data set's summary of a trained run encodes held-out images (:func:`encode_dataset`),
evaluates the two terms of Eq. 6 for the trained VAE (:func:`model_eq6_terms`,
:func:`eq6_fields`), stores a few images compactly in JSON (:func:`encode_images`) and
builds the untrained model of a run as its negative control (:func:`untrained_model`); the
chapters aggregate over seeds (:func:`group_stats`) and compare posteriors
(:func:`welch_less`). Collecting the summaries into stored results files is the pipeline's
(:mod:`seamlib.experiments.pipeline`).
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor

from seamlib.engine.config import TrainConfig, resolve_device
from seamlib.engine.models import VAE, build_model
from seamlib.metrics.offdiag import off_diagonal_active, off_diagonal_per_matrix
from seamlib.theory.eq6 import point_terms

__all__ = [
    "CONTROL_SEED",
    "EVAL_SEED",
    "untrained_model",
    "welch_less",
    "model_eq6_terms",
    "encode_dataset",
    "traversal_latents",
    "encode_images",
    "decode_images",
    "eq6_fields",
    "field",
    "group_stats",
    "config_value",
]

#: Seed of the held-out evaluation images (the same images for every run of an experiment).
EVAL_SEED = 20_251_125


def model_eq6_terms(
    model: Any,
    x: Tensor,
    *,
    generator: torch.Generator | None = None,
    at: str = "sample",
    per_point: bool = False,
) -> tuple[Tensor, Tensor]:
    """The two terms of Eq. 6 of a trained VAE, ``-d^2 log p(x|z) / dz^2 = A - B``.

    :func:`seamlib.theory.eq6.point_terms` for the model's own likelihood (``model.likelihood``,
    its mean link ``model.mean`` and variance ``model.sigma2``): for a Gaussian likelihood with
    mean ``mu`` (the decoder output or its sigmoid) ``A = J_mu^T J_mu / s2`` and
    ``B = sum_k (x - mu)_k H[mu_k] / s2`` (Eq. 6 / Eq. 9); for the Bernoulli likelihood
    ``A = J_eta^T diag(p (1 - p)) J_eta`` and ``B = sum_k (x - p)_k H[eta_k]`` with the logits
    ``eta`` (exactly zero for a ReLU decoder).

    Parameters
    ----------
    model
        A :class:`seamlib.engine.models.VAE`.
    x : Tensor, shape (n, *data_shape)
    generator
        For the posterior samples.
    at
        ``"sample"`` (one ``z ~ q(z|x)`` per point: the expectation of Eq. 6) or ``"mean"``.
    per_point
        Return each point's terms instead of their batch means.

    Returns
    -------
    A, B : Tensor, shape (d, d) each (batch means), or (n, d, d) with ``per_point``; float64
        on the CPU.

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments.common import model_eq6_terms
    >>> from seamlib.engine.models import VAE, mlp
    >>> _ = torch.manual_seed(0)
    >>> vae = VAE(mlp([6, 4]), mlp([2, 8, 6]), latent_dim=2, likelihood="bernoulli")
    >>> A, B = model_eq6_terms(vae, torch.rand(4, 6).round(), at="mean")
    >>> tuple(A.shape), tuple(B.shape)
    ((2, 2), (2, 2))
    """
    if at not in ("sample", "mean"):
        raise ValueError(f"at must be 'sample' or 'mean', got {at!r}.")
    dev = next(model.parameters()).device
    x = x.to(dev, torch.float32)
    with torch.no_grad():
        q = model.encode(x)
        z = q.rsample(generator) if at == "sample" else q.mean
    a, b = point_terms(model.decode, x, z.detach(), likelihood=model.likelihood, mean=model.mean)
    if not per_point:
        a, b = a.mean(0), b.mean(0)
    if model.likelihood == "gaussian":  # after the mean, in the order the stored runs used
        a, b = a / model.sigma2, b / model.sigma2
    return a.detach().double().cpu(), b.detach().double().cpu()


@torch.no_grad()
def encode_dataset(model: Any, x: Tensor, batch: int = 256) -> tuple[Tensor, Tensor, Tensor]:
    """Posterior means, ``-log p(x | mean)`` and per-pixel squared error of reconstructions.

    Parameters
    ----------
    model
        A :class:`seamlib.engine.models.VAE`.
    x : Tensor, shape (n, *data_shape)
    batch : int
        Images encoded at once.

    Returns
    -------
    means : Tensor, shape (n, d)
    nll, mse : Tensors, shape (n,)

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments.common import encode_dataset
    >>> from seamlib.engine.models import VAE, mlp
    >>> vae = VAE(mlp([6, 4]), mlp([2, 8, 6]), latent_dim=2, likelihood="bernoulli")
    >>> means, nll, mse = encode_dataset(vae, torch.rand(5, 6))
    >>> tuple(means.shape), tuple(nll.shape)
    ((5, 2), (5,))
    """
    dev = next(model.parameters()).device
    means, nll, mse = [], [], []
    for i in range(0, x.shape[0], batch):
        xb = x[i : i + batch].to(dev)
        mu = model.encode(xb).mean
        out = model.decode(mu)
        means.append(mu.cpu())
        nll.append(model.neg_log_likelihood(xb, out).cpu())
        mse.append((model.mean_of(out) - xb).pow(2).flatten(1).mean(1).cpu())
    return torch.cat(means), torch.cat(nll), torch.cat(mse)


def traversal_latents(mu: Tensor, order: Sequence[int], values: Tensor) -> Tensor:
    """Latent traversals: ``mu`` repeated, latent ``order[r]`` set to each of ``values``.

    Parameters
    ----------
    mu : Tensor, shape (d,)
    order : sequence of int
        The latents to traverse, one row each.
    values : Tensor, shape (k,)

    Returns
    -------
    Tensor, shape (len(order) * k, d)
        Row ``r * k + i`` is ``mu`` with latent ``order[r]`` set to ``values[i]``.

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments.common import traversal_latents
    >>> traversal_latents(torch.zeros(2), [1], torch.tensor([-1.0, 1.0])).tolist()
    [[0.0, -1.0], [0.0, 1.0]]
    """
    k = values.shape[0]
    z = mu.repeat(len(order) * k, 1)
    for row, j in enumerate(order):
        z[row * k : (row + 1) * k, int(j)] = values
    return z


def encode_images(images: np.ndarray | Tensor, levels: int = 15) -> dict[str, Any]:
    """Store images with values in [0, 1] as zlib-compressed integers (JSON-ready).

    Values are rounded to ``levels + 1`` grey levels (default 16: enough for figures, and
    about 5x smaller after compression than 8-bit).

    Parameters
    ----------
    images : array, any shape, values in [0, 1]
    levels : int
        Largest stored integer, 1 to 255.

    Returns
    -------
    dict
        ``{"shape": [...], "levels": int, "zlib_b64": str}``; :func:`decode_images` inverts
        it up to the rounding (error at most ``1 / (2 levels)``).

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.experiments.common import encode_images
    >>> stored = encode_images(np.full((2, 3, 3), 0.5))
    >>> stored["shape"], stored["levels"]
    ([2, 3, 3], 15)
    """
    if not 1 <= int(levels) <= 255:
        raise ValueError(f"levels must be between 1 and 255, got {levels}.")
    arr = np.asarray(images.detach().cpu() if isinstance(images, Tensor) else images, float)
    if not np.all(np.isfinite(arr)) or arr.min(initial=0) < 0 or arr.max(initial=0) > 1:
        raise ValueError("images must be finite with values in [0, 1]; clamp them first.")
    q = np.round(arr * int(levels)).astype(np.uint8)
    blob = base64.b64encode(zlib.compress(q.tobytes(), 9)).decode("ascii")
    return {"shape": list(q.shape), "levels": int(levels), "zlib_b64": blob}


def decode_images(stored: Mapping[str, Any]) -> np.ndarray:
    """Inverse of :func:`encode_images`: float array in [0, 1] of the stored shape.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.experiments.common import decode_images, encode_images
    >>> decode_images(encode_images(np.ones((2, 3)))).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    try:
        raw = zlib.decompress(base64.b64decode(stored["zlib_b64"]))
        shape = tuple(int(s) for s in stored["shape"])
        levels = int(stored.get("levels", 255))
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        raise ValueError(f"not an encoded image block ({exc}).") from exc
    arr = np.frombuffer(raw, dtype=np.uint8)
    if arr.size != math.prod(shape):
        raise ValueError(
            f"stored images hold {arr.size} values; shape {shape} needs {math.prod(shape)}."
        )
    return arr.reshape(shape).astype(float) / levels


def eq6_fields(
    a: Tensor,
    b: Tensor,
    active: np.ndarray,
    *,
    a_points: Tensor | None = None,
    b_points: Tensor | None = None,
) -> dict[str, Any]:
    """The fields of a run summary that hold the Eq. 6 terms (:func:`model_eq6_terms`).

    ``jac_term`` and ``hess_term`` (the two ``d x d`` batch means) and ``jac_offdiag`` and
    ``hess_offdiag``, their normalised off-diagonal over the ``active`` latents
    (:func:`seamlib.metrics.off_diagonal_active`; None where a diagonal entry is zero, as for the
    exactly zero Hessian term of a ReLU decoder with a Bernoulli likelihood).

    With the per-point terms ``a_points``, ``b_points`` (n, d, d) also
    ``jac_offdiag_per_point`` and ``hess_offdiag_per_point`` (the mean over points of each
    point's normalised off-diagonal over the active latents, points with a zero diagonal entry
    left out; a batch mean lets entries of opposite sign cancel, these cannot; the Hessian
    term is indefinite, so its measure is not bounded by 1 as a Gram matrix's is), and the size
    of the Hessian term relative to the Jacobian term over the active latents:
    ``hess_to_jac`` (``||mean B||_F / ||mean A||_F``) and ``hess_to_jac_per_point`` (the mean
    over points of ``||B_i||_F / ||A_i||_F``), 0 when the Hessian term vanishes.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from seamlib.experiments.common import eq6_fields
    >>> fields = eq6_fields(torch.eye(2), torch.ones(2, 2), np.array([True, True]))
    >>> fields["jac_offdiag"], fields["hess_offdiag"]
    (0.0, 1.0)
    >>> pts = torch.eye(2).expand(3, 2, 2)
    >>> fields = eq6_fields(torch.eye(2), torch.zeros(2, 2), np.array([True, True]),
    ...                     a_points=pts, b_points=0 * pts)
    >>> fields["jac_offdiag_per_point"], fields["hess_to_jac"], fields["hess_offdiag_per_point"]
    (0.0, 0.0, nan)
    """
    out: dict[str, Any] = {
        "jac_term": a.tolist(),
        "hess_term": b.tolist(),
        "jac_offdiag": off_diagonal_active(a.numpy(), active),
        "hess_offdiag": off_diagonal_active(b.numpy(), active),
    }
    if a_points is None or b_points is None:
        return out
    idx = torch.as_tensor(np.flatnonzero(np.asarray(active, dtype=bool)))
    A = a_points.detach().double().cpu()[:, idx][:, :, idx]
    B = b_points.detach().double().cpu()[:, idx][:, :, idx]
    out["jac_offdiag_per_point"] = _off_diagonal_per_point(A)
    out["hess_offdiag_per_point"] = _off_diagonal_per_point(B)
    norm_a = torch.linalg.matrix_norm(A)
    out["hess_to_jac"] = float(torch.linalg.norm(B.mean(0)) / torch.linalg.norm(A.mean(0)))
    out["hess_to_jac_per_point"] = float((torch.linalg.matrix_norm(B) / norm_a).mean())
    return out


def _off_diagonal_per_point(M: Tensor) -> float:
    """Mean normalised off-diagonal of the matrices ``M`` (n, k, k) with no zero diagonal
    entry (NaN when ``k < 2`` or no matrix qualifies)."""
    if M.shape[-1] < 2:
        return float("nan")
    keep = (torch.diagonal(M, dim1=-2, dim2=-1).abs() > 0).all(-1)
    if not bool(keep.any()):
        return float("nan")
    return float(off_diagonal_per_matrix(M[keep]).mean())


def _num(v: Any) -> float:
    return float("nan") if v is None else float(v)


def field(row: Mapping[str, Any], key: str) -> float:
    """A numeric summary field; a dotted ``key`` reaches into a nested one
    (``"top_k.jac_offdiag"``); NaN when missing or None.

    Examples
    --------
    >>> from seamlib.experiments.common import field
    >>> field({"a": {"b": 2}}, "a.b"), field({"a": None}, "a")
    (2.0, nan)
    """
    value: Any = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return _num(value)


def config_value(runs: Iterable[Mapping[str, Any]], key: str) -> Any:
    """The one value that the config field ``key`` takes across ``runs``.

    Raises
    ------
    ValueError
        The runs disagree (the message lists the values), or there are no runs.

    Examples
    --------
    >>> from seamlib.experiments.common import config_value
    >>> config_value([{"config": {"steps": 50}}, {"config": {"steps": 50}}], "steps")
    50
    """
    values = {json.dumps(r["config"].get(key), sort_keys=True) for r in runs}
    if len(values) != 1:
        raise ValueError(
            f"Expected the runs to share one value of {key!r}, found {sorted(values) or 'no runs'}."
        )
    return json.loads(next(iter(values)))


def group_stats(
    rows: Iterable[Mapping[str, Any]], key: str, by: Sequence[str] = ("posterior", "beta")
) -> dict[tuple[Any, ...], dict[str, float]]:
    """Mean, standard deviation (ddof = 1, 0 for one run) and count of ``key`` per group.

    ``by`` names fields of each row's ``config`` (or of the row itself, e.g. ``"variant"``);
    ``key`` may be dotted (:func:`field`).
    NaN values (e.g. an off-diagonal with fewer than two active latents) are left out.

    Examples
    --------
    >>> from seamlib.experiments.common import group_stats
    >>> rows = [{"config": {"posterior": "diag", "beta": 1.0}, "mig": v} for v in (0.2, 0.4)]
    >>> s = group_stats(rows, "mig")[("diag", 1.0)]
    >>> round(s["mean"], 3), s["n"]
    (0.3, 2)
    """
    groups: dict[tuple[Any, ...], list[float]] = {}
    for r in rows:
        g = tuple(r["config"][b] if b in r["config"] else r.get(b) for b in by)
        groups.setdefault(g, []).append(field(r, key))
    out = {}
    for g, vals in sorted(groups.items(), key=lambda kv: tuple(str(v) for v in kv[0])):
        arr = np.asarray([v for v in vals if math.isfinite(v)])
        out[g] = {
            "mean": float(arr.mean()) if arr.size else float("nan"),
            "std": float(arr.std(ddof=1)) if arr.size > 1 else 0.0,
            "n": int(arr.size),
        }
    return out


CONTROL_SEED = 1_000
"""Untrained controls are initialised from ``CONTROL_SEED * (seed + 1) + i`` (``i``: the
grid point's or run's index), apart from every training seed."""


def untrained_model(
    config: Mapping[str, Any],
    data_shape: Sequence[int],
    init_seed: int,
    device: str | None = "cpu",
) -> VAE:
    """The untrained model of a run's ``config``: the negative control of checks on it.

    The same architecture, posterior and likelihood as the run, initialised as a training
    run is at step 0 (``torch.manual_seed(init_seed)``, then the model), without touching
    the caller's random state; in evaluation mode on ``device``.

    Examples
    --------
    >>> import torch
    >>> from seamlib.experiments.common import untrained_model
    >>> cfg = {"dataset": "lfw", "architecture": "mlp", "hidden": [8], "latent_dim": 2,
    ...        "posterior": "full", "likelihood": "gaussian"}
    >>> a, b = untrained_model(cfg, (1, 5, 5), 3), untrained_model(cfg, (1, 5, 5), 3)
    >>> a.posterior, all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    ('full', True)
    """
    tc = TrainConfig.from_dict(dict(config))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(init_seed))
        model = build_model(tc.model_config(tuple(int(n) for n in data_shape)))
    return model.to(resolve_device(device)).eval()


def welch_less(low: Mapping[str, float], high: Mapping[str, float]) -> float:
    """One-sided Welch t-test of 'mean of ``low`` < mean of ``high``' from summaries
    ``{"mean", "std", "n"}`` (as :func:`group_stats` gives).

    Examples
    --------
    >>> from seamlib.experiments.common import welch_less
    >>> a, b = {"mean": 0.1, "std": 0.05, "n": 5}, {"mean": 0.5, "std": 0.05, "n": 5}
    >>> welch_less(a, b) < 0.001, welch_less(b, a) > 0.999
    (True, True)
    """
    from scipy import stats

    res = stats.ttest_ind_from_stats(
        low["mean"],
        low["std"],
        low["n"],
        high["mean"],
        high["std"],
        high["n"],
        equal_var=False,
        alternative="less",
    )
    return float(res.pvalue)
