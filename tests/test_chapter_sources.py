"""The chapters' code cells use the library's helpers instead of defining their own copies."""

from __future__ import annotations

import ast
import re
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1] / "book"
CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
GLUE = {"glue", "glue_number", "glue_markdown"}


def _cells(text: str) -> list[str]:
    """The code of each code cell, its YAML header (``---`` ... ``---``) and tags removed."""
    out = []
    for body in CELL.findall(text):
        body = re.sub(r"\A---\n.*?\n---\n", "", body, flags=re.S)
        out.append("\n".join(ln for ln in body.splitlines() if not ln.startswith(":tags:")))
    return out


def _glue_wrappers(source: str) -> list[str]:
    """Functions whose body (docstring aside) is a single call of a glue function."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef):
            body = [
                s
                for s in node.body
                if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
            ]
            if (
                len(body) == 1
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Call)
                and getattr(body[0].value.func, "id", None) in GLUE
            ):
                found.append(node.name)
    return found


def test_glue_wrapper_finder() -> None:
    text = (
        "```{code-cell} ipython3\n:tags: [remove-cell]\ndef gl(name, value):\n"
        '    """Glue."""\n    glue(name, float(value), display=False)\n\n'
        "def keep(x):\n    glue_number('a', x)\n    return x\n```\n"
    )
    (cell,) = _cells(text)
    assert _glue_wrappers(cell) == ["gl"]


def test_no_chapter_defines_its_own_glue_helper() -> None:
    """Numbers for the prose go through ``seamlib.book.tables.glue_number`` (and
    ``glue_markdown``), one home for every chapter."""
    found = {
        page.name: names
        for page in sorted(BOOK.glob("*.md"))
        if (names := [n for cell in _cells(page.read_text()) for n in _glue_wrappers(cell)])
    }
    assert not found, f"use seamlib.book.tables.glue_number instead: {found}"
