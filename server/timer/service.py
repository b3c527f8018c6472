"""The timer of the web pages and the command line (docs/api.md, "Timer").

A running timer is an open entry (no end) of source `web`. Pause ends it with
status PAUSED; resume marks it STOPPED and opens the next entry with the same
project, task, activity and description (the gap shows as a `pause` entry
class); stop ends the running entry, or closes a pause.

One running entry per user whatever its source: starting (or resuming) while
the desktop agent tracks is refused with 409 `agent_tracking` naming the
agent's entry; new agent time over a running web timer ends the timer at the
agent entry's start (server/sync/timers.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.principal import Principal
from server.core.errors import Conflict
from server.core.ids import parse_uuid
from server.core.spans import MAX_ENTRY_DURATION
from server.db.base import utcnow
from server.db.models import TimeEntry
from server.time_entries import rules
from server.time_entries.guards import ensure_editable
from server.time_entries.wire import entry_out
from server.timer.schemas import TimerOut, TimerStart, TimerState
from shared.enums import EntrySource, EntryStatus

WEB = EntrySource.WEB.value


async def _current(
    session: AsyncSession, user_id: uuid.UUID, now: datetime
) -> tuple[TimerState, TimeEntry | None]:
    open_timer = (
        await session.execute(
            select(TimeEntry)
            .where(
                TimeEntry.user_id == user_id,
                TimeEntry.end_time.is_(None),
                TimeEntry.status == EntryStatus.RUNNING.value,
                TimeEntry.source != EntrySource.AGENT.value,
            )
            .order_by(TimeEntry.start_time.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if open_timer is not None:
        return "running", open_timer
    agent = await rules.live_agent_entry(session, user_id, now)
    if agent is not None:
        return "running", agent
    # Paused: the user's latest entry is a paused web timer.
    latest = (
        await session.execute(
            select(TimeEntry)
            .where(TimeEntry.user_id == user_id, TimeEntry.start_time <= now)
            .order_by(TimeEntry.start_time.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if latest is not None and latest.status == EntryStatus.PAUSED.value and latest.source == WEB:
        return "paused", latest
    return "idle", None


def _refuse_agent(entry: TimeEntry, action: str) -> None:
    raise Conflict(
        f"the desktop agent is tracking entry {entry.id} (device "
        f"{entry.device_id or 'unknown'}) since {entry.start_time.isoformat()}; "
        f"{action} it in the agent",
        extra={"code": "agent_tracking", "entryId": str(entry.id)},
    )


def _wrong_state(detail: str, state: TimerState) -> Conflict:
    return Conflict(detail, extra={"code": "timer_state", "state": state})


async def _out(session: AsyncSession, state: TimerState, entry: TimeEntry | None) -> TimerOut:
    return TimerOut(state=state, entry=await entry_out(session, entry) if entry else None)


async def status(session: AsyncSession, principal: Principal) -> TimerOut:
    state, entry = await _current(session, principal.user_id, utcnow())
    return await _out(session, state, entry)


async def _open(
    session: AsyncSession, principal: Principal, now: datetime, template: TimeEntry
) -> TimeEntry:
    """Opens the next running web entry like `template` (checked, not committed)."""
    await ensure_editable(session, principal.user, [now])
    await rules.ensure_no_overlap(session, principal.user_id, now, None)
    entry = TimeEntry(
        id=uuid.uuid4(),
        organization_id=principal.org_id,
        user_id=principal.user_id,
        idempotency_key=uuid.uuid4(),
        revision=1,
        project_id=template.project_id,
        task_id=template.task_id,
        activity_id=template.activity_id,
        start_time=now,
        end_time=None,
        duration_seconds=0,
        status=EntryStatus.RUNNING.value,
        timezone=principal.user.timezone or "UTC",
        description=template.description,
        billable=template.billable,
        ticket_key=template.ticket_key,
        source=WEB,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    return entry


async def start(session: AsyncSession, principal: Principal, data: TimerStart) -> TimerOut:
    org = principal.org_id
    project = await rules.project_ref(session, org, parse_uuid(data.project_id, "projectId"))
    template = TimeEntry(project_id=project.id, description=rules.description(data.description))
    if data.task_id:
        task_id = parse_uuid(data.task_id, "taskId")
        template.task_id = (await rules.task_ref(session, org, task_id, project.id)).id
    if data.activity_id:
        template.activity_id = parse_uuid(data.activity_id, "activityId")
        await rules.activity_ref(session, org, template.activity_id)
    async with rules.user_writes(session, principal.user_id):
        now = utcnow()
        state, current = await _current(session, principal.user_id, now)
        if state == "running" and current is not None:
            if current.source == EntrySource.AGENT.value:
                _refuse_agent(current, "stop")
            raise _wrong_state(
                f"a timer is already running (entry {current.id}, since "
                f"{current.start_time.isoformat()}); stop it first",
                state,
            )
        if state == "paused" and current is not None:
            current.status = EntryStatus.STOPPED.value  # a new start ends the pause
        entry = await _open(session, principal, now, template)
        await session.commit()
    return await _out(session, "running", entry)


def _close(entry: TimeEntry, now: datetime, status: EntryStatus) -> None:
    """Ends the entry now; a timer forgotten for longer than an entry may last
    ends that long after its start (every stored entry keeps to the limit)."""
    end = min(max(now, entry.start_time), entry.start_time + MAX_ENTRY_DURATION)
    entry.end_time = end
    entry.duration_seconds = int((end - entry.start_time).total_seconds())
    entry.status = status.value
    entry.updated_at = now


async def _running_web(
    session: AsyncSession, principal: Principal, now: datetime, action: str
) -> tuple[TimerState, TimeEntry | None]:
    state, current = await _current(session, principal.user_id, now)
    if state == "running" and current is not None and current.source == EntrySource.AGENT.value:
        _refuse_agent(current, action)
    if state == "idle":
        raise _wrong_state("no timer is running; start one first", state)
    return state, current


async def pause(session: AsyncSession, principal: Principal) -> TimerOut:
    async with rules.user_writes(session, principal.user_id):
        now = utcnow()
        state, current = await _running_web(session, principal, now, "pause")
        if state == "paused" or current is None:
            raise _wrong_state("the timer is already paused", state)
        await ensure_editable(session, principal.user, [current.start_time])
        _close(current, now, EntryStatus.PAUSED)
        await session.commit()
    return await _out(session, "paused", current)


async def resume(session: AsyncSession, principal: Principal) -> TimerOut:
    async with rules.user_writes(session, principal.user_id):
        now = utcnow()
        state, current = await _running_web(session, principal, now, "resume")
        if state != "paused" or current is None:
            raise _wrong_state("the timer is not paused; nothing to resume", state)
        await ensure_editable(session, principal.user, [current.start_time])
        current.status = EntryStatus.STOPPED.value
        entry = await _open(session, principal, now, current)
        await session.commit()
    return await _out(session, "running", entry)


async def stop(session: AsyncSession, principal: Principal) -> TimerOut:
    async with rules.user_writes(session, principal.user_id):
        now = utcnow()
        state, current = await _running_web(session, principal, now, "stop")
        if current is None:
            raise _wrong_state("no timer is running; start one first", state)
        if state == "running":
            await ensure_editable(session, principal.user, [current.start_time])
            _close(current, now, EntryStatus.STOPPED)
        else:
            current.status = EntryStatus.STOPPED.value
            current.updated_at = now
        await session.commit()
    return await _out(session, "idle", current)


__all__ = ["pause", "resume", "start", "status", "stop"]
