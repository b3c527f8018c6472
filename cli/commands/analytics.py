"""`report analytics`: the analytics dashboard, or one project's budget."""

from __future__ import annotations

from datetime import date
from typing import Any

import click

from cli.context import State, common, pass_state
from cli.dates import FROM, TO
from cli.output import duration, percent
from cli.resolve import project_id, team_id, user_id


def _amounts(amounts: list[dict[str, Any]] | None) -> str:
    return ", ".join(f"{a['amount']} {a['currency']}" for a in amounts or []) or "-"


def _dashboard(state: State, data: dict[str, Any]) -> None:
    done = data["tasksCompleted"]
    week = data["weekOverWeek"]
    state.out.table(
        ["Figure", "Value"],
        [
            ["Tracked", duration(data["trackedSeconds"])],
            ["Billable", duration(data["billableSeconds"])],
            ["Amounts", _amounts(data["amounts"])],
            ["Active", f"{duration(data['activeSeconds'])} ({percent(data['activityPercent'])})"],
            ["Manual", duration(data["manualSeconds"])],
            ["Manual, pending approval", duration(data["pendingManualSeconds"])],
            [
                "Tasks done",
                f"{done} ({data['tasksCompletedOnTime']} on time, "
                f"{data['tasksCompletedLate']} late)",
            ],
            ["Estimate accuracy", percent(data["estimateAccuracyPercent"])],
            [
                "This week / last week",
                f"{duration(week['thisWeekSeconds'])} / {duration(week['lastWeekSeconds'])}",
            ],
        ],
        title=f"{data['fromDate']} to {data['toDate']}",
    )
    for key, label in (("byProject", "Project"), ("byUser", "Person")):
        if data.get(key):
            state.out.table(
                [label, "Tracked", "Billable", "Amounts"],
                [
                    [
                        g["name"],
                        duration(g["seconds"]),
                        duration(g["billableSeconds"]),
                        _amounts(g.get("amounts")),
                    ]
                    for g in data[key]
                ],
            )


def _project(state: State, data: dict[str, Any]) -> None:
    state.out.table(
        ["Project", "Budget", "Tracked", "Billable", "Remaining", "Used", "Amounts"],
        [
            [
                data["name"],
                duration(data["budgetSeconds"]) if data["budgetSeconds"] else "-",
                duration(data["trackedSeconds"]),
                duration(data["billableSeconds"]),
                duration(data["remainingSeconds"]),
                percent(data["budgetUsedPercent"]),
                _amounts(data["amounts"]),
            ]
        ],
    )
    if data.get("tasks"):
        state.out.table(
            ["Task", "Status", "Estimate", "Tracked", "Remaining", "Used"],
            [
                [
                    t["name"],
                    t.get("status"),
                    duration(t["estimateSeconds"]) if t.get("estimateSeconds") else "-",
                    duration(t["trackedSeconds"]),
                    duration(t["remainingSeconds"]),
                    percent(t["estimateUsedPercent"]),
                ]
                for t in data["tasks"]
            ],
        )


@click.command()
@common
@click.option("--from", "start", type=FROM, help="First day (default: 30 days ago).")
@click.option("--to", "end", type=TO, help="Last day (inclusive).")
@click.option("--team", metavar="ID|NAME", help="Only this team.")
@click.option("--user", metavar="ID|EMAIL|me", help="Only this person.")
@click.option("--project", metavar="ID|NAME", help="One project's budget and tasks instead.")
@pass_state
def analytics(
    state: State,
    start: date | None,
    end: date | None,
    team: str | None,
    user: str | None,
    project: str | None,
) -> None:
    """Analytics: tracked, billable, amounts, activity, tasks done, by project and person;
    or with --project one project's budget against tracked time.

    \b
    Example:
      hubnity report analytics --from this-month --team Backend
      hubnity report analytics --project Apollo --json
    """
    api = state.api
    params: dict[str, Any] = {}
    if team:
        params["teamId"] = team_id(api, team)
    if user:
        params["userId"] = user_id(api, user)
    if project:
        data = api.get(f"/api/v1/analytics/projects/{project_id(api, project)}", params=params)
        state.out.result(data, lambda: _project(state, data), quiet=str(data["trackedSeconds"]))
        return
    if start:
        params["from"] = start.isoformat()
    if end:
        params["to"] = end.isoformat()
    data = api.get("/api/v1/analytics/dashboard", params=params)
    state.out.result(data, lambda: _dashboard(state, data), quiet=str(data["trackedSeconds"]))
