"""Measured chapter run times: stored with provenance, stated in each chapter's opening lines."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from seamlib.book.chapter_times import RESULTS, RunTime, expected_time

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(
    p for p in (ROOT / "book").glob("*.md") if "```{code-cell}" in p.read_text("utf-8")
)


def test_expected_time_reads_the_stored_measurement(tmp_path: Path) -> None:
    file = tmp_path / "times.json"
    prov = {"time": "2026-11-28T02:00:00Z", "cpus": 4, "load_average_at_start": 1.25}
    file.write_text(
        json.dumps({"chapters": {"a": {"laptop": {"seconds": 610.0, "provenance": prov}}}})
    )
    rt = expected_time("a", path=file)
    assert rt == RunTime("a", 610.0, "laptop", 4, "2026-11-28", 1.25)
    assert (
        repr(rt)
        == "about 10 min (laptop profile, measured on 4 CPU cores at load 1.2 on 2026-11-28)"
    )
    assert expected_time("a", profile="paper", path=file).seconds is None
    assert expected_time("b", path=file).seconds is None
    assert "not yet measured" in repr(expected_time("a", path=tmp_path / "missing.json"))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (59.0, "under a minute"),
        (61.0, "about 1 min"),
        (89 * 60.0, "about 89 min"),
        (3 * 3600.0, "about 3.0 h"),
    ],
)
def test_run_time_wording(seconds: float, text: str) -> None:
    assert repr(RunTime("x", seconds, "laptop", 2, "2026-01-01")).startswith(text)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_states_its_measured_run_time_under_its_title(path: Path) -> None:
    lines = path.read_text("utf-8").splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("# "))
    opening = "\n".join(lines[title : title + 14])
    assert f'glue("runtime_{path.stem}", expected_time("{path.stem}"), display=False)' in opening
    assert re.search(rf"\{{glue:text\}}`runtime_{path.stem}`", opening), (
        f"{path.name}: no run-time statement right after the title"
    )


def test_stored_times_have_provenance() -> None:
    file = ROOT / RESULTS
    if not file.is_file():
        pytest.skip(f"{RESULTS} not measured yet (make chapter-times)")
    data = json.loads(file.read_text())
    assert data["chapters"], "empty results file"
    for chapter, by_profile in data["chapters"].items():
        assert (ROOT / "book" / f"{chapter}.md").is_file(), f"{chapter}: no such chapter"
        for profile, entry in by_profile.items():
            assert entry["seconds"] > 0
            prov = entry["provenance"]
            assert prov["profile"] == profile and prov["git_commit"] and prov["cpus"] >= 1
