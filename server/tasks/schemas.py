"""Bodies of /api/v1/tasks and /api/v1/projects/{id}/tasks (the agent's short
`TaskOut` is in shared)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from server.core.values import Name, Seconds, Tags
from shared.enums import TaskPriority, TaskStatus
from shared.schemas import Wire
from shared.wire_formats import CENTURY_DATE, Rate, UuidText, noted, stripped

MAX_DESCRIPTION = 10_000
Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION)]
# 2000-01-01 to 2100-12-31 (checked by the service, with the reason).
DueDate = Annotated[date, msgspec.Meta(extra_json_schema={"extra": {"pattern": CENTURY_DATE}})]
TicketKey = Annotated[
    str,
    msgspec.Meta(
        pattern=noted(stripped(0, 64), "at most 64 characters once trimmed"),
        description="at most 64 characters once trimmed",
    ),
]


class TaskIn(Wire):
    name: Name
    description: Description | None = None
    status: TaskStatus = TaskStatus.TODO
    priority: TaskPriority = TaskPriority.MEDIUM
    due_date: DueDate | None = None
    estimate_seconds: Seconds | None = None
    tags: Tags = []
    assignee_id: UuidText | None = None
    ticket_key: TicketKey | None = None
    hourly_rate: Rate | None = None  # decimal string; overrides the project's rate


class TaskPatch(Wire):
    """Only the fields sent change; `null` clears a clearable field."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    status: TaskStatus | msgspec.UnsetType = msgspec.UNSET
    priority: TaskPriority | msgspec.UnsetType = msgspec.UNSET
    due_date: DueDate | msgspec.UnsetType | None = msgspec.UNSET
    estimate_seconds: Seconds | msgspec.UnsetType | None = msgspec.UNSET
    tags: Tags | msgspec.UnsetType = msgspec.UNSET
    assignee_id: UuidText | msgspec.UnsetType | None = msgspec.UNSET
    ticket_key: TicketKey | msgspec.UnsetType | None = msgspec.UNSET
    hourly_rate: Rate | msgspec.UnsetType | None = msgspec.UNSET  # null clears it


class TaskStatusIn(Wire):
    status: TaskStatus


class TaskDetail(Wire):
    id: str
    project_id: str
    name: str
    description: str | None
    status: TaskStatus
    priority: TaskPriority
    due_date: date | None
    estimate_seconds: int | None
    tags: list[str]
    assignee_id: str | None
    ticket_key: str | None
    hourly_rate: str | None
    done_at: datetime | None
    archived: bool
    created_at: datetime


class TaskDetailPage(Wire):
    items: list[TaskDetail]
    next_cursor: str | None
