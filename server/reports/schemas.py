"""Report bodies on the wire (camelCase via `Wire`)."""

from __future__ import annotations

from shared.enums import JobStatus
from shared.schemas import Wire


class TaskTotal(Wire):
    task_id: str | None
    name: str
    seconds: int
    active_seconds: int


class ProjectTotal(Wire):
    project_id: str | None
    name: str
    seconds: int
    active_seconds: int
    tasks: list[TaskTotal]


class DayReport(Wire):
    date: str
    tracked_seconds: int
    active_seconds: int
    activity_percent: float
    projects: list[ProjectTotal]


class DailyReport(Wire):
    user_id: str
    name: str
    timezone: str
    from_date: str
    to_date: str
    tracked_seconds: int
    active_seconds: int
    activity_percent: float
    days: list[DayReport]


class UserTotal(Wire):
    user_id: str
    name: str
    email: str
    timezone: str
    tracked_seconds: int
    active_seconds: int
    activity_percent: float


class TeamReport(Wire):
    from_date: str
    to_date: str
    team_id: str | None
    items: list[UserTotal]
    next_cursor: str | None


class EntryRow(Wire):
    id: str
    user_id: str
    user_name: str
    project_id: str | None
    project_name: str | None
    task_id: str | None
    task_name: str | None
    description: str | None
    status: str
    start_time: str
    end_time: str | None
    duration_seconds: int
    active_seconds: int
    activity_percent: float


class EntryPage(Wire):
    items: list[EntryRow]
    next_cursor: str | None


class ActivitySlot(Wire):
    start: str
    end: str
    tracked_seconds: int
    active_seconds: int
    activity_percent: float
    keyboard_clicks: int
    mouse_movements: int


class ActivityDay(Wire):
    user_id: str
    date: str
    timezone: str
    slot_minutes: int
    slots: list[ActivitySlot]


class ExportAccepted(Wire):
    job_id: str


class ExportStatus(Wire):
    id: str
    status: JobStatus
    format: str
    row_count: int
    download_url: str | None
    error: str | None
    created_at: str
    finished_at: str | None
