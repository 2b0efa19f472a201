"""seamlib's metrics next to disentanglement_lib's own code, on the same inputs.

Shared by ``tests/test_metrics_dlib.py`` (equality) and ``bench_dlib.py`` (timings).
disentanglement_lib 1.5 lives in its own environment, ``build/dlib-venv`` (``make
dlib-venv``: numpy, scipy, scikit-learn, absl-py, six, gin-config and
``disentanglement-lib==1.5 --no-deps``; no TensorFlow), because it is not installable next
to the project's pins; ``dlib_runner.py`` runs there in a subprocess on ``.npz`` inputs
written here. ``SEAMLIB_DLIB_PYTHON`` points at another interpreter that has it.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from seamlib import metrics as M

ROOT = Path(__file__).resolve().parent.parent
RUNNER = Path(__file__).resolve().parent / "dlib_runner.py"
DLIB_VENV = ROOT / "build" / "dlib-venv"
#: factor grid of the comparison codes: dSprites' first two factor sizes, then small grids
CARDS = (3, 6, 10, 8, 8)
#: DCI's boosted trees fit one tree per class and round: its comparison uses the first two
#: factors (3 + 6 classes) to stay within seconds
DCI_FACTORS = 2
#: one thread for every BLAS/OpenMP pool, in the disentanglement_lib subprocess too
ONE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def dlib_python() -> tuple[Path | None, str]:
    """The interpreter of the disentanglement_lib environment, or None and why not."""
    override = os.environ.get("SEAMLIB_DLIB_PYTHON")
    py = Path(override) if override else DLIB_VENV / "bin" / "python"
    if not py.is_file():
        return None, f"no disentanglement_lib environment at {py}: build it with `make dlib-venv`"
    probe = subprocess.run(
        [str(py), "-c", "import disentanglement_lib, gin, sklearn"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if probe.returncode:
        last = (probe.stderr.strip().splitlines() or ["?"])[-1]
        return None, f"{py} cannot import disentanglement_lib ({last}): rerun `make dlib-venv`"
    return py, ""


def dlib_version(py: Path) -> str:
    code = "import importlib.metadata as m; print(m.version('disentanglement-lib'))"
    return subprocess.run([str(py), "-c", code], capture_output=True, text=True).stdout.strip()


def make_cases(n: int, seed: int = 0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Codes (n, 10) and factors (n, 5) with known structure, one entry per case.

    ``perfect``: latents 0-4 copy the factors (scaled, tiny jitter), 5-9 are collapsed;
    ``rotated``: latents 0, 1 of ``perfect`` rotated by 45 degrees; ``noisy``: ``perfect``
    plus noise of std 0.3; ``duplicated``: latent 0 copied into latents 0-4; ``mixed``:
    ``perfect`` through a random orthogonal matrix; ``toy-vae``: a simulated VAE encoder on
    dSprites' factor grid (:func:`seamlib.metrics.toy_dsprites_codes`, latents rotated by 30
    degrees).
    """
    rng = np.random.default_rng(seed)
    v = rng.integers(0, CARDS, size=(n, len(CARDS)))
    scaled = v / (np.asarray(CARDS) - 1.0)
    perfect = np.c_[
        scaled + 1e-3 * rng.standard_normal(v.shape), 0.01 * rng.standard_normal(v.shape)
    ]
    c = s = np.sqrt(0.5)
    rotated = perfect.copy()
    rotated[:, :2] = perfect[:, :2] @ np.array([[c, -s], [s, c]])
    noisy = perfect + 0.3 * rng.standard_normal(perfect.shape)
    duplicated = perfect.copy()
    duplicated[:, :5] = perfect[:, :1]
    q, r = np.linalg.qr(rng.standard_normal((10, 10)))
    mixed = perfect @ (q * np.sign(np.diag(r)))
    tv, tmu, _ = M.toy_dsprites_codes(n, rng=rng, angle=np.pi / 6)
    return {
        "perfect": (perfect, v),
        "rotated": (rotated, v),
        "noisy": (noisy, v),
        "duplicated": (duplicated, v),
        "mixed": (mixed, v),
        "toy-vae": (tmu, tv),
    }


def split(codes: np.ndarray, factors: np.ndarray, train_fraction: float = 0.8) -> dict:
    """First ``train_fraction`` of the rows to train, the rest to test (the rows are random)."""
    n_tr = int(round(train_fraction * len(codes)))
    return {
        "codes": codes[:n_tr],
        "factors": factors[:n_tr],
        "codes_test": codes[n_tr:],
        "factors_test": factors[n_tr:],
    }


def sampled_params(quick: bool) -> dict[str, Any]:
    """Settings of the beta-VAE and FactorVAE comparisons (disentanglement_lib's, scaled)."""
    scale = 20 if quick else 4
    return {
        "factor_sizes": list(CARDS),
        "noise": 0.3,
        "seed": 0,
        "batch_size": 64,
        "num_train": 10_000 // scale,
        "num_eval": 5_000 // scale,
        "num_variance_estimate": 10_000 // scale,
        "prune_threshold": 0.05,
    }


def mixing_matrix(seed: int = 3) -> np.ndarray:
    """(5, 10) map of the sampled scores' representation ``tanh(observations @ mixing)``.

    Latents 0-4 follow the factors with cross-talk, 5-9 mix them weakly: with the
    observation noise of :func:`sampled_params` neither score is at its ceiling of 1.
    """
    rng = np.random.default_rng(seed)
    mix = np.zeros((5, 10))
    mix[:, :5] = 2.0 * np.eye(5) + 0.8 * rng.standard_normal((5, 5))
    mix[:, 5:] = 0.3 * rng.standard_normal((5, 5))
    return mix


def seamlib_value(job: dict, arrays: dict[str, np.ndarray]) -> dict[str, float]:
    """seamlib's answer to a runner job (same inputs and settings as disentanglement_lib's)."""
    metric, p = job["metric"], job.get("params", {})
    a = {role: arrays[key] for role, key in job["inputs"].items()}
    test = (a["codes_test"], a["factors_test"]) if "codes_test" in a else None
    if metric == "mig":
        return {"mig": M.mig(a["codes"], a["factors"], n_bins=p.get("n_bins", 20))}
    if metric == "dci":
        s = M.dci(a["codes"], a["factors"], test=test, seed=p["seed"])
        return {
            "disentanglement": s.disentanglement,
            "completeness": s.completeness,
            "informativeness": s.informativeness,
        }
    if metric == "sap":
        return {"sap": M.sap(a["codes"], a["factors"], continuous=p["continuous"], test=test)}
    if metric == "modularity":
        return {"modularity": M.modularity(a["codes"], a["factors"], n_bins=p.get("n_bins", 20))}
    if metric == "explicitness":
        return {"explicitness": M.explicitness(a["codes"], a["factors"], test=test)}
    if metric == "irs":
        return {"irs": M.irs(a["codes"], a["factors"], diff_quantile=p["diff_quantile"])}
    if metric in ("beta_vae", "factor_vae"):
        grid = M.FactorGrid(p["factor_sizes"], noise=p["noise"])
        mix = a["mixing"]
        rs = np.random.RandomState(p["seed"])
        common = {
            "batch_size": p["batch_size"],
            "num_train": p["num_train"],
            "num_eval": p["num_eval"],
        }
        if metric == "beta_vae":
            score = M.beta_vae_score(grid, lambda x: np.tanh(x @ mix), random_state=rs, **common)
        else:
            score = M.factor_vae_score(
                grid,
                lambda x: np.tanh(x @ mix),
                random_state=rs,
                **common,
                num_variance_estimate=p["num_variance_estimate"],
                prune_threshold=p["prune_threshold"],
            )
        return score._asdict()
    raise ValueError(f"unknown metric {metric!r}")


def build_jobs(
    cases: dict[str, tuple[np.ndarray, np.ndarray]],
    metrics: tuple[str, ...],
    *,
    quick: bool = False,
    repeats: int = 0,
) -> tuple[list[dict], dict[str, np.ndarray]]:
    """Runner jobs for every (case, metric) pair, and the arrays they name."""
    arrays: dict[str, np.ndarray] = {"mixing": mixing_matrix()}
    jobs: list[dict] = []
    for name, (codes, factors) in cases.items():
        parts = split(codes, factors)
        arrays[f"{name}/codes_all"], arrays[f"{name}/factors_all"] = codes, factors
        for role, arr in parts.items():
            arrays[f"{name}/{role}"] = arr
        for role in ("factors", "factors_test"):
            arrays[f"{name}/{role}_dci"] = parts[role][:, :DCI_FACTORS]
        whole = {"codes": f"{name}/codes_all", "factors": f"{name}/factors_all"}
        held = {role: f"{name}/{role}" for role in parts}
        held_dci = {
            **held,
            "factors": f"{name}/factors_dci",
            "factors_test": f"{name}/factors_test_dci",
        }
        table: dict[str, tuple[dict, dict]] = {
            "mig": (whole, {"n_bins": 20}),
            "modularity": (whole, {"n_bins": 20}),
            "irs": (whole, {"diff_quantile": 0.99}),
            "sap_continuous": (held, {"continuous": True}),
            "sap": (held, {"continuous": False}),
            "explicitness": (held, {}),
            "dci": (held_dci, {"seed": 0}),
        }
        for metric in metrics:
            if metric in table:
                inputs, params = table[metric]
                jobs.append(
                    {
                        "id": f"{name}/{metric}",
                        "metric": metric.split("_")[0],
                        "case": name,
                        "inputs": inputs,
                        "params": params,
                        "repeats": repeats,
                    }
                )
    for metric in ("beta_vae", "factor_vae"):
        if metric in metrics:
            jobs.append(
                {
                    "id": metric,
                    "metric": metric,
                    "case": "factor grid",
                    "inputs": {"mixing": "mixing"},
                    "params": sampled_params(quick),
                    "repeats": repeats,
                }
            )
    return jobs, arrays


def run_dlib(py: Path, jobs: list[dict], arrays: dict[str, np.ndarray], timeout: float) -> dict:
    """disentanglement_lib's values (and best-of-``repeats`` seconds) for ``jobs``."""
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        (t / "jobs.json").write_text(json.dumps(jobs))
        np.savez(t / "inputs.npz", **arrays)
        env = {**os.environ, **ONE_THREAD, "PYTHONPATH": str(ROOT)}
        proc = subprocess.run(
            [
                str(py),
                str(RUNNER),
                str(t / "jobs.json"),
                str(t / "inputs.npz"),
                str(t / "out.json"),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
        if proc.returncode:
            raise RuntimeError(f"disentanglement_lib runner failed:\n{proc.stderr[-3000:]}")
        return json.loads((t / "out.json").read_text())
