"""The batch sync use case (docs/api.md, "Batch sync"), set-based.

A batch costs a fixed handful of statements whatever its size: a per-user
lock, one SELECT of referenced projects/tasks, one SELECT of stored entries
(by key and in the batch's time window), one upsert of entries, one SELECT
mapping activity keys to entries, one upsert of activity, one refresh of the
reports' rollup.
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.core.errors import BadRequest
from server.db.base import utcnow
from server.db.filters import in_values
from server.db.models import Project, Task, TimeEntry
from server.db.session import dialect_of
from server.reports import rollup as activity_rollup
from server.sync import bulk
from server.sync.overlap import Interval, Timeline
from server.sync.schemas import RawBatch
from server.sync.validate import ValidActivity, ValidEntry, decode_strict, validate_batch
from shared.enums import ConflictReason, EntrySource
from shared.limits import MAX_BATCH_ACTIVITY, MAX_BATCH_ENTRIES
from shared.schemas import ActivityResult, Conflict, SyncBatchResponse

_local_locks: weakref.WeakValueDictionary[uuid.UUID, asyncio.Lock] = weakref.WeakValueDictionary()


@asynccontextmanager
async def user_lock(session: AsyncSession, user_id: uuid.UUID) -> AsyncIterator[None]:
    """Serializes one user's batches so overlap checks and counts are race-free.

    PostgreSQL: a transaction-scoped advisory lock (works across replicas).
    SQLite: embedded mode is one process, so an in-process lock suffices.
    """
    if dialect_of(session) == "postgresql":
        key = int.from_bytes(user_id.bytes[:8], "big", signed=True)
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
        yield
        return
    lock = _local_locks.get(user_id)
    if lock is None:
        lock = asyncio.Lock()
        _local_locks[user_id] = lock
    async with lock:
        yield


@dataclass
class _Plan:
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


def check_limits(batch: RawBatch) -> None:
    if len(batch.entries) > MAX_BATCH_ENTRIES:
        raise BadRequest(
            f"a batch holds at most {MAX_BATCH_ENTRIES} entries (got {len(batch.entries)}); "
            "split it"
        )
    if len(batch.activity) > MAX_BATCH_ACTIVITY:
        raise BadRequest(
            f"a batch holds at most {MAX_BATCH_ACTIVITY} activity rows "
            f"(got {len(batch.activity)}); split it"
        )
    if not batch.device_id or len(batch.device_id) > 64:
        raise BadRequest("deviceId must be 1 to 64 characters")


def _dedupe_entries(entries: list[ValidEntry]) -> tuple[list[ValidEntry], int]:
    """Same key twice in one batch: keep the highest revision, count the rest skipped."""
    best: dict[uuid.UUID, ValidEntry] = {}
    for e in entries:
        cur = best.get(e.key)
        if cur is None or e.revision > cur.revision:
            best[e.key] = e
    return list(best.values()), len(entries) - len(best)


async def _known_refs(
    session: AsyncSession, org_id: uuid.UUID, entries: list[ValidEntry]
) -> tuple[set[uuid.UUID], dict[uuid.UUID, uuid.UUID]]:
    project_ids = {e.project_id for e in entries if e.project_id}
    task_ids = {e.task_id for e in entries if e.task_id}
    projects: set[uuid.UUID] = set()
    tasks: dict[uuid.UUID, uuid.UUID] = {}
    if project_ids:
        projects = set(
            (
                await session.execute(
                    select(Project.id).where(
                        Project.organization_id == org_id, Project.id.in_(project_ids)
                    )
                )
            ).scalars()
        )
    if task_ids:
        rows = await session.execute(
            select(Task.id, Task.project_id).where(
                Task.organization_id == org_id, Task.id.in_(task_ids)
            )
        )
        tasks = {tid: pid for tid, pid in rows}
    return projects, tasks


def _ref_problem(
    e: ValidEntry, projects: set[uuid.UUID], tasks: dict[uuid.UUID, uuid.UUID]
) -> str | None:
    if e.project_id and e.project_id not in projects:
        return f"project {e.project_id} does not exist"
    if e.task_id:
        owner = tasks.get(e.task_id)
        if owner is None:
            return f"task {e.task_id} does not exist"
        if owner != e.project_id:
            return f"task {e.task_id} does not belong to project {e.project_id}"
    return None


async def _stored_entries(
    session: AsyncSession, user_id: uuid.UUID, entries: list[ValidEntry]
) -> tuple[dict[uuid.UUID, tuple[uuid.UUID, int]], list[Interval]]:
    """Stored rows for the batch's keys (any user) and the user's entries in its window."""
    keys = [e.key for e in entries]
    start = min(e.start for e in entries)
    open_ended = any(e.end is None for e in entries)
    window = or_(TimeEntry.end_time.is_(None), TimeEntry.end_time > start)
    if not open_ended:
        window = and_(window, TimeEntry.start_time < max(e.end for e in entries if e.end))
    rows = await session.execute(
        select(
            TimeEntry.idempotency_key,
            TimeEntry.user_id,
            TimeEntry.revision,
            TimeEntry.start_time,
            TimeEntry.end_time,
        ).where(
            or_(
                in_values(session, TimeEntry.idempotency_key, keys),
                and_(TimeEntry.user_id == user_id, window),
            )
        )
    )
    by_key: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
    timeline: list[Interval] = []
    for key, owner, revision, s, e in rows:
        by_key[key] = (owner, revision)
        if owner == user_id:
            timeline.append(Interval(key, s, e))
    return by_key, timeline


async def _plan_entries(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    device_id: str,
    items: list[ValidEntry | Conflict],
    now: datetime,
) -> _Plan:
    plan = _Plan()
    valid: list[ValidEntry] = []
    for item in items:
        if isinstance(item, Conflict):
            plan.conflicts.append(item)
        else:
            valid.append(item)
    valid, plan.skipped = _dedupe_entries(valid)
    if not valid:
        return plan
    projects, tasks = await _known_refs(session, org_id, valid)
    stored, intervals = await _stored_entries(session, user_id, valid)
    timeline = Timeline(intervals)
    for e in sorted(valid, key=lambda x: (x.start, str(x.key))):
        key_text = str(e.key)
        problem = _ref_problem(e, projects, tasks)
        if problem:
            plan.conflicts.append(Conflict(key_text, ConflictReason.UNKNOWN_PROJECT, problem))
            continue
        existing = stored.get(e.key)
        if existing is not None:
            owner, revision = existing
            if owner != user_id:
                plan.conflicts.append(
                    Conflict(
                        key_text, ConflictReason.FORBIDDEN, "idempotencyKey belongs to another user"
                    )
                )
                continue
            if e.revision <= revision:
                plan.skipped += 1
                continue
        cand = Interval(e.key, e.start, e.end)
        other = timeline.clash(cand)
        if other is not None:
            plan.conflicts.append(
                Conflict(
                    key_text,
                    ConflictReason.OVERLAP,
                    f"overlaps entry {other.key} ({other.start.isoformat()} to "
                    f"{other.end.isoformat() if other.end else 'open'})",
                    other_key=str(other.key),
                )
            )
            continue
        timeline.accept(cand)
        plan.rows.append(
            {
                "id": uuid.uuid4(),
                "organization_id": org_id,
                "user_id": user_id,
                "idempotency_key": e.key,
                "revision": e.revision,
                "project_id": e.project_id,
                "task_id": e.task_id,
                "start_time": e.start,
                "end_time": e.end,
                "duration_seconds": e.duration_seconds,
                "status": e.status.value,
                "timezone": e.timezone,
                "description": e.description,
                "source": EntrySource.AGENT.value,
                "device_id": device_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    return plan


def _activity_conflict(a: ValidActivity, reason: ConflictReason, detail: str) -> Conflict:
    minute_text = a.minute.isoformat().replace("+00:00", "Z")
    return Conflict(str(a.entry_key), reason, detail, minute_text)


async def _apply_activity(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    items: list[ValidActivity | Conflict],
) -> ActivityResult:
    result = ActivityResult()
    latest: dict[tuple[uuid.UUID, datetime], ValidActivity] = {}
    for item in items:
        if isinstance(item, Conflict):
            result.conflicts.append(item)
        else:
            if (item.entry_key, item.minute) in latest:
                result.skipped += 1  # duplicate minute in one batch: last one wins
            latest[(item.entry_key, item.minute)] = item
    if not latest:
        return result
    keys = {k for k, _ in latest}
    # key -> (entry id, first minute it may have activity in, end)
    entries = {
        key: (eid, s.replace(second=0, microsecond=0), e)
        for key, eid, s, e in await session.execute(
            select(
                TimeEntry.idempotency_key, TimeEntry.id, TimeEntry.start_time, TimeEntry.end_time
            ).where(
                TimeEntry.user_id == user_id, in_values(session, TimeEntry.idempotency_key, keys)
            )
        )
    }
    rows: list[dict[str, Any]] = []
    for a in latest.values():
        found = entries.get(a.entry_key)
        if found is None:
            result.conflicts.append(
                _activity_conflict(
                    a,
                    ConflictReason.UNKNOWN_TIME_ENTRY,
                    "no stored time entry of yours has this key",
                )
            )
            continue
        entry_id, first_minute, end = found
        if a.minute < first_minute or (end is not None and a.minute >= end):
            result.conflicts.append(
                _activity_conflict(a, ConflictReason.INVALID, "minute lies outside its time entry")
            )
            continue
        rows.append(
            {
                "time_entry_id": entry_id,
                "minute": a.minute,
                "organization_id": org_id,
                "user_id": user_id,
                "keyboard_clicks": a.keyboard_clicks,
                "mouse_movements": a.mouse_movements,
                "active_seconds": a.active_seconds,
            }
        )
    changed = await bulk.upsert_activity(session, rows)
    result.processed = changed
    result.skipped += len(rows) - changed
    if changed:  # keep the reports' rollup in step (a pure retry changes nothing)
        await activity_rollup.refresh_entries(
            session,
            user_id,
            {r["time_entry_id"] for r in rows},
            min(r["minute"] for r in rows),
            max(r["minute"] for r in rows),
        )
    return result


async def ingest_batch(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    batch: RawBatch,
    body: bytes | None = None,
) -> SyncBatchResponse:
    """`body` is the raw JSON `batch` was decoded from, when there is one: decoding
    it strictly lets well-formed batches (nearly all) skip per-item validation."""
    check_limits(batch)  # before any decoding work on an oversized batch
    strict = decode_strict(body) if body is not None else None
    now = utcnow()
    entry_items, activity_items = validate_batch(batch, strict, user_id, now)
    async with user_lock(session, user_id):
        plan = await _plan_entries(session, org_id, user_id, batch.device_id, entry_items, now)
        written = await bulk.upsert_entries(session, plan.rows)
        # A row not written lost a race we could not see (another replica on
        # SQLite is unsupported; on PostgreSQL the lock prevents it): a retry.
        lost = len(plan.rows) - len(written)
        activity = await _apply_activity(session, org_id, user_id, activity_items)
        await session.commit()
    return SyncBatchResponse(
        processed=len(written),
        skipped=plan.skipped + lost,
        conflicts=plan.conflicts,
        activity=activity,
    )


__all__ = ["check_limits", "ingest_batch"]
