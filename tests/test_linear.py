"""Known-answer and bad-input tests of PPCA and the linear VAE (seamlib.theory.linear, lvae)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from seamlib.align import ps_align
from seamlib.data.synthetic import synth_lin
from seamlib.metrics import dto
from seamlib.theory import linear as lin
from seamlib.theory import lvae

DT = torch.float64


@pytest.fixture(scope="module")
def data() -> dict[str, torch.Tensor]:
    W = lin.ground_truth_decoder(5, [2.0, 1.0], seed=0)
    X = lin.sample_linear_gaussian(W, 0.1, 2_000, seed=1)
    X = X - X.mean(0)
    W_mle, s2 = lin.ppca_mle(X, 2)
    return {"W": W, "X": X, "C": lin.second_moment(X), "W_mle": W_mle, "s2": s2}


# --- PPCA ------------------------------------------------------------------------------
def test_ppca_mle_matches_eigendecomposition(data: dict[str, torch.Tensor]) -> None:
    lam, U = np.linalg.eigh(data["C"].numpy())
    lam, U = lam[::-1], U[:, ::-1]
    s2 = lam[2:].mean()
    assert float(data["s2"]) == pytest.approx(s2, abs=1e-12)
    WWt = U[:, :2] @ np.diag(lam[:2] - s2) @ U[:, :2].T
    W = data["W_mle"].numpy()
    np.testing.assert_allclose(W @ W.T, WWt, atol=1e-12)
    # columns orthogonal, decreasing norms
    G = W.T @ W
    assert abs(G[0, 1]) < 1e-12 and G[0, 0] > G[1, 1]


def test_ppca_mle_centres_data(data: dict[str, torch.Tensor]) -> None:
    W1, s1 = lin.ppca_mle(data["X"], 2)
    W2, s2 = lin.ppca_mle(data["X"] + torch.tensor([5.0, -3.0, 1.0, 0.0, 2.0], dtype=DT), 2)
    torch.testing.assert_close(W1, W2, atol=1e-10, rtol=0)
    assert float(s1) == pytest.approx(float(s2), abs=1e-12)


def test_ppca_mle_recovers_truth_with_many_samples() -> None:
    W = lin.ground_truth_decoder(4, [3.0, 1.5], seed=3)
    X = lin.sample_linear_gaussian(W, 0.2, 200_000, seed=4)
    W_mle, s2 = lin.ppca_mle(X, 2)
    assert float(s2) == pytest.approx(0.2, rel=0.02)
    np.testing.assert_allclose((W_mle @ W_mle.T).numpy(), (W @ W.T).numpy(), atol=0.05)


def test_posterior_equals_gaussian_conditioning(data: dict[str, torch.Tensor]) -> None:
    mean, M = lin.ppca_posterior(data["W_mle"], data["s2"], data["X"][:50])
    mean_bf, cov_bf = lin.gaussian_conditioning(data["W_mle"], data["s2"], data["X"][:50])
    assert float((mean - mean_bf).abs().max()) < 1e-10
    assert float((M - cov_bf).abs().max()) < 1e-10


def test_gradient_ascent_never_beats_closed_form(data: dict[str, torch.Tensor]) -> None:
    ll = float(lin.ppca_loglik(data["W_mle"], data["s2"], data["X"]))
    _, _, ll_ga = lin.ppca_gradient_ascent(data["X"], 2, seed=5, adam_steps=100)
    assert float(ll_ga) <= ll + 1e-8 * abs(ll)
    assert float(ll_ga) == pytest.approx(ll, abs=1e-6)


def test_loglik_matches_scipy(data: dict[str, torch.Tensor]) -> None:
    from scipy.stats import multivariate_normal

    W, s2, X = data["W_mle"].numpy(), float(data["s2"]), data["X"].numpy()
    ref = multivariate_normal(np.zeros(5), W @ W.T + s2 * np.eye(5)).logpdf(X).mean()
    assert float(lin.ppca_loglik(W, s2, X)) == pytest.approx(ref, abs=1e-10)


# --- LVAE: analytic ELBO and optimal posterior -------------------------------------------
def test_full_optimum_is_tight_and_rotation_invariant(data: dict[str, torch.Tensor]) -> None:
    ll = float(lin.ppca_loglik(data["W_mle"], data["s2"], data["X"]))
    for seed in range(3):
        R = lin.random_orthogonal(2, seed=seed)
        D = data["W_mle"] @ R
        full = float(lin.optimal_elbo(D, data["s2"], data["C"], covariance="full"))
        assert full == pytest.approx(ll, abs=1e-10)
        assert float(lin.ppca_loglik(D, data["s2"], data["X"])) == pytest.approx(ll, abs=1e-10)
        assert float(lin.diagonal_gap(D, data["s2"])) > 1e-6


def test_diagonal_gap_closed_form_and_signed_permutations(data: dict[str, torch.Tensor]) -> None:
    W, s2, C = data["W_mle"], data["s2"], data["C"]
    R = lin.rotation_2d(0.3)
    gap = float(lin.optimal_elbo(W @ R, s2, C, covariance="full")) - float(
        lin.optimal_elbo(W @ R, s2, C, covariance="diag")
    )
    assert gap == pytest.approx(float(lin.diagonal_gap(W @ R, s2)), abs=1e-12)
    perms = list(lin.signed_permutations(2))
    assert len(perms) == 8
    for P in perms:
        assert abs(float(lin.diagonal_gap(W @ P, s2))) < 1e-12


def test_eq4(data: dict[str, torch.Tensor]) -> None:
    W, s2, C = data["W_mle"], data["s2"], data["C"]
    R = lin.random_orthogonal(2, seed=9)
    lam = torch.linalg.eigvalsh(C).flip(0)[:2]
    _, Sigma = lin.optimal_posterior(W @ R, s2, covariance="full")
    torch.testing.assert_close(Sigma, s2 * R.T @ torch.diag(1 / lam) @ R, atol=1e-10, rtol=0)


def test_optimal_posterior_is_stationary(data: dict[str, torch.Tensor]) -> None:
    D = lin.random_orthogonal(5, seed=2)[:, :2] * 1.5
    for kind in ("diag", "full"):
        E, Sigma = lin.optimal_posterior(D, 0.3, covariance=kind, beta=2.0)
        E = E.clone().requires_grad_()
        if kind == "diag":
            logv = torch.log(torch.diagonal(Sigma)).clone().requires_grad_()
            S = torch.diag(logv.exp())
            params = [E, logv]
        else:
            L0 = torch.linalg.cholesky(Sigma).clone().requires_grad_()
            S = L0 @ L0.T
            params = [E, L0]
        val = lin.lvae_elbo(D, E, S, 0.3, data["C"], beta=2.0)
        grads = torch.autograd.grad(val, params)
        assert max(float(g.abs().max()) for g in grads) < 1e-10


# --- training ------------------------------------------------------------------------------
def test_training_fig2_known_answer(data: dict[str, torch.Tensor]) -> None:
    U_star, S_star, _ = torch.linalg.svd(data["W_mle"], full_matrices=False)
    h = {
        k: lvae.train_lvae(
            data["X"], 2, covariance=k, steps=600, lr=0.1, lr_decay=0.1, seed=7, record_every=100
        )
        for k in ("diag", "full")
    }
    for k in ("diag", "full"):
        assert ps_align(h[k].U[-1], U_star.numpy())[1] < 1e-3
        assert np.abs(h[k].S[-1] - S_star.numpy()).max() < 1e-3
        assert h[k].sigma2[-1] == pytest.approx(float(data["s2"]), abs=1e-4)
        assert h[k].D.shape == (7, 5, 2) and h[k].V.shape == (7, 2, 2)
        np.testing.assert_array_equal(h[k].step, np.arange(0, 601, 100))
    assert dto(h["diag"].V[-1]) < 1e-3
    assert dto(h["full"].V[-1]) > 0.05
    # same init for both covariances
    np.testing.assert_array_equal(h["diag"].D[0], h["full"].D[0])


def test_newton_small_beta_synth_lin() -> None:
    X = synth_lin(2_000, seed=0).x
    h = lvae.train_lvae(
        X,
        2,
        covariance="diag",
        steps=25,
        lr=1.0,
        seed=0,
        beta=1e-4,
        sigma2=0.5,
        optimizer="newton",
        amortised=False,
    )
    assert dto(h.final.D.numpy(), jacobian=True) < 1e-3


def test_synth_lin_spec() -> None:
    data = synth_lin(1_000, seed=1)
    X, v = data.x, data.factors
    assert X.shape == (1_000, 3) and v.shape == (1_000, 2)
    # a rotation of the embedded, stretched square: distances preserved
    emb = np.column_stack([2 * v[:, 0], v[:, 1], np.zeros(len(v))])
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), np.linalg.norm(emb, axis=1), atol=1e-12)
    # the rotation axis (1, -1, 1) is fixed
    axis = np.array([1.0, -1.0, 1.0]) / math.sqrt(3)
    np.testing.assert_allclose(X @ axis, emb @ axis, atol=1e-12)


def test_half_life_and_ps_align() -> None:
    assert lin.half_life([1.0, 0.8, 0.4, 0.6, 0.3, 0.1]) == 4.0
    assert lin.half_life([1.0, 2.0, 0.9]) == math.inf
    A = np.eye(3)[:, :2]
    aligned, err = ps_align(A[:, ::-1] * np.array([-2.0, 1.0]), A)
    assert err < 1e-12
    np.testing.assert_allclose(aligned, A)


# --- bad input ---------------------------------------------------------------------------
def test_fewer_rows_than_d() -> None:
    with pytest.raises(ValueError, match="rows"):
        lin.ppca_mle(np.ones((2, 5)), 3)
    with pytest.raises(ValueError, match="rows"):
        lvae.train_lvae(np.ones((1, 5)), 2, covariance="diag", steps=1, lr=0.1, seed=0)


def test_d_greater_than_m() -> None:
    X = np.random.default_rng(0).normal(size=(50, 3))
    with pytest.raises(ValueError, match="d=4"):
        lin.ppca_mle(X, 4)
    with pytest.raises(ValueError, match="d=3"):
        lin.ppca_mle(X, 3)  # PPCA needs a discarded direction
    with pytest.raises(ValueError, match="exceeds"):
        lvae.train_lvae(X, 4, covariance="full", steps=1, lr=0.1, seed=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite(bad: float) -> None:
    X = np.random.default_rng(0).normal(size=(50, 4))
    X[3, 1] = bad
    with pytest.raises(ValueError, match="non-finite"):
        lin.ppca_mle(X, 2)
    with pytest.raises(ValueError, match="non-finite"):
        lvae.train_lvae(X, 2, covariance="diag", steps=1, lr=0.1, seed=0)
    with pytest.raises(ValueError, match="non-finite"):
        lin.second_moment(X)


def test_other_bad_arguments() -> None:
    X = np.random.default_rng(0).normal(size=(50, 4))
    with pytest.raises(ValueError, match="2-D"):
        lin.ppca_mle(X[:, 0], 1)
    with pytest.raises(ValueError, match="positive integer"):
        lin.ppca_mle(X, 0)
    with pytest.raises(ValueError, match="covariance"):
        lvae.train_lvae(X, 2, covariance="bogus", steps=1, lr=0.1, seed=0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="optimizer"):
        lvae.train_lvae(X, 2, covariance="diag", steps=1, lr=0.1, seed=0, optimizer="sgd")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="beta"):
        lin.optimal_posterior(np.ones((4, 2)), 0.1, covariance="full", beta=0.0)
