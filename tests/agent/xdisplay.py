"""A private Xvfb display (plus optional tray host) for tests that need real X."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.agent.conftest import need_binaries


def _free_display() -> int:
    for n in range(91, 160):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number between :91 and :159")


@contextmanager
def xvfb(width: int = 1280, height: int = 800, tray: bool = False) -> Iterator[str]:
    need_binaries("Xvfb", "xdpyinfo", "xdotool", *(["trayer", "xwininfo"] if tray else []))
    n = _free_display()
    display = f":{n}"
    proc = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp", "-noreset"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "DISPLAY": display}
    helpers: list[subprocess.Popen[bytes]] = []
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["xdpyinfo"], env=env, capture_output=True).returncode != 0:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"Xvfb {display} did not start")
            time.sleep(0.05)
        if tray:
            helpers.append(
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
            while b'"panel"' not in _tree(env):
                if time.monotonic() > deadline:
                    raise RuntimeError("trayer did not take the system tray selection")
                time.sleep(0.1)
        yield display
    finally:
        for h in helpers:
            h.terminate()
            h.wait(5)
        proc.terminate()
        proc.wait(5)


def _tree(env: dict[str, str]) -> bytes:
    return subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True).stdout


def window_tree(display: str) -> str:
    return _tree({**os.environ, "DISPLAY": display}).decode(errors="replace")


def xdotool(display: str, *args: str) -> None:
    subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, check=True)
