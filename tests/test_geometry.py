"""Tests of seamlib.theory's geometry: Jacobians, SVD convention and continuity, s.v. paths, seams,
C1/C2 scores and the Hessian term, on generators with known answers (float64)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.func import jacrev, vmap

from seamlib.align import signed_permutation_distance
from seamlib.metrics import mean_normalised_off_diagonal
from seamlib.metrics.mi import independence_test, ksg_mutual_information
from seamlib.theory import generators as gen
from seamlib.theory.eq6 import batch_terms
from seamlib.theory.jacobian import (
    SVD,
    continue_svd,
    hessian_term,
    jacobian,
    jacobian_and_value,
    jacobian_svd,
    log_volume,
    regular_gap,
)
from seamlib.theory.scores import (
    c1_score,
    c2_score,
    normalised_off_diagonal,
    singular_value_jacobian,
)
from seamlib.theory.seams import (
    axis_seam_coordinates,
    ball_density,
    log_pushforward_density,
    path_velocity,
    seam,
    sv_path,
)

F64 = torch.float64


def _z(d: int, n: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=F64)


def _mlp(d: int = 3, m: int = 5, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(d, 16), torch.nn.Tanh(), torch.nn.Linear(16, m)
    ).double()


# --- jacobian ------------------------------------------------------------------------------
def test_jacobian_matches_finite_differences_for_a_module() -> None:
    net = _mlp()
    z = _z(3, n=6)
    J = jacobian(net, z)
    eps = 1e-6
    with torch.no_grad():
        fd = torch.stack(
            [(net(z + eps * e) - net(z - eps * e)) / (2 * eps) for e in torch.eye(3, dtype=F64)],
            dim=-1,
        )
    assert J.shape == (6, 5, 3)
    assert (J - fd).abs().max().item() <= 1e-8


def test_jacobian_single_point_and_image_decoder() -> None:
    net = _mlp()
    z = _z(3, n=4)
    assert torch.allclose(jacobian(net, z[0]), jacobian(net, z)[0])
    img = torch.nn.Sequential(torch.nn.Linear(2, 12), torch.nn.Unflatten(1, (3, 4))).double()
    J, value = jacobian_and_value(img, _z(2, n=5))
    assert J.shape == (5, 12, 2) and value.shape == (5, 12)


def test_bad_latents_raise_clear_errors() -> None:
    g = gen.c1c2()
    with pytest.raises(ValueError, match=r"shape \(n, d\)"):
        jacobian(g, torch.zeros(2, 2, 2, dtype=F64))
    with pytest.raises(ValueError, match="floating"):
        jacobian(g, torch.zeros(2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="NaN"):
        jacobian(g, torch.tensor([[0.0, math.nan]], dtype=F64))
    with pytest.raises(ValueError, match="torch.Tensor"):
        jacobian(g, np.zeros((2, 2)))  # type: ignore[arg-type]


def test_decoder_returning_nan_raises() -> None:
    def bad(z: torch.Tensor) -> torch.Tensor:
        return torch.log(z - 10.0)  # NaN for z < 10

    with pytest.raises(ValueError, match="decoder's output contains NaN"):
        jacobian(bad, _z(2, n=3))
    with pytest.raises(ValueError, match="NaN"):
        hessian_term(bad, torch.zeros(3, 2, dtype=F64), _z(2, n=3))


def test_wide_jacobian_rejected() -> None:
    with pytest.raises(ValueError, match="immersion"):
        jacobian_svd(lambda z: z[:, :1], _z(2, n=2))


# --- SVD convention and continuation --------------------------------------------------------
def test_svd_convention_order_sign_and_reconstruction() -> None:
    g = gen.neither(3, 5, seed=1)
    z = _z(3, n=20)
    svd = jacobian_svd(g, z)
    J = g.jacobian(z)
    assert (svd.S[:, :-1] >= svd.S[:, 1:]).all()
    rec = svd.U @ torch.diag_embed(svd.S) @ svd.V.transpose(-1, -2)
    assert (rec - J).abs().max().item() <= 1e-12
    big = svd.V.abs().argmax(dim=1, keepdim=True)
    assert (torch.gather(svd.V, 1, big) > 0).all()
    assert (J @ svd.V - svd.U * svd.S.unsqueeze(1)).abs().max().item() <= 1e-12


def test_continue_svd_flips_to_reference() -> None:
    svd = jacobian_svd(gen.neither(seed=0), _z(2, n=4))
    flipped = SVD(-svd.U, svd.S, -svd.V)
    cont, overlap = continue_svd(svd.V, flipped)
    assert torch.allclose(cont.V, svd.V) and torch.allclose(cont.U, svd.U)
    assert torch.allclose(overlap, torch.ones_like(overlap))


def test_sign_continuity_along_a_path() -> None:
    # along a path of `neither` the convention-signed v^i may flip; the path's v may not
    g = gen.neither(seed=0)
    path = sv_path(g, _z(2, n=6, seed=3), 0, (-1.5, 1.5), n_steps=120, jacobian_fn=g.jacobian)
    ok = path.valid[1:] & path.valid[:-1]
    dots = (path.v[1:] * path.v[:-1]).sum(-1)
    assert dots[ok].min().item() > 0.99


def test_regular_gap() -> None:
    S = torch.tensor([[3.0, 2.0, 1.0], [2.0, 2.0, 1.0], [3.0, 1.0, 0.0]], dtype=F64)
    assert torch.allclose(regular_gap(S), torch.tensor([1 / 3, 0.0, 0.0], dtype=F64))


# --- s.v. paths and seams (Defs. D3, D4, Lemma C.1) -----------------------------------------
def test_sv_paths_of_c1_generators_are_axis_aligned() -> None:
    z0 = _z(2, n=3, seed=1)
    for g in (gen.c1c2(), gen.c1_only()):
        for i in range(2):
            path = sv_path(g, z0, i, (-1.0, 1.0), n_steps=40, jacobian_fn=g.jacobian)
            assert not path.left_regular_set.any()
            moved = path.z - z0.unsqueeze(0)
            other = 1 - i  # under C1 with decreasing s, v^0 = e_0 and v^1 = e_1 for these g
            assert moved[..., other].abs().max().item() <= 1e-12
            assert torch.allclose(moved[..., i].abs(), path.t.abs().view(-1, 1).expand(-1, 3))


def test_lemma_c1_seam_velocity_is_s_u() -> None:
    g = gen.neither(seed=0)
    path = sv_path(
        g, _z(2, n=4, seed=5), [0, 1, 0, 1], (-0.8, 0.8), n_steps=160, jacobian_fn=g.jacobian
    )
    s = seam(g, path)
    vel = path_velocity(path.t, s.x)[:, path.valid.all(0)]
    s_i = path.s.gather(-1, path.i.view(1, -1, 1).expand(path.s.shape[0], -1, 1))[..., 0]
    ref = (s_i.unsqueeze(-1) * path.u)[2:-2][:, path.valid.all(0)]
    cos = (vel * ref).sum(-1) / (vel.norm(dim=-1) * ref.norm(dim=-1))
    assert 1 - cos.min().item() <= 1e-8
    assert (vel.norm(dim=-1) - ref.norm(dim=-1)).abs().max().item() <= 1e-6
    # the seam coordinate is arc length (D4)
    arc = (s.x[1:] - s.x[:-1]).norm(dim=-1).sum(0)
    span = s.coordinate[-1] - s.coordinate[0]
    assert torch.allclose(arc[path.valid.all(0)], span[path.valid.all(0)], rtol=1e-4)


def test_autodiff_and_closed_form_paths_agree() -> None:
    g = gen.neither(seed=1)
    z0 = _z(2, n=2, seed=2)
    a = sv_path(g, z0, 1, (-0.3, 0.3), n_steps=6)
    b = sv_path(g, z0, 1, (-0.3, 0.3), n_steps=6, jacobian_fn=g.jacobian)
    assert (a.z - b.z).abs().max().item() <= 1e-12


def test_path_leaving_regular_set_is_reported() -> None:
    # equal singular values everywhere: J = 2 I (not regular)
    g = gen.linear(2 * np.eye(3)[:, :2])
    path = sv_path(g, _z(2, n=2), 0, (-1.0, 1.0), n_steps=10)
    assert path.left_regular_set.all()
    assert "left the regular set" in path.report()
    with pytest.raises(ValueError, match="left the regular set"):
        sv_path(g, _z(2, n=2), 0, (-1.0, 1.0), n_steps=10, on_exit="raise")


def test_sv_path_bad_arguments() -> None:
    g = gen.c1c2()
    with pytest.raises(ValueError, match="t_span"):
        sv_path(g, _z(2, n=1), 0, (0.5, 1.0))
    with pytest.raises(ValueError, match="singular-vector index"):
        sv_path(g, _z(2, n=1), 2, (-1.0, 1.0))


# --- scores ---------------------------------------------------------------------------------
def test_signed_permutation_distance_known_cases() -> None:
    P = torch.tensor([[[0.0, -1.0], [1.0, 0.0]]], dtype=F64)
    dist, perm = signed_permutation_distance(P)
    assert dist.item() == 0.0 and perm.tolist() == [[1, 0]]
    c, s = math.cos(math.pi / 4), math.sin(math.pi / 4)
    R = torch.tensor([[[c, -s], [s, c]]], dtype=F64)
    expected = math.sqrt(2 * (1 - c) ** 2 + 2 * s**2)
    assert abs(signed_permutation_distance(R)[0].item() - expected) <= 1e-12


def test_normalised_off_diagonal_matches_metrics_module() -> None:
    M = torch.randn(4, 3, 3, generator=torch.Generator().manual_seed(0), dtype=F64)
    ours = normalised_off_diagonal(M)
    for b in range(4):
        assert abs(ours[b].item() - mean_normalised_off_diagonal(M[b].numpy())) <= 1e-12
    assert normalised_off_diagonal(torch.eye(3, dtype=F64)).item() == 0.0


def test_c2_of_linear_map_is_zero_and_c1_depends_on_w() -> None:
    W = np.array([[1.0, 0.6], [0.2, 1.0], [0.5, -0.3]])
    g = gen.linear(W)
    z = _z(2, n=5)
    c2 = c2_score(g, z)
    assert c2.ds_dz.abs().max().item() <= 1e-12
    c1 = c1_score(g, z)
    cosine = abs(W[:, 0] @ W[:, 1]) / (np.linalg.norm(W[:, 0]) * np.linalg.norm(W[:, 1]))
    assert abs(c1.offdiag[0].item() - cosine) <= 1e-12


def test_singular_value_jacobian_matches_finite_differences() -> None:
    g = gen.neither(seed=2)
    z = _z(2, n=5, seed=4)
    dS = singular_value_jacobian(g, z)
    eps = 1e-6
    fd = torch.stack(
        [
            (
                torch.linalg.svdvals(g.jacobian(z + eps * e))
                - torch.linalg.svdvals(g.jacobian(z - eps * e))
            )
            / (2 * eps)
            for e in torch.eye(2, dtype=F64)
        ],
        dim=-1,
    )
    assert (dS - fd).abs().max().item() <= 1e-7


def test_c2_of_c1_only_permutes_rows_by_c1_assignment() -> None:
    g = gen.c1_only()
    c2 = c2_score(g, _z(2, n=8))
    # s^2 = w r(z_1): row of latent 1 depends only on z_0
    assert c2.ds_dz[:, 1, 1].abs().max().item() <= 1e-12
    assert (c2.ds_dz[:, 1, 0].abs() > 0).all()
    assert (c2.offdiag_fraction > 0.5).all()


# --- Hessian term ---------------------------------------------------------------------------
def _hessian_reference(f: torch.nn.Module, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    def single(z1: torch.Tensor) -> torch.Tensor:
        return f(z1.unsqueeze(0)).reshape(-1)

    H = vmap(jacrev(jacrev(single)))(z)  # (n, m, d, d)
    with torch.no_grad():
        r = x.reshape(x.shape[0], -1) - f(z).reshape(z.shape[0], -1)
    return torch.einsum("nl,nlij->nij", r, H)


def test_hessian_term_matches_nested_jacrev() -> None:
    net = _mlp(3, 7, seed=1)
    z = _z(3, n=9)
    x = torch.randn(9, 7, generator=torch.Generator().manual_seed(1), dtype=F64)
    H = hessian_term(net, x, z)
    assert H.shape == (9, 3, 3)
    assert (H - _hessian_reference(net, x, z)).abs().max().item() <= 1e-12
    assert (H - H.transpose(-1, -2)).abs().max().item() <= 1e-12


def test_hessian_term_zero_for_linear_and_at_x_equal_d() -> None:
    g = gen.linear(np.ones((3, 2)) + np.eye(3)[:, :2])
    z = _z(2, n=4)
    assert hessian_term(g, torch.randn(4, 3, dtype=F64), z).abs().max().item() <= 1e-12
    g2 = gen.c1_only()
    assert hessian_term(g2, g2(z), z).abs().max().item() <= 1e-12


def test_hessian_term_shape_mismatch() -> None:
    with pytest.raises(ValueError, match="entries per point"):
        hessian_term(gen.c1c2(), torch.zeros(4, 5, dtype=F64), _z(2, n=4))
    with pytest.raises(ValueError, match="one row per latent"):
        hessian_term(gen.c1c2(), torch.zeros(3, 3, dtype=F64), _z(2, n=4))


# --- Lemma 5.1 and D1 coordinates ------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), d=st.integers(1, 4), extra=st.integers(0, 3))
def test_product_of_singular_values_is_volume(seed: int, d: int, extra: int) -> None:
    W = np.random.default_rng(seed).standard_normal((d + extra, d))
    J = torch.as_tensor(W, dtype=F64).unsqueeze(0)
    vol = torch.linalg.det(J.transpose(-1, -2) @ J).sqrt().log()
    assert abs(log_volume(J).item() - vol.item()) <= 1e-9


def test_axis_seam_coordinates_closed_form() -> None:
    g = gen.c1_only()
    z = _z(2, n=6)
    u = axis_seam_coordinates(g, z)
    r = torch.exp(g.lam * z[:, 0])  # type: ignore[attr-defined]
    assert torch.allclose(u[:, 1], g.omega * r * z[:, 1], atol=1e-12)  # type: ignore[attr-defined]
    lin = gen.linear(np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    assert torch.allclose(axis_seam_coordinates(lin, z), z * torch.tensor([2.0, 1.0], dtype=F64))


def test_log_pushforward_density_linear() -> None:
    W = np.array([[2.0, 0.0], [0.0, 0.5], [0.0, 0.0]])
    z = _z(2, n=3)
    lp = log_pushforward_density(gen.linear(W), z)
    expected = -0.5 * (z**2).sum(-1) - math.log(2 * math.pi) - math.log(1.0)
    assert torch.allclose(lp, expected, atol=1e-12)


# --- statistics helpers (Thm 5.2, Lemma 5.1) -------------------------------------------------
def test_ksg_mutual_information_gaussian_known_value() -> None:
    rng = np.random.default_rng(0)
    rho = 0.8
    a = rng.standard_normal(4000)
    b = rho * a + math.sqrt(1 - rho**2) * rng.standard_normal(4000)
    expected = -0.5 * math.log(1 - rho**2)  # 0.51 nats
    assert abs(ksg_mutual_information(a, b) - expected) <= 0.05


def test_independence_test_detects_dependence_only() -> None:
    rng = np.random.default_rng(1)
    a = rng.standard_normal(500)
    indep = independence_test(np.column_stack([a, rng.standard_normal(500)]), 99, seed=0)
    dep = independence_test(np.column_stack([a, a * rng.standard_normal(500)]), 99, seed=0)
    assert indep.pvalue > 0.05
    assert dep.pvalue == 0.01
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        independence_test(np.zeros((10, 3)))


def test_ball_density_uniform_plane() -> None:
    # uniform density 1/4 on the square [-1, 1]^2 embedded in R^3
    gen_ = torch.Generator().manual_seed(0)
    u = 2 * torch.rand(200_000, 2, generator=gen_, dtype=F64) - 1
    x = torch.cat([u, torch.zeros(200_000, 1, dtype=F64)], 1)
    est, se = ball_density(x, torch.zeros(1, 3, dtype=F64), 0.2, d=2)
    assert abs(est.item() - 0.25) <= 4 * se.item()


def test_eq6_terms_linear() -> None:
    W = np.array([[1.0, 0.5], [0.0, 1.0], [0.3, 0.0]])
    z = _z(2, n=5)
    jtj, hess = batch_terms(gen.linear(W), torch.zeros(5, 3, dtype=F64), z)
    assert torch.allclose(jtj, torch.as_tensor(W.T @ W), atol=1e-12)
    assert hess.abs().max().item() <= 1e-12
