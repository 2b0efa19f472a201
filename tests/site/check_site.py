"""Open the built book in headless Chromium and fail on a broken page.

For the index and every chapter page: a traceback or error output in a cell, a broken image
(not loaded or zero width), math that MathJax did not render (raw ``$$``/``\\(`` left in
the text, or a MathJax error node), a Markdown table that did not render (a paragraph of
pipe-separated cells), or a script or stylesheet loaded from another host (the site must
work offline: :func:`remote_assets`). Uses Playwright's Python API driving Debian's
``/usr/bin/chromium`` (no browser download).

Usage: ``python tests/site/check_site.py _build/html``
"""

from __future__ import annotations

import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ERROR_PATTERNS = [
    re.compile(r"Traceback \(most recent call last\)"),
    re.compile(r"\b\w+Error: "),
    re.compile(r"Exception: "),
]
#: ``$...$`` around a TeX command (``$\\beta = 1$``), as text: math that was never rendered.
RAW_INLINE_TEX = re.compile(r"\$[^$\n]{0,80}?\\[A-Za-z]+[^$\n]{0,80}?\$")


#: An address on another host: ``http://``, ``https://`` or protocol-relative ``//``.
REMOTE_URL = re.compile(r"^\s*(?:https?:)?//", re.IGNORECASE)
#: A remote script or stylesheet address named inside an inline script (loaded later by it).
REMOTE_ASSET_IN_SCRIPT = re.compile(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}/[^\s\"']*\.(?:js|css)\b")


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "script":
            self._in_script = True
            if REMOTE_URL.match(a.get("src", "")):
                self.found.append(f"script {a['src']}")
        elif tag == "link" and REMOTE_URL.match(a.get("href", "")):
            rel = a.get("rel", "").lower()
            if any(r in rel for r in ("stylesheet", "preload", "modulepreload", "prefetch")):
                self.found.append(f"{rel} {a['href']}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.found += [f"inline script loads {m}" for m in REMOTE_ASSET_IN_SCRIPT.findall(data)]


def remote_assets(html: str) -> list[str]:
    """Scripts and stylesheets a page loads from another host (empty for an offline page).

    >>> remote_assets('<script src="https://unpkg.com/thebe@0.8/lib/index.js"></script>')
    ['script https://unpkg.com/thebe@0.8/lib/index.js']
    >>> remote_assets('<script>const U = "https://unpkg.com/thebe/lib/index.js"</script>')
    ['inline script loads https://unpkg.com/thebe/lib/index.js']
    >>> remote_assets('<link rel="stylesheet" href="_static/a.css"><script src="b.js"></script>')
    []
    """
    parser = _AssetParser()
    parser.feed(html)
    return parser.found


def pages(html_dir: Path) -> list[Path]:
    """The index and every chapter page of the built book."""
    found = [html_dir / "index.html"] + sorted((html_dir / "book").glob("*.html"))
    return [p for p in found if p.is_file()]


#: a Markdown table left as text: a delimiter row (``|---|:--:|``) or a row of 3+ cells
PIPE_TABLE_TEXT = re.compile(r"\|\s*:?-{3,}:?\s*\||^\s*\|(?:[^|\n]*\|){3,}", re.MULTILINE)


def pipe_table_paragraphs(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Paragraphs of the page's prose (outside code and tables) that are pipe-table text.

    A Markdown table that reaches the page as text (e.g. ``IPython.display.Markdown`` output,
    which myst-nb renders as CommonMark, without tables) shows up as one paragraph of ``|``.
    """
    texts = page.evaluate(
        "() => { const m = document.querySelector('main'); if (!m) return [];"
        " return Array.from(m.querySelectorAll('p'))"
        ".filter(p => !p.closest('pre, code, table, .cell_input'))"
        ".map(p => p.innerText); }"
    )
    return [
        f"Markdown table left as a paragraph of pipes: {t.strip()[:120]!r}"
        for t in texts
        if PIPE_TABLE_TEXT.search(t)
    ]


def check_page(page, path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    problems += [f"loads from another host: {a}" for a in remote_assets(path.read_text())]
    page.goto(path.as_uri(), wait_until="load")
    # wait for MathJax to typeset, if the page has math
    page.wait_for_function(
        "() => !window.MathJax || !window.MathJax.startup || "
        "window.MathJax.startup.promise === undefined || true"
    )
    page.wait_for_timeout(300)
    has_mathjax = page.evaluate("() => !!(window.MathJax && window.MathJax.startup)")
    if has_mathjax:
        page.evaluate("() => window.MathJax.startup.promise")
    # 1. error output of executed cells
    for text in page.locator(".cell_output, .output").all_inner_texts():
        for pat in ERROR_PATTERNS:
            if pat.search(text):
                problems.append(f"error output: {text.strip()[:200]!r}")
                break
    if page.locator(".output.traceback, .output.stderr .traceback").count():
        problems.append("traceback block in output")
    # 2. broken images
    broken = page.evaluate(
        "() => Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.src)"
    )
    problems += [f"broken image: {src}" for src in broken]
    # 3. unrendered math
    if page.locator("mjx-merror, .MathJax_Error").count():
        problems.append("MathJax error")
    main = page.locator("main").inner_text() if page.locator("main").count() else ""
    n_math = page.locator(".math").count()
    n_rendered = page.locator("mjx-container").count()
    if n_math and not n_rendered:
        problems.append(f"{n_math} math blocks but no rendered MathJax output")
    if re.search(r"(?<!\\)\$\$|\\\(|\\\[", main):
        problems.append("raw TeX delimiters left in the page text")
    # inline $...$ with a TeX command left as text (e.g. glued Markdown, which MyST does not
    # parse for math), outside code, where a chapter's source may show it on purpose
    prose = page.evaluate(
        "() => { const m = document.querySelector('main'); if (!m) return '';"
        " const c = m.cloneNode(true);"
        " c.querySelectorAll('pre, code, .cell_input, mjx-container, script, style')"
        ".forEach(e => e.remove()); return c.textContent; }"
    )
    for hit in RAW_INLINE_TEX.finditer(prose):
        problems.append(f"raw inline TeX left in the page text: {hit.group(0)!r}")
    problems += pipe_table_paragraphs(page)
    return problems


def main(argv: list[str]) -> int:
    html_dir = Path(argv[1] if len(argv) > 1 else "_build/html").resolve()
    targets = pages(html_dir)
    if not targets:
        print(f"error: no built pages under {html_dir}; run `make book` first")
        return 1
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    failures = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page()
        for path in targets:
            problems = check_page(page, path)
            rel = path.relative_to(html_dir)
            if problems:
                failures += 1
                print(f"FAIL {rel}")
                for prob in problems:
                    print(f"     - {prob}")
            else:
                print(f"ok   {rel}")
        browser.close()
    print(f"{len(targets) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
