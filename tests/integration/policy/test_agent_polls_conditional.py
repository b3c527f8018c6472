"""The agent's polls (config, active projects) answer 304 while its copy is
current and the full answer as soon as anything in it changes, on SQLite and
PostgreSQL."""

from __future__ import annotations

from tests.support.api import create_project, invite, register

CONFIG = "/api/v1/agent/config"
ACTIVE = "/api/v1/projects/active"


async def _poll(account, url: str, etag: str | None):
    return await account.get(url, headers={"If-None-Match": etag} if etag else {})


async def test_config_is_304_until_the_policy_changes(client):
    owner = await register(client)
    member = await invite(owner)
    first = await _poll(member, CONFIG, None)
    assert first.status_code == 200 and first.headers["cache-control"] == "private, no-cache"
    etag = first.headers["etag"]
    again = await _poll(member, CONFIG, etag)
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    # A list of tags, a weak form of ours, or "*" match too; another tag does not.
    assert (await _poll(member, CONFIG, f'"x", W/{etag}')).status_code == 304
    assert (await _poll(member, CONFIG, "*")).status_code == 304
    assert (await _poll(member, CONFIG, '"stale"')).status_code == 200
    r = await owner.patch(CONFIG, json={"blurLevel": 2})
    assert r.status_code == 200, r.text
    changed = await _poll(member, CONFIG, etag)
    assert changed.status_code == 200 and changed.json()["blurLevel"] == 2
    assert changed.headers["etag"] != etag
    # Each organization's answer is its own: another org's tag never matches ours.
    other = await register(client, org_name="Other")
    assert (await _poll(other, CONFIG, changed.headers["etag"])).status_code == 200
    # Without a valid token there is no 304 to learn anything from.
    member.access = "invalid"
    assert (await _poll(member, CONFIG, changed.headers["etag"])).status_code == 401


async def test_active_projects_are_304_until_a_project_or_task_changes(client):
    owner = await register(client)
    member = await invite(owner)
    project = await create_project(owner, "Alpha")
    first = await _poll(member, ACTIVE, None)
    etag = first.headers["etag"]
    assert [p["name"] for p in first.json()["items"]] == ["Alpha"]
    assert (await _poll(member, ACTIVE, etag)).status_code == 304
    r = await owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"name": "write"})
    assert r.status_code == 201, r.text
    with_task = await _poll(member, ACTIVE, etag)
    assert with_task.status_code == 200
    assert [t["name"] for t in with_task.json()["items"][0]["tasks"]] == ["write"]
    etag = with_task.headers["etag"]
    assert (await _poll(member, ACTIVE, etag)).status_code == 304
    r = await owner.patch(f"/api/v1/projects/{project['id']}", json={"archived": True})
    assert r.status_code == 200, r.text
    archived = await _poll(member, ACTIVE, etag)
    assert archived.status_code == 200 and archived.json()["items"] == []
