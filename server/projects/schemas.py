"""Bodies of /api/v1/projects (TaskOut and ActiveProject are what the agent reads: shared)."""

from __future__ import annotations

from shared.schemas import ActiveProject, TaskOut, Wire


class ProjectOut(Wire):
    id: str
    name: str
    description: str | None = None
    archived: bool = False


class ProjectIn(Wire):
    name: str
    description: str | None = None


class ProjectPatch(Wire):
    name: str | None = None
    description: str | None = None
    archived: bool | None = None


class TaskIn(Wire):
    name: str


class TaskPatch(Wire):
    name: str | None = None
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
