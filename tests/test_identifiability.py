"""Identifiability helpers of seamlib.theory: tangent Hessian (Lemmas 6.3, 6.4), P&S matching."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor
from torch.func import grad

from seamlib.align import match_directions
from seamlib.theory import generators
from seamlib.theory.identifiability import (
    max_off_diagonal_ratio,
    seam_alignment,
    spectral_gap,
    standard_normal_log_prior,
    tangent_eigh,
    tangent_hessian,
)
from seamlib.theory.jacobian import hessian_term, jacobian
from seamlib.theory.seams import log_pushforward_density

F64 = torch.float64


def _z(n: int, seed: int = 0, scale: float = 1.0) -> Tensor:
    return scale * torch.randn(n, 2, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _rot(z: Tensor, angle: Tensor) -> Tensor:
    c, s = torch.cos(angle), torch.sin(angle)
    return torch.stack([c * z[:, 0] - s * z[:, 1], s * z[:, 0] + c * z[:, 1]], -1)


def _swirl(g: Callable[[Tensor], Tensor], alpha: float) -> Callable[[Tensor], Tensor]:
    """``g o phi`` with ``phi(y) = R(alpha |y|^2) y``: preserves N(0, I), breaks C1."""
    return lambda y: g(_rot(y, alpha * (y**2).sum(-1)))


def _lemma64_diagonal(
    g: generators.Generator, z: Tensor, log_p1: Callable[[Tensor], Tensor]
) -> Tensor:
    """Appendix D.3: (1/s_i) d/dz_i [(1/s_i) d/dz_i (log p_i - log s_i)], 1-D autograd.

    Valid for a C1-C2 generator whose singular values are ordered like its latents.
    """
    out = torch.empty_like(z)
    for i in range(z.shape[1]):

        def s(t: Tensor, i: int = i) -> Tensor:
            pt = torch.stack([t if k == i else t.new_zeros(()) for k in range(z.shape[1])])
            return g.jacobian(pt.unsqueeze(0))[0, :, i].norm()

        def score(t: Tensor, s: Callable[[Tensor], Tensor] = s) -> Tensor:
            return grad(lambda u: log_p1(u) - torch.log(s(u)))(t) / s(t)

        for b in range(z.shape[0]):
            out[b, i] = grad(score)(z[b, i]) / s(z[b, i])
    return out


def _gauss1(t: Tensor) -> Tensor:
    return -0.5 * t**2 - 0.5 * math.log(2 * math.pi)


def _sech1(t: Tensor) -> Tensor:  # hyperbolic secant density 1 / (pi cosh t)
    return -torch.log(torch.cosh(t)) - math.log(math.pi)


# --------------------------------------------------------------------------------------
# Known answers
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [None, 3])
def test_c1c2_tangent_hessian_is_the_lemma_6_4_diagonal(seed: int | None) -> None:
    g = generators.c1c2(2, seed=seed)
    z = _z(6)
    th = tangent_hessian(g, z)
    assert th.ambient.shape == (6, 3, 3) and th.seam.shape == (6, 2, 2)
    assert float(max_off_diagonal_ratio(th.seam).max()) < 1e-12
    expected = _lemma64_diagonal(g, z, _gauss1)
    got = torch.diagonal(th.seam, dim1=-2, dim2=-1)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)


def test_non_gaussian_factorised_prior() -> None:
    g = generators.c1c2(2, seed=1)
    z = _z(5, seed=4)

    def log_prior(z1: Tensor) -> Tensor:
        return _sech1(z1).sum()

    th = tangent_hessian(g, z, log_prior=log_prior)
    assert float(max_off_diagonal_ratio(th.seam).max()) < 1e-12
    got = torch.diagonal(th.seam, dim1=-2, dim2=-1)
    torch.testing.assert_close(got, _lemma64_diagonal(g, z, _sech1), rtol=1e-10, atol=1e-10)


def test_linear_generator_gives_minus_u_s_inverse_squared_u_transpose() -> None:
    W = np.array([[2.0, 0.3], [0.1, 1.0], [0.5, -0.4]])
    g = generators.linear(W)
    z = _z(4, seed=2)
    th = tangent_hessian(g, z)
    U, S, _ = np.linalg.svd(W, full_matrices=False)
    expected = -(U / S**2) @ U.T
    torch.testing.assert_close(th.ambient, torch.as_tensor(expected).expand(4, 3, 3))
    # score = (J^+)^T grad_z log p(z) = -(J^+)^T z ; log density of Lemma 5.1
    Jp = np.linalg.pinv(W)
    torch.testing.assert_close(th.score, -(z @ torch.as_tensor(Jp)))
    torch.testing.assert_close(th.log_density, log_pushforward_density(g, z))
    ev, _ = tangent_eigh(th.ambient, th.svd.U)
    torch.testing.assert_close(ev, torch.as_tensor(np.sort(-1 / S**2)).expand(4, 2))


def test_tangent_hessian_is_intrinsic_but_the_naive_one_is_not() -> None:
    g = generators.c1c2(2, seed=0)
    z = _z(6, seed=5)
    alpha = 0.4
    y = _rot(z, -alpha * (z**2).sum(-1))  # phi^{-1}(z): |y| = |z|
    th_g = tangent_hessian(g, z)
    th_s = tangent_hessian(_swirl(g, alpha), y)
    scale = float(th_g.ambient.abs().max())
    assert float((th_s.ambient - th_g.ambient).abs().max()) < 1e-10 * scale
    torch.testing.assert_close(th_s.log_density, th_g.log_density)
    torch.testing.assert_close(th_s.score, th_g.score)

    def naive_ambient(th: object, J: Tensor) -> Tensor:
        Jp = torch.linalg.pinv(J)
        return Jp.transpose(-1, -2) @ th.naive @ Jp  # type: ignore[attr-defined]

    diff = naive_ambient(th_s, jacobian(_swirl(g, alpha), y)) - naive_ambient(th_g, jacobian(g, z))
    assert float(diff.abs().max()) > 1e-2 * scale
    # the swirled chart violates C1: its own seam basis does not diagonalise H_x, and its u^i
    # are not the eigenvectors, whereas g's are (Lemma 6.4)
    assert float(max_off_diagonal_ratio(th_s.seam).max()) > 1e-2
    _, E = tangent_eigh(th_s.ambient, th_s.svd.U)
    assert float(match_directions(th_g.svd.U, E).cos.min()) > 1 - 1e-10
    assert float(match_directions(th_s.svd.U, E).cos.min()) < 0.99


def test_christoffel_term_is_the_directed_hessian_with_the_score() -> None:
    g = generators.c1_only(2)
    z = _z(5, seed=6, scale=0.7)
    th = tangent_hessian(g, z)
    directed = hessian_term(g, g(z) + th.score, z)
    torch.testing.assert_close(th.coordinate, th.naive - directed, rtol=1e-9, atol=1e-11)
    # the score is tangent: orthogonal to the normal space
    J = th.svd.U
    normal = th.score - (J @ (J.transpose(-1, -2) @ th.score.unsqueeze(-1))).squeeze(-1)
    assert float(normal.abs().max()) < 1e-12


def test_c1_only_and_neither_are_not_diagonal() -> None:
    z = _z(16, seed=7)
    for g in (generators.c1_only(2), generators.neither(2, 3)):
        r = max_off_diagonal_ratio(tangent_hessian(g, z).seam)
        assert float(r.median()) > 1e-3, g.name


def test_symmetry_and_normal_space() -> None:
    g = generators.neither(2, 4, seed=1)
    z = _z(4, seed=8)
    th = tangent_hessian(g, z)
    torch.testing.assert_close(th.ambient, th.ambient.transpose(-1, -2))
    U = th.svd.U
    normal = torch.eye(4, dtype=F64) - U @ U.transpose(-1, -2)
    assert float((th.ambient @ normal).abs().max()) < 1e-12


# --------------------------------------------------------------------------------------
# Spectrum and matching
# --------------------------------------------------------------------------------------
def test_spectral_gap_and_isotropic_case() -> None:
    torch.testing.assert_close(
        spectral_gap(torch.tensor([[-4.0, -1.0, -2.0], [1.0, 1.0, 3.0]], dtype=F64)),
        torch.tensor([0.25, 0.0], dtype=F64),
    )
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 2)))
    th = tangent_hessian(generators.linear(1.5 * Q), _z(3))
    ev, _ = tangent_eigh(th.ambient, th.svd.U)
    assert float(spectral_gap(ev).max()) < 1e-12


def test_tangent_eigh_does_not_depend_on_the_basis() -> None:
    g = generators.c1_only(2)
    th = tangent_hessian(g, _z(3, seed=9))
    R = torch.tensor([[0.6, -0.8], [0.8, 0.6]], dtype=F64)
    ev1, E1 = tangent_eigh(th.ambient, th.svd.U)
    ev2, E2 = tangent_eigh(th.ambient, th.svd.U @ R)
    torch.testing.assert_close(ev1, ev2)
    assert float(match_directions(E1, E2).cos.min()) > 1 - 1e-12


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    perm=st.permutations([0, 1, 2]),
    signs=st.lists(st.sampled_from([-1.0, 1.0]), min_size=3, max_size=3),
)
def test_match_directions_recovers_signed_permutations(
    seed: int, perm: list[int], signs: list[float]
) -> None:
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((5, 3)))
    ref = torch.as_tensor(Q).unsqueeze(0)
    cand = torch.as_tensor(Q[:, perm] * np.array(signs) * 2.5).unsqueeze(0)
    m = match_directions(ref, cand)
    inv = np.argsort(perm)
    assert m.perm[0].tolist() == inv.tolist()
    torch.testing.assert_close(m.cos, torch.ones(1, 3, dtype=F64))
    assert m.sign[0].tolist() == [signs[j] for j in inv]


def test_shared_matching_uses_one_permutation() -> None:
    eye = torch.eye(2, dtype=F64)
    swap = eye[:, [1, 0]]
    ref = torch.stack([eye, eye, eye])
    cand = torch.stack([swap, swap, eye])  # two points prefer the swap
    shared = match_directions(ref, cand, shared=True)
    assert shared.perm.tolist() == [[1, 0]] * 3
    torch.testing.assert_close(shared.cos.mean(), torch.tensor(2 / 3, dtype=F64))
    per_point = match_directions(ref, cand)
    torch.testing.assert_close(per_point.cos, torch.ones(3, 2, dtype=F64))


def test_seam_alignment_left_vectors_are_rotation_invariant() -> None:
    g = generators.c1c2(2, seed=2)
    z = _z(10, seed=10)
    R = torch.tensor([[0.8, -0.6], [0.6, 0.8]], dtype=F64)
    m = seam_alignment(g, z, lambda y: g(y @ R.T), z @ R)
    assert float(m.cos.min()) > 1 - 1e-12
    y = _rot(z, -0.5 * (z**2).sum(-1))
    assert float(seam_alignment(g, z, _swirl(g, 0.5), y).cos.mean()) < 0.99


def test_offdiagonal_ratio_known_values() -> None:
    M = torch.tensor([[[2.0, 0.5], [0.5, -4.0]], [[1.0, 0.0], [0.0, 3.0]]], dtype=F64)
    torch.testing.assert_close(max_off_diagonal_ratio(M), torch.tensor([0.125, 0.0], dtype=F64))


def test_standard_normal_log_prior() -> None:
    z1 = torch.tensor([0.3, -1.2], dtype=F64)
    expected = float(np.sum(-0.5 * z1.numpy() ** 2 - 0.5 * np.log(2 * np.pi)))
    assert float(standard_normal_log_prior(z1)) == pytest.approx(expected, abs=1e-14)


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------
def test_bad_inputs_raise_value_error() -> None:
    g = generators.c1c2(2)
    with pytest.raises(ValueError, match="NaN"):
        tangent_hessian(g, torch.tensor([[0.0, float("nan")]], dtype=F64))
    with pytest.raises(ValueError, match="shape"):
        tangent_hessian(g, torch.zeros(2, 2, 2, dtype=F64))
    with pytest.raises(ValueError, match="immersion"):
        tangent_hessian(lambda z: z[:, :1] * 2.0, torch.zeros(1, 2, dtype=F64))
    with pytest.raises(ValueError, match="same shape"):
        match_directions(torch.zeros(1, 3, 2, dtype=F64), torch.zeros(1, 3, 3, dtype=F64))
    with pytest.raises(ValueError, match="finite"):
        match_directions(torch.full((3, 2), float("nan")), torch.ones(3, 2))
    with pytest.raises(ValueError, match=r"\(n, d, d\)|\(\.\.\., d, d\)"):
        max_off_diagonal_ratio(torch.zeros(3, 2, dtype=F64))
    with pytest.raises(ValueError, match="one candidate point"):
        seam_alignment(g, _z(3), g, _z(4))
    with pytest.raises(ValueError, match="shape"):
        tangent_eigh(torch.zeros(2, 3, 3, dtype=F64), torch.zeros(1, 3, 2, dtype=F64))
