"""Small HTML tables for chapter outputs (rendered on the static site and in Jupyter).

myst-nb renders ``text/markdown`` outputs with CommonMark, which has no pipe tables, so a
table built as Markdown shows as raw text on the site. :func:`html_table` builds an HTML
``<table>`` from rows of data instead (no pandas needed).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from IPython.display import HTML

__all__ = ["html_table", "plain_text"]


def _cell(value: Any, digits: int) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1e-3 and value != 0 else f"{value:.{digits}f}"
    return html.escape(str(value))


def html_table(rows: Sequence[Mapping[str, Any]], digits: int = 4) -> HTML:
    """An HTML table with one row per mapping; columns are the keys of the first row.

    Parameters
    ----------
    rows
        Mappings with the same keys; floats are shown with ``digits`` decimals (small
        values in ``g`` format), everything else with ``str`` (HTML-escaped).
    digits
        Decimals of floats.

    Returns
    -------
    IPython.display.HTML
        Displayed as a table by Jupyter and by myst-nb.

    Examples
    --------
    >>> from seamlib.tables import html_table
    >>> t = html_table([{"posterior": "diag", "MCC": 0.98765}, {"posterior": "full", "MCC": 0.5}])
    >>> "<th>MCC</th>" in t.data and "<td>0.9877</td>" in t.data
    True
    """
    if not rows:
        raise ValueError("html_table needs at least one row.")
    cols = list(rows[0])
    for r in rows:
        if list(r) != cols:
            raise ValueError(f"Every row must have the columns {cols}; got {list(r)}.")
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(r[c], digits)}</td>" for c in cols) + "</tr>" for r in rows
    )
    return HTML(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


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
