"""The README's Python example runs against the real API, so it cannot drift from it."""

from __future__ import annotations

import re
from pathlib import Path

import torch

README = Path(__file__).resolve().parent.parent / "README.md"


def _first_python_block() -> str:
    match = re.search(r"^```python\n(.*?)^```", README.read_text(), re.S | re.M)
    assert match is not None, "README.md has no ```python block"
    return match.group(1)


def test_readme_example_runs() -> None:
    namespace: dict[str, object] = {"__name__": "readme_example"}
    exec(compile(_first_python_block(), str(README), "exec"), namespace)
    J = namespace["J"]
    assert isinstance(J, torch.Tensor) and tuple(J.shape) == (4, 3, 2)
    mig = namespace["mig"]
    assert callable(mig)
    # codes = factors + small noise, one latent per factor: the MIG is close to 1
    assert 0.9 < float(mig(namespace["codes"], namespace["factors"])) <= 1.0
