"""The foreground application on a real X display (Xvfb): real client windows
(Qt, xmessage), focused through EWMH `_NET_ACTIVE_WINDOW` as a window manager
does, read by the agent's X11 probe and counted per minute through the
recorder into the outbox, at each policy level."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.core.agent import Agent
from agent.core.apps import Foreground
from agent.core.clock import FakeClock
from agent.platform.x11_window import X11Foreground
from shared.enums import AppTracking
from tests.agent.conftest import need_binaries
from tests.agent.ewmh import MiniWM
from tests.agent.xdisplay import xdotool, xvfb

pytestmark = [pytest.mark.x11]
ROOT = Path(__file__).resolve().parents[2]
SECRET_TITLE = "Invoice 4711 - salary review.xlsx"


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with xvfb() as d:
        wm = MiniWM(d)
        try:
            yield d
        finally:
            wm.close()


def _qt(display: str, title: str) -> tuple[subprocess.Popen[str], int]:
    env = {**os.environ, "DISPLAY": display}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.agent.qt_window", title],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # shown
    found = subprocess.run(
        ["xdotool", "search", "--sync", "--name", title],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=20,
    )
    return proc, int(found.stdout.split()[0])


def _exe(pid: int) -> str:
    return os.path.basename(os.readlink(f"/proc/{pid}/exe"))


def _wait_for(probe: X11Foreground, pred, timeout: float = 10.0) -> Foreground | None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    fg = probe()
    while not pred(fg) and time.monotonic() < deadline:
        time.sleep(0.05)
        fg = probe()
    return fg


def test_probe_reads_the_active_window_from_the_window_manager(display: str) -> None:
    need_binaries("xmessage")
    probe = X11Foreground(display)
    win, win_id = _qt(display, SECRET_TITLE)
    env = {**os.environ, "DISPLAY": display}
    xm = subprocess.Popen(["xmessage", "-name", "xmsg", "hello"], env=env)
    try:
        xm_id = int(
            subprocess.run(
                ["xdotool", "search", "--sync", "--class", "Xmessage"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()[0]
        )
        # Both are mapped (the WM activates a window when it maps it); now
        # `xdotool windowactivate` sends the EWMH request a pager or a click does.
        xdotool(display, "windowactivate", "--sync", str(win_id))
        fg = _wait_for(probe, lambda f: f is not None and f.title == SECRET_TITLE)
        assert fg == Foreground(_exe(win.pid), SECRET_TITLE)  # via _NET_WM_PID -> /proc
        assert probe(titles=False) == Foreground(_exe(win.pid))  # title not fetched
        xdotool(display, "windowactivate", "--sync", str(xm_id))
        fg = _wait_for(probe, lambda f: f is not None and f.title != SECRET_TITLE)
        # xmessage sets no _NET_WM_PID: named by its WM_CLASS class instead.
        assert fg == Foreground("Xmessage", "xmsg")
    finally:
        xm.terminate()
        assert win.stdin is not None
        win.stdin.close()
        win.wait(10)
        xm.wait(10)
        probe.close()


@pytest.mark.parametrize("mode", [AppTracking.APPS, AppTracking.TITLES, AppTracking.OFF])
def test_recorder_counts_the_focused_app_per_minute_by_policy(
    display: str, tmp_path: Path, mode: AppTracking
) -> None:
    clock = FakeClock()
    agent = Agent(tmp_path / "agent", clock=clock)
    agent.policy.app_tracking = mode
    agent.policy.redaction_patterns = [r"\d{4}", "(?i)salary"]
    probe = X11Foreground(display)
    agent.recorder.apps.probe = probe
    win, win_id = _qt(display, SECRET_TITLE)
    exe = _exe(win.pid)
    try:
        xdotool(display, "windowactivate", "--sync", str(win_id))
        _wait_for(probe, lambda f: f is not None and f.title == SECRET_TITLE)
        agent.start_tracking(None)
        key = agent.tracker.current.key  # type: ignore[union-attr]
        for _ in range(90):  # a minute and a half, one tick a second
            clock.advance(1)
            agent.tick()
        agent.stop()
    finally:
        assert win.stdin is not None
        win.stdin.close()
        win.wait(10)
        probe.close()
    rows = agent.outbox.apps_of(key)
    agent.shutdown()
    queue = (tmp_path / "agent" / "outbox.sqlite3").read_bytes()
    assert b"4711" not in queue and b"salary" not in queue.lower()
    if mode is AppTracking.OFF:
        assert rows == []
        return
    assert {r.app for r in rows} == {exe}
    assert sum(r.seconds for r in rows) == 90
    expected = "Invoice *** - *** review.xlsx" if mode is AppTracking.TITLES else ""
    assert {r.title for r in rows} == {expected}
