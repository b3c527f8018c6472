"""The web/CLI timer: start, pause, resume, stop, status; one running entry per
user whatever its source. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from server.db.models import TimeEntry
from tests.support.api import create_project, register
from tests.support.sync import batch, entry

T = "/api/v1/timer"


async def test_start_pause_resume_stop(client):
    owner = await register(client)
    project = await create_project(owner)
    assert (await owner.get(T)).json() == {"state": "idle", "entry": None}
    r = await owner.post(f"{T}/start", json={"projectId": project["id"], "description": "notes"})
    assert r.status_code == 201, r.text
    first = r.json()["entry"]
    assert r.json()["state"] == "running" and first["endTime"] is None
    assert first["source"] == "web" and first["description"] == "notes"
    again = await owner.post(f"{T}/start", json={"projectId": project["id"]})
    assert again.status_code == 409 and first["id"] in again.json()["detail"]
    assert (await owner.post(f"{T}/resume")).status_code == 409

    paused = await owner.post(f"{T}/pause")
    assert paused.status_code == 200 and paused.json()["state"] == "paused"
    assert paused.json()["entry"]["status"] == "PAUSED"
    assert paused.json()["entry"]["endTime"] is not None
    assert (await owner.get(T)).json()["state"] == "paused"
    assert (await owner.post(f"{T}/pause")).status_code == 409

    resumed = await owner.post(f"{T}/resume")
    assert resumed.status_code == 200 and resumed.json()["state"] == "running"
    second = resumed.json()["entry"]
    assert second["id"] != first["id"] and second["description"] == "notes"
    assert second["projectId"] == project["id"]

    stopped = await owner.post(f"{T}/stop")
    assert stopped.status_code == 200 and stopped.json()["state"] == "idle"
    assert stopped.json()["entry"]["id"] == second["id"]
    assert stopped.json()["entry"]["status"] == "STOPPED"
    assert (await owner.get(T)).json() == {"state": "idle", "entry": None}
    for action in ("stop", "pause", "resume"):
        r = await owner.post(f"{T}/{action}")
        assert r.status_code == 409 and r.json()["extra"]["code"] == "timer_state"
    statuses = [i["status"] for i in (await owner.get("/api/v1/time-entries")).json()["items"]]
    assert statuses == ["STOPPED", "STOPPED"]  # the pause ended when it resumed


async def test_stop_while_paused_and_start_while_paused(client):
    owner = await register(client)
    project = await create_project(owner)
    await owner.post(f"{T}/start", json={"projectId": project["id"]})
    await owner.post(f"{T}/pause")
    r = await owner.post(f"{T}/start", json={"projectId": project["id"]})
    assert r.status_code == 201  # a new start ends the pause
    await owner.post(f"{T}/pause")
    r = await owner.post(f"{T}/stop")
    assert r.status_code == 200 and r.json()["entry"]["status"] == "STOPPED"
    assert (await owner.get(T)).json()["state"] == "idle"


async def test_bad_start_bodies(client):
    owner, stranger = await register(client), await register(client)
    project = await create_project(owner)
    foreign = await create_project(stranger)
    assert (await owner.post(f"{T}/start", json={"projectId": foreign["id"]})).status_code == 404
    assert (await owner.post(f"{T}/start", json={"projectId": "x"})).status_code == 400
    assert (await owner.post(f"{T}/start", json={})).status_code == 400
    r = await owner.post(
        f"{T}/start", json={"projectId": project["id"], "taskId": str(uuid.uuid4())}
    )
    assert r.status_code == 404
    await owner.delete(f"/api/v1/projects/{project['id']}")
    r = await owner.post(f"{T}/start", json={"projectId": project["id"]})
    assert r.status_code == 400 and "archived" in r.json()["detail"]
    assert (await owner.get(T)).json()["state"] == "idle"


async def test_two_concurrent_starts_leave_one_running_entry(client, db):
    owner = await register(client)
    project = await create_project(owner)
    results = await asyncio.gather(
        *[owner.post(f"{T}/start", json={"projectId": project["id"]}) for _ in range(4)]
    )
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409]
    async with db() as s:
        open_rows = (
            await s.execute(
                select(TimeEntry).where(
                    TimeEntry.user_id == uuid.UUID(owner.user_id), TimeEntry.end_time.is_(None)
                )
            )
        ).all()
        assert len(open_rows) == 1


async def test_web_timer_refused_while_the_agent_tracks(client):
    owner = await register(client)
    project = await create_project(owner)
    now = datetime.now(UTC)
    live = entry(now - timedelta(minutes=20), 19, project_id=project["id"], status="RUNNING")
    await owner.post("/api/v1/sync/batch", json=batch([live], device="laptop-1"))
    state = (await owner.get(T)).json()
    assert state["state"] == "running" and state["entry"]["source"] == "agent"
    r = await owner.post(f"{T}/start", json={"projectId": project["id"]})
    assert r.status_code == 409
    assert r.json()["extra"]["code"] == "agent_tracking"
    assert "laptop-1" in r.json()["detail"] and state["entry"]["id"] in r.json()["detail"]
    assert (await owner.post(f"{T}/stop")).json()["extra"]["code"] == "agent_tracking"
    # The agent stops (its last revision): the web timer may start.
    done = {**live, "revision": 2, "status": "STOPPED", "endTime": now.isoformat()}
    await owner.post("/api/v1/sync/batch", json=batch([done], device="laptop-1"))
    assert (await owner.post(f"{T}/start", json={"projectId": project["id"]})).status_code == 201


async def test_agent_time_over_a_running_web_timer_ends_the_timer(client):
    owner = await register(client)
    project = await create_project(owner)
    r = await owner.post(f"{T}/start", json={"projectId": project["id"]})
    timer = r.json()["entry"]
    await asyncio.sleep(0.05)
    began = datetime.now(UTC)
    agent = entry(began, 0, project_id=project["id"], status="RUNNING", endTime=None)
    res = (await owner.post("/api/v1/sync/batch", json=batch([agent]))).json()
    assert res["processed"] == 1 and res["conflicts"] == []
    ended = (await owner.get(f"/api/v1/time-entries/{timer['id']}")).json()
    assert ended["status"] == "STOPPED"
    assert datetime.fromisoformat(ended["endTime"]) == began
    state = (await owner.get(T)).json()
    assert state["state"] == "running" and state["entry"]["source"] == "agent"
    # Agent time older than the timer's start does not end it: a plain overlap.
    await owner.post(f"{T}/stop")
    # (the agent entry is live: stop is refused; close the agent entry first)
    closed = {**agent, "revision": 2, "status": "STOPPED", "endTime": datetime.now(UTC).isoformat()}
    await owner.post("/api/v1/sync/batch", json=batch([closed]))
    r = await owner.post(f"{T}/start", json={"projectId": project["id"]})
    assert r.status_code == 201
    late = entry(
        began - timedelta(hours=2), 0, project_id=project["id"], status="RUNNING", endTime=None
    )
    res = (await owner.post("/api/v1/sync/batch", json=batch([late]))).json()
    assert [c["reason"] for c in res["conflicts"]] == ["overlap"]
    assert (await owner.get(T)).json()["state"] == "running"


async def test_a_timer_forgotten_for_weeks_ends_at_the_longest_an_entry_may_last(client, db):
    owner = await register(client)
    project = await create_project(owner)
    r = await owner.post(f"{T}/start", json={"projectId": project["id"]})
    entry_id = uuid.UUID(r.json()["entry"]["id"])
    began = datetime.now(UTC) - timedelta(days=40)
    async with db() as s:
        row = await s.get(TimeEntry, entry_id)
        row.start_time = began
        await s.commit()
    stopped = (await owner.post(f"{T}/stop")).json()["entry"]
    assert stopped["durationSeconds"] == 31 * 86400
    assert datetime.fromisoformat(stopped["endTime"]) == began + timedelta(days=31)
