"""Agent footprint: CPU and memory of a tracking agent, and capture + encode time.

Run: .venv/bin/python -m bench.agent_footprint [--seconds 60]

1. Starts a private Xvfb (1920x1080) with a tray host (trayer) and a window
   showing desktop-like content (text lines, panels, a photo-like gradient).
2. Runs `hubnity-agent --headless --track`, then the tray (`hubnity-agent
   --track`), each for --seconds while idle and --seconds while xdotool types
   and moves the mouse (~20 events/s), sampling CPU time and RSS from /proc.
3. Times capture + encode of the 1920x1080 screen: the agent's ScreenCapturer
   (grab, black-frame check, JPEG, thumbnail) against a bare mss grab + Pillow
   JPEG save of the same frame (the baseline), printed as a ratio.

Linux only (reads /proc). Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._processes import xvfb  # noqa: E402

BIN = Path(sys.executable).parent
TICKS = os.sysconf("SC_CLK_TCK")


def start_content(display: str) -> subprocess.Popen[bytes]:
    """A window of desktop-like content, so captures encode realistic pixels."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _CONTENT],
        env={**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"},
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    time.sleep(0.5)
    return proc


# Desktop-like content: an editor full of text, panels and a photo-like gradient.
_CONTENT = r"""
import random
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QLinearGradient, QPainter
from PySide6.QtWidgets import QApplication, QWidget
class W(QWidget):
    def paintEvent(self, e):
        p = QPainter(self); r = random.Random(1)
        g = QLinearGradient(0, 0, 1920, 1080)
        g.setColorAt(0, QColor(40, 90, 160))
        g.setColorAt(1, QColor(220, 160, 90))
        p.fillRect(0, 0, 1920, 1080, g)
        p.fillRect(60, 60, 1100, 960, QColor(30, 30, 34))
        p.setFont(QFont("monospace", 11))
        for i in range(55):
            p.setPen(QColor(r.randint(120, 255), r.randint(120, 255), r.randint(120, 255)))
            code = "".join(r.choice("abcdefghij klmnop_=()") for _ in range(r.randint(10, 90)))
            p.drawText(80, 90 + i * 17, " " * r.randint(0, 12) + code)
        for i in range(6):
            shade = QColor(r.randint(200, 255), r.randint(200, 255), r.randint(200, 255))
            p.fillRect(1200, 60 + i * 160, 660, 140, shade)
        p.end()
a = QApplication([])
w = W()
w.setWindowFlags(Qt.WindowType.FramelessWindowHint)
w.setGeometry(0, 32, 1920, 1048)
w.show()
print("shown", flush=True)
a.exec()
"""


def sample(pid: int, seconds: float) -> tuple[float, float]:
    """(CPU % of one core over the window, peak RSS in MB)."""

    def cpu() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime of all threads

    def rss() -> float:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    c0, t0, peak = cpu(), time.monotonic(), 0.0
    while time.monotonic() - t0 < seconds:
        peak = max(peak, rss())
        time.sleep(0.5)
    return (cpu() - c0) / TICKS / (time.monotonic() - t0) * 100, peak


def drive_input(display: str, stop: threading.Event) -> None:
    env = {**os.environ, "DISPLAY": display}
    i = 0
    while not stop.is_set():  # ~10 keys + ~10 moves per second, like steady typing
        subprocess.run(["xdotool", "type", "--delay", "40", "hello world"], env=env)
        subprocess.run(["xdotool", "mousemove", str(300 + i % 400), str(300 + i % 300)], env=env)
        i += 37


def measure_agent(display: str, tray: bool, seconds: float) -> dict[str, float]:
    data = Path(tempfile.mkdtemp(prefix="hubnity-bench-"))
    env = {
        **os.environ,
        "DISPLAY": display,
        "HUBNITY_AGENT_CREDENTIALS": "file",
        "QT_QPA_PLATFORM": "xcb",
    }
    cmd = [str(BIN / "hubnity-agent"), "--data-dir", str(data), "--track"]
    if not tray:
        cmd.insert(1, "--headless")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(4)  # imports and start-up are not the steady state
        idle_cpu, idle_rss = sample(proc.pid, seconds)
        stop = threading.Event()
        t = threading.Thread(target=drive_input, args=(display, stop), daemon=True)
        t.start()
        busy_cpu, busy_rss = sample(proc.pid, seconds)
        stop.set()
        t.join()
    finally:
        proc.terminate()
        proc.wait(10)
    return {"idle_cpu": idle_cpu, "busy_cpu": busy_cpu, "rss": max(idle_rss, busy_rss)}


def measure_capture(display: str, rounds: int = 20) -> dict[str, float]:
    os.environ["DISPLAY"] = display
    import io

    import mss
    from PIL import Image

    from agent.platform.capture import ScreenCapturer

    factory = getattr(mss, "MSS", None) or mss.mss
    sct = factory()

    def baseline() -> bytes:
        shot = sct.grab(sct.monitors[0])
        img = Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=70)
        return buf.getvalue()

    ours = ScreenCapturer()
    result = ours(0)
    assert result.failure is None, result.failure
    assert (result.width, result.height) == (1920, 1080)

    def timed(fn, *args) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            fn(*args)
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)

    timed(baseline)  # warm-up both paths
    return {
        "baseline_ms": timed(baseline),
        "ours_ms": timed(ours, 0),
        "ours_blur2_ms": timed(ours, 2),
        "jpeg_kb": len(result.data) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    # A private Xvfb with a system tray (trayer).
    with xvfb(1920, 1080, tray=True) as display:
        content = start_content(display)
        try:
            capture = measure_capture(display)
            headless = measure_agent(display, tray=False, seconds=args.seconds)
            tray = measure_agent(display, tray=True, seconds=args.seconds)
        finally:
            content.terminate()
            content.wait(10)
    print(f"| agent ({args.seconds:.0f} s windows) | CPU idle | CPU with input | peak RSS |")
    print("| --- | ---: | ---: | ---: |")
    for name, m in (("headless", headless), ("tray", tray)):
        print(f"| {name} | {m['idle_cpu']:.2f} % | {m['busy_cpu']:.2f} % | {m['rss']:.0f} MB |")
    print()
    print("| capture + encode, 1920x1080 (median of 20) | time | ratio to baseline |")
    print("| --- | ---: | ---: |")
    b = capture["baseline_ms"]
    print(f"| baseline: bare mss grab + Pillow JPEG q70 | {b:.1f} ms | 1.00 |")
    print(
        f"| agent ScreenCapturer, blur 0 (+ black check, thumbnail) | {capture['ours_ms']:.1f} ms"
        f" | {capture['ours_ms'] / b:.2f} |"
    )
    print(
        f"| agent ScreenCapturer, blur 2 | {capture['ours_blur2_ms']:.1f} ms"
        f" | {capture['ours_blur2_ms'] / b:.2f} |"
    )
    print(f"\nJPEG size: {capture['jpeg_kb']:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
