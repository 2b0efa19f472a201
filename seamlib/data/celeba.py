"""CelebA (Liu et al., 2015): aligned faces with 40 binary attributes, as 64 x 64 uint8.

Two on-disk layouts are recognised:

torchvision (``torchvision.datasets.CelebA(root)``)::

    root/celeba/img_align_celeba/000001.jpg ...
    root/celeba/list_attr_celeba.txt      # count; 40 names; "000001.jpg -1 1 ..." rows
    root/celeba/list_eval_partition.txt   # "000001.jpg 0" rows (0 train, 1 valid, 2 test)

(``root`` may also be the ``celeba`` folder itself), and Kaggle ("celeba-dataset")::

    root/img_align_celeba/img_align_celeba/000001.jpg ...   (or root/img_align_celeba/*.jpg)
    root/list_attr_celeba.csv             # image_id,5_o_Clock_Shadow,...  values -1/1
    root/list_eval_partition.csv          # image_id,partition

Preprocessing (the usual one for 64 x 64 VAEs on CelebA, e.g. the PyTorch-VAE and
disentanglement literature): take the centred ``crop x crop`` square (default 148) of the
178 x 218 aligned image, ``left = round((w - crop) / 2)``, ``top = round((h - crop) / 2)``,
then resize it to ``size x size`` (default 64) with Pillow's bilinear filter (which
antialiases when shrinking, like torchvision's ``Resize``). JPEGs are decoded with Pillow in
a thread pool (Pillow releases the GIL while decoding) and the result is cached as a uint8
``.npy`` keyed by the image folder, the file list and the preprocessing.
"""

from __future__ import annotations

import csv
import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seamlib.data._cache import cache_dir as _cache_dir
from seamlib.data._cache import save_npy_atomic
from seamlib.errors import DataError

__all__ = ["CELEBA_ATTRIBUTES", "SPLITS", "CelebA", "find_celeba_layout", "load_celeba"]

CELEBA_ATTRIBUTES: tuple[str, ...] = (
    "5_o_Clock_Shadow",
    "Arched_Eyebrows",
    "Attractive",
    "Bags_Under_Eyes",
    "Bald",
    "Bangs",
    "Big_Lips",
    "Big_Nose",
    "Black_Hair",
    "Blond_Hair",
    "Blurry",
    "Brown_Hair",
    "Bushy_Eyebrows",
    "Chubby",
    "Double_Chin",
    "Eyeglasses",
    "Goatee",
    "Gray_Hair",
    "Heavy_Makeup",
    "High_Cheekbones",
    "Male",
    "Mouth_Slightly_Open",
    "Mustache",
    "Narrow_Eyes",
    "No_Beard",
    "Oval_Face",
    "Pale_Skin",
    "Pointy_Nose",
    "Receding_Hairline",
    "Rosy_Cheeks",
    "Sideburns",
    "Smiling",
    "Straight_Hair",
    "Wavy_Hair",
    "Wearing_Earrings",
    "Wearing_Hat",
    "Wearing_Lipstick",
    "Wearing_Necklace",
    "Wearing_Necktie",
    "Young",
)
#: Codes of the splits in ``list_eval_partition.txt``.
SPLITS: dict[str, int] = {"train": 0, "valid": 1, "test": 2}
_PREPROCESS_VERSION = 1


@dataclass(frozen=True)
class CelebA:
    """CelebA images with attributes and the official partition.

    Attributes
    ----------
    images : ndarray, shape (n, size, size, 3), uint8
        RGB, channels last.
    attributes : ndarray, shape (n, 40), uint8
        1 where the attribute is present (+1 in the file), 0 where absent (-1).
    attribute_names : tuple of str
        The 40 names, in column order.
    partition : ndarray, shape (n,), int8
        0 train, 1 valid, 2 test (``list_eval_partition``).
    filenames : tuple of str
        Image file names, e.g. ``"000001.jpg"``.

    Examples
    --------
    >>> import numpy as np
    >>> from seamlib.data.celeba import CELEBA_ATTRIBUTES, CelebA
    >>> images, attrs = np.zeros((2, 8, 8, 3), np.uint8), np.zeros((2, 40), np.uint8)
    >>> ds = CelebA(images, attrs, CELEBA_ATTRIBUTES, np.array([0, 2], np.int8), ("1.jpg", "2.jpg"))
    >>> len(ds.split("test")), ds.attribute("Smiling").tolist()
    (1, [0, 0])
    """

    images: np.ndarray
    attributes: np.ndarray
    attribute_names: tuple[str, ...]
    partition: np.ndarray
    filenames: tuple[str, ...]

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def split(self, name: str) -> CelebA:
        """The ``"train"``, ``"valid"`` or ``"test"`` part (``"all"``: everything)."""
        if name == "all":
            return self
        if name not in SPLITS:
            raise ValueError(f"split must be one of {['all', *SPLITS]}, got {name!r}")
        keep = np.flatnonzero(self.partition == SPLITS[name])
        return CelebA(
            self.images[keep],
            self.attributes[keep],
            self.attribute_names,
            self.partition[keep],
            tuple(self.filenames[i] for i in keep),
        )

    def attribute(self, name: str) -> np.ndarray:
        """Column ``(n,)`` of one attribute, e.g. ``"Smiling"``."""
        if name not in self.attribute_names:
            raise ValueError(f"unknown CelebA attribute {name!r}; known: {self.attribute_names}")
        return self.attributes[:, self.attribute_names.index(name)]


@dataclass(frozen=True)
class _Layout:
    kind: str  # "torchvision" or "kaggle"
    images: Path
    attributes: Path
    partition: Path


def find_celeba_layout(root: str | os.PathLike[str]) -> tuple[str, Path, Path, Path]:
    """Detect the layout under ``root``.

    Returns
    -------
    (kind, image_folder, attribute_file, partition_file)

    Raises
    ------
    DataError
        Naming the files that were looked for when no layout matches.

    Examples
    --------
    >>> from seamlib.data.celeba import find_celeba_layout
    >>> kind, images, attributes, partition = find_celeba_layout("~/data")  # doctest: +SKIP
    """
    lay = _find_layout(Path(root).expanduser())
    return lay.kind, lay.images, lay.attributes, lay.partition


def _find_layout(root: Path) -> _Layout:
    if not root.is_dir():
        raise DataError(f"CelebA root {root} is not a folder; pass the folder holding the data")
    for base in (root / "celeba", root):
        attr, part = base / "list_attr_celeba.txt", base / "list_eval_partition.txt"
        if attr.exists() or part.exists():
            _require(attr, part, base / "img_align_celeba", layout="torchvision")
            return _Layout("torchvision", base / "img_align_celeba", attr, part)
    attr, part = root / "list_attr_celeba.csv", root / "list_eval_partition.csv"
    if attr.exists() or part.exists():
        nested = root / "img_align_celeba" / "img_align_celeba"
        images = nested if nested.is_dir() else root / "img_align_celeba"
        _require(attr, part, images, layout="Kaggle")
        return _Layout("kaggle", images, attr, part)
    raise DataError(
        f"no CelebA layout found under {root}. Expected either the torchvision layout "
        f"({root}/celeba/img_align_celeba/*.jpg, {root}/celeba/list_attr_celeba.txt, "
        f"{root}/celeba/list_eval_partition.txt) or the Kaggle layout "
        f"({root}/img_align_celeba/img_align_celeba/*.jpg, {root}/list_attr_celeba.csv, "
        f"{root}/list_eval_partition.csv)"
    )


def _require(attr: Path, part: Path, images: Path, layout: str) -> None:
    missing = [str(p) for p in (attr, part) if not p.is_file()]
    if not images.is_dir():
        missing.append(str(images) + "/")
    if missing:
        raise DataError(
            f"CelebA ({layout} layout) is incomplete: missing {', '.join(missing)}. Download "
            "the aligned images and the attribute and partition lists and put them there."
        )


def _parse_attributes_txt(path: Path) -> tuple[list[str], tuple[str, ...], np.ndarray]:
    lines = path.read_text().splitlines()
    if len(lines) < 2:
        raise DataError(f"{path} is too short: expected a count line, a names line and rows")
    try:
        count = int(lines[0].strip())
    except ValueError as exc:
        raise DataError(f"{path}: first line should be the image count, got {lines[0]!r}") from exc
    names = tuple(lines[1].split())
    rows = [line.split() for line in lines[2:] if line.strip()]
    if len(rows) != count:
        raise DataError(
            f"{path} announces {count} images but lists {len(rows)}; the file is "
            "truncated or edited"
        )
    return _attribute_table(path, names, rows)


def _parse_attributes_csv(path: Path) -> tuple[list[str], tuple[str, ...], np.ndarray]:
    with open(path, newline="") as handle:
        table = [row for row in csv.reader(handle) if row]
    if not table or table[0][0] != "image_id":
        raise DataError(f"{path}: expected a header 'image_id,5_o_Clock_Shadow,...'")
    return _attribute_table(path, tuple(table[0][1:]), table[1:])


def _attribute_table(
    path: Path, names: tuple[str, ...], rows: list[list[str]]
) -> tuple[list[str], tuple[str, ...], np.ndarray]:
    if names != CELEBA_ATTRIBUTES:
        raise DataError(
            f"{path} names {len(names)} attributes {names[:3]}...; expected the 40 CelebA "
            f"attributes {CELEBA_ATTRIBUTES[:3]}... in the official order"
        )
    bad = next((r for r in rows if len(r) != 41), None)
    if bad is not None:
        raise DataError(f"{path}: row {bad[:2]}... has {len(bad) - 1} values, expected 40")
    try:
        values = np.array([r[1:] for r in rows], dtype=np.int64).reshape(len(rows), 40)
    except ValueError as exc:
        raise DataError(f"{path}: attribute values must be -1 or 1 ({exc})") from exc
    if not np.all(np.isin(values, (-1, 1))):
        raise DataError(f"{path}: attribute values must be -1 or 1")
    return [r[0] for r in rows], names, (values > 0).astype(np.uint8)


def _parse_partition(path: Path, csv_layout: bool) -> dict[str, int]:
    if csv_layout:
        with open(path, newline="") as handle:
            table = [row for row in csv.reader(handle) if row]
        if not table or table[0] != ["image_id", "partition"]:
            raise DataError(f"{path}: expected a header 'image_id,partition'")
        rows = table[1:]
    else:
        rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    out: dict[str, int] = {}
    for row in rows:
        if len(row) != 2 or row[1] not in ("0", "1", "2"):
            raise DataError(f"{path}: row {row} should be '<file> <0|1|2>'")
        out[row[0]] = int(row[1])
    return out


def _load_image(path: Path, size: int, crop: int) -> np.ndarray:
    from PIL import Image

    try:
        with Image.open(path) as img:
            rgb = img.convert("RGB")
    except OSError as exc:
        raise DataError(f"cannot decode CelebA image {path} ({exc}); re-download it") from exc
    w, h = rgb.size
    c = min(crop, w, h)
    left, top = int(round((w - c) / 2)), int(round((h - c) / 2))
    rgb = rgb.crop((left, top, left + c, top + c))
    rgb = rgb.resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(rgb, dtype=np.uint8)


def _decode_all(paths: list[Path], size: int, crop: int, workers: int | None) -> np.ndarray:
    out = np.empty((len(paths), size, size, 3), dtype=np.uint8)

    def work(i: int) -> None:
        out[i] = _load_image(paths[i], size, crop)

    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        list(pool.map(work, range(len(paths))))
    return out


def load_celeba(
    root: str | os.PathLike[str],
    *,
    split: str = "all",
    size: int = 64,
    crop: int = 148,
    cache: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    workers: int | None = None,
) -> CelebA:
    """Load CelebA from the torchvision or Kaggle layout, centre-cropped and resized.

    Parameters
    ----------
    root : str or PathLike
        Folder holding the data (see the module docstring for the two layouts).
    split : {"all", "train", "valid", "test"}
        Which part of ``list_eval_partition`` to return.
    size : int
        Output side in pixels (default 64).
    crop : int
        Side of the centred square cropped before resizing (default 148; clipped to the
        image size).
    cache : bool
        Read/write the decoded uint8 images under ``cache_dir/celeba``.
    cache_dir : str or PathLike, optional
        Default ``$SEAMLIB_DATA`` or ``~/.cache/seamlib``.
    workers : int, optional
        Decoding threads; default ``os.cpu_count()``.

    Returns
    -------
    CelebA
        ``images`` (n, size, size, 3) uint8, ``attributes`` (n, 40) 0/1, ``partition``.

    Raises
    ------
    DataError
        A file is missing, the layout is not recognised, or the attribute list, the
        partition list and the image folder disagree (the message names the file).

    Examples
    --------
    >>> from seamlib.data import load_celeba
    >>> train = load_celeba("~/data", split="train", size=64)  # doctest: +SKIP
    """
    if split != "all" and split not in SPLITS:
        raise ValueError(f"split must be one of {['all', *SPLITS]}, got {split!r}")
    if size < 1 or crop < 1:
        raise ValueError(f"size and crop must be positive, got size={size}, crop={crop}")
    lay = _find_layout(Path(root).expanduser())
    csv_layout = lay.kind == "kaggle"
    parse = _parse_attributes_csv if csv_layout else _parse_attributes_txt
    files, names, attributes = parse(lay.attributes)
    partition_map = _parse_partition(lay.partition, csv_layout)
    if set(partition_map) != set(files):
        only_attr = sorted(set(files) - set(partition_map))[:3]
        only_part = sorted(set(partition_map) - set(files))[:3]
        raise DataError(
            f"{lay.attributes} lists {len(files)} images and {lay.partition} lists "
            f"{len(partition_map)}; they must list the same files (only in the attribute "
            f"list: {only_attr}, only in the partition list: {only_part})"
        )
    paths = [lay.images / f for f in files]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise DataError(
            f"{len(missing)} of the {len(paths)} images listed in {lay.attributes} are "
            f"missing from {lay.images}, e.g. {missing[:3]}; the image folder is incomplete"
        )
    partition = np.array([partition_map[f] for f in files], dtype=np.int8)
    images = None
    path = None
    if cache:
        key = hashlib.md5(
            "\n".join(
                [str(lay.images.resolve()), str(size), str(crop), str(_PREPROCESS_VERSION), *files]
            ).encode()
        ).hexdigest()[:16]
        path = _cache_dir(cache_dir) / "celeba" / f"celeba-{size}px-crop{crop}-{key}.npy"
        if path.exists():
            images = np.load(path)
            if images.shape != (len(files), size, size, 3) or images.dtype != np.uint8:
                images = None  # stale or foreign file: decode again and overwrite
    if images is None:
        images = _decode_all(paths, size, crop, workers)
        if path is not None:
            save_npy_atomic(path, images)
    data = CelebA(images, attributes, names, partition, tuple(files))
    return data.split(split)
