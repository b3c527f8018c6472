"""Starting a real `hubnity-server` process for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    url: str
    proc: subprocess.Popen[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)  # what it runs with

    @property
    def data_dir(self) -> Path:
        """Its HUBNITY_DATA_DIR (mail without SMTP_URL goes to its `mail` folder)."""
        return Path(self.env["HUBNITY_DATA_DIR"])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def server_command() -> list[str]:
    exe = VENV_BIN / "hubnity-server"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "server.cli"]


@contextmanager
def serve(
    argv: list[str],
    env: dict[str, str],
    port: int,
    log_path: Path,
    cwd: Path | None = None,
    timeout: float = 60,
) -> Iterator[ServerProcess]:
    """Runs `argv` with exactly `env` until /health on 127.0.0.1:`port` answers 200;
    stops it on exit. The command line is not changed: it must listen on `port`
    by itself (for instance through HUBNITY_PORT in `env`)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, text=True
        )
    url = f"http://127.0.0.1:{port}"
    server = ServerProcess(url, proc, log_path, dict(env))
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{server.log()}")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not become healthy:\n{server.log()}")
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def run_server(
    data_dir: Path, env: dict[str, str] | None = None, port: int | None = None, timeout: float = 60
) -> Iterator[ServerProcess]:
    port = port or free_port()
    full_env = {**os.environ, "HUBNITY_DATA_DIR": str(data_dir), "LOG_JSON": "true", **(env or {})}
    data_dir.mkdir(parents=True, exist_ok=True)
    with serve(
        [*server_command(), "--port", str(port)],
        full_env,
        port,
        data_dir / f"server-{port}.log",
        timeout=timeout,
    ) as server:
        yield server
