"""The timer and time entries through the `hubnity` command line."""

from __future__ import annotations

import time
from datetime import date, timedelta

from tests.e2e.cli.conftest import Cli, register


def test_timer_start_pause_resume_stop_by_project_and_task_name(server, cli: Cli):
    org = register(server, "Org Timer")
    project = org.post("/api/v1/projects", {"name": "Apollo"})
    task = org.post(f"/api/v1/projects/{project['id']}/tasks", {"name": "Release notes"})
    cli.login("work", org)

    assert cli.ok("timer", "status") == "No timer is running.\n"
    started = cli.json(
        "timer", "start", "--project", "apollo", "--task", "release notes", "-d", "writing"
    )
    assert started["state"] == "running"
    entry = started["entry"]
    assert (entry["projectId"], entry["taskId"], entry["source"]) == (
        project["id"],
        task["id"],
        "web",
    )
    shown, api = cli.json("timer", "status"), org.get("/api/v1/timer")
    # The same answer; a running entry's duration grows between the two reads.
    assert shown["entry"].pop("durationSeconds") <= api["entry"].pop("durationSeconds")
    assert shown == api
    line = cli.ok("timer", "status")
    assert line.startswith("Running: Apollo - writing, since ")
    twice = cli.run("timer", "start", "--project", "Apollo")
    assert twice.returncode == 1 and "already running" in twice.stderr
    assert cli.json("timer", "pause")["state"] == "paused"
    assert cli.ok("timer", "status").startswith("Paused: Apollo - writing")
    # A real break: classes compare whole seconds, and a resume within the
    # second of the pause is no gap (it was, on a fast machine).
    time.sleep(1.1)
    resumed = cli.json("timer", "resume")
    assert resumed["state"] == "running" and resumed["entry"]["id"] != entry["id"]
    stopped = cli.json("timer", "stop")
    assert stopped["state"] == "idle" and stopped["entry"]["id"] == resumed["entry"]["id"]
    idle = cli.run("timer", "stop")
    assert idle.returncode == 1 and idle.stderr.startswith("hubnity: no timer is running")
    today = cli.json("entries", "list", "--from", "today")
    assert [e["id"] for e in today] == [entry["id"], resumed["entry"]["id"]]
    assert [e["entryClass"] for e in today] == ["daybreak", "pause"]
    unknown = cli.run("timer", "start", "--project", "Apollo", "--task", "Nope")
    assert unknown.returncode == 4 and "no task named 'Nope'" in unknown.stderr


def test_entries_add_edit_delete_with_dates_and_durations(server, cli: Cli):
    org = register(server, "Org Entries")
    org.post("/api/v1/projects", {"name": "Apollo"})
    org.post("/api/v1/projects", {"name": "Borealis"})
    member = org.invite(name="Max")
    cli.login("work", org)
    cli.login("max", member)

    added = cli.json(
        "entries",
        "add",
        "--project",
        "Apollo",
        "--start",
        "yesterday 09:00",
        "--duration",
        "1h30m",
        "-d",
        "planning",
        "--ticket",
        "FIN-42",
    )
    assert added["durationSeconds"] == 5400 and added["source"] == "manual"
    assert added["ticketKey"] == "FIN-42" and added["description"] == "planning"
    assert added == org.get(f"/api/v1/time-entries/{added['id']}")
    overlap = cli.run(
        "entries",
        "add",
        "--project",
        "Apollo",
        "--start",
        "yesterday 10:00",
        "--end",
        "yesterday 11:00",
    )
    assert overlap.returncode == 1 and f"overlaps entry {added['id']}" in overlap.stderr
    both = cli.run("entries", "add", "--project", "Apollo", "--start", "09:00")
    assert both.returncode == 2 and "--end or --duration" in both.stderr

    edited = cli.json(
        "entries",
        "edit",
        added["id"],
        "--end",
        "yesterday 11:00",
        "--project",
        "Borealis",
        "--clear",
        "description",
    )
    assert edited["durationSeconds"] == 7200 and edited["description"] is None
    table = cli.ok("entries", "list", "--from", "yesterday", "--to", "yesterday")
    assert "Borealis" in table and "2h 00m" in table and added["id"] in table
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    listed = cli.json("entries", "list", "--from", yesterday, "--to", "yesterday")
    assert [e["id"] for e in listed] == [added["id"]]
    assert (
        cli.json("entries", "list", "--from", "this-week", "--to", "this-week", "-p", "max") == []
    )
    foreign = cli.run("entries", "list", "--user", org.email, "-p", "max")
    assert foreign.returncode == 4
    hidden = cli.run("entries", "edit", added["id"], "-d", "mine now", "-p", "max")
    assert hidden.returncode == 4

    unconfirmed = cli.run("entries", "delete", added["id"])
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    assert cli.json("entries", "delete", added["id"], "--yes") == {"deleted": added["id"]}
    assert cli.run("entries", "edit", added["id"], "-d", "x").returncode == 4
    assert cli.json("entries", "list", "--from", "yesterday") == []
