"""`hubnity import csv` and `hubnity integrations` against a real server (and,
for a provider, the Toggl stand-in that follows Toggl's public API)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.e2e.cli.conftest import Cli, register
from tests.support.standins.base import serving
from tests.support.standins.toggl import TogglStandIn

TOKEN = "toggl-token-0123456789"
HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,"
    "End date,End time,Duration,Tags,Amount (USD)\n"
)


def _toggl_csv(email: str, day: date) -> str:
    d = day.isoformat()
    return HEADER + (
        f"Owner,{email},,Apollo,,design,Yes,{d},09:00:00,{d},10:30:00,01:30:00,,\n"
        f"Owner,{email},,Apollo,,broken,No,someday,11:00:00,{d},12:00:00,01:00:00,,\n"
    )


def test_import_csv_waits_for_the_run_and_prints_the_counts(server, cli: Cli):
    org = register(server, "Org Import")
    org.post("/api/v1/projects", {"name": "Apollo"})
    cli.login("work", org)
    day = date.today() - timedelta(days=2)
    (cli.home / "toggl.csv").write_text(_toggl_csv(org.email, day))

    dry = cli.json("import", "csv", "toggl.csv", "--format", "toggl", "--dry-run")
    assert dry["status"] == "done" and dry["dryRun"] and dry["counts"]["created"] == 1
    assert cli.json("entries", "list", "--from", day.isoformat()) == []

    proc = cli.run("import", "csv", "toggl.csv", "--format", "toggl", "--json")
    assert proc.returncode == 0, proc.stderr
    run = json.loads(proc.stdout)  # the progress bar went to stderr
    assert "Import toggl.csv" in proc.stderr
    assert run == org.get(f"/api/v1/integration-runs/{run['id']}")
    assert run["counts"]["created"] == 1 and run["counts"]["failed"] == 1
    assert [e["externalId"] for e in run["errors"]] == ["line:3"]
    imported = cli.json("entries", "list", "--from", day.isoformat(), "--source", "import")
    assert [(e["durationSeconds"], e["source"]) for e in imported] == [(5400, "import:csv_toggl")]

    again = cli.ok("import", "csv", "toggl.csv", "--format", "toggl")
    assert "Unchanged" in again and "line:3" in again  # the same file creates nothing
    assert len(cli.json("entries", "list", "--from", day.isoformat())) == 1

    listed = cli.json("integrations", "list")
    assert listed == org.get("/api/v1/integrations")["items"]
    assert [i["name"] for i in listed] == ["CSV import (toggl)"]
    runs = cli.json("integrations", "runs", "CSV import (toggl)")
    assert [r["id"] for r in runs][1] == run["id"] and len(runs) == 3

    bad = cli.run("import", "csv", "toggl.csv", "--format", "generic", "--mapping", "{nope")
    assert bad.returncode == 2 and "--mapping is not JSON" in bad.stderr
    member = org.invite()
    cli.login("member", member)
    refused = cli.run("import", "csv", "toggl.csv", "--format", "toggl", "-p", "member")
    assert refused.returncode == 1 and refused.stderr.startswith("hubnity: not allowed")


@pytest.fixture
def toggl():
    with serving(TogglStandIn(token=TOKEN)) as app:
        yield app


def test_integrations_run_shows_progress_until_the_run_ends(server, cli: Cli, toggl):
    org = register(server, "Org Toggl")
    uid = toggl.add_user(org.email, "Owner")
    project = toggl.add_project("Design")
    start = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
    start -= timedelta(days=3)
    for i in range(5):
        toggl.add_entry(uid, start + timedelta(hours=i), 1800, project_id=project)
    org.post(
        "/api/v1/integrations",
        {
            "provider": "toggl",
            "name": "Toggl",
            "baseUrl": toggl.url,
            "credentials": {"apiToken": TOKEN},
            "settings": {"workspaceId": 777, "pageSize": 2, "createProjects": True},
        },
    )
    cli.login("work", org)

    proc = cli.run(
        "integrations",
        "run",
        "toggl",
        "--from",
        (start.date() - timedelta(days=1)).isoformat(),
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    run = json.loads(proc.stdout)
    assert "Run toggl" in proc.stderr and "done" in proc.stderr
    assert run["status"] == "done" and run["counts"]["created"] == 5
    assert run["progress"]["pagesDone"] >= 3
    assert run == org.get(f"/api/v1/integration-runs/{run['id']}")
    table = cli.ok("integrations", "list")
    assert "Toggl" in table and "toggl" in table
    missing = cli.run("integrations", "run", "Harvest")
    assert missing.returncode == 4 and "no integration named 'Harvest'" in missing.stderr
