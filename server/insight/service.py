"""Top applications and unusual-activity flags, free of HTTP.

Who may see whom follows the reports (server/reports/scope.py): a MEMBER
themselves, a team MANAGER their teams, ADMIN/OWNER everyone in the
organization; every query filters on the organization.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.errors import BadRequest
from server.db.base import utcnow
from server.db.models import ActivityBucket, ActivitySignal, AppUsage, User
from server.insight import flags as F
from server.insight.schemas import (
    AppDay,
    AppTotal,
    FlagList,
    FlagOut,
    PersonApps,
    PersonTop,
    TeamApps,
    TeamAppTotal,
    TitleTotal,
)
from server.reports import days as d
from server.reports.scope import users_query, visible_user

TOP_APPS = 10
TOP_TITLES = 5
MAX_FLAG_DAYS = 31


def _percent(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


def _tops(
    by_app: dict[str, int], titles: dict[str, dict[str, int]] | None = None, n: int = TOP_APPS
) -> list[AppTotal]:
    total = sum(by_app.values())
    out = []
    for app, seconds in sorted(by_app.items(), key=lambda kv: (-kv[1], kv[0]))[:n]:
        kept = sorted((titles or {}).get(app, {}).items(), key=lambda kv: (-kv[1], kv[0]))
        out.append(
            AppTotal(
                app,
                seconds,
                _percent(seconds, total),
                [TitleTotal(t, s) for t, s in kept[:TOP_TITLES]],
            )
        )
    return out


async def person_apps(
    session: AsyncSession,
    principal: Principal,
    user_id: str | None,
    from_date: str | None,
    to_date: str | None,
    now: datetime | None = None,
) -> PersonApps:
    """Top applications per local day of one person (the caller by default)."""
    user = await visible_user(session, principal, user_id)
    tz = d.zone(user.timezone)
    first, last = d.date_range(from_date, to_date, tz, now or utcnow())
    lo, hi = d.range_bounds(first, last, tz)
    rows = await session.execute(
        select(AppUsage.minute, AppUsage.app, AppUsage.title, AppUsage.seconds).where(
            AppUsage.organization_id == principal.org_id,
            AppUsage.user_id == user.id,
            AppUsage.minute >= lo,
            AppUsage.minute < hi,
        )
    )
    by_day: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    titles: dict[date, dict[str, dict[str, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    for minute, app, title, seconds in rows:
        day = d.local_date(minute, tz)
        by_day[day][app] += seconds
        if title:
            titles[day][app][title] += seconds
    return PersonApps(
        str(user.id),
        user.name,
        user.timezone,
        [
            AppDay(day.isoformat(), sum(by_day[day].values()), _tops(by_day[day], titles[day]))
            for day in d.days(first, last)
        ],
    )


async def team_apps(
    session: AsyncSession,
    principal: Principal,
    team_id: str | None,
    from_date: str | None,
    to_date: str | None,
    now: datetime | None = None,
) -> TeamApps:
    """Top applications of everyone in scope (a team, or all the caller may see),
    over local dates in the caller's timezone."""
    tz = d.zone(principal.user.timezone)
    first, last = d.date_range(from_date, to_date, tz, now or utcnow())
    lo, hi = d.range_bounds(first, last, tz)
    users = (await users_query(session, principal, team_id)).subquery()
    rows = await session.execute(
        select(users.c.id, users.c.name, AppUsage.app, func.sum(AppUsage.seconds))
        .join(
            AppUsage,
            and_(
                AppUsage.user_id == users.c.id,
                AppUsage.organization_id == principal.org_id,
                AppUsage.minute >= lo,
                AppUsage.minute < hi,
            ),
        )
        .group_by(users.c.id, users.c.name, AppUsage.app)
    )
    per_person: dict[tuple[uuid.UUID, str], dict[str, int]] = defaultdict(dict)
    totals: dict[str, int] = defaultdict(int)
    people: dict[str, int] = defaultdict(int)
    for uid, name, app, seconds in rows:
        per_person[(uid, name)][app] = int(seconds)
        totals[app] += int(seconds)
        people[app] += 1
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[: TOP_APPS * 2]
    tops = [
        PersonTop(str(uid), name, sum(apps.values()), _tops(apps, n=5))
        for (uid, name), apps in sorted(per_person.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
    return TeamApps(
        team_id,
        first.isoformat(),
        last.isoformat(),
        [TeamAppTotal(app, seconds, people[app]) for app, seconds in ranked],
        tops,
    )


async def _minutes(
    session: AsyncSession, org_id: uuid.UUID, user_ids: list[uuid.UUID], lo: datetime, hi: datetime
) -> dict[uuid.UUID, list[F.Minute]]:
    rows = await session.execute(
        select(
            ActivityBucket.user_id,
            ActivityBucket.minute,
            ActivityBucket.active_seconds,
            ActivityBucket.keyboard_clicks,
            ActivityBucket.mouse_movements,
            ActivitySignal.interval_cv,
            ActivitySignal.distinct_positions,
            ActivitySignal.pointer_span,
            ActivitySignal.pointer_moves,
        )
        .outerjoin(
            ActivitySignal,
            and_(
                ActivitySignal.time_entry_id == ActivityBucket.time_entry_id,
                ActivitySignal.minute == ActivityBucket.minute,
            ),
        )
        .where(
            ActivityBucket.organization_id == org_id,
            ActivityBucket.user_id.in_(user_ids),
            ActivityBucket.minute >= lo,
            ActivityBucket.minute < hi,
        )
        .order_by(ActivityBucket.user_id, ActivityBucket.minute)
    )
    out: dict[uuid.UUID, list[F.Minute]] = defaultdict(list)
    for uid, minute, active, keys, mouse, cv, positions, span, moves in rows:
        out[uid].append(F.Minute(minute, active, keys, mouse, cv, positions, span, moves))
    return out


async def _front_apps(
    session: AsyncSession, org_id: uuid.UUID, user_ids: list[uuid.UUID], lo: datetime, hi: datetime
) -> dict[uuid.UUID, list[tuple[datetime, str]]]:
    """Per person, the application in front longest in each minute, in time order."""
    rows = await session.execute(
        select(AppUsage.user_id, AppUsage.minute, AppUsage.app, func.sum(AppUsage.seconds))
        .where(
            AppUsage.organization_id == org_id,
            AppUsage.user_id.in_(user_ids),
            AppUsage.minute >= lo,
            AppUsage.minute < hi,
        )
        .group_by(AppUsage.user_id, AppUsage.minute, AppUsage.app)
    )
    best: dict[tuple[uuid.UUID, datetime], tuple[int, str]] = {}
    for uid, minute, app, seconds in rows:
        cur = best.get((uid, minute))
        if cur is None or (int(seconds), app) > cur:
            best[(uid, minute)] = (int(seconds), app)
    out: dict[uuid.UUID, list[tuple[datetime, str]]] = defaultdict(list)
    for (uid, minute), (_s, app) in sorted(best.items()):
        out[uid].append((minute, app))
    return out


async def flags_report(
    session: AsyncSession,
    principal: Principal,
    team_id: str | None,
    user_id: str | None,
    from_date: str | None,
    to_date: str | None,
    now: datetime | None = None,
    *,
    zone: str | None = None,
) -> FlagList:
    """Unusual-activity flags of everyone in scope over local dates (in `zone`,
    by default the caller's timezone), at most 31 days; each explained in the
    person's own timezone. Only minutes inside the period are looked at."""
    tz = d.zone(zone or principal.user.timezone)
    first, last = d.date_range(from_date, to_date, tz, now or utcnow())
    if (last - first).days + 1 > MAX_FLAG_DAYS:
        raise BadRequest(f"flags cover at most {MAX_FLAG_DAYS} days at a time")
    lo, hi = d.range_bounds(first, last, tz)
    if user_id:
        users = [await visible_user(session, principal, user_id)]
    else:
        stmt = await users_query(session, principal, team_id)
        users = list((await session.execute(stmt.order_by(User.name, User.id))).scalars())
    ids = [u.id for u in users]
    if not ids:
        return FlagList([])
    minutes = await _minutes(session, principal.org_id, ids, lo, hi)
    apps = await _front_apps(session, principal.org_id, ids, lo, hi)
    items = []
    for u in users:
        for f in F.detect(minutes.get(u.id, []), apps.get(u.id, []), d.zone(u.timezone)):
            items.append(
                FlagOut(
                    str(u.id),
                    u.name,
                    f.kind,
                    d.iso(f.start) or "",
                    d.iso(f.end) or "",
                    f.score,
                    f.explanation,
                )
            )
    return FlagList(items)
