"""Analytics dashboard and project analytics against hand-computed figures,
on SQLite and PostgreSQL (see helpers.py for the world and its entries).

Range 2026-04-01..2026-04-07 in each person's own local days. Per entry
(seconds inside the range; billable; rate):
  E1 Kai   7200 (3600 on 1 Apr, 3600 on 2 Apr)  billable  task 150 EUR -> 300.00
  E2 Kai  10800 (all on 5 Apr, 25-hour day)     billable  project 120 EUR -> 360.00
  E3 Kai   3600 manual, Internal (not billable)
  E4 Hana  9000 (7200 on 1 Apr, 1800 on 2 Apr)  billable  customer 80 USD
  E5 Hana  1200 (6 Apr) Meeting but entry billable        80 USD
  E6 Hana  2700 (7 Apr) Web but entry not billable
  E7 Hana  3600 of 7200 (31 Mar is outside)      billable  80 USD
USD: (9000 + 1200 + 3600) s x 80 / 3600 = 306.666.. -> 306.67.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.analytics.helpers import World, _post, add_entry, build, utc
from tests.integration.reports.helpers import person
from tests.support.api import register

RANGE = {"from": "2026-04-01", "to": "2026-04-07"}


@pytest.fixture(scope="module")
async def world(client: Any, db: Any) -> World:
    return await build(client, db)


def _by_name(groups: list[dict[str, Any]]) -> dict[str, tuple[int, int, list[dict[str, str]]]]:
    return {g["name"]: (g["seconds"], g["billableSeconds"], g["amounts"]) for g in groups}


async def test_admin_dashboard_figures(world: World) -> None:
    r = await world.owner.get("/api/v1/analytics/dashboard", params=RANGE)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["trackedSeconds"] == 38100
    assert body["billableSeconds"] == 31800
    assert body["amounts"] == [
        {"currency": "EUR", "amount": "660.00"},
        {"currency": "USD", "amount": "306.67"},
    ]
    assert body["manualSeconds"] == 3600
    # Active: 600 (E1) + 300 (E7 after local midnight); 900 s on 31 March are outside.
    assert body["activeSeconds"] == 900
    assert body["activityPercent"] == round(900 * 100 / 38100, 1)
    hours = [0] * 24
    # E1 23h,0h; E2 1h 1800, 2h twice, 3h 1800; E3 9h; E4 22h,23h,0h 1800; E5 10h 1200;
    # E6 9h 2700; E7 0h.
    for h, s in [(23, 3600), (0, 3600), (1, 1800), (2, 7200), (3, 1800), (9, 3600),
                 (22, 3600), (23, 3600), (0, 1800), (10, 1200), (9, 2700), (0, 3600)]:  # fmt: skip
        hours[h] += s
    assert body["hourHistogram"] == hours
    assert [(x["date"], x["seconds"], x["billableSeconds"]) for x in body["byDay"]] == [
        ("2026-04-01", 14400, 14400),
        ("2026-04-02", 5400, 5400),
        ("2026-04-03", 3600, 0),
        ("2026-04-04", 0, 0),
        ("2026-04-05", 10800, 10800),
        ("2026-04-06", 1200, 1200),
        ("2026-04-07", 2700, 0),
    ]
    eur = [{"currency": "EUR", "amount": "660.00"}]
    usd = [{"currency": "USD", "amount": "306.67"}]
    assert _by_name(body["byProject"]) == {
        "Web": (20700, 18000, eur),
        "Ops": (13800, 13800, usd),
        "Internal": (3600, 0, []),
    }
    assert [g["name"] for g in body["byProject"]] == ["Web", "Ops", "Internal"]
    assert body["byProject"][0]["color"] == "#3366ff"
    assert _by_name(body["byCustomer"]) == {
        "Acme": (20700, 18000, eur),
        "Globex": (13800, 13800, usd),
        "No customer": (3600, 0, []),
    }
    assert _by_name(body["byActivity"]) == {
        "Dev": (
            19800,
            19800,
            [{"currency": "EUR", "amount": "300.00"}, {"currency": "USD", "amount": "280.00"}],
        ),
        "Meeting": (1200, 1200, [{"currency": "USD", "amount": "26.67"}]),
        "No activity": (17100, 10800, [{"currency": "EUR", "amount": "360.00"}]),
    }
    assert _by_name(body["byUser"]) == {
        "Kai Auckland": (21600, 18000, eur),
        "Hana Honolulu": (16500, 13800, usd),
    }
    # Tuesday 7 April: this week = Mon 6..Tue 7 (E5 + E6), last week = Mon 30..Tue 31
    # March (E7's first hour, 23:00-24:00 on the 31st).
    assert body["weekOverWeek"] == {
        "thisWeekStart": "2026-04-06",
        "lastWeekStart": "2026-03-30",
        "thisWeekSeconds": 3900,
        "lastWeekSeconds": 3600,
    }
    # Build on time, Fix on time (its assignee's 1 April), Docs late (Kai's 3 April).
    assert (body["tasksCompleted"], body["tasksCompletedOnTime"], body["tasksCompletedLate"]) == (
        3,
        2,
        1,
    )
    # Build 7200 vs 7200, Fix 9000 vs 3600, Docs has no time: 100 x (1 - 5400 / 10800).
    assert body["estimateAccuracyPercent"] == 50.0


async def test_member_sees_only_their_own(world: World) -> None:
    r = await world.kai.get("/api/v1/analytics/dashboard", params=RANGE)
    body = r.json()
    assert (body["trackedSeconds"], body["billableSeconds"]) == (21600, 18000)
    assert body["amounts"] == [{"currency": "EUR", "amount": "660.00"}]
    assert [u["name"] for u in body["byUser"]] == ["Kai Auckland"]
    assert (body["tasksCompleted"], body["tasksCompletedOnTime"], body["tasksCompletedLate"]) == (
        2,
        1,
        1,
    )
    assert body["estimateAccuracyPercent"] == 100.0  # Build only (Docs has no time)
    for params in ({"userId": world.hana.user_id}, {"teamId": world.team_id}):
        r = await world.kai.get("/api/v1/analytics/dashboard", params={**RANGE, **params})
        assert r.status_code == 404, r.text


async def test_team_manager_sees_their_team(world: World) -> None:
    r = await world.mia.get("/api/v1/analytics/dashboard", params=RANGE)
    body = r.json()
    assert body["trackedSeconds"] == 16500  # Hana (and Mia, who has no time)
    r = await world.mia.get(
        "/api/v1/analytics/dashboard", params={**RANGE, "teamId": world.team_id}
    )
    assert r.json()["trackedSeconds"] == 16500
    r = await world.mia.get(
        "/api/v1/analytics/dashboard", params={**RANGE, "userId": world.kai.user_id}
    )
    assert r.status_code == 404
    r = await world.owner.get(
        "/api/v1/analytics/dashboard", params={**RANGE, "userId": world.kai.user_id}
    )
    assert r.json()["trackedSeconds"] == 21600
    # An ADMIN sees everyone, like the OWNER.
    admin = await person(world.owner, "Ada Admin", "UTC", role="ADMIN")
    r = await admin.get("/api/v1/analytics/dashboard", params=RANGE)
    assert r.json()["trackedSeconds"] == 38100
    r = await admin.get(f"/api/v1/analytics/projects/{world.ids['web']}")
    assert r.json()["trackedSeconds"] == 20700


async def test_one_day_and_bad_input(world: World) -> None:
    # Kai's 5 April has 25 hours; E2's three real hours all fall on it.
    r = await world.owner.get(
        "/api/v1/analytics/dashboard",
        params={"from": "2026-04-05", "to": "2026-04-05", "userId": world.kai.user_id},
    )
    body = r.json()
    assert body["trackedSeconds"] == 10800 and body["hourHistogram"][2] == 7200
    for params in (
        {"from": "2026-04-07", "to": "2026-04-01"},
        {"from": "yesterday"},
        {"from": "2026-01-01", "to": "2027-06-01"},
        {"userId": "not-a-uuid"},
    ):
        r = await world.owner.get("/api/v1/analytics/dashboard", params=params)
        assert r.status_code in (400, 404), (params, r.text)
        assert r.status_code != 404 or "userId" in params


async def test_week_over_week_in_a_window_holding_both_weeks(world: World) -> None:
    # 30 March..7 April holds this week and last: their sums come from the
    # window's own per-day figures, and match the 1..7 April answer above.
    r = await world.owner.get(
        "/api/v1/analytics/dashboard", params={"from": "2026-03-30", "to": "2026-04-07"}
    )
    body = r.json()
    assert body["trackedSeconds"] == 38100 + 3600  # E7's first hour, 31 March
    assert body["weekOverWeek"] == {
        "thisWeekStart": "2026-04-06",
        "lastWeekStart": "2026-03-30",
        "thisWeekSeconds": 3900,
        "lastWeekSeconds": 3600,
    }


async def test_billable_time_at_a_zero_rate_has_a_zero_amount(client: Any, db: Any) -> None:
    # A rate of 0.00 prices billable time at 0.00 (listed); no rate at all, no amount.
    owner = await register(client, timezone="UTC")
    free = await _post(owner, "/api/v1/projects", {"name": "Free", "hourlyRate": "0.00"})
    unpriced = await _post(owner, "/api/v1/projects", {"name": "Unpriced"})
    await add_entry(db, owner, utc(2026, 4, 1, 9), utc(2026, 4, 1, 10), project=free["id"])
    await add_entry(db, owner, utc(2026, 4, 1, 11), utc(2026, 4, 1, 13), project=unpriced["id"])
    r = await owner.get(
        "/api/v1/analytics/dashboard", params={"from": "2026-04-01", "to": "2026-04-01"}
    )
    body = r.json()
    assert body["billableSeconds"] == 10800
    zero = [{"currency": "EUR", "amount": "0.00"}]
    assert body["amounts"] == zero
    assert _by_name(body["byProject"]) == {"Unpriced": (7200, 7200, []), "Free": (3600, 3600, zero)}
    assert [(g["seconds"], g["amounts"]) for g in body["byUser"]] == [(10800, zero)]


async def test_running_entry_counts_until_now(client: Any, db: Any) -> None:
    owner = await register(client, timezone="UTC")
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    await add_entry(db, owner, start, None)
    today = datetime.now(UTC).date().isoformat()
    r = await owner.get("/api/v1/analytics/dashboard", params={"from": today, "to": today})
    tracked = r.json()["trackedSeconds"]
    if start.date().isoformat() == today:  # not just after midnight
        assert 1800 <= tracked <= 1800 + 120


async def test_project_analytics(world: World) -> None:
    r = await world.owner.get(f"/api/v1/analytics/projects/{world.ids['web']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["budgetSeconds"] == 36000
    assert body["trackedSeconds"] == 20700  # E1 + E2 + E6
    assert body["billableSeconds"] == 18000
    assert body["remainingSeconds"] == 15300
    assert body["budgetUsedPercent"] == 57.5
    assert body["amounts"] == [{"currency": "EUR", "amount": "660.00"}]
    assert body["customerName"] == "Acme" and body["currency"] == "EUR"
    rows = [
        (t["name"], t["estimateSeconds"], t["trackedSeconds"], t["remainingSeconds"],
         t["estimateUsedPercent"], t["amount"])
        for t in body["tasks"]
    ]  # fmt: skip
    assert rows == [
        ("No task", None, 13500, None, None, {"currency": "EUR", "amount": "360.00"}),
        ("Build", 7200, 7200, 0, 100.0, {"currency": "EUR", "amount": "300.00"}),
        ("Docs", 1800, 0, 1800, 0.0, None),
    ]
    # A member sees the project with their own time only.
    r = await world.kai.get(f"/api/v1/analytics/projects/{world.ids['web']}")
    assert r.json()["trackedSeconds"] == 18000  # E1 + E2
    # Another organization: 404, as for an id that does not exist.
    other = await register(world.owner.client)
    r = await other.get(f"/api/v1/analytics/projects/{world.ids['web']}")
    assert r.status_code == 404
    for params in ({"userId": world.kai.user_id}, {"teamId": world.team_id}):
        r = await other.get("/api/v1/analytics/dashboard", params=params)
        assert r.status_code == 404
    r = await other.get("/api/v1/analytics/dashboard", params=RANGE)
    assert r.json()["trackedSeconds"] == 0


async def test_pending_manual_time_under_the_approval_policy(world: World) -> None:
    config = "/api/v1/agent/config"
    body = (await world.owner.get("/api/v1/analytics/dashboard", params=RANGE)).json()
    assert body["pendingManualSeconds"] == 0  # policy off
    r = await world.owner.patch(config, json={"manualTimeApproval": "required"})
    assert r.status_code == 200, r.text
    try:
        body = (await world.owner.get("/api/v1/analytics/dashboard", params=RANGE)).json()
        # E3, Kai's typed-in hour, waits for its week's approval; still counted as tracked.
        assert (body["pendingManualSeconds"], body["manualSeconds"]) == (3600, 3600)
        assert body["trackedSeconds"] == 38100
    finally:
        await world.owner.patch(config, json={"manualTimeApproval": "off"})
