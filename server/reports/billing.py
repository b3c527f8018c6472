"""Timesheet export rows with what a customer is billed: per entry its
customer, activity, billable flag, effective rate, amount and entry class,
ordered by a group (person, project, customer or activity) when asked.

Billable, rate and currency follow the analytics' rules (docs/api.md,
"Analytics"): the entry's own flag, else project and activity; task rate over
project rate over customer rate; the customer's currency. A row's amount is
its own hours x rate rounded to cents; group and report totals are summed
exactly and rounded once (`server.analytics.money`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics.facts import billable_flag, currency_of, effective_rate, with_catalog
from server.analytics.money import as_rate, to_cents
from server.auth.principal import Principal
from server.core.errors import BadRequest
from server.db.models import Activity, Customer, Project, Task, TimeEntry, User
from server.reports import days as d
from server.reports.entries import entry_active_seconds, entry_seconds
from server.reports.scope import users_query
from server.time_entries.classes import Span, classify

GROUPS = ("user", "project", "customer", "activity")
NO_GROUP = {"project": "No project", "customer": "No customer", "activity": "No activity"}

# The first 14 columns are those of earlier versions, in the same places; what a
# customer is billed follows.
HEADER = [
    "Date",
    "Person",
    "Email",
    "Project",
    "Task",
    "Description",
    "Start",
    "End",
    "Duration",
    "Hours",
    "Active",
    "Activity %",
    "Status",
    "Time zone",
    "Customer",
    "Activity",
    "Billable",
    "Rate",
    "Amount",
    "Currency",
    "Class",
]
WIDTHS = [12, 22, 28, 20, 20, 36, 20, 20, 11, 8, 11, 10, 10, 18, 20, 16, 9, 9, 11, 9, 10]


def parse_group(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in GROUPS:
        raise BadRequest(f"groupBy must be one of {', '.join(GROUPS)}")
    return value


_MODELS: dict[str, Any] = {
    "user": User,
    "project": Project,
    "customer": Customer,
    "activity": Activity,
}


def _group_name(group: str | None) -> ColumnElement[Any]:
    if group is None:
        return literal("")
    return func.coalesce(_MODELS[group].name, NO_GROUP.get(group, ""))


@dataclass(frozen=True, slots=True)
class Row:
    group: str  # the group's name ("" without groupBy)
    group_id: uuid.UUID | None
    values: list[Any]  # in HEADER order
    seconds: int
    billable_seconds: int
    rate: Decimal | None
    currency: str


def _select(org_id: uuid.UUID, group: str | None) -> Select[Any]:
    return with_catalog(
        select(
            TimeEntry,
            User.name,
            User.email,
            User.timezone,
            Customer.name,
            Project.name,
            Task.name,
            Activity.name,
            billable_flag(),
            effective_rate(),
            currency_of(),
            entry_active_seconds(),
            _group_name(group).label("grp"),
            (_MODELS[group].id if group else literal(None)).label("grp_id"),
        )
        .select_from(TimeEntry)
        .join(User, User.id == TimeEntry.user_id)
    ).where(TimeEntry.organization_id == org_id)


async def _people(
    session: AsyncSession, principal: Principal, team_id: str | None, first: date, last: date
) -> ColumnElement[bool]:
    """Entries of the people in scope starting within their own local dates."""
    users = (await session.execute(await users_query(session, principal, team_id))).scalars()
    by_zone: dict[str, list[uuid.UUID]] = defaultdict(list)
    for u in users:
        by_zone[u.timezone or "UTC"].append(u.id)
    spans = []
    for tz_name, ids in sorted(by_zone.items()):
        lo, hi = d.range_bounds(first, last, d.zone(tz_name))
        spans.append(
            and_(TimeEntry.user_id.in_(ids), TimeEntry.start_time >= lo, TimeEntry.start_time < hi)
        )
    return or_(*spans) if spans else literal(False)


async def _classes(session: AsyncSession, where: ColumnElement[bool]) -> dict[uuid.UUID, str]:
    """Entry classes per person and local day; ranges are whole local days, so
    every day's entries are all here."""
    columns = (TimeEntry.id, TimeEntry.user_id, TimeEntry.start_time, TimeEntry.end_time)
    rows = await session.execute(
        select(*columns, User.timezone).join(User, User.id == TimeEntry.user_id).where(where)
    )
    spans: dict[uuid.UUID, list[Span]] = defaultdict(list)
    zones: dict[uuid.UUID, str] = {}
    for eid, uid, start, end, tz in rows:
        spans[uid].append(Span(eid, start, end))
        zones[uid] = tz
    out: dict[uuid.UUID, str] = {}
    for uid, items in spans.items():
        out.update({k: c.value for k, c in classify(items, d.zone(zones[uid])).items()})  # type: ignore[misc]
    return out


async def billed_rows(
    session: AsyncSession,
    principal: Principal,
    params: dict[str, Any],
    first: date,
    last: date,
    now: datetime,
) -> AsyncIterator[Row]:
    """One row per entry of the scope starting within the range, ordered by
    group (when `params["groupBy"]` is set), then start; streamed."""
    group = params.get("groupBy")
    where = and_(
        TimeEntry.organization_id == principal.org_id,
        await _people(session, principal, params.get("teamId"), first, last),
    )
    classes = await _classes(session, where)
    stmt = _select(principal.org_id, group).where(where)
    order: list[Any] = [TimeEntry.start_time, TimeEntry.id]
    if group is not None:
        order = [_group_name(group), _MODELS[group].id, *order]
    result = await session.stream(stmt.order_by(*order).execution_options(yield_per=500))
    async for row in result:
        e, uname, email, tz_name, cname, pname, tname, aname, billable, rate, cur, act = row[:12]
        tz = d.zone(tz_name)
        seconds = entry_seconds(e, now)
        billed = seconds if billable else 0
        price = as_rate(rate) if billable else None
        amount = to_cents(price * billed) if price is not None else None
        start = e.start_time.astimezone(tz)
        end = e.end_time.astimezone(tz) if e.end_time else None
        values = [
            start.date(),
            uname,
            email,
            pname,
            tname,
            e.description,
            start.replace(tzinfo=None),
            end.replace(tzinfo=None) if end else None,
            timedelta(seconds=seconds),
            round(seconds / 3600, 2),
            timedelta(seconds=int(act)),
            d.percent(int(act), seconds),
            e.status,
            tz.key,
            cname,
            aname,
            "yes" if billable else "no",
            price,
            amount,
            cur if amount is not None else None,
            classes.get(e.id),
        ]
        yield Row(row.grp or "", row.grp_id, values, seconds, billed, price, cur)
