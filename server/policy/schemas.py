"""Bodies of /api/v1/agent/config (the answer, TrackingPolicy, is in shared).

Every range here is the one the service applies (server/policy/service.py
BOUNDS): msgspec refuses a value outside it on decode and the OpenAPI document
states it."""

from __future__ import annotations

from typing import Annotated

import msgspec

from server.core.codes import TimezoneOrNull
from shared.enums import AppTracking, ManualTimeApproval
from shared.limits import MAX_BLUR_LEVEL, MAX_REDACTION_PATTERN_LENGTH, MAX_REDACTION_PATTERNS
from shared.schemas import Wire
from shared.wire_formats import SPACE, int_range, noted, text_items

BOUNDS: dict[str, tuple[int, int]] = {
    "screenshot_interval_seconds": (60, 24 * 3600),
    "blur_level": (0, MAX_BLUR_LEVEL),
    "idle_timeout_seconds": (60, 24 * 3600),
    "screenshot_delete_window_minutes": (0, 7 * 24 * 60),
    "retention_days": (1, 3650),
    "weekly_limit_seconds": (0, 7 * 24 * 3600),
}


# Python regular expressions (`re` syntax), each with a character other than
# white space. Not `format: regex`: that format is ECMA 262, whose syntax is not
# Python's (each takes patterns the other refuses); one that does not compile
# is a 400 that names it.
_NOT_BLANK = noted(f"[^{SPACE}]", "not empty: a character other than white space")
RedactionPatterns = Annotated[
    list[Annotated[str, msgspec.Meta(pattern=_NOT_BLANK, max_length=MAX_REDACTION_PATTERN_LENGTH)]],
    text_items(_NOT_BLANK, MAX_REDACTION_PATTERNS, MAX_REDACTION_PATTERN_LENGTH),
]


def _in(field: str) -> msgspec.Meta:
    return int_range(*BOUNDS[field])


class PolicyPatch(Wire):
    screenshot_interval_seconds: Annotated[int, _in("screenshot_interval_seconds")] | None = None
    blur_level: Annotated[int, _in("blur_level")] | None = None
    idle_timeout_seconds: Annotated[int, _in("idle_timeout_seconds")] | None = None
    screenshots_enabled: bool | None = None
    allow_screenshot_delete: bool | None = None
    screenshot_delete_window_minutes: (
        Annotated[int, _in("screenshot_delete_window_minutes")] | None
    ) = None
    retention_days: Annotated[int, _in("retention_days")] | None = None
    timezone: TimezoneOrNull | None = None
    weekly_limit_seconds: Annotated[int, _in("weekly_limit_seconds")] | None = (
        None  # 0 removes the limit
    )
    notify_on_screenshot: bool | None = None
    app_tracking: AppTracking | None = None
    redaction_patterns: RedactionPatterns | None = None  # [] removes them all
    manual_time_approval: ManualTimeApproval | None = None
