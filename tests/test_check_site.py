"""The rendered-site check (tests/site/check_site.py) on hand-made pages."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "site"))

PAGE = """<html><body><main>
<p>| what | ratio |
|---|---|
| MIG | 120 |</p>
<table><tr><td>| a | b | c | d |</td></tr></table>
<pre><code>| kept | as | code | here |</code></pre>
<p>The ratio |x| of two numbers is prose, not a table.</p>
</main></body></html>"""


def test_pipe_table_paragraph_is_flagged(tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium); the site check needs it")
    from check_site import CHROMIUM_ARGS, pipe_table_paragraphs
    from playwright.sync_api import sync_playwright

    html = tmp_path / "page.html"
    html.write_text(PAGE)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(html.as_uri())
        problems = pipe_table_paragraphs(page)
        browser.close()
    assert len(problems) == 1, problems  # the paragraph only: not the table, code or prose
    assert "| what | ratio |" in problems[0]
