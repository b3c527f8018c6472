"""Bodies of /api/v1/projects (TaskOut and ActiveProject are what the agent reads: shared)."""

from __future__ import annotations

import msgspec

from server.core.values import Name, Seconds
from server.tasks.schemas import TaskIn as TaskIn  # re-exported: created under a project
from shared.schemas import ActiveProject, TaskOut, Wire
from shared.wire_formats import Color, Rate, UuidText


class ProjectOut(Wire):
    id: str
    name: str
    description: str | None = None
    archived: bool = False
    customer_id: str | None = None
    billable: bool = True
    hourly_rate: str | None = None  # overrides the customer's rate
    budget_seconds: int | None = None
    color: str | None = None


class ProjectIn(Wire):
    name: Name
    description: str | None = None
    customer_id: UuidText | None = None
    billable: bool = True
    hourly_rate: Rate | None = None
    budget_seconds: Seconds | None = None
    color: Color | None = None


class ProjectPatch(Wire):
    """Only the fields sent change; `null` clears a clearable field."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType | None = msgspec.UNSET
    archived: bool | msgspec.UnsetType = msgspec.UNSET
    customer_id: UuidText | msgspec.UnsetType | None = msgspec.UNSET
    billable: bool | msgspec.UnsetType = msgspec.UNSET
    hourly_rate: Rate | msgspec.UnsetType | None = msgspec.UNSET
    budget_seconds: Seconds | msgspec.UnsetType | None = msgspec.UNSET
    color: Color | msgspec.UnsetType | None = msgspec.UNSET


class TaskPatch(Wire):
    """`PATCH /projects/{id}/tasks/{taskId}`: rename, archive or unarchive; the
    full task edit is `PATCH /tasks/{id}`."""

    name: Name | None = None
    archived: bool | None = None


class ProjectPage(Wire):
    items: list[ProjectOut]
    next_cursor: str | None


class TaskPage(Wire):
    items: list[TaskOut]
    next_cursor: str | None


class ActivePage(Wire):
    items: list[ActiveProject]
    next_cursor: str | None = None
