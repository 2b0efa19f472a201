"""seamlib's metrics against disentanglement_lib 1.5's own code on the same inputs.

disentanglement_lib runs in its own environment (``make dlib-venv``, built by ``make test``
and CI); ``benchmarks/dlib_peer.py`` writes the inputs, runs its functions in a subprocess
and computes seamlib's answers with the same settings and seeds. Without that environment
every test here is skipped with one line that says why and how to build it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

import dlib_peer as P  # noqa: E402

#: exact algorithms (histograms, correlations, quantiles): float round-off
EXACT_TOL = 1e-12
#: classifier-based scores with the same settings and seeds (equal in practice to the bit)
FITTED_TOL = 1e-12


@pytest.fixture(scope="module")
def dlib_py() -> Path:
    py, why = P.dlib_python()
    if py is None:
        pytest.skip(f"disentanglement_lib comparison not run: {why}")
    return py


def _compare(py: Path, cases: dict, metrics: tuple[str, ...], tol: float) -> None:
    jobs, arrays = P.build_jobs(cases, metrics, quick=True)
    ref = P.run_dlib(py, jobs, arrays, timeout=900)
    worst = 0.0
    lines = []
    for job in jobs:
        ours, theirs = P.seamlib_value(job, arrays), ref[job["id"]]["value"]
        assert set(ours) >= set(theirs), job["id"]
        for key, value in theirs.items():
            err = abs(ours[key] - value)
            worst = max(worst, err)
            lines.append(f"{job['id']:<28} {key:<16} {ours[key]:.12f} {value:.12f} {err:.1e}")
            assert err <= tol, f"{job['id']} {key}: seamlib {ours[key]!r}, dlib {value!r}"
    print("\n".join(["case/metric  score  seamlib  disentanglement_lib  |difference|", *lines]))
    assert lines, "no comparison was made"


def test_exact_metrics_equal_dlib(dlib_py: Path) -> None:
    """MIG, modularity, IRS and continuous SAP on 10,000 codes of six kinds."""
    cases = P.make_cases(10_000)
    _compare(dlib_py, cases, ("mig", "modularity", "irs", "sap_continuous"), EXACT_TOL)


def test_classifier_metrics_equal_dlib(dlib_py: Path) -> None:
    """SAP (linear SVMs) and explicitness (logistic regression) on 1,000 codes of six kinds."""
    _compare(dlib_py, P.make_cases(1_000), ("sap", "explicitness"), FITTED_TOL)


def test_dci_default_equals_dlib(dlib_py: Path) -> None:
    """DCI's default (100 gradient-boosted trees) against dlib's with its classifier seeded."""
    cases = {k: v for k, v in P.make_cases(1_000).items() if k in ("perfect", "rotated", "mixed")}
    _compare(dlib_py, cases, ("dci",), FITTED_TOL)


def test_sampled_scores_equal_dlib(dlib_py: Path) -> None:
    """The beta-VAE and FactorVAE scores: same sampler, representation and RandomState seed."""
    _compare(dlib_py, {}, ("beta_vae", "factor_vae"), FITTED_TOL)
