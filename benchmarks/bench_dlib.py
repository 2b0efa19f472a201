"""seamlib's metrics against disentanglement_lib 1.5's own code: values and one-thread timings.

For every metric both projects have, one row: the same inputs (10,000 codes of a simulated
VAE encoder on dSprites' factor grid, :func:`seamlib.metrics.toy_dsprites_codes`, split
8,000 / 2,000 where a metric trains classifiers; DCI on its first two factors, whose boosted
trees fit one tree per class and round), the same settings and seeds, disentanglement_lib's
code run in its own environment (``make dlib-venv``) in a subprocess and seamlib's here,
both on one thread, each the best of ``1 + repeats`` calls. ``equal``: every score agrees to
1e-12. Without the disentanglement_lib environment the module raises, saying why, and the
other benchmarks still run.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dlib_peer as P  # noqa: E402

#: (runner metric, label, disentanglement_lib function, seamlib function)
ROWS = (
    ("mig", "MIG", "mig._compute_mig", "metrics.mig"),
    ("dci", "DCI (100 boosted trees)", "dci._compute_dci (classifier seeded)", "metrics.dci"),
    ("sap", "SAP (discrete factors)", "sap_score._compute_sap", "metrics.sap"),
    ("sap_continuous", "SAP (continuous)", "sap_score._compute_sap", "metrics.sap"),
    ("modularity", "modularity", "modularity_explicitness.modularity", "metrics.modularity"),
    ("explicitness", "explicitness", "modularity_explicitness (its loop)", "metrics.explicitness"),
    ("irs", "IRS", "irs.scalable_disentanglement_score", "metrics.irs"),
    ("beta_vae", "beta-VAE score", "beta_vae.compute_beta_vae_sklearn", "metrics.beta_vae_score"),
    ("factor_vae", "FactorVAE score", "factor_vae.compute_factor_vae", "metrics.factor_vae_score"),
)
TOL = 1e-12


def run(quick: bool = False) -> list[dict[str, Any]]:
    """One row per metric (see the module docstring); ``quick`` uses 2,000 codes."""
    from threadpoolctl import threadpool_limits

    py, why = P.dlib_python()
    if py is None:
        raise RuntimeError(f"disentanglement_lib rows not run: {why}")
    n = 2_000 if quick else 10_000
    cases = {"toy-vae": P.make_cases(n)["toy-vae"]}
    metrics = tuple(m for m, *_ in ROWS)
    jobs, arrays = P.build_jobs(cases, metrics, quick=quick)
    slow = ("dci", "sap", "explicitness", "beta_vae", "factor_vae")
    for job in jobs:
        job["repeats"] = 0 if job["metric"] in slow else 4
    ref = P.run_dlib(py, jobs, arrays, timeout=1800)
    version = P.dlib_version(py)
    by_metric = {job["id"].split("/")[-1]: job for job in jobs}
    rows = []
    with threadpool_limits(1):
        for metric, label, theirs_name, ours_name in ROWS:
            job = by_metric[metric]
            best, ours = float("inf"), {}
            for _ in range(1 + job["repeats"]):
                t0 = time.perf_counter()
                ours = P.seamlib_value(job, arrays)
                best = min(best, time.perf_counter() - t0)
            theirs = ref[job["id"]]
            split = "tested on a held-out 20 %" if "codes_test" in job["inputs"] else "all points"
            size = f"n = {n}"
            if job["case"] == "factor grid":  # the sampled scores draw their own batches
                prm = job["params"]
                size = (
                    f"{prm['num_train']} training and {prm['num_eval']} evaluation points of "
                    f"{prm['batch_size']} observations each"
                )
                split = "sampled"
            err = max(abs(ours[k] - v) for k, v in theirs["value"].items())
            values = ", ".join(f"{k} {ours[k]:.6f} vs {v:.6f}" for k, v in theirs["value"].items())
            rows.append(
                {
                    "name": f"{label} vs disentanglement_lib",
                    "baseline": f"disentanglement_lib {version} {theirs_name}",
                    "candidate": f"seamlib.{ours_name}",
                    "baseline_s": theirs["seconds"],
                    "candidate_s": best,
                    "ratio": theirs["seconds"] / best,
                    "bar": 0.0,  # a peer comparison: equal values are the bar, speed is reported
                    "equal": bool(err <= TOL),
                    "max_abs_diff": err,
                    "peer": f"disentanglement_lib {version}",
                    "detail": (
                        f"{job['case']} codes, {size} ({split}); "
                        f"one thread each; seamlib vs disentanglement_lib: {values}; max "
                        f"|difference| {err:.1e} (tolerance {TOL:g})"
                    ),
                }
            )
    return rows


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']:<44} {row['ratio']:8.1f}x  equal={row['equal']}  {row['detail']}")
