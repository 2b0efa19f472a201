"""Engine variants used by the stored dSprites results: resolution, activation, learning
curves, and the paired initialisation of diagonal and full-covariance VAEs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from seamlib.data.dsprites import pool
from seamlib.errors import ConfigError
from seamlib.models import ModelConfig, build_model
from seamlib.train import TrainConfig, evaluate_model, load_training_data, train


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
