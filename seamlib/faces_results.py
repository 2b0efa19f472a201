"""Faces experiments (the name the chapters and ``python -m seamlib.faces_results`` use).

The code lives in :mod:`seamlib.experiments.faces` and
:mod:`seamlib.experiments.faces_data`, with the summary code shared with the dSprites
experiments in :mod:`seamlib.experiments.common`; ``offdiag_active`` is
:func:`seamlib.metrics.offdiag_active`. This module re-exports them.
"""

from __future__ import annotations

import sys

from seamlib.experiments.common import EVAL_SEED
from seamlib.experiments.faces import (
    CLAIM_KEYS,
    IMAGE_LEVELS,
    c1_c2_scores,
    claim_rows,
    collect,
    compare,
    ensure_results,
    grids,
    images_of,
    load_results,
    main,
    summarise_run,
    write_grid,
)
from seamlib.experiments.faces_data import (
    CELEBA_ENV,
    DATASETS,
    celeba_root,
    heldout_faces,
    make_celeba_fixture,
    resolve_dataset,
)
from seamlib.metrics.offdiag import offdiag_active

__all__ = [
    "EVAL_SEED",
    "offdiag_active",
    "CELEBA_ENV",
    "DATASETS",
    "IMAGE_LEVELS",
    "celeba_root",
    "resolve_dataset",
    "grids",
    "write_grid",
    "make_celeba_fixture",
    "heldout_faces",
    "c1_c2_scores",
    "summarise_run",
    "collect",
    "load_results",
    "ensure_results",
    "compare",
    "claim_rows",
    "CLAIM_KEYS",
    "images_of",
]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
