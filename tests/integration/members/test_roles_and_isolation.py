"""Role matrix and organization isolation, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from server.db.models import AuditLog
from tests.support.api import create_project, invite, register, unique_email
from tests.support.sync import BASE, batch, entry


async def test_role_matrix(client):
    owner = await register(client)
    admin = await invite(owner, "ADMIN")
    manager = await invite(owner, "MANAGER")
    member = await invite(owner, "MEMBER")
    expectations = [(owner, 201), (admin, 201), (manager, 403), (member, 403)]
    for who, status in expectations:
        r = await who.post("/api/v1/projects", json={"name": f"p-{uuid.uuid4().hex[:6]}"})
        assert r.status_code == status, (who.email, r.text)
        r = await who.post(
            "/api/v1/members", json={"email": unique_email(), "name": "n", "role": "MEMBER"}
        )
        assert r.status_code == status, r.text
        r = await who.patch("/api/v1/agent/config", json={"blurLevel": 1})
        assert r.status_code == (200 if status == 201 else 403), r.text
        r = await who.post("/api/v1/teams", json={"name": f"t-{uuid.uuid4().hex[:6]}"})
        assert r.status_code == status
        # Everyone may read the policy and the active projects.
        assert (await who.get("/api/v1/agent/config")).status_code == 200
        assert (await who.get("/api/v1/projects/active")).status_code == 200
    # Only an OWNER grants OWNER.
    r = await admin.post(
        "/api/v1/members", json={"email": unique_email(), "name": "n", "role": "OWNER"}
    )
    assert r.status_code == 403
    r = await admin.patch(f"/api/v1/members/{member.user_id}", json={"role": "OWNER"})
    assert r.status_code == 403
    r = await admin.patch(f"/api/v1/members/{owner.user_id}", json={"active": False})
    assert r.status_code == 403
    # A MEMBER sees only themselves in the member list; an ADMIN sees everyone.
    items = (await member.get("/api/v1/members")).json()["items"]
    assert [m["id"] for m in items] == [member.user_id]
    # four accounts plus the two invitations the OWNER and ADMIN sent above
    assert len((await admin.get("/api/v1/members")).json()["items"]) == 6
    # The last OWNER cannot be demoted.
    r = await owner.patch(f"/api/v1/members/{owner.user_id}", json={"role": "ADMIN"})
    assert r.status_code == 409


async def test_role_change_is_audited_and_effective(client, db):
    owner = await register(client)
    member = await invite(owner)
    r = await owner.patch(f"/api/v1/members/{member.user_id}", json={"role": "ADMIN"})
    assert r.status_code == 200 and r.json()["role"] == "ADMIN"
    r = await member.post("/api/v1/projects", json={"name": "now allowed"})
    assert r.status_code == 201  # role is read from the database, not the old token
    async with db() as s:
        actions = list(
            (
                await s.execute(
                    select(AuditLog.action).where(
                        AuditLog.organization_id == uuid.UUID(owner.org_id)
                    )
                )
            ).scalars()
        )
    assert "member.role_changed" in actions


async def test_policy_round_trip_and_validation(client):
    owner = await register(client)
    r = await owner.put(
        "/api/v1/agent/config",
        json={"screenshotIntervalSeconds": 300, "blurLevel": 2, "idleTimeoutSeconds": 120},
    )
    assert r.status_code == 200
    policy = (await owner.get("/api/v1/agent/config")).json()
    assert policy["screenshotIntervalSeconds"] == 300 and policy["blurLevel"] == 2
    assert policy["idleTimeoutSeconds"] == 120
    for bad in [
        {"blurLevel": 7},
        {"screenshotIntervalSeconds": 5},
        {"timezone": "Bad/Zone"},
        {"blurLevel": "high"},
    ]:
        r = await owner.patch("/api/v1/agent/config", json=bad)
        assert r.status_code == 400 and r.json()["detail"], bad


async def test_projects_tasks_teams_flow(client):
    owner = await register(client)
    member = await invite(owner)
    project = await create_project(owner, "Website")
    r = await owner.post("/api/v1/projects", json={"name": "Website"})
    assert r.status_code == 409
    r = await owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"name": "Landing"})
    assert r.status_code == 201 and r.json()["projectId"] == project["id"]
    active = (await member.get("/api/v1/projects/active")).json()["items"]
    assert [(p["name"], [t["name"] for t in p["tasks"]]) for p in active] == [
        ("Website", ["Landing"])
    ]
    assert (await owner.delete(f"/api/v1/projects/{project['id']}")).status_code == 204
    assert (await member.get("/api/v1/projects/active")).json()["items"] == []
    assert (await owner.get(f"/api/v1/projects/{project['id']}")).json()["archived"] is True
    team = (await owner.post("/api/v1/teams", json={"name": "Core"})).json()
    r = await owner.post(
        f"/api/v1/teams/{team['id']}/members", json={"userId": member.user_id, "role": "MEMBER"}
    )
    assert r.status_code == 201 and [m["userId"] for m in r.json()["members"]] == [member.user_id]
    teams = (await member.get("/api/v1/teams")).json()["items"]
    assert [t["id"] for t in teams] == [team["id"]]
    r = await owner.delete(f"/api/v1/teams/{team['id']}/members/{member.user_id}")
    assert r.status_code == 204
    assert (await member.get("/api/v1/teams")).json()["items"] == []


async def test_pagination_cursor_walks_every_project_once(client):
    owner = await register(client)
    names = [f"proj-{i:02d}" for i in range(7)]
    for n in names:
        await create_project(owner, n)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await owner.get("/api/v1/projects", params=params)).json()
        seen += [p["name"] for p in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == names
    r = await owner.get("/api/v1/projects", params={"cursor": "%%%bad"})
    assert r.status_code == 400
    from server.db.pagination import encode_cursor

    for forged in (encode_cursor(["a", "not-a-uuid"]), encode_cursor(["only-one"])):
        for url in ("/api/v1/projects", "/api/v1/teams", "/api/v1/members"):
            r = await owner.get(url, params={"cursor": forged})
            assert r.status_code == 400 and "cursor" in r.json()["detail"], (url, r.text)


async def test_another_organizations_objects_answer_404_everywhere(client):
    alice = await register(client, "Alice Inc")
    mallory = await register(client, "Mallory Ltd")
    a_member = await invite(alice)
    project = await create_project(alice)
    team = (await alice.post("/api/v1/teams", json={"name": "A-team"})).json()
    pid, tid = project["id"], team["id"]
    probes = [
        ("get", f"/api/v1/projects/{pid}", None),
        ("patch", f"/api/v1/projects/{pid}", {"name": "pwned"}),
        ("delete", f"/api/v1/projects/{pid}", None),
        ("get", f"/api/v1/projects/{pid}/tasks", None),
        ("post", f"/api/v1/projects/{pid}/tasks", {"name": "x"}),
        ("get", f"/api/v1/teams/{tid}", None),
        ("post", f"/api/v1/teams/{tid}/members", {"userId": mallory.user_id}),
        ("delete", f"/api/v1/teams/{tid}/members/{a_member.user_id}", None),
        ("get", f"/api/v1/members/{a_member.user_id}", None),
        ("patch", f"/api/v1/members/{a_member.user_id}", {"name": "pwned"}),
        ("get", f"/api/v1/projects/{uuid.uuid4()}", None),
        ("get", "/api/v1/projects/not-a-uuid", None),
    ]
    for method, url, body in probes:
        kwargs = {"json": body} if body is not None else {}
        r = await getattr(mallory, method)(url, **kwargs)
        assert r.status_code == 404, (method, url, r.status_code, r.text)
    # Mallory's own team cannot take Alice's member either.
    mteam = (await mallory.post("/api/v1/teams", json={"name": "M"})).json()
    r = await mallory.post(
        f"/api/v1/teams/{mteam['id']}/members", json={"userId": a_member.user_id}
    )
    assert r.status_code == 404
    # Lists never show the other organization's rows.
    assert (await mallory.get("/api/v1/projects")).json()["items"] == []
    assert all(
        m["id"] != a_member.user_id for m in (await mallory.get("/api/v1/members")).json()["items"]
    )
    assert (await alice.get(f"/api/v1/projects/{pid}")).json()["name"] == project["name"]
    # Sync into another org's project is refused.
    r = (
        await mallory.post("/api/v1/sync/batch", json=batch([entry(BASE, 10, project_id=pid)]))
    ).json()
    assert r["conflicts"][0]["reason"] == "unknown_project"


async def test_team_manager_sees_team_members_only(client):
    owner = await register(client)
    manager = await invite(owner, "MEMBER")
    teammate = await invite(owner)
    outsider = await invite(owner)
    team = (await owner.post("/api/v1/teams", json={"name": "T"})).json()
    await owner.post(
        f"/api/v1/teams/{team['id']}/members", json={"userId": manager.user_id, "role": "MANAGER"}
    )
    await owner.post(f"/api/v1/teams/{team['id']}/members", json={"userId": teammate.user_id})
    assert (await manager.get(f"/api/v1/members/{teammate.user_id}")).status_code == 200
    assert (await manager.get(f"/api/v1/members/{outsider.user_id}")).status_code == 404
    assert (await teammate.get(f"/api/v1/members/{manager.user_id}")).status_code == 404


async def test_member_list_follows_the_member_detail_rule(client):
    """ADMIN/OWNER see everyone; a team MANAGER their teams' members; an
    organization-level MANAGER without a team, like a MEMBER, only themselves."""
    owner = await register(client)
    admin = await invite(owner, "ADMIN")
    org_manager = await invite(owner, "MANAGER")
    lead = await invite(owner, "MEMBER", name="Lead")
    mate = await invite(owner, "MEMBER", name="Mate")
    outsider = await invite(owner, "MEMBER", name="Outsider")
    team = (await owner.post("/api/v1/teams", json={"name": "Crew"})).json()
    for who, role in ((lead, "MANAGER"), (mate, "MEMBER")):
        r = await owner.post(
            f"/api/v1/teams/{team['id']}/members", json={"userId": who.user_id, "role": role}
        )
        assert r.status_code == 201
    everyone = {
        owner.user_id,
        admin.user_id,
        org_manager.user_id,
        lead.user_id,
        mate.user_id,
        outsider.user_id,
    }
    expected = [
        (owner, everyone),
        (admin, everyone),
        (org_manager, {org_manager.user_id}),
        (lead, {lead.user_id, mate.user_id}),
        (mate, {mate.user_id}),
        (outsider, {outsider.user_id}),
    ]
    for who, ids in expected:
        listed = {m["id"] for m in (await who.get("/api/v1/members")).json()["items"]}
        assert listed == ids, who.email
        # The detail answers exactly for the listed people (404 otherwise).
        for uid in everyone:
            status = (await who.get(f"/api/v1/members/{uid}")).status_code
            assert status == (200 if uid in ids else 404), (who.email, uid)
