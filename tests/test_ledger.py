"""Tests of seamlib.ledger: snapshots of a claims ledger and their item-by-item comparison."""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest import mock

import pytest

from seamlib import claims, ledger


def _ledger(tmp: Path, values: dict[str, float], profile: str = "smoke") -> Path:
    """A real ledger written by claims.check, one item per value."""
    folder = tmp / "ledger"
    env = {claims.LEDGER_ENV: str(folder), "SEAMLIB_PROFILE": profile}
    with mock.patch.dict(os.environ, env):
        for item, value in values.items():
            try:
                claims.check("eq3", measured=value, expected=0.0, tol=1.0, item=item)
            except claims.ClaimFailed:  # recorded as a failure, which is what some tests want
                pass
    return folder / profile


def test_snapshot_round_trip_and_unchanged_ledger(tmp_path: Path):
    folder = _ledger(tmp_path, {"a": 0.5, "b": 1e-12})
    snap = ledger.snapshot(folder, tmp_path / "snap.json", command="test")
    doc = json.loads(snap.read_text())
    assert doc["provenance"]["command"] == "test" and len(doc["records"]) == 2
    diff = ledger.compare(snap, folder)
    assert diff.ok and len(diff.same) == 2 and not diff.added


def test_a_moved_value_a_flipped_status_and_a_lost_item_are_reported(tmp_path: Path):
    before = ledger.snapshot(
        _ledger(tmp_path / "1", {"a": 0.5, "b": 0.25, "c": 0.1}), tmp_path / "s.json"
    )
    after = _ledger(tmp_path / "2", {"a": 0.5 + 1e-3, "b": 2.0, "d": 0.0})  # b now fails tol 1
    diff = ledger.compare(before, after)
    assert not diff.ok
    changed = {c["key"][1]: c["what"] for c in diff.changed}
    assert set(changed) == {"a", "b"} and "status pass -> fail" in changed["b"]
    assert diff.removed == [("eq3", "c")] and diff.added == [("eq3", "d")]
    assert ledger.compare(before, after, rtol=1e-2).changed[0]["key"] == ("eq3", "b")
    text = diff.report()
    assert "2 changed, 1 removed, 1 added" in text and "removed  eq3 (c)" in text


def test_lists_and_nans_compare_elementwise():
    a = {("x", ""): {"measured": [1.0, float("nan")], "status": "pass"}}
    assert ledger.compare(a, a).ok
    b = {("x", ""): {"measured": [1.0, 2.0], "status": "pass"}}
    c = {("x", ""): {"measured": [1.0], "status": "pass"}}
    assert not ledger.compare(a, b).ok and not ledger.compare(b, c).ok


def test_cli_exit_codes(tmp_path: Path, capsys):
    folder = _ledger(tmp_path, {"a": 0.5})
    out = tmp_path / "snap.json"
    assert ledger.main(["snapshot", str(folder), "--out", str(out)]) == 0
    assert ledger.main(["compare", str(out), str(folder)]) == 0
    assert "1 items unchanged" in capsys.readouterr().out
    other = _ledger(tmp_path / "o", {"a": 0.7})
    assert ledger.main(["compare", str(out), str(other)]) == 1
    assert "seamlib.ledger snapshot" in capsys.readouterr().err
    assert ledger.main(["compare", str(tmp_path / "missing.json"), str(folder)]) == 2
    with pytest.raises(SystemExit):
        ledger.main(["compare"])


MOVE = Path(__file__).resolve().parents[1] / "results" / "ledger" / "move"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("smoke-before-5386591.json", "smoke-after-e017bd0.json"),
        ("laptop-before-5386591.json", "laptop-after-e017bd0.json"),
    ],
)
def test_the_layered_package_left_the_ledgers_unchanged(before: str, after: str):
    """Issue 16: the ledger built at the commit before the move to the layered package
    (5386591) and at the commit that ended it (e017bd0) agree item by item: every chapter in
    smoke; in laptop the theory chapters (dsprites and faces, which train grids, left out)."""
    diff = ledger.compare(MOVE / before, MOVE / after)
    assert diff.ok, diff.report()
    n = json.loads((MOVE / before).read_text())["provenance"]["n_records"]
    assert len(diff.same) == n > 100
    assert not diff.added


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("smoke-before-dedup-daa06a1.json", "smoke-after-dedup-e083585.json"),
        ("laptop-before-dedup-daa06a1.json", "laptop-after-dedup-c21874d.json"),
    ],
)
def test_seeds_from_config_and_dedup_left_the_ledgers_unchanged(before: str, after: str):
    """Issue 16, second part: seeds read from the config (7f1ec75) and one copy of each helper
    (the ``dedup`` branch, merged at e083585) leave every item of the theory chapters' ledger
    as it was at daa06a1, in smoke and in laptop (dsprites, whose stored results grew in
    between, and faces, which trains its grid at laptop size, left out)."""
    diff = ledger.compare(MOVE / before, MOVE / after)
    assert diff.ok, diff.report()
    n = json.loads((MOVE / before).read_text())["provenance"]["n_records"]
    assert len(diff.same) == n > 100
    assert not diff.added


def test_snapshot_records_the_commit_whose_chapters_wrote_the_ledger(tmp_path: Path):
    folder = _ledger(tmp_path, {"a": 0.5})
    snap = ledger.snapshot(folder, tmp_path / "s.json", chapters_commit="abc1234")
    assert json.loads(snap.read_text())["provenance"]["chapters_commit"] == "abc1234"


def test_snapshot_cli_records_its_command_without_machine_paths(tmp_path: Path):
    folder = _ledger(tmp_path, {"a": 0.5})
    out = tmp_path / "out" / "s.json"
    assert ledger.main(["snapshot", str(folder), "--out", str(out)]) == 0
    command = json.loads(out.read_text())["provenance"]["command"]
    assert command.startswith("python -m seamlib.ledger snapshot ")
    assert str(tmp_path) not in command and command.endswith("--out s.json")
