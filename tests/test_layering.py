"""The package is layered, each name has one home, and nothing mutates ``os.environ``.

Layers, top to bottom: plots > experiments > engine (CLI, sweep, train, models) > theory >
metrics > align; the base modules (config, errors, provenance, data, claims) import no layer.
The contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked with
import-linter. Besides: no module (other than a package ``__init__``) only re-exports
another seamlib module's names, and no module imports another module's private (``_name``)
names.
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


# --------------------------------------------------------------------------------------
# One home per name: no re-export modules, no private names across modules
# --------------------------------------------------------------------------------------
def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _only_reexports(path: Path) -> bool:
    """Whether every public name of ``path`` is imported from another seamlib module.

    The public names are ``__all__`` (a ``*other.__all__`` entry counts as imported) or,
    without one, the top-level public names it defines or imports from seamlib.
    """
    tree = ast.parse(path.read_text(), str(path))
    defined: set[str] = set()
    imported: set[str] = set()
    public: list[str] | None = None
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if not isinstance(t, ast.Name):
                    continue
                if t.id == "__all__" and isinstance(node.value, ast.List | ast.Tuple):
                    public = [
                        e.value if isinstance(e, ast.Constant) else "*" for e in node.value.elts
                    ]
                else:
                    defined.add(t.id)
        elif isinstance(node, ast.ImportFrom) and (
            node.level > 0 or (node.module or "").startswith("seamlib")
        ):
            imported.update(a.asname or a.name for a in node.names)
    if public is None:
        public = [n for n in defined | imported if not n.startswith("_")]
    return bool(public) and not any(name in defined for name in public)


def _private_imports(path: Path, root: Path) -> list[str]:
    """``from seamlib.x import _y`` and ``x._y`` (``x`` bound to a seamlib import) in ``path``.

    A name is private when it starts with one underscore; a private *module* (such as
    ``seamlib.theory._validate``) may share public names within its package.
    """
    tree = ast.parse(path.read_text(), str(path))
    me = _module_name(path, root)
    where = path.relative_to(root).as_posix()
    hits = []
    bound = set()  # local names of seamlib modules or objects
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seamlib"):
            for a in node.names:
                bound.add(a.asname or a.name)
                if a.name.startswith("_") and not a.name.startswith("__") and node.module != me:
                    hits.append(f"{where}: {node.module}.{a.name}")
        elif isinstance(node, ast.Import):
            bound.update(
                a.asname or a.name.split(".")[0] for a in node.names if a.name.startswith("seamlib")
            )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in bound:
                hits.append(f"{where}: {ast.unparse(node)}")
    return sorted(set(hits))


# Modules that still only re-export; each should go (its importers use the real homes).
# This list must only shrink.
KNOWN_REEXPORT_MODULES = {"seamlib/dsprites_results.py", "seamlib/faces_results.py"}

# Private names still imported across modules, in modules being reworked elsewhere; the fix
# is to make the helper public (in a private module if it is package-internal) or to move
# it. This list must only shrink.
KNOWN_PRIVATE_IMPORTS = {
    "seamlib/experiments/dsprites_stats.py: seamlib.experiments.common._num",
}


def test_reexport_checker_finds_reexport_modules(tmp_path: Path) -> None:
    pkg = tmp_path / "seamlib"
    pkg.mkdir()
    (pkg / "shim.py").write_text(
        "from seamlib.theory import linear as _linear\nfrom seamlib.theory.linear import *\n"
        "from seamlib.align import ps_align\n__all__ = ['ps_align', *_linear.__all__]\n"
    )
    (pkg / "noall.py").write_text("import numpy as np\nfrom seamlib.align import ps_align\n")
    (pkg / "home.py").write_text(
        "from seamlib.align import ps_align\n__all__ = ['f', 'ps_align']\ndef f(): pass\n"
    )
    assert _only_reexports(pkg / "shim.py") and _only_reexports(pkg / "noall.py")
    assert not _only_reexports(pkg / "home.py")


def test_no_module_only_reexports() -> None:
    found = {
        p.relative_to(ROOT).as_posix()
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name != "__init__.py" and _only_reexports(p)
    }
    assert found <= KNOWN_REEXPORT_MODULES, (
        f"modules that only re-export other seamlib modules' names (import from the real "
        f"homes instead): {sorted(found - KNOWN_REEXPORT_MODULES)}"
    )
    stale = sorted(KNOWN_REEXPORT_MODULES - found)
    assert not stale, f"gone or fixed, so remove from KNOWN_REEXPORT_MODULES: {stale}"


def test_private_import_checker_finds_them(tmp_path: Path) -> None:
    pkg = tmp_path / "seamlib"
    pkg.mkdir()
    (pkg / "user.py").write_text(
        "from seamlib.theory.jacobian import _flat, jacobian\n"
        "from seamlib.theory import linear as lin\n"
        "import seamlib.theory.posterior\n"
        "from seamlib.theory._validate import as_batch\n"
        "x = lin._tensor(1, 'x')\ny = seamlib.theory.posterior._decode\n"
        "z = jacobian.__doc__\n"
    )
    assert _private_imports(pkg / "user.py", tmp_path) == [
        "seamlib/user.py: lin._tensor",
        "seamlib/user.py: seamlib.theory.jacobian._flat",
        "seamlib/user.py: seamlib.theory.posterior._decode",
    ]


def test_no_private_names_cross_modules() -> None:
    found = {hit for p in sorted(PACKAGE.rglob("*.py")) for hit in _private_imports(p, ROOT)}
    new = sorted(found - KNOWN_PRIVATE_IMPORTS)
    assert not new, f"imports of another module's private names: {new}"
    fixed = sorted(KNOWN_PRIVATE_IMPORTS - found)
    assert not fixed, f"fixed, so remove from KNOWN_PRIVATE_IMPORTS: {fixed}"
