"""`timer start|pause|resume|stop|status`: your own timer (`/api/v1/timer`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from cli.client import Api
from cli.context import State, common, pass_state
from cli.output import duration
from cli.resolve import activity_id, project_id, task_id


def project_name(api: Api, pid: str | None) -> str:
    if not pid:
        return "No project"
    try:
        return str(api.get(f"/api/v1/projects/{pid}")["name"])
    except click.ClickException:
        return pid


def describe(api: Api, answer: dict[str, Any]) -> str:
    state, entry = answer["state"], answer.get("entry")
    if entry is None:
        return "No timer is running."
    name = project_name(api, entry.get("projectId"))
    since = datetime.fromisoformat(entry["startTime"]).astimezone().strftime("%Y-%m-%d %H:%M")
    what = f"{name}" + (f" - {entry['description']}" if entry.get("description") else "")
    took = duration(entry["durationSeconds"])
    if state == "running":
        by = " (the desktop agent)" if entry.get("source") == "agent" else ""
        return f"Running{by}: {what}, since {since} ({took})."
    if state == "paused":
        return f"Paused: {what} ({took} before the pause)."
    until = entry.get("endTime")
    end = datetime.fromisoformat(until).astimezone().strftime("%H:%M") if until else "now"
    return f"Stopped: {what}, {took} ({since} to {end})."


def _show(state: State, answer: dict[str, Any]) -> None:
    entry = answer.get("entry") or {}
    state.out.result(
        answer,
        lambda: state.out.line(describe(state.api, answer)),
        quiet=entry.get("id") or answer["state"],
    )


@click.group()
def timer() -> None:
    """Your timer: start on a project, pause, resume, stop.

    \b
    Example:
      hubnity timer start --project Apollo --task "Release notes"
      hubnity timer stop
    """


@timer.command()
@common
@click.option("--project", metavar="ID|NAME", required=True, help="Project to track on.")
@click.option("--task", metavar="ID|NAME", help="A task of that project.")
@click.option("--activity", metavar="ID|NAME", help="Kind of work (development, meeting).")
@click.option("--description", "-d", metavar="TEXT", help="What you are doing.")
@pass_state
def start(
    state: State, project: str, task: str | None, activity: str | None, description: str | None
) -> None:
    """Start the timer (a paused one ends first).

    \b
    Example:
      hubnity timer start --project Apollo -d "code review"
    """
    api = state.api
    pid = project_id(api, project)
    body: dict[str, Any] = {"projectId": pid}
    if task:
        body["taskId"] = task_id(api, pid, task)
    if activity:
        body["activityId"] = activity_id(api, activity)
    if description:
        body["description"] = description
    _show(state, api.post("/api/v1/timer/start", json=body))


def _action(name: str, summary: str) -> click.Command:
    @click.command(name=name, help=summary)
    @common
    @pass_state
    def command(state: State) -> None:
        _show(state, state.api.post(f"/api/v1/timer/{name}"))

    return command


pause = _action("pause", "Pause the running timer.\n\n\b\nExample:\n  hubnity timer pause")
resume = _action(
    "resume",
    "Resume a paused timer (a new entry with the same project and task).\n\n"
    "\b\nExample:\n  hubnity timer resume",
)
stop = _action(
    "stop", "Stop the timer (or close a pause).\n\n\b\nExample:\n  hubnity timer stop --json"
)
for _command in (pause, resume, stop):
    timer.add_command(_command)


@timer.command()
@common
@pass_state
def status(state: State) -> None:
    """Show the timer: idle, running (yours or the desktop agent's) or paused.

    \b
    Example:
      hubnity timer status
    """
    _show(state, state.api.get("/api/v1/timer"))
