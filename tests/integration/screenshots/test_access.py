"""Reading and deleting: role rules, cross-organization 404, pagination, delete policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from tests.integration.screenshots.helpers import (
    local_objects,
    make_entry,
    upload,
    wait_status,
)
from tests.integration.screenshots.images import png_bytes
from tests.support.api import Account, invite, register


async def _shot(client, account: Account, captured_at: datetime | None = None) -> str:
    entry = await make_entry(account)
    r = await upload(account, png_bytes(320, 200), entry, captured_at=captured_at)
    assert r.status_code == 201, r.text
    await wait_status(client, account, r.json()["id"])
    return r.json()["id"]


async def test_roles_decide_who_sees_what(client):
    owner = await register(client)
    manager = await invite(owner, "MANAGER", "Manager")
    alice = await invite(owner, "MEMBER", "Alice")
    bob = await invite(owner, "MEMBER", "Bob")
    team = (await owner.post("/api/v1/teams", json={"name": "Team A"})).json()
    for user, role in ((manager, "MANAGER"), (alice, "MEMBER")):
        r = await owner.post(f"/api/v1/teams/{team['id']}/members",
                             json={"userId": user.user_id, "role": role})
        assert r.status_code == 201, r.text
    a, b = await _shot(client, alice), await _shot(client, bob)

    def ids(r: httpx.Response) -> set[str]:
        assert r.status_code == 200, r.text
        return {item["id"] for item in r.json()["items"]}

    assert ids(await owner.get("/api/v1/screenshots")) == {a, b}
    assert ids(await manager.get("/api/v1/screenshots")) == {a}
    assert ids(await alice.get("/api/v1/screenshots")) == {a}
    assert ids(await owner.get("/api/v1/screenshots", params={"userId": bob.user_id})) == {b}
    # Not visible: 404, whether the user exists or not.
    assert (await manager.get("/api/v1/screenshots", params={"userId": bob.user_id})).status_code == 404
    assert (await alice.get("/api/v1/screenshots", params={"userId": bob.user_id})).status_code == 404
    assert (await alice.get(f"/api/v1/screenshots/{b}")).status_code == 404
    assert (await alice.get(f"/api/v1/screenshots/{b}/image")).status_code == 404
    thumb = await manager.get(f"/api/v1/screenshots/{a}/image?variant=thumb")
    assert thumb.status_code == 200
    assert thumb.headers["x-content-type-options"] == "nosniff"  # never sniffed as HTML
    assert (await manager.get(f"/api/v1/screenshots/{b}/url")).status_code == 404


async def test_other_organization_gets_404_everywhere(client):
    owner = await register(client)
    shot = await _shot(client, owner)
    stranger = await register(client, "Elsewhere")
    for r in (await stranger.get(f"/api/v1/screenshots/{shot}"),
              await stranger.get(f"/api/v1/screenshots/{shot}/image"),
              await stranger.get(f"/api/v1/screenshots/{shot}/url"),
              await stranger.delete(f"/api/v1/screenshots/{shot}"),
              await stranger.get("/api/v1/screenshots", params={"userId": owner.user_id})):
        assert r.status_code == 404, r.text
    assert (await stranger.get("/api/v1/screenshots")).json()["items"] == []
    assert (await owner.get(f"/api/v1/screenshots/{shot}")).status_code == 200
    assert (await owner.get("/api/v1/screenshots/not-a-uuid")).status_code == 404


async def test_cursor_pagination_and_time_filters(client):
    owner = await register(client)
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    made = [await _shot(client, owner, base + timedelta(minutes=10 * i)) for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await owner.get("/api/v1/screenshots", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == list(reversed(made))  # newest first, nothing skipped or repeated
    window = await owner.get("/api/v1/screenshots", params={
        "from": (base + timedelta(minutes=10)).isoformat(),
        "to": (base + timedelta(minutes=30)).isoformat()})
    assert [i["id"] for i in window.json()["items"]] == list(reversed(made[1:4]))
    assert (await owner.get("/api/v1/screenshots", params={"from": "soon"})).status_code == 400
    assert (await owner.get("/api/v1/screenshots", params={"cursor": "!!"})).status_code == 400


async def test_delete_policy(client):
    owner = await register(client)
    member = await invite(owner)
    mine = await _shot(client, member)
    r = await member.delete(f"/api/v1/screenshots/{mine}")
    assert r.status_code == 204, r.text
    assert (await member.get(f"/api/v1/screenshots/{mine}")).status_code == 404
    assert local_objects(client, owner.org_id) == []

    kept = await _shot(client, member)
    r = await owner.patch("/api/v1/agent/config", json={"screenshotDeleteWindowMinutes": 0})
    assert r.status_code == 200, r.text
    r = await member.delete(f"/api/v1/screenshots/{kept}")
    assert r.status_code == 403 and "within 0 minutes" in r.json()["detail"]
    await owner.patch("/api/v1/agent/config", json={"allowScreenshotDelete": False,
                                                    "screenshotDeleteWindowMinutes": 60})
    r = await member.delete(f"/api/v1/screenshots/{kept}")
    assert r.status_code == 403 and "policy" in r.json()["detail"]
    # An admin may always delete; objects and row go.
    assert len(local_objects(client, owner.org_id)) == 2
    r = await owner.delete(f"/api/v1/screenshots/{kept}")
    assert r.status_code == 204
    assert local_objects(client, owner.org_id) == []
    assert (await owner.get("/api/v1/screenshots")).json()["items"] == []


async def test_signed_image_url_works_without_a_token_and_expires(client):
    owner = await register(client)
    shot = await _shot(client, owner)
    r = await owner.get(f"/api/v1/screenshots/{shot}/url", params={"variant": "thumb"})
    assert r.status_code == 200, r.text
    url = r.json()["url"]
    image = await client.get(url)
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    forged = url.replace("variant=thumb", "variant=full")
    assert (await client.get(forged)).status_code == 403
    assert (await client.get(url.split("&sig=")[0] + "&sig=AAAA")).status_code == 403
