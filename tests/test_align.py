"""seamlib.align: the one signed-permutation matcher, against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from seamlib import align, metrics
from seamlib.theory import linear


def _brute_force_distance(V: np.ndarray) -> float:
    d = V.shape[0]
    return min(float(np.linalg.norm(V - P.numpy())) for P in linear.signed_permutations(d))


@pytest.mark.parametrize("seed", range(5))
def test_signed_permutation_distance_is_the_brute_force_minimum(seed: int) -> None:
    V = linear.random_orthogonal(3, seed).numpy()
    dist, perm = align.signed_permutation_distance(torch.as_tensor(V[None]))
    assert dist.item() == pytest.approx(_brute_force_distance(V), abs=1e-12)
    assert sorted(perm[0].tolist()) == [0, 1, 2]


def test_match_columns_per_point_and_shared() -> None:
    gain = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.1, 0.9], [0.6, 0.4]], [[0.7, 0.3], [0.1, 0.5]]])
    assert align.match_columns(gain).tolist() == [[0, 1], [1, 0], [0, 1]]
    assert align.match_columns(gain, shared=True).tolist() == [[0, 1]] * 3
    with pytest.raises(ValueError, match="shape"):
        align.match_columns(np.ones((2, 3)))


def test_assignment_maximises_over_all_permutations() -> None:
    g = np.random.default_rng(0).random((4, 4))
    rows, cols = align.assignment(g)
    best = max(sum(g[i, p[i]] for i in range(4)) for p in itertools.permutations(range(4)))
    assert g[rows, cols].sum() == pytest.approx(best)


def test_nearest_signed_permutation_and_ps_align_agree_with_the_milp() -> None:
    v = linear.random_orthogonal(4, 7).numpy()
    p = metrics.nearest_signed_permutation(v)
    assert np.array_equal(p, metrics.nearest_signed_permutation_milp(v))
    A = np.random.default_rng(1).normal(size=(6, 3))
    aligned, err = align.ps_align(A[:, [2, 0, 1]] * [-1.0, 1.0, -1.0], A)
    assert err == pytest.approx(0.0, abs=1e-12)
