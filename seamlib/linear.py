"""Probabilistic PCA and the linear VAE (Allen, 2025, Sec. 2-3 and Cor. 6.1).

The linear Gaussian latent variable model (Eq. 2)

.. math:: p(x|z) = N(x; W z, \\sigma^2 I), \\qquad p(z) = N(z; 0, I)

has a closed-form maximum-likelihood solution (Tipping & Bishop, 1999) and a closed-form
posterior (Eq. 3). Both are invariant under ``W -> W R`` for orthogonal ``R``: the rotational
symmetry of PPCA. A *linear VAE* (LVAE) keeps the model but approximates the posterior by
``q(z|x) = N(z; E x, Sigma)`` with one covariance ``Sigma`` shared by all ``x``. With a full
``Sigma`` the optimum is PPCA's, rotation included; with a *diagonal* ``Sigma`` the optimal
covariance of Eq. 4, ``sigma^2 R^T Lambda^-1 R``, must be diagonal, so ``R`` must be a
signed permutation: the symmetry is broken.

The functions live in :mod:`seamlib.theory.linear` and :mod:`seamlib.theory.lvae` (training);
:func:`ps_align` in :mod:`seamlib.align`. This module re-exports them.
"""

from __future__ import annotations

from seamlib.align import (
    ps_align,
)
from seamlib.theory.linear import (
    Covariance,
    as_data,
    diagonal_gap,
    gaussian_conditioning,
    ground_truth_decoder,
    half_life,
    lvae_elbo,
    optimal_elbo,
    optimal_posterior,
    population_moment,
    ppca_gradient_ascent,
    ppca_loglik,
    ppca_mle,
    ppca_posterior,
    random_orthogonal,
    rotation_2d,
    sample_linear_gaussian,
    second_moment,
    signed_permutations,
    synth_lin,
)
from seamlib.theory.lvae import (
    LVAEHistory,
    LVAEParams,
    train_lvae,
)

__all__ = [
    "ps_align",
    "Covariance",
    "as_data",
    "second_moment",
    "ppca_mle",
    "ppca_loglik",
    "ppca_posterior",
    "gaussian_conditioning",
    "ppca_gradient_ascent",
    "lvae_elbo",
    "optimal_posterior",
    "optimal_elbo",
    "diagonal_gap",
    "random_orthogonal",
    "rotation_2d",
    "signed_permutations",
    "half_life",
    "ground_truth_decoder",
    "sample_linear_gaussian",
    "population_moment",
    "synth_lin",
    "LVAEHistory",
    "LVAEParams",
    "train_lvae",
]
