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


def test_invocation_has_no_machine_paths(tmp_path: Path) -> None:
    from seamlib.config import project_root
    from seamlib.engine.rundir import record_session
    from seamlib.provenance import invocation

    main = str(project_root() / "seamlib" / "__main__.py")
    assert invocation([main, "sweep", "g.json"]) == "python -m seamlib sweep g.json"
    assert invocation(["seamlib/__main__.py", "x"]) == "python -m seamlib"  # relative: no args
    assert invocation(["/usr/bin/pytest", "-q", "/root/t.py"]) == "pytest"
    assert invocation([]) == "python"
    venv = project_root() / ".venv" / "lib" / "python3.11" / "site-packages" / "pytest"
    assert invocation([str(venv / "__main__.py"), "-q"]) == "python -m pytest"
    # every training session records it; an explicit command wins
    rec = record_session(tmp_path / "p.json", start_step=0)
    assert rec["command"] == invocation()
    assert record_session(tmp_path / "p.json", command="python -m x")["command"] == "python -m x"


def test_stored_commands_write_paths_relative_to_the_project(tmp_path: Path) -> None:
    from seamlib.config import project_root
    from seamlib.provenance import invocation, module_command

    inside = str(project_root() / "results" / "dsprites")
    outside = str(tmp_path / "ledgers" / "smoke")
    cmd = module_command("seamlib.book.ledger", ["snapshot", outside, "--out", inside])
    assert cmd == "python -m seamlib.book.ledger snapshot smoke --out results/dsprites"
    assert module_command("m", [f"--out={outside}", "-q"]) == "python -m m --out=smoke -q"
    assert module_command("m", ["runs/a", "--steps", "10"]) == "python -m m runs/a --steps 10"
    main = str(project_root() / "seamlib" / "experiments" / "pilot.py")
    assert str(tmp_path) not in invocation([main, "collect", "runs", "--out", outside])
