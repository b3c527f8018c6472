"""Who and when an analytics request covers: the people in scope, their zones'
offset periods over the range, and the wall-clock windows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CTE, ColumnElement, Select, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics.facts import Sql, periods_cte
from server.analytics.wall import Window, epoch, offset_periods, week_windows
from server.auth.principal import Principal
from server.db.models import User
from server.reports import days as d
from server.reports.scope import users_query, visible_user

#: A dashboard without dates covers the last 30 local days up to today.
DEFAULT_DAYS = 30


@dataclass
class Scope:
    org_id: uuid.UUID
    sql: Sql
    people: Select[Any]  # SELECT users.id of everyone in scope
    everyone: bool  # an admin's unfiltered view: tasks without an assignee count too
    viewer_tz: str
    window: Window  # the requested local dates
    this_week: Window
    last_week: Window
    periods: CTE
    utc_lo: datetime  # envelope of every zone's range, for index-friendly filters
    utc_hi: datetime
    bounds: dict[str, tuple[datetime, datetime]]  # each zone's UTC span of `window`

    def whose(self, user_column: Any) -> ColumnElement[bool]:
        """Rows of the people in scope (for an admin's unfiltered view every row
        of the organization, which the caller's organization filter already is)."""
        return true() if self.everyone else user_column.in_(self.people)


@lru_cache(maxsize=512)
def _periods(tz: ZoneInfo, lo: int, hi: int) -> tuple[tuple[int, int, int], ...]:
    """Offset periods of a zone's range (the same ranges come back all day)."""
    return tuple(offset_periods(tz, lo, hi))


async def people_in_scope(
    session: AsyncSession, principal: Principal, team_id: str | None, user_id: str | None
) -> Select[Any]:
    """userId (someone the caller may see), else teamId (a team they may report
    on), else everyone they may see; anything else is a 404."""
    if user_id:
        person = await visible_user(session, principal, user_id)
        return select(User.id).where(User.id == person.id)
    return (await users_query(session, principal, team_id)).with_only_columns(User.id)


async def resolve(
    session: AsyncSession,
    principal: Principal,
    *,
    team_id: str | None,
    user_id: str | None,
    first: date,
    last: date,
    extra_zones: tuple[str, ...] = (),
) -> Scope:
    people = await people_in_scope(session, principal, team_id, user_id)
    zones = set(
        (await session.execute(select(User.timezone).where(User.id.in_(people)).distinct()))
        .scalars()
        .all()
    )
    viewer_tz = principal.user.timezone or "UTC"
    zones |= {viewer_tz, *extra_zones}
    this_week, last_week = week_windows(last)
    ext_first = min(first, last_week.first)
    rows: list[tuple[str, int, int, int]] = []
    los, his = [], []
    bounds = {}
    for name in sorted(z or "UTC" for z in zones):
        tz = d.zone(name)
        bounds[name] = d.range_bounds(first, last, tz)
        lo, hi = d.range_bounds(ext_first, last, tz)
        los.append(lo)
        his.append(hi)
        rows += [(name, a, b, off) for a, b, off in _periods(tz, epoch(lo), epoch(hi))]
    return Scope(
        org_id=principal.org_id,
        sql=Sql(session.get_bind().dialect.name),
        people=people,
        everyone=principal.is_admin and not team_id and not user_id,
        viewer_tz=viewer_tz,
        window=Window(first, last),
        this_week=this_week,
        last_week=last_week,
        periods=periods_cte(rows),
        utc_lo=min(los),
        utc_hi=max(his),
        bounds=bounds,
    )
