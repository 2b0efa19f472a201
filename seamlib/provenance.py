"""Provenance of stored results: which code, profile, machine, seeds and time produced them."""

from __future__ import annotations

import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "git_commit",
    "invocation",
    "module_command",
    "provenance",
    "relative_path",
]


# Pathspecs of what counts for "-dirty": the whole tree but the stored results.
_CODE_PATHS = (":(top)", ":(top,exclude)results")


def git_commit(root: Path | None = None) -> str:
    """The current git commit (with ``-dirty`` if the tree has changes), or ``"unknown"``.

    Changes under ``results/`` do not make the tree dirty: those files are what the project's
    commands write (one ``collect`` writes several), not code that produced them.

    Examples
    --------
    >>> from seamlib.provenance import git_commit
    >>> sha = git_commit()  # e.g. "3f2c...e1-dirty"
    """
    cwd = root or Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", *_CODE_PATHS],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("-dirty" if dirty else "")


def provenance(
    *,
    profile: str | None = None,
    seeds: Sequence[int] = (),
    device: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A provenance record for a stored result.

    Parameters
    ----------
    profile
        Profile name; default: the active one (``$SEAMLIB_PROFILE`` or ``laptop``).
    seeds
        Random seeds used.
    device
        Device the computation ran on; default: :func:`seamlib.config.default_device`.
    **extra
        Anything else worth recording (steps, wall time, command line, ...).

    Returns
    -------
    dict
        ``git_commit``, ``profile``, ``device``, ``device_name``, ``seeds``, ``time`` (UTC ISO
        8601), ``python``, ``torch``, ``numpy``, ``platform`` and the ``extra`` entries.

    Examples
    --------
    >>> from seamlib.provenance import provenance
    >>> record = provenance(profile="smoke", seeds=[0, 1], device="cpu", steps=50)
    >>> record["profile"], record["seeds"], record["steps"]
    ('smoke', [0, 1], 50)
    """
    import numpy as np
    import torch

    from seamlib import __version__
    from seamlib.config import default_device, profile_name

    dev = device or default_device()
    dev_name = (
        torch.cuda.get_device_name(0)
        if dev.startswith("cuda") and torch.cuda.is_available()
        else platform.processor() or platform.machine()
    )
    return {
        "git_commit": git_commit(),
        "seamlib": __version__,
        "profile": profile or profile_name(),
        "device": dev,
        "device_name": dev_name,
        "seeds": list(seeds),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        **extra,
    }


def relative_path(path: str | os.PathLike[str], start: str | os.PathLike[str] | None = None) -> str:
    """``path`` relative to ``start`` (default: the working directory), for stored results.

    A path outside ``start`` is reduced to its last component, so that no machine path
    (``/home/...``) ends up in a committed file. Links are not resolved.

    Examples
    --------
    >>> from seamlib.provenance import relative_path
    >>> relative_path("/work/repo/runs/fig5", start="/work/repo")
    'runs/fig5'
    >>> relative_path("/elsewhere/runs/fig5", start="/work/repo")
    'fig5'
    """
    here = os.path.abspath(Path.cwd() if start is None else start)
    there = os.path.abspath(path)
    if os.path.commonpath([here, there]) == here:
        return Path(os.path.relpath(there, here)).as_posix()
    return Path(there).name


def module_command(module: str, args: Sequence[str]) -> str:
    """``python -m module args`` as a user would type it, without machine paths.

    An absolute path among ``args`` (alone, or as the value of ``--option=PATH``) is written
    relative to the project, as :func:`relative_path` does: a path outside it keeps only its
    last component. The stored command then says what ran, not where.

    Examples
    --------
    >>> from seamlib.config import project_root
    >>> from seamlib.provenance import module_command
    >>> out = str(project_root() / "results" / "dsprites")
    >>> module_command("seamlib.experiments.pilot", ["collect", "runs/a", "--out", out])
    'python -m seamlib.experiments.pilot collect runs/a --out results/dsprites'
    >>> module_command("seamlib.book.ledger", ["snapshot", "/tmp/l/smoke", "--out=/tmp/s.json"])
    'python -m seamlib.book.ledger snapshot smoke --out=s.json'
    """
    from seamlib.config import project_root

    root = project_root()

    def portable(arg: str) -> str:
        option, eq, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        if os.path.isabs(value):
            value = relative_path(value, start=root)
        return f"{option}{eq}{value}"

    return shlex.join(["python", "-m", module, *(portable(a) for a in args)])


def invocation(argv: Sequence[str] | None = None) -> str:
    """The command line of this process as a user would type it, without machine paths.

    ``python -m seamlib sweep grid.json`` runs with ``sys.argv[0]`` set to the absolute path
    of ``seamlib/__main__.py``; this gives back ``python -m seamlib sweep grid.json``. A
    script or module inside the project is named relative to the project
    (``python -m seamlib.experiments.dsprites ...``); a program from elsewhere (a Jupyter kernel,
    pytest) by its name alone, without its arguments (they hold machine paths such as a
    kernel's connection file).

    Parameters
    ----------
    argv
        The command line; default ``sys.argv``.

    Examples
    --------
    >>> from seamlib.config import project_root
    >>> from seamlib.provenance import invocation
    >>> main = str(project_root() / "seamlib" / "__main__.py")
    >>> invocation([main, "sweep", "experiments/dsprites_fig5.cpu.json", "--skip-busy"])
    'python -m seamlib sweep experiments/dsprites_fig5.cpu.json --skip-busy'
    >>> pilot = project_root() / "seamlib" / "experiments" / "pilot.py"
    >>> invocation([str(pilot), "collect", "runs"])
    'python -m seamlib.experiments.pilot collect runs'
    >>> invocation(["/opt/venv/lib/ipykernel_launcher.py", "-f", "/root/kernel-1.json"])
    'ipykernel_launcher.py'
    >>> invocation(["/opt/venv/lib/pytest/__main__.py", "-q", "/root/tests"])
    'python -m pytest'
    """
    from seamlib.config import project_root

    args = list(sys.argv if argv is None else argv)
    if not args or not args[0]:
        return "python"
    prog = Path(args[0])
    root = project_root()
    try:
        rel = prog.resolve().relative_to(root.resolve()) if prog.is_absolute() else None
    except ValueError:
        rel = None
    if rel is not None and (rel.parts[0].startswith(".") or "site-packages" in rel.parts):
        rel = None  # a virtual environment inside the project is not the project's code
    if rel is None or rel.suffix != ".py":
        # python -m pkg runs pkg/__main__.py
        return f"python -m {prog.parent.name}" if prog.name == "__main__.py" else prog.name
    module = ".".join(rel.with_suffix("").parts)
    module = module.removesuffix(".__main__")
    return module_command(module, args[1:])
