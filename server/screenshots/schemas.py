"""Bodies of the screenshot API beyond the upload answer the agent reads (shared.schemas)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from server.core.ids import UUID_OR_EMPTY, UUID_PATTERN, WireId
from shared.limits import ALLOWED_SCREENSHOT_TYPES, MAX_BLUR_LEVEL
from shared.schemas import Wire
from shared.wire_dates import INSTANT_PATTERN


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
    """`size` is at most SCREENSHOT_MAX_BYTES: the document states the configured
    value (routes.state_upload_limit)."""

    idempotency_key: WireId
    time_entry_key: WireId
    content_type: Annotated[
        str, msgspec.Meta(extra_json_schema={"extra": {"enum": list(ALLOWED_SCREENSHOT_TYPES)}})
    ]
    size: Annotated[int, msgspec.Meta(extra_json_schema={"extra": {"minimum": 1}})]


class ConfirmRequest(Wire):
    screenshot_id: WireId
    captured_at: datetime
    # Stated here, checked by upload_checks.blur_level (which says why).
    blur_level: Annotated[
        int, msgspec.Meta(extra_json_schema={"extra": {"minimum": 0, "maximum": MAX_BLUR_LEVEL}})
    ] = 0
    metadata: dict[str, Any] = {}


# `POST /api/v1/sync/screenshots` reads its multipart form itself (streamed):
# the fields it takes, for the OpenAPI document (server/http/openapi.py).
UPLOAD_FORM: dict[str, Any] = {
    "required": ["file", "idempotencyKey", "capturedAt"],
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "one JPEG, PNG or WebP image, at most SCREENSHOT_MAX_BYTES",
        },
        "idempotencyKey": {"type": "string", "format": "uuid", "pattern": UUID_PATTERN},
        "timeEntryKey": {
            "type": "string",
            "pattern": UUID_OR_EMPTY,
            "description": "the entry's idempotency key (this or timeEntryId)",
        },
        "timeEntryId": {"type": "string", "pattern": UUID_OR_EMPTY},
        "capturedAt": {"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN},
        "blurLevel": {"type": "integer", "minimum": 0, "maximum": MAX_BLUR_LEVEL},
        "metadata": {"type": "string", "description": "a JSON object, at most 16 KiB"},
    },
}
