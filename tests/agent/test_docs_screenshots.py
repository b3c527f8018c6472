"""The pictures in docs/agent.md come from the real windows on a real X
display, light and dark, and the timer window scales to 200 %."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.agent.xdisplay import xvfb

pytestmark = pytest.mark.x11
ROOT = Path(__file__).resolve().parents[2]
NAMES = [f"agent-{w}-{m}.png" for w in ("timer", "signin", "idle") for m in ("light", "dark")]


def _shoot(display: str, out: Path, scale: str = "1") -> None:
    env = {**os.environ, "DISPLAY": display, "QT_SCALE_FACTOR": scale}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.agent.docs_screenshots", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_window_pictures_light_dark_and_at_200_percent(tmp_path: Path) -> None:
    from PIL import Image, ImageStat

    with xvfb(1920, 1400) as display:
        _shoot(display, tmp_path / "x1")
        _shoot(display, tmp_path / "x2", "2")
    for name in NAMES:
        assert (ROOT / "docs" / "images" / name).exists(), f"docs/images/{name} is missing"
        img = Image.open(tmp_path / "x1" / name).convert("L")
        assert img.width >= 400 and img.height >= 180, (name, img.size)
        assert ImageStat.Stat(img).stddev[0] > 20, f"{name} is blank"
    for window in ("timer", "signin", "idle"):
        light = ImageStat.Stat(
            Image.open(tmp_path / "x1" / f"agent-{window}-light.png").convert("L")
        )
        dark = ImageStat.Stat(Image.open(tmp_path / "x1" / f"agent-{window}-dark.png").convert("L"))
        assert light.mean[0] > 180 > 80 > dark.mean[0], (window, light.mean, dark.mean)
    one = Image.open(tmp_path / "x1" / "agent-timer-light.png")
    two = Image.open(tmp_path / "x2" / "agent-timer-light.png")
    assert two.size == (one.width * 2, one.height * 2)
