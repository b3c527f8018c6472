"""Someone else's week in Chromium against a real server (demo organization):
the team manager picks a person of her team on My time, adds, edits and
deletes their time there (audited as hers, for someone else); once the week
is approved it is locked with a readable message; a member and the manager
of another team get a 404 for that week; the owner opens anyone's week."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.web.conftest import Site, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _submit(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    async with page.expect_navigation():
        await page.click(selector)


async def _api(site: Site, email: str) -> httpx.AsyncClient:
    api = httpx.AsyncClient(base_url=site.url, timeout=30)
    r = await api.post("/api/v1/auth/login", json={"email": email, "password": site.password})
    assert r.status_code == 200, r.text
    api.headers["Authorization"] = f"Bearer {r.json()['accessToken']}"
    return api


async def _people(api: httpx.AsyncClient) -> dict[str, str]:
    r = await api.get("/api/v1/members", params={"limit": 200})
    assert r.status_code == 200, r.text
    return {m["name"]: m["id"] for m in r.json()["items"]}


async def _add(page, day: str, start: str, end: str, what: str) -> None:  # type: ignore[no-untyped-def]
    form = "form[data-testid=entry-form]"
    await page.fill(f"{form} input[name=date]", day)
    await page.fill(f"{form} input[name=start]", start)
    await page.fill(f"{form} input[name=end]", end)
    await page.select_option(f"{form} select[name=project]", label="Internal")
    await page.fill(f"{form} input[name=description]", what)
    await _submit(page, f"{form} button[type=submit]")


async def test_a_manager_changes_her_team_members_week_and_others_are_refused(
    browser, site
) -> None:
    monday = date.today() - timedelta(days=date.today().weekday() + 14)
    saturday = (monday + timedelta(days=5)).isoformat()
    owner = await _api(site, site.owner)
    people = await _people(owner)
    bob, maria, alice = people["Bob Brown"], people["Maria Manager"], people["Alice Anders"]
    # Alice leads a team of her own for this test: the manager of another team.
    r = await owner.post("/api/v1/teams", json={"name": "Field team"})
    assert r.status_code == 201, r.text
    field_team = r.json()["id"]
    r = await owner.post(
        f"/api/v1/teams/{field_team}/members", json={"userId": alice, "role": "MANAGER"}
    )
    assert r.status_code in (200, 201), r.text
    try:
        await _flow(browser, site, owner, monday, saturday, bob, maria)
    finally:
        await owner.delete(f"/api/v1/teams/{field_team}")
        await owner.aclose()


async def _flow(  # type: ignore[no-untyped-def]
    browser, site: Site, owner: Any, monday: date, saturday: str, bob: str, maria: str
) -> None:
    week = monday.isoformat()
    context, page = await sign_in(browser, site, site.login_of("manager"))
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await page.goto(f"{site.url}/app/time?week={week}")
    picker = page.locator("form[data-testid=person-picker] select[name=user]")
    names = await picker.locator("option").all_text_contents()
    assert {"Alice Anders", "Bob Brown", "Chen Wei", "Maria Manager"} <= set(names), names
    assert "Owner" not in " ".join(names)
    async with page.expect_navigation():
        await picker.select_option(label="Bob Brown")  # app.js submits the picker
    assert f"user={bob}" in page.url and f"week={week}" in page.url
    assert await page.text_content("[data-testid=week-person]") == "Bob Brown"
    assert "for Bob Brown" in await page.text_content("form[data-testid=entry-form] >> xpath=..")

    await _add(page, saturday, "06:00", "06:45", "Inventory count")
    assert "Time added." in await page.text_content("main") and f"user={bob}" in page.url
    await _add(page, saturday, "07:00", "07:30", "Shelf labels")
    day = page.locator(f".weekday[data-day='{saturday}']")
    assert "Inventory count" in await day.text_content()
    # An overlap is refused in words, on Bob's week.
    await _add(page, saturday, "06:30", "07:10", "Twice")
    assert "overlap" in (await page.text_content("[data-testid=form-error]")).lower()
    assert await page.text_content("[data-testid=week-person]") == "Bob Brown"

    await page.goto(f"{site.url}/app/time?week={week}&user={bob}")
    await _submit(page, "tr.entry:has-text('Inventory count') a:text('Edit')")
    assert await page.text_content("h1") == "Edit Bob Brown's time"
    first_entry = page.url.rsplit("/", 1)[1]
    await page.fill("form[data-testid=entry-edit] input[name=end]", "06:50")
    await page.fill("form[data-testid=entry-edit] input[name=description]", "Inventory, aisle 4")
    await _submit(page, "form[data-testid=entry-edit] button[type=submit]")
    assert "Entry saved." in await page.text_content("main")
    assert f"user={bob}" in page.url  # back on Bob's week, not hers
    assert "Inventory, aisle 4" in await day.text_content()
    await _submit(page, "tr.entry:has-text('Shelf labels') a:text('Edit')")
    await _submit(page, "[data-testid=entry-delete]")
    assert "Entry deleted." in await page.text_content("main") and f"user={bob}" in page.url
    assert "Shelf labels" not in await day.text_content()

    # Audited as Maria's, for someone else.
    r = await owner.get("/api/v1/audit", params={"actorId": maria, "action": "time_entry.*"})
    assert r.status_code == 200, r.text
    mine = [a for a in r.json()["items"] if a["detail"].get("userId") == bob]
    assert sorted(a["action"] for a in mine)[-4:] == [
        "time_entry.created",
        "time_entry.created",
        "time_entry.deleted",
        "time_entry.updated",
    ], mine
    assert all(a["detail"]["forSomeoneElse"] for a in mine)

    # Bob submits the week, the owner approves it: locked for Maria too.
    bob_api = await _api(site, site.login_of("bob"))
    r = await bob_api.post("/api/v1/timesheets", json={"weekStart": week})
    assert r.status_code == 201, r.text
    await bob_api.aclose()
    r = await owner.post(f"/api/v1/timesheets/{r.json()['id']}/approve")
    assert r.status_code == 200, r.text
    # From Bob's day (the dashboard's person page) to that week.
    await page.goto(f"{site.url}/app/people/{bob}?date={saturday}")
    await _submit(page, "[data-testid=person-week]")
    assert f"user={bob}" in page.url
    assert "approved and locked" in await page.text_content("[data-testid=locked-note]")
    assert await page.locator("form[data-testid=entry-form]").count() == 0
    assert await day.locator("a:text('Edit')").count() == 0
    # The edit page reached directly: the refusal is readable, nothing changes.
    await page.goto(f"{site.url}/app/time/entries/{first_entry}")
    await page.fill("form[data-testid=entry-edit] input[name=description]", "Too late")
    await _submit(page, "form[data-testid=entry-edit] button[type=submit]")
    error = await page.text_content("[data-testid=form-error]")
    assert "approved and locked" in error, error
    await page.goto(f"{site.url}/app/time?week={week}&user={bob}")
    assert "Too late" not in await day.text_content()
    await context.close()

    # A member, and the manager of another team: Bob's week does not exist for them.
    for login in ("chen", "alice"):
        context, page = await sign_in(
            browser, site, site.login_of(login), lands="/app/time" if login == "chen" else "/app"
        )
        for url in (f"/app/time?week={week}&user={bob}", f"/app/time/entries/{first_entry}"):
            response = await page.goto(f"{site.url}{url}")
            assert response is not None and response.status == 404, (login, url)
        await page.goto(f"{site.url}/app/time")
        assert await page.locator("form[data-testid=person-picker]").count() == 0
        await context.close()

    # The owner opens anyone's week.
    context, page = await sign_in(browser, site, site.owner)
    await page.goto(f"{site.url}/app/time?week={week}")
    picker = page.locator("form[data-testid=person-picker] select[name=user]")
    assert "Owner" in " ".join(await picker.locator("option").all_text_contents())
    async with page.expect_navigation():
        await picker.select_option(label="Bob Brown")
    assert re.search(rf"user={bob}", page.url)
    assert "Inventory, aisle 4" in await page.text_content("[data-testid=week]")
    await context.close()
