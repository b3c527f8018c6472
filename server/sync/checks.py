"""What a batch's entry items are checked against besides the stored timeline,
each one query per batch: the projects and tasks they name, and the user's
approved (locked) weeks they start in (docs/api.md, "Timesheets")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Project, Task
from server.sync.store import StoredEntry, SyncStore
from server.sync.validate import ValidEntry
from server.timesheets.locks import LockIndex
from shared.enums import TaskStatus


@dataclass
class Refs:
    """The organization's projects and tasks a batch names."""

    projects: set[uuid.UUID] = field(default_factory=set)
    tasks: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # task -> its project
    archived: set[uuid.UUID] = field(default_factory=set)  # archived projects and tasks


async def known_refs(session: AsyncSession, org_id: uuid.UUID, entries: list[ValidEntry]) -> Refs:
    project_ids = {e.project_id for e in entries if e.project_id}
    task_ids = {e.task_id for e in entries if e.task_id}
    refs = Refs()
    if project_ids:
        rows = await session.execute(
            select(Project.id, Project.archived).where(
                Project.organization_id == org_id, Project.id.in_(project_ids)
            )
        )
        for pid, archived in rows:
            refs.projects.add(pid)
            if archived:
                refs.archived.add(pid)
    if task_ids:
        task_rows = await session.execute(
            select(Task.id, Task.project_id, Task.status).where(
                Task.organization_id == org_id, Task.id.in_(task_ids)
            )
        )
        for tid, pid, status in task_rows:
            refs.tasks[tid] = pid
            if status == TaskStatus.ARCHIVED.value:
                refs.archived.add(tid)
    return refs


def ref_problem(e: ValidEntry, refs: Refs, new: bool) -> str | None:
    if e.project_id and e.project_id not in refs.projects:
        return f"project {e.project_id} does not exist"
    if e.task_id:
        owner = refs.tasks.get(e.task_id)
        if owner is None:
            return f"task {e.task_id} does not exist"
        if owner != e.project_id:
            return f"task {e.task_id} does not belong to project {e.project_id}"
    # New time only: an entry already stored keeps going when its project is
    # archived under it (a running entry's next revisions are not refused).
    if new and e.project_id in refs.archived:
        return f"project {e.project_id} is archived; pick another project"
    if new and e.task_id in refs.archived:
        return f"task {e.task_id} is archived; pick another task"
    return None


async def locked_weeks(
    store: SyncStore,
    user_id: uuid.UUID,
    valid: list[ValidEntry],
    stored: dict[uuid.UUID, StoredEntry],
) -> LockIndex:
    """The user's approved weeks that the batch's entries start in, as they are
    sent or as they are stored (an entry may neither enter nor leave a locked
    week): one indexed query per batch."""
    starts = [e.start for e in valid]
    starts += [r.start for r in (stored.get(e.key) for e in valid) if r and r.owner == user_id]
    index = LockIndex()
    for week in await store.locked_weeks(user_id, min(starts), max(starts)):
        index.add(user_id, week)
    return index
