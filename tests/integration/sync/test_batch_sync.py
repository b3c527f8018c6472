"""Batch sync as docs/api.md specifies it, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from server.db.models import ActivityBucket, TimeEntry
from tests.support.api import create_project, invite, register
from tests.support.sync import BASE, activity, batch, entry, minutes_of

URL = "/api/v1/sync/batch"


async def _entry_rows(db, keys):
    async with db() as s:
        return list(
            (
                await s.execute(
                    select(TimeEntry).where(
                        TimeEntry.idempotency_key.in_([uuid.UUID(k) for k in keys])
                    )
                )
            ).scalars()
        )


async def _activity_count(db, user_id):
    async with db() as s:
        return (
            await s.execute(
                select(func.count())
                .select_from(ActivityBucket)
                .where(ActivityBucket.user_id == uuid.UUID(user_id))
            )
        ).scalar_one()


async def test_new_entries_and_activity_are_stored(client, db):
    owner = await register(client)
    project = await create_project(owner)
    e1 = entry(BASE, 60, project_id=project["id"])
    e2 = entry(BASE + timedelta(hours=2), 30, project_id=project["id"])
    acts = [activity(e1["idempotencyKey"], m) for m in minutes_of(BASE, 60)]
    r = await owner.post(URL, json=batch([e1, e2], acts))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["processed"] == 2 and body["skipped"] == 0 and body["conflicts"] == []
    assert body["activity"] == {"processed": 60, "skipped": 0, "conflicts": []}
    rows = await _entry_rows(db, [e1["idempotencyKey"], e2["idempotencyKey"]])
    assert sorted(r.duration_seconds for r in rows) == [1800, 3600]
    assert all(str(r.user_id) == owner.user_id and r.device_id == "device-1" for r in rows)
    assert await _activity_count(db, owner.user_id) == 60


async def test_retry_of_same_batch_is_all_skipped_and_nothing_duplicated(client, db):
    owner = await register(client)
    entries = [entry(BASE + timedelta(hours=i), 30) for i in range(5)]
    acts = [activity(entries[0]["idempotencyKey"], m) for m in minutes_of(BASE, 30)]
    first = (await owner.post(URL, json=batch(entries, acts))).json()
    assert first["processed"] == 5 and first["activity"]["processed"] == 30
    again = (await owner.post(URL, json=batch(entries, acts))).json()
    assert again["processed"] == 0 and again["skipped"] == 5 and again["conflicts"] == []
    assert again["activity"]["processed"] == 0 and again["activity"]["skipped"] == 30
    assert len(await _entry_rows(db, [e["idempotencyKey"] for e in entries])) == 5
    assert await _activity_count(db, owner.user_id) == 30


async def test_higher_revision_updates_lower_or_equal_is_skipped(client, db):
    owner = await register(client)
    e = entry(BASE, 30, status="RUNNING", revision=1)
    e["endTime"] = None
    assert (await owner.post(URL, json=batch([e]))).json()["processed"] == 1
    stopped = {
        **e,
        "revision": 3,
        "status": "STOPPED",
        "endTime": (BASE + timedelta(minutes=45)).isoformat(),
        "description": "final",
    }
    r = (await owner.post(URL, json=batch([stopped]))).json()
    assert r["processed"] == 1
    stale = {**stopped, "revision": 2, "description": "stale"}
    r = (await owner.post(URL, json=batch([stale]))).json()
    assert r["processed"] == 0 and r["skipped"] == 1
    [row] = await _entry_rows(db, [e["idempotencyKey"]])
    assert row.revision == 3 and row.status == "STOPPED" and row.description == "final"
    assert row.duration_seconds == 45 * 60


async def test_activity_replace_on_conflict(client, db):
    owner = await register(client)
    e = entry(BASE, 10)
    await owner.post(URL, json=batch([e], [activity(e["idempotencyKey"], BASE, active=10)]))
    r = (
        await owner.post(URL, json=batch([], [activity(e["idempotencyKey"], BASE, active=50)]))
    ).json()
    assert r["activity"]["processed"] == 1
    async with db() as s:
        [row] = (
            (
                await s.execute(
                    select(ActivityBucket).where(ActivityBucket.user_id == uuid.UUID(owner.user_id))
                )
            )
            .scalars()
            .all()
        )
    assert row.active_seconds == 50


async def test_overlap_with_stored_entry_is_a_conflict_naming_the_other_key(client, db):
    owner = await register(client)
    first = entry(BASE, 60)
    await owner.post(URL, json=batch([first]))
    clash = entry(BASE + timedelta(minutes=30), 60)
    touching = entry(BASE + timedelta(minutes=60), 10)  # starts exactly at the end: fine
    r = (await owner.post(URL, json=batch([clash, touching]))).json()
    assert r["processed"] == 1
    [c] = r["conflicts"]
    assert c["idempotencyKey"] == clash["idempotencyKey"] and c["reason"] == "overlap"
    assert c["otherKey"] == first["idempotencyKey"]
    assert await _entry_rows(db, [clash["idempotencyKey"]]) == []


async def test_overlap_with_running_entry_and_within_batch(client):
    owner = await register(client)
    running = entry(BASE, 0, status="RUNNING")
    running["endTime"] = None
    later = entry(BASE + timedelta(hours=3), 10)
    r = (await owner.post(URL, json=batch([running, later]))).json()
    # The RUNNING entry is open-ended: anything after its start overlaps it.
    assert r["processed"] == 1 and r["conflicts"][0]["reason"] == "overlap"
    # Earlier than the open entry: only the two batch items can clash.
    a = entry(BASE - timedelta(days=1), 60)
    b = entry(BASE - timedelta(days=1) + timedelta(minutes=10), 60)
    r = (await owner.post(URL, json=batch([a, b]))).json()
    assert r["processed"] == 1 and [c["reason"] for c in r["conflicts"]] == ["overlap"]


async def test_closing_a_running_entry_and_starting_the_next_in_one_batch(client):
    owner = await register(client)
    running = entry(BASE, 0, status="RUNNING")
    running["endTime"] = None
    await owner.post(URL, json=batch([running]))
    closed = {
        **running,
        "revision": 2,
        "status": "STOPPED",
        "endTime": (BASE + timedelta(minutes=20)).isoformat(),
    }
    nxt = entry(BASE + timedelta(minutes=20), 15)
    r = (await owner.post(URL, json=batch([nxt, closed]))).json()
    assert r["processed"] == 2 and r["conflicts"] == []


async def test_unknown_and_foreign_project_and_task(client):
    owner = await register(client)
    other = await register(client, "Other Org")
    foreign = await create_project(other)
    mine = await create_project(owner)
    r = await other.post(f"/api/v1/projects/{foreign['id']}/tasks", json={"name": "t"})
    foreign_task = r.json()
    e1 = entry(BASE, 10, project_id=str(uuid.uuid4()))
    e2 = entry(BASE + timedelta(hours=1), 10, project_id=foreign["id"])
    e3 = entry(BASE + timedelta(hours=2), 10, project_id=mine["id"], taskId=foreign_task["id"])
    r = (await owner.post(URL, json=batch([e1, e2, e3]))).json()
    assert r["processed"] == 0
    assert sorted(c["reason"] for c in r["conflicts"]) == ["unknown_project"] * 3


async def test_forbidden_user_id_and_a_key_another_person_uses(client, db):
    owner = await register(client)
    member = await invite(owner)
    e = entry(BASE, 10, userId=member.user_id)
    r = (await owner.post(URL, json=batch([e]))).json()
    assert r["conflicts"][0]["reason"] == "forbidden"
    assert await _entry_rows(db, [e["idempotencyKey"]]) == []
    mine = entry(BASE, 10)
    await owner.post(URL, json=batch([mine]))
    # Keys are per person: the owner's key sent by the member is the member's
    # own new entry (no "belongs to another user" that would reveal the key),
    # and the owner's entry is untouched.
    stolen = {**mine, "revision": 9, "description": "hijack"}
    r = (await member.post(URL, json=batch([stolen]))).json()
    assert r["processed"] == 1 and r["conflicts"] == []
    rows = await _entry_rows(db, [mine["idempotencyKey"]])
    by_user = {str(row.user_id): row for row in rows}
    assert set(by_user) == {owner.user_id, member.user_id}
    assert by_user[owner.user_id].description == "work"
    assert by_user[member.user_id].description == "hijack"
    # Activity naming someone else's entry never lands on it.
    only_mine = entry(BASE + timedelta(hours=2), 10)
    await owner.post(URL, json=batch([only_mine]))
    r = (
        await member.post(URL, json=batch([], [activity(only_mine["idempotencyKey"], BASE)]))
    ).json()
    assert r["activity"]["conflicts"][0]["reason"] == "unknown_time_entry"


async def test_invalid_items_become_conflicts_and_never_block_the_batch(client):
    owner = await register(client)
    good = entry(BASE, 10)
    bad = [
        {
            "idempotencyKey": "not-a-uuid",
            "revision": 1,
            "startTime": BASE.isoformat(),
            "status": "STOPPED",
        },
        entry(BASE + timedelta(hours=1), 10, revision="one"),
        entry(BASE + timedelta(hours=2), 10, startTime="2026-01-15T09:00:00"),  # no offset
        entry(BASE + timedelta(hours=3), 10, status="DANCING"),
        entry(BASE + timedelta(hours=4), 10, timezone="Mars/Olympus"),
        {**entry(BASE + timedelta(hours=5), 10), "endTime": BASE.isoformat()},  # end < start
        {**entry(BASE + timedelta(hours=6), 10), "endTime": None},  # STOPPED needs end
        entry(BASE + timedelta(hours=7), 10, description="x" * 5000),
        "just a string",
    ]
    acts = [
        activity(good["idempotencyKey"], BASE, active=61),
        {**activity(good["idempotencyKey"], BASE), "minute": "2026-01-15T09:00:30Z"},
        activity(str(uuid.uuid4()), BASE),
        activity(good["idempotencyKey"], BASE + timedelta(minutes=1)),
    ]
    r = await owner.post(URL, json=batch([good, *bad], acts))
    if r.status_code == 400:  # a non-object item is a malformed envelope
        assert "entries" in r.json()["detail"]
        bad.pop()
        r = await owner.post(URL, json=batch([good, *bad], acts))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["processed"] == 1
    assert [c["reason"] for c in body["conflicts"]] == ["invalid"] * len(bad)
    assert all(c["detail"] for c in body["conflicts"])
    reasons = sorted(c["reason"] for c in body["activity"]["conflicts"])
    assert reasons == ["invalid", "invalid", "unknown_time_entry"]
    assert body["activity"]["processed"] == 1


async def test_two_concurrent_identical_batches_store_each_entry_once(client, db):
    owner = await register(client)
    entries = [entry(BASE + timedelta(hours=i), 30) for i in range(50)]
    acts = [activity(entries[0]["idempotencyKey"], m) for m in minutes_of(BASE, 30)]
    payload = batch(entries, acts)
    r1, r2 = await asyncio.gather(owner.post(URL, json=payload), owner.post(URL, json=payload))
    b1, b2 = r1.json(), r2.json()
    assert b1["processed"] + b2["processed"] == 50
    assert b1["skipped"] + b2["skipped"] == 50
    assert b1["conflicts"] == [] and b2["conflicts"] == []
    assert len(await _entry_rows(db, [e["idempotencyKey"] for e in entries])) == 50
    assert await _activity_count(db, owner.user_id) == 30


async def test_batch_limits_and_malformed_envelopes_are_4xx_with_detail(client):
    owner = await register(client)
    too_many = batch([entry(BASE + timedelta(hours=i), 10) for i in range(1001)])
    r = await owner.post(URL, json=too_many)
    assert r.status_code == 400 and "at most 1000" in r.json()["detail"]
    r = await owner.post(URL, content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["detail"]
    r = await owner.post(URL, json={"deviceId": "d", "entries": "nope"})
    assert r.status_code == 400 and "entries" in r.json()["detail"]
    r = await owner.post(URL, json={"entries": []})
    assert r.status_code == 400 and "deviceId" in r.json()["detail"]
    r = await owner.post(URL, json=[1, 2])
    assert r.status_code == 400
    r = await client.post(URL, json=batch([]))
    assert r.status_code == 401


async def test_too_many_activity_rows_is_400(client):
    owner = await register(client)
    acts = [activity(str(uuid.uuid4()), BASE)] * 20001
    r = await owner.post(URL, json=batch([], acts))
    assert r.status_code == 400 and "20000" in r.json()["detail"]
