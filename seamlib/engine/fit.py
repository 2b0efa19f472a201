"""The small in-memory training loop the chapters use: :func:`fit`.

A tensor of data, a fixed number of Adam steps on :meth:`seamlib.engine.models.VAE.loss`
and an explicit seed; no run directory, no checkpoints. The engine behind the CLI, for long
runs, is :mod:`seamlib.engine.train`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from seamlib.engine.models import VAE
from seamlib.errors import TrainingError

__all__ = ["FitResult", "fit"]


@dataclass
class FitResult:
    """History of :func:`fit`: per-step loss and ELBO (batch estimates).

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine.models import ModelConfig, build_model
    >>> from seamlib.engine.fit import fit
    >>> model = build_model(ModelConfig("mlp", (2,), latent_dim=1, likelihood="gaussian"))
    >>> hist = fit(model, torch.linspace(-1, 1, 64).reshape(32, 2), steps=4, batch_size=8)
    >>> len(hist.loss), len(hist.elbo)
    (4, 4)
    """

    loss: list[float] = field(default_factory=list)
    elbo: list[float] = field(default_factory=list)


def fit(
    model: VAE,
    data: Tensor,
    *,
    steps: int,
    beta: float = 1.0,
    lr: float = 1e-3,
    batch_size: int = 128,
    seed: int = 0,
    log_every: int = 1,
) -> FitResult:
    """Train ``model`` on an in-memory tensor with Adam (in place).

    Parameters
    ----------
    model
        The VAE; trained on the device and dtype of its parameters (``data`` is moved there).
    data : Tensor, shape (n, ...)
    steps
        Number of Adam steps.
    beta
        KL weight of the beta-ELBO (> 0).
    lr, batch_size
        Adam learning rate and minibatch size (``batch_size <= n``).
    seed
        Seeds minibatch sampling and the reparameterisation noise (not the initialisation:
        seed the model's construction yourself, e.g. with ``torch.manual_seed``).
    log_every
        Record the loss every this many steps.

    Returns
    -------
    FitResult

    Raises
    ------
    ValueError
        Bad arguments (beta <= 0, steps < 1, batch larger than the data).
    TrainingError
        The loss became non-finite; the message names the step.

    Examples
    --------
    >>> import torch
    >>> from seamlib.engine.models import ModelConfig, build_model
    >>> from seamlib.engine.fit import fit
    >>> model = build_model(ModelConfig("mlp", (2,), latent_dim=1, likelihood="gaussian"))
    >>> hist = fit(model, torch.linspace(-1, 1, 64).reshape(32, 2), steps=3, batch_size=8)
    >>> len(hist.loss)
    3
    """
    if not beta > 0:
        raise ValueError(f"beta must be > 0, got {beta}.")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}.")
    n = data.shape[0]
    if not 1 <= batch_size <= n:
        raise ValueError(
            f"batch_size={batch_size} must be between 1 and the number of data points ({n})."
        )
    param = next(model.parameters())
    data = data.to(device=param.device, dtype=param.dtype)
    gen = torch.Generator(device=param.device).manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    hist = FitResult()
    model.train()
    for step in range(steps):
        idx = torch.randint(n, (batch_size,), generator=gen, device=param.device)
        loss, parts = model.loss(data[idx], beta=beta, generator=gen)
        if not math.isfinite(loss.item()):
            raise TrainingError(
                f"Non-finite loss at step {step}: lower the learning rate (lr={lr}) or check "
                "the data for NaN/inf."
            )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % log_every == 0:
            hist.loss.append(loss.item())
            hist.elbo.append(parts["elbo"].item())
    model.eval()
    return hist
