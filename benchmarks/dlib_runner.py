"""Run disentanglement_lib's own metric code on stored inputs (inside its environment).

Invoked by ``dlib_peer.run_dlib`` with the Python of the disentanglement_lib environment
(``make dlib-venv``)::

    python benchmarks/dlib_runner.py JOBS.json INPUTS.npz OUT.json

``JOBS.json`` lists jobs ``{"id", "metric", "inputs": {role: npz key}, "params", "repeats"}``;
each is run with disentanglement_lib 1.5's functions on the arrays (codes and factors as
(n, d) and (n, K), transposed to its (d, n) layout) and timed (the best of
``1 + repeats`` calls). ``OUT.json`` maps each id to ``{"value": {...}, "seconds": float}``.
disentanglement_lib imports ``gin.tf`` (TensorFlow) and passes ``blacklist=`` to gin, which
gin-config 0.5 calls ``denylist=``; both are bridged here, nothing else is patched. Its
gradient-boosted classifier is unseeded; ``params["seed"]`` seeds it (``random_state``).
"""

from __future__ import annotations

import functools
import json
import sys
import time
import types
from pathlib import Path

import gin
import numpy as np

sys.modules["gin.tf"] = gin  # disentanglement_lib needs no TensorFlow for its metrics
gin.tf = gin  # type: ignore[attr-defined]
_configurable = gin.configurable


def _configurable_compat(*args, blacklist=None, **kwargs):  # type: ignore[no-untyped-def]
    if blacklist is not None:
        kwargs["denylist"] = blacklist
    return _configurable(*args, **kwargs)


gin.configurable = _configurable_compat

from disentanglement_lib.evaluation.metrics import (  # noqa: E402
    beta_vae,
    dci,
    factor_vae,
    irs,
    mig,
    modularity_explicitness,
    sap_score,
    utils,
)
from sklearn import ensemble  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _bind_discretizer(n_bins: int) -> None:
    gin.clear_config()
    gin.bind_parameter("discretizer.discretizer_fn", utils._histogram_discretize)
    gin.bind_parameter("discretizer.num_bins", n_bins)


def _run(job: dict, arrays: dict) -> dict:  # noqa: C901 - one branch per metric
    metric, p = job["metric"], job.get("params", {})
    a = {role: arrays[key] for role, key in job["inputs"].items()}
    if metric == "mig":
        _bind_discretizer(p.get("n_bins", 20))
        return {"mig": float(mig._compute_mig(a["codes"].T, a["factors"].T)["discrete_mig"])}
    if metric == "dci":
        seeded = functools.partial(ensemble.GradientBoostingClassifier, random_state=p["seed"])
        dci.ensemble = types.SimpleNamespace(GradientBoostingClassifier=seeded)
        out = dci._compute_dci(a["codes"].T, a["factors"].T, a["codes_test"].T, a["factors_test"].T)
        return {
            "disentanglement": float(out["disentanglement"]),
            "completeness": float(out["completeness"]),
            "informativeness": float(out["informativeness_test"]),
        }
    if metric == "sap":
        out = sap_score._compute_sap(
            a["codes"].T,
            a["factors"].T,
            a["codes_test"].T,
            a["factors_test"].T,
            p["continuous"],
        )
        return {"sap": float(out["SAP_score"])}
    if metric == "modularity":  # the lines of compute_modularity_explicitness
        _bind_discretizer(p.get("n_bins", 20))
        mus = a["codes"].T
        m = utils.discrete_mutual_info(utils.make_discretizer(mus), a["factors"].T)
        return {"modularity": float(modularity_explicitness.modularity(m))}
    if metric == "explicitness":  # the lines of compute_modularity_explicitness
        mus, ys, mus_t, ys_t = a["codes"].T, a["factors"].T, a["codes_test"].T, a["factors_test"].T
        norm, mean, std = utils.normalize_data(mus)
        norm_t, _, _ = utils.normalize_data(mus_t, mean, std)
        test = [
            modularity_explicitness.explicitness_per_factor(norm, ys[i], norm_t, ys_t[i])[1]
            for i in range(ys.shape[0])
        ]
        return {"explicitness": float(np.mean(test))}
    if metric == "irs":  # the lines of compute_irs
        _bind_discretizer(p.get("n_bins", 20))
        ys_discrete = utils.make_discretizer(a["factors"].T)
        active = irs._drop_constant_dims(a["codes"].T)
        if not active.any():
            return {"irs": 0.0}
        score = irs.scalable_disentanglement_score(ys_discrete.T, active.T, p["diff_quantile"])
        return {"irs": float(score["avg_score"])}
    if metric in ("beta_vae", "factor_vae"):
        from seamlib.metrics import FactorGrid  # numpy-only sampler shared with seamlib

        grid = FactorGrid(p["factor_sizes"], noise=p["noise"])
        mix = a["mixing"]
        rep = lambda x: np.tanh(x @ mix)  # noqa: E731
        rs = np.random.RandomState(p["seed"])
        gin.clear_config()
        if metric == "beta_vae":
            out = beta_vae.compute_beta_vae_sklearn(
                grid,
                rep,
                rs,
                batch_size=p["batch_size"],
                num_train=p["num_train"],
                num_eval=p["num_eval"],
            )
        else:
            gin.bind_parameter("prune_dims.threshold", p["prune_threshold"])
            out = factor_vae.compute_factor_vae(
                grid,
                rep,
                rs,
                batch_size=p["batch_size"],
                num_train=p["num_train"],
                num_eval=p["num_eval"],
                num_variance_estimate=p["num_variance_estimate"],
            )
        return {
            "train_accuracy": float(out["train_accuracy"]),
            "eval_accuracy": float(out["eval_accuracy"]),
        }
    raise ValueError(f"unknown metric {metric!r}")


def main(argv: list[str]) -> int:
    jobs = json.loads(Path(argv[1]).read_text())
    arrays = dict(np.load(argv[2]))
    results = {}
    for job in jobs:
        t0 = time.perf_counter()
        value = _run(job, arrays)
        best = time.perf_counter() - t0
        for _ in range(job.get("repeats", 0)):
            t0 = time.perf_counter()
            _run(job, arrays)
            best = min(best, time.perf_counter() - t0)
        results[job["id"]] = {"value": value, "seconds": best}
    Path(argv[3]).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
