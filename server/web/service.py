"""Page data: what each page shows, assembled from the report services.

Kept apart from the routes so that the pages stay thin and the numbers on a
page are the same numbers the JSON API gives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.times import parse_date
from server.db.models import ActivityBucket, Project, TimeEntry, User
from server.reports import activity, entries, service
from server.reports import days as d
from server.reports.scope import users_query, visible_user
from server.reports.totals import user_totals
from server.screenshots import access
from shared.enums import EntryStatus

RECENT_ACTIVITY = timedelta(minutes=10)
# A running agent syncs its entry's end (the last heartbeat) every minute.
LIVE_SIGNAL = timedelta(minutes=5)


@dataclass
class PersonRow:
    id: str
    name: str
    email: str
    role: str
    tracked: int
    active: int
    percent: float
    state: str  # tracking | paused | recent | offline
    project: str | None = None
    since: datetime | None = None


@dataclass
class Dashboard:
    people: list[PersonRow]
    tracking: int
    tracked_total: int
    active_total: int
    percent: float
    today: date


async def _now_state(
    session: AsyncSession, org_id: uuid.UUID, ids: list[uuid.UUID], now: datetime
) -> tuple[dict[uuid.UUID, tuple[str, str | None, datetime]], set[uuid.UUID]]:
    running: dict[uuid.UUID, tuple[str, str | None, datetime]] = {}
    if not ids:
        return running, set()
    # Each person's latest entry decides: a later STOPPED entry ends an earlier
    # pause. An agent's RUNNING entry carries its last heartbeat as its end, so
    # one whose agent stopped syncing (crash, no network) is not shown as
    # tracking for ever; a RUNNING entry without an end is open (a timer).
    window = and_(
        TimeEntry.organization_id == org_id,
        TimeEntry.user_id.in_(ids),
        TimeEntry.start_time <= now,
        TimeEntry.start_time > now - timedelta(days=2),
    )
    latest = (
        select(TimeEntry.user_id, func.max(TimeEntry.start_time).label("start"))
        .where(window)
        .group_by(TimeEntry.user_id)
        .subquery()
    )
    rows = await session.execute(
        select(
            TimeEntry.user_id,
            TimeEntry.status,
            Project.name,
            TimeEntry.start_time,
            TimeEntry.end_time,
        )
        .join(
            latest,
            and_(TimeEntry.user_id == latest.c.user_id, TimeEntry.start_time == latest.c.start),
        )
        .outerjoin(Project, Project.id == TimeEntry.project_id)
        .where(window)
    )
    for uid, status, project, start, end in rows:
        if status == EntryStatus.PAUSED.value:
            running[uid] = ("paused", project, start)
        elif status == EntryStatus.RUNNING.value and (end is None or end >= now - LIVE_SIGNAL):
            running[uid] = ("tracking", project, start)
    recent = await session.execute(
        select(ActivityBucket.user_id, func.max(ActivityBucket.minute))
        .where(
            ActivityBucket.organization_id == org_id,
            ActivityBucket.user_id.in_(ids),
            ActivityBucket.minute >= now - RECENT_ACTIVITY,
        )
        .group_by(ActivityBucket.user_id)
    )
    return running, {uid for uid, _ in recent}


async def dashboard(
    session: AsyncSession, principal: Principal, team_id: str | None, now: datetime
) -> Dashboard:
    stmt = await users_query(session, principal, team_id)
    users = list(
        (
            await session.execute(
                stmt.where(User.active.is_(True)).order_by(User.name, User.id).limit(500)
            )
        ).scalars()
    )
    today = d.local_date(now, d.zone(principal.user.timezone))
    totals = await user_totals(session, principal.org_id, users, today, today, now)
    running, recent = await _now_state(session, principal.org_id, [u.id for u in users], now)
    people = []
    for u in users:
        t = totals[u.id]
        tracked = round(t.tracked)
        idle: tuple[str, str | None, datetime | None] = (  # not tracking
            "recent" if u.id in recent else "offline",
            None,
            None,
        )
        state, project, since = running.get(u.id, idle)
        people.append(
            PersonRow(
                id=str(u.id),
                name=u.name,
                email=u.email,
                role=u.role,
                tracked=tracked,
                active=t.active,
                percent=d.percent(t.active, tracked),
                state=state,
                project=project,
                since=since,
            )
        )
    order = {"tracking": 0, "paused": 1, "recent": 2, "offline": 3}
    people.sort(key=lambda p: (order[p.state], -p.tracked, p.name))
    tracked_total = sum(p.tracked for p in people)
    active_total = sum(p.active for p in people)
    return Dashboard(
        people=people,
        tracking=sum(1 for p in people if p.state == "tracking"),
        tracked_total=tracked_total,
        active_total=active_total,
        percent=d.percent(active_total, tracked_total),
        today=today,
    )


@dataclass
class Bar:
    left: float
    width: float
    label: str
    title: str
    css: str = ""


@dataclass
class PersonDay:
    user: User
    day: date
    prev_day: date
    next_day: date | None
    report: Any
    entries: list[Any]
    timeline: list[Bar]
    slots: list[dict[str, Any]]
    ticks: list[Bar]
    screenshots: list[Any] = field(default_factory=list)
    week: list[dict[str, Any]] = field(default_factory=list)
    apps: Any = None  # the day's top applications (server.insight), set by the page
    flags: list[Any] = field(default_factory=list)  # unusual-activity flags of the day


def _pct(instant: datetime, lo: datetime, span: float) -> float:
    return round(max(0.0, min(100.0, (instant - lo).total_seconds() * 100 / span)), 3)


async def person_day(
    session: AsyncSession,
    principal: Principal,
    user_id: str,
    day_text: str | None,
    now: datetime,
) -> PersonDay:
    user = await visible_user(session, principal, user_id)
    tz = d.zone(user.timezone)
    day = parse_date(day_text, "date") or d.local_date(now, tz)
    # One daily report for the week also gives this day's totals and projects.
    week_report = await service.daily_report(
        session,
        principal,
        str(user.id),
        (day - timedelta(days=6)).isoformat(),
        day.isoformat(),
        now,
    )
    report = week_report.days[-1]
    lo, hi = d.day_bounds(day, tz)
    span = (hi - lo).total_seconds()
    page = await entries.list_entries(
        session,
        principal,
        user_id=str(user.id),
        team_id=None,
        start=d.iso(lo),
        end=d.iso(hi),
        limit=200,
        now=now,
    )
    timeline = []
    for e in page.items:
        start = datetime.fromisoformat(e.start_time.replace("Z", "+00:00"))
        end = datetime.fromisoformat(e.end_time.replace("Z", "+00:00")) if e.end_time else now
        left, right = _pct(max(start, lo), lo, span), _pct(min(end, hi), lo, span)
        label = e.project_name or "No project"
        timeline.append(
            Bar(
                left,
                max(right - left, 0.4),
                label,
                f"{label}: {start.astimezone(tz):%H:%M} to {end.astimezone(tz):%H:%M}",
            )
        )
    day_activity = await activity.activity_day(
        session, principal, str(user.id), day.isoformat(), now
    )
    by_start = {s.start: s for s in day_activity.slots}
    slots = []
    width = timedelta(minutes=activity.SLOT_MINUTES)
    count = int((hi - lo) / width)
    for i in range(count):
        at = lo + i * width
        s = by_start.get(d.iso(at) or "")
        slots.append(
            {
                "left": round(i * 100 / count, 3),
                "width": round(100 / count, 3),
                "percent": s.activity_percent if s else 0,
                "tracked": s.tracked_seconds if s else 0,
                "title": (
                    f"{at.astimezone(tz):%H:%M} · {s.activity_percent:.0f}% active · "
                    f"{s.keyboard_clicks} keys · {s.mouse_movements} mouse"
                )
                if s
                else f"{at.astimezone(tz):%H:%M} · not tracked",
            }
        )
    ticks = []
    for hour in range(0, 25, 3):
        local = datetime.combine(day, datetime.min.time()) + timedelta(hours=hour)
        at = local.replace(tzinfo=tz) if hour < 24 else hi
        ticks.append(Bar(_pct(at, lo, span), 0, f"{hour:02d}:00", ""))
    shots = await access.list_screenshots(
        session,
        principal,
        user_id=user.id,
        start=lo,
        end=hi - timedelta(microseconds=1),
        status=None,
        cursor=None,
        limit=200,
    )
    gallery = [
        {
            "id": s.id,
            "captured_at": s.captured_at,
            "status": s.status,
            "blur_level": s.blur_level,
            "thumb_url": f"/app/screenshots/{s.id}/thumb" if s.status == "READY" else None,
            "full_url": f"/app/screenshots/{s.id}/full",
        }
        for s in reversed(shots.items)
    ]
    week = day_bars([(date.fromisoformat(x.date), x.tracked_seconds) for x in week_report.days])
    for bar, x in zip(week, week_report.days, strict=True):
        bar["percent"] = x.activity_percent
    today = d.local_date(now, tz)
    return PersonDay(
        user=user,
        day=day,
        prev_day=day - timedelta(days=1),
        next_day=day + timedelta(days=1) if day < today else None,
        report=report,
        entries=page.items,
        timeline=timeline,
        slots=slots,
        ticks=ticks,
        screenshots=gallery,
        week=week,
    )


def chart_rows(items: list[Any]) -> list[dict[str, Any]]:
    """Horizontal bars per person: tracked length, active share inside it."""
    top = max((i.tracked_seconds for i in items), default=0) or 1
    return [
        {
            "name": i.name,
            "user_id": i.user_id,
            "tracked": i.tracked_seconds,
            "width": round(i.tracked_seconds * 100 / top, 2),
            "active_width": round(i.activity_percent, 2),
            "percent": i.activity_percent,
        }
        for i in items
    ]


def day_bars(per_day: list[tuple[date, int]]) -> list[dict[str, Any]]:
    """Vertical bars per day, scaled to the busiest day."""
    top = max((s for _, s in per_day), default=0) or 1
    return [
        {
            "date": day,
            "seconds": s,
            "height": round(s * 100 / top, 2),
            "weekend": day.weekday() >= 5,
        }
        for day, s in per_day
    ]
