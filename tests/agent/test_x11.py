"""Real X display (Xvfb) tests: tray icon, pynput counting, mss capture."""

from __future__ import annotations

import ast
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from agent.core.clock import SystemClock
from tests.agent.x11_probes import PATTERN
from tests.agent.xdisplay import window_tree, xdotool, xvfb

pytestmark = [
    pytest.mark.x11,
    # pynput's Xlib record thread may hit a closed connection while it winds
    # down after stop(); that is teardown noise of the library, not a result.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    with xvfb(tray=True) as d:
        old = os.environ.get("DISPLAY")
        os.environ["DISPLAY"] = d  # pynput and mss read it when they connect
        try:
            yield d
        finally:
            if old is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = old


def _probe(display: str, name: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DISPLAY": display, "HUBNITY_AGENT_CREDENTIALS": "file"}
    env.pop("QT_QPA_PLATFORM", None)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.agent.x11_probes", name],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_tray_icon_is_shown_in_the_tray_host(display: str) -> None:
    proc = _probe(display, "tray")
    assert proc.stdout is not None
    report = ast.literal_eval(proc.stdout.readline().strip())
    tree = window_tree(display)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert report["available"] is True
    assert report["visible"] is True
    assert report["w"] > 0 and report["h"] > 0, report  # embedded: it has a place in the tray
    # The icon window sits inside trayer's panel (top right, x >= 1080 on this screen).
    icons = [line for line in tree.splitlines() if '"Hubnity"' in line and "x" in line]
    xs = [int(line.rsplit("+", 2)[1]) for line in icons]
    assert any(x >= 1280 - 200 for x in xs), tree


def _wait_for(pred, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            return
        time.sleep(0.02)


def test_pynput_counts_xdotool_events_exactly(display: str) -> None:
    from agent.core.activity import InputCounter
    from agent.platform.input import InputListeners

    counter = InputCounter(SystemClock())
    listeners = InputListeners(counter)
    assert listeners.start(), listeners.error
    try:
        time.sleep(0.3)
        xdotool(display, "type", "--delay", "5", "hello world")  # 11 key presses
        for i in range(7):
            xdotool(display, "mousemove", str(200 + i * 10), str(300 + i * 5))
        xdotool(display, "click", "--repeat", "3", "--delay", "20", "1")
        _wait_for(
            lambda: (
                counter.total_keys >= 11 and counter.total_clicks >= 3 and counter.total_moves >= 7
            )
        )
        time.sleep(0.3)  # let any extra (wrong) events arrive before counting
        assert counter.total_keys == 11
        assert counter.total_clicks == 3
        assert counter.total_moves == 7
    finally:
        listeners.stop()


def test_mss_captures_the_drawn_pattern(display: str) -> None:
    from PIL import Image

    from agent.platform.capture import ScreenCapturer

    proc = _probe(display, "pattern")
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "shown"
        time.sleep(0.8)
        result = ScreenCapturer(jpeg_quality=90)(0)
        assert result.failure is None
        assert result.content_type == "image/jpeg" and (result.width, result.height) == (1280, 800)
        assert result.metadata["displayCount"] == 1
        img = Image.open(io.BytesIO(result.data)).convert("RGB")
        for (x, y), rgb in PATTERN.items():
            got = img.getpixel((x, y))
            assert all(abs(a - b) < 40 for a, b in zip(got, rgb, strict=True)), ((x, y), got)
        blurred = Image.open(io.BytesIO(ScreenCapturer()(3).data)).convert("RGB")
        # Blur level 3 smears the sharp red/green edge at x=200.
        edge = [blurred.getpixel((x, 75)) for x in (196, 200, 204)]
        assert any(30 < c[0] < 225 for c in edge), edge
    finally:
        proc.terminate()
        proc.wait(5)


def test_black_screen_is_reported_not_uploaded_as_black() -> None:
    """A fresh Xvfb shows a black root window: exactly what Wayland without a
    portal or macOS without permission hand back."""
    from PIL import Image

    from agent.platform.capture import ScreenCapturer

    with xvfb(640, 480) as black_display:
        result = ScreenCapturer(display=black_display)(0)
    assert result.failure is not None and "black" in result.failure
    assert result.content_type == "image/png"
    placeholder = Image.open(io.BytesIO(result.data)).convert("RGB")
    assert max(hi for _lo, hi in placeholder.getextrema()) > 100  # says why; not black
    assert result.thumbnail is None
