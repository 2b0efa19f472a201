"""How long each chapter takes to run top to bottom in a kernel: measured, stored, stated.

``python -m seamlib.book.chapter_times [CHAPTER ...]`` (or ``make chapter-times``) executes each
chapter ``book/<name>.md`` in a fresh Python kernel, as "Restart and run all" does in
JupyterLab, under the ``laptop`` profile by default, and stores the wall time with its
provenance (git commit, machine, CPU count and load) in ``results/chapter_times.json``. Each
chapter's opening lines state that number through :func:`expected_time` and myst-nb glue, so
the figure a reader sees is a measurement, never a guess.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seamlib.config import project_root

__all__ = ["RESULTS", "RunTime", "expected_time", "measure", "main"]

#: Where the measurements are stored, relative to the repository root.
RESULTS = Path("results") / "chapter_times.json"


@dataclass(frozen=True)
class RunTime:
    """A chapter's measured run time; its ``repr`` is the sentence fragment glue shows.

    Attributes
    ----------
    chapter : str
        Chapter name (``book/<chapter>.md``).
    seconds : float or None
        Measured wall time, or ``None`` when the chapter has not been measured.
    profile : str
        Profile the time applies to.
    cpus : int or None
        CPU cores of the machine that measured it.
    date : str
        Day of the measurement (UTC, ``YYYY-MM-DD``).
    load : float or None
        1-minute load average when the measurement started; above ``cpus`` the machine was
        busy with other work and the time overstates an idle machine's.

    Examples
    --------
    >>> from seamlib.book.chapter_times import RunTime
    >>> RunTime("x", 170.0, "laptop", 2, "2026-11-28", 0.5)
    about 3 min (laptop profile, measured on 2 CPU cores at load 0.5 on 2026-11-28)
    >>> RunTime("x", 20.0, "laptop", 2, "2026-11-28")
    under a minute (laptop profile, measured on 2 CPU cores on 2026-11-28)
    >>> RunTime("x", None, "laptop", None, "")
    not yet measured (run `make chapter-times`)
    """

    chapter: str
    seconds: float | None
    profile: str
    cpus: int | None
    date: str
    load: float | None = None

    def __repr__(self) -> str:
        if self.seconds is None:
            return "not yet measured (run `make chapter-times`)"
        minutes = self.seconds / 60.0
        if minutes < 1.0:
            amount = "under a minute"
        elif minutes < 90.0:
            amount = f"about {max(1, round(minutes))} min"
        else:
            amount = f"about {minutes / 60.0:.1f} h"
        load = "" if self.load is None else f" at load {self.load:.1f}"
        where = f"measured on {self.cpus} CPU cores{load} on {self.date}"
        return f"{amount} ({self.profile} profile, {where})"


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {"chapters": {}}
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def expected_time(chapter: str, profile: str = "laptop", path: Path | None = None) -> RunTime:
    """The stored run time of ``chapter`` in ``profile`` (for the chapter's opening lines).

    Parameters
    ----------
    chapter : str
        Chapter name, e.g. ``"linear_models"``.
    profile : str
        Profile of the measurement; only the ``laptop`` one is stored by default.
    path : Path, optional
        The results file; default: ``results/chapter_times.json`` of the repository.

    Returns
    -------
    RunTime
        ``seconds`` is ``None`` if that chapter has not been measured in that profile.

    Examples
    --------
    >>> from seamlib.book.chapter_times import expected_time
    >>> expected_time("no_such_chapter").seconds is None
    True
    """
    file = path if path is not None else project_root() / RESULTS
    entry = _load(file)["chapters"].get(chapter, {}).get(profile)
    if entry is None:
        return RunTime(chapter, None, profile, None, "")
    prov = entry["provenance"]
    return RunTime(
        chapter,
        float(entry["seconds"]),
        profile,
        prov.get("cpus"),
        prov["time"][:10],
        prov.get("load_average_at_start"),
    )


def measure(chapter: str, profile: str = "laptop", timeout: int = 7200) -> float:
    """Run ``book/<chapter>.md`` top to bottom in a fresh kernel; return the wall time (s).

    The kernel starts in ``book/`` (as JupyterLab starts it), with ``SEAMLIB_PROFILE`` set to
    ``profile`` in the kernel's environment only, and the claims ledger written to a
    temporary folder (the book's ledger is left alone).

    Parameters
    ----------
    chapter : str
        Chapter name.
    profile : str
        ``smoke``, ``laptop`` or ``paper``.
    timeout : int
        Per-cell timeout in seconds.

    Returns
    -------
    float
        Seconds from kernel start to the end of the last cell.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell fails (the chapter does not run top to bottom).

    Examples
    --------
    >>> from seamlib.book.chapter_times import measure
    >>> measure("intro", profile="smoke") > 0  # doctest: +SKIP
    True
    """
    import jupytext
    from nbclient import NotebookClient

    book = project_root() / "book"
    nb = jupytext.read(book / f"{chapter}.md")
    with tempfile.TemporaryDirectory() as ledger:
        env = {**os.environ, "SEAMLIB_PROFILE": profile, "SEAMLIB_LEDGER_DIR": ledger}
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": book}}
        )
        start = time.perf_counter()
        client.execute(env=env)
        return time.perf_counter() - start


def _chapters() -> list[str]:
    """Chapters with code cells (the book's notebooks)."""
    book = project_root() / "book"
    return sorted(p.stem for p in book.glob("*.md") if "```{code-cell}" in p.read_text("utf-8"))


def main(argv: list[str] | None = None) -> int:
    """Command line: measure chapters and update ``results/chapter_times.json``.

    Each chapter's entry is written as soon as it is measured, so an interrupted run keeps
    what it finished.

    Examples
    --------
    >>> from seamlib.book.chapter_times import main
    >>> main(["--help"])  # doctest: +SKIP
    """
    parser = argparse.ArgumentParser(
        prog="python -m seamlib.book.chapter_times", description=__doc__.splitlines()[0]
    )
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter)")
    parser.add_argument("--profile", default="laptop", help="profile to time (default: laptop)")
    parser.add_argument("--output", type=Path, default=None, help="results file")
    args = parser.parse_args(argv)

    from seamlib.config import profile_name
    from seamlib.provenance import provenance

    profile = profile_name(args.profile)
    out = args.output or project_root() / RESULTS
    known = _chapters()
    unknown = sorted(set(args.chapters) - set(known))
    if unknown:
        parser.error(f"unknown chapter(s) {unknown}; chapters with code: {known}")
    failed: list[str] = []
    for chapter in args.chapters or known:
        # Provenance as of the start: the code that runs is the code of this commit.
        prov = provenance(
            profile=profile,
            device="cpu",
            cpus=os.cpu_count(),
            load_average_at_start=round(os.getloadavg()[0], 2),
            command=f"python -m seamlib.book.chapter_times {chapter} --profile {profile}",
        )
        print(f"{chapter}: running in the {profile} profile ...", flush=True)
        try:
            seconds = measure(chapter, profile)
        except Exception as exc:  # a failing chapter is reported; the others still run
            print(f"{chapter}: FAILED, not recorded: {type(exc).__name__}: {exc}", flush=True)
            failed.append(chapter)
            continue
        print(f"{chapter}: {seconds:.0f} s", flush=True)
        data = _load(out)
        data["chapters"].setdefault(chapter, {})[profile] = {
            "seconds": round(seconds, 1),
            "provenance": prov,
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if failed:
        print(f"error: chapters that did not run top to bottom: {failed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
