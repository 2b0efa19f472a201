"""Decoder geometry: Jacobians, their SVD, singular-vector paths, seams and the C1/C2 scores.

Implements Section 5 and Appendices A, C and E of Allen (2025), *Unpicking Data at the Seams*:

* :func:`jacobian` -- ``J_z = dg/dz`` for a batch of latents (``torch.func.vmap`` + ``jacfwd``).
* :func:`jacobian_svd` -- ``J_z = U_z S_z V_z^T`` with a fixed order/sign convention, and
  :func:`continue_svd` which keeps signs consistent along a path (Def. D2, continuous SVD).
* :func:`sv_path` -- integrates ``dz/dt = v^i(z)`` (Def. D3) with RK4 and sign continuity and
  reports when a path leaves the regular set ``Z_reg`` (Def. D2); :func:`seam` returns its
  image ``g(z_t)`` and the seam coordinate ``u_i(t) = int s^i dt`` (Def. D4, Lemma C.1).
* :func:`c1_score` / :func:`c2_score` -- how far a decoder is from constraints C1 (``V_z`` a
  signed permutation; ``J^T J`` diagonal) and C2 (``ds_i/dz_j`` diagonal) of Lemma 4.1.
* :func:`hessian_term` -- the directed Hessian ``sum_l (x - d(z))_l H_l`` of Eq. 6 / Eq. 9,
  a ``d x d`` matrix per point, by forward-over-reverse differentiation.
* :func:`normalised_off_diagonal` -- the diagonality measure of Appendix E;
  :func:`eq6_terms` -- batch means of both derivative terms of Eq. 6 (Property P1).
* :func:`log_pushforward_density`, :func:`ball_density` -- the manifold density of Lemma 5.1
  (Eq. 7) and a Monte Carlo estimate of it.
* :func:`axis_seam_coordinates`, :func:`independence_test` -- the coordinates ``u_i`` of
  Def. D1 (Eq. 5) and a mutual-information permutation test of their independence
  (Theorem 5.2).

Conventions (decoders, the SVD's order and signs) are those of
:mod:`seamlib.theory.jacobian`.

This module gathers, under the name the chapters use, functions that live in
:mod:`seamlib.theory.jacobian`, :mod:`seamlib.theory.seams`, :mod:`seamlib.theory.scores`,
:mod:`seamlib.theory.identifiability`, :mod:`seamlib.theory.eq6` (``eq6_terms`` is
:func:`seamlib.theory.eq6.batch_terms`), :mod:`seamlib.align` and :mod:`seamlib.metrics.mi`
(the KSG estimator and the independence test).
"""

from __future__ import annotations

from seamlib.align import (
    DirectionMatch,
    match_directions,
    signed_permutation_distance,
)
from seamlib.metrics.mi import (
    IndependenceTest,
    independence_test,
    ksg_mutual_information,
)
from seamlib.theory.eq6 import (
    batch_terms as eq6_terms,
)
from seamlib.theory.identifiability import (
    LogPrior,
    TangentHessian,
    offdiagonal_ratio,
    seam_alignment,
    spectral_gap,
    standard_normal_log_prior,
    tangent_eigh,
    tangent_hessian,
)
from seamlib.theory.jacobian import (
    SVD,
    Decoder,
    JacobianFn,
    continue_svd,
    hessian_term,
    jacobian,
    jacobian_and_value,
    jacobian_svd,
    jvp_column,
    log_volume,
    regular_gap,
    svd_of_jacobian,
)
from seamlib.theory.scores import (
    C1Score,
    C2Score,
    c1_from_jacobian,
    c1_score,
    c2_score,
    normalised_off_diagonal,
    off_diagonal_fraction,
    singular_value_jacobian,
)
from seamlib.theory.seams import (
    Seam,
    SVPath,
    axis_seam_coordinates,
    ball_density,
    log_pushforward_density,
    path_velocity,
    seam,
    sv_path,
)

__all__ = [
    "DirectionMatch",
    "match_directions",
    "signed_permutation_distance",
    "IndependenceTest",
    "independence_test",
    "ksg_mutual_information",
    "eq6_terms",
    "LogPrior",
    "TangentHessian",
    "offdiagonal_ratio",
    "seam_alignment",
    "spectral_gap",
    "standard_normal_log_prior",
    "tangent_eigh",
    "tangent_hessian",
    "SVD",
    "Decoder",
    "JacobianFn",
    "continue_svd",
    "hessian_term",
    "jacobian",
    "jacobian_and_value",
    "jacobian_svd",
    "jvp_column",
    "log_volume",
    "regular_gap",
    "svd_of_jacobian",
    "C1Score",
    "C2Score",
    "c1_from_jacobian",
    "c1_score",
    "c2_score",
    "normalised_off_diagonal",
    "off_diagonal_fraction",
    "singular_value_jacobian",
    "Seam",
    "SVPath",
    "axis_seam_coordinates",
    "ball_density",
    "log_pushforward_density",
    "path_velocity",
    "seam",
    "sv_path",
]
