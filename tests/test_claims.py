"""seamlib.claims: checks raise with the claim's name and are recorded in the ledger."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from seamlib import claims


@pytest.fixture(autouse=True)
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(claims.LEDGER_ENV, str(tmp_path))
    monkeypatch.setenv("SEAMLIB_PROFILE", "smoke")
    return tmp_path


def test_passing_check_is_recorded(ledger: Path) -> None:
    assert claims.check("eq3", measured=1e-12, expected=0.0, tol=1e-10, item="posterior")
    (rec,) = claims.read_ledger(ledger)
    assert rec["claim"] == "eq3" and rec["passed"] and rec["profile"] == "smoke"
    assert rec["chapter"] == "linear_models"
    assert (ledger / "linear_models.jsonl").is_file()


def test_deliberately_failing_check_names_the_claim(ledger: Path) -> None:
    with pytest.raises(claims.ClaimFailed, match=r"Lemma 5\.1 \[lemma-5\.1\] \(density\)") as e:
        claims.check("lemma-5.1", measured=0.5, expected=0.0, tol=1e-3, item="density")
    assert "deviation 0.5" in str(e.value)
    assert isinstance(e.value, AssertionError)
    (rec,) = claims.read_ledger(ledger)
    assert not rec["passed"]


def test_non_strict_records_not_reproduced(ledger: Path) -> None:
    assert not claims.check("fig-5", 0.1, 0.5, op=">=", strict=False, item="MIG trend")
    rows = {r["id"]: r for r in claims.summarise(claims.read_ledger(ledger))}
    assert rows["fig-5"]["status"] == "not reproduced"
    assert rows["eq3"]["status"] == "not yet checked"


@pytest.mark.parametrize(
    ("measured", "expected", "op", "tol", "rel", "ok"),
    [
        (1.0, 1.0 + 1e-9, "==", 1e-8, False, True),
        (1.0, 2.0, "==", 1e-3, True, False),
        (100.0, 101.0, "==", 0.02, True, True),
        (0.96, 0.95, ">=", 0.0, False, True),
        (0.94, 0.95, ">=", 0.0, False, False),
        (0.94, 0.95, ">=", 0.02, False, True),
        (1e-4, 1e-3, "<", 0.0, False, True),
        (2e-3, 1e-3, "<=", 0.0, False, False),
        (float("nan"), 0.0, "<=", 1.0, False, False),
    ],
)
def test_comparisons(
    measured: float, expected: float, op: str, tol: float, rel: bool, ok: bool
) -> None:
    assert claims.check("eq2", measured, expected, tol, op=op, rel=rel, strict=False) is ok


def test_arrays_and_tensors() -> None:
    assert claims.check("eq4", torch.eye(2, dtype=torch.float64), np.eye(2), 1e-12)
    with pytest.raises(claims.ClaimFailed, match=r"\[1, 0, 0, 2\]"):
        claims.check("eq4", np.diag([1.0, 2.0]), np.eye(2), 1e-12)


def test_rerun_replaces_record(ledger: Path) -> None:
    claims.check("eq2", 1.0, 1.0, item="a")
    claims.check("eq2", 1.0, 1.0, item="a")
    claims.check("eq2", 1.0, 1.0, item="b")
    assert len(claims.read_ledger(ledger)) == 2


def test_bad_arguments() -> None:
    with pytest.raises(KeyError, match="Unknown claim id 'eq99'"):
        claims.check("eq99", 0.0, 0.0)
    with pytest.raises(ValueError, match="op"):
        claims.check("eq2", 0.0, 0.0, op="~")
    with pytest.raises(ValueError, match="tol"):
        claims.check("eq2", 0.0, 0.0, tol=-1.0)


def test_registry_covers_the_paper() -> None:
    names = " ".join(c.name for c in claims.REGISTRY.values())
    for required in [
        "Eq. 2",
        "Eq. 3",
        "Eq. 4",
        "Eq. 5",
        "Eq. 6",
        "Definition D1",
        "Definition D2",
        "Definition D3",
        "Definition D4",
        "Property P1",
        "Lemma 4.1",
        "Lemma 5.1",
        "Lemma C.1",
        "Theorem 5.2",
        "Corollary 6.1",
        "Lemma 6.3",
        "Lemma 6.4",
        "Theorem 6.5",
        "Corollary 6.7",
        "Remark 6.8",
        "Appendix B (beta",
        "Appendix B (posterior collapse)",
        "Appendix E",
        "Figure 2",
        "Figure 3",
        "Figure 5",
        "Figure 6",
        "Figure 7",
        "Rolinek et al. Table 2",
        "Bhowal et al. Table 4",
    ]:
        assert required in names, required
    book = Path(__file__).resolve().parent.parent / "book"
    for claim in claims.REGISTRY.values():
        assert (book / f"{claim.chapter}.md").is_file(), claim
