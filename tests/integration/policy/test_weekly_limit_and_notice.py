"""The policy's weekly limit and screenshot notice, through the API and the
settings page, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from tests.support.api import PASSWORD, invite, register


async def test_weekly_limit_and_screenshot_notice_through_the_api(client):
    owner = await register(client)
    member = await invite(owner)
    config = (await member.get("/api/v1/agent/config")).json()
    assert config["weeklyLimitSeconds"] is None and config["notifyOnScreenshot"] is False
    r = await owner.patch(
        "/api/v1/agent/config", json={"weeklyLimitSeconds": 40 * 3600, "notifyOnScreenshot": True}
    )
    assert r.status_code == 200, r.text
    config = (await member.get("/api/v1/agent/config")).json()
    assert (config["weeklyLimitSeconds"], config["notifyOnScreenshot"]) == (144_000, True)
    assert config["blurLevel"] == 0  # the rest of the policy is untouched
    # 0 removes the limit; more than a week, or negative, is refused.
    r = await owner.patch("/api/v1/agent/config", json={"weeklyLimitSeconds": 0})
    assert r.json()["weeklyLimitSeconds"] is None and r.json()["notifyOnScreenshot"] is True
    for bad in (-1, 7 * 24 * 3600 + 1):
        r = await owner.patch("/api/v1/agent/config", json={"weeklyLimitSeconds": bad})
        assert r.status_code == 400 and "weeklyLimitSeconds" in r.json()["detail"]
    assert (
        await member.patch("/api/v1/agent/config", json={"weeklyLimitSeconds": 3600})
    ).status_code == 403


async def test_weekly_limit_and_notice_from_the_settings_page(client):
    owner = await register(client)
    client.cookies.clear()
    page = await client.get("/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    await client.post("/login", data={"_csrf": csrf, "email": owner.email, "password": PASSWORD})
    settings = await client.get("/app/settings")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', settings.text).group(1)
    form = {
        "_csrf": csrf,
        "screenshots": "on",
        "interval": "10",
        "blur": "0",
        "idle": "5",
        "delete_window": "10",
        "retention": "365",
        "timezone": "UTC",
        "weekly_limit": "38",
        "notify_screenshot": "on",
    }
    r = await client.post("/app/settings/policy", data=form)
    assert r.status_code == 200 and "Tracking policy saved." in r.text
    config = (await owner.get("/api/v1/agent/config")).json()
    assert (config["weeklyLimitSeconds"], config["notifyOnScreenshot"]) == (38 * 3600, True)
    assert 'name="weekly_limit" min="0" max="168" value="38"' in r.text
    # An empty field removes the limit; an unticked box turns the notice off.
    del form["notify_screenshot"]
    r = await client.post("/app/settings/policy", data={**form, "weekly_limit": ""})
    config = (await owner.get("/api/v1/agent/config")).json()
    assert (config["weeklyLimitSeconds"], config["notifyOnScreenshot"]) == (None, False)
    client.cookies.clear()
