"""Packaging: the wheel installs into a fresh venv without the book extras and works.

Slow (a fresh venv installs torch and the core dependencies: about 1-3 minutes); CI runs it.
Deselect locally with ``pytest -m "not slow"``.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import seamlib

ROOT = Path(__file__).resolve().parent.parent
BOOK_ONLY = ("jupyter_book", "sphinx", "myst_nb", "jupytext", "sphinx_proof")


def test_version_matches_metadata() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" in meta["dynamic"]
    parts = seamlib.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts)


def test_core_dependencies_exclude_book_stack() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = " ".join(meta["dependencies"]).lower()
    for name in ("jupyter-book", "sphinx", "jupytext", "myst", "torchvision", "torchaudio"):
        assert name not in core, name
    assert {"book", "dev"} <= set(meta["optional-dependencies"])
    assert meta["scripts"]["seamlib"] == "seamlib.__main__:main"


def test_metrics_import_does_not_pull_torch_or_book() -> None:
    code = (
        "import sys, seamlib.metrics; "
        f"bad=[m for m in {BOOK_ONLY + ('torch',)!r} if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT / "tests")


@pytest.mark.slow
def test_wheel_in_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        check=True,
    )
    (wheel,) = dist.glob("seamlib-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    # torch first: the pinned CPU wheel (any other spec would pull CUDA packages here)
    subprocess.run([*pip, "torch==2.13.0"], check=True)
    subprocess.run([*pip, str(wheel)], check=True)
    py = str(venv / "bin" / "python")
    out = subprocess.run(
        [str(venv / "bin" / "seamlib"), "--help"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert "usage" in out.lower() and "train" in out
    code = (
        "import importlib.util, sys; from seamlib import metrics; import numpy as np; "
        "import seamlib; print(seamlib.__version__); "
        "x = np.random.default_rng(0).integers(0, 3, (200, 2)); "
        "assert metrics.mig(*metrics.mutual_info_matrix(x.astype(float), x)) > 0.9; "
        f"missing = [m for m in {BOOK_ONLY!r} if importlib.util.find_spec(m) is None]; "
        f"assert missing == list({BOOK_ONLY!r}), missing"
    )
    res = subprocess.run([py, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert res.stdout.strip() == seamlib.__version__
