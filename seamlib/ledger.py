"""Saved claims ledgers and their comparison: did a change move any checked number?

A ledger (see :mod:`seamlib.claims`) is a folder of ``<chapter>.jsonl`` files, one record per
checked item. :func:`snapshot` keeps what a later build must reproduce (claim, item,
chapter, measured, expected, status) in one JSON file; :func:`compare` matches two ledgers
item by item (claim id and item text) and reports the items whose measured value or status
changed, and those only one side has. ``make chapters`` compares the smoke ledger of the
chapters it has just run with ``results/ledger/smoke.json``; a refactoring that changes no
number passes it, and a change that moves a number must update the snapshot in the same
commit (``python -m seamlib.ledger snapshot _build/ledger-test/smoke --out
results/ledger/smoke.json``)::

    python -m seamlib.ledger compare results/ledger/smoke.json _build/ledger-test/smoke
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

from seamlib.claims import read_ledger, record_status
from seamlib.provenance import module_command

__all__ = ["LedgerDiff", "load", "snapshot", "compare", "main"]

_KEPT = ("claim", "item", "chapter", "measured", "expected", "op", "status", "profile")


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
    >>> from seamlib import ledger
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
            "python -m seamlib.ledger snapshot FOLDER --out FILE."
        )
    out = {}
    for rec in records:
        kept = {k: rec.get(k) for k in _KEPT}
        kept["status"] = record_status(rec)
        out[_key(rec)] = kept
    return out


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
    >>> from seamlib import ledger
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
    >>> from seamlib.ledger import LedgerDiff
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
    rtol: float = 1e-6,
    atol: float = 1e-9,
) -> LedgerDiff:
    """Compare two ledgers item by item.

    Parameters
    ----------
    before, after
        Ledger folders, snapshot files, or the mappings :func:`load` returns.
    rtol, atol
        Tolerances on each measured value (``math.isclose``); the status must match exactly.

    Returns
    -------
    LedgerDiff

    Examples
    --------
    >>> from seamlib import ledger
    >>> a = {("eq3", "x"): {"measured": 1.0, "status": "pass"}}
    >>> b = {("eq3", "x"): {"measured": 1.5, "status": "pass"}}
    >>> d = ledger.compare(a, b)
    >>> d.ok, d.changed[0]["what"]
    (False, 'measured 1 -> 1.5')
    >>> ledger.compare(a, a).ok
    True
    """
    old = before if isinstance(before, Mapping) else load(before)
    new = after if isinstance(after, Mapping) else load(after)
    diff = LedgerDiff()
    for key in sorted(old):
        if key not in new:
            diff.removed.append(key)
            continue
        a, b = old[key], new[key]
        what = []
        if a.get("status") != b.get("status"):
            what.append(f"status {a.get('status')} -> {b.get('status')}")
        if not _close(a.get("measured"), b.get("measured"), rtol, atol):
            what.append(f"measured {_short(a.get('measured'))} -> {_short(b.get('measured'))}")
        if what:
            diff.changed.append({"key": key, "before": a, "after": b, "what": "; ".join(what)})
        else:
            diff.same.append(key)
    diff.added = sorted(set(new) - set(old))
    return diff


def _short(x: Any) -> str:
    v = _values(x)
    text = ", ".join(f"{u:.6g}" for u in v[:4]) + (", ..." if len(v) > 4 else "")
    return text if len(v) == 1 else f"[{text}]"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m seamlib.ledger {snapshot,compare}`` (exit 1 when ``compare`` finds changes).

    Examples
    --------
    >>> import tempfile
    >>> from seamlib import ledger
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     ledger.main(["compare", tmp, tmp])  # two empty ledgers
    0 items unchanged, 0 changed, 0 removed, 0 added
    0
    """
    parser = argparse.ArgumentParser(
        prog="python -m seamlib.ledger", description=__doc__.split("\n")[0]
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
    c.add_argument("--rtol", type=float, default=1e-6)
    c.add_argument("--atol", type=float, default=1e-9)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "snapshot":
            cmd = module_command("seamlib.ledger", sys.argv[1:] if argv is None else argv)
            path = snapshot(
                args.folder, args.out, command=cmd, chapters_commit=args.chapters_commit
            )
            print(f"wrote {path}")
            return 0
        diff = compare(args.before, args.after, rtol=args.rtol, atol=args.atol)
    except (FileNotFoundError, KeyError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(diff.report())
    if not diff.ok:
        print(
            "The ledger changed. If the change is intended, save the new ledger: python -m "
            f"seamlib.ledger snapshot {args.after} --out {args.before}",
            file=sys.stderr,
        )
    return 0 if diff.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
