"""Approved weeks are locked, on SQLite and PostgreSQL: the batch sync turns an
item that would create or change time there into a per-item conflict `locked`
(retries of what is stored stay `skipped`), people's writes get 409 `locked`,
and weeks follow the person's time zone (UTC+13 and UTC-10)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from server.core.errors import Conflict
from server.timesheets.locks import ensure_unlocked
from tests.integration.timesheets.helpers import URL, make_org, set_timezone, submit, track
from tests.support.sync import batch, entry

WEEK = "2026-01-12"
MON = datetime(2026, 1, 12, tzinfo=UTC)


async def _approve(approver, ts: dict) -> None:
    r = await approver.post(f"{URL}/{ts['id']}/approve")
    assert r.status_code == 200, r.text


async def test_sync_into_a_locked_week_is_a_per_item_conflict(client):
    org = await make_org(client)
    member, pid = org.member, org.project_id
    stored = await track(member, pid, MON + timedelta(days=1, hours=9), 60)
    await _approve(org.manager, await submit(member, WEEK))

    def item(start: datetime, minutes: int = 30, **kw):
        return entry(start, minutes, project_id=pid, **kw)

    new_in_week = item(MON + timedelta(days=2, hours=9))
    next_week = item(MON + timedelta(days=7, hours=9))
    # The stored entry's next revision (longer), and the same revision again (a retry).
    changed = item(MON + timedelta(days=1, hours=9), 90, key=stored["key"], revision=2)
    retry = item(MON + timedelta(days=1, hours=9), 60, key=stored["key"], revision=1)
    # An entry of the week before, moved (next revision) into the locked week.
    before = await track(member, pid, MON - timedelta(days=2), 30)
    moved_in = item(MON + timedelta(days=3), key=before["key"], revision=2)
    r = await member.post(
        "/api/v1/sync/batch", json=batch([new_in_week, next_week, changed, moved_in])
    )
    body = r.json()
    conflicts = {c["idempotencyKey"]: c for c in body["conflicts"]}
    locked = {new_in_week["idempotencyKey"], stored["key"], before["key"]}
    assert set(conflicts) == locked, body
    assert {c["reason"] for c in conflicts.values()} == {"locked"}
    assert "week of 2026-01-12 is approved and locked" in conflicts[stored["key"]]["detail"]
    assert body["processed"] == 1  # next week's entry only
    r = await member.post("/api/v1/sync/batch", json=batch([retry]))
    assert (r.json()["skipped"], r.json()["conflicts"]) == (1, [])
    # Moving a locked entry out of its week is refused too.
    out = item(MON + timedelta(days=8), key=stored["key"], revision=3)
    r = await member.post("/api/v1/sync/batch", json=batch([out]))
    assert [c["reason"] for c in r.json()["conflicts"]] == ["locked"]
    # Another person's time in the same week is not locked.
    other = await track(org.loner, pid, MON + timedelta(days=2, hours=9), 30)
    assert other["processed"] == 1 and other["conflicts"] == []
    # The week reopened: the same items go through.
    ts = (await member.get(URL, params={"weekStart": WEEK})).json()["items"][0]
    r = await org.admin.post(f"{URL}/{ts['id']}/reopen", json={"reason": "late entries"})
    assert r.status_code == 200
    r = await member.post("/api/v1/sync/batch", json=batch([new_in_week, changed, moved_in]))
    assert (r.json()["processed"], r.json()["conflicts"]) == (3, [])


async def test_ensure_unlocked_is_the_409_people_get(client, db):
    org = await make_org(client)
    await _approve(org.admin, await submit(org.member, WEEK))
    uid = uuid.UUID(org.member.user_id)
    async with db() as s:
        await ensure_unlocked(s, uid, MON - timedelta(seconds=1), MON + timedelta(days=7))
        await ensure_unlocked(s, uuid.UUID(org.loner.user_id), MON + timedelta(days=1))
        with pytest.raises(Conflict) as caught:
            await ensure_unlocked(s, uid, MON + timedelta(days=9), MON + timedelta(days=6))
    assert caught.value.status_code == 409
    assert caught.value.extra is not None
    assert (caught.value.extra["code"], caught.value.extra["weekStart"]) == ("locked", WEEK)


@pytest.mark.parametrize(
    ("tz", "starts_at"),
    [
        # Tonga is UTC+13: its Monday begins on Sunday 11:00 UTC.
        ("Pacific/Tongatapu", datetime(2026, 1, 11, 11, tzinfo=UTC)),
        # Hawaii is UTC-10: its Monday begins on Monday 10:00 UTC.
        ("Pacific/Honolulu", datetime(2026, 1, 12, 10, tzinfo=UTC)),
    ],
)
async def test_weeks_follow_the_persons_time_zone(client, tz, starts_at):
    org = await make_org(client)
    member, pid = org.member, org.project_id
    await set_timezone(member, tz)
    ends_at = starts_at + timedelta(days=7)
    # Entries one minute either side of both edges (10 minutes each).
    edges = {
        "before_start": starts_at - timedelta(minutes=11),
        "at_start": starts_at,
        "before_end": ends_at - timedelta(minutes=10),
        "at_end": ends_at,
    }
    for start in edges.values():
        assert (await track(member, pid, start, 10))["processed"] == 1
    ts = await submit(member, WEEK)
    assert ts["timezone"] == tz
    assert ts["startsAt"] == starts_at.isoformat().replace("+00:00", "Z")
    assert ts["endsAt"] == ends_at.isoformat().replace("+00:00", "Z")
    assert ts["trackedSeconds"] == 2 * 600  # at_start and before_end belong to the week
    await _approve(org.manager, ts)
    # Locked exactly at the local edges: a minute inside is locked, a minute outside is not.
    probes = {
        "in_first_minute": (starts_at + timedelta(minutes=20), True),
        "in_last_minute": (ends_at - timedelta(seconds=59), True),
        "just_before": (starts_at - timedelta(minutes=30), False),
        "just_after": (ends_at + timedelta(minutes=20), False),
    }
    # (Lock before overlap: in_last_minute also overlaps before_end, and says locked.)
    items = {name: entry(at, 5, project_id=pid) for name, (at, _) in probes.items()}
    r = await member.post("/api/v1/sync/batch", json=batch(list(items.values())))
    refused = {c["idempotencyKey"] for c in r.json()["conflicts"] if c["reason"] == "locked"}
    expected = {items[n]["idempotencyKey"] for n, (_, locked) in probes.items() if locked}
    assert refused == expected, r.json()


async def test_people_api_and_timer_refuse_a_locked_week_until_it_is_reopened(client):
    org = await make_org(client)
    member, pid = org.member, org.project_id
    start = MON + timedelta(days=1, hours=9)
    r = await member.post(
        "/api/v1/time-entries",
        json={
            "projectId": pid,
            "startTime": start.isoformat(),
            "endTime": (start + timedelta(hours=1)).isoformat(),
        },
    )
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    ts = await submit(member, WEEK)
    await _approve(org.manager, ts)
    r = await member.patch(f"/api/v1/time-entries/{entry_id}", json={"description": "more"})
    assert r.status_code == 409 and r.json()["extra"] == {
        "code": "locked",
        "timesheetId": ts["id"],
        "weekStart": WEEK,
    }
    # The current week, once approved, refuses the timer too.
    today = datetime.now(UTC).date()
    monday = (today - timedelta(days=today.weekday())).isoformat()
    await _approve(org.admin, await submit(member, monday))
    r = await member.post("/api/v1/timer/start", json={"projectId": pid})
    assert r.status_code == 409 and r.json()["extra"]["code"] == "locked", r.text
    # Reopened, the entry can change again.
    r = await org.admin.post(f"{URL}/{ts['id']}/reopen", json={"reason": "late fix"})
    assert r.status_code == 200
    r = await member.patch(f"/api/v1/time-entries/{entry_id}", json={"description": "more"})
    assert r.status_code == 200 and r.json()["locked"] is False, r.text


async def test_an_approval_waits_for_the_persons_sync_in_flight(client, backend):
    """PostgreSQL: the approval takes the person's sync lock, so time a batch is
    writing while the manager clicks is in the approved totals, never left
    beside a locked week. (Embedded SQLite has one writer; nothing to race.)"""
    if not backend.startswith("postgresql"):
        pytest.skip("advisory locks are PostgreSQL's")
    import threading
    import time

    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from server.db.models import TimeEntry
    from server.timesheets.locks import person_lock_key

    org = await make_org(client)
    await track(org.member, org.project_id, MON + timedelta(hours=9), 60)
    ts = await submit(org.member, WEEK)
    uid = uuid.UUID(org.member.user_id)
    holding = threading.Event()

    def batch_in_flight() -> None:
        """Another connection, as a sync would: lock, write, commit a second later."""
        engine = create_engine(backend.replace("+asyncpg", "+psycopg"))
        try:
            with Session(engine) as s:
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": person_lock_key(uid)})
                start = MON + timedelta(days=1, hours=9)
                s.add(
                    TimeEntry(
                        organization_id=uuid.UUID(org.member.org_id),
                        user_id=uid,
                        idempotency_key=uuid.uuid4(),
                        start_time=start,
                        end_time=start + timedelta(minutes=30),
                        duration_seconds=1800,
                    )
                )
                s.flush()
                holding.set()
                time.sleep(1.0)
                s.commit()
        finally:
            engine.dispose()

    writer = threading.Thread(target=batch_in_flight)
    writer.start()
    try:
        assert holding.wait(30)
        r = await org.manager.post(f"{URL}/{ts['id']}/approve")
    finally:
        writer.join(30)
    assert r.status_code == 200 and r.json()["trackedSeconds"] == 3600 + 1800, r.text
