"""Optimal Gaussian posteriors and the Eq. 6 identity (Allen, 2025, Sec. 4, App. A and B).

For one data point ``x`` and a Gaussian likelihood ``p(x|z) = N(x; d(z), sigma^2 I)`` with
prior ``p(z) = N(0, I)``, the per-datapoint beta-ELBO (Eq. 1) of a Gaussian posterior
``q(z|x) = N(mu, Sigma)`` is

.. math:: F(mu, Sigma) = E_q[log p(x|z)] - beta KL(q || p).

Setting its derivative in ``Sigma`` to zero (Price/Bonnet; Opper & Archambeau, 2009) gives the
first equality of Eq. 6,

.. math:: Sigma^{-1} = I - (1/beta) E_q[nabla_z^2 log p(x|z)],

and, for the Gaussian likelihood, ``nabla_z^2 log p(x|z) = -(J^T J - sum_l r_l H_l) / sigma^2``
with ``r = x - d(z)`` and ``H_l`` the Hessian of decoder output ``l``, so

.. math:: Sigma^{-1} = I + (1/(beta sigma^2)) E_q[J^T J - sum_l r_l H_l]

-- the sign of Appendix A's Eq. 9. The main text's Eq. 6 prints ``+ (x - d(z))^T H``; the
functions here evaluate both printed forms (:func:`eq6_forms`) so a chapter can measure which
one holds. :func:`eq6_rhs` returns the form that the numbers confirm (Eq. 9's sign).

The functions live in :mod:`seamlib.theory.posterior` and :mod:`seamlib.theory.eq6`; this
module re-exports them.
"""

from __future__ import annotations

from seamlib.theory.eq6 import (
    Eq6Terms,
    McResidual,
    eq6_forms,
    eq6_mc_residual,
    eq6_rhs,
    eq6_terms,
    relative_residual,
)
from seamlib.theory.posterior import (
    MAX_QUAD_DIM,
    MIN_QUAD_NODES,
    AxisAlignedDecoder,
    CovarianceKind,
    Decoder,
    Method,
    PosteriorFit,
    beta_elbo,
    collapse_optimum,
    expected_log_likelihood,
    fit_gaussian_posterior,
    gauss_hermite_rule,
    monte_carlo_rule,
    optimal_gaussian_posterior,
    standard_normal_rule,
)

__all__ = [
    "Eq6Terms",
    "McResidual",
    "eq6_forms",
    "eq6_mc_residual",
    "eq6_rhs",
    "eq6_terms",
    "relative_residual",
    "Decoder",
    "Method",
    "CovarianceKind",
    "MIN_QUAD_NODES",
    "MAX_QUAD_DIM",
    "gauss_hermite_rule",
    "monte_carlo_rule",
    "standard_normal_rule",
    "expected_log_likelihood",
    "beta_elbo",
    "PosteriorFit",
    "fit_gaussian_posterior",
    "optimal_gaussian_posterior",
    "collapse_optimum",
    "AxisAlignedDecoder",
]
