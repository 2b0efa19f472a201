"""environment.yml (conda users) lists the same dependencies as pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ;]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject_specs() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(meta["dependencies"])
    for deps in meta["optional-dependencies"].values():
        specs += [d for d in deps if not d.startswith("seamlib")]
    return {_name(s): s.replace(" ", "") for s in specs}


def _conda_specs() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {_name(s): s.replace(" ", "") for s in pip if not s.startswith("-e")}


def test_same_packages_and_versions() -> None:
    py, conda = _pyproject_specs(), _conda_specs()
    # torch is pinned to the CPU wheel in environment.yml; pyproject declares torch>=2.11
    assert conda.pop("torch") == "torch==2.13.0"
    assert py.pop("torch") == "torch>=2.11"
    assert set(py) == set(conda), (
        f"only in pyproject.toml: {sorted(set(py) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(py))}"
    )
    differ = {k: (py[k], conda[k]) for k in py if py[k] != conda[k]}
    assert not differ, f"version specs differ (pyproject, environment.yml): {differ}"


def test_python_versions_agree() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert meta["requires-python"] == ">=3.11"
    assert "python=3.11" in env["dependencies"]
