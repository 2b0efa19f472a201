"""Tests of seamlib.book.ledger: snapshots of a claims ledger and their item-by-item comparison."""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest import mock

import pytest

from seamlib.book import claims, ledger

SNAPSHOT = Path(__file__).resolve().parents[1] / "results" / "ledger" / "smoke.json"


def _ledger(
    tmp: Path, values: dict[str, float], profile: str = "smoke", kind: str = "exact"
) -> Path:
    """A real ledger written by claims.check, one item per value."""
    folder = tmp / "ledger"
    env = {claims.LEDGER_ENV: str(folder), "SEAMLIB_PROFILE": profile}
    with mock.patch.dict(os.environ, env):
        for item, value in values.items():
            try:
                claims.check("eq3", value, 1.0, op="<=", item=item, kind=kind)
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
    after = _ledger(tmp_path / "2", {"a": 0.5 + 1e-3, "b": 2.0, "d": 0.0})  # b now fails <= 1
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
    assert "seamlib.book.ledger snapshot" in capsys.readouterr().err
    assert ledger.main(["compare", str(tmp_path / "missing.json"), str(folder)]) == 2
    with pytest.raises(SystemExit):
        ledger.main(["compare"])


def test_snapshot_records_the_commit_whose_chapters_wrote_the_ledger(tmp_path: Path):
    folder = _ledger(tmp_path, {"a": 0.5})
    snap = ledger.snapshot(folder, tmp_path / "s.json", chapters_commit="abc1234")
    assert json.loads(snap.read_text())["provenance"]["chapters_commit"] == "abc1234"


def test_snapshot_cli_records_its_command_without_machine_paths(tmp_path: Path):
    folder = _ledger(tmp_path, {"a": 0.5})
    out = tmp_path / "out" / "s.json"
    assert ledger.main(["snapshot", str(folder), "--out", str(out)]) == 0
    command = json.loads(out.read_text())["provenance"]["command"]
    assert command.startswith("python -m seamlib.book.ledger snapshot ")
    assert str(tmp_path) not in command and command.endswith("--out s.json")


def test_snapshot_stores_each_items_tolerance_kind_and_allowed_drift(tmp_path: Path):
    folder = _ledger(tmp_path, {"a": 0.5}, kind="trained")
    (rec,) = json.loads(ledger.snapshot(folder, tmp_path / "s.json").read_text())["records"]
    assert (rec["tol"], rec["kind"]) == (0.0, "trained")
    assert rec["drift"] == {"atol": ledger.ABS_FLOOR, "rtol": ledger.TRAINED_RTOL}


@pytest.mark.parametrize(
    ("kind", "tol", "value", "moved", "same"),
    [
        ("trained", 0.0, 0.973678, 0.973675, True),  # another CPU: 3e-6 relative
        ("trained", 0.0, 0.973678, 0.973678 * (1 + 10 * ledger.TRAINED_RTOL), False),
        ("trained", 1e-6, 8.6e-9, 2.2e-9, True),  # an optimiser's residual, within its tol
        ("trained", 1e-6, 8.6e-9, 5e-6, False),
        ("exact", 1e-10, 2.2e-16, 1.1e-16, True),  # round-off of an identity
        ("exact", 1e-10, 2.2e-16, 3e-10, False),
        ("exact", 0.0, 0.049285688485204975, 0.049285688485204975 * (1 + 1e-9), True),
        ("exact", 0.0, 0.049285688485204975, 0.0493, False),
    ],
)
def test_a_value_may_move_by_what_its_kind_allows(kind, tol, value, moved, same):
    def rec(v: float) -> dict:
        return {"measured": v, "status": "pass", "kind": kind, "tol": tol, "expected": 0.0}

    diff = ledger.compare({("p1", "x"): rec(value)}, {("p1", "x"): rec(moved)})
    assert diff.ok is same
    if not same:
        assert f"{kind})" in diff.changed[0]["what"]


def test_a_relabelled_kind_is_a_change():
    a = {("p1", "x"): {"measured": 1.0, "status": "pass", "kind": "exact"}}
    b = {("p1", "x"): {"measured": 1.0, "status": "pass", "kind": "trained"}}
    assert ledger.compare(a, b).changed[0]["what"] == "kind exact -> trained"


def _write_folder(records: list[dict], folder: Path) -> Path:
    """A ledger folder (one <chapter>.jsonl per chapter) holding ``records``."""
    folder.mkdir(parents=True)
    for rec in records:
        with (folder / f"{rec['chapter']}.jsonl").open("a") as fh:
            fh.write(json.dumps(rec) + "\n")
    return folder


def _snapshot_records() -> list[dict]:
    return json.loads(SNAPSHOT.read_text())["records"]


def test_the_smoke_snapshot_says_why_each_value_may_move():
    records = _snapshot_records()
    assert all(r["kind"] in claims.KINDS and "tol" in r and "drift" in r for r in records)
    trained = {r["claim"] for r in records if r["kind"] == "trained"}
    assert {"p1", "fig-6", "app-b-collapse", "cor-6.1", "thm-6.5"} <= trained


def test_the_smoke_snapshot_holds_on_another_machine_and_catches_a_real_change(
    tmp_path: Path, capsys
):
    """Another CPU moves trained values in their last digits: the comparison passes. A value
    moved well past its drift, or a flipped status, fails it (as ``make chapters`` does)."""
    records = _snapshot_records()
    elsewhere = []
    for r in records:
        r = dict(r)
        if r["kind"] == "trained" and isinstance(r["measured"], float):
            r["measured"] *= 1 + 2e-5  # 3-4 times the largest spread measured between setups
        elsewhere.append(r)
    assert (
        ledger.main(["compare", str(SNAPSHOT), str(_write_folder(elsewhere, tmp_path / "a"))]) == 0
    )
    p1 = next(i for i, r in enumerate(records) if r["claim"] == "p1" and r["kind"] == "trained")
    moved = [dict(r) for r in records]
    moved[p1]["measured"] = records[p1]["measured"] * 1.01
    assert ledger.main(["compare", str(SNAPSHOT), str(_write_folder(moved, tmp_path / "b"))]) == 1
    assert "changed  p1" in capsys.readouterr().out
    flipped = [dict(r) for r in records]
    i = next(i for i, r in enumerate(records) if r["status"] == "pass")
    flipped[i]["status"] = "fail"
    assert ledger.main(["compare", str(SNAPSHOT), str(_write_folder(flipped, tmp_path / "c"))]) == 1
    assert "status pass -> fail" in capsys.readouterr().out


def test_compare_can_be_restricted_to_some_chapters(tmp_path: Path):
    records = _snapshot_records()
    some = [r for r in records if r["chapter"] in ("linear_models", "disentanglement")]
    folder = _write_folder(some, tmp_path / "some")
    assert not ledger.compare(SNAPSHOT, folder).ok  # the other chapters' items are missing
    diff = ledger.compare(SNAPSHOT, folder, chapters=["linear_models", "disentanglement"])
    assert diff.ok and len(diff.same) == len(some) > 20
    assert ledger.main(["compare", str(SNAPSHOT), str(folder),
                        "--chapters", "linear_models,disentanglement"]) == 0  # fmt: skip


def test_drift_measures_the_spread_per_kind_and_reports_flipped_statuses(tmp_path: Path):
    ref = {
        ("p1", "a"): {"measured": 2.0, "status": "pass", "kind": "trained"},
        ("eq3", "b"): {"measured": [1.0, 0.0], "status": "pass", "kind": "exact"},
    }
    other = {
        ("p1", "a"): {"measured": 2.00001, "status": "pass", "kind": "trained"},
        ("eq3", "b"): {"measured": [1.0, 0.0], "status": "fail", "kind": "exact"},
    }
    d = ledger.drift(ref, {"1 thread": other})
    assert d["max_relative"] == pytest.approx({"trained": 5e-6, "exact": 0.0}, rel=1e-3)
    assert d["runs"]["1 thread"]["status_changed"] == [["eq3", "b"]]
    assert list(d["items"]) == ["p1 | a"]
    out = tmp_path / "drift.json"
    snap = ledger.snapshot(_ledger(tmp_path, {"a": 0.5}), tmp_path / "s.json")
    assert ledger.main(["drift", str(snap), f"same={snap}", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["runs"]["same"]["n_items"] == 1
    assert ledger.main(["drift", str(snap), "no-label", "--out", str(out)]) == 2
