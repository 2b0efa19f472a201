"""dSprites experiments (the name the chapters and ``python -m seamlib.dsprites_results`` use).

The code lives in :mod:`seamlib.experiments.dsprites`, with the summary code shared with the
faces experiments in :mod:`seamlib.experiments.common` (``eq6_terms`` here is
:func:`seamlib.experiments.common.model_eq6_terms`) and the published tables in
:mod:`seamlib.experiments.published`; this module re-exports them.
"""

from __future__ import annotations

import sys

from seamlib.experiments import dsprites as _dsprites
from seamlib.experiments import published as _published
from seamlib.experiments.common import (
    EVAL_SEED,
    decode_images,
    encode_images,
    group_stats,
)
from seamlib.experiments.common import model_eq6_terms as eq6_terms
from seamlib.experiments.dsprites import *  # noqa: F403
from seamlib.experiments.dsprites import main
from seamlib.experiments.published import *  # noqa: F403

__all__ = [
    *_published.__all__,
    "EVAL_SEED",
    "eq6_terms",
    "encode_images",
    "decode_images",
    "group_stats",
    *_dsprites.__all__,
]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
