"""Glue helpers for chapter prose (myst-nb); tables are :class:`seamlib.report.Table`."""

from __future__ import annotations

__all__ = ["plain_text"]


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
    >>> from seamlib.tables import plain_text
    >>> repr(plain_text("smoke"))
    'smoke'
    """
    return _Plain(text)
