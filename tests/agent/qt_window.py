"""A real X client window for the foreground tests: `python -m tests.agent.qt_window TITLE`
shows a Qt (xcb) window titled TITLE, prints a line once it is shown, and quits
when its stdin closes. Qt sets `_NET_WM_PID`, as most toolkits do."""

from __future__ import annotations

import os
import sys
import threading


def main() -> None:
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(sys.argv[:1])
    w = QWidget()
    w.setWindowTitle(sys.argv[1])
    w.resize(300, 200)
    w.show()
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    timer = QTimer()
    timer.timeout.connect(lambda: app.quit() if done.is_set() else None)
    timer.start(50)
    QTimer.singleShot(100, lambda: print("shown", flush=True))
    app.exec()


if __name__ == "__main__":
    main()
