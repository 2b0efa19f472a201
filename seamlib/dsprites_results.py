"""dSprites experiments (the name the chapters and ``python -m seamlib.dsprites_results`` use).

The code lives in :mod:`seamlib.experiments.dsprites`, with the summary code shared with the
faces experiments in :mod:`seamlib.experiments.common` (``eq6_terms`` here is
:func:`seamlib.experiments.common.model_eq6_terms`) and the published tables in
:mod:`seamlib.experiments.published`; this module re-exports them.
"""

from __future__ import annotations

import sys

from seamlib.experiments.common import (
    EVAL_SEED,
    decode_images,
    encode_images,
    group_stats,
)
from seamlib.experiments.common import model_eq6_terms as eq6_terms
from seamlib.experiments.dsprites import (
    EXPERIMENTS,
    FACTOR_NAMES,
    FIG7_KEYS,
    GRIDS,
    ORDINAL_FACTORS,
    TABLE_D,
    axis_match,
    classify,
    collect,
    eval_id,
    fig5_trends,
    fig7_label,
    fig7_stats,
    grids,
    heldout_data,
    heldout_indices,
    load_results,
    main,
    spearman,
    spearman_test,
    summarise_run,
    training_indices,
    write_grids,
)
from seamlib.experiments.published import (
    BHOWAL_BETA,
    BHOWAL_HIDDEN,
    BHOWAL_TABLE4_DSPRITES,
    ROLINEK_BETA,
    ROLINEK_D,
    ROLINEK_TABLE2_DSPRITES,
)

__all__ = [
    "ROLINEK_TABLE2_DSPRITES",
    "BHOWAL_TABLE4_DSPRITES",
    "ROLINEK_BETA",
    "ROLINEK_D",
    "BHOWAL_BETA",
    "BHOWAL_HIDDEN",
    "EVAL_SEED",
    "eq6_terms",
    "encode_images",
    "decode_images",
    "group_stats",
    "FACTOR_NAMES",
    "TABLE_D",
    "EXPERIMENTS",
    "GRIDS",
    "grids",
    "write_grids",
    "training_indices",
    "heldout_indices",
    "heldout_data",
    "eval_id",
    "summarise_run",
    "axis_match",
    "ORDINAL_FACTORS",
    "classify",
    "collect",
    "load_results",
    "spearman",
    "spearman_test",
    "fig5_trends",
    "fig7_label",
    "fig7_stats",
    "FIG7_KEYS",
]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
