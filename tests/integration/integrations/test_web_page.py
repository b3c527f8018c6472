"""The Integrations settings pages: connect the Toggl stand-in from the web,
run an import, see the run's counts, map a person, and find the time in
reports; a second run creates nothing. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.integrations.helpers import wait_run
from tests.integration.web.pages import post_form, web_sign_in
from tests.support.api import invite, register
from tests.support.standins.base import serving
from tests.support.standins.toggl import TogglStandIn

TOKEN = "toggl-web-token-987654321"


async def test_connect_run_map_and_report_from_the_web(client):
    owner = await register(client)
    gus = await invite(owner, name="Gus")
    member = await invite(owner)
    with serving(TogglStandIn(token=TOKEN)) as toggl:
        g = toggl.add_user(gus.email, "Gus")
        other = toggl.add_user("gus.private@elsewhere.test", "Gus (private)")
        day = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(
            days=2
        )
        toggl.add_entry(g, day, 3600, description="from Toggl")
        toggl.add_entry(other, day + timedelta(hours=3), 1200)

        csrf = await web_sign_in(client, member.email)
        assert (await client.get("/app/integrations")).status_code == 403

        csrf = await web_sign_in(client, owner.email)
        page = await client.get("/app/integrations")
        assert page.status_code == 200 and 'data-testid="connect-form"' in page.text
        bad = await post_form(
            client,
            csrf,
            "/app/integrations",
            provider="toggl",
            name="Toggl",
            token="wrong-token-123",
            workspaceId="777",
            baseUrl=toggl.url,
        )
        assert bad.status_code == 422 and "Incorrect username" in bad.text
        assert bad.headers["content-type"].startswith("text/html")  # a page, not JSON
        r = await post_form(
            client,
            csrf,
            "/app/integrations",
            provider="toggl",
            name="Toggl",
            token=TOKEN,
            workspaceId="777",
            baseUrl=toggl.url,
        )
        assert r.status_code == 303, r.text[:500]
        detail_url = r.headers["location"]
        iid = detail_url.rsplit("/", 1)[1]
        detail = await client.get(detail_url)
        assert "••••4321" in detail.text and TOKEN not in detail.text
        assert "gus.private@elsewhere.test" in detail.text  # unmatched, listed

        r = await post_form(client, csrf, f"{detail_url}/runs")
        assert r.status_code == 303
        runs = (await owner.get(f"/api/v1/integrations/{iid}/runs")).json()["items"]
        first = await wait_run(owner, runs[0]["id"])
        assert (first["counts"]["created"], first["counts"]["failed"]) == (1, 1), first
        page = (await client.get(detail_url)).text
        assert 'data-status="done"' in page and "matches no member" in page

        # Map the private account to Gus too, run again: one more entry, nothing twice.
        r = await post_form(
            client,
            csrf,
            f"{detail_url}/mappings",
            **{f"user:{other}": gus.user_id, f"user:{g}": gus.user_id},
        )
        assert r.status_code == 303
        r = await post_form(client, csrf, f"{detail_url}/runs")
        runs = (await owner.get(f"/api/v1/integrations/{iid}/runs")).json()["items"]
        second = await wait_run(owner, runs[0]["id"])
        assert (second["counts"]["created"], second["counts"]["unchanged"]) == (1, 1), second

        report = await owner.get(
            "/api/v1/reports/team",
            params={
                "from": (day - timedelta(days=1)).date().isoformat(),
                "to": (day + timedelta(days=1)).date().isoformat(),
            },
        )
        totals = {u["email"]: u["trackedSeconds"] for u in report.json()["items"]}
        assert totals[gus.email] == 3600 + 1200

        r = await post_form(client, csrf, f"{detail_url}/delete")
        assert r.status_code == 303
        assert (await owner.get(f"/api/v1/integrations/{iid}")).status_code == 404


async def test_csv_upload_from_the_web(client):
    owner = await register(client)
    csrf = await web_sign_in(client, owner.email)
    content = (
        "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,"
        "End time,Duration,Tags,Amount (USD)\n"
        f"Owner,{owner.email},,,,Imported,No,2026-02-02,09:00:00,2026-02-02,09:30:00,"
        "00:30:00,,0.00\n"
    ).encode()
    r = await client.post(
        "/app/integrations/csv",
        files={"file": ("toggl.csv", content, "text/csv")},
        data={"_csrf": csrf, "format": "toggl"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:300]
    iid = r.headers["location"].rsplit("/", 1)[1]
    runs = (await owner.get(f"/api/v1/integrations/{iid}/runs")).json()["items"]
    done = await wait_run(owner, runs[0]["id"])
    assert done["counts"]["created"] == 1, done
    # Without the CSRF token the upload is refused.
    r = await client.post(
        "/app/integrations/csv",
        files={"file": ("toggl.csv", content, "text/csv")},
        data={"format": "toggl"},
        follow_redirects=False,
    )
    assert r.status_code in (400, 403), r.status_code
