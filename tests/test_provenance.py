"""Tests of seamlib.provenance: the commit a stored result records."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from seamlib.provenance import git_commit


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "results").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "code.py").write_text("x = 1\n")
    (tmp_path / "results" / "fig.json").write_text("{}\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "init")
    return tmp_path


def test_clean_tree_gives_the_bare_commit(repo: Path):
    assert git_commit(repo / "pkg") == _git(repo, "rev-parse", "HEAD")


def test_a_written_result_file_does_not_make_the_tree_dirty(repo: Path):
    """One collect writes several files under results/; the later ones must not record the
    earlier ones as a dirty tree."""
    (repo / "results" / "fig.json").write_text('{"runs": []}\n')
    assert not git_commit(repo / "pkg").endswith("-dirty")


def test_a_code_change_makes_the_tree_dirty(repo: Path):
    (repo / "pkg" / "code.py").write_text("x = 2\n")
    assert git_commit(repo / "pkg").endswith("-dirty")
    assert git_commit(repo / "results").endswith("-dirty")  # from any folder of the tree
