"""A real browser: Playwright drives Debian's Chromium through JupyterLab and the static slider.

* JupyterLab (the server of ``conftest.py``, on a copy of the repository): opening
  ``book/linear_models.md`` gives a notebook (the repository's default viewer); the cells up
  to the rotation slider run; dragging the slider makes the kernel redraw the picture; an edit
  saved with Ctrl+S lands in the ``.md``, and no ``.ipynb`` is written.
* The website's fallback of the same slider (``seamlib.book.plots.slider.static_slider_html``):
  with no kernel and no network, dragging the range input swaps the picture.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from labkit import Lab

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
MARKER = "Edited in JupyterLab by tests/interactive/test_browser.py."


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium (no browser download; CI installs the ``chromium`` package)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(apt-get install chromium), as .ci/run does."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _drag(page: Any, handle: Any, dx: float) -> None:
    """Press the mouse on ``handle``, move it ``dx`` pixels in small steps, release."""
    box = handle.bounding_box()
    assert box is not None, "the slider handle is not visible"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=12)
    page.mouse.up()


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.5)


def test_static_slider_swaps_frames_without_kernel(browser: Any, tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from seamlib.book.plots.slider import png, static_slider_html

    frames = []
    for k in range(5):
        fig, ax = plt.subplots(figsize=(2, 2))
        ax.plot([0, 1], [0, k])
        frames.append(png(fig, dpi=40))
    page_file = tmp_path / "slider.html"
    body = static_slider_html(frames, [0.0, 0.5, 1.0, 1.5, 2.0], index=0, description="t")
    page_file.write_text(f"<!doctype html><html><body>{body}</body></html>", "utf-8")

    page = browser.new_page()
    page.route(
        "**/*", lambda r: r.abort() if not r.request.url.startswith("file:") else r.continue_()
    )
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(page_file.as_uri())
    img, readout = page.locator(".seamlib-slider img"), page.locator(".seamlib-slider output")
    before = img.get_attribute("src")
    assert readout.inner_text() == "0.00"
    slider = page.locator(".seamlib-slider input[type=range]")
    box = slider.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)  # to the end
    assert readout.inner_text() == "2.00"
    assert img.get_attribute("src") != before, "moving the static slider did not swap the frame"
    assert not errors, errors
    page.close()


def test_jupyterlab_slider_rerenders_and_save_writes_md(lab: Lab, browser: Any) -> None:
    md = lab.root / "book" / "linear_models.md"
    original = md.read_text("utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    page.goto(f"{lab.url}/lab/tree/book/linear_models.md?token={lab.token}")

    # The default viewer opens the chapter as a notebook (not in the text editor).
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell")
    page.wait_for_function(
        """() => {
          const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
          const k = w && w.sessionContext && w.sessionContext.session
            && w.sessionContext.session.kernel;
          return k && k.status === 'idle';
        }""",
        timeout=180_000,
    )
    # Run every cell above the slider, then the slider cell (as Run > Run All Above Selected
    # Cell, then Shift+Enter on it would).
    index = page.evaluate(
        """async () => {
          const app = window.jupyterapp, nb = app.shell.currentWidget.content;
          const idx = nb.widgets.findIndex(
            c => c.model.sharedModel.getSource().includes('rotation_slider('));
          if (idx < 0) return idx;
          nb.widgets[idx].node.id = 'slider-cell';
          nb.activeCellIndex = idx;
          const ok = await app.commands.execute('notebook:run-all-above');
          if (!ok) return -2;
          await app.commands.execute('notebook:run-cell');
          return idx;
        }"""
    )
    assert index >= 0, f"no rotation-slider cell ran in book/linear_models.md ({index})"
    cell = page.locator("#slider-cell")
    img = cell.locator(".jp-OutputArea img")
    img.wait_for(state="visible", timeout=300_000)
    readout = cell.locator(".widget-readout")
    before_src, before_value = img.get_attribute("src"), readout.inner_text()
    before_png = img.screenshot()

    _drag(page, cell.locator(".noUi-handle"), 120)
    _wait_for(
        lambda: img.get_attribute("src") != before_src, 120, "the kernel to redraw the picture"
    )
    assert readout.inner_text() != before_value, "the slider value did not change"
    img.wait_for(state="visible")
    assert img.screenshot() != before_png, "the picture looks the same after moving the slider"

    # Edit: a new Markdown cell at the end, typed in; then save with Ctrl+S.
    page.evaluate(
        """async () => {
          const app = window.jupyterapp, nb = app.shell.currentWidget.content;
          nb.activeCellIndex = nb.widgets.length - 1;
          await app.commands.execute('notebook:insert-cell-below');
          await app.commands.execute('notebook:change-cell-to-markdown');
          await app.commands.execute('notebook:enter-edit-mode');
        }"""
    )
    page.keyboard.type(MARKER)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    _wait_for(lambda: MARKER in md.read_text("utf-8"), 60, "the save to reach the .md")
    page.close()

    saved = md.read_text("utf-8")
    assert saved != original
    assert "format_name: myst" in saved and "rotation_slider(" in saved
    assert "image/png" not in saved and "data:image" not in saved, "outputs were written"
    ipynb = sorted(str(p.relative_to(lab.root)) for p in lab.root.rglob("*.ipynb"))
    assert not ipynb, f"saving the chapter wrote notebooks: {ipynb}"
