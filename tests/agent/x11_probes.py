"""Helpers run as separate processes on the test's Xvfb display
(`python -m tests.agent.x11_probes tray|pattern`): Qt binds to one platform per
process, and the other Qt tests in the suite use `offscreen`."""

from __future__ import annotations

import os
import random
import sys
import tempfile
from pathlib import Path

# The pattern drawn for the capture test: quadrant colours of a 400x300 window at (0, 0).
PATTERN = {
    (100, 75): (255, 0, 0),
    (300, 75): (0, 255, 0),
    (100, 225): (0, 0, 255),
    (300, 225): (255, 255, 255),
}


def tray() -> int:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from agent.core.agent import Agent
    from agent.ui.tray import TrayController

    app = QApplication([])
    app.setApplicationName("Hubnity")  # as agent.ui.app does; names the icon window
    data = Path(tempfile.mkdtemp(prefix="hubnity-tray-"))
    agent = Agent(data, rng=random.Random(1))
    ctl = TrayController(agent, app, lambda: None)
    report: dict[str, object] = {}

    def check() -> None:
        g = ctl.tray.geometry()
        report.update(
            available=QSystemTrayIcon.isSystemTrayAvailable(),
            visible=ctl.tray.isVisible(),
            w=g.width(),
            h=g.height(),
        )
        if g.width() > 0 or report.get("tries", 0) > 40:  # type: ignore[operator]
            print(report, flush=True)
            timer.stop()
            QTimer.singleShot(3000, app.quit)  # stay a moment: the test inspects the tray
        report["tries"] = int(report.get("tries", 0)) + 1  # type: ignore[call-overload]

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(100)
    app.exec()
    agent.shutdown()
    return 0


def pattern() -> int:
    """Show the pattern until killed."""
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QPainter
    from PySide6.QtWidgets import QApplication, QWidget

    class Pattern(QWidget):
        def paintEvent(self, _event: object) -> None:
            p = QPainter(self)
            for (x, y), rgb in PATTERN.items():
                p.fillRect(x - 100, y - 75, 200, 150, QColor(*rgb))
            p.end()

    app = QApplication([])
    w = Pattern()
    w.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
    w.setGeometry(0, 0, 400, 300)
    w.show()
    print("shown", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit({"tray": tray, "pattern": pattern}[sys.argv[1]]())
