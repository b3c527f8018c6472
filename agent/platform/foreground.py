"""The foreground application and its window title, one interface per OS.

`make_probe()` answers a callable that returns the `Foreground` now (or None:
no window has the focus, or the platform cannot tell). Implementations:

- Linux/X11 (`agent.platform.x11_window`): the window manager's
  `_NET_ACTIVE_WINDOW` (EWMH), its `_NET_WM_PID` -> the process's executable,
  falling back on `WM_CLASS`; the title from `_NET_WM_NAME` or `WM_NAME`.
- Windows: `GetForegroundWindow`, `GetWindowThreadProcessId` ->
  `QueryFullProcessImageNameW`, `GetWindowTextW` (ctypes, no extra package).
- macOS: `NSWorkspace.frontmostApplication` (executable name), the title of its
  front window from `CGWindowListCopyWindowInfo` (pyobjc; titles need the
  Screen Recording permission, without it only the application is known).

Each class takes the OS calls as a small object (`api`), so that what it does
with their answers is unit-tested on any OS; only the thin adapters that make
the real calls are platform code.
"""

from __future__ import annotations

import ntpath
import os
import sys
from typing import Protocol

from agent.core.apps import Foreground, Probe

ForegroundProbe = Probe


def executable_name(path: str) -> str:
    name = ntpath.basename(path.replace("\\", "/").rstrip("/")) if path else ""
    name = name.rsplit("/", 1)[-1]
    return name[:-4] if name.lower().endswith(".exe") else name


# --- Windows ---------------------------------------------------------------------------


class WindowsApi(Protocol):
    def foreground_window(self) -> int: ...
    def window_pid(self, hwnd: int) -> int: ...
    def process_image(self, pid: int) -> str | None: ...
    def window_text(self, hwnd: int) -> str: ...


class WindowsForeground:
    def __init__(self, api: WindowsApi | None = None) -> None:
        self.api = api or _Win32()

    def __call__(self, titles: bool = True) -> Foreground | None:
        hwnd = self.api.foreground_window()
        if not hwnd:
            return None  # the desktop has the focus, or a secure desktop (UAC, lock)
        pid = self.api.window_pid(hwnd)
        image = self.api.process_image(pid) if pid else None
        title = (self.api.window_text(hwnd) or None) if titles else None
        if not image:
            return None if title is None else Foreground("unknown", title)
        return Foreground(executable_name(image), title)


class _Win32:  # pragma: no cover - runs on Windows only
    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        self._c = ctypes
        self._w = wintypes
        self.user32 = ctypes.windll.user32  # type: ignore[attr-defined]
        self.kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]

    def foreground_window(self) -> int:
        return int(self.user32.GetForegroundWindow() or 0)

    def window_pid(self, hwnd: int) -> int:
        pid = self._w.DWORD()
        self.user32.GetWindowThreadProcessId(hwnd, self._c.byref(pid))
        return int(pid.value)

    def process_image(self, pid: int) -> str | None:
        handle = self.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED_INFORMATION
        if not handle:
            return None
        try:
            size = self._w.DWORD(1024)
            buf = self._c.create_unicode_buffer(size.value)
            if not self.kernel32.QueryFullProcessImageNameW(handle, 0, buf, self._c.byref(size)):
                return None
            return str(buf.value)
        finally:
            self.kernel32.CloseHandle(handle)

    def window_text(self, hwnd: int) -> str:
        length = self.user32.GetWindowTextLengthW(hwnd)
        buf = self._c.create_unicode_buffer(length + 1)
        self.user32.GetWindowTextW(hwnd, buf, length + 1)
        return str(buf.value)


# --- macOS -----------------------------------------------------------------------------


class MacApi(Protocol):
    def frontmost(self) -> tuple[str, int] | None:
        """(executable path or localized name, pid) of the frontmost application."""

    def window_titles(self) -> list[tuple[int, str | None]]:
        """(owner pid, title) of the on-screen windows, front to back (layer 0)."""


class MacForeground:
    def __init__(self, api: MacApi | None = None) -> None:
        self.api = api or _Cocoa()

    def __call__(self, titles: bool = True) -> Foreground | None:
        front = self.api.frontmost()
        if front is None:
            return None
        name, pid = front
        title = None
        for owner, window_title in self.api.window_titles() if titles else []:
            if owner == pid:
                title = window_title or None  # None: no Screen Recording permission
                break
        return Foreground(executable_name(name), title)


class _Cocoa:  # pragma: no cover - runs on macOS only
    def frontmost(self) -> tuple[str, int] | None:
        from AppKit import NSWorkspace

        app = NSWorkspace.sharedWorkspace().frontmostApplication()
        if app is None:
            return None
        url = app.executableURL()
        name = url.path() if url is not None else app.localizedName()
        return str(name), int(app.processIdentifier())

    def window_titles(self) -> list[tuple[int, str | None]]:
        import Quartz

        windows = Quartz.CGWindowListCopyWindowInfo(
            Quartz.kCGWindowListOptionOnScreenOnly | Quartz.kCGWindowListExcludeDesktopElements,
            Quartz.kCGNullWindowID,
        )
        out = []
        for w in windows or []:
            if w.get("kCGWindowLayer", 0) != 0:
                continue
            out.append((int(w.get("kCGWindowOwnerPID", 0)), w.get("kCGWindowName")))
        return out


# --- choosing ---------------------------------------------------------------------------


def _x11(display: str | None) -> Probe:
    from agent.platform.x11_window import X11Foreground

    return X11Foreground(display)


def make_probe(display: str | None = None) -> ForegroundProbe | None:
    """The probe for this OS and session, or None when none can work here."""
    try:
        if sys.platform == "win32":
            return WindowsForeground()
        if sys.platform == "darwin":
            return MacForeground()
        if display or os.environ.get("DISPLAY"):
            return _x11(display)
    except Exception:
        return None
    return None


def safe(probe: ForegroundProbe) -> Probe:
    """`probe`, answering None instead of raising (a window that closed mid-query)."""

    def call(titles: bool = True) -> Foreground | None:
        try:
            return probe(titles)
        except Exception:
            return None

    return call


__all__ = [
    "Foreground",
    "ForegroundProbe",
    "MacForeground",
    "WindowsForeground",
    "executable_name",
    "make_probe",
    "safe",
]
