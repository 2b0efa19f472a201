"""Run directories that cannot be mixed up or lost: locking, atomic files, verified checkpoints.

Used by :mod:`seamlib.engine.train` (and :mod:`seamlib.engine.sweep`); nothing here knows
about models. The files of a run directory are named here (:data:`CONFIG_FILE`, ...;
the layout is described in :mod:`seamlib.engine.train`), and :func:`record_session` keeps
its ``provenance.json``.

* **One process owns a run directory.** :func:`lock_run_dir` takes an exclusive ``flock`` on
  ``RUN_DIR/.lock`` (holding the owner's PID and command) for as long as a ``train``,
  ``evaluate`` or ``sweep`` works there; the kernel releases it when the process exits, even
  after ``kill -9``. Where the file system has no ``flock`` the lock file itself is the lock
  (created exclusively) and a lock left by a process that no longer runs is detected by its
  PID and taken over. A second process gets :class:`RunDirLocked` (one line, exit status 2).
* **Atomic files.** :func:`atomic_write_text` / :func:`atomic_write_json` write a temporary
  file in the same folder, ``fsync`` it and rename it over the target; the file gets the
  usual permissions (``0666`` minus the umask), not ``mkstemp``'s ``0600``.
* **Verified checkpoints, two generations.** :func:`write_checkpoint` keeps
  ``checkpoint.pt`` and the one before it, ``checkpoint.prev.pt``. The SHA-256 of each is
  recorded (the caller stores the records in ``state.json``) *before* the file appears under
  its name, so every checkpoint on disk has a recorded checksum even after a crash between
  two writes. :func:`read_checkpoint` returns the newest checkpoint that matches a recorded
  checksum and loads, and warns when it had to fall back. Run directories written before the
  checksums existed (no records in ``state.json``) are verified by loading. A fall-back
  names the step of the newest checkpoint and of the one used; when ``state.json`` records
  checkpoints and none of them is left, the caller is refused (no silent restart from step
  0). The temporary files of a writer killed mid-write are removed by
  :func:`remove_temporaries`.
* **Torn lines.** :func:`read_jsonl` drops a line that is not valid JSON (e.g. the last line
  of a file cut short) with a warning instead of failing; :func:`read_state` returns None
  (with a warning) for a corrupt ``state.json`` so the caller can rebuild it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import socket
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from seamlib.errors import ConfigError
from seamlib.provenance import invocation, provenance

__all__ = [
    "CONFIG_FILE",
    "METRICS_FILE",
    "STATE_FILE",
    "CHECKPOINT_FILE",
    "EVAL_FILE",
    "CURVE_FILE",
    "PROVENANCE_FILE",
    "record_session",
    "RunDirLocked",
    "RunDirWarning",
    "LOCK_FILE",
    "CHECKPOINT_FILES",
    "lock_run_dir",
    "atomic_write_text",
    "atomic_write_json",
    "sha256_file",
    "write_checkpoint",
    "read_checkpoint",
    "read_text",
    "remove_temporaries",
    "set_aside",
    "read_jsonl",
    "read_state",
    "checkpoint_records",
]

LOCK_FILE = ".lock"
# The files of a run directory (the layout is described in seamlib.engine.train).
CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
STATE_FILE = "state.json"
CHECKPOINT_FILE = "checkpoint.pt"
EVAL_FILE = "eval.json"
CURVE_FILE = "curve.jsonl"
PROVENANCE_FILE = "provenance.json"
CHECKPOINT_FILES: tuple[str, str] = ("checkpoint.pt", "checkpoint.prev.pt")
"""The current checkpoint and the one before it."""
_KEEP_RECORDS = 3  # checksums kept in state.json: new, current, previous (see write_checkpoint)


class RunDirLocked(ConfigError):
    """Another process works in this run directory (its PID is in the message).

    Examples
    --------
    >>> from seamlib.errors import SeamlibError
    >>> from seamlib.engine.rundir import RunDirLocked
    >>> issubclass(RunDirLocked, SeamlibError)
    True
    """


class RunDirWarning(UserWarning):
    """Something in a run directory was damaged and repaired (the message says what).

    Examples
    --------
    >>> from seamlib.engine.rundir import RunDirWarning
    >>> issubclass(RunDirWarning, UserWarning)
    True
    """


def _warn(message: str) -> None:
    warnings.warn(message, RunDirWarning, stacklevel=3)


# ======================================================================================
# Atomic files
# ======================================================================================
def short_path(path: str | os.PathLike[str], limit: int = 120) -> str:
    """``path`` for a one-line message: a very long path is cut in the middle."""
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit // 2]}...{text[-limit // 2 :]}"


def read_text(path: str | os.PathLike[str], what: str = "") -> str:
    """The text of ``path`` as UTF-8; a file that is not UTF-8 text is a :class:`ConfigError`.

    Parameters
    ----------
    path
        The file to read.
    what
        How to fix it, appended to the message (e.g. ``"restore it from a copy"``).

    Raises
    ------
    ConfigError
        The file holds bytes that are not UTF-8.
    OSError
        The file cannot be read.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from seamlib.engine.rundir import read_text
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = pathlib.Path(tmp, "a.json").write_bytes(b"{\\xff}")
    ...     try:
    ...         read_text(pathlib.Path(tmp, "a.json"))
    ...     except ValueError as exc:
    ...         print(str(exc).split(" (")[0].endswith("a.json is not UTF-8 text"))
    True
    """
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{short_path(path)} is not UTF-8 text (byte {exc.start} is {raw[exc.start]:#04x})"
            f"{'; ' + what if what else ''}."
        ) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_replace(path: Path, write: Callable[[Any], None], mode: str = "w") -> None:
    """Write ``path`` through ``write(handle)`` on a temporary file, then rename it.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from seamlib.engine.rundir import atomic_replace
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     atomic_replace(pathlib.Path(tmp, "a.bin"), lambda h: h.write(b"ab"), mode="wb")
    ...     pathlib.Path(tmp, "a.bin").read_bytes()
    b'ab'
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp creates 0600
        with os.fdopen(fd, mode) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (temporary file in the same folder + rename).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from seamlib.engine.rundir import atomic_write_text
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     atomic_write_text(pathlib.Path(tmp, "a.txt"), "done")
    ...     pathlib.Path(tmp, "a.txt").read_text()
    'done'
    """
    atomic_replace(Path(path), lambda h: h.write(text))


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from seamlib.engine.rundir import atomic_write_json
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     atomic_write_json(pathlib.Path(tmp, "a.json"), {"step": 3})
    ...     json.loads(pathlib.Path(tmp, "a.json").read_text())
    {'step': 3}
    """
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=_json_default))


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj)}")


# ======================================================================================
# Locking
# ======================================================================================
def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _read_owner(path: Path) -> dict[str, Any]:
    try:
        owner = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):
        return {}
    return owner if isinstance(owner, dict) else {}


def _busy(run_dir: Path, owner: dict[str, Any]) -> RunDirLocked:
    who = f"process {owner.get('pid', '?')}"
    if owner.get("host") and owner.get("host") != socket.gethostname():
        who += f" on {owner['host']}"
    if owner.get("command"):
        who += f" ({owner['command']})"
    return RunDirLocked(
        f"{run_dir} is in use by {who}; wait for it to finish (or stop it), or choose another "
        "run directory."
    )


def _owner_record(command: str) -> str:
    return json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "command": command})


def _created_parents(path: Path) -> list[Path]:
    """The folders ``path.mkdir(parents=True)`` would create, deepest first."""
    out = []
    p = path.absolute()
    while not os.path.lexists(p):
        out.append(p)
        if p.parent == p:
            break
        p = p.parent
    return out


@contextmanager
def lock_run_dir(
    run_dir: str | os.PathLike[str], *, command: str = "", create: bool = False
) -> Iterator[Path]:
    """Own ``run_dir`` for the duration of the ``with`` block.

    Parameters
    ----------
    run_dir
        The folder to lock.
    command
        What the owner is doing (shown to a second process), e.g. ``"seamlib train"``.
    create
        Create the folder (and its parents) first. Folders created here are removed again
        when the block raises and leaves them empty, so an early error leaves nothing behind.

    Raises
    ------
    RunDirLocked
        Another process holds the lock.
    ConfigError
        The folder cannot be created or written.

    Examples
    --------
    >>> import tempfile
    >>> from seamlib.engine.rundir import RunDirLocked, lock_run_dir
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with lock_run_dir(tmp, command="demo"):
    ...         try:
    ...             with lock_run_dir(tmp):
    ...                 pass
    ...         except RunDirLocked as exc:
    ...             print("busy")
    busy
    """
    run_dir = Path(run_dir)
    created: list[Path] = []
    try:
        created = _created_parents(run_dir) if create else []
        if create:
            run_dir.mkdir(parents=True, exist_ok=True)
        elif not run_dir.is_dir():
            raise ConfigError(f"{short_path(run_dir)} is not a folder; pass a run directory.")
        fd, path = _acquire(run_dir, command or " ".join(Path(a).name for a in sys.argv[:2]))
    except OSError as exc:
        _remove_empty(created)
        raise ConfigError(
            f"The run directory {short_path(run_dir)} is not writable ({exc.strerror or exc}); "
            "choose another one."
        ) from exc
    except BaseException:
        _remove_empty(created)
        raise
    ok = False
    try:
        yield run_dir
        ok = True
    finally:
        _release(fd, path)
        if not ok:
            _remove_empty(created)


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        try:
            folder.rmdir()
        except OSError:
            return


def _acquire(run_dir: Path, command: str) -> tuple[int | None, Path]:
    path = run_dir / LOCK_FILE
    for _ in range(10):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise _busy(run_dir, _read_owner(path)) from None
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                return None, _acquire_by_pid(run_dir, command)
            raise
        try:  # the file may have been unlinked by its previous owner meanwhile: retry
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, _owner_record(command).encode())
        return fd, path
    raise RunDirLocked(f"Could not take the lock {path}; another process keeps replacing it.")


def _acquire_by_pid(run_dir: Path, command: str) -> Path:
    """Lock without ``flock``: create the lock file exclusively; take over a stale one."""
    path = run_dir / LOCK_FILE
    for _ in range(10):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            owner = _read_owner(path)
            pid = owner.get("pid")
            same_host = owner.get("host") in (None, socket.gethostname())
            stale = (
                isinstance(pid, int) and same_host and pid != os.getpid() and not _pid_alive(pid)
            )
            if stale:
                _warn(f"Removed the stale lock of process {pid} (no longer running) in {run_dir}.")
                path.unlink(missing_ok=True)
                continue
            raise _busy(run_dir, owner) from None
        with os.fdopen(fd, "w") as handle:
            handle.write(_owner_record(command))
        return path
    raise RunDirLocked(f"Could not take the lock {path}; another process keeps replacing it.")


def _release(fd: int | None, path: Path) -> None:
    try:
        path.unlink(missing_ok=True)  # while still holding the flock (see _acquire)
    finally:
        if fd is not None:
            os.close(fd)


# ======================================================================================
# Verified checkpoints
# ======================================================================================
def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file.

    Examples
    --------
    >>> import os
    >>> from seamlib.engine.rundir import sha256_file
    >>> sha256_file(os.devnull)[:12]
    'e3b0c44298fc'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def write_checkpoint(
    run_dir: Path,
    state: dict[str, Any],
    records: list[dict[str, Any]],
    commit: Callable[[list[dict[str, Any]]], None],
) -> list[dict[str, Any]]:
    """Save ``state`` as ``checkpoint.pt``, keeping the previous one as ``checkpoint.prev.pt``.

    Order: write a temporary file and hash it; ``commit(records)`` (the caller writes
    ``state.json`` with the new checksum records); then rename the current checkpoint to
    ``checkpoint.prev.pt`` and the temporary file to ``checkpoint.pt``. (After a fall-back,
    move the bad ``checkpoint.pt`` aside first, see :func:`set_aside`, so that the good
    previous one is kept.)

    Parameters
    ----------
    run_dir
        The (locked) run directory.
    state
        What to save with ``torch.save``; must hold ``"step"``.
    records
        The current checksum records ``[{"step", "sha256"}, ...]``, newest first.
    commit
        Called with the new records before any checkpoint file is renamed.

    Returns
    -------
    list of dict
        The new records (at most 3, newest first).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from seamlib.engine.rundir import read_checkpoint, write_checkpoint
    >>> keys = dict(model={}, optimizer={}, generator=None, data_shape=[2])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     recs = []
    ...     for step in (1, 2, 3):
    ...         state = {"step": step, **keys}
    ...         recs = write_checkpoint(pathlib.Path(tmp), state, recs, lambda r: None)
    ...     sorted(p.name for p in pathlib.Path(tmp).iterdir())
    ...     read_checkpoint(pathlib.Path(tmp), recs)[0]["step"], [r["step"] for r in recs]
    ['checkpoint.prev.pt', 'checkpoint.pt']
    (3, [3, 2, 1])
    """
    import torch

    current, previous = (run_dir / name for name in CHECKPOINT_FILES)
    fd, tmp = tempfile.mkstemp(dir=run_dir, prefix=".checkpoint.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            torch.save(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        new = {"step": int(state["step"]), "sha256": sha256_file(tmp)}
        new_records = [new] + [r for r in records if r.get("sha256") != new["sha256"]]
        new_records = new_records[:_KEEP_RECORDS]
        commit(new_records)
        if current.exists():
            os.replace(current, previous)
        os.replace(tmp, current)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return new_records


_REQUIRED_KEYS = ("step", "model", "optimizer", "generator", "data_shape")


def _load(path: Path) -> dict[str, Any]:
    import torch

    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or any(k not in state for k in _REQUIRED_KEYS):
        raise ValueError("not a seamlib checkpoint (keys missing)")
    return state


def read_checkpoint(
    run_dir: Path, records: list[dict[str, Any]] | None
) -> tuple[dict[str, Any] | None, str | None]:
    """The newest good checkpoint of ``run_dir``: ``(state, file name)``.

    A checkpoint is good when its SHA-256 is one of ``records`` (when there are records:
    old run directories have none) and it loads. When the current checkpoint is missing or
    bad and an older one is used, one :class:`RunDirWarning` names both steps.

    Parameters
    ----------
    run_dir
        The run directory.
    records
        The checksum records of ``state.json`` (``[{"step", "sha256"}, ...]``, newest first).

    Returns
    -------
    (dict, str) or (None, None)
        ``(None, None)`` when the run has no checkpoint file and none is recorded.

    Raises
    ------
    ConfigError
        Checkpoints are recorded (or exist) but none of them is good, or a checkpoint's
        name is taken by something that is not a file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from seamlib.engine.rundir import read_checkpoint
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     read_checkpoint(pathlib.Path(tmp), None)
    (None, None)
    """
    records = [r for r in records or [] if isinstance(r, dict)]
    known = {r["sha256"] for r in records if isinstance(r.get("sha256"), str)}
    steps = [r["step"] for r in records if isinstance(r.get("step"), int)]
    problems: list[str] = []
    for name in CHECKPOINT_FILES:  # newest first
        path = run_dir / name
        if os.path.lexists(path) and not path.is_file():
            raise ConfigError(
                f"{short_path(path)} is not a checkpoint file (a folder or another non-file); move "
                "it out of the run directory, then run the command again."
            )
        if not path.is_file():
            if records:
                problems.append(f"{name} is missing")
            continue
        if known and sha256_file(path) not in known:
            problems.append(f"{name} does not match its checksum in state.json")
            continue
        try:
            state = _load(path)
        except Exception as exc:  # noqa: BLE001 - any failure to read means a bad file
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            problems.append(f"{name} cannot be read ({reason[:200]})")
            continue
        if problems:
            newest = f"step {max(steps)}" if steps else "the newer one"
            _warn(
                f"{'; '.join(problems)}; using {name} (step {state['step']}) instead of the "
                f"newest checkpoint ({newest}) of {short_path(run_dir)}."
            )
        return state, name
    if not problems:
        return None, None
    recorded = (
        f"state.json records checkpoints at step(s) {', '.join(map(str, steps))} but "
        if steps
        else ""
    )
    raise ConfigError(
        f"No usable checkpoint in {short_path(run_dir)}: {recorded}{'; '.join(problems)}. Restore "
        "a copy of the checkpoint, or start over from step 0 with `seamlib train --resume "
        f"{short_path(run_dir)} --restart` (or a new --run-dir)."
    )


def remove_temporaries(run_dir: Path) -> list[str]:
    """Delete the temporary files (``.NAME.*.tmp``) a killed writer left in ``run_dir``.

    Call only while holding the run directory's lock (no writer is active then).

    Returns
    -------
    list of str
        The names removed.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from seamlib.engine.rundir import remove_temporaries
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = pathlib.Path(tmp, ".checkpoint.x1.tmp").write_bytes(b"half")
    ...     remove_temporaries(pathlib.Path(tmp))
    ['.checkpoint.x1.tmp']
    """
    removed = []
    for path in sorted(Path(run_dir).glob(".*.tmp")):
        if path.is_file() and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def set_aside(run_dir: Path, name: str) -> Path | None:
    """Rename a bad checkpoint file to ``<stem>.corrupt.pt`` (kept for inspection).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from seamlib.engine.rundir import set_aside
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = pathlib.Path(tmp, "checkpoint.pt").write_bytes(b"garbage")
    ...     set_aside(pathlib.Path(tmp), "checkpoint.pt").name
    'checkpoint.corrupt.pt'
    """
    path = run_dir / name
    if not path.is_file():
        return None
    target = path.with_name(path.stem.split(".")[0] + ".corrupt.pt")
    os.replace(path, target)
    return target


# ======================================================================================
# Tolerant readers
# ======================================================================================
def read_jsonl(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file of steps (metrics, learning curve); lines that are not JSON
    objects with an integer ``"step"`` are dropped with a warning.

    Examples
    --------
    >>> import pathlib, tempfile, warnings
    >>> from seamlib.engine.rundir import read_jsonl
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     p = pathlib.Path(tmp, "m.jsonl")
    ...     _ = p.write_text('{"step": 1}\\n{"step": 2}\\n{"st')
    ...     with warnings.catch_warnings(record=True) as caught:
    ...         warnings.simplefilter("always")
    ...         rows = read_jsonl(p)
    ...     rows, len(caught)
    ([{'step': 1}, {'step': 2}], 1)
    """
    path = Path(path)
    if not path.is_file():
        return []
    rows, bad = [], []
    lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = None
        step = row.get("step") if isinstance(row, dict) else None
        if isinstance(step, int) and not isinstance(step, bool):
            rows.append(row)
        else:
            bad.append(i)
    if bad:
        where = "the torn last line" if bad == [len(lines)] else f"line(s) {bad[:5]}"
        _warn(f"Dropped {where} of {path} (not valid JSON).")
    return rows


def read_state(run_dir: Path) -> dict[str, Any] | None:
    """``state.json`` as a dict; ``{}`` when absent; None (with a warning) when corrupt.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from seamlib.engine.rundir import read_state
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     read_state(pathlib.Path(tmp))
    {}
    """
    path = Path(run_dir) / "state.json"
    if not path.is_file():
        return {}
    try:
        state = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError):  # also bytes that are not UTF-8
        state = None
    if not isinstance(state, dict):
        _warn(f"{path} is corrupt; it is rebuilt from the checkpoint.")
        return None
    return state


def checkpoint_records(run_dir: Path) -> list[dict[str, Any]]:
    """The checksum records in ``state.json`` (``[]`` for old, missing or corrupt ones).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from seamlib.engine.rundir import checkpoint_records
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     checkpoint_records(pathlib.Path(tmp))
    []
    """
    records = (read_state(run_dir) or {}).get("checkpoints")
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []


def record_session(path: str | os.PathLike[str], **fields: Any) -> dict[str, Any]:
    """Append ``provenance(**fields)`` to the ``sessions`` list of the JSON file ``path``.

    A run directory's ``provenance.json`` holds one record per (re)start of training: its
    start step, device, versions, git commit, the options changed on resume and the
    command that ran it (:func:`~seamlib.provenance.invocation`; pass ``command=`` to
    override); the record is :func:`seamlib.provenance.provenance`'s. A missing file starts
    a new list; a corrupt one (not UTF-8 JSON with a ``sessions`` list) is kept aside as
    ``<name>.corrupt.json`` (``.corrupt-2.json``, ... when taken) with a
    :class:`RunDirWarning`, and a new list is started. Written atomically.

    Returns
    -------
    dict
        The record appended.

    Examples
    --------
    >>> import json, pathlib, tempfile
    >>> from seamlib.engine.rundir import record_session
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp, "provenance.json")
    ...     _ = record_session(path, seeds=[0], start_step=0)
    ...     _ = record_session(path, seeds=[0], start_step=10, changed={"lr": [1e-3, 1e-4]})
    ...     [s["start_step"] for s in json.loads(path.read_text())["sessions"]]
    [0, 10]
    """
    path = Path(path)
    sessions: list[Any] = []
    if path.is_file():
        try:
            stored = json.loads(path.read_bytes().decode("utf-8"))
            if not isinstance(stored, dict) or not isinstance(stored.get("sessions"), list):
                raise ValueError("no 'sessions' list")
            sessions = list(stored["sessions"])
        except ValueError:  # not UTF-8, not JSON, or not a provenance record
            aside = path.with_name(f"{path.stem}.corrupt.json")
            n = 1
            while aside.exists():
                n += 1
                aside = path.with_name(f"{path.stem}.corrupt-{n}.json")
            os.replace(path, aside)
            warnings.warn(
                f"{path} is corrupt; kept as {aside.name} and a new record of sessions started.",
                RunDirWarning,
                stacklevel=2,
            )
    fields.setdefault("command", invocation())
    record = provenance(**fields)
    sessions.append(record)
    atomic_write_json(path, {"sessions": sessions})
    return record
