"""Analytics bodies on the wire (camelCase via `Wire`); docs/api.md, "Analytics"."""

from __future__ import annotations

from shared.schemas import Wire


class Amount(Wire):
    currency: str
    amount: str  # decimal string rounded to cents, e.g. "1234.50"


class Group(Wire):
    """One slice of tracked time (a project, customer, activity or person).

    `id` is null for time without one ("No project", ...). `amounts` has one
    item per currency the slice's billable time is billed in (usually one).
    """

    id: str | None
    name: str
    seconds: int
    billable_seconds: int
    amounts: list[Amount]
    color: str | None = None


class DayTotal(Wire):
    date: str
    seconds: int
    billable_seconds: int


class WeekOverWeek(Wire):
    this_week_start: str
    last_week_start: str
    this_week_seconds: int
    last_week_seconds: int


class Dashboard(Wire):
    from_date: str
    to_date: str
    team_id: str | None
    user_id: str | None
    tracked_seconds: int
    billable_seconds: int
    amounts: list[Amount]
    active_seconds: int
    activity_percent: float
    manual_seconds: int
    pending_manual_seconds: int
    tasks_completed: int
    tasks_completed_on_time: int
    tasks_completed_late: int
    estimate_accuracy_percent: float | None
    hour_histogram: list[int]
    by_day: list[DayTotal]
    by_project: list[Group]
    by_customer: list[Group]
    by_activity: list[Group]
    by_user: list[Group]
    week_over_week: WeekOverWeek


class TaskProgress(Wire):
    id: str | None
    name: str
    status: str | None
    assignee_id: str | None
    due_date: str | None
    done_at: str | None
    estimate_seconds: int | None
    tracked_seconds: int
    billable_seconds: int
    remaining_seconds: int | None
    estimate_used_percent: float | None
    amount: Amount | None


class ProjectAnalytics(Wire):
    id: str
    name: str
    color: str | None
    customer_id: str | None
    customer_name: str | None
    billable: bool
    currency: str
    budget_seconds: int | None
    tracked_seconds: int
    billable_seconds: int
    remaining_seconds: int | None
    budget_used_percent: float | None
    amounts: list[Amount]
    tasks: list[TaskProgress]
