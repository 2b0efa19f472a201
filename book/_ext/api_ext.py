"""Sphinx extension: ``seamlib-api`` renders one seamlib module's API reference.

Usage in a MyST page::

    ```{seamlib-api} seamlib.metrics
    ```

It emits an ``autosummary`` table of the module's public names (its ``__all__``, each with
the first line of its docstring) followed by ``automodule`` with every member, so a new
public function appears in the book without editing the page.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


class SeamlibApiDirective(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            logger.warning(
                f"seamlib-api: cannot import {name}: {exc}", location=self.get_location()
            )
            return [nodes.paragraph(text=f"{name} could not be imported: {exc}")]
        public = list(getattr(module, "__all__", []))
        lines = [f".. automodule:: {name}", "   :no-members:", ""]
        if public:
            lines += [".. rubric:: Summary", "", ".. autosummary::", ""]
            lines += [f"   {item}" for item in public]
            lines += ["", ".. rubric:: Reference", ""]
            for item in public:
                obj = getattr(module, item)
                kind = _kind(obj)
                lines += [f".. auto{kind}:: {name}.{item}"]
                if kind == "class":
                    lines += ["   :members:", "   :show-inheritance:"]
                lines.append("")
        return self.parse_text_to_nodes("\n".join(lines))


def _kind(obj: Any) -> str:
    if isinstance(obj, type):
        return "exception" if issubclass(obj, BaseException) else "class"
    if callable(obj):
        return "function"
    return "data"


# ``(n, *data_shape)`` in a docstring is Python's unpacking notation for shapes, not the
# start of reST emphasis: escape the star before reST sees it.
_SHAPE_STAR = re.compile(r"(?<=[(,] )\*(?=\w+\))|(?<=\()\*(?=\w+[,)])")


def _escape_shape_stars(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    lines[:] = [_SHAPE_STAR.sub(r"\\*", line) for line in lines]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("seamlib-api", SeamlibApiDirective)
    app.connect("autodoc-process-docstring", _escape_shape_stars)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
