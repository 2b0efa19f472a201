"""One plot style for every chapter, and small shared plotting helpers.

Chapter-specific figures live in submodules (``seamlib.book.plots.linear``, ...).
"""

from __future__ import annotations

from typing import Any

import matplotlib.style

__all__ = ["use_style", "STYLE", "COLORS"]

#: Colours used consistently across the book: s.v. paths (blue), seams (red),
#: diagonal posteriors vs full posteriors.
COLORS: dict[str, str] = {
    "path": "#1f5fbf",
    "seam": "#c8312b",
    "traversal": "#2e8b3d",
    "diag": "#1f5fbf",
    "full": "#d9822b",
    "truth": "#333333",
    "data": "#1f5fbf",
    "recon": "#c8312b",
}

#: matplotlib rcParams applied by :func:`use_style`.
STYLE: dict[str, Any] = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "figure.constrained_layout.use": True,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "image.cmap": "viridis",
    "font.size": 10,
}


def use_style() -> None:
    """Apply the book's matplotlib style (idempotent; call once in a chapter's imports cell).

    Examples
    --------
    >>> from seamlib.book import plots
    >>> plots.use_style()
    """
    matplotlib.style.use(STYLE)
