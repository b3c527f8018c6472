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

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics import tasks as task_stats
from server.analytics.facts import hour_columns, overlap, pieces_cte
from server.analytics.money import Money
from server.analytics.schemas import Dashboard, DayTotal, Group, WeekOverWeek
from server.analytics.scope import DEFAULT_DAYS, Scope, resolve
from server.analytics.wall import DAY, wall_day
from server.auth.principal import Principal
from server.db.base import utcnow
from server.db.models import Activity, ActivityRollup, Customer, Project, User
from server.reports import days as d

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


async def _grouped(session: AsyncSession, scope: Scope, pieces: Any) -> list[Any]:
    """Range, week and hour sums per (person, project, customer, activity, rate)."""
    sql, p, w = scope.sql, pieces.c, scope.window
    inside = overlap(sql, p.ws, p.we, w.lo, w.hi)
    keys = [p.user_id, p.project_id, p.customer_id, p.activity_id, p.rate, p.currency]
    stmt = select(
        *keys,
        func.sum(inside),
        func.sum(inside * p.billable),
        func.sum(inside * p.manual),
        func.sum(overlap(sql, p.ws, p.we, scope.this_week.lo, scope.this_week.hi)),
        func.sum(overlap(sql, p.ws, p.we, scope.last_week.lo, scope.last_week.hi)),
        *hour_columns(sql, p.ws, p.we, w.lo, w.hi),
    ).group_by(*keys)
    return list((await session.execute(stmt)).all())


async def _per_day(session: AsyncSession, scope: Scope, pieces: Any) -> dict[int, tuple[int, int]]:
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
    day = (split.c.ws // DAY).label("day")
    seconds = sql.least(split.c.we, (split.c.ws // DAY + 1) * DAY) - split.c.ws
    stmt = select(day, func.sum(seconds), func.sum(seconds * split.c.billable)).group_by(day)
    return {int(k): (int(s or 0), int(b or 0)) for k, s, b in await session.execute(stmt)}


async def _active_seconds(session: AsyncSession, scope: Scope) -> int:
    sql, per, w = scope.sql, scope.periods.c, scope.window
    slot = sql.epoch(ActivityRollup.slot)
    wall = slot + per.p_off
    stmt = (
        select(func.coalesce(func.sum(ActivityRollup.active_seconds), 0))
        .select_from(ActivityRollup)
        .join(User, User.id == ActivityRollup.user_id)
        .join(scope.periods, and_(per.tz == User.timezone, slot >= per.p_lo, slot < per.p_hi))
        .where(
            ActivityRollup.organization_id == scope.org_id,
            ActivityRollup.user_id.in_(scope.people),
            ActivityRollup.slot >= scope.utc_lo,
            ActivityRollup.slot < scope.utc_hi,
            wall >= w.lo,
            wall < w.hi,
        )
    )
    return int((await session.execute(stmt)).scalar_one() or 0)


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
    pieces = pieces_cte(
        scope.sql, scope.org_id, scope.people, scope.periods, scope.utc_lo, scope.utc_hi, now
    )
    total, hours = Slice(), [0] * 24
    by: dict[str, dict[Key, Slice]] = {
        k: defaultdict(Slice) for k in ("user", "project", "customer", "activity")
    }
    manual = this_week = last_week = 0
    for row in await _grouped(session, scope, pieces):
        uid, pid, cid, aid, rate, currency = row[:6]
        seconds, billable, man, tw, lw = (int(v or 0) for v in row[6:11])
        for kind, key in (("user", uid), ("project", pid), ("customer", cid), ("activity", aid)):
            by[kind][key].add(seconds, billable, currency, rate)
        total.add(seconds, billable, currency, rate)
        manual, this_week, last_week = manual + man, this_week + tw, last_week + lw
        for h in range(24):
            hours[h] += int(row[11 + h] or 0)
    per_day = await _per_day(session, scope, pieces)
    active = await _active_seconds(session, scope)
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
        pending_manual_seconds=0,
        tasks_completed=done.completed,
        tasks_completed_on_time=done.on_time,
        tasks_completed_late=done.late,
        estimate_accuracy_percent=done.accuracy,
        hour_histogram=hours,
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
