"""The entries and their activity written together (one PostgreSQL statement,
one step on SQLite's thread): the activity goes in only if every entry row
did. A row not written lost a race, and `ingest_batch` then reads back what
the activity names and writes it apart; here the store is driven directly
with a row the database refuses (a revision not above the stored one), the
state a lost race leaves, on both databases."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from server.db.models import ActivityBucket, ActivityRollup, TimeEntry
from server.reports.rollup import SLOT, slot_of
from server.sync.service import store_for
from tests.support.api import register
from tests.support.sync import BASE, activity, batch, entry

URL = "/api/v1/sync/batch"


def _row(stored: TimeEntry, revision: int) -> tuple:
    now = datetime.now(UTC)
    return (
        stored.id, stored.organization_id, stored.user_id, stored.idempotency_key, revision,
        None, None, stored.start_time, None, 0, "RUNNING", "UTC", "work", "agent",
        "device-1", now, now,
    )


async def _count(db, model, entry_id):
    async with db() as s:
        return await s.scalar(select(func.count()).where(model.time_entry_id == entry_id))


async def _write(db, stored, revision, minute):
    act = [(stored.id, minute, stored.organization_id, stored.user_id, 10, 20, 30)]
    async with db() as s:
        store = await store_for(s)
        try:
            await store.lock_user(stored.user_id)
            got = await store.write_entries(
                [_row(stored, revision)], act, stored.user_id, slot_of(minute),
                slot_of(minute) + SLOT,
            )
            await s.commit()
        finally:
            release = getattr(store, "release", None)
            if release:
                release()
    return got


async def test_activity_is_written_only_with_every_entry_row(client, db):
    owner = await register(client)
    key = str(uuid.uuid4())
    start = BASE + timedelta(days=5)
    running = entry(start, 0, key=key, revision=3, status="RUNNING", endTime=None)
    r = await owner.post(URL, json=batch([running], [activity(key, start)]))
    assert r.status_code == 200 and r.json()["processed"] == 1, r.text
    async with db() as s:
        stored = await s.scalar(
            select(TimeEntry).where(TimeEntry.idempotency_key == uuid.UUID(key))
        )
    assert await _count(db, ActivityBucket, stored.id) == 1

    # Revision 3 again: the entry row is not written, so neither is the minute.
    minute = start + timedelta(minutes=1)
    assert await _write(db, stored, 3, minute) == (0, None)
    assert await _count(db, ActivityBucket, stored.id) == 1
    async with db() as s:
        slots = await s.scalar(
            select(func.sum(ActivityRollup.minutes)).where(
                ActivityRollup.time_entry_id == stored.id
            )
        )
    assert slots == 1

    # Revision 4: both go in, in the same call, and the rollup counts the minute.
    assert await _write(db, stored, 4, minute) == (1, 1)
    assert await _count(db, ActivityBucket, stored.id) == 2
    async with db() as s:
        slots = await s.scalar(
            select(func.sum(ActivityRollup.minutes)).where(
                ActivityRollup.time_entry_id == stored.id
            )
        )
        revision = await s.scalar(select(TimeEntry.revision).where(TimeEntry.id == stored.id))
    assert slots == 2 and revision == 4
