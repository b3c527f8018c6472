"""Policy manualTimeApproval, on SQLite and PostgreSQL: with `required`, time a
person typed in (source manual) is pending until its week is approved; agent
time never is; with `off` nothing is pending."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from server.timesheets.pending import Split, split_seconds
from tests.integration.timesheets.helpers import URL, make_org, submit, track
from tests.support.api import PASSWORD

MON = datetime(2026, 1, 12, tzinfo=UTC)
CONFIG = "/api/v1/agent/config"


async def _manual(who, project_id: str, start: datetime, seconds: int) -> dict:
    """Time typed in through the time-entries API (source manual)."""
    end = start + timedelta(seconds=seconds)
    r = await who.post(
        "/api/v1/time-entries",
        json={"projectId": project_id, "startTime": start.isoformat(), "endTime": end.isoformat()},
    )
    assert r.status_code == 201 and r.json()["source"] == "manual", r.text
    return r.json()  # type: ignore[no-any-return]


async def _split(db, who, start: datetime = MON, days: int = 14) -> Split:
    async with db() as s:
        found = await split_seconds(
            s, uuid.UUID(who.org_id), [uuid.UUID(who.user_id)], start, start + timedelta(days=days)
        )
    return found.get(uuid.UUID(who.user_id), Split())


async def test_policy_is_set_by_admins_and_read_by_agents(client):
    org = await make_org(client)
    assert (await org.member.get(CONFIG)).json()["manualTimeApproval"] == "off"
    r = await org.admin.patch(CONFIG, json={"manualTimeApproval": "sometimes"})
    assert r.status_code == 400 and "manualTimeApproval" in r.json()["detail"], r.text
    assert (
        await org.member.patch(CONFIG, json={"manualTimeApproval": "required"})
    ).status_code == 403
    r = await org.admin.patch(CONFIG, json={"manualTimeApproval": "required"})
    assert r.status_code == 200 and r.json()["manualTimeApproval"] == "required"
    config = (await org.member.get(CONFIG)).json()
    assert config["manualTimeApproval"] == "required" and config["screenshotIntervalSeconds"] == 600


async def test_manual_time_is_pending_until_its_week_is_approved(client, db):
    org = await make_org(client)
    member = org.member
    await track(member, org.project_id, MON + timedelta(days=1, hours=9), 60)  # agent, 1 h
    await _manual(member, org.project_id, MON + timedelta(days=2, hours=9), 7200)  # typed in, 2 h
    await _manual(
        member, org.project_id, MON + timedelta(days=8, hours=9), 1800
    )  # next week, 30 min
    # Policy off: nothing is pending.
    assert await _split(db, member) == Split(approved_seconds=10800 + 1800, pending_seconds=0)
    await org.admin.patch(CONFIG, json={"manualTimeApproval": "required"})
    assert await _split(db, member) == Split(approved_seconds=3600, pending_seconds=9000)
    ts = await submit(member, "2026-01-12")
    assert (ts["trackedSeconds"], ts["manualSeconds"]) == (10800, 7200)
    assert await _split(db, member) == Split(3600, 9000)  # submitted is not approved
    r = await org.manager.post(f"{URL}/{ts['id']}/approve")
    assert r.status_code == 200 and r.json()["manualSeconds"] == 7200
    # The approved week's manual time is approved; next week's is still pending.
    assert await _split(db, member) == Split(approved_seconds=10800, pending_seconds=1800)
    assert await _split(db, member, MON, 7) == Split(10800, 0)
    # Someone else's approval does not approve another person's time.
    await _manual(org.loner, org.project_id, MON + timedelta(days=2, hours=9), 600)
    assert await _split(db, org.loner) == Split(0, 600)
    # Reopened: pending again.
    r = await org.admin.post(f"{URL}/{ts['id']}/reopen", json={"reason": "recheck"})
    assert r.status_code == 200
    assert await _split(db, member) == Split(3600, 9000)


async def test_policy_from_the_settings_page(client):
    org = await make_org(client)
    client.cookies.clear()
    page = await client.get("/login")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    await client.post(
        "/login", data={"_csrf": csrf, "email": org.admin.email, "password": PASSWORD}
    )
    settings = await client.get("/app/settings")
    assert "Manual time needs approval" in settings.text
    csrf = re.search(r'name="_csrf" value="([^"]+)"', settings.text).group(1)
    form = {
        "_csrf": csrf,
        "interval": "10",
        "blur": "0",
        "idle": "5",
        "delete_window": "10",
        "retention": "365",
        "timezone": "UTC",
        "weekly_limit": "",
        "manual_approval": "on",
    }
    try:
        r = await client.post("/app/settings/policy", data=form)
        assert r.status_code == 200 and "Tracking policy saved." in r.text
        assert (await org.member.get(CONFIG)).json()["manualTimeApproval"] == "required"
        assert 'name="manual_approval" checked' in r.text
        del form["manual_approval"]  # an unticked box turns it off
        r = await client.post("/app/settings/policy", data=form)
        assert (await org.member.get(CONFIG)).json()["manualTimeApproval"] == "off"
    finally:
        client.cookies.clear()
