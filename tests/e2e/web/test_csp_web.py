"""The security headers in Chromium: the pages draw under their strict CSP, and a
polyglot screenshot opened directly is an image that runs nothing."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.e2e.web.conftest import sign_in
from tests.integration.screenshots.images import HTML_PAYLOAD, jpeg_with_html, jpeg_with_zip

pytestmark = [pytest.mark.browser]

#: Pages with bars, meters, timelines and swatches: values in style attributes.
BAR_PAGES = ("/app", "/app/reports", "/app/analytics", "/app/time")


async def test_pages_draw_their_bars_and_refuse_an_injected_stylesheet(browser, site) -> None:
    context, page = await sign_in(browser, site, site.owner)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    await page.click("text=Alice Anders")
    await page.wait_for_url(re.compile(r"/app/people/"))
    person = page.url
    styled = 0
    for url in [f"{site.url}{path}" for path in BAR_PAGES] + [person]:
        await page.goto(url)
        # Every style attribute was applied (a refused one leaves el.style empty).
        counts = await page.evaluate(
            "() => { const all = Array.from(document.querySelectorAll('[style]'));"
            " return [all.length, all.filter(e => e.style.length === 0).length]; }"
        )
        assert counts[1] == 0, (url, counts)
        styled += counts[0]
    assert styled >= 10, styled  # the demo data draws bars
    assert refused == [], refused
    # A <style> element (what an injection would add to read the page) is refused.
    await page.goto(f"{site.url}/app/reports")
    await page.evaluate(
        "() => { const s = document.createElement('style');"
        " s.textContent = 'body { outline: 7px solid red }'; document.head.append(s); }"
    )
    assert await page.evaluate("getComputedStyle(document.body).outlineWidth") != "7px"
    assert any("style" in text for text in refused), refused
    await context.close()


def _api(site) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = httpx.post(
        f"{site.url}/api/v1/auth/login", json={"email": site.owner, "password": site.password}
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['accessToken']}"}


def _upload(site, auth: dict[str, str], data: bytes) -> str:  # type: ignore[no-untyped-def]
    entry = str(uuid.uuid4())
    start = datetime(2025, 6, 2, 9, tzinfo=UTC) + timedelta(minutes=uuid.uuid4().int % 10000)
    r = httpx.post(
        f"{site.url}/api/v1/sync/batch",
        headers=auth,
        json={
            "deviceId": "csp-test",
            "entries": [
                {
                    "idempotencyKey": entry,
                    "revision": 1,
                    "startTime": start.isoformat(),
                    "endTime": (start + timedelta(minutes=5)).isoformat(),
                    "status": "STOPPED",
                    "timezone": "UTC",
                }
            ],
        },
    )
    assert r.status_code == 200, r.text
    r = httpx.post(
        f"{site.url}/api/v1/sync/screenshots",
        headers=auth,
        data={
            "idempotencyKey": str(uuid.uuid4()),
            "timeEntryKey": entry,
            "capturedAt": start.isoformat(),
            "metadata": json.dumps({}),
        },
        files={"file": ("page.html", data, "text/html")},
    )
    assert r.status_code == 201 and r.json()["status"] == "READY", r.text
    return str(r.json()["id"])


async def test_a_polyglot_screenshot_opened_directly_runs_nothing(browser, site) -> None:
    auth = _api(site)
    context, page = await sign_in(browser, site, site.owner)
    alerts: list[str] = []

    async def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        alerts.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    # The payload does run when a browser takes it for a page (a blank page,
    # without our CSP): the check below can fail.
    blank = await context.new_page()
    blank.on("dialog", on_dialog)
    await blank.set_content(HTML_PAYLOAD.decode())
    assert alerts == ["1"], alerts
    alerts.clear()
    # The demo organization blurs, which re-encodes (and so cleans) an upload:
    # without blur the stored object is the polyglot byte for byte.
    policy = httpx.get(f"{site.url}/api/v1/agent/config", headers=auth).json()
    httpx.patch(f"{site.url}/api/v1/agent/config", headers=auth, json={"blurLevel": 0})
    try:
        shots = [_upload(site, auth, data) for data in (jpeg_with_html(), jpeg_with_zip())]
    finally:
        httpx.patch(
            f"{site.url}/api/v1/agent/config", headers=auth, json={"blurLevel": policy["blurLevel"]}
        )
    for shot in shots:
        stored = httpx.get(f"{site.url}/api/v1/screenshots/{shot}/image", headers=auth)
        assert stored.content.endswith(HTML_PAYLOAD) or stored.content[-22:-18] == b"PK\x05\x06"
        url = httpx.get(f"{site.url}/api/v1/screenshots/{shot}/url", headers=auth).json()["url"]
        for target in (url, f"{site.url}/app/screenshots/{shot}/full"):
            response = await page.goto(target)
            assert response is not None and response.status == 200, target
            assert response.headers["content-type"] == "image/jpeg", target
            assert "sandbox" in response.headers["content-security-policy"], target
            # Shown as an image: one <img>, no script element, nothing ran.
            await page.wait_for_timeout(300)
            assert await page.locator("img").count() == 1, target
            assert await page.locator("script").count() == 0, target
    assert alerts == [], alerts
    await context.close()
