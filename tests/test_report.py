"""seamlib.book.report.Table: the HTML and text forms hold the same cells, escaped."""

from __future__ import annotations

import numpy as np
import pytest

from seamlib.book.report import Table


def test_html_and_text_hold_the_cells() -> None:
    t = Table(["a", "b <c>"], [[np.float64(0.123456), 3], ["x & y", np.int64(7)]], fmt=".2f")
    html = t._repr_html_()
    assert html.count("<tr>") == 3 and "<th>b &lt;c&gt;</th>" in html
    assert "<td>0.12</td>" in html and "<td>x &amp; y</td>" in html and "<td>7</td>" in html
    text = repr(t).splitlines()
    assert text[0].split() == ["a", "b", "<c>"] and text[2].split() == ["0.12", "3"]


def test_ragged_rows_are_refused() -> None:
    with pytest.raises(ValueError, match="Row 1 has 1 cells but there are 2 columns"):
        Table(["a", "b"], [[1, 2], [3]])
