"""Tests of seamlib.data.synthetic (linear Gaussian, Rolinek et al.'s Synth. Lin./Non-Lin.,
Fig. 6 rings) and seamlib.data.faces (scikit-image's LFW subset)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from seamlib.data import faces, synthetic
from seamlib.errors import DataError


# --------------------------------------------------------------------------------------
# Linear Gaussian
# --------------------------------------------------------------------------------------
def test_random_loading_has_the_requested_singular_values() -> None:
    w = synthetic.random_loading(6, 3, [3.0, 2.0, 0.5], seed=0)
    assert w.shape == (6, 3)
    np.testing.assert_allclose(np.linalg.svd(w, compute_uv=False), [3.0, 2.0, 0.5])
    np.testing.assert_allclose(
        np.linalg.svd(synthetic.random_loading(4, 2, seed=1), compute_uv=False), [2.0, 1.0]
    )
    np.testing.assert_array_equal(w, synthetic.random_loading(6, 3, [3.0, 2.0, 0.5], seed=0))
    with pytest.raises(ValueError, match="m >= d"):
        synthetic.random_loading(2, 3, seed=0)
    with pytest.raises(ValueError, match="shape"):
        synthetic.random_loading(4, 2, [1.0], seed=0)


def test_linear_gaussian_has_the_ppca_covariance() -> None:
    w = synthetic.random_loading(4, 2, [2.0, 1.0], seed=3)
    mean = np.array([1.0, -1.0, 0.0, 2.0])
    data = synthetic.linear_gaussian(200_000, w, noise_std=0.5, seed=7, mean=mean)
    assert data.x.shape == (200_000, 4) and data.factors.shape == (200_000, 2)
    np.testing.assert_allclose(data.x.mean(axis=0), mean, atol=0.02)
    np.testing.assert_allclose(np.cov(data.x.T), w @ w.T + 0.25 * np.eye(4), atol=0.03)
    noiseless = synthetic.linear_gaussian(10, w, noise_std=0.0, seed=7)
    np.testing.assert_allclose(noiseless.x, noiseless.factors @ w.T)
    again = synthetic.linear_gaussian(10, w, noise_std=0.0, seed=7)
    np.testing.assert_array_equal(noiseless.x, again.x)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=0), "positive integer"),
        (dict(noise_std=-1.0), "noise_std"),
        (dict(loading=np.ones(3)), "matrix"),
        (dict(mean=np.zeros(2)), "mean"),
    ],
)
def test_linear_gaussian_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    args = dict(n=5, loading=np.ones((3, 2)), noise_std=0.1, seed=0) | kwargs
    with pytest.raises(ValueError, match=match):
        synthetic.linear_gaussian(**args)


# --------------------------------------------------------------------------------------
# Rolinek et al. (2019), Suppl. 8.5
# --------------------------------------------------------------------------------------
def test_synth_lin_map_is_stretch_embed_rotate() -> None:
    a = synthetic.synth_lin_map()
    assert a.shape == (3, 2)
    np.testing.assert_allclose(a.T @ a, np.diag([4.0, 1.0]), atol=1e-12)  # stretch by 2
    rot = synthetic._axis_rotation((1.0, -1.0, 1.0), np.pi / 4)
    np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(rot) == pytest.approx(1.0)
    axis = np.array([1.0, -1.0, 1.0])
    np.testing.assert_allclose(rot @ axis, axis, atol=1e-12)  # rotation about (1, -1, 1)
    assert np.trace(rot) == pytest.approx(1 + 2 * np.cos(np.pi / 4))  # by 45 degrees
    np.testing.assert_allclose(a, rot[:, :2] * [2.0, 1.0])
    np.testing.assert_allclose(
        synthetic.synth_lin_map(1.0).T @ synthetic.synth_lin_map(1.0), np.eye(2), atol=1e-12
    )
    with pytest.raises(ValueError, match="ratio"):
        synthetic.synth_lin_map(0.0)


def test_synth_lin_samples() -> None:
    data = synthetic.synth_lin(seed=0)
    assert data.x.shape == (50_000, 3) and data.factors.shape == (50_000, 2)
    assert data.factors.min() >= 0.0 and data.factors.max() <= 1.0
    np.testing.assert_allclose(data.x, data.factors @ synthetic.synth_lin_map().T)
    assert np.abs(data.x[:, 2]).max() > 0.1  # rotated out of the embedding plane
    np.testing.assert_array_equal(
        synthetic.synth_lin(100, seed=5).x, synthetic.synth_lin(100, seed=5).x
    )
    assert not np.array_equal(
        synthetic.synth_lin(100, seed=5).x, synthetic.synth_lin(100, seed=6).x
    )


def test_synth_nonlin_is_a_random_tanh_mlp() -> None:
    mlp = synthetic.synth_nonlin_mlp(seed=2)
    assert mlp.w1.shape == (10, 2) and mlp.b1.shape == (10,)
    assert mlp.w2.shape == (6, 10) and mlp.b2.shape == (6,)
    assert np.abs(mlp.w1).max() <= 1 / np.sqrt(2) and np.abs(mlp.w2).max() <= 1 / np.sqrt(10)
    data = synthetic.synth_nonlin(seed=2)
    assert data.x.shape == (50_000, 6) and data.factors.shape == (50_000, 2)
    np.testing.assert_allclose(data.x, mlp(data.factors))
    np.testing.assert_allclose(
        data.x, np.tanh(data.factors @ mlp.w1.T + mlp.b1) @ mlp.w2.T + mlp.b2
    )
    other = synthetic.synth_nonlin(1000, seed=2, mlp_seed=3)
    np.testing.assert_array_equal(other.factors, synthetic.synth_nonlin(1000, seed=2).factors)
    assert not np.allclose(other.x, synthetic.synth_nonlin(1000, seed=2).x)
    # non-linear: the best affine fit leaves a residual
    design = np.c_[data.factors, np.ones(len(data.factors))]
    coef, *_ = np.linalg.lstsq(design, data.x, rcond=None)
    assert np.abs(design @ coef - data.x).max() > 1e-3


# --------------------------------------------------------------------------------------
# Fig. 6 rings
# --------------------------------------------------------------------------------------
def test_rings_geometry() -> None:
    data = synthetic.rings(4000, seed=0, n_rings=6, radius=2.0, ring_radius=0.3, noise_std=0.0)
    assert data.x.shape == (4000, 2) and data.factors.shape == (4000, 2)
    k = data.factors[:, 0].astype(int)
    assert set(k) == set(range(6))
    centres = 2.0 * np.stack([np.cos(2 * np.pi * k / 6), np.sin(2 * np.pi * k / 6)], axis=1)
    np.testing.assert_allclose(np.linalg.norm(data.x - centres, axis=1), 0.3)
    for ring in range(6):
        np.testing.assert_allclose(data.x[k == ring].mean(axis=0), centres[k == ring][0], atol=0.05)
    noisy = synthetic.rings(100, seed=0)
    assert noisy.x.shape == (100, 2)
    with pytest.raises(ValueError, match="ring_radius"):
        synthetic.rings(10, seed=0, ring_radius=0.0)


# --------------------------------------------------------------------------------------
# LFW subset
# --------------------------------------------------------------------------------------
def test_lfw_faces() -> None:
    pytest.importorskip("skimage", reason="scikit-image is an optional (book) dependency")
    data = faces.load_lfw()
    assert data.images.shape == (100, 25, 25) and data.images.dtype == np.float64
    assert data.images.min() >= 0.0 and data.images.max() <= 1.0 and data.is_face.all()
    everything = faces.load_lfw(faces_only=False, as_uint8=True)
    assert everything.images.shape == (200, 25, 25) and everything.images.dtype == np.uint8
    assert everything.is_face.sum() == 100 and everything.is_face[:100].all()
    np.testing.assert_array_equal(
        everything.images[:100], np.round(data.images * 255).astype(np.uint8)
    )


def test_lfw_without_scikit_image(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "skimage", None)
    with pytest.raises(DataError, match="pip install scikit-image"):
        faces.load_lfw()


def test_data_package_imports_without_optional_packages() -> None:
    import subprocess

    code = (
        "import sys; sys.modules['skimage'] = None; sys.modules['pooch'] = None\n"
        "import seamlib.data as d; print(len(d.__all__))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
