"""The time flows in Chromium against a real server with demo data: a member
starts, pauses, resumes and stops the timer from the bar, adds time she forgot
to last week and submits it; her team manager approves it; she sees the week
locked; the analytics charts are drawn. The pictures for the docs come from
here (HUBNITY_DOCS_IMAGES=1 writes them into docs/images)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.web.conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DOCS_IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"
PICTURES = ("web-my-time.png", "web-approvals.png", "web-analytics.png", "web-tasks.png")


async def _submit(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    async with page.expect_navigation():
        await page.click(selector)


async def _picture(page, name: str) -> None:  # type: ignore[no-untyped-def]
    path = ARTIFACTS / name
    await page.screenshot(path=str(path), full_page=False)
    if os.environ.get("HUBNITY_DOCS_IMAGES"):
        shutil.copyfile(path, DOCS_IMAGES / name)


async def test_timer_manual_time_submit_approve_locked_and_charts(browser, site) -> None:
    last_monday = date.today() - timedelta(days=date.today().weekday() + 7)
    wednesday = (last_monday + timedelta(days=2)).isoformat()
    context, page = await sign_in(browser, site, site.login_of("chen"), lands="/app/time")
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    bar = page.locator("[data-testid=timer]")
    assert await bar.get_attribute("data-state") == "idle"
    await bar.locator("input[name=description]").fill("Review the offline sync")
    await bar.locator("select[name=project]").select_option(label="Mobile app \u203a Offline mode")
    await _submit(page, "[data-testid=timer-start]")
    assert await bar.get_attribute("data-state") == "running"
    clock = page.locator("[data-testid=timer-clock]")
    first = await clock.text_content()
    await asyncio.sleep(1.6)
    assert await clock.text_content() != first  # app.js keeps it ticking
    assert "Review the offline sync" in await bar.text_content()
    # The bar is on every page and keeps running across them.
    await page.click("nav.mainnav a:text('Tasks')")
    assert await bar.get_attribute("data-state") == "running"
    await _submit(page, "[data-testid=timer-pause]")
    assert await bar.get_attribute("data-state") == "paused"
    await _submit(page, "[data-testid=timer-resume]")
    assert await bar.get_attribute("data-state") == "running"
    await page.click("nav.mainnav a:text('My time')")
    await _picture(page, "web-my-time.png")
    await _submit(page, "[data-testid=timer-stop]")
    assert await bar.get_attribute("data-state") == "idle"
    today = page.locator(".weekday.today")
    assert await today.locator("tr.entry").count() == 2

    # Time she forgot, last week; then the week goes for approval.
    await page.click("a[rel=prev]")
    await page.wait_for_url(re.compile(r"week="))
    form = "form[data-testid=entry-form]"
    await page.fill(f"{form} input[name=date]", wednesday)
    await page.fill(f"{form} input[name=start]", "07:00")
    await page.fill(f"{form} input[name=end]", "07:45")
    await page.select_option(f"{form} select[name=project]", label="Internal")
    await page.fill(f"{form} input[name=description]", "Forgot: standup prep")
    await _submit(page, f"{form} button[type=submit]")
    assert "Time added." in await page.text_content("main")
    day = page.locator(f".weekday[data-day='{wednesday}']")
    assert "Forgot: standup prep" in await day.text_content()
    # Overlapping time is refused in words, what was typed stays.
    await page.fill(f"{form} input[name=date]", wednesday)
    await page.fill(f"{form} input[name=start]", "07:30")
    await page.fill(f"{form} input[name=end]", "08:00")
    await page.select_option(f"{form} select[name=project]", label="Internal")
    await _submit(page, f"{form} button[type=submit]")
    assert "overlap" in (await page.text_content("[data-testid=form-error]")).lower()
    await page.goto(f"{site.url}/app/time?week={last_monday.isoformat()}")
    await _submit(page, "[data-testid=submit-week]")
    assert "Week submitted for approval." in await page.text_content("main")
    assert "Submitted" in await page.text_content("[data-testid=week-status]")
    await context.close()

    # Maria manages Chen's team: the week waits for her.
    context, page = await sign_in(browser, site, site.login_of("manager"))
    await page.click("nav.mainnav a:text('Approvals')")
    row = page.locator("tr[data-person='Chen Wei']")
    assert last_monday.isoformat() in await row.text_content()
    await _picture(page, "web-approvals.png")
    await _submit(page, "tr[data-person='Chen Wei'] button:text('Approve')")
    assert "Week approved" in await page.text_content("main")
    await page.click("nav.tabs a:text('Approved')")
    assert "locked" in await page.locator("tr[data-person='Chen Wei']").text_content()
    await context.close()

    # Chen sees the week locked: no forms, each entry marked.
    context, page = await sign_in(browser, site, site.login_of("chen"), lands="/app/time")
    await page.goto(f"{site.url}/app/time?week={last_monday.isoformat()}")
    assert "Approved" in await page.text_content("[data-testid=week-status]")
    assert await page.locator("form[data-testid=entry-form]").count() == 0
    entries = await page.locator("tr.entry").count()
    assert entries >= 1 and await page.locator("tr.entry .tag.locked").count() == entries
    await context.close()

    # Analytics: the charts are drawn (server-side SVG, no script needed).
    context, page = await sign_in(browser, site, site.owner)
    await page.click("nav.mainnav a:text('Analytics')")
    assert await page.locator("svg[data-testid=chart-days] rect").count() >= 5
    assert await page.locator("svg[data-testid=chart-hours] path.line").count() == 1
    assert (
        await page.locator("svg[data-testid=chart-projects] circle[stroke-dasharray]").count() >= 2
    )
    box = await page.locator("svg[data-testid=chart-days]").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 80
    await _picture(page, "web-analytics.png")
    await page.click("table[data-testid=by-project] a:text('Website')")
    assert await page.locator("[data-testid=project-tracked]").text_content() != "0h 00m"
    await context.close()


def test_docs_pictures_are_checked_in() -> None:
    from PIL import Image, ImageStat

    for name in PICTURES:
        path = DOCS_IMAGES / name
        assert path.exists(), f"docs/images/{name} is missing (HUBNITY_DOCS_IMAGES=1)"
        img = Image.open(path).convert("L")
        assert img.width >= 1000 and img.height >= 600, (name, img.size)
        assert ImageStat.Stat(img).stddev[0] > 15, f"{name} is blank"
