"""Time entry use cases for people (docs/api.md, "Time entries").

Who: a MEMBER reads and writes their own time; a team MANAGER also that of
their teams' members; ADMIN/OWNER anyone's in the organization. Anything else
is 404, like an id that does not exist. Every write takes the user's write
lock, checks, writes and commits in one transaction, and is audited.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from server import audit
from server.analytics import day_refresh
from server.auth.principal import Principal
from server.core.errors import BadRequest, NotFound
from server.core.ids import parse_uuid
from server.core.times import cursor_instant, parse_instant, require_instant
from server.core.values import sent_fields
from server.db.base import utcnow
from server.db.models import DeletedTimeEntry, TimeEntry, User
from server.db.pagination import clamp_limit, decode_cursor, encode_cursor
from server.db.scoped import get_in_org
from server.reports.scope import users_query, visible_user
from server.teams.service import can_see_user
from server.time_entries import rules
from server.time_entries.guards import ensure_editable
from server.time_entries.schemas import TimeEntryIn, TimeEntryOut, TimeEntryPage, TimeEntryPatch
from server.time_entries.wire import duration, entries_out, entry_out
from shared.enums import EntrySource, EntryStatus

IMPORT_PREFIX = "import:"


def _source_filter(source: str) -> object:
    if source == EntrySource.IMPORT.value:
        return TimeEntry.source.like(f"{IMPORT_PREFIX}%")
    known = {s.value for s in EntrySource}
    if source not in known and not source.startswith(IMPORT_PREFIX):
        raise BadRequest("source must be agent, web, manual, import or import:<provider>")
    return TimeEntry.source == source


def _page_after(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    after = decode_cursor(cursor, 2)
    if not after:
        return None
    try:
        return cursor_instant(after[0]), uuid.UUID(str(after[1]))
    except ValueError:
        raise BadRequest("cursor is malformed") from None


async def list_entries(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: str | None = None,
    start: str | None = None,
    end: str | None = None,
    project_id: str | None = None,
    source: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> TimeEntryPage:
    """Entries starting in [from, to), ordered by (startTime, id), keyset-paged."""
    stmt = select(TimeEntry).where(TimeEntry.organization_id == principal.org_id)
    if user_id:
        user = await visible_user(session, principal, user_id)
        stmt = stmt.where(TimeEntry.user_id == user.id)
    elif not principal.is_admin:
        visible = (await users_query(session, principal, None)).with_only_columns(User.id)
        stmt = stmt.where(TimeEntry.user_id.in_(visible))
    since, until = parse_instant(start, "from"), parse_instant(end, "to")
    if since and until and until <= since:
        raise BadRequest("to must be after from")
    if since:
        stmt = stmt.where(TimeEntry.start_time >= since)
    if until:
        stmt = stmt.where(TimeEntry.start_time < until)
    if project_id:
        stmt = stmt.where(TimeEntry.project_id == parse_uuid(project_id, "projectId"))
    if source:
        stmt = stmt.where(_source_filter(source))  # type: ignore[arg-type]
    after = _page_after(cursor)
    if after:
        stmt = stmt.where(tuple_(TimeEntry.start_time, TimeEntry.id) > tuple_(*after))
    size = clamp_limit(limit)
    rows = list(
        (
            await session.execute(stmt.order_by(TimeEntry.start_time, TimeEntry.id).limit(size + 1))
        ).scalars()
    )
    nxt = None
    if len(rows) > size:
        rows = rows[:size]
        nxt = encode_cursor([rows[-1].start_time.isoformat(), str(rows[-1].id)])
    return TimeEntryPage(items=await entries_out(session, rows), next_cursor=nxt)


async def get_entry(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> TimeEntry:
    """An entry the caller may see and change, or 404."""
    entry = await get_in_org(session, TimeEntry, entry_id, principal.org_id, "time entry")
    if not await can_see_user(session, principal, entry.user_id):
        raise NotFound("time entry")
    return entry


def _record(
    session: AsyncSession,
    principal: Principal,
    entry: TimeEntry,
    action: str,
    ip: str | None,
    **detail: object,
) -> None:
    audit.record_by(
        session,
        principal,
        action,
        target_type="time_entry",
        target_id=entry.id,
        ip=ip,
        userId=str(entry.user_id),
        forSomeoneElse=entry.user_id != principal.user_id,
        **detail,
    )


async def create_entry(
    session: AsyncSession, principal: Principal, data: TimeEntryIn, ip: str | None = None
) -> TimeEntryOut:
    user = await visible_user(session, principal, data.user_id)
    start = require_instant(data.start_time, "startTime")
    end = require_instant(data.end_time, "endTime")
    rules.check_span(start, end)
    org = principal.org_id
    project = await rules.project_ref(session, org, parse_uuid(data.project_id, "projectId"))
    task_id = activity_id = None
    if data.task_id:
        task_id = (
            await rules.task_ref(session, org, parse_uuid(data.task_id, "taskId"), project.id)
        ).id
    if data.activity_id:
        activity_id = parse_uuid(data.activity_id, "activityId")
        await rules.activity_ref(session, org, activity_id)
    now = utcnow()
    entry = TimeEntry(
        id=uuid.uuid4(),
        organization_id=org,
        user_id=user.id,
        idempotency_key=uuid.uuid4(),
        revision=1,
        project_id=project.id,
        task_id=task_id,
        activity_id=activity_id,
        start_time=start,
        end_time=end,
        duration_seconds=int((end - start).total_seconds()),
        status=EntryStatus.STOPPED.value,
        timezone=user.timezone or "UTC",
        description=rules.description(data.description),
        billable=data.billable,
        ticket_key=rules.ticket_key(data.ticket_key),
        source=EntrySource.MANUAL.value,
        created_at=now,
        updated_at=now,
    )
    async with rules.user_writes(session, user.id):
        await ensure_editable(session, user, [start])
        await rules.ensure_no_overlap(session, user.id, start, end)
        session.add(entry)
        await session.flush()
        _record(session, principal, entry, "time_entry.created", ip, seconds=entry.duration_seconds)
        await session.commit()
    return await entry_out(session, entry)


async def _owner(session: AsyncSession, entry: TimeEntry) -> User:
    user = await session.get(User, entry.user_id)
    if user is None:  # the entry's FK cascades: only in a race with the user's removal
        raise NotFound("time entry")
    return user


async def _apply_refs(
    session: AsyncSession, principal: Principal, entry: TimeEntry, data: TimeEntryPatch
) -> None:
    """Changed references are checked (org, archived); unchanged ones are kept
    even when archived since."""
    org = principal.org_id
    if data.project_id is not msgspec.UNSET:
        pid = parse_uuid(data.project_id, "projectId")
        if pid != entry.project_id:
            entry.project_id = (await rules.project_ref(session, org, pid)).id
            if data.task_id is msgspec.UNSET:
                entry.task_id = None  # a task belongs to its project
    if data.task_id is not msgspec.UNSET:
        tid = parse_uuid(data.task_id, "taskId") if data.task_id else None
        if tid is not None and (tid != entry.task_id or data.project_id is not msgspec.UNSET):
            if entry.project_id is None:
                raise BadRequest("a task needs a project")
            await rules.task_ref(session, org, tid, entry.project_id)
        entry.task_id = tid
    if data.activity_id is not msgspec.UNSET:
        aid = parse_uuid(data.activity_id, "activityId") if data.activity_id else None
        if aid is not None and aid != entry.activity_id:
            await rules.activity_ref(session, org, aid)
        entry.activity_id = aid


async def update_entry(
    session: AsyncSession,
    principal: Principal,
    entry_id: uuid.UUID,
    data: TimeEntryPatch,
    ip: str | None = None,
) -> TimeEntryOut:
    entry = await get_entry(session, principal, entry_id)
    now = utcnow()
    rules.refuse_while_agent_tracks(entry, now)
    old_start = entry.start_time
    start, end = entry.start_time, entry.end_time
    if data.start_time is not msgspec.UNSET:
        start = require_instant(data.start_time, "startTime")
    if data.end_time is not msgspec.UNSET:
        end = require_instant(data.end_time, "endTime")
    rules.check_span(start, end)
    await _apply_refs(session, principal, entry, data)
    if data.description is not msgspec.UNSET:
        entry.description = rules.description(data.description)
    if data.ticket_key is not msgspec.UNSET:
        entry.ticket_key = rules.ticket_key(data.ticket_key)
    if data.billable is not msgspec.UNSET:
        entry.billable = data.billable
    user = await _owner(session, entry)
    async with rules.user_writes(session, entry.user_id):
        await ensure_editable(session, user, [old_start, start])
        if (start, end) != (old_start, entry.end_time):
            # Only a new span is checked: imported and pulled entries may
            # already overlap, and editing their description must not fail.
            await rules.ensure_no_overlap(session, entry.user_id, start, end, exclude=entry.id)
        if end is not None and entry.end_time is None:
            entry.status = EntryStatus.STOPPED.value  # an open timer given an end stops
        entry.start_time, entry.end_time = start, end
        entry.duration_seconds = duration(entry, now) if end is not None else 0
        entry.updated_at = now
        _record(session, principal, entry, "time_entry.updated", ip, fields=sent_fields(data))
        await session.commit()
    return await entry_out(session, entry)


async def delete_entry(
    session: AsyncSession, principal: Principal, entry_id: uuid.UUID, ip: str | None = None
) -> None:
    """Removes the row (its activity and rollups cascade) and leaves a tombstone
    of its key, so that an agent's retry does not bring it back."""
    entry = await get_entry(session, principal, entry_id)
    now = utcnow()
    rules.refuse_while_agent_tracks(entry, now)
    user = await _owner(session, entry)
    async with rules.user_writes(session, entry.user_id):
        await ensure_editable(session, user, [entry.start_time])
        session.add(
            DeletedTimeEntry(
                idempotency_key=entry.idempotency_key,
                organization_id=entry.organization_id,
                user_id=entry.user_id,
                deleted_at=now,
            )
        )
        _record(
            session,
            principal,
            entry,
            "time_entry.deleted",
            ip,
            source=entry.source,
            startTime=entry.start_time.isoformat(),
            endTime=entry.end_time.isoformat() if entry.end_time else None,
        )
        day_refresh.touch(session, entry.user_id, entry.start_time, entry.end_time)
        await session.execute(delete(TimeEntry).where(TimeEntry.id == entry.id))
        await session.commit()
