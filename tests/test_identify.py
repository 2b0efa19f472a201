"""seamlib.theory.identify: axis alignment of phi = g^-1 o d (Thm. 6.5), S matching (Cor. D.1),
Gauss-Hermite marginal likelihood (Remark 6.2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from seamlib.config import get_profile
from seamlib.metrics import mcc
from seamlib.theory import generators, identify

F64 = torch.float64


def _z(n: int = 64, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 2, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _rot(t: float) -> torch.Tensor:
    return torch.tensor([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]], dtype=F64)


@pytest.mark.parametrize("degrees", [0, 10, 30, 45, 60, 90])
def test_rotation_scores_max_abs_cos_sin(degrees: int) -> None:
    g, z, t = generators.c1c2(seed=0), _z(), math.radians(degrees)
    al = identify.latent_axis_alignment(g, z, identify.rotate_latents(g, t), z @ _rot(t))
    expected = max(abs(math.cos(t)), abs(math.sin(t)))
    assert al.score == pytest.approx(expected, abs=1e-10)
    assert torch.allclose(al.jphi, _rot(t).expand(len(z), 2, 2), atol=1e-10)


@pytest.mark.parametrize("profile", ["smoke", "laptop", "paper"])
def test_a_rotated_model_fails_every_profile_bar(profile: str) -> None:
    """The Thm. 6.5 checks of the identifiability chapter must fail for a 45-degree rotation."""
    cfg = get_profile(profile).identifiability
    g, z = generators.c1c2(seed=0), _z(500, seed=2)
    t = math.pi / 4
    y = z @ _rot(t)  # posterior means of the rotated model: y = R^T z
    al = identify.latent_axis_alignment(g, z, identify.rotate_latents(g, t), y)
    assert al.score < cfg.axis_bar
    assert mcc(y.numpy(), z.numpy()) < cfg.mcc_bar
    # and the identified model (a signed permutation of the truth) passes them
    flip = torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=F64)  # a signed permutation
    al_id = identify.latent_axis_alignment(g, z, lambda u: g(u @ flip.T), z @ flip)
    assert al_id.score > cfg.axis_bar
    assert mcc((z @ flip).numpy(), z.numpy()) > cfg.mcc_bar
    assert min(cfg.axis_bar, cfg.mcc_bar, cfg.bss_bar) > identify.ROTATION_FLOOR


def test_axis_aligned_diffeomorphism_scores_one() -> None:
    """Cor. 6.7: phi may be any axis-aligned diffeomorphism, not only a signed permutation."""
    g, z = generators.c1c2(), _z()

    def psi(y: torch.Tensor) -> torch.Tensor:  # phi: model latent 0 -> true 1, 1 -> true 0
        return torch.stack([torch.sinh(y[:, 1]), -(y[:, 0] ** 3) - y[:, 0]], -1)

    y0 = torch.zeros_like(z[:, 1])
    for _ in range(100):  # Newton: -(y0^3 + y0) = z_1
        y0 = y0 - (y0**3 + y0 + z[:, 1]) / (3 * y0**2 + 1)
    y = torch.stack([y0, torch.asinh(z[:, 0])], -1)
    assert torch.allclose(psi(y), z, atol=1e-10)
    al = identify.latent_axis_alignment(g, z, lambda yy: g(psi(yy)), y)
    assert al.score == pytest.approx(1.0, abs=1e-10)
    assert al.perm.tolist() == [1, 0]


def test_singular_value_mismatch_is_zero_for_rotation_but_not_for_scaling() -> None:
    g, z = generators.c1c2(seed=1), _z()
    t = 0.7
    rot = identify.singular_value_mismatch(g, z, identify.rotate_latents(g, t), z @ _rot(t))
    assert rot.abs().max().item() < 1e-12  # S cannot tell a rotation apart (U neither)
    scaled = identify.singular_value_mismatch(g, z, lambda y: g(y * 0.5), 2 * z)
    assert torch.allclose(scaled, torch.full_like(scaled, 0.5), atol=1e-12)


def test_linear_gaussian_log_marginal_matches_closed_form_and_remark_6_2() -> None:
    W = torch.tensor([[1.2, 0.3], [0.2, 0.9], [-0.4, 0.5]], dtype=F64)
    x = torch.randn(5, 3, dtype=F64, generator=torch.Generator().manual_seed(3))
    cov = W @ W.T + 0.8 * torch.eye(3, dtype=F64)
    exact = torch.distributions.MultivariateNormal(torch.zeros(3, dtype=F64), cov).log_prob(x)
    quad = identify.linear_gaussian_log_marginal(W, 0.8, x)
    assert torch.allclose(quad, exact, atol=1e-9)
    quad_rot = identify.linear_gaussian_log_marginal(W @ _rot(0.6), 0.8, x)
    assert torch.allclose(quad_rot, quad, atol=1e-9)
    U, S, Vh = torch.linalg.svd(W, full_matrices=False)
    other_s = identify.linear_gaussian_log_marginal(U @ torch.diag(S.flip(0)) @ Vh, 0.8, x)
    assert (other_s - quad).abs().max().item() > 1e-2


def test_bad_inputs() -> None:
    g = generators.c1c2()
    with pytest.raises(ValueError, match="matched points"):
        identify.latent_axis_alignment(g, _z(4), g, _z(5))
    with pytest.raises(ValueError, match="sigma2"):
        identify.linear_gaussian_log_marginal(torch.eye(2, dtype=F64), 0.0, _z(2))
    with pytest.raises(ValueError, match="2-D latents"):
        identify.rotate_latents(lambda z: z, 0.1)(torch.zeros(2, 3, dtype=F64))
    assert np.isclose(identify.ROTATION_FLOOR, 0.7071067811865476)
