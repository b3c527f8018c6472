"""Imports and two-way pulls refuse a record no time entry may be (longer
than an entry lasts, ending before it starts, dated outside the accepted
range: server/core/spans.py) the way they refuse any bad record: an error on
the run naming it, counted as `failed`, nothing stored for it, the rest of
the run going on. The overlap checks look back only as far as an entry
lasts, so a longer one stored would escape them. SQLite and PostgreSQL (the
import's COPY path)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from server.db.models import IntegrationConflict, IntegrationLink, TimeEntry
from tests.integration.integrations.helpers import connect, run, upload, wait_run
from tests.integration.web.pages import web_sign_in
from tests.support.api import create_project, invite, register
from tests.support.standins.base import serving
from tests.support.standins.clockify import ClockifyStandIn, iso_duration
from tests.support.standins.jira import JiraStandIn

FORTY_DAYS = 40 * 86400
TOO_LONG = "an entry lasts at most 31 days (this one lasts 40 days)"
KEY = "clockify-key-0123456789"
EMAIL, TOKEN = "bot@example.test", "jira-token-0123456789"


async def _spans(db, user_id: str) -> list[tuple[datetime, int, str | None]]:
    async with db() as s:
        rows = await s.execute(
            select(TimeEntry.start_time, TimeEntry.duration_seconds, TimeEntry.description)
            .where(TimeEntry.user_id == uuid.UUID(user_id))
            .order_by(TimeEntry.start_time)
        )
        return [(r[0].astimezone(UTC), r[1], r[2]) for r in rows.all()]


async def _csv(owner, text: str, mapping: str) -> dict:
    r = await upload(owner, text.encode(), "generic", mapping=mapping)
    assert r.status_code == 202, r.text
    return await wait_run(owner, r.json()["id"])


async def test_csv_import_refuses_a_forty_day_row_and_stores_the_rest(client, db):
    owner = await register(client)
    dana = await invite(owner, name="Dana")
    text = (
        "email,start,end,description\n"
        f"{dana.email},2026-03-02T09:00:00Z,2026-04-11T09:00:00Z,forty days\n"
        f"{dana.email},2026-03-02T09:00:00Z,2026-03-02T10:30:00Z,an hour and a half\n"
    )
    mapping = '{"email": "email", "start": "start", "end": "end", "description": "description"}'
    done = await _csv(owner, text, mapping)
    assert done["status"] == "done", done
    assert (done["counts"]["created"], done["counts"]["failed"]) == (1, 1), done
    assert done["errors"] == [{"externalId": "line:2", "detail": f"line 2: {TOO_LONG}"}]
    assert await _spans(db, dana.user_id) == [
        (datetime(2026, 3, 2, 9, tzinfo=UTC), 5400, "an hour and a half")
    ]
    # The run's page shows the count and the reason.
    await web_sign_in(client, owner.email)
    page = await client.get(f"/app/integrations/{done['integrationId']}")
    assert page.status_code == 200 and f"line:2: line 2: {TOO_LONG}" in page.text


async def test_csv_import_refuses_a_duration_past_the_range_or_any_length(client, db):
    owner = await register(client)
    finn = await invite(owner, name="Finn")
    text = (
        "email,start,hours\n"
        f"{finn.email},2026-04-01T08:00:00Z,99999999999\n"  # start + it: past year 9999
        f"{finn.email},2099-12-31T12:00:00Z,48\n"  # ends in 2100
        f"{finn.email},2026-04-01T08:00:00Z,1.5\n"
    )
    done = await _csv(owner, text, '{"email": "email", "start": "start", "duration": "hours"}')
    assert done["status"] == "done", done
    assert (done["counts"]["created"], done["counts"]["failed"]) == (1, 2), done
    detail = {e["externalId"]: e["detail"] for e in done["errors"]}
    assert "an entry lasts at most 31 days" in detail["line:2"], detail
    assert detail["line:3"] == "line 3: an entry must be dated from 2000-01-01 to 2099-12-31"
    assert [s[1] for s in await _spans(db, finn.user_id)] == [5400]


async def test_clockify_import_refuses_a_forty_day_entry_new_or_edited(client, db):
    owner = await register(client)
    bob = await invite(owner, name="Bob")
    with serving(ClockifyStandIn(key=KEY)) as clockify:
        b = clockify.add_user(bob.email, "Bob")
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=45)
        long = clockify.add_entry(b, start, FORTY_DAYS, description="forty days")
        short = clockify.add_entry(b, start + timedelta(days=44), 1800, description="half hour")
        r = await connect(owner, "clockify", clockify.url, {"apiKey": KEY}, {"workspaceId": "ws1"})
        assert r.status_code == 201, r.text
        iid = r.json()["id"]

        first = await run(owner, iid)
        assert first["status"] == "done", first
        assert (first["counts"]["created"], first["counts"]["failed"]) == (1, 1), first
        assert first["errors"] == [{"externalId": long, "detail": TOO_LONG}]
        stored = await _spans(db, bob.user_id)
        assert [(s[1], s[2]) for s in stored] == [(1800, "half hour")]

        # Edited at Clockify to last 40 days: refused, the stored entry stays as
        # it was, and the window run does not take it for deleted either.
        clockify.entries[short]["timeInterval"]["end"] = (start + timedelta(days=84)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        clockify.entries[short]["timeInterval"]["duration"] = iso_duration(FORTY_DAYS)
        window = {"from": (start - timedelta(days=1)).date().isoformat()}
        second = await run(owner, iid, **window)
        assert second["status"] == "done", second
        counts = second["counts"]
        assert (counts["updated"], counts["deleted"], counts["failed"]) == (0, 0, 2), second
        assert {e["externalId"]: e["detail"] for e in second["errors"]} == {
            long: TOO_LONG,
            short: TOO_LONG,
        }
        assert await _spans(db, bob.user_id) == stored


async def test_jira_pull_refuses_a_forty_day_worklog_new_edited_or_kept(client, db):
    owner = await register(client)
    carol = await invite(owner, name="Carol")
    project = await create_project(owner)
    with serving(JiraStandIn(email=EMAIL, token=TOKEN)) as jira:
        jira.add_issue("ABC-1")
        jc = jira.add_account(carol.email, "Carol")
        day = datetime.now(UTC).replace(microsecond=0) - timedelta(days=45)
        long = jira.add_worklog("ABC-1", jc, day, FORTY_DAYS, "forty days")
        short = jira.add_worklog("ABC-1", jc, day + timedelta(days=44), 3600, "an hour")
        forever = jira.add_worklog("ABC-1", jc, day, 10**12, "past year 9999")
        r = await connect(
            owner,
            "jira",
            jira.url,
            {"email": EMAIL, "apiToken": TOKEN},
            {"projectId": project["id"]},
        )
        assert r.status_code == 201, r.text
        jid = r.json()["id"]

        # A new worklog lasting 40 days: the run's error, no entry, no link;
        # one whose end cannot even be computed is that record's error too.
        first = await run(owner, jid)
        assert first["status"] == "done", first
        assert (first["counts"]["created"], first["counts"]["failed"]) == (1, 2), first
        errors = {e["externalId"]: e["detail"] for e in first["errors"]}
        assert errors[long] == TOO_LONG, errors
        assert errors[forever].startswith("unreadable Jira worklog"), errors
        [pulled] = await _spans(db, carol.user_id)
        assert pulled[1:] == (3600, "an hour")
        async with db() as s:
            links = IntegrationLink.integration_id == uuid.UUID(jid)  # ids repeat across stand-ins
            linked = (
                (await s.execute(select(IntegrationLink.remote_id).where(links))).scalars().all()
            )
        assert long not in linked and forever not in linked and short in linked

        # Only the remote moved, to 40 days: not pulled; the entry and its link
        # stay as they were (an error each run until it is fixed at Jira).
        jira.edit(short, timeSpentSeconds=FORTY_DAYS)
        edited = await run(owner, jid)
        assert edited["status"] == "done", edited
        assert (edited["counts"]["updated"], edited["counts"]["conflicts"]) == (0, 0), edited
        assert {"externalId": short, "detail": TOO_LONG} in edited["errors"], edited
        assert await _spans(db, carol.user_id) == [pulled]
        assert jira.worklogs[short]["timeSpentSeconds"] == FORTY_DAYS  # nothing pushed over it

        # Changed here too: both sides moved, a conflict (a person decides) —
        # but keeping the remote side would store 40 days, so only Hubnity's can be kept.
        async with db() as s:
            entry_id = (
                await s.execute(
                    select(IntegrationLink.time_entry_id).where(
                        links, IntegrationLink.remote_id == short
                    )
                )
            ).scalar_one()
        r = await owner.patch(f"/api/v1/time-entries/{entry_id}", json={"description": "mine"})
        assert r.status_code == 200, r.text
        clash = await run(owner, jid)
        assert clash["counts"]["conflicts"] == 1, clash
        [c] = (await owner.get(f"/api/v1/integrations/{jid}/conflicts?status=open")).json()["items"]
        resolve = f"/api/v1/integration-conflicts/{c['id']}/resolve"
        r = await owner.post(resolve, json={"keep": "remote"})
        assert r.status_code == 400 and TOO_LONG in r.json()["detail"], r.text

        # One resolved that way before the rule: the run refuses it and opens it again.
        async with db() as s:
            await s.execute(
                update(IntegrationConflict)
                .where(IntegrationConflict.id == uuid.UUID(c["id"]))
                .values(status="resolved", keep="remote")
            )
            await s.commit()
        reopened = await run(owner, jid)
        assert reopened["status"] == "done", reopened
        assert {
            "externalId": short,
            "detail": f"{TOO_LONG}; the conflict is open again",
        } in reopened["errors"], reopened
        assert [s[1:] for s in await _spans(db, carol.user_id)] == [(3600, "mine")]
        [again] = (await owner.get(f"/api/v1/integrations/{jid}/conflicts?status=open")).json()[
            "items"
        ]
        assert again["id"] == c["id"]

        r = await owner.post(resolve, json={"keep": "hubnity"})
        assert r.status_code == 200, r.text
        settled = await run(owner, jid)
        assert settled["status"] == "done", settled
        assert jira.worklogs[short]["timeSpentSeconds"] == 3600  # Hubnity's hour went back
