"""Faces data for the experiments: which data set, a CelebA-layout fixture, held-out images.

``celeba`` (CelebA, 40 attributes), ``lfw`` (scikit-image's offline LFW faces) and
``celeba-fixture`` (a tiny CelebA-layout folder of LFW faces with random attributes, for a
fast check of the CelebA code path); see :mod:`seamlib.experiments.faces`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from seamlib.errors import DataError
from seamlib.experiments.common import EVAL_SEED

__all__ = [
    "CELEBA_ENV",
    "FACE_DATASETS",
    "celeba_root",
    "resolve_dataset",
    "make_celeba_fixture",
    "heldout_faces",
]

#: Environment variable naming the CelebA folder (torchvision or Kaggle layout).
CELEBA_ENV = "SEAMLIB_CELEBA"
#: Data sets this chapter trains on (see the module docstring).
FACE_DATASETS: tuple[str, ...] = ("celeba", "lfw", "celeba-fixture")


# ======================================================================================
# Which data set
# ======================================================================================
def celeba_root(root: str | os.PathLike[str] | None = None) -> Path | None:
    """The CelebA folder: ``root``, else ``$SEAMLIB_CELEBA``, else None when neither is set.

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> F.celeba_root("/data/celeba").name
    'celeba'
    """
    value = root if root is not None else os.environ.get(CELEBA_ENV) or None
    return None if value is None else Path(value).expanduser()


def resolve_dataset(root: str | os.PathLike[str] | None = None) -> tuple[str, Path | None]:
    """``("celeba", folder)`` when a CelebA folder is given and laid out as expected.

    Otherwise ``("lfw", None)``. A folder that is given but not recognised raises, so that a
    typo in ``$SEAMLIB_CELEBA`` does not silently fall back to LFW.

    Raises
    ------
    DataError
        ``root`` / ``$SEAMLIB_CELEBA`` is set but holds no CelebA layout (the message names
        the missing file).

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> dataset, folder = F.resolve_dataset("/data/celeba")  # doctest: +SKIP
    """
    from seamlib.data.celeba import find_celeba_layout

    folder = celeba_root(root)
    if folder is None:
        return "lfw", None
    find_celeba_layout(folder)  # raises DataError naming what is missing
    return "celeba", folder


# ======================================================================================
# A CelebA-layout fixture
# ======================================================================================
def make_celeba_fixture(
    root: str | os.PathLike[str], n: int = 96, *, seed: int = 0, overwrite: bool = False
) -> Path:
    """Write a tiny CelebA folder in the torchvision layout; returns ``root``.

    The images are LFW faces (scikit-image's subset, cycled when ``n > 100``) upscaled to
    the 178 x 218 aligned-CelebA frame and tinted per image; the 40 attributes are random
    coin flips (seeded) and the partition is 80 % train, 10 % valid, 10 % test. It exists so
    that the CelebA code path (:func:`seamlib.data.load_celeba`, the conv VAE, the attribute
    mutual information) runs without the real data set. Its attributes carry no information:
    any MI or AAS measured against them is a null baseline.

    Parameters
    ----------
    root
        Folder to write (``root/celeba/...``).
    n
        Number of images (>= 10).
    seed
        Seed of the tints, attributes and partition.
    overwrite
        Rewrite an existing fixture; otherwise an existing one with ``n`` images is reused.

    Raises
    ------
    ValueError
        ``n < 10``.

    Examples
    --------
    >>> import tempfile
    >>> from seamlib.experiments import faces as F
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     root = F.make_celeba_fixture(tmp, n=10)
    ...     print((root / "celeba" / "list_attr_celeba.txt").is_file())
    True
    """
    from PIL import Image

    from seamlib.data.celeba import CELEBA_ATTRIBUTES
    from seamlib.data.faces import load_lfw

    if n < 10:
        raise ValueError(f"A CelebA fixture needs n >= 10 images (for three splits), got {n}.")
    base = Path(root) / "celeba"
    attr_file = base / "list_attr_celeba.txt"
    if attr_file.is_file() and not overwrite:
        first = attr_file.read_text().split("\n", 1)[0].strip()
        if first == str(n):
            return Path(root)
    folder = base / "img_align_celeba"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    faces = load_lfw(as_uint8=True).images
    names = [f"{i + 1:06d}.jpg" for i in range(n)]
    tints = rng.uniform(0.6, 1.0, size=(n, 3))
    for i, name in enumerate(names):
        grey = Image.fromarray(faces[i % len(faces)]).resize((148, 148), Image.Resampling.BILINEAR)
        rgb = np.asarray(grey, dtype=float)[..., None] * tints[i]
        img = np.zeros((218, 178, 3), dtype=np.uint8)
        img[35:183, 15:163] = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
        Image.fromarray(img).save(folder / name, quality=95)
    attrs = rng.choice([-1, 1], size=(n, len(CELEBA_ATTRIBUTES)))
    lines = [str(n), " ".join(CELEBA_ATTRIBUTES)]
    lines += [f"{f} " + " ".join(f"{v:2d}" for v in row) for f, row in zip(names, attrs)]
    n_train, n_valid = int(round(0.8 * n)), int(round(0.1 * n))
    part = np.repeat([0, 1, 2], [n_train, n_valid, n - n_train - n_valid])
    (base / "list_eval_partition.txt").write_text(
        "\n".join(f"{f} {p}" for f, p in zip(names, rng.permutation(part))) + "\n"
    )
    attr_file.write_text("\n".join(lines) + "\n")  # last: marks the fixture complete
    return Path(root)


# ======================================================================================
# Evaluation data
# ======================================================================================
def heldout_faces(
    dataset: str,
    n: int,
    *,
    data_root: str | os.PathLike[str] | None = None,
    seed: int = EVAL_SEED,
) -> tuple[Tensor, np.ndarray | None, tuple[str, ...]]:
    """The images (and attributes) every run of ``dataset`` is evaluated on.

    Parameters
    ----------
    dataset
        ``"lfw"``: the 100 LFW faces (all of them, whatever ``n``; they are also the
        training set). ``"celeba"``: ``n`` images of the official test split, drawn with
        ``seed``. ``"celeba-fixture"``: ``n`` images of the whole fixture.
    n
        Number of images (``>= 1``).
    data_root
        CelebA folder (default ``$SEAMLIB_CELEBA``).

    Returns
    -------
    x : Tensor, shape (n, C, H, W), float32 in [0, 1]
        Preprocessed exactly as the engine does for training (8-bit, scaled by 1/255).
    attributes : ndarray of uint8, shape (n, 40), or None for LFW
    attribute_names : tuple of str (empty for LFW)

    Raises
    ------
    ValueError
        Unknown dataset or ``n < 1``.
    DataError
        CelebA requested but no folder given.

    Examples
    --------
    >>> from seamlib.experiments import faces as F
    >>> x, attributes, names = F.heldout_faces("lfw", 100)
    >>> tuple(x.shape), attributes, names
    ((100, 1, 25, 25), None, ())
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}.")
    if dataset == "lfw":
        from seamlib.data.faces import load_lfw

        imgs = load_lfw(as_uint8=True).images
        x = torch.as_tensor(imgs, dtype=torch.float32).unsqueeze(1) / 255.0
        return x, None, ()
    if dataset not in ("celeba", "celeba-fixture"):
        raise ValueError(f"Unknown faces dataset {dataset!r}; expected one of {FACE_DATASETS}.")
    from seamlib.data.celeba import load_celeba

    folder = celeba_root(data_root)
    if folder is None:
        raise DataError(f"CelebA evaluation needs its folder: pass data_root or set ${CELEBA_ENV}.")
    ds = load_celeba(folder, split="test" if dataset == "celeba" else "all")
    rng = np.random.default_rng(seed)
    idx = np.sort(rng.choice(len(ds.images), size=min(n, len(ds.images)), replace=False))
    x = torch.as_tensor(ds.images[idx]).permute(0, 3, 1, 2).to(torch.float32) / 255.0
    return x.contiguous(), np.asarray(ds.attributes[idx]), tuple(ds.attribute_names)
