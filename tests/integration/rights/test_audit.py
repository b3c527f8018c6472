"""The audit log API: who may read it, its filters and keyset pages, and that
policy, role, deletion, export, erase and catalog events are recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.screenshots.helpers import make_entry, upload
from tests.integration.screenshots.images import png_bytes
from tests.support.api import invite, register


async def _actions(owner, **params) -> list[str]:
    r = await owner.get("/api/v1/audit", params={"limit": 200, **params})
    assert r.status_code == 200, r.text
    return [e["action"] for e in r.json()["items"]]


async def test_audit_events_filters_and_pages(client):
    owner = await register(client)
    admin = await invite(owner, role="ADMIN")
    member = await invite(owner)
    outsider = await register(client)
    assert (await owner.patch("/api/v1/agent/config", json={"blurLevel": 2})).status_code == 200
    r = await owner.patch(f"/api/v1/members/{member.user_id}", json={"role": "MANAGER"})
    assert r.status_code == 200
    shot = (await upload(member, png_bytes(), await make_entry(member))).json()
    assert (await admin.delete(f"/api/v1/screenshots/{shot['id']}")).status_code == 204
    r = await admin.get("/api/v1/reports/export", params={"format": "csv"})
    assert r.status_code == 202
    act = (await owner.post("/api/v1/activities", json={"name": "Support"})).json()
    assert (await owner.delete(f"/api/v1/activities/{act['id']}")).status_code == 204
    r = await owner.post(f"/api/v1/members/{member.user_id}/data-export")
    assert r.status_code == 202

    actions = await _actions(owner)
    for expected in (
        "policy.updated",
        "member.role_changed",
        "screenshot.deleted",
        "report.export_requested",
        "activity.created",
        "activity.archived",
        "member.data_exported",
        "member.invited",
        "auth.invite_accepted",
    ):
        assert expected in actions, (expected, actions)
    # Nothing of the other organization.
    assert "organization.created" in actions and actions.count("organization.created") == 1

    # Filters: actor, exact action, prefix, period.
    by_admin = (await admin.get("/api/v1/audit", params={"actorId": admin.user_id})).json()
    assert {e["action"] for e in by_admin["items"]} >= {
        "screenshot.deleted",
        "report.export_requested",
    }
    assert all(e["actorId"] == admin.user_id for e in by_admin["items"])
    assert by_admin["items"][0]["actorEmail"] == admin.email
    assert await _actions(owner, action="policy.updated") == ["policy.updated"]
    assert set(await _actions(owner, action="member.*")) >= {
        "member.invited",
        "member.role_changed",
    }
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await _actions(owner, **{"from": future}) == []
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert await _actions(owner, to=past) == []

    # Keyset pages: newest first, no repeats, no gaps.
    everything = await _actions(owner)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await owner.get("/api/v1/audit", params=params)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == len(everything)
    ats = [e["at"] for e in (await owner.get("/api/v1/audit")).json()["items"]]
    assert ats == sorted(ats, reverse=True)

    # Roles and bad input.
    assert (await member.get("/api/v1/audit")).status_code == 403
    assert (await outsider.get("/api/v1/audit", params={"actorId": owner.user_id})).json()[
        "items"
    ] == []
    for bad in (
        {"actorId": "nope"},
        {"from": "yesterday"},
        {"cursor": "%%%"},
        {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        {"limit": 0},
        {"action": "x" * 65},
    ):
        r = await owner.get("/api/v1/audit", params=bad)
        assert r.status_code == 400, (bad, r.text)
