"""`entries list|add|edit|delete`: time entries (`/api/v1/time-entries`)."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta
from typing import Any

import click

from cli.client import Api
from cli.context import State, common, pass_state
from cli.dates import FROM, MOMENT, TO, local_instant
from cli.errors import UsageError
from cli.output import duration
from cli.resolve import activity_id, parse_duration, project_id, task_id, user_id

SOURCES = ["agent", "web", "manual", "import"]
CLEARABLE = {
    "task": "taskId",
    "activity": "activityId",
    "description": "description",
    "billable": "billable",
    "ticket": "ticketKey",
}


def _local(value: str | None) -> str:
    if not value:
        return "running"
    return datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M")


def _project_names(api: Api) -> dict[str, str]:
    items = api.paged("/api/v1/projects", {"limit": 200, "includeArchived": "true"})
    return {p["id"]: p["name"] for p in items}


def _people(api: Api, items: list[dict[str, Any]]) -> dict[str, str]:
    """Names of the people the entries belong to (ids where one cannot see them)."""
    wanted = {e["userId"] for e in items}
    if len(wanted) < 2:
        return {}
    found = api.paged("/api/v1/members", {"limit": 200})
    return {m["id"]: m["name"] for m in found if m["id"] in wanted}


def render(state: State, items: list[dict[str, Any]]) -> None:
    names = _project_names(state.api) if items else {}
    people = _people(state.api, items)
    state.out.table(
        [
            "Id",
            *(["Person"] if people else []),
            "Start",
            "End",
            "Duration",
            "Project",
            "Description",
            "Source",
            "Class",
        ],
        [
            [
                e["id"],
                *([people.get(e["userId"], e["userId"])] if people else []),
                _local(e["startTime"]),
                _local(e.get("endTime")),
                duration(e["durationSeconds"]),
                names.get(e.get("projectId") or "", e.get("projectId")),
                e.get("description"),
                e["source"],
                e["entryClass"] + (" (locked)" if e.get("locked") else ""),
            ]
            for e in items
        ],
    )
    if len(items) > 1:
        state.out.line(f"Total: {duration(sum(e['durationSeconds'] for e in items))}")


@click.group()
def entries() -> None:
    """Your time entries (and, for managers, your teams'): list, add, edit, delete.

    \b
    Example:
      hubnity entries list --from this-week
      hubnity entries add --project Apollo --start "yesterday 09:00" --duration 1h30m
    """


@entries.command("list")
@common
@click.option("--from", "start", type=FROM, help="First day (default: today).")
@click.option("--to", "end", type=TO, help="Last day, inclusive (default: today).")
@click.option("--user", metavar="ID|EMAIL|me", help="Only this person (default: all you see).")
@click.option("--project", metavar="ID|NAME", help="Only this project.")
@click.option("--source", type=click.Choice(SOURCES), help="Only time from this source.")
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True)
@pass_state
def list_entries(
    state: State,
    start: date | None,
    end: date | None,
    user: str | None,
    project: str | None,
    source: str | None,
    limit: int,
) -> None:
    """List entries that start within the days given, oldest first.

    \b
    Example:
      hubnity entries list --from yesterday --to yesterday
      hubnity entries list --from this-week --project Apollo --json
    """
    api = state.api
    first = start or date.today()
    last = end or max(first, date.today())
    params: dict[str, Any] = {
        "from": local_instant(first, end=False),
        "to": local_instant(last, end=True),
        "source": source,
        "limit": min(limit, 200),
    }
    if user:
        params["userId"] = user_id(api, user)
    if project:
        params["projectId"] = project_id(api, project)
    items = api.paged("/api/v1/time-entries", params, limit)
    state.out.result(
        items, lambda: render(state, items), quiet="\n".join(e["id"] for e in items) or None
    )


def _references(
    api: Api,
    project: str | None,
    task: str | None,
    activity: str | None,
    current_project: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    pid = project_id(api, project) if project else current_project
    if project:
        body["projectId"] = pid
    if task:
        if not pid:
            raise UsageError("--task needs --project (a task is named within its project)")
        body["taskId"] = task_id(api, pid, task)
    if activity:
        body["activityId"] = activity_id(api, activity)
    return body


@entries.command("add")
@common
@click.option("--project", metavar="ID|NAME", required=True)
@click.option(
    "--start",
    "begin",
    type=MOMENT,
    required=True,
    help="HH:MM (today), 'yesterday HH:MM', 'YYYY-MM-DD HH:MM'.",
)
@click.option("--end", "finish", type=MOMENT, help="When it ended (or give --duration).")
@click.option("--duration", "length", metavar="DURATION", help="e.g. 1h30m (instead of --end).")
@click.option("--task", metavar="ID|NAME")
@click.option("--activity", metavar="ID|NAME")
@click.option("--description", "-d", metavar="TEXT")
@click.option("--billable/--not-billable", default=None, help="Default: as the project.")
@click.option("--ticket", metavar="KEY")
@click.option("--user", metavar="ID|EMAIL", help="Someone you manage (default: you).")
@pass_state
def add_entry(
    state: State,
    project: str,
    begin: datetime,
    finish: datetime | None,
    length: str | None,
    task: str | None,
    activity: str | None,
    description: str | None,
    billable: bool | None,
    ticket: str | None,
    user: str | None,
) -> None:
    """Add time by hand (source manual; may need approval with the week).

    \b
    Example:
      hubnity entries add --project Apollo --start 09:00 --end 10:30 -d "planning"
      hubnity entries add --project Apollo --start "2026-11-30 14:00" --duration 2h --billable
    """
    if (finish is None) == (length is None):
        raise UsageError("give either --end or --duration")
    finish = finish or begin + timedelta(seconds=parse_duration(str(length)))
    api = state.api
    body: dict[str, Any] = {
        "startTime": begin.isoformat(),
        "endTime": finish.isoformat(),
        **_references(api, project, task, activity),
    }
    optional = {
        "description": description,
        "billable": billable,
        "ticketKey": ticket,
        "userId": user_id(api, user) if user else None,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    created = api.post("/api/v1/time-entries", json=body)
    state.out.result(created, lambda: render(state, [created]), quiet=created["id"])


@entries.command("edit")
@common
@click.argument("entry_id", metavar="ID")
@click.option("--project", metavar="ID|NAME")
@click.option("--start", "begin", type=MOMENT)
@click.option("--end", "finish", type=MOMENT)
@click.option("--task", metavar="ID|NAME")
@click.option("--activity", metavar="ID|NAME")
@click.option("--description", "-d", metavar="TEXT")
@click.option("--billable/--not-billable", default=None)
@click.option("--ticket", metavar="KEY")
@click.option(
    "--clear",
    multiple=True,
    type=click.Choice(sorted(CLEARABLE)),
    help="Empty a field (repeat for more); billable then follows the project.",
)
@pass_state
def edit_entry(
    state: State,
    entry_id: str,
    project: str | None,
    begin: datetime | None,
    finish: datetime | None,
    task: str | None,
    activity: str | None,
    description: str | None,
    billable: bool | None,
    ticket: str | None,
    clear: tuple[str, ...],
) -> None:
    """Change an entry: only the fields given change. --end on a running timer stops it.

    \b
    Example:
      hubnity entries edit 0b7a6c9e-0000-4000-8000-000000000000 --end 17:30 -d "release"
      hubnity entries edit 0b7a6c9e-0000-4000-8000-000000000000 --clear task --project Borealis
    """
    api = state.api
    current = None
    if task and not project:
        current = api.get(f"/api/v1/time-entries/{entry_id}").get("projectId")
    body = _references(api, project, task, activity, current)
    changes = {
        "startTime": begin.isoformat() if begin else None,
        "endTime": finish.isoformat() if finish else None,
        "description": description,
        "billable": billable,
        "ticketKey": ticket,
    }
    body.update({k: v for k, v in changes.items() if v is not None})
    for name in clear:
        body[CLEARABLE[name]] = None
    if not body:
        raise UsageError("nothing to change: give at least one option (see --help)")
    changed = api.patch(f"/api/v1/time-entries/{entry_id}", json=body)
    state.out.result(changed, lambda: render(state, [changed]), quiet=changed["id"])


@entries.command("delete")
@common
@click.argument("entry_id", metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Do not ask (needed without a terminal).")
@pass_state
def delete_entry(state: State, entry_id: str, yes: bool) -> None:
    """Delete an entry (with its activity minutes; it does not come back from an agent).

    \b
    Example:
      hubnity entries delete 0b7a6c9e-0000-4000-8000-000000000000 --yes
    """
    api = state.api
    entry = api.get(f"/api/v1/time-entries/{entry_id}")
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError("no terminal to confirm: add --yes")
        what = f"{_local(entry['startTime'])} to {_local(entry.get('endTime'))}"
        click.confirm(f"Delete the entry of {what}?", abort=True, err=True)
    api.delete(f"/api/v1/time-entries/{entry_id}")
    state.out.result({"deleted": entry_id}, lambda: state.out.line("Deleted."), quiet=entry_id)
