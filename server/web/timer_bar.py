"""The timer bar at the top of every page: the timer's state (`server.timer`)
and what can be started (the projects and open tasks the agent offers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from server.activities.service import list_activities
from server.auth.principal import Principal
from server.db.catalog import ListQuery
from server.projects.service import active_projects
from server.timer import service as timer


@dataclass(frozen=True)
class Choice:
    value: str  # "<projectId>" or "<projectId>/<taskId>"
    label: str


@dataclass(frozen=True)
class TimerBar:
    state: str  # idle | running | paused
    by_agent: bool = False
    project: str | None = None
    task: str | None = None
    description: str | None = None
    since: datetime | None = None
    choices: list[Choice] = field(default_factory=list)
    selected: str = ""
    activities: list[Choice] = field(default_factory=list)  # kinds of work, if any


async def load(session: AsyncSession, principal: Principal) -> TimerBar:
    now = await timer.status(session, principal)
    catalog = (await active_projects(session, principal)).items
    choices: list[Choice] = []
    projects: dict[str, str] = {}
    tasks: dict[str, str] = {}
    for p in catalog:
        projects[p.id] = p.name
        choices.append(Choice(p.id, p.name))
        for t in p.tasks:
            tasks[t.id] = t.name
            choices.append(Choice(f"{p.id}/{t.id}", f"{p.name} \u203a {t.name}"))
    kinds = (await list_activities(session, principal, ListQuery(limit=100))).items
    activities = [Choice(a.id, a.name) for a in kinds]
    entry = now.entry
    if entry is None or now.state == "idle":
        last = ""
        if entry is not None and entry.project_id:
            last = f"{entry.project_id}/{entry.task_id}" if entry.task_id else entry.project_id
        return TimerBar("idle", choices=choices, selected=last, activities=activities)
    return TimerBar(
        now.state,
        by_agent=entry.source == "agent",
        project=projects.get(entry.project_id or "") or ("A project" if entry.project_id else None),
        task=tasks.get(entry.task_id or ""),
        description=entry.description,
        since=entry.start_time if now.state == "running" else entry.end_time,
        choices=choices,
        activities=activities,
    )


def split_choice(value: str) -> tuple[str, str | None]:
    """'<projectId>/<taskId>' → (projectId, taskId); a bare project id → (id, None)."""
    project, _, task = value.strip().partition("/")
    return project, task or None
