"""The timer bar on every page (start, pause, resume, stop; the desktop agent's
tracking shown and not stoppable), and My time's manual entries (add, edit,
delete, overlap and locked weeks refused in words, gaps visible). On SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.integration.reports.helpers import entry, person, sync
from tests.integration.web.pages import post_form, web_sign_in
from tests.support.api import create_project, register


def _state(html: str) -> str:
    return html.split('data-testid="timer" data-state="')[1].split('"')[0]


async def test_timer_bar_start_pause_resume_stop(client) -> None:
    owner = await register(client)
    mia = await person(owner, "Mia Member")
    project = await create_project(owner, "Apollo")
    task = (
        await owner.post(f"/api/v1/projects/{project['id']}/tasks", json={"name": "Header"})
    ).json()
    support = (await owner.post("/api/v1/activities", json={"name": "Support"})).json()
    csrf = await web_sign_in(client, mia.email)
    for path in ("/app/time", "/app/tasks", "/app/projects", "/app/analytics"):
        html = (await client.get(path)).text
        assert _state(html) == "idle" and "Apollo \u203a Header" in html, path

    r = await post_form(client, csrf, "/app/timer/start", project="", back="/app/tasks")
    assert r.status_code == 400 and "choose a project" in r.text
    # Without the form's token (another site's form): refused, nothing started.
    r = await client.post("/app/timer/start", data={"project": project["id"]})
    assert r.status_code == 403
    assert (await mia.get("/api/v1/timer")).json()["state"] == "idle"
    r = await post_form(
        client,
        csrf,
        "/app/timer/start",
        project=f"{project['id']}/{task['id']}",
        description="Draft the <b>header</b>",
        activity=support["id"],
        back="/app/tasks",
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/app/tasks?")
    html = (await client.get("/app/tasks")).text
    assert _state(html) == "running" and 'data-testid="timer-clock"' in html
    assert "Draft the &lt;b&gt;header&lt;/b&gt;" in html and "Header" in html
    timer = (await mia.get("/api/v1/timer")).json()
    assert timer["state"] == "running" and timer["entry"]["source"] == "web"
    assert timer["entry"]["taskId"] == task["id"]
    assert timer["entry"]["activityId"] == support["id"]

    r = await post_form(client, csrf, "/app/timer/start", project=project["id"], back="/app")
    assert r.status_code == 409 and "already running" in r.text
    r = await post_form(client, csrf, "/app/timer/pause", back="https://evil.example/")
    assert r.status_code == 303 and r.headers["location"].startswith("/app/time?")
    assert _state((await client.get("/app/time")).text) == "paused"
    r = await post_form(client, csrf, "/app/timer/resume", back="/app/time")
    assert _state((await client.get("/app/time")).text) == "running"
    r = await post_form(client, csrf, "/app/timer/stop", back="/app/time")
    page = await client.get(r.headers["location"])
    assert _state(page.text) == "idle" and "Timer stopped." in page.text
    assert (await mia.get("/api/v1/timer")).json()["state"] == "idle"
    # The week shows both pieces, from the web.
    assert page.text.count('<span class="tag source">web</span>') == 2
    r = await post_form(client, csrf, "/app/timer/stop", back="/app/time")
    assert r.status_code == 409 and "no timer is running" in r.text
    client.cookies.clear()


async def test_agent_tracking_shows_and_cannot_be_stopped_from_the_web(client) -> None:
    owner = await register(client)
    project = await create_project(owner, "Apollo")
    now = datetime.now(UTC).replace(microsecond=0)
    await sync(owner, [entry(now - timedelta(minutes=20), now, project["id"], status="RUNNING")])
    csrf = await web_sign_in(client, owner.email)
    html = (await client.get("/app/time")).text
    assert _state(html) == "running" and "The desktop agent is tracking" in html
    assert 'data-testid="timer-stop"' not in html
    r = await post_form(client, csrf, "/app/timer/start", project=project["id"], back="/app")
    assert r.status_code == 409 and "desktop agent" in r.text
    client.cookies.clear()


async def test_manual_entries_add_edit_delete_gaps_overlap_and_locked(client) -> None:
    owner = await register(client, timezone="Europe/Berlin")
    manager = await person(owner, "Max Manager")
    mia = await person(owner, "Mia Member", timezone="America/New_York")
    team = (await owner.post("/api/v1/teams", json={"name": "Crew"})).json()
    for who, role in ((manager, "MANAGER"), (mia, "MEMBER")):
        await owner.post(
            f"/api/v1/teams/{team['id']}/members", json={"userId": who.user_id, "role": role}
        )
    project = await create_project(owner, "Apollo")
    today = datetime.now(UTC).date()
    monday = today - timedelta(days=today.weekday() + 7)  # last week's Monday
    day = (monday + timedelta(days=2)).isoformat()
    csrf = await web_sign_in(client, mia.email)
    add = {"date": day, "project": project["id"]}
    r = await post_form(client, csrf, "/app/time/entries", **add, start="09:00", end="10:30")
    assert r.status_code == 303 and f"week={monday.isoformat()}" in r.headers["location"]
    r = await post_form(
        client, csrf, "/app/time/entries", **add, start="11:00", end="12:00", description="Calls"
    )
    assert r.status_code == 303
    items = (await mia.get("/api/v1/time-entries")).json()["items"]
    first = next(i for i in items if i["description"] is None)
    # New York local time: 09:00 EST/EDT is 13:00 or 14:00 UTC.
    assert first["startTime"][11:16] in ("13:00", "14:00") and first["source"] == "manual"
    assert first["durationSeconds"] == 5400
    week = (await client.get(f"/app/time?week={day}")).text
    assert "gap of 0h 30m" in week and 'class="entry class-pause' in week
    assert "2h 30m" in week  # the week's total

    r = await post_form(client, csrf, "/app/time/entries", **add, start="10:00", end="11:30")
    assert r.status_code == 409 and "overlap" in r.text.lower()
    assert 'value="10:00"' in r.text  # what was typed stays
    r = await post_form(client, csrf, "/app/time/entries", **add, start="10:00", end="10:00")
    assert r.status_code == 400
    r = await post_form(client, csrf, "/app/time/entries", **add, start="9 am", end="10:00")
    assert r.status_code == 400 and "like 09:30" in r.text

    edit = await client.get(f"/app/time/entries/{first['id']}")
    assert edit.status_code == 200 and 'value="09:00"' in edit.text
    r = await post_form(
        client,
        csrf,
        f"/app/time/entries/{first['id']}",
        date=day,
        start="08:30",
        end="10:30",
        project=project["id"],
        description="Planning",
    )
    assert r.status_code == 303
    got = (await mia.get(f"/api/v1/time-entries/{first['id']}")).json()
    assert got["durationSeconds"] == 7200 and got["description"] == "Planning"
    second = next(i for i in items if i["description"] == "Calls")
    r = await post_form(client, csrf, f"/app/time/entries/{second['id']}/delete")
    assert r.status_code == 303
    assert (await mia.get(f"/api/v1/time-entries/{second['id']}")).status_code == 404

    # Submitted and approved: the week is locked, its forms refuse in words.
    r = await post_form(client, csrf, "/app/time/submit", week=monday.isoformat())
    sheet = (await mia.get("/api/v1/timesheets")).json()["items"][0]
    csrf_manager = await web_sign_in(client, manager.email)
    r = await post_form(client, csrf_manager, f"/app/approvals/{sheet['id']}/approve")
    assert r.status_code == 303
    csrf = await web_sign_in(client, mia.email)
    week = (await client.get(f"/app/time?week={day}")).text
    assert "Approved" in week and 'class="tag locked"' in week
    assert 'data-testid="entry-form"' not in week and "Edit</a>" not in week
    r = await post_form(client, csrf, "/app/time/entries", **add, start="14:00", end="15:00")
    assert r.status_code == 409 and "locked" in r.text
    r = await post_form(client, csrf, f"/app/time/entries/{first['id']}/delete")
    assert r.status_code == 409 and "locked" in r.text
    assert (await mia.get(f"/api/v1/time-entries/{first['id']}")).status_code == 200

    # Someone else's entry: 404, like one that does not exist.
    stranger = await register(client, org_name="Elsewhere")
    await web_sign_in(client, stranger.email)
    assert (await client.get(f"/app/time/entries/{first['id']}")).status_code == 404
    client.cookies.clear()


async def test_a_manager_adds_time_for_their_team_in_the_persons_zone(client) -> None:
    owner = await register(client)
    manager = await person(owner, "Max Manager")
    mia = await person(owner, "Mia Member", timezone="Asia/Tokyo")
    ned = await person(owner, "Ned Member")
    team = (await owner.post("/api/v1/teams", json={"name": "Crew"})).json()
    for who, role in ((manager, "MANAGER"), (mia, "MEMBER")):
        await owner.post(
            f"/api/v1/teams/{team['id']}/members", json={"userId": who.user_id, "role": role}
        )
    project = await create_project(owner, "Apollo")
    day = (datetime.now(UTC).date() - timedelta(days=3)).isoformat()
    csrf = await web_sign_in(client, manager.email)
    page = await client.get(f"/app/time?user={mia.user_id}&week={day}")
    assert "Add time for Mia Member" in page.text
    form = {"date": day, "start": "09:00", "end": "10:00", "project": project["id"]}
    r = await post_form(client, csrf, "/app/time/entries", **form, user=mia.user_id)
    assert r.status_code == 303 and f"user={mia.user_id}" in r.headers["location"]
    added = (await mia.get("/api/v1/time-entries")).json()["items"]
    assert len(added) == 1 and added[0]["startTime"].startswith(f"{day}T00:00")  # 09:00 JST
    # Ned is in no team of Max: refused like an unknown person, nothing written.
    r = await post_form(client, csrf, "/app/time/entries", **form, user=ned.user_id)
    assert r.status_code == 404
    assert (await ned.get("/api/v1/time-entries")).json()["items"] == []
    csrf = await web_sign_in(client, ned.email)
    r = await post_form(client, csrf, "/app/time/entries", **form, user=mia.user_id)
    assert r.status_code == 404
    client.cookies.clear()
