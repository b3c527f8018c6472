"""Checks on a person's time: what it refers to, its span, overlap with the
user's other entries, the desktop agent's live entry, and the per-user write
lock every change of a user's time takes (the batch sync takes the same one)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, TextualSelect, and_, bindparam, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest, Conflict
from server.core.spans import MAX_ENTRY_DURATION, span_refusal
from server.db.models import Activity, Project, Task, TimeEntry
from server.db.scoped import get_in_org
from server.db.session import dialect_of
from server.sync.service import store_for
from server.sync.store import FAR_FUTURE
from server.sync.store_sqlite import SqliteStore
from server.time_entries.schemas import MAX_TICKET_KEY
from shared.enums import EntrySource, EntryStatus
from shared.limits import MAX_DESCRIPTION_LENGTH

# A tracking agent syncs its entry's end (its last heartbeat) every minute; an
# agent entry whose end is older than this is no longer being tracked (the
# agent crashed, slept or lost the network).
AGENT_LIVE = timedelta(minutes=5)


@asynccontextmanager
async def user_writes(session: AsyncSession, user_id: uuid.UUID) -> AsyncIterator[None]:
    """Serializes changes of one user's time (checks, then writes) until the
    block ends; the block commits. On failure the transaction is rolled back."""
    store = await store_for(session)
    try:
        await store.lock_user(user_id)
        yield
    except BaseException:
        await session.rollback()
        raise
    finally:
        if isinstance(store, SqliteStore):
            store.release()


@dataclass
class Refs:
    project_id: uuid.UUID
    task_id: uuid.UUID | None
    activity_id: uuid.UUID | None


async def project_ref(session: AsyncSession, org_id: uuid.UUID, project_id: uuid.UUID) -> Project:
    project = await get_in_org(session, Project, project_id, org_id, "project")
    if project.archived:
        raise BadRequest(f"project {project.name!r} is archived; pick another project")
    return project


async def task_ref(
    session: AsyncSession, org_id: uuid.UUID, task_id: uuid.UUID, project_id: uuid.UUID
) -> Task:
    task = await get_in_org(session, Task, task_id, org_id, "task")
    if task.project_id != project_id:
        raise BadRequest(f"task {task.name!r} does not belong to project {project_id}")
    if task.archived:
        raise BadRequest(f"task {task.name!r} is archived; pick another task")
    return task


async def activity_ref(session: AsyncSession, org_id: uuid.UUID, activity_id: uuid.UUID) -> None:
    activity = await get_in_org(session, Activity, activity_id, org_id, "activity")
    if activity.archived:
        raise BadRequest(f"activity {activity.name!r} is archived; pick another activity")


def check_span(start: datetime, end: datetime | None) -> None:
    if end is None:
        return
    if end <= start:
        raise BadRequest("endTime must be after startTime")
    problem = span_refusal(start, end)
    if problem is not None:
        raise BadRequest(problem)


def description(value: str | None) -> str | None:
    if len(value or "") > MAX_DESCRIPTION_LENGTH:  # as sent: what the schema states
        raise BadRequest(f"description must be at most {MAX_DESCRIPTION_LENGTH} characters")
    return (value or "").strip() or None


def ticket_key(value: str | None) -> str | None:
    if len(value or "") > MAX_TICKET_KEY:  # as sent: what the schema states
        raise BadRequest(f"ticketKey must be at most {MAX_TICKET_KEY} characters")
    value = (value or "").strip()
    return value or None


def _overlap_query(hint: str) -> TextualSelect:
    table = TimeEntry.__table__.c
    fields = "SELECT id, start_time, end_time, source FROM time_entries"
    return (
        text(
            # Closed entries: one (user, start) range bounded on both sides,
            # since a closed entry lasts at most MAX_ENTRY_DURATION.
            f"{fields} WHERE user_id = :user AND start_time >= :since"
            " AND start_time < :stop AND end_time > :start AND end_time > start_time"
            # Open (running) entries, whenever they started: their partial index.
            f" UNION ALL {fields}{hint} WHERE user_id = :user AND end_time IS NULL"
            " AND start_time < :stop"
            " ORDER BY start_time LIMIT 2"
        )
        .bindparams(
            bindparam("user", type_=table.user_id.type),
            *(bindparam(n, type_=table.start_time.type) for n in ("since", "start", "stop")),
        )
        .columns(table.id, table.start_time, table.end_time, table.source)
    )


# As one OR, SQLite read the open entries through (user_id, start_time < stop):
# every entry the person ever recorded, on every edit (docs/benchmarks.md, "A
# sync that read all of a person's entries"). Named, the partial index cannot
# lose to that range; PostgreSQL picks it by itself.
_OVERLAP = {
    "sqlite": _overlap_query(" INDEXED BY ix_time_entries_user_open"),
    "postgresql": _overlap_query(""),
}


async def ensure_no_overlap(
    session: AsyncSession,
    user_id: uuid.UUID,
    start: datetime,
    end: datetime | None,
    exclude: uuid.UUID | None = None,
) -> None:
    """409 naming the user's other entry that [start, end) would overlap."""
    params = {
        "user": user_id,
        "since": start - MAX_ENTRY_DURATION,
        "start": start,
        "stop": end or FAR_FUTURE,
    }
    rows = await session.execute(_OVERLAP[dialect_of(session)], params)
    for other in rows:
        if other.id == exclude:
            continue
        other_end = other.end_time.isoformat() if other.end_time else None
        raise Conflict(
            f"overlaps entry {other.id} ({other.start_time.isoformat()} to "
            f"{other_end or 'open'}, {other.source})",
            extra={
                "code": "overlap",
                "otherEntry": {
                    "id": str(other.id),
                    "startTime": other.start_time.isoformat(),
                    "endTime": other_end,
                    "source": other.source,
                },
            },
        )


def agent_is_tracking(entry: TimeEntry, now: datetime) -> bool:
    """The desktop agent is still recording this entry (fresh heartbeat)."""
    return (
        entry.source == EntrySource.AGENT.value
        and entry.status == EntryStatus.RUNNING.value
        and (entry.end_time or entry.start_time) >= now - AGENT_LIVE
    )


def live_agent_query(user_id: uuid.UUID, now: datetime) -> Select[TimeEntry]:
    return (
        select(TimeEntry)
        .where(
            TimeEntry.user_id == user_id,
            TimeEntry.source == EntrySource.AGENT.value,
            TimeEntry.status == EntryStatus.RUNNING.value,
            # Both cases below start after this: said once, it bounds the
            # (user, start) range (else SQLite read every entry of the person).
            TimeEntry.start_time >= now - MAX_ENTRY_DURATION,
            or_(
                TimeEntry.end_time >= now - AGENT_LIVE,
                # Synced before its first heartbeat: live while recent.
                and_(TimeEntry.end_time.is_(None), TimeEntry.start_time >= now - AGENT_LIVE),
            ),
        )
        .order_by(TimeEntry.start_time.desc())
        .limit(1)
    )


async def live_agent_entry(
    session: AsyncSession, user_id: uuid.UUID, now: datetime
) -> TimeEntry | None:
    """The entry the user's desktop agent is tracking right now, if any."""
    return (await session.execute(live_agent_query(user_id, now))).scalar_one_or_none()


def refuse_while_agent_tracks(entry: TimeEntry, now: datetime) -> None:
    if agent_is_tracking(entry, now):
        raise Conflict(
            f"entry {entry.id} is being tracked by the desktop agent (device "
            f"{entry.device_id or 'unknown'}) since {entry.start_time.isoformat()}; "
            "stop tracking there first",
            extra={"code": "agent_tracking", "entryId": str(entry.id)},
        )
