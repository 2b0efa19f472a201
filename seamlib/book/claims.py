"""Checking the paper's numbered claims, and the ledger that records every check.

A chapter asserts a claim of the paper numerically with :func:`check`::

    from seamlib.book import claims
    claims.check("eq3", measured=err, expected=0.0, tol=1e-10,
                 item="posterior equals Gaussian conditioning")

``check`` compares ``measured`` with ``expected`` under ``op`` and a tolerance, appends a
record (claim, item, chapter, measured, expected, tol, profile, status, time) to the
ledger, and raises :class:`ClaimFailed` (an ``AssertionError``) naming the claim and the
size of the miss when it does not hold, so the book build fails.

**Negative controls.** A check on a trained model counts only if an untrained model (or a
rotated code) fails it. ``check(..., control="untrained model")`` runs the same comparison
on such a control: it must *not* hold. It is recorded as ``control failed`` (what it must
do) and raises :class:`ControlPassed` when it holds, so a check that cannot tell a trained
model from an untrained one fails the build.

**Known failures.** A check that is known not to reproduce (a published number our runs do
not reach, a trend that needs the paper's sizes) is declared once, with its reason and the
profiles it applies to, in the reviewed file ``book/known_failures.yml`` (see
:func:`load_known_failures`). A declared check that fails is recorded as
"not reproduced (expected: <reason>)" and does not raise; a declared check that *passes*
raises :class:`UnexpectedPass`, like ``pytest.mark.xfail(strict=True)``, so the file stays
true. Every other failure raises :class:`ClaimFailed`.

:data:`REGISTRY` lists every claim the book must check; it is read from the data file
``seamlib/book/claims_registry.jsonl`` (one JSON object per line with the fields of
:class:`Claim`). The "Claims ledger" appendix renders it against the recorded checks.

Ledger location: ``<base>/<profile>``, where ``<base>`` is ``$SEAMLIB_LEDGER_DIR`` if set,
else ``_build/ledger`` under the book root (the nearest parent folder of the working
directory that holds ``_toc.yml``), else ``~/.cache/seamlib/ledger``; ``<profile>`` is the
``SEAMLIB_PROFILE`` the check ran under, so builds under different profiles never mix. One
JSON-lines file per chapter. The first check a process records for a chapter starts that
chapter's file afresh (a re-executed chapter drops the items of its earlier runs); later
checks of the same (claim, item) replace the earlier record.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seamlib.config import PROFILES, profile_name

__all__ = [
    "Claim",
    "ClaimFailed",
    "ControlPassed",
    "KINDS",
    "KnownFailure",
    "REGISTRY",
    "UnexpectedPass",
    "check",
    "check_with_control",
    "known_failures_path",
    "ledger_dir",
    "load_known_failures",
    "load_registry",
    "read_ledger",
    "record_status",
    "summarise",
]

LEDGER_ENV = "SEAMLIB_LEDGER_DIR"
KNOWN_FAILURES_ENV = "SEAMLIB_KNOWN_FAILURES"
REGISTRY_FILE = Path(__file__).with_name("claims_registry.jsonl")
_OPS = ("==", "<=", ">=", "<", ">")
#: What a measured value is, which decides how far it may move between machines
#: (see :func:`seamlib.book.ledger.allowed_drift`): ``"exact"`` for an identity, a closed form or a
#: seeded computation without training, ``"trained"`` for the result of training or of a
#: numerical optimiser, whose last digits follow the floating-point summation order of the
#: CPU's kernels and the number of threads.
KINDS = ("exact", "trained")


@dataclass(frozen=True)
class Claim:
    """A numbered claim of the paper (or a reproduced table) that the book checks.

    Attributes
    ----------
    id
        Short stable key used in :func:`check`, e.g. ``"eq3"`` or ``"lemma-5.1"``.
    name
        How the paper names it, e.g. ``"Eq. 3 (left, PPCA posterior)"`` or ``"Lemma 5.1"``.
    statement
        One-line statement of what is checked.
    chapter
        The book chapter (file stem under ``book/``) that checks it.
    source
        Where in the papers the claim comes from: bibliography key and section, e.g.
        ``"allen2025unpicking Sec. 2, Eq. 3 (left)"``.

    Examples
    --------
    >>> from seamlib.book import claims
    >>> claims.REGISTRY["eq3"].name
    'Eq. 3 (left, PPCA posterior)'
    """

    id: str
    name: str
    statement: str
    chapter: str
    source: str = ""


_CLAIM_FIELDS = ("id", "name", "chapter", "source", "statement")


def load_registry(path: Path | str = REGISTRY_FILE) -> dict[str, Claim]:
    """Read the claim registry: one JSON object per line with the fields of :class:`Claim`.

    Parameters
    ----------
    path
        A JSON-lines file; blank lines and lines starting with ``//`` are skipped.

    Returns
    -------
    dict
        Claim id -> :class:`Claim`, in file order (the order of the paper).

    Raises
    ------
    ValueError
        A line is not a JSON object with exactly the fields id, name, chapter, source and
        statement (all non-empty strings), or an id occurs twice; the message names the line.

    Examples
    --------
    >>> from seamlib.book import claims
    >>> registry = claims.load_registry()
    >>> registry["lemma-5.1"].source
    'allen2025unpicking Sec. 5, Lemma 5.1'
    """
    path = Path(path)
    out: dict[str, Claim] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path.name}, line {n}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as err:
            raise ValueError(
                f"{where}: not valid JSON ({err.msg}). Each line is one claim."
            ) from err
        if not isinstance(entry, dict) or set(entry) != set(_CLAIM_FIELDS):
            got = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
            raise ValueError(
                f"{where}: expected an object with the fields {', '.join(_CLAIM_FIELDS)}; "
                f"got {got}."
            )
        if not all(isinstance(entry[k], str) and entry[k].strip() for k in _CLAIM_FIELDS):
            raise ValueError(f"{where}: every field must be a non-empty string.")
        if entry["id"] in out:
            raise ValueError(f"{where}: claim id {entry['id']!r} appears twice; ids are unique.")
        out[entry["id"]] = Claim(**entry)
    return out


#: Every claim the book must check, in the order of the paper (from ``claims_registry.jsonl``).
REGISTRY: dict[str, Claim] = load_registry()


@dataclass(frozen=True)
class KnownFailure:
    """A check declared in ``book/known_failures.yml`` as known not to reproduce.

    Attributes
    ----------
    claim
        Registry id of the claim.
    item
        The ``item`` string of the :func:`check` call, exactly.
    reason
        Why it does not reproduce; shown in the ledger as "not reproduced (expected: reason)".
    profiles
        The profiles (``smoke``, ``laptop``, ``paper``) under which it is expected to fail.

    Examples
    --------
    >>> from seamlib.book.claims import KnownFailure
    >>> KnownFailure("fig-3", "half-lives", "needs more steps", ("smoke",)).profiles
    ('smoke',)
    """

    claim: str
    item: str
    reason: str
    profiles: tuple[str, ...]


def check_with_control(
    claim_id: str,
    measured: Any,
    control_measured: Any,
    expected: Any,
    tol: float = 0.0,
    *,
    control: str = "untrained models",
    control_note: str | None = None,
    **kwargs: Any,
) -> bool:
    """:func:`check` a claim on a trained model and, where it holds, on its negative control.

    A check on a trained model counts only if the control (the same computation on, by
    default, untrained models) fails it: the control is checked with the same ``expected``,
    ``tol`` and options and must fail. A check that fails needs no control.

    Parameters
    ----------
    measured, control_measured
        The trained models' value and the control's.
    control
        What the control was computed on (the ledger's ``"control (<control>): ..."``).
    control_note
        The control's ``note``, where it differs from the trained check's.
    **kwargs
        ``op``, ``item``, ``note``, ``kind``, ``chapter``, ... as for :func:`check`.

    Returns
    -------
    bool
        What :func:`check` returned for the trained value.

    Examples
    --------
    >>> import os, tempfile
    >>> from unittest import mock
    >>> from seamlib.book import claims
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with mock.patch.dict(os.environ, {"SEAMLIB_LEDGER_DIR": tmp}):
    ...         held = claims.check_with_control("eq3", 0.001, 0.4, 0.05, op="<", item="ex")
    ...         statuses = [claims.record_status(r) for r in claims.read_ledger()]
    >>> held, sorted(statuses)
    (True, ['control failed', 'pass'])
    """
    held = check(claim_id, measured, expected, tol, **kwargs)
    if held:
        if control_note is not None:
            kwargs = {**kwargs, "note": control_note}
        check(claim_id, control_measured, expected, tol, control=control, **kwargs)
    return held


def known_failures_path() -> Path | None:
    """The reviewed known-failures file: ``$SEAMLIB_KNOWN_FAILURES`` if set, else
    ``book/known_failures.yml`` under the book root (``None`` outside a book checkout).

    Examples
    --------
    >>> from seamlib.book import claims
    >>> path = claims.known_failures_path()  # e.g. <book root>/book/known_failures.yml
    """
    env = os.environ.get(KNOWN_FAILURES_ENV)
    if env:
        return Path(env)
    root = _find_book_root(Path.cwd().resolve())
    return None if root is None else root / "book" / "known_failures.yml"


_KF_FIELDS = ("claim", "item", "reason", "profiles")


def load_known_failures(path: Path | str | None = None) -> dict[tuple[str, str], KnownFailure]:
    """Read the declared known failures (default :func:`known_failures_path`).

    The file is a YAML list; each entry has ``claim`` (a registry id), ``item`` (the
    ``item`` of the :func:`check` call, exactly), ``reason`` (one sentence) and
    ``profiles`` (a list of profile names)::

        - claim: fig-3
          item: alignment half-life / fit half-life > 1
          profiles: [smoke]
          reason: the smoke run is too short for the alignment to settle.

    Parameters
    ----------
    path
        The file; a missing file declares nothing.

    Returns
    -------
    dict
        ``(claim, item)`` -> :class:`KnownFailure`.

    Raises
    ------
    ValueError
        An entry lacks a field or has an unknown one, names a claim not in :data:`REGISTRY`
        or a profile not in ``seamlib.config.PROFILES``, has an empty reason, or repeats a
        (claim, item); the message names the entry and how to fix it.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from seamlib.book import claims
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     f = Path(tmp) / "known_failures.yml"
    ...     _ = f.write_text("- {claim: fig-3, item: x, reason: too short, profiles: [smoke]}")
    ...     claims.load_known_failures(f)[("fig-3", "x")].reason
    'too short'
    """
    path = known_failures_path() if path is None else Path(path)
    if path is None or not path.is_file():
        return {}
    try:
        import yaml
    except ImportError as err:  # pragma: no cover - pyyaml ships with jupyter-book
        raise ImportError(
            f"Reading {path} needs PyYAML; install the book extras: pip install -e '.[book]'."
        ) from err
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a YAML list of entries, got {type(entries).__name__}.")
    out: dict[tuple[str, str], KnownFailure] = {}
    for n, e in enumerate(entries, start=1):
        where = f"{path.name}, entry {n}"
        if not isinstance(e, dict) or set(e) != set(_KF_FIELDS):
            got = sorted(e) if isinstance(e, dict) else type(e).__name__
            raise ValueError(f"{where}: expected the fields {', '.join(_KF_FIELDS)}; got {got}.")
        if e["claim"] not in REGISTRY:
            raise ValueError(
                f"{where}: unknown claim id {e['claim']!r}; use an id of "
                "seamlib/book/claims_registry.jsonl."
            )
        profiles = e["profiles"]
        if (
            not isinstance(profiles, list)
            or not profiles
            or any(p not in PROFILES for p in profiles)
        ):
            raise ValueError(
                f"{where} ({e['claim']}): profiles must be a non-empty list drawn from "
                f"{list(PROFILES)}; got {profiles!r}."
            )
        if not (isinstance(e["reason"], str) and e["reason"].strip()):
            raise ValueError(f"{where} ({e['claim']}): give the reason it does not reproduce.")
        key = (str(e["claim"]), str(e["item"]))
        if key in out:
            raise ValueError(f"{where}: {key} is declared twice; keep one entry.")
        out[key] = KnownFailure(key[0], key[1], " ".join(e["reason"].split()), tuple(profiles))
    return out


class ClaimFailed(AssertionError):
    """A claim of the paper did not hold within its tolerance.

    Examples
    --------
    >>> from seamlib.book import claims
    >>> issubclass(claims.ClaimFailed, AssertionError)  # a failed check fails the build
    True
    """


class ControlPassed(ClaimFailed):
    """A negative control (an untrained model, a rotated code) passed a claim's check.

    The check does not tell the trained model from the control: make it stricter (a
    margin beyond the seed spread, a significance level) rather than declaring it.

    Examples
    --------
    >>> from seamlib.book import claims
    >>> issubclass(claims.ControlPassed, claims.ClaimFailed)
    True
    """


class UnexpectedPass(ClaimFailed):
    """A check declared in the known-failures file as not reproducing held after all.

    Remove its entry from ``book/known_failures.yml`` (or drop its profile from the entry).

    Examples
    --------
    >>> from seamlib.book import claims
    >>> issubclass(claims.UnexpectedPass, claims.ClaimFailed)
    True
    """


def _find_book_root(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        if (folder / "_toc.yml").is_file():
            return folder
    return None


def ledger_dir(profile: str | None = None) -> Path:
    """Folder holding the ledger files of one profile (see the module docstring).

    Parameters
    ----------
    profile
        Profile name; default the current ``SEAMLIB_PROFILE``.

    Examples
    --------
    >>> from seamlib.book import claims
    >>> claims.ledger_dir("smoke").name  # e.g. <book root>/_build/ledger/smoke
    'smoke'
    """
    env = os.environ.get(LEDGER_ENV)
    if env:
        base = Path(env)
    else:
        root = _find_book_root(Path.cwd().resolve())
        if root is not None:
            base = root / "_build" / "ledger"
        else:
            base = Path.home() / ".cache" / "seamlib" / "ledger"
    return base / profile_name(profile)


def _as_float(x: Any) -> float | list[float]:
    arr = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=float)
    return float(arr) if arr.ndim == 0 else arr.ravel().tolist()


def _deviation(measured: np.ndarray, expected: np.ndarray, rel: bool) -> float:
    diff = np.abs(measured - expected)
    if rel:
        diff = diff / np.maximum(np.abs(expected), np.finfo(float).tiny)
    return float(np.max(diff)) if diff.size else 0.0


def _holds(measured: np.ndarray, expected: np.ndarray, op: str, tol: float, rel: bool) -> bool:
    if not (np.all(np.isfinite(measured))):
        return False
    slack = tol * np.abs(expected) if rel else tol
    if op == "==":
        return _deviation(measured, expected, rel) <= tol
    if op == "<=":
        return bool(np.all(measured <= expected + slack))
    if op == ">=":
        return bool(np.all(measured >= expected - slack))
    if op == "<":
        return bool(np.all(measured < expected + slack))
    return bool(np.all(measured > expected - slack))


def check(
    claim_id: str,
    measured: Any,
    expected: Any,
    tol: float = 0.0,
    *,
    op: str = "==",
    rel: bool = False,
    item: str = "",
    chapter: str | None = None,
    note: str = "",
    kind: str = "exact",
    control: str = "",
) -> bool:
    """Check a numbered claim of the paper and record the result in the ledger.

    Parameters
    ----------
    claim_id
        A key of :data:`REGISTRY`, e.g. ``"eq3"``.
    measured, expected
        Scalars or arrays (numpy, torch or nested lists) of the same shape, or ``expected``
        a scalar broadcast against ``measured``.
    tol
        Tolerance. With ``op="=="`` the claim holds if ``max |measured - expected| <= tol``
        (relative to ``|expected|`` when ``rel=True``); with an inequality, ``tol`` is slack
        in the claim's favour, e.g. ``op=">="`` holds if ``measured >= expected - tol``.
    op
        One of ``"=="``, ``"<="``, ``">="``, ``"<"``, ``">"``.
    rel
        Relative instead of absolute tolerance.
    item
        What exactly is checked, when a claim has several parts (shown in the ledger, and the
        key of a declaration in ``book/known_failures.yml``).
    chapter
        Chapter recording the check; defaults to the claim's chapter in the registry. The
        ledger file is per chapter and a process's first record starts it afresh, so a
        chapter that checks a claim registered to *another* chapter passes its own name.
    note
        Free text shown in the ledger (e.g. which data set produced the number).
    kind
        ``"exact"`` (default) or ``"trained"`` (:data:`KINDS`): whether ``measured`` is the
        result of training or of a numerical optimiser. It does not change whether the claim
        holds; it sets how far the value may move on another machine before a comparison
        of saved ledgers (:func:`seamlib.book.ledger.compare`) reports it.
    control
        Non-empty for a negative control: what ``measured`` was computed on instead of the
        trained model (e.g. ``"untrained model"``, ``"45-degree rotated code"``). The
        comparison must then *fail*; the record's item is ``"control (<control>): <item>"``
        and its status ``"control failed"``.

    Returns
    -------
    bool
        ``True`` if the claim held; ``False`` if it failed and ``(claim_id, item)`` is
        declared for the current profile in the known-failures file
        (:func:`load_known_failures`). For a control: ``False`` (it failed, as it must).

    Raises
    ------
    KeyError
        ``claim_id`` is not in the registry (the message lists the known ids).
    ValueError
        ``op`` or ``kind`` unknown, ``tol`` negative or not finite; or the known-failures
        file is invalid.
    ClaimFailed
        The claim did not hold and is not declared as a known failure; the message names
        the claim, the item, the measured and expected values and the size of the miss.
    UnexpectedPass
        The claim held although it is declared as a known failure for this profile.
    ControlPassed
        A negative control (``control`` given) held.

    Examples
    --------
    A temporary ledger keeps this example out of the book's ledger:

    >>> import os, tempfile
    >>> from unittest import mock
    >>> from seamlib.book import claims
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with mock.patch.dict(os.environ, {"SEAMLIB_LEDGER_DIR": tmp}):
    ...         claims.check("eq3", measured=1e-12, expected=0.0, tol=1e-10, item="example")
    True
    """
    if claim_id not in REGISTRY:
        raise KeyError(
            f"Unknown claim id {claim_id!r}. Known ids: {', '.join(REGISTRY)}. "
            "Add the claim to seamlib/book/claims_registry.jsonl before checking it."
        )
    if op not in _OPS:
        raise ValueError(f"Unknown comparison op={op!r}; expected one of {_OPS}.")
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}.")
    if kind not in KINDS:
        raise ValueError(f"Unknown kind={kind!r}; expected one of {KINDS}.")
    claim = REGISTRY[claim_id]
    profile = profile_name()
    if control:
        item = f"control ({control}): {item}"
    known = None if control else load_known_failures().get((claim_id, item))
    declared = known if known is not None and profile in known.profiles else None
    m_val = _as_float(measured)
    e_val = _as_float(expected)
    m_arr = np.asarray(m_val, dtype=float)
    e_arr = np.broadcast_to(np.asarray(e_val, dtype=float), m_arr.shape)
    passed = _holds(m_arr, e_arr, op, tol, rel)
    deviation = _deviation(m_arr, e_arr, rel) if np.all(np.isfinite(m_arr)) else math.inf
    if control:
        status = "control passed" if passed else "control failed"
    elif declared is None:
        status = "pass" if passed else "fail"
    else:
        status = "unexpected pass" if passed else "not reproduced"
    record = {
        "claim": claim_id,
        "name": claim.name,
        "item": item,
        "chapter": chapter or claim.chapter,
        "measured": m_val,
        "expected": e_val,
        "op": op,
        "tol": tol,
        "rel": rel,
        "kind": kind,
        "control": control,
        "deviation": deviation,
        "passed": passed,
        "status": status,
        "reason": declared.reason if declared is not None else "",
        "profile": profile,
        "note": note,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    _record(record)
    label = f"Claim {claim.name} [{claim_id}]{' (' + item + ')' if item else ''}"
    scale = "relative" if rel else "absolute"
    comparison = (
        f"measured {_fmt(m_val)} {op} expected {_fmt(e_val)} with {scale} tolerance {tol:g}"
    )
    if status == "control passed":
        raise ControlPassed(
            f"{label}: the negative control held: {comparison}. A check that a control passes "
            "cannot tell a trained model from it; make the check stricter (a margin beyond the "
            "seed spread, a significance level)."
        )
    if control:
        return False
    if status == "fail":
        raise ClaimFailed(
            f"{label} failed: {comparison} does not hold (largest {scale} deviation "
            f"{deviation:.3g}). If this is a known, explained non-reproduction, declare "
            f"(claim={claim_id!r}, item={item!r}) with its reason and profiles in "
            "book/known_failures.yml."
        )
    if declared is not None and passed:
        raise UnexpectedPass(
            f"{label} is declared in book/known_failures.yml as not reproducing under profile "
            f"{profile!r} (reason: {declared.reason}) but it held: {comparison}. Remove the "
            f"entry, or {profile!r} from its profiles, so the file stays true."
        )
    return passed


def _fmt(x: float | list[float]) -> str:
    if isinstance(x, list):
        head = ", ".join(f"{v:.6g}" for v in x[:4])
        return f"[{head}{', ...' if len(x) > 4 else ''}]"
    return f"{x:.6g}"


_STARTED: set[Path] = set()


def _record(record: dict[str, Any]) -> None:
    folder = ledger_dir(record["profile"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record['chapter']}.jsonl"
    key = (record["claim"], record["item"])
    # the first record this process writes for a chapter starts its file afresh, so items
    # of earlier runs (renamed or removed checks) do not linger in the ledger
    previous = _read_file(path) if path.resolve() in _STARTED else []
    _STARTED.add(path.resolve())
    kept = [r for r in previous if (r["claim"], r["item"]) != key]
    kept.append(record)
    # atomic replace: a half-written ledger never appears, even if two kernels race
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in kept)
    os.replace(tmp, path)


def _read_file(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_ledger(folder: Path | None = None) -> list[dict[str, Any]]:
    """All records in the ledger folder (default :func:`ledger_dir`), sorted by claim order.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from seamlib.book import claims
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     claims.read_ledger(Path(tmp))  # an empty folder holds no records
    []
    """
    folder = folder if folder is not None else ledger_dir()
    records: list[dict[str, Any]] = []
    for path in sorted(Path(folder).glob("*.jsonl")):
        records.extend(_read_file(path))
    order = {cid: i for i, cid in enumerate(REGISTRY)}
    return sorted(records, key=lambda r: (order.get(r["claim"], len(order)), r["item"]))


def record_status(rec: dict[str, Any]) -> str:
    """Status of one ledger record: ``pass``, ``fail``, ``not reproduced``, ``unexpected pass``,
    or for a negative control ``control failed`` (as it must) or ``control passed``.

    Examples
    --------
    >>> from seamlib.book import claims
    >>> claims.record_status({"passed": False, "status": "not reproduced"})
    'not reproduced'
    """
    status = rec.get("status")
    if status is None:  # a record written before known failures existed
        status = "pass" if rec["passed"] else "fail"
    return str(status)


def summarise(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per registry claim: status and the recorded checks.

    Status is ``"checked"`` when every recorded check passed; ``"failed"`` when a check
    failed without being declared, a declared failure passed, or a negative control passed;
    ``"not reproduced"`` when the only misses are declared known failures; ``"not yet
    checked"`` when no chapter recorded a check. Each row lists its ``"checks"`` and, apart,
    its negative ``"controls"``.

    Examples
    --------
    >>> from seamlib.book import claims
    >>> rows = claims.summarise([])
    >>> rows[0]["id"], rows[0]["status"]
    ('eq3-mle', 'not yet checked')
    """
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        by_claim.setdefault(r["claim"], []).append(r)
    rows = []
    for cid, claim in REGISTRY.items():
        recs = by_claim.get(cid, [])
        statuses = {record_status(r) for r in recs}
        checks = [r for r in recs if not r.get("control")]
        if statuses & {"fail", "unexpected pass", "control passed"}:
            status = "failed"
        elif not checks:
            status = "not yet checked"
        elif "not reproduced" in statuses:
            status = "not reproduced"
        else:
            status = "checked"
        rows.append(
            {
                **asdict(claim),
                "status": status,
                "checks": checks,
                "controls": [r for r in recs if r.get("control")],
            }
        )
    return rows
