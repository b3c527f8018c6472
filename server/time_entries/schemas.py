"""Bodies of /api/v1/time-entries (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.enums import EntryClass, EntryStatus
from shared.schemas import Wire


class TimeEntryOut(Wire):
    id: str
    user_id: str
    project_id: str | None
    task_id: str | None
    activity_id: str | None
    customer_id: str | None
    start_time: datetime
    end_time: datetime | None
    duration_seconds: int
    description: str | None
    billable: bool  # effective: the entry's own flag, else its project's and activity's
    ticket_key: str | None
    source: str
    status: EntryStatus
    entry_class: EntryClass
    locked: bool
    created_at: datetime
    updated_at: datetime


class TimeEntryPage(Wire):
    items: list[TimeEntryOut]
    next_cursor: str | None


class TimeEntryIn(Wire):
    """Manual time. Times are RFC 3339 with an offset; `userId` (someone the
    caller manages) defaults to the caller; `billable: null` inherits."""

    start_time: str
    end_time: str
    project_id: str
    task_id: str | None = None
    activity_id: str | None = None
    description: str | None = None
    billable: bool | None = None
    ticket_key: str | None = None
    user_id: str | None = None


class TimeEntryPatch(Wire):
    """Only the fields sent change; `null` clears a clearable field."""

    start_time: str | msgspec.UnsetType = msgspec.UNSET
    end_time: str | msgspec.UnsetType = msgspec.UNSET
    project_id: str | msgspec.UnsetType = msgspec.UNSET
    task_id: str | msgspec.UnsetType | None = msgspec.UNSET
    activity_id: str | msgspec.UnsetType | None = msgspec.UNSET
    description: str | msgspec.UnsetType | None = msgspec.UNSET
    billable: bool | msgspec.UnsetType | None = msgspec.UNSET
    ticket_key: str | msgspec.UnsetType | None = msgspec.UNSET
