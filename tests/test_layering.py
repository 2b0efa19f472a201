"""The package is layered: dependencies point down, and nothing mutates ``os.environ``.

Layers, top to bottom: plots > experiments > engine (CLI, sweep, train, models) > theory
(and the modules that re-export it) > metrics > align; the base modules (config, errors,
provenance, data, claims) import no layer. The contracts live in ``pyproject.toml``
(``[tool.importlinter]``) and are checked with import-linter.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "seamlib"
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))


def _lint_imports(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert LINT_IMPORTS is not None
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # a copy for the child; ours is untouched
    return subprocess.run(
        [LINT_IMPORTS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed (dev extra)")
def test_import_layers_hold() -> None:
    res = _lint_imports("--config", str(ROOT / "pyproject.toml"))
    assert res.returncode == 0, res.stdout + res.stderr
    assert "0 broken" in res.stdout


@pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter is not installed (dev extra)")
def test_import_layers_can_fail(tmp_path: Path) -> None:
    """The checker sees the real imports: reversing two layers breaks the contract."""
    cfg = tmp_path / "reversed.toml"
    cfg.write_text(
        '[tool.importlinter]\nroot_package = "seamlib"\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "reversed"\ntype = "layers"\n'
        'layers = ["seamlib.metrics", "seamlib.theory"]\n'
    )
    res = _lint_imports("--config", str(cfg))
    assert res.returncode != 0 and "BROKEN" in res.stdout, res.stdout + res.stderr


def _environ_mutations(path: Path) -> list[str]:
    """Lines of ``path`` that assign to, delete from or update ``os.environ`` / ``putenv``."""
    tree = ast.parse(path.read_text(), str(path))
    found = []

    def is_environ(node: ast.AST) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr == "environ"
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
        ) or (isinstance(node, ast.Name) and node.id == "environ")

    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for t in targets:
            if isinstance(t, ast.Subscript) and is_environ(t.value):
                found.append(f"{path.name}:{node.lineno}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            mutating = {"update", "setdefault", "pop", "popitem", "clear", "__setitem__"}
            if (f.attr in mutating and is_environ(f.value)) or (
                f.attr in {"putenv", "unsetenv"} and isinstance(f.value, ast.Name)
            ):
                found.append(f"{path.name}:{node.lineno}")
    return sorted(found, key=lambda hit: int(hit.rsplit(":", 1)[1]))


def test_environ_checker_finds_mutations(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import os\nos.environ['A'] = '1'\nos.environ.update(B='2')\ndel os.environ['A']\n"
        "os.putenv('C', '3')\nx = os.environ.get('A')\n"
    )
    assert _environ_mutations(bad) == ["bad.py:2", "bad.py:3", "bad.py:4", "bad.py:5"]


def test_no_module_mutates_environ() -> None:
    """Not even the CLI: its --profile is passed down, never written to SEAMLIB_PROFILE."""
    hits = [hit for path in sorted(PACKAGE.rglob("*.py")) for hit in _environ_mutations(path)]
    assert not hits, f"these lines mutate os.environ: {hits}"
