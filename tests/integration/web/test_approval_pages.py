"""My time → submit the week → a team manager approves or rejects on the
Approvals page → the week shows locked; the analytics page draws its charts.
On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.reports.helpers import entry, person, sync
from tests.integration.web.pages import post_form, web_sign_in
from tests.support.api import create_project, register


def _last_monday() -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday() + 7)


async def _team(owner, manager, *members) -> str:  # type: ignore[no-untyped-def]
    team = (await owner.post("/api/v1/teams", json={"name": "Crew"})).json()
    for who, role in ((manager, "MANAGER"), *((m, "MEMBER") for m in members)):
        r = await owner.post(
            f"/api/v1/teams/{team['id']}/members", json={"userId": who.user_id, "role": role}
        )
        assert r.status_code in (200, 201), r.text
    return str(team["id"])


async def test_submit_approve_reject_and_locked(client) -> None:
    owner = await register(client)
    manager = await person(owner, "Max Manager")
    mia = await person(owner, "Mia Member")
    ned = await person(owner, "Ned Member")
    await _team(owner, manager, mia, ned)
    project = await create_project(owner, "Apollo")
    monday = _last_monday()
    start = monday + timedelta(days=1, hours=9)
    r = await sync(mia, [entry(start, start + timedelta(hours=3), project["id"])])
    week = monday.date().isoformat()

    csrf = await web_sign_in(client, mia.email)
    page = await client.get(f"/app/time?week={week}")
    assert "Not submitted" in page.text and "Apollo" in page.text and "3h 00m" in page.text
    r = await post_form(client, csrf, "/app/time/submit", week=week)
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "Week submitted for approval." in page.text and "Submitted" in page.text
    assert 'data-testid="submit-week"' not in page.text
    r = await post_form(client, csrf, "/app/time/submit", week=week)
    assert r.status_code == 409 and "already submitted" in r.text
    r = await post_form(client, csrf, "/app/time/submit", week="2026-13-01")
    assert r.status_code == 400
    # A member has no Approvals page.
    assert (await client.get("/app/approvals")).status_code == 403
    csrf_ned = await web_sign_in(client, ned.email)
    r = await post_form(client, csrf_ned, "/app/time/submit", week=week)
    assert r.status_code == 303

    csrf = await web_sign_in(client, manager.email)
    listing = await client.get("/app/approvals")
    assert "Mia Member" in listing.text and "Ned Member" in listing.text
    sheets = {s["userName"]: s for s in (await manager.get("/api/v1/timesheets")).json()["items"]}
    mia_sheet, ned_sheet = sheets["Mia Member"]["id"], sheets["Ned Member"]["id"]
    # Her week, read-only, from the list.
    week_page = await client.get(f"/app/time?user={mia.user_id}&week={week}")
    assert week_page.status_code == 200 and "Mia Member" in week_page.text
    assert 'data-testid="submit-week"' not in week_page.text

    r = await post_form(client, csrf, f"/app/approvals/{ned_sheet}/reject", reason="")
    assert r.status_code == 400  # a reason is required, said in words
    r = await post_form(
        client, csrf, f"/app/approvals/{ned_sheet}/reject", reason="Friday is missing"
    )
    assert r.status_code == 303
    r = await post_form(client, csrf, f"/app/approvals/{mia_sheet}/approve")
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "Week approved" in page.text and "Mia Member" not in page.text  # decided
    approved = await client.get("/app/approvals?status=approved")
    assert "Mia Member" in approved.text and "locked" in approved.text
    r = await post_form(client, csrf, f"/app/approvals/{mia_sheet}/approve")
    assert r.status_code == 409 and "only a submitted week" in r.text
    # Reopening is for admins.
    r = await post_form(client, csrf, f"/app/approvals/{mia_sheet}/reopen", reason="typo")
    assert r.status_code == 403

    csrf = await web_sign_in(client, mia.email)
    page = await client.get(f"/app/time?week={week}")
    assert "Approved" in page.text and 'class="tag locked"' in page.text
    csrf = await web_sign_in(client, ned.email)
    page = await client.get(f"/app/time?week={week}")
    assert "Rejected" in page.text and "Friday is missing" in page.text
    assert 'data-testid="submit-week"' in page.text  # may submit again
    # Nobody decides on their own week, nor on one outside their teams.
    csrf = await web_sign_in(client, owner.email)
    r = await post_form(client, csrf, "/app/time/submit", week=week)
    own = (await owner.get(f"/api/v1/timesheets?userId={owner.user_id}")).json()["items"][0]
    r = await post_form(client, csrf, f"/app/approvals/{own['id']}/approve")
    assert r.status_code == 403 and "own week" in r.text
    stranger = await register(client, org_name="Elsewhere")
    await web_sign_in(client, stranger.email)
    assert (await client.get(f"/app/time?user={mia.user_id}")).status_code == 404
    r = await post_form(client, csrf, f"/app/approvals/{mia_sheet}/reopen", reason="x")
    assert r.status_code in (403, 404)
    client.cookies.clear()


async def test_analytics_page_draws_its_charts(client) -> None:
    owner = await register(client)
    customer = (await owner.post("/api/v1/customers", json={"name": "Globex"})).json()
    project = (
        await owner.post(
            "/api/v1/projects",
            json={"name": "Apollo", "customerId": customer["id"], "hourlyRate": "100"},
        )
    ).json()
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    await sync(owner, [entry(start, start + timedelta(hours=2), project["id"])])
    await web_sign_in(client, owner.email)
    page = await client.get("/app/analytics")
    assert page.status_code == 200
    html = page.text
    for chart in ("chart-days", "chart-hours", "chart-projects", "chart-customers"):
        assert f'data-testid="{chart}"' in html, chart
    assert "<rect" in html and 'class="line"' in html and "stroke-dasharray" in html
    assert "200.00 EUR" in html and "Globex" in html
    detail = await client.get(f"/app/analytics/projects/{project['id']}")
    assert detail.status_code == 200 and "2h 00m" in detail.text
    assert (await client.get("/app/analytics?from=2026-02-30")).status_code == 400
    # A member's analytics are their own time: the owner's two hours are not there.
    member = await person(owner, "Mo Member")
    await web_sign_in(client, member.email)
    mine = await client.get("/app/analytics")
    assert mine.status_code == 200 and 'data-testid="tracked">0h 00m' in mine.text
    assert "200.00 EUR" not in mine.text and 'name="team"' not in mine.text
    client.cookies.clear()
