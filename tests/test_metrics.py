"""Tests of seamlib.metrics: known answers, invariances, agreement with reference code."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mutual_info_score

from seamlib import metrics as M

FAST = settings(max_examples=25, deadline=None)
CARDS = (3, 6, 10, 8, 8)  # small dSprites-like factor grid


def _factors(rng: np.random.Generator, n: int, cards: tuple[int, ...] = CARDS) -> np.ndarray:
    return rng.integers(0, cards, size=(n, len(cards)))


def _identity_codes(factors: np.ndarray, rng: np.random.Generator, noise: float = 0.05):
    """Each latent is one (scaled, jittered) factor: a perfectly disentangled encoder."""
    z = factors / np.maximum(factors.max(0), 1)
    return z + noise * rng.standard_normal(z.shape) / np.asarray(CARDS)


def _signed_permutation(d: int, rng: np.random.Generator) -> np.ndarray:
    p = np.eye(d)[rng.permutation(d)]
    return p * rng.choice([-1.0, 1.0], size=d)[None, :]


def _random_orthogonal(d: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))[None, :]


# --------------------------------------------------------------------------------------
# Mutual information matrix
# --------------------------------------------------------------------------------------
def test_light_import_without_torch() -> None:
    code = "import sys, seamlib.metrics; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", "seamlib.metrics must not import torch"


def test_discretize_matches_disentanglement_lib() -> None:
    rng = np.random.default_rng(0)
    z = rng.standard_normal((3000, 4)) * [1.0, 10.0, 1e-3, 1.0]
    z[:, 3] = np.round(z[:, 3] * 4) / 4  # many values sit exactly on bin edges
    for n_bins in (1, 7, 20):
        ours = M.discretize(z, n_bins)
        ref = np.stack([np.digitize(c, np.histogram(c, n_bins)[1][:-1]) - 1 for c in z.T], axis=1)
        np.testing.assert_array_equal(ours, ref)


def test_discretize_constant_column_is_one_bin() -> None:
    z = np.c_[np.ones(50), np.arange(50.0)]
    assert np.unique(M.discretize(z, 10)[:, 0]).size == 1


@pytest.mark.parametrize("n_bins", [5, 20, 50])
def test_mi_matrix_equals_sklearn_per_pair(n_bins: int) -> None:
    rng = np.random.default_rng(n_bins)
    v = _factors(rng, 4000)
    z = rng.standard_normal((4000, 6))
    z[:, :3] += 0.5 * v[:, :3]
    res = M.mutual_info_matrix(z, v, n_bins=n_bins)
    zb = M.discretize(z, n_bins)
    ref = np.array([[mutual_info_score(v[:, k], zb[:, j]) for k in range(5)] for j in range(6)])
    ent = np.array([mutual_info_score(v[:, k], v[:, k]) for k in range(5)])
    assert res.mi.shape == (6, 5)
    np.testing.assert_allclose(res.mi, ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.factor_entropy, ent, rtol=0, atol=1e-10)
    np.testing.assert_allclose(M.factor_entropies(v), ent, rtol=0, atol=1e-10)


def test_mi_matrix_accepts_non_integer_factor_values() -> None:
    rng = np.random.default_rng(1)
    v = _factors(rng, 1000)
    z = rng.standard_normal((1000, 3))
    a = M.mutual_info_matrix(z, v)
    b = M.mutual_info_matrix(z, 0.5 + 0.1 * v - 3.0)  # relabelled per column
    np.testing.assert_allclose(a.mi, b.mi, atol=1e-12)


def test_mi_posterior_estimate_tracks_histogram_estimate() -> None:
    rng = np.random.default_rng(2)
    v = _factors(rng, 1500, (4, 5))
    mu = np.c_[v[:, 0] + 0.1 * rng.standard_normal(1500), rng.standard_normal(1500)]
    sigma = np.c_[np.full(1500, 0.1), np.ones(1500)]
    res = M.mutual_info_matrix_posterior(mu, sigma, v, n_samples=500, rng=rng)
    assert res.mi.shape == (2, 2)
    np.testing.assert_allclose(res.factor_entropy, np.log([4, 5]))
    # latent 0 encodes factor 0 almost perfectly (I ~ log 4), the noise latent nothing
    assert res.mi[0, 0] > 0.8 * np.log(4)
    assert res.mi[1, 0] < 0.05 and res.mi[0, 1] < 0.05


# --------------------------------------------------------------------------------------
# Known answers (disentanglement_lib's bands)
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cases() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(3)
    v = _factors(rng, 3000)
    ident = _identity_codes(v, rng)
    noise = rng.standard_normal((3000, 5))
    const = np.zeros((3000, 5))
    dup = np.repeat(ident[:, :1], 5, axis=1)  # one latent duplicated: every latent = factor 0
    return {"identity": (ident, v), "noise": (noise, v), "const": (const, v), "dup": (dup, v)}


def _mi_scores(codes: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    r = M.mutual_info_matrix(codes, v)
    return M.mig(r.mi, r.factor_entropy), M.mig_sup(r.mi, r.factor_entropy)


def test_identity_codes_score_high(cases: dict) -> None:
    z, v = cases["identity"]
    r = M.mutual_info_matrix(z, v)
    assert 0.9 <= M.mig(r.mi, r.factor_entropy) <= 1.0
    assert 0.9 <= M.mig_sup(r.mi, r.factor_entropy) <= 1.0
    assert M.aas(r.mi) > 0.9
    assert M.mcc(z, v) > 0.99
    scores = M.dci(z, v, n_estimators=10)
    assert scores.disentanglement > 0.9 and scores.completeness > 0.9
    assert scores.informativeness > 0.9
    assert M.rolinek_knn_score(z, v) > 0.9


def test_noise_and_constant_codes_score_near_zero(cases: dict) -> None:
    z, v = cases["noise"]
    assert all(0 <= s <= 0.05 for s in _mi_scores(z, v))
    assert M.mcc(z, v) < 0.1
    assert abs(M.rolinek_knn_score(z, v)) < 0.2
    z, v = cases["const"]
    mig, mig_sup = _mi_scores(z, v)
    assert mig == 0.0 and mig_sup == 0.0
    assert M.active_latents(z).sum() == 0


def test_duplicated_latent_scores_low(cases: dict) -> None:
    z, v = cases["dup"]
    mig, _ = _mi_scores(z, v)
    assert 0 <= mig <= 0.1  # the duplicates cancel the gap for factor 0; others get nothing


def test_mig_and_mig_sup_hand_computed() -> None:
    mi = np.array([[1.0, 0.0], [0.5, 0.2], [0.0, 0.6]])
    h = np.array([2.0, 1.0])
    # per factor: (1 - 0.5)/2 = 0.25, (0.6 - 0.2)/1 = 0.4
    assert M.mig(mi, h) == pytest.approx(0.325)
    # per latent, normalised rows (0.5, 0), (0.25, 0.2), (0, 0.6): gaps 0.5, 0.05, 0.6
    assert M.mig_sup(mi, h) == pytest.approx((0.5 + 0.05 + 0.6) / 3)
    assert M.mig_sup(mi, h, active=[True, False, True]) == pytest.approx(0.55)


def test_aas_hand_computed_and_floor() -> None:
    mi = np.array([[3.0, 1.0], [0.0, 2.0]])
    # row maxima 3 + 2, column maxima 3 + 2, total 6
    assert M.aas(mi) == pytest.approx(5 / 6)
    for d, k in [(3, 3), (10, 5), (2, 7)]:
        assert M.aas(np.ones((d, k))) == pytest.approx(0.5 * (1 / d + 1 / k))


def test_normalized_off_diagonal_known_answers() -> None:
    assert M.mean_normalised_off_diagonal(np.diag([1.0, 4.0, 9.0])) == 0.0
    u = np.array([1.0, -2.0, 3.0])
    assert M.mean_normalised_off_diagonal(np.outer(u, u)) == pytest.approx(1.0)
    m = np.array([[4.0, 1.0], [1.0, 1.0]])  # off-diagonal 1 / sqrt(4 * 1) = 0.5
    assert M.mean_normalised_off_diagonal(m) == pytest.approx(0.5)
    assert M.mean_normalised_off_diagonal(np.stack([np.eye(2), m])) == pytest.approx(0.25)


def test_greedy_order_puts_peaks_on_diagonal() -> None:
    mi = np.array([[0.0, 0.1, 0.9], [0.8, 0.0, 0.1], [0.05, 0.0, 0.0], [0.1, 0.7, 0.0]])
    order = M.greedy_order(mi)
    np.testing.assert_array_equal(order, [1, 3, 0, 2])
    assert np.all(np.diag(mi[order]) >= 0.7)


def test_dci_duplicated_latent_is_not_complete(cases: dict) -> None:
    z, v = cases["identity"]
    z2 = np.c_[z, 2 * z[:, :1] + 0.02 * np.random.default_rng(4).standard_normal((len(z), 1))]
    forest = {"estimator": "forest", "n_estimators": 10}  # the fast variant, same property
    assert M.dci(z2, v, **forest).completeness < M.dci(z, v, **forest).completeness


def test_mcc_spearman_sees_through_monotone_maps() -> None:
    rng = np.random.default_rng(5)
    s = rng.standard_normal((2000, 3))
    z = np.c_[np.exp(s[:, 2]), s[:, 0] ** 3, np.tanh(s[:, 1])]
    assert M.mcc(z, s, method="spearman") == pytest.approx(1.0)
    assert M.mcc(z, s, method="pearson") < 0.95


def test_rolinek_regression_and_printed_normaliser() -> None:
    rng = np.random.default_rng(6)
    w = rng.uniform(size=(2000, 2))
    z = np.c_[w[:, 0], w[:, 1], rng.standard_normal(2000)]
    score, a = M.rolinek_knn_score(z, w, return_matrix=True)
    assert a.shape == (2, 3) and score > 0.8
    # classification with the printed constant-accuracy normaliser can exceed 1
    v = rng.integers(0, 5, size=(2000, 2))
    z = v + 0.01 * rng.standard_normal(v.shape)
    assert M.rolinek_knn_score(z, v) > 1.5


# --------------------------------------------------------------------------------------
# DtO and OD-score
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("d", [2, 3, 4, 6])
def test_dto_matches_milp(d: int) -> None:
    rng = np.random.default_rng(10 + d)
    for _ in range(4):
        v = _random_orthogonal(d, rng)
        p_milp = M.nearest_signed_permutation_milp(v)
        p_ours = M.nearest_signed_permutation(v)
        l1 = np.abs(v - p_ours).sum()
        assert l1 == pytest.approx(np.abs(v - p_milp).sum(), abs=1e-9)
        np.testing.assert_array_equal(p_ours, p_milp)  # unique for continuous random V
        assert M.dto(v) == pytest.approx(np.linalg.norm(v - p_milp), abs=1e-12)


def test_dto_milp_agrees_on_non_orthogonal_input() -> None:
    rng = np.random.default_rng(11)
    for _ in range(5):
        a = 1.5 * rng.standard_normal((4, 4))  # entries beyond +-1 exercise the general cost
        l1_ms = np.abs(a - M.nearest_signed_permutation_milp(a)).sum()
        assert np.abs(a - M.nearest_signed_permutation(a)).sum() == pytest.approx(l1_ms)


@FAST
@given(d=st.integers(2, 8), seed=st.integers(0, 2**31 - 1))
def test_dto_zero_exactly_for_signed_permutations(d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = _signed_permutation(d, rng)
    assert M.dto(p) == 0.0
    assert M.dto(_random_orthogonal(d, rng)) > 0.0


def test_dto_from_jacobians() -> None:
    rng = np.random.default_rng(12)
    cols = np.linalg.qr(rng.standard_normal((7, 3)))[0] * [3.0, 2.0, 1.0]  # orthogonal columns
    assert M.dto(cols, jacobian=True) == pytest.approx(0.0, abs=1e-12)
    rot = _random_orthogonal(3, rng)
    assert M.dto(np.stack([cols, cols @ rot]), jacobian=True) > 0.1


def test_nearest_orthogonal_and_printed_formula() -> None:
    rng = np.random.default_rng(13)
    m = rng.standard_normal((6, 3))
    q = M.nearest_orthogonal(m)
    np.testing.assert_allclose(q.T @ q, np.eye(3), atol=1e-12)
    w, v = np.linalg.eigh(m.T @ m)
    printed = m @ (v @ np.diag(np.sqrt(w)) @ v.T)  # Bhowal et al. Prop. 7 as printed
    assert np.abs(printed.T @ printed - np.eye(3)).max() > 0.1
    corrected = m @ (v @ np.diag(w**-0.5) @ v.T)
    np.testing.assert_allclose(corrected, q, atol=1e-12)
    # q is nearer than random orthonormal candidates
    for _ in range(20):
        cand = np.linalg.qr(rng.standard_normal((6, 3)))[0]
        assert np.linalg.norm(m - q) <= np.linalg.norm(m - cand) + 1e-12


def test_od_score_zero_for_orthogonal_columns() -> None:
    rng = np.random.default_rng(14)
    ortho = np.linalg.qr(rng.standard_normal((8, 3)))[0] * [1.0, 3.0, 2.0]
    np.testing.assert_allclose(M.od_distances(ortho), 0.0, atol=1e-20)
    mixed = ortho @ _random_orthogonal(3, rng)
    scores = M.od_score([ortho, mixed, np.stack([mixed, ortho])])
    assert scores[0] == pytest.approx(0.0, abs=1e-12)
    assert scores.max() == pytest.approx(scores[1]) and 0 < scores[2] < scores[1] <= 1


# --------------------------------------------------------------------------------------
# Invariances (hypothesis)
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mixed_codes() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(20)
    v = _factors(rng, 2000)
    z = _identity_codes(v, rng, noise=0.5) @ (rng.normal(scale=0.3, size=(5, 5)) + np.eye(5))
    return np.c_[z, rng.standard_normal(2000)], v


@FAST
@given(seed=st.integers(0, 2**31 - 1))
def test_mig_aas_mcc_invariant_to_permuting_and_flipping(mixed_codes, seed: int) -> None:
    z, v = mixed_codes
    rng = np.random.default_rng(seed)
    z2 = z[:, rng.permutation(z.shape[1])] * rng.choice([-1.0, 1.0], size=z.shape[1])
    a, b = M.mutual_info_matrix(z, v), M.mutual_info_matrix(z2, v)
    assert M.mig(b.mi, b.factor_entropy) == pytest.approx(M.mig(a.mi, a.factor_entropy), abs=1e-12)
    assert M.mig_sup(b.mi, b.factor_entropy) == pytest.approx(
        M.mig_sup(a.mi, a.factor_entropy), abs=1e-12
    )
    assert M.aas(b.mi) == pytest.approx(M.aas(a.mi), abs=1e-12)
    assert M.mcc(z2, v) == pytest.approx(M.mcc(z, v), abs=1e-12)


@FAST
@given(
    d=st.integers(1, 8),
    extra=st.integers(0, 3),
    seed=st.integers(0, 2**31 - 1),
)
def test_aas_is_one_for_permuted_diagonal(d: int, extra: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    diag = np.zeros((d + extra, d))
    diag[:d, :d] = np.diag(rng.uniform(0.1, 3.0, size=d))
    m = diag[rng.permutation(d + extra)][:, rng.permutation(d)]
    assert M.aas(m) == pytest.approx(1.0, abs=1e-12)
    assert M.aas(m.T) == pytest.approx(1.0, abs=1e-12)
    order = M.greedy_order(m)
    np.testing.assert_allclose(np.diag(m[order]), np.max(m, axis=0)[: len(np.diag(m[order]))])


@FAST
@given(st.lists(st.floats(0.0, 5.0), min_size=4, max_size=30), st.integers(2, 6))
def test_aas_bounds(values: list[float], k: int) -> None:
    m = np.resize(np.asarray(values), (len(values) // k + 1, k))
    if m.sum() <= 0:
        return
    d = m.shape[0]
    assert 0.5 * (1 / d + 1 / k) - 1e-12 <= M.aas(m) <= 1.0 + 1e-12


@FAST
@given(d=st.integers(2, 6), seed=st.integers(0, 2**31 - 1))
def test_normalized_off_diagonal_psd_in_unit_interval(d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    j = rng.standard_normal((d + 2, d))
    score = M.mean_normalised_off_diagonal(j.T @ j)
    assert 0.0 <= score <= 1.0
    p = _signed_permutation(d, rng)  # relabelling latents leaves the score unchanged
    assert M.mean_normalised_off_diagonal(p.T @ j.T @ j @ p) == pytest.approx(score, abs=1e-12)


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------
def test_bad_inputs_raise_actionable_errors() -> None:
    rng = np.random.default_rng(30)
    z = rng.standard_normal((100, 3))
    v = _factors(rng, 100, (3, 4))
    with pytest.raises(ValueError, match="same number of rows"):
        M.mutual_info_matrix(z[:50], v)
    with pytest.raises(ValueError, match="NaN"):
        M.mutual_info_matrix(np.where(z > 2, np.nan, z), v)
    with pytest.raises(ValueError, match="constant"):
        M.mutual_info_matrix(z, np.c_[v, np.zeros(100)])
    with pytest.raises(ValueError, match=r"\[:, None\]"):
        M.mutual_info_matrix(z[:, 0], v)
    with pytest.raises(ValueError, match="n_bins"):
        M.mutual_info_matrix(z, v, n_bins=0)
    with pytest.raises(ValueError, match="negative"):
        M.aas(-np.ones((2, 2)))
    with pytest.raises(ValueError, match="all-zero"):
        M.aas(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="shape"):
        M.mig(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="at least 2 latents"):
        M.mig(np.ones((1, 2)), np.ones(2))
    with pytest.raises(ValueError, match="> 0"):
        M.mig(np.ones((3, 2)), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="zero on its diagonal"):
        M.mean_normalised_off_diagonal(np.array([[0.0, 1.0], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="square"):
        M.mean_normalised_off_diagonal(np.ones((2, 3)))
    with pytest.raises(ValueError, match="jacobian=True"):
        M.dto(rng.standard_normal((4, 4)))
    with pytest.raises(ValueError, match="jacobian=True"):
        M.dto(rng.standard_normal((5, 3)))
    with pytest.raises(ValueError, match="constant"):
        M.mcc(np.c_[z[:, :2], np.ones(100)], v)
    with pytest.raises(ValueError, match="method"):
        M.mcc(z, v, method="kendall")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="sigma"):
        M.mutual_info_matrix_posterior(z, -np.ones_like(z), v, rng=rng)
    with pytest.raises(ValueError, match="estimator"):
        M.dci(z, v, estimator="lasso")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no latent"):
        M.mig_sup(np.ones((3, 2)), np.ones(2), active=[False] * 3)


def test_toy_codes_and_knn_variants() -> None:
    rng = np.random.default_rng(40)
    f, mu, std = M.toy_dsprites_codes(1500, rng=rng)
    assert f.shape == (1500, 5) and mu.shape == std.shape == (1500, 10)
    np.testing.assert_array_equal(M.active_latents(mu), [True] * 6 + [False] * 4)
    values = f / (np.asarray(M.DSPRITES_CARDS) - 1)  # float values; shape as a class
    mixed = M.rolinek_knn_score(mu, values, discrete=[True, False, False, False, False])
    chance = M.rolinek_knn_score(mu, f, classification_normaliser="chance")
    assert 0 < mixed <= 1 and -1 <= chance <= 1
    with pytest.raises(ValueError, match="d >= 6"):
        M.toy_dsprites_codes(10, rng=rng, d=4)
    with pytest.raises(ValueError, match="classification_normaliser"):
        M.rolinek_knn_score(mu, f, classification_normaliser="x")  # type: ignore[arg-type]


def test_greedy_order_with_fewer_latents_than_factors() -> None:
    """10 latents against 40 attributes (CelebA): paired latents in factor order."""
    mi = np.array([[0.1, 0.9, 0.0], [0.8, 0.0, 0.2]])
    np.testing.assert_array_equal(M.greedy_order(mi), [1, 0])
    rng = np.random.default_rng(0)
    big = rng.random((10, 40))
    assert sorted(M.greedy_order(big).tolist()) == list(range(10))


# --- one matcher, one off-diagonal, mig(codes, factors) ----------------------------------------
def test_mig_accepts_codes_and_factors_directly() -> None:
    rng = np.random.default_rng(3)
    factors = rng.integers(0, 4, size=(400, 2))
    codes = np.column_stack([factors[:, 1], factors[:, 0], rng.normal(size=400)]) - 1.5
    res = M.mutual_info_matrix(codes, factors)
    assert M.mig(codes, factors) == pytest.approx(M.mig(res.mi, res.factor_entropy))
    assert M.mig(codes, factors, n_bins=5) == pytest.approx(
        M.mig(*M.mutual_info_matrix(codes, factors, 5))
    )


def test_mig_error_points_at_codes_not_clipping() -> None:
    codes = np.random.default_rng(0).normal(size=(50, 3))
    with pytest.raises(ValueError, match=r"mig\(codes, factors\)") as info:
        M.mig(codes, np.ones(3))
    assert "clip" not in str(info.value)
    with pytest.raises(ValueError, match="second argument has shape"):
        M.mig(np.eye(2), np.ones((2, 2, 2)))


def test_offdiag_numpy_and_torch_are_one_implementation() -> None:
    import torch

    from seamlib.theory.scores import normalised_off_diagonal

    rng = np.random.default_rng(1)
    a = rng.normal(size=(6, 4, 4))
    m = a @ np.swapaxes(a, 1, 2)
    per = M.off_diagonal_per_matrix(m)
    assert isinstance(per, np.ndarray) and per.shape == (6,)
    t = normalised_off_diagonal(torch.as_tensor(m))
    assert np.allclose(t.numpy(), per, rtol=0, atol=1e-14)
    assert M.mean_normalised_off_diagonal(m) == pytest.approx(per.mean(), abs=1e-14)
    x = torch.as_tensor(m[0], dtype=torch.float64).requires_grad_()
    normalised_off_diagonal(x).backward()  # still differentiable
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_one_assignment_solver() -> None:
    """Every signed-permutation match goes through seamlib.align.assignment."""
    from pathlib import Path

    root = Path(M.__file__).resolve().parent.parent
    users = sorted(
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "linear_sum_assignment(" in p.read_text()
    )
    assert users == ["align.py"], users


# --------------------------------------------------------------------------------------
# DCI's setting; SAP, modularity, explicitness, IRS, beta-VAE and FactorVAE scores: known
# answers (their equality with disentanglement_lib is tests/test_metrics_dlib.py)
# --------------------------------------------------------------------------------------
def _grid(reps: int = 50) -> np.ndarray:
    """Every (a, b) of a 3 x 4 grid, ``reps`` times: two independent, balanced factors."""
    return np.array([(a, b) for a in range(3) for b in range(4)] * reps, dtype=float)


def test_dci_defaults_to_boosted_trees_and_hand_importance() -> None:
    import inspect

    params = inspect.signature(M.dci).parameters
    assert params["estimator"].default == "gbt" and params["n_estimators"].default == 100
    # R = [[1, 0], [1, 1]]: latent 0 pure (1 - H = 1), latent 1 split evenly (0), weights
    # 1/3, 2/3 -> D = 1/3; factor 0 split evenly (0), factor 1 pure (1), weights 2/3, 1/3
    d, c = M.dci_from_importance(np.array([[1.0, 0.0], [1.0, 1.0]]))
    assert d == pytest.approx(1 / 3, abs=1e-8) and c == pytest.approx(1 / 3, abs=1e-8)
    d, c = M.dci_from_importance(np.zeros((3, 2)))  # no importance at all: nothing is modular
    assert d == pytest.approx(0.0, abs=1e-12) and c == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="non-negative"):
        M.dci_from_importance(-np.eye(2))


def test_dci_test_set_and_forest_variant() -> None:
    v = _grid(40)
    z = v / 3 + 0.01 * np.random.default_rng(0).standard_normal(v.shape)
    held = M.dci(z[:400], v[:400], test=(z[400:], v[400:]), n_estimators=10)
    assert held.informativeness == 1.0 and held.disentanglement > 0.99
    forest = M.dci(z, v, estimator="forest", n_estimators=10)
    assert forest.disentanglement > 0.99
    with pytest.raises(ValueError, match="must agree"):
        M.dci(z, v, test=(z[:, :1], v))
    with pytest.raises(ValueError, match="train_fraction"):
        M.dci(z, v, train_fraction=1.0)


def test_sap_known_answers() -> None:
    v = _grid()
    # codes = factors: each factor has one perfect latent and one uncorrelated: gap 1
    assert M.sap(v, v, continuous=True) == pytest.approx(1.0, abs=1e-12)
    # both latents copy factor 0: its gap is 0, factor 1 has no latent at all: SAP 0
    assert M.sap(np.c_[v[:, 0], v[:, 0]], v, continuous=True) == pytest.approx(0.0, abs=1e-12)
    z = np.c_[v, np.zeros(len(v))]  # a constant latent scores 0, as in disentanglement_lib
    assert M.sap(z, v, continuous=True) == pytest.approx(1.0, abs=1e-12)
    # discrete: a linear SVM on a latent equal to a 3-valued factor cannot separate the
    # middle value from both ends (one-vs-rest), so the gap is below 1 but well above 0
    s = M.sap(v + 0.01, v, seed=1)
    assert 0.3 < s < 1.0
    assert M.sap(np.c_[v[:, 0], v[:, 0]], v, seed=1) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="constant"):
        M.sap(v, np.c_[v[:, 0], np.ones(len(v))], continuous=True)


def test_modularity_known_answers() -> None:
    assert M.modularity(np.array([[1.0, 0.0], [0.0, 0.5]])) == 1.0
    # row (2, 1): squares (4, 1), delta = 1 / (4 * 1) -> 0.75; a silent latent scores 0
    assert M.modularity(np.array([[2.0, 1.0], [0.0, 0.0]])) == pytest.approx(0.375)
    v = _grid()
    assert M.modularity(v, v) == pytest.approx(1.0)  # codes = factors, via the MI matrix
    with pytest.raises(ValueError, match="at least 2 factors"):
        M.modularity(np.ones((3, 1)))


def test_explicitness_known_answers() -> None:
    v = _grid(40)
    rng = np.random.default_rng(2)
    z = np.c_[v, rng.standard_normal(len(v))] + 0.01 * rng.standard_normal((len(v), 3))
    assert M.explicitness(z, v) > 0.99
    noise = rng.standard_normal((len(v), 3))
    assert abs(M.explicitness(noise, v) - 0.5) < 0.1  # chance
    with pytest.raises(ValueError, match="constant on the training set"):
        M.explicitness(np.c_[z[:, :2], np.ones(len(v))], v)


def test_irs_known_answers() -> None:
    v = _grid()
    assert M.irs(v, v) == pytest.approx(1.0)  # fixing a factor fixes its latent exactly
    assert M.irs(np.zeros_like(v), v) == 0.0  # every latent constant
    # latent = a + b on the 3 x 4 grid: fixing a leaves b's spread (quantile 0.99 of |b -
    # mean b| = 1.5), fixing b leaves a's (1.0); the latent's max deviation is 2.5, so
    # IRS = 1 - 1.0 / 2.5 (its best factor, b)
    assert M.irs((v[:, 0] + v[:, 1])[:, None], v, diff_quantile=1.0) == pytest.approx(0.6)
    with pytest.raises(ValueError, match="diff_quantile"):
        M.irs(v, v, diff_quantile=0.0)


def test_sampled_scores_known_answers() -> None:
    grid = M.FactorGrid([3, 4, 5], noise=0.01)
    kw = {"batch_size": 16, "num_train": 200, "num_eval": 100}
    ident = M.beta_vae_score(grid, lambda x: x, random_state=np.random.RandomState(0), **kw)
    assert ident == (1.0, 1.0)  # the fixed factor's latent has the smallest |difference|
    fvae = M.factor_vae_score(
        grid, lambda x: x, random_state=np.random.RandomState(0), num_variance_estimate=500, **kw
    )
    assert fvae == (1.0, 1.0)
    # a representation that ignores the data: every latent collapsed -> FactorVAE score 0
    flat = M.factor_vae_score(
        grid,
        lambda x: np.zeros((len(x), 3)),
        random_state=np.random.RandomState(0),
        num_variance_estimate=50,
        **kw,
    )
    assert flat == (0.0, 0.0)
    # the same seed gives the same score; the draws follow disentanglement_lib's order
    again = M.beta_vae_score(grid, lambda x: x, random_state=np.random.RandomState(0), **kw)
    assert again == ident
    with pytest.raises(ValueError, match="shape"):
        M.beta_vae_score(grid, lambda x: x[:1], random_state=np.random.RandomState(0), **kw)
    with pytest.raises(ValueError, match="each >= 2"):
        M.FactorGrid([3, 1])
