"""Run every ``benchmarks/bench_*.py`` and write ``benchmarks/results.json``.

Each benchmark module exposes ``run(quick: bool = False) -> list[dict]``; a row compares a
baseline and a candidate *side by side in the same run* and carries the acceptance bar of
the project. Every row records the machine and commit it was measured on. Usage::

    python benchmarks/run.py            # all benchmarks, full sizes
    python benchmarks/run.py --quick    # small sizes (a quick sanity check, not the record)
    python benchmarks/run.py metrics    # only bench_metrics.py
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from seamlib.provenance import provenance  # noqa: E402

KEYS = ("group", "name", "baseline", "candidate", "baseline_s", "candidate_s", "ratio", "bar")
#: the section of the Performance appendix each module's rows belong to
GROUPS = {
    "bench_dlib": "metrics vs disentanglement_lib",
    "bench_metrics": "metrics vs reference loops",
    "bench_engine": "training engine",
    "bench_training": "training roofline and step cost",
    "bench_geometry": "geometry",
}


def machine_line() -> str:
    """CPU model and core count (``/proc/cpuinfo``), or the platform where that is absent."""
    import os
    import platform

    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs"


def discover(names: list[str]) -> list[str]:
    """Module names of the benchmarks to run (all ``bench_*.py`` by default)."""
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in names]
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise SystemExit(f"Unknown benchmark(s) {missing}; available: {found}")
    return wanted


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--output", default=str(HERE / "results.json"))
    args = parser.parse_args(argv)
    rows: list[dict] = []
    failures = 0
    prov = provenance(quick=args.quick)
    machine = machine_line()
    for mod_name in discover(args.names):
        t0 = time.perf_counter()
        try:
            mod = importlib.import_module(mod_name)
            for row in mod.run(quick=args.quick):
                row = {
                    "group": GROUPS.get(mod_name, mod_name),
                    **row,
                    "module": mod_name,
                    "machine": machine,
                    "commit": prov.get("git_commit", "?"),
                }
                row["passed"] = bool(row["ratio"] >= row["bar"] and row.get("equal", True))
                rows.append(row)
        except Exception:  # a broken benchmark is reported, the others still run
            failures += 1
            traceback.print_exc()
        print(f"[{mod_name}] {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    header = f"{'benchmark':<56} {'ratio':>8} {'bar':>7}  {'ok':<4} equal"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['name'][:56]:<56} {r['ratio']:>8.2f} {r['bar']:>7.2f}  "
            f"{'yes' if r['passed'] else 'NO':<4} {r.get('equal', '')}"
        )
    peers = [r for r in rows if r.get("peer")]
    if peers:
        print("\nseamlib next to its peer, metric by metric (values and one-thread seconds):")
        for r in peers:
            print(f"  {r['name']}: {r['candidate_s']:.4f} s vs {r['baseline_s']:.4f} s")
            print(f"    {r['detail']}")
    out = {
        "machine": {**prov, "cpu": machine},
        "rows": rows,
    }
    Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
