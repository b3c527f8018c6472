"""Keeping the per-day rollup (`TrackedDay`, `TrackedDayHours`) in step.

A write marks what it touched — (person, UTC span) or a person's whole
history — in the session (`touch`, `touch_entries`, `touch_person`); when the
session commits, `server.analytics.day_events` recomputes the marked local
days from the entries (`refresh`), in the same
transaction: recomputing instead of adding deltas means the rollup cannot
drift, and running it twice changes nothing. ORM writes of entries and a
person's time zone are marked by the session events; Core and driver
statements (sync, bulk deletes) call `touch*` themselves. Only closed time is
kept: an agent's running entry and its minutes change no day row, so the
per-minute sync does no rollup work.

A refresh is a fixed handful of statements whatever the number of days and
people: one read of the people's zones, one of their entries in the marked
days, then one delete and one insert per table.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from server.analytics.day_pieces import Days, span_days
from server.core.spans import MAX_ENTRY_DURATION
from server.db.models import TimeEntry, TrackedDay, TrackedDayHours, User
from server.db.models.day_rollup import HOURS
from server.reports import days as d
from shared.enums import EntrySource

_KEY = "tracked_days.marked"
_MARGIN = timedelta(days=1)  # entries are read a day wider than the days they fill


@dataclass
class Marked:
    spans: dict[uuid.UUID, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    whole: set[uuid.UUID] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.spans or self.whole)


def marked(session: Session | AsyncSession, *, pop: bool = False) -> Marked:
    info = session.info
    if pop:
        got = info.pop(_KEY, None)
        return got if isinstance(got, Marked) else Marked()
    found = info.get(_KEY)
    if not isinstance(found, Marked):
        found = info[_KEY] = Marked()
    return found


def touch(
    session: Session | AsyncSession, user_id: uuid.UUID, start: datetime, end: datetime | None
) -> None:
    """The person's days overlapping [start, end] need a recompute at commit."""
    marked(session).spans.setdefault(user_id, []).append((start, end or start))


def touch_spans(
    session: Session | AsyncSession,
    user_id: uuid.UUID,
    spans: Iterable[tuple[datetime, datetime | None]],
) -> None:
    """Many spans of one person (a sync batch): marked as they are, merged at
    commit. A batch that changed no closed time marks nothing (an agent's
    running entry and its minutes: the hot path stays free of rollup work)."""
    added = [(start, end or start) for start, end in spans]
    if added:
        marked(session).spans.setdefault(user_id, []).extend(added)


def touch_many(
    session: Session | AsyncSession, spans: Iterable[tuple[uuid.UUID, datetime, datetime | None]]
) -> None:
    """(person, start, end) of many entries written by a Core or driver
    statement (an import's page)."""
    todo = marked(session).spans
    for user_id, start, end in spans:
        todo.setdefault(user_id, []).append((start, end or start))


def touch_person(session: Session | AsyncSession, user_id: uuid.UUID) -> None:
    """All the person's days (their time zone changed)."""
    marked(session).whole.add(user_id)


async def touch_entries(session: AsyncSession, *where: ColumnElement[bool]) -> None:
    """Marks the days of the entries matching `where` (before a Core update or
    delete of them): one grouped read."""
    rows = await session.execute(
        select(
            TimeEntry.user_id,
            func.min(TimeEntry.start_time),
            func.max(func.coalesce(TimeEntry.end_time, TimeEntry.start_time)),
        )
        .where(*where)
        .group_by(TimeEntry.user_id)
    )
    for user_id, lo, hi in rows:
        touch(session, user_id, lo, hi)


class _Every:
    def __contains__(self, _day: object) -> bool:
        return True


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Spans less than a day apart as one (a sync batch marks one per entry)."""
    out: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1] + _MARGIN:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _runs(days: set[int]) -> list[tuple[int, int]]:
    """Sorted days as inclusive runs of consecutive days."""
    out: list[tuple[int, int]] = []
    for day in sorted(days):
        if out and out[-1][1] == day - 1:
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


def _utc(day: int, tz: ZoneInfo) -> datetime:
    return d.day_start(date(1970, 1, 1) + timedelta(days=day), tz)


def refresh(conn: Connection, todo: Marked) -> None:
    """Recomputes the marked days of the marked people from their sources."""
    people = {uid for uid, spans in todo.spans.items() if spans} | todo.whole
    zones = {
        uid: (org, d.zone(tz))
        for uid, org, tz in conn.execute(
            select(User.id, User.organization_id, User.timezone).where(User.id.in_(people))
        )
    }  # a person gone (erased) has no rows left to recompute: cascades took them
    wanted: dict[uuid.UUID, Any] = {}
    runs: list[tuple[uuid.UUID, int, int]] = []  # (person, first day, last day), in order
    for uid, (_org, tz) in zones.items():
        if uid in todo.whole:
            wanted[uid] = _Every()
            continue
        days = {day for a, b in _merged(todo.spans[uid]) for day in span_days(a, b, tz)}
        wanted[uid] = days
        runs += [(uid, first, last) for first, last in _runs(days)]
    if not wanted:
        return
    found = {uid: Days(wanted[uid]) for uid in wanted}
    whole = [uid for uid in wanted if uid in todo.whole]
    fast = conn.dialect.name == "postgresql" and not whole
    entries = _read_pg(conn, zones, runs) if fast else _read(conn, zones, whole, runs)
    for uid, start, end, project, task, activity, billable, source in entries:
        found[uid].add_entry(
            zones[uid][1], start, end, (project, task, activity, billable), source == _MANUAL
        )
    if fast:
        _delete_pg(conn, runs)
    else:
        _delete(conn, whole, runs)
    _insert(conn, zones, found)


_Zones = dict[uuid.UUID, tuple[uuid.UUID, ZoneInfo]]


def _bounds(first: int, last: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants whose entries can fill local days first..last (a day wider)."""
    return _utc(first, tz) - _MARGIN, _utc(last + 1, tz) + _MARGIN


def _read(
    conn: Connection, zones: _Zones, whole: list[uuid.UUID], runs: list[tuple[uuid.UUID, int, int]]
) -> Any:
    """The closed entries that can fill the days: any database."""
    on_entries = [TimeEntry.user_id == uid for uid in whole]
    for uid, first, last in runs:
        lo, hi = _bounds(first, last, zones[uid][1])
        on_entries.append(
            and_(
                TimeEntry.user_id == uid,
                TimeEntry.start_time < hi,
                TimeEntry.start_time >= lo - MAX_ENTRY_DURATION,
                TimeEntry.end_time > lo,
            )
        )
    return conn.execute(
        select(
            TimeEntry.user_id,
            TimeEntry.start_time,
            TimeEntry.end_time,
            TimeEntry.project_id,
            TimeEntry.task_id,
            TimeEntry.activity_id,
            TimeEntry.billable,
            TimeEntry.source,
        ).where(TimeEntry.end_time.is_not(None), or_(*on_entries))
    )


def _delete(
    conn: Connection, whole: list[uuid.UUID], runs: list[tuple[uuid.UUID, int, int]]
) -> None:
    for table in (TrackedDay, TrackedDayHours):
        on = [table.user_id == uid for uid in whole]
        on += [and_(table.user_id == uid, table.day.between(a, b)) for uid, a, b in runs]
        conn.execute(delete(table).where(or_(*on)))


# PostgreSQL: the same reads and deletes as one statement each over arrays of
# (person, bounds): the same text whatever the number of people and days, so
# it is compiled and prepared once (an OR of one clause per person and run of
# days was built and compiled anew at every commit: most of a refresh's Python).
_PG_ENTRIES = text(
    "SELECT e.user_id, e.start_time, e.end_time, e.project_id, e.task_id, e.activity_id,"
    " e.billable, e.source"
    " FROM unnest(CAST(:users AS uuid[]), CAST(:start_from AS timestamptz[]),"
    "  CAST(:start_to AS timestamptz[]), CAST(:end_after AS timestamptz[]))"
    "  AS w(user_id, start_from, start_to, end_after)"
    " JOIN time_entries AS e ON e.user_id = w.user_id AND e.start_time >= w.start_from"
    "  AND e.start_time < w.start_to AND e.end_time > w.end_after"
)
_PG_DELETE = {
    table: text(
        f"DELETE FROM {table} AS t USING unnest(CAST(:users AS uuid[]),"  # noqa: S608 (constant)
        " CAST(:firsts AS int[]), CAST(:lasts AS int[])) AS w(user_id, first, last)"
        " WHERE t.user_id = w.user_id AND t.day BETWEEN w.first AND w.last"
    )
    for table in ("tracked_days", "tracked_day_hours")
}


def _read_pg(conn: Connection, zones: _Zones, runs: list[tuple[uuid.UUID, int, int]]) -> Any:
    """As `_read`; each entry once: a person's windows are cut so that their
    start ranges do not overlap (an entry a later window would also match
    already matches the earlier one, whose start range holds its start)."""
    users, start_from, start_to, end_after = [], [], [], []
    previous: tuple[uuid.UUID, datetime] | None = None
    for uid, first, last in runs:  # a person's runs are consecutive and ascending
        lo, hi = _bounds(first, last, zones[uid][1])
        since = lo - MAX_ENTRY_DURATION
        if previous is not None and previous[0] == uid:
            since = max(since, previous[1])
        users.append(uid)
        start_from.append(since)
        start_to.append(hi)
        end_after.append(lo)
        previous = (uid, hi)
    return conn.execute(
        _PG_ENTRIES,
        {"users": users, "start_from": start_from, "start_to": start_to, "end_after": end_after},
    )


def _delete_pg(conn: Connection, runs: list[tuple[uuid.UUID, int, int]]) -> None:
    params = {
        "users": [r[0] for r in runs],
        "firsts": [r[1] for r in runs],
        "lasts": [r[2] for r in runs],
    }
    for statement in _PG_DELETE.values():
        conn.execute(statement, params)


_MANUAL = EntrySource.MANUAL.value


_DAY_COLUMNS = (
    "organization_id", "user_id", "day", "project_id", "task_id", "activity_id", "billable",
    "seconds", "manual_seconds",
)  # fmt: skip
_HOUR_COLUMNS = ("organization_id", "user_id", "day", *HOURS)
# Array types of the columns on PostgreSQL (the rest: int).
_PG_TYPES = {
    "organization_id": "uuid", "user_id": "uuid", "project_id": "uuid", "task_id": "uuid",
    "activity_id": "uuid", "billable": "boolean", "seconds": "bigint", "manual_seconds": "bigint",
}  # fmt: skip


def _pg_insert(table: str, columns: tuple[str, ...]) -> Any:
    """INSERT of many rows as one statement over one array per column (PostgreSQL)."""
    arrays = ", ".join(f"CAST(:{c} AS {_PG_TYPES.get(c, 'int')}[])" for c in columns)
    return text(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays})")  # noqa: S608 (constants)


_PG_INSERT = {
    TrackedDay: _pg_insert("tracked_days", _DAY_COLUMNS),
    TrackedDayHours: _pg_insert("tracked_day_hours", _HOUR_COLUMNS),
}


def _insert(
    conn: Connection,
    zones: dict[uuid.UUID, tuple[uuid.UUID, ZoneInfo]],
    found: dict[uuid.UUID, Days],
) -> None:
    totals: list[tuple[Any, ...]] = []
    hours: list[tuple[Any, ...]] = []
    for uid, days in found.items():
        org = zones[uid][0]
        for (day, project, task, activity, billable), (seconds, manual) in days.totals.items():
            if seconds:
                totals.append((org, uid, day, project, task, activity, billable, seconds, manual))
        for day, per_hour in days.hours.items():  # a row for every day with an entry piece
            hours.append((org, uid, day, *per_hour))
    pg = conn.dialect.name == "postgresql"
    for model, columns, rows in (
        (TrackedDay, _DAY_COLUMNS, totals),
        (TrackedDayHours, _HOUR_COLUMNS, hours),
    ):
        if not rows:
            continue
        if pg:  # no per-row parameter processing
            arrays = {c: list(v) for c, v in zip(columns, zip(*rows, strict=True), strict=True)}
            conn.execute(_PG_INSERT[model], arrays)
        else:
            conn.execute(insert(model), [dict(zip(columns, r, strict=True)) for r in rows])


def rebuild(conn: Connection, org_id: uuid.UUID | None = None) -> None:
    """Every person's days (of one organization): migrations, benchmarks, repairs."""
    who = select(User.id)
    if org_id is not None:
        who = who.where(User.organization_id == org_id)
    people = list(conn.execute(who).scalars())
    for start in range(0, len(people), 200):
        refresh(conn, Marked(whole=set(people[start : start + 200])))
