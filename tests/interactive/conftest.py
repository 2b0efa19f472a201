"""A JupyterLab server, as ``make lab`` starts it, on a temporary copy of the repository.

The server runs on a free loopback port with the repository's own Jupyter settings
(``.jupyter/`` on ``JUPYTER_CONFIG_PATH``, ``jupytext.toml``), but every per-user folder
(config, runtime, user settings, workspaces) is a temporary one, so nothing on the machine
leaks in and the real chapters are never written to.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from labkit import Lab, start_lab


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One JupyterLab for the session, serving a temporary copy of the repository."""
    yield from start_lab(tmp_path_factory.mktemp("repo"), tmp_path_factory.mktemp("jupyter-home"))
