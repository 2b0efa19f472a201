"""Sphinx extension: ``seamlib-api`` renders one seamlib module's API reference.

Usage in a MyST page::

    ```{seamlib-api} seamlib.metrics
    ```

It emits an ``autosummary`` table of the module's public names (its ``__all__``, each with
the first line of its docstring) followed by ``automodule`` with every member, so a new
public function appears in the book without editing the page. A function or class that the
module re-exports from another public seamlib module (a package ``__init__`` such as
``seamlib.metrics`` gathers its submodules' names) is documented once, on its home module's
page, and linked from here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
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
        own = [item for item in public if _home_of(module, item) in (None, name)]
        moved = [item for item in public if item not in own]
        lines = [f".. automodule:: {name}", "   :no-members:", ""]
        if own:
            lines += [".. rubric:: Summary", "", ".. autosummary::", ""]
            lines += [f"   {item}" for item in own]
            lines += [""]
        if moved:
            # Documented once, where they are defined; here a link (no duplicate entries).
            lines += [".. rubric:: Re-exported here", ""]
            for item in moved:
                obj = getattr(module, item)
                target = _canonical(module, item)
                first = _first_line(obj) if _home(obj) else "(data)"
                lines += [f"* :py:obj:`{item} <{target}>` -- {first}"]
            lines += [""]
        if own:
            lines += [".. rubric:: Reference", ""]
            for item in own:
                obj = getattr(module, item)
                kind = _kind(obj)
                lines += [f".. auto{kind}:: {name}.{item}"]
                if kind == "class":
                    lines += ["   :members:", "   :show-inheritance:"]
                lines.append("")
        return self.parse_text_to_nodes("\n".join(lines))


def _home(obj: Any) -> str | None:
    """The public seamlib module a function or class is defined in (None for data)."""
    if not (isinstance(obj, type) or inspect.isfunction(obj)):
        return None
    home = getattr(obj, "__module__", None) or ""
    if not home.startswith("seamlib") or any(p.startswith("_") for p in home.split(".")):
        return None
    return home


def _assigned_in(module: Any, item: str) -> bool:
    """True when ``module``'s source assigns ``item`` at top level (its home for data)."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return False
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if isinstance(node, ast.Assign | ast.AnnAssign) and any(
            isinstance(t, ast.Name) and t.id == item for t in targets
        ):
            return True
    return False


def _home_of(module: Any, item: str) -> str | None:
    """Home module of ``module.item``: where a function/class is defined, or where data is
    assigned (searched among the loaded public seamlib modules); None when unknown."""
    obj = getattr(module, item)
    home = _home(obj)
    if home is not None:
        return home
    if _assigned_in(module, item):
        return str(module.__name__)
    for name, other in sorted(sys.modules.items()):
        if (
            name.startswith("seamlib")
            and not any(p.startswith("_") for p in name.split("."))
            and getattr(other, item, None) is obj
            and _assigned_in(other, item)
        ):
            return name
    return None


def _canonical(module: Any, item: str) -> str:
    obj = getattr(module, item)
    home = _home_of(module, item)
    return f"{home}.{obj.__qualname__}" if _home(obj) else f"{home}.{item}"


def _resolve_reexport(
    app: Sphinx, env: Any, node: Any, contnode: nodes.Element
) -> nodes.Element | None:
    """Resolve ``seamlib.metrics.mig`` to its home ``seamlib.metrics.mig.mig``."""
    if node.get("refdomain") != "py":
        return None
    target = str(node.get("reftarget", ""))
    candidates = [target]
    if node.get("py:module") and not target.startswith("seamlib."):
        candidates.insert(0, f"{node['py:module']}.{target}")
    for full in candidates:
        mod_name, _, item = full.rpartition(".")
        if not mod_name.startswith("seamlib") or not item:
            continue
        try:
            module = importlib.import_module(mod_name)
        except ImportError:
            continue
        if not hasattr(module, item) or _home_of(module, item) in (None, mod_name):
            continue
        canonical = _canonical(module, item)
        new = node.deepcopy()
        new["reftarget"] = canonical
        domain = env.get_domain("py")
        found = domain.resolve_xref(
            env, node["refdoc"], app.builder, node["reftype"], canonical, new, contnode
        )
        if found is None:  # e.g. :func: on a class: try any role
            hits = domain.resolve_any_xref(
                env, node["refdoc"], app.builder, canonical, new, contnode
            )
            found = hits[0][1] if hits else None
        if found is not None:
            return found
    return None


def _first_line(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


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
    app.connect("missing-reference", _resolve_reexport)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
