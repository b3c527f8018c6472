"""Run a blocking call (network) off the Qt thread and get the result back on it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class Call(QObject):
    done = Signal(object, object)  # (result, exception)

    def __init__(self, fn: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn

    def start(self) -> None:
        threading.Thread(target=self._run, daemon=True, name="hubnity-ui-call").start()

    def _run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # delivered to the UI, which shows it
            self.done.emit(None, exc)
            return
        self.done.emit(result, None)
