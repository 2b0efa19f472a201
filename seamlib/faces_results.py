"""Faces experiments (the name the chapters and ``python -m seamlib.faces_results`` use).

The code lives in :mod:`seamlib.experiments.faces`, with the summary code shared with the
dSprites experiments in :mod:`seamlib.experiments.common`; ``offdiag_active`` is
:func:`seamlib.metrics.offdiag_active`. This module re-exports them.
"""

from __future__ import annotations

import sys

from seamlib.experiments.common import EVAL_SEED
from seamlib.experiments.faces import (
    CELEBA_ENV,
    CLAIM_KEYS,
    DATASETS,
    IMAGE_LEVELS,
    c1_c2_scores,
    celeba_root,
    claim_rows,
    collect,
    compare,
    ensure_results,
    grids,
    heldout_faces,
    images_of,
    load_results,
    main,
    make_celeba_fixture,
    resolve_dataset,
    summarise_run,
    write_grid,
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
