"""Tests of seamlib.theory.generators: closed-form Jacobians, C1/C2 by construction, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seamlib.theory import generators as gen
from seamlib.theory.jacobian import jacobian, regular_gap
from seamlib.theory.scores import c1_score, c2_score

GENERATORS = {
    "c1c2": lambda: gen.c1c2(),
    "c1c2-d3-rotated": lambda: gen.c1c2(3, seed=1),
    "c1_only": lambda: gen.c1_only(),
    "c1_only-d3": lambda: gen.c1_only(3),
    "neither": lambda: gen.neither(seed=0),
    "neither-d3-m5": lambda: gen.neither(3, 5, seed=2),
    "linear": lambda: gen.linear(np.random.default_rng(0).standard_normal((4, 2))),
}


def _z(d: int, n: int = 64, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


@pytest.mark.parametrize("name", list(GENERATORS))
def test_closed_form_jacobian_matches_autodiff(name: str) -> None:
    g = GENERATORS[name]()
    z = _z(g.d)
    err = (jacobian(g, z) - g.jacobian(z)).abs().max().item()
    assert err <= 1e-10


@pytest.mark.parametrize("name", list(GENERATORS))
def test_closed_form_jacobian_matches_finite_differences(name: str) -> None:
    g = GENERATORS[name]()
    z = _z(g.d, n=8)
    eps = 1e-6
    fd = torch.stack(
        [(g(z + eps * e) - g(z - eps * e)) / (2 * eps) for e in torch.eye(g.d, dtype=z.dtype)],
        dim=-1,
    )
    assert (fd - g.jacobian(z)).abs().max().item() <= 1e-7


@pytest.mark.parametrize("name", list(GENERATORS))
def test_shapes_and_dtype(name: str) -> None:
    g = GENERATORS[name]()
    z = _z(g.d, n=5)
    assert g(z).shape == (5, g.m)
    assert g(z).dtype == torch.float64
    assert g(z.float()).dtype == torch.float32


def test_c1c2_satisfies_c1_and_c2() -> None:
    for g in (gen.c1c2(), gen.c1c2(3, seed=4)):
        z = _z(g.d, n=32)
        c1 = c1_score(g, z)
        assert c1.v_distance.max().item() <= 1e-8
        assert c1.offdiag.max().item() <= 1e-10
        assert c2_score(g, z).offdiag_fraction.max().item() <= 1e-8


def test_c1_only_satisfies_c1_but_not_c2() -> None:
    g = gen.c1_only()
    z = _z(2, n=32)
    assert c1_score(g, z).v_distance.max().item() <= 1e-8
    assert c2_score(g, z).offdiag_fraction.mean().item() >= 0.3


def test_neither_violates_c1_and_c2() -> None:
    g = gen.neither(seed=0)
    z = _z(2, n=32)
    assert c1_score(g, z).v_distance.mean().item() >= 0.05
    assert c2_score(g, z).offdiag_fraction.mean().item() >= 0.1


def test_c1c2_and_c1_only_regular_on_prior_bulk() -> None:
    grid = torch.linspace(-4, 4, 41, dtype=torch.float64)
    z = torch.cartesian_prod(grid, grid)
    for g in (gen.c1c2(), gen.c1_only()):
        S = torch.linalg.svdvals(g.jacobian(z))
        assert regular_gap(S).min().item() > 1e-3


def test_neither_is_seeded() -> None:
    z = _z(2, n=4)
    assert torch.equal(gen.neither(seed=3)(z), gen.neither(seed=3)(z))
    assert not torch.equal(gen.neither(seed=3)(z), gen.neither(seed=4)(z))


def test_sample_reproducible_and_noisy() -> None:
    g = gen.c1c2()
    z1, x1 = gen.sample(g, 10, seed=1)
    z2, x2 = gen.sample(g, 10, seed=1, noise_std=0.1)
    assert torch.equal(z1, z2)
    assert 0 < (x1 - x2).abs().max().item() < 1.0


def test_bad_input() -> None:
    g = gen.c1c2()
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        g(torch.zeros(3, 3, dtype=torch.float64))
    with pytest.raises(ValueError, match="shape"):
        gen.linear(np.zeros(3))
    with pytest.raises(ValueError, match="NaN"):
        gen.linear(np.array([[np.nan, 1.0]]).T)
    with pytest.raises(ValueError, match="m >= d|d <= m"):
        gen.linear(np.ones((1, 2)))
    with pytest.raises(ValueError, match="strength"):
        gen.neither(strength=-1.0)
    with pytest.raises(ValueError, match="m > d"):
        gen.neither(2, 2)
    with pytest.raises(ValueError, match="d >= 2"):
        gen.c1_only(1)
