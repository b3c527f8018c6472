"""Timesheets and analytics through the `hubnity` command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.e2e.cli.conftest import Cli, Org, register
from tests.support.sync import activity, batch, entry, minutes_of


def _track(person: Org, project_id: str, start: datetime, minutes: int) -> None:
    item = entry(start, minutes, project_id=project_id, timezone="UTC")
    acts = [activity(item["idempotencyKey"], m) for m in minutes_of(start, minutes)]
    assert person.post("/api/v1/sync/batch", batch([item], acts))["processed"] == 1


def _last_monday() -> date:
    today = date.today()
    return today - timedelta(days=today.weekday() + 7)


def test_submit_approve_reject_and_reopen_weeks(server, cli: Cli):
    boss = register(server, "Org Sheets")
    ann = boss.invite(name="Ann")
    project = boss.post("/api/v1/projects", {"name": "Apollo"})
    monday = _last_monday()
    _track(ann, project["id"], datetime(monday.year, monday.month, monday.day, 9, tzinfo=UTC), 120)
    cli.login("boss", boss)
    cli.login("ann", ann)

    sheet = cli.json("timesheets", "submit", "--week", "last-week", "-p", "ann")
    assert sheet["weekStart"] == monday.isoformat() and sheet["status"] == "submitted"
    assert sheet["trackedSeconds"] == 7200 and sheet["userName"] == "Ann"
    again = cli.run("timesheets", "submit", "--week", monday.isoformat(), "-p", "ann")
    assert again.returncode == 1 and again.stderr.startswith("hubnity: ")

    pending = cli.json("timesheets", "list", "--status", "submitted", "-p", "boss")
    assert pending == boss.get("/api/v1/timesheets", params={"status": "submitted"})["items"]
    assert [t["id"] for t in pending] == [sheet["id"]]
    own = cli.run("timesheets", "approve", sheet["id"], "-p", "ann")
    assert own.returncode == 1 and own.stderr.startswith("hubnity: not allowed: ")

    rejected = cli.json("timesheets", "reject", sheet["id"], "--reason", "Friday?", "-p", "boss")
    assert rejected["status"] == "rejected" and rejected["reason"] == "Friday?"
    cli.ok("timesheets", "submit", "--week", "last-week", "-p", "ann")
    line = cli.ok("timesheets", "approve", sheet["id"], "-p", "boss")
    assert line == f"Ann, week of {monday.isoformat()}: approved.\n"
    assert cli.json("timesheets", "show", sheet["id"], "-p", "ann")["status"] == "approved"
    table = cli.ok("timesheets", "list", "--user", ann.email, "-p", "boss")
    assert "approved" in table and "2h 00m" in table
    reopened = cli.json("timesheets", "reopen", sheet["id"], "--reason", "typo", "-p", "boss")
    assert reopened["status"] == "reopened"
    missing = cli.run("timesheets", "show", "6f1c0a52-0000-4000-8000-000000000000", "-p", "ann")
    assert missing.returncode == 4


def test_report_analytics_is_the_apis_dashboard(server, cli: Cli):
    boss = register(server, "Org Analytics")
    project = boss.post(
        "/api/v1/projects",
        {"name": "Apollo", "billable": True, "hourlyRate": "100.00", "budgetSeconds": 36000},
    )
    yesterday = date.today() - timedelta(days=1)
    _track(
        boss,
        project["id"],
        datetime(yesterday.year, yesterday.month, yesterday.day, 9, tzinfo=UTC),
        90,
    )
    cli.login("boss", boss)
    params = {"from": yesterday.isoformat(), "to": date.today().isoformat()}
    data = cli.json("report", "analytics", "--from", "yesterday", "--to", "today")
    assert data == boss.get("/api/v1/analytics/dashboard", params=params)
    assert data["trackedSeconds"] == 5400 and data["billableSeconds"] == 5400
    table = cli.ok("report", "analytics", "--from", "yesterday", "--to", "today")
    assert "1h 30m" in table and "150.00 EUR" in table and "Apollo" in table
    budget = cli.json("report", "analytics", "--project", "Apollo")
    assert budget == boss.get(f"/api/v1/analytics/projects/{project['id']}")
    assert budget["remainingSeconds"] == 36000 - 5400
    assert "8h 30m" in cli.ok("report", "analytics", "--project", "apollo")
