"""The analytics dashboard, free of HTTP (docs/api.md, "Analytics").

Every figure is summed by the database: entries are cut into wall-clock pieces
(`facts.pieces_cte`) and grouped there; Python only adds up the grouped rows
(a few per person, project and activity) and attaches names.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Numeric,
    Select,
    String,
    Uuid,
    and_,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics import tasks as task_stats
from server.analytics.facts import clipped_cte, overlap, pieces_cte, priced
from server.analytics.money import Money
from server.analytics.schemas import Dashboard, DayTotal, Group, WeekOverWeek
from server.analytics.scope import DEFAULT_DAYS, Scope, resolve
from server.analytics.wall import DAY, HOUR, hour_histogram, wall_day
from server.auth.principal import Principal
from server.db.base import utcnow
from server.db.models import Activity, ActivityRollup, Customer, Project, TimeEntry, User
from server.reports import days as d
from server.timesheets.pending import manual_approval_required, pending_clause

NO_PROJECT, NO_CUSTOMER, NO_ACTIVITY = "No project", "No customer", "No activity"


@dataclass
class Slice:
    seconds: int = 0
    billable: int = 0
    money: Money = field(default_factory=Money)

    def add(self, seconds: int, billable: int, currency: str, rate: object) -> None:
        self.seconds += seconds
        self.billable += billable
        self.money.add(currency, rate, billable)


Key = uuid.UUID | None


_KEYS = ("user_id", "project_id", "customer_id", "activity_id", "rate", "currency", "bucket")
_SUMS = ("seconds", "billable", "manual", "pending", "this_week", "last_week", "days", "n", "rest")


def _row(kind: str, values: dict[str, Any]) -> Select[Any]:
    """One branch of the figures' UNION ALL: every column named, absent ones NULL."""
    types: dict[str, Any] = {"rate": Numeric(12, 2), "currency": String(3)}
    cols: list[Any] = [literal(kind, String).label("kind")]
    for name in (*_KEYS, *_SUMS):
        if name in values:
            cols.append(values[name].label(name))
        else:
            empty: Any = types.get(name, Uuid() if name.endswith("_id") else BigInteger())
            cols.append(cast(null(), empty).label(name))
    return select(*cols)


def _priced_row(kind: str, p: Any, keys: list[str], sums: dict[str, Any]) -> Select[Any]:
    """Pieces summed per keys, project and task, then priced and regrouped."""
    inner = [p[k] for k in dict.fromkeys([*keys, "project_id", "task_id"])]
    grouped = (
        select(*inner, sums["seconds"].label("seconds"), sums["billable"].label("billable"))
        .group_by(*inner)
        .subquery(f"{kind}_sums")
    )
    source, group_by, values = priced(grouped, keys)
    return _row(kind, values).select_from(source).group_by(*group_by)


def _figures(scope: Scope, pieces: Any) -> Any:
    """All grouped figures in one statement over the (materialized) pieces:
    'c' per catalog slice and rate, 'u' per person and rate, 'd' per local day,
    'w' one row of manual and week sums, 'y'/'x' per hour of day in which the
    pieces end/start (for `wall.hour_histogram`)."""
    sql, p, w = scope.sql, pieces.c, scope.window
    inside = overlap(sql, p.ws, p.we, w.lo, w.hi)
    sums = {"seconds": func.sum(inside), "billable": func.sum(inside * p.billable)}
    by_catalog = _priced_row("c", p, ["project_id", "activity_id"], sums)
    by_person = _priced_row("u", p, ["user_id"], sums)
    weeks = _row(
        "w",
        {
            "manual": func.sum(inside * p.manual),
            "pending": func.sum(inside * p.pending),
            "this_week": func.sum(overlap(sql, p.ws, p.we, scope.this_week.lo, scope.this_week.hi)),
            "last_week": func.sum(overlap(sql, p.ws, p.we, scope.last_week.lo, scope.last_week.hi)),
        },
    )
    clipped = clipped_cte(sql, pieces, w.lo, w.hi).c
    ends, starts = clipped.y_sec // HOUR, clipped.x_sec // HOUR
    by_end = _row(
        "y",
        {
            "bucket": ends,
            "n": func.count(),
            "rest": func.sum(clipped.y_sec % HOUR),
            "days": func.sum(clipped.days),
        },
    ).group_by(ends)
    by_start = _row(
        "x", {"bucket": starts, "n": func.count(), "rest": func.sum(clipped.x_sec % HOUR)}
    ).group_by(starts)
    branches = (by_catalog, by_person, _days(scope, pieces), weeks, by_end, by_start)
    return union_all(*branches, _active(scope))


def _days(scope: Scope, pieces: Any) -> Select[Any]:
    """Seconds and billable seconds per local day: pieces crossing a local
    midnight are cut there by a recursive CTE (one step per midnight)."""
    sql, p, w = scope.sql, pieces.c, scope.window
    anchor = (
        select(
            sql.greatest(p.ws, w.lo).label("ws"),
            sql.least(p.we, w.hi).label("we"),
            p.billable.label("billable"),
        )
        .where(p.ws < w.hi, p.we > w.lo)
        .cte("split", recursive=True)
    )
    prev = anchor.alias("prev")
    midnight = (prev.c.ws // DAY + 1) * DAY
    split = anchor.union_all(
        select(midnight, prev.c.we, prev.c.billable).where(midnight < prev.c.we)
    )
    day = split.c.ws // DAY
    seconds = sql.least(split.c.we, (split.c.ws // DAY + 1) * DAY) - split.c.ws
    values = {
        "bucket": day,
        "seconds": func.sum(seconds),
        "billable": func.sum(seconds * split.c.billable),
    }
    return _row("d", values).group_by(day)


def _active(scope: Scope) -> Select[Any]:
    """'a': the rollup's active seconds within each person's own local range."""
    in_range = or_(
        *(
            and_(User.timezone == name, ActivityRollup.slot >= lo, ActivityRollup.slot < hi)
            for name, (lo, hi) in scope.bounds.items()
        )
    )
    return (
        _row("a", {"seconds": func.sum(ActivityRollup.active_seconds)})
        .select_from(ActivityRollup)
        .join(User, User.id == ActivityRollup.user_id)
        .where(
            ActivityRollup.organization_id == scope.org_id,
            scope.whose(ActivityRollup.user_id),
            ActivityRollup.slot >= scope.utc_lo,
            ActivityRollup.slot < scope.utc_hi,
            in_range,
        )
    )


async def _names(
    session: AsyncSession, org_id: uuid.UUID, model: Any, ids: set[Key], *extra: Any
) -> dict[uuid.UUID, tuple[Any, ...]]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(
        select(model.id, model.name, *extra).where(
            model.organization_id == org_id, model.id.in_(wanted)
        )
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def _groups(
    slices: dict[Key, Slice], names: dict[uuid.UUID, tuple[Any, ...]], none: str
) -> list[Group]:
    out = [
        Group(
            id=str(k) if k else None,
            name=names.get(k, ("?",))[0] if k else none,
            seconds=s.seconds,
            billable_seconds=s.billable,
            amounts=s.money.amounts(),
            color=names.get(k, (None, None))[1] if k and len(names.get(k, ())) > 1 else None,
        )
        for k, s in slices.items()
        if s.seconds > 0
    ]
    out.sort(key=lambda g: (-g.seconds, g.name))
    return out


async def dashboard(
    session: AsyncSession,
    principal: Principal,
    *,
    from_date: str | None,
    to_date: str | None,
    team_id: str | None = None,
    user_id: str | None = None,
    now: datetime | None = None,
) -> Dashboard:
    now = now or utcnow()
    first, last = d.date_range(
        from_date, to_date, d.zone(principal.user.timezone), now, DEFAULT_DAYS
    )
    scope = await resolve(
        session, principal, team_id=team_id, user_id=user_id, first=first, last=last
    )
    required = await manual_approval_required(session, scope.org_id)
    pieces = pieces_cte(
        scope.sql,
        scope.org_id,
        scope.whose(TimeEntry.user_id),
        scope.periods,
        scope.utc_lo,
        scope.utc_hi,
        now,
        pending=pending_clause(required) if required else None,
    )
    total = Slice()
    ends: dict[int, tuple[int, int]] = {}
    starts: dict[int, tuple[int, int]] = {}
    whole_days = 0
    by: dict[str, dict[Key, Slice]] = {
        k: defaultdict(Slice) for k in ("user", "project", "customer", "activity")
    }
    per_day: dict[int, tuple[int, int]] = {}
    manual = pending = this_week = last_week = active = 0
    for row in (await session.execute(_figures(scope, pieces))).mappings():
        kind, seconds, billable = row["kind"], int(row["seconds"] or 0), int(row["billable"] or 0)
        if kind == "c":
            rate, currency = row["rate"], row["currency"]
            for name in ("project", "customer", "activity"):
                by[name][row[f"{name}_id"]].add(seconds, billable, currency, rate)
            total.add(seconds, billable, currency, rate)
        elif kind == "u":
            by["user"][row["user_id"]].add(seconds, billable, row["currency"], row["rate"])
        elif kind == "d":
            per_day[int(row["bucket"])] = (seconds, billable)
        elif kind == "w":
            manual, pending = int(row["manual"] or 0), int(row["pending"] or 0)
            this_week, last_week = int(row["this_week"] or 0), int(row["last_week"] or 0)
        elif kind == "a":
            active = seconds
        elif kind == "y":
            ends[int(row["bucket"])] = (int(row["n"]), int(row["rest"] or 0))
            whole_days += int(row["days"] or 0)
        else:
            starts[int(row["bucket"])] = (int(row["n"]), int(row["rest"] or 0))
    done = await task_stats.completed(session, scope, now)
    org = scope.org_id
    projects = await _names(session, org, Project, set(by["project"]), Project.color)
    customers = await _names(session, org, Customer, set(by["customer"]))
    activities = await _names(session, org, Activity, set(by["activity"]))
    people = await _names(session, org, User, set(by["user"]))
    days = []
    day = first
    while day <= last:
        key = wall_day(day) // DAY
        seconds, billable = per_day.get(key, (0, 0))
        days.append(DayTotal(date=day.isoformat(), seconds=seconds, billable_seconds=billable))
        day += timedelta(days=1)
    return Dashboard(
        from_date=first.isoformat(),
        to_date=last.isoformat(),
        team_id=team_id,
        user_id=user_id,
        tracked_seconds=total.seconds,
        billable_seconds=total.billable,
        amounts=total.money.amounts(),
        active_seconds=active,
        activity_percent=d.percent(active, total.seconds),
        manual_seconds=manual,
        pending_manual_seconds=pending,
        tasks_completed=done.completed,
        tasks_completed_on_time=done.on_time,
        tasks_completed_late=done.late,
        estimate_accuracy_percent=done.accuracy,
        hour_histogram=hour_histogram(whole_days, ends, starts),
        by_day=days,
        by_project=_groups(by["project"], projects, NO_PROJECT),
        by_customer=_groups(by["customer"], customers, NO_CUSTOMER),
        by_activity=_groups(by["activity"], activities, NO_ACTIVITY),
        by_user=_groups(by["user"], people, "?"),
        week_over_week=WeekOverWeek(
            this_week_start=scope.this_week.first.isoformat(),
            last_week_start=scope.last_week.first.isoformat(),
            this_week_seconds=this_week,
            last_week_seconds=last_week,
        ),
    )
