"""Sphinx extension: the built pages load no script or stylesheet from another host.

Jupyter Book always loads sphinx-thebe, which puts the address of thebe on unpkg.com into
every page (an inline script read by ``sphinx-thebe.js`` when a reader starts a live
kernel). The book has no live-kernel button, so those assets are dropped. myst-nb adds
require.js and the ipywidgets HTML manager from CDNs to every page with a widget; the book
renders a widget's ``text/html`` fallback instead (``nb_mime_priority_overrides`` in
``_config.yml``), so ``nb_ipywidgets_js`` is empty there and nothing is loaded.

At ``html-page-context`` this extension removes, from the page's script and stylesheet
lists, every entry whose address is on another host (``http:``, ``https:`` or ``//``),
every inline script that names such an address, and sphinx-thebe's own files.
``tests/site/check_site.py`` fails on any page that still references one.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

REMOTE = re.compile(r"^(?:https?:)?//", re.IGNORECASE)
#: Local assets that only serve a live kernel through thebe.
THEBE_FILES = ("sphinx-thebe.js", "sphinx-thebe.css")


def _is_remote_or_thebe(asset: Any) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", "") or "")
    if REMOTE.match(filename) or filename.endswith(THEBE_FILES):
        return True
    return bool(re.search(r"(?:https?:)?//[\w.-]+\.\w+/\S*\.(?:js|css)\b", body))


def _drop_remote_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_remote_or_thebe(a)]


def setup(app: Sphinx) -> dict[str, Any]:
    # after the other extensions have added their assets (default priority 500)
    app.connect("html-page-context", _drop_remote_assets, priority=900)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
