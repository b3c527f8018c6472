"""The analytics dashboard, free of HTTP (docs/api.md, "Analytics").

Every figure is summed by the database: closed entries from the per-day
rollup (`day_figures`), running entries cut into wall-clock pieces
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
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics import day_figures
from server.analytics import tasks as task_stats
from server.analytics.facts import clipped_cte, overlap, priced
from server.analytics.money import Money
from server.analytics.schemas import Dashboard, DayTotal, Group, WeekOverWeek
from server.analytics.scope import DEFAULT_DAYS, Scope, resolve
from server.analytics.wall import DAY, HOUR, Window, hour_histogram, wall_day
from server.auth.principal import Principal
from server.db.base import utcnow
from server.db.models import Activity, Customer, Project, User
from server.reports import days as d
from server.timesheets.pending import manual_approval_required

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

    def add_cents(self, seconds: int, billable: int, currency: str, money: Any) -> None:
        """A rollup group's sums: money in cents x seconds, listed when some
        of its billable time has a rate (`Money.add` skips the rest)."""
        self.seconds += seconds
        self.billable += billable
        if money is not None:
            self.money.add_cents(currency, int(money))


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
    """All grouped figures of some entries in one statement over their
    (materialized) pieces: 'c' per catalog slice and rate, 'u' per person and
    rate, 'd' per local day, 'w' one row of manual and week sums, 'y'/'x' per
    hour of day in which the pieces end/start (for `wall.hour_histogram`)."""
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
    return union_all(by_catalog, by_person, _days(scope, pieces), weeks, by_end, by_start)


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


def _day_span(window: Window) -> tuple[int, int]:
    """A window's day numbers as a range's bounds."""
    return window.lo // DAY, window.hi // DAY


_NAMED: dict[str, Any] = {
    "project": Project,
    "customer": Customer,
    "activity": Activity,
    "user": User,
}


async def _names(
    session: AsyncSession, org_id: uuid.UUID, by: dict[str, dict[Key, Slice]]
) -> dict[str, dict[uuid.UUID, tuple[Any, ...]]]:
    """Names of the groups' projects (with their colour), customers,
    activities and people: one statement for all four."""
    branches = []
    for kind, model in _NAMED.items():
        wanted = {i for i in by[kind] if i is not None}
        if wanted:
            color = Project.color if model is Project else cast(null(), String)
            branches.append(
                select(literal(kind, String).label("kind"), model.id, model.name, color).where(
                    model.organization_id == org_id, model.id.in_(wanted)
                )
            )
    found: dict[str, dict[uuid.UUID, tuple[Any, ...]]] = {kind: {} for kind in _NAMED}
    if not branches:
        return found
    rows = await session.execute(branches[0] if len(branches) == 1 else union_all(*branches))
    for kind, key, name, color in rows:
        found[kind][key] = (name, color) if kind == "project" else (name,)
    return found


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


@dataclass
class _Totals:
    """The figures' rows added up (rollup rows and running entries' rows alike)."""

    total: Slice = field(default_factory=Slice)
    by: dict[str, dict[Key, Slice]] = field(
        default_factory=lambda: {
            k: defaultdict(Slice) for k in ("user", "project", "customer", "activity")
        }
    )
    per_day: dict[int, tuple[int, int]] = field(default_factory=dict)
    ends: dict[int, tuple[int, int]] = field(default_factory=dict)
    starts: dict[int, tuple[int, int]] = field(default_factory=dict)
    whole_days: int = 0
    manual: int = 0
    pending: int = 0
    this_week: int = 0
    last_week: int = 0
    closed_days: dict[int, int] = field(default_factory=dict)  # rollup seconds per day

    def add_day_rows(self, result: Any) -> None:
        """`day_figures.figures` rows: per project and activity, per person, per day."""
        closed = self.closed_days
        for user, project, activity, customer, currency, day, s, b, manual, money in result:
            seconds, billable = int(s or 0), int(b or 0)
            if day is not None:
                closed[day] = seconds
                had = self.per_day.get(day, (0, 0))
                self.per_day[day] = (had[0] + seconds, had[1] + billable)
                self.manual += int(manual or 0)
            elif user is not None:
                self.by["user"][user].add_cents(seconds, billable, currency, money)
            else:
                by = self.by
                by["project"][project].add_cents(seconds, billable, currency, money)
                by["customer"][customer].add_cents(seconds, billable, currency, money)
                by["activity"][activity].add_cents(seconds, billable, currency, money)
                self.total.add_cents(seconds, billable, currency, money)

    def add_weeks(self, scope: Scope) -> bool:
        """This and last week's closed seconds from the 'd' rows, when the
        window holds both weeks (False: they need `day_figures.weeks`)."""
        if scope.window.first > scope.last_week.first:
            return False
        for window in (scope.this_week, scope.last_week):
            seconds = sum(self.closed_days.get(day, 0) for day in range(*_day_span(window)))
            if window is scope.this_week:
                self.this_week += seconds
            else:
                self.last_week += seconds
        return True

    def add_rows(self, result: Any) -> None:
        for row in result.mappings():
            kind = row["kind"]
            seconds, billable = int(row["seconds"] or 0), int(row["billable"] or 0)
            if kind == "c":
                rate, currency = row["rate"], row["currency"]
                for name in ("project", "customer", "activity"):
                    self.by[name][row[f"{name}_id"]].add(seconds, billable, currency, rate)
                self.total.add(seconds, billable, currency, rate)
            elif kind == "u":
                self.by["user"][row["user_id"]].add(seconds, billable, row["currency"], row["rate"])
            elif kind == "d":
                had = self.per_day.get(int(row["bucket"]), (0, 0))
                self.per_day[int(row["bucket"])] = (had[0] + seconds, had[1] + billable)
                self.manual += int(row["manual"] or 0)
            elif kind == "w":
                self.manual += int(row["manual"] or 0)
                self.this_week += int(row["this_week"] or 0)
                self.last_week += int(row["last_week"] or 0)
            else:
                n, rest = int(row["n"]), int(row["rest"] or 0)
                if kind == "y":
                    self.ends[int(row["bucket"])] = (n, rest)
                    self.whole_days += int(row["days"] or 0)
                else:
                    self.starts[int(row["bucket"])] = (n, rest)


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
    totals = _Totals()
    totals.add_day_rows(await session.execute(day_figures.figures(scope)))
    if not totals.add_weeks(scope):
        this_week, last_week = (await session.execute(day_figures.weeks(scope))).one()
        totals.this_week += int(this_week or 0)
        totals.last_week += int(last_week or 0)
    sums = (await session.execute(day_figures.hours(scope))).one()
    hours = [int(v or 0) for v in sums]
    active = int(await session.scalar(day_figures.active(scope)) or 0)
    if (await session.execute(day_figures.running(scope))).first() is not None:
        pieces = day_figures.open_pieces(scope, now)
        totals.add_rows(await session.execute(_figures(scope, pieces)))
    if await manual_approval_required(session, scope.org_id):
        totals.pending = int(await session.scalar(day_figures.pending_seconds(scope, now)) or 0)
    running_hours = hour_histogram(totals.whole_days, totals.ends, totals.starts)
    hours = [a + b for a, b in zip(hours, running_hours, strict=True)]
    by, total, per_day = totals.by, totals.total, totals.per_day
    done = await task_stats.completed(session, scope, now)
    org = scope.org_id
    names = await _names(session, org, by)
    projects, customers = names["project"], names["customer"]
    activities, people = names["activity"], names["user"]
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
        manual_seconds=totals.manual,
        pending_manual_seconds=totals.pending,
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
            this_week_seconds=totals.this_week,
            last_week_seconds=totals.last_week,
        ),
    )
