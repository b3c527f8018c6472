"""Clockify and Tempo imports against their stand-ins, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.db.models import TimeEntry
from tests.integration.integrations.helpers import connect, run
from tests.support.api import create_project, invite, register
from tests.support.standins.base import serving
from tests.support.standins.clockify import ClockifyStandIn
from tests.support.standins.tempo import TempoStandIn

KEY = "clockify-key-0123456789"
TEMPO = "tempo-token-0123456789"


async def _durations(db, user_id: str) -> list[tuple[int, str]]:
    async with db() as s:
        rows = await s.execute(
            select(TimeEntry.duration_seconds, TimeEntry.source)
            .where(TimeEntry.user_id == uuid.UUID(user_id))
            .order_by(TimeEntry.start_time)
        )
        return [tuple(r) for r in rows.all()]


async def test_clockify_iso_durations_pages_running_timer_and_deletions(client, db):
    owner = await register(client)
    bob = await invite(owner, name="Bob")
    with serving(ClockifyStandIn(key=KEY, rate_limit_every=4)) as clockify:
        b = clockify.add_user(bob.email, "Bob")
        clockify.add_user("ghost@elsewhere.test", "Ghost")
        day = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0) - timedelta(
            days=2
        )
        ids = [clockify.add_entry(b, day + timedelta(hours=i), 1800 + i * 60) for i in range(5)]
        clockify.add_entry(b, datetime.now(UTC) - timedelta(minutes=3), None)  # running
        r = await connect(
            owner, "clockify", clockify.url, {"apiKey": KEY}, {"workspaceId": "ws1", "pageSize": 2}
        )
        assert r.status_code == 201, r.text
        iid = r.json()["id"]
        first = await run(owner, iid)
        assert first["status"] == "done", first
        assert (first["counts"]["created"], first["counts"]["skipped"]) == (5, 1)
        # page-size 2 over 6 entries: pages 1..4 (the last one empty or short)
        pages = [q.query.get("page") for q in clockify.log if "time-entries" in q.path]
        assert ["1"] in pages and ["3"] in pages
        stored = await _durations(db, bob.user_id)
        assert stored == [(1800 + i * 60, "import:clockify") for i in range(5)]

        del clockify.entries[ids[1]]
        second = await run(owner, iid)
        assert (second["counts"]["created"], second["counts"]["deleted"]) == (0, 1), second
        assert len(await _durations(db, bob.user_id)) == 4
        assert clockify.rate_limited > 0 and clockify.early_retries == 0

        r = await connect(
            owner,
            "clockify",
            clockify.url,
            {"apiKey": "nope-nope-nope"},
            {"workspaceId": "ws1"},
            name="bad",
        )
        assert r.status_code == 422 and "Full authentication" in r.json()["detail"], r.text


async def test_tempo_mapping_by_account_incremental_and_failure(client, db):
    owner = await register(client)
    carol = await invite(owner, name="Carol")
    project = await create_project(owner, f"Support-{uuid.uuid4().hex[:4]}")
    with serving(TempoStandIn(token=TEMPO)) as tempo:
        start = datetime.now().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(
            days=1
        )
        w1 = tempo.add_worklog("acc-carol", start, 3600, issue_id=42, description="ticket 42")
        tempo.add_worklog("acc-carol", start + timedelta(hours=2), 5400, issue_id=42)
        tempo.add_worklog("acc-carol", start + timedelta(hours=4), 600, issue_id=43, billable=0)
        r = await connect(
            owner,
            "tempo",
            tempo.url,
            {"apiToken": TEMPO},
            {"timezone": "Europe/Berlin", "pageSize": 2},
        )
        assert r.status_code == 201, r.text
        iid = r.json()["id"]

        # Tempo has no emails: the author is unmatched until mapped by account id.
        before = await run(owner, iid)
        assert (before["counts"]["failed"], before["counts"]["created"]) == (3, 0), (
            before["counts"],
            before["errors"],
        )
        assert "acc-carol" in before["errors"][0]["detail"]
        m = (await owner.get(f"/api/v1/integrations/{iid}/mappings")).json()
        assert [u["externalId"] for u in m["users"] if u["targetId"] is None] == ["acc-carol"]
        r = await owner.put(
            f"/api/v1/integrations/{iid}/mappings",
            json={
                "items": [
                    {"kind": "user", "externalId": "acc-carol", "targetId": carol.user_id},
                    {"kind": "project", "externalId": "issue:42", "targetId": project["id"]},
                ]
            },
        )
        assert r.status_code == 200 and r.json()["unmatched"]["users"] == 0, r.text
        bad = await owner.put(
            f"/api/v1/integrations/{iid}/mappings",
            json={"items": [{"kind": "user", "externalId": "x", "targetId": str(uuid.uuid4())}]},
        )
        assert bad.status_code == 400

        done = await run(owner, iid, **{"from": (start - timedelta(days=1)).date().isoformat()})
        assert (done["counts"]["created"], done["status"]) == (3, "done"), done
        async with db() as s:
            rows = (
                (
                    await s.execute(
                        select(TimeEntry)
                        .where(TimeEntry.user_id == uuid.UUID(carol.user_id))
                        .order_by(TimeEntry.start_time)
                    )
                )
                .scalars()
                .all()
            )
        berlin = start.replace(tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
        assert rows[0].start_time == berlin.astimezone(UTC)
        assert str(rows[0].project_id) == project["id"] and rows[1].project_id is not None
        assert rows[2].project_id is None and rows[2].billable is False

        # Without from/to: the first window run sets the mark; the next asks for changes only.
        await run(owner, iid)
        tempo.edit(w1, timeSpentSeconds=4200)
        tempo.log.clear()
        inc = await run(owner, iid)
        assert (inc["counts"]["updated"], inc["counts"]["fetched"]) == (1, 1), inc
        assert any("updatedFrom" in q.query for q in tempo.log)

        # The provider fails for good mid-run: the run fails with the reason.
        tempo.fail_next = [500] * 10
        failed = await run(owner, iid)
        assert failed["status"] == "failed" and "500" in failed["detail"], failed
        # An HTML page where JSON was expected.
        tempo.fail_next = []
        tempo.html_mode = True
        html = await run(owner, iid)
        assert html["status"] == "failed" and "instead of JSON" in html["detail"], html
