"""`tasks list|add|status`: the tasks API."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from cli.context import State, common, pass_state
from cli.output import duration
from cli.resolve import parse_duration, project_id, user_id

STATUSES = ["todo", "in_progress", "done", "archived"]
PRIORITIES = ["low", "medium", "high", "urgent"]


def _render(state: State, items: list[dict[str, Any]]) -> None:
    state.out.table(
        ["Id", "Task", "Status", "Priority", "Due", "Estimate", "Ticket"],
        [
            [
                t["id"],
                t["name"],
                t["status"],
                t["priority"],
                t.get("dueDate"),
                duration(t["estimateSeconds"]) if t.get("estimateSeconds") else None,
                t.get("ticketKey"),
            ]
            for t in items
        ],
    )


@click.group()
def tasks() -> None:
    """Tasks of your projects: list, add, change status.

    \b
    Example:
      hubnity tasks list --project Apollo --status todo
      hubnity tasks add "Write release notes" --project Apollo --due 2026-12-10
    """


@tasks.command("list")
@common
@click.option("--project", metavar="ID|NAME", help="Only this project's tasks.")
@click.option("--status", type=click.Choice(STATUSES), help="Only tasks in this status.")
@click.option("--assignee", metavar="ID|EMAIL|me", help="Only tasks of this person.")
@click.option("--search", "q", metavar="TEXT", help="Part of the name.")
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True)
@pass_state
def list_tasks(
    state: State,
    project: str | None,
    status: str | None,
    assignee: str | None,
    q: str | None,
    limit: int,
) -> None:
    """List tasks (archived ones only with --status archived).

    \b
    Example:
      hubnity tasks list --assignee me --status in_progress
      hubnity tasks list --project Apollo --json
    """
    api = state.api
    params: dict[str, Any] = {"status": status, "q": q, "limit": min(limit, 200)}
    if project:
        params["projectId"] = project_id(api, project)
    if assignee:
        params["assigneeId"] = user_id(api, assignee)
    items = api.paged("/api/v1/tasks", params, limit)
    state.out.result(
        items, lambda: _render(state, items), quiet="\n".join(t["id"] for t in items) or None
    )


@tasks.command("add")
@common
@click.argument("name")
@click.option("--project", metavar="ID|NAME", required=True, help="The task's project.")
@click.option("--description", metavar="TEXT")
@click.option("--status", type=click.Choice(STATUSES[:3]), help="Default: todo.")
@click.option("--priority", type=click.Choice(PRIORITIES), help="Default: medium.")
@click.option("--due", type=click.DateTime(["%Y-%m-%d"]), help="Due date, YYYY-MM-DD.")
@click.option("--estimate", metavar="DURATION", help="e.g. 2h, 1h30m, 45m.")
@click.option("--assignee", metavar="ID|EMAIL|me")
@click.option("--ticket", metavar="KEY", help="A tracker key such as FIN-42.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")
@pass_state
def add_task(
    state: State,
    name: str,
    project: str,
    description: str | None,
    status: str | None,
    priority: str | None,
    due: Any,
    estimate: str | None,
    assignee: str | None,
    ticket: str | None,
    tags: tuple[str, ...],
) -> None:
    """Add a task to a project (ADMIN/OWNER).

    \b
    Example:
      hubnity tasks add "Fix login" --project Apollo --priority high --estimate 2h --assignee me
    """
    api = state.api
    pid = project_id(api, project)
    body: dict[str, Any] = {"name": name}
    optional: dict[str, Any] = {
        "description": description,
        "status": status,
        "priority": priority,
        "dueDate": date.isoformat(due.date()) if due else None,
        "estimateSeconds": parse_duration(estimate) if estimate else None,
        "assigneeId": user_id(api, assignee) if assignee else None,
        "ticketKey": ticket,
        "tags": list(tags) or None,
    }
    body.update({k: v for k, v in optional.items() if v is not None})
    task = api.post(f"/api/v1/projects/{pid}/tasks", json=body)
    state.out.result(task, lambda: _render(state, [task]), quiet=task["id"])


@tasks.command("status")
@common
@click.argument("task_id", metavar="ID")
@click.argument("status", type=click.Choice(STATUSES))
@pass_state
def task_status(state: State, task_id: str, status: str) -> None:
    """Set a task's status (ADMIN/OWNER, or the assignee for their own task).

    \b
    Example:
      hubnity tasks status 6f1c0a52-0000-4000-8000-000000000000 done
    """
    task = state.api.patch(f"/api/v1/tasks/{task_id}/status", json={"status": status})
    state.out.result(
        task,
        lambda: state.out.line(f"{task['name']}: {task['status']}."),
        quiet=task["id"],
    )
