"""Admin actions on teams, projects and tasks: effective, audited, admins only (both databases)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.db.models import AuditLog
from tests.support.api import create_project, invite, register


async def _actions(db, org_id: str) -> list[str]:
    async with db() as s:
        rows = await s.execute(
            select(AuditLog.action).where(AuditLog.organization_id == uuid.UUID(org_id))
        )
        return list(rows.scalars())


async def test_teams_rename_remove_member_delete(client, db):
    owner = await register(client)
    manager = await invite(owner, "MANAGER")
    member = await invite(owner)
    team = (await owner.post("/api/v1/teams", json={"name": "Alpha"})).json()
    for who in (manager, member):
        r = await owner.post(f"/api/v1/teams/{team['id']}/members", json={"userId": who.user_id})
        assert r.status_code == 201
    assert (
        await manager.patch(f"/api/v1/teams/{team['id']}", json={"name": "X"})
    ).status_code == 403
    r = await owner.patch(f"/api/v1/teams/{team['id']}", json={"name": "  Beta "})
    assert r.status_code == 200 and r.json()["name"] == "Beta"
    assert (await owner.patch(f"/api/v1/teams/{team['id']}", json={"name": " "})).status_code == 400
    r = await owner.delete(f"/api/v1/teams/{team['id']}/members/{member.user_id}")
    assert r.status_code == 204
    members = (await owner.get(f"/api/v1/teams/{team['id']}")).json()["members"]
    assert [m["userId"] for m in members] == [manager.user_id]
    assert (await manager.delete(f"/api/v1/teams/{team['id']}")).status_code == 403
    assert (await owner.delete(f"/api/v1/teams/{team['id']}")).status_code == 204
    assert (await owner.get(f"/api/v1/teams/{team['id']}")).status_code == 404
    assert (await owner.delete(f"/api/v1/teams/{team['id']}")).status_code == 404
    # The people stay.
    assert (await owner.get(f"/api/v1/members/{member.user_id}")).status_code == 200
    actions = await _actions(db, owner.org_id)
    assert {"team.renamed", "team.member_removed", "team.deleted"} <= set(actions)


async def test_projects_and_tasks_archive_and_unarchive(client, db):
    owner = await register(client)
    member = await invite(owner)
    project = await create_project(owner, "Site")
    task = (
        await owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"name": "Paint"})
    ).json()

    async def active_tasks() -> list[str]:
        items = (await member.get("/api/v1/projects/active")).json()["items"]
        return [t["name"] for p in items if p["id"] == project["id"] for t in p["tasks"]]

    assert await active_tasks() == ["Paint"]
    url = f"/api/v1/projects/{project['id']}/tasks/{task['id']}"
    assert (await member.patch(url, json={"archived": True})).status_code == 403
    r = await owner.patch(url, json={"archived": True})
    assert r.status_code == 200 and r.json()["archived"] is True
    assert await active_tasks() == []
    assert (await owner.patch(url, json={"archived": False})).json()["archived"] is False
    assert await active_tasks() == ["Paint"]
    other = await create_project(owner)
    r = await owner.patch(f"/api/v1/projects/{other['id']}/tasks/{task['id']}", json={"name": "x"})
    assert r.status_code == 404  # a task of another project
    # Projects: archive (DELETE or PATCH) and unarchive.
    assert (await owner.delete(f"/api/v1/projects/{project['id']}")).status_code == 204
    assert project["id"] not in [
        p["id"] for p in (await member.get("/api/v1/projects/active")).json()["items"]
    ]
    r = await owner.patch(f"/api/v1/projects/{project['id']}", json={"archived": False})
    assert r.status_code == 200 and r.json()["archived"] is False
    assert project["id"] in [
        p["id"] for p in (await member.get("/api/v1/projects/active")).json()["items"]
    ]
    actions = await _actions(db, owner.org_id)
    assert actions.count("task.archived") == 1 and actions.count("task.unarchived") == 1
    assert "project.archived" in actions and "project.unarchived" in actions


async def test_deactivated_member_is_refused_at_once_and_can_come_back(client):
    owner = await register(client)
    member = await invite(owner)
    assert (await member.get("/api/v1/auth/me")).status_code == 200
    r = await owner.patch(f"/api/v1/members/{member.user_id}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    r = await member.get("/api/v1/projects/active")  # what the agent polls
    assert r.status_code == 401 and "deactivated" in r.json()["detail"]
    r = await client.post("/api/v1/auth/refresh", json={"refreshToken": member.refresh})
    assert r.status_code == 401
    r = await owner.patch(f"/api/v1/members/{member.user_id}", json={"active": True})
    assert r.status_code == 200 and r.json()["active"] is True
    r = await client.post(
        "/api/v1/auth/login", json={"email": member.email, "password": "correct horse battery"}
    )
    assert r.status_code == 200
