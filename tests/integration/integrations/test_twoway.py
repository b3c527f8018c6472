"""Two-way worklog sync against the Zammad and Kimai stand-ins, on SQLite and
PostgreSQL: the Zammad → Hubnity → Kimai chain, webhooks, pushes by ticket
key, conflicts and their resolution."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from server.db.models import AuditLog, IntegrationLink, TimeEntry
from tests.integration.integrations.helpers import connect, run, wait_run
from tests.support.api import Account, create_project, invite, register
from tests.support.standins.base import serving
from tests.support.standins.kimai import KimaiStandIn
from tests.support.standins.zammad import ZammadStandIn

ZTOKEN = "zammad-token-0123456789"
KTOKEN = "kimai-token-0123456789"
SECRET = "webhook-secret-abcdef"


async def _entries(db, user_id: str) -> list[TimeEntry]:
    async with db() as s:
        rows = await s.execute(
            select(TimeEntry)
            .where(TimeEntry.user_id == uuid.UUID(user_id))
            .order_by(TimeEntry.start_time)
        )
        return list(rows.scalars())


async def _hook(owner: Account, iid: str, zammad: ZammadStandIn, ticket: int, **kw: Any) -> Any:
    body, headers = zammad.signed(SECRET, ticket, **kw)
    return await owner.client.post(
        f"/api/v1/integrations/{iid}/webhook", content=body, headers=headers
    )


async def _hook_run(owner: Account, iid: str, zammad: ZammadStandIn, ticket: int) -> dict:
    r = await _hook(owner, iid, zammad, ticket)
    assert r.status_code == 202 and r.json()["status"] == "queued", r.text
    return await wait_run(owner, r.json()["runId"])


async def _setup(client) -> tuple[Account, Account, dict, dict]:
    owner = await register(client)
    bob = await invite(owner, name="Bob")
    project = await create_project(owner, f"Support-{uuid.uuid4().hex[:6]}")
    r = await owner.post("/api/v1/activities", json={"name": "Remote support"})
    assert r.status_code == 201, r.text
    return owner, bob, project, r.json()


async def test_zammad_to_hubnity_to_kimai_chain(client, db):
    owner, bob, project, activity = await _setup(client)
    with (
        serving(ZammadStandIn(token=ZTOKEN)) as zammad,
        serving(KimaiStandIn(token=KTOKEN, rate_limit_every=7)) as kimai,
    ):
        zbob = zammad.add_user(bob.email, "Bob", "B")
        ticket = zammad.add_ticket()
        ztype = zammad.add_type("Remote support")
        zammad.add_type("Phone")
        kbob = kimai.add_user(bob.email)
        kproject = kimai.add_project(project["name"])
        kactivity = kimai.add_activity("Remote support")
        kimai.add_activity("Phone")

        r = await connect(
            owner,
            "zammad",
            zammad.url,
            {"apiToken": ZTOKEN, "webhookSecret": SECRET},
            {"projectId": project["id"], "pageSize": 2},
        )
        assert r.status_code == 201, r.text
        zid = r.json()["id"]
        assert set(r.json()["credentials"]) == {"apiToken", "webhookSecret"}
        assert SECRET not in r.text
        r = await connect(
            owner, "kimai", kimai.url, {"apiToken": KTOKEN}, {"timezone": "Europe/Berlin"}
        )
        assert r.status_code == 201, r.text
        kid = r.json()["id"]

        # 1. A time accounting added in Zammad: a Hubnity entry, then one Kimai timesheet.
        acc = zammad.add_accounting(ticket, zbob, "30.0", ztype)
        first = await _hook_run(owner, zid, zammad, ticket)
        assert first["status"] == "done" and first["counts"]["created"] == 1, first
        [entry] = await _entries(db, bob.user_id)
        assert (entry.duration_seconds, entry.ticket_key, entry.source) == (
            1800,
            str(ticket),
            "sync:zammad",
        )
        assert str(entry.activity_id) == activity["id"] and str(entry.project_id) == project["id"]
        k1 = await run(owner, kid)
        assert k1["status"] == "done" and k1["counts"]["pushed"] == 1, k1
        [sheet] = kimai.timesheets.values()
        assert (sheet["user"], sheet["project"], sheet["activity"], sheet["duration"]) == (
            kbob,
            kproject,
            kactivity,
            1800,
        )
        # Kimai answers in its user's zone; the instant is Hubnity's.
        assert datetime.fromisoformat(sheet["begin"]) == entry.start_time.replace(microsecond=0)
        assert kimai.rate_limited > 0 and kimai.early_retries == 0

        # 2. Edited in Zammad: both follow.
        zammad.edit(acc, "45.5")
        second = await _hook_run(owner, zid, zammad, ticket)
        assert second["counts"]["updated"] == 1, second
        [entry] = await _entries(db, bob.user_id)
        assert entry.duration_seconds == 2730
        k2 = await run(owner, kid)
        assert k2["counts"]["pushed"] == 1, k2
        [sheet] = kimai.timesheets.values()
        assert sheet["duration"] == 2730

        # 3. Twice: nothing changes, nothing is written remotely.
        writes = sum(1 for q in kimai.log if q.method != "GET")
        for _ in range(2):
            again = await run(owner, zid)
            assert again["status"] == "done", again
            assert (again["counts"]["created"], again["counts"]["updated"]) == (0, 0), again
            assert again["counts"]["pushed"] == 0, again
            k = await run(owner, kid)
            assert (k["counts"]["pushed"], k["counts"]["removed"]) == (0, 0), k
        assert sum(1 for q in kimai.log if q.method != "GET") == writes
        assert len(kimai.timesheets) == 1 and len(await _entries(db, bob.user_id)) == 1

        # A repeated delivery is a no-op; bad signatures and strangers are refused.
        body, headers = zammad.signed(SECRET, ticket, delivery="same-delivery")
        url = f"/api/v1/integrations/{zid}/webhook"
        assert (await owner.client.post(url, content=body, headers=headers)).status_code == 202
        await wait_run(
            owner, (await owner.get(f"/api/v1/integrations/{zid}/runs")).json()["items"][0]["id"]
        )
        dup = await owner.client.post(url, content=body, headers=headers)
        assert dup.status_code == 202 and dup.json()["status"] == "duplicate", dup.text
        bad = {**headers, "X-Hub-Signature": "sha1=" + "0" * 40, "X-Zammad-Delivery": "d2"}
        assert (await owner.client.post(url, content=body, headers=bad)).status_code == 401
        unsigned = {"X-Zammad-Delivery": "d3", "Content-Type": "application/json"}
        assert (await owner.client.post(url, content=body, headers=unsigned)).status_code == 401
        unknown = f"/api/v1/integrations/{uuid.uuid4()}/webhook"
        assert (await owner.client.post(unknown, content=body, headers=headers)).status_code == 404
        kimai_hook = f"/api/v1/integrations/{kid}/webhook"
        assert (
            await owner.client.post(kimai_hook, content=body, headers=headers)
        ).status_code == 404

        # 4. Deleted in Zammad: gone from Hubnity, then from Kimai.
        del zammad.accountings[acc]
        gone = await _hook_run(owner, zid, zammad, ticket)
        assert gone["counts"]["deleted"] == 1, gone
        assert await _entries(db, bob.user_id) == []
        k4 = await run(owner, kid)
        assert k4["counts"]["removed"] == 1, k4
        assert kimai.timesheets == {}
        async with db() as s:
            links = await s.scalar(
                select(func.count())
                .select_from(IntegrationLink)
                .where(IntegrationLink.integration_id.in_([uuid.UUID(zid), uuid.UUID(kid)]))
            )
            writes_audited = await s.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(
                    AuditLog.action.like("integration.remote_%"),
                    AuditLog.organization_id == uuid.UUID(owner.org_id),
                )
            )
        assert links == 0
        assert writes_audited == 3  # Kimai: create, update, delete
        metrics = (await client.get("/metrics")).text
        for provider, outcome in (("kimai", "pushed"), ("zammad", "pulled")):
            line = f'hubnity_worklog_sync_total{{outcome="{outcome}",provider="{provider}"}}'
            assert line in metrics, metrics[-2000:]


async def test_entries_with_ticket_keys_are_pushed_to_zammad(client, db):
    owner, bob, project, activity = await _setup(client)
    with serving(ZammadStandIn(token=ZTOKEN)) as zammad:
        ticket = zammad.add_ticket()
        ztype = zammad.add_type("Remote support")
        r = await connect(
            owner, "zammad", zammad.url, {"apiToken": ZTOKEN}, {"projectId": project["id"]}
        )
        assert r.status_code == 201, r.text
        zid = r.json()["id"]
        m = await owner.put(
            f"/api/v1/integrations/{zid}/mappings",
            json={
                "items": [
                    {"kind": "activity", "externalId": str(ztype), "targetId": activity["id"]}
                ]
            },
        )
        assert m.status_code == 200, m.text
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)
        ids = []
        for key in (str(ticket), "999999", None):
            r = await bob.post(
                "/api/v1/time-entries",
                json={
                    "projectId": project["id"],
                    "activityId": activity["id"],
                    "startTime": start.isoformat(),
                    "endTime": (start + timedelta(minutes=90)).isoformat(),
                    "ticketKey": key,
                },
            )
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
            start += timedelta(hours=2)
        zammad.fail_next = [500]  # retried
        done = await run(owner, zid)
        assert done["status"] == "done", done
        # A ticket that does not exist: that record's error; the run went on.
        assert done["counts"]["pushed"] == 1 and done["counts"]["failed"] == 1, done
        assert "999999" in str(done["errors"]) or "Couldn't find Ticket" in str(done["errors"])
        [acc] = zammad.accountings.values()
        assert (acc["time_unit"], acc["type_id"], acc["ticket_id"]) == ("90.00", ztype, ticket)

        # Edited in Hubnity → updated in Zammad; deleted → deleted there.
        r = await bob.patch(
            f"/api/v1/time-entries/{ids[0]}",
            json={
                "endTime": (
                    datetime.fromisoformat(r.json()["startTime"]) - timedelta(hours=4, minutes=-60)
                ).isoformat()
            },
        )
        assert r.status_code == 200, r.text
        edited = await run(owner, zid)
        assert edited["counts"]["pushed"] == 1, edited
        [acc] = zammad.accountings.values()
        assert acc["time_unit"] == "60.00"
        again = await run(owner, zid)
        assert again["counts"]["pushed"] == 0 and again["counts"]["created"] == 0, again
        assert (await bob.delete(f"/api/v1/time-entries/{ids[0]}")).status_code == 204
        removed = await run(owner, zid)
        assert removed["counts"]["removed"] == 1, removed
        assert zammad.accountings == {}


async def test_conflicts_are_listed_resolved_and_applied(client, db):
    owner, bob, project, activity = await _setup(client)
    with serving(KimaiStandIn(token=KTOKEN)) as kimai:
        kimai.add_user(bob.email)
        kimai.add_project(project["name"])
        kimai.add_activity("Remote support")
        r = await connect(
            owner, "kimai", kimai.url, {"apiToken": KTOKEN}, {"timezone": "Europe/Berlin"}
        )
        assert r.status_code == 201, r.text
        kid = r.json()["id"]
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)
        made = []
        for i in range(2):
            r = await bob.post(
                "/api/v1/time-entries",
                json={
                    "projectId": project["id"],
                    "activityId": activity["id"],
                    "startTime": (start + timedelta(hours=2 * i)).isoformat(),
                    "endTime": (start + timedelta(hours=2 * i, minutes=60)).isoformat(),
                    "description": f"work {i}",
                },
            )
            assert r.status_code == 201, r.text
            made.append(r.json())
        first = await run(owner, kid)
        assert first["counts"]["pushed"] == 2, first
        sheets = sorted(kimai.timesheets)
        # Both sides change the same records.
        for i, entry in enumerate(made):
            r = await bob.patch(
                f"/api/v1/time-entries/{entry['id']}", json={"description": f"hub {i}"}
            )
            assert r.status_code == 200, r.text
            kimai.edit(sheets[i], description=f"kimai {i}")
        second = await run(owner, kid)
        assert second["counts"]["conflicts"] == 2 and second["counts"]["pushed"] == 0, second
        assert [kimai.timesheets[s]["description"] for s in sheets] == ["kimai 0", "kimai 1"]
        listed = (
            await owner.get(f"/api/v1/integrations/{kid}/conflicts", params={"status": "open"})
        ).json()["items"]
        assert len(listed) == 2
        by_entry = {c["timeEntryId"]: c for c in listed}
        c0, c1 = by_entry[made[0]["id"]], by_entry[made[1]["id"]]
        assert c0["hubnity"]["description"] == "hub 0" and c0["remote"]["description"] == "kimai 0"

        # Roles and organizations: a member may not resolve; a stranger finds nothing.
        assert (
            await bob.post(
                f"/api/v1/integration-conflicts/{c0['id']}/resolve", json={"keep": "remote"}
            )
        ).status_code == 403
        stranger = await register(client)
        assert (
            await stranger.post(
                f"/api/v1/integration-conflicts/{c0['id']}/resolve", json={"keep": "remote"}
            )
        ).status_code == 404
        assert (await stranger.get(f"/api/v1/integrations/{kid}/conflicts")).status_code == 404
        assert (
            await owner.post(
                f"/api/v1/integration-conflicts/{c0['id']}/resolve", json={"keep": "mine"}
            )
        ).status_code == 400

        r = await owner.post(
            f"/api/v1/integration-conflicts/{c0['id']}/resolve", json={"keep": "remote"}
        )
        assert r.status_code == 200 and r.json()["status"] == "resolved", r.text
        r = await owner.post(
            f"/api/v1/integration-conflicts/{c1['id']}/resolve", json={"keep": "hubnity"}
        )
        assert r.status_code == 200, r.text
        assert (
            await owner.post(
                f"/api/v1/integration-conflicts/{c1['id']}/resolve", json={"keep": "remote"}
            )
        ).status_code == 409
        third = await run(owner, kid)
        assert third["status"] == "done", third
        entries = {str(e.id): e for e in await _entries(db, bob.user_id)}
        assert entries[made[0]["id"]].description == "kimai 0"  # remote kept
        assert kimai.timesheets[sheets[1]]["description"] == "hub 1"  # Hubnity kept
        assert kimai.timesheets[sheets[0]]["description"] == "kimai 0"
        left = (
            await owner.get(f"/api/v1/integrations/{kid}/conflicts", params={"status": "open"})
        ).json()
        assert left["items"] == []
        quiet = await run(owner, kid)
        assert (
            quiet["counts"]["pushed"],
            quiet["counts"]["conflicts"],
            quiet["counts"]["updated"],
        ) == (0, 0, 0), quiet


async def test_a_remote_failing_mid_push_leaves_records_synced_or_pending(client, db):
    owner, bob, project, activity = await _setup(client)
    with serving(KimaiStandIn(token=KTOKEN)) as kimai:
        kimai.add_user(bob.email)
        kimai.add_project(project["name"])
        kimai.add_activity("Remote support")
        r = await connect(
            owner, "kimai", kimai.url, {"apiToken": KTOKEN}, {"timezone": "Europe/Berlin"}
        )
        assert r.status_code == 201, r.text
        kid = r.json()["id"]
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=9)
        for i in range(4):
            r = await bob.post(
                "/api/v1/time-entries",
                json={
                    "projectId": project["id"],
                    "activityId": activity["id"],
                    "startTime": (start + timedelta(hours=2 * i)).isoformat(),
                    "endTime": (start + timedelta(hours=2 * i, minutes=30)).isoformat(),
                },
            )
            assert r.status_code == 201, r.text
        kimai.fail_creates_after = 2
        failed = await run(owner, kid)
        assert failed["status"] == "failed" and "500" in failed["detail"], failed
        assert len(kimai.timesheets) == 2
        kimai.fail_creates_after = None
        done = await run(owner, kid)
        assert done["status"] == "done" and done["counts"]["pushed"] == 2, done
        # Each entry exactly once at Kimai: the first two were linked when they were created.
        assert len(kimai.timesheets) == 4
        begins = sorted(t["begin"] for t in kimai.timesheets.values())
        assert len(set(begins)) == 4

        # Deleted in Kimai (not listed there) and edited here: a conflict, nothing re-created.
        entries = await _entries(db, bob.user_id)
        [victim] = [
            tid
            for tid, t in kimai.timesheets.items()
            if datetime.fromisoformat(t["begin"]) == entries[0].start_time
        ]
        del kimai.timesheets[victim]
        r = await bob.patch(f"/api/v1/time-entries/{entries[0].id}", json={"description": "late"})
        assert r.status_code == 200, r.text
        clash = await run(owner, kid)
        assert (clash["counts"]["conflicts"], clash["counts"]["pushed"]) == (1, 0), clash
        [c] = (await owner.get(f"/api/v1/integrations/{kid}/conflicts")).json()["items"]
        assert c["remote"] == {"deleted": True} and c["hubnity"]["description"] == "late"
        r = await owner.post(
            f"/api/v1/integration-conflicts/{c['id']}/resolve", json={"keep": "hubnity"}
        )
        assert r.status_code == 200, r.text
        back = await run(owner, kid)
        assert back["status"] == "done" and len(kimai.timesheets) == 4, back
        assert sorted(t["description"] for t in kimai.timesheets.values()).count("late") == 1
