"""Saved claims ledgers and their comparison: did a change move any checked number?

A ledger (see :mod:`seamlib.book.claims`) is a folder of ``<chapter>.jsonl`` files, one record per
checked item. :func:`snapshot` keeps what a later build must reproduce (claim, item,
chapter, measured, expected, op, tol, kind, status) in one JSON file; :func:`compare` matches
two ledgers item by item (claim id and item text) and reports the items whose status changed,
whose measured value moved by more than it may (:func:`allowed_drift`), and those only one
side has. ``make chapters`` compares the smoke ledger of the chapters it has just run with
``results/ledger/smoke.json``; a refactoring that changes no number passes it, and a change
that moves a number must update the snapshot in the same commit (``python -m seamlib.book.ledger
snapshot _build/ledger-test/smoke --out results/ledger/smoke.json``)::

    python -m seamlib.book.ledger compare results/ledger/smoke.json _build/ledger-test/smoke

**Why a value may move.** The set of items and their statuses must match exactly. A measured
value may differ in its last digits on another machine: floating-point sums are not
associative, and the order in which BLAS and ATen kernels add up depends on the CPU's
instruction set and on the number of threads. How far depends on what the value is (the
``kind`` of its check, :data:`seamlib.book.claims.KINDS`):

- ``exact`` (an identity, a closed form, a seeded computation without training): the
  check's own absolute tolerance ``tol`` (at least :data:`ABS_FLOOR`), plus
  :data:`EXACT_RTOL` of the value for round-off.
- ``trained`` (the result of training or of a numerical optimiser): round-off differences
  grow over the steps, so the value may move by :data:`TRAINED_RTOL` of itself, or by the
  check's ``tol``, whichever is larger. :data:`TRAINED_RTOL` is set from the spread measured
  between thread counts and kernel choices (``results/ledger/drift.json``, written by
  ``python -m seamlib.book.ledger drift``), with a margin.

The snapshot stores each record's ``tol``, ``kind`` and the resulting ``drift`` (``atol``,
``rtol``), so a reader of ``results/ledger/smoke.json`` can tell why a value is allowed to
differ.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seamlib.book.claims import KINDS, read_ledger, record_status
from seamlib.provenance import module_command

__all__ = [
    "ABS_FLOOR",
    "EXACT_RTOL",
    "TRAINED_RTOL",
    "LedgerDiff",
    "allowed_drift",
    "compare",
    "drift",
    "load",
    "main",
    "snapshot",
]

_KEPT = (
    "claim", "item", "chapter", "measured", "expected", "op", "tol", "rel", "kind", "status",
    "profile",
)  # fmt: skip

#: Smallest absolute drift allowed for any value (a check with ``tol=0`` of a value near 0).
ABS_FLOOR = 1e-12
#: Relative drift allowed for an ``exact`` value: float32 round-off through different kernels
#: (largest measured between kernel choices: 4.6e-8, ``results/ledger/drift.json``).
EXACT_RTOL = 1e-6
#: Relative drift allowed for a ``trained`` value. Measured: 1.2e-5 at most between kernel
#: choices on one machine (``results/ledger/drift.json``), 6e-6 between two machines; 1e-3
#: leaves a margin of about 80, and a real change of a computation moves values by far more.
TRAINED_RTOL = 1e-3


def _key(record: Mapping[str, Any]) -> tuple[str, str]:
    return str(record["claim"]), str(record.get("item", ""))


def load(source: str | Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Records of a ledger folder or of a snapshot file, by ``(claim, item)``.

    Parameters
    ----------
    source
        A ledger folder (``<chapter>.jsonl`` files) or a JSON file written by
        :func:`snapshot`.

    Returns
    -------
    dict
        ``{(claim, item): record}`` with the fields of :data:`_KEPT` (status filled in for
        records written before statuses existed).

    Raises
    ------
    FileNotFoundError
        ``source`` does not exist (the message says how to make it).

    Examples
    --------
    >>> import tempfile
    >>> from seamlib.book import ledger
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ledger.load(tmp)  # an empty ledger folder
    {}
    """
    path = Path(source)
    if path.is_dir():
        records = read_ledger(path)
    elif path.is_file():
        records = json.loads(path.read_text())["records"]
    else:
        raise FileNotFoundError(
            f"No ledger at {path}. A ledger folder is written by running the chapters "
            "(make chapters writes _build/ledger-test/<profile>); a snapshot file by "
            "python -m seamlib.book.ledger snapshot FOLDER --out FILE."
        )
    out = {}
    for rec in records:
        kept = {k: rec.get(k) for k in _KEPT}
        kept["status"] = record_status(rec)
        kept["kind"] = rec.get("kind") or "exact"
        kept["tol"] = float(rec.get("tol") or 0.0)
        kept["rel"] = bool(rec.get("rel"))
        atol, rtol = allowed_drift(kept)
        kept["drift"] = {"atol": atol, "rtol": rtol}
        out[_key(rec)] = kept
    return out


def allowed_drift(record: Mapping[str, Any]) -> tuple[float, float]:
    """How far a record's measured value may move between machines: ``(atol, rtol)``.

    Two values ``a`` and ``b`` agree when ``|a - b| <= max(atol, rtol * max(|a|, |b|))``
    (``math.isclose``). See the module docstring for the reasoning.

    Parameters
    ----------
    record
        A ledger record with ``kind`` (``"exact"`` when missing), ``tol`` (0 when missing),
        ``rel`` and ``expected``.

    Returns
    -------
    atol, rtol : float
        ``atol`` is the check's absolute tolerance (``tol``, times ``|expected|`` for a
        relative check), at least :data:`ABS_FLOOR`; ``rtol`` is :data:`EXACT_RTOL` or
        :data:`TRAINED_RTOL`.

    Examples
    --------
    >>> from seamlib.book import ledger
    >>> ledger.allowed_drift({"kind": "exact", "tol": 1e-10, "expected": 0.0})
    (1e-10, 1e-06)
    >>> ledger.allowed_drift({"kind": "trained", "tol": 0.0, "expected": 0.5})
    (1e-12, 0.001)
    """
    tol = float(record.get("tol") or 0.0)
    if record.get("rel"):
        expected = _values(record.get("expected", 0.0))
        tol *= max((abs(v) for v in expected if math.isfinite(v)), default=0.0)
    rtol = TRAINED_RTOL if (record.get("kind") or "exact") == "trained" else EXACT_RTOL
    return max(tol, ABS_FLOOR), rtol


def snapshot(
    folder: str | Path, out: str | Path, *, command: str = "", chapters_commit: str = ""
) -> Path:
    """Write the ledger in ``folder`` to the JSON file ``out`` (with provenance).

    ``chapters_commit`` names the commit whose chapters wrote the ledger, when it is not the
    commit of the tree that takes the snapshot (a ledger built in a worktree of an older
    commit, say); it is stored in the provenance next to ``git_commit``.

    Examples
    --------
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from seamlib.book import ledger
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = ledger.snapshot(tmp, Path(tmp) / "snap.json")
    ...     json.loads(path.read_text())["records"]
    []
    """
    from seamlib.provenance import provenance

    records = sorted(load(folder).values(), key=lambda r: _key(r))
    profiles = sorted({str(r["profile"]) for r in records if r.get("profile")})
    extra: dict[str, Any] = {"command": command or None, "n_records": len(records)}
    if chapters_commit:
        extra["chapters_commit"] = chapters_commit
    doc = {
        "provenance": provenance(profile=",".join(profiles) or None, **extra),
        "records": records,
    }
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    return path


@dataclass
class LedgerDiff:
    """The result of :func:`compare`.

    Attributes
    ----------
    same : list of (claim, item)
        Items with the same status and measured values within tolerance.
    changed : list of dict
        ``{"key", "before", "after", "what"}`` for items whose status or value moved.
    removed, added : list of (claim, item)
        Items only in the first, or only in the second, ledger.

    Examples
    --------
    >>> from seamlib.book.ledger import LedgerDiff
    >>> d = LedgerDiff(same=[("eq3", "a")], added=[("eq3", "b")])
    >>> d.ok, d.report().splitlines()[0]
    (True, '1 items unchanged, 0 changed, 0 removed, 1 added')
    """

    same: list[tuple[str, str]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No item changed and none was removed (added items are allowed)."""
        return not self.changed and not self.removed

    def report(self) -> str:
        """A few lines for a terminal: counts, then every changed and removed item."""
        lines = [
            f"{len(self.same)} items unchanged, {len(self.changed)} changed, "
            f"{len(self.removed)} removed, {len(self.added)} added"
        ]
        for c in self.changed:
            claim, item = c["key"]
            lines.append(f"  changed  {claim} ({item}): {c['what']}")
        lines += [f"  removed  {claim} ({item})" for claim, item in self.removed]
        lines += [f"  added    {claim} ({item})" for claim, item in self.added]
        return "\n".join(lines)


def _values(x: Any) -> list[float]:
    if isinstance(x, (list, tuple)):
        return [float(v) for v in x]
    return [float(x)]


def _close(a: Any, b: Any, rtol: float, atol: float) -> bool:
    va, vb = _values(a), _values(b)
    if len(va) != len(vb):
        return False
    for x, y in zip(va, vb):
        if math.isnan(x) and math.isnan(y):
            continue
        if x == y:  # also equal infinities
            continue
        if not math.isclose(x, y, rel_tol=rtol, abs_tol=atol):
            return False
    return True


def compare(
    before: str | Path | Mapping[tuple[str, str], Mapping[str, Any]],
    after: str | Path | Mapping[tuple[str, str], Mapping[str, Any]],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    chapters: Sequence[str] | None = None,
) -> LedgerDiff:
    """Compare two ledgers item by item.

    The status and the kind of each item must match exactly; its measured value must agree
    within the drift :func:`allowed_drift` allows for the *before* record.

    Parameters
    ----------
    before, after
        Ledger folders, snapshot files, or the mappings :func:`load` returns.
    rtol, atol
        Override :func:`allowed_drift` for every item (``math.isclose`` tolerances).
    chapters
        Compare only the items these chapters recorded (a run of some of the chapters
        against a snapshot of all of them).

    Returns
    -------
    LedgerDiff

    Examples
    --------
    >>> from seamlib.book import ledger
    >>> a = {("eq3", "x"): {"measured": 1.0, "status": "pass"}}
    >>> b = {("eq3", "x"): {"measured": 1.5, "status": "pass"}}
    >>> d = ledger.compare(a, b)
    >>> d.ok, d.changed[0]["what"]
    (False, 'measured 1 -> 1.5 (allowed: atol 1e-12, rtol 1e-06, exact)')
    >>> ledger.compare(a, a).ok
    True
    """
    old = before if isinstance(before, Mapping) else load(before)
    new = after if isinstance(after, Mapping) else load(after)
    if chapters is not None:
        wanted = set(chapters)
        old = {k: r for k, r in old.items() if r.get("chapter") in wanted}
        new = {k: r for k, r in new.items() if r.get("chapter") in wanted}
    diff = LedgerDiff()
    for key in sorted(old):
        if key not in new:
            diff.removed.append(key)
            continue
        a, b = old[key], new[key]
        what = []
        if a.get("status") != b.get("status"):
            what.append(f"status {a.get('status')} -> {b.get('status')}")
        kind_a, kind_b = a.get("kind") or "exact", b.get("kind") or "exact"
        if kind_a != kind_b:
            what.append(f"kind {kind_a} -> {kind_b}")
        item_atol, item_rtol = allowed_drift(a)
        item_atol = item_atol if atol is None else atol
        item_rtol = item_rtol if rtol is None else rtol
        if not _close(a.get("measured"), b.get("measured"), item_rtol, item_atol):
            what.append(
                f"measured {_short(a.get('measured'))} -> {_short(b.get('measured'))} "
                f"(allowed: atol {item_atol:.3g}, rtol {item_rtol:.3g}, {kind_a})"
            )
        if what:
            diff.changed.append({"key": key, "before": a, "after": b, "what": "; ".join(what)})
        else:
            diff.same.append(key)
    diff.added = sorted(set(new) - set(old))
    return diff


def _relative_difference(a: Any, b: Any) -> float:
    """Largest ``|a - b| / max(|a|, |b|)`` over the elements (0 where both are equal)."""
    va, vb = _values(a), _values(b)
    if len(va) != len(vb):
        return math.inf
    out = 0.0
    for x, y in zip(va, vb):
        if x == y or (math.isnan(x) and math.isnan(y)):
            continue
        scale = max(abs(x), abs(y))
        out = max(out, abs(x - y) / scale if math.isfinite(scale) and scale > 0 else math.inf)
    return out


def drift(
    reference: str | Path | Mapping[tuple[str, str], Mapping[str, Any]],
    others: Mapping[str, str | Path | Mapping[tuple[str, str], Mapping[str, Any]]],
) -> dict[str, Any]:
    """The measured spread of every item between ledgers of the same chapters.

    Run the chapters on one machine under different thread counts or kernel choices (or on
    different machines), then measure how far each value moved. This is the evidence behind
    :data:`TRAINED_RTOL` and :data:`EXACT_RTOL`. A value that moved by less than its check's
    absolute tolerance (a residual near zero, say 2e-16 -> 1e-16) counts as not moved: its
    relative difference says nothing about round-off.

    Parameters
    ----------
    reference
        A ledger folder, snapshot file or :func:`load` mapping.
    others
        ``{label: ledger}``: the same chapters run under another setting (the label says
        which, e.g. ``"1 thread, ATen default kernels"``).

    Returns
    -------
    dict
        ``"runs"``: per label, the number of items compared, the items whose status differs
        (must be none), and per kind the largest relative difference and its item;
        ``"items"``: every item that moved at all, with its kind and relative difference per
        label; ``"max_relative"``: per kind, the largest relative difference over all labels.

    Examples
    --------
    >>> from seamlib.book import ledger
    >>> a = {("fig-6", "x"): {"measured": 1.0, "status": "pass", "kind": "trained"}}
    >>> b = {("fig-6", "x"): {"measured": 1.000002, "status": "pass", "kind": "trained"}}
    >>> d = ledger.drift(a, {"1 thread": b})
    >>> round(d["max_relative"]["trained"], 7), d["runs"]["1 thread"]["status_changed"]
    (2e-06, [])
    """
    ref = reference if isinstance(reference, Mapping) else load(reference)
    runs: dict[str, Any] = {}
    items: dict[str, dict[str, Any]] = {}
    overall = {kind: 0.0 for kind in KINDS}
    for label, other in others.items():
        new = other if isinstance(other, Mapping) else load(other)
        worst: dict[str, dict[str, Any]] = {kind: {"relative": 0.0, "item": None} for kind in KINDS}
        status_changed = []
        for key in sorted(set(ref) & set(new)):
            a, b = ref[key], new[key]
            if a.get("status") != b.get("status"):
                status_changed.append(list(key))
            kind = a.get("kind") or "exact"
            atol, rtol = allowed_drift(a)
            if _close(a.get("measured"), b.get("measured"), 0.0, atol):
                rel = 0.0  # within the check's own absolute tolerance: residuals near zero
            else:
                rel = _relative_difference(a.get("measured"), b.get("measured"))
            if rel > 0:
                entry = items.setdefault(
                    " | ".join(key), {"kind": kind, "relative": {}, "allowed_rtol": rtol}
                )
                entry["relative"][label] = rel
            if rel > worst[kind]["relative"]:
                worst[kind] = {"relative": rel, "item": list(key)}
            overall[kind] = max(overall[kind], rel)
        runs[label] = {
            "n_items": len(set(ref) & set(new)),
            "missing": sorted(" | ".join(k) for k in set(ref) ^ set(new)),
            "status_changed": status_changed,
            "largest": worst,
        }
    return {"runs": runs, "max_relative": overall, "items": dict(sorted(items.items()))}


def _short(x: Any) -> str:
    v = _values(x)
    text = ", ".join(f"{u:.6g}" for u in v[:4]) + (", ..." if len(v) > 4 else "")
    return text if len(v) == 1 else f"[{text}]"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m seamlib.book.ledger {snapshot,compare}`` (exit 1 when ``compare`` finds changes).

    Examples
    --------
    >>> import tempfile
    >>> from seamlib.book import ledger
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ledger.main(["compare", tmp, tmp])  # two empty ledgers
    0 items unchanged, 0 changed, 0 removed, 0 added
    0
    """
    parser = argparse.ArgumentParser(
        prog="python -m seamlib.book.ledger", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot", help="save a ledger folder as one JSON file")
    s.add_argument("folder")
    s.add_argument("--out", required=True)
    s.add_argument(
        "--chapters-commit",
        default="",
        help="the commit whose chapters wrote the ledger, if not this tree's",
    )
    c = sub.add_parser("compare", help="compare two ledgers (folders or snapshot files)")
    c.add_argument("before")
    c.add_argument("after")
    c.add_argument("--rtol", type=float, default=None, help="override every item's rtol")
    c.add_argument("--atol", type=float, default=None, help="override every item's atol")
    c.add_argument(
        "--chapters", default=None, help="comma-separated chapters: compare only their items"
    )
    d = sub.add_parser(
        "drift", help="measured spread of each item between runs of the same chapters"
    )
    d.add_argument("reference")
    d.add_argument(
        "others", nargs="+", metavar="LABEL=LEDGER", help="a label and a ledger folder or file"
    )
    d.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "snapshot":
            cmd = module_command("seamlib.book.ledger", sys.argv[1:] if argv is None else argv)
            path = snapshot(
                args.folder, args.out, command=cmd, chapters_commit=args.chapters_commit
            )
            print(f"wrote {path}")
            return 0
        if args.cmd == "drift":
            return _write_drift(args.reference, args.others, args.out, argv)
        chapters = None if args.chapters is None else args.chapters.split(",")
        diff = compare(args.before, args.after, rtol=args.rtol, atol=args.atol, chapters=chapters)
    except (FileNotFoundError, KeyError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(diff.report())
    if not diff.ok:
        print(
            "The ledger changed. If the change is intended, save the new ledger: python -m "
            f"seamlib.book.ledger snapshot {args.after} --out {args.before}",
            file=sys.stderr,
        )
    return 0 if diff.ok else 1


def _write_drift(
    reference: str, others: Sequence[str], out: str, argv: Sequence[str] | None
) -> int:
    from seamlib.provenance import provenance

    runs: dict[str, str] = {}
    for spec in others:
        label, sep, path = spec.rpartition("=")
        if not sep or not label:
            print(f"error: expected LABEL=LEDGER, got {spec!r}", file=sys.stderr)
            return 2
        runs[label] = path
    result = drift(reference, runs)
    cmd = module_command("seamlib.book.ledger", sys.argv[1:] if argv is None else argv)
    doc = {
        "provenance": provenance(command=cmd),
        "allowed": {"EXACT_RTOL": EXACT_RTOL, "TRAINED_RTOL": TRAINED_RTOL},
        **result,
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")
    for label, run in result["runs"].items():
        big = ", ".join(f"{k} {v['relative']:.2g}" for k, v in run["largest"].items())
        print(
            f"{label}: {run['n_items']} items, {len(run['status_changed'])} statuses "
            f"changed, largest relative difference: {big}"
        )
    print(f"wrote {out}")
    flipped = any(run["status_changed"] for run in result["runs"].values())
    return 1 if flipped else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
