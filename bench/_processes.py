"""Processes the benchmarks drive: a `hubnity-server`, moto's S3 server, a private X display.

Plain helpers with plain errors (no pytest): a bench that cannot start what it
measures stops with a message.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench._env import server_env

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class ServerProcess:
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def data_dir(self) -> Path:
        """Its HUBNITY_DATA_DIR, where its log is (and its mail, without SMTP_URL)."""
        return self.log_path.parent


@contextmanager
def run_server(
    data_dir: Path,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    source: Path | None = None,
    args: tuple[str, ...] = (),
) -> Iterator[ServerProcess]:
    """`hubnity-server` on a free port with server_env(), the data dir and `env`;
    with `source`, the server of that source tree (`python -m server.cli` there);
    `args` are added to its command line (e.g. `("--workers", "2")`)."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    full_env = server_env(HUBNITY_DATA_DIR=str(data_dir), **(env or {}))
    exe = VENV_BIN / "hubnity-server"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "server.cli"]
    if source is not None:
        command = [sys.executable, "-m", "server.cli"]
        full_env["PYTHONPATH"] = str(source)
    log_path = data_dir / f"server-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [*command, "--port", str(port), *args],
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=source,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"hubnity-server did not start:\n{log_path.read_text(errors='replace')[-3000:]}"
                )
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield ServerProcess(url, proc, log_path)
    finally:
        _stop(proc)


MOTO_ACCESS_KEY = "hubnity-bench"
MOTO_SECRET_KEY = "hubnity-bench-secret"
MOTO_REGION = "us-east-1"


@dataclass
class MotoServer:
    endpoint: str
    proc: subprocess.Popen[bytes]

    def env(self, bucket: str) -> dict[str, str]:
        """The server's S3 settings pointing at this endpoint."""
        return {
            "S3_ENDPOINT": self.endpoint,
            "S3_BUCKET": bucket,
            "S3_ACCESS_KEY": MOTO_ACCESS_KEY,
            "S3_SECRET_KEY": MOTO_SECRET_KEY,
            "S3_REGION": MOTO_REGION,
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=MOTO_ACCESS_KEY,
            aws_secret_access_key=MOTO_SECRET_KEY,
            region_name=MOTO_REGION,
        )


@contextmanager
def run_moto(timeout: float = 30) -> Iterator[MotoServer]:
    """moto's standalone S3 server (dev extra) on a free port."""
    port = free_port()
    proc = subprocess.Popen(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto_server did not start")
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield MotoServer(endpoint, proc)
    finally:
        _stop(proc, 10)


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise SystemExit(f"needs {', '.join(missing)} (bash scripts/system-deps.sh installs them)")


def _free_display() -> int:
    for n in range(91, 160):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number between :91 and :159")


@contextmanager
def xvfb(width: int, height: int, tray: bool = False) -> Iterator[str]:
    """A private Xvfb display (and a trayer system tray); yields the DISPLAY value."""
    _need("Xvfb", "xdpyinfo", *(["trayer", "xwininfo"] if tray else []))
    display = f":{_free_display()}"
    env = {**os.environ, "DISPLAY": display}
    procs = [
        subprocess.Popen(
            [
                "Xvfb",
                display,
                "-screen",
                "0",
                f"{width}x{height}x24",
                "-nolisten",
                "tcp",
                "-noreset",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["xdpyinfo"], env=env, capture_output=True).returncode != 0:
            if time.monotonic() > deadline or procs[0].poll() is not None:
                raise RuntimeError(f"Xvfb {display} did not start")
            time.sleep(0.05)
        if tray:
            procs.append(
                subprocess.Popen(
                    [
                        "trayer",
                        "--edge",
                        "top",
                        "--align",
                        "right",
                        "--widthtype",
                        "pixel",
                        "--width",
                        "200",
                        "--height",
                        "32",
                        "--expand",
                        "false",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            deadline = time.monotonic() + 10
            while (
                b'"panel"'
                not in subprocess.run(
                    ["xwininfo", "-root", "-tree"], env=env, capture_output=True
                ).stdout
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError("trayer did not take the system tray selection")
                time.sleep(0.1)
        yield display
    finally:
        for proc in reversed(procs):
            _stop(proc, 5)
