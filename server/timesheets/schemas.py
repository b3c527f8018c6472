"""Bodies of /api/v1/timesheets."""

from __future__ import annotations

from typing import Annotated

import msgspec

from server.core.values import NOT_BLANK
from shared.enums import TimesheetStatus
from shared.schemas import Wire
from shared.wire_dates import WireDate

MAX_REASON = 500
# Shown to the person: at least one character `str.strip()` keeps, at most
# MAX_REASON in all (checked in service._reason, which says why).
Reason = Annotated[
    str,
    msgspec.Meta(extra_json_schema={"extra": {"pattern": NOT_BLANK, "max_length": MAX_REASON}}),
]


class TimesheetIn(Wire):
    week_start: WireDate  # the Monday, e.g. "2026-01-12" (a week of the caller's time zone)


class ReasonIn(Wire):
    reason: Reason


class TimesheetOut(Wire):
    id: str
    user_id: str
    user_name: str
    week_start: str
    status: TimesheetStatus
    tracked_seconds: int  # the week's time as of the last submission or approval
    manual_seconds: int  # of which typed in by a person (source manual)
    timezone: str  # the zone the week's bounds were computed in
    starts_at: str  # the week's bounds, RFC 3339 UTC
    ends_at: str
    submitted_at: str
    decided_at: str | None
    decided_by: str | None
    reason: str | None  # why it was rejected or reopened


class TimesheetPage(Wire):
    items: list[TimesheetOut]
    next_cursor: str | None
