"""The rendered-site check (tests/site/check_site.py) flags what a reader would see broken."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent / "site" / "check_site.py"


@pytest.fixture(scope="module")
def check_site():  # type: ignore[no-untyped-def]
    pytest.importorskip("playwright", reason="check_site imports playwright (the dev extra)")
    spec = importlib.util.spec_from_file_location("check_site", _PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "html",
    [
        '<script src="https://unpkg.com/thebe@0.8.2/lib/index.js" async></script>',
        '<script src="//cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager/embed-amd.js"></script>',
        '<link rel="stylesheet" href="http://example.org/theme.css">',
        '<script>const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"</script>',
    ],
)
def test_a_remote_script_or_stylesheet_is_flagged(check_site, html: str) -> None:
    assert len(check_site.remote_assets(f"<html><head>{html}</head></html>")) == 1


def test_local_assets_and_links_to_other_sites_pass(check_site) -> None:
    html = (
        '<link rel="stylesheet" href="../_static/ledger.css">'
        '<script src="../_static/sphinx-mathjax-offline/tex-chtml.js"></script>'
        '<a href="https://arxiv.org/abs/1812.06775">Rolinek et al.</a>'
        "<script>var DOCUMENTATION_OPTIONS = {VERSION: '0.1'}</script>"
    )
    assert check_site.remote_assets(html) == []


PAGE = """<html><body><main>
<p>| what | ratio |
|---|---|
| MIG | 120 |</p>
<table><tr><td>| a | b | c | d |</td></tr></table>
<pre><code>| kept | as | code | here |</code></pre>
<p>The ratio |x| of two numbers is prose, not a table.</p>
</main></body></html>"""


def test_pipe_table_paragraph_is_flagged(check_site, tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install chromium); the site check needs it")
    from playwright.sync_api import sync_playwright

    html = tmp_path / "page.html"
    html.write_text(PAGE)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=check_site.CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(html.as_uri())
        problems = check_site.pipe_table_paragraphs(page)
        browser.close()
    assert len(problems) == 1, problems  # the paragraph only: not the table, code or prose
    assert "| what | ratio |" in problems[0]
