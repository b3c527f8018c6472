"""What a screen capture hands to the core (the capture itself is platform code)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class CaptureResult:
    data: bytes
    content_type: str
    width: int
    height: int
    thumbnail: bytes | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # Why no real image was taken (black frame, no permission, no display):
    # `data` is then a small placeholder that says so, never a black picture.
    failure: str | None = None


Capturer = Callable[[int], CaptureResult]  # blur level -> result
