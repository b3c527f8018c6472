"""The real `hubnity-agent` tray on a real X display (Xvfb + trayer) against a
real `hubnity-server`, driven only by the keyboard and mouse (xdotool) the
way a new employee would: sign in in the first-run window, click the tray
icon, find a project by typing, start, type a note, stop, sync; the server
then holds the entry with that project and note."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.agent.xdisplay import window_tree, xdotool, xvfb
from tests.e2e.agent.conftest import PASSWORD, Server, new_account

pytestmark = [pytest.mark.slow, pytest.mark.x11]
ROOT = Path(__file__).resolve().parents[3]


def _wait(what: str, pred: Callable[[], object], timeout: float = 30.0) -> object:
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _window(display: str, title: str) -> str | None:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
    )
    ids = found.stdout.split()
    return ids[-1] if ids else None


def _focus(display: str, wid: str) -> None:
    xdotool(display, "windowfocus", "--sync", wid)
    time.sleep(0.3)


def _type(display: str, text: str) -> None:
    xdotool(display, "type", "--delay", "20", text)


def _key(display: str, *keys: str) -> None:
    xdotool(display, "key", "--delay", "60", *keys)


def _server_entries(server: Server, user_id: str) -> list[tuple[str, str, str | None]]:
    with server.db() as db:
        rows = db.execute(
            "SELECT project_id, status, description FROM time_entries "
            "WHERE replace(user_id, '-', '') = ?",
            (user_id.replace("-", ""),),
        ).fetchall()
    return [(str(p).replace("-", ""), s, d) for p, s, d in rows]


def _tray_icon_centre(display: str) -> tuple[int, int] | None:
    """The icon window trayer embedded (named after the application), in the
    panel at the top right of the 1280-pixel screen."""
    for line in window_tree(display).splitlines():
        m = re.search(r"(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)", line)
        if '"Hubnity"' not in line or m is None:
            continue
        w, h, x, y = (int(v) for v in m.groups())
        if 8 <= w <= 64 and 8 <= h <= 64 and x >= 1280 - 200:
            return x + w // 2, y + h // 2
    return None


def test_new_employee_signs_in_finds_a_project_tracks_with_a_note(
    server: Server, tmp_path: Path
) -> None:
    account = new_account(server, screenshotIntervalSeconds=3600, idleTimeoutSeconds=3600)
    data = tmp_path / "agent"
    env = {
        **os.environ,
        "HUBNITY_AGENT_CREDENTIALS": "file",
        "HUBNITY_AGENT_DATA_DIR": str(data),
        "QT_QPA_PLATFORM": "xcb",
    }
    with xvfb(tray=True) as display:
        env["DISPLAY"] = display
        log = open(tmp_path / "agent.out", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "agent", "--no-capture", "--no-input"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            signin = _wait("the sign-in window", lambda: _window(display, "Sign in to Hubnity"))
            _focus(display, str(signin))
            # First run: the focus is in the server field.
            _type(display, server.url)
            _key(display, "Tab")
            _type(display, account.email)
            _key(display, "Tab")
            _type(display, PASSWORD)
            _key(display, "Return")
            timer = _wait("the timer window after sign-in", lambda: _window(display, "Hubnity"))
            _focus(display, str(timer))
            _key(display, "Escape")  # close it; the tray icon brings it back
            _wait("the timer window to close", lambda: not _window(display, "Hubnity"), 10)
            icon = _wait("the tray icon", lambda: _tray_icon_centre(display))
            assert isinstance(icon, tuple)
            xdotool(display, "mousemove", str(icon[0]), str(icon[1]))
            xdotool(display, "click", "1")
            timer = _wait("the timer window from the tray", lambda: _window(display, "Hubnity"))
            _focus(display, str(timer))
            _key(display, "ctrl+f")
            _type(display, "inter")
            _key(display, "Return")  # picks "Internal" and starts
            _key(display, "ctrl+l")
            _type(display, "Onboarding: reading the handbook")
            _key(display, "Return")
            time.sleep(2)
            _key(display, "ctrl+Return")  # stop
            _key(display, "ctrl+r")  # sync now

            def arrived() -> list[tuple[str, str, str | None]]:
                rows = _server_entries(server, account.user_id)
                return [r for r in rows if r[1] == "STOPPED"]

            rows = _wait("the entry on the server", arrived, 60)
            assert rows == [
                (
                    account.other_project_id.replace("-", ""),
                    "STOPPED",
                    "Onboarding: reading the handbook",
                )
            ]
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            log.close()
        out = (tmp_path / "agent.out").read_text(errors="replace")
        assert proc.returncode == 0, out[-3000:]
