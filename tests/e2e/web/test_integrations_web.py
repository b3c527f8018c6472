"""The Integrations page in Chromium against a real server (demo organization)
and the Toggl stand-in: the owner connects Toggl with a token (shown masked
afterwards), runs an import, watches the run until it is done (the page
refreshes itself while it runs) and reads its counts and the unmatched person;
the strict CSP holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.web.conftest import ARTIFACTS, sign_in
from tests.support.standins.base import serving
from tests.support.standins.toggl import TogglStandIn

pytestmark = [pytest.mark.browser]
TOKEN = "toggl-e2e-token-24680"


async def test_owner_connects_toggl_and_imports_from_the_web(browser, site) -> None:
    with serving(TogglStandIn(token=TOKEN, rate_limit_every=4)) as toggl:
        uid = toggl.add_user(site.owner, "Owner")
        stranger = toggl.add_user("stranger@elsewhere.test", "Stranger")
        day = datetime.now(UTC).replace(hour=5, minute=0, second=0, microsecond=0) - timedelta(
            days=3
        )
        for i in range(3):
            toggl.add_entry(uid, day + timedelta(minutes=20 * i), 600, description=f"t{i}")
        toggl.add_entry(stranger, day, 600)

        context, page = await sign_in(browser, site, site.owner)
        refused: list[str] = []
        page.on(
            "console", lambda m: refused.append(m.text) if "Content Security" in m.text else None
        )
        await page.goto(f"{site.url}/app/settings")
        async with page.expect_navigation():
            await page.click("[data-testid=integrations-link]")
        form = page.locator("[data-testid=connect-form]")
        await form.locator("select[name=provider]").select_option("toggl")
        await form.locator("input[name=name]").fill("Toggl (stand-in)")
        await form.locator("input[name=token]").fill(TOKEN)
        await form.locator("input[name=workspaceId]").fill("777")
        await form.locator("input[name=baseUrl]").fill(toggl.url)
        async with page.expect_navigation():
            await form.locator("button[type=submit]").click()
        body = await page.text_content("body") or ""
        assert "••••4680" in body and TOKEN not in (await page.content())
        assert "stranger@elsewhere.test" in body  # listed as not matched before any run

        async with page.expect_navigation():
            await page.click("[data-testid=run-form] button[type=submit]")
        done = page.locator("[data-testid=runs] tr[data-status=done]")
        await done.first.wait_for(timeout=90_000)
        row = (await done.first.text_content()) or ""
        assert "manual" in row
        cells = await done.first.locator("td").all_text_contents()
        assert cells[4].strip() == "3" and cells[9].strip() == "1", cells  # created, failed
        assert "matches no member" in (await page.text_content("body") or "")
        await page.screenshot(path=str(ARTIFACTS / "integrations.png"), full_page=True)
        assert refused == []
        assert toggl.rate_limited > 0 and toggl.early_retries == 0
        await context.close()
