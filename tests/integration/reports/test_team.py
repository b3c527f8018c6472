"""Team report, role rules, keyset pagination under inserts, entries and 10-minute slots."""

from __future__ import annotations

from tests.integration.reports.helpers import (
    entry,
    make_team,
    minute,
    minutes,
    person,
    sync,
    utc,
    z,
)
from tests.support.api import register


def _by_name(items: list[dict]) -> dict[str, dict]:
    return {i["name"]: i for i in items}


async def test_team_totals_per_user_in_their_own_zone(client) -> None:
    owner = await register(client)
    ann = await person(owner, "Ann UTC")
    ken = await person(owner, "Ken Tokyo", "Asia/Tokyo")
    a = entry(utc(2026, 1, 5, 9, 0), utc(2026, 1, 5, 12, 0))
    await sync(ann, [a], minutes(a["idempotencyKey"], utc(2026, 1, 5, 9, 0), 90, 40))
    # Tokyo (UTC+9): 23:00 on the 4th .. 01:00 on the 5th, then 05:00 .. 10:00 on the 6th.
    k1 = entry(utc(2026, 1, 4, 14, 0), utc(2026, 1, 4, 16, 0))
    k2 = entry(utc(2026, 1, 5, 20, 0), utc(2026, 1, 6, 1, 0))
    await sync(
        ken,
        [k1, k2],
        [
            minute(k1["idempotencyKey"], utc(2026, 1, 4, 14, 59), 60),
            minute(k1["idempotencyKey"], utc(2026, 1, 4, 15, 0), 30),
        ],
    )

    r = await owner.get("/api/v1/reports/team", params={"from": "2026-01-05", "to": "2026-01-05"})
    assert r.status_code == 200, r.text
    items = _by_name(r.json()["items"])
    assert set(items) == {"Owner", "Ann UTC", "Ken Tokyo"}
    assert (items["Ann UTC"]["trackedSeconds"], items["Ann UTC"]["activeSeconds"]) == (10800, 3600)
    assert items["Ann UTC"]["activityPercent"] == 33.3
    assert (items["Ken Tokyo"]["trackedSeconds"], items["Ken Tokyo"]["activeSeconds"]) == (3600, 30)
    assert items["Owner"]["trackedSeconds"] == 0 and items["Owner"]["activityPercent"] == 0

    r = await owner.get("/api/v1/reports/team", params={"from": "2026-01-05", "to": "2026-01-06"})
    assert _by_name(r.json()["items"])["Ken Tokyo"]["trackedSeconds"] == 3600 + 18000


async def test_role_rules_and_other_organizations(client) -> None:
    owner = await register(client)
    boss = await person(owner, "Mia Manager", role="MANAGER")
    ann = await person(owner, "Ann Member")
    bob = await person(owner, "Bob Outside")
    team_id = await make_team(owner, "Core", [boss], [ann])
    stranger = await register(client, org_name="Other")

    # MEMBER: only self.
    r = await ann.get("/api/v1/reports/team")
    assert [i["name"] for i in r.json()["items"]] == ["Ann Member"]
    assert (
        await ann.get("/api/v1/reports/daily", params={"userId": bob.user_id})
    ).status_code == 404
    assert (await ann.get("/api/v1/reports/team", params={"teamId": team_id})).status_code == 404
    assert (
        await ann.get("/api/v1/reports/activity", params={"userId": boss.user_id})
    ).status_code == 404
    # Team MANAGER: their team (and self), nobody else.
    r = await boss.get("/api/v1/reports/team")
    assert sorted(i["name"] for i in r.json()["items"]) == ["Ann Member", "Mia Manager"]
    r = await boss.get("/api/v1/reports/team", params={"teamId": team_id})
    assert r.status_code == 200 and len(r.json()["items"]) == 2
    assert (
        await boss.get("/api/v1/reports/daily", params={"userId": ann.user_id})
    ).status_code == 200
    assert (
        await boss.get("/api/v1/reports/daily", params={"userId": bob.user_id})
    ).status_code == 404
    r = await boss.get("/api/v1/reports/entries", params={"userId": bob.user_id})
    assert r.status_code == 404
    # ADMIN/OWNER: everyone in the organization.
    r = await owner.get("/api/v1/reports/team")
    assert len(r.json()["items"]) == 4
    # Another organization: 404 for its people and teams, never 403.
    for url, params in [
        ("/api/v1/reports/daily", {"userId": ann.user_id}),
        ("/api/v1/reports/team", {"teamId": team_id}),
        ("/api/v1/reports/activity", {"userId": ann.user_id}),
        ("/api/v1/reports/entries", {"userId": ann.user_id}),
        ("/api/v1/reports/export", {"teamId": team_id}),
    ]:
        r = await stranger.get(url, params=params)
        assert r.status_code == 404, (url, r.text)
    r = await stranger.get("/api/v1/reports/team")
    assert [i["name"] for i in r.json()["items"]] == ["Owner"]
    assert (await client.get("/api/v1/reports/team")).status_code == 401


async def test_pagination_is_stable_while_inserting(client) -> None:
    owner = await register(client)
    team = [await person(owner, f"Alpha {n}") for n in (1, 2, 3, 4, 5)]
    team_id = await make_team(owner, "Alphas", [], team)
    params = {"teamId": team_id, "from": "2026-01-05", "to": "2026-01-05", "limit": 2}
    r = await owner.get("/api/v1/reports/team", params=params)
    page1 = r.json()
    assert [i["name"] for i in page1["items"]] == ["Alpha 1", "Alpha 2"]
    # New people (before and inside the unread part) and new time arrive between pages.
    early = await person(owner, "Alpha 0")
    middle = await person(owner, "Alpha 25")
    for acc in (early, middle):
        await owner.post(
            f"/api/v1/teams/{team_id}/members", json={"userId": acc.user_id, "role": "MEMBER"}
        )
    e = entry(utc(2026, 1, 5, 8, 0), utc(2026, 1, 5, 9, 0))
    await sync(team[2], [e])
    seen = [i["name"] for i in page1["items"]]
    cursor = page1["nextCursor"]
    totals = {}
    while cursor:
        r = await owner.get("/api/v1/reports/team", params={**params, "cursor": cursor})
        body = r.json()
        seen += [i["name"] for i in body["items"]]
        totals.update({i["name"]: i["trackedSeconds"] for i in body["items"]})
        cursor = body["nextCursor"]
    assert seen == ["Alpha 1", "Alpha 2", "Alpha 25", "Alpha 3", "Alpha 4", "Alpha 5"]
    assert totals["Alpha 3"] == 3600
    # Limits: capped, not refused; zero and garbage cursors are clear 400s.
    r = await owner.get("/api/v1/reports/team", params={"limit": 100000})
    assert r.status_code == 200
    assert (await owner.get("/api/v1/reports/team", params={"limit": 0})).status_code == 400
    r = await owner.get("/api/v1/reports/team", params={"cursor": "not-a-cursor"})
    assert r.status_code == 400


async def test_entries_list_and_keyset(client) -> None:
    owner = await register(client)
    ann = await person(owner, "Ann")
    es = [
        entry(utc(2026, 1, 7, h, 0), utc(2026, 1, 7, h, 30), description=f"e{h}")
        for h in (9, 10, 11)
    ]
    await sync(ann, es, minutes(es[0]["idempotencyKey"], utc(2026, 1, 7, 9, 0), 30, 30))
    window = {
        "userId": ann.user_id,
        "from": z(utc(2026, 1, 7, 9, 15)),
        "to": z(utc(2026, 1, 7, 11, 0)),
        "limit": 1,
    }
    r = await owner.get("/api/v1/reports/entries", params=window)
    assert r.status_code == 200, r.text
    first = r.json()
    assert [i["description"] for i in first["items"]] == ["e9"]
    item = first["items"][0]
    assert (item["durationSeconds"], item["activeSeconds"], item["activityPercent"]) == (
        1800,
        900,
        50.0,
    )
    assert item["userName"] == "Ann" and item["startTime"] == "2026-01-07T09:00:00Z"
    r = await owner.get("/api/v1/reports/entries", params={**window, "cursor": first["nextCursor"]})
    second = r.json()
    assert [i["description"] for i in second["items"]] == ["e10"]
    assert second["nextCursor"] is None  # 11:00 is the window's open end
    r = await owner.get("/api/v1/reports/entries", params={"from": "2026-01-07"})
    assert r.status_code == 400


async def test_activity_per_ten_minutes(client) -> None:
    owner = await register(client)
    ann = await person(owner, "Ann", "Europe/Berlin")
    e = entry(utc(2026, 1, 8, 9, 3), utc(2026, 1, 8, 9, 27))
    await sync(ann, [e], minutes(e["idempotencyKey"], utc(2026, 1, 8, 9, 3), 24, 30))
    r = await ann.get("/api/v1/reports/activity", params={"date": "2026-01-08"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["slotMinutes"] == 10 and body["timezone"] == "Europe/Berlin"
    got = [
        (s["start"], s["trackedSeconds"], s["activeSeconds"], s["activityPercent"])
        for s in body["slots"]
    ]
    assert got == [
        ("2026-01-08T09:00:00Z", 420, 210, 50.0),
        ("2026-01-08T09:10:00Z", 600, 300, 50.0),
        ("2026-01-08T09:20:00Z", 420, 210, 50.0),
    ]
    assert body["slots"][0]["keyboardClicks"] == 7 * 5
    r = await ann.get("/api/v1/reports/activity", params={"date": "2026-01-09"})
    assert r.json()["slots"] == []


async def test_activity_slots_on_a_25_hour_day(client) -> None:
    owner = await register(client)
    ann = await person(owner, "Ann", "Europe/Berlin")
    # 02:00-02:20 CET, the second 02:00 of 2026-10-25, is 01:00-01:20Z.
    e = entry(utc(2026, 10, 25, 1, 0), utc(2026, 10, 25, 1, 20))
    late = entry(utc(2026, 10, 25, 22, 50), utc(2026, 10, 25, 23, 0))  # 23:50-24:00 CET
    await sync(ann, [e, late], minutes(e["idempotencyKey"], utc(2026, 10, 25, 1, 0), 20, 60))
    r = await ann.get("/api/v1/reports/activity", params={"date": "2026-10-25"})
    got = [
        (s["start"], s["end"], s["trackedSeconds"], s["activeSeconds"]) for s in r.json()["slots"]
    ]
    assert got == [
        ("2026-10-25T01:00:00Z", "2026-10-25T01:10:00Z", 600, 600),
        ("2026-10-25T01:10:00Z", "2026-10-25T01:20:00Z", 600, 600),
        ("2026-10-25T22:50:00Z", "2026-10-25T23:00:00Z", 600, 0),
    ]


async def test_team_days_for_the_chart(client, db) -> None:
    from server.auth.principal import load_principal
    from server.reports.service import team_days

    owner = await register(client)
    ann = await person(owner, "Ann", "America/New_York")
    bob = await person(owner, "Bob", "UTC")
    # New York: 23:00 on the 2nd .. 02:00 on the 3rd (EST, UTC-5).
    await sync(ann, [entry(utc(2026, 2, 3, 4, 0), utc(2026, 2, 3, 7, 0))])
    await sync(bob, [entry(utc(2026, 2, 3, 10, 0), utc(2026, 2, 3, 10, 30))])
    async with db() as session:
        import uuid

        principal = await load_principal(session, uuid.UUID(owner.user_id), uuid.UUID(owner.org_id))
        got = await team_days(session, principal, None, "2026-02-02", "2026-02-04")
    assert [(day.isoformat(), s) for day, s in got] == [
        ("2026-02-02", 3600),
        ("2026-02-03", 7200 + 1800),
        ("2026-02-04", 0),
    ]
