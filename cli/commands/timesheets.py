"""`timesheets submit|list|show|approve|reject|reopen`: weekly approval."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import click

from cli.context import State, common, pass_state
from cli.dates import FROM
from cli.output import duration
from cli.resolve import team_id, user_id

STATUSES = ["submitted", "approved", "rejected", "reopened"]


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _render(state: State, items: list[dict[str, Any]]) -> None:
    state.out.table(
        ["Id", "Person", "Week", "Status", "Tracked", "Manual", "Reason"],
        [
            [
                t["id"],
                t["userName"],
                t["weekStart"],
                t["status"],
                duration(t["trackedSeconds"]),
                duration(t["manualSeconds"]),
                t.get("reason"),
            ]
            for t in items
        ],
    )


@click.group()
def timesheets() -> None:
    """Weekly timesheets: submit yours, approve or reject your team's.

    \b
    Example:
      hubnity timesheets submit --week last-week
      hubnity timesheets list --status submitted
      hubnity timesheets approve 5b7e3c1e-0000-4000-8000-000000000000
    """


@timesheets.command()
@common
@click.option(
    "--week",
    type=FROM,
    default="this-week",
    show_default=True,
    help="A day of the week to submit (its Monday is taken): YYYY-MM-DD, last-week, ...",
)
@pass_state
def submit(state: State, week: date) -> None:
    """Submit your week for approval (again after a rejection or a reopen).

    \b
    Example:
      hubnity timesheets submit --week last-week
      hubnity timesheets submit --week 2026-11-23
    """
    sheet = state.api.post("/api/v1/timesheets", json={"weekStart": monday(week).isoformat()})
    state.out.result(sheet, lambda: _render(state, [sheet]), quiet=sheet["id"])


@timesheets.command("list")
@common
@click.option("--status", type=click.Choice(STATUSES), help="Only timesheets in this status.")
@click.option("--user", metavar="ID|EMAIL|me", help="Only this person's weeks.")
@click.option("--team", metavar="ID|NAME", help="Only this team's members.")
@click.option("--week", type=FROM, help="Only the week holding this day.")
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True)
@pass_state
def list_timesheets(
    state: State,
    status: str | None,
    user: str | None,
    team: str | None,
    week: date | None,
    limit: int,
) -> None:
    """List the timesheets you may see, newest week first.

    \b
    Example:
      hubnity timesheets list --status submitted --team Backend
      hubnity timesheets list --user me --json
    """
    api = state.api
    params: dict[str, Any] = {"status": status, "limit": min(limit, 200)}
    if user:
        params["userId"] = user_id(api, user)
    if team:
        params["teamId"] = team_id(api, team)
    if week:
        params["weekStart"] = monday(week).isoformat()
    items = api.paged("/api/v1/timesheets", params, limit)
    state.out.result(
        items, lambda: _render(state, items), quiet="\n".join(t["id"] for t in items) or None
    )


@timesheets.command()
@common
@click.argument("timesheet_id", metavar="ID")
@pass_state
def show(state: State, timesheet_id: str) -> None:
    """Show one timesheet.

    \b
    Example:
      hubnity timesheets show 5b7e3c1e-0000-4000-8000-000000000000 --json
    """
    sheet = state.api.get(f"/api/v1/timesheets/{timesheet_id}")
    state.out.result(sheet, lambda: _render(state, [sheet]), quiet=sheet["status"])


def _decide(state: State, timesheet_id: str, action: str, reason: str | None) -> None:
    body = {"reason": reason} if reason is not None else None
    sheet = state.api.post(f"/api/v1/timesheets/{timesheet_id}/{action}", json=body)
    state.out.result(
        sheet,
        lambda: state.out.line(
            f"{sheet['userName']}, week of {sheet['weekStart']}: {sheet['status']}."
        ),
        quiet=sheet["id"],
    )


@timesheets.command()
@common
@click.argument("timesheet_id", metavar="ID")
@pass_state
def approve(state: State, timesheet_id: str) -> None:
    """Approve a submitted week (team manager or admin; never your own). Its time locks.

    \b
    Example:
      hubnity timesheets approve 5b7e3c1e-0000-4000-8000-000000000000
    """
    _decide(state, timesheet_id, "approve", None)


@timesheets.command()
@common
@click.argument("timesheet_id", metavar="ID")
@click.option("--reason", required=True, help="Why, shown to the person (1-500 characters).")
@pass_state
def reject(state: State, timesheet_id: str, reason: str) -> None:
    """Reject a submitted week with a reason; the person fixes it and submits again.

    \b
    Example:
      hubnity timesheets reject 5b7e3c1e-0000-4000-8000-000000000000 --reason "Friday is missing"
    """
    _decide(state, timesheet_id, "reject", reason)


@timesheets.command()
@common
@click.argument("timesheet_id", metavar="ID")
@click.option("--reason", required=True, help="Why the approved week is unlocked.")
@pass_state
def reopen(state: State, timesheet_id: str, reason: str) -> None:
    """Reopen an approved week (ADMIN/OWNER): it unlocks and goes through approval again.

    \b
    Example:
      hubnity timesheets reopen 5b7e3c1e-0000-4000-8000-000000000000 --reason "wrong project"
    """
    _decide(state, timesheet_id, "reopen", reason)
