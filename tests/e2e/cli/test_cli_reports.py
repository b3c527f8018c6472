"""Reports, exports and tasks through the `hubnity` command line: its --json
is the API's answer, its tables are for people, its progress stays on stderr."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import openpyxl

from tests.e2e.cli.conftest import Cli, Org, register
from tests.support.sync import activity, batch, entry, minutes_of


def _track(org: Org, project_id: str, start: datetime, minutes: int) -> None:
    item = entry(start, minutes, project_id=project_id, timezone="UTC")
    acts = [activity(item["idempotencyKey"], m, active=30) for m in minutes_of(start, minutes)]
    result = org.post("/api/v1/sync/batch", batch([item], acts))
    assert result["processed"] == 1, result


def _yesterday_at(hour: int) -> datetime:
    day = date.today() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def test_json_output_is_the_apis_answer(server, cli: Cli):
    org = register(server, "Org Json")
    project = org.post("/api/v1/projects", {"name": "Apollo"})
    _track(org, project["id"], _yesterday_at(9), 90)
    cli.login("work", org)
    yesterday = (date.today() - timedelta(days=1)).isoformat()

    daily = cli.json("report", "daily", "--from", "yesterday", "--to", "yesterday")
    assert daily == org.get("/api/v1/reports/daily", params={"from": yesterday, "to": yesterday})
    assert daily["trackedSeconds"] == 5400 and daily["days"][0]["projects"][0]["name"] == "Apollo"
    team = cli.json("report", "team", "--from", yesterday, "--to", "today")
    api_team = org.get("/api/v1/reports/team", params={"from": yesterday, "to": date.today()})
    assert team == api_team and team["items"][0]["trackedSeconds"] == 5400
    assert cli.json("whoami") == org.get("/api/v1/auth/me")

    org.post(f"/api/v1/projects/{project['id']}/tasks", {"name": "Design", "priority": "high"})
    listed = cli.json("tasks", "list", "--project", "Apollo")
    assert listed == org.get("/api/v1/tasks", params={"projectId": project["id"]})["items"]
    # The table is for people: human durations, no seconds.
    table = cli.ok("report", "daily", "--from", "yesterday", "--to", "yesterday")
    assert "1h 30m" in table and "Apollo 1h 30m" in table and "5400" not in table
    # --quiet prints only what a script needs.
    assert cli.ok("tasks", "list", "-q") == listed[0]["id"] + "\n"


def test_tasks_add_and_status_by_project_name(server, cli: Cli):
    org = register(server, "Org Tasks")
    org.post("/api/v1/projects", {"name": "Apollo"})
    cli.login("work", org)
    task = cli.json(
        "tasks",
        "add",
        "Write notes",
        "--project",
        "apollo",
        "--priority",
        "urgent",
        "--estimate",
        "1h30m",
        "--due",
        "2026-12-24",
        "--assignee",
        "me",
        "--tag",
        "docs",
    )
    assert task["estimateSeconds"] == 5400 and task["priority"] == "urgent"
    assert task["dueDate"] == "2026-12-24" and task["tags"] == ["docs"]
    assert task["assigneeId"] == org.get("/api/v1/auth/me")["id"]
    assert "Write notes: done." in cli.ok("tasks", "status", task["id"], "done")
    assert cli.json("tasks", "list", "--status", "done")[0]["doneAt"]
    proc = cli.run("tasks", "add", "X", "--project", "Apollo", "--estimate", "soon")
    assert proc.returncode == 2 and "not a duration" in proc.stderr


def test_export_waits_with_progress_on_stderr_then_downloads(server, cli: Cli):
    org = register(server, "Org Export")
    project = org.post("/api/v1/projects", {"name": "=Formula"})
    _track(org, project["id"], _yesterday_at(8), 60)
    _track(org, project["id"], _yesterday_at(10), 45)
    cli.login("work", org)

    proc = cli.run(
        "export", "--format", "csv", "--from", "yesterday", "--out", "week.csv", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    job = json.loads(proc.stdout)  # stdout is only the JSON document
    assert job["status"] == "DONE" and job["rowCount"] == 2
    assert job["file"] == "week.csv" and "Export csv" in proc.stderr
    assert job == {
        **org.get(f"/api/v1/reports/exports/{job['id']}"),
        "file": "week.csv",
        "bytes": job["bytes"],
    }
    text = (cli.home / "week.csv").read_bytes()
    assert len(text) == job["bytes"] and text.startswith(b"\xef\xbb\xbfDate,Person")
    assert b"'=Formula" in text
    assert not list(cli.home.glob("*.part"))

    out = cli.ok(
        "export", "--format", "xlsx", "--from", "yesterday", "--to", "today", "--out", "week.xlsx"
    )
    assert out.startswith("Wrote week.xlsx (2 rows")
    sheet = openpyxl.load_workbook(io.BytesIO((cli.home / "week.xlsx").read_bytes())).active
    assert sheet is not None and sheet.max_row == 3
    grouped = cli.json(
        "export",
        "--format",
        "csv",
        "--from",
        "yesterday",
        "--group-by",
        "project",
        "--out",
        "grouped.csv",
    )
    assert grouped["rowCount"] == 2
    assert (cli.home / "grouped.csv").read_bytes().startswith(b"\xef\xbb\xbfGroup,Date")
    pdf = cli.run(
        "export",
        "--format",
        "pdf",
        "--from",
        "yesterday",
        "--group-by",
        "project",
        "--out",
        "invoice.pdf",
    )
    assert pdf.returncode == 0, pdf.stderr
    assert (cli.home / "invoice.pdf").read_bytes().startswith(b"%PDF-")
    quiet = cli.run("export", "--format", "csv", "--out", "q.csv", "--quiet")
    assert quiet.returncode == 0 and quiet.stdout == "q.csv\n" and quiet.stderr == ""


def test_usage_not_found_and_server_refusals_have_their_exit_codes(server, cli: Cli):
    org = register(server, "Org Codes")
    cli.login("work", org)
    bad_date = cli.run("report", "daily", "--from", "someday")
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr
    unknown = cli.run("tasks", "status", "6f1c0a52-0000-4000-8000-000000000000", "done")
    assert unknown.returncode == 4 and unknown.stderr.startswith("hubnity: not found")
    no_project = cli.run("tasks", "list", "--project", "Nowhere")
    assert no_project.returncode == 4
    too_long = cli.run("report", "daily", "--from", "2024-01-01", "--to", "2026-01-01")
    assert too_long.returncode == 1 and too_long.stderr.count("\n") == 1
    assert too_long.stderr.startswith("hubnity: ") and "366" in too_long.stderr
    assert cli.run("nonsense").returncode == 2
