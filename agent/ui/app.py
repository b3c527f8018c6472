"""Starts the tray application: one agent, input listeners, capture, tray."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path


def _no_display() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_tray(data: Path, args: argparse.Namespace) -> int:
    if _no_display():  # Qt would abort with a core dump; say what to do instead
        print(
            "hubnity-agent: no display found; use `hubnity-agent --headless` on servers",
            file=sys.stderr,
        )
        return 2
    from PySide6.QtWidgets import QApplication, QMessageBox, QSystemTrayIcon

    from agent.core.agent import Agent
    from agent.platform.capture import ScreenCapturer
    from agent.platform.foreground import make_probe
    from agent.platform.input import InputListeners
    from agent.platform.single_instance import AlreadyRunning, InstanceLock
    from agent.ui import theme
    from agent.ui.icons import app_icon
    from agent.ui.tray import TrayController

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("Hubnity")
    app.setQuitOnLastWindowClosed(False)  # a tray app lives on without windows
    app.setWindowIcon(app_icon())
    theme.apply(app)
    lock = InstanceLock(data)
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        QMessageBox.information(None, "Hubnity", f"Hubnity is already running.\n{exc}")
        return 3
    agent = Agent(
        data, capturer=None if args.no_capture else ScreenCapturer(), server_url=args.server_url
    )
    agent.recorder.apps.probe = make_probe()  # None where the platform cannot tell
    listeners = InputListeners(agent.counter)
    if not args.no_input and not listeners.start():
        agent.notices.append(listeners.error or "input counting unavailable")
    agent.start()

    def shutdown() -> None:
        agent.shutdown()  # first: the entry ends at the moment the user quit
        listeners.stop()
        lock.release()

    tray = TrayController(agent, app, shutdown)
    no_tray = not QSystemTrayIcon.isSystemTrayAvailable()
    if no_tray:
        agent.notices.append("No system tray found; use the window or `hubnity-agent status`.")
    if not agent.api.signed_in:
        # The window manager decides about focus for a window nobody asked for.
        tray.show_sign_in(activate=False)
    elif no_tray or args.show_window:
        tray.show_timer()  # without a tray the window is the only way in
    if args.track or args.project:
        agent.start_tracking(args.project, args.task)
    # Ctrl+C in a terminal quits cleanly (Qt would otherwise swallow SIGINT).
    signal.signal(signal.SIGINT, lambda *_: tray.quit())
    signal.signal(signal.SIGTERM, lambda *_: tray.quit())
    return app.exec()
