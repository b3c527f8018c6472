"""`report daily|team` and `export`: the reports API (see docs/reports.md)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import click

from cli.context import State, common, pass_state
from cli.dates import FROM, TO
from cli.errors import CliError
from cli.output import duration, percent
from cli.resolve import team_id, user_id

POLL_SECONDS = 0.5


def _range(start: date | None, end: date | None) -> dict[str, str]:
    params = {}
    if start:
        params["from"] = start.isoformat()
    if end:
        params["to"] = end.isoformat()
    return params


def _projects(day: dict[str, Any]) -> str:
    parts = [f"{p['name']} {duration(p['seconds'])}" for p in day.get("projects", [])]
    return ", ".join(parts)


@click.group()
def report() -> None:
    """Reports: your days, your team's totals.

    \b
    Example:
      hubnity report daily --from this-week
      hubnity report team --team Backend --from 2026-11-01 --to 2026-11-30
    """


@report.command()
@common
@click.option("--user", metavar="ID|EMAIL|me", default="me", help="Whose days (default: me).")
@click.option("--from", "start", type=FROM, help="First day: YYYY-MM-DD, today, this-week, ...")
@click.option("--to", "end", type=TO, help="Last day (inclusive).")
@pass_state
def daily(state: State, user: str, start: date | None, end: date | None) -> None:
    """One line per local day: tracked and active time, activity, projects.

    \b
    Example:
      hubnity report daily --from this-week
      hubnity report daily --user ann@example.com --from 2026-11-01 --to 2026-11-07 --json
    """
    api = state.api
    params = _range(start, end)
    if user != "me":
        params["userId"] = user_id(api, user)
    data = api.get("/api/v1/reports/daily", params=params)

    def render() -> None:
        rows = [
            [
                d["date"],
                duration(d["trackedSeconds"]),
                duration(d["activeSeconds"]),
                percent(d["activityPercent"]),
                _projects(d),
            ]
            for d in data["days"]
        ]
        rows.append(
            [
                "Total",
                duration(data["trackedSeconds"]),
                duration(data["activeSeconds"]),
                percent(data["activityPercent"]),
                "",
            ]
        )
        state.out.table(
            ["Date", "Tracked", "Active", "Activity", "Projects"],
            rows,
            title=f"{data['name']} · {data['fromDate']} to {data['toDate']} ({data['timezone']})",
        )

    state.out.result(data, render, quiet=str(data["trackedSeconds"]))


@report.command()
@common
@click.option("--team", metavar="ID|NAME", help="One team (default: everyone you may see).")
@click.option("--from", "start", type=FROM, help="First day: YYYY-MM-DD, today, this-week, ...")
@click.option("--to", "end", type=TO, help="Last day (inclusive).")
@pass_state
def team(state: State, team: str | None, start: date | None, end: date | None) -> None:
    """Totals per person: tracked, active, activity (all pages).

    \b
    Example:
      hubnity report team --from last-week
      hubnity report team --team Backend --json | jq '.items[].trackedSeconds'
    """
    api = state.api
    params: dict[str, Any] = {**_range(start, end), "limit": 200}
    if team:
        params["teamId"] = team_id(api, team)
    first = api.get("/api/v1/reports/team", params=params)
    items = list(first["items"])
    cursor = first.get("nextCursor")
    while cursor:
        page = api.get("/api/v1/reports/team", params={**params, "cursor": cursor})
        items.extend(page["items"])
        cursor = page.get("nextCursor")
    data = {**first, "items": items, "nextCursor": None}

    def render() -> None:
        state.out.table(
            ["Person", "Email", "Tracked", "Active", "Activity"],
            [
                [
                    i["name"],
                    i["email"],
                    duration(i["trackedSeconds"]),
                    duration(i["activeSeconds"]),
                    percent(i["activityPercent"]),
                ]
                for i in items
            ],
            title=f"{data['fromDate']} to {data['toDate']}",
        )

    state.out.result(data, render, quiet="\n".join(i["userId"] for i in items) or None)


@click.command()
@common
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "pdf"]),
    default="xlsx",
    show_default=True,
    help="File format.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the file (default: hubnity-export-<today>.<format>).",
)
@click.option("--from", "start", type=FROM, help="First day: YYYY-MM-DD, today, this-week, ...")
@click.option("--to", "end", type=TO, help="Last day (inclusive).")
@click.option("--team", metavar="ID|NAME", help="One team (default: everyone you may see).")
@click.option(
    "--group-by",
    type=click.Choice(["user", "project", "customer", "activity"]),
    help="Order rows by group (a Group column; subtotals per group in PDF).",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.IntRange(1),
    default=900,
    show_default=True,
    help="Give up waiting for the export after this many seconds.",
)
@pass_state
def export(
    state: State,
    fmt: str,
    out_file: Path | None,
    start: date | None,
    end: date | None,
    team: str | None,
    group_by: str | None,
    wait_seconds: int,
) -> None:
    """Export timesheet rows to a file: starts the job, waits (progress on
    stderr), then downloads.

    \b
    Example:
      hubnity export --format xlsx --from last-week --out week.xlsx
      hubnity export --format csv --from 2026-11-01 --to 2026-11-30 --team Backend --out nov.csv
      hubnity export --format pdf --group-by customer --from last-month --out invoice.pdf
    """
    api = state.api
    params: dict[str, Any] = {"format": fmt, **_range(start, end)}
    if team:
        params["teamId"] = team_id(api, team)
    if group_by:
        params["groupBy"] = group_by
    started = api.get("/api/v1/reports/export", params=params, idempotent=False)
    job_id = started["jobId"]
    deadline = time.monotonic() + wait_seconds
    with state.out.progress(f"Export {fmt}") as update:
        while True:
            job = api.get(f"/api/v1/reports/exports/{job_id}")
            update(status=job["status"].lower())
            if job["status"] == "DONE":
                break
            if job["status"] == "FAILED":
                raise CliError(f"export {job_id} failed: {job.get('error') or 'no reason given'}")
            if time.monotonic() > deadline:
                raise CliError(
                    f"export {job_id} is still {job['status']} after {wait_seconds} s; "
                    "try again later or raise --wait"
                )
            time.sleep(POLL_SECONDS)
        target = out_file or Path(f"hubnity-export-{date.today().isoformat()}.{fmt}")
        update(status="downloading")
        size = api.download(
            job["downloadUrl"],
            target,
            lambda done, total: update(completed=done, total=total, status="downloading"),
        )
        update(status="done")
    result = {**job, "file": str(target), "bytes": size}
    state.out.result(
        result,
        lambda: state.out.line(f"Wrote {target} ({job.get('rowCount', 0)} rows, {size} bytes)."),
        quiet=str(target),
    )
