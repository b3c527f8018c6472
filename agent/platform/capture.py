"""Screen capture of all monitors with mss, encoded on the calling (worker) thread.

A capture that fails (no X connection, Wayland without a supported portal)
or comes back black (macOS without Screen Recording permission) becomes a
`CaptureResult` with `failure` set and a placeholder image that says why.
"""

from __future__ import annotations

import os
import platform
import threading
from typing import Any

from agent.core.shots import CaptureResult
from agent.platform import imaging
from shared.version import __version__


def _session_hint() -> str:
    if os.environ.get("WAYLAND_DISPLAY") and os.environ.get("XDG_SESSION_TYPE") == "wayland":
        return " (Wayland session: screen capture needs an X11 session or XWayland access)"
    if platform.system() == "Darwin":
        return " (macOS: allow Hubnity in System Settings > Privacy & Security > Screen Recording)"
    return ""


class ScreenCapturer:
    """Callable capturer; mss handles are per thread, so one is kept per thread."""

    def __init__(self, jpeg_quality: int = 70, display: str | None = None) -> None:
        self.quality = jpeg_quality
        self.display = display  # X11 only; None: $DISPLAY
        self._local = threading.local()

    def _mss(self) -> Any:
        sct = getattr(self._local, "sct", None)
        if sct is None:
            import mss

            factory = getattr(mss, "MSS", None) or mss.mss  # mss 10 renamed the class
            sct = factory(display=self.display) if self.display else factory()
            self._local.sct = sct
        return sct

    def _meta(self, width: int, height: int, displays: int) -> dict[str, Any]:
        return {
            "os": f"{platform.system()} {platform.release()}",
            "resolution": f"{width}x{height}",
            "displayCount": displays,
            "agentVersion": __version__,
        }

    def _failed(self, reason: str, displays: int = 0) -> CaptureResult:
        reason = reason + _session_hint()
        return CaptureResult(
            data=imaging.placeholder(reason),
            content_type="image/png",
            width=480,
            height=270,
            metadata=self._meta(0, 0, displays),
            failure=reason,
        )

    def __call__(self, blur_level: int) -> CaptureResult:
        try:
            sct = self._mss()
            monitors = sct.monitors
            shot = sct.grab(monitors[0])  # index 0: the union of all monitors
        except Exception as exc:
            self._local.sct = None  # a broken connection is not reused
            return self._failed(f"screen capture is not possible: {exc}")
        img = imaging.from_bgra(shot.size, shot.bgra)
        displays = max(1, len(monitors) - 1)
        reason = imaging.black_reason(img)
        if reason:
            return self._failed(reason, displays)
        img = imaging.blur(img, blur_level)
        return CaptureResult(
            data=imaging.encode_jpeg(img, self.quality),
            content_type="image/jpeg",
            width=img.width,
            height=img.height,
            thumbnail=imaging.thumbnail(img),
            metadata=self._meta(img.width, img.height, displays),
        )
