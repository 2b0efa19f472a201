"""seamlib.theory.reizinger: App. G's terms on quadratic decoders match their closed forms."""

from __future__ import annotations

import pytest
import torch

from seamlib.theory.reizinger import QuadraticDecoder, taylor_terms

DT = torch.float64


def _setup(k: float) -> tuple[QuadraticDecoder, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    W, v = torch.randn(4, 2, generator=g, dtype=DT), torch.randn(4, generator=g, dtype=DT)
    A = torch.randn(2, 2, generator=g, dtype=DT)
    return (
        QuadraticDecoder(W, v, k),
        torch.tensor([0.3, -0.2], dtype=DT),
        A @ A.T + 0.1 * torch.eye(2, dtype=DT),
    )


@pytest.mark.parametrize("k", [0.5, 3.0])
def test_closed_forms(k: float) -> None:
    f, mu, cov = _setup(k)
    t_sq = float(torch.trace(cov)) ** 2 + 2 * float(torch.trace(cov @ cov))
    x = f(mu[None])[0] - 1.5 * f.v  # c - e = -1.5 v: the cross term is negative
    t = taylor_terms(f, x, mu, cov)
    vv = float(f.v @ f.v)
    assert t.remainder == pytest.approx(k**2 / 4 * vv * t_sq, rel=1e-10)
    assert t.cross == pytest.approx(-1.5 * k / 2 * vv * float(torch.trace(cov)), rel=1e-10)
    assert t.lhs_item2 - t.rhs_item2 == pytest.approx(-2 * t.cross, rel=1e-10)
    assert t.lhs_item2 > t.rhs_item2  # the inequality of item 2 fails
