"""Time entries for people: list, manual create, edit, delete (tombstone), on
SQLite and PostgreSQL. Roles: a member their own time, a team manager their
team's, admins and owners anyone's; another organization's ids are 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from server.db.models import AuditLog, DeletedTimeEntry, TimeEntry
from tests.integration.reports.helpers import make_team
from tests.support.api import create_project, invite, register
from tests.support.sync import activity, batch, entry, minutes_of

URL = "/api/v1/time-entries"
DAY = datetime(2026, 3, 10, tzinfo=UTC)


def at(hour: float) -> str:
    return (DAY + timedelta(hours=hour)).isoformat()


async def add(acc, project_id: str, start: float, end: float, **extra):
    body = {"projectId": project_id, "startTime": at(start), "endTime": at(end), **extra}
    return await acc.post(URL, json=body)


async def test_manual_entry_is_created_listed_and_shaped(client):
    owner = await register(client)
    customer = await owner.post("/api/v1/customers", json={"name": f"C{uuid.uuid4().hex[:6]}"})
    project = (
        await owner.post(
            "/api/v1/projects",
            json={"name": f"P{uuid.uuid4().hex[:6]}", "customerId": customer.json()["id"]},
        )
    ).json()
    meeting = (
        await owner.post(
            "/api/v1/activities", json={"name": f"Meet{uuid.uuid4().hex[:4]}", "billable": False}
        )
    ).json()
    r = await add(
        owner,
        project["id"],
        9,
        10.5,
        description=" planning ",
        ticketKey="ABC-1",
        activityId=meeting["id"],
    )
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["source"] == "manual" and e["status"] == "STOPPED"
    assert e["durationSeconds"] == 5400 and e["description"] == "planning"
    assert e["customerId"] == customer.json()["id"] and e["ticketKey"] == "ABC-1"
    assert e["billable"] is False  # the activity is not billable: inherited
    assert e["locked"] is False and e["entryClass"] == "daybreak"
    assert e["userId"] == owner.user_id
    forced = await add(owner, project["id"], 11, 12, billable=True, activityId=meeting["id"])
    assert forced.json()["billable"] is True  # the entry's own flag wins
    listed = (await owner.get(URL, params={"from": at(0), "to": at(24)})).json()
    assert [i["id"] for i in listed["items"]] == [e["id"], forced.json()["id"]]
    assert [i["entryClass"] for i in listed["items"]] == ["daybreak", "pause"]


async def test_overlap_is_409_naming_the_other_entry_and_bad_spans_are_400(client, db):
    owner = await register(client)
    project = await create_project(owner)
    first = (await add(owner, project["id"], 9, 10)).json()
    r = await add(owner, project["id"], 9.5, 11)
    assert r.status_code == 409
    body = r.json()
    assert first["id"] in body["detail"]
    assert body["extra"]["code"] == "overlap"
    assert body["extra"]["otherEntry"]["id"] == first["id"]
    # Touching is not overlapping: 10:00 to 11:00 is fine, and its class is plain.
    touching = await add(owner, project["id"], 10, 11)
    assert touching.status_code == 201 and touching.json()["entryClass"] == "plain"
    # Overlap with agent time too.
    synced = entry(DAY + timedelta(hours=13), 60, project_id=project["id"])
    await owner.post("/api/v1/sync/batch", json=batch([synced]))
    r = await add(owner, project["id"], 13.5, 15)
    assert r.status_code == 409 and r.json()["extra"]["otherEntry"]["source"] == "agent"
    for start, end, word in [
        (12, 12, "after"),
        (12, 11, "after"),
    ]:
        r = await add(owner, project["id"], start, end)
        assert r.status_code == 400 and word in r.json()["detail"]
    bad = [
        {"startTime": "yesterday", "endTime": at(1)},
        {"startTime": "1900-01-01T00:00:00Z", "endTime": at(1)},
        {"startTime": "2026-03-10T09:00:00", "endTime": at(10)},
        {"startTime": at(1), "endTime": at(24 * 40)},
        {"startTime": at(20), "endTime": at(21), "description": "x" * 5000},
        {"startTime": at(20), "endTime": at(21), "ticketKey": "x" * 65},
        {"startTime": at(20), "endTime": at(21), "projectId": "not-a-uuid"},
    ]
    for fields in bad:
        r = await owner.post(URL, json={"projectId": project["id"], **fields})
        assert r.status_code == 400, (fields, r.text)
    async with db() as s:
        count = await s.execute(
            select(func.count())
            .select_from(TimeEntry)
            .where(TimeEntry.user_id == uuid.UUID(owner.user_id))
        )
        assert count.scalar_one() == 3  # nothing half-written


async def test_archived_and_foreign_references(client):
    owner, stranger = await register(client), await register(client)
    project = await create_project(owner)
    foreign = await create_project(stranger)
    r = await add(owner, foreign["id"], 1, 2)
    assert r.status_code == 404
    task = (await owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"name": "t"})).json()
    other_project = await create_project(owner)
    r = await add(owner, other_project["id"], 1, 2, taskId=task["id"])
    assert r.status_code == 400 and "does not belong" in r.json()["detail"]
    await owner.delete(f"/api/v1/tasks/{task['id']}")
    r = await add(owner, project["id"], 1, 2, taskId=task["id"])
    assert r.status_code == 400 and "archived" in r.json()["detail"]
    await owner.delete(f"/api/v1/projects/{project['id']}")
    r = await add(owner, project["id"], 1, 2)
    assert r.status_code == 400 and "archived" in r.json()["detail"]
    r = await add(owner, other_project["id"], 1, 2, activityId=str(uuid.uuid4()))
    assert r.status_code == 404


async def test_roles_member_manager_admin_and_foreign_org(client, db):
    owner = await register(client)
    admin = await invite(owner, "ADMIN")
    manager = await invite(owner, "MEMBER", name="Lead")
    mine = await invite(owner)
    outsider = await invite(owner)
    await make_team(owner, f"T{uuid.uuid4().hex[:6]}", [manager], [mine])
    stranger = await register(client)
    project = await create_project(owner)

    # A member adds time only for themselves.
    r = await add(mine, project["id"], 1, 2, userId=outsider.user_id)
    assert r.status_code == 404
    own = await add(mine, project["id"], 1, 2)
    assert own.status_code == 201
    # A team manager adds time for their team member, not for others.
    by_manager = await add(manager, project["id"], 3, 4, userId=mine.user_id)
    assert by_manager.status_code == 201 and by_manager.json()["userId"] == mine.user_id
    assert (await add(manager, project["id"], 3, 4, userId=outsider.user_id)).status_code == 404
    # Admins anyone in the organization; another organization's user is 404.
    assert (await add(admin, project["id"], 5, 6, userId=outsider.user_id)).status_code == 201
    assert (await add(owner, project["id"], 7, 8, userId=admin.user_id)).status_code == 201
    assert (await add(owner, project["id"], 5, 6, userId=stranger.user_id)).status_code == 404

    async with db() as s:
        audit = (
            await s.execute(
                select(AuditLog).where(
                    AuditLog.action == "time_entry.created",
                    AuditLog.target_id == by_manager.json()["id"],
                )
            )
        ).scalar_one()
        assert str(audit.actor_user_id) == manager.user_id
        assert audit.detail["userId"] == mine.user_id and audit.detail["forSomeoneElse"] is True

    def ids(resp):
        return {i["userId"] for i in resp.json()["items"]}

    assert ids(await mine.get(URL)) == {mine.user_id}
    assert ids(await manager.get(URL)) == {mine.user_id}
    assert ids(await admin.get(URL)) == {mine.user_id, outsider.user_id, admin.user_id}
    assert (await mine.get(URL, params={"userId": outsider.user_id})).status_code == 404
    assert (await manager.get(URL, params={"userId": outsider.user_id})).status_code == 404
    assert (await stranger.get(URL, params={"userId": mine.user_id})).status_code == 404
    assert (await stranger.get(URL)).json()["items"] == []

    entry_id = own.json()["id"]
    for acc in (outsider, stranger):
        assert (await acc.get(f"{URL}/{entry_id}")).status_code == 404
        assert (await acc.patch(f"{URL}/{entry_id}", json={"description": "x"})).status_code == 404
        assert (await acc.delete(f"{URL}/{entry_id}")).status_code == 404
    r = await manager.patch(f"{URL}/{entry_id}", json={"description": "fixed by lead"})
    assert r.status_code == 200 and r.json()["description"] == "fixed by lead"
    assert (await admin.delete(f"{URL}/{entry_id}")).status_code == 204


async def test_edit_checks_overlap_span_and_references(client):
    owner = await register(client)
    project = await create_project(owner)
    a = (await add(owner, project["id"], 9, 10)).json()
    b = (await add(owner, project["id"], 11, 12)).json()
    r = await owner.patch(f"{URL}/{b['id']}", json={"startTime": at(9.5)})
    assert r.status_code == 409 and r.json()["extra"]["otherEntry"]["id"] == a["id"]
    r = await owner.patch(f"{URL}/{b['id']}", json={"endTime": at(10.5)})
    assert r.status_code == 400
    r = await owner.patch(
        f"{URL}/{b['id']}", json={"startTime": at(10), "endTime": at(12.5), "billable": False}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["durationSeconds"] == 9000 and body["billable"] is False
    assert body["entryClass"] == "plain"
    got = (await owner.get(f"{URL}/{b['id']}")).json()
    assert got["startTime"].startswith("2026-03-10T10:00:00")
    assert (await owner.patch(f"{URL}/{uuid.uuid4()}", json={})).status_code == 404
    assert (await owner.patch(f"{URL}/nope", json={})).status_code == 404


async def test_delete_leaves_a_tombstone_the_agent_retry_cannot_undo(client, db):
    owner = await register(client)
    project = await create_project(owner)
    start = DAY + timedelta(hours=14)
    synced = entry(start, 30, project_id=project["id"])
    acts = [activity(synced["idempotencyKey"], m) for m in minutes_of(start, 30)]
    await owner.post("/api/v1/sync/batch", json=batch([synced], acts))
    listed = (await owner.get(URL, params={"source": "agent"})).json()["items"]
    assert len(listed) == 1 and listed[0]["source"] == "agent"
    entry_id = listed[0]["id"]
    assert (await owner.delete(f"{URL}/{entry_id}")).status_code == 204
    assert (await owner.get(f"{URL}/{entry_id}")).status_code == 404
    retry = (await owner.post("/api/v1/sync/batch", json=batch([synced], acts))).json()
    assert [c["reason"] for c in retry["conflicts"]] == ["deleted"]
    assert retry["processed"] == 0
    assert (await owner.get(URL, params={"source": "agent"})).json()["items"] == []
    async with db() as s:
        stone = await s.get(
            DeletedTimeEntry, (uuid.UUID(owner.user_id), uuid.UUID(synced["idempotencyKey"]))
        )
        assert stone is not None and str(stone.user_id) == owner.user_id
        audit = (
            await s.execute(select(AuditLog).where(AuditLog.target_id == entry_id))
        ).scalar_one()
        assert audit.action == "time_entry.deleted"
    # The same span is free again for manual time.
    assert (await add(owner, project["id"], 14, 14.5)).status_code == 201


async def test_a_live_agent_entry_cannot_be_edited_or_deleted_but_a_stale_one_can(client):
    owner = await register(client)
    project = await create_project(owner)
    now = datetime.now(UTC).replace(microsecond=0)
    live = entry(now - timedelta(minutes=30), 29, project_id=project["id"], status="RUNNING")
    await owner.post("/api/v1/sync/batch", json=batch([live]))
    item = (await owner.get(URL, params={"source": "agent"})).json()["items"][0]
    r = await owner.patch(f"{URL}/{item['id']}", json={"description": "x"})
    assert r.status_code == 409 and r.json()["extra"]["code"] == "agent_tracking"
    assert (await owner.delete(f"{URL}/{item['id']}")).status_code == 409
    stale = entry(now - timedelta(hours=3), 30, project_id=project["id"], status="RUNNING")
    await owner.post("/api/v1/sync/batch", json=batch([stale]))
    items = (await owner.get(URL, params={"source": "agent"})).json()["items"]
    r = await owner.patch(f"{URL}/{items[0]['id']}", json={"description": "crashed agent"})
    assert r.status_code == 200


async def test_pagination_and_filters(client):
    owner = await register(client)
    p1, p2 = await create_project(owner), await create_project(owner)
    for h in range(7):
        await add(owner, p1["id"] if h % 2 else p2["id"], h, h + 0.5)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await owner.get(URL, params=params)).json()
        seen += [i["startTime"] for i in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert len(seen) == 7 and seen == sorted(seen)
    only = (await owner.get(URL, params={"projectId": p1["id"]})).json()["items"]
    assert len(only) == 3 and {i["projectId"] for i in only} == {p1["id"]}
    window = (await owner.get(URL, params={"from": at(2), "to": at(4)})).json()["items"]
    assert len(window) == 2
    for params in (
        {"from": "soon"},
        {"from": at(4), "to": at(2)},
        {"source": "fax"},
        {"cursor": "%%%"},
        {"limit": 0},
    ):
        r = await owner.get(URL, params=params)
        assert r.status_code == 400, (params, r.text)
    assert (await owner.get(URL, params={"source": "manual"})).json()["items"]


async def test_an_approved_week_locks_its_entries(client):
    owner = await register(client)
    member = await invite(owner)
    project = await create_project(owner)
    e = (await add(member, project["id"], 9, 10)).json()
    sheet = (await member.post("/api/v1/timesheets", json={"weekStart": "2026-03-09"})).json()
    r = await owner.post(f"/api/v1/timesheets/{sheet['id']}/approve")
    assert r.status_code == 200, r.text
    got = (await member.get(f"{URL}/{e['id']}")).json()
    assert got["locked"] is True
    for resp in (
        await member.patch(f"{URL}/{e['id']}", json={"description": "late fix"}),
        await owner.delete(f"{URL}/{e['id']}"),
        await add(member, project["id"], 11, 12),
        await owner.post(
            URL,
            json={
                "projectId": project["id"],
                "startTime": at(13),
                "endTime": at(14),
                "userId": member.user_id,
            },
        ),
    ):
        assert resp.status_code == 409 and resp.json()["extra"]["code"] == "locked", resp.text
    # Moving an entry of another week into the locked one is refused too.
    other = (
        await member.post(
            URL,
            json={
                "projectId": project["id"],
                "startTime": "2026-03-17T09:00:00Z",
                "endTime": "2026-03-17T10:00:00Z",
            },
        )
    ).json()
    assert other["locked"] is False
    r = await member.patch(f"{URL}/{other['id']}", json={"startTime": at(15), "endTime": at(16)})
    assert r.status_code == 409 and r.json()["extra"]["code"] == "locked"
