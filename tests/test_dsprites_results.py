"""Tests of seamlib.experiments.dsprites: grids, the Eq. 6 terms, image storage, summaries."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from seamlib import metrics
from seamlib.config import PROFILES, get_profile, project_root
from seamlib.engine.models import VAE, mlp
from seamlib.engine.sweep import expand_grid
from seamlib.experiments import common
from seamlib.experiments import dsprites as R
from seamlib.experiments import dsprites_data as D
from seamlib.experiments import dsprites_stats as S
from seamlib.experiments import published as PUB
from seamlib.provenance import invocation


# --------------------------------------------------------------------------------------
# Grids
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("profile", PROFILES)
def test_grids_expand_to_valid_runs(profile: str) -> None:
    """Every grid is a valid sweep of the engine, with the sizes of its profile."""
    sizes = get_profile(profile).dsprites
    specs = R.grids(profile)
    assert set(specs) == set(R.GRIDS)
    runs = {name: expand_grid(spec) for name, spec in specs.items()}
    assert len(runs["fig5"]) == 2 * len(sizes.betas) * len(sizes.seeds)
    assert len(runs["fig7"]) == len(sizes.seeds)
    assert len(runs["rolinek"]) == 4 * len(sizes.table_seeds)
    assert len(runs["bhowal"]) == 2 * len(sizes.table_seeds)
    for run in runs["fig7"]:
        assert run.config.beta_schedule == "exp"
        assert (run.config.beta, run.config.beta_end) == sizes.anneal
    # Fig. 7's constant-beta baselines are Fig. 5 runs: both betas must be in the grid
    assert set(sizes.anneal) <= set(sizes.betas)
    # ... and the fig7_baselines grid trains exactly those runs, under the same names
    fig5 = {r.name: r for r in runs["fig5"]}
    assert len(runs["fig7_baselines"]) == 2 * len(sizes.seeds)
    for run in runs["fig7_baselines"]:
        assert run.name in fig5 and run.config == fig5[run.name].config
        assert run.config.posterior == "diag" and run.config.beta in sizes.anneal
    for run in runs["rolinek"]:
        assert run.config.architecture == "rolinek-dsprites" and run.config.latent_dim == 5
    assert {r.config.beta for r in runs["bhowal"]} == {1.0, PUB.BHOWAL_BETA}
    assert all(r.config.steps == sizes.steps for r in runs["fig5"] + runs["fig7"])


@pytest.mark.parametrize("profile", PROFILES)
def test_committed_grid_files_match_the_config(profile: str) -> None:
    """experiments/dsprites_*.json are exactly what `grids` writes (no hand edits)."""
    folder = project_root() / "experiments"
    for name, spec in R.grids(profile).items():
        path = folder / f"dsprites_{name}.{profile}.json"
        assert path.is_file(), f"missing {path}: run python -m seamlib.experiments.dsprites grids"
        assert json.loads(path.read_text()) == json.loads(json.dumps(spec)), path


def test_write_grids(tmp_path: Path) -> None:
    paths = R.write_grids("smoke", tmp_path)
    assert sorted(p.name for p in paths.values()) == sorted(
        f"dsprites_{e}.smoke.json" for e in R.GRIDS
    )


def test_classify() -> None:
    assert R.classify("fig5", {"posterior": "full", "beta": 4.0}) == "full"
    assert R.classify("fig7", {"posterior": "diag"}) == "anneal"
    assert R.classify("rolinek", {"posterior": "diag", "beta": 4.0}) == "beta-VAE"
    assert R.classify("rolinek", {"posterior": "full", "beta": 4.0}) == "beta-VAE (full)"
    assert R.classify("bhowal", {"posterior": "diag", "beta": 1.0}) == "VAE"
    with pytest.raises(ValueError, match="Unknown dSprites experiment 'faces'"):
        R.classify("faces", {})


def test_published_numbers_are_the_papers() -> None:
    """The only hand-typed numbers: Rolinek et al. Table 2 and Bhowal et al. Table 4."""
    assert PUB.ROLINEK_TABLE2_DSPRITES["beta-VAE"] == {"disent": (0.33, 0.15), "dto": (0.76, 0.08)}
    assert PUB.ROLINEK_TABLE2_DSPRITES["VAE"]["dto"] == (1.08, 0.15)
    assert PUB.ROLINEK_TABLE2_DSPRITES["beta-VAE (full)"]["disent"] == (0.12, 0.06)
    assert PUB.BHOWAL_TABLE4_DSPRITES == {"beta-VAE": (0.25, 0.10), "VAE": (0.16, 0.05)}
    assert PUB.ROLINEK_RANDOM_DECODER_DTO == (1.86, 0.11)
    # Rolinek et al.'s 50 epochs of 80 % of 737,280 images: the paper profile's table runs
    paper = get_profile("paper").dsprites
    assert PUB.ROLINEK_TRAIN_IMAGES == 50 * 0.8 * 737_280
    t = PUB.ROLINEK_TRAINING
    assert PUB.ROLINEK_TRAIN_IMAGES == t["epochs"] * t["split"] * 737_280  # type: ignore[operator]
    assert (t["optimiser"], t["lr"], t["batch_size"]) == ("AdaGrad", 0.01, 64)
    assert PUB.BHOWAL_TRAINING == {"optimiser": "Adam", "lr": 0.001}
    assert paper.table_steps * paper.batch_size == PUB.ROLINEK_TRAIN_IMAGES


# --------------------------------------------------------------------------------------
# Eq. 6 terms: known answers
# --------------------------------------------------------------------------------------
def _linear_vae(likelihood: str, d: int = 3, m: int = 6, seed: int = 0) -> VAE:
    torch.manual_seed(seed)
    enc = mlp([m, 2 * d])
    dec = torch.nn.Linear(d, m)
    return VAE(enc, dec, latent_dim=d, posterior="diag", likelihood=likelihood, sigma2=0.5)  # type: ignore[arg-type]


def test_eq6_linear_gaussian_decoder() -> None:
    """Linear decoder, Gaussian likelihood: A = W^T W / sigma^2 exactly and B = 0."""
    vae = _linear_vae("gaussian")
    x = torch.randn(16, 6, generator=torch.Generator().manual_seed(1))
    a, b = common.model_eq6_terms(vae, x, generator=torch.Generator().manual_seed(2))
    w = vae.decoder.weight.detach().double()
    torch.testing.assert_close(a, w.T @ w / 0.5, rtol=1e-5, atol=1e-6)
    assert b.abs().max() < 1e-6


def test_eq6_linear_bernoulli_decoder() -> None:
    """Linear logits: A = mean_n W^T diag(p(1-p)) W and B = 0."""
    vae = _linear_vae("bernoulli")
    x = (torch.rand(16, 6, generator=torch.Generator().manual_seed(1)) > 0.5).float()
    a, b = common.model_eq6_terms(vae, x, at="mean")
    with torch.no_grad():
        p = torch.sigmoid(vae.decode(vae.encode(x).mean)).double()
    w = vae.decoder.weight.detach().double()
    expected = torch.einsum("mi,nm,mj->ij", w, p * (1 - p), w) / x.shape[0]
    torch.testing.assert_close(a, expected, rtol=1e-5, atol=1e-6)
    assert b.abs().max() < 1e-6


@pytest.mark.parametrize(
    ("likelihood", "mean"),
    [("gaussian", "identity"), ("gaussian", "sigmoid"), ("bernoulli", "identity")],
)
def test_eq6_terms_give_the_log_likelihood_hessian(likelihood: str, mean: str) -> None:
    """A - B equals -d^2 log p(x|z) / dz^2 (batch mean), computed by autograd."""
    torch.manual_seed(3)
    d, m = 3, 5
    vae = VAE(mlp([m, 2 * d]), mlp([d, 8, m]), latent_dim=d, likelihood=likelihood, mean=mean)  # type: ignore[arg-type]
    x = torch.rand(4, m, generator=torch.Generator().manual_seed(4))
    if likelihood == "bernoulli":
        x = (x > 0.5).float()
    a, b = common.model_eq6_terms(vae, x, at="mean")
    with torch.no_grad():
        z = vae.encode(x).mean
    hess = []
    for i in range(x.shape[0]):

        def nll(zi: torch.Tensor, i: int = i) -> torch.Tensor:
            return vae.neg_log_likelihood(x[i : i + 1], vae.decode(zi.unsqueeze(0))).sum()

        hess.append(torch.autograd.functional.hessian(nll, z[i]))
    expected = torch.stack(hess).mean(0).double()
    torch.testing.assert_close(a - b, expected, rtol=1e-4, atol=1e-5)
    assert not torch.allclose(b, torch.zeros_like(b))  # a non-linear decoder has a B term


def test_eq6_terms_per_point() -> None:
    """The per-point terms average to the batch means, drawn from the same posterior samples."""
    vae = _linear_vae("gaussian")
    x = torch.randn(8, 6, generator=torch.Generator().manual_seed(1))
    a, b = common.model_eq6_terms(vae, x, generator=torch.Generator().manual_seed(2))
    a_i, b_i = common.model_eq6_terms(
        vae, x, generator=torch.Generator().manual_seed(2), per_point=True
    )
    assert a_i.shape == b_i.shape == (8, 3, 3)
    torch.testing.assert_close(a_i.mean(0), a)
    torch.testing.assert_close(b_i.mean(0), b)
    # Bernoulli: averaged in float32, as summarise_run does, the batch means are bit for bit
    # those of the batch path (the stored summaries' numbers do not move)
    vae = _linear_vae("bernoulli")
    x = (x > 0).float()
    a, _ = common.model_eq6_terms(vae, x, generator=torch.Generator().manual_seed(2))
    a_i, _ = common.model_eq6_terms(
        vae, x, generator=torch.Generator().manual_seed(2), per_point=True
    )
    assert torch.equal(a_i.float().mean(0).double(), a)


def test_eq6_fields_per_point() -> None:
    """Per point, off-diagonal entries of opposite sign cannot cancel; a zero B reads 0."""
    active = np.array([True, True, False])
    a_i = torch.tensor([[[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 0.0]]]).repeat(2, 1, 1)
    a_i[1, 0, 1] = a_i[1, 1, 0] = -0.5
    fields = common.eq6_fields(a_i.mean(0), 0 * a_i[0], active, a_points=a_i, b_points=0 * a_i)
    assert fields["jac_offdiag"] == 0.0  # the batch mean cancels
    assert fields["jac_offdiag_per_point"] == pytest.approx(0.5)
    assert np.isnan(fields["hess_offdiag"]) and np.isnan(fields["hess_offdiag_per_point"])
    assert fields["hess_to_jac"] == 0.0 and fields["hess_to_jac_per_point"] == 0.0
    b_i = 0.1 * a_i
    fields = common.eq6_fields(a_i.mean(0), b_i.mean(0), active, a_points=a_i, b_points=b_i)
    assert fields["hess_offdiag_per_point"] == pytest.approx(0.5)
    assert fields["hess_to_jac_per_point"] == pytest.approx(0.1)


def test_eq6_terms_bad_argument() -> None:
    with pytest.raises(ValueError, match="at must be"):
        common.model_eq6_terms(_linear_vae("gaussian"), torch.zeros(2, 6), at="mode")


# --------------------------------------------------------------------------------------
# Image storage
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("levels", [1, 15, 255])
def test_images_round_trip(levels: int) -> None:
    img = np.random.default_rng(0).random((3, 2, 8, 8))
    stored = common.encode_images(img, levels=levels)
    json.dumps(stored)  # JSON-ready
    back = common.decode_images(stored)
    assert back.shape == img.shape
    assert np.max(np.abs(back - img)) <= 0.5 / levels + 1e-12


def test_images_bad_input() -> None:
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        common.encode_images(np.array([0.5, 1.5]))
    with pytest.raises(ValueError, match="levels"):
        common.encode_images(np.zeros(3), levels=0)
    with pytest.raises(ValueError, match="not an encoded image block"):
        common.decode_images({"shape": [2]})
    stored = common.encode_images(np.zeros(4))
    with pytest.raises(ValueError, match="needs 8"):
        common.decode_images({**stored, "shape": [8]})


# --------------------------------------------------------------------------------------
# Statistics for the claims
# --------------------------------------------------------------------------------------
def _row(post: str, beta: float, seed: int, **vals: float) -> dict:
    return {"config": {"posterior": post, "beta": beta, "seed": seed}, **vals}


def test_spearman_known_values() -> None:
    assert S.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert S.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(S.spearman([1, 2], [1, 2]))  # too few pairs
    assert math.isnan(S.spearman([1, 2, 3], [5, 5, 5]))  # constant
    assert S.spearman([1, 2, 3, np.nan], [1, 2, 3, 0]) == pytest.approx(1.0)


def test_group_stats_and_trends() -> None:
    betas = [0.001, 0.1, 1.0, 4.0]
    rows = [
        _row(
            "diag",
            b,
            s,
            mig=0.1 * i + 0.01 * s,
            aas=0.5 + 0.1 * i,
            jac_offdiag=0.9 - 0.2 * i,
            hess_offdiag=1.0,
        )
        for i, b in enumerate(betas)
        for s in (0, 1)
    ] + [
        _row("full", b, s, mig=0.2 - 0.05 * i, aas=0.5, jac_offdiag=0.5, hess_offdiag=None)  # type: ignore[arg-type]
        for i, b in enumerate(betas)
        for s in (0, 1)
    ]
    st = common.group_stats(rows, "mig")
    assert st[("diag", 0.1)]["mean"] == pytest.approx(0.105)
    assert st[("diag", 0.1)]["std"] == pytest.approx(np.std([0.1, 0.11], ddof=1))
    assert st[("full", 4.0)]["n"] == 2
    assert common.group_stats(rows, "hess_offdiag")[("full", 1.0)]["n"] == 0
    tr = S.fig5_trends(rows)
    assert tr["diag"]["beta_mig"] > 0.9 and tr["diag"]["beta_aas"] == pytest.approx(1.0)
    assert tr["diag"]["mig_jac"] < -0.9
    assert tr["full"]["beta_mig"] == pytest.approx(-1.0)
    assert math.isnan(tr["full"]["beta_aas"]) and math.isnan(tr["full"]["beta_hess"])


# --------------------------------------------------------------------------------------
# End to end: a tiny trained run, summarised and collected
# --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from seamlib.engine.config import TrainConfig
    from seamlib.engine.train import train

    root = tmp_path_factory.mktemp("dsprites-runs")
    common = dict(
        dataset="dsprites",
        architecture="mlp",
        hidden=(16,),
        latent_dim=6,
        subset=256,
        steps=4,
        batch_size=32,
        log_every=2,
        checkpoint_every=4,
        device="cpu",
    )
    train(TrainConfig(**common, beta=1.0), root / "fig5" / "b1", progress=False)  # type: ignore[arg-type]
    train(
        TrainConfig(**common, beta=0.5, posterior="full"),
        root / "fig5" / "f",  # type: ignore[arg-type]
        progress=False,
    )
    exp = TrainConfig(**common, beta=1.0, beta_end=0.001, beta_schedule="exp")  # type: ignore[arg-type]
    train(exp, root / "fig7" / "a", progress=False)
    table = TrainConfig(**{**common, "latent_dim": 5}, beta=4.0, posterior="full")  # type: ignore[arg-type]
    train(table, root / "rolinek" / "t", progress=False)
    return root


def test_summarise_run(tiny_root: Path) -> None:
    x, f = D.heldout_data(200)
    assert x.shape == (200, 1, 64, 64) and f.shape == (200, 5)
    s = R.summarise_run(tiny_root / "fig5" / "b1", profile="smoke", x=x, factors=f, images=True)
    assert np.asarray(s["mi"]).shape == (6, 5)
    assert np.asarray(s["jac_term"]).shape == (6, 6)
    assert 0 <= s["mig"] <= 1 and s["recon_nll"] > 0 and s["step"] == 4
    assert 0 <= s["mcc"] <= 1
    assert s["status"] == "complete"
    sizes = get_profile("smoke").dsprites
    trav = common.decode_images(s["images"]["traversals"])
    assert trav.shape == (6, sizes.n_traverse, 64, 64)
    assert common.decode_images(s["images"]["reconstructions"]).shape == (sizes.n_recon, 64, 64)
    assert (tiny_root / "fig5" / "b1" / "dsprites_summary.json").is_file()
    assert not set(R.TABLE_METRICS) & set(s)  # the tables' variants only when asked for


@pytest.mark.parametrize(
    ("likelihood", "mean"), [("bernoulli", "identity"), ("gaussian", "sigmoid")]
)
def test_summarise_run_reports_the_likelihoods_hessian_term(
    tmp_path: Path, likelihood: str, mean: str
) -> None:
    """ReLU decoder: Eq. 6's Hessian term is exactly zero for Bernoulli logits, not for a
    sigmoid Gaussian mean."""
    from seamlib.engine.config import TrainConfig
    from seamlib.engine.train import train

    cfg = TrainConfig(
        dataset="dsprites", architecture="mlp", hidden=(32,), latent_dim=4, subset=512,
        steps=80, batch_size=64, lr=3e-3, log_every=20, checkpoint_every=80, device="cpu",
        resolution=32, activation="relu", likelihood=likelihood, mean=mean,
    )  # fmt: skip
    train(cfg, tmp_path / "run", progress=False)
    x, f = D.heldout_data(200, resolution=32)
    s = R.summarise_run(tmp_path / "run", profile="smoke", x=x, factors=f)
    assert sum(s["active"]) >= 2  # the measures over active latents are defined
    assert 0 <= s["jac_offdiag_per_point"] <= 1
    if likelihood == "bernoulli":
        assert np.abs(np.asarray(s["hess_term"])).max() == 0.0
        assert s["hess_to_jac"] == 0.0 and s["hess_to_jac_per_point"] == 0.0
        assert np.isnan(s["hess_offdiag"]) and np.isnan(s["hess_offdiag_per_point"])
    else:
        assert s["hess_to_jac"] > 0 and s["hess_to_jac_per_point"] > 0
        # B is indefinite: its normalised off-diagonal is positive but not bounded by 1
        assert 0 < s["hess_offdiag_per_point"] < float("inf")


def test_summarise_run_table_metrics(tiny_root: Path) -> None:
    """The published tables' variants: kNN score chance-corrected, MIG from posterior samples."""
    x, f = D.heldout_data(300)
    s = R.summarise_run(
        tiny_root / "rolinek" / "t", profile="smoke", x=x, factors=f, table_metrics=True
    )
    assert 0 <= s["mig_sampled"] <= 1
    assert -1 <= s["knn_disent_chance"] <= 1  # each summand in [-1, 1]; the printed one is not
    assert s["knn_disent_chance"] != s["knn_disent"]


def test_random_decoder_dto() -> None:
    """An untrained decoder's DtO: reproducible per seed, and far from orthogonal."""
    from seamlib.engine.models import ModelConfig

    cfg = ModelConfig("rolinek-dsprites", data_shape=(1, 32, 32), latent_dim=5)
    a, b = (R.random_decoder_dto(cfg, n=16, seed=s) for s in (0, 1))
    assert a == R.random_decoder_dto(cfg, n=16, seed=0) and a != b
    assert 0.5 < a < 10**0.5  # a signed permutation scores 0; the maximum is sqrt(2 d)
    # an orthogonal linear decoder has DtO 0 (the metric, not the draw, decides)
    assert metrics.dto(torch.eye(5)[:, [2, 0, 1, 4, 3]].numpy(), jacobian=True) == 0.0


def test_table_summary_groups_runs_by_model_and_adds_the_random_decoder() -> None:
    def run(exp: str, variant: str, **metrics: float) -> dict:
        cfg = {"latent_dim": 5, "resolution": 32}
        return {"experiment": exp, "variant": variant, "config": cfg, **metrics}

    doc = {
        "provenance": {"eq6_n": 8},
        "runs": [
            run("rolinek", "beta-VAE", knn_disent=0.3, knn_disent_chance=0.2, dto=0.7, mig=0.1),
            run("rolinek", "beta-VAE", knn_disent=0.5, knn_disent_chance=0.4, dto=0.9, mig=0.3),
            run("rolinek", "VAE", knn_disent=0.1, knn_disent_chance=0.1, dto=1.2, mig=0.0),
            run("bhowal", "VAE", mig_sampled=0.2, mig=0.1),
        ],
    }
    s = R.table_summary(doc, random_seeds=3)
    assert set(s) == set(R.TABLE_COLUMNS)
    beta = s["rolinek"]["dto"]["beta-VAE"]
    assert beta["n"] == 2 and beta["mean"] == pytest.approx(0.8)
    assert beta["std"] == pytest.approx(np.std([0.7, 0.9], ddof=1))
    assert s["rolinek"]["knn_disent_chance"]["VAE"]["mean"] == pytest.approx(0.1)
    assert s["bhowal"]["mig_sampled"] == {"VAE": {"mean": 0.2, "std": 0.0, "n": 1}}
    rand = s["rolinek"]["dto"]["random decoder"]
    from seamlib.engine.models import ModelConfig

    cfg = ModelConfig("rolinek-dsprites", data_shape=(1, 32, 32), latent_dim=5)
    expected = [R.random_decoder_dto(cfg, n=8, seed=k) for k in range(3)]
    assert rand["n"] == 3 and rand["mean"] == pytest.approx(np.mean(expected))


def test_axis_match_is_one_for_signed_permuted_factors_and_drops_under_rotation() -> None:
    """Thm. 6.5's measure: 1 up to signed permutation and monotone maps, ~0.71 when rotated."""
    rng = np.random.default_rng(1)
    f = rng.integers(0, 32, size=(4000, 5)).astype(float)
    scale, x, y = f[:, 1], f[:, 3], f[:, 4]
    noise = rng.normal(size=(4000, 3))
    aligned = np.c_[noise[:, 0], -np.exp(y / 8), x**3, np.zeros(4000), scale]
    assert S.axis_match(aligned, f) == pytest.approx(1.0)
    rotated = np.c_[noise[:, 0], (x - y) / 2**0.5, (x + y) / 2**0.5, scale]
    score = S.axis_match(rotated, f)
    assert 0.75 < score < 0.85  # (1 + 2 * 0.71) / 3: the two rotated factors score ~0.71
    # one varying latent matches one factor; the other two count as 0
    assert S.axis_match(np.c_[x, np.zeros(4000)], f) == pytest.approx(1 / 3)
    assert S.axis_match(np.zeros((4000, 3)), f) == 0.0


def test_collect_writes_results_with_provenance(tiny_root: Path, tmp_path: Path) -> None:
    paths = R.collect(tiny_root, tmp_path, profile="smoke")
    assert set(paths) == {"fig5", "fig7", "tables"}
    (table_run,) = R.load_results("tables", tmp_path)["runs"]
    assert table_run["variant"] == "beta-VAE (full)"
    assert all(k in table_run for k in R.TABLE_METRICS)
    fig5 = R.load_results("fig5", tmp_path)
    assert {r["variant"] for r in fig5["runs"]} == {"diag", "full"}
    assert all("images" not in r for r in fig5["runs"])
    prov = fig5["provenance"]
    assert prov["profile"] == "smoke" and prov["seeds"] == [0] and prov["steps"] == [4]
    assert "git_commit" in prov and prov["n_runs"] == 2
    # each run records the commits it was trained at; the file, the commands behind it
    assert all(r["train_commits"] for r in fig5["runs"])
    assert prov["train_commits"] == sorted({c for r in fig5["runs"] for c in r["train_commits"]})
    # ... and the command of each training session (here pytest's, by its name alone)
    ran = invocation()
    assert ran in ("pytest", "python -m pytest")
    assert all(r["train_commands"] == [ran] for r in fig5["runs"])
    assert prov["train_commands"] == [ran]
    assert prov["command"] is None  # the function was called directly, not the CLI
    assert R.main(["collect", str(tiny_root), "--profile", "smoke", "--out", str(tmp_path)]) == 0
    assert R.load_results("fig5", tmp_path)["provenance"]["command"] == (
        "python -m seamlib.experiments.dsprites collect "
        f"{tiny_root.name} --profile smoke --out {tmp_path.name}"
    )  # paths outside the project keep only their last component: no machine paths
    fig7 = R.load_results("fig7", tmp_path)
    # the annealed run and the beta = 1 diagonal baseline, both with images
    assert sorted(r["variant"] for r in fig7["runs"]) == ["anneal", "diag"]
    assert all("images" in r for r in fig7["runs"])
    json.dumps(fig7)


def test_collect_and_load_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No trained runs"):
        R.collect(tmp_path, tmp_path / "out", profile="smoke")
    with pytest.raises(FileNotFoundError, match="seamlib.experiments.dsprites collect"):
        R.load_results("fig5", tmp_path)


def test_command_line(tiny_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert R.main(["grids", "--profile", "smoke", "--out", str(tmp_path / "grids")]) == 0
    assert len(list((tmp_path / "grids").glob("dsprites_*.smoke.json"))) == len(R.GRIDS)
    assert R.main(["collect", str(tiny_root), "--profile", "smoke", "--out", str(tmp_path)]) == 0
    assert "fig5.json" in capsys.readouterr().out


def test_collect_skips_runs_still_training(tiny_root: Path, tmp_path: Path) -> None:
    state = tiny_root / "fig7" / "a" / "state.json"
    saved = state.read_text()
    try:
        state.write_text(json.dumps({"status": "running", "step": 2}))
        assert set(R.collect(tiny_root, tmp_path, profile="smoke")) == {"fig5", "fig7", "tables"}
        fig7 = R.load_results("fig7", tmp_path)
        assert [r["variant"] for r in fig7["runs"]] == ["diag"]  # only the baseline
        R.collect(tiny_root, tmp_path, profile="smoke", include_incomplete=True)
        assert len(R.load_results("fig7", tmp_path)["runs"]) == 2
    finally:
        state.write_text(saved)


# --------------------------------------------------------------------------------------
# Held-out images
# --------------------------------------------------------------------------------------
def test_training_indices_are_the_engines_subset() -> None:
    """`training_indices` repeats the engine's draw: same factor values, same order."""
    from seamlib.data import dsprites as dsp
    from seamlib.engine.config import TrainConfig
    from seamlib.engine.data import load_training_data

    cfg = TrainConfig(dataset="dsprites", subset=128, seed=3, batch_size=32)
    idx = D.training_indices(cfg.to_dict())
    assert idx is not None and idx.shape == (128,)
    classes = np.stack(np.unravel_index(idx, dsp.FACTOR_SIZES), axis=-1)
    got = np.asarray(load_training_data(cfg).factors, dtype=float)
    # the engine stores either factor classes or factor values; both must match the draw
    as_classes = np.array_equal(got, classes[:, 1:])
    assert as_classes or np.allclose(got, dsp.classes_to_values(classes)[:, 1:])
    assert D.training_indices({"dataset": "dsprites", "subset": 0}) is None
    assert D.training_indices({"dataset": "lfw", "subset": 10}) is None


def test_heldout_excludes_training_images() -> None:
    excl = D.training_indices({"dataset": "dsprites", "subset": 50_000, "seed": 0})
    assert excl is not None
    idx = D.heldout_indices(3_000, exclude=excl)
    assert idx.size == 3_000 and np.unique(idx).size == 3_000
    assert not np.isin(idx, excl).any()
    assert D.eval_id(idx) == D.eval_id(D.heldout_indices(3_000, exclude=excl))
    assert D.eval_id(idx) != D.eval_id(D.heldout_indices(3_000))
    x, f = D.heldout_data(20, exclude=excl)
    first = D.heldout_indices(20, exclude=excl)
    from seamlib.data import dsprites as dsp

    np.testing.assert_array_equal(x[:, 0].numpy(), dsp.render_indices(first))
    assert f.shape == (20, 5) and set(np.unique(f[:, 0])) <= {1.0, 2.0, 3.0}
    with pytest.raises(ValueError, match="n must be between 1"):
        D.heldout_indices(0)
    with pytest.raises(ValueError, match="dataset must be"):
        D.heldout_data(5, dataset="celeba")


def test_paired_runs_keep_only_complete_pairs() -> None:
    """Diag-vs-full comparisons use the (seed, beta) trained with both posteriors."""

    def run(seed: int, beta: float, post: str, status: str = "complete") -> dict[str, Any]:
        return {"config": {"seed": seed, "beta": beta, "posterior": post}, "status": status}

    rows = [
        run(1, 1.0, "full"),
        run(0, 8.0, "diag"),
        run(1, 1.0, "diag"),
        run(0, 8.0, "full"),
        run(0, 4.0, "diag"),  # no full partner
        run(2, 8.0, "diag"),
        run(2, 8.0, "full", "running"),  # partner not finished
    ]
    got = [
        (r["config"]["seed"], r["config"]["beta"], r["config"]["posterior"])
        for r in S.paired_runs(rows)
    ]
    assert got == [(0, 8.0, "diag"), (0, 8.0, "full"), (1, 1.0, "diag"), (1, 1.0, "full")]
    assert S.paired_runs([]) == []


def test_collect_one_experiment_folder_with_untrained_controls(
    tiny_root: Path, tmp_path: Path
) -> None:
    """A grid file's own root (no experiment sub-folders) collects into fig5.json alone, with
    one untrained control per run: same config, own initialisation, all summary fields."""
    paths = R.collect(
        tiny_root / "fig5", tmp_path, profile="smoke", experiment="fig5", controls=True
    )
    assert set(paths) == {"fig5"}  # the beta = 1 diagonal run makes no fig7.json here
    doc = R.load_results("fig5", tmp_path)
    runs, controls = doc["runs"], doc["controls"]
    assert len(controls) == len(runs) == 2
    for run in runs:
        (ctrl,) = [c for c in controls if c["config"]["beta"] == run["config"]["beta"]]
        assert ctrl["config"]["posterior"] == run["config"]["posterior"]
        assert ctrl["step"] == 0 and ctrl["status"] == "complete"
        assert ctrl["init_seed"] >= common.CONTROL_SEED  # apart from every training seed
        for key in ("mig", "rotated", "top_k", "jac_offdiag_per_x", "eq6_samples"):
            assert key in ctrl and key in run
        assert run["top_k"]["k"] == R.TOP_K
        assert run["eq6_samples"] == R.EQ6_SAMPLES
    # the two grid points get different initialisations, and they differ from training's
    assert len({c["init_seed"] for c in controls}) == 2
    assert runs[0]["mi"] != next(c["mi"] for c in controls)
    with pytest.raises(ValueError, match="Unknown dSprites experiment"):
        R.collect(tiny_root / "fig5", tmp_path, profile="smoke", experiment="fig6")
    with pytest.raises(FileNotFoundError, match="--experiment"):
        R.collect(tiny_root, tmp_path, profile="smoke", experiment="fig5")  # wrong level


def test_rotated_code_is_a_fixed_rotation() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(50, 4))
    r1, r2 = R.rotated_code(z), R.rotated_code(z)
    assert np.array_equal(r1, r2)  # the same rotation for every run
    assert np.allclose(r1 @ r1.T, z @ z.T)  # a rotation keeps every inner product of codes
    assert not np.allclose(np.abs(r1), np.abs(z))  # and is not a signed permutation


def test_paired_and_rotation_tests_decide_as_stated() -> None:
    from seamlib.experiments import dsprites_stats as S

    def run(seed, beta, post, x):
        return {
            "config": {"seed": seed, "beta": beta, "posterior": post},
            "status": "complete",
            "x": x,
            "mcc": x,
            "rotated": {"mcc": x - 0.1},
        }

    rows = [
        run(s, b, p, s + b + (0.5 if p == "full" else 0.0))
        for s in range(3)
        for b in (1.0, 2.0, 4.0)
        for p in ("diag", "full")
    ]
    t = S.paired_test(rows, "x")
    assert t["n"] == 9 and t["diff"] == pytest.approx(0.5) and t["p"] < 0.01
    assert S.paired_test(rows, "x", alternative="less")["p"] > 0.9
    assert S.paired_test(rows, "x", where=lambda c: c["beta"] >= 4)["n"] == 3
    flat = [{**r, "x": 1.0} for r in rows]
    assert np.isnan(S.paired_test(flat, "x")["p"])  # no difference: undetermined, not 1
    with pytest.raises(ValueError, match="alternative"):
        S.paired_test(rows, "x", alternative="two-sided")
    r = S.rotation_test(rows)
    assert r["n"] == 9 and r["n_favour"] == 9 and r["p"] < 0.01
    assert np.isnan(S.rotation_test(rows, posterior="none")["p"])
    trends = S.diagonality_trends(
        [
            {**r, "jac_offdiag_per_x": 1 / r["config"]["beta"], "mig": r["config"]["beta"]}
            for r in rows
        ]
    )
    d = trends["diag"]["jac_offdiag_per_x"]
    assert d["beta"] == pytest.approx(-1.0) and d["beta_p"] < 0.01 and d["n"] == 9
    assert np.isnan(trends["diag"]["hess_offdiag"]["beta"])  # missing measure: NaN


def test_add_controls_to_a_stored_file(tiny_root: Path, tmp_path: Path) -> None:
    """Controls from the configs alone (run folders gone): one per run of fig7 and tables,
    one per grid point of fig5, on the file's own images; a file whose images cannot be
    drawn again is refused."""
    R.collect(tiny_root, tmp_path, profile="smoke")
    for name in ("fig5", "fig7", "tables"):
        path = R.add_controls(tmp_path / f"{name}.json")
        doc = R.load_results(name, tmp_path)
        assert len(doc["controls"]) == len(doc["runs"])
        assert doc["controls_provenance"]["n_controls"] == len(doc["runs"])
        assert all(
            c["step"] == 0 and c["eval_id"] == doc["provenance"]["eval_id"] for c in doc["controls"]
        )
        if name != "fig5":
            assert [c["variant"] for c in doc["controls"]] == [r["variant"] for r in doc["runs"]]
        if name == "tables":
            assert all(k in c for c in doc["controls"] for k in R.TABLE_METRICS)
        assert path.stat().st_size > 0
    doc = json.loads((tmp_path / "fig5.json").read_text())
    doc["provenance"]["eval_id"] = "other"
    (tmp_path / "fig5.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="evaluation images drawn again"):
        R.add_controls(tmp_path / "fig5.json")


@pytest.mark.parametrize(
    ("results", "recipes"),
    [
        ("cpu/fig5.json", ["dsprites_fig5"]),
        ("cpu/fig7.json", ["dsprites_fig7", "dsprites_fig7_baselines"]),
        ("cpu/tables.json", ["dsprites_rolinek", "dsprites_bhowal"]),
        ("gauss/fig5.json", ["dsprites_gauss_fig5", "dsprites_gauss_fig5_seeds"]),
    ],
)
def test_stored_results_come_from_the_committed_grid_files(results: str, recipes: list) -> None:
    """The stored grids were trained from grid files that name their resolution and budget
    (no profile): every stored run is one of their runs, option for option."""
    from seamlib.engine.config import RESUME_CHANGES, TrainConfig
    from seamlib.engine.sweep import load_grid

    def fixed(cfg: dict) -> dict:
        # options added to the engine after a run was trained are stored as None: the default
        full = TrainConfig.from_dict({k: v for k, v in cfg.items() if v is not None}).to_dict()
        free = set(RESUME_CHANGES) - {"steps", "lr"} | {"device"}  # the budget must match
        return {k: v for k, v in full.items() if k not in free}

    root = project_root()
    wanted = [
        fixed(run.config.to_dict())
        for name in recipes
        for run in expand_grid(load_grid(root / "experiments" / f"{name}.cpu.json"))
    ]
    doc = json.loads((root / "results" / "dsprites" / results).read_text())
    assert doc["runs"]
    for row in doc["runs"]:
        assert fixed(row["config"]) in wanted, row["config"]
