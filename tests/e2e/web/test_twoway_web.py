"""Zammad → Hubnity → Kimai set up and run in Chromium against a real server
(demo organization) and the Zammad and Kimai stand-ins as real HTTP servers:
the owner connects both from the Integrations page (a wrong token is refused
in words), maps people, projects and Zammad time-accounting types / Kimai
activities by hand, dry-runs and runs, reads the run history with its counts
and each connector's health, and settles a conflict on the page. The picture
for docs/integrations.md comes from here (HUBNITY_DOCS_IMAGES=1)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid

import httpx
import pytest
from playwright.async_api import Error as PlaywrightError

from tests.e2e.web.conftest import ARTIFACTS, Site, sign_in
from tests.e2e.web.test_time_web import DOCS_IMAGES
from tests.support.standins.base import serving
from tests.support.standins.kimai import KimaiStandIn
from tests.support.standins.zammad import ZammadStandIn

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ZTOKEN, KTOKEN, SECRET = "zammad-e2e-token-1357", "kimai-e2e-token-2468", "e2e-hook-secret"


async def _submit(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    async with page.expect_navigation():
        await page.click(selector)


async def _owner_api(site: Site) -> httpx.AsyncClient:
    api = httpx.AsyncClient(base_url=site.url, timeout=30)
    r = await api.post("/api/v1/auth/login", json={"email": site.owner, "password": site.password})
    assert r.status_code == 200, r.text
    api.headers["Authorization"] = f"Bearer {r.json()['accessToken']}"
    return api


async def _connect(page, site: Site, **fields: str) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"{site.url}/app/integrations")
    form = page.locator("[data-testid=connect-form]")
    await form.locator("select[name=provider]").select_option(fields.pop("provider"))
    if "projectId" in fields:
        await form.locator("select[name=projectId]").select_option(label=fields.pop("projectId"))
    for name, value in fields.items():
        await form.locator(f"input[name={name}]").fill(value)
    async with page.expect_navigation():
        await form.locator("button[type=submit]").click()


async def _run(page, *, dry: bool = False) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Run now from the integration's page; the newest run's cells once it ended."""
    rows = "[data-testid=runs] tbody tr[data-status]"
    before = await page.locator(rows).count()
    if dry:
        await page.check("[data-testid=run-form] input[name=dryRun]")
    await _submit(page, "[data-testid=run-form] button[type=submit]")
    # The page refreshes itself while the run is queued or running, then stops.
    for _ in range(240):
        await asyncio.sleep(0.5)
        try:
            if await page.locator(rows).count() > before and await page.locator(
                rows
            ).first.get_attribute("data-status", timeout=2000) in ("done", "failed"):
                break
        except PlaywrightError:  # read during a refresh
            continue
    else:
        raise AssertionError("the run did not end")
    await page.wait_for_load_state()
    heads = await page.locator("[data-testid=runs] thead th").all_text_contents()
    cells = await page.locator(rows).first.locator("td").all_text_contents()
    return {h.strip(): c.strip() for h, c in zip(heads, cells, strict=True)}


async def _map(page, choices: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("[data-testid=mapping-form]")
    for name, label in choices.items():
        await form.locator(f"select[name='{name}']").select_option(label=label)
    async with page.expect_navigation():
        await form.locator("button[type=submit]").click()


async def _health(page) -> str:  # type: ignore[no-untyped-def]
    return str(await page.locator("[data-testid=health]").first.get_attribute("data-state"))


async def test_owner_sets_up_zammad_to_kimai_runs_it_and_settles_a_conflict(browser, site) -> None:
    api = await _owner_api(site)
    tag = uuid.uuid4().hex[:4]
    project = (await api.post("/api/v1/projects", json={"name": f"Helpdesk {tag}"})).json()
    activity = (await api.post("/api/v1/activities", json={"name": f"Support {tag}"})).json()
    members = (await api.get("/api/v1/members", params={"limit": 200})).json()["items"]
    # The owner tracks nothing in the demo: pulled time overlaps none of hers.
    bob = next(m for m in members if m["email"] == site.owner)
    with (
        serving(ZammadStandIn(token=ZTOKEN)) as zammad,
        serving(KimaiStandIn(token=KTOKEN)) as kimai,
    ):
        # Named differently on every side: nothing matches by itself.
        zbob = zammad.add_user("robert@helpdesk.example", "Robert", "Brown")
        ticket, ztype = zammad.add_ticket(), zammad.add_type("Remote help")
        zammad.add_accounting(ticket, zbob, "25", ztype)
        kbob = kimai.add_user("rbrown")
        kproject = kimai.add_project("Customer desk (billing)")
        kactivity = kimai.add_activity("Billable support")

        context, page = await sign_in(browser, site, site.owner)
        await _connect(
            page, site, provider="kimai", name="Kimai", token="wrong-token",
            timezone="Europe/Berlin", baseUrl=kimai.url,
        )  # fmt: skip
        errors = page.locator("[data-testid=form-error]")
        assert await errors.count() == 1, (page.url, (await page.content())[:3000])
        error = await errors.text_content()
        assert error and "kimai" in error.lower() and "Traceback" not in error, error

        await _connect(
            page, site, provider="zammad", name="Zammad desk", token=ZTOKEN,
            webhookSecret=SECRET, projectId=project["name"], baseUrl=zammad.url,
        )  # fmt: skip
        zurl = page.url
        assert await _health(page) == "never"
        await _map(
            page,
            {
                f"user:{zbob}": f"{bob['name']} ({bob['email']})",
                f"activity:{ztype}": activity["name"],
            },
        )
        dry = await _run(page, dry=True)
        assert "dry run" in dry["Started"] and dry["Created"] == "1", dry
        r = await api.get("/api/v1/time-entries", params={"userId": bob["id"]})
        pulled = [e for e in r.json()["items"] if e["source"] == "sync:zammad"]
        assert pulled == []  # a dry run writes nothing
        real = await _run(page)
        assert (real["Status"], real["Created"], real["Fetched"]) == ("done", "1", "1"), real
        assert await _health(page) == "ok"
        r = await api.get("/api/v1/time-entries", params={"userId": bob["id"]})
        [entry] = [e for e in r.json()["items"] if e["source"] == "sync:zammad"]
        assert (entry["projectId"], entry["activityId"]) == (project["id"], activity["id"])

        await _connect(
            page, site, provider="kimai", name="Kimai billing", token=KTOKEN,
            timezone="Europe/Berlin", baseUrl=kimai.url,
        )  # fmt: skip
        kurl = page.url
        await _map(
            page,
            {
                f"user:{kbob}": f"{bob['name']} ({bob['email']})",
                f"project:{kproject}": project["name"],
                f"activity:{kactivity}": activity["name"],
            },
        )
        pushed = await _run(page)
        assert pushed["Pushed"] == "1", pushed
        [sheet] = kimai.timesheets.values()
        assert (sheet["user"], sheet["project"], sheet["activity"], sheet["duration"]) == (
            kbob,
            kproject,
            kactivity,
            1500,
        )

        # Changed on both sides: a conflict, shown with both, settled on the page.
        r = await api.patch(
            f"/api/v1/time-entries/{entry['id']}", json={"description": "Printer fixed"}
        )
        assert r.status_code == 200, r.text
        kimai.edit(sheet["id"], description="Printer replaced")
        clash = await _run(page)
        assert clash["Conflicts"] == "1", clash
        assert await _health(page) == "conflicts"
        row = page.locator("[data-testid=conflicts] tr[data-conflict]")
        text = await row.text_content() or ""
        assert "Printer fixed" in text and "Printer replaced" in text
        await _picture(page, "web-integration.png")
        await _submit(page, '[data-testid=conflicts] button:text("Keep Hubnity\'s")')
        settled = await _run(page)
        assert settled["Status"] == "done" and settled["Pushed"] == "1", settled
        assert kimai.timesheets[sheet["id"]]["description"] == "Printer fixed"
        assert "No open conflicts." in await page.text_content("[data-testid=conflicts]")
        assert await _health(page) == "ok"

        # The list: every connector's health at a glance.
        await page.goto(f"{site.url}/app/integrations")
        for name in ("Zammad desk", "Kimai billing"):
            cell = page.locator("[data-testid=integrations] tr", has_text=name)
            assert await cell.locator("[data-testid=health]").get_attribute("data-state") == "ok"
        assert zurl != kurl
        await context.close()
    # The shared demo's reports count people with time: leave none behind.
    r = await api.delete(f"/api/v1/time-entries/{entry['id']}")
    assert r.status_code == 204, r.text
    await api.aclose()


async def _picture(page, name: str) -> None:  # type: ignore[no-untyped-def]
    path = ARTIFACTS / name
    await page.screenshot(path=str(path), full_page=True)
    if os.environ.get("HUBNITY_DOCS_IMAGES"):
        shutil.copyfile(path, DOCS_IMAGES / name)


def test_docs_picture_is_checked_in() -> None:
    from PIL import Image

    img = Image.open(DOCS_IMAGES / "web-integration.png")
    assert img.width >= 1000 and img.height >= 600, img.size
