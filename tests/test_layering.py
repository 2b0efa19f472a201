"""The package is layered without cycles, each name has one home, nothing mutates ``os.environ``.

Layers, top to bottom: book (with the chapters' plots) > experiments > CLI (``__main__``) >
engine > theory > metrics > align; inside the engine: sweep > train > evaluate > runs >
data, fit, rundir > config > models; the base modules (config, errors, provenance, data)
import no layer. The
contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and are checked with
import-linter; every module must be under one of them, and no import cycle (lazy imports
inside functions included) may join any two modules. Besides: no module (other than a
package ``__init__``) only re-exports another seamlib module's names, and no module imports
another module's private (``_name``) names.
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


# Private names imported across modules: none; the fix for a new one is to make the helper
# public (in a private module if it is package-internal) or to move it.
KNOWN_PRIVATE_IMPORTS: set[str] = set()


def _reexported_names(path: Path) -> list[str]:
    """Names in ``path``'s ``__all__`` that it imports from another seamlib module, and any
    ``*module.__all__`` in it or ``from seamlib... import *``."""
    tree = ast.parse(path.read_text(), str(path))
    imported = {
        a.asname or a.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seamlib")
        for a in node.names
    }
    public: list[str] = []
    spread = []  # ``*other.__all__`` in __all__, ``from seamlib.x import *``
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            elts = getattr(node.value, "elts", [])
            public = [e.value for e in elts if isinstance(e, ast.Constant)]
            spread += [f"*{ast.unparse(e.value)}" for e in elts if isinstance(e, ast.Starred)]
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("seamlib"):
            spread += [f"{node.module}.*" for a in node.names if a.name == "*"]
    return sorted([n for n in public if n in imported] + spread)


def test_reexported_name_checker(tmp_path: Path) -> None:
    mod = tmp_path / "m.py"
    mod.write_text(
        "from seamlib.align import ps_align\nfrom numpy import array\n"
        "__all__ = ['f', 'ps_align', 'array']\ndef f(): pass\n"
    )
    assert _reexported_names(mod) == ["ps_align"]
    mod.write_text(
        "from seamlib import align as _a\nfrom seamlib.align import *\n"
        "__all__ = ['f', *_a.__all__]\ndef f(): pass\n"
    )
    assert _reexported_names(mod) == ["*_a.__all__", "seamlib.align.*"]


def test_no_module_reexports_names() -> None:
    """Each public name has one home: no module (other than a package ``__init__``) lists
    another seamlib module's name in its ``__all__``."""
    found = {
        p.relative_to(ROOT).as_posix(): names
        for p in sorted(PACKAGE.rglob("*.py"))
        if p.name != "__init__.py" and (names := _reexported_names(p))
    }
    assert not found, f"import these from their homes instead: {found}"


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
    assert not found, (
        f"modules that only re-export other seamlib modules' names (import from the real "
        f"homes instead): {sorted(found)}"
    )


#: Names that several modules define on purpose, each its own: the interface every data
#: set's experiment module gives the pipeline (seamlib.experiments.pipeline), and the entry
#: point of each module with a command line.
SHARED_INTERFACE = frozenset(
    {"grids", "summarise_run", "untrained_summary", "collect", "add_controls", "load_results"}
    | {"main"}
)


def _public_names(path: Path) -> list[str]:
    """The string entries of a module's ``__all__``."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            elts = getattr(node.value, "elts", [])
            return [e.value for e in elts if isinstance(e, ast.Constant)]
    return []


def _duplicate_public_names(package: Path, allowed: frozenset[str]) -> dict[str, list[str]]:
    """Public names (``__all__``) that more than one module of ``package`` defines, other
    than package ``__init__`` facades and the ``allowed`` names."""
    homes: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        if path.name != "__init__.py":
            for name in _public_names(path):
                homes.setdefault(name, []).append(path.relative_to(package.parent).as_posix())
    return {n: h for n, h in homes.items() if len(h) > 1 and n not in allowed}


def test_duplicate_name_checker_finds_them(tmp_path: Path) -> None:
    pkg = tmp_path / "seamlib"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("__all__ = ['f', 'main']\ndef f(): pass\ndef main(): pass\n")
    (pkg / "sub" / "b.py").write_text("__all__ = ['f', 'main']\ndef f(): pass\ndef main(): pass\n")
    (pkg / "sub" / "__init__.py").write_text("from .b import f\n__all__ = ['f']\n")
    assert _duplicate_public_names(pkg, frozenset({"main"})) == {
        "f": ["seamlib/a.py", "seamlib/sub/b.py"]
    }


def test_each_public_name_is_unique_across_the_package() -> None:
    """One name, one meaning: no two modules export the same name (package facades and the
    data sets' pipeline interface aside)."""
    found = _duplicate_public_names(PACKAGE, SHARED_INTERFACE)
    assert not found, f"rename one of each: {found}"


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


# --------------------------------------------------------------------------------------
# No import cycle; every module under some import contract
# --------------------------------------------------------------------------------------
def _import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports, as grimp sees them (every import
    statement counts: those inside functions and under ``TYPE_CHECKING`` too)."""
    grimp = pytest.importorskip("grimp")  # installed with import-linter (dev extra)
    graph = grimp.build_graph(package, cache_dir=None)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of ``graph`` with more than one module (or a module
    that imports itself): each is an import cycle. Tarjan's algorithm, iteratively."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    found.append(sorted(component))
    return sorted(found)


def test_cycle_finder_finds_cycles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A package whose modules import each other (one import inside a function) is caught."""
    pkg = tmp_path / "cyclepkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "low.py").write_text("def f():\n    from cyclepkg.high import g\n    return g\n")
    (pkg / "high.py").write_text("from cyclepkg import low\n\ndef g():\n    return low\n")
    (pkg / "alone.py").write_text("import cyclepkg.low\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = _import_graph("cyclepkg")
    assert _cycles(graph) == [["cyclepkg.high", "cyclepkg.low"]]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert _cycles({"a": {"a"}}) == [["a"]]


def test_no_import_cycles() -> None:
    """No two seamlib modules import each other, directly or through others, anywhere in
    their code (lazy imports inside functions count: a cycle is a cycle)."""
    cycles = _cycles(_import_graph("seamlib"))
    assert not cycles, f"import cycles among seamlib modules: {cycles}"


def _contract_modules(settings: dict) -> set[str]:
    """The modules whose imports the import-linter ``settings`` constrain: each layer (with
    its containers), each source module of a forbidden contract, each independent module."""
    named: set[str] = set()
    for contract in settings.get("contracts", []):
        if contract.get("type") == "layers":
            containers = contract.get("containers") or [""]
            for layer in contract.get("layers", []):
                for part in layer.replace("|", ":").split(":"):
                    part = part.strip().strip("()")
                    if part:
                        named.update(f"{c}.{part}" if c else part for c in containers)
        elif contract.get("type") == "forbidden":
            named.update(contract.get("source_modules", []))
        elif contract.get("type") in ("independence", "acyclic_siblings"):
            named.update(contract.get("modules", []))
    return named


def _uncovered(modules: set[str], named: set[str], root: str) -> list[str]:
    """Modules (other than ``root``) that are neither named nor inside a named package."""
    return sorted(
        m for m in modules if m != root and not any(m == n or m.startswith(n + ".") for n in named)
    )


def _importlinter_settings() -> dict:
    import tomllib

    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]


def test_coverage_check_finds_modules_outside_contracts() -> None:
    settings = {
        "contracts": [
            {"type": "layers", "layers": ["p.top", "p.mid | p.side"]},
            {"type": "layers", "containers": ["p.top"], "layers": ["a", "b"]},
            {"type": "forbidden", "source_modules": ["p.base"], "forbidden_modules": ["p.x"]},
        ]
    }
    named = _contract_modules(settings)
    assert named == {"p.top", "p.mid", "p.side", "p.top.a", "p.top.b", "p.base"}
    modules = {"p", "p.top", "p.top.a", "p.mid.deep", "p.base", "p.loose", "p.x"}
    assert _uncovered(modules, named, "p") == ["p.loose", "p.x"]


def test_every_module_is_in_an_import_contract() -> None:
    """Every seamlib module is a layer (or inside one) or a base module of the contracts in
    pyproject.toml, so a new module cannot escape the layering unnoticed; and every module
    the contracts name exists."""
    modules = set(_import_graph("seamlib"))
    named = _contract_modules(_importlinter_settings())
    uncovered = _uncovered(modules, named, "seamlib")
    assert not uncovered, f"modules in no import-linter contract (pyproject.toml): {uncovered}"
    missing = sorted(named - modules)
    assert not missing, f"import-linter contracts name modules that do not exist: {missing}"
