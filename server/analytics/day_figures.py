"""The dashboard's figures read from the per-day rollup (`TrackedDay`,
`TrackedDayHours`): the requested range is whole local days of each person,
so every figure of closed entries is a sum of day rows. Running entries and
pending manual time are not in the rollup; `service` adds them from the
entries (`open_pieces`, `pending_seconds`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, select, union_all

from server.analytics.facts import billable_flag, overlap, pieces_cte
from server.analytics.scope import Scope
from server.analytics.wall import DAY, Window
from server.db.models import Activity, Project, TimeEntry, TrackedDay, TrackedDayHours
from server.db.models.day_rollup import HOURS
from server.timesheets.pending import pending_clause


def _days(window: Window) -> tuple[int, int]:
    """The window as inclusive day numbers."""
    return window.lo // DAY, window.hi // DAY - 1


def _between(column: Any, window: Window) -> ColumnElement[bool]:
    first, last = _days(window)
    return column.between(first, last)


def figures(scope: Scope, row: Any, priced_row: Any) -> Any:
    """'c', 'u', 'd' and 'w' rows (as `service._figures` makes them) from the
    day rows in the window, plus a 'w' row of the week-over-week sums."""
    t = TrackedDay
    rows = (
        select(
            t.user_id,
            t.project_id,
            t.task_id,
            t.activity_id,
            t.day,
            t.seconds,
            t.manual_seconds,
            (t.seconds * billable_flag(t.billable)).label("billable"),
        )
        .select_from(t)
        .outerjoin(Project, Project.id == t.project_id)
        .outerjoin(Activity, Activity.id == t.activity_id)
        .where(
            t.organization_id == scope.org_id, scope.whose(t.user_id), _between(t.day, scope.window)
        )
        .cte("day_rows")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    r = rows.c
    sums = {"seconds": func.sum(r.seconds), "billable": func.sum(r.billable)}
    by_catalog = priced_row("c", r, ["project_id", "activity_id"], sums)
    by_person = priced_row("u", r, ["user_id"], sums)
    by_day = row("d", {"bucket": r.day, **sums}).group_by(r.day)
    manual = row("w", {"manual": func.sum(r.manual_seconds)})
    this, last = scope.this_week, scope.last_week

    def week(window: Window) -> Any:
        return func.sum(case((_between(t.day, window), t.seconds), else_=0))

    weeks = row("w", {"this_week": week(this), "last_week": week(last)}).where(
        t.organization_id == scope.org_id,
        scope.whose(t.user_id),
        t.day.between(_days(last)[0], _days(this)[1]),
    )
    return union_all(by_catalog, by_person, by_day, manual, weeks)


def hours_and_active(scope: Scope) -> Select[Any]:
    """Seconds per local hour of day and active seconds, summed over the window."""
    h = TrackedDayHours
    return select(
        *(func.sum(h.__table__.c[name]) for name in HOURS), func.sum(h.active_seconds)
    ).where(
        h.organization_id == scope.org_id, scope.whose(h.user_id), _between(h.day, scope.window)
    )


def running(scope: Scope) -> Select[Any]:
    """Whether anyone in scope has a running entry that may reach the window."""
    return (
        select(TimeEntry.id)
        .where(
            TimeEntry.organization_id == scope.org_id,
            scope.whose(TimeEntry.user_id),
            TimeEntry.end_time.is_(None),
            TimeEntry.start_time < scope.utc_hi,
        )
        .limit(1)
    )


def open_pieces(scope: Scope, now: Any) -> Any:
    """The running entries of the people in scope, cut like every entry."""
    people = and_(scope.whose(TimeEntry.user_id), TimeEntry.end_time.is_(None))
    return pieces_cte(
        scope.sql, scope.org_id, people, scope.periods, scope.utc_lo, scope.utc_hi, now
    )


def pending_seconds(scope: Scope, now: Any) -> Select[Any]:
    """Manual time in the window still waiting for its week's approval."""
    people = and_(scope.whose(TimeEntry.user_id), pending_clause(True))
    p = pieces_cte(
        scope.sql, scope.org_id, people, scope.periods, scope.utc_lo, scope.utc_hi, now
    ).c
    return select(func.sum(overlap(scope.sql, p.ws, p.we, scope.window.lo, scope.window.hi)))
