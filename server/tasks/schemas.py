"""Bodies of /api/v1/tasks and /api/v1/projects/{id}/tasks (the agent's short
`TaskOut` is in shared)."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

from server.core.values import Name
from shared.enums import TaskPriority, TaskStatus
from shared.schemas import Wire


class TaskIn(Wire):
    name: Name
    description: str | None = None
    status: TaskStatus = TaskStatus.TODO
    priority: TaskPriority = TaskPriority.MEDIUM
    due_date: date | None = None
    estimate_seconds: int | None = None
    tags: list[str] = []
    assignee_id: str | None = None
    ticket_key: str | None = None
    hourly_rate: str | None = None  # decimal string; overrides the project's rate


class TaskPatch(Wire):
    """Only the fields sent change; `null` clears a clearable field."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType | None = msgspec.UNSET
    status: TaskStatus | msgspec.UnsetType = msgspec.UNSET
    priority: TaskPriority | msgspec.UnsetType = msgspec.UNSET
    due_date: date | msgspec.UnsetType | None = msgspec.UNSET
    estimate_seconds: int | msgspec.UnsetType | None = msgspec.UNSET
    tags: list[str] | msgspec.UnsetType = msgspec.UNSET
    assignee_id: str | msgspec.UnsetType | None = msgspec.UNSET
    ticket_key: str | msgspec.UnsetType | None = msgspec.UNSET
    hourly_rate: str | msgspec.UnsetType | None = msgspec.UNSET  # null clears it


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
