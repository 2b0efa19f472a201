"""Tests of seamlib.data.celeba on fixture folders in the torchvision and Kaggle layouts."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from seamlib.data import celeba
from seamlib.data.celeba import CELEBA_ATTRIBUTES, load_celeba
from seamlib.errors import DataError

N = 6
PARTITION = [0, 0, 0, 0, 1, 2]


def fixture_images() -> list[np.ndarray]:
    """178 x 218 RGB images: a red border around a coloured centred 148 x 148 square."""
    out = []
    for i in range(N):
        img = np.zeros((218, 178, 3), dtype=np.uint8)
        img[..., 0] = 255
        colour = np.array([0, 40 * i, 255 - 40 * i], dtype=np.uint8)
        img[35:183, 15:163] = colour  # rows top..top+148, cols left..left+148
        out.append(img)
    return out


def attribute_table() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.choice([-1, 1], size=(N, 40))


def names() -> list[str]:
    return [f"{i + 1:06d}.jpg" for i in range(N)]


def make_torchvision(root: Path) -> Path:
    base = root / "celeba"
    (base / "img_align_celeba").mkdir(parents=True)
    for name, img in zip(names(), fixture_images()):
        Image.fromarray(img).save(base / "img_align_celeba" / name, quality=95)
    attrs = attribute_table()
    lines = [str(N), " ".join(CELEBA_ATTRIBUTES)]
    lines += [f"{n} " + " ".join(f"{v:2d}" for v in row) for n, row in zip(names(), attrs)]
    (base / "list_attr_celeba.txt").write_text("\n".join(lines) + "\n")
    part = [f"{n} {p}" for n, p in zip(names(), PARTITION)]
    (base / "list_eval_partition.txt").write_text("\n".join(part) + "\n")
    return root


def make_kaggle(root: Path) -> Path:
    folder = root / "img_align_celeba" / "img_align_celeba"
    folder.mkdir(parents=True)
    for name, img in zip(names(), fixture_images()):
        Image.fromarray(img).save(folder / name, quality=95)
    attrs = attribute_table()
    lines = ["image_id," + ",".join(CELEBA_ATTRIBUTES)]
    lines += [f"{n}," + ",".join(str(v) for v in row) for n, row in zip(names(), attrs)]
    (root / "list_attr_celeba.csv").write_text("\n".join(lines) + "\n")
    part = ["image_id,partition"] + [f"{n},{p}" for n, p in zip(names(), PARTITION)]
    (root / "list_eval_partition.csv").write_text("\n".join(part) + "\n")
    return root


@pytest.fixture
def tv_root(tmp_path: Path) -> Path:
    return make_torchvision(tmp_path / "tv")


def test_both_layouts_give_the_same_data(tmp_path: Path, tv_root: Path) -> None:
    kg_root = make_kaggle(tmp_path / "kaggle")
    a = load_celeba(tv_root, cache_dir=tmp_path / "cache")
    b = load_celeba(kg_root, cache_dir=tmp_path / "cache", workers=1)
    assert celeba.find_celeba_layout(tv_root)[0] == "torchvision"
    assert celeba.find_celeba_layout(kg_root)[0] == "kaggle"
    assert a.images.shape == (N, 64, 64, 3) and a.images.dtype == np.uint8
    np.testing.assert_array_equal(a.images, b.images)
    np.testing.assert_array_equal(a.attributes, (attribute_table() > 0).astype(np.uint8))
    np.testing.assert_array_equal(a.attributes, b.attributes)
    np.testing.assert_array_equal(a.partition, PARTITION)
    assert a.attribute_names == b.attribute_names == CELEBA_ATTRIBUTES
    assert len(CELEBA_ATTRIBUTES) == 40
    assert a.filenames == tuple(names())


def test_the_celeba_folder_itself_is_accepted_as_root(tmp_path: Path, tv_root: Path) -> None:
    data = load_celeba(tv_root / "celeba", cache=False)
    assert len(data) == N


def test_centre_crop_and_resize(tmp_path: Path, tv_root: Path) -> None:
    """The centred 148 x 148 square is kept (no red border), then resized to 64 x 64."""
    data = load_celeba(tv_root, cache=False)
    for i, img in enumerate(data.images.astype(int)):
        expected = np.array([0, 40 * i, 255 - 40 * i])
        inner = img[2:-2, 2:-2].reshape(-1, 3)
        assert np.abs(inner.mean(axis=0) - expected).max() < 4
        assert img[..., 0].mean() < 12  # the red border was cropped away
    small = load_celeba(tv_root, size=16, crop=100, cache=False)
    assert small.images.shape == (N, 16, 16, 3)


def test_splits_and_attributes(tv_root: Path) -> None:
    data = load_celeba(tv_root, cache=False)
    train, valid, test = data.split("train"), data.split("valid"), data.split("test")
    assert (len(train), len(valid), len(test)) == (4, 1, 1)
    assert test.filenames == (names()[5],)
    np.testing.assert_array_equal(test.images[0], data.images[5])
    assert len(load_celeba(tv_root, split="valid", cache=False)) == 1
    smiling = data.attribute("Smiling")
    np.testing.assert_array_equal(smiling, attribute_table()[:, 31] > 0)
    with pytest.raises(ValueError, match="split"):
        data.split("training")
    with pytest.raises(ValueError, match="unknown CelebA attribute"):
        data.attribute("Smiles")


def test_cache_is_reused(tmp_path: Path, tv_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_celeba(tv_root, cache_dir=tmp_path / "cache")
    files = list((tmp_path / "cache" / "celeba").glob("celeba-64px-crop148-*.npy"))
    assert len(files) == 1

    def fail(*args: object) -> np.ndarray:
        raise AssertionError("decoded again although a cache exists")

    monkeypatch.setattr(celeba, "_load_image", fail)
    again = load_celeba(tv_root, cache_dir=tmp_path / "cache")
    np.testing.assert_array_equal(again.images, first.images)


def test_parallel_and_serial_decoding_agree(tv_root: Path) -> None:
    a = load_celeba(tv_root, cache=False, workers=1)
    b = load_celeba(tv_root, cache=False, workers=3)
    np.testing.assert_array_equal(a.images, b.images)


# --------------------------------------------------------------------------------------
# Errors name the file
# --------------------------------------------------------------------------------------
def test_missing_root_and_unknown_layout(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a folder"):
        load_celeba(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="list_attr_celeba.txt.*list_attr_celeba.csv"):
        load_celeba(tmp_path / "empty")


def test_missing_partition_file(tv_root: Path) -> None:
    (tv_root / "celeba" / "list_eval_partition.txt").unlink()
    with pytest.raises(DataError, match="missing .*list_eval_partition.txt"):
        load_celeba(tv_root, cache=False)


def test_missing_image_folder(tmp_path: Path) -> None:
    root = make_kaggle(tmp_path / "k")
    shutil.rmtree(root / "img_align_celeba")
    with pytest.raises(DataError, match="img_align_celeba/"):
        load_celeba(root, cache=False)


def test_missing_image_file(tv_root: Path) -> None:
    (tv_root / "celeba" / "img_align_celeba" / "000003.jpg").unlink()
    with pytest.raises(DataError, match="1 of the 6 images .*000003.jpg"):
        load_celeba(tv_root, cache=False)


def test_count_mismatch(tv_root: Path) -> None:
    path = tv_root / "celeba" / "list_attr_celeba.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(["7", *lines[1:]]) + "\n")
    with pytest.raises(DataError, match="list_attr_celeba.txt announces 7 images but lists 6"):
        load_celeba(tv_root, cache=False)


def test_partition_and_attributes_disagree(tv_root: Path) -> None:
    path = tv_root / "celeba" / "list_eval_partition.txt"
    path.write_text(path.read_text() + "000099.jpg 2\n")
    with pytest.raises(DataError, match="only in the partition list: \\['000099.jpg'\\]"):
        load_celeba(tv_root, cache=False)


def test_wrong_attribute_names_and_values(tmp_path: Path) -> None:
    root = make_kaggle(tmp_path / "k")
    path = root / "list_attr_celeba.csv"
    text = path.read_text()
    path.write_text(text.replace("Smiling", "Smile"))
    with pytest.raises(DataError, match="list_attr_celeba.csv names 40 attributes"):
        load_celeba(root, cache=False)
    lines = text.splitlines()
    lines[1] = (
        lines[1].replace("-1", "0", 1) if "-1" in lines[1] else lines[1].replace(",1", ",0", 1)
    )
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match="must be -1 or 1"):
        load_celeba(root, cache=False)


def test_bad_arguments(tv_root: Path) -> None:
    with pytest.raises(ValueError, match="split"):
        load_celeba(tv_root, split="dev")
    with pytest.raises(ValueError, match="positive"):
        load_celeba(tv_root, size=0)
