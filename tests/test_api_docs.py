"""Every public module of seamlib has __all__ and appears in the book's API reference."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import seamlib

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "book" / "api"


def _public_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(seamlib.__path__, "seamlib."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        names.append(info.name)
    return names


def _documented() -> set[str]:
    text = "\n".join(p.read_text() for p in API.glob("*.md"))
    return set(re.findall(r"\.\. seamlib-api:: (\S+)", text))


def test_every_public_module_has_all() -> None:
    for name in _public_modules():
        module = importlib.import_module(name)
        assert hasattr(module, "__all__"), f"{name} has no __all__"
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert not missing, f"{name}.__all__ names missing objects: {missing}"


def test_every_public_module_has_an_api_page() -> None:
    undocumented = sorted(set(_public_modules()) - _documented())
    assert not undocumented, f"modules missing from book/api/*.md: {undocumented}"


def test_api_pages_are_in_the_toc() -> None:
    toc = (ROOT / "_toc.yml").read_text()
    for page in API.glob("*.md"):
        assert f"book/api/{page.stem}" in toc, page


def test_public_functions_have_docstrings() -> None:
    for name in _public_modules():
        module = importlib.import_module(name)
        for item in module.__all__:
            obj = getattr(module, item)
            if inspect.isfunction(obj) or inspect.isclass(obj):  # not type aliases
                assert (obj.__doc__ or "").strip(), f"{name}.{item} has no docstring"


def test_public_functions_and_classes_have_examples() -> None:
    """The API reference shows a usage example for every public function and class."""
    missing = []
    for name in _public_modules():
        module = importlib.import_module(name)
        for item in module.__all__:
            obj = getattr(module, item)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and ">>>" not in (
                obj.__doc__ or ""
            ):
                missing.append(f"{name}.{item}")
    assert not missing, f"no Examples section with >>> in: {missing}"
