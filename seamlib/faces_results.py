"""Faces experiments (the name the chapters and ``python -m seamlib.faces_results`` use).

The code lives in :mod:`seamlib.experiments.faces` and
:mod:`seamlib.experiments.faces_data`, with the summary code shared with the dSprites
experiments in :mod:`seamlib.experiments.common`; ``offdiag_active`` is
:func:`seamlib.metrics.offdiag_active`. This module re-exports them.
"""

from __future__ import annotations

import sys

from seamlib.experiments import faces as _faces
from seamlib.experiments import faces_data as _faces_data
from seamlib.experiments.common import EVAL_SEED
from seamlib.experiments.faces import *  # noqa: F403
from seamlib.experiments.faces import main
from seamlib.experiments.faces_data import *  # noqa: F403
from seamlib.metrics.offdiag import offdiag_active

__all__ = ["EVAL_SEED", "offdiag_active", *_faces_data.__all__, *_faces.__all__]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
