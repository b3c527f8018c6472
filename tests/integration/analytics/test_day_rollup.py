"""The per-day rollup the dashboard reads stays equal to a recompute from the
entries after every kind of write: sync (new, updated, activity, a web timer
it ends), manual create/edit/delete, the timer, a CSV import, a change of
time zone, the retention purge and an erase. SQLite and PostgreSQL.

Each check reads the rollup, rebuilds the organization's rows from scratch
(`day_refresh.rebuild`) and reads again: any drift shows as a difference.
It also checks the figures themselves where a write moves time between days.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from server.analytics.day_refresh import rebuild
from server.db.models import TimeEntry, TrackedDay, TrackedDayHours
from server.rights.retention import purge_org
from tests.integration.integrations.helpers import upload, wait_run
from tests.integration.rights.helpers import wait_job
from tests.integration.screenshots.helpers import hub_of, in_app
from tests.support.api import Account, create_project, invite, register
from tests.support.sync import activity, batch, entry, minutes_of

SYNC = "/api/v1/sync/batch"
ENTRIES = "/api/v1/time-entries"
DAY0 = datetime(2026, 3, 2, tzinfo=UTC).date()


def _day(value: int) -> str:
    return (DAY0 + timedelta(days=value - (DAY0 - datetime(1970, 1, 1).date()).days)).isoformat()


async def _snapshot(db: Any, org_id: str) -> tuple[list[Any], list[Any]]:
    org = uuid.UUID(org_id)
    t, h = TrackedDay, TrackedDayHours
    async with db() as s:
        keys = (t.user_id, t.day, t.project_id, t.task_id, t.activity_id, t.billable)
        days = (
            await s.execute(
                select(*keys, func.sum(t.seconds), func.sum(t.manual_seconds))
                .where(t.organization_id == org)
                .group_by(*keys)
            )
        ).all()
        hours = (await s.execute(select(h).where(h.organization_id == org))).scalars().all()
    as_rows = sorted(tuple(str(v) for v in r) for r in days)
    hour_rows = sorted(
        (str(r.user_id), r.day, *(getattr(r, f"h{i:02d}") for i in range(24))) for r in hours
    )
    return as_rows, hour_rows


async def in_step(db: Any, org_id: str) -> dict[str, int]:
    """Asserts the rollup equals a rebuild; returns seconds per local day."""
    kept = await _snapshot(db, org_id)
    async with db() as s:
        await s.run_sync(lambda sync: rebuild(sync.connection(), uuid.UUID(org_id)))
        await s.commit()
    assert await _snapshot(db, org_id) == kept
    per_day: dict[str, int] = {}
    for row in kept[0]:
        per_day[_day(int(row[1]))] = per_day.get(_day(int(row[1])), 0) + int(row[6])
    return per_day


async def _active(owner: Account, person: Account, day: datetime) -> int:
    """The dashboard's active seconds of one person on the day (in UTC terms,
    a day either side for the person's zone)."""
    params = {
        "from": (day - timedelta(days=1)).date().isoformat(),
        "to": (day + timedelta(days=1)).date().isoformat(),
        "userId": person.user_id,
    }
    r = await owner.get("/api/v1/analytics/dashboard", params=params)
    assert r.status_code == 200, r.text
    return int(r.json()["activeSeconds"])


async def _member(owner: Account, zone: str) -> Account:
    member = await invite(owner, name=f"M {uuid.uuid4().hex[:4]}")
    r = await owner.patch(f"/api/v1/members/{member.user_id}", json={"timezone": zone})
    assert r.status_code == 200, r.text
    return member


async def test_sync_batches_keep_the_days_in_step(client: Any, db: Any) -> None:
    owner = await register(client)
    kim = await _member(owner, "Europe/Berlin")
    project = await create_project(owner)
    # 23:30-00:30 Berlin (UTC+1) across local midnight, with activity in both days.
    start = datetime(2026, 3, 2, 22, 30, tzinfo=UTC)
    e = entry(start, 60, project_id=project["id"])
    acts = [activity(e["idempotencyKey"], m, active=40) for m in minutes_of(start, 60)]
    r = await kim.post(SYNC, json=batch([e], acts))
    assert r.status_code == 200 and r.json()["processed"] == 1, r.text
    assert await in_step(db, owner.org_id) == {"2026-03-02": 1800, "2026-03-03": 1800}
    # A new revision moves it a week later: the old days empty, the new one filled.
    moved = entry(start + timedelta(days=7, hours=2), 30, key=e["idempotencyKey"], revision=2)
    r = await kim.post(SYNC, json=batch([moved]))
    assert r.status_code == 200 and r.json()["processed"] == 1, r.text
    assert await in_step(db, owner.org_id) == {"2026-03-10": 1800}
    # A running entry's revisions and minutes change no day row; the dashboard
    # still counts their active seconds (from the activity rollup).
    run_start = datetime(2026, 3, 12, 8, tzinfo=UTC)
    running = entry(run_start, 0, status="RUNNING")
    for n, minutes in enumerate((range(0, 3), range(3, 5)), start=1):
        running["revision"] = n
        acts = [
            activity(running["idempotencyKey"], run_start + timedelta(minutes=m)) for m in minutes
        ]
        r = await kim.post(SYNC, json=batch([running], acts))
        assert r.status_code == 200 and not r.json()["conflicts"], r.text
        assert await in_step(db, owner.org_id) == {"2026-03-10": 1800}
    assert await _active(owner, kim, run_start) == 5 * 30


async def test_one_write_marking_days_apart_counts_an_entry_between_them_once(
    client: Any, db: Any
) -> None:
    """Two runs of marked days of one person, and an earlier entry reaching both
    runs' windows (PostgreSQL reads every run's window in one statement): it
    counts once on its day, as a rebuild says."""
    owner = await register(client)
    kim = await _member(owner, "Europe/Berlin")
    long = entry(datetime(2026, 3, 2, 12, tzinfo=UTC), 3 * 24 * 60)  # to 5 March 12:00Z
    r = await kim.post(SYNC, json=batch([long]))
    assert r.status_code == 200 and r.json()["processed"] == 1, r.text
    # One batch marks 2 March and 6 March only (3-5 March are not recomputed).
    short = [entry(datetime(2026, 3, day, 6, tzinfo=UTC), 30) for day in (2, 6)]
    r = await kim.post(SYNC, json=batch(short))
    assert r.status_code == 200 and r.json()["processed"] == 2, r.text
    assert await in_step(db, owner.org_id) == {
        "2026-03-02": 11 * 3600 + 1800,  # from 13:00 Berlin, and the short one
        "2026-03-03": 86400,
        "2026-03-04": 86400,
        "2026-03-05": 13 * 3600,
        "2026-03-06": 1800,
    }


async def test_sync_ending_a_web_timer_keeps_the_days_in_step(client: Any, db: Any) -> None:
    owner = await register(client)
    project = await create_project(owner)
    r = await owner.post("/api/v1/timer/start", json={"projectId": project["id"]})
    assert r.status_code == 201, r.text
    started = datetime.fromisoformat(r.json()["entry"]["startTime"])
    assert await in_step(db, owner.org_id) == {}  # running: not in the rollup
    r = await owner.post(SYNC, json=batch([entry(started + timedelta(minutes=5), 10)]))
    assert r.status_code == 200 and r.json()["processed"] == 1, r.text
    assert sum((await in_step(db, owner.org_id)).values()) >= 600 + 5 * 60


async def test_manual_entries_and_the_timer_keep_the_days_in_step(client: Any, db: Any) -> None:
    owner = await register(client, timezone="Pacific/Auckland")
    project = await create_project(owner)
    body = {
        "projectId": project["id"],
        "startTime": "2026-03-02T10:00:00Z",
        "endTime": "2026-03-02T12:00:00Z",
    }
    r = await owner.post(ENTRIES, json=body)
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    # 23:00-01:00 NZDT (UTC+13): an hour on each local day.
    assert await in_step(db, owner.org_id) == {"2026-03-02": 3600, "2026-03-03": 3600}
    r = await owner.patch(f"{ENTRIES}/{entry_id}", json={"endTime": "2026-03-02T10:30:00Z"})
    assert r.status_code == 200, r.text
    assert await in_step(db, owner.org_id) == {"2026-03-02": 1800}
    r = await owner.delete(f"{ENTRIES}/{entry_id}")
    assert r.status_code == 204, r.text
    assert await in_step(db, owner.org_id) == {}
    r = await owner.post("/api/v1/timer/start", json={"projectId": project["id"]})
    assert r.status_code == 201, r.text
    assert await in_step(db, owner.org_id) == {}
    r = await owner.post("/api/v1/timer/stop")
    assert r.status_code == 200, r.text
    async with db() as s:
        stopped = await s.scalar(select(func.count()).select_from(TimeEntry).where(
            TimeEntry.user_id == uuid.UUID(owner.user_id), TimeEntry.end_time.is_not(None)
        ))  # fmt: skip
    assert stopped == 1
    await in_step(db, owner.org_id)


async def test_zone_change_import_purge_and_erase_keep_the_days_in_step(
    client: Any, db: Any
) -> None:
    owner = await register(client)
    dana = await _member(owner, "UTC")
    header = (
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,"
        "End date,End time,Duration,Tags,Amount (USD)"
    )
    row = (
        f"Dana,{dana.email},Acme,Website,,Late,No,2026-03-02,22:30:00,2026-03-03,00:30:00,"
        "02:00:00,,0.00"
    )
    r = await upload(owner, f"{header}\n{row}\n".encode(), "toggl", options='{"timezone": "UTC"}')
    assert r.status_code == 202, r.text
    assert (await wait_run(owner, r.json()["id"]))["status"] == "done"
    assert await in_step(db, owner.org_id) == {"2026-03-02": 5400, "2026-03-03": 1800}
    # New York (UTC-5): the whole entry falls on 2 March there.
    r = await owner.patch(f"/api/v1/members/{dana.user_id}", json={"timezone": "America/New_York"})
    assert r.status_code == 200, r.text
    assert await in_step(db, owner.org_id) == {"2026-03-02": 7200}

    # Activity synced for recent time, then purged by retention: active seconds go.
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=3)
    e = entry(start, 30)
    acts = [activity(e["idempotencyKey"], m, active=50) for m in minutes_of(start, 30)]
    assert (await dana.post(SYNC, json=batch([e], acts))).status_code == 200

    assert await _active(owner, dana, start) == 1500
    await in_step(db, owner.org_id)
    await in_app(client, purge_org, hub_of(client), uuid.UUID(owner.org_id), 1, datetime.now(UTC))
    assert await _active(owner, dana, start) == 0
    await in_step(db, owner.org_id)

    r = await owner.post(f"/api/v1/members/{dana.user_id}/erase", json={"confirmEmail": dana.email})
    assert r.status_code == 202, r.text
    assert (await wait_job(owner, r.json()["jobId"]))["status"] == "DONE"
    assert await in_step(db, owner.org_id) == {}
