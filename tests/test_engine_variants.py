"""Engine variants used by the stored dSprites results: resolution, activation, learning
curves, and the paired initialisation of diagonal and full-covariance VAEs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from seamlib.data.dsprites import pool
from seamlib.engine.config import TrainConfig
from seamlib.engine.data import load_training_data
from seamlib.engine.evaluate import evaluate_model
from seamlib.engine.models import ModelConfig, build_model
from seamlib.engine.train import train
from seamlib.errors import ConfigError


def test_pool_counts_on_pixels_per_block():
    rng = np.random.default_rng(0)
    img = (rng.random((3, 64, 64)) < 0.5).astype(np.uint8)
    out = pool(img, 32)
    assert out.shape == (3, 32, 32) and out.dtype == np.uint8
    assert out[1, 5, 7] == img[1, 10:12, 14:16].sum()
    assert out.sum() == img.sum()  # pooling keeps every "on" pixel
    assert np.array_equal(pool(img, 64), img)
    # chunking gives the same answer as one pass
    assert np.array_equal(pool(img, 16, chunk=1), pool(img, 16))


@pytest.mark.parametrize("bad", [0, 3, 48, 2.0, 128])
def test_pool_rejects_non_divisors(bad):
    with pytest.raises(ValueError, match="divisor of 64"):
        pool(np.zeros((1, 64, 64), np.uint8), bad)


def test_resolution_32_is_a_dsprites_variant():
    cfg = TrainConfig(dataset="dsprites", architecture="mlp", subset=64, resolution=32)
    data = load_training_data(cfg)
    assert data.data_shape == (1, 32, 32)
    assert data.scale == 0.25 and int(data.x.max()) <= 4
    full = load_training_data(TrainConfig(dataset="dsprites", architecture="mlp", subset=64))
    grey = data.x.float() * data.scale
    assert torch.allclose(grey, torch.nn.functional.avg_pool2d(full.x.float(), 2))
    with pytest.raises(ConfigError, match="dSprites variant"):
        TrainConfig(dataset="rings", architecture="mlp", resolution=32).validate()
    with pytest.raises(ConfigError, match="resolution must be one of"):
        TrainConfig(resolution=48).validate()


def test_activation_option():
    relu = build_model(ModelConfig("mlp", (3,), 2, likelihood="gaussian", activation="relu"))
    assert any(isinstance(m, torch.nn.ReLU) for m in relu.modules())
    assert not any(isinstance(m, torch.nn.Tanh) for m in relu.modules())
    with pytest.raises(ConfigError, match="Unknown activation"):
        ModelConfig("mlp", (3,), 2, activation="gelu").validate()
    with pytest.raises(ConfigError, match="fixed nonlinearities"):
        TrainConfig(architecture="burgess", activation="relu").validate()


def test_diag_and_full_share_their_initialisation():
    params = []
    for post in ("diag", "full"):
        torch.manual_seed(7)
        cfg = ModelConfig("mlp", (1, 8, 8), 3, posterior=post, hidden=(16,), activation="relu")
        params.append(dict(build_model(cfg).named_parameters()))
    diag, full = params
    for name, p in diag.items():
        q = full[name]
        if name.endswith(".bias") and p.shape != q.shape:
            continue  # the last encoder bias is drawn after more weights
        assert torch.equal(p, q[: p.shape[0]]), name


def test_learning_curve_is_written_and_survives_resume(tmp_path):
    cfg = TrainConfig(
        dataset="dsprites", architecture="mlp", hidden=(32,), latent_dim=3, subset=512,
        resolution=32, batch_size=32, steps=8, checkpoint_every=4, eval_every=4, eval_n=128,
        log_every=2,
    )  # fmt: skip
    train(cfg, tmp_path / "a", progress=False)
    rows = [json.loads(x) for x in (tmp_path / "a" / "curve.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [4, 8]
    assert rows[1]["images"] == 8 * 32
    for key in ("mig", "aas", "nll", "kl", "jtj_off_diagonal", "jtj_off_diagonal_per_point"):
        assert np.isfinite(rows[1][key]), key
    # in two pieces: the same curve and the same weights (evaluation leaves the RNG alone)
    train(cfg, tmp_path / "b", progress=False, stop_after=4)
    train(None, tmp_path / "b", resume=True, progress=False)
    again = [json.loads(x) for x in (tmp_path / "b" / "curve.jsonl").read_text().splitlines()]
    assert [r["mig"] for r in again] == [r["mig"] for r in rows]
    wa = torch.load(tmp_path / "a" / "checkpoint.pt", weights_only=True)["model"]
    wb = torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=True)["model"]
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_per_point_diagonality_cannot_cancel():
    """The batch mean of J^T J can be diagonal while every point's is not (C1 fails)."""
    cfg = TrainConfig(dataset="rings", architecture="mlp", latent_dim=2, likelihood="gaussian",
                      subset=64)  # fmt: skip
    data = load_training_data(cfg)
    torch.manual_seed(0)
    model = build_model(cfg.model_config(data.data_shape))
    scores = evaluate_model(model, data, n=64, n_jacobian=32)
    assert scores["jtj_off_diagonal_per_point"] >= 0
    assert 0 <= scores["jtj_off_diagonal"] <= 1


# --------------------------------------------------------------------------------------
# Gaussian likelihood with a sigmoid mean; smooth hidden activations
# --------------------------------------------------------------------------------------
def test_gaussian_sigmoid_mean_loss_matches_a_hand_computation():
    torch.manual_seed(0)
    cfg = ModelConfig("mlp", (1, 2, 3), 2, likelihood="gaussian", sigma2=0.5, mean="sigmoid")
    vae = build_model(cfg)
    x = torch.rand(4, 1, 2, 3)
    out = torch.randn(4, 1, 2, 3) * 3
    mu = 1 / (1 + torch.exp(-out))
    by_hand = ((x - mu) ** 2).sum((1, 2, 3)) / (2 * 0.5) + 0.5 * 6 * np.log(2 * np.pi * 0.5)
    nll = vae.neg_log_likelihood(x, out)
    assert nll.shape == (4,)
    assert torch.allclose(nll, by_hand, atol=1e-5)
    # the identity link reads the same output as the mean itself
    ident = build_model(ModelConfig("mlp", (1, 2, 3), 2, likelihood="gaussian", sigma2=0.5))
    by_hand_id = ((x - out) ** 2).sum((1, 2, 3)) / (2 * 0.5) + 0.5 * 6 * np.log(2 * np.pi * 0.5)
    assert torch.allclose(ident.neg_log_likelihood(x, out), by_hand_id, atol=1e-4)
    # reconstructions and decoded means go through the same link, inside (0, 1)
    rec = vae(x)
    assert rec.shape == x.shape and bool(((rec > 0) & (rec < 1)).all())
    z = vae.encode(x).mean
    assert torch.equal(rec, torch.sigmoid(vae.decode(z)))
    assert torch.equal(vae.decode_mean(z), rec)
    assert torch.equal(ident.decode_mean(z), ident.decode(z))


def test_mean_link_is_validated_everywhere():
    msg = "option of the Gaussian likelihood"
    with pytest.raises(ConfigError, match=msg):
        ModelConfig("mlp", (3,), 2, likelihood="bernoulli", mean="sigmoid").validate()
    with pytest.raises(ConfigError, match=msg):
        TrainConfig(dataset="rings", architecture="mlp", mean="sigmoid").validate()
    with pytest.raises(ConfigError, match="Unknown mean"):
        TrainConfig(architecture="mlp", likelihood="gaussian", mean="exp").validate()
    with pytest.raises(ConfigError, match="Unknown mean link"):
        ModelConfig("mlp", (3,), 2, likelihood="gaussian", mean="tanh").validate()
    from seamlib.engine.models import VAE, mlp

    with pytest.raises(ValueError, match=msg):
        VAE(mlp([3, 4]), mlp([2, 3]), 2, likelihood="bernoulli", mean="sigmoid")
    cfg = TrainConfig(dataset="rings", architecture="mlp", likelihood="gaussian", mean="sigmoid")
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.model_config((3,)).mean == "sigmoid"
    # configurations stored before the option existed read as the identity link
    old = {k: v for k, v in cfg.to_dict().items() if k != "mean"}
    assert TrainConfig.from_dict(old).mean == "identity"


@pytest.mark.parametrize("name", ["softplus", "elu", "silu"])
def test_smooth_activations_have_second_derivatives(name):
    from seamlib.theory.jacobian import hessian_term

    torch.manual_seed(0)
    cfg = ModelConfig("mlp", (1, 4, 4), 3, likelihood="gaussian", hidden=(16,), activation=name)
    vae = build_model(cfg).double()
    kind = {"softplus": torch.nn.Softplus, "elu": torch.nn.ELU, "silu": torch.nn.SiLU}[name]
    assert sum(isinstance(m, kind) for m in vae.modules()) == 2  # encoder and decoder
    assert vae(torch.rand(5, 1, 4, 4, dtype=torch.float64)).shape == (5, 1, 4, 4)
    z = torch.randn(5, 3, dtype=torch.float64)
    x = torch.rand(5, 16, dtype=torch.float64)
    smooth = hessian_term(lambda zz: vae.decode(zz).flatten(1), x, z)
    assert float(smooth.detach().abs().max()) > 1e-6  # a smooth decoder is curved
    torch.manual_seed(0)
    relu = build_model(ModelConfig("mlp", (1, 4, 4), 3, hidden=(16,), activation="relu")).double()
    flat = hessian_term(lambda zz: relu.decode(zz).flatten(1), x, z)
    assert float(flat.detach().abs().max()) == 0.0  # piecewise linear: no second derivatives


def test_dsprites_32_data_lie_in_the_unit_interval():
    cfg = TrainConfig(dataset="dsprites", architecture="mlp", subset=2048, resolution=32)
    data = load_training_data(cfg)
    grey = data.x.float() * data.scale
    assert float(grey.min()) == 0.0 and float(grey.max()) == 1.0
    levels = torch.unique(grey).tolist()
    assert set(levels) <= {0.0, 0.25, 0.5, 0.75, 1.0} and len(levels) == 5


def test_tiny_gaussian_sigmoid_run_trains_and_evaluates(tmp_path):
    cfg = TrainConfig(
        dataset="dsprites", architecture="mlp", hidden=(32,), latent_dim=3, subset=512,
        resolution=32, batch_size=64, steps=60, checkpoint_every=30, eval_every=30, eval_n=128,
        log_every=10, likelihood="gaussian", mean="sigmoid", activation="softplus", lr=3e-3,
    )  # fmt: skip
    result = train(cfg, tmp_path / "run", progress=False)
    assert result.status == "complete"
    stored = json.loads((tmp_path / "run" / "config.json").read_text())
    assert stored["mean"] == "sigmoid" and stored["activation"] == "softplus"
    losses = [m["loss"] for m in result.metrics]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    rows = [json.loads(x) for x in (tmp_path / "run" / "curve.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [30, 60]
    for key in ("mig", "nll", "kl", "hessian_off_diagonal_per_point"):
        assert np.isfinite(rows[-1][key]), key
    # the nll is that of the sigmoid mean: at least m/2 log(2 pi), at most that plus m/2
    m = 32 * 32
    assert 0.5 * m * np.log(2 * np.pi) < rows[-1]["nll"] < 0.5 * m * (np.log(2 * np.pi) + 1)


def test_cli_mean_flag(tmp_path, capsys):
    from seamlib.__main__ import main

    common = ["train", "--dataset", "synth-lin", "--subset", "64", "--arch", "mlp", "--hidden",
              "8", "-d", "2", "--batch-size", "16", "--steps", "2", "--device", "cpu",
              "--no-progress"]  # fmt: skip
    run = tmp_path / "g"
    argv = [*common, "--likelihood", "gaussian", "--mean", "sigmoid", "--run-dir", str(run)]
    assert main(argv) == 0
    assert json.loads((run / "config.json").read_text())["mean"] == "sigmoid"
    capsys.readouterr()
    bad = [*common, "--likelihood", "bernoulli", "--mean", "sigmoid"]
    bad += ["--run-dir", str(tmp_path / "b")]
    assert main(bad) == 2
    err = capsys.readouterr().err
    assert "option of the Gaussian likelihood" in err and "Traceback" not in err
    assert not (tmp_path / "b").exists()
