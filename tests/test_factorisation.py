"""seamlib.theory.factorisation: D1 diagnostics (Thm. 5.2), App. A Eqs. 11-13 (Lemma 4.1),
Lemma 5.1."""

from __future__ import annotations

import math

import pytest
import torch

from seamlib.theory import factorisation as fz
from seamlib.theory import generators
from seamlib.theory.identify import rotate_latents
from seamlib.theory.scores import singular_value_jacobian

F64 = torch.float64


def _z(n: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 2, dtype=F64, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("angle", [math.pi / 2, math.pi / 3, math.pi / 6])
def test_hadamard_gap_is_minus_log_sine_of_the_column_angle(angle: float) -> None:
    W = torch.tensor(
        [[2.0, 3 * math.cos(angle)], [0.0, 3 * math.sin(angle)], [0.0, 0.0]], dtype=F64
    )
    gap = fz.hadamard_gap(W.unsqueeze(0))
    assert gap.item() == pytest.approx(-math.log(math.sin(angle)), abs=1e-12)


def test_factor_cross_dependence_known_values() -> None:
    z = _z()
    for lam in (0.0, 0.2, 0.5):
        dep = fz.factor_cross_dependence(generators.c1_only(lam=lam), z)
        assert torch.allclose(dep, torch.full_like(dep, lam), atol=1e-12)
    assert fz.factor_cross_dependence(generators.c1c2(seed=2), z).abs().max().item() < 1e-12


def test_eq_12_directed_hessians_equal_seam_basis_jacobian_derivative() -> None:
    z = _z(8)
    for g in (generators.neither(seed=1), generators.c1_only(), generators.c1c2(seed=0)):
        M = fz.tangent_directed_hessians(g, z)  # [b, i, p, q]
        A = fz.jacobian_derivative_in_seam_basis(g, z)  # [b, p, i, q]
        assert torch.allclose(M, A.permute(0, 2, 1, 3), atol=1e-10)


def test_eq_13_diagonal_is_ds_and_scaled_off_diagonal_is_skew_under_c1() -> None:
    g, z = generators.c1_only(), _z(8)  # C1 with V = I (s^1 belongs to z_1), C2 fails
    A = fz.jacobian_derivative_in_seam_basis(g, z)  # [b, p, i, q]
    dS = singular_value_jacobian(g, z)  # [b, i, p]
    assert torch.allclose(torch.diagonal(A, dim1=-2, dim2=-1), dS.transpose(-1, -2), atol=1e-10)
    s = torch.linalg.svdvals(g.jacobian(z))  # (b, d)
    omega = A / s[:, None, None, :]  # Omega_p = (A_p - dS_p) S^-1, off-diagonal part
    off = omega - torch.diag_embed(torch.diagonal(omega, dim1=-2, dim2=-1))
    assert torch.allclose(off, -off.transpose(-1, -2), atol=1e-10)
    assert off.abs().max().item() > 0.05  # the seam frame rotates: Omega_2 != 0 (no C2)


def test_p1_violation_is_zero_exactly_with_c1_and_c2() -> None:
    z = _z(16)
    assert fz.p1_violation(generators.c1c2(seed=0), z).max().item() < 1e-12
    assert fz.p1_violation(generators.c1_only(lam=0.0), z).max().item() < 1e-12  # cylinder
    assert fz.p1_violation(generators.c1_only(lam=0.3), z).min().item() > 1e-3  # no C2
    rotated = rotate_latents(generators.c1c2(), 0.3)  # no C1
    assert fz.p1_violation(rotated, z).min().item() > 1e-3


def test_push_forward_density_1d_of_a_nonlinear_map() -> None:
    """u = sinh(t) pushes N(0, 1) to density N(asinh u) / cosh(asinh u)."""
    t = torch.linspace(-4, 4, 4001, dtype=F64)
    samples = torch.randn(400_000, generator=torch.Generator().manual_seed(1), dtype=F64)
    at = torch.tensor([-1.0, 0.0, 0.5, 2.0], dtype=F64)
    est, se = fz.push_forward_density_1d(t, torch.sinh(t), samples, at, 0.03)
    a = torch.asinh(at)
    pred = torch.exp(-0.5 * a**2) / math.sqrt(2 * math.pi) / torch.cosh(a)
    assert ((est - pred).abs() / se).max().item() < 4


def test_image_area_factor_is_the_product_of_singular_values() -> None:
    z = _z(8)
    for g in (generators.c1c2(seed=1), generators.c1_only(), generators.neither(seed=1)):
        prod_s = torch.linalg.svdvals(g.jacobian(z)).prod(-1)
        rel = (fz.image_area_factor(g, z) - prod_s).abs() / prod_s
        assert rel.max().item() < 1e-5


def test_bad_inputs() -> None:
    t = torch.linspace(-1, 1, 5, dtype=F64)
    with pytest.raises(ValueError, match="monotone"):
        fz.push_forward_density_1d(t**2, t, t, t[:1], 0.1)
    with pytest.raises(ValueError, match="shape \\(n, d\\)"):
        fz.factor_cross_dependence(generators.c1c2(), torch.zeros(2, dtype=F64))
    with pytest.raises(ValueError, match="m >= d"):
        fz.hadamard_gap(torch.zeros(1, 1, 2, dtype=F64))
