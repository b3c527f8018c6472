"""Keyboard and mouse listeners (pynput) that only count.

The callbacks receive pynput's key/position arguments and drop the key on the
spot: `counter.key()` takes no argument, so a key's identity never leaves this
module. Pointer positions go to `counter.move(x, y)`, which keeps them for the
minute only to count how many distinct ones there were (agent/core/signals.py).
"""

from __future__ import annotations

from typing import Any

from agent.core.activity import InputCounter


class InputListeners:
    def __init__(self, counter: InputCounter) -> None:
        self.counter = counter
        self._listeners: list[Any] = []
        self.error: str | None = None

    def start(self) -> bool:
        try:
            from pynput import keyboard, mouse
        except Exception as exc:  # ImportError, or no display reachable
            self.error = f"input counting unavailable: {exc}"
            return False
        counter = self.counter

        def on_press(_key: Any) -> None:
            counter.key()

        def on_move(x: int, y: int) -> None:
            counter.move(x, y)

        def on_click(_x: int, _y: int, _button: Any, pressed: bool) -> None:
            if pressed:
                counter.click()

        def on_scroll(_x: int, _y: int, _dx: int, _dy: int) -> None:
            counter.scroll()

        kb = keyboard.Listener(on_press=on_press)
        ms = mouse.Listener(on_move=on_move, on_click=on_click, on_scroll=on_scroll)
        for listener in (kb, ms):
            listener.daemon = True
            listener.start()
        for listener in (kb, ms):
            listener.wait()
        self._listeners = [kb, ms]
        return True

    def stop(self) -> None:
        for listener in self._listeners:
            listener.stop()
        for listener in self._listeners:
            # Bounded: pynput's X record thread may linger; it is a daemon.
            listener.join(0.5)
        self._listeners = []
