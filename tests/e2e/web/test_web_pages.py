"""The manager web pages in a real browser against a real server with demo data."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import date, timedelta

import pytest

from tests.e2e.web.conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def until(page, predicate: str, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    """Polls with page.evaluate: wait_for_function needs eval, which our CSP forbids."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await page.evaluate(predicate):
        assert loop.time() < deadline, f"timed out waiting for {predicate}"
        await asyncio.sleep(0.1)


async def test_dashboard_person_day_and_screenshot(browser, site) -> None:
    context, page = await sign_in(browser, site, site.owner)
    body = await page.text_content("body")
    assert "Alice Anders" in body and "Bob Brown" in body
    assert int(await page.text_content("[data-testid=tracking-count]")) >= 1
    assert await page.locator(".pill.live").count() >= 1
    await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    await page.click("text=Alice Anders")
    await page.wait_for_url(re.compile(r"/app/people/"))
    assert await page.locator(".tl-entry").count() >= 1
    assert await page.locator(".activity .bar").count() >= 3
    thumbs = page.locator(".gallery img")
    assert await thumbs.count() >= 1
    await until(
        page,
        "() => Array.from(document.querySelectorAll('.gallery img'))"
        ".every(i => i.complete && i.naturalWidth > 0)",
    )
    await page.screenshot(path=str(ARTIFACTS / "person-day.png"), full_page=True)
    await thumbs.first.click()
    await page.wait_for_selector("#lightbox[open] img")
    await until(page, "() => document.querySelector('#lightbox img').naturalWidth >= 1000")
    await page.screenshot(path=str(ARTIFACTS / "screenshot-open.png"))
    await page.keyboard.press("Escape")
    # A past day with the previous-day link, and an empty day reads well.
    await page.click("a[rel=prev]")
    await page.wait_for_url(re.compile(r"date="))
    await page.goto(page.url.split("?")[0] + "?date=2020-01-01")
    assert "No time tracked on this day" in await page.text_content("body")
    await context.close()


async def test_phone_width_pages(browser, site) -> None:
    context, page = await sign_in(browser, site, site.owner, width=390, height=844)
    await page.screenshot(path=str(ARTIFACTS / "dashboard-phone.png"), full_page=True)
    # Nothing overflows the viewport sideways except scrollable tables.
    overflow = await page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 400
    await page.goto(f"{site.url}/app/reports")
    await page.screenshot(path=str(ARTIFACTS / "reports-phone.png"), full_page=True)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400
    # The work pages and the timer bar fit too.
    for path in ("/app/time", "/app/tasks", "/app/projects", "/app/analytics", "/app/approvals"):
        await page.goto(f"{site.url}{path}")
        assert await page.evaluate("document.documentElement.scrollWidth") <= 400, path
    await page.screenshot(path=str(ARTIFACTS / "approvals-phone.png"), full_page=True)
    await page.click("a[href='/app']")
    await page.click("text=Alice Anders")
    await page.wait_for_url(re.compile(r"/app/people/"))
    await page.screenshot(path=str(ARTIFACTS / "person-day-phone.png"), full_page=True)
    assert await page.evaluate("document.documentElement.scrollWidth") <= 400
    await context.close()


async def test_reports_export_and_download(browser, site) -> None:
    import openpyxl

    context, page = await sign_in(browser, site, site.owner)
    start = (date.today() - timedelta(days=8)).isoformat()
    end = (date.today() + timedelta(days=1)).isoformat()
    await page.goto(f"{site.url}/app/reports?from={start}&to={end}")
    totals = page.locator("[data-testid=totals] tbody tr")
    assert await totals.count() == 5
    assert await page.text_content("[data-testid=total-tracked]") != "0h 00m"
    await page.screenshot(path=str(ARTIFACTS / "reports.png"), full_page=True)

    for fmt in ("csv", "xlsx"):
        await page.click(f"button[value={fmt}]")
        link = page.locator("[data-testid=download]")
        await link.wait_for(timeout=30000)
        async with page.expect_download() as info:
            await link.click()
        download = await info.value
        path = ARTIFACTS / f"export.{fmt}"
        await download.save_as(str(path))
        if fmt == "csv":
            rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
            assert rows[0][:3] == ["Date", "Person", "Email"]
            assert len(rows) > 20
            assert {r[1] for r in rows[1:]} >= {"Alice Anders", "Bob Brown", "Maria Manager"}
        else:
            sheet = openpyxl.load_workbook(path).active
            header = [c.value for c in sheet[1]]
            assert header[:2] == ["Date", "Person"]
            first = [c.value for c in sheet[2]]
            assert isinstance(first[header.index("Duration")], timedelta)
            assert sheet.max_row > 20
    await page.screenshot(path=str(ARTIFACTS / "reports-export-done.png"))
    await context.close()


async def test_member_sees_only_self_and_no_settings(browser, site) -> None:
    context, page = await sign_in(browser, site, site.login_of("bob"), lands="/app/time")
    body = await page.text_content("body")
    assert "Bob Brown" in body and "Alice Anders" not in body
    assert await page.locator("a[href='/app/settings']").count() == 0
    assert await page.locator("nav.mainnav a[href='/app/reports']").count() == 0
    response = await page.goto(f"{site.url}/app/settings")
    assert response.status == 403
    assert "Only administrators" in await page.text_content("body")
    await page.screenshot(path=str(ARTIFACTS / "member-forbidden.png"))
    # Someone else's day: not found (it is not Bob's to see).
    owner_ctx, owner_page = await sign_in(browser, site, site.owner)
    await owner_page.click("text=Alice Anders")
    await owner_page.wait_for_url(re.compile(r"/app/people/"))
    alice_url = owner_page.url
    response = await page.goto(alice_url)
    assert response.status == 404
    response = await page.goto(f"{site.url}/app/reports")
    assert response.status == 200
    assert await page.locator("[data-testid=totals] tbody tr").count() == 1
    await owner_ctx.close()
    await context.close()


async def test_settings_page_and_csrf(browser, site) -> None:
    context, page = await sign_in(browser, site, site.owner)
    await page.goto(f"{site.url}/app/settings")
    await page.fill("form[action='/app/settings/invite'] input[name=name]", "Dana Designer")
    await page.fill(
        "form[action='/app/settings/invite'] input[name=email]", "dana@demo.hubnity.local"
    )
    await page.click("form[action='/app/settings/invite'] button")
    await page.wait_for_selector("[data-testid=invitation-token]")
    await page.screenshot(path=str(ARTIFACTS / "settings.png"), full_page=True)
    # A form post without the token, with the session cookie (as a forged cross-site
    # form would be): rejected, nothing changed.
    r = await page.request.post(
        f"{site.url}/app/settings/projects", form={"name": "Forged project"}
    )
    assert r.status == 403
    r = await page.request.post(
        f"{site.url}/app/settings/projects", form={"name": "Forged project", "_csrf": "0" * 64}
    )
    assert r.status == 403
    await page.goto(f"{site.url}/app/settings")
    assert "Forged project" not in await page.text_content("body")
    # Sign-in form without its pre-session cookie: rejected too.
    fresh = await browser.new_context()
    r = await fresh.request.post(
        f"{site.url}/login", form={"email": site.owner, "password": site.password, "_csrf": "x"}
    )
    assert r.status == 403
    await fresh.close()
    # Sign out ends the session on the server: the old cookie no longer works.
    cookies = await context.cookies()
    await page.click("text=Sign out")
    await page.wait_for_url(re.compile(r"/login"))
    replay = await browser.new_context()
    await replay.add_cookies(cookies)
    p2 = await replay.new_page()
    await p2.goto(f"{site.url}/app")
    assert "/login" in p2.url
    await replay.close()
    await context.close()
