"""Bodies of /api/v1/agent/config (the answer, TrackingPolicy, is in shared)."""

from __future__ import annotations

from shared.enums import AppTracking, ManualTimeApproval
from shared.schemas import Wire


class PolicyPatch(Wire):
    screenshot_interval_seconds: int | None = None
    blur_level: int | None = None
    idle_timeout_seconds: int | None = None
    screenshots_enabled: bool | None = None
    allow_screenshot_delete: bool | None = None
    screenshot_delete_window_minutes: int | None = None
    retention_days: int | None = None
    timezone: str | None = None
    weekly_limit_seconds: int | None = None  # 0 removes the limit
    notify_on_screenshot: bool | None = None
    app_tracking: AppTracking | None = None
    redaction_patterns: list[str] | None = None  # [] removes them all
    manual_time_approval: ManualTimeApproval | None = None
