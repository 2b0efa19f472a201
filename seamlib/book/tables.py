"""Glue helpers for chapter prose (myst-nb); tables are :class:`seamlib.book.report.Table`."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["glue_markdown", "glue_number", "glue_numbers", "mean_sd_text", "plain_text"]


class _Plain(str):
    """A string whose ``repr`` is itself (no quotes)."""

    def __repr__(self) -> str:
        return str(self)


def plain_text(text: str) -> str:
    """``text`` for ``myst_nb.glue``: shown without the quotes of a ``str`` repr.

    ``{glue:text}`` inserts the ``text/plain`` output of the glued object, which for a plain
    ``str`` is its repr (``'diag'``); this wrapper's repr is the text itself.

    Examples
    --------
    >>> from seamlib.book.tables import plain_text
    >>> repr(plain_text("smoke"))
    'smoke'
    """
    return _Plain(text)


def mean_sd_text(stats: Mapping[str, float] | None, digits: int = 3) -> str:
    """A table cell ``"mean ± sd"`` from a summary ``{"mean", "std", "n"}`` (as
    :func:`seamlib.experiments.common.group_stats` gives); ``"–"`` where there is none.

    Examples
    --------
    >>> from seamlib.book.tables import mean_sd_text
    >>> mean_sd_text({"mean": 0.2714, "std": 0.0132, "n": 3}), mean_sd_text({"n": 0})
    ('0.271 ± 0.013', '–')
    >>> mean_sd_text({"mean": 9.0, "std": 0.0, "n": 3}, digits=1), mean_sd_text(None)
    ('9.0 ± 0.0', '–')
    """
    if not stats or not stats.get("n"):
        return "–"
    return f"{stats['mean']:.{digits}f} ± {stats['std']:.{digits}f}"


def glue_number(name: str, value: float) -> None:
    """Glue ``value`` for the prose (``{glue:text}`name:fmt```) as a plain Python float.

    A numpy or torch scalar glued as is would show its type in ``{glue:text}``; every
    number a chapter's sentences depend on goes through here.

    Examples
    --------
    >>> from seamlib.book.tables import glue_number
    >>> glue_number("demo_value", 0.25)  # in a notebook: {glue:text}`demo_value:.2f`
    """
    from myst_nb import glue

    glue(name, float(value), display=False)


def glue_numbers(
    prefix: str, values: Mapping[str, Any], keys: Iterable[str] | None = None
) -> list[str]:
    """Glue ``values[k]`` as ``<prefix><k>`` (:func:`glue_number`) for each of ``keys``.

    ``keys`` defaults to every entry of ``values`` that is a real number (booleans and
    text left out): a statistics record such as a paired test's result is glued in one
    call, each of its numbers under its own name.

    Returns
    -------
    list of str
        The glued names.

    Examples
    --------
    >>> from seamlib.book.tables import glue_numbers
    >>> glue_numbers("pair_", {"n": 8, "p": 0.004, "label": "MIG", "ok": True})
    ['pair_n', 'pair_p']
    >>> glue_numbers("pair_", {"n": 8, "p": 0.004}, keys=["p"])
    ['pair_p']
    """
    if keys is None:
        keys = [
            k
            for k, v in values.items()
            if isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
        ]
    names = []
    for k in keys:
        glue_number(f"{prefix}{k}", values[k])
        names.append(f"{prefix}{k}")
    return names


def glue_markdown(name: str, text: str) -> None:
    """Glue a few words of Markdown for the prose (``{glue:md}`name```).

    Examples
    --------
    >>> from seamlib.book.tables import glue_markdown
    >>> glue_markdown("demo_words", "**as predicted**")  # in a notebook: {glue:md}`demo_words`
    """
    from IPython.display import Markdown
    from myst_nb import glue

    glue(name, Markdown(text), display=False)
