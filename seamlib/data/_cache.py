"""Where data sets are cached, and how files are written and verified.

The cache directory is ``$SEAMLIB_DATA`` when that variable is set, else
``~/.cache/seamlib``. Every file is written atomically (to a temporary name in the same
folder, then renamed), so an interrupted render or download never leaves a truncated file
behind that a later run would trust.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Literal

import numpy as np

from seamlib.errors import ChecksumError, DataError

__all__ = ["DATA_ENV_VAR", "cache_dir", "md5sum", "verify_md5", "save_npy_atomic", "load_npy"]

DATA_ENV_VAR = "SEAMLIB_DATA"


def cache_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Return (and create) the folder where seamlib caches data sets.

    Parameters
    ----------
    path : str or PathLike, optional
        Explicit folder; default ``$SEAMLIB_DATA`` or ``~/.cache/seamlib``.

    Returns
    -------
    Path
        An existing, writable folder.

    Raises
    ------
    DataError
        If the folder cannot be created.

    Examples
    --------
    >>> import tempfile
    >>> from seamlib.data import cache_dir
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     cache_dir(tmp).is_dir()
    True
    """
    if path is None:
        env = os.environ.get(DATA_ENV_VAR)
        path = Path(env) if env else Path.home() / ".cache" / "seamlib"
    folder = Path(path).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"cannot create the data cache folder {folder} ({exc}); set ${DATA_ENV_VAR} "
            "to a writable folder or pass cache_dir=..."
        ) from exc
    return folder


def md5sum(path: str | os.PathLike[str], chunk_bytes: int = 1 << 22) -> str:
    """Hex md5 digest of a file, read in chunks of ``chunk_bytes``.

    Examples
    --------
    >>> import os
    >>> from seamlib.data._cache import md5sum
    >>> md5sum(os.devnull)  # an empty file
    'd41d8cd98f00b204e9800998ecf8427e'
    """
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def verify_md5(path: str | os.PathLike[str], expected: str, fix: str = "") -> None:
    """Raise :class:`ChecksumError` unless ``path`` has md5 digest ``expected``.

    Parameters
    ----------
    path : str or PathLike
        The file to check.
    expected : str
        Expected hex digest (case-insensitive).
    fix : str
        Sentence appended to the message saying how to obtain a good copy.

    Examples
    --------
    >>> import os
    >>> from seamlib.data._cache import verify_md5
    >>> verify_md5(os.devnull, "d41d8cd98f00b204e9800998ecf8427e")  # passes silently
    """
    actual = md5sum(path)
    if actual.lower() != expected.lower():
        raise ChecksumError(
            f"{path} has md5 {actual} but the published file has md5 {expected.lower()}: the "
            f"file is corrupted, truncated or a different version. Delete it and obtain it "
            f"again. {fix}".rstrip()
        )


def save_npy_atomic(path: Path, array: np.ndarray) -> None:
    """Write ``array`` to ``path`` (``.npy``) via a temporary file and a rename.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from seamlib.data._cache import save_npy_atomic
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_npy_atomic(pathlib.Path(tmp, "a.npy"), np.arange(3))
    ...     np.load(pathlib.Path(tmp, "a.npy")).tolist()
    [0, 1, 2]
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, array, allow_pickle=False)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_npy(
    path: Path, *, mmap_mode: Literal["r+", "r", "w+", "c"] | None = None, fix: str = "delete it"
) -> np.ndarray:
    """``np.load`` of a cached ``.npy`` file; a truncated or corrupt file is a :class:`DataError`.

    Parameters
    ----------
    path : Path
        The ``.npy`` file.
    mmap_mode : str, optional
        As for :func:`numpy.load`.
    fix : str
        What the user should do about a bad file (ends the message).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> from seamlib.data._cache import load_npy, save_npy_atomic
    >>> from seamlib.errors import DataError
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp, "a.npy")
    ...     save_npy_atomic(path, np.arange(1000))
    ...     _ = path.write_bytes(path.read_bytes()[:200])  # cut short
    ...     try:
    ...         load_npy(path, mmap_mode="r")
    ...     except DataError:
    ...         print("truncated")
    truncated
    """
    try:
        out: np.ndarray = np.load(path, mmap_mode=mmap_mode, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"The cached file {path} is truncated or corrupt ({exc}); {fix}.") from exc
    return out
