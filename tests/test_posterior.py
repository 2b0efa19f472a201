"""Tests of seamlib.theory.posterior and .eq6: integration rules, optimal posterior, Eq. 6 terms."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch

from seamlib.engine.models import mlp
from seamlib.theory import eq6, linear, posterior

DT = torch.float64


def _double_factorial(k: int) -> int:
    return 1 if k <= 0 else k * _double_factorial(k - 2)


def _normal_moment(k: int) -> float:
    """E[eps^k] for eps ~ N(0, 1)."""
    return 0.0 if k % 2 else float(_double_factorial(k - 1))


@pytest.fixture(scope="module")
def mlp_problem() -> tuple[torch.nn.Module, torch.Tensor, float]:
    torch.manual_seed(0)
    dec = mlp([2, 16, 16, 5]).double()
    x = 1.2 * torch.randn(5, generator=torch.Generator().manual_seed(1), dtype=DT)
    return dec, x, 0.05


# --------------------------------------------------------------------------------------
# Integration rules
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "powers", [(0,), (2,), (7,), (9,), (4, 2), (3, 6), (8, 0), (2, 2, 2), (4, 0, 6), (1, 3, 5)]
)
def test_gauss_hermite_exact_on_monomials(powers: tuple[int, ...]) -> None:
    n = 5  # exact up to degree 2n - 1 = 9 in each coordinate
    eps, w = posterior.gauss_hermite_rule(len(powers), n)
    est = float((w * torch.prod(eps ** torch.tensor(powers, dtype=DT), dim=1)).sum())
    expected = math.prod(_normal_moment(k) for k in powers)
    assert est == pytest.approx(expected, abs=1e-11, rel=1e-12)


def test_gauss_hermite_degree_limit() -> None:
    """Degree 2n is the first power the n-node rule gets wrong."""
    eps, w = posterior.gauss_hermite_rule(1, 4)
    assert float((w * eps[:, 0] ** 8).sum()) != pytest.approx(_normal_moment(8), rel=1e-6)


def test_gauss_hermite_gaussian_quadratic_and_quartic() -> None:
    """E[z^T A z] = tr(A S) + mu^T A mu and E[z_1^4] for z = mu + L eps (full covariance)."""
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(3, generator=g, dtype=DT)
    L = torch.tril(torch.randn(3, 3, generator=g, dtype=DT)) + 2 * torch.eye(3, dtype=DT)
    S = L @ L.T
    A = torch.randn(3, 3, generator=g, dtype=DT)
    eps, w = posterior.gauss_hermite_rule(3, posterior.MIN_QUAD_NODES)
    z = mu + eps @ L.T
    quad = (w * torch.einsum("ki,ij,kj->k", z, A, z)).sum()
    assert float(quad) == pytest.approx(float(torch.trace(A @ S) + mu @ A @ mu), rel=1e-12)
    s2, m1 = float(S[0, 0]), float(mu[0])
    quartic = m1**4 + 6 * m1**2 * s2 + 3 * s2**2
    assert float((w * z[:, 0] ** 4).sum()) == pytest.approx(quartic, rel=1e-12)


def test_monte_carlo_rule_converges_and_is_common() -> None:
    """E[exp(a^T eps)] = exp(|a|^2 / 2): errors within 4 s.e., s.e. ~ 1/sqrt(n)."""
    a = torch.tensor([0.3, -0.2, 0.1, 0.25], dtype=DT)
    truth = math.exp(0.5 * float(a @ a))
    ses = []
    for n in (1_000, 16_000, 256_000):
        eps, w = posterior.monte_carlo_rule(4, n, seed=3)
        f = torch.exp(eps @ a)
        est, se = float((w * f).sum()), float(f.std() / math.sqrt(n))
        assert abs(est - truth) <= 4 * se
        ses.append(se)
    assert ses[0] / ses[2] == pytest.approx(16.0, rel=0.1)
    e1, _ = posterior.monte_carlo_rule(4, 100, seed=3)
    e2, _ = posterior.monte_carlo_rule(4, 100, seed=3)
    assert torch.equal(e1, e2)


# --------------------------------------------------------------------------------------
# ELBO and its gradients
# --------------------------------------------------------------------------------------
def test_elbo_gradient_matches_finite_differences(mlp_problem) -> None:  # type: ignore[no-untyped-def]
    dec, x, s2 = mlp_problem
    rule = posterior.gauss_hermite_rule(2, posterior.MIN_QUAD_NODES)
    mu = torch.tensor([0.2, -0.4], dtype=DT, requires_grad=True)
    L = torch.tensor([[0.8, 0.0], [0.3, 0.6]], dtype=DT, requires_grad=True)
    f = posterior.beta_elbo(dec, x, mu, L, s2, 2.0, rule)
    g_mu, g_L = torch.autograd.grad(f, (mu, L))
    h = 1e-6
    with torch.no_grad():
        for i in range(2):
            e = torch.zeros(2, dtype=DT)
            e[i] = h
            fd = (
                posterior.beta_elbo(dec, x, mu + e, L, s2, 2.0, rule)
                - posterior.beta_elbo(dec, x, mu - e, L, s2, 2.0, rule)
            ) / (2 * h)
            assert float(g_mu[i]) == pytest.approx(float(fd), rel=1e-6, abs=1e-7)
        for i, j in [(0, 0), (1, 0), (1, 1)]:
            E = torch.zeros(2, 2, dtype=DT)
            E[i, j] = h
            fd = (
                posterior.beta_elbo(dec, x, mu, L + E, s2, 2.0, rule)
                - posterior.beta_elbo(dec, x, mu, L - E, s2, 2.0, rule)
            ) / (2 * h)
            assert float(g_L[i, j]) == pytest.approx(float(fd), rel=1e-6, abs=1e-7)


def test_elbo_equals_closed_form_for_linear_decoder() -> None:
    g = torch.Generator().manual_seed(5)
    W = torch.randn(4, 2, generator=g, dtype=DT)
    x = torch.randn(4, generator=g, dtype=DT)
    mu = torch.randn(2, generator=g, dtype=DT)
    L = torch.tensor([[0.7, 0.0], [0.2, 0.5]], dtype=DT)
    rule = posterior.gauss_hermite_rule(2, posterior.MIN_QUAD_NODES)
    got = posterior.beta_elbo(lambda z: z @ W.T, x, mu, L, 0.3, 1.5, rule)
    S = L @ L.T
    ell = -(
        float((x - W @ mu) @ (x - W @ mu)) + float(torch.trace(W @ S @ W.T))
    ) / 0.6 - 2 * math.log(2 * math.pi * 0.3)
    kl = 0.5 * (float(torch.trace(S) + mu @ mu) - 2 - float(torch.logdet(S)))
    assert float(got) == pytest.approx(ell - 1.5 * kl, rel=1e-12)


# --------------------------------------------------------------------------------------
# Eq. 6 terms
# --------------------------------------------------------------------------------------
def test_eq6_terms_known_answer_bilinear_decoder() -> None:
    """d(z) = z1 z2: E[J^T J] and E[r] H are Gaussian moments; quadrature is exact."""
    mu = torch.tensor([0.3, -0.7], dtype=DT)
    S = torch.tensor([[0.5, 0.2], [0.2, 0.4]], dtype=DT)
    x = torch.tensor([0.9], dtype=DT)
    s2 = 0.2
    t = eq6.eq6_terms(lambda z: (z[:, 0] * z[:, 1])[:, None], x, mu, S, s2)
    m11, m22 = float(S[0, 0] + mu[0] ** 2), float(S[1, 1] + mu[1] ** 2)
    m12 = float(S[0, 1] + mu[0] * mu[1])
    jtj = torch.tensor([[m22, m12], [m12, m11]], dtype=DT)
    Hr = (float(x[0]) - m12) * torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=DT)
    torch.testing.assert_close(t.jtj, jtj, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(t.hessian_term, Hr, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(t.loglik_hessian, -(jtj - Hr) / s2, rtol=1e-12, atol=1e-12)
    assert float(t.jtj_se.abs().max()) == 0.0


def test_eq6_terms_match_finite_differences(mlp_problem) -> None:  # type: ignore[no-untyped-def]
    """With q ~ a point mass at z0 the terms equal FD derivatives of the decoder at z0."""
    dec, x, s2 = mlp_problem
    z0 = torch.tensor([0.4, -0.3], dtype=DT)
    t = eq6.eq6_terms(dec, x, z0, 1e-14 * torch.eye(2, dtype=DT), s2)
    h = 1e-4

    def f(z: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            return dec(z[None])[0]

    E = torch.eye(2, dtype=DT) * h
    J = torch.stack([(f(z0 + E[j]) - f(z0 - E[j])) / (2 * h) for j in range(2)], dim=1)
    r = x - f(z0)

    def phi(z: torch.Tensor) -> float:
        return float(r @ f(z))

    def loglik(z: torch.Tensor) -> float:
        return float(-0.5 * (x - f(z)).pow(2).sum() / s2)

    def fd_hess(g: Callable[[torch.Tensor], float]) -> torch.Tensor:
        H = torch.empty(2, 2, dtype=DT)
        for i in range(2):
            for j in range(2):
                H[i, j] = (
                    g(z0 + E[i] + E[j])
                    - g(z0 + E[i] - E[j])
                    - g(z0 - E[i] + E[j])
                    + g(z0 - E[i] - E[j])
                ) / (4 * h * h)
        return H

    torch.testing.assert_close(t.jtj, J.T @ J, rtol=1e-6, atol=1e-8)
    torch.testing.assert_close(t.hessian_term, fd_hess(phi), rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(t.loglik_hessian, fd_hess(loglik), rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------------------
# The optimal posterior and Eq. 6
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("beta", [1.0, 3.0])
def test_linear_decoder_recovers_ppca_posterior(beta: float) -> None:
    g = torch.Generator().manual_seed(0)
    W = torch.randn(5, 2, generator=g, dtype=DT)
    x = torch.randn(5, generator=g, dtype=DT)
    dec = torch.nn.Linear(2, 5, bias=False).double()
    with torch.no_grad():
        dec.weight.copy_(W)
    mean, cov = posterior.optimal_gaussian_posterior(dec, x, 0.5, beta)
    E, S = linear.optimal_posterior(W, 0.5, covariance="full", beta=beta)
    torch.testing.assert_close(cov, S, rtol=0, atol=1e-10)
    torch.testing.assert_close(mean, E @ x, rtol=0, atol=1e-10)
    _, cov_d = posterior.optimal_gaussian_posterior(dec, x, 0.5, beta, covariance="diag")
    _, S_d = linear.optimal_posterior(W, 0.5, covariance="diag", beta=beta)
    torch.testing.assert_close(cov_d, S_d, rtol=0, atol=1e-10)


def test_eq6_identity_and_sign_nonlinear_quadrature(mlp_problem) -> None:  # type: ignore[no-untyped-def]
    dec, x, s2 = mlp_problem
    fit = posterior.fit_gaussian_posterior(dec, x, s2, 1.0)
    assert fit.grad_norm < 1e-10
    terms = eq6.eq6_terms(dec, x, fit.mean, fit.cov, s2)
    prec = torch.linalg.inv(fit.cov)
    forms = eq6.eq6_forms(terms, s2, 1.0)
    assert eq6.relative_residual(prec, forms["hessian"]) < 1e-6
    assert eq6.relative_residual(prec, forms["appendix_eq9"]) < 1e-6
    assert eq6.relative_residual(prec, forms["main_text_eq6"]) > 1e-2
    rhs = eq6.eq6_rhs(dec, x, fit.mean, fit.cov, s2, 1.0)
    torch.testing.assert_close(rhs, forms["appendix_eq9"])
    # the mean condition E_q[grad log p] = beta mu holds too (first-order optimality)
    fd = posterior.fit_gaussian_posterior(dec, x, s2, 1.0, "diag")
    td = eq6.eq6_terms(dec, x, fd.mean, fd.cov, s2)
    rhs_d = torch.diagonal(eq6.eq6_forms(td, s2)["hessian"])
    assert float(((1 / torch.diagonal(fd.cov) - rhs_d).abs() / rhs_d).max()) < 1e-6
    assert fit.elbo >= fd.elbo - 1e-12


def test_beta_is_a_variance(mlp_problem) -> None:  # type: ignore[no-untyped-def]
    dec, x, s2 = mlp_problem
    m_b, c_b = posterior.optimal_gaussian_posterior(dec, x, s2, 4.0)
    m_1, c_1 = posterior.optimal_gaussian_posterior(dec, x, 4.0 * s2, 1.0)
    torch.testing.assert_close(m_b, m_1, rtol=0, atol=1e-8)
    torch.testing.assert_close(c_b, c_1, rtol=0, atol=1e-8)


def test_monte_carlo_fit_is_deterministic_and_checks_eq6() -> None:
    torch.manual_seed(1)
    dec = mlp([4, 16, 8]).double()
    x = 0.5 * torch.randn(8, generator=torch.Generator().manual_seed(3), dtype=DT)
    f1 = posterior.fit_gaussian_posterior(dec, x, 0.1, method="mc", n_samples=500, seed=7)
    f2 = posterior.fit_gaussian_posterior(dec, x, 0.1, method="mc", n_samples=500, seed=7)
    assert torch.equal(f1.cov, f2.cov) and f1.grad_norm < 1e-7
    res = eq6.eq6_mc_residual(dec, x, 0.1, n_samples=1_000, n_replicates=4)
    assert res.norm_ratio["appendix_eq9"] < 3.0
    assert res.norm_ratio["main_text_eq6"] > 3.0


def test_axis_aligned_decoder_gap() -> None:
    x = torch.tensor([1.2, -0.5, 0.3, 0.0], dtype=DT)
    gaps = []
    for angle in (0.0, math.pi / 6):
        dec = posterior.AxisAlignedDecoder(angle)
        ff = posterior.fit_gaussian_posterior(dec, x, 0.3, latent_dim=2)
        fd = posterior.fit_gaussian_posterior(dec, x, 0.3, covariance="diag", latent_dim=2)
        gaps.append(ff.elbo - fd.elbo)
        if angle == 0.0:
            t = eq6.eq6_terms(dec, x, ff.mean, ff.cov, 0.3)
            assert float(t.jtj[0, 1].abs() + t.hessian_term[0, 1].abs()) < 1e-12
    assert abs(gaps[0]) < 1e-10 and gaps[1] > 1e-3


def test_collapse_optimum_threshold() -> None:
    lam = np.array([2.0, 0.8, 0.3])
    U = linear.random_orthogonal(5, seed=0)[:, :3]
    C = U @ torch.diag(torch.as_tensor(lam, dtype=DT)) @ U.T
    for beta in (1.0, 5.0, 10.0, 25.0):
        D, S = posterior.collapse_optimum(C, 3, 0.1, beta)
        norms2 = (D**2).sum(0).numpy()
        np.testing.assert_allclose(norms2, np.clip(lam - beta * 0.1, 0, None), atol=1e-12)
        collapsed = lam <= beta * 0.1
        np.testing.assert_allclose(torch.diagonal(S).numpy()[collapsed], 1.0, atol=1e-12)


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------
def _lin() -> torch.nn.Module:
    return torch.nn.Linear(2, 3).double()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(sigma2=0.0), "sigma2"),
        (dict(sigma2=float("nan")), "sigma2"),
        (dict(beta=-1.0), "beta"),
        (dict(covariance="banded"), "covariance"),
        (dict(method="sobol"), "method"),
        (dict(n_nodes=10), "n_nodes"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    args = dict(sigma2=0.1, beta=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        posterior.fit_gaussian_posterior(_lin(), torch.zeros(3, dtype=DT), **args)  # type: ignore[arg-type]


def test_bad_data_and_decoder() -> None:
    with pytest.raises(ValueError, match="NaN"):
        posterior.fit_gaussian_posterior(_lin(), torch.tensor([0.0, float("nan"), 1.0]), 0.1)
    with pytest.raises(ValueError, match="floating-point"):
        posterior.fit_gaussian_posterior(_lin(), [0.0, 1.0, 2.0], 0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="outputs 3 values"):
        posterior.fit_gaussian_posterior(_lin(), torch.zeros(4, dtype=DT), 0.1)
    with pytest.raises(ValueError, match="latent_dim"):
        posterior.fit_gaussian_posterior(lambda z: z, torch.zeros(2, dtype=DT), 0.1)
    with pytest.raises(ValueError, match="method='mc'"):
        posterior.fit_gaussian_posterior(
            torch.nn.Linear(4, 3).double(), torch.zeros(3, dtype=DT), 0.1
        )


def test_bad_mean_and_cov() -> None:
    x, mu = torch.zeros(3, dtype=DT), torch.zeros(2, dtype=DT)
    with pytest.raises(ValueError, match="positive definite"):
        eq6.eq6_terms(_lin(), x, mu, torch.tensor([[1.0, 2.0], [2.0, 1.0]], dtype=DT), 0.1)
    with pytest.raises(ValueError, match="shape"):
        eq6.eq6_terms(_lin(), x, mu, torch.eye(3, dtype=DT), 0.1)
    with pytest.raises(ValueError, match="symmetric"):
        eq6.eq6_terms(_lin(), x, mu, torch.tensor([[1.0, 0.5], [0.0, 1.0]], dtype=DT), 0.1)
    with pytest.raises(ValueError, match="n_replicates"):
        eq6.eq6_mc_residual(_lin(), x, 0.1, n_replicates=1)
    with pytest.raises(ValueError, match="n_samples"):
        posterior.monte_carlo_rule(2, 1, seed=0)


def _bernoulli_decoder() -> torch.nn.Module:
    torch.manual_seed(3)
    return torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 6)
    ).double()


def test_bernoulli_expected_log_likelihood_matches_torch_distributions() -> None:
    dec = _bernoulli_decoder()
    x = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], dtype=torch.float64)
    mean = torch.tensor([0.3, -0.2], dtype=torch.float64)
    L = torch.tensor([[0.5, 0.0], [0.1, 0.4]], dtype=torch.float64)
    rule = posterior.standard_normal_rule(2, "quadrature", n_nodes=20)
    ell = posterior.expected_log_likelihood(dec, x, mean, L, 1.0, rule, "bernoulli")
    eps, w = rule
    logp = torch.distributions.Bernoulli(logits=dec(mean + eps @ L.T)).log_prob(x).sum(-1)
    assert float(ell) == pytest.approx(float((w * logp).sum()), abs=1e-12)
    with pytest.raises(ValueError, match="likelihood must be"):
        posterior.expected_log_likelihood(dec, x, mean, L, 1.0, rule, "poisson")


def test_beta_elbo_optimum_is_the_elbo_optimum_of_the_tempered_bernoulli_likelihood() -> None:
    """App. B: the beta-ELBO optimum is the ELBO optimum under p(x|z)^(1/beta), and it is
    wider than the beta = 1 optimum (beta > 1 dilates posteriors)."""
    dec = _bernoulli_decoder()
    x = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0], dtype=torch.float64)

    def fit(beta: float, temperature: float) -> posterior.PosteriorFit:
        return posterior.fit_gaussian_posterior(
            dec, x, 1.0, beta, "full", likelihood="bernoulli", temperature=temperature,
            latent_dim=2, n_nodes=20,
        )  # fmt: skip

    beta_elbo, tempered, plain = fit(4.0, 1.0), fit(1.0, 4.0), fit(1.0, 1.0)
    assert torch.allclose(beta_elbo.mean, tempered.mean, atol=1e-8)
    assert torch.allclose(beta_elbo.cov, tempered.cov, atol=1e-8)
    # dilated: cov(beta = 4) - cov(beta = 1) is positive definite
    assert float(torch.linalg.eigvalsh(beta_elbo.cov - plain.cov).min()) > 1e-3
    assert not torch.allclose(beta_elbo.cov, plain.cov, atol=1e-3)
