"""The batch sync use case (docs/api.md, "Batch sync"), set-based.

A batch costs a fixed handful of statements whatever its size: the caller's
check and the per-user lock (one statement on PostgreSQL), the batch's reads
(stored entries by key and in its time window, the user's approved weeks,
tombstones, the projects and tasks it names: one statement on PostgreSQL),
one upsert of entries, one upsert of activity with the reports' rollup, and
the input signals and apps rows when the batch has any.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.analytics import day_refresh
from server.core.errors import SIGNED_OUT, BadRequest, Unauthorized
from server.core.spans import MAX_ENTRY_DURATION
from server.db.base import utcnow
from server.reports.rollup import SLOT, slot_of
from server.sync.apps import app_rows, signal_rows, validate_apps
from server.sync.apps_store import write_signals_and_apps
from server.sync.checks import lock_index_of, ref_problem, refs_of
from server.sync.overlap import Interval, Timeline
from server.sync.schemas import MAX_DEVICE_ID, RawBatch
from server.sync.store import FAR_FUTURE, BatchWindow, StoredEntry, SyncStore
from server.sync.store_pg import PgStore
from server.sync.store_sqlite import SqliteStore
from server.sync.timers import TimerStop, clash_ending_timer, stop_timers
from server.sync.tombstones import deleted_conflict, tombstoned
from server.sync.validate import (
    ValidActivity,
    ValidEntry,
    decode_strict,
    validate_batch,
)
from server.timesheets.locks import locked_detail
from shared.enums import ConflictReason, EntrySource
from shared.limits import MAX_BATCH_ACTIVITY, MAX_BATCH_APPS, MAX_BATCH_ENTRIES
from shared.schemas import ActivityResult, Conflict, SyncBatchResponse


@dataclass
class _Plan:
    conflicts: list[Conflict] = field(default_factory=list)
    skipped: int = 0
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    # Keys of entries a person deleted (tombstones): answered `deleted`, never stored.
    deleted: set[uuid.UUID] = field(default_factory=set)
    # Open web timers the batch's new agent time ends (server/sync/timers.py).
    timer_stops: list[TimerStop] = field(default_factory=list)
    # Where the entries it updates were before (their days change too).
    moved_from: list[tuple[datetime, datetime | None]] = field(default_factory=list)

    def touched(self) -> list[tuple[datetime, datetime | None]]:
        """Every span of closed time the batch changes (a running entry's
        revision changes none: the rollup holds closed entries only)."""
        new = [(row[7], row[8]) for row in self.rows]
        stops = [(start, end) for _, start, end in self.timer_stops]
        return [(a, b) for a, b in (*new, *self.moved_from, *stops) if b is not None]


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
    if len(batch.apps) > MAX_BATCH_APPS:
        raise BadRequest(
            f"a batch holds at most {MAX_BATCH_APPS} apps rows (got {len(batch.apps)}); split it"
        )
    if not batch.device_id or len(batch.device_id) > MAX_DEVICE_ID:
        raise BadRequest(f"deviceId must be 1 to {MAX_DEVICE_ID} characters")


def _dedupe_entries(entries: list[ValidEntry]) -> tuple[list[ValidEntry], int]:
    """Same key twice in one batch: keep the highest revision, count the rest skipped."""
    best: dict[uuid.UUID, ValidEntry] = {}
    for e in entries:
        cur = best.get(e.key)
        if cur is None or e.revision > cur.revision:
            best[e.key] = e
    return list(best.values()), len(entries) - len(best)


# key -> (entry id, first minute it may have activity in, end): the user's entries
# that activity rows may name.
Known = dict[uuid.UUID, tuple[uuid.UUID, datetime, datetime | None]]


def _known(rows: list[StoredEntry], user_id: uuid.UUID) -> Known:
    return {
        r.key: (r.id, r.start.replace(second=0, microsecond=0), r.end)
        for r in rows
        if r.owner == user_id
    }


async def _plan_entries(
    session: AsyncSession,
    store: SyncStore,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    device_id: str,
    items: list[ValidEntry | Conflict],
    activity_keys: set[uuid.UUID],
    now: datetime,
) -> tuple[_Plan, Known]:
    """The rows to write, and the user's entries activity may name as they will
    be after the write: one SELECT serves the idempotency, overlap and activity
    look-ups alike (stored rows by key, and the user's rows in the batch's window)."""
    plan = _Plan()
    valid: list[ValidEntry] = []
    for item in items:
        if isinstance(item, Conflict):
            plan.conflicts.append(item)
        else:
            valid.append(item)
    valid, plan.skipped = _dedupe_entries(valid)
    if not valid:
        found = await store.own_entries(user_id, list(activity_keys)) if activity_keys else []
        known = _known(found, user_id)
        plan.deleted = await tombstoned(store, user_id, activity_keys - known.keys())
        return plan, known
    start = min(e.start for e in valid)
    end = FAR_FUTURE if any(e.end is None for e in valid) else max(e.end for e in valid if e.end)
    keys = {e.key for e in valid} | activity_keys
    reads = await store.read_batch(
        BatchWindow(
            keys=list(keys),
            user_id=user_id,
            start=start,
            end=end,
            since=start - MAX_ENTRY_DURATION,
            first=start,
            last=max(e.start for e in valid),
            org_id=org_id,
            project_ids=list({e.project_id for e in valid if e.project_id}),
            task_ids=list({e.task_id for e in valid if e.task_id}),
        )
    )
    found = reads.stored
    stored = {r.key: r for r in found}
    refs = refs_of(reads)
    locks = lock_index_of(user_id, reads)
    known = _known(found, user_id)
    plan.deleted = reads.deleted
    timeline = Timeline([Interval(r.key, r.start, r.end) for r in found if r.owner == user_id])
    for e in sorted(valid, key=lambda x: (x.start, str(x.key))):
        key_text = str(e.key)
        if e.key in plan.deleted:
            plan.conflicts.append(deleted_conflict(key_text))
            continue
        existing = stored.get(e.key)
        problem = ref_problem(e, refs, new=existing is None)
        if problem:
            plan.conflicts.append(Conflict(key_text, ConflictReason.UNKNOWN_PROJECT, problem))
            continue
        # Keys are per person (the store only finds the caller's), so another
        # person's key is simply a new one here: nothing tells it exists.
        if existing is not None and e.revision <= existing.revision:
            plan.skipped += 1
            continue
        week = locks.week_at(user_id, e.start) or (
            locks.week_at(user_id, existing.start) if existing is not None else None
        )
        if week is not None:
            plan.conflicts.append(
                Conflict(key_text, ConflictReason.LOCKED, locked_detail(week.week_start))
            )
            continue
        cand = Interval(e.key, e.start, e.end)
        other = clash_ending_timer(timeline, stored, user_id, cand, plan.timer_stops)
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
        # An update keeps the stored row's id (ON CONFLICT DO UPDATE).
        entry_id = existing.id if existing is not None else uuid.uuid4()
        if existing is not None:
            plan.moved_from.append((existing.start, existing.end))
        known[e.key] = (entry_id, e.start.replace(second=0, microsecond=0), e.end)
        plan.rows.append(
            (
                entry_id,
                org_id,
                user_id,
                e.key,
                e.revision,
                e.project_id,
                e.task_id,
                e.start,
                e.end,
                e.duration_seconds,
                e.status.value,
                e.timezone,
                e.description,
                EntrySource.AGENT.value,
                device_id,
                now,
                now,
            )
        )
    return plan, known


def _activity_conflict(a: ValidActivity, reason: ConflictReason, detail: str) -> Conflict:
    minute_text = a.minute.isoformat().replace("+00:00", "Z")
    return Conflict(str(a.entry_key), reason, detail, minute_text)


def _latest_activity(
    items: list[ValidActivity | Conflict], result: ActivityResult
) -> dict[tuple[uuid.UUID, datetime], ValidActivity]:
    latest: dict[tuple[uuid.UUID, datetime], ValidActivity] = {}
    for item in items:
        if isinstance(item, Conflict):
            result.conflicts.append(item)
        else:
            if (item.entry_key, item.minute) in latest:
                result.skipped += 1  # duplicate minute in one batch: last one wins
            latest[(item.entry_key, item.minute)] = item
    return latest


def _activity_rows(
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    latest: dict[tuple[uuid.UUID, datetime], ValidActivity],
    entries: Known,
    deleted: set[uuid.UUID],
) -> tuple[list[tuple[Any, ...]], list[Conflict]]:
    """The activity rows to write against `entries`, and the minutes refused."""
    rows: list[tuple[Any, ...]] = []
    refused: list[Conflict] = []
    for a in latest.values():
        found = entries.get(a.entry_key)
        if found is None and a.entry_key in deleted:
            minute_text = a.minute.isoformat().replace("+00:00", "Z")
            refused.append(deleted_conflict(str(a.entry_key), minute_text))
            continue
        if found is None:
            refused.append(
                _activity_conflict(
                    a,
                    ConflictReason.UNKNOWN_TIME_ENTRY,
                    "no stored time entry of yours has this key",
                )
            )
            continue
        entry_id, first_minute, end = found
        if a.minute < first_minute or (end is not None and a.minute >= end):
            refused.append(
                _activity_conflict(a, ConflictReason.INVALID, "minute lies outside its time entry")
            )
            continue
        rows.append(
            (
                entry_id,
                a.minute,
                org_id,
                user_id,
                a.keyboard_clicks,
                a.mouse_movements,
                a.active_seconds,
            )
        )
    return rows, refused


def _slots(rows: list[tuple[Any, ...]], now: datetime) -> tuple[datetime, datetime]:
    """The rollup slots the activity rows fall in, as [first, end)."""
    if not rows:
        return now, now
    minutes = [r[1] for r in rows]
    return slot_of(min(minutes)), slot_of(max(minutes)) + SLOT


async def store_for(session: AsyncSession) -> SyncStore:
    """The driver-level statements on the session's connection and transaction."""
    conn = await session.connection()
    raw = await conn.get_raw_connection()
    if conn.dialect.name == "postgresql":
        return PgStore(conn, raw.driver_connection, raw.dbapi_connection)
    # The file's path names its writer lock (`str(url)` costs a URL rendering per call).
    return SqliteStore(raw.driver_connection, conn.engine.url.database or "")


async def ingest_batch(
    session: AsyncSession,
    org_id: uuid.UUID,
    user_id: uuid.UUID,
    batch: RawBatch,
    body: bytes | None = None,
    *,
    check_member: bool = False,
    sign_in: uuid.UUID | None = None,
) -> SyncBatchResponse:
    """`body` is the raw JSON `batch` was decoded from, when there is one: decoding
    it strictly lets well-formed batches (nearly all) skip per-item validation.

    `check_member`: the caller is known only by their access token (user,
    organization, sign-in `sign_in`); they are checked here, in the batch's own
    transaction and first statement, instead of by a principal read before it
    (Unauthorized when they are no active member or the sign-in has ended)."""
    check_limits(batch)  # before any decoding work on an oversized batch
    strict = decode_strict(body) if body is not None else None
    now = utcnow()
    entry_items, activity_items = validate_batch(batch, strict, user_id, now)
    app_items = validate_apps(batch.apps, strict.apps if strict is not None else None, user_id)
    activity = ActivityResult()
    latest = _latest_activity(activity_items, activity)
    named = {k for k, _ in latest} | {a.entry_key for a in app_items if not isinstance(a, Conflict)}
    store = await store_for(session)
    try:
        member = None
        if check_member:
            member = await store.lock_member(user_id, org_id, sign_in)
            if member is None:
                raise Unauthorized(SIGNED_OUT)
        else:
            await store.lock_user(user_id)
        plan, known = await _plan_entries(
            session,
            store,
            org_id,
            user_id,
            batch.device_id,
            entry_items,
            named,
            now,
        )
        if plan.timer_stops:
            await stop_timers(session, plan.timer_stops, now)
        # The entries and their activity: one round trip (PostgreSQL) or one
        # step on the connection's thread (SQLite) when the batch has both.
        rows, refused = _activity_rows(org_id, user_id, latest, known, plan.deleted)
        written, changed = await store.write_entries(plan.rows, rows, user_id, *_slots(rows, now))
        # A row not written lost a race we could not see (another replica on
        # SQLite is unsupported; on PostgreSQL the lock prevents it): a retry.
        # Then what the activity may name is read back rather than assumed,
        # and the activity (not written: `changed` is None) written against it.
        lost = len(plan.rows) - written
        if lost and named:
            known = _known(await store.own_entries(user_id, list(named)), user_id)
        if changed is None:
            rows, refused = _activity_rows(org_id, user_id, latest, known, plan.deleted)
            changed = await store.write_activity(rows, user_id, *_slots(rows, now))
        activity.conflicts.extend(refused)
        activity.processed = changed
        activity.skipped += len(rows) - changed
        signals = signal_rows(org_id, user_id, latest, known) if latest else []
        apps, apps_rows = await app_rows(
            session, org_id, user_id, app_items, known, plan.deleted, member
        )
        await write_signals_and_apps(session, signals, apps_rows)
        # The analytics' per-day rollup: these days are recomputed at commit.
        day_refresh.touch_spans(session, user_id, plan.touched())
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    finally:
        if isinstance(store, SqliteStore):
            store.release()
    return SyncBatchResponse(
        processed=written,
        skipped=plan.skipped + lost,
        conflicts=plan.conflicts,
        activity=activity,
        apps=apps,
    )


__all__ = ["check_limits", "ingest_batch", "store_for"]
