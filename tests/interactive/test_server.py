"""The chapters as notebooks in a JupyterLab server: opened, executed, saved back to Markdown.

Through the server's REST and websocket APIs (what the JupyterLab front end uses):

* the repository's settings make "Jupytext Notebook" the default viewer of ``.md`` files;
* every chapter opens as a notebook through the contents API, and its first cells run in a
  kernel started for it, without touching ``SEAMLIB_PROFILE``;
* "Restart and run all" works twice in a row, and each cell re-run after the whole chapter
  ran does not break the cell after it (``linear_models`` and ``faces`` by default;
  ``SEAMLIB_INTERACTIVE_CHAPTERS=all`` for every chapter, which takes as long as several
  ``make chapters``);
* saving writes the ``.md`` and creates no ``.ipynb``.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from labkit import CHAPTERS, Kernel, Lab, code_cells

#: First code cells run for every chapter (the run-time statement and the imports cell).
FIRST_CELLS = 3
PROFILE = os.environ.get("SEAMLIB_PROFILE", "laptop")
FULL = os.environ.get("SEAMLIB_INTERACTIVE_CHAPTERS", "linear_models,faces")
FULL_CHAPTERS = CHAPTERS if FULL == "all" else [c for c in FULL.split(",") if c]

PROFILE_PROBE = "__import__('os').environ.get('SEAMLIB_PROFILE')"
#: Run in the kernel before the chapter: records every write of SEAMLIB_PROFILE to os.environ
#: (even of the same value: a library call must not set a process-wide variable behind the
#: reader's back), with the stack that made it.
WATCH_PROFILE = """
def _seamlib_watch_profile():
    import os

    def note(what):
        import traceback
        stack = "".join(traceback.format_stack(limit=7)[:-2])
        os._seamlib_profile_writes.append(f"{what} at\\n{stack}")

    class WatchedEnviron(type(os.environ)):
        def __setitem__(self, key, value):
            if key == "SEAMLIB_PROFILE":
                note(f"set to {value!r}")
            super().__setitem__(key, value)

        def __delitem__(self, key):
            if key == "SEAMLIB_PROFILE":
                note("deleted")
            super().__delitem__(key)

    os._seamlib_profile_writes = []
    os.environ.__class__ = WatchedEnviron
_seamlib_watch_profile()
del _seamlib_watch_profile
"""


def open_notebook(lab: Lab, chapter: str) -> dict[str, Any]:
    model = lab.api("GET", f"/api/contents/book/{chapter}.md?type=notebook&content=1")
    assert model["type"] == "notebook", f"book/{chapter}.md did not open as a notebook: {model}"
    return model


def run_cell(kernel: Kernel, code: str, where: str) -> None:
    """Run one cell, then check the profile is still the reader's (no change behind the back)."""
    kernel.execute(code)
    now = kernel.value(PROFILE_PROBE)
    writes = kernel.value("getattr(__import__('os'), '_seamlib_profile_writes', None)")
    assert writes is not None, "the SEAMLIB_PROFILE watch is not installed in the kernel"
    assert now == PROFILE and not writes, (
        f"{where} wrote SEAMLIB_PROFILE in the kernel (before: {PROFILE!r}, after: {now!r}); "
        "a cell must not change the profile behind the reader's back (the next cells would "
        "silently use other sizes). Pass the profile as an argument instead of setting "
        "os.environ. Writes:\n" + "\n".join(writes)
    )


def start_watched_kernel(lab: Lab, chapter: str) -> Kernel:
    kernel = lab.start_kernel(f"book/{chapter}.md")
    kernel.execute(WATCH_PROFILE)
    return kernel


def test_markdown_opens_as_notebook_by_default(lab: Lab) -> None:
    settings = lab.api("GET", "/lab/api/settings/@jupyterlab/docmanager-extension:plugin")
    viewers = settings["schema"]["properties"]["defaultViewers"]["default"]
    assert viewers.get("markdown") == "Jupytext Notebook", viewers
    assert viewers.get("myst") == "Jupytext Notebook", viewers


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_first_cells_run(lab: Lab, chapter: str) -> None:
    nb = open_notebook(lab, chapter)["content"]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    cells = code_cells(nb)
    assert cells, f"book/{chapter}.md has no code cells"
    kernel = start_watched_kernel(lab, chapter)
    try:
        assert kernel.value(PROFILE_PROBE) == PROFILE  # the kernel sees the reader's profile
        assert kernel.value("__import__('os').getcwd()").endswith("book")
        for i, code in enumerate(cells[:FIRST_CELLS]):
            run_cell(kernel, code, f"book/{chapter}.md, code cell {i + 1}")
    finally:
        kernel.close()


@pytest.mark.parametrize("chapter", FULL_CHAPTERS)
def test_restart_run_all_twice_and_rerun_each_cell(lab: Lab, chapter: str) -> None:
    cells = code_cells(open_notebook(lab, chapter)["content"])
    kernel = lab.start_kernel(f"book/{chapter}.md")
    try:
        for attempt in ("first", "second"):
            kernel.restart()
            kernel.execute(WATCH_PROFILE)
            for i, code in enumerate(cells):
                run_cell(kernel, code, f"{attempt} run-all of book/{chapter}.md, code cell {i + 1}")
        # The kernel now holds the whole chapter. Re-run each cell in turn: every cell then runs
        # right after its predecessor was re-run, on the state a reader's kernel has.
        for i, code in enumerate(cells):
            run_cell(kernel, code, f"re-run of book/{chapter}.md, code cell {i + 1}")
    finally:
        kernel.close()


def test_save_writes_markdown_and_no_ipynb(lab: Lab) -> None:
    path = lab.root / "book" / "intro.md"
    model = open_notebook(lab, "intro")
    nb = model["content"]
    marker = "Saved through the contents API by tests/interactive."
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": marker})
    saved = lab.api(
        "PUT", "/api/contents/book/intro.md", {"type": "notebook", "format": "json", "content": nb}
    )
    assert saved["path"] == "book/intro.md"
    text = path.read_text("utf-8")
    assert text.rstrip().endswith(marker), "the edit did not reach book/intro.md"
    assert "format_name: myst" in text, "the chapter is no longer MyST Markdown"
    assert not list(lab.root.rglob("*.ipynb")), "saving a chapter wrote an .ipynb"
    # The saved file opens again with the same cells (a lossless round trip).
    again = open_notebook(lab, "intro")["content"]
    assert [c["source"] for c in again["cells"]] == [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]
    ]
