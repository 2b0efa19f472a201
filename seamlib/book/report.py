"""Tables for chapter outputs, glued into the prose with myst-nb.

A chapter builds a :class:`Table` from its numbers and glues it::

    from myst_nb import glue
    glue("lin_ratio_table", Table(["ratio", "error"], rows), display=False)

and places it in the Markdown with a ``{glue}`` directive. The book renders the HTML table
(``_repr_html_``); a terminal or a plain-text notebook shows aligned text (``__repr__``).
Nothing here needs pandas.
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Sequence
from typing import Any

__all__ = ["Table"]


def _cell(value: Any, fmt: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return str(value)
    if isinstance(value, numbers.Real):
        return format(float(value), fmt)
    return str(value)


class Table:
    """A table of already-computed values with a header row.

    Parameters
    ----------
    columns
        Column headers, length ``k``.
    rows
        Rows of ``k`` cells each: strings are shown as given, integers as integers, other
        real numbers with ``fmt``.
    fmt
        Format specification for real numbers (default ``".3g"``).
    caption
        Optional caption shown above the table.

    Raises
    ------
    ValueError
        A row has a different number of cells than ``columns``.

    Examples
    --------
    >>> from seamlib.book.report import Table
    >>> t = Table(["ratio", "error"], [[1.0, 0.31], [2.0, 1.2e-9]])
    >>> print(t)
    ratio  error
    -----  -------
    1      0.31
    2      1.2e-09
    >>> "<th>ratio</th>" in t._repr_html_()
    True
    """

    def __init__(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[Any]],
        *,
        fmt: str = ".3g",
        caption: str = "",
    ) -> None:
        self.columns = [str(c) for c in columns]
        self.cells = [[_cell(v, fmt) for v in row] for row in rows]
        for i, row in enumerate(self.cells):
            if len(row) != len(self.columns):
                raise ValueError(
                    f"Row {i} has {len(row)} cells but there are {len(self.columns)} columns "
                    f"({', '.join(self.columns)}); give one value per column."
                )
        self.caption = caption

    def __repr__(self) -> str:
        widths = [
            max([len(c)] + [len(row[j]) for row in self.cells]) for j, c in enumerate(self.columns)
        ]
        lines = [self.caption] if self.caption else []
        lines.append("  ".join(c.ljust(w) for c, w in zip(self.columns, widths)).rstrip())
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in self.cells]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        head = "".join(f"<th>{esc(c)}</th>" for c in self.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(v)}</td>" for v in row) + "</tr>" for row in self.cells
        )
        caption = f"<caption>{esc(self.caption)}</caption>" if self.caption else ""
        return (
            f'<table class="seamlib-table">{caption}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )
