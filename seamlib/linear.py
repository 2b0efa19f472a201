"""Probabilistic PCA and the linear VAE (Allen, 2025, Sec. 2-3 and Cor. 6.1).

The name the chapters use for :mod:`seamlib.theory.linear` (PPCA, the LVAE's objectives,
the rotational symmetry and how a diagonal posterior breaks it) and
:mod:`seamlib.theory.lvae` (training), with :func:`~seamlib.align.ps_align` of
:mod:`seamlib.align`; this module re-exports them.
"""

from __future__ import annotations

from seamlib.align import ps_align
from seamlib.theory import linear as _linear
from seamlib.theory import lvae as _lvae
from seamlib.theory.linear import *  # noqa: F403
from seamlib.theory.lvae import *  # noqa: F403

__all__ = ["ps_align", *_linear.__all__, *_lvae.__all__]
