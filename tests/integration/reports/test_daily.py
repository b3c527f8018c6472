"""Daily report: local days, DST, midnight crossings, activity replace semantics."""

from __future__ import annotations

from tests.integration.reports.helpers import entry, minute, minutes, person, sync, utc
from tests.support.api import create_project, register


def _day(report: dict, date: str) -> dict:
    return next(d for d in report["days"] if d["date"] == date)


async def test_entry_crossing_midnight_splits_by_local_day(client) -> None:
    owner = await register(client, timezone="UTC")
    ny = await person(owner, "Nora NewYork", "America/New_York")
    project = await create_project(owner, "Website")
    r = await owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"name": "Blog"})
    task = r.json()
    # 23:30 -> 01:15 New York time (EST, UTC-5): 30 min on the 15th, 75 min on the 16th.
    e = entry(utc(2026, 1, 16, 4, 30), utc(2026, 1, 16, 6, 15), project["id"], task["id"])
    acts = minutes(e["idempotencyKey"], utc(2026, 1, 16, 4, 58), 4, 40)  # 2 min each side
    await sync(ny, [e], acts)

    r = await ny.get("/api/v1/reports/daily", params={"from": "2026-01-15", "to": "2026-01-16"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["timezone"] == "America/New_York"
    assert [d["date"] for d in body["days"]] == ["2026-01-15", "2026-01-16"]
    d15, d16 = body["days"]
    assert (d15["trackedSeconds"], d15["activeSeconds"]) == (1800, 80)
    assert (d16["trackedSeconds"], d16["activeSeconds"]) == (4500, 80)
    assert d15["activityPercent"] == round(80 * 100 / 1800, 1)
    assert d16["projects"] == [
        {
            "projectId": project["id"],
            "name": "Website",
            "seconds": 4500,
            "activeSeconds": 80,
            "tasks": [{"taskId": task["id"], "name": "Blog", "seconds": 4500, "activeSeconds": 80}],
        }
    ]
    assert body["trackedSeconds"] == 6300 and body["activeSeconds"] == 160


async def test_dst_spring_forward_and_fall_back(client) -> None:
    owner = await register(client)
    berlin = await person(owner, "Bert Berlin", "Europe/Berlin")
    # Spring forward on 2026-03-29 (02:00 CET -> 03:00 CEST). Local midnight of the
    # 29th is 23:00Z on the 28th; 22:00 local on the 28th is 21:00Z.
    spring = entry(utc(2026, 3, 28, 21, 0), utc(2026, 3, 29, 2, 0))
    # Fall back on 2026-10-25: the local day lasts 25 hours (22:00Z .. 23:00Z next day).
    fall = entry(utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 23, 0))
    acts = [
        minute(spring["idempotencyKey"], utc(2026, 3, 28, 22, 59), 30),  # the 28th
        minute(spring["idempotencyKey"], utc(2026, 3, 28, 23, 0), 45),  # the 29th
        minute(fall["idempotencyKey"], utc(2026, 10, 25, 22, 59), 60),  # still the 25th
    ]
    await sync(berlin, [spring, fall], acts)

    r = await berlin.get("/api/v1/reports/daily", params={"from": "2026-03-28", "to": "2026-03-30"})
    days = r.json()["days"]
    assert [(d["date"], d["trackedSeconds"], d["activeSeconds"]) for d in days] == [
        ("2026-03-28", 2 * 3600, 30),
        ("2026-03-29", 3 * 3600, 45),
        ("2026-03-30", 0, 0),
    ]
    r = await berlin.get("/api/v1/reports/daily", params={"from": "2026-10-24", "to": "2026-10-26"})
    days = r.json()["days"]
    assert [(d["date"], d["trackedSeconds"], d["activeSeconds"]) for d in days] == [
        ("2026-10-24", 0, 0),
        ("2026-10-25", 25 * 3600, 60),
        ("2026-10-26", 0, 0),
    ]


async def test_fractional_offset_zone(client) -> None:
    owner = await register(client)
    kathmandu = await person(owner, "Kiran Kathmandu", "Asia/Kathmandu")  # UTC+5:45
    # Local midnight of 2026-02-02 is 18:15Z on the 1st; the entry spans it.
    e = entry(utc(2026, 2, 1, 18, 0), utc(2026, 2, 1, 18, 30))
    acts = minutes(e["idempotencyKey"], utc(2026, 2, 1, 18, 0), 30, 20)
    await sync(kathmandu, [e], acts)
    r = await kathmandu.get(
        "/api/v1/reports/daily", params={"from": "2026-02-01", "to": "2026-02-02"}
    )
    days = r.json()["days"]
    assert [(d["trackedSeconds"], d["activeSeconds"]) for d in days] == [(900, 300), (900, 300)]


async def test_overlapping_minutes_replace_and_shared_boundary_minute(client) -> None:
    owner = await register(client)
    p = await person(owner, "Pat")
    first = entry(utc(2026, 1, 20, 9, 0), utc(2026, 1, 20, 10, 0, 30))
    second = entry(utc(2026, 1, 20, 10, 0, 30), utc(2026, 1, 20, 11, 0))
    await sync(
        p,
        [first, second],
        [
            minute(first["idempotencyKey"], utc(2026, 1, 20, 9, 0), 10),
            # Minute 10:00 belongs to both entries (each had input in its half).
            minute(first["idempotencyKey"], utc(2026, 1, 20, 10, 0), 25),
            minute(second["idempotencyKey"], utc(2026, 1, 20, 10, 0), 20),
        ],
    )
    # A retry with new values replaces the minute rather than adding to it.
    await sync(p, [], [minute(first["idempotencyKey"], utc(2026, 1, 20, 9, 0), 50)])
    await sync(p, [], [minute(first["idempotencyKey"], utc(2026, 1, 20, 9, 0), 50)])
    r = await p.get("/api/v1/reports/daily", params={"from": "2026-01-20", "to": "2026-01-20"})
    day = r.json()["days"][0]
    assert day["trackedSeconds"] == 7200
    assert day["activeSeconds"] == 50 + 25 + 20


async def test_running_entry_counts_until_now_and_bad_input(client) -> None:
    owner = await register(client)
    r = await owner.get("/api/v1/reports/daily", params={"from": "2026-02-10", "to": "2026-02-01"})
    assert r.status_code == 400 and "from" in r.json()["detail"]
    r = await owner.get("/api/v1/reports/daily", params={"from": "yesterday"})
    assert r.status_code == 400
    r = await owner.get("/api/v1/reports/daily", params={"from": "2020-01-01", "to": "2026-01-01"})
    assert r.status_code == 400 and "366" in r.json()["detail"]
    r = await owner.get("/api/v1/reports/daily")  # defaults: the last 7 local days
    assert r.status_code == 200 and len(r.json()["days"]) == 7
