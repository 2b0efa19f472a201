"""Optimal Gaussian posteriors and the Eq. 6 identity (Allen, 2025, Sec. 4, App. A and B).

The name the chapters use for :mod:`seamlib.theory.posterior` (integration rules, the
per-datapoint beta-ELBO and its optimal Gaussian posterior) and for the Eq. 6 terms of
:mod:`seamlib.theory.eq6` (:func:`eq6_forms` evaluates both printed forms, :func:`eq6_rhs`
the one the numbers confirm); this module re-exports them.
"""

from __future__ import annotations

from seamlib.theory import posterior as _posterior
from seamlib.theory.eq6 import (
    Eq6Terms,
    McResidual,
    eq6_forms,
    eq6_mc_residual,
    eq6_rhs,
    eq6_terms,
    relative_residual,
)
from seamlib.theory.posterior import *  # noqa: F403

__all__ = [
    "Eq6Terms",
    "McResidual",
    "eq6_forms",
    "eq6_mc_residual",
    "eq6_rhs",
    "eq6_terms",
    "relative_residual",
    *_posterior.__all__,
]
