"""Bodies of /api/v1/time-entries (camelCase on the wire)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from server.core.ids import WireId, WireIdOrEmpty
from shared.enums import EntryClass, EntryStatus
from shared.limits import MAX_DESCRIPTION_LENGTH
from shared.schemas import Wire
from shared.wire_dates import WireInstant

# What `rules.description` accepts, stated in the OpenAPI document.
Description = Annotated[
    str, msgspec.Meta(extra_json_schema={"extra": {"max_length": MAX_DESCRIPTION_LENGTH}})
]
MAX_TICKET_KEY = 64
TicketKey = Annotated[
    str, msgspec.Meta(extra_json_schema={"extra": {"max_length": MAX_TICKET_KEY}})
]


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

    start_time: WireInstant
    end_time: WireInstant
    project_id: WireId
    task_id: WireIdOrEmpty | None = None  # empty: none
    activity_id: WireIdOrEmpty | None = None
    description: Description | None = None
    billable: bool | None = None
    ticket_key: TicketKey | None = None
    user_id: WireIdOrEmpty | None = None  # empty: the caller


class TimeEntryPatch(Wire):
    """Only the fields sent change; `null` clears a clearable field."""

    start_time: WireInstant | msgspec.UnsetType = msgspec.UNSET
    end_time: WireInstant | msgspec.UnsetType = msgspec.UNSET
    project_id: WireId | msgspec.UnsetType = msgspec.UNSET
    task_id: WireIdOrEmpty | msgspec.UnsetType | None = msgspec.UNSET
    activity_id: WireIdOrEmpty | msgspec.UnsetType | None = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    billable: bool | msgspec.UnsetType | None = msgspec.UNSET
    ticket_key: TicketKey | msgspec.UnsetType | None = msgspec.UNSET
