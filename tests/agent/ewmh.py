"""A minimal EWMH window manager for tests on Xvfb (no real one is installed):
it maps and configures the windows clients ask for, and honours
`_NET_ACTIVE_WINDOW` requests (what `xdotool windowactivate` sends, and what a
real window manager does when the user clicks a window) by focusing the window
and publishing it in the root's `_NET_ACTIVE_WINDOW`."""

from __future__ import annotations

import threading
from typing import Any

from Xlib import X, Xatom
from Xlib import display as xdisplay


class MiniWM:
    def __init__(self, display: str) -> None:
        self.d: Any = xdisplay.Display(display)
        self.root = self.d.screen().root
        self.active_atom = self.d.intern_atom("_NET_ACTIVE_WINDOW")
        self._stop = threading.Event()
        self.root.change_attributes(
            event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask
        )
        check = self.root.create_window(0, 0, 1, 1, 0, X.CopyFromParent)
        check_atom = self.d.intern_atom("_NET_SUPPORTING_WM_CHECK")
        for w in (self.root, check):
            w.change_property(check_atom, Xatom.WINDOW, 32, [check.id])
        check.change_property(
            self.d.intern_atom("_NET_WM_NAME"), self.d.intern_atom("UTF8_STRING"), 8, b"mini-wm"
        )
        self.root.change_property(
            self.d.intern_atom("_NET_SUPPORTED"), Xatom.ATOM, 32, [self.active_atom]
        )
        self.root.change_property(self.active_atom, Xatom.WINDOW, 32, [0])
        self.d.sync()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def activate(self, window_id: int) -> None:
        self.d.set_input_focus(window_id, X.RevertToParent, X.CurrentTime)
        self.root.change_property(self.active_atom, Xatom.WINDOW, 32, [window_id])
        self.d.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.d.pending_events():
                self._stop.wait(0.01)
                continue
            e = self.d.next_event()
            if e.type == X.MapRequest:
                e.window.map()
                self.activate(e.window.id)
            elif e.type == X.ConfigureRequest:
                e.window.configure(x=e.x, y=e.y, width=e.width, height=e.height)
                self.d.flush()
            elif e.type == X.ClientMessage and e.client_type == self.active_atom:
                self.activate(e.window.id)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.d.close()
