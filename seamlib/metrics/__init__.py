"""Disentanglement metrics: MI matrix, MIG, MIG-sup, AAS, diagonality, DtO, kNN score, OD, DCI, MCC.

One module per metric family, each a pure function of numpy arrays, in the manner of
``disentanglement_lib/evaluation/metrics``: :mod:`~seamlib.metrics.mi` (MI matrices, KSG),
:mod:`~seamlib.metrics.mig`, :mod:`~seamlib.metrics.aas`, :mod:`~seamlib.metrics.offdiag`
(Appendix E), :mod:`~seamlib.metrics.dto`, :mod:`~seamlib.metrics.knn`,
:mod:`~seamlib.metrics.od`, :mod:`~seamlib.metrics.dci`, :mod:`~seamlib.metrics.mcc` and
:mod:`~seamlib.metrics.toy` (worked-example codes). Every name is re-exported here, so
``from seamlib import metrics; metrics.mig(codes, factors)`` works. The metrics need only
numpy, scipy and scikit-learn; :func:`independence_test` accepts torch tensors too.

Layout conventions
------------------
``codes``    array, shape (n, d): one row per data point, one column per latent (usually the
             posterior means mu(x)).
``factors``  array, shape (n, K): ground-truth generative factors, discrete (any values;
             each column is relabelled 0..c_k-1).
``mi``       array, shape (d, K): ``mi[j, k]`` = I(z_j; v_k) in nats (latents are rows, as in
             disentanglement_lib and the heatmaps of Allen (2025), Fig. 5).

References
----------
- Chen et al. (2018), *Isolating sources of disentanglement in VAEs* (MIG).
- Li et al. (2020) / Bhowal et al. (2024), MIG-sup and the OD-score.
- Allen (2025), *Unpicking data at the seams*, Appendix E (AAS, normalised off-diagonal).
- Rolinek et al. (2019), *VAEs pursue PCA directions (by accident)*, Eq. 29, Suppl. 8.1-8.2
  (distance to orthogonality DtO, their kNN "Disentanglement score").
- Eastwood & Williams (2018), *A framework for the quantitative evaluation of disentangled
  representations* (DCI).
- Hyvarinen & Morioka (2016) / Khemakhem et al. (2020), mean correlation coefficient (MCC).
"""

from __future__ import annotations

from seamlib.metrics.aas import (
    aas,
    greedy_order,
)
from seamlib.metrics.dci import (
    DCIScores,
    dci,
)
from seamlib.metrics.dto import (
    dto,
    nearest_signed_permutation,
    nearest_signed_permutation_milp,
)
from seamlib.metrics.knn import (
    rolinek_knn_score,
)
from seamlib.metrics.mcc import (
    mcc,
)
from seamlib.metrics.mi import (
    IndependenceTest,
    MutualInfo,
    active_latents,
    discretize,
    factor_entropies,
    independence_test,
    ksg_mutual_information,
    mutual_info_matrix,
    mutual_info_matrix_posterior,
)
from seamlib.metrics.mig import (
    mig,
    mig_sup,
)
from seamlib.metrics.od import (
    nearest_orthogonal,
    od_distances,
    od_score,
)
from seamlib.metrics.offdiag import (
    normalise_by_diagonal,
    normalized_off_diagonal,
    offdiag_active,
    offdiag_per_matrix,
)
from seamlib.metrics.toy import (
    DSPRITES_CARDS,
    DSPRITES_FACTORS,
    toy_dsprites_codes,
)

__all__ = [
    "MutualInfo",
    "discretize",
    "factor_entropies",
    "mutual_info_matrix",
    "mutual_info_matrix_posterior",
    "active_latents",
    "ksg_mutual_information",
    "IndependenceTest",
    "independence_test",
    "mig",
    "mig_sup",
    "aas",
    "greedy_order",
    "normalise_by_diagonal",
    "offdiag_per_matrix",
    "normalized_off_diagonal",
    "offdiag_active",
    "nearest_signed_permutation",
    "nearest_signed_permutation_milp",
    "dto",
    "rolinek_knn_score",
    "nearest_orthogonal",
    "od_distances",
    "od_score",
    "DCIScores",
    "dci",
    "mcc",
    "DSPRITES_FACTORS",
    "DSPRITES_CARDS",
    "toy_dsprites_codes",
]
