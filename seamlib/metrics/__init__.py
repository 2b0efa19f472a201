"""Disentanglement metrics: MI matrix, MIG, MIG-sup, AAS, diagonality, DtO, kNN score, OD, DCI,
SAP, modularity, explicitness, IRS, the beta-VAE and FactorVAE scores, MCC.

One module per metric family, each a pure function of numpy arrays, in the manner of
``disentanglement_lib/evaluation/metrics``: :mod:`~seamlib.metrics.mi` (MI matrices, KSG),
:mod:`~seamlib.metrics.mig`, :mod:`~seamlib.metrics.aas`, :mod:`~seamlib.metrics.offdiag`
(Appendix E), :mod:`~seamlib.metrics.dto`, :mod:`~seamlib.metrics.knn`,
:mod:`~seamlib.metrics.od`, :mod:`~seamlib.metrics.dci`, :mod:`~seamlib.metrics.sap`,
:mod:`~seamlib.metrics.modularity` (modularity, explicitness), :mod:`~seamlib.metrics.irs`,
:mod:`~seamlib.metrics.sampled` (the beta-VAE and FactorVAE scores, which sample their own
data), :mod:`~seamlib.metrics.mcc` and
:mod:`~seamlib.metrics.toy` (worked-example codes). Every name is re-exported here, so
``from seamlib import metrics; metrics.mig(codes, factors)`` works. The metrics need only
numpy, scipy and scikit-learn; :func:`independence_test` accepts torch tensors too. MIG,
DCI, SAP, modularity, explicitness, IRS and the beta-VAE and FactorVAE scores equal
disentanglement_lib's own code on the same inputs (``tests/test_metrics_dlib.py``).

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
- Kumar et al. (2018) (SAP); Ridgeway & Mozer (2018) (modularity, explicitness); Suter et
  al. (2019) (IRS); Higgins et al. (2017) (beta-VAE score); Kim & Mnih (2018) (FactorVAE
  score); Locatello et al. (2019), disentanglement_lib, whose choices these follow.
- Hyvarinen & Morioka (2016) / Khemakhem et al. (2020), mean correlation coefficient (MCC).
"""

from __future__ import annotations

from seamlib.metrics.aas import *  # noqa: F403
from seamlib.metrics.aas import __all__ as _aas
from seamlib.metrics.dci import *  # noqa: F403
from seamlib.metrics.dci import __all__ as _dci
from seamlib.metrics.dto import *  # noqa: F403
from seamlib.metrics.dto import __all__ as _dto
from seamlib.metrics.irs import *  # noqa: F403
from seamlib.metrics.irs import __all__ as _irs
from seamlib.metrics.knn import *  # noqa: F403
from seamlib.metrics.knn import __all__ as _knn
from seamlib.metrics.mcc import *  # noqa: F403
from seamlib.metrics.mcc import __all__ as _mcc
from seamlib.metrics.mi import *  # noqa: F403
from seamlib.metrics.mi import __all__ as _mi
from seamlib.metrics.mig import *  # noqa: F403
from seamlib.metrics.mig import __all__ as _mig
from seamlib.metrics.modularity import *  # noqa: F403
from seamlib.metrics.modularity import __all__ as _modularity
from seamlib.metrics.od import *  # noqa: F403
from seamlib.metrics.od import __all__ as _od
from seamlib.metrics.offdiag import *  # noqa: F403
from seamlib.metrics.offdiag import __all__ as _offdiag
from seamlib.metrics.sampled import *  # noqa: F403
from seamlib.metrics.sampled import __all__ as _sampled
from seamlib.metrics.sap import *  # noqa: F403
from seamlib.metrics.sap import __all__ as _sap
from seamlib.metrics.toy import *  # noqa: F403
from seamlib.metrics.toy import __all__ as _toy

# Each family's own list (imported by name: ``aas``, ``dci``, ``dto``, ``mcc`` and ``mig`` are
# also the names of functions, which shadow their modules here, as do ``irs``, ``modularity``
# and ``sap``).
__all__ = [
    *_mi,
    *_mig,
    *_aas,
    *_offdiag,
    *_dto,
    *_knn,
    *_od,
    *_dci,
    *_sap,
    *_modularity,
    *_irs,
    *_sampled,
    *_mcc,
    *_toy,
]
