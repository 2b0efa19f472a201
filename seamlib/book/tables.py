"""Glue helpers for chapter prose (myst-nb); tables are :class:`seamlib.book.report.Table`."""

from __future__ import annotations

__all__ = ["glue_markdown", "glue_number", "plain_text"]


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
