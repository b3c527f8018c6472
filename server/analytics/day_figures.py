"""The dashboard's figures read from the per-day rollup (`TrackedDay`,
`TrackedDayHours`): the requested range is whole local days of each person,
so every figure of closed entries is a sum of day rows. Running entries and
pending manual time are not in the rollup; `service` adds them from the
entries (`open_pieces`, `pending_seconds`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select, union_all

from server.analytics.facts import billable_flag, overlap, pieces_cte
from server.analytics.scope import Scope
from server.analytics.wall import DAY, Window
from server.db.models import (
    Activity,
    ActivityRollup,
    Project,
    TimeEntry,
    TrackedDay,
    TrackedDayHours,
    User,
)
from server.db.models.day_rollup import HOURS
from server.timesheets.pending import pending_clause


def _days(window: Window) -> tuple[int, int]:
    """The window as inclusive day numbers."""
    return window.lo // DAY, window.hi // DAY - 1


def _between(column: Any, window: Window) -> ColumnElement[bool]:
    first, last = _days(window)
    return column.between(first, last)


def _flagged(grouped: Any, keys: list[str]) -> Any:
    """Rows grouped with the entries' own billable setting, and their billable
    seconds: the flag needs the project and activity, joined to the groups
    (a few hundred) rather than to every day row."""
    g = grouped.c
    return (
        select(
            *(g[k] for k in keys),
            g.seconds,
            (g.seconds * billable_flag(g.billable)).label("billable"),
        )
        .select_from(grouped)
        .outerjoin(Project, Project.id == g.project_id)
        .outerjoin(Activity, Activity.id == g.activity_id)
        .subquery()
    )


def _sums(scope: Scope, keys: list[Any], **extra: Any) -> Any:
    """Day rows of the window summed per `keys` (with the entries' own billable
    setting, for `_flagged`)."""
    t = TrackedDay
    return (
        select(
            *keys,
            t.billable,
            func.sum(t.seconds).label("seconds"),
            *(v.label(k) for k, v in extra.items()),
        )
        .where(
            t.organization_id == scope.org_id, scope.whose(t.user_id), _between(t.day, scope.window)
        )
        .group_by(*keys, t.billable)
        .subquery()
    )


def figures(scope: Scope, row: Any, priced_row: Any) -> Any:
    """'c', 'u', 'd' and 'w' rows (as `service._figures` makes them) from the
    day rows in the window, and a 'w' row of the week-over-week sums. Each
    branch groups the day rows by just what it needs (a few hundred catalog
    slices; a person's combinations; days) before catalog rows are joined."""
    t = TrackedDay
    catalog = _flagged(
        _sums(scope, [t.project_id, t.task_id, t.activity_id]),
        ["project_id", "task_id", "activity_id"],
    ).c
    people = _flagged(
        _sums(scope, [t.user_id, t.project_id, t.task_id, t.activity_id]),
        ["user_id", "project_id", "task_id"],
    ).c

    def total(c: Any) -> dict[str, Any]:
        return {"seconds": func.sum(c.seconds), "billable": func.sum(c.billable)}

    by_catalog = priced_row("c", catalog, ["project_id", "activity_id"], total(catalog))
    by_person = priced_row("u", people, ["user_id"], total(people))
    per_day = _sums(scope, [t.day, t.project_id, t.activity_id], manual=func.sum(t.manual_seconds))
    days = _flagged(per_day, ["day", "manual"]).c
    by_day = row(
        "d", {"bucket": days.day, "manual": func.sum(days.manual), **total(days)}
    ).group_by(days.day)
    this, last = scope.this_week, scope.last_week

    def week(window: Window) -> Any:
        return func.sum(case((_between(t.day, window), t.seconds), else_=0))

    weeks = row("w", {"this_week": week(this), "last_week": week(last)}).where(
        t.organization_id == scope.org_id,
        scope.whose(t.user_id),
        t.day.between(_days(last)[0], _days(this)[1]),
    )
    return union_all(by_catalog, by_person, by_day, weeks)


def hours(scope: Scope) -> Select[Any]:
    """Seconds per local hour of day, summed over the window."""
    h = TrackedDayHours
    return select(*(func.sum(h.__table__.c[name]) for name in HOURS)).where(
        h.organization_id == scope.org_id, scope.whose(h.user_id), _between(h.day, scope.window)
    )


def active(scope: Scope) -> Select[Any]:
    """Active seconds in the window, from the activity rollup's 15-minute
    slots (15 minutes divides every UTC offset, so each person's local days
    are whole slots): each slot counts when it lies inside its person's
    zone's UTC span of the window. Not kept in the day rollup: it changes
    with every agent minute."""
    r = ActivityRollup
    zone = func.coalesce(func.nullif(User.timezone, ""), "UTC")
    inside = or_(
        *(and_(zone == name, r.slot >= lo, r.slot < hi) for name, (lo, hi) in scope.bounds.items())
    )
    return (
        select(func.sum(r.active_seconds))
        .join(User, User.id == r.user_id)
        .where(
            r.organization_id == scope.org_id,
            scope.whose(r.user_id),
            r.slot >= scope.utc_lo,
            r.slot < scope.utc_hi,
            inside,
        )
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
