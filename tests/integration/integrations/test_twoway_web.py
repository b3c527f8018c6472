"""Zammad → Kimai set up from the Integrations pages: connect both (with the
webhook secret and the project for pulled time), map the activities, run,
see the pushes, and settle a conflict there. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.db.models import TimeEntry
from tests.integration.integrations.helpers import wait_run
from tests.integration.web.pages import post_form, web_sign_in
from tests.support.api import create_project, invite, register
from tests.support.standins.base import serving
from tests.support.standins.kimai import KimaiStandIn
from tests.support.standins.zammad import ZammadStandIn

ZTOKEN, KTOKEN, SECRET = "zammad-web-token-1234", "kimai-web-token-5678", "hook-secret-9999"


async def _run_from_page(client, csrf, owner, url: str) -> dict:
    r = await post_form(client, csrf, f"{url}/runs")
    assert r.status_code == 303, r.text[:300]
    iid = url.rsplit("/", 1)[1]
    runs = (await owner.get(f"/api/v1/integrations/{iid}/runs")).json()["items"]
    return await wait_run(owner, runs[0]["id"])


async def test_zammad_to_kimai_from_the_web_with_mappings_runs_and_conflicts(client, db):
    owner = await register(client)
    bob = await invite(owner, name="Bob")
    project = await create_project(owner, f"Helpdesk-{uuid.uuid4().hex[:6]}")
    activity = (await owner.post("/api/v1/activities", json={"name": "Support"})).json()
    with (
        serving(ZammadStandIn(token=ZTOKEN)) as zammad,
        serving(KimaiStandIn(token=KTOKEN)) as kimai,
    ):
        zbob, ticket = zammad.add_user(bob.email, "Bob"), zammad.add_ticket()
        ztype = zammad.add_type("Remote help")  # named differently: mapped by hand
        kimai.add_user(bob.email)
        kimai.add_project(project["name"])
        kact = kimai.add_activity("Billable support")

        csrf = await web_sign_in(client, owner.email)
        page = await client.get("/app/integrations")
        assert "Zammad time accounting (two-way)" in page.text and project["name"] in page.text
        r = await post_form(
            client,
            csrf,
            "/app/integrations",
            provider="zammad",
            name="Zammad",
            token=ZTOKEN,
            webhookSecret=SECRET,
            projectId=project["id"],
            baseUrl=zammad.url,
        )
        assert r.status_code == 303, r.text[:500]
        zurl = r.headers["location"]
        r = await post_form(
            client,
            csrf,
            "/app/integrations",
            provider="kimai",
            name="Kimai",
            token=KTOKEN,
            timezone="Europe/Berlin",
            baseUrl=kimai.url,
        )
        assert r.status_code == 303, r.text[:500]
        kurl = r.headers["location"]
        zpage = (await client.get(zurl)).text
        assert "webhookSecret" in zpage and SECRET not in zpage and ZTOKEN not in zpage
        assert "Remote help" in zpage and 'data-testid="conflicts"' in zpage
        r = await post_form(
            client, csrf, f"{zurl}/mappings", **{f"activity:{ztype}": activity["id"]}
        )
        assert r.status_code == 303
        assert "Billable support" in (await client.get(kurl)).text
        r = await post_form(
            client, csrf, f"{kurl}/mappings", **{f"activity:{kact}": activity["id"]}
        )
        assert r.status_code == 303

        zammad.add_accounting(ticket, zbob, "20", ztype)
        pulled = await _run_from_page(client, csrf, owner, zurl)
        assert pulled["counts"]["created"] == 1, pulled
        pushed = await _run_from_page(client, csrf, owner, kurl)
        assert pushed["counts"]["pushed"] == 1, pushed
        [sheet] = kimai.timesheets.values()
        assert (sheet["activity"], sheet["duration"]) == (kact, 1200)
        assert 'data-status="done"' in (await client.get(kurl)).text
        assert 'data-testid="health" data-state="ok"' in (await client.get(kurl)).text

        # Edited on both sides: the Kimai page lists the conflict; keep the remote.
        async with db() as s:
            entry_id = (
                await s.execute(
                    select(TimeEntry.id).where(TimeEntry.user_id == uuid.UUID(bob.user_id))
                )
            ).scalar_one()
        r = await owner.patch(f"/api/v1/time-entries/{entry_id}", json={"description": "here"})
        assert r.status_code == 200, r.text
        kimai.edit(sheet["id"], description="there")
        clash = await _run_from_page(client, csrf, owner, kurl)
        assert clash["counts"]["conflicts"] == 1, clash
        kpage = (await client.get(kurl)).text
        [cid] = [
            c["id"]
            for c in (
                await owner.get(f"/api/v1/integrations/{kurl.rsplit('/', 1)[1]}/conflicts")
            ).json()["items"]
        ]
        assert f'data-conflict="{cid}"' in kpage and "there" in kpage
        assert 'data-state="conflicts"' in kpage and "1 open conflict(s)" in kpage
        listing = (await client.get("/app/integrations")).text
        assert listing.count('data-testid="health"') == 2 and 'data-state="conflicts"' in listing
        r = await post_form(client, csrf, f"{kurl}/conflicts/{cid}/resolve", keep="remote")
        assert r.status_code == 303, r.text[:300]
        settled = await _run_from_page(client, csrf, owner, kurl)
        assert settled["status"] == "done", settled
        async with db() as s:
            assert (await s.get(TimeEntry, entry_id)).description == "there"
        assert "No open conflicts." in (await client.get(kurl)).text


async def test_a_failing_connector_shows_its_reason_as_its_health(client):
    owner = await register(client)
    with serving(KimaiStandIn(token=KTOKEN)) as kimai:
        csrf = await web_sign_in(client, owner.email)
        r = await post_form(
            client,
            csrf,
            "/app/integrations",
            provider="kimai",
            name="Kimai",
            token=KTOKEN,
            timezone="Europe/Berlin",
            baseUrl=kimai.url,
        )
        assert r.status_code == 303, r.text[:300]
        kurl = r.headers["location"]
        assert 'data-state="never"' in (await client.get(kurl)).text
        kimai.token = "revoked-meanwhile"  # the token stops working
        failed = await _run_from_page(client, csrf, owner, kurl)
        assert failed["status"] == "failed", failed
        page = (await client.get(kurl)).text
        assert 'data-state="failing"' in page and "Last run failed" in page
        reason = page.split('data-testid="health-reason">', 1)[1].split("<", 1)[0]
        assert "401" in reason or "refused" in reason.lower(), reason
        listing = (await client.get("/app/integrations")).text
        assert 'data-state="failing"' in listing
