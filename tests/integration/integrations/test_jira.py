"""Two-way sync with Jira Cloud worklogs against the Jira stand-in, on SQLite
and PostgreSQL: updated/deleted feeds with pages, pushes by issue key (the
`started` format, ADF comments), a missing issue, a dry run, 429s, edits,
deletions and a concurrent edit on both sides."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.db.models import TimeEntry
from tests.integration.integrations.helpers import connect, run
from tests.support.api import create_project, invite, register
from tests.support.standins.base import serving
from tests.support.standins.jira import JiraStandIn

EMAIL, TOKEN = "bot@example.test", "jira-token-0123456789"


async def _entries(db, org_id: str) -> list[TimeEntry]:
    async with db() as s:
        rows = await s.execute(
            select(TimeEntry)
            .where(TimeEntry.organization_id == uuid.UUID(org_id))
            .order_by(TimeEntry.start_time)
        )
        return list(rows.scalars())


def _text(worklog: dict) -> str:
    return "".join(
        node["text"] for para in worklog["comment"]["content"] for node in para["content"]
    )


async def test_jira_worklogs_both_ways(client, db):
    owner = await register(client)
    bob = await invite(owner, name="Bob")
    carol = await invite(owner, name="Carol")
    project = await create_project(owner)
    with serving(JiraStandIn(email=EMAIL, token=TOKEN, page_size=2, rate_limit_every=6)) as jira:
        jira.add_issue("ABC-1")
        jira.add_issue("ABC-2")
        jc = jira.add_account(carol.email, "Carol")
        day = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=8)
        wl = jira.add_worklog("ABC-1", jc, day, 7200, "triage")
        for i, key in enumerate(("ABC-2", "ABC-404", "12")):
            r = await bob.post(
                "/api/v1/time-entries",
                json={
                    "projectId": project["id"],
                    "startTime": (day + timedelta(hours=3 + i)).isoformat(),
                    "endTime": (day + timedelta(hours=3 + i, minutes=45)).isoformat(),
                    "description": "fixed login",
                    "ticketKey": key,
                },
            )
            assert r.status_code == 201, r.text
            if i == 0:
                bob_entry = r.json()["id"]
        r = await connect(
            owner,
            "jira",
            jira.url,
            {"email": EMAIL, "apiToken": TOKEN},
            {"projectId": project["id"]},
        )
        assert r.status_code == 201, r.text
        jid = r.json()["id"]
        bad = await connect(
            owner, "jira", jira.url, {"email": EMAIL, "apiToken": "wrong-token-0000"}, name="bad"
        )
        assert bad.status_code == 422 and "Jira refused" in bad.json()["detail"], bad.text

        dry = await run(owner, jid, dryRun=True)
        assert dry["status"] == "done", dry
        # Would pull Carol's worklog and push ABC-2 and ABC-404 (not "12": no Jira key).
        assert (dry["counts"]["created"], dry["counts"]["pushed"]) == (1, 2), dry
        assert len(jira.worklogs) == 1 and len(await _entries(db, owner.org_id)) == 3

        first = await run(owner, jid)
        assert first["status"] == "done", first
        assert (first["counts"]["created"], first["counts"]["pushed"]) == (1, 1), first
        # ABC-404: that record's error, the run went on; "12" is no Jira key.
        assert first["counts"]["failed"] == 1 and "Issue does not exist" in str(first["errors"])
        [pushed] = [w for w in jira.worklogs.values() if w["issueId"] == jira.issues["ABC-2"]]
        assert pushed["timeSpentSeconds"] == 2700 and _text(pushed) == "fixed login"
        assert pushed["started"].endswith(".000+0000")
        posts = [q for q in jira.log if q.method == "POST" and q.path.endswith("/worklog")]
        assert all(q.query.get("adjustEstimate") == ["leave"] for q in posts)
        [pulled] = [e for e in await _entries(db, owner.org_id) if e.ticket_key == "ABC-1"]
        assert (str(pulled.user_id), pulled.duration_seconds, pulled.description) == (
            carol.user_id,
            7200,
            "triage",
        )
        assert str(pulled.project_id) == project["id"] and pulled.source == "sync:jira"
        # The feed was read page by page (2 per page) and the 429s were waited out.
        assert sum(1 for q in jira.log if q.path.endswith("/worklog/updated")) >= 2
        assert jira.rate_limited > 0 and jira.early_retries == 0

        again = await run(owner, jid)
        assert (again["counts"]["created"], again["counts"]["updated"]) == (0, 0), again
        assert again["counts"]["pushed"] == 0, again

        jira.edit(wl, timeSpentSeconds=3600)
        edited = await run(owner, jid)
        assert edited["counts"]["updated"] == 1, edited
        [pulled] = [e for e in await _entries(db, owner.org_id) if e.ticket_key == "ABC-1"]
        assert pulled.duration_seconds == 3600

        # Both sides change Bob's worklog: a conflict, nothing overwritten.
        r = await bob.patch(f"/api/v1/time-entries/{bob_entry}", json={"description": "mine"})
        assert r.status_code == 200, r.text
        jira.edit(pushed["id"], comment="theirs")
        clash = await run(owner, jid)
        assert clash["counts"]["conflicts"] == 1 and clash["counts"]["pushed"] == 0, clash
        assert _text(jira.worklogs[pushed["id"]]) == "theirs"
        [c] = (await owner.get(f"/api/v1/integrations/{jid}/conflicts?status=open")).json()["items"]
        assert (c["hubnity"]["description"], c["remote"]["description"]) == ("mine", "theirs")
        r = await owner.post(
            f"/api/v1/integration-conflicts/{c['id']}/resolve", json={"keep": "hubnity"}
        )
        assert r.status_code == 200, r.text
        settled = await run(owner, jid)
        assert settled["status"] == "done", settled
        assert _text(jira.worklogs[pushed["id"]]) == "mine"

        jira.remove(wl)
        gone = await run(owner, jid)
        assert gone["counts"]["deleted"] == 1, gone
        assert [e.ticket_key for e in await _entries(db, owner.org_id)].count("ABC-1") == 0
