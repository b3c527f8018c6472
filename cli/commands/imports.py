"""`import csv FILE` and `integrations list|runs|run ID`: the imports API.
A run is a job on the server; the command waits for it with a progress bar
on stderr (pages done of pages known) and then prints the counts."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from cli.client import Api
from cli.context import State, common, pass_state
from cli.dates import FROM, TO
from cli.errors import CliError, UsageError
from cli.resolve import by_id_or_name

COUNTS = ["fetched", "created", "updated", "unchanged", "deleted", "skipped", "conflicts", "failed"]
POLL_SECONDS = 0.5


def wait_for_run(state: State, api: Api, run_id: str, label: str, wait_seconds: int) -> Any:
    deadline = time.monotonic() + wait_seconds
    with state.out.progress(label) as update:
        while True:
            run = api.get(f"/api/v1/integration-runs/{run_id}")
            progress = run.get("progress") or {}
            update(
                completed=progress.get("pagesDone") or 0,
                total=progress.get("pagesTotal"),
                status=run["status"],
            )
            if run["status"] in ("done", "failed"):
                return run
            if time.monotonic() > deadline:
                raise CliError(
                    f"run {run_id} is still {run['status']} after {wait_seconds} s; "
                    f"see it later with hubnity integrations runs {run['integrationId']}"
                )
            time.sleep(POLL_SECONDS)


def show_run(state: State, run: dict[str, Any]) -> None:
    """The counts (and the first errors); a run that failed as a whole is exit 1."""

    def render() -> None:
        dry = " (dry run: nothing written)" if run.get("dryRun") else ""
        state.out.table(
            [c.capitalize() for c in COUNTS],
            [[run["counts"].get(c, 0) for c in COUNTS]],
            title=f"Run {run['id']}: {run['status']}{dry}",
        )
        if run.get("errors"):
            state.out.table(
                ["Record", "Problem"],
                [[e.get("externalId"), e.get("detail")] for e in run["errors"][:20]],
            )
            if len(run["errors"]) > 20:
                state.out.line(f"... and {len(run['errors']) - 20} more (--json lists them all)")

    state.out.result(run, render, quiet=run["id"])
    if run["status"] == "failed":
        raise CliError(f"run {run['id']} failed: {run.get('detail') or 'no reason given'}")


def _json_option(value: str | None, name: str) -> str | None:
    """JSON text, or @FILE holding it; checked here so the mistake is a usage error."""
    if value is None:
        return None
    text = Path(value[1:]).read_text(encoding="utf-8") if value.startswith("@") else value
    try:
        json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{name} is not JSON: {exc}") from None
    return text


@click.group("import")
def import_group() -> None:
    """Import time from files (ADMIN/OWNER).

    \b
    Example:
      hubnity import csv toggl-detailed.csv --format toggl
    """


@import_group.command("csv")
@common
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["toggl", "clockify", "generic"]),
    required=True,
    help="Toggl or Clockify detailed report, or generic with --mapping.",
)
@click.option(
    "--mapping",
    metavar="JSON|@FILE",
    help='generic: column names, e.g. \'{"email": "Mail", "start": "From"}\'.',
)
@click.option("--timezone", metavar="ZONE", help="Zone of the file's local times (default UTC).")
@click.option("--date-format", metavar="FORMAT", help="Clockify: YYYY-MM-DD, MM/DD/YYYY, ...")
@click.option(
    "--duration-unit",
    type=click.Choice(["hours", "minutes", "seconds"]),
    help="generic: unit of plain numbers in the duration column.",
)
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
@click.option("--integration", metavar="ID|NAME", help="Import into this CSV integration.")
@click.option("--wait", "wait_seconds", type=click.IntRange(1), default=3600, show_default=True)
@pass_state
def import_csv(
    state: State,
    file: Path,
    fmt: str,
    mapping: str | None,
    timezone: str | None,
    date_format: str | None,
    duration_unit: str | None,
    dry_run: bool,
    integration: str | None,
    wait_seconds: int,
) -> None:
    """Upload a CSV file, wait for its import run (progress on stderr), print the counts.

    \b
    Example:
      hubnity import csv toggl.csv --format toggl --timezone Europe/Berlin --dry-run
      hubnity import csv sheet.csv --format generic --mapping @columns.json --json
    """
    api = state.api
    options = {"timezone": timezone, "dateFormat": date_format, "durationUnit": duration_unit}
    fields: dict[str, str] = {"format": fmt, "dryRun": "true" if dry_run else "false"}
    if mapping := _json_option(mapping, "--mapping"):
        fields["mapping"] = mapping
    if any(options.values()):
        fields["options"] = json.dumps({k: v for k, v in options.items() if v})
    if integration:
        fields["integrationId"] = by_id_or_name(
            api, "/api/v1/integrations", integration, "integration"
        )
    with open(file, "rb") as handle:
        accepted = api.post(
            "/api/v1/imports/csv", data=fields, files={"file": (file.name, handle, "text/csv")}
        )
    run = wait_for_run(state, api, accepted["id"], f"Import {file.name}", wait_seconds)
    show_run(state, run)


@click.group()
def integrations() -> None:
    """Connections to other trackers (Toggl, Clockify, Tempo, CSV) and their runs (ADMIN/OWNER).

    \b
    Example:
      hubnity integrations list
      hubnity integrations run Toggl --from 2026-11-01
    """


@integrations.command("list")
@common
@pass_state
def list_integrations(state: State) -> None:
    """List the organization's integrations.

    \b
    Example:
      hubnity integrations list --json
    """
    items = state.api.paged("/api/v1/integrations", {})
    state.out.result(
        items,
        lambda: state.out.table(
            ["Id", "Name", "Provider", "Every", "Imported up to", "Next run"],
            [
                [
                    i["id"],
                    i["name"],
                    i["provider"],
                    f"{i['intervalMinutes']} min" if i.get("intervalMinutes") else "manual",
                    i.get("highWaterMark"),
                    i.get("nextRunAt"),
                ]
                for i in items
            ],
        ),
        quiet="\n".join(i["id"] for i in items) or None,
    )


@integrations.command("runs")
@common
@click.argument("integration", metavar="ID|NAME")
@pass_state
def list_runs(state: State, integration: str) -> None:
    """The last 50 runs of an integration, newest first.

    \b
    Example:
      hubnity integrations runs Toggl
    """
    api = state.api
    iid = by_id_or_name(api, "/api/v1/integrations", integration, "integration")
    items = api.paged(f"/api/v1/integrations/{iid}/runs", {})
    state.out.result(
        items,
        lambda: state.out.table(
            ["Id", "Status", "Trigger", "Created", "Failed", "Started", "Detail"],
            [
                [
                    r["id"],
                    r["status"],
                    r["trigger"],
                    r["counts"].get("created", 0),
                    r["counts"].get("failed", 0),
                    r.get("startedAt"),
                    r.get("detail"),
                ]
                for r in items
            ],
        ),
        quiet="\n".join(r["id"] for r in items) or None,
    )


@integrations.command("run")
@common
@click.argument("integration", metavar="ID|NAME")
@click.option("--from", "start", type=FROM, help="First day to import (default: since last run).")
@click.option("--to", "end", type=TO, help="Last day to import (inclusive).")
@click.option("--dry-run", is_flag=True, help="Count what would change; write nothing.")
@click.option("--wait", "wait_seconds", type=click.IntRange(1), default=3600, show_default=True)
@pass_state
def run_integration(
    state: State,
    integration: str,
    start: date | None,
    end: date | None,
    dry_run: bool,
    wait_seconds: int,
) -> None:
    """Run an import now, wait for it (progress bar on stderr), print the counts.

    \b
    Example:
      hubnity integrations run Toggl --from last-month --dry-run
      hubnity integrations run 3f9a0c2e-0000-4000-8000-000000000000 --json
    """
    api = state.api
    iid = by_id_or_name(api, "/api/v1/integrations", integration, "integration")
    body: dict[str, Any] = {"direction": "import", "dryRun": dry_run}
    if start:
        body["from"] = start.isoformat()
    if end:
        body["to"] = (end + timedelta(days=1)).isoformat()  # the API's `to` is exclusive
    accepted = api.post(f"/api/v1/integrations/{iid}/runs", json=body)
    run = wait_for_run(state, api, accepted["id"], f"Run {integration}", wait_seconds)
    show_run(state, run)
