"""Tests of seamlib.experiments.faces: grids, diagnostics, summaries and the claim's statistics."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from seamlib.engine.config import TrainConfig
from seamlib.engine.models import VAE
from seamlib.engine.sweep import expand_grid
from seamlib.engine.train import train
from seamlib.errors import ConfigError, DataError
from seamlib.experiments import common
from seamlib.experiments import faces as fr
from seamlib.experiments import faces_data as fd
from seamlib.metrics.offdiag import off_diagonal_active


# --------------------------------------------------------------------------------------
# Grids and data sets
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("profile", ["smoke", "laptop", "paper"])
def test_lfw_grid_is_a_valid_engine_grid(profile: str) -> None:
    spec = fr.grids(profile, "lfw")
    runs = expand_grid(spec)
    sizes = __import__("seamlib.config", fromlist=["get_profile"]).get_profile(profile).faces
    assert len(runs) == 2 * len(sizes.betas) * len(sizes.seeds)
    cfg = runs[0].config
    assert (cfg.dataset, cfg.architecture, cfg.likelihood) == ("lfw", "mlp", "gaussian")
    assert {r.config.posterior for r in runs} == {"diag", "full"}


def test_celeba_grids_need_a_folder_and_use_the_conv_net(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CelebA folder"):
        fr.grids("smoke", "celeba")
    spec = fr.grids("smoke", "celeba", tmp_path)
    assert spec["base"]["architecture"] == "burgess"
    assert spec["base"]["data_root"] == str(tmp_path)
    fixture = fr.grids("smoke", "celeba-fixture", tmp_path)
    assert len(fixture["grid"]["seed"]) == len(fixture["grid"]["beta"]) == 1
    with pytest.raises(ConfigError, match="Unknown faces dataset"):
        fr.grids("smoke", "mnist")


def test_write_grid(tmp_path: Path) -> None:
    path = fr.write_grid("smoke", "lfw", folder=tmp_path)
    assert path.name == "faces_lfw.smoke.json"
    assert json.loads(path.read_text())["base"]["dataset"] == "lfw"


def test_resolve_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fd.CELEBA_ENV, raising=False)
    assert fd.resolve_dataset() == ("lfw", None)
    monkeypatch.setenv(fd.CELEBA_ENV, str(tmp_path))
    with pytest.raises(DataError, match="no CelebA layout"):
        fd.resolve_dataset()


def test_heldout_lfw_and_bad_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    x, attrs, names = fd.heldout_faces("lfw", 5)
    assert x.shape == (100, 1, 25, 25) and attrs is None and names == ()
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    with pytest.raises(ValueError, match="n must be"):
        fd.heldout_faces("lfw", 0)
    with pytest.raises(ValueError, match="Unknown faces dataset"):
        fd.heldout_faces("mnist", 4)
    monkeypatch.delenv(fd.CELEBA_ENV, raising=False)
    with pytest.raises(DataError, match="needs its folder"):
        fd.heldout_faces("celeba", 4)


def test_celeba_fixture_loads_as_celeba(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAMLIB_DATA", str(tmp_path / "cache"))
    root = fd.make_celeba_fixture(tmp_path / "fx", 12, seed=1)
    x, attrs, names = fd.heldout_faces("celeba-fixture", 8, data_root=root)
    assert x.shape == (8, 3, 64, 64) and x.dtype == torch.float32
    assert attrs is not None and attrs.shape == (8, 40) and set(np.unique(attrs)) <= {0, 1}
    assert len(names) == 40
    assert fd.resolve_dataset(root) == ("celeba", root)
    with pytest.raises(ValueError, match="n >= 10"):
        fd.make_celeba_fixture(tmp_path / "small", 5)


# --------------------------------------------------------------------------------------
# Diagnostics
# --------------------------------------------------------------------------------------
def test_offdiag_active_known_values() -> None:
    assert off_diagonal_active(np.diag([1.0, 2.0, 3.0]), [True, True, True]) == 0.0
    m = np.array([[1.0, 0.5, 9.0], [0.5, 1.0, 9.0], [9.0, 9.0, 0.0]])
    # restricted to latents 0 and 1: normalised off-diagonal = 0.5
    assert off_diagonal_active(m, [True, True, False]) == pytest.approx(0.5)
    assert math.isnan(off_diagonal_active(m, [True, False, False]))
    assert math.isnan(off_diagonal_active(m, [True, True, True]))  # zero diagonal entry
    with pytest.raises(ValueError, match="len\\(active\\)"):
        off_diagonal_active(m, [True, True])


def _linear_vae(w: torch.Tensor) -> VAE:
    m, d = w.shape
    dec = nn.Linear(d, m, bias=False)
    with torch.no_grad():
        dec.weight.copy_(w)
    return VAE(nn.Linear(m, 2 * d), dec, latent_dim=d, posterior="diag")


def test_c1_c2_scores_of_linear_decoders() -> None:
    torch.manual_seed(0)
    z = torch.randn(5, 3)
    orth = torch.eye(6)[:, :3] * torch.tensor([3.0, 2.0, 1.0])  # orthogonal columns: C1
    s = fr.c1_c2_scores(_linear_vae(orth), z, np.ones(3, bool))
    assert s["c1_v_distance"] == pytest.approx(0.0, abs=1e-5)
    assert s["c1_offdiag"] == pytest.approx(0.0, abs=1e-6)
    assert s["c2_offdiag_fraction"] == pytest.approx(0.0, abs=1e-6)  # constant s: ds/dz = 0
    rot = torch.linalg.qr(torch.randn(3, 3, generator=torch.Generator().manual_seed(1)))[0]
    s_rot = fr.c1_c2_scores(_linear_vae(orth @ rot), z, np.ones(3, bool))
    assert s_rot["c1_v_distance"] > 0.1 and s_rot["c1_offdiag"] > 0.05
    # a collapsed latent (zero column) is left out of the scores
    collapsed = orth.clone()
    collapsed[:, 2] = 0
    s_col = fr.c1_c2_scores(_linear_vae(collapsed), z, np.array([True, True, False]))
    assert s_col["c1_v_distance"] == pytest.approx(0.0, abs=1e-5)
    assert math.isnan(
        fr.c1_c2_scores(_linear_vae(orth), z, np.array([1, 0, 0], bool))["c1_offdiag"]
    )


# --------------------------------------------------------------------------------------
# Claim statistics
# --------------------------------------------------------------------------------------
def _row(post: str, beta: float, seed: int, jac: float, aas: float | None = None) -> dict:
    return {
        "config": {"posterior": post, "beta": beta, "seed": seed},
        "jac_offdiag": jac,
        "hess_offdiag": None,
        "aas": aas,
    }


def test_compare_and_claim_rows() -> None:
    rows = [
        _row("diag", 1.0, 0, 0.1),
        _row("diag", 1.0, 1, 0.12),
        _row("diag", 1.0, 2, 0.11),
        _row("full", 1.0, 0, 0.5),
        _row("full", 1.0, 1, 0.55),
        _row("full", 1.0, 2, 0.52),
        _row("diag", 4.0, 0, 0.1),
        _row("diag", 4.0, 1, 0.6),
        _row("full", 4.0, 0, 0.4),
        _row("full", 4.0, 1, 0.3),
    ]
    comp = fr.compare_by_beta(rows, "jac_offdiag")
    assert comp[1.0]["diag"] == pytest.approx(0.11) and comp[1.0]["n_diag"] == 3
    assert comp[4.0]["diff"] == pytest.approx(0.0)
    doc = {"dataset": "lfw", "data_note": "LFW", "provenance": {"seeds": [0, 1]}, "runs": rows}
    checks = fr.claim_rows(doc)
    assert [c["key"] for c in checks] == ["jac_offdiag", "jac_offdiag"]  # no hess, no aas
    # beta = 1 is separated beyond the seed spread; beta = 4 has equal means: undetermined
    assert [c["holds"] for c in checks] == [True, False]
    assert checks[0]["measured"] < 1e-3 and checks[1]["measured"] == pytest.approx(0.5)
    assert all(c["op"] == "<" and "Welch" in c["item"] and "LFW" in c["note"] for c in checks)
    # a lower mean inside the seed spread does not hold
    spread = [_row("diag", 1.0, s, v) for s, v in enumerate((0.1, 0.5))] + [
        _row("full", 1.0, s, v) for s, v in enumerate((0.2, 0.6))
    ]
    (row,) = fr.claim_rows({**doc, "runs": spread})
    assert row["diag"] < row["full"] and not row["holds"]
    rows_aas = [_row(p, 1.0, s, 0.1, a + 0.01 * s) for p, a in (("diag", 0.4), ("full", 0.2))
                for s in range(3)]  # fmt: skip
    aas = [c for c in fr.claim_rows({**doc, "runs": rows_aas}) if c["key"] == "aas"]
    assert len(aas) == 1 and "diagonal above full" in aas[0]["item"] and aas[0]["holds"]
    # one seed per posterior: no test
    (one,) = fr.claim_rows({**doc, "runs": [_row("diag", 1.0, 0, 0.1), _row("full", 1.0, 0, 0.5)]})
    assert not one["holds"] and np.isnan(one["measured"])


def test_claim_rows_of_the_controls_use_the_controls() -> None:
    runs = [
        _row(p, 1.0, s, v + 0.01 * s) for p, v in (("diag", 0.1), ("full", 0.5)) for s in range(3)
    ]
    ctrl = [_row(p, 1.0, s, 0.3 + 0.01 * s) for p in ("diag", "full") for s in range(3)]
    doc = {"dataset": "lfw", "provenance": {}, "runs": runs, "controls": ctrl}
    (trained,), (control,) = fr.claim_rows(doc), fr.claim_rows(doc, controls=True)
    assert trained["holds"] and not control["holds"]
    assert control["item"] == trained["item"] and control["note"].startswith("untrained")


# --------------------------------------------------------------------------------------
# A tiny trained run end to end (engine -> summary -> results file)
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lfw_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faces-runs")
    for post in ("diag", "full"):
        cfg = TrainConfig(
            dataset="lfw", architecture="mlp", hidden=(32,), latent_dim=3, posterior=post,
            likelihood="gaussian", sigma2=0.05, steps=30, batch_size=32, lr=3e-3,
            checkpoint_every=30, log_every=10, device="cpu",
        )  # fmt: skip
        train(cfg, root / f"posterior-{post}", progress=False)
    return root


def test_summarise_run(lfw_runs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAMLIB_PROFILE", "smoke")
    s = fr.summarise_run(lfw_runs / "posterior-diag")
    assert s["dataset"] == "lfw" and s["n_eval"] == 100 and s["step"] == 30
    assert np.asarray(s["jac_term"]).shape == (3, 3)
    assert "mi" not in s and "aas" not in s
    imgs = fr.images_of(s)
    assert imgs["originals"].shape == (4, 25, 25)
    assert imgs["samples"].shape == (4, 25, 25)
    assert imgs["traversals"].shape == (3, 5, 25, 25)
    assert (lfw_runs / "posterior-diag" / "faces_summary.json").is_file()
    assert np.all(np.isfinite([s["recon_mse"], s["kl"]]))


def test_collect_and_load(lfw_runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEAMLIB_PROFILE", "smoke")
    path = fr.collect(lfw_runs, tmp_path / "lfw.json", dataset="lfw")
    doc = fr.load_results("lfw", tmp_path)
    assert path.is_file() and doc["dataset"] == "lfw" and len(doc["runs"]) == 2
    assert doc["provenance"]["profile"] == "smoke" and doc["provenance"]["n_runs"] == 2
    assert "100 faces" in doc["data_note"]
    json.loads(path.read_text())  # standard JSON (no NaN)
    with pytest.raises(FileNotFoundError, match="experiments.faces grids"):
        fr.load_results("celeba", tmp_path)
    with pytest.raises(FileNotFoundError, match="No trained runs"):
        fr.collect(tmp_path, tmp_path / "x.json")


def test_add_controls_from_the_configs_alone(
    lfw_runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEAMLIB_PROFILE", "smoke")
    path = fr.collect(lfw_runs, tmp_path / "lfw.json", dataset="lfw")
    fr.add_controls(path, command="test")
    doc = json.loads(path.read_text())
    ctrl = doc["controls"]
    assert [c["config"] for c in ctrl] == [r["config"] for r in doc["runs"]]
    assert [c["init_seed"] for c in ctrl] == [common.CONTROL_SEED + i for i in range(2)]
    assert all(c["step"] == 0 and "images" not in c for c in ctrl)
    assert doc["controls_provenance"]["command"] == "test"
    # the control is the untrained model: another initialisation than the trained run's
    assert ctrl[0]["jac_term"] != doc["runs"][0]["jac_term"]
    x, _, _ = fr.heldout_faces("lfw", 100)
    again = fr.untrained_summary(ctrl[0]["config"], x, None, init_seed=ctrl[0]["init_seed"])
    np.testing.assert_allclose(again["jac_term"], ctrl[0]["jac_term"], rtol=1e-9)


def test_ensure_results_trains_through_the_sweep_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEAMLIB_PROFILE", "smoke")
    threads = torch.get_num_threads()
    environ = dict(os.environ)
    doc = fr.ensure_results("lfw", folder=tmp_path, run_root=tmp_path / "runs", threads=1)
    assert dict(os.environ) == environ  # the profile of the caller is left alone
    assert torch.get_num_threads() == threads  # restored
    assert doc["dataset"] == "lfw" and doc["provenance"]["profile"] == "smoke"
    assert {r["config"]["posterior"] for r in doc["runs"]} == {"diag", "full"}
    assert (tmp_path / "faces_lfw.smoke.grid.json").is_file()
    stamp = (tmp_path / "lfw.json").stat().st_mtime_ns
    again = fr.ensure_results("lfw", folder=tmp_path, run_root=tmp_path / "runs")
    assert (tmp_path / "lfw.json").stat().st_mtime_ns == stamp  # read, not retrained
    assert len(again["runs"]) == len(doc["runs"])
    checks = fr.claim_rows(doc)
    assert {c["key"] for c in checks} <= {"jac_offdiag", "hess_offdiag"}
    assert all(len(c["diag_values"]) == 1 for c in checks)
