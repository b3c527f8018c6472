"""The audit page and the re-blur button in Chromium against a real server
(demo organization): the owner raises the blur level and applies it to stored
screenshots, and both decisions appear on the audit page, filterable by
action and person; the strict CSP holds; a member is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.web.conftest import ARTIFACTS, sign_in

pytestmark = [pytest.mark.browser]


async def test_owner_reads_the_audit_log_and_reblurs(browser, site) -> None:
    context, page = await sign_in(browser, site, site.owner)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.on("dialog", lambda d: d.accept())

    await page.goto(f"{site.url}/app/settings")
    await page.select_option("form[action='/app/settings/policy'] select[name=blur]", "3")
    async with page.expect_navigation():
        await page.click("form[action='/app/settings/policy'] button[type=submit]")
    assert "Tracking policy saved" in await page.text_content("body")
    async with page.expect_navigation():
        await page.click("[data-testid=reblur]")
    assert "Re-blur started" in await page.text_content("body")

    response = await page.goto(f"{site.url}/app/audit")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    actions = await page.locator("[data-testid=audit-events] tr[data-action]").evaluate_all(
        "rows => rows.map(r => r.dataset.action)"
    )
    assert actions[:2] == ["screenshots.reblur_requested", "policy.updated"], actions
    row = page.locator("tr[data-action='policy.updated']").first
    text = await row.text_content()
    assert text is not None and "Olivia Owner" in text and "blur_level" in text

    await page.screenshot(path=str(ARTIFACTS / "audit.png"), full_page=True)

    # Filter by action prefix, then by person.
    await page.fill("[data-testid=audit-filters] input[name=action]", "policy.*")
    async with page.expect_navigation():
        await page.click("[data-testid=audit-filters] button")
    shown = await page.locator("[data-testid=audit-events] tr[data-action]").evaluate_all(
        "rows => rows.map(r => r.dataset.action)"
    )
    assert shown and set(shown) == {"policy.updated"}
    await page.select_option("[data-testid=audit-filters] select[name=actor]", label=None, index=1)
    async with page.expect_navigation():
        await page.click("[data-testid=audit-filters] button")
    assert "actor=" in page.url
    # A bad date is a readable message, not an error page.
    await page.goto(f"{site.url}/app/audit?start=yesterday")
    assert "From must be a date" in await page.text_content("[data-testid=form-error]")
    assert refused == []
    await context.close()


async def test_a_member_has_no_audit_page(browser, site) -> None:
    context, page = await sign_in(browser, site, site.login_of("bob"), lands="/app/time")
    assert await page.locator("a[href='/app/audit']").count() == 0
    response = await page.goto(f"{site.url}/app/audit")
    assert response is not None and response.status == 403
    await context.close()


async def test_a_member_exports_their_own_data(browser, site) -> None:
    import io
    import json
    import zipfile

    context, page = await sign_in(browser, site, site.login_of("bob"), lands="/app/time")
    await page.goto(f"{site.url}/app/account")
    async with page.expect_navigation():
        await page.click("[data-testid=my-data-link]")
    async with page.expect_navigation():
        await page.click("[data-testid=export-my-data]")
    assert "Export started" in await page.text_content("body")
    for _ in range(60):  # the job runs in the server's background
        if await page.locator("[data-testid=download-my-data]").count():
            break
        await page.wait_for_timeout(500)
        await page.reload()
    async with page.expect_download() as info:
        await page.click("[data-testid=download-my-data]")
    download = await info.value
    data = Path(await download.path()).read_bytes()
    zf = zipfile.ZipFile(io.BytesIO(data))
    person = json.loads(zf.read("person.json"))
    assert person["email"] == site.login_of("bob") and person["name"] == "Bob Brown"
    assert zf.read("time_entries.csv").count(b"\n") > 1  # the demo's tracked time
    await page.screenshot(path=str(ARTIFACTS / "my-data.png"))
    await context.close()


async def test_the_owner_erases_someone_from_the_settings_page(browser, site) -> None:
    import uuid

    import httpx

    r = httpx.post(
        f"{site.url}/api/v1/auth/login", json={"email": site.owner, "password": site.password}
    )
    owner = {"Authorization": f"Bearer {r.json()['accessToken']}"}
    email = f"erin-{uuid.uuid4().hex[:6]}@demo.hubnity.local"
    r = httpx.post(
        f"{site.url}/api/v1/members",
        json={"email": email, "name": "Erin Erased", "role": "MEMBER"},
        headers=owner,
    )
    assert r.status_code == 201, r.text
    token, erin_id = r.json()["invitationToken"], r.json()["member"]["id"]
    r = httpx.post(
        f"{site.url}/api/v1/auth/accept-invite",
        json={"token": token, "password": "a perfectly good pass"},
    )
    assert r.status_code == 200, r.text

    context, page = await sign_in(browser, site, site.owner)
    page.on("dialog", lambda d: d.accept())
    await page.goto(f"{site.url}/app/settings")
    row = f"tr[data-member='{email}']"
    await page.click(f"{row} details.erase summary")
    await page.fill(f"{row} input[name=confirm_email]", "someone@else.test")
    async with page.expect_navigation():
        await page.click(f"{row} button:text('Erase for good')")
    assert "does not match" in await page.text_content("p.alert.error")
    await page.click(f"{row} details.erase summary")
    await page.fill(f"{row} input[name=confirm_email]", email)
    async with page.expect_navigation():
        await page.click(f"{row} button:text('Erase for good')")
    assert "Erase started" in await page.text_content("body")
    for _ in range(60):  # the job runs in the server's background
        await page.goto(f"{site.url}/app/settings")
        if await page.locator(row).count() == 0:
            break
        await page.wait_for_timeout(500)
    assert await page.locator(row).count() == 0
    await page.goto(f"{site.url}/app/audit?action=member.era*")
    text = await page.text_content("[data-testid=audit-events]")
    assert text is not None and "member.erased" in text and "erased-" in text
    assert email not in (await page.content()) and "Erin Erased" not in (await page.content())
    assert erin_id not in await page.content()
    await context.close()
