"""Bodies of the screenshot API beyond the upload answer the agent reads (shared.schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.schemas import Wire


class ScreenshotOut(Wire):
    id: str
    user_id: str
    time_entry_id: str | None
    captured_at: datetime
    created_at: datetime
    status: str
    blur_level: int
    content_type: str
    size_bytes: int
    sha256: str | None
    width: int | None
    height: int | None
    metadata: dict[str, Any]
    failure_reason: str | None


class ScreenshotPage(Wire):
    items: list[ScreenshotOut]
    next_cursor: str | None


class PresignOut(Wire):
    """`uploadUrl` is null when the screenshot is already confirmed (a retry)."""

    screenshot_id: str
    upload_url: str | None
    upload_headers: dict[str, str]
    expires_at: datetime | None
    status: str


class ImageUrlOut(Wire):
    url: str
    expires_at: datetime


class PresignRequest(Wire):
    idempotency_key: str
    time_entry_key: str
    content_type: str
    size: int


class ConfirmRequest(Wire):
    screenshot_id: str
    captured_at: datetime
    blur_level: int = 0
    metadata: dict[str, Any] = {}
