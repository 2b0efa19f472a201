"""The two terms of Eq. 6 for every likelihood of the engine (seamlib.theory.eq6.point_terms):
A - B is -d^2 log p(x|z) / dz^2 as autograd differentiates it, and B vanishes exactly where
the second derivatives do (a ReLU decoder's logits or identity mean)."""

from __future__ import annotations

import pytest
import torch
from torch.func import hessian, vmap

from seamlib.engine.models import VAE, mlp
from seamlib.theory.eq6 import batch_terms, point_terms

CASES = [("bernoulli", "identity"), ("gaussian", "identity"), ("gaussian", "sigmoid")]


def _vae(likelihood: str, mean: str, act: type[torch.nn.Module], sigma2: float = 0.7) -> VAE:
    torch.manual_seed(0)
    d, m = 3, 7
    dec = mlp([d, 16, 16, m], activation=act)
    vae = VAE(mlp([m, 2 * d]), dec, d, likelihood=likelihood, sigma2=sigma2, mean=mean)  # type: ignore[arg-type]
    return vae.double()


def _data(likelihood: str, n: int = 6, m: int = 7) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    x = torch.rand(n, m, generator=g, dtype=torch.float64)
    if likelihood == "bernoulli":
        x = (x > 0.5).double()
    z = torch.randn(n, 3, generator=g, dtype=torch.float64)
    return x, z


def _neg_loglik_hessian(vae: VAE, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """-nabla_z^2 log p(x|z) per point by torch.func.hessian of the engine's own loss."""

    def nll(z1: torch.Tensor, x1: torch.Tensor) -> torch.Tensor:
        return vae.neg_log_likelihood(x1.unsqueeze(0), vae.decode(z1.unsqueeze(0))).sum()

    return vmap(hessian(nll))(z, x)


@pytest.mark.parametrize(("likelihood", "mean"), CASES)
@pytest.mark.parametrize("act", [torch.nn.Tanh, torch.nn.Softplus])
def test_terms_sum_to_the_log_likelihood_hessian_on_a_smooth_decoder(likelihood, mean, act):
    vae = _vae(likelihood, mean, act)
    x, z = _data(likelihood)
    A, B = point_terms(vae.decode, x, z, likelihood=likelihood, mean=mean, sigma2=vae.sigma2)
    assert A.shape == B.shape == (6, 3, 3)
    expected = _neg_loglik_hessian(vae, x, z)
    torch.testing.assert_close(A - B, expected, rtol=1e-6, atol=1e-9)
    assert float(B.detach().abs().max()) > 1e-4 * float(A.detach().abs().max())  # curved: a B
    torch.testing.assert_close(A, A.transpose(-1, -2))
    torch.testing.assert_close(B, B.transpose(-1, -2))
    a_bar, b_bar = batch_terms(vae.decode, x, z, likelihood=likelihood, mean=mean, sigma2=0.7)
    torch.testing.assert_close(a_bar, A.mean(0))
    torch.testing.assert_close(b_bar, B.mean(0))


@pytest.mark.parametrize(("likelihood", "mean"), CASES)
def test_relu_decoder(likelihood, mean):
    vae = _vae(likelihood, mean, torch.nn.ReLU)
    x, z = _data(likelihood)
    A, B = point_terms(vae.decode, x, z, likelihood=likelihood, mean=mean, sigma2=vae.sigma2)
    torch.testing.assert_close(A - B, _neg_loglik_hessian(vae, x, z), rtol=1e-6, atol=1e-9)
    if mean == "identity":  # logits / mean piecewise linear in z: no second derivatives
        assert torch.equal(B, torch.zeros_like(B))
        return
    # sigmoid mean over ReLU logits: H[mu_k] = sigmoid''(eta_k) grad eta_k grad eta_k^T
    with torch.no_grad():
        eta = vae.decode(z)
    J = vmap(torch.func.jacrev(lambda z1: vae.decode(z1.unsqueeze(0))[0]))(z)  # (n, m, d)
    p = torch.sigmoid(eta)
    s2 = p * (1 - p) * (1 - 2 * p)  # sigmoid''
    chain = torch.einsum("nmi,nm,nmj->nij", J, (x - p) * s2, J) / vae.sigma2
    torch.testing.assert_close(B, chain, rtol=1e-9, atol=1e-12)
    assert float(B.detach().abs().max()) > 0


def test_gaussian_terms_scale_with_the_variance():
    vae = _vae("gaussian", "sigmoid", torch.nn.Tanh)
    x, z = _data("gaussian")
    A1, B1 = point_terms(vae.decode, x, z, mean="sigmoid", sigma2=1.0)
    A4, B4 = point_terms(vae.decode, x, z, mean="sigmoid", sigma2=4.0)
    torch.testing.assert_close(A1, 4 * A4)
    torch.testing.assert_close(B1, 4 * B4)


def test_bad_arguments_say_what_to_pass():
    vae = _vae("gaussian", "identity", torch.nn.Tanh)
    x, z = _data("gaussian")
    with pytest.raises(ValueError, match="pass mean='identity'"):
        point_terms(vae.decode, x, z, likelihood="bernoulli", mean="sigmoid")
    with pytest.raises(ValueError, match="mean must be"):
        point_terms(vae.decode, x, z, mean="exp")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="likelihood must be"):
        point_terms(vae.decode, x, z, likelihood="poisson")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sigma2 must be"):
        point_terms(vae.decode, x, z, sigma2=0.0)
