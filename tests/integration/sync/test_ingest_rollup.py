"""The rollup the sync keeps on ingest equals one rebuilt from the buckets, on
SQLite and PostgreSQL: new minutes, replaced minutes, retries, several entries
and slots, a running entry's minute-by-minute calls. Slots are 15 minutes."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from server.db.models import ActivityRollup
from server.reports.rollup import rebuild_organization
from tests.support.api import register
from tests.support.sync import BASE, activity, batch, entry, minutes_of

URL = "/api/v1/sync/batch"


async def _rollup(db, user_id):
    async with db() as s:
        rows = await s.execute(
            select(
                ActivityRollup.time_entry_id,
                ActivityRollup.slot,
                ActivityRollup.active_seconds,
                ActivityRollup.keyboard_clicks,
                ActivityRollup.mouse_movements,
                ActivityRollup.minutes,
            ).where(ActivityRollup.user_id == uuid.UUID(user_id))
        )
        return sorted((tuple(r) for r in rows), key=lambda r: (r[1], str(r[0])))


async def _rebuilt(db, owner):
    async with db() as s:
        await rebuild_organization(s, uuid.UUID(owner.org_id))
        await s.commit()
    return await _rollup(db, owner.user_id)


async def test_rollup_kept_on_ingest_equals_a_rebuild(client, db):
    owner = await register(client)
    e1 = entry(BASE, 50)
    e2 = entry(BASE + timedelta(hours=1), 40)
    first = [activity(e1["idempotencyKey"], m, active=20) for m in minutes_of(BASE, 50)]
    r = await owner.post(URL, json=batch([e1, e2], first))
    assert r.json()["activity"]["processed"] == 50
    # Replace some minutes (new values), add others, in a second batch; retry it.
    again = [activity(e1["idempotencyKey"], m, active=55, kb=3) for m in minutes_of(BASE, 10)]
    more = [
        activity(e2["idempotencyKey"], m, active=40)
        for m in minutes_of(BASE + timedelta(hours=1), 40)
    ]
    for _ in range(2):
        r = await owner.post(URL, json=batch([], again + more))
        assert r.status_code == 200, r.text
    assert r.json()["activity"] == {"processed": 0, "skipped": 50, "conflicts": []}
    kept = await _rollup(db, owner.user_id)
    # 50 minutes from 09:00 fill slots 09:00-09:45; 40 from 10:00 fill 10:00-10:30.
    assert [(row[1].hour, row[1].minute) for row in kept] == [
        (9, 0), (9, 15), (9, 30), (9, 45), (10, 0), (10, 15), (10, 30),
    ]
    assert kept[0][2:] == (10 * 55 + 5 * 20, 10 * 3 + 5 * 10, 15 * 20, 15)
    assert sum(row[2] for row in kept) == 10 * 55 + 40 * 20 + 40 * 40
    assert kept == await _rebuilt(db, owner)


async def test_running_entry_minute_by_minute_keeps_the_rollup_exact(client, db):
    owner = await register(client)
    key = str(uuid.uuid4())
    start = BASE + timedelta(days=3)
    for n in range(1, 21):  # the agent's usual call: next revision + one minute
        running = entry(start, 0, key=key, revision=n, status="RUNNING", endTime=None)
        minute = activity(key, start + timedelta(minutes=n - 1), active=n)
        r = await owner.post(URL, json=batch([running], [minute]))
        assert r.status_code == 200, r.text
        assert r.json()["processed"] == 1 and r.json()["activity"]["processed"] == 1
    kept = await _rollup(db, owner.user_id)
    assert [row[5] for row in kept] == [15, 5]
    assert [row[2] for row in kept] == [sum(range(1, 16)), sum(range(16, 21))]
    assert kept == await _rebuilt(db, owner)
