"""Tests of seamlib.engine.models: posteriors, closed-form KL, architectures, the config builder."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.distributions import MultivariateNormal, Normal, kl_divergence

from seamlib.engine.models import (
    ARCHITECTURES,
    ROLINEK_TABLE_S3,
    VAE,
    ModelConfig,
    build_model,
    mlp,
    n_posterior_params,
    params_to_posterior,
    rolinek_decoder,
    rolinek_encoder,
)
from seamlib.errors import ConfigError
from seamlib.theory.posterior import kl_standard_normal


def test_n_posterior_params():
    assert n_posterior_params(4, "diag") == 8
    assert n_posterior_params(4, "full") == 4 + 10
    with pytest.raises(ValueError, match="posterior"):
        n_posterior_params(4, "tril")  # type: ignore[arg-type]


def test_full_posterior_cholesky_factor_and_kl_match_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    d, n = 4, 16
    params = torch.randn(n, n_posterior_params(d, "full"), generator=gen, dtype=torch.float64)
    q = params_to_posterior(params, d, "full")
    L = q.scale_tril
    assert torch.equal(L, torch.tril(L))
    assert (torch.diagonal(L, dim1=-2, dim2=-1) > 0).all()
    prior = MultivariateNormal(
        torch.zeros(d, dtype=torch.float64), torch.eye(d, dtype=torch.float64)
    )
    ref = kl_divergence(MultivariateNormal(q.mean, scale_tril=L), prior)
    torch.testing.assert_close(q.kl(), ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(q.covariance, L @ L.transpose(-1, -2))


def test_diag_posterior_kl_matches_torch_distributions():
    gen = torch.Generator().manual_seed(1)
    d = 3
    params = torch.randn(10, 2 * d, generator=gen, dtype=torch.float64)
    q = params_to_posterior(params, d, "diag")
    assert (
        torch.count_nonzero(q.scale_tril - torch.diag_embed(q.scale_tril.diagonal(0, -2, -1))) == 0
    )
    std = params[:, d:].exp()
    ref = kl_divergence(Normal(params[:, :d], std), Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(kl_standard_normal(q.mean, q.scale_tril), ref)


def test_reparameterised_samples_have_the_posterior_covariance():
    d = 3
    params = torch.tensor([[0.5, -1.0, 2.0, -0.3, 0.1, -0.5, 0.8, -0.4, 0.3]], dtype=torch.float64)
    q = params_to_posterior(params, d, "full")
    big = params_to_posterior(params.expand(200_000, -1), d, "full")
    z = big.rsample(torch.Generator().manual_seed(2))
    torch.testing.assert_close(z.mean(0), q.mean[0], atol=0.02, rtol=0)
    torch.testing.assert_close(torch.cov(z.T), q.covariance[0], atol=0.03, rtol=0.03)


def test_rolinek_table_s3_layers():
    enc = rolinek_encoder("dsprites", 4096, n_posterior_params(5, "diag"))
    lin = [m for m in enc if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in lin] == [
        (4096, 1200),
        (1200, 1200),
        (1200, 10),
    ]
    assert sum(isinstance(m, nn.ReLU) for m in enc) == 2
    assert all(m.bias is not None for m in lin)
    dec = rolinek_decoder("dsprites", 5, (1, 64, 64))
    lin = [m for m in dec if isinstance(m, nn.Linear)]
    assert [m.out_features for m in lin] == [1200, 1200, 1200, 4096]
    assert sum(isinstance(m, nn.Tanh) for m in dec) == 3
    assert dec(torch.zeros(2, 5)).shape == (2, 1, 64, 64)
    lin_enc = rolinek_encoder("synth-lin", 3, 4)
    assert [type(m) for m in lin_enc] == [nn.Flatten, nn.Linear]
    assert ROLINEK_TABLE_S3["synth-nonlin"]["enc"] == (60, 40, 20)
    with pytest.raises(ConfigError, match="Table S3"):
        rolinek_encoder("cifar", 3, 4)


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("posterior", ["diag", "full"])
def test_build_model_every_architecture(arch: str, posterior: str):
    shape = (1, 64, 64) if arch in ("burgess", "rolinek-dsprites") else (6,)
    likelihood = "bernoulli" if len(shape) == 3 else "gaussian"
    torch.manual_seed(0)
    vae = build_model(
        ModelConfig(
            arch, shape, latent_dim=3, posterior=posterior, likelihood=likelihood, hidden=(8,)
        )
    )
    x = torch.rand(2, *shape).round() if len(shape) == 3 else torch.randn(2, *shape)
    q = vae.encode(x)
    assert q.mean.shape == (2, 3) and q.scale_tril.shape == (2, 3, 3)
    assert vae.decode(q.mean).shape == (2, *shape)
    loss, parts = vae.loss(x, beta=2.0, generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(loss) and set(parts) == {"nll", "kl", "elbo"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(architecture="resnet"), "Unknown architecture"),
        (dict(posterior="tril"), "Unknown posterior"),
        (dict(likelihood="poisson"), "Unknown likelihood"),
        (dict(latent_dim=0), "latent dimension"),
        (dict(architecture="burgess", data_shape=(1, 32, 32)), "64x64"),
        (dict(sigma2=0.0), "sigma2"),
    ],
)
def test_model_config_bad_input(kwargs: dict, match: str):
    base = dict(architecture="mlp", data_shape=(5,), latent_dim=2)
    with pytest.raises(ConfigError, match=match):
        build_model(ModelConfig(**{**base, **kwargs}))


def test_vae_backward_compatible_constructor():
    torch.manual_seed(0)
    vae = VAE(mlp([5, 16, 4]), mlp([2, 16, 5]), latent_dim=2, posterior="diag")
    loss, parts = vae.loss(torch.randn(8, 5), beta=1.0)
    assert torch.isfinite(loss)
    assert vae.encode(torch.randn(3, 5)).covariance.shape == (3, 2, 2)
    with pytest.raises(ValueError):
        VAE(mlp([5, 4]), mlp([2, 5]), latent_dim=0)


def test_train_config_model_options_default_to_the_model_configs() -> None:
    """TrainConfig repeats ModelConfig's model options flat; their defaults must not drift."""
    import dataclasses

    from seamlib.engine.config import TrainConfig

    model = {f.name: f.default for f in dataclasses.fields(ModelConfig)}
    train = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    shared = set(model) & set(train) - {"architecture", "latent_dim"}
    assert shared >= {"posterior", "likelihood", "sigma2", "hidden", "activation", "mean"}
    assert {k: train[k] for k in shared} == {k: model[k] for k in shared}
