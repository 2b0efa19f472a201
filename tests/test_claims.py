"""seamlib.book.claims: checks raise with the claim's name, known failures are declared in one
file and must stay true, and the ledger is kept per profile."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from seamlib.book import claims

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(claims.LEDGER_ENV, str(tmp_path / "ledger"))
    monkeypatch.setenv(claims.KNOWN_FAILURES_ENV, str(tmp_path / "known_failures.yml"))
    monkeypatch.setenv("SEAMLIB_PROFILE", "smoke")
    return tmp_path / "ledger" / "smoke"


def _declare(ledger: Path, text: str) -> None:
    (ledger.parent.parent / "known_failures.yml").write_text(text)


KNOWN = """
- claim: fig-5
  item: MIG trend
  profiles: [smoke]
  reason: >-
    five seeds at smoke size
    are too few.
"""


def test_passing_check_is_recorded(ledger: Path) -> None:
    assert claims.check("eq3", measured=1e-12, expected=0.0, tol=1e-10, item="posterior")
    (rec,) = claims.read_ledger(ledger)
    assert rec["claim"] == "eq3" and rec["passed"] and rec["profile"] == "smoke"
    assert rec["status"] == "pass" and rec["chapter"] == "linear_models"
    assert (ledger / "linear_models.jsonl").is_file()


def test_undeclared_failure_raises_and_names_the_claim(ledger: Path) -> None:
    with pytest.raises(claims.ClaimFailed, match=r"Lemma 5\.1 \[lemma-5\.1\] \(density\)") as e:
        claims.check("lemma-5.1", measured=0.5, expected=0.0, tol=1e-3, item="density")
    assert "deviation 0.5" in str(e.value) and "known_failures.yml" in str(e.value)
    assert isinstance(e.value, AssertionError)
    (rec,) = claims.read_ledger(ledger)
    assert not rec["passed"] and rec["status"] == "fail"
    assert {r["id"]: r for r in claims.summarise([rec])}["lemma-5.1"]["status"] == "failed"


def test_declared_failure_is_not_reproduced_with_its_reason(ledger: Path) -> None:
    _declare(ledger, KNOWN)
    assert not claims.check("fig-5", 0.1, 0.5, op=">=", item="MIG trend")
    (rec,) = claims.read_ledger(ledger)
    assert rec["status"] == "not reproduced"
    assert rec["reason"] == "five seeds at smoke size are too few."
    rows = {r["id"]: r for r in claims.summarise([rec])}
    assert rows["fig-5"]["status"] == "not reproduced"
    assert rows["eq3"]["status"] == "not yet checked"


def test_declared_failure_that_passes_raises(ledger: Path) -> None:
    _declare(ledger, KNOWN)
    with pytest.raises(claims.UnexpectedPass, match="Remove the entry"):
        claims.check("fig-5", 0.9, 0.5, op=">=", item="MIG trend")
    (rec,) = claims.read_ledger(ledger)
    assert rec["status"] == "unexpected pass"
    assert {r["id"]: r for r in claims.summarise([rec])}["fig-5"]["status"] == "failed"


def test_declaration_applies_only_to_its_item_and_profiles(
    ledger: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _declare(ledger, KNOWN)
    with pytest.raises(claims.ClaimFailed):  # another item of the same claim
        claims.check("fig-5", 0.1, 0.5, op=">=", item="AAS trend")
    monkeypatch.setenv("SEAMLIB_PROFILE", "laptop")  # declared for smoke only
    with pytest.raises(claims.ClaimFailed) as e:
        claims.check("fig-5", 0.1, 0.5, op=">=", item="MIG trend")
    assert not isinstance(e.value, claims.UnexpectedPass)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("- {claim: nope, item: x, reason: r, profiles: [smoke]}", "unknown claim id 'nope'"),
        ("- {claim: fig-5, item: x, reason: r, profiles: [fast]}", "profiles must be"),
        ("- {claim: fig-5, item: x, reason: '', profiles: [smoke]}", "give the reason"),
        ("- {claim: fig-5, item: x, profiles: [smoke]}", "expected the fields"),
        (
            "- {claim: fig-5, item: x, reason: r, profiles: [smoke]}\n"
            "- {claim: fig-5, item: x, reason: s, profiles: [paper]}",
            "declared twice",
        ),
    ],
)
def test_invalid_known_failures_file(ledger: Path, text: str, match: str) -> None:
    _declare(ledger, text)
    with pytest.raises(ValueError, match=match):
        claims.check("fig-5", 1.0, 1.0, item="x")


def test_book_known_failures_file_is_valid() -> None:
    declared = claims.load_known_failures(ROOT / "book" / "known_failures.yml")
    for known in declared.values():
        assert known.reason and known.profiles


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
    if ok:
        assert claims.check("eq3-mle", measured, expected, tol, op=op, rel=rel)
    else:
        with pytest.raises(claims.ClaimFailed):
            claims.check("eq3-mle", measured, expected, tol, op=op, rel=rel)


def test_arrays_and_tensors() -> None:
    assert claims.check("eq4", torch.eye(2, dtype=torch.float64), np.eye(2), 1e-12)
    with pytest.raises(claims.ClaimFailed, match=r"\[1, 0, 0, 2\]"):
        claims.check("eq4", np.diag([1.0, 2.0]), np.eye(2), 1e-12)


def test_rerun_replaces_record(ledger: Path) -> None:
    claims.check("eq3-mle", 1.0, 1.0, item="a")
    claims.check("eq3-mle", 1.0, 1.0, item="a")
    claims.check("eq3-mle", 1.0, 1.0, item="b")
    assert len(claims.read_ledger(ledger)) == 2


def test_first_check_of_a_process_drops_items_of_earlier_runs(ledger: Path) -> None:
    ledger.mkdir(parents=True)
    stale = {"claim": "eq3-mle", "item": "renamed long ago", "chapter": "linear_models"}
    (ledger / "linear_models.jsonl").write_text(json.dumps(stale) + "\n")
    claims.check("eq3-mle", 1.0, 1.0, item="now")
    assert [r["item"] for r in claims.read_ledger(ledger)] == ["now"]


def test_ledger_is_per_profile(ledger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    claims.check("eq3-mle", 1.0, 1.0, item="a", note="smoke run")
    monkeypatch.setenv("SEAMLIB_PROFILE", "laptop")
    claims.check("eq3-mle", 2.0, 2.0, item="a", note="laptop run")
    assert claims.ledger_dir() == ledger.parent / "laptop"
    (smoke,) = claims.read_ledger(ledger)
    (laptop,) = claims.read_ledger(ledger.parent / "laptop")
    assert (smoke["profile"], smoke["note"]) == ("smoke", "smoke run")
    assert (laptop["profile"], laptop["note"]) == ("laptop", "laptop run")


def test_bad_arguments() -> None:
    with pytest.raises(KeyError, match="Unknown claim id 'eq99'"):
        claims.check("eq99", 0.0, 0.0)
    with pytest.raises(ValueError, match="op"):
        claims.check("eq3-mle", 0.0, 0.0, op="~")
    with pytest.raises(ValueError, match="tol"):
        claims.check("eq3-mle", 0.0, 0.0, tol=-1.0)
    with pytest.raises(TypeError):  # strict= is gone: declare known failures instead
        claims.check("eq3-mle", 0.0, 0.0, strict=False)  # type: ignore[call-arg]


def test_registry_file_has_named_fields_and_rejects_bad_lines(tmp_path: Path) -> None:
    assert claims.REGISTRY == claims.load_registry(claims.REGISTRY_FILE)
    for claim in claims.REGISTRY.values():
        assert claim.source, claim.id
    bad = tmp_path / "r.jsonl"
    bad.write_text('{"id": "a", "name": "A", "chapter": "c", "statement": "s"}\n')
    with pytest.raises(ValueError, match="line 1: expected an object with the fields"):
        claims.load_registry(bad)
    line = '{"id": "a", "name": "A", "chapter": "c", "source": "x", "statement": "s"}\n'
    bad.write_text(line + line)
    with pytest.raises(ValueError, match="line 2: claim id 'a' appears twice"):
        claims.load_registry(bad)


def test_registry_covers_the_paper() -> None:
    names = " ".join(c.name for c in claims.REGISTRY.values())
    for required in [
        "Eq. 3 (left",
        "Eq. 3 (right",
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
    book = ROOT / "book"
    for claim in claims.REGISTRY.values():
        assert (book / f"{claim.chapter}.md").is_file(), claim


# --- a tiny book built under two profiles -------------------------------------------------

_CONF = """
import sys
sys.path.insert(0, {ext!r})
extensions = ["myst_nb", "ledger_ext"]
nb_execution_mode = "cache"
exclude_patterns = ["_build"]
"""

_PAGE = """---
jupytext:
  text_representation:
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
---
# Tiny

```{code-cell} python
from seamlib.book import claims
from seamlib.config import profile_name
print("built under", profile_name())
claims.check("eq3-mle", 1.0, 1.0, item="tiny " + profile_name())
```

```{toctree}
ledger
```
"""

_LEDGER = """# Ledger

```{claims-ledger}
```
"""


@pytest.mark.skipif(importlib.util.find_spec("myst_nb") is None, reason="needs the book extras")
@pytest.mark.timeout(300)
def test_tiny_book_shows_only_its_profile(tmp_path: Path) -> None:
    src = tmp_path / "book"
    src.mkdir()
    (src / "conf.py").write_text(_CONF.format(ext=str(ROOT / "book" / "_ext")))
    (src / "index.md").write_text(_PAGE)
    (src / "ledger.md").write_text(_LEDGER)
    out = src / "_build" / "html"

    def build(profile: str) -> tuple[str, str]:
        env = {
            **os.environ,
            "SEAMLIB_PROFILE": profile,
            claims.LEDGER_ENV: str(src / "_build" / "ledger"),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        cmd = [sys.executable, "-m", "sphinx", "-q", "-b", "html", str(src), str(out)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr
        return (out / "index.html").read_text(), (out / "ledger.html").read_text()

    page, ledger = build("smoke")
    assert "built under smoke" in page and "tiny smoke" in ledger and "Profile smoke" in ledger
    # counts first, then each claim's checks folded away, statements with math rendered
    assert ledger.index("1 reproduced") < ledger.index('<details class="ledger-claim">')
    assert ledger.count('<details class="ledger-claim">') == len(claims.REGISTRY)
    assert 'class="math' in ledger and "W^T W" not in ledger
    assert "mathjax" in ledger.lower()  # the math nodes come at write time: MathJax must load
    page, ledger = build("laptop")
    assert "built under laptop" in page and "built under smoke" not in page
    assert "tiny laptop" in ledger and "tiny smoke" not in ledger
    cache = src / "_build" / ".jupyter_cache"
    assert (cache / "smoke").is_dir() and (cache / "laptop").is_dir()
    shutil.rmtree(src / "_build" / "ledger" / "smoke")  # smoke must come from its own cache
    page, ledger = build("smoke")
    assert "built under smoke" in page and "tiny laptop" not in ledger


def test_ledger_appendix_text_shows_the_reason_and_cache_is_per_profile() -> None:
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import ledger_ext
    finally:
        sys.path.pop(0)
    rec = {
        "item": "MIG trend",
        "measured": 0.1,
        "expected": 0.5,
        "op": ">=",
        "tol": 0.0,
        "rel": False,
        "passed": False,
        "status": "not reproduced",
        "reason": "too few seeds",
        "profile": "smoke",
    }
    text = ledger_ext._check_text(rec)
    assert "not reproduced (expected: too few seeds)" in text and "smoke" in text
    assert "FAIL: unexpected pass" in ledger_ext._check_text({**rec, "status": "unexpected pass"})
    paths = {ledger_ext.cache_path("/b/_build/html", "", p) for p in ("smoke", "laptop")}
    assert paths == {"/b/_build/.jupyter_cache/smoke", "/b/_build/.jupyter_cache/laptop"}


def test_a_negative_control_must_fail_the_same_comparison(ledger: Path) -> None:
    # an untrained model's score below the bar: the control fails, as it must
    held = claims.check("thm-6.5", 0.4, 0.9, op=">=", item="axis match", control="untrained")
    assert held is False
    (rec,) = claims.read_ledger(ledger)
    assert rec["status"] == "control failed" and rec["item"] == "control (untrained): axis match"
    row = next(r for r in claims.summarise([rec]) if r["id"] == "thm-6.5")
    assert row["controls"] == [rec] and row["checks"] == [] and row["status"] == "not yet checked"
    # a control that passes the check means the check cannot tell trained from untrained
    with pytest.raises(claims.ControlPassed, match="negative control held"):
        claims.check("thm-6.5", 0.95, 0.9, op=">=", item="axis match", control="untrained")
    statuses = {r["status"] for r in claims.read_ledger(ledger)}
    assert statuses == {"control passed"}
    row = next(r for r in claims.summarise(claims.read_ledger(ledger)) if r["id"] == "thm-6.5")
    assert row["status"] == "failed"


#: The profile section that sizes each chapter's live computations.
CHAPTER_SECTIONS = {
    "linear_models": "linear",
    "optimal_posteriors": "posterior",
    "collapse": "posterior",
    "seams": "seams",
    "disentanglement": "seams",
    "identifiability": "identifiability",
    "identifiability_vaes": "identifiability",
    "metrics": "metrics",
    "metrics_practice": "metrics",
    "dsprites": "dsprites",
    "dsprites_fig5": "dsprites",
    "dsprites_bernoulli": "dsprites",
    "dsprites_fig7": "dsprites",
    "faces": "faces",
}


def test_every_profile_declares_what_fails_at_its_sizes() -> None:
    """Two profiles that give a chapter the same sizes run the same numbers, so a known
    failure declared for one is declared for the other (else one profile's build stops on an
    undeclared failure)."""
    from seamlib.config import PROFILES, get_profile

    assert {c.chapter for c in claims.REGISTRY.values()} <= set(CHAPTER_SECTIONS)
    declared = claims.load_known_failures(ROOT / "book" / "known_failures.yml")
    assert declared, "book/known_failures.yml declares nothing: is the path right?"
    missing = []
    for (cid, item), known in declared.items():
        section = CHAPTER_SECTIONS[claims.REGISTRY[cid].chapter]
        for p in known.profiles:
            for q in PROFILES:
                same = getattr(get_profile(p), section) == getattr(get_profile(q), section)
                if same and q not in known.profiles:
                    missing.append(f"{cid} / {item}: declared for {p}, not for {q}")
    assert not missing, missing
