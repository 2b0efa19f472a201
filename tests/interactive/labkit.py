"""Helpers of the interactive tests: a JupyterLab server on a copy of the repository, and kernels.

The server runs on a free loopback port with the repository's own Jupyter settings
(``.jupyter/`` on ``JUPYTER_CONFIG_PATH``, ``jupytext.toml``), but every per-user folder
(config, runtime, user settings, workspaces) is a temporary one, so nothing on the machine
leaks in and the real chapters are never written to.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: What a chapter needs from the repository: the book, its settings and stored results.
COPY = ["book", "_toc.yml", "_config.yml", "jupytext.toml", ".jupyter", "results", "experiments"]
CHAPTERS = sorted(
    p.stem for p in (ROOT / "book").glob("*.md") if "```{code-cell}" in p.read_text("utf-8")
)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Lab:
    """A running JupyterLab: its URL, token and root folder (a copy of the repository)."""

    url: str
    token: str
    root: Path
    proc: subprocess.Popen[bytes]
    log: Path
    sessions: list[str] = field(default_factory=list)

    def api(self, method: str, path: str, body: Any = None, timeout: float = 60) -> Any:
        """Call the server's REST API; return the decoded JSON (or None)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read().decode()
        return json.loads(text) if text else None

    def start_kernel(self, path: str) -> Kernel:
        """Start a kernel for notebook ``path`` as JupyterLab does (a session: cwd = its folder)."""
        session = self.api(
            "POST",
            "/api/sessions",
            {
                "path": path,
                "name": Path(path).name,
                "type": "notebook",
                "kernel": {"name": "python3"},
            },
        )
        self.sessions.append(session["id"])
        return Kernel(self, session["id"], session["kernel"]["id"])


def _decode(frame: str | bytes) -> dict[str, Any]:
    """A kernel message from a websocket frame: JSON text, or the binary form used for messages
    with buffers (widget images): a count, offsets, then the JSON message and the buffers."""
    if isinstance(frame, str):
        return dict(json.loads(frame))
    n = struct.unpack("!I", frame[:4])[0]
    offsets = struct.unpack("!" + "I" * n, frame[4 : 4 * (n + 1)])
    end = offsets[1] if n > 1 else len(frame)
    return dict(json.loads(frame[offsets[0] : end].decode("utf-8")))


class KernelError(AssertionError):
    """A cell raised in the kernel."""


class Kernel:
    """A kernel reached through the server's websocket, as the browser reaches it."""

    def __init__(self, lab: Lab, session_id: str, kernel_id: str) -> None:
        import websocket  # websocket-client, a dependency of jupyter_server

        self.lab, self.session_id, self.kernel_id = lab, session_id, kernel_id
        self.session = uuid.uuid4().hex
        ws_url = lab.url.replace("http://", "ws://")
        self.ws = websocket.create_connection(
            f"{ws_url}/api/kernels/{kernel_id}/channels?session_id={self.session}",
            header=[f"Authorization: token {lab.token}"],
            timeout=900,
        )

    def execute(self, code: str, timeout: float = 900) -> list[dict[str, Any]]:
        """Run ``code``; return its iopub outputs; raise :class:`KernelError` if it fails."""
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": "test",
                        "session": self.session,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                    "channel": "shell",
                    "buffers": [],
                }
            )
        )
        outputs: list[dict[str, Any]] = []
        reply: dict[str, Any] | None = None
        idle = False
        deadline = time.monotonic() + timeout
        while reply is None or not idle:
            if time.monotonic() > deadline:
                raise TimeoutError(f"cell did not finish in {timeout} s:\n{code[:500]}")
            msg = _decode(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if msg["channel"] == "shell" and kind == "execute_reply":
                reply = msg["content"]
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
            elif kind in {"stream", "display_data", "execute_result", "error"}:
                outputs.append({"type": kind, **msg["content"]})
        if reply["status"] != "ok":
            tb = "\n".join(reply.get("traceback", []))
            raise KernelError(
                f"cell failed: {reply.get('ename')}: {reply.get('evalue')}\n{code[:800]}\n{tb}"
            )
        return outputs

    def value(self, expr: str) -> Any:
        """Evaluate a JSON-serialisable Python expression in the kernel."""
        out = self.execute(f"import json as _j; print(_j.dumps({expr}))")
        text = "".join(o["text"] for o in out if o["type"] == "stream" and o["name"] == "stdout")
        return json.loads(text.strip().splitlines()[-1])

    def restart(self) -> None:
        """Restart the kernel (JupyterLab's "Restart Kernel") and reconnect."""
        self.lab.api("POST", f"/api/kernels/{self.kernel_id}/restart", timeout=120)
        self.ws.close()
        self.__init__(self.lab, self.session_id, self.kernel_id)  # type: ignore[misc]

    def close(self) -> None:
        self.ws.close()
        self.lab.api("DELETE", f"/api/sessions/{self.session_id}")
        self.lab.sessions.remove(self.session_id)


def code_cells(nb: dict[str, Any]) -> list[str]:
    """Sources of the code cells of a notebook model (contents API ``content``)."""
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        for c in nb["cells"]
        if c["cell_type"] == "code"
    ]


def start_lab(root: Path, home: Path) -> Iterator[Lab]:
    """JupyterLab on a free loopback port, serving a copy of the repository made in ``root``
    (per-user Jupyter folders in ``home``); stopped when the generator is closed."""
    jupyter = Path(sys.executable).parent / "jupyter"
    if not (jupyter.exists() and shutil.which("jupyter-lab", path=str(jupyter.parent))):
        pytest.fail(
            f"JupyterLab is not installed next to {sys.executable}; "
            "install the book extras: pip install -e '.[dev]' (or run make venv)."
        )
    for name in COPY:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("*.ipynb*"))
        elif src.exists():
            shutil.copy2(src, root / name)
    token = secrets.token_hex(16)
    port = free_port()
    env = {
        **os.environ,
        "JUPYTER_CONFIG_PATH": str(root / ".jupyter"),  # as `make lab` sets it
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "user-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    log = home / "lab.log"
    cmd = [
        str(jupyter),
        "lab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=fh, stderr=subprocess.STDOUT)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, proc, log)
    deadline = time.monotonic() + 120
    while True:
        try:
            lab.api("GET", "/api/status", timeout=5)
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"JupyterLab did not start ({exc}); log:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
    try:
        yield lab
    finally:
        for sid in list(lab.sessions):
            try:
                lab.api("DELETE", f"/api/sessions/{sid}", timeout=10)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
