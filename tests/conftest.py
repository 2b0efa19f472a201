"""Shared test configuration."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> Iterator[None]:
    """The tests use tiny tensors: one intra-op thread is faster than several on a small,
    shared CPU (and keeps timings comparable). Restored when the session ends."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
