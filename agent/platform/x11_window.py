"""The active window on X11 through the window manager (EWMH), with python-xlib.

`_NET_ACTIVE_WINDOW` on the root window names the focused client; its
`_NET_WM_PID` leads to the process, whose executable name (`/proc/<pid>/exe`,
else `/proc/<pid>/comm`) is the application. A client that sets no pid (or
runs on another host) is named by its `WM_CLASS` class. The title is
`_NET_WM_NAME` (UTF-8), else `WM_NAME`. One X connection per probe, reused.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from agent.core.apps import Foreground


def process_name(pid: int, proc: Path = Path("/proc")) -> str | None:
    try:
        return os.path.basename(os.readlink(proc / str(pid) / "exe")).removesuffix(" (deleted)")
    except OSError:
        pass
    try:
        return (proc / str(pid) / "comm").read_text().strip() or None
    except OSError:
        return None


class X11Foreground:
    def __init__(self, display: str | None = None) -> None:
        from Xlib import X
        from Xlib import display as xdisplay

        self._X = X
        self._display: Any = xdisplay.Display(display) if display else xdisplay.Display()
        self._root = self._display.screen().root
        atom = self._display.intern_atom
        self._active = atom("_NET_ACTIVE_WINDOW")
        self._pid = atom("_NET_WM_PID")
        self._name = atom("_NET_WM_NAME")
        self._utf8 = atom("UTF8_STRING")
        self._lock = threading.Lock()  # one X connection: one request at a time

    def _prop(self, window: Any, atom: int, kind: int) -> Any:
        prop = window.get_full_property(atom, kind)
        return None if prop is None else prop.value

    def __call__(self, titles: bool = True) -> Foreground | None:
        with self._lock:
            value = self._prop(self._root, self._active, self._X.AnyPropertyType)
            if value is None or len(value) == 0 or not value[0]:
                return None
            window = self._display.create_resource_object("window", int(value[0]))
            pid = self._prop(window, self._pid, self._X.AnyPropertyType)
            app = process_name(int(pid[0])) if pid is not None and len(pid) else None
            if not app:
                wm_class = window.get_wm_class()
                app = wm_class[1] if wm_class else None
            raw = None
            if titles:  # otherwise the title is not even fetched
                raw = self._prop(window, self._name, self._utf8)
                if raw is None:
                    raw = window.get_wm_name()
        if not app:
            return None
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", "replace")
        return Foreground(app, str(raw) if raw else None)

    def close(self) -> None:
        self._display.close()
