"""Tasks: rich fields, status moves, filters, search and keyset pages; what the
agent is offered. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from tests.support.api import create_project, invite, register


async def _task(admin, project_id: str, **fields):
    r = await admin.post(f"/api/v1/projects/{project_id}/tasks", json={"name": "t", **fields})
    assert r.status_code == 201, r.text
    return r.json()


async def test_task_fields_and_status_moves(client):
    owner = await register(client)
    member = await invite(owner)
    other = await invite(owner)
    project = await create_project(owner)
    task = await _task(
        owner,
        project["id"],
        name="Write the report",
        description="Q3 figures",
        priority="high",
        dueDate="2026-12-24",
        estimateSeconds=7200,
        tags=["finance", " Finance ", "q3"],
        assigneeId=member.user_id,
        ticketKey=" FIN-42 ",
    )
    assert task["status"] == "todo" and task["doneAt"] is None
    assert (task["priority"], task["dueDate"], task["estimateSeconds"]) == (
        "high",
        "2026-12-24",
        7200,
    )
    assert task["tags"] == ["finance", "q3"] and task["ticketKey"] == "FIN-42"
    assert task["assigneeId"] == member.user_id
    # The assignee moves their own task; done stamps doneAt, leaving done clears it.
    url = f"/api/v1/tasks/{task['id']}/status"
    r = await member.patch(url, json={"status": "done"})
    assert r.status_code == 200 and r.json()["doneAt"] is not None
    r = await member.patch(url, json={"status": "in_progress"})
    assert r.json()["status"] == "in_progress" and r.json()["doneAt"] is None
    # ...but neither archives it nor moves someone else's.
    assert (await member.patch(url, json={"status": "archived"})).status_code == 403
    assert (await other.patch(url, json={"status": "done"})).status_code == 403
    assert (
        await member.patch(f"/api/v1/tasks/{task['id']}", json={"name": "x"})
    ).status_code == 403
    # PATCH by an admin changes only what is sent; null clears.
    r = await owner.patch(
        f"/api/v1/tasks/{task['id']}", json={"dueDate": None, "priority": "urgent"}
    )
    assert r.status_code == 200
    assert (r.json()["dueDate"], r.json()["priority"], r.json()["estimateSeconds"]) == (
        None,
        "urgent",
        7200,
    )
    # Bad input: readable 400s.
    for patch, needle in [
        ({"status": "finished"}, "status"),
        ({"priority": "asap"}, "priority"),
        ({"estimateSeconds": -5}, "estimateSeconds"),
        ({"dueDate": "1999-12-31"}, "dueDate"),
        ({"dueDate": "31/12/2026"}, "dueDate"),
        ({"tags": ["x" * 41]}, "tag"),
        ({"tags": [f"t{i}" for i in range(21)]}, "length <= 20"),
        ({"assigneeId": "nope"}, "assigneeId must be a UUID"),
    ]:
        r = await owner.patch(f"/api/v1/tasks/{task['id']}", json=patch)
        assert r.status_code == 400 and needle in r.json()["detail"], (patch, r.text)
    # An assignee from another organization is not found.
    stranger = await register(client)
    r = await owner.patch(f"/api/v1/tasks/{task['id']}", json={"assigneeId": stranger.user_id})
    assert r.status_code == 404
    assert (await stranger.get(f"/api/v1/tasks/{task['id']}")).status_code == 404
    assert (await stranger.patch(url, json={"status": "done"})).status_code == 404


async def test_task_list_filters_search_and_pages(client):
    owner = await register(client)
    member = await invite(owner)
    alpha, beta = await create_project(owner), await create_project(owner)
    made = []
    for i in range(7):
        made.append(
            await _task(
                owner,
                alpha["id"],
                name=f"alpha {i:02d}",
                assigneeId=member.user_id if i % 2 else None,
            )
        )
    await _task(owner, beta["id"], name="beta 50% done")
    await _task(owner, beta["id"], name="beta closed", status="done")
    # Keyset pages in (name, id) order, each task once.
    seen, cursor = [], None
    while True:
        params = {"projectId": alpha["id"], "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await member.get("/api/v1/tasks", params=params)).json()
        seen += [t["name"] for t in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert seen == [f"alpha {i:02d}" for i in range(7)]
    mine = (await member.get("/api/v1/tasks", params={"assigneeId": member.user_id})).json()
    assert [t["name"] for t in mine["items"]] == ["alpha 01", "alpha 03", "alpha 05"]
    done = (await member.get("/api/v1/tasks", params={"status": "done"})).json()["items"]
    assert [t["name"] for t in done] == ["beta closed"]
    found = (await member.get("/api/v1/tasks", params={"q": "50%"})).json()["items"]
    assert [t["name"] for t in found] == ["beta 50% done"]
    # Archived tasks are listed only when asked for.
    assert (await owner.delete(f"/api/v1/tasks/{made[0]['id']}")).status_code == 204
    names = [
        t["name"]
        for t in (await member.get("/api/v1/tasks", params={"projectId": alpha["id"]})).json()[
            "items"
        ]
    ]
    assert "alpha 00" not in names
    archived = (await member.get("/api/v1/tasks", params={"status": "archived"})).json()["items"]
    assert [t["name"] for t in archived] == ["alpha 00"] and archived[0]["archived"] is True
    # Bad filters: a malformed id is a 400, a foreign project a 404, a bad status a 400.
    assert (await member.get("/api/v1/tasks", params={"projectId": "x"})).status_code == 400
    stranger = await register(client)
    theirs = await create_project(stranger)
    assert (
        await member.get("/api/v1/tasks", params={"projectId": theirs["id"]})
    ).status_code == 404
    assert (await member.get("/api/v1/tasks", params={"status": "nope"})).status_code == 400
    assert (await member.get("/api/v1/tasks", params={"cursor": "garbage"})).status_code == 400


async def test_the_agent_is_offered_open_tasks_only(client):
    owner = await register(client)
    member = await invite(owner)
    project = await create_project(owner)
    open_task = await _task(owner, project["id"], name="open")
    started = await _task(owner, project["id"], name="started", status="in_progress")
    finished = await _task(owner, project["id"], name="finished", status="done")
    gone = await _task(owner, project["id"], name="gone")
    await owner.delete(f"/api/v1/tasks/{gone['id']}")
    active = (await member.get("/api/v1/projects/active")).json()["items"]
    offered = {
        t["name"]: t["status"] for p in active if p["id"] == project["id"] for t in p["tasks"]
    }
    assert offered == {"open": "todo", "started": "in_progress"}
    # The project's own task list keeps every task, with its status.
    listed = (await member.get(f"/api/v1/projects/{project['id']}/tasks")).json()["items"]
    assert {t["id"]: (t["status"], t["archived"]) for t in listed} == {
        open_task["id"]: ("todo", False),
        started["id"]: ("in_progress", False),
        finished["id"]: ("done", False),
        gone["id"]: ("archived", True),
    }
    assert uuid.UUID(listed[0]["projectId"]) == uuid.UUID(project["id"])


async def test_new_time_on_an_archived_project_or_task_is_refused(client):
    from tests.support.sync import batch, entry

    owner = await register(client)
    project = await create_project(owner)
    task = await _task(owner, project["id"], name="wrapped up")
    running = {**entry(), "projectId": project["id"], "status": "RUNNING", "endTime": None}
    r = await owner.post("/api/v1/sync/batch", json=batch([running]))
    assert r.json()["processed"] == 1, r.text
    await owner.delete(f"/api/v1/tasks/{task['id']}")
    await owner.delete(f"/api/v1/projects/{project['id']}")
    # The entry already running goes on: its next revision is accepted...
    later = {**running, "revision": 2, "status": "STOPPED", "endTime": running["startTime"]}
    # ...while new time on the archived project or task is a conflict that says why.
    on_project = {**entry(), "projectId": project["id"]}
    on_task = {**entry(), "projectId": project["id"], "taskId": task["id"]}
    on_task["startTime"] = "2026-01-20T09:00:00+00:00"
    on_task["endTime"] = "2026-01-20T10:00:00+00:00"
    on_project["startTime"] = "2026-01-21T09:00:00+00:00"
    on_project["endTime"] = "2026-01-21T10:00:00+00:00"
    body = (await owner.post("/api/v1/sync/batch", json=batch([later, on_project, on_task]))).json()
    assert body["processed"] == 1, body
    details = {c["idempotencyKey"]: (c["reason"], c["detail"]) for c in body["conflicts"]}
    assert details[on_project["idempotencyKey"]] == (
        "unknown_project",
        f"project {project['id']} is archived; pick another project",
    )
    assert details[on_task["idempotencyKey"]][1].endswith("is archived; pick another project")
    # A task archived in a project still open: the task is named.
    open_project = await create_project(owner)
    gone = await _task(owner, open_project["id"], name="gone")
    await owner.delete(f"/api/v1/tasks/{gone['id']}")
    on_gone = {**entry(), "projectId": open_project["id"], "taskId": gone["id"]}
    on_gone["startTime"] = "2026-01-22T09:00:00+00:00"
    on_gone["endTime"] = "2026-01-22T10:00:00+00:00"
    body = (await owner.post("/api/v1/sync/batch", json=batch([on_gone]))).json()
    assert [c["detail"] for c in body["conflicts"]] == [
        f"task {gone['id']} is archived; pick another task"
    ]


async def test_active_projects_answer_shape_and_order(client):
    """The agent's project poll (one joined read): projects by name, a project
    without open tasks with an empty list, archived projects left out, each
    project's open tasks by name, nothing of another organization."""
    owner = await register(client)
    member = await invite(owner)
    stranger = await register(client)
    b = await create_project(owner, name="B project")
    a = await create_project(owner, name="A project")
    empty = await create_project(owner, name="C project")
    gone = await create_project(owner, name="0 archived")
    await _task(owner, gone["id"], name="in the archive")
    r = await owner.patch(f"/api/v1/projects/{gone['id']}", json={"archived": True})
    assert r.status_code == 200, r.text
    await _task(owner, b["id"], name="zeta")
    await _task(owner, b["id"], name="alpha", status="in_progress")
    await _task(owner, b["id"], name="done already", status="done")
    await _task(owner, a["id"], name="only")
    theirs = await create_project(stranger, name="A theirs")
    await _task(stranger, theirs["id"], name="not yours")
    items = (await member.get("/api/v1/projects/active")).json()["items"]
    assert [(p["name"], [t["name"] for t in p["tasks"]]) for p in items] == [
        ("A project", ["only"]),
        ("B project", ["alpha", "zeta"]),
        ("C project", []),
    ]
    alpha = items[1]["tasks"][0]
    assert (alpha["projectId"], alpha["archived"], alpha["status"]) == (
        b["id"],
        False,
        "in_progress",
    )
    assert empty["id"] == items[2]["id"]
